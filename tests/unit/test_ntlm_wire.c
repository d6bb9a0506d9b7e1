/*
 * NTLM wire codec (src/packages/ntlm/ntlm_wire.c): MS-NLMP 4.2 sample
 * messages, build->parse round trips, and malformed input.
 */
#include <stdlib.h>

#include "packages/ntlm/ntlm_wire.h"
#include "testlib.h"

/* ---- MS-NLMP 4.2 sample messages ---------------------------------- */

/* 4.2.2.3 NTLMv1: CHALLENGE and AUTHENTICATE. */
static const char *V1_CHALLENGE =
    "4e544c4d53535000020000000c000c0038000000338202e20123456789abcdef"
    "00000000000000000000000000000000060070170000000f5300650072007600"
    "65007200";
static const char *V1_AUTHENTICATE =
    "4e544c4d5353500003000000180018006c00000018001800840000000c000c00"
    "480000000800080054000000100010005c000000100010009c000000358280e2"
    "0501280a0000000f44006f006d00610069006e00550073006500720043004f00"
    "4d005000550054004500520098def7b87f88aa5dafe2df779688a172def11c7d"
    "5ccdef1367c43011f30298a2ad35ece64f16331c44bdbed927841f9451882"
    "2b1b3f350c8958682ecbb3e3cb7";
/* 4.2.3.3 NTLMv1 with client challenge (extended session security). */
static const char *ESS_CHALLENGE =
    "4e544c4d53535000020000000c000c003800000033820a820123456789abcdef"
    "00000000000000000000000000000000060070170000000f5300650072007600"
    "65007200";
static const char *ESS_AUTHENTICATE =
    "4e544c4d5353500003000000180018006c00000018001800840000000c000c00"
    "480000000800080054000000100010005c000000000000009c00000035820882"
    "0501280a0000000f44006f006d00610069006e00550073006500720043004f00"
    "4d0050005500540045005200aaaaaaaaaaaaaaaa000000000000000000000000"
    "000000007537f803ae367128ca458204bde7caf81e97ed2683267232";
/* 4.2.4.3 NTLMv2. */
static const char *V2_CHALLENGE =
    "4e544c4d53535000020000000c000c003800000033828ae20123456789abcdef"
    "00000000000000002400240044000000060070170000000f5300650072007600"
    "6500720002000c0044006f006d00610069006e0001000c005300650072007600"
    "6500720000000000";
static const char *V2_AUTHENTICATE =
    "4e544c4d5353500003000000180018006c00000054005400840000000c000c00"
    "480000000800080054000000100010005c00000010001000d8000000358288e2"
    "0501280a0000000f44006f006d00610069006e00550073006500720043004f00"
    "4d005000550054004500520086c35097ac9cec102554764a57cccc19aaaaaaaa"
    "aaaaaaaa68cd0ab851e51c96aabc927bebef6a1c010100000000000000000000"
    "00000000aaaaaaaaaaaaaaaa0000000002000c0044006f006d00610069006e00"
    "01000c005300650072007600650072000000000000000000c5dad2544fc97990"
    "94ce1ce90bc9d03e";
/* 4.2.4.1.3 target info / blob AV list. */
static const char *V2_TARGET_INFO =
    "02000c0044006f006d00610069006e0001000c00530065007200760065007200"
    "00000000";

/* A Windows-style NEGOTIATE (40 bytes: empty fields, VERSION 6.1.7600). */
static const char *WIN_NEGOTIATE =
    "4e544c4d535350000100000033828ae200000000000000000000000000000000"
    "0601b01d0000000f";
/* Chromium's NEGOTIATE (32 bytes, no VERSION, empty fields at 0x20). */
static const char *CHROMIUM_NEGOTIATE =
    "4e544c4d53535000010000000782080000000000200000000000000020000000";
/* Chromium's AUTHENTICATE for the 4.2.4.3 challenge: 88-byte header with a
 * zeroed Version slot and a MIC but WITHOUT the VERSION flag; NT response
 * with MsvAvFlags (MIC), channel bindings and MsvAvTargetName. */
static const char *CHROMIUM_AUTHENTICATE =
    "4e544c4d535350000300000018001800580000008a008a00700000000c000c00"
    "fa0000000800080006010000100010000e010000000000005800000003820800"
    "0000000000000000f7361633f0ad9bdf4a7c421bc6b824a30000000000000000"
    "000000000000000000000000000000008c0260dbef690662af9c42d50782d2ed"
    "0101000000000000800bc8fd00d4d201aaaaaaaaaaaaaaaa0000000002000c00"
    "44006f006d00610069006e0001000c0053006500720076006500720006000400"
    "020000000a0010006586e99d81c2fc984e47172fd4dd03100900160048005400"
    "540050002f00530065007200760065007200000000000000000044006f006d00"
    "610069006e00550073006500720043004f004d0050005500540045005200";

typedef struct buf {
    uint8_t b[1024];
    size_t n;
} buf;

static buf hex(const char *h) {
    buf x;
    long n = test_hex(h, x.b, sizeof x.b);
    if (n < 0) {
        fprintf(stderr, "bad test hex\n");
        abort();
    }
    x.n = (size_t)n;
    return x;
}

static void put16(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* Set the descriptor at `at` to (len, len, off). */
static void set_field(uint8_t *msg, size_t at, uint16_t len, uint32_t off) {
    put16(msg + at, len);
    put16(msg + at + 2, len);
    put32(msg + at + 4, off);
}

static int bytes_is(ntlm_bytes b, const char *h) {
    buf x = hex(h);
    return b.len == x.n && (x.n == 0 || (b.data != NULL && memcmp(b.data, x.b, x.n) == 0));
}

static int utf16_is(ntlm_bytes b, const char *ascii) {
    size_t n = strlen(ascii);
    if (b.len != 2 * n) return 0;
    for (size_t i = 0; i < n; i++)
        if (b.data[2 * i] != (uint8_t)ascii[i] || b.data[2 * i + 1] != 0) return 0;
    return 1;
}

static int same_bytes(ntlm_bytes a, ntlm_bytes b) {
    return a.len == b.len && (a.len == 0 || memcmp(a.data, b.data, a.len) == 0);
}

/* Build with w (growable), compare to the expected bytes. */
static int writer_is(wire_writer *w, const buf *want) {
    if (!sr_is_ok(wire_writer_status(w))) return 0;
    if (w->len != want->n) {
        fprintf(stderr, "  length %zu, expected %zu\n", w->len, want->n);
        return 0;
    }
    return CHECK_BYTES(w->data, want->b, want->n);
}

static const uint8_t SPEC_CHALLENGE[8] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};

/* ---- sample messages ---------------------------------------------- */

static void test_ntlm_spec_v1_challenge(void) {
    buf m = hex(V1_CHALLENGE);
    ntlm_challenge_msg c;
    REQUIRE(sr_is_ok(ntlm_parse_challenge(m.b, m.n, &c)));
    CHECK_EQ_INT(c.flags, 0xe2028233u);
    CHECK(utf16_is(c.target_name, "Server"));
    CHECK_BYTES(c.server_challenge, SPEC_CHALLENGE, 8);
    CHECK(c.target_info.len == 0 && c.target_info.data == NULL);
    CHECK(c.has_version);
    CHECK(bytes_is((ntlm_bytes){c.version.bytes, 8}, "060070170000000f"));
    CHECK_EQ_INT(ntlm_message_type(m.b, m.n), NTLM_MSG_CHALLENGE);

    /* The builder reproduces the sample byte for byte. */
    wire_writer w;
    REQUIRE(sr_is_ok(wire_writer_init_alloc(&w, 0)));
    CHECK_OK(ntlm_build_challenge(&c, &w));
    CHECK(writer_is(&w, &m));
    wire_writer_free(&w);

    buf e = hex(ESS_CHALLENGE);
    REQUIRE(sr_is_ok(ntlm_parse_challenge(e.b, e.n, &c)));
    CHECK_EQ_INT(c.flags, 0x820a8233u);
    CHECK(utf16_is(c.target_name, "Server"));
    REQUIRE(sr_is_ok(wire_writer_init_alloc(&w, 0)));
    CHECK_OK(ntlm_build_challenge(&c, &w));
    CHECK(writer_is(&w, &e));
    wire_writer_free(&w);
}

