/*
 * SPNEGO wire codec and GSS InitialContextToken framing (contract in
 * spnego_wire.h). Every byte is read and written through the strict DER
 * codec; parsers work on copies of the caller's reader and commit only on
 * success.
 */
#include "spnego_wire.h"

#include <string.h>

#include "wire/der.h"

const uint8_t spnego_oid_spnego[SPNEGO_OID_SPNEGO_LEN] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x02};
const uint8_t spnego_oid_krb5[SPNEGO_OID_KRB5_LEN] = {0x2a, 0x86, 0x48, 0x86, 0xf7,
                                                      0x12, 0x01, 0x02, 0x02};
const uint8_t spnego_oid_ms_krb5[SPNEGO_OID_MS_KRB5_LEN] = {0x2a, 0x86, 0x48, 0x82, 0xf7,
                                                            0x12, 0x01, 0x02, 0x02};
const uint8_t spnego_oid_krb5_u2u[SPNEGO_OID_KRB5_U2U_LEN] = {0x2a, 0x86, 0x48, 0x86, 0xf7,
                                                              0x12, 0x01, 0x02, 0x02, 0x03};
const uint8_t spnego_oid_ntlm[SPNEGO_OID_NTLM_LEN] = {0x2b, 0x06, 0x01, 0x04, 0x01,
                                                      0x82, 0x37, 0x02, 0x02, 0x0a};
const uint8_t spnego_oid_negoex[SPNEGO_OID_NEGOEX_LEN] = {0x2b, 0x06, 0x01, 0x04, 0x01,
                                                          0x82, 0x37, 0x02, 0x02, 0x1e};

const gss_view SPNEGO_MECH_SPNEGO = {spnego_oid_spnego, SPNEGO_OID_SPNEGO_LEN};
const gss_view SPNEGO_MECH_KRB5 = {spnego_oid_krb5, SPNEGO_OID_KRB5_LEN};
const gss_view SPNEGO_MECH_MS_KRB5 = {spnego_oid_ms_krb5, SPNEGO_OID_MS_KRB5_LEN};
const gss_view SPNEGO_MECH_KRB5_U2U = {spnego_oid_krb5_u2u, SPNEGO_OID_KRB5_U2U_LEN};
const gss_view SPNEGO_MECH_NTLM = {spnego_oid_ntlm, SPNEGO_OID_NTLM_LEN};
const gss_view SPNEGO_MECH_NEGOEX = {spnego_oid_negoex, SPNEGO_OID_NEGOEX_LEN};

bool gss_oid_equal(gss_view a, const uint8_t *oid, size_t oid_len) {
    return a.len == oid_len && (oid_len == 0 || (a.data && memcmp(a.data, oid, oid_len) == 0));
}

/* ---- reading helpers ---- */

/* Remaining bytes of a reader as a view, consuming them. */
static gss_view take_rest(wire_reader *r) {
    gss_view v;
    v.len = wire_remaining(r);
    v.data = v.len ? wire_peek_ptr(r) : NULL;
    r->pos = r->len;
    return v;
}

/* Contents of an EXPLICIT [n] wrapper hold exactly one OCTET STRING. */
static sr read_octets_in(wire_reader *c, gss_view *out) {
    SR_TRY(der_read_octet_string(c, &out->data, &out->len));
    return wire_expect_end(c);
}

static sr read_oid_in(wire_reader *c, gss_view *out) {
    SR_TRY(der_read_oid(c, &out->data, &out->len));
    return wire_expect_end(c);
}

/* Next field of a SEQUENCE made of EXPLICIT context tags: it must be a
 * constructed [tag] with tag > *last and tag <= max_tag. */
