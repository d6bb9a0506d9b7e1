/*
 * The transport of async_io.h and the event loop that drives it.
 *
 * One exchange is an `xfer`: a small state machine over one non-blocking
 * socket at a time (attempt = one address; UDP: send, wait for a datagram;
 * TCP: connect, send length-prefixed, read length-prefixed). It never
 * waits: it tells its driver which event it wants and until when. Two
 * drivers run the very same state machine:
 *   - the event loop thread (asynchronous calls): one epoll set for every
 *     exchange in progress, one timerfd armed at the earliest deadline (a
 *     binary heap of deadlines), one eventfd for submissions and kicks;
 *     so thousands of exchanges cost one thread and one socket each;
 *   - sspi_io_exchange (synchronous calls): poll() on the calling thread.
 * The loop starts on first use. It keeps at most `max_open` exchanges with
 * a socket (half the RLIMIT_NOFILE soft limit); more wait in a FIFO.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "async/async_io.h"
#include "async/async_pool.h"
#include "core/log.h"
#include "crypto/crypto.h"
#include "wire/cursor.h"

#define IO_LOG "async-io"
#define IO_MAX_ADDRS 32
#define UDP_MAX_DATAGRAM 65535u

static uint64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- the transport state machine --------------------------------------- */

typedef struct io_addr {
    struct sockaddr_storage sa;
    socklen_t len;
    sspi_io_transport transport;
    size_t target;
} io_addr;

typedef enum xphase { X_IDLE, X_CONNECT, X_SEND, X_RECV_HDR, X_RECV_BODY, X_DONE } xphase;

typedef struct xfer {
    io_addr addrs[IO_MAX_ADDRS];
    size_t naddrs, next_addr;
    unsigned pass, passes;
    uint8_t *msg; /* 4-byte length prefix + message */
    size_t msg_len;
    size_t max_reply;
    uint64_t attempt_ms, total_ms, total_deadline, attempt_deadline;
    int fd;
    unsigned sock_seq; /* bumped for every socket opened */
    xphase phase;
    const io_addr *cur;
    size_t sent;
    uint8_t hdr[4];
    size_t hdr_got;
    uint8_t *rbuf;
    size_t rlen, rgot;
    bool any_timeout;
    sspi_io_reply reply;
} xfer;

static void xfer_close(xfer *x) {
    if (x->fd >= 0) close(x->fd);
    x->fd = -1;
    if (x->rbuf) crypto_free_wipe(x->rbuf, x->rlen);
    x->rbuf = NULL;
    x->rlen = x->rgot = 0;
    x->hdr_got = 0;
    x->sent = 0;
    x->phase = X_IDLE;
}

static void xfer_finish(xfer *x, sspi_io_error e) {
    xfer_close(x);
    x->reply.error = e;
    x->phase = X_DONE;
}

static void xfer_free(xfer *x) {
    xfer_close(x);
    if (x->msg) crypto_free_wipe(x->msg, x->msg_len);
    x->msg = NULL;
    sspi_io_reply_clear(&x->reply);
}

