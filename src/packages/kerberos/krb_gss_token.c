/*
 * RFC 4121 and RFC 4757 per-message tokens. See krb_gss_token.h.
 */
#include "krb_gss_token.h"

#include <stdlib.h>
#include <string.h>

#define CFX_TOK_MIC 0x0404
#define CFX_TOK_WRAP 0x0504
#define RC4_TOK_MIC 0x0101
#define RC4_TOK_WRAP 0x0201
#define RC4_SGN_ALG_HMAC 0x1100
#define RC4_SEAL_ALG_RC4 0x1000
#define RC4_SEAL_ALG_NONE 0xffff
#define RC4_CONF_LEN 8
#define RC4_PAD 1 /* RC4 is a stream cipher: one pad byte (value 1) */

/* 1.2.840.113554.1.2.2, DER-encoded with its tag and length. */
static const uint8_t k_krb5_oid[11] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                                       0xf7, 0x12, 0x01, 0x02, 0x02};

/* ---- small helpers ---- */

static void put_be16(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* In-place left rotation of buf by r (r < len) with three reversals. */
static void reverse(uint8_t *p, size_t n) {
    for (size_t i = 0; i < n / 2; i++) {
        uint8_t t = p[i];
        p[i] = p[n - 1 - i];
        p[n - 1 - i] = t;
    }
}

static void rotate_left(uint8_t *buf, size_t len, size_t r) {
    if (len == 0) return;
    r %= len;
    if (r == 0) return;
    reverse(buf, r);
    reverse(buf + r, len - r);
    reverse(buf, len);
}

static uint8_t *xmalloc(size_t n) { return malloc(n ? n : 1); }

static void free_wipe(uint8_t *p, size_t n) {
    if (p != NULL) crypto_free_wipe(p, n ? n : 1);
}

/* Write the concatenation of parts rotated right by rrc (RFC 4121 4.2.5). */
static sr write_rotated(wire_writer *w, const crypto_part *parts, size_t nparts, size_t rrc) {
    size_t total = 0;
    for (size_t i = 0; i < nparts; i++) total += parts[i].len;
    size_t r = total ? rrc % total : 0;
    /* The last r bytes first, then the first total - r. */
    size_t ranges[2][2] = {{total - r, total}, {0, total - r}};
    for (int k = 0; k < 2; k++) {
        size_t off = 0;
        for (size_t i = 0; i < nparts; i++) {
            size_t a = off, b = off + parts[i].len;
            size_t lo = a > ranges[k][0] ? a : ranges[k][0];
            size_t hi = b < ranges[k][1] ? b : ranges[k][1];
            if (lo < hi)
                SR_TRY(wire_write_bytes(w, (const uint8_t *)parts[i].data + (lo - a), hi - lo));
            off = b;
        }
    }
    return SR_SUCCESS;
}

/* ---- context ---- */

static sr keyset_init(krb_gss_keyset *ks, const krb_key *key, bool initiator) {
    uint32_t ss = initiator ? KRB_USAGE_INITIATOR_SEAL : KRB_USAGE_ACCEPTOR_SEAL;
    uint32_t sg = initiator ? KRB_USAGE_INITIATOR_SIGN : KRB_USAGE_ACCEPTOR_SIGN;
    uint32_t rs = initiator ? KRB_USAGE_ACCEPTOR_SEAL : KRB_USAGE_INITIATOR_SEAL;
    uint32_t rg = initiator ? KRB_USAGE_ACCEPTOR_SIGN : KRB_USAGE_INITIATOR_SIGN;
    SR_TRY(krb_usage_keys_init(&ks->send_seal, key, ss));
    SR_TRY(krb_usage_keys_init(&ks->send_sign, key, sg));
    SR_TRY(krb_usage_keys_init(&ks->recv_seal, key, rs));
    SR_TRY(krb_usage_keys_init(&ks->recv_sign, key, rg));
    ks->valid = true;
    return SR_SUCCESS;
}

static void keyset_free(krb_gss_keyset *ks) {
    krb_usage_keys_free(&ks->send_seal);
    krb_usage_keys_free(&ks->send_sign);
    krb_usage_keys_free(&ks->recv_seal);
    krb_usage_keys_free(&ks->recv_sign);
    ks->valid = false;
}

static sr rc4_init(krb_gss_ctx *c) {
    const krb_key *k = &c->key;
    uint8_t zero4[4] = {0, 0, 0, 0}, base[16], local[16];
    crypto_part p[1] = {{zero4, 4}};
    SR_TRY(crypto_hmac(CRYPTO_HASH_MD5, k->bytes, k->len, p, 1, base));
    sr r = crypto_hmac_new(CRYPTO_HASH_MD5, base, 16, &c->rc4_seq);
    for (size_t i = 0; i < 16; i++) local[i] = k->bytes[i] ^ 0xf0;
    if (sr_is_ok(r)) r = crypto_hmac(CRYPTO_HASH_MD5, local, 16, p, 1, base);
    if (sr_is_ok(r)) r = crypto_hmac_new(CRYPTO_HASH_MD5, base, 16, &c->rc4_crypt);
    crypto_wipe(base, sizeof base);
    crypto_wipe(local, sizeof local);
    /* RFC 4757 7: usage 15 for MIC checksums, 13 for Wrap checksums. */
    if (sr_is_ok(r)) r = krb_usage_keys_init(&c->rc4_sign, k, 15);
    if (sr_is_ok(r)) r = krb_usage_keys_init(&c->rc4_seal, k, 13);
    return r;
}

sr krb_gss_ctx_init(krb_gss_ctx *c, bool initiator, const krb_key *key,
                    const krb_key *acceptor_subkey) {
    SR_ENSURE(c != NULL, SR_INVALID_PARAMETER);
    memset(c, 0, sizeof *c);
    SR_ENSURE(key != NULL, SR_INVALID_PARAMETER);
    const krb_enctype_ops *ops = krb_enctype_lookup(key->enctype);
    SR_ENSURE(ops != NULL && key->len == ops->key_len, SR_INVALID_PARAMETER);
    c->initiator = initiator;
    /* The acceptor subkey, when there is one, decides the token family: MIT
     * acceptors negotiate it (RFC 4537) and answer an rc4-hmac initiator
     * subkey with an AES acceptor subkey, then use CFX tokens. */
    c->cfx = (acceptor_subkey ? acceptor_subkey->enctype : key->enctype) != KRB_ENCTYPE_RC4_HMAC;
    if (acceptor_subkey != NULL) {
        const krb_enctype_ops *sops = krb_enctype_lookup(acceptor_subkey->enctype);
        SR_ENSURE(sops != NULL && acceptor_subkey->len == sops->key_len, SR_INVALID_PARAMETER);
    }
    sr r;
    if (!c->cfx) {
        /* RFC 1964-style tokens carry no key flag: the newest subkey is
         * the one key of the context. */
        c->key = acceptor_subkey ? *acceptor_subkey : *key;
        c->ops = krb_enctype_lookup(c->key.enctype);
        r = rc4_init(c);
    } else {
        c->key = *key;
        c->ops = ops;
        /* An rc4-hmac key has no CFX keys: only AcceptorSubkey tokens then. */
        r = key->enctype == KRB_ENCTYPE_RC4_HMAC ? SR_SUCCESS
                                                 : keyset_init(&c->ks[0], key, initiator);
        if (sr_is_ok(r) && acceptor_subkey != NULL) {
            c->have_acceptor_subkey = true;
            c->acceptor_subkey = *acceptor_subkey;
            c->ops = krb_enctype_lookup(acceptor_subkey->enctype);
            r = keyset_init(&c->ks[1], acceptor_subkey, initiator);
        }
    }
    if (!sr_is_ok(r)) krb_gss_ctx_free(c);
    return r;
}

void krb_gss_ctx_free(krb_gss_ctx *c) {
    if (c == NULL) return;
    keyset_free(&c->ks[0]);
    keyset_free(&c->ks[1]);
    crypto_hmac_free(c->rc4_seq);
    crypto_hmac_free(c->rc4_crypt);
    krb_usage_keys_free(&c->rc4_sign);
    krb_usage_keys_free(&c->rc4_seal);
    crypto_wipe(c, sizeof *c);
}

static krb_gss_keyset *send_keys(krb_gss_ctx *c) {
    return &c->ks[c->have_acceptor_subkey ? 1 : 0];
}

static uint8_t send_flags(const krb_gss_ctx *c) {
    return (uint8_t)((c->initiator ? 0 : KRB_GSS_FLAG_SENT_BY_ACCEPTOR) |
                     (c->have_acceptor_subkey ? KRB_GSS_FLAG_ACCEPTOR_SUBKEY : 0));
}

/* Direction and key choice for a received CFX token. */
static sr recv_keys(krb_gss_ctx *c, uint8_t flags, krb_gss_keyset **ks) {
    bool from_acceptor = (flags & KRB_GSS_FLAG_SENT_BY_ACCEPTOR) != 0;
    /* A token claiming to come from our own side is a reflection. */
    SR_ENSURE(from_acceptor == c->initiator, SR_INVALID_TOKEN);
    if (flags & KRB_GSS_FLAG_ACCEPTOR_SUBKEY) {
        SR_ENSURE(c->have_acceptor_subkey, SR_INVALID_TOKEN);
        *ks = &c->ks[1];
    } else {
        *ks = &c->ks[0];
    }
    SR_ENSURE((*ks)->valid, SR_INVALID_TOKEN);
    return SR_SUCCESS;
}

/* DER length of the framing (short form or 0x81..0x84). */
static size_t der_len_size(size_t n) {
    if (n < 0x80) return 1;
    size_t s = 1;
    while (n > 0) {
        s++;
        n >>= 8;
    }
    return s;
}

static size_t rc4_framed_len(size_t body) {
    size_t inner = sizeof k_krb5_oid + body;
    return 1 + der_len_size(inner) + inner;
}

size_t krb_gss_mic_len(const krb_gss_ctx *c) {
    if (!c->cfx) return rc4_framed_len(KRB_GSS_RC4_MIC_BODY_LEN);
    return KRB_GSS_CFX_HEADER_LEN + c->ops->cksum_len;
}

size_t krb_gss_wrap_len(const krb_gss_ctx *c, bool conf, size_t len) {
    if (!c->cfx) return rc4_framed_len(KRB_GSS_RC4_WRAP_HDR_LEN + len + RC4_PAD);
    if (!conf) return KRB_GSS_CFX_HEADER_LEN + len + c->ops->cksum_len;
    return KRB_GSS_CFX_HEADER_LEN + krb_encrypt_len(c->ops, len + KRB_GSS_CFX_HEADER_LEN);
}

uint16_t krb_gss_dce_rrc(const krb_gss_ctx *c, bool conf) {
    return (uint16_t)((conf ? KRB_GSS_CFX_HEADER_LEN : 0) + c->ops->cksum_len);
}

/* ---- CFX parsing ---- */

sr krb_cfx_parse(const uint8_t *tok, size_t tok_len, krb_cfx_header *h) {
    SR_ENSURE(h != NULL && (tok != NULL || tok_len == 0), SR_INVALID_PARAMETER);
    memset(h, 0, sizeof *h);
    static const uint8_t ff5[5] = {0xff, 0xff, 0xff, 0xff, 0xff};
    wire_reader r;
    wire_reader_init(&r, tok, tok_len);
    SR_TRY(wire_read_u16be(&r, &h->tok_id));
    SR_ENSURE(h->tok_id == CFX_TOK_MIC || h->tok_id == CFX_TOK_WRAP, SR_INVALID_TOKEN);
    SR_TRY(wire_read_u8(&r, &h->flags));
    if (h->tok_id == CFX_TOK_MIC) {
        SR_TRY(wire_expect_bytes(&r, ff5, 5));
        /* A MIC token never has the Sealed flag. */
        SR_ENSURE(!(h->flags & KRB_GSS_FLAG_SEALED), SR_INVALID_TOKEN);
    } else {
        SR_TRY(wire_expect_bytes(&r, ff5, 1));
        SR_TRY(wire_read_u16be(&r, &h->ec));
        SR_TRY(wire_read_u16be(&r, &h->rrc));
    }
    SR_TRY(wire_read_u64be(&r, &h->seq));
    h->body_len = wire_remaining(&r);
    SR_TRY(wire_read_bytes(&r, h->body_len, &h->body));
    return wire_expect_end(&r);
}

static sr cfx_header(uint8_t hdr[16], uint16_t tok_id, uint8_t flags, uint16_t ec, uint16_t rrc,
                     uint64_t seq) {
    wire_writer w;
    wire_writer_init_fixed(&w, hdr, KRB_GSS_CFX_HEADER_LEN);
    SR_TRY(wire_write_u16be(&w, tok_id));
    SR_TRY(wire_write_u8(&w, flags));
    if (tok_id == CFX_TOK_MIC) {
        for (int i = 0; i < 5; i++) SR_TRY(wire_write_u8(&w, 0xff));
    } else {
        SR_TRY(wire_write_u8(&w, 0xff));
        SR_TRY(wire_write_u16be(&w, ec));
        SR_TRY(wire_write_u16be(&w, rrc));
    }
    SR_TRY(wire_write_u64be(&w, seq));
    return wire_writer_status(&w);
}

/* ---- RFC 4757 parsing ---- */

/* The RFC 2743 framing: 0x60, a DER length (short form, or minimal long
 * form of 1..4 bytes) -> *len; r is left after the length. */
static sr rc4_read_framing(wire_reader *r, size_t *len) {
    uint8_t b;
    SR_TRY(wire_read_u8(r, &b));
    SR_ENSURE(b == 0x60, SR_INVALID_TOKEN);
    SR_TRY(wire_read_u8(r, &b));
    size_t l = b;
    if (b >= 0x80) {
        size_t n = b & 0x7f;
        SR_ENSURE(n >= 1 && n <= 4, SR_INVALID_TOKEN);
        l = 0;
        for (size_t i = 0; i < n; i++) {
            SR_TRY(wire_read_u8(r, &b));
            SR_ENSURE(i > 0 || b != 0, SR_INVALID_TOKEN);
            l = l << 8 | b;
        }
        SR_ENSURE(l >= 0x80, SR_INVALID_TOKEN);
    }
    *len = l;
    return SR_SUCCESS;
}

/* OID .. confounder; the data (Wrap) is the rest of in. */
static sr rc4_parse_inner(wire_reader *in, krb_rc4_token *t) {
    uint16_t sgn_alg, filler;
    SR_TRY(wire_expect_bytes(in, k_krb5_oid, sizeof k_krb5_oid));
    const uint8_t *hdr8 = wire_peek_ptr(in);
    SR_TRY(wire_read_u16be(in, &t->tok_id));
    SR_TRY(wire_read_u16be(in, &sgn_alg));
    SR_ENSURE(sgn_alg == RC4_SGN_ALG_HMAC, SR_INVALID_TOKEN);
    if (t->tok_id == RC4_TOK_MIC) {
        uint32_t f4;
        SR_TRY(wire_read_u32be(in, &f4));
        SR_ENSURE(f4 == 0xffffffffu, SR_INVALID_TOKEN);
    } else if (t->tok_id == RC4_TOK_WRAP) {
        SR_TRY(wire_read_u16be(in, &t->seal_alg));
        SR_ENSURE(t->seal_alg == RC4_SEAL_ALG_RC4 || t->seal_alg == RC4_SEAL_ALG_NONE,
                  SR_INVALID_TOKEN);
        SR_TRY(wire_read_u16be(in, &filler));
        SR_ENSURE(filler == 0xffff, SR_INVALID_TOKEN);
    } else {
        return SR_FAIL(SR_INVALID_TOKEN);
    }
    t->hdr8 = hdr8;
    SR_TRY(wire_read_bytes(in, 8, &t->snd_seq));
    SR_TRY(wire_read_bytes(in, 8, &t->cksum));
    if (t->tok_id == RC4_TOK_MIC) return wire_expect_end(in);
    SR_TRY(wire_read_bytes(in, RC4_CONF_LEN, &t->conf));
    t->data_len = wire_remaining(in);
    return wire_read_bytes(in, t->data_len, &t->data);
}

sr krb_rc4_parse(const uint8_t *tok, size_t tok_len, krb_rc4_token *t) {
    SR_ENSURE(t != NULL && (tok != NULL || tok_len == 0), SR_INVALID_PARAMETER);
    memset(t, 0, sizeof *t);
    wire_reader r, in;
    wire_reader_init(&r, tok, tok_len);
    size_t len;
    SR_TRY(rc4_read_framing(&r, &len));
    SR_ENSURE(len == wire_remaining(&r), SR_INVALID_TOKEN);
    SR_TRY(wire_read_sub(&r, len, &in));
    SR_TRY(rc4_parse_inner(&in, t));
    /* A Wrap token holds at least the padding. */
    SR_ENSURE(t->tok_id == RC4_TOK_MIC || t->data_len >= RC4_PAD, SR_INVALID_TOKEN);
    return SR_SUCCESS;
}

static sr rc4_write_framing(wire_writer *w, size_t body) {
    size_t inner = sizeof k_krb5_oid + body;
    SR_TRY(wire_write_u8(w, 0x60));
    if (inner < 0x80) {
        SR_TRY(wire_write_u8(w, (uint8_t)inner));
    } else {
        size_t n = der_len_size(inner) - 1;
        SR_TRY(wire_write_u8(w, (uint8_t)(0x80 | n)));
        for (size_t i = n; i-- > 0;) SR_TRY(wire_write_u8(w, (uint8_t)(inner >> (8 * i))));
    }
    return wire_write_bytes(w, k_krb5_oid, sizeof k_krb5_oid);
}

/* ---- RFC 4757 crypto helpers ---- */

static sr rc4_seq_key(krb_gss_ctx *c, const uint8_t cksum8[8], uint8_t kseq[16]) {
    SR_TRY(crypto_hmac_start(c->rc4_seq));
    SR_TRY(crypto_hmac_update(c->rc4_seq, cksum8, 8));
    return crypto_hmac_finish(c->rc4_seq, kseq);
}

static sr rc4_crypt_key(krb_gss_ctx *c, uint32_t seq, uint8_t kcrypt[16]) {
    uint8_t s[4];
    put_be32(s, seq);
    SR_TRY(crypto_hmac_start(c->rc4_crypt));
    SR_TRY(crypto_hmac_update(c->rc4_crypt, s, 4));
    return crypto_hmac_finish(c->rc4_crypt, kcrypt);
}

/* SND_SEQ = RC4(Kseq, seq BE32 | direction x4); direction 00 initiator,
 * ff acceptor (MIT and Windows put the counter big-endian). */
static sr rc4_seq_crypt(krb_gss_ctx *c, const uint8_t cksum8[8], const uint8_t in[8],
                        uint8_t out[8]) {
    uint8_t kseq[16];
    SR_TRY(rc4_seq_key(c, cksum8, kseq));
    sr r = crypto_rc4_oneshot(kseq, 16, in, out, 8);
    crypto_wipe(kseq, sizeof kseq);
    return r;
}

static uint8_t dir_byte(bool initiator) { return initiator ? 0x00 : 0xff; }

/* Decrypt and check a received SND_SEQ: the direction must be the peer's. */
static sr rc4_recv_seq(krb_gss_ctx *c, const krb_rc4_token *t, uint32_t *seq) {
    uint8_t plain[8];
    SR_TRY(rc4_seq_crypt(c, t->cksum, t->snd_seq, plain));
    uint8_t want = dir_byte(!c->initiator), bad = 0;
    for (int i = 4; i < 8; i++) bad |= (uint8_t)(plain[i] ^ want);
    wire_reader rd;
    wire_reader_init(&rd, plain, sizeof plain);
    SR_TRY(wire_read_u32be(&rd, seq));
    return bad ? SR_FAIL(SR_MESSAGE_ALTERED) : SR_SUCCESS;
}

static sr rc4_get_mic(krb_gss_ctx *c, uint32_t seq, const uint8_t *msg, size_t len,
                      wire_writer *out) {
    static const uint8_t hdr8[8] = {0x01, 0x01, 0x11, 0x00, 0xff, 0xff, 0xff, 0xff};
    uint8_t ck[16], plain[8], sndseq[8];
    crypto_part p[2] = {{hdr8, 8}, {msg, len}};
    SR_TRY(krb_get_mic(&c->rc4_sign, p, 2, ck));
    put_be32(plain, seq);
    memset(plain + 4, dir_byte(c->initiator), 4);
    SR_TRY(rc4_seq_crypt(c, ck, plain, sndseq));
    SR_TRY(rc4_write_framing(out, KRB_GSS_RC4_MIC_BODY_LEN));
    SR_TRY(wire_write_bytes(out, hdr8, 8));
    SR_TRY(wire_write_bytes(out, sndseq, 8));
    return wire_write_bytes(out, ck, 8);
}

static sr rc4_verify_mic(krb_gss_ctx *c, const uint8_t *msg, size_t len, const uint8_t *tok,
                         size_t tok_len, uint64_t *seq) {
    krb_rc4_token t;
    SR_TRY(krb_rc4_parse(tok, tok_len, &t));
    SR_ENSURE(t.tok_id == RC4_TOK_MIC, SR_INVALID_TOKEN);
    uint8_t ck[16];
    crypto_part p[2] = {{t.hdr8, 8}, {msg, len}};
    SR_TRY(krb_get_mic(&c->rc4_sign, p, 2, ck));
    SR_ENSURE(crypto_memeq(ck, t.cksum, 8), SR_MESSAGE_ALTERED);
    uint32_t s;
    SR_TRY(rc4_recv_seq(c, &t, &s));
    *seq = s;
    return SR_SUCCESS;
}

static sr rc4_wrap(krb_gss_ctx *c, bool conf, uint32_t seq, const uint8_t *msg, size_t len,
                   wire_writer *out) {
    uint8_t hdr8[8] = {0x02, 0x01, 0x11, 0x00, 0x10, 0x00, 0xff, 0xff};
    if (!conf) hdr8[4] = hdr8[5] = 0xff;
    uint8_t confounder[RC4_CONF_LEN], pad[RC4_PAD], ck[16], plain[8], sndseq[8];
    memset(pad, RC4_PAD, sizeof pad);
    SR_TRY(crypto_random(confounder, sizeof confounder));
    crypto_part p[4] = {{hdr8, 8}, {confounder, RC4_CONF_LEN}, {msg, len}, {pad, RC4_PAD}};
    SR_TRY(krb_get_mic(&c->rc4_seal, p, 4, ck));
    put_be32(plain, seq);
    memset(plain + 4, dir_byte(c->initiator), 4);
    SR_TRY(rc4_seq_crypt(c, ck, plain, sndseq));
    SR_ENSURE(len <= SIZE_MAX - 64, SR_INVALID_PARAMETER);
    SR_TRY(rc4_write_framing(out, KRB_GSS_RC4_WRAP_HDR_LEN + len + RC4_PAD));
    SR_TRY(wire_write_bytes(out, hdr8, 8));
    SR_TRY(wire_write_bytes(out, sndseq, 8));
    SR_TRY(wire_write_bytes(out, ck, 8));
    if (!conf) {
        SR_TRY(wire_write_bytes(out, confounder, RC4_CONF_LEN));
        SR_TRY(wire_write_bytes(out, msg, len));
        return wire_write_bytes(out, pad, RC4_PAD);
    }
    size_t n = RC4_CONF_LEN + len + RC4_PAD;
    uint8_t *buf = xmalloc(n), kcrypt[16];
    SR_ENSURE(buf != NULL, SR_NO_MEMORY);
    memcpy(buf, confounder, RC4_CONF_LEN);
    if (len) memcpy(buf + RC4_CONF_LEN, msg, len);
    memcpy(buf + RC4_CONF_LEN + len, pad, RC4_PAD);
    sr r = rc4_crypt_key(c, seq, kcrypt);
    if (sr_is_ok(r)) r = crypto_rc4_oneshot(kcrypt, 16, buf, buf, n);
    if (sr_is_ok(r)) r = wire_write_bytes(out, buf, n);
    crypto_wipe(kcrypt, sizeof kcrypt);
    free_wipe(buf, n);
    return r;
}

static sr rc4_unwrap(krb_gss_ctx *c, const uint8_t *tok, size_t tok_len, wire_writer *out,
                     bool *conf, uint64_t *seq) {
    krb_rc4_token t;
    SR_TRY(krb_rc4_parse(tok, tok_len, &t));
    SR_ENSURE(t.tok_id == RC4_TOK_WRAP, SR_INVALID_TOKEN);
    bool sealed = t.seal_alg == RC4_SEAL_ALG_RC4;
    uint32_t s;
    /* The direction is checked after the checksum, which covers it only
     * indirectly; decrypting SND_SEQ first gives the key for the data. */
    sr dir = rc4_recv_seq(c, &t, &s);
    size_t n = RC4_CONF_LEN + t.data_len;
    uint8_t *buf = xmalloc(n), kcrypt[16], ck[16];
    SR_ENSURE(buf != NULL, SR_NO_MEMORY);
    memcpy(buf, t.conf, RC4_CONF_LEN);
    memcpy(buf + RC4_CONF_LEN, t.data, t.data_len);
    sr r = SR_SUCCESS;
    if (sealed) {
        r = rc4_crypt_key(c, s, kcrypt);
        if (sr_is_ok(r)) r = crypto_rc4_oneshot(kcrypt, 16, buf, buf, n);
        crypto_wipe(kcrypt, sizeof kcrypt);
    }
    if (sr_is_ok(r)) {
        crypto_part p[2] = {{t.hdr8, 8}, {buf, n}};
        r = krb_get_mic(&c->rc4_seal, p, 2, ck);
    }
    if (sr_is_ok(r) && !crypto_memeq(ck, t.cksum, 8)) r = SR_FAIL(SR_MESSAGE_ALTERED);
    if (sr_is_ok(r)) r = dir;
    size_t plen = 0;
    if (sr_is_ok(r)) {
        /* RFC 1964 padding: 1..8 bytes, each holding the pad length. */
        uint8_t padv = buf[n - 1];
        if (padv < 1 || padv > 8 || padv > t.data_len) r = SR_FAIL(SR_INVALID_TOKEN);
        for (size_t i = 0; sr_is_ok(r) && i < padv; i++)
            if (buf[n - 1 - i] != padv) r = SR_FAIL(SR_INVALID_TOKEN);
        if (sr_is_ok(r)) plen = t.data_len - padv;
    }
    if (sr_is_ok(r)) r = wire_write_bytes(out, buf + RC4_CONF_LEN, plen);
    free_wipe(buf, n);
    if (!sr_is_ok(r)) return r;
    if (conf) *conf = sealed;
    *seq = s;
    return SR_SUCCESS;
}

/* ---- CFX MIC ---- */

sr krb_gss_get_mic(krb_gss_ctx *c, uint64_t seq, const uint8_t *msg, size_t len,
                   wire_writer *out) {
    SR_ENSURE(c != NULL && c->ops != NULL && out != NULL && (msg != NULL || len == 0),
              SR_INVALID_PARAMETER);
    if (!c->cfx) return rc4_get_mic(c, (uint32_t)seq, msg, len, out);
    krb_gss_keyset *ks = send_keys(c);
    uint8_t hdr[16], ck[KRB_MAX_CKSUM_LEN];
    SR_TRY(cfx_header(hdr, CFX_TOK_MIC, send_flags(c), 0, 0, seq));
    /* SGN_CKSUM over message | header (RFC 4121 4.2.6.1). */
    crypto_part p[2] = {{msg, len}, {hdr, sizeof hdr}};
    SR_TRY(krb_get_mic(&ks->send_sign, p, 2, ck));
    SR_TRY(wire_write_bytes(out, hdr, sizeof hdr));
    return wire_write_bytes(out, ck, ks->send_sign.ops->cksum_len);
}

sr krb_gss_verify_mic(krb_gss_ctx *c, const uint8_t *msg, size_t len, const uint8_t *tok,
                      size_t tok_len, uint64_t *seq) {
    SR_ENSURE(c != NULL && c->ops != NULL && seq != NULL && (msg != NULL || len == 0),
              SR_INVALID_PARAMETER);
    if (!c->cfx) return rc4_verify_mic(c, msg, len, tok, tok_len, seq);
    krb_cfx_header h;
    krb_gss_keyset *ks;
    SR_TRY(krb_cfx_parse(tok, tok_len, &h));
    SR_ENSURE(h.tok_id == CFX_TOK_MIC, SR_INVALID_TOKEN);
    SR_TRY(recv_keys(c, h.flags, &ks));
    SR_ENSURE(h.body_len == ks->recv_sign.ops->cksum_len, SR_INVALID_TOKEN);
    crypto_part p[2] = {{msg, len}, {tok, KRB_GSS_CFX_HEADER_LEN}};
    SR_TRY(krb_verify_mic(&ks->recv_sign, p, 2, h.body, h.body_len));
    *seq = h.seq;
    return SR_SUCCESS;
}

/* ---- CFX Wrap ---- */

sr krb_gss_wrap(krb_gss_ctx *c, bool conf, uint64_t seq, uint16_t rrc, const uint8_t *msg,
                size_t len, wire_writer *out) {
    SR_ENSURE(c != NULL && c->ops != NULL && out != NULL && (msg != NULL || len == 0),
              SR_INVALID_PARAMETER);
    SR_ENSURE(len <= SIZE_MAX / 2, SR_INVALID_PARAMETER);
    if (!c->cfx) return rc4_wrap(c, conf, (uint32_t)seq, msg, len, out);
    krb_gss_keyset *ks = send_keys(c);
    const krb_enctype_ops *ops = ks->send_seal.ops;
    uint8_t flags = send_flags(c);
    uint8_t hdr0[16], hdr[16];
    static const uint8_t empty[1];
    if (msg == NULL) msg = empty;
    if (!conf) {
        /* Checksum over plaintext | header with EC = RRC = 0; EC on the wire
         * is the checksum length (RFC 4121 4.2.4). */
        uint8_t ck[KRB_MAX_CKSUM_LEN];
        SR_TRY(cfx_header(hdr0, CFX_TOK_WRAP, flags, 0, 0, seq));
        SR_TRY(cfx_header(hdr, CFX_TOK_WRAP, flags, (uint16_t)ops->cksum_len, rrc, seq));
        crypto_part p[2] = {{msg, len}, {hdr0, 16}};
        SR_TRY(krb_get_mic(&ks->send_seal, p, 2, ck));
        SR_TRY(wire_write_bytes(out, hdr, 16));
        crypto_part body[2] = {{msg, len}, {ck, ops->cksum_len}};
        return write_rotated(out, body, 2, rrc);
    }
    /* Sealed: E(plaintext | filler(EC) | header with RRC = 0), EC = 0 (CTS
     * needs no padding). */
    flags |= KRB_GSS_FLAG_SEALED;
    SR_TRY(cfx_header(hdr0, CFX_TOK_WRAP, flags, 0, 0, seq));
    SR_TRY(cfx_header(hdr, CFX_TOK_WRAP, flags, 0, rrc, seq));
    size_t ilen = len + 16, elen = krb_encrypt_len(ops, ilen);
    uint8_t *inner = xmalloc(ilen), *enc = xmalloc(elen);
    sr r = (inner && enc) ? SR_SUCCESS : SR_FAIL(SR_NO_MEMORY);
    if (sr_is_ok(r)) {
        if (len) memcpy(inner, msg, len);
        memcpy(inner + len, hdr0, 16);
        r = krb_encrypt(&ks->send_seal, inner, ilen, enc);
    }
    if (sr_is_ok(r)) r = wire_write_bytes(out, hdr, 16);
    if (sr_is_ok(r)) {
        crypto_part body[1] = {{enc, elen}};
        r = write_rotated(out, body, 1, rrc);
    }
    free_wipe(inner, ilen);
    free_wipe(enc, elen);
    return r;
}

sr krb_gss_unwrap(krb_gss_ctx *c, const uint8_t *tok, size_t tok_len, wire_writer *out,
                  bool *conf, uint64_t *seq) {
    SR_ENSURE(c != NULL && c->ops != NULL && out != NULL && seq != NULL, SR_INVALID_PARAMETER);
    if (!c->cfx) return rc4_unwrap(c, tok, tok_len, out, conf, seq);
    krb_cfx_header h;
    krb_gss_keyset *ks;
    SR_TRY(krb_cfx_parse(tok, tok_len, &h));
    SR_ENSURE(h.tok_id == CFX_TOK_WRAP, SR_INVALID_TOKEN);
    SR_TRY(recv_keys(c, h.flags, &ks));
    const krb_enctype_ops *ops = ks->recv_seal.ops;
    bool sealed = (h.flags & KRB_GSS_FLAG_SEALED) != 0;
    size_t L = h.body_len;
    if (sealed) {
        SR_ENSURE(L >= krb_encrypt_len(ops, KRB_GSS_CFX_HEADER_LEN + (size_t)h.ec),
                  SR_INVALID_TOKEN);
    } else {
        SR_ENSURE(h.ec == ops->cksum_len && L >= h.ec, SR_INVALID_TOKEN);
    }
    /* Undo the rotation (MS-KILE: DCE-style sealed tokens by RRC + EC). */
    size_t rot = h.rrc;
    if (sealed && c->dce_style) rot += h.ec;
    uint8_t *body = xmalloc(L);
    SR_ENSURE(body != NULL, SR_NO_MEMORY);
    memcpy(body, h.body, L);
    rotate_left(body, L, rot);
    /* The header as it was checksummed / encrypted: RRC = 0 (and EC = 0 for
     * integrity-only tokens). */
    uint8_t hdr0[16];
    memcpy(hdr0, tok, 16);
    put_be16(hdr0 + 6, 0);
    sr r;
    if (!sealed) {
        put_be16(hdr0 + 4, 0);
        size_t dlen = L - h.ec;
        crypto_part p[2] = {{body, dlen}, {hdr0, 16}};
        r = krb_verify_mic(&ks->recv_seal, p, 2, body + dlen, h.ec);
        if (sr_is_ok(r)) r = wire_write_bytes(out, body, dlen);
    } else {
        size_t plen = 0, pcap = L - ops->conf_len - ops->cksum_len;
        uint8_t *plain = xmalloc(pcap);
        r = plain ? krb_decrypt(&ks->recv_seal, body, L, plain, &plen) : SR_FAIL(SR_NO_MEMORY);
        /* The encrypted copy of the header must match the clear one. */
        if (sr_is_ok(r) && !crypto_memeq(plain + plen - 16, hdr0, 16))
            r = SR_FAIL(SR_MESSAGE_ALTERED);
        if (sr_is_ok(r)) r = wire_write_bytes(out, plain, plen - 16 - h.ec);
        free_wipe(plain, pcap);
    }
    free_wipe(body, L);
    if (!sr_is_ok(r)) return r;
    if (conf) *conf = sealed;
    *seq = h.seq;
    return SR_SUCCESS;
}

/* ---- SSPI split layout ---- */

sr krb_gss_wrap_split(krb_gss_ctx *c, bool conf, uint64_t seq, uint8_t *data, size_t len,
                      uint8_t *token, size_t token_cap, size_t *token_len) {
    SR_ENSURE(c != NULL && c->cfx && token != NULL && token_len != NULL &&
                  (data != NULL || len == 0),
              SR_INVALID_PARAMETER);
    size_t total = krb_gss_wrap_len(c, conf, len), tl = total - len;
    SR_ENSURE(token_cap >= tl, SR_BUFFER_TOO_SMALL);
    wire_writer w;
    SR_TRY(wire_writer_init_alloc(&w, total));
    sr r = krb_gss_wrap(c, conf, seq, krb_gss_dce_rrc(c, conf), data, len, &w);
    if (sr_is_ok(r) && w.len != total) r = SR_FAIL(SR_INTERNAL);
    if (sr_is_ok(r)) {
        wire_reader rd;
        wire_reader_init(&rd, w.data, w.len);
        r = wire_read_copy(&rd, token, tl);
        if (sr_is_ok(r)) r = wire_read_copy(&rd, data, len);
        if (sr_is_ok(r)) *token_len = tl;
    }
    wire_writer_free(&w);
    return r;
}

sr krb_gss_unwrap_split(krb_gss_ctx *c, const uint8_t *token, size_t token_len, uint8_t *data,
                        size_t len, bool *conf, uint64_t *seq) {
    SR_ENSURE(c != NULL && c->cfx && token != NULL && (data != NULL || len == 0),
              SR_INVALID_PARAMETER);
    SR_ENSURE(token_len <= SIZE_MAX - len, SR_INVALID_TOKEN);
    wire_writer joined, plain;
    SR_TRY(wire_writer_init_alloc(&joined, token_len + len));
    sr r = wire_write_bytes(&joined, token, token_len);
    if (sr_is_ok(r)) r = wire_write_bytes(&joined, data, len);
    if (sr_is_ok(r)) r = wire_writer_init_alloc(&plain, len);
    if (!sr_is_ok(r)) {
        wire_writer_free(&joined);
        return r;
    }
    r = krb_gss_unwrap(c, joined.data, joined.len, &plain, conf, seq);
    if (sr_is_ok(r) && plain.len != len) r = SR_FAIL(SR_INVALID_TOKEN);
    if (sr_is_ok(r) && len) memcpy(data, plain.data, len);
    wire_writer_free(&plain);
    wire_writer_free(&joined);
    return r;
}

/* ---- SSPI buffer lists (GSS IOV with SIGN_ONLY) ---- */

static size_t iov_enc_len(const krb_gss_iov *iov, size_t n) {
    size_t t = 0;
    for (size_t i = 0; i < n; i++)
        if (!iov[i].sign_only) t += iov[i].len;
    return t;
}

static sr iov_check(const krb_gss_iov *iov, size_t n) {
    SR_ENSURE(iov != NULL || n == 0, SR_INVALID_PARAMETER);
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        SR_ENSURE(iov[i].data != NULL || iov[i].len == 0, SR_INVALID_PARAMETER);
        SR_ENSURE(iov[i].len <= SIZE_MAX / 4 - total, SR_INVALID_PARAMETER);
        total += iov[i].len;
    }
    return SR_SUCCESS;
}

