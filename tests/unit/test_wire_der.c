/* Unit tests for the strict DER codec (src/wire/der.c). */
#include <stdlib.h>

#include "testlib.h"
#include "wire/der.h"

/* testlib.h's CHECK_SR names its parameter `code`, which also rewrites the
 * `.code` member access; local version with a distinct parameter name. */
#undef CHECK_SR
#undef CHECK_OK
#define CHECK_SR(expr, want) do { sr r_ = (expr); if (r_.code != (want)) { char m_[256]; \
    snprintf(m_, sizeof m_, "%s -> %s, expected %s", #expr, sr_code_name(r_.code), \
             sr_code_name(want)); test_fail(__FILE__, __LINE__, m_); } } while (0)
#define CHECK_OK(expr) CHECK_SR(expr, SR_OK)

/* Parse hex into a caller array, declaring (HEX) or assigning (REHEX) <buf>_len. */
#define HEX(buf, text) size_t buf##_len = (size_t)test_hex((text), (buf), sizeof (buf))
#define REHEX(buf, text) buf##_len = (size_t)test_hex((text), (buf), sizeof (buf))

/* Reading one TLV from `hex` must fail and leave the reader untouched. */
static int tlv_rejected(const char *hex) {
    uint8_t buf[64];
    long n = test_hex(hex, buf, sizeof buf);
    if (n < 0) return 0;
    wire_reader r;
    wire_reader_init(&r, buf, (size_t)n);
    der_tlv t;
    sr res = der_read_tlv(&r, &t);
    return res.code == SR_INVALID_TOKEN && r.pos == 0;
}

/* Reading one TLV from `hex` must succeed, consume everything, and yield
 * the given identifier and length. */
static int tlv_accepted(const char *hex, uint8_t cls, bool cons, uint32_t tag, size_t len) {
    uint8_t buf[64];
    long n = test_hex(hex, buf, sizeof buf);
    if (n < 0) return 0;
    wire_reader r;
    wire_reader_init(&r, buf, (size_t)n);
    der_tlv t;
    if (!sr_is_ok(der_read_tlv(&r, &t))) return 0;
    return t.cls == cls && t.constructed == cons && t.tag == tag &&
           wire_remaining(&t.contents) == len && r.pos == (size_t)n && t.whole == buf &&
           t.whole_len == (size_t)n;
}

static void test_tlv_basic(void) {
    uint8_t buf[16];
    HEX(buf, "30 06 02 01 05 04 01 aa ff");
    wire_reader r;
    wire_reader_init(&r, buf, buf_len);
    der_tlv t;
    CHECK_OK(der_read_tlv(&r, &t));
    CHECK_EQ_INT(t.cls, DER_CLASS_UNIVERSAL);
    CHECK(t.constructed);
    CHECK_EQ_INT(t.tag, DER_TAG_SEQUENCE);
    CHECK(t.whole == buf);
    CHECK_EQ_INT(t.whole_len, 8);
    CHECK_EQ_INT(t.contents.len, 6);
    CHECK_EQ_INT(t.contents.depth, 1);
    CHECK(t.contents.data == buf + 2);
    CHECK_EQ_INT(wire_remaining(&r), 1);
    int64_t v = 0;
    CHECK_OK(der_read_int64(&t.contents, &v));
    CHECK_EQ_INT(v, 5);
    const uint8_t *p;
    size_t n;
    CHECK_OK(der_read_octet_string(&t.contents, &p, &n));
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(p[0], 0xaa);
    CHECK_OK(wire_expect_end(&t.contents));
    /* Trailing 0xff is neither a valid identifier+length. */
    CHECK_SR(der_read_tlv(&r, &t), SR_INVALID_TOKEN);
    CHECK_EQ_INT(r.pos, 8);

    /* Classes and the constructed bit. */
    CHECK(tlv_accepted("a0 00", DER_CLASS_CONTEXT, true, 0, 0));
    CHECK(tlv_accepted("60 00", DER_CLASS_APPLICATION, true, 0, 0));
    CHECK(tlv_accepted("5e 01 00", DER_CLASS_APPLICATION, false, 30, 1));
    CHECK(tlv_accepted("c3 00", DER_CLASS_PRIVATE, false, 3, 0));
    CHECK(tlv_accepted("05 00", DER_CLASS_UNIVERSAL, false, DER_TAG_NULL, 0));
    /* Empty and truncated. */
    CHECK(tlv_rejected(""));
    CHECK(tlv_rejected("30"));
}

