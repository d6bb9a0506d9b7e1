/*
 * NTLM cryptography (MS-NLMP 3.3 and 3.4), on the crypto core
 * (crypto/crypto.h). No message parsing here and no context: inputs are
 * byte strings, outputs caller buffers. All key material handled here is
 * wiped by its owner (ntlm_seal_state_clear wipes the per-direction state).
 */
#ifndef LIBSSPI_NTLM_CRYPTO_H
#define LIBSSPI_NTLM_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/result.h"
#include "crypto/crypto.h"

#define NTLM_HASH_LEN 16
#define NTLM_KEY_LEN 16
#define NTLM_SIGNATURE_LEN 16

/* NTOWFv1 = MD4(UNICODE(Password)) (MS-NLMP 3.3.1). Password in UTF-8. */
SR_MUST_CHECK sr ntlm_nt_hash(const char *password, size_t len, uint8_t out[NTLM_HASH_LEN]);
/* LMOWFv1 = DES(UpperCase(Password)[0..7],"KGS!@#$%") || DES([7..13], ...)
 * (MS-NLMP 3.3.1); passwords longer than 14 OEM characters give the hash of
 * the empty password, as Windows. */
SR_MUST_CHECK sr ntlm_lm_hash(const char *password, size_t len, uint8_t out[NTLM_HASH_LEN]);
/* NTOWFv2 = HMAC_MD5(NTOWFv1, UNICODE(Upper(User) || UserDom)) (3.3.2);
 * user and domain in UTF-8. LMOWFv2 is the same value. */
SR_MUST_CHECK sr ntlm_ntowfv2(const uint8_t nt_hash[NTLM_HASH_LEN], const char *user,
                              const char *domain, uint8_t out[NTLM_HASH_LEN]);

/* NTLMv2 (3.3.2): NTProofStr = HMAC_MD5(ResponseKeyNT, ServerChallenge ||
 * temp); the NtChallengeResponse is NTProofStr || temp. */
SR_MUST_CHECK sr ntlm_v2_proof(const uint8_t response_key_nt[NTLM_HASH_LEN],
                               const uint8_t server_challenge[8], const uint8_t *blob,
                               size_t blob_len, uint8_t nt_proof[16]);
/* LMv2 response = HMAC_MD5(ResponseKeyLM, ServerChallenge || ClientChallenge)
 * || ClientChallenge (24 bytes). */
SR_MUST_CHECK sr ntlm_lmv2_response(const uint8_t response_key_lm[NTLM_HASH_LEN],
                                    const uint8_t server_challenge[8],
                                    const uint8_t client_challenge[8], uint8_t out[24]);
/* SessionBaseKey (NTLMv2) = HMAC_MD5(ResponseKeyNT, NTProofStr). */
SR_MUST_CHECK sr ntlm_v2_session_base_key(const uint8_t response_key_nt[NTLM_HASH_LEN],
                                          const uint8_t nt_proof[16],
                                          uint8_t out[NTLM_KEY_LEN]);

/* NTLMv1 (3.3.1): DESL(K, D) = DES(K[0..6],D) || DES(K[7..13],D) ||
 * DES(K[14..15] || Z(5), D). */
SR_MUST_CHECK sr ntlm_desl(const uint8_t key[16], const uint8_t data[8], uint8_t out[24]);
/* NtChallengeResponse without ESS = DESL(NTOWFv1, ServerChallenge). */
SR_MUST_CHECK sr ntlm_v1_response(const uint8_t hash[16], const uint8_t server_challenge[8],
                                  uint8_t out[24]);
/* With ESS: DESL(NTOWFv1, MD5(ServerChallenge || ClientChallenge)[0..7]); the
 * LmChallengeResponse is then ClientChallenge || Z(16). */
SR_MUST_CHECK sr ntlm_v1_ess_response(const uint8_t nt_hash[16], const uint8_t server_challenge[8],
                                      const uint8_t client_challenge[8], uint8_t out[24]);
/* SessionBaseKey (NTLMv1) = MD4(NTOWFv1). */
SR_MUST_CHECK sr ntlm_v1_session_base_key(const uint8_t nt_hash[16], uint8_t out[NTLM_KEY_LEN]);

/* KXKEY (3.4.5.1): key exchange key from the flags, SessionBaseKey, the LM
 * response (first 8 bytes used), ServerChallenge and LMOWF. For NTLMv2 the
 * KeyExchangeKey is the SessionBaseKey (pass v2 = true). */
SR_MUST_CHECK sr ntlm_kxkey(uint32_t flags, bool v2, const uint8_t session_base_key[16],
                            const uint8_t *lm_response, size_t lm_len,
                            const uint8_t server_challenge[8], const uint8_t lm_hash[16],
                            uint8_t out[NTLM_KEY_LEN]);
