/*
 * NTLM cryptography: MS-NLMP 3.3 (NTOWF/LMOWF, responses, SessionBaseKey)
 * and 3.4 (KXKEY, SIGNKEY, SEALKEY, MAC, SEAL). Every primitive comes from
 * the crypto core; every intermediate secret is wiped before returning.
 */
#include "ntlm_crypto.h"

#include <stdlib.h>
#include <string.h>

#include "core/unicode.h"
#include "ntlm_wire.h"
#include "wire/cursor.h"

#define NTLM_SIG_VERSION 1u

static void put_le32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static bool has_ess(uint32_t flags) {
    return (flags & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY) != 0;
}

/* UTF-8 -> UTF-16LE, optionally upper-cased. NULL text is the empty string.
 * The result is freed with crypto_free_wipe(*out, *out_len + 2). */
static sr to_utf16(const char *s, size_t len, bool upcase, uint8_t **out, size_t *out_len) {
    SR_ENSURE(s != NULL || len == 0, SR_INVALID_PARAMETER);
    SR_TRY(utf8_to_utf16le(s != NULL ? s : "", len, out, out_len));
    if (upcase) utf16le_upcase(*out, *out_len);
    return SR_SUCCESS;
}

/* ---- 3.3.1 NTLM v1 --------------------------------------------------- */

sr ntlm_nt_hash(const char *password, size_t len, uint8_t out[NTLM_HASH_LEN]) {
    uint8_t *u = NULL;
    size_t ulen = 0;
    SR_TRY(to_utf16(password, len, false, &u, &ulen));
    sr r = crypto_md4(u, ulen, out);
    crypto_free_wipe(u, ulen + 2);
    return r;
}

/* The 14-byte OEM upper-case password for LMOWFv1. Only ASCII maps to OEM
 * without a code page; a password that is longer than 14 characters or not
 * representable leaves `oem` all zero (the empty password), which is what
 * Windows stores when no LM hash can be computed. */
static sr lm_password(const char *password, size_t len, uint8_t oem[14]) {
    uint8_t *u = NULL;
    size_t ulen = 0;
    memset(oem, 0, 14);
    SR_TRY(to_utf16(password, len, true, &u, &ulen));
    size_t n = ulen / 2;
    bool ok = n <= 14;
    for (size_t i = 0; ok && i < n; i++) {
        uint16_t c = (uint16_t)(u[2 * i] | u[2 * i + 1] << 8);
        if (c >= 0x80) ok = false;
        else oem[i] = (uint8_t)c;
    }
    if (!ok) crypto_wipe(oem, 14);
    crypto_free_wipe(u, ulen + 2);
    return SR_SUCCESS;
}

sr ntlm_lm_hash(const char *password, size_t len, uint8_t out[NTLM_HASH_LEN]) {
    static const uint8_t magic[8] = {'K', 'G', 'S', '!', '@', '#', '$', '%'};
    uint8_t oem[14];
    SR_TRY(lm_password(password, len, oem));
    sr r = crypto_des7_encrypt_block(oem, magic, out);
    if (sr_is_ok(r)) r = crypto_des7_encrypt_block(oem + 7, magic, out + 8);
    crypto_wipe(oem, sizeof oem);
    return r;
}

sr ntlm_desl(const uint8_t key[16], const uint8_t data[8], uint8_t out[24]) {
    uint8_t k3[7] = {key[14], key[15], 0, 0, 0, 0, 0};
    sr r = crypto_des7_encrypt_block(key, data, out);
    if (sr_is_ok(r)) r = crypto_des7_encrypt_block(key + 7, data, out + 8);
    if (sr_is_ok(r)) r = crypto_des7_encrypt_block(k3, data, out + 16);
    crypto_wipe(k3, sizeof k3);
    return r;
}

sr ntlm_v1_response(const uint8_t hash[16], const uint8_t server_challenge[8], uint8_t out[24]) {
    return ntlm_desl(hash, server_challenge, out);
}

