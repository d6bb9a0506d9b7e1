/*
 * libFuzzer target for the UTF-8 / UTF-16 converters (src/core/unicode.c).
 *
 * The input is tried both as UTF-8 and as UTF-16LE (and as native units).
 * Properties (abort() otherwise):
 *  - a failure is SR_INVALID_PARAMETER with NULL / 0 outputs;
 *  - UTF-8 -> UTF-16 -> UTF-8 and UTF-16 -> UTF-8 -> UTF-16 give the input
 *    back byte for byte (both directions are strict, nothing is replaced),
 *    and the LE and native-unit forms agree;
 *  - a valid UTF-8 input never has more units than bytes, outputs are
 *    NUL-terminated;
 *  - upper-casing keeps the length, keeps surrogates, never maps a BMP
 *    character to a surrogate, is idempotent on ASCII, and utf8_casecmp
 *    says a valid string equals itself and its upper-cased form.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/unicode.h"

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

static void from_utf8(const uint8_t *data, size_t size) {
    const char *s = (const char *)data;
    uint8_t *le = (uint8_t *)1;
    size_t le_len = 7;
    sr r = utf8_to_utf16le(s, size, &le, &le_len);
    uint16_t *u = (uint16_t *)1;
    size_t un = 7;
    sr r2 = utf8_to_utf16_units(s, size, &u, &un);
    CHECK(sr_is_ok(r) == sr_is_ok(r2));
    if (!sr_is_ok(r)) {
        CHECK(r.code == SR_INVALID_PARAMETER && r2.code == SR_INVALID_PARAMETER);
        CHECK(le == NULL && le_len == 0 && u == NULL && un == 0);
        return;
    }
    CHECK(le != NULL && u != NULL);
    CHECK(le_len == 2 * un && un <= size);
    CHECK(le[le_len] == 0 && le[le_len + 1] == 0 && u[un] == 0);
    for (size_t i = 0; i < un; i++)
        CHECK((uint16_t)(le[2 * i] | le[2 * i + 1] << 8) == u[i]);

    char *back = NULL;
    size_t back_len = 0;
    CHECK(sr_is_ok(utf16le_to_utf8(le, le_len, &back, &back_len)));
    CHECK(back_len == size && (size == 0 || memcmp(back, s, size) == 0) && back[size] == '\0');
    free(back);
    CHECK(sr_is_ok(utf16_units_to_utf8(u, un, &back, &back_len)));
    CHECK(back_len == size && (size == 0 || memcmp(back, s, size) == 0));
    free(back);

    /* Upper-casing: same length, surrogates untouched, no new surrogates. */
    uint8_t *up = malloc(le_len ? le_len : 1);
    CHECK(up != NULL);
    if (le_len) memcpy(up, le, le_len);
    utf16le_upcase(up, le_len);
    for (size_t i = 0; i < un; i++) {
        uint16_t a = u[i], b = (uint16_t)(up[2 * i] | up[2 * i + 1] << 8);
        bool sa = a >= 0xD800 && a <= 0xDFFF, sb = b >= 0xD800 && b <= 0xDFFF;
        CHECK(sa == sb);
        if (sa) CHECK(a == b);
        if (a >= 'a' && a <= 'z') CHECK(b == a - 32);
        if (a < 0x80 && !(a >= 'a' && a <= 'z')) CHECK(a == b);
        CHECK(unicode_upcase(a) == b || sa);
    }
    /* The upper-cased text is still valid UTF-16 (surrogate pairs kept). */
    char *up8 = NULL;
    size_t up8_len = 0;
    CHECK(sr_is_ok(utf16le_to_utf8(up, le_len, &up8, &up8_len)));
    if (memchr(s, 0, size) == NULL) {
        char *z = malloc(size + 1);
        CHECK(z != NULL);
        if (size) memcpy(z, s, size);
        z[size] = '\0';
        CHECK(utf8_casecmp(z, z) == 0);
        CHECK(utf8_casecmp(z, up8) == 0 && utf8_casecmp(up8, z) == 0);
        free(z);
    }
    free(up8);
    free(up);
    free(le);
    free(u);
}

static void from_utf16(const uint8_t *data, size_t size) {
    char *s = (char *)1;
    size_t n = 7;
    sr r = utf16le_to_utf8(data, size, &s, &n);
    if (!sr_is_ok(r)) {
        CHECK(r.code == SR_INVALID_PARAMETER && s == NULL && n == 0);
        return;
    }
    CHECK(size % 2 == 0 && s != NULL && s[n] == '\0');
    CHECK(n <= size / 2 * 3);
    uint8_t *le = NULL;
    size_t le_len = 0;
    CHECK(sr_is_ok(utf8_to_utf16le(s, n, &le, &le_len)));
    CHECK(le_len == size && (size == 0 || memcmp(le, data, size) == 0));
    free(le);

    /* Native units (aligned copy) agree with the LE form. */
    size_t units = size / 2;
    uint16_t *u = malloc((units ? units : 1) * sizeof *u);
    CHECK(u != NULL);
    for (size_t i = 0; i < units; i++) u[i] = (uint16_t)(data[2 * i] | data[2 * i + 1] << 8);
    char *s2 = NULL;
    size_t n2 = 0;
    CHECK(sr_is_ok(utf16_units_to_utf8(u, units, &s2, &n2)));
    CHECK(n2 == n && (n == 0 || memcmp(s, s2, n) == 0));
    free(s2);
    free(u);
    free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    from_utf8(data, size);
    from_utf16(data, size);
    if (size) from_utf16(data + 1, size - 1); /* odd offsets and lengths */
    return 0;
}
