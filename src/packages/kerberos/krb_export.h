/*
 * ExportSecurityContext / ImportSecurityContext for Kerberos contexts
 * (krb_export.c).
 */
#ifndef LIBSSPI_KRB_EXPORT_H
#define LIBSSPI_KRB_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include <sspi.h>

#include "core/result.h"
#include "krb_context.h"
#include "packages/package.h"

/* The state of a complete context as a secret blob (heap, in *packed).
 * SR_NO_CONTEXT before the AP exchange finished. */
SR_MUST_CHECK sr krb_context_export(krb_context *ctx, ULONG flags, sspi_token *packed);
/* A context from a blob of krb_context_export; SR_INVALID_TOKEN for any
 * blob that is not one. The context has no credential (it serves the
 * message functions and the attributes). */
SR_MUST_CHECK sr krb_context_import(const uint8_t *packed, size_t len, krb_context **out);

#endif