/* Resolve the targets and copy the message. Name resolution may block. */
static void xfer_init(xfer *x, const sspi_io_request *req) {
    memset(x, 0, sizeof *x);
    x->fd = -1;
    x->phase = X_IDLE;
    if (!req || req->ntargets == 0 || req->ntargets > SSPI_IO_MAX_TARGETS || req->len == 0 ||
        req->len > SSPI_IO_MAX_MESSAGE || !req->data) {
        xfer_finish(x, SSPI_IO_BAD_REQUEST);
        return;
    }
    x->msg_len = req->len + 4;
    x->msg = malloc(x->msg_len);
    if (!x->msg) {
        xfer_finish(x, SSPI_IO_NO_MEMORY);
        return;
    }
    x->msg[0] = (uint8_t)(req->len >> 24);
    x->msg[1] = (uint8_t)(req->len >> 16);
    x->msg[2] = (uint8_t)(req->len >> 8);
    x->msg[3] = (uint8_t)req->len;
    memcpy(x->msg + 4, req->data, req->len);
    x->attempt_ms = req->attempt_timeout_ms ? req->attempt_timeout_ms : SSPI_IO_DEFAULT_ATTEMPT_MS;
    x->total_ms = req->total_timeout_ms ? req->total_timeout_ms : SSPI_IO_DEFAULT_TOTAL_MS;
    x->passes = req->passes ? req->passes : 1;
    x->max_reply = req->max_reply ? req->max_reply : SSPI_IO_DEFAULT_MAX_REPLY;
    for (size_t t = 0; t < req->ntargets && x->naddrs < IO_MAX_ADDRS; t++) {
        const sspi_io_target *tg = &req->targets[t];
        if (tg->transport != SSPI_IO_UDP && tg->transport != SSPI_IO_TCP) continue;
        if (memchr(tg->host, '\0', sizeof tg->host) == NULL) continue;
        char port[8];
        snprintf(port, sizeof port, "%u", (unsigned)tg->port);
        struct addrinfo hints, *res = NULL;
        memset(&hints, 0, sizeof hints);
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = tg->transport == SSPI_IO_UDP ? SOCK_DGRAM : SOCK_STREAM;
        hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
        int rc = getaddrinfo(tg->host, port, &hints, &res);
        if (rc != 0) {
            hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
            rc = getaddrinfo(tg->host, port, &hints, &res);
        }
        if (rc != 0) {
            SSPI_LOG(SSPI_LOG_INFO, IO_LOG, "cannot resolve target %zu: %s", t, gai_strerror(rc));
            continue;
        }
        for (struct addrinfo *a = res; a && x->naddrs < IO_MAX_ADDRS; a = a->ai_next) {
            if (a->ai_addrlen > sizeof x->addrs[0].sa) continue;
            io_addr *d = &x->addrs[x->naddrs++];
            memcpy(&d->sa, a->ai_addr, a->ai_addrlen);
            d->len = (socklen_t)a->ai_addrlen;
            d->transport = tg->transport;
            d->target = t;
        }
        freeaddrinfo(res);
    }
    if (x->naddrs == 0) xfer_finish(x, SSPI_IO_RESOLVE);
}

static void xfer_send(xfer *x, uint64_t now);
static void xfer_next_attempt(xfer *x, uint64_t now);

/* The current attempt failed: note why, move on. */
static void xfer_attempt_failed(xfer *x, int err, uint64_t now) {
    if (err) x->reply.sys_errno = err;
    xfer_close(x);
    xfer_next_attempt(x, now);
}

static void xfer_next_attempt(xfer *x, uint64_t now) {
    if (x->phase == X_DONE) return;
    if (x->total_deadline == 0) x->total_deadline = now + x->total_ms;
    for (;;) {
        if (now >= x->total_deadline) {
            xfer_finish(x, SSPI_IO_TIMEOUT);
            return;
        }
        if (x->next_addr >= x->naddrs) {
            x->next_addr = 0;
            if (++x->pass >= x->passes) {
                xfer_finish(x, x->any_timeout ? SSPI_IO_TIMEOUT : SSPI_IO_UNREACHABLE);
                return;
            }
        }
        const io_addr *a = &x->addrs[x->next_addr++];
        int type = a->transport == SSPI_IO_UDP ? SOCK_DGRAM : SOCK_STREAM;
        int fd = socket(a->sa.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            x->reply.sys_errno = errno;
            if (errno == EMFILE || errno == ENFILE || errno == ENOMEM || errno == ENOBUFS) {
                xfer_finish(x, SSPI_IO_NO_MEMORY);
                return;
            }
            continue;
        }
        x->fd = fd;
        x->sock_seq++;
        x->cur = a;
        x->attempt_deadline = now + x->attempt_ms;
        if (x->attempt_deadline > x->total_deadline) x->attempt_deadline = x->total_deadline;
        if (connect(fd, (const struct sockaddr *)&a->sa, a->len) != 0) {
            if (errno == EINPROGRESS && a->transport == SSPI_IO_TCP) {
                x->phase = X_CONNECT;
                return;
            }
            x->reply.sys_errno = errno;
            xfer_close(x);
            continue;
        }
        x->phase = X_SEND;
        xfer_send(x, now);
        return;
    }
}

