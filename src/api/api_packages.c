/*
 * Package information and caller memory: EnumerateSecurityPackagesA/W,
 * QuerySecurityPackageInfoA/W, FreeContextBuffer.
 *
 * Each answer is ONE caller block: the SecPkgInfo array first, then the
 * Name/Comment strings it points to, so a single FreeContextBuffer on the
 * returned pointer releases everything (as on Windows).
 */
#include <string.h>

#include "api/api_internal.h"
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

sr api_pkg_info_block(const sspi_package *const *pkgs, size_t n, bool unicode, void **out) {
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
        if (unicode) {
            SecPkgInfoW *w = (SecPkgInfoW *)block + i;
            w->fCapabilities = p->capabilities;
            w->wVersion = p->version;
            w->wRPCID = p->rpcid;
            w->cbMaxToken = p->max_token;
            w->Name = put_string(&pos, p->name, true);
            w->Comment = put_string(&pos, p->comment, true);
        } else {
            SecPkgInfoA *a = (SecPkgInfoA *)block + i;
            a->fCapabilities = p->capabilities;
            a->wVersion = p->version;
            a->wRPCID = p->rpcid;
            a->cbMaxToken = p->max_token;
            a->Name = put_string(&pos, p->name, false);
            a->Comment = put_string(&pos, p->comment, false);
        }
    }
    *out = block;
    return SR_SUCCESS;
}

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
    SR_TRY(api_pkg_info_block(pkgs, got, unicode, info));
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
    return api_pkg_info_block(&p, 1, unicode, info);
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
