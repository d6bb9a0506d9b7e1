/*
 * Client/server sessions shared by `sspi client`, `sspi server` and
 * `sspi demo`: sockets, token framing, the InitializeSecurityContext /
 * AcceptSecurityContext loops and the sealed + signed message exchange.
 *
 * Only the public SSPI API is used. The wire format is the one of
 * tests/interop/gss_peer.py (see tool.h): 4-byte big-endian length frames.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "tool.h"

/* ---- small helpers ---------------------------------------------------- */

void tool_wipe(void *p, size_t n) {
    volatile unsigned char *v = p;
    while (n--) *v++ = 0;
}

const char *tool_hex(const void *data, size_t len, size_t max, char *buf, size_t buflen) {
    static const char digits[] = "0123456789abcdef";
    const unsigned char *b = data;
    size_t n = len < max ? len : max, o = 0;
    if (buflen == 0) return buf;
    for (size_t i = 0; i < n && o + 3 < buflen; i++) {
        buf[o++] = digits[b[i] >> 4];
        buf[o++] = digits[b[i] & 15];
    }
    if (n < len && o + 4 < buflen) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o] = '\0';
    return buf;
}

int tool_parse_port(const char *text, unsigned *port) {
    char *end;
    if (!text || !*text) return -1;
    errno = 0;
    unsigned long v = strtoul(text, &end, 10);
    if (errno || *end || v > 65535 || text[0] == '-' || text[0] == '+') return -1;
    *port = (unsigned)v;
    return 0;
}

const char *tool_default_package(void) {
    PSecPkgInfoA info = NULL;
    if (QuerySecurityPackageInfoA((SEC_CHAR *)"Negotiate", &info) == SEC_E_OK) {
        FreeContextBuffer(info);
        return "Negotiate";
    }
    return "NTLM";
}

static void set_error(tool_session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_error(tool_session *s, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->error, sizeof s->error, fmt, ap);
    va_end(ap);
}

static int sspi_failed(tool_session *s, const char *call, SECURITY_STATUS st) {
    s->failed_call = call;
    s->status = st;
    return -1;
}

const char *tool_session_failure(const tool_session *s, char *buf, size_t len) {
    if (s->failed_call) {
        char st[TOOL_STATUS_BUFLEN];
        snprintf(buf, len, "%s from %s", tool_status_format(s->status, st, sizeof st),
                 s->failed_call);
    } else {
        snprintf(buf, len, "%s", s->error[0] ? s->error : "unknown error");
    }
    return buf;
}

static void vlog(const tool_session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void vlog(const tool_session *s, const char *fmt, ...) {
    if (!s->verbose) return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "[%s] ", s->role);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static void vlog_token(const tool_session *s, const char *what, const void *tok, size_t len) {
    if (!s->verbose) return;
    char hex[64 * 2 + 8];
    fprintf(stderr, "[%s]   %s %zu bytes%s%s\n", s->role, what, len, len ? ": " : "",
            tool_hex(tok, len, 64, hex, sizeof hex));
}

static void log_token(tool_session *s, int sent, const void *tok, size_t len) {
    tool_token_log *log = s->log;
    if (!log || log->count >= TOOL_TOKEN_LOG_MAX || len == 0) return;
    unsigned char *copy = malloc(len);
    if (!copy) return;
    memcpy(copy, tok, len);
    log->tok[log->count].sent = sent;
    log->tok[log->count].data = copy;
    log->tok[log->count].len = len;
    log->count++;
}

/* ---- sockets ---------------------------------------------------------- */

int tool_set_timeouts(int fd, int seconds) {
    struct timeval tv = {.tv_sec = seconds, .tv_usec = 0};
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0) {
        fprintf(stderr, "sspi: setsockopt(SO_RCVTIMEO/SO_SNDTIMEO): %s\n", strerror(errno));
        return -1;
    }
    return 0;
}

static struct addrinfo *resolve(const char *host, unsigned port, int passive) {
    struct addrinfo hints, *res = NULL;
    char service[16];
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
    snprintf(service, sizeof service, "%u", port);
    int rc = getaddrinfo(host, service, &hints, &res);
    if (rc != 0) {
        fprintf(stderr, "sspi: cannot resolve '%s': %s\n", host, gai_strerror(rc));
        return NULL;
    }
    return res;
}

