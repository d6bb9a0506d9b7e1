/*
 * SPNEGO wire codec (RFC 4178 + MS-SPNG) and the generic GSS-API
 * InitialContextToken framing (RFC 2743 section 3.1).
 *
 * Pure data: no crypto, no context state. Every byte goes through the strict
 * DER codec (wire/der.h). Parsed structures hold views into the caller's
 * input, valid as long as that input.
 *
 * ASN.1 (all SPNEGO tags are EXPLICIT):
 *   InitialContextToken ::= [APPLICATION 0] IMPLICIT SEQUENCE {
 *       thisMech MechType, innerToken ANY DEFINED BY thisMech }
 *   NegotiationToken ::= CHOICE { negTokenInit [0] NegTokenInit,
 *                                 negTokenResp [1] NegTokenResp }
 *   NegTokenInit  ::= SEQUENCE { mechTypes [0] MechTypeList,
 *       reqFlags [1] ContextFlags OPTIONAL, mechToken [2] OCTET STRING OPTIONAL,
 *       mechListMIC [3] OCTET STRING OPTIONAL }
 *   NegTokenInit2 ::= SEQUENCE { mechTypes [0] MechTypeList,   -- MS-SPNG 2.2.1
 *       reqFlags [1] ContextFlags OPTIONAL, mechToken [2] OCTET STRING OPTIONAL,
 *       negHints [3] NegHints OPTIONAL, mechListMIC [4] OCTET STRING OPTIONAL }
 *   NegHints ::= SEQUENCE { hintName [0] GeneralString OPTIONAL,
 *                           hintAddress [1] OCTET STRING OPTIONAL }
 *   NegTokenResp ::= SEQUENCE { negState [0] ENUMERATED OPTIONAL,
 *       supportedMech [1] MechType OPTIONAL, responseToken [2] OCTET STRING OPTIONAL,
 *       mechListMIC [3] OCTET STRING OPTIONAL }
 *
 * Parsing is strict: DER only, context tags in strictly increasing order
 * (so each at most once), no unknown/extension fields, exact consumption at
 * every level, negState in 0..3, 1..SPNEGO_MAX_MECHS mechanisms (mechTypes is
 * required even in NegTokenInit2). Every failure is SR_INVALID_TOKEN.
 *
 * OIDs are handled as their DER contents octets (no 06/length header).
 */
#ifndef LIBSSPI_PACKAGES_NEGOTIATE_SPNEGO_WIRE_H
#define LIBSSPI_PACKAGES_NEGOTIATE_SPNEGO_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/result.h"
#include "wire/cursor.h"

/* A view of bytes (an OID's contents octets, an OCTET STRING value, ...). */
typedef struct gss_view {
    const uint8_t *data;
    size_t len;
} gss_view;

/* Well-known mechanism OIDs (contents octets). */
#define SPNEGO_OID_SPNEGO_LEN 6      /* 1.3.6.1.5.5.2 */
#define SPNEGO_OID_KRB5_LEN 9        /* 1.2.840.113554.1.2.2 */
#define SPNEGO_OID_MS_KRB5_LEN 9     /* 1.2.840.48018.1.2.2 (MS-SPNG 3.1.5.2) */
#define SPNEGO_OID_KRB5_U2U_LEN 10   /* 1.2.840.113554.1.2.2.3 */
#define SPNEGO_OID_NTLM_LEN 10       /* 1.3.6.1.4.1.311.2.2.10 */
#define SPNEGO_OID_NEGOEX_LEN 10     /* 1.3.6.1.4.1.311.2.2.30 */
extern const uint8_t spnego_oid_spnego[SPNEGO_OID_SPNEGO_LEN];
extern const uint8_t spnego_oid_krb5[SPNEGO_OID_KRB5_LEN];
extern const uint8_t spnego_oid_ms_krb5[SPNEGO_OID_MS_KRB5_LEN];
extern const uint8_t spnego_oid_krb5_u2u[SPNEGO_OID_KRB5_U2U_LEN];
extern const uint8_t spnego_oid_ntlm[SPNEGO_OID_NTLM_LEN];
extern const uint8_t spnego_oid_negoex[SPNEGO_OID_NEGOEX_LEN];
/* The same as views. */
extern const gss_view SPNEGO_MECH_SPNEGO, SPNEGO_MECH_KRB5, SPNEGO_MECH_MS_KRB5,
    SPNEGO_MECH_KRB5_U2U, SPNEGO_MECH_NTLM, SPNEGO_MECH_NEGOEX;

