/*
 * libFuzzer target: NTLM CHALLENGE_MESSAGE parser (ntlm_parse_challenge).
 *
 * Failure: SR_INVALID_TOKEN, output untouched. Success: views inside the
 * input, flag consistency, then rebuild (ntlm_build_challenge) + re-parse
 * with every field equal, and a canonical second rebuild (abort() on any
 * mismatch).
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    ntlm_challenge_msg m, before;
    memset(&m, 0x5a, sizeof m);
    before = m;
    sr r = ntlm_parse_challenge(data, size, &m);
    if (!sr_is_ok(r)) {
        CHECK(r.code == SR_INVALID_TOKEN);
        CHECK(memcmp(&m, &before, sizeof m) == 0);
        return 0;
    }
    CHECK(size >= 48 && size <= NTLM_MAX_MESSAGE);
    CHECK(ntlm_message_type(data, size) == NTLM_MSG_CHALLENGE);
    CHECK(inside(m.target_name, data, size) && inside(m.target_info, data, size));
    CHECK(!m.has_version || (m.flags & NTLMSSP_NEGOTIATE_VERSION));
    if (m.flags & NTLMSSP_NEGOTIATE_TARGET_INFO) CHECK(m.target_info.len > 0);
    else CHECK(m.target_info.len == 0);
    /* The two fields never overlap. */
    if (m.target_name.len && m.target_info.len)
        CHECK(m.target_name.data + m.target_name.len <= m.target_info.data ||
              m.target_info.data + m.target_info.len <= m.target_name.data);
    /* Whatever the TargetInfo is, ntlm_av_parse must not crash on it. */
    if (m.target_info.len) {
        ntlm_av_info av;
        sr a = ntlm_av_parse(m.target_info.data, m.target_info.len, &av);
        CHECK(sr_is_ok(a) || a.code == SR_INVALID_TOKEN);
    }

    wire_writer w;
    if (!sr_is_ok(wire_writer_init_alloc(&w, 0))) return 0;
    sr b = ntlm_build_challenge(&m, &w);
    size_t want = 48 + ((m.flags & NTLMSSP_NEGOTIATE_VERSION) ? 8 : 0) + m.target_name.len +
                  m.target_info.len;
    if (want > NTLM_MAX_MESSAGE) {
        CHECK(b.code == SR_INVALID_PARAMETER);
        wire_writer_free(&w);
        return 0;
    }
    CHECK(sr_is_ok(b));
    CHECK(w.len == want);

    ntlm_challenge_msg p;
    CHECK(sr_is_ok(ntlm_parse_challenge(w.data, w.len, &p)));
    CHECK(p.flags == m.flags);
    CHECK(same(p.target_name, m.target_name) && same(p.target_info, m.target_info));
    CHECK(memcmp(p.server_challenge, m.server_challenge, NTLM_CHALLENGE_LEN) == 0);
    CHECK(p.has_version == ((m.flags & NTLMSSP_NEGOTIATE_VERSION) != 0));
    if (p.has_version) CHECK(memcmp(p.version.bytes, m.version.bytes, NTLM_VERSION_LEN) == 0);

    wire_writer w2;
    if (sr_is_ok(wire_writer_init_alloc(&w2, 0))) {
        CHECK(sr_is_ok(ntlm_build_challenge(&p, &w2)));
        CHECK(w2.len == w.len && memcmp(w2.data, w.data, w.len) == 0);
        wire_writer_free(&w2);
    }
    wire_writer_free(&w);
    return 0;
}
