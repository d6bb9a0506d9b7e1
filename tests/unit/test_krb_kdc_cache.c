/*
 * The KDC negative cache (src/packages/kerberos/krb_kdc_cache.h) and the
 * cheap Negotiate fallback it gives:
 *   - lifetime from SSPI_KDC_NEGATIVE_CACHE_SECONDS, 0 = off;
 *   - expiry (with a moved clock), renewal, a KDC answer (drops the mark,
 *     and spares the realm a new one for a lifetime), clear, case-sensitive
 *     realm keys, realms too long to cache, the bounded table;
 *   - thread safety: threads marking / looking up / answering at once
 *     (meaningful under the ASan and TSan builds);
 *   - the blocking transport: a realm without KDC and a realm whose KDC
 *     refuses are remembered, the next request fails at once without a
 *     packet, an expired entry is tried again and a KDC answer drops it;
 *   - Negotiate: after one failed Kerberos attempt a password credential of
 *     that realm skips Kerberos (NTLM only offered) and "kerberos,!ntlm"
 *     keeps failing with SEC_E_NO_AUTHENTICATING_AUTHORITY, fast; with the
 *     cache off Kerberos is tried each time; with a KDC that never answers
 *     only the first call waits (synchronous API); an identity without
 *     realm and no default realm never tries Kerberos.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sspi.h>

#include "async/async_io.h"
#include "core/identity.h"
#include "packages/kerberos/krb5_glue.h"
#include "packages/kerberos/krb_kdc_cache.h"
#include "packages/kerberos/krb_transport.h"
#include "packages/negotiate/negotiate_context.h"
#include "packages/negotiate/spnego_wire.h"
#include "packages/ntlm/ntlm_context.h"
#include "testlib.h"

/* Pull the packages out of the static library (weak registry refs). */
extern const sspi_package sspi_kerberos_package;
const sspi_package *const test_krb_pkg_ref = &sspi_kerberos_package;
const sspi_package *const test_nego_pkg_ref = &sspi_negotiate_package;
const sspi_package *const test_ntlm_pkg_ref = &sspi_ntlm_package;

static char tmpdir[] = "/tmp/test_krb_kdc_cache.XXXXXX";

