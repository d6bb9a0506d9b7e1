/*
 * Kerberos credentials: where the TGT comes from (outbound) and which keytab
 * answers (inbound). See krb_creds.h and include/libsspi_kerberos.h.
 */
#include "krb_creds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sspi.h>
#include <libsspi_kerberos.h>

#include "core/log.h"
#include "core/memory.h"
#include "core/unicode.h"
#include "crypto/crypto.h"
#include "krb_transport.h"

#define LOG_COMPONENT "kerberos"

/* FILETIME of the Unix epoch (100 ns units since 1601). */
#define KRB_FILETIME_UNIX_EPOCH INT64_C(116444736000000000)
#define KRB_TIME_NEVER INT64_C(0x7fffffffffffffff)

void krb_timestamp_from_unix(TimeStamp *ts, int64_t unix_seconds) {
    int64_t ft = unix_seconds > 0 ? unix_seconds * 10000000 + KRB_FILETIME_UNIX_EPOCH
                                  : KRB_TIME_NEVER;
    uint64_t v = (uint64_t)ft;
    ts->LowPart = (ULONG)(v & 0xffffffffu);
    ts->HighPart = (LONG)(int32_t)(uint32_t)(v >> 32);
}

/* ---- service ticket cache ---- */

void krb_tc_init(krb_ticket_cache *tc, size_t max, int64_t skew) {
    memset(tc, 0, sizeof *tc);
    tc->max = max ? max : 1;
    tc->skew = skew < 0 ? 0 : skew;
}

bool krb_tc_usable(const krb_ticket_cache *tc, const kg_times *t, int64_t now) {
    int64_t start = t->starttime ? t->starttime : t->authtime;
    if (t->endtime <= start || now < start - tc->skew) return false;
    int64_t margin = (t->endtime - start) / 2;
    if (margin > tc->skew) margin = tc->skew;
    return now < t->endtime - margin;
}

static void tc_unlink(krb_ticket_cache *tc, krb_tc_entry *e) {
    if (e->prev) e->prev->next = e->next; else tc->head = e->next;
    if (e->next) e->next->prev = e->prev; else tc->tail = e->prev;
    e->prev = e->next = NULL;
    tc->count--;
}

static void tc_push_front(krb_ticket_cache *tc, krb_tc_entry *e) {
    e->prev = NULL;
    e->next = tc->head;
    if (tc->head) tc->head->prev = e; else tc->tail = e;
    tc->head = e;
    tc->count++;
}

static void tc_drop(krb_ticket_cache *tc, kg_ctx *k, krb_tc_entry *e) {
    tc_unlink(tc, e);
    kg_ticket_free(k, e->ticket);
    kg_principal_free(k, e->server);
    free(e);
}

static krb_tc_entry *tc_find(krb_ticket_cache *tc, kg_ctx *k, const kg_principal *server,
                             uint32_t options) {
    for (krb_tc_entry *e = tc->head; e; e = e->next)
        if (e->options == options && kg_principal_equal(k, e->server, server)) return e;
    return NULL;
}

void krb_tc_clear(krb_ticket_cache *tc, kg_ctx *k) {
    while (tc->head) tc_drop(tc, k, tc->head);
}

void krb_tc_get(krb_ticket_cache *tc, kg_ctx *k, const kg_principal *server, uint32_t options,
                int64_t now, kg_ticket **out) {
    *out = NULL;
    krb_tc_entry *e = tc_find(tc, k, server, options);
    if (e && !krb_tc_usable(tc, &e->times, now)) {
        tc_drop(tc, k, e);
        tc->expired++;
        e = NULL;
    }
    if (!e) {
        tc->misses++;
        return;
    }
    if (e != tc->head) {
        tc_unlink(tc, e);
        tc_push_front(tc, e);
    }
    tc->hits++;
    *out = kg_ticket_ref(e->ticket);
}

