/* White-box tests of src/core/unicode.c. */
#include <stdlib.h>
#include <string.h>

#include "core/unicode.h"
#include "testlib.h"

static void roundtrip(const char *utf8, const uint8_t *expect_le, size_t expect_len) {
    uint8_t *le = NULL;
    size_t le_len = 0;
    CHECK_OK(utf8_to_utf16le(utf8, strlen(utf8), &le, &le_len));
    if (!le) return;
    CHECK_EQ_INT(le_len, expect_len);
    if (le_len == expect_len) CHECK_BYTES(le, expect_le, expect_len);
    CHECK(le[le_len] == 0 && le[le_len + 1] == 0);
    char *back = NULL;
    size_t back_len = 0;
    CHECK_OK(utf16le_to_utf8(le, le_len, &back, &back_len));
    if (back) {
        CHECK_EQ_INT(back_len, strlen(utf8));
        CHECK(strcmp(back, utf8) == 0);
    }
    free(back);
    free(le);
}

static void test_ascii_roundtrip(void) {
    const uint8_t e[] = {'U', 0, 's', 0, 'e', 0, 'r', 0};
    roundtrip("User", e, sizeof e);
    roundtrip("", e, 0);
}

static void test_multibyte_roundtrip(void) {
    /* U+00E9, U+20AC, U+1F600 (surrogate pair D83D DE00). */
    const char *s = "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";
    const uint8_t e[] = {0xE9, 0x00, 0xAC, 0x20, 0x3D, 0xD8, 0x00, 0xDE};
    roundtrip(s, e, sizeof e);
    /* U+10FFFF, the largest code point: DBFF DFFF. */
    const uint8_t e2[] = {0xFF, 0xDB, 0xFF, 0xDF};
    roundtrip("\xF4\x8F\xBF\xBF", e2, sizeof e2);
}

static void test_units_roundtrip(void) {
    const char *s = "DOM\xC3\x84IN\xF0\x9F\x98\x80";
    uint16_t *u = NULL;
    size_t n = 0;
    CHECK_OK(utf8_to_utf16_units(s, strlen(s), &u, &n));
    REQUIRE(u != NULL);
    CHECK_EQ_INT(n, 8);
    CHECK_EQ_INT(u[3], 0xC4);
    CHECK_EQ_INT(u[6], 0xD83D);
    CHECK_EQ_INT(u[n], 0);
    CHECK_EQ_INT(utf16_units_len(u), n);
    char *back = NULL;
    size_t bl = 0;
    CHECK_OK(utf16_units_to_utf8(u, n, &back, &bl));
    CHECK(back && strcmp(back, s) == 0);
    free(back);
    free(u);
    CHECK_EQ_INT(utf16_units_len(NULL), 0);
}

static void expect_bad_utf8(const char *s, size_t len) {
    uint8_t *le = (uint8_t *)1;
    size_t n = 99;
    CHECK_SR(utf8_to_utf16le(s, len, &le, &n), SR_INVALID_PARAMETER);
    CHECK(le == NULL);
    uint16_t *u = (uint16_t *)1;
    CHECK_SR(utf8_to_utf16_units(s, len, &u, &n), SR_INVALID_PARAMETER);
    CHECK(u == NULL);
}

static void test_invalid_utf8(void) {
    expect_bad_utf8("\xC0\xAF", 2);             /* overlong '/' */
    expect_bad_utf8("\xE0\x80\xAF", 3);         /* overlong 3-byte */
    expect_bad_utf8("\xF0\x80\x80\xAF", 4);     /* overlong 4-byte */
    expect_bad_utf8("\xED\xA0\x80", 3);         /* UTF-8 encoded surrogate D800 */
    expect_bad_utf8("\xED\xBF\xBF", 3);         /* DFFF */
    expect_bad_utf8("\xF4\x90\x80\x80", 4);     /* U+110000 */
    expect_bad_utf8("\xF5\x80\x80\x80", 4);     /* lead byte F5 */
    expect_bad_utf8("\xC3", 1);                 /* truncated */
    expect_bad_utf8("\xE2\x82", 2);             /* truncated */
    expect_bad_utf8("a\x80", 2);                /* lone continuation */
    expect_bad_utf8("\xC3\x28", 2);             /* bad continuation */
    expect_bad_utf8("\xFF", 1);
    /* Length limits the input: a valid prefix of a longer buffer is fine. */
    uint8_t *le = NULL;
    size_t n = 0;
    CHECK_OK(utf8_to_utf16le("ab\xC3", 2, &le, &n));
    CHECK_EQ_INT(n, 4);
    free(le);
}