static void test_lengths(void) {
    CHECK(tlv_rejected("30 80 02 01 00 00 00")); /* indefinite */
    CHECK(tlv_rejected("04 81 05 01 02 03 04 05")); /* long form for 5 */
    CHECK(tlv_rejected("04 81 7f"));                /* long form for 127 */
    CHECK(tlv_rejected("04 82 00 05 01 02 03 04 05")); /* leading zero octet */
    CHECK(tlv_rejected("04 82 00 80"));
    CHECK(tlv_rejected("04 05 01 02 03 04"));    /* beyond input */
    CHECK(tlv_rejected("04 01"));
    CHECK(tlv_rejected("04 81"));                /* truncated length */
    CHECK(tlv_rejected("04 82 01"));
    CHECK(tlv_rejected("04 ff"));                /* reserved */
    CHECK(tlv_rejected("04 84 01 00 00 01"));    /* > DER_MAX_LENGTH */
    CHECK(tlv_rejected("04 84 ff ff ff ff"));
    CHECK(tlv_rejected("04 85 00 00 00 00 01"));
    CHECK(tlv_rejected("04 88 00 00 00 00 00 00 00 01"));
    CHECK(tlv_rejected("04 84 01 00 00 00"));    /* = max, but not there */
    CHECK(tlv_accepted("04 00", 0, false, 4, 0));
    CHECK(tlv_accepted("04 01 00", 0, false, 4, 1));

    /* 0x81 0x80 (128) is the minimal encoding of 128. */
    uint8_t *big = malloc(DER_MAX_LENGTH + 5);
    REQUIRE(big != NULL);
    memset(big, 0, DER_MAX_LENGTH + 5);
    big[0] = 0x04;
    big[1] = 0x81;
    big[2] = 0x80;
    wire_reader r;
    der_tlv t;
    wire_reader_init(&r, big, 3 + 128);
    CHECK_OK(der_read_tlv(&r, &t));
    CHECK_EQ_INT(wire_remaining(&t.contents), 128);
    wire_reader_init(&r, big, 3 + 127);
    CHECK_SR(der_read_tlv(&r, &t), SR_INVALID_TOKEN);
    /* 0x82 0x01 0x00 = 256 */
    big[1] = 0x82;
    big[2] = 0x01;
    big[3] = 0x00;
    wire_reader_init(&r, big, 4 + 256);
    CHECK_OK(der_read_tlv(&r, &t));
    CHECK_EQ_INT(wire_remaining(&t.contents), 256);
    /* Exactly DER_MAX_LENGTH is accepted. */
    big[1] = 0x84;
    big[2] = 0x01;
    big[3] = 0x00;
    big[4] = 0x00;
    big[5] = 0x00;
    wire_reader_init(&r, big, 6 + DER_MAX_LENGTH - 1);
    CHECK_SR(der_read_tlv(&r, &t), SR_INVALID_TOKEN);
    free(big);
    big = calloc(1, DER_MAX_LENGTH + 6);
    REQUIRE(big != NULL);
    memcpy(big, "\x04\x84\x01\x00\x00\x00", 6);
    wire_reader_init(&r, big, 6 + DER_MAX_LENGTH);
    CHECK_OK(der_read_tlv(&r, &t));
    CHECK_EQ_INT(wire_remaining(&t.contents), DER_MAX_LENGTH);
    free(big);
}

static void test_nested_limits(void) {
    /* The inner TLV claims more than its enclosing SEQUENCE holds, even
     * though the outer buffer has enough bytes. */
    uint8_t buf[16];
    HEX(buf, "30 03 04 03 aa bb cc");
    wire_reader r;
    wire_reader_init(&r, buf, buf_len);
    wire_reader c;
    CHECK_OK(der_expect(&r, DER_CLASS_UNIVERSAL, true, DER_TAG_SEQUENCE, &c));
    const uint8_t *p;
    size_t n;
    CHECK_SR(der_read_octet_string(&c, &p, &n), SR_INVALID_TOKEN);
    CHECK_EQ_INT(c.pos, 0);
    /* Exact consumption: trailing bytes after the last element. */
    REHEX(buf, "30 04 05 00 05 00");
    wire_reader_init(&r, buf, buf_len);
    CHECK_OK(der_expect(&r, DER_CLASS_UNIVERSAL, true, DER_TAG_SEQUENCE, &c));
    CHECK_OK(der_expect(&c, DER_CLASS_UNIVERSAL, false, DER_TAG_NULL, &(wire_reader){0}));
    CHECK_SR(wire_expect_end(&c), SR_INVALID_TOKEN);
    CHECK_OK(der_expect(&c, DER_CLASS_UNIVERSAL, false, DER_TAG_NULL, &(wire_reader){0}));
    CHECK_OK(wire_expect_end(&c));
}

static void test_high_tags(void) {
    CHECK(tlv_accepted("1f 1f 00", 0, false, 31, 0));
    CHECK(tlv_accepted("bf 7f 00", DER_CLASS_CONTEXT, true, 127, 0));
    CHECK(tlv_accepted("9f 81 00 00", DER_CLASS_CONTEXT, false, 128, 0));
    CHECK(tlv_accepted("7f ff 7f 01 00", DER_CLASS_APPLICATION, true, 16383, 1));
    CHECK(tlv_accepted("1f 81 80 00 00", 0, false, 16384, 0));
    CHECK(tlv_accepted("1f ff ff 7f 00", 0, false, (1u << 21) - 1, 0));
    CHECK(tlv_rejected("1f 1e 00"));          /* < 31 must use the low form */
    CHECK(tlv_rejected("1f 00 00"));
    CHECK(tlv_rejected("1f 80 1f 00"));       /* leading zero septet */
    CHECK(tlv_rejected("1f 80 81 00 00"));
    CHECK(tlv_rejected("1f 81 80 80 00 00")); /* >= 2^21 */
    CHECK(tlv_rejected("1f ff ff ff 7f 00"));
    CHECK(tlv_rejected("1f"));                /* truncated */
    CHECK(tlv_rejected("1f 81"));
    CHECK(tlv_rejected("1f 81 80"));

    /* Writer: every tag size round trips and encodes minimally. */
    static const uint32_t tags[] = {0, 1, 30, 31, 32, 127, 128, 129, 16383, 16384,
                                    (1u << 21) - 1};
    for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++) {
        wire_writer w;
        CHECK_OK(wire_writer_init_alloc(&w, 0));
        der_mark m;
        CHECK_OK(der_begin(&w, DER_CLASS_CONTEXT, true, tags[i], &m));
        CHECK_OK(wire_write_u8(&w, 0x42));
        CHECK_OK(der_end(&w, &m));
        size_t id_len = tags[i] < 31 ? 1 : tags[i] < 128 ? 2 : tags[i] < 16384 ? 3 : 4;
        CHECK_EQ_INT(wire_writer_len(&w), id_len + 2);
        wire_reader r;
        wire_reader_init(&r, w.data, w.len);
        der_tlv t;
        CHECK_OK(der_read_tlv(&r, &t));
        CHECK_EQ_INT(t.tag, tags[i]);
        CHECK_EQ_INT(t.cls, DER_CLASS_CONTEXT);
        CHECK(t.constructed);
        CHECK_EQ_INT(wire_remaining(&t.contents), 1);
        wire_writer_free(&w);
    }
    wire_writer w;
    CHECK_OK(wire_writer_init_alloc(&w, 0));
    der_mark m;
    CHECK_SR(der_begin(&w, DER_CLASS_CONTEXT, true, 1u << 21, &m), SR_INVALID_PARAMETER);
    CHECK_SR(wire_writer_status(&w), SR_INVALID_PARAMETER);
    wire_writer_free(&w);
    CHECK_OK(wire_writer_init_alloc(&w, 0));
    CHECK_SR(der_begin(&w, 0x20, false, 1, &m), SR_INVALID_PARAMETER); /* bad class */
    wire_writer_free(&w);
}

