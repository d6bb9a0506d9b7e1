/*
 * NTLM per-message protection through the SSPI buffer layouts
 * (src/packages/ntlm/ntlm_message.c): a client and a server ntlm_session
 * built from a fixed ExportedSessionKey and several negotiated flag sets.
 */
#include <string.h>

#include <sspi.h>

#include "core/result.h"
#include "crypto/crypto.h"
#include "packages/ntlm/ntlm_session.h"
#include "packages/ntlm/ntlm_wire.h"
#include "testlib.h"

static const uint8_t k_esk[16] = {0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55,
                                  0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55};
static const uint8_t k_plaintext[18] = {0x50, 0, 0x6c, 0, 0x61, 0, 0x69, 0, 0x6e,
                                        0,    0x74, 0, 0x65, 0, 0x78, 0, 0x74, 0};

#define SIGNSEAL (NTLMSSP_NEGOTIATE_SIGN | NTLMSSP_NEGOTIATE_SEAL)
#define ESS NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY
/* MS-NLMP 4.2.4 (NTLMv2: ESS, KEY_EXCH, 128), 4.2.3 (ESS, 56, no KEY_EXCH)
 * and 4.2.2 (NTLMv1 without ESS) flag sets. */
#define F_V2 0xe28a8233u
#define F_V1_ESS 0x820a8233u
#define F_V1 0xe2028233u
#define F_ESS40 (SIGNSEAL | ESS | NTLMSSP_NEGOTIATE_KEY_EXCH)
#define F_V1_LMKEY40 (SIGNSEAL | NTLMSSP_NEGOTIATE_LM_KEY | NTLMSSP_NEGOTIATE_KEY_EXCH)
#define F_DGRAM (F_V2 | NTLMSSP_NEGOTIATE_DATAGRAM)

static const uint32_t k_sets[] = {F_V2, F_V1_ESS, F_V1, F_ESS40, F_V1_LMKEY40, F_DGRAM};
#define NSETS (sizeof k_sets / sizeof k_sets[0])

typedef struct peers {
    ntlm_session cli, srv;
} peers;

static int peers_start(peers *p, uint32_t flags) {
    memset(p, 0, sizeof *p);
    p->cli.is_client = true;
    p->srv.is_client = false;
    p->cli.neg_flags = p->srv.neg_flags = flags;
    memcpy(p->cli.exported_session_key, k_esk, 16);
    memcpy(p->srv.exported_session_key, k_esk, 16);
    return sr_is_ok(ntlm_session_start(&p->cli)) && sr_is_ok(ntlm_session_start(&p->srv));
}

static void peers_clear(peers *p) {
    ntlm_session_clear(&p->cli);
    ntlm_session_clear(&p->srv);
}

/* A TOKEN + one DATA message over caller storage. */
typedef struct msg {
    SecBuffer b[2];
    SecBufferDesc d;
    uint8_t sig[32];
    uint8_t data[64];
} msg;

static void msg_init(msg *m, const void *data, size_t len) {
    memset(m, 0, sizeof *m);
    memcpy(m->data, data, len);
    m->b[0].BufferType = SECBUFFER_TOKEN;
    m->b[0].cbBuffer = sizeof m->sig;
    m->b[0].pvBuffer = m->sig;
    m->b[1].BufferType = SECBUFFER_DATA;
    m->b[1].cbBuffer = (ULONG)len;
    m->b[1].pvBuffer = m->data;
    m->d.ulVersion = SECBUFFER_VERSION;
    m->d.cBuffers = 2;
    m->d.pBuffers = m->b;
}

static ULONG seq_arg(uint32_t flags, ULONG n) {
    return (flags & NTLMSSP_NEGOTIATE_DATAGRAM) ? 100 + n : 0;
}

/* Alternate client->server and server->client messages (v1 without ESS is
 * half duplex: one RC4 handle and counter for both directions). */
