/*
 * Asynchronous Kerberos at scale (run by tests/interop/async_krb5.sh, which
 * sets up the realm; without its environment this program only says so and
 * exits 0).
 *
 * Setup (the script): a private MIT KDC behind a relay that adds
 * SSPI_AKRB_DELAY_MS (200) to every KDC exchange, and SSPI_AKRB_USERS
 * distinct users (PREFIX0..PREFIXn-1, password PREFIX-pw-<i>, pre-
 * authentication required, as Active Directory does).
 *
 * Two scenarios, every user with her own credential and so her own ticket
 * cache (no service ticket is shared: each authentication makes its own
 * KDC round trips):
 *   logon:  what a front end does for a user logging in with a password:
 *           AcquireCredentialsHandle(Kerberos, user + password) -> ISC (AS
 *           exchange with its pre-authentication round trip, then TGS for
 *           host/localhost) -> AcceptSecurityContext in process (keytab) ->
 *           ISC (mutual authentication): 3 KDC round trips, 600 ms added;
 *   ticket: the same users' credentials again, TGT now cached (a front end
 *           holding its users' logons) -> ISC (TGS for HTTP/akrb<level>, a
 *           service none of them has a ticket for) -> ASC -> ISC: 1 round
 *           trip, 200 ms added.
 *
 * Measured, per scenario:
 *   - asynchronous API (SspiAcquireCredentialsHandleAsyncA,
 *     SspiInitializeSecurityContextAsyncA, SspiAcceptSecurityContextAsync,
 *     chained from the notify callbacks): 10 authentications one after the
 *     other (1 in flight: the latency of one), then 100 and 1000 started at
 *     once: authentications/s, p50/p99 latency, peak thread count;
 *   - the synchronous API, one authentication at a time, for
 *     SSPI_AKRB_SYNC (20) authentications, extrapolated to 1000.
 * Checks (exit 1 when violated): every authentication succeeds; the 1000
 * ticket authentications complete within SSPI_AKRB_MAX_FACTOR (10) times
 * one authentication's latency (the logon scenario is CPU-bound on small
 * machines - PBKDF2 password-to-key per user - and only reported); the
 * thread count stays at most workers + 8; async beats the extrapolated
 * synchronous time by at least 10x in both scenarios.
 *
 * Environment: SSPI_AKRB_USERS (number of users), SSPI_AKRB_PREFIX,
 * SSPI_AKRB_REALM, SSPI_AKRB_TARGET (host/localhost@REALM, logon),
 * SSPI_AKRB_SERVICE_PREFIX (HTTP/akrb, ticket),
 * SSPI_AKRB_PACKAGE (Kerberos; or Negotiate), SSPI_AKRB_LEVELS ("1,100,1000"),
 * SSPI_AKRB_SYNC (20), SSPI_AKRB_DELAY_MS (for the report only).
 */
#define SECURITY_WIN32
#include <libsspi.h>
#include <security.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "async/async_io.h"
#include "async/async_pool.h"
#include "packages/kerberos/krb5_glue.h"
#include "packages/package.h"
#include <libsspi_kerberos.h>

/* A static link pulls packages in only when referenced (weak registry). */
extern const sspi_package sspi_kerberos_package;
extern const sspi_package sspi_negotiate_package;
extern const sspi_package sspi_ntlm_package;
const sspi_package *const test_akrb_refs[] = {&sspi_kerberos_package, &sspi_negotiate_package,
                                              &sspi_ntlm_package};

#define CREQ (ISC_REQ_MUTUAL_AUTH | ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | \
              ISC_REQ_CONNECTION)
#define SREQ (ASC_REQ_MUTUAL_AUTH | ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY | \
              ASC_REQ_CONNECTION)
#define TOKEN_MAX 12288

static long g_users;
static const char *g_prefix, *g_realm, *g_target, *g_package, *g_svc_prefix;
static CredHandle g_server;
/* Credentials kept from the largest logon level (TGT in their cache). */
static CredHandle *g_creds;
static int *g_have;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int thread_count(void) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    int n = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "Threads: %d", &n) == 1) break;
    fclose(f);
    return n;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* A user's identity (strings owned by the struct). */
typedef struct ident {
    char user[64], password[64];
    SEC_WINNT_AUTH_IDENTITY_A id;
} ident;

static void ident_set(ident *d, long i) {
    snprintf(d->user, sizeof d->user, "%s%ld", g_prefix, i);
    snprintf(d->password, sizeof d->password, "%s-pw-%ld", g_prefix, i);
    d->id.User = (unsigned char *)d->user;
    d->id.UserLength = (ULONG)strlen(d->user);
    d->id.Domain = (unsigned char *)g_realm;
    d->id.DomainLength = (ULONG)strlen(g_realm);
    d->id.Password = (unsigned char *)d->password;
    d->id.PasswordLength = (ULONG)strlen(d->password);
    d->id.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
}

