/*
 * ExportSecurityContext / ImportSecurityContext for NTLM contexts.
 *
 * Only a complete context can be exported (an NTLM handshake in progress
 * holds nothing worth moving: SEC_E_NO_CONTEXT, as for message functions).
 * The blob carries everything per-message protection and attributes need:
 * role, negotiated flags, ISC/ASC_RET flags, the ExportedSessionKey, the
 * names, and for each direction the sequence number and the position of
 * its RC4 stream. Signing and sealing keys are re-derived from the session
 * key and the flags on import (MS-NLMP 3.4.5), so they are not stored.
 *
 * RC4 position, not RC4 state: RC4 runs on OpenSSL's EVP (legacy provider),
 * which cannot export its internal state. A direction's stream is carried
 * as the key it was keyed with (SEALKEY, or the last per-message DATAGRAM
 * key) and the number of key stream bytes used since; import re-keys and
 * discards that many bytes. Import therefore costs O(bytes sealed or
 * signed since keying) -- roughly what sealing them again costs (~0.3 GB/s
 * with OpenSSL's RC4) -- and offsets above NTLM_RC4_POSITION_MAX (1 GiB,
 * ntlm_crypto.h) are refused: Export returns SEC_E_UNSUPPORTED_FUNCTION
 * for such a context, Import SEC_E_INVALID_TOKEN for such a blob.
 *
 * The blob is secret (session key, RC4 keys): the API layer returns it in
 * caller memory, which FreeContextBuffer wipes. Layout (all integers
 * little-endian; version 2 -- version 1 carried the raw RC4 S-box of a
 * built-in RC4, was never released, and is refused):
 *
 *   "LSSPNTLM" magic (8)  | u32 version = 2 | u8 is_server | u8 anonymous |
 *   u16 reserved = 0      | u32 neg_flags   | u32 context_attr |
 *   u32 client_flags      | u64 start_time  | ExportedSessionKey (16) |
 *   5 x string (user, domain, workstation, server_domain, target_name):
 *       u8 present (0/1), u16 length, bytes (no NUL; absent => length 0) |
 *   send: direction |
 *   u8 has_recv (1 iff EXTENDED_SESSIONSECURITY) [recv: direction]
 *
 *   direction = u32 seq_num | u8 rc4_key_len (1..16) |
 *               rc4_key (16: key_len bytes, then zeros) |
 *               u64 rc4_offset (<= NTLM_RC4_POSITION_MAX)
 *
 * Import parses with the cursor: any deviation (bad magic/version, values
 * out of range, a string with a NUL, non-zero key padding, trailing bytes)
 * is SR_INVALID_TOKEN. The format is canonical: exporting an imported
 * context gives back the same bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "crypto/crypto.h"
#include "ntlm_context.h"
#include "ntlm_wire.h"
#include "packages/export_blob.h"
#include "wire/cursor.h"

#define LOG_COMPONENT "ntlm-export"

static const uint8_t k_magic[8] = {'L', 'S', 'S', 'P', 'N', 'T', 'L', 'M'};
#define EXPORT_VERSION 2u

static void put_dir(wire_writer *w, ntlm_seal_state *st, sr *acc) {
    ntlm_rc4_position pos;
    sr r = ntlm_seal_state_rc4_export(st, &pos);
    export_keep(acc, r);
    export_keep(acc, wire_write_u32le(w, st->seq_num));
    if (sr_is_ok(r)) {
        export_keep(acc, wire_write_u8(w, (uint8_t)pos.key_len));
        export_keep(acc, wire_write_bytes(w, pos.key, sizeof pos.key));
        export_keep(acc, wire_write_u64le(w, pos.offset));
    }
    crypto_wipe(&pos, sizeof pos);
}

sr ntlm_context_export(ntlm_context *ctx, ULONG flags, sspi_token *packed) {
    SR_ENSURE(ctx != NULL && packed != NULL, SR_INVALID_PARAMETER);
    packed->data = NULL;
    packed->len = 0;
    /* DELETE_OLD is done by the API layer; RESET_NEW has no meaning for a
     * complete NTLM context (there is nothing to renegotiate): accepted. */
    SR_ENSURE(!(flags & ~(ULONG)(SECPKG_CONTEXT_EXPORT_DELETE_OLD |
                                 SECPKG_CONTEXT_EXPORT_RESET_NEW |
                                 SECPKG_CONTEXT_EXPORT_TO_KERNEL)),
              SR_INVALID_PARAMETER);
    SR_ENSURE(!(flags & SECPKG_CONTEXT_EXPORT_TO_KERNEL), SR_UNSUPPORTED);
    SR_ENSURE(ctx->state == NTLM_ST_DONE && ctx->session.established, SR_NO_CONTEXT);
    ntlm_session *s = &ctx->session;
    bool ess = (s->neg_flags & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY) != 0;

    wire_writer w;
    SR_TRY(wire_writer_init_alloc(&w, 256));
    sr acc = SR_SUCCESS;
    export_keep(&acc, wire_write_bytes(&w, k_magic, sizeof k_magic));
    export_keep(&acc, wire_write_u32le(&w, EXPORT_VERSION));
    export_keep(&acc, wire_write_u8(&w, ctx->is_server));
    export_keep(&acc, wire_write_u8(&w, ctx->anonymous));
    export_keep(&acc, wire_write_u16le(&w, 0));
    export_keep(&acc, wire_write_u32le(&w, s->neg_flags));
    export_keep(&acc, wire_write_u32le(&w, (uint32_t)s->context_attr));
    export_keep(&acc, wire_write_u32le(&w, ctx->client_flags));
    export_keep(&acc, wire_write_u64le(&w, ctx->start_time));
    export_keep(&acc, wire_write_bytes(&w, s->exported_session_key, 16));
    export_put_str(&w, ctx->user, &acc);
    export_put_str(&w, ctx->domain, &acc);
    export_put_str(&w, ctx->workstation, &acc);
    export_put_str(&w, ctx->server_domain, &acc);
    export_put_str(&w, ctx->target_name, &acc);
    put_dir(&w, &s->send, &acc);
    export_keep(&acc, wire_write_u8(&w, ess));
    if (ess) put_dir(&w, &s->recv, &acc);
    if (sr_is_ok(acc)) acc = wire_writer_take(&w, &packed->data, &packed->len);
    if (w.data) crypto_wipe(w.data, w.len);
    wire_writer_free(&w);
    return acc;
}

