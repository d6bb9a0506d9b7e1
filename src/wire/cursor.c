/*
 * Bounds-checked reader/writer cursor (contract in cursor.h).
 *
 * Every read checks `n <= len - pos` (pos <= len is an invariant, so the
 * subtraction cannot wrap) before touching memory, and only commits the new
 * position after the whole read succeeded: a failed read leaves the reader
 * unchanged. Writers keep a sticky failure code.
 */
#include "cursor.h"

#include <stdlib.h>
#include <string.h>

#include "../core/wipe.h"

/* ---- helpers ---- */

/* r->data + off without forming NULL + 0 (UB in C). */
static const uint8_t *reader_at(const wire_reader *r, size_t off) {
    return r->data ? r->data + off : NULL;
}

static int reader_has(const wire_reader *r, size_t n) {
    return r->pos <= r->len && n <= r->len - r->pos;
}

/* ---- reader ---- */

void wire_reader_init(wire_reader *r, const void *data, size_t len) {
    r->data = (const uint8_t *)data;
    r->len = data ? len : 0;
    r->pos = 0;
    r->depth = 0;
}

size_t wire_remaining(const wire_reader *r) {
    return r->pos <= r->len ? r->len - r->pos : 0;
}

const uint8_t *wire_peek_ptr(const wire_reader *r) {
    return reader_at(r, r->pos);
}

sr wire_read_bytes(wire_reader *r, size_t n, const uint8_t **out) {
    SR_ENSURE(reader_has(r, n), SR_INVALID_TOKEN);
    *out = reader_at(r, r->pos);
    r->pos += n;
    return SR_SUCCESS;
}

sr wire_read_copy(wire_reader *r, void *out, size_t n) {
    SR_ENSURE(reader_has(r, n), SR_INVALID_TOKEN);
    if (n) memcpy(out, r->data + r->pos, n);
    r->pos += n;
    return SR_SUCCESS;
}

sr wire_skip(wire_reader *r, size_t n) {
    SR_ENSURE(reader_has(r, n), SR_INVALID_TOKEN);
    r->pos += n;
    return SR_SUCCESS;
}

sr wire_read_u8(wire_reader *r, uint8_t *out) {
    SR_ENSURE(reader_has(r, 1), SR_INVALID_TOKEN);
    *out = r->data[r->pos++];
    return SR_SUCCESS;
}

sr wire_peek_u8(const wire_reader *r, uint8_t *out) {
    SR_ENSURE(reader_has(r, 1), SR_INVALID_TOKEN);
    *out = r->data[r->pos];
    return SR_SUCCESS;
}

static uint64_t load_le(const uint8_t *p, size_t n) {
    uint64_t v = 0;
    for (size_t i = n; i-- > 0;) v = (v << 8) | p[i];
    return v;
}

static uint64_t load_be(const uint8_t *p, size_t n) {
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) v = (v << 8) | p[i];
    return v;
}

static sr read_uint(wire_reader *r, size_t n, int big_endian, uint64_t *out) {
    SR_ENSURE(reader_has(r, n), SR_INVALID_TOKEN);
    const uint8_t *p = r->data + r->pos;
    *out = big_endian ? load_be(p, n) : load_le(p, n);
    r->pos += n;
    return SR_SUCCESS;
}

sr wire_read_u16le(wire_reader *r, uint16_t *out) {
    uint64_t v;
    SR_TRY(read_uint(r, 2, 0, &v));
    *out = (uint16_t)v;
    return SR_SUCCESS;
}

sr wire_read_u32le(wire_reader *r, uint32_t *out) {
    uint64_t v;
    SR_TRY(read_uint(r, 4, 0, &v));
    *out = (uint32_t)v;
    return SR_SUCCESS;
}

sr wire_read_u64le(wire_reader *r, uint64_t *out) {
    return read_uint(r, 8, 0, out);
}

sr wire_read_u16be(wire_reader *r, uint16_t *out) {
    uint64_t v;
    SR_TRY(read_uint(r, 2, 1, &v));
    *out = (uint16_t)v;
    return SR_SUCCESS;
}

sr wire_read_u32be(wire_reader *r, uint32_t *out) {
    uint64_t v;
    SR_TRY(read_uint(r, 4, 1, &v));
    *out = (uint32_t)v;
    return SR_SUCCESS;
}

