/*
 * Black-box (libsspi.so, public headers): the handle-taking asynchronous
 * functions - SspiInitializeSecurityContextAsyncA/W, SspiAcceptSecurityContextAsync,
 * SspiDeleteSecurityContextAsync, SspiFreeCredentialsHandleAsync - given a
 * LIVE async context but a NULL, zeroed, SecInvalidateHandle'd, forged,
 * wrong-kind, freed or deleted credential/context handle: the call is
 * queued (SEC_E_OK) and completes with SEC_E_INVALID_HANDLE, exactly what
 * the synchronous function returns for the same handle, never a crash, and
 * phNewContext is not written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SECURITY_WIN32
#include <security.h>

#include "testlib.h"

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static SECURITY_STATUS wait_done(SspiAsyncContext *ac) {
    double t0 = now_s();
    SECURITY_STATUS s;
    while ((s = SspiGetAsyncCallStatus(ac)) == SEC_I_ASYNC_CALL_PENDING && now_s() - t0 < 10)
        usleep(200);
    return s;
}

static SECURITY_STATUS client_cred(CredHandle *h) {
    SEC_WINNT_AUTH_IDENTITY_A id;
    memset(&id, 0, sizeof id);
    id.User = (UCHAR *)"user";
    id.UserLength = 4;
    id.Domain = (UCHAR *)"DOMAIN";
    id.DomainLength = 6;
    id.Password = (UCHAR *)"Password";
    id.PasswordLength = 8;
    id.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    return AcquireCredentialsHandleA(NULL, (SEC_CHAR *)"NTLM", SECPKG_CRED_OUTBOUND, NULL, &id,
                                     NULL, NULL, h, NULL);
}

static SECURITY_STATUS server_cred(CredHandle *h) {
    return AcquireCredentialsHandleA(NULL, (SEC_CHAR *)"NTLM", SECPKG_CRED_INBOUND, NULL, NULL,
                                     NULL, NULL, h, NULL);
}

static SspiAsyncContext *g_ac;
static CredHandle g_client, g_server;

/* One asynchronous call on g_ac: queued, then SEC_E_INVALID_HANDLE, equal
 * to `sync`. */
