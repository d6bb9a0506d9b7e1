/*
 * libFuzzer target: SecBufferDesc handling at the API boundary
 * (MakeSignature / VerifySignature / EncryptMessage / DecryptMessage) on an
 * established NTLM context pair, fresh for every input (deterministic).
 *
 * Byte 0: bits 0-1 operation (sign, verify, encrypt, decrypt), bit 2 act on
 * the server's context (else the client's), bit 3 QOP SECQOP_WRAP_NO_ENCRYPT,
 * bit 4 descriptor version 1 (wrong), bit 5 NULL pBuffers, bit 6 "genuine":
 * the peer first protects the DATA buffers (same descriptor, opposite op)
 * so that verify / decrypt can succeed, then the edits below apply;
 * bit 7 datagram-free session with integrity only (no SEAL).
 * Byte 1: number of buffers (mod 10). Per buffer: a type byte (low nibble
 * picks EMPTY/DATA/TOKEN/STREAM/PADDING/STREAM_HEADER/STREAM_TRAILER/
 * CHANNEL_BINDINGS/MISSING/an unknown type, bit 4 READONLY, bit 5
 * READONLY_WITH_CHECKSUM, bit 6 NULL pvBuffer, bit 7 cbBuffer larger than
 * the allocation is NOT generated: sizes always match the memory), a u16
 * size (mod 1025) and the content bytes (from the input, zero-filled).
 * Then up to 8 byte edits (offset u16, xor u8) over the concatenated
 * buffers, applied after the "genuine" step.
 *
 * Checked (abort() otherwise): never a crash, leak or read outside a
 * buffer; statuses are among the documented ones; a genuine, unedited
 * message verifies / decrypts back to its plaintext.
 */
#include "fuzz_api.h"

#define MAXB 10

typedef struct pair {
    CredHandle cc, sc;
    CtxtHandle c, s;
} pair;

static CredHandle g_sc;
static bool g_ready;

static bool handshake(pair *p, bool integrity_only) {
    static fz_call a, b;
    CHECK(fz_client_creds("NTLM", "alice", "DOM", FZ_PASSWORD, NULL, &p->cc) == SEC_E_OK);
    ULONG creq = integrity_only ? ISC_REQ_INTEGRITY | ISC_REQ_CONNECTION
                                : ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY |
                                      ISC_REQ_REPLAY_DETECT | ISC_REQ_SEQUENCE_DETECT |
                                      ISC_REQ_CONNECTION;
    ULONG sreq = ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY | ASC_REQ_CONNECTION;
    memset(&a, 0, sizeof a);
    CHECK(fz_isc(&p->cc, &p->c, true, creq, &a) == SEC_I_CONTINUE_NEEDED);
    memset(&b, 0, sizeof b);
    b.in = a.out;
    b.in_len = a.out_len;
    CHECK(fz_asc(&g_sc, &p->s, true, sreq, &b) == SEC_I_CONTINUE_NEEDED);
    memset(&a, 0, sizeof a);
    a.in = b.out;
    a.in_len = b.out_len;
    CHECK(fz_isc(&p->cc, &p->c, false, creq, &a) == SEC_E_OK);
    memset(&b, 0, sizeof b);
    b.in = a.out;
    b.in_len = a.out_len;
    CHECK(fz_asc(&g_sc, &p->s, false, sreq, &b) == SEC_E_OK);
    return true;
}

static const ULONG k_types[16] = {
    SECBUFFER_EMPTY,          SECBUFFER_DATA,          SECBUFFER_TOKEN,
    SECBUFFER_STREAM,         SECBUFFER_PADDING,       SECBUFFER_STREAM_HEADER,
    SECBUFFER_STREAM_TRAILER, SECBUFFER_CHANNEL_BINDINGS, SECBUFFER_MISSING,
    0x7777,                   SECBUFFER_DATA,          SECBUFFER_TOKEN,
    SECBUFFER_DATA,           SECBUFFER_TOKEN,         SECBUFFER_STREAM,
    SECBUFFER_DATA};

static bool status_ok(SECURITY_STATUS s) {
    return s == SEC_E_OK || s == SEC_E_INVALID_TOKEN || s == SEC_E_MESSAGE_ALTERED ||
           s == SEC_E_OUT_OF_SEQUENCE || s == SEC_E_INCOMPLETE_MESSAGE ||
           s == SEC_E_INVALID_PARAMETER || s == SEC_E_QOP_NOT_SUPPORTED ||
           s == SEC_E_UNSUPPORTED_FUNCTION || s == SEC_E_BUFFER_TOO_SMALL ||
           s == SEC_E_INSUFFICIENT_MEMORY || s == SEC_E_DECRYPT_FAILURE;
}

