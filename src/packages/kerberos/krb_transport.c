/*
 * Blocking KDC driver (see krb_transport.h): UDP then TCP, bounded waits.
 */
#include "krb_transport.h"

#include <errno.h>
#include <fcntl.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "async/async_io.h"
#include "core/log.h"
#include "wire/cursor.h"

static krb_kdc_send_hook test_hook;
static void *test_hook_arg;

void krb_transport_set_hook(krb_kdc_send_hook hook, void *arg) {
    test_hook = hook;
    test_hook_arg = arg;
}

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int remaining(int64_t deadline) {
    int64_t r = deadline - now_ms();
    return r < 0 ? 0 : (int)r;
}

/* Resolved addresses of every KDC of the realm, in configuration order. */
typedef struct kdc_addrs {
    struct addrinfo **ai; /* one getaddrinfo list per KDC */
    size_t count;
} kdc_addrs;

static void kdc_addrs_free(kdc_addrs *a) {
    for (size_t i = 0; i < a->count; i++)
        if (a->ai[i]) freeaddrinfo(a->ai[i]);
    free(a->ai);
    memset(a, 0, sizeof *a);
}

/* ---- DNS SRV ------------------------------------------------------------ */

typedef struct srv_rec {
    uint16_t prio, weight, port;
    char *host;
} srv_rec;

static int srv_cmp(const void *a, const void *b) {
    const srv_rec *x = a, *y = b;
    if (x->prio != y->prio) return x->prio < y->prio ? -1 : 1;
    if (x->weight != y->weight) return x->weight > y->weight ? -1 : 1;
    return 0;
}

/* A (possibly compressed) name at r's position: expanded into name, r
 * advanced past it. */
static sr read_dns_name(const uint8_t *msg, size_t len, wire_reader *r, char *name, size_t cap) {
    const uint8_t *p = wire_peek_ptr(r);
    SR_ENSURE(p != NULL && wire_remaining(r) > 0, SR_INVALID_TOKEN);
    int n = dn_expand(msg, msg + len, p, name, (int)cap);
    SR_ENSURE(n > 0 && (size_t)n <= wire_remaining(r), SR_INVALID_TOKEN);
    return wire_skip(r, (size_t)n);
}

sr krb_dns_parse_srv(const uint8_t *msg, size_t len, kg_kdc_list *out) {
    wire_reader r;
    wire_reader_init(&r, msg, len);
    uint16_t id, flags, qd, an, ns, ar;
    SR_TRY(wire_read_u16be(&r, &id));
    SR_TRY(wire_read_u16be(&r, &flags));
    SR_TRY(wire_read_u16be(&r, &qd));
    SR_TRY(wire_read_u16be(&r, &an));
    SR_TRY(wire_read_u16be(&r, &ns));
    SR_TRY(wire_read_u16be(&r, &ar));
    (void)id;
    (void)ns;
    (void)ar;
    SR_ENSURE(flags & 0x8000, SR_INVALID_TOKEN); /* a response */
    char name[NS_MAXDNAME];
    for (unsigned i = 0; i < qd; i++) {
        SR_TRY(read_dns_name(msg, len, &r, name, sizeof name));
        SR_TRY(wire_skip(&r, 4));
    }
    srv_rec *recs = calloc(an ? an : 1, sizeof *recs);
    SR_ENSURE(recs != NULL, SR_NO_MEMORY);
    size_t n = 0;
    sr res = SR_SUCCESS;
    for (unsigned i = 0; i < an && sr_is_ok(res); i++) {
        uint16_t type, cls, rdlen;
        uint32_t ttl;
        wire_reader rd;
        res = read_dns_name(msg, len, &r, name, sizeof name);
        if (sr_is_ok(res)) res = wire_read_u16be(&r, &type);
        if (sr_is_ok(res)) res = wire_read_u16be(&r, &cls);
        if (sr_is_ok(res)) res = wire_read_u32be(&r, &ttl);
        if (sr_is_ok(res)) res = wire_read_u16be(&r, &rdlen);
        if (sr_is_ok(res)) res = wire_read_sub(&r, rdlen, &rd);
        if (!sr_is_ok(res) || type != 33 /* SRV */ || cls != 1 /* IN */) continue;
        srv_rec s;
        res = wire_read_u16be(&rd, &s.prio);
        if (sr_is_ok(res)) res = wire_read_u16be(&rd, &s.weight);
        if (sr_is_ok(res)) res = wire_read_u16be(&rd, &s.port);
        if (sr_is_ok(res)) res = read_dns_name(msg, len, &rd, name, sizeof name);
        if (sr_is_ok(res)) res = wire_expect_end(&rd);
        if (!sr_is_ok(res)) break;
        /* "." means "no service here" (RFC 2782). */
        if (name[0] == '\0' || strcmp(name, ".") == 0 || s.port == 0) continue;
        s.host = strdup(name);
        if (!s.host) {
            res = SR_FAIL(SR_NO_MEMORY);
            break;
        }
        recs[n++] = s;
    }
    if (sr_is_ok(res) && n > 0) {
        qsort(recs, n, sizeof *recs, srv_cmp);
        char **hosts = realloc(out->hosts, (out->count + n) * sizeof *hosts);
        if (hosts) out->hosts = hosts;
        uint16_t *ports = hosts ? realloc(out->ports, (out->count + n) * sizeof *ports) : NULL;
        if (ports) out->ports = ports;
        if (!hosts || !ports) {
            res = SR_FAIL(SR_NO_MEMORY);
        } else {
            for (size_t i = 0; i < n; i++) {
                out->hosts[out->count] = recs[i].host;
                out->ports[out->count] = recs[i].port;
                out->count++;
                recs[i].host = NULL;
            }
        }
    }
    for (size_t i = 0; i < n; i++) free(recs[i].host);
    free(recs);
    return res;
}