#define ASYNC_INVALID(what, call, sync)                                                        \
    do {                                                                                       \
        SECURITY_STATUS q_ = (call);                                                           \
        CHECK_EQ_INT(q_, SEC_E_OK);                                                            \
        SECURITY_STATUS d_ = q_ == SEC_E_OK ? wait_done(g_ac) : q_;                            \
        if (d_ != SEC_E_INVALID_HANDLE)                                                        \
            fprintf(stderr, "  %s: %s -> 0x%08x\n", what, #call, (unsigned)d_);                \
        CHECK_EQ_INT(d_, SEC_E_INVALID_HANDLE);                                                \
        CHECK_EQ_INT(d_, (sync));                                                              \
    } while (0)

/* Bad credential handle, live async context. */
static void cred_funcs(PCredHandle h, const char *what) {
    fprintf(stderr, "  credential handle: %s\n", what);
    uint8_t out[512];
    SecBuffer ob = {sizeof out, SECBUFFER_TOKEN, out};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    CtxtHandle nc = {0, 0};
    ULONG attr = 0;
    TimeStamp ts;
    SEC_WCHAR tw[] = {'h', 'o', 's', 't'};
    SECURITY_STRING target = {sizeof tw, sizeof tw, (PWSTR)tw};

    SECURITY_STATUS sync = InitializeSecurityContextA(h, NULL, (SEC_CHAR *)"host", 0, 0,
                                                      SECURITY_NATIVE_DREP, NULL, 0, &nc, &od,
                                                      &attr, &ts);
    ASYNC_INVALID(what,
                  SspiInitializeSecurityContextAsyncA(g_ac, h, NULL, (LPSTR) "host", 0, 0,
                                                      SECURITY_NATIVE_DREP, NULL, 0, &nc, &od,
                                                      &attr, &ts),
                  sync);
    ob.cbBuffer = sizeof out;
    ASYNC_INVALID(what,
                  SspiInitializeSecurityContextAsyncW(g_ac, h, NULL, &target, 0, 0,
                                                      SECURITY_NATIVE_DREP, NULL, 0, &nc, &od,
                                                      &attr, &ts),
                  sync);
    ob.cbBuffer = sizeof out;
    uint8_t junk[8] = {0};
    SecBuffer ib = {sizeof junk, SECBUFFER_TOKEN, junk};
    SecBufferDesc id = {SECBUFFER_VERSION, 1, &ib};
    sync = AcceptSecurityContext(h, NULL, &id, 0, SECURITY_NATIVE_DREP, &nc, &od, &attr, &ts);
    ASYNC_INVALID(what,
                  SspiAcceptSecurityContextAsync(g_ac, h, NULL, &id, 0, SECURITY_NATIVE_DREP, &nc,
                                                 &od, &attr, &ts),
                  sync);
    sync = FreeCredentialsHandle(h);
    ASYNC_INVALID(what, SspiFreeCredentialsHandleAsync(g_ac, h), sync);
    CHECK(nc.dwLower == 0 && nc.dwUpper == 0);
}

/* Bad context handle (with a valid credential where one is needed). */
static void ctx_funcs(PCtxtHandle h, const char *what) {
    fprintf(stderr, "  context handle: %s\n", what);
    uint8_t out[512], in[64] = {0};
    SecBuffer ob = {sizeof out, SECBUFFER_TOKEN, out};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    SecBuffer ib = {sizeof in, SECBUFFER_TOKEN, in};
    SecBufferDesc id = {SECBUFFER_VERSION, 1, &ib};
    CtxtHandle nc = {0, 0};
    ULONG attr = 0;
    TimeStamp ts;

    SECURITY_STATUS sync;
    if (h) {
        /* A NULL phContext is "first call" for ISC/ASC, not a bad handle. */
        sync = InitializeSecurityContextA(&g_client, h, (SEC_CHAR *)"host", 0, 0,
                                          SECURITY_NATIVE_DREP, &id, 0, &nc, &od, &attr, &ts);
        ASYNC_INVALID(what,
                      SspiInitializeSecurityContextAsyncA(g_ac, &g_client, h, (LPSTR) "host", 0,
                                                          0, SECURITY_NATIVE_DREP, &id, 0, &nc,
                                                          &od, &attr, &ts),
                      sync);
        ob.cbBuffer = sizeof out;
        sync = AcceptSecurityContext(&g_server, h, &id, 0, SECURITY_NATIVE_DREP, &nc, &od, &attr,
                                     &ts);
        ASYNC_INVALID(what,
                      SspiAcceptSecurityContextAsync(g_ac, &g_server, h, &id, 0,
                                                     SECURITY_NATIVE_DREP, &nc, &od, &attr, &ts),
                      sync);
    }
    sync = DeleteSecurityContext(h);
    ASYNC_INVALID(what, SspiDeleteSecurityContextAsync(g_ac, h), sync);
    CHECK(nc.dwLower == 0 && nc.dwUpper == 0);
}

static void all_bad(void (*fn)(PSecHandle, const char *)) {
    SecHandle zero = {0, 0};
    SecHandle forged = {0x1234, 0x5678};
    SecHandle forged2 = {(ULONG_PTR)&zero, (ULONG_PTR)&forged};
    SecHandle invalid;
    SecInvalidateHandle(&invalid);
    SecHandle deleted = {SEC_DELETED_HANDLE, SEC_DELETED_HANDLE};
    fn(NULL, "NULL");
    fn(&zero, "zeroed");
    fn(&forged, "forged small");
    fn(&forged2, "forged pointers");
    fn(&invalid, "SecInvalidateHandle");
    fn(&deleted, "SEC_DELETED_HANDLE");
}

static void test_bad_cred_handles(void) { all_bad(cred_funcs); }

static void test_bad_ctx_handles(void) { all_bad(ctx_funcs); }

static void test_stale_handles(void) {
    /* Wrong kind: a credential handle used as a context and vice versa. */
    ctx_funcs(&g_client, "credential handle used as a context");

    CtxtHandle ctx;
    uint8_t out[2048];
    SecBuffer ob = {sizeof out, SECBUFFER_TOKEN, out};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    ULONG attr = 0;
    REQUIRE(InitializeSecurityContextA(&g_client, NULL, (SEC_CHAR *)"host/server", 0, 0,
                                       SECURITY_NATIVE_DREP, NULL, 0, &ctx, &od, &attr,
                                       NULL) == SEC_I_CONTINUE_NEEDED);
    cred_funcs(&ctx, "context handle used as a credential");
    CtxtHandle flipped = ctx;
    flipped.dwUpper ^= 0x100;
    ctx_funcs(&flipped, "generation flipped");

    /* Deleted asynchronously, then every call on the stale copy. */
    CtxtHandle copy = ctx;
    CHECK_EQ_INT(SspiDeleteSecurityContextAsync(g_ac, &ctx), SEC_E_OK);
    CHECK_EQ_INT(wait_done(g_ac), SEC_E_OK);
    ctx_funcs(&copy, "context deleted by SspiDeleteSecurityContextAsync");

    /* A credential freed asynchronously, then used. */
    CredHandle c;
    REQUIRE(client_cred(&c) == SEC_E_OK);
    CredHandle ccopy = c;
    CHECK_EQ_INT(SspiFreeCredentialsHandleAsync(g_ac, &c), SEC_E_OK);
    CHECK_EQ_INT(wait_done(g_ac), SEC_E_OK);
    cred_funcs(&ccopy, "credential freed by SspiFreeCredentialsHandleAsync");
}

int main(void) {
    g_ac = SspiCreateAsyncContext();
    if (!g_ac || client_cred(&g_client) != SEC_E_OK || server_cred(&g_server) != SEC_E_OK) {
        printf("setup failed\n");
        return 1;
    }
    TEST_RUN(test_bad_cred_handles);
    TEST_RUN(test_bad_ctx_handles);
    TEST_RUN(test_stale_handles);
    FreeCredentialsHandle(&g_client);
    FreeCredentialsHandle(&g_server);
    SspiFreeAsyncContext(g_ac);
    return test_summary();
}
