/*
 * sspi serve-http [--listen ADDR] [--port N] [--ready-file FILE]
 *                 [--package Negotiate|NTLM|both] [--user-file FILE]
 *                 [--keytab FILE] [--once | --max-requests N] [--proxy-auth] [-v]
 *
 * A small HTTP/1.1 server for demos and tests, authenticating like IIS does
 * with Windows authentication:
 *   - a request without credentials gets 401 with "WWW-Authenticate:
 *     Negotiate" and "WWW-Authenticate: NTLM" (each only when the package is
 *     offered and registered);
 *   - "Authorization: Negotiate|NTLM <base64>" goes to AcceptSecurityContext
 *     with the context kept on the connection (NTLM authenticates the
 *     connection, MS-NTHT: keep-alive is required); SEC_I_CONTINUE_NEEDED
 *     answers 401 with "WWW-Authenticate: <Scheme> <base64>";
 *   - SEC_E_OK answers 200 "Hello, DOMAIN\user (package PKG)", with the final
 *     "WWW-Authenticate: Negotiate <base64>" token when there is one; later
 *     requests on the same connection stay authenticated;
 *   - a failure answers 401 with fresh challenges.
 * Raw NTLM tokens sent in the Negotiate scheme (as Windows clients do when
 * Negotiate has nothing better) are accepted with the NTLM package.
 * One thread per connection (at most SERVE_MAX_CONNECTIONS at a time), or a
 * single connection with --once.
 * Result lines on stdout: "AUTHENTICATED DOMAIN\user (package PKG)" or
 * "AUTH FAILED <status>"; -v traces requests and each step on stderr.
 *
 * --proxy-auth turns it into an authenticating forward-proxy endpoint (for
 * tests of proxy clients; RFC 7235 section 3.2, MS-NTHT): the same exchange
 * runs with status 407, "Proxy-Authenticate" challenges and
 * "Proxy-Authorization" credentials ("Authorization" belongs to the origin
 * and is ignored). Requests must be in absolute-form ("GET http://host/path
 * HTTP/1.1"); once the connection is authenticated they are answered locally
 * with 200 "Hello via proxy, DOMAIN\user (package PKG)", whatever the host:
 * nothing is ever forwarded and no other connection is made. CONNECT is
 * authenticated the same way but then refused (501, no tunnels). Responses
 * carry "Proxy-Connection" next to "Connection"; "Proxy-Connection:
 * keep-alive|close" in requests counts like "Connection".
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libsspi.h>

#include "http.h"
#include "tool.h"

#define SERVE_MAX_CONNECTIONS 32
#define SERVE_IDLE_TIMEOUT_MS 30000
#define SERVE_MAX_BODY ((size_t)1 << 20)

void cmd_serve_http_help(FILE *out) {
    fprintf(out,
            "Serves HTTP/1.1 with Windows-style Negotiate/NTLM authentication\n"
            "(AcceptSecurityContext, one context per connection). Every path answers\n"
            "200 \"Hello, DOMAIN\\user (package PKG)\" once authenticated, else 401.\n"
            "Prints AUTHENTICATED <name> (package <PKG>) or AUTH FAILED <status> on\n"
            "stdout for each authentication.\n"
            "\n"
            "options:\n"
            "  --listen ADDR        address to listen on (default 127.0.0.1)\n"
            "  --port N             TCP port, 0 = any free port (default 0)\n"
            "  --ready-file FILE    write the bound port to FILE once listening\n"
            "  --package NAME       Negotiate, NTLM or both (default: both, i.e. every\n"
            "                       one of them the library registers)\n"
            "  --user-file FILE     NTLM account file (DOMAIN:USER:PASSWORD lines)\n"
            "                       (default: $NTLM_USER_FILE)\n"
            "  --keytab FILE        Kerberos keytab for Negotiate (\"FILE:/path\" or a\n"
            "                       path; SECPKG_CRED_ATTR_LIBSSPI_KRB5_KEYTAB), holding\n"
            "                       HTTP/<host> (default: $KRB5_KTNAME)\n"
            "  --once               serve one connection; exit 0 when a request on it\n"
            "                       was authenticated, 1 otherwise\n"
            "  --max-requests N     exit after answering N requests (401s included)\n"
            "  --proxy-auth         act as an authenticating HTTP proxy: 407 with\n"
            "                       Proxy-Authenticate, credentials in Proxy-Authorization,\n"
            "                       absolute-form requests (\"GET http://host/ HTTP/1.1\")\n"
            "                       answered locally with 200 \"Hello via proxy, DOMAIN\\user\n"
            "                       (package PKG)\" (nothing is forwarded; CONNECT gets 501)\n"
            "  -v                   trace requests, tokens and statuses on stderr\n"
            "\n"
            "examples:\n"
            "  sspi serve-http --port 8080 --user-file users.txt -v\n"
            "  curl --ntlm -u 'TESTDOM\\alice:Secret1!' http://127.0.0.1:8080/\n"
            "  sspi serve-http --port 3128 --user-file users.txt --proxy-auth\n"
            "  curl --proxy http://127.0.0.1:3128 --proxy-ntlm \\\n"
            "       --proxy-user 'TESTDOM\\alice:Secret1!' http://example.test/\n");
}

typedef struct server {
    int verbose;
    int once;
    int proxy;               /* --proxy-auth */
    int auth_status;         /* 401, or 407 with --proxy-auth */
    const char *auth_reason; /* its reason phrase */
    const char *challenge_hdr;  /* WWW-Authenticate / Proxy-Authenticate */
    const char *credential_hdr; /* Authorization / Proxy-Authorization */
    long max_requests; /* 0: no limit */
    int lfd;
    int offer_nego, offer_ntlm;
    CredHandle nego_cred, ntlm_cred;
    atomic_int stop;
    atomic_long requests;
    atomic_int authenticated;
    atomic_uint next_id;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int active;
} server;

