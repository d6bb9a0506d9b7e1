/*
 * The worker pool of the asynchronous API: a fixed number of threads
 * (SSPI_ASYNC_THREADS, default 2 x online CPUs, 2..256) taking jobs from one
 * FIFO. Jobs are intrusive (no allocation: pushing never fails); the bound
 * is on admission: sspi_pool_admit() reserves one of SSPI_ASYNC_MAX_CALLS
 * (default 65536) slots for a whole asynchronous call - queued, running or
 * waiting for network I/O on the event loop - and fails when all are taken.
 * The threads start on first use, block every signal (the application's
 * handlers run on its own threads) and live until the library is unloaded.
 */
#ifndef LIBSSPI_ASYNC_ASYNC_POOL_H
#define LIBSSPI_ASYNC_ASYNC_POOL_H

#include <stdbool.h>
#include <stddef.h>

#include "core/result.h"

typedef struct sspi_job {
    struct sspi_job *next;
    void (*run)(struct sspi_job *job);
} sspi_job;

/* Start the pool (once). SR_NO_MEMORY / SR_INTERNAL if no thread starts. */
SR_MUST_CHECK sr sspi_pool_start(void);
/* Reserve / give back one call slot. */
bool sspi_pool_admit(void);
void sspi_pool_unadmit(void);
/* Queue a job (the pool must be started). */
void sspi_pool_push(sspi_job *job);
/* Number of worker threads (0 before start). */
size_t sspi_pool_threads(void);
/* Start a library thread with every signal blocked. */
SR_MUST_CHECK sr sspi_thread_start(void *(*fn)(void *), void *arg, void *thread_out);

#endif
