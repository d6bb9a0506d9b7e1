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
#include "negotiate_context.h"
#include "packages/pkg_attrs.h"

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
    case SECPKG_ATTR_NEGOTIATION_INFO:
        return pkg_attr_negotiation_info(current_package(ctx), negotiation_state(ctx), buffer,
                                         unicode);
    case SECPKG_ATTR_PACKAGE_INFO:
    case SECPKG_ATTR_NEGOTIATION_PACKAGE:
        return pkg_attr_package_info(current_package(ctx), buffer, unicode);
    default:
        break;
    }
    SR_ENSURE(ctx->inner != NULL, SR_NO_CONTEXT);
    const sspi_package *p = ctx->mc->pkg;
    SR_ENSURE(p->query_context_attribute != NULL, SR_UNSUPPORTED);
    return p->query_context_attribute(ctx->inner, attribute, buffer, unicode);
}
