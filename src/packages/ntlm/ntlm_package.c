/*
 * The NTLM package vtable (package.h): glue between the API layer and the
 * NTLM credential, context, attribute and message code.
 *
 * SecPkgInfo as Windows 10 reports it for "NTLM" (EnumerateSecurityPackages /
 * QuerySecurityPackageInfo): fCapabilities 0x00082B37, wVersion 1, wRPCID 10
 * (RPC_C_AUTHN_WINNT), cbMaxToken 2888 (0xB48). The same values appear in
 * ReactOS's NTLM SSP ("windows reports the same": fCapabilities 0x82b37,
 * cbMaxToken 2888, wRPCID 10) and FreeRDP's WinPR NTLM_SecPkgInfo
 * (0x00082B37, 1, 0x000A, 0x00000B48); Wine's secur32 tests, run against
 * Windows, accept cbMaxToken 1904 or 2888 and NTLM_BASE_CAPS |
 * SECPKG_FLAG_RESTRICTED_TOKENS. 0x00082B37 decodes as:
 *   INTEGRITY 0x1 | PRIVACY 0x2 | TOKEN_ONLY 0x4 | CONNECTION 0x10 |
 *   MULTI_REQUIRED 0x20 | IMPERSONATION 0x100 | ACCEPT_WIN32_NAME 0x200 |
 *   NEGOTIABLE 0x800 | LOGON 0x2000 | RESTRICTED_TOKENS 0x80000.
 */
#include <stdlib.h>

#include "ntlm_context.h"
#include "ntlm_creds.h"
#include "ntlm_session.h"

#define NTLM_CAPABILITIES 0x00082B37u
#define NTLM_MAX_TOKEN 2888u
#define NTLM_RPCID 10u /* RPC_C_AUTHN_WINNT */

static sr ntlm_acquire_credentials(const sspi_cred_request *req, void **pkg_cred,
                                   TimeStamp *expiry) {
    ntlm_creds *c = NULL;
    SR_TRY(ntlm_creds_acquire(req, &c));
    *pkg_cred = c;
    if (expiry) ntlm_timestamp_set(expiry, NTLM_TIME_NEVER);
    return SR_SUCCESS;
}

static void ntlm_free_credentials(void *pkg_cred) {
    ntlm_creds_release(pkg_cred);
}

static sr ntlm_query_credentials_attribute(void *pkg_cred, ULONG attribute, void *buffer,
                                           bool unicode) {
    return ntlm_creds_query_attribute(pkg_cred, attribute, buffer, unicode);
}

static sr ntlm_set_credentials_attribute(void *pkg_cred, ULONG attribute, void *buffer,
                                         ULONG buffer_len, bool unicode) {
    return ntlm_creds_set_attribute(pkg_cred, attribute, buffer, buffer_len, unicode);
}

/* One ISC/ASC call: create the context on the first call; if that first
 * call fails, free it and leave *pkg_ctx NULL (package.h contract). */
static sr ntlm_step(void *pkg_cred, void **pkg_ctx, const sspi_step_in *in, sspi_step_out *out,
                    bool is_server) {
    ntlm_context *ctx = *pkg_ctx;
    bool created = false;
    if (!ctx) {
        if (!pkg_cred) return SR_FAIL(SR_INVALID_HANDLE);
        SR_TRY(ntlm_context_new(pkg_cred, is_server, &ctx));
        created = true;
    } else if (ctx->is_server != is_server) {
        return SR_FAIL(SR_INVALID_HANDLE);
    }
    sr r = ntlm_context_step(ctx, in, out);
    if (created) {
        if (sr_is_error(r))
            ntlm_context_free(ctx);
        else
            *pkg_ctx = ctx;
    }
    return r;
}

static sr ntlm_init_context(void *pkg_cred, void **pkg_ctx, const sspi_step_in *in,
                            sspi_step_out *out) {
    return ntlm_step(pkg_cred, pkg_ctx, in, out, false);
}

static sr ntlm_accept_context(void *pkg_cred, void **pkg_ctx, const sspi_step_in *in,
                              sspi_step_out *out) {
    return ntlm_step(pkg_cred, pkg_ctx, in, out, true);
}

static void ntlm_delete_context(void *pkg_ctx) {
    ntlm_context_free(pkg_ctx);
}

static sr ntlm_query_context_attr(void *pkg_ctx, ULONG attribute, void *buffer, bool unicode) {
    return ntlm_query_context_attribute(pkg_ctx, attribute, buffer, unicode);
}

static sr ntlm_make_sig(void *pkg_ctx, ULONG qop, SecBufferDesc *message, ULONG seq_no) {
    return ntlm_make_signature(&((ntlm_context *)pkg_ctx)->session, qop, message, seq_no);
}

static sr ntlm_verify_sig(void *pkg_ctx, SecBufferDesc *message, ULONG seq_no, ULONG *qop) {
    return ntlm_verify_signature(&((ntlm_context *)pkg_ctx)->session, message, seq_no, qop);
}

static sr ntlm_encrypt(void *pkg_ctx, ULONG qop, SecBufferDesc *message, ULONG seq_no) {
    return ntlm_encrypt_message(&((ntlm_context *)pkg_ctx)->session, qop, message, seq_no);
}

static sr ntlm_decrypt(void *pkg_ctx, SecBufferDesc *message, ULONG seq_no, ULONG *qop) {
    return ntlm_decrypt_message(&((ntlm_context *)pkg_ctx)->session, message, seq_no, qop);
}

static sr ntlm_export(void *pkg_ctx, ULONG flags, sspi_token *packed) {
    return ntlm_context_export(pkg_ctx, flags, packed);
}

static sr ntlm_import(const uint8_t *packed, size_t len, void **pkg_ctx) {
    ntlm_context *ctx = NULL;
    SR_TRY(ntlm_context_import(packed, len, &ctx));
    *pkg_ctx = ctx;
    return SR_SUCCESS;
}

const sspi_package sspi_ntlm_package = {
    .name = "NTLM",
    .comment = "NTLM Security Package",
    .capabilities = NTLM_CAPABILITIES,
    .version = 1,
    .rpcid = NTLM_RPCID,
    .max_token = NTLM_MAX_TOKEN,
    .acquire_credentials = ntlm_acquire_credentials,
    .free_credentials = ntlm_free_credentials,
    .query_credentials_attribute = ntlm_query_credentials_attribute,
    .set_credentials_attribute = ntlm_set_credentials_attribute,
    .init_context = ntlm_init_context,
    .accept_context = ntlm_accept_context,
    .complete_auth_token = NULL,
    .delete_context = ntlm_delete_context,
    .apply_control_token = NULL,
    .query_context_attribute = ntlm_query_context_attr,
    .set_context_attribute = NULL,
    .make_signature = ntlm_make_sig,
    .verify_signature = ntlm_verify_sig,
    .encrypt_message = ntlm_encrypt,
    .decrypt_message = ntlm_decrypt,
    .export_context = ntlm_export,
    .import_context = ntlm_import,
};
