/*
 * UTF-8 <-> UTF-16LE conversion. Invalid sequences (overlong UTF-8,
 * surrogates encoded in UTF-8, unpaired UTF-16 surrogates, code points above
 * U+10FFFF, truncated sequences) are rejected with SR_INVALID_PARAMETER
 * (SEC_E_INVALID_PARAMETER at the API), never
 * replaced. Outputs are heap allocations (malloc); the caller frees (and
 * wipes when the text is a secret: the *_len outputs give the size).
 */
#ifndef LIBSSPI_CORE_UNICODE_H
#define LIBSSPI_CORE_UNICODE_H

#include <stddef.h>
#include <stdint.h>

#include "result.h"

/* UTF-8 (len bytes, no NUL needed) -> UTF-16LE bytes, NUL-terminated (2 zero
 * bytes, not counted in *out_len). */
SR_MUST_CHECK sr utf8_to_utf16le(const char *s, size_t len, uint8_t **out, size_t *out_len);
/* The same into a caller buffer (no NUL, no allocation): SR_BUFFER_TOO_SMALL
 * unless cap >= 2 * len (the worst case), SR_INVALID_PARAMETER for invalid
 * UTF-8 (buf is then zeroed as far as it was written). */
SR_MUST_CHECK sr utf8_to_utf16le_buf(const char *s, size_t len, uint8_t *buf, size_t cap,
                                     size_t *out_len);
/* UTF-16LE bytes (len must be even) -> UTF-8, NUL-terminated. */
SR_MUST_CHECK sr utf16le_to_utf8(const uint8_t *s, size_t len, char **out, size_t *out_len);
/* Native 16-bit units (SEC_WCHAR strings) -> UTF-8. nchars units. */
SR_MUST_CHECK sr utf16_units_to_utf8(const uint16_t *s, size_t nchars, char **out,
                                     size_t *out_len);
/* UTF-8 -> native 16-bit units, NUL-terminated, *out_nchars without NUL. */
SR_MUST_CHECK sr utf8_to_utf16_units(const char *s, size_t len, uint16_t **out,
                                     size_t *out_nchars);
/* Upper-case UTF-16LE text in place, as Windows RtlUpcaseUnicodeString does
 * for user and domain names (NTOWFv2: MS-NLMP 3.3.2). Simple case mapping of
 * the BMP; characters without an upper-case form are unchanged. */
void utf16le_upcase(uint8_t *s, size_t len);
/* Upper-case one code point (the mapping utf16le_upcase uses). */
uint32_t unicode_upcase(uint32_t cp);
/* Case-insensitive comparison of two UTF-8 strings with the same mapping;
 * returns 0 when equal. Invalid UTF-8 compares unequal. */
int utf8_casecmp(const char *a, const char *b);
/* Length of a NUL-terminated string of 16-bit units. */
size_t utf16_units_len(const uint16_t *s);

#endif
