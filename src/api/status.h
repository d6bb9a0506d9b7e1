/*
 * sr -> SECURITY_STATUS (src/api/status.c is the only place doing it).
 */
#ifndef LIBSSPI_API_STATUS_H
#define LIBSSPI_API_STATUS_H

#include <stdbool.h>

#include <issperr.h>

#include "core/result.h"

/* The Windows status for r; out-of-range codes give SEC_E_INTERNAL_ERROR. */
SECURITY_STATUS sspi_status_from_sr(sr r);
/* True when code has an explicit entry in the table (tests). */
bool sspi_status_is_mapped(sr_code code);

#endif
