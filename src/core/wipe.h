/*
 * The one secret wipe of libsspi. It lives in the base layer (with result.c)
 * so that every layer can use it: the wire layer must not depend on the
 * crypto layer. crypto_wipe / crypto_free_wipe (crypto/crypto.h) call it.
 */
#ifndef LIBSSPI_CORE_WIPE_H
#define LIBSSPI_CORE_WIPE_H

#include <stddef.h>

/* Zero len bytes at p in a way the compiler may not remove as a dead store.
 * p == NULL or len == 0 does nothing. */
void sspi_wipe(void *p, size_t len);

#endif
