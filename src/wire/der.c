/*
 * Strict DER codec (contract in der.h), on top of the cursor.
 *
 * Readers work on a copy of the caller's reader and commit it only when the
 * whole element (identifier, length, contents checks) was accepted, so that
 * every failure leaves the caller's reader where it was.
 */
#include "der.h"

#include <string.h>

#define DER_MAX_TAG ((1u << 21) - 1) /* three base-128 octets */

/* ---- reading ---- */

/* Identifier octets (X.690 8.1.2), minimal high-tag-number form. */
static sr read_identifier(wire_reader *r, uint8_t *cls, bool *constructed, uint32_t *tag) {
    wire_reader t = *r;
    uint8_t b;
    SR_TRY(wire_read_u8(&t, &b));
    uint32_t num = b & 0x1fu;
    if (num == 0x1f) {
        uint8_t c;
        SR_TRY(wire_read_u8(&t, &c));
        SR_ENSURE(c != 0x80, SR_INVALID_TOKEN); /* leading zero septet */
        num = c & 0x7fu;
        int n = 1;
        while (c & 0x80) {
            SR_ENSURE(n < 3, SR_INVALID_TOKEN); /* tag >= 2^21 */
            SR_TRY(wire_read_u8(&t, &c));
            num = (num << 7) | (c & 0x7fu);
            n++;
        }
        SR_ENSURE(num >= 0x1f, SR_INVALID_TOKEN); /* must use the low form */
    }
    *cls = (uint8_t)(b & 0xc0);
    *constructed = (b & 0x20) != 0;
    *tag = num;
    *r = t;
    return SR_SUCCESS;
}

/* Length octets (X.690 8.1.3 + 10.1): definite, minimal, bounded. */
static sr read_length(wire_reader *r, size_t *len) {
    wire_reader t = *r;
    uint8_t b;
    SR_TRY(wire_read_u8(&t, &b));
    if (b < 0x80) {
        *len = b;
        *r = t;
        return SR_SUCCESS;
    }
    SR_ENSURE(b != 0x80, SR_INVALID_TOKEN); /* indefinite */
    size_t n = b & 0x7fu;
    SR_ENSURE(n <= 4, SR_INVALID_TOKEN);    /* > DER_MAX_LENGTH anyway; 0xff */
    uint32_t v = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c;
        SR_TRY(wire_read_u8(&t, &c));
        SR_ENSURE(i != 0 || c != 0, SR_INVALID_TOKEN); /* leading zero octet */
        v = (v << 8) | c;
    }
    SR_ENSURE(v >= 0x80, SR_INVALID_TOKEN); /* short form was possible */
    SR_ENSURE(v <= DER_MAX_LENGTH, SR_INVALID_TOKEN);
    *len = v;
    *r = t;
    return SR_SUCCESS;
}

sr der_read_tlv(wire_reader *r, der_tlv *out) {
    wire_reader t = *r;
    der_tlv tlv;
    size_t len;
    SR_TRY(read_identifier(&t, &tlv.cls, &tlv.constructed, &tlv.tag));
    SR_TRY(read_length(&t, &len));
    SR_TRY(wire_read_sub(&t, len, &tlv.contents)); /* fits + depth limit */
    tlv.whole = wire_peek_ptr(r);
    tlv.whole_len = t.pos - r->pos;
    *out = tlv;
    *r = t;
    return SR_SUCCESS;
}

static bool tlv_is(const der_tlv *t, uint8_t cls, bool constructed, uint32_t tag) {
    return t->cls == cls && t->constructed == constructed && t->tag == tag;
}

bool der_peek_is(const wire_reader *r, uint8_t cls, bool constructed, uint32_t tag) {
    wire_reader t = *r;
    der_tlv tlv;
    if (!sr_is_ok(der_read_tlv(&t, &tlv))) return false;
    return tlv_is(&tlv, cls, constructed, tag);
}

sr der_expect(wire_reader *r, uint8_t cls, bool constructed, uint32_t tag,
              wire_reader *contents) {
    wire_reader t = *r;
    der_tlv tlv;
    SR_TRY(der_read_tlv(&t, &tlv));
    SR_ENSURE(tlv_is(&tlv, cls, constructed, tag), SR_INVALID_TOKEN);
    *contents = tlv.contents;
    *r = t;
    return SR_SUCCESS;
}

sr der_optional(wire_reader *r, uint8_t cls, bool constructed, uint32_t tag,
                wire_reader *contents, bool *present) {
    wire_reader t = *r;
    uint8_t c;
    bool k;
    uint32_t n;
    /* Absent unless the identifier matches; a malformed identifier is left
     * for whoever reads the next element. A matching identifier with a bad
     * length or contents is an error. */
    if (wire_remaining(r) == 0 || !sr_is_ok(read_identifier(&t, &c, &k, &n)) || c != cls ||
        k != constructed || n != tag) {
        *present = false;
        return SR_SUCCESS;
    }
    SR_TRY(der_expect(r, cls, constructed, tag, contents));
    *present = true;
    return SR_SUCCESS;
}

