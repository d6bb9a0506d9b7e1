/*
 * libFuzzer target for what the Kerberos package parses itself in the
 * context-establishment tokens (the Kerberos messages inside are MIT krb5's
 * business): the RFC 4121 4.1 framing (krb_unframe_token: 0x60, krb5 or
 * Microsoft krb5 OID, TOK_ID) and the 0x8003 authenticator checksum
 * (krb_gss_cksum_parse). Views must stay inside the input; a parsed frame
 * is rebuilt with krb_frame_token and must equal the input when the OID is
 * the standard one.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "packages/kerberos/krb_context.h"
#include "packages/negotiate/spnego_wire.h"

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    uint16_t tok_id = 0;
    const uint8_t *body = NULL;
    size_t body_len = 0;
    if (sr_is_ok(krb_unframe_token(data, size, &tok_id, &body, &body_len))) {
        CHECK(body >= data && body + body_len == data + size);
        sspi_token t = {0};
        if (sr_is_ok(krb_frame_token(tok_id, body, body_len, &t))) {
            /* Same bytes (strict DER) unless the input used Microsoft's OID. */
            gss_view oid, inner;
            CHECK(t.len == size);
            CHECK(sr_is_ok(gss_parse_initial_token(data, size, &oid, &inner)));
            if (gss_oid_equal(oid, spnego_oid_krb5, SPNEGO_OID_KRB5_LEN))
                CHECK(memcmp(t.data, data, size) == 0);
            free(t.data);
        }
    }
    krb_gss_cksum ck;
    if (sr_is_ok(krb_gss_cksum_parse(data, size, &ck))) {
        CHECK(size >= 24);
        CHECK(ck.bnd == data + 4);
        size_t used = 24 + (ck.has_deleg ? 4 + ck.deleg_len : 0);
        CHECK(used + ck.exts_len == size);
        if (ck.has_deleg) CHECK(ck.deleg == data + 28 && (ck.flags & KRB_GSS_C_DELEG_FLAG));
    }
    return 0;
}
