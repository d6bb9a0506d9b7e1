/*
 * libFuzzer target for `sspi decode` (tools/sspi/decode/): the token
 * explainer reads tokens a user pasted from anywhere (captures, logs), and
 * with a password it recomputes NTLMv2 proofs and MICs from the fields.
 *
 * Input: byte 0 = options (bit 0 JSON, bit 1 password "Passw0rd!", bit 2
 * user override "DOM\\alice", bit 3 a challenge, bit 4 a negotiate); when
 * bit 3 / bit 4 is set, a 2-byte length and that many bytes follow for each
 * (challenge first); the rest is the token. Output goes to /dev/null. Must
 * never crash or read outside its inputs (every input is an exact-size
 * heap copy); the result must be a combination of the documented bits.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

static unsigned char *take(const uint8_t **p, size_t *left, size_t *out_len) {
    size_t n = 0;
    if (*left >= 2) {
        n = (size_t)(*p)[0] | (size_t)(*p)[1] << 8;
        *p += 2;
        *left -= 2;
    }
    if (n > *left) n = *left;
    unsigned char *b = malloc(n ? n : 1);
    CHECK(b != NULL);
    if (n) memcpy(b, *p, n);
    *p += n;
    *left -= n;
    *out_len = n;
    return b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static FILE *devnull;
    if (!devnull) {
        devnull = fopen("/dev/null", "w");
        CHECK(devnull != NULL);
    }
    if (size < 1 || size > 65536) return 0;
    uint8_t o = data[0];
    const uint8_t *p = data + 1;
    size_t left = size - 1;
    sspi_decode_options opt;
    memset(&opt, 0, sizeof opt);
    opt.json = o & 1;
    if (o & 2) {
        opt.password = "Passw0rd!";
        opt.password_len = 9;
    }
    if (o & 4) opt.user = "DOM\\alice";
    unsigned char *chal = NULL, *nego = NULL;
    if (o & 8) chal = take(&p, &left, &opt.challenge_len);
    if (o & 16) nego = take(&p, &left, &opt.negotiate_len);
    opt.challenge = chal;
    opt.negotiate = nego;
    unsigned char *tok = malloc(left ? left : 1);
    CHECK(tok != NULL);
    if (left) memcpy(tok, p, left);
    int r = sspi_decode(tok, left, &opt, devnull);
    CHECK((r & ~(SSPI_DECODE_MALFORMED | SSPI_DECODE_UNKNOWN | SSPI_DECODE_CHECK_FAILED |
                 SSPI_DECODE_NOT_VERIFIED)) == 0);
    free(tok);
    free(chal);
    free(nego);
    return 0;
}