static void exchange(uint32_t flags, bool seal) {
    peers p;
    REQUIRE(peers_start(&p, flags));
    for (ULONG i = 0; i < 6; i++) {
        ntlm_session *from = (i % 2) ? &p.srv : &p.cli;
        ntlm_session *to = (i % 2) ? &p.cli : &p.srv;
        msg m;
        uint8_t text[40];
        for (size_t j = 0; j < sizeof text; j++) text[j] = (uint8_t)(i * 7 + j);
        msg_init(&m, text, sizeof text - i);
        ULONG qop = 0xdead;
        if (seal) {
            CHECK_OK(ntlm_encrypt_message(from, 0, &m.d, seq_arg(flags, i)));
            CHECK(memcmp(m.data, text, sizeof text - i) != 0);
            CHECK_OK(ntlm_decrypt_message(to, &m.d, seq_arg(flags, i), &qop));
        } else {
            CHECK_OK(ntlm_make_signature(from, 0, &m.d, seq_arg(flags, i)));
            CHECK_OK(ntlm_verify_signature(to, &m.d, seq_arg(flags, i), &qop));
        }
        CHECK_EQ_INT(qop, 0);
        CHECK_EQ_INT(m.b[0].cbBuffer, 16);
        CHECK_BYTES(m.data, text, sizeof text - i);
        CHECK_EQ_INT(m.sig[0], 1);
    }
    peers_clear(&p);
}

static void test_sign_verify(void) {
    for (size_t i = 0; i < NSETS; i++) exchange(k_sets[i], false);
}

static void test_seal_unseal(void) {
    for (size_t i = 0; i < NSETS; i++) exchange(k_sets[i], true);
}

/* MS-NLMP 4.2.4.4, 4.2.3.4 and 4.2.2.4 through EncryptMessage (client,
 * sequence 0, "Plaintext" in UTF-16LE), then DecryptMessage on the server. */
static void spec_wrap(uint32_t flags, const uint8_t *esk, const char *want_data_hex,
                      const char *want_sig_hex) {
    ntlm_session cli = {0}, srv = {0};
    cli.is_client = true;
    cli.neg_flags = srv.neg_flags = flags;
    memcpy(cli.exported_session_key, esk, 16);
    memcpy(srv.exported_session_key, esk, 16);
    REQUIRE(sr_is_ok(ntlm_session_start(&cli)) && sr_is_ok(ntlm_session_start(&srv)));
    msg m;
    msg_init(&m, k_plaintext, sizeof k_plaintext);
    CHECK_OK(ntlm_encrypt_message(&cli, 0, &m.d, 0));
    uint8_t want_data[18], want_sig[16];
    REQUIRE(test_hex(want_data_hex, want_data, sizeof want_data) == 18);
    REQUIRE(test_hex(want_sig_hex, want_sig, sizeof want_sig) == 16);
    CHECK_BYTES(m.data, want_data, 18);
    CHECK_BYTES(m.sig, want_sig, 16);
    CHECK_EQ_INT(m.b[0].cbBuffer, 16);
    CHECK_OK(ntlm_decrypt_message(&srv, &m.d, 0, NULL));
    CHECK_BYTES(m.data, k_plaintext, 18);
    ntlm_session_clear(&cli);
    ntlm_session_clear(&srv);
}

static void test_spec_wrap(void) {
    spec_wrap(F_V2, k_esk, "54e50165bf1936dc996020c1811b0f06fb5f",
              "010000007fb38ec5c55d497600000000");
    /* 4.2.3: ExportedSessionKey = KeyExchangeKey (no KEY_EXCH). */
    uint8_t kx[16];
    REQUIRE(test_hex("eb93429a8bd952f8b89c55b87f475edc", kx, 16) == 16);
    spec_wrap(F_V1_ESS, kx, "a02372f6530273f3aa1eb90190ce5200c99d",
              "01000000ff2aeb52f681793a00000000");
    /* 4.2.2: RandomPad emitted as 0 (3.4.4.1), see test_ntlm_vectors.c. */
    spec_wrap(F_V1, k_esk, "56fe04d861f9319af0d7238a2e3b4d457fb8",
              "0100000000000000" "09dcd1df2e459d36");
}

/* DecryptMessage with SECBUFFER_STREAM (signature || data) and an empty
 * SECBUFFER_DATA that ends up pointing at the plaintext in the stream. */
