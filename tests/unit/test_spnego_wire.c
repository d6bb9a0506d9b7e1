/*
 * Unit tests for the SPNEGO codec and GSS framing
 * (src/packages/negotiate/spnego_wire.c).
 *
 * Real tokens live in tests/data/spnego/: mit_* were captured from MIT GSSAPI
 * SPNEGO with gss-ntlmssp (capture_mit.py), win_* are Windows-shaped tokens
 * built by hand (make_windows_tokens.py; win_init is also spelled out below).
 */
#include <stdlib.h>

#include "packages/negotiate/spnego_wire.h"
#include "testlib.h"
#include "wire/der.h"

#define HEX(buf, text) size_t buf##_len = (size_t)test_hex((text), (buf), sizeof (buf))

/* ---- helpers ---- */

typedef struct blob {
    uint8_t data[4096];
    size_t len;
} blob;

static int load(const char *name, blob *b) {
    const char *dir = getenv("SSPI_TEST_SOURCE_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/spnego/%s", dir ? dir : ".", name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        return 0;
    }
    b->len = fread(b->data, 1, sizeof b->data, f);
    fclose(f);
    return b->len > 0 && b->len < sizeof b->data;
}

static const char *const init_files[] = {"mit_ntlm_init.bin", "win_init.bin",
                                         "win_init2_server.bin"};
static const char *const resp_files[] = {"mit_ntlm_resp_challenge.bin",
                                         "mit_ntlm_resp_authenticate.bin",
                                         "mit_ntlm_resp_complete.bin",
                                         "win_resp_request_mic.bin", "win_resp_reject.bin",
                                         "win_resp_complete_mic.bin"};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* A tiny token composer on top of the DER writer, to craft structurally
 * wrong but DER-valid tokens. */
static uint8_t cbuf[8192];
static wire_writer cw;
static der_mark cstack[64];
static int csp;

static void c_reset(void) {
    wire_writer_init_fixed(&cw, cbuf, sizeof cbuf);
    csp = 0;
}
static void c_open(uint8_t cls, uint32_t tag) {
    if (!sr_is_ok(der_begin(&cw, cls, true, tag, &cstack[csp++]))) abort();
}
static void c_ctx(uint32_t tag) { c_open(DER_CLASS_CONTEXT, tag); }
static void c_seq(void) { c_open(DER_CLASS_UNIVERSAL, DER_TAG_SEQUENCE); }
static void c_close(void) {
    if (csp <= 0 || !sr_is_ok(der_end(&cw, &cstack[--csp]))) abort();
}
static void c_raw(const char *hex) {
    uint8_t b[512];
    long n = test_hex(hex, b, sizeof b);
    if (n < 0 || !sr_is_ok(der_write_raw(&cw, b, (size_t)n))) abort();
}
static void c_oid(gss_view o) {
    if (!sr_is_ok(der_write_oid(&cw, o.data, o.len))) abort();
}
static void c_octets(const char *s) {
    if (!sr_is_ok(der_write_octet_string(&cw, s, strlen(s)))) abort();
}

static sr parse_init_c(spnego_neg_token_init *t) {
    return spnego_parse_init_token(cbuf, cw.len, t);
}
static sr parse_resp_c(spnego_neg_token_resp *t) {
    return spnego_parse_neg_token_resp(cbuf, cw.len, t);
}

/* ---- OIDs ---- */

static void test_oids(void) {
    struct {
        gss_view v;
        const char *text;
    } cases[] = {
        {SPNEGO_MECH_SPNEGO, "1.3.6.1.5.5.2"},
        {SPNEGO_MECH_KRB5, "1.2.840.113554.1.2.2"},
        {SPNEGO_MECH_MS_KRB5, "1.2.840.48018.1.2.2"},
        {SPNEGO_MECH_KRB5_U2U, "1.2.840.113554.1.2.2.3"},
        {SPNEGO_MECH_NTLM, "1.3.6.1.4.1.311.2.2.10"},
        {SPNEGO_MECH_NEGOEX, "1.3.6.1.4.1.311.2.2.30"},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        char text[64];
        CHECK_OK(der_oid_to_text(cases[i].v.data, cases[i].v.len, text, sizeof text));
        CHECK(strcmp(text, cases[i].text) == 0);
    }
    CHECK(gss_oid_equal(SPNEGO_MECH_NTLM, spnego_oid_ntlm, sizeof spnego_oid_ntlm));
    CHECK(!gss_oid_equal(SPNEGO_MECH_NTLM, spnego_oid_negoex, sizeof spnego_oid_negoex));
    CHECK(!gss_oid_equal(SPNEGO_MECH_KRB5, spnego_oid_ms_krb5, sizeof spnego_oid_ms_krb5));
}

/* ---- real tokens ---- */

static void test_mit_init(void) {
    blob b;
    REQUIRE(load("mit_ntlm_init.bin", &b));
    CHECK_EQ_INT(spnego_token_kind(b.data, b.len), SPNEGO_TOKEN_INIT);
    spnego_neg_token_init t;
    CHECK_OK(spnego_parse_init_token(b.data, b.len, &t));
    CHECK_EQ_INT(t.mech_count, 1);
    CHECK(gss_oid_equal(t.mech_types[0], spnego_oid_ntlm, sizeof spnego_oid_ntlm));
    CHECK(!t.init2 && !t.has_req_flags && !t.has_mech_list_mic && !t.has_neg_hints);
    REQUIRE(t.has_mech_token);
    CHECK_EQ_INT(t.mech_token.len, 40);
    CHECK(memcmp(t.mech_token.data, "NTLMSSP\0\1\0\0\0", 12) == 0);
    CHECK_EQ_INT(spnego_token_kind(t.mech_token.data, t.mech_token.len), SPNEGO_TOKEN_NTLMSSP);
    /* MechTypeList: the 30 0c ... SEQUENCE at offset 16, inside the input. */
    CHECK(t.mech_type_list_der.data == b.data + 16);
    CHECK_EQ_INT(t.mech_type_list_der.len, 14);
    CHECK_EQ_INT(t.mech_type_list_der.data[0], 0x30);

    /* Same thing, unframed. */
    gss_view oid, inner;
    CHECK_OK(gss_parse_initial_token(b.data, b.len, &oid, &inner));
    CHECK(gss_oid_equal(oid, spnego_oid_spnego, sizeof spnego_oid_spnego));
    spnego_neg_token_init u;
    CHECK_OK(spnego_parse_neg_token_init(inner.data, inner.len, &u));
    CHECK_EQ_INT(u.mech_count, 1);
    CHECK(u.mech_token.data == t.mech_token.data);
    /* ... and the framed token is not a bare NegTokenInit. */
    CHECK_SR(spnego_parse_neg_token_init(b.data, b.len, &u), SR_INVALID_TOKEN);

    /* Rebuilt with the convenience builder from scratch: identical. */
    wire_writer w;
    REQUIRE(sr_is_ok(wire_writer_init_alloc(&w, 0)));
    gss_view mechs[1] = {SPNEGO_MECH_NTLM};
    CHECK_OK(spnego_build_init(mechs, 1, &t.mech_token, NULL, NULL, &w));
    CHECK_EQ_INT(w.len, b.len);
    if (w.len == b.len) CHECK_BYTES(w.data, b.data, b.len);
    wire_writer_free(&w);
}

