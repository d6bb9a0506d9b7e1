/*
 * sspi.h - libsspi: the Windows Security Support Provider Interface (SSPI)
 * for Linux and other POSIX systems.
 *
 * This header reproduces the user-mode SSPI API of the Windows SDK: the same
 * names, structure layouts, field order and numeric values, so that Windows
 * SSPI code compiles unchanged. It is self-contained: outside Windows it
 * defines the Windows base types it needs (ULONG is 32 bits, as on Windows,
 * even where C's `unsigned long` is 64 bits).
 *
 * Wide strings: SEC_WCHAR (= WCHAR) is always 16 bits (UTF-16). When the
 * compiler's wchar_t is 16 bits (e.g. -fshort-wchar) SEC_WCHAR *is* wchar_t,
 * so L"..." literals work unchanged; otherwise it is uint16_t and
 * LIBSSPI_WSTR("...") yields a UTF-16 literal usable as a SEC_WCHAR *.
 * With -fshort-wchar, do not measure or copy such strings with the C
 * library's wcslen/wcscpy/wprintf...: glibc's are built for a 32-bit wchar_t.
 *
 * Porting notes: ULONG, DWORD, LONG and SECURITY_STATUS are `int`-sized
 * here, so printf formats written for Windows' `long` (%lu, %lx, %ld) draw
 * -Wformat warnings; use %u / %x / %d or casts. `unsigned long *` out-
 * arguments are accepted where Microsoft documents `unsigned long *` (see
 * "`unsigned long *` out-parameters" near the end of this file).
 *
 * Memory ownership rules (as on Windows):
 *   - Buffers the library allocates (package lists, ISC_REQ_ALLOCATE_MEMORY /
 *     ASC_REQ_ALLOCATE_MEMORY output tokens, strings and arrays returned by
 *     Query*Attributes) belong to the caller, who frees each of them once
 *     with FreeContextBuffer().
 *   - Everything the caller passes in stays owned by the caller; the library
 *     copies what it keeps.
 *   - Handles are released with FreeCredentialsHandle / DeleteSecurityContext.
 *
 * UNICODE: when UNICODE is defined the generic names (AcquireCredentialsHandle,
 * SecPkgInfo, ...) map to the W variants, otherwise to the A variants.
 * SECURITY_WIN32 may be defined (as Windows requires) but is not required.
 *
 * libsspi-specific extensions live in libsspi.h, included at the end.
 */
#ifndef LIBSSPI_SSPI_H
#define LIBSSPI_SSPI_H

/* ======================================================================= */
/* Base types                                                              */
/* ======================================================================= */

#if defined(_WIN32) && !defined(LIBSSPI_NO_WINDOWS_H)
#include <windows.h>
#define LIBSSPI_BASE_TYPES_DEFINED
#endif

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__) || defined(__clang__)
#define LIBSSPI_EXTENSION __extension__
#else
#define LIBSSPI_EXTENSION
#endif

/* `inline` for the few helpers defined in these headers (C89 has none). */
#ifndef LIBSSPI_INLINE
#if defined(__cplusplus) || (defined(__STDC_VERSION__) && __STDC_VERSION__ >= 199901L)
#define LIBSSPI_INLINE inline
#elif defined(__GNUC__) || defined(__clang__)
#define LIBSSPI_INLINE __inline__
#else
#define LIBSSPI_INLINE
#endif
#endif

#if !defined(LIBSSPI_BASE_TYPES_DEFINED) && !defined(_WINDEF_) && !defined(_WINNT_)
#define LIBSSPI_BASE_TYPES_DEFINED

#ifndef VOID
#define VOID void
#endif
#ifndef CONST
#define CONST const
#endif
#ifndef ANYSIZE_ARRAY
#define ANYSIZE_ARRAY 1
#endif

typedef char CHAR;
typedef unsigned char UCHAR, *PUCHAR;
typedef unsigned char BYTE, *PBYTE;
typedef short SHORT;
typedef unsigned short USHORT, *PUSHORT;
typedef int INT;
typedef unsigned int UINT;
typedef int LONG, *PLONG;                 /* 32-bit, as on Windows */
typedef unsigned int ULONG, *PULONG;      /* 32-bit, as on Windows */
typedef unsigned int DWORD, *PDWORD;
typedef int BOOL;
typedef int64_t LONGLONG;
typedef uint64_t ULONGLONG;
typedef uint64_t ULONG64;
typedef unsigned char BOOLEAN, *PBOOLEAN;
typedef void *PVOID;
typedef void *HANDLE, **PHANDLE;
typedef uintptr_t ULONG_PTR, *PULONG_PTR;
typedef intptr_t LONG_PTR, INT_PTR;
typedef size_t SIZE_T;

#if defined(__SIZEOF_WCHAR_T__) && __SIZEOF_WCHAR_T__ == 2
typedef wchar_t WCHAR;                    /* -fshort-wchar: L"..." works */
#else
typedef uint16_t WCHAR;                   /* UTF-16 code unit */
#endif
typedef WCHAR *PWCHAR, *PWSTR, *LPWSTR;
typedef const WCHAR *PCWSTR, *LPCWSTR;
typedef CHAR *PCHAR, *PSTR, *LPSTR;
typedef const CHAR *PCSTR, *LPCSTR;

typedef LONG NTSTATUS, *PNTSTATUS;

typedef union _LARGE_INTEGER {
    LIBSSPI_EXTENSION struct {
        ULONG LowPart;
        LONG HighPart;
    };
    struct {
        ULONG LowPart;
        LONG HighPart;
    } u;
    LONGLONG QuadPart;
} LARGE_INTEGER, *PLARGE_INTEGER;

typedef struct _LUID {
    ULONG LowPart;
    LONG HighPart;
} LUID, *PLUID;

/* Counted UTF-16 string; Length and MaximumLength are in BYTES. */
typedef struct _UNICODE_STRING {
    USHORT Length;
    USHORT MaximumLength;
    PWSTR Buffer;
} UNICODE_STRING, *PUNICODE_STRING;
typedef const UNICODE_STRING *PCUNICODE_STRING;

#endif /* LIBSSPI_BASE_TYPES_DEFINED */