typedef struct conn_state {
    server *srv;
    int fd;
    unsigned id;
    CtxtHandle ctx;
    int have_ctx, done;
    const char *package; /* package of the context */
    const char *scheme;  /* HTTP scheme it runs in */
    char user[512];      /* authenticated name, when done */
} conn_state;

typedef struct response {
    int status;
    const char *reason;
    const char *auth_scheme; /* (Proxy|WWW)-Authenticate <scheme> <token>, or NULL */
    char *auth_token;        /* base64, malloc'd */
    int challenge;           /* add the bare scheme challenges */
    char body[768];
    int close;
} response;

static void vlog(const conn_state *cs, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void vlog(const conn_state *cs, const char *fmt, ...) {
    if (!cs->srv->verbose) return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "[conn %u] %s\n", cs->id, line);
}

static void drop_context(conn_state *cs) {
    if (cs->have_ctx) DeleteSecurityContext(&cs->ctx);
    cs->have_ctx = cs->done = 0;
    cs->package = cs->scheme = NULL;
    cs->user[0] = '\0';
}

static void set_body(response *r, int status, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void set_body(response *r, int status, const char *reason, const char *fmt, ...) {
    r->status = status;
    r->reason = reason;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->body, sizeof r->body, fmt, ap);
    va_end(ap);
}

/* The answer to an authenticated request. */
static void hello(conn_state *cs, const http_msg *m, response *r) {
    if (!cs->srv->proxy) {
        set_body(r, 200, "OK", "Hello, %s (package %s)\n", cs->user, cs->package);
    } else if (m && strcmp(m->method, "CONNECT") == 0) {
        set_body(r, 501, "Not Implemented",
                 "Authenticated as %s (package %s), but this proxy opens no tunnels\n", cs->user,
                 cs->package);
        r->close = 1;
    } else {
        /* answered here, whatever the host: nothing is forwarded */
        set_body(r, 200, "OK", "Hello via proxy, %s (package %s)\nrequested: %s %.200s\n",
                 cs->user, cs->package, m ? m->method : "?", m ? m->target : "?");
    }
}

/* 401 or 407 with the bare scheme challenges. */
static void challenge(const conn_state *cs, response *r, const char *why) {
    r->challenge = 1;
    set_body(r, cs->srv->auth_status, cs->srv->auth_reason, "%s\n", why);
}

