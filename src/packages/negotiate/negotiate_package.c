/*
 * The Negotiate package vtable (package.h): credentials over the inner
 * mechs, context lifetime, and delegation of per-message functions to the
 * selected mech.
 *
 * SecPkgInfo as Windows 10 reports it for "Negotiate":
 *   Name "Negotiate", Comment "Microsoft Package Negotiator", wVersion 1,
 *   wRPCID 9 (RPC_C_AUTHN_GSS_NEGOTIATE), fCapabilities 0x00083BB3.
 *   Wine's secur32 negotiate tests (run against Windows) accept
 *   NEGOTIATE_BASE_CAPS = INTEGRITY | PRIVACY | CONNECTION | MULTI_REQUIRED |
 *   EXTENDED_ERROR | IMPERSONATION | ACCEPT_WIN32_NAME | NEGOTIABLE |
 *   GSS_COMPATIBLE | LOGON (0x3BB3), optionally | RESTRICTED_TOKENS
 *   (0x80000), wVersion 1 and wRPCID RPC_C_AUTHN_GSS_NEGOTIATE; FreeRDP's
 *   WinPR NEGOTIATE_SecPkgInfo has 0x00083BB3, 1, 0x0009 too.
 *   cbMaxToken 48256: Negotiate reports the Kerberos MaxTokenSize plus 256
 *   (Get-SecurityPackage output shows 65791 = 65535 + 256 on a machine with
 *   MaxTokenSize 65535); the Kerberos default is 48000 since Windows 8
 *   ("Set maximum Kerberos SSPI context token buffer size" policy text).
 *
 * Per-message functions, and attributes other than the negotiation ones,
 * go to the inner package once the negotiation is complete (Windows: a
 * Negotiate context over NTLM reports NTLM's SECPKG_ATTR_SIZES, 2888/16/0/16,
 * in the same Wine tests). Before that they fail with SEC_E_NO_CONTEXT... as
 * the inner packages do before establishment.
 */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "crypto/crypto.h"
#include "negotiate_context.h"
#include "wire/cursor.h"

#define LOG_COMPONENT "negotiate"

#define NEGO_CAPABILITIES 0x00083BB3u
#define NEGO_MAX_TOKEN 48256u
#define NEGO_RPCID 9u /* RPC_C_AUTHN_GSS_NEGOTIATE */

/* ---- credentials ---- */

static void nego_free_credentials(void *pkg_cred) {
    nego_cred *c = pkg_cred;
    if (!c) return;
    for (size_t i = 0; i < c->count; i++)
        if (c->m[i].pkg->free_credentials) c->m[i].pkg->free_credentials(c->m[i].cred);
    crypto_wipe(c, sizeof *c);
    free(c);
}

static sr nego_acquire_credentials(const sspi_cred_request *req, void **pkg_cred,
                                   TimeStamp *expiry) {
    const char *list = req->identity ? req->identity->package_list : NULL;
    /* A SEC_WINNT_AUTH_IDENTITY_EX carrying only a PackageList (no user,
     * domain or password) restricts the packages of the default
     * credentials: the inner packages get no identity (an empty identity
     * would ask them for an anonymous logon). */
    sspi_cred_request inner_req = *req;
    if (list && req->identity->anonymous) inner_req.identity = NULL;
    nego_cred *c = calloc(1, sizeof *c);
    SR_ENSURE(c != NULL, SR_NO_MEMORY);
    c->use = req->use;
    sr last = SR_FAIL(SR_NO_CREDENTIALS);
    bool have_expiry = false;
    for (size_t i = 0; i < nego_mech_count && c->count < NEGO_MAX_MECHS; i++) {
        const nego_mech *m = &nego_mechs[i];
        if (!nego_package_list_allows(list, m)) continue;
        const sspi_package *p = nego_mech_package(m);
        if (!p || !p->acquire_credentials || p->raw_auth_data) continue;
        void *mc = NULL;
        TimeStamp e = {0};
        sr r = p->acquire_credentials(&inner_req, &mc, &e);
        if (sr_is_error(r)) {
            SSPI_LOG(SSPI_LOG_INFO, LOG_COMPONENT, "%s credentials unavailable: %s", m->name,
                     sr_code_name(r.code));
            last = r;
            continue;
        }
        c->m[c->count].mech = m;
        c->m[c->count].pkg = p;
        c->m[c->count].cred = mc;
        c->count++;
        if (!have_expiry && expiry) {
            *expiry = e;
            have_expiry = true;
        }
    }
    if (c->count == 0) {
        free(c);
        /* Only unknown/excluded packages, or none acquirable. */
        return last.code == SR_OK ? SR_FAIL(SR_NO_CREDENTIALS) : last;
    }
    *pkg_cred = c;
    return SR_SUCCESS;
}

