/*
 * Black-box tests of handle validation and the package/memory functions of
 * libsspi.so (public headers only). Every handle-taking function must
 * answer SEC_E_INVALID_HANDLE for NULL, zeroed, invalidated, forged,
 * deleted and wrong-kind handles, and never crash.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SECURITY_WIN32
#include <security.h>

#include "testlib.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

static int have_package(const char *name) {
    PSecPkgInfoA info = NULL;
    if (QuerySecurityPackageInfoA((SEC_CHAR *)name, &info) != SEC_E_OK) return 0;
    FreeContextBuffer(info);
    return 1;
}

/* Every function taking a credential handle. */
static void check_cred_funcs(PCredHandle h, const char *what) {
    fprintf(stderr, "  credential handle: %s\n", what);
    void *buf[8] = {0};
    ULONG attr = 0;
    uint8_t out[256];
    SecBuffer ob = {sizeof out, SECBUFFER_TOKEN, out};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    CtxtHandle newctx = {0, 0};
    CHECK_EQ_INT(FreeCredentialsHandle(h), SEC_E_INVALID_HANDLE);
    CHECK_EQ_INT(AddCredentialsA(h, NULL, "NTLM", SECPKG_CRED_OUTBOUND, NULL, NULL, NULL, NULL),
                 SEC_E_INVALID_HANDLE);
    CHECK_EQ_INT(AddCredentialsW(h, NULL, LIBSSPI_WSTR("NTLM"), SECPKG_CRED_OUTBOUND, NULL, NULL,
                                 NULL, NULL),
                 SEC_E_INVALID_HANDLE);
    CHECK_EQ_INT(QueryCredentialsAttributesA(h, SECPKG_CRED_ATTR_NAMES, buf), SEC_E_INVALID_HANDLE);
    CHECK_EQ_INT(QueryCredentialsAttributesW(h, SECPKG_CRED_ATTR_NAMES, buf), SEC_E_INVALID_HANDLE);
    CHECK_EQ_INT(QueryCredentialsAttributesExA(h, SECPKG_CRED_ATTR_NAMES, buf, sizeof buf),
                 SEC_E_INVALID_HANDLE);
    CHECK_EQ_INT(QueryCredentialsAttributesExW(h, SECPKG_CRED_ATTR_NAMES, buf, sizeof buf),
                 SEC_E_INVALID_HANDLE);
    CHECK_EQ_INT(SetCredentialsAttributesA(h, SECPKG_CRED_ATTR_NAMES, buf, sizeof buf),
                 SEC_E_INVALID_HANDLE);
    CHECK_EQ_INT(SetCredentialsAttributesW(h, SECPKG_CRED_ATTR_NAMES, buf, sizeof buf),
                 SEC_E_INVALID_HANDLE);
    CHECK_EQ_INT(InitializeSecurityContextA(h, NULL, "host", 0, 0, SECURITY_NATIVE_DREP, NULL, 0,
                                            &newctx, &od, &attr, NULL),
                 SEC_E_INVALID_HANDLE);
    CHECK_EQ_INT(InitializeSecurityContextW(h, NULL, LIBSSPI_WSTR("host"), 0, 0,
                                            SECURITY_NATIVE_DREP, NULL, 0, &newctx, &od, &attr,
                                            NULL),
                 SEC_E_INVALID_HANDLE);
    CHECK_EQ_INT(AcceptSecurityContext(h, NULL, NULL, 0, SECURITY_NATIVE_DREP, &newctx, &od, &attr,
                                       NULL),
                 SEC_E_INVALID_HANDLE);
    CHECK(newctx.dwLower == 0 && newctx.dwUpper == 0);
}

