/*
 * Kerberos SSPI message functions with Windows' buffer lists
 * (src/packages/kerberos/krb_message.c) and Export/ImportSecurityContext
 * (krb_export.c), on contexts built from keys (no KDC):
 *   - EncryptMessage / DecryptMessage with several SECBUFFER_DATA buffers,
 *     DCE/RPC's SECBUFFER_READONLY_WITH_CHECKSUM header and trailer (signed,
 *     never changed) and SECBUFFER_READONLY buffers (left alone), every
 *     enctype, DCE style or not, sealed and sign-only; the token sizes
 *     (CFX: 16 + 16 + checksum + 16 / 16 + checksum; rc4-hmac: the RFC
 *     4757 header with the padding in SECBUFFER_PADDING, none in DCE style)
 *     and the equivalence of the one-buffer layout with the STREAM form;
 *     tampering of every buffer kind; MakeSignature / VerifySignature over
 *     the same buffer lists;
 *   - Export / Import: round trip through the package and the public API
 *     (messages go on with the peer, sequence numbers continue, the blob is
 *     canonical), every truncation and hostile fields -> SEC_E_INVALID_TOKEN.
 *
 * Helper modes:
 *   test_krb_message --export-corpus DIR   writes seeds for
 *                                          fuzz/corpus/krb_export/
 *   test_krb_message --iov-peer client TARGET [dce] | server [dce]
 *       one side of tests/interop/krb5_iov.sh: the handshake and then the
 *       message functions through the public API, driven line by line by
 *       tests/interop/krb5_iov.py (protocol there).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sspi.h>

#include "packages/kerberos/krb_context.h"
#include "packages/kerberos/krb_export.h"
#include "packages/kerberos/krb_gss_token.h"
#include "testlib.h"

const sspi_package *const test_krb_msg_pkg_ref = &sspi_kerberos_package;

static const int32_t k_all[] = {17, 18, 19, 20, 23};
#define NET (sizeof k_all / sizeof k_all[0])

/* ---- contexts from keys ---- */

static krb_context *ctx_new(bool server, const krb_key *key, const krb_key *acc, bool dce,
                            uint64_t my_seq, uint64_t peer_seq, bool replay) {
    krb_context *c = calloc(1, sizeof *c);
    if (!c) abort();
    c->is_server = server;
    c->state = KRB_ST_DONE;
    c->dce = dce;
    if (!sr_is_ok(krb_gss_ctx_init(&c->gss, !server, key, acc))) abort();
    c->gss.dce_style = dce;
    c->gss_ready = true;
    c->session_key = acc ? *acc : *key;
    c->send_seq = my_seq;
    c->gss_flags = replay ? (KRB_GSS_C_REPLAY_FLAG | KRB_GSS_C_SEQUENCE_FLAG) : 0;
    c->ret_flags = server ? ASC_RET_CONFIDENTIALITY : ISC_RET_CONFIDENTIALITY;
    krb_seq_init(&c->recv_window, peer_seq, replay, replay, c->gss.cfx);
    c->client_name = strdup("alice@EXAMPLE.TEST");
    c->server_name = strdup("host/server.example.test@EXAMPLE.TEST");
    c->times.starttime = 1700000000;
    c->times.endtime = 1700036000;
    return c;
}

typedef struct pair {
    krb_context *ini, *acc;
} pair;

static pair pair_new(int32_t et, bool dce) {
    krb_key k, sk;
    if (!sr_is_ok(krb_key_random(&k, et)) || !sr_is_ok(krb_key_random(&sk, et))) abort();
    bool cfx = et != KRB_ENCTYPE_RC4_HMAC;
    pair p;
    p.ini = ctx_new(false, &k, cfx ? &sk : NULL, dce, 1000, 5000, true);
    p.acc = ctx_new(true, &k, cfx ? &sk : NULL, dce, 5000, 1000, true);
    krb_key_wipe(&k);
    krb_key_wipe(&sk);
    return p;
}

static void pair_free(pair *p) {
    krb_context_free(p->ini);
    krb_context_free(p->acc);
}

static void fill(uint8_t *p, size_t n, unsigned seed) {
    for (size_t i = 0; i < n; i++) p[i] = (uint8_t)(i * 7 + seed);
}

/* A DCE/RPC-like message: signed header, two data buffers around a
 * read-only one, signed trailer, token, padding. */
typedef struct rpcmsg {
    uint8_t hdr[24], body1[100], ro[10], body2[37], trl[8], tok[128], pad[16];
    SecBuffer b[7];
    SecBufferDesc d;
} rpcmsg;