/* ---- import ------------------------------------------------------------- */

/* Cursor errors (short input) are malformed blobs. */
/* One direction, parsed only: applied once the whole blob has been checked
 * (so that a malformed blob never pays for a key stream fast-forward). */
typedef struct dir_in {
    uint32_t seq;
    ntlm_rc4_position pos;
} dir_in;

static sr get_dir(wire_reader *r, dir_in *d) {
    static const uint8_t zeros[16];
    uint8_t key_len;
    const uint8_t *key;
    SR_TRY(export_tok(wire_read_u32le(r, &d->seq)));
    SR_TRY(export_tok(wire_read_u8(r, &key_len)));
    SR_TRY(export_tok(wire_read_bytes(r, sizeof d->pos.key, &key)));
    SR_TRY(export_tok(wire_read_u64le(r, &d->pos.offset)));
    SR_ENSURE(key_len >= 1 && key_len <= sizeof d->pos.key, SR_INVALID_TOKEN);
    SR_ENSURE(crypto_memeq(key + key_len, zeros, sizeof d->pos.key - key_len), SR_INVALID_TOKEN);
    SR_ENSURE(d->pos.offset <= NTLM_RC4_POSITION_MAX, SR_INVALID_TOKEN);
    memcpy(d->pos.key, key, sizeof d->pos.key);
    d->pos.key_len = key_len;
    return SR_SUCCESS;
}

