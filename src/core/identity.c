/*
 * Credential identities (see identity.h).
 *
 * pAuthData forms accepted:
 *   SEC_WINNT_AUTH_IDENTITY_A / _W      plain structure;
 *   SEC_WINNT_AUTH_IDENTITY_EXA / _EXW  Version == SEC_WINNT_AUTH_IDENTITY_VERSION
 *                                       and Length == sizeof the EX structure.
 * Flags must carry exactly one of SEC_WINNT_AUTH_IDENTITY_ANSI (strings are
 * UTF-8, the "ANSI code page" of libsspi) or _UNICODE (UTF-16 units); the
 * A or W flavour of the call does not matter, as on Windows.
 * Lengths are in characters (bytes for ANSI, 16-bit units for UNICODE)
 * without the terminating NUL. Text containing NUL characters is refused
 * (SR_INVALID_PARAMETER), as is invalid UTF-8 / UTF-16.
 */
#include "identity.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <sspi.h>

#include "crypto/crypto.h"
#include "unicode.h"

/* Longest string accepted (characters): what a UNICODE_STRING can hold. */
#define IDENTITY_MAX_CHARS 32767u

typedef struct raw_identity {
    const void *user, *domain, *password, *packages;
    ULONG user_len, domain_len, password_len, packages_len;
    ULONG flags;
} raw_identity;

static void free_secret_str(char *s, size_t len) {
    if (s) crypto_free_wipe(s, len + 1);
}

/* Copy one caller string (nchars characters) to NUL-terminated UTF-8. */
SR_MUST_CHECK static sr take_text(const void *p, ULONG nchars, bool wide, char **out,
                                  size_t *out_len) {
    *out = NULL;
    *out_len = 0;
    SR_ENSURE(p != NULL || nchars == 0, SR_UNKNOWN_CREDENTIALS);
    SR_ENSURE(nchars <= IDENTITY_MAX_CHARS, SR_UNKNOWN_CREDENTIALS);
    char *s;
    size_t len;
    if (wide) {
        const uint16_t *u = p;
        for (ULONG i = 0; i < nchars; i++) SR_ENSURE(u[i] != 0, SR_INVALID_PARAMETER);
        SR_TRY(utf16_units_to_utf8(u, nchars, &s, &len));
    } else {
        const char *a = p;
        if (nchars) SR_ENSURE(memchr(a, 0, nchars) == NULL, SR_INVALID_PARAMETER);
        /* Validate by converting (strict UTF-8 check), then copy. */
        uint16_t *tmp;
        size_t n;
        SR_TRY(utf8_to_utf16_units(a, nchars, &tmp, &n));
        crypto_free_wipe(tmp, (n + 1) * sizeof(uint16_t));
        s = malloc((size_t)nchars + 1);
        SR_ENSURE(s != NULL, SR_NO_MEMORY);
        if (nchars) memcpy(s, a, nchars);
        s[nchars] = '\0';
        len = nchars;
    }
    *out = s;
    *out_len = len;
    return SR_SUCCESS;
}