/* Answered by the first inner credential that knows the attribute. */
static sr nego_query_credentials_attribute(void *pkg_cred, ULONG attribute, void *buffer,
                                           bool unicode) {
    nego_cred *c = pkg_cred;
    sr last = SR_FAIL(SR_UNSUPPORTED);
    for (size_t i = 0; i < c->count; i++) {
        if (!c->m[i].pkg->query_credentials_attribute) continue;
        sr r = c->m[i].pkg->query_credentials_attribute(c->m[i].cred, attribute, buffer, unicode);
        if (r.code != SR_UNSUPPORTED) return r;
        last = r;
    }
    return last;
}

/* Given to every inner credential (e.g. the NTLM account file); success
 * when at least one accepted it. */
static sr nego_set_credentials_attribute(void *pkg_cred, ULONG attribute, void *buffer,
                                         ULONG buffer_len, bool unicode) {
    nego_cred *c = pkg_cred;
    sr result = SR_FAIL(SR_UNSUPPORTED);
    for (size_t i = 0; i < c->count; i++) {
        if (!c->m[i].pkg->set_credentials_attribute) continue;
        sr r = c->m[i].pkg->set_credentials_attribute(c->m[i].cred, attribute, buffer, buffer_len,
                                                      unicode);
        if (sr_is_ok(r)) {
            result = r;
        } else if (r.code != SR_UNSUPPORTED) {
            return r;
        }
    }
    return result;
}

/* ---- contexts ---- */

sr nego_context_new(nego_cred *cred, bool is_server, nego_context **out) {
    *out = NULL;
    nego_context *ctx = calloc(1, sizeof *ctx);
    SR_ENSURE(ctx != NULL, SR_NO_MEMORY);
    ctx->cred = cred;
    ctx->is_server = is_server;
    ctx->state = NEGO_ST_START;
    *out = ctx;
    return SR_SUCCESS;
}

void nego_inner_drop(nego_context *ctx) {
    if (ctx->inner && ctx->mc && ctx->mc->pkg->delete_context)
        ctx->mc->pkg->delete_context(ctx->inner);
    ctx->inner = NULL;
    ctx->inner_done = false;
    ctx->inner_flags = 0;
}

void nego_context_free(nego_context *ctx) {
    if (!ctx) return;
    nego_inner_drop(ctx);
    free(ctx->mech_list);
    crypto_wipe(ctx, sizeof *ctx);
    free(ctx);
}

sr nego_set_mech_list(nego_context *ctx, const uint8_t *der, size_t len) {
    free(ctx->mech_list);
    ctx->mech_list = NULL;
    ctx->mech_list_len = 0;
    SR_ENSURE(len > 0, SR_INVALID_TOKEN);
    ctx->mech_list = malloc(len);
    SR_ENSURE(ctx->mech_list != NULL, SR_NO_MEMORY);
    memcpy(ctx->mech_list, der, len);
    ctx->mech_list_len = len;
    return SR_SUCCESS;
}

sr nego_inner_step(nego_context *ctx, const sspi_step_in *in, const uint8_t *token,
                   size_t token_len, sspi_token *out_token) {
    const sspi_package *p = ctx->mc->pkg;
    sspi_step_in sub = *in;
    sub.token = token_len ? token : NULL;
    sub.token_len = token_len;
    /* The inner package must not read the caller's descriptors: they hold
     * SPNEGO bytes, not its own. Channel bindings stay (in->bindings). */
    sub.input = NULL;
    sub.output = NULL;
    sspi_step_out so;
    memset(&so, 0, sizeof so);
    sr r;
    if (ctx->is_server) {
        r = p->accept_context ? p->accept_context(ctx->mc->cred, &ctx->inner, &sub, &so)
                              : SR_FAIL(SR_UNSUPPORTED);
    } else {
        r = p->init_context ? p->init_context(ctx->mc->cred, &ctx->inner, &sub, &so)
                            : SR_FAIL(SR_UNSUPPORTED);
    }
    ctx->inner_flags = so.ret_flags;
    ctx->expiry = so.expiry;
    if (r.code == SR_COMPLETE_NEEDED || r.code == SR_COMPLETE_AND_CONTINUE) {
        /* No inner mech of ours asks for CompleteAuthToken. */
        crypto_free_wipe(so.token.data, so.token.len);
        return SR_FAIL(SR_INTERNAL);
    }
    if (sr_is_error(r)) {
        crypto_free_wipe(so.token.data, so.token.len);
        return r;
    }
    if (r.code == SR_OK) ctx->inner_done = true;
    *out_token = so.token;
    return r;
}

