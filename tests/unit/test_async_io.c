/*
 * White-box tests of the asynchronous runtime (src/async/): the event loop,
 * the pending-I/O interface of async_io.h and the async API on top of it,
 * with a fake package ("AsyncFake", registered through the registry's test
 * hook) whose InitializeSecurityContext needs ROUNDS network round trips to
 * a UDP echo server started here on 127.0.0.1 that answers each datagram
 * after DELAY_MS.
 *
 * The proof the design is about: CALLS concurrent asynchronous calls, each
 * waiting ROUNDS x DELAY_MS on the network, finish in a small multiple of
 * ROUNDS x DELAY_MS while the process keeps a fixed number of threads
 * (main + echo server + workers + event loop), read from /proc/self/status.
 * Also: the same package through the synchronous API (blocking flavour of
 * the same transport), timeouts surfacing as the synchronous status,
 * cancellation of calls waiting on the network, TCP framing.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SECURITY_WIN32
#include <security.h>

#include "async/async_io.h"
#include "async/async_pool.h"
#include "core/handles.h"
#include "packages/package.h"
#include "packages/registry_test.h"
#include "testlib.h"

/* ThreadSanitizer runs a background thread of its own. */
#if defined(__SANITIZE_THREAD__)
#define TOOL_THREADS 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TOOL_THREADS 1
#endif
#endif
#ifndef TOOL_THREADS
#define TOOL_THREADS 0
#endif

#define DELAY_MS 200
#define ROUNDS 2
#define CALLS 1000

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int thread_count(void) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    int n = -1;
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "Threads: %d", &n) == 1) break;
    }
    fclose(f);
    return n;
}

/* ---- UDP echo server with a delay ----------------------------------------- */

typedef struct pending_reply {
    double due;
    struct sockaddr_in peer;
    size_t len;
    uint8_t data[512];
} pending_reply;

static struct {
    int fd;
    uint16_t port;
    pthread_t thread;
    atomic_bool stop;
    atomic_ulong received;
} echo;

static void *echo_main(void *arg) {
    (void)arg;
    size_t cap = 4096, head = 0, count = 0;
    pending_reply *q = calloc(cap, sizeof *q); /* ring buffer, FIFO = due order */
    while (!atomic_load(&echo.stop)) {
        int timeout = 50;
        if (count) {
            double wait = q[head].due - now_s();
            timeout = wait <= 0 ? 0 : (int)(wait * 1000.0) + 1;
        }
        struct pollfd p = {echo.fd, POLLIN, 0};
        int n = poll(&p, 1, timeout);
        if (n > 0 && (p.revents & POLLIN)) {
            for (;;) {
                pending_reply r;
                socklen_t pl = sizeof r.peer;
                ssize_t got = recvfrom(echo.fd, r.data, sizeof r.data, MSG_DONTWAIT,
                                       (struct sockaddr *)&r.peer, &pl);
                if (got < 0) break;
                atomic_fetch_add(&echo.received, 1);
                if (count == cap) continue; /* overloaded: drop */
                r.len = (size_t)got;
                r.due = now_s() + DELAY_MS / 1000.0;
                q[(head + count) % cap] = r;
                count++;
            }
        }
        double t = now_s();
        while (count && q[head].due <= t) {
            pending_reply *r = &q[head];
            (void)sendto(echo.fd, r->data, r->len, 0, (struct sockaddr *)&r->peer, sizeof r->peer);
            head = (head + 1) % cap;
            count--;
        }
    }
    free(q);
    return NULL;
}

static int echo_start(void) {
    echo.fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (echo.fd < 0) return -1;
    int big = 4 << 20;
    setsockopt(echo.fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(echo.fd, (struct sockaddr *)&a, sizeof a) != 0) return -1;
    socklen_t l = sizeof a;
    getsockname(echo.fd, (struct sockaddr *)&a, &l);
    echo.port = ntohs(a.sin_port);
    return pthread_create(&echo.thread, NULL, echo_main, NULL) == 0 ? 0 : -1;
}

/* A UDP port that never answers (bound, never read). */
static int silent_fd = -1;
static uint16_t silent_port;

