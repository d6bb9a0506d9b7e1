/*
 * security.h - libsspi umbrella header, as on Windows.
 *
 * Windows code does:
 *     #define SECURITY_WIN32
 *     #include <security.h>
 * which works unchanged. SECURITY_WIN32 (or SECURITY_KERNEL) is accepted but
 * not required: without it the same user-mode API is declared.
 */
#ifndef LIBSSPI_SECURITY_H
#define LIBSSPI_SECURITY_H

#include "sspi.h"

#endif /* LIBSSPI_SECURITY_H */