static void test_ntlm_spec_v1_authenticate(void) {
    buf m = hex(V1_AUTHENTICATE);
    ntlm_authenticate_msg a;
    REQUIRE(sr_is_ok(ntlm_parse_authenticate(m.b, m.n, &a)));
    CHECK_EQ_INT(a.flags, 0xe2808235u);
    CHECK(utf16_is(a.domain, "Domain"));
    CHECK(utf16_is(a.user, "User"));
    CHECK(utf16_is(a.workstation, "COMPUTER"));
    CHECK(bytes_is(a.lm_response, "98def7b87f88aa5dafe2df779688a172def11c7d5ccdef13"));
    CHECK(bytes_is(a.nt_response, "67c43011f30298a2ad35ece64f16331c44bdbed927841f94"));
    CHECK(bytes_is(a.encrypted_session_key, "518822b1b3f350c8958682ecbb3e3cb7"));
    CHECK(a.has_version);
    CHECK(bytes_is((ntlm_bytes){a.version.bytes, 8}, "0501280a0000000f"));
    CHECK(!a.has_mic_field);
    CHECK_EQ_INT(ntlm_message_type(m.b, m.n), NTLM_MSG_AUTHENTICATE);

    wire_writer w;
    REQUIRE(sr_is_ok(wire_writer_init_alloc(&w, 0)));
    CHECK_OK(ntlm_build_authenticate(&a, false, &w));
    CHECK(writer_is(&w, &m));
    wire_writer_free(&w);

    /* 4.2.3.3: empty session key (offset = end of message). */
    buf e = hex(ESS_AUTHENTICATE);
    REQUIRE(sr_is_ok(ntlm_parse_authenticate(e.b, e.n, &a)));
    CHECK_EQ_INT(a.flags, 0x82088235u);
    CHECK(bytes_is(a.lm_response, "aaaaaaaaaaaaaaaa00000000000000000000000000000000"));
    CHECK(bytes_is(a.nt_response, "7537f803ae367128ca458204bde7caf81e97ed2683267232"));
    CHECK(a.encrypted_session_key.len == 0 && a.encrypted_session_key.data == NULL);
    REQUIRE(sr_is_ok(wire_writer_init_alloc(&w, 0)));
    CHECK_OK(ntlm_build_authenticate(&a, false, &w));
    CHECK(writer_is(&w, &e));
    wire_writer_free(&w);
}

static void test_ntlm_spec_v2_messages(void) {
    buf m = hex(V2_CHALLENGE);
    ntlm_challenge_msg c;
    REQUIRE(sr_is_ok(ntlm_parse_challenge(m.b, m.n, &c)));
    CHECK_EQ_INT(c.flags, 0xe28a8233u);
    CHECK(utf16_is(c.target_name, "Server"));
    CHECK(bytes_is(c.target_info, V2_TARGET_INFO));
    CHECK(c.has_version);
    wire_writer w;
    REQUIRE(sr_is_ok(wire_writer_init_alloc(&w, 0)));
    CHECK_OK(ntlm_build_challenge(&c, &w));
    CHECK(writer_is(&w, &m));
    wire_writer_free(&w);

    ntlm_av_info av;
    REQUIRE(sr_is_ok(ntlm_av_parse(c.target_info.data, c.target_info.len, &av)));
    CHECK(utf16_is(av.nb_domain, "Domain"));
    CHECK(utf16_is(av.nb_computer, "Server"));
    CHECK(!av.has_flags && !av.has_timestamp && !av.has_channel_bindings);
    CHECK(av.dns_computer.len == 0 && av.target_name.len == 0);

    buf am = hex(V2_AUTHENTICATE);
    ntlm_authenticate_msg a;
    REQUIRE(sr_is_ok(ntlm_parse_authenticate(am.b, am.n, &a)));
    CHECK_EQ_INT(a.flags, 0xe2888235u);
    CHECK(utf16_is(a.domain, "Domain"));
    CHECK(utf16_is(a.user, "User"));
    CHECK(utf16_is(a.workstation, "COMPUTER"));
    CHECK(bytes_is(a.lm_response, "86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa"));
    CHECK(bytes_is(a.encrypted_session_key, "c5dad2544fc9799094ce1ce90bc9d03e"));
    CHECK(a.nt_response.len == 84);
    CHECK(a.has_version && !a.has_mic_field);
    REQUIRE(sr_is_ok(wire_writer_init_alloc(&w, 0)));
    CHECK_OK(ntlm_build_authenticate(&a, false, &w));
    CHECK(writer_is(&w, &am));
    wire_writer_free(&w);

    /* The NTLMv2 response: NTProofStr + blob (4.2.4.1.3 "temp"). */
    const uint8_t *proof = NULL;
    ntlm_bytes blob;
    ntlm_v2_blob vb;
    REQUIRE(sr_is_ok(ntlm_parse_v2_response(a.nt_response.data, a.nt_response.len, &proof, &blob,
                                            &vb)));
    CHECK(bytes_is((ntlm_bytes){proof, 16}, "68cd0ab851e51c96aabc927bebef6a1c"));
    CHECK(blob.len == 68 && blob.data == a.nt_response.data + 16);
    CHECK(vb.timestamp == 0);
    CHECK(bytes_is((ntlm_bytes){vb.client_challenge, 8}, "aaaaaaaaaaaaaaaa"));
    CHECK(bytes_is(vb.av_pairs, V2_TARGET_INFO));

    /* ntlm_write_v2_blob reproduces the blob. */
    REQUIRE(sr_is_ok(wire_writer_init_alloc(&w, 0)));
    CHECK_OK(ntlm_write_v2_blob(&w, vb.timestamp, vb.client_challenge, vb.av_pairs.data,
                                vb.av_pairs.len));
    REQUIRE(w.len == blob.len);
    CHECK_BYTES(w.data, blob.data, blob.len);
    wire_writer_free(&w);
}

static void test_ntlm_negotiate_samples(void) {
    buf m = hex(WIN_NEGOTIATE);
    ntlm_negotiate_msg n;
    REQUIRE(sr_is_ok(ntlm_parse_negotiate(m.b, m.n, &n)));
    CHECK_EQ_INT(n.flags, 0xe28a8233u);
    CHECK(n.has_version);
    CHECK(bytes_is((ntlm_bytes){n.version.bytes, 8}, "0601b01d0000000f"));
    CHECK(n.domain.len == 0 && n.workstation.len == 0);
    CHECK_EQ_INT(ntlm_message_type(m.b, m.n), NTLM_MSG_NEGOTIATE);
    wire_writer w;
    REQUIRE(sr_is_ok(wire_writer_init_alloc(&w, 0)));
    CHECK_OK(ntlm_build_negotiate(&n, &w));
    CHECK(writer_is(&w, &m));
    wire_writer_free(&w);

    buf c = hex(CHROMIUM_NEGOTIATE);
    REQUIRE(sr_is_ok(ntlm_parse_negotiate(c.b, c.n, &n)));
    CHECK_EQ_INT(n.flags, 0x00088207u);
    CHECK(!n.has_version);

    /* The old 16-byte form: flags only. */
    REQUIRE(sr_is_ok(ntlm_parse_negotiate(m.b, 16, &n)));
    CHECK_EQ_INT(n.flags, 0xe28a8233u);
    CHECK(!n.has_version && n.domain.len == 0 && n.workstation.len == 0);

    /* OEM domain and workstation supplied (curl-style, workstation first). */
    uint8_t x[64];
    memset(x, 0, sizeof x);
    memcpy(x, m.b, 16);
    put32(x + 12, NTLMSSP_NEGOTIATE_OEM | NTLMSSP_NEGOTIATE_OEM_DOMAIN_SUPPLIED |
                      NTLMSSP_NEGOTIATE_OEM_WORKSTATION_SUPPLIED);
    memcpy(x + 32, "HOSTDOM", 7);
    set_field(x, 16, 3, 36); /* "DOM" */
    set_field(x, 24, 4, 32); /* "HOST" */
    REQUIRE(sr_is_ok(ntlm_parse_negotiate(x, 39, &n)));
    CHECK(n.domain.len == 3 && memcmp(n.domain.data, "DOM", 3) == 0);
    CHECK(n.workstation.len == 4 && memcmp(n.workstation.data, "HOST", 4) == 0);
    CHECK(!n.has_version);
    /* Without the SUPPLIED flags the fields are not exposed. */
    put32(x + 12, NTLMSSP_NEGOTIATE_OEM);
    REQUIRE(sr_is_ok(ntlm_parse_negotiate(x, 39, &n)));
    CHECK(n.domain.len == 0 && n.workstation.len == 0);
}

