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

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "async/async_pool.h"
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

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int hash_cb(void *ctx, const char *user, const char *domain, unsigned char h[16]) {
    (void)ctx;
    (void)domain;
    if (strcmp(user, USER) != 0) return 1;
    memcpy(h, NT_HASH, 16);
    return 0;
}

static CredHandle g_client, g_server;

typedef struct run {
    long total;
    atomic_long started, recorded, failed;
    long finished; /* m */
    double *lat;
    pthread_mutex_t m;
    pthread_cond_t c;
} run;

typedef struct slot {
    run *r;
    SspiAsyncContext *ca, *sa;
    CtxtHandle cctx, sctx;
    int have_c, have_s;
    ULONG attrs;
    uint8_t buf[2][TOKEN_MAX];
    int cur; /* buf[cur] holds the last token */
    SecBuffer ib, ob;
    SecBufferDesc id, od;
    double t0;
} slot;

static void client_step(slot *s);

/* One handshake ended: record it, start the next one on this slot, and
 * count it last (the waiter may free everything once the count is full). */
static void slot_done(slot *s, int ok) {
    run *r = s->r;
    if (s->have_c) DeleteSecurityContext(&s->cctx);
    if (s->have_s) DeleteSecurityContext(&s->sctx);
    s->have_c = s->have_s = 0;
    long i = atomic_fetch_add(&r->recorded, 1);
    r->lat[i] = ok ? now_s() - s->t0 : -1;
    if (!ok) atomic_fetch_add(&r->failed, 1);
    if (atomic_fetch_add(&r->started, 1) < r->total) {
        s->t0 = now_s();
        client_step(s);
    }
    pthread_mutex_lock(&r->m);
    if (++r->finished == r->total) pthread_cond_broadcast(&r->c);
    pthread_mutex_unlock(&r->m);
}

/* Output into the other buffer; input = the last token. */
static void set_bufs(slot *s, ULONG in_len) {
    s->ib = (SecBuffer){in_len, SECBUFFER_TOKEN, s->buf[s->cur]};
    s->ob = (SecBuffer){TOKEN_MAX, SECBUFFER_TOKEN, s->buf[1 - s->cur]};
    s->id = (SecBufferDesc){SECBUFFER_VERSION, 1, &s->ib};
    s->od = (SecBufferDesc){SECBUFFER_VERSION, 1, &s->ob};
}

static void client_step(slot *s) {
    ULONG len = s->have_c ? s->ob.cbBuffer : 0;
    set_bufs(s, len);
    SECURITY_STATUS st = SspiInitializeSecurityContextAsyncA(
        s->ca, &g_client, s->have_c ? &s->cctx : NULL, "host/bench", CREQ, 0,
        SECURITY_NATIVE_DREP, s->have_c ? &s->id : NULL, 0, &s->cctx, &s->od, &s->attrs, NULL);
    if (st != SEC_E_OK) slot_done(s, 0);
}

static void server_step(slot *s) {
    set_bufs(s, s->ob.cbBuffer);
    SECURITY_STATUS st = SspiAcceptSecurityContextAsync(
        s->sa, &g_server, s->have_s ? &s->sctx : NULL, &s->id, SREQ, SECURITY_NATIVE_DREP,
        &s->sctx, &s->od, &s->attrs, NULL);
    if (st != SEC_E_OK) slot_done(s, 0);
}

static void client_cb(SspiAsyncContext *h, void *arg) {
    slot *s = arg;
    SECURITY_STATUS st = SspiGetAsyncCallStatus(h);
    if (st != SEC_E_OK && st != SEC_I_CONTINUE_NEEDED) {
        slot_done(s, 0);
        return;
    }
    s->have_c = 1;
    s->cur = 1 - s->cur;
    server_step(s);
}

static void server_cb(SspiAsyncContext *h, void *arg) {
    slot *s = arg;
    SECURITY_STATUS st = SspiGetAsyncCallStatus(h);
    if (st != SEC_E_OK && st != SEC_I_CONTINUE_NEEDED) {
        slot_done(s, 0);
        return;
    }
    s->have_s = 1;
    s->cur = 1 - s->cur;
    if (st == SEC_E_OK) {
        slot_done(s, 1);
    } else {
        client_step(s);
    }
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int thread_count(void) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    int n = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "Threads: %d", &n) == 1) break;
    fclose(f);
    return n;
}

static void level(int parallel, long total) {
    run r;
    memset(&r, 0, sizeof r);
    r.total = total;
    r.lat = calloc((size_t)total, sizeof *r.lat);
    pthread_mutex_init(&r.m, NULL);
    pthread_cond_init(&r.c, NULL);
    if (parallel > total) parallel = (int)total;
    slot *slots = calloc((size_t)parallel, sizeof *slots);
    if (!r.lat || !slots) exit(1);
    for (int i = 0; i < parallel; i++) {
        slot *s = &slots[i];
        s->r = &r;
        s->ca = SspiCreateAsyncContext();
        s->sa = SspiCreateAsyncContext();
        if (!s->ca || !s->sa) exit(1);
        SspiSetAsyncNotifyCallback(s->ca, client_cb, s);
        SspiSetAsyncNotifyCallback(s->sa, server_cb, s);
    }
    double t0 = now_s();
    atomic_store(&r.started, parallel);
    for (int i = 0; i < parallel; i++) {
        slots[i].t0 = now_s();
        client_step(&slots[i]);
    }
    int peak_threads = thread_count();
    pthread_mutex_lock(&r.m);
    while (r.finished < total) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 50 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&r.c, &r.m, &ts);
        int t = thread_count();
        if (t > peak_threads) peak_threads = t;
    }
    pthread_mutex_unlock(&r.m);
    double el = now_s() - t0;
    qsort(r.lat, (size_t)total, sizeof *r.lat, cmp_double);
    long failed = atomic_load(&r.failed);
    const double *ok = r.lat + failed; /* failures sort first (-1) */
    long n = total - failed;
    double p50 = n ? ok[n / 2] : 0, p99 = n ? ok[(n * 99) / 100] : 0;
    printf("  %5d in flight: %8.0f handshakes/s   p50 %8.2f ms   p99 %8.2f ms   "
           "(%ld handshakes, %ld failed, %d threads)\n",
           parallel, (double)total / el, p50 * 1000, p99 * 1000, total, failed, peak_threads);
    for (int i = 0; i < parallel; i++) {
        SspiFreeAsyncContext(slots[i].ca);
        SspiFreeAsyncContext(slots[i].sa);
    }
    free(slots);
    free(r.lat);
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
