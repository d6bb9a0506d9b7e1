/*
 * SPNEGO (RFC 4178, MS-SPNG), GSS-API framing (RFC 2743 3.1) and token
 * recognition, with the library's SPNEGO and DER codecs; inner tokens are
 * decoded recursively (NTLM inside SPNEGO, ...). Kerberos tokens are only
 * identified for now.
 */
#include <stdlib.h>
#include <string.h>

#include "decode_int.h"
#include "packages/negotiate/spnego_wire.h"
#include "packages/ntlm/ntlm_wire.h"
#include "wire/cursor.h"
#include "wire/der.h"

static const char *neg_state_name(spnego_neg_state s) {
    switch (s) {
    case SPNEGO_ACCEPT_COMPLETED: return "accept-completed";
    case SPNEGO_ACCEPT_INCOMPLETE: return "accept-incomplete";
    case SPNEGO_REJECT: return "reject";
    case SPNEGO_REQUEST_MIC: return "request-mic";
    }
    return "?";
}

static void emit_mech(dec_emit *e, const char *key, gss_view oid) {
    char buf[192];
    em_str(e, key, "%s", dec_mech_text(oid.data, oid.len, buf, sizeof buf));
}

/* Kerberos message from its [APPLICATION n] tag (RFC 4120 5.10). */
static const char *krb_app_name(uint32_t tag) {
    switch (tag) {
    case 10: return "AS-REQ";
    case 11: return "AS-REP";
    case 12: return "TGS-REQ";
    case 13: return "TGS-REP";
    case 14: return "AP-REQ";
    case 15: return "AP-REP";
    case 30: return "KRB-ERROR";
    default: return NULL;
    }
}

/* A Kerberos message: [APPLICATION n] DER, identified only. */
static bool krb_identify(dec_ctx *c, const uint8_t *data, size_t len, const char *framing) {
    wire_reader r;
    der_tlv t;
    wire_reader_init(&r, data, len);
    /* One [APPLICATION n] TLV spanning the token, holding a SEQUENCE. */
    if (!sr_is_ok(der_read_tlv(&r, &t)) || t.cls != DER_CLASS_APPLICATION || !t.constructed ||
        wire_remaining(&r) != 0 ||
        !der_peek_is(&t.contents, DER_CLASS_UNIVERSAL, true, DER_TAG_SEQUENCE))
        return false;
    const char *name = krb_app_name(t.tag);
    if (!name) return false;
    em_obj(&c->em, "Kerberos", "Kerberos %s (decoding not yet supported)", name);
    em_str(&c->em, "Message", "%s [APPLICATION %u], %zu bytes%s", name, (unsigned)t.tag,
           t.whole_len, framing);
    em_end(&c->em);
    return true;
}

/* Inner token of a krb5 GSS InitialContextToken: TOK_ID (RFC 4121 4.1),
 * then the Kerberos message. */
static void krb_inner(dec_ctx *c, const uint8_t *data, size_t len) {
    wire_reader r;
    uint16_t tok_id;
    wire_reader_init(&r, data, len);
    if (!sr_is_ok(wire_read_u16be(&r, &tok_id))) {
        em_obj(&c->em, "Kerberos", "truncated (no TOK_ID)");
        dec_error(c, sr_make(SR_INVALID_TOKEN), "Kerberos token shorter than its TOK_ID");
        em_end(&c->em);
        return;
    }
    const char *want = tok_id == 0x0100 ? "AP-REQ" : tok_id == 0x0200 ? "AP-REP"
                       : tok_id == 0x0300 ? "KRB-ERROR" : tok_id == 0x0400 ? "TGT-REQ (user-to-user)"
                                                                            : NULL;
    char framing[64];
    snprintf(framing, sizeof framing, ", TOK_ID 0x%04x", tok_id);
    const uint8_t *rest = wire_remaining(&r) ? wire_peek_ptr(&r) : NULL;
    if (krb_identify(c, rest, wire_remaining(&r), framing)) return;
    em_obj(&c->em, "Kerberos", "Kerberos %s (decoding not yet supported)",
           want ? want : "token");
    em_str(&c->em, "TOK_ID", "0x%04x", tok_id);
    em_uint(&c->em, "Length", len);
    em_end(&c->em);
}

