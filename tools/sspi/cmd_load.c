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
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

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

static double load_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct load_run {
    long total;
    atomic_long started, recorded, failed;
    atomic_int first_error;
    long finished; /* m */
    double *lat;
    CredHandle client, server;
    ULONG max_token;
    pthread_mutex_t m;
    pthread_cond_t c;
} load_run;

typedef struct load_slot {
    load_run *r;
    SspiAsyncContext *ca, *sa;
    CtxtHandle cctx, sctx;
    int have_c, have_s;
    ULONG attrs;
    unsigned char *buf[2];
    int cur;
    SecBuffer ib, ob;
    SecBufferDesc id, od;
    double t0;
} load_slot;

static void load_client_step(load_slot *s);

static void load_fail(load_slot *s, SECURITY_STATUS st) {
    int zero = 0;
    atomic_compare_exchange_strong(&s->r->first_error, &zero, (int)st);
}

static void load_done(load_slot *s, int ok) {
    load_run *r = s->r;
    if (s->have_c) DeleteSecurityContext(&s->cctx);
    if (s->have_s) DeleteSecurityContext(&s->sctx);
    s->have_c = s->have_s = 0;
    long i = atomic_fetch_add(&r->recorded, 1);
    r->lat[i] = ok ? load_now() - s->t0 : -1;
    if (!ok) atomic_fetch_add(&r->failed, 1);
    if (atomic_fetch_add(&r->started, 1) < r->total) {
        s->t0 = load_now();
        load_client_step(s);
    }
    pthread_mutex_lock(&r->m); /* last touch of r: the waiter may free it */
    if (++r->finished == r->total) pthread_cond_broadcast(&r->c);
    pthread_mutex_unlock(&r->m);
}

static void load_bufs(load_slot *s, ULONG in_len) {
    s->ib = (SecBuffer){in_len, SECBUFFER_TOKEN, s->buf[s->cur]};
    s->ob = (SecBuffer){s->r->max_token, SECBUFFER_TOKEN, s->buf[1 - s->cur]};
    s->id = (SecBufferDesc){SECBUFFER_VERSION, 1, &s->ib};
    s->od = (SecBufferDesc){SECBUFFER_VERSION, 1, &s->ob};
}

static void load_client_step(load_slot *s) {
    load_bufs(s, s->have_c ? s->ob.cbBuffer : 0);
    SECURITY_STATUS st = SspiInitializeSecurityContextAsyncA(
        s->ca, &s->r->client, s->have_c ? &s->cctx : NULL, (SEC_CHAR *)LOAD_TARGET, LOAD_CREQ, 0,
        SECURITY_NATIVE_DREP, s->have_c ? &s->id : NULL, 0, &s->cctx, &s->od, &s->attrs, NULL);
    if (st != SEC_E_OK) {
        load_fail(s, st);
        load_done(s, 0);
    }
}

static void load_server_step(load_slot *s) {
    load_bufs(s, s->ob.cbBuffer);
    SECURITY_STATUS st = SspiAcceptSecurityContextAsync(
        s->sa, &s->r->server, s->have_s ? &s->sctx : NULL, &s->id, LOAD_SREQ,
        SECURITY_NATIVE_DREP, &s->sctx, &s->od, &s->attrs, NULL);
    if (st != SEC_E_OK) {
        load_fail(s, st);
        load_done(s, 0);
    }
}

static void load_client_cb(SspiAsyncContext *h, void *arg) {
    load_slot *s = arg;
    SECURITY_STATUS st = SspiGetAsyncCallStatus(h);
    if (st != SEC_E_OK && st != SEC_I_CONTINUE_NEEDED) {
        load_fail(s, st);
        load_done(s, 0);
        return;
    }
    s->have_c = 1;
    s->cur = 1 - s->cur;
    if (s->ob.cbBuffer == 0) { /* nothing for the server: done on this side */
        load_fail(s, SEC_E_INTERNAL_ERROR);
        load_done(s, 0);
        return;
    }
    load_server_step(s);
}

static void load_server_cb(SspiAsyncContext *h, void *arg) {
    load_slot *s = arg;
    SECURITY_STATUS st = SspiGetAsyncCallStatus(h);
    if (st != SEC_E_OK && st != SEC_I_CONTINUE_NEEDED) {
        load_fail(s, st);
        load_done(s, 0);
        return;
    }
    s->have_s = 1;
    s->cur = 1 - s->cur;
    if (st == SEC_E_OK) {
        load_done(s, 1);
    } else {
        load_client_step(s);
    }
}

static int load_threads(void) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    int n = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "Threads: %d", &n) == 1) break;
    fclose(f);
    return n;
}

