/*
 * Kerberos GSS-API per-message tokens, ours (not MIT's):
 *  - RFC 4121 4.2.6 MIC (04 04) and Wrap (05 04) tokens for the AES
 *    enctypes 17/18/19/20, with the flags SentByAcceptor / Sealed /
 *    AcceptorSubkey, EC, RRC (any RRC on input; the caller's on output) and
 *    a 64-bit SND_SEQ;
 *  - RFC 1964 / RFC 4757 legacy tokens for rc4-hmac (23): MIC 01 01 and Wrap
 *    02 01 inside the RFC 2743 InitialContextToken framing (0x60 ... krb5
 *    OID), SGN_ALG 11 00 (HMAC-MD5), SEAL_ALG 10 00 (RC4) or ff ff, 32-bit
 *    sequence numbers encrypted with a checksum-derived key.
 *
 * Every token is parsed in full with the wire cursor before any crypto:
 * malformed -> SR_INVALID_TOKEN; checksum, encrypted header copy or
 * direction-in-ciphertext mismatch -> SR_MESSAGE_ALTERED. A CFX token whose
 * SentByAcceptor flag says it came from our own side -> SR_INVALID_TOKEN
 * (reflection).
 *
 * Sequence numbers are the caller's business: tokens are built with the
 * caller's SND_SEQ and verification reports the peer's; krb_seq_window
 * implements the replay / sequence checks (GSS_S_DUPLICATE_TOKEN, _OLD_,
 * _UNSEQ_, _GAP_) for the caller.
 *
 * Windows (MS-KILE 3.4.5.4): SSPI's EncryptMessage uses DCE-style wrap
 * tokens, RRC = 16 + checksum size (28 for the SHA-1 AES enctypes) when
 * sealing and checksum size (12) when not, EC = 0 for sealed tokens, so
 * that the data buffer is encrypted in place and SECBUFFER_TOKEN carries the
 * header plus the rotated trailer; krb_gss_wrap_split / krb_gss_unwrap_split
 * do that layout. Windows rotates sealed tokens by RRC + EC rather than RRC:
 * `dce_style` makes unwrap do the same (identical whenever EC = 0, which is
 * what both Windows and we send for AES).
 *
 * A krb_gss_ctx is not thread-safe (cached HMAC states): one lock per
 * security context in the caller.
 */
#ifndef LIBSSPI_KRB_GSS_TOKEN_H
#define LIBSSPI_KRB_GSS_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "krb_crypto.h"
#include "wire/cursor.h"

/* RFC 4121 2: key usages. */
#define KRB_USAGE_ACCEPTOR_SEAL 22
#define KRB_USAGE_ACCEPTOR_SIGN 23
#define KRB_USAGE_INITIATOR_SEAL 24
#define KRB_USAGE_INITIATOR_SIGN 25

/* RFC 4121 4.2.2 flags. */
#define KRB_GSS_FLAG_SENT_BY_ACCEPTOR 0x01
#define KRB_GSS_FLAG_SEALED 0x02
#define KRB_GSS_FLAG_ACCEPTOR_SUBKEY 0x04

#define KRB_GSS_CFX_HEADER_LEN 16
/* RFC 4757 tokens: 11-byte framing prefix (0x60 len 06 09 OID) + header. */
#define KRB_GSS_RC4_MIC_BODY_LEN 24  /* after the OID */
#define KRB_GSS_RC4_WRAP_HDR_LEN 32  /* after the OID: header + confounder */

/* One key's per-usage state. */
typedef struct krb_gss_keyset {
    bool valid;
    krb_usage_keys send_seal, send_sign, recv_seal, recv_sign;
} krb_gss_keyset;

typedef struct krb_gss_ctx {
    bool initiator;        /* our role */
    bool dce_style;        /* unwrap sealed tokens rotated by RRC + EC */
    bool cfx;              /* RFC 4121 tokens (false: RFC 4757 rc4-hmac) */
    bool have_acceptor_subkey;
    const krb_enctype_ops *ops; /* of the key we send with */
    krb_key key;           /* initiator subkey or session key */
    krb_key acceptor_subkey;
    krb_gss_keyset ks[2];  /* [0]: key, [1]: acceptor subkey */
    /* rc4-hmac: HMAC(K, 0) (sequence key base) and HMAC(K ^ F0, 0)
     * (encryption key base) templates, and the usage 15/13 checksum keys. */
    crypto_hmac_ctx *rc4_seq, *rc4_crypt;
    krb_usage_keys rc4_sign, rc4_seal;
} krb_gss_ctx;

