/*
 * Negotiate initiator: InitializeSecurityContext (Negotiate) as Microsoft
 * documents it, with SPNEGO per RFC 4178 and MS-SPNG.
 *
 *   call 1: NegTokenInit { mechTypes in preference order, mechToken = the
 *           first usable mech's first token }; SEC_I_CONTINUE_NEEDED.
 *           A mech whose credentials or first step fail (no Kerberos
 *           ticket, unknown target, KDC unreachable) is dropped and the
 *           next one tried; a mech known to fail without trying it
 *           (nego_mech.cred_unusable: Kerberos while its realm is in the
 *           KDC negative cache, kerberos/krb_kdc_cache.h) is dropped at once. The output is always SPNEGO, never a bare
 *           inner token. An input token on this call is a server-first
 *           NegTokenInit2 (MS-SPNG 3.3.5.2): its mech list restricts ours.
 *   then:   NegTokenResp in, NegTokenResp out:
 *           - the first reply names supportedMech; a mech other than the one
 *             we sent a token for means "restart with that mech" (RFC 4178
 *             section 5: the optimistic token is discarded) and makes the
 *             mechListMIC exchange mandatory;
 *           - request-mic (RFC 4178 4.2.2) makes it mandatory as well;
 *           - reject: SEC_E_LOGON_DENIED (or the inner mech's own error
 *             when the reply carries a mech token that explains it);
 *           - when the inner mech completes while the server still waits
 *             (NTLM: our AUTHENTICATE), the mechListMIC goes with the last
 *             mech token whenever the mech offers integrity, as Windows does
 *             (MS-SPNG 3.1.5.1), and we return SEC_I_CONTINUE_NEEDED to
 *             read the server's accept-completed;
 *           - the server's mechListMIC is verified whenever present and
 *             required when the exchange is mandatory; missing or wrong:
 *             SEC_E_MESSAGE_ALTERED;
 *           - when the server's MIC came first (with its last mech token,
 *             Kerberos' AP-REP, negState accept-incomplete), ours is the
 *             last token of the exchange: SEC_E_OK with it, nothing more is
 *             read (MIT's acceptor sends nothing after verifying it).
 * Our NegTokenResp carries no negState (the Windows client omits it; it is
 * optional for the initiator, RFC 4178 4.2.2).
 */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "crypto/crypto.h"
#include "negotiate_context.h"
#include "wire/cursor.h"

#define LOG_COMPONENT "negotiate-client"

/* Mechs of the credential the server-first NegTokenInit2 also lists (all
 * when there is no hint, or when the hint names none of ours). */
static sr server_hint(const sspi_step_in *in, const nego_cred *c, bool allowed[NEGO_MAX_MECHS]) {
    for (size_t i = 0; i < NEGO_MAX_MECHS; i++) allowed[i] = true;
    if (!in->token || !in->token_len) return SR_SUCCESS;
    spnego_neg_token_init hint;
    SR_TRY(spnego_parse_init_token(in->token, in->token_len, &hint));
    bool any = false, mark[NEGO_MAX_MECHS] = {false};
    for (size_t i = 0; i < c->count; i++) {
        for (size_t k = 0; k < hint.mech_count; k++) {
            if (nego_mech_by_oid(hint.mech_types[k]) == c->m[i].mech) {
                mark[i] = true;
                any = true;
            }
        }
    }
    if (any)
        for (size_t i = 0; i < NEGO_MAX_MECHS; i++) allowed[i] = mark[i];
    return SR_SUCCESS;
}

