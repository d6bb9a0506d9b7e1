/*
 * NTLM benchmark through the public SSPI API (a tuning helper, not run by
 * CTest). Linked with the internal static library, driven only through
 * AcquireCredentialsHandle / InitializeSecurityContext /
 * AcceptSecurityContext / MakeSignature / VerifySignature / EncryptMessage /
 * DecryptMessage / DeleteSecurityContext. Prints:
 *   (a) full client + server NTLM handshakes per second in one process
 *       (credentials acquired once per side; caller-supplied token buffers;
 *       both contexts deleted after each handshake), with the server's
 *       accounts given by a hash callback and by an account file;
 *   (b) heap allocations (malloc + calloc + realloc calls) per handshake,
 *       counted by interposing those functions in this executable;
 *   (c) sign+verify and encrypt+decrypt pairs per second and MB/s at
 *       64 B, 1 KiB and 16 KiB, then EncryptMessage alone and
 *       DecryptMessage alone at the same sizes;
 *   and, when "Negotiate" is registered, the Negotiate(NTLM) figures: the
 *   first handshake's time (the Kerberos attempt for realm BENCH, which has
 *   no KDC), the handshake rate, its ratio to raw NTLM, and allocations.
 *   Negotiate(NTLM), same machine, back to back: 39/s wall (5,200/s per
 *   core) while every handshake tried Kerberos (KDC location by DNS SRV);
 *   26,700/s wall and per core (40% of raw NTLM's 66,700) once the KDC
 *   negative cache (kerberos/krb_kdc_cache.h) lets only the first one try.
 * Everything runs on one thread: every rate is given per CPU second of this
 * thread ("per core", CLOCK_THREAD_CPUTIME_ID, which is what counts on a
 * loaded machine) and per wall-clock second. Runs for about 20 s.
 *
 *   bench_ntlm [SECONDS_PER_MEASUREMENT]   (default 1.0)
 *   bench_ntlm --count N   fixed work for profilers (callgrind): N
 *                          handshakes, N sign+verify and N encrypt+decrypt
 *                          pairs at 64 B; no timing output
 *
 * Figures (Release, Intel Xeon VM, 2 vCPUs under load average 15-20 from
 * other builds, so the per-core rates are +-10%; instruction counts from
 * callgrind on --count 2000 are exact). "before": MD5, HMAC-MD5 and RC4
 * hand-written (crypto_portable.c); "after": every primitive on OpenSSL
 * 3.0.19 EVP (private library context, legacy provider for RC4/MD4/DES),
 * signing/sealing keys derived on first use of a direction.
 *                                          before          after
 *   handshakes/s per core, hash callback   64,000          55,000-65,000
 *   handshakes/s per core, account file    57,000-61,000   64,000-65,000
 *   instructions per handshake             116,400         115,300
 *   allocations per handshake (cb/file)    43 / 44         63 / 64
 *   allocations per sign+verify pair       0               4
 *   allocations per encrypt+decrypt pair   0               4
 *   instructions per sign+verify (64 B)    6,740           9,950
 *   instructions per encrypt+decrypt 64 B  9,460           11,770
 *   EncryptMessage alone, 64 B, per core   1,660,000-1,700,000  1,360,000-1,480,000
 *   EncryptMessage alone, 1 KiB, per core  221,000         208,000-211,000
 *   EncryptMessage alone, 16 KiB, per core 14,800-15,000   13,900-14,300
 * The allocations per message are OpenSSL 3.0's: a digest context can only
 * be restarted by EVP_MD_CTX_copy_ex or EVP_DigestInit_ex2, both of which
 * allocate the provider context (two per HMAC-MD5, see crypto.h); RC4 on a
 * keyed EVP_CIPHER_CTX allocates nothing. The extra handshake allocations
 * are one per one-shot MD5 and two per one-shot HMAC-MD5 (per-thread
 * EVP_MD_CTX, reset after each use) and one per RC4 one-shot (KEY_EXCH).
 */
#define SECURITY_WIN32
#include <security.h>

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "packages/package.h"

/* A static link pulls a package in only when something references it (the
 * registry's references are weak): reference NTLM, and Negotiate once its
 * package file exists. */
extern const sspi_package sspi_ntlm_package;
const sspi_package *const bench_ntlm_ref = &sspi_ntlm_package;
#if defined(__has_include)
#if __has_include("packages/negotiate/negotiate_package.c")
extern const sspi_package sspi_negotiate_package;
const sspi_package *const bench_negotiate_ref = &sspi_negotiate_package;
#endif
#endif

