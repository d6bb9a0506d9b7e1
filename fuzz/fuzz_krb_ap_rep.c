/*
 * libFuzzer target: the Kerberos client receiving a hostile AP-REP / GSS
 * reply token (InitializeSecurityContext's second call: krb_client.c
 * krb_client_ap_rep -> krb5_glue kg_ap_rep_read / kg_krb_error_read ->
 * krb_context_finish, and the DCE third leg).
 *
 * A real client context without a KDC: a FILE ccache (in a temporary
 * directory, KRB5CCNAME) holds alice@FZ.TEST and a service ticket for
 * host/fz.test@FZ.TEST whose session key we chose (aes256, bytes 00 01 ..);
 * the ticket's encrypted part is junk (the client never opens it). Each
 * input runs ISC once for the AP-REQ (mutual authentication; DCE style on
 * demand; the ticket comes from the ccache, nothing is sent), then feeds a
 * reply built from the input to ISC again.
 *
 * Byte 0: bit 0 DCE style; bit 1 structured reply (below), else the rest of
 * the input is the reply itself, inside the RFC 4121 framing (TOK_ID 02 00)
 * when bit 2 is set.
 * Structured: a genuine AP-REP for this AP-REQ (the authenticator is
 * decrypted with the session key for its ctime / cusec; EncAPRepPart
 * encrypted with key usage 12), shaped by byte 1: bit 0 an acceptor subkey
 * (enctype: byte 2 mod 6 of 17, 18, 19, 20, 23 or bytes 8..11; length: the
 * enctype's, or byte 3 mod 40 when non-zero; bytes from the input), bit 1 a
 * sequence number (bytes 4..7), bit 2 wrong ctime, bit 3 wrong cusec, bit 4
 * a flipped ciphertext byte, bit 5 a wrong EncryptedData etype, bit 6 the
 * rest of the input as the EncAPRepPart plaintext, bit 7 trailing garbage.
 *
 * Checked (abort() otherwise): no crash, leak or access outside a buffer;
 * every status is SEC_E_OK or an error (never CONTINUE: the reply is the
 * last leg for the client); an untouched genuine reply with no subkey or a
 * well-formed AES subkey is SEC_E_OK, and the context then protects
 * messages (EncryptMessage, MakeSignature).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <krb5.h>

#include "fuzz_api.h"
#include "packages/kerberos/krb_context.h"
#include "packages/kerberos/krb_crypto.h"
#include "wire/der.h"

#define TARGET "host/fz.test"

static CredHandle g_cred;
static krb_key g_session;
static int g_ready;

/* ---- fixture: krb5.conf and a ccache with a service ticket ---- */

static void put_ticket_der(wire_writer *w) {
    der_mark app, seq, m, pn, names, ed;
    static const uint8_t junk[64] = {1, 2, 3};
    CHECK(sr_is_ok(der_begin(w, DER_CLASS_APPLICATION, true, 1, &app)));
    CHECK(sr_is_ok(der_begin(w, DER_CLASS_UNIVERSAL, true, DER_TAG_SEQUENCE, &seq)));
    CHECK(sr_is_ok(der_begin(w, DER_CLASS_CONTEXT, true, 0, &m)));
    CHECK(sr_is_ok(der_write_int64(w, 5)) && sr_is_ok(der_end(w, &m)));
    CHECK(sr_is_ok(der_begin(w, DER_CLASS_CONTEXT, true, 1, &m)));
    CHECK(sr_is_ok(der_write_general_string(w, "FZ.TEST", 7)) && sr_is_ok(der_end(w, &m)));
    CHECK(sr_is_ok(der_begin(w, DER_CLASS_CONTEXT, true, 2, &m)));
    CHECK(sr_is_ok(der_begin(w, DER_CLASS_UNIVERSAL, true, DER_TAG_SEQUENCE, &pn)));
    der_mark t;
    CHECK(sr_is_ok(der_begin(w, DER_CLASS_CONTEXT, true, 0, &t)));
    CHECK(sr_is_ok(der_write_int64(w, 2)) && sr_is_ok(der_end(w, &t)));
    CHECK(sr_is_ok(der_begin(w, DER_CLASS_CONTEXT, true, 1, &t)));
    CHECK(sr_is_ok(der_begin(w, DER_CLASS_UNIVERSAL, true, DER_TAG_SEQUENCE, &names)));
    CHECK(sr_is_ok(der_write_general_string(w, "host", 4)));
    CHECK(sr_is_ok(der_write_general_string(w, "fz.test", 7)));
    CHECK(sr_is_ok(der_end(w, &names)) && sr_is_ok(der_end(w, &t)));
    CHECK(sr_is_ok(der_end(w, &pn)) && sr_is_ok(der_end(w, &m)));
    CHECK(sr_is_ok(der_begin(w, DER_CLASS_CONTEXT, true, 3, &m)));
    CHECK(sr_is_ok(der_begin(w, DER_CLASS_UNIVERSAL, true, DER_TAG_SEQUENCE, &ed)));
    CHECK(sr_is_ok(der_begin(w, DER_CLASS_CONTEXT, true, 0, &t)));
    CHECK(sr_is_ok(der_write_int64(w, 18)) && sr_is_ok(der_end(w, &t)));
    CHECK(sr_is_ok(der_begin(w, DER_CLASS_CONTEXT, true, 2, &t)));
    CHECK(sr_is_ok(der_write_octet_string(w, junk, sizeof junk)) && sr_is_ok(der_end(w, &t)));
    CHECK(sr_is_ok(der_end(w, &ed)) && sr_is_ok(der_end(w, &m)));
    CHECK(sr_is_ok(der_end(w, &seq)) && sr_is_ok(der_end(w, &app)));
}