static int64_t read_int_hex(const char *hex, sr *res) {
    uint8_t buf[32];
    long n = test_hex(hex, buf, sizeof buf);
    wire_reader r;
    wire_reader_init(&r, buf, n < 0 ? 0 : (size_t)n);
    int64_t v = 0x5a5a;
    *res = der_read_int64(&r, &v);
    if (!sr_is_ok(*res) && r.pos != 0) *res = sr_make(SR_INTERNAL); /* moved on failure */
    if (sr_is_ok(*res) && r.pos != (size_t)n) *res = sr_make(SR_INTERNAL);
    return v;
}

static void test_integer(void) {
    sr res;
    CHECK_EQ_INT(read_int_hex("02 01 00", &res), 0);
    CHECK_OK(res);
    CHECK_EQ_INT(read_int_hex("02 01 7f", &res), 127);
    CHECK_OK(res);
    CHECK_EQ_INT(read_int_hex("02 02 00 80", &res), 128);
    CHECK_OK(res);
    CHECK_EQ_INT(read_int_hex("02 01 80", &res), -128);
    CHECK_OK(res);
    CHECK_EQ_INT(read_int_hex("02 01 ff", &res), -1);
    CHECK_OK(res);
    CHECK_EQ_INT(read_int_hex("02 02 ff 7f", &res), -129);
    CHECK_OK(res);
    CHECK_EQ_INT(read_int_hex("02 08 7f ff ff ff ff ff ff ff", &res), INT64_MAX);
    CHECK_OK(res);
    CHECK(read_int_hex("02 08 80 00 00 00 00 00 00 00", &res) == INT64_MIN);
    CHECK_OK(res);
    /* Non-minimal, empty, too big, truncated, wrong tag/constructed. */
    read_int_hex("02 02 00 7f", &res);
    CHECK_SR(res, SR_INVALID_TOKEN);
    read_int_hex("02 02 00 00", &res);
    CHECK_SR(res, SR_INVALID_TOKEN);
    read_int_hex("02 02 ff 80", &res);
    CHECK_SR(res, SR_INVALID_TOKEN);
    read_int_hex("02 02 ff ff", &res);
    CHECK_SR(res, SR_INVALID_TOKEN);
    read_int_hex("02 00", &res);
    CHECK_SR(res, SR_INVALID_TOKEN);
    read_int_hex("02 09 00 80 00 00 00 00 00 00 00", &res);
    CHECK_SR(res, SR_INVALID_TOKEN);
    read_int_hex("02 09 01 00 00 00 00 00 00 00 00", &res);
    CHECK_SR(res, SR_INVALID_TOKEN);
    read_int_hex("02 04 01 02", &res);
    CHECK_SR(res, SR_INVALID_TOKEN);
    read_int_hex("0a 01 01", &res);
    CHECK_SR(res, SR_INVALID_TOKEN);
    read_int_hex("22 03 02 01 01", &res);
    CHECK_SR(res, SR_INVALID_TOKEN);

    /* ENUMERATED shares the rules. */
    uint8_t buf[8];
    HEX(buf, "0a 01 02");
    wire_reader r;
    wire_reader_init(&r, buf, buf_len);
    int64_t v;
    CHECK_OK(der_read_enumerated(&r, &v));
    CHECK_EQ_INT(v, 2);

    /* Writer: minimal encodings, round trip. */
    static const struct { int64_t v; const char *hex; } cases[] = {
        {0, "02 01 00"},
        {1, "02 01 01"},
        {127, "02 01 7f"},
        {128, "02 02 00 80"},
        {255, "02 02 00 ff"},
        {256, "02 02 01 00"},
        {-1, "02 01 ff"},
        {-128, "02 01 80"},
        {-129, "02 02 ff 7f"},
        {-256, "02 02 ff 00"},
        {-257, "02 02 fe ff"},
        {0x7fffffff, "02 04 7f ff ff ff"},
        {0x80000000ll, "02 05 00 80 00 00 00"},
        {INT64_MAX, "02 08 7f ff ff ff ff ff ff ff"},
        {INT64_MIN, "02 08 80 00 00 00 00 00 00 00"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t want[16];
        long wn = test_hex(cases[i].hex, want, sizeof want);
        wire_writer w;
        CHECK_OK(wire_writer_init_alloc(&w, 0));
        CHECK_OK(der_write_int64(&w, cases[i].v));
        CHECK_EQ_INT(w.len, wn);
        if (w.len == (size_t)wn) CHECK_BYTES(w.data, want, w.len);
        wire_reader_init(&r, w.data, w.len);
        CHECK_OK(der_read_int64(&r, &v));
        CHECK(v == cases[i].v);
        wire_writer_free(&w);
        CHECK_OK(wire_writer_init_alloc(&w, 0));
        CHECK_OK(der_write_enumerated(&w, cases[i].v));
        CHECK_EQ_INT(w.data[0], 0x0a);
        wire_reader_init(&r, w.data, w.len);
        CHECK_OK(der_read_enumerated(&r, &v));
        CHECK(v == cases[i].v);
        wire_writer_free(&w);
    }
}

static void test_boolean(void) {
    static const struct { const char *hex; int ok; bool v; } cases[] = {
        {"01 01 ff", 1, true}, {"01 01 00", 1, false}, {"01 01 01", 0, false},
        {"01 01 7f", 0, false}, {"01 01 fe", 0, false}, {"01 02 ff ff", 0, false},
        {"01 02 00 00", 0, false}, {"01 00", 0, false}, {"21 01 ff", 0, false},
        {"01 01", 0, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t buf[8];
        HEX(buf, cases[i].hex);
        wire_reader r;
        wire_reader_init(&r, buf, buf_len);
        bool v = !cases[i].v;
        sr res = der_read_boolean(&r, &v);
        if (cases[i].ok) {
            CHECK_OK(res);
            CHECK(v == cases[i].v);
        } else {
            CHECK_SR(res, SR_INVALID_TOKEN);
            CHECK_EQ_INT(r.pos, 0);
        }
    }
    wire_writer w;
    CHECK_OK(wire_writer_init_alloc(&w, 0));
    CHECK_OK(der_write_boolean(&w, true));
    CHECK_OK(der_write_boolean(&w, false));
    CHECK_BYTES(w.data, "\x01\x01\xff\x01\x01\x00", 6);
    wire_writer_free(&w);
}

static void test_oid(void) {
    uint8_t buf[32];
    HEX(buf, "06 06 2b 06 01 05 05 02");
    wire_reader r;
    wire_reader_init(&r, buf, buf_len);
    const uint8_t *oid;
    size_t n;
    CHECK_OK(der_read_oid(&r, &oid, &n));
    CHECK_EQ_INT(n, 6);
    char text[64];
    CHECK_OK(der_oid_to_text(oid, n, text, sizeof text));
    CHECK(strcmp(text, "1.3.6.1.5.5.2") == 0);
    /* Exact fit: strlen + NUL. */
    CHECK_OK(der_oid_to_text(oid, n, text, 14));
    CHECK_SR(der_oid_to_text(oid, n, text, 13), SR_BUFFER_TOO_SMALL);
    CHECK_SR(der_oid_to_text(oid, n, text, 0), SR_BUFFER_TOO_SMALL);
    CHECK_SR(der_oid_to_text(oid, n, NULL, 0), SR_BUFFER_TOO_SMALL);

    static const struct { const char *hex; const char *text; } good[] = {
        {"2a 86 48 86 f7 12 01 02 02", "1.2.840.113554.1.2.2"},
        {"2a 86 48 82 f7 12 01 02 02", "1.2.840.48018.1.2.2"},
        {"2b 06 01 04 01 82 37 02 02 0a", "1.3.6.1.4.1.311.2.2.10"},
        {"2b 06 01 04 01 82 37 02 02 1e", "1.3.6.1.4.1.311.2.2.30"},
        {"00", "0.0"},
        {"27", "0.39"},
        {"28", "1.0"},
        {"4f", "1.39"},
        {"50", "2.0"},
        {"88 37 03", "2.999.3"},
        {"2a ff ff ff ff ff ff ff ff 7f", "1.2.9223372036854775807"},
        {"2a 81 ff ff ff ff ff ff ff ff 7f", "1.2.18446744073709551615"},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        uint8_t o[32];
        long on = test_hex(good[i].hex, o, sizeof o);
        CHECK_OK(der_check_oid_contents(o, (size_t)on));
        CHECK_OK(der_oid_to_text(o, (size_t)on, text, sizeof text));
        if (strcmp(text, good[i].text) != 0) {
            fprintf(stderr, "  oid %s -> %s (want %s)\n", good[i].hex, text, good[i].text);
            CHECK(0);
        }
        /* Writer round trip. */
        wire_writer w;
        CHECK_OK(wire_writer_init_alloc(&w, 0));
        CHECK_OK(der_write_oid(&w, o, (size_t)on));
        wire_reader_init(&r, w.data, w.len);
        CHECK_OK(der_read_oid(&r, &oid, &n));
        CHECK_EQ_INT(n, on);
        CHECK_BYTES(oid, o, n);
        wire_writer_free(&w);
    }
    /* Arc beyond 64 bits: valid DER, not renderable here. */
    uint8_t huge[16];
    long hn = test_hex("2a 82 80 80 80 80 80 80 80 80 00", huge, sizeof huge);
    CHECK_OK(der_check_oid_contents(huge, (size_t)hn));
    CHECK_SR(der_oid_to_text(huge, (size_t)hn, text, sizeof text), SR_UNSUPPORTED);

    static const char *bad[] = {
        "06 03 2b 80 01",    /* 0x80 leading arc byte */
        "06 02 80 01",       /* 0x80 leading first arc */
        "06 02 2b 86",       /* last arc unterminated */
        "06 01 86",
        "06 00",             /* empty */
        "26 03 06 01 2b",    /* constructed */
        "06 03 2b 06",       /* truncated */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        REHEX(buf, bad[i]);
        wire_reader_init(&r, buf, buf_len);
        CHECK_SR(der_read_oid(&r, &oid, &n), SR_INVALID_TOKEN);
        CHECK_EQ_INT(r.pos, 0);
    }
    CHECK_SR(der_check_oid_contents(NULL, 0), SR_INVALID_TOKEN);
    CHECK_SR(der_oid_to_text((const uint8_t *)"\x2b\x80\x01", 3, text, sizeof text),
             SR_INVALID_TOKEN);
    wire_writer w;
    CHECK_OK(wire_writer_init_alloc(&w, 0));
    CHECK_SR(der_write_oid(&w, (const uint8_t *)"\x2b\x80\x01", 3), SR_INVALID_PARAMETER);
    CHECK_SR(wire_writer_status(&w), SR_INVALID_PARAMETER);
    wire_writer_free(&w);
}

static void test_bit_string(void) {
    static const struct { const char *hex; int ok; size_t len; uint8_t unused; } cases[] = {
        {"03 01 00", 1, 0, 0},
        {"03 02 00 ff", 1, 1, 0},
        {"03 02 07 80", 1, 1, 7},
        {"03 05 00 a0 00 00 00", 1, 4, 0}, /* Kerberos KDCOptions shape */
        {"03 01 01", 0, 0, 0},             /* unused bits in empty string */
        {"03 02 08 00", 0, 0, 0},          /* unused > 7 */
        {"03 02 07 81", 0, 0, 0},          /* nonzero unused bit */
        {"03 02 01 01", 0, 0, 0},
        {"03 00", 0, 0, 0},
        {"23 03 03 01 00", 0, 0, 0},       /* constructed */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t buf[16];
        HEX(buf, cases[i].hex);
        wire_reader r;
        wire_reader_init(&r, buf, buf_len);
        const uint8_t *bits;
        size_t n;
        uint8_t unused;
        sr res = der_read_bit_string(&r, &bits, &n, &unused);
        if (cases[i].ok) {
            CHECK_OK(res);
            CHECK_EQ_INT(n, cases[i].len);
            CHECK_EQ_INT(unused, cases[i].unused);
            if (n) CHECK(bits == buf + 3);
            wire_writer w;
            CHECK_OK(wire_writer_init_alloc(&w, 0));
            CHECK_OK(der_write_bit_string(&w, bits, n, unused));
            CHECK_EQ_INT(w.len, buf_len);
            if (w.len == buf_len) CHECK_BYTES(w.data, buf, buf_len);
            wire_writer_free(&w);
        } else {
            CHECK_SR(res, SR_INVALID_TOKEN);
            CHECK_EQ_INT(r.pos, 0);
        }
    }
    wire_writer w;
    CHECK_OK(wire_writer_init_alloc(&w, 0));
    CHECK_SR(der_write_bit_string(&w, NULL, 0, 1), SR_INVALID_PARAMETER);
    wire_writer_free(&w);
    CHECK_OK(wire_writer_init_alloc(&w, 0));
    CHECK_SR(der_write_bit_string(&w, "\x81", 1, 7), SR_INVALID_PARAMETER);
    wire_writer_free(&w);
    CHECK_OK(wire_writer_init_alloc(&w, 0));
    CHECK_SR(der_write_bit_string(&w, "\x80", 1, 8), SR_INVALID_PARAMETER);
    wire_writer_free(&w);
}

static void test_strings_and_time(void) {
    uint8_t buf[64];
    HEX(buf, "1b 0b 45 58 41 4d 50 4c 45 2e 43 4f 4d"     /* GeneralString EXAMPLE.COM */
             "18 0f 32 30 32 34 30 31 30 32 30 33 30 34 30 35 5a" /* 20240102030405Z */
             "24 03 04 01 00");                                /* constructed OCTET STRING */
    wire_reader r;
    wire_reader_init(&r, buf, buf_len);
    const uint8_t *s;
    size_t n;
    CHECK_SR(der_read_generalized_time(&r, &s, &n), SR_INVALID_TOKEN);
    CHECK_OK(der_read_general_string(&r, &s, &n));
    CHECK_EQ_INT(n, 11);
    CHECK_BYTES(s, "EXAMPLE.COM", 11);
    CHECK_OK(der_read_generalized_time(&r, &s, &n));
    CHECK_EQ_INT(n, 15);
    CHECK_BYTES(s, "20240102030405Z", 15);
    CHECK_SR(der_read_octet_string(&r, &s, &n), SR_INVALID_TOKEN); /* DER: primitive only */
    CHECK_EQ_INT(wire_remaining(&r), 5);

    static const struct { const char *t; int ok; } times[] = {
        {"20240102030405Z", 1}, {"20240102030405.5Z", 1}, {"20240102030405.123Z", 1},
        {"20240102030405.10Z", 0}, {"20240102030405.Z", 0}, {"20240102030405", 0},
        {"2024010203040Z", 0}, {"20240102030405+0100", 0}, {"2024010203040aZ", 0},
        {"20240102030405,5Z", 0},
    };
    for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
        size_t tl = strlen(times[i].t);
        wire_writer w;
        CHECK_OK(wire_writer_init_alloc(&w, 0));
        sr wres = der_write_generalized_time(&w, times[i].t, tl);
        uint8_t enc[40];
        enc[0] = 0x18;
        enc[1] = (uint8_t)tl;
        memcpy(enc + 2, times[i].t, tl);
        wire_reader_init(&r, enc, tl + 2);
        sr rres = der_read_generalized_time(&r, &s, &n);
        if (times[i].ok) {
            CHECK_OK(wres);
            CHECK_OK(rres);
            CHECK_EQ_INT(w.len, tl + 2);
            if (w.len == tl + 2) CHECK_BYTES(w.data, enc, tl + 2);
        } else {
            if (wres.code != SR_INVALID_PARAMETER || rres.code != SR_INVALID_TOKEN) {
                fprintf(stderr, "  time %s accepted\n", times[i].t);
                CHECK(0);
            }
        }
        wire_writer_free(&w);
    }

    wire_writer w;
    CHECK_OK(wire_writer_init_alloc(&w, 0));
    CHECK_OK(der_write_general_string(&w, "REALM", 5));
    CHECK_OK(der_write_octet_string(&w, NULL, 0));
    CHECK_OK(der_write_raw(&w, "\x05\x00", 2));
    CHECK_EQ_INT(w.len, 11);
    CHECK_BYTES(w.data, "\x1b\x05REALM\x04\x00\x05\x00", 11);
    wire_writer_free(&w);
}

static void test_peek_expect_optional(void) {
    uint8_t buf[32];
    /* SEQUENCE { [0] INTEGER 5, [2] OCTET STRING 'ab' } */
    HEX(buf, "30 0b a0 03 02 01 05 a2 04 04 02 61 62");
    wire_reader r, seq, c;
    wire_reader_init(&r, buf, buf_len);
    CHECK(der_peek_is(&r, DER_CLASS_UNIVERSAL, true, DER_TAG_SEQUENCE));
    CHECK(!der_peek_is(&r, DER_CLASS_UNIVERSAL, false, DER_TAG_SEQUENCE));
    CHECK(!der_peek_is(&r, DER_CLASS_CONTEXT, true, DER_TAG_SEQUENCE));
    CHECK(!der_peek_is(&r, DER_CLASS_UNIVERSAL, true, DER_TAG_SET));
    CHECK_EQ_INT(r.pos, 0);
    CHECK_SR(der_expect(&r, DER_CLASS_UNIVERSAL, true, DER_TAG_SET, &seq), SR_INVALID_TOKEN);
    CHECK_EQ_INT(r.pos, 0);
    CHECK_OK(der_expect(&r, DER_CLASS_UNIVERSAL, true, DER_TAG_SEQUENCE, &seq));
    CHECK_OK(wire_expect_end(&r));
    bool present = true;
    CHECK_OK(der_optional(&seq, DER_CLASS_CONTEXT, true, 1, &c, &present));
    CHECK(!present);
    CHECK_EQ_INT(seq.pos, 0);
    CHECK_OK(der_optional(&seq, DER_CLASS_CONTEXT, true, 0, &c, &present));
    CHECK(present);
    int64_t v;
    CHECK_OK(der_read_int64(&c, &v));
    CHECK_EQ_INT(v, 5);
    CHECK_OK(der_optional(&seq, DER_CLASS_CONTEXT, true, 1, &c, &present));
    CHECK(!present);
    CHECK_OK(der_optional(&seq, DER_CLASS_CONTEXT, true, 2, &c, &present));
    CHECK(present);
    const uint8_t *s;
    size_t n;
    CHECK_OK(der_read_octet_string(&c, &s, &n));
    CHECK_BYTES(s, "ab", 2);
    CHECK_OK(der_optional(&seq, DER_CLASS_CONTEXT, true, 3, &c, &present));
    CHECK(!present); /* end of input */
    CHECK_OK(wire_expect_end(&seq));

    /* Matching identifier with a broken length is an error, not "absent". */
    REHEX(buf, "a1 81 03 02 01 05");
    wire_reader_init(&r, buf, buf_len);
    present = true;
    CHECK_SR(der_optional(&r, DER_CLASS_CONTEXT, true, 1, &c, &present), SR_INVALID_TOKEN);
    CHECK_EQ_INT(r.pos, 0);
    CHECK(!der_peek_is(&r, DER_CLASS_CONTEXT, true, 1));
    /* A non-matching malformed element is left for the next reader. */
    CHECK_OK(der_optional(&r, DER_CLASS_CONTEXT, true, 0, &c, &present));
    CHECK(!present);
    CHECK_EQ_INT(r.pos, 0);
}

static void test_depth(void) {
    /* N nested SEQUENCEs around a NULL. */
    for (unsigned depth = WIRE_MAX_DEPTH - 1; depth <= WIRE_MAX_DEPTH + 1; depth++) {
        wire_writer w;
        CHECK_OK(wire_writer_init_alloc(&w, 0));
        der_mark marks[WIRE_MAX_DEPTH + 2];
        for (unsigned i = 0; i < depth; i++)
            CHECK_OK(der_begin(&w, DER_CLASS_UNIVERSAL, true, DER_TAG_SEQUENCE, &marks[i]));
        CHECK_OK(der_write_raw(&w, "\x05\x00", 2));
        for (unsigned i = depth; i-- > 0;) CHECK_OK(der_end(&w, &marks[i]));
        CHECK_EQ_INT(w.len, 2 * depth + 2);
        /* Walk down. Level i's contents reader has depth i + 1; the NULL
         * inside the innermost SEQUENCE adds one more level. */
        wire_reader r;
        wire_reader_init(&r, w.data, w.len);
        sr res = SR_SUCCESS;
        for (unsigned i = 0; i < depth && sr_is_ok(res); i++) {
            wire_reader c;
            res = der_expect(&r, DER_CLASS_UNIVERSAL, true, DER_TAG_SEQUENCE, &c);
            if (sr_is_ok(res)) r = c;
        }
        if (sr_is_ok(res)) res = der_expect(&r, DER_CLASS_UNIVERSAL, false, DER_TAG_NULL,
                                            &(wire_reader){0});
        if (depth + 1 <= WIRE_MAX_DEPTH) CHECK_OK(res);
        else CHECK_SR(res, SR_INVALID_TOKEN);
        wire_writer_free(&w);
    }
}

static void test_writer_round_trip(void) {
    static const size_t lens[] = {0, 1, 127, 128, 255, 256, 65535, 65536, 70000};
    static const size_t len_sizes[] = {1, 1, 1, 2, 2, 3, 3, 4, 4};
    uint8_t *payload = malloc(70000);
    REQUIRE(payload != NULL);
    for (size_t i = 0; i < 70000; i++) payload[i] = (uint8_t)(i * 7);
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        CHECK_EQ_INT(der_length_size(lens[i]), len_sizes[i]);
        /* [1] { SEQUENCE { OCTET STRING payload(len) } } with der_begin/der_end
         * for both constructed levels and a fixed-size primitive inside. */
        wire_writer w;
        CHECK_OK(wire_writer_init_alloc(&w, 0));
        der_mark outer, seq;
        CHECK_OK(der_begin(&w, DER_CLASS_CONTEXT, true, 1, &outer));
        CHECK_OK(der_begin(&w, DER_CLASS_UNIVERSAL, true, DER_TAG_SEQUENCE, &seq));
        CHECK_OK(der_write_octet_string(&w, payload, lens[i]));
        CHECK_OK(der_end(&w, &seq));
        CHECK_OK(der_end(&w, &outer));
        size_t os = 1 + der_length_size(lens[i]) + lens[i];
        size_t ss = 1 + der_length_size(os) + os;
        size_t total = 1 + der_length_size(ss) + ss;
        CHECK_EQ_INT(w.len, total);
        /* Length octets are minimal. */
        if (lens[i] < 128) CHECK_EQ_INT(w.data[total - lens[i] - 1], lens[i]);
        else CHECK_EQ_INT(w.data[total - lens[i] - len_sizes[i]], 0x80 | (len_sizes[i] - 1));
        wire_reader r, c1, c2;
        wire_reader_init(&r, w.data, w.len);
        CHECK_OK(der_expect(&r, DER_CLASS_CONTEXT, true, 1, &c1));
        CHECK_OK(wire_expect_end(&r));
        CHECK_OK(der_expect(&c1, DER_CLASS_UNIVERSAL, true, DER_TAG_SEQUENCE, &c2));
        CHECK_OK(wire_expect_end(&c1));
        const uint8_t *v;
        size_t n;
        CHECK_OK(der_read_octet_string(&c2, &v, &n));
        CHECK_OK(wire_expect_end(&c2));
        CHECK_EQ_INT(n, lens[i]);
        if (n == lens[i] && n) CHECK_BYTES(v, payload, n);
        wire_writer_free(&w);
    }
    /* The same through der_begin/der_end for a primitive. */
    wire_writer w;
    CHECK_OK(wire_writer_init_alloc(&w, 0));
    der_mark m;
    CHECK_OK(der_begin(&w, DER_CLASS_UNIVERSAL, false, DER_TAG_OCTET_STRING, &m));
    CHECK_OK(wire_write_bytes(&w, payload, 256));
    CHECK_OK(der_end(&w, &m));
    CHECK_EQ_INT(w.len, 260);
    CHECK_BYTES(w.data, "\x04\x82\x01\x00", 4);
    wire_writer_free(&w);
    free(payload);
    CHECK_EQ_INT(der_length_size(DER_MAX_LENGTH), 5);
    CHECK_EQ_INT(der_length_size(0xffffff), 4);
}

