/*
 * Portable MD5 (RFC 1321), HMAC-MD5 (RFC 2104) and RC4 for the hot paths of
 * NTLM (see crypto.h, "Portable primitives"). Written from the RFC text;
 * caller-owned state, no heap, no OpenSSL object, so nothing here can fail
 * once the arguments are valid.
 *
 * Why not EVP: OpenSSL 3's EVP_MD_CTX_copy_ex and EVP_DigestInit_ex2
 * allocate a provider context on every call, which for NTLM's 16-64 byte
 * HMACs costs more than the hashing itself; MD5 and RC4 are short and have
 * well-known test vectors (test_crypto_primitives, the MS-NLMP vectors).
 */
#include "crypto.h"

#include <string.h>

/* ---- MD5 ---------------------------------------------------------------- */

static uint32_t rd_le32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void wr_le32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

#define ROTL32(x, n) (((x) << (n)) | ((x) >> (32 - (n))))
/* The four auxiliary functions of RFC 1321 3.4 (F and G in the equivalent
 * select forms). */
#define F(x, y, z) ((z) ^ ((x) & ((y) ^ (z))))
#define G(x, y, z) ((y) ^ ((z) & ((x) ^ (y))))
#define H(x, y, z) ((x) ^ (y) ^ (z))
#define I(x, y, z) ((y) ^ ((x) | ~(z)))
#define STEP(f, a, b, c, d, xk, t, s)                                                         \
    do {                                                                                      \
        (a) += f((b), (c), (d)) + (xk) + (t);                                                 \
        (a) = ROTL32((a), (s)) + (b);                                                         \
    } while (0)

/* Process n 64-byte blocks. */
static void md5_blocks(uint32_t h[4], const uint8_t *p, size_t n) {
    uint32_t x[16];
    for (; n > 0; n--, p += 64) {
        for (int k = 0; k < 16; k++) x[k] = rd_le32(p + 4 * k);
        uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
        /* Round 1: x[i], shifts 7 12 17 22 */
        STEP(F, a, b, c, d, x[0], 0xd76aa478u, 7);
        STEP(F, d, a, b, c, x[1], 0xe8c7b756u, 12);
        STEP(F, c, d, a, b, x[2], 0x242070dbu, 17);
        STEP(F, b, c, d, a, x[3], 0xc1bdceeeu, 22);
        STEP(F, a, b, c, d, x[4], 0xf57c0fafu, 7);
        STEP(F, d, a, b, c, x[5], 0x4787c62au, 12);
        STEP(F, c, d, a, b, x[6], 0xa8304613u, 17);
        STEP(F, b, c, d, a, x[7], 0xfd469501u, 22);
        STEP(F, a, b, c, d, x[8], 0x698098d8u, 7);
        STEP(F, d, a, b, c, x[9], 0x8b44f7afu, 12);
        STEP(F, c, d, a, b, x[10], 0xffff5bb1u, 17);
        STEP(F, b, c, d, a, x[11], 0x895cd7beu, 22);
        STEP(F, a, b, c, d, x[12], 0x6b901122u, 7);
        STEP(F, d, a, b, c, x[13], 0xfd987193u, 12);
        STEP(F, c, d, a, b, x[14], 0xa679438eu, 17);
        STEP(F, b, c, d, a, x[15], 0x49b40821u, 22);
        /* Round 2: x[(5i+1) mod 16], shifts 5 9 14 20 */
        STEP(G, a, b, c, d, x[1], 0xf61e2562u, 5);
        STEP(G, d, a, b, c, x[6], 0xc040b340u, 9);
        STEP(G, c, d, a, b, x[11], 0x265e5a51u, 14);
        STEP(G, b, c, d, a, x[0], 0xe9b6c7aau, 20);
        STEP(G, a, b, c, d, x[5], 0xd62f105du, 5);
        STEP(G, d, a, b, c, x[10], 0x02441453u, 9);
        STEP(G, c, d, a, b, x[15], 0xd8a1e681u, 14);
        STEP(G, b, c, d, a, x[4], 0xe7d3fbc8u, 20);
        STEP(G, a, b, c, d, x[9], 0x21e1cde6u, 5);
        STEP(G, d, a, b, c, x[14], 0xc33707d6u, 9);
        STEP(G, c, d, a, b, x[3], 0xf4d50d87u, 14);
        STEP(G, b, c, d, a, x[8], 0x455a14edu, 20);
        STEP(G, a, b, c, d, x[13], 0xa9e3e905u, 5);
        STEP(G, d, a, b, c, x[2], 0xfcefa3f8u, 9);
        STEP(G, c, d, a, b, x[7], 0x676f02d9u, 14);
        STEP(G, b, c, d, a, x[12], 0x8d2a4c8au, 20);
        /* Round 3: x[(3i+5) mod 16], shifts 4 11 16 23 */
        STEP(H, a, b, c, d, x[5], 0xfffa3942u, 4);
        STEP(H, d, a, b, c, x[8], 0x8771f681u, 11);
        STEP(H, c, d, a, b, x[11], 0x6d9d6122u, 16);
        STEP(H, b, c, d, a, x[14], 0xfde5380cu, 23);
        STEP(H, a, b, c, d, x[1], 0xa4beea44u, 4);
        STEP(H, d, a, b, c, x[4], 0x4bdecfa9u, 11);
        STEP(H, c, d, a, b, x[7], 0xf6bb4b60u, 16);
        STEP(H, b, c, d, a, x[10], 0xbebfbc70u, 23);
        STEP(H, a, b, c, d, x[13], 0x289b7ec6u, 4);
        STEP(H, d, a, b, c, x[0], 0xeaa127fau, 11);
        STEP(H, c, d, a, b, x[3], 0xd4ef3085u, 16);
        STEP(H, b, c, d, a, x[6], 0x04881d05u, 23);
        STEP(H, a, b, c, d, x[9], 0xd9d4d039u, 4);
        STEP(H, d, a, b, c, x[12], 0xe6db99e5u, 11);
        STEP(H, c, d, a, b, x[15], 0x1fa27cf8u, 16);
        STEP(H, b, c, d, a, x[2], 0xc4ac5665u, 23);
        /* Round 4: x[7i mod 16], shifts 6 10 15 21 */
        STEP(I, a, b, c, d, x[0], 0xf4292244u, 6);
        STEP(I, d, a, b, c, x[7], 0x432aff97u, 10);
        STEP(I, c, d, a, b, x[14], 0xab9423a7u, 15);
        STEP(I, b, c, d, a, x[5], 0xfc93a039u, 21);
        STEP(I, a, b, c, d, x[12], 0x655b59c3u, 6);
        STEP(I, d, a, b, c, x[3], 0x8f0ccc92u, 10);
        STEP(I, c, d, a, b, x[10], 0xffeff47du, 15);
        STEP(I, b, c, d, a, x[1], 0x85845dd1u, 21);
        STEP(I, a, b, c, d, x[8], 0x6fa87e4fu, 6);
        STEP(I, d, a, b, c, x[15], 0xfe2ce6e0u, 10);
        STEP(I, c, d, a, b, x[6], 0xa3014314u, 15);
        STEP(I, b, c, d, a, x[13], 0x4e0811a1u, 21);
        STEP(I, a, b, c, d, x[4], 0xf7537e82u, 6);
        STEP(I, d, a, b, c, x[11], 0xbd3af235u, 10);
        STEP(I, c, d, a, b, x[2], 0x2ad7d2bbu, 15);
        STEP(I, b, c, d, a, x[9], 0xeb86d391u, 21);
        h[0] += a;
        h[1] += b;
        h[2] += c;
        h[3] += d;
    }
    /* The message words may be secret (HMAC keys, session keys). */
    crypto_wipe(x, sizeof x);
}

