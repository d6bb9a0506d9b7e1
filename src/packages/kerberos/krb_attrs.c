/*
 * QueryContextAttributes (Kerberos).
 *   SIZES          cbMaxToken 48000, cbMaxSignature = MIC token size (28 for
 *                  the SHA-1 AES enctypes, 37 for rc4-hmac), cbBlockSize 1,
 *                  cbSecurityTrailer = wrap token minus data (60 / 45).
 *   NAMES          the client, "user@REALM" (both sides).
 *   NATIVE_NAMES   client and server principals.
 *   SESSION_KEY    the context key: acceptor subkey, else initiator subkey,
 *                  else the ticket session key.
 *   LIFESPAN       ticket start and end times.
 *   KEY_INFO       enctype names, key size, KERB_ETYPE / checksum numbers.
 *   FLAGS          ISC_RET_* / ASC_RET_*.
 *   AUTHORITY      the client's realm.
 *   PACKAGE_INFO   answered by the API layer.
 *   SECPKG_ATTR_LIBSSPI_KRB5_DELEGATED_CCACHE (include/libsspi_kerberos.h).
 * Attributes that need the finished exchange give SEC_E_NO_CONTEXT before.
 */
#include <stdlib.h>
#include <string.h>

#include <libsspi_kerberos.h>

#include "core/memory.h"
#include "krb_context.h"

static sr caller_string_to(const char *s, bool unicode, void **slot) {
    return sspi_caller_string(s ? s : "", unicode, slot);
}

static sr attr_two_strings(const char *a, const char *b, bool unicode, void **sa, void **sb) {
    *sa = *sb = NULL;
    SR_TRY(caller_string_to(a, unicode, sa));
    sr r = caller_string_to(b, unicode, sb);
    if (!sr_is_ok(r)) {
        (void)sspi_caller_free(*sa).code;
        *sa = NULL;
    }
    return r;
}

static const char *realm_of(const char *principal) {
    const char *at = principal ? strrchr(principal, '@') : NULL;
    return at ? at + 1 : "";
}

/* Windows' names and numbers (KERB_ETYPE_*, KERB_CHECKSUM_*). */
static void key_info_names(int32_t enctype, const char **sig, const char **enc, ULONG *bits,
                           ULONG *sig_alg) {
    switch (enctype) {
    case KRB_ENCTYPE_AES128_CTS_HMAC_SHA1_96:
        *sig = "HMAC-SHA1-96AES128";
        *enc = "AES-128-CTS-HMAC-SHA1-96";
        *bits = 128;
        *sig_alg = 15; /* KERB_CHECKSUM_HMAC_SHA1_96_AES128 */
        break;
    case KRB_ENCTYPE_AES256_CTS_HMAC_SHA1_96:
        *sig = "HMAC-SHA1-96AES256";
        *enc = "AES-256-CTS-HMAC-SHA1-96";
        *bits = 256;
        *sig_alg = 16; /* KERB_CHECKSUM_HMAC_SHA1_96_AES256 */
        break;
    case KRB_ENCTYPE_AES128_CTS_HMAC_SHA256_128:
        *sig = "HMAC-SHA256-128AES128";
        *enc = "AES-128-CTS-HMAC-SHA256-128";
        *bits = 128;
        *sig_alg = 19;
        break;
    case KRB_ENCTYPE_AES256_CTS_HMAC_SHA384_192:
        *sig = "HMAC-SHA384-192AES256";
        *enc = "AES-256-CTS-HMAC-SHA384-192";
        *bits = 256;
        *sig_alg = 20;
        break;
    default:
        *sig = "HMAC-MD5";
        *enc = "RSADSI RC4-HMAC";
        *bits = 128;
        *sig_alg = 0xffffff76u; /* KERB_CHECKSUM_HMAC_MD5 (-138) */
        break;
    }
}