/* Every function taking a context handle. */
static void check_ctx_funcs(PCtxtHandle h, const char *what) {
    fprintf(stderr, "  context handle: %s\n", what);
    void *buf[16] = {0};
    ULONG attr = 0, qop = 0;
    uint8_t data[16] = {0}, tok[64] = {0};
    SecBuffer mb[2] = {{sizeof data, SECBUFFER_DATA, data}, {sizeof tok, SECBUFFER_TOKEN, tok}};
    SecBufferDesc md = {SECBUFFER_VERSION, 2, mb};
    uint8_t out[256];
    SecBuffer ob = {sizeof out, SECBUFFER_TOKEN, out};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    SecBufferDesc id = {SECBUFFER_VERSION, 1, &mb[1]};
    CtxtHandle newctx = {0, 0};
    HANDLE token = (HANDLE)1;
    SecBuffer packed = {0, SECBUFFER_EMPTY, NULL};
    void *ptok = (void *)1;

    CHECK_EQ_INT(InitializeSecurityContextA(NULL, h, "host", 0, 0, SECURITY_NATIVE_DREP, &id, 0,
                                            &newctx, &od, &attr, NULL),
                 SEC_E_INVALID_HANDLE);
    CHECK_EQ_INT(InitializeSecurityContextW(NULL, h, LIBSSPI_WSTR("host"), 0, 0,
                                            SECURITY_NATIVE_DREP, &id, 0, &newctx, &od, &attr,
                                            NULL),
                 SEC_E_INVALID_HANDLE);
    CHECK_EQ_INT(AcceptSecurityContext(NULL, h, &id, 0, SECURITY_NATIVE_DREP, &newctx, &od, &attr,
                                       NULL),
                 SEC_E_INVALID_HANDLE);
    CHECK_EQ_INT(CompleteAuthToken(h, &md), SEC_E_INVALID_HANDLE);
    CHECK_EQ_INT(ApplyControlToken(h, &md), SEC_E_INVALID_HANDLE);
    CHECK_EQ_INT(QueryContextAttributesA(h, SECPKG_ATTR_SIZES, buf), SEC_E_INVALID_HANDLE);
    CHECK_EQ_INT(QueryContextAttributesW(h, SECPKG_ATTR_PACKAGE_INFO, buf), SEC_E_INVALID_HANDLE);
    CHECK_EQ_INT(QueryContextAttributesExA(h, SECPKG_ATTR_SIZES, buf, sizeof buf),
                 SEC_E_INVALID_HANDLE);
    CHECK_EQ_INT(QueryContextAttributesExW(h, SECPKG_ATTR_SIZES, buf, sizeof buf),
                 SEC_E_INVALID_HANDLE);
    CHECK_EQ_INT(SetContextAttributesA(h, SECPKG_ATTR_SIZES, buf, sizeof buf),
                 SEC_E_INVALID_HANDLE);
    CHECK_EQ_INT(SetContextAttributesW(h, SECPKG_ATTR_SIZES, buf, sizeof buf),
                 SEC_E_INVALID_HANDLE);
    CHECK_EQ_INT(MakeSignature(h, 0, &md, 0), SEC_E_INVALID_HANDLE);
    CHECK_EQ_INT(VerifySignature(h, &md, 0, &qop), SEC_E_INVALID_HANDLE);
    CHECK_EQ_INT(EncryptMessage(h, 0, &md, 0), SEC_E_INVALID_HANDLE);
    CHECK_EQ_INT(DecryptMessage(h, &md, 0, &qop), SEC_E_INVALID_HANDLE);
    CHECK_EQ_INT(ExportSecurityContext(h, 0, &packed, &ptok), SEC_E_INVALID_HANDLE);
    CHECK(packed.pvBuffer == NULL);
    CHECK_EQ_INT(QuerySecurityContextToken(h, &token), SEC_E_INVALID_HANDLE);
    CHECK(token == NULL);
    CHECK_EQ_INT(ImpersonateSecurityContext(h), SEC_E_INVALID_HANDLE);
    CHECK_EQ_INT(RevertSecurityContext(h), SEC_E_INVALID_HANDLE);
    CHECK_EQ_INT(DeleteSecurityContext(h), SEC_E_INVALID_HANDLE);
    CHECK(newctx.dwLower == 0 && newctx.dwUpper == 0);
}

