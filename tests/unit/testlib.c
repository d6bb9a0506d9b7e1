#include "testlib.h"

#include <ctype.h>
#include <stdlib.h>
#include <unistd.h>

int test_case_failed;
static int passed, failed;
static const char *current;

void test_fail(const char *file, int line, const char *expr) {
    fprintf(stderr, "FAIL %s: %s:%d: %s\n", current ? current : "?", file, line, expr);
    test_case_failed = 1;
}

void test_run(const char *name, void (*fn)(void)) {
    current = name;
    test_case_failed = 0;
    fn();
    if (test_case_failed) {
        failed++;
    } else {
        passed++;
        printf("ok %s\n", name);
    }
    current = NULL;
}

int test_summary(void) {
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}

long test_hex(const char *hex, uint8_t *out, size_t cap) {
    size_t n = 0;
    int hi = -1;
    for (const char *p = hex; *p; p++) {
        if (isspace((unsigned char)*p) || *p == ':') continue;
        int v;
        if (*p >= '0' && *p <= '9') v = *p - '0';
        else if (*p >= 'a' && *p <= 'f') v = *p - 'a' + 10;
        else if (*p >= 'A' && *p <= 'F') v = *p - 'A' + 10;
        else return -1;
        if (hi < 0) {
            hi = v;
        } else {
            if (n >= cap) return -1;
            out[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    return hi < 0 ? (long)n : -1;
}

int test_bytes_eq(const char *file, int line, const char *what, const void *a, const void *b,
                  size_t len) {
    if (memcmp(a, b, len) == 0) return 1;
    char msg[128];
    snprintf(msg, sizeof msg, "bytes differ: %s", what);
    test_fail(file, line, msg);
    const uint8_t *x = a, *y = b;
    fprintf(stderr, "  got:      ");
    for (size_t i = 0; i < len; i++) fprintf(stderr, "%02x", x[i]);
    fprintf(stderr, "\n  expected: ");
    for (size_t i = 0; i < len; i++) fprintf(stderr, "%02x", y[i]);
    fprintf(stderr, "\n");
    return 0;
}

char *test_temp_file(const char *template_path, const char *content) {
    char *path = strdup(template_path);
    if (!path) return NULL;
    int fd = mkstemp(path);
    if (fd < 0) {
        free(path);
        return NULL;
    }
    size_t n = strlen(content);
    if (write(fd, content, n) != (ssize_t)n) {
        close(fd);
        free(path);
        return NULL;
    }
    close(fd);
    return path;
}

void test_drop_file(char *path) {
    if (path) unlink(path);
    free(path);
}