sr ntlm_v1_ess_response(const uint8_t nt_hash[16], const uint8_t server_challenge[8],
                        const uint8_t client_challenge[8], uint8_t out[24]) {
    crypto_part parts[2] = {{server_challenge, 8}, {client_challenge, 8}};
    uint8_t digest[CRYPTO_MD5_LEN];
    sr r = crypto_hash(CRYPTO_HASH_MD5, parts, 2, digest);
    if (sr_is_ok(r)) r = ntlm_desl(nt_hash, digest, out);
    crypto_wipe(digest, sizeof digest);
    return r;
}

sr ntlm_v1_session_base_key(const uint8_t nt_hash[16], uint8_t out[NTLM_KEY_LEN]) {
    return crypto_md4(nt_hash, 16, out);
}

/* ---- 3.3.2 NTLM v2 --------------------------------------------------- */

/* UTF-16LE of s into `stack` when it fits (the usual case: no allocation),
 * else into a heap block returned in *heap (free with crypto_free_wipe
 * (*heap, *out_len + 2)). */
static sr to_utf16_small(const char *s, bool upcase, uint8_t *stack, size_t cap, uint8_t **heap,
                         const uint8_t **out, size_t *out_len) {
    size_t len = s ? strlen(s) : 0;
    *heap = NULL;
    sr r = utf8_to_utf16le_buf(s ? s : "", len, stack, cap, out_len);
    if (sr_is_ok(r)) {
        if (upcase) utf16le_upcase(stack, *out_len);
        *out = stack;
        return SR_SUCCESS;
    }
    if (r.code != SR_BUFFER_TOO_SMALL) return r;
    SR_TRY(to_utf16(s, len, upcase, heap, out_len));
    *out = *heap;
    return SR_SUCCESS;
}

sr ntlm_ntowfv2(const uint8_t nt_hash[NTLM_HASH_LEN], const char *user, const char *domain,
                uint8_t out[NTLM_HASH_LEN]) {
    uint8_t ubuf[256], dbuf[256], *uheap = NULL, *dheap = NULL;
    const uint8_t *u = NULL, *d = NULL;
    size_t ulen = 0, dlen = 0;
    sr r = to_utf16_small(user, true, ubuf, sizeof ubuf, &uheap, &u, &ulen);
    if (sr_is_ok(r)) r = to_utf16_small(domain, false, dbuf, sizeof dbuf, &dheap, &d, &dlen);
    if (sr_is_ok(r)) {
        crypto_part parts[2] = {{u, ulen}, {d, dlen}};
        r = crypto_hmac(CRYPTO_HASH_MD5, nt_hash, NTLM_HASH_LEN, parts, 2, out);
    }
    crypto_free_wipe(uheap, ulen + 2);
    crypto_free_wipe(dheap, dlen + 2);
    crypto_wipe(ubuf, sizeof ubuf);
    crypto_wipe(dbuf, sizeof dbuf);
    return r;
}

sr ntlm_v2_proof(const uint8_t response_key_nt[NTLM_HASH_LEN], const uint8_t server_challenge[8],
                 const uint8_t *blob, size_t blob_len, uint8_t nt_proof[16]) {
    SR_ENSURE(blob != NULL || blob_len == 0, SR_INVALID_PARAMETER);
    crypto_part parts[2] = {{server_challenge, 8}, {blob, blob_len}};
    return crypto_hmac(CRYPTO_HASH_MD5, response_key_nt, NTLM_HASH_LEN, parts, 2, nt_proof);
}

sr ntlm_lmv2_response(const uint8_t response_key_lm[NTLM_HASH_LEN],
                      const uint8_t server_challenge[8], const uint8_t client_challenge[8],
                      uint8_t out[24]) {
    crypto_part parts[2] = {{server_challenge, 8}, {client_challenge, 8}};
    SR_TRY(crypto_hmac(CRYPTO_HASH_MD5, response_key_lm, NTLM_HASH_LEN, parts, 2, out));
    memcpy(out + 16, client_challenge, 8);
    return SR_SUCCESS;
}