/* Call 1. */
static sr client_start(nego_context *ctx, const sspi_step_in *in, sspi_step_out *out) {
    nego_cred *c = ctx->cred;
    bool allowed[NEGO_MAX_MECHS];
    SR_TRY(server_hint(in, c, allowed));
    sr first_err = SR_FAIL(SR_NO_CREDENTIALS);
    bool have_err = false;
    for (size_t i = 0; i < c->count; i++) {
        if (!allowed[i]) continue;
        ctx->mc = &c->m[i];
        sspi_token t = {0};
        /* A mech known to fail without trying (Kerberos while its realm's
         * KDC is in the negative cache) is passed over at no cost. */
        sr_code skip = c->m[i].mech->cred_unusable
                           ? c->m[i].mech->cred_unusable(c->m[i].pkg, c->m[i].cred)
                           : SR_OK;
        sr r = skip != SR_OK ? SR_FAIL(skip) : nego_inner_step(ctx, in, NULL, 0, &t);
        if (r.code == SR_ASYNC_CALL_PENDING) return r; /* KDC exchange in flight */
        if (sr_is_error(r)) {
            SSPI_LOG(SSPI_LOG_INFO, LOG_COMPONENT, "%s unusable (%s): next mechanism",
                     c->m[i].mech->name, sr_code_name(r.code));
            if (!have_err) first_err = r;
            have_err = true;
            nego_inner_drop(ctx);
            ctx->mc = NULL;
            continue;
        }
        /* This mech carries the optimistic token; the later ones follow. */
        ctx->offered_count = 0;
        ctx->offered[ctx->offered_count++] = i;
        for (size_t j = i + 1; j < c->count; j++)
            if (allowed[j]) ctx->offered[ctx->offered_count++] = j;
        gss_view oids[NEGO_MAX_MECHS * NEGO_MAX_MECH_OIDS];
        size_t n = 0;
        for (size_t k = 0; k < ctx->offered_count; k++) {
            const nego_mech *m = c->m[ctx->offered[k]].mech;
            for (size_t o = 0; o < m->oid_count; o++) oids[n++] = m->oids[o];
        }
        wire_writer w;
        sr br = wire_writer_init_alloc(&w, 128);
        if (sr_is_ok(br)) {
            br = spnego_encode_mech_type_list(oids, n, &w);
            if (sr_is_ok(br)) br = nego_set_mech_list(ctx, w.data, w.len);
            wire_writer_free(&w);
        }
        if (sr_is_ok(br)) br = wire_writer_init_alloc(&w, t.len + 128);
        if (sr_is_ok(br)) {
            gss_view tok = {t.data, t.len};
            br = spnego_build_init(oids, n, t.len ? &tok : NULL, NULL, NULL, &w);
            if (sr_is_ok(br)) br = wire_writer_take(&w, &out->token.data, &out->token.len);
            wire_writer_free(&w);
        }
        crypto_free_wipe(t.data, t.len);
        SR_TRY(br);
        ctx->state = NEGO_ST_CLIENT_WAIT;
        return SR_FAIL(SR_CONTINUE_NEEDED);
    }
    return first_err;
}

/* Index into ctx->offered of the mech an OID names, or -1. */
static int offered_index(const nego_context *ctx, gss_view oid) {
    const nego_mech *m = nego_mech_by_oid(oid);
    if (!m) return -1;
    for (size_t k = 0; k < ctx->offered_count; k++)
        if (ctx->cred->m[ctx->offered[k]].mech == m) return (int)k;
    return -1;
}

