/*
 * sspi http [options] URL
 *
 * An HTTP/1.1 client that authenticates with NTLM or Negotiate through
 * InitializeSecurityContextA, as WinHTTP / curl's SSPI back end do:
 *   1. the request is sent without credentials;
 *   2. a 401 with "WWW-Authenticate: Negotiate" and/or "NTLM" (or a 407 with
 *      Proxy-Authenticate when --proxy is used) starts a context: each token
 *      goes out as "Authorization: <Scheme> <base64>" (Proxy-Authorization
 *      for 407), each 401/407 "<Scheme> <base64>" answer is fed back to ISC;
 *   3. all of it on the SAME connection: NTLM authenticates the connection,
 *      not the request (MS-NTHT), so a server closing it mid-handshake is an
 *      error;
 *   4. a final "WWW-Authenticate: Negotiate <token>" on the 2xx completes
 *      mutual authentication (fed to ISC, which must return SEC_E_OK).
 * The response body goes to stdout; -v traces headers and each step on
 * stderr. Exit 0 on a 2xx answer, 1 otherwise, 2 on usage errors.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <libsspi.h>

#include "http.h"
#include "tool.h"

#define HTTP_CLIENT_MAX_BODY ((size_t)64 << 20)
#define HTTP_CLIENT_TIMEOUT_MS 60000
#define HTTP_CLIENT_MAX_ROUNDS 10

void cmd_http_help(FILE *out) {
    fprintf(out,
            "Sends one HTTP request; when the server (401) or the proxy (407) asks for\n"
            "Negotiate or NTLM authentication, runs InitializeSecurityContextA over\n"
            "repeated requests on the same connection and prints the final response body.\n"
            "\n"
            "options:\n"
            "  -u, --user DOMAIN\\USER     account (also USER@DOMAIN or USER); without it the\n"
            "                             default credentials are used (for NTLM: the first\n"
            "                             account of $NTLM_USER_FILE)\n"
            "  --password-env VAR         read the password from environment variable VAR\n"
            "  --password-file FILE       read it from the first line of FILE\n"
            "                             (otherwise it is prompted for on the terminal;\n"
            "                             it is never accepted as an argument)\n"
            "  --package NAME             Negotiate, NTLM or auto (default): use what the\n"
            "                             server offers, Negotiate preferred. NTLM against a\n"
            "                             server offering only Negotiate sends raw NTLM\n"
            "                             tokens in the Negotiate scheme, as Windows does\n"
            "  --target SPN               service principal name (default HTTP/<host>)\n"
            "  --proxy http://HOST:PORT   send the request through this HTTP proxy\n"
            "  -X, --request METHOD       request method (default GET, POST with -d)\n"
            "  -d, --data DATA            request body (Content-Type\n"
            "                             application/x-www-form-urlencoded)\n"
            "  -v, --verbose              show headers and each authentication step\n"
            "\n"
            "Only http:// URLs are supported.\n"
            "\n"
            "examples:\n"
            "  sspi http -v -u 'TESTDOM\\alice' --password-env PW http://127.0.0.1:8080/\n"
            "  NTLM_USER_FILE=~/.ntlm sspi http --package NTLM http://intranet.example/\n");
}

/* ---- URLs ---- */

typedef struct http_url {
    char host[256];       /* without brackets */
    char port[8];
    char host_header[300]; /* host[:port], IPv6 bracketed */
    char path[8192];      /* origin-form: "/path?query", no fragment */
} http_url;

