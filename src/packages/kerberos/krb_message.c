/*
 * Kerberos per-message protection with Windows' buffer layouts, on top of
 * the RFC 4121 / RFC 4757 tokens of krb_gss_token.c.
 *
 * SECBUFFER_DATA buffers, as Windows' Kerberos (and DCE/RPC over it) uses
 * them -- MIT's gss_wrap_iov buffer types in brackets:
 *   plain DATA                        encrypted in place and signed [DATA]
 *   DATA | READONLY_WITH_CHECKSUM     signed, never changed [SIGN_ONLY]
 *                                     (the RPC PDU header and trailer with
 *                                     header signing)
 *   DATA | READONLY                   left alone: neither signed nor
 *                                     encrypted ("EncryptMessage
 *                                     (Kerberos)": the function does not
 *                                     process buffers with SECBUFFER_READONLY)
 * (both flags: signed).
 *   MakeSignature / VerifySignature: the MIC of the signed buffers in order
 *     (concatenated) in the SECBUFFER_TOKEN buffer.
 *   EncryptMessage: SECBUFFER_TOKEN (header + rotated trailer, RRC as
 *     Windows: MS-KILE 3.4.5.4) + any number of DATA buffers [+
 *     SECBUFFER_PADDING: always 0 bytes for AES; rc4-hmac puts its 1-byte
 *     RFC 4757 padding there, except in DCE style: none]; fQOP
 *     SECQOP_WRAP_NO_ENCRYPT signs only.
 *   DecryptMessage: the same layout (any RRC when there is one writable DATA
 *     buffer and nothing sign-only; the fixed Windows/MIT RRC otherwise), or
 *     one SECBUFFER_STREAM (any RRC, e.g. MIT's 0) + an empty SECBUFFER_DATA
 *     that receives a pointer to the plaintext inside the stream buffer.
 * Sequence numbers: ours count up from the AP exchange's; the peer's go
 * through the replay/sequence window when ISC/ASC negotiated it. MessageSeqNo
 * is ignored (as Windows' Kerberos does for connection contexts).
 */
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "krb_context.h"
#include "packages/negotiate/mech.h"
#include "wire/cursor.h"

#define BUF_TYPE(b) ((b)->BufferType & ~(ULONG)SECBUFFER_ATTRMASK)

static SecBuffer *find_buffer(SecBufferDesc *m, ULONG type) {
    for (ULONG i = 0; i < m->cBuffers; i++)
        if (BUF_TYPE(&m->pBuffers[i]) == type) return &m->pBuffers[i];
    return NULL;
}

static sr check_desc(krb_context *ctx, SecBufferDesc *m) {
    SR_ENSURE(ctx->gss_ready && ctx->state == KRB_ST_DONE, SR_NO_CONTEXT);
    SR_ENSURE(m && m->pBuffers && m->cBuffers > 0, SR_INVALID_PARAMETER);
    for (ULONG i = 0; i < m->cBuffers; i++) {
        SecBuffer *b = &m->pBuffers[i];
        SR_ENSURE(b->cbBuffer == 0 || b->pvBuffer, SR_INVALID_PARAMETER);
    }
    return SR_SUCCESS;
}

/* How a buffer takes part in the protection (see the top of the file). */
typedef enum buf_role { ROLE_NONE, ROLE_SIGN_ONLY, ROLE_DATA } buf_role;

static buf_role role_of(const SecBuffer *b) {
    if (BUF_TYPE(b) != SECBUFFER_DATA) return ROLE_NONE;
    if (b->BufferType & SECBUFFER_READONLY_WITH_CHECKSUM) return ROLE_SIGN_ONLY;
    if (b->BufferType & SECBUFFER_READONLY) return ROLE_NONE;
    return ROLE_DATA;
}

