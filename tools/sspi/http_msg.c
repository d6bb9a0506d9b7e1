/*
 * HTTP/1.1 message reading and writing for `sspi http` and `sspi serve-http`
 * (RFC 9110 / 9112), deliberately small and strict:
 *   - the head (start line + header fields) is at most HTTP_MAX_HEAD bytes
 *     and HTTP_MAX_HEADERS fields; obsolete line folding, blanks before the
 *     colon and control characters are refused;
 *   - bodies are Content-Length (all copies must agree), chunked (the only
 *     transfer coding accepted; never together with Content-Length) or, for
 *     responses only, delimited by the end of the connection; every body is
 *     capped by the caller;
 *   - CRLF is expected, a bare LF is tolerated (RFC 9112 section 2.2).
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http.h"

const char *http_result_name(int result) {
    switch (result) {
    case HTTP_OK: return "ok";
    case HTTP_EOF: return "connection closed";
    case HTTP_E_IO: return "I/O error, timeout or connection closed mid-message";
    case HTTP_E_SYNTAX: return "malformed HTTP message";
    case HTTP_E_TOO_BIG: return "HTTP message over the size limit";
    case HTTP_E_UNSUPPORTED: return "unsupported HTTP feature";
    case HTTP_E_STOPPED: return "stopped";
    default: return "unknown error";
    }
}

void http_conn_init(http_conn *c, int fd, int timeout_ms) {
    memset(c, 0, sizeof *c);
    c->fd = fd;
    c->timeout_ms = timeout_ms;
}

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Refill the buffer. idle: no byte of the current message read yet (then a
 * clean close is HTTP_EOF and *stop is honoured). Returns HTTP_OK or an error. */
static int conn_fill(http_conn *c, int idle) {
    long long deadline = c->timeout_ms > 0 ? now_ms() + c->timeout_ms : 0;
    for (;;) {
        if (idle && c->stop && atomic_load(c->stop)) return HTTP_E_STOPPED;
        int wait = 200;
        if (deadline) {
            long long left = deadline - now_ms();
            if (left <= 0) return idle ? HTTP_EOF : HTTP_E_IO;
            if (left < wait) wait = (int)left;
        } else if (!c->stop) {
            wait = -1;
        }
        struct pollfd p = {.fd = c->fd, .events = POLLIN};
        int r = poll(&p, 1, wait);
        if (r < 0) {
            if (errno == EINTR) continue;
            return HTTP_E_IO;
        }
        if (r == 0) continue;
        ssize_t n = recv(c->fd, c->buf, sizeof c->buf, 0);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            return idle && errno == ECONNRESET ? HTTP_EOF : HTTP_E_IO;
        }
        if (n == 0) return idle ? HTTP_EOF : HTTP_E_IO;
        c->pos = 0;
        c->len = (size_t)n;
        return HTTP_OK;
    }
}

/* Next byte (0..255) or a negative HTTP_ result. */
static int conn_getc(http_conn *c, int idle) {
    if (c->pos == c->len) {
        int r = conn_fill(c, idle);
        if (r != HTTP_OK) return r;
    }
    return c->buf[c->pos++];
}

/* Read one line (without its CRLF / LF) into out (cap bytes incl. NUL).
 * *used is the running total against `budget` (head or trailer limit). */
static int read_line(http_conn *c, char *out, size_t cap, size_t *used, size_t budget, int idle) {
    size_t n = 0;
    for (;;) {
        int ch = conn_getc(c, idle && n == 0 && *used == 0);
        if (ch < 0) return ch;
        if (++*used > budget) return HTTP_E_TOO_BIG;
        if (ch == '\n') break;
        if (n + 1 >= cap) return HTTP_E_TOO_BIG;
        out[n++] = (char)ch;
    }
    if (n && out[n - 1] == '\r') n--;
    out[n] = '\0';
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)out[i];
        if ((ch < 0x20 && ch != '\t') || ch == 0x7f) return HTTP_E_SYNTAX;
    }
    return HTTP_OK;
}