sr krb_query_context_attribute(krb_context *ctx, ULONG attribute, void *buffer, bool unicode) {
    SR_ENSURE(buffer != NULL, SR_INVALID_PARAMETER);
    bool done = ctx->state == KRB_ST_DONE;
    switch (attribute) {
    case SECPKG_ATTR_SIZES:
        krb_context_sizes(ctx, buffer);
        return SR_SUCCESS;
    case SECPKG_ATTR_FLAGS:
        ((SecPkgContext_Flags *)buffer)->Flags = ctx->ret_flags;
        return SR_SUCCESS;
    case SECPKG_ATTR_NAMES:
    case SECPKG_ATTR_NATIVE_NAMES:
    case SECPKG_ATTR_SESSION_KEY:
    case SECPKG_ATTR_KEY_INFO:
    case SECPKG_ATTR_LIFESPAN:
    case SECPKG_ATTR_AUTHORITY:
    case SECPKG_ATTR_LIBSSPI_KRB5_DELEGATED_CCACHE:
        SR_ENSURE(done, SR_NO_CONTEXT);
        break;
    default:
        return SR_FAIL(SR_UNSUPPORTED);
    }
    switch (attribute) {
    case SECPKG_ATTR_NAMES: {
        void *s = NULL;
        SR_TRY(caller_string_to(ctx->client_name, unicode, &s));
        if (unicode)
            ((SecPkgContext_NamesW *)buffer)->sUserName = s;
        else
            ((SecPkgContext_NamesA *)buffer)->sUserName = s;
        return SR_SUCCESS;
    }
    case SECPKG_ATTR_NATIVE_NAMES: {
        void *c, *s;
        SR_TRY(attr_two_strings(ctx->client_name, ctx->server_name, unicode, &c, &s));
        if (unicode) {
            ((SecPkgContext_NativeNamesW *)buffer)->sClientName = c;
            ((SecPkgContext_NativeNamesW *)buffer)->sServerName = s;
        } else {
            ((SecPkgContext_NativeNamesA *)buffer)->sClientName = c;
            ((SecPkgContext_NativeNamesA *)buffer)->sServerName = s;
        }
        return SR_SUCCESS;
    }
    case SECPKG_ATTR_SESSION_KEY: {
        SecPkgContext_SessionKey *k = buffer;
        k->SessionKey = sspi_caller_dup(ctx->session_key.bytes, ctx->session_key.len);
        SR_ENSURE(k->SessionKey != NULL, SR_NO_MEMORY);
        k->SessionKeyLength = (ULONG)ctx->session_key.len;
        return SR_SUCCESS;
    }
    case SECPKG_ATTR_LIFESPAN: {
        SecPkgContext_Lifespan *l = buffer;
        krb_timestamp_from_unix(&l->tsStart, ctx->times.starttime);
        krb_timestamp_from_unix(&l->tsExpiry, ctx->times.endtime);
        return SR_SUCCESS;
    }
    case SECPKG_ATTR_KEY_INFO: {
        const char *sig, *enc;
        ULONG bits, sig_alg;
        key_info_names(ctx->session_key.enctype, &sig, &enc, &bits, &sig_alg);
        void *s, *e;
        SR_TRY(attr_two_strings(sig, enc, unicode, &s, &e));
        if (unicode) {
            SecPkgContext_KeyInfoW *k = buffer;
            k->sSignatureAlgorithmName = s;
            k->sEncryptAlgorithmName = e;
            k->KeySize = bits;
            k->SignatureAlgorithm = sig_alg;
            k->EncryptAlgorithm = (ULONG)ctx->session_key.enctype;
        } else {
            SecPkgContext_KeyInfoA *k = buffer;
            k->sSignatureAlgorithmName = s;
            k->sEncryptAlgorithmName = e;
            k->KeySize = bits;
            k->SignatureAlgorithm = sig_alg;
            k->EncryptAlgorithm = (ULONG)ctx->session_key.enctype;
        }
        return SR_SUCCESS;
    }
    case SECPKG_ATTR_AUTHORITY: {
        void *s = NULL;
        SR_TRY(caller_string_to(realm_of(ctx->client_name), unicode, &s));
        if (unicode)
            ((SecPkgContext_AuthorityW *)buffer)->sAuthorityName = s;
        else
            ((SecPkgContext_AuthorityA *)buffer)->sAuthorityName = s;
        return SR_SUCCESS;
    }
    default: { /* SECPKG_ATTR_LIBSSPI_KRB5_DELEGATED_CCACHE */
        SR_ENSURE(ctx->deleg_ccache != NULL, SR_NO_CREDENTIALS);
        void *s = NULL;
        SR_TRY(caller_string_to(ctx->deleg_ccache, unicode, &s));
        if (unicode)
            ((SecPkgContext_LibsspiStringW *)buffer)->sValue = s;
        else
            ((SecPkgContext_LibsspiStringA *)buffer)->sValue = s;
        return SR_SUCCESS;
    }
    }
}