static krb_kdc_negcache_stats stats(void) {
    krb_kdc_negcache_stats s;
    krb_kdc_negcache_get_stats(&s);
    return s;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the table ---- */

static void test_ttl(void) {
    /* main() set SSPI_KDC_NEGATIVE_CACHE_SECONDS=60 before the first use. */
    CHECK_EQ_INT(krb_kdc_negcache_ttl_ms(), 60000);
    krb_kdc_negcache_set_ttl_ms(0);
    CHECK_EQ_INT(krb_kdc_negcache_ttl_ms(), 0);
    krb_kdc_negcache_clear();
    krb_kdc_negcache_put("OFF.TEST", KRB_KDC_NEG_NOT_FOUND, 1000);
    CHECK(!krb_kdc_negcache_lookup("OFF.TEST", 1000, NULL));
    CHECK_EQ_INT(stats().entries, 0);
    krb_kdc_negcache_answered("OFF.TEST", 1000);
    CHECK_EQ_INT(stats().entries, 0);
    krb_kdc_negcache_set_ttl_ms(-1);
    CHECK_EQ_INT(krb_kdc_negcache_ttl_ms(), 60000);
}

static void test_expiry(void) {
    krb_kdc_negcache_clear();
    krb_kdc_negcache_set_ttl_ms(5000);
    krb_kdc_neg_reason why = 0;
    CHECK(!krb_kdc_negcache_lookup("A.TEST", 1000, &why));
    krb_kdc_negcache_put("A.TEST", KRB_KDC_NEG_NOT_FOUND, 1000);
    krb_kdc_negcache_put("B.TEST", KRB_KDC_NEG_UNREACHABLE, 2000);
    CHECK(krb_kdc_negcache_lookup("A.TEST", 1000, &why));
    CHECK_EQ_INT(why, KRB_KDC_NEG_NOT_FOUND);
    CHECK(krb_kdc_negcache_lookup("A.TEST", 5999, NULL));
    CHECK(krb_kdc_negcache_lookup("B.TEST", 6999, &why));
    CHECK_EQ_INT(why, KRB_KDC_NEG_UNREACHABLE);
    /* Realms are case-sensitive. */
    CHECK(!krb_kdc_negcache_lookup("a.test", 1000, NULL));
    CHECK_EQ_INT(stats().entries, 2);
    CHECK_EQ_INT(stats().marked, 2);
    uint64_t expired = stats().expired;
    CHECK(!krb_kdc_negcache_lookup("A.TEST", 6000, NULL)); /* expired: unmarked */
    CHECK_EQ_INT(stats().expired, expired + 1);
    CHECK_EQ_INT(stats().marked, 1);
    CHECK(krb_kdc_negcache_lookup("B.TEST", 6000, NULL));
    /* A renewed entry lives from its new time. */
    krb_kdc_negcache_put("B.TEST", KRB_KDC_NEG_NOT_FOUND, 6500);
    CHECK(krb_kdc_negcache_lookup("B.TEST", 11499, &why));
    CHECK_EQ_INT(why, KRB_KDC_NEG_NOT_FOUND);
    CHECK(!krb_kdc_negcache_lookup("B.TEST", 11500, NULL));
    /* A KDC answer drops the mark; for a lifetime after it the realm is
     * not marked again (overload, not absence); then it is. */
    CHECK(krb_kdc_negcache_put("C.TEST", KRB_KDC_NEG_UNREACHABLE, 1000));
    CHECK(krb_kdc_negcache_put("D.TEST", KRB_KDC_NEG_UNREACHABLE, 1000));
    krb_kdc_negcache_answered("C.TEST", 1200);
    krb_kdc_negcache_answered("E.TEST", 1200); /* never marked: remembered */
    CHECK(!krb_kdc_negcache_lookup("C.TEST", 1200, NULL));
    CHECK(krb_kdc_negcache_lookup("D.TEST", 1200, NULL));
    uint64_t spared = stats().spared;
    CHECK(!krb_kdc_negcache_put("C.TEST", KRB_KDC_NEG_UNREACHABLE, 6199));
    CHECK(!krb_kdc_negcache_put("E.TEST", KRB_KDC_NEG_NOT_FOUND, 1300));
    CHECK_EQ_INT(stats().spared, spared + 2);
    CHECK(!krb_kdc_negcache_lookup("C.TEST", 6199, NULL));
    CHECK(!krb_kdc_negcache_lookup("E.TEST", 1300, NULL));
    CHECK(krb_kdc_negcache_put("C.TEST", KRB_KDC_NEG_UNREACHABLE, 6200));
    CHECK(krb_kdc_negcache_lookup("C.TEST", 6200, NULL));
    krb_kdc_negcache_clear();
    CHECK(!krb_kdc_negcache_lookup("D.TEST", 1000, NULL));
    CHECK_EQ_INT(stats().entries, 0);
    /* Nothing for empty, NULL or over-long realms. */
    char longrealm[KRB_KDC_NEGCACHE_REALM_MAX + 2];
    memset(longrealm, 'L', sizeof longrealm - 1);
    longrealm[sizeof longrealm - 1] = '\0';
    krb_kdc_negcache_put(longrealm, KRB_KDC_NEG_NOT_FOUND, 1000);
    krb_kdc_negcache_put("", KRB_KDC_NEG_NOT_FOUND, 1000);
    krb_kdc_negcache_put(NULL, KRB_KDC_NEG_NOT_FOUND, 1000);
    CHECK(!krb_kdc_negcache_lookup(longrealm, 1000, NULL));
    CHECK(!krb_kdc_negcache_lookup(NULL, 1000, NULL));
    CHECK_EQ_INT(stats().entries, 0);
    longrealm[KRB_KDC_NEGCACHE_REALM_MAX] = '\0'; /* the longest that fits */
    krb_kdc_negcache_put(longrealm, KRB_KDC_NEG_NOT_FOUND, 1000);
    CHECK(krb_kdc_negcache_lookup(longrealm, 1000, NULL));
    krb_kdc_negcache_clear();
    krb_kdc_negcache_set_ttl_ms(-1);
}

static void test_bounded(void) {
    krb_kdc_negcache_clear();
    krb_kdc_negcache_set_ttl_ms(10000);
    uint64_t evictions = stats().evictions;
    char realm[32];
    /* Realm i expires at 10000 + i: a full table drops the first to expire. */
    for (int i = 0; i < 3 * KRB_KDC_NEGCACHE_MAX; i++) {
        snprintf(realm, sizeof realm, "R%d.TEST", i);
        krb_kdc_negcache_put(realm, KRB_KDC_NEG_NOT_FOUND, i);
        CHECK(stats().entries <= KRB_KDC_NEGCACHE_MAX);
    }
    CHECK_EQ_INT(stats().entries, KRB_KDC_NEGCACHE_MAX);
    CHECK_EQ_INT(stats().evictions, evictions + 2 * KRB_KDC_NEGCACHE_MAX);
    int kept = 0;
    for (int i = 0; i < 3 * KRB_KDC_NEGCACHE_MAX; i++) {
        snprintf(realm, sizeof realm, "R%d.TEST", i);
        bool hit = krb_kdc_negcache_lookup(realm, 3 * KRB_KDC_NEGCACHE_MAX, NULL);
        kept += hit;
        CHECK(hit == (i >= 2 * KRB_KDC_NEGCACHE_MAX)); /* the newest stay */
    }
    CHECK_EQ_INT(kept, KRB_KDC_NEGCACHE_MAX);
    /* Expired entries make room before any live one goes. */
    evictions = stats().evictions;
    krb_kdc_negcache_put("LATE.TEST", KRB_KDC_NEG_NOT_FOUND, 10000 + 2 * KRB_KDC_NEGCACHE_MAX + 1);
    CHECK_EQ_INT(stats().evictions, evictions);
    CHECK(krb_kdc_negcache_lookup("LATE.TEST", 10000 + 2 * KRB_KDC_NEGCACHE_MAX + 1, NULL));
    krb_kdc_negcache_clear();
    krb_kdc_negcache_set_ttl_ms(-1);
}

#define THREADS 8
#define OPS 20000

typedef struct worker {
    int id;
    int hits;
} worker;

static void *worker_main(void *arg) {
    worker *w = arg;
    char realm[32];
    unsigned x = (unsigned)w->id * 2654435761u + 1;
    for (int i = 0; i < OPS; i++) {
        x = x * 1103515245u + 12345u;
        snprintf(realm, sizeof realm, "T%u.TEST", (x >> 8) % 100);
        int64_t now = i; /* each thread's own clock: entries come and go */
        switch ((x >> 20) % 4) {
        case 0:
        case 1:
            w->hits += krb_kdc_negcache_lookup(realm, now, NULL);
            break;
        case 2:
            krb_kdc_negcache_put(realm, KRB_KDC_NEG_UNREACHABLE, now);
            break;
        default:
            krb_kdc_negcache_answered(realm, now);
            break;
        }
        if (i % 5000 == 0 && w->id == 0) krb_kdc_negcache_clear();
    }
    return NULL;
}

static void test_threads(void) {
    krb_kdc_negcache_clear();
    krb_kdc_negcache_set_ttl_ms(50);
    pthread_t th[THREADS];
    worker w[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i].id = i;
        w[i].hits = 0;
        REQUIRE(pthread_create(&th[i], NULL, worker_main, &w[i]) == 0);
    }
    int hits = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        hits += w[i].hits;
    }
    CHECK(hits > 0);
    krb_kdc_negcache_stats s = stats();
    CHECK(s.entries <= KRB_KDC_NEGCACHE_MAX);
    CHECK(s.marked <= s.entries);
    /* The count of marks matches the table. */
    size_t live = 0;
    char realm[32];
    for (unsigned r = 0; r < 100; r++) {
        snprintf(realm, sizeof realm, "T%u.TEST", r);
        live += krb_kdc_negcache_lookup(realm, 0, NULL);
    }
    CHECK_EQ_INT(live, s.marked);
    krb_kdc_negcache_clear();
    CHECK_EQ_INT(stats().entries, 0);
    CHECK_EQ_INT(stats().marked, 0);
    krb_kdc_negcache_set_ttl_ms(-1);
}

