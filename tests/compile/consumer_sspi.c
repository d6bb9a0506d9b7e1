/*
 * An SSPI consumer written only against Microsoft's documented API, built
 * by tests/compile/install_consumer.sh against an *installed* libsspi
 * (pkg-config and CMake find_package).
 *
 * Wide strings: with -fshort-wchar, wchar_t is 16-bit and the usual
 * L"NTLM" literals are SEC_WCHAR strings, as on Windows. Without it
 * (wchar_t is 32-bit on Linux) a program spells them as u"" literals.
 */
#define SECURITY_WIN32
#include <security.h>

#include <stdio.h>
#include <string.h>

#if defined(__SIZEOF_WCHAR_T__) && __SIZEOF_WCHAR_T__ == 2
#define WIDE(s) L##s
#define WIDE_MODE "-fshort-wchar, L\"\" literals"
#else
#define WIDE(s) u##s
#define WIDE_MODE "32-bit wchar_t, u\"\" literals"
#endif

static int failures;

#define CHECK(cond)                                                             \
    do {                                                                        \
        if (!(cond)) {                                                          \
            fprintf(stderr, "consumer: %s:%d: check failed: %s\n", __FILE__,    \
                    __LINE__, #cond);                                           \
            failures++;                                                         \
        }                                                                       \
    } while (0)

/* Print a SEC_WCHAR string (ASCII only; other characters as '?'). */
static void print_wide(const SEC_WCHAR *s) {
    if (!s) {
        fputs("(null)", stdout);
        return;
    }
    for (; *s; s++) putchar(*s < 0x80 ? (int)*s : '?');
}

/* Compare a SEC_WCHAR string with an ASCII one. */
static int wide_equals_ascii(const SEC_WCHAR *w, const char *a) {
    if (!w) return 0;
    for (; *w && *a; w++, a++) {
        if ((unsigned)*w != (unsigned char)*a) return 0;
    }
    return *w == 0 && *a == 0;
}

int main(void) {
    ULONG count = 0;
    PSecPkgInfoW pkgs = NULL;
    SECURITY_STATUS status;
    int have_ntlm = 0;
    SecPkgInfoW ntlm_enum;

    printf("consumer (%s)\n", WIDE_MODE);

    status = EnumerateSecurityPackagesW(&count, &pkgs);
    CHECK(status == SEC_E_OK);
    if (status != SEC_E_OK) {
        fprintf(stderr, "EnumerateSecurityPackagesW: 0x%08x\n", (unsigned)status);
        return 1;
    }
    CHECK(count == 0 || pkgs != NULL);
    memset(&ntlm_enum, 0, sizeof ntlm_enum);
    for (ULONG i = 0; i < count; i++) {
        printf("  package ");
        print_wide(pkgs[i].Name);
        printf(" caps=0x%08lx max_token=%lu\n", (unsigned long)pkgs[i].fCapabilities,
               (unsigned long)pkgs[i].cbMaxToken);
        CHECK(pkgs[i].Name != NULL);
        if (wide_equals_ascii(pkgs[i].Name, "NTLM")) {
            have_ntlm = 1;
            ntlm_enum = pkgs[i];
        }
    }

    /* The dispatch table, as Windows applications that load security.dll
     * dynamically use it. */
    PSecurityFunctionTableW table = InitSecurityInterfaceW();
    CHECK(table != NULL);
    if (table) {
        CHECK(table->EnumerateSecurityPackagesW != NULL);
        CHECK(table->QuerySecurityPackageInfoW != NULL);
        CHECK(table->FreeContextBuffer != NULL);
        CHECK(table->AcquireCredentialsHandleW != NULL);
        CHECK(table->InitializeSecurityContextW != NULL);
        CHECK(table->AcceptSecurityContext != NULL);
    }

    PSecPkgInfoW info = NULL;
    status = QuerySecurityPackageInfoW(WIDE("NTLM"), &info);
    if (have_ntlm) {
        CHECK(status == SEC_E_OK);
        if (status == SEC_E_OK) {
            CHECK(info != NULL);
            CHECK(wide_equals_ascii(info->Name, "NTLM"));
            CHECK(info->fCapabilities == ntlm_enum.fCapabilities);
            CHECK(info->cbMaxToken == ntlm_enum.cbMaxToken);
            CHECK(info->wRPCID == ntlm_enum.wRPCID);
            CHECK(FreeContextBuffer(info) == SEC_E_OK);
        }
        if (table && table->QuerySecurityPackageInfoW) {
            info = NULL;
            status = table->QuerySecurityPackageInfoW(WIDE("ntlm"), &info);
            CHECK(status == SEC_E_OK); /* names are case-insensitive */
            if (status == SEC_E_OK) CHECK(table->FreeContextBuffer(info) == SEC_E_OK);
        }
    } else {
        printf("  (NTLM not registered in this build)\n");
        CHECK(status == SEC_E_SECPKG_NOT_FOUND);
    }

    info = NULL;
    status = QuerySecurityPackageInfoW(WIDE("NoSuchPackage"), &info);
    CHECK(status == SEC_E_SECPKG_NOT_FOUND);

    CHECK(FreeContextBuffer(pkgs) == SEC_E_OK);

    if (failures) {
        fprintf(stderr, "consumer: %d check(s) failed\n", failures);
        return 1;
    }
    printf("consumer: ok\n");
    return 0;
}
