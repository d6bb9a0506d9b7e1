/*
 * crypto.h on OpenSSL 3 EVP: the only file of libsspi that includes OpenSSL,
 * and the only implementation of every primitive in crypto.h (CRC-32, not a
 * cryptographic primitive, is computed here in plain C).
 *
 * A private OSSL_LIB_CTX is created once (pthread_once) with the "default"
 * and "legacy" providers; every algorithm is fetched from it once and cached.
 * The application's default library context is never used for algorithms.
 *
 * Allocation on OpenSSL 3.0 (what the NTLM hot paths are shaped by):
 *  - EVP_CipherUpdate on a keyed EVP_CIPHER_CTX allocates nothing, and
 *    neither does re-keying one with EVP_CipherInit_ex2(ctx, NULL, key, ...).
 *    RC4 streams (crypto_rc4) are therefore one EVP_CIPHER_CTX each, keyed
 *    once; one-shot ciphers use a per-thread EVP_CIPHER_CTX.
 *  - Every digest (re)start allocates a provider context: EVP_DigestInit_ex2
 *    frees and allocates it even for the same EVP_MD, EVP_MD_CTX_copy_ex
 *    duplicates it, and EVP_MAC's HMAC copies digest contexts internally
 *    (two per message as well). HMAC is done by hand over keyed EVP_MD_CTX
 *    templates (ipad/opad blocks absorbed) copied per message: two
 *    allocations and three MD5 blocks for a 64-byte NTLM message, the
 *    cheapest OpenSSL 3.0 offers. One-shot digests and HMACs run on a
 *    per-thread EVP_MD_CTX (saves EVP_MD_CTX_new/free per call) that is
 *    reset after each use, so no digest state outlives a call.
 */
#include "crypto.h"

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#include "core/wipe.h"

#define HASH_COUNT 6
#define MAX_BLOCK 128 /* largest digest block size (SHA-384/512) */
#define MAX_DIGEST 64

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static OSSL_LIB_CTX *g_libctx;
static sr_code g_base_status = SR_INTERNAL;   /* default provider algorithms */
static sr_code g_legacy_status = SR_INTERNAL; /* MD4, RC4, DES */
static char g_error[512];

static EVP_MD *g_md[HASH_COUNT];
static EVP_CIPHER *g_aes128_ecb, *g_aes256_ecb, *g_aes128_cbc, *g_aes256_cbc;
static EVP_CIPHER *g_rc4, *g_des_ecb;
static EVP_KDF *g_pbkdf2;

static const char *const k_md_names[HASH_COUNT] = {"MD4",    "MD5",    "SHA1",
                                                    "SHA256", "SHA384", "SHA512"};
static const size_t k_md_lens[HASH_COUNT] = {CRYPTO_MD4_LEN,    CRYPTO_MD5_LEN,
                                             CRYPTO_SHA1_LEN,   CRYPTO_SHA256_LEN,
                                             CRYPTO_SHA384_LEN, CRYPTO_SHA512_LEN};

/* Append the OpenSSL error queue's first reason to g_error. */
static void set_error(const char *what) {
    unsigned long e = ERR_peek_last_error();
    char reason[256];
    if (e != 0) {
        ERR_error_string_n(e, reason, sizeof reason);
    } else {
        snprintf(reason, sizeof reason, "no OpenSSL error reported");
    }
    if (g_error[0] == '\0') snprintf(g_error, sizeof g_error, "%s: %s", what, reason);
}

/* OpenSSL's own reason for a failed provider load is not informative
 * ("provider_init ... name=legacy"), and the root cause sits at the front of
 * the thread's error queue, behind the application's own errors. Say where
 * the module was looked for instead. */
static void set_legacy_load_error(void) {
    const char *dir = secure_getenv("OPENSSL_MODULES");
    const char *src = "OPENSSL_MODULES";
    if (dir == NULL || dir[0] == '\0') {
        /* "MODULESDIR: \"/usr/lib/.../ossl-modules\"" */
        dir = OpenSSL_version(OPENSSL_MODULES_DIR);
        src = "OpenSSL's built-in MODULESDIR";
        const char *q = strchr(dir, '"');
        if (q != NULL) dir = q + 1;
    }
    size_t n = strcspn(dir, "\"");
    snprintf(g_error, sizeof g_error,
             "OpenSSL legacy provider (MD4/RC4/DES) could not be loaded: no usable "
             "legacy module in %.*s (from %s); install the OpenSSL legacy provider or "
             "set OPENSSL_MODULES",
             (int)(n > 300 ? 300 : n), dir, src);
}