bool nego_mic_available(const nego_context *ctx) {
    return ctx->inner && ctx->inner_done && ctx->mc->mech->mic_available &&
           ctx->mc->mech->mic_available(ctx->inner);
}

sr nego_mic_make(nego_context *ctx, uint8_t **mic, size_t *mic_len) {
    const nego_mech *m = ctx->mc->mech;
    SR_ENSURE(ctx->mech_list != NULL && m->mic_make != NULL, SR_INTERNAL);
    SR_TRY(m->mic_make(ctx->inner, ctx->mech_list, ctx->mech_list_len, mic, mic_len));
    if (m->after_mic) {
        sr r = m->after_mic(ctx->inner);
        if (!sr_is_ok(r)) {
            crypto_free_wipe(*mic, *mic_len);
            *mic = NULL;
            return r;
        }
    }
    ctx->mic_sent = true;
    return SR_SUCCESS;
}

sr nego_mic_verify(nego_context *ctx, gss_view mic) {
    const nego_mech *m = ctx->mc->mech;
    /* A MIC we cannot check is a MIC we cannot trust. */
    SR_ENSURE(nego_mic_available(ctx) && m->mic_verify != NULL && ctx->mech_list != NULL,
              SR_MESSAGE_ALTERED);
    sr r = m->mic_verify(ctx->inner, ctx->mech_list, ctx->mech_list_len, mic.data, mic.len);
    if (sr_is_error(r)) {
        SSPI_LOG(SSPI_LOG_INFO, LOG_COMPONENT, "mechListMIC does not verify: %s",
                 sr_code_name(r.code));
        return SR_FAIL(SR_MESSAGE_ALTERED);
    }
    if (m->after_mic) SR_TRY(m->after_mic(ctx->inner));
    ctx->mic_verified = true;
    return SR_SUCCESS;
}

sr nego_build_resp(const spnego_neg_token_resp *t, sspi_token *out) {
    wire_writer w;
    SR_TRY(wire_writer_init_alloc(&w, 64));
    sr r = spnego_build_neg_token_resp(t, &w);
    if (sr_is_ok(r)) r = wire_writer_take(&w, &out->data, &out->len);
    wire_writer_free(&w);
    return r;
}

static sr nego_step(void *pkg_cred, void **pkg_ctx, const sspi_step_in *in, sspi_step_out *out,
                    bool is_server) {
    nego_context *ctx = *pkg_ctx;
    bool created = false;
    if (!ctx) {
        SR_ENSURE(pkg_cred != NULL, SR_INVALID_HANDLE);
        SR_TRY(nego_context_new(pkg_cred, is_server, &ctx));
        created = true;
    } else if (ctx->is_server != is_server) {
        return SR_FAIL(SR_INVALID_HANDLE);
    }
    sr r;
    if (ctx->state == NEGO_ST_DONE || ctx->state == NEGO_ST_FAILED) {
        /* One-shot, as the inner packages. */
        r = SR_FAIL(SR_OUT_OF_SEQUENCE);
    } else {
        r = is_server ? nego_server_step(ctx, in, out) : nego_client_step(ctx, in, out);
    }
    if (r.code == SR_ASYNC_CALL_PENDING) {
        /* The inner package waits for the network (async/async_io.h: the
         * same call is re-run with the reply); nothing happened. A fresh
         * context goes: the inner mech keeps its partial one in the
         * suspended state. */
        if (created) nego_context_free(ctx);
        return r;
    }
    out->ret_flags = ctx->inner_flags;
    out->expiry = ctx->expiry;
    if (sr_is_error(r)) {
        if (ctx->state != NEGO_ST_DONE) ctx->state = NEGO_ST_FAILED;
        SSPI_LOG(SSPI_LOG_INFO, LOG_COMPONENT, "%s step failed: %s",
                 is_server ? "accept" : "init", sr_code_name(r.code));
    }
    if (created) {
        if (sr_is_error(r))
            nego_context_free(ctx);
        else
            *pkg_ctx = ctx;
    }
    return r;
}

