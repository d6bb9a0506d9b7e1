/* White-box tests of src/core/memory.c and src/core/handles.c. */
#include <pthread.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "core/handles.h"
#include "core/memory.h"
#include "testlib.h"

static void test_alloc_free(void) {
    uint8_t *p = sspi_caller_alloc(100);
    REQUIRE(p != NULL);
    CHECK((uintptr_t)p % alignof(max_align_t) == 0);
    for (int i = 0; i < 100; i++) CHECK(p[i] == 0);
    CHECK(sspi_caller_owns(p));
    memset(p, 0xAB, 100);
    CHECK_OK(sspi_caller_free(p));
    CHECK_OK(sspi_caller_free(NULL));
    void *z = sspi_caller_alloc(0);
    REQUIRE(z != NULL);
    CHECK(sspi_caller_owns(z));
    CHECK_OK(sspi_caller_free(z));
    CHECK(sspi_caller_alloc(SIZE_MAX) == NULL);
}

static void test_dup(void) {
    const char data[] = "token bytes";
    char *p = sspi_caller_dup(data, sizeof data);
    REQUIRE(p != NULL);
    CHECK(memcmp(p, data, sizeof data) == 0);
    CHECK_OK(sspi_caller_free(p));
}

static void test_foreign_refused(void) {
    /* Pointers into memory that is not a caller block: the probe in front
     * of them reads readable, non-magic bytes. */
    static alignas(16) uint8_t pool[256];
    CHECK(!sspi_caller_owns(pool + 64));
    CHECK_SR(sspi_caller_free(pool + 64), SR_INVALID_HANDLE);
    CHECK_SR(sspi_caller_free(pool + 65), SR_INVALID_HANDLE); /* misaligned */
    uint8_t *p = sspi_caller_alloc(64);
    REQUIRE(p != NULL);
    CHECK_SR(sspi_caller_free(p + 16), SR_INVALID_HANDLE); /* interior pointer */
    /* A copied header does not make a foreign block valid (address-bound). */
    memcpy(pool, p - 32, 32);
    memcpy(pool + 128, p - 32, 32);
    CHECK_SR(sspi_caller_free(pool + 160), SR_INVALID_HANDLE);
    CHECK_OK(sspi_caller_free(p));
}

static void test_strings(void) {
    void *out = NULL;
    CHECK_OK(sspi_caller_string("NTLM", false, &out));
    REQUIRE(out != NULL);
    CHECK(strcmp(out, "NTLM") == 0);
    CHECK_OK(sspi_caller_free(out));
    CHECK_OK(sspi_caller_string("N\xC3\xA9", true, &out));
    REQUIRE(out != NULL);
    const uint16_t *w = out;
    CHECK(w[0] == 'N' && w[1] == 0xE9 && w[2] == 0);
    CHECK(sspi_caller_owns(out));
    CHECK_OK(sspi_caller_free(out));
    CHECK_OK(sspi_caller_string(NULL, true, &out));
    CHECK(out && ((uint16_t *)out)[0] == 0);
    CHECK_OK(sspi_caller_free(out));
    CHECK_SR(sspi_caller_string("\xC0\xAF", true, &out), SR_INVALID_PARAMETER);
    CHECK(out == NULL);
}

/* ---- handle table ---- */

static int destroyed;
static void count_destroy(void *p) {
    (void)p;
    destroyed++;
}

