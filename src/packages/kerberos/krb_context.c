/*
 * Kerberos context: life cycle, the state table, key set-up and the small
 * pieces of RFC 4121 framing shared by the client and the server.
 */
#include "krb_context.h"

#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "crypto/crypto.h"
#include "packages/negotiate/spnego_wire.h"
#include "wire/cursor.h"

#define LOG_COMPONENT "kerberos"

sr krb_context_new(krb_creds *creds, bool is_server, krb_context **out) {
    *out = NULL;
    SR_ENSURE(creds != NULL, SR_INVALID_HANDLE);
    if (is_server) {
        SR_ENSURE(creds->use & SECPKG_CRED_INBOUND, SR_WRONG_CREDENTIAL_HANDLE);
    } else {
        SR_ENSURE(creds->use & SECPKG_CRED_OUTBOUND, SR_WRONG_CREDENTIAL_HANDLE);
    }
    krb_context *ctx = calloc(1, sizeof *ctx);
    SR_ENSURE(ctx != NULL, SR_NO_MEMORY);
    ctx->creds = krb_creds_ref(creds);
    ctx->is_server = is_server;
    ctx->state = is_server ? KRB_ST_SERVER_START : KRB_ST_CLIENT_START;
    *out = ctx;
    return SR_SUCCESS;
}

void krb_context_free(krb_context *ctx) {
    if (!ctx) return;
    krb_creds *c = ctx->creds;
    /* An imported context (krb_export.c) has no credential, no AP
     * exchange state and no delegated ccache. */
    if (c) {
        pthread_mutex_lock(&c->lock);
        if (ctx->auth) kg_auth_free(c->kg, ctx->auth);
        if (ctx->deleg_ccache) {
            kg_ccache *cc = NULL;
            if (sr_is_ok(kg_ccache_resolve(c->kg, ctx->deleg_ccache, &cc)))
                kg_ccache_destroy(c->kg, cc);
        }
        pthread_mutex_unlock(&c->lock);
    }
    if (ctx->gss_ready) krb_gss_ctx_free(&ctx->gss);
    krb_key_wipe(&ctx->session_key);
    free(ctx->client_name);
    free(ctx->server_name);
    free(ctx->target_name);
    free(ctx->deleg_ccache);
    krb_creds_release(c);
    crypto_wipe(ctx, sizeof *ctx);
    free(ctx);
}

typedef sr (*krb_handler)(krb_context *ctx, const sspi_step_in *in, sspi_step_out *out);

static sr step_end(krb_context *ctx, sr r, sspi_step_out *out);

typedef struct krb_state_entry {
    krb_state state;
    bool needs_input;
    krb_handler handler;
} krb_state_entry;

static const krb_state_entry state_table[] = {
    {KRB_ST_CLIENT_START, false, krb_client_start},
    {KRB_ST_CLIENT_WAIT_AP_REP, true, krb_client_ap_rep},
    {KRB_ST_SERVER_START, true, krb_server_ap_req},
    {KRB_ST_SERVER_WAIT_DCE_AP_REP, true, krb_server_dce_ap_rep},
};

sr krb_context_step(krb_context *ctx, const sspi_step_in *in, sspi_step_out *out) {
    const krb_state_entry *e = NULL;
    for (size_t i = 0; i < sizeof state_table / sizeof state_table[0]; i++)
        if (state_table[i].state == ctx->state) e = &state_table[i];
    if (!e) {
        out->ret_flags = ctx->ret_flags;
        return SR_FAIL(SR_INVALID_HANDLE); /* finished or failed: one-shot */
    }
    if (e->needs_input && (!in->token || in->token_len == 0)) {
        out->ret_flags = ctx->ret_flags;
        return SR_FAIL(SR_INVALID_TOKEN);
    }
    ctx->req_flags = in->req_flags;
    pthread_mutex_lock(&ctx->creds->lock);
    sr r = e->handler(ctx, in, out);
    pthread_mutex_unlock(&ctx->creds->lock);
    return step_end(ctx, r, out);
}

sr krb_context_step_async(krb_context *ctx, krb_pending *p, bool owns_ctx, bool *ctx_taken,
                          const sspi_step_in *in, sspi_step_out *out) {
    *ctx_taken = false;
    if (ctx->state != KRB_ST_CLIENT_START) {
        krb_pending_free(p); /* nothing of ours: only the first step suspends */
        return krb_context_step(ctx, in, out);
    }
    ctx->req_flags = in->req_flags;
    sr r = krb_client_start_async(ctx, owns_ctx, p, in, out, ctx_taken);
    if (r.code == SR_ASYNC_CALL_PENDING || *ctx_taken) return r;
    return step_end(ctx, r, out);
}