#ifdef __cplusplus
extern "C" {
#endif

/* Exported symbols keep default visibility even under -fvisibility=hidden. */
#if defined(__GNUC__) || defined(__clang__)
#define LIBSSPI_API __attribute__((visibility("default")))
#else
#define LIBSSPI_API
#endif

#define SEC_ENTRY
#define SEC_FAR
#define __SEC_FAR

typedef WCHAR SEC_WCHAR;
typedef CHAR SEC_CHAR;

/* UTF-16 string literal usable as SEC_WCHAR * (see header comment). */
#if defined(__SIZEOF_WCHAR_T__) && __SIZEOF_WCHAR_T__ == 2
#ifdef __cplusplus
#define LIBSSPI_WSTR(s) ((SEC_WCHAR *)L"" s)
#else
#define LIBSSPI_WSTR(s) (L"" s)
#endif
#else
#ifdef __cplusplus
#define LIBSSPI_WSTR(s) ((SEC_WCHAR *)u"" s)
#else
#define LIBSSPI_WSTR(s) (u"" s)
#endif
#endif

#ifdef UNICODE
#define SEC_TEXT(s) LIBSSPI_WSTR(s)
#else
#define SEC_TEXT(s) s
#endif

#ifndef __SECSTATUS_DEFINED__
typedef LONG SECURITY_STATUS;
#define __SECSTATUS_DEFINED__
#endif

#ifdef UNICODE
typedef SEC_WCHAR *SECURITY_PSTR;
typedef const SEC_WCHAR *SECURITY_PCSTR;
#else
typedef SEC_CHAR *SECURITY_PSTR;
typedef const SEC_CHAR *SECURITY_PCSTR;
#endif

/* ======================================================================= */
/* Package names                                                           */
/* ======================================================================= */

#ifndef NEGOSSP_NAME_A
#define NEGOSSP_NAME_W LIBSSPI_WSTR("Negotiate")
#define NEGOSSP_NAME_A "Negotiate"
#ifdef UNICODE
#define NEGOSSP_NAME NEGOSSP_NAME_W
#else
#define NEGOSSP_NAME NEGOSSP_NAME_A
#endif
#endif

#ifndef NTLMSP_NAME_A
#define NTLMSP_NAME_A "NTLM"
#define NTLMSP_NAME_W LIBSSPI_WSTR("NTLM")
#define NTLMSP_NAME NTLMSP_NAME_W          /* always wide, as on Windows */
#endif

#ifndef MICROSOFT_KERBEROS_NAME_A
#define MICROSOFT_KERBEROS_NAME_A "Kerberos"
#define MICROSOFT_KERBEROS_NAME_W LIBSSPI_WSTR("Kerberos")
#define MICROSOFT_KERBEROS_NAME MICROSOFT_KERBEROS_NAME_W
#endif

/* ======================================================================= */
/* Handles, time stamps, strings                                           */
/* ======================================================================= */

#ifndef __SECHANDLE_DEFINED__
typedef struct _SecHandle {
    ULONG_PTR dwLower;
    ULONG_PTR dwUpper;
} SecHandle, *PSecHandle;
#define __SECHANDLE_DEFINED__
#endif

#define SecInvalidateHandle(x)                                      \
    do {                                                            \
        ((PSecHandle)(x))->dwLower = (ULONG_PTR)(INT_PTR)-1;        \
        ((PSecHandle)(x))->dwUpper = (ULONG_PTR)(INT_PTR)-1;        \
    } while (0)
#define SecIsValidHandle(x)                                         \
    ((((PSecHandle)(x))->dwLower != (ULONG_PTR)(INT_PTR)-1) &&      \
     (((PSecHandle)(x))->dwUpper != (ULONG_PTR)(INT_PTR)-1))
#define SEC_DELETED_HANDLE ((ULONG_PTR)(-2))

typedef SecHandle CredHandle;
typedef PSecHandle PCredHandle;
typedef SecHandle CtxtHandle;
typedef PSecHandle PCtxtHandle;

/* 100ns ticks since 1601-01-01 UTC (FILETIME), in local time for expiry. */
typedef LARGE_INTEGER _SECURITY_INTEGER, SECURITY_INTEGER, *PSECURITY_INTEGER;
typedef SECURITY_INTEGER TimeStamp;
typedef SECURITY_INTEGER *PTimeStamp;

/* Kernel-style counted string used by the *Async W functions. */
typedef UNICODE_STRING SECURITY_STRING, *PSECURITY_STRING;

/* ======================================================================= */
/* Package information                                                     */
/* ======================================================================= */

typedef struct _SecPkgInfoW {
    ULONG fCapabilities;        /* SECPKG_FLAG_* */
    USHORT wVersion;
    USHORT wRPCID;              /* DCE RPC id, or SECPKG_ID_NONE */
    ULONG cbMaxToken;           /* largest token this package produces */
    SEC_WCHAR *Name;
    SEC_WCHAR *Comment;
} SecPkgInfoW, *PSecPkgInfoW;

typedef struct _SecPkgInfoA {
    ULONG fCapabilities;
    USHORT wVersion;
    USHORT wRPCID;
    ULONG cbMaxToken;
    SEC_CHAR *Name;
    SEC_CHAR *Comment;
} SecPkgInfoA, *PSecPkgInfoA;

#ifdef UNICODE
#define SecPkgInfo SecPkgInfoW
#define PSecPkgInfo PSecPkgInfoW
#else
#define SecPkgInfo SecPkgInfoA
#define PSecPkgInfo PSecPkgInfoA
#endif

/* SecPkgInfo.fCapabilities */
#define SECPKG_FLAG_INTEGRITY                   0x00000001
#define SECPKG_FLAG_PRIVACY                     0x00000002
#define SECPKG_FLAG_TOKEN_ONLY                  0x00000004
#define SECPKG_FLAG_DATAGRAM                    0x00000008
#define SECPKG_FLAG_CONNECTION                  0x00000010
#define SECPKG_FLAG_MULTI_REQUIRED              0x00000020
#define SECPKG_FLAG_CLIENT_ONLY                 0x00000040
#define SECPKG_FLAG_EXTENDED_ERROR              0x00000080
#define SECPKG_FLAG_IMPERSONATION               0x00000100
#define SECPKG_FLAG_ACCEPT_WIN32_NAME           0x00000200
#define SECPKG_FLAG_STREAM                      0x00000400
#define SECPKG_FLAG_NEGOTIABLE                  0x00000800
#define SECPKG_FLAG_GSS_COMPATIBLE              0x00001000
#define SECPKG_FLAG_LOGON                       0x00002000
#define SECPKG_FLAG_ASCII_BUFFERS               0x00004000
#define SECPKG_FLAG_FRAGMENT                    0x00008000
#define SECPKG_FLAG_MUTUAL_AUTH                 0x00010000
#define SECPKG_FLAG_DELEGATION                  0x00020000
#define SECPKG_FLAG_READONLY_WITH_CHECKSUM      0x00040000
#define SECPKG_FLAG_RESTRICTED_TOKENS           0x00080000
#define SECPKG_FLAG_NEGO_EXTENDER               0x00100000
#define SECPKG_FLAG_NEGOTIABLE2                 0x00200000
#define SECPKG_FLAG_APPCONTAINER_PASSTHROUGH    0x00400000
#define SECPKG_FLAG_APPCONTAINER_CHECKS         0x00800000
#define SECPKG_FLAG_CREDENTIAL_ISOLATION_ENABLED 0x01000000
#define SECPKG_FLAG_APPLY_LOOPBACK              0x02000000

#define SECPKG_ID_NONE                          0xFFFF

#define SECPKG_CALLFLAGS_APPCONTAINER               0x00000001
#define SECPKG_CALLFLAGS_APPCONTAINER_AUTHCAPABLE   0x00000002
#define SECPKG_CALLFLAGS_FORCE_SUPPLIED             0x00000004
#define SECPKG_CALLFLAGS_APPCONTAINER_UPNCAPABLE    0x00000008

/* ======================================================================= */
/* Buffers                                                                 */
/* ======================================================================= */

typedef struct _SecBuffer {
    ULONG cbBuffer;             /* size of pvBuffer in bytes */
    ULONG BufferType;           /* SECBUFFER_* type, optionally | attribute flags */
    void *pvBuffer;
} SecBuffer, *PSecBuffer;

typedef struct _SecBufferDesc {
    ULONG ulVersion;            /* SECBUFFER_VERSION */
    ULONG cBuffers;
    PSecBuffer pBuffers;
} SecBufferDesc, *PSecBufferDesc;

#define SECBUFFER_VERSION                       0

#define SECBUFFER_EMPTY                         0
#define SECBUFFER_DATA                          1
#define SECBUFFER_TOKEN                         2
#define SECBUFFER_PKG_PARAMS                    3
#define SECBUFFER_MISSING                       4
#define SECBUFFER_EXTRA                         5
#define SECBUFFER_STREAM_TRAILER                6
#define SECBUFFER_STREAM_HEADER                 7
#define SECBUFFER_NEGOTIATION_INFO              8
#define SECBUFFER_PADDING                       9
#define SECBUFFER_STREAM                        10
#define SECBUFFER_MECHLIST                      11
#define SECBUFFER_MECHLIST_SIGNATURE            12
#define SECBUFFER_TARGET                        13
#define SECBUFFER_CHANNEL_BINDINGS              14
#define SECBUFFER_CHANGE_PASS_RESPONSE          15
#define SECBUFFER_TARGET_HOST                   16
#define SECBUFFER_ALERT                         17
#define SECBUFFER_APPLICATION_PROTOCOLS         18
#define SECBUFFER_SRTP_PROTECTION_PROFILES      19
#define SECBUFFER_SRTP_MASTER_KEY_IDENTIFIER    20
#define SECBUFFER_TOKEN_BINDING                 21
#define SECBUFFER_PRESHARED_KEY                 22
#define SECBUFFER_PRESHARED_KEY_IDENTITY        23
#define SECBUFFER_DTLS_MTU                      24
#define SECBUFFER_SEND_GENERIC_TLS_EXTENSION    25
#define SECBUFFER_SUBSCRIBE_GENERIC_TLS_EXTENSION 26
#define SECBUFFER_FLAGS                         27
#define SECBUFFER_TRAFFIC_SECRETS               28
#define SECBUFFER_CERTIFICATE_REQUEST_CONTEXT   29
#define SECBUFFER_CHANNEL_BINDINGS_RESULT       30
#define SECBUFFER_APP_SESSION_STATE             31
#define SECBUFFER_SESSION_TICKET                32

/* Attribute bits OR-ed into BufferType. */
#define SECBUFFER_ATTRMASK                      0xF0000000
#define SECBUFFER_READONLY                      0x80000000
#define SECBUFFER_READONLY_WITH_CHECKSUM        0x10000000
#define SECBUFFER_RESERVED                      0x60000000
#define SECBUFFER_UNMAPPED                      0x40000000
#define SECBUFFER_KERNEL_MAP                    0x20000000

typedef struct _SEC_NEGOTIATION_INFO {
    ULONG Size;
    ULONG NameLength;
    SEC_WCHAR *Name;
    void *Reserved;
} SEC_NEGOTIATION_INFO, *PSEC_NEGOTIATION_INFO;

/* Contents of a SECBUFFER_CHANNEL_BINDINGS buffer (RFC 5929 / GSS-API):
 * the offsets are from the start of this structure. */
typedef struct _SEC_CHANNEL_BINDINGS {
    ULONG dwInitiatorAddrType;
    ULONG cbInitiatorLength;
    ULONG dwInitiatorOffset;
    ULONG dwAcceptorAddrType;
    ULONG cbAcceptorLength;
    ULONG dwAcceptorOffset;
    ULONG cbApplicationDataLength;
    ULONG dwApplicationDataOffset;
} SEC_CHANNEL_BINDINGS, *PSEC_CHANNEL_BINDINGS;

#define SEC_CHANNEL_BINDINGS_EX_MAGIC           0x58454243 /* "CBEX" */
#define SEC_CHANNEL_BINDINGS_AUDIT_BINDINGS     0x00000001
#define SEC_CHANNEL_BINDINGS_VALID_FLAGS        SEC_CHANNEL_BINDINGS_AUDIT_BINDINGS

typedef struct _SEC_CHANNEL_BINDINGS_EX {
    ULONG magicNumber;          /* SEC_CHANNEL_BINDINGS_EX_MAGIC */
    ULONG flags;
    ULONG cbHeaderLength;
    ULONG cbStructureLength;
    ULONG dwInitiatorAddrType;
    ULONG cbInitiatorLength;
    ULONG dwInitiatorOffset;
    ULONG dwAcceptorAddrType;
    ULONG cbAcceptorLength;
    ULONG dwAcceptorOffset;
    ULONG cbApplicationDataLength;
    ULONG dwApplicationDataOffset;
} SEC_CHANNEL_BINDINGS_EX, *PSEC_CHANNEL_BINDINGS_EX;

#define SEC_CHANNEL_BINDINGS_RESULT_CLIENT_SUPPORT      0x00000001
#define SEC_CHANNEL_BINDINGS_RESULT_ABSENT              0x00000002
#define SEC_CHANNEL_BINDINGS_RESULT_NOTVALID_MISMATCH   0x00000004
#define SEC_CHANNEL_BINDINGS_RESULT_NOTVALID_MISSING    0x00000008
#define SEC_CHANNEL_BINDINGS_RESULT_VALID_MATCHED       0x00000010
#define SEC_CHANNEL_BINDINGS_RESULT_VALID_PROXY         0x00000020
#define SEC_CHANNEL_BINDINGS_RESULT_VALID_MISSING       0x00000040
#define SEC_CHANNEL_BINDINGS_RESULT_NOTVALID \
    (SEC_CHANNEL_BINDINGS_RESULT_NOTVALID_MISMATCH | SEC_CHANNEL_BINDINGS_RESULT_NOTVALID_MISSING)
#define SEC_CHANNEL_BINDINGS_RESULT_VALID                                   \
    (SEC_CHANNEL_BINDINGS_RESULT_VALID_MATCHED | SEC_CHANNEL_BINDINGS_RESULT_VALID_PROXY | \
     SEC_CHANNEL_BINDINGS_RESULT_VALID_MISSING)

typedef struct _SEC_CHANNEL_BINDINGS_RESULT {
    ULONG flags;
} SEC_CHANNEL_BINDINGS_RESULT, *PSEC_CHANNEL_BINDINGS_RESULT;

typedef enum _SEC_APPLICATION_PROTOCOL_NEGOTIATION_EXT {
    SecApplicationProtocolNegotiationExt_None,
    SecApplicationProtocolNegotiationExt_NPN,
    SecApplicationProtocolNegotiationExt_ALPN
} SEC_APPLICATION_PROTOCOL_NEGOTIATION_EXT, *PSEC_APPLICATION_PROTOCOL_NEGOTIATION_EXT;

typedef struct _SEC_APPLICATION_PROTOCOL_LIST {
    SEC_APPLICATION_PROTOCOL_NEGOTIATION_EXT ProtoNegoExt;
    USHORT ProtocolListSize;
    UCHAR ProtocolList[ANYSIZE_ARRAY];
} SEC_APPLICATION_PROTOCOL_LIST, *PSEC_APPLICATION_PROTOCOL_LIST;

typedef struct _SEC_APPLICATION_PROTOCOLS {
    ULONG ProtocolListsSize;
    SEC_APPLICATION_PROTOCOL_LIST ProtocolLists[ANYSIZE_ARRAY];
} SEC_APPLICATION_PROTOCOLS, *PSEC_APPLICATION_PROTOCOLS;

typedef struct _SEC_SRTP_PROTECTION_PROFILES {
    USHORT ProfilesSize;
    USHORT ProfilesList[ANYSIZE_ARRAY];
} SEC_SRTP_PROTECTION_PROFILES, *PSEC_SRTP_PROTECTION_PROFILES;

typedef struct _SEC_SRTP_MASTER_KEY_IDENTIFIER {
    UCHAR MasterKeyIdentifierSize;
    UCHAR MasterKeyIdentifier[ANYSIZE_ARRAY];
} SEC_SRTP_MASTER_KEY_IDENTIFIER, *PSEC_SRTP_MASTER_KEY_IDENTIFIER;

typedef struct _SEC_TOKEN_BINDING {
    UCHAR MajorVersion;
    UCHAR MinorVersion;
    USHORT KeyParametersSize;
    UCHAR KeyParameters[ANYSIZE_ARRAY];
} SEC_TOKEN_BINDING, *PSEC_TOKEN_BINDING;

typedef struct _SEC_PRESHAREDKEY {
    USHORT KeySize;
    UCHAR Key[ANYSIZE_ARRAY];
} SEC_PRESHAREDKEY, *PSEC_PRESHAREDKEY;

typedef struct _SEC_PRESHAREDKEY_IDENTITY {
    USHORT KeyIdentitySize;
    UCHAR KeyIdentity[ANYSIZE_ARRAY];
} SEC_PRESHAREDKEY_IDENTITY, *PSEC_PRESHAREDKEY_IDENTITY;

typedef struct _SEC_DTLS_MTU {
    USHORT PathMTU;
} SEC_DTLS_MTU, *PSEC_DTLS_MTU;

typedef struct _SEC_FLAGS {
    ULONGLONG Flags;
} SEC_FLAGS, *PSEC_FLAGS;

typedef enum _SEC_TRAFFIC_SECRET_TYPE {
    SecTrafficSecret_None,
    SecTrafficSecret_Client,
    SecTrafficSecret_Server
} SEC_TRAFFIC_SECRET_TYPE, *PSEC_TRAFFIC_SECRET_TYPE;

#define SZ_ALG_MAX_SIZE 64

typedef struct _SEC_TRAFFIC_SECRETS {
    WCHAR SymmetricAlgId[SZ_ALG_MAX_SIZE];
    WCHAR ChainingMode[SZ_ALG_MAX_SIZE];
    WCHAR HashAlgId[SZ_ALG_MAX_SIZE];
    USHORT KeySize;
    USHORT IvSize;
    USHORT MsgSequenceStart;
    USHORT MsgSequenceEnd;
    SEC_TRAFFIC_SECRET_TYPE TrafficSecretType;
    USHORT TrafficSecretSize;
    UCHAR TrafficSecret[ANYSIZE_ARRAY];
} SEC_TRAFFIC_SECRETS, *PSEC_TRAFFIC_SECRETS;

typedef struct _SEC_CERTIFICATE_REQUEST_CONTEXT {
    UCHAR cbCertificateRequestContext;
    UCHAR rgCertificateRequestContext[ANYSIZE_ARRAY];
} SEC_CERTIFICATE_REQUEST_CONTEXT, *PSEC_CERTIFICATE_REQUEST_CONTEXT;

typedef struct _SEC_APP_SESSION_STATE {
    USHORT AppSessionStateSize;
    UCHAR AppSessionState[ANYSIZE_ARRAY];
} SEC_APP_SESSION_STATE, *PSEC_APP_SESSION_STATE;

typedef struct _SEC_SESSION_TICKET {
    USHORT SessionTicketSize;
    UCHAR SessionTicket[ANYSIZE_ARRAY];
} SEC_SESSION_TICKET, *PSEC_SESSION_TICKET;

/* Data representation for TargetDataRep. */
#define SECURITY_NATIVE_DREP                    0x00000010
#define SECURITY_NETWORK_DREP                   0x00000000

/* ======================================================================= */
/* Credential use and request/return flags                                 */
/* ======================================================================= */

#define SECPKG_CRED_INBOUND                     0x00000001
#define SECPKG_CRED_OUTBOUND                    0x00000002
#define SECPKG_CRED_BOTH                        0x00000003
#define SECPKG_CRED_DEFAULT                     0x00000004
#define SECPKG_CRED_RESERVED                    0xF0000000
#define SECPKG_CRED_AUTOLOGON_RESTRICTED        0x00000010
#define SECPKG_CRED_PROCESS_POLICY_ONLY         0x00000020
#define SECPKG_CRED_KERB_ANCHOR_DS_VERSION      0x00000040

/* InitializeSecurityContext fContextReq */
#define ISC_REQ_DELEGATE                        0x00000001
#define ISC_REQ_MUTUAL_AUTH                     0x00000002
#define ISC_REQ_REPLAY_DETECT                   0x00000004
#define ISC_REQ_SEQUENCE_DETECT                 0x00000008
#define ISC_REQ_CONFIDENTIALITY                 0x00000010
#define ISC_REQ_USE_SESSION_KEY                 0x00000020
#define ISC_REQ_PROMPT_FOR_CREDS                0x00000040
#define ISC_REQ_USE_SUPPLIED_CREDS              0x00000080
#define ISC_REQ_ALLOCATE_MEMORY                 0x00000100
#define ISC_REQ_USE_DCE_STYLE                   0x00000200
#define ISC_REQ_DATAGRAM                        0x00000400
#define ISC_REQ_CONNECTION                      0x00000800
#define ISC_REQ_CALL_LEVEL                      0x00001000
#define ISC_REQ_FRAGMENT_SUPPLIED               0x00002000
#define ISC_REQ_EXTENDED_ERROR                  0x00004000
#define ISC_REQ_STREAM                          0x00008000
#define ISC_REQ_INTEGRITY                       0x00010000
#define ISC_REQ_IDENTIFY                        0x00020000
#define ISC_REQ_NULL_SESSION                    0x00040000
#define ISC_REQ_MANUAL_CRED_VALIDATION          0x00080000
#define ISC_REQ_RESERVED1                       0x00100000
#define ISC_REQ_FRAGMENT_TO_FIT                 0x00200000
#define ISC_REQ_FORWARD_CREDENTIALS             0x00400000
#define ISC_REQ_NO_INTEGRITY                    0x00800000
#define ISC_REQ_USE_HTTP_STYLE                  0x01000000
#define ISC_REQ_UNVERIFIED_TARGET_NAME          0x20000000
#define ISC_REQ_CONFIDENTIALITY_ONLY            0x40000000
/* 64-bit flags: only usable through SECBUFFER_FLAGS (SEC_FLAGS). */
#define ISC_REQ_MESSAGES                        0x0000000100000000ULL
#define ISC_REQ_DEFERRED_CRED_VALIDATION        0x0000000200000000ULL
#define ISC_REQ_NO_POST_HANDSHAKE_AUTH          0x0000000400000000ULL
#define ISC_REQ_REUSE_SESSION_TICKETS           0x0000000800000000ULL
#define ISC_REQ_EXPLICIT_SESSION                0x0000001000000000ULL

/* InitializeSecurityContext *pfContextAttr */
#define ISC_RET_DELEGATE                        0x00000001
#define ISC_RET_MUTUAL_AUTH                     0x00000002
#define ISC_RET_REPLAY_DETECT                   0x00000004
#define ISC_RET_SEQUENCE_DETECT                 0x00000008
#define ISC_RET_CONFIDENTIALITY                 0x00000010
#define ISC_RET_USE_SESSION_KEY                 0x00000020
#define ISC_RET_USED_COLLECTED_CREDS            0x00000040
#define ISC_RET_USED_SUPPLIED_CREDS             0x00000080
#define ISC_RET_ALLOCATED_MEMORY                0x00000100
#define ISC_RET_USED_DCE_STYLE                  0x00000200
#define ISC_RET_DATAGRAM                        0x00000400
#define ISC_RET_CONNECTION                      0x00000800
#define ISC_RET_INTERMEDIATE_RETURN             0x00001000
#define ISC_RET_CALL_LEVEL                      0x00002000
#define ISC_RET_EXTENDED_ERROR                  0x00004000
#define ISC_RET_STREAM                          0x00008000
#define ISC_RET_INTEGRITY                       0x00010000
#define ISC_RET_IDENTIFY                        0x00020000
#define ISC_RET_NULL_SESSION                    0x00040000
#define ISC_RET_MANUAL_CRED_VALIDATION          0x00080000
#define ISC_RET_RESERVED1                       0x00100000
#define ISC_RET_FRAGMENT_ONLY                   0x00200000
#define ISC_RET_FORWARD_CREDENTIALS             0x00400000
#define ISC_RET_USED_HTTP_STYLE                 0x01000000
#define ISC_RET_NO_ADDITIONAL_TOKEN             0x02000000
#define ISC_RET_REAUTHENTICATION                0x08000000
#define ISC_RET_CONFIDENTIALITY_ONLY            0x40000000
#define ISC_RET_MESSAGES                        0x0000000100000000ULL
#define ISC_RET_DEFERRED_CRED_VALIDATION        0x0000000200000000ULL
#define ISC_RET_NO_POST_HANDSHAKE_AUTH          0x0000000400000000ULL
#define ISC_RET_REUSE_SESSION_TICKETS           0x0000000800000000ULL
#define ISC_RET_EXPLICIT_SESSION                0x0000001000000000ULL

/* AcceptSecurityContext fContextReq */
#define ASC_REQ_DELEGATE                        0x00000001
#define ASC_REQ_MUTUAL_AUTH                     0x00000002
#define ASC_REQ_REPLAY_DETECT                   0x00000004
#define ASC_REQ_SEQUENCE_DETECT                 0x00000008
#define ASC_REQ_CONFIDENTIALITY                 0x00000010
#define ASC_REQ_USE_SESSION_KEY                 0x00000020
#define ASC_REQ_SESSION_TICKET                  0x00000040
#define ASC_REQ_ALLOCATE_MEMORY                 0x00000100
#define ASC_REQ_USE_DCE_STYLE                   0x00000200
#define ASC_REQ_DATAGRAM                        0x00000400
#define ASC_REQ_CONNECTION                      0x00000800
#define ASC_REQ_CALL_LEVEL                      0x00001000
#define ASC_REQ_FRAGMENT_SUPPLIED               0x00002000
#define ASC_REQ_EXTENDED_ERROR                  0x00008000
#define ASC_REQ_STREAM                          0x00010000
#define ASC_REQ_INTEGRITY                       0x00020000
#define ASC_REQ_LICENSING                       0x00040000
#define ASC_REQ_IDENTIFY                        0x00080000
#define ASC_REQ_ALLOW_NULL_SESSION              0x00100000
#define ASC_REQ_ALLOW_NON_USER_LOGONS           0x00200000
#define ASC_REQ_ALLOW_CONTEXT_REPLAY            0x00400000
#define ASC_REQ_FRAGMENT_TO_FIT                 0x00800000
#define ASC_REQ_NO_TOKEN                        0x01000000
#define ASC_REQ_PROXY_BINDINGS                  0x04000000
#define ASC_REQ_ALLOW_MISSING_BINDINGS          0x10000000
#define ASC_REQ_MESSAGES                        0x0000000100000000ULL
#define ASC_REQ_EXPLICIT_SESSION                0x0000001000000000ULL

/* AcceptSecurityContext *pfContextAttr */
#define ASC_RET_DELEGATE                        0x00000001
#define ASC_RET_MUTUAL_AUTH                     0x00000002
#define ASC_RET_REPLAY_DETECT                   0x00000004
#define ASC_RET_SEQUENCE_DETECT                 0x00000008
#define ASC_RET_CONFIDENTIALITY                 0x00000010
#define ASC_RET_USE_SESSION_KEY                 0x00000020
#define ASC_RET_SESSION_TICKET                  0x00000040
#define ASC_RET_ALLOCATED_MEMORY                0x00000100
#define ASC_RET_USED_DCE_STYLE                  0x00000200
#define ASC_RET_DATAGRAM                        0x00000400
#define ASC_RET_CONNECTION                      0x00000800
#define ASC_RET_CALL_LEVEL                      0x00002000
#define ASC_RET_THIRD_LEG_FAILED                0x00004000
#define ASC_RET_EXTENDED_ERROR                  0x00008000
#define ASC_RET_STREAM                          0x00010000
#define ASC_RET_INTEGRITY                       0x00020000
#define ASC_RET_LICENSING                       0x00040000
#define ASC_RET_IDENTIFY                        0x00080000
#define ASC_RET_NULL_SESSION                    0x00100000
#define ASC_RET_ALLOW_NON_USER_LOGONS           0x00200000
#define ASC_RET_ALLOW_CONTEXT_REPLAY            0x00400000
#define ASC_RET_FRAGMENT_ONLY                   0x00800000
#define ASC_RET_NO_TOKEN                        0x01000000
#define ASC_RET_NO_ADDITIONAL_TOKEN             0x02000000
#define ASC_RET_MESSAGES                        0x0000000100000000ULL
#define ASC_RET_REUSE_SESSION_TICKETS           0x0000000800000000ULL
#define ASC_RET_EXPLICIT_SESSION                0x0000001000000000ULL

/* ======================================================================= */
/* Credential attributes (Query/SetCredentialsAttributes)                  */
/* ======================================================================= */

#define SECPKG_CRED_ATTR_NAMES                  1
#define SECPKG_CRED_ATTR_SSI_PROVIDER           2
#define SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS     3
#define SECPKG_CRED_ATTR_KDC_NETWORK_SETTINGS   3
#define SECPKG_CRED_ATTR_CERT                   4
#define SECPKG_CRED_ATTR_PAC_BYPASS             5

typedef struct _SecPkgCredentials_NamesW {
    SEC_WCHAR *sUserName;       /* freed with FreeContextBuffer */
} SecPkgCredentials_NamesW, *PSecPkgCredentials_NamesW;

typedef struct _SecPkgCredentials_NamesA {
    SEC_CHAR *sUserName;        /* freed with FreeContextBuffer */
} SecPkgCredentials_NamesA, *PSecPkgCredentials_NamesA;

typedef struct _SecPkgCredentials_SSIProviderW {
    SEC_WCHAR *sProviderName;
    ULONG ProviderInfoLength;
    char *ProviderInfo;
} SecPkgCredentials_SSIProviderW, *PSecPkgCredentials_SSIProviderW;

typedef struct _SecPkgCredentials_SSIProviderA {
    SEC_CHAR *sProviderName;
    ULONG ProviderInfoLength;
    char *ProviderInfo;
} SecPkgCredentials_SSIProviderA, *PSecPkgCredentials_SSIProviderA;

#define KDC_PROXY_SETTINGS_V1                   1
#define KDC_PROXY_SETTINGS_FLAGS_FORCEPROXY     0x1

typedef struct _SecPkgCredentials_KdcProxySettingsW {
    ULONG Version;              /* KDC_PROXY_SETTINGS_V1 */
    ULONG Flags;
    USHORT ProxyServerOffset;
    USHORT ProxyServerLength;
    USHORT ClientTlsCredOffset;
    USHORT ClientTlsCredLength;
} SecPkgCredentials_KdcProxySettingsW, *PSecPkgCredentials_KdcProxySettingsW;

typedef struct _SecPkgCredentials_Cert {
    ULONG EncodedCertSize;
    UCHAR *EncodedCert;
} SecPkgCredentials_Cert, *PSecPkgCredentials_Cert;

#ifdef UNICODE
#define SecPkgCredentials_Names SecPkgCredentials_NamesW
#define PSecPkgCredentials_Names PSecPkgCredentials_NamesW
#define SecPkgCredentials_SSIProvider SecPkgCredentials_SSIProviderW
#define PSecPkgCredentials_SSIProvider PSecPkgCredentials_SSIProviderW
#else
#define SecPkgCredentials_Names SecPkgCredentials_NamesA
#define PSecPkgCredentials_Names PSecPkgCredentials_NamesA
#define SecPkgCredentials_SSIProvider SecPkgCredentials_SSIProviderA
#define PSecPkgCredentials_SSIProvider PSecPkgCredentials_SSIProviderA
#endif

/* ======================================================================= */
/* Context attributes (QueryContextAttributes / SetContextAttributes)      */
/* ======================================================================= */

#define SECPKG_ATTR_SIZES                       0
#define SECPKG_ATTR_NAMES                       1
#define SECPKG_ATTR_LIFESPAN                    2
#define SECPKG_ATTR_DCE_INFO                    3
#define SECPKG_ATTR_STREAM_SIZES                4
#define SECPKG_ATTR_KEY_INFO                    5
#define SECPKG_ATTR_AUTHORITY                   6
#define SECPKG_ATTR_PROTO_INFO                  7
#define SECPKG_ATTR_PASSWORD_EXPIRY             8
#define SECPKG_ATTR_SESSION_KEY                 9
#define SECPKG_ATTR_PACKAGE_INFO                10
#define SECPKG_ATTR_USER_FLAGS                  11
#define SECPKG_ATTR_NEGOTIATION_INFO            12
#define SECPKG_ATTR_NATIVE_NAMES                13
#define SECPKG_ATTR_FLAGS                       14
#define SECPKG_ATTR_USE_VALIDATED               15
#define SECPKG_ATTR_CREDENTIAL_NAME             16
#define SECPKG_ATTR_TARGET_INFORMATION          17
#define SECPKG_ATTR_ACCESS_TOKEN                18
#define SECPKG_ATTR_TARGET                      19
#define SECPKG_ATTR_AUTHENTICATION_ID           20
#define SECPKG_ATTR_LOGOFF_TIME                 21
#define SECPKG_ATTR_NEGO_KEYS                   22
#define SECPKG_ATTR_PROMPTING_NEEDED            24
#define SECPKG_ATTR_UNIQUE_BINDINGS             25
#define SECPKG_ATTR_ENDPOINT_BINDINGS           26
#define SECPKG_ATTR_CLIENT_SPECIFIED_TARGET     27
#define SECPKG_ATTR_LAST_CLIENT_TOKEN_STATUS    30
#define SECPKG_ATTR_NEGO_PKG_INFO               31
#define SECPKG_ATTR_NEGO_STATUS                 32
#define SECPKG_ATTR_CONTEXT_DELETED             33
#define SECPKG_ATTR_DTLS_MTU                    34
#define SECPKG_ATTR_DATAGRAM_SIZES              SECPKG_ATTR_STREAM_SIZES
#define SECPKG_ATTR_SUBJECT_SECURITY_ATTRIBUTES 128
#define SECPKG_ATTR_APPLICATION_PROTOCOL        35
#define SECPKG_ATTR_NEGOTIATED_TLS_EXTENSIONS   36
#define SECPKG_ATTR_IS_LOOPBACK                 37

/* "Alternate" attributes (credssp.h on Windows). */
#define SECPKG_ALT_ATTR                         0x80000000
#define SECPKG_ATTR_C_ACCESS_TOKEN              0x80000012
#define SECPKG_ATTR_CREDS                       0x80000080
#define SECPKG_ATTR_NEGOTIATION_PACKAGE         0x80000081
#define SECPKG_ATTR_C_FULL_ACCESS_TOKEN         0x80000082
#define SECPKG_ATTR_SERVER_AUTH_FLAGS           0x80000083
#define SECPKG_ATTR_CERT_TRUST_STATUS           0x80000084
#define SECPKG_ATTR_CREDS_2                     0x80000086

#define SECPKG_ATTR_NEGO_INFO_FLAG_NO_KERBEROS  0x1
#define SECPKG_ATTR_NEGO_INFO_FLAG_NO_NTLM      0x2

typedef struct _SecPkgContext_SubjectAttributes {
    void *AttributeInfo;
} SecPkgContext_SubjectAttributes, *PSecPkgContext_SubjectAttributes;

typedef enum _SECPKG_CRED_CLASS {
    SecPkgCredClass_None = 0,
    SecPkgCredClass_Ephemeral = 10,
    SecPkgCredClass_PersistedGeneric = 20,
    SecPkgCredClass_PersistedSpecific = 30,
    SecPkgCredClass_Explicit = 40
} SECPKG_CRED_CLASS, *PSECPKG_CRED_CLASS;

typedef struct _SecPkgContext_CredInfo {
    SECPKG_CRED_CLASS CredClass;
    ULONG IsPromptingNeeded;
} SecPkgContext_CredInfo, *PSecPkgContext_CredInfo;

typedef struct _SecPkgContext_NegoPackageInfo {
    ULONG PackageMask;          /* SECPKG_ATTR_NEGO_INFO_FLAG_* */
} SecPkgContext_NegoPackageInfo, *PSecPkgContext_NegoPackageInfo;

typedef struct _SecPkgContext_NegoStatus {
    ULONG LastStatus;
} SecPkgContext_NegoStatus, *PSecPkgContext_NegoStatus;

typedef struct _SecPkgContext_Sizes {
    ULONG cbMaxToken;
    ULONG cbMaxSignature;       /* MakeSignature token size */
    ULONG cbBlockSize;
    ULONG cbSecurityTrailer;    /* EncryptMessage token size */
} SecPkgContext_Sizes, *PSecPkgContext_Sizes;

typedef struct _SecPkgContext_StreamSizes {
    ULONG cbHeader;
    ULONG cbTrailer;
    ULONG cbMaximumMessage;
    ULONG cBuffers;
    ULONG cbBlockSize;
} SecPkgContext_StreamSizes, *PSecPkgContext_StreamSizes;

typedef SecPkgContext_StreamSizes SecPkgContext_DatagramSizes;
typedef PSecPkgContext_StreamSizes PSecPkgContext_DatagramSizes;

typedef struct _SecPkgContext_NamesW {
    SEC_WCHAR *sUserName;       /* freed with FreeContextBuffer */
} SecPkgContext_NamesW, *PSecPkgContext_NamesW;

typedef struct _SecPkgContext_NamesA {
    SEC_CHAR *sUserName;        /* freed with FreeContextBuffer */
} SecPkgContext_NamesA, *PSecPkgContext_NamesA;

typedef enum _SECPKG_ATTR_LCT_STATUS {
    SecPkgAttrLastClientTokenYes,
    SecPkgAttrLastClientTokenNo,
    SecPkgAttrLastClientTokenMaybe
} SECPKG_ATTR_LCT_STATUS, *PSECPKG_ATTR_LCT_STATUS;

typedef struct _SecPkgContext_LastClientTokenStatus {
    SECPKG_ATTR_LCT_STATUS LastClientTokenStatus;
} SecPkgContext_LastClientTokenStatus, *PSecPkgContext_LastClientTokenStatus;

typedef struct _SecPkgContext_Lifespan {
    TimeStamp tsStart;
    TimeStamp tsExpiry;
} SecPkgContext_Lifespan, *PSecPkgContext_Lifespan;

typedef struct _SecPkgContext_DceInfo {
    ULONG AuthzSvc;
    void *pPac;
} SecPkgContext_DceInfo, *PSecPkgContext_DceInfo;

typedef struct _SecPkgContext_KeyInfoA {
    SEC_CHAR *sSignatureAlgorithmName;
    SEC_CHAR *sEncryptAlgorithmName;
    ULONG KeySize;              /* in bits */
    ULONG SignatureAlgorithm;
    ULONG EncryptAlgorithm;
} SecPkgContext_KeyInfoA, *PSecPkgContext_KeyInfoA;

typedef struct _SecPkgContext_KeyInfoW {
    SEC_WCHAR *sSignatureAlgorithmName;
    SEC_WCHAR *sEncryptAlgorithmName;
    ULONG KeySize;
    ULONG SignatureAlgorithm;
    ULONG EncryptAlgorithm;
} SecPkgContext_KeyInfoW, *PSecPkgContext_KeyInfoW;

typedef struct _SecPkgContext_AuthorityA {
    SEC_CHAR *sAuthorityName;
} SecPkgContext_AuthorityA, *PSecPkgContext_AuthorityA;

typedef struct _SecPkgContext_AuthorityW {
    SEC_WCHAR *sAuthorityName;
} SecPkgContext_AuthorityW, *PSecPkgContext_AuthorityW;

typedef struct _SecPkgContext_ProtoInfoA {
    SEC_CHAR *sProtocolName;
    ULONG majorVersion;
    ULONG minorVersion;
} SecPkgContext_ProtoInfoA, *PSecPkgContext_ProtoInfoA;

typedef struct _SecPkgContext_ProtoInfoW {
    SEC_WCHAR *sProtocolName;
    ULONG majorVersion;
    ULONG minorVersion;
} SecPkgContext_ProtoInfoW, *PSecPkgContext_ProtoInfoW;

typedef struct _SecPkgContext_PasswordExpiry {
    TimeStamp tsPasswordExpires;
} SecPkgContext_PasswordExpiry, *PSecPkgContext_PasswordExpiry;

typedef struct _SecPkgContext_LogoffTime {
    TimeStamp tsLogoffTime;
} SecPkgContext_LogoffTime, *PSecPkgContext_LogoffTime;

typedef struct _SecPkgContext_SessionKey {
    ULONG SessionKeyLength;
    UCHAR *SessionKey;          /* freed with FreeContextBuffer */
} SecPkgContext_SessionKey, *PSecPkgContext_SessionKey;

typedef struct _SecPkgContext_NegoKeys {
    ULONG KeyType;
    USHORT KeyLength;
    UCHAR *KeyValue;
    ULONG VerifyKeyType;
    USHORT VerifyKeyLength;
    UCHAR *VerifyKeyValue;
} SecPkgContext_NegoKeys, *PSecPkgContext_NegoKeys;

typedef struct _SecPkgContext_PackageInfoW {
    PSecPkgInfoW PackageInfo;   /* freed with FreeContextBuffer */
} SecPkgContext_PackageInfoW, *PSecPkgContext_PackageInfoW;

typedef struct _SecPkgContext_PackageInfoA {
    PSecPkgInfoA PackageInfo;   /* freed with FreeContextBuffer */
} SecPkgContext_PackageInfoA, *PSecPkgContext_PackageInfoA;

typedef struct _SecPkgContext_UserFlags {
    ULONG UserFlags;
} SecPkgContext_UserFlags, *PSecPkgContext_UserFlags;

typedef struct _SecPkgContext_Flags {
    ULONG Flags;                /* ISC_RET_* / ASC_RET_* */
} SecPkgContext_Flags, *PSecPkgContext_Flags;

typedef struct _SecPkgContext_NegotiationInfoA {
    PSecPkgInfoA PackageInfo;   /* freed with FreeContextBuffer */
    ULONG NegotiationState;     /* SECPKG_NEGOTIATION_* */
} SecPkgContext_NegotiationInfoA, *PSecPkgContext_NegotiationInfoA;

typedef struct _SecPkgContext_NegotiationInfoW {
    PSecPkgInfoW PackageInfo;   /* freed with FreeContextBuffer */
    ULONG NegotiationState;
} SecPkgContext_NegotiationInfoW, *PSecPkgContext_NegotiationInfoW;

#define SECPKG_NEGOTIATION_COMPLETE             0
#define SECPKG_NEGOTIATION_OPTIMISTIC           1
#define SECPKG_NEGOTIATION_IN_PROGRESS          2
#define SECPKG_NEGOTIATION_DIRECT               3
#define SECPKG_NEGOTIATION_TRY_MULTICRED        4

typedef struct _SecPkgContext_NativeNamesW {
    SEC_WCHAR *sClientName;
    SEC_WCHAR *sServerName;
} SecPkgContext_NativeNamesW, *PSecPkgContext_NativeNamesW;

typedef struct _SecPkgContext_NativeNamesA {
    SEC_CHAR *sClientName;
    SEC_CHAR *sServerName;
} SecPkgContext_NativeNamesA, *PSecPkgContext_NativeNamesA;

typedef struct _SecPkgContext_CredentialNameW {
    ULONG CredentialType;
    SEC_WCHAR *sCredentialName;
} SecPkgContext_CredentialNameW, *PSecPkgContext_CredentialNameW;

typedef struct _SecPkgContext_CredentialNameA {
    ULONG CredentialType;
    SEC_CHAR *sCredentialName;
} SecPkgContext_CredentialNameA, *PSecPkgContext_CredentialNameA;

typedef struct _SecPkgContext_AccessToken {
    void *AccessToken;
} SecPkgContext_AccessToken, *PSecPkgContext_AccessToken;

typedef struct _SecPkgContext_TargetInformation {
    ULONG MarshalledTargetInfoLength;
    UCHAR *MarshalledTargetInfo;
} SecPkgContext_TargetInformation, *PSecPkgContext_TargetInformation;

typedef struct _SecPkgContext_AuthzID {
    ULONG AuthzIDLength;
    char *AuthzID;
} SecPkgContext_AuthzID, *PSecPkgContext_AuthzID;

typedef struct _SecPkgContext_Target {
    ULONG TargetLength;
    char *Target;
} SecPkgContext_Target, *PSecPkgContext_Target;

typedef struct _SecPkgContext_ClientSpecifiedTarget {
    SEC_WCHAR *sTargetName;
} SecPkgContext_ClientSpecifiedTarget, *PSecPkgContext_ClientSpecifiedTarget;

typedef struct _SecPkgContext_Bindings {
    ULONG BindingsLength;
    SEC_CHANNEL_BINDINGS *Bindings;
} SecPkgContext_Bindings, *PSecPkgContext_Bindings;

typedef enum _SEC_APPLICATION_PROTOCOL_NEGOTIATION_STATUS {
    SecApplicationProtocolNegotiationStatus_None,
    SecApplicationProtocolNegotiationStatus_Success,
    SecApplicationProtocolNegotiationStatus_SelectedClientOnly
} SEC_APPLICATION_PROTOCOL_NEGOTIATION_STATUS, *PSEC_APPLICATION_PROTOCOL_NEGOTIATION_STATUS;

#define MAX_PROTOCOL_ID_SIZE 0xff

typedef struct _SecPkgContext_ApplicationProtocol {
    SEC_APPLICATION_PROTOCOL_NEGOTIATION_STATUS ProtoNegoStatus;
    SEC_APPLICATION_PROTOCOL_NEGOTIATION_EXT ProtoNegoExt;
    UCHAR ProtocolIdSize;
    UCHAR ProtocolId[MAX_PROTOCOL_ID_SIZE];
} SecPkgContext_ApplicationProtocol, *PSecPkgContext_ApplicationProtocol;

typedef struct _SecPkgContext_NegotiatedTlsExtensions {
    ULONG ExtensionsCount;
    USHORT *Extensions;
} SecPkgContext_NegotiatedTlsExtensions, *PSecPkgContext_NegotiatedTlsExtensions;

#ifdef UNICODE
#define SecPkgContext_Names SecPkgContext_NamesW
#define PSecPkgContext_Names PSecPkgContext_NamesW
#define SecPkgContext_KeyInfo SecPkgContext_KeyInfoW
#define PSecPkgContext_KeyInfo PSecPkgContext_KeyInfoW
#define SecPkgContext_Authority SecPkgContext_AuthorityW
#define PSecPkgContext_Authority PSecPkgContext_AuthorityW
#define SecPkgContext_ProtoInfo SecPkgContext_ProtoInfoW
#define PSecPkgContext_ProtoInfo PSecPkgContext_ProtoInfoW
#define SecPkgContext_PackageInfo SecPkgContext_PackageInfoW
#define PSecPkgContext_PackageInfo PSecPkgContext_PackageInfoW
#define SecPkgContext_NegotiationInfo SecPkgContext_NegotiationInfoW
#define PSecPkgContext_NegotiationInfo PSecPkgContext_NegotiationInfoW
#define SecPkgContext_NativeNames SecPkgContext_NativeNamesW
#define PSecPkgContext_NativeNames PSecPkgContext_NativeNamesW
#define SecPkgContext_CredentialName SecPkgContext_CredentialNameW
#define PSecPkgContext_CredentialName PSecPkgContext_CredentialNameW
#else
#define SecPkgContext_Names SecPkgContext_NamesA
#define PSecPkgContext_Names PSecPkgContext_NamesA
#define SecPkgContext_KeyInfo SecPkgContext_KeyInfoA
#define PSecPkgContext_KeyInfo PSecPkgContext_KeyInfoA
#define SecPkgContext_Authority SecPkgContext_AuthorityA
#define PSecPkgContext_Authority PSecPkgContext_AuthorityA
#define SecPkgContext_ProtoInfo SecPkgContext_ProtoInfoA
#define PSecPkgContext_ProtoInfo PSecPkgContext_ProtoInfoA
#define SecPkgContext_PackageInfo SecPkgContext_PackageInfoA
#define PSecPkgContext_PackageInfo PSecPkgContext_PackageInfoA
#define SecPkgContext_NegotiationInfo SecPkgContext_NegotiationInfoA
#define PSecPkgContext_NegotiationInfo PSecPkgContext_NegotiationInfoA
#define SecPkgContext_NativeNames SecPkgContext_NativeNamesA
#define PSecPkgContext_NativeNames PSecPkgContext_NativeNamesA
#define SecPkgContext_CredentialName SecPkgContext_CredentialNameA
#define PSecPkgContext_CredentialName PSecPkgContext_CredentialNameA
#endif

/* Key callback of AcquireCredentialsHandle (unused by most packages). */
typedef void (SEC_ENTRY *SEC_GET_KEY_FN)(void *Arg, void *Principal, ULONG KeyVer,
                                         void **Key, SECURITY_STATUS *Status);

/* ExportSecurityContext fFlags */
#define SECPKG_CONTEXT_EXPORT_RESET_NEW         0x00000001
#define SECPKG_CONTEXT_EXPORT_DELETE_OLD        0x00000002
#define SECPKG_CONTEXT_EXPORT_TO_KERNEL         0x00000004

/* Quality of protection (fQOP) */
#define SECQOP_WRAP_NO_ENCRYPT                  0x80000001
#define SECQOP_WRAP_OOB_DATA                    0x40000000
#ifndef KERB_WRAP_NO_ENCRYPT
#define KERB_WRAP_NO_ENCRYPT                    0x80000001
#endif

/* ======================================================================= */
/* Authentication identities (pAuthData of AcquireCredentialsHandle)       */
/* ======================================================================= */

#define SEC_WINNT_AUTH_IDENTITY_ANSI            0x1
#define SEC_WINNT_AUTH_IDENTITY_UNICODE         0x2
#define SEC_WINNT_AUTH_IDENTITY_MARSHALLED      0x4
#define SEC_WINNT_AUTH_IDENTITY_ONLY            0x8

/* Lengths are in characters, without the terminating NUL. */
typedef struct _SEC_WINNT_AUTH_IDENTITY_W {
    USHORT *User;
    ULONG UserLength;
    USHORT *Domain;
    ULONG DomainLength;
    USHORT *Password;
    ULONG PasswordLength;
    ULONG Flags;                /* SEC_WINNT_AUTH_IDENTITY_UNICODE | ... */
} SEC_WINNT_AUTH_IDENTITY_W, *PSEC_WINNT_AUTH_IDENTITY_W;

typedef struct _SEC_WINNT_AUTH_IDENTITY_A {
    UCHAR *User;
    ULONG UserLength;
    UCHAR *Domain;
    ULONG DomainLength;
    UCHAR *Password;
    ULONG PasswordLength;
    ULONG Flags;                /* SEC_WINNT_AUTH_IDENTITY_ANSI | ... */
} SEC_WINNT_AUTH_IDENTITY_A, *PSEC_WINNT_AUTH_IDENTITY_A;

#ifdef UNICODE
#define SEC_WINNT_AUTH_IDENTITY SEC_WINNT_AUTH_IDENTITY_W
#define PSEC_WINNT_AUTH_IDENTITY PSEC_WINNT_AUTH_IDENTITY_W
#define _SEC_WINNT_AUTH_IDENTITY _SEC_WINNT_AUTH_IDENTITY_W
#else
#define SEC_WINNT_AUTH_IDENTITY SEC_WINNT_AUTH_IDENTITY_A
#define PSEC_WINNT_AUTH_IDENTITY PSEC_WINNT_AUTH_IDENTITY_A
#define _SEC_WINNT_AUTH_IDENTITY _SEC_WINNT_AUTH_IDENTITY_A
#endif

#define SEC_WINNT_AUTH_IDENTITY_VERSION         0x200

typedef struct _SEC_WINNT_AUTH_IDENTITY_EXW {
    ULONG Version;              /* SEC_WINNT_AUTH_IDENTITY_VERSION */
    ULONG Length;               /* sizeof(SEC_WINNT_AUTH_IDENTITY_EXW) */
    USHORT *User;
    ULONG UserLength;
    USHORT *Domain;
    ULONG DomainLength;
    USHORT *Password;
    ULONG PasswordLength;
    ULONG Flags;
    USHORT *PackageList;        /* Negotiate: comma-separated, "!" excludes */
    ULONG PackageListLength;
} SEC_WINNT_AUTH_IDENTITY_EXW, *PSEC_WINNT_AUTH_IDENTITY_EXW;

typedef struct _SEC_WINNT_AUTH_IDENTITY_EXA {
    ULONG Version;
    ULONG Length;
    UCHAR *User;
    ULONG UserLength;
    UCHAR *Domain;
    ULONG DomainLength;
    UCHAR *Password;
    ULONG PasswordLength;
    ULONG Flags;
    UCHAR *PackageList;
    ULONG PackageListLength;
} SEC_WINNT_AUTH_IDENTITY_EXA, *PSEC_WINNT_AUTH_IDENTITY_EXA;

#ifdef UNICODE
#define SEC_WINNT_AUTH_IDENTITY_EX SEC_WINNT_AUTH_IDENTITY_EXW
#define PSEC_WINNT_AUTH_IDENTITY_EX PSEC_WINNT_AUTH_IDENTITY_EXW
#else
#define SEC_WINNT_AUTH_IDENTITY_EX SEC_WINNT_AUTH_IDENTITY_EXA
#define PSEC_WINNT_AUTH_IDENTITY_EX PSEC_WINNT_AUTH_IDENTITY_EXA
#endif

#define SEC_WINNT_AUTH_IDENTITY_VERSION_2       0x201

/* Packed identity: strings follow the header at the given byte offsets. */
typedef struct _SEC_WINNT_AUTH_IDENTITY_EX2 {
    ULONG Version;              /* SEC_WINNT_AUTH_IDENTITY_VERSION_2 */
    USHORT cbHeaderLength;
    ULONG cbStructureLength;
    ULONG UserOffset;
    USHORT UserLength;
    ULONG DomainOffset;
    USHORT DomainLength;
    ULONG PackedCredentialsOffset;
    USHORT PackedCredentialsLength;
    ULONG Flags;
    ULONG PackageListOffset;
    USHORT PackageListLength;
} SEC_WINNT_AUTH_IDENTITY_EX2, *PSEC_WINNT_AUTH_IDENTITY_EX2;

typedef union _SEC_WINNT_AUTH_IDENTITY_INFO {
    SEC_WINNT_AUTH_IDENTITY_EXW AuthIdExw;
    SEC_WINNT_AUTH_IDENTITY_EXA AuthIdExa;
    SEC_WINNT_AUTH_IDENTITY_A AuthId_a;
    SEC_WINNT_AUTH_IDENTITY_W AuthId_w;
    SEC_WINNT_AUTH_IDENTITY_EX2 AuthIdEx2;
} SEC_WINNT_AUTH_IDENTITY_INFO, *PSEC_WINNT_AUTH_IDENTITY_INFO;

typedef PVOID PSEC_WINNT_AUTH_IDENTITY_OPAQUE;

#define SEC_WINNT_AUTH_IDENTITY_FLAGS_PROCESS_ENCRYPTED     0x10
#define SEC_WINNT_AUTH_IDENTITY_FLAGS_SYSTEM_PROTECTED      0x20
#define SEC_WINNT_AUTH_IDENTITY_FLAGS_USER_PROTECTED        0x40
#define SEC_WINNT_AUTH_IDENTITY_FLAGS_SYSTEM_ENCRYPTED      0x80
#define SEC_WINNT_AUTH_IDENTITY_FLAGS_RESERVED              0x10000
#define SEC_WINNT_AUTH_IDENTITY_FLAGS_NULL_USER             0x20000
#define SEC_WINNT_AUTH_IDENTITY_FLAGS_NULL_DOMAIN           0x40000
#define SEC_WINNT_AUTH_IDENTITY_FLAGS_ID_PROVIDER           0x80000
#define SEC_WINNT_AUTH_IDENTITY_FLAGS_SSPIPFC_USE_MASK              0xFF000000
#define SEC_WINNT_AUTH_IDENTITY_FLAGS_SSPIPFC_CREDPROV_DO_NOT_SAVE  0x80000000
#define SEC_WINNT_AUTH_IDENTITY_FLAGS_SSPIPFC_SAVE_CRED_BY_CALLER   \
    SEC_WINNT_AUTH_IDENTITY_FLAGS_SSPIPFC_CREDPROV_DO_NOT_SAVE
#define SEC_WINNT_AUTH_IDENTITY_FLAGS_SSPIPFC_SAVE_CRED_CHECKED     0x40000000
#define SEC_WINNT_AUTH_IDENTITY_FLAGS_SSPIPFC_NO_CHECKBOX           0x20000000
#define SEC_WINNT_AUTH_IDENTITY_FLAGS_SSPIPFC_CREDPROV_DO_NOT_LOAD  0x10000000
#define SEC_WINNT_AUTH_IDENTITY_FLAGS_VALID_SSPIPFC_FLAGS               \
    (SEC_WINNT_AUTH_IDENTITY_FLAGS_SSPIPFC_CREDPROV_DO_NOT_SAVE |       \
     SEC_WINNT_AUTH_IDENTITY_FLAGS_SSPIPFC_SAVE_CRED_CHECKED |          \
     SEC_WINNT_AUTH_IDENTITY_FLAGS_SSPIPFC_NO_CHECKBOX |                \
     SEC_WINNT_AUTH_IDENTITY_FLAGS_SSPIPFC_CREDPROV_DO_NOT_LOAD)

#define SEC_WINNT_AUTH_IDENTITY_ENCRYPT_SAME_LOGON          1
#define SEC_WINNT_AUTH_IDENTITY_ENCRYPT_SAME_PROCESS        2
#define SEC_WINNT_AUTH_IDENTITY_ENCRYPT_FOR_SYSTEM          4

/* ======================================================================= */
/* Functions                                                               */
/*                                                                         */
/* Unless noted, every function returns SEC_E_OK on success,               */
/* SEC_E_INVALID_HANDLE for an unknown/stale handle, SEC_E_INVALID_PARAMETER */
/* (or SEC_E_INVALID_TOKEN for malformed wire data) for bad input,         */
/* SEC_E_INSUFFICIENT_MEMORY and SEC_E_UNSUPPORTED_FUNCTION when the       */
/* package does not implement the operation.                               */
/* ======================================================================= */

/*
 * AcquireCredentialsHandle: obtain a credential handle for package
 * pszPackage (e.g. "NTLM", "Negotiate"), for SECPKG_CRED_INBOUND/OUTBOUND/
 * BOTH use. pAuthData is NULL (default credentials) or a
 * SEC_WINNT_AUTH_IDENTITY_{A,W,EXA,EXW}; it is copied, the caller keeps it.
 * *phCredential must be released with FreeCredentialsHandle.
 * Errors: SEC_E_SECPKG_NOT_FOUND, SEC_E_NO_CREDENTIALS, SEC_E_UNKNOWN_CREDENTIALS.
 */
LIBSSPI_API SECURITY_STATUS SEC_ENTRY AcquireCredentialsHandleW(
    SEC_WCHAR *pszPrincipal, SEC_WCHAR *pszPackage, ULONG fCredentialUse,
    void *pvLogonId, void *pAuthData, SEC_GET_KEY_FN pGetKeyFn,
    void *pvGetKeyArgument, PCredHandle phCredential, PTimeStamp ptsExpiry);
typedef SECURITY_STATUS (SEC_ENTRY *ACQUIRE_CREDENTIALS_HANDLE_FN_W)(
    SEC_WCHAR *, SEC_WCHAR *, ULONG, void *, void *, SEC_GET_KEY_FN, void *,
    PCredHandle, PTimeStamp);

LIBSSPI_API SECURITY_STATUS SEC_ENTRY AcquireCredentialsHandleA(
    SEC_CHAR *pszPrincipal, SEC_CHAR *pszPackage, ULONG fCredentialUse,
    void *pvLogonId, void *pAuthData, SEC_GET_KEY_FN pGetKeyFn,
    void *pvGetKeyArgument, PCredHandle phCredential, PTimeStamp ptsExpiry);
typedef SECURITY_STATUS (SEC_ENTRY *ACQUIRE_CREDENTIALS_HANDLE_FN_A)(
    SEC_CHAR *, SEC_CHAR *, ULONG, void *, void *, SEC_GET_KEY_FN, void *,
    PCredHandle, PTimeStamp);

/*
 * FreeCredentialsHandle: release a handle from AcquireCredentialsHandle.
 * Contexts built from it stay usable until they are deleted.
 * Errors: SEC_E_INVALID_HANDLE.
 */
LIBSSPI_API SECURITY_STATUS SEC_ENTRY FreeCredentialsHandle(PCredHandle phCredential);
typedef SECURITY_STATUS (SEC_ENTRY *FREE_CREDENTIALS_HANDLE_FN)(PCredHandle);
#define FreeCredentialHandle FreeCredentialsHandle

/*
 * AddCredentials: add package-specific credentials to an existing handle.
 * pAuthData is copied; the caller keeps ownership.
 * Errors: SEC_E_INVALID_HANDLE, SEC_E_SECPKG_NOT_FOUND, SEC_E_UNSUPPORTED_FUNCTION.
 */
LIBSSPI_API SECURITY_STATUS SEC_ENTRY AddCredentialsW(
    PCredHandle hCredentials, SEC_WCHAR *pszPrincipal, SEC_WCHAR *pszPackage,
    ULONG fCredentialUse, void *pAuthData, SEC_GET_KEY_FN pGetKeyFn,
    void *pvGetKeyArgument, PTimeStamp ptsExpiry);
typedef SECURITY_STATUS (SEC_ENTRY *ADD_CREDENTIALS_FN_W)(
    PCredHandle, SEC_WCHAR *, SEC_WCHAR *, ULONG, void *, SEC_GET_KEY_FN, void *, PTimeStamp);

LIBSSPI_API SECURITY_STATUS SEC_ENTRY AddCredentialsA(
    PCredHandle hCredentials, SEC_CHAR *pszPrincipal, SEC_CHAR *pszPackage,
    ULONG fCredentialUse, void *pAuthData, SEC_GET_KEY_FN pGetKeyFn,
    void *pvGetKeyArgument, PTimeStamp ptsExpiry);
typedef SECURITY_STATUS (SEC_ENTRY *ADD_CREDENTIALS_FN_A)(
    PCredHandle, SEC_CHAR *, SEC_CHAR *, ULONG, void *, SEC_GET_KEY_FN, void *, PTimeStamp);

/*
 * ChangeAccountPassword: change a domain account password through a package.
 * Output messages (if any) go to pOutput (caller buffers, or allocated and
 * then freed with FreeContextBuffer).
 * Errors: SEC_E_SECPKG_NOT_FOUND, SEC_E_UNSUPPORTED_FUNCTION, SEC_E_LOGON_DENIED.
 */
LIBSSPI_API SECURITY_STATUS SEC_ENTRY ChangeAccountPasswordW(
    SEC_WCHAR *pszPackageName, SEC_WCHAR *pszDomainName, SEC_WCHAR *pszAccountName,
    SEC_WCHAR *pszOldPassword, SEC_WCHAR *pszNewPassword, BOOLEAN bImpersonating,
    ULONG dwReserved, PSecBufferDesc pOutput);
typedef SECURITY_STATUS (SEC_ENTRY *CHANGE_PASSWORD_FN_W)(
    SEC_WCHAR *, SEC_WCHAR *, SEC_WCHAR *, SEC_WCHAR *, SEC_WCHAR *, BOOLEAN, ULONG,
    PSecBufferDesc);

LIBSSPI_API SECURITY_STATUS SEC_ENTRY ChangeAccountPasswordA(
    SEC_CHAR *pszPackageName, SEC_CHAR *pszDomainName, SEC_CHAR *pszAccountName,
    SEC_CHAR *pszOldPassword, SEC_CHAR *pszNewPassword, BOOLEAN bImpersonating,
    ULONG dwReserved, PSecBufferDesc pOutput);
typedef SECURITY_STATUS (SEC_ENTRY *CHANGE_PASSWORD_FN_A)(
    SEC_CHAR *, SEC_CHAR *, SEC_CHAR *, SEC_CHAR *, SEC_CHAR *, BOOLEAN, ULONG,
    PSecBufferDesc);

/*
 * InitializeSecurityContext (client side): produce the next token for the
 * server. First call: phContext NULL, pInput NULL (or channel bindings);
 * later calls: phContext = previous phNewContext, pInput = server token.
 * Output tokens go into caller buffers in pOutput, or with
 * ISC_REQ_ALLOCATE_MEMORY into buffers freed with FreeContextBuffer.
 * Returns SEC_E_OK (done), SEC_I_CONTINUE_NEEDED (send token, call again),
 * SEC_I_COMPLETE_NEEDED / SEC_I_COMPLETE_AND_CONTINUE (call CompleteAuthToken),
 * SEC_E_INCOMPLETE_MESSAGE, SEC_E_INVALID_TOKEN, SEC_E_LOGON_DENIED, ...
 */
LIBSSPI_API SECURITY_STATUS SEC_ENTRY InitializeSecurityContextW(
    PCredHandle phCredential, PCtxtHandle phContext, SEC_WCHAR *pszTargetName,
    ULONG fContextReq, ULONG Reserved1, ULONG TargetDataRep, PSecBufferDesc pInput,
    ULONG Reserved2, PCtxtHandle phNewContext, PSecBufferDesc pOutput,
    ULONG *pfContextAttr, PTimeStamp ptsExpiry);
typedef SECURITY_STATUS (SEC_ENTRY *INITIALIZE_SECURITY_CONTEXT_FN_W)(
    PCredHandle, PCtxtHandle, SEC_WCHAR *, ULONG, ULONG, ULONG, PSecBufferDesc, ULONG,
    PCtxtHandle, PSecBufferDesc, ULONG *, PTimeStamp);

LIBSSPI_API SECURITY_STATUS SEC_ENTRY InitializeSecurityContextA(
    PCredHandle phCredential, PCtxtHandle phContext, SEC_CHAR *pszTargetName,
    ULONG fContextReq, ULONG Reserved1, ULONG TargetDataRep, PSecBufferDesc pInput,
    ULONG Reserved2, PCtxtHandle phNewContext, PSecBufferDesc pOutput,
    ULONG *pfContextAttr, PTimeStamp ptsExpiry);
typedef SECURITY_STATUS (SEC_ENTRY *INITIALIZE_SECURITY_CONTEXT_FN_A)(
    PCredHandle, PCtxtHandle, SEC_CHAR *, ULONG, ULONG, ULONG, PSecBufferDesc, ULONG,
    PCtxtHandle, PSecBufferDesc, ULONG *, PTimeStamp);

/*
 * AcceptSecurityContext (server side): consume a client token and produce
 * the reply. Ownership and return codes as InitializeSecurityContext
 * (ASC_REQ_ALLOCATE_MEMORY output freed with FreeContextBuffer); also
 * SEC_E_LOGON_DENIED for bad credentials and SEC_E_BAD_BINDINGS.
 */
LIBSSPI_API SECURITY_STATUS SEC_ENTRY AcceptSecurityContext(
    PCredHandle phCredential, PCtxtHandle phContext, PSecBufferDesc pInput,
    ULONG fContextReq, ULONG TargetDataRep, PCtxtHandle phNewContext,
    PSecBufferDesc pOutput, ULONG *pfContextAttr, PTimeStamp ptsExpiry);
typedef SECURITY_STATUS (SEC_ENTRY *ACCEPT_SECURITY_CONTEXT_FN)(
    PCredHandle, PCtxtHandle, PSecBufferDesc, ULONG, ULONG, PCtxtHandle, PSecBufferDesc,
    ULONG *, PTimeStamp);

/*
 * CompleteAuthToken: finish a token after SEC_I_COMPLETE_NEEDED or
 * SEC_I_COMPLETE_AND_CONTINUE. pToken is caller-owned and updated in place.
 * Errors: SEC_E_INVALID_HANDLE, SEC_E_INVALID_TOKEN.
 */
LIBSSPI_API SECURITY_STATUS SEC_ENTRY CompleteAuthToken(PCtxtHandle phContext, PSecBufferDesc pToken);
typedef SECURITY_STATUS (SEC_ENTRY *COMPLETE_AUTH_TOKEN_FN)(PCtxtHandle, PSecBufferDesc);

/*
 * ImpersonateSecurityContext / RevertSecurityContext: run as the client
 * authenticated by a server context. No OS impersonation exists on Linux:
 * returns SEC_E_NO_IMPERSONATION (or SEC_E_UNSUPPORTED_FUNCTION).
 */
LIBSSPI_API SECURITY_STATUS SEC_ENTRY ImpersonateSecurityContext(PCtxtHandle phContext);
typedef SECURITY_STATUS (SEC_ENTRY *IMPERSONATE_SECURITY_CONTEXT_FN)(PCtxtHandle);

LIBSSPI_API SECURITY_STATUS SEC_ENTRY RevertSecurityContext(PCtxtHandle phContext);
typedef SECURITY_STATUS (SEC_ENTRY *REVERT_SECURITY_CONTEXT_FN)(PCtxtHandle);

/*
 * QuerySecurityContextToken: return the OS access token of the client.
 * There is none on Linux: returns SEC_E_UNSUPPORTED_FUNCTION or
 * SEC_E_NO_IMPERSONATION; *Token is set to NULL.
 */
LIBSSPI_API SECURITY_STATUS SEC_ENTRY QuerySecurityContextToken(PCtxtHandle phContext, HANDLE *Token);
typedef SECURITY_STATUS (SEC_ENTRY *QUERY_SECURITY_CONTEXT_TOKEN_FN)(PCtxtHandle, HANDLE *);

/*
 * DeleteSecurityContext: destroy a context (complete or not) and wipe its
 * keys. The handle is invalid afterwards.
 * Errors: SEC_E_INVALID_HANDLE.
 */
LIBSSPI_API SECURITY_STATUS SEC_ENTRY DeleteSecurityContext(PCtxtHandle phContext);
typedef SECURITY_STATUS (SEC_ENTRY *DELETE_SECURITY_CONTEXT_FN)(PCtxtHandle);

/*
 * ApplyControlToken: apply a package control token (e.g. Schannel
 * shutdown) to a context. pInput stays caller-owned.
 * Errors: SEC_E_UNSUPPORTED_FUNCTION, SEC_E_INVALID_TOKEN.
 */
LIBSSPI_API SECURITY_STATUS SEC_ENTRY ApplyControlToken(PCtxtHandle phContext, PSecBufferDesc pInput);
typedef SECURITY_STATUS (SEC_ENTRY *APPLY_CONTROL_TOKEN_FN)(PCtxtHandle, PSecBufferDesc);

/*
 * QueryContextAttributes: fill the SecPkgContext_* structure that matches
 * ulAttribute (SECPKG_ATTR_*) at pBuffer (caller storage). Pointers stored
 * inside it (names, keys, PackageInfo) are freed with FreeContextBuffer.
 * Errors: SEC_E_INVALID_HANDLE, SEC_E_UNSUPPORTED_FUNCTION (unknown attribute).
 */
LIBSSPI_API SECURITY_STATUS SEC_ENTRY QueryContextAttributesW(PCtxtHandle phContext, ULONG ulAttribute, void *pBuffer);
typedef SECURITY_STATUS (SEC_ENTRY *QUERY_CONTEXT_ATTRIBUTES_FN_W)(PCtxtHandle, ULONG, void *);

LIBSSPI_API SECURITY_STATUS SEC_ENTRY QueryContextAttributesA(PCtxtHandle phContext, ULONG ulAttribute, void *pBuffer);
typedef SECURITY_STATUS (SEC_ENTRY *QUERY_CONTEXT_ATTRIBUTES_FN_A)(PCtxtHandle, ULONG, void *);

/*
 * QueryContextAttributesEx: as QueryContextAttributes, with cbBuffer the size
 * of pBuffer; SEC_E_BUFFER_TOO_SMALL (or SEC_E_INSUFFICIENT_MEMORY) if short.
 */
LIBSSPI_API SECURITY_STATUS SEC_ENTRY QueryContextAttributesExW(PCtxtHandle phContext, ULONG ulAttribute, void *pBuffer, ULONG cbBuffer);
typedef SECURITY_STATUS (SEC_ENTRY *QUERY_CONTEXT_ATTRIBUTES_EX_FN_W)(PCtxtHandle, ULONG, void *, ULONG);

LIBSSPI_API SECURITY_STATUS SEC_ENTRY QueryContextAttributesExA(PCtxtHandle phContext, ULONG ulAttribute, void *pBuffer, ULONG cbBuffer);
typedef SECURITY_STATUS (SEC_ENTRY *QUERY_CONTEXT_ATTRIBUTES_EX_FN_A)(PCtxtHandle, ULONG, void *, ULONG);

/*
 * SetContextAttributes: set attribute ulAttribute from pBuffer (cbBuffer
 * bytes, caller-owned, copied).
 * Errors: SEC_E_UNSUPPORTED_FUNCTION, SEC_E_INVALID_PARAMETER.
 */
LIBSSPI_API SECURITY_STATUS SEC_ENTRY SetContextAttributesW(PCtxtHandle phContext, ULONG ulAttribute, void *pBuffer, ULONG cbBuffer);
typedef SECURITY_STATUS (SEC_ENTRY *SET_CONTEXT_ATTRIBUTES_FN_W)(PCtxtHandle, ULONG, void *, ULONG);

LIBSSPI_API SECURITY_STATUS SEC_ENTRY SetContextAttributesA(PCtxtHandle phContext, ULONG ulAttribute, void *pBuffer, ULONG cbBuffer);
typedef SECURITY_STATUS (SEC_ENTRY *SET_CONTEXT_ATTRIBUTES_FN_A)(PCtxtHandle, ULONG, void *, ULONG);

/*
 * QueryCredentialsAttributes: fill the SecPkgCredentials_* structure for
 * ulAttribute (SECPKG_CRED_ATTR_*) at pBuffer; strings inside are freed
 * with FreeContextBuffer.
 * Errors: SEC_E_INVALID_HANDLE, SEC_E_UNSUPPORTED_FUNCTION.
 */
LIBSSPI_API SECURITY_STATUS SEC_ENTRY QueryCredentialsAttributesW(PCredHandle phCredential, ULONG ulAttribute, void *pBuffer);
typedef SECURITY_STATUS (SEC_ENTRY *QUERY_CREDENTIALS_ATTRIBUTES_FN_W)(PCredHandle, ULONG, void *);

LIBSSPI_API SECURITY_STATUS SEC_ENTRY QueryCredentialsAttributesA(PCredHandle phCredential, ULONG ulAttribute, void *pBuffer);
typedef SECURITY_STATUS (SEC_ENTRY *QUERY_CREDENTIALS_ATTRIBUTES_FN_A)(PCredHandle, ULONG, void *);

/* QueryCredentialsAttributesEx: as above with the size of pBuffer. */
LIBSSPI_API SECURITY_STATUS SEC_ENTRY QueryCredentialsAttributesExW(PCredHandle phCredential, ULONG ulAttribute, void *pBuffer, ULONG cbBuffer);
typedef SECURITY_STATUS (SEC_ENTRY *QUERY_CREDENTIALS_ATTRIBUTES_EX_FN_W)(PCredHandle, ULONG, void *, ULONG);

LIBSSPI_API SECURITY_STATUS SEC_ENTRY QueryCredentialsAttributesExA(PCredHandle phCredential, ULONG ulAttribute, void *pBuffer, ULONG cbBuffer);
typedef SECURITY_STATUS (SEC_ENTRY *QUERY_CREDENTIALS_ATTRIBUTES_EX_FN_A)(PCredHandle, ULONG, void *, ULONG);

/*
 * SetCredentialsAttributes: set a credential attribute from pBuffer
 * (cbBuffer bytes, caller-owned, copied); see libsspi.h for extension ids.
 * Errors: SEC_E_UNSUPPORTED_FUNCTION, SEC_E_INVALID_PARAMETER.
 */
LIBSSPI_API SECURITY_STATUS SEC_ENTRY SetCredentialsAttributesW(PCredHandle phCredential, ULONG ulAttribute, void *pBuffer, ULONG cbBuffer);
typedef SECURITY_STATUS (SEC_ENTRY *SET_CREDENTIALS_ATTRIBUTES_FN_W)(PCredHandle, ULONG, void *, ULONG);

LIBSSPI_API SECURITY_STATUS SEC_ENTRY SetCredentialsAttributesA(PCredHandle phCredential, ULONG ulAttribute, void *pBuffer, ULONG cbBuffer);
typedef SECURITY_STATUS (SEC_ENTRY *SET_CREDENTIALS_ATTRIBUTES_FN_A)(PCredHandle, ULONG, void *, ULONG);

/*
 * FreeContextBuffer: free any buffer the library returned to the caller
 * (package lists, allocated tokens, attribute strings). NULL is accepted.
 * Returns SEC_E_OK.
 */
LIBSSPI_API SECURITY_STATUS SEC_ENTRY FreeContextBuffer(void *pvContextBuffer);
typedef SECURITY_STATUS (SEC_ENTRY *FREE_CONTEXT_BUFFER_FN)(void *);

/*
 * MakeSignature: compute a MIC over the SECBUFFER_DATA buffers of pMessage
 * into its SECBUFFER_TOKEN buffer (caller-owned, at least
 * SecPkgContext_Sizes.cbMaxSignature bytes).
 * Errors: SEC_E_BUFFER_TOO_SMALL, SEC_E_QOP_NOT_SUPPORTED, SEC_E_CONTEXT_EXPIRED.
 */
LIBSSPI_API SECURITY_STATUS SEC_ENTRY MakeSignature(PCtxtHandle phContext, ULONG fQOP, PSecBufferDesc pMessage, ULONG MessageSeqNo);
typedef SECURITY_STATUS (SEC_ENTRY *MAKE_SIGNATURE_FN)(PCtxtHandle, ULONG, PSecBufferDesc, ULONG);

/*
 * VerifySignature: check the MIC in the SECBUFFER_TOKEN buffer against the
 * data buffers. *pfQOP (optional) receives the QOP used.
 * Errors: SEC_E_MESSAGE_ALTERED, SEC_E_OUT_OF_SEQUENCE, SEC_E_INVALID_TOKEN.
 */
LIBSSPI_API SECURITY_STATUS SEC_ENTRY VerifySignature(PCtxtHandle phContext, PSecBufferDesc pMessage, ULONG MessageSeqNo, ULONG *pfQOP);
typedef SECURITY_STATUS (SEC_ENTRY *VERIFY_SIGNATURE_FN)(PCtxtHandle, PSecBufferDesc, ULONG, ULONG *);

/*
 * EncryptMessage: seal the SECBUFFER_DATA buffers in place and write the
 * trailer/token into the caller's SECBUFFER_TOKEN (cbSecurityTrailer bytes).
 * fQOP may be SECQOP_WRAP_NO_ENCRYPT (sign only).
 * Errors: SEC_E_BUFFER_TOO_SMALL, SEC_E_QOP_NOT_SUPPORTED, SEC_E_CONTEXT_EXPIRED.
 */
LIBSSPI_API SECURITY_STATUS SEC_ENTRY EncryptMessage(PCtxtHandle phContext, ULONG fQOP, PSecBufferDesc pMessage, ULONG MessageSeqNo);
typedef SECURITY_STATUS (SEC_ENTRY *ENCRYPT_MESSAGE_FN)(PCtxtHandle, ULONG, PSecBufferDesc, ULONG);

/*
 * DecryptMessage: verify and decrypt in place; *pfQOP (optional) tells
 * whether the message was only signed (SECQOP_WRAP_NO_ENCRYPT).
 * Errors: SEC_E_MESSAGE_ALTERED, SEC_E_OUT_OF_SEQUENCE,
 * SEC_E_INCOMPLETE_MESSAGE (stream), SEC_E_INVALID_TOKEN, SEC_E_DECRYPT_FAILURE.
 */
LIBSSPI_API SECURITY_STATUS SEC_ENTRY DecryptMessage(PCtxtHandle phContext, PSecBufferDesc pMessage, ULONG MessageSeqNo, ULONG *pfQOP);
typedef SECURITY_STATUS (SEC_ENTRY *DECRYPT_MESSAGE_FN)(PCtxtHandle, PSecBufferDesc, ULONG, ULONG *);

/*
 * EnumerateSecurityPackages: list the available packages. *ppPackageInfo
 * receives one array of *pcPackages entries (strings included) that the
 * caller frees with a single FreeContextBuffer(*ppPackageInfo).
 * Errors: SEC_E_INSUFFICIENT_MEMORY.
 */
LIBSSPI_API SECURITY_STATUS SEC_ENTRY EnumerateSecurityPackagesW(ULONG *pcPackages, PSecPkgInfoW *ppPackageInfo);
typedef SECURITY_STATUS (SEC_ENTRY *ENUMERATE_SECURITY_PACKAGES_FN_W)(ULONG *, PSecPkgInfoW *);

LIBSSPI_API SECURITY_STATUS SEC_ENTRY EnumerateSecurityPackagesA(ULONG *pcPackages, PSecPkgInfoA *ppPackageInfo);
typedef SECURITY_STATUS (SEC_ENTRY *ENUMERATE_SECURITY_PACKAGES_FN_A)(ULONG *, PSecPkgInfoA *);

/*
 * QuerySecurityPackageInfo: describe one package (name compared without
 * case). *ppPackageInfo is freed with FreeContextBuffer.
 * Errors: SEC_E_SECPKG_NOT_FOUND.
 */
LIBSSPI_API SECURITY_STATUS SEC_ENTRY QuerySecurityPackageInfoW(SEC_WCHAR *pszPackageName, PSecPkgInfoW *ppPackageInfo);
typedef SECURITY_STATUS (SEC_ENTRY *QUERY_SECURITY_PACKAGE_INFO_FN_W)(SEC_WCHAR *, PSecPkgInfoW *);

LIBSSPI_API SECURITY_STATUS SEC_ENTRY QuerySecurityPackageInfoA(SEC_CHAR *pszPackageName, PSecPkgInfoA *ppPackageInfo);
typedef SECURITY_STATUS (SEC_ENTRY *QUERY_SECURITY_PACKAGE_INFO_FN_A)(SEC_CHAR *, PSecPkgInfoA *);

/*
 * ExportSecurityContext: serialize a complete context into pPackedContext
 * (pvBuffer allocated, freed with FreeContextBuffer); *pToken is set to NULL.
 * fFlags: SECPKG_CONTEXT_EXPORT_*.
 * Errors: SEC_E_UNSUPPORTED_FUNCTION, SEC_E_INVALID_HANDLE.
 */
LIBSSPI_API SECURITY_STATUS SEC_ENTRY ExportSecurityContext(PCtxtHandle phContext, ULONG fFlags, PSecBuffer pPackedContext, void **pToken);
typedef SECURITY_STATUS (SEC_ENTRY *EXPORT_SECURITY_CONTEXT_FN)(PCtxtHandle, ULONG, PSecBuffer, void **);

/*
 * ImportSecurityContext: rebuild a context exported by ExportSecurityContext
 * (pPackedContext stays caller-owned). Release it with DeleteSecurityContext.
 * Errors: SEC_E_SECPKG_NOT_FOUND, SEC_E_INVALID_TOKEN, SEC_E_UNSUPPORTED_FUNCTION.
 */
LIBSSPI_API SECURITY_STATUS SEC_ENTRY ImportSecurityContextW(SEC_WCHAR *pszPackage, PSecBuffer pPackedContext, void *Token, PCtxtHandle phContext);
typedef SECURITY_STATUS (SEC_ENTRY *IMPORT_SECURITY_CONTEXT_FN_W)(SEC_WCHAR *, PSecBuffer, void *, PCtxtHandle);

LIBSSPI_API SECURITY_STATUS SEC_ENTRY ImportSecurityContextA(SEC_CHAR *pszPackage, PSecBuffer pPackedContext, void *Token, PCtxtHandle phContext);
typedef SECURITY_STATUS (SEC_ENTRY *IMPORT_SECURITY_CONTEXT_FN_A)(SEC_CHAR *, PSecBuffer, void *, PCtxtHandle);

/* ======================================================================= */
/* Dispatch table                                                          */
/* ======================================================================= */

typedef struct _SECURITY_FUNCTION_TABLE_W {
    ULONG dwVersion;
    ENUMERATE_SECURITY_PACKAGES_FN_W EnumerateSecurityPackagesW;
    QUERY_CREDENTIALS_ATTRIBUTES_FN_W QueryCredentialsAttributesW;
    ACQUIRE_CREDENTIALS_HANDLE_FN_W AcquireCredentialsHandleW;
    FREE_CREDENTIALS_HANDLE_FN FreeCredentialsHandle;
    void *Reserved2;
    INITIALIZE_SECURITY_CONTEXT_FN_W InitializeSecurityContextW;
    ACCEPT_SECURITY_CONTEXT_FN AcceptSecurityContext;
    COMPLETE_AUTH_TOKEN_FN CompleteAuthToken;
    DELETE_SECURITY_CONTEXT_FN DeleteSecurityContext;
    APPLY_CONTROL_TOKEN_FN ApplyControlToken;
    QUERY_CONTEXT_ATTRIBUTES_FN_W QueryContextAttributesW;
    IMPERSONATE_SECURITY_CONTEXT_FN ImpersonateSecurityContext;
    REVERT_SECURITY_CONTEXT_FN RevertSecurityContext;
    MAKE_SIGNATURE_FN MakeSignature;
    VERIFY_SIGNATURE_FN VerifySignature;
    FREE_CONTEXT_BUFFER_FN FreeContextBuffer;
    QUERY_SECURITY_PACKAGE_INFO_FN_W QuerySecurityPackageInfoW;
    void *Reserved3;
    void *Reserved4;
    EXPORT_SECURITY_CONTEXT_FN ExportSecurityContext;
    IMPORT_SECURITY_CONTEXT_FN_W ImportSecurityContextW;
    ADD_CREDENTIALS_FN_W AddCredentialsW;
    void *Reserved8;
    QUERY_SECURITY_CONTEXT_TOKEN_FN QuerySecurityContextToken;
    ENCRYPT_MESSAGE_FN EncryptMessage;
    DECRYPT_MESSAGE_FN DecryptMessage;
    SET_CONTEXT_ATTRIBUTES_FN_W SetContextAttributesW;
    SET_CREDENTIALS_ATTRIBUTES_FN_W SetCredentialsAttributesW;
    CHANGE_PASSWORD_FN_W ChangeAccountPasswordW;
    QUERY_CONTEXT_ATTRIBUTES_EX_FN_W QueryContextAttributesExW;
    QUERY_CREDENTIALS_ATTRIBUTES_EX_FN_W QueryCredentialsAttributesExW;
} SecurityFunctionTableW, *PSecurityFunctionTableW;

typedef struct _SECURITY_FUNCTION_TABLE_A {
    ULONG dwVersion;
    ENUMERATE_SECURITY_PACKAGES_FN_A EnumerateSecurityPackagesA;
    QUERY_CREDENTIALS_ATTRIBUTES_FN_A QueryCredentialsAttributesA;
    ACQUIRE_CREDENTIALS_HANDLE_FN_A AcquireCredentialsHandleA;
    FREE_CREDENTIALS_HANDLE_FN FreeCredentialsHandle; /* "FreeCredentialHandle" on Windows; macro above */
    void *Reserved2;
    INITIALIZE_SECURITY_CONTEXT_FN_A InitializeSecurityContextA;
    ACCEPT_SECURITY_CONTEXT_FN AcceptSecurityContext;
    COMPLETE_AUTH_TOKEN_FN CompleteAuthToken;
    DELETE_SECURITY_CONTEXT_FN DeleteSecurityContext;
    APPLY_CONTROL_TOKEN_FN ApplyControlToken;
    QUERY_CONTEXT_ATTRIBUTES_FN_A QueryContextAttributesA;
    IMPERSONATE_SECURITY_CONTEXT_FN ImpersonateSecurityContext;
    REVERT_SECURITY_CONTEXT_FN RevertSecurityContext;
    MAKE_SIGNATURE_FN MakeSignature;
    VERIFY_SIGNATURE_FN VerifySignature;
    FREE_CONTEXT_BUFFER_FN FreeContextBuffer;
    QUERY_SECURITY_PACKAGE_INFO_FN_A QuerySecurityPackageInfoA;
    void *Reserved3;
    void *Reserved4;
    EXPORT_SECURITY_CONTEXT_FN ExportSecurityContext;
    IMPORT_SECURITY_CONTEXT_FN_A ImportSecurityContextA;
    ADD_CREDENTIALS_FN_A AddCredentialsA;
    void *Reserved8;
    QUERY_SECURITY_CONTEXT_TOKEN_FN QuerySecurityContextToken;
    ENCRYPT_MESSAGE_FN EncryptMessage;
    DECRYPT_MESSAGE_FN DecryptMessage;
    SET_CONTEXT_ATTRIBUTES_FN_A SetContextAttributesA;
    SET_CREDENTIALS_ATTRIBUTES_FN_A SetCredentialsAttributesA;
    CHANGE_PASSWORD_FN_A ChangeAccountPasswordA;
    QUERY_CONTEXT_ATTRIBUTES_EX_FN_A QueryContextAttributesExA;
    QUERY_CREDENTIALS_ATTRIBUTES_EX_FN_A QueryCredentialsAttributesExA;
} SecurityFunctionTableA, *PSecurityFunctionTableA;

#define SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION     1
#define SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION_2   2
#define SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION_3   3
#define SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION_4   4
#define SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION_5   5

/*
 * InitSecurityInterface: return the library's static dispatch table
 * (dwVersion = SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION_5). The table is
 * owned by the library and must not be freed or modified. Never NULL.
 */
LIBSSPI_API PSecurityFunctionTableW SEC_ENTRY InitSecurityInterfaceW(void);
typedef PSecurityFunctionTableW (SEC_ENTRY *INIT_SECURITY_INTERFACE_W)(void);

LIBSSPI_API PSecurityFunctionTableA SEC_ENTRY InitSecurityInterfaceA(void);
typedef PSecurityFunctionTableA (SEC_ENTRY *INIT_SECURITY_INTERFACE_A)(void);

/* Symbol names for dlsym(). */
#define SECURITY_ENTRYPOINT_ANSIW "InitSecurityInterfaceW"
#define SECURITY_ENTRYPOINT_ANSIA "InitSecurityInterfaceA"
#define SECURITY_ENTRYPOINTW SEC_TEXT("InitSecurityInterfaceW")
#define SECURITY_ENTRYPOINTA SEC_TEXT("InitSecurityInterfaceA")
#define SECURITY_ENTRYPOINT16 "INITSECURITYINTERFACEA"

/* ======================================================================= */
/* Asynchronous API (Windows 10+; Microsoft documents it in sspi.h)        */
/* ======================================================================= */

typedef struct _SspiAsyncContext SspiAsyncContext;   /* opaque */

typedef void (*SspiAsyncNotifyCallback)(SspiAsyncContext *Handle, PVOID CallbackData);

/*
 * SspiCreateAsyncContext / SspiFreeAsyncContext: allocate and release an
 * async call context (NULL on allocation failure). A context is reusable
 * after SspiReinitAsyncContext (returns an NTSTATUS, 0 = success).
 */
LIBSSPI_API SspiAsyncContext *SspiCreateAsyncContext(void);
LIBSSPI_API void SspiFreeAsyncContext(SspiAsyncContext *Handle);
LIBSSPI_API NTSTATUS SspiReinitAsyncContext(SspiAsyncContext *Handle);

/*
 * SspiSetAsyncNotifyCallback: register Callback(Context, CallbackData), run
 * when a pending call completes. SspiAsyncContextRequiresNotify tells whether
 * the caller must wait for that notification.
 */
LIBSSPI_API SECURITY_STATUS SspiSetAsyncNotifyCallback(SspiAsyncContext *Context, SspiAsyncNotifyCallback Callback, void *CallbackData);
LIBSSPI_API BOOLEAN SspiAsyncContextRequiresNotify(SspiAsyncContext *AsyncContext);

/*
 * SspiGetAsyncCallStatus: SEC_I_ASYNC_CALL_PENDING while running, then the
 * final SECURITY_STATUS of the call made with the context.
 */
LIBSSPI_API SECURITY_STATUS SspiGetAsyncCallStatus(SspiAsyncContext *Handle);

/*
 * Sspi*Async: asynchronous counterparts of AcquireCredentialsHandle,
 * InitializeSecurityContext, AcceptSecurityContext, DeleteSecurityContext and
 * FreeCredentialsHandle. They queue the call and return SEC_E_OK (or the
 * error that prevented queueing: SEC_E_INVALID_HANDLE for a bad async
 * context, SEC_E_INVALID_PARAMETER while another call on the same async
 * context is pending); SspiGetAsyncCallStatus then reports the outcome.
 * Every input (pAuthData included) and output pointer must stay valid until
 * completion; outputs are written only when the call completes. Ownership
 * rules are those of the synchronous calls.
 */
LIBSSPI_API SECURITY_STATUS SspiAcquireCredentialsHandleAsyncW(
    SspiAsyncContext *AsyncContext, PSECURITY_STRING pszPrincipal,
    PSECURITY_STRING pszPackage, ULONG fCredentialUse, void *pvLogonId,
    void *pAuthData, SEC_GET_KEY_FN pGetKeyFn, void *pvGetKeyArgument,
    PCredHandle phCredential, PTimeStamp ptsExpiry);

LIBSSPI_API SECURITY_STATUS SspiAcquireCredentialsHandleAsyncA(
    SspiAsyncContext *AsyncContext, LPSTR pszPrincipal, LPSTR pszPackage,
    ULONG fCredentialUse, void *pvLogonId, void *pAuthData,
    SEC_GET_KEY_FN pGetKeyFn, void *pvGetKeyArgument, PCredHandle phCredential,
    PTimeStamp ptsExpiry);

LIBSSPI_API SECURITY_STATUS SspiInitializeSecurityContextAsyncW(
    SspiAsyncContext *AsyncContext, PCredHandle phCredential, PCtxtHandle phContext,
    PSECURITY_STRING pszTargetName, ULONG fContextReq, ULONG Reserved1,
    ULONG TargetDataRep, PSecBufferDesc pInput, ULONG Reserved2,
    PCtxtHandle phNewContext, PSecBufferDesc pOutput, ULONG *pfContextAttr,
    PTimeStamp ptsExpiry);

LIBSSPI_API SECURITY_STATUS SspiInitializeSecurityContextAsyncA(
    SspiAsyncContext *AsyncContext, PCredHandle phCredential, PCtxtHandle phContext,
    LPSTR pszTargetName, ULONG fContextReq, ULONG Reserved1, ULONG TargetDataRep,
    PSecBufferDesc pInput, ULONG Reserved2, PCtxtHandle phNewContext,
    PSecBufferDesc pOutput, ULONG *pfContextAttr, PTimeStamp ptsExpiry);

LIBSSPI_API SECURITY_STATUS SspiAcceptSecurityContextAsync(
    SspiAsyncContext *AsyncContext, PCredHandle phCredential, PCtxtHandle phContext,
    PSecBufferDesc pInput, ULONG fContextReq, ULONG TargetDataRep,
    PCtxtHandle phNewContext, PSecBufferDesc pOutput, ULONG *pfContextAttr,
    PTimeStamp ptsExpiry);

LIBSSPI_API SECURITY_STATUS SspiDeleteSecurityContextAsync(SspiAsyncContext *AsyncContext, PCtxtHandle phContext);

LIBSSPI_API SECURITY_STATUS SspiFreeCredentialsHandleAsync(SspiAsyncContext *AsyncContext, PCredHandle phCredential);

/* ======================================================================= */
/* Generic (UNICODE-dependent) names                                       */
/* ======================================================================= */

#ifdef UNICODE
#define AcquireCredentialsHandle AcquireCredentialsHandleW
#define ACQUIRE_CREDENTIALS_HANDLE_FN ACQUIRE_CREDENTIALS_HANDLE_FN_W
#define AddCredentials AddCredentialsW
#define ADD_CREDENTIALS_FN ADD_CREDENTIALS_FN_W
#define ChangeAccountPassword ChangeAccountPasswordW
#define CHANGE_PASSWORD_FN CHANGE_PASSWORD_FN_W
#define InitializeSecurityContext InitializeSecurityContextW
#define INITIALIZE_SECURITY_CONTEXT_FN INITIALIZE_SECURITY_CONTEXT_FN_W
#define QueryContextAttributes QueryContextAttributesW
#define QUERY_CONTEXT_ATTRIBUTES_FN QUERY_CONTEXT_ATTRIBUTES_FN_W
#define QueryContextAttributesEx QueryContextAttributesExW
#define QUERY_CONTEXT_ATTRIBUTES_EX_FN QUERY_CONTEXT_ATTRIBUTES_EX_FN_W
#define SetContextAttributes SetContextAttributesW
#define SET_CONTEXT_ATTRIBUTES_FN SET_CONTEXT_ATTRIBUTES_FN_W
#define QueryCredentialsAttributes QueryCredentialsAttributesW
#define QUERY_CREDENTIALS_ATTRIBUTES_FN QUERY_CREDENTIALS_ATTRIBUTES_FN_W
#define QueryCredentialsAttributesEx QueryCredentialsAttributesExW
#define QUERY_CREDENTIALS_ATTRIBUTES_EX_FN QUERY_CREDENTIALS_ATTRIBUTES_EX_FN_W
#define SetCredentialsAttributes SetCredentialsAttributesW
#define SET_CREDENTIALS_ATTRIBUTES_FN SET_CREDENTIALS_ATTRIBUTES_FN_W
#define EnumerateSecurityPackages EnumerateSecurityPackagesW
#define ENUMERATE_SECURITY_PACKAGES_FN ENUMERATE_SECURITY_PACKAGES_FN_W
#define QuerySecurityPackageInfo QuerySecurityPackageInfoW
#define QUERY_SECURITY_PACKAGE_INFO_FN QUERY_SECURITY_PACKAGE_INFO_FN_W
#define ImportSecurityContext ImportSecurityContextW
#define IMPORT_SECURITY_CONTEXT_FN IMPORT_SECURITY_CONTEXT_FN_W
#define InitSecurityInterface InitSecurityInterfaceW
#define INIT_SECURITY_INTERFACE INIT_SECURITY_INTERFACE_W
#define SecurityFunctionTable SecurityFunctionTableW
#define PSecurityFunctionTable PSecurityFunctionTableW
#define SECURITY_ENTRYPOINT SECURITY_ENTRYPOINTW
#define SECURITY_ENTRYPOINT_ANSI SECURITY_ENTRYPOINT_ANSIW
#define SspiAcquireCredentialsHandleAsync SspiAcquireCredentialsHandleAsyncW
#define SspiInitializeSecurityContextAsync SspiInitializeSecurityContextAsyncW
#else
#define AcquireCredentialsHandle AcquireCredentialsHandleA
#define ACQUIRE_CREDENTIALS_HANDLE_FN ACQUIRE_CREDENTIALS_HANDLE_FN_A
#define AddCredentials AddCredentialsA
#define ADD_CREDENTIALS_FN ADD_CREDENTIALS_FN_A
#define ChangeAccountPassword ChangeAccountPasswordA
#define CHANGE_PASSWORD_FN CHANGE_PASSWORD_FN_A
#define InitializeSecurityContext InitializeSecurityContextA
#define INITIALIZE_SECURITY_CONTEXT_FN INITIALIZE_SECURITY_CONTEXT_FN_A
#define QueryContextAttributes QueryContextAttributesA
#define QUERY_CONTEXT_ATTRIBUTES_FN QUERY_CONTEXT_ATTRIBUTES_FN_A
#define QueryContextAttributesEx QueryContextAttributesExA
#define QUERY_CONTEXT_ATTRIBUTES_EX_FN QUERY_CONTEXT_ATTRIBUTES_EX_FN_A
#define SetContextAttributes SetContextAttributesA
#define SET_CONTEXT_ATTRIBUTES_FN SET_CONTEXT_ATTRIBUTES_FN_A
#define QueryCredentialsAttributes QueryCredentialsAttributesA
#define QUERY_CREDENTIALS_ATTRIBUTES_FN QUERY_CREDENTIALS_ATTRIBUTES_FN_A
#define QueryCredentialsAttributesEx QueryCredentialsAttributesExA
#define QUERY_CREDENTIALS_ATTRIBUTES_EX_FN QUERY_CREDENTIALS_ATTRIBUTES_EX_FN_A
#define SetCredentialsAttributes SetCredentialsAttributesA
#define SET_CREDENTIALS_ATTRIBUTES_FN SET_CREDENTIALS_ATTRIBUTES_FN_A
#define EnumerateSecurityPackages EnumerateSecurityPackagesA
#define ENUMERATE_SECURITY_PACKAGES_FN ENUMERATE_SECURITY_PACKAGES_FN_A
#define QuerySecurityPackageInfo QuerySecurityPackageInfoA
#define QUERY_SECURITY_PACKAGE_INFO_FN QUERY_SECURITY_PACKAGE_INFO_FN_A
#define ImportSecurityContext ImportSecurityContextA
#define IMPORT_SECURITY_CONTEXT_FN IMPORT_SECURITY_CONTEXT_FN_A
#define InitSecurityInterface InitSecurityInterfaceA
#define INIT_SECURITY_INTERFACE INIT_SECURITY_INTERFACE_A
#define SecurityFunctionTable SecurityFunctionTableA
#define PSecurityFunctionTable PSecurityFunctionTableA
#define SECURITY_ENTRYPOINT SECURITY_ENTRYPOINTA
#define SECURITY_ENTRYPOINT_ANSI SECURITY_ENTRYPOINT_ANSIA
#define SspiAcquireCredentialsHandleAsync SspiAcquireCredentialsHandleAsyncA
#define SspiInitializeSecurityContextAsync SspiInitializeSecurityContextAsyncA
#endif

#ifdef __cplusplus
}
#endif