/* ---- the blocking transport ---- */

static char conf_path[256];

/* DOWN.TEST: a KDC port nobody listens on; UP.TEST: up_port; NOKDC.TEST:
 * no entry, no DNS. default_realm: HOME.TEST unless no_default. */
static void write_conf(unsigned down_port, unsigned up_port, bool no_default) {
    snprintf(conf_path, sizeof conf_path, "%s/krb5.conf", tmpdir);
    FILE *f = fopen(conf_path, "w");
    if (!f) abort();
    fprintf(f,
            "[libdefaults]\n%s dns_lookup_kdc = false\n dns_lookup_realm = false\n"
            " dns_canonicalize_hostname = false\n rdns = false\n"
            "[realms]\n DOWN.TEST = {\n  kdc = 127.0.0.1:%u\n }\n"
            " UP.TEST = {\n  kdc = 127.0.0.1:%u\n }\n",
            no_default ? "" : " default_realm = HOME.TEST\n", down_port, up_port);
    fclose(f);
    setenv("KRB5_CONFIG", conf_path, 1);
}

/* A UDP socket on 127.0.0.1 (its port in *port). */
static int udp_socket(unsigned *port) {
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) != 0) return -1;
    socklen_t al = sizeof a;
    getsockname(s, (struct sockaddr *)&a, &al);
    *port = ntohs(a.sin_port);
    return s;
}

