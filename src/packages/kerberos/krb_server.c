/*
 * Kerberos acceptor (AcceptSecurityContext): AP-REQ checked with the keytab
 * (MIT krb5_rd_req: ticket, authenticator, clock skew, replay cache), the
 * RFC 4121 4.1.1 checksum (channel bindings, flags, delegated credentials),
 * then an AP-REP when the client asked for mutual authentication (with an
 * acceptor subkey for the RFC 4121 enctypes, as MIT and Windows do).
 */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "crypto/crypto.h"
#include "krb_context.h"

#define LOG_COMPONENT "kerberos"

/* A KRB-ERROR token for the client (best effort). */
static void error_token(krb_context *ctx, int32_t code, sspi_step_out *out) {
    if (code == 0) return;
    kg_buf e = {0};
    krb_creds *c = ctx->creds;
    if (!sr_is_ok(kg_krb_error_make(c->kg, code, c->acceptor_name, &e))) return;
    if (ctx->dce) {
        out->token.data = e.data;
        out->token.len = e.len;
        return;
    }
    if (!sr_is_ok(krb_frame_token(KRB_TOK_ERROR, e.data, e.len, &out->token))) {
        out->token.data = NULL;
        out->token.len = 0;
    }
    kg_buf_free(&e);
}

/* RFC 4121 4.1.1: check the GSS checksum; take the flags and the delegated
 * credentials. */
static sr check_cksum(krb_context *ctx, const sspi_step_in *in, const kg_ap_req_info *info) {
    SR_ENSURE(info->cksum_type == KRB_CKSUMTYPE_GSSAPI, SR_INVALID_TOKEN);
    krb_gss_cksum ck;
    SR_TRY(krb_gss_cksum_parse(info->cksum.data, info->cksum.len, &ck));
    static const uint8_t zeros[16] = {0};
    if (in->bindings) {
        uint8_t md5[16];
        SR_TRY(krb_bindings_md5(in->bindings, in->bindings_len, md5));
        /* A client that sent no bindings is accepted (Windows' default
         * "when supported" policy); different ones are refused. */
        if (!crypto_memeq(ck.bnd, zeros, 16) && !crypto_memeq(ck.bnd, md5, 16))
            return SR_FAIL(SR_BAD_BINDINGS);
    }
    ctx->gss_flags = ck.flags & (KRB_GSS_C_DELEG_FLAG | KRB_GSS_C_MUTUAL_FLAG |
                                 KRB_GSS_C_REPLAY_FLAG | KRB_GSS_C_SEQUENCE_FLAG |
                                 KRB_GSS_C_CONF_FLAG | KRB_GSS_C_INTEG_FLAG |
                                 KRB_GSS_C_DCE_STYLE | KRB_GSS_C_IDENTIFY_FLAG |
                                 KRB_GSS_C_EXTENDED_ERROR_FLAG);
    bool deleg = false;
    if (ck.has_deleg) {
        sr d = kg_auth_read_cred(ctx->creds->kg, ctx->auth, ck.deleg, ck.deleg_len,
                                 &ctx->deleg_ccache);
        if (d.code == SR_NO_MEMORY) return d;
        deleg = sr_is_ok(d);
        if (!deleg)
            SSPI_LOG(SSPI_LOG_INFO, LOG_COMPONENT, "delegated credentials unusable: %s",
                     kg_last_message(ctx->creds->kg));
    }
    if (!deleg) ctx->gss_flags &= ~KRB_GSS_C_DELEG_FLAG;
    /* Extensions (RFC 4121 4.1.1.x, e.g. IAKERB's) after Deleg are ignored. */
    return SR_SUCCESS;
}

