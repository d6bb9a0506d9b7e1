#!/usr/bin/env bash
# Compiles translation units that include only <security.h> (and <sspi.h>,
# <libsspi.h>), as strict C11, as C11 with -fshort-wchar (L"..." passed to
# SEC_WCHAR * without a cast) and as C++; also checks the Windows layout of
# the main structures with static assertions.
# usage: header_standalone.sh BUILD_DIR SOURCE_DIR
set -eu
BUILD_DIR=${1:?build dir}
SOURCE_DIR=${2:?source dir}
INC="$SOURCE_DIR/include"
WORK="$BUILD_DIR/tests/compile/header_standalone"
mkdir -p "$WORK"
CC=${CC:-cc}
CXX=${CXX:-c++}
WARN="-Wall -Wextra -Werror -pedantic -Wshadow -Wstrict-prototypes"
fail=0

cat > "$WORK/layout.h" <<'EOT'
/* Windows layout (LLP64 / LP64 pointers, 4-byte ULONG). */
#if defined(__cplusplus)
#define SA(c, m) static_assert(c, m)
#else
#define SA(c, m) _Static_assert(c, m)
#endif
#define P sizeof(void *)
SA(sizeof(ULONG) == 4, "ULONG is 32-bit");
SA(sizeof(LONG) == 4, "LONG is 32-bit");
SA(sizeof(DWORD) == 4 && sizeof(DWORD) == sizeof(ULONG), "DWORD is 32-bit, like ULONG");
SA(sizeof(USHORT) == 2, "USHORT");
SA(sizeof(UCHAR) == 1 && sizeof(BOOLEAN) == 1, "UCHAR/BOOLEAN");
SA(sizeof(SEC_WCHAR) == 2, "SEC_WCHAR is UTF-16");
SA(sizeof(WCHAR) == 2, "WCHAR is UTF-16");
SA(sizeof(SECURITY_STATUS) == 4, "SECURITY_STATUS");
SA(sizeof(ULONG_PTR) == P, "ULONG_PTR");
SA(sizeof(LARGE_INTEGER) == 8 && sizeof(TimeStamp) == 8, "LARGE_INTEGER");
SA(offsetof(LARGE_INTEGER, u.HighPart) == 4, "LARGE_INTEGER.u");
SA(sizeof(SecHandle) == 2 * P, "SecHandle");
SA(offsetof(SecHandle, dwUpper) == P, "SecHandle.dwUpper");
SA(offsetof(SecBuffer, cbBuffer) == 0, "SecBuffer.cbBuffer");
SA(offsetof(SecBuffer, BufferType) == 4, "SecBuffer.BufferType");
SA(offsetof(SecBuffer, pvBuffer) == 8, "SecBuffer.pvBuffer");
SA(sizeof(SecBuffer) == 8 + P, "SecBuffer size");
SA(offsetof(SecBufferDesc, cBuffers) == 4, "SecBufferDesc.cBuffers");
SA(offsetof(SecBufferDesc, pBuffers) == 8, "SecBufferDesc.pBuffers");
SA(offsetof(SecPkgInfoW, fCapabilities) == 0, "SecPkgInfoW.fCapabilities");
SA(offsetof(SecPkgInfoW, wVersion) == 4, "SecPkgInfoW.wVersion");
SA(offsetof(SecPkgInfoW, wRPCID) == 6, "SecPkgInfoW.wRPCID");
SA(offsetof(SecPkgInfoW, cbMaxToken) == 8, "SecPkgInfoW.cbMaxToken");
SA(offsetof(SecPkgInfoW, Name) == (P == 8 ? 16 : 12), "SecPkgInfoW.Name");
SA(offsetof(SecPkgInfoW, Comment) == (P == 8 ? 24 : 16), "SecPkgInfoW.Comment");
SA(offsetof(SecPkgInfoA, Comment) == offsetof(SecPkgInfoW, Comment), "SecPkgInfoA");
SA(offsetof(SEC_WINNT_AUTH_IDENTITY_W, User) == 0, "AUTH_IDENTITY.User");
SA(offsetof(SEC_WINNT_AUTH_IDENTITY_W, UserLength) == P, "AUTH_IDENTITY.UserLength");
SA(offsetof(SEC_WINNT_AUTH_IDENTITY_W, Domain) == 2 * P, "AUTH_IDENTITY.Domain");
SA(offsetof(SEC_WINNT_AUTH_IDENTITY_W, DomainLength) == 3 * P, "AUTH_IDENTITY.DomainLength");
SA(offsetof(SEC_WINNT_AUTH_IDENTITY_W, Password) == 4 * P, "AUTH_IDENTITY.Password");
SA(offsetof(SEC_WINNT_AUTH_IDENTITY_W, PasswordLength) == 5 * P, "AUTH_IDENTITY.PasswordLength");
SA(offsetof(SEC_WINNT_AUTH_IDENTITY_W, Flags) == 5 * P + 4, "AUTH_IDENTITY.Flags");
SA(sizeof(SEC_WINNT_AUTH_IDENTITY_W) == (P == 8 ? 48 : 28), "AUTH_IDENTITY size");
SA(sizeof(SEC_WINNT_AUTH_IDENTITY_A) == sizeof(SEC_WINNT_AUTH_IDENTITY_W), "AUTH_IDENTITY_A");
SA(offsetof(SEC_WINNT_AUTH_IDENTITY_EXW, User) == 8, "AUTH_IDENTITY_EXW.User");
SA(offsetof(SEC_WINNT_AUTH_IDENTITY_EXW, Flags) == 8 + 5 * P + 4, "AUTH_IDENTITY_EXW.Flags");
SA(offsetof(SEC_WINNT_AUTH_IDENTITY_EXW, PackageList) == (P == 8 ? 56 : 36), "AUTH_IDENTITY_EXW.PackageList");
SA(sizeof(SEC_WINNT_AUTH_IDENTITY_EXW) == (P == 8 ? 72 : 44), "AUTH_IDENTITY_EXW size");
SA(offsetof(SEC_WINNT_AUTH_IDENTITY_EX2, cbStructureLength) == 8, "EX2.cbStructureLength");
SA(offsetof(SEC_WINNT_AUTH_IDENTITY_EX2, PackageListLength) == 44, "EX2.PackageListLength");
SA(sizeof(SEC_WINNT_AUTH_IDENTITY_EX2) == 48, "EX2 size");
SA(sizeof(SEC_CHANNEL_BINDINGS) == 32, "SEC_CHANNEL_BINDINGS");
SA(sizeof(SecPkgContext_Sizes) == 16, "SecPkgContext_Sizes");
SA(sizeof(SecPkgContext_StreamSizes) == 20, "SecPkgContext_StreamSizes");
SA(offsetof(SecPkgContext_SessionKey, SessionKey) == P, "SecPkgContext_SessionKey");
SA(offsetof(SecPkgContext_NegotiationInfoW, NegotiationState) == P, "NegotiationInfoW");
SA(offsetof(SecPkgContext_Lifespan, tsExpiry) == 8, "Lifespan");
SA(offsetof(UNICODE_STRING, Buffer) == P, "UNICODE_STRING.Buffer");
SA(sizeof(SECURITY_STRING) == 2 * P, "SECURITY_STRING");
/* SecurityFunctionTable: ULONG dwVersion padded to a pointer, then one
 * pointer per slot, in the exact Windows order. */