/* Authorization: <Scheme> <token> with a scheme we offer. */
static void authenticate(conn_state *cs, const http_msg *m, const char *scheme, const char *b64,
                         size_t b64_len, response *r) {
    server *srv = cs->srv;
    char desc[256], st_buf[TOOL_STATUS_BUFLEN];
    size_t tok_len;
    unsigned char *tok = http_base64_decode(b64, b64_len, HTTP_MAX_TOKEN, &tok_len);
    if (!tok) {
        vlog(cs, "invalid base64 in the %s credentials", scheme);
        drop_context(cs);
        challenge(cs, r, "invalid authorization token");
        return;
    }
    vlog(cs, "received %s token: %zu bytes, %s", scheme, tok_len,
         http_describe_token(tok, tok_len, desc, sizeof desc));
    int raw_ntlm = tok_len >= 8 && memcmp(tok, "NTLMSSP", 8) == 0;

    /* a new handshake (first token, another scheme, or after success) */
    if (cs->have_ctx && (cs->done || strcasecmp(cs->scheme, scheme) != 0)) {
        vlog(cs, "starting a new authentication on this connection");
        drop_context(cs);
    }
    if (!cs->have_ctx) {
        if (strcasecmp(scheme, "NTLM") == 0) {
            cs->package = "NTLM";
            cs->scheme = "NTLM";
        } else if (raw_ntlm && srv->offer_ntlm) {
            cs->package = "NTLM";
            cs->scheme = "Negotiate";
            vlog(cs, "raw NTLM token in the Negotiate scheme: using the NTLM package");
        } else if (srv->offer_nego) {
            cs->package = "Negotiate";
            cs->scheme = "Negotiate";
        } else {
            free(tok);
            challenge(cs, r, "unsupported authentication scheme");
            return;
        }
    }
    PCredHandle cred = strcmp(cs->package, "NTLM") == 0 ? &srv->ntlm_cred : &srv->nego_cred;
    ULONG req = ASC_REQ_ALLOCATE_MEMORY | ASC_REQ_CONNECTION;
    if (strcmp(cs->package, "Negotiate") == 0) req |= ASC_REQ_MUTUAL_AUTH;
    SecBuffer in_buf = {(ULONG)tok_len, SECBUFFER_TOKEN, tok};
    SecBufferDesc in_desc = {SECBUFFER_VERSION, 1, &in_buf};
    SecBuffer out_buf = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc out_desc = {SECBUFFER_VERSION, 1, &out_buf};
    ULONG attrs = 0;
    TimeStamp expiry;
    SECURITY_STATUS st = AcceptSecurityContext(cred, cs->have_ctx ? &cs->ctx : NULL, &in_desc, req,
                                               SECURITY_NATIVE_DREP, &cs->ctx, &out_desc, &attrs,
                                               &expiry);
    free(tok);
    if (st == SEC_I_COMPLETE_NEEDED || st == SEC_I_COMPLETE_AND_CONTINUE) {
        cs->have_ctx = 1;
        SECURITY_STATUS cst = CompleteAuthToken(&cs->ctx, &out_desc);
        st = cst != SEC_E_OK ? cst : st == SEC_I_COMPLETE_NEEDED ? SEC_E_OK : SEC_I_CONTINUE_NEEDED;
    }
    vlog(cs, "AcceptSecurityContext(%s) -> %s", cs->package,
         tool_status_format(st, st_buf, sizeof st_buf));
    if (st != SEC_E_OK && st != SEC_I_CONTINUE_NEEDED) {
        FreeContextBuffer(out_buf.pvBuffer);
        printf("AUTH FAILED %s\n", st_buf);
        fflush(stdout);
        /* a failed first call leaves no context; a later one leaves it
         * unusable: either way start over */
        drop_context(cs);
        challenge(cs, r, "");
        snprintf(r->body, sizeof r->body, "authentication failed: %s\n",
                 tool_status_name(st) ? tool_status_name(st) : st_buf);
        return;
    }
    cs->have_ctx = 1;
    if (out_buf.cbBuffer && out_buf.pvBuffer) {
        vlog(cs, "sending %s token: %u bytes, %s", cs->scheme, (unsigned)out_buf.cbBuffer,
             http_describe_token(out_buf.pvBuffer, out_buf.cbBuffer, desc, sizeof desc));
        r->auth_scheme = cs->scheme;
        r->auth_token = http_base64_encode(out_buf.pvBuffer, out_buf.cbBuffer);
        if (!r->auth_token) r->auth_scheme = NULL;
    }
    FreeContextBuffer(out_buf.pvBuffer);
    if (st == SEC_I_CONTINUE_NEEDED) {
        if (!r->auth_token) {
            drop_context(cs);
            challenge(cs, r, "internal error: no continuation token");
            return;
        }
        set_body(r, srv->auth_status, srv->auth_reason, "authentication in progress\n");
        return;
    }
    cs->done = 1;
    SecPkgContext_NamesA names = {0};
    SECURITY_STATUS nst = QueryContextAttributesA(&cs->ctx, SECPKG_ATTR_NAMES, &names);
    if (nst == SEC_E_OK && names.sUserName) {
        snprintf(cs->user, sizeof cs->user, "%s", names.sUserName);
        FreeContextBuffer(names.sUserName);
    } else {
        snprintf(cs->user, sizeof cs->user, "(unknown: %s)",
                 tool_status_format(nst, st_buf, sizeof st_buf));
    }
    if (srv->verbose) {
        char flags[TOOL_FLAGS_BUFLEN];
        vlog(cs, "context flags: %s",
             tool_flags_format(tool_asc_ret_flags, (uint32_t)attrs, "ASC_RET_", " ", flags,
                               sizeof flags));
        SecPkgContext_NegotiationInfoA ni = {0};
        if (strcmp(cs->package, "Negotiate") == 0 &&
            QueryContextAttributesA(&cs->ctx, SECPKG_ATTR_NEGOTIATION_INFO, &ni) == SEC_E_OK &&
            ni.PackageInfo) {
            vlog(cs, "negotiated package: %s", ni.PackageInfo->Name);
            FreeContextBuffer(ni.PackageInfo);
        }
    }
    printf("AUTHENTICATED %s (package %s)\n", cs->user, cs->package);
    fflush(stdout);
    atomic_store(&srv->authenticated, 1);
    hello(cs, m, r);
}

