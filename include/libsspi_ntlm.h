/*
 * libsspi_ntlm.h - libsspi extensions for the NTLM package.
 *
 * Part of libsspi's public API (included by <libsspi.h>). Everything here is
 * an extension: Windows has no equivalent because its NTLM asks the LSA and
 * the SAM/domain controller. On Linux the acceptor needs an account database
 * and a few policy knobs, which an application sets on a credential handle
 * with SetCredentialsAttributesA/W(&hCred, <attribute>, pBuffer, cbBuffer)
 * after AcquireCredentialsHandle("NTLM", ...). Settings are per credential
 * handle; a context takes a snapshot of them when it is created (the first
 * InitializeSecurityContext/AcceptSecurityContext call), so changing them
 * later never affects contexts already under way.
 *
 * Attribute ids live in a private range (0x7f000000..) that Windows does not
 * use. Unknown ids give SEC_E_UNSUPPORTED_FUNCTION; a buffer of the wrong
 * size or a bad value gives SEC_E_INVALID_PARAMETER.
 *
 * Account file format (gss-ntlmssp compatible, NTLM_USER_FILE):
 *     # comment
 *     DOMAIN:USER:PASSWORD
 *     :USER:PASSWORD                    empty DOMAIN matches any domain
 *     DOMAIN:USER:$NT$<32 hex digits>   the NT hash (MD4 of the UTF-16LE
 *                                       password) instead of the password
 * One account per line, UTF-8. Only the first two ':' separate fields: a
 * password may contain ':'. A trailing "\r" is ignored. Blank lines and lines
 * starting with '#' are ignored; malformed lines (no two ':', empty USER, bad
 * hex after $NT$) are skipped and reported through SSPI_DEBUG logging
 * (line number only, never the content). USER and DOMAIN are matched
 * case-insensitively. On the client (outbound credentials acquired without
 * an identity) the FIRST account of $NTLM_USER_FILE is the default identity.
 *
 * Environment (read when the credential is acquired):
 *   NTLM_USER_FILE   path of the account file (see above).
 *   LM_COMPAT_LEVEL  0..5 with gss-ntlmssp's meaning, default 3:
 *                    client: 0 LM + NTLMv1 responses (no extended session
 *                            security), 1 LM + NTLMv1 (NTLMv1-ESS when the
 *                            server grants it), 2 NTLMv1 only (ESS when
 *                            granted), 3-5 NTLMv2 only;
 *                    server (the authenticating authority, gss-ntlmssp's
 *                            domain-controller column): NTLMv2 always,
 *                            0-3 also NTLMv1, NTLMv1-ESS and LM responses,
 *                            4 also NTLMv1 and NTLMv1-ESS (LM refused),
 *                            5 NTLMv2 only; refused -> SEC_E_LOGON_DENIED.
 */
#ifndef LIBSSPI_NTLM_H
#define LIBSSPI_NTLM_H

#ifdef __cplusplus
extern "C" {
#endif

/* pBuffer: the path of an account file as a NUL-terminated string, char*
 * (UTF-8) for SetCredentialsAttributesA, SEC_WCHAR* for ...W; cbBuffer: its
 * size in bytes (with or without the terminator). Overrides NTLM_USER_FILE
 * for this credential. The file is read at each authentication (no cache),
 * so edits take effect at once. An empty string removes the setting. */
#define SECPKG_CRED_ATTR_LIBSSPI_NTLM_USER_FILE 0x7f000001UL

/* Application callback giving the NT hash of an account (server side).
 * Called with the user and domain exactly as the client sent them (UTF-8;
 * domain may be ""), it returns 0 and fills nt_hash (16 bytes: MD4 of the
 * UTF-16LE password) when the account exists, non-zero otherwise. It is
 * consulted before the account file; when it returns non-zero, the file
 * (if any) is searched. It may be called from any thread, concurrently. */
typedef int (*LIBSSPI_NTLM_HASH_FN)(void *context, const char *user, const char *domain,
                                    unsigned char nt_hash[16]);
/* pBuffer: a LIBSSPI_NTLM_HASH_CALLBACK; cbBuffer: its size. A NULL
 * Callback removes the setting. */
typedef struct _LIBSSPI_NTLM_HASH_CALLBACK {
    LIBSSPI_NTLM_HASH_FN Callback;
    void *Context;
} LIBSSPI_NTLM_HASH_CALLBACK;
#define SECPKG_CRED_ATTR_LIBSSPI_NTLM_HASH_CALLBACK 0x7f000002UL

/* pBuffer: a ULONG 0..5 (see LM_COMPAT_LEVEL above); overrides the
 * environment for this credential. */
#define SECPKG_CRED_ATTR_LIBSSPI_LM_COMPAT_LEVEL 0x7f000003UL

/* pBuffer: a ULONG, the acceptor's channel binding policy (Windows Extended
 * Protection for Authentication semantics). Channel bindings are the
 * SECBUFFER_CHANNEL_BINDINGS buffer given to AcceptSecurityContext.
 *   LIBSSPI_CBT_OFF             never checked ("Off").
 *   LIBSSPI_CBT_WHEN_SUPPORTED  default ("Allowed"/"Accept"): a client that
 *                               sent non-zero MsvAvChannelBindings must match
 *                               the bindings given to AcceptSecurityContext;
 *                               clients sending none (or zeros) are accepted.
 *   LIBSSPI_CBT_REQUIRED        ("Required"): the client must send bindings
 *                               and they must match; AcceptSecurityContext
 *                               must be given bindings.
 * A mismatch gives SEC_E_BAD_BINDINGS. */
#define SECPKG_CRED_ATTR_LIBSSPI_CBT_POLICY 0x7f000004UL
#define LIBSSPI_CBT_OFF 0UL
#define LIBSSPI_CBT_WHEN_SUPPORTED 1UL
#define LIBSSPI_CBT_REQUIRED 2UL

/* pBuffer: a ULONG, non-zero to accept anonymous (NULL session) clients;
 * default 0: they get SEC_E_LOGON_DENIED. An accepted anonymous context
 * reports ASC_RET_NULL_SESSION. */
#define SECPKG_CRED_ATTR_LIBSSPI_ALLOW_ANONYMOUS 0x7f000005UL

/* pBuffer: a ULONG, non-zero to let accounts with an empty password log on;
 * default 0: they get SEC_E_LOGON_DENIED (as Windows' "Limit local account
 * use of blank passwords to console logon only" does for network logons). */
#define SECPKG_CRED_ATTR_LIBSSPI_ALLOW_EMPTY_PASSWORD 0x7f000006UL

#ifdef __cplusplus
}
#endif

#endif
