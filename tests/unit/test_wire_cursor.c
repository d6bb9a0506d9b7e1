/* Unit tests for the bounds-checked cursor (src/wire/cursor.c). */
#include <stdlib.h>

#include "testlib.h"
#include "wire/cursor.h"

/* testlib.h's CHECK_SR names its parameter `code`, which also rewrites the
 * `.code` member access; local version with a distinct parameter name. */
#undef CHECK_SR
#undef CHECK_OK
#define CHECK_SR(expr, want) do { sr r_ = (expr); if (r_.code != (want)) { char m_[256]; \
    snprintf(m_, sizeof m_, "%s -> %s, expected %s", #expr, sr_code_name(r_.code), \
             sr_code_name(want)); test_fail(__FILE__, __LINE__, m_); } } while (0)
#define CHECK_OK(expr) CHECK_SR(expr, SR_OK)

static int reader_same(const wire_reader *a, const wire_reader *b) {
    return a->data == b->data && a->len == b->len && a->pos == b->pos && a->depth == b->depth;
}

static void test_read_integers(void) {
    static const uint8_t buf[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
                                  0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12,
                                  0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b,
                                  0x1c, 0x1d, 0x1e, 0x1f};
    wire_reader r;
    wire_reader_init(&r, buf, sizeof buf);
    CHECK_EQ_INT(r.depth, 0);
    uint8_t u8 = 0;
    uint16_t u16 = 0;
    uint32_t u32 = 0;
    uint64_t u64 = 0;
    CHECK_OK(wire_peek_u8(&r, &u8));
    CHECK_EQ_INT(u8, 0x01);
    CHECK_EQ_INT(r.pos, 0);
    CHECK_OK(wire_read_u8(&r, &u8));
    CHECK_EQ_INT(u8, 0x01);
    CHECK_OK(wire_read_u16le(&r, &u16));
    CHECK_EQ_INT(u16, 0x0302);
    CHECK_OK(wire_read_u16be(&r, &u16));
    CHECK_EQ_INT(u16, 0x0405);
    CHECK_OK(wire_read_u32le(&r, &u32));
    CHECK_EQ_INT(u32, 0x09080706);
    CHECK_OK(wire_read_u32be(&r, &u32));
    CHECK_EQ_INT(u32, 0x0a0b0c0d);
    CHECK_OK(wire_read_u64le(&r, &u64));
    CHECK(u64 == 0x1514131211100f0eull);
    CHECK_OK(wire_read_u64be(&r, &u64));
    CHECK(u64 == 0x161718191a1b1c1dull);
    CHECK_EQ_INT(wire_remaining(&r), 2);
    CHECK(wire_peek_ptr(&r) == buf + 29);
}

static void test_truncated_integers(void) {
    static const uint8_t buf[7] = {1, 2, 3, 4, 5, 6, 7};
    for (size_t avail = 0; avail < 8; avail++) {
        wire_reader r, before;
        wire_reader_init(&r, buf, avail);
        before = r;
        uint8_t u8 = 0xaa;
        uint16_t u16 = 0xaaaa;
        uint32_t u32 = 0xaaaaaaaa;
        uint64_t u64 = 0xaaaaaaaaaaaaaaaaull;
        if (avail < 1) {
            CHECK_SR(wire_read_u8(&r, &u8), SR_INVALID_TOKEN);
            CHECK_SR(wire_peek_u8(&r, &u8), SR_INVALID_TOKEN);
        }
        if (avail < 2) {
            CHECK_SR(wire_read_u16le(&r, &u16), SR_INVALID_TOKEN);
            CHECK_SR(wire_read_u16be(&r, &u16), SR_INVALID_TOKEN);
        }
        if (avail < 4) {
            CHECK_SR(wire_read_u32le(&r, &u32), SR_INVALID_TOKEN);
            CHECK_SR(wire_read_u32be(&r, &u32), SR_INVALID_TOKEN);
        }
        CHECK_SR(wire_read_u64le(&r, &u64), SR_INVALID_TOKEN);
        CHECK_SR(wire_read_u64be(&r, &u64), SR_INVALID_TOKEN);
        CHECK(reader_same(&r, &before));
        CHECK_EQ_INT(u8, 0xaa);
        CHECK_EQ_INT(u16, 0xaaaa);
        CHECK_EQ_INT(u32, 0xaaaaaaaa);
        CHECK(u64 == 0xaaaaaaaaaaaaaaaaull);
    }
    /* Truncation after a partial advance: only the failing read is undone. */
    wire_reader r;
    wire_reader_init(&r, buf, 5);
    uint32_t v;
    CHECK_OK(wire_read_u32le(&r, &v));
    CHECK_SR(wire_read_u16le(&r, &(uint16_t){0}), SR_INVALID_TOKEN);
    CHECK_EQ_INT(r.pos, 4);
}