static void rpc_init(rpcmsg *m) {
    fill(m->hdr, sizeof m->hdr, 1);
    fill(m->body1, sizeof m->body1, 2);
    fill(m->ro, sizeof m->ro, 3);
    fill(m->body2, sizeof m->body2, 4);
    fill(m->trl, sizeof m->trl, 5);
    memset(m->tok, 0, sizeof m->tok);
    memset(m->pad, 0, sizeof m->pad);
    m->b[0] = (SecBuffer){sizeof m->hdr, SECBUFFER_DATA | SECBUFFER_READONLY_WITH_CHECKSUM, m->hdr};
    m->b[1] = (SecBuffer){sizeof m->body1, SECBUFFER_DATA, m->body1};
    m->b[2] = (SecBuffer){sizeof m->ro, SECBUFFER_DATA | SECBUFFER_READONLY, m->ro};
    m->b[3] = (SecBuffer){sizeof m->body2, SECBUFFER_DATA, m->body2};
    m->b[4] = (SecBuffer){sizeof m->trl, SECBUFFER_DATA | SECBUFFER_READONLY_WITH_CHECKSUM, m->trl};
    m->b[5] = (SecBuffer){sizeof m->tok, SECBUFFER_TOKEN, m->tok};
    m->b[6] = (SecBuffer){sizeof m->pad, SECBUFFER_PADDING, m->pad};
    m->d = (SecBufferDesc){SECBUFFER_VERSION, 7, m->b};
}

static bool rpc_plain(const rpcmsg *m) {
    rpcmsg ref;
    rpc_init(&ref);
    return memcmp(m->hdr, ref.hdr, sizeof ref.hdr) == 0 &&
           memcmp(m->body1, ref.body1, sizeof ref.body1) == 0 &&
           memcmp(m->ro, ref.ro, sizeof ref.ro) == 0 &&
           memcmp(m->body2, ref.body2, sizeof ref.body2) == 0 &&
           memcmp(m->trl, ref.trl, sizeof ref.trl) == 0;
}

static size_t want_token_len(int32_t et, bool dce, bool conf) {
    if (et == KRB_ENCTYPE_RC4_HMAC) {
        /* 0x60 len(1 or 2) OID(11) + 32; non-DCE framing covers
         * 32 + 137 data + 1 pad = 181 + 11 > 127: long form. */
        return dce ? 45 : 46;
    }
    size_t ck = krb_enctype_lookup(et)->cksum_len;
    return conf ? 16 + 16 + ck + 16 : 16 + ck;
}

static void test_iov_roundtrip(void) {
    for (size_t e = 0; e < NET; e++)
        for (int dce = 0; dce < 2; dce++)
            for (int conf = 0; conf < 2; conf++)
                for (int dir = 0; dir < 2; dir++) {
                    int32_t et = k_all[e];
                    pair p = pair_new(et, dce);
                    krb_context *src = dir ? p.acc : p.ini, *dst = dir ? p.ini : p.acc;
                    ULONG qop = conf ? 0 : SECQOP_WRAP_NO_ENCRYPT;
                    for (int round = 0; round < 3; round++) {
                        rpcmsg m;
                        rpc_init(&m);
                        CHECK_OK(krb_encrypt_message(src, qop, &m.d, 0));
                        CHECK_EQ_INT(m.b[5].cbBuffer, want_token_len(et, dce, conf));
                        CHECK_EQ_INT(m.b[6].cbBuffer,
                                     (et == KRB_ENCTYPE_RC4_HMAC && !dce) ? 1 : 0);
                        rpcmsg ref;
                        rpc_init(&ref);
                        /* Sign-only and read-only buffers never change. */
                        CHECK(memcmp(m.hdr, ref.hdr, sizeof m.hdr) == 0);
                        CHECK(memcmp(m.ro, ref.ro, sizeof m.ro) == 0);
                        CHECK(memcmp(m.trl, ref.trl, sizeof m.trl) == 0);
                        CHECK((memcmp(m.body1, ref.body1, sizeof m.body1) != 0) == (conf != 0));
                        CHECK((memcmp(m.body2, ref.body2, sizeof m.body2) != 0) == (conf != 0));
                        ULONG got = 77;
                        CHECK_OK(krb_decrypt_message(dst, &m.d, 0, &got));
                        CHECK_EQ_INT(got, qop);
                        CHECK(rpc_plain(&m));
                    }
                    pair_free(&p);
                }
}

/* Tampering: sign-only and data buffers and the token are covered, the
 * read-only one is not. */
