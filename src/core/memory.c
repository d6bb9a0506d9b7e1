/*
 * Caller memory (see memory.h).
 *
 * Registry-free design: every block is preceded by a header holding a magic
 * value and the usable size. The magic is bound to the block address and
 * to a per-process random value (so a header copied elsewhere, or a block
 * from another process image, does not pass), and it is cleared when the
 * block is freed so that a second FreeContextBuffer of the same pointer is
 * refused as long as the memory has not been reused by malloc. This is a
 * best-effort check: a pointer into unrelated memory is refused only when
 * the bytes in front of it are readable and do not carry the magic (under
 * AddressSanitizer, probing in front of a foreign malloc block is reported
 * as an overflow, as it should be: it is an application bug).
 */
#include "memory.h"

#include <pthread.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "crypto/crypto.h"
#include "unicode.h"

#define CALLER_MAGIC_BASE UINT64_C(0x5353504943414c4c) /* "SSPICALL" */

typedef struct caller_header {
    uint64_t magic;
    uint64_t size;  /* usable bytes after the header */
    uint64_t check; /* ~magic ^ size: catches a torn/forged header */
    uint64_t pad;
} caller_header;

/* The header size keeps the user pointer aligned like malloc's. */
#define HEADER_SIZE                                                            \
    (((sizeof(caller_header) + alignof(max_align_t) - 1) / alignof(max_align_t)) * \
     alignof(max_align_t))

static uint64_t process_secret;
static pthread_once_t secret_once = PTHREAD_ONCE_INIT;

static void secret_init(void) {
    uint64_t v = 0;
    if (getrandom(&v, sizeof v, GRND_NONBLOCK) != (ssize_t)sizeof v) {
        /* No entropy yet: still unpredictable enough for a sanity check. */
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        v = (uint64_t)ts.tv_nsec * UINT64_C(0x9E3779B97F4A7C15) ^ (uint64_t)(uintptr_t)&v;
    }
    process_secret = v;
}

static uint64_t magic_for(const void *block) {
    pthread_once(&secret_once, secret_init);
    return CALLER_MAGIC_BASE ^ process_secret ^ (uint64_t)(uintptr_t)block;
}

void *sspi_caller_alloc(size_t n) {
    if (n > SIZE_MAX - HEADER_SIZE) return NULL;
    uint8_t *block = calloc(1, HEADER_SIZE + n);
    if (!block) return NULL;
    caller_header h;
    h.magic = magic_for(block);
    h.size = (uint64_t)n;
    h.check = ~h.magic ^ h.size;
    h.pad = 0;
    memcpy(block, &h, sizeof h);
    return block + HEADER_SIZE;
}

void *sspi_caller_dup(const void *data, size_t n) {
    void *p = sspi_caller_alloc(n);
    if (p && n) memcpy(p, data, n);
    return p;
}

/* The header of p if p is a live caller block, else NULL. */
static uint8_t *live_block(const void *p) {
    if (!p) return NULL;
    uintptr_t u = (uintptr_t)p;
    if (u < HEADER_SIZE || u % alignof(max_align_t) != 0) return NULL;
    uint8_t *block = (uint8_t *)p - HEADER_SIZE;
    caller_header h;
    memcpy(&h, block, sizeof h);
    uint64_t m = magic_for(block);
    if (h.magic != m || h.check != (~m ^ h.size)) return NULL;
    if (h.size > SIZE_MAX - HEADER_SIZE) return NULL;
    return block;
}

bool sspi_caller_owns(const void *p) { return live_block(p) != NULL; }

sr sspi_caller_free(void *p) {
    if (!p) return SR_SUCCESS;
    uint8_t *block = live_block(p);
    SR_ENSURE(block != NULL, SR_INVALID_HANDLE);
    caller_header h;
    memcpy(&h, block, sizeof h);
    /* Wipes header (magic cleared: a second free is refused) and data. */
    crypto_free_wipe(block, HEADER_SIZE + (size_t)h.size);
    return SR_SUCCESS;
}

sr sspi_caller_string(const char *utf8, bool unicode, void **out) {
    SR_ENSURE(out != NULL, SR_INVALID_PARAMETER);
    *out = NULL;
    if (!utf8) utf8 = "";
    size_t len = strlen(utf8);
    if (!unicode) {
        void *p = sspi_caller_dup(utf8, len + 1);
        SR_ENSURE(p != NULL, SR_NO_MEMORY);
        *out = p;
        return SR_SUCCESS;
    }
    uint16_t *units;
    size_t n;
    SR_TRY(utf8_to_utf16_units(utf8, len, &units, &n));
    void *p = sspi_caller_dup(units, (n + 1) * sizeof(uint16_t));
    crypto_free_wipe(units, (n + 1) * sizeof(uint16_t));
    SR_ENSURE(p != NULL, SR_NO_MEMORY);
    *out = p;
    return SR_SUCCESS;
}
