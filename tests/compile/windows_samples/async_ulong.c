/*
 * Windows-style use of the asynchronous SSPI calls (Windows 10+ sspi.h):
 * SspiAcquireCredentialsHandleAsync / SspiInitializeSecurityContextAsync
 * (generic names, ANSI build) and SspiAcceptSecurityContextAsync, with the
 * context attributes in `unsigned long` variables. The library stores them
 * when each call completes, after the call has returned, so this also
 * checks that the header's adapter hands the library the caller's own
 * variable (not a temporary). Completion is polled with
 * SspiGetAsyncCallStatus.
 *
 * libsspi-sample: any-wchar uses-unsigned-long
 */
#define SECURITY_WIN32
#include <security.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static SECURITY_STATUS WaitForCall(SspiAsyncContext *pAsync)
{
    time_t tStart = time(NULL);
    SECURITY_STATUS ss;
    while ((ss = SspiGetAsyncCallStatus(pAsync)) == SEC_I_ASYNC_CALL_PENDING) {
        if (time(NULL) - tStart > 20)
            break;
    }
    return ss;
}

int main(void)
{
    SspiAsyncContext *pClientCall = SspiCreateAsyncContext();
    SspiAsyncContext *pServerCall = SspiCreateAsyncContext();
    SEC_WINNT_AUTH_IDENTITY_A Identity;
    CredHandle hClientCred, hServerCred;
    CtxtHandle hClient, hServer;
    TimeStamp tsExpiry;
    BYTE ClientToken[4096], ServerToken[4096];
    SecBuffer Out, In;
    SecBufferDesc OutDesc, InDesc;
    unsigned long ClientAttrs, ServerAttrs;
    SECURITY_STATUS ss, ssServer = SEC_I_CONTINUE_NEEDED;
    ULONG cbServerToken = 0;
    int Leg;

    if (!pClientCall || !pServerCall)
        return 1;
    memset(&Identity, 0, sizeof(Identity));
    Identity.User = (unsigned char *)"dave";
    Identity.UserLength = 4;
    Identity.Domain = (unsigned char *)"EXAMPLE";
    Identity.DomainLength = 7;
    Identity.Password = (unsigned char *)"d4ve!";
    Identity.PasswordLength = 5;
    Identity.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;

    ss = SspiAcquireCredentialsHandleAsync(pClientCall, NULL, (LPSTR) "NTLM", SECPKG_CRED_OUTBOUND,
                                           NULL, &Identity, NULL, NULL, &hClientCred, &tsExpiry);
    if (ss == SEC_E_OK)
        ss = WaitForCall(pClientCall);
    if (ss != SEC_E_OK) {
        printf("SspiAcquireCredentialsHandleAsync: 0x%08x\n", (unsigned)ss);
        return 1;
    }
    ss = AcquireCredentialsHandleA(NULL, (SEC_CHAR *)"NTLM", SECPKG_CRED_INBOUND, NULL, NULL,
                                   NULL, NULL, &hServerCred, &tsExpiry);
    if (ss != SEC_E_OK)
        return 1;

    for (Leg = 0; Leg < 3 && ssServer == SEC_I_CONTINUE_NEEDED; Leg++) {
        Out.BufferType = SECBUFFER_TOKEN;
        Out.cbBuffer = sizeof(ClientToken);
        Out.pvBuffer = ClientToken;
        OutDesc.ulVersion = SECBUFFER_VERSION;
        OutDesc.cBuffers = 1;
        OutDesc.pBuffers = &Out;
        In.BufferType = SECBUFFER_TOKEN;
        In.cbBuffer = cbServerToken;
        In.pvBuffer = ServerToken;
        InDesc.ulVersion = SECBUFFER_VERSION;
        InDesc.cBuffers = 1;
        InDesc.pBuffers = &In;

        memset(&ClientAttrs, 0xC3, sizeof(ClientAttrs));
        SspiReinitAsyncContext(pClientCall); /* each call context is reused */
        ss = SspiInitializeSecurityContextAsync(
            pClientCall, &hClientCred, Leg ? &hClient : NULL, (LPSTR) "host/async.example",
            ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY, 0, SECURITY_NATIVE_DREP,
            Leg ? &InDesc : NULL, 0, &hClient, &OutDesc, &ClientAttrs, &tsExpiry);
        if (ss == SEC_E_OK)
            ss = WaitForCall(pClientCall);
        if (!SEC_SUCCESS(ss) || ClientAttrs != (ClientAttrs & 0xFFFFFFFFUL) ||
            !(ClientAttrs & ISC_RET_CONFIDENTIALITY)) {
            printf("SspiInitializeSecurityContextAsync: 0x%08x, attributes 0x%lx\n", (unsigned)ss,
                   ClientAttrs);
            return 1;
        }

        In.cbBuffer = Out.cbBuffer;
        In.pvBuffer = ClientToken;
        Out.cbBuffer = sizeof(ServerToken);
        Out.pvBuffer = ServerToken;
        memset(&ServerAttrs, 0x3C, sizeof(ServerAttrs));
        SspiReinitAsyncContext(pServerCall);
        ssServer = SspiAcceptSecurityContextAsync(pServerCall, &hServerCred, Leg ? &hServer : NULL,
                                                  &InDesc, ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY,
                                                  SECURITY_NATIVE_DREP, &hServer, &OutDesc,
                                                  &ServerAttrs, &tsExpiry);
        if (ssServer == SEC_E_OK)
            ssServer = WaitForCall(pServerCall);
        if (!SEC_SUCCESS(ssServer) || ServerAttrs != (ServerAttrs & 0xFFFFFFFFUL)) {
            printf("SspiAcceptSecurityContextAsync: 0x%08x, attributes 0x%lx\n",
                   (unsigned)ssServer, ServerAttrs);
            return 1;
        }
        cbServerToken = Out.cbBuffer;
        printf("leg %d: client attributes 0x%08lx, server 0x%08lx\n", Leg, ClientAttrs,
               ServerAttrs);
    }
    if (ssServer != SEC_E_OK || !(ServerAttrs & ASC_RET_CONFIDENTIALITY))
        return 1;

    SspiReinitAsyncContext(pClientCall);
    ss = SspiDeleteSecurityContextAsync(pClientCall, &hClient);
    if (ss == SEC_E_OK)
        ss = WaitForCall(pClientCall);
    DeleteSecurityContext(&hServer);
    FreeCredentialsHandle(&hServerCred);
    if (ss == SEC_E_OK && SspiReinitAsyncContext(pClientCall) == 0)
        ss = SspiFreeCredentialsHandleAsync(pClientCall, &hClientCred);
    if (ss == SEC_E_OK)
        ss = WaitForCall(pClientCall);
    SspiFreeAsyncContext(pClientCall);
    SspiFreeAsyncContext(pServerCall);
    if (ss != SEC_E_OK)
        return 1;
    printf("async_ulong: OK\n");
    return 0;
}
