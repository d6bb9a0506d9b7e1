/*
 * libFuzzer target: NTLM NEGOTIATE_MESSAGE parser (ntlm_parse_negotiate).
 *
 * A failed parse must return SR_INVALID_TOKEN and leave the output struct
 * untouched. A successful one must hand out views inside the input; the
 * parsed fields are then rebuilt with ntlm_build_negotiate and re-parsed:
 * every field must come back equal (abort() otherwise), and rebuilding the
 * re-parsed message must give the same bytes (the builder is canonical).
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
    ntlm_negotiate_msg m, before;
    memset(&m, 0x5a, sizeof m);
    before = m;
    sr r = ntlm_parse_negotiate(data, size, &m);
    if (!sr_is_ok(r)) {
        CHECK(r.code == SR_INVALID_TOKEN);
        CHECK(memcmp(&m, &before, sizeof m) == 0);
        return 0;
    }
    CHECK(size >= 16 && size <= NTLM_MAX_MESSAGE);
    CHECK(ntlm_message_type(data, size) == NTLM_MSG_NEGOTIATE);
    CHECK(inside(m.domain, data, size) && inside(m.workstation, data, size));
    CHECK(!m.has_version || (m.flags & NTLMSSP_NEGOTIATE_VERSION));
    if (!(m.flags & NTLMSSP_NEGOTIATE_OEM_DOMAIN_SUPPLIED)) CHECK(m.domain.len == 0);
    if (!(m.flags & NTLMSSP_NEGOTIATE_OEM_WORKSTATION_SUPPLIED)) CHECK(m.workstation.len == 0);

    wire_writer w;
    if (!sr_is_ok(wire_writer_init_alloc(&w, 0))) return 0;
    sr b = ntlm_build_negotiate(&m, &w);
    size_t want = 32 + ((m.flags & NTLMSSP_NEGOTIATE_VERSION) ? 8 : 0) + m.domain.len +
                  m.workstation.len;
    if (want > NTLM_MAX_MESSAGE) {
        CHECK(b.code == SR_INVALID_PARAMETER);
        wire_writer_free(&w);
        return 0;
    }
    CHECK(sr_is_ok(b));
    CHECK(w.len == want);

    ntlm_negotiate_msg p;
    CHECK(sr_is_ok(ntlm_parse_negotiate(w.data, w.len, &p)));
    CHECK(p.flags == m.flags);
    CHECK(same(p.domain, m.domain) && same(p.workstation, m.workstation));
    if (m.flags & NTLMSSP_NEGOTIATE_VERSION) {
        /* Written from m.version, which is all-zero when it was absent. */
        CHECK(p.has_version);
        CHECK(memcmp(p.version.bytes, m.version.bytes, NTLM_VERSION_LEN) == 0);
    } else {
        CHECK(!p.has_version);
    }
    if (!m.has_version) {
        static const uint8_t zero[NTLM_VERSION_LEN];
        CHECK(memcmp(m.version.bytes, zero, NTLM_VERSION_LEN) == 0);
    }

    wire_writer w2;
    if (sr_is_ok(wire_writer_init_alloc(&w2, 0))) {
        CHECK(sr_is_ok(ntlm_build_negotiate(&p, &w2)));
        CHECK(w2.len == w.len && memcmp(w2.data, w.data, w.len) == 0);
        wire_writer_free(&w2);
    }
    wire_writer_free(&w);
    return 0;
}