sr krb_tc_put(krb_ticket_cache *tc, kg_ctx *k, const kg_principal *server, uint32_t options,
              kg_ticket *t, int64_t now) {
    kg_times times;
    kg_ticket_times(t, &times);
    krb_tc_entry *old = tc_find(tc, k, server, options);
    if (old) tc_drop(tc, k, old);
    if (!krb_tc_usable(tc, &times, now)) return SR_SUCCESS;
    krb_tc_entry *e = calloc(1, sizeof *e);
    SR_ENSURE(e != NULL, SR_NO_MEMORY);
    sr r = kg_principal_copy(k, server, &e->server);
    if (!sr_is_ok(r)) {
        free(e);
        return r;
    }
    e->options = options;
    e->times = times;
    e->ticket = kg_ticket_ref(t);
    if (tc->count >= tc->max) {
        /* Full: what has expired goes first, then the least recently used. */
        for (krb_tc_entry *x = tc->tail, *prev; x; x = prev) {
            prev = x->prev;
            if (!krb_tc_usable(tc, &x->times, now)) {
                tc_drop(tc, k, x);
                tc->expired++;
            }
        }
        while (tc->count >= tc->max) {
            tc_drop(tc, k, tc->tail);
            tc->evictions++;
        }
    }
    tc_push_front(tc, e);
    return SR_SUCCESS;
}

sr krb_creds_keytab(krb_creds *c, kg_keytab **out) {
    if (!c->keytab) SR_TRY(kg_keytab_resolve(c->kg, c->keytab_name, false, &c->keytab));
    *out = c->keytab;
    return SR_SUCCESS;
}

kg_ticket *krb_creds_cached_ticket(krb_creds *c, const kg_principal *server, uint32_t options) {
    kg_ticket *t = NULL;
    krb_tc_get(&c->tickets, c->kg, server, options, (int64_t)time(NULL), &t);
    return t;
}

void krb_creds_remember_ticket(krb_creds *c, const kg_principal *server, uint32_t options,
                               kg_ticket *t) {
    sr r = krb_tc_put(&c->tickets, c->kg, server, options, t, (int64_t)time(NULL));
    if (!sr_is_ok(r))
        SSPI_LOG(SSPI_LOG_INFO, LOG_COMPONENT, "service ticket not cached: %s",
                 sr_code_name(r.code));
}

static void creds_free(krb_creds *c) {
    if (!c) return;
    if (c->kg) {
        krb_tc_clear(&c->tickets, c->kg);
        kg_principal_free(c->kg, c->client);
        kg_principal_free(c->kg, c->acceptor);
        if (c->private_cc)
            kg_ccache_destroy(c->kg, c->ccache);
        else
            kg_ccache_close(c->kg, c->ccache);
        kg_keytab_close(c->kg, c->client_kt);
        kg_keytab_close(c->kg, c->keytab);
        kg_ctx_free(c->kg);
    }
    if (c->password) crypto_free_wipe(c->password, c->password_len + 1);
    free(c->client_name);
    free(c->keytab_name);
    free(c->acceptor_name);
    pthread_mutex_destroy(&c->lock);
    crypto_wipe(c, sizeof *c);
    free(c);
}

krb_creds *krb_creds_ref(krb_creds *c) {
    if (c) atomic_fetch_add(&c->refs, 1);
    return c;
}

void krb_creds_release(krb_creds *c) {
    if (c && atomic_fetch_sub(&c->refs, 1) == 1) creds_free(c);
}

static char *upper_ascii_dup(const char *s) {
    char *d = strdup(s);
    if (!d) return NULL;
    for (char *p = d; *p; p++)
        if (*p >= 'a' && *p <= 'z') *p = (char)(*p - 'a' + 'A');
    return d;
}

/* The client principal of an identity: "user@REALM" (UPN form: the suffix
 * upper-cased as the realm), "DOMAIN\user" -> user@DOMAIN (upper case), or
 * the bare user in the default realm. */