static void test_iov_tamper(void) {
    for (size_t e = 0; e < NET; e++)
        for (int dce = 0; dce < 2; dce++)
            for (int conf = 0; conf < 2; conf++)
                for (int which = 0; which < 6; which++) {
                    int32_t et = k_all[e];
                    pair p = pair_new(et, dce);
                    p.acc->recv_window.do_replay = p.acc->recv_window.do_sequence = false;
                    ULONG qop = conf ? 0 : SECQOP_WRAP_NO_ENCRYPT;
                    rpcmsg m;
                    rpc_init(&m);
                    REQUIRE(sr_is_ok(krb_encrypt_message(p.ini, qop, &m.d, 0)));
                    uint8_t *at[6] = {m.hdr, m.body1, m.ro, m.body2 + 36, m.trl + 7,
                                      m.tok + m.b[5].cbBuffer - 1};
                    at[which][0] ^= 0x40;
                    uint8_t body1[sizeof m.body1];
                    memcpy(body1, m.body1, sizeof body1);
                    ULONG got;
                    sr r = krb_decrypt_message(p.acc, &m.d, 0, &got);
                    if (which == 2) {
                        CHECK_OK(r);
                    } else {
                        CHECK(r.code == SR_MESSAGE_ALTERED || r.code == SR_INVALID_TOKEN);
                        /* The data buffers are left as received. */
                        CHECK(memcmp(m.body1, body1, sizeof body1) == 0);
                    }
                    pair_free(&p);
                }
}

/* One writable buffer, nothing sign-only: the same bytes as the wire token
 * of krb_gss_unwrap (STREAM form) and as the old one-buffer layout. */
static void test_single_buffer_equivalence(void) {
    for (size_t e = 0; e < NET; e++)
        for (int dce = 0; dce < 2; dce++) {
            int32_t et = k_all[e];
            pair p = pair_new(et, dce);
            uint8_t data[200], tok[128], pad[8], stream[400];
            fill(data, sizeof data, 9);
            SecBuffer b[3] = {{sizeof tok, SECBUFFER_TOKEN, tok},
                              {sizeof data, SECBUFFER_DATA, data},
                              {sizeof pad, SECBUFFER_PADDING, pad}};
            SecBufferDesc d = {SECBUFFER_VERSION, 3, b};
            CHECK_OK(krb_encrypt_message(p.ini, 0, &d, 0));
            size_t n = 0;
            memcpy(stream, tok, b[0].cbBuffer);
            n += b[0].cbBuffer;
            memcpy(stream + n, data, sizeof data);
            n += sizeof data;
            memcpy(stream + n, pad, b[2].cbBuffer);
            n += b[2].cbBuffer;
            SecBuffer s[2] = {{(ULONG)n, SECBUFFER_STREAM, stream}, {0, SECBUFFER_DATA, NULL}};
            SecBufferDesc sd = {SECBUFFER_VERSION, 2, s};
            ULONG q;
            if (et == KRB_ENCTYPE_RC4_HMAC && dce) {
                /* DCE style rc4: the framing covers the header only, which is
                 * no RFC 4757 stream token. The buffer form works. */
                CHECK_OK(krb_decrypt_message(p.acc, &d, 0, &q));
                uint8_t want[200];
                fill(want, sizeof want, 9);
                CHECK_BYTES(data, want, sizeof want);
            } else {
                CHECK_OK(krb_decrypt_message(p.acc, &sd, 0, &q));
                uint8_t want[200];
                fill(want, sizeof want, 9);
                CHECK_EQ_INT(s[1].cbBuffer, sizeof want);
                if (s[1].pvBuffer) CHECK_BYTES(s[1].pvBuffer, want, sizeof want);
            }
            pair_free(&p);
        }
}