/* ---- asynchronous ------------------------------------------------------ */

typedef struct run {
    bool logon;          /* acquire a password credential first */
    bool keep;           /* logon: keep the credential in g_creds[user] */
    const char *target;
    long total;
    atomic_long started, recorded, failed, next_user;
    long finished; /* m */
    double *lat;
    atomic_uint first_error;
    pthread_mutex_t m;
    pthread_cond_t c;
} run;

typedef struct slot {
    run *r;
    SspiAsyncContext *ca, *sa;
    ident who;
    long user;
    CredHandle cred;
    TimeStamp ts;
    int have_cred, have_c, have_s, c_done, s_done;
    CtxtHandle cctx, sctx;
    ULONG attrs;
    uint8_t buf[2][TOKEN_MAX];
    int cur; /* buf[cur] holds the last token */
    SecBuffer ib, ob;
    SecBufferDesc id, od;
    double t0;
} slot;

static void slot_start(slot *s);

static void slot_done(slot *s, int ok, SECURITY_STATUS st) {
    run *r = s->r;
    if (s->have_c) DeleteSecurityContext(&s->cctx);
    if (s->have_s) DeleteSecurityContext(&s->sctx);
    if (s->have_cred && r->logon) {
        if (r->keep && ok) {
            g_creds[s->user] = s->cred;
            g_have[s->user] = 1;
        } else {
            FreeCredentialsHandle(&s->cred);
        }
    }
    s->have_c = s->have_s = s->have_cred = 0;
    long i = atomic_fetch_add(&r->recorded, 1);
    r->lat[i] = ok ? now_s() - s->t0 : -1;
    if (!ok) {
        atomic_fetch_add(&r->failed, 1);
        unsigned zero = 0;
        atomic_compare_exchange_strong(&r->first_error, &zero, (unsigned)st);
    }
    if (atomic_fetch_add(&r->started, 1) < r->total) slot_start(s);
    pthread_mutex_lock(&r->m);
    if (++r->finished == r->total) pthread_cond_broadcast(&r->c);
    pthread_mutex_unlock(&r->m);
}

static void set_bufs(slot *s, ULONG in_len) {
    s->ib = (SecBuffer){in_len, SECBUFFER_TOKEN, s->buf[s->cur]};
    s->ob = (SecBuffer){TOKEN_MAX, SECBUFFER_TOKEN, s->buf[1 - s->cur]};
    s->id = (SecBufferDesc){SECBUFFER_VERSION, 1, &s->ib};
    s->od = (SecBufferDesc){SECBUFFER_VERSION, 1, &s->ob};
}

static void client_step(slot *s, ULONG in_len) {
    set_bufs(s, in_len);
    SECURITY_STATUS st = SspiInitializeSecurityContextAsyncA(
        s->ca, &s->cred, s->have_c ? &s->cctx : NULL, (char *)s->r->target, CREQ, 0,
        SECURITY_NATIVE_DREP, in_len ? &s->id : NULL, 0, &s->cctx, &s->od, &s->attrs, NULL);
    if (st != SEC_E_OK) slot_done(s, 0, st);
}

static void server_step(slot *s, ULONG in_len) {
    set_bufs(s, in_len);
    SECURITY_STATUS st = SspiAcceptSecurityContextAsync(
        s->sa, &g_server, s->have_s ? &s->sctx : NULL, &s->id, SREQ, SECURITY_NATIVE_DREP,
        &s->sctx, &s->od, &s->attrs, NULL);
    if (st != SEC_E_OK) slot_done(s, 0, st);
}

static void slot_start(slot *s) {
    long u = atomic_fetch_add(&s->r->next_user, 1) % g_users;
    s->user = u;
    s->c_done = s->s_done = 0;
    s->cur = 0;
    s->t0 = now_s();
    if (!s->r->logon) { /* an existing credential (TGT cached) */
        if (!g_have[u]) {
            slot_done(s, 0, SEC_E_NO_CREDENTIALS);
            return;
        }
        s->cred = g_creds[u];
        s->have_cred = 1;
        client_step(s, 0);
        return;
    }
    ident_set(&s->who, u);
    SECURITY_STATUS st = SspiAcquireCredentialsHandleAsyncA(
        s->ca, NULL, (char *)g_package, SECPKG_CRED_OUTBOUND, NULL, &s->who.id, NULL, NULL,
        &s->cred, &s->ts);
    if (st != SEC_E_OK) slot_done(s, 0, st);
}