/* The end of a step: failure state, flags and expiry for the caller. */
static sr step_end(krb_context *ctx, sr r, sspi_step_out *out) {
    if (sr_is_error(r)) {
        SSPI_LOG(SSPI_LOG_INFO, LOG_COMPONENT, "%s step failed: %s", ctx->is_server ? "ASC" : "ISC",
                 sr_code_name(r.code));
        ctx->state = KRB_ST_FAILED;
    }
    out->ret_flags = ctx->ret_flags;
    if (ctx->times.endtime) krb_timestamp_from_unix(&out->expiry, ctx->times.endtime);
    return r;
}

sr krb_context_finish(krb_context *ctx) {
    kg_auth_keys k;
    sr r = kg_auth_get_keys(ctx->creds->kg, ctx->auth, ctx->is_server, &k);
    /* Keys the peer sent that we cannot use (an unknown enctype, a key of
     * the wrong size): a bad token, not a caller error. */
    if (r.code == SR_INVALID_PARAMETER) r = SR_FAIL(SR_INVALID_TOKEN);
    SR_TRY(r);
    const krb_key *key = k.has_initiator_subkey ? &k.initiator_subkey : &k.session;
    const krb_key *acc = k.has_acceptor_subkey ? &k.acceptor_subkey : NULL;
    r = krb_gss_ctx_init(&ctx->gss, !ctx->is_server, key, acc);
    if (r.code == SR_INVALID_PARAMETER) r = SR_FAIL(SR_INVALID_TOKEN);
    if (sr_is_ok(r)) {
        ctx->gss.dce_style = ctx->dce;
        ctx->gss_ready = true;
        ctx->session_key = acc ? *acc : *key;
        ctx->send_seq = k.local_seq;
        bool cfx = ctx->gss.cfx;
        krb_seq_init(&ctx->recv_window, k.remote_seq,
                     (ctx->gss_flags & KRB_GSS_C_REPLAY_FLAG) != 0,
                     (ctx->gss_flags & KRB_GSS_C_SEQUENCE_FLAG) != 0, cfx);
        ctx->state = KRB_ST_DONE;
    }
    kg_auth_keys_wipe(&k);
    return r;
}

sr krb_bindings_md5(const SEC_CHANNEL_BINDINGS *b, size_t b_len, uint8_t out[16]) {
    if (!b) {
        memset(out, 0, 16);
        return SR_SUCCESS;
    }
    SR_ENSURE(b_len >= sizeof *b, SR_INVALID_PARAMETER);
    const uint8_t *base = (const uint8_t *)b;
    struct {
        uint32_t type, len, off;
    } parts[3] = {
        {b->dwInitiatorAddrType, b->cbInitiatorLength, b->dwInitiatorOffset},
        {b->dwAcceptorAddrType, b->cbAcceptorLength, b->dwAcceptorOffset},
        {0, b->cbApplicationDataLength, b->dwApplicationDataOffset},
    };
    wire_writer w;
    SR_TRY(wire_writer_init_alloc(&w, 64));
    for (int i = 0; i < 3; i++) {
        const uint8_t *p = NULL;
        if (parts[i].len) {
            if ((size_t)parts[i].off > b_len || (size_t)parts[i].len > b_len - parts[i].off) {
                wire_writer_free(&w);
                return SR_FAIL(SR_INVALID_PARAMETER);
            }
            p = base + parts[i].off;
        }
        if (i < 2) (void)wire_write_u32le(&w, parts[i].type).code;
        (void)wire_write_u32le(&w, parts[i].len).code;
        if (parts[i].len) (void)wire_write_bytes(&w, p, parts[i].len).code;
    }
    sr r = wire_writer_status(&w);
    uint8_t *buf = NULL;
    size_t n = 0;
    if (sr_is_ok(r)) r = wire_writer_take(&w, &buf, &n);
    if (sr_is_ok(r)) r = crypto_md5(buf, n, out);
    free(buf);
    wire_writer_free(&w);
    return r;
}

sr krb_frame_token(uint16_t tok_id, const uint8_t *body, size_t len, sspi_token *out) {
    memset(out, 0, sizeof *out);
    uint8_t *inner = malloc(len + 2);
    SR_ENSURE(inner != NULL, SR_NO_MEMORY);
    inner[0] = (uint8_t)(tok_id >> 8);
    inner[1] = (uint8_t)tok_id;
    if (len) memcpy(inner + 2, body, len);
    wire_writer w;
    sr r = wire_writer_init_alloc(&w, len + 32);
    if (sr_is_ok(r)) {
        gss_view oid = {spnego_oid_krb5, SPNEGO_OID_KRB5_LEN};
        gss_view iv = {inner, len + 2};
        r = gss_build_initial_token(oid, iv, &w);
        if (sr_is_ok(r)) r = wire_writer_take(&w, &out->data, &out->len);
        wire_writer_free(&w);
    }
    crypto_free_wipe(inner, len + 2);
    return r;
}