sr ntlm_v2_session_base_key(const uint8_t response_key_nt[NTLM_HASH_LEN],
                            const uint8_t nt_proof[16], uint8_t out[NTLM_KEY_LEN]) {
    return crypto_hmac_md5(response_key_nt, NTLM_HASH_LEN, nt_proof, 16, out);
}

/* ---- 3.4.5.1 KXKEY ---------------------------------------------------- */

/* NTLMSSP_NEGOTIATE_LM_KEY: DES(LMOWF[0..6], LmResp[0..7]) ||
 * DES(LMOWF[7] || 0xBDBDBDBDBDBD, LmResp[0..7]). */
static sr kxkey_lm(const uint8_t lm_hash[16], const uint8_t lm_response[8], uint8_t out[16]) {
    uint8_t k2[7] = {lm_hash[7], 0xbd, 0xbd, 0xbd, 0xbd, 0xbd, 0xbd};
    sr r = crypto_des7_encrypt_block(lm_hash, lm_response, out);
    if (sr_is_ok(r)) r = crypto_des7_encrypt_block(k2, lm_response, out + 8);
    crypto_wipe(k2, sizeof k2);
    return r;
}

sr ntlm_kxkey(uint32_t flags, bool v2, const uint8_t session_base_key[16],
              const uint8_t *lm_response, size_t lm_len, const uint8_t server_challenge[8],
              const uint8_t lm_hash[16], uint8_t out[NTLM_KEY_LEN]) {
    if (v2) {
        memcpy(out, session_base_key, NTLM_KEY_LEN);
        return SR_SUCCESS;
    }
    if (has_ess(flags)) {
        SR_ENSURE(lm_response != NULL && lm_len >= 8, SR_INVALID_PARAMETER);
        crypto_part parts[2] = {{server_challenge, 8}, {lm_response, 8}};
        return crypto_hmac(CRYPTO_HASH_MD5, session_base_key, 16, parts, 2, out);
    }
    if (flags & NTLMSSP_NEGOTIATE_LM_KEY) {
        SR_ENSURE(lm_response != NULL && lm_len >= 8 && lm_hash != NULL, SR_INVALID_PARAMETER);
        return kxkey_lm(lm_hash, lm_response, out);
    }
    if (flags & NTLMSSP_REQUEST_NON_NT_SESSION_KEY) {
        SR_ENSURE(lm_hash != NULL, SR_INVALID_PARAMETER);
        memcpy(out, lm_hash, 8);
        memset(out + 8, 0, 8);
        return SR_SUCCESS;
    }
    memcpy(out, session_base_key, NTLM_KEY_LEN);
    return SR_SUCCESS;
}

sr ntlm_rc4k(const uint8_t key[16], const uint8_t in[16], uint8_t out[16]) {
    return crypto_rc4_oneshot(key, 16, in, out, 16);
}

sr ntlm_mic(const uint8_t exported_session_key[16], const uint8_t *negotiate, size_t negotiate_len,
            const uint8_t *challenge, size_t challenge_len, const uint8_t *authenticate,
            size_t authenticate_len, uint8_t out[16]) {
    crypto_part parts[3] = {{negotiate, negotiate_len},
                            {challenge, challenge_len},
                            {authenticate, authenticate_len}};
    return crypto_hmac(CRYPTO_HASH_MD5, exported_session_key, 16, parts, 3, out);
}

/* ---- Channel bindings (MsvAvChannelBindings) ------------------------- */

/* One (addrtype?, length, bytes) field of the flattened bindings. */
typedef struct cb_field {
    uint32_t type;
    uint32_t len;
    const uint8_t *data;
} cb_field;

static sr cb_read_field(const wire_reader *whole, wire_reader *hdr, bool typed, cb_field *f) {
    uint32_t off = 0;
    f->type = 0;
    if (typed) SR_TRY(wire_read_u32le(hdr, &f->type));
    SR_TRY(wire_read_u32le(hdr, &f->len));
    SR_TRY(wire_read_u32le(hdr, &off));
    return wire_slice(whole, off, f->len, &f->data);
}