#define SLOT(T, f, i) SA(offsetof(T, f) == (i) * P, #T "." #f)
SLOT(SecurityFunctionTableW, EnumerateSecurityPackagesW, 1);
SLOT(SecurityFunctionTableW, QueryCredentialsAttributesW, 2);
SLOT(SecurityFunctionTableW, AcquireCredentialsHandleW, 3);
SLOT(SecurityFunctionTableW, FreeCredentialsHandle, 4);
SLOT(SecurityFunctionTableW, Reserved2, 5);
SLOT(SecurityFunctionTableW, InitializeSecurityContextW, 6);
SLOT(SecurityFunctionTableW, AcceptSecurityContext, 7);
SLOT(SecurityFunctionTableW, CompleteAuthToken, 8);
SLOT(SecurityFunctionTableW, DeleteSecurityContext, 9);
SLOT(SecurityFunctionTableW, ApplyControlToken, 10);
SLOT(SecurityFunctionTableW, QueryContextAttributesW, 11);
SLOT(SecurityFunctionTableW, ImpersonateSecurityContext, 12);
SLOT(SecurityFunctionTableW, RevertSecurityContext, 13);
SLOT(SecurityFunctionTableW, MakeSignature, 14);
SLOT(SecurityFunctionTableW, VerifySignature, 15);
SLOT(SecurityFunctionTableW, FreeContextBuffer, 16);
SLOT(SecurityFunctionTableW, QuerySecurityPackageInfoW, 17);
SLOT(SecurityFunctionTableW, Reserved3, 18);
SLOT(SecurityFunctionTableW, Reserved4, 19);
SLOT(SecurityFunctionTableW, ExportSecurityContext, 20);
SLOT(SecurityFunctionTableW, ImportSecurityContextW, 21);
SLOT(SecurityFunctionTableW, AddCredentialsW, 22);
SLOT(SecurityFunctionTableW, Reserved8, 23);
SLOT(SecurityFunctionTableW, QuerySecurityContextToken, 24);
SLOT(SecurityFunctionTableW, EncryptMessage, 25);
SLOT(SecurityFunctionTableW, DecryptMessage, 26);
SLOT(SecurityFunctionTableW, SetContextAttributesW, 27);
SLOT(SecurityFunctionTableW, SetCredentialsAttributesW, 28);
SLOT(SecurityFunctionTableW, ChangeAccountPasswordW, 29);
SLOT(SecurityFunctionTableW, QueryContextAttributesExW, 30);
SLOT(SecurityFunctionTableW, QueryCredentialsAttributesExW, 31);
SA(sizeof(SecurityFunctionTableW) == 32 * P, "SecurityFunctionTableW size");
SLOT(SecurityFunctionTableA, EnumerateSecurityPackagesA, 1);
SLOT(SecurityFunctionTableA, AcquireCredentialsHandleA, 3);
SLOT(SecurityFunctionTableA, InitializeSecurityContextA, 6);
SLOT(SecurityFunctionTableA, QueryContextAttributesA, 11);
SLOT(SecurityFunctionTableA, QuerySecurityPackageInfoA, 17);
SLOT(SecurityFunctionTableA, ImportSecurityContextA, 21);
SLOT(SecurityFunctionTableA, AddCredentialsA, 22);
SLOT(SecurityFunctionTableA, ChangeAccountPasswordA, 29);
SLOT(SecurityFunctionTableA, QueryCredentialsAttributesExA, 31);
SA(sizeof(SecurityFunctionTableA) == 32 * P, "SecurityFunctionTableA size");
SA(SEC_E_LOGON_DENIED < 0 && SEC_I_CONTINUE_NEEDED > 0, "status signs");
SA(LIBSSPI_VERSION_MAJOR == 0 && LIBSSPI_VERSION_MINOR == 1, "version");
SA(SEC_WINNT_AUTH_IDENTITY_LIBSSPI_NT_HASH == 0x01000000, "NT hash flag");
EOT