static void test_bytes_copy_skip(void) {
    static const uint8_t buf[] = "abcdefgh";
    wire_reader r;
    wire_reader_init(&r, buf, 8);
    const uint8_t *p = NULL;
    CHECK_OK(wire_read_bytes(&r, 3, &p));
    CHECK(p == buf);
    CHECK_EQ_INT(r.pos, 3);
    uint8_t out[8] = {0};
    CHECK_OK(wire_read_copy(&r, out, 2));
    CHECK_BYTES(out, "de", 2);
    CHECK_OK(wire_skip(&r, 1));
    CHECK_SR(wire_read_bytes(&r, 3, &p), SR_INVALID_TOKEN);
    CHECK_SR(wire_read_copy(&r, out, 3), SR_INVALID_TOKEN);
    CHECK_SR(wire_skip(&r, 3), SR_INVALID_TOKEN);
    CHECK_SR(wire_skip(&r, SIZE_MAX), SR_INVALID_TOKEN);
    CHECK_SR(wire_read_bytes(&r, SIZE_MAX, &p), SR_INVALID_TOKEN);
    CHECK_EQ_INT(r.pos, 6);
    /* Zero-length reads always succeed, even at the end. */
    CHECK_OK(wire_read_bytes(&r, 0, &p));
    CHECK_OK(wire_read_copy(&r, NULL, 0));
    CHECK_OK(wire_skip(&r, 2));
    CHECK_OK(wire_expect_end(&r));
    CHECK_OK(wire_read_bytes(&r, 0, &p));
    CHECK_OK(wire_skip(&r, 0));
    CHECK_SR(wire_skip(&r, 1), SR_INVALID_TOKEN);
}

static void test_empty_and_null_reader(void) {
    wire_reader r;
    wire_reader_init(&r, NULL, 0);
    CHECK_EQ_INT(wire_remaining(&r), 0);
    CHECK(wire_peek_ptr(&r) == NULL);
    CHECK_OK(wire_expect_end(&r));
    uint8_t b;
    CHECK_SR(wire_read_u8(&r, &b), SR_INVALID_TOKEN);
    const uint8_t *p = (const uint8_t *)&b;
    CHECK_OK(wire_read_bytes(&r, 0, &p));
    CHECK(p == NULL);
    wire_reader sub;
    CHECK_OK(wire_read_sub(&r, 0, &sub));
    CHECK_EQ_INT(sub.len, 0);
    CHECK_EQ_INT(sub.depth, 1);
    CHECK_SR(wire_slice(&r, 0, 1, &p), SR_INVALID_TOKEN);
    CHECK_OK(wire_slice(&r, 5, 0, &p));
    CHECK(p == NULL);
    /* NULL data with a nonzero length is treated as empty. */
    wire_reader_init(&r, NULL, 10);
    CHECK_EQ_INT(wire_remaining(&r), 0);
}

static void test_expect_end_and_bytes(void) {
    static const uint8_t buf[] = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0, 1};
    wire_reader r;
    wire_reader_init(&r, buf, sizeof buf);
    CHECK_SR(wire_expect_end(&r), SR_INVALID_TOKEN);
    CHECK_SR(wire_expect_bytes(&r, "NTLMSSX", 8), SR_INVALID_TOKEN);
    CHECK_EQ_INT(r.pos, 0);
    CHECK_SR(wire_expect_bytes(&r, "NTLMSSP\0\1\2", 10), SR_INVALID_TOKEN);
    CHECK_EQ_INT(r.pos, 0);
    CHECK_OK(wire_expect_bytes(&r, "NTLMSSP", 8));
    CHECK_EQ_INT(r.pos, 8);
    CHECK_OK(wire_expect_bytes(&r, NULL, 0));
    CHECK_SR(wire_expect_end(&r), SR_INVALID_TOKEN);
    CHECK_OK(wire_skip(&r, 1));
    CHECK_OK(wire_expect_end(&r));
}