static void check_all_bad(void (*fn)(PSecHandle, const char *)) {
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

static void test_bad_cred_handles(void) { check_all_bad(check_cred_funcs); }

static void test_bad_ctx_handles(void) { check_all_bad(check_ctx_funcs); }

static SECURITY_STATUS ntlm_client_cred(CredHandle *h) {
    SEC_WINNT_AUTH_IDENTITY_A id;
    memset(&id, 0, sizeof id);
    id.User = (UCHAR *)"user";
    id.UserLength = 4;
    id.Domain = (UCHAR *)"DOMAIN";
    id.DomainLength = 6;
    id.Password = (UCHAR *)"Password";
    id.PasswordLength = 8;
    id.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    TimeStamp ts;
    return AcquireCredentialsHandleA(NULL, "NTLM", SECPKG_CRED_OUTBOUND, NULL, &id, NULL, NULL, h,
                                     &ts);
}

static void test_deleted_handles(void) {
    if (!have_package("NTLM")) {
        printf("note: NTLM package not registered: deleted-handle checks skipped\n");
        return;
    }
    CredHandle cred;
    REQUIRE(ntlm_client_cred(&cred) == SEC_E_OK);
    /* A credential handle is not a context handle. */
    check_ctx_funcs(&cred, "credential handle used as a context");

    CtxtHandle ctx;
    uint8_t out[2048];
    SecBuffer ob = {sizeof out, SECBUFFER_TOKEN, out};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    ULONG attr = 0;
    SECURITY_STATUS s = InitializeSecurityContextA(&cred, NULL, "host/server", 0, 0,
                                                   SECURITY_NATIVE_DREP, NULL, 0, &ctx, &od,
                                                   &attr, NULL);
    CHECK_EQ_INT(s, SEC_I_CONTINUE_NEEDED);
    if (s == SEC_I_CONTINUE_NEEDED) {
        check_cred_funcs(&ctx, "context handle used as a credential");
        /* A stale copy of a live handle with one bit flipped. */
        CtxtHandle flipped = ctx;
        flipped.dwUpper ^= 0x100;
        check_ctx_funcs(&flipped, "generation flipped");
        flipped = ctx;
        flipped.dwLower ^= 1;
        check_ctx_funcs(&flipped, "slot flipped");
        CHECK_EQ_INT(DeleteSecurityContext(&ctx), SEC_E_OK);
        check_ctx_funcs(&ctx, "deleted context");
    }
    CHECK_EQ_INT(FreeCredentialsHandle(&cred), SEC_E_OK);
    check_cred_funcs(&cred, "freed credential");
}

static void test_double_delete(void) {
    CHECK_EQ_INT(DeleteSecurityContext(NULL), SEC_E_INVALID_HANDLE);
    CHECK_EQ_INT(FreeCredentialsHandle(NULL), SEC_E_INVALID_HANDLE);
    if (!have_package("NTLM")) {
        printf("note: NTLM package not registered: double-delete checks skipped\n");
        return;
    }
    CredHandle cred;
    REQUIRE(ntlm_client_cred(&cred) == SEC_E_OK);
    CredHandle copy = cred;
    CHECK_EQ_INT(FreeCredentialsHandle(&cred), SEC_E_OK);
    CHECK_EQ_INT(FreeCredentialsHandle(&cred), SEC_E_INVALID_HANDLE);
    CHECK_EQ_INT(FreeCredentialsHandle(&copy), SEC_E_INVALID_HANDLE);
    /* Many handles: no fixed small cap. */
    enum { N = 3000 };
    static CredHandle many[N];
    int ok = 1;
    for (int i = 0; i < N && ok; i++) ok = ntlm_client_cred(&many[i]) == SEC_E_OK;
    CHECK(ok);
    for (int i = 0; i < N && ok; i++) CHECK_EQ_INT(FreeCredentialsHandle(&many[i]), SEC_E_OK);
}

static void test_free_context_buffer(void) {
    CHECK_EQ_INT(FreeContextBuffer(NULL), SEC_E_OK);
    static _Alignas(16) unsigned char pool[256];
    CHECK_EQ_INT(FreeContextBuffer(pool + 128), SEC_E_INVALID_HANDLE);
    CHECK_EQ_INT(FreeContextBuffer(pool + 131), SEC_E_INVALID_HANDLE);
    ULONG n = 0;
    PSecPkgInfoA pkgs = NULL;
    CHECK_EQ_INT(EnumerateSecurityPackagesA(&n, &pkgs), SEC_E_OK);
    if (n == 0) {
        printf("note: no package registered yet\n");
        CHECK(pkgs == NULL);
        return;
    }
    REQUIRE(pkgs != NULL);
    /* An interior pointer of a real block is refused too. */
    CHECK_EQ_INT(FreeContextBuffer((char *)pkgs + 16), SEC_E_INVALID_HANDLE);
    CHECK_EQ_INT(FreeContextBuffer(pkgs), SEC_E_OK);
#ifndef UNDER_ASAN
    /* Best effort (the block was freed): refused, not a crash. */
    CHECK_EQ_INT(FreeContextBuffer(pkgs), SEC_E_INVALID_HANDLE);
#endif
}

static int wide_eq(const SEC_WCHAR *w, const char *a) {
    size_t i = 0;
    for (; a[i]; i++)
        if (w[i] != (SEC_WCHAR)(unsigned char)a[i]) return 0;
    return w[i] == 0;
}

static void test_enumerate(void) {
    ULONG na = 0, nw = 0;
    PSecPkgInfoA a = NULL;
    PSecPkgInfoW w = NULL;
    CHECK_EQ_INT(EnumerateSecurityPackagesA(&na, &a), SEC_E_OK);
    CHECK_EQ_INT(EnumerateSecurityPackagesW(&nw, &w), SEC_E_OK);
    CHECK_EQ_INT(na, nw);
    printf("%u package(s):", (unsigned)na);
    for (ULONG i = 0; i < na && a && w; i++) {
        printf(" %s", a[i].Name);
        CHECK(a[i].Name && a[i].Comment && w[i].Name && w[i].Comment);
        CHECK(wide_eq(w[i].Name, a[i].Name));
        CHECK(wide_eq(w[i].Comment, a[i].Comment));
        CHECK_EQ_INT(a[i].fCapabilities, w[i].fCapabilities);
        CHECK_EQ_INT(a[i].cbMaxToken, w[i].cbMaxToken);
        /* The strings live inside the same block, after the array. */
        CHECK((char *)a[i].Name >= (char *)(a + na));
        /* Each name is found by QuerySecurityPackageInfo, any case. */
        PSecPkgInfoW one = NULL;
        CHECK_EQ_INT(QuerySecurityPackageInfoW(w[i].Name, &one), SEC_E_OK);
        if (one) CHECK(wide_eq(one->Name, a[i].Name));
        FreeContextBuffer(one);
    }
    printf("\n");
    CHECK_EQ_INT(FreeContextBuffer(a), SEC_E_OK);
    CHECK_EQ_INT(FreeContextBuffer(w), SEC_E_OK);
    CHECK_EQ_INT(EnumerateSecurityPackagesA(NULL, &a), SEC_E_INVALID_PARAMETER);

    PSecPkgInfoW info = (PSecPkgInfoW)1;
    CHECK_EQ_INT(QuerySecurityPackageInfoW(LIBSSPI_WSTR("nope"), &info), SEC_E_SECPKG_NOT_FOUND);
    CHECK(info == NULL);
    PSecPkgInfoA ia = NULL;
    CHECK_EQ_INT(QuerySecurityPackageInfoA("nope", &ia), SEC_E_SECPKG_NOT_FOUND);
    if (have_package("NTLM")) {
        CHECK_EQ_INT(QuerySecurityPackageInfoA("ntlm", &ia), SEC_E_OK);
        CHECK(ia && strcmp(ia->Name, "NTLM") == 0);
        FreeContextBuffer(ia);
    }
    /* Invalid UTF-16 in a package name. */
    SEC_WCHAR bad[] = {'N', 0xD800, 0};
    CHECK_EQ_INT(QuerySecurityPackageInfoW(bad, &info), SEC_E_INVALID_PARAMETER);
    CredHandle h;
    CHECK_EQ_INT(AcquireCredentialsHandleW(NULL, bad, SECPKG_CRED_OUTBOUND, NULL, NULL, NULL, NULL,
                                           &h, NULL),
                 SEC_E_INVALID_PARAMETER);
    CHECK_EQ_INT(AcquireCredentialsHandleA(NULL, "nope", SECPKG_CRED_OUTBOUND, NULL, NULL, NULL,
                                           NULL, &h, NULL),
                 SEC_E_SECPKG_NOT_FOUND);
}

static void test_dispatch_table(void) {
    const char *dir = getenv("SSPI_TEST_BINARY_DIR");
    if (!dir) {
        printf("note: SSPI_TEST_BINARY_DIR not set: dlopen test skipped\n");
        return;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/libsspi.so.0", dir);
    void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    REQUIRE(lib != NULL);
    INIT_SECURITY_INTERFACE_W initw =
        (INIT_SECURITY_INTERFACE_W)dlsym(lib, SECURITY_ENTRYPOINT_ANSIW);
    INIT_SECURITY_INTERFACE_A inita =
        (INIT_SECURITY_INTERFACE_A)dlsym(lib, SECURITY_ENTRYPOINT_ANSIA);
    REQUIRE(initw != NULL && inita != NULL);
    PSecurityFunctionTableW tw = initw();
    PSecurityFunctionTableA ta = inita();
    REQUIRE(tw != NULL && ta != NULL);
    CHECK_EQ_INT(tw->dwVersion, SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION_5);
    CHECK_EQ_INT(ta->dwVersion, SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION_5);
    CHECK(tw->Reserved2 == NULL && tw->Reserved3 == NULL && tw->Reserved4 == NULL &&
          tw->Reserved8 == NULL);
    /* Every non-reserved slot is filled. */
    CHECK(tw->EnumerateSecurityPackagesW && tw->QueryCredentialsAttributesW &&
          tw->AcquireCredentialsHandleW && tw->FreeCredentialsHandle &&
          tw->InitializeSecurityContextW && tw->AcceptSecurityContext && tw->CompleteAuthToken &&
          tw->DeleteSecurityContext && tw->ApplyControlToken && tw->QueryContextAttributesW &&
          tw->ImpersonateSecurityContext && tw->RevertSecurityContext && tw->MakeSignature &&
          tw->VerifySignature && tw->FreeContextBuffer && tw->QuerySecurityPackageInfoW &&
          tw->ExportSecurityContext && tw->ImportSecurityContextW && tw->AddCredentialsW &&
          tw->QuerySecurityContextToken && tw->EncryptMessage && tw->DecryptMessage &&
          tw->SetContextAttributesW && tw->SetCredentialsAttributesW &&
          tw->ChangeAccountPasswordW && tw->QueryContextAttributesExW &&
          tw->QueryCredentialsAttributesExW);
    CHECK(ta->EnumerateSecurityPackagesA && ta->AcquireCredentialsHandleA &&
          ta->InitializeSecurityContextA && ta->QueryContextAttributesA &&
          ta->QuerySecurityPackageInfoA && ta->ImportSecurityContextA && ta->AddCredentialsA &&
          ta->SetContextAttributesA && ta->SetCredentialsAttributesA &&
          ta->ChangeAccountPasswordA && ta->QueryContextAttributesExA &&
          ta->QueryCredentialsAttributesExA && ta->QueryCredentialsAttributesA);
    /* Call through the table. */
    ULONG n = 0;
    PSecPkgInfoW pkgs = NULL;
    CHECK_EQ_INT(tw->EnumerateSecurityPackagesW(&n, &pkgs), SEC_E_OK);
    CHECK_EQ_INT(tw->FreeContextBuffer(pkgs), SEC_E_OK);
    PSecPkgInfoW info = NULL;
    CHECK_EQ_INT(tw->QuerySecurityPackageInfoW(LIBSSPI_WSTR("nope"), &info),
                 SEC_E_SECPKG_NOT_FOUND);
    CHECK_EQ_INT(tw->DeleteSecurityContext(NULL), SEC_E_INVALID_HANDLE);
    SecHandle zero = {0, 0};
    CHECK_EQ_INT(tw->FreeCredentialsHandle(&zero), SEC_E_INVALID_HANDLE);
    CHECK_EQ_INT(ta->MakeSignature(&zero, 0, NULL, 0), SEC_E_INVALID_HANDLE);
    if (have_package("NTLM")) {
        CredHandle cred;
        SEC_WINNT_AUTH_IDENTITY_W id;
        memset(&id, 0, sizeof id);
        static const SEC_WCHAR user[] = {'u', 0}, pass[] = {'p', 0};
        id.User = (USHORT *)user;
        id.UserLength = 1;
        id.Password = (USHORT *)pass;
        id.PasswordLength = 1;
        id.Flags = SEC_WINNT_AUTH_IDENTITY_UNICODE;
        CHECK_EQ_INT(tw->AcquireCredentialsHandleW(NULL, LIBSSPI_WSTR("NTLM"),
                                                   SECPKG_CRED_OUTBOUND, NULL, &id, NULL, NULL,
                                                   &cred, NULL),
                     SEC_E_OK);
        CHECK_EQ_INT(tw->FreeCredentialsHandle(&cred), SEC_E_OK);
        CHECK_EQ_INT(tw->FreeCredentialsHandle(&cred), SEC_E_INVALID_HANDLE);
    }
    dlclose(lib);
}

static void test_async_stubs(void) {
    /* Implemented now (tests/unit/test_api_async.c): a NULL async context
     * is an invalid handle. */
    SspiAsyncContext *ac = SspiCreateAsyncContext();
    CHECK(ac != NULL);
    SspiFreeAsyncContext(ac);
    SspiFreeAsyncContext(NULL);
    CHECK(SspiReinitAsyncContext(NULL) < 0);
    CHECK_EQ_INT(SspiSetAsyncNotifyCallback(NULL, NULL, NULL), SEC_E_INVALID_HANDLE);
    CHECK(!SspiAsyncContextRequiresNotify(NULL));
    CHECK_EQ_INT(SspiGetAsyncCallStatus(NULL), SEC_E_INVALID_HANDLE);
    CredHandle h = {0, 0};
    CtxtHandle c = {0, 0};
    ULONG attr;
    CHECK_EQ_INT(SspiAcquireCredentialsHandleAsyncA(NULL, NULL, "NTLM", SECPKG_CRED_OUTBOUND,
                                                    NULL, NULL, NULL, NULL, &h, NULL),
                 SEC_E_INVALID_HANDLE);
    CHECK_EQ_INT(SspiAcquireCredentialsHandleAsyncW(NULL, NULL, NULL, SECPKG_CRED_OUTBOUND, NULL,
                                                    NULL, NULL, NULL, &h, NULL),
                 SEC_E_INVALID_HANDLE);
    CHECK_EQ_INT(SspiInitializeSecurityContextAsyncA(NULL, &h, NULL, NULL, 0, 0, 0, NULL, 0, &c,
                                                     NULL, &attr, NULL),
                 SEC_E_INVALID_HANDLE);
    CHECK_EQ_INT(SspiInitializeSecurityContextAsyncW(NULL, &h, NULL, NULL, 0, 0, 0, NULL, 0, &c,
                                                     NULL, &attr, NULL),
                 SEC_E_INVALID_HANDLE);
    CHECK_EQ_INT(SspiAcceptSecurityContextAsync(NULL, &h, NULL, NULL, 0, 0, &c, NULL, &attr, NULL),
                 SEC_E_INVALID_HANDLE);
    CHECK_EQ_INT(SspiDeleteSecurityContextAsync(NULL, &c), SEC_E_INVALID_HANDLE);
    CHECK_EQ_INT(SspiFreeCredentialsHandleAsync(NULL, &h), SEC_E_INVALID_HANDLE);
}

static void test_unsupported_entry_points(void) {
    CHECK_EQ_INT(ChangeAccountPasswordA("nope", "D", "u", "a", "b", 0, 0, NULL),
                 SEC_E_SECPKG_NOT_FOUND);
    if (have_package("NTLM")) {
        CHECK_EQ_INT(ChangeAccountPasswordA("NTLM", "D", "u", "a", "b", 0, 0, NULL),
                     SEC_E_UNSUPPORTED_FUNCTION);
        CHECK_EQ_INT(ChangeAccountPasswordW(LIBSSPI_WSTR("NTLM"), NULL, NULL, NULL, NULL, 0, 0,
                                            NULL),
                     SEC_E_UNSUPPORTED_FUNCTION);
        CredHandle cred;
        REQUIRE(ntlm_client_cred(&cred) == SEC_E_OK);
        CHECK_EQ_INT(AddCredentialsA(&cred, NULL, "NTLM", SECPKG_CRED_OUTBOUND, NULL, NULL, NULL,
                                     NULL),
                     SEC_E_UNSUPPORTED_FUNCTION);
        CHECK_EQ_INT(FreeCredentialsHandle(&cred), SEC_E_OK);
    }
    SecBuffer packed = {4, SECBUFFER_EMPTY, "abcd"};
    CtxtHandle c;
    CHECK_EQ_INT(ImportSecurityContextA("nope", &packed, NULL, &c), SEC_E_SECPKG_NOT_FOUND);
}

int main(void) {
    TEST_RUN(test_bad_cred_handles);
    TEST_RUN(test_bad_ctx_handles);
    TEST_RUN(test_deleted_handles);
    TEST_RUN(test_double_delete);
    TEST_RUN(test_free_context_buffer);
    TEST_RUN(test_enumerate);
    TEST_RUN(test_dispatch_table);
    TEST_RUN(test_async_stubs);
    TEST_RUN(test_unsupported_entry_points);
    return test_summary();
}