static void test_writer_fixed_overflow(void) {
    uint8_t buf[6];
    wire_writer w;
    wire_writer_init_fixed(&w, buf, sizeof buf);
    der_mark m;
    CHECK_OK(der_begin(&w, DER_CLASS_UNIVERSAL, true, DER_TAG_SEQUENCE, &m));
    CHECK_OK(der_write_boolean(&w, true));
    CHECK_OK(der_end(&w, &m));
    CHECK_BYTES(buf, "\x30\x03\x01\x01\xff", 5);
    /* der_end needs room for the length it inserts. */
    wire_writer_init_fixed(&w, buf, sizeof buf);
    CHECK_OK(der_begin(&w, DER_CLASS_UNIVERSAL, true, DER_TAG_SEQUENCE, &m));
    CHECK_OK(der_write_raw(&w, "\x05\x00\x05\x00\x05", 5));
    CHECK_SR(der_end(&w, &m), SR_BUFFER_TOO_SMALL);
    CHECK_SR(der_write_boolean(&w, true), SR_BUFFER_TOO_SMALL);
    CHECK_SR(der_begin(&w, DER_CLASS_UNIVERSAL, true, DER_TAG_SEQUENCE, &m),
             SR_BUFFER_TOO_SMALL);
    CHECK_SR(wire_writer_status(&w), SR_BUFFER_TOO_SMALL);
    /* A bogus mark. */
    wire_writer_init_fixed(&w, buf, sizeof buf);
    m.value_start = 3;
    CHECK_SR(der_end(&w, &m), SR_INVALID_PARAMETER);
}

