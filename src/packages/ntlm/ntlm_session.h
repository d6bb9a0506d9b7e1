/*
 * The established NTLM security context as seen by per-message protection
 * (MakeSignature, VerifySignature, EncryptMessage, DecryptMessage) and by
 * attributes. The handshake (ntlm_client.c / ntlm_server.c) fills it when
 * authentication completes; ntlm_message.c only reads flags and advances the
 * per-direction state.
 */
#ifndef LIBSSPI_NTLM_SESSION_H
#define LIBSSPI_NTLM_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include <sspi.h>

#include "core/result.h"
#include "ntlm_crypto.h"

typedef struct ntlm_session {
    bool established;           /* keys valid */
    bool is_client;
    uint32_t neg_flags;         /* final NTLMSSP_NEGOTIATE_* flags */
    ULONG context_attr;         /* ISC_RET_* (client) / ASC_RET_* (server) */
    uint8_t exported_session_key[16]; /* wiped on clear */
    ntlm_seal_state send;       /* our outgoing direction */
    ntlm_seal_state recv;       /* incoming direction */
} ntlm_session;

/* Derive both directions from exported_session_key and neg_flags (must be
 * set), and mark established. */
SR_MUST_CHECK sr ntlm_session_start(ntlm_session *s);
void ntlm_session_clear(ntlm_session *s);

/* SSPI message functions with Windows' buffer layouts (MS-NLMP 3.4,
 * Microsoft's MakeSignature/EncryptMessage documentation):
 *  - MakeSignature/VerifySignature: SECBUFFER_TOKEN (>= 16 bytes) for the
 *    signature and any number of SECBUFFER_DATA buffers, which are signed in
 *    order; buffers with SECBUFFER_READONLY or READONLY_WITH_CHECKSUM are
 *    signed too.
 *  - EncryptMessage: SECBUFFER_DATA buffers are sealed in place except those
 *    flagged SECBUFFER_READONLY / READONLY_WITH_CHECKSUM (signed only, DCE/RPC
 *    style); the 16-byte signature goes into the SECBUFFER_TOKEN buffer.
 *  - DecryptMessage: the same layout, or a single SECBUFFER_STREAM holding
 *    signature || sealed data (then the SECBUFFER_DATA buffer given alongside
 *    is set to point at the plaintext inside the stream).
 *  - seq_no: for connection-oriented contexts the internal sequence number is
 *    used (the argument is ignored, as Windows); with DATAGRAM the caller's
 *    MessageSeqNo is used.
 *  - Errors: SR_MESSAGE_ALTERED for a bad signature, SR_OUT_OF_SEQUENCE when
 *    the sequence number in a valid-looking signature differs and sequence
 *    detection was negotiated, SR_INVALID_TOKEN for a missing/short token
 *    buffer, SR_NO_CONTEXT / SR_INVALID_HANDLE before establishment,
 *    SR_UNSUPPORTED when sealing was not negotiated (as Windows returns
 *    SEC_E_UNSUPPORTED_FUNCTION), SR_QOP_NOT_SUPPORTED for a non-zero QOP
 *    other than SECQOP_WRAP_NO_ENCRYPT. */
SR_MUST_CHECK sr ntlm_make_signature(ntlm_session *s, ULONG qop, SecBufferDesc *msg, ULONG seq_no);
SR_MUST_CHECK sr ntlm_verify_signature(ntlm_session *s, SecBufferDesc *msg, ULONG seq_no,
                                       ULONG *qop);
SR_MUST_CHECK sr ntlm_encrypt_message(ntlm_session *s, ULONG qop, SecBufferDesc *msg,
                                      ULONG seq_no);
SR_MUST_CHECK sr ntlm_decrypt_message(ntlm_session *s, SecBufferDesc *msg, ULONG seq_no,
                                      ULONG *qop);

#endif