static void test_mit_resps(void) {
    blob b;
    spnego_neg_token_resp r;
    REQUIRE(load("mit_ntlm_resp_challenge.bin", &b));
    CHECK_EQ_INT(spnego_token_kind(b.data, b.len), SPNEGO_TOKEN_RESP);
    CHECK_OK(spnego_parse_neg_token_resp(b.data, b.len, &r));
    CHECK(r.has_neg_state && r.neg_state == SPNEGO_ACCEPT_INCOMPLETE);
    CHECK(r.has_supported_mech &&
          gss_oid_equal(r.supported_mech, spnego_oid_ntlm, sizeof spnego_oid_ntlm));
    CHECK(r.has_response_token && r.response_token.len == 126);
    CHECK(memcmp(r.response_token.data, "NTLMSSP\0\2\0\0\0", 12) == 0);
    CHECK(!r.has_mech_list_mic);

    REQUIRE(load("mit_ntlm_resp_authenticate.bin", &b));
    CHECK_OK(spnego_parse_neg_token_resp(b.data, b.len, &r));
    CHECK(r.has_neg_state && r.neg_state == SPNEGO_ACCEPT_INCOMPLETE);
    CHECK(!r.has_supported_mech);
    CHECK(r.has_response_token && r.response_token.len == 262);
    CHECK(memcmp(r.response_token.data, "NTLMSSP\0\3\0\0\0", 12) == 0);
    CHECK(r.has_mech_list_mic && r.mech_list_mic.len == 16);
    CHECK(r.mech_list_mic.data[0] == 1); /* NTLMSSP_MESSAGE_SIGNATURE version 1 */

    REQUIRE(load("mit_ntlm_resp_complete.bin", &b));
    CHECK_OK(spnego_parse_neg_token_resp(b.data, b.len, &r));
    CHECK(r.has_neg_state && r.neg_state == SPNEGO_ACCEPT_COMPLETED);
    CHECK(!r.has_supported_mech && !r.has_response_token);
    CHECK(r.has_mech_list_mic && r.mech_list_mic.len == 16);
    /* A response is not an init token, and vice versa. */
    spnego_neg_token_init t;
    CHECK_SR(spnego_parse_init_token(b.data, b.len, &t), SR_INVALID_TOKEN);
    CHECK_SR(spnego_parse_neg_token_init(b.data, b.len, &t), SR_INVALID_TOKEN);
}

/* Windows NegTokenInit, spelled out: mechTypes {MS-KRB5, KRB5, NegoEx, NTLM}
 * and an optimistic krb5 mechToken (AP-REQ-shaped placeholder). */
static const char win_init_hex[] =
    "60 5f 06 06 2b 06 01 05 05 02"
    " a0 55 30 53"
    "  a0 30 30 2e"
    "   06 09 2a 86 48 82 f7 12 01 02 02"        /* 1.2.840.48018.1.2.2 */
    "   06 09 2a 86 48 86 f7 12 01 02 02"        /* 1.2.840.113554.1.2.2 */
    "   06 0a 2b 06 01 04 01 82 37 02 02 1e"     /* NegoEx */
    "   06 0a 2b 06 01 04 01 82 37 02 02 0a"     /* NTLM */
    "  a2 1f 04 1d"
    "   60 1b 06 09 2a 86 48 86 f7 12 01 02 02 01 00"
    "   6e 0c 30 0a a0 03 02 01 05 a1 03 02 01 0e";

static void test_windows_init(void) {
    uint8_t hand[128];
    HEX(hand, win_init_hex);
    blob b;
    REQUIRE(load("win_init.bin", &b));
    CHECK_EQ_INT(b.len, hand_len);
    REQUIRE(b.len == hand_len);
    CHECK_BYTES(b.data, hand, hand_len);

    spnego_neg_token_init t;
    CHECK_OK(spnego_parse_init_token(hand, hand_len, &t));
    REQUIRE(t.mech_count == 4);
    CHECK(gss_oid_equal(t.mech_types[0], spnego_oid_ms_krb5, sizeof spnego_oid_ms_krb5));
    CHECK(gss_oid_equal(t.mech_types[1], spnego_oid_krb5, sizeof spnego_oid_krb5));
    CHECK(gss_oid_equal(t.mech_types[2], spnego_oid_negoex, sizeof spnego_oid_negoex));
    CHECK(gss_oid_equal(t.mech_types[3], spnego_oid_ntlm, sizeof spnego_oid_ntlm));
    CHECK(t.mech_type_list_der.data == hand + 16 && t.mech_type_list_der.len == 48);
    REQUIRE(t.has_mech_token);
    CHECK(!t.init2 && !t.has_mech_list_mic);
    /* The mechToken is itself a GSS-framed krb5 token. */
    CHECK_EQ_INT(spnego_token_kind(t.mech_token.data, t.mech_token.len), SPNEGO_TOKEN_GSS_OTHER);
    gss_view oid, inner;
    CHECK_OK(gss_parse_initial_token(t.mech_token.data, t.mech_token.len, &oid, &inner));
    CHECK(gss_oid_equal(oid, spnego_oid_krb5, sizeof spnego_oid_krb5));
    CHECK(inner.len == 16 && inner.data[0] == 0x01 && inner.data[1] == 0x00 &&
          inner.data[2] == 0x6e);

    /* Built from its parts. */
    gss_view mechs[4] = {SPNEGO_MECH_MS_KRB5, SPNEGO_MECH_KRB5, SPNEGO_MECH_NEGOEX,
                         SPNEGO_MECH_NTLM};
    uint8_t out[256];
    wire_writer w;
    wire_writer_init_fixed(&w, out, sizeof out);
    CHECK_OK(spnego_build_init(mechs, 4, &t.mech_token, NULL, NULL, &w));
    CHECK_EQ_INT(w.len, hand_len);
    if (w.len == hand_len) CHECK_BYTES(out, hand, hand_len);
    /* The krb5 inner token rebuilt through the generic framing builder. */
    wire_writer_init_fixed(&w, out, sizeof out);
    CHECK_OK(gss_build_initial_token(SPNEGO_MECH_KRB5, inner, &w));
    CHECK(w.len == t.mech_token.len && memcmp(out, t.mech_token.data, w.len) == 0);
}