static void xfer_send(xfer *x, uint64_t now) {
    bool udp = x->cur->transport == SSPI_IO_UDP;
    const uint8_t *p = udp ? x->msg + 4 : x->msg;
    size_t len = udp ? x->msg_len - 4 : x->msg_len;
    while (x->sent < len) {
        ssize_t n = send(x->fd, p + x->sent, len - x->sent, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return; /* wait for EPOLLOUT */
            xfer_attempt_failed(x, errno, now);
            return;
        }
        if (udp && (size_t)n != len) {
            xfer_attempt_failed(x, EMSGSIZE, now);
            return;
        }
        x->sent += (size_t)n;
    }
    x->phase = udp ? X_RECV_BODY : X_RECV_HDR;
}

static void xfer_got_reply(xfer *x, uint8_t *data, size_t len) {
    x->reply.data = data;
    x->reply.len = len;
    x->reply.target = x->cur->target;
    if (x->rbuf == data) x->rbuf = NULL;
    x->rlen = 0;
    xfer_finish(x, SSPI_IO_OK);
}

static void xfer_recv_udp(xfer *x, uint64_t now) {
    size_t cap = x->max_reply < UDP_MAX_DATAGRAM ? x->max_reply : UDP_MAX_DATAGRAM;
    uint8_t *buf = malloc(cap + 1);
    if (!buf) {
        xfer_finish(x, SSPI_IO_NO_MEMORY);
        return;
    }
    ssize_t n;
    do {
        n = recv(x->fd, buf, cap + 1, MSG_TRUNC);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        int e = errno;
        free(buf);
        if (e == EAGAIN || e == EWOULDBLOCK) return;
        xfer_attempt_failed(x, e, now);
        return;
    }
    if ((size_t)n > cap) {
        free(buf);
        xfer_finish(x, SSPI_IO_TOO_BIG);
        return;
    }
    xfer_got_reply(x, buf, (size_t)n);
}

static void xfer_recv_tcp(xfer *x, uint64_t now) {
    for (;;) {
        uint8_t *dst;
        size_t want;
        if (x->phase == X_RECV_HDR) {
            dst = x->hdr + x->hdr_got;
            want = 4 - x->hdr_got;
        } else {
            dst = x->rbuf + x->rgot;
            want = x->rlen - x->rgot;
        }
        ssize_t n = want ? recv(x->fd, dst, want, 0) : 0;
        if (want && n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return;
            xfer_attempt_failed(x, errno, now);
            return;
        }
        if (want && n == 0) {
            xfer_attempt_failed(x, ECONNRESET, now);
            return;
        }
        if (x->phase == X_RECV_HDR) {
            x->hdr_got += (size_t)n;
            if (x->hdr_got < 4) continue;
            uint32_t len32 = 0;
            wire_reader hr;
            wire_reader_init(&hr, x->hdr, sizeof x->hdr);
            if (!sr_is_ok(wire_read_u32be(&hr, &len32)) || len32 > x->max_reply) {
                xfer_finish(x, SSPI_IO_TOO_BIG);
                return;
            }
            size_t len = len32;
            x->rbuf = malloc(len ? len : 1);
            if (!x->rbuf) {
                xfer_finish(x, SSPI_IO_NO_MEMORY);
                return;
            }
            x->rlen = len;
            x->rgot = 0;
            x->phase = X_RECV_BODY;
            continue;
        }
        x->rgot += (size_t)n;
        if (x->rgot == x->rlen) {
            xfer_got_reply(x, x->rbuf, x->rlen);
            return;
        }
    }
}

