/*
 * libFuzzer target: the KDC's hostile answer to the forwarded-TGT TGS
 * exchange of delegation (krb5_glue.c fwd_read_reply / fwd_read_enc_part:
 * TGS-REP or KRB-ERROR with libsspi's DER codec, EncTGSRepPart decrypted
 * with libsspi's Kerberos crypto).
 *
 * No KDC and no ccache: kg_fwd_new_fixed makes the exchange in its
 * "request sent" state from fixed values: the TGT alice@FZ.TEST ->
 * krbtgt/FZ.TEST@FZ.TEST (FORWARDABLE), session key bytes 00 01 .., the
 * authenticator subkey bytes 40 41 .. (both of the enctype byte 0 picks),
 * nonce 0x12345678. Each input feeds one reply to kg_exchange_step.
 *
 * Byte 0: bits 4-5 the enctype (18, 17, 20, 23); bit 3 a KRB-ERROR
 * RESPONSE_TOO_BIG is answered first (the resend-over-TCP path); bit 0
 * structured: the rest is a TGS-REP whose enc-part cipher [6][2] holds the
 * EncTGSRepPart in the clear; the target encrypts it (the subkey and key
 * usage 9, or with bit 1 the TGT session key and usage 8; bit 2 flips the
 * last ciphertext byte) and re-encodes the message. Without bit 0 (or if
 * the rest does not parse as such) the rest is the reply as is.
 *
 * Checked (abort() otherwise): no crash, leak or access outside a buffer;
 * a step that succeeds either completes with a forwarded TGT (FORWARDED
 * flag, kg_tgs_ticket) or, for RESPONSE_TOO_BIG only, asks for a resend
 * over TCP.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "packages/kerberos/krb5_glue.h"
#include "packages/kerberos/krb_crypto.h"
#include "wire/der.h"

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

static const int32_t g_enctypes[4] = {18, 17, 20, 23};
static kg_ctx *g_k;
static kg_ticket *g_tgt[4];
static krb_key g_sess[4], g_sub[4];
static kg_buf g_too_big;

static void setup(void) {
    /* No profile: nothing here reads one (and no KDC is ever reached). */
    setenv("KRB5_CONFIG", "/dev/null", 1);
    setenv("KRB5_TRACE", "/dev/null", 1);
    CHECK(sr_is_ok(kg_ctx_new(&g_k)));
    kg_principal *client, *server;
    CHECK(sr_is_ok(kg_principal_parse(g_k, "alice@FZ.TEST", &client)));
    CHECK(sr_is_ok(kg_principal_parse(g_k, "krbtgt/FZ.TEST@FZ.TEST", &server)));
    kg_times t = {1700000000, 1700000000, 1700036000, 0};
    for (int i = 0; i < 4; i++) {
        const krb_enctype_ops *ops = krb_enctype_lookup(g_enctypes[i]);
        CHECK(ops != NULL);
        uint8_t kb[KRB_MAX_KEY_LEN], sb[KRB_MAX_KEY_LEN];
        for (int j = 0; j < KRB_MAX_KEY_LEN; j++) {
            kb[j] = (uint8_t)j;
            sb[j] = (uint8_t)(0x40 + j);
        }
        size_t klen = g_enctypes[i] == 17 ? 16 : g_enctypes[i] == 23 ? 16 : 32;
        CHECK(sr_is_ok(krb_key_set(&g_sess[i], g_enctypes[i], kb, klen)));
        CHECK(sr_is_ok(krb_key_set(&g_sub[i], g_enctypes[i], sb, klen)));
        CHECK(sr_is_ok(kg_ticket_new(g_k, client, server, &t, KG_TKT_FLG_FORWARDABLE,
                                     &g_sess[i], &g_tgt[i])));
    }
    kg_principal_free(g_k, client);
    kg_principal_free(g_k, server);
    CHECK(sr_is_ok(kg_krb_error_make(g_k, kg_code_response_too_big(), "krbtgt/FZ.TEST@FZ.TEST",
                                     &g_too_big)));
}

/* The structured form: the TGS-REP with [6] EncryptedData's cipher
 * encrypted. false if p is not shaped so. */