static void do_init(void) {
    /* Keep our errors out of the application's error queue. */
    ERR_set_mark();
    g_libctx = OSSL_LIB_CTX_new();
    if (g_libctx == NULL) {
        set_error("OpenSSL library context could not be created");
        g_base_status = g_legacy_status = SR_NO_MEMORY;
        ERR_pop_to_mark();
        return;
    }
    if (OSSL_PROVIDER_load(g_libctx, "default") == NULL) {
        set_error("OpenSSL default provider could not be loaded");
        g_base_status = g_legacy_status = SR_CRYPTO_SYSTEM_INVALID;
        ERR_pop_to_mark();
        return;
    }
    g_base_status = SR_OK;
    for (int i = 1; i < HASH_COUNT; i++) {
        g_md[i] = EVP_MD_fetch(g_libctx, k_md_names[i], NULL);
        if (g_md[i] == NULL) g_base_status = SR_CRYPTO_SYSTEM_INVALID;
    }
    g_aes128_ecb = EVP_CIPHER_fetch(g_libctx, "AES-128-ECB", NULL);
    g_aes256_ecb = EVP_CIPHER_fetch(g_libctx, "AES-256-ECB", NULL);
    g_aes128_cbc = EVP_CIPHER_fetch(g_libctx, "AES-128-CBC", NULL);
    g_aes256_cbc = EVP_CIPHER_fetch(g_libctx, "AES-256-CBC", NULL);
    g_pbkdf2 = EVP_KDF_fetch(g_libctx, "PBKDF2", NULL);
    if (!g_aes128_ecb || !g_aes256_ecb || !g_aes128_cbc || !g_aes256_cbc || !g_pbkdf2)
        g_base_status = SR_CRYPTO_SYSTEM_INVALID;
    if (g_base_status != SR_OK) {
        set_error("OpenSSL default provider lacks MD5/SHA/AES/PBKDF2");
        g_legacy_status = g_base_status;
        ERR_pop_to_mark();
        return;
    }
    if (OSSL_PROVIDER_load(g_libctx, "legacy") == NULL) {
        set_legacy_load_error();
        g_legacy_status = SR_CRYPTO_SYSTEM_INVALID;
        ERR_pop_to_mark();
        return;
    }
    g_md[CRYPTO_HASH_MD4] = EVP_MD_fetch(g_libctx, "MD4", NULL);
    g_rc4 = EVP_CIPHER_fetch(g_libctx, "RC4", NULL);
    g_des_ecb = EVP_CIPHER_fetch(g_libctx, "DES-ECB", NULL);
    if (!g_md[CRYPTO_HASH_MD4] || !g_rc4 || !g_des_ecb) {
        set_error("OpenSSL legacy provider (MD4/RC4/DES) is missing algorithms");
        g_legacy_status = SR_CRYPTO_SYSTEM_INVALID;
    } else {
        g_legacy_status = SR_OK;
    }
    ERR_pop_to_mark();
}

sr crypto_init(void) {
    if (pthread_once(&g_once, do_init) != 0) return SR_FAIL(SR_INTERNAL);
    if (g_base_status != SR_OK) return SR_FAIL(g_base_status);
    return sr_make(g_legacy_status);
}

const char *crypto_last_error(void) {
    (void)pthread_once(&g_once, do_init);
    return g_error;
}

static sr ensure_base(void) {
    (void)pthread_once(&g_once, do_init);
    return sr_make(g_base_status);
}

static sr ensure_legacy(void) {
    (void)pthread_once(&g_once, do_init);
    return sr_make(g_base_status != SR_OK ? g_base_status : g_legacy_status);
}

/* ---- secrets ---- */

/* The one wipe of libsspi lives in the base layer (core/wipe.c). */
void crypto_wipe(void *p, size_t len) {
    sspi_wipe(p, len);
}

bool crypto_memeq(const void *a, const void *b, size_t len) {
    if (len == 0) return true;
    return CRYPTO_memcmp(a, b, len) == 0;
}

void crypto_free_wipe(void *p, size_t len) {
    if (p == NULL) return;
    crypto_wipe(p, len);
    free(p);
}

/* Small requests (NTLM: 8-byte challenges, 16-byte session keys) are
 * served from a per-thread buffer filled RAND_BUF bytes at a time: one
 * RAND_bytes_ex call costs about as much as a whole NTLM key derivation.
 * Bytes are wiped from the buffer as they are handed out, so the buffer
 * only ever holds output nobody has used (and nobody will: a new thread
 * starts with an empty buffer). After fork() the child never uses its
 * parent's buffer: pthread_atfork bumps a generation counter that the
 * buffer is checked against, so parent and child cannot hand out the same
 * bytes. */
#define RAND_BUF 256
#define RAND_BUF_MAX_REQUEST 64

typedef struct rand_cache {
    uint8_t buf[RAND_BUF];
    size_t avail;      /* unused bytes at the end of buf */
    unsigned long gen; /* g_rand_gen when filled (0: never) */
} rand_cache;

static _Thread_local rand_cache t_rand;
static atomic_ulong g_rand_gen = 1;
static pthread_once_t g_rand_once = PTHREAD_ONCE_INIT;
static bool g_rand_atfork_ok;

static void rand_atfork_child(void) { atomic_fetch_add(&g_rand_gen, 1); }

static void rand_once(void) { g_rand_atfork_ok = pthread_atfork(NULL, NULL, rand_atfork_child) == 0; }

static int rand_fill(unsigned char *o, size_t len) {
    while (len > 0) {
        size_t n = len > INT_MAX ? (size_t)INT_MAX : len;
        if (RAND_bytes_ex(g_libctx, o, n, 0) != 1) {
            ERR_clear_error();
            return 0;
        }
        o += n;
        len -= n;
    }
    return 1;
}

/* Serve len <= RAND_BUF_MAX_REQUEST bytes from the thread's buffer:
 * 1 done, 0 buffer unusable (ask OpenSSL directly), -1 OpenSSL failed. */