static int parse_url(const char *s, http_url *u, int path_allowed) {
    memset(u, 0, sizeof *u);
    if (strncasecmp(s, "https://", 8) == 0) {
        fprintf(stderr, "sspi: https:// is not supported yet (it will come with Schannel)\n");
        return -1;
    }
    if (strncasecmp(s, "http://", 7) != 0) {
        fprintf(stderr, "sspi: only http:// URLs are supported: %s\n", s);
        return -1;
    }
    const char *p = s + 7;
    const char *end = p + strcspn(p, "/?#");
    if (memchr(p, '@', (size_t)(end - p))) {
        fprintf(stderr, "sspi: credentials in the URL are not accepted; use -u\n");
        return -1;
    }
    const char *host_end, *port = NULL;
    if (*p == '[') {
        const char *rb = memchr(p, ']', (size_t)(end - p));
        if (!rb) goto bad;
        if ((size_t)(rb - p - 1) >= sizeof u->host) goto bad;
        memcpy(u->host, p + 1, (size_t)(rb - p - 1));
        host_end = rb + 1;
        if (host_end < end && *host_end == ':') port = host_end + 1;
        else if (host_end != end) goto bad;
    } else {
        const char *colon = memchr(p, ':', (size_t)(end - p));
        host_end = colon ? colon : end;
        if ((size_t)(host_end - p) >= sizeof u->host) goto bad;
        memcpy(u->host, p, (size_t)(host_end - p));
        if (colon) port = colon + 1;
    }
    if (!u->host[0]) goto bad;
    if (port) {
        size_t n = (size_t)(end - port);
        if (n == 0 || n > 5 || strspn(port, "0123456789") < n) goto bad;
        memcpy(u->port, port, n);
        long v = strtol(u->port, NULL, 10);
        if (v < 1 || v > 65535) goto bad;
    } else {
        strcpy(u->port, "80");
    }
    int v6 = strchr(u->host, ':') != NULL;
    snprintf(u->host_header, sizeof u->host_header, "%s%s%s%s%s", v6 ? "[" : "", u->host,
             v6 ? "]" : "", strcmp(u->port, "80") ? ":" : "", strcmp(u->port, "80") ? u->port : "");
    if (!path_allowed && *end && strcmp(end, "/") != 0) goto bad;
    size_t plen = strcspn(end, "#");
    if (snprintf(u->path, sizeof u->path, "%s%.*s", *end == '/' ? "" : "/", (int)plen, end) >=
        (int)sizeof u->path)
        goto bad;
    for (const char *c = u->path; *c; c++)
        if ((unsigned char)*c <= ' ' || *c == 0x7f) goto bad;
    return 0;
bad:
    fprintf(stderr, "sspi: bad URL: %s\n", s);
    return -1;
}

/* ---- authentication state (one for the server, one for the proxy) ---- */

typedef struct auth_state {
    const char *what;       /* "server" / "proxy" */
    const char *challenge;  /* "WWW-Authenticate" / "Proxy-Authenticate" */
    const char *credential; /* "Authorization" / "Proxy-Authorization" */
    int reply_status;       /* 401 / 407 */
    int active, done;
    const char *package; /* SSPI package: "Negotiate" / "NTLM" */
    const char *scheme;  /* HTTP scheme: "Negotiate" / "NTLM" */
    CredHandle cred;
    CtxtHandle ctx;
    int have_cred, have_ctx;
    ULONG req, attrs;
    char spn[320];
    char *pending; /* base64 token to send with the next request, or NULL */
} auth_state;

typedef struct client {
    int verbose;
    const char *user_arg;
    const char *password_env, *password_file;
    const char *package_opt;
    const char *target_opt;
    http_url url, proxy;
    const char *url_arg;
    int use_proxy;
    const char *method;
    const char *data;
    char *password; /* with user_arg */
    /* connection */
    int fd;
    http_conn conn;
    auth_state www, prx;
} client;

static void auth_init(auth_state *a, int proxy) {
    memset(a, 0, sizeof *a);
    a->what = proxy ? "proxy" : "server";
    a->challenge = proxy ? "Proxy-Authenticate" : "WWW-Authenticate";
    a->credential = proxy ? "Proxy-Authorization" : "Authorization";
    a->reply_status = proxy ? 407 : 401;
}

static void auth_free(auth_state *a) {
    if (a->have_ctx) DeleteSecurityContext(&a->ctx);
    if (a->have_cred) FreeCredentialsHandle(&a->cred);
    free(a->pending);
    a->have_ctx = a->have_cred = 0;
    a->pending = NULL;
}