/* ======================================================================= */
/* `unsigned long *` out-parameters (LP64 source compatibility)           */
/* ======================================================================= */
/*
 * Why: ULONG and DWORD are 32 bits, as on Windows, so the exported functions,
 * the *_FN typedefs and the SecurityFunctionTable slots take ULONG *
 * (= uint32_t *). Microsoft documents several out-parameters as
 * `unsigned long *`, and Windows programs often declare the variable
 * `unsigned long` (32 bits on Windows). On LP64 Linux `unsigned long` is
 * 64 bits: passing its address to a ULONG * parameter is an incompatible
 * pointer (a warning in C, an error with -Werror, GCC 14 or C++).
 *
 * What: the functions below are also function-like macros of the same name
 * that rewrite one argument and nothing else:
 *     EnumerateSecurityPackagesA/W            pcPackages     (1st of 2)
 *     InitializeSecurityContextA/W            pfContextAttr  (11th of 12)
 *     AcceptSecurityContext                   pfContextAttr  (8th of 9)
 *     VerifySignature, DecryptMessage         pfQOP          (4th of 4)
 *     SspiInitializeSecurityContextAsyncA/W   pfContextAttr  (12th of 13)
 *     SspiAcceptSecurityContextAsync          pfContextAttr  (9th of 10)
 * An argument of type `unsigned long *` is zeroed and replaced by a ULONG *
 * to the 32 bits of that same variable that hold its low-order part, so after
 * the call the variable holds exactly the 32-bit value the library stored
 * (0 if the call stored nothing, as some failures do). Every other argument
 * (ULONG *, DWORD *, NULL, 0, nullptr) is passed through untouched; other
 * pointer types are diagnosed as before. The rewritten pointer designates the
 * caller's variable itself, so it is also right for the Sspi*Async calls,
 * which store their outputs when they complete. (The 32-bit store happens
 * inside libsspi.so, through the ULONG *.)
 *
 * Because the expansion starts with the function's own name (a macro never
 * re-expands itself), calls through the dispatch table work the same way:
 * pTable->DecryptMessage(..., &ulQop) and, with UNICODE,
 * pTable->InitializeSecurityContext(...). The table members, the *_FN
 * typedefs, the exported symbols, &DecryptMessage, plain `DecryptMessage`
 * (e.g. in a table initializer) and (DecryptMessage)(...) still name the
 * real functions: the ABI is unchanged.
 *
 * Limits: a macro argument must not contain an unparenthesized comma (wrap
 * a compound literal in parentheses). Code that declares or defines its own
 * function or method with one of these names and the same number of
 * parameters (an SSP implementation, a C++ wrapper class) must define
 * LIBSSPI_NO_ULONG_ADAPTERS before including this header (or #undef the
 * name); libsspi's own sources do. Calls through a variable of a *_FN type
 * (e.g. from dlsym) still need a ULONG/DWORD variable.
 *
 * LIBSSPI_ULONG_ADAPTERS is defined (to 1) when the adapters are active.
 */
