/*
 * RFC 4121 / RFC 4757 per-message tokens: round trips for every enctype in
 * both directions (with and without an acceptor subkey, RRC 0 / 28 / odd,
 * integrity-only wrap, sizes 0..64 and 16 KiB), tampering of every byte,
 * wrong direction, every truncation, the replay window, and MIT krb5
 * tokens from tests/data/krb5_tokens/ (see its README).
 *
 * Interop helper mode (used by tests/interop/krb5_tokens.sh):
 *   test_krb_gss_token --interop IN OUT
 * verifies the MIT tokens listed in IN (same format as the data files) and
 * writes tokens of ours for MIT to verify into OUT.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "packages/kerberos/krb_gss_token.h"
#include "testlib.h"

static const int32_t k_all[] = {17, 18, 19, 20, 23};

static void pair_init(krb_gss_ctx *ini, krb_gss_ctx *acc, int32_t et, bool subkey) {
    krb_key k, sk;
    CHECK_OK(krb_key_random(&k, et));
    CHECK_OK(krb_key_random(&sk, et));
    CHECK_OK(krb_gss_ctx_init(ini, true, &k, subkey ? &sk : NULL));
    CHECK_OK(krb_gss_ctx_init(acc, false, &k, subkey ? &sk : NULL));
    krb_key_wipe(&k);
    krb_key_wipe(&sk);
}

static void fill(uint8_t *p, size_t n, unsigned seed) {
    for (size_t i = 0; i < n; i++) p[i] = (uint8_t)(i * 31 + seed);
}

/* One MIC exchange src -> dst, with checks. */
static void mic_roundtrip(krb_gss_ctx *src, krb_gss_ctx *dst, const uint8_t *msg, size_t len,
                          uint64_t seq) {
    wire_writer w;
    uint64_t got = 0;
    REQUIRE(sr_is_ok(wire_writer_init_alloc(&w, 0)));
    CHECK_OK(krb_gss_get_mic(src, seq, msg, len, &w));
    CHECK_EQ_INT(w.len, krb_gss_mic_len(src));
    CHECK_OK(krb_gss_verify_mic(dst, msg, len, w.data, w.len, &got));
    CHECK_EQ_INT(got, src->cfx ? seq : (uint32_t)seq);
    /* reflected back to the sender: wrong direction */
    sr r = krb_gss_verify_mic(src, msg, len, w.data, w.len, &got);
    CHECK(r.code == SR_INVALID_TOKEN || r.code == SR_MESSAGE_ALTERED);
    wire_writer_free(&w);
}

static void wrap_roundtrip(krb_gss_ctx *src, krb_gss_ctx *dst, bool conf, uint16_t rrc,
                           const uint8_t *msg, size_t len, uint64_t seq) {
    wire_writer w, out;
    uint64_t got = 0;
    bool gotconf = !conf;
    REQUIRE(sr_is_ok(wire_writer_init_alloc(&w, 0)));
    REQUIRE(sr_is_ok(wire_writer_init_alloc(&out, 0)));
    CHECK_OK(krb_gss_wrap(src, conf, seq, rrc, msg, len, &w));
    CHECK_EQ_INT(w.len, krb_gss_wrap_len(src, conf, len));
    CHECK_OK(krb_gss_unwrap(dst, w.data, w.len, &out, &gotconf, &got));
    CHECK_EQ_INT(out.len, len);
    if (len && out.len == len) CHECK(memcmp(out.data, msg, len) == 0);
    CHECK(gotconf == conf);
    CHECK_EQ_INT(got, src->cfx ? seq : (uint32_t)seq);
    if (conf && len >= 4) CHECK(memmem(w.data, w.len, msg, len) == NULL); /* really sealed */
    out.len = 0;
    sr r = krb_gss_unwrap(src, w.data, w.len, &out, &gotconf, &got);
    CHECK(r.code == SR_INVALID_TOKEN || r.code == SR_MESSAGE_ALTERED);
    wire_writer_free(&w);
    wire_writer_free(&out);
}

