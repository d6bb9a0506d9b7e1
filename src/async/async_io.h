/*
 * Network I/O for packages, sans-I/O style (the "pending I/O" interface).
 *
 * A package that must talk to the network (Kerberos / Negotiate: KDC
 * exchanges) never blocks in an asynchronous call. Its step is written as a
 * pure function of (inputs, saved state, last reply): when it needs a
 * message exchanged it describes the exchange in an sspi_io_request and
 *
 *   - inside an asynchronous call (sspi_io_async_call() is true): hands the
 *     request and its own continuation state to sspi_io_suspend() and
 *     returns the SR_ASYNC_CALL_PENDING it gets. The async layer performs
 *     the exchange on its event loop (non-blocking sockets, epoll, timerfd)
 *     - no thread waits for it - then RE-RUNS THE SAME API CALL on a worker
 *     thread, with the same arguments. The package gets its state and the
 *     reply back from sspi_io_resume() and continues;
 *   - in a synchronous call: calls sspi_io_exchange(), the same transport
 *     driven by poll() on the calling thread, and continues in place.
 *
 * Contract for a step returning SR_ASYNC_CALL_PENDING: it made no change
 * the caller could see - no token, *pkg_ctx / *pkg_cred left as they were
 * (NULL on a first call: keep the partial context in the saved state) -
 * because the API layer discards everything of that run. State passed to
 * sspi_io_suspend belongs to the async layer until sspi_io_resume hands it
 * back; if the call is cancelled (SspiFreeAsyncContext /
 * SspiReinitAsyncContext) it is released with state_free instead.
 *
 * Typical package code (engine_* is the package's sans-I/O engine):
 *
 *     sspi_io_reply reply;
 *     my_state *st = sspi_io_resume(&reply);   // NULL: fresh run
 *     if (!st) st = my_state_new(...);
 *     for (;;) {
 *         sspi_io_request req;
 *         int need = engine_step(st, &reply, &req);  // consumes the reply
 *         sspi_io_reply_clear(&reply);
 *         if (!need) break;
 *         if (sspi_io_async_call()) return sspi_io_suspend(&req, st, my_state_free);
 *         SR_TRY(sspi_io_exchange(&req, &reply));     // blocking flavour
 *     }
 *
 * Failures of the exchange (timeouts, unreachable KDCs, oversized replies)
 * come back in reply.error, identically for both flavours, so that an
 * asynchronous call ends with exactly the status the synchronous one
 * gives (typically SEC_E_NO_AUTHENTICATING_AUTHORITY, decided by the
 * package).
 *
 * Transport rules: targets are tried in order (each resolved name may give
 * several addresses), `passes` times through the list; each attempt has
 * attempt_timeout_ms, the whole exchange total_timeout_ms. UDP: one
 * datagram out on a connected socket, the first datagram back is the reply.
 * TCP: the message is sent with a 4-byte big-endian length prefix and the
 * reply is read the same way (RFC 4120 7.2.2 framing); the prefix is not
 * part of data/reply. Host names that are not numeric addresses are
 * resolved with getaddrinfo on the thread that submits the request (a
 * worker thread for asynchronous calls).
 */
#ifndef LIBSSPI_ASYNC_ASYNC_IO_H
#define LIBSSPI_ASYNC_ASYNC_IO_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/result.h"

typedef enum sspi_io_transport { SSPI_IO_UDP = 1, SSPI_IO_TCP = 2 } sspi_io_transport;

#define SSPI_IO_MAX_TARGETS 8
#define SSPI_IO_HOST_MAX 256
/* Defaults for zero fields of sspi_io_request. */
#define SSPI_IO_DEFAULT_ATTEMPT_MS 1000u
#define SSPI_IO_DEFAULT_TOTAL_MS 10000u
#define SSPI_IO_DEFAULT_MAX_REPLY (1u << 20)
#define SSPI_IO_MAX_MESSAGE (1u << 24)

typedef struct sspi_io_target {
    char host[SSPI_IO_HOST_MAX]; /* numeric address or DNS name, NUL-terminated */
    uint16_t port;
    sspi_io_transport transport;
} sspi_io_target;

