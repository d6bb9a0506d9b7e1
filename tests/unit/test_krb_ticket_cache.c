/*
 * White-box tests of the Kerberos service ticket cache (krb_creds.h):
 * freshness rule (end time, clock skew margin, postdated tickets), keys
 * (server principal + options), replacement, LRU eviction with expired
 * entries going first, references outliving eviction, the wiring into a
 * credential (clockskew from the profile), and concurrent use from threads
 * under one lock as the package uses it (the credential's lock). Tickets
 * are made up (kg_ticket_new): no KDC needed.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sspi.h>

#include "core/identity.h"
#include "packages/kerberos/krb5_glue.h"
#include "packages/kerberos/krb_creds.h"
#include "testlib.h"

static char tmpdir[] = "/tmp/test_krb_tc.XXXXXX";
static char conf_path[256];
static kg_ctx *g_k;
static kg_principal *g_client;

static void write_conf(int clockskew) {
    snprintf(conf_path, sizeof conf_path, "%s/krb5.conf", tmpdir);
    FILE *f = fopen(conf_path, "w");
    if (!f) abort();
    fprintf(f,
            "[libdefaults]\n default_realm = X.TEST\n dns_lookup_kdc = false\n"
            " dns_lookup_realm = false\n clockskew = %d\n"
            "[realms]\n X.TEST = {\n  kdc = 127.0.0.1:9\n }\n",
            clockskew);
    fclose(f);
    setenv("KRB5_CONFIG", conf_path, 1);
}

static kg_principal *princ(const char *name) {
    kg_principal *p = NULL;
    if (!sr_is_ok(kg_principal_parse(g_k, name, &p))) abort();
    return p;
}

/* A ticket for server valid [start, end). */
static kg_ticket *ticket(const kg_principal *server, int64_t start, int64_t end) {
    kg_times t = {start, start, end, 0};
    krb_key key;
    if (!sr_is_ok(krb_key_set(&key, KRB_ENCTYPE_AES128_CTS_HMAC_SHA1_96,
                              "0123456789abcdef", 16)))
        abort();
    kg_ticket *tk = NULL;
    if (!sr_is_ok(kg_ticket_new(g_k, g_client, server, &t, 0, &key, &tk))) abort();
    return tk;
}

static int64_t endtime(const kg_ticket *t) {
    kg_times x;
    kg_ticket_times(t, &x);
    return x.endtime;
}

/* The list is consistent both ways and holds `count` entries. */
static bool list_ok(const krb_ticket_cache *tc) {
    size_t n = 0;
    const krb_tc_entry *prev = NULL;
    for (const krb_tc_entry *e = tc->head; e; e = e->next) {
        if (e->prev != prev || ++n > tc->count) return false;
        prev = e;
    }
    return n == tc->count && prev == tc->tail;
}

static void test_freshness(void) {
    krb_ticket_cache tc;
    krb_tc_init(&tc, 8, 300);
    kg_times t = {1000, 1000, 1000 + 36000, 0};
    CHECK(krb_tc_usable(&tc, &t, 1000));
    CHECK(krb_tc_usable(&tc, &t, 700));         /* starts within the skew */
    CHECK(!krb_tc_usable(&tc, &t, 699));
    CHECK(krb_tc_usable(&tc, &t, 37000 - 301)); /* margin: the skew */
    CHECK(!krb_tc_usable(&tc, &t, 37000 - 300));
    /* A short ticket: the margin is half its life. */
    kg_times s = {1000, 1000, 1100, 0};
    CHECK(krb_tc_usable(&tc, &s, 1049));
    CHECK(!krb_tc_usable(&tc, &s, 1050));
    /* Nonsense times are never usable. */
    kg_times z = {1000, 1000, 1000, 0};
    CHECK(!krb_tc_usable(&tc, &z, 1000));
    /* starttime 0: the authtime counts. */
    kg_times a = {1000, 0, 2000, 0};
    CHECK(krb_tc_usable(&tc, &a, 1500));
    CHECK(!krb_tc_usable(&tc, &a, 600));
}

