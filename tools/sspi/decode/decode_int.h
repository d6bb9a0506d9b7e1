/*
 * Internals of the token decoder (tools/sspi/decode). Only decode_*.c
 * include this; it pulls in the library's internal codec headers.
 */
#ifndef LIBSSPI_TOOL_DECODE_INT_H
#define LIBSSPI_TOOL_DECODE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/result.h"
#include "decode.h"

#if defined(__GNUC__) || defined(__clang__)
#define DEC_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define DEC_PRINTF(f, a)
#endif

/* ---- emitter (decode_emit.c): one tree, printed as text or JSON ----
 * Text: "Key: value" lines, two spaces of indentation per level.
 * JSON: keys are the text keys with blanks replaced by '_'; an object or
 * list opened with a value gets that value as its "value" member (lists
 * then hold their items in "items"). */
#define DEC_EMIT_MAX_DEPTH 48

typedef struct dec_emit {
    FILE *out;
    bool json;
    int depth;
    char kind[DEC_EMIT_MAX_DEPTH];      /* 'o' object, 'a' array, 'l' object+array */
    bool need_comma[DEC_EMIT_MAX_DEPTH];
} dec_emit;

void em_init(dec_emit *e, FILE *out, bool json);
void em_finish(dec_emit *e); /* closes everything still open */
/* A scalar member ("Key: value"); inside a list the key is ignored. */
void em_str(dec_emit *e, const char *key, const char *fmt, ...) DEC_PRINTF(3, 4);
void em_uint(dec_emit *e, const char *key, uint64_t v);
void em_hex(dec_emit *e, const char *key, const uint8_t *p, size_t n);
/* Open an object: text "Key: value" (or "Key:" when fmt is NULL). */
void em_obj(dec_emit *e, const char *key, const char *fmt, ...) DEC_PRINTF(3, 4);
/* Open an object for a payload field: text "Key: value [offset O, length L]"
 * (no offset when has_offset is false); JSON adds "offset" and "length". */
void em_field(dec_emit *e, const char *key, bool has_offset, size_t offset, size_t length,
              const char *fmt, ...) DEC_PRINTF(6, 7);
/* Open a list: text "Key: value" or "Key:"; then em_item lines. */
void em_list(dec_emit *e, const char *key, const char *fmt, ...) DEC_PRINTF(3, 4);
void em_item(dec_emit *e, const char *fmt, ...) DEC_PRINTF(2, 3);
/* Close the innermost object or list. */
void em_end(dec_emit *e);

/* ---- decoding context ---- */
typedef struct dec_ctx {
    dec_emit em;
    const sspi_decode_options *opt;
    int result;     /* SSPI_DECODE_* bits */
    bool password_used;
    int nesting;    /* inner tokens decoded recursively, bounded */
} dec_ctx;

#define DEC_MAX_NESTING 6

/* Report a codec failure: "Error: SR_INVALID_TOKEN (what)" and mark the
 * decode as malformed. */
void dec_error(dec_ctx *c, sr r, const char *what);
/* Any token: NTLMSSP, SPNEGO, GSS-framed, Kerberos; emits one object. */
void dec_any(dec_ctx *c, const uint8_t *data, size_t len);
/* One NTLM message (starts with the signature). */
void dec_ntlm(dec_ctx *c, const uint8_t *data, size_t len);
/* SPNEGO / GSS (decode_spnego.c). */
void dec_gss(dec_ctx *c, const uint8_t *data, size_t len);
/* The NTLM message carried by a token (raw, SPNEGO init/resp, or GSS-framed
 * NTLM): true and the view when there is one. */
bool dec_find_ntlm(const uint8_t *data, size_t len, const uint8_t **msg, size_t *msg_len);
/* Mechanism name for OID contents ("NTLM"), NULL if unknown; and the
 * "Name (dotted OID)" text into buf. */
const char *dec_mech_name(const uint8_t *oid, size_t len);
const char *dec_mech_text(const uint8_t *oid, size_t len, char *buf, size_t cap);
/* FILETIME as "2024-05-17 10:20:30.1234567 UTC" into buf. */
const char *dec_filetime(uint64_t ft, char *buf, size_t cap);
/* Printable copy of text: control and (unless utf8) non-ASCII bytes as
 * \xNN. Returns buf. */
const char *dec_sanitize(const uint8_t *s, size_t n, bool utf8, char *buf, size_t cap);
/* Hex of n bytes (malloc'd, "" for n == 0); NULL on allocation failure. */
char *dec_hex_alloc(const uint8_t *p, size_t n);
/* Are the n bytes all zero (n == 0: true)? */
bool dec_all_zero(const uint8_t *p, size_t n);

#endif