/* Decide which package and HTTP scheme answer the challenges in m. */
static int choose_package(client *cl, auth_state *a, const http_msg *m) {
    const char *tok;
    size_t tl;
    int offers_nego = http_auth_find(m, a->challenge, "Negotiate", &tok, &tl);
    int offers_ntlm = http_auth_find(m, a->challenge, "NTLM", &tok, &tl);
    int have_nego = http_package_registered("Negotiate");
    int have_ntlm = http_package_registered("NTLM");
    const char *want = cl->package_opt;
    char schemes[256];
    http_auth_schemes(m, a->challenge, schemes, sizeof schemes);
    if (cl->verbose)
        fprintf(stderr, "* %d: the %s offers %s\n", m->status, a->what, schemes);

    a->package = a->scheme = NULL;
    if (strcasecmp(want, "Negotiate") == 0) {
        if (!have_nego) {
            fprintf(stderr, "sspi: the Negotiate package is not registered (see `sspi packages`)\n");
            return -1;
        }
        if (offers_nego) a->package = a->scheme = "Negotiate";
    } else if (strcasecmp(want, "NTLM") == 0) {
        if (!have_ntlm) {
            fprintf(stderr, "sspi: the NTLM package is not registered (see `sspi packages`)\n");
            return -1;
        }
        a->package = "NTLM";
        a->scheme = offers_ntlm ? "NTLM" : offers_nego ? "Negotiate" : NULL;
    } else {
        if (offers_nego && have_nego) a->package = a->scheme = "Negotiate";
        else if (offers_ntlm && have_ntlm) a->package = a->scheme = "NTLM";
        else if (offers_nego && have_ntlm) {
            a->package = "NTLM";
            a->scheme = "Negotiate";
        }
    }
    if (!a->package || !a->scheme) {
        fprintf(stderr, "sspi: the %s offers no authentication scheme usable with --package %s "
                        "(offered: %s)\n", a->what, want, schemes);
        return -1;
    }
    if (cl->verbose) {
        if (strcmp(a->package, a->scheme) != 0)
            fprintf(stderr, "* using package %s inside the %s scheme (raw NTLM tokens, as Windows "
                            "sends when Negotiate has no better mechanism)\n", a->package,
                    a->scheme);
        else
            fprintf(stderr, "* using package %s\n", a->package);
    }
    return 0;
}

/* One InitializeSecurityContextA step; input NULL on the first call. On
 * success a->pending holds the next token to send (or NULL when there is
 * none) and a->done tells whether the context is complete. */
