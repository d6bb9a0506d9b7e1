/*
 * UTF-8 <-> UTF-16 conversion and simple upper-casing (see unicode.h).
 *
 * Strict decoding: overlong forms, UTF-8-encoded surrogates, code points
 * above U+10FFFF, truncated sequences and unpaired UTF-16 surrogates are
 * all rejected with SR_INVALID_PARAMETER. Nothing is ever replaced.
 */
#include "unicode.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "wipe.h"

/* ---- UTF-8 decoding ---------------------------------------------------- */

/* Decode one code point at s[*pos] (len bytes in all). Advances *pos. */
static bool utf8_next(const uint8_t *s, size_t len, size_t *pos, uint32_t *cp) {
    size_t i = *pos;
    uint8_t b0 = s[i];
    uint32_t c;
    size_t need;
    uint32_t min;
    if (b0 < 0x80) {
        *cp = b0;
        *pos = i + 1;
        return true;
    } else if (b0 >= 0xC2 && b0 <= 0xDF) {
        c = b0 & 0x1Fu;
        need = 1;
        min = 0x80;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        c = b0 & 0x0Fu;
        need = 2;
        min = 0x800;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        c = b0 & 0x07u;
        need = 3;
        min = 0x10000;
    } else {
        return false; /* continuation byte, 0xC0/0xC1 (overlong), 0xF5.. */
    }
    if (len - i - 1 < need) return false; /* truncated */
    for (size_t k = 1; k <= need; k++) {
        uint8_t b = s[i + k];
        if ((b & 0xC0u) != 0x80u) return false;
        c = (c << 6) | (b & 0x3Fu);
    }
    if (c < min || c > 0x10FFFFu || (c >= 0xD800u && c <= 0xDFFFu)) return false;
    *cp = c;
    *pos = i + 1 + need;
    return true;
}

/* Decode one code point from 16-bit units. Advances *pos. */
static bool utf16_next(const uint16_t *s, size_t n, size_t *pos, uint32_t *cp) {
    size_t i = *pos;
    uint32_t u = s[i];
    if (u >= 0xD800u && u <= 0xDBFFu) {
        if (i + 1 >= n) return false;
        uint32_t lo = s[i + 1];
        if (lo < 0xDC00u || lo > 0xDFFFu) return false;
        *cp = 0x10000u + ((u - 0xD800u) << 10) + (lo - 0xDC00u);
        *pos = i + 2;
        return true;
    }
    if (u >= 0xDC00u && u <= 0xDFFFu) return false; /* lone low surrogate */
    *cp = u;
    *pos = i + 1;
    return true;
}