/* A close-on-exec socket for ai; -1 with *err = errno on failure. */
static int ai_socket(const struct addrinfo *ai, int *err) {
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) *err = errno;
    return fd;
}

int tool_listen(const char *addr, unsigned port, unsigned *bound_port) {
    struct addrinfo *res = resolve(addr, port, 1);
    if (!res) return -1;
    int fd = -1, err = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = ai_socket(ai, &err);
        if (fd < 0) continue;
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 16) == 0) break;
        err = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        fprintf(stderr, "sspi: cannot listen on %s port %u: %s\n", addr, port, strerror(err));
        return -1;
    }
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
        fprintf(stderr, "sspi: getsockname: %s\n", strerror(errno));
        close(fd);
        return -1;
    }
    if (ss.ss_family == AF_INET)
        *bound_port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
    else
        *bound_port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return fd;
}

int tool_connect(const char *host, unsigned port) {
    struct addrinfo *res = resolve(host, port, 0);
    if (!res) return -1;
    int fd = -1, err = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = ai_socket(ai, &err);
        if (fd < 0) continue;
        /* SO_SNDTIMEO also bounds connect() on Linux. */
        if (tool_set_timeouts(fd, TOOL_IO_TIMEOUT_SECONDS) == 0 &&
            connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        err = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) fprintf(stderr, "sspi: cannot connect to %s port %u: %s\n", host, port, strerror(err));
    return fd;
}

/* ---- framing ---------------------------------------------------------- */

static const char *io_error(int e) {
    return (e == EAGAIN || e == EWOULDBLOCK) ? "timed out" : strerror(e);
}

