/*
 * Kerberos crypto profiles for libsspi (RFC 3961 simplified profile).
 *
 *   17 aes128-cts-hmac-sha1-96        RFC 3962
 *   18 aes256-cts-hmac-sha1-96        RFC 3962
 *   19 aes128-cts-hmac-sha256-128     RFC 8009
 *   20 aes256-cts-hmac-sha384-192     RFC 8009
 *   23 rc4-hmac                       RFC 4757
 *
 * Everything goes through src/crypto/crypto.h (OpenSSL EVP); MIT libkrb5 is
 * not used here. One const vtable (krb_enctype_ops) per profile.
 *
 * Per-message work goes through a krb_usage_keys: the keys derived for one
 * key usage (Kc, Ke, Ki for AES; K1 and Ksign for RC4) with keyed HMAC
 * templates cached, so that a MIC or a wrap costs no key derivation and no
 * HMAC key schedule. The keys are derived on first use, per half (Ke and Ki
 * with the first encrypt / decrypt, Kc with the first checksum): setting up
 * a context's usages costs nothing until a message needs them. A
 * krb_usage_keys is NOT thread-safe (first use derives, its HMAC templates
 * are reused in place): one per security context, under the caller's lock.
 *
 * Key derivation (RFC 3962 profiles): the usage constants are n-folded once
 * (a table for usages below 64) and DR runs as a single AES-CBC call.
 *
 * Errors: SR_INVALID_PARAMETER (caller bug, unknown enctype, wrong key size),
 * SR_INVALID_TOKEN (ciphertext too short to be one), SR_MESSAGE_ALTERED
 * (integrity check failed), plus the crypto core's codes.
 */
#ifndef LIBSSPI_KRB_CRYPTO_H
#define LIBSSPI_KRB_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/result.h"
#include "crypto/crypto.h"

#define KRB_ENCTYPE_AES128_CTS_HMAC_SHA1_96 17
#define KRB_ENCTYPE_AES256_CTS_HMAC_SHA1_96 18
#define KRB_ENCTYPE_AES128_CTS_HMAC_SHA256_128 19
#define KRB_ENCTYPE_AES256_CTS_HMAC_SHA384_192 20
#define KRB_ENCTYPE_RC4_HMAC 23

#define KRB_MAX_KEY_LEN 32
#define KRB_MAX_CKSUM_LEN 24 /* SHA-384-192 */
#define KRB_MAX_CONF_LEN 16

/* A protocol key. Wipe with krb_key_wipe when done. */
typedef struct krb_key {
    int32_t enctype;
    size_t len;
    uint8_t bytes[KRB_MAX_KEY_LEN];
} krb_key;

void krb_key_wipe(krb_key *k);
/* Fill k from raw bytes (len must be the enctype's key size). */
SR_MUST_CHECK sr krb_key_set(krb_key *k, int32_t enctype, const void *bytes, size_t len);
/* Fresh random key of the enctype. */
SR_MUST_CHECK sr krb_key_random(krb_key *k, int32_t enctype);

/* RFC 3961 5.3 derivation constants (last octet of the usage constant). */
typedef enum krb_key_kind {
    KRB_KEY_KC = 0x99, /* checksum */
    KRB_KEY_KE = 0xAA, /* encryption */
    KRB_KEY_KI = 0x55  /* integrity (of encryption) */
} krb_key_kind;

typedef struct krb_usage_keys krb_usage_keys;
typedef struct krb_enctype_ops krb_enctype_ops;

struct krb_enctype_ops {
    int32_t enctype;
    const char *name;      /* "aes256-cts-hmac-sha1-96" */
    int32_t cksumtype;     /* RFC 3961 checksum type number */
    size_t key_len;        /* protocol key size (bytes) */
    size_t cksum_len;      /* checksum (and encryption MAC) size */
    size_t conf_len;       /* confounder size */
    size_t pad_block;      /* GSS padding block size (1: none needed) */
    uint32_t default_iter; /* string-to-key default iteration count (0: n/a) */
    /* params: RFC 3961 s2kparams (4-byte big-endian iteration count for
     * AES) or NULL/0 for the default. RC4 ignores salt and params. */
    SR_MUST_CHECK sr (*string_to_key)(const krb_enctype_ops *ops, const char *password,
                                      size_t password_len, const uint8_t *salt, size_t salt_len,
                                      const uint8_t *params, size_t params_len, krb_key *out);
    /* AES only (RC4 has no derived keys: SR_UNSUPPORTED). */
    SR_MUST_CHECK sr (*derive_key)(const krb_key *base, uint32_t usage, krb_key_kind kind,
                                   krb_key *out);
    /* Fill one half of u from u->base and u->usage: enc: ke and ki (the
     * encryption keys), else kc (the checksum key). */
    SR_MUST_CHECK sr (*usage_derive)(krb_usage_keys *u, bool enc);
    /* out has krb_encrypt_len(ops, len) bytes; conf has conf_len bytes. */
    SR_MUST_CHECK sr (*encrypt)(krb_usage_keys *u, const uint8_t *conf, const uint8_t *in,
                                size_t len, uint8_t *out);
    /* in_len >= conf_len + cksum_len (checked by the caller); out has
     * in_len - conf_len - cksum_len bytes. */
    SR_MUST_CHECK sr (*decrypt)(krb_usage_keys *u, const uint8_t *in, size_t in_len,
                                uint8_t *out);
    SR_MUST_CHECK sr (*checksum)(krb_usage_keys *u, const crypto_part *parts, size_t nparts,
                                 uint8_t *out);
};

