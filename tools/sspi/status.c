/*
 * SECURITY_STATUS names for messages: "SEC_E_LOGON_DENIED (0x8009030c)".
 *
 * The values are the Windows ones (winerror.h, as documented by Microsoft);
 * the table is written out numerically so that the tool can name codes the
 * library does not return yet. Where Windows has two names for one value
 * (SEC_E_NOT_SUPPORTED, SEC_E_NO_SPM) the first entry is the canonical one.
 */
#include <stdio.h>
#include <strings.h>

#include "tool.h"

typedef struct status_name {
    uint32_t value;
    const char *name;
} status_name;

static const status_name status_names[] = {
    {0x00000000u, "SEC_E_OK"},
    /* informational */
    {0x00090312u, "SEC_I_CONTINUE_NEEDED"},
    {0x00090313u, "SEC_I_COMPLETE_NEEDED"},
    {0x00090314u, "SEC_I_COMPLETE_AND_CONTINUE"},
    {0x00090315u, "SEC_I_LOCAL_LOGON"},
    {0x00090317u, "SEC_I_CONTEXT_EXPIRED"},
    {0x00090320u, "SEC_I_INCOMPLETE_CREDENTIALS"},
    {0x00090321u, "SEC_I_RENEGOTIATE"},
    {0x00090323u, "SEC_I_NO_LSA_CONTEXT"},
    {0x0009035cu, "SEC_I_SIGNATURE_NEEDED"},
    {0x00090360u, "SEC_I_NO_RENEGOTIATION"},
    {0x00090364u, "SEC_I_MESSAGE_FRAGMENT"},
    {0x00090366u, "SEC_I_CONTINUE_NEEDED_MESSAGE_OK"},
    {0x00090368u, "SEC_I_ASYNC_CALL_PENDING"},
    /* errors */
    {0x80090300u, "SEC_E_INSUFFICIENT_MEMORY"},
    {0x80090301u, "SEC_E_INVALID_HANDLE"},
    {0x80090302u, "SEC_E_UNSUPPORTED_FUNCTION"},
    {0x80090302u, "SEC_E_NOT_SUPPORTED"},
    {0x80090303u, "SEC_E_TARGET_UNKNOWN"},
    {0x80090304u, "SEC_E_INTERNAL_ERROR"},
    {0x80090304u, "SEC_E_NO_SPM"},
    {0x80090305u, "SEC_E_SECPKG_NOT_FOUND"},
    {0x80090306u, "SEC_E_NOT_OWNER"},
    {0x80090307u, "SEC_E_CANNOT_INSTALL"},
    {0x80090308u, "SEC_E_INVALID_TOKEN"},
    {0x80090309u, "SEC_E_CANNOT_PACK"},
    {0x8009030au, "SEC_E_QOP_NOT_SUPPORTED"},
    {0x8009030bu, "SEC_E_NO_IMPERSONATION"},
    {0x8009030cu, "SEC_E_LOGON_DENIED"},
    {0x8009030du, "SEC_E_UNKNOWN_CREDENTIALS"},
    {0x8009030eu, "SEC_E_NO_CREDENTIALS"},
    {0x8009030fu, "SEC_E_MESSAGE_ALTERED"},
    {0x80090310u, "SEC_E_OUT_OF_SEQUENCE"},
    {0x80090311u, "SEC_E_NO_AUTHENTICATING_AUTHORITY"},
    {0x80090316u, "SEC_E_BAD_PKGID"},
    {0x80090317u, "SEC_E_CONTEXT_EXPIRED"},
    {0x80090318u, "SEC_E_INCOMPLETE_MESSAGE"},
    {0x80090320u, "SEC_E_INCOMPLETE_CREDENTIALS"},
    {0x80090321u, "SEC_E_BUFFER_TOO_SMALL"},
    {0x80090322u, "SEC_E_WRONG_PRINCIPAL"},
    {0x80090324u, "SEC_E_TIME_SKEW"},
    {0x80090325u, "SEC_E_UNTRUSTED_ROOT"},
    {0x80090326u, "SEC_E_ILLEGAL_MESSAGE"},
    {0x80090327u, "SEC_E_CERT_UNKNOWN"},
    {0x80090328u, "SEC_E_CERT_EXPIRED"},
    {0x80090329u, "SEC_E_ENCRYPT_FAILURE"},
    {0x80090330u, "SEC_E_DECRYPT_FAILURE"},
    {0x80090331u, "SEC_E_ALGORITHM_MISMATCH"},
    {0x80090332u, "SEC_E_SECURITY_QOS_FAILED"},
    {0x80090333u, "SEC_E_UNFINISHED_CONTEXT_DELETED"},
    {0x80090334u, "SEC_E_NO_TGT_REPLY"},
    {0x80090335u, "SEC_E_NO_IP_ADDRESSES"},
    {0x80090336u, "SEC_E_WRONG_CREDENTIAL_HANDLE"},
    {0x80090337u, "SEC_E_CRYPTO_SYSTEM_INVALID"},
    {0x80090338u, "SEC_E_MAX_REFERRALS_EXCEEDED"},
    {0x80090339u, "SEC_E_MUST_BE_KDC"},
    {0x8009033au, "SEC_E_STRONG_CRYPTO_NOT_SUPPORTED"},
    {0x8009033bu, "SEC_E_TOO_MANY_PRINCIPALS"},
    {0x8009033cu, "SEC_E_NO_PA_DATA"},
    {0x8009033du, "SEC_E_PKINIT_NAME_MISMATCH"},
    {0x8009033eu, "SEC_E_SMARTCARD_LOGON_REQUIRED"},
    {0x8009033fu, "SEC_E_SHUTDOWN_IN_PROGRESS"},
    {0x80090340u, "SEC_E_KDC_INVALID_REQUEST"},
    {0x80090341u, "SEC_E_KDC_UNABLE_TO_REFER"},
    {0x80090342u, "SEC_E_KDC_UNKNOWN_ETYPE"},
    {0x80090343u, "SEC_E_UNSUPPORTED_PREAUTH"},
    {0x80090345u, "SEC_E_DELEGATION_REQUIRED"},
    {0x80090346u, "SEC_E_BAD_BINDINGS"},
    {0x80090347u, "SEC_E_MULTIPLE_ACCOUNTS"},
    {0x80090348u, "SEC_E_NO_KERB_KEY"},
    {0x80090349u, "SEC_E_CERT_WRONG_USAGE"},
    {0x80090350u, "SEC_E_DOWNGRADE_DETECTED"},
    {0x80090351u, "SEC_E_SMARTCARD_CERT_REVOKED"},
    {0x80090352u, "SEC_E_ISSUING_CA_UNTRUSTED"},
    {0x80090353u, "SEC_E_REVOCATION_OFFLINE_C"},
    {0x80090354u, "SEC_E_PKINIT_CLIENT_FAILURE"},
    {0x80090355u, "SEC_E_SMARTCARD_CERT_EXPIRED"},
    {0x80090356u, "SEC_E_NO_S4U_PROT_SUPPORT"},
    {0x80090357u, "SEC_E_CROSSREALM_DELEGATION_FAILURE"},
    {0x80090358u, "SEC_E_REVOCATION_OFFLINE_KDC"},
    {0x80090359u, "SEC_E_ISSUING_CA_UNTRUSTED_KDC"},
    {0x8009035au, "SEC_E_KDC_CERT_EXPIRED"},
    {0x8009035bu, "SEC_E_KDC_CERT_REVOKED"},
    {0x8009035du, "SEC_E_INVALID_PARAMETER"},
    {0x8009035eu, "SEC_E_DELEGATION_POLICY"},
    {0x8009035fu, "SEC_E_POLICY_NLTM_ONLY"}, /* sic: the Windows spelling */
    {0x80090361u, "SEC_E_NO_CONTEXT"},
    {0x80090362u, "SEC_E_PKU2U_CERT_FAILURE"},
    {0x80090363u, "SEC_E_MUTUAL_AUTH_FAILED"},
    {0x80090365u, "SEC_E_ONLY_HTTPS_ALLOWED"},
    {0x80090367u, "SEC_E_APPLICATION_PROTOCOL_MISMATCH"},
    {0x80090369u, "SEC_E_INVALID_UPN_NAME"},
    {0x8009036au, "SEC_E_EXT_BUFFER_TOO_SMALL"},
    {0x8009036bu, "SEC_E_INSUFFICIENT_BUFFERS"},
};

