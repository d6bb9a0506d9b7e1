/*
 * NTLM wire codec (MS-NLMP 2.2); contract in ntlm_wire.h.
 *
 * Parsing: every message is read through one wire_reader over the whole
 * token. Fixed header fields are read in order; payload fields (8-byte
 * Len/MaxLen/Offset descriptors) are resolved with wire_slice against the
 * whole message, which checks Offset+Len without overflow. A field whose
 * Len is 0 is accepted whatever its Offset (Windows does). Non-empty fields
 * must lie after the base fixed header and must not overlap each other.
 *
 * Header sizes are decided by the layout, as Windows does: the optional
 * trailing header parts (VERSION, and in AUTHENTICATE the MIC) exist when
 * the payload starts late enough to leave room for them. The payload start
 * is the smallest Offset of a non-empty field, or the message length when
 * every field is empty.
 *
 * Nothing is written to the caller's output struct unless the whole message
 * validated.
 */
#include "ntlm_wire.h"

#include <string.h>

static const uint8_t ntlm_signature[8] = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0};

/* Fixed header sizes (MS-NLMP 2.2.1.1-2.2.1.3). */
#define NEG_SHORT_HEADER 16 /* Signature, MessageType, NegotiateFlags */
#define NEG_HEADER 32       /* + DomainNameFields, WorkstationFields */
#define CHAL_HEADER 48
#define AUTH_HEADER 64
#define AUTH_MIC_END (NTLM_AUTH_MIC_OFFSET + NTLM_MIC_LEN) /* 88 */

/* NTLMv2 response: NTProofStr(16) + blob header(28) + MsvAvEOL(4). */
#define V2_PROOF_LEN 16
#define V2_BLOB_HEADER 28
#define AV_HEADER 4

/* ------------------------------------------------------------------ */
/* VERSION                                                             */

void ntlm_version_default(ntlm_version *v) {
    /* Windows 10 (10.0), build 19041 = 0x4a61 LE, reserved, revision 15. */
    static const uint8_t win10[NTLM_VERSION_LEN] = {10, 0, 0x61, 0x4a, 0, 0, 0, 15};
    memcpy(v->bytes, win10, sizeof win10);
}

/* ------------------------------------------------------------------ */
/* Payload field descriptors                                           */

typedef struct ntlm_field {
    uint16_t len;
    uint32_t offset;
} ntlm_field;

static sr read_field(wire_reader *r, ntlm_field *f) {
    uint16_t max_len;
    SR_TRY(wire_read_u16le(r, &f->len));
    SR_TRY(wire_read_u16le(r, &max_len)); /* MUST be ignored on receipt */
    SR_TRY(wire_read_u32le(r, &f->offset));
    return SR_SUCCESS;
}

/* Resolve every field of a message: in bounds (overflow-safe, wire_slice),
 * non-empty ones at or after min_offset and pairwise disjoint. Returns the
 * payload start (smallest offset of a non-empty field, else the message
 * length). */
static sr resolve_fields(const wire_reader *msg, const ntlm_field *f, ntlm_bytes *out, size_t n,
                         size_t min_offset, size_t *payload_start) {
    size_t start = msg->len;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *p = NULL;
        SR_TRY(wire_slice(msg, f[i].offset, f[i].len, &p));
        out[i].data = f[i].len ? p : NULL;
        out[i].len = f[i].len;
        if (f[i].len == 0) continue;
        SR_ENSURE(f[i].offset >= min_offset, SR_INVALID_TOKEN);
        if (f[i].offset < start) start = f[i].offset;
        for (size_t j = 0; j < i; j++) {
            if (f[j].len == 0) continue;
            /* Both ranges are inside a message of <= 64 KiB: no overflow. */
            size_t a0 = f[i].offset, a1 = a0 + f[i].len;
            size_t b0 = f[j].offset, b1 = b0 + f[j].len;
            SR_ENSURE(a1 <= b0 || b1 <= a0, SR_INVALID_TOKEN);
        }
    }
    *payload_start = start;
    return SR_SUCCESS;
}

static sr read_header_start(wire_reader *r, uint32_t type) {
    uint32_t t;
    SR_TRY(wire_expect_bytes(r, ntlm_signature, sizeof ntlm_signature));
    SR_TRY(wire_read_u32le(r, &t));
    SR_ENSURE(t == type, SR_INVALID_TOKEN);
    return SR_SUCCESS;
}