/* Both async contexts report here; the phase tells which call ended. */
static void client_cb(SspiAsyncContext *h, void *arg) {
    slot *s = arg;
    SECURITY_STATUS st = SspiGetAsyncCallStatus(h);
    if (!s->have_cred) { /* AcquireCredentialsHandle */
        if (st != SEC_E_OK) {
            slot_done(s, 0, st);
            return;
        }
        s->have_cred = 1;
        client_step(s, 0);
        return;
    }
    if (st != SEC_E_OK && st != SEC_I_CONTINUE_NEEDED) {
        slot_done(s, 0, st);
        return;
    }
    s->have_c = 1;
    s->c_done = st == SEC_E_OK;
    ULONG out = s->ob.cbBuffer;
    s->cur = 1 - s->cur;
    if (out && !s->s_done) {
        server_step(s, out);
    } else if (s->c_done && s->s_done) {
        slot_done(s, 1, 0);
    } else {
        slot_done(s, 0, SEC_E_INTERNAL_ERROR);
    }
}

static void server_cb(SspiAsyncContext *h, void *arg) {
    slot *s = arg;
    SECURITY_STATUS st = SspiGetAsyncCallStatus(h);
    if (st != SEC_E_OK && st != SEC_I_CONTINUE_NEEDED) {
        slot_done(s, 0, st);
        return;
    }
    s->have_s = 1;
    s->s_done = st == SEC_E_OK;
    ULONG out = s->ob.cbBuffer;
    s->cur = 1 - s->cur;
    if (out && !s->c_done) {
        client_step(s, out);
    } else if (s->c_done && s->s_done) {
        slot_done(s, 1, 0);
    } else {
        slot_done(s, 0, SEC_E_INTERNAL_ERROR);
    }
}

typedef struct level_result {
    double elapsed, p50, p99, rate;
    long failed;
    int threads;
} level_result;

static level_result level(bool logon, bool keep, const char *target, int parallel, long total) {
    run r;
    memset(&r, 0, sizeof r);
    r.logon = logon;
    r.keep = keep;
    r.target = target;
    r.total = total;
    r.lat = calloc((size_t)total, sizeof *r.lat);
    pthread_mutex_init(&r.m, NULL);
    pthread_cond_init(&r.c, NULL);
    if (parallel > total) parallel = (int)total;
    slot *slots = calloc((size_t)parallel, sizeof *slots);
    if (!r.lat || !slots) exit(1);
    for (int i = 0; i < parallel; i++) {
        slot *s = &slots[i];
        s->r = &r;
        s->ca = SspiCreateAsyncContext();
        s->sa = SspiCreateAsyncContext();
        if (!s->ca || !s->sa) exit(1);
        SspiSetAsyncNotifyCallback(s->ca, client_cb, s);
        SspiSetAsyncNotifyCallback(s->sa, server_cb, s);
    }
    double t0 = now_s();
    atomic_store(&r.started, parallel);
    for (int i = 0; i < parallel; i++) slot_start(&slots[i]);
    int peak = thread_count();
    pthread_mutex_lock(&r.m);
    while (r.finished < total) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 20 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&r.c, &r.m, &ts);
        int t = thread_count();
        if (t > peak) peak = t;
    }
    pthread_mutex_unlock(&r.m);
    level_result res;
    res.elapsed = now_s() - t0;
    qsort(r.lat, (size_t)total, sizeof *r.lat, cmp_double);
    res.failed = atomic_load(&r.failed);
    const double *ok = r.lat + res.failed; /* failures sort first (-1) */
    long n = total - res.failed;
    res.p50 = n ? ok[n / 2] : 0;
    res.p99 = n ? ok[(n * 99) / 100] : 0;
    res.rate = (double)total / res.elapsed;
    res.threads = peak;
    printf("  %-6s async %4d in flight: %6.1f auth/s  p50 %6.1f ms  p99 %6.1f ms  total %5.2f s"
           "  (%ld auths, %ld failed, peak %d threads)\n",
           logon ? "logon" : "ticket", parallel, res.rate, res.p50 * 1000, res.p99 * 1000, res.elapsed, total, res.failed,
           peak);
    if (res.failed)
        printf("    first failure: 0x%08x\n", (unsigned)atomic_load(&r.first_error));
    fflush(stdout);
    for (int i = 0; i < parallel; i++) {
        SspiFreeAsyncContext(slots[i].ca);
        SspiFreeAsyncContext(slots[i].sa);
    }
    free(slots);
    free(r.lat);
    return res;
}

/* ---- synchronous --------------------------------------------------------- */

