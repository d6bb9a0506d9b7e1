/*
 * Kerberos crypto profiles (RFC 3961/3962/8009/4757) on the crypto core.
 * See krb_crypto.h. Written from the RFCs:
 *  - RFC 3961 5.1 (n-fold, DR/DK), 5.3 (usage constants 0x99/0xAA/0x55)
 *  - RFC 3962 (AES-CTS, HMAC-SHA1-96 over confounder||plaintext, PBKDF2-SHA1
 *    string-to-key with DK(tkey, "kerberos"), default 4096 iterations)
 *  - RFC 8009 (KDF-HMAC-SHA2, HMAC over IV||ciphertext, saltp = name|0|salt,
 *    default 32768 iterations)
 *  - RFC 4757 (rc4-hmac: K1 = HMAC-MD5(K, T), checksum first, 8-byte
 *    confounder; HMAC-MD5 checksum type -138 with Ksign)
 */
#include "krb_crypto.h"

#include <stdlib.h>
#include <string.h>

#define AES_BLOCK 16
#define STACK_TMP 2048

void krb_key_wipe(krb_key *k) {
    if (k != NULL) crypto_wipe(k, sizeof *k);
}

static void put_be32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void put_le32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* A scratch buffer: on the stack when small, else on the heap. */
typedef struct tmpbuf {
    uint8_t stack[STACK_TMP];
    uint8_t *p;
    size_t len;
} tmpbuf;

static sr tmp_get(tmpbuf *t, size_t len) {
    t->len = len;
    if (len <= sizeof t->stack) {
        t->p = t->stack;
        return SR_SUCCESS;
    }
    t->p = malloc(len);
    SR_ENSURE(t->p != NULL, SR_NO_MEMORY);
    return SR_SUCCESS;
}

static void tmp_release(tmpbuf *t) {
    if (t->p == NULL) return;
    crypto_wipe(t->p, t->len);
    if (t->p != t->stack) free(t->p);
    t->p = NULL;
}

/* ---- n-fold (RFC 3961 5.1) ---- */