static void test_handles_basic(void) {
    int obj = 1;
    sspi_handle_value h;
    destroyed = 0;
    CHECK_OK(sspi_handle_new(SSPI_HANDLE_CREDENTIAL, &obj, count_destroy, &h));
    CHECK(!(h.lower == 0 && h.upper == 0));
    sspi_handle_entry *e = NULL;
    CHECK_OK(sspi_handle_lookup(h, SSPI_HANDLE_CREDENTIAL, &e));
    CHECK(sspi_handle_object(e) == &obj);
    /* Wrong kind, zeroed, forged, invalidated. */
    sspi_handle_entry *x = NULL;
    CHECK_SR(sspi_handle_lookup(h, SSPI_HANDLE_CONTEXT, &x), SR_INVALID_HANDLE);
    CHECK(x == NULL);
    sspi_handle_value z = {0, 0}, ones = {UINTPTR_MAX, UINTPTR_MAX};
    CHECK_SR(sspi_handle_lookup(z, SSPI_HANDLE_CREDENTIAL, &x), SR_INVALID_HANDLE);
    CHECK_SR(sspi_handle_lookup(ones, SSPI_HANDLE_CREDENTIAL, &x), SR_INVALID_HANDLE);
    sspi_handle_value f = h;
    f.upper ^= 0x100; /* another generation */
    CHECK_SR(sspi_handle_lookup(f, SSPI_HANDLE_CREDENTIAL, &x), SR_INVALID_HANDLE);
    f = h;
    f.lower ^= 1; /* another slot */
    CHECK_SR(sspi_handle_lookup(f, SSPI_HANDLE_CREDENTIAL, &x), SR_INVALID_HANDLE);
    f.lower = h.lower ^ 0x100000; /* far out of range */
    CHECK_SR(sspi_handle_lookup(f, SSPI_HANDLE_CREDENTIAL, &x), SR_INVALID_HANDLE);

    /* Delete while referenced: object survives until release. */
    CHECK_OK(sspi_handle_delete(h, SSPI_HANDLE_CREDENTIAL));
    CHECK_EQ_INT(destroyed, 0);
    CHECK_SR(sspi_handle_lookup(h, SSPI_HANDLE_CREDENTIAL, &x), SR_INVALID_HANDLE);
    CHECK_SR(sspi_handle_delete(h, SSPI_HANDLE_CREDENTIAL), SR_INVALID_HANDLE);
    sspi_handle_release(e);
    CHECK_EQ_INT(destroyed, 1);

    /* The freed slot is reused with a new generation: old handle stays dead. */
    sspi_handle_value h2;
    CHECK_OK(sspi_handle_new(SSPI_HANDLE_CREDENTIAL, &obj, count_destroy, &h2));
    CHECK(h2.lower == h.lower);
    CHECK(h2.upper != h.upper);
    CHECK_SR(sspi_handle_lookup(h, SSPI_HANDLE_CREDENTIAL, &x), SR_INVALID_HANDLE);
    CHECK_OK(sspi_handle_delete(h2, SSPI_HANDLE_CREDENTIAL));
    CHECK_EQ_INT(destroyed, 2);
}

static void test_handles_many(void) {
    enum { N = 5000 };
    static sspi_handle_value hs[N];
    static int objs[N];
    destroyed = 0;
    size_t before = sspi_handle_count(SSPI_HANDLE_CONTEXT);
    for (int i = 0; i < N; i++)
        CHECK_OK(sspi_handle_new(SSPI_HANDLE_CONTEXT, &objs[i], count_destroy, &hs[i]));
    CHECK_EQ_INT(sspi_handle_count(SSPI_HANDLE_CONTEXT), before + N);
    for (int i = 0; i < N; i += 7) {
        sspi_handle_entry *e;
        CHECK_OK(sspi_handle_lookup(hs[i], SSPI_HANDLE_CONTEXT, &e));
        CHECK(sspi_handle_object(e) == &objs[i]);
        sspi_handle_release(e);
    }
    for (int i = 0; i < N; i++) CHECK_OK(sspi_handle_delete(hs[i], SSPI_HANDLE_CONTEXT));
    CHECK_EQ_INT(destroyed, N);
    CHECK_EQ_INT(sspi_handle_count(SSPI_HANDLE_CONTEXT), before);
}

static sspi_handle_value shared_handle;
static void *hammer(void *arg) {
    (void)arg;
    for (int i = 0; i < 20000; i++) {
        sspi_handle_entry *e;
        sr r = sspi_handle_lookup(shared_handle, SSPI_HANDLE_CONTEXT, &e);
        if (r.code == SR_OK) {
            volatile int v = *(int *)sspi_handle_object(e);
            (void)v;
            sspi_handle_release(e);
        }
        int obj = i;
        sspi_handle_value h;
        if (sspi_handle_new(SSPI_HANDLE_CONTEXT, &obj, NULL, &h).code == SR_OK) {
            if (sspi_handle_delete(h, SSPI_HANDLE_CONTEXT).code != SR_OK) abort();
        }
    }
    return NULL;
}

static void free_int(void *p) { free(p); }

static void test_handles_threads(void) {
    int *obj = malloc(sizeof *obj);
    REQUIRE(obj != NULL);
    *obj = 42;
    CHECK_OK(sspi_handle_new(SSPI_HANDLE_CONTEXT, obj, free_int, &shared_handle));
    pthread_t t[4];
    for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, hammer, NULL);
    CHECK_OK(sspi_handle_delete(shared_handle, SSPI_HANDLE_CONTEXT));
    for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
}

int main(void) {
    TEST_RUN(test_alloc_free);
    TEST_RUN(test_dup);
    TEST_RUN(test_foreign_refused);
    TEST_RUN(test_strings);
    TEST_RUN(test_handles_basic);
    TEST_RUN(test_handles_many);
    TEST_RUN(test_handles_threads);
    return test_summary();
}
