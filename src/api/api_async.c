/*
 * The asynchronous SSPI API (Windows 10 1607+ names and signatures):
 * SspiCreateAsyncContext, SspiFreeAsyncContext, SspiReinitAsyncContext,
 * SspiSetAsyncNotifyCallback, SspiAsyncContextRequiresNotify,
 * SspiGetAsyncCallStatus and the Sspi*Async calls.
 *
 * Semantics (Microsoft's, plus the points Microsoft leaves open):
 *   - A call queues the work and returns SEC_E_OK, or the error met while
 *     queueing it: SEC_E_INVALID_HANDLE (not a live async context),
 *     SEC_E_INVALID_PARAMETER (a call is already pending on this async
 *     context: one call at a time per async context), SEC_E_INSUFFICIENT_-
 *     MEMORY (no memory, or SSPI_ASYNC_MAX_CALLS calls already in flight),
 *     or the error of converting a counted string. When queueing fails
 *     (except for the "already pending" refusal, which leaves the pending
 *     call alone) SspiGetAsyncCallStatus reports the same error and no
 *     callback runs.
 *   - SspiGetAsyncCallStatus is SEC_I_ASYNC_CALL_PENDING while the call
 *     runs, then exactly the status the synchronous function returns for
 *     the same arguments: the worker runs the synchronous implementation
 *     (api_acquire_credentials, api_step, DeleteSecurityContext,
 *     FreeCredentialsHandle) on private copies. SEC_E_OK for an async
 *     context that never ran a call (or was just reinitialised).
 *   - Inputs are copied when the call is queued (target name, principal,
 *     package, input SecBufferDesc and its buffers, handle values), except
 *     pAuthData / pvLogonId / pvGetKeyArgument of SspiAcquireCredentials-
 *     HandleAsync, which are read when the call runs: they must stay valid
 *     until it completes. Outputs (phCredential, phNewContext, the output
 *     SecBufferDesc's buffers, pfContextAttr, ptsExpiry, SECBUFFER_EXTRA /
 *     MISSING in pInput) are written only at completion, just before the
 *     status stops being pending, and only where the synchronous call would
 *     have written them; the pointers must stay valid until then (or until
 *     the call is cancelled).
 *   - The notify callback runs once per completed call, on a library
 *     worker thread, after outputs and status are set, with no library
 *     lock held: it may call SspiGetAsyncCallStatus, SspiReinitAsyncContext,
 *     SspiFreeAsyncContext or start the next call on the same async
 *     context. It must not wait for another asynchronous call (it would
 *     hold a worker). The callback in force at completion is used; a NULL
 *     callback is allowed for every call (poll SspiGetAsyncCallStatus).
 *     SspiAsyncContextRequiresNotify is TRUE when a callback is set.
 *   - A context is reusable: a new call may be started once the previous
 *     one completed (SspiReinitAsyncContext is optional; it resets the
 *     status and keeps the callback, as Microsoft documents).
 *   - SspiFreeAsyncContext / SspiReinitAsyncContext with a call in flight
 *     cancel it: they return at once, no output of that call is written
 *     afterwards and its callback never runs. Work already done is undone
 *     where the caller could not otherwise learn of it (a new context or
 *     credential handle is deleted, an allocated token freed); a cancelled
 *     step on an EXISTING context may have advanced that context: delete
 *     it. Network exchanges of a cancelled call are abandoned promptly.
 *   - Async contexts are handles, not pointers: a freed, stale (double
 *     free) or forged value is refused (SEC_E_INVALID_HANDLE, NTSTATUS
 *     0xC0000008 STATUS_INVALID_HANDLE for SspiReinitAsyncContext, nothing
 *     for SspiFreeAsyncContext) without touching memory.
 *
 * Concurrency: every function may be called from any thread. Distinct
 * async contexts are fully independent. On one async context the
 * management functions are safe at any time, concurrently with the pending
 * call and its callback (a callback racing a free from another thread may
 * see SEC_E_INVALID_HANDLE). Calls using the same CtxtHandle (synchronous
 * or asynchronous) are serialised by the context's lock - never corrupted -
 * but their order is unspecified: like Microsoft, we do not support two
 * concurrent calls on one security context.
 *
 * Threads: a fixed worker pool (src/async/async_pool.h, SSPI_ASYNC_THREADS)
 * runs the steps; packages that need the network suspend on the event loop
 * (src/async/async_io.h) instead of parking a thread.
 */
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_internal.h"
#include "async/async_io.h"
#include "async/async_pool.h"
#include "core/unicode.h"
#include "crypto/crypto.h"

#define ASYNC_LOG "async"
#define NT_STATUS_INVALID_HANDLE ((NTSTATUS)0xC0000008L)
/* Output buffers larger than this are shadowed by this many bytes (no
 * package produces a larger token). */
