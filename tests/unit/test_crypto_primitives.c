/*
 * Known-answer tests of src/crypto against published vectors: RFC 1320
 * (MD4), RFC 1321 (MD5), FIPS 180 (SHA), RFC 2202 / RFC 4231 (HMAC),
 * RFC 6229 (RC4), FIPS 81 (DES), MS-NLMP 4.2.2.1.1 (LM hash), FIPS 197
 * (AES), RFC 3602 (AES-CBC), RFC 3962 (AES-CTS, PBKDF2), RFC 6070 and
 * RFC 7914 (PBKDF2), and the CRC-32 check value. Every primitive is
 * OpenSSL's (crypto_openssl.c); RC4 re-keying and key stream skipping (the
 * NTLM export position) are checked against RFC 6229 too.
 */
#include "crypto/crypto.h"
#include "testlib.h"

#include <pthread.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/provider.h>

/* testlib.h's CHECK_SR names its parameter `code`, which also rewrites the
 * member access r_.code; redefine it here with a safe parameter name (this
 * is harmless once testlib.h is fixed; CHECK_OK expands through it). */
#undef CHECK_SR
#define CHECK_SR(expr, want)                                                                      \
    do {                                                                                          \
        sr r_ = (expr);                                                                           \
        if (r_.code != (want)) {                                                                  \
            char m_[256];                                                                         \
            snprintf(m_, sizeof m_, "%s -> %s, expected %s", #expr, sr_code_name(r_.code),        \
                     sr_code_name(want));                                                         \
            test_fail(__FILE__, __LINE__, m_);                                                    \
        }                                                                                         \
    } while (0)

/* Hex string -> bytes; the vectors below are all well-formed. */
static size_t hx(const char *hex, uint8_t *out, size_t cap) {
    long n = test_hex(hex, out, cap);
    if (n < 0) {
        fprintf(stderr, "bad hex in test: %s\n", hex);
        abort();
    }
    return (size_t)n;
}

/* ---- run first: a child process without the legacy provider ---- */

static int nolegacy_child(void) {
    /* Point the module loader at an empty place before the first init. */
    if (setenv("OPENSSL_MODULES", "/nonexistent-libsspi-test", 1) != 0) return 10;
    sr r = crypto_init();
    if (r.code != SR_CRYPTO_SYSTEM_INVALID) return 11;
    if (strstr(crypto_last_error(), "legacy provider") == NULL) return 12;
    uint8_t out[32];
    if (crypto_md4("abc", 3, out).code != SR_CRYPTO_SYSTEM_INVALID) return 13;
    crypto_rc4 *rc4 = NULL;
    if (crypto_rc4_new("key", 3, &rc4).code != SR_CRYPTO_SYSTEM_INVALID || rc4 != NULL) return 14;
    /* RC4 is OpenSSL's (legacy provider) everywhere, one-shot included. */
    if (crypto_rc4_oneshot("key", 3, out, out, 8).code != SR_CRYPTO_SYSTEM_INVALID) return 20;
    static const uint8_t k7[7], blk[8];
    if (crypto_des7_encrypt_block(k7, blk, out).code != SR_CRYPTO_SYSTEM_INVALID) return 15;
    /* Non-legacy algorithms keep working. */
    uint8_t exp[16];
    hx("900150983cd24fb0d6963f7d28e17f72", exp, sizeof exp);
    if (!sr_is_ok(crypto_md5("abc", 3, out)) || memcmp(out, exp, 16) != 0) return 16;
    hx("750c783e6ab0b503eaa86e310a5db738", exp, sizeof exp);
    if (!sr_is_ok(crypto_hmac_md5("Jefe", 4, "what do ya want for nothing?", 28, out)) ||
        memcmp(out, exp, 16) != 0)
        return 17;
    uint8_t key[16] = {0}, blk16[16] = {0};
    if (!sr_is_ok(crypto_cipher(CRYPTO_AES128_ECB, true, key, NULL, blk16, blk16, 16))) return 18;
    if (!sr_is_ok(crypto_random(out, sizeof out))) return 19;
    return 0;
}

static void test_init_without_legacy_provider(void) {
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        int rc = nolegacy_child();
        if (rc != 0) fprintf(stderr, "nolegacy child: step %d failed (%s)\n", rc, crypto_last_error());
        fflush(stderr);
        _exit(rc);
    }
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK_EQ_INT(WEXITSTATUS(status), 0);
}

static void test_init_private_libctx(void) {
    CHECK_EQ_INT(OSSL_PROVIDER_available(NULL, "legacy"), 0);
    unsigned long before = ERR_peek_error();
    CHECK_OK(crypto_init());
    CHECK_OK(crypto_init()); /* idempotent */
    CHECK(strcmp(crypto_last_error(), "") == 0);
    uint8_t out[16];
    CHECK_OK(crypto_md4("abc", 3, out));
    /* The application's default context and error queue are untouched. */
    CHECK_EQ_INT(OSSL_PROVIDER_available(NULL, "legacy"), 0);
    CHECK_EQ_INT(ERR_peek_error(), before);
}

/* ---- digests ---- */

static const char *const k_msgs[] = {
    "", "a", "abc", "message digest", "abcdefghijklmnopqrstuvwxyz",
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
    "12345678901234567890123456789012345678901234567890123456789012345678901234567890"};