/* The checksum parts: [pre...] | every iov part in order | [post...]. */
static sr iov_parts(const crypto_part *pre, size_t npre, const krb_gss_iov *iov, size_t n,
                    const crypto_part *post, size_t npost, crypto_part **out, size_t *nout) {
    crypto_part *p = calloc(npre + n + npost + 1, sizeof *p);
    SR_ENSURE(p != NULL, SR_NO_MEMORY);
    size_t k = 0;
    for (size_t i = 0; i < npre; i++) p[k++] = pre[i];
    for (size_t i = 0; i < n; i++) p[k++] = (crypto_part){iov[i].data, iov[i].len};
    for (size_t i = 0; i < npost; i++) p[k++] = post[i];
    *out = p;
    *nout = k;
    return SR_SUCCESS;
}

size_t krb_gss_iov_token_len(const krb_gss_ctx *c, bool conf, size_t enc_len) {
    if (!c->cfx) {
        size_t body = KRB_GSS_RC4_WRAP_HDR_LEN + (c->dce_style ? 0 : enc_len + RC4_PAD);
        return rc4_framed_len(body) - (c->dce_style ? 0 : enc_len + RC4_PAD);
    }
    size_t ck = c->ops->cksum_len;
    return KRB_GSS_CFX_HEADER_LEN + (conf ? c->ops->conf_len + KRB_GSS_CFX_HEADER_LEN + ck : ck);
}