#define OUTPUT_SHADOW_CAP (1u << 20)

/* ---- async contexts ----------------------------------------------------- */

typedef enum actx_state { ACTX_IDLE, ACTX_PENDING, ACTX_DONE } actx_state;

struct acall;

typedef struct actx {
    atomic_size_t refs;
    SspiAsyncContext *handle; /* its encoded value (immutable) */
    pthread_mutex_t lock;
    actx_state state;         /* lock */
    SECURITY_STATUS status;   /* lock */
    SspiAsyncNotifyCallback cb; /* lock */
    void *cb_data;            /* lock */
    struct acall *call;       /* lock: the call in flight */
} actx;

/* Registry: async context values are {slot, generation} ^ secret. */
typedef struct reg_slot {
    actx *obj;
    uintptr_t gen;
    size_t next_free; /* index + 1 */
} reg_slot;

#define HALF_BITS (sizeof(uintptr_t) * 4)
#define LOW_MASK ((((uintptr_t)1) << HALF_BITS) - 1)

static pthread_mutex_t reg_mutex = PTHREAD_MUTEX_INITIALIZER;
static reg_slot *reg_slots;
static size_t reg_count, reg_cap, reg_free;
static uintptr_t reg_secret;
static bool reg_secret_set;

static uintptr_t reg_encode(size_t index, uintptr_t gen) {
    return ((gen << HALF_BITS) | (uintptr_t)index) ^ reg_secret;
}

/* Must hold reg_mutex. */
static reg_slot *reg_decode(SspiAsyncContext *h) {
    uintptr_t v = (uintptr_t)h;
    if (v == 0) return NULL;
    uintptr_t x = v ^ reg_secret;
    size_t index = (size_t)(x & LOW_MASK);
    uintptr_t gen = x >> HALF_BITS;
    if (index >= reg_count) return NULL;
    reg_slot *s = &reg_slots[index];
    if (!s->obj || s->gen != gen) return NULL;
    return s;
}

static void actx_put(actx *a) {
    if (!a || atomic_fetch_sub(&a->refs, 1) != 1) return;
    pthread_mutex_destroy(&a->lock);
    free(a);
}

/* Look up and take a reference; NULL when not a live async context. */
static actx *actx_get(SspiAsyncContext *h) {
    pthread_mutex_lock(&reg_mutex);
    reg_slot *s = reg_decode(h);
    actx *a = s ? s->obj : NULL;
    if (a) atomic_fetch_add(&a->refs, 1);
    pthread_mutex_unlock(&reg_mutex);
    return a;
}

static bool reg_add(actx *a) {
    pthread_mutex_lock(&reg_mutex);
    if (!reg_secret_set) {
        uintptr_t r = 0;
        if (!sr_is_ok(crypto_random(&r, sizeof r))) r = (uintptr_t)&r * 0x9E3779B97F4A7C15ull;
        reg_secret = r;
        reg_secret_set = true;
    }
    size_t index;
    if (reg_free) {
        index = reg_free - 1;
        reg_free = reg_slots[index].next_free;
    } else {
        if (reg_count == reg_cap) {
            size_t ncap = reg_cap ? reg_cap * 2 : 64;
            reg_slot *n = ncap <= LOW_MASK ? realloc(reg_slots, ncap * sizeof *n) : NULL;
            if (!n) {
                pthread_mutex_unlock(&reg_mutex);
                return false;
            }
            reg_slots = n;
            reg_cap = ncap;
        }
        index = reg_count++;
        reg_slots[index].gen = 1;
    }
    reg_slot *s = &reg_slots[index];
    s->obj = a;
    s->next_free = 0;
    while (reg_encode(index, s->gen) == 0) s->gen = (s->gen + 1) & LOW_MASK;
    a->handle = (SspiAsyncContext *)reg_encode(index, s->gen);
    pthread_mutex_unlock(&reg_mutex);
    return true;
}

/* Remove from the registry; returns the object (its registry reference is
 * now the caller's) or NULL. */
static actx *reg_remove(SspiAsyncContext *h) {
    pthread_mutex_lock(&reg_mutex);
    reg_slot *s = reg_decode(h);
    actx *a = NULL;
    if (s) {
        a = s->obj;
        size_t index = (size_t)(s - reg_slots);
        s->obj = NULL;
        s->gen = (s->gen + 1) & LOW_MASK;
        if (s->gen == 0) s->gen = 1;
        s->next_free = reg_free;
        reg_free = index + 1;
    }
    pthread_mutex_unlock(&reg_mutex);
    return a;
}

/* ---- calls ------------------------------------------------------------- */