uint32_t ntlm_message_type(const uint8_t *msg, size_t len) {
    wire_reader r;
    uint32_t t;
    wire_reader_init(&r, msg, len);
    if (!sr_is_ok(wire_expect_bytes(&r, ntlm_signature, sizeof ntlm_signature))) return 0;
    if (!sr_is_ok(wire_read_u32le(&r, &t))) return 0;
    return t;
}

/* ------------------------------------------------------------------ */
/* Parsers                                                             */

sr ntlm_parse_negotiate(const uint8_t *msg, size_t len, ntlm_negotiate_msg *out) {
    SR_ENSURE(msg != NULL && len <= NTLM_MAX_MESSAGE, SR_INVALID_TOKEN);
    wire_reader r;
    wire_reader_init(&r, msg, len);
    ntlm_negotiate_msg m;
    memset(&m, 0, sizeof m);
    SR_TRY(read_header_start(&r, NTLM_MSG_NEGOTIATE));
    SR_TRY(wire_read_u32le(&r, &m.flags));

    if (len == NEG_SHORT_HEADER) {
        /* Old short form (Windows 95 era): flags only, no fields. */
        *out = m;
        return SR_SUCCESS;
    }
    ntlm_field f[2];
    ntlm_bytes b[2];
    size_t payload_start;
    SR_TRY(read_field(&r, &f[0])); /* DomainNameFields */
    SR_TRY(read_field(&r, &f[1])); /* WorkstationFields */
    SR_TRY(resolve_fields(&r, f, b, 2, NEG_HEADER, &payload_start));
    if ((m.flags & NTLMSSP_NEGOTIATE_VERSION) && payload_start >= NEG_HEADER + NTLM_VERSION_LEN) {
        SR_TRY(wire_read_copy(&r, m.version.bytes, NTLM_VERSION_LEN));
        m.has_version = true;
    }
    if (m.flags & NTLMSSP_NEGOTIATE_OEM_DOMAIN_SUPPLIED) m.domain = b[0];
    if (m.flags & NTLMSSP_NEGOTIATE_OEM_WORKSTATION_SUPPLIED) m.workstation = b[1];
    *out = m;
    return SR_SUCCESS;
}

sr ntlm_parse_challenge(const uint8_t *msg, size_t len, ntlm_challenge_msg *out) {
    SR_ENSURE(msg != NULL && len <= NTLM_MAX_MESSAGE, SR_INVALID_TOKEN);
    wire_reader r;
    wire_reader_init(&r, msg, len);
    ntlm_challenge_msg m;
    memset(&m, 0, sizeof m);
    ntlm_field f[2];
    ntlm_bytes b[2];
    size_t payload_start;
    SR_TRY(read_header_start(&r, NTLM_MSG_CHALLENGE));
    SR_TRY(read_field(&r, &f[0])); /* TargetNameFields */
    SR_TRY(wire_read_u32le(&r, &m.flags));
    SR_TRY(wire_read_copy(&r, m.server_challenge, NTLM_CHALLENGE_LEN));
    SR_TRY(wire_skip(&r, 8)); /* Reserved */
    SR_TRY(read_field(&r, &f[1])); /* TargetInfoFields */
    SR_TRY(resolve_fields(&r, f, b, 2, CHAL_HEADER, &payload_start));
    if ((m.flags & NTLMSSP_NEGOTIATE_VERSION) && payload_start >= CHAL_HEADER + NTLM_VERSION_LEN) {
        SR_TRY(wire_read_copy(&r, m.version.bytes, NTLM_VERSION_LEN));
        m.has_version = true;
    }
    m.target_name = b[0];
    if (m.flags & NTLMSSP_NEGOTIATE_TARGET_INFO) {
        SR_ENSURE(b[1].len > 0, SR_INVALID_TOKEN);
        m.target_info = b[1];
    }
    *out = m;
    return SR_SUCCESS;
}

