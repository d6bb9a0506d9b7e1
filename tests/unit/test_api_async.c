/*
 * Black-box tests of the asynchronous SSPI API (public headers, libsspi.so
 * only), NTLM in process: every function and state - pending, completion,
 * callback exactly once, cancellation by SspiFreeAsyncContext and
 * SspiReinitAsyncContext with a call in flight, double free, a second call
 * while one is pending refused, outputs written only at completion, and
 * every final status equal to the synchronous function's.
 *
 * To hold a call pending deterministically the pool is set to 2 workers
 * (SSPI_ASYNC_THREADS=2, before the first async call) and both are kept
 * busy in the callbacks of two "blocker" calls until the test releases
 * them: a call queued meanwhile cannot start.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SECURITY_WIN32
#include <libsspi.h>
#include <security.h>

#include "testlib.h"

#define USER "alice"
#define DOMAIN "ASYNC"
#define PASSWORD "Password"
/* MD4(UTF-16LE("Password")) */
static const unsigned char NT_HASH[16] = {0xa4, 0xf4, 0x9c, 0x40, 0x65, 0x10, 0xbd, 0xca,
                                          0xb6, 0x82, 0x4e, 0xe7, 0xc3, 0x0f, 0xd8, 0x52};
#define CREQ (ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | ISC_REQ_CONNECTION)
#define SREQ (ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY | ASC_REQ_CONNECTION)
#define NT_INVALID_HANDLE ((NTSTATUS)0xC0000008L)