static void test_iov_errors(void) {
    pair p = pair_new(18, false);
    p.acc->recv_window.do_sequence = false; /* replay detection only: gaps are fine */
    rpcmsg m;
    rpc_init(&m);
    /* token too small */
    m.b[5].cbBuffer = 59;
    CHECK_SR(krb_encrypt_message(p.ini, 0, &m.d, 0), SR_BUFFER_TOO_SMALL);
    /* no token */
    rpc_init(&m);
    m.b[5].BufferType = SECBUFFER_EMPTY;
    CHECK_SR(krb_encrypt_message(p.ini, 0, &m.d, 0), SR_INVALID_TOKEN);
    /* nothing to protect */
    uint8_t tok[64];
    SecBuffer only[1] = {{sizeof tok, SECBUFFER_TOKEN, tok}};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, only};
    CHECK_SR(krb_encrypt_message(p.ini, 0, &od, 0), SR_INVALID_TOKEN);
    /* a token with another RRC than Windows' when buffers are split */
    rpc_init(&m);
    REQUIRE(sr_is_ok(krb_encrypt_message(p.ini, 0, &m.d, 0)));
    m.tok[7] ^= 1;
    ULONG q;
    CHECK_SR(krb_decrypt_message(p.acc, &m.d, 0, &q), SR_INVALID_TOKEN);
    /* replay of a good message */
    rpc_init(&m);
    REQUIRE(sr_is_ok(krb_encrypt_message(p.ini, 0, &m.d, 0)));
    rpcmsg copy = m;
    copy.b[0].pvBuffer = copy.hdr;
    copy.b[1].pvBuffer = copy.body1;
    copy.b[2].pvBuffer = copy.ro;
    copy.b[3].pvBuffer = copy.body2;
    copy.b[4].pvBuffer = copy.trl;
    copy.b[5].pvBuffer = copy.tok;
    copy.b[6].pvBuffer = copy.pad;
    copy.d.pBuffers = copy.b;
    CHECK_OK(krb_decrypt_message(p.acc, &m.d, 0, &q));
    CHECK_SR(krb_decrypt_message(p.acc, &copy.d, 0, &q), SR_OUT_OF_SEQUENCE);
    pair_free(&p);
    /* rc4 (not DCE): the padding buffer is needed */
    p = pair_new(23, false);
    rpc_init(&m);
    m.b[6].cbBuffer = 0;
    CHECK_SR(krb_encrypt_message(p.ini, 0, &m.d, 0), SR_BUFFER_TOO_SMALL);
    pair_free(&p);
}

static void test_signature_lists(void) {
    for (size_t e = 0; e < NET; e++) {
        pair p = pair_new(k_all[e], false);
        p.acc->recv_window.do_replay = p.acc->recv_window.do_sequence = false;
        rpcmsg m;
        rpc_init(&m);
        CHECK_OK(krb_make_signature(p.ini, 0, &m.d, 0));
        CHECK_EQ_INT(m.b[5].cbBuffer, krb_gss_mic_len(&p.ini->gss));
        CHECK(rpc_plain(&m));
        ULONG q = 5;
        CHECK_OK(krb_verify_signature(p.acc, &m.d, 0, &q));
        CHECK_EQ_INT(q, 0);
        /* The MIC is the one of the signed buffers, concatenated. */
        uint8_t cat[24 + 100 + 37 + 8];
        memcpy(cat, m.hdr, 24);
        memcpy(cat + 24, m.body1, 100);
        memcpy(cat + 124, m.body2, 37);
        memcpy(cat + 161, m.trl, 8);
        uint64_t seq;
        CHECK_OK(krb_gss_verify_mic(&p.acc->gss, cat, sizeof cat, m.tok, m.b[5].cbBuffer, &seq));
        m.ro[0] ^= 1; /* not signed */
        CHECK_OK(krb_verify_signature(p.acc, &m.d, 0, &q));
        m.hdr[0] ^= 1;
        CHECK_SR(krb_verify_signature(p.acc, &m.d, 0, &q), SR_MESSAGE_ALTERED);
        pair_free(&p);
    }
}

/* ---- export / import ---- */

static sspi_token export_ok(krb_context *c) {
    sspi_token t = {NULL, 0};
    CHECK_OK(sspi_kerberos_package.export_context(c, 0, &t));
    return t;
}

static void exchange(krb_context *src, krb_context *dst) {
    rpcmsg m;
    rpc_init(&m);
    CHECK_OK(krb_encrypt_message(src, 0, &m.d, 0));
    ULONG q;
    CHECK_OK(krb_decrypt_message(dst, &m.d, 0, &q));
    CHECK(rpc_plain(&m));
}