static void test_slice(void) {
    uint8_t buf[16];
    for (int i = 0; i < 16; i++) buf[i] = (uint8_t)i;
    wire_reader r;
    wire_reader_init(&r, buf, sizeof buf);
    CHECK_OK(wire_skip(&r, 10)); /* slices are relative to data, not pos */
    const uint8_t *p = NULL;
    CHECK_OK(wire_slice(&r, 2, 4, &p));
    CHECK(p == buf + 2);
    CHECK_OK(wire_slice(&r, 0, 16, &p));
    CHECK(p == buf);
    CHECK_OK(wire_slice(&r, 15, 1, &p));
    CHECK(p == buf + 15);
    CHECK_SR(wire_slice(&r, 15, 2, &p), SR_INVALID_TOKEN);
    CHECK_SR(wire_slice(&r, 16, 1, &p), SR_INVALID_TOKEN);
    CHECK_SR(wire_slice(&r, 0, 17, &p), SR_INVALID_TOKEN);
    /* offset + len wraps around: must not be accepted. */
    CHECK_SR(wire_slice(&r, SIZE_MAX, 2, &p), SR_INVALID_TOKEN);
    CHECK_SR(wire_slice(&r, 2, SIZE_MAX, &p), SR_INVALID_TOKEN);
    CHECK_SR(wire_slice(&r, SIZE_MAX - 1, 2, &p), SR_INVALID_TOKEN);
    CHECK_SR(wire_slice(&r, SIZE_MAX, SIZE_MAX, &p), SR_INVALID_TOKEN);
    CHECK_SR(wire_slice(&r, (size_t)1 << (sizeof(size_t) * 8 - 1),
                        (size_t)1 << (sizeof(size_t) * 8 - 1), &p), SR_INVALID_TOKEN);
    /* Zero-length slices are valid whatever the offset. */
    p = buf;
    CHECK_OK(wire_slice(&r, 0, 0, &p));
    CHECK(p == NULL);
    p = buf;
    CHECK_OK(wire_slice(&r, 16, 0, &p));
    CHECK(p == NULL);
    p = buf;
    CHECK_OK(wire_slice(&r, SIZE_MAX, 0, &p));
    CHECK(p == NULL);
    CHECK_EQ_INT(r.pos, 10);
}

static void test_sub_reader(void) {
    static const uint8_t buf[] = {1, 2, 3, 4, 5, 6};
    wire_reader r, sub;
    wire_reader_init(&r, buf, sizeof buf);
    CHECK_OK(wire_skip(&r, 1));
    CHECK_SR(wire_read_sub(&r, 6, &sub), SR_INVALID_TOKEN);
    CHECK_SR(wire_read_sub(&r, SIZE_MAX, &sub), SR_INVALID_TOKEN);
    CHECK_EQ_INT(r.pos, 1);
    CHECK_OK(wire_read_sub(&r, 3, &sub));
    CHECK_EQ_INT(r.pos, 4);
    CHECK(sub.data == buf + 1);
    CHECK_EQ_INT(sub.len, 3);
    CHECK_EQ_INT(sub.pos, 0);
    CHECK_EQ_INT(sub.depth, 1);
    uint16_t v;
    CHECK_OK(wire_read_u16be(&sub, &v));
    CHECK_EQ_INT(v, 0x0203);
    /* The sub-reader cannot see past its end even though the parent can. */
    CHECK_SR(wire_read_u16be(&sub, &v), SR_INVALID_TOKEN);
    /* Slices of a sub-reader are relative to the sub-reader's data. */
    const uint8_t *p;
    CHECK_OK(wire_slice(&sub, 2, 1, &p));
    CHECK(p == buf + 3);
    CHECK_SR(wire_slice(&sub, 2, 2, &p), SR_INVALID_TOKEN);
}

