/*
 * Kerberos initiator (InitializeSecurityContext): target name -> service
 * ticket (cache or TGS exchange through our transport) -> AP-REQ with the
 * RFC 4121 4.1.1 authenticator checksum -> (mutual) AP-REP check.
 */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "crypto/crypto.h"
#include "krb_context.h"
#include "krb_transport.h"
#include "wire/cursor.h"

#define LOG_COMPONENT "kerberos"

/* GSS flags asked for by ISC_REQ_* (RFC 4121 4.1.1.1; MS-KILE 3.2.5.2). */
static uint32_t gss_flags_from_req(ULONG req) {
    uint32_t g = 0;
    if (req & ISC_REQ_DELEGATE) g |= KRB_GSS_C_DELEG_FLAG;
    if (req & ISC_REQ_MUTUAL_AUTH) g |= KRB_GSS_C_MUTUAL_FLAG;
    if (req & ISC_REQ_REPLAY_DETECT) g |= KRB_GSS_C_REPLAY_FLAG;
    if (req & ISC_REQ_SEQUENCE_DETECT) g |= KRB_GSS_C_SEQUENCE_FLAG;
    if (req & ISC_REQ_CONFIDENTIALITY) g |= KRB_GSS_C_CONF_FLAG;
    if (req & ISC_REQ_INTEGRITY) g |= KRB_GSS_C_INTEG_FLAG;
    if (req & ISC_REQ_USE_DCE_STYLE) g |= KRB_GSS_C_DCE_STYLE | KRB_GSS_C_MUTUAL_FLAG;
    if (req & ISC_REQ_IDENTIFY) g |= KRB_GSS_C_IDENTIFY_FLAG;
    if (req & ISC_REQ_EXTENDED_ERROR) g |= KRB_GSS_C_EXTENDED_ERROR_FLAG;
    return g;
}

typedef struct cksum_arg {
    krb_context *ctx;
    uint8_t md5[16];
} cksum_arg;

/* RFC 4121 4.1.1: Lgth(4 LE)=16 | Bnd(16) | Flags(4 LE) [| DlgOpt(2 LE)=1 |
 * Dlgth(2 LE) | Deleg]. */
static sr build_cksum(void *arg, const uint8_t *krb_cred, size_t krb_cred_len, kg_buf *out) {
    cksum_arg *a = arg;
    krb_context *ctx = a->ctx;
    if (!krb_cred) ctx->gss_flags &= ~KRB_GSS_C_DELEG_FLAG;
    SR_ENSURE(krb_cred_len <= 0xffff, SR_INTERNAL);
    wire_writer w;
    SR_TRY(wire_writer_init_alloc(&w, 28 + krb_cred_len));
    (void)wire_write_u32le(&w, 16).code;
    (void)wire_write_bytes(&w, a->md5, 16).code;
    (void)wire_write_u32le(&w, ctx->gss_flags).code;
    if (krb_cred) {
        (void)wire_write_u16le(&w, 1).code;
        (void)wire_write_u16le(&w, (uint16_t)krb_cred_len).code;
        (void)wire_write_bytes(&w, krb_cred, krb_cred_len).code;
    }
    sr r = wire_writer_status(&w);
    if (sr_is_ok(r)) r = wire_writer_take(&w, &out->data, &out->len);
    wire_writer_free(&w);
    return r;
}

/* The service ticket: from the cache or through a TGS exchange. */
static sr service_ticket(krb_context *ctx, kg_principal *server, kg_ticket **out) {
    krb_creds *c = ctx->creds;
    kg_exchange *x = NULL;
    SR_TRY(kg_tgs_new(c->kg, c->ccache, c->client, server, c->private_cc, &x));
    sr r = krb_transport_run(c->kg, x);
    if (sr_is_ok(r)) r = kg_tgs_ticket(x, out);
    kg_exchange_free(x);
    return r;
}

