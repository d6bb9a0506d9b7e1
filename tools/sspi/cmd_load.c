/*
 * sspi load [--package NAME] [--parallel N] [--count M] [--threads T]
 *
 * Load generator for the asynchronous API: M complete client + server
 * handshakes in this process, N in flight at any time, every step an
 * asynchronous call (SspiInitializeSecurityContextAsyncA on the client,
 * SspiAcceptSecurityContextAsync on the server) chained from the notify
 * callbacks - no thread of ours waits for a step. The server side uses
 * inbound credentials with a temporary account (an NTLM hash callback;
 * nothing is written to disk). Prints handshakes/s, p50/p90/p99 latency
 * (first client step to the server's SEC_E_OK), the process's thread count
 * (peak) and peak RSS.
 */
#include <libsspi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "load_engine.h"
#include "tool.h"

#define LOAD_USER "loaduser"
#define LOAD_DOMAIN "LOAD"
#define LOAD_PASSWORD "Password"
#define LOAD_TARGET "host/load.invalid"
#define LOAD_CREQ (ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | ISC_REQ_CONNECTION)
#define LOAD_SREQ (ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY | ASC_REQ_CONNECTION)

void cmd_load_help(FILE *out) {
    fprintf(out,
            "Runs COUNT full client + server handshakes in this process through the\n"
            "asynchronous SSPI API (SspiInitializeSecurityContextAsyncA /\n"
            "SspiAcceptSecurityContextAsync), PARALLEL of them in flight, each step\n"
            "started from the previous step's notify callback. The server uses a\n"
            "temporary in-memory account.\n"
            "\n"
            "options:\n"
            "  --package NAME   security package (default NTLM)\n"
            "  --parallel N     handshakes in flight (default 100)\n"
            "  --count M        handshakes in total (default 10000)\n"
            "  --threads T      library worker threads (sets SSPI_ASYNC_THREADS;\n"
            "                   default: the library's, 2 x CPUs)\n"
            "\n"
            "prints: handshakes/s, latency p50/p90/p99, threads (peak), peak RSS.\n"
            "\n"
            "example:\n"
            "  sspi load --package NTLM --parallel 1000 --count 20000\n");
}

/* The server's account: LOAD_USER with the NT hash of LOAD_PASSWORD
 * (MD4 of its UTF-16LE form; the tool links only the public API, which has
 * no MD4, so the value is a constant). */
static const unsigned char LOAD_NT_HASH[16] = {0xa4, 0xf4, 0x9c, 0x40, 0x65, 0x10, 0xbd, 0xca,
                                               0xb6, 0x82, 0x4e, 0xe7, 0xc3, 0x0f, 0xd8, 0x52};

static int load_hash_cb(void *ctx, const char *user, const char *domain,
                        unsigned char nt_hash[16]) {
    (void)ctx;
    (void)domain;
    if (strcmp(user, LOAD_USER) != 0) return 1;
    memcpy(nt_hash, LOAD_NT_HASH, 16);
    return 0;
}

