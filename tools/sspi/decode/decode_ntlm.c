/*
 * NTLM messages (MS-NLMP 2.2), explained field by field with the library's
 * own codec (ntlm_wire.h) and, given a password, checked with its crypto
 * (ntlm_crypto.h). Every byte is reached through a codec view or the cursor.
 */
#include <stdlib.h>
#include <string.h>

#include "core/unicode.h"
#include "decode_int.h"
#include "packages/ntlm/ntlm_crypto.h"
#include "packages/ntlm/ntlm_wire.h"
#include "wire/cursor.h"

static const struct {
    uint32_t bit;
    const char *name;
} ntlm_flag_names[] = {
    {NTLMSSP_NEGOTIATE_UNICODE, "NTLMSSP_NEGOTIATE_UNICODE"},
    {NTLMSSP_NEGOTIATE_OEM, "NTLMSSP_NEGOTIATE_OEM"},
    {NTLMSSP_REQUEST_TARGET, "NTLMSSP_REQUEST_TARGET"},
    {0x00000008u, "NTLMSSP_RESERVED_R10"},
    {NTLMSSP_NEGOTIATE_SIGN, "NTLMSSP_NEGOTIATE_SIGN"},
    {NTLMSSP_NEGOTIATE_SEAL, "NTLMSSP_NEGOTIATE_SEAL"},
    {NTLMSSP_NEGOTIATE_DATAGRAM, "NTLMSSP_NEGOTIATE_DATAGRAM"},
    {NTLMSSP_NEGOTIATE_LM_KEY, "NTLMSSP_NEGOTIATE_LM_KEY"},
    {0x00000100u, "NTLMSSP_RESERVED_R9"},
    {NTLMSSP_NEGOTIATE_NTLM, "NTLMSSP_NEGOTIATE_NTLM"},
    {0x00000400u, "NTLMSSP_RESERVED_R8"},
    {NTLMSSP_ANONYMOUS, "NTLMSSP_ANONYMOUS"},
    {NTLMSSP_NEGOTIATE_OEM_DOMAIN_SUPPLIED, "NTLMSSP_NEGOTIATE_OEM_DOMAIN_SUPPLIED"},
    {NTLMSSP_NEGOTIATE_OEM_WORKSTATION_SUPPLIED, "NTLMSSP_NEGOTIATE_OEM_WORKSTATION_SUPPLIED"},
    {0x00004000u, "NTLMSSP_RESERVED_R7"},
    {NTLMSSP_NEGOTIATE_ALWAYS_SIGN, "NTLMSSP_NEGOTIATE_ALWAYS_SIGN"},
    {NTLMSSP_TARGET_TYPE_DOMAIN, "NTLMSSP_TARGET_TYPE_DOMAIN"},
    {NTLMSSP_TARGET_TYPE_SERVER, "NTLMSSP_TARGET_TYPE_SERVER"},
    {0x00040000u, "NTLMSSP_RESERVED_R6"},
    {NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY, "NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY"},
    {NTLMSSP_NEGOTIATE_IDENTIFY, "NTLMSSP_NEGOTIATE_IDENTIFY"},
    {0x00200000u, "NTLMSSP_RESERVED_R5"},
    {NTLMSSP_REQUEST_NON_NT_SESSION_KEY, "NTLMSSP_REQUEST_NON_NT_SESSION_KEY"},
    {NTLMSSP_NEGOTIATE_TARGET_INFO, "NTLMSSP_NEGOTIATE_TARGET_INFO"},
    {0x01000000u, "NTLMSSP_RESERVED_R4"},
    {NTLMSSP_NEGOTIATE_VERSION, "NTLMSSP_NEGOTIATE_VERSION"},
    {0x04000000u, "NTLMSSP_RESERVED_R3"},
    {0x08000000u, "NTLMSSP_RESERVED_R2"},
    {0x10000000u, "NTLMSSP_RESERVED_R1"},
    {NTLMSSP_NEGOTIATE_128, "NTLMSSP_NEGOTIATE_128"},
    {NTLMSSP_NEGOTIATE_KEY_EXCH, "NTLMSSP_NEGOTIATE_KEY_EXCH"},
    {NTLMSSP_NEGOTIATE_56, "NTLMSSP_NEGOTIATE_56"},
};

