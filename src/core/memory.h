/*
 * Memory handed to the application ("caller memory"): everything the
 * library allocates for the caller (ISC_REQ_ALLOCATE_MEMORY tokens,
 * EnumerateSecurityPackages arrays, attribute strings, session keys) comes
 * from sspi_caller_alloc and is released by FreeContextBuffer, which checks
 * a header (magic + size), wipes the whole block and frees it. Pointers that
 * did not come from here are refused (SEC_E_INVALID_HANDLE) instead of being
 * passed to free().
 */
#ifndef LIBSSPI_CORE_MEMORY_H
#define LIBSSPI_CORE_MEMORY_H

#include <stdbool.h>
#include <stddef.h>

#include "result.h"

/* Zeroed block of n bytes for the caller (NULL on failure). */
void *sspi_caller_alloc(size_t n);
/* Copy of data (n bytes) into caller memory. */
void *sspi_caller_dup(const void *data, size_t n);
/* Release a block from sspi_caller_alloc: wipe and free. SR_INVALID_HANDLE
 * if p is not such a block (best effort check); NULL is SR_OK. */
SR_MUST_CHECK sr sspi_caller_free(void *p);
/* Is p a live caller block? */
bool sspi_caller_owns(const void *p);

/* A string attribute in the flavour the caller asked for: UTF-8 `utf8` is
 * copied into caller memory as char* (unicode == false) or as a
 * NUL-terminated SEC_WCHAR* (unicode == true); *out receives the pointer. */
SR_MUST_CHECK sr sspi_caller_string(const char *utf8, bool unicode, void **out);

#endif
