/*
 * KDC transport for the Kerberos package.
 *
 * Sans-I/O split (BearSSL style): the engines are the KDC exchanges of
 * krb5_glue.h (kg_exchange_step says "send these bytes to a KDC of realm R",
 * then takes the reply); nothing in them touches a socket. This file is the
 * small blocking driver used by the synchronous SSPI calls:
 *
 *   krb_transport_run(x):  loop { step(reply) -> request; reply = sendto(request) }
 *
 * krb_kdc_sendto sends one request to the KDCs of a realm (krb_realm_kdcs:
 * [realms] REALM kdc = ... in krb5.conf, else DNS SRV): UDP first (unless the request is larger than
 * udp_preference_limit or the KDC answered KRB_ERR_RESPONSE_TOO_BIG), each
 * KDC in turn with a short wait, two rounds; then TCP (4-byte length
 * framing, RFC 4120 7.2.2). Every wait is bounded: an unreachable realm
 * fails within KRB_KDC_TOTAL_TIMEOUT_MS with SR_NO_AUTHENTICATING_AUTHORITY.
 * An asynchronous API can drive the same engines with its own I/O.
 *
 * KDC negative cache (krb_kdc_cache.h): a realm found to have no KDC, or
 * none of whose KDCs answered, fails every request at once (no DNS, no
 * socket) for SSPI_KDC_NEGATIVE_CACHE_SECONDS (60 s); krb_kdc_sendto and
 * krb_kdc_io_request consult it first, krb_kdc_sendto and krb_client.c's
 * asynchronous exchange fill it (and drop the entry when a KDC answers).
 * The test hook bypasses it.
 */
#ifndef LIBSSPI_KRB_TRANSPORT_H
#define LIBSSPI_KRB_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/result.h"
#include "krb5_glue.h"
#include "krb_kdc_cache.h"

#define KRB_KDC_UDP_WAIT_MS 1000     /* per KDC, per round */
#define KRB_KDC_UDP_ROUNDS 2
#define KRB_KDC_TCP_TIMEOUT_MS 3000  /* connect, and the whole exchange */
#define KRB_KDC_TOTAL_TIMEOUT_MS 8000
#define KRB_KDC_MAX_REPLY (1u << 20)

typedef struct krb_transport_stats {
    unsigned udp_sent, tcp_sent, replies;
} krb_transport_stats;

/* One request to realm's KDCs; *reply is malloc'd. tcp_only skips UDP. */
SR_MUST_CHECK sr krb_kdc_sendto(kg_ctx *k, const char *realm, const uint8_t *req, size_t len,
                                bool tcp_only, kg_buf *reply, krb_transport_stats *stats);

/* Drive an exchange to completion (blocking). */
SR_MUST_CHECK sr krb_transport_run(kg_ctx *k, kg_exchange *x);

/* ---- asynchronous flavour (async/async_io.h) ----------------------------
 * The same exchange as krb_kdc_sendto, as requests for the event loop:
 * phase UDP (every KDC address, KRB_KDC_UDP_ROUNDS passes, KRB_KDC_UDP_WAIT_MS
 * per attempt) unless krb_kdc_udp_first() says TCP only; when no KDC answered
 * over UDP, phase TCP (KRB_KDC_TCP_TIMEOUT_MS per attempt); both phases
 * within one KRB_KDC_TOTAL_TIMEOUT_MS deadline kept by the caller. */
/* Start over UDP? (false: the KDC said RESPONSE_TOO_BIG, or the request is
 * larger than udp_preference_limit). */
bool krb_kdc_udp_first(kg_ctx *k, size_t len, bool tcp_only);
/* The request of one phase for realm's KDCs (req is copied by
 * sspi_io_suspend; out->data points to it). total_ms: what is left of the
 * exchange's deadline. SR_NO_AUTHENTICATING_AUTHORITY when the realm has no
 * KDC (or total_ms is 0). */
struct sspi_io_request;
SR_MUST_CHECK sr krb_kdc_io_request(kg_ctx *k, const char *realm, const uint8_t *req, size_t len,
                                    bool tcp, uint32_t total_ms, struct sspi_io_request *out);
/* Monotonic milliseconds (deadlines of krb_kdc_io_request). */
int64_t krb_now_ms(void);
/* True while a test hook replaces the network (the synchronous driver is
 * used then, even in asynchronous calls). */
bool krb_transport_hooked(void);

/* KDCs of a realm: [realms] REALM kdc entries, else (when [libdefaults]
 * dns_lookup_kdc allows, MIT's default) DNS SRV records
 * _kerberos._udp.REALM / _kerberos._tcp.REALM, by priority then weight.
 * The DNS query is bounded (1 s, 2 tries; a resolver that did not answer
 * the first name is not asked the second: 2 s at most). */
SR_MUST_CHECK sr krb_realm_kdcs(kg_ctx *k, const char *realm, kg_kdc_list *out);

/* Parse a DNS answer (RFC 1035 message) for SRV records (RFC 2782),
 * appended to out sorted by priority, then weight (highest first). Exposed
 * for tests and the fuzzer. SR_INVALID_TOKEN when malformed. */
SR_MUST_CHECK sr krb_dns_parse_srv(const uint8_t *msg, size_t len, kg_kdc_list *out);

/* Test hook: when set, every request goes to this function instead of the
 * network (tcp_only tells which transport the real driver would use). */
typedef sr (*krb_kdc_send_hook)(void *arg, const char *realm, const uint8_t *req, size_t len,
                                bool tcp_only, kg_buf *reply);
void krb_transport_set_hook(krb_kdc_send_hook hook, void *arg);

#endif
