/*
 * Windows-style SSPI program that, like code which loads security.dll /
 * secur32.dll at run time, reaches every function through the dispatch
 * table returned by InitSecurityInterfaceW(). UNICODE is NOT defined: the
 * W functions and types are named explicitly. Variables are DWORD.
 *
 * The identity is built from 16-bit arrays (uint16_t), the way portable
 * code spells UTF-16 without relying on the size of wchar_t, so this file
 * builds with and without -fshort-wchar.
 *
 * Covers: EnumerateSecurityPackagesW listing, QuerySecurityPackageInfoW,
 * an NTLM handshake with ISC_REQ_ALLOCATE_MEMORY / ASC_REQ_ALLOCATE_MEMORY
 * (FreeContextBuffer through the table), SECPKG_ATTR_SIZES, sealing with
 * TOKEN / DATA / PADDING buffers, signing, SECPKG_ATTR_NAMES, TimeStamp.
 *
 * libsspi-sample: any-wchar
 */
#define SECURITY_WIN32
#include <security.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static PSecurityFunctionTableW g_pFuncs;

static uint16_t g_User[] = { 'b', 'o', 'b', 0 };
static uint16_t g_Domain[] = { 'E', 'X', 'A', 'M', 'P', 'L', 'E', 0 };
static uint16_t g_Password[] = { 'h', 'u', 'n', 't', 'e', 'r', '2', 0 };
static SEC_WCHAR g_Ntlm[] = { 'N', 'T', 'L', 'M', 0 };
static SEC_WCHAR g_Target[] = { 'H', 'T', 'T', 'P', '/', 'w', 'e', 'b', 0 };

static void Report(const char *what, SECURITY_STATUS Status)
{
    fprintf(stderr, "table_w_dword: %s: 0x%08x\n", what, (unsigned)Status);
}

/* Prints a UTF-16 string (ASCII subset) without the C library's wchar_t. */
static void PrintWide(const SEC_WCHAR *s)
{
    while (s && *s) {
        putchar(*s < 0x80 ? (int)*s : '?');
        s++;
    }
}

static int SameWide(const SEC_WCHAR *a, const char *b)
{
    while (*a && *b && *a == (SEC_WCHAR)*b) {
        a++;
        b++;
    }
    return *a == 0 && *b == 0;
}

static int ListPackages(void)
{
    DWORD cPackages = 0, i;
    PSecPkgInfoW pPackages = NULL;
    int fNtlm = 0, fNego = 0;
    SECURITY_STATUS Status = g_pFuncs->EnumerateSecurityPackagesW(&cPackages, &pPackages);
    if (Status != SEC_E_OK || cPackages == 0 || pPackages == NULL) {
        Report("EnumerateSecurityPackagesW", Status);
        return 0;
    }
    for (i = 0; i < cPackages; i++) {
        printf("  ");
        PrintWide(pPackages[i].Name);
        printf(" (version %u, RPC id %u, max token %u, capabilities 0x%08x): ",
               (unsigned)pPackages[i].wVersion, (unsigned)pPackages[i].wRPCID,
               (unsigned)pPackages[i].cbMaxToken, (unsigned)pPackages[i].fCapabilities);
        PrintWide(pPackages[i].Comment);
        printf("\n");
        if (SameWide(pPackages[i].Name, "NTLM"))
            fNtlm = 1;
        if (SameWide(pPackages[i].Name, "Negotiate"))
            fNego = 1;
    }
    g_pFuncs->FreeContextBuffer(pPackages);

    /* The direct export agrees with the table. */
    {
        DWORD cDirect = 0;
        PSecPkgInfoW pDirect = NULL;
        Status = EnumerateSecurityPackagesW(&cDirect, &pDirect);
        if (Status != SEC_E_OK || cDirect != cPackages) {
            Report("EnumerateSecurityPackagesW (direct)", Status);
            return 0;
        }
        FreeContextBuffer(pDirect);
    }
    return fNtlm && fNego;
}