size_t krb_gss_iov_pad_len(const krb_gss_ctx *c) {
    return (!c->cfx && !c->dce_style) ? RC4_PAD : 0;
}

/* RC4 over conf | the encrypted parts | pad, one key stream. */
static sr rc4_iov_crypt(krb_gss_ctx *c, uint32_t seq, uint8_t *conf, krb_gss_iov *iov, size_t n,
                        uint8_t *pad, size_t pad_len) {
    uint8_t kcrypt[16];
    crypto_rc4 *rc = NULL;
    sr r = rc4_crypt_key(c, seq, kcrypt);
    if (sr_is_ok(r)) r = crypto_rc4_new(kcrypt, 16, &rc);
    crypto_wipe(kcrypt, sizeof kcrypt);
    if (sr_is_ok(r)) r = crypto_rc4_update(rc, conf, conf, RC4_CONF_LEN);
    for (size_t i = 0; i < n && sr_is_ok(r); i++)
        if (!iov[i].sign_only && iov[i].len)
            r = crypto_rc4_update(rc, iov[i].data, iov[i].data, iov[i].len);
    if (sr_is_ok(r) && pad_len) r = crypto_rc4_update(rc, pad, pad, pad_len);
    crypto_rc4_free(rc);
    return r;
}

static sr rc4_wrap_iov(krb_gss_ctx *c, bool conf, uint32_t seq, krb_gss_iov *iov, size_t n,
                       uint8_t *token, size_t token_cap, size_t *token_len, uint8_t *pad,
                       size_t pad_cap, size_t *pad_len) {
    size_t plen = krb_gss_iov_pad_len(c), enc = iov_enc_len(iov, n);
    size_t tl = krb_gss_iov_token_len(c, conf, enc);
    SR_ENSURE(token_cap >= tl, SR_BUFFER_TOO_SMALL);
    SR_ENSURE(pad_cap >= plen && (pad != NULL || plen == 0), SR_BUFFER_TOO_SMALL);
    uint8_t hdr8[8] = {0x02, 0x01, 0x11, 0x00, 0x10, 0x00, 0xff, 0xff};
    if (!conf) hdr8[4] = hdr8[5] = 0xff;
    uint8_t confounder[RC4_CONF_LEN], ck[16], plain[8], sndseq[8];
    if (plen) memset(pad, (int)plen, plen);
    SR_TRY(crypto_random(confounder, sizeof confounder));
    crypto_part pre[2] = {{hdr8, 8}, {confounder, RC4_CONF_LEN}}, post[1] = {{pad, plen}};
    crypto_part *parts;
    size_t np;
    SR_TRY(iov_parts(pre, 2, iov, n, post, plen ? 1 : 0, &parts, &np));
    sr r = krb_get_mic(&c->rc4_seal, parts, np, ck);
    free(parts);
    SR_TRY(r);
    put_be32(plain, seq);
    memset(plain + 4, dir_byte(c->initiator), 4);
    SR_TRY(rc4_seq_crypt(c, ck, plain, sndseq));
    if (conf) SR_TRY(rc4_iov_crypt(c, seq, confounder, iov, n, pad, plen));
    /* DCE style: the framing covers the header only (no data, no pad). */
    wire_writer w;
    wire_writer_init_fixed(&w, token, token_cap);
    SR_TRY(rc4_write_framing(&w, KRB_GSS_RC4_WRAP_HDR_LEN + (c->dce_style ? 0 : enc + plen)));
    SR_TRY(wire_write_bytes(&w, hdr8, 8));
    SR_TRY(wire_write_bytes(&w, sndseq, 8));
    SR_TRY(wire_write_bytes(&w, ck, 8));
    SR_TRY(wire_write_bytes(&w, confounder, RC4_CONF_LEN));
    crypto_wipe(confounder, sizeof confounder);
    SR_ENSURE(wire_writer_len(&w) == tl, SR_INTERNAL);
    *token_len = tl;
    if (pad_len) *pad_len = plen;
    return SR_SUCCESS;
}