/* The socket is ready (revents from poll/epoll). */
static void xfer_on_ready(xfer *x, uint32_t revents, uint64_t now) {
    if (x->phase == X_DONE || x->phase == X_IDLE) return;
    if (x->phase == X_CONNECT) {
        int err = 0;
        socklen_t l = sizeof err;
        if (getsockopt(x->fd, SOL_SOCKET, SO_ERROR, &err, &l) != 0) err = errno;
        if (err) {
            xfer_attempt_failed(x, err, now);
            return;
        }
        if (!(revents & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
        x->phase = X_SEND;
    }
    if (x->phase == X_SEND) {
        xfer_send(x, now);
        if (x->phase != X_RECV_HDR && x->phase != X_RECV_BODY) return;
        if (!(revents & EPOLLIN)) return;
    }
    if (x->cur->transport == SSPI_IO_UDP) {
        xfer_recv_udp(x, now);
    } else {
        xfer_recv_tcp(x, now);
    }
}

static void xfer_on_time(xfer *x, uint64_t now) {
    if (x->phase == X_DONE || x->phase == X_IDLE) return;
    if (now < x->attempt_deadline) return;
    x->any_timeout = true;
    xfer_attempt_failed(x, ETIMEDOUT, now);
}

static uint32_t xfer_events(const xfer *x) {
    return (x->phase == X_CONNECT || x->phase == X_SEND) ? EPOLLOUT : EPOLLIN;
}

/* ---- blocking driver ---------------------------------------------------- */

sr sspi_io_exchange(const sspi_io_request *req, sspi_io_reply *reply) {
    SR_ENSURE(reply != NULL, SR_INVALID_PARAMETER);
    memset(reply, 0, sizeof *reply);
    xfer *x = malloc(sizeof *x);
    SR_ENSURE(x != NULL, SR_NO_MEMORY);
    xfer_init(x, req);
    xfer_next_attempt(x, now_ms());
    while (x->phase != X_DONE) {
        uint64_t now = now_ms();
        int timeout = x->attempt_deadline > now ? (int)(x->attempt_deadline - now) : 0;
        struct pollfd p = {x->fd, (short)(xfer_events(x) == EPOLLOUT ? POLLOUT : POLLIN), 0};
        int n = poll(&p, 1, timeout);
        now = now_ms();
        if (n > 0) {
            uint32_t ev = 0;
            if (p.revents & POLLIN) ev |= EPOLLIN;
            if (p.revents & POLLOUT) ev |= EPOLLOUT;
            if (p.revents & POLLERR) ev |= EPOLLERR;
            if (p.revents & POLLHUP) ev |= EPOLLHUP;
            xfer_on_ready(x, ev, now);
        } else if (n == 0 || errno != EINTR) {
            xfer_on_time(x, now);
        }
    }
    *reply = x->reply;
    memset(&x->reply, 0, sizeof x->reply);
    xfer_free(x);
    free(x);
    return SR_SUCCESS;
}

/* ---- the event loop ----------------------------------------------------- */

typedef struct io_op {
    xfer x;
    sspi_io_done_fn done;
    void *arg;
    const atomic_bool *cancel;
    size_t heap_index; /* + 1; 0 = not in the heap */
    uint64_t key;
    unsigned reg_seq;
    uint32_t reg_events;
    struct io_op *next;
} io_op;

static struct {
    pthread_once_t once;
    atomic_int status; /* sr_code */
    int epfd, evfd, tfd;
    pthread_t thread;
    pthread_mutex_t mutex;
    io_op *in_head, *in_tail; /* submissions, under mutex */
    atomic_bool scan;         /* kicked: look at cancel flags */
    atomic_bool stop;         /* sspi_io_shutdown */
    atomic_size_t active;
    /* loop thread only */
    io_op **heap;
    size_t heap_len, heap_cap;
    io_op *wait_head, *wait_tail;
    size_t open, max_open;
    uint64_t armed;
} L = {.once = PTHREAD_ONCE_INIT, .status = SR_INTERNAL, .mutex = PTHREAD_MUTEX_INITIALIZER,
       .epfd = -1, .evfd = -1, .tfd = -1};

static char ev_marker, timer_marker;

static void heap_swap(size_t a, size_t b) {
    io_op *t = L.heap[a];
    L.heap[a] = L.heap[b];
    L.heap[b] = t;
    L.heap[a]->heap_index = a + 1;
    L.heap[b]->heap_index = b + 1;
}

static void heap_up(size_t i) {
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (L.heap[p]->key <= L.heap[i]->key) break;
        heap_swap(i, p);
        i = p;
    }
}

static void heap_down(size_t i) {
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < L.heap_len && L.heap[l]->key < L.heap[m]->key) m = l;
        if (r < L.heap_len && L.heap[r]->key < L.heap[m]->key) m = r;
        if (m == i) break;
        heap_swap(i, m);
        i = m;
    }
}

