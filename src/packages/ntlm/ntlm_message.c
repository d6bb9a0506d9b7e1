/*
 * NTLM per-message protection with Windows' SSPI buffer layouts:
 * MakeSignature / VerifySignature / EncryptMessage / DecryptMessage
 * (MS-NLMP 3.4.2 - 3.4.4, 3.4.6; Microsoft's "MakeSignature",
 * "EncryptMessage (NTLM)" and "DecryptMessage (NTLM)" pages).
 *
 * Choices, with the source for each:
 *  - A missing SECBUFFER_TOKEN, or one shorter than the 16-byte
 *    NTLMSSP_MESSAGE_SIGNATURE, is SEC_E_INVALID_TOKEN: the MakeSignature
 *    page lists SEC_E_INVALID_TOKEN for "pMessage did not contain a valid
 *    SECBUFFER_TOKEN buffer or contained too few buffers". On success the
 *    token's cbBuffer is set to 16.
 *  - DecryptMessage with a SECBUFFER_STREAM shorter than the signature is
 *    SEC_E_INCOMPLETE_MESSAGE ("DecryptMessage (NTLM)": the data in the input
 *    buffer is incomplete, read more and call again).
 *  - Without extended session security one SEALKEY serves both directions
 *    and the protocol is half duplex (MS-NLMP 3.4: "only one key is used for
 *    sealing ... the client sends a message and then waits"): one RC4 handle
 *    and one sequence counter (the `send` state) serve both directions, as
 *    Windows and Samba do. With ESS each direction has its own state.
 *  - Neither SIGN nor SEAL but ALWAYS_SIGN: the signature is the "dummy"
 *    version 1 followed by 12 zero bytes, and only that verifies.
 *  - DecryptMessage on a context without SEAL checks a signature made by
 *    EncryptMessage(SECQOP_WRAP_NO_ENCRYPT) and reports that QOP; with SEAL
 *    the receiver cannot tell a sign-only message (nothing in the NTLM token
 *    says so), so *pfQOP is 0.
 */
#include <stdlib.h>
#include <string.h>

#include "ntlm_session.h"
#include "ntlm_wire.h"

#define SIG_LEN NTLM_SIGNATURE_LEN
#define VIEW_LOCAL 8

/* ---- session --------------------------------------------------------- */

sr ntlm_session_start(ntlm_session *s) {
    SR_ENSURE(s != NULL, SR_INVALID_PARAMETER);
    const uint8_t *esk = s->exported_session_key;
    /* Keys are derived on the first use of a direction (HTTP authentication
     * never signs or seals). */
    SR_TRY(ntlm_seal_state_init_deferred(&s->send, s->neg_flags, esk, s->is_client, true));
    memset(&s->recv, 0, sizeof s->recv);
    if (s->neg_flags & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY) {
        sr r = ntlm_seal_state_init_deferred(&s->recv, s->neg_flags, esk, s->is_client, false);
        if (!sr_is_ok(r)) {
            ntlm_seal_state_clear(&s->send);
            return r;
        }
    }
    s->established = true;
    return SR_SUCCESS;
}

void ntlm_session_clear(ntlm_session *s) {
    if (s == NULL) return;
    ntlm_seal_state_clear(&s->send);
    ntlm_seal_state_clear(&s->recv);
    crypto_wipe(s->exported_session_key, sizeof s->exported_session_key);
    s->established = false;
}

static bool flag(const ntlm_session *s, uint32_t f) { return (s->neg_flags & f) != 0; }

static ntlm_seal_state *state_for(ntlm_session *s, bool sending) {
    if (!flag(s, NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY)) return &s->send;
    return sending ? &s->send : &s->recv;
}

/* Connection-oriented: the internal counter; DATAGRAM: the caller's. */
static uint32_t message_seq(const ntlm_session *s, const ntlm_seal_state *st, ULONG seq_no) {
    return flag(s, NTLMSSP_NEGOTIATE_DATAGRAM) ? (uint32_t)seq_no : st->seq_num;
}

static void message_done(const ntlm_session *s, ntlm_seal_state *st) {
    if (!flag(s, NTLMSSP_NEGOTIATE_DATAGRAM)) st->seq_num++;
}

/* ---- the one buffer walker -------------------------------------------- */

/* The message as the four functions see it: where the signature is, and
 * the SECBUFFER_DATA buffers in order (all signed; sealed unless read-only). */
typedef struct msg_view {
    uint8_t *sig;      /* SIG_LEN bytes in the TOKEN buffer or the STREAM */
    SecBuffer *token;  /* NULL in the STREAM layout */
    SecBuffer **data;
    crypto_part *parts;
    size_t n;
    SecBuffer *local_data[VIEW_LOCAL];
    crypto_part local_parts[VIEW_LOCAL];
} msg_view;

