/*
 * Windows-style SSPI program, ANSI build (UNICODE not defined, so the
 * generic names are the A functions and SEC_WINNT_AUTH_IDENTITY is the
 * ANSI identity). Variables are ULONG; a second part calls through the
 * generic dispatch table (InitSecurityInterface() -> SecurityFunctionTableA)
 * with `unsigned long` variables, as portable HTTP/mail clients do.
 * SEC_SUCCESS comes from the headers here; statuses are handled by name
 * (a switch over SEC_E_* / SEC_I_*), including a wrong password
 * (SEC_E_LOGON_DENIED) and an unknown package (SEC_E_SECPKG_NOT_FOUND).
 *
 * libsspi-sample: any-wchar uses-unsigned-long
 */
#define SECURITY_WIN32
#include <sspi.h>
#include <stdio.h>
#include <string.h>

static const char *StatusName(SECURITY_STATUS ss)
{
    switch (ss) {
    case SEC_E_OK: return "SEC_E_OK";
    case SEC_I_CONTINUE_NEEDED: return "SEC_I_CONTINUE_NEEDED";
    case SEC_I_COMPLETE_NEEDED: return "SEC_I_COMPLETE_NEEDED";
    case SEC_I_COMPLETE_AND_CONTINUE: return "SEC_I_COMPLETE_AND_CONTINUE";
    case SEC_E_LOGON_DENIED: return "SEC_E_LOGON_DENIED";
    case SEC_E_SECPKG_NOT_FOUND: return "SEC_E_SECPKG_NOT_FOUND";
    case SEC_E_INVALID_HANDLE: return "SEC_E_INVALID_HANDLE";
    case SEC_E_INVALID_TOKEN: return "SEC_E_INVALID_TOKEN";
    case SEC_E_NO_CREDENTIALS: return "SEC_E_NO_CREDENTIALS";
    case SEC_E_UNKNOWN_CREDENTIALS: return "SEC_E_UNKNOWN_CREDENTIALS";
    case SEC_E_INSUFFICIENT_MEMORY: return "SEC_E_INSUFFICIENT_MEMORY";
    case SEC_E_MESSAGE_ALTERED: return "SEC_E_MESSAGE_ALTERED";
    case SEC_E_OUT_OF_SEQUENCE: return "SEC_E_OUT_OF_SEQUENCE";
    case SEC_E_UNSUPPORTED_FUNCTION: return "SEC_E_UNSUPPORTED_FUNCTION";
    case SEC_E_INTERNAL_ERROR: return "SEC_E_INTERNAL_ERROR";
    default: return "(other)";
    }
}

/*
 * One NTLM authentication between an in-process client and server, direct
 * calls with ULONG variables. Returns the server's final status.
 */