/* Answers one datagram with "REPLY". */
static void *responder(void *arg) {
    int s = *(int *)arg;
    uint8_t buf[2048];
    struct sockaddr_in from;
    socklen_t fl = sizeof from;
    ssize_t n = recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
    if (n > 0) sendto(s, "REPLY", 5, 0, (struct sockaddr *)&from, fl);
    return NULL;
}

static void test_transport(void) {
    krb_kdc_negcache_clear();
    krb_kdc_negcache_set_ttl_ms(-1);
    unsigned down_port = 0, up_port = 0;
    int d = udp_socket(&down_port);
    REQUIRE(d >= 0);
    close(d); /* nobody there: ICMP refused on UDP, RST on TCP */
    int up = udp_socket(&up_port);
    REQUIRE(up >= 0);
    write_conf(down_port, up_port, false);
    kg_ctx *k = NULL;
    REQUIRE(sr_is_ok(kg_ctx_new(&k)));
    kg_buf reply = {0};
    krb_transport_stats st = {0};
    const uint8_t req[] = "hello";

    /* No KDC for the realm: remembered as such. */
    CHECK_SR(krb_kdc_sendto(k, "NOKDC.TEST", req, 5, false, &reply, &st),
             SR_NO_AUTHENTICATING_AUTHORITY);
    krb_kdc_neg_reason why = 0;
    CHECK(krb_kdc_negcache_lookup("NOKDC.TEST", krb_now_ms(), &why));
    CHECK_EQ_INT(why, KRB_KDC_NEG_NOT_FOUND);

    /* KDC refusing: UDP then TCP tried once, then remembered. */
    CHECK_SR(krb_kdc_sendto(k, "DOWN.TEST", req, 5, false, &reply, &st),
             SR_NO_AUTHENTICATING_AUTHORITY);
    CHECK(st.udp_sent >= 1);
    CHECK(st.tcp_sent >= 1);
    CHECK(krb_kdc_negcache_lookup("DOWN.TEST", krb_now_ms(), &why));
    CHECK_EQ_INT(why, KRB_KDC_NEG_UNREACHABLE);
    /* ... the next requests fail at once, nothing sent. */
    memset(&st, 0, sizeof st);
    uint64_t hits = stats().hits;
    for (int i = 0; i < 20; i++)
        CHECK_SR(krb_kdc_sendto(k, "DOWN.TEST", req, 5, false, &reply, &st),
                 SR_NO_AUTHENTICATING_AUTHORITY);
    CHECK_EQ_INT(st.udp_sent + st.tcp_sent, 0);
    CHECK_EQ_INT(stats().hits, hits + 20);
    /* The asynchronous flavour's request builder says the same. */
    sspi_io_request io;
    CHECK_SR(krb_kdc_io_request(k, "DOWN.TEST", req, 5, false, 1000, &io),
             SR_NO_AUTHENTICATING_AUTHORITY);
    CHECK_SR(krb_kdc_io_request(k, "NOKDC.TEST", req, 5, false, 1000, &io),
             SR_NO_AUTHENTICATING_AUTHORITY);
    CHECK_OK(krb_kdc_io_request(k, "UP.TEST", req, 5, false, 1000, &io));
    CHECK_EQ_INT(io.ntargets, 1);

    /* A KDC that answers drops its realm's entry (here: an entry made by
     * hand, as if a concurrent request had failed meanwhile, is expired by
     * a short lifetime, then the request goes out and is answered). */
    krb_kdc_negcache_set_ttl_ms(100);
    krb_kdc_negcache_put("UP.TEST", KRB_KDC_NEG_UNREACHABLE, krb_now_ms());
    CHECK_SR(krb_kdc_sendto(k, "UP.TEST", req, 5, false, &reply, &st),
             SR_NO_AUTHENTICATING_AUTHORITY);
    usleep(150 * 1000);
    pthread_t th;
    REQUIRE(pthread_create(&th, NULL, responder, &up) == 0);
    memset(&st, 0, sizeof st);
    CHECK_OK(krb_kdc_sendto(k, "UP.TEST", req, 5, false, &reply, &st));
    pthread_join(th, NULL);
    CHECK_EQ_INT(reply.len, 5);
    kg_buf_free(&reply);
    CHECK(!krb_kdc_negcache_lookup("UP.TEST", krb_now_ms(), NULL));
    /* ... and a failure right after an answer is not remembered. */
    krb_kdc_negcache_unreachable("UP.TEST");
    CHECK(!krb_kdc_negcache_lookup("UP.TEST", krb_now_ms(), NULL));

    /* Off: every request goes out. */
    krb_kdc_negcache_clear();
    krb_kdc_negcache_set_ttl_ms(0);
    memset(&st, 0, sizeof st);
    for (int i = 0; i < 2; i++)
        CHECK_SR(krb_kdc_sendto(k, "DOWN.TEST", req, 5, false, &reply, &st),
                 SR_NO_AUTHENTICATING_AUTHORITY);
    CHECK(st.udp_sent >= 2);
    CHECK_EQ_INT(stats().marked, 0);
    krb_kdc_negcache_set_ttl_ms(-1);
    close(up);
    kg_ctx_free(k);
}