static void silent_start(void) {
    silent_fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(silent_fd, (struct sockaddr *)&a, sizeof a);
    socklen_t l = sizeof a;
    getsockname(silent_fd, (struct sockaddr *)&a, &l);
    silent_port = ntohs(a.sin_port);
}

/* ---- the fake package -------------------------------------------------------- */

/* Where the package sends (set by the tests; read by workers afterwards). */
static uint16_t fake_port;
static sspi_io_transport fake_transport = SSPI_IO_UDP;
static uint32_t fake_attempt_ms = 2000, fake_total_ms = 5000;
static atomic_ulong fake_runs;

typedef struct fake_state {
    unsigned round;
    char id[32];
} fake_state;

static void fake_state_free(void *p) { free(p); }

static sr fake_acquire(const sspi_cred_request *req, void **cred, TimeStamp *expiry) {
    (void)req;
    *cred = malloc(1);
    if (!*cred) return SR_FAIL(SR_NO_MEMORY);
    expiry->QuadPart = 0x7fffffffffffffffLL;
    return SR_SUCCESS;
}

static void fake_free_cred(void *cred) { free(cred); }

static void fake_delete(void *ctx) { free(ctx); }

static void fake_request(const fake_state *st, sspi_io_request *req, char *msg, size_t cap) {
    memset(req, 0, sizeof *req);
    req->realm = "FAKE.TEST";
    snprintf(req->targets[0].host, sizeof req->targets[0].host, "127.0.0.1");
    req->targets[0].port = fake_port;
    req->targets[0].transport = fake_transport;
    req->ntargets = 1;
    int n = snprintf(msg, cap, "%s round %u", st->id, st->round);
    req->data = (const uint8_t *)msg;
    req->len = (size_t)n;
    req->attempt_timeout_ms = fake_attempt_ms;
    req->total_timeout_ms = fake_total_ms;
}

/* ROUNDS round trips, then a token "done <id>" and a context. */
static sr fake_init(void *cred, void **pkg_ctx, const sspi_step_in *in, sspi_step_out *out) {
    (void)cred;
    atomic_fetch_add(&fake_runs, 1);
    sspi_io_reply reply;
    fake_state *st = sspi_io_resume(&reply);
    if (!st) {
        st = calloc(1, sizeof *st);
        if (!st) return SR_FAIL(SR_NO_MEMORY);
        snprintf(st->id, sizeof st->id, "%s", in->target_name ? in->target_name : "?");
    }
    for (;;) {
        char msg[64];
        sspi_io_request req;
        if (st->round > 0) { /* check the reply to the previous round */
            char want[64];
            int n = snprintf(want, sizeof want, "%s round %u", st->id, st->round - 1);
            sr bad = SR_SUCCESS;
            if (reply.error != SSPI_IO_OK) {
                bad = SR_FAIL(SR_NO_AUTHENTICATING_AUTHORITY);
            } else if (reply.len != (size_t)n || memcmp(reply.data, want, (size_t)n) != 0) {
                bad = SR_FAIL(SR_INVALID_TOKEN);
            }
            sspi_io_reply_clear(&reply);
            if (!sr_is_ok(bad)) {
                free(st);
                return bad;
            }
        }
        if (st->round == ROUNDS) break;
        fake_request(st, &req, msg, sizeof msg);
        st->round++;
        if (sspi_io_async_call()) return sspi_io_suspend(&req, st, fake_state_free);
        sr r = sspi_io_exchange(&req, &reply);
        if (!sr_is_ok(r)) {
            free(st);
            return r;
        }
    }
    char tok[64];
    int n = snprintf(tok, sizeof tok, "done %s", st->id);
    free(st);
    out->token.data = malloc((size_t)n);
    if (!out->token.data) return SR_FAIL(SR_NO_MEMORY);
    memcpy(out->token.data, tok, (size_t)n);
    out->token.len = (size_t)n;
    out->ret_flags = ISC_RET_CONNECTION;
    if (!*pkg_ctx) {
        *pkg_ctx = malloc(1);
        if (!*pkg_ctx) return SR_FAIL(SR_NO_MEMORY);
    }
    return SR_SUCCESS;
}

static const sspi_package fake_package = {
    .name = "AsyncFake",
    .comment = "asynchronous I/O test package",
    .capabilities = SECPKG_FLAG_CONNECTION,
    .version = 1,
    .rpcid = SECPKG_ID_NONE,
    .max_token = 256,
    .acquire_credentials = fake_acquire,
    .free_credentials = fake_free_cred,
    .init_context = fake_init,
    .delete_context = fake_delete,
};