sr krb_unframe_token(const uint8_t *data, size_t len, uint16_t *tok_id, const uint8_t **body,
                     size_t *body_len) {
    gss_view oid, inner;
    SR_TRY(gss_parse_initial_token(data, len, &oid, &inner));
    SR_ENSURE(gss_oid_equal(oid, spnego_oid_krb5, SPNEGO_OID_KRB5_LEN) ||
                  gss_oid_equal(oid, spnego_oid_ms_krb5, SPNEGO_OID_MS_KRB5_LEN),
              SR_INVALID_TOKEN);
    wire_reader rd;
    wire_reader_init(&rd, inner.data, inner.len);
    SR_TRY(wire_read_u16be(&rd, tok_id));
    *body = wire_peek_ptr(&rd);
    *body_len = wire_remaining(&rd);
    return SR_SUCCESS;
}

sr krb_gss_cksum_parse(const uint8_t *data, size_t len, krb_gss_cksum *out) {
    memset(out, 0, sizeof *out);
    wire_reader r;
    wire_reader_init(&r, data, len);
    uint32_t lgth = 0;
    SR_TRY(wire_read_u32le(&r, &lgth));
    SR_ENSURE(lgth == 16, SR_INVALID_TOKEN);
    SR_TRY(wire_read_bytes(&r, 16, &out->bnd));
    SR_TRY(wire_read_u32le(&r, &out->flags));
    if ((out->flags & KRB_GSS_C_DELEG_FLAG) && wire_remaining(&r) > 0) {
        uint16_t opt = 0, dlen = 0;
        SR_TRY(wire_read_u16le(&r, &opt));
        SR_ENSURE(opt == 1, SR_INVALID_TOKEN);
        SR_TRY(wire_read_u16le(&r, &dlen));
        SR_TRY(wire_read_bytes(&r, dlen, &out->deleg));
        out->deleg_len = dlen;
        out->has_deleg = true;
    }
    out->exts_len = wire_remaining(&r);
    return SR_SUCCESS;
}

ULONG krb_ret_flags(const krb_context *ctx) {
    uint32_t g = ctx->gss_flags;
    ULONG f = 0;
    if (ctx->is_server) {
        if (g & KRB_GSS_C_DELEG_FLAG) f |= ASC_RET_DELEGATE;
        if (g & KRB_GSS_C_MUTUAL_FLAG) f |= ASC_RET_MUTUAL_AUTH;
        if (g & KRB_GSS_C_REPLAY_FLAG) f |= ASC_RET_REPLAY_DETECT;
        if (g & KRB_GSS_C_SEQUENCE_FLAG) f |= ASC_RET_SEQUENCE_DETECT;
        if (g & KRB_GSS_C_CONF_FLAG) f |= ASC_RET_CONFIDENTIALITY;
        if (g & KRB_GSS_C_INTEG_FLAG) f |= ASC_RET_INTEGRITY;
        if (g & KRB_GSS_C_DCE_STYLE) f |= ASC_RET_USED_DCE_STYLE;
        if (g & KRB_GSS_C_IDENTIFY_FLAG) f |= ASC_RET_IDENTIFY;
        if (g & KRB_GSS_C_EXTENDED_ERROR_FLAG) f |= ASC_RET_EXTENDED_ERROR;
        if (ctx->req_flags & ASC_REQ_CONNECTION) f |= ASC_RET_CONNECTION;
    } else {
        if (g & KRB_GSS_C_DELEG_FLAG) f |= ISC_RET_DELEGATE;
        if (g & KRB_GSS_C_MUTUAL_FLAG) f |= ISC_RET_MUTUAL_AUTH;
        if (g & KRB_GSS_C_REPLAY_FLAG) f |= ISC_RET_REPLAY_DETECT;
        if (g & KRB_GSS_C_SEQUENCE_FLAG) f |= ISC_RET_SEQUENCE_DETECT;
        if (g & KRB_GSS_C_CONF_FLAG) f |= ISC_RET_CONFIDENTIALITY;
        if (g & KRB_GSS_C_INTEG_FLAG) f |= ISC_RET_INTEGRITY;
        if (g & KRB_GSS_C_DCE_STYLE) f |= ISC_RET_USED_DCE_STYLE;
        if (g & KRB_GSS_C_IDENTIFY_FLAG) f |= ISC_RET_IDENTIFY;
        if (g & KRB_GSS_C_EXTENDED_ERROR_FLAG) f |= ISC_RET_EXTENDED_ERROR;
        if (ctx->req_flags & ISC_REQ_CONNECTION) f |= ISC_RET_CONNECTION;
    }
    return f;
}
