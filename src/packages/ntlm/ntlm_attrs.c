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
#include <stdlib.h>

#include "ntlm_context.h"
#include "ntlm_wire.h"
#include "packages/pkg_attrs.h"

#define NTLM_CALG_RC4 0x00006801u       /* CALG_RC4 (wincrypt.h) */
#define NTLM_SIGALG_HMAC_MD5 0xffffff76u /* as Windows reports */
#define NTLM_SIGALG_RC4_CRC32 0xffffff7cu

/* "DOMAIN\user" (or "user" when there is no domain); the anonymous user is
 * "NT AUTHORITY\ANONYMOUS LOGON" as on Windows. */
static sr qualified_name(const ntlm_context *ctx, char **out) {
    if (ctx->anonymous) return ntlm_qualified_name("NT AUTHORITY", "ANONYMOUS LOGON", out);
    return ntlm_qualified_name(ctx->domain, ctx->user, out);
}

static sr attr_names(const ntlm_context *ctx, void *buffer, bool unicode) {
    char *name;
    SR_TRY(qualified_name(ctx, &name));
    sr r = pkg_attr_names(name, buffer, unicode);
    free(name);
    return r;
}

static sr attr_native_names(const ntlm_context *ctx, void *buffer, bool unicode) {
    char *client;
    SR_TRY(qualified_name(ctx, &client));
    const char *server = ctx->is_server ? ctx->server_domain : ctx->target_name;
    sr r = pkg_attr_native_names(client, server, buffer, unicode);
    free(client);
    return r;
}

static sr attr_key_info(const ntlm_context *ctx, void *buffer, bool unicode) {
    bool ess = ctx->session.neg_flags & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY;
    pkg_key_info k = {
        .sig_name = ess ? "HMAC-MD5" : "RSADSI RC4-CRC32",
        .enc_name = "RSADSI RC4",
        .key_size = 128,
        .sig_alg = ess ? NTLM_SIGALG_HMAC_MD5 : NTLM_SIGALG_RC4_CRC32,
        .enc_alg = NTLM_CALG_RC4,
    };
    if (!(ctx->session.neg_flags & NTLMSSP_NEGOTIATE_128))
        k.key_size = (ctx->session.neg_flags & NTLMSSP_NEGOTIATE_56) ? 56 : 40;
    return pkg_attr_key_info(&k, buffer, unicode);
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
    case SECPKG_ATTR_PACKAGE_INFO:
        return pkg_attr_package_info(&sspi_ntlm_package, buffer, unicode);
    case SECPKG_ATTR_NEGOTIATION_INFO:
        return pkg_attr_negotiation_info(
            &sspi_ntlm_package,
            done ? SECPKG_NEGOTIATION_COMPLETE : SECPKG_NEGOTIATION_IN_PROGRESS, buffer, unicode);
    case SECPKG_ATTR_STREAM_SIZES:
        return SR_FAIL(SR_UNSUPPORTED);
    default:
        break;
    }
    if (!pkg_attr_needs_session(attribute)) return SR_FAIL(SR_UNSUPPORTED);
    SR_ENSURE(done, SR_NO_CONTEXT);
    switch (attribute) {
    case SECPKG_ATTR_NAMES:
        return attr_names(ctx, buffer, unicode);
    case SECPKG_ATTR_NATIVE_NAMES:
        return attr_native_names(ctx, buffer, unicode);
    case SECPKG_ATTR_SESSION_KEY:
        return pkg_attr_session_key(ctx->session.exported_session_key, 16, buffer);
    case SECPKG_ATTR_KEY_INFO:
        return attr_key_info(ctx, buffer, unicode);
    default: { /* SECPKG_ATTR_AUTHORITY */
        const char *auth = ctx->server_domain ? ctx->server_domain : ctx->domain;
        if (ctx->anonymous) auth = "NT AUTHORITY";
        return pkg_attr_authority(auth, buffer, unicode);
    }
    }
}
