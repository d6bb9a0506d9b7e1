/*
 * White-box tests of the API layer against a mock package registered with
 * the registry's test hook: token placement, flags, handle creation,
 * continue flow, NULL package operations, sr -> SECURITY_STATUS mapping.
 */
#include <stdlib.h>
#include <string.h>

#include <sspi.h>

#include "api/status.h"
#include "core/handles.h"
#include "packages/package.h"
#include "packages/registry_test.h"
#include "testlib.h"

/* ---- the mock package ---- */

#define MOCK_RET_FLAGS (ISC_RET_CONFIDENTIALITY | ISC_RET_INTEGRITY)

static size_t mock_token_len = 40; /* first output token size */
static sr_code mock_first_result = SR_CONTINUE_NEEDED;
static size_t mock_extra = 0;
static int mock_ctx_live, mock_cred_live;
static size_t mock_last_in_len;
static bool mock_saw_bindings;

typedef struct mock_ctx {
    int step;
} mock_ctx;

static sr mock_acquire(const sspi_cred_request *req, void **pkg_cred, TimeStamp *expiry) {
    int *c = malloc(sizeof *c);
    if (!c) return SR_FAIL(SR_NO_MEMORY);
    *c = req->identity ? 1 : 0;
    *pkg_cred = c;
    expiry->QuadPart = 12345;
    mock_cred_live++;
    return SR_SUCCESS;
}

static void mock_free_cred(void *c) {
    free(c);
    mock_cred_live--;
}

static sr mock_init(void *pkg_cred, void **pkg_ctx, const sspi_step_in *in, sspi_step_out *out) {
    (void)pkg_cred;
    mock_last_in_len = in->token_len;
    mock_saw_bindings = in->bindings != NULL;
    out->ret_flags = MOCK_RET_FLAGS;
    out->expiry.QuadPart = 777;
    if (!*pkg_ctx) {
        if (mock_first_result >= SR_NO_MEMORY) return SR_FAIL(mock_first_result);
        mock_ctx *c = calloc(1, sizeof *c);
        if (!c) return SR_FAIL(SR_NO_MEMORY);
        out->token.data = malloc(mock_token_len ? mock_token_len : 1);
        if (!out->token.data) {
            free(c);
            return SR_FAIL(SR_NO_MEMORY);
        }
        memset(out->token.data, 0xA5, mock_token_len);
        out->token.len = mock_token_len;
        c->step = 1;
        *pkg_ctx = c;
        mock_ctx_live++;
        return SR_FAIL(mock_first_result);
    }
    mock_ctx *c = *pkg_ctx;
    if (c->step != 1 || in->token_len == 0) return SR_FAIL(SR_INVALID_TOKEN);
    c->step = 2;
    out->extra_len = mock_extra;
    return SR_SUCCESS;
}

static void mock_delete(void *p) {
    free(p);
    mock_ctx_live--;
}

static sr mock_query(void *pkg_ctx, ULONG attr, void *buffer, bool unicode) {
    (void)pkg_ctx;
    (void)unicode;
    if (attr == SECPKG_ATTR_SIZES) {
        SecPkgContext_Sizes *s = buffer;
        s->cbMaxToken = 100;
        s->cbMaxSignature = 16;
        s->cbBlockSize = 0;
        s->cbSecurityTrailer = 16;
        return SR_SUCCESS;
    }
    return SR_FAIL(SR_UNSUPPORTED);
}

static sr mock_encrypt(void *pkg_ctx, ULONG qop, SecBufferDesc *m, ULONG seq) {
    (void)pkg_ctx;
    (void)qop;
    (void)m;
    (void)seq;
    return SR_SUCCESS;
}

static const sspi_package mock_package = {
    .name = "MockPkg",
    .comment = "Mock Security Package",
    .capabilities = SECPKG_FLAG_INTEGRITY | SECPKG_FLAG_PRIVACY,
    .version = 1,
    .rpcid = 0x42,
    .max_token = 100,
    .acquire_credentials = mock_acquire,
    .free_credentials = mock_free_cred,
    .init_context = mock_init,
    .delete_context = mock_delete,
    .query_context_attribute = mock_query,
    .encrypt_message = mock_encrypt,
    /* accept_context, make_signature... left NULL: unsupported */
};