static sr read_field(wire_reader *seq, int *last, uint32_t max_tag, uint32_t *tag,
                     wire_reader *contents) {
    der_tlv f;
    SR_TRY(der_read_tlv(seq, &f));
    SR_ENSURE(f.cls == DER_CLASS_CONTEXT && f.constructed, SR_INVALID_TOKEN);
    SR_ENSURE(f.tag <= max_tag && (int)f.tag > *last, SR_INVALID_TOKEN);
    *last = (int)f.tag;
    *tag = f.tag;
    *contents = f.contents;
    return SR_SUCCESS;
}

/* [choice] { SEQUENCE { ... } } filling the whole reader t: seq is the
 * SEQUENCE's contents. */
static sr open_choice(wire_reader *t, uint32_t choice, wire_reader *seq) {
    wire_reader outer;
    SR_TRY(der_expect(t, DER_CLASS_CONTEXT, true, choice, &outer));
    SR_TRY(wire_expect_end(t));
    SR_TRY(der_expect(&outer, DER_CLASS_UNIVERSAL, true, DER_TAG_SEQUENCE, seq));
    return wire_expect_end(&outer);
}

/* A reader over a caller's buffer (NULL only with len 0). */
static sr reader_over(const uint8_t *data, size_t len, wire_reader *r) {
    SR_ENSURE(data != NULL || len == 0, SR_INVALID_PARAMETER);
    wire_reader_init(r, data, len);
    return SR_SUCCESS;
}

/* MechTypeList ::= SEQUENCE OF MechType, 1..SPNEGO_MAX_MECHS entries; the
 * contents of [0] must be exactly that SEQUENCE. */
static sr read_mech_type_list(wire_reader *c, spnego_neg_token_init *v) {
    der_tlv seq;
    SR_TRY(der_read_tlv(c, &seq));
    SR_ENSURE(seq.cls == DER_CLASS_UNIVERSAL && seq.constructed && seq.tag == DER_TAG_SEQUENCE,
              SR_INVALID_TOKEN);
    SR_TRY(wire_expect_end(c));
    v->mech_type_list_der.data = seq.whole;
    v->mech_type_list_der.len = seq.whole_len;
    v->mech_count = 0;
    while (wire_remaining(&seq.contents)) {
        SR_ENSURE(v->mech_count < SPNEGO_MAX_MECHS, SR_INVALID_TOKEN);
        gss_view *m = &v->mech_types[v->mech_count];
        SR_TRY(der_read_oid(&seq.contents, &m->data, &m->len));
        v->mech_count++;
    }
    SR_ENSURE(v->mech_count >= 1, SR_INVALID_TOKEN);
    return SR_SUCCESS;
}

/* NegHints ::= SEQUENCE { hintName [0] GeneralString OPTIONAL,
 *                         hintAddress [1] OCTET STRING OPTIONAL } */
static sr read_neg_hints(wire_reader *c, spnego_neg_token_init *v) {
    wire_reader seq;
    SR_TRY(der_expect(c, DER_CLASS_UNIVERSAL, true, DER_TAG_SEQUENCE, &seq));
    SR_TRY(wire_expect_end(c));
    int last = -1;
    while (wire_remaining(&seq)) {
        uint32_t tag;
        wire_reader f;
        SR_TRY(read_field(&seq, &last, 1, &tag, &f));
        if (tag == 0) {
            SR_TRY(der_read_general_string(&f, &v->hint_name.data, &v->hint_name.len));
            SR_TRY(wire_expect_end(&f));
            v->has_hint_name = true;
        } else {
            SR_TRY(read_octets_in(&f, &v->hint_address));
            v->has_hint_address = true;
        }
    }
    v->has_neg_hints = true;
    return SR_SUCCESS;
}