static bool heap_set(io_op *op, uint64_t key) {
    if (!op->heap_index) {
        if (L.heap_len == L.heap_cap) {
            size_t ncap = L.heap_cap ? L.heap_cap * 2 : 256;
            io_op **n = realloc(L.heap, ncap * sizeof *n);
            if (!n) return false;
            L.heap = n;
            L.heap_cap = ncap;
        }
        L.heap[L.heap_len] = op;
        op->heap_index = ++L.heap_len;
        op->key = key;
        heap_up(L.heap_len - 1);
        return true;
    }
    size_t i = op->heap_index - 1;
    uint64_t old = op->key;
    op->key = key;
    if (key < old) {
        heap_up(i);
    } else {
        heap_down(i);
    }
    return true;
}

static void heap_remove(io_op *op) {
    if (!op->heap_index) return;
    size_t i = op->heap_index - 1;
    op->heap_index = 0;
    L.heap_len--;
    if (i == L.heap_len) return;
    L.heap[i] = L.heap[L.heap_len];
    L.heap[i]->heap_index = i + 1;
    heap_down(i);
    heap_up(i);
}

static void op_complete(io_op *op) {
    heap_remove(op);
    xfer_close(&op->x);
    L.open--;
    sspi_io_reply reply = op->x.reply;
    memset(&op->x.reply, 0, sizeof op->x.reply);
    xfer_free(&op->x);
    sspi_io_done_fn done = op->done;
    void *arg = op->arg;
    free(op);
    atomic_fetch_sub(&L.active, 1);
    done(arg, &reply);
    sspi_io_reply_clear(&reply); /* if the callee did not take it */
}

/* After the state machine moved: register the new socket, update the
 * deadline, or complete. */
static void op_after(io_op *op) {
    xfer *x = &op->x;
    if (x->phase != X_DONE) {
        uint32_t ev = xfer_events(x);
        struct epoll_event e;
        memset(&e, 0, sizeof e);
        e.events = ev;
        e.data.ptr = op;
        int rc = 0;
        if (op->reg_seq != x->sock_seq) {
            rc = epoll_ctl(L.epfd, EPOLL_CTL_ADD, x->fd, &e);
            op->reg_seq = x->sock_seq;
            op->reg_events = ev;
        } else if (op->reg_events != ev) {
            rc = epoll_ctl(L.epfd, EPOLL_CTL_MOD, x->fd, &e);
            op->reg_events = ev;
        }
        if (rc != 0 || !heap_set(op, x->attempt_deadline)) {
            x->reply.sys_errno = errno;
            xfer_finish(x, SSPI_IO_NO_MEMORY);
        }
    }
    if (x->phase == X_DONE) op_complete(op);
}