static void test_windows_init2_server(void) {
    blob b;
    REQUIRE(load("win_init2_server.bin", &b));
    spnego_neg_token_init t;
    CHECK_OK(spnego_parse_init_token(b.data, b.len, &t));
    CHECK(t.init2 && t.has_neg_hints && t.has_hint_name && !t.has_hint_address);
    CHECK(t.hint_name.len == strlen(SPNEGO_WINDOWS_HINT_NAME) &&
          memcmp(t.hint_name.data, SPNEGO_WINDOWS_HINT_NAME, t.hint_name.len) == 0);
    CHECK(!t.has_mech_token && !t.has_mech_list_mic && t.mech_count == 4);

    gss_view mechs[4] = {SPNEGO_MECH_MS_KRB5, SPNEGO_MECH_KRB5, SPNEGO_MECH_NEGOEX,
                         SPNEGO_MECH_NTLM};
    wire_writer w;
    REQUIRE(sr_is_ok(wire_writer_init_alloc(&w, 0)));
    CHECK_OK(spnego_build_init2_server(mechs, 4, &w));
    CHECK_EQ_INT(w.len, b.len);
    if (w.len == b.len) CHECK_BYTES(w.data, b.data, b.len);
    wire_writer_free(&w);

    /* NegTokenInit2 with a MIC: [4], after negHints. */
    t.has_mech_list_mic = true;
    t.mech_list_mic.data = (const uint8_t *)"0123456789abcdef";
    t.mech_list_mic.len = 16;
    t.has_hint_address = true;
    t.hint_address.data = (const uint8_t *)"\x0a\x00\x00\x01";
    t.hint_address.len = 4;
    REQUIRE(sr_is_ok(wire_writer_init_alloc(&w, 0)));
    CHECK_OK(spnego_build_init_token(&t, &w));
    spnego_neg_token_init u;
    CHECK_OK(spnego_parse_init_token(w.data, w.len, &u));
    CHECK(u.init2 && u.has_mech_list_mic && u.mech_list_mic.len == 16 && u.has_hint_address &&
          u.hint_address.len == 4);
    wire_writer_free(&w);

    /* init2 without negHints: the MIC goes to [4] and parses back as init2. */
    t.has_neg_hints = t.has_hint_name = t.has_hint_address = false;
    REQUIRE(sr_is_ok(wire_writer_init_alloc(&w, 0)));
    CHECK_OK(spnego_build_init_token(&t, &w));
    CHECK_OK(spnego_parse_init_token(w.data, w.len, &u));
    CHECK(u.init2 && !u.has_neg_hints && u.has_mech_list_mic);
    CHECK(w.data[w.len - 20] == 0xa4);
    wire_writer_free(&w);
}

static void test_windows_resps(void) {
    blob b;
    spnego_neg_token_resp r, want;
    uint8_t out[256];
    wire_writer w;

    REQUIRE(load("win_resp_request_mic.bin", &b));
    CHECK_OK(spnego_parse_neg_token_resp(b.data, b.len, &r));
    CHECK(r.has_neg_state && r.neg_state == SPNEGO_REQUEST_MIC);
    CHECK(r.has_supported_mech &&
          gss_oid_equal(r.supported_mech, spnego_oid_ms_krb5, sizeof spnego_oid_ms_krb5));
    CHECK(r.has_response_token && !r.has_mech_list_mic);

    REQUIRE(load("win_resp_reject.bin", &b));
    memset(&want, 0, sizeof want);
    want.has_neg_state = true;
    want.neg_state = SPNEGO_REJECT;
    wire_writer_init_fixed(&w, out, sizeof out);
    CHECK_OK(spnego_build_neg_token_resp(&want, &w));
    CHECK(w.len == b.len && memcmp(out, b.data, b.len) == 0);

    REQUIRE(load("win_resp_complete_mic.bin", &b));
    CHECK_OK(spnego_parse_neg_token_resp(b.data, b.len, &r));
    CHECK(r.has_neg_state && r.neg_state == SPNEGO_ACCEPT_COMPLETED && r.has_mech_list_mic &&
          r.mech_list_mic.len == 28);
}

/* Every real token parses and rebuilds to the same bytes. */
static void test_round_trip_files(void) {
    blob b;
    wire_writer w;
    for (size_t i = 0; i < COUNT(init_files); i++) {
        REQUIRE(load(init_files[i], &b));
        spnego_neg_token_init t;
        CHECK_OK(spnego_parse_init_token(b.data, b.len, &t));
        REQUIRE(sr_is_ok(wire_writer_init_alloc(&w, 0)));
        CHECK_OK(spnego_build_init_token(&t, &w));
        CHECK(w.len == b.len && memcmp(w.data, b.data, b.len) == 0);
        wire_writer_free(&w);
        /* The MIC bytes: encoding the parsed list gives exactly the view. */
        REQUIRE(sr_is_ok(wire_writer_init_alloc(&w, 0)));
        CHECK_OK(spnego_encode_mech_type_list(t.mech_types, t.mech_count, &w));
        CHECK(w.len == t.mech_type_list_der.len &&
              memcmp(w.data, t.mech_type_list_der.data, w.len) == 0);
        wire_writer_free(&w);
    }
    for (size_t i = 0; i < COUNT(resp_files); i++) {
        REQUIRE(load(resp_files[i], &b));
        CHECK_EQ_INT(spnego_token_kind(b.data, b.len), SPNEGO_TOKEN_RESP);
        spnego_neg_token_resp r;
        CHECK_OK(spnego_parse_neg_token_resp(b.data, b.len, &r));
        REQUIRE(sr_is_ok(wire_writer_init_alloc(&w, 0)));
        CHECK_OK(spnego_build_neg_token_resp(&r, &w));
        CHECK(w.len == b.len && memcmp(w.data, b.data, b.len) == 0);
        wire_writer_free(&w);
    }
}

/* ---- builders ---- */

static void test_resp_every_subset(void) {
    for (unsigned mask = 0; mask < 16; mask++) {
        for (int st = 0; st <= 3; st++) {
            spnego_neg_token_resp r, p;
            memset(&r, 0, sizeof r);
            r.has_neg_state = mask & 1;
            r.neg_state = (spnego_neg_state)st;
            r.has_supported_mech = (mask & 2) != 0;
            r.supported_mech = SPNEGO_MECH_KRB5;
            r.has_response_token = (mask & 4) != 0;
            r.response_token.data = (const uint8_t *)"tok";
            r.response_token.len = 3;
            r.has_mech_list_mic = (mask & 8) != 0;
            r.mech_list_mic.data = NULL; /* empty MIC is legal DER */
            r.mech_list_mic.len = 0;
            uint8_t out[128];
            wire_writer w;
            wire_writer_init_fixed(&w, out, sizeof out);
            CHECK_OK(spnego_build_neg_token_resp(&r, &w));
            CHECK_OK(spnego_parse_neg_token_resp(out, w.len, &p));
            CHECK(p.has_neg_state == r.has_neg_state);
            if (p.has_neg_state) CHECK(p.neg_state == r.neg_state);
            CHECK(p.has_supported_mech == r.has_supported_mech);
            if (p.has_supported_mech)
                CHECK(gss_oid_equal(p.supported_mech, spnego_oid_krb5, sizeof spnego_oid_krb5));
            CHECK(p.has_response_token == r.has_response_token);
            if (p.has_response_token)
                CHECK(p.response_token.len == 3 && memcmp(p.response_token.data, "tok", 3) == 0);
            CHECK(p.has_mech_list_mic == r.has_mech_list_mic);
            if (p.has_mech_list_mic) CHECK(p.mech_list_mic.len == 0);
            if (mask == 0) {
                uint8_t empty[] = {0xa1, 0x02, 0x30, 0x00};
                CHECK(w.len == 4 && memcmp(out, empty, 4) == 0);
            }
            if (!r.has_neg_state) break;
        }
    }
}