static void emit_flags(dec_emit *e, uint32_t flags) {
    em_list(e, "Negotiate Flags", "0x%08x", flags);
    for (size_t i = 0; i < sizeof ntlm_flag_names / sizeof ntlm_flag_names[0]; i++)
        if (flags & ntlm_flag_names[i].bit)
            em_item(e, "%s (0x%08x)", ntlm_flag_names[i].name, ntlm_flag_names[i].bit);
    em_end(e);
}

static void emit_version(dec_emit *e, const ntlm_version *v) {
    wire_reader r;
    uint8_t major = 0, minor = 0, rev = 0;
    uint16_t build = 0;
    wire_reader_init(&r, v->bytes, sizeof v->bytes);
    if (sr_is_ok(wire_read_u8(&r, &major)) && sr_is_ok(wire_read_u8(&r, &minor)) &&
        sr_is_ok(wire_read_u16le(&r, &build)) && sr_is_ok(wire_skip(&r, 3)) &&
        sr_is_ok(wire_read_u8(&r, &rev)))
        em_str(e, "Version", "Windows %u.%u build %u, NTLM revision %u", major, minor, build, rev);
}

/* Offset of a payload view inside its message (views point into it). */
static size_t offset_in(const uint8_t *msg, ntlm_bytes b) {
    return b.data ? (size_t)(b.data - msg) : 0;
}

/* Text of a name field as UTF-8 (malloc'd, NUL-terminated; *n_out bytes,
 * which may include NULs), NULL when it is not valid text. */
static char *field_text(ntlm_bytes b, bool unicode, size_t *n_out) {
    char *s = NULL;
    size_t n = 0;
    *n_out = 0;
    if (b.len == 0) return strdup("");
    if (unicode) {
        if (!sr_is_ok(utf16le_to_utf8(b.data, b.len, &s, &n))) return NULL;
        *n_out = n;
        return s;
    }
    s = malloc(b.len + 1);
    if (!s) return NULL;
    wire_reader r;
    wire_reader_init(&r, b.data, b.len);
    if (!sr_is_ok(wire_read_copy(&r, s, b.len))) {
        free(s);
        return NULL;
    }
    s[b.len] = '\0';
    *n_out = b.len;
    return s;
}

/* A name field (domain, user, ...): text, offset and length. Returns the
 * UTF-8 text (malloc'd) when wanted (out non-NULL). */
static void emit_text_field(dec_ctx *c, const char *key, const uint8_t *msg, ntlm_bytes b,
                            bool unicode, char **out) {
    size_t n;
    char *s = field_text(b, unicode, &n);
    if (b.len == 0) {
        em_field(&c->em, key, false, 0, 0, "(empty)");
    } else if (s) {
        size_t cap = 4 * n + 8;
        char *clean = malloc(cap);
        em_field(&c->em, key, true, offset_in(msg, b), b.len, "%s",
                 clean ? dec_sanitize((const uint8_t *)s, n, unicode, clean, cap) : "?");
        free(clean);
    } else {
        char *h = dec_hex_alloc(b.data, b.len);
        em_field(&c->em, key, true, offset_in(msg, b), b.len, "%s (not valid %s)",
                 h ? h : "?", unicode ? "UTF-16LE" : "text");
        free(h);
    }
    em_end(&c->em);
    if (out) *out = s;
    else free(s);
}

/* ---- AV pairs ---- */

static const char *av_name(uint16_t id) {
    switch (id) {
    case NTLM_AV_EOL: return "MsvAvEOL";
    case NTLM_AV_NB_COMPUTER_NAME: return "MsvAvNbComputerName";
    case NTLM_AV_NB_DOMAIN_NAME: return "MsvAvNbDomainName";
    case NTLM_AV_DNS_COMPUTER_NAME: return "MsvAvDnsComputerName";
    case NTLM_AV_DNS_DOMAIN_NAME: return "MsvAvDnsDomainName";
    case NTLM_AV_DNS_TREE_NAME: return "MsvAvDnsTreeName";
    case NTLM_AV_FLAGS: return "MsvAvFlags";
    case NTLM_AV_TIMESTAMP: return "MsvAvTimestamp";
    case NTLM_AV_SINGLE_HOST: return "MsvAvSingleHost";
    case NTLM_AV_TARGET_NAME: return "MsvAvTargetName";
    case NTLM_AV_CHANNEL_BINDINGS: return "MsvAvChannelBindings";
    default: return NULL;
    }
}