static int rand_from_cache(unsigned char *out, size_t len) {
    (void)pthread_once(&g_rand_once, rand_once);
    if (!g_rand_atfork_ok) return 0;
    rand_cache *c = &t_rand;
    unsigned long gen = atomic_load_explicit(&g_rand_gen, memory_order_relaxed);
    if (c->gen != gen || c->avail < len) {
        c->avail = 0;
        if (!rand_fill(c->buf, sizeof c->buf)) {
            crypto_wipe(c->buf, sizeof c->buf);
            return -1;
        }
        c->avail = sizeof c->buf;
        c->gen = gen;
    }
    uint8_t *src = c->buf + (sizeof c->buf - c->avail);
    memcpy(out, src, len);
    crypto_wipe(src, len);
    c->avail -= len;
    return 1;
}

sr crypto_random(void *out, size_t len) {
    SR_TRY(ensure_base());
    if (len == 0) return SR_SUCCESS;
    SR_ENSURE(out != NULL, SR_INVALID_PARAMETER);
    int got = len <= RAND_BUF_MAX_REQUEST ? rand_from_cache(out, len) : 0;
    if (got == 0) got = rand_fill(out, len) ? 1 : -1;
    return got > 0 ? SR_SUCCESS : SR_FAIL(SR_INTERNAL);
}

/* ---- per-thread scratch contexts ----
 *
 * One EVP_MD_CTX and one EVP_CIPHER_CTX per thread for one-shot work. Each
 * is reset right after use (EVP_*_CTX_reset frees the provider state with
 * OPENSSL_clear_free), so between calls they hold no key or digest state,
 * and on OpenSSL 3.0 a reset costs no extra allocation (the next
 * EVP_DigestInit_ex2 would have replaced the provider context anyway).
 * The contexts are freed at thread exit (pthread key destructor); when the
 * key is unusable, calls fall back to a context of their own. */
typedef struct thread_ctx {
    EVP_MD_CTX *md;
    EVP_CIPHER_CTX *cipher;
} thread_ctx;

static _Thread_local thread_ctx *t_ctx;
static pthread_key_t g_tls_key;
static pthread_once_t g_tls_once = PTHREAD_ONCE_INIT;
static atomic_bool g_tls_key_ok;

static void tls_free(void *p) {
    thread_ctx *t = p;
    if (t == NULL) return;
    EVP_MD_CTX_free(t->md);
    EVP_CIPHER_CTX_free(t->cipher);
    free(t);
}

static void tls_once(void) { atomic_store(&g_tls_key_ok, pthread_key_create(&g_tls_key, tls_free) == 0); }

/* When libsspi.so is unloaded, the key's destructor must not outlive the
 * code: delete the key (threads still holding a context leak it). */
__attribute__((destructor)) static void tls_unload(void) {
    if (atomic_exchange(&g_tls_key_ok, false)) (void)pthread_key_delete(g_tls_key);
}

static thread_ctx *thread_get(void) {
    thread_ctx *t = t_ctx;
    if (t != NULL) return t;
    (void)pthread_once(&g_tls_once, tls_once);
    if (!atomic_load(&g_tls_key_ok)) return NULL;
    t = calloc(1, sizeof *t);
    if (t == NULL) return NULL;
    t->md = EVP_MD_CTX_new();
    t->cipher = EVP_CIPHER_CTX_new();
    if (t->md == NULL || t->cipher == NULL || pthread_setspecific(g_tls_key, t) != 0) {
        tls_free(t);
        return NULL;
    }
    t_ctx = t;
    return t;
}

/* The thread's digest context (*owned false) or a new one (*owned true). */
static EVP_MD_CTX *md_acquire(bool *owned) {
    thread_ctx *t = thread_get();
    *owned = t == NULL;
    return t != NULL ? t->md : EVP_MD_CTX_new();
}

static void md_release(EVP_MD_CTX *c, bool owned) {
    if (owned) EVP_MD_CTX_free(c);
    else EVP_MD_CTX_reset(c);
}

static EVP_CIPHER_CTX *cipher_acquire(bool *owned) {
    thread_ctx *t = thread_get();
    *owned = t == NULL;
    return t != NULL ? t->cipher : EVP_CIPHER_CTX_new();
}

static void cipher_release(EVP_CIPHER_CTX *c, bool owned) {
    if (owned) EVP_CIPHER_CTX_free(c);
    else EVP_CIPHER_CTX_reset(c);
}

/* ---- digests ---- */

size_t crypto_hash_len(crypto_hash_alg alg) {
    if ((unsigned)alg >= HASH_COUNT) return 0;
    return k_md_lens[alg];
}

/* The cached EVP_MD for alg, after checking its provider is available. */
static sr get_md(crypto_hash_alg alg, const EVP_MD **md) {
    SR_ENSURE((unsigned)alg < HASH_COUNT, SR_INVALID_PARAMETER);
    SR_TRY(alg == CRYPTO_HASH_MD4 ? ensure_legacy() : ensure_base());
    *md = g_md[alg];
    return SR_SUCCESS;
}