static void test_expiry(void) {
    krb_ticket_cache tc;
    krb_tc_init(&tc, 8, 300);
    kg_principal *s = princ("host/a.x.test@X.TEST");
    kg_ticket *t = ticket(s, 1000, 1000 + 3600), *got = NULL;
    CHECK_OK(krb_tc_put(&tc, g_k, s, 0, t, 1000));
    kg_ticket_free(g_k, t); /* the cache keeps its own reference */
    CHECK_EQ_INT(tc.count, 1);
    krb_tc_get(&tc, g_k, s, 0, 1000 + 3600 - 301, &got);
    REQUIRE(got != NULL);
    CHECK_EQ_INT(endtime(got), 4600);
    kg_ticket_free(g_k, got);
    CHECK_EQ_INT(tc.hits, 1);
    /* Near the end: a miss, and the entry is gone. */
    krb_tc_get(&tc, g_k, s, 0, 1000 + 3600 - 300, &got);
    CHECK(got == NULL);
    CHECK_EQ_INT(tc.count, 0);
    CHECK_EQ_INT(tc.expired, 1);
    CHECK_EQ_INT(tc.misses, 1);
    /* A ticket unusable already is not stored; nor a postdated one. */
    t = ticket(s, 1000, 1100);
    CHECK_OK(krb_tc_put(&tc, g_k, s, 0, t, 1060));
    kg_ticket_free(g_k, t);
    t = ticket(s, 5000, 9000);
    CHECK_OK(krb_tc_put(&tc, g_k, s, 0, t, 1000));
    kg_ticket_free(g_k, t);
    CHECK_EQ_INT(tc.count, 0);
    CHECK(list_ok(&tc));
    krb_tc_clear(&tc, g_k);
    kg_principal_free(g_k, s);
}

static void test_keys(void) {
    krb_ticket_cache tc;
    krb_tc_init(&tc, 8, 300);
    kg_principal *s1 = princ("host/a.x.test@X.TEST"), *s1b = princ("host/a.x.test@X.TEST");
    kg_principal *s2 = princ("HTTP/a.x.test@X.TEST"), *s1r = princ("host/a.x.test@");
    kg_ticket *t1 = ticket(s1, 1000, 9000), *t1o = ticket(s1, 1000, 9100);
    kg_ticket *t2 = ticket(s2, 1000, 9200), *got = NULL;
    CHECK_OK(krb_tc_put(&tc, g_k, s1, 0, t1, 1000));
    CHECK_OK(krb_tc_put(&tc, g_k, s1, 1, t1o, 1000)); /* other options: another entry */
    CHECK_OK(krb_tc_put(&tc, g_k, s2, 0, t2, 1000));
    CHECK_EQ_INT(tc.count, 3);
    krb_tc_get(&tc, g_k, s1b, 0, 2000, &got); /* an equal principal finds it */
    CHECK(got == t1);
    kg_ticket_free(g_k, got);
    krb_tc_get(&tc, g_k, s1, 1, 2000, &got);
    CHECK(got == t1o);
    kg_ticket_free(g_k, got);
    krb_tc_get(&tc, g_k, s1, 2, 2000, &got);
    CHECK(got == NULL);
    /* The referral realm is another request (another key). */
    krb_tc_get(&tc, g_k, s1r, 0, 2000, &got);
    CHECK(got == NULL);
    /* Same key again: replaced, not added. */
    kg_ticket *t1n = ticket(s1, 1500, 9500);
    CHECK_OK(krb_tc_put(&tc, g_k, s1, 0, t1n, 1500));
    CHECK_EQ_INT(tc.count, 3);
    krb_tc_get(&tc, g_k, s1, 0, 2000, &got);
    CHECK(got == t1n);
    CHECK_EQ_INT(got ? endtime(got) : 0, 9500);
    kg_ticket_free(g_k, got);
    CHECK(list_ok(&tc));
    krb_tc_clear(&tc, g_k);
    CHECK_EQ_INT(tc.count, 0);
    CHECK(list_ok(&tc));
    kg_ticket_free(g_k, t1);
    kg_ticket_free(g_k, t1o);
    kg_ticket_free(g_k, t2);
    kg_ticket_free(g_k, t1n);
    kg_principal_free(g_k, s1);
    kg_principal_free(g_k, s1b);
    kg_principal_free(g_k, s2);
    kg_principal_free(g_k, s1r);
}