/* [0] { NegTokenInit | NegTokenInit2 }; consumes the whole reader. */
static sr read_init_body(wire_reader *r, spnego_neg_token_init *out) {
    wire_reader t = *r, seq;
    spnego_neg_token_init v;
    memset(&v, 0, sizeof v);
    SR_TRY(open_choice(&t, 0, &seq));
    int last = -1;
    while (wire_remaining(&seq)) {
        uint32_t tag;
        wire_reader f;
        SR_TRY(read_field(&seq, &last, 4, &tag, &f));
        switch (tag) {
        case 0:
            SR_TRY(read_mech_type_list(&f, &v));
            break;
        case 1:
            SR_TRY(der_read_bit_string(&f, &v.req_flags.data, &v.req_flags.len,
                                       &v.req_flags.unused));
            SR_TRY(wire_expect_end(&f));
            v.has_req_flags = true;
            break;
        case 2:
            SR_TRY(read_octets_in(&f, &v.mech_token));
            v.has_mech_token = true;
            break;
        case 3:
            /* RFC 4178 mechListMIC (OCTET STRING) or MS-SPNG negHints
             * (SEQUENCE): the universal tag inside tells them apart. */
            if (der_peek_is(&f, DER_CLASS_UNIVERSAL, true, DER_TAG_SEQUENCE)) {
                SR_TRY(read_neg_hints(&f, &v));
                v.init2 = true;
            } else {
                SR_TRY(read_octets_in(&f, &v.mech_list_mic));
                v.has_mech_list_mic = true;
            }
            break;
        default: /* 4: NegTokenInit2 mechListMIC; not after an RFC 4178 [3] MIC */
            SR_ENSURE(!v.has_mech_list_mic, SR_INVALID_TOKEN);
            SR_TRY(read_octets_in(&f, &v.mech_list_mic));
            v.has_mech_list_mic = true;
            v.init2 = true;
            break;
        }
    }
    SR_ENSURE(v.mech_count >= 1, SR_INVALID_TOKEN); /* mechTypes required */
    *out = v;
    *r = t;
    return SR_SUCCESS;
}

/* 60 len 06 oid inner; `inner` is left positioned after the OID. */
static sr read_framing(wire_reader *r, gss_view *oid, wire_reader *inner) {
    wire_reader t = *r, app;
    gss_view o;
    SR_TRY(der_expect(&t, DER_CLASS_APPLICATION, true, 0, &app));
    SR_TRY(wire_expect_end(&t));
    SR_TRY(der_read_oid(&app, &o.data, &o.len));
    *oid = o;
    *inner = app;
    *r = t;
    return SR_SUCCESS;
}

/* ---- public parsers ---- */

sr gss_parse_initial_token(const uint8_t *data, size_t len, gss_view *mech_oid,
                           gss_view *inner) {
    wire_reader r, in;
    gss_view oid;
    SR_TRY(reader_over(data, len, &r));
    SR_TRY(read_framing(&r, &oid, &in));
    *mech_oid = oid;
    *inner = take_rest(&in);
    return SR_SUCCESS;
}

sr spnego_read_init_token(wire_reader *r, spnego_neg_token_init *out) {
    wire_reader t = *r, inner;
    gss_view oid;
    SR_TRY(read_framing(&t, &oid, &inner));
    SR_ENSURE(gss_oid_equal(oid, spnego_oid_spnego, sizeof spnego_oid_spnego), SR_INVALID_TOKEN);
    SR_TRY(read_init_body(&inner, out));
    *r = t;
    return SR_SUCCESS;
}

sr spnego_read_neg_token_init(wire_reader *r, spnego_neg_token_init *out) {
    return read_init_body(r, out);
}

