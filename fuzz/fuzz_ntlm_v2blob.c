/*
 * libFuzzer target: NTLMv2 NtChallengeResponse (ntlm_parse_v2_response) and
 * the blob writer (ntlm_write_v2_blob).
 *
 * Failure: SR_INVALID_TOKEN and outputs untouched. Success: NTProofStr is
 * the first 16 bytes, the blob the rest, the AV list inside the blob parses
 * strictly, everything after it is zero. Rebuilding the response (proof +
 * ntlm_write_v2_blob) and re-parsing gives the same fields; the rebuilt
 * bytes equal the input up to the end of the AV list except the reserved
 * fields, which are ignored on receipt and written as zero (abort()
 * otherwise).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "packages/ntlm/ntlm_wire.h"

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const uint8_t *proof = (const uint8_t *)"untouched";
    ntlm_bytes blob = {NULL, 7};
    ntlm_v2_blob vb, before;
    memset(&vb, 0x5a, sizeof vb);
    before = vb;
    sr r = ntlm_parse_v2_response(data, size, &proof, &blob, &vb);
    if (!sr_is_ok(r)) {
        CHECK(r.code == SR_INVALID_TOKEN);
        CHECK(memcmp(&vb, &before, sizeof vb) == 0);
        CHECK(blob.data == NULL && blob.len == 7 && proof[0] == 'u');
        return 0;
    }
    CHECK(size >= 48);
    CHECK(proof == data);
    CHECK(blob.data == data + 16 && blob.len == size - 16);
    CHECK(vb.av_pairs.len >= 4 && vb.av_pairs.data == data + 16 + 28);
    CHECK(vb.av_pairs.len <= size - 16 - 28);
    ntlm_av_info av;
    CHECK(sr_is_ok(ntlm_av_parse(vb.av_pairs.data, vb.av_pairs.len, &av)));
    for (size_t i = 16 + 28 + vb.av_pairs.len; i < size; i++) CHECK(data[i] == 0);

    wire_writer w;
    if (!sr_is_ok(wire_writer_init_alloc(&w, 0))) return 0;
    CHECK(sr_is_ok(wire_write_bytes(&w, proof, 16)));
    CHECK(sr_is_ok(ntlm_write_v2_blob(&w, vb.timestamp, vb.client_challenge, vb.av_pairs.data,
                                      vb.av_pairs.len)));
    CHECK(w.len == 16 + 28 + vb.av_pairs.len + 4);
    const uint8_t *p2;
    ntlm_bytes blob2;
    ntlm_v2_blob vb2;
    CHECK(sr_is_ok(ntlm_parse_v2_response(w.data, w.len, &p2, &blob2, &vb2)));
    CHECK(vb2.timestamp == vb.timestamp);
    CHECK(memcmp(vb2.client_challenge, vb.client_challenge, 8) == 0);
    CHECK(vb2.av_pairs.len == vb.av_pairs.len &&
          memcmp(vb2.av_pairs.data, vb.av_pairs.data, vb.av_pairs.len) == 0);
    /* Byte comparison, reserved fields (16+2..16+8, 16+24..16+28) aside. */
    size_t n = 16 + 28 + vb.av_pairs.len;
    for (size_t i = 0; i < n; i++) {
        if ((i >= 18 && i < 24) || (i >= 40 && i < 44)) {
            CHECK(w.data[i] == 0);
            continue;
        }
        CHECK(w.data[i] == data[i]);
    }
    wire_writer_free(&w);
    return 0;
}
