/*
 * Kerberos per-message protection with Windows' buffer layouts, on top of
 * the RFC 4121 / RFC 4757 tokens of krb_gss_token.c:
 *   MakeSignature / VerifySignature: the MIC of all SECBUFFER_DATA buffers
 *     (concatenated, READONLY ones included) in the SECBUFFER_TOKEN buffer.
 *   EncryptMessage: SECBUFFER_TOKEN (header + rotated trailer, RRC as
 *     Windows: MS-KILE 3.4.5.4) + one SECBUFFER_DATA encrypted in place
 *     [+ SECBUFFER_PADDING, always 0 bytes for AES]; fQOP
 *     SECQOP_WRAP_NO_ENCRYPT signs only.
 *   DecryptMessage: SECBUFFER_TOKEN + SECBUFFER_DATA, or one
 *     SECBUFFER_STREAM (any RRC, e.g. MIT's 0) + an empty SECBUFFER_DATA that
 *     receives a pointer to the plaintext inside the stream buffer.
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

/* All DATA buffers, concatenated (heap). */
static sr gather_data(SecBufferDesc *m, uint8_t **out, size_t *out_len) {
    size_t total = 0;
    for (ULONG i = 0; i < m->cBuffers; i++)
        if (BUF_TYPE(&m->pBuffers[i]) == SECBUFFER_DATA) total += m->pBuffers[i].cbBuffer;
    uint8_t *p = malloc(total ? total : 1);
    SR_ENSURE(p != NULL, SR_NO_MEMORY);
    size_t o = 0;
    for (ULONG i = 0; i < m->cBuffers; i++) {
        SecBuffer *b = &m->pBuffers[i];
        if (BUF_TYPE(b) != SECBUFFER_DATA || b->cbBuffer == 0) continue;
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
    free(data);
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
    free(data);
    SR_TRY(r);
    if (qop) *qop = 0;
    return seq_verdict(ctx, seq);
}

/* The one data buffer EncryptMessage/DecryptMessage works on. */
static sr single_data(SecBufferDesc *m, SecBuffer **out) {
    SecBuffer *d = NULL;
    for (ULONG i = 0; i < m->cBuffers; i++) {
        SecBuffer *b = &m->pBuffers[i];
        if (BUF_TYPE(b) != SECBUFFER_DATA) continue;
        /* Sign-only DCE RPC header buffers: not yet. */
        SR_ENSURE(!(b->BufferType & SECBUFFER_READONLY), SR_UNSUPPORTED);
        SR_ENSURE(d == NULL, SR_UNSUPPORTED);
        d = b;
    }
    SR_ENSURE(d != NULL, SR_INVALID_TOKEN);
    *out = d;
    return SR_SUCCESS;
}

sr krb_encrypt_message(krb_context *ctx, ULONG qop, SecBufferDesc *m, ULONG seq_no) {
    (void)seq_no;
    SR_TRY(check_desc(ctx, m));
    SR_ENSURE(qop == 0 || qop == SECQOP_WRAP_NO_ENCRYPT, SR_QOP_NOT_SUPPORTED);
    bool conf = qop == 0;
    SecBuffer *tok = find_buffer(m, SECBUFFER_TOKEN);
    SR_ENSURE(tok != NULL, SR_INVALID_TOKEN);
    SecBuffer *data = NULL;
    SR_TRY(single_data(m, &data));
    SecBuffer *pad = find_buffer(m, SECBUFFER_PADDING);
    if (ctx->gss.cfx) {
        size_t tl = 0;
        SR_TRY(krb_gss_wrap_split(&ctx->gss, conf, ctx->send_seq, data->pvBuffer, data->cbBuffer,
                                  tok->pvBuffer, tok->cbBuffer, &tl));
        tok->cbBuffer = (ULONG)tl;
        if (pad) pad->cbBuffer = 0;
        ctx->send_seq++;
        return SR_SUCCESS;
    }
    /* rc4-hmac: token = framing + header + confounder; data in place;
     * the 1-byte RFC 4757 padding goes to SECBUFFER_PADDING. */
    size_t total = krb_gss_wrap_len(&ctx->gss, conf, data->cbBuffer);
    size_t head = total - data->cbBuffer - 1;
    SR_ENSURE(tok->cbBuffer >= head, SR_BUFFER_TOO_SMALL);
    SR_ENSURE(pad != NULL && pad->cbBuffer >= 1, SR_BUFFER_TOO_SMALL);
    wire_writer w;
    SR_TRY(wire_writer_init_alloc(&w, total));
    sr r = krb_gss_wrap(&ctx->gss, conf, ctx->send_seq, 0, data->pvBuffer, data->cbBuffer, &w);
    if (sr_is_ok(r) && wire_writer_len(&w) != total) r = SR_FAIL(SR_INTERNAL);
    if (sr_is_ok(r)) {
        memcpy(tok->pvBuffer, w.data, head);
        memcpy(data->pvBuffer, w.data + head, data->cbBuffer);
        memcpy(pad->pvBuffer, w.data + head + data->cbBuffer, 1);
        tok->cbBuffer = (ULONG)head;
        pad->cbBuffer = 1;
        ctx->send_seq++;
    }
    wire_writer_free(&w);
    return r;
}

sr krb_decrypt_message(krb_context *ctx, SecBufferDesc *m, ULONG seq_no, ULONG *qop) {
    (void)seq_no;
    SR_TRY(check_desc(ctx, m));
    SecBuffer *stream = find_buffer(m, SECBUFFER_STREAM);
    bool conf = false;
    uint64_t seq = 0;
    if (stream) {
        SecBuffer *data = find_buffer(m, SECBUFFER_DATA);
        SR_ENSURE(data != NULL, SR_INVALID_TOKEN);
        wire_writer w;
        SR_TRY(wire_writer_init_alloc(&w, stream->cbBuffer));
        sr r = krb_gss_unwrap(&ctx->gss, stream->pvBuffer, stream->cbBuffer, &w, &conf, &seq);
        if (sr_is_ok(r)) {
            size_t plen = wire_writer_len(&w);
            size_t off = ctx->gss.cfx ? KRB_GSS_CFX_HEADER_LEN : 0;
            if (off + plen > stream->cbBuffer) off = 0;
            uint8_t *base = stream->pvBuffer;
            if (plen) memcpy(base + off, w.data, plen);
            data->pvBuffer = base + off;
            data->cbBuffer = (ULONG)plen;
        }
        wire_writer_free(&w);
        SR_TRY(r);
    } else {
        SecBuffer *tok = find_buffer(m, SECBUFFER_TOKEN);
        SR_ENSURE(tok != NULL && tok->cbBuffer > 0, SR_INVALID_TOKEN);
        SecBuffer *data = NULL;
        SR_TRY(single_data(m, &data));
        if (ctx->gss.cfx) {
            SR_TRY(krb_gss_unwrap_split(&ctx->gss, tok->pvBuffer, tok->cbBuffer, data->pvBuffer,
                                        data->cbBuffer, &conf, &seq));
        } else {
            SecBuffer *pad = find_buffer(m, SECBUFFER_PADDING);
            size_t plen = pad ? pad->cbBuffer : 0;
            size_t total = tok->cbBuffer + data->cbBuffer + plen;
            uint8_t *all = malloc(total);
            SR_ENSURE(all != NULL, SR_NO_MEMORY);
            memcpy(all, tok->pvBuffer, tok->cbBuffer);
            memcpy(all + tok->cbBuffer, data->pvBuffer, data->cbBuffer);
            if (plen) memcpy(all + tok->cbBuffer + data->cbBuffer, pad->pvBuffer, plen);
            wire_writer w;
            sr r = wire_writer_init_alloc(&w, total);
            if (sr_is_ok(r)) {
                r = krb_gss_unwrap(&ctx->gss, all, total, &w, &conf, &seq);
                if (sr_is_ok(r) && wire_writer_len(&w) > data->cbBuffer) r = SR_FAIL(SR_INVALID_TOKEN);
                if (sr_is_ok(r)) {
                    memcpy(data->pvBuffer, w.data, wire_writer_len(&w));
                    data->cbBuffer = (ULONG)wire_writer_len(&w);
                }
                wire_writer_free(&w);
            }
            crypto_free_wipe(all, total);
            SR_TRY(r);
        }
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