typedef enum call_kind { CALL_ACQUIRE, CALL_STEP, CALL_DELETE, CALL_FREE_CRED } call_kind;

/* A private copy of a SecBufferDesc the synchronous code works on. */
typedef struct shadow {
    bool present;      /* the caller gave a descriptor */
    SecBufferDesc desc;
    ULONG n;           /* buffers copied (0 for an invalid header) */
    SecBuffer *bufs;   /* desc.pBuffers */
    SecBuffer *init;   /* bufs as first built (reset / change detection) */
    SecBuffer *orig;   /* the caller's buffers at queue time */
    void **mem;        /* our copy of each buffer's bytes, or NULL */
    PSecBufferDesc caller;
} shadow;

typedef struct acall {
    sspi_job job;      /* first member */
    actx *owner;       /* reference held */
    atomic_bool cancelled;
    atomic_int in_io;  /* 1 while the event loop has the call */
    call_kind kind;
    const char *fn;
    bool unicode;
    /* AcquireCredentialsHandle */
    char *principal, *package;
    ULONG use;
    void *logon_id, *auth_data, *get_key_arg;
    SEC_GET_KEY_FN get_key;
    PCredHandle cred_out;
    CredHandle cred_local, cred_snap;
    /* Initialize / Accept */
    bool server;
    bool has_cred, has_ctx;
    CredHandle cred_in;
    CtxtHandle ctx_in;
    char *target;
    ULONG req, drep;
    shadow in, out;
    PCtxtHandle new_out;
    CtxtHandle new_local, new_snap;
    ULONG *attr_out;
    ULONG attr_local, attr_snap;
    PTimeStamp exp_out;
    TimeStamp exp_local, exp_snap;
    /* Delete / FreeCredentials */
    bool has_handle;
    SecHandle handle;
    sspi_io_slot io;
} acall;

static void free_str(char *s) {
    if (s) crypto_free_wipe(s, strlen(s) + 1);
}

static void shadow_free(shadow *s) {
    for (ULONG i = 0; i < s->n; i++) {
        if (s->mem && s->mem[i]) crypto_free_wipe(s->mem[i], s->init[i].cbBuffer);
    }
    free(s->bufs);
    free(s->init);
    free(s->orig);
    free(s->mem);
    memset(s, 0, sizeof *s);
}

SR_MUST_CHECK static sr shadow_build(shadow *s, PSecBufferDesc d, bool output) {
    memset(s, 0, sizeof *s);
    if (!d) return SR_SUCCESS;
    s->present = true;
    s->caller = d;
    s->desc.ulVersion = d->ulVersion;
    s->desc.cBuffers = d->cBuffers;
    s->desc.pBuffers = NULL;
    /* An invalid header is kept as is (with no buffers): the synchronous
     * code then refuses it with the same status. */
    if (d->ulVersion != SECBUFFER_VERSION || d->cBuffers > API_MAX_BUFFERS || d->cBuffers == 0 ||
        !d->pBuffers)
        return SR_SUCCESS;
    ULONG n = d->cBuffers;
    s->bufs = calloc(n, sizeof *s->bufs);
    s->init = calloc(n, sizeof *s->init);
    s->orig = calloc(n, sizeof *s->orig);
    s->mem = calloc(n, sizeof *s->mem);
    if (!s->bufs || !s->init || !s->orig || !s->mem) {
        shadow_free(s);
        return SR_FAIL(SR_NO_MEMORY);
    }
    s->n = n;
    s->desc.pBuffers = s->bufs;
    for (ULONG i = 0; i < n; i++) {
        SecBuffer b = d->pBuffers[i];
        s->orig[i] = b;
        if (b.pvBuffer && b.cbBuffer) {
            size_t cap = b.cbBuffer;
            if (output && cap > OUTPUT_SHADOW_CAP) cap = OUTPUT_SHADOW_CAP;
            s->mem[i] = malloc(cap);
            if (!s->mem[i]) {
                s->init[i].cbBuffer = 0;
                shadow_free(s);
                return SR_FAIL(SR_NO_MEMORY);
            }
            memcpy(s->mem[i], b.pvBuffer, cap);
            b.pvBuffer = s->mem[i];
            b.cbBuffer = (ULONG)cap;
        }
        s->bufs[i] = b;
        s->init[i] = b;
    }
    return SR_SUCCESS;
}

static void shadow_reset(shadow *s) {
    for (ULONG i = 0; i < s->n; i++) s->bufs[i] = s->init[i];
}

static bool shadow_is_mem(const shadow *s, const void *p, size_t *index) {
    for (ULONG j = 0; j < s->n; j++) {
        const uint8_t *m = s->mem[j];
        if (m && (const uint8_t *)p >= m && (const uint8_t *)p <= m + s->init[j].cbBuffer) {
            if (index) *index = j;
            return true;
        }
    }
    return false;
}