static void op_cancel(io_op *op) {
    xfer_finish(&op->x, SSPI_IO_CANCELLED);
    op_complete(op);
}

static void start_waiting(uint64_t now) {
    while (L.wait_head && L.open < L.max_open) {
        io_op *op = L.wait_head;
        L.wait_head = op->next;
        if (!L.wait_head) L.wait_tail = NULL;
        op->next = NULL;
        L.open++;
        if (op->cancel && atomic_load(op->cancel)) {
            op_cancel(op);
            continue;
        }
        if (op->x.phase != X_DONE) xfer_next_attempt(&op->x, now);
        op_after(op);
    }
}

static void scan_cancelled(void) {
    for (size_t i = 0; i < L.heap_len;) {
        io_op *op = L.heap[i];
        if (op->cancel && atomic_load(op->cancel)) {
            op_cancel(op); /* removes heap[i]: look at index i again */
        } else {
            i++;
        }
    }
    io_op **pp = &L.wait_head;
    L.wait_tail = NULL;
    while (*pp) {
        io_op *op = *pp;
        if (op->cancel && atomic_load(op->cancel)) {
            *pp = op->next;
            L.open++; /* op_complete counts it down */
            op_cancel(op);
        } else {
            L.wait_tail = op;
            pp = &op->next;
        }
    }
}

static void arm_timer(void) {
    uint64_t when = L.heap_len ? L.heap[0]->key : 0;
    if (when == L.armed) return;
    struct itimerspec its;
    memset(&its, 0, sizeof its);
    if (when) {
        its.it_value.tv_sec = (time_t)(when / 1000u);
        its.it_value.tv_nsec = (long)(when % 1000u) * 1000000L;
        if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0) its.it_value.tv_nsec = 1;
    }
    if (timerfd_settime(L.tfd, TFD_TIMER_ABSTIME, &its, NULL) == 0) L.armed = when;
}

static void *loop_main(void *arg) {
    (void)arg;
    struct epoll_event evs[256];
    for (;;) {
        arm_timer();
        int n = epoll_wait(L.epfd, evs, 256, -1);
        if (n < 0 && errno != EINTR) {
            SSPI_LOG(SSPI_LOG_ERROR, IO_LOG, "epoll_wait failed (errno %d)", errno);
            usleep(1000);
            continue;
        }
        uint64_t now = now_ms();
        bool timer_fired = false;
        for (int i = 0; i < n; i++) {
            void *p = evs[i].data.ptr;
            if (p == &ev_marker) {
                uint64_t v;
                while (read(L.evfd, &v, sizeof v) == (ssize_t)sizeof v) {
                }
                pthread_mutex_lock(&L.mutex);
                io_op *in = L.in_head;
                L.in_head = L.in_tail = NULL;
                pthread_mutex_unlock(&L.mutex);
                if (in) {
                    if (L.wait_tail) {
                        L.wait_tail->next = in;
                    } else {
                        L.wait_head = in;
                    }
                    while (in->next) in = in->next;
                    L.wait_tail = in;
                }
            } else if (p == &timer_marker) {
                uint64_t v;
                while (read(L.tfd, &v, sizeof v) == (ssize_t)sizeof v) {
                }
                L.armed = 0;
                timer_fired = true;
            } else {
                io_op *op = p;
                xfer_on_ready(&op->x, evs[i].events, now);
                op_after(op);
            }
        }
        (void)timer_fired;
        now = now_ms();
        while (L.heap_len && L.heap[0]->key <= now) {
            io_op *op = L.heap[0];
            xfer_on_time(&op->x, now);
            if (op->x.phase != X_DONE && op->key == op->x.attempt_deadline &&
                op->x.attempt_deadline <= now) {
                /* Defensive: never spin on a stale deadline. */
                xfer_finish(&op->x, SSPI_IO_TIMEOUT);
            }
            op_after(op);
        }
        if (atomic_exchange(&L.scan, false)) scan_cancelled();
        start_waiting(now);
        if (atomic_load(&L.stop) && L.heap_len == 0 && !L.wait_head) break;
    }
    return NULL;
}