/* Per-message tokens found as a mechListMIC: an NTLM signature or a
 * Kerberos MIC token. */
static void emit_mic(dec_ctx *c, gss_view mic) {
    char *h = dec_hex_alloc(mic.data, mic.len);
    em_obj(&c->em, "mechListMIC", "%s", h ? h : "?");
    free(h);
    wire_reader r;
    wire_reader_init(&r, mic.data, mic.len);
    uint32_t version, seq;
    uint16_t tok_id = 0;
    const uint8_t *checksum;
    if (mic.len == 16 && sr_is_ok(wire_read_u32le(&r, &version)) && version == 1 &&
        sr_is_ok(wire_read_bytes(&r, 8, &checksum)) && sr_is_ok(wire_read_u32le(&r, &seq))) {
        em_str(&c->em, "Kind", "NTLMSSP_MESSAGE_SIGNATURE");
        em_uint(&c->em, "Version", version);
        em_hex(&c->em, "Checksum", checksum, 8);
        em_uint(&c->em, "SeqNum", seq);
    } else {
        wire_reader_init(&r, mic.data, mic.len);
        if (sr_is_ok(wire_read_u16be(&r, &tok_id)) && tok_id == 0x0404)
            em_str(&c->em, "Kind", "Kerberos MIC token (RFC 4121, TOK_ID 0x0404)");
        else if (mic.len && tok_id == 0x0101)
            em_str(&c->em, "Kind", "Kerberos MIC token (RFC 1964, TOK_ID 0x0101)");
        else
            em_str(&c->em, "Kind", "unknown");
    }
    em_end(&c->em);
}

/* An inner token (mechToken / responseToken / GSS innerToken). */
static void emit_inner(dec_ctx *c, const char *key, gss_view tok, const gss_view *mech) {
    em_obj(&c->em, key, "[length %zu]", tok.len);
    if (tok.len == 0) {
        em_str(&c->em, "Content", "(empty)");
    } else if (mech && (gss_oid_equal(*mech, spnego_oid_krb5, SPNEGO_OID_KRB5_LEN) ||
                        gss_oid_equal(*mech, spnego_oid_ms_krb5, SPNEGO_OID_MS_KRB5_LEN) ||
                        gss_oid_equal(*mech, spnego_oid_krb5_u2u, SPNEGO_OID_KRB5_U2U_LEN)) &&
               spnego_token_kind(tok.data, tok.len) == SPNEGO_TOKEN_UNKNOWN) {
        if (!krb_identify(c, tok.data, tok.len, "")) krb_inner(c, tok.data, tok.len);
    } else {
        dec_any(c, tok.data, tok.len);
    }
    em_end(&c->em);
}

static void emit_req_flags(dec_emit *e, const spnego_bits *b) {
    static const struct {
        uint32_t bit;
        const char *name;
    } names[] = {{SPNEGO_FLAG_DELEG, "delegFlag"},   {SPNEGO_FLAG_MUTUAL, "mutualFlag"},
                 {SPNEGO_FLAG_REPLAY, "replayFlag"}, {SPNEGO_FLAG_SEQUENCE, "sequenceFlag"},
                 {SPNEGO_FLAG_ANON, "anonFlag"},     {SPNEGO_FLAG_CONF, "confFlag"},
                 {SPNEGO_FLAG_INTEG, "integFlag"}};
    uint32_t f = spnego_flags_from_bits(b);
    em_list(e, "reqFlags", "0x%02x", f);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (f & names[i].bit) em_item(e, "%s (0x%02x)", names[i].name, names[i].bit);
    if (f & ~0x7fu) em_item(e, "unknown bits (0x%08x)", f & ~0x7fu);
    em_end(e);
}

