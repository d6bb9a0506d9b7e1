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
    /* inbound */
    bool inbound;
    char *keytab_name;        /* NULL: default keytab */
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

/* Unix seconds -> FILETIME TimeStamp (0 or less: "never"). */
void krb_timestamp_from_unix(TimeStamp *ts, int64_t unix_seconds);

#endif
