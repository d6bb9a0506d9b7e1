/*
 * ExportSecurityContext / ImportSecurityContext for Kerberos contexts.
 *
 * Only a complete context can be exported (SEC_E_NO_CONTEXT before: an AP
 * exchange in progress lives in MIT krb5's auth context, which cannot be
 * moved). The blob carries what per-message protection and the attributes
 * need: role, DCE style, flags (ISC/ASC_RET, ISC/ASC_REQ, the GSS flags of
 * the checksum), ticket flags, enctype and times, the keys (the
 * initiator's subkey or session key the RFC 4121 tokens use, the acceptor
 * subkey if any, and the SECPKG_ATTR_SESSION_KEY key), our next sequence
 * number, the peer's replay / sequence window, and the names. Per-usage
 * keys are derived again on import. The delegated-credentials ccache
 * (SECPKG_ATTR_LIBSSPI_KRB5_DELEGATED_CCACHE) stays with the exporting
 * context: it is not part of the blob. An imported context has no
 * credential handle behind it.
 *
 * The blob is secret (keys): the API layer returns it in caller memory,
 * which FreeContextBuffer wipes. Layout (integers little-endian), version 1:
 *
 *   "LSSPKRB5" (8) | u32 version = 1 |
 *   u8 is_server | u8 dce | u8 mutual | u8 has_acceptor_subkey |
 *   u32 ret_flags | u32 req_flags | u32 gss_flags | u32 ticket_flags |
 *   u32 ticket_enctype | u64 authtime, starttime, endtime, renew_till |
 *   key gss_key | key acceptor_subkey (zeros when absent) | key session_key |
 *   u64 send_seq |
 *   u8 do_replay | u8 do_sequence | u64 base | u64 next | u64 seen |
 *   3 x string (client_name, server_name, target_name):
 *       u8 present (0/1), u16 length, bytes (no NUL; absent => length 0)
 *
 *   key = u32 enctype | u8 length | 32 bytes (length bytes, then zeros)
 *
 * Import parses it all with the cursor before building anything: a wrong
 * magic or version, a flag byte other than 0/1, an unknown enctype or a
 * key of the wrong size, non-zero key padding, the acceptor subkey of
 * another enctype family than the key, sequence numbers or a window
 * outside the enctype's sequence space (32 bits for rc4-hmac), a string
 * with a NUL or too long, or trailing bytes: SR_INVALID_TOKEN. The format
 * is canonical: exporting an imported context gives back the same bytes.
 */
#include "krb_export.h"

#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "crypto/crypto.h"
#include "packages/export_blob.h"
#include "wire/cursor.h"

#define LOG_COMPONENT "krb-export"

static const uint8_t k_magic[8] = {'L', 'S', 'S', 'P', 'K', 'R', 'B', '5'};
#define EXPORT_VERSION 1u

static void put_key(wire_writer *w, const krb_key *k, sr *acc) {
    uint8_t bytes[KRB_MAX_KEY_LEN];
    memset(bytes, 0, sizeof bytes);
    size_t n = k->len <= sizeof bytes ? k->len : 0;
    if (n) memcpy(bytes, k->bytes, n);
    export_keep(acc, wire_write_u32le(w, (uint32_t)k->enctype));
    export_keep(acc, wire_write_u8(w, (uint8_t)n));
    export_keep(acc, wire_write_bytes(w, bytes, sizeof bytes));
    crypto_wipe(bytes, sizeof bytes);
}