/* key: the initiator's subkey from the authenticator, or the ticket session
 * key; acceptor_subkey: from the AP-REP, or NULL. The acceptor subkey, when
 * present, decides the token family (an MIT acceptor answers an rc4-hmac
 * initiator subkey with an AES acceptor subkey and CFX tokens; an rc4-hmac
 * key then serves no token: only AcceptorSubkey ones are accepted), is used
 * to send and is flagged AcceptorSubkey (RFC 4121 4.2.2). An rc4-hmac
 * acceptor subkey is the context's one key. */
SR_MUST_CHECK sr krb_gss_ctx_init(krb_gss_ctx *c, bool initiator, const krb_key *key,
                                  const krb_key *acceptor_subkey);
void krb_gss_ctx_free(krb_gss_ctx *c);

/* Token sizes. MIC: exact. Wrap: token length for a len-byte message. */
size_t krb_gss_mic_len(const krb_gss_ctx *c);
size_t krb_gss_wrap_len(const krb_gss_ctx *c, bool conf, size_t len);
/* The DCE/SSPI RRC for our send key: 16 + cksum when sealing, cksum when not. */
uint16_t krb_gss_dce_rrc(const krb_gss_ctx *c, bool conf);

/* MIC of msg with our SND_SEQ seq (32-bit for rc4), appended to out. */
SR_MUST_CHECK sr krb_gss_get_mic(krb_gss_ctx *c, uint64_t seq, const uint8_t *msg, size_t len,
                                 wire_writer *out);
/* Verify a peer's MIC token; *seq receives its SND_SEQ. */
SR_MUST_CHECK sr krb_gss_verify_mic(krb_gss_ctx *c, const uint8_t *msg, size_t len,
                                    const uint8_t *tok, size_t tok_len, uint64_t *seq);

/* Wrap msg (sealed when conf) with RRC rrc (CFX; ignored for rc4). */
SR_MUST_CHECK sr krb_gss_wrap(krb_gss_ctx *c, bool conf, uint64_t seq, uint16_t rrc,
                              const uint8_t *msg, size_t len, wire_writer *out);
/* Unwrap a peer's token: plaintext appended to out, *conf (may be NULL) says
 * whether it was sealed, *seq its SND_SEQ. */
SR_MUST_CHECK sr krb_gss_unwrap(krb_gss_ctx *c, const uint8_t *tok, size_t tok_len,
                                wire_writer *out, bool *conf, uint64_t *seq);

/* SSPI layout (CFX only): data is encrypted (or left, when !conf) in place,
 * token receives the header and rotated trailer (RRC = krb_gss_dce_rrc);
 * *token_len = krb_gss_wrap_len(c, conf, len) - len. */
SR_MUST_CHECK sr krb_gss_wrap_split(krb_gss_ctx *c, bool conf, uint64_t seq, uint8_t *data,
                                    size_t len, uint8_t *token, size_t token_cap,
                                    size_t *token_len);
/* Inverse: token || data is the wire token; the plaintext (exactly len bytes,
 * else SR_INVALID_TOKEN) replaces data. */
SR_MUST_CHECK sr krb_gss_unwrap_split(krb_gss_ctx *c, const uint8_t *token, size_t token_len,
                                      uint8_t *data, size_t len, bool *conf, uint64_t *seq);

/* SSPI buffer lists (EncryptMessage / DecryptMessage with several
 * SECBUFFER_DATA buffers, DCE/RPC's sign-only header and trailer): MIT's
 * gss_wrap_iov / gss_unwrap_iov with HEADER, DATA, SIGN_ONLY [, PADDING]
 * and no TRAILER buffer. Parts not sign_only are encrypted in place (when
 * sealing); all parts are integrity protected, in order.
 *   CFX: token = header | rotated trailer: hdr | E(hdr) | mac | E(conf)
 *        sealed (EC 0, RRC 16 + cksum), hdr | cksum otherwise (RRC = EC =
 *        cksum). Unwrap takes only that layout (EC may be non-zero, rotated
 *        by RRC + EC in DCE style, as MIT's DCE-style tokens are).
 *   rc4: token = framing | header | confounder; the 1-byte padding goes to
 *        `pad` and the framing covers data and padding, except in DCE style
 *        (dce_style): no padding, the framing covers the header alone.
 * The token length: krb_gss_iov_token_len (enc_len: the bytes of the parts
 * that are not sign_only); padding: krb_gss_iov_pad_len. Unwrap changes
 * the parts only on success. */
