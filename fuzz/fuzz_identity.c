/*
 * libFuzzer target for pAuthData of AcquireCredentialsHandle:
 * SEC_WINNT_AUTH_IDENTITY_A/W and _EXA/_EXW (src/core/identity.c), then the
 * Negotiate PackageList filter and AcquireCredentialsHandleA/W("NTLM").
 *
 * Input: byte 0 = form (bit 0 EX, bit 1 W call, bit 2 EX Length wrong,
 * bits 3..6 NULL pointers for user/domain/password/packages, bit 7 raw
 * flags); bytes 1..4 = Flags (little-endian; unless bit 7, only ANSI,
 * UNICODE, the NT-hash flag and one junk bit are kept); then up to four
 * strings, each a 2-byte length (bytes) and its bytes; a string is given in
 * an exact-size heap buffer (16-bit units when the flags say UNICODE, odd
 * byte dropped), so ASan sees any read past it. A NULL pointer keeps its
 * length (that must be refused, not followed).
 *
 * Checked (abort() otherwise): failures are SR_UNKNOWN_CREDENTIALS,
 * SR_INVALID_PARAMETER or SR_NO_MEMORY with *out NULL; a parsed identity
 * has valid NUL-free UTF-8 strings, password_len = strlen(password), an
 * empty password with the NT-hash flag, consistent anonymous/upn flags,
 * and clones equal; the public API agrees on success/failure.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libsspi.h>
#include <sspi.h>

#include "core/identity.h"
#include "core/unicode.h"
#include "packages/negotiate/mech.h"
#include "packages/negotiate/negotiate_context.h"
#include "packages/package.h"

/* Registry references are weak: keep NTLM in the static link. */
extern const sspi_package sspi_ntlm_package;
static const sspi_package *const fz_linked_ntlm __attribute__((used)) = &sspi_ntlm_package;

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

typedef struct field {
    void *p;
    ULONG len; /* characters */
} field;

static void valid_utf8(const char *s) {
    CHECK(s != NULL);
    uint16_t *u = NULL;
    size_t n = 0;
    CHECK(sr_is_ok(utf8_to_utf16_units(s, strlen(s), &u, &n)));
    free(u);
}

