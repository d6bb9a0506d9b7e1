/*
 * Shared internals of the API layer (src/api/). The exported functions are
 * thin: they convert W strings to UTF-8 once, then call one implementation
 * shared by the A and W flavours, which returns an `sr` mapped to a
 * SECURITY_STATUS by status.c at the very end.
 *
 * Objects behind handles:
 *   api_cred  - package + package credential (kind SSPI_HANDLE_CREDENTIAL);
 *   api_ctx   - package + package context, a reference to the credential
 *               it was built from (so FreeCredentialsHandle while contexts
 *               live is safe) and a mutex serialising package calls on the
 *               context (packages never see two calls on one context at once).
 */
#ifndef LIBSSPI_API_INTERNAL_H
#define LIBSSPI_API_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include <sspi.h>

#include "api/status.h"
#include "core/handles.h"
#include "core/log.h"
#include "core/result.h"
#include "packages/package.h"

/* Every exported function carries this (besides cmake/exports.map). */
#define SSPI_EXPORT LIBSSPI_API

#define API_LOG "api"

/* At most this many buffers in one SecBufferDesc. */
#define API_MAX_BUFFERS 256

typedef struct api_cred {
    const sspi_package *pkg;
    void *pkg_cred;
    ULONG use;
} api_cred;

typedef struct api_ctx {
    const sspi_package *pkg;
    void *pkg_ctx;
    sspi_handle_entry *cred_entry; /* reference held, or NULL (imported) */
    pthread_mutex_t lock;
    bool server;
} api_ctx;

/* A looked-up handle: release with api_release. */
typedef struct api_ref {
    sspi_handle_entry *entry;
} api_ref;

/* Handle lookups (NULL handle pointer -> SR_INVALID_HANDLE). */
SR_MUST_CHECK sr api_cred_get(const SecHandle *h, api_ref *ref, api_cred **out);
SR_MUST_CHECK sr api_ctx_get(const SecHandle *h, api_ref *ref, api_ctx **out);
void api_release(api_ref *ref);
/* Register a new context object (takes ownership of ctx on success). */
SR_MUST_CHECK sr api_ctx_register(api_ctx *ctx, SecHandle *out);
/* Allocate a context object (lock initialised); api_ctx_destroy frees it,
 * deleting the package context and dropping the credential reference. */
api_ctx *api_ctx_alloc(const sspi_package *pkg, sspi_handle_entry *cred_entry, bool server);
void api_ctx_destroy(void *ctx);
SecHandle api_to_sechandle(sspi_handle_value v);
sspi_handle_value api_from_sechandle(const SecHandle *h);

/* W string (NUL-terminated) -> UTF-8 (malloc). NULL gives NULL. */
SR_MUST_CHECK sr api_wide_to_utf8(const SEC_WCHAR *w, char **out);
/* Free a converted string that may be a secret (wiped). */
void api_free_utf8(char *s);

/* SecBufferDesc checks: NULL is allowed (returns OK); bad version or a
 * NULL pBuffers with buffers -> SR_INVALID_TOKEN; too many buffers ->
 * SR_INVALID_PARAMETER. */
SR_MUST_CHECK sr api_check_desc(const SecBufferDesc *d);
/* First buffer of `type` (attribute bits ignored), or NULL. */
SecBuffer *api_find_buffer(const SecBufferDesc *d, ULONG type);

/* Map and log the outcome of an API function. */
SECURITY_STATUS api_status(const char *fn, sr r);

/* Shared implementations behind the A and W exports (strings in UTF-8). */
SECURITY_STATUS api_acquire_credentials(const char *fn, const char *principal,
                                        const char *package, ULONG use, void *logon_id,
                                        void *auth_data, bool unicode, SEC_GET_KEY_FN get_key,
                                        void *get_key_arg, PCredHandle phCredential,
                                        PTimeStamp ptsExpiry);
SECURITY_STATUS api_step(const char *fn, bool server, PCredHandle phCredential,
                         PCtxtHandle phContext, const char *target, ULONG req, ULONG drep,
                         PSecBufferDesc pInput, PCtxtHandle phNewContext, PSecBufferDesc pOutput,
                         ULONG *pfContextAttr, PTimeStamp ptsExpiry);
SECURITY_STATUS api_query_context_attr(const char *fn, PCtxtHandle phContext, ULONG attr,
                                       void *buffer, bool has_size, ULONG cb, bool unicode);
SECURITY_STATUS api_set_context_attr(const char *fn, PCtxtHandle phContext, ULONG attr,
                                     void *buffer, ULONG cb, bool unicode);
SECURITY_STATUS api_query_cred_attr(const char *fn, PCredHandle phCredential, ULONG attr,
                                    void *buffer, bool has_size, ULONG cb, bool unicode);
SECURITY_STATUS api_set_cred_attr(const char *fn, PCredHandle phCredential, ULONG attr,
                                  void *buffer, ULONG cb, bool unicode);
SECURITY_STATUS api_import_context(const char *fn, const char *package, PSecBuffer packed,
                                   PCtxtHandle phContext);
SECURITY_STATUS api_enumerate_packages(ULONG *count, void **info, bool unicode);
SECURITY_STATUS api_query_package_info(const char *fn, const char *name, void **info,
                                       bool unicode);

#endif
