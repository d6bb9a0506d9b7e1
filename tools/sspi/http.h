/*
 * Small HTTP/1.1 helpers shared by `sspi http` (client) and `sspi serve-http`
 * (server): a buffered connection reader with strict limits, message head
 * parsing, Content-Length / chunked / close-delimited bodies, keep-alive
 * rules, a growable output buffer, base64, authentication challenge parsing
 * (WWW-Authenticate / Authorization), a one-line description of NTLM and
 * SPNEGO tokens for -v output.
 *
 * Everything here is plain POSIX; nothing is SSPI-specific except
 * http_package_registered().
 */
#ifndef LIBSSPI_TOOL_HTTP_H
#define LIBSSPI_TOOL_HTTP_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- limits ---- */
#define HTTP_MAX_HEAD 16384        /* start line + headers (and chunk trailers) */
#define HTTP_MAX_HEADERS 64        /* header fields per message */
#define HTTP_MAX_TOKEN 65536       /* decoded authentication token */

/* ---- results ---- */
enum {
    HTTP_OK = 0,
    HTTP_EOF = -1,        /* peer closed before the first byte of a message */
    HTTP_E_IO = -2,       /* read/write error, timeout or close mid-message */
    HTTP_E_SYNTAX = -3,   /* malformed message */
    HTTP_E_TOO_BIG = -4,  /* head or body over the limit */
    HTTP_E_UNSUPPORTED = -5, /* e.g. an unknown Transfer-Encoding on a request */
    HTTP_E_STOPPED = -6   /* *stop was set while waiting for a new message */
};
const char *http_result_name(int result);

/* ---- connection reader ---- */
typedef struct http_conn {
    int fd;
    int timeout_ms;             /* per read; <= 0: wait forever */
    const atomic_int *stop;     /* optional: give up (HTTP_E_STOPPED) between messages */
    size_t pos, len;
    unsigned char buf[8192];
} http_conn;

void http_conn_init(http_conn *c, int fd, int timeout_ms);

/* ---- messages ---- */
typedef struct http_header {
    const char *name;  /* NUL-terminated, inside http_msg.head */
    const char *value; /* trimmed of surrounding blanks */
} http_header;

typedef struct http_msg {
    int is_request;
    /* request line */
    const char *method, *target;
    /* status line */
    int status;
    const char *reason;
    int version_minor; /* HTTP/1.x */
    size_t header_count;
    http_header headers[HTTP_MAX_HEADERS];
    char head[HTTP_MAX_HEAD + 1];
} http_msg;

/* Read and parse one message head (request if is_request, else response). */
int http_read_head(http_conn *c, http_msg *m, int is_request);

/* Read the body that follows head m into a malloc'd buffer (NUL-terminated
 * for convenience; *len excludes the NUL). request_method is the method of
 * the request a response answers ("HEAD" responses have no body), NULL for a
 * request. Bodies over max bytes give HTTP_E_TOO_BIG. *close_delimited is set
 * when the body ran to the end of the connection. */
int http_read_body(http_conn *c, const http_msg *m, const char *request_method, size_t max,
                   char **body, size_t *len, int *close_delimited);

/* First value of header `name` (case-insensitive) at or after *index; the
 * index of the match + 1 is stored back so that a loop visits every one.
 * Pass index NULL for the first. */
const char *http_header_find(const http_msg *m, const char *name, size_t *index);
/* Does some `name` header list `token` (comma-separated, case-insensitive)? */
int http_header_has_token(const http_msg *m, const char *name, const char *token);
/* Whether the connection stays open after this message (HTTP/1.1 default
 * yes, HTTP/1.0 default no, Connection: close / keep-alive). */
int http_keep_alive(const http_msg *m);

/* Print a message head with a prefix on every line (for -v). */
void http_dump_head(FILE *out, const char *prefix, const http_msg *m);

/* ---- output buffer ---- */
typedef struct http_buf {
    char *data;
    size_t len, cap;
    int failed; /* an allocation failed; the content is unusable */
} http_buf;

void http_buf_printf(http_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void http_buf_append(http_buf *b, const void *data, size_t len);
void http_buf_free(http_buf *b);
/* Print the lines of a head we built (up to the blank line) with a prefix. */
void http_dump_raw_head(FILE *out, const char *prefix, const char *data, size_t len);

/* Write all of data (MSG_NOSIGNAL); 0 on success, -1 on error. */
int http_write_all(int fd, const void *data, size_t len);

/* ---- base64 (RFC 4648, standard alphabet, padded) ---- */
/* Returns a malloc'd NUL-terminated string, NULL when out of memory. */
char *http_base64_encode(const void *data, size_t len);
/* Strict decode (no whitespace, correct padding); returns a malloc'd buffer
 * or NULL when invalid, empty or over max bytes. */
unsigned char *http_base64_decode(const char *text, size_t text_len, size_t max, size_t *out_len);

/* ---- authentication challenges / credentials headers ---- */
/* Look for authentication scheme `scheme` in every `header` field of m
 * (WWW-Authenticate, Proxy-Authenticate, Authorization, ...), which may hold
 * several comma-separated challenges with auth-params. Returns 1 when found;
 * *token / *token_len then give its token68 (NULL / 0 when it has none). */
int http_auth_find(const http_msg *m, const char *header, const char *scheme, const char **token,
                   size_t *token_len);
/* Comma-separated scheme names offered in `header` fields, into buf. */
const char *http_auth_schemes(const http_msg *m, const char *header, char *buf, size_t len);

/* One-line description of an NTLM or SPNEGO token for -v output:
 * "NTLM CHALLENGE_MESSAGE (type 2)", "SPNEGO NegTokenResp carrying NTLM
 * AUTHENTICATE_MESSAGE (type 3)", "Kerberos AP-REQ", ... */
const char *http_describe_token(const unsigned char *tok, size_t len, char *buf, size_t buflen);

/* Is the named security package registered (QuerySecurityPackageInfoA)? */
int http_package_registered(const char *name);

#endif
