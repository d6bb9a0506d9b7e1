/*
 * Account database: application callback, then the account file. See
 * ntlm_userdb.h and include/libsspi_ntlm.h for the format and matching rules.
 */
#include "ntlm_userdb.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/unicode.h"
#include "crypto/crypto.h"
#include "ntlm_crypto.h"

#define LOG_COMPONENT "ntlm-userdb"
#define NT_PREFIX "$NT$"

/* NTOWFv1("") = MD4("") */
static const uint8_t empty_nt_hash[16] = {0x31, 0xd6, 0xcf, 0xe0, 0xd1, 0x6a, 0xe9, 0x31,
                                          0xb7, 0x3c, 0x59, 0xd7, 0xe0, 0xc0, 0x89, 0xc0};

void ntlm_account_clear(ntlm_account *a) {
    if (a) crypto_wipe(a, sizeof(*a));
}

sr ntlm_userdb_source_copy(const ntlm_userdb_source *in, ntlm_userdb_source *out) {
    memset(out, 0, sizeof(*out));
    if (in->file) {
        out->file = strdup(in->file);
        SR_ENSURE(out->file != NULL, SR_NO_MEMORY);
    }
    out->callback = in->callback;
    out->callback_arg = in->callback_arg;
    return SR_SUCCESS;
}