/* A pointer the synchronous code left in a buffer, in the caller's terms. */
static void *shadow_translate(const shadow *s, void *p) {
    size_t j;
    if (!p || !shadow_is_mem(s, p, &j)) return p;
    return (uint8_t *)s->orig[j].pvBuffer + ((uint8_t *)p - (uint8_t *)s->mem[j]);
}

/* Copy what the synchronous code changed into the caller's descriptor. */
static void shadow_deliver(const shadow *s) {
    for (ULONG i = 0; i < s->n; i++) {
        SecBuffer *cb = &s->caller->pBuffers[i];
        const SecBuffer *now = &s->bufs[i], *ini = &s->init[i];
        if (now->BufferType != ini->BufferType) cb->BufferType = now->BufferType;
        if (s->mem[i] && now->pvBuffer == s->mem[i]) {
            size_t len = now->cbBuffer < ini->cbBuffer ? now->cbBuffer : ini->cbBuffer;
            if (len && memcmp(s->orig[i].pvBuffer, s->mem[i], len) != 0)
                memcpy(s->orig[i].pvBuffer, s->mem[i], len);
        } else if (now->pvBuffer != ini->pvBuffer) {
            cb->pvBuffer = shadow_translate(s, now->pvBuffer);
        }
        if (now->cbBuffer != ini->cbBuffer) cb->cbBuffer = now->cbBuffer;
    }
}

/* Cancelled after running: free tokens allocated for the caller. */
static void shadow_undo(const shadow *s) {
    for (ULONG i = 0; i < s->n; i++) {
        void *p = s->bufs[i].pvBuffer;
        if (p && p != s->init[i].pvBuffer && !shadow_is_mem(s, p, NULL)) FreeContextBuffer(p);
    }
}

static void call_free(acall *c) {
    sspi_io_slot_clear(&c->io);
    free_str(c->principal);
    free_str(c->package);
    free_str(c->target);
    shadow_free(&c->in);
    shadow_free(&c->out);
    crypto_wipe(c, sizeof *c);
    free(c);
}

static SECURITY_STATUS call_exec(acall *c) {
    switch (c->kind) {
    case CALL_ACQUIRE:
        return api_acquire_credentials(c->fn, c->principal, c->package, c->use, c->logon_id,
                                       c->auth_data, c->unicode, c->get_key, c->get_key_arg,
                                       c->cred_out ? &c->cred_local : NULL,
                                       c->exp_out ? &c->exp_local : NULL);
    case CALL_STEP:
        return api_step(c->fn, c->server, c->has_cred ? &c->cred_in : NULL,
                        c->has_ctx ? &c->ctx_in : NULL, c->target, c->req, c->drep,
                        c->in.present ? &c->in.desc : NULL, c->new_out ? &c->new_local : NULL,
                        c->out.present ? &c->out.desc : NULL,
                        c->attr_out ? &c->attr_local : NULL, c->exp_out ? &c->exp_local : NULL);
    case CALL_DELETE:
        return DeleteSecurityContext(c->has_handle ? &c->handle : NULL);
    case CALL_FREE_CRED:
        return FreeCredentialsHandle(c->has_handle ? &c->handle : NULL);
    }
    return SEC_E_INTERNAL_ERROR;
}

#define CHANGED(a, b) (memcmp(&(a), &(b), sizeof(a)) != 0)

static void call_deliver(acall *c) {
    if (c->cred_out && CHANGED(c->cred_local, c->cred_snap)) *c->cred_out = c->cred_local;
    if (c->new_out && CHANGED(c->new_local, c->new_snap)) *c->new_out = c->new_local;
    if (c->attr_out && c->attr_local != c->attr_snap) *c->attr_out = c->attr_local;
    if (c->exp_out && CHANGED(c->exp_local, c->exp_snap)) *c->exp_out = c->exp_local;
    if (c->in.present) shadow_deliver(&c->in);
    if (c->out.present) shadow_deliver(&c->out);
}

static void call_undo(acall *c, SECURITY_STATUS st) {
    if (st < 0) { /* an error (SEC_E_*) */
        if (c->out.present) shadow_undo(&c->out); /* rejection token */
        return;
    }
    if (c->kind == CALL_ACQUIRE && c->cred_out && CHANGED(c->cred_local, c->cred_snap))
        (void)FreeCredentialsHandle(&c->cred_local);
    if (c->kind == CALL_STEP) {
        if (!c->has_ctx && c->new_out && CHANGED(c->new_local, c->new_snap))
            (void)DeleteSecurityContext(&c->new_local);
        if (c->out.present) shadow_undo(&c->out);
    }
}