#undef F
#undef G
#undef H
#undef I
#undef STEP

static const uint32_t k_md5_iv[4] = {0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u};

void crypto_md5_init(crypto_md5_state *s) {
    memcpy(s->h, k_md5_iv, sizeof s->h);
    s->total = 0;
}

void crypto_md5_update(crypto_md5_state *s, const void *data, size_t len) {
    const uint8_t *p = data;
    if (len == 0) return;
    size_t used = (size_t)(s->total & 63);
    s->total += len;
    if (used != 0) {
        size_t take = 64 - used;
        if (take > len) take = len;
        memcpy(s->buf + used, p, take);
        p += take;
        len -= take;
        if (used + take < 64) return;
        md5_blocks(s->h, s->buf, 1);
    }
    if (len >= 64) {
        md5_blocks(s->h, p, len / 64);
        p += len / 64 * 64;
        len %= 64;
    }
    if (len != 0) memcpy(s->buf, p, len);
}

void crypto_md5_final(crypto_md5_state *s, uint8_t out[CRYPTO_MD5_LEN]) {
    size_t used = (size_t)(s->total & 63);
    uint64_t bits = s->total << 3;
    s->buf[used++] = 0x80;
    if (used > 56) {
        memset(s->buf + used, 0, 64 - used);
        md5_blocks(s->h, s->buf, 1);
        used = 0;
    }
    memset(s->buf + used, 0, 56 - used);
    for (int k = 0; k < 8; k++) s->buf[56 + k] = (uint8_t)(bits >> (8 * k));
    md5_blocks(s->h, s->buf, 1);
    for (int k = 0; k < 4; k++) wr_le32(out + 4 * k, s->h[k]);
    crypto_wipe(s, sizeof *s);
}

void crypto_md5_parts(const crypto_part *parts, size_t nparts, uint8_t out[CRYPTO_MD5_LEN]) {
    crypto_md5_state s;
    crypto_md5_init(&s);
    for (size_t i = 0; i < nparts; i++) crypto_md5_update(&s, parts[i].data, parts[i].len);
    crypto_md5_final(&s, out);
}

/* ---- HMAC-MD5 ------------------------------------------------------------- */