static void test_export_roundtrip(void) {
    for (size_t e = 0; e < NET; e++)
        for (int dce = 0; dce < 2; dce++) {
            pair p = pair_new(k_all[e], dce);
            exchange(p.ini, p.acc);
            exchange(p.acc, p.ini);
            exchange(p.ini, p.acc);
            sspi_token t = export_ok(p.ini);
            REQUIRE(t.data != NULL);
            void *imp = NULL;
            CHECK_OK(sspi_kerberos_package.import_context(t.data, t.len, &imp));
            REQUIRE(imp != NULL);
            krb_context *ic = imp;
            CHECK_EQ_INT(ic->send_seq, p.ini->send_seq);
            CHECK_EQ_INT(ic->recv_window.next, p.ini->recv_window.next);
            CHECK(strcmp(ic->client_name, "alice@EXAMPLE.TEST") == 0);
            CHECK(ic->target_name == NULL);
            /* canonical */
            sspi_token t2 = export_ok(ic);
            CHECK(t2.len == t.len && memcmp(t2.data, t.data, t.len) == 0);
            /* messages go on both ways; the replayed last one is refused */
            exchange(ic, p.acc);
            exchange(p.acc, ic);
            exchange(ic, p.acc);
            SecPkgContext_Sizes sz;
            CHECK_OK(krb_query_context_attribute(ic, SECPKG_ATTR_SIZES, &sz, false));
            CHECK_EQ_INT(sz.cbMaxSignature, krb_gss_mic_len(&p.ini->gss));
            crypto_free_wipe(t.data, t.len);
            crypto_free_wipe(t2.data, t2.len);
            krb_context_free(ic);
            pair_free(&p);
        }
    /* not finished: no context */
    krb_context c;
    memset(&c, 0, sizeof c);
    c.state = KRB_ST_CLIENT_WAIT_AP_REP;
    sspi_token t = {NULL, 0};
    CHECK_SR(sspi_kerberos_package.export_context(&c, 0, &t), SR_NO_CONTEXT);
    pair p = pair_new(18, false);
    CHECK_SR(sspi_kerberos_package.export_context(p.ini, SECPKG_CONTEXT_EXPORT_TO_KERNEL, &t),
             SR_UNSUPPORTED);
    CHECK_SR(sspi_kerberos_package.export_context(p.ini, 0x100, &t), SR_INVALID_PARAMETER);
    pair_free(&p);
}

/* Through the public API: ImportSecurityContext, the message functions,
 * ExportSecurityContext (caller memory) and FreeContextBuffer. */
static void test_export_api(void) {
    pair p = pair_new(17, true);
    sspi_token t = export_ok(p.acc);
    SecBuffer packed = {(ULONG)t.len, SECBUFFER_EMPTY, t.data};
    CtxtHandle h;
    CHECK_EQ_INT(ImportSecurityContextA((SEC_CHAR *)"Kerberos", &packed, NULL, &h), SEC_E_OK);
    rpcmsg m;
    rpc_init(&m);
    CHECK_OK(krb_encrypt_message(p.ini, 0, &m.d, 0));
    ULONG q;
    CHECK_EQ_INT(DecryptMessage(&h, &m.d, 0, &q), SEC_E_OK);
    CHECK(rpc_plain(&m));
    SecPkgContext_NamesA names;
    CHECK_EQ_INT(QueryContextAttributesA(&h, SECPKG_ATTR_NAMES, &names), SEC_E_OK);
    CHECK(strcmp(names.sUserName, "alice@EXAMPLE.TEST") == 0);
    FreeContextBuffer(names.sUserName);
    SecBuffer out = {0, SECBUFFER_EMPTY, NULL};
    void *ktoken = (void *)1;
    CHECK_EQ_INT(ExportSecurityContext(&h, SECPKG_CONTEXT_EXPORT_DELETE_OLD, &out, &ktoken),
                 SEC_E_OK);
    CHECK(ktoken == NULL);
    CHECK(out.pvBuffer != NULL && out.cbBuffer > 100);
    /* DELETE_OLD: the handle is gone */
    CHECK_EQ_INT(DecryptMessage(&h, &m.d, 0, &q), SEC_E_INVALID_HANDLE);
    CtxtHandle h2;
    CHECK_EQ_INT(ImportSecurityContextA((SEC_CHAR *)"Kerberos", &out, NULL, &h2), SEC_E_OK);
    FreeContextBuffer(out.pvBuffer);
    rpc_init(&m);
    CHECK_OK(krb_encrypt_message(p.ini, 0, &m.d, 0));
    CHECK_EQ_INT(DecryptMessage(&h2, &m.d, 0, &q), SEC_E_OK);
    CHECK(rpc_plain(&m));
    CHECK_EQ_INT(DeleteSecurityContext(&h2), SEC_E_OK);
    /* hostile blobs */
    uint8_t junk[8] = {'L', 'S', 'S', 'P', 'K', 'R', 'B', '5'};
    SecBuffer bad = {sizeof junk, SECBUFFER_EMPTY, junk};
    CHECK_EQ_INT(ImportSecurityContextA((SEC_CHAR *)"Kerberos", &bad, NULL, &h2),
                 SEC_E_INVALID_TOKEN);
    crypto_free_wipe(t.data, t.len);
    pair_free(&p);
}

static sr import_raw(const uint8_t *b, size_t n) {
    void *c = NULL;
    sr r = sspi_kerberos_package.import_context(b, n, &c);
    if (sr_is_ok(r)) krb_context_free(c);
    return r;
}

/* Offsets of fields in version 1 (see krb_export.c). */
#define OFF_VERSION 8
#define OFF_IS_SERVER 12
#define OFF_HAS_ACC 15
#define OFF_KEY 68
#define OFF_ACC (OFF_KEY + 37)
#define OFF_SEND_SEQ (OFF_KEY + 3 * 37)

