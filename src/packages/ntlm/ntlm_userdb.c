/*
 * Account database: application callback, then the account file. See
 * ntlm_userdb.h and include/libsspi_ntlm.h for the format and matching rules.
 */
#include "ntlm_userdb.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

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

/* ---- file cache (see ntlm_userdb.h) ------------------------------------ */

/* Seconds a file must be older than its reading to be cached. */
#define USERDB_RACY_SECONDS 2

typedef struct userdb_record {
    size_t domain_off; /* NUL-terminated strings in snapshot->text */
    size_t user_off;
    sr status;         /* entry_account's result for this line */
    ntlm_account account;
} userdb_record;

typedef struct userdb_snapshot {
    atomic_uint refs;
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime, ctime;
    size_t n, rec_cap;
    userdb_record *recs;
    char *text;
    size_t text_len, text_cap;
} userdb_snapshot;

struct ntlm_userdb_cache {
    ntlm_userdb_cache *next; /* g_caches list, under g_caches_lock */
    size_t opens;            /* credentials holding the path (g_caches_lock) */
    atomic_uint refs;        /* the list's one + lookups in progress */
    pthread_mutex_t lock;    /* guards snap */
    userdb_snapshot *snap;
    char path[];
};

static pthread_mutex_t g_caches_lock = PTHREAD_MUTEX_INITIALIZER;
static ntlm_userdb_cache *g_caches;

static void snapshot_release(userdb_snapshot *s) {
    if (!s || atomic_fetch_sub(&s->refs, 1) != 1) return;
    crypto_free_wipe(s->recs, s->rec_cap * sizeof *s->recs);
    crypto_free_wipe(s->text, s->text_cap);
    crypto_free_wipe(s, sizeof *s);
}

