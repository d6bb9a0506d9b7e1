/*
 * The one strict DER codec of libsspi (ITU-T X.690 DER subset), built on the
 * cursor. Used by SPNEGO, Kerberos GSS framing and CredSSP.
 *
 * Reading is strict, per X.690 section 10:
 *  - definite lengths only (indefinite 0x80 rejected, X.690 10.1);
 *  - minimal length encodings (no long form for < 128, no leading 0x00
 *    octets in the long form); lengths above DER_MAX_LENGTH rejected;
 *  - high tag numbers (0x1f) encoded minimally; tags above 2^21 rejected;
 *  - a TLV must fit in the enclosing reader (nested length limits);
 *  - nesting bounded by WIRE_MAX_DEPTH (each contents reader is a sub-reader);
 *  - INTEGER minimal (no redundant leading 0x00/0xff), BOOLEAN 0x00/0xff,
 *    OID arcs minimal, BIT STRING unused-bits rules.
 *  Every failure is SR_INVALID_TOKEN and leaves the reader where it was.
 *
 * Writing: der_begin() starts a constructed or primitive TLV and returns a
 * mark; der_end() computes the length of what was written since and inserts
 * the minimal length encoding. Helpers write whole primitives.
 */
#ifndef LIBSSPI_WIRE_DER_H
#define LIBSSPI_WIRE_DER_H

#include "cursor.h"

#define DER_MAX_LENGTH (16u * 1024u * 1024u)

/* Identifier octet classes (X.690 8.1.2.2), already shifted. */
#define DER_CLASS_UNIVERSAL 0x00
#define DER_CLASS_APPLICATION 0x40
#define DER_CLASS_CONTEXT 0x80
#define DER_CLASS_PRIVATE 0xc0

/* Universal tag numbers used by the library. */
#define DER_TAG_BOOLEAN 1
#define DER_TAG_INTEGER 2
#define DER_TAG_BIT_STRING 3
#define DER_TAG_OCTET_STRING 4
#define DER_TAG_NULL 5
#define DER_TAG_OID 6
#define DER_TAG_ENUMERATED 10
#define DER_TAG_UTF8_STRING 12
#define DER_TAG_SEQUENCE 16
#define DER_TAG_SET 17
#define DER_TAG_IA5_STRING 22
#define DER_TAG_GENERALIZED_TIME 24
#define DER_TAG_GENERAL_STRING 27

typedef struct der_tlv {
    uint8_t cls;          /* DER_CLASS_* */
    bool constructed;
    uint32_t tag;         /* tag number */
    wire_reader contents; /* sub-reader over the value octets (depth + 1) */
    const uint8_t *whole; /* first identifier octet: the whole encoding ... */
    size_t whole_len;     /* ... and its length (for MICs over raw DER) */
} der_tlv;

/* Read any one TLV. */
SR_MUST_CHECK sr der_read_tlv(wire_reader *r, der_tlv *out);
/* Peek at the next identifier without consuming (false if none/invalid). */
bool der_peek_is(const wire_reader *r, uint8_t cls, bool constructed, uint32_t tag);
/* Read one TLV that must have exactly this identifier; contents returned. */
SR_MUST_CHECK sr der_expect(wire_reader *r, uint8_t cls, bool constructed, uint32_t tag,
                            wire_reader *contents);
/* Optional element: if the next TLV has this identifier, read it and set
 * *present = true; otherwise leave the reader and set *present = false. */
SR_MUST_CHECK sr der_optional(wire_reader *r, uint8_t cls, bool constructed, uint32_t tag,
                              wire_reader *contents, bool *present);

/* Universal primitives (the whole TLV is read). */
SR_MUST_CHECK sr der_read_oid(wire_reader *r, const uint8_t **oid, size_t *oid_len);
SR_MUST_CHECK sr der_read_octet_string(wire_reader *r, const uint8_t **val, size_t *len);
SR_MUST_CHECK sr der_read_bit_string(wire_reader *r, const uint8_t **bits, size_t *len,
                                     uint8_t *unused_bits);
SR_MUST_CHECK sr der_read_boolean(wire_reader *r, bool *out);
SR_MUST_CHECK sr der_read_int64(wire_reader *r, int64_t *out);  /* INTEGER */
SR_MUST_CHECK sr der_read_enumerated(wire_reader *r, int64_t *out);
SR_MUST_CHECK sr der_read_general_string(wire_reader *r, const uint8_t **s, size_t *len);
SR_MUST_CHECK sr der_read_generalized_time(wire_reader *r, const uint8_t **s, size_t *len);
/* Validate the contents octets of an OID (minimal arcs, non-empty). */
SR_MUST_CHECK sr der_check_oid_contents(const uint8_t *oid, size_t len);
/* Render OID contents as dotted text ("1.3.6.1.5.5.2"); SR_BUFFER_TOO_SMALL. */
SR_MUST_CHECK sr der_oid_to_text(const uint8_t *oid, size_t len, char *out, size_t out_cap);

/* Writer side. */
typedef struct der_mark {
    size_t value_start; /* offset where the value begins (identifier written) */
} der_mark;

SR_MUST_CHECK sr der_begin(wire_writer *w, uint8_t cls, bool constructed, uint32_t tag,
                           der_mark *mark);
SR_MUST_CHECK sr der_end(wire_writer *w, const der_mark *mark);
SR_MUST_CHECK sr der_write_oid(wire_writer *w, const uint8_t *oid, size_t len);
SR_MUST_CHECK sr der_write_octet_string(wire_writer *w, const void *val, size_t len);
SR_MUST_CHECK sr der_write_bit_string(wire_writer *w, const void *bits, size_t len,
                                      uint8_t unused_bits);
SR_MUST_CHECK sr der_write_boolean(wire_writer *w, bool v);
SR_MUST_CHECK sr der_write_int64(wire_writer *w, int64_t v);
SR_MUST_CHECK sr der_write_enumerated(wire_writer *w, int64_t v);
SR_MUST_CHECK sr der_write_general_string(wire_writer *w, const void *s, size_t len);
SR_MUST_CHECK sr der_write_generalized_time(wire_writer *w, const void *s, size_t len);
/* Whole pre-encoded TLV(s), copied as is. */
SR_MUST_CHECK sr der_write_raw(wire_writer *w, const void *der, size_t len);
/* Encoded size of a length field for value length n (1..5). */
size_t der_length_size(size_t n);

#endif
