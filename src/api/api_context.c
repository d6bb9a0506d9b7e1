/*
 * Context establishment and lifetime: InitializeSecurityContextA/W,
 * AcceptSecurityContext, CompleteAuthToken, DeleteSecurityContext,
 * ApplyControlToken, ImpersonateSecurityContext, RevertSecurityContext,
 * QuerySecurityContextToken.
 *
 * Output token placement (package token -> caller):
 *   - ISC_REQ_ALLOCATE_MEMORY / ASC_REQ_ALLOCATE_MEMORY: the first
 *     SECBUFFER_TOKEN of pOutput receives a caller block (FreeContextBuffer)
 *     and *pfContextAttr gets ISC_RET_ALLOCATED_MEMORY / ASC_RET_...;
 *   - otherwise the token is copied into that buffer; SEC_E_BUFFER_TOO_SMALL
 *     when it does not fit (cbBuffer is left unchanged);
 *   - a token but no SECBUFFER_TOKEN in pOutput (or no pOutput):
 *     SEC_E_INSUFFICIENT_MEMORY, as Windows reports it;
 *   - no token: the SECBUFFER_TOKEN (if any) gets cbBuffer = 0 (and
 *     pvBuffer = NULL in allocate mode), unless the step failed, in which
 *     case the output descriptor is left untouched;
 *   - a token returned with an error (e.g. a rejection token) is placed too.
 * A failed first call never leaves a context handle behind.
 */
#include <stdlib.h>
#include <string.h>

#include "api/api_internal.h"
#include "core/memory.h"
#include "crypto/crypto.h"

/* Fill the package's views of the input descriptor. */
SR_MUST_CHECK static sr fill_step_in(sspi_step_in *in, PSecBufferDesc input) {
    in->input = input;
    if (!input) return SR_SUCCESS;
    SecBuffer *tok = api_find_buffer(input, SECBUFFER_TOKEN);
    if (tok && tok->cbBuffer) {
        SR_ENSURE(tok->pvBuffer != NULL, SR_INVALID_TOKEN);
        in->token = tok->pvBuffer;
        in->token_len = tok->cbBuffer;
    }
    SecBuffer *cb = api_find_buffer(input, SECBUFFER_CHANNEL_BINDINGS);
    if (cb && cb->cbBuffer) {
        SR_ENSURE(cb->pvBuffer != NULL && cb->cbBuffer >= sizeof(SEC_CHANNEL_BINDINGS),
                  SR_BAD_BINDINGS);
        in->bindings = cb->pvBuffer;
        in->bindings_len = cb->cbBuffer;
    }
    return SR_SUCCESS;
}

/* Put the package's token into pOutput (see the file comment). */
SR_MUST_CHECK static sr place_token(const sspi_token *t, PSecBufferDesc output, bool allocate,
                                    bool *allocated) {
    *allocated = false;
    SecBuffer *ob = api_find_buffer(output, SECBUFFER_TOKEN);
    if (t->len == 0) {
        if (ob) {
            ob->cbBuffer = 0;
            if (allocate) ob->pvBuffer = NULL;
        }
        return SR_SUCCESS;
    }
    SR_ENSURE(ob != NULL, SR_NO_MEMORY);
    SR_ENSURE(t->len <= UINT32_MAX, SR_INTERNAL);
    if (allocate) {
        void *p = sspi_caller_dup(t->data, t->len);
        SR_ENSURE(p != NULL, SR_NO_MEMORY);
        ob->pvBuffer = p;
        ob->cbBuffer = (ULONG)t->len;
        *allocated = true;
        return SR_SUCCESS;
    }
    SR_ENSURE(ob->pvBuffer != NULL && ob->cbBuffer >= t->len, SR_BUFFER_TOO_SMALL);
    memcpy(ob->pvBuffer, t->data, t->len);
    ob->cbBuffer = (ULONG)t->len;
    return SR_SUCCESS;
}

/* Undo place_token's allocation (a later step failed). */
static void unplace_token(PSecBufferDesc output) {
    SecBuffer *ob = api_find_buffer(output, SECBUFFER_TOKEN);
    if (!ob) return;
    if (sspi_caller_free(ob->pvBuffer).code != SR_OK) return;
    ob->pvBuffer = NULL;
    ob->cbBuffer = 0;
}