/* ---- helpers ---- */

static CredHandle get_cred(void) {
    CredHandle h;
    memset(&h, 0, sizeof h);
    TimeStamp ts;
    SECURITY_STATUS s = AcquireCredentialsHandleA(NULL, "mockpkg", SECPKG_CRED_BOTH, NULL, NULL,
                                                  NULL, NULL, &h, &ts);
    CHECK_EQ_INT(s, SEC_E_OK);
    CHECK_EQ_INT(ts.QuadPart, 12345);
    return h;
}

static void reset_mock(void) {
    mock_token_len = 40;
    mock_first_result = SR_CONTINUE_NEEDED;
    mock_extra = 0;
}

/* ---- tests ---- */

static void test_caller_buffer(void) {
    reset_mock();
    CredHandle cred = get_cred();
    CtxtHandle ctx;
    uint8_t out[64];
    SecBuffer ob = {sizeof out, SECBUFFER_TOKEN, out};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    ULONG attr = 0xFFFFFFFF;
    TimeStamp ts = {0};
    int before = mock_ctx_live;
    SECURITY_STATUS s = InitializeSecurityContextA(&cred, NULL, "target", 0, 0,
                                                   SECURITY_NATIVE_DREP, NULL, 0, &ctx, &od,
                                                   &attr, &ts);
    CHECK_EQ_INT(s, SEC_I_CONTINUE_NEEDED);
    CHECK_EQ_INT(ob.cbBuffer, 40);
    CHECK(ob.pvBuffer == out && out[0] == 0xA5 && out[39] == 0xA5);
    CHECK_EQ_INT(attr, MOCK_RET_FLAGS);
    CHECK_EQ_INT(ts.QuadPart, 777);
    CHECK_EQ_INT(mock_ctx_live, before + 1);

    /* Second call: input token, no output token. */
    uint8_t in[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    SecBuffer ib[2] = {{sizeof in, SECBUFFER_TOKEN, in}, {0, SECBUFFER_EMPTY, NULL}};
    SecBufferDesc id = {SECBUFFER_VERSION, 2, ib};
    ob.cbBuffer = sizeof out;
    mock_extra = 3;
    CtxtHandle ctx2;
    s = InitializeSecurityContextA(&cred, &ctx, "target", 0, 0, SECURITY_NATIVE_DREP, &id, 0,
                                   &ctx2, &od, &attr, NULL);
    CHECK_EQ_INT(s, SEC_E_OK);
    CHECK_EQ_INT(mock_last_in_len, 8);
    CHECK_EQ_INT(ob.cbBuffer, 0);
    CHECK(ctx2.dwLower == ctx.dwLower && ctx2.dwUpper == ctx.dwUpper);
    CHECK_EQ_INT(ib[1].BufferType, SECBUFFER_EXTRA);
    CHECK_EQ_INT(ib[1].cbBuffer, 3);
    CHECK(ib[1].pvBuffer == in + 5);

    SecPkgContext_Sizes sizes;
    CHECK_EQ_INT(QueryContextAttributesA(&ctx, SECPKG_ATTR_SIZES, &sizes), SEC_E_OK);
    CHECK_EQ_INT(sizes.cbMaxToken, 100);
    CHECK_EQ_INT(QueryContextAttributesExA(&ctx, SECPKG_ATTR_SIZES, &sizes, 4),
                 SEC_E_BUFFER_TOO_SMALL);
    CHECK_EQ_INT(QueryContextAttributesExW(&ctx, SECPKG_ATTR_SIZES, &sizes, sizeof sizes),
                 SEC_E_OK);

    CHECK_EQ_INT(DeleteSecurityContext(&ctx), SEC_E_OK);
    CHECK_EQ_INT(mock_ctx_live, before);
    CHECK_EQ_INT(DeleteSecurityContext(&ctx), SEC_E_INVALID_HANDLE);
    CHECK_EQ_INT(FreeCredentialsHandle(&cred), SEC_E_OK);
}

static void test_buffer_too_small(void) {
    reset_mock();
    CredHandle cred = get_cred();
    CtxtHandle ctx;
    memset(&ctx, 0, sizeof ctx);
    uint8_t out[16];
    SecBuffer ob = {sizeof out, SECBUFFER_TOKEN, out};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    ULONG attr = 0;
    int before = mock_ctx_live;
    size_t handles = sspi_handle_count(SSPI_HANDLE_CONTEXT);
    SECURITY_STATUS s = InitializeSecurityContextA(&cred, NULL, NULL, 0, 0, 0, NULL, 0, &ctx,
                                                   &od, &attr, NULL);
    CHECK_EQ_INT(s, SEC_E_BUFFER_TOO_SMALL);
    CHECK_EQ_INT(ob.cbBuffer, sizeof out);
    CHECK_EQ_INT(mock_ctx_live, before); /* no context left behind */
    CHECK_EQ_INT(sspi_handle_count(SSPI_HANDLE_CONTEXT), handles);

    /* No output token buffer at all. */
    SecBuffer other = {16, SECBUFFER_DATA, out};
    SecBufferDesc od2 = {SECBUFFER_VERSION, 1, &other};
    s = InitializeSecurityContextA(&cred, NULL, NULL, 0, 0, 0, NULL, 0, &ctx, &od2, &attr, NULL);
    CHECK_EQ_INT(s, SEC_E_INSUFFICIENT_MEMORY);
    s = InitializeSecurityContextA(&cred, NULL, NULL, 0, 0, 0, NULL, 0, &ctx, NULL, &attr, NULL);
    CHECK_EQ_INT(s, SEC_E_INSUFFICIENT_MEMORY);
    CHECK_EQ_INT(mock_ctx_live, before);
    CHECK_EQ_INT(FreeCredentialsHandle(&cred), SEC_E_OK);
}

static void test_allocate_memory(void) {
    reset_mock();
    mock_token_len = 3000;
    CredHandle cred = get_cred();
    CtxtHandle ctx;
    SecBuffer ob = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    ULONG attr = 0;
    SECURITY_STATUS s = InitializeSecurityContextW(&cred, NULL, LIBSSPI_WSTR("host/x"),
                                                   ISC_REQ_ALLOCATE_MEMORY, 0, 0, NULL, 0, &ctx,
                                                   &od, &attr, NULL);
    CHECK_EQ_INT(s, SEC_I_CONTINUE_NEEDED);
    CHECK_EQ_INT(ob.cbBuffer, 3000);
    REQUIRE(ob.pvBuffer != NULL);
    CHECK(((uint8_t *)ob.pvBuffer)[2999] == 0xA5);
    CHECK_EQ_INT(attr, MOCK_RET_FLAGS | ISC_RET_ALLOCATED_MEMORY);
    CHECK_EQ_INT(FreeContextBuffer(ob.pvBuffer), SEC_E_OK);
    CHECK_EQ_INT(DeleteSecurityContext(&ctx), SEC_E_OK);
    CHECK_EQ_INT(FreeCredentialsHandle(&cred), SEC_E_OK);
}

static void test_first_call_failure(void) {
    reset_mock();
    mock_first_result = SR_LOGON_DENIED;
    CredHandle cred = get_cred();
    CtxtHandle ctx = {7, 7};
    uint8_t out[64];
    SecBuffer ob = {sizeof out, SECBUFFER_TOKEN, out};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    ULONG attr = 0;
    SECURITY_STATUS s = InitializeSecurityContextA(&cred, NULL, NULL, 0, 0, 0, NULL, 0, &ctx,
                                                   &od, &attr, NULL);
    CHECK_EQ_INT(s, SEC_E_LOGON_DENIED);
    CHECK(ctx.dwLower == 7 && ctx.dwUpper == 7); /* untouched */
    CHECK_EQ_INT(attr, MOCK_RET_FLAGS);         /* flags reported on failure too */
    CHECK_EQ_INT(FreeCredentialsHandle(&cred), SEC_E_OK);
}

static void test_descriptor_checks(void) {
    reset_mock();
    CredHandle cred = get_cred();
    CtxtHandle ctx;
    uint8_t out[64];
    SecBuffer ob = {sizeof out, SECBUFFER_TOKEN, out};
    SecBufferDesc od = {SECBUFFER_VERSION + 1, 1, &ob};
    ULONG attr;
    CHECK_EQ_INT(InitializeSecurityContextA(&cred, NULL, NULL, 0, 0, 0, NULL, 0, &ctx, &od,
                                            &attr, NULL),
                 SEC_E_INVALID_TOKEN);
    od.ulVersion = SECBUFFER_VERSION;
    od.pBuffers = NULL;
    CHECK_EQ_INT(InitializeSecurityContextA(&cred, NULL, NULL, 0, 0, 0, NULL, 0, &ctx, &od,
                                            &attr, NULL),
                 SEC_E_INVALID_TOKEN);
    od.pBuffers = &ob;
    od.cBuffers = 100000;
    CHECK_EQ_INT(InitializeSecurityContextA(&cred, NULL, NULL, 0, 0, 0, NULL, 0, &ctx, &od,
                                            &attr, NULL),
                 SEC_E_INVALID_PARAMETER);
    od.cBuffers = 1;
    /* Channel bindings shorter than the header. */
    uint8_t cb[8] = {0};
    SecBuffer ib = {sizeof cb, SECBUFFER_CHANNEL_BINDINGS, cb};
    SecBufferDesc id = {SECBUFFER_VERSION, 1, &ib};
    CHECK_EQ_INT(InitializeSecurityContextA(&cred, NULL, NULL, 0, 0, 0, &id, 0, &ctx, &od, &attr,
                                            NULL),
                 SEC_E_BAD_BINDINGS);
    /* Proper bindings reach the package. */
    SEC_CHANNEL_BINDINGS b;
    memset(&b, 0, sizeof b);
    ib.pvBuffer = &b;
    ib.cbBuffer = sizeof b;
    CHECK_EQ_INT(InitializeSecurityContextA(&cred, NULL, NULL, 0, 0, 0, &id, 0, &ctx, &od, &attr,
                                            NULL),
                 SEC_I_CONTINUE_NEEDED);
    CHECK(mock_saw_bindings);
    CHECK_EQ_INT(DeleteSecurityContext(&ctx), SEC_E_OK);
    /* pfContextAttr is required. */
    CHECK_EQ_INT(InitializeSecurityContextA(&cred, NULL, NULL, 0, 0, 0, NULL, 0, &ctx, &od, NULL,
                                            NULL),
                 SEC_E_INVALID_PARAMETER);
    CHECK_EQ_INT(FreeCredentialsHandle(&cred), SEC_E_OK);
}

static void test_unsupported_ops(void) {
    reset_mock();
    CredHandle cred = get_cred();
    CtxtHandle ctx;
    uint8_t out[64];
    SecBuffer ob = {sizeof out, SECBUFFER_TOKEN, out};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    ULONG attr;
    CHECK_EQ_INT(AcceptSecurityContext(&cred, NULL, NULL, 0, 0, &ctx, &od, &attr, NULL),
                 SEC_E_UNSUPPORTED_FUNCTION);
    CHECK_EQ_INT(InitializeSecurityContextA(&cred, NULL, NULL, 0, 0, 0, NULL, 0, &ctx, &od,
                                            &attr, NULL),
                 SEC_I_CONTINUE_NEEDED);
    uint8_t sig[16];
    SecBuffer mb[2] = {{4, SECBUFFER_DATA, "abcd"}, {sizeof sig, SECBUFFER_TOKEN, sig}};
    SecBufferDesc md = {SECBUFFER_VERSION, 2, mb};
    CHECK_EQ_INT(MakeSignature(&ctx, 0, &md, 0), SEC_E_UNSUPPORTED_FUNCTION);
    CHECK_EQ_INT(VerifySignature(&ctx, &md, 0, NULL), SEC_E_UNSUPPORTED_FUNCTION);
    CHECK_EQ_INT(DecryptMessage(&ctx, &md, 0, NULL), SEC_E_UNSUPPORTED_FUNCTION);
    CHECK_EQ_INT(EncryptMessage(&ctx, 0, &md, 0), SEC_E_OK);
    CHECK_EQ_INT(EncryptMessage(&ctx, 0, NULL, 0), SEC_E_INVALID_PARAMETER);
    CHECK_EQ_INT(CompleteAuthToken(&ctx, &md), SEC_E_UNSUPPORTED_FUNCTION);
    CHECK_EQ_INT(ApplyControlToken(&ctx, &md), SEC_E_UNSUPPORTED_FUNCTION);
    SecBuffer packed = {0, SECBUFFER_EMPTY, NULL};
    CHECK_EQ_INT(ExportSecurityContext(&ctx, 0, &packed, NULL), SEC_E_UNSUPPORTED_FUNCTION);
    CHECK_EQ_INT(ImportSecurityContextA("MockPkg", &packed, NULL, &ctx),
                 SEC_E_UNSUPPORTED_FUNCTION);
    CHECK_EQ_INT(SetContextAttributesA(&ctx, SECPKG_ATTR_NAMES, NULL, 0),
                 SEC_E_UNSUPPORTED_FUNCTION);
    SecPkgCredentials_NamesA names;
    CHECK_EQ_INT(QueryCredentialsAttributesA(&cred, SECPKG_CRED_ATTR_NAMES, &names),
                 SEC_E_UNSUPPORTED_FUNCTION);
    CHECK_EQ_INT(SetCredentialsAttributesW(&cred, 1, NULL, 0), SEC_E_UNSUPPORTED_FUNCTION);
    CHECK_EQ_INT(QueryContextAttributesA(&ctx, SECPKG_ATTR_NAMES, &names),
                 SEC_E_UNSUPPORTED_FUNCTION);

    /* PACKAGE_INFO answered by the API layer. */
    SecPkgContext_PackageInfoW pi = {NULL};
    CHECK_EQ_INT(QueryContextAttributesW(&ctx, SECPKG_ATTR_PACKAGE_INFO, &pi), SEC_E_OK);
    REQUIRE(pi.PackageInfo != NULL);
    CHECK_EQ_INT(pi.PackageInfo->wRPCID, 0x42);
    CHECK(pi.PackageInfo->Name[0] == 'M' && pi.PackageInfo->Name[7] == 0);
    CHECK_EQ_INT(FreeContextBuffer(pi.PackageInfo), SEC_E_OK);
    SecPkgContext_PackageInfoA pa = {NULL};
    CHECK_EQ_INT(QueryContextAttributesA(&ctx, SECPKG_ATTR_PACKAGE_INFO, &pa), SEC_E_OK);
    REQUIRE(pa.PackageInfo != NULL);
    CHECK(strcmp(pa.PackageInfo->Name, "MockPkg") == 0);
    CHECK(strcmp(pa.PackageInfo->Comment, "Mock Security Package") == 0);
    CHECK_EQ_INT(FreeContextBuffer(pa.PackageInfo), SEC_E_OK);

    CHECK_EQ_INT(ImpersonateSecurityContext(&ctx), SEC_E_UNSUPPORTED_FUNCTION);
    CHECK_EQ_INT(DeleteSecurityContext(&ctx), SEC_E_OK);
    CHECK_EQ_INT(FreeCredentialsHandle(&cred), SEC_E_OK);
}

static void test_cred_outlives_handle(void) {
    reset_mock();
    int creds_before = mock_cred_live;
    CredHandle cred = get_cred();
    CtxtHandle ctx;
    uint8_t out[64];
    SecBuffer ob = {sizeof out, SECBUFFER_TOKEN, out};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    ULONG attr;
    CHECK_EQ_INT(InitializeSecurityContextA(&cred, NULL, NULL, 0, 0, 0, NULL, 0, &ctx, &od,
                                            &attr, NULL),
                 SEC_I_CONTINUE_NEEDED);
    CHECK_EQ_INT(FreeCredentialsHandle(&cred), SEC_E_OK);
    CHECK_EQ_INT(mock_cred_live, creds_before + 1); /* kept by the context */
    CHECK_EQ_INT(FreeCredentialsHandle(&cred), SEC_E_INVALID_HANDLE);
    CHECK_EQ_INT(DeleteSecurityContext(&ctx), SEC_E_OK);
    CHECK_EQ_INT(mock_cred_live, creds_before);
}

static void test_packages_listing(void) {
    ULONG n = 0;
    PSecPkgInfoA pkgs = NULL;
    CHECK_EQ_INT(EnumerateSecurityPackagesA(&n, &pkgs), SEC_E_OK);
    REQUIRE(pkgs != NULL);
    int found = 0;
    for (ULONG i = 0; i < n; i++)
        if (strcmp(pkgs[i].Name, "MockPkg") == 0) found = 1;
    CHECK(found);
    CHECK_EQ_INT(FreeContextBuffer(pkgs), SEC_E_OK);
    PSecPkgInfoW info = NULL;
    CHECK_EQ_INT(QuerySecurityPackageInfoW(LIBSSPI_WSTR("MOCKPKG"), &info), SEC_E_OK);
    REQUIRE(info != NULL);
    CHECK_EQ_INT(info->cbMaxToken, 100);
    CHECK_EQ_INT(FreeContextBuffer(info), SEC_E_OK);
    CHECK_EQ_INT(AcquireCredentialsHandleA(NULL, "nope", SECPKG_CRED_OUTBOUND, NULL, NULL, NULL,
                                           NULL, &(CredHandle){0, 0}, NULL),
                 SEC_E_SECPKG_NOT_FOUND);
}

static void test_status_mapping(void) {
    for (int c = 0; c < SR_CODE_COUNT; c++) {
        if (!sspi_status_is_mapped((sr_code)c)) {
            fprintf(stderr, "unmapped: %s\n", sr_code_name((sr_code)c));
            CHECK(0);
        }
        SECURITY_STATUS s = sspi_status_from_sr(sr_make((sr_code)c));
        if (c == SR_OK) {
            CHECK_EQ_INT(s, SEC_E_OK);
        } else if (c < SR_NO_MEMORY) {
            CHECK(s > 0); /* SEC_I_* */
        } else {
            CHECK(s < 0); /* SEC_E_* */
        }
        /* Distinct codes map to distinct statuses. */
        for (int d = 0; d < c; d++)
            CHECK(sspi_status_from_sr(sr_make((sr_code)d)) != s);
    }
    CHECK_EQ_INT(sspi_status_from_sr(sr_make(SR_CODE_COUNT)), SEC_E_INTERNAL_ERROR);
    CHECK_EQ_INT(sspi_status_from_sr(sr_make(SR_INVALID_HANDLE)), SEC_E_INVALID_HANDLE);
    CHECK_EQ_INT(sspi_status_from_sr(sr_make(SR_BUFFER_TOO_SMALL)), SEC_E_BUFFER_TOO_SMALL);
    CHECK_EQ_INT(sspi_status_from_sr(sr_make(SR_INCOMPLETE_MESSAGE)), SEC_E_INCOMPLETE_MESSAGE);
    CHECK_EQ_INT(sspi_status_from_sr(sr_make(SR_CONTINUE_NEEDED)), SEC_I_CONTINUE_NEEDED);
}

int main(void) {
    sspi_registry_set_test_package(&mock_package);
    TEST_RUN(test_caller_buffer);
    TEST_RUN(test_buffer_too_small);
    TEST_RUN(test_allocate_memory);
    TEST_RUN(test_first_call_failure);
    TEST_RUN(test_descriptor_checks);
    TEST_RUN(test_unsupported_ops);
    TEST_RUN(test_cred_outlives_handle);
    TEST_RUN(test_packages_listing);
    TEST_RUN(test_status_mapping);
    sspi_registry_set_test_package(NULL);
    return test_summary();
}