/* An rc4-hmac initiator subkey answered by an AES acceptor subkey (what MIT
 * acceptors do, RFC 4537): CFX tokens with the acceptor subkey. */
static void test_mixed_subkeys(void) {
    for (int dce = 0; dce < 2; dce++) {
        krb_key k, sk;
        REQUIRE(sr_is_ok(krb_key_random(&k, 23)) && sr_is_ok(krb_key_random(&sk, 18)));
        pair p;
        p.ini = ctx_new(false, &k, &sk, dce, 1, 2, true);
        p.acc = ctx_new(true, &k, &sk, dce, 2, 1, true);
        CHECK(p.ini->gss.cfx && p.ini->gss.have_acceptor_subkey);
        exchange(p.ini, p.acc);
        exchange(p.acc, p.ini);
        rpcmsg m;
        rpc_init(&m);
        CHECK_OK(krb_make_signature(p.ini, 0, &m.d, 0));
        ULONG q;
        CHECK_OK(krb_verify_signature(p.acc, &m.d, 0, &q));
        sspi_token t = export_ok(p.ini);
        void *imp = NULL;
        CHECK_OK(sspi_kerberos_package.import_context(t.data, t.len, &imp));
        if (imp) {
            exchange(imp, p.acc);
            krb_context_free(imp);
        }
        crypto_free_wipe(t.data, t.len);
        pair_free(&p);
    }
}

static void test_export_hostile(void) {
    pair p = pair_new(18, false);
    sspi_token t = export_ok(p.ini);
    REQUIRE(t.data && t.len > OFF_SEND_SEQ + 8);
    CHECK_OK(import_raw(t.data, t.len));
    for (size_t n = 0; n < t.len; n++) CHECK_SR(import_raw(t.data, n), SR_INVALID_TOKEN);
    uint8_t *b = malloc(t.len + 1);
    REQUIRE(b != NULL);
#define MUT(stmt)                                  \
    do {                                           \
        memcpy(b, t.data, t.len);                  \
        stmt;                                      \
        CHECK_SR(import_raw(b, t.len), SR_INVALID_TOKEN); \
    } while (0)
    MUT(b[0] ^= 1);                        /* magic */
    MUT(b[OFF_VERSION] = 2);               /* version */
    MUT(b[OFF_IS_SERVER] = 2);             /* bool */
    MUT(b[OFF_HAS_ACC] = 0);               /* acceptor subkey present but flag off */
    MUT(b[OFF_KEY] = 99);                  /* unknown enctype */
    MUT(b[OFF_KEY] = 17);                  /* aes128 with a 32-byte key */
    MUT(b[OFF_KEY + 4] = 16);              /* key length != enctype's ... */
    MUT(b[OFF_ACC] = 23; b[OFF_ACC + 4] = 16; memset(b + OFF_ACC + 5 + 16, 0, 16)); /* rc4 subkey */
    MUT(((uint8_t *)memmem(b, t.len, "alice", 5))[2] = 0); /* a NUL in a name */
    MUT(b[t.len - 2] = 1);                 /* absent string with a length */
    /* trailing byte */
    memcpy(b, t.data, t.len);
    b[t.len] = 0;
    CHECK_SR(import_raw(b, t.len + 1), SR_INVALID_TOKEN);
    free(b);
    crypto_free_wipe(t.data, t.len);
    pair_free(&p);
    /* rc4: 32-bit sequence space */
    p = pair_new(23, false);
    t = export_ok(p.ini);
    b = malloc(t.len);
    REQUIRE(b != NULL);
    MUT(b[OFF_SEND_SEQ + 4] = 1);
    free(b);
    crypto_free_wipe(t.data, t.len);
    pair_free(&p);
#undef MUT
}

/* ---- corpus writer ---- */

static int write_file(const char *dir, const char *name, const uint8_t *d, size_t n) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) return 1;
    fwrite(d, 1, n, f);
    fclose(f);
    return 0;
}