sr ntlm_parse_authenticate(const uint8_t *msg, size_t len, ntlm_authenticate_msg *out) {
    SR_ENSURE(msg != NULL && len <= NTLM_MAX_MESSAGE, SR_INVALID_TOKEN);
    wire_reader r;
    wire_reader_init(&r, msg, len);
    ntlm_authenticate_msg m;
    memset(&m, 0, sizeof m);
    enum { LM, NT, DOM, USER, WKS, KEY, NFIELDS };
    ntlm_field f[NFIELDS];
    ntlm_bytes b[NFIELDS];
    size_t payload_start;
    SR_TRY(read_header_start(&r, NTLM_MSG_AUTHENTICATE));
    for (int i = 0; i < NFIELDS; i++) SR_TRY(read_field(&r, &f[i]));
    SR_TRY(wire_read_u32le(&r, &m.flags));
    SR_TRY(resolve_fields(&r, f, b, NFIELDS, AUTH_HEADER, &payload_start));

    /* The Version slot (64..72) is part of the header whenever the payload
     * leaves room for it; it carries a VERSION only with the flag (Chromium
     * sends a zeroed slot plus a MIC without the flag). */
    if (payload_start >= AUTH_HEADER + NTLM_VERSION_LEN) {
        if (m.flags & NTLMSSP_NEGOTIATE_VERSION) {
            SR_TRY(wire_read_copy(&r, m.version.bytes, NTLM_VERSION_LEN));
            m.has_version = true;
        } else {
            SR_TRY(wire_skip(&r, NTLM_VERSION_LEN));
        }
        if (payload_start >= AUTH_MIC_END) {
            SR_TRY(wire_read_copy(&r, m.mic, NTLM_MIC_LEN));
            m.has_mic_field = true;
        }
    }
    if (m.flags & NTLMSSP_NEGOTIATE_UNICODE) {
        SR_ENSURE(b[DOM].len % 2 == 0 && b[USER].len % 2 == 0 && b[WKS].len % 2 == 0,
                  SR_INVALID_TOKEN);
    }
    SR_ENSURE(b[KEY].len == 0 || b[KEY].len == 16, SR_INVALID_TOKEN);

    m.lm_response = b[LM];
    m.nt_response = b[NT];
    m.domain = b[DOM];
    m.user = b[USER];
    m.workstation = b[WKS];
    m.encrypted_session_key = b[KEY];
    *out = m;
    return SR_SUCCESS;
}

/* ------------------------------------------------------------------ */
/* Builders                                                            */

/* A payload field to place: its data and where its descriptor sits. */
typedef struct build_field {
    ntlm_bytes v;
    size_t desc;     /* absolute offset of the 8-byte descriptor in w */
    bool zero_empty; /* empty: all-zero descriptor instead of Offset = here */
} build_field;

static bool bytes_ok(const ntlm_bytes *b) {
    return b->len <= UINT16_MAX && (b->len == 0 || b->data != NULL);
}

static sr fail_param(wire_writer *w) {
    wire_writer_fail(w, SR_INVALID_PARAMETER);
    return wire_writer_status(w);
}

/* Write the payloads in the given order and patch their descriptors.
 * Offsets are relative to `base`, the writer position where the message
 * starts. As in Windows' messages (MS-NLMP 4.2), an empty field gets
 * Offset = the current payload position (AUTHENTICATE 4.2.3.3: empty
 * session key at the end), except fields that do not apply, which get an
 * all-zero descriptor (NEGOTIATE domain/workstation, CHALLENGE TargetInfo
 * without NEGOTIATE_TARGET_INFO, 4.2.2.3). */
static sr write_payload(wire_writer *w, size_t base, const build_field *f, size_t n) {
    for (size_t i = 0; i < n; i++) {
        size_t off = wire_writer_len(w) - base;
        if (off > UINT32_MAX) return fail_param(w);
        if (f[i].v.len > 0) SR_TRY(wire_write_bytes(w, f[i].v.data, f[i].v.len));
        uint32_t o = (f[i].v.len == 0 && f[i].zero_empty) ? 0 : (uint32_t)off;
        SR_TRY(wire_patch_u16le(w, f[i].desc, (uint16_t)f[i].v.len));
        SR_TRY(wire_patch_u16le(w, f[i].desc + 2, (uint16_t)f[i].v.len));
        SR_TRY(wire_patch_u32le(w, f[i].desc + 4, o));
    }
    return wire_writer_status(w);
}

static sr write_header_start(wire_writer *w, uint32_t type) {
    SR_TRY(wire_write_bytes(w, ntlm_signature, sizeof ntlm_signature));
    return wire_write_u32le(w, type);
}