/* Read a universal primitive; contents returned as a pointer + length. The
 * caller validates and then commits `t` into its reader. */
static sr read_prim(wire_reader *t, uint32_t tag, const uint8_t **val, size_t *len) {
    wire_reader c;
    SR_TRY(der_expect(t, DER_CLASS_UNIVERSAL, false, tag, &c));
    *len = wire_remaining(&c);
    return wire_read_bytes(&c, *len, val);
}

sr der_check_oid_contents(const uint8_t *oid, size_t len) {
    SR_ENSURE(oid != NULL && len > 0, SR_INVALID_TOKEN);
    bool arc_start = true;
    for (size_t i = 0; i < len; i++) {
        /* 0x80 as the first octet of an arc is a redundant zero septet. */
        SR_ENSURE(!(arc_start && oid[i] == 0x80), SR_INVALID_TOKEN);
        arc_start = (oid[i] & 0x80) == 0;
    }
    SR_ENSURE(arc_start, SR_INVALID_TOKEN); /* last arc unterminated */
    return SR_SUCCESS;
}

sr der_read_oid(wire_reader *r, const uint8_t **oid, size_t *oid_len) {
    wire_reader t = *r;
    const uint8_t *v;
    size_t n;
    SR_TRY(read_prim(&t, DER_TAG_OID, &v, &n));
    SR_TRY(der_check_oid_contents(v, n));
    *oid = v;
    *oid_len = n;
    *r = t;
    return SR_SUCCESS;
}

sr der_read_octet_string(wire_reader *r, const uint8_t **val, size_t *len) {
    wire_reader t = *r;
    SR_TRY(read_prim(&t, DER_TAG_OCTET_STRING, val, len));
    *r = t;
    return SR_SUCCESS;
}

sr der_read_bit_string(wire_reader *r, const uint8_t **bits, size_t *len, uint8_t *unused_bits) {
    wire_reader t = *r;
    const uint8_t *v;
    size_t n;
    SR_TRY(read_prim(&t, DER_TAG_BIT_STRING, &v, &n));
    SR_ENSURE(n >= 1, SR_INVALID_TOKEN);
    uint8_t unused = v[0];
    SR_ENSURE(unused <= 7, SR_INVALID_TOKEN);
    SR_ENSURE(n > 1 || unused == 0, SR_INVALID_TOKEN);
    /* DER (X.690 11.2.1): the unused bits are zero. */
    if (n > 1) SR_ENSURE((v[n - 1] & ((1u << unused) - 1u)) == 0, SR_INVALID_TOKEN);
    *bits = n > 1 ? v + 1 : NULL;
    *len = n - 1;
    *unused_bits = unused;
    *r = t;
    return SR_SUCCESS;
}

sr der_read_boolean(wire_reader *r, bool *out) {
    wire_reader t = *r;
    const uint8_t *v;
    size_t n;
    SR_TRY(read_prim(&t, DER_TAG_BOOLEAN, &v, &n));
    SR_ENSURE(n == 1 && (v[0] == 0x00 || v[0] == 0xff), SR_INVALID_TOKEN);
    *out = v[0] == 0xff;
    *r = t;
    return SR_SUCCESS;
}

static sr read_integer(wire_reader *r, uint32_t tag, int64_t *out) {
    wire_reader t = *r;
    const uint8_t *v;
    size_t n;
    SR_TRY(read_prim(&t, tag, &v, &n));
    SR_ENSURE(n >= 1 && n <= 8, SR_INVALID_TOKEN);
    if (n > 1) {
        SR_ENSURE(!(v[0] == 0x00 && (v[1] & 0x80) == 0), SR_INVALID_TOKEN);
        SR_ENSURE(!(v[0] == 0xff && (v[1] & 0x80) != 0), SR_INVALID_TOKEN);
    }
    uint64_t u = (v[0] & 0x80) ? UINT64_MAX : 0; /* sign extension */
    for (size_t i = 0; i < n; i++) u = (u << 8) | v[i];
    /* Two's complement to int64_t without implementation-defined casts. */
    *out = u <= (uint64_t)INT64_MAX ? (int64_t)u : -(int64_t)(~u) - 1;
    *r = t;
    return SR_SUCCESS;
}

sr der_read_int64(wire_reader *r, int64_t *out) { return read_integer(r, DER_TAG_INTEGER, out); }

sr der_read_enumerated(wire_reader *r, int64_t *out) {
    return read_integer(r, DER_TAG_ENUMERATED, out);
}