/* The end of a call: deliver (or undo when cancelled), notify, free. */
static void call_complete(acall *c, SECURITY_STATUS st, bool ran) {
    actx *a = c->owner;
    SspiAsyncNotifyCallback cb = NULL;
    void *cb_data = NULL;
    pthread_mutex_lock(&a->lock);
    bool cancelled = atomic_load(&c->cancelled);
    if (!cancelled) {
        call_deliver(c);
        a->status = st;
        a->state = ACTX_DONE;
        a->call = NULL;
        cb = a->cb;
        cb_data = a->cb_data;
    }
    pthread_mutex_unlock(&a->lock);
    if (cancelled && ran) call_undo(c, st);
    SSPI_LOG(SSPI_LOG_DEBUG, ASYNC_LOG, "%s %s (0x%08x)", c->fn,
             cancelled ? "cancelled" : "completed", (unsigned)st);
    call_free(c);
    if (cb) cb(a->handle, cb_data);
    actx_put(a);
    sspi_pool_unadmit();
}

static void call_io_done(void *arg, sspi_io_reply *reply) {
    acall *c = arg;
    c->io.reply = *reply;
    memset(reply, 0, sizeof *reply);
    c->io.has_reply = true;
    atomic_store(&c->in_io, 0);
    sspi_pool_push(&c->job);
}

static void call_run(sspi_job *job) {
    acall *c = (acall *)job;
    if (atomic_load(&c->cancelled)) {
        call_complete(c, SEC_E_INTERNAL_ERROR, false);
        return;
    }
    /* A re-run after network I/O sees the arguments exactly as the first. */
    c->cred_local = c->cred_snap;
    c->new_local = c->new_snap;
    c->attr_local = c->attr_snap;
    c->exp_local = c->exp_snap;
    shadow_reset(&c->in);
    shadow_reset(&c->out);

    sspi_io_slot_enter(&c->io);
    SECURITY_STATUS st = call_exec(c);
    sspi_io_slot_leave();

    if (st == SEC_I_ASYNC_CALL_PENDING && c->io.has_request) {
        /* The package waits for the network: hand the exchange to the loop;
         * this call comes back here with the reply. */
        sspi_io_request req = c->io.req; /* ours now: the slot forgets it */
        c->io.req.data = NULL;
        c->io.has_request = false;
        atomic_store(&c->in_io, 1);
        sr r = sspi_io_start(&req, call_io_done, c, &c->cancelled);
        /* Started: the loop (or already another worker) owns c now. */
        crypto_free_wipe((void *)req.data, req.len);
        if (sr_is_ok(r)) return;
        atomic_store(&c->in_io, 0);
        st = api_status(c->fn, r);
    } else if (st == SEC_I_ASYNC_CALL_PENDING) {
        st = api_status(c->fn, SR_FAIL(SR_INTERNAL)); /* pending without a request */
    }
    sspi_io_slot_clear(&c->io);
    call_complete(c, st, true);
}

/* Record a queue-time failure on the async context (unless a call is
 * pending, which the failure must not disturb). */
static SECURITY_STATUS refuse(actx *a, SECURITY_STATUS st) {
    pthread_mutex_lock(&a->lock);
    if (a->state == ACTX_PENDING) {
        st = SEC_E_INVALID_PARAMETER;
    } else {
        a->state = ACTX_DONE;
        a->status = st;
    }
    pthread_mutex_unlock(&a->lock);
    return st;
}

/* Queue c (built, or NULL after build_status) on the async context h. */
static SECURITY_STATUS queue_call(const char *fn, SspiAsyncContext *h, acall *c,
                                  SECURITY_STATUS build_status) {
    actx *a = actx_get(h);
    if (!a) {
        if (c) call_free(c);
        SSPI_LOG(SSPI_LOG_INFO, ASYNC_LOG, "%s: not a live async context", fn);
        return SEC_E_INVALID_HANDLE;
    }
    if (!c) {
        SECURITY_STATUS st = refuse(a, build_status);
        actx_put(a);
        return st;
    }
    if (!sspi_pool_admit()) {
        call_free(c);
        SECURITY_STATUS st = refuse(a, SEC_E_INSUFFICIENT_MEMORY);
        actx_put(a);
        SSPI_LOG(SSPI_LOG_INFO, ASYNC_LOG, "%s: too many calls in flight", fn);
        return st;
    }
    pthread_mutex_lock(&a->lock);
    if (a->state == ACTX_PENDING) {
        pthread_mutex_unlock(&a->lock);
        sspi_pool_unadmit();
        call_free(c);
        actx_put(a);
        SSPI_LOG(SSPI_LOG_INFO, ASYNC_LOG, "%s: a call is already pending on this context", fn);
        return SEC_E_INVALID_PARAMETER;
    }
    a->state = ACTX_PENDING;
    a->status = SEC_I_ASYNC_CALL_PENDING;
    a->call = c;
    c->owner = a; /* our reference goes to the call */
    pthread_mutex_unlock(&a->lock);
    sspi_pool_push(&c->job);
    SSPI_LOG(SSPI_LOG_DEBUG, ASYNC_LOG, "%s queued", fn);
    return SEC_E_OK;
}