sr krb_server_ap_req(krb_context *ctx, const sspi_step_in *in, sspi_step_out *out) {
    krb_creds *c = ctx->creds;
    const uint8_t *ap_req;
    size_t ap_req_len;
    bool bare = false;
    if (in->token_len > 0 && in->token[0] == 0x60) {
        uint16_t tok_id;
        SR_TRY(krb_unframe_token(in->token, in->token_len, &tok_id, &ap_req, &ap_req_len));
        SR_ENSURE(tok_id == KRB_TOK_AP_REQ, SR_INVALID_TOKEN);
    } else {
        /* A bare AP-REQ ([APPLICATION 14]): DCE style (checked below
         * against the checksum's flags, as MIT does). */
        SR_ENSURE(in->token[0] == 0x6e, SR_INVALID_TOKEN);
        ap_req = in->token;
        ap_req_len = in->token_len;
        bare = true;
        ctx->dce = true;
    }
    kg_keytab *kt = NULL;
    SR_TRY(krb_creds_keytab(c, &kt));
    kg_ap_req_info info;
    int32_t krb_err = 0;
    sr r = kg_ap_req_read(c->kg, kt, c->acceptor, ap_req, ap_req_len, &ctx->auth, &info, &krb_err);
    if (!sr_is_ok(r)) {
        SSPI_LOG(SSPI_LOG_INFO, LOG_COMPONENT, "AP-REQ refused: %s (%s)", sr_code_name(r.code),
                 kg_last_message(c->kg));
        /* No keytab / no key at all: our configuration, not the client's. */
        if (r.code == SR_NO_CREDENTIALS) return r;
        error_token(ctx, krb_err, out);
        return r;
    }
    ctx->client_name = info.client;
    ctx->server_name = info.server;
    info.client = info.server = NULL;
    ctx->times = info.times;
    ctx->ticket_flags = info.ticket_flags;
    r = check_cksum(ctx, in, &info);
    bool mutual = info.mutual || (ctx->gss_flags & KRB_GSS_C_MUTUAL_FLAG);
    kg_ap_req_info_clear(&info);
    SR_TRY(r);
    /* Only DCE-style clients send bare AP-REQs, and they always do. */
    SR_ENSURE(bare == ((ctx->gss_flags & KRB_GSS_C_DCE_STYLE) != 0), SR_INVALID_TOKEN);
    if (ctx->dce) {
        mutual = true;
        /* MIT and Windows do not delegate in DCE style. */
        ctx->gss_flags &= ~KRB_GSS_C_DELEG_FLAG;
    }
    ctx->mutual = mutual;
    if (mutual) ctx->gss_flags |= KRB_GSS_C_MUTUAL_FLAG;
    if (ctx->mutual) {
        kg_auth_keys k;
        SR_TRY(kg_auth_get_keys(c->kg, ctx->auth, true, &k));
        const krb_key *key = k.has_initiator_subkey ? &k.initiator_subkey : &k.session;
        /* RFC 4121 enctypes: pick an acceptor subkey (not for rc4-hmac, whose
         * RFC 4757 tokens have no AcceptorSubkey flag). */
        bool cfx = key->enctype != KRB_ENCTYPE_RC4_HMAC || ctx->dce;
        kg_auth_keys_wipe(&k);
        kg_buf rep = {0};
        SR_TRY(kg_ap_rep_make(c->kg, ctx->auth, cfx, &rep));
        if (ctx->dce) {
            out->token.data = rep.data;
            out->token.len = rep.len;
            ctx->ret_flags = krb_ret_flags(ctx);
            ctx->state = KRB_ST_SERVER_WAIT_DCE_AP_REP;
            return SR_FAIL(SR_CONTINUE_NEEDED);
        }
        r = krb_frame_token(KRB_TOK_AP_REP, rep.data, rep.len, &out->token);
        kg_buf_free(&rep);
        SR_TRY(r);
    }
    ctx->ret_flags = krb_ret_flags(ctx);
    return krb_context_finish(ctx);
}

sr krb_server_dce_ap_rep(krb_context *ctx, const sspi_step_in *in, sspi_step_out *out) {
    (void)out;
    SR_ENSURE(in->token[0] == 0x6f, SR_INVALID_TOKEN);
    SR_TRY(kg_ap_rep_read_dce(ctx->creds->kg, ctx->auth, in->token, in->token_len));
    ctx->ret_flags = krb_ret_flags(ctx);
    return krb_context_finish(ctx);
}