sr der_read_general_string(wire_reader *r, const uint8_t **s, size_t *len) {
    wire_reader t = *r;
    SR_TRY(read_prim(&t, DER_TAG_GENERAL_STRING, s, len));
    *r = t;
    return SR_SUCCESS;
}

static bool is_digit(uint8_t c) { return c >= '0' && c <= '9'; }

/* DER GeneralizedTime (X.690 11.7): YYYYMMDDHHMMSS[.f+]Z, no trailing zero
 * in the fraction, no empty fraction. */
static bool valid_generalized_time(const uint8_t *s, size_t n) {
    if (n < 15 || s[n - 1] != 'Z') return false;
    for (size_t i = 0; i < 14; i++)
        if (!is_digit(s[i])) return false;
    if (n == 15) return true;
    if (s[14] != '.' || n < 17) return false;
    for (size_t i = 15; i < n - 1; i++)
        if (!is_digit(s[i])) return false;
    return s[n - 2] != '0';
}

sr der_read_generalized_time(wire_reader *r, const uint8_t **s, size_t *len) {
    wire_reader t = *r;
    const uint8_t *v;
    size_t n;
    SR_TRY(read_prim(&t, DER_TAG_GENERALIZED_TIME, &v, &n));
    SR_ENSURE(valid_generalized_time(v, n), SR_INVALID_TOKEN);
    *s = v;
    *len = n;
    *r = t;
    return SR_SUCCESS;
}

/* Append `text` (NUL-terminated) at out[*pos]; keeps room for the NUL. */
static sr text_append(char *out, size_t cap, size_t *pos, const char *text) {
    size_t n = strlen(text);
    SR_ENSURE(cap > *pos && n < cap - *pos, SR_BUFFER_TOO_SMALL);
    memcpy(out + *pos, text, n + 1);
    *pos += n;
    return SR_SUCCESS;
}

static void u64_to_dec(uint64_t v, char buf[21]) {
    char tmp[21];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++) buf[i] = tmp[n - 1 - i];
    buf[n] = '\0';
}

sr der_oid_to_text(const uint8_t *oid, size_t len, char *out, size_t out_cap) {
    SR_TRY(der_check_oid_contents(oid, len));
    size_t pos = 0;
    size_t i = 0;
    bool first = true;
    if (out_cap) out[0] = '\0';
    while (i < len) {
        uint64_t arc = 0;
        for (;;) {
            /* Arcs are limited to 64 bits (every OID SSPI deals with). */
            SR_ENSURE(arc <= (UINT64_MAX >> 7), SR_UNSUPPORTED);
            arc = (arc << 7) | (oid[i] & 0x7fu);
            if ((oid[i++] & 0x80) == 0) break;
        }
        char num[21];
        if (first) {
            /* First subidentifier is X*40 + Y with X in {0, 1, 2}. */
            uint64_t x = arc < 40 ? 0 : arc < 80 ? 1 : 2;
            u64_to_dec(x, num);
            SR_TRY(text_append(out, out_cap, &pos, num));
            arc -= x * 40;
            first = false;
        }
        SR_TRY(text_append(out, out_cap, &pos, "."));
        u64_to_dec(arc, num);
        SR_TRY(text_append(out, out_cap, &pos, num));
    }
    return SR_SUCCESS;
}

/* ---- writing ---- */

size_t der_length_size(size_t n) {
    if (n < 0x80) return 1;
    size_t k = 1;
    while (n && k < 5) {
        n >>= 8;
        k++;
    }
    return k;
}

/* Encode a length (<= DER_MAX_LENGTH) minimally; returns its size. */
static size_t encode_length(size_t n, uint8_t out[5]) {
    size_t k = der_length_size(n);
    if (k == 1) {
        out[0] = (uint8_t)n;
        return 1;
    }
    out[0] = (uint8_t)(0x80 | (k - 1));
    for (size_t i = 1; i < k; i++) out[i] = (uint8_t)(n >> (8 * (k - 1 - i)));
    return k;
}

static sr der_fail(wire_writer *w, sr_code code) {
    wire_writer_fail(w, code);
    return wire_writer_status(w);
}

static sr write_identifier(wire_writer *w, uint8_t cls, bool constructed, uint32_t tag) {
    SR_TRY(wire_writer_status(w));
    if ((cls & 0x3f) != 0 || tag > DER_MAX_TAG) return der_fail(w, SR_INVALID_PARAMETER);
    uint8_t b[4];
    size_t n = 0;
    uint8_t first = (uint8_t)(cls | (constructed ? 0x20 : 0));
    if (tag < 0x1f) {
        b[n++] = (uint8_t)(first | tag);
    } else {
        b[n++] = (uint8_t)(first | 0x1f);
        if (tag >= (1u << 14)) b[n++] = (uint8_t)(0x80 | (tag >> 14));
        if (tag >= (1u << 7)) b[n++] = (uint8_t)(0x80 | ((tag >> 7) & 0x7f));
        b[n++] = (uint8_t)(tag & 0x7f);
    }
    return wire_write_bytes(w, b, n);
}