static void dns_srv_kdcs(const char *realm, kg_kdc_list *out) {
    static const char *const services[] = {"_kerberos._udp.", "_kerberos._tcp."};
    struct __res_state st;
    memset(&st, 0, sizeof st);
    if (res_ninit(&st) != 0) return;
    st.retrans = 1;
    st.retry = 2;
    uint8_t *answer = malloc(NS_MAXMSG);
    for (size_t i = 0; answer && i < 2 && out->count == 0; i++) {
        char qname[NS_MAXDNAME];
        if ((size_t)snprintf(qname, sizeof qname, "%s%s", services[i], realm) >= sizeof qname)
            break;
        errno = 0;
        int n = res_nquery(&st, qname, ns_c_in, ns_t_srv, answer, NS_MAXMSG);
        if (n > 0 && !sr_is_ok(krb_dns_parse_srv(answer, (size_t)n, out)))
            SSPI_LOG(SSPI_LOG_INFO, "kerberos", "malformed SRV answer for %s", qname);
        if (n < 0 && errno == ETIMEDOUT) {
            /* No name server answered (every try timed out): the next
             * name would wait as long for nothing. */
            SSPI_LOG(SSPI_LOG_INFO, "kerberos", "DNS did not answer for %s", qname);
            break;
        }
    }
    free(answer);
    res_nclose(&st);
}

sr krb_realm_kdcs(kg_ctx *k, const char *realm, kg_kdc_list *out) {
    SR_TRY(kg_realm_kdcs(k, realm, out));
    if (out->count == 0 && kg_dns_lookup_kdc(k)) dns_srv_kdcs(realm, out);
    return SR_SUCCESS;
}

