/*
 * The acceptor's account database (see include/libsspi_ntlm.h for the file
 * format): an application callback and/or a gss-ntlmssp style file
 * "DOMAIN:USER:PASSWORD" / "DOMAIN:USER:$NT$<hex>". Secrets read from the
 * file are wiped after use.
 *
 * File cache: while a credential has an account file (ntlm_userdb_cache_open
 * by ntlm_creds), lookups of that path use an immutable, reference-counted
 * snapshot of the parsed file with the accounts' hashes, checked against the
 * file with one stat() per lookup (device, inode, size, mtime, ctime): a
 * changed file is read again. Files changed less than two seconds ago are
 * not cached (their timestamps cannot tell two quick writes apart) and are
 * read per lookup, as are paths no credential holds open. The snapshot is
 * wiped when replaced or when the last credential holding the path goes.
 * Any number of contexts may look up concurrently.
 */
#ifndef LIBSSPI_NTLM_USERDB_H
#define LIBSSPI_NTLM_USERDB_H

#include <stdbool.h>
#include <stdint.h>

#include <libsspi_ntlm.h>

#include "core/identity.h"
#include "core/result.h"

/* Where to look: both may be absent (then every lookup fails). */
typedef struct ntlm_userdb_source {
    char *file;               /* owned copy of the path, or NULL */
    LIBSSPI_NTLM_HASH_FN callback;
    void *callback_arg;
} ntlm_userdb_source;

/* The process's cache of one account file path (see above), shared by all
 * credentials that use the path: open takes a reference (creating the
 * entry), close drops it (the last close wipes and frees the snapshot). */
typedef struct ntlm_userdb_cache ntlm_userdb_cache;
SR_MUST_CHECK sr ntlm_userdb_cache_open(const char *path, ntlm_userdb_cache **out);
void ntlm_userdb_cache_close(ntlm_userdb_cache *c);

typedef struct ntlm_account {
    uint8_t nt_hash[16];      /* NTOWFv1 */
    bool has_lm_hash;         /* only for accounts given as a password */
    uint8_t lm_hash[16];      /* LMOWFv1 */
    bool empty_password;      /* the NT hash is the hash of "" */
} ntlm_account;

/* Look up (user, domain) as the client sent them. Matching is
 * case-insensitive; an entry with an empty domain matches any domain, and an
 * empty requested domain matches any entry. For a "user@realm" name with an
 * empty domain the file is also searched for (user, realm).
 * SR_LOGON_DENIED when the account is unknown (or no source is configured),
 * SR_NO_MEMORY / crypto errors otherwise. */
SR_MUST_CHECK sr ntlm_userdb_lookup(const ntlm_userdb_source *src, const char *user,
                                    const char *domain, ntlm_account *out);
/* The first account of `file` as a client identity (default credentials).
 * SR_NO_CREDENTIALS when the file is missing, unreadable or has no valid
 * entry. */
SR_MUST_CHECK sr ntlm_userdb_first_identity(const char *file, sspi_identity **out);
/* Wipe an account. */
void ntlm_account_clear(ntlm_account *a);
/* Copy / free a source (the file path is duplicated). */
SR_MUST_CHECK sr ntlm_userdb_source_copy(const ntlm_userdb_source *in, ntlm_userdb_source *out);
void ntlm_userdb_source_clear(ntlm_userdb_source *s);

#endif
