/*
 * issperr.h - SSPI status codes (SEC_E_* errors and SEC_I_* informational
 * codes) with the numeric values of the Windows SDK (winerror.h).
 *
 * Part of libsspi's public API. Every code is guarded on its own so that a
 * winerror.h (or any other header) that already defined it does not clash.
 * Values are SECURITY_STATUS (a 32-bit signed LONG): errors are negative,
 * informational codes are positive, SEC_E_OK is 0.
 *
 * Helper: SEC_SUCCESS(status) is true for SEC_E_OK and every SEC_I_* code
 * (an inline function, see below).
 */
#ifndef LIBSSPI_ISSPERR_H
#define LIBSSPI_ISSPERR_H

#ifndef __SECSTATUS_DEFINED__
/* Same type as sspi.h's SECURITY_STATUS (LONG, 32-bit signed). */
typedef int SECURITY_STATUS;
#define __SECSTATUS_DEFINED__
#endif

/*
 * SEC_SUCCESS is not part of the Windows SDK: Windows programs (Microsoft's
 * SSPI samples among them) define it themselves, unguarded and with varying
 * spellings, e.g. `#define SEC_SUCCESS(Status) ((Status) >= 0)`, after
 * including <security.h>. A macro here would make every differing
 * definition a "SEC_SUCCESS redefined" diagnostic (an error under -Werror),
 * so libsspi provides it as an inline function instead, which a later
 * #define simply hides, and only if no macro of that name exists yet.
 */
#ifndef LIBSSPI_INLINE
#if defined(__cplusplus) || (defined(__STDC_VERSION__) && __STDC_VERSION__ >= 199901L)
#define LIBSSPI_INLINE inline
#elif defined(__GNUC__) || defined(__clang__)
#define LIBSSPI_INLINE __inline__
#else
#define LIBSSPI_INLINE
#endif
#endif
#if !defined(SEC_SUCCESS) && !defined(LIBSSPI_SEC_SUCCESS_DEFINED)
#define LIBSSPI_SEC_SUCCESS_DEFINED
static LIBSSPI_INLINE int SEC_SUCCESS(SECURITY_STATUS Status)
{
    return Status >= 0;
}
#endif

#define LIBSSPI_SEC_STATUS(v) ((SECURITY_STATUS)v##L)

#ifndef SEC_E_OK
#define SEC_E_OK                                ((SECURITY_STATUS)0x00000000L)
#endif

/* ---- 0x80090300 .. 0x80090311 ---- */
#ifndef SEC_E_INSUFFICIENT_MEMORY
#define SEC_E_INSUFFICIENT_MEMORY               LIBSSPI_SEC_STATUS(0x80090300)
#endif
#ifndef SEC_E_INVALID_HANDLE
#define SEC_E_INVALID_HANDLE                    LIBSSPI_SEC_STATUS(0x80090301)
#endif
#ifndef SEC_E_UNSUPPORTED_FUNCTION
#define SEC_E_UNSUPPORTED_FUNCTION              LIBSSPI_SEC_STATUS(0x80090302)
#endif
#ifndef SEC_E_TARGET_UNKNOWN
#define SEC_E_TARGET_UNKNOWN                    LIBSSPI_SEC_STATUS(0x80090303)
#endif
#ifndef SEC_E_INTERNAL_ERROR
#define SEC_E_INTERNAL_ERROR                    LIBSSPI_SEC_STATUS(0x80090304)
#endif
#ifndef SEC_E_SECPKG_NOT_FOUND
#define SEC_E_SECPKG_NOT_FOUND                  LIBSSPI_SEC_STATUS(0x80090305)
#endif
#ifndef SEC_E_NOT_OWNER
#define SEC_E_NOT_OWNER                         LIBSSPI_SEC_STATUS(0x80090306)
#endif
#ifndef SEC_E_CANNOT_INSTALL
#define SEC_E_CANNOT_INSTALL                    LIBSSPI_SEC_STATUS(0x80090307)
#endif
#ifndef SEC_E_INVALID_TOKEN
#define SEC_E_INVALID_TOKEN                     LIBSSPI_SEC_STATUS(0x80090308)
#endif
#ifndef SEC_E_CANNOT_PACK
#define SEC_E_CANNOT_PACK                       LIBSSPI_SEC_STATUS(0x80090309)
#endif
#ifndef SEC_E_QOP_NOT_SUPPORTED
#define SEC_E_QOP_NOT_SUPPORTED                 LIBSSPI_SEC_STATUS(0x8009030A)
#endif
#ifndef SEC_E_NO_IMPERSONATION
#define SEC_E_NO_IMPERSONATION                  LIBSSPI_SEC_STATUS(0x8009030B)
#endif
#ifndef SEC_E_LOGON_DENIED
#define SEC_E_LOGON_DENIED                      LIBSSPI_SEC_STATUS(0x8009030C)
#endif
#ifndef SEC_E_UNKNOWN_CREDENTIALS
#define SEC_E_UNKNOWN_CREDENTIALS               LIBSSPI_SEC_STATUS(0x8009030D)
#endif
#ifndef SEC_E_NO_CREDENTIALS
#define SEC_E_NO_CREDENTIALS                    LIBSSPI_SEC_STATUS(0x8009030E)
#endif
#ifndef SEC_E_MESSAGE_ALTERED
#define SEC_E_MESSAGE_ALTERED                   LIBSSPI_SEC_STATUS(0x8009030F)
#endif
#ifndef SEC_E_OUT_OF_SEQUENCE
#define SEC_E_OUT_OF_SEQUENCE                   LIBSSPI_SEC_STATUS(0x80090310)
#endif
#ifndef SEC_E_NO_AUTHENTICATING_AUTHORITY
#define SEC_E_NO_AUTHENTICATING_AUTHORITY       LIBSSPI_SEC_STATUS(0x80090311)
#endif