/* SECBUFFER_EXTRA / SECBUFFER_MISSING go into the first SECBUFFER_EMPTY
 * input buffer (Schannel convention). EXTRA also points at the unconsumed
 * bytes at the end of the input token. */
static void report_leftover(sspi_step_in *in, const sspi_step_out *out, sr r) {
    if (!in->input) return;
    if (r.code == SR_INCOMPLETE_MESSAGE && out->missing_len) {
        SecBuffer *b = api_find_buffer(in->input, SECBUFFER_EMPTY);
        if (b && out->missing_len <= UINT32_MAX) {
            b->BufferType = SECBUFFER_MISSING;
            b->cbBuffer = (ULONG)out->missing_len;
            b->pvBuffer = NULL;
        }
    } else if (!sr_is_error(r) && out->extra_len && out->extra_len <= in->token_len) {
        SecBuffer *b = api_find_buffer(in->input, SECBUFFER_EMPTY);
        if (b) {
            b->BufferType = SECBUFFER_EXTRA;
            b->cbBuffer = (ULONG)out->extra_len;
            b->pvBuffer = (void *)(in->token + (in->token_len - out->extra_len));
        }
    }
}

typedef struct step_args {
    bool server;
    PCredHandle phCredential;
    PCtxtHandle phContext;
    const char *target;
    ULONG req;
    ULONG drep;
    PSecBufferDesc pInput;
    PCtxtHandle phNewContext;
    PSecBufferDesc pOutput;
    ULONG *pfContextAttr;
    PTimeStamp ptsExpiry;
} step_args;

SR_MUST_CHECK static sr run_package(const step_args *a, api_ctx *ctx, void *pkg_cred,
                                    void **pkg_ctx, sspi_step_in *in, sspi_step_out *out) {
    const sspi_package *pkg = ctx->pkg;
    if (a->server) {
        SR_ENSURE(pkg->accept_context != NULL, SR_UNSUPPORTED);
        return pkg->accept_context(pkg_cred, pkg_ctx, in, out);
    }
    SR_ENSURE(pkg->init_context != NULL, SR_UNSUPPORTED);
    return pkg->init_context(pkg_cred, pkg_ctx, in, out);
}

/* Finish one step: token placement, flags, expiry, leftovers. On a first
 * call, `fresh` is the new context object (registered here on success). */
SR_MUST_CHECK static sr step_body(const step_args *a, api_ctx *ctx, bool fresh, void *pkg_cred) {
    sspi_step_in in;
    memset(&in, 0, sizeof in);
    in.target_name = a->target;
    in.req_flags = a->req;
    in.data_rep = a->drep;
    in.output = a->pOutput;
    SR_TRY(fill_step_in(&in, a->pInput));

    sspi_step_out out;
    memset(&out, 0, sizeof out);
    void *pkg_ctx = ctx->pkg_ctx;
    sr r = run_package(a, ctx, pkg_cred, &pkg_ctx, &in, &out);
    ctx->pkg_ctx = pkg_ctx;
    if (r.code == SR_ASYNC_CALL_PENDING) {
        /* Waiting for network I/O in an asynchronous call (async/async_io.h):
         * nothing visible happened; the call is re-run with the reply. */
        crypto_free_wipe(out.token.data, out.token.len);
        return r;
    }
    if (fresh && sr_is_error(r) && ctx->pkg_ctx) {
        /* Contract: the package frees on a failed first call. Be safe. */
        if (ctx->pkg->delete_context) ctx->pkg->delete_context(ctx->pkg_ctx);
        ctx->pkg_ctx = NULL;
    }

    bool allocate = (a->req & (a->server ? ASC_REQ_ALLOCATE_MEMORY : ISC_REQ_ALLOCATE_MEMORY)) != 0;
    bool allocated = false;
    /* A failed step without a token leaves the caller's output untouched. */
    if (out.token.len || !sr_is_error(r)) {
        sr pr = place_token(&out.token, a->pOutput, allocate, &allocated);
        if (!sr_is_ok(pr) && !sr_is_error(r)) r = pr;
    }
    crypto_free_wipe(out.token.data, out.token.len);

    ULONG flags = out.ret_flags;
    if (allocated) flags |= a->server ? ASC_RET_ALLOCATED_MEMORY : ISC_RET_ALLOCATED_MEMORY;

    if (fresh && !sr_is_error(r)) {
        if (!ctx->pkg_ctx) {
            r = SR_FAIL(SR_INTERNAL); /* package broke the contract */
        } else {
            SecHandle h;
            sr hr = api_ctx_register(ctx, &h);
            if (sr_is_ok(hr)) {
                *a->phNewContext = h;
            } else {
                r = hr;
            }
        }
        if (sr_is_error(r) && allocated) {
            unplace_token(a->pOutput);
            flags &= ~(ULONG)(a->server ? ASC_RET_ALLOCATED_MEMORY : ISC_RET_ALLOCATED_MEMORY);
        }
    } else if (!fresh && a->phNewContext && a->phNewContext != a->phContext) {
        *a->phNewContext = *a->phContext;
    }

    *a->pfContextAttr = flags;
    if (a->ptsExpiry && !sr_is_error(r)) *a->ptsExpiry = out.expiry;
    report_leftover(&in, &out, r);
    SSPI_LOG(SSPI_LOG_DEBUG, API_LOG, "%s step: in %zu bytes, out %zu bytes, flags 0x%x",
             a->server ? "accept" : "init", in.token_len, out.token.len, (unsigned)flags);
    return r;
}