static bool encrypt_reply(const uint8_t *p, size_t len, const krb_key *key, uint32_t usage,
                          bool flip, kg_buf *out) {
    wire_reader r, seq;
    der_tlv app;
    wire_reader_init(&r, p, len);
    if (!sr_is_ok(der_read_tlv(&r, &app)) || app.cls != DER_CLASS_APPLICATION ||
        !app.constructed ||
        !sr_is_ok(der_expect(&app.contents, DER_CLASS_UNIVERSAL, true, DER_TAG_SEQUENCE, &seq)))
        return false;
    const krb_enctype_ops *ops = krb_enctype_lookup(key->enctype);
    wire_writer w;
    CHECK(sr_is_ok(wire_writer_init_alloc(&w, len + 128)));
    der_mark ma, ms;
    bool ok = sr_is_ok(der_begin(&w, app.cls, true, app.tag, &ma)) &&
              sr_is_ok(der_begin(&w, DER_CLASS_UNIVERSAL, true, DER_TAG_SEQUENCE, &ms));
    bool done = false;
    while (ok && wire_remaining(&seq) > 0) {
        der_tlv el;
        if (!sr_is_ok(der_read_tlv(&seq, &el))) {
            ok = false;
            break;
        }
        if (done || el.cls != DER_CLASS_CONTEXT || el.tag != 6 || !el.constructed) {
            ok = sr_is_ok(der_write_raw(&w, el.whole, el.whole_len));
            continue;
        }
        /* [6] EncryptedData ::= SEQUENCE { etype [0], kvno [1] OPTIONAL, cipher [2] } */
        wire_reader ed;
        der_mark m6, med;
        if (!sr_is_ok(der_expect(&el.contents, DER_CLASS_UNIVERSAL, true, DER_TAG_SEQUENCE, &ed)) ||
            !sr_is_ok(der_begin(&w, DER_CLASS_CONTEXT, true, 6, &m6)) ||
            !sr_is_ok(der_begin(&w, DER_CLASS_UNIVERSAL, true, DER_TAG_SEQUENCE, &med))) {
            ok = false;
            break;
        }
        while (ok && wire_remaining(&ed) > 0) {
            der_tlv f;
            wire_reader c;
            const uint8_t *plain;
            size_t plain_len;
            if (!sr_is_ok(der_read_tlv(&ed, &f))) {
                ok = false;
            } else if (f.cls == DER_CLASS_CONTEXT && f.tag == 2 && f.constructed &&
                       (c = f.contents, sr_is_ok(der_read_octet_string(&c, &plain, &plain_len)))) {
                size_t n = krb_encrypt_len(ops, plain_len);
                uint8_t *enc = malloc(n ? n : 1);
                CHECK(enc != NULL);
                der_mark m2;
                ok = sr_is_ok(krb_encrypt_oneshot(key, usage, plain, plain_len, enc));
                if (ok && flip && n) enc[n - 1] ^= 0x01;
                ok = ok && sr_is_ok(der_begin(&w, DER_CLASS_CONTEXT, true, 2, &m2)) &&
                     sr_is_ok(der_write_octet_string(&w, enc, n)) && sr_is_ok(der_end(&w, &m2));
                free(enc);
            } else {
                ok = sr_is_ok(der_write_raw(&w, f.whole, f.whole_len));
            }
        }
        ok = ok && sr_is_ok(der_end(&w, &med)) && sr_is_ok(der_end(&w, &m6));
        done = true;
    }
    ok = ok && sr_is_ok(der_end(&w, &ms)) && sr_is_ok(der_end(&w, &ma)) &&
         sr_is_ok(wire_writer_status(&w)) && sr_is_ok(wire_writer_take(&w, &out->data, &out->len));
    wire_writer_free(&w);
    return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!g_k) setup();
    if (size < 1) return 0;
    uint8_t mode = data[0];
    int e = (mode >> 4) & 3;
    const uint8_t *reply = data + 1;
    size_t reply_len = size - 1;
    kg_buf built = {0};
    if ((mode & 1) &&
        encrypt_reply(reply, reply_len, (mode & 2) ? &g_sess[e] : &g_sub[e], (mode & 2) ? 8 : 9,
                      (mode & 4) != 0, &built)) {
        reply = built.data;
        reply_len = built.len;
    }
    /* Exact-size heap copy: ASan sees any read past the reply. */
    uint8_t *copy = malloc(reply_len ? reply_len : 1);
    CHECK(copy != NULL);
    if (reply_len) memcpy(copy, reply, reply_len);

    kg_exchange *x;
    CHECK(sr_is_ok(kg_fwd_new_fixed(g_k, g_tgt[e], &g_sub[e], 0x12345678, &x)));
    bool done = false;
    kg_kdc_request req;
    if (mode & 8) {
        CHECK(sr_is_ok(kg_exchange_step(x, g_too_big.data, g_too_big.len, &done, &req)));
        CHECK(!done && req.tcp_only);
    }
    sr r = kg_exchange_step(x, copy, reply_len, &done, &req);
    if (sr_is_ok(r)) {
        if (done) {
            kg_ticket *t;
            CHECK(sr_is_ok(kg_tgs_ticket(x, &t)));
            CHECK(kg_ticket_flags(t) & KG_TKT_FLG_FORWARDED);
            kg_times tt;
            kg_ticket_times(t, &tt);
            (void)kg_ticket_enctype(t);
            kg_ticket_free(g_k, t);
        } else {
            CHECK(req.tcp_only);
        }
    }
    kg_exchange_free(x);
    free(copy);
    kg_buf_free(&built);
    return 0;
}
