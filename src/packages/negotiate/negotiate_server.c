/*
 * Negotiate acceptor: AcceptSecurityContext (Negotiate) as Microsoft
 * documents it, with SPNEGO per RFC 4178 and MS-SPNG.
 *
 *  - No input token on the first call: the server speaks first with a
 *    NegTokenInit2 listing its mechs and negHints { hintName
 *    "not_defined_in_RFC4178@please_ignore" } (MS-SPNG 3.2.5.2, "NegTokenInit2
 *    Variation for Server-Initiation": generated "when GSS_Accept_sec_context()
 *    is called without an input_token"; SMB2 servers put it in the NEGOTIATE
 *    response); SEC_I_CONTINUE_NEEDED.
 *  - NegTokenInit (Windows, MIT/Heimdal GSSAPI, gss-ntlmssp): the first mech
 *    of the client's list that we have credentials for is selected; unknown
 *    OIDs (NegoEx 1.3.6.1.4.1.311.2.2.30 among them) are skipped. The
 *    optimistic mechToken is used only when it belongs to the selected mech
 *    (the client's first); otherwise it is ignored and the reply carries
 *    supportedMech without a responseToken, with negState request-mic since
 *    the mechListMIC exchange is then mandatory (RFC 4178 4.2.2, section 5).
 *  - Replies: NegTokenResp with negState accept-incomplete / request-mic /
 *    accept-completed, supportedMech in the first reply, the inner mech's
 *    token as responseToken, our mechListMIC in the last reply when the
 *    client sent one or the exchange is mandatory (MIT checks it).
 *  - The client's mechListMIC is verified when present; a required MIC that
 *    is missing, or one that does not verify: SEC_E_MESSAGE_ALTERED.
 *  - When the client's MIC has to answer ours (Kerberos, MIC exchange
 *    mandatory: our AP-REP + MIC went with accept-incomplete), verifying it
 *    ends the exchange with SEC_E_OK and no output token: the client is
 *    already complete (RFC 4178 section 5; MIT behaves the same).
 *  - A bare NTLMSSP token given to Negotiate is accepted and the context
 *    then speaks bare NTLM for its whole life, as Windows does for clients
 *    that call NTLM directly against a Negotiate server; likewise a GSS-framed
 *    Kerberos token (when the Kerberos package is present).
 *  - Failures after the negotiation started return the error with a
 *    NegTokenResp { negState reject } for the peer (RFC 4178 4.2.2).
 */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "crypto/crypto.h"
#include "negotiate_context.h"
#include "wire/cursor.h"

#define LOG_COMPONENT "negotiate-server"

/* The reject token (best effort: the error is what matters). */
static void reject(sspi_step_out *out) {
    crypto_free_wipe(out->token.data, out->token.len);
    out->token.data = NULL;
    out->token.len = 0;
    spnego_neg_token_resp o;
    memset(&o, 0, sizeof o);
    o.has_neg_state = true;
    o.neg_state = SPNEGO_REJECT;
    if (!sr_is_ok(nego_build_resp(&o, &out->token))) {
        out->token.data = NULL;
        out->token.len = 0;
    }
}

static const nego_mech_cred *cred_for(const nego_cred *c, const nego_mech *m) {
    if (!m) return NULL;
    for (size_t i = 0; i < c->count; i++)
        if (c->m[i].mech == m) return &c->m[i];
    return NULL;
}

/* MS-SPNG 3.2.5.2. */
static sr server_init2(nego_context *ctx, sspi_step_out *out) {
    gss_view oids[NEGO_MAX_MECHS * NEGO_MAX_MECH_OIDS];
    size_t n = 0;
    for (size_t i = 0; i < ctx->cred->count; i++) {
        const nego_mech *m = ctx->cred->m[i].mech;
        for (size_t o = 0; o < m->oid_count; o++) oids[n++] = m->oids[o];
    }
    SR_ENSURE(n > 0, SR_NO_CREDENTIALS);
    wire_writer w;
    SR_TRY(wire_writer_init_alloc(&w, 128));
    sr r = spnego_build_init2_server(oids, n, &w);
    if (sr_is_ok(r)) r = wire_writer_take(&w, &out->token.data, &out->token.len);
    wire_writer_free(&w);
    SR_TRY(r);
    ctx->state = NEGO_ST_SERVER_INIT2;
    return SR_FAIL(SR_CONTINUE_NEEDED);
}

/* A bare inner token (NTLMSSP, or a framed Kerberos token). */
static sr server_raw(nego_context *ctx, const sspi_step_in *in, sspi_step_out *out) {
    sr r = nego_inner_step(ctx, in, in->token, in->token_len, &out->token);
    if (sr_is_error(r)) return r;
    if (r.code == SR_OK) ctx->state = NEGO_ST_DONE;
    return r;
}

