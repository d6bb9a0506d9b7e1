/*
 * libFuzzer target for the cursor.
 *
 * Input layout: byte 0 = length P of a "program", bytes 1..P = program,
 * the rest = payload. The program is a list of opcodes (each followed by
 * argument bytes taken from the program) run against:
 *  - a stack of readers over the payload (sub-readers push, "pop" pops),
 *    checked against a reference computed straight from the payload bytes;
 *  - a writer (fixed with a program-chosen capacity, or growable) mirrored
 *    by a plain shadow array: after every op the writer must equal the
 *    shadow, and failures must be sticky.
 * Any divergence aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire/cursor.h"

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)
#define SHADOW_MAX 8192

typedef struct prog {
    const uint8_t *p;
    size_t n, i;
} prog;

static uint8_t arg8(prog *g) { return g->i < g->n ? g->p[g->i++] : 0; }

/* A size argument: mostly small, sometimes hostile. */
static size_t arg_size(prog *g) {
    uint8_t b = arg8(g);
    switch (b) {
    case 0xff: return SIZE_MAX;
    case 0xfe: return SIZE_MAX - arg8(g);
    case 0xfd: return (size_t)1 << (sizeof(size_t) * 8 - 1);
    case 0xfc: return (size_t)arg8(g) << 8 | arg8(g);
    default: return b;
    }
}

static int same_reader(const wire_reader *a, const wire_reader *b) {
    return a->data == b->data && a->len == b->len && a->pos == b->pos && a->depth == b->depth;
}

static uint64_t ref_load(const uint8_t *p, size_t n, int be) {
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) v |= (uint64_t)p[be ? n - 1 - i : i] << (8 * i);
    return v;
}

/* Run one read of width n; verify value and bookkeeping against the model. */
static void check_read(wire_reader *r, unsigned kind) {
    static const size_t widths[] = {1, 2, 4, 8, 2, 4, 8, 1};
    size_t n = widths[kind];
    int be = kind >= 4 && kind < 7;
    wire_reader before = *r;
    uint64_t got = 0;
    sr res;
    switch (kind) {
    case 0: { uint8_t v; res = wire_read_u8(r, &v); got = v; break; }
    case 1: { uint16_t v; res = wire_read_u16le(r, &v); got = v; break; }
    case 2: { uint32_t v; res = wire_read_u32le(r, &v); got = v; break; }
    case 3: { uint64_t v; res = wire_read_u64le(r, &v); got = v; break; }
    case 4: { uint16_t v; res = wire_read_u16be(r, &v); got = v; break; }
    case 5: { uint32_t v; res = wire_read_u32be(r, &v); got = v; break; }
    case 6: { uint64_t v; res = wire_read_u64be(r, &v); got = v; break; }
    default: { uint8_t v; res = wire_peek_u8(r, &v); got = v; break; }
    }
    if (wire_remaining(&before) < n) {
        CHECK(res.code == SR_INVALID_TOKEN);
        CHECK(same_reader(r, &before));
        return;
    }
    CHECK(sr_is_ok(res));
    CHECK(got == ref_load(before.data + before.pos, n, be));
    CHECK(r->pos == before.pos + (kind == 7 ? 0 : n));
}