static void test_init_every_subset(void) {
    uint8_t fb[4];
    spnego_bits flags;
    spnego_flags_to_bits(SPNEGO_FLAG_MUTUAL | SPNEGO_FLAG_INTEG, fb, &flags);
    CHECK(flags.len == 1 && flags.unused == 1 && fb[0] == 0x42);
    CHECK_EQ_INT(spnego_flags_from_bits(&flags), SPNEGO_FLAG_MUTUAL | SPNEGO_FLAG_INTEG);
    spnego_bits none;
    uint8_t nb[4];
    spnego_flags_to_bits(0, nb, &none);
    CHECK(none.len == 0 && none.unused == 0 && spnego_flags_from_bits(&none) == 0);
    spnego_bits high;
    uint8_t hb[4];
    spnego_flags_to_bits(0x80000001u, hb, &high);
    CHECK(high.len == 4 && high.unused == 0 && hb[0] == 0x80 && hb[3] == 0x01);
    CHECK_EQ_INT(spnego_flags_from_bits(&high), 0x80000001u);

    gss_view mechs[2] = {SPNEGO_MECH_NTLM, SPNEGO_MECH_KRB5};
    gss_view tok = {(const uint8_t *)"NTLMSSP", 8};
    gss_view mic = {(const uint8_t *)"mic!", 4};
    for (unsigned mask = 0; mask < 8; mask++) {
        wire_writer w;
        REQUIRE(sr_is_ok(wire_writer_init_alloc(&w, 0)));
        CHECK_OK(spnego_build_init(mechs, 2, (mask & 1) ? &tok : NULL, (mask & 2) ? &mic : NULL,
                                   (mask & 4) ? &flags : NULL, &w));
        spnego_neg_token_init t;
        CHECK_OK(spnego_parse_init_token(w.data, w.len, &t));
        CHECK(t.mech_count == 2 && !t.init2);
        CHECK(t.has_mech_token == ((mask & 1) != 0));
        CHECK(t.has_mech_list_mic == ((mask & 2) != 0));
        CHECK(t.has_req_flags == ((mask & 4) != 0));
        if (t.has_req_flags)
            CHECK_EQ_INT(spnego_flags_from_bits(&t.req_flags), SPNEGO_FLAG_MUTUAL | SPNEGO_FLAG_INTEG);
        if (t.has_mech_list_mic) CHECK(t.mech_list_mic.len == 4);
        if (t.has_mech_token) CHECK(t.mech_token.len == 8);
        wire_writer_free(&w);
    }
}

static void test_builder_errors(void) {
    gss_view mechs[SPNEGO_MAX_MECHS + 1];
    for (size_t i = 0; i < COUNT(mechs); i++) mechs[i] = SPNEGO_MECH_NTLM;
    uint8_t out[1024];
    wire_writer w;
    wire_writer_init_fixed(&w, out, sizeof out);
    CHECK_SR(spnego_build_init(mechs, 0, NULL, NULL, NULL, &w), SR_INVALID_PARAMETER);
    CHECK_SR(wire_writer_status(&w), SR_INVALID_PARAMETER); /* sticky */
    wire_writer_init_fixed(&w, out, sizeof out);
    CHECK_SR(spnego_build_init(mechs, SPNEGO_MAX_MECHS + 1, NULL, NULL, NULL, &w),
             SR_INVALID_PARAMETER);
    wire_writer_init_fixed(&w, out, sizeof out);
    CHECK_OK(spnego_build_init(mechs, SPNEGO_MAX_MECHS, NULL, NULL, NULL, &w));
    wire_writer_init_fixed(&w, out, sizeof out);
    CHECK_SR(spnego_encode_mech_type_list(mechs, 0, &w), SR_INVALID_PARAMETER);
    wire_writer_init_fixed(&w, out, sizeof out);
    CHECK_SR(spnego_build_init2_server(mechs, 0, &w), SR_INVALID_PARAMETER);
    /* Invalid OID contents. */
    gss_view bad = {(const uint8_t *)"\x80\x01", 2};
    wire_writer_init_fixed(&w, out, sizeof out);
    CHECK_SR(spnego_build_init(&bad, 1, NULL, NULL, NULL, &w), SR_INVALID_PARAMETER);
    /* negState out of range. */
    spnego_neg_token_resp r;
    memset(&r, 0, sizeof r);
    r.has_neg_state = true;
    r.neg_state = (spnego_neg_state)4;
    wire_writer_init_fixed(&w, out, sizeof out);
    CHECK_SR(spnego_build_neg_token_resp(&r, &w), SR_INVALID_PARAMETER);
    /* Too small a fixed buffer. */
    wire_writer_init_fixed(&w, out, 20);
    CHECK_SR(spnego_build_init(mechs, 4, NULL, NULL, NULL, &w), SR_BUFFER_TOO_SMALL);
    /* Failed writer: nothing more is written. */
    wire_writer_init_fixed(&w, out, sizeof out);
    wire_writer_fail(&w, SR_NO_MEMORY);
    CHECK_SR(spnego_build_init(mechs, 1, NULL, NULL, NULL, &w), SR_NO_MEMORY);
    CHECK_EQ_INT(w.len, 0);
    /* Bad inner view. */
    gss_view nullinner = {NULL, 3};
    wire_writer_init_fixed(&w, out, sizeof out);
    CHECK_SR(gss_build_initial_token(SPNEGO_MECH_KRB5, nullinner, &w), SR_INVALID_PARAMETER);
}

/* ---- GSS framing ---- */