sr wire_read_u64be(wire_reader *r, uint64_t *out) {
    return read_uint(r, 8, 1, out);
}

sr wire_read_sub(wire_reader *r, size_t n, wire_reader *sub) {
    SR_ENSURE(r->depth < WIRE_MAX_DEPTH, SR_INVALID_TOKEN);
    SR_ENSURE(reader_has(r, n), SR_INVALID_TOKEN);
    sub->data = reader_at(r, r->pos);
    sub->len = n;
    sub->pos = 0;
    sub->depth = r->depth + 1;
    r->pos += n;
    return SR_SUCCESS;
}

sr wire_expect_end(const wire_reader *r) {
    SR_ENSURE(r->pos == r->len, SR_INVALID_TOKEN);
    return SR_SUCCESS;
}

sr wire_expect_bytes(wire_reader *r, const void *expected, size_t n) {
    SR_ENSURE(reader_has(r, n), SR_INVALID_TOKEN);
    if (n) SR_ENSURE(memcmp(r->data + r->pos, expected, n) == 0, SR_INVALID_TOKEN);
    r->pos += n;
    return SR_SUCCESS;
}

sr wire_slice(const wire_reader *r, size_t offset, size_t len, const uint8_t **out) {
    if (len == 0) {
        *out = NULL;
        return SR_SUCCESS;
    }
    SR_ENSURE(offset <= r->len && len <= r->len - offset, SR_INVALID_TOKEN);
    *out = r->data + offset;
    return SR_SUCCESS;
}

/* ---- writer ---- */

void wire_writer_init_fixed(wire_writer *w, void *buf, size_t cap) {
    w->data = (uint8_t *)buf;
    w->cap = buf ? cap : 0;
    w->len = 0;
    w->growable = false;
    w->failed = SR_OK;
}

sr wire_writer_init_alloc(wire_writer *w, size_t initial_cap) {
    w->data = NULL;
    w->cap = 0;
    w->len = 0;
    w->growable = true;
    w->failed = SR_OK;
    if (initial_cap) {
        if (initial_cap > WIRE_WRITER_MAX_CAP) {
            w->failed = SR_NO_MEMORY;
            return SR_FAIL(SR_NO_MEMORY);
        }
        w->data = malloc(initial_cap);
        if (w->data == NULL) {
            w->failed = SR_NO_MEMORY;
            return SR_FAIL(SR_NO_MEMORY);
        }
        w->cap = initial_cap;
    }
    return SR_SUCCESS;
}

void wire_writer_free(wire_writer *w) {
    if (!w->growable) return;
    sspi_wipe(w->data, w->cap);
    free(w->data);
    w->data = NULL;
    w->cap = 0;
    w->len = 0;
    w->failed = SR_OK;
}

sr wire_writer_take(wire_writer *w, uint8_t **out, size_t *out_len) {
    SR_ENSURE(w->failed == SR_OK, w->failed);
    SR_ENSURE(w->growable, SR_INVALID_PARAMETER);
    uint8_t *buf = w->data;
    if (buf == NULL) {
        /* Always hand out a real allocation so that NULL means failure. */
        buf = malloc(1);
        SR_ENSURE(buf != NULL, SR_NO_MEMORY);
    }
    *out = buf;
    *out_len = w->len;
    w->data = NULL;
    w->cap = 0;
    w->len = 0;
    return SR_SUCCESS;
}

sr wire_writer_status(const wire_writer *w) {
    return sr_make(w->failed);
}

size_t wire_writer_len(const wire_writer *w) {
    return w->len;
}

void wire_writer_fail(wire_writer *w, sr_code code) {
    if (w->failed == SR_OK && code != SR_OK) w->failed = code;
}

static sr writer_error(wire_writer *w, sr_code code) {
    wire_writer_fail(w, code);
    return sr_make(w->failed);
}