static int auth_step(client *cl, auth_state *a, const unsigned char *in, size_t in_len) {
    char desc[256], st_buf[TOOL_STATUS_BUFLEN];
    SecBuffer in_buf = {(ULONG)in_len, SECBUFFER_TOKEN, (void *)in};
    SecBufferDesc in_desc = {SECBUFFER_VERSION, 1, &in_buf};
    SecBuffer out_buf = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc out_desc = {SECBUFFER_VERSION, 1, &out_buf};
    TimeStamp expiry;
    SECURITY_STATUS st;

    if (in && cl->verbose)
        fprintf(stderr, "* received %s token from the %s: %zu bytes, %s\n", a->scheme, a->what,
                in_len, http_describe_token(in, in_len, desc, sizeof desc));
    if (!a->have_cred) {
        int r = tool_client_credentials(a->package, cl->user_arg, cl->password, &a->cred);
        if (r != TOOL_EXIT_OK) return r;
        a->have_cred = 1;
    }
    a->req = ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_CONNECTION;
    if (strcmp(a->package, "Negotiate") == 0) a->req |= ISC_REQ_MUTUAL_AUTH;
    st = InitializeSecurityContextA(&a->cred, a->have_ctx ? &a->ctx : NULL, (SEC_CHAR *)a->spn,
                                    a->req, 0, SECURITY_NATIVE_DREP, in ? &in_desc : NULL, 0,
                                    &a->ctx, &out_desc, &a->attrs, &expiry);
    if (st == SEC_I_COMPLETE_NEEDED || st == SEC_I_COMPLETE_AND_CONTINUE) {
        a->have_ctx = 1;
        SECURITY_STATUS cst = CompleteAuthToken(&a->ctx, &out_desc);
        if (cst != SEC_E_OK) {
            FreeContextBuffer(out_buf.pvBuffer);
            return tool_fail("CompleteAuthToken", cst);
        }
        st = st == SEC_I_COMPLETE_NEEDED ? SEC_E_OK : SEC_I_CONTINUE_NEEDED;
    }
    if (cl->verbose)
        fprintf(stderr, "* InitializeSecurityContextA(%s, \"%s\") -> %s\n", a->package, a->spn,
                tool_status_format(st, st_buf, sizeof st_buf));
    if (st != SEC_E_OK && st != SEC_I_CONTINUE_NEEDED) {
        FreeContextBuffer(out_buf.pvBuffer);
        return tool_fail("InitializeSecurityContextA", st);
    }
    a->have_ctx = 1;
    a->done = st == SEC_E_OK;
    free(a->pending);
    a->pending = NULL;
    if (out_buf.cbBuffer && out_buf.pvBuffer) {
        if (cl->verbose)
            fprintf(stderr, "* sending %s token to the %s: %u bytes, %s\n", a->scheme, a->what,
                    (unsigned)out_buf.cbBuffer,
                    http_describe_token(out_buf.pvBuffer, out_buf.cbBuffer, desc, sizeof desc));
        a->pending = http_base64_encode(out_buf.pvBuffer, out_buf.cbBuffer);
        FreeContextBuffer(out_buf.pvBuffer);
        if (!a->pending) {
            fprintf(stderr, "sspi: out of memory\n");
            return TOOL_EXIT_FAIL;
        }
    } else if (out_buf.pvBuffer) {
        FreeContextBuffer(out_buf.pvBuffer);
    }
    if (!a->done && !a->pending) {
        fprintf(stderr, "sspi: InitializeSecurityContextA wants to continue but gave no token\n");
        return TOOL_EXIT_FAIL;
    }
    return TOOL_EXIT_OK;
}

static void report_context(client *cl, auth_state *a) {
    if (!cl->verbose || !a->have_ctx) return;
    char flags[TOOL_FLAGS_BUFLEN];
    SecPkgContext_NamesA names = {0};
    if (QueryContextAttributesA(&a->ctx, SECPKG_ATTR_NAMES, &names) == SEC_E_OK && names.sUserName) {
        fprintf(stderr, "* %s authentication complete as %s (package %s)\n", a->what,
                names.sUserName, a->package);
        FreeContextBuffer(names.sUserName);
    } else {
        fprintf(stderr, "* %s authentication complete (package %s)\n", a->what, a->package);
    }
    fprintf(stderr, "* context flags: %s\n",
            tool_flags_format(tool_isc_ret_flags, (uint32_t)a->attrs, "ISC_RET_", " ", flags,
                              sizeof flags));
}

/* Handle a 401/407 answer. Returns 0 to send the request again with the
 * next token, 1 when the peer refused (the answer is final), -1 on an error
 * (message printed). */
static int on_challenge(client *cl, auth_state *a, const http_msg *m) {
    if (!a->active) {
        if (choose_package(cl, a, m) != 0) return -1;
        a->active = 1;
        return auth_step(cl, a, NULL, 0) == TOOL_EXIT_OK ? 0 : -1;
    }
    const char *tok;
    size_t tl;
    if (!http_auth_find(m, a->challenge, a->scheme, &tok, &tl) || !tok || a->done) {
        fprintf(stderr, "sspi: the %s refused the authentication (%d %s)\n", a->what, m->status,
                m->reason);
        return 1;
    }
    size_t bin_len;
    unsigned char *bin = http_base64_decode(tok, tl, HTTP_MAX_TOKEN, &bin_len);
    if (!bin) {
        fprintf(stderr, "sspi: the %s sent an invalid base64 %s token\n", a->what, a->scheme);
        return -1;
    }
    int r = auth_step(cl, a, bin, bin_len);
    free(bin);
    if (r != TOOL_EXIT_OK) {
        /* The peer's token ended the exchange (e.g. a SPNEGO reject): the
         * 401/407 is the final answer. */
        fprintf(stderr, "sspi: the %s refused the authentication (%d %s)\n", a->what, m->status,
                m->reason);
        return 1;
    }
    if (!a->pending) {
        fprintf(stderr, "sspi: the %s context is complete but the %s still answers %d\n",
                a->package, a->what, m->status);
        return 1;
    }
    return 0;
}