static sr rc4_unwrap_iov(krb_gss_ctx *c, const uint8_t *token, size_t token_len,
                         krb_gss_iov *iov, size_t n, const uint8_t *pad, size_t pad_len,
                         bool *conf, uint64_t *seq) {
    SR_ENSURE(pad != NULL || pad_len == 0, SR_INVALID_PARAMETER);
    SR_ENSURE(pad_len <= 8, SR_INVALID_TOKEN);
    size_t enc = iov_enc_len(iov, n), flen;
    krb_rc4_token t;
    memset(&t, 0, sizeof t);
    wire_reader r, in;
    wire_reader_init(&r, token, token_len);
    SR_TRY(rc4_read_framing(&r, &flen));
    /* The header is all of the token; the framing covers it alone (DCE
     * style) or it and the data and the padding. */
    size_t inner = sizeof k_krb5_oid + KRB_GSS_RC4_WRAP_HDR_LEN;
    SR_ENSURE(wire_remaining(&r) == inner, SR_INVALID_TOKEN);
    SR_ENSURE(flen == inner || (enc <= SIZE_MAX / 2 && flen == inner + enc + pad_len),
              SR_INVALID_TOKEN);
    SR_TRY(wire_read_sub(&r, inner, &in));
    SR_TRY(rc4_parse_inner(&in, &t));
    SR_ENSURE(t.tok_id == RC4_TOK_WRAP && t.data_len == 0, SR_INVALID_TOKEN);
    bool sealed = t.seal_alg == RC4_SEAL_ALG_RC4;
    uint32_t s;
    sr dir = rc4_recv_seq(c, &t, &s);
    /* Work on a copy of the encrypted bytes: the caller's buffers change
     * only once the checksum matched. */
    size_t total = RC4_CONF_LEN + enc + pad_len;
    uint8_t *buf = xmalloc(total), ck[16];
    krb_gss_iov *view = calloc(n + 1, sizeof *view);
    crypto_part *parts = NULL;
    size_t np = 0;
    sr res = (buf && view) ? SR_SUCCESS : SR_FAIL(SR_NO_MEMORY);
    if (sr_is_ok(res)) {
        memcpy(buf, t.conf, RC4_CONF_LEN);
        size_t o = RC4_CONF_LEN;
        for (size_t i = 0; i < n; i++) {
            view[i] = iov[i];
            if (iov[i].sign_only) continue;
            view[i].data = buf + o;
            if (iov[i].len) memcpy(buf + o, iov[i].data, iov[i].len);
            o += iov[i].len;
        }
        if (pad_len) memcpy(buf + o, pad, pad_len);
        if (sealed) res = rc4_iov_crypt(c, s, buf, view, n, buf + o, pad_len);
        crypto_part pre[2] = {{t.hdr8, 8}, {buf, RC4_CONF_LEN}}, post[1] = {{buf + o, pad_len}};
        if (sr_is_ok(res)) res = iov_parts(pre, 2, view, n, post, pad_len ? 1 : 0, &parts, &np);
        if (sr_is_ok(res)) res = krb_get_mic(&c->rc4_seal, parts, np, ck);
        if (sr_is_ok(res) && !crypto_memeq(ck, t.cksum, 8)) res = SR_FAIL(SR_MESSAGE_ALTERED);
        if (sr_is_ok(res)) res = dir;
        /* RFC 1964 padding: each byte holds the pad length. */
        for (size_t i = 0; sr_is_ok(res) && i < pad_len; i++)
            if (buf[o + i] != pad_len) res = SR_FAIL(SR_INVALID_TOKEN);
        if (sr_is_ok(res))
            for (size_t i = 0; i < n; i++)
                if (!iov[i].sign_only && iov[i].len) memcpy(iov[i].data, view[i].data, iov[i].len);
    }
    free(parts);
    free(view);
    free_wipe(buf, total);
    if (!sr_is_ok(res)) return res;
    if (conf) *conf = sealed;
    *seq = s;
    return SR_SUCCESS;
}