static sr check_parts(const crypto_part *parts, size_t nparts) {
    SR_ENSURE(nparts == 0 || parts != NULL, SR_INVALID_PARAMETER);
    for (size_t i = 0; i < nparts; i++)
        SR_ENSURE(parts[i].len == 0 || parts[i].data != NULL, SR_INVALID_PARAMETER);
    return SR_SUCCESS;
}

static int update_parts(EVP_MD_CTX *c, const crypto_part *parts, size_t nparts) {
    for (size_t i = 0; i < nparts; i++) {
        if (parts[i].len != 0 && !EVP_DigestUpdate(c, parts[i].data, parts[i].len)) return 0;
    }
    return 1;
}

sr crypto_hash(crypto_hash_alg alg, const crypto_part *parts, size_t nparts, uint8_t *out) {
    const EVP_MD *md;
    SR_TRY(get_md(alg, &md));
    SR_TRY(check_parts(parts, nparts));
    SR_ENSURE(out != NULL, SR_INVALID_PARAMETER);
    bool owned;
    EVP_MD_CTX *c = md_acquire(&owned);
    SR_ENSURE(c != NULL, SR_NO_MEMORY);
    int ok = EVP_DigestInit_ex2(c, md, NULL) && update_parts(c, parts, nparts) &&
             EVP_DigestFinal_ex(c, out, NULL);
    md_release(c, owned);
    if (!ok) {
        ERR_clear_error();
        return SR_FAIL(SR_INTERNAL);
    }
    return SR_SUCCESS;
}

static sr hash1(crypto_hash_alg alg, const void *data, size_t len, uint8_t *out) {
    crypto_part p = {data, len};
    return crypto_hash(alg, &p, 1, out);
}

sr crypto_md4(const void *data, size_t len, uint8_t out[CRYPTO_MD4_LEN]) {
    return hash1(CRYPTO_HASH_MD4, data, len, out);
}
sr crypto_md5(const void *data, size_t len, uint8_t out[CRYPTO_MD5_LEN]) {
    return hash1(CRYPTO_HASH_MD5, data, len, out);
}
sr crypto_sha1(const void *data, size_t len, uint8_t out[CRYPTO_SHA1_LEN]) {
    return hash1(CRYPTO_HASH_SHA1, data, len, out);
}
sr crypto_sha256(const void *data, size_t len, uint8_t out[CRYPTO_SHA256_LEN]) {
    return hash1(CRYPTO_HASH_SHA256, data, len, out);
}

/* ---- HMAC (RFC 2104) by hand over EVP_MD_CTX ---- */

/* Key block padded to the digest block size (hashed first if too long). */
static sr hmac_key_block(const EVP_MD *md, EVP_MD_CTX *tmp, const void *key, size_t key_len,
                         uint8_t block[MAX_BLOCK], size_t *block_len) {
    int bs = EVP_MD_get_block_size(md);
    SR_ENSURE(bs > 0 && bs <= MAX_BLOCK, SR_INTERNAL);
    SR_ENSURE(key_len == 0 || key != NULL, SR_INVALID_PARAMETER);
    memset(block, 0, MAX_BLOCK);
    if (key_len > (size_t)bs) {
        if (!EVP_DigestInit_ex2(tmp, md, NULL) || !EVP_DigestUpdate(tmp, key, key_len) ||
            !EVP_DigestFinal_ex(tmp, block, NULL)) {
            ERR_clear_error();
            return SR_FAIL(SR_INTERNAL);
        }
    } else if (key_len != 0) {
        memcpy(block, key, key_len);
    }
    *block_len = (size_t)bs;
    return SR_SUCCESS;
}

/* Initialise c with the key block XOR pad absorbed. */
static int hmac_pad_init(EVP_MD_CTX *c, const EVP_MD *md, const uint8_t *block, size_t bs,
                         uint8_t pad) {
    uint8_t x[MAX_BLOCK];
    for (size_t i = 0; i < bs; i++) x[i] = block[i] ^ pad;
    int ok = EVP_DigestInit_ex2(c, md, NULL) && EVP_DigestUpdate(c, x, bs);
    crypto_wipe(x, sizeof x);
    return ok;
}

sr crypto_hmac(crypto_hash_alg alg, const void *key, size_t key_len, const crypto_part *parts,
               size_t nparts, uint8_t *out) {
    const EVP_MD *md;
    SR_TRY(get_md(alg, &md));
    SR_TRY(check_parts(parts, nparts));
    SR_ENSURE(out != NULL, SR_INVALID_PARAMETER);
    bool owned;
    EVP_MD_CTX *c = md_acquire(&owned);
    SR_ENSURE(c != NULL, SR_NO_MEMORY);
    uint8_t block[MAX_BLOCK], ih[MAX_DIGEST];
    size_t bs;
    unsigned int ilen = 0;
    sr r = hmac_key_block(md, c, key, key_len, block, &bs);
    if (sr_is_ok(r)) {
        int ok = hmac_pad_init(c, md, block, bs, 0x36) && update_parts(c, parts, nparts) &&
                 EVP_DigestFinal_ex(c, ih, &ilen) && hmac_pad_init(c, md, block, bs, 0x5c) &&
                 EVP_DigestUpdate(c, ih, ilen) && EVP_DigestFinal_ex(c, out, NULL);
        if (!ok) {
            ERR_clear_error();
            r = SR_FAIL(SR_INTERNAL);
        }
    }
    md_release(c, owned);
    crypto_wipe(block, sizeof block);
    crypto_wipe(ih, sizeof ih);
    return r;
}

