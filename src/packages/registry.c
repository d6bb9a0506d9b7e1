/*
 * The package registry: the packages compiled into this build.
 *
 * Each known package is referenced weakly, so the registry links whether or
 * not the package's folder has been written yet; an absent package has a
 * NULL address and is skipped. Order follows Windows'
 * EnumerateSecurityPackages (Negotiate first).
 *
 * Note for white-box tests linking the static library sspi_internal: a weak
 * reference does not pull an archive member in, so a test that wants a
 * package through the registry must reference that package's symbol itself
 * (the shared library links every object and always sees them all).
 */
#include <stddef.h>

#include "core/unicode.h"
#include "packages/package.h"
#include "packages/registry_test.h"

#define SSPI_WEAK __attribute__((weak))

extern const sspi_package sspi_negotiate_package SSPI_WEAK;
extern const sspi_package sspi_kerberos_package SSPI_WEAK;
extern const sspi_package sspi_ntlm_package SSPI_WEAK;
extern const sspi_package sspi_digest_package SSPI_WEAK;
extern const sspi_package sspi_schannel_package SSPI_WEAK;
extern const sspi_package sspi_credssp_package SSPI_WEAK;

static const sspi_package *test_package;

/* The i-th present package, or NULL past the end. */
static const sspi_package *nth_present(size_t index) {
    const sspi_package *known[] = {
        &sspi_negotiate_package, &sspi_kerberos_package, &sspi_ntlm_package,
        &sspi_digest_package,    &sspi_schannel_package, &sspi_credssp_package,
        test_package,
    };
    size_t seen = 0;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        if (!known[i] || !known[i]->name) continue;
        if (seen++ == index) return known[i];
    }
    return NULL;
}

size_t sspi_package_count(void) {
    size_t n = 0;
    while (nth_present(n)) n++;
    return n;
}

const sspi_package *sspi_package_at(size_t index) { return nth_present(index); }

const sspi_package *sspi_package_find(const char *name) {
    if (!name) return NULL;
    for (size_t i = 0;; i++) {
        const sspi_package *p = nth_present(i);
        if (!p) return NULL;
        if (utf8_casecmp(p->name, name) == 0) return p;
    }
}

void sspi_registry_set_test_package(const sspi_package *p) { test_package = p; }
