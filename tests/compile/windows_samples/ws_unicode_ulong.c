/*
 * Windows-style SSPI program: an NTLM client and server in the manner of
 * the "Windows Sockets client/server" SSPI samples, run in one process (the
 * socket is an in-memory mailbox with the same SendMsg/ReceiveMsg shape).
 *
 * Written as Windows code is: UNICODE defined, L"..." literals (16-bit
 * wchar_t, so this file needs -fshort-wchar on Linux), out-variables
 * declared `unsigned long`, SEC_SUCCESS defined by the program itself,
 * ISC_REQ_ALLOCATE_MEMORY + FreeContextBuffer on the client, a caller
 * buffer of cbMaxToken bytes on the server, then EncryptMessage /
 * DecryptMessage (TOKEN, DATA, PADDING) and MakeSignature / VerifySignature.
 *
 * libsspi-sample: requires-short-wchar uses-unsigned-long
 */
#define SECURITY_WIN32
#define UNICODE
#include <security.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Windows programs define this themselves, in various spellings. */
#define SEC_SUCCESS(status) ((status) >= 0)

#define cbMaxMessage 12000

/* ---- the "socket": one pending message at a time ---------------------- */

static BYTE g_Wire[cbMaxMessage];
static unsigned long g_cbWire;
static BOOL g_fWireFull;

static BOOL SendMsg(PBYTE pBuf, unsigned long cbBuf)
{
    if (g_fWireFull || cbBuf > sizeof(g_Wire))
        return 0;
    memcpy(g_Wire, pBuf, cbBuf);
    g_cbWire = cbBuf;
    g_fWireFull = 1;
    return 1;
}

static BOOL ReceiveMsg(PBYTE pBuf, unsigned long cbBuf, unsigned long *pcbRead)
{
    if (!g_fWireFull || g_cbWire > cbBuf)
        return 0;
    memcpy(pBuf, g_Wire, g_cbWire);
    *pcbRead = g_cbWire;
    g_fWireFull = 0;
    return 1;
}

static int g_Failures;

static void Fail(const char *what, SECURITY_STATUS ss)
{
    fprintf(stderr, "ws_unicode_ulong: %s failed: 0x%08x\n", what, (unsigned)ss);
    g_Failures++;
}

/* The out-variable must hold exactly the 32-bit value the library wrote. */
static void CheckULong(const char *what, unsigned long v)
{
    if (v != (v & 0xFFFFFFFFUL)) {
        fprintf(stderr, "ws_unicode_ulong: %s has stray high bits\n", what);
        g_Failures++;
    }
}

static unsigned long WideLength(const WCHAR *s)
{
    unsigned long n = 0;
    while (s[n])
        n++;
    return n;
}

/* ---- client ------------------------------------------------------------ */

static SEC_WINNT_AUTH_IDENTITY g_AuthIdentity;

