/*
 * The package registry: the packages compiled into this build.
 *
 * Negotiate, Kerberos and NTLM are referenced strongly, so that any link of
 * the library (shared, or the static sspi_internal archive) pulls them in.
 * Packages not written yet (Digest, Schannel, CredSSP) are referenced weakly:
 * an absent one has a NULL address and is skipped, so adding one is only a
 * matter of writing its folder. Order follows Windows'
 * EnumerateSecurityPackages (Negotiate first).
 */
#include <stddef.h>

#include "core/unicode.h"
#include "packages/package.h"
#include "packages/registry_test.h"

#define SSPI_WEAK __attribute__((weak))

extern const sspi_package sspi_negotiate_package;
extern const sspi_package sspi_kerberos_package;
extern const sspi_package sspi_ntlm_package;
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