static void test_md4_rfc1320(void) {
    static const char *const exp[] = {
        "31d6cfe0d16ae931b73c59d7e0c089c0", "bde52cb31de33e46245e05fbdbd6fb24",
        "a448017aaf21d8525fc10ae87aa6729d", "d9130a8164549fe818874806e1c7014b",
        "d79e1c308aa5bbcdeea8ed63df412da9", "043f8582f241db351ce627e153e7f0e4",
        "e33b4ddc9c38f2199c3e7b164fcc0536"};
    for (size_t i = 0; i < 7; i++) {
        uint8_t e[16], out[16];
        hx(exp[i], e, sizeof e);
        CHECK_OK(crypto_md4(k_msgs[i], strlen(k_msgs[i]), out));
        CHECK_BYTES(out, e, 16);
    }
    CHECK_EQ_INT(crypto_hash_len(CRYPTO_HASH_MD4), 16);
}

static void test_md5_rfc1321(void) {
    static const char *const exp[] = {
        "d41d8cd98f00b204e9800998ecf8427e", "0cc175b9c0f1b6a831c399e269772661",
        "900150983cd24fb0d6963f7d28e17f72", "f96b697d7cb7938d525a2f31aaf161d0",
        "c3fcd3d76192e4007dfb496cca67e13b", "d174ab98d277d9f5a5611c2c9f419d9f",
        "57edf4a22be3c955ac49da2e2107b67a"};
    for (size_t i = 0; i < 7; i++) {
        uint8_t e[16], out[16];
        hx(exp[i], e, sizeof e);
        CHECK_OK(crypto_md5(k_msgs[i], strlen(k_msgs[i]), out));
        CHECK_BYTES(out, e, 16);
    }
}

static void test_sha_fips180(void) {
    uint8_t e[64], out[64];
    hx("a9993e364706816aba3e25717850c26c9cd0d89d", e, sizeof e);
    CHECK_OK(crypto_sha1("abc", 3, out));
    CHECK_BYTES(out, e, 20);
    hx("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", e, sizeof e);
    CHECK_OK(crypto_sha256("abc", 3, out));
    CHECK_BYTES(out, e, 32);
    crypto_part abc = {"abc", 3};
    hx("cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
       "8086072ba1e7cc2358baeca134c825a7", e, sizeof e);
    CHECK_OK(crypto_hash(CRYPTO_HASH_SHA384, &abc, 1, out));
    CHECK_BYTES(out, e, 48);
    hx("ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
       "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f", e, sizeof e);
    CHECK_OK(crypto_hash(CRYPTO_HASH_SHA512, &abc, 1, out));
    CHECK_BYTES(out, e, 64);
    CHECK_EQ_INT(crypto_hash_len(CRYPTO_HASH_SHA1), 20);
    CHECK_EQ_INT(crypto_hash_len(CRYPTO_HASH_SHA256), 32);
    CHECK_EQ_INT(crypto_hash_len(CRYPTO_HASH_SHA384), 48);
    CHECK_EQ_INT(crypto_hash_len(CRYPTO_HASH_SHA512), 64);
    CHECK_EQ_INT(crypto_hash_len((crypto_hash_alg)99), 0);
}

static void test_hash_parts(void) {
    /* Parts (including empty and NULL/0 ones) hash like their concatenation. */
    const char *m = k_msgs[6];
    crypto_part parts[] = {{m, 10}, {NULL, 0}, {m + 10, 0}, {m + 10, 55}, {m + 65, 15}};
    for (int a = CRYPTO_HASH_MD4; a <= CRYPTO_HASH_SHA512; a++) {
        uint8_t one[64], many[64];
        crypto_part whole = {m, 80};
        CHECK_OK(crypto_hash((crypto_hash_alg)a, &whole, 1, one));
        CHECK_OK(crypto_hash((crypto_hash_alg)a, parts, 5, many));
        CHECK_BYTES(many, one, crypto_hash_len((crypto_hash_alg)a));
    }
    uint8_t out[64];
    crypto_part bad = {NULL, 3};
    CHECK_SR(crypto_hash(CRYPTO_HASH_MD5, &bad, 1, out), SR_INVALID_PARAMETER);
    CHECK_SR(crypto_hash((crypto_hash_alg)42, NULL, 0, out), SR_INVALID_PARAMETER);
}

/* ---- HMAC ---- */

typedef struct hmac_vec {
    crypto_hash_alg alg;
    uint8_t key_byte; /* key = key_len copies of key_byte, unless key_str */
    size_t key_len;
    const char *key_str;
    uint8_t data_byte; /* data = data_len copies of data_byte, unless data_str */
    size_t data_len;
    const char *data_str;
    const char *mac;
} hmac_vec;

static const char k_big_key_msg[] = "Test Using Larger Than Block-Size Key - Hash Key First";

