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

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "wire/cursor.h"

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

/* Byte j of `in` rotated right by `rot` bits (as one in_len-byte string):
 * its bits [8j - rot, 8j - rot + 8) mod 8*in_len, i.e. the tail of one byte
 * of in and the head of the next (the string wraps at a byte boundary). */
static unsigned rotated_byte(const uint8_t *in, size_t in_len, size_t j, size_t rot) {
    size_t nbits = in_len * 8;
    size_t start = (8 * j + nbits - rot) % nbits;
    size_t b = start / 8;
    unsigned s = (unsigned)(start % 8);
    if (s == 0) return in[b];
    return ((unsigned)in[b] << s | (unsigned)in[(b + 1) % in_len] >> (8 - s)) & 0xffu;
}

/* The lcm(in_len, out_len)-byte string made of copies of in, copy c rotated
 * right by 13*c bits, cut into out_len-byte chunks that are summed with
 * ones' complement addition. One pass from the last byte to the first,
 * byte by byte: the carry out of a chunk's first (most significant) byte
 * goes on into the last byte of the running sum with the next chunk (the
 * end-around carry, taken one chunk later, which ones' complement addition
 * allows), and what is left at the end goes around until none is. */
void krb_nfold(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len) {
    if (out_len == 0) return;
    memset(out, 0, out_len);
    if (in_len == 0) return;
    size_t nbits = in_len * 8;
    size_t lcm = in_len / gcd_size(in_len, out_len) * out_len; /* bytes */
    unsigned carry = 0;
    size_t i = lcm;
    for (size_t copy = lcm / in_len; copy-- > 0;) {
        size_t rot = (13 * copy) % nbits;
        for (size_t j = in_len; j-- > 0;) {
            size_t o = --i % out_len;
            carry += out[o] + rotated_byte(in, in_len, j, rot);
            out[o] = (uint8_t)carry;
            carry >>= 8;
        }
    }
    while (carry != 0) {
        for (size_t k = out_len; carry != 0 && k-- > 0;) {
            carry += out[k];
            out[k] = (uint8_t)carry;
            carry >>= 8;
        }
    }
}

/* ---- RFC 3961 5.3 usage constants, folded once ----
 * DK(base, usage | kind) for the RFC 3962 profiles n-folds the 5-byte
 * constant to the AES block size. Usages below KRB_FOLDED_USAGES (every
 * usage of RFC 4120 and RFC 4121) come from a table made on first use;
 * others are folded per call. */
#define KRB_FOLDED_USAGES 64
static uint8_t g_folded[KRB_FOLDED_USAGES][3][AES_BLOCK];
static pthread_once_t g_folded_once = PTHREAD_ONCE_INIT;

static size_t kind_index(krb_key_kind kind) {
    return kind == KRB_KEY_KC ? 0 : kind == KRB_KEY_KE ? 1 : 2;
}

static void usage_constant(uint32_t usage, krb_key_kind kind, uint8_t c[5]) {
    put_be32(c, usage);
    c[4] = (uint8_t)kind;
}

static void folded_init(void) {
    static const krb_key_kind kinds[3] = {KRB_KEY_KC, KRB_KEY_KE, KRB_KEY_KI};
    for (uint32_t u = 0; u < KRB_FOLDED_USAGES; u++) {
        for (size_t k = 0; k < 3; k++) {
            uint8_t c[5];
            usage_constant(u, kinds[k], c);
            krb_nfold(c, sizeof c, g_folded[u][kind_index(kinds[k])], AES_BLOCK);
        }
    }
}