static void test_roundtrips(void) {
    static uint8_t msg[16384];
    fill(msg, sizeof msg, 7);
    static const size_t big[] = {100, 1000, 16384};
    for (size_t e = 0; e < sizeof k_all / sizeof k_all[0]; e++) {
        for (int sub = 0; sub < 2; sub++) {
            krb_gss_ctx ini, acc;
            pair_init(&ini, &acc, k_all[e], sub);
            for (size_t len = 0; len <= 64; len++) {
                uint64_t seq = 0x0123456789abcdefULL + len;
                mic_roundtrip(&ini, &acc, msg, len, seq);
                mic_roundtrip(&acc, &ini, msg, len, seq);
                for (int conf = 0; conf < 2; conf++) {
                    uint16_t rrcs[3] = {0, krb_gss_dce_rrc(&ini, conf), (uint16_t)(len + 5)};
                    for (int k = 0; k < 3; k++) {
                        wrap_roundtrip(&ini, &acc, conf, rrcs[k], msg, len, seq);
                        wrap_roundtrip(&acc, &ini, conf, rrcs[k], msg, len, seq);
                    }
                }
            }
            for (size_t b = 0; b < sizeof big / sizeof big[0]; b++) {
                mic_roundtrip(&ini, &acc, msg, big[b], 5);
                wrap_roundtrip(&ini, &acc, true, 0, msg, big[b], 6);
                wrap_roundtrip(&acc, &ini, true, 28, msg, big[b], 7);
                wrap_roundtrip(&acc, &ini, false, 12, msg, big[b], 8);
            }
            krb_gss_ctx_free(&ini);
            krb_gss_ctx_free(&acc);
        }
    }
}