static BOOL GenClientContext(PBYTE pIn, unsigned long cbIn, PBYTE pOut, unsigned long *pcbOut,
                             BOOL *pfDone, SEC_WCHAR *pszTarget, CredHandle *hCred,
                             CtxtHandle *hcText)
{
    SECURITY_STATUS ss;
    TimeStamp Lifetime;
    SecBufferDesc OutBuffDesc, InBuffDesc;
    SecBuffer OutSecBuff, InSecBuff;
    unsigned long ContextAttributes;

    if (pIn == NULL) {
        g_AuthIdentity.User = (unsigned short *)L"alice";
        g_AuthIdentity.UserLength = WideLength(L"alice");
        g_AuthIdentity.Domain = (unsigned short *)L"EXAMPLE";
        g_AuthIdentity.DomainLength = WideLength(L"EXAMPLE");
        g_AuthIdentity.Password = (unsigned short *)L"Secret-1";
        g_AuthIdentity.PasswordLength = WideLength(L"Secret-1");
        g_AuthIdentity.Flags = SEC_WINNT_AUTH_IDENTITY_UNICODE;

        ss = AcquireCredentialsHandle(NULL, (SEC_WCHAR *)L"NTLM", SECPKG_CRED_OUTBOUND, NULL,
                                      &g_AuthIdentity, NULL, NULL, hCred, &Lifetime);
        if (!SEC_SUCCESS(ss)) {
            Fail("AcquireCredentialsHandle (client)", ss);
            return 0;
        }
    }

    OutBuffDesc.ulVersion = SECBUFFER_VERSION;
    OutBuffDesc.cBuffers = 1;
    OutBuffDesc.pBuffers = &OutSecBuff;
    OutSecBuff.cbBuffer = 0;
    OutSecBuff.BufferType = SECBUFFER_TOKEN;
    OutSecBuff.pvBuffer = NULL;

    if (pIn) {
        InBuffDesc.ulVersion = SECBUFFER_VERSION;
        InBuffDesc.cBuffers = 1;
        InBuffDesc.pBuffers = &InSecBuff;
        InSecBuff.cbBuffer = cbIn;
        InSecBuff.BufferType = SECBUFFER_TOKEN;
        InSecBuff.pvBuffer = pIn;
    }

    /* Garbage in every bit: only the library's 32-bit value may remain. */
    memset(&ContextAttributes, 0xA5, sizeof(ContextAttributes));
    ss = InitializeSecurityContext(hCred, pIn ? hcText : NULL, pszTarget,
                                   ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY |
                                       ISC_REQ_SEQUENCE_DETECT | ISC_REQ_REPLAY_DETECT |
                                       ISC_REQ_ALLOCATE_MEMORY,
                                   0, SECURITY_NATIVE_DREP, pIn ? &InBuffDesc : NULL, 0, hcText,
                                   &OutBuffDesc, &ContextAttributes, &Lifetime);
    if (!SEC_SUCCESS(ss)) {
        Fail("InitializeSecurityContext", ss);
        return 0;
    }
    CheckULong("ISC ContextAttributes", ContextAttributes);
    if (OutSecBuff.cbBuffer && !(ContextAttributes & ISC_RET_ALLOCATED_MEMORY)) {
        Fail("ISC_RET_ALLOCATED_MEMORY", ss);
        return 0;
    }

    if (ss == SEC_I_COMPLETE_NEEDED || ss == SEC_I_COMPLETE_AND_CONTINUE) {
        ss = CompleteAuthToken(hcText, &OutBuffDesc);
        if (!SEC_SUCCESS(ss)) {
            Fail("CompleteAuthToken", ss);
            return 0;
        }
    }

    if (OutSecBuff.cbBuffer > *pcbOut) {
        FreeContextBuffer(OutSecBuff.pvBuffer);
        return 0;
    }
    *pcbOut = OutSecBuff.cbBuffer;
    if (OutSecBuff.cbBuffer)
        memcpy(pOut, OutSecBuff.pvBuffer, OutSecBuff.cbBuffer);
    FreeContextBuffer(OutSecBuff.pvBuffer);

    *pfDone = !(ss == SEC_I_CONTINUE_NEEDED || ss == SEC_I_COMPLETE_AND_CONTINUE);
    printf("client: token of %lu bytes, attributes 0x%08lx, expiry low part 0x%08x\n", *pcbOut,
           ContextAttributes, (unsigned)Lifetime.LowPart);
    return 1;
}

/* ---- server ------------------------------------------------------------ */

static CredHandle g_hcred;
static CtxtHandle g_hctxt;
static unsigned long g_cbMaxToken;

static BOOL GenServerContext(PBYTE pIn, unsigned long cbIn, PBYTE pOut, unsigned long *pcbOut,
                             BOOL *pfDone, BOOL fNewConversation)
{
    SECURITY_STATUS ss;
    TimeStamp Lifetime;
    SecBufferDesc OutBuffDesc, InBuffDesc;
    SecBuffer OutSecBuff, InSecBuff;
    unsigned long Attribs = 0;

    OutBuffDesc.ulVersion = SECBUFFER_VERSION;
    OutBuffDesc.cBuffers = 1;
    OutBuffDesc.pBuffers = &OutSecBuff;
    OutSecBuff.cbBuffer = *pcbOut;
    OutSecBuff.BufferType = SECBUFFER_TOKEN;
    OutSecBuff.pvBuffer = pOut;

    InBuffDesc.ulVersion = SECBUFFER_VERSION;
    InBuffDesc.cBuffers = 1;
    InBuffDesc.pBuffers = &InSecBuff;
    InSecBuff.cbBuffer = cbIn;
    InSecBuff.BufferType = SECBUFFER_TOKEN;
    InSecBuff.pvBuffer = pIn;

    memset(&Attribs, 0x5A, sizeof(Attribs));
    ss = AcceptSecurityContext(&g_hcred, fNewConversation ? NULL : &g_hctxt, &InBuffDesc,
                               ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY, SECURITY_NATIVE_DREP,
                               &g_hctxt, &OutBuffDesc, &Attribs, &Lifetime);
    if (!SEC_SUCCESS(ss)) {
        Fail("AcceptSecurityContext", ss);
        return 0;
    }
    CheckULong("ASC Attribs", Attribs);

    if (ss == SEC_I_COMPLETE_NEEDED || ss == SEC_I_COMPLETE_AND_CONTINUE) {
        ss = CompleteAuthToken(&g_hctxt, &OutBuffDesc);
        if (!SEC_SUCCESS(ss)) {
            Fail("CompleteAuthToken (server)", ss);
            return 0;
        }
    }
    *pcbOut = OutSecBuff.cbBuffer;
    *pfDone = !(ss == SEC_I_CONTINUE_NEEDED || ss == SEC_I_COMPLETE_AND_CONTINUE);
    printf("server: token of %lu bytes, attributes 0x%08lx, expiry %lld\n", *pcbOut, Attribs,
           (long long)Lifetime.QuadPart);
    return 1;
}