/* 0: done; 1: the peer is gone (reset, broken pipe); -1: other error. */
static int write_all(int fd, const unsigned char *p, size_t n, char *err, size_t errlen) {
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            int e = errno;
            if (e == EINTR) continue;
            snprintf(err, errlen, "send: %s", io_error(e));
            return (e == EPIPE || e == ECONNRESET) ? 1 : -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* 0: done; 1: the peer is gone (end of stream, reset, broken pipe), message
 * in err; -1: other error (timeout, ...). */
static int read_all(int fd, unsigned char *p, size_t n, char *err, size_t errlen) {
    size_t got = 0;
    while (got < n) {
        ssize_t r = recv(fd, p + got, n - got, 0);
        if (r < 0) {
            int e = errno;
            if (e == EINTR) continue;
            snprintf(err, errlen, "recv: %s", io_error(e));
            return e == ECONNRESET ? 1 : -1;
        }
        if (r == 0) {
            snprintf(err, errlen, got ? "peer closed the connection in the middle of a frame"
                                      : "peer closed the connection");
            return 1;
        }
        got += (size_t)r;
    }
    return 0;
}

int tool_frame_send(int fd, const void *data, size_t len, char *err, size_t errlen) {
    if (len > TOOL_FRAME_MAX) {
        snprintf(err, errlen, "frame of %zu bytes exceeds the %u-byte limit", len, TOOL_FRAME_MAX);
        return -1;
    }
    unsigned char hdr[4] = {(unsigned char)(len >> 24), (unsigned char)(len >> 16),
                            (unsigned char)(len >> 8), (unsigned char)len};
    int rc = write_all(fd, hdr, 4, err, errlen);
    return rc != 0 ? rc : write_all(fd, data, len, err, errlen);
}

int tool_frame_recv(int fd, unsigned char **data, size_t *len, char *err, size_t errlen) {
    unsigned char hdr[4];
    *data = NULL;
    *len = 0;
    int rc = read_all(fd, hdr, 4, err, errlen);
    if (rc != 0) return rc;
    uint32_t n = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 | hdr[3];
    if (n > TOOL_FRAME_MAX) {
        snprintf(err, errlen, "incoming frame of %u bytes exceeds the %u-byte limit", (unsigned)n,
                 TOOL_FRAME_MAX);
        return -1;
    }
    unsigned char *buf = malloc(n ? n : 1);
    if (!buf) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    rc = read_all(fd, buf, n, err, errlen);
    if (rc != 0) {
        free(buf);
        return rc;
    }
    *data = buf;
    *len = n;
    return 0;
}

/* Session wrappers: errors into s->error. */
static int send_frame(tool_session *s, const void *data, size_t len) {
    int rc = tool_frame_send(s->fd, data, len, s->error, sizeof s->error);
    if (rc == 1) s->peer_gone = 1;
    return rc == 0 ? 0 : -1;
}

static int recv_frame(tool_session *s, unsigned char **data, size_t *len) {
    int rc = tool_frame_recv(s->fd, data, len, s->error, sizeof s->error);
    if (rc == 1) s->peer_gone = 1;
    return rc == 0 ? 0 : -1;
}

/* ---- session ---------------------------------------------------------- */

void tool_session_init(tool_session *s, int fd, const char *role, int verbose, FILE *out) {
    memset(s, 0, sizeof *s);
    s->fd = fd;
    s->role = role;
    s->verbose = verbose;
    s->out = out;
    SecInvalidateHandle(&s->ctx);
}

void tool_session_free(tool_session *s) {
    if (s->have_ctx) {
        SECURITY_STATUS st = DeleteSecurityContext(&s->ctx);
        if (st != SEC_E_OK) {
            char buf[TOOL_STATUS_BUFLEN];
            fprintf(stderr, "sspi: DeleteSecurityContext: %s\n", tool_status_format(st, buf, sizeof buf));
        }
        s->have_ctx = 0;
    }
    free(s->name);
    free(s->package);
    free(s->delegated);
    s->name = s->package = s->delegated = NULL;
    if (s->log) {
        for (unsigned i = 0; i < s->log->count; i++) free(s->log->tok[i].data);
        s->log->count = 0;
    }
}

static void log_status(const tool_session *s, const char *call, SECURITY_STATUS st) {
    char buf[TOOL_STATUS_BUFLEN];
    vlog(s, "%s -> %s", call, tool_status_format(st, buf, sizeof buf));
}

/* Output token of a handshake step: log, send if non-empty, free. */
static int send_output_token(tool_session *s, SecBuffer *out) {
    int rc = 0;
    vlog_token(s, "output token", out->pvBuffer, out->cbBuffer);
    if (out->cbBuffer > 0 && out->pvBuffer) {
        log_token(s, 1, out->pvBuffer, out->cbBuffer);
        rc = send_frame(s, out->pvBuffer, out->cbBuffer);
    }
    if (out->pvBuffer) FreeContextBuffer(out->pvBuffer);
    out->pvBuffer = NULL;
    out->cbBuffer = 0;
    return rc;
}

static int recv_token(tool_session *s, unsigned char **tok, size_t *len) {
    if (recv_frame(s, tok, len) != 0) return -1;
    vlog_token(s, "received token", *tok, *len);
    log_token(s, 0, *tok, *len);
    return 0;
}

/* One InitializeSecurityContextA (client) or AcceptSecurityContext
 * (server) call; `first`: no context yet. */
static SECURITY_STATUS handshake_call(tool_session *s, PCredHandle cred, const char *target,
                                      int server, int first, SecBufferDesc *in,
                                      SecBufferDesc *out, ULONG *attrs) {
    TimeStamp expiry;
    PCtxtHandle ctx = first ? NULL : &s->ctx;
    if (server)
        return AcceptSecurityContext(cred, ctx, in, TOOL_SERVER_REQ, SECURITY_NATIVE_DREP,
                                     &s->ctx, out, attrs, &expiry);
    return InitializeSecurityContextA(cred, ctx, (SEC_CHAR *)target,
                                      TOOL_CLIENT_REQ | s->extra_req, 0, SECURITY_NATIVE_DREP,
                                      first ? NULL : in, 0, &s->ctx, out, attrs, &expiry);
}

/* The token exchange until SEC_E_OK; the server speaks second. */
static int handshake(tool_session *s, PCredHandle cred, const char *target, int server) {
    const char *call = server ? "AcceptSecurityContext" : "InitializeSecurityContextA";
    unsigned char *in_tok = NULL;
    size_t in_len = 0;
    int first = 1, rc = -1;
    if (server && recv_token(s, &in_tok, &in_len) != 0) return -1;
    for (;;) {
        SecBuffer in_buf = {(ULONG)in_len, SECBUFFER_TOKEN, in_tok};
        SecBufferDesc in_desc = {SECBUFFER_VERSION, 1, &in_buf};
        SecBuffer out_buf = {0, SECBUFFER_TOKEN, NULL};
        SecBufferDesc out_desc = {SECBUFFER_VERSION, 1, &out_buf};
        ULONG attrs = 0;
        SECURITY_STATUS st =
            handshake_call(s, cred, target, server, first, &in_desc, &out_desc, &attrs);
        log_status(s, call, st);
        if (first && SecIsValidHandle(&s->ctx)) s->have_ctx = 1;
        first = 0;
        free(in_tok);
        in_tok = NULL;
        in_len = 0;
        if (st == SEC_I_COMPLETE_NEEDED || st == SEC_I_COMPLETE_AND_CONTINUE) {
            SECURITY_STATUS cst = CompleteAuthToken(&s->ctx, &out_desc);
            log_status(s, "CompleteAuthToken", cst);
            if (cst != SEC_E_OK) {
                if (out_buf.pvBuffer) FreeContextBuffer(out_buf.pvBuffer);
                rc = sspi_failed(s, "CompleteAuthToken", cst);
                break;
            }
            st = st == SEC_I_COMPLETE_NEEDED ? SEC_E_OK : SEC_I_CONTINUE_NEEDED;
        }
        if (st != SEC_E_OK && st != SEC_I_CONTINUE_NEEDED) {
            /* A server package may return an error token for the peer
             * (e.g. a SPNEGO reject): pass it on, then fail. */
            if (server)
                send_output_token(s, &out_buf);
            else if (out_buf.pvBuffer)
                FreeContextBuffer(out_buf.pvBuffer);
            rc = sspi_failed(s, call, st);
            break;
        }
        s->attrs = attrs;
        if (send_output_token(s, &out_buf) != 0) break;
        if (st == SEC_E_OK) {
            rc = 0;
            break;
        }
        if (recv_token(s, &in_tok, &in_len) != 0) break;
    }
    free(in_tok);
    return rc;
}

static char *dup_string(const char *p) {
    if (!p) return NULL;
    size_t n = strlen(p) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, p, n);
    return d;
}