sr krb_gss_wrap_iov(krb_gss_ctx *c, bool conf, uint64_t seq, krb_gss_iov *iov, size_t n,
                    uint8_t *token, size_t token_cap, size_t *token_len, uint8_t *pad,
                    size_t pad_cap, size_t *pad_len) {
    SR_ENSURE(c != NULL && c->ops != NULL && token != NULL && token_len != NULL,
              SR_INVALID_PARAMETER);
    SR_TRY(iov_check(iov, n));
    if (pad_len) *pad_len = 0;
    if (!c->cfx)
        return rc4_wrap_iov(c, conf, (uint32_t)seq, iov, n, token, token_cap, token_len, pad,
                            pad_cap, pad_len);
    krb_gss_keyset *ks = send_keys(c);
    const krb_enctype_ops *ops = ks->send_seal.ops;
    size_t ckl = ops->cksum_len, tl = krb_gss_iov_token_len(c, conf, 0);
    SR_ENSURE(token_cap >= tl, SR_BUFFER_TOO_SMALL);
    uint8_t flags = send_flags(c), hdr0[16];
    uint16_t rrc = krb_gss_dce_rrc(c, conf);
    if (!conf) {
        /* hdr | rotated (data | cksum) = hdr | cksum, data in place. */
        SR_TRY(cfx_header(hdr0, CFX_TOK_WRAP, flags, 0, 0, seq));
        crypto_part post[1] = {{hdr0, 16}}, *parts;
        size_t np;
        SR_TRY(iov_parts(NULL, 0, iov, n, post, 1, &parts, &np));
        sr r = krb_get_mic(&ks->send_seal, parts, np, token + 16);
        free(parts);
        SR_TRY(r);
        SR_TRY(cfx_header(token, CFX_TOK_WRAP, flags, (uint16_t)ckl, rrc, seq));
        *token_len = tl;
        return SR_SUCCESS;
    }
    /* hdr | rotated (E(conf | data | hdr0) | mac) = hdr | E(hdr0) | mac |
     * E(conf), the data encrypted in place (EC = 0). */
    flags |= KRB_GSS_FLAG_SEALED;
    SR_TRY(cfx_header(hdr0, CFX_TOK_WRAP, flags, 0, 0, seq));
    uint8_t *ehdr = token + 16, *mac = ehdr + 16, *cf = mac + ckl;
    memcpy(ehdr, hdr0, 16);
    SR_TRY(crypto_random(cf, ops->conf_len));
    krb_gss_iov *all = calloc(n + 1, sizeof *all);
    SR_ENSURE(all != NULL, SR_NO_MEMORY);
    for (size_t i = 0; i < n; i++) all[i] = iov[i];
    all[n] = (krb_gss_iov){ehdr, 16, false};
    sr r = krb_encrypt_iov(&ks->send_seal, cf, all, n + 1, mac);
    free(all);
    SR_TRY(r);
    SR_TRY(cfx_header(token, CFX_TOK_WRAP, flags, 0, rrc, seq));
    *token_len = tl;
    return SR_SUCCESS;
}