static const hmac_vec k_hmac[] = {
    /* RFC 2202 section 2 (HMAC-MD5): cases 1, 2, 3, 6 */
    {CRYPTO_HASH_MD5, 0x0b, 16, NULL, 0, 0, "Hi There", "9294727a3638bb1c13f48ef8158bfc9d"},
    {CRYPTO_HASH_MD5, 0, 0, "Jefe", 0, 0, "what do ya want for nothing?",
     "750c783e6ab0b503eaa86e310a5db738"},
    {CRYPTO_HASH_MD5, 0xaa, 16, NULL, 0xdd, 50, NULL, "56be34521d144c88dbb8c733f0e8b3f6"},
    {CRYPTO_HASH_MD5, 0xaa, 80, NULL, 0, 0, k_big_key_msg, "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd"},
    /* RFC 2202 section 3 (HMAC-SHA1): cases 1, 2, 6 */
    {CRYPTO_HASH_SHA1, 0x0b, 20, NULL, 0, 0, "Hi There",
     "b617318655057264e28bc0b6fb378c8ef146be00"},
    {CRYPTO_HASH_SHA1, 0, 0, "Jefe", 0, 0, "what do ya want for nothing?",
     "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"},
    {CRYPTO_HASH_SHA1, 0xaa, 80, NULL, 0, 0, k_big_key_msg,
     "aa4ae5e15272d00e95705637ce8a3b55ed402112"},
    /* RFC 4231 (HMAC-SHA256): test cases 1, 2, 6 */
    {CRYPTO_HASH_SHA256, 0x0b, 20, NULL, 0, 0, "Hi There",
     "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
    {CRYPTO_HASH_SHA256, 0, 0, "Jefe", 0, 0, "what do ya want for nothing?",
     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
    {CRYPTO_HASH_SHA256, 0xaa, 131, NULL, 0, 0, k_big_key_msg,
     "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
};

static void hmac_vec_inputs(const hmac_vec *v, uint8_t *key, size_t *key_len, uint8_t *data,
                            size_t *data_len) {
    if (v->key_str) {
        *key_len = strlen(v->key_str);
        memcpy(key, v->key_str, *key_len);
    } else {
        *key_len = v->key_len;
        memset(key, v->key_byte, v->key_len);
    }
    if (v->data_str) {
        *data_len = strlen(v->data_str);
        memcpy(data, v->data_str, *data_len);
    } else {
        *data_len = v->data_len;
        memset(data, v->data_byte, v->data_len);
    }
}

static void test_hmac_rfc2202_rfc4231(void) {
    for (size_t i = 0; i < sizeof k_hmac / sizeof k_hmac[0]; i++) {
        const hmac_vec *v = &k_hmac[i];
        uint8_t key[256], data[256], e[64], out[64];
        size_t key_len, data_len;
        hmac_vec_inputs(v, key, &key_len, data, &data_len);
        size_t n = hx(v->mac, e, sizeof e);
        CHECK_EQ_INT(n, crypto_hash_len(v->alg));
        crypto_part p = {data, data_len};
        memset(out, 0, sizeof out);
        CHECK_OK(crypto_hmac(v->alg, key, key_len, &p, 1, out));
        CHECK_BYTES(out, e, n);
        if (v->alg == CRYPTO_HASH_MD5) {
            memset(out, 0, sizeof out);
            CHECK_OK(crypto_hmac_md5(key, key_len, data, data_len, out));
            CHECK_BYTES(out, e, n);
        }
        /* Streaming, byte by byte. */
        crypto_hmac_ctx *ctx = NULL;
        CHECK_OK(crypto_hmac_new(v->alg, key, key_len, &ctx));
        REQUIRE(ctx != NULL);
        for (size_t j = 0; j < data_len; j++) CHECK_OK(crypto_hmac_update(ctx, data + j, 1));
        memset(out, 0, sizeof out);
        CHECK_OK(crypto_hmac_finish(ctx, out));
        CHECK_BYTES(out, e, n);
        crypto_hmac_free(ctx);
    }
}

static void test_hmac_ctx_reuse(void) {
    /* A keyed template reused many times gives exactly the one-shot MAC. */
    static const crypto_hash_alg algs[] = {CRYPTO_HASH_MD5, CRYPTO_HASH_SHA1, CRYPTO_HASH_SHA256,
                                           CRYPTO_HASH_SHA512, CRYPTO_HASH_MD4};
    uint8_t key[16], msg[300];
    for (size_t i = 0; i < sizeof key; i++) key[i] = (uint8_t)(0x11 * i + 3);
    for (size_t i = 0; i < sizeof msg; i++) msg[i] = (uint8_t)(i * 7 + 1);
    for (size_t a = 0; a < sizeof algs / sizeof algs[0]; a++) {
        crypto_hmac_ctx *ctx = NULL;
        CHECK_OK(crypto_hmac_new(algs[a], key, sizeof key, &ctx));
        REQUIRE(ctx != NULL);
        size_t hl = crypto_hash_len(algs[a]);
        for (int round = 0; round < 3; round++) {
            for (size_t len = 0; len <= sizeof msg; len += 13) {
                uint8_t one[64], st[64];
                crypto_part p = {msg, len};
                CHECK_OK(crypto_hmac(algs[a], key, sizeof key, &p, 1, one));
                if (!(round == 0 && len == 0)) CHECK_OK(crypto_hmac_start(ctx)); /* new() starts */
                CHECK_OK(crypto_hmac_update(ctx, msg, len / 2));
                CHECK_OK(crypto_hmac_update(ctx, msg + len / 2, len - len / 2));
                CHECK_OK(crypto_hmac_finish(ctx, st));
                if (!CHECK_BYTES(st, one, hl)) return;
            }
        }
        /* Misuse: update/finish after finish without start. */
        uint8_t out[64];
        CHECK_SR(crypto_hmac_update(ctx, msg, 1), SR_INVALID_PARAMETER);
        CHECK_SR(crypto_hmac_finish(ctx, out), SR_INVALID_PARAMETER);
        /* Restart discards a partial message. */
        CHECK_OK(crypto_hmac_start(ctx));
        CHECK_OK(crypto_hmac_update(ctx, "garbage", 7));
        CHECK_OK(crypto_hmac_start(ctx));
        CHECK_OK(crypto_hmac_update(ctx, msg, 64));
        CHECK_OK(crypto_hmac_finish(ctx, out));
        uint8_t one[64];
        CHECK_OK(crypto_hmac(algs[a], key, sizeof key, &(crypto_part){msg, 64}, 1, one));
        CHECK_BYTES(out, one, hl);
        crypto_hmac_free(ctx);
    }
    crypto_hmac_free(NULL);
    /* Empty key is valid HMAC. */
    crypto_hmac_ctx *ctx = NULL;
    CHECK_OK(crypto_hmac_new(CRYPTO_HASH_MD5, NULL, 0, &ctx));
    crypto_hmac_free(ctx);
}

/* ---- RC4 (RFC 6229 section 2) ---- */

typedef struct rc4_vec {
    const char *key;
    struct {
        size_t off;
        const char *ks;
    } at[6];
} rc4_vec;

static const rc4_vec k_rc4[] = {
    {"0102030405",
     {{0, "b2396305f03dc027ccc3524a0a1118a8"},
      {16, "6982944f18fc82d589c403a47a0d0919"},
      {240, "28cb1132c96ce286421dcaadb8b69eae"},
      {256, "1cfcf62b03eddb641d77dfcf7f8d8c93"},
      {4080, "068326a2118416d21f9d04b2cd1ca050"},
      {4096, "ff25b58995996707e51fbdf08b34d875"}}},
    {"0102030405060708090a0b0c0d0e0f10",
     {{0, "9ac7cc9a609d1ef7b2932899cde41b97"},
      {16, "5248c4959014126a6e8a84f11d1a9e1c"},
      {240, "065902e4b620f6cc36c8589f66432f2b"},
      {256, "d39d566bc6bce3010768151549f3873f"},
      {4080, "ff38265c1642c1abe8d3c2fe5e572bf8"},
      {4096, "a36a4c301ae8ac13610ccbc12256cacc"}}},
};

static void test_rc4_rfc6229(void) {
    enum { N = 4112 };
    static uint8_t zeros[N], ks[N], ks2[N];
    for (size_t i = 0; i < sizeof k_rc4 / sizeof k_rc4[0]; i++) {
        uint8_t key[32], e[16];
        size_t kl = hx(k_rc4[i].key, key, sizeof key);
        /* One-shot keystream (encrypting zeros). */
        CHECK_OK(crypto_rc4_oneshot(key, kl, zeros, ks, N));
        for (size_t j = 0; j < 6; j++) {
            hx(k_rc4[i].at[j].ks, e, sizeof e);
            CHECK_BYTES(ks + k_rc4[i].at[j].off, e, 16);
        }
        /* Streaming across calls of odd sizes, in place, equals one-shot. */
        crypto_rc4 *rc = NULL;
        CHECK_OK(crypto_rc4_new(key, kl, &rc));
        REQUIRE(rc != NULL);
        memset(ks2, 0, N);
        size_t pos = 0, step = 0;
        while (pos < N) {
            size_t n = (step * 37 + 1) % 300;
            if (n > N - pos) n = N - pos;
            CHECK_OK(crypto_rc4_update(rc, ks2 + pos, ks2 + pos, n));
            pos += n;
            step++;
        }
        CHECK_BYTES(ks2, ks, N);
        CHECK_EQ_INT(crypto_rc4_offset(rc), N);
        crypto_rc4_free(rc);
    }
    crypto_rc4_free(NULL);
    CHECK_EQ_INT(crypto_rc4_offset(NULL), 0);
    /* Decryption is encryption. */
    uint8_t key[16] = {1, 2, 3}, msg[64], ct[64], pt[64];
    for (size_t i = 0; i < sizeof msg; i++) msg[i] = (uint8_t)i;
    CHECK_OK(crypto_rc4_oneshot(key, sizeof key, msg, ct, sizeof msg));
    CHECK_OK(crypto_rc4_oneshot(key, sizeof key, ct, pt, sizeof ct));
    CHECK_BYTES(pt, msg, sizeof msg);
    crypto_rc4 *rc = NULL;
    CHECK_SR(crypto_rc4_new(key, 0, &rc), SR_INVALID_PARAMETER);
    CHECK(rc == NULL);
}

/* Re-keying a handle in place (also to another key length) and skipping
 * key stream (the export "key + offset" position) reach the RFC 6229
 * values; one-shot calls in between do not disturb a stream. */
static void test_rc4_rekey_skip(void) {
    crypto_rc4 *rc = NULL;
    uint8_t key[32], e[16], got[16];
    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i < sizeof k_rc4 / sizeof k_rc4[0]; i++) {
            size_t kl = hx(k_rc4[i].key, key, sizeof key);
            if (rc == NULL) CHECK_OK(crypto_rc4_new(key, kl, &rc));
            else CHECK_OK(crypto_rc4_rekey(rc, key, kl));
            REQUIRE(rc != NULL);
            CHECK_EQ_INT(crypto_rc4_offset(rc), 0);
            uint64_t pos = 0;
            for (size_t j = 0; j < 6; j++) {
                size_t off = k_rc4[i].at[j].off;
                CHECK_OK(crypto_rc4_skip(rc, off - pos));
                CHECK_OK(crypto_rc4_skip(rc, 0));
                uint8_t other[16] = {0};
                CHECK_OK(crypto_rc4_oneshot("x", 1, other, other, sizeof other));
                memset(got, 0, sizeof got);
                CHECK_OK(crypto_rc4_update(rc, got, got, sizeof got));
                hx(k_rc4[i].at[j].ks, e, sizeof e);
                CHECK_BYTES(got, e, 16);
                pos = off + 16;
                CHECK_EQ_INT(crypto_rc4_offset(rc), pos);
            }
        }
    }
    /* Skipping more than the internal chunk size. */
    size_t kl = hx(k_rc4[1].key, key, sizeof key);
    CHECK_OK(crypto_rc4_rekey(rc, key, kl));
    CHECK_OK(crypto_rc4_skip(rc, 4096));
    memset(got, 0, sizeof got);
    CHECK_OK(crypto_rc4_update(rc, got, got, sizeof got));
    hx(k_rc4[1].at[5].ks, e, sizeof e);
    CHECK_BYTES(got, e, 16);
    CHECK_SR(crypto_rc4_rekey(rc, key, 0), SR_INVALID_PARAMETER);
    CHECK_SR(crypto_rc4_rekey(rc, key, 257), SR_INVALID_PARAMETER);
    CHECK_SR(crypto_rc4_rekey(NULL, key, kl), SR_INVALID_PARAMETER);
    crypto_rc4_free(rc);
}

/* The one-shot functions use per-thread OpenSSL contexts: several threads
 * at once get the right answers (and ASan/LSan see them freed at exit). */
static void *oneshot_thread(void *arg) {
    (void)arg;
    static const char *const md5_abc = "900150983cd24fb0d6963f7d28e17f72";
    static const char *const hmac_jefe = "750c783e6ab0b503eaa86e310a5db738";
    uint8_t e1[16], e2[16], out[16], ks[16], e3[16];
    hx(md5_abc, e1, sizeof e1);
    hx(hmac_jefe, e2, sizeof e2);
    hx("9ac7cc9a609d1ef7b2932899cde41b97", e3, sizeof e3);
    uint8_t key[16];
    hx(k_rc4[1].key, key, sizeof key);
    for (int i = 0; i < 200; i++) {
        if (!sr_is_ok(crypto_md5("abc", 3, out)) || memcmp(out, e1, 16) != 0) return (void *)1;
        if (!sr_is_ok(crypto_hmac_md5("Jefe", 4, "what do ya want for nothing?", 28, out)) ||
            memcmp(out, e2, 16) != 0)
            return (void *)2;
        memset(ks, 0, sizeof ks);
        if (!sr_is_ok(crypto_rc4_oneshot(key, sizeof key, ks, ks, sizeof ks)) ||
            memcmp(ks, e3, 16) != 0)
            return (void *)3;
    }
    return NULL;
}

static void test_oneshot_threads(void) {
    pthread_t t[4];
    for (int i = 0; i < 4; i++) REQUIRE(pthread_create(&t[i], NULL, oneshot_thread, NULL) == 0);
    for (int i = 0; i < 4; i++) {
        void *rv = (void *)1;
        CHECK(pthread_join(t[i], &rv) == 0);
        CHECK(rv == NULL);
    }
    CHECK(oneshot_thread(NULL) == NULL);
}

/* ---- DES ---- */

/* The 7-byte key whose expansion (7 bits per byte + parity) is key8. */
static void pack7(const uint8_t key8[8], uint8_t key7[7]) {
    uint64_t bits = 0;
    for (int i = 0; i < 8; i++) bits = bits << 7 | (uint64_t)(key8[i] >> 1);
    for (int i = 6; i >= 0; i--) {
        key7[i] = (uint8_t)bits;
        bits >>= 8;
    }
}

static void test_des_fips81(void) {
    /* FIPS 81 appendix B, ECB: key 0123456789abcdef, "Now is t". */
    uint8_t k8[8], k7[7], out[8], e[8];
    hx("0123456789abcdef", k8, sizeof k8);
    pack7(k8, k7);
    hx("3fa40e8a984d4815", e, sizeof e);
    CHECK_OK(crypto_des7_encrypt_block(k7, (const uint8_t *)"Now is t", out));
    CHECK_BYTES(out, e, 8);
    /* Classic worked example: key 133457799bbcdff1, 0123456789abcdef. */
    uint8_t in[8];
    hx("133457799bbcdff1", k8, sizeof k8);
    pack7(k8, k7);
    hx("0123456789abcdef", in, sizeof in);
    hx("85e813540f0ab405", e, sizeof e);
    CHECK_OK(crypto_des7_encrypt_block(k7, in, out));
    CHECK_BYTES(out, e, 8);
}

static void test_lm_hash_msnlmp(void) {
    /* MS-NLMP 4.2.2.1.1: LMOWFv1("Password"). */
    uint8_t pw[14] = {0};
    memcpy(pw, "PASSWORD", 8);
    const uint8_t *magic = (const uint8_t *)"KGS!@#$%";
    uint8_t lm[16], e[16];
    CHECK_OK(crypto_des7_encrypt_block(pw, magic, lm));
    CHECK_OK(crypto_des7_encrypt_block(pw + 7, magic, lm + 8));
    hx("e52cac67419a9a224a3b108f3fa6cb6d", e, sizeof e);
    CHECK_BYTES(lm, e, 16);
}

/* ---- AES ---- */

static void test_aes_fips197(void) {
    uint8_t key[32], pt[16], e[16], out[16], back[16];
    hx("00112233445566778899aabbccddeeff", pt, sizeof pt);
    /* C.1 AES-128 */
    hx("000102030405060708090a0b0c0d0e0f", key, sizeof key);
    hx("69c4e0d86a7b0430d8cdb78070b4c55a", e, sizeof e);
    CHECK_OK(crypto_cipher(CRYPTO_AES128_ECB, true, key, NULL, pt, out, 16));
    CHECK_BYTES(out, e, 16);
    CHECK_OK(crypto_cipher(CRYPTO_AES128_ECB, false, key, NULL, out, back, 16));
    CHECK_BYTES(back, pt, 16);
    /* C.3 AES-256 */
    hx("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", key, sizeof key);
    hx("8ea2b7ca516745bfeafc49904b496089", e, sizeof e);
    CHECK_OK(crypto_cipher(CRYPTO_AES256_ECB, true, key, NULL, pt, out, 16));
    CHECK_BYTES(out, e, 16);
    CHECK_OK(crypto_cipher(CRYPTO_AES256_ECB, false, key, NULL, out, back, 16));
    CHECK_BYTES(back, pt, 16);
    CHECK_SR(crypto_cipher(CRYPTO_AES128_ECB, true, key, NULL, pt, out, 15), SR_INVALID_PARAMETER);
    CHECK_SR(crypto_cipher(CRYPTO_AES128_CBC, true, key, NULL, pt, out, 16), SR_INVALID_PARAMETER);
}

static void test_aes_cbc_rfc3602(void) {
    uint8_t key[16], iv[16], iv_copy[16], pt[32], e[32], out[32], back[32];
    /* Case 1 */
    hx("06a9214036b8a15b512e03d534120006", key, sizeof key);
    hx("3dafba429d9eb430b422da802c9fac41", iv, sizeof iv);
    memcpy(iv_copy, iv, 16);
    hx("e353779c1079aeb82708942dbe77181a", e, sizeof e);
    CHECK_OK(crypto_cipher(CRYPTO_AES128_CBC, true, key, iv, "Single block msg", out, 16));
    CHECK_BYTES(out, e, 16);
    CHECK_BYTES(iv, iv_copy, 16); /* iv not updated */
    /* Case 2 */
    hx("c286696d887c9aa0611bbb3e2025a45a", key, sizeof key);
    hx("562e17996d093d28ddb3ba695a2e6f58", iv, sizeof iv);
    for (int i = 0; i < 32; i++) pt[i] = (uint8_t)i;
    hx("d296cd94c2cccf8a3a863028b5e1dc0a7586602d253cfff91b8266bea6d61ab1", e, sizeof e);
    CHECK_OK(crypto_cipher(CRYPTO_AES128_CBC, true, key, iv, pt, out, 32));
    CHECK_BYTES(out, e, 32);
    CHECK_OK(crypto_cipher(CRYPTO_AES128_CBC, false, key, iv, out, back, 32));
    CHECK_BYTES(back, pt, 32);
    /* In place. */
    memcpy(back, pt, 32);
    CHECK_OK(crypto_cipher(CRYPTO_AES128_CBC, true, key, iv, back, back, 32));
    CHECK_BYTES(back, e, 32);
}

static void test_aes_cts_rfc3962(void) {
    static const char msg[] = "I would like the General Gau's Chicken, please, and wonton soup.";
    static const struct {
        size_t len;
        const char *ct;
    } v[] = {
        {17, "c6353568f2bf8cb4d8a580362da7ff7f97"},
        {31, "fc00783e0efdb2c1d445d4c8eff7ed2297687268d6ecccc0c07b25e25ecfe5"},
        {32, "39312523a78662d5be7fcbcc98ebf5a897687268d6ecccc0c07b25e25ecfe584"},
        {47, "97687268d6ecccc0c07b25e25ecfe584b3fffd940c16a18c1b5549d2f838029e"
             "39312523a78662d5be7fcbcc98ebf5"},
        {48, "97687268d6ecccc0c07b25e25ecfe5849dad8bbb96c4cdc03bc103e1a194bbd8"
             "39312523a78662d5be7fcbcc98ebf5a8"},
        {64, "97687268d6ecccc0c07b25e25ecfe58439312523a78662d5be7fcbcc98ebf5a8"
             "4807efe836ee89a526730dbc2f7bc8409dad8bbb96c4cdc03bc103e1a194bbd8"},
    };
    const uint8_t *key = (const uint8_t *)"chicken teriyaki";
    uint8_t zero_iv[16] = {0};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        uint8_t e[64], out[64], back[64];
        CHECK_EQ_INT(hx(v[i].ct, e, sizeof e), v[i].len);
        CHECK_OK(crypto_aes_cts(true, key, 16, NULL, msg, out, v[i].len));
        CHECK_BYTES(out, e, v[i].len);
        CHECK_OK(crypto_aes_cts(false, key, 16, zero_iv, out, back, v[i].len));
        CHECK_BYTES(back, msg, v[i].len);
        /* In place. */
        memcpy(back, e, v[i].len);
        CHECK_OK(crypto_aes_cts(false, key, 16, NULL, back, back, v[i].len));
        CHECK_BYTES(back, msg, v[i].len);
    }
    uint8_t out[16];
    CHECK_SR(crypto_aes_cts(true, key, 16, NULL, msg, out, 15), SR_INVALID_PARAMETER);
    CHECK_SR(crypto_aes_cts(true, key, 24, NULL, msg, out, 16), SR_INVALID_PARAMETER);
}