static void emit_av_value(dec_ctx *c, uint16_t id, const char *key, ntlm_bytes v) {
    dec_emit *e = &c->em;
    wire_reader r;
    wire_reader_init(&r, v.data, v.len);
    switch (id) {
    case NTLM_AV_NB_COMPUTER_NAME:
    case NTLM_AV_NB_DOMAIN_NAME:
    case NTLM_AV_DNS_COMPUTER_NAME:
    case NTLM_AV_DNS_DOMAIN_NAME:
    case NTLM_AV_DNS_TREE_NAME:
    case NTLM_AV_TARGET_NAME: {
        size_t n;
        char *s = field_text(v, true, &n);
        if (s) {
            size_t cap = 4 * n + 8;
            char *clean = malloc(cap);
            em_str(e, key, "%s", clean ? dec_sanitize((const uint8_t *)s, n, true, clean, cap) : "?");
            free(clean);
            free(s);
            return;
        }
        break; /* not UTF-16LE: hex below */
    }
    case NTLM_AV_FLAGS: {
        uint32_t f;
        if (v.len != 4 || !sr_is_ok(wire_read_u32le(&r, &f))) break;
        em_list(e, key, "0x%08x", f);
        if (f & NTLM_AVFLAG_CONSTRAINED)
            em_item(e, "account authentication is constrained (0x%08x)", NTLM_AVFLAG_CONSTRAINED);
        if (f & NTLM_AVFLAG_MIC_PRESENT)
            em_item(e, "MIC present (0x%08x)", NTLM_AVFLAG_MIC_PRESENT);
        if (f & NTLM_AVFLAG_UNTRUSTED_SPN)
            em_item(e, "target SPN from an untrusted source (0x%08x)", NTLM_AVFLAG_UNTRUSTED_SPN);
        uint32_t other = f & ~(NTLM_AVFLAG_CONSTRAINED | NTLM_AVFLAG_MIC_PRESENT |
                               NTLM_AVFLAG_UNTRUSTED_SPN);
        if (other) em_item(e, "unknown bits (0x%08x)", other);
        em_end(e);
        return;
    }
    case NTLM_AV_TIMESTAMP: {
        uint64_t t;
        char date[96];
        if (v.len != 8 || !sr_is_ok(wire_read_u64le(&r, &t))) break;
        em_str(e, key, "%s", dec_filetime(t, date, sizeof date));
        return;
    }
    case NTLM_AV_SINGLE_HOST: {
        uint32_t size, z4;
        const uint8_t *custom, *machine;
        if (!sr_is_ok(wire_read_u32le(&r, &size)) || !sr_is_ok(wire_read_u32le(&r, &z4)) ||
            !sr_is_ok(wire_read_bytes(&r, 8, &custom)) ||
            !sr_is_ok(wire_read_bytes(&r, 32, &machine)))
            break;
        em_obj(e, key, "length %zu", v.len);
        em_uint(e, "Size", size);
        em_hex(e, "CustomData", custom, 8);
        em_hex(e, "MachineID", machine, 32);
        em_end(e);
        return;
    }
    case NTLM_AV_CHANNEL_BINDINGS: {
        char *h = dec_hex_alloc(v.data, v.len);
        em_str(e, key, "%s (%s)", h ? h : "?",
               dec_all_zero(v.data, v.len) ? "all zero: no channel bindings"
                                           : "not zero: MD5 of the channel bindings");
        free(h);
        return;
    }
    default: break;
    }
    char *h = dec_hex_alloc(v.data, v.len);
    em_str(e, key, "%s", h ? h : "?");
    free(h);
}

/* Show an AV_PAIR list (as far as it reads) and validate it with the codec.
 * Returns true when the codec accepted it (*info then filled). */
static bool emit_av_pairs(dec_ctx *c, const char *key, const uint8_t *list, size_t len,
                          ntlm_av_info *info) {
    ntlm_av_info tmp;
    if (!info) info = &tmp;
    sr valid = ntlm_av_parse(list, len, info);
    em_obj(&c->em, key, "%zu bytes", len);
    wire_reader r;
    wire_reader_init(&r, list, len);
    for (;;) {
        uint16_t id;
        ntlm_bytes v;
        sr s = ntlm_av_next(&r, &id, &v);
        if (!sr_is_ok(s)) {
            if (sr_is_ok(valid)) valid = s;
            break;
        }
        const char *name = av_name(id);
        char unknown[32];
        if (!name) {
            snprintf(unknown, sizeof unknown, "AvId 0x%04x", id);
            name = unknown;
        }
        if (id == NTLM_AV_EOL) {
            em_str(&c->em, name, "end of list");
            break;
        }
        emit_av_value(c, id, name, v);
    }
    if (!sr_is_ok(valid)) dec_error(c, valid, "AV_PAIR list malformed");
    em_end(&c->em);
    return sr_is_ok(valid);
}