static int export_corpus(const char *dir) {
    int rc = 0;
    const char *names[] = {"aes128", "aes256", "aes128_sha256", "aes256_sha384", "rc4"};
    for (size_t e = 0; e < NET; e++)
        for (int dce = 0; dce < 2; dce++) {
            pair p = pair_new(k_all[e], dce);
            exchange(p.ini, p.acc);
            exchange(p.acc, p.ini);
            for (int side = 0; side < 2; side++) {
                sspi_token t = {NULL, 0};
                if (!sr_is_ok(sspi_kerberos_package.export_context(side ? p.acc : p.ini, 0, &t)))
                    return 1;
                char name[64];
                snprintf(name, sizeof name, "%s_%s%s", names[e], side ? "acceptor" : "initiator",
                         dce ? "_dce" : "");
                rc |= write_file(dir, name, t.data, t.len);
                if (e == 1 && side == 0 && !dce) {
                    rc |= write_file(dir, "bad_truncated", t.data, t.len - 1);
                    t.data[OFF_VERSION] = 9;
                    rc |= write_file(dir, "bad_version", t.data, t.len);
                }
                crypto_free_wipe(t.data, t.len);
            }
            pair_free(&p);
        }
    return rc;
}

/* ---- interop peer (tests/interop/krb5_iov.py) ----
 *
 * Handshake: lines "TOKEN <hex>" both ways; we end it with "ESTABLISHED
 * <enctype>" (or "ERROR <status>"). Then one command per line:
 *   ENC <qop> <bufs>    EncryptMessage      SIGN <bufs>   MakeSignature
 *   DEC <bufs>          DecryptMessage      VERIFY <bufs> VerifySignature
 *   QUIT
 * <bufs>: KIND:VALUE ... with KIND T token, D data, S data|READONLY_WITH_
 * CHECKSUM, R data|READONLY, P padding, M stream; VALUE hex ("-" empty),
 * or for T/P of ENC/SIGN a capacity "#n". Answer: "OK <qop> <bufs>" (the
 * buffers after the call, hex) or "ERR <status in hex>". */