static void test_gss_framing(void) {
    gss_view oid, inner;
    uint8_t buf[64];
    HEX(buf, "60 0d 06 09 2a 86 48 86 f7 12 01 02 02 01 00");
    CHECK_OK(gss_parse_initial_token(buf, buf_len, &oid, &inner));
    CHECK(gss_oid_equal(oid, spnego_oid_krb5, sizeof spnego_oid_krb5));
    CHECK(inner.len == 2 && inner.data == buf + 13);
    CHECK_EQ_INT(spnego_token_kind(buf, buf_len), SPNEGO_TOKEN_GSS_OTHER);

    /* Empty inner token. */
    uint8_t e[16];
    HEX(e, "60 08 06 06 2b 06 01 05 05 02");
    CHECK_OK(gss_parse_initial_token(e, e_len, &oid, &inner));
    CHECK(inner.len == 0);
    uint8_t out[64];
    wire_writer w;
    wire_writer_init_fixed(&w, out, sizeof out);
    CHECK_OK(gss_build_initial_token(SPNEGO_MECH_SPNEGO, inner, &w));
    CHECK(w.len == e_len && memcmp(out, e, e_len) == 0);
    /* But that is no SPNEGO init token. */
    spnego_neg_token_init t;
    CHECK_SR(spnego_parse_init_token(e, e_len, &t), SR_INVALID_TOKEN);

    static const char *const bad[] = {
        "",
        "60",
        "60 00",                                           /* no OID */
        "61 0d 06 09 2a 86 48 86 f7 12 01 02 02 01 00",    /* [APPLICATION 1] */
        "40 0d 06 09 2a 86 48 86 f7 12 01 02 02 01 00",    /* primitive */
        "30 0d 06 09 2a 86 48 86 f7 12 01 02 02 01 00",    /* SEQUENCE */
        "60 0d 04 09 2a 86 48 86 f7 12 01 02 02 01 00",    /* not an OID */
        "60 0e 06 09 2a 86 48 86 f7 12 01 02 02 01 00",    /* too long */
        "60 0d 06 09 2a 86 48 86 f7 12 01 02 02 01 00 00", /* trailing */
        "60 81 0d 06 09 2a 86 48 86 f7 12 01 02 02 01 00", /* non-minimal */
        "60 80 06 09 2a 86 48 86 f7 12 01 02 02 01 00 00 00", /* indefinite */
        "60 04 06 02 80 01",                               /* bad OID arc */
        "60 02 06 00",                                     /* empty OID */
    };
    for (size_t i = 0; i < COUNT(bad); i++) {
        long n = test_hex(bad[i], buf, sizeof buf);
        REQUIRE(n >= 0);
        sr res = gss_parse_initial_token(buf, (size_t)n, &oid, &inner);
        if (res.code != SR_INVALID_TOKEN) {
            fprintf(stderr, "  case %zu accepted\n", i);
            CHECK(0);
        }
    }
    CHECK_SR(gss_parse_initial_token(NULL, 3, &oid, &inner), SR_INVALID_PARAMETER);
}

static void test_token_kind(void) {
    CHECK_EQ_INT(spnego_token_kind(NULL, 0), SPNEGO_TOKEN_UNKNOWN);
    CHECK_EQ_INT(spnego_token_kind((const uint8_t *)"NTLMSSP", 8), SPNEGO_TOKEN_NTLMSSP);
    CHECK_EQ_INT(spnego_token_kind((const uint8_t *)"NTLMSSP", 7), SPNEGO_TOKEN_UNKNOWN);
    CHECK_EQ_INT(spnego_token_kind((const uint8_t *)"NTLMSSX", 8), SPNEGO_TOKEN_UNKNOWN);
    uint8_t b[32];
    HEX(b, "a1 07 30 05 a0 03 0a 01 02");
    CHECK_EQ_INT(spnego_token_kind(b, b_len), SPNEGO_TOKEN_RESP);
    CHECK_EQ_INT(spnego_token_kind(b, b_len - 1), SPNEGO_TOKEN_UNKNOWN);
    b[0] = 0xa0; /* a bare [0] is not an initial token */
    CHECK_EQ_INT(spnego_token_kind(b, b_len), SPNEGO_TOKEN_UNKNOWN);
    blob f;
    REQUIRE(load("win_init2_server.bin", &f));
    CHECK_EQ_INT(spnego_token_kind(f.data, f.len), SPNEGO_TOKEN_INIT);
    CHECK_EQ_INT(spnego_token_kind(f.data, f.len - 1), SPNEGO_TOKEN_UNKNOWN);
}

/* ---- negative: DER level ---- */

static void test_truncated_every_prefix(void) {
    blob b;
    spnego_neg_token_init t;
    spnego_neg_token_resp r;
    gss_view oid, inner;
    for (size_t i = 0; i < COUNT(init_files); i++) {
        REQUIRE(load(init_files[i], &b));
        for (size_t n = 0; n < b.len; n++) {
            uint8_t *copy = malloc(n ? n : 1); /* exact size: ASan sees overreads */
            REQUIRE(copy);
            memcpy(copy, b.data, n);
            CHECK_SR(spnego_parse_init_token(copy, n, &t), SR_INVALID_TOKEN);
            CHECK_SR(gss_parse_initial_token(copy, n, &oid, &inner), SR_INVALID_TOKEN);
            CHECK(spnego_token_kind(copy, n) == SPNEGO_TOKEN_UNKNOWN);
            free(copy);
        }
    }
    for (size_t i = 0; i < COUNT(resp_files); i++) {
        REQUIRE(load(resp_files[i], &b));
        for (size_t n = 0; n < b.len; n++) {
            uint8_t *copy = malloc(n ? n : 1);
            REQUIRE(copy);
            memcpy(copy, b.data, n);
            CHECK_SR(spnego_parse_neg_token_resp(copy, n, &r), SR_INVALID_TOKEN);
            free(copy);
        }
    }
}

static void test_trailing_after_token(void) {
    blob b;
    spnego_neg_token_init t;
    spnego_neg_token_resp r;
    for (size_t i = 0; i < COUNT(init_files); i++) {
        REQUIRE(load(init_files[i], &b));
        b.data[b.len] = 0x00;
        CHECK_SR(spnego_parse_init_token(b.data, b.len + 1, &t), SR_INVALID_TOKEN);
    }
    for (size_t i = 0; i < COUNT(resp_files); i++) {
        REQUIRE(load(resp_files[i], &b));
        b.data[b.len] = 0x00;
        CHECK_SR(spnego_parse_neg_token_resp(b.data, b.len + 1, &r), SR_INVALID_TOKEN);
    }
}