static sr identity_principal(kg_ctx *kg, const sspi_identity *id, kg_principal **out) {
    char *name = NULL;
    const char *at = strrchr(id->user, '@');
    if (id->domain[0]) {
        char *realm = upper_ascii_dup(id->domain);
        SR_ENSURE(realm != NULL, SR_NO_MEMORY);
        size_t n = strlen(id->user) + strlen(realm) + 2;
        name = malloc(n);
        if (name) snprintf(name, n, "%s@%s", id->user, realm);
        free(realm);
    } else if (at) {
        name = strdup(id->user);
        if (name) {
            for (char *p = name + (at - id->user) + 1; *p; p++)
                if (*p >= 'a' && *p <= 'z') *p = (char)(*p - 'a' + 'A');
        }
    } else {
        name = strdup(id->user);
    }
    SR_ENSURE(name != NULL, SR_NO_MEMORY);
    sr r = kg_principal_parse(kg, name, out);
    free(name);
    return r;
}

static sr acquire_outbound(krb_creds *c, const sspi_cred_request *req) {
    const sspi_identity *id = req->identity;
    if (id && id->anonymous) return SR_FAIL(SR_UNSUPPORTED); /* anonymous PKINIT: not yet */
    if (id && id->user[0]) {
        SR_TRY(identity_principal(c->kg, id, &c->client));
        SR_TRY(kg_principal_unparse(c->kg, c->client, &c->client_name));
        if (id->password_len == 0) {
            /* A user without a password: that user's cache in the collection. */
            return kg_ccache_default(c->kg, c->client, &c->ccache);
        }
        c->password = malloc(id->password_len + 1);
        SR_ENSURE(c->password != NULL, SR_NO_MEMORY);
        memcpy(c->password, id->password, id->password_len + 1);
        c->password_len = id->password_len;
        SR_TRY(kg_ccache_new_memory(c->kg, &c->ccache));
        c->private_cc = true;
        return SR_SUCCESS;
    }
    if (req->principal && req->principal[0]) {
        SR_TRY(kg_principal_parse(c->kg, req->principal, &c->client));
        sr r = kg_ccache_default(c->kg, c->client, &c->ccache);
        if (sr_is_ok(r)) {
            c->have_tgt = true;
            return kg_principal_unparse(c->kg, c->client, &c->client_name);
        }
        /* The client keytab may hold that principal. */
        SR_TRY(kg_keytab_resolve(c->kg, NULL, true, &c->client_kt));
        SR_ENSURE(kg_keytab_has_principal(c->kg, c->client_kt, c->client), SR_NO_CREDENTIALS);
        SR_TRY(kg_ccache_new_memory(c->kg, &c->ccache));
        c->private_cc = true;
        return kg_principal_unparse(c->kg, c->client, &c->client_name);
    }
    sr r = kg_ccache_default(c->kg, NULL, &c->ccache);
    if (sr_is_ok(r)) {
        SR_TRY(kg_ccache_principal(c->kg, c->ccache, &c->client));
        c->have_tgt = true;
        return kg_principal_unparse(c->kg, c->client, &c->client_name);
    }
    /* No cache: the client keytab's first principal. */
    if (sr_is_ok(kg_keytab_resolve(c->kg, NULL, true, &c->client_kt)) &&
        kg_keytab_has_content(c->kg, c->client_kt) &&
        sr_is_ok(kg_keytab_first_principal(c->kg, c->client_kt, &c->client))) {
        SR_TRY(kg_ccache_new_memory(c->kg, &c->ccache));
        c->private_cc = true;
        return kg_principal_unparse(c->kg, c->client, &c->client_name);
    }
    return SR_FAIL(SR_NO_CREDENTIALS);
}