sr ntlm_channel_bindings_hash(const uint8_t *buf, size_t len, uint8_t out[16]) {
    if (buf == NULL || len == 0) {
        memset(out, 0, 16);
        return SR_SUCCESS;
    }
    wire_reader whole, hdr;
    wire_reader_init(&whole, buf, len);
    hdr = whole;
    cb_field f[3];
    SR_TRY(cb_read_field(&whole, &hdr, true, &f[0]));  /* initiator */
    SR_TRY(cb_read_field(&whole, &hdr, true, &f[1]));  /* acceptor */
    SR_TRY(cb_read_field(&whole, &hdr, false, &f[2])); /* application data */

    uint8_t ints[5][4];
    put_le32(ints[0], f[0].type);
    put_le32(ints[1], f[0].len);
    put_le32(ints[2], f[1].type);
    put_le32(ints[3], f[1].len);
    put_le32(ints[4], f[2].len);
    crypto_part parts[8] = {{ints[0], 4}, {ints[1], 4}, {f[0].data, f[0].len},
                            {ints[2], 4}, {ints[3], 4}, {f[1].data, f[1].len},
                            {ints[4], 4}, {f[2].data, f[2].len}};
    return crypto_hash(CRYPTO_HASH_MD5, parts, 8, out);
}

/* ---- 3.4.5.2 SIGNKEY / 3.4.5.3 SEALKEY -------------------------------- */

/* The magic constants are hashed with their terminating NUL. */
static const char k_c2s_sign[] = "session key to client-to-server signing key magic constant";
static const char k_s2c_sign[] = "session key to server-to-client signing key magic constant";
static const char k_c2s_seal[] = "session key to client-to-server sealing key magic constant";
static const char k_s2c_seal[] = "session key to server-to-client sealing key magic constant";

static sr md5_with_magic(const uint8_t *key, size_t key_len, const char *magic, size_t magic_size,
                         uint8_t out[16]) {
    crypto_part parts[2] = {{key, key_len}, {magic, magic_size}};
    return crypto_hash(CRYPTO_HASH_MD5, parts, 2, out);
}

/* SEALKEY: fills st->seal_key / seal_key_len. */
static sr derive_seal_key(ntlm_seal_state *st, const uint8_t esk[16], bool c2s) {
    uint32_t fl = st->flags;
    if (has_ess(fl)) {
        size_t n = (fl & NTLMSSP_NEGOTIATE_128) ? 16 : (fl & NTLMSSP_NEGOTIATE_56) ? 7 : 5;
        st->seal_key_len = 16;
        return c2s ? md5_with_magic(esk, n, k_c2s_seal, sizeof k_c2s_seal, st->seal_key)
                   : md5_with_magic(esk, n, k_s2c_seal, sizeof k_s2c_seal, st->seal_key);
    }
    if (fl & (NTLMSSP_NEGOTIATE_LM_KEY | NTLMSSP_NEGOTIATE_DATAGRAM)) {
        /* NTLMRevisionCurrent is always NTLMSSP_REVISION_W2K3 here, so the
         * DATAGRAM condition of 3.4.5.3 applies as written. */
        static const uint8_t w40[3] = {0xe5, 0x38, 0xb0};
        if (fl & NTLMSSP_NEGOTIATE_56) {
            memcpy(st->seal_key, esk, 7);
            st->seal_key[7] = 0xa0;
        } else {
            memcpy(st->seal_key, esk, 5);
            memcpy(st->seal_key + 5, w40, 3);
        }
        st->seal_key_len = 8;
        return SR_SUCCESS;
    }
    memcpy(st->seal_key, esk, 16);
    st->seal_key_len = 16;
    return SR_SUCCESS;
}