static void test_stream_decrypt(void) {
    for (size_t s = 0; s < NSETS; s++) {
        peers p;
        REQUIRE(peers_start(&p, k_sets[s]));
        msg m;
        msg_init(&m, k_plaintext, sizeof k_plaintext);
        CHECK_OK(ntlm_encrypt_message(&p.cli, 0, &m.d, seq_arg(k_sets[s], 0)));
        uint8_t stream[34];
        memcpy(stream, m.sig, 16);
        memcpy(stream + 16, m.data, 18);
        SecBuffer b[2] = {{sizeof stream, SECBUFFER_STREAM, stream}, {0, SECBUFFER_DATA, NULL}};
        SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
        CHECK_OK(ntlm_decrypt_message(&p.srv, &d, seq_arg(k_sets[s], 0), NULL));
        CHECK(b[1].pvBuffer == stream + 16);
        CHECK_EQ_INT(b[1].cbBuffer, 18);
        CHECK_BYTES(stream + 16, k_plaintext, 18);

        /* Short stream: incomplete. Stream without a DATA buffer: invalid. */
        b[0].cbBuffer = 15;
        CHECK_SR(ntlm_decrypt_message(&p.srv, &d, 0, NULL), SR_INCOMPLETE_MESSAGE);
        b[0].cbBuffer = sizeof stream;
        b[1].BufferType = SECBUFFER_EMPTY;
        CHECK_SR(ntlm_decrypt_message(&p.srv, &d, 0, NULL), SR_INVALID_TOKEN);
        peers_clear(&p);
    }
}

/* READONLY / READONLY_WITH_CHECKSUM data buffers: signed, not sealed. */
static void test_readonly_buffers(void) {
    for (size_t s = 0; s < NSETS; s++) {
        peers p;
        REQUIRE(peers_start(&p, k_sets[s]));
        uint8_t sig[16], hdr[8] = "HEADER!", body[18], trl[6] = "TRAIL";
        memcpy(body, k_plaintext, sizeof body);
        SecBuffer b[4] = {{sizeof hdr, SECBUFFER_DATA | SECBUFFER_READONLY, hdr},
                          {sizeof body, SECBUFFER_DATA, body},
                          {sizeof sig, SECBUFFER_TOKEN, sig},
                          {sizeof trl, SECBUFFER_DATA | SECBUFFER_READONLY_WITH_CHECKSUM, trl}};
        SecBufferDesc d = {SECBUFFER_VERSION, 4, b};
        ULONG seq = seq_arg(k_sets[s], 3);
        CHECK_OK(ntlm_encrypt_message(&p.cli, 0, &d, seq));
        CHECK(memcmp(hdr, "HEADER!", 8) == 0);
        CHECK(memcmp(trl, "TRAIL", 6) == 0);
        CHECK(memcmp(body, k_plaintext, sizeof body) != 0);
        /* The read-only parts are covered by the signature. */
        uint8_t sealed[18];
        memcpy(sealed, body, sizeof sealed);
        hdr[0] = 'h';
        if (k_sets[s] & NTLMSSP_NEGOTIATE_DATAGRAM) {
            CHECK_SR(ntlm_decrypt_message(&p.srv, &d, seq, NULL), SR_MESSAGE_ALTERED);
            hdr[0] = 'H';
            memcpy(body, sealed, sizeof body); /* datagram: same handle again */
            CHECK_OK(ntlm_decrypt_message(&p.srv, &d, seq, NULL));
            CHECK_BYTES(body, k_plaintext, 18);
        } else {
            CHECK_SR(ntlm_decrypt_message(&p.srv, &d, seq, NULL), SR_MESSAGE_ALTERED);
        }
        peers_clear(&p);
    }
}

