/*
 * Per-message protection: MakeSignature, VerifySignature, EncryptMessage,
 * DecryptMessage. The buffers are passed to the package as they are
 * (Windows layouts); the API layer checks the handle and the descriptor
 * and serialises calls on one context.
 */
#include "api/api_internal.h"

typedef enum msg_op { MSG_SIGN, MSG_VERIFY, MSG_ENCRYPT, MSG_DECRYPT } msg_op;

SR_MUST_CHECK static sr run_op(const sspi_package *pkg, void *pkg_ctx, msg_op op, ULONG qop_in,
                               SecBufferDesc *msg, ULONG seq, ULONG *qop_out) {
    switch (op) {
    case MSG_SIGN:
        SR_ENSURE(pkg->make_signature != NULL, SR_UNSUPPORTED);
        return pkg->make_signature(pkg_ctx, qop_in, msg, seq);
    case MSG_VERIFY:
        SR_ENSURE(pkg->verify_signature != NULL, SR_UNSUPPORTED);
        return pkg->verify_signature(pkg_ctx, msg, seq, qop_out);
    case MSG_ENCRYPT:
        SR_ENSURE(pkg->encrypt_message != NULL, SR_UNSUPPORTED);
        return pkg->encrypt_message(pkg_ctx, qop_in, msg, seq);
    case MSG_DECRYPT:
        SR_ENSURE(pkg->decrypt_message != NULL, SR_UNSUPPORTED);
        return pkg->decrypt_message(pkg_ctx, msg, seq, qop_out);
    }
    return SR_FAIL(SR_INTERNAL);
}

static SECURITY_STATUS message(const char *fn, PCtxtHandle h, msg_op op, ULONG qop_in,
                               PSecBufferDesc msg, ULONG seq, ULONG *pfQOP) {
    api_ref ref;
    api_ctx *ctx;
    sr r = api_ctx_get(h, &ref, &ctx);
    if (!sr_is_ok(r)) return api_status(fn, r);
    r = msg ? api_check_desc(msg) : SR_FAIL(SR_INVALID_PARAMETER);
    if (sr_is_ok(r)) {
        ULONG qop = 0;
        pthread_mutex_lock(&ctx->lock);
        r = ctx->pkg_ctx ? run_op(ctx->pkg, ctx->pkg_ctx, op, qop_in, msg, seq, &qop)
                         : SR_FAIL(SR_INVALID_HANDLE);
        pthread_mutex_unlock(&ctx->lock);
        if (pfQOP && !sr_is_error(r)) *pfQOP = qop;
    }
    api_release(&ref);
    return api_status(fn, r);
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY MakeSignature(PCtxtHandle phContext, ULONG fQOP,
                                                    PSecBufferDesc pMessage, ULONG MessageSeqNo) {
    return message("MakeSignature", phContext, MSG_SIGN, fQOP, pMessage, MessageSeqNo, NULL);
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY VerifySignature(PCtxtHandle phContext,
                                                      PSecBufferDesc pMessage,
                                                      ULONG MessageSeqNo, ULONG *pfQOP) {
    return message("VerifySignature", phContext, MSG_VERIFY, 0, pMessage, MessageSeqNo, pfQOP);
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY EncryptMessage(PCtxtHandle phContext, ULONG fQOP,
                                                     PSecBufferDesc pMessage,
                                                     ULONG MessageSeqNo) {
    return message("EncryptMessage", phContext, MSG_ENCRYPT, fQOP, pMessage, MessageSeqNo, NULL);
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY DecryptMessage(PCtxtHandle phContext,
                                                     PSecBufferDesc pMessage,
                                                     ULONG MessageSeqNo, ULONG *pfQOP) {
    return message("DecryptMessage", phContext, MSG_DECRYPT, 0, pMessage, MessageSeqNo, pfQOP);
}