static CredHandle fake_cred;

/* ---- one asynchronous call per async context ---------------------------------- */

typedef struct fcall {
    SspiAsyncContext *ac;
    CtxtHandle ctx;
    ULONG attrs;
    TimeStamp exp;
    uint8_t tok[256];
    SecBuffer ob;
    SecBufferDesc od;
    char target[32];
    atomic_int callbacks;
    SECURITY_STATUS status;
} fcall;

static atomic_int calls_done;

static void fcall_cb(SspiAsyncContext *h, void *arg) {
    fcall *c = arg;
    c->status = SspiGetAsyncCallStatus(h);
    atomic_fetch_add(&c->callbacks, 1);
    atomic_fetch_add(&calls_done, 1);
}

static SECURITY_STATUS fcall_start(fcall *c, int i) {
    memset(c, 0, sizeof *c);
    c->ac = SspiCreateAsyncContext();
    if (!c->ac) return SEC_E_INSUFFICIENT_MEMORY;
    snprintf(c->target, sizeof c->target, "call%d", i);
    c->ob = (SecBuffer){sizeof c->tok, SECBUFFER_TOKEN, c->tok};
    c->od = (SecBufferDesc){SECBUFFER_VERSION, 1, &c->ob};
    SECURITY_STATUS st = SspiSetAsyncNotifyCallback(c->ac, fcall_cb, c);
    if (st != SEC_E_OK) return st;
    return SspiInitializeSecurityContextAsyncA(c->ac, &fake_cred, NULL, c->target, 0, 0,
                                               SECURITY_NATIVE_DREP, NULL, 0, &c->ctx, &c->od,
                                               &c->attrs, &c->exp);
}

static void wait_calls(int n, double limit_s) {
    double t0 = now_s();
    while (atomic_load(&calls_done) < n && now_s() - t0 < limit_s) usleep(1000);
}

/* ---- tests ------------------------------------------------------------------------- */

static void test_sync_blocking_flavour(void) {
    fake_port = echo.port;
    CtxtHandle ctx;
    ULONG attrs = 0;
    uint8_t tok[256];
    SecBuffer ob = {sizeof tok, SECBUFFER_TOKEN, tok};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    double t0 = now_s();
    SECURITY_STATUS st = InitializeSecurityContextA(&fake_cred, NULL, "sync", 0, 0,
                                                    SECURITY_NATIVE_DREP, NULL, 0, &ctx, &od,
                                                    &attrs, NULL);
    double el = now_s() - t0;
    printf("  synchronous call, %d round trips: %.0f ms\n", ROUNDS, el * 1000);
    CHECK_EQ_INT(st, SEC_E_OK);
    CHECK(ob.cbBuffer == 9 && memcmp(tok, "done sync", 9) == 0);
    CHECK(el >= ROUNDS * DELAY_MS / 1000.0 * 0.9);
    if (st == SEC_E_OK) CHECK_EQ_INT(DeleteSecurityContext(&ctx), SEC_E_OK);
}

