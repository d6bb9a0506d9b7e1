/*
 * White-box tests of the fast key derivation paths of krb_crypto.c (the
 * RFC vectors are in test_krb_crypto.c):
 *   - the byte-wise n-fold against a bit-by-bit oracle written from RFC 3961
 *     5.1, over many lengths and random inputs (carry edge cases included);
 *   - the table of folded usage constants against folding per call, below
 *     and above the table's range, every kind;
 *   - DR as one AES-CBC call against the K1 = E(c), K2 = E(K1) chain;
 *   - per-usage keys derived on first use, per half.
 */
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "packages/kerberos/krb_crypto.h"
#include "testlib.h"

/* RFC 3961 5.1, bit by bit: the oracle. */
static unsigned bit_of(const uint8_t *in, size_t bit) { return (in[bit / 8] >> (7 - bit % 8)) & 1u; }

static void nfold_oracle(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len) {
    size_t a = in_len, b = out_len;
    while (b) {
        size_t t = a % b;
        a = b;
        b = t;
    }
    size_t lcm = in_len / a * out_len, nbits = in_len * 8;
    uint8_t *big = calloc(lcm, 1);
    if (!big) abort();
    /* The replicated string: copy c rotated right by 13*c bits. */
    for (size_t i = 0; i < lcm * 8; i++) {
        size_t c = i / nbits, k = i % nbits;
        size_t src = (k + nbits - (13 * c) % nbits) % nbits;
        big[i / 8] |= (uint8_t)(bit_of(in, src) << (7 - i % 8));
    }
    /* Ones' complement sum of the chunks. */
    memset(out, 0, out_len);
    for (size_t off = 0; off < lcm; off += out_len) {
        unsigned carry = 0;
        for (size_t k = out_len; k-- > 0;) {
            carry += out[k] + big[off + k];
            out[k] = (uint8_t)carry;
            carry >>= 8;
        }
        while (carry) {
            for (size_t k = out_len; carry && k-- > 0;) {
                carry += out[k];
                out[k] = (uint8_t)carry;
                carry >>= 8;
            }
        }
    }
    free(big);
}

static void test_nfold_oracle(void) {
    uint8_t in[64], got[64], want[64];
    unsigned seed = 12345;
    for (size_t in_len = 1; in_len <= 40; in_len++) {
        for (size_t out_len = 1; out_len <= 40; out_len++) {
            for (int round = 0; round < 3; round++) {
                for (size_t i = 0; i < in_len; i++) {
                    seed = seed * 1103515245u + 12345u;
                    /* all 0xff / all 0x00 rounds stress the carries */
                    in[i] = round == 0 ? 0xff : round == 1 ? 0x00 : (uint8_t)(seed >> 16);
                }
                krb_nfold(in, in_len, got, out_len);
                nfold_oracle(in, in_len, want, out_len);
                if (memcmp(got, want, out_len) != 0) {
                    CHECK_BYTES(got, want, out_len);
                    return;
                }
            }
        }
    }
}

static void test_folded_constants(void) {
    static const int32_t enctypes[] = {KRB_ENCTYPE_AES128_CTS_HMAC_SHA1_96,
                                       KRB_ENCTYPE_AES256_CTS_HMAC_SHA1_96};
    static const krb_key_kind kinds[] = {KRB_KEY_KC, KRB_KEY_KE, KRB_KEY_KI};
    static const uint32_t extra[] = {64, 65, 100, 1024, 0x7fffffffu, 0xffffffffu};
    uint8_t raw[32];
    for (size_t i = 0; i < sizeof raw; i++) raw[i] = (uint8_t)(i * 37 + 5);
    for (size_t e = 0; e < 2; e++) {
        krb_key base;
        REQUIRE(sr_is_ok(krb_key_set(&base, enctypes[e], raw, e == 0 ? 16 : 32)));
        for (uint32_t n = 0; n < 64 + sizeof extra / sizeof extra[0]; n++) {
            uint32_t usage = n < 64 ? n : extra[n - 64];
            for (size_t k = 0; k < 3; k++) {
                uint8_t c[5] = {(uint8_t)(usage >> 24), (uint8_t)(usage >> 16),
                                (uint8_t)(usage >> 8), (uint8_t)usage, (uint8_t)kinds[k]};
                krb_key a, b;
                CHECK_OK(krb_derive_key(&base, usage, kinds[k], &a));
                CHECK_OK(krb_dk(&base, c, sizeof c, &b));
                CHECK_EQ_INT(a.len, base.len);
                if (a.len != b.len || memcmp(a.bytes, b.bytes, a.len) != 0) {
                    CHECK_BYTES(a.bytes, b.bytes, a.len);
                    return;
                }
            }
        }
    }
}