sr crypto_hmac_md5(const void *key, size_t key_len, const void *data, size_t len,
                   uint8_t out[CRYPTO_MD5_LEN]) {
    crypto_part p = {data, len};
    return crypto_hmac(CRYPTO_HASH_MD5, key, key_len, &p, 1, out);
}

/* Keyed templates (pads absorbed) and the per-message work context. */
struct crypto_hmac_ctx {
    EVP_MD_CTX *inner; /* keyed template: ipad block absorbed */
    EVP_MD_CTX *outer; /* keyed template: opad block absorbed */
    EVP_MD_CTX *work;
    bool started;
    bool pending; /* started, but inner not yet copied into work */
};

void crypto_hmac_free(crypto_hmac_ctx *ctx) {
    if (ctx == NULL) return;
    /* Provider digest contexts are freed with OPENSSL_clear_free. */
    EVP_MD_CTX_free(ctx->inner);
    EVP_MD_CTX_free(ctx->outer);
    EVP_MD_CTX_free(ctx->work);
    crypto_free_wipe(ctx, sizeof *ctx);
}

sr crypto_hmac_new(crypto_hash_alg alg, const void *key, size_t key_len, crypto_hmac_ctx **out) {
    SR_ENSURE(out != NULL, SR_INVALID_PARAMETER);
    *out = NULL;
    const EVP_MD *md;
    SR_TRY(get_md(alg, &md));
    crypto_hmac_ctx *ctx = calloc(1, sizeof *ctx);
    SR_ENSURE(ctx != NULL, SR_NO_MEMORY);
    ctx->inner = EVP_MD_CTX_new();
    ctx->outer = EVP_MD_CTX_new();
    ctx->work = EVP_MD_CTX_new();
    if (!ctx->inner || !ctx->outer || !ctx->work) {
        crypto_hmac_free(ctx);
        return SR_FAIL(SR_NO_MEMORY);
    }
    uint8_t block[MAX_BLOCK];
    size_t bs;
    sr r = hmac_key_block(md, ctx->work, key, key_len, block, &bs);
    if (sr_is_ok(r) && !(hmac_pad_init(ctx->inner, md, block, bs, 0x36) &&
                         hmac_pad_init(ctx->outer, md, block, bs, 0x5c))) {
        ERR_clear_error();
        r = SR_FAIL(SR_INTERNAL);
    }
    crypto_wipe(block, sizeof block);
    if (sr_is_ok(r)) r = crypto_hmac_start(ctx);
    if (!sr_is_ok(r)) {
        crypto_hmac_free(ctx);
        return r;
    }
    *out = ctx;
    return SR_SUCCESS;
}

/* Starting only marks the context: the copy of the inner template is made
 * by the first update or the finish, so that creating a context, or
 * restarting one that is then abandoned, costs no copy. */
sr crypto_hmac_start(crypto_hmac_ctx *ctx) {
    SR_ENSURE(ctx != NULL, SR_INVALID_PARAMETER);
    ctx->started = true;
    ctx->pending = true;
    return SR_SUCCESS;
}

static sr hmac_unpend(crypto_hmac_ctx *ctx) {
    if (!ctx->pending) return SR_SUCCESS;
    if (!EVP_MD_CTX_copy_ex(ctx->work, ctx->inner)) {
        ERR_clear_error();
        ctx->started = false;
        return SR_FAIL(SR_INTERNAL);
    }
    ctx->pending = false;
    return SR_SUCCESS;
}

sr crypto_hmac_update(crypto_hmac_ctx *ctx, const void *data, size_t len) {
    SR_ENSURE(ctx != NULL && ctx->started, SR_INVALID_PARAMETER);
    if (len == 0) return SR_SUCCESS;
    SR_ENSURE(data != NULL, SR_INVALID_PARAMETER);
    SR_TRY(hmac_unpend(ctx));
    if (!EVP_DigestUpdate(ctx->work, data, len)) {
        ERR_clear_error();
        return SR_FAIL(SR_INTERNAL);
    }
    return SR_SUCCESS;
}

sr crypto_hmac_finish(crypto_hmac_ctx *ctx, uint8_t *out) {
    SR_ENSURE(ctx != NULL && ctx->started && out != NULL, SR_INVALID_PARAMETER);
    SR_TRY(hmac_unpend(ctx));
    uint8_t ih[MAX_DIGEST];
    unsigned int ilen = 0;
    ctx->started = false;
    int ok = EVP_DigestFinal_ex(ctx->work, ih, &ilen) &&
             EVP_MD_CTX_copy_ex(ctx->work, ctx->outer) && EVP_DigestUpdate(ctx->work, ih, ilen) &&
             EVP_DigestFinal_ex(ctx->work, out, NULL);
    crypto_wipe(ih, sizeof ih);
    if (!ok) {
        ERR_clear_error();
        return SR_FAIL(SR_INTERNAL);
    }
    return SR_SUCCESS;
}

/* ---- ciphers ---- */