static int hash_cb(void *ctx, const char *user, const char *domain, unsigned char h[16]) {
    (void)ctx;
    (void)domain;
    if (strcmp(user, USER) != 0) return 1;
    memcpy(h, NT_HASH, 16);
    return 0;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Completion record filled by the callback. */
typedef struct note {
    atomic_int count;
    SECURITY_STATUS status; /* SspiGetAsyncCallStatus inside the callback */
    SspiAsyncContext *handle;
    pthread_mutex_t m;
    pthread_cond_t c;
} note;

static void note_init(note *n) {
    atomic_init(&n->count, 0);
    n->status = 0;
    n->handle = NULL;
    pthread_mutex_init(&n->m, NULL);
    pthread_cond_init(&n->c, NULL);
}

static void note_cb(SspiAsyncContext *h, void *arg) {
    note *n = arg;
    pthread_mutex_lock(&n->m);
    n->status = SspiGetAsyncCallStatus(h);
    n->handle = h;
    atomic_fetch_add(&n->count, 1);
    pthread_cond_broadcast(&n->c);
    pthread_mutex_unlock(&n->m);
}

/* Wait until the call completes (callback seen, or status not pending). */
static SECURITY_STATUS wait_call(SspiAsyncContext *ac, note *n) {
    double t0 = now_s();
    for (;;) {
        if (n && atomic_load(&n->count) > 0) break;
        if (!n && SspiGetAsyncCallStatus(ac) != SEC_I_ASYNC_CALL_PENDING) break;
        if (now_s() - t0 > 10) break;
        usleep(200);
    }
    return SspiGetAsyncCallStatus(ac);
}

static SspiAsyncContext *new_ac(note *n) {
    SspiAsyncContext *ac = SspiCreateAsyncContext();
    if (ac && n) {
        note_init(n);
        if (SspiSetAsyncNotifyCallback(ac, note_cb, n) != SEC_E_OK) return NULL;
    }
    return ac;
}

/* ---- credentials (async) ---------------------------------------------------- */

static SECURITY_STATUS acquire_async(PCredHandle client, PCredHandle server,
                                     const char *password) {
    SEC_WINNT_AUTH_IDENTITY_A id = {(UCHAR *)USER,     (ULONG)strlen(USER),
                                    (UCHAR *)DOMAIN,   (ULONG)strlen(DOMAIN),
                                    (UCHAR *)password, (ULONG)strlen(password),
                                    SEC_WINNT_AUTH_IDENTITY_ANSI};
    note n;
    SspiAsyncContext *ac = new_ac(&n);
    if (!ac) return SEC_E_INSUFFICIENT_MEMORY;
    TimeStamp ts;
    SECURITY_STATUS st = SspiAcquireCredentialsHandleAsyncA(ac, NULL, "NTLM", SECPKG_CRED_OUTBOUND,
                                                            NULL, &id, NULL, NULL, client, &ts);
    if (st == SEC_E_OK) st = wait_call(ac, &n);
    if (st == SEC_E_OK) {
        /* W flavour, counted strings, reusing the context after completion. */
        SEC_WCHAR pkg[] = {'N', 'T', 'L', 'M'};
        SECURITY_STRING s = {sizeof pkg, sizeof pkg, (PWSTR)pkg};
        note_init(&n);
        st = SspiAcquireCredentialsHandleAsyncW(ac, NULL, &s, SECPKG_CRED_INBOUND, NULL, NULL, NULL,
                                                NULL, server, &ts);
        if (st == SEC_E_OK) st = wait_call(ac, &n);
    }
    SspiFreeAsyncContext(ac);
    if (st != SEC_E_OK) return st;
    LIBSSPI_NTLM_HASH_CALLBACK cb = {hash_cb, NULL};
    return SetCredentialsAttributesA(server, SECPKG_CRED_ATTR_LIBSSPI_NTLM_HASH_CALLBACK, &cb,
                                     sizeof cb);
}

static CredHandle g_client, g_server;

/* ---- a whole handshake through the async API ------------------------------- */

typedef struct hs {
    CtxtHandle c, s;
    int have_c, have_s;
    SECURITY_STATUS client_status, server_status;
    int steps;
} hs;

/* Client and server steps, each an async call on its own context, waited
 * for by polling (the callbacks are checked elsewhere). */
static void handshake_async(hs *h, PCredHandle client, bool wide) {
    memset(h, 0, sizeof *h);
    SspiAsyncContext *ca = SspiCreateAsyncContext(), *sa = SspiCreateAsyncContext();
    uint8_t t1[4096], t2[4096];
    ULONG len = 0, attrs;
    TimeStamp ts;
    SEC_WCHAR wtarget[] = {'h', 'o', 's', 't', '/', 'x'};
    SECURITY_STRING target = {sizeof wtarget, sizeof wtarget, (PWSTR)wtarget};
    for (int leg = 0; leg < 4; leg++) {
        SecBuffer ib = {len, SECBUFFER_TOKEN, t2}, ob = {sizeof t1, SECBUFFER_TOKEN, t1};
        SecBufferDesc id = {SECBUFFER_VERSION, 1, &ib}, od = {SECBUFFER_VERSION, 1, &ob};
        SECURITY_STATUS st =
            wide ? SspiInitializeSecurityContextAsyncW(
                       ca, client, h->have_c ? &h->c : NULL, &target, CREQ, 0,
                       SECURITY_NATIVE_DREP, h->have_c ? &id : NULL, 0, &h->c, &od, &attrs, &ts)
                 : SspiInitializeSecurityContextAsyncA(
                       ca, client, h->have_c ? &h->c : NULL, "host/x", CREQ, 0,
                       SECURITY_NATIVE_DREP, h->have_c ? &id : NULL, 0, &h->c, &od, &attrs, &ts);
        if (st == SEC_E_OK) st = wait_call(ca, NULL);
        h->client_status = st;
        h->steps++;
        if (st != SEC_E_OK && st != SEC_I_CONTINUE_NEEDED) break;
        h->have_c = 1;
        if (st == SEC_E_OK && ob.cbBuffer == 0) break;
        memcpy(t2, t1, ob.cbBuffer);
        len = ob.cbBuffer;
        SecBuffer ib2 = {len, SECBUFFER_TOKEN, t2}, ob2 = {sizeof t1, SECBUFFER_TOKEN, t1};
        SecBufferDesc id2 = {SECBUFFER_VERSION, 1, &ib2}, od2 = {SECBUFFER_VERSION, 1, &ob2};
        st = SspiAcceptSecurityContextAsync(sa, &g_server, h->have_s ? &h->s : NULL, &id2, SREQ,
                                            SECURITY_NATIVE_DREP, &h->s, &od2, &attrs, &ts);
        if (st == SEC_E_OK) st = wait_call(sa, NULL);
        h->server_status = st;
        h->steps++;
        if (st != SEC_E_OK && st != SEC_I_CONTINUE_NEEDED) break;
        h->have_s = 1;
        if (st == SEC_E_OK) break;
        memcpy(t2, t1, ob2.cbBuffer);
        len = ob2.cbBuffer;
    }
    SspiFreeAsyncContext(ca);
    SspiFreeAsyncContext(sa);
}

static void hs_delete(hs *h) {
    SspiAsyncContext *ac = SspiCreateAsyncContext();
    if (h->have_c) {
        CHECK_EQ_INT(SspiDeleteSecurityContextAsync(ac, &h->c), SEC_E_OK);
        CHECK_EQ_INT(wait_call(ac, NULL), SEC_E_OK);
    }
    if (h->have_s) {
        CHECK_EQ_INT(SspiDeleteSecurityContextAsync(ac, &h->s), SEC_E_OK);
        CHECK_EQ_INT(wait_call(ac, NULL), SEC_E_OK);
        /* Deleting twice: the synchronous status, through the async call. */
        CHECK_EQ_INT(SspiDeleteSecurityContextAsync(ac, &h->s), SEC_E_OK);
        CHECK_EQ_INT(wait_call(ac, NULL), SEC_E_INVALID_HANDLE);
    }
    SspiFreeAsyncContext(ac);
}

/* ---- blockers: keep both workers busy ---------------------------------------- */

static pthread_mutex_t block_m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t block_c = PTHREAD_COND_INITIALIZER;
static int block_entered, block_release;

static void blocker_cb(SspiAsyncContext *h, void *arg) {
    (void)h;
    (void)arg;
    pthread_mutex_lock(&block_m);
    block_entered++;
    pthread_cond_broadcast(&block_c);
    while (!block_release) pthread_cond_wait(&block_c, &block_m);
    pthread_mutex_unlock(&block_m);
}

static SspiAsyncContext *blockers[2];

/* Returns once both workers sit in a blocker callback. */
static int block_workers(void) {
    pthread_mutex_lock(&block_m);
    block_entered = 0;
    block_release = 0;
    pthread_mutex_unlock(&block_m);
    for (int i = 0; i < 2; i++) {
        blockers[i] = SspiCreateAsyncContext();
        if (!blockers[i]) return -1;
        SspiSetAsyncNotifyCallback(blockers[i], blocker_cb, NULL);
        CtxtHandle bogus = {1, 2};
        if (SspiDeleteSecurityContextAsync(blockers[i], &bogus) != SEC_E_OK) return -1;
    }
    pthread_mutex_lock(&block_m);
    double t0 = now_s();
    while (block_entered < 2 && now_s() - t0 < 10) {
        pthread_mutex_unlock(&block_m);
        usleep(200);
        pthread_mutex_lock(&block_m);
    }
    int ok = block_entered == 2;
    pthread_mutex_unlock(&block_m);
    return ok ? 0 : -1;
}

static void unblock_workers(void) {
    pthread_mutex_lock(&block_m);
    block_release = 1;
    pthread_cond_broadcast(&block_c);
    pthread_mutex_unlock(&block_m);
    for (int i = 0; i < 2; i++) {
        CHECK_EQ_INT(wait_call(blockers[i], NULL), SEC_E_INVALID_HANDLE);
        SspiFreeAsyncContext(blockers[i]);
    }
}

/* Everything queued before this has been processed (FIFO pool). */
static void drain(void) {
    for (int i = 0; i < 4; i++) { /* more than the workers */
        note n;
        SspiAsyncContext *ac = new_ac(&n);
        CtxtHandle bogus = {1, 2};
        CHECK_EQ_INT(SspiDeleteSecurityContextAsync(ac, &bogus), SEC_E_OK);
        wait_call(ac, &n);
        SspiFreeAsyncContext(ac);
    }
}

/* ---- tests --------------------------------------------------------------------- */

static void test_lifecycle(void) {
    SspiAsyncContext *ac = SspiCreateAsyncContext();
    REQUIRE(ac != NULL);
    CHECK_EQ_INT(SspiGetAsyncCallStatus(ac), SEC_E_OK); /* no call yet */
    CHECK(!SspiAsyncContextRequiresNotify(ac));
    note n;
    note_init(&n);
    CHECK_EQ_INT(SspiSetAsyncNotifyCallback(ac, note_cb, &n), SEC_E_OK);
    CHECK(SspiAsyncContextRequiresNotify(ac));
    CHECK_EQ_INT(SspiSetAsyncNotifyCallback(ac, NULL, NULL), SEC_E_OK);
    CHECK(!SspiAsyncContextRequiresNotify(ac));
    CHECK_EQ_INT(SspiReinitAsyncContext(ac), 0);
    SspiFreeAsyncContext(ac);
    /* Freed (and double free), NULL and forged values: refused, no crash. */
    SspiFreeAsyncContext(ac);
    SspiFreeAsyncContext(NULL);
    SspiAsyncContext *forged = (SspiAsyncContext *)(uintptr_t)0x1234;
    SspiAsyncContext *bad[] = {ac, NULL, forged};
    for (size_t i = 0; i < 3; i++) {
        SspiAsyncContext *b = bad[i];
        CredHandle ch;
        CtxtHandle xh = {1, 2};
        ULONG attrs;
        CHECK_EQ_INT(SspiGetAsyncCallStatus(b), SEC_E_INVALID_HANDLE);
        CHECK_EQ_INT(SspiReinitAsyncContext(b), NT_INVALID_HANDLE);
        CHECK_EQ_INT(SspiSetAsyncNotifyCallback(b, note_cb, &n), SEC_E_INVALID_HANDLE);
        CHECK(!SspiAsyncContextRequiresNotify(b));
        CHECK_EQ_INT(SspiAcquireCredentialsHandleAsyncA(b, NULL, "NTLM", SECPKG_CRED_OUTBOUND, NULL,
                                                        NULL, NULL, NULL, &ch, NULL),
                     SEC_E_INVALID_HANDLE);
        CHECK_EQ_INT(SspiInitializeSecurityContextAsyncA(b, &g_client, NULL, "t", 0, 0, 0, NULL, 0,
                                                         &xh, NULL, &attrs, NULL),
                     SEC_E_INVALID_HANDLE);
        CHECK_EQ_INT(SspiAcceptSecurityContextAsync(b, &g_server, NULL, NULL, 0, 0, &xh, NULL,
                                                    &attrs, NULL),
                     SEC_E_INVALID_HANDLE);
        CHECK_EQ_INT(SspiDeleteSecurityContextAsync(b, &xh), SEC_E_INVALID_HANDLE);
        CHECK_EQ_INT(SspiFreeCredentialsHandleAsync(b, &ch), SEC_E_INVALID_HANDLE);
    }
    /* A new context never matches the freed value. */
    SspiAsyncContext *ac2 = SspiCreateAsyncContext();
    CHECK(ac2 != NULL && ac2 != ac);
    SspiFreeAsyncContext(ac);
    CHECK_EQ_INT(SspiGetAsyncCallStatus(ac2), SEC_E_OK);
    SspiFreeAsyncContext(ac2);
}

static void test_handshake_and_callbacks(void) {
    for (int wide = 0; wide < 2; wide++) {
        hs h;
        handshake_async(&h, &g_client, wide);
        CHECK_EQ_INT(h.client_status, SEC_E_OK);
        CHECK_EQ_INT(h.server_status, SEC_E_OK);
        CHECK(h.steps >= 3);
        /* The contexts work: sign on one side, verify on the other. */
        uint8_t data[5] = "hello", sig[64];
        SecBuffer mb[2] = {{sizeof data, SECBUFFER_DATA, data}, {sizeof sig, SECBUFFER_TOKEN, sig}};
        SecBufferDesc md = {SECBUFFER_VERSION, 2, mb};
        ULONG qop;
        CHECK_EQ_INT(MakeSignature(&h.c, 0, &md, 0), SEC_E_OK);
        CHECK_EQ_INT(VerifySignature(&h.s, &md, 0, &qop), SEC_E_OK);
        hs_delete(&h);
    }
    /* Callbacks: exactly once per call, after the status is final. */
    note n;
    SspiAsyncContext *ac = new_ac(&n);
    CtxtHandle ctx;
    ULONG attrs = 0;
    TimeStamp ts;
    SecBuffer ob = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    CHECK_EQ_INT(SspiInitializeSecurityContextAsyncA(ac, &g_client, NULL, "host/x",
                                                     CREQ | ISC_REQ_ALLOCATE_MEMORY, 0,
                                                     SECURITY_NATIVE_DREP, NULL, 0, &ctx, &od,
                                                     &attrs, &ts),
                 SEC_E_OK);
    CHECK_EQ_INT(wait_call(ac, &n), SEC_I_CONTINUE_NEEDED);
    usleep(20 * 1000);
    CHECK_EQ_INT(atomic_load(&n.count), 1);
    CHECK_EQ_INT(n.status, SEC_I_CONTINUE_NEEDED);
    CHECK(n.handle == ac);
    CHECK(ob.pvBuffer != NULL && ob.cbBuffer > 0); /* allocated for the caller */
    CHECK(attrs & ISC_RET_ALLOCATED_MEMORY);
    CHECK_EQ_INT(FreeContextBuffer(ob.pvBuffer), SEC_E_OK);
    /* Delete with the NULL callback Microsoft documents for it. */
    CHECK_EQ_INT(SspiSetAsyncNotifyCallback(ac, NULL, NULL), SEC_E_OK);
    CHECK_EQ_INT(SspiDeleteSecurityContextAsync(ac, &ctx), SEC_E_OK);
    CHECK_EQ_INT(wait_call(ac, NULL), SEC_E_OK);
    CHECK_EQ_INT(atomic_load(&n.count), 1);
    SspiFreeAsyncContext(ac);
}

/* Every final status equals the synchronous function's. */
static void test_status_equals_sync(void) {
    /* Wrong password: SEC_E_LOGON_DENIED from the acceptor. */
    CredHandle bad_client, unused_server;
    REQUIRE(acquire_async(&bad_client, &unused_server, "wrong") == SEC_E_OK);
    hs h;
    handshake_async(&h, &bad_client, false);
    CHECK_EQ_INT(h.client_status, SEC_E_OK);
    CHECK_EQ_INT(h.server_status, SEC_E_LOGON_DENIED);
    if (h.have_c) DeleteSecurityContext(&h.c);
    if (h.have_s) DeleteSecurityContext(&h.s);
    FreeCredentialsHandle(&unused_server);

    note n;
    SspiAsyncContext *ac = new_ac(&n);
    CredHandle ch;
    CtxtHandle x;
    ULONG attrs;
    TimeStamp ts;
    uint8_t small[4];
    SecBuffer ob = {sizeof small, SECBUFFER_TOKEN, small};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    SecBufferDesc badver = {99, 1, &ob};
    CredHandle forged = {7, 7};
    struct {
        const char *what;
        SECURITY_STATUS sync;
        int which;
    } cases[] = {
        {"unknown package", 0, 0}, {"invalid credential", 0, 1}, {"no pfContextAttr", 0, 2},
        {"buffer too small", 0, 3}, {"bad descriptor version", 0, 4}, {"free forged cred", 0, 5},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        SECURITY_STATUS sync = 0, q = 0;
        note_init(&n);
        switch (cases[i].which) {
        case 0:
            sync = AcquireCredentialsHandleA(NULL, "NoSuchPkg", SECPKG_CRED_OUTBOUND, NULL, NULL,
                                             NULL, NULL, &ch, &ts);
            q = SspiAcquireCredentialsHandleAsyncA(ac, NULL, "NoSuchPkg", SECPKG_CRED_OUTBOUND,
                                                   NULL, NULL, NULL, NULL, &ch, &ts);
            break;
        case 1:
            sync = InitializeSecurityContextA(&forged, NULL, "t", CREQ, 0, 0, NULL, 0, &x, &od,
                                              &attrs, &ts);
            q = SspiInitializeSecurityContextAsyncA(ac, &forged, NULL, "t", CREQ, 0, 0, NULL, 0,
                                                    &x, &od, &attrs, &ts);
            break;
        case 2:
            sync = InitializeSecurityContextA(&g_client, NULL, "t", CREQ, 0, 0, NULL, 0, &x, &od,
                                              NULL, &ts);
            q = SspiInitializeSecurityContextAsyncA(ac, &g_client, NULL, "t", CREQ, 0, 0, NULL, 0,
                                                    &x, &od, NULL, &ts);
            break;
        case 3:
            sync = InitializeSecurityContextA(&g_client, NULL, "t", CREQ, 0, 0, NULL, 0, &x, &od,
                                              &attrs, &ts);
            q = SspiInitializeSecurityContextAsyncA(ac, &g_client, NULL, "t", CREQ, 0, 0, NULL, 0,
                                                    &x, &od, &attrs, &ts);
            break;
        case 4:
            sync = InitializeSecurityContextA(&g_client, NULL, "t", CREQ, 0, 0, NULL, 0, &x,
                                              &badver, &attrs, &ts);
            q = SspiInitializeSecurityContextAsyncA(ac, &g_client, NULL, "t", CREQ, 0, 0, NULL, 0,
                                                    &x, &badver, &attrs, &ts);
            break;
        case 5:
            sync = FreeCredentialsHandle(&forged);
            q = SspiFreeCredentialsHandleAsync(ac, &forged);
            break;
        }
        CHECK_EQ_INT(q, SEC_E_OK);
        SECURITY_STATUS as = wait_call(ac, &n);
        if (as != sync) fprintf(stderr, "  %s: sync 0x%08x async 0x%08x\n", cases[i].what,
                                (unsigned)sync, (unsigned)as);
        CHECK(sync < 0);
        CHECK_EQ_INT(as, sync);
        CHECK_EQ_INT(n.status, sync);
    }
    /* A queue-time failure (odd byte length): returned, recorded, no callback. */
    note_init(&n);
    SEC_WCHAR w[2] = {'x', 'y'};
    SECURITY_STRING odd = {3, 4, (PWSTR)w};
    CHECK_EQ_INT(SspiInitializeSecurityContextAsyncW(ac, &g_client, NULL, &odd, CREQ, 0, 0, NULL,
                                                     0, &x, &od, &attrs, &ts),
                 SEC_E_INVALID_PARAMETER);
    CHECK_EQ_INT(SspiGetAsyncCallStatus(ac), SEC_E_INVALID_PARAMETER);
    usleep(20 * 1000);
    CHECK_EQ_INT(atomic_load(&n.count), 0);
    SspiFreeAsyncContext(ac);

    /* Asynchronous free of a real credential. */
    ac = SspiCreateAsyncContext();
    CHECK_EQ_INT(SspiFreeCredentialsHandleAsync(ac, &bad_client), SEC_E_OK);
    CHECK_EQ_INT(wait_call(ac, NULL), SEC_E_OK);
    CHECK_EQ_INT(FreeCredentialsHandle(&bad_client), SEC_E_INVALID_HANDLE);
    SspiFreeAsyncContext(ac);
}

/* Pending, outputs untouched, second call refused, cancel by free/reinit. */
static void test_pending_and_cancel(void) {
    REQUIRE(block_workers() == 0);
    note n1, n2;
    SspiAsyncContext *a1 = new_ac(&n1), *a2 = new_ac(&n2);
    CtxtHandle c1 = {0x11, 0x11}, c2 = {0x22, 0x22}, c3 = {0x33, 0x33};
    ULONG at1 = 0xAAAA, at2 = 0xBBBB, at3 = 0xCCCC;
    TimeStamp ts1 = {.QuadPart = 5}, ts2 = {.QuadPart = 6};
    uint8_t b1[2048], b2[2048];
    memset(b1, 0xEE, sizeof b1);
    memset(b2, 0xEE, sizeof b2);
    SecBuffer ob1 = {sizeof b1, SECBUFFER_TOKEN, b1}, ob2 = {sizeof b2, SECBUFFER_TOKEN, b2};
    SecBufferDesc od1 = {SECBUFFER_VERSION, 1, &ob1}, od2 = {SECBUFFER_VERSION, 1, &ob2};
    CHECK_EQ_INT(SspiInitializeSecurityContextAsyncA(a1, &g_client, NULL, "host/x", CREQ, 0,
                                                     SECURITY_NATIVE_DREP, NULL, 0, &c1, &od1,
                                                     &at1, &ts1),
                 SEC_E_OK);
    CHECK_EQ_INT(SspiInitializeSecurityContextAsyncA(a2, &g_client, NULL, "host/x", CREQ, 0,
                                                     SECURITY_NATIVE_DREP, NULL, 0, &c2, &od2,
                                                     &at2, &ts2),
                 SEC_E_OK);
    usleep(50 * 1000);
    CHECK_EQ_INT(SspiGetAsyncCallStatus(a1), SEC_I_ASYNC_CALL_PENDING);
    CHECK_EQ_INT(SspiGetAsyncCallStatus(a2), SEC_I_ASYNC_CALL_PENDING);
    /* A second call on a pending context is refused; the first is intact. */
    CHECK_EQ_INT(SspiInitializeSecurityContextAsyncA(a1, &g_client, NULL, "host/x", CREQ, 0,
                                                     SECURITY_NATIVE_DREP, NULL, 0, &c3, &od1,
                                                     &at3, NULL),
                 SEC_E_INVALID_PARAMETER);
    CHECK_EQ_INT(SspiDeleteSecurityContextAsync(a1, &c3), SEC_E_INVALID_PARAMETER);
    CHECK_EQ_INT(SspiGetAsyncCallStatus(a1), SEC_I_ASYNC_CALL_PENDING);
    /* Outputs untouched while pending. */
    CHECK(c1.dwLower == 0x11 && c1.dwUpper == 0x11 && at1 == 0xAAAA && ts1.QuadPart == 5);
    CHECK(ob1.cbBuffer == sizeof b1 && b1[0] == 0xEE && b1[sizeof b1 - 1] == 0xEE);
    CHECK(c3.dwLower == 0x33 && at3 == 0xCCCC);
    /* Cancel a2 by freeing it, and a fresh a3 by reinitialising it. */
    note n3;
    SspiAsyncContext *a3 = new_ac(&n3);
    CtxtHandle c4 = {0x44, 0x44};
    ULONG at4 = 0xDDDD;
    CHECK_EQ_INT(SspiInitializeSecurityContextAsyncA(a3, &g_client, NULL, "host/x", CREQ, 0,
                                                     SECURITY_NATIVE_DREP, NULL, 0, &c4, &od2,
                                                     &at4, NULL),
                 SEC_E_OK);
    SspiFreeAsyncContext(a2);
    CHECK_EQ_INT(SspiReinitAsyncContext(a3), 0);
    CHECK_EQ_INT(SspiGetAsyncCallStatus(a3), SEC_E_OK); /* no longer pending */
    CHECK(SspiAsyncContextRequiresNotify(a3));          /* callback kept */
    unblock_workers();
    CHECK_EQ_INT(wait_call(a1, &n1), SEC_I_CONTINUE_NEEDED);
    drain();
    /* a1 completed: outputs written, callback once. */
    CHECK_EQ_INT(atomic_load(&n1.count), 1);
    CHECK(!(c1.dwLower == 0x11 && c1.dwUpper == 0x11));
    CHECK(at1 != 0xAAAA);
    CHECK(ob1.cbBuffer > 0 && ob1.cbBuffer < sizeof b1 && memcmp(b1, "NTLMSSP", 8) == 0);
    CHECK(b1[sizeof b1 - 1] == 0xEE);
    CHECK(c3.dwLower == 0x33 && at3 == 0xCCCC); /* the refused call wrote nothing */
    /* Cancelled calls: no output, no callback. */
    CHECK(c2.dwLower == 0x22 && c2.dwUpper == 0x22 && at2 == 0xBBBB && ts2.QuadPart == 6);
    CHECK(ob2.cbBuffer == sizeof b2 && b2[0] == 0xEE);
    CHECK(c4.dwLower == 0x44 && at4 == 0xDDDD);
    CHECK_EQ_INT(atomic_load(&n2.count), 0);
    CHECK_EQ_INT(atomic_load(&n3.count), 0);
    /* The reinitialised context is reusable. */
    CHECK_EQ_INT(SspiDeleteSecurityContextAsync(a3, &c1), SEC_E_OK);
    CHECK_EQ_INT(wait_call(a3, &n3), SEC_E_OK);
    CHECK_EQ_INT(atomic_load(&n3.count), 1);
    SspiFreeAsyncContext(a1);
    SspiFreeAsyncContext(a3);
}

/* Callback-driven chain: each callback starts the next call on the same
 * async context; the last one frees the context from inside its callback. */
typedef struct chain {
    SspiAsyncContext *ac;
    CtxtHandle ctx;
    ULONG attrs;
    SecBuffer ob;
    SecBufferDesc od;
    uint8_t buf[2048];
    int stage;
    SECURITY_STATUS st[3];
    atomic_int finished;
} chain;

static void chain_cb(SspiAsyncContext *h, void *arg) {
    chain *c = arg;
    c->st[c->stage] = SspiGetAsyncCallStatus(h);
    c->stage++;
    if (c->stage == 1) {
        c->ob.cbBuffer = sizeof c->buf;
        SECURITY_STATUS q = SspiDeleteSecurityContextAsync(h, &c->ctx);
        if (q != SEC_E_OK) c->st[2] = q;
    } else {
        SspiFreeAsyncContext(h); /* from inside the callback */
        atomic_store(&c->finished, 1);
    }
}

static void test_callback_chain(void) {
    chain *c = calloc(1, sizeof *c);
    REQUIRE(c != NULL);
    c->ac = SspiCreateAsyncContext();
    c->ob = (SecBuffer){sizeof c->buf, SECBUFFER_TOKEN, c->buf};
    c->od = (SecBufferDesc){SECBUFFER_VERSION, 1, &c->ob};
    CHECK_EQ_INT(SspiSetAsyncNotifyCallback(c->ac, chain_cb, c), SEC_E_OK);
    CHECK_EQ_INT(SspiInitializeSecurityContextAsyncA(c->ac, &g_client, NULL, "host/x", CREQ, 0,
                                                     SECURITY_NATIVE_DREP, NULL, 0, &c->ctx,
                                                     &c->od, &c->attrs, NULL),
                 SEC_E_OK);
    double t0 = now_s();
    while (!atomic_load(&c->finished) && now_s() - t0 < 10) usleep(500);
    CHECK(atomic_load(&c->finished));
    CHECK_EQ_INT(c->st[0], SEC_I_CONTINUE_NEEDED);
    CHECK_EQ_INT(c->st[1], SEC_E_OK);
    CHECK_EQ_INT(c->st[2], 0);
    CHECK_EQ_INT(SspiGetAsyncCallStatus(c->ac), SEC_E_INVALID_HANDLE); /* freed */
    free(c);
}

/* Many threads, many async contexts, full handshakes at once. */
static void *hammer(void *arg) {
    int *fails = arg;
    for (int i = 0; i < 25; i++) {
        hs h;
        handshake_async(&h, &g_client, i % 2);
        if (h.client_status != SEC_E_OK || h.server_status != SEC_E_OK) (*fails)++;
        if (h.have_c) DeleteSecurityContext(&h.c);
        if (h.have_s) DeleteSecurityContext(&h.s);
    }
    return NULL;
}

static void test_concurrent_threads(void) {
    enum { T = 8 };
    pthread_t t[T];
    int fails[T] = {0};
    for (int i = 0; i < T; i++) REQUIRE(pthread_create(&t[i], NULL, hammer, &fails[i]) == 0);
    int total = 0;
    for (int i = 0; i < T; i++) {
        pthread_join(t[i], NULL);
        total += fails[i];
    }
    CHECK_EQ_INT(total, 0);
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    setenv("SSPI_ASYNC_THREADS", "2", 1); /* read when the pool starts */
    if (acquire_async(&g_client, &g_server, PASSWORD) != SEC_E_OK) {
        fprintf(stderr, "cannot acquire NTLM credentials asynchronously\n");
        return 1;
    }
    TEST_RUN(test_lifecycle);
    TEST_RUN(test_handshake_and_callbacks);
    TEST_RUN(test_status_equals_sync);
    TEST_RUN(test_pending_and_cancel);
    TEST_RUN(test_callback_chain);
    TEST_RUN(test_concurrent_threads);
    FreeCredentialsHandle(&g_client);
    FreeCredentialsHandle(&g_server);
    return test_summary();
}