static char *dup_str(const char *s, size_t n) {
    char *d = malloc(n + 1);
    if (!d) return NULL;
    if (n) memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static bool parse_nt_hash(const char *hex, size_t len, uint8_t out[16]) {
    if (len != 32) return false;
    for (size_t i = 0; i < 16; i++) {
        int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            crypto_wipe(out, 16);
            return false;
        }
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

/* Fill user/domain/upn of id from `user` (owned, consumed) and `domain`
 * (owned, consumed; NULL or "" means "split user if it has DOMAIN\"). */
SR_MUST_CHECK static sr set_names(sspi_identity *id, char *user, char *domain) {
    id->user = user;
    id->domain = domain;
    if (domain && *domain) return SR_SUCCESS;
    char *bs = strchr(user, '\\');
    if (bs) {
        char *d = dup_str(user, (size_t)(bs - user));
        char *u = dup_str(bs + 1, strlen(bs + 1));
        if (!d || !u) {
            free(d);
            free(u);
            return SR_FAIL(SR_NO_MEMORY);
        }
        free(domain);
        free(user);
        id->user = u;
        id->domain = d;
        return SR_SUCCESS;
    }
    if (!domain) {
        id->domain = dup_str("", 0);
        SR_ENSURE(id->domain != NULL, SR_NO_MEMORY);
    }
    id->upn = strchr(user, '@') != NULL;
    return SR_SUCCESS;
}

static void finish_flags(sspi_identity *id) {
    id->anonymous = !id->has_nt_hash && id->user[0] == '\0' && id->domain[0] == '\0' &&
                    id->password_len == 0;
}

/* The fields every SEC_WINNT_AUTH_IDENTITY form has. */
static void raw_set(raw_identity *raw, const void *user, ULONG user_len, const void *domain,
                    ULONG domain_len, const void *password, ULONG password_len, ULONG flags) {
    *raw = (raw_identity){.user = user, .domain = domain, .password = password,
                          .user_len = user_len, .domain_len = domain_len,
                          .password_len = password_len, .flags = flags};
}

/* Failure of identity_from_raw before id owns the names: free them too. */
static sr from_raw_fail(sspi_identity *id, char *user, char *domain, sr r) {
    free(user);
    free(domain);
    sspi_identity_free(id);
    return r;
}

SR_MUST_CHECK static sr identity_from_raw(const raw_identity *raw, sspi_identity **out) {
    ULONG enc = raw->flags & (SEC_WINNT_AUTH_IDENTITY_ANSI | SEC_WINNT_AUTH_IDENTITY_UNICODE);
    SR_ENSURE(enc == SEC_WINNT_AUTH_IDENTITY_ANSI || enc == SEC_WINNT_AUTH_IDENTITY_UNICODE,
              SR_UNKNOWN_CREDENTIALS);
    bool wide = enc == SEC_WINNT_AUTH_IDENTITY_UNICODE;

    sspi_identity *id = calloc(1, sizeof *id);
    SR_ENSURE(id != NULL, SR_NO_MEMORY);
    id->flags = raw->flags;
    char *user = NULL, *domain = NULL, *password = NULL;
    size_t ulen, dlen, plen = 0;
    sr r = take_text(raw->user, raw->user_len, wide, &user, &ulen);
    if (sr_is_ok(r)) r = take_text(raw->domain, raw->domain_len, wide, &domain, &dlen);
    if (sr_is_ok(r)) r = take_text(raw->password, raw->password_len, wide, &password, &plen);
    if (sr_is_ok(r) && raw->packages && raw->packages_len) {
        size_t kl;
        r = take_text(raw->packages, raw->packages_len, wide, &id->package_list, &kl);
    }
    if (!sr_is_ok(r)) {
        free_secret_str(password, plen);
        return from_raw_fail(id, user, domain, r);
    }
    if (raw->flags & SEC_WINNT_AUTH_IDENTITY_LIBSSPI_NT_HASH) {
        bool ok = parse_nt_hash(password, plen, id->nt_hash);
        free_secret_str(password, plen);
        password = NULL;
        if (!ok) return from_raw_fail(id, user, domain, SR_FAIL(SR_UNKNOWN_CREDENTIALS));
        id->has_nt_hash = true;
        plen = 0;
        password = dup_str("", 0);
        if (!password) return from_raw_fail(id, user, domain, SR_FAIL(SR_NO_MEMORY));
    }
    id->password = password;
    id->password_len = plen;
    r = set_names(id, user, domain);
    if (!sr_is_ok(r)) {
        if (!id->user) free(user);
        sspi_identity_free(id);
        return r;
    }
    finish_flags(id);
    *out = id;
    return SR_SUCCESS;
}

sr sspi_identity_from_auth_data(const void *auth_data, bool unicode_call, sspi_identity **out) {
    (void)unicode_call; /* the Flags field decides, as on Windows */
    SR_ENSURE(out != NULL, SR_INVALID_PARAMETER);
    *out = NULL;
    SR_ENSURE(auth_data != NULL, SR_UNKNOWN_CREDENTIALS);
    raw_identity raw;
    memset(&raw, 0, sizeof raw);
    ULONG version;
    memcpy(&version, auth_data, sizeof version);
    if (version == SEC_WINNT_AUTH_IDENTITY_VERSION) {
        /* EXA and EXW have the same layout apart from the string types. */
        const SEC_WINNT_AUTH_IDENTITY_EXW *ex = auth_data;
        _Static_assert(sizeof(SEC_WINNT_AUTH_IDENTITY_EXW) == sizeof(SEC_WINNT_AUTH_IDENTITY_EXA),
                       "EXA/EXW layouts differ");
        SR_ENSURE(ex->Length == sizeof(SEC_WINNT_AUTH_IDENTITY_EXW), SR_UNKNOWN_CREDENTIALS);
        raw_set(&raw, ex->User, ex->UserLength, ex->Domain, ex->DomainLength, ex->Password,
                ex->PasswordLength, ex->Flags);
        raw.packages = ex->PackageList;
        raw.packages_len = ex->PackageListLength;
    } else if (version == SEC_WINNT_AUTH_IDENTITY_VERSION_2) {
        return SR_FAIL(SR_UNKNOWN_CREDENTIALS); /* packed EX2: not supported */
    } else {
        /* _A and _W share one layout (only the string pointer types differ). */
        _Static_assert(sizeof(SEC_WINNT_AUTH_IDENTITY_W) == sizeof(SEC_WINNT_AUTH_IDENTITY_A) &&
                           offsetof(SEC_WINNT_AUTH_IDENTITY_W, Flags) ==
                               offsetof(SEC_WINNT_AUTH_IDENTITY_A, Flags),
                       "A/W layouts differ");
        const SEC_WINNT_AUTH_IDENTITY_W *id = auth_data;
        raw_set(&raw, id->User, id->UserLength, id->Domain, id->DomainLength, id->Password,
                id->PasswordLength, id->Flags);
    }
    return identity_from_raw(&raw, out);
}

sr sspi_identity_new(const char *user, const char *domain, const char *password,
                     sspi_identity **out) {
    SR_ENSURE(out != NULL, SR_INVALID_PARAMETER);
    *out = NULL;
    raw_identity raw;
    memset(&raw, 0, sizeof raw);
    if (!user) user = "";
    if (!password) password = "";
    raw_set(&raw, user, (ULONG)strlen(user), domain, domain ? (ULONG)strlen(domain) : 0,
            password, (ULONG)strlen(password), SEC_WINNT_AUTH_IDENTITY_ANSI);
    SR_ENSURE(strlen(user) <= IDENTITY_MAX_CHARS && raw.domain_len <= IDENTITY_MAX_CHARS &&
                  strlen(password) <= IDENTITY_MAX_CHARS,
              SR_INVALID_PARAMETER);
    return identity_from_raw(&raw, out);
}

sr sspi_identity_clone(const sspi_identity *in, sspi_identity **out) {
    SR_ENSURE(in != NULL && out != NULL, SR_INVALID_PARAMETER);
    *out = NULL;
    sspi_identity *id = calloc(1, sizeof *id);
    SR_ENSURE(id != NULL, SR_NO_MEMORY);
    *id = *in;
    id->user = dup_str(in->user, strlen(in->user));
    id->domain = dup_str(in->domain, strlen(in->domain));
    id->password = dup_str(in->password, in->password_len);
    id->package_list = in->package_list ? dup_str(in->package_list, strlen(in->package_list))
                                        : NULL;
    if (!id->user || !id->domain || !id->password || (in->package_list && !id->package_list)) {
        sspi_identity_free(id);
        return SR_FAIL(SR_NO_MEMORY);
    }
    *out = id;
    return SR_SUCCESS;
}

void sspi_identity_free(sspi_identity *id) {
    if (!id) return;
    free(id->user);
    free(id->domain);
    if (id->password) crypto_free_wipe(id->password, id->password_len + 1);
    free(id->package_list);
    crypto_wipe(id, sizeof *id);
    free(id);
}