SR_MUST_CHECK static sr step(const step_args *a) {
    SR_ENSURE(a->pfContextAttr != NULL, SR_INVALID_PARAMETER);
    api_ref ctx_ref = {0}, cred_ref = {0};
    api_ctx *ctx = NULL;
    api_cred *cred = NULL;
    if (a->phContext) {
        SR_TRY(api_ctx_get(a->phContext, &ctx_ref, &ctx));
        if (ctx->server != a->server) {
            api_release(&ctx_ref);
            return SR_FAIL(SR_INVALID_HANDLE);
        }
        if (a->phCredential) {
            sr cr = api_cred_get(a->phCredential, &cred_ref, &cred);
            api_release(&cred_ref);
            if (!sr_is_ok(cr)) {
                api_release(&ctx_ref);
                return cr;
            }
        }
    } else {
        SR_TRY(api_cred_get(a->phCredential, &cred_ref, &cred));
    }

    sr r = api_check_desc(a->pInput);
    if (sr_is_ok(r)) r = api_check_desc(a->pOutput);
    if (sr_is_ok(r) && !ctx) {
        if (!a->phNewContext) {
            r = SR_FAIL(SR_INVALID_PARAMETER);
        } else {
            api_ctx *fresh = api_ctx_alloc(cred->pkg, cred_ref.entry, a->server);
            if (!fresh) {
                r = SR_FAIL(SR_NO_MEMORY);
            } else {
                r = step_body(a, fresh, true, cred->pkg_cred);
                /* Registered: the table owns it. Otherwise drop it. */
                if (sr_is_error(r) || r.code == SR_ASYNC_CALL_PENDING) api_ctx_destroy(fresh);
            }
        }
    } else if (sr_is_ok(r)) {
        api_cred *ccred = ctx->cred_entry ? sspi_handle_object(ctx->cred_entry) : NULL;
        pthread_mutex_lock(&ctx->lock);
        r = step_body(a, ctx, false, ccred ? ccred->pkg_cred : NULL);
        pthread_mutex_unlock(&ctx->lock);
    }
    api_release(&cred_ref);
    api_release(&ctx_ref);
    return r;
}