/* Reference CTS-CS3 built from single AES-ECB blocks. */
static void ref_cts_encrypt(crypto_cipher_alg ecb, const uint8_t *key, const uint8_t iv[16],
                            const uint8_t *in, uint8_t *out, size_t len) {
    uint8_t prev[16], blk[16], buf[128 + 16];
    size_t n = (len + 15) / 16, r = len - 16 * (n - 1);
    memcpy(prev, iv, 16);
    for (size_t b = 0; b < n; b++) {
        size_t take = b + 1 == n ? r : 16;
        memset(blk, 0, 16);
        memcpy(blk, in + 16 * b, take);
        for (int j = 0; j < 16; j++) blk[j] ^= prev[j];
        CHECK_OK(crypto_cipher(ecb, true, key, NULL, blk, prev, 16));
        memcpy(buf + 16 * b, prev, 16);
    }
    if (n == 1) {
        memcpy(out, buf, 16);
        return;
    }
    memcpy(out, buf, 16 * (n - 2));
    memcpy(out + 16 * (n - 2), buf + 16 * (n - 1), 16);
    memcpy(out + 16 * (n - 1), buf + 16 * (n - 2), r);
}

static void test_aes_cts_all_lengths(void) {
    uint8_t key[32], iv[16], msg[128], e[128], out[128], back[128];
    CHECK_OK(crypto_random(key, sizeof key));
    CHECK_OK(crypto_random(iv, sizeof iv));
    CHECK_OK(crypto_random(msg, sizeof msg));
    for (int k = 0; k < 2; k++) {
        size_t kl = k ? 32 : 16;
        crypto_cipher_alg ecb = k ? CRYPTO_AES256_ECB : CRYPTO_AES128_ECB;
        for (size_t len = 16; len <= sizeof msg; len++) {
            ref_cts_encrypt(ecb, key, iv, msg, e, len);
            CHECK_OK(crypto_aes_cts(true, key, kl, iv, msg, out, len));
            if (!CHECK_BYTES(out, e, len)) return;
            memcpy(back, out, len);
            CHECK_OK(crypto_aes_cts(false, key, kl, iv, back, back, len));
            if (!CHECK_BYTES(back, msg, len)) return;
        }
    }
}