static size_t gcd_size(size_t a, size_t b) {
    while (b != 0) {
        size_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* Bit `bit` (0 = most significant bit of byte 0) of in. */
static unsigned get_bit(const uint8_t *in, size_t bit) {
    return (in[bit / 8] >> (7 - bit % 8)) & 1u;
}

void krb_nfold(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len) {
    if (out_len == 0) return;
    memset(out, 0, out_len);
    if (in_len == 0) return;
    size_t nbits = in_len * 8;
    size_t lcm = in_len / gcd_size(in_len, out_len) * out_len; /* bytes */
    unsigned carry = 0;
    /* Walk the replicated string (copy c rotated right by 13*c bits) from
     * its last byte, adding it into out one out_len-chunk at a time with
     * ones' complement (end-around carry) addition. */
    for (size_t i = lcm; i-- > 0;) {
        size_t copy = i / in_len, j = i % in_len;
        size_t rot = (13 * copy) % nbits;
        /* byte j of the rotated copy = bits [8j - rot, 8j - rot + 8) mod n */
        size_t start = (8 * j + nbits - rot) % nbits;
        unsigned byte = 0;
        for (unsigned b = 0; b < 8; b++) byte = (byte << 1) | get_bit(in, (start + b) % nbits);
        size_t o = i % out_len;
        carry += out[o] + byte;
        out[o] = (uint8_t)carry;
        carry >>= 8;
        if (o == 0) {
            /* end of a chunk: fold the carry back in at the low end */
            for (size_t k = out_len; carry != 0 && k-- > 0;) {
                carry += out[k];
                out[k] = (uint8_t)carry;
                carry >>= 8;
                if (k == 0 && carry != 0) k = out_len;
            }
        }
    }
}

/* ---- profiles: common bits ---- */

static crypto_hash_alg aes_hash(int32_t enctype) {
    switch (enctype) {
    case KRB_ENCTYPE_AES128_CTS_HMAC_SHA256_128: return CRYPTO_HASH_SHA256;
    case KRB_ENCTYPE_AES256_CTS_HMAC_SHA384_192: return CRYPTO_HASH_SHA384;
    default: return CRYPTO_HASH_SHA1;
    }
}

static bool is_sha2(int32_t enctype) {
    return enctype == KRB_ENCTYPE_AES128_CTS_HMAC_SHA256_128 ||
           enctype == KRB_ENCTYPE_AES256_CTS_HMAC_SHA384_192;
}

/* Ke is the protocol key size; Kc and Ki are the MAC size for RFC 8009
 * (192 bits for enctype 20) and the key size for RFC 3962. */
static size_t derived_len(const krb_enctype_ops *ops, krb_key_kind kind) {
    if (is_sha2(ops->enctype) && kind != KRB_KEY_KE) return ops->cksum_len;
    return ops->key_len;
}

sr krb_key_set(krb_key *k, int32_t enctype, const void *bytes, size_t len) {
    SR_ENSURE(k != NULL && bytes != NULL, SR_INVALID_PARAMETER);
    const krb_enctype_ops *ops = krb_enctype_lookup(enctype);
    SR_ENSURE(ops != NULL && len == ops->key_len, SR_INVALID_PARAMETER);
    memset(k, 0, sizeof *k);
    k->enctype = enctype;
    k->len = len;
    memcpy(k->bytes, bytes, len);
    return SR_SUCCESS;
}

sr krb_key_random(krb_key *k, int32_t enctype) {
    SR_ENSURE(k != NULL, SR_INVALID_PARAMETER);
    const krb_enctype_ops *ops = krb_enctype_lookup(enctype);
    SR_ENSURE(ops != NULL, SR_INVALID_PARAMETER);
    memset(k, 0, sizeof *k);
    k->enctype = enctype;
    k->len = ops->key_len;
    return crypto_random(k->bytes, k->len);
}

/* ---- DK (RFC 3961 5.1) for the AES profiles ---- */

sr krb_dk(const krb_key *base, const uint8_t *constant, size_t constant_len, krb_key *out) {
    SR_ENSURE(base != NULL && out != NULL && constant != NULL && constant_len > 0,
              SR_INVALID_PARAMETER);
    SR_ENSURE(base->len == 16 || base->len == 32, SR_INVALID_PARAMETER);
    crypto_cipher_alg alg = base->len == 16 ? CRYPTO_AES128_ECB : CRYPTO_AES256_ECB;
    uint8_t block[AES_BLOCK];
    if (constant_len == AES_BLOCK)
        memcpy(block, constant, AES_BLOCK);
    else
        krb_nfold(constant, constant_len, block, AES_BLOCK);
    krb_key k;
    memset(&k, 0, sizeof k);
    k.enctype = base->enctype;
    k.len = base->len;
    sr r = SR_SUCCESS;
    /* DR: K1 = E(base, c), K(n+1) = E(base, Kn), each with a fresh zero IV;
     * random-to-key is the identity for AES. */
    for (size_t off = 0; off < k.len && sr_is_ok(r); off += AES_BLOCK) {
        r = crypto_cipher(alg, true, base->bytes, NULL, block, block, AES_BLOCK);
        if (sr_is_ok(r)) memcpy(k.bytes + off, block, AES_BLOCK);
    }
    crypto_wipe(block, sizeof block);
    if (sr_is_ok(r)) *out = k;
    krb_key_wipe(&k);
    return r;
}

/* RFC 8009 3: KDF-HMAC-SHA2(key, label, k) =
 * k-truncate(HMAC(key, 00000001 | label | 00 | k as 32-bit BE)). */
static sr kdf_hmac_sha2(crypto_hash_alg alg, const uint8_t *key, size_t key_len,
                        const uint8_t *label, size_t label_len, size_t out_bytes, uint8_t *out) {
    uint8_t one[4], zero = 0, kbits[4], mac[CRYPTO_SHA384_LEN];
    SR_ENSURE(out_bytes > 0 && out_bytes <= crypto_hash_len(alg), SR_INVALID_PARAMETER);
    put_be32(one, 1);
    put_be32(kbits, (uint32_t)(out_bytes * 8));
    crypto_part parts[4] = {{one, 4}, {label, label_len}, {&zero, 1}, {kbits, 4}};
    sr r = crypto_hmac(alg, key, key_len, parts, 4, mac);
    if (sr_is_ok(r)) memcpy(out, mac, out_bytes);
    crypto_wipe(mac, sizeof mac);
    return r;
}

static sr aes_derive_key(const krb_key *base, uint32_t usage, krb_key_kind kind, krb_key *out) {
    SR_ENSURE(base != NULL && out != NULL, SR_INVALID_PARAMETER);
    const krb_enctype_ops *ops = krb_enctype_lookup(base->enctype);
    SR_ENSURE(ops != NULL && ops->enctype != KRB_ENCTYPE_RC4_HMAC && base->len == ops->key_len,
              SR_INVALID_PARAMETER);
    uint8_t constant[5];
    put_be32(constant, usage);
    constant[4] = (uint8_t)kind;
    if (!is_sha2(ops->enctype)) return krb_dk(base, constant, sizeof constant, out);
    krb_key k;
    memset(&k, 0, sizeof k);
    k.enctype = base->enctype;
    k.len = derived_len(ops, kind);
    sr r = kdf_hmac_sha2(aes_hash(ops->enctype), base->bytes, base->len, constant,
                         sizeof constant, k.len, k.bytes);
    if (sr_is_ok(r)) *out = k;
    krb_key_wipe(&k);
    return r;
}

/* ---- string-to-key ---- */

static sr parse_iter(const krb_enctype_ops *ops, const uint8_t *params, size_t params_len,
                     uint32_t *iter) {
    if (params == NULL || params_len == 0) {
        *iter = ops->default_iter;
        return SR_SUCCESS;
    }
    SR_ENSURE(params_len == 4, SR_INVALID_PARAMETER);
    *iter = (uint32_t)params[0] << 24 | (uint32_t)params[1] << 16 | (uint32_t)params[2] << 8 |
            params[3];
    /* 0 means 2^32 iterations (RFC 3962 4): refuse rather than spin. */
    SR_ENSURE(*iter != 0, SR_INVALID_PARAMETER);
    return SR_SUCCESS;
}

static sr aes_string_to_key(const krb_enctype_ops *ops, const char *password, size_t password_len,
                            const uint8_t *salt, size_t salt_len, const uint8_t *params,
                            size_t params_len, krb_key *out) {
    SR_ENSURE(out != NULL && (password != NULL || password_len == 0), SR_INVALID_PARAMETER);
    SR_ENSURE(salt != NULL || salt_len == 0, SR_INVALID_PARAMETER);
    uint32_t iter;
    SR_TRY(parse_iter(ops, params, params_len, &iter));
    krb_key tkey;
    memset(&tkey, 0, sizeof tkey);
    tkey.enctype = ops->enctype;
    tkey.len = ops->key_len;
    sr r;
    if (!is_sha2(ops->enctype)) {
        r = crypto_pbkdf2(CRYPTO_HASH_SHA1, password, password_len, salt, salt_len, iter,
                          tkey.bytes, tkey.len);
        if (sr_is_ok(r)) r = krb_dk(&tkey, (const uint8_t *)"kerberos", 8, out);
    } else {
        /* saltp = enctype-name | 0x00 | salt */
        size_t nlen = strlen(ops->name);
        SR_ENSURE(salt_len <= SIZE_MAX - nlen - 1, SR_INVALID_PARAMETER);
        tmpbuf t = {.p = NULL};
        r = tmp_get(&t, nlen + 1 + salt_len);
        if (sr_is_ok(r)) {
            memcpy(t.p, ops->name, nlen);
            t.p[nlen] = 0;
            if (salt_len) memcpy(t.p + nlen + 1, salt, salt_len);
            r = crypto_pbkdf2(aes_hash(ops->enctype), password, password_len, t.p, t.len, iter,
                              tkey.bytes, tkey.len);
        }
        tmp_release(&t);
        if (sr_is_ok(r)) {
            krb_key k;
            memset(&k, 0, sizeof k);
            k.enctype = ops->enctype;
            k.len = ops->key_len;
            r = kdf_hmac_sha2(aes_hash(ops->enctype), tkey.bytes, tkey.len,
                              (const uint8_t *)"kerberos", 8, k.len, k.bytes);
            if (sr_is_ok(r)) *out = k;
            krb_key_wipe(&k);
        }
    }
    krb_key_wipe(&tkey);
    return r;
}

/* UTF-8 -> UTF-16LE (strict: no overlongs, surrogates or > U+10FFFF). */
static sr utf8_to_utf16le_local(const char *s, size_t len, uint8_t *out, size_t *out_len) {
    const uint8_t *p = (const uint8_t *)s;
    size_t i = 0, o = 0;
    while (i < len) {
        uint32_t c = p[i], min;
        size_t n;
        if (c < 0x80) { n = 0; min = 0; }
        else if ((c & 0xE0) == 0xC0) { c &= 0x1F; n = 1; min = 0x80; }
        else if ((c & 0xF0) == 0xE0) { c &= 0x0F; n = 2; min = 0x800; }
        else if ((c & 0xF8) == 0xF0) { c &= 0x07; n = 3; min = 0x10000; }
        else return SR_FAIL(SR_INVALID_PARAMETER);
        SR_ENSURE(len - i > n, SR_INVALID_PARAMETER);
        for (size_t k = 1; k <= n; k++) {
            SR_ENSURE((p[i + k] & 0xC0) == 0x80, SR_INVALID_PARAMETER);
            c = (c << 6) | (p[i + k] & 0x3F);
        }
        SR_ENSURE(c >= min && c <= 0x10FFFF && !(c >= 0xD800 && c <= 0xDFFF),
                  SR_INVALID_PARAMETER);
        i += n + 1;
        if (c >= 0x10000) {
            c -= 0x10000;
            uint32_t hi = 0xD800 | (c >> 10), lo = 0xDC00 | (c & 0x3FF);
            out[o++] = (uint8_t)hi; out[o++] = (uint8_t)(hi >> 8);
            out[o++] = (uint8_t)lo; out[o++] = (uint8_t)(lo >> 8);
        } else {
            out[o++] = (uint8_t)c; out[o++] = (uint8_t)(c >> 8);
        }
    }
    *out_len = o;
    return SR_SUCCESS;
}

static sr rc4_string_to_key(const krb_enctype_ops *ops, const char *password, size_t password_len,
                            const uint8_t *salt, size_t salt_len, const uint8_t *params,
                            size_t params_len, krb_key *out) {
    (void)salt; (void)salt_len; (void)params; (void)params_len; /* RC4 has no salt */
    SR_ENSURE(out != NULL && (password != NULL || password_len == 0), SR_INVALID_PARAMETER);
    /* UTF-16 never needs more than 2 bytes per UTF-8 byte. */
    SR_ENSURE(password_len <= (SIZE_MAX - 1) / 2, SR_INVALID_PARAMETER);
    tmpbuf t = {.p = NULL};
    SR_TRY(tmp_get(&t, password_len * 2 + 1));
    size_t ulen = 0;
    sr r = utf8_to_utf16le_local(password, password_len, t.p, &ulen);
    krb_key k;
    memset(&k, 0, sizeof k);
    k.enctype = ops->enctype;
    k.len = 16;
    if (sr_is_ok(r)) r = crypto_md4(t.p, ulen, k.bytes);
    if (sr_is_ok(r)) *out = k;
    krb_key_wipe(&k);
    tmp_release(&t);
    return r;
}

/* ---- AES profiles: per-usage keys, encrypt, decrypt, checksum ---- */

static sr aes_usage_init(krb_usage_keys *u, const krb_key *base, uint32_t usage) {
    krb_key kc, ki;
    crypto_hash_alg alg = aes_hash(base->enctype);
    sr r = aes_derive_key(base, usage, KRB_KEY_KE, &u->ke);
    if (sr_is_ok(r)) r = aes_derive_key(base, usage, KRB_KEY_KI, &ki);
    if (sr_is_ok(r)) {
        r = crypto_hmac_new(alg, ki.bytes, ki.len, &u->ki);
        krb_key_wipe(&ki);
    }
    if (sr_is_ok(r)) r = aes_derive_key(base, usage, KRB_KEY_KC, &kc);
    if (sr_is_ok(r)) {
        r = crypto_hmac_new(alg, kc.bytes, kc.len, &u->kc);
        krb_key_wipe(&kc);
    }
    return r;
}

/* HMAC with a cached template over parts, truncated to out_len. */
static sr hmac_parts(crypto_hmac_ctx *h, const crypto_part *parts, size_t nparts, uint8_t *out,
                     size_t out_len) {
    uint8_t mac[CRYPTO_SHA512_LEN];
    SR_TRY(crypto_hmac_start(h));
    for (size_t i = 0; i < nparts; i++) SR_TRY(crypto_hmac_update(h, parts[i].data, parts[i].len));
    SR_TRY(crypto_hmac_finish(h, mac));
    memcpy(out, mac, out_len);
    crypto_wipe(mac, sizeof mac);
    return SR_SUCCESS;
}

static sr aes_encrypt(krb_usage_keys *u, const uint8_t *conf, const uint8_t *in, size_t len,
                      uint8_t *out) {
    const krb_enctype_ops *ops = u->ops;
    size_t clen = AES_BLOCK + len;
    uint8_t *mac = out + clen;
    if (!is_sha2(ops->enctype)) {
        /* RFC 3962: H = HMAC-SHA1(Ki, conf | plaintext) truncated to 96 bits. */
        crypto_part p[2] = {{conf, AES_BLOCK}, {in, len}};
        SR_TRY(hmac_parts(u->ki, p, 2, mac, ops->cksum_len));
    }
    memmove(out + AES_BLOCK, in, len); /* in may alias out + AES_BLOCK */
    memcpy(out, conf, AES_BLOCK);
    SR_TRY(crypto_aes_cts(true, u->ke.bytes, u->ke.len, NULL, out, out, clen));
    if (is_sha2(ops->enctype)) {
        /* RFC 8009: H = HMAC(Ki, IV | C) truncated; IV is all zero. */
        static const uint8_t zero_iv[AES_BLOCK];
        crypto_part p[2] = {{zero_iv, AES_BLOCK}, {out, clen}};
        SR_TRY(hmac_parts(u->ki, p, 2, mac, ops->cksum_len));
    }
    return SR_SUCCESS;
}

static sr aes_decrypt(krb_usage_keys *u, const uint8_t *in, size_t in_len, uint8_t *out) {
    const krb_enctype_ops *ops = u->ops;
    size_t clen = in_len - ops->cksum_len;
    const uint8_t *mac = in + clen;
    uint8_t want[KRB_MAX_CKSUM_LEN];
    if (is_sha2(ops->enctype)) {
        static const uint8_t zero_iv[AES_BLOCK];
        crypto_part p[2] = {{zero_iv, AES_BLOCK}, {in, clen}};
        SR_TRY(hmac_parts(u->ki, p, 2, want, ops->cksum_len));
        if (!crypto_memeq(want, mac, ops->cksum_len)) return SR_FAIL(SR_MESSAGE_ALTERED);
    }
    tmpbuf t = {.p = NULL};
    SR_TRY(tmp_get(&t, clen));
    sr r = crypto_aes_cts(false, u->ke.bytes, u->ke.len, NULL, in, t.p, clen);
    if (sr_is_ok(r) && !is_sha2(ops->enctype)) {
        crypto_part p[1] = {{t.p, clen}};
        r = hmac_parts(u->ki, p, 1, want, ops->cksum_len);
        if (sr_is_ok(r) && !crypto_memeq(want, mac, ops->cksum_len))
            r = SR_FAIL(SR_MESSAGE_ALTERED);
    }
    if (sr_is_ok(r) && clen > AES_BLOCK) memcpy(out, t.p + AES_BLOCK, clen - AES_BLOCK);
    tmp_release(&t);
    return r;
}

static sr aes_checksum(krb_usage_keys *u, const crypto_part *parts, size_t nparts, uint8_t *out) {
    return hmac_parts(u->kc, parts, nparts, out, u->ops->cksum_len);
}

/* ---- RC4-HMAC (RFC 4757) ---- */

uint32_t krb_rc4_ms_usage(uint32_t usage) {
    switch (usage) {
    case 3: return 8;   /* AS-REP encrypted part */
    case 23: return 13; /* GSS acceptor sign -> the RFC 4757 wrap usage */
    default: return usage;
    }
}

static const uint8_t k_signaturekey[] = "signaturekey"; /* 13 bytes with the NUL */

#define RC4_MAX_PARTS 15

static sr rc4_cksum_with(crypto_hmac_ctx *ksign_ctx, const uint8_t *ksign, uint32_t ms_usage,
                         const crypto_part *parts, size_t nparts, uint8_t out[16]) {
    SR_ENSURE(nparts <= RC4_MAX_PARTS, SR_INVALID_PARAMETER);
    uint8_t t[4], tmp[CRYPTO_MD5_LEN];
    put_le32(t, ms_usage);
    crypto_part all[RC4_MAX_PARTS + 1];
    all[0].data = t;
    all[0].len = 4;
    for (size_t i = 0; i < nparts; i++) all[i + 1] = parts[i];
    SR_TRY(crypto_hash(CRYPTO_HASH_MD5, all, nparts + 1, tmp));
    crypto_part p[1] = {{tmp, sizeof tmp}};
    if (ksign_ctx != NULL) return hmac_parts(ksign_ctx, p, 1, out, 16);
    return crypto_hmac(CRYPTO_HASH_MD5, ksign, 16, p, 1, out);
}

sr krb_rc4_hmac_md5_cksum(const krb_key *key, uint32_t ms_usage, const crypto_part *parts,
                          size_t nparts, uint8_t out[16]) {
    SR_ENSURE(key != NULL && out != NULL && key->len == 16, SR_INVALID_PARAMETER);
    uint8_t ksign[CRYPTO_MD5_LEN];
    crypto_part p[1] = {{k_signaturekey, sizeof k_signaturekey}};
    SR_TRY(crypto_hmac(CRYPTO_HASH_MD5, key->bytes, key->len, p, 1, ksign));
    sr r = rc4_cksum_with(NULL, ksign, ms_usage, parts, nparts, out);
    crypto_wipe(ksign, sizeof ksign);
    return r;
}

static sr rc4_usage_init(krb_usage_keys *u, const krb_key *base, uint32_t usage) {
    uint8_t t[4], ksign[CRYPTO_MD5_LEN];
    put_le32(t, krb_rc4_ms_usage(usage));
    crypto_part pt[1] = {{t, 4}};
    u->ke.enctype = base->enctype;
    u->ke.len = 16;
    SR_TRY(crypto_hmac(CRYPTO_HASH_MD5, base->bytes, base->len, pt, 1, u->ke.bytes));
    SR_TRY(crypto_hmac_new(CRYPTO_HASH_MD5, u->ke.bytes, 16, &u->ki));
    crypto_part ps[1] = {{k_signaturekey, sizeof k_signaturekey}};
    SR_TRY(crypto_hmac(CRYPTO_HASH_MD5, base->bytes, base->len, ps, 1, ksign));
    sr r = crypto_hmac_new(CRYPTO_HASH_MD5, ksign, sizeof ksign, &u->kc);
    crypto_wipe(ksign, sizeof ksign);
    return r;
}

/* RC4 with K3 over two consecutive pieces. */
static sr rc4_two(const uint8_t k3[16], const uint8_t *a, uint8_t *a_out, size_t a_len,
                  const uint8_t *b, uint8_t *b_out, size_t b_len) {
    crypto_rc4 *rc4;
    SR_TRY(crypto_rc4_new(k3, 16, &rc4));
    sr r = crypto_rc4_update(rc4, a, a_out, a_len);
    if (sr_is_ok(r) && b_len > 0) r = crypto_rc4_update(rc4, b, b_out, b_len);
    crypto_rc4_free(rc4);
    return r;
}

static sr rc4_encrypt(krb_usage_keys *u, const uint8_t *conf, const uint8_t *in, size_t len,
                      uint8_t *out) {
    /* out = checksum(16) | RC4(K3, conf(8) | data); checksum = HMAC(K1,
     * conf | data); K3 = HMAC(K1, checksum). */
    uint8_t k3[16];
    crypto_part p[2] = {{conf, 8}, {in, len}};
    SR_TRY(hmac_parts(u->ki, p, 2, out, 16));
    crypto_part pk[1] = {{out, 16}};
    SR_TRY(hmac_parts(u->ki, pk, 1, k3, 16));
    uint8_t c8[8];
    memcpy(c8, conf, 8);
    memmove(out + 24, in, len);
    sr r = rc4_two(k3, c8, out + 16, 8, out + 24, out + 24, len);
    crypto_wipe(k3, sizeof k3);
    crypto_wipe(c8, sizeof c8);
    return r;
}

static sr rc4_decrypt(krb_usage_keys *u, const uint8_t *in, size_t in_len, uint8_t *out) {
    uint8_t k3[16], want[16];
    crypto_part pk[1] = {{in, 16}};
    SR_TRY(hmac_parts(u->ki, pk, 1, k3, 16));
    tmpbuf t = {.p = NULL};
    sr r = tmp_get(&t, in_len - 16);
    if (sr_is_ok(r)) r = rc4_two(k3, in + 16, t.p, in_len - 16, NULL, NULL, 0);
    if (sr_is_ok(r)) {
        crypto_part p[1] = {{t.p, t.len}};
        r = hmac_parts(u->ki, p, 1, want, 16);
    }
    if (sr_is_ok(r) && !crypto_memeq(want, in, 16)) r = SR_FAIL(SR_MESSAGE_ALTERED);
    if (sr_is_ok(r) && t.len > 8) memcpy(out, t.p + 8, t.len - 8);
    crypto_wipe(k3, sizeof k3);
    tmp_release(&t);
    return r;
}

static sr rc4_checksum(krb_usage_keys *u, const crypto_part *parts, size_t nparts, uint8_t *out) {
    return rc4_cksum_with(u->kc, NULL, krb_rc4_ms_usage(u->usage), parts, nparts, out);
}

static sr rc4_derive_key(const krb_key *base, uint32_t usage, krb_key_kind kind, krb_key *out) {
    (void)base; (void)usage; (void)kind; (void)out;
    return SR_FAIL(SR_UNSUPPORTED);
}

/* ---- the table ---- */

static const krb_enctype_ops k_ops[] = {
    {KRB_ENCTYPE_AES128_CTS_HMAC_SHA1_96, "aes128-cts-hmac-sha1-96", 15, 16, 12, 16, 1, 4096,
     aes_string_to_key, aes_derive_key, aes_usage_init, aes_encrypt, aes_decrypt, aes_checksum},
    {KRB_ENCTYPE_AES256_CTS_HMAC_SHA1_96, "aes256-cts-hmac-sha1-96", 16, 32, 12, 16, 1, 4096,
     aes_string_to_key, aes_derive_key, aes_usage_init, aes_encrypt, aes_decrypt, aes_checksum},
    {KRB_ENCTYPE_AES128_CTS_HMAC_SHA256_128, "aes128-cts-hmac-sha256-128", 19, 16, 16, 16, 1,
     32768, aes_string_to_key, aes_derive_key, aes_usage_init, aes_encrypt, aes_decrypt,
     aes_checksum},
    {KRB_ENCTYPE_AES256_CTS_HMAC_SHA384_192, "aes256-cts-hmac-sha384-192", 20, 32, 24, 16, 1,
     32768, aes_string_to_key, aes_derive_key, aes_usage_init, aes_encrypt, aes_decrypt,
     aes_checksum},
    {KRB_ENCTYPE_RC4_HMAC, "arcfour-hmac", -138, 16, 16, 8, 1, 0, rc4_string_to_key,
     rc4_derive_key, rc4_usage_init, rc4_encrypt, rc4_decrypt, rc4_checksum},
};

const krb_enctype_ops *krb_enctype_lookup(int32_t enctype) {
    for (size_t i = 0; i < sizeof k_ops / sizeof k_ops[0]; i++)
        if (k_ops[i].enctype == enctype) return &k_ops[i];
    return NULL;
}

const char *krb_enctype_name(int32_t enctype) {
    const krb_enctype_ops *ops = krb_enctype_lookup(enctype);
    return ops ? ops->name : NULL;
}

sr krb_string_to_key(int32_t enctype, const char *password, size_t password_len,
                     const uint8_t *salt, size_t salt_len, const uint8_t *params,
                     size_t params_len, krb_key *out) {
    const krb_enctype_ops *ops = krb_enctype_lookup(enctype);
    SR_ENSURE(ops != NULL, SR_INVALID_PARAMETER);
    return ops->string_to_key(ops, password, password_len, salt, salt_len, params, params_len,
                              out);
}

sr krb_derive_key(const krb_key *base, uint32_t usage, krb_key_kind kind, krb_key *out) {
    SR_ENSURE(base != NULL, SR_INVALID_PARAMETER);
    const krb_enctype_ops *ops = krb_enctype_lookup(base->enctype);
    SR_ENSURE(ops != NULL, SR_INVALID_PARAMETER);
    return ops->derive_key(base, usage, kind, out);
}

sr krb_usage_keys_init(krb_usage_keys *u, const krb_key *base, uint32_t usage) {
    SR_ENSURE(u != NULL, SR_INVALID_PARAMETER);
    memset(u, 0, sizeof *u);
    SR_ENSURE(base != NULL, SR_INVALID_PARAMETER);
    const krb_enctype_ops *ops = krb_enctype_lookup(base->enctype);
    SR_ENSURE(ops != NULL && base->len == ops->key_len, SR_INVALID_PARAMETER);
    u->ops = ops;
    u->usage = usage;
    sr r = ops->usage_init(u, base, usage);
    if (!sr_is_ok(r)) krb_usage_keys_free(u);
    return r;
}

void krb_usage_keys_free(krb_usage_keys *u) {
    if (u == NULL) return;
    crypto_hmac_free(u->ki);
    crypto_hmac_free(u->kc);
    crypto_wipe(u, sizeof *u);
}

size_t krb_encrypt_len(const krb_enctype_ops *ops, size_t len) {
    return ops->conf_len + len + ops->cksum_len;
}

sr krb_encrypt_with_confounder(krb_usage_keys *u, const uint8_t *conf, const uint8_t *in,
                               size_t len, uint8_t *out) {
    SR_ENSURE(u != NULL && u->ops != NULL && conf != NULL && out != NULL, SR_INVALID_PARAMETER);
    SR_ENSURE(in != NULL || len == 0, SR_INVALID_PARAMETER);
    SR_ENSURE(len <= SIZE_MAX - 64, SR_INVALID_PARAMETER);
    static const uint8_t empty[1];
    return u->ops->encrypt(u, conf, in ? in : empty, len, out);
}

sr krb_encrypt(krb_usage_keys *u, const uint8_t *in, size_t len, uint8_t *out) {
    SR_ENSURE(u != NULL && u->ops != NULL, SR_INVALID_PARAMETER);
    uint8_t conf[KRB_MAX_CONF_LEN];
    SR_TRY(crypto_random(conf, u->ops->conf_len));
    return krb_encrypt_with_confounder(u, conf, in, len, out);
}

sr krb_decrypt(krb_usage_keys *u, const uint8_t *in, size_t in_len, uint8_t *out,
               size_t *out_len) {
    SR_ENSURE(u != NULL && u->ops != NULL && out_len != NULL, SR_INVALID_PARAMETER);
    SR_ENSURE(in != NULL || in_len == 0, SR_INVALID_PARAMETER);
    size_t over = u->ops->conf_len + u->ops->cksum_len;
    SR_ENSURE(in_len >= over, SR_INVALID_TOKEN);
    SR_ENSURE(out != NULL || in_len == over, SR_INVALID_PARAMETER);
    sr r = u->ops->decrypt(u, in, in_len, out);
    if (!sr_is_ok(r)) {
        if (out != NULL) crypto_wipe(out, in_len - over);
        return r;
    }
    *out_len = in_len - over;
    return SR_SUCCESS;
}

sr krb_get_mic(krb_usage_keys *u, const crypto_part *parts, size_t nparts, uint8_t *out) {
    SR_ENSURE(u != NULL && u->ops != NULL && out != NULL, SR_INVALID_PARAMETER);
    SR_ENSURE(parts != NULL || nparts == 0, SR_INVALID_PARAMETER);
    return u->ops->checksum(u, parts, nparts, out);
}

sr krb_verify_mic(krb_usage_keys *u, const crypto_part *parts, size_t nparts,
                  const uint8_t *cksum, size_t cksum_len) {
    SR_ENSURE(u != NULL && u->ops != NULL && (cksum != NULL || cksum_len == 0),
              SR_INVALID_PARAMETER);
    if (cksum_len != u->ops->cksum_len) return SR_FAIL(SR_MESSAGE_ALTERED);
    uint8_t want[KRB_MAX_CKSUM_LEN];
    SR_TRY(krb_get_mic(u, parts, nparts, want));
    bool ok = crypto_memeq(want, cksum, cksum_len);
    crypto_wipe(want, sizeof want);
    return ok ? SR_SUCCESS : SR_FAIL(SR_MESSAGE_ALTERED);
}

sr krb_encrypt_oneshot(const krb_key *key, uint32_t usage, const uint8_t *in, size_t len,
                       uint8_t *out) {
    krb_usage_keys u;
    SR_TRY(krb_usage_keys_init(&u, key, usage));
    sr r = krb_encrypt(&u, in, len, out);
    krb_usage_keys_free(&u);
    return r;
}

sr krb_decrypt_oneshot(const krb_key *key, uint32_t usage, const uint8_t *in, size_t in_len,
                       uint8_t *out, size_t *out_len) {
    krb_usage_keys u;
    SR_TRY(krb_usage_keys_init(&u, key, usage));
    sr r = krb_decrypt(&u, in, in_len, out, out_len);
    krb_usage_keys_free(&u);
    return r;
}