static void dec_init_body(dec_ctx *c, const spnego_neg_token_init *t) {
    dec_emit *e = &c->em;
    em_str(e, "Token Kind", "%s", t->init2 ? "negTokenInit2 (MS-SPNG)" : "negTokenInit");
    em_list(e, "mechTypes", "%zu", t->mech_count);
    for (size_t i = 0; i < t->mech_count; i++) {
        char buf[192];
        em_item(e, "%s", dec_mech_text(t->mech_types[i].data, t->mech_types[i].len, buf,
                                       sizeof buf));
    }
    em_end(e);
    if (t->has_req_flags) emit_req_flags(e, &t->req_flags);
    if (t->has_mech_token) emit_inner(c, "mechToken", t->mech_token, &t->mech_types[0]);
    if (t->has_neg_hints) {
        char buf[512];
        em_obj(e, "negHints", NULL);
        if (t->has_hint_name)
            em_str(e, "hintName", "%s",
                   dec_sanitize(t->hint_name.data, t->hint_name.len, false, buf, sizeof buf));
        if (t->has_hint_address) em_hex(e, "hintAddress", t->hint_address.data, t->hint_address.len);
        em_end(e);
    }
    if (t->has_mech_list_mic) emit_mic(c, t->mech_list_mic);
}

static void dec_resp(dec_ctx *c, const uint8_t *data, size_t len) {
    dec_emit *e = &c->em;
    spnego_neg_token_resp t;
    em_obj(e, "SPNEGO", "negTokenResp, %zu bytes", len);
    sr r = spnego_parse_neg_token_resp(data, len, &t);
    if (!sr_is_ok(r)) {
        em_str(e, "Token Kind", "negTokenResp ([1])");
        dec_error(c, r, "negTokenResp malformed or truncated");
        em_end(e);
        return;
    }
    em_str(e, "Token Kind", "negTokenResp");
    if (t.has_neg_state)
        em_str(e, "negState", "%s (%d)", neg_state_name(t.neg_state), (int)t.neg_state);
    if (t.has_supported_mech) emit_mech(e, "supportedMech", t.supported_mech);
    if (t.has_response_token)
        emit_inner(c, "responseToken", t.response_token,
                   t.has_supported_mech ? &t.supported_mech : NULL);
    if (t.has_mech_list_mic) emit_mic(c, t.mech_list_mic);
    em_end(e);
}

static void dec_init(dec_ctx *c, const uint8_t *data, size_t len, bool framed) {
    dec_emit *e = &c->em;
    spnego_neg_token_init t;
    em_obj(e, "SPNEGO", "%s, %zu bytes",
           framed ? "GSS-API InitialContextToken, negTokenInit" : "negTokenInit (unframed)", len);
    if (framed) em_str(e, "thisMech", "SPNEGO (1.3.6.1.5.5.2)");
    sr r = framed ? spnego_parse_init_token(data, len, &t)
                  : spnego_parse_neg_token_init(data, len, &t);
    if (!sr_is_ok(r)) {
        dec_error(c, r, "negTokenInit malformed or truncated");
        em_end(e);
        return;
    }
    dec_init_body(c, &t);
    em_end(e);
}

/* GSS InitialContextToken of a mechanism other than SPNEGO. */
static void dec_gss_other(dec_ctx *c, const uint8_t *data, size_t len) {
    gss_view oid, inner;
    sr r = gss_parse_initial_token(data, len, &oid, &inner);
    em_obj(&c->em, "GSS-API", "InitialContextToken, %zu bytes", len);
    if (!sr_is_ok(r)) {
        dec_error(c, r, "GSS-API framing malformed or truncated");
        em_end(&c->em);
        return;
    }
    emit_mech(&c->em, "thisMech", oid);
    emit_inner(c, "innerToken", inner, &oid);
    em_end(&c->em);
}