static void test_invalid_utf16(void) {
    char *out = (char *)1;
    size_t n = 0;
    const uint8_t lone_high[] = {0x3D, 0xD8, 'a', 0};
    CHECK_SR(utf16le_to_utf8(lone_high, sizeof lone_high, &out, &n), SR_INVALID_PARAMETER);
    CHECK(out == NULL);
    const uint8_t high_at_end[] = {'a', 0, 0x3D, 0xD8};
    CHECK_SR(utf16le_to_utf8(high_at_end, sizeof high_at_end, &out, &n), SR_INVALID_PARAMETER);
    const uint8_t lone_low[] = {0x00, 0xDE};
    CHECK_SR(utf16le_to_utf8(lone_low, sizeof lone_low, &out, &n), SR_INVALID_PARAMETER);
    const uint8_t odd[] = {'a', 0, 'b'};
    CHECK_SR(utf16le_to_utf8(odd, sizeof odd, &out, &n), SR_INVALID_PARAMETER);
    const uint16_t units[] = {0xDC00, 0xD800};
    CHECK_SR(utf16_units_to_utf8(units, 2, &out, &n), SR_INVALID_PARAMETER);
    CHECK_SR(utf16_units_to_utf8(NULL, 3, &out, &n), SR_INVALID_PARAMETER);
    /* Empty input is fine, even with a NULL pointer. */
    CHECK_OK(utf16_units_to_utf8(NULL, 0, &out, &n));
    CHECK(out && out[0] == '\0' && n == 0);
    free(out);
}

static void test_upcase(void) {
    CHECK_EQ_INT(unicode_upcase('a'), 'A');
    CHECK_EQ_INT(unicode_upcase('z'), 'Z');
    CHECK_EQ_INT(unicode_upcase('A'), 'A');
    CHECK_EQ_INT(unicode_upcase('1'), '1');
    CHECK_EQ_INT(unicode_upcase(0xE9), 0xC9);   /* e acute */
    CHECK_EQ_INT(unicode_upcase(0xF7), 0xF7);   /* division sign */
    CHECK_EQ_INT(unicode_upcase(0xDF), 0xDF);   /* sharp s: no simple upper */
    CHECK_EQ_INT(unicode_upcase(0xFF), 0x178);  /* y diaeresis */
    CHECK_EQ_INT(unicode_upcase(0x101), 0x100); /* Latin Ext-A pairs */
    CHECK_EQ_INT(unicode_upcase(0x100), 0x100);
    CHECK_EQ_INT(unicode_upcase(0x13A), 0x139); /* even-lower pairs */
    CHECK_EQ_INT(unicode_upcase(0x3B1), 0x391); /* alpha */
    CHECK_EQ_INT(unicode_upcase(0x3C2), 0x3A3); /* final sigma */
    CHECK_EQ_INT(unicode_upcase(0x430), 0x410); /* Cyrillic a */
    CHECK_EQ_INT(unicode_upcase(0x451), 0x401); /* yo */
    CHECK_EQ_INT(unicode_upcase(0xFF41), 0xFF21); /* fullwidth a */
    CHECK_EQ_INT(unicode_upcase(0x4E2D), 0x4E2D); /* CJK unchanged */
    CHECK_EQ_INT(unicode_upcase(0x1F600), 0x1F600);

    /* "user\u00e9" + surrogate pair, upper-cased in place as UTF-16LE. */
    uint8_t s[] = {'u', 0, 's', 0, 'e', 0, 'r', 0, 0xE9, 0, 0x3D, 0xD8, 0x00, 0xDE};
    const uint8_t e[] = {'U', 0, 'S', 0, 'E', 0, 'R', 0, 0xC9, 0, 0x3D, 0xD8, 0x00, 0xDE};
    utf16le_upcase(s, sizeof s);
    CHECK_BYTES(s, e, sizeof e);
}

static void test_casecmp(void) {
    CHECK(utf8_casecmp("NTLM", "ntlm") == 0);
    CHECK(utf8_casecmp("Negotiate", "NEGOTIATE") == 0);
    CHECK(utf8_casecmp("\xC3\xA9t\xC3\xA9", "\xC3\x89T\xC3\x89") == 0);
    CHECK(utf8_casecmp("ntlm", "ntlmx") != 0);
    CHECK(utf8_casecmp("ntlmx", "ntlm") != 0);
    CHECK(utf8_casecmp("a", "b") < 0);
    CHECK(utf8_casecmp("\xC0\xAF", "\xC0\xAF") != 0); /* invalid never equal */
    CHECK(utf8_casecmp(NULL, "a") != 0);
    CHECK(utf8_casecmp("", "") == 0);
}

int main(void) {
    TEST_RUN(test_ascii_roundtrip);
    TEST_RUN(test_multibyte_roundtrip);
    TEST_RUN(test_units_roundtrip);
    TEST_RUN(test_invalid_utf8);
    TEST_RUN(test_invalid_utf16);
    TEST_RUN(test_upcase);
    TEST_RUN(test_casecmp);
    return test_summary();
}