/* ---- allocation counting (interposed in this executable) ---------------- */

/* Sanitizers interpose malloc themselves: no counting then. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define BENCH_COUNT_ALLOCS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define BENCH_COUNT_ALLOCS 0
#endif
#endif
#ifndef BENCH_COUNT_ALLOCS
#define BENCH_COUNT_ALLOCS 1
#endif

static atomic_ulong g_allocs;
static atomic_int g_counting;

#if BENCH_COUNT_ALLOCS
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);

#define BENCH_EXPORT __attribute__((visibility("default")))

BENCH_EXPORT void *malloc(size_t n) {
    if (atomic_load_explicit(&g_counting, memory_order_relaxed))
        atomic_fetch_add_explicit(&g_allocs, 1, memory_order_relaxed);
    return __libc_malloc(n);
}

BENCH_EXPORT void *calloc(size_t n, size_t m) {
    if (atomic_load_explicit(&g_counting, memory_order_relaxed))
        atomic_fetch_add_explicit(&g_allocs, 1, memory_order_relaxed);
    return __libc_calloc(n, m);
}

BENCH_EXPORT void *realloc(void *p, size_t n) {
    if (atomic_load_explicit(&g_counting, memory_order_relaxed))
        atomic_fetch_add_explicit(&g_allocs, 1, memory_order_relaxed);
    return __libc_realloc(p, n);
}

BENCH_EXPORT void free(void *p) { __libc_free(p); }
#endif

/* ---- helpers ----------------------------------------------------------- */

#define USER "alice"
#define DOMAIN "BENCH"
#define PASSWORD "Password"
/* MD4(UTF-16LE("Password")) */
static const unsigned char PASSWORD_NT_HASH[16] = {0xa4, 0xf4, 0x9c, 0x40, 0x65, 0x10, 0xbd, 0xca,
                                                   0xb6, 0x82, 0x4e, 0xe7, 0xc3, 0x0f, 0xd8, 0x52};

#define CLIENT_REQ                                                                            \
    (ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | ISC_REQ_REPLAY_DETECT |                    \
     ISC_REQ_SEQUENCE_DETECT | ISC_REQ_CONNECTION)
#define SERVER_REQ                                                                            \
    (ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY | ASC_REQ_REPLAY_DETECT |                    \
     ASC_REQ_SEQUENCE_DETECT | ASC_REQ_CONNECTION)

static double g_seconds = 1.0;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of this thread: the per-core figure on a shared machine. */
static double cpu_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A measurement: operations, wall seconds, CPU seconds. */
typedef struct meter {
    long n;
    double wall, cpu;
    double w0, c0;
} meter;

static void meter_start(meter *m) {
    m->w0 = now();
    m->c0 = cpu_now();
}

static void meter_stop(meter *m, long ops) {
    m->wall += now() - m->w0;
    m->cpu += cpu_now() - m->c0;
    m->n += ops;
}

static double per_cpu(const meter *m) { return m->cpu > 0 ? (double)m->n / m->cpu : 0; }
static double per_wall(const meter *m) { return m->wall > 0 ? (double)m->n / m->wall : 0; }

static void die(const char *what, SECURITY_STATUS st) {
    fprintf(stderr, "bench_ntlm: %s failed: 0x%08x\n", what, (unsigned)st);
    exit(1);
}

static int hash_callback(void *context, const char *user, const char *domain,
                         unsigned char nt_hash[16]) {
    (void)context;
    (void)domain;
    if (strcmp(user, USER) != 0) return 1;
    memcpy(nt_hash, PASSWORD_NT_HASH, 16);
    return 0;
}

typedef struct side_creds {
    const char *package;
    CredHandle client, server;
    ULONG max_token;
} side_creds;