void dec_gss(dec_ctx *c, const uint8_t *data, size_t len) {
    switch (spnego_token_kind(data, len)) {
    case SPNEGO_TOKEN_INIT: dec_init(c, data, len, true); return;
    case SPNEGO_TOKEN_RESP: dec_resp(c, data, len); return;
    case SPNEGO_TOKEN_GSS_OTHER: dec_gss_other(c, data, len); return;
    case SPNEGO_TOKEN_NTLMSSP: dec_ntlm(c, data, len); return;
    case SPNEGO_TOKEN_UNKNOWN: break;
    }
    /* Not well formed as a whole: go by the outer identifier so that the
     * codec names the reason. */
    wire_reader r;
    wire_reader_init(&r, data, len);
    uint8_t first = 0;
    if (sr_is_ok(wire_peek_u8(&r, &first))) {
        if (first == 0x60) {
            gss_view oid, inner;
            if (sr_is_ok(gss_parse_initial_token(data, len, &oid, &inner))) {
                dec_gss_other(c, data, len); /* cannot happen: classified above */
            } else {
                /* framing fails: which mech did it claim? */
                der_tlv app;
                const uint8_t *o;
                size_t olen;
                em_obj(&c->em, "GSS-API", "InitialContextToken ([APPLICATION 0]), %zu bytes", len);
                if (sr_is_ok(der_read_tlv(&r, &app)) && sr_is_ok(der_read_oid(&app.contents, &o, &olen))) {
                    gss_view v = {o, olen};
                    emit_mech(&c->em, "thisMech", v);
                }
                dec_error(c, gss_parse_initial_token(data, len, &oid, &inner),
                          "GSS-API framing malformed or truncated");
                em_end(&c->em);
            }
            return;
        }
        if (first == 0xa1) {
            dec_resp(c, data, len);
            return;
        }
        if (first == 0xa0) {
            dec_init(c, data, len, false);
            return;
        }
    }
    if (krb_identify(c, data, len, "")) return;
    char *h = dec_hex_alloc(data, len > 16 ? 16 : len);
    em_obj(&c->em, "Unknown", "not an NTLMSSP, SPNEGO, GSS-API or Kerberos token");
    em_str(&c->em, "First bytes", "%s%s", h ? h : "", len > 16 ? "..." : "");
    em_uint(&c->em, "Length", len);
    em_end(&c->em);
    free(h);
    c->result |= SSPI_DECODE_UNKNOWN;
}

void dec_any(dec_ctx *c, const uint8_t *data, size_t len) {
    if (c->nesting >= DEC_MAX_NESTING) {
        em_str(&c->em, "Content", "not decoded (nested too deep)");
        return;
    }
    c->nesting++;
    if (len == 0) {
        em_str(&c->em, "Content", "(empty token)");
        c->result |= SSPI_DECODE_MALFORMED;
    } else {
        dec_gss(c, data, len);
    }
    c->nesting--;
}

bool dec_find_ntlm(const uint8_t *data, size_t len, const uint8_t **msg, size_t *msg_len) {
    gss_view tok = {NULL, 0};
    for (int hops = 0; hops < 4; hops++) {
        switch (spnego_token_kind(data, len)) {
        case SPNEGO_TOKEN_NTLMSSP:
            *msg = data;
            *msg_len = len;
            return true;
        case SPNEGO_TOKEN_INIT: {
            spnego_neg_token_init t;
            if (!sr_is_ok(spnego_parse_init_token(data, len, &t)) || !t.has_mech_token) return false;
            tok = t.mech_token;
            break;
        }
        case SPNEGO_TOKEN_RESP: {
            spnego_neg_token_resp t;
            if (!sr_is_ok(spnego_parse_neg_token_resp(data, len, &t)) || !t.has_response_token)
                return false;
            tok = t.response_token;
            break;
        }
        case SPNEGO_TOKEN_GSS_OTHER: {
            gss_view oid;
            if (!sr_is_ok(gss_parse_initial_token(data, len, &oid, &tok))) return false;
            break;
        }
        default: return false;
        }
        data = tok.data;
        len = tok.len;
    }
    return false;
}

int sspi_decode(const unsigned char *token, size_t len, const sspi_decode_options *opt, FILE *out) {
    static const sspi_decode_options none;
    dec_ctx c;
    memset(&c, 0, sizeof c);
    c.opt = opt ? opt : &none;
    em_init(&c.em, out, c.opt->json != 0);
    em_uint(&c.em, "Token Length", len);
    dec_any(&c, token, len);
    em_finish(&c.em);
    if (c.opt->password && !c.password_used) c.result |= SSPI_DECODE_NOT_VERIFIED;
    return c.result;
}