static void test_der_strictness(void) {
    spnego_neg_token_init t;
    spnego_neg_token_resp r;
    blob b;
    uint8_t x[4200];
    /* Indefinite outer length (BER only). */
    REQUIRE(load("mit_ntlm_init.bin", &b));
    x[0] = 0x60;
    x[1] = 0x80;
    memcpy(x + 2, b.data + 2, b.len - 2);
    x[b.len] = x[b.len + 1] = 0;
    CHECK_SR(spnego_parse_init_token(x, b.len + 2, &t), SR_INVALID_TOKEN);
    /* Non-minimal outer length: 60 81 48. */
    x[1] = 0x81;
    x[2] = 0x48;
    memcpy(x + 3, b.data + 2, b.len - 2);
    CHECK_SR(spnego_parse_init_token(x, b.len + 1, &t), SR_INVALID_TOKEN);
    /* Non-minimal inner length: the [0] of NegTokenInit (a0 3e -> a0 81 3e). */
    memcpy(x, b.data, 11);
    x[1] = 0x49;
    x[11] = 0x81;
    memcpy(x + 12, b.data + 11, b.len - 11);
    CHECK_SR(spnego_parse_init_token(x, b.len + 1, &t), SR_INVALID_TOKEN);
    /* Leading zero length octet on a long form: a1 81 99 -> a1 82 00 99. */
    REQUIRE(load("mit_ntlm_resp_challenge.bin", &b));
    x[0] = 0xa1;
    x[1] = 0x82;
    x[2] = 0x00;
    memcpy(x + 3, b.data + 2, b.len - 2);
    CHECK_SR(spnego_parse_neg_token_resp(x, b.len + 1, &r), SR_INVALID_TOKEN);
    /* Indefinite NegTokenResp SEQUENCE. */
    uint8_t y[32];
    HEX(y, "a1 09 30 80 a0 03 0a 01 02 00 00");
    CHECK_SR(spnego_parse_neg_token_resp(y, y_len, &r), SR_INVALID_TOKEN);
    /* negState with a non-minimal INTEGER encoding: 0a 02 00 01. */
    uint8_t z[32];
    HEX(z, "a1 08 30 06 a0 04 0a 02 00 01");
    CHECK_SR(spnego_parse_neg_token_resp(z, z_len, &r), SR_INVALID_TOKEN);
    /* Bad OID in mechTypes (redundant 0x80 arc). */
    c_reset();
    c_open(DER_CLASS_APPLICATION, 0);
    c_oid(SPNEGO_MECH_SPNEGO);
    c_ctx(0); c_seq(); c_ctx(0); c_seq();
    c_raw("06 03 2b 80 01");
    c_close(); c_close(); c_close(); c_close(); c_close();
    CHECK_SR(parse_init_c(&t), SR_INVALID_TOKEN);
    /* reqFlags with nonzero unused bits (DER). */
    c_reset();
    c_open(DER_CLASS_APPLICATION, 0);
    c_oid(SPNEGO_MECH_SPNEGO);
    c_ctx(0); c_seq(); c_ctx(0); c_seq(); c_oid(SPNEGO_MECH_NTLM); c_close(); c_close();
    c_ctx(1); c_raw("03 02 01 43"); c_close();
    c_close(); c_close(); c_close();
    CHECK_SR(parse_init_c(&t), SR_INVALID_TOKEN);
}

/* ---- negative: SPNEGO structure ---- */

/* Variants of a NegTokenInit, each with one defect (0 = none). */
enum {
    IV_OK,
    IV_WRONG_OUTER_TAG,
    IV_WRONG_THISMECH,
    IV_MS_KRB5_THISMECH,
    IV_CHOICE_RESP,
    IV_TRAIL_APP,
    IV_TRAIL_CTX0,
    IV_TRAIL_SEQ,
    IV_TRAIL_MECHS_WRAP,
    IV_TRAIL_MECHLIST,
    IV_TRAIL_FLAGS,
    IV_TRAIL_TOKEN,
    IV_TRAIL_MIC,
    IV_ORDER_TOKEN_FIRST,
    IV_ORDER_MIC_BEFORE_TOKEN,
    IV_DUP_TOKEN,
    IV_DUP_MECHS,
    IV_UNKNOWN_TAG5,
    IV_UNKNOWN_TAG31,
    IV_PRIMITIVE_FIELD,
    IV_APPLICATION_FIELD,
    IV_MIC3_AND_MIC4,
    IV_NO_MECHTYPES,
    IV_EMPTY_MECHTYPES,
    IV_TOO_MANY_MECHS,
    IV_MAX_MECHS,
    IV_MECHLIST_NOT_SEQ,
    IV_TOKEN_NOT_OCTETS,
    IV_HINTS_TRAIL,
    IV_HINTS_ORDER,
    IV_HINTS_UNKNOWN,
    IV_HINTS_OK_EMPTY,
    IV_HINTS_AFTER_MIC3,
    IV_HINTNAME_WRONG_TYPE,
    IV_TWO_SEQS,
    IV_MIC4_ONLY,
    IV_COUNT
};

static void build_init_variant(int v) {
    c_reset();
    c_open(DER_CLASS_APPLICATION, v == IV_WRONG_OUTER_TAG ? 1 : 0);
    c_oid(v == IV_WRONG_THISMECH    ? SPNEGO_MECH_KRB5
          : v == IV_MS_KRB5_THISMECH ? SPNEGO_MECH_MS_KRB5
                                     : SPNEGO_MECH_SPNEGO);
    c_ctx(v == IV_CHOICE_RESP ? 1 : 0);
    c_seq();
    if (v == IV_ORDER_TOKEN_FIRST) {
        c_ctx(2); c_octets("tok"); c_close();
    }
    if (v != IV_NO_MECHTYPES) {
        c_ctx(0);
        if (v == IV_MECHLIST_NOT_SEQ) {
            c_open(DER_CLASS_UNIVERSAL, DER_TAG_SET);
        } else {
            c_seq();
        }
        size_t n = v == IV_EMPTY_MECHTYPES ? 0
                   : v == IV_TOO_MANY_MECHS ? SPNEGO_MAX_MECHS + 1
                   : v == IV_MAX_MECHS      ? SPNEGO_MAX_MECHS
                                            : 2;
        for (size_t i = 0; i < n; i++) c_oid(i % 2 ? SPNEGO_MECH_KRB5 : SPNEGO_MECH_NTLM);
        if (v == IV_TRAIL_MECHLIST) c_raw("05 00");
        c_close();
        if (v == IV_TRAIL_MECHS_WRAP) c_raw("05 00");
        if (v == IV_TWO_SEQS) { c_seq(); c_oid(SPNEGO_MECH_NTLM); c_close(); }
        c_close();
    }
    if (v == IV_DUP_MECHS) {
        c_ctx(0); c_seq(); c_oid(SPNEGO_MECH_NTLM); c_close(); c_close();
    }
    c_ctx(1);
    c_raw("03 02 01 40"); /* mutual */
    if (v == IV_TRAIL_FLAGS) c_raw("05 00");
    c_close();
    if (v == IV_ORDER_MIC_BEFORE_TOKEN) {
        c_ctx(3); c_octets("mic"); c_close();
    }
    if (v == IV_PRIMITIVE_FIELD) {
        c_raw("82 03 74 6f 6b");
    } else if (v == IV_APPLICATION_FIELD) {
        c_open(DER_CLASS_APPLICATION, 2); c_octets("tok"); c_close();
    } else if (v != IV_ORDER_TOKEN_FIRST) {
        c_ctx(2);
        if (v == IV_TOKEN_NOT_OCTETS) c_raw("0c 03 74 6f 6b");
        else c_octets("tok");
        if (v == IV_TRAIL_TOKEN) c_raw("05 00");
        c_close();
    }
    if (v == IV_DUP_TOKEN) {
        c_ctx(2); c_octets("tok2"); c_close();
    }
    if (v >= IV_HINTS_TRAIL && v <= IV_HINTNAME_WRONG_TYPE && v != IV_HINTS_AFTER_MIC3) {
        c_ctx(3); c_seq();
        if (v == IV_HINTS_ORDER) { c_ctx(1); c_octets("addr"); c_close(); }
        if (v != IV_HINTS_OK_EMPTY) {
            c_ctx(0);
            if (v == IV_HINTNAME_WRONG_TYPE) c_octets("name");
            else c_raw("1b 04 6e 61 6d 65");
            c_close();
        }
        if (v == IV_HINTS_ORDER) { c_ctx(0); c_raw("1b 01 78"); c_close(); }
        if (v == IV_HINTS_UNKNOWN) { c_ctx(2); c_octets("x"); c_close(); }
        c_close();
        if (v == IV_HINTS_TRAIL) c_raw("05 00");
        c_close();
    }
    if (v != IV_ORDER_MIC_BEFORE_TOKEN && v != IV_MIC4_ONLY &&
        !(v >= IV_HINTS_TRAIL && v <= IV_HINTNAME_WRONG_TYPE && v != IV_HINTS_AFTER_MIC3)) {
        c_ctx(3); c_octets("mic");
        if (v == IV_TRAIL_MIC) c_raw("05 00");
        c_close();
    }
    if (v == IV_HINTS_AFTER_MIC3) {
        c_ctx(4); c_seq(); c_close(); c_close(); /* a SEQUENCE where [4] wants a MIC */
    }
    if (v == IV_MIC3_AND_MIC4 || v == IV_MIC4_ONLY) {
        c_ctx(4); c_octets("mic4"); c_close();
    }
    if (v == IV_UNKNOWN_TAG5) { c_ctx(5); c_octets("x"); c_close(); }
    if (v == IV_UNKNOWN_TAG31) { c_ctx(31); c_octets("x"); c_close(); }
    if (v == IV_TRAIL_SEQ) c_raw("05 00");
    c_close(); /* SEQUENCE */
    if (v == IV_TRAIL_CTX0) c_raw("05 00");
    c_close(); /* [0] */
    if (v == IV_TRAIL_APP) c_raw("05 00");
    c_close(); /* APPLICATION */
}