static void setup(void) {
    static char dir[] = "/tmp/fuzz_krb_ap_rep.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char conf[256], cc[256];
    snprintf(conf, sizeof conf, "%s/krb5.conf", dir);
    snprintf(cc, sizeof cc, "FILE:%s/ccache", dir);
    FILE *f = fopen(conf, "w");
    CHECK(f != NULL);
    /* A KDC nobody listens on: nothing may be sent. */
    fprintf(f, "[libdefaults]\n default_realm = FZ.TEST\n dns_lookup_kdc = false\n"
               " dns_lookup_realm = false\n dns_canonicalize_hostname = false\n rdns = false\n"
               "[realms]\n FZ.TEST = {\n  kdc = 127.0.0.1:9\n }\n"
               "[domain_realm]\n fz.test = FZ.TEST\n");
    fclose(f);
    setenv("KRB5_CONFIG", conf, 1);
    setenv("KRB5CCNAME", cc, 1);
    setenv("KRB5_TRACE", "/dev/null", 1);

    uint8_t kb[32];
    for (int i = 0; i < 32; i++) kb[i] = (uint8_t)i;
    CHECK(sr_is_ok(krb_key_set(&g_session, 18, kb, 32)));

    krb5_context k;
    krb5_ccache ccache;
    krb5_principal client, server;
    CHECK(krb5_init_context(&k) == 0);
    CHECK(krb5_parse_name(k, "alice@FZ.TEST", &client) == 0);
    CHECK(krb5_parse_name(k, "host/fz.test@FZ.TEST", &server) == 0);
    CHECK(krb5_cc_resolve(k, cc, &ccache) == 0);
    CHECK(krb5_cc_initialize(k, ccache, client) == 0);
    wire_writer w;
    CHECK(sr_is_ok(wire_writer_init_alloc(&w, 256)));
    put_ticket_der(&w);
    CHECK(sr_is_ok(wire_writer_status(&w)));
    krb5_creds cr;
    memset(&cr, 0, sizeof cr);
    cr.client = client;
    cr.server = server;
    cr.keyblock.magic = KV5M_KEYBLOCK;
    cr.keyblock.enctype = 18;
    cr.keyblock.length = 32;
    cr.keyblock.contents = kb;
    krb5_timestamp now = (krb5_timestamp)time(NULL);
    cr.times.authtime = now;
    cr.times.starttime = now;
    cr.times.endtime = now + 36000;
    cr.ticket.data = (char *)w.data;
    cr.ticket.length = (unsigned)w.len;
    CHECK(krb5_cc_store_cred(k, ccache, &cr) == 0);
    wire_writer_free(&w);
    krb5_cc_close(k, ccache);
    krb5_free_principal(k, client);
    krb5_free_principal(k, server);
    krb5_free_context(k);

    TimeStamp ts;
    CHECK(AcquireCredentialsHandleA(NULL, (SEC_CHAR *)"Kerberos", SECPKG_CRED_OUTBOUND, NULL,
                                    NULL, NULL, NULL, &g_cred, &ts) == SEC_E_OK);
    g_ready = 1;
}

/* ---- the genuine AP-REP for an AP-REQ ---- */

