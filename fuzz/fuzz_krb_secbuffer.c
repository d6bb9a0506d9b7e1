/*
 * libFuzzer target: the Kerberos package's SecBufferDesc layouts
 * (src/packages/kerberos/krb_message.c: krb_make_signature,
 * krb_verify_signature, krb_encrypt_message, krb_decrypt_message) on
 * established contexts built directly from fixed keys (key bytes 00 01 02
 * ...; no KDC), one initiator and one acceptor per enctype.
 *
 * Byte 0: bits 0-1 operation (sign, verify, encrypt, decrypt), bit 2 act as
 * the acceptor, bit 3 QOP SECQOP_WRAP_NO_ENCRYPT, bit 4 genuine (the peer
 * protects the DATA buffers first, same descriptor, opposite operation),
 * bit 5 DCE style, bits 6-7 replay/sequence detection.
 * Byte 1: enctype (17, 18, 19, 20, 23: mod 5) in bits 0-3, buffer count in
 * bits 4-7 (mod 9). Buffers and edits as in fuzz_secbuffer.c: type byte
 * (low nibble type, bit 4 READONLY, bit 6 NULL pvBuffer), u16 size mod
 * 1025, contents; then (u16 offset, u8 xor) edits.
 *
 * Checked (abort() otherwise): no crash, leak or access outside a buffer;
 * statuses among the documented ones; an unedited genuine message verifies
 * / decrypts and gives back its plaintext.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "packages/kerberos/krb_context.h"
#include "packages/kerberos/krb_gss_token.h"

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)
#define MAXB 9

static const int32_t k_et[5] = {17, 18, 19, 20, 23};
static krb_context g_ctx[5][2]; /* [enctype][acceptor] */
static int g_ready;

static void setup(void) {
    uint8_t kb[32];
    for (int i = 0; i < 32; i++) kb[i] = (uint8_t)i;
    for (int e = 0; e < 5; e++) {
        krb_key k;
        const krb_enctype_ops *ops = krb_enctype_lookup(k_et[e]);
        CHECK(ops && sr_is_ok(krb_key_set(&k, k_et[e], kb, ops->key_len)));
        for (int role = 0; role < 2; role++) {
            krb_context *c = &g_ctx[e][role];
            memset(c, 0, sizeof *c);
            c->is_server = role == 1;
            c->state = KRB_ST_DONE;
            CHECK(sr_is_ok(krb_gss_ctx_init(&c->gss, role == 0, &k, k_et[e] != 23 ? &k : NULL)));
            c->gss_ready = true;
            c->session_key = k;
        }
    }
    g_ready = 1;
}

static const ULONG k_types[16] = {
    SECBUFFER_EMPTY,          SECBUFFER_DATA,          SECBUFFER_TOKEN,
    SECBUFFER_STREAM,         SECBUFFER_PADDING,       SECBUFFER_STREAM_HEADER,
    SECBUFFER_STREAM_TRAILER, SECBUFFER_CHANNEL_BINDINGS, SECBUFFER_MISSING,
    0x7777,                   SECBUFFER_DATA,          SECBUFFER_TOKEN,
    SECBUFFER_DATA,           SECBUFFER_TOKEN,         SECBUFFER_STREAM,
    SECBUFFER_DATA};

static bool status_ok(sr r) {
    switch (r.code) {
    case SR_OK:
    case SR_INVALID_TOKEN:
    case SR_MESSAGE_ALTERED:
    case SR_OUT_OF_SEQUENCE:
    case SR_INCOMPLETE_MESSAGE:
    case SR_INVALID_PARAMETER:
    case SR_QOP_NOT_SUPPORTED:
    case SR_UNSUPPORTED:
    case SR_BUFFER_TOO_SMALL:
    case SR_NO_MEMORY:
    case SR_DECRYPT_FAILURE:
        return true;
    default:
        return false;
    }
}