static int load_parse(const char *s, long lo, long hi, long *out) {
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (!end || *end || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

/* The package's token size, an outbound credential for LOAD_USER and an
 * inbound one that knows its account. */
static int load_credentials(const char *package, ULONG *max_token, CredHandle *client,
                            CredHandle *server) {
    PSecPkgInfoA info = NULL;
    SECURITY_STATUS st = QuerySecurityPackageInfoA((SEC_CHAR *)package, &info);
    if (st != SEC_E_OK) return tool_fail("QuerySecurityPackageInfoA", st);
    *max_token = info->cbMaxToken;
    FreeContextBuffer(info);
    SEC_WINNT_AUTH_IDENTITY_A id = {(unsigned char *)LOAD_USER,     (ULONG)strlen(LOAD_USER),
                                    (unsigned char *)LOAD_DOMAIN,   (ULONG)strlen(LOAD_DOMAIN),
                                    (unsigned char *)LOAD_PASSWORD, (ULONG)strlen(LOAD_PASSWORD),
                                    SEC_WINNT_AUTH_IDENTITY_ANSI};
    TimeStamp ts;
    st = AcquireCredentialsHandleA(NULL, (SEC_CHAR *)package, SECPKG_CRED_OUTBOUND, NULL, &id,
                                   NULL, NULL, client, &ts);
    if (st != SEC_E_OK) return tool_fail("AcquireCredentialsHandleA (client)", st);
    st = AcquireCredentialsHandleA(NULL, (SEC_CHAR *)package, SECPKG_CRED_INBOUND, NULL, NULL,
                                   NULL, NULL, server, &ts);
    if (st != SEC_E_OK) {
        FreeCredentialsHandle(client);
        return tool_fail("AcquireCredentialsHandleA (server)", st);
    }
    LIBSSPI_NTLM_HASH_CALLBACK cb = {load_hash_cb, NULL};
    st = SetCredentialsAttributesA(server, SECPKG_CRED_ATTR_LIBSSPI_NTLM_HASH_CALLBACK, &cb,
                                   sizeof cb);
    if (st != SEC_E_OK) {
        FreeCredentialsHandle(client);
        FreeCredentialsHandle(server);
        return tool_fail("SetCredentialsAttributesA (NTLM account callback)", st);
    }
    return TOOL_EXIT_OK;
}

static int load_report(const load_result *res, long count) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("  handshakes/s   %.0f  (%ld ok, %ld failed, %.3f s)\n",
           (double)count / res->elapsed, res->ok, res->failed, res->elapsed);
    if (res->ok) {
        printf("  latency        p50 %.3f ms   p90 %.3f ms   p99 %.3f ms   max %.3f ms\n",
               res->p50 * 1000, res->p90 * 1000, res->p99 * 1000, res->max * 1000);
    }
    printf("  threads        %d (peak, whole process)\n", res->peak_threads);
    printf("  peak RSS       %ld KiB\n", ru.ru_maxrss);
    if (!res->failed) return TOOL_EXIT_OK;
    char buf[TOOL_STATUS_BUFLEN];
    fprintf(stderr, "sspi: %ld handshakes failed, first: %s\n", res->failed,
            tool_status_format(res->first_error, buf, sizeof buf));
    return TOOL_EXIT_FAIL;
}

int cmd_load(int argc, char **argv) {
    const char *package = "NTLM";
    long parallel = 100, count = 10000, threads = 0;
    for (int i = 1; i < argc; i += 2) { /* every option takes a value */
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--package") == 0 && v) {
            package = v;
        } else if (strcmp(a, "--parallel") == 0 && v && load_parse(v, 1, 1000000, &parallel) == 0) {
        } else if (strcmp(a, "--count") == 0 && v && load_parse(v, 1, 100000000, &count) == 0) {
        } else if (strcmp(a, "--threads") == 0 && v && load_parse(v, 1, 256, &threads) == 0) {
        } else {
            fprintf(stderr, "usage: sspi load [--package NAME] [--parallel N] [--count M] "
                            "[--threads T]\n");
            return TOOL_EXIT_USAGE;
        }
    }
    if (threads) {
        char t[16];
        snprintf(t, sizeof t, "%ld", threads);
        setenv("SSPI_ASYNC_THREADS", t, 1); /* read when the pool starts */
    }
    load_params p = {.target = LOAD_TARGET,
                     .client_req = LOAD_CREQ,
                     .server_req = LOAD_SREQ,
                     .parallel = parallel > count ? count : parallel,
                     .total = count};
    CredHandle client, server;
    int rc = load_credentials(package, &p.max_token, &client, &server);
    if (rc != TOOL_EXIT_OK) return rc;
    p.client = &client;
    p.server = &server;
    printf("sspi load: %s, %ld handshakes, %ld in flight\n", package, count, p.parallel);
    load_result res;
    if (load_engine_run(&p, &res) != 0) {
        fprintf(stderr, "sspi: cannot create async contexts\n");
        rc = TOOL_EXIT_FAIL;
    } else {
        rc = load_report(&res, count);
    }
    FreeCredentialsHandle(&client);
    FreeCredentialsHandle(&server);
    return rc;
}