sr krb_creds_acquire(const sspi_cred_request *req, krb_creds **out, TimeStamp *expiry) {
    *out = NULL;
    SR_ENSURE(req->use & (SECPKG_CRED_INBOUND | SECPKG_CRED_OUTBOUND), SR_INVALID_PARAMETER);
    krb_creds *c = calloc(1, sizeof *c);
    SR_ENSURE(c != NULL, SR_NO_MEMORY);
    atomic_init(&c->refs, 1);
    c->use = req->use;
    pthread_mutex_init(&c->lock, NULL);
    krb_tc_init(&c->tickets, KRB_TC_MAX_DEFAULT, 300);
    sr r = kg_ctx_new(&c->kg);
    if (sr_is_ok(r)) krb_tc_init(&c->tickets, KRB_TC_MAX_DEFAULT, kg_clockskew(c->kg));
    if (sr_is_ok(r) && (req->use & SECPKG_CRED_OUTBOUND)) {
        r = acquire_outbound(c, req);
        if (sr_is_ok(r)) {
            c->outbound = true;
        } else if (req->use & SECPKG_CRED_INBOUND) {
            SSPI_LOG(SSPI_LOG_INFO, LOG_COMPONENT, "no client credentials (%s): inbound only",
                     sr_code_name(r.code));
            r = SR_SUCCESS;
        }
    }
    if (sr_is_ok(r) && (req->use & SECPKG_CRED_INBOUND)) {
        c->inbound = true;
        if (req->principal && req->principal[0] && !(req->use & SECPKG_CRED_OUTBOUND)) {
            r = kg_principal_parse(c->kg, req->principal, &c->acceptor);
            if (sr_is_ok(r)) r = kg_principal_unparse(c->kg, c->acceptor, &c->acceptor_name);
        }
    }
    if (!sr_is_ok(r)) {
        creds_free(c);
        return r;
    }
    if (expiry) {
        kg_times t;
        if (c->have_tgt && sr_is_ok(kg_ccache_tgt_times(c->kg, c->ccache, &t)))
            krb_timestamp_from_unix(expiry, t.endtime);
        else
            krb_timestamp_from_unix(expiry, 0);
    }
    SSPI_LOG(SSPI_LOG_DEBUG, LOG_COMPONENT, "acquired use=%lu client=%s", (unsigned long)c->use,
             c->client_name ? c->client_name : "-");
    *out = c;
    return SR_SUCCESS;
}

sr krb_creds_ensure_tgt(krb_creds *c) {
    SR_ENSURE(c->outbound && c->ccache, SR_NO_CREDENTIALS);
    if (c->have_tgt) return SR_SUCCESS;
    SR_ENSURE(c->password || c->client_kt, SR_NO_CREDENTIALS);
    kg_exchange *x = NULL;
    SR_TRY(kg_as_new(c->kg, c->client, c->password, c->password ? NULL : c->client_kt, &x));
    sr r = krb_transport_run(c->kg, x);
    if (sr_is_ok(r)) r = krb_creds_store_tgt(c, x);
    kg_exchange_free(x);
    if (!sr_is_ok(r)) {
        SSPI_LOG(SSPI_LOG_INFO, LOG_COMPONENT, "AS exchange for %s failed: %s (%s)",
                 c->client_name, sr_code_name(r.code), kg_last_message(c->kg));
        return r;
    }
    return SR_SUCCESS;
}

sr krb_creds_store_tgt(krb_creds *c, kg_exchange *x) {
    if (c->have_tgt) return SR_SUCCESS; /* a concurrent AS exchange won */
    SR_TRY(kg_as_store(x, c->ccache));
    c->have_tgt = true;
    /* The password is not needed any more (tickets renew through a new
     * credential handle, as on Windows a new logon). */
    if (c->password) {
        crypto_free_wipe(c->password, c->password_len + 1);
        c->password = NULL;
        c->password_len = 0;
    }
    return SR_SUCCESS;
}

/* ---- attributes ---- */

static sr read_string(const void *buffer, ULONG buffer_len, bool unicode, char **out) {
    *out = NULL;
    SR_ENSURE(buffer != NULL, SR_INVALID_PARAMETER);
    if (unicode) {
        const SEC_WCHAR *w = buffer;
        size_t max = buffer_len / sizeof(SEC_WCHAR), n = 0;
        while (n < max && w[n] != 0) n++;
        size_t len;
        return utf16_units_to_utf8((const uint16_t *)w, n, out, &len);
    }
    const char *a = buffer;
    size_t n = strnlen(a, buffer_len);
    *out = strndup(a, n);
    SR_ENSURE(*out != NULL, SR_NO_MEMORY);
    return SR_SUCCESS;
}