/* Tampering with the data or the signature. */
static void test_tamper(void) {
    for (size_t s = 0; s < NSETS; s++) {
        for (int what = 0; what < 3; what++) {
            peers p;
            REQUIRE(peers_start(&p, k_sets[s]));
            msg m;
            msg_init(&m, k_plaintext, sizeof k_plaintext);
            ULONG seq = seq_arg(k_sets[s], 0);
            bool seal = what == 2;
            if (seal) CHECK_OK(ntlm_encrypt_message(&p.cli, 0, &m.d, seq));
            else CHECK_OK(ntlm_make_signature(&p.cli, 0, &m.d, seq));
            if (what == 0) m.data[5] ^= 0x01;
            else m.sig[8] ^= 0x40;
            sr r = seal ? ntlm_decrypt_message(&p.srv, &m.d, seq, NULL)
                        : ntlm_verify_signature(&p.srv, &m.d, seq, NULL);
            CHECK_EQ_INT(r.code, SR_MESSAGE_ALTERED);
            peers_clear(&p);
        }
    }
}

/* Replay and reordering. With ESS the number travels in clear; without
 * KEY_EXCH the checksum can be checked for the number the token carries:
 * SR_OUT_OF_SEQUENCE. With KEY_EXCH (or without ESS) the RC4 position of a
 * reordered message differs, so the checksum itself fails: MESSAGE_ALTERED. */
static void test_sequence(void) {
    peers p;
    REQUIRE(peers_start(&p, F_V1_ESS));
    msg m0, m1;
    msg_init(&m0, "first", 5);
    msg_init(&m1, "second", 6);
    CHECK_OK(ntlm_make_signature(&p.cli, 0, &m0.d, 0));
    CHECK_OK(ntlm_make_signature(&p.cli, 0, &m1.d, 0));
    CHECK_EQ_INT(m1.sig[12], 1);
    CHECK_SR(ntlm_verify_signature(&p.srv, &m1.d, 0, NULL), SR_OUT_OF_SEQUENCE);
    CHECK_OK(ntlm_verify_signature(&p.srv, &m0.d, 0, NULL)); /* counter kept */
    CHECK_SR(ntlm_verify_signature(&p.srv, &m0.d, 0, NULL), SR_OUT_OF_SEQUENCE); /* replay */
    CHECK_OK(ntlm_verify_signature(&p.srv, &m1.d, 0, NULL));
    /* A modified sequence number matches no checksum. */
    msg m2;
    msg_init(&m2, "third", 5);
    CHECK_OK(ntlm_make_signature(&p.cli, 0, &m2.d, 0));
    m2.sig[12] = 7;
    CHECK_SR(ntlm_verify_signature(&p.srv, &m2.d, 0, NULL), SR_MESSAGE_ALTERED);
    peers_clear(&p);

    /* Connection-oriented contexts ignore MessageSeqNo (internal counter). */
    REQUIRE(peers_start(&p, F_V2));
    msg_init(&m0, "first", 5);
    CHECK_OK(ntlm_make_signature(&p.cli, 0, &m0.d, 77));
    CHECK_EQ_INT(m0.sig[12], 0);
    CHECK_OK(ntlm_verify_signature(&p.srv, &m0.d, 12345, NULL));
    /* KEY_EXCH: replay fails as altered (RC4 keystream moved on). */
    CHECK_SR(ntlm_verify_signature(&p.srv, &m0.d, 0, NULL), SR_MESSAGE_ALTERED);
    peers_clear(&p);

    /* Datagram: the caller's numbers; each message verifies on its own. */
    REQUIRE(peers_start(&p, F_DGRAM));
    msg_init(&m0, "first", 5);
    msg_init(&m1, "second", 6);
    CHECK_OK(ntlm_encrypt_message(&p.cli, 0, &m0.d, 41));
    CHECK_OK(ntlm_encrypt_message(&p.cli, 0, &m1.d, 42));
    CHECK_EQ_INT(m1.sig[12], 42);
    CHECK_OK(ntlm_decrypt_message(&p.srv, &m1.d, 42, NULL));
    CHECK_BYTES(m1.data, "second", 6);
    CHECK_OK(ntlm_decrypt_message(&p.srv, &m0.d, 41, NULL));
    CHECK_BYTES(m0.data, "first", 5);
    peers_clear(&p);
}