/* ---- PBKDF2 ---- */

static void test_pbkdf2_rfc6070_rfc3962(void) {
    static const struct {
        crypto_hash_alg alg;
        const char *p;
        size_t pl;
        const char *s;
        size_t sl;
        uint32_t c;
        const char *dk;
    } v[] = {
        /* RFC 6070 */
        {CRYPTO_HASH_SHA1, "password", 8, "salt", 4, 1, "0c60c80f961f0e71f3a9b524af6012062fe037a6"},
        {CRYPTO_HASH_SHA1, "password", 8, "salt", 4, 2, "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957"},
        {CRYPTO_HASH_SHA1, "password", 8, "salt", 4, 4096,
         "4b007901b765489abead49d926f721d065a429c1"},
        {CRYPTO_HASH_SHA1, "passwordPASSWORDpassword", 24, "saltSALTsaltSALTsaltSALTsaltSALTsalt",
         36, 4096, "3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038"},
        {CRYPTO_HASH_SHA1, "pass\0word", 9, "sa\0lt", 5, 4096, "56fa6aa75548099dcc37d7f03425e0c3"},
        /* RFC 3962 appendix B (the 256-bit outputs; 128-bit are prefixes) */
        {CRYPTO_HASH_SHA1, "password", 8, "ATHENA.MIT.EDUraeburn", 21, 1,
         "cdedb5281bb2f801565a1122b25635150ad1f7a04bb9f3a333ecc0e2e1f70837"},
        {CRYPTO_HASH_SHA1, "password", 8, "ATHENA.MIT.EDUraeburn", 21, 2,
         "01dbee7f4a9e243e988b62c73cda935da05378b93244ec8f48a99e61ad799d86"},
        {CRYPTO_HASH_SHA1, "password", 8, "ATHENA.MIT.EDUraeburn", 21, 1200,
         "5c08eb61fdf71e4e4ec3cf6ba1f5512ba7e52ddbc5e5142f708a31e2e62b1e13"},
        {CRYPTO_HASH_SHA1, "password", 8, "ATHENA.MIT.EDUraeburn", 21, 1,
         "cdedb5281bb2f801565a1122b2563515"},
        /* RFC 7914 section 11 (PBKDF2-HMAC-SHA256) */
        {CRYPTO_HASH_SHA256, "passwd", 6, "salt", 4, 1,
         "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
         "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        uint8_t e[64], out[64];
        size_t n = hx(v[i].dk, e, sizeof e);
        memset(out, 0, sizeof out);
        CHECK_OK(crypto_pbkdf2(v[i].alg, v[i].p, v[i].pl, v[i].s, v[i].sl, v[i].c, out, n));
        CHECK_BYTES(out, e, n);
    }
    uint8_t out[16];
    CHECK_SR(crypto_pbkdf2(CRYPTO_HASH_SHA1, "p", 1, "s", 1, 0, out, 16), SR_INVALID_PARAMETER);
    CHECK_SR(crypto_pbkdf2(CRYPTO_HASH_MD4, "p", 1, "s", 1, 1, out, 16), SR_INVALID_PARAMETER);
    /* Empty password and salt are allowed. */
    CHECK_OK(crypto_pbkdf2(CRYPTO_HASH_SHA256, NULL, 0, NULL, 0, 1, out, 16));
}

/* ---- misc ---- */

static void test_crc32(void) {
    CHECK_EQ_INT(crypto_crc32(0, "123456789", 9), 0xCBF43926u);
    CHECK_EQ_INT(crypto_crc32(crypto_crc32(0, "1234", 4), "56789", 5), 0xCBF43926u);
    CHECK_EQ_INT(crypto_crc32(0, "", 0), 0);
    CHECK_EQ_INT(crypto_crc32(0, "a", 1), 0xE8B7BE43u);
}

static void test_memeq_wipe(void) {
    uint8_t a[32], b[32];
    memset(a, 0x5a, sizeof a);
    memset(b, 0x5a, sizeof b);
    CHECK(crypto_memeq(a, b, sizeof a));
    CHECK(crypto_memeq(a, b, 0));
    b[31] ^= 1;
    CHECK(!crypto_memeq(a, b, sizeof a));
    CHECK(crypto_memeq(a, b, 31));
    b[31] ^= 1;
    b[0] ^= 0x80;
    CHECK(!crypto_memeq(a, b, sizeof a));
    crypto_wipe(a, sizeof a);
    static const uint8_t zero[32];
    CHECK_BYTES(a, zero, sizeof a);
    crypto_wipe(NULL, 0);
    uint8_t *h = malloc(64);
    REQUIRE(h != NULL);
    memset(h, 0xee, 64);
    crypto_free_wipe(h, 64);
    crypto_free_wipe(NULL, 10);
}

static void test_random(void) {
    uint8_t a[32], b[32];
    static const uint8_t zero[32];
    memset(a, 0, sizeof a);
    memset(b, 0, sizeof b);
    CHECK_OK(crypto_random(a, sizeof a));
    CHECK_OK(crypto_random(b, sizeof b));
    CHECK(memcmp(a, zero, sizeof a) != 0);
    CHECK(memcmp(b, zero, sizeof b) != 0);
    CHECK(memcmp(a, b, sizeof a) != 0);
    CHECK_OK(crypto_random(NULL, 0));
    static uint8_t big[100000];
    CHECK_OK(crypto_random(big, sizeof big));
    size_t zeros = 0;
    for (size_t i = 0; i < sizeof big; i++) zeros += big[i] == 0;
    CHECK(zeros < 1000); /* expected ~390 */
}

int main(void) {
    /* Must run before anything initialises the crypto layer (it forks). */
    TEST_RUN(test_init_without_legacy_provider);
    TEST_RUN(test_init_private_libctx);
    TEST_RUN(test_md4_rfc1320);
    TEST_RUN(test_md5_rfc1321);
    TEST_RUN(test_sha_fips180);
    TEST_RUN(test_hash_parts);
    TEST_RUN(test_hmac_rfc2202_rfc4231);
    TEST_RUN(test_hmac_ctx_reuse);
    TEST_RUN(test_rc4_rfc6229);
    TEST_RUN(test_rc4_rekey_skip);
    TEST_RUN(test_oneshot_threads);
    TEST_RUN(test_des_fips81);
    TEST_RUN(test_lm_hash_msnlmp);
    TEST_RUN(test_aes_fips197);
    TEST_RUN(test_aes_cbc_rfc3602);
    TEST_RUN(test_aes_cts_rfc3962);
    TEST_RUN(test_aes_cts_all_lengths);
    TEST_RUN(test_pbkdf2_rfc6070_rfc3962);
    TEST_RUN(test_crc32);
    TEST_RUN(test_memeq_wipe);
    TEST_RUN(test_random);
    return test_summary();
}
