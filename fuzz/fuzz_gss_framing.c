/*
 * libFuzzer target for the GSS-API InitialContextToken framing
 * (RFC 2743 3.1) shared by SPNEGO and Kerberos. Whatever parses is rebuilt
 * and must equal the input byte for byte (abort() otherwise); the OID and
 * inner views must tile the input's tail; spnego_token_kind must agree.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "packages/negotiate/spnego_wire.h"

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    gss_view oid, inner;
    spnego_token_kind_t kind = spnego_token_kind(data, size);
    if (!sr_is_ok(gss_parse_initial_token(data, size, &oid, &inner))) {
        CHECK(kind != SPNEGO_TOKEN_INIT && kind != SPNEGO_TOKEN_GSS_OTHER);
        spnego_neg_token_init t;
        CHECK(!sr_is_ok(spnego_parse_init_token(data, size, &t)));
        return 0;
    }
    CHECK(size >= 4 && data[0] == 0x60);
    CHECK(oid.len > 0 && oid.data > data && oid.data + oid.len <= data + size);
    /* The inner token is everything after the OID, to the end. */
    CHECK(inner.len == (size_t)(data + size - (oid.data + oid.len)));
    CHECK(inner.len == 0 || inner.data == oid.data + oid.len);
    bool is_spnego = gss_oid_equal(oid, spnego_oid_spnego, sizeof spnego_oid_spnego);
    CHECK(kind == (is_spnego ? SPNEGO_TOKEN_INIT : SPNEGO_TOKEN_GSS_OTHER));

    wire_writer w;
    CHECK(sr_is_ok(wire_writer_init_alloc(&w, 0)));
    CHECK(sr_is_ok(gss_build_initial_token(oid, inner, &w)));
    CHECK(w.len == size && memcmp(w.data, data, size) == 0);
    wire_writer_free(&w);

    /* SPNEGO's own parser accepts only what the framing accepts. */
    spnego_neg_token_init t;
    if (sr_is_ok(spnego_parse_init_token(data, size, &t))) CHECK(is_spnego);
    return 0;
}
