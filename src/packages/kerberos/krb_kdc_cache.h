/*
 * Process-wide negative cache of KDC location per realm (the counterpart of
 * the Windows DC locator's negative cache).
 *
 * When a realm has no KDC (no `kdc` entry in krb5.conf and no DNS SRV
 * record, or DNS did not answer) or when none of its KDCs answered an
 * exchange (SEC_E_NO_AUTHENTICATING_AUTHORITY), the realm is remembered as
 * "no KDC" for a while: every KDC exchange for it then fails at once with
 * SR_NO_AUTHENTICATING_AUTHORITY (krb_transport.c, the synchronous and the
 * asynchronous flavour alike), without DNS queries, sockets or waits, and
 * Negotiate skips Kerberos for a credential that would need that realm's KDC
 * before it could make a token (krb_spnego_kdc_unavailable below), so its
 * fallback to NTLM costs nothing but the first attempt.
 *
 *   SSPI_KDC_NEGATIVE_CACHE_SECONDS  how long an entry lives (default 60;
 *                                    0: no negative caching at all)
 *
 * A KDC reply for a realm drops its entry at once (a request sent before
 * the entry was made may still come back) and is remembered: a realm one
 * of whose KDCs answered within the last lifetime is not marked (a timeout
 * then says "overloaded", not "gone": a burst that outruns the KDC must
 * not cut Kerberos off for a minute; a KDC that really went away is marked
 * once its last answer is a lifetime old). Entries are keyed by the realm
 * exactly as written (Kerberos realms are case-sensitive); at most
 * KRB_KDC_NEGCACHE_MAX of them (a full table drops unmarked entries with
 * the oldest answer first, then the mark closest to expiry). Thread-safe
 * (one mutex, held for a table scan only); a lookup while no realm is
 * marked takes no lock. No allocation. Times are monotonic milliseconds
 * (krb_now_ms()), passed in so that tests can move the clock.
 */
#ifndef LIBSSPI_KRB_KDC_CACHE_H
#define LIBSSPI_KRB_KDC_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KRB_KDC_NEGCACHE_DEFAULT_SECONDS 60
#define KRB_KDC_NEGCACHE_MAX_SECONDS 86400
#define KRB_KDC_NEGCACHE_MAX 64
#define KRB_KDC_NEGCACHE_REALM_MAX 255 /* longer realm names are never cached */

typedef enum krb_kdc_neg_reason {
    KRB_KDC_NEG_NOT_FOUND = 1, /* no KDC configured, no SRV record found */
    KRB_KDC_NEG_UNREACHABLE    /* KDCs known, none answered */
} krb_kdc_neg_reason;

/* The lifetime of an entry in ms: SSPI_KDC_NEGATIVE_CACHE_SECONDS (read
 * once; invalid or out of 0..KRB_KDC_NEGCACHE_MAX_SECONDS: the default),
 * unless krb_kdc_negcache_set_ttl_ms overrode it. 0: off. */
int64_t krb_kdc_negcache_ttl_ms(void);
/* Tests: a lifetime in ms (>= 0), or back to the environment's (< 0). */
void krb_kdc_negcache_set_ttl_ms(int64_t ms);

/* Is realm known to have no usable KDC at now_ms? (the reason in *why when
 * not NULL). Expired entries are dropped on the way. */
bool krb_kdc_negcache_lookup(const char *realm, int64_t now_ms, krb_kdc_neg_reason *why);
/* Mark realm as "no KDC" from now_ms for the configured lifetime, unless
 * one of its KDCs answered less than a lifetime ago (or the cache is off):
 * true when marked. A mark is renewed. */
bool krb_kdc_negcache_put(const char *realm, krb_kdc_neg_reason why, int64_t now_ms);
/* A KDC of realm answered at now_ms: its mark goes, the time is kept. */
void krb_kdc_negcache_answered(const char *realm, int64_t now_ms);
/* Drop every entry (tests; a changed configuration). */
void krb_kdc_negcache_clear(void);

typedef struct krb_kdc_negcache_stats {
    uint64_t hits, puts, evictions, expired;
    uint64_t spared; /* puts refused: the realm's KDC answered recently */
    size_t entries;  /* realms in the table (marked or not) */
    size_t marked;   /* realms marked "no KDC" (expired marks included) */
} krb_kdc_negcache_stats;
void krb_kdc_negcache_get_stats(krb_kdc_negcache_stats *out);

/* The transport's shorthands (now: krb_now_ms()): a realm none of whose
 * KDCs answered (marked unless one answered recently; logged), and a KDC
 * answer. */
void krb_kdc_negcache_unreachable(const char *realm);
void krb_kdc_negcache_answered_now(const char *realm);

#endif