static sr write_prim(wire_writer *w, uint32_t tag, const void *val, size_t len) {
    SR_TRY(wire_writer_status(w));
    if (len > DER_MAX_LENGTH || (len && val == NULL)) return der_fail(w, SR_INVALID_PARAMETER);
    uint8_t lb[5];
    size_t ln = encode_length(len, lb);
    SR_TRY(write_identifier(w, DER_CLASS_UNIVERSAL, false, tag));
    SR_TRY(wire_write_bytes(w, lb, ln));
    return wire_write_bytes(w, val, len);
}

sr der_begin(wire_writer *w, uint8_t cls, bool constructed, uint32_t tag, der_mark *mark) {
    mark->value_start = wire_writer_len(w);
    SR_TRY(write_identifier(w, cls, constructed, tag));
    mark->value_start = wire_writer_len(w);
    return SR_SUCCESS;
}

sr der_end(wire_writer *w, const der_mark *mark) {
    SR_TRY(wire_writer_status(w));
    size_t end = wire_writer_len(w);
    if (mark->value_start > end) return der_fail(w, SR_INVALID_PARAMETER);
    size_t n = end - mark->value_start;
    if (n > DER_MAX_LENGTH) return der_fail(w, SR_INVALID_PARAMETER);
    uint8_t lb[5];
    size_t ln = encode_length(n, lb);
    return wire_insert(w, mark->value_start, lb, ln);
}

sr der_write_oid(wire_writer *w, const uint8_t *oid, size_t len) {
    SR_TRY(wire_writer_status(w));
    if (!sr_is_ok(der_check_oid_contents(oid, len))) return der_fail(w, SR_INVALID_PARAMETER);
    return write_prim(w, DER_TAG_OID, oid, len);
}

sr der_write_octet_string(wire_writer *w, const void *val, size_t len) {
    return write_prim(w, DER_TAG_OCTET_STRING, val, len);
}

sr der_write_bit_string(wire_writer *w, const void *bits, size_t len, uint8_t unused_bits) {
    SR_TRY(wire_writer_status(w));
    const uint8_t *b = bits;
    if (unused_bits > 7 || (len == 0 && unused_bits != 0) || (len && b == NULL) ||
        len >= DER_MAX_LENGTH ||
        (len && (b[len - 1] & ((1u << unused_bits) - 1u)) != 0))
        return der_fail(w, SR_INVALID_PARAMETER);
    uint8_t lb[5];
    size_t ln = encode_length(len + 1, lb);
    SR_TRY(write_identifier(w, DER_CLASS_UNIVERSAL, false, DER_TAG_BIT_STRING));
    SR_TRY(wire_write_bytes(w, lb, ln));
    SR_TRY(wire_write_u8(w, unused_bits));
    return wire_write_bytes(w, bits, len);
}

sr der_write_boolean(wire_writer *w, bool v) {
    uint8_t b = v ? 0xff : 0x00;
    return write_prim(w, DER_TAG_BOOLEAN, &b, 1);
}

static sr write_integer(wire_writer *w, uint32_t tag, int64_t v) {
    uint8_t b[8];
    uint64_t u = (uint64_t)v; /* well defined: modulo 2^64 */
    for (size_t i = 0; i < 8; i++) b[i] = (uint8_t)(u >> (8 * (7 - i)));
    size_t s = 0;
    /* Drop redundant sign octets (X.690 8.3.2). */
    while (s < 7 && ((b[s] == 0x00 && (b[s + 1] & 0x80) == 0) ||
                     (b[s] == 0xff && (b[s + 1] & 0x80) != 0)))
        s++;
    return write_prim(w, tag, b + s, 8 - s);
}

sr der_write_int64(wire_writer *w, int64_t v) { return write_integer(w, DER_TAG_INTEGER, v); }

sr der_write_enumerated(wire_writer *w, int64_t v) {
    return write_integer(w, DER_TAG_ENUMERATED, v);
}

sr der_write_general_string(wire_writer *w, const void *s, size_t len) {
    return write_prim(w, DER_TAG_GENERAL_STRING, s, len);
}

sr der_write_generalized_time(wire_writer *w, const void *s, size_t len) {
    SR_TRY(wire_writer_status(w));
    if (s == NULL || !valid_generalized_time(s, len)) return der_fail(w, SR_INVALID_PARAMETER);
    return write_prim(w, DER_TAG_GENERALIZED_TIME, s, len);
}

sr der_write_raw(wire_writer *w, const void *der, size_t len) {
    return wire_write_bytes(w, der, len);
}