/* user_file NULL: accounts through the hash callback. */
static int acquire(side_creds *c, const char *package, const char *user_file) {
    TimeStamp ts;
    SEC_WINNT_AUTH_IDENTITY_A id = {(UCHAR *)USER,     (ULONG)strlen(USER),
                                    (UCHAR *)DOMAIN,   (ULONG)strlen(DOMAIN),
                                    (UCHAR *)PASSWORD, (ULONG)strlen(PASSWORD),
                                    SEC_WINNT_AUTH_IDENTITY_ANSI};
    PSecPkgInfoA info;
    memset(c, 0, sizeof *c);
    c->package = package;
    if (QuerySecurityPackageInfoA((SEC_CHAR *)package, &info) != SEC_E_OK) return -1;
    c->max_token = info->cbMaxToken;
    FreeContextBuffer(info);
    SECURITY_STATUS st = AcquireCredentialsHandleA(NULL, (SEC_CHAR *)package, SECPKG_CRED_OUTBOUND,
                                                   NULL, &id, NULL, NULL, &c->client, &ts);
    if (st != SEC_E_OK) {
        fprintf(stderr, "  AcquireCredentialsHandleA(%s, OUTBOUND): 0x%08x\n", package, (unsigned)st);
        return -3;
    }
    st = AcquireCredentialsHandleA(NULL, (SEC_CHAR *)package, SECPKG_CRED_INBOUND, NULL, NULL, NULL,
                                   NULL, &c->server, &ts);
    if (st != SEC_E_OK) {
        fprintf(stderr, "  AcquireCredentialsHandleA(%s, INBOUND): 0x%08x\n", package, (unsigned)st);
        FreeCredentialsHandle(&c->client);
        return -3;
    }
    if (user_file) {
        st = SetCredentialsAttributesA(&c->server, SECPKG_CRED_ATTR_LIBSSPI_NTLM_USER_FILE,
                                       (void *)user_file, (ULONG)strlen(user_file) + 1);
    } else {
        LIBSSPI_NTLM_HASH_CALLBACK cb = {hash_callback, NULL};
        st = SetCredentialsAttributesA(&c->server, SECPKG_CRED_ATTR_LIBSSPI_NTLM_HASH_CALLBACK, &cb,
                                       sizeof cb);
    }
    if (st != SEC_E_OK) {
        fprintf(stderr, "  SetCredentialsAttributesA(%s): 0x%08x\n", package, (unsigned)st);
        FreeCredentialsHandle(&c->client);
        FreeCredentialsHandle(&c->server);
        return -2;
    }
    return 0;
}

static void release(side_creds *c) {
    FreeCredentialsHandle(&c->client);
    FreeCredentialsHandle(&c->server);
}

/* One full handshake with caller buffers; contexts left established. */
static void handshake(side_creds *c, unsigned char *buf_a, unsigned char *buf_b, CtxtHandle *cctx,
                      CtxtHandle *sctx, int *legs) {
    ULONG attrs;
    TimeStamp ts;
    unsigned char *tok = buf_a, *other = buf_b;
    ULONG tok_len = 0;
    int c_first = 1, s_first = 1, c_done = 0, s_done = 0, n = 0;
    for (;;) {
        SecBuffer in = {tok_len, SECBUFFER_TOKEN, tok}, out = {c->max_token, SECBUFFER_TOKEN, other};
        SecBufferDesc ind = {SECBUFFER_VERSION, 1, &in}, outd = {SECBUFFER_VERSION, 1, &out};
        if (!c_done) {
            SECURITY_STATUS st = InitializeSecurityContextA(
                &c->client, c_first ? NULL : cctx, (SEC_CHAR *)"host/bench.example", CLIENT_REQ, 0,
                SECURITY_NATIVE_DREP, c_first ? NULL : &ind, 0, cctx, &outd, &attrs, &ts);
            if (st != SEC_E_OK && st != SEC_I_CONTINUE_NEEDED) die("InitializeSecurityContextA", st);
            c_first = 0;
            c_done = st == SEC_E_OK;
            n++;
            unsigned char *t = tok;
            tok = other;
            other = t;
            tok_len = out.cbBuffer;
        }
        if (tok_len == 0) {
            if (c_done && s_done) break;
            die("handshake (no token to send)", 0);
        }
        in = (SecBuffer){tok_len, SECBUFFER_TOKEN, tok};
        out = (SecBuffer){c->max_token, SECBUFFER_TOKEN, other};
        SECURITY_STATUS st = AcceptSecurityContext(&c->server, s_first ? NULL : sctx, &ind,
                                                   SERVER_REQ, SECURITY_NATIVE_DREP, sctx, &outd,
                                                   &attrs, &ts);
        if (st != SEC_E_OK && st != SEC_I_CONTINUE_NEEDED) die("AcceptSecurityContext", st);
        s_first = 0;
        s_done = st == SEC_E_OK;
        n++;
        unsigned char *t = tok;
        tok = other;
        other = t;
        tok_len = out.cbBuffer;
        if (tok_len == 0) {
            if (c_done && s_done) break;
            die("handshake (server produced no token)", 0);
        }
        if (c_done) { /* a last server token for the client (e.g. SPNEGO MIC) */
            in = (SecBuffer){tok_len, SECBUFFER_TOKEN, tok};
            out = (SecBuffer){c->max_token, SECBUFFER_TOKEN, other};
            st = InitializeSecurityContextA(&c->client, cctx, (SEC_CHAR *)"host/bench.example",
                                            CLIENT_REQ, 0, SECURITY_NATIVE_DREP, &ind, 0, cctx,
                                            &outd, &attrs, &ts);
            if (st != SEC_E_OK) die("InitializeSecurityContextA (final)", st);
            n++;
            if (out.cbBuffer != 0) die("handshake (client token after completion)", 0);
            break;
        }
    }
    if (legs) *legs = n;
}

