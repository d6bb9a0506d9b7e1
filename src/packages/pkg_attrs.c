/*
 * Attribute answers shared by the packages (see pkg_attrs.h).
 */
#include "pkg_attrs.h"

#include <string.h>

#include <libsspi_kerberos.h>

#include "core/memory.h"
#include "core/unicode.h"
#include "crypto/crypto.h"

/* Size in bytes of a string (with its terminator) in the chosen flavour. */
SR_MUST_CHECK static sr string_size(const char *s, bool unicode, size_t *out) {
    if (!s) s = "";
    size_t len = strlen(s);
    if (!unicode) {
        *out = len + 1;
        return SR_SUCCESS;
    }
    uint16_t *u;
    size_t n;
    SR_TRY(utf8_to_utf16_units(s, len, &u, &n));
    crypto_free_wipe(u, (n + 1) * sizeof(uint16_t));
    *out = (n + 1) * sizeof(uint16_t);
    return SR_SUCCESS;
}

/* Write s at *pos inside the block; returns the string's address. */
static void *put_string(uint8_t **pos, const char *s, bool unicode) {
    if (!s) s = "";
    void *start = *pos;
    size_t len = strlen(s);
    if (!unicode) {
        memcpy(*pos, s, len + 1);
        *pos += len + 1;
        return start;
    }
    uint16_t *u;
    size_t n;
    /* Cannot fail: string_size converted the same text already (except
     * for memory exhaustion, in which case an empty string is written). */
    if (utf8_to_utf16_units(s, len, &u, &n).code != SR_OK) {
        memset(*pos, 0, sizeof(uint16_t));
        *pos += sizeof(uint16_t);
        return start;
    }
    memcpy(*pos, u, (n + 1) * sizeof(uint16_t));
    *pos += (n + 1) * sizeof(uint16_t);
    crypto_free_wipe(u, (n + 1) * sizeof(uint16_t));
    return start;
}

sr pkg_info_block(const sspi_package *const *pkgs, size_t n, bool unicode, void **out) {
    *out = NULL;
    size_t entry = unicode ? sizeof(SecPkgInfoW) : sizeof(SecPkgInfoA);
    size_t total = n * entry;
    for (size_t i = 0; i < n; i++) {
        size_t a, b;
        SR_TRY(string_size(pkgs[i]->name, unicode, &a));
        SR_TRY(string_size(pkgs[i]->comment, unicode, &b));
        total += a + b;
    }
    uint8_t *block = sspi_caller_alloc(total ? total : 1);
    SR_ENSURE(block != NULL, SR_NO_MEMORY);
    uint8_t *pos = block + n * entry;
    for (size_t i = 0; i < n; i++) {
        const sspi_package *p = pkgs[i];
        void *e = block + i * entry;
        PKG_SET_AW(e, unicode, SecPkgInfo, fCapabilities, p->capabilities);
        PKG_SET_AW(e, unicode, SecPkgInfo, wVersion, p->version);
        PKG_SET_AW(e, unicode, SecPkgInfo, wRPCID, p->rpcid);
        PKG_SET_AW(e, unicode, SecPkgInfo, cbMaxToken, p->max_token);
        PKG_SET_AW(e, unicode, SecPkgInfo, Name, put_string(&pos, p->name, unicode));
        PKG_SET_AW(e, unicode, SecPkgInfo, Comment, put_string(&pos, p->comment, unicode));
    }
    *out = block;
    return SR_SUCCESS;
}

bool pkg_attr_needs_session(ULONG attribute) {
    switch (attribute) {
    case SECPKG_ATTR_NAMES:
    case SECPKG_ATTR_NATIVE_NAMES:
    case SECPKG_ATTR_SESSION_KEY:
    case SECPKG_ATTR_KEY_INFO:
    case SECPKG_ATTR_AUTHORITY:
        return true;
    default:
        return false;
    }
}

sr pkg_caller_strings(const char *a, const char *b, bool unicode, void **sa, void **sb) {
    *sa = *sb = NULL;
    SR_TRY(sspi_caller_string(a, unicode, sa));
    sr r = sspi_caller_string(b, unicode, sb);
    if (!sr_is_ok(r)) {
        (void)sspi_caller_free(*sa).code;
        *sa = NULL;
    }
    return r;
}