/* logon: a new password credential (freed after); else the kept one. */
static SECURITY_STATUS sync_auth(bool logon, long u, const char *target) {
    CredHandle cred;
    SECURITY_STATUS st;
    if (logon) {
        ident who;
        ident_set(&who, u);
        TimeStamp ts;
        st = AcquireCredentialsHandleA(NULL, (char *)g_package, SECPKG_CRED_OUTBOUND, NULL,
                                       &who.id, NULL, NULL, &cred, &ts);
        if (st != SEC_E_OK) return st;
    } else {
        if (!g_have[u]) return SEC_E_NO_CREDENTIALS;
        cred = g_creds[u];
    }
    static uint8_t buf[2][TOKEN_MAX];
    CtxtHandle cctx, sctx;
    int have_c = 0, have_s = 0, c_done = 0, s_done = 0, cur = 0;
    ULONG in_len = 0, attrs;
    for (int round = 0; round < 8 && !(c_done && s_done); round++) {
        SecBuffer ib = {in_len, SECBUFFER_TOKEN, buf[cur]};
        SecBuffer ob = {TOKEN_MAX, SECBUFFER_TOKEN, buf[1 - cur]};
        SecBufferDesc id = {SECBUFFER_VERSION, 1, &ib}, od = {SECBUFFER_VERSION, 1, &ob};
        if (round % 2 == 0) {
            st = InitializeSecurityContextA(&cred, have_c ? &cctx : NULL, (char *)target, CREQ,
                                            0, SECURITY_NATIVE_DREP, in_len ? &id : NULL, 0,
                                            &cctx, &od, &attrs, NULL);
            if (st != SEC_E_OK && st != SEC_I_CONTINUE_NEEDED) break;
            have_c = 1;
            c_done = st == SEC_E_OK;
        } else {
            st = AcceptSecurityContext(&g_server, have_s ? &sctx : NULL, &id, SREQ,
                                       SECURITY_NATIVE_DREP, &sctx, &od, &attrs, NULL);
            if (st != SEC_E_OK && st != SEC_I_CONTINUE_NEEDED) break;
            have_s = 1;
            s_done = st == SEC_E_OK;
        }
        in_len = ob.cbBuffer;
        cur = 1 - cur;
        if (!in_len && !(c_done && s_done)) {
            st = SEC_E_INTERNAL_ERROR;
            break;
        }
    }
    if (have_c) DeleteSecurityContext(&cctx);
    if (have_s) DeleteSecurityContext(&sctx);
    if (logon) FreeCredentialsHandle(&cred);
    return (c_done && s_done) ? SEC_E_OK : (st == SEC_E_OK ? SEC_E_INTERNAL_ERROR : st);
}

/* Cancellation of calls suspended on the network: 50 ISC calls (fresh
 * password credentials: AS exchange in flight at the relay) freed or
 * reinitialised after 100 ms. Nothing may run or leak afterwards (the
 * suspended state - krb5 step context, partial context - is freed by the
 * async layer; ASan/LSan builds check the leaks). */
static int cancel_check(void) {
    enum { N = 50 };
    static CredHandle cred[N];
    static CtxtHandle ctx[N];
    static ULONG attrs[N];
    static uint8_t out[N][TOKEN_MAX];
    static SecBuffer ob[N];
    static SecBufferDesc od[N];
    SspiAsyncContext *ac[N];
    int fails = 0;
    for (int i = 0; i < N; i++) {
        ident who;
        ident_set(&who, i);
        TimeStamp ts;
        if (AcquireCredentialsHandleA(NULL, (char *)g_package, SECPKG_CRED_OUTBOUND, NULL,
                                      &who.id, NULL, NULL, &cred[i], &ts) != SEC_E_OK)
            return 1;
        ac[i] = SspiCreateAsyncContext();
        ob[i] = (SecBuffer){TOKEN_MAX, SECBUFFER_TOKEN, out[i]};
        od[i] = (SecBufferDesc){SECBUFFER_VERSION, 1, &ob[i]};
        if (!ac[i] || SspiInitializeSecurityContextAsyncA(
                          ac[i], &cred[i], NULL, (char *)g_target, CREQ, 0,
                          SECURITY_NATIVE_DREP, NULL, 0, &ctx[i], &od[i], &attrs[i],
                          NULL) != SEC_E_OK)
            return 1;
    }
    usleep(100 * 1000);
    int pending = 0;
    for (int i = 0; i < N; i++) {
        if (SspiGetAsyncCallStatus(ac[i]) == SEC_I_ASYNC_CALL_PENDING) pending++;
        if (i % 2)
            SspiFreeAsyncContext(ac[i]);
        else
            (void)SspiReinitAsyncContext(ac[i]);
    }
    usleep(400 * 1000); /* the loop and the workers drop the cancelled calls */
    for (int i = 0; i < N; i++) {
        if (i % 2 == 0) {
            if (SspiGetAsyncCallStatus(ac[i]) != SEC_E_OK) fails++; /* reinit: idle */
            SspiFreeAsyncContext(ac[i]);
        }
        if (ob[i].cbBuffer != TOKEN_MAX) fails++; /* no output after cancellation */
        FreeCredentialsHandle(&cred[i]);
    }
    printf("  cancel: %d ISC calls cancelled while waiting for the KDC (%d pending at the "
           "time): %s\n",
           N, pending, fails ? "FAIL" : "ok");
    return fails || pending < N / 2;
}

