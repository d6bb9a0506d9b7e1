/*
 * Worker pool (see async_pool.h).
 */
#include "async/async_pool.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "async/async_io.h"
#include "core/log.h"
#include "crypto/crypto.h"

#define POOL_LOG "async"
#define POOL_MAX_THREADS 256
#define POOL_DEFAULT_MAX_CALLS 65536

static pthread_once_t pool_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t pool_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_cond = PTHREAD_COND_INITIALIZER;
static sspi_job *queue_head, *queue_tail; /* pool_mutex */
static bool pool_stopping;                /* pool_mutex */
static pthread_t *pool_threads;
static atomic_size_t pool_count;
static atomic_size_t admitted;
static size_t max_calls = POOL_DEFAULT_MAX_CALLS;
static sr_code pool_status = SR_INTERNAL;

static void pool_shutdown(void);

static long env_number(const char *name, long lo, long hi, long dflt) {
    const char *v = getenv(name);
    if (!v || !*v) return dflt;
    char *end = NULL;
    long n = strtol(v, &end, 10);
    if (!end || *end != '\0' || n < lo || n > hi) return dflt;
    return n;
}

sr sspi_thread_start(void *(*fn)(void *), void *arg, void *thread_out) {
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create((pthread_t *)thread_out, NULL, fn, arg);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc == 0 ? SR_SUCCESS : SR_FAIL(SR_NO_MEMORY);
}

static void *worker_main(void *arg) {
    (void)arg;
    pthread_mutex_lock(&pool_mutex);
    for (;;) {
        while (!queue_head && !pool_stopping) pthread_cond_wait(&pool_cond, &pool_mutex);
        if (!queue_head) break; /* stopping and drained */
        sspi_job *j = queue_head;
        queue_head = j->next;
        if (!queue_head) queue_tail = NULL;
        pthread_mutex_unlock(&pool_mutex);
        j->next = NULL;
        j->run(j);
        pthread_mutex_lock(&pool_mutex);
    }
    pthread_mutex_unlock(&pool_mutex);
    return NULL;
}

static void pool_init(void) {
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (cpus < 1) cpus = 1;
    long dflt = 2 * cpus < 2 ? 2 : 2 * cpus;
    if (dflt > POOL_MAX_THREADS) dflt = POOL_MAX_THREADS;
    long n = env_number("SSPI_ASYNC_THREADS", 1, POOL_MAX_THREADS, dflt);
    max_calls = (size_t)env_number("SSPI_ASYNC_MAX_CALLS", 1, 1L << 24, POOL_DEFAULT_MAX_CALLS);
    pool_threads = calloc((size_t)n, sizeof *pool_threads);
    if (!pool_threads) {
        pool_status = SR_NO_MEMORY;
        return;
    }
    size_t started = 0;
    for (long i = 0; i < n; i++) {
        if (!sr_is_ok(sspi_thread_start(worker_main, NULL, &pool_threads[started]))) break;
        started++;
    }
    atomic_store(&pool_count, started);
    /* OpenSSL registers its own exit handler when first initialised; ours
     * must run before it (exit handlers run in reverse order), or workers
     * joined after OpenSSL's cleanup would leak their per-thread state. */
    if (started && sr_is_ok(crypto_init())) atexit(pool_shutdown);
    pool_status = started ? SR_OK : SR_NO_MEMORY;
    SSPI_LOG(SSPI_LOG_DEBUG, POOL_LOG, "worker pool: %zu threads, at most %zu calls", started,
             max_calls);
}

sr sspi_pool_start(void) {
    if (pthread_once(&pool_once, pool_init) != 0) return SR_FAIL(SR_INTERNAL);
    return SR_FAIL(pool_status);
}

bool sspi_pool_admit(void) {
    size_t cur = atomic_load(&admitted);
    do {
        if (cur >= max_calls) return false;
    } while (!atomic_compare_exchange_weak(&admitted, &cur, cur + 1));
    return true;
}

void sspi_pool_unadmit(void) { atomic_fetch_sub(&admitted, 1); }

void sspi_pool_push(sspi_job *job) {
    job->next = NULL;
    pthread_mutex_lock(&pool_mutex);
    if (queue_tail) {
        queue_tail->next = job;
    } else {
        queue_head = job;
    }
    queue_tail = job;
    pthread_cond_signal(&pool_cond);
    pthread_mutex_unlock(&pool_mutex);
}

size_t sspi_pool_threads(void) { return atomic_load(&pool_count); }

/* Process exit / library unload (atexit in a shared object runs at
 * dlclose): stop the event loop and the workers when nothing is in flight,
 * so that per-thread state (OpenSSL's per-thread DRBGs...) is released.
 * Workers still busy (a call in flight, a blocking application callback,
 * exit() called from a callback) are not waited for. */
static void pool_shutdown(void) {
    sspi_io_shutdown();
    size_t n = atomic_load(&pool_count);
    if (!n) return;
    pthread_mutex_lock(&pool_mutex);
    bool idle = queue_head == NULL && atomic_load(&admitted) == 0;
    pool_stopping = true;
    pthread_cond_broadcast(&pool_cond);
    pthread_mutex_unlock(&pool_mutex);
    if (!idle) return;
    for (size_t i = 0; i < n; i++) pthread_join(pool_threads[i], NULL);
    free(pool_threads);
    pool_threads = NULL;
    atomic_store(&pool_count, 0);
}