static void test_depth_limit(void) {
    static const uint8_t buf[4] = {0};
    wire_reader levels[WIRE_MAX_DEPTH + 2];
    wire_reader_init(&levels[0], buf, sizeof buf);
    for (unsigned i = 0; i < WIRE_MAX_DEPTH; i++) {
        REQUIRE(sr_is_ok(wire_read_sub(&levels[i], 0, &levels[i + 1])));
        CHECK_EQ_INT(levels[i + 1].depth, i + 1);
    }
    wire_reader before = levels[WIRE_MAX_DEPTH];
    CHECK_SR(wire_read_sub(&levels[WIRE_MAX_DEPTH], 0, &levels[WIRE_MAX_DEPTH + 1]),
             SR_INVALID_TOKEN);
    CHECK(reader_same(&before, &levels[WIRE_MAX_DEPTH]));
}

static void test_fixed_writer(void) {
    uint8_t buf[8];
    memset(buf, 0xcc, sizeof buf);
    wire_writer w;
    wire_writer_init_fixed(&w, buf, sizeof buf);
    CHECK_OK(wire_writer_status(&w));
    CHECK_OK(wire_write_u16le(&w, 0x0102));
    CHECK_OK(wire_write_u32be(&w, 0x03040506));
    CHECK_EQ_INT(wire_writer_len(&w), 6);
    /* Overflow: nothing written, failure is sticky. */
    CHECK_SR(wire_write_u32le(&w, 0xdeadbeef), SR_BUFFER_TOO_SMALL);
    CHECK_EQ_INT(wire_writer_len(&w), 6);
    CHECK_EQ_INT(buf[6], 0xcc);
    CHECK_SR(wire_writer_status(&w), SR_BUFFER_TOO_SMALL);
    CHECK_SR(wire_write_u8(&w, 1), SR_BUFFER_TOO_SMALL);
    CHECK_SR(wire_write_bytes(&w, "", 0), SR_BUFFER_TOO_SMALL);
    CHECK_SR(wire_patch_u16le(&w, 0, 0xffff), SR_BUFFER_TOO_SMALL);
    CHECK_EQ_INT(wire_writer_len(&w), 6);
    static const uint8_t want[] = {0x02, 0x01, 0x03, 0x04, 0x05, 0x06, 0xcc, 0xcc};
    CHECK_BYTES(buf, want, 8);
    /* A fixed writer cannot hand its buffer out; free is a no-op. */
    uint8_t *out = NULL;
    size_t out_len = 0;
    wire_writer_init_fixed(&w, buf, sizeof buf);
    CHECK_SR(wire_writer_take(&w, &out, &out_len), SR_INVALID_PARAMETER);
    wire_writer_free(&w);
    CHECK(w.data == buf);
    /* Exactly full is fine. */
    CHECK_OK(wire_write_u64le(&w, 0x0807060504030201ull));
    CHECK_OK(wire_write_bytes(&w, NULL, 0));
    CHECK_SR(wire_write_zeros(&w, 1), SR_BUFFER_TOO_SMALL);
    /* Size overflow never wraps. */
    wire_writer_init_fixed(&w, buf, sizeof buf);
    CHECK_OK(wire_write_u8(&w, 1));
    CHECK_SR(wire_write_zeros(&w, SIZE_MAX), SR_BUFFER_TOO_SMALL);
    /* Zero-capacity fixed writer. */
    wire_writer_init_fixed(&w, NULL, 0);
    CHECK_OK(wire_write_bytes(&w, NULL, 0));
    CHECK_SR(wire_write_u8(&w, 0), SR_BUFFER_TOO_SMALL);
}