/* Delegation through the asynchronous API: a password credential whose TGT
 * is already there (a synchronous ISC to HTTP/localhost, not ok-as-delegate:
 * nothing delegated) -> SspiInitializeSecurityContextAsyncA(host/localhost,
 * ok-as-delegate, ISC_REQ_DELEGATE): two KDC exchanges, the TGS one for the
 * service ticket, then the one for the forwarded TGT, both on the event
 * loop with the call suspended (SEC_I_ASYNC_CALL_PENDING). Had either run
 * on a worker (blocking), the loop would have been busy for one relay delay
 * only: it must be busy for at least two. Then AcceptSecurityContext in
 * process: ASC_RET_DELEGATE, and the delegated ccache holds the user's
 * TGT with the FORWARDED flag. */
static int deleg_check(long delay_ms) {
    const long u = 0;
    ident who;
    ident_set(&who, u);
    CredHandle cred;
    TimeStamp ts;
    int fails = 0;
    if (AcquireCredentialsHandleA(NULL, (char *)g_package, SECPKG_CRED_OUTBOUND, NULL, &who.id,
                                  NULL, NULL, &cred, &ts) != SEC_E_OK)
        return 1;
    static uint8_t buf[2][TOKEN_MAX];
    char target[256];
    snprintf(target, sizeof target, "HTTP/localhost@%s", g_realm);
    CtxtHandle cctx, sctx;
    ULONG cattrs = 0, sattrs = 0;
    SecBuffer ib = {0, SECBUFFER_TOKEN, buf[0]}, ob = {TOKEN_MAX, SECBUFFER_TOKEN, buf[1]};
    SecBufferDesc id = {SECBUFFER_VERSION, 1, &ib}, od = {SECBUFFER_VERSION, 1, &ob};
    SECURITY_STATUS st = InitializeSecurityContextA(&cred, NULL, target, CREQ, 0,
                                                    SECURITY_NATIVE_DREP, NULL, 0, &cctx, &od,
                                                    &cattrs, NULL);
    if (st != SEC_I_CONTINUE_NEEDED) {
        printf("  delegation: the TGT (synchronous ISC to %s): 0x%08x\n", target,
               (unsigned)st);
        FreeCredentialsHandle(&cred);
        return 1;
    }
    DeleteSecurityContext(&cctx);
    for (int i = 0; i < 200 && sspi_io_active() > 0; i++) usleep(10 * 1000);

    snprintf(target, sizeof target, "host/localhost@%s", g_realm);
    SspiAsyncContext *ac = SspiCreateAsyncContext();
    if (!ac) return 1;
    ob = (SecBuffer){TOKEN_MAX, SECBUFFER_TOKEN, buf[1]};
    double t0 = now_s(), busy = 0, last = t0;
    st = SspiInitializeSecurityContextAsyncA(ac, &cred, NULL, target,
                                             CREQ | ISC_REQ_DELEGATE, 0, SECURITY_NATIVE_DREP,
                                             NULL, 0, &cctx, &od, &cattrs, NULL);
    int pending = 0;
    while (st == SEC_E_OK) {
        SECURITY_STATUS cs = SspiGetAsyncCallStatus(ac);
        double t = now_s();
        if (sspi_io_active() > 0) busy += t - last; /* an exchange on the loop */
        last = t;
        if (cs != SEC_I_ASYNC_CALL_PENDING) {
            st = cs;
            break;
        }
        pending = 1;
        if (t - t0 > 30) {
            st = SEC_E_INTERNAL_ERROR;
            break;
        }
        usleep(1000);
    }
    double elapsed = now_s() - t0;
    SspiFreeAsyncContext(ac);
    int delegated = 0, forwarded = 0;
    if (st == SEC_I_CONTINUE_NEEDED) {
        ib = (SecBuffer){ob.cbBuffer, SECBUFFER_TOKEN, buf[1]};
        ob = (SecBuffer){TOKEN_MAX, SECBUFFER_TOKEN, buf[0]};
        SECURITY_STATUS ss = AcceptSecurityContext(&g_server, NULL, &id, SREQ, SECURITY_NATIVE_DREP,
                                                   &sctx, &od, &sattrs, NULL);
        if (ss == SEC_E_OK) {
            delegated = (sattrs & ASC_RET_DELEGATE) != 0;
            SecPkgContext_LibsspiStringA dc = {0};
            if (QueryContextAttributesA(&sctx, SECPKG_ATTR_LIBSSPI_KRB5_DELEGATED_CCACHE, &dc) ==
                SEC_E_OK) {
                /* The user's TGT, FORWARDED (white box: the glue). */
                kg_ctx *k = NULL;
                kg_ccache *cc = NULL;
                kg_principal *client = NULL, *tgs = NULL;
                kg_ticket *tgt = NULL;
                char tgs_name[256];
                snprintf(tgs_name, sizeof tgs_name, "krbtgt/%s@%s", g_realm, g_realm);
                if (sr_is_ok(kg_ctx_new(&k)) && sr_is_ok(kg_ccache_resolve(k, dc.sValue, &cc)) &&
                    sr_is_ok(kg_ccache_principal(k, cc, &client)) &&
                    sr_is_ok(kg_principal_parse(k, tgs_name, &tgs)) &&
                    sr_is_ok(kg_ticket_cached(k, cc, client, tgs, &tgt)) && tgt)
                    forwarded = (kg_ticket_flags(tgt) & KG_TKT_FLG_FORWARDED) != 0;
                if (k) {
                    kg_ticket_free(k, tgt);
                    kg_principal_free(k, tgs);
                    kg_principal_free(k, client);
                    kg_ccache_close(k, cc);
                    kg_ctx_free(k);
                }
                FreeContextBuffer(dc.sValue);
            }
            /* mutual: our ISC checks the AP-REP */
            ib = (SecBuffer){ob.cbBuffer, SECBUFFER_TOKEN, buf[0]};
            ob = (SecBuffer){TOKEN_MAX, SECBUFFER_TOKEN, buf[1]};
            st = InitializeSecurityContextA(&cred, &cctx, target, CREQ | ISC_REQ_DELEGATE, 0,
                                            SECURITY_NATIVE_DREP, &id, 0, &cctx, &od, &cattrs,
                                            NULL);
            DeleteSecurityContext(&sctx);
        } else {
            st = ss;
        }
        DeleteSecurityContext(&cctx);
    }
    /* Again, cancelled while the forwarded-TGT exchange is in flight (the
     * service ticket is in the credential's cache now: that exchange comes
     * first): the suspended state goes with the call (ASan: no leak). */
    int cancel_pending = 0;
    ac = SspiCreateAsyncContext();
    CtxtHandle c2;
    ULONG a2 = 0;
    ob = (SecBuffer){TOKEN_MAX, SECBUFFER_TOKEN, buf[1]};
    if (ac && SspiInitializeSecurityContextAsyncA(ac, &cred, NULL, target,
                                                  CREQ | ISC_REQ_DELEGATE, 0,
                                                  SECURITY_NATIVE_DREP, NULL, 0, &c2, &od, &a2,
                                                  NULL) == SEC_E_OK) {
        usleep((useconds_t)(delay_ms / 2) * 1000);
        cancel_pending = SspiGetAsyncCallStatus(ac) == SEC_I_ASYNC_CALL_PENDING;
    }
    SspiFreeAsyncContext(ac);
    for (int i = 0; i < 200 && sspi_io_active() > 0; i++) usleep(10 * 1000);
    if (!cancel_pending || ob.cbBuffer != TOKEN_MAX) fails++;
    FreeCredentialsHandle(&cred);
    if (st != SEC_E_OK) fails++;
    if (!pending) fails++;
    if (!(cattrs & ISC_RET_DELEGATE) || !delegated || !forwarded) fails++;
    /* Two exchanges on the loop (0.8: the sampling may miss the edges). */
    if (busy < 2 * 0.8 * (double)delay_ms / 1000.0) fails++;
    printf("  delegation: async ISC_REQ_DELEGATE -> %s: 0x%08x in %.0f ms, suspended %s, "
           "event loop busy %.0f ms (2 KDC exchanges of >= %ld ms expected), "
           "ISC_RET_DELEGATE %s, ASC_RET_DELEGATE %s, forwarded TGT %s; cancelled during "
           "the forwarded-TGT exchange %s: %s\n",
           target, (unsigned)st, elapsed * 1000, pending ? "yes" : "NO", busy * 1000, delay_ms,
           (cattrs & ISC_RET_DELEGATE) ? "yes" : "NO", delegated ? "yes" : "NO",
           forwarded ? "yes" : "NO", cancel_pending ? "yes" : "NO", fails ? "FAIL" : "ok");
    return fails;
}

