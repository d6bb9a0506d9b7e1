/*
 * Handle table (see handles.h).
 *
 * Slots live in one array that doubles when full; freed slots go on a free
 * list and get a new generation, so a stale handle to a reused slot does
 * not match. The encoded words are XORed with per-process random secrets;
 * the lower secret has its top bit set so that decoding a zero dwLower
 * yields an index far out of range.
 */
#include "handles.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>

#include "log.h"

struct sspi_handle_entry {
    size_t refs; /* protected by table_mutex */
    void *obj;
    void (*destroy)(void *);
    sspi_handle_kind kind;
};

typedef struct slot {
    sspi_handle_entry *entry; /* NULL when free */
    uintptr_t generation;     /* 1 .. GEN_MAX */
    size_t next_free;         /* free list link (index + 1, 0 = end) */
} slot;

#define TOP_BIT (UINTPTR_MAX ^ (UINTPTR_MAX >> 1))
#define GEN_MAX (UINTPTR_MAX >> 8)
#define MAX_SLOTS ((size_t)(UINTPTR_MAX >> 2))

static pthread_mutex_t table_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t secret_once = PTHREAD_ONCE_INIT;
static uintptr_t secret_lo, secret_hi;
static slot *slots;
static size_t slot_count; /* slots in use or on the free list */
static size_t slot_cap;
static size_t free_head; /* index + 1, 0 = empty */
static size_t live_count[3];

static void secrets_init(void) {
    uintptr_t v[2] = {0, 0};
    if (getrandom(v, sizeof v, GRND_NONBLOCK) != (ssize_t)sizeof v) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        v[0] = (uintptr_t)ts.tv_nsec * (uintptr_t)0x9E3779B97F4A7C15ull ^ (uintptr_t)&v;
        v[1] = (uintptr_t)ts.tv_sec * (uintptr_t)0xC2B2AE3D27D4EB4Full ^ (uintptr_t)&ts;
    }
    secret_lo = v[0] | TOP_BIT;
    secret_hi = v[1];
}

static sspi_handle_value encode(size_t index, uintptr_t generation, sspi_handle_kind kind) {
    sspi_handle_value h;
    h.lower = (uintptr_t)index ^ secret_lo;
    h.upper = ((generation << 8) | (uintptr_t)kind) ^ secret_hi;
    return h;
}

static bool reserved_value(sspi_handle_value h) {
    /* All-zero (a zeroed handle) and all-ones (SecInvalidateHandle). */
    return (h.lower == 0 && h.upper == 0) || (h.lower == UINTPTR_MAX && h.upper == UINTPTR_MAX);
}

/* Must hold table_mutex. */
static slot *decode(sspi_handle_value h, sspi_handle_kind kind) {
    if (reserved_value(h)) return NULL;
    uintptr_t index = h.lower ^ secret_lo;
    if (index >= slot_count) return NULL;
    slot *s = &slots[index];
    if (!s->entry) return NULL;
    uintptr_t word = h.upper ^ secret_hi;
    if ((word & 0xFF) != (uintptr_t)kind || (word >> 8) != s->generation) return NULL;
    if (s->entry->kind != kind) return NULL;
    return s;
}

static bool grow(void) {
    if (slot_cap >= MAX_SLOTS) return false;
    size_t ncap = slot_cap ? slot_cap * 2 : 64;
    if (ncap > MAX_SLOTS || ncap > SIZE_MAX / sizeof(slot)) ncap = MAX_SLOTS;
    slot *n = realloc(slots, ncap * sizeof(slot));
    if (!n) return false;
    slots = n;
    slot_cap = ncap;
    return true;
}

