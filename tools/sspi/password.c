/*
 * tool_read_password: the one way subcommands get a password. Never from
 * the command line: an environment variable, the first line of a file, or
 * a prompt on the controlling terminal with echo off.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "tool.h"

#define PASSWORD_MAX 1024

/* One line from fd, read byte by byte (no stdio buffer keeps a copy). */
static char *read_secret_line(int fd) {
    char *s = malloc(PASSWORD_MAX + 1);
    if (!s) return NULL;
    size_t n = 0;
    for (;;) {
        char ch;
        ssize_t r = read(fd, &ch, 1);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            tool_wipe(s, n);
            free(s);
            return NULL;
        }
        if (r == 0 || ch == '\n') break;
        if (n == PASSWORD_MAX) {
            tool_wipe(s, n);
            free(s);
            errno = E2BIG;
            return NULL;
        }
        s[n++] = ch;
    }
    if (n && s[n - 1] == '\r') n--;
    s[n] = '\0';
    return s;
}

char *tool_read_password(const char *env_var, const char *file, const char *user) {
    if (env_var) {
        const char *v = getenv(env_var);
        if (!v) {
            fprintf(stderr, "sspi: environment variable %s is not set\n", env_var);
            return NULL;
        }
        char *s = strdup(v);
        if (!s) fprintf(stderr, "sspi: out of memory\n");
        return s;
    }
    if (file) {
        int fd = open(file, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            fprintf(stderr, "sspi: cannot open %s: %s\n", file, strerror(errno));
            return NULL;
        }
        char *s = read_secret_line(fd);
        int e = errno;
        close(fd);
        if (!s) fprintf(stderr, "sspi: cannot read %s: %s\n", file, strerror(e));
        return s;
    }
    int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        fprintf(stderr, "sspi: no terminal to ask for the password of %s; use --password-env "
                        "VAR or --password-file FILE\n", user);
        return NULL;
    }
    struct termios old, quiet;
    if (tcgetattr(fd, &old) != 0) {
        fprintf(stderr, "sspi: cannot read the terminal settings: %s\n", strerror(errno));
        close(fd);
        return NULL;
    }
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
    quiet.c_lflag |= ICANON;
    dprintf(fd, "Password for %s: ", user);
    if (tcsetattr(fd, TCSAFLUSH, &quiet) != 0) {
        fprintf(stderr, "sspi: cannot turn echo off: %s\n", strerror(errno));
        close(fd);
        return NULL;
    }
    char *s = read_secret_line(fd);
    tcsetattr(fd, TCSAFLUSH, &old);
    dprintf(fd, "\n");
    close(fd);
    if (!s) fprintf(stderr, "sspi: cannot read the password\n");
    return s;
}
