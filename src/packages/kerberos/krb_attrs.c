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

#include "krb_context.h"
#include "packages/pkg_attrs.h"

static const char *realm_of(const char *principal) {
    const char *at = principal ? strrchr(principal, '@') : NULL;
    return at ? at + 1 : "";
}

/* Windows' names and numbers (KERB_ETYPE_*, KERB_CHECKSUM_*). */
static void key_info_names(int32_t enctype, pkg_key_info *k) {
    k->enc_alg = (ULONG)enctype;
    switch (enctype) {
    case KRB_ENCTYPE_AES128_CTS_HMAC_SHA1_96:
        k->sig_name = "HMAC-SHA1-96AES128";
        k->enc_name = "AES-128-CTS-HMAC-SHA1-96";
        k->key_size = 128;
        k->sig_alg = 15; /* KERB_CHECKSUM_HMAC_SHA1_96_AES128 */
        break;
    case KRB_ENCTYPE_AES256_CTS_HMAC_SHA1_96:
        k->sig_name = "HMAC-SHA1-96AES256";
        k->enc_name = "AES-256-CTS-HMAC-SHA1-96";
        k->key_size = 256;
        k->sig_alg = 16; /* KERB_CHECKSUM_HMAC_SHA1_96_AES256 */
        break;
    case KRB_ENCTYPE_AES128_CTS_HMAC_SHA256_128:
        k->sig_name = "HMAC-SHA256-128AES128";
        k->enc_name = "AES-128-CTS-HMAC-SHA256-128";
        k->key_size = 128;
        k->sig_alg = 19;
        break;
    case KRB_ENCTYPE_AES256_CTS_HMAC_SHA384_192:
        k->sig_name = "HMAC-SHA384-192AES256";
        k->enc_name = "AES-256-CTS-HMAC-SHA384-192";
        k->key_size = 256;
        k->sig_alg = 20;
        break;
    default:
        k->sig_name = "HMAC-MD5";
        k->enc_name = "RSADSI RC4-HMAC";
        k->key_size = 128;
        k->sig_alg = 0xffffff76u; /* KERB_CHECKSUM_HMAC_MD5 (-138) */
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
    case SECPKG_ATTR_LIFESPAN:
    case SECPKG_ATTR_LIBSSPI_KRB5_DELEGATED_CCACHE:
        break;
    default:
        if (!pkg_attr_needs_session(attribute)) return SR_FAIL(SR_UNSUPPORTED);
        break;
    }
    SR_ENSURE(done, SR_NO_CONTEXT);
    switch (attribute) {
    case SECPKG_ATTR_NAMES:
        return pkg_attr_names(ctx->client_name, buffer, unicode);
    case SECPKG_ATTR_NATIVE_NAMES:
        return pkg_attr_native_names(ctx->client_name, ctx->server_name, buffer, unicode);
    case SECPKG_ATTR_SESSION_KEY:
        return pkg_attr_session_key(ctx->session_key.bytes, ctx->session_key.len, buffer);
    case SECPKG_ATTR_LIFESPAN: {
        SecPkgContext_Lifespan *l = buffer;
        krb_timestamp_from_unix(&l->tsStart, ctx->times.starttime);
        krb_timestamp_from_unix(&l->tsExpiry, ctx->times.endtime);
        return SR_SUCCESS;
    }
    case SECPKG_ATTR_KEY_INFO: {
        pkg_key_info k;
        key_info_names(ctx->session_key.enctype, &k);
        return pkg_attr_key_info(&k, buffer, unicode);
    }
    case SECPKG_ATTR_AUTHORITY:
        return pkg_attr_authority(realm_of(ctx->client_name), buffer, unicode);
    default: /* SECPKG_ATTR_LIBSSPI_KRB5_DELEGATED_CCACHE */
        SR_ENSURE(ctx->deleg_ccache != NULL, SR_NO_CREDENTIALS);
        return pkg_attr_libsspi_string(ctx->deleg_ccache, buffer, unicode);
    }
}