/* ctime (GeneralizedTime contents) and cusec of the AP-REQ's authenticator. */
static bool authenticator_times(const uint8_t *apreq, size_t len, uint8_t ctime[32],
                                size_t *ctime_len, int64_t *cusec) {
    wire_reader r, app, seq, f, ed, c;
    wire_reader_init(&r, apreq, len);
    if (!sr_is_ok(der_expect(&r, DER_CLASS_APPLICATION, true, 14, &app))) return false;
    if (!sr_is_ok(der_expect(&app, DER_CLASS_UNIVERSAL, true, DER_TAG_SEQUENCE, &seq)))
        return false;
    bool ok = false;
    const uint8_t *cipher = NULL;
    size_t clen = 0;
    while (wire_remaining(&seq) > 0) {
        der_tlv t;
        if (!sr_is_ok(der_read_tlv(&seq, &t))) return false;
        if (t.cls != DER_CLASS_CONTEXT || t.tag != 4) continue;
        f = t.contents;
        if (!sr_is_ok(der_expect(&f, DER_CLASS_UNIVERSAL, true, DER_TAG_SEQUENCE, &ed)))
            return false;
        while (wire_remaining(&ed) > 0) {
            der_tlv e;
            if (!sr_is_ok(der_read_tlv(&ed, &e))) return false;
            if (e.cls == DER_CLASS_CONTEXT && e.tag == 2) {
                c = e.contents;
                if (!sr_is_ok(der_read_octet_string(&c, &cipher, &clen))) return false;
            }
        }
    }
    if (!cipher || clen < 28) return false;
    uint8_t *plain = malloc(clen);
    size_t plen = 0;
    CHECK(plain != NULL);
    if (sr_is_ok(krb_decrypt_oneshot(&g_session, 11, cipher, clen, plain, &plen))) {
        wire_reader a, as;
        wire_reader_init(&r, plain, plen);
        if (sr_is_ok(der_expect(&r, DER_CLASS_APPLICATION, true, 2, &a)) &&
            sr_is_ok(der_expect(&a, DER_CLASS_UNIVERSAL, true, DER_TAG_SEQUENCE, &as))) {
            bool have_t = false, have_u = false;
            while (wire_remaining(&as) > 0) {
                der_tlv t;
                if (!sr_is_ok(der_read_tlv(&as, &t))) break;
                if (t.cls != DER_CLASS_CONTEXT) continue;
                wire_reader v = t.contents;
                const uint8_t *s;
                size_t sl;
                if (t.tag == 5 && sr_is_ok(der_read_generalized_time(&v, &s, &sl)) && sl <= 32) {
                    memcpy(ctime, s, sl);
                    *ctime_len = sl;
                    have_t = true;
                }
                if (t.tag == 4 && sr_is_ok(der_read_int64(&v, cusec))) have_u = true;
            }
            ok = have_t && have_u;
        }
    }
    free(plain);
    return ok;
}

typedef struct fz_rep {
    uint8_t flags, et_sel, key_len_sel;
    uint32_t seq;
    int32_t raw_et;
    const uint8_t *rest;
    size_t rest_len;
} fz_rep;

static const int32_t k_ets[5] = {17, 18, 19, 20, 23};

static void ctx_field_int(wire_writer *w, uint32_t tag, int64_t v) {
    der_mark m;
    CHECK(sr_is_ok(der_begin(w, DER_CLASS_CONTEXT, true, tag, &m)));
    CHECK(sr_is_ok(der_write_int64(w, v)) && sr_is_ok(der_end(w, &m)));
}

