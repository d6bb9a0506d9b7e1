/*
 * libFuzzer target for SECBUFFER_CHANNEL_BINDINGS contents (a
 * SEC_CHANNEL_BINDINGS header whose offsets point into the same buffer):
 * the NTLM flattening + MD5 (ntlm_channel_bindings_hash, cursor based) and
 * the Kerberos one (krb_bindings_md5, RFC 4121 4.1.1.2).
 *
 * The input is the whole buffer (copied to an aligned allocation of the
 * exact size, as an application would pass it). Properties (abort()
 * otherwise): both implementations accept exactly the same buffers of at
 * least sizeof(SEC_CHANNEL_BINDINGS) bytes, give the same hash, and that hash
 * equals an independent flattening written here; NTLM rejects with
 * SR_INVALID_TOKEN and leaves nothing behind; an empty buffer hashes to 16
 * zero bytes for NTLM.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sspi.h>

#include "crypto/crypto.h"
#include "packages/kerberos/krb_context.h"
#include "packages/ntlm/ntlm_crypto.h"

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

static uint32_t le32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Reference: returns 0 when some field lies outside the buffer. */
static int reference(const uint8_t *b, size_t n, uint8_t out[16]) {
    if (n < 32) return 0;
    uint8_t flat[3 * 8];
    crypto_part parts[8];
    size_t np = 0;
    static const int typed[3] = {1, 1, 0};
    for (int i = 0; i < 3; i++) {
        const uint8_t *h = b + (i == 2 ? 24 : 12 * i);
        uint32_t type = typed[i] ? le32(h) : 0;
        uint32_t len = le32(h + (typed[i] ? 4 : 0));
        uint32_t off = le32(h + (typed[i] ? 8 : 4));
        if (len && ((size_t)off > n || (size_t)len > n - off)) return 0;
        uint8_t *f = flat + 8 * i;
        size_t fl = 0;
        if (typed[i]) {
            memcpy(f, b + 12 * i, 4);
            fl = 4;
        }
        memcpy(f + fl, h + (typed[i] ? 4 : 0), 4);
        fl += 4;
        parts[np++] = (crypto_part){f, fl};
        parts[np++] = (crypto_part){len ? b + off : NULL, len};
        (void)type;
    }
    CHECK(sr_is_ok(crypto_hash(CRYPTO_HASH_MD5, parts, np, out)));
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 1 << 16) return 0;
    uint8_t *buf = malloc(size ? size : 1);
    CHECK(buf != NULL);
    if (size) memcpy(buf, data, size);

    uint8_t h_ntlm[16], h_krb[16], h_ref[16];
    memset(h_ntlm, 0xa5, 16);
    sr rn = ntlm_channel_bindings_hash(size ? buf : NULL, size, h_ntlm);
    if (size == 0) {
        static const uint8_t zero[16];
        CHECK(sr_is_ok(rn) && memcmp(h_ntlm, zero, 16) == 0);
        free(buf);
        return 0;
    }
    int ok_ref = reference(buf, size, h_ref);
    if (!sr_is_ok(rn)) CHECK(rn.code == SR_INVALID_TOKEN);
    CHECK(sr_is_ok(rn) == (ok_ref != 0));
    if (ok_ref) CHECK(memcmp(h_ntlm, h_ref, 16) == 0);

    if (size >= sizeof(SEC_CHANNEL_BINDINGS)) {
        sr rk = krb_bindings_md5((const SEC_CHANNEL_BINDINGS *)buf, size, h_krb);
        CHECK(sr_is_ok(rk) == sr_is_ok(rn));
        if (sr_is_ok(rk)) CHECK(memcmp(h_krb, h_ntlm, 16) == 0);
    } else {
        CHECK(!sr_is_ok(rn));
        CHECK(!sr_is_ok(krb_bindings_md5((const SEC_CHANNEL_BINDINGS *)buf, size, h_krb)));
    }
    free(buf);
    return 0;
}