/* ---- informational 0x00090312 .. 0x00090316 ---- */
#ifndef SEC_I_CONTINUE_NEEDED
#define SEC_I_CONTINUE_NEEDED                   LIBSSPI_SEC_STATUS(0x00090312)
#endif
#ifndef SEC_I_COMPLETE_NEEDED
#define SEC_I_COMPLETE_NEEDED                   LIBSSPI_SEC_STATUS(0x00090313)
#endif
#ifndef SEC_I_COMPLETE_AND_CONTINUE
#define SEC_I_COMPLETE_AND_CONTINUE             LIBSSPI_SEC_STATUS(0x00090314)
#endif
#ifndef SEC_I_LOCAL_LOGON
#define SEC_I_LOCAL_LOGON                       LIBSSPI_SEC_STATUS(0x00090315)
#endif
#ifndef SEC_I_GENERIC_EXTENSION_RECEIVED
#define SEC_I_GENERIC_EXTENSION_RECEIVED        LIBSSPI_SEC_STATUS(0x00090316)
#endif

/* ---- 0x80090316 .. ---- */
#ifndef SEC_E_BAD_PKGID
#define SEC_E_BAD_PKGID                         LIBSSPI_SEC_STATUS(0x80090316)
#endif
#ifndef SEC_E_CONTEXT_EXPIRED
#define SEC_E_CONTEXT_EXPIRED                   LIBSSPI_SEC_STATUS(0x80090317)
#endif
#ifndef SEC_I_CONTEXT_EXPIRED
#define SEC_I_CONTEXT_EXPIRED                   LIBSSPI_SEC_STATUS(0x00090317)
#endif
#ifndef SEC_E_INCOMPLETE_MESSAGE
#define SEC_E_INCOMPLETE_MESSAGE                LIBSSPI_SEC_STATUS(0x80090318)
#endif
#ifndef SEC_E_INCOMPLETE_CREDENTIALS
#define SEC_E_INCOMPLETE_CREDENTIALS            LIBSSPI_SEC_STATUS(0x80090320)
#endif
#ifndef SEC_E_BUFFER_TOO_SMALL
#define SEC_E_BUFFER_TOO_SMALL                  LIBSSPI_SEC_STATUS(0x80090321)
#endif
#ifndef SEC_I_INCOMPLETE_CREDENTIALS
#define SEC_I_INCOMPLETE_CREDENTIALS            LIBSSPI_SEC_STATUS(0x00090320)
#endif
#ifndef SEC_I_RENEGOTIATE
#define SEC_I_RENEGOTIATE                       LIBSSPI_SEC_STATUS(0x00090321)
#endif
#ifndef SEC_E_WRONG_PRINCIPAL
#define SEC_E_WRONG_PRINCIPAL                   LIBSSPI_SEC_STATUS(0x80090322)
#endif
#ifndef SEC_I_NO_LSA_CONTEXT
#define SEC_I_NO_LSA_CONTEXT                    LIBSSPI_SEC_STATUS(0x00090323)
#endif
#ifndef SEC_E_TIME_SKEW
#define SEC_E_TIME_SKEW                         LIBSSPI_SEC_STATUS(0x80090324)
#endif
#ifndef SEC_E_UNTRUSTED_ROOT
#define SEC_E_UNTRUSTED_ROOT                    LIBSSPI_SEC_STATUS(0x80090325)
#endif
#ifndef SEC_E_ILLEGAL_MESSAGE
#define SEC_E_ILLEGAL_MESSAGE                   LIBSSPI_SEC_STATUS(0x80090326)
#endif
#ifndef SEC_E_CERT_UNKNOWN
#define SEC_E_CERT_UNKNOWN                      LIBSSPI_SEC_STATUS(0x80090327)
#endif
#ifndef SEC_E_CERT_EXPIRED
#define SEC_E_CERT_EXPIRED                      LIBSSPI_SEC_STATUS(0x80090328)
#endif
#ifndef SEC_E_ENCRYPT_FAILURE
#define SEC_E_ENCRYPT_FAILURE                   LIBSSPI_SEC_STATUS(0x80090329)
#endif
#ifndef SEC_E_DECRYPT_FAILURE
#define SEC_E_DECRYPT_FAILURE                   LIBSSPI_SEC_STATUS(0x80090330)
#endif
#ifndef SEC_E_ALGORITHM_MISMATCH
#define SEC_E_ALGORITHM_MISMATCH                LIBSSPI_SEC_STATUS(0x80090331)
#endif
#ifndef SEC_E_SECURITY_QOS_FAILED
#define SEC_E_SECURITY_QOS_FAILED               LIBSSPI_SEC_STATUS(0x80090332)
#endif
#ifndef SEC_E_UNFINISHED_CONTEXT_DELETED
#define SEC_E_UNFINISHED_CONTEXT_DELETED        LIBSSPI_SEC_STATUS(0x80090333)
#endif
#ifndef SEC_E_NO_TGT_REPLY
#define SEC_E_NO_TGT_REPLY                      LIBSSPI_SEC_STATUS(0x80090334)
#endif
#ifndef SEC_E_NO_IP_ADDRESSES
#define SEC_E_NO_IP_ADDRESSES                   LIBSSPI_SEC_STATUS(0x80090335)
#endif
#ifndef SEC_E_WRONG_CREDENTIAL_HANDLE
#define SEC_E_WRONG_CREDENTIAL_HANDLE           LIBSSPI_SEC_STATUS(0x80090336)
#endif
#ifndef SEC_E_CRYPTO_SYSTEM_INVALID
#define SEC_E_CRYPTO_SYSTEM_INVALID             LIBSSPI_SEC_STATUS(0x80090337)
#endif
#ifndef SEC_E_MAX_REFERRALS_EXCEEDED
#define SEC_E_MAX_REFERRALS_EXCEEDED            LIBSSPI_SEC_STATUS(0x80090338)
#endif
#ifndef SEC_E_MUST_BE_KDC
#define SEC_E_MUST_BE_KDC                       LIBSSPI_SEC_STATUS(0x80090339)
#endif
#ifndef SEC_E_STRONG_CRYPTO_NOT_SUPPORTED
#define SEC_E_STRONG_CRYPTO_NOT_SUPPORTED       LIBSSPI_SEC_STATUS(0x8009033A)
#endif
#ifndef SEC_E_TOO_MANY_PRINCIPALS
#define SEC_E_TOO_MANY_PRINCIPALS               LIBSSPI_SEC_STATUS(0x8009033B)
#endif
#ifndef SEC_E_NO_PA_DATA
#define SEC_E_NO_PA_DATA                        LIBSSPI_SEC_STATUS(0x8009033C)
#endif
#ifndef SEC_E_PKINIT_NAME_MISMATCH
#define SEC_E_PKINIT_NAME_MISMATCH              LIBSSPI_SEC_STATUS(0x8009033D)
#endif
#ifndef SEC_E_SMARTCARD_LOGON_REQUIRED
#define SEC_E_SMARTCARD_LOGON_REQUIRED          LIBSSPI_SEC_STATUS(0x8009033E)
#endif
#ifndef SEC_E_SHUTDOWN_IN_PROGRESS
#define SEC_E_SHUTDOWN_IN_PROGRESS              LIBSSPI_SEC_STATUS(0x8009033F)
#endif
#ifndef SEC_E_KDC_INVALID_REQUEST
#define SEC_E_KDC_INVALID_REQUEST               LIBSSPI_SEC_STATUS(0x80090340)
#endif
#ifndef SEC_E_KDC_UNABLE_TO_REFER
#define SEC_E_KDC_UNABLE_TO_REFER               LIBSSPI_SEC_STATUS(0x80090341)
#endif
#ifndef SEC_E_KDC_UNKNOWN_ETYPE
#define SEC_E_KDC_UNKNOWN_ETYPE                 LIBSSPI_SEC_STATUS(0x80090342)
#endif
#ifndef SEC_E_UNSUPPORTED_PREAUTH
#define SEC_E_UNSUPPORTED_PREAUTH               LIBSSPI_SEC_STATUS(0x80090343)
#endif
#ifndef SEC_E_DELEGATION_REQUIRED
#define SEC_E_DELEGATION_REQUIRED               LIBSSPI_SEC_STATUS(0x80090345)
#endif
#ifndef SEC_E_BAD_BINDINGS
#define SEC_E_BAD_BINDINGS                      LIBSSPI_SEC_STATUS(0x80090346)
#endif
#ifndef SEC_E_MULTIPLE_ACCOUNTS
#define SEC_E_MULTIPLE_ACCOUNTS                 LIBSSPI_SEC_STATUS(0x80090347)
#endif
#ifndef SEC_E_NO_KERB_KEY
#define SEC_E_NO_KERB_KEY                       LIBSSPI_SEC_STATUS(0x80090348)
#endif
#ifndef SEC_E_CERT_WRONG_USAGE
#define SEC_E_CERT_WRONG_USAGE                  LIBSSPI_SEC_STATUS(0x80090349)
#endif
#ifndef SEC_E_DOWNGRADE_DETECTED
#define SEC_E_DOWNGRADE_DETECTED                LIBSSPI_SEC_STATUS(0x80090350)
#endif
#ifndef SEC_E_SMARTCARD_CERT_REVOKED
#define SEC_E_SMARTCARD_CERT_REVOKED            LIBSSPI_SEC_STATUS(0x80090351)
#endif
#ifndef SEC_E_ISSUING_CA_UNTRUSTED
#define SEC_E_ISSUING_CA_UNTRUSTED              LIBSSPI_SEC_STATUS(0x80090352)
#endif
#ifndef SEC_E_REVOCATION_OFFLINE_C
#define SEC_E_REVOCATION_OFFLINE_C              LIBSSPI_SEC_STATUS(0x80090353)
#endif
#ifndef SEC_E_PKINIT_CLIENT_FAILURE
#define SEC_E_PKINIT_CLIENT_FAILURE             LIBSSPI_SEC_STATUS(0x80090354)
#endif
#ifndef SEC_E_SMARTCARD_CERT_EXPIRED
#define SEC_E_SMARTCARD_CERT_EXPIRED            LIBSSPI_SEC_STATUS(0x80090355)
#endif
#ifndef SEC_E_NO_S4U_PROT_SUPPORT
#define SEC_E_NO_S4U_PROT_SUPPORT               LIBSSPI_SEC_STATUS(0x80090356)
#endif
#ifndef SEC_E_CROSSREALM_DELEGATION_FAILURE
#define SEC_E_CROSSREALM_DELEGATION_FAILURE     LIBSSPI_SEC_STATUS(0x80090357)
#endif
#ifndef SEC_E_REVOCATION_OFFLINE_KDC
#define SEC_E_REVOCATION_OFFLINE_KDC            LIBSSPI_SEC_STATUS(0x80090358)
#endif
#ifndef SEC_E_ISSUING_CA_UNTRUSTED_KDC
#define SEC_E_ISSUING_CA_UNTRUSTED_KDC          LIBSSPI_SEC_STATUS(0x80090359)
#endif
#ifndef SEC_E_KDC_CERT_EXPIRED
#define SEC_E_KDC_CERT_EXPIRED                  LIBSSPI_SEC_STATUS(0x8009035A)
#endif
#ifndef SEC_E_KDC_CERT_REVOKED
#define SEC_E_KDC_CERT_REVOKED                  LIBSSPI_SEC_STATUS(0x8009035B)
#endif
#ifndef SEC_I_SIGNATURE_NEEDED
#define SEC_I_SIGNATURE_NEEDED                  LIBSSPI_SEC_STATUS(0x0009035C)
#endif
#ifndef SEC_E_INVALID_PARAMETER
#define SEC_E_INVALID_PARAMETER                 LIBSSPI_SEC_STATUS(0x8009035D)
#endif
#ifndef SEC_E_DELEGATION_POLICY
#define SEC_E_DELEGATION_POLICY                 LIBSSPI_SEC_STATUS(0x8009035E)
#endif
/* Spelled "NLTM" in the Windows SDK; kept verbatim. */
#ifndef SEC_E_POLICY_NLTM_ONLY
#define SEC_E_POLICY_NLTM_ONLY                  LIBSSPI_SEC_STATUS(0x8009035F)
#endif
#ifndef SEC_I_NO_RENEGOTIATION
#define SEC_I_NO_RENEGOTIATION                  LIBSSPI_SEC_STATUS(0x00090360)
#endif
#ifndef SEC_E_NO_CONTEXT
#define SEC_E_NO_CONTEXT                        LIBSSPI_SEC_STATUS(0x80090361)
#endif
#ifndef SEC_E_PKU2U_CERT_FAILURE
#define SEC_E_PKU2U_CERT_FAILURE                LIBSSPI_SEC_STATUS(0x80090362)
#endif
#ifndef SEC_E_MUTUAL_AUTH_FAILED
#define SEC_E_MUTUAL_AUTH_FAILED                LIBSSPI_SEC_STATUS(0x80090363)
#endif
#ifndef SEC_I_MESSAGE_FRAGMENT
#define SEC_I_MESSAGE_FRAGMENT                  LIBSSPI_SEC_STATUS(0x00090364)
#endif
#ifndef SEC_E_ONLY_HTTPS_ALLOWED
#define SEC_E_ONLY_HTTPS_ALLOWED                LIBSSPI_SEC_STATUS(0x80090365)
#endif
#ifndef SEC_I_CONTINUE_NEEDED_MESSAGE_OK
#define SEC_I_CONTINUE_NEEDED_MESSAGE_OK        LIBSSPI_SEC_STATUS(0x00090366)
#endif
#ifndef SEC_E_APPLICATION_PROTOCOL_MISMATCH
#define SEC_E_APPLICATION_PROTOCOL_MISMATCH     LIBSSPI_SEC_STATUS(0x80090367)
#endif
#ifndef SEC_I_ASYNC_CALL_PENDING
#define SEC_I_ASYNC_CALL_PENDING                LIBSSPI_SEC_STATUS(0x00090368)
#endif
#ifndef SEC_E_INVALID_UPN_NAME
#define SEC_E_INVALID_UPN_NAME                  LIBSSPI_SEC_STATUS(0x80090369)
#endif
#ifndef SEC_E_EXT_BUFFER_TOO_SMALL
#define SEC_E_EXT_BUFFER_TOO_SMALL              LIBSSPI_SEC_STATUS(0x8009036A)
#endif
#ifndef SEC_E_INSUFFICIENT_BUFFERS
#define SEC_E_INSUFFICIENT_BUFFERS              LIBSSPI_SEC_STATUS(0x8009036B)
#endif

/* ---- aliases (Windows SDK) ---- */
#ifndef SEC_E_NO_SPM
#define SEC_E_NO_SPM                            SEC_E_INTERNAL_ERROR
#endif
#ifndef SEC_E_NOT_SUPPORTED
#define SEC_E_NOT_SUPPORTED                     SEC_E_UNSUPPORTED_FUNCTION
#endif

#endif /* LIBSSPI_ISSPERR_H */