static sr init_keys(ntlm_seal_state *st, const uint8_t esk[16], bool c2s) {
    SR_TRY(derive_seal_key(st, esk, c2s));
    if (has_ess(st->flags)) {
        SR_TRY(c2s ? md5_with_magic(esk, 16, k_c2s_sign, sizeof k_c2s_sign, st->sign_key)
                   : md5_with_magic(esk, 16, k_s2c_sign, sizeof k_s2c_sign, st->sign_key));
    }
    st->ready = true;
    return SR_SUCCESS;
}

/* SIGNKEY/SEALKEY of a deferred state, on its first use. */
static sr ensure_ready(ntlm_seal_state *st) {
    if (st->ready) return SR_SUCCESS;
    SR_ENSURE(st->deferred, SR_INVALID_PARAMETER);
    sr r = init_keys(st, st->esk, st->c2s);
    if (!sr_is_ok(r)) return r;
    crypto_wipe(st->esk, sizeof st->esk);
    st->deferred = false;
    return SR_SUCCESS;
}

/* The RC4 handle (keyed with SEALKEY) and the HMAC template, each on the
 * first use of a direction that needs it (see ntlm_crypto.h). */
static sr ensure_rc4(ntlm_seal_state *st) {
    SR_TRY(ensure_ready(st));
    if (st->rc4 != NULL) return SR_SUCCESS;
    SR_TRY(crypto_rc4_new(st->seal_key, st->seal_key_len, &st->rc4));
    memcpy(st->rc4_key, st->seal_key, st->seal_key_len);
    st->rc4_key_len = st->seal_key_len;
    return SR_SUCCESS;
}

static sr ensure_hmac(ntlm_seal_state *st) {
    SR_TRY(ensure_ready(st));
    if (st->hmac != NULL) return SR_SUCCESS;
    return crypto_hmac_new(CRYPTO_HASH_MD5, st->sign_key, sizeof st->sign_key, &st->hmac);
}

sr ntlm_seal_state_init(ntlm_seal_state *st, uint32_t flags, const uint8_t exported_session_key[16],
                        bool is_client, bool send) {
    SR_ENSURE(st != NULL && exported_session_key != NULL, SR_INVALID_PARAMETER);
    memset(st, 0, sizeof *st);
    st->flags = flags;
    /* The client sends client-to-server; the server receives it. */
    sr r = init_keys(st, exported_session_key, is_client == send);
    if (!sr_is_ok(r)) ntlm_seal_state_clear(st);
    return r;
}

sr ntlm_seal_state_init_deferred(ntlm_seal_state *st, uint32_t flags,
                                 const uint8_t exported_session_key[16], bool is_client,
                                 bool send) {
    SR_ENSURE(st != NULL && exported_session_key != NULL, SR_INVALID_PARAMETER);
    memset(st, 0, sizeof *st);
    st->flags = flags;
    st->deferred = true;
    st->c2s = is_client == send;
    memcpy(st->esk, exported_session_key, sizeof st->esk);
    return SR_SUCCESS;
}

void ntlm_seal_state_clear(ntlm_seal_state *st) {
    if (st == NULL) return;
    crypto_hmac_free(st->hmac);
    crypto_rc4_free(st->rc4);
    crypto_wipe(st, sizeof *st);
}

/* Re-key the RC4 handle in place (no allocation once it exists). If that
 * fails the handle is dropped: the direction is back to "SEALKEY, nothing
 * used", and the caller's error ends the message. */
static sr rc4_rekey(ntlm_seal_state *st, const uint8_t *key, size_t key_len) {
    SR_ENSURE(st->ready && key_len >= 1 && key_len <= sizeof st->rc4_key, SR_INVALID_PARAMETER);
    sr r = st->rc4 != NULL ? crypto_rc4_rekey(st->rc4, key, key_len)
                           : crypto_rc4_new(key, key_len, &st->rc4);
    if (!sr_is_ok(r)) {
        crypto_rc4_free(st->rc4);
        st->rc4 = NULL;
        crypto_wipe(st->rc4_key, sizeof st->rc4_key);
        st->rc4_key_len = 0;
        return r;
    }
    if (st->rc4_key != key) memcpy(st->rc4_key, key, key_len);
    st->rc4_key_len = key_len;
    return SR_SUCCESS;
}