/* ---- NEGOTIATE / CHALLENGE ---- */

static void dec_negotiate(dec_ctx *c, const uint8_t *msg, size_t len) {
    ntlm_negotiate_msg m;
    sr r = ntlm_parse_negotiate(msg, len, &m);
    if (!sr_is_ok(r)) {
        dec_error(c, r, "NEGOTIATE_MESSAGE malformed or truncated");
        return;
    }
    emit_flags(&c->em, m.flags);
    emit_text_field(c, "DomainName", msg, m.domain, false, NULL);
    emit_text_field(c, "Workstation", msg, m.workstation, false, NULL);
    if (m.has_version) emit_version(&c->em, &m.version);
}

static void dec_challenge(dec_ctx *c, const uint8_t *msg, size_t len) {
    ntlm_challenge_msg m;
    sr r = ntlm_parse_challenge(msg, len, &m);
    if (!sr_is_ok(r)) {
        dec_error(c, r, "CHALLENGE_MESSAGE malformed or truncated");
        return;
    }
    emit_flags(&c->em, m.flags);
    emit_text_field(c, "TargetName", msg, m.target_name,
                    (m.flags & NTLMSSP_NEGOTIATE_UNICODE) != 0, NULL);
    em_hex(&c->em, "ServerChallenge", m.server_challenge, sizeof m.server_challenge);
    if (m.target_info.len) {
        em_field(&c->em, "TargetInfo", true, offset_in(msg, m.target_info), m.target_info.len,
                 NULL);
        emit_av_pairs(c, "AV Pairs", m.target_info.data, m.target_info.len, NULL);
        em_end(&c->em);
    } else {
        em_field(&c->em, "TargetInfo", false, 0, 0, "(absent)");
        em_end(&c->em);
    }
    if (m.has_version) emit_version(&c->em, &m.version);
}

/* ---- AUTHENTICATE ---- */

typedef enum { RESP_ANON, RESP_V1, RESP_V1_ESS, RESP_V2, RESP_OTHER } resp_kind;

typedef struct auth_view {
    ntlm_authenticate_msg m;
    resp_kind kind;
    bool v2_ok; /* NTLMv2 response parsed */
    const uint8_t *nt_proof;
    ntlm_bytes blob;
    ntlm_v2_blob v2;
    bool av_ok;
    ntlm_av_info av;
    char *user, *domain; /* UTF-8 (malloc'd) or NULL */
} auth_view;

/* Split a 24-byte LM response into its first 16 and last 8 bytes (LMv2:
 * HMAC and client challenge) or first 8 and last 16 (v1-ESS). */
static bool split(ntlm_bytes b, size_t first, const uint8_t **a, const uint8_t **rest) {
    wire_reader r;
    wire_reader_init(&r, b.data, b.len);
    return sr_is_ok(wire_read_bytes(&r, first, a)) &&
           sr_is_ok(wire_read_bytes(&r, b.len - first, rest));
}