/* Chromium: 88-byte header with MIC, VERSION flag clear. */
static void test_ntlm_mic_without_version_flag(void) {
    buf m = hex(CHROMIUM_AUTHENTICATE);
    CHECK_EQ_INT(m.n, 0x11e);
    ntlm_authenticate_msg a;
    REQUIRE(sr_is_ok(ntlm_parse_authenticate(m.b, m.n, &a)));
    CHECK_EQ_INT(a.flags, 0x00088203u);
    CHECK(!a.has_version);
    CHECK(a.has_mic_field);
    CHECK(bytes_is((ntlm_bytes){a.mic, 16}, "f7361633f0ad9bdf4a7c421bc6b824a3"));
    CHECK(utf16_is(a.domain, "Domain") && utf16_is(a.user, "User"));
    CHECK(utf16_is(a.workstation, "COMPUTER"));
    CHECK(a.encrypted_session_key.len == 0);

    const uint8_t *proof;
    ntlm_bytes blob;
    ntlm_v2_blob vb;
    REQUIRE(sr_is_ok(ntlm_parse_v2_response(a.nt_response.data, a.nt_response.len, &proof, &blob,
                                            &vb)));
    CHECK(vb.timestamp == UINT64_C(0x01d2d400fdc80b80));
    ntlm_av_info av;
    REQUIRE(sr_is_ok(ntlm_av_parse(vb.av_pairs.data, vb.av_pairs.len, &av)));
    CHECK(av.has_flags && av.flags == NTLM_AVFLAG_MIC_PRESENT);
    CHECK(av.has_channel_bindings);
    CHECK(bytes_is((ntlm_bytes){av.channel_bindings, 16}, "6586e99d81c2fc984e47172fd4dd0310"));
    CHECK(utf16_is(av.target_name, "HTTP/Server"));

    /* Rebuilt with a MIC slot: same fields, zeroed MIC, still no VERSION. */
    wire_writer w;
    REQUIRE(sr_is_ok(wire_writer_init_alloc(&w, 0)));
    CHECK_OK(ntlm_build_authenticate(&a, true, &w));
    ntlm_authenticate_msg b;
    REQUIRE(sr_is_ok(ntlm_parse_authenticate(w.data, w.len, &b)));
    CHECK(b.has_mic_field && !b.has_version);
    static const uint8_t zero16[16];
    CHECK_BYTES(b.mic, zero16, 16);
    CHECK(same_bytes(a.nt_response, b.nt_response) && same_bytes(a.user, b.user));
    CHECK_EQ_INT(w.len, m.n);
    wire_writer_free(&w);
}