const char *tool_status_name(SECURITY_STATUS status) {
    uint32_t v = (uint32_t)status;
    for (size_t i = 0; i < sizeof status_names / sizeof status_names[0]; i++) {
        if (status_names[i].value == v) return status_names[i].name;
    }
    return NULL;
}

const char *tool_status_format(SECURITY_STATUS status, char *buf, size_t len) {
    const char *name = tool_status_name(status);
    if (len == 0) return buf;
    if (name)
        snprintf(buf, len, "%s (0x%08x)", name, (unsigned)(uint32_t)status);
    else
        snprintf(buf, len, "0x%08x", (unsigned)(uint32_t)status);
    return buf;
}

int tool_fail(const char *what, SECURITY_STATUS status) {
    char buf[TOOL_STATUS_BUFLEN];
    fprintf(stderr, "sspi: %s failed: %s\n", what, tool_status_format(status, buf, sizeof buf));
    return TOOL_EXIT_FAIL;
}

int tool_status_from_name(const char *name, SECURITY_STATUS *out) {
    for (size_t i = 0; i < sizeof status_names / sizeof status_names[0]; i++) {
        if (strcasecmp(status_names[i].name, name) == 0) {
            *out = (SECURITY_STATUS)status_names[i].value;
            return 1;
        }
    }
    return 0;
}