static void emit_lm(dec_ctx *c, const uint8_t *msg, const auth_view *a) {
    dec_emit *e = &c->em;
    ntlm_bytes lm = a->m.lm_response;
    const uint8_t *p, *q;
    const char *kind;
    if (lm.len == 0) kind = "empty";
    else if (lm.len == 1 && dec_all_zero(lm.data, 1)) kind = "anonymous (one zero byte)";
    else if (a->kind == RESP_V2 && lm.len == 24 && dec_all_zero(lm.data, 24))
        kind = "LMv2 not sent: Z(24) (MsvAvTimestamp present)";
    else if (a->kind == RESP_V2 && lm.len == 24) kind = "LMv2";
    else if (a->kind == RESP_V1_ESS) kind = "NTLMv1-ESS: client challenge || Z(16)";
    else if (a->kind == RESP_V1 && lm.len == 24 && a->m.nt_response.len == 24 &&
             memcmp(lm.data, a->m.nt_response.data, 24) == 0)
        kind = "copy of the NTLMv1 response";
    else if (lm.len == 24) kind = "LMv1";
    else kind = "unknown";
    em_field(e, "LmChallengeResponse", lm.len > 0, offset_in(msg, lm), lm.len, "%s", kind);
    if (lm.len) em_hex(e, "Hex", lm.data, lm.len);
    if (a->kind == RESP_V2 && lm.len == 24 && !dec_all_zero(lm.data, 24) && split(lm, 16, &p, &q)) {
        em_hex(e, "LMv2 HMAC", p, 16);
        em_hex(e, "Client Challenge", q, 8);
    } else if (a->kind == RESP_V1_ESS && split(lm, 8, &p, &q)) {
        em_hex(e, "Client Challenge", p, 8);
    }
    em_end(e);
}

static void emit_nt(dec_ctx *c, const uint8_t *msg, auth_view *a) {
    dec_emit *e = &c->em;
    ntlm_bytes nt = a->m.nt_response;
    static const char *const names[] = {"anonymous (empty)", "NTLMv1", "NTLMv1-ESS", "NTLMv2",
                                        "unknown"};
    em_field(e, "NtChallengeResponse", nt.len > 0, offset_in(msg, nt), nt.len, "%s",
             names[a->kind]);
    if (nt.len) em_hex(e, "Hex", nt.data, nt.len);
    if (a->kind == RESP_V2) {
        sr r = ntlm_parse_v2_response(nt.data, nt.len, &a->nt_proof, &a->blob, &a->v2);
        if (!sr_is_ok(r)) {
            dec_error(c, r, "NTLMv2 response malformed");
        } else {
            char date[96];
            a->v2_ok = true;
            em_hex(e, "NTProofStr", a->nt_proof, 16);
            em_obj(e, "NTLMv2 Client Challenge", "[length %zu]", a->blob.len);
            em_str(e, "Timestamp", "%s", dec_filetime(a->v2.timestamp, date, sizeof date));
            em_hex(e, "Client Challenge", a->v2.client_challenge, 8);
            a->av_ok = emit_av_pairs(c, "AV Pairs", a->v2.av_pairs.data, a->v2.av_pairs.len,
                                     &a->av);
            em_end(e);
        }
    }
    em_end(e);
}

/* ---- verification (password given) ---- */

static void wipe(void *p, size_t n) {
    volatile uint8_t *v = p;
    while (n--) *v++ = 0;
}

static bool same16(const uint8_t *a, const uint8_t *b) {
    uint8_t d = 0;
    for (int i = 0; i < 16; i++) d |= (uint8_t)(a[i] ^ b[i]);
    return d == 0;
}

/* The server challenge from --challenge: the 8 bytes themselves or the
 * CHALLENGE message (raw or in SPNEGO); *chal gets the message if any. */
static bool server_challenge(dec_ctx *c, uint8_t sc[8], const uint8_t **chal, size_t *chal_len) {
    const sspi_decode_options *o = c->opt;
    *chal = NULL;
    *chal_len = 0;
    if (o->challenge_len == 8) {
        wire_reader r;
        wire_reader_init(&r, o->challenge, 8);
        return sr_is_ok(wire_read_copy(&r, sc, 8));
    }
    const uint8_t *msg;
    size_t len;
    if (!dec_find_ntlm(o->challenge, o->challenge_len, &msg, &len)) {
        dec_error(c, sr_make(SR_INVALID_TOKEN), "--challenge holds no NTLM message");
        return false;
    }
    ntlm_challenge_msg m;
    sr r = ntlm_parse_challenge(msg, len, &m);
    if (!sr_is_ok(r)) {
        dec_error(c, r, "--challenge is not a valid CHALLENGE_MESSAGE");
        return false;
    }
    memcpy(sc, m.server_challenge, 8);
    *chal = msg;
    *chal_len = len;
    return true;
}

static void verdict(dec_ctx *c, const char *key, bool ok, const char *bad) {
    em_str(&c->em, key, "%s", ok ? "valid" : bad);
    if (!ok) c->result |= SSPI_DECODE_CHECK_FAILED;
}