static void test_ntlm_mic_detection(void) {
    ntlm_authenticate_msg a;
    memset(&a, 0, sizeof a);
    static const uint8_t user[] = {'u', 0, 's', 0};
    static const uint8_t nt[24] = {1, 2, 3};
    a.user = (ntlm_bytes){user, sizeof user};
    a.nt_response = (ntlm_bytes){nt, sizeof nt};
    ntlm_version_default(&a.version);
    static const uint8_t ver[8] = {10, 0, 0x61, 0x4a, 0, 0, 0, 15};
    CHECK_BYTES(a.version.bytes, ver, 8);

    struct {
        uint32_t flags;
        bool mic;
        size_t header;
        bool want_version;
    } cases[] = {
        {NTLMSSP_NEGOTIATE_UNICODE, false, 64, false},
        {NTLMSSP_NEGOTIATE_UNICODE | NTLMSSP_NEGOTIATE_VERSION, false, 72, true},
        {NTLMSSP_NEGOTIATE_UNICODE | NTLMSSP_NEGOTIATE_VERSION, true, 88, true},
        {NTLMSSP_NEGOTIATE_UNICODE, true, 88, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        a.flags = cases[i].flags;
        wire_writer w;
        REQUIRE(sr_is_ok(wire_writer_init_alloc(&w, 0)));
        CHECK_OK(ntlm_build_authenticate(&a, cases[i].mic, &w));
        CHECK_EQ_INT(w.len, cases[i].header + sizeof user + sizeof nt);
        ntlm_authenticate_msg b;
        memset(&b, 0xa5, sizeof b);
        CHECK_OK(ntlm_parse_authenticate(w.data, w.len, &b));
        CHECK_EQ_INT(b.has_mic_field, cases[i].mic);
        CHECK_EQ_INT(b.has_version, cases[i].want_version);
        if (b.has_version) CHECK_BYTES(b.version.bytes, ver, 8);
        CHECK(same_bytes(a.user, b.user) && same_bytes(a.nt_response, b.nt_response));
        CHECK(b.lm_response.len == 0 && b.domain.len == 0 && b.workstation.len == 0);

        if (cases[i].mic) {
            /* One payload byte moved into the MIC area: no MIC field. */
            uint8_t *p = w.data;
            /* user field is at 36; its offset is the smallest: 88 -> 87 */
            uint32_t off = (uint32_t)p[40] | (uint32_t)p[41] << 8;
            CHECK_EQ_INT(off, 88);
            set_field(p, 36, sizeof user, 87);
            CHECK_OK(ntlm_parse_authenticate(w.data, w.len, &b));
            CHECK(!b.has_mic_field);
            CHECK_EQ_INT(b.has_version, cases[i].want_version);
        } else if (cases[i].want_version) {
            /* VERSION flag but payload at 64: no room, no VERSION. */
            set_field(w.data, 36, sizeof user, 64);
            CHECK_OK(ntlm_parse_authenticate(w.data, w.len, &b));
            CHECK(!b.has_version && !b.has_mic_field);
        }
        wire_writer_free(&w);
    }

    /* All fields empty: the header is what the message length allows. */
    memset(&a, 0, sizeof a);
    a.flags = NTLMSSP_NEGOTIATE_VERSION;
    ntlm_version_default(&a.version);
    wire_writer w;
    REQUIRE(sr_is_ok(wire_writer_init_alloc(&w, 0)));
    CHECK_OK(ntlm_build_authenticate(&a, true, &w));
    CHECK_EQ_INT(w.len, 88);
    ntlm_authenticate_msg b;
    CHECK_OK(ntlm_parse_authenticate(w.data, w.len, &b));
    CHECK(b.has_mic_field && b.has_version);
    CHECK_OK(ntlm_parse_authenticate(w.data, 72, &b)); /* offsets 88 but Len 0 */
    CHECK(!b.has_mic_field && b.has_version);
    CHECK_OK(ntlm_parse_authenticate(w.data, 64, &b));
    CHECK(!b.has_mic_field && !b.has_version);
    wire_writer_free(&w);
}

/* ---- round trips --------------------------------------------------- */

static void test_ntlm_roundtrip_negotiate(void) {
    ntlm_negotiate_msg n;
    memset(&n, 0, sizeof n);
    n.flags = NTLMSSP_NEGOTIATE_UNICODE | NTLMSSP_NEGOTIATE_OEM | NTLMSSP_REQUEST_TARGET |
              NTLMSSP_NEGOTIATE_NTLM | NTLMSSP_NEGOTIATE_OEM_DOMAIN_SUPPLIED |
              NTLMSSP_NEGOTIATE_OEM_WORKSTATION_SUPPLIED | NTLMSSP_NEGOTIATE_VERSION;
    n.domain = (ntlm_bytes){(const uint8_t *)"DOMAIN", 6};
    n.workstation = (ntlm_bytes){(const uint8_t *)"WKS1", 4};
    ntlm_version_default(&n.version);
    wire_writer w;
    REQUIRE(sr_is_ok(wire_writer_init_alloc(&w, 0)));
    CHECK_OK(wire_write_bytes(&w, "xyz", 3)); /* message not at offset 0 of w */
    CHECK_OK(ntlm_build_negotiate(&n, &w));
    CHECK_EQ_INT(w.len, 3 + 40 + 10);
    ntlm_negotiate_msg p;
    REQUIRE(sr_is_ok(ntlm_parse_negotiate(w.data + 3, w.len - 3, &p)));
    CHECK_EQ_INT(p.flags, n.flags);
    CHECK(same_bytes(p.domain, n.domain) && same_bytes(p.workstation, n.workstation));
    CHECK(p.has_version);
    CHECK_BYTES(p.version.bytes, n.version.bytes, 8);
    /* Domain first, at 40. */
    CHECK(p.domain.data == w.data + 3 + 40);
    wire_writer_free(&w);

    /* Fixed writer: exact size fits, one byte less fails. */
    uint8_t fb[50];
    wire_writer_init_fixed(&w, fb, sizeof fb);
    CHECK_OK(ntlm_build_negotiate(&n, &w));
    CHECK_EQ_INT(w.len, 50);
    wire_writer_init_fixed(&w, fb, 49);
    CHECK_SR(ntlm_build_negotiate(&n, &w), SR_BUFFER_TOO_SMALL);
    CHECK_SR(wire_writer_status(&w), SR_BUFFER_TOO_SMALL);
}

static void test_ntlm_roundtrip_challenge(void) {
    /* Target info built with the AV writer. */
    wire_writer ti;
    REQUIRE(sr_is_ok(wire_writer_init_alloc(&ti, 0)));
    static const uint8_t dom[] = {'D', 0, 'O', 0, 'M', 0};
    static const uint8_t ts[8] = {0x80, 0x0b, 0xc8, 0xfd, 0x00, 0xd4, 0xd2, 0x01};
    CHECK_OK(ntlm_av_write(&ti, NTLM_AV_NB_DOMAIN_NAME, dom, sizeof dom));
    CHECK_OK(ntlm_av_write(&ti, NTLM_AV_NB_COMPUTER_NAME, dom, sizeof dom));
    CHECK_OK(ntlm_av_write(&ti, NTLM_AV_DNS_DOMAIN_NAME, dom, sizeof dom));
    CHECK_OK(ntlm_av_write(&ti, NTLM_AV_DNS_COMPUTER_NAME, dom, sizeof dom));
    CHECK_OK(ntlm_av_write(&ti, NTLM_AV_DNS_TREE_NAME, dom, sizeof dom));
    CHECK_OK(ntlm_av_write(&ti, NTLM_AV_TIMESTAMP, ts, sizeof ts));
    CHECK_OK(ntlm_av_write(&ti, 0x7777, NULL, 0)); /* unknown id: kept, skipped */
    CHECK_OK(ntlm_av_write_eol(&ti));
    ntlm_av_info av;
    REQUIRE(sr_is_ok(ntlm_av_parse(ti.data, ti.len, &av)));
    CHECK(av.has_timestamp && av.timestamp == UINT64_C(0x01d2d400fdc80b80));
    CHECK(same_bytes(av.dns_tree, (ntlm_bytes){dom, sizeof dom}));
    CHECK(same_bytes(av.dns_domain, (ntlm_bytes){dom, sizeof dom}));

    ntlm_challenge_msg c;
    memset(&c, 0, sizeof c);
    c.flags = NTLMSSP_NEGOTIATE_UNICODE | NTLMSSP_NEGOTIATE_TARGET_INFO |
              NTLMSSP_NEGOTIATE_VERSION | NTLMSSP_REQUEST_TARGET;
    c.target_name = (ntlm_bytes){dom, sizeof dom};
    memcpy(c.server_challenge, SPEC_CHALLENGE, 8);
    c.target_info = (ntlm_bytes){ti.data, ti.len};
    ntlm_version_default(&c.version);
    wire_writer w;
    REQUIRE(sr_is_ok(wire_writer_init_alloc(&w, 0)));
    CHECK_OK(ntlm_build_challenge(&c, &w));
    ntlm_challenge_msg p;
    REQUIRE(sr_is_ok(ntlm_parse_challenge(w.data, w.len, &p)));
    CHECK_EQ_INT(p.flags, c.flags);
    CHECK(same_bytes(p.target_name, c.target_name) && same_bytes(p.target_info, c.target_info));
    CHECK_BYTES(p.server_challenge, c.server_challenge, 8);
    CHECK(p.has_version);
    wire_writer_free(&w);

    /* TARGET_INFO flag with no target info: the builder refuses. */
    c.target_info = (ntlm_bytes){NULL, 0};
    REQUIRE(sr_is_ok(wire_writer_init_alloc(&w, 0)));
    CHECK_SR(ntlm_build_challenge(&c, &w), SR_INVALID_PARAMETER);
    wire_writer_free(&w);
    wire_writer_free(&ti);
}

static void test_ntlm_roundtrip_authenticate(void) {
    static const uint8_t lm[24] = {9};
    static const uint8_t nt[40] = {8};
    static const uint8_t key[16] = {7};
    static const uint8_t dom[] = {'D', 0}, user[] = {'U', 0, 'V', 0}, wks[] = {'W', 0};
    ntlm_authenticate_msg a;
    memset(&a, 0, sizeof a);
    a.flags = NTLMSSP_NEGOTIATE_UNICODE | NTLMSSP_NEGOTIATE_VERSION | NTLMSSP_NEGOTIATE_KEY_EXCH;
    a.lm_response = (ntlm_bytes){lm, sizeof lm};
    a.nt_response = (ntlm_bytes){nt, sizeof nt};
    a.domain = (ntlm_bytes){dom, sizeof dom};
    a.user = (ntlm_bytes){user, sizeof user};
    a.workstation = (ntlm_bytes){wks, sizeof wks};
    a.encrypted_session_key = (ntlm_bytes){key, sizeof key};
    ntlm_version_default(&a.version);
    wire_writer w;
    REQUIRE(sr_is_ok(wire_writer_init_alloc(&w, 0)));
    CHECK_OK(ntlm_build_authenticate(&a, true, &w));
    ntlm_authenticate_msg p;
    REQUIRE(sr_is_ok(ntlm_parse_authenticate(w.data, w.len, &p)));
    CHECK(same_bytes(p.lm_response, a.lm_response) && same_bytes(p.nt_response, a.nt_response));
    CHECK(same_bytes(p.domain, a.domain) && same_bytes(p.user, a.user));
    CHECK(same_bytes(p.workstation, a.workstation));
    CHECK(same_bytes(p.encrypted_session_key, a.encrypted_session_key));
    CHECK(p.has_version && p.has_mic_field);
    /* Windows payload order: domain, user, workstation, LM, NT, key. */
    CHECK(p.domain.data == w.data + 88);
    CHECK(p.user.data == p.domain.data + sizeof dom);
    CHECK(p.workstation.data == p.user.data + sizeof user);
    CHECK(p.lm_response.data == p.workstation.data + sizeof wks);
    CHECK(p.nt_response.data == p.lm_response.data + sizeof lm);
    CHECK(p.encrypted_session_key.data == p.nt_response.data + sizeof nt);
    /* The caller patches the MIC at NTLM_AUTH_MIC_OFFSET. */
    static const uint8_t mic[16] = {0xde, 0xad, 0xbe, 0xef};
    CHECK_OK(wire_patch_bytes(&w, NTLM_AUTH_MIC_OFFSET, mic, 16));
    REQUIRE(sr_is_ok(ntlm_parse_authenticate(w.data, w.len, &p)));
    CHECK_BYTES(p.mic, mic, 16);
    wire_writer_free(&w);

    /* Builder refuses what the parser would reject. */
    ntlm_authenticate_msg bad = a;
    bad.encrypted_session_key.len = 8;
    REQUIRE(sr_is_ok(wire_writer_init_alloc(&w, 0)));
    CHECK_SR(ntlm_build_authenticate(&bad, false, &w), SR_INVALID_PARAMETER);
    CHECK_SR(wire_writer_status(&w), SR_INVALID_PARAMETER);
    wire_writer_free(&w);
    bad = a;
    bad.user.len = 3;
    REQUIRE(sr_is_ok(wire_writer_init_alloc(&w, 0)));
    CHECK_SR(ntlm_build_authenticate(&bad, false, &w), SR_INVALID_PARAMETER);
    wire_writer_free(&w);
    bad.flags &= ~NTLMSSP_NEGOTIATE_UNICODE; /* OEM: odd length fine */
    REQUIRE(sr_is_ok(wire_writer_init_alloc(&w, 0)));
    CHECK_OK(ntlm_build_authenticate(&bad, false, &w));
    CHECK_OK(ntlm_parse_authenticate(w.data, w.len, &p));
    CHECK_EQ_INT(p.user.len, 3);
    wire_writer_free(&w);
    bad = a;
    bad.nt_response.data = NULL;
    REQUIRE(sr_is_ok(wire_writer_init_alloc(&w, 0)));
    CHECK_SR(ntlm_build_authenticate(&bad, false, &w), SR_INVALID_PARAMETER);
    wire_writer_free(&w);
}

static void test_ntlm_roundtrip_av_and_blob(void) {
    wire_writer l;
    REQUIRE(sr_is_ok(wire_writer_init_alloc(&l, 0)));
    static const uint8_t name[] = {'H', 0, 'T', 0};
    static const uint8_t cb[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    static const uint8_t flags[4] = {2, 0, 0, 0};
    uint8_t single_host[48];
    memset(single_host, 0x5a, sizeof single_host);
    CHECK_OK(ntlm_av_write(&l, NTLM_AV_FLAGS, flags, 4));
    CHECK_OK(ntlm_av_write(&l, NTLM_AV_CHANNEL_BINDINGS, cb, 16));
    CHECK_OK(ntlm_av_write(&l, NTLM_AV_TARGET_NAME, name, sizeof name));
    CHECK_OK(ntlm_av_write(&l, NTLM_AV_SINGLE_HOST, single_host, sizeof single_host));
    CHECK_OK(ntlm_av_write_eol(&l));
    ntlm_av_info av;
    REQUIRE(sr_is_ok(ntlm_av_parse(l.data, l.len, &av)));
    CHECK(av.has_flags && av.flags == NTLM_AVFLAG_MIC_PRESENT);
    CHECK(av.has_channel_bindings);
    CHECK_BYTES(av.channel_bindings, cb, 16);
    CHECK(same_bytes(av.target_name, (ntlm_bytes){name, sizeof name}));
    CHECK(av.single_host.len == 48);
    CHECK(!av.has_timestamp);

    /* Iteration with ntlm_av_next, including the EOL. */
    wire_reader r;
    wire_reader_init(&r, l.data, l.len);
    uint16_t ids[8];
    size_t k = 0;
    for (;;) {
        uint16_t id;
        ntlm_bytes v;
        REQUIRE(sr_is_ok(ntlm_av_next(&r, &id, &v)));
        REQUIRE(k < 8);
        ids[k++] = id;
        if (id == NTLM_AV_EOL) break;
    }
    CHECK_EQ_INT(k, 5);
    CHECK(ids[0] == NTLM_AV_FLAGS && ids[4] == NTLM_AV_EOL);
    CHECK_EQ_INT(wire_remaining(&r), 0);
    /* A failed read leaves the reader unchanged. */
    uint16_t id;
    ntlm_bytes v;
    wire_reader_init(&r, l.data, 6); /* header ok, value truncated */
    CHECK_SR(ntlm_av_next(&r, &id, &v), SR_INVALID_TOKEN);
    CHECK_EQ_INT(r.pos, 0);

    /* Blob round trip. */
    uint8_t cc[8] = {0xaa, 0xbb, 0xcc, 0xdd, 1, 2, 3, 4};
    uint8_t proof[16] = {0x11};
    wire_writer w;
    REQUIRE(sr_is_ok(wire_writer_init_alloc(&w, 0)));
    CHECK_OK(wire_write_bytes(&w, proof, 16));
    CHECK_OK(ntlm_write_v2_blob(&w, UINT64_C(0x0123456789abcdef), cc, l.data, l.len));
    CHECK_EQ_INT(w.len, 16 + 28 + l.len + 4);
    const uint8_t *pp;
    ntlm_bytes blob;
    ntlm_v2_blob vb;
    REQUIRE(sr_is_ok(ntlm_parse_v2_response(w.data, w.len, &pp, &blob, &vb)));
    CHECK(pp == w.data);
    CHECK(vb.timestamp == UINT64_C(0x0123456789abcdef));
    CHECK_BYTES(vb.client_challenge, cc, 8);
    CHECK(same_bytes(vb.av_pairs, (ntlm_bytes){l.data, l.len}));
    CHECK(blob.data == w.data + 16 && blob.len == w.len - 16);
    wire_writer_free(&w);

    /* ntlm_write_v2_blob refuses a list that does not end with its EOL. */
    REQUIRE(sr_is_ok(wire_writer_init_alloc(&w, 0)));
    CHECK_SR(ntlm_write_v2_blob(&w, 0, cc, l.data, l.len - 4), SR_INVALID_PARAMETER);
    wire_writer_free(&w);
    REQUIRE(sr_is_ok(wire_writer_init_alloc(&w, 0)));
    CHECK_OK(wire_write_bytes(&w, l.data, l.len));
    CHECK_OK(wire_write_u32le(&w, 0)); /* data after EOL */
    wire_writer b2;
    REQUIRE(sr_is_ok(wire_writer_init_alloc(&b2, 0)));
    CHECK_SR(ntlm_write_v2_blob(&b2, 0, cc, w.data, w.len), SR_INVALID_PARAMETER);
    wire_writer_free(&b2);
    wire_writer_free(&w);

    /* Oversized AV value. */
    REQUIRE(sr_is_ok(wire_writer_init_alloc(&w, 0)));
    CHECK_SR(ntlm_av_write(&w, NTLM_AV_TARGET_NAME, name, 70000), SR_INVALID_PARAMETER);
    wire_writer_free(&w);
    wire_writer_free(&l);
}

/* ---- malformed input ---------------------------------------------- */

static void test_ntlm_truncated_every_length(void) {
    const char *chal[] = {V1_CHALLENGE, ESS_CHALLENGE, V2_CHALLENGE};
    const char *auth[] = {V1_AUTHENTICATE, ESS_AUTHENTICATE, V2_AUTHENTICATE,
                          CHROMIUM_AUTHENTICATE};
    for (size_t i = 0; i < 3; i++) {
        buf m = hex(chal[i]);
        for (size_t n = 0; n < m.n; n++) {
            uint8_t *p = malloc(n ? n : 1); /* exact size for ASan */
            REQUIRE(p != NULL);
            memcpy(p, m.b, n);
            ntlm_challenge_msg c;
            memset(&c, 0x5a, sizeof c);
            ntlm_challenge_msg before = c;
            CHECK_SR(ntlm_parse_challenge(p, n, &c), SR_INVALID_TOKEN);
            CHECK(memcmp(&c, &before, sizeof c) == 0);
            free(p);
        }
    }
    for (size_t i = 0; i < 4; i++) {
        buf m = hex(auth[i]);
        for (size_t n = 0; n < m.n; n++) {
            uint8_t *p = malloc(n ? n : 1);
            REQUIRE(p != NULL);
            memcpy(p, m.b, n);
            ntlm_authenticate_msg a;
            memset(&a, 0x5a, sizeof a);
            ntlm_authenticate_msg before = a;
            CHECK_SR(ntlm_parse_authenticate(p, n, &a), SR_INVALID_TOKEN);
            CHECK(memcmp(&a, &before, sizeof a) == 0);
            free(p);
        }
    }
    /* NEGOTIATE: only the 16-byte short form and the 32-byte form without
     * VERSION are valid prefixes of the 40-byte Windows message. */
    buf m = hex(WIN_NEGOTIATE);
    for (size_t n = 0; n < m.n; n++) {
        uint8_t *p = malloc(n ? n : 1);
        REQUIRE(p != NULL);
        memcpy(p, m.b, n);
        ntlm_negotiate_msg g;
        sr r = ntlm_parse_negotiate(p, n, &g);
        if (n == 16 || n >= 32) {
            CHECK_OK(r);
            CHECK(!g.has_version);
        } else {
            CHECK_SR(r, SR_INVALID_TOKEN);
        }
        free(p);
    }
    /* v2 response: every prefix of the Chromium NT response short of the
     * EOL fails; the prefix ending at the EOL (no Z(4)) is accepted. */
    buf c = hex(CHROMIUM_AUTHENTICATE);
    ntlm_authenticate_msg a;
    REQUIRE(sr_is_ok(ntlm_parse_authenticate(c.b, c.n, &a)));
    for (size_t n = 0; n < a.nt_response.len; n++) {
        const uint8_t *pp;
        ntlm_bytes blob;
        ntlm_v2_blob vb;
        sr r = ntlm_parse_v2_response(a.nt_response.data, n, &pp, &blob, &vb);
        if (n >= a.nt_response.len - 4) CHECK_OK(r);
        else CHECK_SR(r, SR_INVALID_TOKEN);
    }
}

static void test_ntlm_bad_signature_and_type(void) {
    buf m = hex(V2_CHALLENGE);
    ntlm_challenge_msg c;
    m.b[7] = 1; /* NTLMSSP\1 */
    CHECK_SR(ntlm_parse_challenge(m.b, m.n, &c), SR_INVALID_TOKEN);
    CHECK_EQ_INT(ntlm_message_type(m.b, m.n), 0);
    m = hex(V2_CHALLENGE);
    m.b[0] = 'n';
    CHECK_SR(ntlm_parse_challenge(m.b, m.n, &c), SR_INVALID_TOKEN);
    m = hex(V2_CHALLENGE);
    put32(m.b + 8, 3);
    CHECK_SR(ntlm_parse_challenge(m.b, m.n, &c), SR_INVALID_TOKEN);
    CHECK_EQ_INT(ntlm_message_type(m.b, m.n), 3);
    put32(m.b + 8, 0x102);
    CHECK_SR(ntlm_parse_challenge(m.b, m.n, &c), SR_INVALID_TOKEN);
    CHECK_EQ_INT(ntlm_message_type(m.b, 11), 0);
    CHECK_EQ_INT(ntlm_message_type(NULL, 0), 0);

    /* Each parser rejects the other message types. */
    buf n = hex(WIN_NEGOTIATE), ch = hex(V2_CHALLENGE), au = hex(V2_AUTHENTICATE);
    ntlm_negotiate_msg g;
    ntlm_authenticate_msg a;
    CHECK_SR(ntlm_parse_negotiate(ch.b, ch.n, &g), SR_INVALID_TOKEN);
    CHECK_SR(ntlm_parse_negotiate(au.b, au.n, &g), SR_INVALID_TOKEN);
    CHECK_SR(ntlm_parse_challenge(n.b, n.n, &c), SR_INVALID_TOKEN);
    CHECK_SR(ntlm_parse_challenge(au.b, au.n, &c), SR_INVALID_TOKEN);
    CHECK_SR(ntlm_parse_authenticate(n.b, n.n, &a), SR_INVALID_TOKEN);
    CHECK_SR(ntlm_parse_authenticate(ch.b, ch.n, &a), SR_INVALID_TOKEN);
    CHECK_SR(ntlm_parse_authenticate(NULL, 0, &a), SR_INVALID_TOKEN);
}

static void test_ntlm_bad_offsets(void) {
    ntlm_authenticate_msg a;
    ntlm_challenge_msg c;
    ntlm_negotiate_msg g;
    buf m;

    /* Offsets past the end; Len one past the end. */
    m = hex(V2_AUTHENTICATE);
    set_field(m.b, 52, 16, (uint32_t)m.n - 15); /* session key */
    CHECK_SR(ntlm_parse_authenticate(m.b, m.n, &a), SR_INVALID_TOKEN);
    m = hex(V2_AUTHENTICATE);
    set_field(m.b, 52, 16, 0x10000);
    CHECK_SR(ntlm_parse_authenticate(m.b, m.n, &a), SR_INVALID_TOKEN);
    m = hex(V2_CHALLENGE);
    put16(m.b + 40, 0x25);
    CHECK_SR(ntlm_parse_challenge(m.b, m.n, &c), SR_INVALID_TOKEN);

    /* Offset + Len overflowing 32 bits. */
    m = hex(V2_AUTHENTICATE);
    set_field(m.b, 20, 0x54, 0xffffffffu);
    CHECK_SR(ntlm_parse_authenticate(m.b, m.n, &a), SR_INVALID_TOKEN);
    set_field(m.b, 20, 0xffff, 0xffff0002u);
    CHECK_SR(ntlm_parse_authenticate(m.b, m.n, &a), SR_INVALID_TOKEN);
    m = hex(V2_CHALLENGE);
    put32(m.b + 44, 0xfffffff0u);
    CHECK_SR(ntlm_parse_challenge(m.b, m.n, &c), SR_INVALID_TOKEN);

    /* Zero Len is accepted whatever the offset. */
    m = hex(V2_AUTHENTICATE);
    set_field(m.b, 44, 0, 0xffffffffu); /* workstation */
    CHECK_OK(ntlm_parse_authenticate(m.b, m.n, &a));
    CHECK(a.workstation.len == 0 && a.workstation.data == NULL);
    set_field(m.b, 44, 0, 3); /* inside the header: fine when empty */
    CHECK_OK(ntlm_parse_authenticate(m.b, m.n, &a));
    m = hex(V1_CHALLENGE);
    put32(m.b + 44, 0xffffffffu); /* TargetInfo Len 0 */
    CHECK_OK(ntlm_parse_challenge(m.b, m.n, &c));

    /* Payload starting inside the fixed header. */
    m = hex(V2_AUTHENTICATE);
    set_field(m.b, 28, 12, 60); /* domain overlaps NegotiateFlags */
    CHECK_SR(ntlm_parse_authenticate(m.b, m.n, &a), SR_INVALID_TOKEN);
    set_field(m.b, 28, 12, 0);
    CHECK_SR(ntlm_parse_authenticate(m.b, m.n, &a), SR_INVALID_TOKEN);
    m = hex(V2_CHALLENGE);
    put32(m.b + 44, 47); /* TargetInfo offset inside the header */
    CHECK_SR(ntlm_parse_challenge(m.b, m.n, &c), SR_INVALID_TOKEN);
    m = hex(V2_CHALLENGE);
    set_field(m.b, 12, 12, 8);
    CHECK_SR(ntlm_parse_challenge(m.b, m.n, &c), SR_INVALID_TOKEN);
    uint8_t neg[48];
    memset(neg, 0, sizeof neg);
    buf wn = hex(WIN_NEGOTIATE);
    memcpy(neg, wn.b, 16);
    put32(neg + 12, NTLMSSP_NEGOTIATE_OEM_DOMAIN_SUPPLIED);
    set_field(neg, 16, 4, 28);
    CHECK_SR(ntlm_parse_negotiate(neg, sizeof neg, &g), SR_INVALID_TOKEN);
    set_field(neg, 16, 4, 32);
    CHECK_OK(ntlm_parse_negotiate(neg, sizeof neg, &g));
    CHECK(g.domain.len == 4 && g.domain.data == neg + 32);
    set_field(neg, 16, 4, 45); /* one past the end */
    CHECK_SR(ntlm_parse_negotiate(neg, sizeof neg, &g), SR_INVALID_TOKEN);
    set_field(neg, 16, 4, 44);
    CHECK_OK(ntlm_parse_negotiate(neg, sizeof neg, &g));

    /* Overlapping payload fields. */
    m = hex(V2_AUTHENTICATE);
    set_field(m.b, 36, 8, 0x48 + 4); /* user inside domain */
    CHECK_SR(ntlm_parse_authenticate(m.b, m.n, &a), SR_INVALID_TOKEN);
    m = hex(V2_AUTHENTICATE);
    set_field(m.b, 36, 12, 0x48); /* user == domain */
    CHECK_SR(ntlm_parse_authenticate(m.b, m.n, &a), SR_INVALID_TOKEN);
    m = hex(V2_AUTHENTICATE);
    set_field(m.b, 12, 0x18, 0x84 + 0x54 - 1); /* LM overlaps the NT tail by 1 */
    CHECK_SR(ntlm_parse_authenticate(m.b, m.n, &a), SR_INVALID_TOKEN);
    m = hex(V2_CHALLENGE);
    set_field(m.b, 12, 12, 0x44); /* name == start of target info */
    CHECK_SR(ntlm_parse_challenge(m.b, m.n, &c), SR_INVALID_TOKEN);
    /* Adjacent is fine. */
    m = hex(V2_AUTHENTICATE);
    CHECK_OK(ntlm_parse_authenticate(m.b, m.n, &a));
}

static void test_ntlm_flag_consistency(void) {
    ntlm_authenticate_msg a;
    ntlm_challenge_msg c;
    buf m;

    /* Odd lengths under UNICODE. */
    m = hex(V2_AUTHENTICATE);
    put16(m.b + 36, 7); /* user length 7 */
    CHECK_SR(ntlm_parse_authenticate(m.b, m.n, &a), SR_INVALID_TOKEN);
    put32(m.b + 60, 0xe2888235u & ~NTLMSSP_NEGOTIATE_UNICODE); /* OEM: accepted */
    CHECK_OK(ntlm_parse_authenticate(m.b, m.n, &a));
    CHECK_EQ_INT(a.user.len, 7);
    m = hex(V2_AUTHENTICATE);
    put16(m.b + 28, 11); /* domain */
    CHECK_SR(ntlm_parse_authenticate(m.b, m.n, &a), SR_INVALID_TOKEN);
    m = hex(V2_AUTHENTICATE);
    put16(m.b + 44, 15); /* workstation */
    CHECK_SR(ntlm_parse_authenticate(m.b, m.n, &a), SR_INVALID_TOKEN);
    m = hex(V2_AUTHENTICATE);
    put16(m.b + 12, 23); /* LM response: no parity rule */
    CHECK_OK(ntlm_parse_authenticate(m.b, m.n, &a));

    /* EncryptedRandomSessionKey of 0 or 16 bytes only. */
    m = hex(V2_AUTHENTICATE);
    put16(m.b + 52, 15);
    CHECK_SR(ntlm_parse_authenticate(m.b, m.n, &a), SR_INVALID_TOKEN);
    put16(m.b + 52, 0);
    CHECK_OK(ntlm_parse_authenticate(m.b, m.n, &a));

    /* TargetInfo required with NEGOTIATE_TARGET_INFO. */
    m = hex(V2_CHALLENGE);
    put16(m.b + 40, 0);
    CHECK_SR(ntlm_parse_challenge(m.b, m.n, &c), SR_INVALID_TOKEN);
    put32(m.b + 20, 0xe28a8233u & ~NTLMSSP_NEGOTIATE_TARGET_INFO);
    CHECK_OK(ntlm_parse_challenge(m.b, m.n, &c));
    /* Without the flag a present TargetInfo is not exposed. */
    m = hex(V2_CHALLENGE);
    put32(m.b + 20, 0xe28a8233u & ~NTLMSSP_NEGOTIATE_TARGET_INFO);
    CHECK_OK(ntlm_parse_challenge(m.b, m.n, &c));
    CHECK(c.target_info.len == 0);
    /* VERSION flag clear: no VERSION. */
    m = hex(V1_CHALLENGE);
    put32(m.b + 20, 0xe2028233u & ~NTLMSSP_NEGOTIATE_VERSION);
    CHECK_OK(ntlm_parse_challenge(m.b, m.n, &c));
    CHECK(!c.has_version);
    /* 48-byte challenge (no payload) with the VERSION flag: no room. */
    m = hex(V1_CHALLENGE);
    put16(m.b + 12, 0);
    CHECK_OK(ntlm_parse_challenge(m.b, 48, &c));
    CHECK(!c.has_version);
    CHECK_OK(ntlm_parse_challenge(m.b, 56, &c));
    CHECK(c.has_version);
}

static void test_ntlm_oversized(void) {
    size_t big = NTLM_MAX_MESSAGE + 1;
    uint8_t *p = calloc(1, big);
    REQUIRE(p != NULL);
    buf m = hex(V2_AUTHENTICATE);
    memcpy(p, m.b, m.n);
    ntlm_authenticate_msg a;
    CHECK_OK(ntlm_parse_authenticate(p, NTLM_MAX_MESSAGE, &a)); /* trailing zeros ok */
    CHECK_SR(ntlm_parse_authenticate(p, big, &a), SR_INVALID_TOKEN);
    buf c = hex(V2_CHALLENGE);
    memcpy(p, c.b, c.n);
    ntlm_challenge_msg ch;
    CHECK_OK(ntlm_parse_challenge(p, NTLM_MAX_MESSAGE, &ch));
    CHECK_SR(ntlm_parse_challenge(p, big, &ch), SR_INVALID_TOKEN);
    buf n = hex(WIN_NEGOTIATE);
    memcpy(p, n.b, n.n);
    ntlm_negotiate_msg g;
    CHECK_OK(ntlm_parse_negotiate(p, NTLM_MAX_MESSAGE, &g));
    CHECK_SR(ntlm_parse_negotiate(p, big, &g), SR_INVALID_TOKEN);

    /* Builder: exactly NTLM_MAX_MESSAGE is fine, one more byte is not. */
    ntlm_authenticate_msg b;
    memset(&b, 0, sizeof b);
    b.flags = NTLMSSP_NEGOTIATE_VERSION;
    b.nt_response = (ntlm_bytes){p, 65000};
    b.lm_response = (ntlm_bytes){p, NTLM_MAX_MESSAGE - 72 - 65000};
    wire_writer w;
    REQUIRE(sr_is_ok(wire_writer_init_alloc(&w, 0)));
    CHECK_OK(ntlm_build_authenticate(&b, false, &w));
    CHECK_EQ_INT(w.len, NTLM_MAX_MESSAGE);
    CHECK_OK(ntlm_parse_authenticate(w.data, w.len, &a));
    CHECK_EQ_INT(a.nt_response.len, 65000);
    wire_writer_free(&w);
    b.lm_response.len++;
    REQUIRE(sr_is_ok(wire_writer_init_alloc(&w, 0)));
    CHECK_SR(ntlm_build_authenticate(&b, false, &w), SR_INVALID_PARAMETER);
    wire_writer_free(&w);
    free(p);
}

static void test_ntlm_av_malformed(void) {
    ntlm_av_info av;
    buf good = hex(V2_TARGET_INFO);
    CHECK_OK(ntlm_av_parse(good.b, good.n, &av));

    /* No EOL at all. */
    CHECK_SR(ntlm_av_parse(good.b, good.n - 4, &av), SR_INVALID_TOKEN);
    CHECK_SR(ntlm_av_parse(good.b, 0, &av), SR_INVALID_TOKEN);
    CHECK_SR(ntlm_av_parse(NULL, 0, &av), SR_INVALID_TOKEN);
    /* Every prefix fails. */
    for (size_t n = 0; n < good.n; n++) {
        uint8_t *p = malloc(n ? n : 1);
        REQUIRE(p != NULL);
        memcpy(p, good.b, n);
        memset(&av, 0x33, sizeof av);
        ntlm_av_info before = av;
        CHECK_SR(ntlm_av_parse(p, n, &av), SR_INVALID_TOKEN);
        CHECK(memcmp(&av, &before, sizeof av) == 0);
        free(p);
    }
    /* Data after the EOL (even zeros). */
    buf x = hex("02000c0044006f006d00610069006e000000000000000000");
    CHECK_SR(ntlm_av_parse(x.b, x.n, &av), SR_INVALID_TOKEN);
    x = hex("0000000001");
    CHECK_SR(ntlm_av_parse(x.b, x.n, &av), SR_INVALID_TOKEN);
    /* Two EOLs. */
    x = hex("0000000000000000");
    CHECK_SR(ntlm_av_parse(x.b, x.n, &av), SR_INVALID_TOKEN);
    /* EOL with a length. */
    x = hex("0000010000");
    CHECK_SR(ntlm_av_parse(x.b, x.n, &av), SR_INVALID_TOKEN);
    /* Duplicate ids (known and unknown). */
    x = hex("0200020041000200020042000000 0000");
    CHECK_SR(ntlm_av_parse(x.b, x.n, &av), SR_INVALID_TOKEN);
    x = hex("3412000034120000 00000000");
    CHECK_SR(ntlm_av_parse(x.b, x.n, &av), SR_INVALID_TOKEN);
    x = hex("060004000200000006000400020000000000 0000");
    CHECK_SR(ntlm_av_parse(x.b, x.n, &av), SR_INVALID_TOKEN);
    /* Fixed sizes. */
    x = hex("06000300020000 00000000"); /* Flags of 3 */
    CHECK_SR(ntlm_av_parse(x.b, x.n, &av), SR_INVALID_TOKEN);
    x = hex("0600050002000000ff 00000000"); /* Flags of 5 */
    CHECK_SR(ntlm_av_parse(x.b, x.n, &av), SR_INVALID_TOKEN);
    x = hex("06000400020000 00 00000000"); /* Flags of 4: ok */
    CHECK_OK(ntlm_av_parse(x.b, x.n, &av));
    CHECK(av.has_flags && av.flags == 2);
    x = hex("07000400 01020304 00000000"); /* Timestamp of 4 */
    CHECK_SR(ntlm_av_parse(x.b, x.n, &av), SR_INVALID_TOKEN);
    x = hex("0a000800 0102030405060708 00000000"); /* CB of 8 */
    CHECK_SR(ntlm_av_parse(x.b, x.n, &av), SR_INVALID_TOKEN);
    uint8_t sh[4 + 47 + 4];
    memset(sh, 0, sizeof sh);
    put16(sh, NTLM_AV_SINGLE_HOST);
    put16(sh + 2, 47);
    CHECK_SR(ntlm_av_parse(sh, sizeof sh, &av), SR_INVALID_TOKEN);
    /* Pair running past the end. */
    x = hex("02000c0044006f00 00000000");
    CHECK_SR(ntlm_av_parse(x.b, x.n, &av), SR_INVALID_TOKEN);
    /* Lone EOL: valid, empty info. */
    x = hex("00000000");
    CHECK_OK(ntlm_av_parse(x.b, x.n, &av));
    CHECK(!av.has_flags && av.nb_domain.len == 0);
}

static void test_ntlm_v2_response_malformed(void) {
    buf m = hex(V2_AUTHENTICATE);
    ntlm_authenticate_msg a;
    REQUIRE(sr_is_ok(ntlm_parse_authenticate(m.b, m.n, &a)));
    uint8_t r[200];
    size_t n = a.nt_response.len;
    const uint8_t *pp;
    ntlm_bytes blob;
    ntlm_v2_blob vb;

    memcpy(r, a.nt_response.data, n);
    CHECK_OK(ntlm_parse_v2_response(r, n, &pp, &blob, &vb));
    /* More zero padding after the EOL: accepted. */
    memset(r + n, 0, 12);
    CHECK_OK(ntlm_parse_v2_response(r, n + 12, &pp, &blob, &vb));
    CHECK_EQ_INT(vb.av_pairs.len, 36);
    CHECK_EQ_INT(blob.len, n + 12 - 16);
    /* Non-zero data after the EOL: rejected. */
    r[n + 5] = 1;
    CHECK_SR(ntlm_parse_v2_response(r, n + 12, &pp, &blob, &vb), SR_INVALID_TOKEN);
    memcpy(r, a.nt_response.data, n);
    r[n - 1] = 0x80;
    CHECK_SR(ntlm_parse_v2_response(r, n, &pp, &blob, &vb), SR_INVALID_TOKEN);
    /* RespType / HiRespType. */
    memcpy(r, a.nt_response.data, n);
    r[16] = 2;
    CHECK_SR(ntlm_parse_v2_response(r, n, &pp, &blob, &vb), SR_INVALID_TOKEN);
    memcpy(r, a.nt_response.data, n);
    r[17] = 0;
    CHECK_SR(ntlm_parse_v2_response(r, n, &pp, &blob, &vb), SR_INVALID_TOKEN);
    /* Reserved fields are ignored on receipt. */
    memcpy(r, a.nt_response.data, n);
    r[18] = r[20] = r[40] = 0xff;
    CHECK_OK(ntlm_parse_v2_response(r, n, &pp, &blob, &vb));
    /* Minimal: header + EOL = 48 bytes; 47 too short; NTLMv1 24 rejected. */
    memset(r, 0, 48);
    r[16] = r[17] = 1;
    CHECK_OK(ntlm_parse_v2_response(r, 48, &pp, &blob, &vb));
    CHECK_EQ_INT(vb.av_pairs.len, 4);
    CHECK_SR(ntlm_parse_v2_response(r, 47, &pp, &blob, &vb), SR_INVALID_TOKEN);
    CHECK_SR(ntlm_parse_v2_response(r, 24, &pp, &blob, &vb), SR_INVALID_TOKEN);
    /* Bad AV list inside the blob (duplicate) and no EOL. */
    buf d = hex("0101000000000000 0000000000000000 aaaaaaaaaaaaaaaa 00000000"
                "0600040002000000 0600040002000000 00000000 00000000");
    memset(r, 0, 16);
    memcpy(r + 16, d.b, d.n);
    CHECK_SR(ntlm_parse_v2_response(r, 16 + d.n, &pp, &blob, &vb), SR_INVALID_TOKEN);
    d = hex("0101000000000000 0000000000000000 aaaaaaaaaaaaaaaa 00000000"
            "0600040002000000 06000000");
    memcpy(r + 16, d.b, d.n);
    CHECK_SR(ntlm_parse_v2_response(r, 16 + d.n, &pp, &blob, &vb), SR_INVALID_TOKEN);
    /* Outputs untouched on failure. */
    pp = (const uint8_t *)"x";
    blob.data = NULL;
    blob.len = 12345;
    CHECK_SR(ntlm_parse_v2_response(r, 16 + d.n, &pp, &blob, &vb), SR_INVALID_TOKEN);
    CHECK(blob.len == 12345 && pp[0] == 'x');
}

int main(void) {
    TEST_RUN(test_ntlm_spec_v1_challenge);
    TEST_RUN(test_ntlm_spec_v1_authenticate);
    TEST_RUN(test_ntlm_spec_v2_messages);
    TEST_RUN(test_ntlm_negotiate_samples);
    TEST_RUN(test_ntlm_mic_without_version_flag);
    TEST_RUN(test_ntlm_mic_detection);
    TEST_RUN(test_ntlm_roundtrip_negotiate);
    TEST_RUN(test_ntlm_roundtrip_challenge);
    TEST_RUN(test_ntlm_roundtrip_authenticate);
    TEST_RUN(test_ntlm_roundtrip_av_and_blob);
    TEST_RUN(test_ntlm_truncated_every_length);
    TEST_RUN(test_ntlm_bad_signature_and_type);
    TEST_RUN(test_ntlm_bad_offsets);
    TEST_RUN(test_ntlm_flag_consistency);
    TEST_RUN(test_ntlm_oversized);
    TEST_RUN(test_ntlm_av_malformed);
    TEST_RUN(test_ntlm_v2_response_malformed);
    return test_summary();
}