static void test_growable_writer(void) {
    wire_writer w;
    CHECK_OK(wire_writer_init_alloc(&w, 0));
    for (unsigned i = 0; i < 10000; i++) REQUIRE(sr_is_ok(wire_write_u16be(&w, (uint16_t)i)));
    CHECK_EQ_INT(wire_writer_len(&w), 20000);
    CHECK(w.cap >= 20000);
    int ok = 1;
    for (unsigned i = 0; i < 10000; i++)
        if (w.data[2 * i] != (uint8_t)(i >> 8) || w.data[2 * i + 1] != (uint8_t)i) ok = 0;
    CHECK(ok);
    CHECK_OK(wire_write_u64be(&w, 0x0102030405060708ull));
    CHECK_OK(wire_write_u64le(&w, 0x0102030405060708ull));
    static const uint8_t tail[] = {1, 2, 3, 4, 5, 6, 7, 8, 8, 7, 6, 5, 4, 3, 2, 1};
    CHECK_BYTES(w.data + 20000, tail, 16);
    uint8_t *out = NULL;
    size_t out_len = 0;
    CHECK_OK(wire_writer_take(&w, &out, &out_len));
    CHECK_EQ_INT(out_len, 20016);
    REQUIRE(out != NULL);
    CHECK_EQ_INT(out[3], 1);
    CHECK(w.data == NULL);
    CHECK_EQ_INT(wire_writer_len(&w), 0);
    free(out);
    /* The writer is reusable after take. */
    CHECK_OK(wire_write_u8(&w, 7));
    CHECK_EQ_INT(wire_writer_len(&w), 1);
    wire_writer_free(&w);
    CHECK(w.data == NULL);
    /* Taking an empty writer gives a real allocation. */
    CHECK_OK(wire_writer_init_alloc(&w, 16));
    CHECK_OK(wire_writer_take(&w, &out, &out_len));
    CHECK(out != NULL);
    CHECK_EQ_INT(out_len, 0);
    free(out);
    wire_writer_free(&w);
    /* Impossible sizes fail with SR_NO_MEMORY, sticky; take then fails. */
    CHECK_OK(wire_writer_init_alloc(&w, 4));
    CHECK_OK(wire_write_u8(&w, 1));
    CHECK_SR(wire_write_zeros(&w, SIZE_MAX), SR_NO_MEMORY);
    CHECK_SR(wire_write_u8(&w, 1), SR_NO_MEMORY);
    CHECK_SR(wire_writer_take(&w, &out, &out_len), SR_NO_MEMORY);
    CHECK_EQ_INT(wire_writer_len(&w), 1);
    wire_writer_free(&w);
    CHECK_OK(wire_writer_init_alloc(&w, 0));
    CHECK_SR(wire_write_zeros(&w, WIRE_WRITER_MAX_CAP + 1), SR_NO_MEMORY);
    wire_writer_free(&w);
    CHECK_OK(wire_writer_init_alloc(&w, 0));
    CHECK_OK(wire_write_u8(&w, 1));
    CHECK_SR(wire_write_zeros(&w, (size_t)1 << (sizeof(size_t) * 8 - 1)), SR_NO_MEMORY);
    wire_writer_free(&w);
    CHECK_SR(wire_writer_init_alloc(&w, SIZE_MAX), SR_NO_MEMORY);
    CHECK_SR(wire_write_u8(&w, 1), SR_NO_MEMORY);
    wire_writer_free(&w);
}

static void test_reserve_patch(void) {
    wire_writer w;
    CHECK_OK(wire_writer_init_alloc(&w, 0));
    CHECK_OK(wire_write_bytes(&w, "NTLMSSP", 8));
    size_t off = 99;
    CHECK_OK(wire_reserve(&w, 8, &off));
    CHECK_EQ_INT(off, 8);
    static const uint8_t zeros[8] = {0};
    CHECK_BYTES(w.data + 8, zeros, 8);
    CHECK_OK(wire_write_bytes(&w, "payload", 7));
    CHECK_OK(wire_patch_u16le(&w, off, 7));
    CHECK_OK(wire_patch_u16le(&w, off + 2, 7));
    CHECK_OK(wire_patch_u32le(&w, off + 4, 16));
    static const uint8_t want[] = {7, 0, 7, 0, 16, 0, 0, 0};
    CHECK_BYTES(w.data + 8, want, 8);
    CHECK_OK(wire_patch_bytes(&w, 16, "PAY", 3));
    CHECK_BYTES(w.data + 16, "PAYload", 7);
    CHECK_OK(wire_patch_bytes(&w, 23, NULL, 0)); /* empty patch at the end */
    /* Out-of-range patches: caller bug, sticky SR_INVALID_PARAMETER. */
    CHECK_SR(wire_patch_u32le(&w, 21, 0), SR_INVALID_PARAMETER);
    CHECK_SR(wire_writer_status(&w), SR_INVALID_PARAMETER);
    CHECK_BYTES(w.data + 16, "PAYload", 7);
    wire_writer_free(&w);

    CHECK_OK(wire_writer_init_alloc(&w, 0));
    CHECK_OK(wire_write_zeros(&w, 4));
    CHECK_SR(wire_patch_bytes(&w, SIZE_MAX, "x", 1), SR_INVALID_PARAMETER);
    wire_writer_free(&w);
    CHECK_OK(wire_writer_init_alloc(&w, 0));
    CHECK_OK(wire_write_zeros(&w, 4));
    CHECK_SR(wire_patch_bytes(&w, 2, "xyz", SIZE_MAX), SR_INVALID_PARAMETER);
    wire_writer_free(&w);
}