bool gss_oid_equal(gss_view a, const uint8_t *oid, size_t oid_len);

/* hintName Windows puts in a server-initiated NegTokenInit2 (MS-SPNG). */
#define SPNEGO_WINDOWS_HINT_NAME "not_defined_in_RFC4178@please_ignore"

#define SPNEGO_MAX_MECHS 16

/* ContextFlags bit numbers (RFC 4178 4.2.1); bit 0 is the first bit. */
#define SPNEGO_FLAG_DELEG 0x01u
#define SPNEGO_FLAG_MUTUAL 0x02u
#define SPNEGO_FLAG_REPLAY 0x04u
#define SPNEGO_FLAG_SEQUENCE 0x08u
#define SPNEGO_FLAG_ANON 0x10u
#define SPNEGO_FLAG_CONF 0x20u
#define SPNEGO_FLAG_INTEG 0x40u

/* A BIT STRING as on the wire: `len` value octets, `unused` trailing bits. */
typedef struct spnego_bits {
    const uint8_t *data;
    size_t len;
    uint8_t unused;
} spnego_bits;

typedef struct spnego_neg_token_init {
    gss_view mech_types[SPNEGO_MAX_MECHS]; /* OID contents, in wire order */
    size_t mech_count;                     /* >= 1 when parsed */
    /* The whole DER MechTypeList (30 len 06 ... 06 ...): what the
     * mechListMIC is computed over. Set by the parser; ignored by builders. */
    gss_view mech_type_list_der;
    bool has_req_flags;
    spnego_bits req_flags;
    bool has_mech_token;
    gss_view mech_token;
    /* NegTokenInit2 layout: negHints at [3], mechListMIC at [4]. Set by the
     * parser when negHints or [4] appear. */
    bool init2;
    bool has_neg_hints; /* only when init2 */
    bool has_hint_name;
    gss_view hint_name; /* GeneralString octets */
    bool has_hint_address;
    gss_view hint_address;
    bool has_mech_list_mic;
    gss_view mech_list_mic;
} spnego_neg_token_init;

typedef enum spnego_neg_state {
    SPNEGO_ACCEPT_COMPLETED = 0,
    SPNEGO_ACCEPT_INCOMPLETE = 1,
    SPNEGO_REJECT = 2,
    SPNEGO_REQUEST_MIC = 3,
} spnego_neg_state;

typedef struct spnego_neg_token_resp {
    bool has_neg_state;
    spnego_neg_state neg_state;
    bool has_supported_mech;
    gss_view supported_mech; /* OID contents */
    bool has_response_token;
    gss_view response_token;
    bool has_mech_list_mic;
    gss_view mech_list_mic;
} spnego_neg_token_resp;

typedef enum spnego_token_kind_t {
    SPNEGO_TOKEN_UNKNOWN = 0,
    SPNEGO_TOKEN_INIT,     /* 0x60 GSS framing with thisMech = SPNEGO */
    SPNEGO_TOKEN_RESP,     /* [1] NegTokenResp */
    SPNEGO_TOKEN_NTLMSSP,  /* raw NTLM message ("NTLMSSP\0") */
    SPNEGO_TOKEN_GSS_OTHER /* GSS framing with another mech (e.g. raw krb5) */
} spnego_token_kind_t;