static void cache_release(ntlm_userdb_cache *c) {
    if (!c || atomic_fetch_sub(&c->refs, 1) != 1) return;
    snapshot_release(c->snap);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

sr ntlm_userdb_cache_open(const char *path, ntlm_userdb_cache **out) {
    *out = NULL;
    SR_ENSURE(path != NULL && path[0] != '\0', SR_INVALID_PARAMETER);
    pthread_mutex_lock(&g_caches_lock);
    ntlm_userdb_cache *c = g_caches;
    while (c && strcmp(c->path, path) != 0) c = c->next;
    if (c) {
        c->opens++;
        pthread_mutex_unlock(&g_caches_lock);
        *out = c;
        return SR_SUCCESS;
    }
    size_t n = strlen(path);
    c = calloc(1, sizeof *c + n + 1);
    if (!c || pthread_mutex_init(&c->lock, NULL) != 0) {
        pthread_mutex_unlock(&g_caches_lock);
        free(c);
        return SR_FAIL(c ? SR_INTERNAL : SR_NO_MEMORY);
    }
    memcpy(c->path, path, n + 1);
    c->opens = 1;
    atomic_init(&c->refs, 1);
    c->next = g_caches;
    g_caches = c;
    pthread_mutex_unlock(&g_caches_lock);
    *out = c;
    return SR_SUCCESS;
}

void ntlm_userdb_cache_close(ntlm_userdb_cache *c) {
    if (!c) return;
    pthread_mutex_lock(&g_caches_lock);
    bool last = --c->opens == 0;
    if (last) {
        ntlm_userdb_cache **pp = &g_caches;
        while (*pp && *pp != c) pp = &(*pp)->next;
        if (*pp) *pp = c->next;
    }
    pthread_mutex_unlock(&g_caches_lock);
    if (last) cache_release(c);
}

/* The open cache of `path` with a reference (cache_release), or NULL. */
static ntlm_userdb_cache *cache_find(const char *path) {
    pthread_mutex_lock(&g_caches_lock);
    ntlm_userdb_cache *c = g_caches;
    while (c && strcmp(c->path, path) != 0) c = c->next;
    if (c) atomic_fetch_add(&c->refs, 1);
    pthread_mutex_unlock(&g_caches_lock);
    return c;
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

static bool same_file(const userdb_snapshot *s, const struct stat *st) {
    return s->dev == st->st_dev && s->ino == st->st_ino && s->size == st->st_size &&
           s->mtime.tv_sec == st->st_mtim.tv_sec && s->mtime.tv_nsec == st->st_mtim.tv_nsec &&
           s->ctime.tv_sec == st->st_ctim.tv_sec && s->ctime.tv_nsec == st->st_ctim.tv_nsec;
}

/* Too recent to trust the timestamps (a rewrite within the clock's
 * granularity would look unchanged). */
static bool racy(const struct stat *st) {
    struct timespec now;
    if (clock_gettime(CLOCK_REALTIME, &now) != 0) return true;
    time_t newest = st->st_mtim.tv_sec > st->st_ctim.tv_sec ? st->st_mtim.tv_sec
                                                             : st->st_ctim.tv_sec;
    return now.tv_sec - newest < USERDB_RACY_SECONDS;
}

/* Grow the snapshot's arrays for one more record of `need` string bytes. */
static bool snapshot_reserve(userdb_snapshot *s, size_t need) {
    if (s->n == s->rec_cap) {
        size_t nc = s->rec_cap ? s->rec_cap * 2 : 16;
        userdb_record *nr = calloc(nc, sizeof *nr);
        if (!nr) return false;
        if (s->recs) memcpy(nr, s->recs, s->n * sizeof *nr);
        crypto_free_wipe(s->recs, s->rec_cap * sizeof *s->recs);
        s->recs = nr;
        s->rec_cap = nc;
    }
    if (s->text_len + need > s->text_cap) {
        size_t nc = (s->text_cap ? s->text_cap * 2 : 256) + need;
        char *nt = calloc(1, nc);
        if (!nt) return false;
        if (s->text) memcpy(nt, s->text, s->text_len);
        crypto_free_wipe(s->text, s->text_cap);
        s->text = nt;
        s->text_cap = nc;
    }
    return true;
}

/* Read and parse the whole file into a snapshot (NULL: not cacheable now,
 * or out of memory: the caller reads the file directly). */
static userdb_snapshot *snapshot_load(const char *file) {
    FILE *f = fopen(file, "re");
    if (!f) return NULL;
    struct stat st;
    userdb_snapshot *s = NULL;
    char *line = NULL;
    size_t cap = 0;
    bool ok = fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && !racy(&st);
    if (ok) s = calloc(1, sizeof *s);
    ok = s != NULL;
    if (ok) {
        atomic_init(&s->refs, 1);
        s->dev = st.st_dev;
        s->ino = st.st_ino;
        s->size = st.st_size;
        s->mtime = st.st_mtim;
        s->ctime = st.st_ctim;
    }
    unsigned long lineno = 0;
    while (ok && getline(&line, &cap, f) >= 0) {
        lineno++;
        userdb_entry e;
        int kind = parse_line(line, &e);
        if (kind < 0)
            SSPI_LOG(SSPI_LOG_ERROR, LOG_COMPONENT, "%s:%lu: malformed account line skipped",
                     file, lineno);
        if (kind > 0) {
            size_t dl = strlen(e.domain) + 1, ul = strlen(e.user) + 1;
            ok = snapshot_reserve(s, dl + ul);
            if (ok) {
                userdb_record *r = &s->recs[s->n++];
                r->domain_off = s->text_len;
                memcpy(s->text + s->text_len, e.domain, dl);
                s->text_len += dl;
                r->user_off = s->text_len;
                memcpy(s->text + s->text_len, e.user, ul);
                s->text_len += ul;
                r->status = entry_account(&e, &r->account);
                if (!sr_is_ok(r->status)) ntlm_account_clear(&r->account);
                ok = r->status.code != SR_NO_MEMORY;
            }
        }
        crypto_wipe(line, cap);
    }
    if (ok && ferror(f)) ok = false;
    if (!ok) {
        snapshot_release(s);
        s = NULL;
    }
    crypto_free_wipe(line, cap);
    fclose(f);
    return s;
}

/* The current snapshot of the cache's file with a reference, or NULL when
 * the file must be read directly (missing, racy, unreadable, no memory). */
static userdb_snapshot *cache_acquire(ntlm_userdb_cache *c) {
    struct stat st;
    if (stat(c->path, &st) != 0 || racy(&st)) return NULL;
    pthread_mutex_lock(&c->lock);
    userdb_snapshot *s = c->snap;
    if (s && same_file(s, &st)) {
        atomic_fetch_add(&s->refs, 1);
        pthread_mutex_unlock(&c->lock);
        return s;
    }
    pthread_mutex_unlock(&c->lock);
    s = snapshot_load(c->path);
    if (!s || !same_file(s, &st)) {
        snapshot_release(s); /* changed between stat and open: read directly */
        return NULL;
    }
    pthread_mutex_lock(&c->lock);
    userdb_snapshot *old = c->snap;
    c->snap = s;
    atomic_fetch_add(&s->refs, 1); /* the caller's */
    pthread_mutex_unlock(&c->lock);
    snapshot_release(old);
    return s;
}

/* lookup_file over a snapshot: first matching entry wins. */
static sr lookup_snapshot(const userdb_snapshot *s, const char *user, const char *domain,
                          ntlm_account *out, bool *found) {
    *found = false;
    for (size_t i = 0; i < s->n; i++) {
        const userdb_record *r = &s->recs[i];
        userdb_entry e = {s->text + r->domain_off, s->text + r->user_off, NULL, 0};
        if (!entry_matches(&e, user, domain)) continue;
        SR_TRY(r->status);
        *out = r->account;
        *found = true;
        return SR_SUCCESS;
    }
    return SR_SUCCESS;
}

static sr lookup_source(const ntlm_userdb_source *src, userdb_snapshot *snap, const char *user,
                        const char *domain, ntlm_account *out, bool *found) {
    if (snap) return lookup_snapshot(snap, user, domain, out, found);
    return lookup_file(src->file, user, domain, out, found);
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
    ntlm_userdb_cache *cache = cache_find(src->file);
    userdb_snapshot *snap = cache ? cache_acquire(cache) : NULL;
    bool found = false;
    sr r = lookup_source(src, snap, user, domain, out, &found);
    if (sr_is_ok(r) && !found && (domain == NULL || domain[0] == '\0')) {
        /* "user@realm" with no domain: try (user, realm). */
        const char *at = strrchr(user, '@');
        if (at && at != user && at[1] != '\0') {
            size_t ulen = (size_t)(at - user);
            char *u = strndup(user, ulen);
            if (u == NULL)
                r = SR_FAIL(SR_NO_MEMORY);
            else
                r = lookup_source(src, snap, u, at + 1, out, &found);
            free(u);
        }
    }
    snapshot_release(snap);
    cache_release(cache);
    SR_TRY(r);
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