/* With KEY_EXCH the client picks ExportedSessionKey at random and sends
 * RC4(KeyExchangeKey, ExportedSessionKey); the server decrypts it with the
 * same call (RC4 is symmetric). */
SR_MUST_CHECK sr ntlm_rc4k(const uint8_t key[16], const uint8_t in[16], uint8_t out[16]);

/* MIC (3.1.5.1.2 / 3.2.5.1.2) = HMAC_MD5(ExportedSessionKey, NEGOTIATE ||
 * CHALLENGE || AUTHENTICATE-with-MIC-zeroed). */
SR_MUST_CHECK sr ntlm_mic(const uint8_t exported_session_key[16], const uint8_t *negotiate,
                          size_t negotiate_len, const uint8_t *challenge, size_t challenge_len,
                          const uint8_t *authenticate, size_t authenticate_len,
                          uint8_t out[16]);

/* MsvAvChannelBindings value: MD5 of the gss_channel_bindings_struct
 * flattening of a SEC_CHANNEL_BINDINGS buffer (MS-NLMP 3.1.5.1.2 refers to
 * RFC 4121 4.1.1.2): initiator addrtype (LE32), initiator length (LE32),
 * initiator address, acceptor addrtype, acceptor length, acceptor address,
 * application data length (LE32), application data. `buf` is the whole
 * SECBUFFER_CHANNEL_BINDINGS content (the SEC_CHANNEL_BINDINGS header
 * followed by the data its offsets point to); offsets are bounds-checked
 * with the cursor: SR_INVALID_TOKEN if inconsistent. NULL/0 -> 16 zeros. */
SR_MUST_CHECK sr ntlm_channel_bindings_hash(const uint8_t *buf, size_t len, uint8_t out[16]);

/* Per-direction signing/sealing state (3.4.4 - 3.4.5). SIGNKEY and SEALKEY
 * are derived by ntlm_seal_state_init (no allocation); the OpenSSL objects
 * (the keyed HMAC-MD5 template and the RC4 EVP_CIPHER_CTX) are created on
 * first use of a direction, so a context that never signs or seals (HTTP
 * authentication) never pays for them. After that, a message allocates
 * nothing for RC4; HMAC-MD5 costs the allocations of crypto_hmac_start /
 * crypto_hmac_finish (crypto.h: two on OpenSSL 3.0). The struct owns the
 * two objects: never copy it by value; ntlm_seal_state_clear frees them. */
typedef struct ntlm_seal_state {
    uint32_t flags;          /* negotiated NTLMSSP flags */
    bool ready;              /* sign_key / seal_key derived */
    bool deferred;           /* not ready yet: derive from esk on first use */
    bool c2s;                /* deferred: client-to-server keys */
    uint8_t esk[16];         /* deferred: ExportedSessionKey (wiped once used) */
    uint8_t sign_key[16];    /* ESS: SIGNKEY; v1: unused */
    uint8_t seal_key[16];    /* SEALKEY, significant length seal_key_len */
    size_t seal_key_len;
    uint32_t seq_num;        /* next sequence number this direction */
    crypto_hmac_ctx *hmac;   /* HMAC_MD5 keyed with sign_key (ESS), lazily */
    crypto_rc4 *rc4;         /* RC4 handle, continues across messages, lazily;
                              * NULL means "SEALKEY, nothing used yet" */
    uint8_t rc4_key[16];     /* with rc4: the key it was last keyed with */
    size_t rc4_key_len;      /* (SEALKEY, or the DATAGRAM per-message key) */
} ntlm_seal_state;

/* Derive SIGNKEY/SEALKEY for one direction (3.4.5.2, 3.4.5.3): `send` and
 * `is_client` pick "client-to-server" or "server-to-client" magic. 40/56/128
 * bit weakening as the flags say. st is overwritten: it must be fresh
 * (uninitialised or cleared), never a state holding OpenSSL objects. */
SR_MUST_CHECK sr ntlm_seal_state_init(ntlm_seal_state *st, uint32_t flags,
                                      const uint8_t exported_session_key[16], bool is_client,
                                      bool send);
/* The same, but SIGNKEY/SEALKEY (four MD5s for a session) are derived on
 * the first use of the direction: a context that never signs or seals
 * never derives them. ntlm_session_start uses this one. */
SR_MUST_CHECK sr ntlm_seal_state_init_deferred(ntlm_seal_state *st, uint32_t flags,
                                               const uint8_t exported_session_key[16],
                                               bool is_client, bool send);
void ntlm_seal_state_clear(ntlm_seal_state *st);

/* MAC (3.4.4): the 16-byte NTLMSSP_MESSAGE_SIGNATURE over the message parts
 * with sequence number seq_num. With ESS: Version 1, HMAC_MD5(SigningKey,
 * SeqNum || Message)[0..7], encrypted with the RC4 handle when KEY_EXCH,
 * SeqNum. Without ESS: Version 1, RandomPad 0, RC4(CRC32), RC4(seq)...
 * The RC4 state advances (so sealing must call this after encrypting the
 * data, as 3.4.3 requires). The parts are the data to sign in order. */