/* Names and package of the established context (failures are reported
 * on -v only: they do not make the exchange fail). */
static void query_context(tool_session *s) {
    SecPkgContext_NamesA names = {0};
    SECURITY_STATUS st = QueryContextAttributesA(&s->ctx, SECPKG_ATTR_NAMES, &names);
    log_status(s, "QueryContextAttributesA(SECPKG_ATTR_NAMES)", st);
    if (st == SEC_E_OK) {
        s->name = dup_string(names.sUserName ? names.sUserName : "");
        FreeContextBuffer(names.sUserName);
    }
    SecPkgContext_PackageInfoA pkg = {0};
    st = QueryContextAttributesA(&s->ctx, SECPKG_ATTR_PACKAGE_INFO, &pkg);
    log_status(s, "QueryContextAttributesA(SECPKG_ATTR_PACKAGE_INFO)", st);
    if (st == SEC_E_OK) {
        if (pkg.PackageInfo) s->package = dup_string(pkg.PackageInfo->Name);
        FreeContextBuffer(pkg.PackageInfo);
    }
    if (strcmp(s->role, "server") == 0 && (s->attrs & ASC_RET_DELEGATE)) {
        /* Kerberos: where the client's delegated tickets are. */
        SecPkgContext_LibsspiStringA deleg = {0};
        st = QueryContextAttributesA(&s->ctx, SECPKG_ATTR_LIBSSPI_KRB5_DELEGATED_CCACHE, &deleg);
        log_status(s, "QueryContextAttributesA(SECPKG_ATTR_LIBSSPI_KRB5_DELEGATED_CCACHE)", st);
        if (st == SEC_E_OK) {
            s->delegated = dup_string(deleg.sValue ? deleg.sValue : "");
            FreeContextBuffer(deleg.sValue);
        }
    }
}