/* The per-usage keys. Treat as opaque; fields are for the profiles. */
struct krb_usage_keys {
    const krb_enctype_ops *ops;
    uint32_t usage;
    krb_key base;           /* the protocol key the others derive from */
    bool have_enc;          /* ke and ki ready */
    bool have_cksum;        /* kc ready */
    krb_key ke;             /* AES: Ke. RC4: K1 = HMAC(K, T) */
    crypto_hmac_ctx *ki;    /* AES: HMAC(Ki). RC4: unused */
    crypto_hmac_ctx *kc;    /* AES: HMAC(Kc). RC4: HMAC(Ksign) */
};

const krb_enctype_ops *krb_enctype_lookup(int32_t enctype);
/* "aes256-cts-hmac-sha1-96", or NULL. */
const char *krb_enctype_name(int32_t enctype);

/* Raw string-to-key with the profile's defaults (params may be NULL). */
SR_MUST_CHECK sr krb_string_to_key(int32_t enctype, const char *password, size_t password_len,
                                   const uint8_t *salt, size_t salt_len, const uint8_t *params,
                                   size_t params_len, krb_key *out);
SR_MUST_CHECK sr krb_derive_key(const krb_key *base, uint32_t usage, krb_key_kind kind,
                                krb_key *out);

/* RFC 3961 5.1 n-fold: in (in_len bytes) -> out (out_len bytes). */
void krb_nfold(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len);
/* RFC 3961 5.1 DK with an arbitrary constant (AES profiles; the key size
 * follows the base key). */
SR_MUST_CHECK sr krb_dk(const krb_key *base, const uint8_t *constant, size_t constant_len,
                        krb_key *out);

/* Checks base (known enctype, right size) and keeps a copy: the keys are
 * derived on first use (errors of the derivation show there). */
SR_MUST_CHECK sr krb_usage_keys_init(krb_usage_keys *u, const krb_key *base, uint32_t usage);
void krb_usage_keys_free(krb_usage_keys *u);

/* Ciphertext size for a plaintext of len bytes (conf + len + cksum). */
size_t krb_encrypt_len(const krb_enctype_ops *ops, size_t len);
/* Encrypt with a fresh random confounder. out: krb_encrypt_len bytes and
 * must not overlap in. */
SR_MUST_CHECK sr krb_encrypt(krb_usage_keys *u, const uint8_t *in, size_t len, uint8_t *out);
/* Test hook: encrypt with an explicit confounder (conf_len bytes). */
SR_MUST_CHECK sr krb_encrypt_with_confounder(krb_usage_keys *u, const uint8_t *conf,
                                             const uint8_t *in, size_t len, uint8_t *out);
/* Decrypt and verify. out receives *out_len = in_len - conf - cksum bytes
 * (out may be NULL when that is 0). SR_INVALID_TOKEN if in_len is too
 * short; SR_MESSAGE_ALTERED on a bad MAC (out is wiped then). */
SR_MUST_CHECK sr krb_decrypt(krb_usage_keys *u, const uint8_t *in, size_t in_len, uint8_t *out,
                             size_t *out_len);
/* Keyed checksum (cksum_len bytes) over the concatenation of parts. */
SR_MUST_CHECK sr krb_get_mic(krb_usage_keys *u, const crypto_part *parts, size_t nparts,
                             uint8_t *out);
/* Constant-time compare; SR_MESSAGE_ALTERED on mismatch or wrong length. */
SR_MUST_CHECK sr krb_verify_mic(krb_usage_keys *u, const crypto_part *parts, size_t nparts,
                                const uint8_t *cksum, size_t cksum_len);

/* Encryption over a scattered plaintext (RFC 3961 encrypt_iov semantics, as
 * GSS_IOV_BUFFER_TYPE_DATA / _SIGN_ONLY): the confounder (conf_len bytes,
 * a fresh random one on input for encrypt) then the parts in order; parts
 * not sign_only are encrypted / decrypted in place (one CBC-CS3 stream:
 * conf | those parts), every part is covered by the MAC (cksum_len bytes,
 * written by encrypt, checked by decrypt). AES enctypes only. Decrypt
 * changes conf and the parts only when the MAC matched (SR_MESSAGE_ALTERED
 * otherwise). */
typedef struct krb_crypt_iov {
    uint8_t *data;
    size_t len;
    bool sign_only;
} krb_crypt_iov;
SR_MUST_CHECK sr krb_encrypt_iov(krb_usage_keys *u, uint8_t *conf, krb_crypt_iov *parts,
                                 size_t n, uint8_t *mac);
SR_MUST_CHECK sr krb_decrypt_iov(krb_usage_keys *u, uint8_t *conf, krb_crypt_iov *parts,
                                 size_t n, const uint8_t *mac);

/* One-shot conveniences (derive per call: slow path, e.g. tickets). */
SR_MUST_CHECK sr krb_encrypt_oneshot(const krb_key *key, uint32_t usage, const uint8_t *in,
                                     size_t len, uint8_t *out);
SR_MUST_CHECK sr krb_decrypt_oneshot(const krb_key *key, uint32_t usage, const uint8_t *in,
                                     size_t in_len, uint8_t *out, size_t *out_len);

/* RC4-HMAC pieces shared with the RFC 4757 GSS tokens. */
/* RFC 4757 key usage translation (3 -> 8, 23 -> 13, others unchanged). */
uint32_t krb_rc4_ms_usage(uint32_t usage);
/* HMAC-MD5 checksum (cksumtype -138) with an already translated usage. */
SR_MUST_CHECK sr krb_rc4_hmac_md5_cksum(const krb_key *key, uint32_t ms_usage,
                                        const crypto_part *parts, size_t nparts,
                                        uint8_t out[16]);

#endif