/* A request a forward proxy takes: absolute-form with an http URL, or
 * CONNECT with authority-form (RFC 7230 section 5.3). */
static int is_proxy_request(const http_msg *m) {
    if (strcmp(m->method, "CONNECT") == 0) return strstr(m->target, "://") == NULL &&
                                                  m->target[0] != '/';
    return strncasecmp(m->target, "http://", 7) == 0 && m->target[7] != '\0' &&
           m->target[7] != '/';
}

/* Does the client want the connection kept? Like http_keep_alive(), but a
 * proxy also honours "Proxy-Connection" (sent by curl and browsers). */
static int request_keep_alive(const server *srv, const http_msg *m) {
    if (!srv->proxy) return http_keep_alive(m);
    if (http_header_has_token(m, "Connection", "close") ||
        http_header_has_token(m, "Proxy-Connection", "close"))
        return 0;
    return m->version_minor >= 1 || http_header_has_token(m, "Connection", "keep-alive") ||
           http_header_has_token(m, "Proxy-Connection", "keep-alive");
}

static void handle_request(conn_state *cs, const http_msg *m, response *r) {
    server *srv = cs->srv;
    const char *tok = NULL;
    size_t tl = 0;
    const char *scheme = NULL;
    const char *hdr = srv->credential_hdr;
    if (srv->proxy && !is_proxy_request(m)) {
        /* origin-form ("GET / HTTP/1.1"): not meant for a proxy */
        vlog(cs, "not a proxy request: %s %s", m->method, m->target);
        set_body(r, 400, "Bad Request",
                 "this is a proxy: send absolute-form requests (GET http://host/path)\n");
        return;
    }
    if (http_auth_find(m, hdr, "Negotiate", &tok, &tl) && tok &&
        (srv->offer_nego || srv->offer_ntlm))
        scheme = "Negotiate";
    else if (http_auth_find(m, hdr, "NTLM", &tok, &tl) && tok && srv->offer_ntlm)
        scheme = "NTLM";
    if (scheme) {
        authenticate(cs, m, scheme, tok, tl, r);
        return;
    }
    if (http_header_find(m, hdr, NULL)) {
        vlog(cs, "ignoring credentials in a scheme not offered");
        drop_context(cs);
        challenge(cs, r, "authentication required");
        return;
    }
    if (cs->done) {
        /* the connection is authenticated (NTLM: for its whole life) */
        vlog(cs, "connection already authenticated as %s", cs->user);
        hello(cs, m, r);
        return;
    }
    challenge(cs, r, "authentication required");
}