SECURITY_STATUS api_step(const char *fn, bool server, PCredHandle phCredential,
                         PCtxtHandle phContext, const char *target, ULONG req, ULONG drep,
                         PSecBufferDesc pInput, PCtxtHandle phNewContext, PSecBufferDesc pOutput,
                         ULONG *pfContextAttr, PTimeStamp ptsExpiry) {
    step_args a = {server, phCredential, phContext, target, req, drep,
                   pInput, phNewContext, pOutput, pfContextAttr, ptsExpiry};
    return api_status(fn, step(&a));
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY InitializeSecurityContextA(
    PCredHandle phCredential, PCtxtHandle phContext, SEC_CHAR *pszTargetName, ULONG fContextReq,
    ULONG Reserved1, ULONG TargetDataRep, PSecBufferDesc pInput, ULONG Reserved2,
    PCtxtHandle phNewContext, PSecBufferDesc pOutput, ULONG *pfContextAttr,
    PTimeStamp ptsExpiry) {
    return api_step("InitializeSecurityContextA", false, phCredential, phContext, pszTargetName,
                    fContextReq, TargetDataRep, pInput, phNewContext, pOutput, pfContextAttr,
                    ptsExpiry);
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY InitializeSecurityContextW(
    PCredHandle phCredential, PCtxtHandle phContext, SEC_WCHAR *pszTargetName, ULONG fContextReq,
    ULONG Reserved1, ULONG TargetDataRep, PSecBufferDesc pInput, ULONG Reserved2,
    PCtxtHandle phNewContext, PSecBufferDesc pOutput, ULONG *pfContextAttr,
    PTimeStamp ptsExpiry) {
    static const char fn[] = "InitializeSecurityContextW";
    char *target = NULL;
    sr r = api_wide_to_utf8(pszTargetName, &target);
    if (!sr_is_ok(r)) return api_status(fn, r);
    SECURITY_STATUS s = api_step(fn, false, phCredential, phContext, target, fContextReq,
                                 TargetDataRep, pInput, phNewContext, pOutput, pfContextAttr,
                                 ptsExpiry);
    free(target);
    return s;
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY AcceptSecurityContext(
    PCredHandle phCredential, PCtxtHandle phContext, PSecBufferDesc pInput, ULONG fContextReq,
    ULONG TargetDataRep, PCtxtHandle phNewContext, PSecBufferDesc pOutput, ULONG *pfContextAttr,
    PTimeStamp ptsExpiry) {
    return api_step("AcceptSecurityContext", true, phCredential, phContext, NULL, fContextReq,
                    TargetDataRep, pInput, phNewContext, pOutput, pfContextAttr, ptsExpiry);
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY DeleteSecurityContext(PCtxtHandle phContext) {
    sr r = SR_FAIL(SR_INVALID_HANDLE);
    if (phContext) r = sspi_handle_delete(api_from_sechandle(phContext), SSPI_HANDLE_CONTEXT);
    return api_status("DeleteSecurityContext", r);
}

/* Run a package operation taking (pkg_ctx, desc) under the context lock. */
typedef sr (*ctx_desc_op)(void *pkg_ctx, SecBufferDesc *desc);

SR_MUST_CHECK static sr with_ctx_desc(PCtxtHandle h, PSecBufferDesc desc, bool is_complete) {
    api_ref ref;
    api_ctx *ctx;
    SR_TRY(api_ctx_get(h, &ref, &ctx));
    sr r = desc ? api_check_desc(desc) : SR_FAIL(SR_INVALID_PARAMETER);
    ctx_desc_op op = is_complete ? ctx->pkg->complete_auth_token : ctx->pkg->apply_control_token;
    if (sr_is_ok(r) && !op) r = SR_FAIL(SR_UNSUPPORTED);
    if (sr_is_ok(r)) {
        pthread_mutex_lock(&ctx->lock);
        r = ctx->pkg_ctx ? op(ctx->pkg_ctx, desc) : SR_FAIL(SR_INVALID_HANDLE);
        pthread_mutex_unlock(&ctx->lock);
    }
    api_release(&ref);
    return r;
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY CompleteAuthToken(PCtxtHandle phContext,
                                                        PSecBufferDesc pToken) {
    return api_status("CompleteAuthToken", with_ctx_desc(phContext, pToken, true));
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY ApplyControlToken(PCtxtHandle phContext,
                                                        PSecBufferDesc pInput) {
    return api_status("ApplyControlToken", with_ctx_desc(phContext, pInput, false));
}

/* No OS impersonation or access tokens on Linux: the handle is checked,
 * then SEC_E_UNSUPPORTED_FUNCTION. */
SR_MUST_CHECK static sr check_ctx_unsupported(PCtxtHandle h) {
    api_ref ref;
    api_ctx *ctx;
    SR_TRY(api_ctx_get(h, &ref, &ctx));
    api_release(&ref);
    return SR_FAIL(SR_UNSUPPORTED);
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY ImpersonateSecurityContext(PCtxtHandle phContext) {
    return api_status("ImpersonateSecurityContext", check_ctx_unsupported(phContext));
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY RevertSecurityContext(PCtxtHandle phContext) {
    return api_status("RevertSecurityContext", check_ctx_unsupported(phContext));
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY QuerySecurityContextToken(PCtxtHandle phContext,
                                                                HANDLE *Token) {
    if (Token) *Token = NULL;
    return api_status("QuerySecurityContextToken", check_ctx_unsupported(phContext));
}