/* ---- Negotiate ---- */

#define TOKMAX 8192

static SECURITY_STATUS nego_creds(const char *user, const char *domain, const char *package_list,
                                  CredHandle *out) {
    SEC_WINNT_AUTH_IDENTITY_EXA id;
    memset(&id, 0, sizeof id);
    id.Version = SEC_WINNT_AUTH_IDENTITY_VERSION;
    id.Length = sizeof id;
    id.User = (UCHAR *)user;
    id.UserLength = (ULONG)strlen(user);
    id.Domain = (UCHAR *)domain;
    id.DomainLength = (ULONG)strlen(domain);
    id.Password = (UCHAR *)"Secret1!";
    id.PasswordLength = 8;
    id.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    if (package_list) {
        id.PackageList = (UCHAR *)package_list;
        id.PackageListLength = (ULONG)strlen(package_list);
    }
    TimeStamp exp;
    return AcquireCredentialsHandleA(NULL, (SEC_CHAR *)"Negotiate", SECPKG_CRED_OUTBOUND, NULL,
                                     &id, NULL, NULL, out, &exp);
}

/* The first InitializeSecurityContext call: its status, and whether the
 * NegTokenInit lists Kerberos (*krb) / NTLM (*ntlm). */
static SECURITY_STATUS first_call(CredHandle *cc, bool *krb, bool *ntlm) {
    static uint8_t tok[TOKMAX];
    SecBuffer ob = {TOKMAX, SECBUFFER_TOKEN, tok};
    SecBufferDesc od = {SECBUFFER_VERSION, 1, &ob};
    CtxtHandle ctx;
    ULONG attrs;
    TimeStamp ts;
    SECURITY_STATUS s =
        InitializeSecurityContextA(cc, NULL, (SEC_CHAR *)"host/nowhere.test", ISC_REQ_CONNECTION,
                                   0, SECURITY_NATIVE_DREP, NULL, 0, &ctx, &od, &attrs, &ts);
    *krb = *ntlm = false;
    if (s == SEC_I_CONTINUE_NEEDED) {
        spnego_neg_token_init init;
        if (spnego_parse_init_token(tok, ob.cbBuffer, &init).code == SR_OK) {
            for (size_t i = 0; i < init.mech_count; i++) {
                const nego_mech *m = nego_mech_by_oid(init.mech_types[i]);
                if (m && strcmp(m->name, "Kerberos") == 0) *krb = true;
                if (m && strcmp(m->name, "NTLM") == 0) *ntlm = true;
            }
        }
        DeleteSecurityContext(&ctx);
    }
    return s;
}