/* Token buffer problems: missing, short, NULL; no buffers at all. */
static void test_bad_tokens(void) {
    peers p;
    REQUIRE(peers_start(&p, F_V2));
    msg m;
    msg_init(&m, "data", 4);
    m.b[0].BufferType = SECBUFFER_PADDING;
    CHECK_SR(ntlm_make_signature(&p.cli, 0, &m.d, 0), SR_INVALID_TOKEN);
    CHECK_SR(ntlm_encrypt_message(&p.cli, 0, &m.d, 0), SR_INVALID_TOKEN);
    CHECK_SR(ntlm_verify_signature(&p.srv, &m.d, 0, NULL), SR_INVALID_TOKEN);
    CHECK_SR(ntlm_decrypt_message(&p.srv, &m.d, 0, NULL), SR_INVALID_TOKEN);
    m.b[0].BufferType = SECBUFFER_TOKEN;
    m.b[0].cbBuffer = 15;
    CHECK_SR(ntlm_make_signature(&p.cli, 0, &m.d, 0), SR_INVALID_TOKEN);
    CHECK_SR(ntlm_decrypt_message(&p.srv, &m.d, 0, NULL), SR_INVALID_TOKEN);
    m.b[0].cbBuffer = 16;
    m.b[0].pvBuffer = NULL;
    CHECK_SR(ntlm_make_signature(&p.cli, 0, &m.d, 0), SR_INVALID_TOKEN);
    CHECK_SR(ntlm_make_signature(&p.cli, 0, NULL, 0), SR_INVALID_PARAMETER);
    SecBufferDesc empty = {SECBUFFER_VERSION, 0, NULL};
    CHECK_SR(ntlm_make_signature(&p.cli, 0, &empty, 0), SR_INVALID_TOKEN);
    /* A DATA buffer with a length but no memory. */
    m.b[0].pvBuffer = m.sig;
    m.b[1].pvBuffer = NULL;
    CHECK_SR(ntlm_make_signature(&p.cli, 0, &m.d, 0), SR_INVALID_PARAMETER);
    /* Failures consumed no sequence number: the next message is 0. */
    msg_init(&m, "data", 4);
    CHECK_OK(ntlm_make_signature(&p.cli, 0, &m.d, 0));
    CHECK_EQ_INT(m.sig[12], 0);
    CHECK_OK(ntlm_verify_signature(&p.srv, &m.d, 0, NULL));
    /* A token-only message (no data) signs the empty message. */
    SecBuffer only[1] = {{16, SECBUFFER_TOKEN, m.sig}};
    SecBufferDesc d = {SECBUFFER_VERSION, 1, only};
    CHECK_OK(ntlm_make_signature(&p.cli, 0, &d, 0));
    CHECK_OK(ntlm_verify_signature(&p.srv, &d, 0, NULL));
    peers_clear(&p);
}

/* More data buffers than the walker keeps on the stack. */
static void test_many_buffers(void) {
    peers p;
    REQUIRE(peers_start(&p, F_V2));
    uint8_t sig[16], data[12][3];
    SecBuffer b[13];
    b[0] = (SecBuffer){sizeof sig, SECBUFFER_TOKEN, sig};
    for (int i = 0; i < 12; i++) {
        memset(data[i], 'a' + i, 3);
        b[i + 1] = (SecBuffer){3, SECBUFFER_DATA | (i % 3 == 0 ? SECBUFFER_READONLY : 0u), data[i]};
    }
    SecBufferDesc d = {SECBUFFER_VERSION, 13, b};
    CHECK_OK(ntlm_encrypt_message(&p.cli, 0, &d, 0));
    CHECK(data[0][0] == 'a' && data[1][0] != 'b');
    CHECK_OK(ntlm_decrypt_message(&p.srv, &d, 0, NULL));
    for (int i = 0; i < 12; i++) CHECK(data[i][2] == 'a' + i);
    peers_clear(&p);
}

/* QOP handling, sign-only contexts, the ALWAYS_SIGN dummy signature, and
 * calls on a context that is not established. */
