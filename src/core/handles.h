/*
 * The handle table: CredHandle / CtxtHandle values handed to applications.
 *
 * A handle is {dwLower, dwUpper} = {slot ^ secret_lo, ((generation << 8) |
 * kind) ^ secret_hi}, where the secrets are per-process random values. A
 * lookup decodes the slot, bounds-checks it against the table and compares
 * generation and kind with the slot's: zeroed, forged, stale (deleted, slot
 * reused) and wrong-kind handles are refused with SR_INVALID_HANDLE without
 * dereferencing anything the caller gave.
 *
 * Lifetime: an entry holds the object and its destroy function. The table
 * owns one reference; every successful lookup takes one more, released with
 * sspi_handle_release. sspi_handle_delete removes the handle from the table
 * (further lookups fail) and drops the table's reference; the object is
 * destroyed when the last reference goes, so a concurrent delete never
 * frees an object another thread is using. The table is thread-safe (one
 * mutex) and grows without a fixed cap.
 */
#ifndef LIBSSPI_CORE_HANDLES_H
#define LIBSSPI_CORE_HANDLES_H

#include <stddef.h>
#include <stdint.h>

#include "result.h"

typedef enum sspi_handle_kind {
    SSPI_HANDLE_CREDENTIAL = 1,
    SSPI_HANDLE_CONTEXT = 2
} sspi_handle_kind;

typedef struct sspi_handle_entry sspi_handle_entry;

/* The two words of a CredHandle / CtxtHandle (ULONG_PTR is uintptr_t). */
typedef struct sspi_handle_value {
    uintptr_t lower;
    uintptr_t upper;
} sspi_handle_value;

/* Register obj; on success *out is its handle value and the table owns obj
 * (destroy(obj) runs when the handle is deleted and unreferenced). On
 * failure nothing is registered and obj is untouched. */
SR_MUST_CHECK sr sspi_handle_new(sspi_handle_kind kind, void *obj, void (*destroy)(void *),
                                 sspi_handle_value *out);
/* Look a handle up and take a reference (release with sspi_handle_release).
 * SR_INVALID_HANDLE for anything that is not a live handle of `kind`. */
SR_MUST_CHECK sr sspi_handle_lookup(sspi_handle_value h, sspi_handle_kind kind,
                                    sspi_handle_entry **out);
void *sspi_handle_object(const sspi_handle_entry *e);
/* Take one more reference to an entry already referenced (e.g. a context
 * keeping its credential alive). */
void sspi_handle_retain(sspi_handle_entry *e);
void sspi_handle_release(sspi_handle_entry *e);
/* Remove a handle from the table (the object lives on while referenced).
 * SR_INVALID_HANDLE if it is not live (so deleting twice is refused). */
SR_MUST_CHECK sr sspi_handle_delete(sspi_handle_value h, sspi_handle_kind kind);
/* Number of live handles of a kind (tests, leak checks). */
size_t sspi_handle_count(sspi_handle_kind kind);

#endif
