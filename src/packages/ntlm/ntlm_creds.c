/*
 * NTLM credentials: acquisition (explicit identity, default identity from
 * NTLM_USER_FILE, anonymous), policy attributes, reference counting.
 */
#include "ntlm_creds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libsspi_ntlm.h>

#include "core/log.h"
#include "crypto/crypto.h"
#include "ntlm_crypto.h"
#include "packages/pkg_attrs.h"

#define LOG_COMPONENT "ntlm-creds"

unsigned ntlm_lm_compat_from_env(void) {
    const char *v = getenv("LM_COMPAT_LEVEL");
    if (!v || !*v) return NTLM_LM_COMPAT_DEFAULT;
    if (v[0] >= '0' && v[0] <= '5' && v[1] == '\0') return (unsigned)(v[0] - '0');
    SSPI_LOG(SSPI_LOG_ERROR, LOG_COMPONENT, "LM_COMPAT_LEVEL=%s ignored (0..5)", v);
    return NTLM_LM_COMPAT_DEFAULT;
}

/* The account file (NULL or "": none), with its cache held open for the
 * credential's lifetime (ntlm_userdb.h). Under c->lock, or while the
 * credential is private to its creator. */
static sr creds_set_file(ntlm_creds *c, const char *path) {
    char *copy = NULL;
    ntlm_userdb_cache *cache = NULL;
    if (path && path[0]) {
        copy = strdup(path);
        SR_ENSURE(copy != NULL, SR_NO_MEMORY);
        sr r = ntlm_userdb_cache_open(path, &cache);
        if (!sr_is_ok(r)) {
            free(copy);
            return r;
        }
    }
    free(c->db.file);
    ntlm_userdb_cache_close(c->file_cache);
    c->db.file = copy;
    c->file_cache = cache;
    return SR_SUCCESS;
}

static void creds_free(ntlm_creds *c) {
    sspi_identity_free(c->identity);
    ntlm_userdb_cache_close(c->file_cache);
    ntlm_userdb_source_clear(&c->db);
    pthread_mutex_destroy(&c->lock);
    crypto_wipe(c, sizeof(*c));
    free(c);
}

ntlm_creds *ntlm_creds_ref(ntlm_creds *c) {
    atomic_fetch_add(&c->refs, 1);
    return c;
}

void ntlm_creds_release(ntlm_creds *c) {
    if (c && atomic_fetch_sub(&c->refs, 1) == 1) creds_free(c);
}

sr ntlm_creds_acquire(const sspi_cred_request *req, ntlm_creds **out) {
    *out = NULL;
    SR_ENSURE((req->use & SECPKG_CRED_BOTH) != 0, SR_INVALID_PARAMETER);
    ntlm_creds *c = calloc(1, sizeof(*c));
    SR_ENSURE(c != NULL, SR_NO_MEMORY);
    atomic_init(&c->refs, 1);
    if (pthread_mutex_init(&c->lock, NULL) != 0) {
        free(c);
        return SR_FAIL(SR_INTERNAL);
    }
    c->use = req->use;
    c->policy.lm_compat = ntlm_lm_compat_from_env();
    c->policy.cbt_policy = LIBSSPI_CBT_WHEN_SUPPORTED;
    const char *file = getenv("NTLM_USER_FILE");
    sr r = SR_SUCCESS;
    if (file && *file) r = creds_set_file(c, file);
    if (sr_is_ok(r) && req->identity) {
        r = sspi_identity_clone(req->identity, &c->identity);
    } else if (sr_is_ok(r) && (req->use & SECPKG_CRED_OUTBOUND)) {
        /* Default credentials: the first account of NTLM_USER_FILE. */
        r = ntlm_userdb_first_identity(file, &c->identity);
        if (r.code == SR_NO_CREDENTIALS && (req->use & SECPKG_CRED_INBOUND)) {
            /* BOTH: still usable as an acceptor; ISC will fail. */
            r = SR_SUCCESS;
        }
    }
    if (!sr_is_ok(r)) {
        creds_free(c);
        return r;
    }
    SSPI_LOG(SSPI_LOG_DEBUG, LOG_COMPONENT, "acquired use=%lu identity=%s lm_compat=%u",
             (unsigned long)c->use, c->identity ? "yes" : "no", c->policy.lm_compat);
    *out = c;
    return SR_SUCCESS;
}

sr ntlm_creds_snapshot(ntlm_creds *c, ntlm_policy *policy, ntlm_userdb_source *db) {
    pthread_mutex_lock(&c->lock);
    *policy = c->policy;
    sr r = ntlm_userdb_source_copy(&c->db, db);
    pthread_mutex_unlock(&c->lock);
    return r;
}

/* Under c->lock. */
static sr derive_client_keys(ntlm_creds *c, bool want_lm) {
    const sspi_identity *id = c->identity;
    SR_ENSURE(id != NULL, SR_NO_CREDENTIALS);
    ntlm_client_keys *k = &c->keys;
    if (!c->keys_ready) {
        uint8_t nt[16], v2[16];
        sr r = SR_SUCCESS;
        if (id->has_nt_hash)
            memcpy(nt, id->nt_hash, 16);
        else
            r = ntlm_nt_hash(id->password, id->password_len, nt);
        if (sr_is_ok(r)) r = ntlm_ntowfv2(nt, id->user, id->domain, v2);
        if (sr_is_ok(r)) {
            memcpy(k->nt_hash, nt, 16);
            memcpy(k->ntowfv2, v2, 16);
            c->keys_ready = true;
        }
        crypto_wipe(nt, sizeof nt);
        crypto_wipe(v2, sizeof v2);
        SR_TRY(r);
    }
    if (want_lm && !c->lm_ready) {
        /* Pass-the-hash identities have no password: no LM hash. */
        k->has_lm_hash = !id->has_nt_hash &&
                         sr_is_ok(ntlm_lm_hash(id->password, id->password_len, k->lm_hash));
        if (!k->has_lm_hash) crypto_wipe(k->lm_hash, sizeof k->lm_hash);
        c->lm_ready = true;
    }
    return SR_SUCCESS;
}