static sr set_dir(ntlm_seal_state *st, const dir_in *d) {
    SR_TRY(ntlm_seal_state_rc4_import(st, &d->pos)); /* O(offset): see above */
    st->seq_num = d->seq;
    return SR_SUCCESS;
}

static sr import_into(ntlm_context *ctx, const uint8_t *packed, size_t len) {
    wire_reader r;
    wire_reader_init(&r, packed, len);
    uint32_t version, neg, attr, cflags;
    uint8_t is_server, anonymous, has_recv;
    uint16_t reserved;
    uint64_t start;
    const uint8_t *esk;
    SR_TRY(export_tok(wire_expect_bytes(&r, k_magic, sizeof k_magic)));
    SR_TRY(export_tok(wire_read_u32le(&r, &version)));
    SR_ENSURE(version == EXPORT_VERSION, SR_INVALID_TOKEN);
    SR_TRY(export_tok(wire_read_u8(&r, &is_server)));
    SR_TRY(export_tok(wire_read_u8(&r, &anonymous)));
    SR_TRY(export_tok(wire_read_u16le(&r, &reserved)));
    SR_ENSURE(is_server <= 1 && anonymous <= 1 && reserved == 0, SR_INVALID_TOKEN);
    SR_TRY(export_tok(wire_read_u32le(&r, &neg)));
    SR_TRY(export_tok(wire_read_u32le(&r, &attr)));
    SR_TRY(export_tok(wire_read_u32le(&r, &cflags)));
    SR_TRY(export_tok(wire_read_u64le(&r, &start)));
    SR_TRY(export_tok(wire_read_bytes(&r, 16, &esk)));
    SR_TRY(export_get_str(&r, &ctx->user));
    SR_TRY(export_get_str(&r, &ctx->domain));
    SR_TRY(export_get_str(&r, &ctx->workstation));
    SR_TRY(export_get_str(&r, &ctx->server_domain));
    SR_TRY(export_get_str(&r, &ctx->target_name));

    ctx->is_server = is_server;
    ctx->anonymous = anonymous;
    ctx->client_flags = cflags;
    ctx->start_time = start;
    ctx->state = NTLM_ST_DONE;
    ctx->session.is_client = !is_server;
    ctx->session.neg_flags = neg;
    ctx->session.context_attr = (ULONG)attr;
    memcpy(ctx->session.exported_session_key, esk, 16);
    SR_TRY(ntlm_session_start(&ctx->session));

    bool ess = (neg & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY) != 0;
    dir_in send, recv;
    memset(&recv, 0, sizeof recv);
    sr res = get_dir(&r, &send);
    if (sr_is_ok(res)) res = export_tok(wire_read_u8(&r, &has_recv));
    if (sr_is_ok(res) && has_recv != (uint8_t)ess) res = SR_FAIL(SR_INVALID_TOKEN);
    if (sr_is_ok(res) && ess) res = get_dir(&r, &recv);
    if (sr_is_ok(res)) res = export_tok(wire_expect_end(&r));
    if (sr_is_ok(res)) res = set_dir(&ctx->session.send, &send);
    if (sr_is_ok(res) && ess) res = set_dir(&ctx->session.recv, &recv);
    crypto_wipe(&send, sizeof send);
    crypto_wipe(&recv, sizeof recv);
    return res;
}

sr ntlm_context_import(const uint8_t *packed, size_t len, ntlm_context **out) {
    SR_ENSURE(out != NULL, SR_INVALID_PARAMETER);
    *out = NULL;
    SR_ENSURE(packed != NULL && len > 0, SR_INVALID_TOKEN);
    ntlm_context *ctx = calloc(1, sizeof *ctx);
    SR_ENSURE(ctx != NULL, SR_NO_MEMORY);
    sr r = import_into(ctx, packed, len);
    if (!sr_is_ok(r)) {
        SSPI_LOG(SSPI_LOG_INFO, LOG_COMPONENT, "import refused: %s", sr_code_name(r.code));
        ntlm_context_free(ctx);
        return r;
    }
    *out = ctx;
    return SR_SUCCESS;
}
