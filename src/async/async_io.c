/*
 * Package side of the pending-I/O interface (see async_io.h): the
 * per-thread current slot, suspend / resume.
 */
#include <stdlib.h>
#include <string.h>

#include "async/async_io.h"
#include "crypto/crypto.h"

static _Thread_local sspi_io_slot *tl_slot;

void sspi_io_reply_clear(sspi_io_reply *r) {
    if (!r) return;
    if (r->data) crypto_free_wipe(r->data, r->len);
    memset(r, 0, sizeof *r);
}

const char *sspi_io_error_name(sspi_io_error e) {
    switch (e) {
    case SSPI_IO_OK: return "ok";
    case SSPI_IO_TIMEOUT: return "timeout";
    case SSPI_IO_UNREACHABLE: return "unreachable";
    case SSPI_IO_RESOLVE: return "name resolution failed";
    case SSPI_IO_TOO_BIG: return "reply too big";
    case SSPI_IO_NO_MEMORY: return "out of memory";
    case SSPI_IO_CANCELLED: return "cancelled";
    case SSPI_IO_BAD_REQUEST: return "bad request";
    }
    return "?";
}

bool sspi_io_async_call(void) { return tl_slot != NULL; }

void sspi_io_slot_enter(sspi_io_slot *slot) { tl_slot = slot; }

void sspi_io_slot_leave(void) { tl_slot = NULL; }

void sspi_io_slot_clear(sspi_io_slot *slot) {
    if (!slot) return;
    if (slot->req.data) crypto_free_wipe((void *)slot->req.data, slot->req.len);
    if (slot->state && slot->state_free) slot->state_free(slot->state);
    sspi_io_reply_clear(&slot->reply);
    memset(slot, 0, sizeof *slot);
}

sr sspi_io_suspend(const sspi_io_request *req, void *state, void (*state_free)(void *)) {
    sspi_io_slot *s = tl_slot;
    if (!s || s->has_request || s->state || !req) {
        if (state && state_free) state_free(state);
        return SR_FAIL(SR_INTERNAL);
    }
    uint8_t *copy = NULL;
    if (req->len) {
        copy = malloc(req->len);
        if (!copy) {
            if (state && state_free) state_free(state);
            return SR_FAIL(SR_NO_MEMORY);
        }
        memcpy(copy, req->data, req->len);
    }
    s->req = *req;
    s->req.data = copy;
    s->req.realm = NULL; /* the caller's string may not outlive the step */
    s->has_request = true;
    s->state = state;
    s->state_free = state_free;
    return SR_FAIL(SR_ASYNC_CALL_PENDING);
}

void *sspi_io_resume(sspi_io_reply *reply) {
    sspi_io_slot *s = tl_slot;
    if (reply) memset(reply, 0, sizeof *reply);
    if (!s || !s->has_reply) return NULL;
    if (reply) {
        *reply = s->reply;
    } else {
        sspi_io_reply_clear(&s->reply);
    }
    memset(&s->reply, 0, sizeof s->reply);
    s->has_reply = false;
    void *st = s->state;
    s->state = NULL;
    s->state_free = NULL;
    return st;
}
