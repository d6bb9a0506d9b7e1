/*
 * Asynchronous handshake load: `total` complete client + server handshakes
 * in this process, `parallel` in flight at any time, every step an
 * asynchronous call (SspiInitializeSecurityContextAsyncA on the client,
 * SspiAcceptSecurityContextAsync on the server) chained from the notify
 * callbacks - no thread of ours waits for a step. Used by `sspi load`
 * (cmd_load.c) and bench/bench_async.c; public API only.
 */
#ifndef LIBSSPI_TOOL_LOAD_ENGINE_H
#define LIBSSPI_TOOL_LOAD_ENGINE_H

#define SECURITY_WIN32
#include <security.h>

typedef struct load_params {
    CredHandle *client, *server; /* outbound / inbound credentials */
    const char *target;          /* pszTargetName of the client */
    ULONG client_req, server_req;
    ULONG max_token; /* size of each token buffer */
    long parallel, total;
} load_params;

typedef struct load_result {
    long ok, failed;
    SECURITY_STATUS first_error; /* of the failed handshakes */
    double elapsed;              /* seconds, first start to last end */
    /* Latency (first client step to the server's SEC_E_OK) of the
     * successful handshakes, seconds; 0 when none succeeded. */
    double p50, p90, p99, max;
    int peak_threads; /* the process's, sampled while waiting */
} load_result;

/* Runs the handshakes; -1 (nothing run) when memory or the asynchronous
 * contexts could not be had. */
int load_engine_run(const load_params *p, load_result *out);

/* Threads of this process (/proc/self/status), -1 if unknown. */
int load_thread_count(void);

/* CLOCK_MONOTONIC in seconds. */
double load_now(void);

#endif