sr krb_gss_unwrap_iov(krb_gss_ctx *c, const uint8_t *token, size_t token_len, krb_gss_iov *iov,
                      size_t n, const uint8_t *pad, size_t pad_len, bool *conf, uint64_t *seq) {
    SR_ENSURE(c != NULL && c->ops != NULL && seq != NULL && (token != NULL || token_len == 0),
              SR_INVALID_PARAMETER);
    SR_TRY(iov_check(iov, n));
    if (!c->cfx) return rc4_unwrap_iov(c, token, token_len, iov, n, pad, pad_len, conf, seq);
    /* CFX has no padding: EC does that. */
    SR_ENSURE(pad_len == 0, SR_INVALID_TOKEN);
    krb_cfx_header h;
    krb_gss_keyset *ks;
    SR_TRY(krb_cfx_parse(token, token_len, &h));
    SR_ENSURE(h.tok_id == CFX_TOK_WRAP, SR_INVALID_TOKEN);
    SR_TRY(recv_keys(c, h.flags, &ks));
    const krb_enctype_ops *ops = ks->recv_seal.ops;
    size_t ckl = ops->cksum_len;
    bool sealed = (h.flags & KRB_GSS_FLAG_SEALED) != 0;
    uint8_t hdr0[16];
    memcpy(hdr0, token, 16);
    put_be16(hdr0 + 6, 0);
    if (!sealed) {
        /* The token is hdr | cksum: RRC = EC = checksum size. */
        SR_ENSURE(h.ec == ckl && h.rrc == ckl && h.body_len == ckl, SR_INVALID_TOKEN);
        put_be16(hdr0 + 4, 0);
        crypto_part post[1] = {{hdr0, 16}}, *parts;
        size_t np;
        SR_TRY(iov_parts(NULL, 0, iov, n, post, 1, &parts, &np));
        sr r = krb_verify_mic(&ks->recv_seal, parts, np, h.body, ckl);
        free(parts);
        SR_TRY(r);
        if (conf) *conf = false;
        *seq = h.seq;
        return SR_SUCCESS;
    }
    /* The token is hdr | E(filler | hdr0) | mac | E(conf): rotated by the
     * length of that trailer (MS-KILE DCE style: RRC + EC; else RRC). */
    size_t tail = (size_t)h.ec + 16 + ckl;
    size_t rot = (size_t)h.rrc + (c->dce_style ? h.ec : 0);
    SR_ENSURE(rot == tail && h.body_len == tail + ops->conf_len, SR_INVALID_TOKEN);
    uint8_t *tb = xmalloc(h.body_len);
    krb_gss_iov *all = calloc(n + 1, sizeof *all);
    sr r = (tb && all) ? SR_SUCCESS : SR_FAIL(SR_NO_MEMORY);
    if (sr_is_ok(r)) {
        memcpy(tb, h.body, h.body_len);
        for (size_t i = 0; i < n; i++) all[i] = iov[i];
        all[n] = (krb_gss_iov){tb, (size_t)h.ec + 16, false};
        r = krb_decrypt_iov(&ks->recv_seal, tb + tail, all, n + 1, tb + h.ec + 16);
    }
    /* The encrypted copy of the header must match the clear one. */
    if (sr_is_ok(r) && !crypto_memeq(tb + h.ec, hdr0, 16)) r = SR_FAIL(SR_MESSAGE_ALTERED);
    free(all);
    free_wipe(tb, h.body_len);
    SR_TRY(r);
    if (conf) *conf = true;
    *seq = h.seq;
    return SR_SUCCESS;
}