static SECURITY_STATUS Authenticate(const char *pszUser, const char *pszPassword,
                                    CtxtHandle *phClient, CtxtHandle *phServer)
{
    SEC_WINNT_AUTH_IDENTITY Identity;
    CredHandle hClientCred, hServerCred;
    TimeStamp tsExpiry;
    BYTE ClientToken[4096], ServerToken[4096];
    SecBuffer OutBuffer, InBuffer;
    SecBufferDesc OutDesc, InDesc;
    ULONG ContextAttributes = 0, cbServerToken = 0;
    SECURITY_STATUS ssClient, ssServer = SEC_E_INTERNAL_ERROR;
    int Leg;

    memset(&Identity, 0, sizeof(Identity));
    Identity.User = (unsigned char *)pszUser;
    Identity.UserLength = (ULONG)strlen(pszUser);
    Identity.Domain = (unsigned char *)"EXAMPLE";
    Identity.DomainLength = 7;
    Identity.Password = (unsigned char *)pszPassword;
    Identity.PasswordLength = (ULONG)strlen(pszPassword);
    Identity.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;

    ssClient = AcquireCredentialsHandle(NULL, (SEC_CHAR *)"NTLM", SECPKG_CRED_OUTBOUND, NULL,
                                        &Identity, NULL, NULL, &hClientCred, &tsExpiry);
    if (!SEC_SUCCESS(ssClient))
        return ssClient;
    ssServer = AcquireCredentialsHandle(NULL, (SEC_CHAR *)NTLMSP_NAME_A, SECPKG_CRED_INBOUND, NULL,
                                        NULL, NULL, NULL, &hServerCred, &tsExpiry);
    if (!SEC_SUCCESS(ssServer)) {
        FreeCredentialHandle(&hClientCred);
        return ssServer;
    }

    for (Leg = 0; Leg < 3; Leg++) {
        OutBuffer.BufferType = SECBUFFER_TOKEN;
        OutBuffer.cbBuffer = sizeof(ClientToken);
        OutBuffer.pvBuffer = ClientToken;
        OutDesc.ulVersion = SECBUFFER_VERSION;
        OutDesc.cBuffers = 1;
        OutDesc.pBuffers = &OutBuffer;
        InBuffer.BufferType = SECBUFFER_TOKEN;
        InBuffer.cbBuffer = cbServerToken;
        InBuffer.pvBuffer = ServerToken;
        InDesc.ulVersion = SECBUFFER_VERSION;
        InDesc.cBuffers = 1;
        InDesc.pBuffers = &InBuffer;
        ssClient = InitializeSecurityContext(&hClientCred, Leg ? phClient : NULL,
                                             (SEC_CHAR *)"imap/mail.example",
                                             ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY, 0,
                                             SECURITY_NATIVE_DREP, Leg ? &InDesc : NULL, 0,
                                             phClient, &OutDesc, &ContextAttributes, &tsExpiry);
        printf("  client leg %d: %s, %u bytes\n", Leg, StatusName(ssClient),
               (unsigned)OutBuffer.cbBuffer);
        if (!SEC_SUCCESS(ssClient)) {
            ssServer = ssClient;
            break;
        }

        InBuffer.cbBuffer = OutBuffer.cbBuffer;
        InBuffer.pvBuffer = ClientToken;
        OutBuffer.cbBuffer = sizeof(ServerToken);
        OutBuffer.pvBuffer = ServerToken;
        ssServer = AcceptSecurityContext(&hServerCred, Leg ? phServer : NULL, &InDesc,
                                         ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY,
                                         SECURITY_NATIVE_DREP, phServer, &OutDesc,
                                         &ContextAttributes, &tsExpiry);
        printf("  server leg %d: %s, %u bytes\n", Leg, StatusName(ssServer),
               (unsigned)OutBuffer.cbBuffer);
        if (ssServer != SEC_I_CONTINUE_NEEDED)
            break;
        cbServerToken = OutBuffer.cbBuffer;
    }
    FreeCredentialsHandle(&hClientCred);
    FreeCredentialsHandle(&hServerCred);
    return ssServer;
}

