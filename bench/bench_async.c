/*
 * Asynchronous API benchmark (a tuning helper, not run by CTest): full NTLM
 * client + server handshakes in one process, every step an asynchronous
 * call (SspiInitializeSecurityContextAsyncA / SspiAcceptSecurityContextAsync)
 * chained from the notify callbacks, with 1, 100 and 1000 handshakes in
 * flight. Prints handshakes/s, p50/p99 latency (start of the first client
 * step to the server's SEC_E_OK), the worker count and the process's
 * thread count and peak RSS.
 *
 *   bench_async [HANDSHAKES_PER_LEVEL]   (default 5000)
 */
#define SECURITY_WIN32
#include <libsspi.h>
#include <security.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "async/async_pool.h"
#include "load_engine.h" /* tools/sspi: the handshake driver of `sspi load` */
#include "packages/package.h"

/* A static link pulls NTLM in only when referenced (weak registry). */
extern const sspi_package sspi_ntlm_package;
const sspi_package *const bench_async_ntlm_ref = &sspi_ntlm_package;

#define USER "alice"
#define PASSWORD "Password"
static const unsigned char NT_HASH[16] = {0xa4, 0xf4, 0x9c, 0x40, 0x65, 0x10, 0xbd, 0xca,
                                          0xb6, 0x82, 0x4e, 0xe7, 0xc3, 0x0f, 0xd8, 0x52};
#define CREQ (ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | ISC_REQ_CONNECTION)
#define SREQ (ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY | ASC_REQ_CONNECTION)
#define TOKEN_MAX 4096

static int hash_cb(void *ctx, const char *user, const char *domain, unsigned char h[16]) {
    (void)ctx;
    (void)domain;
    if (strcmp(user, USER) != 0) return 1;
    memcpy(h, NT_HASH, 16);
    return 0;
}

static CredHandle g_client, g_server;

static void level(int parallel, long total) {
    load_params p = {.client = &g_client,
                     .server = &g_server,
                     .target = "host/bench",
                     .client_req = CREQ,
                     .server_req = SREQ,
                     .max_token = TOKEN_MAX,
                     .parallel = parallel > total ? total : parallel,
                     .total = total};
    load_result res;
    if (load_engine_run(&p, &res) != 0) exit(1);
    printf("  %5d in flight: %8.0f handshakes/s   p50 %8.2f ms   p99 %8.2f ms   "
           "(%ld handshakes, %ld failed, %d threads)\n",
           (int)p.parallel, (double)total / res.elapsed, res.p50 * 1000, res.p99 * 1000, total,
           res.failed, res.peak_threads);
}

int main(int argc, char **argv) {
    long total = argc > 1 ? atol(argv[1]) : 5000;
    if (total < 1) total = 5000;
    SEC_WINNT_AUTH_IDENTITY_A id = {(UCHAR *)USER,     (ULONG)strlen(USER),
                                    (UCHAR *)"BENCH",  5,
                                    (UCHAR *)PASSWORD, (ULONG)strlen(PASSWORD),
                                    SEC_WINNT_AUTH_IDENTITY_ANSI};
    TimeStamp ts;
    if (AcquireCredentialsHandleA(NULL, "NTLM", SECPKG_CRED_OUTBOUND, NULL, &id, NULL, NULL,
                                  &g_client, &ts) != SEC_E_OK ||
        AcquireCredentialsHandleA(NULL, "NTLM", SECPKG_CRED_INBOUND, NULL, NULL, NULL, NULL,
                                  &g_server, &ts) != SEC_E_OK) {
        fprintf(stderr, "bench_async: cannot acquire NTLM credentials\n");
        return 1;
    }
    LIBSSPI_NTLM_HASH_CALLBACK cb = {hash_cb, NULL};
    SetCredentialsAttributesA(&g_server, SECPKG_CRED_ATTR_LIBSSPI_NTLM_HASH_CALLBACK, &cb,
                              sizeof cb);
    SspiAsyncContext *warm = SspiCreateAsyncContext(); /* starts the pool */
    SspiFreeAsyncContext(warm);
    printf("bench_async: NTLM handshakes through the asynchronous API, %zu workers, %ld cpus\n",
           sspi_pool_threads(), sysconf(_SC_NPROCESSORS_ONLN));
    int levels[] = {1, 100, 1000};
    for (size_t i = 0; i < 3; i++) level(levels[i], total);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("  peak RSS %ld KiB\n", ru.ru_maxrss);
    FreeCredentialsHandle(&g_client);
    FreeCredentialsHandle(&g_server);
    return 0;
}