/* Make room for n more bytes. */
static sr writer_reserve(wire_writer *w, size_t n) {
    SR_ENSURE(w->failed == SR_OK, w->failed);
    if (n <= w->cap - w->len) return SR_SUCCESS;
    if (!w->growable) return writer_error(w, SR_BUFFER_TOO_SMALL);
    if (w->len > WIRE_WRITER_MAX_CAP || n > WIRE_WRITER_MAX_CAP - w->len)
        return writer_error(w, SR_NO_MEMORY);
    size_t need = w->len + n;
    size_t ncap = w->cap ? w->cap : 64;
    while (ncap < need) ncap *= 2; /* cannot overflow: need <= 2^30 */
    if (ncap > WIRE_WRITER_MAX_CAP) ncap = WIRE_WRITER_MAX_CAP;
    /* Fresh buffer + wipe of the old one: realloc could leave key material
     * behind in freed memory. */
    uint8_t *nb = malloc(ncap);
    if (nb == NULL) return writer_error(w, SR_NO_MEMORY);
    if (w->len) memcpy(nb, w->data, w->len);
    sspi_wipe(w->data, w->cap);
    free(w->data);
    w->data = nb;
    w->cap = ncap;
    return SR_SUCCESS;
}

static void store_le(uint8_t *p, uint64_t v, size_t n) {
    for (size_t i = 0; i < n; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static void store_be(uint8_t *p, uint64_t v, size_t n) {
    for (size_t i = 0; i < n; i++) p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

static sr write_uint(wire_writer *w, uint64_t v, size_t n, int big_endian) {
    SR_TRY(writer_reserve(w, n));
    if (big_endian) store_be(w->data + w->len, v, n);
    else store_le(w->data + w->len, v, n);
    w->len += n;
    return SR_SUCCESS;
}

sr wire_write_u8(wire_writer *w, uint8_t v) { return write_uint(w, v, 1, 0); }
sr wire_write_u16le(wire_writer *w, uint16_t v) { return write_uint(w, v, 2, 0); }
sr wire_write_u32le(wire_writer *w, uint32_t v) { return write_uint(w, v, 4, 0); }
sr wire_write_u64le(wire_writer *w, uint64_t v) { return write_uint(w, v, 8, 0); }
sr wire_write_u16be(wire_writer *w, uint16_t v) { return write_uint(w, v, 2, 1); }
sr wire_write_u32be(wire_writer *w, uint32_t v) { return write_uint(w, v, 4, 1); }
sr wire_write_u64be(wire_writer *w, uint64_t v) { return write_uint(w, v, 8, 1); }

sr wire_write_bytes(wire_writer *w, const void *data, size_t n) {
    SR_TRY(writer_reserve(w, n));
    if (n) memcpy(w->data + w->len, data, n);
    w->len += n;
    return SR_SUCCESS;
}

sr wire_write_zeros(wire_writer *w, size_t n) {
    SR_TRY(writer_reserve(w, n));
    if (n) memset(w->data + w->len, 0, n);
    w->len += n;
    return SR_SUCCESS;
}

sr wire_reserve(wire_writer *w, size_t n, size_t *offset) {
    SR_TRY(writer_reserve(w, n));
    if (n) memset(w->data + w->len, 0, n);
    *offset = w->len;
    w->len += n;
    return SR_SUCCESS;
}

sr wire_patch_bytes(wire_writer *w, size_t offset, const void *data, size_t n) {
    SR_ENSURE(w->failed == SR_OK, w->failed);
    if (!(offset <= w->len && n <= w->len - offset)) return writer_error(w, SR_INVALID_PARAMETER);
    if (n) memcpy(w->data + offset, data, n);
    return SR_SUCCESS;
}

sr wire_patch_u16le(wire_writer *w, size_t offset, uint16_t v) {
    uint8_t b[2];
    store_le(b, v, 2);
    return wire_patch_bytes(w, offset, b, 2);
}

sr wire_patch_u32le(wire_writer *w, size_t offset, uint32_t v) {
    uint8_t b[4];
    store_le(b, v, 4);
    return wire_patch_bytes(w, offset, b, 4);
}

sr wire_insert(wire_writer *w, size_t offset, const void *data, size_t n) {
    SR_ENSURE(w->failed == SR_OK, w->failed);
    if (offset > w->len) return writer_error(w, SR_INVALID_PARAMETER);
    SR_TRY(writer_reserve(w, n));
    if (n == 0) return SR_SUCCESS;
    memmove(w->data + offset + n, w->data + offset, w->len - offset);
    memcpy(w->data + offset, data, n);
    w->len += n;
    return SR_SUCCESS;
}
