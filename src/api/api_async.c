/*
 * The asynchronous SSPI API (Windows 10+). Not implemented yet: every call
 * reports SEC_E_UNSUPPORTED_FUNCTION (SspiCreateAsyncContext returns NULL,
 * so well-behaved callers fall back to the synchronous functions).
 */
#include "api/api_internal.h"

SSPI_EXPORT SspiAsyncContext *SspiCreateAsyncContext(void) { return NULL; }

SSPI_EXPORT void SspiFreeAsyncContext(SspiAsyncContext *Handle) { (void)Handle; }

SSPI_EXPORT NTSTATUS SspiReinitAsyncContext(SspiAsyncContext *Handle) {
    return (NTSTATUS)SEC_E_UNSUPPORTED_FUNCTION;
}

SSPI_EXPORT SECURITY_STATUS SspiSetAsyncNotifyCallback(SspiAsyncContext *Context,
                                                       SspiAsyncNotifyCallback Callback,
                                                       void *CallbackData) {
    return SEC_E_UNSUPPORTED_FUNCTION;
}

SSPI_EXPORT BOOLEAN SspiAsyncContextRequiresNotify(SspiAsyncContext *AsyncContext) { return 0; }

SSPI_EXPORT SECURITY_STATUS SspiGetAsyncCallStatus(SspiAsyncContext *Handle) {
    return SEC_E_UNSUPPORTED_FUNCTION;
}

SSPI_EXPORT SECURITY_STATUS SspiAcquireCredentialsHandleAsyncW(
    SspiAsyncContext *AsyncContext, PSECURITY_STRING pszPrincipal, PSECURITY_STRING pszPackage,
    ULONG fCredentialUse, void *pvLogonId, void *pAuthData, SEC_GET_KEY_FN pGetKeyFn,
    void *pvGetKeyArgument, PCredHandle phCredential, PTimeStamp ptsExpiry) {
    return SEC_E_UNSUPPORTED_FUNCTION;
}

SSPI_EXPORT SECURITY_STATUS SspiAcquireCredentialsHandleAsyncA(
    SspiAsyncContext *AsyncContext, LPSTR pszPrincipal, LPSTR pszPackage, ULONG fCredentialUse,
    void *pvLogonId, void *pAuthData, SEC_GET_KEY_FN pGetKeyFn, void *pvGetKeyArgument,
    PCredHandle phCredential, PTimeStamp ptsExpiry) {
    return SEC_E_UNSUPPORTED_FUNCTION;
}

SSPI_EXPORT SECURITY_STATUS SspiInitializeSecurityContextAsyncW(
    SspiAsyncContext *AsyncContext, PCredHandle phCredential, PCtxtHandle phContext,
    PSECURITY_STRING pszTargetName, ULONG fContextReq, ULONG Reserved1, ULONG TargetDataRep,
    PSecBufferDesc pInput, ULONG Reserved2, PCtxtHandle phNewContext, PSecBufferDesc pOutput,
    ULONG *pfContextAttr, PTimeStamp ptsExpiry) {
    return SEC_E_UNSUPPORTED_FUNCTION;
}

SSPI_EXPORT SECURITY_STATUS SspiInitializeSecurityContextAsyncA(
    SspiAsyncContext *AsyncContext, PCredHandle phCredential, PCtxtHandle phContext,
    LPSTR pszTargetName, ULONG fContextReq, ULONG Reserved1, ULONG TargetDataRep,
    PSecBufferDesc pInput, ULONG Reserved2, PCtxtHandle phNewContext, PSecBufferDesc pOutput,
    ULONG *pfContextAttr, PTimeStamp ptsExpiry) {
    return SEC_E_UNSUPPORTED_FUNCTION;
}

SSPI_EXPORT SECURITY_STATUS SspiAcceptSecurityContextAsync(
    SspiAsyncContext *AsyncContext, PCredHandle phCredential, PCtxtHandle phContext,
    PSecBufferDesc pInput, ULONG fContextReq, ULONG TargetDataRep, PCtxtHandle phNewContext,
    PSecBufferDesc pOutput, ULONG *pfContextAttr, PTimeStamp ptsExpiry) {
    return SEC_E_UNSUPPORTED_FUNCTION;
}

SSPI_EXPORT SECURITY_STATUS SspiDeleteSecurityContextAsync(SspiAsyncContext *AsyncContext,
                                                           PCtxtHandle phContext) {
    return SEC_E_UNSUPPORTED_FUNCTION;
}

SSPI_EXPORT SECURITY_STATUS SspiFreeCredentialsHandleAsync(SspiAsyncContext *AsyncContext,
                                                           PCredHandle phCredential) {
    return SEC_E_UNSUPPORTED_FUNCTION;
}
