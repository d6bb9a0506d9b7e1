/*
 * Credential handles: AcquireCredentialsHandleA/W, FreeCredentialsHandle,
 * AddCredentialsA/W and ChangeAccountPasswordA/W (both unsupported).
 */
#include <stdlib.h>

#include "api/api_internal.h"
#include "core/identity.h"

static void cred_destroy(void *p) {
    api_cred *c = p;
    if (!c) return;
    if (c->pkg_cred && c->pkg->free_credentials) c->pkg->free_credentials(c->pkg_cred);
    free(c);
}

SR_MUST_CHECK static sr acquire(const char *principal, const char *package, ULONG use,
                                void *auth_data, bool unicode, SEC_GET_KEY_FN get_key,
                                void *get_key_arg, PCredHandle phCredential,
                                PTimeStamp ptsExpiry) {
    SR_ENSURE(phCredential != NULL, SR_INVALID_PARAMETER);
    const sspi_package *pkg = sspi_package_find(package);
    SR_ENSURE(pkg != NULL, SR_SECPKG_NOT_FOUND);
    SR_ENSURE((use & SECPKG_CRED_BOTH) != 0, SR_INVALID_PARAMETER);
    SR_ENSURE(pkg->acquire_credentials != NULL, SR_UNSUPPORTED);

    sspi_identity *identity = NULL;
    sspi_cred_request req = {0};
    req.use = use;
    req.principal = principal;
    req.get_key_fn = get_key;
    req.get_key_arg = get_key_arg;
    if (auth_data && pkg->raw_auth_data) {
        req.raw_auth_data = auth_data;
    } else if (auth_data) {
        SR_TRY(sspi_identity_from_auth_data(auth_data, unicode, &identity));
        req.identity = identity;
    }
    void *pkg_cred = NULL;
    TimeStamp expiry = {0};
    sr r = pkg->acquire_credentials(&req, &pkg_cred, &expiry);
    sspi_identity_free(identity);
    if (sr_is_error(r)) return r;
    if (r.code == SR_ASYNC_CALL_PENDING) { /* network I/O, re-run later (async/async_io.h) */
        if (pkg_cred && pkg->free_credentials) pkg->free_credentials(pkg_cred);
        return r;
    }

    api_cred *c = calloc(1, sizeof *c);
    if (!c) {
        if (pkg->free_credentials) pkg->free_credentials(pkg_cred);
        return SR_FAIL(SR_NO_MEMORY);
    }
    c->pkg = pkg;
    c->pkg_cred = pkg_cred;
    c->use = use;
    sspi_handle_value v;
    sr hr = sspi_handle_new(SSPI_HANDLE_CREDENTIAL, c, cred_destroy, &v);
    if (!sr_is_ok(hr)) {
        cred_destroy(c);
        return hr;
    }
    *phCredential = api_to_sechandle(v);
    if (ptsExpiry) *ptsExpiry = expiry;
    SSPI_LOG(SSPI_LOG_DEBUG, API_LOG, "credential for %s, use 0x%x, identity %s", pkg->name,
             (unsigned)use, auth_data ? "given" : "default");
    return r;
}