static void check_mic(dec_ctx *c, const uint8_t *msg, size_t len, const auth_view *a,
                      const uint8_t esk[16], const uint8_t *chal, size_t chal_len) {
    const sspi_decode_options *o = c->opt;
    if (!a->m.has_mic_field) {
        em_str(&c->em, "MIC", "not checked (the message has no MIC field)");
        return;
    }
    if (!o->negotiate) {
        em_str(&c->em, "MIC", "not checked (give --negotiate with the NEGOTIATE message)");
        return;
    }
    if (!chal) {
        em_str(&c->em, "MIC", "not checked (--challenge must be the whole CHALLENGE message)");
        return;
    }
    const uint8_t *neg;
    size_t neg_len;
    if (!dec_find_ntlm(o->negotiate, o->negotiate_len, &neg, &neg_len) ||
        ntlm_message_type(neg, neg_len) != NTLM_MSG_NEGOTIATE) {
        dec_error(c, sr_make(SR_INVALID_TOKEN), "--negotiate holds no NEGOTIATE_MESSAGE");
        return;
    }
    /* The AUTHENTICATE with its MIC zeroed, through the writer. */
    static const uint8_t zero[NTLM_MIC_LEN];
    wire_writer w;
    uint8_t *copy = NULL;
    size_t copy_len = 0;
    uint8_t mic[16];
    sr r = wire_writer_init_alloc(&w, len);
    if (sr_is_ok(r)) r = wire_write_bytes(&w, msg, len);
    if (sr_is_ok(r)) r = wire_patch_bytes(&w, NTLM_AUTH_MIC_OFFSET, zero, sizeof zero);
    if (sr_is_ok(r)) r = wire_writer_take(&w, &copy, &copy_len);
    wire_writer_free(&w);
    if (sr_is_ok(r)) r = ntlm_mic(esk, neg, neg_len, chal, chal_len, copy, copy_len, mic);
    free(copy);
    if (!sr_is_ok(r)) {
        dec_error(c, r, "MIC computation failed");
        return;
    }
    char *h = dec_hex_alloc(mic, 16);
    em_str(&c->em, "Computed MIC", "%s", h ? h : "?");
    free(h);
    verdict(c, "MIC", same16(mic, a->m.mic), "INVALID (messages altered or not of one exchange)");
}

