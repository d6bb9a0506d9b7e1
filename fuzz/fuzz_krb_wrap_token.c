/*
 * libFuzzer target for Kerberos GSS Wrap tokens (RFC 4121 05 04 with any
 * EC/RRC, RFC 4757 02 01). Input: byte 0 selects the enctype (17, 18, 19, 20,
 * 23), our role (bit 7) and DCE-style rotation (bit 6); byte 1 is where the
 * SSPI split puts the token/data boundary; the rest is the token, unwrapped
 * with fixed keys (key bytes 00 01 02 ...). Must never crash; a token that
 * unwraps yields no more plaintext than it holds, and the contiguous and
 * split forms agree.
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
    if (size < 2) return 0;
    krb_gss_ctx *c = &g_ctx[(data[0] & 0x3f) % 5][data[0] >> 7];
    c->dce_style = (data[0] & 0x40) != 0;
    const uint8_t *tok = data + 2;
    size_t n = size - 2;
    wire_writer out;
    CHECK(sr_is_ok(wire_writer_init_alloc(&out, 0)));
    uint64_t seq = 0;
    bool conf = false;
    sr r = krb_gss_unwrap(c, tok, n, &out, &conf, &seq);
    CHECK(r.code == SR_OK || r.code == SR_INVALID_TOKEN || r.code == SR_MESSAGE_ALTERED);
    if (sr_is_ok(r)) CHECK(out.len < n);
    if (c->cfx) {
        size_t tl = data[1] < n ? data[1] : n;
        uint8_t *buf = malloc(n - tl + 1);
        CHECK(buf != NULL);
        memcpy(buf, tok + tl, n - tl);
        uint64_t seq2 = 0;
        bool conf2 = false;
        sr r2 = krb_gss_unwrap_split(c, tok, tl, buf, n - tl, &conf2, &seq2);
        CHECK(r2.code == SR_OK || r2.code == SR_INVALID_TOKEN || r2.code == SR_MESSAGE_ALTERED);
        /* the split form succeeds only when the contiguous one does and the
         * plaintext is exactly as long as the data part */
        if (sr_is_ok(r2)) {
            CHECK(sr_is_ok(r) && out.len == n - tl && seq2 == seq && conf2 == conf);
            CHECK(n - tl == 0 || memcmp(buf, out.data, n - tl) == 0);
        }
        free(buf);
    }
    wire_writer_free(&out);
    return 0;
}