#if !defined(LIBSSPI_NO_ULONG_ADAPTERS) && !defined(_WIN32)

#if defined(__cplusplus)
/* C++: overloads pick the conversion; null pointer constants (0, NULL,
 * nullptr) match only the pointer-to-member overload, whose parameter type
 * no real pointer converts to. */
#define LIBSSPI_ULONG_ADAPTERS 1
extern "C++" { /* even when this header is included inside extern "C" { } */
namespace libsspi_detail {
template <class T> struct ulong_out {
    typedef T *type;
    static type conv(T *p) { return p; }
};
template <> struct ulong_out<unsigned long> {
    typedef ULONG *type;
    static type conv(unsigned long *p)
    {
        const unsigned long one = 1;
        if (!p) return static_cast<ULONG *>(static_cast<void *>(p));
        *p = 0;
        unsigned char *b = reinterpret_cast<unsigned char *>(p);
        if (!*reinterpret_cast<const unsigned char *>(&one)) /* big-endian */
            b += sizeof(unsigned long) - sizeof(ULONG);
        return static_cast<ULONG *>(static_cast<void *>(b));
    }
};
struct null_arg {};
template <class T> inline typename ulong_out<T>::type ulong_out_arg(T *p)
{
    return ulong_out<T>::conv(p);
}
inline ULONG *ulong_out_arg(int null_arg::*)
{
#if __cplusplus >= 201103L
    return nullptr;
#else
    return NULL;
#endif
}
} /* namespace libsspi_detail */
} /* extern "C++" */
#define LIBSSPI_ULONG_OUT(p) (::libsspi_detail::ulong_out_arg(p))