static void loop_init(void) {
    atomic_store(&L.status, SR_INTERNAL);
    struct rlimit rl;
    size_t lim = 1024;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) lim = rl.rlim_cur;
    else if (getrlimit(RLIMIT_NOFILE, &rl) == 0) lim = 1u << 20;
    L.max_open = lim > 256 ? (lim - 128) / 2 : 16;
    L.epfd = epoll_create1(EPOLL_CLOEXEC);
    L.evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    L.tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (L.epfd < 0 || L.evfd < 0 || L.tfd < 0) goto fail;
    struct epoll_event e;
    memset(&e, 0, sizeof e);
    e.events = EPOLLIN;
    e.data.ptr = &ev_marker;
    if (epoll_ctl(L.epfd, EPOLL_CTL_ADD, L.evfd, &e) != 0) goto fail;
    e.data.ptr = &timer_marker;
    if (epoll_ctl(L.epfd, EPOLL_CTL_ADD, L.tfd, &e) != 0) goto fail;
    if (!sr_is_ok(sspi_thread_start(loop_main, NULL, &L.thread))) goto fail;
    atomic_store(&L.status, SR_OK);
    SSPI_LOG(SSPI_LOG_DEBUG, IO_LOG, "event loop started, at most %zu sockets", L.max_open);
    return;
fail:
    SSPI_LOG(SSPI_LOG_ERROR, IO_LOG, "cannot start the event loop (errno %d)", errno);
    if (L.epfd >= 0) close(L.epfd);
    if (L.evfd >= 0) close(L.evfd);
    if (L.tfd >= 0) close(L.tfd);
    L.epfd = L.evfd = L.tfd = -1;
}

static void wake(void) {
    uint64_t one = 1;
    ssize_t w = write(L.evfd, &one, sizeof one);
    (void)w; /* EAGAIN: the counter is already non-zero, the loop wakes */
}

sr sspi_io_start(const sspi_io_request *req, sspi_io_done_fn done, void *arg,
                 const atomic_bool *cancel) {
    SR_ENSURE(done != NULL, SR_INVALID_PARAMETER);
    if (pthread_once(&L.once, loop_init) != 0) return SR_FAIL(SR_INTERNAL);
    int st = atomic_load(&L.status);
    SR_ENSURE(st == SR_OK, (sr_code)st);
    io_op *op = calloc(1, sizeof *op);
    SR_ENSURE(op != NULL, SR_NO_MEMORY);
    xfer_init(&op->x, req); /* may finish at once (bad request, no address) */
    op->done = done;
    op->arg = arg;
    op->cancel = cancel;
    atomic_fetch_add(&L.active, 1);
    pthread_mutex_lock(&L.mutex);
    if (L.in_tail) {
        L.in_tail->next = op;
    } else {
        L.in_head = op;
    }
    L.in_tail = op;
    pthread_mutex_unlock(&L.mutex);
    wake();
    return SR_SUCCESS;
}

void sspi_io_kick(void) {
    if (atomic_load(&L.status) != SR_OK) return; /* never started: nothing to look at */
    atomic_store(&L.scan, true);
    wake();
}

size_t sspi_io_active(void) { return atomic_load(&L.active); }

void sspi_io_shutdown(void) {
    if (atomic_load(&L.status) != SR_OK || atomic_load(&L.active) != 0) return;
    atomic_store(&L.stop, true);
    wake();
    pthread_join(L.thread, NULL);
    atomic_store(&L.status, SR_INTERNAL);
    close(L.epfd);
    close(L.evfd);
    close(L.tfd);
    L.epfd = L.evfd = L.tfd = -1;
    free(L.heap);
    L.heap = NULL;
    L.heap_len = L.heap_cap = 0;
}