SECURITY_STATUS api_acquire_credentials(const char *fn, const char *principal,
                                        const char *package, ULONG use, void *logon_id,
                                        void *auth_data, bool unicode, SEC_GET_KEY_FN get_key,
                                        void *get_key_arg, PCredHandle phCredential,
                                        PTimeStamp ptsExpiry) {
    (void)logon_id; /* no logon sessions on Linux: ignored */
    return api_status(fn, acquire(principal, package, use, auth_data, unicode, get_key,
                                  get_key_arg, phCredential, ptsExpiry));
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY AcquireCredentialsHandleA(
    SEC_CHAR *pszPrincipal, SEC_CHAR *pszPackage, ULONG fCredentialUse, void *pvLogonId,
    void *pAuthData, SEC_GET_KEY_FN pGetKeyFn, void *pvGetKeyArgument, PCredHandle phCredential,
    PTimeStamp ptsExpiry) {
    return api_acquire_credentials("AcquireCredentialsHandleA", pszPrincipal, pszPackage,
                                   fCredentialUse, pvLogonId, pAuthData, false, pGetKeyFn,
                                   pvGetKeyArgument, phCredential, ptsExpiry);
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY AcquireCredentialsHandleW(
    SEC_WCHAR *pszPrincipal, SEC_WCHAR *pszPackage, ULONG fCredentialUse, void *pvLogonId,
    void *pAuthData, SEC_GET_KEY_FN pGetKeyFn, void *pvGetKeyArgument, PCredHandle phCredential,
    PTimeStamp ptsExpiry) {
    static const char fn[] = "AcquireCredentialsHandleW";
    char *principal = NULL, *package = NULL;
    sr r = api_wide_to_utf8(pszPrincipal, &principal);
    if (sr_is_ok(r)) r = api_wide_to_utf8(pszPackage, &package);
    SECURITY_STATUS s;
    if (sr_is_ok(r)) {
        s = api_acquire_credentials(fn, principal, package, fCredentialUse, pvLogonId, pAuthData,
                                    true, pGetKeyFn, pvGetKeyArgument, phCredential, ptsExpiry);
    } else {
        s = api_status(fn, r);
    }
    api_free_utf8(principal);
    api_free_utf8(package);
    return s;
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY FreeCredentialsHandle(PCredHandle phCredential) {
    sr r = SR_FAIL(SR_INVALID_HANDLE);
    if (phCredential)
        r = sspi_handle_delete(api_from_sechandle(phCredential), SSPI_HANDLE_CREDENTIAL);
    return api_status("FreeCredentialsHandle", r);
}

/* AddCredentials: the handle is checked, then the call is refused. */
static SECURITY_STATUS add_credentials(const char *fn, PCredHandle h) {
    api_ref ref;
    api_cred *c;
    sr r = api_cred_get(h, &ref, &c);
    api_release(&ref);
    if (sr_is_ok(r)) r = SR_FAIL(SR_UNSUPPORTED);
    return api_status(fn, r);
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY AddCredentialsA(PCredHandle hCredentials,
                                                      SEC_CHAR *pszPrincipal,
                                                      SEC_CHAR *pszPackage, ULONG fCredentialUse,
                                                      void *pAuthData, SEC_GET_KEY_FN pGetKeyFn,
                                                      void *pvGetKeyArgument,
                                                      PTimeStamp ptsExpiry) {
    return add_credentials("AddCredentialsA", hCredentials);
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY AddCredentialsW(PCredHandle hCredentials,
                                                      SEC_WCHAR *pszPrincipal,
                                                      SEC_WCHAR *pszPackage, ULONG fCredentialUse,
                                                      void *pAuthData, SEC_GET_KEY_FN pGetKeyFn,
                                                      void *pvGetKeyArgument,
                                                      PTimeStamp ptsExpiry) {
    return add_credentials("AddCredentialsW", hCredentials);
}

/* ChangeAccountPassword: unknown package -> SEC_E_SECPKG_NOT_FOUND, else
 * SEC_E_UNSUPPORTED_FUNCTION (no package implements it yet). */
static SECURITY_STATUS change_password(const char *fn, const char *package) {
    sr r = sspi_package_find(package) ? SR_FAIL(SR_UNSUPPORTED) : SR_FAIL(SR_SECPKG_NOT_FOUND);
    return api_status(fn, r);
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY ChangeAccountPasswordA(
    SEC_CHAR *pszPackageName, SEC_CHAR *pszDomainName, SEC_CHAR *pszAccountName,
    SEC_CHAR *pszOldPassword, SEC_CHAR *pszNewPassword, BOOLEAN bImpersonating,
    ULONG dwReserved, PSecBufferDesc pOutput) {
    return change_password("ChangeAccountPasswordA", pszPackageName);
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY ChangeAccountPasswordW(
    SEC_WCHAR *pszPackageName, SEC_WCHAR *pszDomainName, SEC_WCHAR *pszAccountName,
    SEC_WCHAR *pszOldPassword, SEC_WCHAR *pszNewPassword, BOOLEAN bImpersonating,
    ULONG dwReserved, PSecBufferDesc pOutput) {
    static const char fn[] = "ChangeAccountPasswordW";
    char *package = NULL;
    sr r = api_wide_to_utf8(pszPackageName, &package);
    SECURITY_STATUS s = sr_is_ok(r) ? change_password(fn, package) : api_status(fn, r);
    api_free_utf8(package);
    return s;
}