sr ntlm_creds_client_keys(ntlm_creds *c, bool want_lm, ntlm_client_keys *out) {
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&c->lock);
    sr r = derive_client_keys(c, want_lm);
    if (sr_is_ok(r)) {
        memcpy(out->nt_hash, c->keys.nt_hash, 16);
        memcpy(out->ntowfv2, c->keys.ntowfv2, 16);
        if (want_lm && c->keys.has_lm_hash) {
            out->has_lm_hash = true;
            memcpy(out->lm_hash, c->keys.lm_hash, 16);
        }
    }
    pthread_mutex_unlock(&c->lock);
    return r;
}

sr ntlm_qualified_name(const char *domain, const char *user, char **out) {
    const char *d = domain ? domain : "";
    const char *u = user ? user : "";
    size_t n = strlen(d) + strlen(u) + 2;
    *out = malloc(n);
    SR_ENSURE(*out != NULL, SR_NO_MEMORY);
    if (d[0])
        snprintf(*out, n, "%s\\%s", d, u);
    else
        snprintf(*out, n, "%s", u);
    return SR_SUCCESS;
}

static sr read_ulong(const void *buffer, ULONG buffer_len, ULONG *v) {
    SR_ENSURE(buffer != NULL && buffer_len == sizeof(ULONG), SR_INVALID_PARAMETER);
    memcpy(v, buffer, sizeof(ULONG));
    return SR_SUCCESS;
}

sr ntlm_creds_set_attribute(ntlm_creds *c, ULONG attribute, const void *buffer, ULONG buffer_len,
                            bool unicode) {
    ULONG v = 0;
    switch (attribute) {
    case SECPKG_CRED_ATTR_LIBSSPI_NTLM_USER_FILE: {
        char *path;
        /* char* (A) or SEC_WCHAR* (W), bounded by buffer_len bytes. */
        SR_TRY(pkg_attr_read_string(buffer, buffer_len, unicode, &path));
        pthread_mutex_lock(&c->lock);
        sr r = creds_set_file(c, path);
        pthread_mutex_unlock(&c->lock);
        free(path);
        return r;
    }
    case SECPKG_CRED_ATTR_LIBSSPI_NTLM_HASH_CALLBACK: {
        SR_ENSURE(buffer != NULL && buffer_len == sizeof(LIBSSPI_NTLM_HASH_CALLBACK),
                  SR_INVALID_PARAMETER);
        LIBSSPI_NTLM_HASH_CALLBACK cb;
        memcpy(&cb, buffer, sizeof cb);
        pthread_mutex_lock(&c->lock);
        c->db.callback = cb.Callback;
        c->db.callback_arg = cb.Callback ? cb.Context : NULL;
        pthread_mutex_unlock(&c->lock);
        return SR_SUCCESS;
    }
    case SECPKG_CRED_ATTR_LIBSSPI_LM_COMPAT_LEVEL:
        SR_TRY(read_ulong(buffer, buffer_len, &v));
        SR_ENSURE(v <= 5, SR_INVALID_PARAMETER);
        pthread_mutex_lock(&c->lock);
        c->policy.lm_compat = (unsigned)v;
        pthread_mutex_unlock(&c->lock);
        return SR_SUCCESS;
    case SECPKG_CRED_ATTR_LIBSSPI_CBT_POLICY:
        SR_TRY(read_ulong(buffer, buffer_len, &v));
        SR_ENSURE(v <= LIBSSPI_CBT_REQUIRED, SR_INVALID_PARAMETER);
        pthread_mutex_lock(&c->lock);
        c->policy.cbt_policy = v;
        pthread_mutex_unlock(&c->lock);
        return SR_SUCCESS;
    case SECPKG_CRED_ATTR_LIBSSPI_ALLOW_ANONYMOUS:
        SR_TRY(read_ulong(buffer, buffer_len, &v));
        pthread_mutex_lock(&c->lock);
        c->policy.allow_anonymous = v != 0;
        pthread_mutex_unlock(&c->lock);
        return SR_SUCCESS;
    case SECPKG_CRED_ATTR_LIBSSPI_ALLOW_EMPTY_PASSWORD:
        SR_TRY(read_ulong(buffer, buffer_len, &v));
        pthread_mutex_lock(&c->lock);
        c->policy.allow_empty_password = v != 0;
        pthread_mutex_unlock(&c->lock);
        return SR_SUCCESS;
    default:
        return SR_FAIL(SR_UNSUPPORTED);
    }
}

sr ntlm_creds_query_attribute(ntlm_creds *c, ULONG attribute, void *buffer, bool unicode) {
    SR_ENSURE(buffer != NULL, SR_INVALID_PARAMETER);
    if (attribute != SECPKG_CRED_ATTR_NAMES) return SR_FAIL(SR_UNSUPPORTED);
    /* Windows returns "DOMAIN\user" for the credential's user. */
    SR_ENSURE(c->identity != NULL, SR_NO_CREDENTIALS);
    char *name;
    SR_TRY(ntlm_qualified_name(c->identity->domain, c->identity->user, &name));
    sr r = pkg_cred_attr_names(name, buffer, unicode);
    free(name);
    return r;
}