sr spnego_read_neg_token_resp(wire_reader *r, spnego_neg_token_resp *out) {
    wire_reader t = *r, seq;
    spnego_neg_token_resp v;
    memset(&v, 0, sizeof v);
    SR_TRY(open_choice(&t, 1, &seq));
    int last = -1;
    while (wire_remaining(&seq)) {
        uint32_t tag;
        wire_reader f;
        SR_TRY(read_field(&seq, &last, 3, &tag, &f));
        switch (tag) {
        case 0: {
            int64_t st;
            SR_TRY(der_read_enumerated(&f, &st));
            SR_TRY(wire_expect_end(&f));
            SR_ENSURE(st >= SPNEGO_ACCEPT_COMPLETED && st <= SPNEGO_REQUEST_MIC,
                      SR_INVALID_TOKEN);
            v.neg_state = (spnego_neg_state)st;
            v.has_neg_state = true;
            break;
        }
        case 1:
            SR_TRY(read_oid_in(&f, &v.supported_mech));
            v.has_supported_mech = true;
            break;
        case 2:
            SR_TRY(read_octets_in(&f, &v.response_token));
            v.has_response_token = true;
            break;
        default:
            SR_TRY(read_octets_in(&f, &v.mech_list_mic));
            v.has_mech_list_mic = true;
            break;
        }
    }
    *out = v;
    *r = t;
    return SR_SUCCESS;
}

sr spnego_parse_init_token(const uint8_t *data, size_t len, spnego_neg_token_init *out) {
    wire_reader r;
    SR_TRY(reader_over(data, len, &r));
    return spnego_read_init_token(&r, out);
}

sr spnego_parse_neg_token_init(const uint8_t *data, size_t len, spnego_neg_token_init *out) {
    wire_reader r;
    SR_TRY(reader_over(data, len, &r));
    return spnego_read_neg_token_init(&r, out);
}

sr spnego_parse_neg_token_resp(const uint8_t *data, size_t len, spnego_neg_token_resp *out) {
    wire_reader r;
    SR_TRY(reader_over(data, len, &r));
    return spnego_read_neg_token_resp(&r, out);
}

spnego_token_kind_t spnego_token_kind(const uint8_t *data, size_t len) {
    static const uint8_t ntlmssp[8] = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0};
    if (data == NULL || len == 0) return SPNEGO_TOKEN_UNKNOWN;
    if (len >= sizeof ntlmssp && memcmp(data, ntlmssp, sizeof ntlmssp) == 0)
        return SPNEGO_TOKEN_NTLMSSP;
    gss_view oid, inner;
    if (sr_is_ok(gss_parse_initial_token(data, len, &oid, &inner)))
        return gss_oid_equal(oid, spnego_oid_spnego, sizeof spnego_oid_spnego)
                   ? SPNEGO_TOKEN_INIT
                   : SPNEGO_TOKEN_GSS_OTHER;
    wire_reader r;
    wire_reader_init(&r, data, len);
    der_tlv t;
    if (sr_is_ok(der_read_tlv(&r, &t)) && wire_remaining(&r) == 0 &&
        t.cls == DER_CLASS_CONTEXT && t.constructed && t.tag == 1)
        return SPNEGO_TOKEN_RESP;
    return SPNEGO_TOKEN_UNKNOWN;
}

/* ---- builders ---- */

static sr fail(wire_writer *w, sr_code code) {
    wire_writer_fail(w, code);
    return wire_writer_status(w);
}

static bool view_ok(gss_view v) { return v.data != NULL || v.len == 0; }

/* [choice] { SEQUENCE { ...: the caller writes the fields, then ends seq
 * and outer. */
static sr begin_choice(wire_writer *w, uint32_t choice, der_mark *outer, der_mark *seq) {
    SR_TRY(der_begin(w, DER_CLASS_CONTEXT, true, choice, outer));
    return der_begin(w, DER_CLASS_UNIVERSAL, true, DER_TAG_SEQUENCE, seq);
}

/* A NegTokenInit over mechs[0..n), nothing else set yet. */
static sr init_with_mechs(const gss_view *mechs, size_t n, wire_writer *w,
                          spnego_neg_token_init *t) {
    SR_TRY(wire_writer_status(w));
    if (mechs == NULL || n == 0 || n > SPNEGO_MAX_MECHS) return fail(w, SR_INVALID_PARAMETER);
    memset(t, 0, sizeof *t);
    memcpy(t->mech_types, mechs, n * sizeof *mechs);
    t->mech_count = n;
    return SR_SUCCESS;
}

