/*
 * Asynchronous handshake load (see load_engine.h).
 */
#include "load_engine.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct load_run {
    const load_params *p;
    atomic_long started, recorded, failed;
    atomic_int first_error;
    long finished; /* m */
    double *lat;
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
    int cur; /* buf[cur] holds the last token */
    SecBuffer ib, ob;
    SecBufferDesc id, od;
    double t0;
} load_slot;

double load_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int load_thread_count(void) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    int n = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "Threads: %d", &n) == 1) break;
    fclose(f);
    return n;
}

static void client_step(load_slot *s);

/* One handshake ended: record it, start the next one on this slot, and
 * count it last (the waiter may free everything once the count is full). */
static void slot_done(load_slot *s, int ok) {
    load_run *r = s->r;
    if (s->have_c) DeleteSecurityContext(&s->cctx);
    if (s->have_s) DeleteSecurityContext(&s->sctx);
    s->have_c = s->have_s = 0;
    long i = atomic_fetch_add(&r->recorded, 1);
    r->lat[i] = ok ? load_now() - s->t0 : -1;
    if (!ok) atomic_fetch_add(&r->failed, 1);
    if (atomic_fetch_add(&r->started, 1) < r->p->total) {
        s->t0 = load_now();
        client_step(s);
    }
    pthread_mutex_lock(&r->m);
    if (++r->finished == r->p->total) pthread_cond_broadcast(&r->c);
    pthread_mutex_unlock(&r->m);
}

static void slot_fail(load_slot *s, SECURITY_STATUS st) {
    int zero = 0;
    atomic_compare_exchange_strong(&s->r->first_error, &zero, (int)st);
    slot_done(s, 0);
}

/* Output into the other buffer; input = the last token. */
static void set_bufs(load_slot *s, ULONG in_len) {
    s->ib = (SecBuffer){in_len, SECBUFFER_TOKEN, s->buf[s->cur]};
    s->ob = (SecBuffer){s->r->p->max_token, SECBUFFER_TOKEN, s->buf[1 - s->cur]};
    s->id = (SecBufferDesc){SECBUFFER_VERSION, 1, &s->ib};
    s->od = (SecBufferDesc){SECBUFFER_VERSION, 1, &s->ob};
}

static void client_step(load_slot *s) {
    const load_params *p = s->r->p;
    set_bufs(s, s->have_c ? s->ob.cbBuffer : 0);
    SECURITY_STATUS st = SspiInitializeSecurityContextAsyncA(
        s->ca, p->client, s->have_c ? &s->cctx : NULL, (SEC_CHAR *)p->target, p->client_req, 0,
        SECURITY_NATIVE_DREP, s->have_c ? &s->id : NULL, 0, &s->cctx, &s->od, &s->attrs, NULL);
    if (st != SEC_E_OK) slot_fail(s, st);
}

static void server_step(load_slot *s) {
    const load_params *p = s->r->p;
    set_bufs(s, s->ob.cbBuffer);
    SECURITY_STATUS st = SspiAcceptSecurityContextAsync(
        s->sa, p->server, s->have_s ? &s->sctx : NULL, &s->id, p->server_req,
        SECURITY_NATIVE_DREP, &s->sctx, &s->od, &s->attrs, NULL);
    if (st != SEC_E_OK) slot_fail(s, st);
}

/* The status of a finished step; 0 when it failed (handshake over). */
static int step_ok(SspiAsyncContext *h, load_slot *s, SECURITY_STATUS *st) {
    *st = SspiGetAsyncCallStatus(h);
    if (*st != SEC_E_OK && *st != SEC_I_CONTINUE_NEEDED) {
        slot_fail(s, *st);
        return 0;
    }
    s->cur = 1 - s->cur;
    return 1;
}

static void client_cb(SspiAsyncContext *h, void *arg) {
    load_slot *s = arg;
    SECURITY_STATUS st;
    if (!step_ok(h, s, &st)) return;
    s->have_c = 1;
    if (s->ob.cbBuffer == 0) { /* nothing for the server: done on this side */
        slot_fail(s, SEC_E_INTERNAL_ERROR);
        return;
    }
    server_step(s);
}

static void server_cb(SspiAsyncContext *h, void *arg) {
    load_slot *s = arg;
    SECURITY_STATUS st;
    if (!step_ok(h, s, &st)) return;
    s->have_s = 1;
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

/* Wait for every handshake, sampling the thread count every 50 ms. */
static int wait_all(load_run *r) {
    int peak = 0;
    pthread_mutex_lock(&r->m);
    while (r->finished < r->p->total) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 50 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&r->c, &r->m, &ts);
        int t = load_thread_count();
        if (t > peak) peak = t;
    }
    pthread_mutex_unlock(&r->m);
    return peak;
}

/* Sorted latencies (failures, -1, first) into the result. */
static void summarize(load_run *r, load_result *out) {
    long total = r->p->total;
    qsort(r->lat, (size_t)total, sizeof *r->lat, cmp_double);
    out->failed = atomic_load(&r->failed);
    out->ok = total - out->failed;
    out->first_error = (SECURITY_STATUS)atomic_load(&r->first_error);
    const double *ok = r->lat + out->failed;
    long n = out->ok;
    if (n) {
        out->p50 = ok[n / 2];
        out->p90 = ok[(n * 90) / 100];
        out->p99 = ok[(n * 99) / 100];
        out->max = ok[n - 1];
    }
}

static void free_slots(load_slot *slots, long n) {
    for (long i = 0; i < n; i++) {
        SspiFreeAsyncContext(slots[i].ca);
        SspiFreeAsyncContext(slots[i].sa);
        free(slots[i].buf[0]);
        free(slots[i].buf[1]);
    }
    free(slots);
}

int load_engine_run(const load_params *p, load_result *out) {
    memset(out, 0, sizeof *out);
    long parallel = p->parallel > p->total ? p->total : p->parallel;
    load_run r;
    memset(&r, 0, sizeof r);
    r.p = p;
    r.lat = calloc((size_t)p->total, sizeof *r.lat);
    load_slot *slots = calloc((size_t)parallel, sizeof *slots);
    int rc = r.lat && slots ? 0 : -1;
    for (long i = 0; i < parallel && rc == 0; i++) {
        load_slot *s = &slots[i];
        s->r = &r;
        s->ca = SspiCreateAsyncContext();
        s->sa = SspiCreateAsyncContext();
        s->buf[0] = malloc(p->max_token);
        s->buf[1] = malloc(p->max_token);
        if (!s->ca || !s->sa || !s->buf[0] || !s->buf[1]) {
            rc = -1;
            break;
        }
        SspiSetAsyncNotifyCallback(s->ca, client_cb, s);
        SspiSetAsyncNotifyCallback(s->sa, server_cb, s);
    }
    if (rc == 0) {
        pthread_mutex_init(&r.m, NULL);
        pthread_cond_init(&r.c, NULL);
        double t0 = load_now();
        atomic_store(&r.started, parallel);
        for (long i = 0; i < parallel; i++) {
            slots[i].t0 = load_now();
            client_step(&slots[i]);
        }
        out->peak_threads = wait_all(&r);
        out->elapsed = load_now() - t0;
        summarize(&r, out);
    }
    if (slots) free_slots(slots, parallel);
    free(r.lat);
    return rc;
}