static void test_negotiate_skip(void) {
    krb_kdc_negcache_clear();
    krb_kdc_negcache_set_ttl_ms(-1);
    unsigned down_port = 0;
    int d = udp_socket(&down_port);
    REQUIRE(d >= 0);
    close(d);
    write_conf(down_port, 9, false);
    static const char *const realms[] = {"NOKDC.TEST", "DOWN.TEST"};
    for (size_t r = 0; r < 2; r++) {
        CredHandle cc, only;
        REQUIRE(nego_creds("alice", realms[r], NULL, &cc) == SEC_E_OK);
        REQUIRE(nego_creds("alice", realms[r], "kerberos,!ntlm", &only) == SEC_E_OK);
        bool krb, ntlm;
        /* First call: Kerberos tried (AS exchange: no KDC), then NTLM. */
        uint64_t puts = stats().puts;
        CHECK_EQ_INT(first_call(&cc, &krb, &ntlm), SEC_I_CONTINUE_NEEDED);
        CHECK(!krb && ntlm);
        CHECK_EQ_INT(stats().puts, puts + 1);
        CHECK(krb_kdc_negcache_lookup(realms[r], krb_now_ms(), NULL));
        /* Then: Kerberos skipped without any attempt (no new entry, no
         * exchange), in either flavour of credential. */
        double t0 = now_s();
        for (int i = 0; i < 20; i++) {
            CHECK_EQ_INT(first_call(&cc, &krb, &ntlm), SEC_I_CONTINUE_NEEDED);
            CHECK(!krb && ntlm);
            CHECK_EQ_INT(first_call(&only, &krb, &ntlm), SEC_E_NO_AUTHENTICATING_AUTHORITY);
        }
        CHECK(now_s() - t0 < 1.0);
        CHECK_EQ_INT(stats().puts, puts + 1);
        FreeCredentialsHandle(&cc);
        FreeCredentialsHandle(&only);
    }
    /* Cache off: Kerberos is tried (and fails) every time, NTLM follows. */
    krb_kdc_negcache_clear();
    krb_kdc_negcache_set_ttl_ms(0);
    CredHandle cc;
    REQUIRE(nego_creds("alice", "DOWN.TEST", NULL, &cc) == SEC_E_OK);
    bool krb, ntlm;
    for (int i = 0; i < 2; i++) {
        CHECK_EQ_INT(first_call(&cc, &krb, &ntlm), SEC_I_CONTINUE_NEEDED);
        CHECK(!krb && ntlm);
    }
    CHECK_EQ_INT(stats().marked, 0);
    FreeCredentialsHandle(&cc);
    krb_kdc_negcache_set_ttl_ms(-1);

    /* The Kerberos side of the skip, on a credential of its own. */
    char user[] = "alice", domain[] = "DOWN.TEST", other[] = "UP.TEST", pw[] = "pw";
    sspi_identity idn;
    memset(&idn, 0, sizeof idn);
    idn.user = user;
    idn.domain = domain;
    idn.password = pw;
    idn.password_len = 2;
    sspi_cred_request rq;
    memset(&rq, 0, sizeof rq);
    rq.use = SECPKG_CRED_OUTBOUND;
    rq.identity = &idn;
    void *kc = NULL, *kc_up = NULL;
    TimeStamp e;
    REQUIRE(sr_is_ok(sspi_kerberos_package.acquire_credentials(&rq, &kc, &e)));
    idn.domain = other;
    REQUIRE(sr_is_ok(sspi_kerberos_package.acquire_credentials(&rq, &kc_up, &e)));
    CHECK(!krb_spnego_kdc_unavailable(&sspi_kerberos_package, kc)); /* nothing known */
    krb_kdc_negcache_put("DOWN.TEST", KRB_KDC_NEG_UNREACHABLE, krb_now_ms());
    CHECK(krb_spnego_kdc_unavailable(&sspi_kerberos_package, kc));
    CHECK(!krb_spnego_kdc_unavailable(&sspi_kerberos_package, kc_up)); /* another realm */
    CHECK(!krb_spnego_kdc_unavailable(&sspi_ntlm_package, kc));        /* not a Kerberos cred */
    CHECK(!krb_spnego_kdc_unavailable(&sspi_kerberos_package, NULL));
    krb_kdc_negcache_answered("DOWN.TEST", krb_now_ms());
    CHECK(!krb_spnego_kdc_unavailable(&sspi_kerberos_package, kc));
    sspi_kerberos_package.free_credentials(kc);
    sspi_kerberos_package.free_credentials(kc_up);
    krb_kdc_negcache_clear();
}

