/*
 * ExportSecurityContext / ImportSecurityContextA/W: the package serialises
 * its state into a heap token; the API layer hands it out as caller memory
 * (pPackedContext->pvBuffer, freed with FreeContextBuffer) and rebuilds a
 * context handle from it on import. There are no kernel tokens on Linux:
 * *pToken is always set to NULL and the Token argument of the import is
 * ignored.
 */
#include <stdlib.h>

#include "api/api_internal.h"
#include "core/memory.h"
#include "crypto/crypto.h"

SR_MUST_CHECK static sr export_ctx(PCtxtHandle h, ULONG flags, PSecBuffer packed, void **token) {
    if (token) *token = NULL;
    api_ref ref;
    api_ctx *ctx;
    SR_TRY(api_ctx_get(h, &ref, &ctx));
    sr r = packed ? SR_SUCCESS : SR_FAIL(SR_INVALID_PARAMETER);
    if (sr_is_ok(r) && !ctx->pkg->export_context) r = SR_FAIL(SR_UNSUPPORTED);
    sspi_token t = {NULL, 0};
    if (sr_is_ok(r)) {
        pthread_mutex_lock(&ctx->lock);
        r = ctx->pkg_ctx ? ctx->pkg->export_context(ctx->pkg_ctx, flags, &t)
                         : SR_FAIL(SR_INVALID_HANDLE);
        pthread_mutex_unlock(&ctx->lock);
    }
    if (sr_is_ok(r) && t.len > UINT32_MAX) r = SR_FAIL(SR_INTERNAL);
    if (sr_is_ok(r)) {
        void *p = sspi_caller_dup(t.data, t.len);
        if (!p) {
            r = SR_FAIL(SR_NO_MEMORY);
        } else {
            packed->pvBuffer = p;
            packed->cbBuffer = (ULONG)t.len;
        }
    }
    crypto_free_wipe(t.data, t.len);
    api_release(&ref);
    if (sr_is_ok(r) && (flags & SECPKG_CONTEXT_EXPORT_DELETE_OLD)) {
        /* The old handle goes away; a concurrent delete may have won. */
        sr dr = sspi_handle_delete(api_from_sechandle(h), SSPI_HANDLE_CONTEXT);
        if (!sr_is_ok(dr)) SSPI_LOG(SSPI_LOG_DEBUG, API_LOG, "export: old context already gone");
    }
    return r;
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY ExportSecurityContext(PCtxtHandle phContext, ULONG fFlags,
                                                            PSecBuffer pPackedContext,
                                                            void **pToken) {
    return api_status("ExportSecurityContext",
                      export_ctx(phContext, fFlags, pPackedContext, pToken));
}

SR_MUST_CHECK static sr import_ctx(const char *package, PSecBuffer packed, PCtxtHandle out) {
    SR_ENSURE(out != NULL && packed != NULL, SR_INVALID_PARAMETER);
    const sspi_package *pkg = sspi_package_find(package);
    SR_ENSURE(pkg != NULL, SR_SECPKG_NOT_FOUND);
    SR_ENSURE(pkg->import_context != NULL, SR_UNSUPPORTED);
    SR_ENSURE(packed->cbBuffer > 0 && packed->pvBuffer != NULL, SR_INVALID_TOKEN);
    api_ctx *ctx = api_ctx_alloc(pkg, NULL, false);
    SR_ENSURE(ctx != NULL, SR_NO_MEMORY);
    sr r = pkg->import_context(packed->pvBuffer, packed->cbBuffer, &ctx->pkg_ctx);
    if (sr_is_ok(r) && !ctx->pkg_ctx) r = SR_FAIL(SR_INTERNAL);
    if (sr_is_ok(r)) r = api_ctx_register(ctx, out);
    if (!sr_is_ok(r)) api_ctx_destroy(ctx);
    return r;
}

SECURITY_STATUS api_import_context(const char *fn, const char *package, PSecBuffer packed,
                                   PCtxtHandle phContext) {
    return api_status(fn, import_ctx(package, packed, phContext));
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY ImportSecurityContextA(SEC_CHAR *pszPackage,
                                                             PSecBuffer pPackedContext,
                                                             void *Token, PCtxtHandle phContext) {
    return api_import_context("ImportSecurityContextA", pszPackage, pPackedContext, phContext);
}

SSPI_EXPORT SECURITY_STATUS SEC_ENTRY ImportSecurityContextW(SEC_WCHAR *pszPackage,
                                                             PSecBuffer pPackedContext,
                                                             void *Token, PCtxtHandle phContext) {
    static const char fn[] = "ImportSecurityContextW";
    char *package = NULL;
    sr r = api_wide_to_utf8(pszPackage, &package);
    SECURITY_STATUS s = sr_is_ok(r) ? api_import_context(fn, package, pPackedContext, phContext)
                                    : api_status(fn, r);
    free(package);
    return s;
}
