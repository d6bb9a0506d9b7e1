/*
 * libsspi.h - libsspi-specific extensions to the Windows SSPI API.
 *
 * Included at the end of sspi.h; may also be included on its own (it then
 * includes sspi.h). Nothing here exists on Windows: portable code should
 * guard uses with #ifdef LIBSSPI_VERSION_MAJOR.
 */
#ifndef LIBSSPI_LIBSSPI_H
#define LIBSSPI_LIBSSPI_H

#include "sspi.h"

/* ---- Version ---------------------------------------------------------- */

#define LIBSSPI_VERSION_MAJOR 0
#define LIBSSPI_VERSION_MINOR 1
#define LIBSSPI_VERSION_PATCH 0
#define LIBSSPI_VERSION_STRING "0.1.0"
/* Single comparable number: 0xMMmmpp. */
#define LIBSSPI_VERSION_NUMBER \
    ((LIBSSPI_VERSION_MAJOR << 16) | (LIBSSPI_VERSION_MINOR << 8) | LIBSSPI_VERSION_PATCH)

/* ---- SEC_WINNT_AUTH_IDENTITY{,_EX} Flags extensions -------------------- */

/*
 * Pass-the-hash: Password holds the account's NT hash (MD4 of the UTF-16LE
 * password) as exactly 32 hexadecimal characters (either case), and
 * PasswordLength is 32. OR it with SEC_WINNT_AUTH_IDENTITY_ANSI or _UNICODE.
 * Honoured by the NTLM package (and by Negotiate when it selects NTLM).
 * Note: the bit lies inside SEC_WINNT_AUTH_IDENTITY_FLAGS_SSPIPFC_USE_MASK,
 * which Windows only uses for SspiPromptForCredentials; libsspi has no such
 * prompt, so there is no conflict.
 */
#define SEC_WINNT_AUTH_IDENTITY_LIBSSPI_NT_HASH 0x01000000

/* ---- Extension credential attributes ---------------------------------- */
/*
 * SECPKG_CRED_ATTR_LIBSSPI_* ids for Query/SetCredentialsAttributes live in
 * the range 0x7f000000 .. 0x7fffffff, which Windows never uses.
 */
#define SECPKG_CRED_ATTR_LIBSSPI_BASE 0x7f000000

/* Package extensions: NTLM ids in 0x7f000001.., Kerberos in 0x7f000100.. */
#include "libsspi_ntlm.h"
#include "libsspi_kerberos.h"

#endif /* LIBSSPI_LIBSSPI_H */