/* A 2xx answer: complete mutual authentication with the server's final
 * token when there is one. Returns 0, or -1 when it fails. */
static int on_success(client *cl, auth_state *a, const http_msg *m) {
    if (!a->active) return 0;
    const char *tok = NULL;
    size_t tl = 0;
    if (http_auth_find(m, a->challenge, a->scheme, &tok, &tl) && tok) {
        if (a->done) {
            if (cl->verbose)
                fprintf(stderr, "* ignoring a final %s token: the context is already complete\n",
                        a->scheme);
        } else {
            size_t bin_len;
            unsigned char *bin = http_base64_decode(tok, tl, HTTP_MAX_TOKEN, &bin_len);
            if (!bin) {
                fprintf(stderr, "sspi: the %s sent an invalid base64 final %s token\n", a->what,
                        a->scheme);
                return -1;
            }
            int r = auth_step(cl, a, bin, bin_len);
            free(bin);
            if (r != TOOL_EXIT_OK) {
                fprintf(stderr, "sspi: mutual authentication of the %s failed\n", a->what);
                return -1;
            }
            if (!a->done) {
                fprintf(stderr, "sspi: the %s context is still incomplete after the final token\n",
                        a->what);
                return -1;
            }
        }
    } else if (!a->done) {
        fprintf(stderr, "sspi: warning: the %s sent no final %s token: mutual authentication was "
                        "not completed\n", a->what, a->scheme);
    }
    free(a->pending);
    a->pending = NULL;
    report_context(cl, a);
    return 0;
}

static int send_request(client *cl) {
    http_buf b = {0};
    if (cl->use_proxy)
        http_buf_printf(&b, "%s http://%s%s HTTP/1.1\r\n", cl->method, cl->url.host_header,
                        cl->url.path);
    else
        http_buf_printf(&b, "%s %s HTTP/1.1\r\n", cl->method, cl->url.path);
    http_buf_printf(&b, "Host: %s\r\nUser-Agent: sspi/%s\r\nAccept: */*\r\n", cl->url.host_header,
                    LIBSSPI_VERSION_STRING);
    auth_state *states[2] = {&cl->prx, &cl->www};
    for (int i = 0; i < 2; i++) {
        auth_state *a = states[i];
        if (!a->pending) continue;
        http_buf_printf(&b, "%s: %s %s\r\n", a->credential, a->scheme, a->pending);
        /* sent once: the connection carries the authentication from now on */
        free(a->pending);
        a->pending = NULL;
    }
    size_t data_len = cl->data ? strlen(cl->data) : 0;
    if (cl->data)
        http_buf_printf(&b, "Content-Type: application/x-www-form-urlencoded\r\n"
                            "Content-Length: %zu\r\n", data_len);
    http_buf_printf(&b, "\r\n");
    if (cl->verbose && !b.failed) http_dump_raw_head(stderr, "> ", b.data, b.len);
    if (cl->data) http_buf_append(&b, cl->data, data_len);
    if (b.failed) {
        http_buf_free(&b);
        fprintf(stderr, "sspi: out of memory\n");
        return -1;
    }
    int r = http_write_all(cl->fd, b.data, b.len);
    http_buf_free(&b);
    if (r != 0) fprintf(stderr, "sspi: cannot send the request: %s\n", strerror(errno));
    return r;
}

static void close_conn(client *cl) {
    if (cl->fd >= 0) close(cl->fd);
    cl->fd = -1;
}