static sr start_raw(nego_context *ctx, const nego_mech *m, const sspi_step_in *in,
                    sspi_step_out *out) {
    ctx->mc = cred_for(ctx->cred, m);
    SR_ENSURE(ctx->mc != NULL, SR_INVALID_TOKEN);
    SSPI_LOG(SSPI_LOG_DEBUG, LOG_COMPONENT, "bare %s token: no SPNEGO for this context", m->name);
    ctx->state = NEGO_ST_RAW;
    return server_raw(ctx, in, out);
}

/* Run the inner mech on a client token and answer. `first` adds
 * supportedMech; `client_mic` is the client's mechListMIC, if any. */
static sr mech_token(nego_context *ctx, const sspi_step_in *in, gss_view token, bool first,
                     const gss_view *client_mic, sspi_step_out *out) {
    sspi_token mt = {0};
    sr r = nego_inner_step(ctx, in, token.data, token.len, &mt);
    if (sr_is_error(r)) {
        reject(out);
        return r;
    }
    spnego_neg_token_resp o;
    memset(&o, 0, sizeof o);
    o.has_neg_state = true;
    if (first) {
        o.has_supported_mech = true;
        o.supported_mech.data = ctx->supported_oid;
        o.supported_mech.len = ctx->supported_oid_len;
    }
    if (mt.len) {
        o.has_response_token = true;
        o.response_token.data = mt.data;
        o.response_token.len = mt.len;
    }
    uint8_t *mic = NULL;
    size_t mic_len = 0;
    sr result;
    if (r.code == SR_CONTINUE_NEEDED) {
        o.neg_state = first && ctx->mic_required ? SPNEGO_REQUEST_MIC : SPNEGO_ACCEPT_INCOMPLETE;
        ctx->state = NEGO_ST_SERVER_MECH;
        result = SR_FAIL(SR_CONTINUE_NEEDED);
    } else {
        /* Inner mech complete: the MIC exchange (RFC 4178 5). */
        bool can_mic = nego_mic_available(ctx);
        if (client_mic) {
            sr vr = nego_mic_verify(ctx, *client_mic);
            if (sr_is_error(vr)) {
                crypto_free_wipe(mt.data, mt.len);
                reject(out);
                return vr;
            }
        }
        bool need_client_mic = ctx->mic_required && can_mic && !ctx->mic_verified;
        if (need_client_mic && !mt.len) {
            /* The client had everything it needed to send its MIC with
             * this (its last) mech token, yet did not: stripped. */
            SSPI_LOG(SSPI_LOG_INFO, LOG_COMPONENT, "required mechListMIC missing");
            reject(out);
            return SR_FAIL(SR_MESSAGE_ALTERED);
        }
        if (can_mic && (ctx->mic_verified || ctx->mic_required)) {
            sr mr = nego_mic_make(ctx, &mic, &mic_len);
            if (sr_is_error(mr)) {
                crypto_free_wipe(mt.data, mt.len);
                reject(out);
                return mr;
            }
            o.has_mech_list_mic = true;
            o.mech_list_mic.data = mic;
            o.mech_list_mic.len = mic_len;
        }
        if (need_client_mic) {
            /* Our last mech token must reach the client before it can make
             * its MIC: wait for it. */
            o.neg_state = SPNEGO_ACCEPT_INCOMPLETE;
            ctx->state = NEGO_ST_SERVER_MECH;
            result = SR_FAIL(SR_CONTINUE_NEEDED);
        } else {
            o.neg_state = SPNEGO_ACCEPT_COMPLETED;
            ctx->state = NEGO_ST_DONE;
            result = SR_SUCCESS;
        }
    }
    sr br = nego_build_resp(&o, &out->token);
    crypto_free_wipe(mt.data, mt.len);
    crypto_free_wipe(mic, mic_len);
    SR_TRY(br);
    return result;
}

