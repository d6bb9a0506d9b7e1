/*
 * Internal result type of libsspi.
 *
 * Every internal function that can fail returns `sr`, a one-field struct so
 * that it can never be confused with a SECURITY_STATUS (LONG) or an int.
 * The API layer (src/api/status.c) is the only place that maps an sr to a
 * SECURITY_STATUS; nothing below it includes Windows status codes.
 *
 * Functions returning sr are declared SR_MUST_CHECK so that an ignored
 * failure is a compile error under -Werror (idea from s2n's S2N_RESULT).
 */
#ifndef LIBSSPI_CORE_RESULT_H
#define LIBSSPI_CORE_RESULT_H

#if defined(__GNUC__) || defined(__clang__)
#define SR_MUST_CHECK __attribute__((warn_unused_result))
#else
#define SR_MUST_CHECK
#endif

typedef enum sr_code {
    SR_OK = 0,
    /* Informational, mapped to SEC_I_* */
    SR_CONTINUE_NEEDED,
    SR_COMPLETE_NEEDED,
    SR_COMPLETE_AND_CONTINUE,
    SR_INCOMPLETE_CREDENTIALS,
    SR_RENEGOTIATE,
    SR_CONTEXT_EXPIRED_INFO,
    SR_ASYNC_CALL_PENDING,
    /* Errors, mapped to SEC_E_* */
    SR_NO_MEMORY,            /* SEC_E_INSUFFICIENT_MEMORY */
    SR_INVALID_HANDLE,
    SR_UNSUPPORTED,          /* SEC_E_UNSUPPORTED_FUNCTION */
    SR_TARGET_UNKNOWN,
    SR_INTERNAL,             /* SEC_E_INTERNAL_ERROR */
    SR_SECPKG_NOT_FOUND,
    SR_NOT_OWNER,
    SR_INVALID_TOKEN,        /* malformed wire data */
    SR_INCOMPLETE_MESSAGE,   /* input truncated: more bytes needed */
    SR_QOP_NOT_SUPPORTED,
    SR_NO_IMPERSONATION,
    SR_LOGON_DENIED,
    SR_UNKNOWN_CREDENTIALS,
    SR_NO_CREDENTIALS,
    SR_MESSAGE_ALTERED,
    SR_OUT_OF_SEQUENCE,
    SR_NO_AUTHENTICATING_AUTHORITY,
    SR_BUFFER_TOO_SMALL,
    SR_WRONG_PRINCIPAL,
    SR_TIME_SKEW,
    SR_ILLEGAL_MESSAGE,
    SR_ENCRYPT_FAILURE,
    SR_DECRYPT_FAILURE,
    SR_ALGORITHM_MISMATCH,
    SR_CONTEXT_EXPIRED,
    SR_INVALID_PARAMETER,
    SR_BAD_BINDINGS,
    SR_DOWNGRADE_DETECTED,
    SR_CRYPTO_SYSTEM_INVALID, /* e.g. OpenSSL legacy provider missing */
    SR_BAD_PKGID,
    SR_MUTUAL_AUTH_FAILED,
    SR_CANNOT_PACK,
    SR_NO_CONTEXT,
    SR_WRONG_CREDENTIAL_HANDLE,
    SR_DELEGATION_POLICY,
    SR_STRONG_CRYPTO_NOT_SUPPORTED,
    SR_NO_KERB_KEY,
    SR_POLICY_NTLM_ONLY,
    SR_UNFINISHED_CONTEXT_DELETED,
    SR_CODE_COUNT
} sr_code;

typedef struct sr {
    sr_code code;
} sr;

static inline sr sr_make(sr_code code) {
    sr r;
    r.code = code;
    return r;
}

#define SR_SUCCESS sr_make(SR_OK)
#define SR_FAIL(c) sr_make(c)

/* An sr is "ok" only for SR_OK; informational codes are not failures but
 * are not SR_OK either: callers decide. sr_is_error is true for SEC_E_*. */
static inline int sr_is_ok(sr r) { return r.code == SR_OK; }
static inline int sr_is_error(sr r) { return r.code >= SR_NO_MEMORY; }

/* Propagate any non-OK result (including informational ones). */
#define SR_TRY(expr)                                                           \
    do {                                                                       \
        sr sr_try_result_ = (expr);                                            \
        if (sr_try_result_.code != SR_OK) return sr_try_result_;               \
    } while (0)

/* Fail with `code` unless `cond` holds. */
#define SR_ENSURE(cond, code)                                                  \
    do {                                                                       \
        if (!(cond)) return sr_make(code);                                     \
    } while (0)

/* Stable name for logs and tests ("SR_INVALID_TOKEN"). */
const char *sr_code_name(sr_code code);

#endif