static int is_tchar(int ch) {
    return isalnum(ch) || (ch && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

static char *trim(char *s) {
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) s[--n] = '\0';
    return s;
}

static int parse_version(const char *v, int *minor) {
    if (strncmp(v, "HTTP/1.", 7) != 0 || !isdigit((unsigned char)v[7]) || v[8] != '\0')
        return HTTP_E_SYNTAX;
    *minor = v[7] - '0';
    return HTTP_OK;
}

static int parse_start_line(http_msg *m, char *line) {
    if (m->is_request) {
        /* method SP request-target SP HTTP-version */
        char *sp1 = strchr(line, ' ');
        if (!sp1) return HTTP_E_SYNTAX;
        *sp1 = '\0';
        char *sp2 = strchr(sp1 + 1, ' ');
        if (!sp2) return HTTP_E_SYNTAX;
        *sp2 = '\0';
        m->method = line;
        m->target = sp1 + 1;
        if (!*m->method || !*m->target) return HTTP_E_SYNTAX;
        for (const char *p = m->method; *p; p++)
            if (!is_tchar((unsigned char)*p)) return HTTP_E_SYNTAX;
        for (const char *p = m->target; *p; p++)
            if ((unsigned char)*p <= ' ') return HTTP_E_SYNTAX;
        return parse_version(sp2 + 1, &m->version_minor);
    }
    /* HTTP-version SP 3DIGIT SP [reason] */
    char *sp1 = strchr(line, ' ');
    if (!sp1) return HTTP_E_SYNTAX;
    *sp1 = '\0';
    int r = parse_version(line, &m->version_minor);
    if (r != HTTP_OK) return r;
    char *code = sp1 + 1;
    if (!isdigit((unsigned char)code[0]) || !isdigit((unsigned char)code[1]) ||
        !isdigit((unsigned char)code[2]) || (code[3] != ' ' && code[3] != '\0'))
        return HTTP_E_SYNTAX;
    m->status = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
    if (m->status < 100) return HTTP_E_SYNTAX;
    m->reason = code[3] ? code + 4 : "";
    return HTTP_OK;
}

int http_read_head(http_conn *c, http_msg *m, int is_request) {
    memset(m, 0, offsetof(http_msg, head));
    m->is_request = is_request;
    size_t used = 0, off = 0;
    int first = 1;
    char *start_line = NULL;
    for (;;) {
        char *line = m->head + off;
        int r = read_line(c, line, sizeof m->head - off, &used, HTTP_MAX_HEAD, first);
        if (r != HTTP_OK) return r;
        size_t n = strlen(line);
        if (first) {
            /* A server ignores empty lines before a request line. */
            if (n == 0 && is_request && used <= 8) continue;
            if (n == 0) return HTTP_E_SYNTAX;
            start_line = line;
            first = 0;
            off += n + 1;
            continue;
        }
        if (n == 0) break;
        if (line[0] == ' ' || line[0] == '\t') return HTTP_E_SYNTAX; /* obs-fold */
        char *colon = strchr(line, ':');
        if (!colon || colon == line) return HTTP_E_SYNTAX;
        *colon = '\0';
        for (const char *p = line; *p; p++)
            if (!is_tchar((unsigned char)*p)) return HTTP_E_SYNTAX;
        if (m->header_count == HTTP_MAX_HEADERS) return HTTP_E_TOO_BIG;
        m->headers[m->header_count].name = line;
        m->headers[m->header_count].value = trim(colon + 1);
        m->header_count++;
        off += n + 1;
    }
    return parse_start_line(m, start_line);
}

const char *http_header_find(const http_msg *m, const char *name, size_t *index) {
    for (size_t i = index ? *index : 0; i < m->header_count; i++) {
        if (strcasecmp(m->headers[i].name, name) == 0) {
            if (index) *index = i + 1;
            return m->headers[i].value;
        }
    }
    if (index) *index = m->header_count;
    return NULL;
}

/* Does the comma-separated list `list` contain `token` (case-insensitive)? */
static int list_has_token(const char *list, const char *token) {
    size_t tl = strlen(token);
    const char *p = list;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',') p++;
        const char *s = p;
        while (*p && *p != ',') p++;
        const char *e = p;
        while (e > s && (e[-1] == ' ' || e[-1] == '\t')) e--;
        if ((size_t)(e - s) == tl && strncasecmp(s, token, tl) == 0) return 1;
    }
    return 0;
}