void ntlm_userdb_source_clear(ntlm_userdb_source *s) {
    if (!s) return;
    free(s->file);
    memset(s, 0, sizeof(*s));
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* One parsed line; the strings point into the (writable) line buffer. */
typedef struct userdb_entry {
    const char *domain;
    const char *user;
    const char *secret; /* password or "$NT$hex" */
    size_t secret_len;
} userdb_entry;

/* Split a line in place. Returns 1 for an entry, 0 for blank/comment, -1 for
 * a malformed line. */
static int parse_line(char *line, userdb_entry *e) {
    size_t n = strlen(line);
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
    if (n == 0 || line[0] == '#') return 0;
    char *c1 = strchr(line, ':');
    if (!c1) return -1;
    char *c2 = strchr(c1 + 1, ':');
    if (!c2) return -1;
    *c1 = '\0';
    *c2 = '\0';
    e->domain = line;
    e->user = c1 + 1;
    e->secret = c2 + 1;
    e->secret_len = strlen(e->secret);
    if (e->user[0] == '\0') return -1;
    if (strncmp(e->secret, NT_PREFIX, strlen(NT_PREFIX)) == 0) {
        const char *hex = e->secret + strlen(NT_PREFIX);
        if (strlen(hex) != 32) return -1;
        for (size_t i = 0; i < 32; i++)
            if (hexval(hex[i]) < 0) return -1;
    }
    return 1;
}

/* Turn the secret of an entry into an account. */
static sr entry_account(const userdb_entry *e, ntlm_account *out) {
    memset(out, 0, sizeof(*out));
    if (strncmp(e->secret, NT_PREFIX, strlen(NT_PREFIX)) == 0) {
        const char *hex = e->secret + strlen(NT_PREFIX);
        for (size_t i = 0; i < 16; i++)
            out->nt_hash[i] = (uint8_t)(hexval(hex[2 * i]) << 4 | hexval(hex[2 * i + 1]));
    } else {
        SR_TRY(ntlm_nt_hash(e->secret, e->secret_len, out->nt_hash));
        if (sr_is_ok(ntlm_lm_hash(e->secret, e->secret_len, out->lm_hash)))
            out->has_lm_hash = true;
    }
    out->empty_password = crypto_memeq(out->nt_hash, empty_nt_hash, 16);
    return SR_SUCCESS;
}

static bool entry_matches(const userdb_entry *e, const char *user, const char *domain) {
    if (utf8_casecmp(e->user, user) != 0) return false;
    if (e->domain[0] == '\0' || domain == NULL || domain[0] == '\0') return true;
    return utf8_casecmp(e->domain, domain) == 0;
}

/* Walk the file; for each entry call `visit` which returns true to stop.
 * Returns SR_OK when the file was read (whatever visit said), or
 * SR_NO_CREDENTIALS when it cannot be opened. */
typedef bool (*entry_visitor)(const userdb_entry *e, void *arg, sr *result);

static sr walk_file(const char *file, entry_visitor visit, void *arg, sr *result) {
    FILE *f = fopen(file, "re");
    if (!f) {
        SSPI_LOG(SSPI_LOG_ERROR, LOG_COMPONENT, "cannot open account file %s: %s", file,
                 strerror(errno));
        return SR_FAIL(SR_NO_CREDENTIALS);
    }
    char *line = NULL;
    size_t cap = 0;
    unsigned long lineno = 0;
    ssize_t got;
    bool stop = false;
    while (!stop && (got = getline(&line, &cap, f)) >= 0) {
        lineno++;
        userdb_entry e;
        int kind = parse_line(line, &e);
        if (kind < 0) {
            SSPI_LOG(SSPI_LOG_ERROR, LOG_COMPONENT, "%s:%lu: malformed account line skipped",
                     file, lineno);
        } else if (kind > 0) {
            stop = visit(&e, arg, result);
        }
        crypto_wipe(line, cap);
    }
    crypto_free_wipe(line, cap);
    fclose(f);
    return SR_SUCCESS;
}

typedef struct lookup_arg {
    const char *user;
    const char *domain;
    ntlm_account *out;
    bool found;
} lookup_arg;

static bool lookup_visit(const userdb_entry *e, void *varg, sr *result) {
    lookup_arg *a = varg;
    if (!entry_matches(e, a->user, a->domain)) return false;
    *result = entry_account(e, a->out);
    a->found = sr_is_ok(*result);
    return true;
}

static sr lookup_file(const char *file, const char *user, const char *domain, ntlm_account *out,
                      bool *found) {
    lookup_arg a = {user, domain, out, false};
    sr result = SR_SUCCESS;
    sr r = walk_file(file, lookup_visit, &a, &result);
    *found = false;
    if (!sr_is_ok(r)) return SR_SUCCESS; /* unreadable file: unknown user */
    SR_TRY(result);
    *found = a.found;
    return SR_SUCCESS;
}

sr ntlm_userdb_lookup(const ntlm_userdb_source *src, const char *user, const char *domain,
                      ntlm_account *out) {
    memset(out, 0, sizeof(*out));
    if (src->callback) {
        uint8_t h[16];
        if (src->callback(src->callback_arg, user, domain ? domain : "", h) == 0) {
            memcpy(out->nt_hash, h, 16);
            crypto_wipe(h, sizeof h);
            out->empty_password = crypto_memeq(out->nt_hash, empty_nt_hash, 16);
            return SR_SUCCESS;
        }
        crypto_wipe(h, sizeof h);
    }
    if (!src->file) return SR_FAIL(SR_LOGON_DENIED);
    bool found = false;
    SR_TRY(lookup_file(src->file, user, domain, out, &found));
    if (!found && (domain == NULL || domain[0] == '\0')) {
        /* "user@realm" with no domain: try (user, realm). */
        const char *at = strrchr(user, '@');
        if (at && at != user && at[1] != '\0') {
            size_t ulen = (size_t)(at - user);
            char *u = strndup(user, ulen);
            SR_ENSURE(u != NULL, SR_NO_MEMORY);
            sr r = lookup_file(src->file, u, at + 1, out, &found);
            free(u);
            SR_TRY(r);
        }
    }
    if (!found) {
        ntlm_account_clear(out);
        return SR_FAIL(SR_LOGON_DENIED);
    }
    return SR_SUCCESS;
}

typedef struct first_arg {
    sspi_identity *id;
} first_arg;

static bool first_visit(const userdb_entry *e, void *varg, sr *result) {
    first_arg *a = varg;
    bool is_hash = strncmp(e->secret, NT_PREFIX, strlen(NT_PREFIX)) == 0;
    *result = sspi_identity_new(e->user, e->domain, is_hash ? "" : e->secret, &a->id);
    if (sr_is_ok(*result) && is_hash) {
        ntlm_account acc;
        *result = entry_account(e, &acc);
        if (sr_is_ok(*result)) {
            memcpy(a->id->nt_hash, acc.nt_hash, 16);
            a->id->has_nt_hash = true;
            a->id->anonymous = false;
        }
        ntlm_account_clear(&acc);
    }
    return true;
}

sr ntlm_userdb_first_identity(const char *file, sspi_identity **out) {
    *out = NULL;
    SR_ENSURE(file != NULL && file[0] != '\0', SR_NO_CREDENTIALS);
    first_arg a = {NULL};
    sr result = SR_FAIL(SR_NO_CREDENTIALS);
    SR_TRY(walk_file(file, first_visit, &a, &result));
    if (!sr_is_ok(result)) {
        sspi_identity_free(a.id);
        return result.code == SR_NO_MEMORY ? result : SR_FAIL(SR_NO_CREDENTIALS);
    }
    *out = a.id;
    return SR_SUCCESS;
}