/* [tag] { OCTET STRING } */
static sr write_octets_field(wire_writer *w, uint32_t tag, gss_view v) {
    der_mark m;
    SR_TRY(der_begin(w, DER_CLASS_CONTEXT, true, tag, &m));
    SR_TRY(der_write_octet_string(w, v.data, v.len));
    return der_end(w, &m);
}

sr gss_build_initial_token(gss_view mech_oid, gss_view inner, wire_writer *w) {
    SR_TRY(wire_writer_status(w));
    if (!view_ok(inner)) return fail(w, SR_INVALID_PARAMETER);
    der_mark m;
    SR_TRY(der_begin(w, DER_CLASS_APPLICATION, true, 0, &m));
    SR_TRY(der_write_oid(w, mech_oid.data, mech_oid.len));
    SR_TRY(der_write_raw(w, inner.data, inner.len));
    return der_end(w, &m);
}

sr spnego_encode_mech_type_list(const gss_view *oids, size_t n, wire_writer *w) {
    SR_TRY(wire_writer_status(w));
    if (n == 0 || n > SPNEGO_MAX_MECHS || oids == NULL) return fail(w, SR_INVALID_PARAMETER);
    der_mark m;
    SR_TRY(der_begin(w, DER_CLASS_UNIVERSAL, true, DER_TAG_SEQUENCE, &m));
    for (size_t i = 0; i < n; i++) SR_TRY(der_write_oid(w, oids[i].data, oids[i].len));
    return der_end(w, &m);
}

sr spnego_build_neg_token_init(const spnego_neg_token_init *t, wire_writer *w) {
    SR_TRY(wire_writer_status(w));
    if (t == NULL) return fail(w, SR_INVALID_PARAMETER);
    bool init2 = t->init2 || t->has_neg_hints;
    der_mark outer, seq, f;
    SR_TRY(begin_choice(w, 0, &outer, &seq));
    SR_TRY(der_begin(w, DER_CLASS_CONTEXT, true, 0, &f));
    SR_TRY(spnego_encode_mech_type_list(t->mech_types, t->mech_count, w));
    SR_TRY(der_end(w, &f));
    if (t->has_req_flags) {
        SR_TRY(der_begin(w, DER_CLASS_CONTEXT, true, 1, &f));
        SR_TRY(der_write_bit_string(w, t->req_flags.data, t->req_flags.len,
                                    t->req_flags.unused));
        SR_TRY(der_end(w, &f));
    }
    if (t->has_mech_token) SR_TRY(write_octets_field(w, 2, t->mech_token));
    if (init2 && t->has_neg_hints) {
        der_mark h, hs;
        SR_TRY(der_begin(w, DER_CLASS_CONTEXT, true, 3, &h));
        SR_TRY(der_begin(w, DER_CLASS_UNIVERSAL, true, DER_TAG_SEQUENCE, &hs));
        if (t->has_hint_name) {
            if (!view_ok(t->hint_name)) return fail(w, SR_INVALID_PARAMETER);
            SR_TRY(der_begin(w, DER_CLASS_CONTEXT, true, 0, &f));
            SR_TRY(der_write_general_string(w, t->hint_name.data, t->hint_name.len));
            SR_TRY(der_end(w, &f));
        }
        if (t->has_hint_address) SR_TRY(write_octets_field(w, 1, t->hint_address));
        SR_TRY(der_end(w, &hs));
        SR_TRY(der_end(w, &h));
    }
    if (t->has_mech_list_mic) SR_TRY(write_octets_field(w, init2 ? 4 : 3, t->mech_list_mic));
    SR_TRY(der_end(w, &seq));
    return der_end(w, &outer);
}

sr spnego_build_init_token(const spnego_neg_token_init *t, wire_writer *w) {
    der_mark m;
    SR_TRY(der_begin(w, DER_CLASS_APPLICATION, true, 0, &m));
    SR_TRY(der_write_oid(w, spnego_oid_spnego, sizeof spnego_oid_spnego));
    SR_TRY(spnego_build_neg_token_init(t, w));
    return der_end(w, &m);
}