static ULONG base_type(const SecBuffer *b) { return b->BufferType & ~(ULONG)SECBUFFER_ATTRMASK; }

static bool read_only(const SecBuffer *b) {
    return (b->BufferType & (SECBUFFER_READONLY | SECBUFFER_READONLY_WITH_CHECKSUM)) != 0;
}

static void view_close(msg_view *v) {
    if (v->data != v->local_data) free(v->data);
    if (v->parts != v->local_parts) free(v->parts);
    v->data = NULL;
    v->parts = NULL;
}

static sr view_add(msg_view *v, SecBuffer *b) {
    SR_ENSURE(b->pvBuffer != NULL || b->cbBuffer == 0, SR_INVALID_PARAMETER);
    v->data[v->n] = b;
    v->parts[v->n].data = b->pvBuffer;
    v->parts[v->n].len = b->cbBuffer;
    v->n++;
    return SR_SUCCESS;
}

static sr view_reserve(msg_view *v, size_t n) {
    v->data = v->local_data;
    v->parts = v->local_parts;
    if (n <= VIEW_LOCAL) return SR_SUCCESS;
    v->data = calloc(n, sizeof *v->data);
    v->parts = calloc(n, sizeof *v->parts);
    if (v->data == NULL || v->parts == NULL) {
        view_close(v);
        return SR_FAIL(SR_NO_MEMORY);
    }
    return SR_SUCCESS;
}

/* DecryptMessage's single-stream form: signature || sealed data. The first
 * SECBUFFER_DATA buffer is pointed at the data inside the stream. */
static sr view_stream(SecBufferDesc *msg, SecBuffer *stream, msg_view *v) {
    SR_ENSURE(stream->pvBuffer != NULL || stream->cbBuffer == 0, SR_INVALID_PARAMETER);
    SR_ENSURE(stream->cbBuffer >= SIG_LEN, SR_INCOMPLETE_MESSAGE);
    SecBuffer *out = NULL;
    for (ULONG i = 0; i < msg->cBuffers && out == NULL; i++)
        if (base_type(&msg->pBuffers[i]) == SECBUFFER_DATA) out = &msg->pBuffers[i];
    SR_ENSURE(out != NULL, SR_INVALID_TOKEN);
    v->sig = stream->pvBuffer;
    out->BufferType = SECBUFFER_DATA;
    out->pvBuffer = v->sig + SIG_LEN;
    out->cbBuffer = stream->cbBuffer - SIG_LEN;
    SR_TRY(view_reserve(v, 1));
    return view_add(v, out);
}

static sr view_open(SecBufferDesc *msg, bool allow_stream, msg_view *v) {
    memset(v, 0, sizeof *v);
    SR_ENSURE(msg != NULL && (msg->pBuffers != NULL || msg->cBuffers == 0),
              SR_INVALID_PARAMETER);
    SecBuffer *stream = NULL;
    size_t ndata = 0;
    for (ULONG i = 0; i < msg->cBuffers; i++) {
        SecBuffer *b = &msg->pBuffers[i];
        ULONG t = base_type(b);
        if (t == SECBUFFER_TOKEN && v->token == NULL) v->token = b;
        if (t == SECBUFFER_STREAM && allow_stream && stream == NULL) stream = b;
        if (t == SECBUFFER_DATA) ndata++;
    }
    if (stream != NULL) {
        v->token = NULL;
        return view_stream(msg, stream, v);
    }
    SR_ENSURE(v->token != NULL && v->token->pvBuffer != NULL && v->token->cbBuffer >= SIG_LEN,
              SR_INVALID_TOKEN);
    v->sig = v->token->pvBuffer;
    SR_TRY(view_reserve(v, ndata));
    sr r = SR_SUCCESS;
    for (ULONG i = 0; i < msg->cBuffers && sr_is_ok(r); i++)
        if (base_type(&msg->pBuffers[i]) == SECBUFFER_DATA) r = view_add(v, &msg->pBuffers[i]);
    if (!sr_is_ok(r)) view_close(v);
    return r;
}

/* RC4 every writable data buffer in order (seal and unseal alike). */
static sr view_rc4(ntlm_seal_state *st, const msg_view *v) {
    for (size_t i = 0; i < v->n; i++)
        if (!read_only(v->data[i]))
            SR_TRY(ntlm_seal_data(st, v->data[i]->pvBuffer, v->data[i]->cbBuffer));
    return SR_SUCCESS;
}

/* ---- protect / unprotect ---------------------------------------------- */

static const uint8_t k_dummy_sig[SIG_LEN] = {1, 0, 0, 0};

static bool can_sign(const ntlm_session *s) {
    return flag(s, NTLMSSP_NEGOTIATE_SIGN | NTLMSSP_NEGOTIATE_SEAL);
}

/* SIGN then (optionally) SEAL, 3.4.3 order: checksum of the plaintext, RC4
 * of the data, then RC4 of the checksum, all on the same handle. */