static void test_dr_chain(void) {
    uint8_t raw[32], c[16];
    for (size_t i = 0; i < 32; i++) raw[i] = (uint8_t)(0xa5 ^ i * 3);
    for (size_t i = 0; i < 16; i++) c[i] = (uint8_t)(i * 11 + 1);
    krb_key base, out;
    REQUIRE(sr_is_ok(krb_key_set(&base, KRB_ENCTYPE_AES256_CTS_HMAC_SHA1_96, raw, 32)));
    CHECK_OK(krb_dk(&base, c, 16, &out));
    uint8_t k1[16], k2[16];
    CHECK_OK(crypto_cipher(CRYPTO_AES256_ECB, true, raw, NULL, c, k1, 16));
    CHECK_OK(crypto_cipher(CRYPTO_AES256_ECB, true, raw, NULL, k1, k2, 16));
    CHECK_BYTES(out.bytes, k1, 16);
    CHECK_BYTES(out.bytes + 16, k2, 16);
    REQUIRE(sr_is_ok(krb_key_set(&base, KRB_ENCTYPE_AES128_CTS_HMAC_SHA1_96, raw, 16)));
    CHECK_OK(krb_dk(&base, c, 16, &out));
    CHECK_OK(crypto_cipher(CRYPTO_AES128_ECB, true, raw, NULL, c, k1, 16));
    CHECK_EQ_INT(out.len, 16);
    CHECK_BYTES(out.bytes, k1, 16);
}

static void test_lazy_usage_keys(void) {
    static const int32_t enctypes[] = {
        KRB_ENCTYPE_AES128_CTS_HMAC_SHA1_96, KRB_ENCTYPE_AES256_CTS_HMAC_SHA1_96,
        KRB_ENCTYPE_AES128_CTS_HMAC_SHA256_128, KRB_ENCTYPE_AES256_CTS_HMAC_SHA384_192,
        KRB_ENCTYPE_RC4_HMAC};
    uint8_t raw[32];
    for (size_t i = 0; i < 32; i++) raw[i] = (uint8_t)(i + 1);
    for (size_t e = 0; e < sizeof enctypes / sizeof enctypes[0]; e++) {
        const krb_enctype_ops *ops = krb_enctype_lookup(enctypes[e]);
        REQUIRE(ops != NULL);
        krb_key base;
        REQUIRE(sr_is_ok(krb_key_set(&base, enctypes[e], raw, ops->key_len)));
        krb_usage_keys u, v;
        CHECK_OK(krb_usage_keys_init(&u, &base, 22));
        CHECK(!u.have_enc && !u.have_cksum && u.ki == NULL && u.kc == NULL);
        const uint8_t msg[] = "lazy keys";
        crypto_part p[1] = {{msg, sizeof msg}};
        uint8_t mic[KRB_MAX_CKSUM_LEN];
        CHECK_OK(krb_get_mic(&u, p, 1, mic));
        CHECK(u.have_cksum && !u.have_enc);
        /* A fresh set checks it (derives on its verify). */
        CHECK_OK(krb_usage_keys_init(&v, &base, 22));
        CHECK_OK(krb_verify_mic(&v, p, 1, mic, ops->cksum_len));
        uint8_t ct[64], pt[64];
        size_t pt_len = 0;
        CHECK_OK(krb_encrypt(&u, msg, sizeof msg, ct));
        CHECK(u.have_enc);
        CHECK_OK(krb_decrypt(&v, ct, krb_encrypt_len(ops, sizeof msg), pt, &pt_len));
        CHECK_EQ_INT(pt_len, sizeof msg);
        CHECK_BYTES(pt, msg, sizeof msg);
        krb_usage_keys_free(&u);
        krb_usage_keys_free(&v);
    }
    /* The base key is still checked at init. */
    krb_key bad;
    memset(&bad, 0, sizeof bad);
    bad.enctype = 99;
    bad.len = 16;
    krb_usage_keys u;
    CHECK_SR(krb_usage_keys_init(&u, &bad, 1), SR_INVALID_PARAMETER);
}

int main(void) {
    TEST_RUN(test_nfold_oracle);
    TEST_RUN(test_folded_constants);
    TEST_RUN(test_dr_chain);
    TEST_RUN(test_lazy_usage_keys);
    return test_summary();
}