sr ntlm_seal_state_rc4_export(ntlm_seal_state *st, ntlm_rc4_position *pos) {
    SR_ENSURE(st != NULL && pos != NULL, SR_INVALID_PARAMETER);
    SR_TRY(ensure_ready(st));
    memset(pos, 0, sizeof *pos);
    if (st->rc4 == NULL) { /* never used: SEALKEY at its start */
        memcpy(pos->key, st->seal_key, st->seal_key_len);
        pos->key_len = st->seal_key_len;
        return SR_SUCCESS;
    }
    pos->offset = crypto_rc4_offset(st->rc4);
    if (pos->offset > NTLM_RC4_POSITION_MAX) return SR_FAIL(SR_UNSUPPORTED);
    memcpy(pos->key, st->rc4_key, st->rc4_key_len);
    pos->key_len = st->rc4_key_len;
    return SR_SUCCESS;
}

sr ntlm_seal_state_rc4_import(ntlm_seal_state *st, const ntlm_rc4_position *pos) {
    SR_ENSURE(st != NULL && pos != NULL, SR_INVALID_PARAMETER);
    SR_TRY(ensure_ready(st));
    SR_ENSURE(pos->key_len >= 1 && pos->key_len <= sizeof pos->key &&
                  pos->offset <= NTLM_RC4_POSITION_MAX,
              SR_INVALID_TOKEN);
    /* An unused SEALKEY stream stays lazy (and exports back the same). */
    if (st->rc4 == NULL && pos->offset == 0 && pos->key_len == st->seal_key_len &&
        crypto_memeq(pos->key, st->seal_key, pos->key_len))
        return SR_SUCCESS;
    SR_TRY(rc4_rekey(st, pos->key, pos->key_len));
    return crypto_rc4_skip(st->rc4, pos->offset); /* O(offset) */
}

sr ntlm_seal_state_reset(ntlm_seal_state *st) {
    SR_ENSURE(st != NULL && (st->ready || st->deferred), SR_INVALID_PARAMETER);
    /* Without a handle the stream is at SEALKEY's start already. */
    if (st->rc4 != NULL) SR_TRY(rc4_rekey(st, st->seal_key, st->seal_key_len));
    st->seq_num = 0;
    return SR_SUCCESS;
}

sr ntlm_seal_state_datagram_rekey(ntlm_seal_state *st, uint32_t seq_num) {
    SR_ENSURE(st != NULL && (st->ready || st->deferred), SR_INVALID_PARAMETER);
    if (!has_ess(st->flags) || !(st->flags & NTLMSSP_NEGOTIATE_DATAGRAM)) return SR_SUCCESS;
    SR_TRY(ensure_ready(st));
    uint8_t seq[4], key[CRYPTO_MD5_LEN];
    put_le32(seq, seq_num);
    crypto_part parts[2] = {{st->seal_key, st->seal_key_len}, {seq, 4}};
    sr r = crypto_hash(CRYPTO_HASH_MD5, parts, 2, key);
    if (sr_is_ok(r)) r = rc4_rekey(st, key, sizeof key);
    crypto_wipe(key, sizeof key);
    return r;
}

/* RC4 through the direction's handle (created on first use). */
static sr rc4_apply(ntlm_seal_state *st, uint8_t *data, size_t len) {
    SR_TRY(ensure_rc4(st));
    return crypto_rc4_update(st->rc4, data, data, len);
}

sr ntlm_seal_data(ntlm_seal_state *st, uint8_t *data, size_t len) {
    SR_ENSURE(st != NULL, SR_INVALID_PARAMETER);
    SR_ENSURE(data != NULL || len == 0, SR_INVALID_PARAMETER);
    return rc4_apply(st, data, len);
}

/* ---- 3.4.4 MAC ------------------------------------------------------- */