typedef struct scenario_result {
    double one_latency;      /* 1 in flight, p50 */
    level_result big;        /* the largest level */
    int big_level;
    double sync_per;         /* seconds per synchronous authentication */
    int fails;
} scenario_result;

/* The asynchronous levels then SSPI_AKRB_SYNC synchronous authentications
 * of one scenario. logon: password credentials, target g_target (the
 * largest level keeps its credentials); ticket: the kept credentials, a
 * service per level (g_svc_prefix + level) so that every authentication
 * needs its TGS exchange. */
static scenario_result scenario(bool logon, const char *levels, long sync_n, size_t workers) {
    scenario_result sc;
    memset(&sc, 0, sizeof sc);
    int maxlevel = 0;
    char lv[128];
    snprintf(lv, sizeof lv, "%s", levels);
    for (char *save = NULL, *tok = strtok_r(lv, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save))
        if (atoi(tok) > maxlevel) maxlevel = atoi(tok);
    snprintf(lv, sizeof lv, "%s", levels);
    for (char *save = NULL, *tok = strtok_r(lv, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        int par = atoi(tok);
        if (par < 1) continue;
        if (!logon && par > g_users) par = (int)g_users;
        /* 1 in flight: 10 authentications one after the other give the
         * latency of one; otherwise one wave of `par` started at once. */
        long total = par == 1 ? 10 : par;
        char target[256];
        if (logon)
            snprintf(target, sizeof target, "%s", g_target);
        else
            snprintf(target, sizeof target, "%s%d@%s", g_svc_prefix, par, g_realm);
        level_result res = level(logon, logon && par == maxlevel, target, par, total);
        if (res.failed) sc.fails++;
        if (par == 1) sc.one_latency = res.p50;
        if (par >= sc.big_level) {
            sc.big = res;
            sc.big_level = par;
        }
        if (res.threads > (int)workers + 8) {
            printf("FAIL: %d threads with %d in flight (workers %zu)\n", res.threads, par,
                   workers);
            sc.fails++;
        }
    }
    if (sync_n <= 0) return sc;
    char target[256];
    if (logon)
        snprintf(target, sizeof target, "%s", g_target);
    else
        snprintf(target, sizeof target, "%ssync@%s", g_svc_prefix, g_realm);
    double total = 0;
    long ok = 0;
    for (long i = 0; i < sync_n; i++) {
        double t = now_s();
        SECURITY_STATUS st = sync_auth(logon, i % g_users, target);
        total += now_s() - t;
        if (st == SEC_E_OK) {
            ok++;
        } else {
            printf("FAIL: synchronous authentication %ld: 0x%08x\n", i, (unsigned)st);
            sc.fails++;
        }
    }
    sc.sync_per = total / (double)sync_n;
    printf("  %-6s sync one at a time: %ld auths in %.2f s = %.1f ms each; %d would take %.1f s"
           " (extrapolated)\n",
           logon ? "logon" : "ticket", sync_n, total, sc.sync_per * 1000, sc.big_level,
           sc.sync_per * sc.big_level);
    if (sc.big_level > 0 && sc.big.elapsed > 0) {
        double speedup = sc.sync_per * sc.big_level / sc.big.elapsed;
        printf("  => %s: %d concurrent async authentications in %.2f s = %.1f x one "
               "authentication's latency (%.0f ms); synchronous %.1f s: async %.0f x faster\n",
               logon ? "logon" : "ticket", sc.big_level, sc.big.elapsed,
               sc.one_latency > 0 ? sc.big.elapsed / sc.one_latency : 0, sc.one_latency * 1000,
               sc.sync_per * sc.big_level, speedup);
        if (speedup < 10) {
            printf("FAIL: async is only %.1fx faster than synchronous\n", speedup);
            sc.fails++;
        }
    }
    fflush(stdout);
    return sc;
}

int main(void) {
    const char *users = getenv("SSPI_AKRB_USERS");
    g_prefix = getenv("SSPI_AKRB_PREFIX");
    g_realm = getenv("SSPI_AKRB_REALM");
    if (!users || !g_prefix || !g_realm) {
        printf("test_async_krb5: skipped (run by tests/interop/async_krb5.sh, which sets up "
               "the realm and SSPI_AKRB_*)\n");
        return 77; /* CTest: SKIP_RETURN_CODE */
    }
    g_users = atol(users);
    if (g_users < 1) return 1;
    g_creds = calloc((size_t)g_users, sizeof *g_creds);
    g_have = calloc((size_t)g_users, sizeof *g_have);
    if (!g_creds || !g_have) return 1;
    g_package = getenv("SSPI_AKRB_PACKAGE") ? getenv("SSPI_AKRB_PACKAGE") : "Kerberos";
    static char target[256];
    snprintf(target, sizeof target, "host/localhost@%s", g_realm);
    g_target = getenv("SSPI_AKRB_TARGET") ? getenv("SSPI_AKRB_TARGET") : target;
    g_svc_prefix = getenv("SSPI_AKRB_SERVICE_PREFIX") ? getenv("SSPI_AKRB_SERVICE_PREFIX")
                                                      : "HTTP/akrb";
    long sync_n = getenv("SSPI_AKRB_SYNC") ? atol(getenv("SSPI_AKRB_SYNC")) : 20;
    double max_factor =
        getenv("SSPI_AKRB_MAX_FACTOR") ? atof(getenv("SSPI_AKRB_MAX_FACTOR")) : 10.0;
    const char *levels = getenv("SSPI_AKRB_LEVELS") ? getenv("SSPI_AKRB_LEVELS") : "1,100,1000";
    const char *delay = getenv("SSPI_AKRB_DELAY_MS") ? getenv("SSPI_AKRB_DELAY_MS") : "?";

    TimeStamp ts;
    if (AcquireCredentialsHandleA(NULL, (char *)g_package, SECPKG_CRED_INBOUND, NULL, NULL,
                                  NULL, NULL, &g_server, &ts) != SEC_E_OK) {
        fprintf(stderr, "test_async_krb5: cannot acquire the acceptor credential\n");
        return 1;
    }
    SspiAsyncContext *warm = SspiCreateAsyncContext(); /* starts the pool */
    SspiFreeAsyncContext(warm);
    size_t workers = sspi_pool_threads();
    printf("test_async_krb5: %s, %ld users, KDC behind a %s ms relay; %zu workers, %ld cpus\n"
           "  logon:  password credential -> AS (+ pre-auth round trip) -> TGS %s -> AP,"
           " mutual\n"
           "  ticket: the logon's credential (TGT cached) -> TGS %s<level> -> AP, mutual\n",
           g_package, g_users, delay, workers, sysconf(_SC_NPROCESSORS_ONLN), g_target,
           g_svc_prefix);
    /* Warm-up (libraries, replay cache, keytab) through the synchronous API. */
    SECURITY_STATUS wst = sync_auth(true, g_users - 1, g_target);
    if (wst != SEC_E_OK) {
        fprintf(stderr, "test_async_krb5: warm-up authentication failed: 0x%08x\n",
                (unsigned)wst);
        return 1;
    }
    int cancel_fails = cancel_check();
    cancel_fails += deleg_check(atol(delay) > 0 ? atol(delay) : 0);
    struct rusage ru0, ru1;
    getrusage(RUSAGE_SELF, &ru0);
    scenario_result logon = scenario(true, levels, sync_n, workers);
    getrusage(RUSAGE_SELF, &ru1);
    double logon_cpu = (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) +
                       (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec) / 1e6;
    scenario_result ticket = scenario(false, levels, sync_n, workers);
    struct rusage ru2;
    getrusage(RUSAGE_SELF, &ru2);
    double ticket_cpu = (double)(ru2.ru_utime.tv_sec - ru1.ru_utime.tv_sec) +
                        (double)(ru2.ru_utime.tv_usec - ru1.ru_utime.tv_usec) / 1e6;
    int fails = logon.fails + ticket.fails + cancel_fails;
    /* The measure: N concurrent authentications, each with its own
     * TGS exchange, in a small multiple of one's latency. The logon
     * scenario adds a password-to-key derivation per user (PBKDF2, 4096
     * iterations, in libk5crypto): CPU-bound on small machines, so only
     * reported. */
    if (ticket.one_latency > 0 && ticket.big_level > 1 &&
        ticket.big.elapsed > max_factor * ticket.one_latency) {
        printf("FAIL: ticket: %d in flight took %.2f s, more than %.0f x one authentication "
               "(%.0f ms)\n",
               ticket.big_level, ticket.big.elapsed, max_factor, ticket.one_latency * 1000);
        fails++;
    }
    for (long u = 0; u < g_users; u++)
        if (g_have[u]) FreeCredentialsHandle(&g_creds[u]);
    free(g_creds);
    free(g_have);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("  peak RSS %ld KiB, %zu workers, threads now %d; CPU (user) logon %.1f s, ticket "
           "%.1f s\n",
           ru.ru_maxrss, workers, thread_count(), logon_cpu, ticket_cpu);
    FreeCredentialsHandle(&g_server);
    printf(fails ? "test_async_krb5: FAILED\n" : "test_async_krb5: OK\n");
    return fails ? 1 : 0;
}