/* Cheap classification (framing/outer TLV only; no full parse). */
spnego_token_kind_t spnego_token_kind(const uint8_t *data, size_t len);

/* ---- GSS InitialContextToken framing (RFC 2743 3.1), for every mech ---- */

/* 60 len 06 oidlen oid innerToken: exactly one TLV spanning all of data.
 * *mech_oid is the OID contents, *inner everything after it (may be empty;
 * not interpreted). */
SR_MUST_CHECK sr gss_parse_initial_token(const uint8_t *data, size_t len, gss_view *mech_oid,
                                         gss_view *inner);
SR_MUST_CHECK sr gss_build_initial_token(gss_view mech_oid, gss_view inner, wire_writer *w);

/* ---- parsers ---- */

/* The initiator's first token: GSS framing with SPNEGO thisMech, then
 * [0] NegTokenInit or NegTokenInit2. */
SR_MUST_CHECK sr spnego_parse_init_token(const uint8_t *data, size_t len,
                                         spnego_neg_token_init *out);
/* [0] NegTokenInit/NegTokenInit2 without the GSS framing. */
SR_MUST_CHECK sr spnego_parse_neg_token_init(const uint8_t *data, size_t len,
                                             spnego_neg_token_init *out);
/* [1] NegTokenResp (never framed). */
SR_MUST_CHECK sr spnego_parse_neg_token_resp(const uint8_t *data, size_t len,
                                             spnego_neg_token_resp *out);
/* Reader variants (the whole remaining reader must be the token; the reader
 * depth is inherited, so an enclosing parser bounds nesting). On failure *r
 * is unchanged. */
SR_MUST_CHECK sr spnego_read_init_token(wire_reader *r, spnego_neg_token_init *out);
SR_MUST_CHECK sr spnego_read_neg_token_init(wire_reader *r, spnego_neg_token_init *out);
SR_MUST_CHECK sr spnego_read_neg_token_resp(wire_reader *r, spnego_neg_token_resp *out);

/* ---- builders (append to w; sticky writer failures) ---- */

/* DER MechTypeList (SEQUENCE OF OID): the bytes the mechListMIC covers. */
SR_MUST_CHECK sr spnego_encode_mech_type_list(const gss_view *oids, size_t n, wire_writer *w);
/* Framed ([APPLICATION 0] SPNEGO) NegTokenInit / NegTokenInit2 from the
 * struct (mech_types, the has_* fields, init2 layout). */
SR_MUST_CHECK sr spnego_build_init_token(const spnego_neg_token_init *t, wire_writer *w);
/* [0] NegTokenInit / NegTokenInit2 without framing. */
SR_MUST_CHECK sr spnego_build_neg_token_init(const spnego_neg_token_init *t, wire_writer *w);
/* [1] NegTokenResp with whichever fields are present (any subset). */
SR_MUST_CHECK sr spnego_build_neg_token_resp(const spnego_neg_token_resp *t, wire_writer *w);

/* Convenience: framed NegTokenInit from a mech list; mech_token / mic /
 * req_flags may be NULL (absent). */
SR_MUST_CHECK sr spnego_build_init(const gss_view *mechs, size_t n, const gss_view *mech_token,
                                   const gss_view *mech_list_mic, const spnego_bits *req_flags,
                                   wire_writer *w);
/* Convenience: framed NegTokenInit2 as a Windows server sends first
 * (mechTypes + negHints { hintName SPNEGO_WINDOWS_HINT_NAME }). */
SR_MUST_CHECK sr spnego_build_init2_server(const gss_view *mechs, size_t n, wire_writer *w);

/* ContextFlags <-> SPNEGO_FLAG_* mask (bits 0..31). to_bits produces the
 * DER named-bit-list form (trailing zero bits removed) into buf[4]. */
uint32_t spnego_flags_from_bits(const spnego_bits *b);
void spnego_flags_to_bits(uint32_t flags, uint8_t buf[4], spnego_bits *out);

#endif