static void verify(dec_ctx *c, const uint8_t *msg, size_t len, const auth_view *a) {
    const sspi_decode_options *o = c->opt;
    dec_emit *e = &c->em;
    c->password_used = true;
    em_obj(e, "Verification", NULL);

    /* Account: --user DOMAIN\user (or user), else the message's names. */
    char *user = NULL, *domain = NULL;
    if (o->user) {
        const char *bs = strchr(o->user, '\\');
        if (bs) {
            domain = strndup(o->user, (size_t)(bs - o->user));
            user = strdup(bs + 1);
        } else {
            user = strdup(o->user);
            domain = strdup(a->domain ? a->domain : "");
        }
    } else {
        user = strdup(a->user ? a->user : "");
        domain = strdup(a->domain ? a->domain : "");
    }
    uint8_t sc[8], nt_hash[16], lm_hash[16], key[16], proof[16], sbk[16], kxk[16], esk[16];
    uint8_t v1[24], lmv2[24];
    const uint8_t *chal = NULL, *p, *q;
    size_t chal_len = 0;
    bool ok = false;
    sr r;
    if (!user || !domain) {
        dec_error(c, sr_make(SR_NO_MEMORY), "out of memory");
        goto out;
    }
    em_str(e, "Account", "%s\\%s%s", domain, user, o->user ? " (from --user)" : "");
    if (a->kind != RESP_V2 && a->kind != RESP_V1 && a->kind != RESP_V1_ESS) {
        em_str(e, "Result", "not checked (no NTLMv1/NTLMv2 response)");
        goto out;
    }
    if (a->kind == RESP_V2 && !a->v2_ok) {
        em_str(e, "Result", "not checked (the NTLMv2 response is malformed)");
        goto out;
    }
    if (!o->challenge) {
        em_str(e, "Result", "not checked (give --challenge with the CHALLENGE message)");
        goto out;
    }
    if (!server_challenge(c, sc, &chal, &chal_len)) goto out;
    em_hex(e, "ServerChallenge", sc, 8);

    r = ntlm_nt_hash(o->password, o->password_len, nt_hash);
    if (sr_is_ok(r)) r = ntlm_lm_hash(o->password, o->password_len, lm_hash);
    if (!sr_is_ok(r)) {
        dec_error(c, r, "password hash failed");
        goto out;
    }
    if (a->kind == RESP_V2) {
        r = ntlm_ntowfv2(nt_hash, user, domain, key);
        if (sr_is_ok(r)) r = ntlm_v2_proof(key, sc, a->blob.data, a->blob.len, proof);
        if (!sr_is_ok(r)) {
            dec_error(c, r, "NTOWFv2 / NTProofStr computation failed");
            goto out;
        }
        em_hex(e, "ResponseKeyNT (NTOWFv2)", key, 16);
        ok = same16(proof, a->nt_proof);
        verdict(c, "NTProofStr", ok, "INVALID (wrong password?)");
        if (!ok) goto out;
        ntlm_bytes lm = a->m.lm_response;
        if (lm.len == 24 && !dec_all_zero(lm.data, 24) && split(lm, 16, &p, &q)) {
            r = ntlm_lmv2_response(key, sc, q, lmv2);
            if (sr_is_ok(r)) verdict(c, "LMv2 Response", memcmp(lmv2, lm.data, 24) == 0, "INVALID");
        }
        r = ntlm_v2_session_base_key(key, a->nt_proof, sbk);
        memcpy(lm_hash, key, 16); /* LMOWFv2 = NTOWFv2 */
    } else {
        if (a->kind == RESP_V1_ESS && split(a->m.lm_response, 8, &p, &q))
            r = ntlm_v1_ess_response(nt_hash, sc, p, v1);
        else r = ntlm_v1_response(nt_hash, sc, v1);
        if (!sr_is_ok(r)) {
            dec_error(c, r, "NTLMv1 response computation failed");
            goto out;
        }
        ok = memcmp(v1, a->m.nt_response.data, 24) == 0;
        verdict(c, "NtChallengeResponse", ok, "INVALID (wrong password?)");
        if (!ok) goto out;
        r = ntlm_v1_session_base_key(nt_hash, sbk);
    }
    if (sr_is_ok(r))
        r = ntlm_kxkey(a->m.flags, a->kind == RESP_V2, sbk, a->m.lm_response.data,
                       a->m.lm_response.len, sc, lm_hash, kxk);
    if (!sr_is_ok(r)) {
        dec_error(c, r, "key derivation failed");
        goto out;
    }
    em_hex(e, "SessionBaseKey", sbk, 16);
    em_hex(e, "KeyExchangeKey", kxk, 16);
    if ((a->m.flags & NTLMSSP_NEGOTIATE_KEY_EXCH) && a->m.encrypted_session_key.len == 16) {
        r = ntlm_rc4k(kxk, a->m.encrypted_session_key.data, esk);
        if (!sr_is_ok(r)) {
            dec_error(c, r, "RC4 of EncryptedRandomSessionKey failed");
            goto out;
        }
        char *h = dec_hex_alloc(esk, 16);
        em_str(e, "ExportedSessionKey", "%s (RC4(KeyExchangeKey, EncryptedRandomSessionKey))",
               h ? h : "?");
        free(h);
    } else {
        memcpy(esk, kxk, 16);
        char *h = dec_hex_alloc(esk, 16);
        em_str(e, "ExportedSessionKey", "%s (= KeyExchangeKey: no KEY_EXCH)", h ? h : "?");
        free(h);
    }
    check_mic(c, msg, len, a, esk, chal, chal_len);
out:
    wipe(nt_hash, sizeof nt_hash);
    wipe(lm_hash, sizeof lm_hash);
    wipe(key, sizeof key);
    wipe(sbk, sizeof sbk);
    wipe(kxk, sizeof kxk);
    wipe(esk, sizeof esk);
    free(user);
    free(domain);
    em_end(e);
}

