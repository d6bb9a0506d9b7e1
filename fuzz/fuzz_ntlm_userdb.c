/*
 * libFuzzer target for the NTLM account file ("DOMAIN:USER:PASSWORD" /
 * "DOMAIN:USER:$NT$<hex>", src/packages/ntlm/ntlm_userdb.c), read the way
 * the acceptor reads it: from a file (a memfd named /proc/self/fd/N, so
 * nothing touches the disk).
 *
 * Input: "USER\0DOMAIN\0" then the file content (without two NULs, the
 * whole input is the file and alice / DOM are looked up). Checked:
 *  - ntlm_userdb_lookup returns SR_OK, SR_LOGON_DENIED or (for a matching
 *    entry whose password is not valid UTF-8) SR_INVALID_PARAMETER, and the
 *    account is wiped unless SR_OK;
 *  - when the file has no NUL byte, the result agrees with a reference
 *    reading of the documented format written here (first matching line
 *    wins; "user@realm" fallback), including the NT hash;
 *  - ntlm_userdb_first_identity never fails with anything but
 *    SR_NO_CREDENTIALS / SR_INVALID_PARAMETER and gives a usable identity.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/unicode.h"
#include "packages/ntlm/ntlm_crypto.h"
#include "packages/ntlm/ntlm_userdb.h"

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

static int g_fd = -1;
static char g_path[64];

static int hexv(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Reference result: 0 denied, 1 found (hash in out), 2 found but the
 * secret is unusable (invalid UTF-8). */
static int ref_lookup_one(const char *file, size_t n, const char *user, const char *domain,
                          uint8_t out[16]) {
    size_t pos = 0;
    while (pos < n) {
        size_t e = pos;
        while (e < n && file[e] != '\n') e++;
        size_t l = e - pos;
        char *line = malloc(l + 1);
        CHECK(line != NULL);
        memcpy(line, file + pos, l);
        line[l] = '\0';
        pos = e + 1;
        while (l && line[l - 1] == '\r') line[--l] = '\0';
        char *c1 = l && line[0] != '#' ? strchr(line, ':') : NULL;
        char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2) {
            free(line);
            continue;
        }
        *c1 = *c2 = '\0';
        const char *d = line, *u = c1 + 1, *s = c2 + 1;
        bool ok = u[0] != '\0';
        bool is_hash = strncmp(s, "$NT$", 4) == 0;
        if (ok && is_hash) {
            ok = strlen(s + 4) == 32;
            for (size_t i = 0; ok && i < 32; i++) ok = hexv(s[4 + i]) >= 0;
        }
        if (!ok || utf8_casecmp(u, user) != 0 ||
            !(d[0] == '\0' || domain[0] == '\0' || utf8_casecmp(d, domain) == 0)) {
            free(line);
            continue;
        }
        int res = 1;
        if (is_hash) {
            for (size_t i = 0; i < 16; i++)
                out[i] = (uint8_t)(hexv(s[4 + 2 * i]) << 4 | hexv(s[5 + 2 * i]));
        } else if (!sr_is_ok(ntlm_nt_hash(s, strlen(s), out))) {
            res = 2;
        }
        free(line);
        return res;
    }
    return 0;
}

static int ref_lookup(const char *file, size_t n, const char *user, const char *domain,
                      uint8_t out[16]) {
    int r = ref_lookup_one(file, n, user, domain, out);
    if (r == 0 && domain[0] == '\0') {
        const char *at = strrchr(user, '@');
        if (at && at != user && at[1] != '\0') {
            char *u = strndup(user, (size_t)(at - user));
            CHECK(u != NULL);
            r = ref_lookup_one(file, n, u, at + 1, out);
            free(u);
        }
    }
    return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 1 << 16) return 0;
    if (g_fd < 0) {
        g_fd = memfd_create("fuzz_userdb", MFD_CLOEXEC);
        CHECK(g_fd >= 0);
        snprintf(g_path, sizeof g_path, "/proc/self/fd/%d", g_fd);
    }
    const char *user = "alice", *domain = "DOM";
    const uint8_t *file = data;
    size_t file_len = size;
    const uint8_t *z1 = memchr(data, 0, size);
    const uint8_t *z2 = z1 ? memchr(z1 + 1, 0, size - (size_t)(z1 + 1 - data)) : NULL;
    if (z2) {
        user = (const char *)data;
        domain = (const char *)z1 + 1;
        file = z2 + 1;
        file_len = size - (size_t)(file - data);
    }
    CHECK(ftruncate(g_fd, 0) == 0);
    CHECK(pwrite(g_fd, file, file_len, 0) == (ssize_t)file_len);

    ntlm_userdb_source src = {g_path, NULL, NULL};
    ntlm_account acc;
    sr r = ntlm_userdb_lookup(&src, user, domain, &acc);
    CHECK(r.code == SR_OK || r.code == SR_LOGON_DENIED || r.code == SR_INVALID_PARAMETER);
    if (r.code == SR_LOGON_DENIED) {
        static const ntlm_account zero;
        CHECK(memcmp(&acc, &zero, sizeof acc) == 0);
    }
    if (memchr(file, 0, file_len) == NULL) {
        uint8_t want[16];
        int ref = ref_lookup((const char *)file, file_len, user, domain, want);
        CHECK((ref == 0) == (r.code == SR_LOGON_DENIED));
        CHECK((ref == 1) == (r.code == SR_OK));
        if (ref == 1) CHECK(memcmp(acc.nt_hash, want, 16) == 0);
    }
    ntlm_account_clear(&acc);

    sspi_identity *id = NULL;
    r = ntlm_userdb_first_identity(g_path, &id);
    CHECK(r.code == SR_OK || r.code == SR_NO_CREDENTIALS || r.code == SR_INVALID_PARAMETER);
    if (sr_is_ok(r)) {
        CHECK(id != NULL && id->user && id->domain && id->password);
        CHECK(strlen(id->password) == id->password_len);
        sspi_identity_free(id);
    } else {
        CHECK(id == NULL);
    }
    return 0;
}
