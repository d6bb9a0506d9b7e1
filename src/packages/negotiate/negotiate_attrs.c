/*
 * QueryContextAttributes (Negotiate).
 *
 *  - SECPKG_ATTR_NEGOTIATION_INFO: the SecPkgInfo of the selected (or, during
 *    the handshake, the currently tried) mech and the NegotiationState:
 *    SECPKG_NEGOTIATION_COMPLETE once done, SECPKG_NEGOTIATION_OPTIMISTIC on a
 *    client that has only sent its optimistic token, else
 *    SECPKG_NEGOTIATION_IN_PROGRESS. Wine's negotiate tests, run against
 *    Windows, expect NTLM's SecPkgInfo ("NTLM", RPC_C_AUTHN_WINNT) and
 *    SECPKG_NEGOTIATION_COMPLETE on an established Negotiate/NTLM context.
 *  - SECPKG_ATTR_PACKAGE_INFO and SECPKG_ATTR_NEGOTIATION_PACKAGE: the
 *    selected mech's SecPkgInfo (a SecPkgContext_PackageInfo), as Windows
 *    answers for Negotiate contexts; Negotiate's own before a mech exists.
 *  - Everything else goes to the inner mech's package (SIZES, NAMES, FLAGS,
 *    SESSION_KEY, ...): Windows reports NTLM's sizes on a Negotiate context.
 */
#include <stdlib.h>
#include <string.h>

#include "core/memory.h"
#include "core/unicode.h"
#include "negotiate_context.h"

/* One caller block: SecPkgInfoA/W followed by its strings. */
static sr package_info_block(const sspi_package *p, bool unicode, void **out) {
    *out = NULL;
    if (!unicode) {
        size_t nl = strlen(p->name) + 1, cl = strlen(p->comment) + 1;
        SecPkgInfoA *pi = sspi_caller_alloc(sizeof(*pi) + nl + cl);
        SR_ENSURE(pi != NULL, SR_NO_MEMORY);
        char *s = (char *)(pi + 1);
        memcpy(s, p->name, nl);
        memcpy(s + nl, p->comment, cl);
        pi->Name = s;
        pi->Comment = s + nl;
        pi->fCapabilities = p->capabilities;
        pi->wVersion = p->version;
        pi->wRPCID = p->rpcid;
        pi->cbMaxToken = p->max_token;
        *out = pi;
        return SR_SUCCESS;
    }
    uint16_t *n = NULL, *c = NULL;
    size_t nn = 0, cn = 0;
    sr r = utf8_to_utf16_units(p->name, strlen(p->name), &n, &nn);
    if (sr_is_ok(r)) r = utf8_to_utf16_units(p->comment, strlen(p->comment), &c, &cn);
    SecPkgInfoW *pi = NULL;
    if (sr_is_ok(r)) {
        pi = sspi_caller_alloc(sizeof(*pi) + (nn + 1 + cn + 1) * sizeof(SEC_WCHAR));
        if (!pi) r = SR_FAIL(SR_NO_MEMORY);
    }
    if (sr_is_ok(r)) {
        SEC_WCHAR *s = (SEC_WCHAR *)(pi + 1);
        memcpy(s, n, (nn + 1) * sizeof(SEC_WCHAR));
        memcpy(s + nn + 1, c, (cn + 1) * sizeof(SEC_WCHAR));
        pi->Name = s;
        pi->Comment = s + nn + 1;
        pi->fCapabilities = p->capabilities;
        pi->wVersion = p->version;
        pi->wRPCID = p->rpcid;
        pi->cbMaxToken = p->max_token;
        *out = pi;
    }
    free(n);
    free(c);
    return r;
}

static const sspi_package *current_package(const nego_context *ctx) {
    return ctx->mc ? ctx->mc->pkg : &sspi_negotiate_package;
}

static ULONG negotiation_state(const nego_context *ctx) {
    if (ctx->state == NEGO_ST_DONE) return SECPKG_NEGOTIATION_COMPLETE;
    if (!ctx->is_server && ctx->state == NEGO_ST_CLIENT_WAIT && !ctx->first_reply_seen)
        return SECPKG_NEGOTIATION_OPTIMISTIC;
    return SECPKG_NEGOTIATION_IN_PROGRESS;
}

sr nego_query_context_attribute(nego_context *ctx, ULONG attribute, void *buffer, bool unicode) {
    SR_ENSURE(buffer != NULL, SR_INVALID_PARAMETER);
    switch (attribute) {
    case SECPKG_ATTR_NEGOTIATION_INFO: {
        void *pi;
        SR_TRY(package_info_block(current_package(ctx), unicode, &pi));
        ULONG state = negotiation_state(ctx);
        if (unicode) {
            ((SecPkgContext_NegotiationInfoW *)buffer)->PackageInfo = pi;
            ((SecPkgContext_NegotiationInfoW *)buffer)->NegotiationState = state;
        } else {
            ((SecPkgContext_NegotiationInfoA *)buffer)->PackageInfo = pi;
            ((SecPkgContext_NegotiationInfoA *)buffer)->NegotiationState = state;
        }
        return SR_SUCCESS;
    }
    case SECPKG_ATTR_PACKAGE_INFO:
    case SECPKG_ATTR_NEGOTIATION_PACKAGE: {
        void *pi;
        SR_TRY(package_info_block(current_package(ctx), unicode, &pi));
        if (unicode)
            ((SecPkgContext_PackageInfoW *)buffer)->PackageInfo = pi;
        else
            ((SecPkgContext_PackageInfoA *)buffer)->PackageInfo = pi;
        return SR_SUCCESS;
    }
    default:
        break;
    }
    SR_ENSURE(ctx->inner != NULL, SR_NO_CONTEXT);
    const sspi_package *p = ctx->mc->pkg;
    SR_ENSURE(p->query_context_attribute != NULL, SR_UNSUPPORTED);
    return p->query_context_attribute(ctx->inner, attribute, buffer, unicode);
}