static acall *call_new(call_kind kind, const char *fn, bool unicode) {
    acall *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->job.run = call_run;
    c->kind = kind;
    c->fn = fn;
    c->unicode = unicode;
    atomic_init(&c->cancelled, false);
    atomic_init(&c->in_io, 0);
    return c;
}

/* PSECURITY_STRING (counted UTF-16, Length in bytes) -> UTF-8 (NULL: NULL). */
SR_MUST_CHECK static sr counted_to_utf8(const SECURITY_STRING *s, char **out) {
    *out = NULL;
    if (!s) return SR_SUCCESS;
    SR_ENSURE(s->Length % 2 == 0 && s->Length <= s->MaximumLength, SR_INVALID_PARAMETER);
    SR_ENSURE(s->Length == 0 || s->Buffer != NULL, SR_INVALID_PARAMETER);
    if (s->Length == 0) {
        *out = calloc(1, 1);
        SR_ENSURE(*out != NULL, SR_NO_MEMORY);
        return SR_SUCCESS;
    }
    size_t len;
    return utf16_units_to_utf8((const uint16_t *)s->Buffer, s->Length / 2u, out, &len);
}

SR_MUST_CHECK static sr dup_str(const char *s, char **out) {
    *out = NULL;
    if (!s) return SR_SUCCESS;
    *out = strdup(s);
    SR_ENSURE(*out != NULL, SR_NO_MEMORY);
    return SR_SUCCESS;
}

/* ---- management functions ------------------------------------------------ */

SSPI_EXPORT SspiAsyncContext *SspiCreateAsyncContext(void) {
    if (!sr_is_ok(sspi_pool_start())) return NULL;
    actx *a = calloc(1, sizeof *a);
    if (!a) return NULL;
    if (pthread_mutex_init(&a->lock, NULL) != 0) {
        free(a);
        return NULL;
    }
    atomic_init(&a->refs, 1); /* the registry's */
    a->state = ACTX_IDLE;
    a->status = SEC_E_OK;
    if (!reg_add(a)) {
        actx_put(a);
        return NULL;
    }
    return a->handle;
}

/* Cancel the call in flight, if any (must hold a->lock); returns whether
 * the event loop must look at it. */
static bool cancel_locked(actx *a) {
    acall *c = a->call;
    if (!c) return false;
    atomic_store(&c->cancelled, true);
    a->call = NULL;
    return atomic_load(&c->in_io) != 0;
}

SSPI_EXPORT void SspiFreeAsyncContext(SspiAsyncContext *Handle) {
    actx *a = reg_remove(Handle);
    if (!a) {
        SSPI_LOG(SSPI_LOG_INFO, ASYNC_LOG, "SspiFreeAsyncContext: not a live async context");
        return;
    }
    pthread_mutex_lock(&a->lock);
    bool kick = cancel_locked(a);
    a->state = ACTX_IDLE;
    a->cb = NULL;
    a->cb_data = NULL;
    pthread_mutex_unlock(&a->lock);
    if (kick) sspi_io_kick();
    actx_put(a);
}

SSPI_EXPORT NTSTATUS SspiReinitAsyncContext(SspiAsyncContext *Handle) {
    actx *a = actx_get(Handle);
    if (!a) return NT_STATUS_INVALID_HANDLE;
    pthread_mutex_lock(&a->lock);
    bool kick = cancel_locked(a);
    a->state = ACTX_IDLE;
    a->status = SEC_E_OK;
    pthread_mutex_unlock(&a->lock);
    if (kick) sspi_io_kick();
    actx_put(a);
    return 0;
}

SSPI_EXPORT SECURITY_STATUS SspiSetAsyncNotifyCallback(SspiAsyncContext *Context,
                                                       SspiAsyncNotifyCallback Callback,
                                                       void *CallbackData) {
    actx *a = actx_get(Context);
    if (!a) return SEC_E_INVALID_HANDLE;
    pthread_mutex_lock(&a->lock);
    a->cb = Callback;
    a->cb_data = Callback ? CallbackData : NULL;
    pthread_mutex_unlock(&a->lock);
    actx_put(a);
    return SEC_E_OK;
}