int http_header_has_token(const http_msg *m, const char *name, const char *token) {
    size_t idx = 0;
    const char *v;
    while ((v = http_header_find(m, name, &idx)) != NULL)
        if (list_has_token(v, token)) return 1;
    return 0;
}

int http_keep_alive(const http_msg *m) {
    if (http_header_has_token(m, "Connection", "close")) return 0;
    if (m->version_minor >= 1) return 1;
    return http_header_has_token(m, "Connection", "keep-alive");
}

void http_dump_head(FILE *out, const char *prefix, const http_msg *m) {
    flockfile(out);
    if (m->is_request)
        fprintf(out, "%s%s %s HTTP/1.%d\n", prefix, m->method, m->target, m->version_minor);
    else
        fprintf(out, "%sHTTP/1.%d %03d %s\n", prefix, m->version_minor, m->status, m->reason);
    for (size_t i = 0; i < m->header_count; i++)
        fprintf(out, "%s%s: %s\n", prefix, m->headers[i].name, m->headers[i].value);
    fprintf(out, "%s\n", prefix);
    funlockfile(out);
}

/* ---- bodies ---- */

static int body_append(char **body, size_t *len, size_t *cap, size_t max, const void *data,
                       size_t n) {
    if (n > max - *len) return HTTP_E_TOO_BIG;
    if (*len + n + 1 > *cap) {
        size_t ncap = *cap ? *cap : 1024;
        while (ncap < *len + n + 1) ncap *= 2;
        char *p = realloc(*body, ncap);
        if (!p) return HTTP_E_TOO_BIG;
        *body = p;
        *cap = ncap;
    }
    memcpy(*body + *len, data, n);
    *len += n;
    (*body)[*len] = '\0';
    return HTTP_OK;
}

/* Copy exactly n bytes of body from the connection. */
static int read_exact(http_conn *c, size_t n, char **body, size_t *len, size_t *cap, size_t max) {
    if (n > max - *len) return HTTP_E_TOO_BIG;
    while (n) {
        if (c->pos == c->len) {
            int r = conn_fill(c, 0);
            if (r != HTTP_OK) return r;
        }
        size_t take = c->len - c->pos;
        if (take > n) take = n;
        int r = body_append(body, len, cap, max, c->buf + c->pos, take);
        if (r != HTTP_OK) return r;
        c->pos += take;
        n -= take;
    }
    return HTTP_OK;
}

static int parse_size(const char *s, int base, size_t *out) {
    if (!*s) return HTTP_E_SYNTAX;
    size_t v = 0;
    for (; *s; s++) {
        int d;
        if (*s >= '0' && *s <= '9') d = *s - '0';
        else if (base == 16 && *s >= 'a' && *s <= 'f') d = *s - 'a' + 10;
        else if (base == 16 && *s >= 'A' && *s <= 'F') d = *s - 'A' + 10;
        else return HTTP_E_SYNTAX;
        if (v > (SIZE_MAX - (size_t)d) / (size_t)base) return HTTP_E_TOO_BIG;
        v = v * (size_t)base + (size_t)d;
    }
    *out = v;
    return HTTP_OK;
}

static int read_chunked(http_conn *c, size_t max, char **body, size_t *len, size_t *cap) {
    char line[256];
    size_t used = 0;
    for (;;) {
        size_t line_used = 0;
        int r = read_line(c, line, sizeof line, &line_used, sizeof line, 0);
        if (r != HTTP_OK) return r;
        char *ext = strchr(line, ';');
        if (ext) *ext = '\0';
        size_t n;
        r = parse_size(trim(line), 16, &n);
        if (r != HTTP_OK) return r;
        if (n == 0) break;
        r = read_exact(c, n, body, len, cap, max);
        if (r != HTTP_OK) return r;
        line_used = 0;
        r = read_line(c, line, sizeof line, &line_used, sizeof line, 0);
        if (r != HTTP_OK) return r;
        if (line[0]) return HTTP_E_SYNTAX;
    }
    /* trailer section, ignored, bounded like a head */
    for (;;) {
        char tline[1024];
        int r = read_line(c, tline, sizeof tline, &used, HTTP_MAX_HEAD, 0);
        if (r != HTTP_OK) return r;
        if (!tline[0]) return HTTP_OK;
    }
}

