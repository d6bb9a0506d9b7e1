/*
 * Minimal unit-test helpers. Each test program calls TEST_RUN(fn) for its
 * cases and returns test_summary(), which prints "N passed, N failed" and
 * yields the exit code. CHECK* record a failure and continue the case;
 * REQUIRE* abort the case.
 */
#ifndef LIBSSPI_TESTLIB_H
#define LIBSSPI_TESTLIB_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

extern int test_case_failed;

void test_fail(const char *file, int line, const char *expr);
void test_run(const char *name, void (*fn)(void));
int test_summary(void);
/* Parse hex ("0a 1b..." spaces allowed) into out; returns length or -1. */
long test_hex(const char *hex, uint8_t *out, size_t cap);
/* Print a hex diff when two byte strings differ; returns 1 if equal. */
int test_bytes_eq(const char *file, int line, const char *what, const void *a, const void *b,
                  size_t len);

/* A new temporary file (mkstemp template, e.g. "/tmp/test_xXXXXXX")
 * holding `content`; its path (heap) or NULL. test_drop_file removes it and
 * frees the path (NULL is fine). */
char *test_temp_file(const char *template_path, const char *content);
void test_drop_file(char *path);

#define TEST_RUN(fn) test_run(#fn, fn)
#define CHECK(cond) do { if (!(cond)) test_fail(__FILE__, __LINE__, #cond); } while (0)
#define REQUIRE(cond) do { if (!(cond)) { test_fail(__FILE__, __LINE__, #cond); return; } } while (0)
#define CHECK_EQ_INT(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); \
    if (a_ != b_) { char m_[256]; snprintf(m_, sizeof m_, "%s == %s (%lld vs %lld, 0x%llx vs 0x%llx)", \
        #a, #b, a_, b_, (unsigned long long)a_, (unsigned long long)b_); test_fail(__FILE__, __LINE__, m_); } } while (0)
#define CHECK_BYTES(a, b, len) test_bytes_eq(__FILE__, __LINE__, #a, (a), (b), (len))
#define CHECK_SR(expr, want) do { sr r_ = (expr); if (r_.code != (want)) { char m_[256]; \
    snprintf(m_, sizeof m_, "%s -> %s, expected %s", #expr, sr_code_name(r_.code), sr_code_name(want)); \
    test_fail(__FILE__, __LINE__, m_); } } while (0)
#define CHECK_OK(expr) CHECK_SR(expr, SR_OK)

#endif