SSPI_EXPORT BOOLEAN SspiAsyncContextRequiresNotify(SspiAsyncContext *AsyncContext) {
    actx *a = actx_get(AsyncContext);
    if (!a) return 0;
    pthread_mutex_lock(&a->lock);
    BOOLEAN r = a->cb != NULL;
    pthread_mutex_unlock(&a->lock);
    actx_put(a);
    return r;
}

SSPI_EXPORT SECURITY_STATUS SspiGetAsyncCallStatus(SspiAsyncContext *Handle) {
    actx *a = actx_get(Handle);
    if (!a) return SEC_E_INVALID_HANDLE;
    pthread_mutex_lock(&a->lock);
    SECURITY_STATUS s = a->state == ACTX_PENDING ? SEC_I_ASYNC_CALL_PENDING : a->status;
    pthread_mutex_unlock(&a->lock);
    actx_put(a);
    return s;
}

/* ---- the calls ------------------------------------------------------------ */

static SECURITY_STATUS acquire_async(const char *fn, SspiAsyncContext *ctx, char *principal,
                                     char *package, sr conv, bool unicode, ULONG use,
                                     void *logon_id, void *auth_data, SEC_GET_KEY_FN get_key,
                                     void *get_key_arg, PCredHandle phCredential,
                                     PTimeStamp ptsExpiry) {
    acall *c = sr_is_ok(conv) ? call_new(CALL_ACQUIRE, fn, unicode) : NULL;
    if (!c) {
        free_str(principal);
        free_str(package);
        return queue_call(fn, ctx, NULL,
                          sr_is_ok(conv) ? SEC_E_INSUFFICIENT_MEMORY : api_status(fn, conv));
    }
    c->principal = principal;
    c->package = package;
    c->use = use;
    c->logon_id = logon_id;
    c->auth_data = auth_data;
    c->get_key = get_key;
    c->get_key_arg = get_key_arg;
    c->cred_out = phCredential;
    if (phCredential) c->cred_snap = *phCredential;
    c->exp_out = ptsExpiry;
    if (ptsExpiry) c->exp_snap = *ptsExpiry;
    return queue_call(fn, ctx, c, SEC_E_OK);
}

SSPI_EXPORT SECURITY_STATUS SspiAcquireCredentialsHandleAsyncW(
    SspiAsyncContext *AsyncContext, PSECURITY_STRING pszPrincipal, PSECURITY_STRING pszPackage,
    ULONG fCredentialUse, void *pvLogonId, void *pAuthData, SEC_GET_KEY_FN pGetKeyFn,
    void *pvGetKeyArgument, PCredHandle phCredential, PTimeStamp ptsExpiry) {
    static const char fn[] = "SspiAcquireCredentialsHandleAsyncW";
    char *principal = NULL, *package = NULL;
    sr r = counted_to_utf8(pszPrincipal, &principal);
    if (sr_is_ok(r)) r = counted_to_utf8(pszPackage, &package);
    return acquire_async(fn, AsyncContext, principal, package, r, true, fCredentialUse, pvLogonId,
                         pAuthData, pGetKeyFn, pvGetKeyArgument, phCredential, ptsExpiry);
}

SSPI_EXPORT SECURITY_STATUS SspiAcquireCredentialsHandleAsyncA(
    SspiAsyncContext *AsyncContext, LPSTR pszPrincipal, LPSTR pszPackage, ULONG fCredentialUse,
    void *pvLogonId, void *pAuthData, SEC_GET_KEY_FN pGetKeyFn, void *pvGetKeyArgument,
    PCredHandle phCredential, PTimeStamp ptsExpiry) {
    static const char fn[] = "SspiAcquireCredentialsHandleAsyncA";
    char *principal = NULL, *package = NULL;
    sr r = dup_str(pszPrincipal, &principal);
    if (sr_is_ok(r)) r = dup_str(pszPackage, &package);
    return acquire_async(fn, AsyncContext, principal, package, r, false, fCredentialUse,
                         pvLogonId, pAuthData, pGetKeyFn, pvGetKeyArgument, phCredential,
                         ptsExpiry);
}