static void check_identity(const sspi_identity *id, ULONG flags) {
    valid_utf8(id->user);
    valid_utf8(id->domain);
    valid_utf8(id->password);
    CHECK(strlen(id->password) == id->password_len);
    if (id->package_list) valid_utf8(id->package_list);
    CHECK(id->flags == flags);
    CHECK(id->has_nt_hash == ((flags & SEC_WINNT_AUTH_IDENTITY_LIBSSPI_NT_HASH) != 0));
    if (id->has_nt_hash) CHECK(id->password_len == 0);
    CHECK(id->anonymous == (!id->has_nt_hash && !id->user[0] && !id->domain[0] &&
                            id->password_len == 0));
    if (id->upn) CHECK(strchr(id->user, '@') != NULL);

    sspi_identity *c = NULL;
    sr r = sspi_identity_clone(id, &c);
    CHECK(sr_is_ok(r) || r.code == SR_NO_MEMORY);
    if (sr_is_ok(r)) {
        CHECK(strcmp(c->user, id->user) == 0 && strcmp(c->domain, id->domain) == 0);
        CHECK(c->password_len == id->password_len &&
              memcmp(c->password, id->password, id->password_len + 1) == 0);
        CHECK(c->has_nt_hash == id->has_nt_hash && memcmp(c->nt_hash, id->nt_hash, 16) == 0);
        CHECK((c->package_list == NULL) == (id->package_list == NULL));
        sspi_identity_free(c);
    }
    for (size_t i = 0; i < nego_mech_count; i++)
        (void)nego_package_list_allows(id->package_list, &nego_mechs[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 5) return 0;
    uint8_t form = data[0];
    ULONG flags = (ULONG)data[1] | (ULONG)data[2] << 8 | (ULONG)data[3] << 16 |
                  (ULONG)data[4] << 24;
    if (!(form & 0x80))
        flags &= SEC_WINNT_AUTH_IDENTITY_ANSI | SEC_WINNT_AUTH_IDENTITY_UNICODE |
                 SEC_WINNT_AUTH_IDENTITY_LIBSSPI_NT_HASH | 0x100;
    bool wide = (flags & (SEC_WINNT_AUTH_IDENTITY_ANSI | SEC_WINNT_AUTH_IDENTITY_UNICODE)) ==
                SEC_WINNT_AUTH_IDENTITY_UNICODE;
    size_t pos = 5;
    field f[4];
    memset(f, 0, sizeof f);
    for (int i = 0; i < 4; i++) {
        size_t n = 0;
        if (pos + 2 <= size) {
            n = (size_t)data[pos] | (size_t)data[pos + 1] << 8;
            pos += 2;
        }
        if (n > size - pos) n = size - pos;
        if (wide) n &= ~(size_t)1;
        f[i].p = malloc(n ? n : 1);
        CHECK(f[i].p != NULL);
        if (n) memcpy(f[i].p, data + pos, n);
        pos += n;
        f[i].len = (ULONG)(wide ? n / 2 : n);
        if (form & (0x08 << i)) {
            free(f[i].p);
            f[i].p = NULL;
        }
    }

    SEC_WINNT_AUTH_IDENTITY_EXW ex;
    SEC_WINNT_AUTH_IDENTITY_W plain;
    void *auth;
    memset(&ex, 0, sizeof ex);
    memset(&plain, 0, sizeof plain);
    if (form & 1) {
        ex.Version = SEC_WINNT_AUTH_IDENTITY_VERSION;
        ex.Length = (form & 4) ? (ULONG)sizeof ex - 8 : (ULONG)sizeof ex;
        ex.User = f[0].p;
        ex.UserLength = f[0].len;
        ex.Domain = f[1].p;
        ex.DomainLength = f[1].len;
        ex.Password = f[2].p;
        ex.PasswordLength = f[2].len;
        ex.Flags = flags;
        ex.PackageList = f[3].p;
        ex.PackageListLength = f[3].len;
        auth = &ex;
    } else {
        plain.User = f[0].p;
        plain.UserLength = f[0].len;
        plain.Domain = f[1].p;
        plain.DomainLength = f[1].len;
        plain.Password = f[2].p;
        plain.PasswordLength = f[2].len;
        plain.Flags = flags;
        auth = &plain;
    }

    sspi_identity *id = (sspi_identity *)1;
    sr r = sspi_identity_from_auth_data(auth, (form & 2) != 0, &id);
    if (sr_is_ok(r)) {
        CHECK(id != NULL);
        check_identity(id, flags);
        sspi_identity_free(id);
    } else {
        CHECK(r.code == SR_UNKNOWN_CREDENTIALS || r.code == SR_INVALID_PARAMETER ||
              r.code == SR_NO_MEMORY);
        CHECK(id == NULL);
    }

    /* The public entry point, outbound NTLM (no network, no files). */
    CredHandle h;
    TimeStamp exp;
    SECURITY_STATUS s =
        (form & 2) ? AcquireCredentialsHandleW(NULL, (SEC_WCHAR *)u"NTLM", SECPKG_CRED_OUTBOUND,
                                               NULL, auth, NULL, NULL, &h, &exp)
                   : AcquireCredentialsHandleA(NULL, (SEC_CHAR *)"NTLM", SECPKG_CRED_OUTBOUND,
                                               NULL, auth, NULL, NULL, &h, &exp);
    if (s == SEC_E_OK) {
        CHECK(sr_is_ok(r));
        FreeCredentialsHandle(&h);
    } else {
        if (getenv("FZ_DEBUG")) fprintf(stderr, "r=%d s=%08x\n", (int)r.code, (unsigned)s);
        CHECK(!sr_is_ok(r) || s == SEC_E_NO_CREDENTIALS || s == SEC_E_INSUFFICIENT_MEMORY);
        CHECK(s == SEC_E_UNKNOWN_CREDENTIALS || s == SEC_E_INVALID_PARAMETER ||
              s == SEC_E_INSUFFICIENT_MEMORY || s == SEC_E_NO_CREDENTIALS);
    }
    for (int i = 0; i < 4; i++) free(f[i].p);
    return 0;
}
