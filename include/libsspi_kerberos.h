/*
 * libsspi_kerberos.h - libsspi extensions for the Kerberos package.
 *
 * Part of libsspi's public API (included by <libsspi.h>). Nothing here exists
 * on Windows, where the LSA holds tickets and machine keys. On Linux the
 * Kerberos package uses MIT krb5's configuration and stores:
 *
 *   client   the default credential cache (KRB5CCNAME), or the cache of the
 *            collection holding pszPrincipal; with a SEC_WINNT_AUTH_IDENTITY
 *            carrying a password, a PRIVATE in-memory cache filled by an AS
 *            exchange at the first InitializeSecurityContext (the user's
 *            caches are never modified); without any cache, the client keytab
 *            (KRB5_CLIENT_KTNAME).
 *   server   the keytab (KRB5_KTNAME or the default keytab, or the path set
 *            with SECPKG_CRED_ATTR_LIBSSPI_KRB5_KEYTAB); any principal it
 *            holds is accepted, or only pszPrincipal when one was given to
 *            AcquireCredentialsHandle.
 *
 * Attribute ids live in libsspi's private range (0x7f000100.. for
 * Kerberos). Unknown ids give SEC_E_UNSUPPORTED_FUNCTION; a bad buffer gives
 * SEC_E_INVALID_PARAMETER.
 */
#ifndef LIBSSPI_KERBEROS_H
#define LIBSSPI_KERBEROS_H

#include "sspi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* SetCredentialsAttributesA/W: pBuffer is a keytab name ("FILE:/path" or a
 * path) as a NUL-terminated string (char* UTF-8 for A, SEC_WCHAR* for W),
 * cbBuffer its size in bytes. Used by contexts accepted afterwards; an empty
 * string goes back to the default keytab.
 * QueryCredentialsAttributesA/W: pBuffer is a SecPkgCredentials_LibsspiStringA/W
 * receiving the keytab name in use (FreeContextBuffer). */
#define SECPKG_CRED_ATTR_LIBSSPI_KRB5_KEYTAB 0x7f000100UL

/* QueryCredentialsAttributesA/W: the credential cache an outbound
 * credential uses ("FILE:/tmp/krb5cc_1000", "MEMORY:..." for a private
 * cache), as a SecPkgCredentials_LibsspiStringA/W. */
#define SECPKG_CRED_ATTR_LIBSSPI_KRB5_CCACHE 0x7f000101UL

/* SetCredentialsAttributesA/W on an outbound credential: pBuffer is a ULONG,
 * cbBuffer sizeof(ULONG). With ISC_REQ_DELEGATE the client's TGT is
 * forwarded (KRB-CRED in the authenticator checksum, RFC 4121 4.1.1)
 *   LIBSSPI_KRB5_DELEGATE_OK_AS_DELEGATE  only to services whose ticket has
 *                                         the ok-as-delegate flag (default,
 *                                         as Windows);
 *   LIBSSPI_KRB5_DELEGATE_ALWAYS          to any service (MIT's
 *                                         GSS_C_DELEG_FLAG behaviour). */
#define SECPKG_CRED_ATTR_LIBSSPI_KRB5_DELEGATION 0x7f000102UL
#define LIBSSPI_KRB5_DELEGATE_OK_AS_DELEGATE 0UL
#define LIBSSPI_KRB5_DELEGATE_ALWAYS 1UL

/* QueryContextAttributesA/W on an accepted context: the name of the MEMORY
 * credential cache holding the client's delegated credentials (ASC_RET_DELEGATE),
 * as a SecPkgContext_LibsspiStringA/W; SEC_E_NO_CREDENTIALS when the client
 * delegated nothing. The cache lives as long as the security context: copy
 * the tickets out before DeleteSecurityContext if they are needed longer. */
#define SECPKG_ATTR_LIBSSPI_KRB5_DELEGATED_CCACHE 0x7f000180UL

/* String results of the attributes above (free sValue with FreeContextBuffer). */
typedef struct _SecPkgCredentials_LibsspiStringA {
    char *sValue;
} SecPkgCredentials_LibsspiStringA, SecPkgContext_LibsspiStringA;
typedef struct _SecPkgCredentials_LibsspiStringW {
    SEC_WCHAR *sValue;
} SecPkgCredentials_LibsspiStringW, SecPkgContext_LibsspiStringW;

#ifdef __cplusplus
}
#endif

#endif
