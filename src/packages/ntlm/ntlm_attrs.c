/*
 * QueryContextAttributes (NTLM). Values follow Windows as observed by Wine's
 * secur32 NTLM conformance tests (dlls/secur32/tests/ntlm.c, which run
 * against Windows): SIZES = {2888, 16, 0, 16}; STREAM_SIZES is
 * SEC_E_UNSUPPORTED_FUNCTION; KEY_INFO = "HMAC-MD5" (0xffffff76) with
 * extended session security, else "RSADSI RC4-CRC32" (0xffffff7c), and
 * "RSADSI RC4" / CALG_RC4, KeySize 128; NEGOTIATION_INFO carries a
 * SecPkgInfo in one block (strings after the structure) and
 * SECPKG_NEGOTIATION_COMPLETE once established.
 *
 * Attributes that need the authenticated session (NAMES, NATIVE_NAMES,
 * SESSION_KEY, KEY_INFO, AUTHORITY) give SEC_E_NO_CONTEXT before the
 * handshake completes (our choice, consistent with the message functions);
 * SIZES, FLAGS, LIFESPAN, PACKAGE_INFO and NEGOTIATION_INFO work at any
 * time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/memory.h"
#include "core/unicode.h"
#include "ntlm_context.h"
#include "ntlm_wire.h"

#define NTLM_CALG_RC4 0x00006801u       /* CALG_RC4 (wincrypt.h) */
#define NTLM_SIGALG_HMAC_MD5 0xffffff76u /* as Windows reports */
#define NTLM_SIGALG_RC4_CRC32 0xffffff7cu

/* A SecPkgInfoA/W with its strings in the same caller block, so that one
 * FreeContextBuffer releases it (as Windows). */
static sr package_info_block(bool unicode, void **out) {
    const sspi_package *p = &sspi_ntlm_package;
    *out = NULL;
    if (!unicode) {
        size_t nl = strlen(p->name) + 1, cl = strlen(p->comment) + 1;
        SecPkgInfoA *pi = sspi_caller_alloc(sizeof(*pi) + nl + cl);
        SR_ENSURE(pi != NULL, SR_NO_MEMORY);
        char *s = (char *)(pi + 1);
        memcpy(s, p->name, nl);
        memcpy(s + nl, p->comment, cl);
        pi->Name = s;
        pi->Comment = s + nl;
        pi->fCapabilities = p->capabilities;
        pi->wVersion = p->version;
        pi->wRPCID = p->rpcid;
        pi->cbMaxToken = p->max_token;
        *out = pi;
        return SR_SUCCESS;
    }
    uint16_t *n = NULL, *c = NULL;
    size_t nn = 0, cn = 0;
    sr r = utf8_to_utf16_units(p->name, strlen(p->name), &n, &nn);
    if (sr_is_ok(r)) r = utf8_to_utf16_units(p->comment, strlen(p->comment), &c, &cn);
    SecPkgInfoW *pi = NULL;
    if (sr_is_ok(r)) {
        pi = sspi_caller_alloc(sizeof(*pi) + (nn + 1 + cn + 1) * sizeof(SEC_WCHAR));
        if (!pi) r = SR_FAIL(SR_NO_MEMORY);
    }
    if (sr_is_ok(r)) {
        SEC_WCHAR *s = (SEC_WCHAR *)(pi + 1);
        memcpy(s, n, (nn + 1) * sizeof(SEC_WCHAR));
        memcpy(s + nn + 1, c, (cn + 1) * sizeof(SEC_WCHAR));
        pi->Name = s;
        pi->Comment = s + nn + 1;
        pi->fCapabilities = p->capabilities;
        pi->wVersion = p->version;
        pi->wRPCID = p->rpcid;
        pi->cbMaxToken = p->max_token;
        *out = pi;
    }
    free(n);
    free(c);
    return r;
}

/* "DOMAIN\user" (or "user" when there is no domain); the anonymous user is
 * "NT AUTHORITY\ANONYMOUS LOGON" as on Windows. */