static void test_thousand_concurrent_calls(void) {
    fake_port = echo.port;
    /* Warm up: pool and event loop started, so that the count is steady. */
    fcall *w = calloc(1, sizeof *w);
    REQUIRE(w != NULL);
    atomic_store(&calls_done, 0);
    REQUIRE(fcall_start(w, -1) == SEC_E_OK);
    wait_calls(1, 5);
    CHECK_EQ_INT(w->status, SEC_E_OK);
    CHECK_EQ_INT(DeleteSecurityContext(&w->ctx), SEC_E_OK);
    SspiFreeAsyncContext(w->ac);
    free(w);
    int threads_before = thread_count();
    size_t workers = sspi_pool_threads();
    size_t handles_before = sspi_handle_count(SSPI_HANDLE_CONTEXT);

    fcall *calls = calloc(CALLS, sizeof *calls);
    REQUIRE(calls != NULL);
    atomic_store(&calls_done, 0);
    unsigned long runs_before = atomic_load(&fake_runs);
    double t0 = now_s();
    int queued = 0;
    for (int i = 0; i < CALLS; i++) {
        if (fcall_start(&calls[i], i) == SEC_E_OK) queued++;
    }
    CHECK_EQ_INT(queued, CALLS);
    /* While they wait on the network: all pending, threads unchanged. */
    usleep(DELAY_MS * 1000 / 2);
    int peak = thread_count();
    size_t in_io = sspi_io_active();
    int pending = 0;
    for (int i = 0; i < CALLS; i++)
        if (SspiGetAsyncCallStatus(calls[i].ac) == SEC_I_ASYNC_CALL_PENDING) pending++;
    wait_calls(CALLS, 30);
    double el = now_s() - t0;
    int threads_after = thread_count();
    if (threads_after > peak) peak = threads_after;

    int ok = 0, once = 0, tokens = 0;
    for (int i = 0; i < CALLS; i++) {
        fcall *c = &calls[i];
        if (c->status == SEC_E_OK) ok++;
        if (atomic_load(&c->callbacks) == 1) once++;
        char want[40];
        int n = snprintf(want, sizeof want, "done call%d", i);
        if (c->ob.cbBuffer == (ULONG)n && memcmp(c->tok, want, (size_t)n) == 0) tokens++;
        if (c->status == SEC_E_OK) (void)DeleteSecurityContext(&c->ctx);
        SspiFreeAsyncContext(c->ac);
    }
    printf("  %d calls x %d round trips x %d ms: %.0f ms elapsed (%.2f x the %d ms one call "
           "needs)\n",
           CALLS, ROUNDS, DELAY_MS, el * 1000, el * 1000 / (ROUNDS * DELAY_MS), ROUNDS * DELAY_MS);
    printf("  threads: %d before, %d peak (workers %zu + event loop + main + echo server); "
           "%zu exchanges in flight and %d calls pending at the midpoint; %lu package runs\n",
           threads_before, peak, workers, in_io, pending, atomic_load(&fake_runs) - runs_before);
    CHECK_EQ_INT(ok, CALLS);
    CHECK_EQ_INT(once, CALLS);
    CHECK_EQ_INT(tokens, CALLS);
    CHECK_EQ_INT(pending, CALLS);
    CHECK(in_io > CALLS / 2);
    CHECK(el < 5.0);
    CHECK(el >= ROUNDS * DELAY_MS / 1000.0 * 0.9);
    CHECK(peak == threads_before);
    CHECK(peak <= (int)workers + 3 + TOOL_THREADS);
    CHECK_EQ_INT(sspi_handle_count(SSPI_HANDLE_CONTEXT), handles_before);
    /* Each call ran its step ROUNDS + 1 times (first run + one per reply). */
    CHECK_EQ_INT(atomic_load(&fake_runs) - runs_before, (unsigned long)CALLS * (ROUNDS + 1));
    free(calls);
}

static void test_timeout_is_the_sync_status(void) {
    fake_port = silent_port;
    fake_attempt_ms = 100;
    fake_total_ms = 250;
    CtxtHandle ctx;
    ULONG attrs = 0;
    uint8_t tok[256];
    SecBuffer ob = {sizeof tok, SECBUFFER_TOKEN, tok};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    SECURITY_STATUS sync = InitializeSecurityContextA(&fake_cred, NULL, "t", 0, 0,
                                                      SECURITY_NATIVE_DREP, NULL, 0, &ctx, &od,
                                                      &attrs, NULL);
    CHECK_EQ_INT(sync, SEC_E_NO_AUTHENTICATING_AUTHORITY);

    fcall *c = calloc(1, sizeof *c);
    REQUIRE(c != NULL);
    atomic_store(&calls_done, 0);
    double t0 = now_s();
    REQUIRE(fcall_start(c, 0) == SEC_E_OK);
    wait_calls(1, 5);
    double el = now_s() - t0;
    printf("  timeout after %.0f ms -> 0x%08x\n", el * 1000, (unsigned)c->status);
    CHECK_EQ_INT(c->status, sync);
    CHECK_EQ_INT(SspiGetAsyncCallStatus(c->ac), sync);
    CHECK(el < 2.0);
    CHECK(c->ob.cbBuffer == sizeof c->tok); /* untouched, as the sync call leaves it */
    SspiFreeAsyncContext(c->ac);
    free(c);
    fake_attempt_ms = 2000;
    fake_total_ms = 5000;
}