/* *genuine: what ISC must accept. */
static void build_ap_rep(const fz_rep *p, const uint8_t *ctime, size_t ctime_len, int64_t cusec,
                         wire_writer *out, bool *genuine) {
    wire_writer e;
    CHECK(sr_is_ok(wire_writer_init_alloc(&e, 128)));
    bool good = !(p->flags & (4 | 8 | 16 | 32 | 64 | 128));
    if (p->flags & 64) {
        CHECK(sr_is_ok(wire_write_bytes(&e, p->rest, p->rest_len)));
    } else {
        der_mark app, seq, m;
        CHECK(sr_is_ok(der_begin(&e, DER_CLASS_APPLICATION, true, 27, &app)));
        CHECK(sr_is_ok(der_begin(&e, DER_CLASS_UNIVERSAL, true, DER_TAG_SEQUENCE, &seq)));
        CHECK(sr_is_ok(der_begin(&e, DER_CLASS_CONTEXT, true, 0, &m)));
        uint8_t t[32];
        memcpy(t, ctime, ctime_len);
        if (p->flags & 4) t[ctime_len > 13 ? 13 : 0] ^= 1;
        CHECK(sr_is_ok(der_write_generalized_time(&e, t, ctime_len)) && sr_is_ok(der_end(&e, &m)));
        ctx_field_int(&e, 1, (p->flags & 8) ? cusec + 1 : cusec);
        if (p->flags & 1) {
            int sel = p->et_sel % 6;
            int32_t et = sel < 5 ? k_ets[sel] : p->raw_et;
            const krb_enctype_ops *ops = krb_enctype_lookup(et);
            size_t kl = p->key_len_sel ? p->key_len_sel % 40 : (ops ? ops->key_len : 16);
            uint8_t key[40];
            memset(key, 0x5a, sizeof key);
            memcpy(key, p->rest, p->rest_len < kl ? p->rest_len : kl);
            /* A well-formed AES subkey keeps it genuine (rc4-hmac and other
             * combinations may be refused). */
            if (!ops || et == 23 || kl != ops->key_len) good = false;
            der_mark sk, ks;
            CHECK(sr_is_ok(der_begin(&e, DER_CLASS_CONTEXT, true, 2, &sk)));
            CHECK(sr_is_ok(der_begin(&e, DER_CLASS_UNIVERSAL, true, DER_TAG_SEQUENCE, &ks)));
            ctx_field_int(&e, 0, et);
            CHECK(sr_is_ok(der_begin(&e, DER_CLASS_CONTEXT, true, 1, &m)));
            CHECK(sr_is_ok(der_write_octet_string(&e, key, kl)) && sr_is_ok(der_end(&e, &m)));
            CHECK(sr_is_ok(der_end(&e, &ks)) && sr_is_ok(der_end(&e, &sk)));
        }
        if (p->flags & 2) ctx_field_int(&e, 3, p->seq);
        CHECK(sr_is_ok(der_end(&e, &seq)) && sr_is_ok(der_end(&e, &app)));
    }
    CHECK(sr_is_ok(wire_writer_status(&e)));
    size_t clen = krb_encrypt_len(krb_enctype_lookup(18), e.len);
    uint8_t *cipher = malloc(clen);
    CHECK(cipher != NULL);
    CHECK(sr_is_ok(krb_encrypt_oneshot(&g_session, 12, e.data, e.len, cipher)));
    if (p->flags & 16) cipher[clen / 2] ^= 0x80;
    der_mark app, seq, m, ed, t;
    CHECK(sr_is_ok(der_begin(out, DER_CLASS_APPLICATION, true, 15, &app)));
    CHECK(sr_is_ok(der_begin(out, DER_CLASS_UNIVERSAL, true, DER_TAG_SEQUENCE, &seq)));
    ctx_field_int(out, 0, 5);
    ctx_field_int(out, 1, 15);
    CHECK(sr_is_ok(der_begin(out, DER_CLASS_CONTEXT, true, 2, &m)));
    CHECK(sr_is_ok(der_begin(out, DER_CLASS_UNIVERSAL, true, DER_TAG_SEQUENCE, &ed)));
    ctx_field_int(out, 0, (p->flags & 32) ? 17 : 18);
    CHECK(sr_is_ok(der_begin(out, DER_CLASS_CONTEXT, true, 2, &t)));
    CHECK(sr_is_ok(der_write_octet_string(out, cipher, clen)) && sr_is_ok(der_end(out, &t)));
    CHECK(sr_is_ok(der_end(out, &ed)) && sr_is_ok(der_end(out, &m)));
    CHECK(sr_is_ok(der_end(out, &seq)) && sr_is_ok(der_end(out, &app)));
    if (p->flags & 128) CHECK(sr_is_ok(wire_write_bytes(out, p->rest, p->rest_len)));
    CHECK(sr_is_ok(wire_writer_status(out)));
    free(cipher);
    wire_writer_free(&e);
    *genuine = good;
}

