/*
 * libFuzzer target: AV_PAIR lists (ntlm_av_parse, ntlm_av_next,
 * ntlm_av_write).
 *
 * The input is walked with ntlm_av_next; a failed step must leave the
 * reader unchanged. ntlm_av_parse must agree with the walk: it can only
 * succeed when the walk reaches an EOL exactly at the end. A strictly valid
 * list is canonical, so rewriting every pair with ntlm_av_write +
 * ntlm_av_write_eol must reproduce the input byte for byte, and re-parsing
 * it must give the same ntlm_av_info (abort() otherwise).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "packages/ntlm/ntlm_wire.h"

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

static int same(ntlm_bytes a, ntlm_bytes b) {
    return a.len == b.len && (a.len == 0 || memcmp(a.data, b.data, a.len) == 0);
}

static int same_info(const ntlm_av_info *a, const ntlm_av_info *b) {
    return same(a->nb_computer, b->nb_computer) && same(a->nb_domain, b->nb_domain) &&
           same(a->dns_computer, b->dns_computer) && same(a->dns_domain, b->dns_domain) &&
           same(a->dns_tree, b->dns_tree) && same(a->target_name, b->target_name) &&
           same(a->single_host, b->single_host) && a->has_flags == b->has_flags &&
           a->flags == b->flags && a->has_timestamp == b->has_timestamp &&
           a->timestamp == b->timestamp && a->has_channel_bindings == b->has_channel_bindings &&
           memcmp(a->channel_bindings, b->channel_bindings, 16) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* Walk. */
    wire_reader r;
    wire_reader_init(&r, data, size);
    int reached_eol = 0;
    size_t pairs = 0;
    for (;;) {
        wire_reader before = r;
        uint16_t id;
        ntlm_bytes v;
        sr s = ntlm_av_next(&r, &id, &v);
        if (!sr_is_ok(s)) {
            CHECK(s.code == SR_INVALID_TOKEN);
            CHECK(r.pos == before.pos && r.data == before.data && r.len == before.len);
            break;
        }
        CHECK(r.pos == before.pos + 4 + v.len);
        CHECK(v.len == 0 ? v.data == NULL : v.data == data + before.pos + 4);
        pairs++;
        if (id == NTLM_AV_EOL) {
            reached_eol = v.len == 0 && wire_remaining(&r) == 0;
            break;
        }
    }

    ntlm_av_info info, before_info;
    memset(&info, 0x5a, sizeof info);
    before_info = info;
    sr p = ntlm_av_parse(data, size, &info);
    if (!sr_is_ok(p)) {
        CHECK(p.code == SR_INVALID_TOKEN);
        CHECK(memcmp(&info, &before_info, sizeof info) == 0);
        return 0;
    }
    CHECK(reached_eol);
    if (info.single_host.len) CHECK(info.single_host.len >= 48);

    /* Rewrite: canonical. */
    wire_writer w;
    if (!sr_is_ok(wire_writer_init_alloc(&w, 0))) return 0;
    wire_reader_init(&r, data, size);
    for (size_t i = 0; i < pairs; i++) {
        uint16_t id;
        ntlm_bytes v;
        CHECK(sr_is_ok(ntlm_av_next(&r, &id, &v)));
        if (id == NTLM_AV_EOL) CHECK(sr_is_ok(ntlm_av_write_eol(&w)));
        else CHECK(sr_is_ok(ntlm_av_write(&w, id, v.data, v.len)));
    }
    CHECK(w.len == size && memcmp(w.data, data, size) == 0);
    ntlm_av_info again;
    CHECK(sr_is_ok(ntlm_av_parse(w.data, w.len, &again)));
    /* Views differ (other buffer) but contents are equal. */
    CHECK(same_info(&info, &again));

    /* Any valid list makes a valid v2 blob. */
    wire_writer b;
    if (sr_is_ok(wire_writer_init_alloc(&b, 0))) {
        static const uint8_t cc[8] = {1, 2, 3, 4, 5, 6, 7, 8};
        CHECK(sr_is_ok(wire_write_zeros(&b, 16)));
        CHECK(sr_is_ok(ntlm_write_v2_blob(&b, 42, cc, data, size)));
        const uint8_t *proof;
        ntlm_bytes blob;
        ntlm_v2_blob vb;
        CHECK(sr_is_ok(ntlm_parse_v2_response(b.data, b.len, &proof, &blob, &vb)));
        CHECK(vb.timestamp == 42 && memcmp(vb.client_challenge, cc, 8) == 0);
        CHECK(vb.av_pairs.len == size && memcmp(vb.av_pairs.data, data, size) == 0);
        wire_writer_free(&b);
    }
    wire_writer_free(&w);
    return 0;
}