sr spnego_build_neg_token_resp(const spnego_neg_token_resp *t, wire_writer *w) {
    SR_TRY(wire_writer_status(w));
    if (t == NULL) return fail(w, SR_INVALID_PARAMETER);
    if (t->has_neg_state &&
        (t->neg_state < SPNEGO_ACCEPT_COMPLETED || t->neg_state > SPNEGO_REQUEST_MIC))
        return fail(w, SR_INVALID_PARAMETER);
    der_mark outer, seq, f;
    SR_TRY(begin_choice(w, 1, &outer, &seq));
    if (t->has_neg_state) {
        SR_TRY(der_begin(w, DER_CLASS_CONTEXT, true, 0, &f));
        SR_TRY(der_write_enumerated(w, (int64_t)t->neg_state));
        SR_TRY(der_end(w, &f));
    }
    if (t->has_supported_mech) {
        SR_TRY(der_begin(w, DER_CLASS_CONTEXT, true, 1, &f));
        SR_TRY(der_write_oid(w, t->supported_mech.data, t->supported_mech.len));
        SR_TRY(der_end(w, &f));
    }
    if (t->has_response_token) SR_TRY(write_octets_field(w, 2, t->response_token));
    if (t->has_mech_list_mic) SR_TRY(write_octets_field(w, 3, t->mech_list_mic));
    SR_TRY(der_end(w, &seq));
    return der_end(w, &outer);
}

sr spnego_build_init(const gss_view *mechs, size_t n, const gss_view *mech_token,
                     const gss_view *mech_list_mic, const spnego_bits *req_flags,
                     wire_writer *w) {
    spnego_neg_token_init t;
    SR_TRY(init_with_mechs(mechs, n, w, &t));
    if (mech_token) {
        t.has_mech_token = true;
        t.mech_token = *mech_token;
    }
    if (mech_list_mic) {
        t.has_mech_list_mic = true;
        t.mech_list_mic = *mech_list_mic;
    }
    if (req_flags) {
        t.has_req_flags = true;
        t.req_flags = *req_flags;
    }
    return spnego_build_init_token(&t, w);
}

sr spnego_build_init2_server(const gss_view *mechs, size_t n, wire_writer *w) {
    spnego_neg_token_init t;
    SR_TRY(init_with_mechs(mechs, n, w, &t));
    t.init2 = true;
    t.has_neg_hints = true;
    t.has_hint_name = true;
    t.hint_name.data = (const uint8_t *)SPNEGO_WINDOWS_HINT_NAME;
    t.hint_name.len = sizeof SPNEGO_WINDOWS_HINT_NAME - 1;
    return spnego_build_init_token(&t, w);
}

/* ---- ContextFlags ---- */

uint32_t spnego_flags_from_bits(const spnego_bits *b) {
    uint32_t flags = 0;
    if (b == NULL || b->data == NULL || b->len == 0 || b->unused > 7) return 0;
    size_t nbits = b->len * 8 - b->unused;
    for (size_t i = 0; i < 32 && i < nbits; i++)
        if (b->data[i / 8] & (0x80u >> (i % 8))) flags |= (uint32_t)1 << i;
    return flags;
}

void spnego_flags_to_bits(uint32_t flags, uint8_t buf[4], spnego_bits *out) {
    memset(buf, 0, 4);
    int high = -1;
    for (int i = 0; i < 32; i++) {
        if (flags & ((uint32_t)1 << i)) {
            buf[i / 8] |= (uint8_t)(0x80u >> (i % 8));
            high = i;
        }
    }
    out->data = high < 0 ? NULL : buf;
    out->len = high < 0 ? 0 : (size_t)high / 8 + 1;
    out->unused = high < 0 ? 0 : (uint8_t)(7 - high % 8);
}
