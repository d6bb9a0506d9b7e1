/*
 * One internal form for every credential identity a caller can pass
 * (SEC_WINNT_AUTH_IDENTITY_A/W, SEC_WINNT_AUTH_IDENTITY_EXA/EXW): UTF-8
 * strings, the password in memory that is wiped when freed.
 *
 * Name forms (MS-NLMP 3.1.5.1.2 / Windows LogonUser conventions):
 *   - User "DOMAIN\user" with no Domain: split into domain and user;
 *   - User "user@REALM" with no Domain: kept whole in `user`, `upn` set
 *     (NTLM sends it as is with an empty domain; Kerberos uses the realm).
 */
#ifndef LIBSSPI_CORE_IDENTITY_H
#define LIBSSPI_CORE_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "result.h"

typedef struct sspi_identity {
    char *user;          /* UTF-8, never NULL (may be "") */
    char *domain;        /* UTF-8, never NULL (may be "") */
    char *password;      /* UTF-8, NUL-terminated, never NULL (may be "");
                          * wiped on free. Empty when nt_hash is used. */
    size_t password_len; /* bytes, without the NUL */
    bool has_nt_hash;    /* SEC_WINNT_AUTH_IDENTITY_LIBSSPI_NT_HASH given */
    uint8_t nt_hash[16]; /* wiped on free */
    bool upn;            /* user is in user@REALM form */
    bool anonymous;      /* user, domain and password all empty (NULL session) */
    char *package_list;  /* EX structures' PackageList, UTF-8, or NULL */
    uint32_t flags;      /* the caller's Flags field, as given */
} sspi_identity;

/* Parse pAuthData of AcquireCredentialsHandle. `unicode_call` is true for
 * AcquireCredentialsHandleW (the Flags field still decides the string
 * encoding, as on Windows: SEC_WINNT_AUTH_IDENTITY_ANSI / _UNICODE).
 * Recognises SEC_WINNT_AUTH_IDENTITY_EXA/EXW by their Version field.
 * SR_UNKNOWN_CREDENTIALS for an unusable structure (bad Version/Length,
 * NULL string with non-zero length, unknown encoding flag),
 * SR_INVALID_PARAMETER for invalid UTF-8/UTF-16 text. */
SR_MUST_CHECK sr sspi_identity_from_auth_data(const void *auth_data, bool unicode_call,
                                              sspi_identity **out);
/* Build from UTF-8 parts (domain may be NULL: then user is split). */
SR_MUST_CHECK sr sspi_identity_new(const char *user, const char *domain, const char *password,
                                   sspi_identity **out);
SR_MUST_CHECK sr sspi_identity_clone(const sspi_identity *in, sspi_identity **out);
void sspi_identity_free(sspi_identity *id);

#endif