/* The client's NegTokenInit (first call, or after our NegTokenInit2). */
static sr server_init(nego_context *ctx, const sspi_step_in *in, sspi_step_out *out) {
    spnego_neg_token_init init;
    SR_TRY(spnego_parse_init_token(in->token, in->token_len, &init));
    SR_TRY(nego_set_mech_list(ctx, init.mech_type_list_der.data, init.mech_type_list_der.len));
    size_t chosen = init.mech_count;
    for (size_t i = 0; i < init.mech_count; i++) {
        const nego_mech *m = nego_mech_by_oid(init.mech_types[i]);
        const nego_mech_cred *mc = cred_for(ctx->cred, m);
        if (mc) {
            ctx->mc = mc;
            chosen = i;
            break;
        }
    }
    if (chosen == init.mech_count) {
        SSPI_LOG(SSPI_LOG_INFO, LOG_COMPONENT, "no mechanism in common with the client");
        reject(out);
        return SR_FAIL(SR_INVALID_TOKEN);
    }
    gss_view oid = init.mech_types[chosen];
    SR_ENSURE(oid.len <= sizeof ctx->supported_oid, SR_INVALID_TOKEN);
    memcpy(ctx->supported_oid, oid.data, oid.len);
    ctx->supported_oid_len = oid.len;
    /* The optimistic token belongs to the client's first mech. */
    bool optimistic = nego_mech_by_oid(init.mech_types[0]) == ctx->mc->mech;
    ctx->mic_required = !optimistic;
    SSPI_LOG(SSPI_LOG_DEBUG, LOG_COMPONENT, "selected %s (client's choice #%zu)",
             ctx->mc->mech->name, chosen + 1);
    if (optimistic && init.has_mech_token && init.mech_token.len)
        return mech_token(ctx, in, init.mech_token, true, NULL, out);
    /* No usable token yet: name the mech and wait for its first token. */
    spnego_neg_token_resp o;
    memset(&o, 0, sizeof o);
    o.has_neg_state = true;
    o.neg_state = ctx->mic_required ? SPNEGO_REQUEST_MIC : SPNEGO_ACCEPT_INCOMPLETE;
    o.has_supported_mech = true;
    o.supported_mech.data = ctx->supported_oid;
    o.supported_mech.len = ctx->supported_oid_len;
    SR_TRY(nego_build_resp(&o, &out->token));
    ctx->state = NEGO_ST_SERVER_MECH;
    return SR_FAIL(SR_CONTINUE_NEEDED);
}

static sr server_first(nego_context *ctx, const sspi_step_in *in, sspi_step_out *out) {
    if (!in->token || !in->token_len) {
        SR_ENSURE(ctx->state == NEGO_ST_START, SR_INVALID_TOKEN);
        return server_init2(ctx, out);
    }
    switch (spnego_token_kind(in->token, in->token_len)) {
    case SPNEGO_TOKEN_INIT:
        return server_init(ctx, in, out);
    case SPNEGO_TOKEN_NTLMSSP:
        return start_raw(ctx, nego_mech_by_name("NTLM"), in, out);
    case SPNEGO_TOKEN_GSS_OTHER: {
        gss_view oid, inner;
        SR_TRY(gss_parse_initial_token(in->token, in->token_len, &oid, &inner));
        const nego_mech *m = nego_mech_by_oid(oid);
        SR_ENSURE(m != NULL, SR_INVALID_TOKEN);
        return start_raw(ctx, m, in, out);
    }
    default:
        return SR_FAIL(SR_INVALID_TOKEN);
    }
}

/* NegTokenResp from the client while the inner exchange runs. */
static sr server_resp(nego_context *ctx, const sspi_step_in *in, sspi_step_out *out) {
    SR_ENSURE(in->token != NULL && in->token_len > 0, SR_INVALID_TOKEN);
    spnego_neg_token_resp resp;
    sr pr = spnego_parse_neg_token_resp(in->token, in->token_len, &resp);
    if (sr_is_error(pr)) {
        reject(out);
        return pr;
    }
    if (resp.has_neg_state && resp.neg_state == SPNEGO_REJECT) return SR_FAIL(SR_LOGON_DENIED);
    const gss_view *mic = resp.has_mech_list_mic ? &resp.mech_list_mic : NULL;
    if (!ctx->inner_done) {
        if (!resp.has_response_token || !resp.response_token.len) {
            reject(out);
            return SR_FAIL(SR_INVALID_TOKEN);
        }
        return mech_token(ctx, in, resp.response_token, false, mic, out);
    }
    /* Inner done, waiting for the client's mechListMIC only. */
    if (resp.has_response_token || !mic) {
        reject(out);
        return SR_FAIL(resp.has_response_token ? SR_INVALID_TOKEN : SR_MESSAGE_ALTERED);
    }
    sr vr = nego_mic_verify(ctx, *mic);
    if (sr_is_error(vr)) {
        reject(out);
        return vr;
    }
    /* Our MIC went with our last mech token; the client's answers it and
     * the client is complete once it sent it: no final token (MIT's
     * acceptor sends none either, and MIT's initiator reads none). */
    ctx->state = NEGO_ST_DONE;
    return SR_SUCCESS;
}

sr nego_server_step(nego_context *ctx, const sspi_step_in *in, sspi_step_out *out) {
    switch (ctx->state) {
    case NEGO_ST_START:
    case NEGO_ST_SERVER_INIT2:
        return server_first(ctx, in, out);
    case NEGO_ST_SERVER_MECH:
        return server_resp(ctx, in, out);
    case NEGO_ST_RAW:
        return server_raw(ctx, in, out);
    default:
        return SR_FAIL(SR_OUT_OF_SEQUENCE);
    }
}
