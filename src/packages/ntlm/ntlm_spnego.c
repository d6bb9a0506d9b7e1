/*
 * NTLM inside SPNEGO: the mechListMIC hooks used by the Negotiate package
 * (packages/negotiate/mech.h).
 *
 * The mechListMIC is an NTLM signature (MS-NLMP 3.4.4) over the DER
 * MechTypeList, made with the sender's outgoing signing state and checked
 * with the receiver's incoming one. It is an ordinary signed message as far
 * as sequence numbers go: it carries SeqNum 0 and the application's first
 * message carries 1 (MIT/gss-ntlmssp's first GSS_Wrap after SPNEGO carries
 * SeqNum 1; so does Samba's, whose SPNEGO resets NTLM crypto "not fully").
 * MS-SPNG 3.1.5.1 ("NTLM RC4 Key State for MechListMIC and First Signed
 * Message") then asks only that the RC4 handle be put back: "set
 * OriginalHandle to ServerHandle before generating the mechListMIC, then set
 * ServerHandle to OriginalHandle after", so that the mechListMIC and the
 * application's first signed message see the same RC4 key state. The MIC is
 * the first use of each handle, so putting it back is re-keying it with its
 * SEALKEY; ntlm_spnego_reset does that and keeps the sequence numbers.
 */
#include <string.h>

#include "crypto/crypto.h"
#include "ntlm_context.h"
#include "ntlm_crypto.h"
#include "ntlm_wire.h"
#include "packages/negotiate/mech.h"

static ntlm_session *session_of(void *pkg_ctx) {
    ntlm_context *ctx = pkg_ctx;
    if (!ctx || ctx->state != NTLM_ST_DONE || !ctx->session.established) return NULL;
    return &ctx->session;
}

static bool has_ess(const ntlm_session *s) {
    return (s->neg_flags & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY) != 0;
}

bool ntlm_spnego_mic_available(void *pkg_ctx) {
    ntlm_session *s = session_of(pkg_ctx);
    /* Integrity: SIGN negotiated (gss-ntlmssp gives GSS_C_INTEG_FLAG only
     * then, and MIT SPNEGO exchanges MICs only with it). Anonymous
     * contexts have no usable key. */
    return s && (s->neg_flags & NTLMSSP_NEGOTIATE_SIGN) &&
           !(((ntlm_context *)pkg_ctx)->anonymous);
}

sr ntlm_spnego_make_mic(void *pkg_ctx, const uint8_t *data, size_t len, uint8_t sig[16]) {
    ntlm_session *s = session_of(pkg_ctx);
    SR_ENSURE(s != NULL, SR_NO_CONTEXT);
    SR_ENSURE(data != NULL || len == 0, SR_INVALID_PARAMETER);
    crypto_part part = {data, len};
    SR_TRY(ntlm_mac(&s->send, s->send.seq_num, &part, 1, sig));
    s->send.seq_num++;
    return SR_SUCCESS;
}

sr ntlm_spnego_verify_mic(void *pkg_ctx, const uint8_t *data, size_t len, const uint8_t *sig,
                          size_t sig_len) {
    ntlm_session *s = session_of(pkg_ctx);
    SR_ENSURE(s != NULL, SR_NO_CONTEXT);
    SR_ENSURE(data != NULL || len == 0, SR_INVALID_PARAMETER);
    SR_ENSURE(sig != NULL && sig_len == NTLM_SIGNATURE_LEN, SR_MESSAGE_ALTERED);
    /* Without ESS one RC4 handle serves both directions (MS-NLMP 3.4). */
    ntlm_seal_state *st = has_ess(s) ? &s->recv : &s->send;
    crypto_part part = {data, len};
    sr r = ntlm_mac_verify(st, st->seq_num, &part, 1, sig);
    /* A MIC with a valid checksum but another sequence number is still a
     * bad mechListMIC for SPNEGO. */
    if (r.code == SR_OUT_OF_SEQUENCE) r = SR_FAIL(SR_MESSAGE_ALTERED);
    SR_TRY(r);
    st->seq_num++;
    return SR_SUCCESS;
}

/* RC4 handle back to its SEALKEY start; the sequence number stays. */
static sr rekey_only(ntlm_seal_state *st) {
    if (!st->seal_key_len) return SR_SUCCESS;
    uint32_t seq = st->seq_num;
    sr r = ntlm_seal_state_reset(st);
    st->seq_num = seq;
    return r;
}

sr ntlm_spnego_reset(void *pkg_ctx) {
    ntlm_session *s = session_of(pkg_ctx);
    SR_ENSURE(s != NULL, SR_NO_CONTEXT);
    SR_TRY(rekey_only(&s->send));
    if (has_ess(s)) SR_TRY(rekey_only(&s->recv));
    return SR_SUCCESS;
}