static size_t utf8_put(uint32_t cp, char *out) {
    uint8_t *o = (uint8_t *)out;
    if (cp < 0x80) {
        o[0] = (uint8_t)cp;
        return 1;
    } else if (cp < 0x800) {
        o[0] = (uint8_t)(0xC0 | (cp >> 6));
        o[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    } else if (cp < 0x10000) {
        o[0] = (uint8_t)(0xE0 | (cp >> 12));
        o[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (uint8_t)(0xF0 | (cp >> 18));
    o[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

/* Wipe-and-free for the error paths: the text may be a password. */
static void wipe_free(void *p, size_t n) {
    if (!p) return;
    sspi_wipe(p, n);
    free(p);
}

/* ---- UTF-8 -> UTF-16 --------------------------------------------------- */

SR_MUST_CHECK static sr utf8_to_units(const char *s, size_t len, uint16_t **out,
                                      size_t *out_nchars) {
    *out = NULL;
    *out_nchars = 0;
    SR_ENSURE(s != NULL || len == 0, SR_INVALID_PARAMETER);
    /* Each UTF-8 byte yields at most one 16-bit unit. */
    SR_ENSURE(len < SIZE_MAX / sizeof(uint16_t) - 1, SR_NO_MEMORY);
    size_t cap = len + 1;
    uint16_t *buf = malloc(cap * sizeof(uint16_t));
    SR_ENSURE(buf != NULL, SR_NO_MEMORY);
    const uint8_t *u = (const uint8_t *)s;
    size_t pos = 0, n = 0;
    while (pos < len) {
        uint32_t cp;
        if (!utf8_next(u, len, &pos, &cp)) {
            wipe_free(buf, cap * sizeof(uint16_t));
            return SR_FAIL(SR_INVALID_PARAMETER);
        }
        if (cp >= 0x10000u) {
            cp -= 0x10000u;
            buf[n++] = (uint16_t)(0xD800u + (cp >> 10));
            buf[n++] = (uint16_t)(0xDC00u + (cp & 0x3FFu));
        } else {
            buf[n++] = (uint16_t)cp;
        }
    }
    buf[n] = 0;
    *out = buf;
    *out_nchars = n;
    return SR_SUCCESS;
}

sr utf8_to_utf16_units(const char *s, size_t len, uint16_t **out, size_t *out_nchars) {
    return utf8_to_units(s, len, out, out_nchars);
}

sr utf8_to_utf16le_buf(const char *s, size_t len, uint8_t *buf, size_t cap, size_t *out_len) {
    *out_len = 0;
    SR_ENSURE(s != NULL || len == 0, SR_INVALID_PARAMETER);
    /* Each UTF-8 byte yields at most one 16-bit unit. */
    SR_ENSURE(len <= cap / 2, SR_BUFFER_TOO_SMALL);
    const uint8_t *u = (const uint8_t *)s;
    size_t pos = 0, n = 0;
    while (pos < len) {
        uint32_t cp;
        if (!utf8_next(u, len, &pos, &cp)) {
            sspi_wipe(buf, n);
            return SR_FAIL(SR_INVALID_PARAMETER);
        }
        uint16_t w[2];
        size_t k = 0;
        if (cp >= 0x10000u) {
            cp -= 0x10000u;
            w[k++] = (uint16_t)(0xD800u + (cp >> 10));
            w[k++] = (uint16_t)(0xDC00u + (cp & 0x3FFu));
        } else {
            w[k++] = (uint16_t)cp;
        }
        for (size_t i = 0; i < k; i++) {
            buf[n++] = (uint8_t)(w[i] & 0xFF);
            buf[n++] = (uint8_t)(w[i] >> 8);
        }
    }
    *out_len = n;
    return SR_SUCCESS;
}

sr utf8_to_utf16le(const char *s, size_t len, uint8_t **out, size_t *out_len) {
    uint16_t *units;
    size_t n;
    *out = NULL;
    *out_len = 0;
    SR_TRY(utf8_to_units(s, len, &units, &n));
    /* Rewrite in place as little-endian bytes (same size). */
    uint8_t *b = (uint8_t *)units;
    for (size_t i = 0; i <= n; i++) {
        uint16_t v = units[i];
        b[2 * i] = (uint8_t)(v & 0xFF);
        b[2 * i + 1] = (uint8_t)(v >> 8);
    }
    *out = b;
    *out_len = n * 2;
    return SR_SUCCESS;
}

/* ---- UTF-16 -> UTF-8 --------------------------------------------------- */

sr utf16_units_to_utf8(const uint16_t *s, size_t nchars, char **out, size_t *out_len) {
    *out = NULL;
    *out_len = 0;
    SR_ENSURE(s != NULL || nchars == 0, SR_INVALID_PARAMETER);
    /* One unit gives at most 3 bytes (a pair gives 4 for 2 units). */
    SR_ENSURE(nchars < (SIZE_MAX - 1) / 3, SR_NO_MEMORY);
    size_t cap = nchars * 3 + 1;
    char *buf = malloc(cap);
    SR_ENSURE(buf != NULL, SR_NO_MEMORY);
    size_t pos = 0, n = 0;
    while (pos < nchars) {
        uint32_t cp;
        if (!utf16_next(s, nchars, &pos, &cp)) {
            wipe_free(buf, cap);
            return SR_FAIL(SR_INVALID_PARAMETER);
        }
        n += utf8_put(cp, buf + n);
    }
    buf[n] = '\0';
    *out = buf;
    *out_len = n;
    return SR_SUCCESS;
}

sr utf16le_to_utf8(const uint8_t *s, size_t len, char **out, size_t *out_len) {
    *out = NULL;
    *out_len = 0;
    SR_ENSURE(len % 2 == 0, SR_INVALID_PARAMETER);
    SR_ENSURE(s != NULL || len == 0, SR_INVALID_PARAMETER);
    size_t n = len / 2;
    uint16_t *units = calloc(n ? n : 1, sizeof(uint16_t));
    SR_ENSURE(units != NULL, SR_NO_MEMORY);
    for (size_t i = 0; i < n; i++) units[i] = (uint16_t)(s[2 * i] | (s[2 * i + 1] << 8));
    sr r = utf16_units_to_utf8(units, n, out, out_len);
    wipe_free(units, n * sizeof(uint16_t));
    return r;
}

size_t utf16_units_len(const uint16_t *s) {
    size_t n = 0;
    if (!s) return 0;
    while (s[n]) n++;
    return n;
}

/* ---- Upper-casing ------------------------------------------------------ */

/*
 * Simple (1:1) upper-case mapping of the BMP following the Unicode
 * character database, written as ranges. `parity` restricts a range to its
 * odd (1) or even (2) code points, for the many alphabets laid out as
 * alternating upper/lower pairs; 0 applies to every code point in range.
 */
typedef struct upcase_range {
    uint16_t lo, hi;
    int32_t delta;
    uint8_t parity;
} upcase_range;

static const upcase_range upcase_table[] = {
    {0x0061, 0x007A, -32, 0},
    {0x00B5, 0x00B5, 0x039C - 0x00B5, 0},
    {0x00E0, 0x00F6, -32, 0},
    {0x00F8, 0x00FE, -32, 0},
    {0x00FF, 0x00FF, 0x0178 - 0x00FF, 0},
    {0x0101, 0x012F, -1, 1},
    {0x0131, 0x0131, 0x0049 - 0x0131, 0},
    {0x0133, 0x0137, -1, 1},
    {0x013A, 0x0148, -1, 2},
    {0x014B, 0x0177, -1, 1},
    {0x017A, 0x017E, -1, 2},
    {0x017F, 0x017F, 0x0053 - 0x017F, 0},
    {0x0180, 0x0180, 0x0243 - 0x0180, 0},
    {0x0183, 0x0185, -1, 1},
    {0x0188, 0x0188, -1, 0},
    {0x018C, 0x018C, -1, 0},
    {0x0192, 0x0192, -1, 0},
    {0x0195, 0x0195, 0x01F6 - 0x0195, 0},
    {0x0199, 0x0199, -1, 0},
    {0x019A, 0x019A, 0x023D - 0x019A, 0},
    {0x019E, 0x019E, 0x0220 - 0x019E, 0},
    {0x01A1, 0x01A5, -1, 1},
    {0x01A8, 0x01A8, -1, 0},
    {0x01AD, 0x01AD, -1, 0},
    {0x01B0, 0x01B0, -1, 0},
    {0x01B4, 0x01B6, -1, 2},
    {0x01B9, 0x01B9, -1, 0},
    {0x01BD, 0x01BD, -1, 0},
    {0x01BF, 0x01BF, 0x01F7 - 0x01BF, 0},
    {0x01C5, 0x01C5, -1, 0},
    {0x01C6, 0x01C6, -2, 0},
    {0x01C8, 0x01C8, -1, 0},
    {0x01C9, 0x01C9, -2, 0},
    {0x01CB, 0x01CB, -1, 0},
    {0x01CC, 0x01CC, -2, 0},
    {0x01CE, 0x01DC, -1, 2},
    {0x01DD, 0x01DD, 0x018E - 0x01DD, 0},
    {0x01DF, 0x01EF, -1, 1},
    {0x01F2, 0x01F2, -1, 0},
    {0x01F3, 0x01F3, -2, 0},
    {0x01F5, 0x01F5, -1, 0},
    {0x01F9, 0x021F, -1, 1},
    {0x0223, 0x0233, -1, 1},
    {0x023C, 0x023C, -1, 0},
    {0x0242, 0x0242, -1, 0},
    {0x0247, 0x024F, -1, 1},
    {0x0253, 0x0253, 0x0181 - 0x0253, 0},
    {0x0254, 0x0254, 0x0186 - 0x0254, 0},
    {0x0256, 0x0257, 0x0189 - 0x0256, 0},
    {0x0259, 0x0259, 0x018F - 0x0259, 0},
    {0x025B, 0x025B, 0x0190 - 0x025B, 0},
    {0x0260, 0x0260, 0x0193 - 0x0260, 0},
    {0x0263, 0x0263, 0x0194 - 0x0263, 0},
    {0x0268, 0x0268, 0x0197 - 0x0268, 0},
    {0x0269, 0x0269, 0x0196 - 0x0269, 0},
    {0x026F, 0x026F, 0x019C - 0x026F, 0},
    {0x0272, 0x0272, 0x019D - 0x0272, 0},
    {0x0275, 0x0275, 0x019F - 0x0275, 0},
    {0x0280, 0x0280, 0x01A6 - 0x0280, 0},
    {0x0283, 0x0283, 0x01A9 - 0x0283, 0},
    {0x0288, 0x0288, 0x01AE - 0x0288, 0},
    {0x0289, 0x0289, 0x0244 - 0x0289, 0},
    {0x028A, 0x028B, 0x01B1 - 0x028A, 0},
    {0x028C, 0x028C, 0x0245 - 0x028C, 0},
    {0x0292, 0x0292, 0x01B7 - 0x0292, 0},
    {0x0371, 0x0373, -1, 1},
    {0x0377, 0x0377, -1, 0},
    {0x037B, 0x037D, 130, 0},
    {0x03AC, 0x03AC, 0x0386 - 0x03AC, 0},
    {0x03AD, 0x03AF, -37, 0},
    {0x03B1, 0x03C1, -32, 0},
    {0x03C2, 0x03C2, -31, 0},
    {0x03C3, 0x03CB, -32, 0},
    {0x03CC, 0x03CC, 0x038C - 0x03CC, 0},
    {0x03CD, 0x03CE, -63, 0},
    {0x03D9, 0x03EF, -1, 1},
    {0x03F2, 0x03F2, 0x03F9 - 0x03F2, 0},
    {0x03F8, 0x03F8, -1, 0},
    {0x03FB, 0x03FB, -1, 0},
    {0x0430, 0x044F, -32, 0},
    {0x0450, 0x045F, -80, 0},
    {0x0461, 0x0481, -1, 1},
    {0x048B, 0x04BF, -1, 1},
    {0x04C2, 0x04CE, -1, 2},
    {0x04CF, 0x04CF, 0x04C0 - 0x04CF, 0},
    {0x04D1, 0x052F, -1, 1},
    {0x0561, 0x0586, -48, 0},
    {0x1E01, 0x1E95, -1, 1},
    {0x1E9B, 0x1E9B, 0x1E60 - 0x1E9B, 0},
    {0x1EA1, 0x1EFF, -1, 1},
    {0x1F00, 0x1F07, 8, 0},
    {0x1F10, 0x1F15, 8, 0},
    {0x1F20, 0x1F27, 8, 0},
    {0x1F30, 0x1F37, 8, 0},
    {0x1F40, 0x1F45, 8, 0},
    {0x1F51, 0x1F57, 8, 1},
    {0x1F60, 0x1F67, 8, 0},
    {0x1F70, 0x1F71, 74, 0},
    {0x1F72, 0x1F75, 86, 0},
    {0x1F76, 0x1F77, 100, 0},
    {0x1F78, 0x1F79, 128, 0},
    {0x1F7A, 0x1F7B, 112, 0},
    {0x1F7C, 0x1F7D, 126, 0},
    {0x1F80, 0x1F87, 8, 0},
    {0x1F90, 0x1F97, 8, 0},
    {0x1FA0, 0x1FA7, 8, 0},
    {0x1FB0, 0x1FB1, 8, 0},
    {0x1FB3, 0x1FB3, 9, 0},
    {0x1FC3, 0x1FC3, 9, 0},
    {0x1FD0, 0x1FD1, 8, 0},
    {0x1FE0, 0x1FE1, 8, 0},
    {0x1FE5, 0x1FE5, 7, 0},
    {0x1FF3, 0x1FF3, 9, 0},
    {0x214E, 0x214E, 0x2132 - 0x214E, 0},
    {0x2170, 0x217F, -16, 0},
    {0x2184, 0x2184, -1, 0},
    {0x24D0, 0x24E9, -26, 0},
    {0x2C30, 0x2C5E, -48, 0},
    {0x2C61, 0x2C61, -1, 0},
    {0x2C65, 0x2C65, 0x023A - 0x2C65, 0},
    {0x2C66, 0x2C66, 0x023E - 0x2C66, 0},
    {0x2C68, 0x2C6C, -1, 2},
    {0x2C73, 0x2C73, -1, 0},
    {0x2C76, 0x2C76, -1, 0},
    {0x2C81, 0x2CE3, -1, 1},
    {0x2CEC, 0x2CEE, -1, 2},
    {0x2CF3, 0x2CF3, -1, 0},
    {0x2D00, 0x2D25, 0x10A0 - 0x2D00, 0},
    {0x2D27, 0x2D27, 0x10C7 - 0x2D27, 0},
    {0x2D2D, 0x2D2D, 0x10CD - 0x2D2D, 0},
    {0xA641, 0xA66D, -1, 1},
    {0xA681, 0xA69B, -1, 1},
    {0xA723, 0xA72F, -1, 1},
    {0xA733, 0xA76F, -1, 1},
    {0xA77A, 0xA77C, -1, 2},
    {0xA77F, 0xA787, -1, 1},
    {0xA78C, 0xA78C, -1, 0},
    {0xA791, 0xA793, -1, 1},
    {0xA797, 0xA7A9, -1, 1},
    {0xFF41, 0xFF5A, -32, 0},
};

uint32_t unicode_upcase(uint32_t cp) {
    if (cp < 0x61) return cp;
    if (cp <= 0x7A) return cp - 32; /* fast path: ASCII */
    if (cp > 0xFFFF) return cp;     /* BMP only, as Windows' table */
    size_t lo = 0, hi = sizeof upcase_table / sizeof upcase_table[0];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const upcase_range *r = &upcase_table[mid];
        if (cp < r->lo) {
            hi = mid;
        } else if (cp > r->hi) {
            lo = mid + 1;
        } else {
            if (r->parity == 1 && (cp & 1u) == 0) return cp;
            if (r->parity == 2 && (cp & 1u) == 1) return cp;
            return (uint32_t)((int32_t)cp + r->delta);
        }
    }
    return cp;
}

void utf16le_upcase(uint8_t *s, size_t len) {
    if (!s) return;
    for (size_t i = 0; i + 1 < len; i += 2) {
        uint32_t u = (uint32_t)(s[i] | (s[i + 1] << 8));
        if (u >= 0xD800u && u <= 0xDFFFu) continue; /* surrogates unchanged */
        uint32_t up = unicode_upcase(u);
        s[i] = (uint8_t)(up & 0xFF);
        s[i + 1] = (uint8_t)(up >> 8);
    }
}

int utf8_casecmp(const char *a, const char *b) {
    if (!a || !b) return (a == b) ? 0 : 1;
    const uint8_t *x = (const uint8_t *)a, *y = (const uint8_t *)b;
    size_t lx = strlen(a), ly = strlen(b);
    size_t px = 0, py = 0;
    while (px < lx && py < ly) {
        uint32_t cx, cy;
        if (!utf8_next(x, lx, &px, &cx) || !utf8_next(y, ly, &py, &cy)) return 1;
        uint32_t ux = unicode_upcase(cx), uy = unicode_upcase(cy);
        if (ux != uy) return ux < uy ? -1 : 1;
    }
    if (px < lx) return 1;
    if (py < ly) return -1;
    return 0;
}