/* n-fold(usage | kind, 128 bits). */
static void folded_constant(uint32_t usage, krb_key_kind kind, uint8_t out[AES_BLOCK]) {
    if (usage < KRB_FOLDED_USAGES) {
        pthread_once(&g_folded_once, folded_init);
        memcpy(out, g_folded[usage][kind_index(kind)], AES_BLOCK);
        return;
    }
    uint8_t c[5];
    usage_constant(usage, kind, c);
    krb_nfold(c, sizeof c, out, AES_BLOCK);
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
    crypto_cipher_alg alg = base->len == 16 ? CRYPTO_AES128_CBC : CRYPTO_AES256_CBC;
    /* DR: K1 = E(base, c), K(n+1) = E(base, Kn); random-to-key is the
     * identity for AES. That chain is CBC under a zero IV over
     * c | 0 | 0 ...: block n+1 is E(0 xor Kn). One cipher call. */
    static const uint8_t zero_iv[AES_BLOCK];
    uint8_t blocks[KRB_MAX_KEY_LEN];
    memset(blocks, 0, sizeof blocks);
    if (constant_len == AES_BLOCK)
        memcpy(blocks, constant, AES_BLOCK);
    else
        krb_nfold(constant, constant_len, blocks, AES_BLOCK);
    krb_key k;
    memset(&k, 0, sizeof k);
    k.enctype = base->enctype;
    k.len = base->len;
    sr r = crypto_cipher(alg, true, base->bytes, zero_iv, blocks, k.bytes, k.len);
    crypto_wipe(blocks, sizeof blocks);
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
    if (!is_sha2(ops->enctype)) {
        uint8_t folded[AES_BLOCK];
        folded_constant(usage, kind, folded);
        return krb_dk(base, folded, sizeof folded, out);
    }
    uint8_t constant[5];
    usage_constant(usage, kind, constant);
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
    wire_reader rd;
    wire_reader_init(&rd, params, params_len);
    SR_ENSURE(sr_is_ok(wire_read_u32be(&rd, iter)), SR_INVALID_PARAMETER);
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

/* A derived key (kind) of u->base as a keyed HMAC template. */
static sr aes_hmac_key(krb_usage_keys *u, krb_key_kind kind, crypto_hmac_ctx **out) {
    krb_key k;
    SR_TRY(aes_derive_key(&u->base, u->usage, kind, &k));
    sr r = crypto_hmac_new(aes_hash(u->base.enctype), k.bytes, k.len, out);
    krb_key_wipe(&k);
    return r;
}

static sr aes_usage_derive(krb_usage_keys *u, bool enc) {
    if (!enc) return aes_hmac_key(u, KRB_KEY_KC, &u->kc);
    SR_TRY(aes_derive_key(&u->base, u->usage, KRB_KEY_KE, &u->ke));
    return aes_hmac_key(u, KRB_KEY_KI, &u->ki);
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

static sr rc4_usage_derive(krb_usage_keys *u, bool enc) {
    const krb_key *base = &u->base;
    uint8_t t[4], ksign[CRYPTO_MD5_LEN];
    if (enc) {
        put_le32(t, krb_rc4_ms_usage(u->usage));
        crypto_part pt[1] = {{t, 4}};
        u->ke.enctype = base->enctype;
        u->ke.len = 16;
        SR_TRY(crypto_hmac(CRYPTO_HASH_MD5, base->bytes, base->len, pt, 1, u->ke.bytes));
        return crypto_hmac_new(CRYPTO_HASH_MD5, u->ke.bytes, 16, &u->ki);
    }
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
     aes_string_to_key, aes_derive_key, aes_usage_derive, aes_encrypt, aes_decrypt, aes_checksum},
    {KRB_ENCTYPE_AES256_CTS_HMAC_SHA1_96, "aes256-cts-hmac-sha1-96", 16, 32, 12, 16, 1, 4096,
     aes_string_to_key, aes_derive_key, aes_usage_derive, aes_encrypt, aes_decrypt, aes_checksum},
    {KRB_ENCTYPE_AES128_CTS_HMAC_SHA256_128, "aes128-cts-hmac-sha256-128", 19, 16, 16, 16, 1,
     32768, aes_string_to_key, aes_derive_key, aes_usage_derive, aes_encrypt, aes_decrypt,
     aes_checksum},
    {KRB_ENCTYPE_AES256_CTS_HMAC_SHA384_192, "aes256-cts-hmac-sha384-192", 20, 32, 24, 16, 1,
     32768, aes_string_to_key, aes_derive_key, aes_usage_derive, aes_encrypt, aes_decrypt,
     aes_checksum},
    {KRB_ENCTYPE_RC4_HMAC, "arcfour-hmac", -138, 16, 16, 8, 1, 0, rc4_string_to_key,
     rc4_derive_key, rc4_usage_derive, rc4_encrypt, rc4_decrypt, rc4_checksum},
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
    u->base = *base;
    return SR_SUCCESS;
}

/* The keys of one half (enc: Ke and Ki; else Kc), derived on first use. A
 * failed derivation leaves that half empty (tried again next time). */
static sr usage_need(krb_usage_keys *u, bool enc) {
    if (enc ? u->have_enc : u->have_cksum) return SR_SUCCESS;
    sr r = u->ops->usage_derive(u, enc);
    if (!sr_is_ok(r)) {
        if (enc) {
            crypto_hmac_free(u->ki);
            u->ki = NULL;
            krb_key_wipe(&u->ke);
        } else {
            crypto_hmac_free(u->kc);
            u->kc = NULL;
        }
        return r;
    }
    if (enc)
        u->have_enc = true;
    else
        u->have_cksum = true;
    return SR_SUCCESS;
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
    SR_TRY(usage_need(u, true));
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
    SR_TRY(usage_need(u, true));
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
    SR_TRY(usage_need(u, false));
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

/* ---- scattered plaintext (GSS IOV / SSPI buffer lists) ---- */

static bool iov_args_ok(const krb_usage_keys *u, const uint8_t *conf, const krb_crypt_iov *parts,
                        size_t n, const uint8_t *mac) {
    if (u == NULL || u->ops == NULL || conf == NULL || mac == NULL) return false;
    if (u->ops->enctype == KRB_ENCTYPE_RC4_HMAC || (parts == NULL && n > 0)) return false;
    for (size_t i = 0; i < n; i++)
        if (parts[i].data == NULL && parts[i].len > 0) return false;
    return true;
}

/* conf | the encrypted parts, in order: the CBC-CS3 stream. */
static sr iov_gather(const uint8_t *conf, const krb_crypt_iov *parts, size_t n, tmpbuf *t) {
    size_t total = AES_BLOCK;
    for (size_t i = 0; i < n; i++) {
        if (parts[i].sign_only) continue;
        SR_ENSURE(parts[i].len <= SIZE_MAX - 64 - total, SR_INVALID_PARAMETER);
        total += parts[i].len;
    }
    SR_TRY(tmp_get(t, total));
    memcpy(t->p, conf, AES_BLOCK);
    size_t o = AES_BLOCK;
    for (size_t i = 0; i < n; i++) {
        if (parts[i].sign_only || parts[i].len == 0) continue;
        memcpy(t->p + o, parts[i].data, parts[i].len);
        o += parts[i].len;
    }
    return SR_SUCCESS;
}

static void iov_scatter(const tmpbuf *t, uint8_t *conf, krb_crypt_iov *parts, size_t n) {
    memcpy(conf, t->p, AES_BLOCK);
    size_t o = AES_BLOCK;
    for (size_t i = 0; i < n; i++) {
        if (parts[i].sign_only || parts[i].len == 0) continue;
        memcpy(parts[i].data, t->p + o, parts[i].len);
        o += parts[i].len;
    }
}

/* HMAC(Ki) over [prefix |] first | every part in order. */
static sr iov_hmac(krb_usage_keys *u, const uint8_t *prefix, const uint8_t *first,
                   const krb_crypt_iov *parts, size_t n, uint8_t *out) {
    uint8_t mac[CRYPTO_SHA512_LEN];
    SR_TRY(crypto_hmac_start(u->ki));
    if (prefix) SR_TRY(crypto_hmac_update(u->ki, prefix, AES_BLOCK));
    SR_TRY(crypto_hmac_update(u->ki, first, AES_BLOCK));
    for (size_t i = 0; i < n; i++)
        if (parts[i].len) SR_TRY(crypto_hmac_update(u->ki, parts[i].data, parts[i].len));
    SR_TRY(crypto_hmac_finish(u->ki, mac));
    memcpy(out, mac, u->ops->cksum_len);
    crypto_wipe(mac, sizeof mac);
    return SR_SUCCESS;
}

sr krb_encrypt_iov(krb_usage_keys *u, uint8_t *conf, krb_crypt_iov *parts, size_t n,
                   uint8_t *mac) {
    SR_ENSURE(iov_args_ok(u, conf, parts, n, mac), SR_INVALID_PARAMETER);
    SR_TRY(usage_need(u, true));
    static const uint8_t zero_iv[AES_BLOCK];
    bool etm = is_sha2(u->ops->enctype);
    /* RFC 3962: the MAC covers the plaintext, sign-only parts included. */
    if (!etm) SR_TRY(iov_hmac(u, NULL, conf, parts, n, mac));
    tmpbuf t = {.p = NULL};
    SR_TRY(iov_gather(conf, parts, n, &t));
    sr r = crypto_aes_cts(true, u->ke.bytes, u->ke.len, NULL, t.p, t.p, t.len);
    if (sr_is_ok(r)) iov_scatter(&t, conf, parts, n);
    tmp_release(&t);
    /* RFC 8009: the MAC covers IV | ciphertext, sign-only parts (clear)
     * where they stand. */
    if (sr_is_ok(r) && etm) r = iov_hmac(u, zero_iv, conf, parts, n, mac);
    return r;
}

sr krb_decrypt_iov(krb_usage_keys *u, uint8_t *conf, krb_crypt_iov *parts, size_t n,
                   const uint8_t *mac) {
    SR_ENSURE(iov_args_ok(u, conf, parts, n, mac), SR_INVALID_PARAMETER);
    SR_TRY(usage_need(u, true));
    static const uint8_t zero_iv[AES_BLOCK];
    bool etm = is_sha2(u->ops->enctype);
    size_t cl = u->ops->cksum_len;
    uint8_t want[KRB_MAX_CKSUM_LEN];
    if (etm) {
        SR_TRY(iov_hmac(u, zero_iv, conf, parts, n, want));
        SR_ENSURE(crypto_memeq(want, mac, cl), SR_MESSAGE_ALTERED);
    }
    tmpbuf t = {.p = NULL};
    SR_TRY(iov_gather(conf, parts, n, &t));
    sr r = crypto_aes_cts(false, u->ke.bytes, u->ke.len, NULL, t.p, t.p, t.len);
    if (sr_is_ok(r) && !etm) {
        /* The MAC over the plaintext, taken from the scratch copy (the
         * caller's buffers change only once it matched). */
        uint8_t full[CRYPTO_SHA512_LEN];
        size_t o = AES_BLOCK;
        r = crypto_hmac_start(u->ki);
        if (sr_is_ok(r)) r = crypto_hmac_update(u->ki, t.p, AES_BLOCK);
        for (size_t i = 0; i < n && sr_is_ok(r); i++) {
            if (parts[i].len == 0) continue;
            if (parts[i].sign_only) {
                r = crypto_hmac_update(u->ki, parts[i].data, parts[i].len);
            } else {
                r = crypto_hmac_update(u->ki, t.p + o, parts[i].len);
                o += parts[i].len;
            }
        }
        if (sr_is_ok(r)) r = crypto_hmac_finish(u->ki, full);
        if (sr_is_ok(r) && !crypto_memeq(full, mac, cl)) r = SR_FAIL(SR_MESSAGE_ALTERED);
        crypto_wipe(full, sizeof full);
    }
    if (sr_is_ok(r)) iov_scatter(&t, conf, parts, n);
    tmp_release(&t);
    return r;
}