static void reader_op(wire_reader *stack, unsigned *top, uint8_t op, prog *g) {
    wire_reader *r = &stack[*top];
    wire_reader before = *r;
    size_t rem = wire_remaining(r);
    CHECK(r->pos <= r->len);
    switch (op % 10) {
    case 0: check_read(r, arg8(g) % 8); break;
    case 1: { /* read_bytes */
        size_t n = arg_size(g);
        const uint8_t *p = NULL;
        sr res = wire_read_bytes(r, n, &p);
        if (n <= rem) {
            CHECK(sr_is_ok(res) && r->pos == before.pos + n);
            CHECK(n == 0 || p == before.data + before.pos);
        } else {
            CHECK(res.code == SR_INVALID_TOKEN && same_reader(r, &before));
        }
        break;
    }
    case 2: { /* read_copy */
        uint8_t buf[256];
        size_t n = arg8(g);
        sr res = wire_read_copy(r, buf, n);
        if (n <= rem) CHECK(sr_is_ok(res) && (n == 0 || !memcmp(buf, before.data + before.pos, n)));
        else CHECK(res.code == SR_INVALID_TOKEN && same_reader(r, &before));
        break;
    }
    case 3: { /* skip */
        size_t n = arg_size(g);
        sr res = wire_skip(r, n);
        if (n <= rem) CHECK(sr_is_ok(res) && r->pos == before.pos + n);
        else CHECK(res.code == SR_INVALID_TOKEN && same_reader(r, &before));
        break;
    }
    case 4: { /* push a sub-reader */
        size_t n = arg_size(g);
        wire_reader sub;
        sr res = wire_read_sub(r, n, &sub);
        if (n <= rem && r->depth < WIRE_MAX_DEPTH && *top < WIRE_MAX_DEPTH) {
            CHECK(sr_is_ok(res));
            CHECK(sub.len == n && sub.pos == 0 && sub.depth == before.depth + 1);
            CHECK(n == 0 || sub.data == before.data + before.pos);
            stack[++*top] = sub;
        } else if (n > rem || r->depth >= WIRE_MAX_DEPTH) {
            CHECK(res.code == SR_INVALID_TOKEN && same_reader(r, &before));
        }
        break;
    }
    case 5: /* pop */
        if (*top > 0) --*top;
        break;
    case 6: { /* expect_end */
        sr res = wire_expect_end(r);
        CHECK(sr_is_ok(res) == (rem == 0));
        break;
    }
    case 7: { /* expect_bytes: compare against a copy of the next bytes,
               * with the last byte flipped when asked */
        size_t n = arg8(g) % 16;
        uint8_t flip = arg8(g) & 1;
        uint8_t want[16];
        if (n <= rem && n) memcpy(want, before.data + before.pos, n);
        else memset(want, 0, sizeof want);
        if (n && flip) want[n - 1] ^= 1;
        sr res = wire_expect_bytes(r, want, n);
        if (n <= rem && !(n && flip)) CHECK(sr_is_ok(res) && r->pos == before.pos + n);
        else CHECK(res.code == SR_INVALID_TOKEN && same_reader(r, &before));
        break;
    }
    case 8: { /* slice */
        size_t off = arg_size(g), n = arg_size(g);
        const uint8_t *p = (const uint8_t *)1;
        sr res = wire_slice(r, off, n, &p);
        CHECK(same_reader(r, &before));
        if (n == 0) {
            CHECK(sr_is_ok(res) && p == NULL);
        } else if (off <= r->len && n <= r->len - off) {
            CHECK(sr_is_ok(res) && p == r->data + off);
        } else {
            CHECK(res.code == SR_INVALID_TOKEN);
        }
        break;
    }
    default: { /* peek_ptr / remaining consistency */
        const uint8_t *p = wire_peek_ptr(r);
        CHECK(r->data == NULL ? p == NULL : p == r->data + r->pos);
        break;
    }
    }
}

typedef struct model {
    uint8_t buf[SHADOW_MAX];
    size_t len;
    size_t cap; /* fixed writers only */
    bool growable;
    sr_code failed;
} model;

static void check_model(const wire_writer *w, const model *m) {
    CHECK(w->failed == m->failed);
    CHECK(w->len == m->len);
    CHECK(m->len == 0 || memcmp(w->data, m->buf, m->len) == 0);
    if (!m->growable) CHECK(w->cap == m->cap);
}

/* Expected result of appending n bytes; updates the failure state. */
static bool model_room(model *m, size_t n, sr_code *want) {
    if (m->failed != SR_OK) {
        *want = m->failed;
        return false;
    }
    size_t cap = m->growable ? SHADOW_MAX : m->cap;
    if (n > cap - m->len) {
        if (!m->growable) {
            m->failed = SR_BUFFER_TOO_SMALL;
            *want = m->failed;
        } else {
            *want = SR_OK; /* not modelled: caller skips the op */
        }
        return false;
    }
    *want = SR_OK;
    return true;
}

