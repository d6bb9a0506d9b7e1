/*
 * Negative cache of KDC location per realm (krb_kdc_cache.h), and the
 * Kerberos side of Negotiate's "skip Kerberos while its KDC is known to be
 * missing" (negotiate/mech.h).
 */
#include "krb_kdc_cache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "krb_creds.h"
#include "krb_transport.h"
#include "packages/negotiate/mech.h"

#define LOG_COMPONENT "kerberos"

extern const sspi_package sspi_kerberos_package;

typedef struct neg_entry {
    bool used;
    int64_t expires;          /* of the mark, monotonic ms; 0: not marked */
    krb_kdc_neg_reason why;
    int64_t answered;         /* last KDC answer, monotonic ms; 0: none seen */
    char realm[KRB_KDC_NEGCACHE_REALM_MAX + 1];
} neg_entry;

static pthread_mutex_t neg_lock = PTHREAD_MUTEX_INITIALIZER;
static neg_entry neg_table[KRB_KDC_NEGCACHE_MAX];
/* Entries with a mark (read without the lock: 0 means no lookup can hit). */
static atomic_size_t neg_marked;
static size_t neg_used;                  /* under neg_lock */
static krb_kdc_negcache_stats neg_stats; /* under neg_lock (counts only) */

/* ---- lifetime ---- */

static pthread_once_t ttl_once = PTHREAD_ONCE_INIT;
static int64_t ttl_env_ms;
/* < 0: the environment's value. */
static _Atomic int64_t ttl_override_ms = -1;

static void ttl_init(void) {
    int64_t s = KRB_KDC_NEGCACHE_DEFAULT_SECONDS;
    const char *v = getenv("SSPI_KDC_NEGATIVE_CACHE_SECONDS");
    if (v && *v) {
        char *end = NULL;
        long n = strtol(v, &end, 10);
        if (end && *end == '\0' && n >= 0 && n <= KRB_KDC_NEGCACHE_MAX_SECONDS)
            s = n;
        else
            SSPI_LOG(SSPI_LOG_INFO, LOG_COMPONENT,
                     "SSPI_KDC_NEGATIVE_CACHE_SECONDS=%s ignored (0..%d): %d s", v,
                     KRB_KDC_NEGCACHE_MAX_SECONDS, KRB_KDC_NEGCACHE_DEFAULT_SECONDS);
    }
    ttl_env_ms = s * 1000;
}

int64_t krb_kdc_negcache_ttl_ms(void) {
    int64_t o = atomic_load_explicit(&ttl_override_ms, memory_order_relaxed);
    if (o >= 0) return o;
    pthread_once(&ttl_once, ttl_init);
    return ttl_env_ms;
}

void krb_kdc_negcache_set_ttl_ms(int64_t ms) {
    atomic_store(&ttl_override_ms, ms < 0 ? -1 : ms);
}

/* ---- the table (under neg_lock) ---- */

static bool cacheable(const char *realm) {
    return realm && realm[0] && strlen(realm) <= KRB_KDC_NEGCACHE_REALM_MAX;
}

static void unmark(neg_entry *e) {
    if (!e->expires) return;
    e->expires = 0;
    atomic_fetch_sub_explicit(&neg_marked, 1, memory_order_relaxed);
}

static void slot_free(neg_entry *e) {
    unmark(e);
    memset(e, 0, sizeof *e);
    neg_used--;
}

static neg_entry *slot_find(const char *realm) {
    for (size_t i = 0; i < KRB_KDC_NEGCACHE_MAX; i++)
        if (neg_table[i].used && strcmp(neg_table[i].realm, realm) == 0) return &neg_table[i];
    return NULL;
}

/* An entry for realm: the existing one, else a free slot, else the
 * least useful one (unmarked with the oldest answer, then an expired mark,
 * then the mark expiring first) emptied. */
static neg_entry *slot_get(const char *realm, int64_t now_ms) {
    neg_entry *e = slot_find(realm);
    if (e) return e;
    neg_entry *victim = NULL;
    int victim_rank = 3;
    for (size_t i = 0; i < KRB_KDC_NEGCACHE_MAX; i++) {
        neg_entry *x = &neg_table[i];
        if (!x->used) {
            e = x;
            break;
        }
        int rank = !x->expires ? 0 : now_ms >= x->expires ? 1 : 2;
        int64_t key = rank == 0 ? x->answered : x->expires;
        int64_t vkey = !victim ? 0 : victim_rank == 0 ? victim->answered : victim->expires;
        if (!victim || rank < victim_rank || (rank == victim_rank && key < vkey)) {
            victim = x;
            victim_rank = rank;
        }
    }
    if (!e) {
        if (victim_rank == 1)
            neg_stats.expired++;
        else
            neg_stats.evictions++;
        slot_free(victim);
        e = victim;
    }
    memset(e, 0, sizeof *e);
    e->used = true;
    memcpy(e->realm, realm, strlen(realm) + 1);
    neg_used++;
    return e;
}