/* EVP_CipherUpdate over any length (it takes int). */
static int cipher_update(EVP_CIPHER_CTX *c, const uint8_t *in, uint8_t *out, size_t len) {
    while (len > 0) {
        int n = len > (size_t)(INT_MAX - 64) ? INT_MAX - 64 : (int)len;
        int outl = 0;
        if (!EVP_CipherUpdate(c, out, &outl, in, n) || outl != n) return 0;
        in += n;
        out += n;
        len -= (size_t)n;
    }
    return 1;
}

/* An RC4 stream: a keyed EVP_CIPHER_CTX and the number of key stream
 * bytes used since it was keyed (for export, see crypto.h). */
struct crypto_rc4 {
    EVP_CIPHER_CTX *c;
    uint64_t offset;
    bool keyed; /* false after a failed rekey */
};

void crypto_rc4_free(crypto_rc4 *ctx) {
    if (ctx == NULL) return;
    EVP_CIPHER_CTX_free(ctx->c); /* the provider clears its key schedule */
    crypto_wipe(ctx, sizeof *ctx);
    free(ctx);
}

/* Key c for RC4 with key_len bytes: the first time (cipher not yet set) a
 * full init, afterwards only the key (no allocation). */
static sr rc4_key(EVP_CIPHER_CTX *c, const void *key, size_t key_len) {
    SR_ENSURE(key != NULL && key_len > 0 && key_len <= 256, SR_INVALID_PARAMETER);
    int ok = 1;
    if (EVP_CIPHER_CTX_get0_cipher(c) == NULL)
        ok = EVP_CipherInit_ex2(c, g_rc4, NULL, NULL, 1, NULL);
    if (ok && EVP_CIPHER_CTX_get_key_length(c) != (int)key_len)
        ok = EVP_CIPHER_CTX_set_key_length(c, (int)key_len);
    if (ok) ok = EVP_CipherInit_ex2(c, NULL, key, NULL, 1, NULL);
    if (!ok) {
        ERR_clear_error();
        return SR_FAIL(SR_INTERNAL);
    }
    return SR_SUCCESS;
}

sr crypto_rc4_new(const void *key, size_t key_len, crypto_rc4 **out) {
    SR_ENSURE(out != NULL, SR_INVALID_PARAMETER);
    *out = NULL;
    SR_TRY(ensure_legacy());
    SR_ENSURE(key != NULL && key_len > 0 && key_len <= 256, SR_INVALID_PARAMETER);
    crypto_rc4 *ctx = calloc(1, sizeof *ctx);
    SR_ENSURE(ctx != NULL, SR_NO_MEMORY);
    ctx->c = EVP_CIPHER_CTX_new();
    if (ctx->c == NULL) {
        free(ctx);
        return SR_FAIL(SR_NO_MEMORY);
    }
    sr r = rc4_key(ctx->c, key, key_len);
    if (!sr_is_ok(r)) {
        crypto_rc4_free(ctx);
        return r;
    }
    ctx->keyed = true;
    *out = ctx;
    return SR_SUCCESS;
}

sr crypto_rc4_rekey(crypto_rc4 *ctx, const void *key, size_t key_len) {
    SR_ENSURE(ctx != NULL, SR_INVALID_PARAMETER);
    SR_ENSURE(key != NULL && key_len > 0 && key_len <= 256, SR_INVALID_PARAMETER);
    ctx->keyed = false;
    ctx->offset = 0;
    SR_TRY(rc4_key(ctx->c, key, key_len));
    ctx->keyed = true;
    return SR_SUCCESS;
}

sr crypto_rc4_update(crypto_rc4 *ctx, const void *in, void *out, size_t len) {
    SR_ENSURE(ctx != NULL, SR_INVALID_PARAMETER);
    if (len == 0) return SR_SUCCESS;
    SR_ENSURE(in != NULL && out != NULL, SR_INVALID_PARAMETER);
    SR_ENSURE(ctx->keyed, SR_INTERNAL);
    if (!cipher_update(ctx->c, in, out, len)) {
        ERR_clear_error();
        return SR_FAIL(SR_INTERNAL);
    }
    ctx->offset += len;
    return SR_SUCCESS;
}

uint64_t crypto_rc4_offset(const crypto_rc4 *ctx) { return ctx != NULL ? ctx->offset : 0; }

sr crypto_rc4_skip(crypto_rc4 *ctx, uint64_t n) {
    SR_ENSURE(ctx != NULL, SR_INVALID_PARAMETER);
    SR_ENSURE(ctx->keyed, SR_INTERNAL);
    uint8_t scratch[2048]; /* key stream XOR whatever was there: wiped below */
    memset(scratch, 0, sizeof scratch);
    sr r = SR_SUCCESS;
    while (n > 0 && sr_is_ok(r)) {
        size_t k = n > sizeof scratch ? sizeof scratch : (size_t)n;
        r = crypto_rc4_update(ctx, scratch, scratch, k);
        n -= k;
    }
    crypto_wipe(scratch, sizeof scratch);
    return r;
}

