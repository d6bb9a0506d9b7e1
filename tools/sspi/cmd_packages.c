/*
 * sspi packages [NAME]
 *
 * Without NAME: EnumerateSecurityPackagesA, one block per package.
 * With NAME: QuerySecurityPackageInfoA for that package (exit 1 and the
 * status name, e.g. SEC_E_SECPKG_NOT_FOUND, when it is unknown).
 * The arrays are released with FreeContextBuffer, as on Windows.
 */
#include <stdio.h>
#include <string.h>

#include "tool.h"

void cmd_packages_help(FILE *out) {
    fprintf(out,
            "For each package prints its name, comment, capabilities (SECPKG_FLAG_*\n"
            "names), maximum token size, version and RPC identifier, as Windows'\n"
            "SecPkgInfo reports them.\n"
            "\n"
            "examples:\n"
            "  sspi packages\n"
            "  sspi packages NTLM\n");
}

static void print_package(const SecPkgInfoA *p) {
    char flags[TOOL_FLAGS_BUFLEN];
    printf("%s\n", p->Name ? p->Name : "(null)");
    printf("  comment:      %s\n", p->Comment ? p->Comment : "");
    printf("  capabilities: 0x%08x %s\n", (unsigned)p->fCapabilities,
           tool_flags_format(tool_secpkg_flags, (uint32_t)p->fCapabilities, "SECPKG_FLAG_", " ",
                             flags, sizeof flags));
    printf("  max token:    %u bytes\n", (unsigned)p->cbMaxToken);
    printf("  version:      %u\n", (unsigned)p->wVersion);
    printf("  RPC id:       %u\n", (unsigned)p->wRPCID);
}

static int show_one(const char *name) {
    PSecPkgInfoA info = NULL;
    SECURITY_STATUS st = QuerySecurityPackageInfoA((SEC_CHAR *)name, &info);
    if (st != SEC_E_OK) {
        char what[128];
        snprintf(what, sizeof what, "QuerySecurityPackageInfoA(\"%s\")", name);
        return tool_fail(what, st);
    }
    print_package(info);
    st = FreeContextBuffer(info);
    if (st != SEC_E_OK) return tool_fail("FreeContextBuffer", st);
    return TOOL_EXIT_OK;
}

int cmd_packages(int argc, char **argv) {
    const char *name = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            if (i + 1 < argc) name = argv[i + 1];
            if (i + 2 < argc) goto usage;
            break;
        }
        if (argv[i][0] == '-' || name) goto usage;
        name = argv[i];
    }
    if (name) return show_one(name);

    ULONG count = 0;
    PSecPkgInfoA pkgs = NULL;
    SECURITY_STATUS st = EnumerateSecurityPackagesA(&count, &pkgs);
    if (st != SEC_E_OK) return tool_fail("EnumerateSecurityPackagesA", st);
    for (ULONG i = 0; i < count; i++) {
        if (i) putchar('\n');
        print_package(&pkgs[i]);
    }
    if (count == 0) printf("(no security packages)\n");
    if (pkgs) {
        st = FreeContextBuffer(pkgs);
        if (st != SEC_E_OK) return tool_fail("FreeContextBuffer", st);
    }
    return fflush(stdout) == 0 ? TOOL_EXIT_OK : TOOL_EXIT_FAIL;

usage:
    fprintf(stderr, "usage: sspi packages [NAME]\n");
    return TOOL_EXIT_USAGE;
}