static void test_init_structure(void) {
    for (int v = 0; v < IV_COUNT; v++) {
        build_init_variant(v);
        REQUIRE(sr_is_ok(wire_writer_status(&cw)));
        spnego_neg_token_init t;
        sr res = parse_init_c(&t);
        bool want_ok = v == IV_OK || v == IV_MAX_MECHS || v == IV_HINTS_OK_EMPTY ||
                       v == IV_MIC4_ONLY;
        if (want_ok ? res.code != SR_OK : res.code != SR_INVALID_TOKEN) {
            fprintf(stderr, "  variant %d -> %s\n", v, sr_code_name(res.code));
            CHECK(0);
            continue;
        }
        if (!want_ok) continue;
        /* Accepted variants rebuild to the same bytes. */
        uint8_t out[8192];
        wire_writer w;
        wire_writer_init_fixed(&w, out, sizeof out);
        CHECK_OK(spnego_build_init_token(&t, &w));
        CHECK(w.len == cw.len && memcmp(out, cbuf, cw.len) == 0);
        if (v == IV_OK) {
            CHECK(t.mech_count == 2 && t.has_req_flags && t.has_mech_token &&
                  t.has_mech_list_mic && !t.init2);
            CHECK_EQ_INT(spnego_flags_from_bits(&t.req_flags), SPNEGO_FLAG_MUTUAL);
        }
        if (v == IV_MAX_MECHS) CHECK_EQ_INT(t.mech_count, SPNEGO_MAX_MECHS);
        if (v == IV_HINTS_OK_EMPTY) CHECK(t.init2 && t.has_neg_hints && !t.has_hint_name);
        if (v == IV_MIC4_ONLY) CHECK(t.init2 && !t.has_neg_hints && t.has_mech_list_mic);
    }
}

/* The MIC view is exactly the encoded MechTypeList, not the [0] wrapper, and
 * it tracks the wire order (a reordered list gives other bytes). */
static void test_mech_list_mic_bytes(void) {
    build_init_variant(IV_OK);
    spnego_neg_token_init t;
    REQUIRE(sr_is_ok(parse_init_c(&t)));
    uint8_t want[64];
    HEX(want, "30 17 06 0a 2b 06 01 04 01 82 37 02 02 0a 06 09 2a 86 48 86 f7 12 01 02 02");
    CHECK_EQ_INT(t.mech_type_list_der.len, want_len);
    REQUIRE(t.mech_type_list_der.len == want_len);
    CHECK_BYTES(t.mech_type_list_der.data, want, want_len);
    CHECK(t.mech_type_list_der.data >= cbuf && t.mech_type_list_der.data < cbuf + cw.len);
    CHECK(t.mech_type_list_der.data[-2] == 0xa0); /* right after the [0] header */
    /* Each OID view lies inside the list view, in order. */
    CHECK(t.mech_types[0].data == t.mech_type_list_der.data + 4);
    CHECK(t.mech_types[1].data == t.mech_type_list_der.data + 16);

    uint8_t out[64];
    wire_writer w;
    wire_writer_init_fixed(&w, out, sizeof out);
    CHECK_OK(spnego_encode_mech_type_list(t.mech_types, t.mech_count, &w));
    CHECK(w.len == want_len && memcmp(out, want, want_len) == 0);
    gss_view swapped[2] = {t.mech_types[1], t.mech_types[0]};
    wire_writer_init_fixed(&w, out, sizeof out);
    CHECK_OK(spnego_encode_mech_type_list(swapped, 2, &w));
    CHECK(w.len == want_len && memcmp(out, want, want_len) != 0);
    /* A list that is not the wire list does not round-trip into the input. */
    spnego_neg_token_init u = t;
    u.mech_types[0] = swapped[0];
    u.mech_types[1] = swapped[1];
    uint8_t rebuilt[256];
    wire_writer_init_fixed(&w, rebuilt, sizeof rebuilt);
    CHECK_OK(spnego_build_init_token(&u, &w));
    CHECK(w.len == cw.len && memcmp(rebuilt, cbuf, cw.len) != 0);
    spnego_neg_token_init p;
    CHECK_OK(spnego_parse_init_token(rebuilt, w.len, &p));
    CHECK(p.mech_type_list_der.len == want_len &&
          memcmp(p.mech_type_list_der.data, want, want_len) != 0);
}

enum {
    RV_OK,
    RV_STATE_4,
    RV_STATE_NEG,
    RV_STATE_BIG,
    RV_STATE_INTEGER,
    RV_ORDER,
    RV_DUP_STATE,
    RV_DUP_MIC,
    RV_UNKNOWN_TAG4,
    RV_TRAIL_STATE,
    RV_TRAIL_MECH,
    RV_TRAIL_TOKEN,
    RV_TRAIL_MIC,
    RV_TRAIL_SEQ,
    RV_TRAIL_OUTER,
    RV_MECH_NOT_OID,
    RV_WRONG_CHOICE,
    RV_SET_NOT_SEQ,
    RV_EMPTY_WRAPPER,
    RV_COUNT
};

