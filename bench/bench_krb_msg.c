/*
 * Kerberos per-message benchmark (a tuning helper, not run by CTest):
 * GSS MIC (get + verify) and Wrap / Unwrap (sealed, RRC 28 as Windows sends)
 * per second at 64 B, 1 KiB and 16 KiB for aes256-cts-hmac-sha1-96 (18) and
 * aes256-cts-hmac-sha384-192 (20), single thread.
 */
#include "packages/kerberos/krb_gss_token.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#define TRY(what, expr)                                                                           \
    do {                                                                                          \
        sr r_ = (expr);                                                                           \
        if (!sr_is_ok(r_)) {                                                                      \
            fprintf(stderr, "%s failed: %s\n", what, sr_code_name(r_.code));                      \
            exit(1);                                                                              \
        }                                                                                         \
    } while (0)

static uint8_t g_msg[16384];

/* Runs op for about `secs` seconds; returns ops/s. */
typedef void (*op_fn)(krb_gss_ctx *, krb_gss_ctx *, size_t, wire_writer *, wire_writer *);

static double run(op_fn op, krb_gss_ctx *a, krb_gss_ctx *b, size_t len, double secs) {
    wire_writer w, o;
    TRY("writer", wire_writer_init_alloc(&w, 32768));
    TRY("writer", wire_writer_init_alloc(&o, 32768));
    long n = 0;
    double t0 = now(), t;
    do {
        for (int i = 0; i < 1000; i++) op(a, b, len, &w, &o);
        n += 1000;
        t = now() - t0;
    } while (t < secs);
    wire_writer_free(&w);
    wire_writer_free(&o);
    return (double)n / t;
}

static uint64_t g_seq;

static void op_get_mic(krb_gss_ctx *a, krb_gss_ctx *b, size_t len, wire_writer *w,
                       wire_writer *o) {
    (void)b; (void)o;
    w->len = 0;
    TRY("get_mic", krb_gss_get_mic(a, g_seq++, g_msg, len, w));
}

static void op_mic_verify(krb_gss_ctx *a, krb_gss_ctx *b, size_t len, wire_writer *w,
                          wire_writer *o) {
    (void)o;
    uint64_t s;
    if (w->len == 0) TRY("get_mic", krb_gss_get_mic(a, 1, g_msg, len, w));
    TRY("verify_mic", krb_gss_verify_mic(b, g_msg, len, w->data, w->len, &s));
}

static void op_wrap(krb_gss_ctx *a, krb_gss_ctx *b, size_t len, wire_writer *w,
                    wire_writer *o) {
    (void)b; (void)o;
    w->len = 0;
    TRY("wrap", krb_gss_wrap(a, true, g_seq++, 28, g_msg, len, w));
}

static void op_unwrap(krb_gss_ctx *a, krb_gss_ctx *b, size_t len, wire_writer *w,
                      wire_writer *o) {
    uint64_t s;
    if (w->len == 0) TRY("wrap", krb_gss_wrap(a, true, 1, 28, g_msg, len, w));
    o->len = 0;
    TRY("unwrap", krb_gss_unwrap(b, w->data, w->len, o, NULL, &s));
}

int main(int argc, char **argv) {
    double secs = argc > 1 ? atof(argv[1]) : 1.0;
    static const int32_t ets[] = {KRB_ENCTYPE_AES256_CTS_HMAC_SHA1_96,
                                  KRB_ENCTYPE_AES256_CTS_HMAC_SHA384_192};
    static const size_t lens[] = {64, 1024, 16384};
    for (size_t i = 0; i < sizeof g_msg; i++) g_msg[i] = (uint8_t)i;
    printf("%-28s %6s %12s %12s %12s %12s\n", "enctype", "size", "get_mic/s", "verify/s",
           "wrap/s", "unwrap/s");
    for (size_t e = 0; e < 2; e++) {
        krb_key k;
        krb_gss_ctx ini, acc;
        TRY("key", krb_key_random(&k, ets[e]));
        TRY("ctx", krb_gss_ctx_init(&ini, true, &k, &k));
        TRY("ctx", krb_gss_ctx_init(&acc, false, &k, &k));
        for (size_t l = 0; l < 3; l++) {
            double m = run(op_get_mic, &ini, &acc, lens[l], secs);
            double v = run(op_mic_verify, &ini, &acc, lens[l], secs);
            double wr = run(op_wrap, &ini, &acc, lens[l], secs);
            double un = run(op_unwrap, &ini, &acc, lens[l], secs);
            printf("%-28s %6zu %12.0f %12.0f %12.0f %12.0f\n", krb_enctype_name(ets[e]), lens[l],
                   m, v, wr, un);
        }
        krb_gss_ctx_free(&ini);
        krb_gss_ctx_free(&acc);
    }
    return 0;
}