static void dec_authenticate(dec_ctx *c, const uint8_t *msg, size_t len) {
    auth_view a;
    memset(&a, 0, sizeof a);
    sr r = ntlm_parse_authenticate(msg, len, &a.m);
    if (!sr_is_ok(r)) {
        dec_error(c, r, "AUTHENTICATE_MESSAGE malformed or truncated");
        return;
    }
    const ntlm_authenticate_msg *m = &a.m;
    bool unicode = (m->flags & NTLMSSP_NEGOTIATE_UNICODE) != 0;
    ntlm_bytes lm = m->lm_response, nt = m->nt_response;
    const uint8_t *p, *q;
    if (nt.len == 0) a.kind = (lm.len <= 1) ? RESP_ANON : RESP_OTHER;
    else if (nt.len == 24)
        a.kind = ((m->flags & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY) && lm.len == 24 &&
                  split(lm, 8, &p, &q) && dec_all_zero(q, 16))
                     ? RESP_V1_ESS
                     : RESP_V1;
    else if (nt.len > 24) a.kind = RESP_V2;
    else a.kind = RESP_OTHER;

    emit_flags(&c->em, m->flags);
    em_str(&c->em, "Response Kind", "%s",
           a.kind == RESP_ANON ? "anonymous" : a.kind == RESP_V1 ? "NTLMv1"
           : a.kind == RESP_V1_ESS ? "NTLMv1-ESS" : a.kind == RESP_V2 ? "NTLMv2" : "unknown");
    emit_lm(c, msg, &a);
    emit_nt(c, msg, &a);
    emit_text_field(c, "DomainName", msg, m->domain, unicode, &a.domain);
    emit_text_field(c, "UserName", msg, m->user, unicode, &a.user);
    emit_text_field(c, "Workstation", msg, m->workstation, unicode, NULL);
    ntlm_bytes k = m->encrypted_session_key;
    em_field(&c->em, "EncryptedRandomSessionKey", k.len > 0, offset_in(msg, k), k.len, "%s",
             k.len == 0 ? "(empty)"
             : (m->flags & NTLMSSP_NEGOTIATE_KEY_EXCH) ? "present (KEY_EXCH)"
                                                        : "present (no KEY_EXCH: unused)");
    if (k.len) em_hex(&c->em, "Hex", k.data, k.len);
    em_end(&c->em);
    if (m->has_version) emit_version(&c->em, &m->version);
    else em_str(&c->em, "Version", "(absent)");

    bool claims = a.av_ok && a.av.has_flags && (a.av.flags & NTLM_AVFLAG_MIC_PRESENT);
    if (m->has_mic_field) {
        char *h = dec_hex_alloc(m->mic, NTLM_MIC_LEN);
        em_obj(&c->em, "MIC", "present");
        em_uint(&c->em, "Offset", NTLM_AUTH_MIC_OFFSET);
        em_str(&c->em, "Hex", "%s%s", h ? h : "?",
               dec_all_zero(m->mic, NTLM_MIC_LEN) ? " (all zero)" : "");
        free(h);
    } else {
        em_obj(&c->em, "MIC", "absent");
    }
    em_str(&c->em, "MsvAvFlags claims a MIC", "%s",
           claims ? "yes (MIC present bit)" : a.av.has_flags ? "no" : "no (no MsvAvFlags)");
    if (claims && !m->has_mic_field) em_str(&c->em, "Warning", "MsvAvFlags claims a MIC, but there is none");
    em_end(&c->em);

    if (c->opt->password) verify(c, msg, len, &a);
    free(a.user);
    free(a.domain);
}

void dec_ntlm(dec_ctx *c, const uint8_t *data, size_t len) {
    uint32_t type = ntlm_message_type(data, len);
    static const char *const names[] = {"?", "NEGOTIATE_MESSAGE", "CHALLENGE_MESSAGE",
                                        "AUTHENTICATE_MESSAGE"};
    if (type >= NTLM_MSG_NEGOTIATE && type <= NTLM_MSG_AUTHENTICATE)
        em_obj(&c->em, "NTLMSSP", "%s (type %u), %zu bytes", names[type], (unsigned)type, len);
    else
        em_obj(&c->em, "NTLMSSP", "unknown message type, %zu bytes", len);
    switch (type) {
    case NTLM_MSG_NEGOTIATE: dec_negotiate(c, data, len); break;
    case NTLM_MSG_CHALLENGE: dec_challenge(c, data, len); break;
    case NTLM_MSG_AUTHENTICATE: dec_authenticate(c, data, len); break;
    case 0: dec_error(c, sr_make(SR_INVALID_TOKEN), "truncated before the MessageType"); break;
    default: {
        char what[64];
        snprintf(what, sizeof what, "unknown MessageType %u", (unsigned)type);
        dec_error(c, sr_make(SR_INVALID_TOKEN), what);
        break;
    }
    }
    em_end(&c->em);
}