# 1. Strict C11, only <security.h>, with SECURITY_WIN32.
cat > "$WORK/c11.c" <<'EOT'
#define SECURITY_WIN32
#include <security.h>
#include <stddef.h>
#include "layout.h"
/* Not called: only checks that the prototypes and types fit together. */
SECURITY_STATUS use_api(void);
SECURITY_STATUS use_api(void)
{
    CredHandle cred;
    CtxtHandle ctx;
    TimeStamp expiry;
    SecBuffer buf = { 0, SECBUFFER_TOKEN, NULL };
    SecBufferDesc desc = { SECBUFFER_VERSION, 1, &buf };
    ULONG attrs = 0;
    SecPkgContext_Sizes sizes;
    PSecurityFunctionTableW tbl = InitSecurityInterfaceW();
    SECURITY_STATUS st;
    SecInvalidateHandle(&ctx);
    st = AcquireCredentialsHandleA(NULL, (SEC_CHAR *)NTLMSP_NAME_A, SECPKG_CRED_OUTBOUND,
                                   NULL, NULL, NULL, NULL, &cred, &expiry);
    if (st != SEC_E_OK)
        return st;
    st = tbl->InitializeSecurityContextW(&cred, NULL, NULL, ISC_REQ_CONFIDENTIALITY, 0,
                                         SECURITY_NATIVE_DREP, NULL, 0, &ctx, &desc,
                                         &attrs, &expiry);
    if (st == SEC_I_CONTINUE_NEEDED && SecIsValidHandle(&ctx))
        st = QueryContextAttributesA(&ctx, SECPKG_ATTR_SIZES, &sizes);
    DeleteSecurityContext(&ctx);
    FreeCredentialsHandle(&cred);
    return st;
}
EOT
if ! "$CC" -std=c11 $WARN -I"$INC" -I"$WORK" -c "$WORK/c11.c" -o "$WORK/c11.o"; then
    echo "FAIL: <security.h> as strict C11"; fail=1
fi

# 2. Without SECURITY_WIN32, <sspi.h> alone, and <libsspi.h> alone, with UNICODE.
for hdr in sspi.h libsspi.h issperr.h; do
    printf '#define UNICODE\n#include <%s>\nint x_%s;\n' "$hdr" "${hdr%.h}" > "$WORK/only_${hdr%.h}.c"
    if ! "$CC" -std=c11 $WARN -I"$INC" -c "$WORK/only_${hdr%.h}.c" -o "$WORK/only_${hdr%.h}.o"; then
        echo "FAIL: <$hdr> alone"; fail=1
    fi
done

