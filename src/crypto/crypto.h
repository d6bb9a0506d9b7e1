/*
 * The crypto core: the ONLY place in libsspi that includes OpenSSL headers
 * (src/crypto/crypto_openssl.c). Everything else calls these functions.
 *
 * MD4, RC4 and DES come from OpenSSL's legacy provider, loaded into a private
 * OSSL_LIB_CTX on first use (crypto_init, idempotent and thread-safe); the
 * application's default library context is never touched. If the legacy
 * provider cannot be loaded, every function needing it fails with
 * SR_CRYPTO_SYSTEM_INVALID and crypto_last_error() explains why.
 *
 * Conventions: all outputs are caller buffers of the documented size; every
 * function returns sr (SR_OK, SR_NO_MEMORY, SR_CRYPTO_SYSTEM_INVALID,
 * SR_INVALID_PARAMETER, SR_INTERNAL). Contexts (crypto_rc4, crypto_hmac,
 * crypto_cipher) hold key material and are wiped by their _free function.
 */
#ifndef LIBSSPI_CRYPTO_CRYPTO_H
#define LIBSSPI_CRYPTO_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/result.h"

#define CRYPTO_MD4_LEN 16
#define CRYPTO_MD5_LEN 16
#define CRYPTO_SHA1_LEN 20
#define CRYPTO_SHA256_LEN 32
#define CRYPTO_SHA384_LEN 48
#define CRYPTO_SHA512_LEN 64

/* Load providers into the private library context (idempotent). */
SR_MUST_CHECK sr crypto_init(void);
/* Human-readable reason for the last init failure, or "" (static string). */
const char *crypto_last_error(void);

/* Secrets: a wipe the compiler cannot remove, and constant-time compare
 * (returns true when equal; time depends only on len). */
void crypto_wipe(void *p, size_t len);
SR_MUST_CHECK bool crypto_memeq(const void *a, const void *b, size_t len);
/* free() after wiping len bytes; NULL is fine. */
void crypto_free_wipe(void *p, size_t len);

/* CSPRNG (OpenSSL RAND_bytes on the private context). */
SR_MUST_CHECK sr crypto_random(void *out, size_t len);

/* One-shot digests over a list of parts (parts with len 0 are allowed).
 * They run on a per-thread EVP_MD_CTX that is reset (provider state freed
 * with OPENSSL_clear_free) after every call: one allocation per digest on
 * OpenSSL 3.0, two per one-shot HMAC; crypto_hmac for keys longer than the
 * block size hashes the key first (one more). */
typedef struct crypto_part {
    const void *data;
    size_t len;
} crypto_part;

typedef enum crypto_hash_alg {
    CRYPTO_HASH_MD4,
    CRYPTO_HASH_MD5,
    CRYPTO_HASH_SHA1,
    CRYPTO_HASH_SHA256,
    CRYPTO_HASH_SHA384,
    CRYPTO_HASH_SHA512
} crypto_hash_alg;

size_t crypto_hash_len(crypto_hash_alg alg);
SR_MUST_CHECK sr crypto_hash(crypto_hash_alg alg, const crypto_part *parts, size_t nparts,
                             uint8_t *out);
SR_MUST_CHECK sr crypto_md4(const void *data, size_t len, uint8_t out[CRYPTO_MD4_LEN]);
SR_MUST_CHECK sr crypto_md5(const void *data, size_t len, uint8_t out[CRYPTO_MD5_LEN]);
SR_MUST_CHECK sr crypto_sha1(const void *data, size_t len, uint8_t out[CRYPTO_SHA1_LEN]);
SR_MUST_CHECK sr crypto_sha256(const void *data, size_t len, uint8_t out[CRYPTO_SHA256_LEN]);

/* HMAC one-shot over parts, and streaming. Output size = crypto_hash_len. */
SR_MUST_CHECK sr crypto_hmac(crypto_hash_alg alg, const void *key, size_t key_len,
                             const crypto_part *parts, size_t nparts, uint8_t *out);
SR_MUST_CHECK sr crypto_hmac_md5(const void *key, size_t key_len, const void *data, size_t len,
                                 uint8_t out[CRYPTO_MD5_LEN]);

typedef struct crypto_hmac_ctx crypto_hmac_ctx;
/* A keyed HMAC template that can be reused many times cheaply (per-message
 * signing): two EVP_MD_CTX with the key XOR ipad / opad blocks absorbed,
 * copied into a work context by crypto_hmac_start (inner) and
 * crypto_hmac_finish (outer). Each copy is one EVP_MD_CTX_copy_ex: on
 * OpenSSL 3.0 that duplicates the provider's digest state (one small
 * allocation each, so two per message); releases whose digests provide
 * copyctx reuse the work context's state instead (none). No OpenSSL 3.0
 * digest path re-initialises without allocating (EVP_DigestInit_ex2 frees
 * and allocates the provider context too), and copying beats re-absorbing
 * the pad blocks by two compression-function calls per message. */
/* crypto_hmac_new returns a context already started (ready for update);
 * after crypto_hmac_finish, call crypto_hmac_start before the next message. */