static int run(client *cl) {
    http_msg *m = malloc(sizeof *m);
    if (!m) {
        fprintf(stderr, "sspi: out of memory\n");
        return TOOL_EXIT_FAIL;
    }
    int rc = TOOL_EXIT_FAIL;
    char *body = NULL;
    size_t body_len = 0;
    for (int round = 0;; round++) {
        if (round == HTTP_CLIENT_MAX_ROUNDS) {
            fprintf(stderr, "sspi: giving up after %d requests\n", round);
            goto out;
        }
        if (cl->fd < 0) {
            const http_url *u = cl->use_proxy ? &cl->proxy : &cl->url;
            cl->fd = tool_connect(u->host, (unsigned)strtoul(u->port, NULL, 10));
            if (cl->fd < 0) goto out;
            if (cl->verbose) fprintf(stderr, "* connected to %s port %s\n", u->host, u->port);
            http_conn_init(&cl->conn, cl->fd, HTTP_CLIENT_TIMEOUT_MS);
        }
        if (send_request(cl) != 0) goto out;
        int r;
        do { /* skip interim 1xx answers (100 Continue, ...) */
            r = http_read_head(&cl->conn, m, 0);
            if (r == HTTP_OK && cl->verbose && m->status < 200) http_dump_head(stderr, "< ", m);
        } while (r == HTTP_OK && m->status < 200 && m->status != 101);
        if (r != HTTP_OK) {
            fprintf(stderr, "sspi: reading the response: %s\n",
                    r == HTTP_EOF ? "the server closed the connection" : http_result_name(r));
            goto out;
        }
        if (cl->verbose) http_dump_head(stderr, "< ", m);
        int close_delimited;
        free(body);
        body = NULL;
        r = http_read_body(&cl->conn, m, cl->method, HTTP_CLIENT_MAX_BODY, &body, &body_len,
                           &close_delimited);
        if (r != HTTP_OK) {
            fprintf(stderr, "sspi: reading the response body: %s\n", http_result_name(r));
            goto out;
        }
        int keep = http_keep_alive(m) && !close_delimited;

        auth_state *a = NULL;
        if (m->status == 407 && cl->use_proxy) a = &cl->prx;
        else if (m->status == 401) a = &cl->www;
        if (a) {
            int started = a->active;
            r = on_challenge(cl, a, m);
            if (r < 0) goto out;
            if (r == 0) {
                if (!keep) {
                    close_conn(cl);
                    if (started && strcmp(a->package, "NTLM") == 0) {
                        fprintf(stderr, "sspi: the %s closed the connection in the middle of the "
                                        "NTLM handshake (NTLM authenticates the connection: "
                                        "keep-alive is required)\n", a->what);
                        goto out;
                    }
                    if (started && cl->verbose)
                        fprintf(stderr, "* the %s closed the connection; continuing the %s "
                                        "handshake on a new one\n", a->what, a->package);
                }
                continue;
            }
            /* refused: the 401/407 is the final answer */
        } else if (m->status >= 200 && m->status < 300) {
            if (on_success(cl, &cl->prx, m) != 0 || on_success(cl, &cl->www, m) != 0) goto out;
        }
        if (cl->verbose) fprintf(stderr, "* %zu bytes of body\n", body_len);
        if (body_len && fwrite(body, 1, body_len, stdout) != body_len) goto out;
        if (fflush(stdout) != 0) goto out;
        rc = m->status >= 200 && m->status < 300 ? TOOL_EXIT_OK : TOOL_EXIT_FAIL;
        if (rc != TOOL_EXIT_OK && !cl->verbose)
            fprintf(stderr, "sspi: HTTP %d %s\n", m->status, m->reason);
        goto out;
    }
out:
    free(body);
    free(m);
    close_conn(cl);
    return rc;
}

static int usage(void) {
    fprintf(stderr, "usage: sspi http [-v] [-u DOMAIN\\USER] [--password-env VAR | --password-file "
                    "FILE] [--package Negotiate|NTLM|auto] [--proxy http://HOST:PORT] "
                    "[--target SPN] [-X METHOD] [-d DATA] URL\n");
    return TOOL_EXIT_USAGE;
}

/* "--name VALUE" or "--name=VALUE" (or "-x VALUE"); advances *i. */
static int opt_value(int argc, char **argv, int *i, const char *s, const char *l, const char **out) {
    const char *a = argv[*i];
    size_t ll = l ? strlen(l) : 0;
    if ((s && strcmp(a, s) == 0) || (l && strcmp(a, l) == 0)) {
        if (*i + 1 >= argc) return -1;
        *out = argv[++*i];
        return 1;
    }
    if (l && strncmp(a, l, ll) == 0 && a[ll] == '=') {
        *out = a + ll + 1;
        return 1;
    }
    return 0;
}