sr krb_context_export(krb_context *ctx, ULONG flags, sspi_token *packed) {
    SR_ENSURE(ctx != NULL && packed != NULL, SR_INVALID_PARAMETER);
    packed->data = NULL;
    packed->len = 0;
    /* DELETE_OLD is the API layer's; RESET_NEW means nothing for a complete
     * context: accepted. */
    SR_ENSURE(!(flags & ~(ULONG)(SECPKG_CONTEXT_EXPORT_DELETE_OLD |
                                 SECPKG_CONTEXT_EXPORT_RESET_NEW |
                                 SECPKG_CONTEXT_EXPORT_TO_KERNEL)),
              SR_INVALID_PARAMETER);
    SR_ENSURE(!(flags & SECPKG_CONTEXT_EXPORT_TO_KERNEL), SR_UNSUPPORTED);
    SR_ENSURE(ctx->state == KRB_ST_DONE && ctx->gss_ready, SR_NO_CONTEXT);
    const krb_gss_ctx *g = &ctx->gss;
    const krb_seq_window *win = &ctx->recv_window;
    krb_key none;
    memset(&none, 0, sizeof none);

    wire_writer w;
    SR_TRY(wire_writer_init_alloc(&w, 320));
    sr acc = SR_SUCCESS;
    export_keep(&acc, wire_write_bytes(&w, k_magic, sizeof k_magic));
    export_keep(&acc, wire_write_u32le(&w, EXPORT_VERSION));
    export_keep(&acc, wire_write_u8(&w, ctx->is_server));
    export_keep(&acc, wire_write_u8(&w, g->dce_style));
    export_keep(&acc, wire_write_u8(&w, ctx->mutual));
    export_keep(&acc, wire_write_u8(&w, g->have_acceptor_subkey));
    export_keep(&acc, wire_write_u32le(&w, (uint32_t)ctx->ret_flags));
    export_keep(&acc, wire_write_u32le(&w, (uint32_t)ctx->req_flags));
    export_keep(&acc, wire_write_u32le(&w, ctx->gss_flags));
    export_keep(&acc, wire_write_u32le(&w, ctx->ticket_flags));
    export_keep(&acc, wire_write_u32le(&w, (uint32_t)ctx->ticket_enctype));
    export_keep(&acc, wire_write_u64le(&w, (uint64_t)ctx->times.authtime));
    export_keep(&acc, wire_write_u64le(&w, (uint64_t)ctx->times.starttime));
    export_keep(&acc, wire_write_u64le(&w, (uint64_t)ctx->times.endtime));
    export_keep(&acc, wire_write_u64le(&w, (uint64_t)ctx->times.renew_till));
    put_key(&w, &g->key, &acc);
    put_key(&w, g->have_acceptor_subkey ? &g->acceptor_subkey : &none, &acc);
    put_key(&w, &ctx->session_key, &acc);
    export_keep(&acc, wire_write_u64le(&w, ctx->send_seq));
    export_keep(&acc, wire_write_u8(&w, win->do_replay));
    export_keep(&acc, wire_write_u8(&w, win->do_sequence));
    export_keep(&acc, wire_write_u64le(&w, win->base));
    export_keep(&acc, wire_write_u64le(&w, win->next));
    export_keep(&acc, wire_write_u64le(&w, win->seen));
    export_put_str(&w, ctx->client_name, &acc);
    export_put_str(&w, ctx->server_name, &acc);
    export_put_str(&w, ctx->target_name, &acc);
    if (sr_is_ok(acc)) acc = wire_writer_take(&w, &packed->data, &packed->len);
    if (w.data) crypto_wipe(w.data, w.len);
    wire_writer_free(&w);
    return acc;
}

/* ---- import ------------------------------------------------------------- */

/* Cursor errors (short input) are malformed blobs. */
static sr get_bool(wire_reader *r, bool *out) {
    uint8_t b;
    SR_TRY(export_tok(wire_read_u8(r, &b)));
    SR_ENSURE(b <= 1, SR_INVALID_TOKEN);
    *out = b != 0;
    return SR_SUCCESS;
}

/* A key; `optional`: all zeros (enctype 0, length 0) stands for none. */
static sr get_key(wire_reader *r, bool optional, bool *present, krb_key *k) {
    static const uint8_t zeros[KRB_MAX_KEY_LEN];
    uint32_t et;
    uint8_t len;
    const uint8_t *bytes;
    SR_TRY(export_tok(wire_read_u32le(r, &et)));
    SR_TRY(export_tok(wire_read_u8(r, &len)));
    SR_TRY(export_tok(wire_read_bytes(r, KRB_MAX_KEY_LEN, &bytes)));
    SR_ENSURE(len <= KRB_MAX_KEY_LEN, SR_INVALID_TOKEN);
    SR_ENSURE(crypto_memeq(bytes + len, zeros, KRB_MAX_KEY_LEN - len), SR_INVALID_TOKEN);
    memset(k, 0, sizeof *k);
    if (optional && et == 0 && len == 0) {
        *present = false;
        return SR_SUCCESS;
    }
    const krb_enctype_ops *ops = krb_enctype_lookup((int32_t)et);
    SR_ENSURE(et <= INT32_MAX && ops != NULL && ops->key_len == len, SR_INVALID_TOKEN);
    k->enctype = (int32_t)et;
    k->len = len;
    memcpy(k->bytes, bytes, len);
    *present = true;
    return SR_SUCCESS;
}

typedef struct blob {
    bool is_server, dce, mutual, has_acc, do_replay, do_sequence;
    uint32_t ret_flags, req_flags, gss_flags, ticket_flags, ticket_enctype;
    uint64_t t[4];
    krb_key key, acc, session;
    uint64_t send_seq, base, next, seen;
} blob;