SR_MUST_CHECK sr ntlm_mac(ntlm_seal_state *st, uint32_t seq_num, const crypto_part *parts,
                          size_t nparts, uint8_t out[NTLM_SIGNATURE_LEN]);
/* Verify: recompute and compare in constant time: SR_MESSAGE_ALTERED. */
SR_MUST_CHECK sr ntlm_mac_verify(ntlm_seal_state *st, uint32_t seq_num, const crypto_part *parts,
                                 size_t nparts, const uint8_t sig[NTLM_SIGNATURE_LEN]);
/* RC4 the data in place with the direction's handle (SEAL). */
SR_MUST_CHECK sr ntlm_seal_data(ntlm_seal_state *st, uint8_t *data, size_t len);

/* Reset the RC4 handle to SEALKEY and the sequence number to 0 (MS-SPNG:
 * after the mechListMIC, when NTLM is inside SPNEGO). */
SR_MUST_CHECK sr ntlm_seal_state_reset(ntlm_seal_state *st);

/* ---- Additions (ntlm_crypto.c) ---- */

/* Two-step MAC for SEAL (3.4.3): the checksum covers the plaintext, yet the
 * RC4 handle must encrypt the data BEFORE it encrypts the checksum. So a
 * sealer calls ntlm_mac_prepare on the plaintext (no RC4 use), then
 * ntlm_seal_data, then ntlm_mac_finish (RC4 use + assembly).
 * ntlm_mac == ntlm_mac_prepare + ntlm_mac_finish. `checksum` is the raw
 * HMAC_MD5(SigningKey, SeqNum || Message)[0..7] (ESS) or CRC32(Message) LE in
 * the first 4 bytes (no ESS); it is key-dependent: wipe it after use. */
SR_MUST_CHECK sr ntlm_mac_prepare(ntlm_seal_state *st, uint32_t seq_num, const crypto_part *parts,
                                  size_t nparts, uint8_t checksum[8]);
SR_MUST_CHECK sr ntlm_mac_finish(ntlm_seal_state *st, uint32_t seq_num, const uint8_t checksum[8],
                                 uint8_t out[NTLM_SIGNATURE_LEN]);

/* Connectionless NTLM (3.4, 3.4.4): with NTLMSSP_NEGOTIATE_DATAGRAM and
 * extended session security the RC4 handle is re-initialised before every
 * message with SealingKey' = MD5(SealingKey || SeqNum). Call it before
 * ntlm_seal_data / ntlm_mac / ntlm_mac_verify of each message; it does
 * nothing for other flag sets. */
SR_MUST_CHECK sr ntlm_seal_state_datagram_rekey(ntlm_seal_state *st, uint32_t seq_num);

/* ExportSecurityContext (ntlm_export.c). OpenSSL cannot export an RC4
 * state, so a direction's stream is carried as its position: the key it
 * was keyed with (SEALKEY, or the last DATAGRAM per-message key) and the
 * number of key stream bytes used since. Import re-derives the keys with
 * ntlm_seal_state_init, then re-keys RC4 and discards `offset` key stream
 * bytes: O(offset), about the cost of sealing that much data again
 * (~0.3 GB/s with OpenSSL 3.0 RC4 on the bench VM), which is why offsets above
 * NTLM_RC4_POSITION_MAX are refused on both sides (export: SR_UNSUPPORTED;
 * import: SR_INVALID_TOKEN, as is a key length outside 1..16). The
 * position holds the key: secret, wipe it. */
#define NTLM_RC4_POSITION_MAX ((uint64_t)1 << 30)
typedef struct ntlm_rc4_position {
    uint8_t key[16];
    size_t key_len; /* 1..16 */
    uint64_t offset;
} ntlm_rc4_position;
SR_MUST_CHECK sr ntlm_seal_state_rc4_export(ntlm_seal_state *st, ntlm_rc4_position *pos);
SR_MUST_CHECK sr ntlm_seal_state_rc4_import(ntlm_seal_state *st, const ntlm_rc4_position *pos);

/* Notes on the functions above:
 *  - ntlm_mac / ntlm_mac_verify never change st->seq_num: the caller owns
 *    the counter (it must not advance after a failed verification, 3.4.4).
 *  - Without ESS the emitted RandomPad is 0 ("Set RandomPad to 0", 3.4.4.1)
 *    and ntlm_mac_verify ignores it (peers that send RC4(0) there, as the
 *    4.2.2.4 example and Samba do, are accepted).
 *  - ntlm_mac_verify returns SR_OUT_OF_SEQUENCE when the checksum is valid
 *    for the sequence number carried in the signature but that number is
 *    not seq_num; SR_MESSAGE_ALTERED otherwise. */

#endif
