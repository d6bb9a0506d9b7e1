/*
 * libFuzzer target for the SPNEGO NegTokenInit / NegTokenInit2 parser
 * (framed and unframed). Whatever parses is rebuilt with the builders; DER
 * is canonical and the parser strict, so the rebuild must equal the input
 * byte for byte (abort() otherwise). Also checked: the MechTypeList view is
 * exactly the encoding of the parsed mechanisms, every view lies inside the
 * input, and spnego_token_kind agrees with the parser.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "packages/negotiate/spnego_wire.h"

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

static void check_inside(gss_view v, const uint8_t *data, size_t size) {
    if (v.len == 0) return;
    CHECK(v.data >= data && v.len <= size && v.data - data <= (ptrdiff_t)(size - v.len));
}

static void check_views(const spnego_neg_token_init *t, const uint8_t *data, size_t size) {
    CHECK(t->mech_count >= 1 && t->mech_count <= SPNEGO_MAX_MECHS);
    for (size_t i = 0; i < t->mech_count; i++) {
        CHECK(t->mech_types[i].len > 0);
        check_inside(t->mech_types[i], data, size);
    }
    check_inside(t->mech_type_list_der, data, size);
    if (t->has_mech_token) check_inside(t->mech_token, data, size);
    if (t->has_mech_list_mic) check_inside(t->mech_list_mic, data, size);
    if (t->has_hint_name) check_inside(t->hint_name, data, size);
    if (t->has_hint_address) check_inside(t->hint_address, data, size);
    if (t->has_req_flags && t->req_flags.len) {
        gss_view f = {t->req_flags.data, t->req_flags.len};
        check_inside(f, data, size);
    }
    CHECK(!t->has_neg_hints || t->init2);
    CHECK(t->has_neg_hints || (!t->has_hint_name && !t->has_hint_address));
    (void)spnego_flags_from_bits(&t->req_flags);

    /* The MIC input: re-encoding the list gives exactly the raw view. */
    wire_writer w;
    CHECK(sr_is_ok(wire_writer_init_alloc(&w, 0)));
    CHECK(sr_is_ok(spnego_encode_mech_type_list(t->mech_types, t->mech_count, &w)));
    CHECK(w.len == t->mech_type_list_der.len &&
          memcmp(w.data, t->mech_type_list_der.data, w.len) == 0);
    wire_writer_free(&w);
}

static void rebuild(const spnego_neg_token_init *t, bool framed, const uint8_t *data,
                    size_t size) {
    wire_writer w;
    CHECK(sr_is_ok(wire_writer_init_alloc(&w, 0)));
    sr r = framed ? spnego_build_init_token(t, &w) : spnego_build_neg_token_init(t, &w);
    CHECK(sr_is_ok(r));
    CHECK(w.len == size && memcmp(w.data, data, size) == 0);
    wire_writer_free(&w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    spnego_neg_token_init t;
    spnego_token_kind_t kind = spnego_token_kind(data, size);
    if (sr_is_ok(spnego_parse_init_token(data, size, &t))) {
        CHECK(kind == SPNEGO_TOKEN_INIT);
        check_views(&t, data, size);
        rebuild(&t, true, data, size);
        /* The framing alone agrees. */
        gss_view oid, inner;
        CHECK(sr_is_ok(gss_parse_initial_token(data, size, &oid, &inner)));
        spnego_neg_token_init u;
        CHECK(sr_is_ok(spnego_parse_neg_token_init(inner.data, inner.len, &u)));
        CHECK(u.mech_count == t.mech_count && u.init2 == t.init2);
    }
    if (sr_is_ok(spnego_parse_neg_token_init(data, size, &t))) {
        CHECK(kind == SPNEGO_TOKEN_UNKNOWN);
        check_views(&t, data, size);
        rebuild(&t, false, data, size);
    }
    return 0;
}