static void test_insert(void) {
    wire_writer w;
    CHECK_OK(wire_writer_init_alloc(&w, 2));
    CHECK_OK(wire_write_bytes(&w, "ad", 2));
    CHECK_OK(wire_insert(&w, 1, "bc", 2));
    CHECK_OK(wire_insert(&w, 0, ">", 1));
    CHECK_OK(wire_insert(&w, 5, "<", 1));
    CHECK_OK(wire_insert(&w, 3, NULL, 0));
    CHECK_EQ_INT(wire_writer_len(&w), 6);
    CHECK_BYTES(w.data, ">abcd<", 6);
    CHECK_SR(wire_insert(&w, 7, "x", 1), SR_INVALID_PARAMETER);
    CHECK_SR(wire_insert(&w, 0, "x", 1), SR_INVALID_PARAMETER);
    wire_writer_free(&w);
    /* Insert into a fixed writer: room check covers the moved tail. */
    uint8_t buf[5];
    wire_writer_init_fixed(&w, buf, sizeof buf);
    CHECK_OK(wire_write_bytes(&w, "abc", 3));
    CHECK_OK(wire_insert(&w, 1, "X", 1));
    CHECK_BYTES(buf, "aXbc", 4);
    CHECK_SR(wire_insert(&w, 0, "YZ", 2), SR_BUFFER_TOO_SMALL);
    CHECK_BYTES(buf, "aXbc", 4);
    CHECK_EQ_INT(wire_writer_len(&w), 4);
    /* Large insert into a growable writer (tail moved across a regrow). */
    CHECK_OK(wire_writer_init_alloc(&w, 0));
    uint8_t big[1000];
    for (size_t i = 0; i < sizeof big; i++) big[i] = (uint8_t)i;
    CHECK_OK(wire_write_bytes(&w, "head-tail", 9));
    CHECK_OK(wire_insert(&w, 5, big, sizeof big));
    CHECK_EQ_INT(wire_writer_len(&w), 1009);
    CHECK_BYTES(w.data, "head-", 5);
    CHECK_BYTES(w.data + 5, big, sizeof big);
    CHECK_BYTES(w.data + 1005, "tail", 4);
    wire_writer_free(&w);
}

static void test_fail_api(void) {
    wire_writer w;
    CHECK_OK(wire_writer_init_alloc(&w, 0));
    wire_writer_fail(&w, SR_OK);
    CHECK_OK(wire_writer_status(&w));
    wire_writer_fail(&w, SR_INVALID_PARAMETER);
    wire_writer_fail(&w, SR_NO_MEMORY); /* first failure wins */
    CHECK_SR(wire_writer_status(&w), SR_INVALID_PARAMETER);
    CHECK_SR(wire_write_u8(&w, 0), SR_INVALID_PARAMETER);
    size_t off;
    CHECK_SR(wire_reserve(&w, 1, &off), SR_INVALID_PARAMETER);
    CHECK_SR(wire_insert(&w, 0, "a", 1), SR_INVALID_PARAMETER);
    wire_writer_free(&w);
}

int main(void) {
    TEST_RUN(test_read_integers);
    TEST_RUN(test_truncated_integers);
    TEST_RUN(test_bytes_copy_skip);
    TEST_RUN(test_empty_and_null_reader);
    TEST_RUN(test_expect_end_and_bytes);
    TEST_RUN(test_slice);
    TEST_RUN(test_sub_reader);
    TEST_RUN(test_depth_limit);
    TEST_RUN(test_fixed_writer);
    TEST_RUN(test_growable_writer);
    TEST_RUN(test_reserve_patch);
    TEST_RUN(test_insert);
    TEST_RUN(test_fail_api);
    return test_summary();
}