static sr nego_init_context(void *pkg_cred, void **pkg_ctx, const sspi_step_in *in,
                            sspi_step_out *out) {
    return nego_step(pkg_cred, pkg_ctx, in, out, false);
}

static sr nego_accept_context(void *pkg_cred, void **pkg_ctx, const sspi_step_in *in,
                              sspi_step_out *out) {
    return nego_step(pkg_cred, pkg_ctx, in, out, true);
}

static void nego_delete_context(void *pkg_ctx) { nego_context_free(pkg_ctx); }

static sr nego_query_context_attr(void *pkg_ctx, ULONG attribute, void *buffer, bool unicode) {
    return nego_query_context_attribute(pkg_ctx, attribute, buffer, unicode);
}

static sr nego_set_context_attr(void *pkg_ctx, ULONG attribute, void *buffer, ULONG buffer_len,
                                bool unicode) {
    nego_context *ctx = pkg_ctx;
    SR_ENSURE(ctx->inner != NULL, SR_NO_CONTEXT);
    const sspi_package *p = ctx->mc->pkg;
    SR_ENSURE(p->set_context_attribute != NULL, SR_UNSUPPORTED);
    return p->set_context_attribute(ctx->inner, attribute, buffer, buffer_len, unicode);
}

/* The inner context for per-message calls: negotiation complete. */
static sr established(void *pkg_ctx, nego_context **out) {
    nego_context *ctx = pkg_ctx;
    SR_ENSURE(ctx != NULL, SR_INVALID_HANDLE);
    SR_ENSURE(ctx->state == NEGO_ST_DONE && ctx->inner != NULL, SR_NO_CONTEXT);
    *out = ctx;
    return SR_SUCCESS;
}

static sr nego_make_sig(void *pkg_ctx, ULONG qop, SecBufferDesc *message, ULONG seq_no) {
    nego_context *ctx;
    SR_TRY(established(pkg_ctx, &ctx));
    SR_ENSURE(ctx->mc->pkg->make_signature != NULL, SR_UNSUPPORTED);
    return ctx->mc->pkg->make_signature(ctx->inner, qop, message, seq_no);
}

static sr nego_verify_sig(void *pkg_ctx, SecBufferDesc *message, ULONG seq_no, ULONG *qop) {
    nego_context *ctx;
    SR_TRY(established(pkg_ctx, &ctx));
    SR_ENSURE(ctx->mc->pkg->verify_signature != NULL, SR_UNSUPPORTED);
    return ctx->mc->pkg->verify_signature(ctx->inner, message, seq_no, qop);
}

static sr nego_encrypt(void *pkg_ctx, ULONG qop, SecBufferDesc *message, ULONG seq_no) {
    nego_context *ctx;
    SR_TRY(established(pkg_ctx, &ctx));
    SR_ENSURE(ctx->mc->pkg->encrypt_message != NULL, SR_UNSUPPORTED);
    return ctx->mc->pkg->encrypt_message(ctx->inner, qop, message, seq_no);
}

static sr nego_decrypt(void *pkg_ctx, SecBufferDesc *message, ULONG seq_no, ULONG *qop) {
    nego_context *ctx;
    SR_TRY(established(pkg_ctx, &ctx));
    SR_ENSURE(ctx->mc->pkg->decrypt_message != NULL, SR_UNSUPPORTED);
    return ctx->mc->pkg->decrypt_message(ctx->inner, message, seq_no, qop);
}

const sspi_package sspi_negotiate_package = {
    .name = "Negotiate",
    .comment = "Microsoft Package Negotiator",
    .capabilities = NEGO_CAPABILITIES,
    .version = 1,
    .rpcid = NEGO_RPCID,
    .max_token = NEGO_MAX_TOKEN,
    .acquire_credentials = nego_acquire_credentials,
    .free_credentials = nego_free_credentials,
    .query_credentials_attribute = nego_query_credentials_attribute,
    .set_credentials_attribute = nego_set_credentials_attribute,
    .init_context = nego_init_context,
    .accept_context = nego_accept_context,
    .complete_auth_token = NULL,
    .delete_context = nego_delete_context,
    .apply_control_token = NULL,
    .query_context_attribute = nego_query_context_attr,
    .set_context_attribute = nego_set_context_attr,
    .make_signature = nego_make_sig,
    .verify_signature = nego_verify_sig,
    .encrypt_message = nego_encrypt,
    .decrypt_message = nego_decrypt,
    .export_context = NULL,
    .import_context = NULL,
};