static sr parse(wire_reader *r, blob *b, krb_context *ctx) {
    uint32_t version;
    bool present;
    SR_TRY(export_tok(wire_expect_bytes(r, k_magic, sizeof k_magic)));
    SR_TRY(export_tok(wire_read_u32le(r, &version)));
    SR_ENSURE(version == EXPORT_VERSION, SR_INVALID_TOKEN);
    SR_TRY(get_bool(r, &b->is_server));
    SR_TRY(get_bool(r, &b->dce));
    SR_TRY(get_bool(r, &b->mutual));
    SR_TRY(get_bool(r, &b->has_acc));
    SR_TRY(export_tok(wire_read_u32le(r, &b->ret_flags)));
    SR_TRY(export_tok(wire_read_u32le(r, &b->req_flags)));
    SR_TRY(export_tok(wire_read_u32le(r, &b->gss_flags)));
    SR_TRY(export_tok(wire_read_u32le(r, &b->ticket_flags)));
    SR_TRY(export_tok(wire_read_u32le(r, &b->ticket_enctype)));
    for (int i = 0; i < 4; i++) SR_TRY(export_tok(wire_read_u64le(r, &b->t[i])));
    SR_TRY(get_key(r, false, &present, &b->key));
    SR_TRY(get_key(r, true, &present, &b->acc));
    SR_ENSURE(present == b->has_acc, SR_INVALID_TOKEN);
    SR_TRY(get_key(r, false, &present, &b->session));
    SR_TRY(export_tok(wire_read_u64le(r, &b->send_seq)));
    SR_TRY(get_bool(r, &b->do_replay));
    SR_TRY(get_bool(r, &b->do_sequence));
    SR_TRY(export_tok(wire_read_u64le(r, &b->base)));
    SR_TRY(export_tok(wire_read_u64le(r, &b->next)));
    SR_TRY(export_tok(wire_read_u64le(r, &b->seen)));
    SR_TRY(export_get_str(r, &ctx->client_name));
    SR_TRY(export_get_str(r, &ctx->server_name));
    SR_TRY(export_get_str(r, &ctx->target_name));
    SR_TRY(export_tok(wire_expect_end(r)));
    /* Consistency. */
    /* The token family follows the acceptor subkey when there is one
     * (krb_gss_ctx_init); an rc4-hmac context keeps one key: never an rc4
     * acceptor subkey in the blob. */
    SR_ENSURE(!b->has_acc || b->acc.enctype != KRB_ENCTYPE_RC4_HMAC, SR_INVALID_TOKEN);
    bool rc4 = !b->has_acc && b->key.enctype == KRB_ENCTYPE_RC4_HMAC;
    uint64_t space = rc4 ? UINT32_MAX : UINT64_MAX;
    SR_ENSURE(b->send_seq <= space && b->base <= space && b->next <= space, SR_INVALID_TOKEN);
    return SR_SUCCESS;
}

static sr import_into(krb_context *ctx, const uint8_t *packed, size_t len) {
    wire_reader r;
    wire_reader_init(&r, packed, len);
    blob b;
    memset(&b, 0, sizeof b);
    sr res = parse(&r, &b, ctx);
    if (sr_is_ok(res)) {
        res = krb_gss_ctx_init(&ctx->gss, !b.is_server, &b.key, b.has_acc ? &b.acc : NULL);
        if (res.code == SR_INVALID_PARAMETER) res = SR_FAIL(SR_INVALID_TOKEN);
    }
    if (sr_is_ok(res)) {
        ctx->gss.dce_style = b.dce;
        ctx->gss_ready = true;
        ctx->is_server = b.is_server;
        ctx->state = KRB_ST_DONE;
        ctx->dce = b.dce;
        ctx->mutual = b.mutual;
        ctx->ret_flags = (ULONG)b.ret_flags;
        ctx->req_flags = (ULONG)b.req_flags;
        ctx->gss_flags = b.gss_flags;
        ctx->ticket_flags = b.ticket_flags;
        ctx->ticket_enctype = (int32_t)b.ticket_enctype;
        ctx->times.authtime = (int64_t)b.t[0];
        ctx->times.starttime = (int64_t)b.t[1];
        ctx->times.endtime = (int64_t)b.t[2];
        ctx->times.renew_till = (int64_t)b.t[3];
        ctx->session_key = b.session;
        ctx->send_seq = b.send_seq;
        krb_seq_init(&ctx->recv_window, b.base, b.do_replay, b.do_sequence, ctx->gss.cfx);
        ctx->recv_window.next = b.next;
        ctx->recv_window.seen = b.seen;
    }
    crypto_wipe(&b, sizeof b);
    return res;
}

sr krb_context_import(const uint8_t *packed, size_t len, krb_context **out) {
    SR_ENSURE(out != NULL, SR_INVALID_PARAMETER);
    *out = NULL;
    SR_ENSURE(packed != NULL && len > 0, SR_INVALID_TOKEN);
    krb_context *ctx = calloc(1, sizeof *ctx);
    SR_ENSURE(ctx != NULL, SR_NO_MEMORY);
    ctx->state = KRB_ST_FAILED;
    sr r = import_into(ctx, packed, len);
    if (!sr_is_ok(r)) {
        SSPI_LOG(SSPI_LOG_INFO, LOG_COMPONENT, "import refused: %s", sr_code_name(r.code));
        krb_context_free(ctx);
        return r;
    }
    *out = ctx;
    return SR_SUCCESS;
}