static int hexval(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static uint8_t *unhex(const char *s, size_t *n) {
    size_t l = strlen(s);
    if (strcmp(s, "-") == 0) l = 0;
    uint8_t *p = malloc(l / 2 + 1);
    if (!p) abort();
    for (size_t i = 0; i + 1 < l + 1 && i < l; i += 2) {
        int a = hexval(s[i]), b = hexval(s[i + 1]);
        if (a < 0 || b < 0) abort();
        p[i / 2] = (uint8_t)(a << 4 | b);
    }
    *n = l / 2;
    return p;
}

static void puthex(const void *d, size_t n) {
    const uint8_t *p = d;
    if (n == 0) fputs("-", stdout);
    for (size_t i = 0; i < n; i++) printf("%02x", p[i]);
}

#define PEER_MAXB 16
#define LINE_MAX_LEN (1 << 20)

static int peer_cmd(CtxtHandle *h, char *line) {
    char *save = NULL, *cmd = strtok_r(line, " \n", &save);
    if (!cmd) return 0;
    if (strcmp(cmd, "QUIT") == 0) return 1;
    ULONG qop = 0;
    if (strcmp(cmd, "ENC") == 0) qop = (ULONG)strtoul(strtok_r(NULL, " \n", &save), NULL, 0);
    SecBuffer b[PEER_MAXB];
    char kinds[PEER_MAXB];
    uint8_t *mem[PEER_MAXB];
    ULONG n = 0;
    char *tokn;
    while ((tokn = strtok_r(NULL, " \n", &save)) != NULL && n < PEER_MAXB) {
        char k = tokn[0];
        const char *v = tokn + 2;
        size_t len;
        if (v[0] == '#') {
            len = strtoul(v + 1, NULL, 10);
            mem[n] = calloc(1, len + 1);
        } else {
            mem[n] = unhex(v, &len);
        }
        ULONG type = k == 'T'   ? SECBUFFER_TOKEN
                     : k == 'P' ? SECBUFFER_PADDING
                     : k == 'M' ? SECBUFFER_STREAM
                                : SECBUFFER_DATA;
        if (k == 'S') type |= SECBUFFER_READONLY_WITH_CHECKSUM;
        if (k == 'R') type |= SECBUFFER_READONLY;
        b[n] = (SecBuffer){(ULONG)len, type, mem[n]};
        kinds[n] = k;
        n++;
    }
    SecBufferDesc d = {SECBUFFER_VERSION, n, b};
    SECURITY_STATUS st;
    ULONG got = 0;
    if (strcmp(cmd, "ENC") == 0)
        st = EncryptMessage(h, qop, &d, 0);
    else if (strcmp(cmd, "DEC") == 0)
        st = DecryptMessage(h, &d, 0, &got);
    else if (strcmp(cmd, "SIGN") == 0)
        st = MakeSignature(h, 0, &d, 0);
    else
        st = VerifySignature(h, &d, 0, &got);
    if (st != SEC_E_OK) {
        printf("ERR %08lx\n", (unsigned long)(uint32_t)st);
    } else {
        printf("OK %lu", (unsigned long)got);
        for (ULONG i = 0; i < n; i++) {
            printf(" %c:", kinds[i]);
            puthex(b[i].pvBuffer, b[i].cbBuffer);
        }
        printf("\n");
    }
    fflush(stdout);
    for (ULONG i = 0; i < n; i++) free(mem[i]);
    return 0;
}

static int iov_peer(int argc, char **argv) {
    bool server = strcmp(argv[2], "server") == 0;
    const char *target = server ? NULL : argv[3];
    bool dce = strcmp(argv[argc - 1], "dce") == 0;
    CredHandle cred;
    TimeStamp ts;
    SECURITY_STATUS st = AcquireCredentialsHandleA(
        NULL, (SEC_CHAR *)"Kerberos", server ? SECPKG_CRED_INBOUND : SECPKG_CRED_OUTBOUND, NULL,
        NULL, NULL, NULL, &cred, &ts);
    if (st != SEC_E_OK) {
        printf("ERROR %08lx\n", (unsigned long)(uint32_t)st);
        return 1;
    }
    char *line = malloc(LINE_MAX_LEN);
    static uint8_t outb[48000];
    CtxtHandle h;
    bool have = false;
    ULONG attr;
    ULONG req = ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | ISC_REQ_MUTUAL_AUTH |
                ISC_REQ_REPLAY_DETECT | ISC_REQ_SEQUENCE_DETECT | (dce ? ISC_REQ_USE_DCE_STYLE : 0);
    ULONG areq = ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY | ASC_REQ_MUTUAL_AUTH |
                 ASC_REQ_REPLAY_DETECT | ASC_REQ_SEQUENCE_DETECT |
                 (dce ? ASC_REQ_USE_DCE_STYLE : 0);
    uint8_t *in = NULL;
    size_t in_len = 0;
    bool need_input = server;
    for (;;) {
        if (need_input) {
            if (!fgets(line, LINE_MAX_LEN, stdin) || strncmp(line, "TOKEN ", 6) != 0) {
                printf("ERROR protocol\n");
                return 1;
            }
            line[strcspn(line, "\n")] = 0;
            free(in);
            in = unhex(line + 6, &in_len);
        }
        SecBuffer ib = {(ULONG)in_len, SECBUFFER_TOKEN, in};
        SecBufferDesc id = {SECBUFFER_VERSION, 1, &ib};
        SecBuffer ob = {sizeof outb, SECBUFFER_TOKEN, outb};
        SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
        if (server)
            st = AcceptSecurityContext(&cred, have ? &h : NULL, &id, areq, SECURITY_NATIVE_DREP,
                                       &h, &od, &attr, &ts);
        else
            st = InitializeSecurityContextA(&cred, have ? &h : NULL, (SEC_CHAR *)target, req, 0,
                                            SECURITY_NATIVE_DREP, need_input ? &id : NULL, 0,
                                            &h, &od, &attr, &ts);
        if (st != SEC_E_OK && st != SEC_I_CONTINUE_NEEDED) {
            printf("ERROR %08lx\n", (unsigned long)(uint32_t)st);
            return 1;
        }
        have = true;
        if (ob.cbBuffer) {
            printf("TOKEN ");
            puthex(outb, ob.cbBuffer);
            printf("\n");
        }
        if (st == SEC_E_OK) break;
        fflush(stdout);
        need_input = true;
    }
    SecPkgContext_KeyInfoA ki;
    st = QueryContextAttributesA(&h, SECPKG_ATTR_KEY_INFO, &ki);
    printf("ESTABLISHED %lu\n", st == SEC_E_OK ? (unsigned long)ki.EncryptAlgorithm : 0ul);
    if (st == SEC_E_OK) {
        FreeContextBuffer(ki.sSignatureAlgorithmName);
        FreeContextBuffer(ki.sEncryptAlgorithmName);
    }
    fflush(stdout);
    while (fgets(line, LINE_MAX_LEN, stdin))
        if (peer_cmd(&h, line)) break;
    DeleteSecurityContext(&h);
    FreeCredentialsHandle(&cred);
    free(in);
    free(line);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "--export-corpus") == 0) return export_corpus(argv[2]);
    if (argc >= 3 && strcmp(argv[1], "--iov-peer") == 0) return iov_peer(argc, argv);
    TEST_RUN(test_iov_roundtrip);
    TEST_RUN(test_iov_tamper);
    TEST_RUN(test_single_buffer_equivalence);
    TEST_RUN(test_iov_errors);
    TEST_RUN(test_signature_lists);
    TEST_RUN(test_export_roundtrip);
    TEST_RUN(test_export_api);
    TEST_RUN(test_mixed_subkeys);
    TEST_RUN(test_export_hostile);
    return test_summary();
}