bool krb_kdc_negcache_lookup(const char *realm, int64_t now_ms, krb_kdc_neg_reason *why) {
    if (atomic_load_explicit(&neg_marked, memory_order_relaxed) == 0 || !cacheable(realm))
        return false;
    bool hit = false;
    pthread_mutex_lock(&neg_lock);
    neg_entry *e = slot_find(realm);
    if (e && e->expires && now_ms >= e->expires) {
        unmark(e);
        neg_stats.expired++;
    } else if (e && e->expires) {
        hit = true;
        neg_stats.hits++;
        if (why) *why = e->why;
    }
    pthread_mutex_unlock(&neg_lock);
    return hit;
}

bool krb_kdc_negcache_put(const char *realm, krb_kdc_neg_reason why, int64_t now_ms) {
    int64_t ttl = krb_kdc_negcache_ttl_ms();
    if (ttl <= 0 || !cacheable(realm)) return false;
    int64_t expires = now_ms + ttl;
    if (expires <= 0) expires = 1; /* 0 means "not marked" */
    bool marked = false;
    pthread_mutex_lock(&neg_lock);
    neg_entry *e = slot_find(realm);
    if (e && e->answered && now_ms - e->answered < ttl) {
        neg_stats.spared++;
    } else {
        if (!e) e = slot_get(realm, now_ms);
        if (!e->expires) atomic_fetch_add_explicit(&neg_marked, 1, memory_order_relaxed);
        e->expires = expires;
        e->why = why;
        neg_stats.puts++;
        marked = true;
    }
    pthread_mutex_unlock(&neg_lock);
    return marked;
}

void krb_kdc_negcache_answered(const char *realm, int64_t now_ms) {
    if (krb_kdc_negcache_ttl_ms() <= 0 || !cacheable(realm)) return;
    pthread_mutex_lock(&neg_lock);
    neg_entry *e = slot_get(realm, now_ms);
    bool was_marked = e->expires != 0;
    unmark(e);
    e->answered = now_ms ? now_ms : 1;
    pthread_mutex_unlock(&neg_lock);
    if (was_marked) SSPI_LOG(SSPI_LOG_DEBUG, LOG_COMPONENT, "a KDC of realm %s answered", realm);
}

void krb_kdc_negcache_clear(void) {
    pthread_mutex_lock(&neg_lock);
    for (size_t i = 0; i < KRB_KDC_NEGCACHE_MAX; i++)
        if (neg_table[i].used) slot_free(&neg_table[i]);
    pthread_mutex_unlock(&neg_lock);
}

void krb_kdc_negcache_get_stats(krb_kdc_negcache_stats *out) {
    pthread_mutex_lock(&neg_lock);
    *out = neg_stats;
    out->entries = neg_used;
    out->marked = atomic_load_explicit(&neg_marked, memory_order_relaxed);
    pthread_mutex_unlock(&neg_lock);
}

void krb_kdc_negcache_unreachable(const char *realm) {
    int64_t ttl = krb_kdc_negcache_ttl_ms();
    if (krb_kdc_negcache_put(realm, KRB_KDC_NEG_UNREACHABLE, krb_now_ms()))
        SSPI_LOG(SSPI_LOG_INFO, LOG_COMPONENT,
                 "no KDC of realm %s answered: not tried again for %lld s", realm,
                 (long long)(ttl / 1000));
    else
        SSPI_LOG(SSPI_LOG_INFO, LOG_COMPONENT, "no KDC of realm %s answered%s", realm,
                 ttl > 0 ? " (one did lately: not remembered)" : "");
}

void krb_kdc_negcache_answered_now(const char *realm) {
    krb_kdc_negcache_answered(realm, krb_now_ms());
}

/* ---- Negotiate: is Kerberos hopeless for this credential right now? ----
 *
 * A credential that must first get its TGT (password or client keytab, no
 * AS exchange done yet) needs a KDC of the client's realm before it can
 * make any token: when that realm is in the negative cache the attempt can
 * only end in SR_NO_AUTHENTICATING_AUTHORITY, so Negotiate skips it (no
 * Kerberos context, no krb5 work). A credential with a TGT is always tried:
 * its ticket cache (or the ccache) may hold a ticket for the target, which
 * needs no KDC; if it needs one, the transport fails at once anyway. */
bool krb_spnego_kdc_unavailable(const sspi_package *pkg, void *pkg_cred) {
    krb_creds *c = pkg_cred;
    if (pkg != &sspi_kerberos_package || !c || !c->outbound || !c->client_name) return false; /* set at acquire, then fixed */
    const char *at = strrchr(c->client_name, '@');
    if (!at || !at[1]) return false;
    if (!krb_kdc_negcache_lookup(at + 1, krb_now_ms(), NULL)) return false;
    pthread_mutex_lock(&c->lock);
    bool needs_as = !c->have_tgt && (c->password || c->client_kt);
    pthread_mutex_unlock(&c->lock);
    return needs_as;
}