sr krb_client_start(krb_context *ctx, const sspi_step_in *in, sspi_step_out *out) {
    krb_creds *c = ctx->creds;
    SR_ENSURE(c->outbound, SR_NO_CREDENTIALS);
    SR_ENSURE(in->target_name && in->target_name[0], SR_TARGET_UNKNOWN);
    ctx->target_name = strdup(in->target_name);
    SR_ENSURE(ctx->target_name != NULL, SR_NO_MEMORY);
    ctx->dce = (in->req_flags & ISC_REQ_USE_DCE_STYLE) != 0;
    ctx->gss_flags = gss_flags_from_req(in->req_flags);
    ctx->mutual = (ctx->gss_flags & KRB_GSS_C_MUTUAL_FLAG) != 0;

    kg_principal *server = NULL;
    SR_TRY(kg_principal_target(c->kg, in->target_name, &server));
    sr r = krb_creds_ensure_tgt(c);
    kg_ticket *tkt = NULL;
    if (sr_is_ok(r)) r = service_ticket(ctx, server, &tkt);
    kg_principal_free(c->kg, server);
    if (!sr_is_ok(r)) {
        SSPI_LOG(SSPI_LOG_INFO, LOG_COMPONENT, "no ticket for %s: %s (%s)", in->target_name,
                 sr_code_name(r.code), kg_last_message(c->kg));
        return r;
    }
    kg_ticket_times(tkt, &ctx->times);
    ctx->ticket_flags = kg_ticket_flags(tkt);
    ctx->ticket_enctype = kg_ticket_enctype(tkt);
    r = kg_ticket_server(c->kg, tkt, &ctx->server_name);
    if (sr_is_ok(r)) {
        ctx->client_name = strdup(c->client_name ? c->client_name : "");
        if (!ctx->client_name) r = SR_FAIL(SR_NO_MEMORY);
    }

    /* Delegation (ISC_REQ_DELEGATE) only to services trusted for it
     * (ok-as-delegate), as Windows does, unless the credential says
     * always (SECPKG_CRED_ATTR_LIBSSPI_KRB5_DELEGATION). */
    bool delegate = false;
    if (ctx->gss_flags & KRB_GSS_C_DELEG_FLAG) {
        delegate = c->deleg_always || (ctx->ticket_flags & KG_TKT_FLG_OK_AS_DELEGATE);
        if (!delegate) ctx->gss_flags &= ~KRB_GSS_C_DELEG_FLAG;
    }

    cksum_arg ca;
    ca.ctx = ctx;
    if (sr_is_ok(r)) r = krb_bindings_md5(in->bindings, in->bindings_len, ca.md5);
    kg_buf ap_req = {0};
    if (sr_is_ok(r)) {
        kg_ap_req_params p;
        memset(&p, 0, sizeof p);
        p.mutual = ctx->mutual;
        p.dce = ctx->dce;
        p.cksum_type = KRB_CKSUMTYPE_GSSAPI;
        p.build = build_cksum;
        p.build_arg = &ca;
        p.delegate = delegate;
        p.cc = c->ccache;
        r = kg_ap_req_make(c->kg, tkt, &p, &ctx->auth, &ap_req);
    }
    kg_ticket_free(c->kg, tkt);
    if (!sr_is_ok(r)) {
        kg_buf_free(&ap_req);
        return r;
    }
    if (ctx->dce) {
        out->token.data = ap_req.data;
        out->token.len = ap_req.len;
        ap_req.data = NULL;
        ap_req.len = 0;
    } else {
        r = krb_frame_token(KRB_TOK_AP_REQ, ap_req.data, ap_req.len, &out->token);
        kg_buf_free(&ap_req);
        SR_TRY(r);
    }
    ctx->ret_flags = krb_ret_flags(ctx);
    if (ctx->mutual) {
        ctx->state = KRB_ST_CLIENT_WAIT_AP_REP;
        return SR_FAIL(SR_CONTINUE_NEEDED);
    }
    return krb_context_finish(ctx);
}

/* A KRB-ERROR from the acceptor, as Windows reports it. */
static sr map_acceptor_error(int32_t code) {
    if (code == kg_code_ap_err_skew()) return SR_FAIL(SR_TIME_SKEW);
    if (code == kg_code_ap_err_modified()) return SR_FAIL(SR_WRONG_PRINCIPAL);
    sr_code m = kg_map_error(code);
    /* The acceptor has no key for the ticket: we asked for the wrong
     * principal (what Windows reports for KRB_AP_ERR_MODIFIED and kin). */
    if (m == SR_LOGON_DENIED && kg_code_is_key_mismatch(code)) m = SR_WRONG_PRINCIPAL;
    if (m == SR_INTERNAL || m == SR_OK) m = SR_LOGON_DENIED;
    return SR_FAIL(m);
}

sr krb_client_ap_rep(krb_context *ctx, const sspi_step_in *in, sspi_step_out *out) {
    krb_creds *c = ctx->creds;
    const uint8_t *body;
    size_t body_len;
    uint16_t tok_id;
    if (ctx->dce) {
        /* Bare AP-REP ([APPLICATION 15]) or KRB-ERROR ([APPLICATION 30]). */
        body = in->token;
        body_len = in->token_len;
        tok_id = in->token[0] == 0x7e ? KRB_TOK_ERROR : KRB_TOK_AP_REP;
    } else {
        SR_TRY(krb_unframe_token(in->token, in->token_len, &tok_id, &body, &body_len));
    }
    if (tok_id == KRB_TOK_ERROR) {
        int32_t code = 0;
        SR_TRY(kg_krb_error_read(c->kg, body, body_len, &code));
        SSPI_LOG(SSPI_LOG_INFO, LOG_COMPONENT, "acceptor answered KRB-ERROR %ld", (long)code);
        return map_acceptor_error(code);
    }
    SR_ENSURE(tok_id == KRB_TOK_AP_REP, SR_INVALID_TOKEN);
    SR_TRY(kg_ap_rep_read(c->kg, ctx->auth, body, body_len));
    if (ctx->dce) {
        /* Third leg: our AP-REP back (ISC returns SEC_E_OK with it). */
        kg_buf rep = {0};
        SR_TRY(kg_ap_rep_make_dce(c->kg, ctx->auth, &rep));
        out->token.data = rep.data;
        out->token.len = rep.len;
    }
    ctx->ret_flags = krb_ret_flags(ctx);
    return krb_context_finish(ctx);
}