sr ntlm_build_negotiate(const ntlm_negotiate_msg *m, wire_writer *w) {
    SR_TRY(wire_writer_status(w));
    bool has_dom = (m->flags & NTLMSSP_NEGOTIATE_OEM_DOMAIN_SUPPLIED) != 0;
    bool has_wks = (m->flags & NTLMSSP_NEGOTIATE_OEM_WORKSTATION_SUPPLIED) != 0;
    bool has_ver = (m->flags & NTLMSSP_NEGOTIATE_VERSION) != 0;
    build_field f[2];
    memset(f, 0, sizeof f);
    if (has_dom) f[0].v = m->domain;
    if (has_wks) f[1].v = m->workstation;
    if (!bytes_ok(&f[0].v) || !bytes_ok(&f[1].v)) return fail_param(w);
    size_t total = NEG_HEADER + (has_ver ? NTLM_VERSION_LEN : 0) + f[0].v.len + f[1].v.len;
    if (total > NTLM_MAX_MESSAGE) return fail_param(w);

    size_t base = wire_writer_len(w);
    SR_TRY(write_header_start(w, NTLM_MSG_NEGOTIATE));
    SR_TRY(wire_write_u32le(w, m->flags));
    SR_TRY(wire_reserve(w, 8, &f[0].desc));
    SR_TRY(wire_reserve(w, 8, &f[1].desc));
    if (has_ver) SR_TRY(wire_write_bytes(w, m->version.bytes, NTLM_VERSION_LEN));
    f[0].zero_empty = f[1].zero_empty = true;
    return write_payload(w, base, f, 2);
}

sr ntlm_build_challenge(const ntlm_challenge_msg *m, wire_writer *w) {
    SR_TRY(wire_writer_status(w));
    bool has_ver = (m->flags & NTLMSSP_NEGOTIATE_VERSION) != 0;
    bool has_ti = (m->flags & NTLMSSP_NEGOTIATE_TARGET_INFO) != 0;
    build_field f[2]; /* payload order: TargetName, TargetInfo */
    memset(f, 0, sizeof f);
    f[0].v = m->target_name;
    if (has_ti) f[1].v = m->target_info;
    if (!bytes_ok(&f[0].v) || !bytes_ok(&f[1].v)) return fail_param(w);
    if (has_ti && f[1].v.len == 0) return fail_param(w); /* parser would reject */
    size_t total = CHAL_HEADER + (has_ver ? NTLM_VERSION_LEN : 0) + f[0].v.len + f[1].v.len;
    if (total > NTLM_MAX_MESSAGE) return fail_param(w);

    size_t base = wire_writer_len(w);
    SR_TRY(write_header_start(w, NTLM_MSG_CHALLENGE));
    SR_TRY(wire_reserve(w, 8, &f[0].desc));
    SR_TRY(wire_write_u32le(w, m->flags));
    SR_TRY(wire_write_bytes(w, m->server_challenge, NTLM_CHALLENGE_LEN));
    SR_TRY(wire_write_zeros(w, 8)); /* Reserved */
    SR_TRY(wire_reserve(w, 8, &f[1].desc));
    if (has_ver) SR_TRY(wire_write_bytes(w, m->version.bytes, NTLM_VERSION_LEN));
    f[1].zero_empty = !has_ti;
    return write_payload(w, base, f, 2);
}

sr ntlm_build_authenticate(const ntlm_authenticate_msg *m, bool with_mic_field, wire_writer *w) {
    SR_TRY(wire_writer_status(w));
    bool has_ver = (m->flags & NTLMSSP_NEGOTIATE_VERSION) != 0;
    /* Header descriptor order. */
    enum { LM, NT, DOM, USER, WKS, KEY, NFIELDS };
    build_field f[NFIELDS];
    memset(f, 0, sizeof f);
    f[LM].v = m->lm_response;
    f[NT].v = m->nt_response;
    f[DOM].v = m->domain;
    f[USER].v = m->user;
    f[WKS].v = m->workstation;
    f[KEY].v = m->encrypted_session_key;
    size_t total = AUTH_HEADER;
    if (has_ver || with_mic_field) total += NTLM_VERSION_LEN;
    if (with_mic_field) total += NTLM_MIC_LEN;
    for (int i = 0; i < NFIELDS; i++) {
        if (!bytes_ok(&f[i].v)) return fail_param(w);
        total += f[i].v.len;
    }
    if (total > NTLM_MAX_MESSAGE) return fail_param(w);
    if (f[KEY].v.len != 0 && f[KEY].v.len != 16) return fail_param(w);
    if ((m->flags & NTLMSSP_NEGOTIATE_UNICODE) &&
        (f[DOM].v.len % 2 || f[USER].v.len % 2 || f[WKS].v.len % 2))
        return fail_param(w);

    size_t base = wire_writer_len(w);
    SR_TRY(write_header_start(w, NTLM_MSG_AUTHENTICATE));
    for (int i = 0; i < NFIELDS; i++) SR_TRY(wire_reserve(w, 8, &f[i].desc));
    SR_TRY(wire_write_u32le(w, m->flags));
    if (has_ver) SR_TRY(wire_write_bytes(w, m->version.bytes, NTLM_VERSION_LEN));
    else if (with_mic_field) SR_TRY(wire_write_zeros(w, NTLM_VERSION_LEN));
    if (with_mic_field) SR_TRY(wire_write_zeros(w, NTLM_MIC_LEN));
    /* Windows payload order (MS-NLMP 4.2.4.3): domain, user, workstation,
     * LM response, NT response, session key. */
    build_field order[NFIELDS] = {f[DOM], f[USER], f[WKS], f[LM], f[NT], f[KEY]};
    return write_payload(w, base, order, NFIELDS);
}

