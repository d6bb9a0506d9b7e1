/*
 * Kerberos credentials (AcquireCredentialsHandle "Kerberos").
 *
 * Outbound: where the client's TGT comes from (see include/libsspi_kerberos.h):
 *   - the default ccache, or the collection's cache for pszPrincipal;
 *   - a password (SEC_WINNT_AUTH_IDENTITY): a private MEMORY ccache, filled
 *     by an AS exchange the first time a context needs it (Windows also
 *     contacts the KDC only at InitializeSecurityContext time, so a wrong
 *     password shows as SEC_E_LOGON_DENIED there);
 *   - the client keytab, the same way.
 * Inbound: the keytab name (NULL: default) and an optional acceptor
 * principal.
 *
 * The credential owns one kg_ctx (krb5_context). Everything that uses it
 * runs under `lock` (krb5 contexts are single-threaded), including the KDC
 * exchanges of the synchronous API. Asynchronous calls hold it only around
 * each krb5 step (krb5_init_creds_step / krb5_tkt_creds_step, ccache reads
 * and writes), never while a KDC exchange is in flight: any number of
 * contexts of one credential wait for their KDC replies at once.
 * Reference counted like NTLM's: contexts (and suspended calls) hold a
 * reference.
 *
 * Service tickets: every outbound credential keeps the service tickets it
 * obtained in `tickets`, an in-memory cache (krb_ticket_cache below), as
 * Windows keeps them per logon session: the user's ccache is never written
 * (a default / collection ccache is only read: its TGT, and a service
 * ticket already there), and the private MEMORY ccache of a password or
 * keytab credential holds the TGT alone. InitializeSecurityContext asks the
 * KDC (TGS) only when the cache has no usable ticket for the target, in the
 * synchronous and the asynchronous path alike. The cache is guarded by
 * `lock` like the rest: held around each lookup / insertion only, never
 * across a KDC exchange of an asynchronous call.
 */
#ifndef LIBSSPI_KRB_CREDS_H
#define LIBSSPI_KRB_CREDS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include <sspi.h>

#include "core/result.h"
#include "krb5_glue.h"
#include "packages/package.h"

/* ---- the service ticket cache ----
 *
 * Keyed by the server principal asked for (before any referral: the realm
 * as the target name gave it) and the request options (KRB_TC_OPT_*: what
 * changes the ticket the KDC hands out; 0 today). An entry is served while
 *     starttime - skew <= now < endtime - margin,
 *     margin = min(skew, (endtime - starttime) / 2)
 * (skew: [libdefaults] clockskew): a ticket is replaced by a new TGS
 * exchange shortly before it expires rather than handed out to fail at the
 * acceptor; service tickets are not renewed, a fresh one is asked for (the
 * TGT's renewal is the ccache owner's business). At most `max` entries; a
 * full cache drops expired entries, then the least recently used one.
 * Entries hold a reference to their ticket (kg_ticket_ref): a lookup hands
 * out another, so an eviction never pulls a ticket from under a context.
 * NOT thread-safe by itself: every call under the owner's lock (the
 * credential's `lock`). */
#define KRB_TC_MAX_DEFAULT 64
#define KRB_TC_OPT_NONE 0u

typedef struct krb_tc_entry {
    struct krb_tc_entry *prev, *next;
    kg_principal *server;      /* the key: principal asked for, options */
    uint32_t options;
    kg_ticket *ticket;         /* a reference */
    kg_times times;
} krb_tc_entry;

typedef struct krb_ticket_cache {
    krb_tc_entry *head, *tail; /* most recently used first */
    size_t count, max;
    int64_t skew;              /* seconds */
    /* statistics (tests, logs) */
    uint64_t hits, misses, evictions, expired;
} krb_ticket_cache;

void krb_tc_init(krb_ticket_cache *tc, size_t max, int64_t skew);
/* Drop every entry (their ticket references with k). */
void krb_tc_clear(krb_ticket_cache *tc, kg_ctx *k);
/* A usable ticket for (server, options) at `now` (Unix seconds): *out is a
 * new reference (kg_ticket_free), or NULL on a miss. An expired entry found
 * on the way is dropped. */
