/*
 * Building blocks shared by the packages' ExportSecurityContext blobs
 * (ntlm_export.c, krb_export.c): a sticky first-error accumulator for
 * writers, length-prefixed optional strings, and the mapping of every read
 * failure to SR_INVALID_TOKEN (a hostile blob is a bad token, never a
 * parameter error). All reads go through the shared cursor.
 */
#ifndef LIBSSPI_PACKAGES_EXPORT_BLOB_H
#define LIBSSPI_PACKAGES_EXPORT_BLOB_H

#include "core/result.h"
#include "wire/cursor.h"

#define EXPORT_STR_MAX 4096u

/* Keep the first failure in *acc. */
void export_keep(sr *acc, sr r);
/* u8 present flag, u16le length, bytes (NULL is "absent"); longer than
 * EXPORT_STR_MAX -> SR_CANNOT_PACK. */
void export_put_str(wire_writer *w, const char *s, sr *acc);
/* Any read failure except SR_NO_MEMORY becomes SR_INVALID_TOKEN. */
sr export_tok(sr r);
/* Reads what export_put_str wrote: *out stays NULL when absent, else a heap
 * NUL-terminated copy (embedded NULs are SR_INVALID_TOKEN). */
SR_MUST_CHECK sr export_get_str(wire_reader *r, char **out);

#endif