static int load_cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int load_parse(const char *s, long lo, long hi, long *out) {
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (!end || *end || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

static int load_credentials(load_run *r, const char *package) {
    PSecPkgInfoA info = NULL;
    SECURITY_STATUS st = QuerySecurityPackageInfoA((SEC_CHAR *)package, &info);
    if (st != SEC_E_OK) return tool_fail("QuerySecurityPackageInfoA", st);
    r->max_token = info->cbMaxToken;
    FreeContextBuffer(info);
    SEC_WINNT_AUTH_IDENTITY_A id = {(unsigned char *)LOAD_USER,     (ULONG)strlen(LOAD_USER),
                                    (unsigned char *)LOAD_DOMAIN,   (ULONG)strlen(LOAD_DOMAIN),
                                    (unsigned char *)LOAD_PASSWORD, (ULONG)strlen(LOAD_PASSWORD),
                                    SEC_WINNT_AUTH_IDENTITY_ANSI};
    TimeStamp ts;
    st = AcquireCredentialsHandleA(NULL, (SEC_CHAR *)package, SECPKG_CRED_OUTBOUND, NULL, &id,
                                   NULL, NULL, &r->client, &ts);
    if (st != SEC_E_OK) return tool_fail("AcquireCredentialsHandleA (client)", st);
    st = AcquireCredentialsHandleA(NULL, (SEC_CHAR *)package, SECPKG_CRED_INBOUND, NULL, NULL,
                                   NULL, NULL, &r->server, &ts);
    if (st != SEC_E_OK) {
        FreeCredentialsHandle(&r->client);
        return tool_fail("AcquireCredentialsHandleA (server)", st);
    }
    LIBSSPI_NTLM_HASH_CALLBACK cb = {load_hash_cb, NULL};
    st = SetCredentialsAttributesA(&r->server, SECPKG_CRED_ATTR_LIBSSPI_NTLM_HASH_CALLBACK, &cb,
                                   sizeof cb);
    if (st != SEC_E_OK) {
        FreeCredentialsHandle(&r->client);
        FreeCredentialsHandle(&r->server);
        return tool_fail("SetCredentialsAttributesA (NTLM account callback)", st);
    }
    return TOOL_EXIT_OK;
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
    if (parallel > count) parallel = count;
    load_run *r = calloc(1, sizeof *r);
    load_slot *slots = calloc((size_t)parallel, sizeof *slots);
    if (!r || !slots) {
        fprintf(stderr, "sspi: out of memory\n");
        return TOOL_EXIT_FAIL;
    }
    int rc = load_credentials(r, package);
    if (rc != TOOL_EXIT_OK) {
        free(r);
        free(slots);
        return rc;
    }
    r->total = count;
    r->lat = calloc((size_t)count, sizeof *r->lat);
    pthread_mutex_init(&r->m, NULL);
    pthread_cond_init(&r->c, NULL);
    rc = TOOL_EXIT_OK;
    for (long i = 0; i < parallel && r->lat; i++) {
        load_slot *s = &slots[i];
        s->r = r;
        s->ca = SspiCreateAsyncContext();
        s->sa = SspiCreateAsyncContext();
        s->buf[0] = malloc(r->max_token);
        s->buf[1] = malloc(r->max_token);
        if (!s->ca || !s->sa || !s->buf[0] || !s->buf[1]) {
            fprintf(stderr, "sspi: cannot create async contexts\n");
            rc = TOOL_EXIT_FAIL;
            break;
        }
        SspiSetAsyncNotifyCallback(s->ca, load_client_cb, s);
        SspiSetAsyncNotifyCallback(s->sa, load_server_cb, s);
    }
    if (!r->lat) rc = TOOL_EXIT_FAIL;
    int peak_threads = 0;
    double elapsed = 0;
    if (rc == TOOL_EXIT_OK) {
        printf("sspi load: %s, %ld handshakes, %ld in flight\n", package, count, parallel);
        double t0 = load_now();
        atomic_store(&r->started, parallel);
        for (long i = 0; i < parallel; i++) {
            slots[i].t0 = load_now();
            load_client_step(&slots[i]);
        }
        pthread_mutex_lock(&r->m);
        while (r->finished < count) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 50 * 1000000L;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&r->c, &r->m, &ts);
            int t = load_threads();
            if (t > peak_threads) peak_threads = t;
        }
        pthread_mutex_unlock(&r->m);
        elapsed = load_now() - t0;
        long failed = atomic_load(&r->failed);
        qsort(r->lat, (size_t)count, sizeof *r->lat, load_cmp);
        const double *ok = r->lat + failed; /* failures (-1) sort first */
        long n = count - failed;
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        printf("  handshakes/s   %.0f  (%ld ok, %ld failed, %.3f s)\n", (double)count / elapsed,
               n, failed, elapsed);
        if (n) {
            printf("  latency        p50 %.3f ms   p90 %.3f ms   p99 %.3f ms   max %.3f ms\n",
                   ok[n / 2] * 1000, ok[(n * 90) / 100] * 1000, ok[(n * 99) / 100] * 1000,
                   ok[n - 1] * 1000);
        }
        printf("  threads        %d (peak, whole process)\n", peak_threads);
        printf("  peak RSS       %ld KiB\n", ru.ru_maxrss);
        if (failed) {
            char buf[TOOL_STATUS_BUFLEN];
            fprintf(stderr, "sspi: %ld handshakes failed, first: %s\n", failed,
                    tool_status_format((SECURITY_STATUS)atomic_load(&r->first_error), buf,
                                       sizeof buf));
            rc = TOOL_EXIT_FAIL;
        }
    }
    for (long i = 0; i < parallel; i++) {
        SspiFreeAsyncContext(slots[i].ca);
        SspiFreeAsyncContext(slots[i].sa);
        free(slots[i].buf[0]);
        free(slots[i].buf[1]);
    }
    FreeCredentialsHandle(&r->client);
    FreeCredentialsHandle(&r->server);
    free(r->lat);
    free(slots);
    free(r);
    return rc;
}