static sr run(int op, krb_context *c, ULONG qop, SecBufferDesc *d) {
    ULONG q = 0;
    switch (op) {
    case 0: return krb_make_signature(c, qop, d, 0);
    case 1: return krb_verify_signature(c, d, 0, &q);
    case 2: return krb_encrypt_message(c, qop, d, 0);
    default: return krb_decrypt_message(c, d, 0, &q);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!g_ready) setup();
    if (size < 2 || size > 16384) return 0;
    const uint8_t *p = data + 2;
    size_t left = size - 2;
    uint8_t m = data[0];
    int e = (data[1] & 15) % 5;
    unsigned nb = (data[1] >> 4) % MAXB;
    int op = m & 3;
    ULONG qop = (m & 8) ? SECQOP_WRAP_NO_ENCRYPT : 0;
    krb_context *me = &g_ctx[e][(m >> 2) & 1], *peer = &g_ctx[e][!((m >> 2) & 1)];
    bool cfx = k_et[e] != 23;
    for (int r = 0; r < 2; r++) {
        krb_context *c = &g_ctx[e][r];
        c->gss.dce_style = (m & 32) != 0;
        c->send_seq = 1000;
        krb_seq_init(&c->recv_window, 1000, (m & 64) != 0, (m & 128) != 0, cfx);
    }

    SecBuffer bufs[MAXB];
    uint8_t *mem[MAXB], *orig[MAXB];
    memset(bufs, 0, sizeof bufs);
    for (unsigned i = 0; i < nb; i++) {
        uint8_t t = left ? *p : 0;
        size_t n = 0;
        if (left >= 3) n = ((size_t)p[1] | (size_t)p[2] << 8) % 1025;
        size_t hdr = left < 3 ? left : 3;
        p += hdr;
        left -= hdr;
        mem[i] = calloc(1, n ? n : 1);
        orig[i] = malloc(n ? n : 1);
        CHECK(mem[i] && orig[i]);
        size_t take = n < left ? n : left;
        if (take) memcpy(mem[i], p, take);
        p += take;
        left -= take;
        memcpy(orig[i], mem[i], n ? n : 1);
        ULONG type = k_types[t & 15];
        if (t & 16) type |= SECBUFFER_READONLY;
        bufs[i].BufferType = type;
        bufs[i].cbBuffer = (ULONG)n;
        bufs[i].pvBuffer = (t & 64) ? NULL : mem[i];
    }
    SecBufferDesc d = {SECBUFFER_VERSION, nb, bufs};

    bool genuine = false;
    if ((m & 16) && (op == 1 || op == 3)) {
        sr g = run(op - 1, peer, qop, &d);
        CHECK(status_ok(g));
        genuine = sr_is_ok(g);
    }
    int edits = 0;
    while (left >= 3 && edits < 8) {
        uint16_t off = (uint16_t)(p[0] | p[1] << 8);
        uint8_t x = p[2];
        p += 3;
        left -= 3;
        if (!nb || !x) continue;
        unsigned i = off % nb;
        if (!bufs[i].pvBuffer || !bufs[i].cbBuffer) continue;
        ((uint8_t *)bufs[i].pvBuffer)[(off >> 4) % bufs[i].cbBuffer] ^= x;
        edits++;
    }
    sr r = run(op, me, qop, &d);
    CHECK(status_ok(r));
    bool has_stream = false;
    for (unsigned i = 0; i < nb; i++)
        if ((bufs[i].BufferType & ~(ULONG)SECBUFFER_ATTRMASK) == SECBUFFER_STREAM) has_stream = true;
    if (genuine && edits == 0 && !has_stream) {
        CHECK(sr_is_ok(r));
        if (op == 3)
            for (unsigned i = 0; i < nb; i++)
                if ((bufs[i].BufferType & ~(ULONG)SECBUFFER_ATTRMASK) == SECBUFFER_DATA &&
                    bufs[i].pvBuffer == mem[i])
                    CHECK(memcmp(mem[i], orig[i], bufs[i].cbBuffer) == 0);
    }
    for (unsigned i = 0; i < nb; i++) {
        free(mem[i]);
        free(orig[i]);
    }
    return 0;
}