/* ---- replay / sequence window ---- */

void krb_seq_init(krb_seq_window *w, uint64_t initial, bool do_replay, bool do_sequence,
                  bool wide) {
    memset(w, 0, sizeof *w);
    w->do_replay = do_replay;
    w->do_sequence = do_sequence;
    w->mask_space = wide ? UINT64_MAX : UINT32_MAX;
    w->base = initial & w->mask_space;
}

krb_seq_status krb_seq_check(krb_seq_window *w, uint64_t seq) {
    uint64_t rel = (seq - w->base) & w->mask_space;
    uint64_t ahead = (rel - w->next) & w->mask_space;
    uint64_t half = w->mask_space / 2;
    if (ahead == 0) {
        w->seen = (w->seen << 1) | 1;
        w->next = (w->next + 1) & w->mask_space;
        return KRB_SEQ_OK;
    }
    if (ahead <= half) {
        /* Skipped ahead-many tokens. */
        w->seen = ahead >= KRB_SEQ_WINDOW ? 1 : (w->seen << ahead << 1) | 1;
        w->next = (rel + 1) & w->mask_space;
        return KRB_SEQ_GAP;
    }
    uint64_t back = (w->next - 1 - rel) & w->mask_space; /* 0: the last one */
    /* Before the window, or before the first token we ever expected. */
    if (back >= KRB_SEQ_WINDOW || back >= w->next) return KRB_SEQ_OLD;
    uint64_t bit = (uint64_t)1 << back;
    if (w->seen & bit) return KRB_SEQ_DUPLICATE;
    w->seen |= bit;
    return KRB_SEQ_UNSEQ;
}

sr krb_seq_verdict(const krb_seq_window *w, krb_seq_status st) {
    switch (st) {
    case KRB_SEQ_OK: return SR_SUCCESS;
    case KRB_SEQ_DUPLICATE:
    case KRB_SEQ_OLD:
        return (w->do_replay || w->do_sequence) ? SR_FAIL(SR_OUT_OF_SEQUENCE) : SR_SUCCESS;
    case KRB_SEQ_UNSEQ:
    case KRB_SEQ_GAP:
    default: return w->do_sequence ? SR_FAIL(SR_OUT_OF_SEQUENCE) : SR_SUCCESS;
    }
}