/* ------------------------------------------------------------------ */
/* AV_PAIR lists                                                       */

sr ntlm_av_next(wire_reader *r, uint16_t *id, ntlm_bytes *value) {
    wire_reader t = *r; /* commit only on success */
    uint16_t i, n;
    const uint8_t *p = NULL;
    SR_TRY(wire_read_u16le(&t, &i));
    SR_TRY(wire_read_u16le(&t, &n));
    SR_TRY(wire_read_bytes(&t, n, &p));
    *id = i;
    value->data = n ? p : NULL;
    value->len = n;
    *r = t;
    return SR_SUCCESS;
}

/* Walk a list up to and including its MsvAvEOL (which must have length 0).
 * On success *end is the reader position just after the EOL. */
static sr av_find_end(const uint8_t *list, size_t len, size_t *end) {
    wire_reader r;
    wire_reader_init(&r, list, len);
    for (;;) {
        uint16_t id;
        ntlm_bytes v;
        SR_TRY(ntlm_av_next(&r, &id, &v));
        if (id == NTLM_AV_EOL) {
            SR_ENSURE(v.len == 0, SR_INVALID_TOKEN);
            *end = len - wire_remaining(&r);
            return SR_SUCCESS;
        }
    }
}

sr ntlm_av_parse(const uint8_t *list, size_t len, ntlm_av_info *out) {
    SR_ENSURE(list != NULL || len == 0, SR_INVALID_TOKEN);
    wire_reader r;
    wire_reader_init(&r, list, len);
    ntlm_av_info a;
    memset(&a, 0, sizeof a);
    uint64_t seen[65536 / 64];
    memset(seen, 0, sizeof seen);
    for (;;) {
        uint16_t id;
        ntlm_bytes v;
        SR_TRY(ntlm_av_next(&r, &id, &v));
        SR_ENSURE(!(seen[id / 64] & (UINT64_C(1) << (id % 64))), SR_INVALID_TOKEN);
        seen[id / 64] |= UINT64_C(1) << (id % 64);
        wire_reader vr;
        wire_reader_init(&vr, v.data, v.len);
        switch (id) {
        case NTLM_AV_EOL:
            SR_ENSURE(v.len == 0, SR_INVALID_TOKEN);
            SR_TRY(wire_expect_end(&r));
            *out = a;
            return SR_SUCCESS;
        case NTLM_AV_NB_COMPUTER_NAME: a.nb_computer = v; break;
        case NTLM_AV_NB_DOMAIN_NAME: a.nb_domain = v; break;
        case NTLM_AV_DNS_COMPUTER_NAME: a.dns_computer = v; break;
        case NTLM_AV_DNS_DOMAIN_NAME: a.dns_domain = v; break;
        case NTLM_AV_DNS_TREE_NAME: a.dns_tree = v; break;
        case NTLM_AV_TARGET_NAME: a.target_name = v; break;
        case NTLM_AV_FLAGS:
            SR_ENSURE(v.len == 4, SR_INVALID_TOKEN);
            SR_TRY(wire_read_u32le(&vr, &a.flags));
            a.has_flags = true;
            break;
        case NTLM_AV_TIMESTAMP:
            SR_ENSURE(v.len == 8, SR_INVALID_TOKEN);
            SR_TRY(wire_read_u64le(&vr, &a.timestamp));
            a.has_timestamp = true;
            break;
        case NTLM_AV_SINGLE_HOST:
            SR_ENSURE(v.len >= 48, SR_INVALID_TOKEN);
            a.single_host = v;
            break;
        case NTLM_AV_CHANNEL_BINDINGS:
            SR_ENSURE(v.len == 16, SR_INVALID_TOKEN);
            SR_TRY(wire_read_copy(&vr, a.channel_bindings, 16));
            a.has_channel_bindings = true;
            break;
        default: break; /* unknown: skipped */
        }
    }
}