static sr kdc_addrs_get(kg_ctx *k, const char *realm, kdc_addrs *out) {
    memset(out, 0, sizeof *out);
    kg_kdc_list l;
    SR_TRY(krb_realm_kdcs(k, realm, &l));
    if (l.count == 0) {
        SSPI_LOG(SSPI_LOG_INFO, "kerberos", "no KDC configured for realm %s", realm);
        kg_kdc_list_clear(&l);
        krb_kdc_negcache_put(realm, KRB_KDC_NEG_NOT_FOUND, now_ms());
        return SR_FAIL(SR_NO_AUTHENTICATING_AUTHORITY);
    }
    out->ai = calloc(l.count, sizeof *out->ai);
    if (!out->ai) {
        kg_kdc_list_clear(&l);
        return SR_FAIL(SR_NO_MEMORY);
    }
    out->count = l.count;
    for (size_t i = 0; i < l.count; i++) {
        struct addrinfo hints;
        memset(&hints, 0, sizeof hints);
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_DGRAM; /* one entry per address */
        hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
        char port[8];
        snprintf(port, sizeof port, "%u", (unsigned)l.ports[i]);
        if (getaddrinfo(l.hosts[i], port, &hints, &out->ai[i]) != 0) {
            SSPI_LOG(SSPI_LOG_INFO, "kerberos", "cannot resolve KDC %s", l.hosts[i]);
            out->ai[i] = NULL;
        }
    }
    kg_kdc_list_clear(&l);
    return SR_SUCCESS;
}

/* ---- UDP ---------------------------------------------------------------- */

/* Send to every address of every KDC in turn, waiting up to
 * KRB_KDC_UDP_WAIT_MS for an answer (from any of them) after each send;
 * KRB_KDC_UDP_ROUNDS rounds. */
static sr udp_exchange(const kdc_addrs *a, const uint8_t *req, size_t len, int64_t deadline,
                       kg_buf *reply, krb_transport_stats *st) {
    enum { MAXS = 32 };
    struct pollfd fds[MAXS];
    size_t nfds = 0;
    for (size_t i = 0; i < a->count; i++) {
        for (struct addrinfo *ai = a->ai[i]; ai && nfds < MAXS; ai = ai->ai_next) {
            int fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
            if (fd < 0) continue;
            if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
                close(fd);
                continue;
            }
            fds[nfds].fd = fd;
            fds[nfds].events = POLLIN;
            nfds++;
        }
    }
    uint8_t *buf = malloc(65536);
    sr r = SR_FAIL(buf ? SR_NO_AUTHENTICATING_AUTHORITY : SR_NO_MEMORY);
    for (int round = 0; buf && round < KRB_KDC_UDP_ROUNDS; round++) {
        for (size_t s = 0; s < nfds; s++) {
            if (remaining(deadline) == 0) goto done;
            if (fds[s].fd < 0) continue;
            if (send(fds[s].fd, req, len, MSG_NOSIGNAL) < 0) {
                close(fds[s].fd);
                fds[s].fd = -1;
                continue;
            }
            if (st) st->udp_sent++;
            int64_t until = now_ms() + KRB_KDC_UDP_WAIT_MS;
            if (until > deadline) until = deadline;
            for (;;) {
                int live = 0;
                for (size_t j = 0; j < nfds; j++) live += fds[j].fd >= 0;
                if (!live) goto done;
                int n = poll(fds, nfds, remaining(until));
                if (n < 0 && errno == EINTR) continue;
                if (n <= 0) break;
                for (size_t j = 0; j < nfds; j++) {
                    if (fds[j].fd < 0 || !(fds[j].revents & (POLLIN | POLLERR))) continue;
                    ssize_t got = recv(fds[j].fd, buf, 65536, 0);
                    if (got < 0) {
                        if (errno == EAGAIN || errno == EINTR) continue;
                        /* ICMP port unreachable (ECONNREFUSED): that KDC is
                         * down; the others may answer. */
                        close(fds[j].fd);
                        fds[j].fd = -1;
                        continue;
                    }
                    if (got == 0) continue;
                    reply->data = malloc((size_t)got);
                    if (!reply->data) {
                        r = SR_FAIL(SR_NO_MEMORY);
                        goto done;
                    }
                    memcpy(reply->data, buf, (size_t)got);
                    reply->len = (size_t)got;
                    if (st) st->replies++;
                    r = SR_SUCCESS;
                    goto done;
                }
                /* A dead socket alone woke us up: if that was the one we
                 * just sent to, go on with the next KDC. */
                if (fds[s].fd < 0) break;
            }
        }
    }
done:
    for (size_t j = 0; j < nfds; j++)
        if (fds[j].fd >= 0) close(fds[j].fd);
    free(buf);
    return r;
}