static sr put_string(const char *s, bool unicode, void *buffer) {
    void *p = NULL;
    SR_TRY(sspi_caller_string(s, unicode, &p));
    if (unicode)
        ((SecPkgCredentials_LibsspiStringW *)buffer)->sValue = p;
    else
        ((SecPkgCredentials_LibsspiStringA *)buffer)->sValue = p;
    return SR_SUCCESS;
}

sr krb_creds_query_attribute(krb_creds *c, ULONG attribute, void *buffer, bool unicode) {
    SR_ENSURE(buffer != NULL, SR_INVALID_PARAMETER);
    sr r = SR_FAIL(SR_UNSUPPORTED);
    pthread_mutex_lock(&c->lock);
    switch (attribute) {
    case SECPKG_CRED_ATTR_NAMES: {
        const char *name = c->client_name ? c->client_name : c->acceptor_name;
        if (!name) {
            r = SR_FAIL(SR_NO_CREDENTIALS);
            break;
        }
        void *s = NULL;
        r = sspi_caller_string(name, unicode, &s);
        if (!sr_is_ok(r)) break;
        if (unicode)
            ((SecPkgCredentials_NamesW *)buffer)->sUserName = s;
        else
            ((SecPkgCredentials_NamesA *)buffer)->sUserName = s;
        break;
    }
    case SECPKG_CRED_ATTR_LIBSSPI_KRB5_KEYTAB: {
        const char *kt = c->keytab_name;
        if (!kt) {
            const char *env = getenv("KRB5_KTNAME");
            kt = env && env[0] ? env : "FILE:/etc/krb5.keytab";
        }
        r = put_string(kt, unicode, buffer);
        break;
    }
    case SECPKG_CRED_ATTR_LIBSSPI_KRB5_CCACHE: {
        if (!c->ccache) {
            r = SR_FAIL(SR_NO_CREDENTIALS);
            break;
        }
        char *name = NULL;
        r = kg_ccache_name(c->kg, c->ccache, &name);
        if (sr_is_ok(r)) r = put_string(name, unicode, buffer);
        free(name);
        break;
    }
    default:
        break;
    }
    pthread_mutex_unlock(&c->lock);
    return r;
}

sr krb_creds_set_attribute(krb_creds *c, ULONG attribute, const void *buffer, ULONG buffer_len,
                           bool unicode) {
    switch (attribute) {
    case SECPKG_CRED_ATTR_LIBSSPI_KRB5_KEYTAB: {
        char *path;
        SR_TRY(read_string(buffer, buffer_len, unicode, &path));
        if (path[0] == '\0') {
            free(path);
            path = NULL;
        }
        pthread_mutex_lock(&c->lock);
        free(c->keytab_name);
        c->keytab_name = path;
        kg_keytab_close(c->kg, c->keytab);
        c->keytab = NULL;
        c->inbound = c->inbound || path != NULL;
        pthread_mutex_unlock(&c->lock);
        return SR_SUCCESS;
    }
    case SECPKG_CRED_ATTR_LIBSSPI_KRB5_DELEGATION: {
        ULONG v = 0;
        SR_ENSURE(buffer != NULL && buffer_len == sizeof(ULONG), SR_INVALID_PARAMETER);
        memcpy(&v, buffer, sizeof v);
        SR_ENSURE(v <= LIBSSPI_KRB5_DELEGATE_ALWAYS, SR_INVALID_PARAMETER);
        pthread_mutex_lock(&c->lock);
        c->deleg_always = v == LIBSSPI_KRB5_DELEGATE_ALWAYS;
        pthread_mutex_unlock(&c->lock);
        return SR_SUCCESS;
    }
    default:
        return SR_FAIL(SR_UNSUPPORTED);
    }
}