static int send_response(conn_state *cs, const http_msg *req, response *r) {
    server *srv = cs->srv;
    http_buf b = {0};
    http_buf_printf(&b, "HTTP/1.1 %d %s\r\nServer: sspi-serve-http/%s\r\n", r->status, r->reason,
                    LIBSSPI_VERSION_STRING);
    const char *ch = srv->challenge_hdr;
    if (r->auth_scheme) http_buf_printf(&b, "%s: %s %s\r\n", ch, r->auth_scheme, r->auth_token);
    if (r->challenge) {
        if (srv->offer_nego) http_buf_printf(&b, "%s: Negotiate\r\n", ch);
        if (srv->offer_ntlm) http_buf_printf(&b, "%s: NTLM\r\n", ch);
    }
    size_t blen = strlen(r->body);
    const char *conn_token = r->close ? "close" : "keep-alive";
    http_buf_printf(&b, "Content-Type: text/plain; charset=utf-8\r\nContent-Length: %zu\r\n"
                        "Connection: %s\r\n", blen, conn_token);
    /* HTTP/1.0-era proxy clients (and curl for 1.0 answers) look at this one */
    if (srv->proxy) http_buf_printf(&b, "Proxy-Connection: %s\r\n", conn_token);
    http_buf_printf(&b, "\r\n");
    if (srv->verbose && !b.failed) {
        char prefix[32];
        snprintf(prefix, sizeof prefix, "[conn %u] < ", cs->id);
        http_dump_raw_head(stderr, prefix, b.data, b.len);
    }
    if (!req || strcmp(req->method, "HEAD") != 0) http_buf_append(&b, r->body, blen);
    int rc = b.failed ? -1 : http_write_all(cs->fd, b.data, b.len);
    http_buf_free(&b);
    free(r->auth_token);
    r->auth_token = NULL;
    return rc;
}

/* Count a request; the one that reaches --max-requests stops the server. */
static int count_request(server *srv) {
    long n = atomic_fetch_add(&srv->requests, 1) + 1;
    if (srv->max_requests && n >= srv->max_requests) {
        atomic_store(&srv->stop, 1);
        shutdown(srv->lfd, SHUT_RDWR); /* wakes accept() */
        return 1;
    }
    return 0;
}

static void serve_connection(server *srv, int fd) {
    conn_state cs;
    memset(&cs, 0, sizeof cs);
    cs.srv = srv;
    cs.fd = fd;
    cs.id = atomic_fetch_add(&srv->next_id, 1) + 1;
    http_conn conn;
    http_conn_init(&conn, fd, SERVE_IDLE_TIMEOUT_MS);
    conn.stop = &srv->stop;
    http_msg *m = malloc(sizeof *m);
    if (!m) {
        close(fd);
        return;
    }
    vlog(&cs, "connected");
    for (;;) {
        response r;
        memset(&r, 0, sizeof r);
        int rc = http_read_head(&conn, m, 1);
        if (rc == HTTP_EOF || rc == HTTP_E_STOPPED) break;
        char *body = NULL;
        size_t body_len = 0;
        int close_delimited = 0, in_head = rc != HTTP_OK;
        if (rc == HTTP_OK) {
            if (srv->verbose) {
                char prefix[32];
                snprintf(prefix, sizeof prefix, "[conn %u] > ", cs.id);
                http_dump_head(stderr, prefix, m);
            }
            rc = http_read_body(&conn, m, NULL, SERVE_MAX_BODY, &body, &body_len,
                                &close_delimited);
            free(body);
        }
        if (rc != HTTP_OK) {
            vlog(&cs, "bad request: %s", http_result_name(rc));
            if (rc == HTTP_E_IO) break;
            if (rc == HTTP_E_TOO_BIG && in_head)
                set_body(&r, 431, "Request Header Fields Too Large", "header too large\n");
            else if (rc == HTTP_E_TOO_BIG) set_body(&r, 413, "Content Too Large", "too large\n");
            else if (rc == HTTP_E_UNSUPPORTED) set_body(&r, 501, "Not Implemented", "unsupported\n");
            else set_body(&r, 400, "Bad Request", "bad request\n");
            r.close = 1;
            count_request(srv);
            send_response(&cs, NULL, &r);
            break;
        }
        if (m->version_minor == 1 && !http_header_find(m, "Host", NULL)) {
            set_body(&r, 400, "Bad Request", "missing Host header\n");
        } else {
            handle_request(&cs, m, &r);
        }
        if (!request_keep_alive(srv, m)) r.close = 1;
        if (count_request(srv)) r.close = 1;
        if (send_response(&cs, m, &r) != 0 || r.close) break;
    }
    vlog(&cs, "closed");
    drop_context(&cs);
    free(m);
    close(fd);
}