/* ---- messages ---------------------------------------------------------- */

/* Sender: [trailer size][trailer][padding size][padding][data]. */
static BOOL SendEncrypted(CtxtHandle *hCtxt, const char *pszText)
{
    SECURITY_STATUS ss;
    SecPkgContext_Sizes Sizes;
    SecBufferDesc BuffDesc;
    SecBuffer SecBuff[3];
    unsigned long cbText = (unsigned long)strlen(pszText);
    PBYTE pTrailer, pPadding, pData, pMsg, p;
    BOOL fOk;

    ss = QueryContextAttributes(hCtxt, SECPKG_ATTR_SIZES, &Sizes);
    if (ss != SEC_E_OK) {
        Fail("QueryContextAttributes(SECPKG_ATTR_SIZES)", ss);
        return 0;
    }
    pTrailer = (PBYTE)malloc(Sizes.cbSecurityTrailer);
    pPadding = (PBYTE)malloc(Sizes.cbBlockSize + 1);
    pData = (PBYTE)malloc(cbText);
    pMsg = (PBYTE)malloc(8 + Sizes.cbSecurityTrailer + Sizes.cbBlockSize + cbText);
    if (!pTrailer || !pPadding || !pData || !pMsg)
        return 0;
    memcpy(pData, pszText, cbText);

    SecBuff[0].BufferType = SECBUFFER_TOKEN;
    SecBuff[0].cbBuffer = Sizes.cbSecurityTrailer;
    SecBuff[0].pvBuffer = pTrailer;
    SecBuff[1].BufferType = SECBUFFER_DATA;
    SecBuff[1].cbBuffer = cbText;
    SecBuff[1].pvBuffer = pData;
    SecBuff[2].BufferType = SECBUFFER_PADDING;
    SecBuff[2].cbBuffer = Sizes.cbBlockSize;
    SecBuff[2].pvBuffer = pPadding;
    BuffDesc.ulVersion = SECBUFFER_VERSION;
    BuffDesc.cBuffers = 3;
    BuffDesc.pBuffers = SecBuff;

    ss = EncryptMessage(hCtxt, 0, &BuffDesc, 0);
    if (ss != SEC_E_OK) {
        Fail("EncryptMessage", ss);
        return 0;
    }
    if (SecBuff[1].cbBuffer == cbText && memcmp(pData, pszText, cbText) == 0) {
        Fail("EncryptMessage left the data in clear", ss);
        return 0;
    }

    p = pMsg;
    memcpy(p, &SecBuff[0].cbBuffer, 4);
    memcpy(p + 4, pTrailer, SecBuff[0].cbBuffer);
    p += 4 + SecBuff[0].cbBuffer;
    memcpy(p, &SecBuff[2].cbBuffer, 4);
    memcpy(p + 4, pPadding, SecBuff[2].cbBuffer);
    p += 4 + SecBuff[2].cbBuffer;
    memcpy(p, pData, SecBuff[1].cbBuffer);
    p += SecBuff[1].cbBuffer;
    fOk = SendMsg(pMsg, (unsigned long)(p - pMsg));
    free(pTrailer);
    free(pPadding);
    free(pData);
    free(pMsg);
    return fOk;
}