static void test_cancel_while_waiting_on_network(void) {
    fake_port = silent_port; /* they would wait the whole timeout */
    fake_total_ms = 4000;
    enum { N = 100 };
    fcall *calls = calloc(N, sizeof *calls);
    REQUIRE(calls != NULL);
    size_t handles_before = sspi_handle_count(SSPI_HANDLE_CONTEXT);
    atomic_store(&calls_done, 0);
    for (int i = 0; i < N; i++) REQUIRE(fcall_start(&calls[i], i) == SEC_E_OK);
    double t0 = now_s();
    while (sspi_io_active() < N && now_s() - t0 < 5) usleep(1000);
    CHECK_EQ_INT(sspi_io_active(), N);
    for (int i = 0; i < N; i++) {
        if (i % 2) {
            SspiFreeAsyncContext(calls[i].ac);
        } else {
            CHECK_EQ_INT(SspiReinitAsyncContext(calls[i].ac), 0);
            CHECK_EQ_INT(SspiGetAsyncCallStatus(calls[i].ac), SEC_E_OK);
        }
    }
    t0 = now_s();
    while (sspi_io_active() > 0 && now_s() - t0 < 5) usleep(1000);
    double el = now_s() - t0;
    printf("  %d calls waiting on the network cancelled; exchanges gone after %.1f ms\n", N,
           el * 1000);
    CHECK_EQ_INT(sspi_io_active(), 0);
    CHECK(el < 1.0);
    usleep(50 * 1000);
    CHECK_EQ_INT(atomic_load(&calls_done), 0); /* no callback */
    CHECK_EQ_INT(sspi_handle_count(SSPI_HANDLE_CONTEXT), handles_before);
    for (int i = 0; i < N; i += 2) {
        CHECK(calls[i].ob.cbBuffer == sizeof calls[i].tok); /* outputs untouched */
        SspiFreeAsyncContext(calls[i].ac);
    }
    free(calls);
    fake_total_ms = 5000;
}

/* ---- TCP: a length-prefixed echo server, one connection at a time ---------- */

static int tcp_fd = -1;
static uint16_t tcp_port;