sr pkg_attr_read_string(const void *buffer, ULONG buffer_len, bool unicode, char **out) {
    *out = NULL;
    SR_ENSURE(buffer != NULL, SR_INVALID_PARAMETER);
    if (unicode) {
        const SEC_WCHAR *w = buffer;
        size_t max = buffer_len / sizeof(SEC_WCHAR), n = 0;
        while (n < max && w[n] != 0) n++;
        size_t len;
        return utf16_units_to_utf8((const uint16_t *)w, n, out, &len);
    }
    const char *a = buffer;
    size_t n = strnlen(a, buffer_len);
    *out = strndup(a, n);
    SR_ENSURE(*out != NULL, SR_NO_MEMORY);
    return SR_SUCCESS;
}

sr pkg_attr_package_info(const sspi_package *p, void *buffer, bool unicode) {
    void *pi;
    SR_TRY(pkg_info_block(&p, 1, unicode, &pi));
    PKG_SET_AW(buffer, unicode, SecPkgContext_PackageInfo, PackageInfo, pi);
    return SR_SUCCESS;
}

sr pkg_attr_negotiation_info(const sspi_package *p, ULONG state, void *buffer, bool unicode) {
    void *pi;
    SR_TRY(pkg_info_block(&p, 1, unicode, &pi));
    PKG_SET_AW(buffer, unicode, SecPkgContext_NegotiationInfo, PackageInfo, pi);
    PKG_SET_AW(buffer, unicode, SecPkgContext_NegotiationInfo, NegotiationState, state);
    return SR_SUCCESS;
}

sr pkg_attr_native_names(const char *client, const char *server, void *buffer, bool unicode) {
    void *c, *s;
    SR_TRY(pkg_caller_strings(client, server, unicode, &c, &s));
    PKG_SET_AW(buffer, unicode, SecPkgContext_NativeNames, sClientName, c);
    PKG_SET_AW(buffer, unicode, SecPkgContext_NativeNames, sServerName, s);
    return SR_SUCCESS;
}

sr pkg_attr_session_key(const uint8_t *key, size_t len, void *buffer) {
    SecPkgContext_SessionKey *k = buffer;
    k->SessionKey = sspi_caller_dup(key, len);
    SR_ENSURE(k->SessionKey != NULL, SR_NO_MEMORY);
    k->SessionKeyLength = (ULONG)len;
    return SR_SUCCESS;
}

sr pkg_attr_key_info(const pkg_key_info *ki, void *buffer, bool unicode) {
    void *sig, *enc;
    SR_TRY(pkg_caller_strings(ki->sig_name, ki->enc_name, unicode, &sig, &enc));
    PKG_SET_AW(buffer, unicode, SecPkgContext_KeyInfo, sSignatureAlgorithmName, sig);
    PKG_SET_AW(buffer, unicode, SecPkgContext_KeyInfo, sEncryptAlgorithmName, enc);
    PKG_SET_AW(buffer, unicode, SecPkgContext_KeyInfo, KeySize, ki->key_size);
    PKG_SET_AW(buffer, unicode, SecPkgContext_KeyInfo, SignatureAlgorithm, ki->sig_alg);
    PKG_SET_AW(buffer, unicode, SecPkgContext_KeyInfo, EncryptAlgorithm, ki->enc_alg);
    return SR_SUCCESS;
}

/* Attributes whose structure is one string (TYPE##A / TYPE##W: TYPE is
 * pasted, not expanded, so sspi.h's UNICODE-dependent names do not apply). */
#define ONE_STRING_ATTR(fn, TYPE, field)                                                       \
    sr fn(const char *value, void *buffer, bool unicode) {                                     \
        void *s;                                                                               \
        SR_TRY(sspi_caller_string(value, unicode, &s));                                        \
        if (unicode)                                                                           \
            ((TYPE##W *)buffer)->field = s;                                                    \
        else                                                                                   \
            ((TYPE##A *)buffer)->field = s;                                                    \
        return SR_SUCCESS;                                                                     \
    }

ONE_STRING_ATTR(pkg_attr_names, SecPkgContext_Names, sUserName)
ONE_STRING_ATTR(pkg_attr_authority, SecPkgContext_Authority, sAuthorityName)
ONE_STRING_ATTR(pkg_attr_libsspi_string, SecPkgContext_LibsspiString, sValue)
ONE_STRING_ATTR(pkg_cred_attr_names, SecPkgCredentials_Names, sUserName)