static void test_eviction(void) {
    krb_ticket_cache tc;
    krb_tc_init(&tc, 4, 300);
    kg_principal *s[6];
    char name[64];
    for (int i = 0; i < 6; i++) {
        snprintf(name, sizeof name, "host/h%d.x.test@X.TEST", i);
        s[i] = princ(name);
    }
    kg_ticket *got = NULL;
    for (int i = 0; i < 4; i++) {
        kg_ticket *t = ticket(s[i], 1000, 9000 + i);
        CHECK_OK(krb_tc_put(&tc, g_k, s[i], 0, t, 1000));
        kg_ticket_free(g_k, t);
    }
    CHECK_EQ_INT(tc.count, 4);
    /* Use h0: h1 is now the least recently used. */
    krb_tc_get(&tc, g_k, s[0], 0, 1000, &got);
    CHECK(got != NULL);
    kg_ticket *h0 = got; /* kept across its eviction below */
    kg_ticket *t = ticket(s[4], 1000, 9004);
    CHECK_OK(krb_tc_put(&tc, g_k, s[4], 0, t, 1000));
    kg_ticket_free(g_k, t);
    CHECK_EQ_INT(tc.count, 4);
    CHECK_EQ_INT(tc.evictions, 1);
    krb_tc_get(&tc, g_k, s[1], 0, 1000, &got);
    CHECK(got == NULL);
    for (int i = 0; i < 5; i++) {
        if (i == 1) continue;
        krb_tc_get(&tc, g_k, s[i], 0, 1000, &got);
        CHECK(got != NULL);
        kg_ticket_free(g_k, got);
    }
    /* Order now (most recent first): h4 h3 h2 h0. An expired entry goes
     * before the least recently used one: h3 expires first. */
    kg_ticket *short3 = ticket(s[3], 1000, 1400);
    CHECK_OK(krb_tc_put(&tc, g_k, s[3], 0, short3, 1000));
    kg_ticket_free(g_k, short3);
    t = ticket(s[5], 2000, 9005);
    CHECK_OK(krb_tc_put(&tc, g_k, s[5], 0, t, 2000));
    kg_ticket_free(g_k, t);
    CHECK_EQ_INT(tc.count, 4);
    CHECK_EQ_INT(tc.evictions, 1);
    CHECK_EQ_INT(tc.expired, 1);
    krb_tc_get(&tc, g_k, s[0], 0, 2000, &got); /* the LRU one survived */
    CHECK(got != NULL);
    kg_ticket_free(g_k, got);
    CHECK(list_ok(&tc));
    /* Everything dropped: h0's reference is still good. */
    krb_tc_clear(&tc, g_k);
    CHECK_EQ_INT(endtime(h0), 9000);
    kg_ticket_free(g_k, h0);
    for (int i = 0; i < 6; i++) kg_principal_free(g_k, s[i]);
}

/* ---- the credential's cache ---- */

static void test_creds_wiring(void) {
    write_conf(120);
    sspi_identity *id = NULL;
    REQUIRE(sr_is_ok(sspi_identity_new("alice@x.test", NULL, "pw", &id)));
    sspi_cred_request req;
    memset(&req, 0, sizeof req);
    req.use = SECPKG_CRED_OUTBOUND;
    req.identity = id;
    krb_creds *c = NULL;
    CHECK_OK(krb_creds_acquire(&req, &c, NULL));
    sspi_identity_free(id);
    REQUIRE(c != NULL);
    CHECK_EQ_INT(c->tickets.max, KRB_TC_MAX_DEFAULT);
    CHECK_EQ_INT(c->tickets.skew, 120);
    pthread_mutex_lock(&c->lock);
    kg_principal *s = NULL;
    CHECK_OK(kg_principal_target(c->kg, "HTTP/web.x.test", &s));
    kg_times times = {(int64_t)time(NULL), (int64_t)time(NULL), (int64_t)time(NULL) + 3600, 0};
    kg_ticket *t = NULL;
    CHECK_OK(kg_ticket_new(c->kg, c->client, s, &times, 0, NULL, &t));
    CHECK(krb_creds_cached_ticket(c, s, 0) == NULL);
    krb_creds_remember_ticket(c, s, 0, t);
    kg_ticket *got = krb_creds_cached_ticket(c, s, 0);
    CHECK(got == t);
    kg_ticket_free(c->kg, got);
    kg_ticket_free(c->kg, t);
    kg_principal_free(c->kg, s);
    pthread_mutex_unlock(&c->lock);
    krb_creds_release(c); /* frees the cached ticket (ASan: no leak) */
    write_conf(300);
}

