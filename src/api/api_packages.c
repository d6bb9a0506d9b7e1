/*
 * Package information and caller memory: EnumerateSecurityPackagesA/W,
 * QuerySecurityPackageInfoA/W, FreeContextBuffer.
 *
 * Each answer is ONE caller block: the SecPkgInfo array first, then the
 * Name/Comment strings it points to, so a single FreeContextBuffer on the
 * returned pointer releases everything (as on Windows).
 */
#include "api/api_internal.h"
#include "core/memory.h"
#include "packages/pkg_attrs.h"

SR_MUST_CHECK static sr enumerate(ULONG *count, void **info, bool unicode) {
    SR_ENSURE(count != NULL && info != NULL, SR_INVALID_PARAMETER);
    *count = 0;
    *info = NULL;
    size_t n = sspi_package_count();
    if (n == 0) return SR_SUCCESS;
    const sspi_package *pkgs[64];
    if (n > sizeof pkgs / sizeof pkgs[0]) n = sizeof pkgs / sizeof pkgs[0];
    size_t got = 0;
    for (size_t i = 0; i < n; i++) {
        const sspi_package *p = sspi_package_at(i);
        if (p) pkgs[got++] = p;
    }
    SR_TRY(pkg_info_block(pkgs, got, unicode, info));
    *count = (ULONG)got;
    return SR_SUCCESS;
}

SECURITY_STATUS api_enumerate_packages(ULONG *count, void **info, bool unicode) {
    return api_status(unicode ? "EnumerateSecurityPackagesW" : "EnumerateSecurityPackagesA",
                      enumerate(count, info, unicode));
}

SR_MUST_CHECK static sr query_info(const char *name, void **info, bool unicode) {
    SR_ENSURE(info != NULL, SR_INVALID_PARAMETER);
    *info = NULL;
    const sspi_package *p = sspi_package_find(name);
    SR_ENSURE(p != NULL, SR_SECPKG_NOT_FOUND);
    return pkg_info_block(&p, 1, unicode, info);
}

SECURITY_STATUS api_query_package_info(const char *fn, const char *name, void **info,
                                       bool unicode) {
    return api_status(fn, query_info(name, info, unicode));
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY EnumerateSecurityPackagesA(ULONG *pcPackages,
                                                                 PSecPkgInfoA *ppPackageInfo) {
    return api_enumerate_packages(pcPackages, (void **)ppPackageInfo, false);
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY EnumerateSecurityPackagesW(ULONG *pcPackages,
                                                                 PSecPkgInfoW *ppPackageInfo) {
    return api_enumerate_packages(pcPackages, (void **)ppPackageInfo, true);
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY QuerySecurityPackageInfoA(SEC_CHAR *pszPackageName,
                                                                PSecPkgInfoA *ppPackageInfo) {
    return api_query_package_info("QuerySecurityPackageInfoA", pszPackageName,
                                  (void **)ppPackageInfo, false);
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY QuerySecurityPackageInfoW(SEC_WCHAR *pszPackageName,
                                                                PSecPkgInfoW *ppPackageInfo) {
    static const char fn[] = "QuerySecurityPackageInfoW";
    char *name = NULL;
    sr r = api_wide_to_utf8(pszPackageName, &name);
    SECURITY_STATUS s = sr_is_ok(r)
                            ? api_query_package_info(fn, name, (void **)ppPackageInfo, true)
                            : api_status(fn, r);
    api_free_utf8(name);
    return s;
}

/* Refuses (SEC_E_INVALID_HANDLE) pointers the library did not hand out. */
SSPI_EXPORT SECURITY_STATUS SEC_ENTRY FreeContextBuffer(void *pvContextBuffer) {
    return api_status("FreeContextBuffer", sspi_caller_free(pvContextBuffer));
}
