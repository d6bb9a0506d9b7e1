/*
 * The Kerberos package vtable (package.h).
 *
 * SecPkgInfo as Windows reports it for "Kerberos": Name "Kerberos", Comment
 * "Microsoft Kerberos V1.0", wVersion 1, wRPCID 16 (RPC_C_AUTHN_GSS_KERBEROS),
 * cbMaxToken 48000 (12000 before Windows 8). Sources: Wine's secur32 tests,
 * run against Windows (dlls/secur32/tests/secur32.c test_kerberos: cbMaxToken
 * 48000, broken 12000 on Win7; fCapabilities checked against
 * INTEGRITY|PRIVACY|TOKEN_ONLY|DATAGRAM|CONNECTION|MULTI_REQUIRED|
 * EXTENDED_ERROR|IMPERSONATION|ACCEPT_WIN32_NAME|NEGOTIABLE|GSS_COMPATIBLE|
 * LOGON|MUTUAL_AUTH|DELEGATION|READONLY_WITH_CHECKSUM = 0x000F3BBF minus the
 * optional RESTRICTED_TOKENS, APPCONTAINER_CHECKS, APPLY_LOOPBACK bits);
 * FreeRDP's WinPR KERBEROS_SecPkgInfo (0x000F3BBF, 1, 0x0010, "Microsoft
 * Kerberos V1.0"); a Windows 10 EnumerateSecurityPackages listing shows
 * 0x028F3BBF (the same plus APPCONTAINER_CHECKS and APPLY_LOOPBACK, which
 * libsspi does not implement, as for NTLM's 0x00082B37).
 */
#include <stdlib.h>

#include "krb_context.h"
#include "krb_creds.h"
#include "krb_export.h"

#define KRB_CAPABILITIES 0x000F3BBFu
#define KRB_RPCID 16u /* RPC_C_AUTHN_GSS_KERBEROS */

static sr krb_acquire_credentials(const sspi_cred_request *req, void **pkg_cred,
                                  TimeStamp *expiry) {
    krb_creds *c = NULL;
    SR_TRY(krb_creds_acquire(req, &c, expiry));
    *pkg_cred = c;
    return SR_SUCCESS;
}

static void krb_free_credentials(void *pkg_cred) { krb_creds_release(pkg_cred); }

static sr krb_query_cred_attr(void *pkg_cred, ULONG attribute, void *buffer, bool unicode) {
    return krb_creds_query_attribute(pkg_cred, attribute, buffer, unicode);
}

static sr krb_set_cred_attr(void *pkg_cred, ULONG attribute, void *buffer, ULONG buffer_len,
                            bool unicode) {
    return krb_creds_set_attribute(pkg_cred, attribute, buffer, buffer_len, unicode);
}

static sr krb_step(void *pkg_cred, void **pkg_ctx, const sspi_step_in *in, sspi_step_out *out,
                   bool is_server) {
    krb_context *ctx = *pkg_ctx;
    bool created = false;
    /* A re-run after a KDC exchange of an asynchronous call: the suspended
     * state, holding a first call's partial context (krb_client.c). */
    krb_pending *pend = is_server ? NULL : krb_pending_resume();
    krb_context *partial = pend ? krb_pending_take_ctx(pend) : NULL;
    if (partial) {
        if (ctx || partial->creds != pkg_cred) {
            krb_context_free(partial);
            krb_pending_free(pend);
            return SR_FAIL(SR_INTERNAL);
        }
        ctx = partial;
        created = true;
    }
    if (!ctx) {
        if (!pkg_cred) {
            krb_pending_free(pend);
            return SR_FAIL(SR_INVALID_HANDLE);
        }
        sr cr = krb_context_new(pkg_cred, is_server, &ctx);
        if (!sr_is_ok(cr)) {
            krb_pending_free(pend);
            return cr;
        }
        created = true;
    } else if (ctx->is_server != is_server) {
        krb_pending_free(pend);
        return SR_FAIL(SR_INVALID_HANDLE);
    }
    sr r;
    if (!is_server && (pend || krb_client_async())) {
        bool taken = false;
        r = krb_context_step_async(ctx, pend, created, &taken, in, out);
        if (taken) return r; /* ctx waits in the suspended state (or is gone with it) */
    } else {
        r = krb_context_step(ctx, in, out);
    }
    if (created) {
        if (sr_is_error(r))
            krb_context_free(ctx);
        else
            *pkg_ctx = ctx;
    }
    return r;
}

static sr krb_init_context(void *pkg_cred, void **pkg_ctx, const sspi_step_in *in,
                           sspi_step_out *out) {
    return krb_step(pkg_cred, pkg_ctx, in, out, false);
}

static sr krb_accept_context(void *pkg_cred, void **pkg_ctx, const sspi_step_in *in,
                             sspi_step_out *out) {
    return krb_step(pkg_cred, pkg_ctx, in, out, true);
}

static void krb_delete_context(void *pkg_ctx) { krb_context_free(pkg_ctx); }

static sr krb_query_ctx_attr(void *pkg_ctx, ULONG attribute, void *buffer, bool unicode) {
    return krb_query_context_attribute(pkg_ctx, attribute, buffer, unicode);
}

static sr krb_make_sig(void *pkg_ctx, ULONG qop, SecBufferDesc *message, ULONG seq_no) {
    return krb_make_signature(pkg_ctx, qop, message, seq_no);
}

static sr krb_verify_sig(void *pkg_ctx, SecBufferDesc *message, ULONG seq_no, ULONG *qop) {
    return krb_verify_signature(pkg_ctx, message, seq_no, qop);
}

static sr pkg_encrypt(void *pkg_ctx, ULONG qop, SecBufferDesc *message, ULONG seq_no) {
    return krb_encrypt_message(pkg_ctx, qop, message, seq_no);
}

static sr pkg_decrypt(void *pkg_ctx, SecBufferDesc *message, ULONG seq_no, ULONG *qop) {
    return krb_decrypt_message(pkg_ctx, message, seq_no, qop);
}

static sr pkg_export(void *pkg_ctx, ULONG flags, sspi_token *packed) {
    return krb_context_export(pkg_ctx, flags, packed);
}

static sr pkg_import(const uint8_t *packed, size_t len, void **pkg_ctx) {
    krb_context *ctx = NULL;
    SR_TRY(krb_context_import(packed, len, &ctx));
    *pkg_ctx = ctx;
    return SR_SUCCESS;
}

const sspi_package sspi_kerberos_package = {
    .name = "Kerberos",
    .comment = "Microsoft Kerberos V1.0",
    .capabilities = KRB_CAPABILITIES,
    .version = 1,
    .rpcid = KRB_RPCID,
    .max_token = KRB_MAX_TOKEN,
    .acquire_credentials = krb_acquire_credentials,
    .free_credentials = krb_free_credentials,
    .query_credentials_attribute = krb_query_cred_attr,
    .set_credentials_attribute = krb_set_cred_attr,
    .init_context = krb_init_context,
    .accept_context = krb_accept_context,
    .complete_auth_token = NULL,
    .delete_context = krb_delete_context,
    .apply_control_token = NULL,
    .query_context_attribute = krb_query_ctx_attr,
    .set_context_attribute = NULL,
    .make_signature = krb_make_sig,
    .verify_signature = krb_verify_sig,
    .encrypt_message = pkg_encrypt,
    .decrypt_message = pkg_decrypt,
    .export_context = pkg_export,
    .import_context = pkg_import,
};
