/*
 * Diagnostic log (see log.h). The level is read from SSPI_DEBUG once, under
 * pthread_once; each message is formatted into a local buffer and written
 * with one fwrite under a mutex so that lines from threads never interleave.
 */
#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int log_level_value;
static pthread_once_t log_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t log_mutex = PTHREAD_MUTEX_INITIALIZER;

static void log_init(void) {
    const char *v = getenv("SSPI_DEBUG");
    int level = 0;
    if (v && *v) {
        char *end = NULL;
        long n = strtol(v, &end, 10);
        if (end && *end == '\0' && n > 0) level = n > SSPI_LOG_DEBUG ? SSPI_LOG_DEBUG : (int)n;
    }
    log_level_value = level;
}

int sspi_log_level(void) {
    pthread_once(&log_once, log_init);
    return log_level_value;
}

static const char *level_name(int level) {
    switch (level) {
    case SSPI_LOG_ERROR: return "error";
    case SSPI_LOG_INFO: return "info";
    default: return "debug";
    }
}

void sspi_log_write(int level, const char *component, const char *fmt, ...) {
    if (sspi_log_level() < level) return;
    char line[1024];
    int n = snprintf(line, sizeof line, "libsspi[%ld] %s %s: ", (long)getpid(),
                     level_name(level), component ? component : "-");
    if (n < 0) return;
    size_t used = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + used, sizeof line - used, fmt, ap);
    va_end(ap);
    if (m < 0) return;
    used += (size_t)m < sizeof line - used ? (size_t)m : sizeof line - used - 1;
    /* Always end with a newline (truncated messages included). */
    if (used >= sizeof line - 1) used = sizeof line - 2;
    line[used++] = '\n';
    pthread_mutex_lock(&log_mutex);
    fwrite(line, 1, used, stderr);
    fflush(stderr);
    pthread_mutex_unlock(&log_mutex);
}
