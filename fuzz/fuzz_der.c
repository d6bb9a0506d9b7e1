/*
 * libFuzzer target for the strict DER codec.
 *
 * The input is parsed as a sequence of TLVs, descending into constructed
 * ones. Whatever parses is re-encoded with the DER writer (der_begin/der_end
 * for every TLV, the typed writers for the universal primitives the typed
 * readers accept). DER is canonical, so the re-encoding must be
 * byte-identical to the input: any difference is a bug (abort()).
 * Also checked: failed reads leave the reader untouched, and `whole` /
 * `contents` of a TLV lie inside what was consumed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/der.h"

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

static int same_reader(const wire_reader *a, const wire_reader *b) {
    return a->data == b->data && a->len == b->len && a->pos == b->pos && a->depth == b->depth;
}

static void expect_equal(const wire_writer *w, const uint8_t *want, size_t want_len) {
    CHECK(sr_is_ok(wire_writer_status(w)));
    CHECK(w->len == want_len);
    CHECK(want_len == 0 || memcmp(w->data, want, want_len) == 0);
}

/* Typed readers on a universal primitive; when one accepts, its writer must
 * reproduce the TLV exactly. */
static void check_typed(const der_tlv *t) {
    wire_reader r;
    wire_reader_init(&r, t->whole, t->whole_len);
    r.depth = t->contents.depth - 1;
    wire_reader before = r;
    wire_writer w;
    CHECK(sr_is_ok(wire_writer_init_alloc(&w, 0)));
    sr rr = SR_SUCCESS, wr = SR_SUCCESS;
    const uint8_t *p = NULL;
    size_t n = 0;
    switch (t->tag) {
    case DER_TAG_BOOLEAN: {
        bool b;
        rr = der_read_boolean(&r, &b);
        if (sr_is_ok(rr)) wr = der_write_boolean(&w, b);
        break;
    }
    case DER_TAG_INTEGER:
    case DER_TAG_ENUMERATED: {
        int64_t v;
        rr = t->tag == DER_TAG_INTEGER ? der_read_int64(&r, &v) : der_read_enumerated(&r, &v);
        if (sr_is_ok(rr))
            wr = t->tag == DER_TAG_INTEGER ? der_write_int64(&w, v) : der_write_enumerated(&w, v);
        break;
    }
    case DER_TAG_BIT_STRING: {
        uint8_t unused;
        rr = der_read_bit_string(&r, &p, &n, &unused);
        if (sr_is_ok(rr)) wr = der_write_bit_string(&w, p, n, unused);
        break;
    }
    case DER_TAG_OCTET_STRING:
        rr = der_read_octet_string(&r, &p, &n);
        if (sr_is_ok(rr)) wr = der_write_octet_string(&w, p, n);
        break;
    case DER_TAG_OID: {
        rr = der_read_oid(&r, &p, &n);
        if (sr_is_ok(rr)) {
            char text[512];
            sr tr = der_oid_to_text(p, n, text, sizeof text);
            CHECK(tr.code == SR_OK || tr.code == SR_BUFFER_TOO_SMALL ||
                  tr.code == SR_UNSUPPORTED);
            if (tr.code == SR_OK) CHECK(strlen(text) < sizeof text);
            wr = der_write_oid(&w, p, n);
        } else {
            /* The contents check alone must agree with the reader. */
            const uint8_t *c = wire_peek_ptr(&t->contents);
            CHECK(!sr_is_ok(der_check_oid_contents(c, wire_remaining(&t->contents))));
        }
        break;
    }
    case DER_TAG_GENERAL_STRING:
        rr = der_read_general_string(&r, &p, &n);
        if (sr_is_ok(rr)) wr = der_write_general_string(&w, p, n);
        break;
    case DER_TAG_GENERALIZED_TIME:
        rr = der_read_generalized_time(&r, &p, &n);
        if (sr_is_ok(rr)) wr = der_write_generalized_time(&w, p, n);
        break;
    default:
        wire_writer_free(&w);
        return;
    }
    if (sr_is_ok(rr)) {
        CHECK(sr_is_ok(wr));
        CHECK(r.pos == r.len);
        expect_equal(&w, t->whole, t->whole_len);
    } else {
        CHECK(rr.code == SR_INVALID_TOKEN);
        CHECK(same_reader(&r, &before));
    }
    wire_writer_free(&w);
}

/* Re-encode every TLV of r into w. Returns 0 (reader unchanged at the
 * failing element) if something does not parse. */
static int reencode(wire_reader *r, wire_writer *w) {
    while (wire_remaining(r)) {
        wire_reader before = *r;
        der_tlv t;
        sr res = der_read_tlv(r, &t);
        if (!sr_is_ok(res)) {
            CHECK(res.code == SR_INVALID_TOKEN);
            CHECK(same_reader(r, &before));
            return 0;
        }
        /* Geometry of what was consumed. */
        CHECK(t.whole == wire_peek_ptr(&before));
        CHECK(t.whole_len == r->pos - before.pos);
        CHECK(t.contents.depth == before.depth + 1);
        CHECK(t.contents.pos == 0);
        CHECK(t.contents.len < t.whole_len && t.contents.len <= DER_MAX_LENGTH);
        CHECK(t.contents.len == 0 ||
              (t.contents.data > t.whole &&
               t.contents.data + t.contents.len == t.whole + t.whole_len));
        CHECK(der_peek_is(&before, t.cls, t.constructed, t.tag));
        /* der_expect / der_optional agree with der_read_tlv. */
        wire_reader e = before, c;
        CHECK(sr_is_ok(der_expect(&e, t.cls, t.constructed, t.tag, &c)));
        CHECK(same_reader(&e, r) && same_reader(&c, &t.contents));
        e = before;
        bool present = false;
        CHECK(sr_is_ok(der_optional(&e, t.cls, t.constructed, t.tag, &c, &present)));
        CHECK(present && same_reader(&e, r));
        e = before;
        CHECK(!sr_is_ok(der_expect(&e, t.cls, !t.constructed, t.tag, &c)));
        CHECK(same_reader(&e, &before));
        CHECK(sr_is_ok(der_optional(&e, t.cls, !t.constructed, t.tag, &c, &present)));
        CHECK(!present && same_reader(&e, &before));

        der_mark m;
        CHECK(sr_is_ok(der_begin(w, t.cls, t.constructed, t.tag, &m)));
        bool raw = true;
        if (t.constructed) {
            size_t mark_len = w->len;
            wire_reader inner = t.contents;
            if (reencode(&inner, w)) raw = false;
            else w->len = mark_len; /* not a TLV list: copy as is */
        } else if (t.cls == DER_CLASS_UNIVERSAL) {
            check_typed(&t);
        }
        if (raw) {
            const uint8_t *p;
            wire_reader cc = t.contents;
            CHECK(sr_is_ok(wire_read_bytes(&cc, wire_remaining(&cc), &p)));
            CHECK(sr_is_ok(der_write_raw(w, p, t.contents.len)));
        }
        CHECK(sr_is_ok(der_end(w, &m)));
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    wire_reader r;
    wire_reader_init(&r, data, size);
    wire_writer w;
    if (!sr_is_ok(wire_writer_init_alloc(&w, 0))) return 0;
    if (reencode(&r, &w)) {
        /* Everything parsed: the re-encoding is the input. */
        expect_equal(&w, data, size);
    } else {
        /* The prefix that parsed re-encodes to itself. */
        CHECK(w.len == r.pos);
        CHECK(r.pos == 0 || memcmp(w.data, data, r.pos) == 0);
    }
    wire_writer_free(&w);
    return 0;
}