static sr qualified_name(const ntlm_context *ctx, char **out) {
    const char *d = ctx->domain ? ctx->domain : "";
    const char *u = ctx->user ? ctx->user : "";
    if (ctx->anonymous) {
        d = "NT AUTHORITY";
        u = "ANONYMOUS LOGON";
    }
    size_t n = strlen(d) + strlen(u) + 2;
    *out = malloc(n);
    SR_ENSURE(*out != NULL, SR_NO_MEMORY);
    if (d[0])
        snprintf(*out, n, "%s\\%s", d, u);
    else
        snprintf(*out, n, "%s", u);
    return SR_SUCCESS;
}

/* Set a string field of A or W flavour: both flavours of the Windows
 * structures hold only pointers, so one void* slot is written. */
static sr caller_string_to(const char *s, bool unicode, void **slot) {
    return sspi_caller_string(s ? s : "", unicode, slot);
}

static sr attr_names(const ntlm_context *ctx, void *buffer, bool unicode) {
    char *name;
    SR_TRY(qualified_name(ctx, &name));
    void *s = NULL;
    sr r = caller_string_to(name, unicode, &s);
    free(name);
    SR_TRY(r);
    if (unicode)
        ((SecPkgContext_NamesW *)buffer)->sUserName = s;
    else
        ((SecPkgContext_NamesA *)buffer)->sUserName = s;
    return SR_SUCCESS;
}

static sr attr_native_names(const ntlm_context *ctx, void *buffer, bool unicode) {
    char *client;
    SR_TRY(qualified_name(ctx, &client));
    const char *server = ctx->is_server ? ctx->server_domain : ctx->target_name;
    void *c = NULL, *s = NULL;
    sr r = caller_string_to(client, unicode, &c);
    free(client);
    if (sr_is_ok(r)) r = caller_string_to(server, unicode, &s);
    if (!sr_is_ok(r)) {
        if (c) (void)sspi_caller_free(c).code;
        return r;
    }
    if (unicode) {
        ((SecPkgContext_NativeNamesW *)buffer)->sClientName = c;
        ((SecPkgContext_NativeNamesW *)buffer)->sServerName = s;
    } else {
        ((SecPkgContext_NativeNamesA *)buffer)->sClientName = c;
        ((SecPkgContext_NativeNamesA *)buffer)->sServerName = s;
    }
    return SR_SUCCESS;
}

static sr attr_key_info(const ntlm_context *ctx, void *buffer, bool unicode) {
    bool ess = ctx->session.neg_flags & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY;
    void *sig = NULL, *enc = NULL;
    sr r = caller_string_to(ess ? "HMAC-MD5" : "RSADSI RC4-CRC32", unicode, &sig);
    if (sr_is_ok(r)) r = caller_string_to("RSADSI RC4", unicode, &enc);
    if (!sr_is_ok(r)) {
        if (sig) (void)sspi_caller_free(sig).code;
        return r;
    }
    ULONG key_size = 128;
    if (!(ctx->session.neg_flags & NTLMSSP_NEGOTIATE_128))
        key_size = (ctx->session.neg_flags & NTLMSSP_NEGOTIATE_56) ? 56 : 40;
    ULONG sig_alg = ess ? NTLM_SIGALG_HMAC_MD5 : NTLM_SIGALG_RC4_CRC32;
    if (unicode) {
        SecPkgContext_KeyInfoW *k = buffer;
        k->sSignatureAlgorithmName = sig;
        k->sEncryptAlgorithmName = enc;
        k->KeySize = key_size;
        k->SignatureAlgorithm = sig_alg;
        k->EncryptAlgorithm = NTLM_CALG_RC4;
    } else {
        SecPkgContext_KeyInfoA *k = buffer;
        k->sSignatureAlgorithmName = sig;
        k->sEncryptAlgorithmName = enc;
        k->KeySize = key_size;
        k->SignatureAlgorithm = sig_alg;
        k->EncryptAlgorithm = NTLM_CALG_RC4;
    }
    return SR_SUCCESS;
}

