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
 *   (c) sign+verify and encrypt+decrypt messages per second and MB/s at
 *       64 B, 1 KiB and 16 KiB;
 *   and a Negotiate(NTLM) handshake figure when "Negotiate" is registered.
 * Runs for about 15 s.
 *
 *   bench_ntlm [SECONDS_PER_MEASUREMENT]   (default 1.0)
 */
#define SECURITY_WIN32
#include <security.h>

#include <stdatomic.h>
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

static double bench_handshakes(side_creds *c, const char *label) {
    unsigned char *a = malloc(c->max_token), *b = malloc(c->max_token);
    CtxtHandle cctx, sctx;
    int legs = 0;
    if (!a || !b) exit(1);
    handshake(c, a, b, &cctx, &sctx, &legs); /* warm-up */
    delete_pair(&cctx, &sctx);
    long n = 0;
    double t0 = now(), t;
    do {
        for (int i = 0; i < 20; i++) {
            handshake(c, a, b, &cctx, &sctx, NULL);
            delete_pair(&cctx, &sctx);
        }
        n += 20;
        t = now() - t0;
    } while (t < g_seconds);
    double rate = (double)n / t;
    printf("  %-44s %9.0f handshakes/s  (%6.1f us each, %d legs)\n", label, rate, 1e6 / rate,
           legs);
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

static void bench_messages(side_creds *c, size_t size) {
    unsigned char *a = malloc(c->max_token), *b = malloc(c->max_token);
    unsigned char *data = malloc(size), *work = malloc(size);
    CtxtHandle cctx, sctx;
    if (!a || !b || !data || !work) exit(1);
    for (size_t i = 0; i < size; i++) data[i] = (unsigned char)(i * 7 + 1);
    handshake(c, a, b, &cctx, &sctx, NULL);
    SecPkgContext_Sizes sz;
    SECURITY_STATUS st = QueryContextAttributesA(&cctx, SECPKG_ATTR_SIZES, &sz);
    if (st != SEC_E_OK) die("QueryContextAttributesA(SECPKG_ATTR_SIZES)", st);
    unsigned char sig[64], trailer[64];
    if (sz.cbMaxSignature > sizeof sig || sz.cbSecurityTrailer > sizeof trailer)
        die("unexpected signature size", 0);

    long n = 0;
    double t0 = now(), t;
    do {
        for (int i = 0; i < 256; i++) {
            SecBuffer mb[2] = {{(ULONG)size, SECBUFFER_DATA, data},
                               {sz.cbMaxSignature, SECBUFFER_TOKEN, sig}};
            SecBufferDesc md = {SECBUFFER_VERSION, 2, mb};
            st = MakeSignature(&cctx, 0, &md, 0);
            if (st != SEC_E_OK) die("MakeSignature", st);
            st = VerifySignature(&sctx, &md, 0, NULL);
            if (st != SEC_E_OK) die("VerifySignature", st);
        }
        n += 256;
        t = now() - t0;
    } while (t < g_seconds);
    double sign_rate = (double)n / t;

    n = 0;
    t0 = now();
    do {
        for (int i = 0; i < 256; i++) {
            memcpy(work, data, size);
            SecBuffer eb[2] = {{sz.cbSecurityTrailer, SECBUFFER_TOKEN, trailer},
                               {(ULONG)size, SECBUFFER_DATA, work}};
            SecBufferDesc ed = {SECBUFFER_VERSION, 2, eb};
            st = EncryptMessage(&cctx, 0, &ed, 0);
            if (st != SEC_E_OK) die("EncryptMessage", st);
            ULONG qop = 0;
            st = DecryptMessage(&sctx, &ed, 0, &qop);
            if (st != SEC_E_OK) die("DecryptMessage", st);
        }
        n += 256;
        t = now() - t0;
    } while (t < g_seconds);
    double seal_rate = (double)n / t;
    if (memcmp(work, data, size) != 0) die("DecryptMessage (wrong plain text)", 0);

    printf("  %6zu B  sign+verify %9.0f msg/s %8.1f MB/s   encrypt+decrypt %9.0f msg/s %8.1f MB/s\n",
           size, sign_rate, sign_rate * (double)size / 1e6, seal_rate,
           seal_rate * (double)size / 1e6);

    if (size == 64 && BENCH_COUNT_ALLOCS) { /* heap allocations per message pair */
        const int rounds = 1000;
        atomic_store(&g_allocs, 0);
        atomic_store(&g_counting, 1);
        for (int i = 0; i < rounds; i++) {
            SecBuffer mb[2] = {{(ULONG)size, SECBUFFER_DATA, data},
                               {sz.cbMaxSignature, SECBUFFER_TOKEN, sig}};
            SecBufferDesc md = {SECBUFFER_VERSION, 2, mb};
            if (MakeSignature(&cctx, 0, &md, 0) != SEC_E_OK ||
                VerifySignature(&sctx, &md, 0, NULL) != SEC_E_OK)
                die("MakeSignature/VerifySignature", 0);
        }
        unsigned long sign_allocs = atomic_load(&g_allocs);
        atomic_store(&g_allocs, 0);
        for (int i = 0; i < rounds; i++) {
            memcpy(work, data, size);
            SecBuffer eb[2] = {{sz.cbSecurityTrailer, SECBUFFER_TOKEN, trailer},
                               {(ULONG)size, SECBUFFER_DATA, work}};
            SecBufferDesc ed = {SECBUFFER_VERSION, 2, eb};
            ULONG qop = 0;
            if (EncryptMessage(&cctx, 0, &ed, 0) != SEC_E_OK ||
                DecryptMessage(&sctx, &ed, 0, &qop) != SEC_E_OK)
                die("EncryptMessage/DecryptMessage", 0);
        }
        atomic_store(&g_counting, 0);
        printf("          allocations: %.1f per sign+verify, %.1f per encrypt+decrypt\n",
               (double)sign_allocs / rounds, (double)atomic_load(&g_allocs) / rounds);
    }
    delete_pair(&cctx, &sctx);
    free(a);
    free(b);
    free(data);
    free(work);
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
    if (argc > 1) {
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

    side_creds cb, file;
    if (acquire(&cb, "NTLM", NULL) != 0) die("NTLM credentials (hash callback)", 0);
    if (acquire(&file, "NTLM", users) != 0) die("NTLM credentials (account file)", 0);

    printf("\n(a) handshakes, in process (NEGOTIATE/CHALLENGE/AUTHENTICATE, NTLMv2):\n");
    bench_handshakes(&cb, "NTLM, accounts from the hash callback");
    bench_handshakes(&file, "NTLM, accounts from the account file");

    printf("\n(b) heap allocations per full handshake (client + server, incl. delete):\n");
    count_allocations(&cb, "NTLM, hash callback");
    count_allocations(&file, "NTLM, account file");

    printf("\n(c) messages (client -> server, one context pair):\n");
    bench_messages(&cb, 64);
    bench_messages(&cb, 1024);
    bench_messages(&cb, 16384);

    printf("\nNegotiate:\n");
    side_creds nego;
    int rc = acquire(&nego, "Negotiate", NULL);
    if (rc == -1) {
        printf("  skipped: no \"Negotiate\" package is registered in this build\n");
    } else {
        if (rc == -2) /* the hash callback is NTLM's: fall back to the account file */
            rc = acquire(&nego, "Negotiate", users);
        if (rc != 0) {
            printf("  skipped: Negotiate is registered but its credentials are unusable here\n");
        } else {
            bench_handshakes(&nego, "Negotiate (NTLM inside)");
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