SR_MUST_CHECK sr crypto_hmac_new(crypto_hash_alg alg, const void *key, size_t key_len,
                                 crypto_hmac_ctx **out);
SR_MUST_CHECK sr crypto_hmac_start(crypto_hmac_ctx *ctx); /* reset to keyed state */
SR_MUST_CHECK sr crypto_hmac_update(crypto_hmac_ctx *ctx, const void *data, size_t len);
SR_MUST_CHECK sr crypto_hmac_finish(crypto_hmac_ctx *ctx, uint8_t *out);
void crypto_hmac_free(crypto_hmac_ctx *ctx);

/* RC4 with streaming state (NTLM sealing keeps one per direction): an
 * OpenSSL EVP_CIPHER_CTX ("RC4", legacy provider, private library context)
 * keyed once; crypto_rc4_update is one EVP_CipherUpdate and allocates
 * nothing. Key length 1..256 (else SR_INVALID_PARAMETER). */
typedef struct crypto_rc4 crypto_rc4;
SR_MUST_CHECK sr crypto_rc4_new(const void *key, size_t key_len, crypto_rc4 **out);
/* in and out may be equal (in-place). */
SR_MUST_CHECK sr crypto_rc4_update(crypto_rc4 *ctx, const void *in, void *out, size_t len);
/* Re-key an existing handle in place (no allocation): the stream restarts
 * at the new key's first byte. On failure the handle is unusable (every
 * later update fails) until a successful rekey. */
SR_MUST_CHECK sr crypto_rc4_rekey(crypto_rc4 *ctx, const void *key, size_t key_len);
/* Key stream position. OpenSSL does not expose RC4's internal state, so a
 * stream is moved elsewhere (NTLM's Export/ImportSecurityContext) as "key
 * + number of key stream bytes used since keying": crypto_rc4_offset reads
 * that number, crypto_rc4_skip discards n key stream bytes. Skipping is
 * O(n) (RC4 cannot seek): about as fast as encrypting n bytes. */
uint64_t crypto_rc4_offset(const crypto_rc4 *ctx);
SR_MUST_CHECK sr crypto_rc4_skip(crypto_rc4 *ctx, uint64_t n);
void crypto_rc4_free(crypto_rc4 *ctx);
/* One-shot RC4 with a fresh key (NTLM KEY_EXCH, Kerberos RC4-HMAC): a
 * per-thread EVP_CIPHER_CTX, re-keyed per call and cleared after it. */
SR_MUST_CHECK sr crypto_rc4_oneshot(const void *key, size_t key_len, const void *in, void *out,
                                    size_t len);

/* DES-ECB of one 8-byte block with a 7-byte key expanded to 8 bytes with
 * parity as MS-NLMP 6 (DESL / LM hash) requires. */
SR_MUST_CHECK sr crypto_des7_encrypt_block(const uint8_t key7[7], const uint8_t in[8],
                                           uint8_t out[8]);

/* AES block cipher contexts (Kerberos RFC 3962/8009 and CredSSP later). */
typedef enum crypto_cipher_alg {
    CRYPTO_AES128_ECB,
    CRYPTO_AES256_ECB,
    CRYPTO_AES128_CBC,
    CRYPTO_AES256_CBC
} crypto_cipher_alg;
/* One-shot, no padding: len must be a multiple of 16. iv may be NULL for
 * ECB; for CBC it is 16 bytes and is not updated. */
SR_MUST_CHECK sr crypto_cipher(crypto_cipher_alg alg, bool encrypt, const uint8_t *key,
                               const uint8_t *iv, const void *in, void *out, size_t len);

/* AES with ciphertext stealing, Kerberos style (RFC 3962 section 5, i.e.
 * CBC-CS3: the last two blocks are always swapped). key_len is 16 (AES-128)
 * or 32 (AES-256); iv is 16 bytes or NULL for all-zero and is not updated;
 * len >= 16 (exactly 16 is plain one-block CBC). in == out is allowed. */
SR_MUST_CHECK sr crypto_aes_cts(bool encrypt, const uint8_t *key, size_t key_len,
                                const uint8_t *iv, const void *in, void *out, size_t len);

/* PBKDF2 (RFC 8018) with HMAC-<alg> (SHA1 and SHA256 are what Kerberos
 * RFC 3962 / RFC 8009 use; any crypto_hash_alg except MD4 works). No
 * minimum-length/iteration policy is enforced: iterations >= 1, out_len >= 1. */
SR_MUST_CHECK sr crypto_pbkdf2(crypto_hash_alg alg, const void *pass, size_t pass_len,
                               const void *salt, size_t salt_len, uint32_t iterations,
                               uint8_t *out, size_t out_len);

/* CRC-32 (IEEE 802.3, as NTLMv1 signing uses), no OpenSSL needed.
 * crypto_crc32(0, data, len) is the standard CRC-32 ("123456789" ->
 * 0xCBF43926); to continue over more data pass the previous result as crc. */
uint32_t crypto_crc32(uint32_t crc, const void *data, size_t len);

#endif
