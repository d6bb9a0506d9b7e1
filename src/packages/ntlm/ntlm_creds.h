/*
 * NTLM credentials (AcquireCredentialsHandle "NTLM"): the client identity
 * (password, NT hash for pass-the-hash, or anonymous), and the acceptor's
 * account database and policy. Attributes set with SetCredentialsAttributes
 * (include/libsspi_ntlm.h) change the credential under its lock; a context
 * takes a snapshot (ntlm_creds_snapshot) when it is created and keeps a
 * reference to the credential for the identity, which never changes after
 * acquisition. The credential is reference counted: FreeCredentialsHandle
 * drops the handle's reference, contexts hold their own.
 */
#ifndef LIBSSPI_NTLM_CREDS_H
#define LIBSSPI_NTLM_CREDS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include <sspi.h>

#include "core/identity.h"
#include "core/result.h"
#include "packages/package.h"
#include "ntlm_userdb.h"

#define NTLM_LM_COMPAT_DEFAULT 3u

/* Per-context policy (copied from the credential). */
typedef struct ntlm_policy {
    unsigned lm_compat;        /* 0..5, gss-ntlmssp meaning */
    unsigned long cbt_policy;  /* LIBSSPI_CBT_* */
    bool allow_anonymous;
    bool allow_empty_password;
} ntlm_policy;

/* The client identity's one-way functions (MS-NLMP 3.3.1, 3.3.2). */
typedef struct ntlm_client_keys {
    uint8_t nt_hash[16];       /* NTOWFv1 */
    uint8_t ntowfv2[16];       /* NTOWFv2(user, domain of the identity) */
    bool has_lm_hash;          /* LMOWFv1 computable (password given) */
    uint8_t lm_hash[16];       /* LMOWFv1 */
} ntlm_client_keys;

typedef struct ntlm_creds {
    atomic_uint refs;
    ULONG use;                 /* SECPKG_CRED_INBOUND / OUTBOUND / BOTH */
    sspi_identity *identity;   /* client identity; NULL if none (inbound) */
    pthread_mutex_t lock;      /* guards policy, db and the key cache */
    ntlm_policy policy;
    ntlm_userdb_source db;
    ntlm_userdb_cache *file_cache; /* keeps db.file's snapshot cached */
    /* Key cache (ntlm_creds_client_keys): the identity never changes, so
     * its hashes are derived once, not per handshake. Wiped on free. */
    bool keys_ready;           /* nt_hash and ntowfv2 valid */
    bool lm_ready;             /* has_lm_hash / lm_hash decided */
    ntlm_client_keys keys;
} ntlm_creds;

SR_MUST_CHECK sr ntlm_creds_acquire(const sspi_cred_request *req, ntlm_creds **out);
ntlm_creds *ntlm_creds_ref(ntlm_creds *c);
/* Drop a reference; the last one wipes and frees. NULL is fine. */
void ntlm_creds_release(ntlm_creds *c);
/* Copy policy and account sources (the copy must be cleared with
 * ntlm_userdb_source_clear). */
SR_MUST_CHECK sr ntlm_creds_snapshot(ntlm_creds *c, ntlm_policy *policy, ntlm_userdb_source *db);

/* The identity's NTOWFv1 and NTOWFv2 and, when want_lm, LMOWFv1 (LM
 * compatibility levels below 3 only: the LM hash takes DES work and is
 * never used with NTLMv2), computed on first use and cached in the
 * credential (thread-safe). out must be wiped by the caller. Errors are
 * those of ntlm_nt_hash / ntlm_ntowfv2 (nothing is cached then). */
SR_MUST_CHECK sr ntlm_creds_client_keys(ntlm_creds *c, bool want_lm, ntlm_client_keys *out);

SR_MUST_CHECK sr ntlm_creds_set_attribute(ntlm_creds *c, ULONG attribute, const void *buffer,
                                          ULONG buffer_len, bool unicode);
SR_MUST_CHECK sr ntlm_creds_query_attribute(ntlm_creds *c, ULONG attribute, void *buffer,
                                            bool unicode);

/* "DOMAIN\user", or "user" when the domain is empty (NULL is ""), as
 * heap UTF-8. */
SR_MUST_CHECK sr ntlm_qualified_name(const char *domain, const char *user, char **out);

/* LM_COMPAT_LEVEL from the environment (default 3; invalid values are
 * ignored with a log line). */
unsigned ntlm_lm_compat_from_env(void);

#endif