static int context_sizes(tool_session *s, SecPkgContext_Sizes *sizes) {
    memset(sizes, 0, sizeof *sizes);
    SECURITY_STATUS st = QueryContextAttributesA(&s->ctx, SECPKG_ATTR_SIZES, sizes);
    if (st != SEC_E_OK) return sspi_failed(s, "QueryContextAttributesA(SECPKG_ATTR_SIZES)", st);
    vlog(s, "sizes: max token %u, max signature %u, block %u, security trailer %u",
         (unsigned)sizes->cbMaxToken, (unsigned)sizes->cbMaxSignature,
         (unsigned)sizes->cbBlockSize, (unsigned)sizes->cbSecurityTrailer);
    return 0;
}

/* Sealed frame (token || data), then the text and its signature. */
static int send_messages(tool_session *s, const char *text) {
    SecPkgContext_Sizes sizes;
    if (context_sizes(s, &sizes) != 0) return -1;
    size_t tlen = strlen(text);
    size_t trailer = sizes.cbSecurityTrailer;
    unsigned char *frame = malloc(trailer + tlen + 1);
    unsigned char *sig = malloc(sizes.cbMaxSignature + 1);
    int rc = -1;
    if (!frame || !sig) {
        set_error(s, "out of memory");
        goto out;
    }
    memcpy(frame + trailer, text, tlen);
    SecBuffer eb[2] = {{(ULONG)trailer, SECBUFFER_TOKEN, frame},
                       {(ULONG)tlen, SECBUFFER_DATA, frame + trailer}};
    SecBufferDesc ed = {SECBUFFER_VERSION, 2, eb};
    SECURITY_STATUS st = EncryptMessage(&s->ctx, 0, &ed, 0);
    log_status(s, "EncryptMessage", st);
    if (st != SEC_E_OK) {
        rc = sspi_failed(s, "EncryptMessage", st);
        goto out;
    }
    /* The token may be shorter than the maximum: close the gap. */
    if (eb[0].cbBuffer < trailer) memmove(frame + eb[0].cbBuffer, frame + trailer, eb[1].cbBuffer);
    size_t flen = (size_t)eb[0].cbBuffer + eb[1].cbBuffer;
    vlog_token(s, "sealed message (token || data)", frame, flen);
    if (send_frame(s, frame, flen) != 0) goto out;
    s->sealed_sent++;

    SecBuffer sb[2] = {{(ULONG)tlen, SECBUFFER_DATA, (void *)text},
                       {sizes.cbMaxSignature, SECBUFFER_TOKEN, sig}};
    SecBufferDesc sd = {SECBUFFER_VERSION, 2, sb};
    st = MakeSignature(&s->ctx, 0, &sd, 0);
    log_status(s, "MakeSignature", st);
    if (st != SEC_E_OK) {
        rc = sspi_failed(s, "MakeSignature", st);
        goto out;
    }
    vlog_token(s, "signature", sig, sb[1].cbBuffer);
    if (send_frame(s, text, tlen) != 0 || send_frame(s, sig, sb[1].cbBuffer) != 0) goto out;
    s->signed_sent++;
    rc = 0;
out:
    free(frame);
    free(sig);
    return rc;
}