# 3. -fshort-wchar: L"..." literals passed to SEC_WCHAR * unchanged.
cat > "$WORK/shortwchar.c" <<'EOT'
#define SECURITY_WIN32
#define UNICODE
#include <security.h>
#include <sspi.h>
#include <stddef.h>
#include "layout.h"
_Static_assert(sizeof(L"NTLM") == 10, "16-bit wchar_t");
SECURITY_STATUS use_w(void);
SECURITY_STATUS use_w(void)
{
    CredHandle cred;
    TimeStamp expiry;
    PSecPkgInfoW info = NULL;
    SecPkgInfo *generic;
    SECURITY_STATUS st = AcquireCredentialsHandleW(NULL, L"NTLM", SECPKG_CRED_OUTBOUND, NULL,
                                                   NULL, NULL, NULL, &cred, &expiry);
    if (st == SEC_E_OK)
        st = QuerySecurityPackageInfo(NEGOSSP_NAME, &info);
    generic = info;
    if (st == SEC_E_OK)
        FreeContextBuffer(generic);
    return QuerySecurityPackageInfoW(NTLMSP_NAME, &info);
}
EOT
if ! "$CC" -std=c11 -fshort-wchar $WARN -I"$INC" -I"$WORK" -c "$WORK/shortwchar.c" -o "$WORK/shortwchar.o"; then
    echo "FAIL: -fshort-wchar L\"...\" literals"; fail=1
fi

# 4. Default 32-bit wchar_t: LIBSSPI_WSTR / *_NAME_W give UTF-16 literals.
cat > "$WORK/wstr.c" <<'EOT'
#include <sspi.h>
SECURITY_STATUS use_wstr(void);
SECURITY_STATUS use_wstr(void)
{
    PSecPkgInfoW info;
    SEC_WCHAR *p = LIBSSPI_WSTR("Negotiate");
    (void)p;
    return QuerySecurityPackageInfoW(NTLMSP_NAME_W, &info);
}
EOT
if ! "$CC" -std=c11 $WARN -I"$INC" -c "$WORK/wstr.c" -o "$WORK/wstr.o"; then
    echo "FAIL: LIBSSPI_WSTR with 32-bit wchar_t"; fail=1
fi

# 5. C++ (extern "C", anonymous struct in LARGE_INTEGER under -pedantic).
cat > "$WORK/cxx.cpp" <<'EOT'
#define SECURITY_WIN32
#include <security.h>
#include <cstddef>
#include "layout.h"
extern "C" SECURITY_STATUS SEC_ENTRY my_free(void *) { return SEC_E_OK; }
SECURITY_STATUS use_cxx();
SECURITY_STATUS use_cxx()
{
    FREE_CONTEXT_BUFFER_FN fn = &FreeContextBuffer;
    FREE_CONTEXT_BUFFER_FN mine = &my_free;
    SecurityFunctionTableW tbl = {};
    LARGE_INTEGER li;
    PSecPkgInfoW info;
    li.QuadPart = 0;
    li.LowPart = 1;
    tbl.FreeContextBuffer = mine;
    (void)fn;
    return QuerySecurityPackageInfoW(NTLMSP_NAME_W, &info) + tbl.FreeContextBuffer(NULL) +
           (SECURITY_STATUS)li.u.LowPart;
}
EOT
for std in c++11 c++17; do
    if ! "$CXX" -std=$std $WARN -Wno-strict-prototypes -I"$INC" -I"$WORK" -c "$WORK/cxx.cpp" -o "$WORK/cxx.o" 2>"$WORK/cxx.err"; then
        # -Wstrict-prototypes is C-only; some compilers reject it for C++.
        if grep -q "strict-prototypes" "$WORK/cxx.err" && \
           "$CXX" -std=$std -Wall -Wextra -Werror -pedantic -Wshadow -I"$INC" -I"$WORK" -c "$WORK/cxx.cpp" -o "$WORK/cxx.o"; then
            continue
        fi
        cat "$WORK/cxx.err"; echo "FAIL: C++ ($std)"; fail=1
    fi
done
if ! "$CXX" -std=c++11 -fshort-wchar -Wall -Wextra -Werror -pedantic -I"$INC" -I"$WORK" -c "$WORK/cxx.cpp" -o "$WORK/cxx_sw.o"; then
    echo "FAIL: C++ with -fshort-wchar"; fail=1
fi

# 6. Including everything twice, in both orders.
printf '#include <sspi.h>\n#include <security.h>\n#include <issperr.h>\n#include <libsspi.h>\n#include <sspi.h>\nint twice;\n' > "$WORK/twice.c"
printf '#include <libsspi.h>\n#include <issperr.h>\n#include <security.h>\nint twice2;\n' > "$WORK/twice2.c"
for f in twice twice2; do
    if ! "$CC" -std=c11 $WARN -I"$INC" -c "$WORK/$f.c" -o "$WORK/$f.o"; then
        echo "FAIL: repeated inclusion ($f)"; fail=1
    fi
done

if [ "$fail" -ne 0 ]; then
    exit 1
fi
echo "PASS: public headers are standalone C11 / C++ / -fshort-wchar clean, layouts match Windows"
