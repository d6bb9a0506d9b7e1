/*
 * The one bounds-checked cursor of libsspi. Every byte read from or written
 * to the wire goes through wire_reader / wire_writer (idea from s2n's
 * stuffer): no parser indexes a raw buffer itself.
 *
 * Reader rules:
 *  - A failed read leaves the reader unchanged and returns SR_INVALID_TOKEN
 *    (the bytes are not there). Callers that need "more bytes" semantics
 *    (SEC_E_INCOMPLETE_MESSAGE) translate that themselves.
 *  - Pointers handed out by wire_read_bytes/wire_slice point into the
 *    reader's buffer; they live as long as that buffer.
 *  - All size arithmetic is overflow-checked.
 *  - `depth` counts nesting (sub-readers inherit depth + 1) so that
 *    recursive parsers (DER) can bound recursion: WIRE_MAX_DEPTH.
 *
 * Writer rules:
 *  - A writer is either fixed (caller's buffer, never grows: overflow gives
 *    SR_BUFFER_TOO_SMALL) or growable (heap, grows up to WIRE_WRITER_MAX_CAP:
 *    failure SR_NO_MEMORY).
 *  - After any failure the writer is "failed": further writes return the
 *    same error and write nothing, so a builder may check once at the end.
 *  - wire_writer_free wipes the heap buffer before freeing (tokens may carry
 *    key material).
 */
#ifndef LIBSSPI_WIRE_CURSOR_H
#define LIBSSPI_WIRE_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/result.h"

#define WIRE_MAX_DEPTH 32

typedef struct wire_reader {
    const uint8_t *data; /* start of the whole readable range */
    size_t len;          /* its length */
    size_t pos;          /* next byte to read, 0 <= pos <= len */
    unsigned depth;      /* nesting level of this reader */
} wire_reader;

void wire_reader_init(wire_reader *r, const void *data, size_t len);
size_t wire_remaining(const wire_reader *r);
/* Current read pointer (valid for wire_remaining(r) bytes). */
const uint8_t *wire_peek_ptr(const wire_reader *r);

SR_MUST_CHECK sr wire_read_u8(wire_reader *r, uint8_t *out);
SR_MUST_CHECK sr wire_read_u16le(wire_reader *r, uint16_t *out);
SR_MUST_CHECK sr wire_read_u32le(wire_reader *r, uint32_t *out);
SR_MUST_CHECK sr wire_read_u64le(wire_reader *r, uint64_t *out);
SR_MUST_CHECK sr wire_read_u16be(wire_reader *r, uint16_t *out);
SR_MUST_CHECK sr wire_read_u32be(wire_reader *r, uint32_t *out);
SR_MUST_CHECK sr wire_read_u64be(wire_reader *r, uint64_t *out);
SR_MUST_CHECK sr wire_peek_u8(const wire_reader *r, uint8_t *out);
/* Hand out a pointer to the next n bytes and advance. */
SR_MUST_CHECK sr wire_read_bytes(wire_reader *r, size_t n, const uint8_t **out);
/* Copy the next n bytes into out and advance. */
SR_MUST_CHECK sr wire_read_copy(wire_reader *r, void *out, size_t n);
SR_MUST_CHECK sr wire_skip(wire_reader *r, size_t n);
/* Take the next n bytes as a nested reader (depth + 1) and advance past them.
 * Fails with SR_INVALID_TOKEN if depth would exceed WIRE_MAX_DEPTH. */
SR_MUST_CHECK sr wire_read_sub(wire_reader *r, size_t n, wire_reader *sub);
/* Exact consumption: SR_INVALID_TOKEN unless every byte was read. */
SR_MUST_CHECK sr wire_expect_end(const wire_reader *r);
/* Compare the next n bytes with `expected` and advance if equal;
 * SR_INVALID_TOKEN otherwise. */
SR_MUST_CHECK sr wire_expect_bytes(wire_reader *r, const void *expected, size_t n);