/* Layout checks against RFC 4121 4.2.6. */
static void test_cfx_layout(void) {
    krb_gss_ctx ini, acc;
    pair_init(&ini, &acc, 18, true);
    uint8_t msg[10];
    fill(msg, sizeof msg, 1);
    wire_writer w;
    REQUIRE(sr_is_ok(wire_writer_init_alloc(&w, 0)));
    CHECK_OK(krb_gss_get_mic(&acc, 0x1122334455667788ULL, msg, sizeof msg, &w));
    static const uint8_t mic_hdr[16] = {0x04, 0x04, 0x05, 0xff, 0xff, 0xff, 0xff, 0xff,
                                        0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
    CHECK_EQ_INT(w.len, 28);
    CHECK_BYTES(w.data, mic_hdr, 16);
    w.len = 0;
    CHECK_OK(krb_gss_wrap(&ini, true, 3, 28, msg, sizeof msg, &w));
    static const uint8_t wrap_hdr[16] = {0x05, 0x04, 0x06, 0xff, 0x00, 0x00, 0x00, 28,
                                         0, 0, 0, 0, 0, 0, 0, 3};
    CHECK_EQ_INT(w.len, 16 + 16 + 10 + 16 + 12);
    CHECK_BYTES(w.data, wrap_hdr, 16);
    w.len = 0;
    CHECK_OK(krb_gss_wrap(&ini, false, 3, 0, msg, sizeof msg, &w));
    static const uint8_t integ_hdr[16] = {0x05, 0x04, 0x04, 0xff, 0x00, 12, 0x00, 0x00,
                                          0, 0, 0, 0, 0, 0, 0, 3};
    CHECK_EQ_INT(w.len, 16 + 10 + 12);
    CHECK_BYTES(w.data, integ_hdr, 16);
    CHECK_BYTES(w.data + 16, msg, 10); /* plaintext in the clear, then the checksum */
    krb_cfx_header h;
    CHECK_OK(krb_cfx_parse(w.data, w.len, &h));
    CHECK_EQ_INT(h.ec, 12);
    CHECK_EQ_INT(h.body_len, 22);
    wire_writer_free(&w);
    krb_gss_ctx_free(&ini);
    krb_gss_ctx_free(&acc);
}

/* Flip every bit position (one per byte) and truncate at every prefix. */
/* RFC 4757's SND_SEQ counter (bytes 0..3 of the RC4-encrypted field at
 * offset 13 + 8 after the framing) is not covered by the checksum of an
 * unsealed token: a flip there yields another sequence number, which the
 * caller's replay window sees. Anything else must fail. */
static bool rc4_seq_malleable(const krb_gss_ctx *dst, size_t i, uint64_t got, uint64_t want) {
    return !dst->cfx && i >= 21 && i < 25 && got != want;
}

static void tamper_all(krb_gss_ctx *dst, const uint8_t *tok, size_t n, bool mic,
                       const uint8_t *msg, size_t len) {
    uint64_t want = 0;
    uint8_t orig[256];
    size_t orig_len = 0;
    uint8_t *t = malloc(n + 1);
    wire_writer out;
    uint64_t seq;
    REQUIRE(t != NULL && sr_is_ok(wire_writer_init_alloc(&out, 0)));
    memcpy(t, tok, n);
    out.len = 0;
    if (!sr_is_ok(mic ? krb_gss_verify_mic(dst, msg, len, t, n, &want)
                      : krb_gss_unwrap(dst, t, n, &out, NULL, &want)))
        test_fail(__FILE__, __LINE__, "untampered token refused");
    if (!mic && out.len > 0 && out.len <= sizeof orig) memcpy(orig, out.data, orig_len = out.len);
    for (size_t i = 0; i < n; i++) {
        for (int bit = 0; bit < 8; bit += 3) {
            t[i] ^= (uint8_t)(1u << bit);
            out.len = 0;
            sr r = mic ? krb_gss_verify_mic(dst, msg, len, t, n, &seq)
                       : krb_gss_unwrap(dst, t, n, &out, NULL, &seq);
            if (r.code == SR_OK && rc4_seq_malleable(dst, i, seq, want)) r.code = SR_MESSAGE_ALTERED;
            /* RFC 4121's RRC is outside the checksum: RRC + k * length is
             * the same rotation, hence the same token. */
            if (r.code == SR_OK && dst->cfx && !mic && (i == 6 || i == 7) && seq == want &&
                out.len == orig_len && (orig_len == 0 || memcmp(out.data, orig, orig_len) == 0))
                r.code = SR_MESSAGE_ALTERED;
            if (r.code != SR_MESSAGE_ALTERED && r.code != SR_INVALID_TOKEN) {
                char m[128];
                snprintf(m, sizeof m, "byte %zu bit %d of %zu: %s", i, bit, n,
                         sr_code_name(r.code));
                test_fail(__FILE__, __LINE__, m);
            }
            t[i] ^= (uint8_t)(1u << bit);
        }
    }
    for (size_t cut = 0; cut < n; cut++) {
        out.len = 0;
        sr r = mic ? krb_gss_verify_mic(dst, msg, len, t, cut, &seq)
                   : krb_gss_unwrap(dst, t, cut, &out, NULL, &seq);
        CHECK(r.code == SR_MESSAGE_ALTERED || r.code == SR_INVALID_TOKEN);
    }
    /* one byte too many */
    t[n] = 0;
    out.len = 0;
    sr r = mic ? krb_gss_verify_mic(dst, msg, len, t, n + 1, &seq)
               : krb_gss_unwrap(dst, t, n + 1, &out, NULL, &seq);
    CHECK(r.code == SR_MESSAGE_ALTERED || r.code == SR_INVALID_TOKEN);
    if (mic && len > 0) {
        uint8_t *m2 = malloc(len);
        REQUIRE(m2 != NULL);
        memcpy(m2, msg, len);
        m2[len / 2] ^= 1;
        CHECK_SR(krb_gss_verify_mic(dst, m2, len, t, n, &seq), SR_MESSAGE_ALTERED);
        free(m2);
    }
    wire_writer_free(&out);
    free(t);
}

static void test_tamper(void) {
    uint8_t msg[40];
    fill(msg, sizeof msg, 3);
    for (size_t e = 0; e < sizeof k_all / sizeof k_all[0]; e++) {
        krb_gss_ctx ini, acc;
        pair_init(&ini, &acc, k_all[e], k_all[e] != 23);
        wire_writer w;
        REQUIRE(sr_is_ok(wire_writer_init_alloc(&w, 0)));
        CHECK_OK(krb_gss_get_mic(&ini, 9, msg, sizeof msg, &w));
        tamper_all(&acc, w.data, w.len, true, msg, sizeof msg);
        for (int conf = 0; conf < 2; conf++) {
            for (int rrc = 0; rrc < 2; rrc++) {
                w.len = 0;
                CHECK_OK(krb_gss_wrap(&acc, conf, 10, rrc ? krb_gss_dce_rrc(&acc, conf) : 0, msg,
                                      sizeof msg, &w));
                tamper_all(&ini, w.data, w.len, false, NULL, 0);
            }
        }
        /* empty message too */
        w.len = 0;
        CHECK_OK(krb_gss_wrap(&ini, true, 11, 0, msg, 0, &w));
        tamper_all(&acc, w.data, w.len, false, NULL, 0);
        wire_writer_free(&w);
        krb_gss_ctx_free(&ini);
        krb_gss_ctx_free(&acc);
    }
}

/* A token under the other key (subkey flag mismatch) or a context without
 * the acceptor subkey. */
static void test_subkey_flag(void) {
    krb_key k, sk;
    CHECK_OK(krb_key_random(&k, 17));
    CHECK_OK(krb_key_random(&sk, 17));
    krb_gss_ctx ini_nosub, acc_sub, ini_sub;
    CHECK_OK(krb_gss_ctx_init(&ini_nosub, true, &k, NULL));
    CHECK_OK(krb_gss_ctx_init(&acc_sub, false, &k, &sk));
    CHECK_OK(krb_gss_ctx_init(&ini_sub, true, &k, &sk));
    uint8_t msg[5] = {1, 2, 3, 4, 5};
    wire_writer w;
    uint64_t seq;
    REQUIRE(sr_is_ok(wire_writer_init_alloc(&w, 0)));
    CHECK_OK(krb_gss_get_mic(&acc_sub, 1, msg, 5, &w));
    CHECK_SR(krb_gss_verify_mic(&ini_nosub, msg, 5, w.data, w.len, &seq), SR_INVALID_TOKEN);
    CHECK_OK(krb_gss_verify_mic(&ini_sub, msg, 5, w.data, w.len, &seq));
    /* initiator without subkey -> acceptor with one: the session key works */
    w.len = 0;
    CHECK_OK(krb_gss_get_mic(&ini_nosub, 2, msg, 5, &w));
    CHECK_OK(krb_gss_verify_mic(&acc_sub, msg, 5, w.data, w.len, &seq));
    CHECK_EQ_INT(seq, 2);
    /* clearing the flag makes the acceptor use the wrong key */
    w.len = 0;
    CHECK_OK(krb_gss_get_mic(&ini_sub, 3, msg, 5, &w));
    w.data[2] &= (uint8_t)~KRB_GSS_FLAG_ACCEPTOR_SUBKEY;
    CHECK_SR(krb_gss_verify_mic(&acc_sub, msg, 5, w.data, w.len, &seq), SR_MESSAGE_ALTERED);
    /* a MIC token is not a wrap token and vice versa */
    w.data[2] |= KRB_GSS_FLAG_ACCEPTOR_SUBKEY;
    wire_writer out;
    REQUIRE(sr_is_ok(wire_writer_init_alloc(&out, 0)));
    CHECK_SR(krb_gss_unwrap(&acc_sub, w.data, w.len, &out, NULL, &seq), SR_INVALID_TOKEN);
    /* the acceptor subkey decides the token family (MIT acceptors answer an
     * rc4-hmac initiator subkey with an AES acceptor subkey) */
    krb_key rk;
    CHECK_OK(krb_key_random(&rk, 23));
    krb_gss_ctx mixed;
    CHECK_OK(krb_gss_ctx_init(&mixed, true, &k, &rk));
    CHECK(!mixed.cfx);
    krb_gss_ctx_free(&mixed);
    CHECK_OK(krb_gss_ctx_init(&mixed, true, &rk, &k));
    CHECK(mixed.cfx && mixed.have_acceptor_subkey);
    krb_gss_ctx_free(&mixed);
    krb_key bad_key = k;
    bad_key.len = 5;
    CHECK_SR(krb_gss_ctx_init(&mixed, true, &k, &bad_key), SR_INVALID_PARAMETER);
    wire_writer_free(&w);
    wire_writer_free(&out);
    krb_gss_ctx_free(&ini_nosub);
    krb_gss_ctx_free(&acc_sub);
    krb_gss_ctx_free(&ini_sub);
}

static void test_split(void) {
    for (int e = 0; e < 4; e++) {
        krb_gss_ctx ini, acc;
        pair_init(&ini, &acc, k_all[e], true);
        uint8_t msg[300], data[300], token[128];
        fill(msg, sizeof msg, 9);
        for (int conf = 0; conf < 2; conf++) {
            for (size_t len = 0; len < sizeof msg; len += 37) {
                size_t tl = 0;
                bool c2;
                uint64_t seq;
                memcpy(data, msg, len);
                CHECK_OK(krb_gss_wrap_split(&ini, conf, 77, data, len, token, sizeof token, &tl));
                CHECK_EQ_INT(tl, krb_gss_wrap_len(&ini, conf, len) - len);
                if (k_all[e] <= 18) CHECK_EQ_INT(tl, conf ? 60 : 28); /* Windows' sizes */
                if (!conf && len) CHECK(memcmp(data, msg, len) == 0);
                CHECK_EQ_INT(token[6] << 8 | token[7], krb_gss_dce_rrc(&ini, conf));
                CHECK_OK(krb_gss_unwrap_split(&acc, token, tl, data, len, &c2, &seq));
                if (len) CHECK(memcmp(data, msg, len) == 0);
                CHECK(c2 == (conf != 0));
                CHECK_EQ_INT(seq, 77);
                /* the DCE rotation rule gives the same result with EC = 0 */
                acc.dce_style = true;
                CHECK_OK(krb_gss_wrap_split(&ini, conf, 78, data, len, token, sizeof token, &tl));
                CHECK_OK(krb_gss_unwrap_split(&acc, token, tl, data, len, &c2, &seq));
                if (len) CHECK(memcmp(data, msg, len) == 0);
                acc.dce_style = false;
            }
        }
        size_t tl;
        CHECK_SR(krb_gss_wrap_split(&ini, true, 1, msg, 10, token, 10, &tl), SR_BUFFER_TOO_SMALL);
        krb_gss_ctx_free(&ini);
        krb_gss_ctx_free(&acc);
    }
}

static void test_seq_window(void) {
    krb_seq_window w;
    krb_seq_init(&w, 1000, true, true, true);
    CHECK_EQ_INT(krb_seq_check(&w, 1000), KRB_SEQ_OK);
    CHECK_EQ_INT(krb_seq_check(&w, 1001), KRB_SEQ_OK);
    CHECK_EQ_INT(krb_seq_check(&w, 1001), KRB_SEQ_DUPLICATE);
    CHECK_EQ_INT(krb_seq_check(&w, 1004), KRB_SEQ_GAP);
    CHECK_EQ_INT(krb_seq_check(&w, 1003), KRB_SEQ_UNSEQ);
    CHECK_EQ_INT(krb_seq_check(&w, 1003), KRB_SEQ_DUPLICATE);
    CHECK_EQ_INT(krb_seq_check(&w, 1002), KRB_SEQ_UNSEQ);
    CHECK_EQ_INT(krb_seq_check(&w, 1005), KRB_SEQ_OK);
    CHECK_EQ_INT(krb_seq_check(&w, 999), KRB_SEQ_OLD); /* before the initial number */
    CHECK_EQ_INT(krb_seq_check(&w, 1005 + 200), KRB_SEQ_GAP);
    CHECK_EQ_INT(krb_seq_check(&w, 1005), KRB_SEQ_OLD); /* fell out of the window */
    CHECK_EQ_INT(krb_seq_check(&w, 1205 - 63), KRB_SEQ_UNSEQ);
    CHECK_EQ_INT(krb_seq_check(&w, 1205 - 64), KRB_SEQ_OLD);
    CHECK_SR(krb_seq_verdict(&w, KRB_SEQ_GAP), SR_OUT_OF_SEQUENCE);
    CHECK_SR(krb_seq_verdict(&w, KRB_SEQ_OK), SR_OK);
    /* replay only: gaps and late tokens are fine, duplicates are not */
    krb_seq_init(&w, 0, true, false, true);
    CHECK_SR(krb_seq_verdict(&w, KRB_SEQ_GAP), SR_OK);
    CHECK_SR(krb_seq_verdict(&w, KRB_SEQ_UNSEQ), SR_OK);
    CHECK_SR(krb_seq_verdict(&w, KRB_SEQ_DUPLICATE), SR_OUT_OF_SEQUENCE);
    CHECK_SR(krb_seq_verdict(&w, KRB_SEQ_OLD), SR_OUT_OF_SEQUENCE);
    krb_seq_init(&w, 0, false, false, true);
    CHECK_SR(krb_seq_verdict(&w, KRB_SEQ_DUPLICATE), SR_OK);
    /* 32-bit (rc4) counters wrap around */
    krb_seq_init(&w, 0xfffffffeu, true, true, false);
    CHECK_EQ_INT(krb_seq_check(&w, 0xfffffffeu), KRB_SEQ_OK);
    CHECK_EQ_INT(krb_seq_check(&w, 0xffffffffu), KRB_SEQ_OK);
    CHECK_EQ_INT(krb_seq_check(&w, 0), KRB_SEQ_OK);
    CHECK_EQ_INT(krb_seq_check(&w, 0xffffffffu), KRB_SEQ_DUPLICATE);
    /* 64-bit wrap */
    krb_seq_init(&w, UINT64_MAX, true, true, true);
    CHECK_EQ_INT(krb_seq_check(&w, UINT64_MAX), KRB_SEQ_OK);
    CHECK_EQ_INT(krb_seq_check(&w, 0), KRB_SEQ_OK);
    CHECK_EQ_INT(krb_seq_check(&w, 2), KRB_SEQ_GAP);
    CHECK_EQ_INT(krb_seq_check(&w, 1), KRB_SEQ_UNSEQ);
}

static void test_malformed(void) {
    krb_gss_ctx ini, acc, rini, racc;
    pair_init(&ini, &acc, 18, false);
    pair_init(&rini, &racc, 23, false);
    wire_writer out;
    uint64_t seq;
    REQUIRE(sr_is_ok(wire_writer_init_alloc(&out, 0)));
    static const uint8_t bad[][16] = {
        {0x04, 0x04, 0x01, 0xff, 0xff, 0xff, 0xff, 0xfe, 0, 0, 0, 0, 0, 0, 0, 0}, /* filler */
        {0x04, 0x04, 0x03, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0}, /* sealed MIC */
        {0x05, 0x04, 0x03, 0xfe, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},             /* filler */
        {0x05, 0x04, 0x03, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, /* huge EC */
        {0x05, 0x04, 0x01, 0xff, 0, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},       /* EC != cksum */
        {0x04, 0x05, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0},
        {0x01, 0x01, 0x11, 0x00, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0},
    };
    uint8_t tok[16 + 80];
    memset(tok + 16, 0xaa, 80);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memcpy(tok, bad[i], 16);
        CHECK_SR(krb_gss_verify_mic(&ini, tok, 0, tok, 28, &seq), SR_INVALID_TOKEN);
        CHECK_SR(krb_gss_unwrap(&ini, tok, sizeof tok, &out, NULL, &seq), SR_INVALID_TOKEN);
    }
    /* rc4 framing: a valid-looking MIC token, then one defect each */
    uint8_t good[40], b[48];
    long n = test_hex("6023 06092a864886f712010202 0101 1100 ffffffff"
                      "0000000000000000 0000000000000000", good, sizeof good);
    REQUIRE(n == 37);
    krb_rc4_token t;
    CHECK_OK(krb_rc4_parse(good, 37, &t));
    CHECK_SR(krb_gss_verify_mic(&racc, good, 0, good, 37, &seq), SR_MESSAGE_ALTERED);
    static const struct { size_t off; uint8_t val; } defects[] = {
        {0, 0x61}, {1, 0x24}, {1, 0x22}, {2, 0x05}, {12, 0x03}, {13, 0x03}, {15, 0x12},
        {16, 0x01}, {17, 0xfe}, {20, 0xfe}};
    for (size_t i = 0; i < sizeof defects / sizeof defects[0]; i++) {
        memcpy(b, good, 37);
        b[defects[i].off] = defects[i].val;
        CHECK_SR(krb_rc4_parse(b, 37, &t), SR_INVALID_TOKEN);
        CHECK_SR(krb_gss_verify_mic(&racc, b, 0, b, 37, &seq), SR_INVALID_TOKEN);
        CHECK_SR(krb_gss_unwrap(&racc, b, 37, &out, NULL, &seq), SR_INVALID_TOKEN);
    }
    /* non-minimal long-form length */
    b[0] = 0x60; b[1] = 0x81; b[2] = 0x23;
    memcpy(b + 3, good + 2, 35);
    CHECK_SR(krb_rc4_parse(b, 38, &t), SR_INVALID_TOKEN);
    /* wrap tokens: bad SEAL_ALG, bad filler, no room for the padding */
    uint8_t wgood[48];
    n = test_hex("602c 06092a864886f712010202 0201 1100 1000 ffff"
                 "0000000000000000 0000000000000000 0000000000000000 01", wgood, sizeof wgood);
    REQUIRE(n == 46);
    CHECK_OK(krb_rc4_parse(wgood, 46, &t));
    CHECK_EQ_INT(t.data_len, 1);
    CHECK_SR(krb_gss_unwrap(&racc, wgood, 46, &out, NULL, &seq), SR_MESSAGE_ALTERED);
    static const struct { size_t off; uint8_t val; } wdefects[] = {{17, 0x11}, {18, 0xfe}, {19, 0x00}};
    for (size_t i = 0; i < sizeof wdefects / sizeof wdefects[0]; i++) {
        memcpy(b, wgood, 46);
        b[wdefects[i].off] = wdefects[i].val;
        CHECK_SR(krb_rc4_parse(b, 46, &t), SR_INVALID_TOKEN);
        CHECK_SR(krb_gss_unwrap(&racc, b, 46, &out, NULL, &seq), SR_INVALID_TOKEN);
    }
    memcpy(b, wgood, 45);
    b[1] = 0x2b;
    CHECK_SR(krb_rc4_parse(b, 45, &t), SR_INVALID_TOKEN);
    wire_writer_free(&out);
    krb_gss_ctx_free(&ini);
    krb_gss_ctx_free(&acc);
    krb_gss_ctx_free(&rini);
    krb_gss_ctx_free(&racc);
}

/* ---- MIT vectors ---- */

typedef struct vec_file {
    int32_t enctype;
    krb_key key;
    int have_key;
    int ntok, ok;
} vec_file;

static uint8_t *hex_alloc(const char *h, size_t *n) {
    size_t cap = strlen(h) / 2 + 1;
    uint8_t *b = malloc(cap);
    if (b == NULL) return NULL;
    if (strcmp(h, "-") == 0) {
        *n = 0;
        return b;
    }
    long r = test_hex(h, b, cap);
    if (r < 0) {
        free(b);
        return NULL;
    }
    *n = (size_t)r;
    return b;
}

/* "token FROM KIND CONF SEQ PLAINTEXT TOKEN": verify with the peer context.
 * Returns 1 when verified. */
static int check_token_line(krb_gss_ctx *ini, krb_gss_ctx *acc, char *line) {
    static char pth[1 << 16], tkh[1 << 17];
    char from[16], kind[8], seqs[24];
    int conf;
    if (sscanf(line, "token %15s %7s %d %23s %65535s %131071s", from, kind, &conf, seqs, pth,
               tkh) != 6)
        return 0;
    /* "-": not known to the recorder (rc4 encrypts SND_SEQ) */
    bool any_seq = strcmp(seqs, "-") == 0;
    unsigned long long seq = any_seq ? 0 : strtoull(seqs, NULL, 10);
    size_t pl = 0, tl = 0;
    uint8_t *pt = hex_alloc(pth, &pl), *tk = hex_alloc(tkh, &tl);
    int ok = 0;
    if (pt && tk) {
        krb_gss_ctx *dst = strcmp(from, "initiator") == 0 ? acc : ini;
        uint64_t got = 0;
        if (strcmp(kind, "mic") == 0) {
            sr r = krb_gss_verify_mic(dst, pt, pl, tk, tl, &got);
            ok = sr_is_ok(r) && (any_seq || got == seq);
            if (!ok) fprintf(stderr, "MIT mic from %s: %s\n", from, sr_code_name(r.code));
        } else {
            wire_writer out;
            bool c2 = false;
            if (sr_is_ok(wire_writer_init_alloc(&out, 0))) {
                sr r = krb_gss_unwrap(dst, tk, tl, &out, &c2, &got);
                ok = sr_is_ok(r) && (any_seq || got == seq) && out.len == pl && (pl == 0 || memcmp(out.data, pt, pl) == 0) &&
                     c2 == (conf != 0);
                if (!ok) fprintf(stderr, "MIT wrap from %s: %s\n", from, sr_code_name(r.code));
                wire_writer_free(&out);
            }
        }
    }
    free(pt);
    free(tk);
    return ok;
}

/* Reads a vector file; verifies every token line with a context pair made
 * from its key. Returns the number of failures (-1: unreadable). */
static int verify_vector_file(const char *path, int *ntok) {
    FILE *f = fopen(path, "r");
    if (f == NULL) return -1;
    char *line = NULL;
    size_t cap = 0;
    int fails = 0, have_key = 0;
    int32_t et = 0;
    krb_key key;
    krb_gss_ctx ini, acc;
    bool ready = false;
    *ntok = 0;
    while (getline(&line, &cap, f) > 0) {
        line[strcspn(line, "\r\n")] = 0;
        if (strncmp(line, "enctype ", 8) == 0) et = (int32_t)atoi(line + 8);
        if (strncmp(line, "key ", 4) == 0) {
            uint8_t kb[64];
            long n = test_hex(line + 4, kb, sizeof kb);
            have_key = n > 0 && sr_is_ok(krb_key_set(&key, et, kb, (size_t)n));
        }
        if (strncmp(line, "token ", 6) == 0) {
            if (!ready) {
                /* MIT's exported key is the acceptor subkey when there is
                 * one (RFC 4121 tokens then carry the AcceptorSubkey flag),
                 * which both sides then use. */
                if (!have_key || !sr_is_ok(krb_gss_ctx_init(&ini, true, &key, et != 23 ? &key : NULL)) ||
                    !sr_is_ok(krb_gss_ctx_init(&acc, false, &key, et != 23 ? &key : NULL))) {
                    fails++;
                    break;
                }
                ready = true;
            }
            (*ntok)++;
            if (!check_token_line(&ini, &acc, line)) fails++;
        }
    }
    free(line);
    fclose(f);
    if (ready) {
        krb_gss_ctx_free(&ini);
        krb_gss_ctx_free(&acc);
    }
    return fails;
}

static void test_mit_vectors(void) {
    const char *src = getenv("SSPI_TEST_SOURCE_DIR");
    char path[4096];
    static const char *const files[] = {"aes128-cts-hmac-sha1-96.txt", "aes256-cts-hmac-sha1-96.txt",
                                        "aes128-cts-hmac-sha256-128.txt",
                                        "aes256-cts-hmac-sha384-192.txt", "arcfour-hmac.txt"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/tests/data/krb5_tokens/%s", src ? src : ".", files[i]);
        int ntok = 0, fails = verify_vector_file(path, &ntok);
        if (fails != 0 || ntok == 0) {
            char m[4200];
            snprintf(m, sizeof m, "%s: %d failures, %d tokens", path, fails, ntok);
            test_fail(__FILE__, __LINE__, m);
        }
    }
}

/* ---- interop helper mode ---- */

static void hexout(FILE *f, const uint8_t *p, size_t n) {
    if (n == 0) fputs("-", f);
    for (size_t i = 0; i < n; i++) fprintf(f, "%02x", p[i]);
}

static int interop(const char *in, const char *outp) {
    int ntok = 0, fails = verify_vector_file(in, &ntok);
    printf("verified %d MIT tokens, %d failures\n", ntok, fails);
    FILE *f = fopen(in, "r");
    if (!f) return 1;
    char line[512];
    int32_t et = 0;
    krb_key key;
    int have_key = 0;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "enctype ", 8) == 0) et = (int32_t)atoi(line + 8);
        if (strncmp(line, "key ", 4) == 0) {
            uint8_t kb[64];
            long n = test_hex(line + 4, kb, sizeof kb);
            have_key = n > 0 && sr_is_ok(krb_key_set(&key, et, kb, (size_t)n));
        }
    }
    fclose(f);
    FILE *o = fopen(outp, "w");
    if (!o || !have_key) return 1;
    krb_gss_ctx ctx[2];
    if (!sr_is_ok(krb_gss_ctx_init(&ctx[0], true, &key, et != 23 ? &key : NULL)) ||
        !sr_is_ok(krb_gss_ctx_init(&ctx[1], false, &key, et != 23 ? &key : NULL)))
        return 1;
    static uint8_t msg[16384];
    fill(msg, sizeof msg, 42);
    static const size_t lens[] = {0, 1, 15, 16, 17, 64, 1000, 16384};
    uint64_t seq = 0;
    for (int side = 0; side < 2; side++) {
        for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
            size_t len = lens[li];
            for (int kind = 0; kind < 5; kind++) { /* mic, wrap conf rrc0/dce, integ rrc0/dce */
                wire_writer w;
                if (!sr_is_ok(wire_writer_init_alloc(&w, 0))) return 1;
                int conf = kind == 1 || kind == 2;
                sr r = kind == 0 ? krb_gss_get_mic(&ctx[side], seq, msg, len, &w)
                                 : krb_gss_wrap(&ctx[side], conf, seq,
                                                (kind == 2 || kind == 4) ? krb_gss_dce_rrc(&ctx[side], conf) : 0,
                                                msg, len, &w);
                if (!sr_is_ok(r)) return 1;
                fprintf(o, "token %s %s %d %llu ", side ? "acceptor" : "initiator",
                        kind ? "wrap" : "mic", conf, (unsigned long long)seq);
                hexout(o, msg, len);
                fputc(' ', o);
                hexout(o, w.data, w.len);
                fputc('\n', o);
                wire_writer_free(&w);
                seq++;
            }
        }
    }
    fclose(o);
    krb_gss_ctx_free(&ctx[0]);
    krb_gss_ctx_free(&ctx[1]);
    return fails ? 2 : 0;
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "--interop") == 0) return interop(argv[2], argv[3]);
    TEST_RUN(test_cfx_layout);
    TEST_RUN(test_roundtrips);
    TEST_RUN(test_tamper);
    TEST_RUN(test_subkey_flag);
    TEST_RUN(test_split);
    TEST_RUN(test_seq_window);
    TEST_RUN(test_malformed);
    TEST_RUN(test_mit_vectors);
    return test_summary();
}