/* The signed DATA buffers, concatenated (heap). */
static sr gather_data(SecBufferDesc *m, uint8_t **out, size_t *out_len) {
    size_t total = 0;
    for (ULONG i = 0; i < m->cBuffers; i++)
        if (role_of(&m->pBuffers[i]) != ROLE_NONE) total += m->pBuffers[i].cbBuffer;
    uint8_t *p = malloc(total ? total : 1);
    SR_ENSURE(p != NULL, SR_NO_MEMORY);
    size_t o = 0;
    for (ULONG i = 0; i < m->cBuffers; i++) {
        SecBuffer *b = &m->pBuffers[i];
        if (role_of(b) == ROLE_NONE || b->cbBuffer == 0) continue;
        memcpy(p + o, b->pvBuffer, b->cbBuffer);
        o += b->cbBuffer;
    }
    *out = p;
    *out_len = total;
    return SR_SUCCESS;
}

static sr seq_verdict(krb_context *ctx, uint64_t seq) {
    krb_seq_status st = krb_seq_check(&ctx->recv_window, seq);
    return krb_seq_verdict(&ctx->recv_window, st);
}

sr krb_make_signature(krb_context *ctx, ULONG qop, SecBufferDesc *m, ULONG seq_no) {
    (void)seq_no;
    SR_TRY(check_desc(ctx, m));
    SR_ENSURE(qop == 0, SR_QOP_NOT_SUPPORTED);
    SecBuffer *tok = find_buffer(m, SECBUFFER_TOKEN);
    SR_ENSURE(tok != NULL, SR_INVALID_TOKEN);
    size_t mic_len = krb_gss_mic_len(&ctx->gss);
    SR_ENSURE(tok->cbBuffer >= mic_len, SR_BUFFER_TOO_SMALL);
    uint8_t *data;
    size_t len;
    SR_TRY(gather_data(m, &data, &len));
    wire_writer w;
    wire_writer_init_fixed(&w, tok->pvBuffer, tok->cbBuffer);
    sr r = krb_gss_get_mic(&ctx->gss, ctx->send_seq, data, len, &w);
    crypto_free_wipe(data, len);
    SR_TRY(r);
    tok->cbBuffer = (ULONG)wire_writer_len(&w);
    ctx->send_seq++;
    return SR_SUCCESS;
}

sr krb_verify_signature(krb_context *ctx, SecBufferDesc *m, ULONG seq_no, ULONG *qop) {
    (void)seq_no;
    SR_TRY(check_desc(ctx, m));
    SecBuffer *tok = find_buffer(m, SECBUFFER_TOKEN);
    SR_ENSURE(tok != NULL && tok->cbBuffer > 0, SR_INVALID_TOKEN);
    uint8_t *data;
    size_t len;
    SR_TRY(gather_data(m, &data, &len));
    uint64_t seq = 0;
    sr r = krb_gss_verify_mic(&ctx->gss, data, len, tok->pvBuffer, tok->cbBuffer, &seq);
    crypto_free_wipe(data, len);
    SR_TRY(r);
    if (qop) *qop = 0;
    return seq_verdict(ctx, seq);
}

/* The buffer list of EncryptMessage / DecryptMessage. */
typedef struct msg_iov {
    krb_gss_iov *iov;
    size_t n;
    size_t ndata;      /* writable DATA buffers */
    size_t nsign;      /* sign-only ones */
    SecBuffer *first;  /* the first writable DATA buffer */
} msg_iov;

static sr msg_iov_open(SecBufferDesc *m, msg_iov *v) {
    memset(v, 0, sizeof *v);
    v->iov = calloc(m->cBuffers ? m->cBuffers : 1, sizeof *v->iov);
    SR_ENSURE(v->iov != NULL, SR_NO_MEMORY);
    for (ULONG i = 0; i < m->cBuffers; i++) {
        SecBuffer *b = &m->pBuffers[i];
        buf_role role = role_of(b);
        if (role == ROLE_NONE) continue;
        v->iov[v->n++] = (krb_gss_iov){b->pvBuffer, b->cbBuffer, role == ROLE_SIGN_ONLY};
        if (role == ROLE_SIGN_ONLY) {
            v->nsign++;
        } else {
            if (!v->first) v->first = b;
            v->ndata++;
        }
    }
    return SR_SUCCESS;
}