/* Any NegTokenResp from the server. */
static sr client_resp(nego_context *ctx, const sspi_step_in *in, sspi_step_out *out) {
    SR_ENSURE(in->token != NULL && in->token_len > 0, SR_INVALID_TOKEN);
    spnego_neg_token_resp resp;
    SR_TRY(spnego_parse_neg_token_resp(in->token, in->token_len, &resp));
    spnego_neg_state ns = resp.has_neg_state ? resp.neg_state : SPNEGO_ACCEPT_INCOMPLETE;

    if (ns == SPNEGO_REJECT) {
        /* A mech token with a reject explains it (e.g. a KRB-ERROR). */
        if (resp.has_response_token && resp.response_token.len && ctx->inner &&
            !ctx->inner_done) {
            sspi_token t = {0};
            sr r = nego_inner_step(ctx, in, resp.response_token.data, resp.response_token.len, &t);
            crypto_free_wipe(t.data, t.len);
            if (sr_is_error(r)) return r;
        }
        return SR_FAIL(SR_LOGON_DENIED);
    }

    sspi_token mt = {0};
    bool have_mt = false;
    if (!ctx->first_reply_seen) {
        ctx->first_reply_seen = true;
        if (ns == SPNEGO_REQUEST_MIC) ctx->mic_required = true;
        if (resp.has_supported_mech) {
            int k = offered_index(ctx, resp.supported_mech);
            SR_ENSURE(k >= 0, SR_INVALID_TOKEN); /* not a mech we offered */
            if (k != 0) {
                /* RFC 4178 5: the acceptor picked another mech than our
                 * optimistic one; its token is discarded, we start the
                 * selected mech, and the MIC exchange is mandatory. */
                SR_ENSURE(!resp.has_response_token, SR_INVALID_TOKEN);
                SSPI_LOG(SSPI_LOG_DEBUG, LOG_COMPONENT, "server selected %s",
                         ctx->cred->m[ctx->offered[k]].mech->name);
                nego_inner_drop(ctx);
                ctx->mc = &ctx->cred->m[ctx->offered[k]];
                ctx->mic_required = true;
                sr r = nego_inner_step(ctx, in, NULL, 0, &mt);
                if (r.code == SR_ASYNC_CALL_PENDING) {
                    /* Re-run with the KDC's reply: take this branch again. */
                    ctx->first_reply_seen = false;
                    return r;
                }
                if (sr_is_error(r)) return r;
                have_mt = true;
            }
        }
    }

    if (!have_mt && resp.has_response_token && resp.response_token.len) {
        /* A mech token for a mech that already finished is a protocol error. */
        SR_ENSURE(ctx->inner != NULL && !ctx->inner_done, SR_INVALID_TOKEN);
        sr r = nego_inner_step(ctx, in, resp.response_token.data, resp.response_token.len, &mt);
        if (sr_is_error(r)) return r;
        have_mt = true;
    }

    if (!ctx->inner_done) {
        /* The server waits for our next mech token. */
        if (!mt.len || ns == SPNEGO_ACCEPT_COMPLETED) {
            crypto_free_wipe(mt.data, mt.len);
            return SR_FAIL(SR_INVALID_TOKEN);
        }
        spnego_neg_token_resp o;
        memset(&o, 0, sizeof o);
        o.has_response_token = true;
        o.response_token.data = mt.data;
        o.response_token.len = mt.len;
        sr r = nego_build_resp(&o, &out->token);
        crypto_free_wipe(mt.data, mt.len);
        SR_TRY(r);
        return SR_FAIL(SR_CONTINUE_NEEDED);
    }

    /* Inner mech complete. */
    if (resp.has_mech_list_mic) {
        sr r = nego_mic_verify(ctx, resp.mech_list_mic);
        if (sr_is_error(r)) {
            crypto_free_wipe(mt.data, mt.len);
            return r;
        }
    }
    if (ns == SPNEGO_ACCEPT_COMPLETED) {
        if (mt.len) { /* we would still have a token for a finished server */
            crypto_free_wipe(mt.data, mt.len);
            return SR_FAIL(SR_INVALID_TOKEN);
        }
        if (ctx->mic_required && !ctx->mic_verified && nego_mic_available(ctx)) {
            SSPI_LOG(SSPI_LOG_INFO, LOG_COMPONENT, "required mechListMIC missing");
            return SR_FAIL(SR_MESSAGE_ALTERED);
        }
        ctx->state = NEGO_ST_DONE;
        return SR_SUCCESS;
    }

    /* The server expects more: our last mech token and/or our MIC. */
    spnego_neg_token_resp o;
    memset(&o, 0, sizeof o);
    if (mt.len) {
        o.has_response_token = true;
        o.response_token.data = mt.data;
        o.response_token.len = mt.len;
    }
    uint8_t *mic = NULL;
    size_t mic_len = 0;
    sr r = SR_SUCCESS;
    if (!ctx->mic_sent && nego_mic_available(ctx)) {
        r = nego_mic_make(ctx, &mic, &mic_len);
        if (sr_is_ok(r)) {
            o.has_mech_list_mic = true;
            o.mech_list_mic.data = mic;
            o.mech_list_mic.len = mic_len;
        }
    } else if (!ctx->mic_sent && ctx->mic_required) {
        /* The exchange is mandatory but the mech cannot sign. */
        r = SR_FAIL(SR_DOWNGRADE_DETECTED);
    }
    if (sr_is_ok(r) && !o.has_response_token && !o.has_mech_list_mic)
        r = SR_FAIL(SR_INVALID_TOKEN); /* nothing left to say */
    if (sr_is_ok(r)) r = nego_build_resp(&o, &out->token);
    crypto_free_wipe(mt.data, mt.len);
    crypto_free_wipe(mic, mic_len);
    SR_TRY(r);
    if (ctx->mic_verified && ctx->mic_sent && !o.has_response_token) {
        /* The server sent its MIC with its last mech token (Kerberos with
         * the MIC exchange mandatory: AP-REP + MIC, accept-incomplete) and
         * ours answers it: both MICs are exchanged, the negotiation is
         * over for us and the server sends nothing more (MIT's SPNEGO
         * acceptor does not; RFC 4178 section 5). */
        ctx->state = NEGO_ST_DONE;
        return SR_SUCCESS;
    }
    ctx->state = NEGO_ST_CLIENT_FINAL;
    return SR_FAIL(SR_CONTINUE_NEEDED);
}

sr nego_client_step(nego_context *ctx, const sspi_step_in *in, sspi_step_out *out) {
    switch (ctx->state) {
    case NEGO_ST_START:
        return client_start(ctx, in, out);
    case NEGO_ST_CLIENT_WAIT:
    case NEGO_ST_CLIENT_FINAL:
        return client_resp(ctx, in, out);
    default:
        return SR_FAIL(SR_OUT_OF_SEQUENCE);
    }
}