static SECURITY_STATUS step_async(const char *fn, SspiAsyncContext *ctx, bool server,
                                  char *target, sr conv, PCredHandle phCredential,
                                  PCtxtHandle phContext, ULONG req, ULONG drep,
                                  PSecBufferDesc pInput, PCtxtHandle phNewContext,
                                  PSecBufferDesc pOutput, ULONG *pfContextAttr,
                                  PTimeStamp ptsExpiry) {
    acall *c = sr_is_ok(conv) ? call_new(CALL_STEP, fn, false) : NULL;
    sr r = conv;
    if (c) {
        c->target = target;
        target = NULL;
        r = shadow_build(&c->in, pInput, false);
        if (sr_is_ok(r)) r = shadow_build(&c->out, pOutput, true);
        if (!sr_is_ok(r)) {
            call_free(c);
            c = NULL;
        }
    } else if (sr_is_ok(r)) {
        r = SR_FAIL(SR_NO_MEMORY);
    }
    if (!c) {
        free_str(target);
        return queue_call(fn, ctx, NULL, api_status(fn, r));
    }
    c->server = server;
    c->req = req;
    c->drep = drep;
    if (phCredential) {
        c->has_cred = true;
        c->cred_in = *phCredential;
    }
    if (phContext) {
        c->has_ctx = true;
        c->ctx_in = *phContext;
    }
    c->new_out = phNewContext;
    if (phNewContext) c->new_snap = *phNewContext;
    c->attr_out = pfContextAttr;
    if (pfContextAttr) c->attr_snap = *pfContextAttr;
    c->exp_out = ptsExpiry;
    if (ptsExpiry) c->exp_snap = *ptsExpiry;
    return queue_call(fn, ctx, c, SEC_E_OK);
}

SSPI_EXPORT SECURITY_STATUS SspiInitializeSecurityContextAsyncW(
    SspiAsyncContext *AsyncContext, PCredHandle phCredential, PCtxtHandle phContext,
    PSECURITY_STRING pszTargetName, ULONG fContextReq, ULONG Reserved1, ULONG TargetDataRep,
    PSecBufferDesc pInput, ULONG Reserved2, PCtxtHandle phNewContext, PSecBufferDesc pOutput,
    ULONG *pfContextAttr, PTimeStamp ptsExpiry) {
    static const char fn[] = "SspiInitializeSecurityContextAsyncW";
    char *target = NULL;
    sr r = counted_to_utf8(pszTargetName, &target);
    return step_async(fn, AsyncContext, false, target, r, phCredential, phContext, fContextReq,
                      TargetDataRep, pInput, phNewContext, pOutput, pfContextAttr, ptsExpiry);
}

SSPI_EXPORT SECURITY_STATUS SspiInitializeSecurityContextAsyncA(
    SspiAsyncContext *AsyncContext, PCredHandle phCredential, PCtxtHandle phContext,
    LPSTR pszTargetName, ULONG fContextReq, ULONG Reserved1, ULONG TargetDataRep,
    PSecBufferDesc pInput, ULONG Reserved2, PCtxtHandle phNewContext, PSecBufferDesc pOutput,
    ULONG *pfContextAttr, PTimeStamp ptsExpiry) {
    static const char fn[] = "SspiInitializeSecurityContextAsyncA";
    char *target = NULL;
    sr r = dup_str(pszTargetName, &target);
    return step_async(fn, AsyncContext, false, target, r, phCredential, phContext, fContextReq,
                      TargetDataRep, pInput, phNewContext, pOutput, pfContextAttr, ptsExpiry);
}

SSPI_EXPORT SECURITY_STATUS SspiAcceptSecurityContextAsync(
    SspiAsyncContext *AsyncContext, PCredHandle phCredential, PCtxtHandle phContext,
    PSecBufferDesc pInput, ULONG fContextReq, ULONG TargetDataRep, PCtxtHandle phNewContext,
    PSecBufferDesc pOutput, ULONG *pfContextAttr, PTimeStamp ptsExpiry) {
    return step_async("SspiAcceptSecurityContextAsync", AsyncContext, true, NULL, SR_SUCCESS,
                      phCredential, phContext, fContextReq, TargetDataRep, pInput, phNewContext,
                      pOutput, pfContextAttr, ptsExpiry);
}

static SECURITY_STATUS handle_async(const char *fn, call_kind kind, SspiAsyncContext *ctx,
                                    PSecHandle h) {
    acall *c = call_new(kind, fn, false);
    if (!c) return queue_call(fn, ctx, NULL, SEC_E_INSUFFICIENT_MEMORY);
    if (h) {
        c->has_handle = true;
        c->handle = *h;
    }
    return queue_call(fn, ctx, c, SEC_E_OK);
}

SSPI_EXPORT SECURITY_STATUS SspiDeleteSecurityContextAsync(SspiAsyncContext *AsyncContext,
                                                           PCtxtHandle phContext) {
    return handle_async("SspiDeleteSecurityContextAsync", CALL_DELETE, AsyncContext, phContext);
}

SSPI_EXPORT SECURITY_STATUS SspiFreeCredentialsHandleAsync(SspiAsyncContext *AsyncContext,
                                                           PCredHandle phCredential) {
    return handle_async("SspiFreeCredentialsHandleAsync", CALL_FREE_CRED, AsyncContext,
                        phCredential);
}