/* ---- TCP ---------------------------------------------------------------- */

static int wait_fd(int fd, short events, int64_t deadline) {
    struct pollfd p = {fd, events, 0};
    for (;;) {
        int n = poll(&p, 1, remaining(deadline));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        return 0;
    }
}

static int tcp_write_all(int fd, const uint8_t *p, size_t n, int64_t deadline) {
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR) continue;
            if ((errno == EAGAIN || errno == EWOULDBLOCK) && wait_fd(fd, POLLOUT, deadline) == 0)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int tcp_read_all(int fd, uint8_t *p, size_t n, int64_t deadline) {
    while (n > 0) {
        ssize_t r = recv(fd, p, n, 0);
        if (r < 0) {
            if (errno == EINTR) continue;
            if ((errno == EAGAIN || errno == EWOULDBLOCK) && wait_fd(fd, POLLIN, deadline) == 0)
                continue;
            return -1;
        }
        if (r == 0) return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

static sr tcp_one(const struct addrinfo *ai, const uint8_t *req, size_t len, int64_t deadline,
                  kg_buf *reply) {
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return SR_FAIL(SR_NO_AUTHENTICATING_AUTHORITY);
    int64_t d = now_ms() + KRB_KDC_TCP_TIMEOUT_MS;
    if (d > deadline) d = deadline;
    sr r = SR_FAIL(SR_NO_AUTHENTICATING_AUTHORITY);
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        if (errno != EINPROGRESS || wait_fd(fd, POLLOUT, d) != 0) goto out;
        int err = 0;
        socklen_t el = sizeof err;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0 || err != 0) goto out;
    }
    uint8_t hdr[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
                      (uint8_t)len};
    if (tcp_write_all(fd, hdr, 4, d) != 0 || tcp_write_all(fd, req, len, d) != 0) goto out;
    if (tcp_read_all(fd, hdr, 4, d) != 0) goto out;
    uint32_t n = 0;
    wire_reader hr;
    wire_reader_init(&hr, hdr, sizeof hdr);
    if (!sr_is_ok(wire_read_u32be(&hr, &n)) || n == 0 || n > KRB_KDC_MAX_REPLY) goto out;
    reply->data = malloc(n);
    if (!reply->data) {
        r = SR_FAIL(SR_NO_MEMORY);
        goto out;
    }
    if (tcp_read_all(fd, reply->data, n, d) != 0) {
        free(reply->data);
        reply->data = NULL;
        goto out;
    }
    reply->len = n;
    r = SR_SUCCESS;
out:
    close(fd);
    return r;
}

static sr tcp_exchange(const kdc_addrs *a, const uint8_t *req, size_t len, int64_t deadline,
                       kg_buf *reply, krb_transport_stats *st) {
    for (size_t i = 0; i < a->count; i++) {
        for (struct addrinfo *ai = a->ai[i]; ai; ai = ai->ai_next) {
            if (remaining(deadline) == 0) return SR_FAIL(SR_NO_AUTHENTICATING_AUTHORITY);
            if (st) st->tcp_sent++;
            sr r = tcp_one(ai, req, len, deadline, reply);
            if (r.code != SR_NO_AUTHENTICATING_AUTHORITY) {
                if (sr_is_ok(r) && st) st->replies++;
                return r;
            }
        }
    }
    return SR_FAIL(SR_NO_AUTHENTICATING_AUTHORITY);
}