int http_read_body(http_conn *c, const http_msg *m, const char *request_method, size_t max,
                   char **body, size_t *len, int *close_delimited) {
    size_t cap = 0;
    *body = NULL;
    *len = 0;
    *close_delimited = 0;
    int r = body_append(body, len, &cap, max, "", 0);
    if (r != HTTP_OK) return r;

    if (!m->is_request) {
        if ((request_method && strcmp(request_method, "HEAD") == 0) || m->status < 200 ||
            m->status == 204 || m->status == 304)
            return HTTP_OK;
    }
    const char *te = http_header_find(m, "Transfer-Encoding", NULL);
    size_t idx = 0;
    const char *cl = http_header_find(m, "Content-Length", &idx);
    if (te) {
        /* only "chunked" alone; never with Content-Length (smuggling) */
        size_t i2 = 0;
        int count = 0;
        while (http_header_find(m, "Transfer-Encoding", &i2)) count++;
        if (cl) return HTTP_E_SYNTAX;
        if (count != 1 || strcasecmp(te, "chunked") != 0) return HTTP_E_UNSUPPORTED;
        return read_chunked(c, max, body, len, &cap);
    }
    if (cl) {
        size_t n;
        r = parse_size(cl, 10, &n);
        if (r != HTTP_OK) return r;
        const char *other;
        while ((other = http_header_find(m, "Content-Length", &idx)) != NULL)
            if (strcmp(other, cl) != 0) return HTTP_E_SYNTAX;
        if (n > max) return HTTP_E_TOO_BIG;
        return read_exact(c, n, body, len, &cap, max);
    }
    if (m->is_request) return HTTP_OK;
    /* response without length: runs to the end of the connection */
    *close_delimited = 1;
    for (;;) {
        if (c->pos == c->len) {
            r = conn_fill(c, 1);
            if (r == HTTP_EOF) return HTTP_OK;
            if (r != HTTP_OK) return r;
        }
        r = body_append(body, len, &cap, max, c->buf + c->pos, c->len - c->pos);
        if (r != HTTP_OK) return r;
        c->pos = c->len;
    }
}

/* ---- output ---- */

void http_buf_append(http_buf *b, const void *data, size_t len) {
    if (b->failed) return;
    if (b->len + len + 1 > b->cap) {
        size_t ncap = b->cap ? b->cap : 512;
        while (ncap < b->len + len + 1) ncap *= 2;
        char *p = realloc(b->data, ncap);
        if (!p) {
            b->failed = 1;
            return;
        }
        b->data = p;
        b->cap = ncap;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void http_buf_printf(http_buf *b, const char *fmt, ...) {
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = 1;
        return;
    }
    if ((size_t)n < sizeof small) {
        http_buf_append(b, small, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) {
        b->failed = 1;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    http_buf_append(b, big, (size_t)n);
    free(big);
}

void http_buf_free(http_buf *b) {
    free(b->data);
    memset(b, 0, sizeof *b);
}

void http_dump_raw_head(FILE *out, const char *prefix, const char *data, size_t len) {
    flockfile(out);
    size_t i = 0;
    while (i < len) {
        size_t e = i;
        while (e < len && data[e] != '\n') e++;
        size_t n = e - i;
        if (n && data[i + n - 1] == '\r') n--;
        fprintf(out, "%s%.*s\n", prefix, (int)n, data + i);
        if (n == 0) break;
        i = e + 1;
    }
    funlockfile(out);
}

int http_write_all(int fd, const void *data, size_t len) {
    const unsigned char *p = data;
    while (len) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}