sr ntlm_av_write(wire_writer *w, uint16_t id, const void *value, size_t len) {
    if (len > UINT16_MAX || (len > 0 && value == NULL)) return fail_param(w);
    SR_TRY(wire_write_u16le(w, id));
    SR_TRY(wire_write_u16le(w, (uint16_t)len));
    return wire_write_bytes(w, value, len);
}

sr ntlm_av_write_eol(wire_writer *w) {
    return wire_write_zeros(w, AV_HEADER);
}

/* ------------------------------------------------------------------ */
/* NTLMv2 response / client challenge blob                             */

sr ntlm_parse_v2_response(const uint8_t *resp, size_t len, const uint8_t **nt_proof,
                          ntlm_bytes *blob, ntlm_v2_blob *parsed) {
    SR_ENSURE(resp != NULL && len >= V2_PROOF_LEN + V2_BLOB_HEADER + AV_HEADER,
              SR_INVALID_TOKEN);
    wire_reader r;
    wire_reader_init(&r, resp, len);
    const uint8_t *proof, *blob_p;
    SR_TRY(wire_read_bytes(&r, V2_PROOF_LEN, &proof));
    size_t blob_len = wire_remaining(&r);
    blob_p = wire_peek_ptr(&r);

    ntlm_v2_blob b;
    memset(&b, 0, sizeof b);
    uint8_t resp_type, hi_resp_type;
    SR_TRY(wire_read_u8(&r, &resp_type));
    SR_TRY(wire_read_u8(&r, &hi_resp_type));
    SR_ENSURE(resp_type == 1 && hi_resp_type == 1, SR_INVALID_TOKEN);
    SR_TRY(wire_skip(&r, 6)); /* Reserved1, Reserved2: ignored on receipt */
    SR_TRY(wire_read_u64le(&r, &b.timestamp));
    SR_TRY(wire_read_copy(&r, b.client_challenge, 8));
    SR_TRY(wire_skip(&r, 4)); /* Reserved3: ignored on receipt */

    /* AV list up to its EOL, strictly validated. */
    size_t av_len;
    const uint8_t *av = wire_peek_ptr(&r);
    SR_TRY(av_find_end(av, wire_remaining(&r), &av_len));
    ntlm_av_info info;
    SR_TRY(ntlm_av_parse(av, av_len, &info));
    SR_TRY(wire_skip(&r, av_len));
    b.av_pairs.data = av;
    b.av_pairs.len = av_len;

    /* After the EOL: Z(4) as Windows sends, or any zero padding. */
    while (wire_remaining(&r)) {
        uint8_t z;
        SR_TRY(wire_read_u8(&r, &z));
        SR_ENSURE(z == 0, SR_INVALID_TOKEN);
    }

    *nt_proof = proof;
    blob->data = blob_p;
    blob->len = blob_len;
    *parsed = b;
    return SR_SUCCESS;
}

sr ntlm_write_v2_blob(wire_writer *w, uint64_t timestamp, const uint8_t client_challenge[8],
                      const uint8_t *av_pairs, size_t av_len) {
    /* The list must be well-formed and end exactly with its EOL. */
    size_t end;
    if (av_pairs == NULL || !sr_is_ok(av_find_end(av_pairs, av_len, &end)) || end != av_len)
        return fail_param(w);
    SR_TRY(wire_write_u8(w, 1)); /* RespType */
    SR_TRY(wire_write_u8(w, 1)); /* HiRespType */
    SR_TRY(wire_write_zeros(w, 6));
    SR_TRY(wire_write_u64le(w, timestamp));
    SR_TRY(wire_write_bytes(w, client_challenge, 8));
    SR_TRY(wire_write_zeros(w, 4));
    SR_TRY(wire_write_bytes(w, av_pairs, av_len));
    return wire_write_zeros(w, 4);
}