/* Offset/length fields (NTLM-style): the range [offset, offset+len) measured
 * from the START of the reader's data (r->data, not r->pos), checked without
 * overflow against r->len. Does not move the cursor. len == 0 yields a valid
 * empty slice (out set to NULL) whatever the offset, as Windows accepts. */
SR_MUST_CHECK sr wire_slice(const wire_reader *r, size_t offset, size_t len, const uint8_t **out);

/* A growable writer never grows beyond this many bytes (SR_NO_MEMORY): no
 * token comes close, and it keeps a size bug from asking malloc for
 * absurd amounts. */
#define WIRE_WRITER_MAX_CAP ((size_t)1 << 30)

typedef struct wire_writer {
    uint8_t *data;
    size_t cap;
    size_t len;
    bool growable;  /* heap buffer owned by the writer */
    sr_code failed; /* SR_OK until the first failure */
} wire_writer;

/* Fixed writer over a caller buffer (never reallocated or freed). */
void wire_writer_init_fixed(wire_writer *w, void *buf, size_t cap);
/* Growable heap writer; initial_cap may be 0. */
SR_MUST_CHECK sr wire_writer_init_alloc(wire_writer *w, size_t initial_cap);
/* Wipes and frees a growable writer's buffer; no-op for a fixed one. */
void wire_writer_free(wire_writer *w);
/* Hand the heap buffer to the caller (who must wipe+free it with free()
 * after use) and reset the writer. Fails if the writer failed (its code) or
 * is fixed (SR_INVALID_PARAMETER). *out is never NULL on success, even for an
 * empty writer. */
SR_MUST_CHECK sr wire_writer_take(wire_writer *w, uint8_t **out, size_t *out_len);
/* First failure, or SR_OK. */
sr wire_writer_status(const wire_writer *w);
/* Put the writer in the failed state with `code` (kept if it already failed;
 * SR_OK is ignored). For layered builders (DER) that detect an error of
 * their own, so that the sticky-failure rule holds for them too. */
void wire_writer_fail(wire_writer *w, sr_code code);
size_t wire_writer_len(const wire_writer *w);

SR_MUST_CHECK sr wire_write_u8(wire_writer *w, uint8_t v);
SR_MUST_CHECK sr wire_write_u16le(wire_writer *w, uint16_t v);
SR_MUST_CHECK sr wire_write_u32le(wire_writer *w, uint32_t v);
SR_MUST_CHECK sr wire_write_u64le(wire_writer *w, uint64_t v);
SR_MUST_CHECK sr wire_write_u16be(wire_writer *w, uint16_t v);
SR_MUST_CHECK sr wire_write_u32be(wire_writer *w, uint32_t v);
SR_MUST_CHECK sr wire_write_u64be(wire_writer *w, uint64_t v);
SR_MUST_CHECK sr wire_write_bytes(wire_writer *w, const void *data, size_t n);
SR_MUST_CHECK sr wire_write_zeros(wire_writer *w, size_t n);
/* Reserve n bytes at the end (zeroed) and return their offset, to be filled
 * later with the wire_patch_* functions (e.g. NTLM offset fields). */
SR_MUST_CHECK sr wire_reserve(wire_writer *w, size_t n, size_t *offset);
/* Patching or inserting outside [0, len] is a caller bug: SR_INVALID_PARAMETER
 * (sticky like every writer failure). */
SR_MUST_CHECK sr wire_patch_u16le(wire_writer *w, size_t offset, uint16_t v);
SR_MUST_CHECK sr wire_patch_u32le(wire_writer *w, size_t offset, uint32_t v);
SR_MUST_CHECK sr wire_patch_bytes(wire_writer *w, size_t offset, const void *data, size_t n);
/* Insert n bytes at `offset`, moving the tail up (used by the DER writer to
 * place a length once contents are known). */
SR_MUST_CHECK sr wire_insert(wire_writer *w, size_t offset, const void *data, size_t n);

#endif