static void delete_pair(CtxtHandle *cctx, CtxtHandle *sctx) {
    SECURITY_STATUS st = DeleteSecurityContext(cctx);
    if (st != SEC_E_OK) die("DeleteSecurityContext(client)", st);
    st = DeleteSecurityContext(sctx);
    if (st != SEC_E_OK) die("DeleteSecurityContext(server)", st);
}

/* Wall time of one handshake (both contexts deleted), in ms. */
static double one_handshake_ms(side_creds *c) {
    unsigned char *a = malloc(c->max_token), *b = malloc(c->max_token);
    CtxtHandle cctx, sctx;
    if (!a || !b) exit(1);
    double t0 = now();
    handshake(c, a, b, &cctx, &sctx, NULL);
    delete_pair(&cctx, &sctx);
    double ms = (now() - t0) * 1e3;
    free(a);
    free(b);
    return ms;
}

static double bench_handshakes(side_creds *c, const char *label) {
    unsigned char *a = malloc(c->max_token), *b = malloc(c->max_token);
    CtxtHandle cctx, sctx;
    int legs = 0;
    if (!a || !b) exit(1);
    handshake(c, a, b, &cctx, &sctx, &legs); /* warm-up */
    delete_pair(&cctx, &sctx);
    meter m = {0};
    do {
        meter_start(&m);
        for (int i = 0; i < 20; i++) {
            handshake(c, a, b, &cctx, &sctx, NULL);
            delete_pair(&cctx, &sctx);
        }
        meter_stop(&m, 20);
    } while (m.wall < g_seconds);
    double rate = per_cpu(&m);
    printf("  %-40s %8.0f handshakes/s per core (%5.1f us CPU each; wall %8.0f/s), %d legs\n",
           label, rate, 1e6 / rate, per_wall(&m), legs);
    free(a);
    free(b);
    return rate;
}

static void count_allocations(side_creds *c, const char *label) {
    if (!BENCH_COUNT_ALLOCS) {
        printf("  %-44s (not counted: sanitizer build)\n", label);
        return;
    }
    unsigned char *a = malloc(c->max_token), *b = malloc(c->max_token);
    CtxtHandle cctx, sctx;
    if (!a || !b) exit(1);
    handshake(c, a, b, &cctx, &sctx, NULL); /* warm-up: one-time initialisation */
    delete_pair(&cctx, &sctx);
    const int rounds = 200;
    atomic_store(&g_allocs, 0);
    atomic_store(&g_counting, 1);
    for (int i = 0; i < rounds; i++) {
        handshake(c, a, b, &cctx, &sctx, NULL);
        delete_pair(&cctx, &sctx);
    }
    atomic_store(&g_counting, 0);
    printf("  %-44s %9.1f allocations/handshake (malloc+calloc+realloc)\n", label,
           (double)atomic_load(&g_allocs) / rounds);
    free(a);
    free(b);
}

/* ---- messages ------------------------------------------------------------ */

typedef struct msg_pair {
    unsigned char *a, *b;
    CtxtHandle cctx, sctx;
    SecPkgContext_Sizes sz;
} msg_pair;