typedef krb_crypt_iov krb_gss_iov;
size_t krb_gss_iov_token_len(const krb_gss_ctx *c, bool conf, size_t enc_len);
size_t krb_gss_iov_pad_len(const krb_gss_ctx *c);
SR_MUST_CHECK sr krb_gss_wrap_iov(krb_gss_ctx *c, bool conf, uint64_t seq, krb_gss_iov *iov,
                                  size_t n, uint8_t *token, size_t token_cap,
                                  size_t *token_len, uint8_t *pad, size_t pad_cap,
                                  size_t *pad_len);
SR_MUST_CHECK sr krb_gss_unwrap_iov(krb_gss_ctx *c, const uint8_t *token, size_t token_len,
                                    krb_gss_iov *iov, size_t n, const uint8_t *pad,
                                    size_t pad_len, bool *conf, uint64_t *seq);

/* Structural parse only (no crypto), for tests and fuzzers. */
typedef struct krb_cfx_header {
    uint16_t tok_id;
    uint8_t flags;
    uint16_t ec, rrc; /* Wrap only */
    uint64_t seq;
    const uint8_t *body; /* after the 16-byte header */
    size_t body_len;
} krb_cfx_header;
SR_MUST_CHECK sr krb_cfx_parse(const uint8_t *tok, size_t tok_len, krb_cfx_header *h);

typedef struct krb_rc4_token {
    uint16_t tok_id;   /* 0x0101 MIC, 0x0201 Wrap */
    uint16_t seal_alg; /* Wrap: 0x0010 sealed, 0xffff not */
    const uint8_t *hdr8;     /* TOK_ID .. Filler (checksummed) */
    const uint8_t *snd_seq;  /* 8 bytes, encrypted */
    const uint8_t *cksum;    /* 8 bytes */
    const uint8_t *conf;     /* Wrap: 8 bytes */
    const uint8_t *data;     /* Wrap: the rest */
    size_t data_len;
} krb_rc4_token;
SR_MUST_CHECK sr krb_rc4_parse(const uint8_t *tok, size_t tok_len, krb_rc4_token *t);

/* ---- replay / sequence window ---- */

typedef enum krb_seq_status {
    KRB_SEQ_OK = 0,
    KRB_SEQ_DUPLICATE, /* GSS_S_DUPLICATE_TOKEN */
    KRB_SEQ_OLD,       /* GSS_S_OLD_TOKEN: too old to tell */
    KRB_SEQ_UNSEQ,     /* GSS_S_UNSEQ_TOKEN: late but not seen before */
    KRB_SEQ_GAP        /* GSS_S_GAP_TOKEN: some tokens were skipped */
} krb_seq_status;

#define KRB_SEQ_WINDOW 64

typedef struct krb_seq_window {
    bool do_replay, do_sequence;
    uint64_t mask_space; /* 2^32 - 1 (rc4) or 2^64 - 1 */
    uint64_t base;       /* the peer's initial sequence number */
    uint64_t next;       /* next expected, relative to base */
    uint64_t seen;       /* bit i: next - 1 - i was received */
} krb_seq_window;

void krb_seq_init(krb_seq_window *w, uint64_t initial, bool do_replay, bool do_sequence,
                  bool wide);
/* Record seq and classify it (state changes only for tokens not refused). */
krb_seq_status krb_seq_check(krb_seq_window *w, uint64_t seq);
/* The SSPI verdict: SR_OUT_OF_SEQUENCE for duplicates/old tokens when replay
 * detection is on, and for any anomaly when sequencing is on; else SR_OK. */
SR_MUST_CHECK sr krb_seq_verdict(const krb_seq_window *w, krb_seq_status st);

#endif