static BOOL ReceiveDecrypted(CtxtHandle *hCtxt, char *pszOut, unsigned long cbOut, BOOL fTamper,
                             SECURITY_STATUS *pss)
{
    BYTE Msg[cbMaxMessage];
    unsigned long cbMsg = 0, cbTrailer, cbPadding;
    unsigned long fQOP;
    SecBufferDesc BuffDesc;
    SecBuffer SecBuff[2];

    if (!ReceiveMsg(Msg, sizeof(Msg), &cbMsg))
        return 0;
    cbTrailer = 0;
    memcpy(&cbTrailer, Msg, 4); /* little-endian host, as the sender */
    cbPadding = 0;
    memcpy(&cbPadding, Msg + 4 + cbTrailer, 4);
    SecBuff[0].BufferType = SECBUFFER_TOKEN;
    SecBuff[0].cbBuffer = cbTrailer;
    SecBuff[0].pvBuffer = Msg + 4;
    /* A stream cipher pads nothing; a block cipher's padding goes with the data. */
    SecBuff[1].BufferType = SECBUFFER_DATA;
    SecBuff[1].cbBuffer = cbMsg - 8 - cbTrailer;
    SecBuff[1].pvBuffer = Msg + 8 + cbTrailer;
    if (cbPadding)
        memmove(Msg + 8 + cbTrailer, Msg + 8 + cbTrailer + cbPadding, cbMsg - 8 - cbTrailer - cbPadding);
    SecBuff[1].cbBuffer -= cbPadding;
    BuffDesc.ulVersion = SECBUFFER_VERSION;
    BuffDesc.cBuffers = 2;
    BuffDesc.pBuffers = SecBuff;
    if (fTamper)
        ((PBYTE)SecBuff[1].pvBuffer)[0] ^= 0x01;

    memset(&fQOP, 0xFF, sizeof(fQOP));
    *pss = DecryptMessage(hCtxt, &BuffDesc, 0, &fQOP);
    if (*pss != SEC_E_OK)
        return 0;
    CheckULong("DecryptMessage fQOP", fQOP);
    if (fQOP & SECQOP_WRAP_NO_ENCRYPT) {
        Fail("DecryptMessage: message was not encrypted", *pss);
        return 0;
    }
    if (SecBuff[1].cbBuffer >= cbOut)
        return 0;
    memcpy(pszOut, SecBuff[1].pvBuffer, SecBuff[1].cbBuffer);
    pszOut[SecBuff[1].cbBuffer] = '\0';
    return 1;
}

static BOOL SignAndVerify(CtxtHandle *hSender, CtxtHandle *hReceiver, BOOL fTamper,
                          SECURITY_STATUS *pss)
{
    SecPkgContext_Sizes Sizes;
    SecBufferDesc BuffDesc;
    SecBuffer SecBuff[2];
    char Data[] = "signed, not sealed";
    PBYTE pSig;
    unsigned long fQOP;
    SECURITY_STATUS ss;

    ss = QueryContextAttributes(hSender, SECPKG_ATTR_SIZES, &Sizes);
    if (ss != SEC_E_OK || Sizes.cbMaxSignature == 0) {
        Fail("QueryContextAttributes (signature size)", ss);
        return 0;
    }
    pSig = (PBYTE)malloc(Sizes.cbMaxSignature);
    if (!pSig)
        return 0;
    SecBuff[0].BufferType = SECBUFFER_DATA;
    SecBuff[0].cbBuffer = sizeof(Data);
    SecBuff[0].pvBuffer = Data;
    SecBuff[1].BufferType = SECBUFFER_TOKEN;
    SecBuff[1].cbBuffer = Sizes.cbMaxSignature;
    SecBuff[1].pvBuffer = pSig;
    BuffDesc.ulVersion = SECBUFFER_VERSION;
    BuffDesc.cBuffers = 2;
    BuffDesc.pBuffers = SecBuff;

    ss = MakeSignature(hSender, 0, &BuffDesc, 0);
    if (ss != SEC_E_OK) {
        free(pSig);
        Fail("MakeSignature", ss);
        return 0;
    }
    if (fTamper)
        Data[0] = 'S';
    memset(&fQOP, 0xFF, sizeof(fQOP));
    *pss = VerifySignature(hReceiver, &BuffDesc, 0, &fQOP);
    free(pSig);
    if (*pss == SEC_E_OK)
        CheckULong("VerifySignature fQOP", fQOP);
    return *pss == SEC_E_OK;
}

