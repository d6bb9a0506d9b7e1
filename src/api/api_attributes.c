/*
 * Context and credential attributes: QueryContextAttributesA/W/ExA/ExW,
 * SetContextAttributesA/W, QueryCredentialsAttributesA/W/ExA/ExW,
 * SetCredentialsAttributesA/W.
 *
 * The Ex variants check cbBuffer against the size of the structure the
 * attribute fills (known attributes; SEC_E_BUFFER_TOO_SMALL when short) and
 * otherwise behave as the plain ones. SECPKG_ATTR_PACKAGE_INFO is answered
 * here when the package does not answer it itself.
 */
#include <string.h>

#include "api/api_internal.h"
#include "packages/pkg_attrs.h"

typedef struct attr_size {
    ULONG attr;
    size_t size;
} attr_size;

/* A and W structures have the same size (only pointer types differ). */
static const attr_size context_sizes[] = {
    {SECPKG_ATTR_SIZES, sizeof(SecPkgContext_Sizes)},
    {SECPKG_ATTR_NAMES, sizeof(SecPkgContext_NamesW)},
    {SECPKG_ATTR_LIFESPAN, sizeof(SecPkgContext_Lifespan)},
    {SECPKG_ATTR_DCE_INFO, sizeof(SecPkgContext_DceInfo)},
    {SECPKG_ATTR_STREAM_SIZES, sizeof(SecPkgContext_StreamSizes)},
    {SECPKG_ATTR_KEY_INFO, sizeof(SecPkgContext_KeyInfoW)},
    {SECPKG_ATTR_AUTHORITY, sizeof(SecPkgContext_AuthorityW)},
    {SECPKG_ATTR_PROTO_INFO, sizeof(SecPkgContext_ProtoInfoW)},
    {SECPKG_ATTR_PASSWORD_EXPIRY, sizeof(SecPkgContext_PasswordExpiry)},
    {SECPKG_ATTR_SESSION_KEY, sizeof(SecPkgContext_SessionKey)},
    {SECPKG_ATTR_PACKAGE_INFO, sizeof(SecPkgContext_PackageInfoW)},
    {SECPKG_ATTR_USER_FLAGS, sizeof(SecPkgContext_UserFlags)},
    {SECPKG_ATTR_NEGOTIATION_INFO, sizeof(SecPkgContext_NegotiationInfoW)},
    {SECPKG_ATTR_NATIVE_NAMES, sizeof(SecPkgContext_NativeNamesW)},
    {SECPKG_ATTR_FLAGS, sizeof(SecPkgContext_Flags)},
    {SECPKG_ATTR_CREDENTIAL_NAME, sizeof(SecPkgContext_CredentialNameW)},
    {SECPKG_ATTR_TARGET_INFORMATION, sizeof(SecPkgContext_TargetInformation)},
    {SECPKG_ATTR_ACCESS_TOKEN, sizeof(SecPkgContext_AccessToken)},
    {SECPKG_ATTR_TARGET, sizeof(SecPkgContext_Target)},
    {SECPKG_ATTR_LOGOFF_TIME, sizeof(SecPkgContext_LogoffTime)},
    {SECPKG_ATTR_NEGO_KEYS, sizeof(SecPkgContext_NegoKeys)},
    {SECPKG_ATTR_PROMPTING_NEEDED, sizeof(SecPkgContext_CredInfo)},
    {SECPKG_ATTR_UNIQUE_BINDINGS, sizeof(SecPkgContext_Bindings)},
    {SECPKG_ATTR_ENDPOINT_BINDINGS, sizeof(SecPkgContext_Bindings)},
    {SECPKG_ATTR_CLIENT_SPECIFIED_TARGET, sizeof(SecPkgContext_ClientSpecifiedTarget)},
    {SECPKG_ATTR_LAST_CLIENT_TOKEN_STATUS, sizeof(SecPkgContext_LastClientTokenStatus)},
    {SECPKG_ATTR_NEGO_PKG_INFO, sizeof(SecPkgContext_NegoPackageInfo)},
    {SECPKG_ATTR_NEGO_STATUS, sizeof(SecPkgContext_NegoStatus)},
    {SECPKG_ATTR_APPLICATION_PROTOCOL, sizeof(SecPkgContext_ApplicationProtocol)},
    {SECPKG_ATTR_NEGOTIATED_TLS_EXTENSIONS, sizeof(SecPkgContext_NegotiatedTlsExtensions)},
};

