/*
 * libFuzzer target: NTLM AUTHENTICATE_MESSAGE parser
 * (ntlm_parse_authenticate).
 *
 * Failure: SR_INVALID_TOKEN, output untouched. Success: views inside the
 * input and pairwise disjoint, UNICODE/session-key rules hold, the MIC copy
 * equals the bytes at NTLM_AUTH_MIC_OFFSET; then rebuild
 * (ntlm_build_authenticate, MIC slot iff the input had one) + re-parse with
 * every field equal and a zeroed MIC, and a canonical second rebuild. The NT
 * response also goes through ntlm_parse_v2_response (must not crash).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "packages/ntlm/ntlm_wire.h"

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

static int inside(ntlm_bytes b, const uint8_t *data, size_t size) {
    if (b.len == 0) return b.data == NULL;
    return b.data >= data && b.len <= size && (size_t)(b.data - data) <= size - b.len;
}

static int same(ntlm_bytes a, ntlm_bytes b) {
    return a.len == b.len && (a.len == 0 || memcmp(a.data, b.data, a.len) == 0);
}

static int disjoint(ntlm_bytes a, ntlm_bytes b) {
    if (a.len == 0 || b.len == 0) return 1;
    return a.data + a.len <= b.data || b.data + b.len <= a.data;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    ntlm_authenticate_msg m, before;
    memset(&m, 0x5a, sizeof m);
    before = m;
    sr r = ntlm_parse_authenticate(data, size, &m);
    if (!sr_is_ok(r)) {
        CHECK(r.code == SR_INVALID_TOKEN);
        CHECK(memcmp(&m, &before, sizeof m) == 0);
        return 0;
    }
    CHECK(size >= 64 && size <= NTLM_MAX_MESSAGE);
    CHECK(ntlm_message_type(data, size) == NTLM_MSG_AUTHENTICATE);
    const ntlm_bytes f[6] = {m.lm_response, m.nt_response, m.domain,
                             m.user, m.workstation, m.encrypted_session_key};
    size_t payload = 0;
    for (int i = 0; i < 6; i++) {
        CHECK(inside(f[i], data, size));
        if (f[i].len) CHECK((size_t)(f[i].data - data) >= 64);
        for (int j = 0; j < i; j++) CHECK(disjoint(f[i], f[j]));
        payload += f[i].len;
    }
    if (m.flags & NTLMSSP_NEGOTIATE_UNICODE)
        CHECK(m.domain.len % 2 == 0 && m.user.len % 2 == 0 && m.workstation.len % 2 == 0);
    CHECK(m.encrypted_session_key.len == 0 || m.encrypted_session_key.len == 16);
    CHECK(!m.has_version || (m.flags & NTLMSSP_NEGOTIATE_VERSION));
    if (m.has_mic_field) {
        CHECK(size >= 88);
        CHECK(memcmp(m.mic, data + NTLM_AUTH_MIC_OFFSET, NTLM_MIC_LEN) == 0);
        for (int i = 0; i < 6; i++)
            if (f[i].len) CHECK((size_t)(f[i].data - data) >= 88);
    }
    if (m.has_version) CHECK(memcmp(m.version.bytes, data + 64, NTLM_VERSION_LEN) == 0);
    if (m.nt_response.len) {
        const uint8_t *proof;
        ntlm_bytes blob;
        ntlm_v2_blob vb;
        sr v = ntlm_parse_v2_response(m.nt_response.data, m.nt_response.len, &proof, &blob, &vb);
        CHECK(sr_is_ok(v) || v.code == SR_INVALID_TOKEN);
    }

    wire_writer w;
    if (!sr_is_ok(wire_writer_init_alloc(&w, 0))) return 0;
    sr b = ntlm_build_authenticate(&m, m.has_mic_field, &w);
    size_t header = 64;
    if ((m.flags & NTLMSSP_NEGOTIATE_VERSION) || m.has_mic_field) header += 8;
    if (m.has_mic_field) header += 16;
    if (header + payload > NTLM_MAX_MESSAGE) {
        CHECK(b.code == SR_INVALID_PARAMETER);
        wire_writer_free(&w);
        return 0;
    }
    CHECK(sr_is_ok(b));
    CHECK(w.len == header + payload);

    ntlm_authenticate_msg p;
    CHECK(sr_is_ok(ntlm_parse_authenticate(w.data, w.len, &p)));
    CHECK(p.flags == m.flags);
    CHECK(same(p.lm_response, m.lm_response) && same(p.nt_response, m.nt_response));
    CHECK(same(p.domain, m.domain) && same(p.user, m.user));
    CHECK(same(p.workstation, m.workstation));
    CHECK(same(p.encrypted_session_key, m.encrypted_session_key));
    CHECK(p.has_mic_field == m.has_mic_field);
    static const uint8_t zero[NTLM_MIC_LEN];
    CHECK(memcmp(p.mic, zero, NTLM_MIC_LEN) == 0);
    CHECK(p.has_version == ((m.flags & NTLMSSP_NEGOTIATE_VERSION) != 0));
    if (p.has_version) CHECK(memcmp(p.version.bytes, m.version.bytes, NTLM_VERSION_LEN) == 0);

    wire_writer w2;
    if (sr_is_ok(wire_writer_init_alloc(&w2, 0))) {
        CHECK(sr_is_ok(ntlm_build_authenticate(&p, p.has_mic_field, &w2)));
        CHECK(w2.len == w.len && memcmp(w2.data, w.data, w.len) == 0);
        wire_writer_free(&w2);
    }
    wire_writer_free(&w);
    return 0;
}