typedef struct sspi_io_request {
    const char *realm; /* for logs only; may be NULL */
    sspi_io_target targets[SSPI_IO_MAX_TARGETS];
    size_t ntargets;
    const uint8_t *data; /* the message (copied by suspend/exchange) */
    size_t len;
    uint32_t attempt_timeout_ms; /* 0: SSPI_IO_DEFAULT_ATTEMPT_MS */
    uint32_t total_timeout_ms;   /* 0: SSPI_IO_DEFAULT_TOTAL_MS */
    unsigned passes;             /* 0: 1 */
    size_t max_reply;            /* 0: SSPI_IO_DEFAULT_MAX_REPLY */
} sspi_io_request;

typedef enum sspi_io_error {
    SSPI_IO_OK = 0,
    SSPI_IO_TIMEOUT,     /* no target answered in time */
    SSPI_IO_UNREACHABLE, /* every attempt failed (refused, unreachable...) */
    SSPI_IO_RESOLVE,     /* no target could be resolved */
    SSPI_IO_TOO_BIG,     /* reply longer than max_reply */
    SSPI_IO_NO_MEMORY,
    SSPI_IO_CANCELLED,   /* the asynchronous call was cancelled */
    SSPI_IO_BAD_REQUEST  /* no target, empty or oversized message */
} sspi_io_error;

typedef struct sspi_io_reply {
    sspi_io_error error;
    int sys_errno;   /* last errno seen, for logs */
    size_t target;   /* index in targets[] that answered */
    uint8_t *data;   /* malloc'd reply (without TCP prefix), NULL on error */
    size_t len;
} sspi_io_reply;

/* Free a reply's data and zero it. */
void sspi_io_reply_clear(sspi_io_reply *r);
/* Short name for logs ("timeout"). */
const char *sspi_io_error_name(sspi_io_error e);

/* ---- package side ------------------------------------------------------ */

/* True while the current thread runs a step of an asynchronous call. */
bool sspi_io_async_call(void);
/* Record req (copied) and the package's continuation state for the current
 * asynchronous call; returns SR_ASYNC_CALL_PENDING, which the package
 * returns. Outside an asynchronous call, or if a request is already
 * recorded: SR_INTERNAL (state is then freed with state_free). */
SR_MUST_CHECK sr sspi_io_suspend(const sspi_io_request *req, void *state,
                                 void (*state_free)(void *));
/* On a re-run after an exchange: moves the reply into *reply and returns the
 * state given to sspi_io_suspend (now the package's again). On a fresh run
 * (or outside an asynchronous call): *reply is zeroed, returns NULL. */
void *sspi_io_resume(sspi_io_reply *reply);
/* The blocking flavour: performs the exchange on the calling thread.
 * SR_OK with the outcome in *reply (check reply->error), SR_NO_MEMORY. */
SR_MUST_CHECK sr sspi_io_exchange(const sspi_io_request *req, sspi_io_reply *reply);

/* ---- async layer side (src/api/api_async.c) ---------------------------- */

/* The per-call slot behind sspi_io_suspend / sspi_io_resume. */
typedef struct sspi_io_slot {
    bool has_request;
    sspi_io_request req; /* req.data is an owned copy */
    void *state;
    void (*state_free)(void *);
    bool has_reply;
    sspi_io_reply reply;
} sspi_io_slot;

/* Make `slot` the current thread's slot while a call step runs (NULL: none). */
void sspi_io_slot_enter(sspi_io_slot *slot);
void sspi_io_slot_leave(void);
/* Release everything the slot holds (request copy, state, reply). */
void sspi_io_slot_clear(sspi_io_slot *slot);

/* The event loop: start the exchange slot->req on the loop thread (started
 * on first use). done(arg, reply) runs exactly once, on the loop thread,
 * with the reply (moved to the callee); it must not block. `cancel`, if not
 * NULL, is polled by the loop after sspi_io_kick(): once true the exchange
 * ends early with SSPI_IO_CANCELLED. SR_NO_MEMORY (nothing started) on
 * failure; name resolution happens here, on the calling thread. */
typedef void (*sspi_io_done_fn)(void *arg, sspi_io_reply *reply);
SR_MUST_CHECK sr sspi_io_start(const sspi_io_request *req, sspi_io_done_fn done, void *arg,
                               const atomic_bool *cancel);
/* Wake the loop so that it looks at cancel flags. */
void sspi_io_kick(void);
/* Exchanges in progress on the loop (tests). */
size_t sspi_io_active(void);
/* Stop and join the loop thread if it runs and has nothing in progress
 * (process exit; called by the pool's exit handler). */
void sspi_io_shutdown(void);

#endif
