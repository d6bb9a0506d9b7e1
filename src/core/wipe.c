/* Secret wipe (contract in wipe.h). */
#include "wipe.h"

#include <string.h>

#if !defined(__GNUC__) && !defined(__clang__)
/* Without an asm barrier: call memset through a volatile pointer, which the
 * compiler cannot see through, so the store cannot be proven dead. */
static void *(*const volatile wipe_memset)(void *, int, size_t) = memset;
#endif

/* memset followed by a compiler barrier that takes the pointer as an input
 * and clobbers memory, so the zeroed bytes are observable and the store
 * cannot be dropped as dead. Faster than a volatile byte loop or
 * OPENSSL_cleanse (an out-of-line loop) for the many small temporaries wiped
 * on the handshake and message paths. */
void sspi_wipe(void *p, size_t len) {
    if (p == NULL || len == 0) return;
#if defined(__GNUC__) || defined(__clang__)
    memset(p, 0, len);
    __asm__ __volatile__("" : : "r"(p) : "memory");
#else
    (void)wipe_memset(p, 0, len);
#endif
}