/* ---- threads ---- */

#define N_THREADS 8
#define N_OPS 3000
#define N_SERVERS 12

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static krb_ticket_cache g_tc;
static kg_principal *g_servers[N_SERVERS];
static int g_bad;
static uint64_t g_now = 100000; /* advances: tickets expire meanwhile */

static void *worker(void *arg) {
    unsigned seed = (unsigned)(uintptr_t)arg * 7919u + 1;
    for (int i = 0; i < N_OPS; i++) {
        seed = seed * 1103515245u + 12345u;
        int n = (int)((seed >> 16) % N_SERVERS);
        pthread_mutex_lock(&g_lock);
        int64_t now = (int64_t)g_now++;
        kg_ticket *t = NULL;
        krb_tc_get(&g_tc, g_k, g_servers[n], 0, now, &t);
        if (!t) {
            /* "TGS exchange": the lifetime (short: usable for about 20
             * operations) depends on the server, so a reader can check it
             * got the right ticket. */
            t = ticket(g_servers[n], now, now + 40 + n);
            if (!sr_is_ok(krb_tc_put(&g_tc, g_k, g_servers[n], 0, t, now)))
                __atomic_add_fetch(&g_bad, 1, __ATOMIC_RELAXED);
        }
        pthread_mutex_unlock(&g_lock);
        /* Use the ticket without the lock (as a context would between
         * calls): another thread may evict it meanwhile. */
        kg_times x;
        kg_ticket_times(t, &x);
        if (x.endtime - x.starttime != 40 + n) __atomic_add_fetch(&g_bad, 1, __ATOMIC_RELAXED);
        pthread_mutex_lock(&g_lock);
        kg_ticket_free(g_k, t);
        pthread_mutex_unlock(&g_lock);
    }
    return NULL;
}

static void test_concurrent(void) {
    krb_tc_init(&g_tc, 8, 60);
    char name[64];
    for (int i = 0; i < N_SERVERS; i++) {
        snprintf(name, sizeof name, "svc%d/host.x.test@X.TEST", i);
        g_servers[i] = princ(name);
    }
    pthread_t th[N_THREADS];
    for (uintptr_t i = 0; i < N_THREADS; i++)
        REQUIRE(pthread_create(&th[i], NULL, worker, (void *)i) == 0);
    for (int i = 0; i < N_THREADS; i++) pthread_join(th[i], NULL);
    CHECK_EQ_INT(__atomic_load_n(&g_bad, __ATOMIC_RELAXED), 0);
    CHECK_EQ_INT(g_tc.hits + g_tc.misses, (uint64_t)N_THREADS * N_OPS);
    CHECK(g_tc.hits > 0);
    CHECK(g_tc.evictions > 0);
    CHECK(g_tc.expired > 0);
    CHECK(g_tc.count <= 8);
    CHECK(list_ok(&g_tc));
    krb_tc_clear(&g_tc, g_k);
    for (int i = 0; i < N_SERVERS; i++) kg_principal_free(g_k, g_servers[i]);
}

int main(void) {
    if (!mkdtemp(tmpdir)) return 1;
    write_conf(300);
    if (!sr_is_ok(kg_ctx_new(&g_k))) return 1;
    g_client = princ("alice@X.TEST");
    TEST_RUN(test_freshness);
    TEST_RUN(test_expiry);
    TEST_RUN(test_keys);
    TEST_RUN(test_eviction);
    TEST_RUN(test_creds_wiring);
    TEST_RUN(test_concurrent);
    kg_principal_free(g_k, g_client);
    kg_ctx_free(g_k);
    unlink(conf_path);
    rmdir(tmpdir);
    return test_summary();
}