#elif (defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L) || defined(__GNUC__) || \
    defined(__clang__)
#define LIBSSPI_ULONG_ADAPTERS 1
/* Zero *p and return a ULONG * to its low-order 32 bits (NULL stays NULL). */
static LIBSSPI_INLINE ULONG *libsspi_ulong_out_(void *p)
{
    unsigned long *v = (unsigned long *)p;
    const unsigned long one = 1;
    if (v == NULL)
        return NULL;
    *v = 0;
    if (*(const unsigned char *)&one) /* little-endian: low-order bytes first */
        return (ULONG *)p;
    return (ULONG *)(void *)((unsigned char *)p + (sizeof(unsigned long) - sizeof(ULONG)));
}
#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define LIBSSPI_ULONG_OUT(p) \
    _Generic((p), unsigned long *: libsspi_ulong_out_((void *)(p)), default: (p))
#else /* C89/C99 with GCC or Clang */
#define LIBSSPI_ULONG_OUT(p)                                                          \
    __builtin_choose_expr(__builtin_types_compatible_p(__typeof__(p), unsigned long *), \
                          libsspi_ulong_out_((void *)(p)), (p))
#endif
#endif /* C / C++ */

#ifdef LIBSSPI_ULONG_ADAPTERS
#define EnumerateSecurityPackagesW(a1, a2) EnumerateSecurityPackagesW(LIBSSPI_ULONG_OUT(a1), a2)
#define EnumerateSecurityPackagesA(a1, a2) EnumerateSecurityPackagesA(LIBSSPI_ULONG_OUT(a1), a2)
#define InitializeSecurityContextW(a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12) \
    InitializeSecurityContextW(a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, LIBSSPI_ULONG_OUT(a11), a12)