static int read_full(int fd, uint8_t *p, size_t n) {
    while (n) {
        ssize_t r = recv(fd, p, n, 0);
        if (r <= 0) return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

static void *tcp_main(void *arg) {
    intptr_t count = (intptr_t)arg;
    for (intptr_t i = 0; i < count; i++) {
        int c = accept(tcp_fd, NULL, NULL);
        if (c < 0) break;
        uint8_t hdr[4], body[512];
        if (read_full(c, hdr, 4) == 0) {
            size_t len = ((size_t)hdr[0] << 24) | ((size_t)hdr[1] << 16) | ((size_t)hdr[2] << 8) |
                         hdr[3];
            if (len <= sizeof body && read_full(c, body, len) == 0) {
                (void)send(c, hdr, 4, MSG_NOSIGNAL);
                (void)send(c, body, len, MSG_NOSIGNAL);
            }
        }
        close(c);
    }
    return NULL;
}

static void test_tcp_transport(void) {
    tcp_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(tcp_fd, (struct sockaddr *)&a, sizeof a) == 0);
    REQUIRE(listen(tcp_fd, 16) == 0);
    socklen_t l = sizeof a;
    getsockname(tcp_fd, (struct sockaddr *)&a, &l);
    tcp_port = ntohs(a.sin_port);
    pthread_t t;
    /* 2 rounds sync + 2 rounds async + 1 raw exchange */
    REQUIRE(pthread_create(&t, NULL, tcp_main, (void *)(intptr_t)5) == 0);

    /* Raw exchange, with a dead first target (connection refused). */
    int dead = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in d = a;
    d.sin_port = 0;
    bind(dead, (struct sockaddr *)&d, sizeof d);
    l = sizeof d;
    getsockname(dead, (struct sockaddr *)&d, &l);
    close(dead); /* nobody listens there now */
    sspi_io_request req;
    memset(&req, 0, sizeof req);
    snprintf(req.targets[0].host, sizeof req.targets[0].host, "127.0.0.1");
    req.targets[0].port = ntohs(d.sin_port);
    req.targets[0].transport = SSPI_IO_TCP;
    req.targets[1] = req.targets[0];
    req.targets[1].port = tcp_port;
    req.ntargets = 2;
    req.data = (const uint8_t *)"hello";
    req.len = 5;
    sspi_io_reply reply;
    CHECK_OK(sspi_io_exchange(&req, &reply));
    CHECK_EQ_INT(reply.error, SSPI_IO_OK);
    CHECK_EQ_INT(reply.target, 1);
    CHECK(reply.len == 5 && memcmp(reply.data, "hello", 5) == 0);
    sspi_io_reply_clear(&reply);

    fake_port = tcp_port;
    fake_transport = SSPI_IO_TCP;
    CtxtHandle ctx;
    ULONG attrs = 0;
    uint8_t tok[256];
    SecBuffer ob = {sizeof tok, SECBUFFER_TOKEN, tok};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    SECURITY_STATUS st = InitializeSecurityContextA(&fake_cred, NULL, "tcp", 0, 0,
                                                    SECURITY_NATIVE_DREP, NULL, 0, &ctx, &od,
                                                    &attrs, NULL);
    CHECK_EQ_INT(st, SEC_E_OK);
    if (st == SEC_E_OK) (void)DeleteSecurityContext(&ctx);
    fcall *c = calloc(1, sizeof *c);
    REQUIRE(c != NULL);
    atomic_store(&calls_done, 0);
    REQUIRE(fcall_start(c, 7) == SEC_E_OK);
    wait_calls(1, 5);
    CHECK_EQ_INT(c->status, SEC_E_OK);
    CHECK(c->ob.cbBuffer == 10 && memcmp(c->tok, "done call7", 10) == 0);
    if (c->status == SEC_E_OK) (void)DeleteSecurityContext(&c->ctx);
    SspiFreeAsyncContext(c->ac);
    free(c);
    fake_transport = SSPI_IO_UDP;
    pthread_join(t, NULL);
    close(tcp_fd);
}

static void test_bad_requests(void) {
    sspi_io_request req;
    memset(&req, 0, sizeof req);
    sspi_io_reply reply;
    CHECK_OK(sspi_io_exchange(&req, &reply)); /* no target */
    CHECK_EQ_INT(reply.error, SSPI_IO_BAD_REQUEST);
    req.ntargets = 1;
    snprintf(req.targets[0].host, sizeof req.targets[0].host, "no such host.invalid");
    req.targets[0].port = 88;
    req.targets[0].transport = SSPI_IO_UDP;
    req.data = (const uint8_t *)"x";
    req.len = 1;
    CHECK_OK(sspi_io_exchange(&req, &reply));
    CHECK_EQ_INT(reply.error, SSPI_IO_RESOLVE);
    /* Outside an asynchronous call, suspend refuses (and frees the state). */
    CHECK(!sspi_io_async_call());
    CHECK_SR(sspi_io_suspend(&req, malloc(4), free), SR_INTERNAL);
    CHECK(sspi_io_resume(&reply) == NULL);
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max; /* 1000 sockets at once */
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (echo_start() != 0) {
        fprintf(stderr, "cannot start the UDP echo server\n");
        return 1;
    }
    silent_start();
    sspi_registry_set_test_package(&fake_package);
    TimeStamp exp;
    if (AcquireCredentialsHandleA(NULL, "AsyncFake", SECPKG_CRED_OUTBOUND, NULL, NULL, NULL, NULL,
                                  &fake_cred, &exp) != SEC_E_OK) {
        fprintf(stderr, "cannot acquire AsyncFake credentials\n");
        return 1;
    }
    TEST_RUN(test_bad_requests);
    TEST_RUN(test_sync_blocking_flavour);
    TEST_RUN(test_thousand_concurrent_calls);
    TEST_RUN(test_timeout_is_the_sync_status);
    TEST_RUN(test_cancel_while_waiting_on_network);
    TEST_RUN(test_tcp_transport);
    (void)FreeCredentialsHandle(&fake_cred);
    atomic_store(&echo.stop, true);
    pthread_join(echo.thread, NULL);
    close(echo.fd);
    close(silent_fd);
    sspi_registry_set_test_package(NULL);
    return test_summary();
}