void krb_tc_get(krb_ticket_cache *tc, kg_ctx *k, const kg_principal *server, uint32_t options,
                int64_t now, kg_ticket **out);
/* Remember t for (server, options) (the cache takes its own reference; an
 * entry of the same key is replaced). A ticket already unusable at `now`
 * is not stored (SR_OK). SR_NO_MEMORY: not stored. */
SR_MUST_CHECK sr krb_tc_put(krb_ticket_cache *tc, kg_ctx *k, const kg_principal *server,
                            uint32_t options, kg_ticket *t, int64_t now);
/* Is a ticket with these times usable at `now` (the rule above)? */
bool krb_tc_usable(const krb_ticket_cache *tc, const kg_times *t, int64_t now);

typedef struct krb_creds {
    atomic_uint refs;
    ULONG use;
    pthread_mutex_t lock;
    kg_ctx *kg;
    /* outbound */
    bool outbound;            /* usable to initiate */
    kg_ccache *ccache;        /* NULL until known */
    bool private_cc;          /* ours (MEMORY): destroyed with the credential */
    kg_principal *client;
    char *client_name;        /* "alice@REALM" */
    char *password;           /* until the AS exchange succeeded */
    size_t password_len;
    kg_keytab *client_kt;     /* AS with the client keytab */
    bool have_tgt;
    bool deleg_always;        /* delegate even without ok-as-delegate */
    krb_ticket_cache tickets; /* service tickets (under lock) */
    /* inbound */
    bool inbound;
    char *keytab_name;        /* NULL: default keytab */
    kg_keytab *keytab;        /* keytab_name resolved (krb_creds_keytab), or NULL */
    kg_principal *acceptor;   /* only this principal, or NULL: any */
    char *acceptor_name;
} krb_creds;

SR_MUST_CHECK sr krb_creds_acquire(const sspi_cred_request *req, krb_creds **out,
                                   TimeStamp *expiry);
krb_creds *krb_creds_ref(krb_creds *c);
void krb_creds_release(krb_creds *c);

/* Under c->lock: make sure the TGT is there (runs the AS exchange for a
 * password / keytab credential). */
SR_MUST_CHECK sr krb_creds_ensure_tgt(krb_creds *c);
/* Under c->lock: the TGT of a finished AS exchange x goes into the
 * credential's cache (the password is then forgotten), unless a concurrent
 * exchange got there first (asynchronous calls: several contexts of a new
 * credential may run their AS exchange at once; the first TGT wins). */
SR_MUST_CHECK sr krb_creds_store_tgt(krb_creds *c, kg_exchange *x);

SR_MUST_CHECK sr krb_creds_query_attribute(krb_creds *c, ULONG attribute, void *buffer,
                                           bool unicode);
SR_MUST_CHECK sr krb_creds_set_attribute(krb_creds *c, ULONG attribute, const void *buffer,
                                         ULONG buffer_len, bool unicode);

/* Under c->lock: the acceptor's keytab (keytab_name, else the default),
 * resolved on first use and kept until keytab_name changes (a FILE keytab
 * is still read afresh by each lookup: new keys show at once). Owned by c. */
SR_MUST_CHECK sr krb_creds_keytab(krb_creds *c, kg_keytab **out);

/* Under c->lock: the cached service ticket for server (a new reference),
 * or NULL; and remembering a ticket just obtained (best effort: a failure
 * is logged, the ticket stays the caller's either way). */
kg_ticket *krb_creds_cached_ticket(krb_creds *c, const kg_principal *server, uint32_t options);
void krb_creds_remember_ticket(krb_creds *c, const kg_principal *server, uint32_t options,
                               kg_ticket *t);

/* Unix seconds -> FILETIME TimeStamp (0 or less: "never"). */
void krb_timestamp_from_unix(TimeStamp *ts, int64_t unix_seconds);

#endif