static int recv_messages(tool_session *s, const char *expected) {
    unsigned char *sealed = NULL, *text = NULL, *mic = NULL;
    size_t sealed_len = 0, text_len = 0, mic_len = 0;
    size_t elen = strlen(expected);
    int rc = -1;
    if (recv_frame(s, &sealed, &sealed_len) != 0) goto out;
    vlog_token(s, "received sealed message", sealed, sealed_len);
    SecBuffer db[2] = {{(ULONG)sealed_len, SECBUFFER_STREAM, sealed}, {0, SECBUFFER_DATA, NULL}};
    SecBufferDesc dd = {SECBUFFER_VERSION, 2, db};
    ULONG qop = 0;
    SECURITY_STATUS st = DecryptMessage(&s->ctx, &dd, 0, &qop);
    log_status(s, "DecryptMessage", st);
    if (st != SEC_E_OK) {
        rc = sspi_failed(s, "DecryptMessage", st);
        goto out;
    }
    if (qop == SECQOP_WRAP_NO_ENCRYPT) {
        set_error(s, "the sealed message was only signed (SECQOP_WRAP_NO_ENCRYPT)");
        goto out;
    }
    if (db[1].BufferType != SECBUFFER_DATA || db[1].cbBuffer != elen || !db[1].pvBuffer ||
        memcmp(db[1].pvBuffer, expected, elen) != 0) {
        set_error(s, "the sealed message is not \"%s\"", expected);
        goto out;
    }
    vlog(s, "sealed message decrypted: \"%.*s\"", (int)db[1].cbBuffer, (const char *)db[1].pvBuffer);
    s->sealed_received++;

    if (recv_frame(s, &text, &text_len) != 0 || recv_frame(s, &mic, &mic_len) != 0) goto out;
    vlog_token(s, "received signature", mic, mic_len);
    SecBuffer vb[2] = {{(ULONG)text_len, SECBUFFER_DATA, text}, {(ULONG)mic_len, SECBUFFER_TOKEN, mic}};
    SecBufferDesc vd = {SECBUFFER_VERSION, 2, vb};
    st = VerifySignature(&s->ctx, &vd, 0, &qop);
    log_status(s, "VerifySignature", st);
    if (st != SEC_E_OK) {
        rc = sspi_failed(s, "VerifySignature", st);
        goto out;
    }
    if (text_len != elen || memcmp(text, expected, elen) != 0) {
        set_error(s, "the signed message is not \"%s\"", expected);
        goto out;
    }
    s->signed_received++;
    rc = 0;
out:
    free(sealed);
    free(text);
    free(mic);
    return rc;
}

static void print_result(tool_session *s, const tool_flag_name *table) {
    if (!s->out) return;
    char flags[TOOL_FLAGS_BUFLEN];
    tool_flags_format(table, (uint32_t)s->attrs, "", " ", flags, sizeof flags);
    fprintf(s->out, "AUTHENTICATED %s\n", s->name ? s->name : "(name unavailable)");
    fprintf(s->out, "PACKAGE %s\n", s->package ? s->package : "(unavailable)");
    fprintf(s->out, "FLAGS %s\n", flags);
    if (s->delegated) fprintf(s->out, "DELEGATED %s\n", s->delegated);
    fflush(s->out);
}

static int fail(tool_session *s, const char *what) {
    if (s->out) {
        char buf[512];
        fprintf(s->out, "%s FAILED %s\n", what, tool_session_failure(s, buf, sizeof buf));
        fflush(s->out);
    }
    return -1;
}

int tool_session_run_client(tool_session *s, PCredHandle cred, const char *target) {
    if (handshake(s, cred, target, 0) != 0) return fail(s, "AUTH");
    s->handshake_done = 1;
    query_context(s);
    /* NTLM: the server judges the credentials after the client's last token
     * and hangs up when it refuses them, so the client only knows it was
     * accepted once the server's sealed answer decrypts with the session
     * key: AUTHENTICATED is printed then. */
    if (send_messages(s, TOOL_CLIENT_TEXT) != 0 || recv_messages(s, TOOL_SERVER_TEXT) != 0) {
        if (!s->failed_call && s->peer_gone && s->sealed_received == 0) {
            char why[sizeof s->error];
            snprintf(why, sizeof why, "%s", s->error);
            set_error(s, "the server hung up after the handshake (%s): credentials refused?", why);
            return fail(s, "AUTH");
        }
        if (s->sealed_received) print_result(s, tool_isc_ret_flags);
        return fail(s, "MESSAGES");
    }
    print_result(s, tool_isc_ret_flags);
    if (s->out) {
        fprintf(s->out, "MESSAGES OK\n");
        fflush(s->out);
    }
    return 0;
}

int tool_session_run_server(tool_session *s, PCredHandle cred) {
    if (handshake(s, cred, NULL, 1) != 0) return fail(s, "AUTH");
    s->handshake_done = 1;
    query_context(s);
    print_result(s, tool_asc_ret_flags);
    if (recv_messages(s, TOOL_CLIENT_TEXT) != 0) return fail(s, "MESSAGES");
    if (send_messages(s, TOOL_SERVER_TEXT) != 0) return fail(s, "MESSAGES");
    if (s->out) {
        fprintf(s->out, "MESSAGES OK\n");
        fflush(s->out);
    }
    return 0;
}