sr crypto_rc4_oneshot(const void *key, size_t key_len, const void *in, void *out, size_t len) {
    SR_TRY(ensure_legacy());
    SR_ENSURE(len == 0 || (in != NULL && out != NULL), SR_INVALID_PARAMETER);
    SR_ENSURE(key != NULL && key_len > 0 && key_len <= 256, SR_INVALID_PARAMETER);
    bool owned;
    EVP_CIPHER_CTX *c = cipher_acquire(&owned);
    SR_ENSURE(c != NULL, SR_NO_MEMORY);
    sr r = rc4_key(c, key, key_len);
    if (sr_is_ok(r) && !cipher_update(c, in, out, len)) {
        ERR_clear_error();
        r = SR_FAIL(SR_INTERNAL);
    }
    cipher_release(c, owned);
    return r;
}

/* One-shot block cipher without padding; len must be a multiple of the
 * block size (checked by the callers). */
static sr cipher_oneshot(const EVP_CIPHER *ciph, bool encrypt, const uint8_t *key,
                         const uint8_t *iv, const uint8_t *in, uint8_t *out, size_t len) {
    bool owned;
    EVP_CIPHER_CTX *c = cipher_acquire(&owned);
    SR_ENSURE(c != NULL, SR_NO_MEMORY);
    int ok = EVP_CipherInit_ex2(c, ciph, key, iv, encrypt ? 1 : 0, NULL) &&
             EVP_CIPHER_CTX_set_padding(c, 0) && cipher_update(c, in, out, len);
    cipher_release(c, owned);
    if (!ok) {
        ERR_clear_error();
        return SR_FAIL(SR_INTERNAL);
    }
    return SR_SUCCESS;
}

/* 56 key bits -> 8 bytes of 7 bits each, low bit = odd parity. */
static void des_expand_key(const uint8_t k[7], uint8_t key[8]) {
    key[0] = k[0];
    key[1] = (uint8_t)(k[0] << 7 | k[1] >> 1);
    key[2] = (uint8_t)(k[1] << 6 | k[2] >> 2);
    key[3] = (uint8_t)(k[2] << 5 | k[3] >> 3);
    key[4] = (uint8_t)(k[3] << 4 | k[4] >> 4);
    key[5] = (uint8_t)(k[4] << 3 | k[5] >> 5);
    key[6] = (uint8_t)(k[5] << 2 | k[6] >> 6);
    key[7] = (uint8_t)(k[6] << 1);
    for (int i = 0; i < 8; i++) {
        uint8_t b = key[i] & 0xFE;
        uint8_t ones = b;
        ones ^= ones >> 4;
        ones ^= ones >> 2;
        ones ^= ones >> 1;
        /* ones & 1 is the parity of the 7 key bits; make the total odd. */
        key[i] = (uint8_t)(b | ((ones & 1) ^ 1));
    }
}

sr crypto_des7_encrypt_block(const uint8_t key7[7], const uint8_t in[8], uint8_t out[8]) {
    SR_TRY(ensure_legacy());
    SR_ENSURE(key7 != NULL && in != NULL && out != NULL, SR_INVALID_PARAMETER);
    uint8_t key[8];
    des_expand_key(key7, key);
    sr r = cipher_oneshot(g_des_ecb, true, key, NULL, in, out, 8);
    crypto_wipe(key, sizeof key);
    return r;
}

sr crypto_cipher(crypto_cipher_alg alg, bool encrypt, const uint8_t *key, const uint8_t *iv,
                 const void *in, void *out, size_t len) {
    SR_TRY(ensure_base());
    const EVP_CIPHER *ciph;
    bool cbc = false;
    switch (alg) {
    case CRYPTO_AES128_ECB: ciph = g_aes128_ecb; break;
    case CRYPTO_AES256_ECB: ciph = g_aes256_ecb; break;
    case CRYPTO_AES128_CBC: ciph = g_aes128_cbc; cbc = true; break;
    case CRYPTO_AES256_CBC: ciph = g_aes256_cbc; cbc = true; break;
    default: return SR_FAIL(SR_INVALID_PARAMETER);
    }
    SR_ENSURE(key != NULL && len % 16 == 0, SR_INVALID_PARAMETER);
    SR_ENSURE(!cbc || iv != NULL, SR_INVALID_PARAMETER);
    if (len == 0) return SR_SUCCESS;
    SR_ENSURE(in != NULL && out != NULL, SR_INVALID_PARAMETER);
    return cipher_oneshot(ciph, encrypt, key, cbc ? iv : NULL, in, out, len);
}

/* ---- AES-CTS (RFC 3962: CBC, last two blocks swapped, last one cut) ---- */

static int set_iv(EVP_CIPHER_CTX *c, const uint8_t iv[16]) {
    return EVP_CipherInit_ex2(c, NULL, NULL, iv, -1, NULL);
}

static int cts_encrypt(EVP_CIPHER_CTX *c, const uint8_t *in, uint8_t *out, size_t len) {
    size_t head = (len - 1) / 16 * 16 - 16; /* full blocks before the last two */
    size_t r = len - head - 16;              /* bytes in the last block, 1..16 */
    uint8_t tail[32] = {0}, enc[32];
    memcpy(tail, in + head, 16 + r);
    /* CBC chaining continues from the head into the zero-padded tail. */
    int ok = cipher_update(c, in, out, head) && cipher_update(c, tail, enc, 32);
    if (ok) {
        memcpy(out + head, enc + 16, 16);
        memcpy(out + head + 16, enc, r);
    }
    crypto_wipe(tail, sizeof tail);
    return ok;
}