static void writer_op(wire_writer *w, model *m, uint8_t op, prog *g, const uint8_t *payload,
                      size_t payload_len) {
    sr_code want;
    switch (op % 8) {
    case 0: { /* fixed-width integers */
        uint8_t kind = arg8(g) % 7;
        static const size_t widths[] = {1, 2, 4, 8, 2, 4, 8};
        size_t n = widths[kind];
        uint64_t v = 0;
        for (size_t i = 0; i < 8; i++) v = v << 8 | arg8(g);
        bool fits = model_room(m, n, &want);
        if (!fits && m->growable && m->failed == SR_OK) return;
        sr res;
        switch (kind) {
        case 0: res = wire_write_u8(w, (uint8_t)v); break;
        case 1: res = wire_write_u16le(w, (uint16_t)v); break;
        case 2: res = wire_write_u32le(w, (uint32_t)v); break;
        case 3: res = wire_write_u64le(w, v); break;
        case 4: res = wire_write_u16be(w, (uint16_t)v); break;
        case 5: res = wire_write_u32be(w, (uint32_t)v); break;
        default: res = wire_write_u64be(w, v); break;
        }
        CHECK(res.code == want);
        if (fits) {
            for (size_t i = 0; i < n; i++)
                m->buf[m->len + i] = (uint8_t)(v >> (8 * (kind >= 4 ? n - 1 - i : i)));
            m->len += n;
        }
        break;
    }
    case 1: /* bytes from the payload */
    case 2: { /* zeros */
        size_t n = arg_size(g);
        bool zeros = op % 8 == 2;
        if (!zeros && n > payload_len) n = payload_len;
        bool fits = model_room(m, n, &want);
        if (!fits && m->growable && m->failed == SR_OK) {
            /* Hostile sizes must fail cleanly without writing. */
            if (zeros && n > WIRE_WRITER_MAX_CAP) {
                CHECK(wire_write_zeros(w, n).code == SR_NO_MEMORY);
                m->failed = SR_NO_MEMORY;
            }
            return;
        }
        sr res = zeros ? wire_write_zeros(w, n) : wire_write_bytes(w, payload, n);
        CHECK(res.code == want);
        if (fits) {
            if (zeros) memset(m->buf + m->len, 0, n);
            else if (n) memcpy(m->buf + m->len, payload, n);
            m->len += n;
        }
        break;
    }
    case 3: { /* reserve */
        size_t n = arg8(g);
        bool fits = model_room(m, n, &want);
        if (!fits && m->growable && m->failed == SR_OK) return;
        size_t off = 12345;
        CHECK(wire_reserve(w, n, &off).code == want);
        if (fits) {
            CHECK(off == m->len);
            memset(m->buf + m->len, 0, n);
            m->len += n;
        }
        break;
    }
    case 4:   /* patch u16/u32/bytes */
    case 5: { /* insert */
        size_t off = arg_size(g);
        size_t n = op % 8 == 4 ? (size_t)(arg8(g) % 8) : arg_size(g);
        if (n > payload_len) n = payload_len;
        bool insert = op % 8 == 5;
        sr res;
        if (m->failed != SR_OK) {
            want = m->failed;
        } else if (off > m->len || (!insert && n > m->len - off)) {
            want = m->failed = SR_INVALID_PARAMETER;
        } else if (insert) {
            bool fits = model_room(m, n, &want);
            if (!fits && m->growable && m->failed == SR_OK) return;
            if (fits) {
                memmove(m->buf + off + n, m->buf + off, m->len - off);
                if (n) memcpy(m->buf + off, payload, n);
                m->len += n;
            }
        } else {
            want = SR_OK;
            if (n) memcpy(m->buf + off, payload, n);
        }
        if (insert) res = wire_insert(w, off, payload, n);
        else if (n == 2) res = wire_patch_u16le(w, off, (uint16_t)ref_load(payload, 2, 0));
        else if (n == 4) res = wire_patch_u32le(w, off, (uint32_t)ref_load(payload, 4, 0));
        else res = wire_patch_bytes(w, off, payload, n);
        CHECK(res.code == want);
        break;
    }
    case 6: /* status */
        CHECK(wire_writer_status(w).code == m->failed);
        CHECK(wire_writer_len(w) == m->len);
        break;
    default: { /* take (and restart as growable) */
        uint8_t *out = NULL;
        size_t out_len = 0;
        sr res = wire_writer_take(w, &out, &out_len);
        if (m->failed != SR_OK) {
            CHECK(res.code == m->failed);
        } else if (!m->growable) {
            CHECK(res.code == SR_INVALID_PARAMETER);
        } else {
            CHECK(sr_is_ok(res) && out != NULL && out_len == m->len);
            CHECK(out_len == 0 || memcmp(out, m->buf, out_len) == 0);
            free(out);
            m->len = 0;
        }
        return;
    }
    }
    check_model(w, m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    prog g = {data + 1, data[0], 0};
    if (g.n > size - 1) g.n = size - 1;
    const uint8_t *payload = data + 1 + g.n;
    size_t payload_len = size - 1 - g.n;

    wire_reader stack[WIRE_MAX_DEPTH + 1];
    unsigned top = 0;
    /* An empty payload is passed as NULL to cover the NULL reader. */
    wire_reader_init(&stack[0], payload_len ? payload : NULL, payload_len);

    static model m; /* large: keep off the stack */
    memset(&m, 0, sizeof m);
    uint8_t fixed_buf[512];
    wire_writer w;
    uint8_t mode = arg8(&g);
    if (mode & 1) {
        m.growable = true;
        CHECK(sr_is_ok(wire_writer_init_alloc(&w, mode >> 1)));
    } else {
        m.cap = (size_t)(mode >> 1) * 4;
        if (m.cap > sizeof fixed_buf) m.cap = sizeof fixed_buf;
        wire_writer_init_fixed(&w, fixed_buf, m.cap);
    }

    while (g.i < g.n) {
        uint8_t op = arg8(&g);
        if (op & 0x80) writer_op(&w, &m, op & 0x7f, &g, payload, payload_len);
        else reader_op(stack, &top, op, &g);
    }
    check_model(&w, &m);
    wire_writer_free(&w);
    return 0;
}