void crypto_hmac_md5_key_init(crypto_hmac_md5_key *k, const void *key, size_t key_len) {
    uint8_t block[64], pad[64];
    memset(block, 0, sizeof block);
    if (key_len > 64) {
        crypto_part p = {key, key_len};
        crypto_md5_parts(&p, 1, block);
    } else if (key_len != 0) {
        memcpy(block, key, key_len);
    }
    for (int i = 0; i < 64; i++) pad[i] = block[i] ^ 0x36;
    memcpy(k->inner, k_md5_iv, sizeof k->inner);
    md5_blocks(k->inner, pad, 1);
    for (int i = 0; i < 64; i++) pad[i] = block[i] ^ 0x5c;
    memcpy(k->outer, k_md5_iv, sizeof k->outer);
    md5_blocks(k->outer, pad, 1);
    crypto_wipe(block, sizeof block);
    crypto_wipe(pad, sizeof pad);
}

void crypto_hmac_md5_begin(const crypto_hmac_md5_key *k, crypto_md5_state *s) {
    memcpy(s->h, k->inner, sizeof s->h);
    s->total = 64;
}

void crypto_hmac_md5_end(const crypto_hmac_md5_key *k, crypto_md5_state *s,
                         uint8_t out[CRYPTO_MD5_LEN]) {
    uint8_t ih[CRYPTO_MD5_LEN];
    crypto_md5_final(s, ih);
    memcpy(s->h, k->outer, sizeof s->h);
    s->total = 64;
    crypto_md5_update(s, ih, sizeof ih);
    crypto_md5_final(s, out);
    crypto_wipe(ih, sizeof ih);
}

void crypto_hmac_md5_parts(const void *key, size_t key_len, const crypto_part *parts,
                           size_t nparts, uint8_t out[CRYPTO_MD5_LEN]) {
    crypto_hmac_md5_key k;
    crypto_md5_state s;
    crypto_hmac_md5_key_init(&k, key, key_len);
    crypto_hmac_md5_begin(&k, &s);
    for (size_t i = 0; i < nparts; i++) crypto_md5_update(&s, parts[i].data, parts[i].len);
    crypto_hmac_md5_end(&k, &s, out);
    crypto_wipe(&k, sizeof k);
}

/* ---- RC4 ------------------------------------------------------------------ */

/* Key scheduling and keystream generation as in the original description;
 * the S-box is kept in 32-bit words (faster than bytes on current CPUs). */
sr crypto_rc4_stream_init(crypto_rc4_stream *r, const void *key, size_t key_len) {
    SR_ENSURE(r != NULL, SR_INVALID_PARAMETER);
    SR_ENSURE(key != NULL && key_len > 0 && key_len <= 256, SR_INVALID_PARAMETER);
    const uint8_t *k = key;
    uint32_t *restrict s = r->s;
    for (uint32_t n = 0; n < 256; n++) s[n] = n;
    uint32_t j = 0;
    if ((key_len & (key_len - 1)) == 0) {
        /* 16-byte keys (NTLM, Kerberos RC4) and other powers of two. */
        size_t mask = key_len - 1;
        for (uint32_t n = 0; n < 256; n++) {
            uint32_t t = s[n];
            j = (j + t + k[n & mask]) & 0xff;
            s[n] = s[j];
            s[j] = t;
        }
    } else {
        size_t kn = 0;
        for (uint32_t n = 0; n < 256; n++) {
            uint32_t t = s[n];
            j = (j + t + k[kn]) & 0xff;
            s[n] = s[j];
            s[j] = t;
            if (++kn == key_len) kn = 0;
        }
    }
    r->i = r->j = 0;
    return SR_SUCCESS;
}

void crypto_rc4_stream_update(crypto_rc4_stream *r, const void *in, void *out, size_t len) {
    uint32_t *restrict s = r->s;
    const uint8_t *ip = in;
    uint8_t *op = out;
    uint32_t i = r->i, j = r->j;
    for (size_t n = 0; n < len; n++) {
        i = (i + 1) & 0xff;
        uint32_t si = s[i];
        j = (j + si) & 0xff;
        uint32_t sj = s[j];
        s[i] = sj;
        s[j] = si;
        op[n] = (uint8_t)(ip[n] ^ s[(si + sj) & 0xff]);
    }
    r->i = i;
    r->j = j;
}

void crypto_rc4_stream_export(const crypto_rc4_stream *r, uint8_t out[CRYPTO_RC4_STATE_LEN]) {
    for (unsigned k = 0; k < 256; k++) out[k] = (uint8_t)r->s[k];
    out[256] = (uint8_t)r->i;
    out[257] = (uint8_t)r->j;
}

sr crypto_rc4_stream_import(const uint8_t in[CRYPTO_RC4_STATE_LEN], crypto_rc4_stream *r) {
    SR_ENSURE(in != NULL && r != NULL, SR_INVALID_PARAMETER);
    uint8_t seen[256] = {0};
    for (unsigned k = 0; k < 256; k++) {
        SR_ENSURE(!seen[in[k]], SR_INVALID_PARAMETER);
        seen[in[k]] = 1;
    }
    for (unsigned k = 0; k < 256; k++) r->s[k] = in[k];
    r->i = in[256];
    r->j = in[257];
    return SR_SUCCESS;
}