/* HMAC_MD5(SigningKey, SeqNum || Message)[0..7]. */
static sr ess_checksum(ntlm_seal_state *st, uint32_t seq_num, const crypto_part *parts,
                       size_t nparts, uint8_t out[8]) {
    for (size_t i = 0; i < nparts; i++)
        SR_ENSURE(parts[i].data != NULL || parts[i].len == 0, SR_INVALID_PARAMETER);
    SR_TRY(ensure_hmac(st));
    uint8_t seq[4], digest[CRYPTO_MD5_LEN];
    put_le32(seq, seq_num);
    sr r = crypto_hmac_start(st->hmac);
    if (sr_is_ok(r)) r = crypto_hmac_update(st->hmac, seq, 4);
    for (size_t i = 0; i < nparts && sr_is_ok(r); i++)
        r = crypto_hmac_update(st->hmac, parts[i].data, parts[i].len);
    if (sr_is_ok(r)) r = crypto_hmac_finish(st->hmac, digest);
    if (sr_is_ok(r)) memcpy(out, digest, 8);
    crypto_wipe(digest, sizeof digest);
    return r;
}

static uint32_t crc_parts(const crypto_part *parts, size_t nparts) {
    uint32_t crc = 0;
    for (size_t i = 0; i < nparts; i++) crc = crypto_crc32(crc, parts[i].data, parts[i].len);
    return crc;
}

sr ntlm_mac_prepare(ntlm_seal_state *st, uint32_t seq_num, const crypto_part *parts,
                    size_t nparts, uint8_t checksum[8]) {
    SR_ENSURE(st != NULL && (parts != NULL || nparts == 0), SR_INVALID_PARAMETER);
    if (has_ess(st->flags)) return ess_checksum(st, seq_num, parts, nparts, checksum);
    memset(checksum, 0, 8);
    put_le32(checksum, crc_parts(parts, nparts));
    return SR_SUCCESS;
}

sr ntlm_mac_finish(ntlm_seal_state *st, uint32_t seq_num, const uint8_t checksum[8],
                   uint8_t out[NTLM_SIGNATURE_LEN]) {
    SR_ENSURE(st != NULL, SR_INVALID_PARAMETER);
    SR_TRY(ensure_ready(st));
    if (has_ess(st->flags)) {
        uint8_t sum[8];
        memcpy(sum, checksum, 8);
        sr r = SR_SUCCESS;
        if (st->flags & NTLMSSP_NEGOTIATE_KEY_EXCH) r = rc4_apply(st, sum, 8);
        if (sr_is_ok(r)) {
            put_le32(out, NTLM_SIG_VERSION);
            memcpy(out + 4, sum, 8);
            put_le32(out + 12, seq_num);
        }
        crypto_wipe(sum, sizeof sum);
        return r;
    }
    /* RandomPad (0), CRC32 and SeqNum go through the handle in this order;
     * RC4(0) XOR SeqNum is RC4 of SeqNum. The pad is then set to 0. */
    uint8_t body[12] = {0};
    memcpy(body + 4, checksum, 4);
    put_le32(body + 8, seq_num);
    sr r = rc4_apply(st, body, sizeof body);
    if (sr_is_ok(r)) {
        put_le32(out, NTLM_SIG_VERSION);
        memset(out + 4, 0, 4);
        memcpy(out + 8, body + 4, 8);
    }
    crypto_wipe(body, sizeof body);
    return r;
}

sr ntlm_mac(ntlm_seal_state *st, uint32_t seq_num, const crypto_part *parts, size_t nparts,
            uint8_t out[NTLM_SIGNATURE_LEN]) {
    uint8_t checksum[8];
    sr r = ntlm_mac_prepare(st, seq_num, parts, nparts, checksum);
    if (sr_is_ok(r)) r = ntlm_mac_finish(st, seq_num, checksum, out);
    crypto_wipe(checksum, sizeof checksum);
    return r;
}