static void msg_iov_close(msg_iov *v) {
    free(v->iov);
    v->iov = NULL;
}

sr krb_encrypt_message(krb_context *ctx, ULONG qop, SecBufferDesc *m, ULONG seq_no) {
    (void)seq_no;
    SR_TRY(check_desc(ctx, m));
    SR_ENSURE(qop == 0 || qop == SECQOP_WRAP_NO_ENCRYPT, SR_QOP_NOT_SUPPORTED);
    bool conf = qop == 0;
    SecBuffer *tok = find_buffer(m, SECBUFFER_TOKEN);
    SR_ENSURE(tok != NULL, SR_INVALID_TOKEN);
    SecBuffer *pad = find_buffer(m, SECBUFFER_PADDING);
    size_t need_pad = krb_gss_iov_pad_len(&ctx->gss);
    SR_ENSURE(need_pad == 0 || (pad != NULL && pad->cbBuffer >= need_pad), SR_BUFFER_TOO_SMALL);
    msg_iov v;
    SR_TRY(msg_iov_open(m, &v));
    sr r = v.ndata + v.nsign > 0 ? SR_SUCCESS : SR_FAIL(SR_INVALID_TOKEN);
    size_t tl = 0, pl = 0;
    if (sr_is_ok(r))
        r = krb_gss_wrap_iov(&ctx->gss, conf, ctx->send_seq, v.iov, v.n, tok->pvBuffer,
                             tok->cbBuffer, &tl, pad ? pad->pvBuffer : NULL,
                             pad ? pad->cbBuffer : 0, &pl);
    msg_iov_close(&v);
    SR_TRY(r);
    tok->cbBuffer = (ULONG)tl;
    if (pad) pad->cbBuffer = (ULONG)pl;
    ctx->send_seq++;
    return SR_SUCCESS;
}

/* DecryptMessage with one SECBUFFER_STREAM. */
static sr decrypt_stream(krb_context *ctx, SecBufferDesc *m, SecBuffer *stream, bool *conf,
                         uint64_t *seq) {
    SecBuffer *data = find_buffer(m, SECBUFFER_DATA);
    SR_ENSURE(data != NULL, SR_INVALID_TOKEN);
    wire_writer w;
    SR_TRY(wire_writer_init_alloc(&w, stream->cbBuffer));
    sr r = krb_gss_unwrap(&ctx->gss, stream->pvBuffer, stream->cbBuffer, &w, conf, seq);
    if (sr_is_ok(r)) {
        size_t plen = wire_writer_len(&w);
        size_t off = ctx->gss.cfx ? KRB_GSS_CFX_HEADER_LEN : 0;
        if (off + plen > stream->cbBuffer) off = 0;
        uint8_t *base = stream->pvBuffer;
        if (plen) memcpy(base + off, w.data, plen);
        data->BufferType = SECBUFFER_DATA;
        data->pvBuffer = base + off;
        data->cbBuffer = (ULONG)plen;
    }
    if (w.data) crypto_wipe(w.data, w.len);
    wire_writer_free(&w);
    return r;
}

/* rc4-hmac, one writable DATA buffer: token | data | padding as one token
 * (whatever the sender's padding length). */