/* curl-style: table pointer, `unsigned long` attributes and QOP. */
static int TableCalls(CtxtHandle *phClient, CtxtHandle *phServer)
{
    PSecurityFunctionTable pSecFn = InitSecurityInterface();
    unsigned long cPackages = 0, fQop = 0;
    PSecPkgInfo pPackages = NULL;
    SecPkgContext_Sizes Sizes;
    SecPkgContext_Lifespan Lifespan;
    SecBuffer Buffers[2];
    SecBufferDesc Desc;
    BYTE Signature[64];
    char Data[] = "0123456789";
    SECURITY_STATUS ss;

    if (pSecFn == NULL)
        return 0;
    memset(&cPackages, 0xEE, sizeof(cPackages));
    ss = pSecFn->EnumerateSecurityPackages(&cPackages, &pPackages);
    if (ss != SEC_E_OK || cPackages == 0 || cPackages > 64) {
        printf("EnumerateSecurityPackages: %s, %lu\n", StatusName(ss), cPackages);
        return 0;
    }
    printf("  %lu packages, first: %s\n", cPackages, pPackages[0].Name);
    pSecFn->FreeContextBuffer(pPackages);

    ss = pSecFn->QueryContextAttributes(phClient, SECPKG_ATTR_SIZES, &Sizes);
    if (ss != SEC_E_OK || Sizes.cbMaxSignature > sizeof(Signature))
        return 0;
    ss = pSecFn->QueryContextAttributes(phServer, SECPKG_ATTR_LIFESPAN, &Lifespan);
    if (ss == SEC_E_OK)
        printf("  context valid from %lld to %lld\n", (long long)Lifespan.tsStart.QuadPart,
               (long long)Lifespan.tsExpiry.QuadPart);
    else if (ss != SEC_E_UNSUPPORTED_FUNCTION)
        return 0;

    Buffers[0].BufferType = SECBUFFER_DATA;
    Buffers[0].cbBuffer = sizeof(Data);
    Buffers[0].pvBuffer = Data;
    Buffers[1].BufferType = SECBUFFER_TOKEN;
    Buffers[1].cbBuffer = Sizes.cbMaxSignature;
    Buffers[1].pvBuffer = Signature;
    Desc.ulVersion = SECBUFFER_VERSION;
    Desc.cBuffers = 2;
    Desc.pBuffers = Buffers;
    ss = pSecFn->MakeSignature(phClient, 0, &Desc, 0);
    if (ss != SEC_E_OK)
        return 0;
    memset(&fQop, 0xEE, sizeof(fQop));
    ss = pSecFn->VerifySignature(phServer, &Desc, 0, &fQop);
    printf("  VerifySignature: %s, fQOP %lu\n", StatusName(ss), fQop);
    if (ss != SEC_E_OK || fQop != 0)
        return 0;

    /* Replayed signature: the server's sequence number has moved on. */
    ss = pSecFn->VerifySignature(phServer, &Desc, 0, &fQop);
    printf("  replayed VerifySignature: %s\n", StatusName(ss));
    if (ss != SEC_E_OUT_OF_SEQUENCE && ss != SEC_E_MESSAGE_ALTERED)
        return 0;
    return 1;
}

int main(void)
{
    CtxtHandle hClient, hServer;
    SECURITY_STATUS ss;
    CredHandle hCred;
    TimeStamp tsExpiry;
    PSecPkgInfo pInfo;

    ss = QuerySecurityPackageInfo((SEC_CHAR *)"NoSuchPackage", &pInfo);
    printf("unknown package: %s\n", StatusName(ss));
    if (ss != SEC_E_SECPKG_NOT_FOUND)
        return 1;
    ss = AcquireCredentialsHandle(NULL, (SEC_CHAR *)"NoSuchPackage", SECPKG_CRED_OUTBOUND, NULL,
                                  NULL, NULL, NULL, &hCred, &tsExpiry);
    if (ss != SEC_E_SECPKG_NOT_FOUND)
        return 1;

    printf("wrong password:\n");
    SecInvalidateHandle(&hClient);
    SecInvalidateHandle(&hServer);
    ss = Authenticate("carol", "not-her-password", &hClient, &hServer);
    printf("-> %s\n", StatusName(ss));
    if (ss != SEC_E_LOGON_DENIED)
        return 1;
    if (SecIsValidHandle(&hClient))
        DeleteSecurityContext(&hClient);
    if (SecIsValidHandle(&hServer))
        DeleteSecurityContext(&hServer);

    printf("right password:\n");
    SecInvalidateHandle(&hClient);
    SecInvalidateHandle(&hServer);
    ss = Authenticate("carol", "Pass:word", &hClient, &hServer);
    printf("-> %s\n", StatusName(ss));
    if (ss != SEC_E_OK)
        return 1;

    if (!TableCalls(&hClient, &hServer))
        return 1;
    DeleteSecurityContext(&hClient);
    DeleteSecurityContext(&hServer);
    printf("ansi_ulong_status: OK\n");
    return 0;
}