sr krb_kdc_sendto(kg_ctx *k, const char *realm, const uint8_t *req, size_t len, bool tcp_only,
                  kg_buf *reply, krb_transport_stats *stats) {
    memset(reply, 0, sizeof *reply);
    if (test_hook) return test_hook(test_hook_arg, realm, req, len, tcp_only, reply);
    SR_ENSURE(realm && realm[0], SR_NO_AUTHENTICATING_AUTHORITY);
    if (krb_kdc_negcache_lookup(realm, now_ms(), NULL)) {
        SSPI_LOG(SSPI_LOG_DEBUG, "kerberos", "realm %s: no KDC (negative cache)", realm);
        return SR_FAIL(SR_NO_AUTHENTICATING_AUTHORITY);
    }
    kdc_addrs a;
    SR_TRY(kdc_addrs_get(k, realm, &a));
    int64_t deadline = now_ms() + KRB_KDC_TOTAL_TIMEOUT_MS;
    sr r = SR_FAIL(SR_NO_AUTHENTICATING_AUTHORITY);
    if (!tcp_only && len <= kg_udp_preference_limit(k)) {
        r = udp_exchange(&a, req, len, deadline, reply, stats);
        if (r.code != SR_NO_AUTHENTICATING_AUTHORITY) goto out;
    }
    r = tcp_exchange(&a, req, len, deadline, reply, stats);
out:
    kdc_addrs_free(&a);
    if (r.code == SR_NO_AUTHENTICATING_AUTHORITY)
        krb_kdc_negcache_unreachable(realm); /* logs */
    else if (sr_is_ok(r))
        krb_kdc_negcache_answered_now(realm);
    return r;
}

/* ---- asynchronous flavour ------------------------------------------------ */

int64_t krb_now_ms(void) { return now_ms(); }

bool krb_transport_hooked(void) { return test_hook != NULL; }

bool krb_kdc_udp_first(kg_ctx *k, size_t len, bool tcp_only) {
    return !tcp_only && len <= kg_udp_preference_limit(k);
}

sr krb_kdc_io_request(kg_ctx *k, const char *realm, const uint8_t *req, size_t len, bool tcp,
                      uint32_t total_ms, sspi_io_request *out) {
    memset(out, 0, sizeof *out);
    SR_ENSURE(realm && realm[0] && total_ms > 0, SR_NO_AUTHENTICATING_AUTHORITY);
    if (krb_kdc_negcache_lookup(realm, now_ms(), NULL)) {
        SSPI_LOG(SSPI_LOG_DEBUG, "kerberos", "realm %s: no KDC (negative cache)", realm);
        return SR_FAIL(SR_NO_AUTHENTICATING_AUTHORITY);
    }
    kg_kdc_list l;
    SR_TRY(krb_realm_kdcs(k, realm, &l));
    for (size_t i = 0; i < l.count && out->ntargets < SSPI_IO_MAX_TARGETS; i++) {
        sspi_io_target *t = &out->targets[out->ntargets];
        if ((size_t)snprintf(t->host, sizeof t->host, "%s", l.hosts[i]) >= sizeof t->host)
            continue;
        t->port = l.ports[i];
        t->transport = tcp ? SSPI_IO_TCP : SSPI_IO_UDP;
        out->ntargets++;
    }
    kg_kdc_list_clear(&l);
    if (out->ntargets == 0) {
        SSPI_LOG(SSPI_LOG_INFO, "kerberos", "no KDC configured for realm %s", realm);
        krb_kdc_negcache_put(realm, KRB_KDC_NEG_NOT_FOUND, now_ms());
        return SR_FAIL(SR_NO_AUTHENTICATING_AUTHORITY);
    }
    out->realm = realm;
    out->data = req;
    out->len = len;
    out->attempt_timeout_ms = tcp ? KRB_KDC_TCP_TIMEOUT_MS : KRB_KDC_UDP_WAIT_MS;
    out->total_timeout_ms = total_ms;
    out->passes = tcp ? 1 : KRB_KDC_UDP_ROUNDS;
    out->max_reply = KRB_KDC_MAX_REPLY;
    return SR_SUCCESS;
}

sr krb_transport_run(kg_ctx *k, kg_exchange *x) {
    kg_buf reply = {0};
    for (int loops = 0; loops < 64; loops++) {
        bool done = false;
        kg_kdc_request req;
        sr r = kg_exchange_step(x, reply.data, reply.len, &done, &req);
        kg_buf_free(&reply);
        SR_TRY(r);
        if (done) return SR_SUCCESS;
        SR_TRY(krb_kdc_sendto(k, req.realm, req.data, req.len, req.tcp_only, &reply, NULL));
    }
    kg_buf_free(&reply);
    return SR_FAIL(SR_NO_AUTHENTICATING_AUTHORITY);
}