static sr decrypt_rc4_joined(krb_context *ctx, SecBuffer *tok, SecBuffer *data, SecBuffer *pad,
                             bool *conf, uint64_t *seq) {
    size_t plen = pad ? pad->cbBuffer : 0;
    size_t total = tok->cbBuffer + data->cbBuffer + plen;
    uint8_t *all = malloc(total);
    SR_ENSURE(all != NULL, SR_NO_MEMORY);
    memcpy(all, tok->pvBuffer, tok->cbBuffer);
    if (data->cbBuffer) memcpy(all + tok->cbBuffer, data->pvBuffer, data->cbBuffer);
    if (plen) memcpy(all + tok->cbBuffer + data->cbBuffer, pad->pvBuffer, plen);
    wire_writer w;
    sr r = wire_writer_init_alloc(&w, total);
    if (sr_is_ok(r)) {
        r = krb_gss_unwrap(&ctx->gss, all, total, &w, conf, seq);
        if (sr_is_ok(r) && wire_writer_len(&w) > data->cbBuffer) r = SR_FAIL(SR_INVALID_TOKEN);
        if (sr_is_ok(r)) {
            if (wire_writer_len(&w)) memcpy(data->pvBuffer, w.data, wire_writer_len(&w));
            data->cbBuffer = (ULONG)wire_writer_len(&w);
        }
        if (w.data) crypto_wipe(w.data, w.len);
        wire_writer_free(&w);
    }
    crypto_free_wipe(all, total);
    return r;
}

sr krb_decrypt_message(krb_context *ctx, SecBufferDesc *m, ULONG seq_no, ULONG *qop) {
    (void)seq_no;
    SR_TRY(check_desc(ctx, m));
    SecBuffer *stream = find_buffer(m, SECBUFFER_STREAM);
    bool conf = false;
    uint64_t seq = 0;
    if (stream) {
        SR_TRY(decrypt_stream(ctx, m, stream, &conf, &seq));
    } else {
        SecBuffer *tok = find_buffer(m, SECBUFFER_TOKEN);
        SR_ENSURE(tok != NULL && tok->cbBuffer > 0, SR_INVALID_TOKEN);
        SecBuffer *pad = find_buffer(m, SECBUFFER_PADDING);
        msg_iov v;
        SR_TRY(msg_iov_open(m, &v));
        sr r = v.ndata + v.nsign > 0 ? SR_SUCCESS : SR_FAIL(SR_INVALID_TOKEN);
        bool simple = v.ndata == 1 && v.nsign == 0;
        if (!sr_is_ok(r)) {
            /* nothing to decrypt */
        } else if (simple && ctx->gss.cfx) {
            /* One buffer: any RRC the sender chose. */
            r = krb_gss_unwrap_split(&ctx->gss, tok->pvBuffer, tok->cbBuffer,
                                     v.first->pvBuffer, v.first->cbBuffer, &conf, &seq);
        } else if (simple && !ctx->gss.dce_style) {
            r = decrypt_rc4_joined(ctx, tok, v.first, pad, &conf, &seq);
        } else {
            size_t plen = ctx->gss.cfx ? 0 : (pad ? pad->cbBuffer : 0);
            r = krb_gss_unwrap_iov(&ctx->gss, tok->pvBuffer, tok->cbBuffer, v.iov, v.n,
                                   plen ? pad->pvBuffer : NULL, plen, &conf, &seq);
        }
        msg_iov_close(&v);
        SR_TRY(r);
    }
    if (qop) *qop = conf ? 0 : SECQOP_WRAP_NO_ENCRYPT;
    return seq_verdict(ctx, seq);
}

void krb_context_sizes(const krb_context *ctx, SecPkgContext_Sizes *s) {
    s->cbMaxToken = KRB_MAX_TOKEN;
    s->cbBlockSize = 1;
    if (ctx->gss_ready) {
        s->cbMaxSignature = (ULONG)krb_gss_mic_len(&ctx->gss);
        s->cbSecurityTrailer = ctx->gss.cfx
                                   ? (ULONG)krb_gss_wrap_len(&ctx->gss, true, 0)
                                   : (ULONG)(krb_gss_wrap_len(&ctx->gss, true, 0) - 1);
    } else {
        /* Before the handshake ends: the aes256-cts-hmac-sha1-96 values. */
        s->cbMaxSignature = 28;
        s->cbSecurityTrailer = 60;
    }
}

/* The SPNEGO mechListMIC hooks are in krb_spnego.c. Negotiate refers to them
 * weakly, which does not pull an archive member in: this reference keeps
 * that object with the package when the static library is linked. */
static bool (*const krb_spnego_anchor)(void *) __attribute__((used)) = krb_spnego_mic_available;