static void test_qop_and_flags(void) {
    peers p;
    REQUIRE(peers_start(&p, F_V2));
    msg m;
    msg_init(&m, "data", 4);
    CHECK_SR(ntlm_encrypt_message(&p.cli, 5, &m.d, 0), SR_QOP_NOT_SUPPORTED);
    CHECK_SR(ntlm_make_signature(&p.cli, 5, &m.d, 0), SR_QOP_NOT_SUPPORTED);
    /* SECQOP_WRAP_NO_ENCRYPT: signed, not sealed; the same as a signature. */
    CHECK_OK(ntlm_encrypt_message(&p.cli, SECQOP_WRAP_NO_ENCRYPT, &m.d, 0));
    CHECK_BYTES(m.data, "data", 4);
    CHECK_OK(ntlm_verify_signature(&p.srv, &m.d, 0, NULL));
    peers_clear(&p);

    /* Signing only: EncryptMessage needs SECQOP_WRAP_NO_ENCRYPT. */
    uint32_t sign_only = (F_V2 & ~(uint32_t)NTLMSSP_NEGOTIATE_SEAL);
    REQUIRE(peers_start(&p, sign_only));
    msg_init(&m, "data", 4);
    CHECK_SR(ntlm_encrypt_message(&p.cli, 0, &m.d, 0), SR_UNSUPPORTED);
    CHECK_OK(ntlm_encrypt_message(&p.cli, SECQOP_WRAP_NO_ENCRYPT, &m.d, 0));
    ULONG qop = 0;
    CHECK_OK(ntlm_decrypt_message(&p.srv, &m.d, 0, &qop));
    CHECK_EQ_INT(qop, SECQOP_WRAP_NO_ENCRYPT);
    CHECK_BYTES(m.data, "data", 4);
    peers_clear(&p);

    /* Neither SIGN nor SEAL, ALWAYS_SIGN: the dummy signature. */
    uint32_t always = NTLMSSP_NEGOTIATE_ALWAYS_SIGN | NTLMSSP_NEGOTIATE_NTLM | ESS |
                      NTLMSSP_NEGOTIATE_128;
    REQUIRE(peers_start(&p, always));
    msg_init(&m, "data", 4);
    CHECK_OK(ntlm_make_signature(&p.cli, 0, &m.d, 0));
    const uint8_t dummy[16] = {1};
    CHECK_BYTES(m.sig, dummy, 16);
    CHECK_EQ_INT(m.b[0].cbBuffer, 16);
    CHECK_OK(ntlm_verify_signature(&p.srv, &m.d, 0, NULL));
    CHECK_OK(ntlm_verify_signature(&p.srv, &m.d, 0, NULL)); /* no sequence */
    m.sig[5] = 1;
    CHECK_SR(ntlm_verify_signature(&p.srv, &m.d, 0, NULL), SR_MESSAGE_ALTERED);
    CHECK_SR(ntlm_encrypt_message(&p.cli, 0, &m.d, 0), SR_UNSUPPORTED);
    peers_clear(&p);

    /* No session security at all. */
    REQUIRE(peers_start(&p, NTLMSSP_NEGOTIATE_NTLM));
    msg_init(&m, "data", 4);
    CHECK_SR(ntlm_make_signature(&p.cli, 0, &m.d, 0), SR_UNSUPPORTED);
    peers_clear(&p); /* clears keys and the established flag */
    CHECK_SR(ntlm_make_signature(&p.cli, 0, &m.d, 0), SR_NO_CONTEXT);
    CHECK_SR(ntlm_decrypt_message(&p.srv, &m.d, 0, NULL), SR_NO_CONTEXT);
    CHECK_SR(ntlm_verify_signature(NULL, &m.d, 0, NULL), SR_INVALID_HANDLE);
    uint8_t zero[16] = {0};
    CHECK_BYTES(p.cli.exported_session_key, zero, 16);
}

int main(void) {
    if (!sr_is_ok(crypto_init())) {
        fprintf(stderr, "crypto_init: %s\n", crypto_last_error());
        return 1;
    }
    TEST_RUN(test_sign_verify);
    TEST_RUN(test_seal_unseal);
    TEST_RUN(test_spec_wrap);
    TEST_RUN(test_stream_decrypt);
    TEST_RUN(test_readonly_buffers);
    TEST_RUN(test_tamper);
    TEST_RUN(test_sequence);
    TEST_RUN(test_bad_tokens);
    TEST_RUN(test_many_buffers);
    TEST_RUN(test_qop_and_flags);
    return test_summary();
}