static SECURITY_STATUS run(int op, CtxtHandle *ctx, ULONG qop, SecBufferDesc *d) {
    ULONG q = 0xdead;
    switch (op) {
    case 0: return MakeSignature(ctx, qop, d, 0);
    case 1: return VerifySignature(ctx, d, 0, &q);
    case 2: return EncryptMessage(ctx, qop, d, 0);
    default: return DecryptMessage(ctx, d, 0, &q);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!g_ready) {
        fz_server_creds("NTLM", &g_sc);
        g_ready = true;
    }
    if (size < 2 || size > 16384) return 0;
    fz_in in = {data + 2, size - 2};
    uint8_t m = data[0];
    unsigned nb = data[1] % MAXB;
    int op = m & 3;
    ULONG qop = (m & 8) ? SECQOP_WRAP_NO_ENCRYPT : 0;

    SecBuffer bufs[MAXB];
    uint8_t *mem[MAXB];
    uint8_t *orig[MAXB];
    memset(bufs, 0, sizeof bufs);
    memset(mem, 0, sizeof mem);
    memset(orig, 0, sizeof orig);
    for (unsigned i = 0; i < nb; i++) {
        uint8_t t = fz_u8(&in);
        size_t n = fz_u16(&in) % 1025;
        ULONG type = k_types[t & 15];
        if (t & 16) type |= SECBUFFER_READONLY;
        if (t & 32) type |= SECBUFFER_READONLY_WITH_CHECKSUM;
        mem[i] = malloc(n ? n : 1);
        CHECK(mem[i] != NULL);
        memset(mem[i], 0, n ? n : 1);
        size_t take = n < in.n ? n : in.n;
        if (take) memcpy(mem[i], in.p, take);
        in.p += take;
        in.n -= take;
        orig[i] = malloc(n ? n : 1);
        CHECK(orig[i] != NULL);
        memcpy(orig[i], mem[i], n ? n : 1);
        bufs[i].BufferType = type;
        bufs[i].cbBuffer = (ULONG)n;
        bufs[i].pvBuffer = (t & 64) ? NULL : mem[i];
    }
    SecBufferDesc d = {(m & 16) ? 1 : SECBUFFER_VERSION, nb, (m & 32) ? NULL : bufs};

    pair p;
    handshake(&p, (m & 128) != 0);
    CtxtHandle *me = (m & 4) ? &p.s : &p.c, *peer = (m & 4) ? &p.c : &p.s;

    bool genuine = false;
    if ((m & 64) && (op == 1 || op == 3)) {
        SECURITY_STATUS g = run(op - 1, peer, qop, &d);
        CHECK(status_ok(g));
        genuine = g == SEC_E_OK;
    }
    int edits = 0;
    for (int e = 0; e < 8 && in.n >= 3; e++) {
        uint16_t off = fz_u16(&in);
        uint8_t x = fz_u8(&in);
        if (!nb || !x) continue;
        unsigned i = off % nb;
        if (!bufs[i].pvBuffer || !bufs[i].cbBuffer) continue;
        ((uint8_t *)bufs[i].pvBuffer)[(off >> 4) % bufs[i].cbBuffer] ^= x;
        edits++;
    }
    SECURITY_STATUS s = run(op, me, qop, &d);
    CHECK(status_ok(s));
    bool has_stream = false;
    for (unsigned i = 0; i < nb; i++)
        if ((bufs[i].BufferType & ~(ULONG)SECBUFFER_ATTRMASK) == SECBUFFER_STREAM) has_stream = true;
    /* (DecryptMessage cannot tell a WRAP_NO_ENCRYPT message on a sealing
     * context: that one is expected to fail.) */
    if (genuine && edits == 0 && !has_stream && (op == 1 || qop == 0)) {
        CHECK(s == SEC_E_OK);
        /* Plaintext back in every writable DATA buffer. */
        for (unsigned i = 0; i < nb; i++)
            if ((bufs[i].BufferType & ~(ULONG)SECBUFFER_ATTRMASK) == SECBUFFER_DATA &&
                bufs[i].pvBuffer == mem[i] && op == 3)
                CHECK(memcmp(mem[i], orig[i], bufs[i].cbBuffer) == 0);
    }
    /* The contexts stay usable objects whatever happened. */
    uint8_t sig[16], msg[4] = {1, 2, 3, 4};
    SecBuffer ok[2] = {{sizeof sig, SECBUFFER_TOKEN, sig}, {sizeof msg, SECBUFFER_DATA, msg}};
    SecBufferDesc od = {SECBUFFER_VERSION, 2, ok};
    CHECK(status_ok(MakeSignature(me, 0, &od, 0)));
    CHECK(status_ok(VerifySignature(peer, &od, 0, NULL)));

    DeleteSecurityContext(&p.c);
    DeleteSecurityContext(&p.s);
    FreeCredentialsHandle(&p.cc);
    for (unsigned i = 0; i < nb; i++) {
        free(mem[i]);
        free(orig[i]);
    }
    return 0;
}