static const attr_size cred_sizes[] = {
    {SECPKG_CRED_ATTR_NAMES, sizeof(SecPkgCredentials_NamesW)},
    {SECPKG_CRED_ATTR_SSI_PROVIDER, sizeof(SecPkgCredentials_SSIProviderW)},
    {SECPKG_CRED_ATTR_CERT, sizeof(SecPkgCredentials_Cert)},
};

SR_MUST_CHECK static sr check_size(const attr_size *t, size_t n, ULONG attr, ULONG cb) {
    for (size_t i = 0; i < n; i++)
        if (t[i].attr == attr) SR_ENSURE(cb >= t[i].size, SR_BUFFER_TOO_SMALL);
    return SR_SUCCESS;
}

/* One Query/Set{Context,Credentials}Attributes call. */
typedef struct attr_call {
    ULONG attr;
    void *buffer;
    ULONG cb;      /* Set: buffer size; Query Ex: cbBuffer */
    bool has_size; /* Query Ex: check cb against the attribute's size */
    bool unicode;
    bool set;
} attr_call;

/* The argument checks, after the handle's: a query needs a buffer (and,
 * for the Ex variants, a large enough one); a set, one when cb != 0. */
SR_MUST_CHECK static sr check_args(const attr_call *a, const attr_size *t, size_t n) {
    if (a->set) {
        SR_ENSURE(a->buffer != NULL || a->cb == 0, SR_INVALID_PARAMETER);
        return SR_SUCCESS;
    }
    SR_ENSURE(a->buffer != NULL, SR_INVALID_PARAMETER);
    return a->has_size ? check_size(t, n, a->attr, a->cb) : SR_SUCCESS;
}

SR_MUST_CHECK static sr context_call(api_ctx *ctx, const attr_call *a) {
    const sspi_package *pkg = ctx->pkg;
    if (a->set && !pkg->set_context_attribute) return SR_FAIL(SR_UNSUPPORTED);
    sr r;
    pthread_mutex_lock(&ctx->lock);
    if (a->set) {
        r = ctx->pkg_ctx
                ? pkg->set_context_attribute(ctx->pkg_ctx, a->attr, a->buffer, a->cb, a->unicode)
                : SR_FAIL(SR_INVALID_HANDLE);
    } else {
        r = pkg->query_context_attribute && ctx->pkg_ctx
                ? pkg->query_context_attribute(ctx->pkg_ctx, a->attr, a->buffer, a->unicode)
                : SR_FAIL(SR_UNSUPPORTED);
    }
    pthread_mutex_unlock(&ctx->lock);
    if (!a->set && r.code == SR_UNSUPPORTED && a->attr == SECPKG_ATTR_PACKAGE_INFO)
        r = pkg_attr_package_info(pkg, a->buffer, a->unicode);
    return r;
}

SR_MUST_CHECK static sr cred_call(api_cred *c, const attr_call *a) {
    const sspi_package *pkg = c->pkg;
    if (a->set) {
        return pkg->set_credentials_attribute
                   ? pkg->set_credentials_attribute(c->pkg_cred, a->attr, a->buffer, a->cb,
                                                    a->unicode)
                   : SR_FAIL(SR_UNSUPPORTED);
    }
    return pkg->query_credentials_attribute
               ? pkg->query_credentials_attribute(c->pkg_cred, a->attr, a->buffer, a->unicode)
               : SR_FAIL(SR_UNSUPPORTED);
}

/* Look the handle up (a context when is_ctx, else a credential), check the
 * arguments, hand the call to the package. */
SR_MUST_CHECK static sr attr_run(const SecHandle *h, bool is_ctx, const attr_call *a) {
    api_ref ref;
    api_ctx *ctx = NULL;
    api_cred *cred = NULL;
    SR_TRY(is_ctx ? api_ctx_get(h, &ref, &ctx) : api_cred_get(h, &ref, &cred));
    sr r = is_ctx ? check_args(a, context_sizes, sizeof context_sizes / sizeof context_sizes[0])
                  : check_args(a, cred_sizes, sizeof cred_sizes / sizeof cred_sizes[0]);
    if (sr_is_ok(r)) r = is_ctx ? context_call(ctx, a) : cred_call(cred, a);
    api_release(&ref);
    return r;
}

SECURITY_STATUS api_query_context_attr(const char *fn, PCtxtHandle phContext, ULONG attr,
                                       void *buffer, bool has_size, ULONG cb, bool unicode) {
    const attr_call a = {attr, buffer, cb, has_size, unicode, false};
    return api_status(fn, attr_run(phContext, true, &a));
}