static sr protect(ntlm_session *s, const msg_view *v, ULONG seq_no, bool seal) {
    if (!can_sign(s)) {
        SR_ENSURE(flag(s, NTLMSSP_NEGOTIATE_ALWAYS_SIGN), SR_UNSUPPORTED);
        memcpy(v->sig, k_dummy_sig, SIG_LEN);
        return SR_SUCCESS;
    }
    ntlm_seal_state *st = state_for(s, true);
    uint32_t seq = message_seq(s, st, seq_no);
    uint8_t sum[8];
    sr r = ntlm_seal_state_datagram_rekey(st, seq);
    if (sr_is_ok(r)) r = ntlm_mac_prepare(st, seq, v->parts, v->n, sum);
    if (sr_is_ok(r) && seal) r = view_rc4(st, v);
    if (sr_is_ok(r)) r = ntlm_mac_finish(st, seq, sum, v->sig);
    crypto_wipe(sum, sizeof sum);
    if (sr_is_ok(r)) message_done(s, st);
    return r;
}

static sr unprotect(ntlm_session *s, const msg_view *v, ULONG seq_no, bool unseal) {
    if (!can_sign(s)) {
        SR_ENSURE(flag(s, NTLMSSP_NEGOTIATE_ALWAYS_SIGN), SR_UNSUPPORTED);
        return crypto_memeq(v->sig, k_dummy_sig, SIG_LEN) ? SR_SUCCESS
                                                          : SR_FAIL(SR_MESSAGE_ALTERED);
    }
    ntlm_seal_state *st = state_for(s, false);
    uint32_t seq = message_seq(s, st, seq_no);
    sr r = ntlm_seal_state_datagram_rekey(st, seq);
    if (sr_is_ok(r) && unseal) r = view_rc4(st, v);
    if (sr_is_ok(r)) r = ntlm_mac_verify(st, seq, v->parts, v->n, v->sig);
    if (sr_is_ok(r)) message_done(s, st);
    return r;
}

static sr session_ready(const ntlm_session *s) {
    SR_ENSURE(s != NULL, SR_INVALID_HANDLE);
    SR_ENSURE(s->established, SR_NO_CONTEXT);
    return SR_SUCCESS;
}

static sr check_qop(ULONG qop) {
    SR_ENSURE(qop == 0 || qop == SECQOP_WRAP_NO_ENCRYPT, SR_QOP_NOT_SUPPORTED);
    return SR_SUCCESS;
}

typedef enum msg_op { OP_SIGN, OP_VERIFY, OP_ENCRYPT, OP_DECRYPT } msg_op;

/* Open the view, run protect/unprotect, close; set the token size. */
static sr run(ntlm_session *s, SecBufferDesc *msg, ULONG seq_no, msg_op op, bool crypt) {
    bool out = op == OP_SIGN || op == OP_ENCRYPT;
    msg_view v;
    SR_TRY(view_open(msg, op == OP_DECRYPT, &v));
    sr r = out ? protect(s, &v, seq_no, crypt) : unprotect(s, &v, seq_no, crypt);
    if (sr_is_ok(r) && out) v.token->cbBuffer = SIG_LEN;
    view_close(&v);
    return r;
}

/* ---- SSPI entry points ------------------------------------------------ */

sr ntlm_make_signature(ntlm_session *s, ULONG qop, SecBufferDesc *msg, ULONG seq_no) {
    SR_TRY(session_ready(s));
    SR_TRY(check_qop(qop));
    return run(s, msg, seq_no, OP_SIGN, false);
}

sr ntlm_verify_signature(ntlm_session *s, SecBufferDesc *msg, ULONG seq_no, ULONG *qop) {
    SR_TRY(session_ready(s));
    if (qop != NULL) *qop = 0;
    return run(s, msg, seq_no, OP_VERIFY, false);
}

sr ntlm_encrypt_message(ntlm_session *s, ULONG qop, SecBufferDesc *msg, ULONG seq_no) {
    SR_TRY(session_ready(s));
    SR_TRY(check_qop(qop));
    bool seal = qop != SECQOP_WRAP_NO_ENCRYPT;
    SR_ENSURE(!seal || flag(s, NTLMSSP_NEGOTIATE_SEAL), SR_UNSUPPORTED);
    return run(s, msg, seq_no, OP_ENCRYPT, seal);
}

sr ntlm_decrypt_message(ntlm_session *s, SecBufferDesc *msg, ULONG seq_no, ULONG *qop) {
    SR_TRY(session_ready(s));
    bool unseal = flag(s, NTLMSSP_NEGOTIATE_SEAL);
    if (qop != NULL) *qop = unseal ? 0 : SECQOP_WRAP_NO_ENCRYPT;
    return run(s, msg, seq_no, OP_DECRYPT, unseal);
}