#define InitializeSecurityContextA(a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12) \
    InitializeSecurityContextA(a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, LIBSSPI_ULONG_OUT(a11), a12)
#define AcceptSecurityContext(a1, a2, a3, a4, a5, a6, a7, a8, a9) \
    AcceptSecurityContext(a1, a2, a3, a4, a5, a6, a7, LIBSSPI_ULONG_OUT(a8), a9)
#define VerifySignature(a1, a2, a3, a4) VerifySignature(a1, a2, a3, LIBSSPI_ULONG_OUT(a4))
#define DecryptMessage(a1, a2, a3, a4) DecryptMessage(a1, a2, a3, LIBSSPI_ULONG_OUT(a4))
#define SspiInitializeSecurityContextAsyncW(a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13) \
    SspiInitializeSecurityContextAsyncW(a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11,                \
                                        LIBSSPI_ULONG_OUT(a12), a13)
#define SspiInitializeSecurityContextAsyncA(a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13) \
    SspiInitializeSecurityContextAsyncA(a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11,                \
                                        LIBSSPI_ULONG_OUT(a12), a13)
#define SspiAcceptSecurityContextAsync(a1, a2, a3, a4, a5, a6, a7, a8, a9, a10) \
    SspiAcceptSecurityContextAsync(a1, a2, a3, a4, a5, a6, a7, a8, LIBSSPI_ULONG_OUT(a9), a10)
#endif
#endif /* unsigned long adapters */

#include "issperr.h"
#include "libsspi.h"

#endif /* LIBSSPI_SSPI_H */