SECURITY_STATUS api_query_cred_attr(const char *fn, PCredHandle phCredential, ULONG attr,
                                    void *buffer, bool has_size, ULONG cb, bool unicode) {
    const attr_call a = {attr, buffer, cb, has_size, unicode, false};
    return api_status(fn, attr_run(phCredential, false, &a));
}

SECURITY_STATUS api_set_context_attr(const char *fn, PCtxtHandle phContext, ULONG attr,
                                     void *buffer, ULONG cb, bool unicode) {
    const attr_call a = {attr, buffer, cb, false, unicode, true};
    return api_status(fn, attr_run(phContext, true, &a));
}

SECURITY_STATUS api_set_cred_attr(const char *fn, PCredHandle phCredential, ULONG attr,
                                  void *buffer, ULONG cb, bool unicode) {
    const attr_call a = {attr, buffer, cb, false, unicode, true};
    return api_status(fn, attr_run(phCredential, false, &a));
}

/* ---- exports ---- */

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY QueryContextAttributesA(PCtxtHandle phContext,
                                                              ULONG ulAttribute, void *pBuffer) {
    return api_query_context_attr("QueryContextAttributesA", phContext, ulAttribute, pBuffer,
                                  false, 0, false);
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY QueryContextAttributesW(PCtxtHandle phContext,
                                                              ULONG ulAttribute, void *pBuffer) {
    return api_query_context_attr("QueryContextAttributesW", phContext, ulAttribute, pBuffer,
                                  false, 0, true);
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY QueryContextAttributesExA(PCtxtHandle phContext,
                                                                ULONG ulAttribute, void *pBuffer,
                                                                ULONG cbBuffer) {
    return api_query_context_attr("QueryContextAttributesExA", phContext, ulAttribute, pBuffer,
                                  true, cbBuffer, false);
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY QueryContextAttributesExW(PCtxtHandle phContext,
                                                                ULONG ulAttribute, void *pBuffer,
                                                                ULONG cbBuffer) {
    return api_query_context_attr("QueryContextAttributesExW", phContext, ulAttribute, pBuffer,
                                  true, cbBuffer, true);
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY SetContextAttributesA(PCtxtHandle phContext,
                                                            ULONG ulAttribute, void *pBuffer,
                                                            ULONG cbBuffer) {
    return api_set_context_attr("SetContextAttributesA", phContext, ulAttribute, pBuffer,
                                cbBuffer, false);
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY SetContextAttributesW(PCtxtHandle phContext,
                                                            ULONG ulAttribute, void *pBuffer,
                                                            ULONG cbBuffer) {
    return api_set_context_attr("SetContextAttributesW", phContext, ulAttribute, pBuffer,
                                cbBuffer, true);
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY QueryCredentialsAttributesA(PCredHandle phCredential,
                                                                  ULONG ulAttribute,
                                                                  void *pBuffer) {
    return api_query_cred_attr("QueryCredentialsAttributesA", phCredential, ulAttribute,
                               pBuffer, false, 0, false);
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY QueryCredentialsAttributesW(PCredHandle phCredential,
                                                                  ULONG ulAttribute,
                                                                  void *pBuffer) {
    return api_query_cred_attr("QueryCredentialsAttributesW", phCredential, ulAttribute,
                               pBuffer, false, 0, true);
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY QueryCredentialsAttributesExA(PCredHandle phCredential,
                                                                    ULONG ulAttribute,
                                                                    void *pBuffer,
                                                                    ULONG cbBuffer) {
    return api_query_cred_attr("QueryCredentialsAttributesExA", phCredential, ulAttribute,
                               pBuffer, true, cbBuffer, false);
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY QueryCredentialsAttributesExW(PCredHandle phCredential,
                                                                    ULONG ulAttribute,
                                                                    void *pBuffer,
                                                                    ULONG cbBuffer) {
    return api_query_cred_attr("QueryCredentialsAttributesExW", phCredential, ulAttribute,
                               pBuffer, true, cbBuffer, true);
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY SetCredentialsAttributesA(PCredHandle phCredential,
                                                                ULONG ulAttribute, void *pBuffer,
                                                                ULONG cbBuffer) {
    return api_set_cred_attr("SetCredentialsAttributesA", phCredential, ulAttribute, pBuffer,
                             cbBuffer, false);
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY SetCredentialsAttributesW(PCredHandle phCredential,
                                                                ULONG ulAttribute, void *pBuffer,
                                                                ULONG cbBuffer) {
    return api_set_cred_attr("SetCredentialsAttributesW", phCredential, ulAttribute, pBuffer,
                             cbBuffer, true);
}