static void build_resp_variant(int v) {
    c_reset();
    c_ctx(v == RV_WRONG_CHOICE ? 0 : 1);
    if (v == RV_SET_NOT_SEQ) c_open(DER_CLASS_UNIVERSAL, DER_TAG_SET);
    else c_seq();
    if (v == RV_ORDER) { c_ctx(1); c_oid(SPNEGO_MECH_NTLM); c_close(); }
    c_ctx(0);
    switch (v) {
    case RV_STATE_4: c_raw("0a 01 04"); break;
    case RV_STATE_NEG: c_raw("0a 01 ff"); break;
    case RV_STATE_BIG: c_raw("0a 02 01 00"); break;
    case RV_STATE_INTEGER: c_raw("02 01 01"); break;
    case RV_EMPTY_WRAPPER: break;
    default: c_raw("0a 01 01"); break;
    }
    if (v == RV_TRAIL_STATE) c_raw("05 00");
    c_close();
    if (v == RV_DUP_STATE) { c_ctx(0); c_raw("0a 01 01"); c_close(); }
    if (v != RV_ORDER) {
        c_ctx(1);
        if (v == RV_MECH_NOT_OID) c_octets("ntlm");
        else c_oid(SPNEGO_MECH_NTLM);
        if (v == RV_TRAIL_MECH) c_raw("05 00");
        c_close();
    }
    c_ctx(2); c_octets("NTLMSSP"); if (v == RV_TRAIL_TOKEN) c_raw("05 00"); c_close();
    c_ctx(3); c_octets("mic"); if (v == RV_TRAIL_MIC) c_raw("05 00"); c_close();
    if (v == RV_DUP_MIC) { c_ctx(3); c_octets("mic"); c_close(); }
    if (v == RV_UNKNOWN_TAG4) { c_ctx(4); c_octets("x"); c_close(); }
    if (v == RV_TRAIL_SEQ) c_raw("05 00");
    c_close();
    if (v == RV_TRAIL_OUTER) c_raw("05 00");
    c_close();
}

static void test_resp_structure(void) {
    for (int v = 0; v < RV_COUNT; v++) {
        build_resp_variant(v);
        REQUIRE(sr_is_ok(wire_writer_status(&cw)));
        spnego_neg_token_resp r;
        sr res = parse_resp_c(&r);
        sr_code want = v == RV_OK ? SR_OK : SR_INVALID_TOKEN;
        if (res.code != want) {
            fprintf(stderr, "  variant %d -> %s\n", v, sr_code_name(res.code));
            CHECK(0);
        }
    }
    /* Every negState value 0..3 accepted; the ENUMERATED range beyond rejected. */
    for (int st = -2; st <= 6; st++) {
        c_reset();
        c_ctx(1); c_seq(); c_ctx(0);
        REQUIRE(sr_is_ok(der_write_enumerated(&cw, st)));
        c_close(); c_close(); c_close();
        spnego_neg_token_resp r;
        CHECK_SR(parse_resp_c(&r), st >= 0 && st <= 3 ? SR_OK : SR_INVALID_TOKEN);
        if (st >= 0 && st <= 3) CHECK(r.has_neg_state && (int)r.neg_state == st);
    }
}

/* Nesting: a reader already deep cannot descend further; garbage nesting is
 * rejected. */
static void test_nesting(void) {
    blob b;
    REQUIRE(load("mit_ntlm_init.bin", &b));
    spnego_neg_token_init t;
    wire_reader r;
    wire_reader_init(&r, b.data, b.len);
    r.depth = WIRE_MAX_DEPTH - 3; /* token needs 6 more levels */
    CHECK_SR(spnego_read_init_token(&r, &t), SR_INVALID_TOKEN);
    CHECK_EQ_INT(r.pos, 0);
    wire_reader_init(&r, b.data, b.len);
    r.depth = WIRE_MAX_DEPTH - 6;
    CHECK_OK(spnego_read_init_token(&r, &t));
    CHECK_EQ_INT(r.pos, b.len);

    /* 40 nested [0] wrappers in the place of the NegTokenInit. */
    c_reset();
    c_open(DER_CLASS_APPLICATION, 0);
    c_oid(SPNEGO_MECH_SPNEGO);
    for (int i = 0; i < 40; i++) c_ctx(0);
    c_raw("05 00");
    for (int i = 0; i < 40; i++) c_close();
    c_close();
    CHECK_SR(parse_init_c(&t), SR_INVALID_TOKEN);
    /* Nested [1] wrappers in a NegTokenResp. */
    c_reset();
    for (int i = 0; i < 40; i++) c_ctx(1);
    c_raw("30 00");
    for (int i = 0; i < 40; i++) c_close();
    spnego_neg_token_resp rr;
    CHECK_SR(parse_resp_c(&rr), SR_INVALID_TOKEN);
}

/* Failing reader-variant parses leave the reader where it was. */
static void test_reader_unchanged_on_failure(void) {
    blob b;
    REQUIRE(load("mit_ntlm_resp_challenge.bin", &b));
    b.data[b.len] = 0x00;
    wire_reader r;
    wire_reader_init(&r, b.data, b.len + 1);
    spnego_neg_token_resp resp;
    CHECK_SR(spnego_read_neg_token_resp(&r, &resp), SR_INVALID_TOKEN);
    CHECK_EQ_INT(r.pos, 0);
    wire_reader_init(&r, b.data, b.len);
    CHECK_OK(spnego_read_neg_token_resp(&r, &resp));
    CHECK_EQ_INT(r.pos, b.len);
    spnego_neg_token_init t;
    wire_reader_init(&r, b.data, b.len);
    CHECK_SR(spnego_read_neg_token_init(&r, &t), SR_INVALID_TOKEN);
    CHECK_EQ_INT(r.pos, 0);
}

int main(void) {
    TEST_RUN(test_oids);
    TEST_RUN(test_mit_init);
    TEST_RUN(test_mit_resps);
    TEST_RUN(test_windows_init);
    TEST_RUN(test_windows_init2_server);
    TEST_RUN(test_windows_resps);
    TEST_RUN(test_round_trip_files);
    TEST_RUN(test_resp_every_subset);
    TEST_RUN(test_init_every_subset);
    TEST_RUN(test_builder_errors);
    TEST_RUN(test_gss_framing);
    TEST_RUN(test_token_kind);
    TEST_RUN(test_truncated_every_prefix);
    TEST_RUN(test_trailing_after_token);
    TEST_RUN(test_der_strictness);
    TEST_RUN(test_init_structure);
    TEST_RUN(test_mech_list_mic_bytes);
    TEST_RUN(test_resp_structure);
    TEST_RUN(test_nesting);
    TEST_RUN(test_reader_unchanged_on_failure);
    return test_summary();
}
