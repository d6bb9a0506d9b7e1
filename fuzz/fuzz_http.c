/*
 * libFuzzer target for the HTTP/1.1 reader and the authentication header
 * parsing of the `sspi` tool (tools/sspi/http_msg.c, http_auth.c): both
 * parse what a network peer sends to `sspi http` / `sspi serve-http`.
 *
 * Input: byte 0 = mode (bit 0: requests, else responses; bit 1: answer to
 * HEAD; bits 2-3: body limit 0 / 16 / 4096 / 65536), the rest is the byte
 * stream the peer sends, fed through a socketpair that is then closed (so
 * the reader sees EOF, never waits). Up to 4 pipelined messages are read
 * (head + body) while the connection stays usable. For every head:
 * header fields must lie inside the head buffer with legal names and no
 * control characters; WWW-Authenticate / Authorization / Proxy-Authenticate
 * challenges are looked up for Negotiate, NTLM, Kerberos and Basic; a
 * token68 must lie inside its field, and when it base64-decodes, encoding
 * gives it back exactly; the scheme list and the token description are
 * produced into buffers of several sizes (down to 1 byte) and must stay
 * NUL-terminated inside them. The raw input also goes through
 * http_base64_decode and http_describe_token directly. abort() on any
 * violation; ASan catches the rest.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http.h"

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

static const size_t k_sizes[] = {1, 2, 7, 19, 20, 24, 64, 256};

static void check_desc(const unsigned char *tok, size_t len) {
    char buf[300];
    for (size_t i = 0; i < sizeof k_sizes / sizeof k_sizes[0]; i++) {
        size_t n = k_sizes[i];
        memset(buf, 'Z', sizeof buf);
        const char *d = http_describe_token(tok, len, buf, n);
        CHECK(d == buf);
        CHECK(memchr(buf, '\0', n) != NULL);
        for (size_t k = n; k < sizeof buf; k++) CHECK(buf[k] == 'Z');
    }
}

static void check_b64(const char *text, size_t len) {
    size_t out_len = 0;
    unsigned char *bin = http_base64_decode(text, len, HTTP_MAX_TOKEN, &out_len);
    if (!bin) return;
    CHECK(out_len > 0 && out_len <= HTTP_MAX_TOKEN);
    char *again = http_base64_encode(bin, out_len);
    CHECK(again != NULL);
    CHECK(strlen(again) == len && memcmp(again, text, len) == 0);
    free(again);
    check_desc(bin, out_len);
    free(bin);
}

static int inside(const http_msg *m, const char *p) {
    return p >= m->head && p <= m->head + HTTP_MAX_HEAD;
}

static void check_head(const http_msg *m) {
    CHECK(m->header_count <= HTTP_MAX_HEADERS);
    for (size_t i = 0; i < m->header_count; i++) {
        const http_header *h = &m->headers[i];
        CHECK(inside(m, h->name) && inside(m, h->value));
        CHECK(h->name[0] != '\0');
        for (const char *p = h->name; *p; p++) CHECK((unsigned char)*p > ' ' && *p != ':');
        for (const char *p = h->value; *p; p++)
            CHECK((unsigned char)*p >= ' ' || *p == '\t');
    }
    if (m->is_request) {
        CHECK(inside(m, m->method) && inside(m, m->target));
    } else {
        CHECK(m->status >= 100 && m->status <= 999);
        CHECK(m->reason != NULL);
    }
    (void)http_keep_alive(m);
    (void)http_header_has_token(m, "Connection", "close");
    (void)http_header_has_token(m, "Transfer-Encoding", "chunked");

    static const char *const headers[] = {"WWW-Authenticate", "Authorization",
                                          "Proxy-Authenticate"};
    static const char *const schemes[] = {"Negotiate", "NTLM", "Kerberos", "Basic"};
    for (size_t hi = 0; hi < 3; hi++) {
        for (size_t si = 0; si < 4; si++) {
            const char *tok = (const char *)1;
            size_t tl = 99;
            int found = http_auth_find(m, headers[hi], schemes[si], &tok, &tl);
            if (!found) {
                CHECK(tok == NULL && tl == 0);
                continue;
            }
            if (!tok) {
                CHECK(tl == 0);
                continue;
            }
            CHECK(tl > 0 && inside(m, tok) && inside(m, tok + tl));
            check_b64(tok, tl);
        }
        char buf[300];
        for (size_t i = 0; i < sizeof k_sizes / sizeof k_sizes[0]; i++) {
            size_t n = k_sizes[i];
            memset(buf, 'Z', sizeof buf);
            const char *s = http_auth_schemes(m, headers[hi], buf, n);
            CHECK(s == buf && memchr(buf, '\0', n) != NULL);
            for (size_t k = n; k < sizeof buf; k++) CHECK(buf[k] == 'Z');
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1 || size > 32768) return 0;
    uint8_t mode = data[0];
    const uint8_t *stream = data + 1;
    size_t len = size - 1;

    /* The raw bytes as a token and as base64 text. */
    check_desc(stream, len);
    check_b64((const char *)stream, len);

    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    int sndbuf = 1 << 17;
    (void)setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    size_t off = 0;
    while (off < len) {
        ssize_t n = send(sv[0], stream + off, len - off, MSG_NOSIGNAL);
        CHECK(n > 0);
        off += (size_t)n;
    }
    close(sv[0]);

    static const size_t limits[4] = {0, 16, 4096, 65536};
    int is_request = mode & 1;
    const char *method = (mode & 2) ? "HEAD" : "GET";
    size_t max = limits[(mode >> 2) & 3];

    static http_conn c;
    static http_msg m;
    http_conn_init(&c, sv[1], 1000);
    for (int i = 0; i < 4; i++) {
        int r = http_read_head(&c, &m, is_request);
        CHECK(r <= 0 && r >= HTTP_E_STOPPED);
        if (r != HTTP_OK) break;
        check_head(&m);
        char *body = NULL;
        size_t body_len = 0;
        int close_delimited = 0;
        r = http_read_body(&c, &m, is_request ? NULL : method, max, &body, &body_len,
                           &close_delimited);
        CHECK(r <= 0 && r >= HTTP_E_STOPPED);
        if (r == HTTP_OK) {
            CHECK(body != NULL && body_len <= max && body[body_len] == '\0');
            CHECK(body_len <= len);
        }
        free(body);
        if (r != HTTP_OK || close_delimited || !http_keep_alive(&m)) break;
    }
    close(sv[1]);
    return 0;
}