static int cts_decrypt(EVP_CIPHER_CTX *c, const uint8_t *iv, const uint8_t *in, uint8_t *out,
                       size_t len) {
    size_t head = (len - 1) / 16 * 16 - 16;
    size_t r = len - head - 16;
    static const uint8_t zero[16];
    uint8_t prev[16], cn[16], cprev[16], d[16], p[32];
    /* Save the ciphertext we still need before in-place decryption. */
    memcpy(prev, head ? in + head - 16 : iv, 16);
    memcpy(cn, in + head, 16);
    memcpy(cprev, in + head + 16, r);
    int ok = cipher_update(c, in, out, head) && set_iv(c, zero) && cipher_update(c, cn, d, 16);
    if (ok) {
        /* d = P_n (zero padded) XOR C_{n-1}: recover the stolen bytes. */
        for (size_t i = 0; i < r; i++) p[16 + i] = d[i] ^ cprev[i];
        memcpy(cprev + r, d + r, 16 - r);
        ok = set_iv(c, prev) && cipher_update(c, cprev, p, 16);
        if (ok) memcpy(out + head, p, 16 + r);
    }
    crypto_wipe(d, sizeof d);
    crypto_wipe(p, sizeof p);
    return ok;
}

sr crypto_aes_cts(bool encrypt, const uint8_t *key, size_t key_len, const uint8_t *iv,
                  const void *in, void *out, size_t len) {
    SR_TRY(ensure_base());
    SR_ENSURE(key != NULL && (key_len == 16 || key_len == 32), SR_INVALID_PARAMETER);
    SR_ENSURE(in != NULL && out != NULL && len >= 16, SR_INVALID_PARAMETER);
    static const uint8_t zero_iv[16];
    if (iv == NULL) iv = zero_iv;
    const EVP_CIPHER *ciph = key_len == 16 ? g_aes128_cbc : g_aes256_cbc;
    if (len == 16) return cipher_oneshot(ciph, encrypt, key, iv, in, out, 16);
    bool owned;
    EVP_CIPHER_CTX *c = cipher_acquire(&owned);
    SR_ENSURE(c != NULL, SR_NO_MEMORY);
    int ok = EVP_CipherInit_ex2(c, ciph, key, iv, encrypt ? 1 : 0, NULL) &&
             EVP_CIPHER_CTX_set_padding(c, 0) &&
             (encrypt ? cts_encrypt(c, in, out, len) : cts_decrypt(c, iv, in, out, len));
    cipher_release(c, owned);
    if (!ok) {
        ERR_clear_error();
        return SR_FAIL(SR_INTERNAL);
    }
    return SR_SUCCESS;
}

/* ---- PBKDF2 ---- */

sr crypto_pbkdf2(crypto_hash_alg alg, const void *pass, size_t pass_len, const void *salt,
                 size_t salt_len, uint32_t iterations, uint8_t *out, size_t out_len) {
    SR_ENSURE((unsigned)alg < HASH_COUNT && alg != CRYPTO_HASH_MD4, SR_INVALID_PARAMETER);
    SR_TRY(ensure_base());
    SR_ENSURE(pass_len == 0 || pass != NULL, SR_INVALID_PARAMETER);
    SR_ENSURE(salt_len == 0 || salt != NULL, SR_INVALID_PARAMETER);
    SR_ENSURE(iterations >= 1 && out != NULL && out_len >= 1, SR_INVALID_PARAMETER);
    static const uint8_t empty[1];
    uint64_t iter = iterations;
    int pkcs5 = 1; /* no SP 800-132 lower-bound checks: callers set policy */
    OSSL_PARAM params[6];
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
                                                 (char *)k_md_names[alg], 0);
    params[1] = OSSL_PARAM_construct_octet_string(
        OSSL_KDF_PARAM_PASSWORD, (void *)(pass_len ? pass : empty), pass_len);
    params[2] = OSSL_PARAM_construct_octet_string(
        OSSL_KDF_PARAM_SALT, (void *)(salt_len ? salt : empty), salt_len);
    params[3] = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_ITER, &iter);
    params[4] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_PKCS5, &pkcs5);
    params[5] = OSSL_PARAM_construct_end();
    EVP_KDF_CTX *k = EVP_KDF_CTX_new(g_pbkdf2);
    SR_ENSURE(k != NULL, SR_NO_MEMORY);
    int ok = EVP_KDF_derive(k, out, out_len, params) == 1;
    EVP_KDF_CTX_free(k);
    if (!ok) {
        ERR_clear_error();
        return SR_FAIL(SR_INTERNAL);
    }
    return SR_SUCCESS;
}

/* ---- CRC-32 (IEEE, reflected, polynomial 0xEDB88320) ---- */

static uint32_t g_crc_table[256];
static pthread_once_t g_crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        g_crc_table[i] = c;
    }
}

uint32_t crypto_crc32(uint32_t crc, const void *data, size_t len) {
    (void)pthread_once(&g_crc_once, crc_init);
    const uint8_t *p = data;
    crc = ~crc;
    for (size_t i = 0; i < len; i++) crc = g_crc_table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
    return ~crc;
}