/* Verification result from "checksum valid" and "sequence number right". */
static sr verdict(bool version_ok, bool sum_ok, bool seq_ok, bool sum_ok_with_token_seq) {
    if (version_ok && sum_ok && seq_ok) return SR_SUCCESS;
    if (version_ok && !seq_ok && sum_ok_with_token_seq) return SR_FAIL(SR_OUT_OF_SEQUENCE);
    return SR_FAIL(SR_MESSAGE_ALTERED);
}

static sr verify_ess(ntlm_seal_state *st, uint32_t seq_num, const crypto_part *parts,
                     size_t nparts, const uint8_t sig[NTLM_SIGNATURE_LEN], bool version_ok) {
    uint8_t got[8], want[8];
    uint32_t tok_seq;
    wire_reader rd; /* Checksum(8) SeqNum(4) after the Version */
    wire_reader_init(&rd, sig + 4, NTLM_SIGNATURE_LEN - 4);
    SR_TRY(wire_read_copy(&rd, got, sizeof got));
    SR_TRY(wire_read_u32le(&rd, &tok_seq));
    sr r = SR_SUCCESS;
    if (st->flags & NTLMSSP_NEGOTIATE_KEY_EXCH) r = rc4_apply(st, got, 8);
    if (sr_is_ok(r)) r = ess_checksum(st, seq_num, parts, nparts, want);
    bool sum_ok = sr_is_ok(r) && crypto_memeq(got, want, 8);
    bool alt_ok = false;
    if (sr_is_ok(r) && tok_seq != seq_num) {
        /* Out of order or replayed: valid under the number it carries? */
        r = ess_checksum(st, tok_seq, parts, nparts, want);
        alt_ok = sr_is_ok(r) && crypto_memeq(got, want, 8);
    }
    crypto_wipe(got, sizeof got);
    crypto_wipe(want, sizeof want);
    SR_TRY(r);
    return verdict(version_ok, sum_ok, tok_seq == seq_num, alt_ok);
}

static sr verify_v1(ntlm_seal_state *st, uint32_t seq_num, const crypto_part *parts,
                    size_t nparts, const uint8_t sig[NTLM_SIGNATURE_LEN], bool version_ok) {
    uint8_t body[12], crc[4];
    memcpy(body, sig + 4, 12);
    sr r = rc4_apply(st, body, sizeof body);
    if (!sr_is_ok(r)) {
        crypto_wipe(body, sizeof body);
        return r;
    }
    put_le32(crc, crc_parts(parts, nparts));
    /* body[0..3] is the RandomPad: ignored (see ntlm_crypto.h). */
    bool sum_ok = crypto_memeq(body + 4, crc, 4);
    uint32_t body_seq = 0;
    wire_reader rd; /* RandomPad(4) Checksum(4) SeqNum(4), decrypted */
    wire_reader_init(&rd, body, sizeof body);
    r = wire_skip(&rd, 8);
    if (sr_is_ok(r)) r = wire_read_u32le(&rd, &body_seq);
    bool seq_ok = sr_is_ok(r) && body_seq == seq_num;
    crypto_wipe(body, sizeof body);
    return verdict(version_ok, sum_ok, seq_ok, sum_ok);
}

sr ntlm_mac_verify(ntlm_seal_state *st, uint32_t seq_num, const crypto_part *parts, size_t nparts,
                   const uint8_t sig[NTLM_SIGNATURE_LEN]) {
    SR_ENSURE(st != NULL && sig != NULL, SR_INVALID_PARAMETER);
    SR_TRY(ensure_ready(st));
    SR_ENSURE(parts != NULL || nparts == 0, SR_INVALID_PARAMETER);
    uint32_t version;
    wire_reader rd;
    wire_reader_init(&rd, sig, NTLM_SIGNATURE_LEN);
    SR_TRY(wire_read_u32le(&rd, &version));
    bool version_ok = version == NTLM_SIG_VERSION;
    if (has_ess(st->flags)) return verify_ess(st, seq_num, parts, nparts, sig, version_ok);
    return verify_v1(st, seq_num, parts, nparts, sig, version_ok);
}