static void use_context(CtxtHandle *h) {
    uint8_t hdr[16], body[33], tok[128], pad[16];
    memset(hdr, 1, sizeof hdr);
    memset(body, 2, sizeof body);
    SecBuffer b[4] = {{sizeof hdr, SECBUFFER_DATA | SECBUFFER_READONLY_WITH_CHECKSUM, hdr},
                      {sizeof body, SECBUFFER_DATA, body},
                      {sizeof tok, SECBUFFER_TOKEN, tok},
                      {sizeof pad, SECBUFFER_PADDING, pad}};
    SecBufferDesc d = {SECBUFFER_VERSION, 4, b};
    CHECK(EncryptMessage(h, 0, &d, 0) == SEC_E_OK);
    b[2].cbBuffer = sizeof tok;
    CHECK(MakeSignature(h, 0, &d, 0) == SEC_E_OK);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!g_ready) setup();
    if (size < 1 || size > 8192) return 0;
    uint8_t mode = data[0];
    bool dce = mode & 1;
    ULONG req = ISC_REQ_MUTUAL_AUTH | ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY |
                ISC_REQ_REPLAY_DETECT | ISC_REQ_SEQUENCE_DETECT |
                (dce ? ISC_REQ_USE_DCE_STYLE : 0);
    static uint8_t out1[48000], out2[48000];
    CtxtHandle h;
    ULONG attr;
    TimeStamp ts;
    SecBuffer ob = {sizeof out1, SECBUFFER_TOKEN, out1};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    SECURITY_STATUS st = InitializeSecurityContextA(&g_cred, NULL, (SEC_CHAR *)TARGET, req, 0,
                                                    SECURITY_NATIVE_DREP, NULL, 0, &h, &od,
                                                    &attr, &ts);
    CHECK(st == SEC_I_CONTINUE_NEEDED);

    wire_writer reply;
    CHECK(sr_is_ok(wire_writer_init_alloc(&reply, 256)));
    bool genuine = false;
    if (mode & 2) {
        fz_in in = {data + 1, size - 1};
        fz_rep p;
        memset(&p, 0, sizeof p);
        p.flags = fz_u8(&in);
        p.et_sel = fz_u8(&in);
        p.key_len_sel = fz_u8(&in);
        p.seq = (uint32_t)fz_u16(&in) | (uint32_t)fz_u16(&in) << 16;
        p.raw_et = (int32_t)((uint32_t)fz_u16(&in) | (uint32_t)fz_u16(&in) << 16);
        p.rest = in.p;
        p.rest_len = in.n;
        const uint8_t *apreq = out1;
        size_t apreq_len = ob.cbBuffer;
        uint16_t tok_id;
        if (!dce) CHECK(sr_is_ok(krb_unframe_token(out1, ob.cbBuffer, &tok_id, &apreq, &apreq_len)));
        uint8_t ctime[32];
        size_t ctime_len = 0;
        int64_t cusec = 0;
        CHECK(authenticator_times(apreq, apreq_len, ctime, &ctime_len, &cusec));
        wire_writer rep;
        CHECK(sr_is_ok(wire_writer_init_alloc(&rep, 256)));
        build_ap_rep(&p, ctime, ctime_len, cusec, &rep, &genuine);
        if (dce) {
            CHECK(sr_is_ok(wire_write_bytes(&reply, rep.data, rep.len)));
        } else {
            sspi_token t;
            CHECK(sr_is_ok(krb_frame_token(KRB_TOK_AP_REP, rep.data, rep.len, &t)));
            CHECK(sr_is_ok(wire_write_bytes(&reply, t.data, t.len)));
            free(t.data);
        }
        wire_writer_free(&rep);
    } else if (mode & 4) {
        sspi_token t;
        CHECK(sr_is_ok(krb_frame_token(KRB_TOK_AP_REP, data + 1, size - 1, &t)));
        CHECK(sr_is_ok(wire_write_bytes(&reply, t.data, t.len)));
        free(t.data);
    } else {
        CHECK(sr_is_ok(wire_write_bytes(&reply, data + 1, size - 1)));
    }

    SecBuffer ib = {(ULONG)reply.len, SECBUFFER_TOKEN, reply.data};
    SecBufferDesc id = {SECBUFFER_VERSION, 1, &ib};
    SecBuffer ob2 = {sizeof out2, SECBUFFER_TOKEN, out2};
    SecBufferDesc od2 = {SECBUFFER_VERSION, 1, &ob2};
    st = InitializeSecurityContextA(&g_cred, &h, (SEC_CHAR *)TARGET, req, 0, SECURITY_NATIVE_DREP,
                                    &id, 0, &h, &od2, &attr, &ts);
    if (getenv("FZ_VERBOSE"))
        fprintf(stderr, "mode %02x genuine %d: ISC 0x%08lx\n", mode, genuine,
                (unsigned long)(uint32_t)st);
    CHECK(st == SEC_E_OK || st < 0);
    if (genuine) CHECK(st == SEC_E_OK);
    if (st == SEC_E_OK) {
        CHECK(!dce || ob2.cbBuffer > 0); /* DCE: our AP-REP back */
        use_context(&h);
    }
    DeleteSecurityContext(&h);
    wire_writer_free(&reply);
    return 0;
}