int main(void)
{
    SECURITY_STATUS Status;
    SEC_WINNT_AUTH_IDENTITY_W Identity;
    CredHandle hClientCred, hServerCred;
    CtxtHandle hClient, hServer;
    TimeStamp tsExpiry, tsServerExpiry;
    PSecPkgInfoW pInfo;
    DWORD dwClientAttrs = 0, dwServerAttrs = 0, dwQop = 0;
    SecBuffer ClientOut, ServerIn, ServerOut, ClientIn;
    SecBufferDesc ClientOutDesc, ServerInDesc, ServerOutDesc, ClientInDesc;
    SECURITY_STATUS ClientStatus = SEC_I_CONTINUE_NEEDED, ServerStatus = SEC_I_CONTINUE_NEEDED;
    int fFirst = 1, Legs = 0;

    g_pFuncs = InitSecurityInterfaceW();
    if (g_pFuncs == NULL || g_pFuncs->dwVersion < SECURITY_SUPPORT_PROVIDER_INTERFACE_VERSION) {
        Report("InitSecurityInterfaceW", SEC_E_INTERNAL_ERROR);
        return 1;
    }
    printf("SSPI dispatch table version %u; packages:\n", (unsigned)g_pFuncs->dwVersion);
    if (!ListPackages())
        return 1;

    Status = g_pFuncs->QuerySecurityPackageInfoW(g_Ntlm, &pInfo);
    if (Status != SEC_E_OK) {
        Report("QuerySecurityPackageInfoW", Status);
        return 1;
    }
    printf("NTLM: cbMaxToken %u\n", (unsigned)pInfo->cbMaxToken);
    g_pFuncs->FreeContextBuffer(pInfo);

    memset(&Identity, 0, sizeof(Identity));
    Identity.User = g_User;
    Identity.UserLength = (ULONG)(sizeof(g_User) / sizeof(g_User[0]) - 1);
    Identity.Domain = g_Domain;
    Identity.DomainLength = (ULONG)(sizeof(g_Domain) / sizeof(g_Domain[0]) - 1);
    Identity.Password = g_Password;
    Identity.PasswordLength = (ULONG)(sizeof(g_Password) / sizeof(g_Password[0]) - 1);
    Identity.Flags = SEC_WINNT_AUTH_IDENTITY_UNICODE;

    Status = g_pFuncs->AcquireCredentialsHandleW(NULL, g_Ntlm, SECPKG_CRED_OUTBOUND, NULL,
                                                 &Identity, NULL, NULL, &hClientCred, &tsExpiry);
    if (Status != SEC_E_OK) {
        Report("AcquireCredentialsHandleW (client)", Status);
        return 1;
    }
    Status = g_pFuncs->AcquireCredentialsHandleW(NULL, g_Ntlm, SECPKG_CRED_INBOUND, NULL, NULL,
                                                 NULL, NULL, &hServerCred, &tsServerExpiry);
    if (Status != SEC_E_OK) {
        Report("AcquireCredentialsHandleW (server)", Status);
        return 1;
    }
    printf("credential expiry: 0x%08x%08x\n", (unsigned)tsExpiry.HighPart,
           (unsigned)tsExpiry.LowPart);

    ClientIn.pvBuffer = NULL;
    ClientIn.cbBuffer = 0;
    while ((ClientStatus == SEC_I_CONTINUE_NEEDED || ServerStatus == SEC_I_CONTINUE_NEEDED) &&
           Legs++ < 10) {
        ClientOut.BufferType = SECBUFFER_TOKEN;
        ClientOut.cbBuffer = 0;
        ClientOut.pvBuffer = NULL;
        ClientOutDesc.ulVersion = SECBUFFER_VERSION;
        ClientOutDesc.cBuffers = 1;
        ClientOutDesc.pBuffers = &ClientOut;
        ClientIn.BufferType = SECBUFFER_TOKEN;
        ClientInDesc.ulVersion = SECBUFFER_VERSION;
        ClientInDesc.cBuffers = 1;
        ClientInDesc.pBuffers = &ClientIn;

        ClientStatus = g_pFuncs->InitializeSecurityContextW(
            &hClientCred, fFirst ? NULL : &hClient, g_Target,
            ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY, 0,
            SECURITY_NATIVE_DREP, fFirst ? NULL : &ClientInDesc, 0, &hClient, &ClientOutDesc,
            &dwClientAttrs, &tsExpiry);
        if (ClientIn.pvBuffer) {
            g_pFuncs->FreeContextBuffer(ClientIn.pvBuffer);
            ClientIn.pvBuffer = NULL;
        }
        if (!SEC_SUCCESS(ClientStatus)) {
            Report("InitializeSecurityContextW", ClientStatus);
            return 1;
        }
        fFirst = 0;
        if (ClientOut.cbBuffer == 0)
            break;

        ServerIn = ClientOut;
        ServerInDesc.ulVersion = SECBUFFER_VERSION;
        ServerInDesc.cBuffers = 1;
        ServerInDesc.pBuffers = &ServerIn;
        ServerOut.BufferType = SECBUFFER_TOKEN;
        ServerOut.cbBuffer = 0;
        ServerOut.pvBuffer = NULL;
        ServerOutDesc.ulVersion = SECBUFFER_VERSION;
        ServerOutDesc.cBuffers = 1;
        ServerOutDesc.pBuffers = &ServerOut;
        ServerStatus = g_pFuncs->AcceptSecurityContext(
            &hServerCred, Legs == 1 ? NULL : &hServer, &ServerInDesc,
            ASC_REQ_ALLOCATE_MEMORY | ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY,
            SECURITY_NATIVE_DREP, &hServer, &ServerOutDesc, &dwServerAttrs, &tsServerExpiry);
        g_pFuncs->FreeContextBuffer(ClientOut.pvBuffer);
        if (!SEC_SUCCESS(ServerStatus)) {
            Report("AcceptSecurityContext", ServerStatus);
            return 1;
        }
        if (ServerOut.cbBuffer == 0)
            break;
        if (!(dwServerAttrs & ASC_RET_ALLOCATED_MEMORY)) {
            Report("ASC_RET_ALLOCATED_MEMORY missing", ServerStatus);
            return 1;
        }
        ClientIn.cbBuffer = ServerOut.cbBuffer;
        ClientIn.pvBuffer = ServerOut.pvBuffer; /* freed after the next ISC */
    }
    if (ClientStatus != SEC_E_OK || ServerStatus != SEC_E_OK) {
        Report("handshake did not complete", ServerStatus);
        return 1;
    }
    printf("authenticated in %d legs; client attributes 0x%08x, server 0x%08x\n", Legs,
           (unsigned)dwClientAttrs, (unsigned)dwServerAttrs);

    /* Who is the client? */
    {
        SecPkgContext_NamesW Names;
        Status = g_pFuncs->QueryContextAttributesW(&hServer, SECPKG_ATTR_NAMES, &Names);
        if (Status != SEC_E_OK) {
            Report("QueryContextAttributesW(SECPKG_ATTR_NAMES)", Status);
            return 1;
        }
        printf("client name: ");
        PrintWide(Names.sUserName);
        printf("\n");
        g_pFuncs->FreeContextBuffer(Names.sUserName);
    }

    /* Seal on the client, unseal on the server, all through the table. */
    {
        SecPkgContext_Sizes Sizes;
        SecBuffer Buffers[3];
        SecBufferDesc Message;
        char Text[] = "table-driven sealed message";
        BYTE *pToken, *pPadding;

        Status = g_pFuncs->QueryContextAttributesW(&hClient, SECPKG_ATTR_SIZES, &Sizes);
        if (Status != SEC_E_OK) {
            Report("QueryContextAttributesW(SECPKG_ATTR_SIZES)", Status);
            return 1;
        }
        pToken = (BYTE *)malloc(Sizes.cbSecurityTrailer + Sizes.cbMaxSignature);
        pPadding = (BYTE *)malloc(Sizes.cbBlockSize + 1);
        if (!pToken || !pPadding)
            return 1;
        Buffers[0].BufferType = SECBUFFER_TOKEN;
        Buffers[0].cbBuffer = Sizes.cbSecurityTrailer;
        Buffers[0].pvBuffer = pToken;
        Buffers[1].BufferType = SECBUFFER_DATA;
        Buffers[1].cbBuffer = (ULONG)strlen(Text);
        Buffers[1].pvBuffer = Text;
        Buffers[2].BufferType = SECBUFFER_PADDING;
        Buffers[2].cbBuffer = Sizes.cbBlockSize;
        Buffers[2].pvBuffer = pPadding;
        Message.ulVersion = SECBUFFER_VERSION;
        Message.cBuffers = 3;
        Message.pBuffers = Buffers;
        Status = g_pFuncs->EncryptMessage(&hClient, 0, &Message, 0);
        if (Status != SEC_E_OK) {
            Report("EncryptMessage", Status);
            return 1;
        }
        if (Buffers[2].cbBuffer != 0) { /* NTLM seals with a stream cipher */
            Report("unexpected padding", SEC_E_INTERNAL_ERROR);
            return 1;
        }
        Message.cBuffers = 2;
        dwQop = 0xFFFFFFFF;
        Status = g_pFuncs->DecryptMessage(&hServer, &Message, 0, &dwQop);
        if (Status != SEC_E_OK || strcmp(Text, "table-driven sealed message") != 0 || dwQop != 0) {
            Report("DecryptMessage", Status);
            return 1;
        }

        /* Sign on the server, verify on the client. */
        Buffers[0].BufferType = SECBUFFER_DATA;
        Buffers[0].cbBuffer = (ULONG)sizeof(Text);
        Buffers[0].pvBuffer = Text;
        Buffers[1].BufferType = SECBUFFER_TOKEN;
        Buffers[1].cbBuffer = Sizes.cbMaxSignature;
        Buffers[1].pvBuffer = pToken;
        Status = g_pFuncs->MakeSignature(&hServer, 0, &Message, 0);
        if (Status == SEC_E_OK)
            Status = g_pFuncs->VerifySignature(&hClient, &Message, 0, &dwQop);
        if (Status != SEC_E_OK) {
            Report("MakeSignature/VerifySignature", Status);
            return 1;
        }
        free(pToken);
        free(pPadding);
    }

    g_pFuncs->DeleteSecurityContext(&hClient);
    g_pFuncs->DeleteSecurityContext(&hServer);
    g_pFuncs->FreeCredentialsHandle(&hClientCred);
    g_pFuncs->FreeCredentialsHandle(&hServerCred);
    Status = g_pFuncs->DeleteSecurityContext(&hServer);
    if (Status != SEC_E_INVALID_HANDLE) {
        Report("second DeleteSecurityContext (expected SEC_E_INVALID_HANDLE)", Status);
        return 1;
    }
    printf("table_w_dword: OK\n");
    return 0;
}