int main(void)
{
    SECURITY_STATUS ss;
    PSecPkgInfo pkgInfo;
    TimeStamp Lifetime;
    CredHandle hCred;
    CtxtHandle hcText;
    BYTE InBuf[cbMaxMessage], OutBuf[cbMaxMessage];
    unsigned long cbIn, cbOut;
    BOOL fClientDone = 0, fServerDone = 0, fNew = 1;
    char Received[128];
    int rounds = 0;

    SecInvalidateHandle(&hcText);
    SecInvalidateHandle(&g_hctxt);

    /* Server start-up: package limits and inbound credentials. */
    ss = QuerySecurityPackageInfo((SEC_WCHAR *)L"NTLM", &pkgInfo);
    if (ss != SEC_E_OK) {
        Fail("QuerySecurityPackageInfo", ss);
        return 1;
    }
    g_cbMaxToken = pkgInfo->cbMaxToken;
    FreeContextBuffer(pkgInfo);
    if (g_cbMaxToken == 0 || g_cbMaxToken > cbMaxMessage) {
        Fail("cbMaxToken", SEC_E_INTERNAL_ERROR);
        return 1;
    }
    ss = AcquireCredentialsHandle(NULL, (SEC_WCHAR *)L"NTLM", SECPKG_CRED_INBOUND, NULL, NULL,
                                  NULL, NULL, &g_hcred, &Lifetime);
    if (ss != SEC_E_OK) {
        Fail("AcquireCredentialsHandle (server)", ss);
        return 1;
    }

    /* The handshake: client and server take turns on the "socket". */
    cbOut = cbMaxMessage;
    if (!GenClientContext(NULL, 0, OutBuf, &cbOut, &fClientDone, (SEC_WCHAR *)L"host/server.example",
                          &hCred, &hcText) ||
        !SendMsg(OutBuf, cbOut))
        return 1;
    while (!fServerDone && rounds++ < 10) {
        if (!ReceiveMsg(InBuf, sizeof(InBuf), &cbIn))
            return 1;
        cbOut = g_cbMaxToken;
        if (!GenServerContext(InBuf, cbIn, OutBuf, &cbOut, &fServerDone, fNew))
            return 1;
        fNew = 0;
        if (cbOut != 0) {
            if (!SendMsg(OutBuf, cbOut) || !ReceiveMsg(InBuf, sizeof(InBuf), &cbIn))
                return 1;
            cbOut = cbMaxMessage;
            if (!GenClientContext(InBuf, cbIn, OutBuf, &cbOut, &fClientDone, NULL, &hCred, &hcText))
                return 1;
            if (cbOut != 0 && !SendMsg(OutBuf, cbOut))
                return 1;
        }
    }
    if (!fServerDone || !fClientDone || !SecIsValidHandle(&hcText) || !SecIsValidHandle(&g_hctxt)) {
        Fail("handshake", SEC_E_INTERNAL_ERROR);
        return 1;
    }

    /* Server -> client, sealed; client -> server, sealed. */
    if (!SendEncrypted(&g_hctxt, "This is your server speaking") ||
        !ReceiveDecrypted(&hcText, Received, sizeof(Received), 0, &ss) ||
        strcmp(Received, "This is your server speaking") != 0) {
        Fail("server->client sealed message", ss);
        return 1;
    }
    if (!SendEncrypted(&hcText, "And this is the client") ||
        !ReceiveDecrypted(&g_hctxt, Received, sizeof(Received), 0, &ss) ||
        strcmp(Received, "And this is the client") != 0) {
        Fail("client->server sealed message", ss);
        return 1;
    }
    printf("server received: %s\n", Received);

    /* Signatures, then a tampered one. */
    if (!SignAndVerify(&hcText, &g_hctxt, 0, &ss)) {
        Fail("VerifySignature", ss);
        return 1;
    }
    if (SignAndVerify(&hcText, &g_hctxt, 1, &ss) || ss != SEC_E_MESSAGE_ALTERED) {
        Fail("VerifySignature of altered data (expected SEC_E_MESSAGE_ALTERED)", ss);
        return 1;
    }
    if (!SendEncrypted(&g_hctxt, "tampered") ||
        ReceiveDecrypted(&hcText, Received, sizeof(Received), 1, &ss) ||
        ss != SEC_E_MESSAGE_ALTERED) {
        Fail("DecryptMessage of altered data (expected SEC_E_MESSAGE_ALTERED)", ss);
        return 1;
    }

    DeleteSecurityContext(&hcText);
    DeleteSecurityContext(&g_hctxt);
    FreeCredentialsHandle(&hCred);
    FreeCredentialsHandle(&g_hcred);
    {
        unsigned long fQOP = 0;
        SecBufferDesc Empty;
        Empty.ulVersion = SECBUFFER_VERSION;
        Empty.cBuffers = 0;
        Empty.pBuffers = NULL;
        ss = DecryptMessage(&hcText, &Empty, 0, &fQOP);
        if (ss != SEC_E_INVALID_HANDLE) {
            Fail("DecryptMessage on a deleted context (expected SEC_E_INVALID_HANDLE)", ss);
            return 1;
        }
    }
    if (g_Failures)
        return 1;
    printf("ws_unicode_ulong: OK\n");
    return 0;
}
