/*
 * Worker pool (see async_pool.h).
 */
#include "async/async_pool.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "async/async_io.h"
#include "core/log.h"
#include "crypto/crypto.h"

#define POOL_LOG "async"
#define POOL_MAX_THREADS 256
#define POOL_DEFAULT_MAX_CALLS 65536
/* At exit, how long pool_shutdown waits for calls in flight to end. */
#define POOL_EXIT_WAIT_MS 1000

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
/* pool_shutdown waits on pool_idle_cond (with pool_mutex) once it has set
 * pool_draining; the last sspi_pool_unadmit then signals it. */
static pthread_cond_t pool_idle_cond = PTHREAD_COND_INITIALIZER;
static atomic_bool pool_draining;
static _Thread_local bool on_worker;

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
    on_worker = true;
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

void sspi_pool_unadmit(void) {
    /* Both atomics are seq_cst: either this sees pool_draining, or
     * pool_wait_idle sees the count already at 0. */
    if (atomic_fetch_sub(&admitted, 1) == 1 && atomic_load(&pool_draining)) {
        pthread_mutex_lock(&pool_mutex);
        pthread_cond_broadcast(&pool_idle_cond);
        pthread_mutex_unlock(&pool_mutex);
    }
}

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

/* Whether no call is queued, running or waiting for I/O, after waiting up
 * to POOL_EXIT_WAIT_MS for that: the application may exit as soon as the
 * last completion callback told it a call is done, while the worker is
 * still returning from that callback. Not waited for on a worker (exit()
 * called from a callback: its own call never ends). */
static bool pool_wait_idle(void) {
    if (on_worker) return false;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until); /* the clock of pool_idle_cond */
    until.tv_sec += POOL_EXIT_WAIT_MS / 1000;
    until.tv_nsec += (long)(POOL_EXIT_WAIT_MS % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    atomic_store(&pool_draining, true);
    pthread_mutex_lock(&pool_mutex);
    bool idle;
    while (!(idle = queue_head == NULL && atomic_load(&admitted) == 0)) {
        int rc = pthread_cond_timedwait(&pool_idle_cond, &pool_mutex, &until);
        if (rc != 0 && rc != EINTR) {
            idle = queue_head == NULL && atomic_load(&admitted) == 0;
            break;
        }
    }
    pthread_mutex_unlock(&pool_mutex);
    return idle;
}

/* Process exit / library unload (atexit in a shared object runs at
 * dlclose): stop the event loop and the workers once nothing is in flight
 * (pool_wait_idle), so that per-thread state (OpenSSL's per-thread
 * DRBGs...) is released. Workers still busy after the wait (a blocking
 * application callback, exit() called from a callback) are not joined. */
static void pool_shutdown(void) {
    size_t n = atomic_load(&pool_count);
    bool idle = n != 0 && pool_wait_idle();
    sspi_io_shutdown();
    if (!n) return;
    pthread_mutex_lock(&pool_mutex);
    pool_stopping = true;
    pthread_cond_broadcast(&pool_cond);
    pthread_mutex_unlock(&pool_mutex);
    if (!idle) return;
    for (size_t i = 0; i < n; i++) pthread_join(pool_threads[i], NULL);
    free(pool_threads);
    pool_threads = NULL;
    atomic_store(&pool_count, 0);
}