int cmd_http(int argc, char **argv) {
    client cl;
    memset(&cl, 0, sizeof cl);
    cl.fd = -1;
    cl.package_opt = "auto";
    const char *proxy_arg = NULL;
    auth_init(&cl.www, 0);
    auth_init(&cl.prx, 1);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int r;
        if (strcmp(a, "--") == 0) {
            if (i + 2 != argc || cl.url_arg) return usage();
            cl.url_arg = argv[i + 1];
            break;
        }
        if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
            cl.verbose = 1;
            continue;
        }
#define OPT(s, l, dst)                                   \
    if ((r = opt_value(argc, argv, &i, s, l, &dst)) != 0) { \
        if (r < 0) return usage();                       \
        continue;                                        \
    }
        OPT("-u", "--user", cl.user_arg)
        OPT(NULL, "--password-env", cl.password_env)
        OPT(NULL, "--password-file", cl.password_file)
        OPT(NULL, "--package", cl.package_opt)
        OPT(NULL, "--target", cl.target_opt)
        OPT(NULL, "--proxy", proxy_arg)
        OPT("-X", "--request", cl.method)
        OPT("-d", "--data", cl.data)
#undef OPT
        if (strcmp(a, "-p") == 0 || strcmp(a, "--password") == 0 ||
            strncmp(a, "--password=", 11) == 0) {
            fprintf(stderr, "sspi: a password is never accepted as an argument; use "
                            "--password-env, --password-file or the prompt\n");
            return TOOL_EXIT_USAGE;
        }
        if (a[0] == '-' || cl.url_arg) return usage();
        cl.url_arg = a;
    }
    if (!cl.url_arg) return usage();
    if (strcasecmp(cl.package_opt, "Negotiate") != 0 && strcasecmp(cl.package_opt, "NTLM") != 0 &&
        strcasecmp(cl.package_opt, "auto") != 0) {
        fprintf(stderr, "sspi: --package must be Negotiate, NTLM or auto\n");
        return TOOL_EXIT_USAGE;
    }
    if (cl.password_env && cl.password_file) {
        fprintf(stderr, "sspi: --password-env and --password-file are exclusive\n");
        return TOOL_EXIT_USAGE;
    }
    if ((cl.password_env || cl.password_file) && !cl.user_arg) {
        fprintf(stderr, "sspi: a password needs -u DOMAIN\\USER\n");
        return TOOL_EXIT_USAGE;
    }
    if (!cl.method) cl.method = cl.data ? "POST" : "GET";
    for (const char *c = cl.method; *c; c++)
        if ((unsigned char)*c <= ' ' || *c == 0x7f) return usage();
    if (!cl.method[0]) return usage();
    if (parse_url(cl.url_arg, &cl.url, 1) != 0) return TOOL_EXIT_USAGE;
    if (proxy_arg) {
        if (parse_url(proxy_arg, &cl.proxy, 0) != 0) return TOOL_EXIT_USAGE;
        cl.use_proxy = 1;
    }
    if (cl.target_opt) snprintf(cl.www.spn, sizeof cl.www.spn, "%s", cl.target_opt);
    else snprintf(cl.www.spn, sizeof cl.www.spn, "HTTP/%s", cl.url.host);
    snprintf(cl.prx.spn, sizeof cl.prx.spn, "HTTP/%s", cl.proxy.host);

    if (cl.user_arg) {
        if (!cl.user_arg[0]) return usage();
        cl.password = tool_read_password(cl.password_env, cl.password_file, cl.user_arg);
        if (!cl.password) return TOOL_EXIT_FAIL;
    }

    int rc = run(&cl);

    auth_free(&cl.www);
    auth_free(&cl.prx);
    if (cl.password) {
        tool_wipe(cl.password, strlen(cl.password));
        free(cl.password);
    }
    return rc;
}
