/*
 * The Kerberos side of the SPNEGO mechListMIC (negotiate/mech.h), for the
 * Negotiate package.
 *
 * RFC 4178 section 5: the mechListMIC is GSS_GetMIC over the DER encoding
 * of the initiator's MechTypeList, made with the negotiated mechanism's
 * context. For Kerberos that is an RFC 4121 4.2.6.1 MIC token (TOK_ID 04 04;
 * RFC 1964 01 01 for rc4-hmac) made exactly like any application MIC:
 *   - with the context's keys: the initiator's subkey, or the acceptor's
 *     subkey once the AP-REP carried one (flag AcceptorSubkey);
 *   - SentByAcceptor set on the acceptor's side;
 *   - with the context's next sequence number, which it consumes: MIT's
 *     SPNEGO calls gss_get_mic on the krb5 context, so the first message an
 *     application protects afterwards carries the following number, and
 *     the peer's MIC goes through the replay/sequence window like any other
 *     token (MIT's g_seqstate does the same on its side).
 * MS-SPNG 3.1.5.1 / 3.2.5.1 agree for Kerberos (only NTLM has the RC4 reset
 * quirk, ntlm/ntlm_spnego.c).
 *
 * The hooks run inside InitializeSecurityContext / AcceptSecurityContext of
 * the Negotiate context that owns this Kerberos context, under that
 * context's lock: no other lock is needed (the creds lock guards MIT krb5
 * state only, not the per-message keys).
 */

#include "krb_context.h"
#include "packages/negotiate/mech.h"
#include "wire/cursor.h"

bool krb_spnego_mic_available(void *pkg_ctx) {
    const krb_context *ctx = pkg_ctx;
    return ctx && ctx->state == KRB_ST_DONE && ctx->gss_ready;
}

sr krb_spnego_make_mic(void *pkg_ctx, const uint8_t *data, size_t len, uint8_t **mic,
                       size_t *mic_len) {
    krb_context *ctx = pkg_ctx;
    SR_ENSURE(mic != NULL && mic_len != NULL, SR_INVALID_PARAMETER);
    *mic = NULL;
    *mic_len = 0;
    SR_ENSURE(krb_spnego_mic_available(ctx), SR_NO_CONTEXT);
    SR_ENSURE(data != NULL || len == 0, SR_INVALID_PARAMETER);
    wire_writer w;
    SR_TRY(wire_writer_init_alloc(&w, krb_gss_mic_len(&ctx->gss)));
    sr r = krb_gss_get_mic(&ctx->gss, ctx->send_seq, data, len, &w);
    if (sr_is_ok(r)) r = wire_writer_take(&w, mic, mic_len);
    wire_writer_free(&w);
    SR_TRY(r);
    ctx->send_seq++;
    return SR_SUCCESS;
}

sr krb_spnego_verify_mic(void *pkg_ctx, const uint8_t *data, size_t len, const uint8_t *mic,
                         size_t mic_len) {
    krb_context *ctx = pkg_ctx;
    SR_ENSURE(krb_spnego_mic_available(ctx), SR_NO_CONTEXT);
    SR_ENSURE((data != NULL || len == 0) && mic != NULL && mic_len > 0, SR_MESSAGE_ALTERED);
    uint64_t seq = 0;
    SR_TRY(krb_gss_verify_mic(&ctx->gss, data, len, mic, mic_len, &seq));
    krb_seq_status st = krb_seq_check(&ctx->recv_window, seq);
    return krb_seq_verdict(&ctx->recv_window, st);
}