typedef struct worker_arg {
    server *srv;
    int fd;
} worker_arg;

static void *worker(void *p) {
    worker_arg *w = p;
    server *srv = w->srv;
    serve_connection(srv, w->fd);
    free(w);
    pthread_mutex_lock(&srv->lock);
    srv->active--;
    pthread_cond_broadcast(&srv->cond);
    pthread_mutex_unlock(&srv->lock);
    return NULL;
}

static int write_ready_file(const char *path, unsigned port) {
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) return -1;
    FILE *f = fopen(tmp, "w");
    if (!f) return -1;
    fprintf(f, "%u\n", port);
    if (fclose(f) != 0) return -1;
    return rename(tmp, path);
}

static int usage(void) {
    fprintf(stderr, "usage: sspi serve-http [--listen ADDR] [--port N] [--ready-file FILE] "
                    "[--package Negotiate|NTLM|both] [--user-file FILE] "
                    "[--keytab FILE] [--once | --max-requests N] [--proxy-auth] [-v]\n");
    return TOOL_EXIT_USAGE;
}

int cmd_serve_http(int argc, char **argv) {
    server srv;
    memset(&srv, 0, sizeof srv);
    srv.lfd = -1;
    const char *listen_addr = "127.0.0.1", *ready_file = NULL, *package = "both";
    const char *user_file = NULL, *keytab = NULL;
    unsigned port = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_value = i + 1 < argc;
        if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) srv.verbose = 1;
        else if (strcmp(a, "--once") == 0) srv.once = 1;
        else if (strcmp(a, "--proxy-auth") == 0) srv.proxy = 1;
        else if (strcmp(a, "--listen") == 0 && has_value) listen_addr = argv[++i];
        else if (strcmp(a, "--ready-file") == 0 && has_value) ready_file = argv[++i];
        else if (strcmp(a, "--package") == 0 && has_value) package = argv[++i];
        else if (strcmp(a, "--user-file") == 0 && has_value) user_file = argv[++i];
        else if (strcmp(a, "--keytab") == 0 && has_value) keytab = argv[++i];
        else if (strcmp(a, "--port") == 0 && has_value) {
            if (tool_parse_port(argv[++i], &port) != 0) return usage();
        } else if (strcmp(a, "--max-requests") == 0 && has_value) {
            char *end;
            errno = 0;
            srv.max_requests = strtol(argv[++i], &end, 10);
            if (errno || *end || srv.max_requests < 1) return usage();
        } else {
            return usage();
        }
    }
    srv.auth_status = srv.proxy ? 407 : 401;
    srv.auth_reason = srv.proxy ? "Proxy Authentication Required" : "Unauthorized";
    srv.challenge_hdr = srv.proxy ? "Proxy-Authenticate" : "WWW-Authenticate";
    srv.credential_hdr = srv.proxy ? "Proxy-Authorization" : "Authorization";
    if (srv.once && srv.max_requests) {
        fprintf(stderr, "sspi serve-http: --once and --max-requests are exclusive\n");
        return TOOL_EXIT_USAGE;
    }
    int want_nego = 0, want_ntlm = 0;
    if (strcasecmp(package, "both") == 0) want_nego = want_ntlm = 1;
    else if (strcasecmp(package, "Negotiate") == 0) want_nego = 1;
    else if (strcasecmp(package, "NTLM") == 0) want_ntlm = 1;
    else return usage();
    int both = want_nego && want_ntlm;
    if (want_nego && !http_package_registered("Negotiate")) {
        if (!both) {
            fprintf(stderr, "sspi serve-http: the Negotiate package is not registered\n");
            return TOOL_EXIT_FAIL;
        }
        want_nego = 0;
    }
    if (want_ntlm && !http_package_registered("NTLM")) {
        if (!both || !want_nego) {
            fprintf(stderr, "sspi serve-http: the NTLM package is not registered\n");
            return TOOL_EXIT_FAIL;
        }
        want_ntlm = 0;
    }
    if (want_nego) {
        if (tool_server_credentials_ex("Negotiate", user_file, keytab, NULL, &srv.nego_cred) !=
            TOOL_EXIT_OK)
            return TOOL_EXIT_FAIL;
        srv.offer_nego = 1;
    }
    if (want_ntlm) {
        if (tool_server_credentials("NTLM", user_file, &srv.ntlm_cred) != TOOL_EXIT_OK) {
            if (srv.offer_nego) FreeCredentialsHandle(&srv.nego_cred);
            return TOOL_EXIT_FAIL;
        }
        srv.offer_ntlm = 1;
    }
    int rc = TOOL_EXIT_FAIL;
    unsigned bound = 0;
    srv.lfd = tool_listen(listen_addr, port, &bound);
    if (srv.lfd < 0) goto out;
    if (srv.verbose)
        fprintf(stderr, "sspi serve-http: listening on %s port %u%s, offering%s%s\n",
                listen_addr, bound, srv.proxy ? " as an authenticating proxy" : "",
                srv.offer_nego ? " Negotiate" : "", srv.offer_ntlm ? " NTLM" : "");
    if (ready_file && write_ready_file(ready_file, bound) != 0) {
        fprintf(stderr, "sspi serve-http: cannot write %s: %s\n", ready_file, strerror(errno));
        goto out;
    }
    pthread_mutex_init(&srv.lock, NULL);
    pthread_cond_init(&srv.cond, NULL);
    rc = TOOL_EXIT_OK;
    while (!atomic_load(&srv.stop)) {
        pthread_mutex_lock(&srv.lock);
        while (srv.active >= SERVE_MAX_CONNECTIONS) pthread_cond_wait(&srv.cond, &srv.lock);
        pthread_mutex_unlock(&srv.lock);
        int fd = accept4(srv.lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            if (atomic_load(&srv.stop)) break;
            if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE || errno == ENFILE) {
                if (errno == EMFILE || errno == ENFILE) usleep(100000);
                continue;
            }
            fprintf(stderr, "sspi serve-http: accept: %s\n", strerror(errno));
            rc = TOOL_EXIT_FAIL;
            break;
        }
        if (srv.once) {
            serve_connection(&srv, fd);
            rc = atomic_load(&srv.authenticated) ? TOOL_EXIT_OK : TOOL_EXIT_FAIL;
            break;
        }
        worker_arg *w = malloc(sizeof *w);
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        pthread_mutex_lock(&srv.lock);
        srv.active++;
        pthread_mutex_unlock(&srv.lock);
        if (!w || (w->srv = &srv, w->fd = fd, pthread_create(&t, &attr, worker, w) != 0)) {
            fprintf(stderr, "sspi serve-http: cannot start a connection thread\n");
            free(w);
            close(fd);
            pthread_mutex_lock(&srv.lock);
            srv.active--;
            pthread_mutex_unlock(&srv.lock);
        }
        pthread_attr_destroy(&attr);
    }
    /* let the connections in progress finish (they stop when idle) */
    atomic_store(&srv.stop, 1);
    pthread_mutex_lock(&srv.lock);
    while (srv.active > 0) pthread_cond_wait(&srv.cond, &srv.lock);
    pthread_mutex_unlock(&srv.lock);
    pthread_cond_destroy(&srv.cond);
    pthread_mutex_destroy(&srv.lock);
out:
    if (srv.lfd >= 0) close(srv.lfd);
    if (srv.offer_nego) FreeCredentialsHandle(&srv.nego_cred);
    if (srv.offer_ntlm) FreeCredentialsHandle(&srv.ntlm_cred);
    return rc;
}
