/*
 * Micro-benchmark of the crypto core (a tuning helper, not run by CTest),
 * all of it OpenSSL EVP in the private library context: HMAC-MD5 over 64 B
 * and 1 KiB with a reused keyed context (EVP_MD_CTX templates copied per
 * message) and one-shot, MD5 one-shot (NTLM key derivation size), RC4 MB/s
 * and 64 B updates on a keyed EVP_CIPHER_CTX, RC4 one-shot with a fresh
 * 16-byte key (NTLM KEY_EXCH), RC4 key stream skipping (what NTLM's
 * ImportSecurityContext pays per byte already sealed), MD4 ops/s, and the
 * NTLMv2 per-message pair HMAC-MD5(64 B) + RC4(8 B).
 */
#include "crypto/crypto.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, sr r) {
    fprintf(stderr, "%s failed: %s %s\n", what, sr_code_name(r.code), crypto_last_error());
    exit(1);
}

#define TRY(what, expr)                                                                           \
    do {                                                                                          \
        sr r_ = (expr);                                                                           \
        if (!sr_is_ok(r_)) die(what, r_);                                                         \
    } while (0)

static uint8_t g_buf[1 << 20];

static void bench_hmac(size_t len) {
    crypto_hmac_ctx *h;
    uint8_t key[16] = {1, 2, 3, 4}, mac[16];
    TRY("hmac_new", crypto_hmac_new(CRYPTO_HASH_MD5, key, sizeof key, &h));
    long n = 0;
    double t0 = now(), t;
    do {
        for (int i = 0; i < 10000; i++) {
            TRY("hmac_start", crypto_hmac_start(h));
            TRY("hmac_update", crypto_hmac_update(h, g_buf, len));
            TRY("hmac_finish", crypto_hmac_finish(h, mac));
        }
        n += 10000;
        t = now() - t0;
    } while (t < 1.0);
    printf("HMAC-MD5 %5zu B (reused ctx): %10.0f ops/s\n", len, (double)n / t);
    crypto_hmac_free(h);

    n = 0;
    t0 = now();
    do {
        for (int i = 0; i < 10000; i++)
            TRY("hmac_md5", crypto_hmac_md5(key, sizeof key, g_buf, len, mac));
        n += 10000;
        t = now() - t0;
    } while (t < 1.0);
    printf("HMAC-MD5 %5zu B (one-shot):   %10.0f ops/s\n", len, (double)n / t);
}

static void bench_rc4(void) {
    crypto_rc4 *rc;
    uint8_t key[16] = {9, 8, 7};
    TRY("rc4_new", crypto_rc4_new(key, sizeof key, &rc));
    long n = 0;
    double t0 = now(), t;
    do {
        TRY("rc4", crypto_rc4_update(rc, g_buf, g_buf, sizeof g_buf));
        n++;
        t = now() - t0;
    } while (t < 1.0);
    printf("RC4 1 MiB chunks:             %10.1f MB/s\n", (double)n * sizeof g_buf / t / 1e6);
    n = 0;
    t0 = now();
    do {
        for (int i = 0; i < 10000; i++) TRY("rc4", crypto_rc4_update(rc, g_buf, g_buf, 64));
        n += 10000;
        t = now() - t0;
    } while (t < 1.0);
    printf("RC4 64 B updates:             %10.0f ops/s\n", (double)n / t);
    crypto_rc4_free(rc);
}

static void bench_md5_rc4_oneshot(void) {
    uint8_t out[16], key[16] = {3, 1, 4}, buf[16] = {0};
    long n = 0;
    double t0 = now(), t;
    do {
        for (int i = 0; i < 10000; i++) TRY("md5", crypto_md5(g_buf, 75, out));
        n += 10000;
        t = now() - t0;
    } while (t < 1.0);
    printf("MD5 75 B one-shot (SEALKEY):  %10.0f ops/s\n", (double)n / t);
    n = 0;
    t0 = now();
    do {
        for (int i = 0; i < 10000; i++) TRY("rc4_oneshot", crypto_rc4_oneshot(key, 16, buf, buf, 16));
        n += 10000;
        t = now() - t0;
    } while (t < 1.0);
    printf("RC4 16 B one-shot (KEY_EXCH): %10.0f ops/s\n", (double)n / t);
    crypto_rc4 *rc;
    TRY("rc4_new", crypto_rc4_new(key, sizeof key, &rc));
    n = 0;
    t0 = now();
    do {
        TRY("rc4_skip", crypto_rc4_skip(rc, 1 << 24));
        n++;
        t = now() - t0;
    } while (t < 1.0);
    printf("RC4 skip (export import):     %10.1f MB/s\n", (double)n * (1 << 24) / t / 1e6);
    crypto_rc4_free(rc);
}

static void bench_md4(void) {
    uint8_t out[16];
    long n = 0;
    double t0 = now(), t;
    do {
        for (int i = 0; i < 10000; i++) TRY("md4", crypto_md4(g_buf, 16, out));
        n += 10000;
        t = now() - t0;
    } while (t < 1.0);
    printf("MD4 16 B (NT hash size):      %10.0f ops/s\n", (double)n / t);
}

static void bench_ntlm_sign(void) {
    /* One NTLMv2 SEAL+SIGN of a 64 B message: RC4 of the data, HMAC-MD5
     * over seq||data, RC4 of the 8-byte checksum. */
    crypto_hmac_ctx *h;
    crypto_rc4 *rc;
    uint8_t key[16] = {5}, mac[16], seq[4] = {0};
    TRY("hmac_new", crypto_hmac_new(CRYPTO_HASH_MD5, key, sizeof key, &h));
    TRY("rc4_new", crypto_rc4_new(key, sizeof key, &rc));
    long n = 0;
    double t0 = now(), t;
    do {
        for (int i = 0; i < 10000; i++) {
            TRY("rc4", crypto_rc4_update(rc, g_buf, g_buf, 64));
            TRY("hmac_start", crypto_hmac_start(h));
            TRY("hmac_update", crypto_hmac_update(h, seq, 4));
            TRY("hmac_update", crypto_hmac_update(h, g_buf, 64));
            TRY("hmac_finish", crypto_hmac_finish(h, mac));
            TRY("rc4", crypto_rc4_update(rc, mac, mac, 8));
        }
        n += 10000;
        t = now() - t0;
    } while (t < 1.0);
    printf("NTLM seal+sign 64 B:          %10.0f ops/s\n", (double)n / t);
    crypto_hmac_free(h);
    crypto_rc4_free(rc);
}

int main(void) {
    sr r = crypto_init();
    if (!sr_is_ok(r)) die("crypto_init", r);
    for (size_t i = 0; i < sizeof g_buf; i++) g_buf[i] = (uint8_t)i;
    bench_hmac(64);
    bench_hmac(1024);
    bench_rc4();
    bench_md5_rc4_oneshot();
    bench_md4();
    bench_ntlm_sign();
    return 0;
}
