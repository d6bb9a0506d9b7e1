/*
 * API layer helpers: handle <-> object, string conversion, buffer
 * descriptor checks, status logging.
 */
#include <stdlib.h>
#include <string.h>

#include "api/api_internal.h"
#include "core/unicode.h"
#include "crypto/crypto.h"

SecHandle api_to_sechandle(sspi_handle_value v) {
    SecHandle h;
    h.dwLower = (ULONG_PTR)v.lower;
    h.dwUpper = (ULONG_PTR)v.upper;
    return h;
}

sspi_handle_value api_from_sechandle(const SecHandle *h) {
    sspi_handle_value v;
    v.lower = (uintptr_t)h->dwLower;
    v.upper = (uintptr_t)h->dwUpper;
    return v;
}

sr api_cred_get(const SecHandle *h, api_ref *ref, api_cred **out) {
    ref->entry = NULL;
    *out = NULL;
    SR_ENSURE(h != NULL, SR_INVALID_HANDLE);
    SR_TRY(sspi_handle_lookup(api_from_sechandle(h), SSPI_HANDLE_CREDENTIAL, &ref->entry));
    *out = sspi_handle_object(ref->entry);
    return SR_SUCCESS;
}

sr api_ctx_get(const SecHandle *h, api_ref *ref, api_ctx **out) {
    ref->entry = NULL;
    *out = NULL;
    SR_ENSURE(h != NULL, SR_INVALID_HANDLE);
    SR_TRY(sspi_handle_lookup(api_from_sechandle(h), SSPI_HANDLE_CONTEXT, &ref->entry));
    *out = sspi_handle_object(ref->entry);
    return SR_SUCCESS;
}

void api_release(api_ref *ref) {
    if (ref && ref->entry) {
        sspi_handle_release(ref->entry);
        ref->entry = NULL;
    }
}

api_ctx *api_ctx_alloc(const sspi_package *pkg, sspi_handle_entry *cred_entry, bool server) {
    api_ctx *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    if (pthread_mutex_init(&c->lock, NULL) != 0) {
        free(c);
        return NULL;
    }
    c->pkg = pkg;
    c->server = server;
    c->cred_entry = cred_entry;
    if (cred_entry) sspi_handle_retain(cred_entry);
    return c;
}

void api_ctx_destroy(void *p) {
    api_ctx *c = p;
    if (!c) return;
    if (c->pkg_ctx && c->pkg->delete_context) c->pkg->delete_context(c->pkg_ctx);
    c->pkg_ctx = NULL;
    if (c->cred_entry) sspi_handle_release(c->cred_entry);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

sr api_ctx_register(api_ctx *ctx, SecHandle *out) {
    sspi_handle_value v;
    SR_TRY(sspi_handle_new(SSPI_HANDLE_CONTEXT, ctx, api_ctx_destroy, &v));
    *out = api_to_sechandle(v);
    return SR_SUCCESS;
}

sr api_wide_to_utf8(const SEC_WCHAR *w, char **out) {
    *out = NULL;
    if (!w) return SR_SUCCESS;
    const uint16_t *u = (const uint16_t *)w;
    size_t len;
    return utf16_units_to_utf8(u, utf16_units_len(u), out, &len);
}

void api_free_utf8(char *s) {
    if (s) crypto_free_wipe(s, strlen(s) + 1);
}

sr api_check_desc(const SecBufferDesc *d) {
    if (!d) return SR_SUCCESS;
    SR_ENSURE(d->ulVersion == SECBUFFER_VERSION, SR_INVALID_TOKEN);
    SR_ENSURE(d->cBuffers <= API_MAX_BUFFERS, SR_INVALID_PARAMETER);
    SR_ENSURE(d->cBuffers == 0 || d->pBuffers != NULL, SR_INVALID_TOKEN);
    return SR_SUCCESS;
}

SecBuffer *api_find_buffer(const SecBufferDesc *d, ULONG type) {
    if (!d || !d->pBuffers) return NULL;
    for (ULONG i = 0; i < d->cBuffers; i++) {
        if ((d->pBuffers[i].BufferType & ~(ULONG)SECBUFFER_ATTRMASK) == type) return &d->pBuffers[i];
    }
    return NULL;
}

SECURITY_STATUS api_status(const char *fn, sr r) {
    SECURITY_STATUS s = sspi_status_from_sr(r);
    if (sr_is_error(r)) {
        SSPI_LOG(SSPI_LOG_INFO, API_LOG, "%s -> %s (0x%08x)", fn, sr_code_name(r.code),
                 (unsigned)s);
    } else {
        SSPI_LOG(SSPI_LOG_DEBUG, API_LOG, "%s -> %s", fn, sr_code_name(r.code));
    }
    return s;
}