sr sspi_handle_new(sspi_handle_kind kind, void *obj, void (*destroy)(void *),
                   sspi_handle_value *out) {
    SR_ENSURE(out != NULL && obj != NULL, SR_INVALID_PARAMETER);
    SR_ENSURE(kind == SSPI_HANDLE_CREDENTIAL || kind == SSPI_HANDLE_CONTEXT, SR_INTERNAL);
    pthread_once(&secret_once, secrets_init);
    sspi_handle_entry *e = malloc(sizeof *e);
    SR_ENSURE(e != NULL, SR_NO_MEMORY);
    e->refs = 1;
    e->obj = obj;
    e->destroy = destroy;
    e->kind = kind;

    pthread_mutex_lock(&table_mutex);
    size_t index;
    if (free_head) {
        index = free_head - 1;
        free_head = slots[index].next_free;
    } else {
        if (slot_count == slot_cap && !grow()) {
            pthread_mutex_unlock(&table_mutex);
            free(e);
            return SR_FAIL(SR_NO_MEMORY);
        }
        index = slot_count++;
        slots[index].generation = 1;
    }
    slot *s = &slots[index];
    s->entry = e;
    s->next_free = 0;
    sspi_handle_value h = encode(index, s->generation, kind);
    while (reserved_value(h)) { /* practically never: pick another generation */
        s->generation = s->generation >= GEN_MAX ? 1 : s->generation + 1;
        h = encode(index, s->generation, kind);
    }
    live_count[kind]++;
    pthread_mutex_unlock(&table_mutex);
    *out = h;
    SSPI_LOG(SSPI_LOG_DEBUG, "handles", "new %s handle in slot %zu",
             kind == SSPI_HANDLE_CREDENTIAL ? "credential" : "context", index);
    return SR_SUCCESS;
}

/* Lock the table and find h's slot; on NULL (SR_INVALID_HANDLE) the table
 * is unlocked again. */
static slot *lock_slot(sspi_handle_value h, sspi_handle_kind kind) {
    pthread_once(&secret_once, secrets_init);
    pthread_mutex_lock(&table_mutex);
    slot *s = decode(h, kind);
    if (!s) pthread_mutex_unlock(&table_mutex);
    return s;
}

sr sspi_handle_lookup(sspi_handle_value h, sspi_handle_kind kind, sspi_handle_entry **out) {
    SR_ENSURE(out != NULL, SR_INVALID_PARAMETER);
    *out = NULL;
    slot *s = lock_slot(h, kind);
    SR_ENSURE(s != NULL, SR_INVALID_HANDLE);
    s->entry->refs++;
    *out = s->entry;
    pthread_mutex_unlock(&table_mutex);
    return SR_SUCCESS;
}

void *sspi_handle_object(const sspi_handle_entry *e) { return e ? e->obj : NULL; }

void sspi_handle_retain(sspi_handle_entry *e) {
    if (!e) return;
    pthread_mutex_lock(&table_mutex);
    e->refs++;
    pthread_mutex_unlock(&table_mutex);
}

void sspi_handle_release(sspi_handle_entry *e) {
    if (!e) return;
    pthread_mutex_lock(&table_mutex);
    bool last = --e->refs == 0;
    pthread_mutex_unlock(&table_mutex);
    if (!last) return;
    /* Outside the lock: destroy may release other entries. */
    if (e->destroy) e->destroy(e->obj);
    free(e);
}

sr sspi_handle_delete(sspi_handle_value h, sspi_handle_kind kind) {
    slot *s = lock_slot(h, kind);
    SR_ENSURE(s != NULL, SR_INVALID_HANDLE);
    sspi_handle_entry *e = s->entry;
    size_t index = (size_t)(s - slots);
    s->entry = NULL;
    s->generation = s->generation >= GEN_MAX ? 1 : s->generation + 1;
    s->next_free = free_head;
    free_head = index + 1;
    live_count[kind]--;
    pthread_mutex_unlock(&table_mutex);
    SSPI_LOG(SSPI_LOG_DEBUG, "handles", "deleted handle in slot %zu", index);
    sspi_handle_release(e);
    return SR_SUCCESS;
}

size_t sspi_handle_count(sspi_handle_kind kind) {
    if (kind != SSPI_HANDLE_CREDENTIAL && kind != SSPI_HANDLE_CONTEXT) return 0;
    pthread_mutex_lock(&table_mutex);
    size_t n = live_count[kind];
    pthread_mutex_unlock(&table_mutex);
    return n;
}