/* A SPNEGO NegTokenInit (RFC 4178 4.2.1, framed per RFC 2743 3.1) offering
 * MS-KRB5, KRB5 and NTLM with an NTLM NEGOTIATE stub as mechToken. */
static const char spnego_hex[] =
    "60 42"                                     /* [APPLICATION 0] */
    "  06 06 2b 06 01 05 05 02"                 /* 1.3.6.1.5.5.2 */
    "  a0 38"                                   /* [0] NegotiationToken.negTokenInit */
    "    30 36"                                 /* NegTokenInit SEQUENCE */
    "      a0 24"                               /* [0] mechTypes */
    "        30 22"                             /* MechTypeList */
    "          06 09 2a 86 48 82 f7 12 01 02 02"
    "          06 09 2a 86 48 86 f7 12 01 02 02"
    "          06 0a 2b 06 01 04 01 82 37 02 02 0a"
    "      a2 0e"                               /* [2] mechToken */
    "        04 0c 4e 54 4c 4d 53 53 50 00 01 00 00 00";

static void test_spnego_neg_token_init(void) {
    uint8_t buf[128];
    HEX(buf, spnego_hex);
    REQUIRE(buf_len == 0x44);
    wire_reader r, app, nt, seq, mt, list, tok;
    wire_reader_init(&r, buf, buf_len);
    CHECK_OK(der_expect(&r, DER_CLASS_APPLICATION, true, 0, &app));
    CHECK_OK(wire_expect_end(&r));
    const uint8_t *oid;
    size_t n;
    char text[64];
    CHECK_OK(der_read_oid(&app, &oid, &n));
    CHECK_OK(der_oid_to_text(oid, n, text, sizeof text));
    CHECK(strcmp(text, "1.3.6.1.5.5.2") == 0);
    CHECK_OK(der_expect(&app, DER_CLASS_CONTEXT, true, 0, &nt));
    CHECK_OK(wire_expect_end(&app));
    CHECK_OK(der_expect(&nt, DER_CLASS_UNIVERSAL, true, DER_TAG_SEQUENCE, &seq));
    CHECK_OK(wire_expect_end(&nt));
    CHECK_EQ_INT(seq.depth, 3);
    bool present;
    CHECK_OK(der_optional(&seq, DER_CLASS_CONTEXT, true, 0, &mt, &present));
    CHECK(present);
    /* The MIC in SPNEGO covers the raw mechTypes encoding: check whole. */
    der_tlv list_tlv;
    CHECK_OK(der_read_tlv(&mt, &list_tlv));
    CHECK(list_tlv.whole == buf + 16);
    CHECK_EQ_INT(list_tlv.whole_len, 0x24);
    CHECK_OK(wire_expect_end(&mt));
    list = list_tlv.contents;
    static const char *want[] = {"1.2.840.48018.1.2.2", "1.2.840.113554.1.2.2",
                                 "1.3.6.1.4.1.311.2.2.10"};
    for (size_t i = 0; i < 3; i++) {
        CHECK_OK(der_read_oid(&list, &oid, &n));
        CHECK_OK(der_oid_to_text(oid, n, text, sizeof text));
        CHECK(strcmp(text, want[i]) == 0);
    }
    CHECK_OK(wire_expect_end(&list));
    CHECK_OK(der_optional(&seq, DER_CLASS_CONTEXT, true, 1, &tok, &present)); /* reqFlags */
    CHECK(!present);
    CHECK_OK(der_optional(&seq, DER_CLASS_CONTEXT, true, 2, &tok, &present)); /* mechToken */
    CHECK(present);
    const uint8_t *mech_token;
    CHECK_OK(der_read_octet_string(&tok, &mech_token, &n));
    CHECK_OK(wire_expect_end(&tok));
    CHECK_EQ_INT(n, 12);
    CHECK_BYTES(mech_token, "NTLMSSP\0\1\0\0\0", 12);
    CHECK_OK(der_optional(&seq, DER_CLASS_CONTEXT, true, 3, &tok, &present));
    CHECK(!present);
    CHECK_OK(wire_expect_end(&seq));

    /* Build the same token with the writer: byte-identical. */
    wire_writer w;
    CHECK_OK(wire_writer_init_alloc(&w, 0));
    der_mark m_app, m_nt, m_seq, m_mt, m_list, m_tok;
    CHECK_OK(der_begin(&w, DER_CLASS_APPLICATION, true, 0, &m_app));
    CHECK_OK(der_write_oid(&w, (const uint8_t *)"\x2b\x06\x01\x05\x05\x02", 6));
    CHECK_OK(der_begin(&w, DER_CLASS_CONTEXT, true, 0, &m_nt));
    CHECK_OK(der_begin(&w, DER_CLASS_UNIVERSAL, true, DER_TAG_SEQUENCE, &m_seq));
    CHECK_OK(der_begin(&w, DER_CLASS_CONTEXT, true, 0, &m_mt));
    CHECK_OK(der_begin(&w, DER_CLASS_UNIVERSAL, true, DER_TAG_SEQUENCE, &m_list));
    CHECK_OK(der_write_oid(&w, (const uint8_t *)"\x2a\x86\x48\x82\xf7\x12\x01\x02\x02", 9));
    CHECK_OK(der_write_oid(&w, (const uint8_t *)"\x2a\x86\x48\x86\xf7\x12\x01\x02\x02", 9));
    CHECK_OK(der_write_oid(&w, (const uint8_t *)"\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a", 10));
    CHECK_OK(der_end(&w, &m_list));
    CHECK_OK(der_end(&w, &m_mt));
    CHECK_OK(der_begin(&w, DER_CLASS_CONTEXT, true, 2, &m_tok));
    CHECK_OK(der_write_octet_string(&w, "NTLMSSP\0\1\0\0\0", 12));
    CHECK_OK(der_end(&w, &m_tok));
    CHECK_OK(der_end(&w, &m_seq));
    CHECK_OK(der_end(&w, &m_nt));
    CHECK_OK(der_end(&w, &m_app));
    uint8_t *out;
    size_t out_len;
    CHECK_OK(wire_writer_take(&w, &out, &out_len));
    CHECK_EQ_INT(out_len, buf_len);
    if (out_len == buf_len) CHECK_BYTES(out, buf, buf_len);
    free(out);

    /* Every truncation of the token is rejected at the top level. */
    for (size_t cut = 0; cut < buf_len; cut++) {
        wire_reader_init(&r, buf, cut);
        CHECK_SR(der_expect(&r, DER_CLASS_APPLICATION, true, 0, &app), SR_INVALID_TOKEN);
    }
}

int main(void) {
    TEST_RUN(test_tlv_basic);
    TEST_RUN(test_lengths);
    TEST_RUN(test_nested_limits);
    TEST_RUN(test_high_tags);
    TEST_RUN(test_integer);
    TEST_RUN(test_boolean);
    TEST_RUN(test_oid);
    TEST_RUN(test_bit_string);
    TEST_RUN(test_strings_and_time);
    TEST_RUN(test_peek_expect_optional);
    TEST_RUN(test_depth);
    TEST_RUN(test_writer_round_trip);
    TEST_RUN(test_writer_fixed_overflow);
    TEST_RUN(test_spnego_neg_token_init);
    return test_summary();
}