sr ntlm_query_context_attribute(ntlm_context *ctx, ULONG attribute, void *buffer, bool unicode) {
    SR_ENSURE(buffer != NULL, SR_INVALID_PARAMETER);
    bool done = ctx->state == NTLM_ST_DONE;
    switch (attribute) {
    case SECPKG_ATTR_SIZES: {
        SecPkgContext_Sizes *s = buffer;
        s->cbMaxToken = sspi_ntlm_package.max_token;
        s->cbMaxSignature = NTLM_SIGNATURE_LEN;
        s->cbBlockSize = 0;
        s->cbSecurityTrailer = NTLM_SIGNATURE_LEN;
        return SR_SUCCESS;
    }
    case SECPKG_ATTR_FLAGS:
        ((SecPkgContext_Flags *)buffer)->Flags = ctx->session.context_attr;
        return SR_SUCCESS;
    case SECPKG_ATTR_LIFESPAN: {
        SecPkgContext_Lifespan *l = buffer;
        ntlm_timestamp_set(&l->tsStart, (int64_t)ctx->start_time);
        ntlm_timestamp_set(&l->tsExpiry, NTLM_TIME_NEVER);
        return SR_SUCCESS;
    }
    case SECPKG_ATTR_PACKAGE_INFO: {
        void *pi;
        SR_TRY(package_info_block(unicode, &pi));
        if (unicode)
            ((SecPkgContext_PackageInfoW *)buffer)->PackageInfo = pi;
        else
            ((SecPkgContext_PackageInfoA *)buffer)->PackageInfo = pi;
        return SR_SUCCESS;
    }
    case SECPKG_ATTR_NEGOTIATION_INFO: {
        void *pi;
        SR_TRY(package_info_block(unicode, &pi));
        ULONG state = done ? SECPKG_NEGOTIATION_COMPLETE : SECPKG_NEGOTIATION_IN_PROGRESS;
        if (unicode) {
            ((SecPkgContext_NegotiationInfoW *)buffer)->PackageInfo = pi;
            ((SecPkgContext_NegotiationInfoW *)buffer)->NegotiationState = state;
        } else {
            ((SecPkgContext_NegotiationInfoA *)buffer)->PackageInfo = pi;
            ((SecPkgContext_NegotiationInfoA *)buffer)->NegotiationState = state;
        }
        return SR_SUCCESS;
    }
    case SECPKG_ATTR_STREAM_SIZES:
        return SR_FAIL(SR_UNSUPPORTED);
    default:
        break;
    }
    switch (attribute) {
    case SECPKG_ATTR_NAMES:
    case SECPKG_ATTR_NATIVE_NAMES:
    case SECPKG_ATTR_SESSION_KEY:
    case SECPKG_ATTR_KEY_INFO:
    case SECPKG_ATTR_AUTHORITY:
        SR_ENSURE(done, SR_NO_CONTEXT);
        break;
    default:
        return SR_FAIL(SR_UNSUPPORTED);
    }
    switch (attribute) {
    case SECPKG_ATTR_NAMES:
        return attr_names(ctx, buffer, unicode);
    case SECPKG_ATTR_NATIVE_NAMES:
        return attr_native_names(ctx, buffer, unicode);
    case SECPKG_ATTR_SESSION_KEY: {
        SecPkgContext_SessionKey *k = buffer;
        k->SessionKey = sspi_caller_dup(ctx->session.exported_session_key, 16);
        SR_ENSURE(k->SessionKey != NULL, SR_NO_MEMORY);
        k->SessionKeyLength = 16;
        return SR_SUCCESS;
    }
    case SECPKG_ATTR_KEY_INFO:
        return attr_key_info(ctx, buffer, unicode);
    default: { /* SECPKG_ATTR_AUTHORITY */
        void *s = NULL;
        const char *auth = ctx->server_domain ? ctx->server_domain : ctx->domain;
        if (ctx->anonymous) auth = "NT AUTHORITY";
        SR_TRY(caller_string_to(auth, unicode, &s));
        if (unicode)
            ((SecPkgContext_AuthorityW *)buffer)->sAuthorityName = s;
        else
            ((SecPkgContext_AuthorityA *)buffer)->sAuthorityName = s;
        return SR_SUCCESS;
    }
    }
}