static void pair_open(side_creds *c, msg_pair *p) {
    p->a = malloc(c->max_token);
    p->b = malloc(c->max_token);
    if (!p->a || !p->b) exit(1);
    handshake(c, p->a, p->b, &p->cctx, &p->sctx, NULL);
    SECURITY_STATUS st = QueryContextAttributesA(&p->cctx, SECPKG_ATTR_SIZES, &p->sz);
    if (st != SEC_E_OK) die("QueryContextAttributesA(SECPKG_ATTR_SIZES)", st);
    if (p->sz.cbMaxSignature > 16 || p->sz.cbSecurityTrailer > 16)
        die("unexpected signature size", 0);
}

static void pair_close(msg_pair *p) {
    delete_pair(&p->cctx, &p->sctx);
    free(p->a);
    free(p->b);
}

static void sign_verify(msg_pair *p, unsigned char *data, size_t size, unsigned char *sig) {
    SecBuffer mb[2] = {{(ULONG)size, SECBUFFER_DATA, data}, {16, SECBUFFER_TOKEN, sig}};
    SecBufferDesc md = {SECBUFFER_VERSION, 2, mb};
    SECURITY_STATUS st = MakeSignature(&p->cctx, 0, &md, 0);
    if (st != SEC_E_OK) die("MakeSignature", st);
    st = VerifySignature(&p->sctx, &md, 0, NULL);
    if (st != SEC_E_OK) die("VerifySignature", st);
}

static void encrypt1(msg_pair *p, unsigned char *work, size_t size, unsigned char *trailer) {
    SecBuffer eb[2] = {{16, SECBUFFER_TOKEN, trailer}, {(ULONG)size, SECBUFFER_DATA, work}};
    SecBufferDesc ed = {SECBUFFER_VERSION, 2, eb};
    SECURITY_STATUS st = EncryptMessage(&p->cctx, 0, &ed, 0);
    if (st != SEC_E_OK) die("EncryptMessage", st);
}

static void decrypt1(msg_pair *p, unsigned char *work, size_t size, unsigned char *trailer) {
    SecBuffer eb[2] = {{16, SECBUFFER_TOKEN, trailer}, {(ULONG)size, SECBUFFER_DATA, work}};
    SecBufferDesc ed = {SECBUFFER_VERSION, 2, eb};
    ULONG qop = 0;
    SECURITY_STATUS st = DecryptMessage(&p->sctx, &ed, 0, &qop);
    if (st != SEC_E_OK) die("DecryptMessage", st);
}

static void print_rate(const char *what, size_t size, const meter *m) {
    double r = per_cpu(m);
    printf("  %6zu B  %-16s %9.0f msg/s per core %8.1f MB/s   (wall %9.0f msg/s)\n", size, what,
           r, r * (double)size / 1e6, per_wall(m));
}

static void bench_messages(side_creds *c, size_t size) {
    msg_pair p;
    pair_open(c, &p);
    unsigned char *data = malloc(size), *work = malloc(size);
    unsigned char sig[16], trailer[16];
    if (!data || !work) exit(1);
    for (size_t i = 0; i < size; i++) data[i] = (unsigned char)(i * 7 + 1);

    meter m = {0};
    do {
        meter_start(&m);
        for (int i = 0; i < 256; i++) sign_verify(&p, data, size, sig);
        meter_stop(&m, 256);
    } while (m.wall < g_seconds);
    print_rate("sign+verify", size, &m);

    memset(&m, 0, sizeof m);
    do {
        meter_start(&m);
        for (int i = 0; i < 256; i++) {
            memcpy(work, data, size);
            encrypt1(&p, work, size, trailer);
            decrypt1(&p, work, size, trailer);
        }
        meter_stop(&m, 256);
    } while (m.wall < g_seconds);
    if (memcmp(work, data, size) != 0) die("DecryptMessage (wrong plain text)", 0);
    print_rate("encrypt+decrypt", size, &m);

    if (size == 64 && BENCH_COUNT_ALLOCS) { /* heap allocations per message pair */
        const int rounds = 1000;
        atomic_store(&g_allocs, 0);
        atomic_store(&g_counting, 1);
        for (int i = 0; i < rounds; i++) sign_verify(&p, data, size, sig);
        unsigned long sign_allocs = atomic_load(&g_allocs);
        atomic_store(&g_allocs, 0);
        for (int i = 0; i < rounds; i++) {
            memcpy(work, data, size);
            encrypt1(&p, work, size, trailer);
            decrypt1(&p, work, size, trailer);
        }
        atomic_store(&g_counting, 0);
        printf("          allocations: %.1f per sign+verify, %.1f per encrypt+decrypt\n",
               (double)sign_allocs / rounds, (double)atomic_load(&g_allocs) / rounds);
    }
    pair_close(&p);
    free(data);
    free(work);
}

