/*
 * libFuzzer target for the SPNEGO NegTokenResp parser. Whatever parses is
 * rebuilt and must equal the input byte for byte (strict DER is canonical):
 * abort() otherwise. Views must lie inside the input, negState in range, and
 * spnego_token_kind must say RESP.
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    spnego_neg_token_resp r;
    if (!sr_is_ok(spnego_parse_neg_token_resp(data, size, &r))) return 0;
    CHECK(spnego_token_kind(data, size) == SPNEGO_TOKEN_RESP);
    if (r.has_neg_state)
        CHECK(r.neg_state >= SPNEGO_ACCEPT_COMPLETED && r.neg_state <= SPNEGO_REQUEST_MIC);
    if (r.has_supported_mech) {
        CHECK(r.supported_mech.len > 0);
        check_inside(r.supported_mech, data, size);
    }
    if (r.has_response_token) check_inside(r.response_token, data, size);
    if (r.has_mech_list_mic) check_inside(r.mech_list_mic, data, size);

    wire_writer w;
    CHECK(sr_is_ok(wire_writer_init_alloc(&w, 0)));
    CHECK(sr_is_ok(spnego_build_neg_token_resp(&r, &w)));
    CHECK(w.len == size && memcmp(w.data, data, size) == 0);
    wire_writer_free(&w);

    /* A NegTokenResp is never an init token. */
    spnego_neg_token_init t;
    CHECK(!sr_is_ok(spnego_parse_init_token(data, size, &t)));
    CHECK(!sr_is_ok(spnego_parse_neg_token_init(data, size, &t)));
    return 0;
}
