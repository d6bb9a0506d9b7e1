/*
 * Diagnostic logging to stderr, off by default. The environment variable
 * SSPI_DEBUG selects the level: unset/0 = off, 1 = errors, 2 = info,
 * 3 = debug (token sizes, flags, state transitions). Secrets (passwords,
 * hashes, keys, session keys, plaintext) are never logged at any level;
 * log sizes and names instead.
 */
#ifndef LIBSSPI_CORE_LOG_H
#define LIBSSPI_CORE_LOG_H

enum { SSPI_LOG_ERROR = 1, SSPI_LOG_INFO = 2, SSPI_LOG_DEBUG = 3 };

/* Current level (reads SSPI_DEBUG once). */
int sspi_log_level(void);
void sspi_log_write(int level, const char *component, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define SSPI_LOG(level, component, ...)                                        \
    do {                                                                       \
        if (sspi_log_level() >= (level)) sspi_log_write((level), (component), __VA_ARGS__); \
    } while (0)

#endif