/* EncryptMessage alone and DecryptMessage alone: a batch of messages is
 * sealed (timed for encryption), then the batch is unsealed in order on the
 * server context (timed for decryption). The plain text is restored before
 * each batch outside the timed part. */
static void bench_seal_alone(side_creds *c, size_t size) {
    const int batch = size >= 16384 ? 32 : 256;
    msg_pair p;
    pair_open(c, &p);
    unsigned char *data = malloc(size), *bufs = malloc(size * (size_t)batch);
    unsigned char(*trailers)[16] = malloc(16 * (size_t)batch);
    if (!data || !bufs || !trailers) exit(1);
    for (size_t i = 0; i < size; i++) data[i] = (unsigned char)(i * 7 + 1);
    meter enc = {0}, dec = {0};
    do {
        for (int i = 0; i < batch; i++) memcpy(bufs + (size_t)i * size, data, size);
        meter_start(&enc);
        for (int i = 0; i < batch; i++) encrypt1(&p, bufs + (size_t)i * size, size, trailers[i]);
        meter_stop(&enc, batch);
        meter_start(&dec);
        for (int i = 0; i < batch; i++) decrypt1(&p, bufs + (size_t)i * size, size, trailers[i]);
        meter_stop(&dec, batch);
    } while (enc.wall + dec.wall < 2 * g_seconds);
    if (memcmp(bufs + (size_t)(batch - 1) * size, data, size) != 0)
        die("DecryptMessage (wrong plain text)", 0);
    print_rate("EncryptMessage", size, &enc);
    print_rate("DecryptMessage", size, &dec);
    pair_close(&p);
    free(data);
    free(bufs);
    free(trailers);
}

/* --count N: fixed work for instruction-count profiles (not inlined, so
 * that callgrind --toggle-collect=profile_handshakes etc. can select them). */
__attribute__((noinline)) static void profile_handshakes(side_creds *c, long count) {
    for (long i = 0; i < count; i++) {
        CtxtHandle cctx, sctx;
        unsigned char *a = malloc(c->max_token), *b = malloc(c->max_token);
        if (!a || !b) exit(1);
        handshake(c, a, b, &cctx, &sctx, NULL);
        delete_pair(&cctx, &sctx);
        free(a);
        free(b);
    }
}

__attribute__((noinline)) static void profile_sign(msg_pair *p, long count) {
    unsigned char data[64], sig[16];
    memset(data, 0x5a, sizeof data);
    for (long i = 0; i < count; i++) sign_verify(p, data, sizeof data, sig);
}

__attribute__((noinline)) static void profile_seal(msg_pair *p, long count) {
    unsigned char data[64], work[64], trailer[16];
    memset(data, 0x5a, sizeof data);
    for (long i = 0; i < count; i++) {
        memcpy(work, data, sizeof data);
        encrypt1(p, work, sizeof work, trailer);
        decrypt1(p, work, sizeof work, trailer);
    }
}

static void profile_run(side_creds *c, long count) {
    msg_pair p;
    pair_open(c, &p); /* one-time initialisation outside the profiled functions */
    pair_close(&p);
    profile_handshakes(c, count);
    pair_open(c, &p);
    profile_sign(&p, count);
    profile_seal(&p, count);
    pair_close(&p);
}

/* ---- machine --------------------------------------------------------------- */

static void print_machine(int argc, char **argv) {
    char line[512], model[256] = "unknown";
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        while (fgets(line, sizeof line, f)) {
            if (strncmp(line, "model name", 10) == 0) {
                char *colon = strchr(line, ':');
                if (colon) {
                    colon++;
                    while (*colon == ' ' || *colon == '\t') colon++;
                    snprintf(model, sizeof model, "%s", colon);
                    model[strcspn(model, "\n")] = '\0';
                }
                break;
            }
        }
        fclose(f);
    }
    printf("machine: %s, nproc %ld\n", model, sysconf(_SC_NPROCESSORS_ONLN));
    printf("command:");
    for (int i = 0; i < argc; i++) printf(" %s", argv[i]);
    printf("\n");
}

