/*
 * libFuzzer target for Kerberos GSS MIC tokens (RFC 4121 04 04 and RFC 4757
 * 01 01 inside the InitialContextToken framing). Input: byte 0 selects the
 * enctype (17, 18, 19, 20, 23) and our role; the rest is the token, verified
 * over a fixed message with fixed keys (key bytes 00 01 02 ...). Must never
 * crash; whatever verifies must also parse, and a CFX token that verifies
 * must be exactly header + checksum.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "packages/kerberos/krb_gss_token.h"

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

static const int32_t k_et[5] = {17, 18, 19, 20, 23};
static krb_gss_ctx g_ctx[5][2];
static int g_ready;

static void setup(void) {
    uint8_t kb[32];
    for (int i = 0; i < 32; i++) kb[i] = (uint8_t)i;
    for (int e = 0; e < 5; e++) {
        krb_key k;
        const krb_enctype_ops *ops = krb_enctype_lookup(k_et[e]);
        CHECK(ops && sr_is_ok(krb_key_set(&k, k_et[e], kb, ops->key_len)));
        for (int role = 0; role < 2; role++)
            CHECK(sr_is_ok(krb_gss_ctx_init(&g_ctx[e][role], role == 0, &k,
                                            k_et[e] != 23 ? &k : NULL)));
    }
    g_ready = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!g_ready) setup();
    if (size < 1) return 0;
    krb_gss_ctx *c = &g_ctx[(data[0] & 0x7f) % 5][data[0] >> 7];
    const uint8_t *tok = data + 1;
    size_t n = size - 1;
    static const uint8_t msg[] = "libsspi fuzz message";
    uint64_t seq = 0;
    sr r = krb_gss_verify_mic(c, msg, sizeof msg - 1, tok, n, &seq);
    CHECK(r.code == SR_OK || r.code == SR_INVALID_TOKEN || r.code == SR_MESSAGE_ALTERED);
    krb_cfx_header h;
    krb_rc4_token t;
    sr pc = krb_cfx_parse(tok, n, &h);
    sr pr = krb_rc4_parse(tok, n, &t);
    if (sr_is_ok(pc)) CHECK(h.body_len + 16 == n && (n == 16 || h.body == tok + 16));
    if (sr_is_ok(pr)) CHECK(t.hdr8 > tok && t.cksum + 8 <= tok + n);
    if (sr_is_ok(r)) {
        if (c->cfx) CHECK(sr_is_ok(pc) && n == krb_gss_mic_len(c));
        else CHECK(sr_is_ok(pr) && n == krb_gss_mic_len(c));
    }
    return 0;
}