static void test_negotiate_blackhole(void) {
    /* A KDC that never answers (a UDP socket nobody reads, nothing on
     * TCP), synchronous calls: the first InitializeSecurityContext waits
     * for the Kerberos attempt (UDP 2 x 1 s), the next 20 do not. */
    krb_kdc_negcache_clear();
    krb_kdc_negcache_set_ttl_ms(-1);
    unsigned hole_port = 0;
    int hole = udp_socket(&hole_port);
    REQUIRE(hole >= 0);
    write_conf(hole_port, 9, false);
    CredHandle cc;
    REQUIRE(nego_creds("alice", "DOWN.TEST", NULL, &cc) == SEC_E_OK);
    bool krb, ntlm;
    double t0 = now_s();
    CHECK_EQ_INT(first_call(&cc, &krb, &ntlm), SEC_I_CONTINUE_NEEDED);
    double first = now_s() - t0;
    CHECK(!krb && ntlm);
    CHECK(first >= 1.5);
    CHECK(first < (KRB_KDC_TOTAL_TIMEOUT_MS + 1000) / 1000.0);
    t0 = now_s();
    for (int i = 0; i < 20; i++) {
        CHECK_EQ_INT(first_call(&cc, &krb, &ntlm), SEC_I_CONTINUE_NEEDED);
        CHECK(!krb && ntlm);
    }
    double rest = now_s() - t0;
    printf("  KDC black hole: first call %.3f s, the 20 after it %.3f s\n", first, rest);
    CHECK(rest < 2.0);
    FreeCredentialsHandle(&cc);
    close(hole);
    krb_kdc_negcache_clear();
}

static void test_no_realm(void) {
    /* No realm in the identity, no default realm: Kerberos is never tried
     * (its credential is unavailable), Negotiate offers NTLM alone. */
    krb_kdc_negcache_clear();
    write_conf(9, 9, true);
    uint64_t puts = stats().puts;
    CredHandle cc;
    REQUIRE(nego_creds("alice", "", NULL, &cc) == SEC_E_OK);
    bool krb, ntlm;
    CHECK_EQ_INT(first_call(&cc, &krb, &ntlm), SEC_I_CONTINUE_NEEDED);
    CHECK(!krb && ntlm);
    CHECK_EQ_INT(stats().puts, puts);
    FreeCredentialsHandle(&cc);
    CredHandle only;
    CHECK_EQ_INT(nego_creds("alice", "", "kerberos,!ntlm", &only) == SEC_E_OK, 0);
}

int main(void) {
    setenv("SSPI_KDC_NEGATIVE_CACHE_SECONDS", "60", 1);
    unsetenv("KRB5CCNAME");
    setenv("KRB5_CLIENT_KTNAME", "FILE:/nonexistent/client.keytab", 1);
    if (!mkdtemp(tmpdir)) return 1;
    TEST_RUN(test_ttl);
    TEST_RUN(test_expiry);
    TEST_RUN(test_bounded);
    TEST_RUN(test_threads);
    TEST_RUN(test_transport);
    TEST_RUN(test_negotiate_skip);
    TEST_RUN(test_negotiate_blackhole);
    TEST_RUN(test_no_realm);
    unlink(conf_path);
    rmdir(tmpdir);
    return test_summary();
}