int main(int argc, char **argv) {
    long profile_count = 0;
    if (argc > 2 && strcmp(argv[1], "--count") == 0) {
        profile_count = atol(argv[2]);
        if (profile_count <= 0) {
            fprintf(stderr, "usage: bench_ntlm --count N (N > 0)\n");
            return 2;
        }
    } else if (argc > 1) {
        g_seconds = atof(argv[1]);
        if (g_seconds <= 0 || g_seconds > 10) {
            fprintf(stderr, "usage: bench_ntlm [SECONDS_PER_MEASUREMENT (0 < s <= 10)]\n");
            return 2;
        }
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    print_machine(argc, argv);
    double t_start = now();

    char dir[] = "/tmp/bench_ntlm.XXXXXX", users[64];
    if (!mkdtemp(dir)) return 1;
    snprintf(users, sizeof users, "%s/users", dir);
    FILE *uf = fopen(users, "w");
    if (!uf) return 1;
    fprintf(uf, "%s:%s:%s\n", DOMAIN, USER, PASSWORD);
    fclose(uf);
    double t_file = now();

    side_creds cb, file;
    if (acquire(&cb, "NTLM", NULL) != 0) die("NTLM credentials (hash callback)", 0);
    if (acquire(&file, "NTLM", users) != 0) die("NTLM credentials (account file)", 0);

    if (profile_count > 0) {
        profile_run(getenv("BENCH_NTLM_FILE") ? &file : &cb, profile_count);
        release(&cb);
        release(&file);
        unlink(users);
        rmdir(dir);
        return 0;
    }

    printf("\n(a) handshakes, in process, one thread (NEGOTIATE/CHALLENGE/AUTHENTICATE, "
           "NTLMv2):\n");
    double raw_cb = bench_handshakes(&cb, "NTLM, accounts from the hash callback");
    /* The acceptor caches an account file only once it is two seconds old
     * (ntlm_userdb.h): measure the steady state of a file that exists. */
    if (now() - t_file < 2.2) usleep((useconds_t)((2.2 - (now() - t_file)) * 1e6));
    double raw_file = bench_handshakes(&file, "NTLM, accounts from the account file");

    printf("\n(b) heap allocations per full handshake (client + server, incl. delete):\n");
    count_allocations(&cb, "NTLM, hash callback");
    count_allocations(&file, "NTLM, account file");

    printf("\n(c) messages, one thread (client -> server, one context pair; a pair is one\n"
           "    client call and one server call):\n");
    bench_messages(&cb, 64);
    bench_messages(&cb, 1024);
    bench_messages(&cb, 16384);
    printf("\n(d) EncryptMessage alone and DecryptMessage alone, one thread:\n");
    bench_seal_alone(&cb, 64);
    bench_seal_alone(&cb, 1024);
    bench_seal_alone(&cb, 16384);

    printf("\nNegotiate:\n");
    side_creds nego;
    int rc = acquire(&nego, "Negotiate", NULL);
    if (rc == -1) {
        printf("  skipped: no \"Negotiate\" package is registered in this build\n");
    } else {
        bool with_file = rc == -2;
        if (rc == -2) /* the hash callback is NTLM's: fall back to the account file */
            rc = acquire(&nego, "Negotiate", users);
        if (rc != 0) {
            printf("  skipped: Negotiate is registered but its credentials are unusable here\n");
        } else {
            /* The first handshake pays for the Kerberos attempt (the realm
             * BENCH has no KDC: krb5.conf, then DNS SRV); the KDC negative
             * cache makes the later ones go straight to NTLM. */
            printf("  %-40s %8.1f ms (Kerberos attempt, then NTLM)\n", "first handshake",
                   one_handshake_ms(&nego));
            double n = bench_handshakes(&nego, "Negotiate (NTLM inside)");
            double raw = with_file ? raw_file : raw_cb;
            printf("  %-40s %8.0f vs %.0f handshakes/s per core (%.0f%% of raw NTLM, %s)\n",
                   "Negotiate(NTLM) vs raw NTLM", n, raw, raw > 0 ? 100.0 * n / raw : 0.0,
                   with_file ? "account file" : "hash callback");
            count_allocations(&nego, "Negotiate (NTLM inside)");
            release(&nego);
        }
    }

    release(&cb);
    release(&file);
    unlink(users);
    rmdir(dir);
    printf("\ntotal time: %.1f s\n", now() - t_start);
    return 0;
}
