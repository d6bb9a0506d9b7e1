/*
 * White-box tests of the Kerberos package pieces that need no KDC: channel
 * binding hash (RFC 4121 4.1.1.2), RFC 4121 4.1 framing, the 0x8003
 * checksum parser, krb5 error mapping, the KDC exchange engine (AS-REQ out,
 * KRB_ERR_RESPONSE_TOO_BIG -> the same request over TCP) through the
 * transport hook, the blocking transport against local fake KDCs (UDP
 * answer, TCP answer, UDP refused -> TCP), credentials without a KDC, and
 * the SecPkgInfo values. The full AP exchanges run against a real MIT KDC in
 * tests/interop/krb5_gss.sh.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sspi.h>
#include <libsspi_kerberos.h>

#include "core/memory.h"
#include "packages/kerberos/krb5_glue.h"
#include "packages/kerberos/krb_context.h"
#include "packages/kerberos/krb_creds.h"
#include "packages/kerberos/krb_transport.h"
#include "testlib.h"

static char tmpdir[] = "/tmp/test_krb_pkg.XXXXXX";
static char conf_path[256];

/* krb5.conf for realm X.TEST with KDC 127.0.0.1:port. */
static void write_conf(unsigned port) {
    snprintf(conf_path, sizeof conf_path, "%s/krb5.conf", tmpdir);
    FILE *f = fopen(conf_path, "w");
    if (!f) abort();
    fprintf(f,
            "[libdefaults]\n default_realm = X.TEST\n dns_lookup_kdc = false\n"
            " dns_lookup_realm = false\n"
            "[realms]\n X.TEST = {\n  kdc = 127.0.0.1:%u\n }\n",
            port);
    fclose(f);
    setenv("KRB5_CONFIG", conf_path, 1);
}

static void test_bindings_md5(void) {
    uint8_t out[16], zeros[16] = {0};
    CHECK_OK(krb_bindings_md5(NULL, 0, out));
    CHECK_BYTES(out, zeros, 16);

    const char *app = "tls-server-end-point:abc";
    size_t alen = strlen(app);
    uint8_t buf[sizeof(SEC_CHANNEL_BINDINGS) + 64];
    memset(buf, 0, sizeof buf);
    SEC_CHANNEL_BINDINGS *b = (SEC_CHANNEL_BINDINGS *)buf;
    b->cbApplicationDataLength = (ULONG)alen;
    b->dwApplicationDataOffset = sizeof *b;
    memcpy(buf + sizeof *b, app, alen);
    uint8_t want[16];
    test_hex("feb0fffbc725957540b287e8c838dfd9", want, 16);
    CHECK_OK(krb_bindings_md5(b, sizeof *b + alen, out));
    CHECK_BYTES(out, want, 16);

    /* Addresses: initiator 2/127.0.0.1, acceptor 2/127.0.0.2, no data. */
    memset(buf, 0, sizeof buf);
    b->dwInitiatorAddrType = 2;
    b->cbInitiatorLength = 4;
    b->dwInitiatorOffset = sizeof *b;
    b->dwAcceptorAddrType = 2;
    b->cbAcceptorLength = 4;
    b->dwAcceptorOffset = sizeof *b + 4;
    memcpy(buf + sizeof *b, "\x7f\x00\x00\x01\x7f\x00\x00\x02", 8);
    test_hex("a021109b3c4913cc53243a9299e8648c", want, 16);
    CHECK_OK(krb_bindings_md5(b, sizeof *b + 8, out));
    CHECK_BYTES(out, want, 16);

    /* Out of bounds offsets are refused. */
    b->dwAcceptorOffset = 1000;
    CHECK_SR(krb_bindings_md5(b, sizeof *b + 8, out), SR_INVALID_PARAMETER);
    CHECK_SR(krb_bindings_md5(b, 4, out), SR_INVALID_PARAMETER);
}

static void test_framing(void) {
    const uint8_t body[] = {0x6e, 0x03, 0x02, 0x01, 0x05};
    sspi_token t = {0};
    CHECK_OK(krb_frame_token(KRB_TOK_AP_REQ, body, sizeof body, &t));
    uint8_t want[32];
    long wl = test_hex("6012 0609 2a864886f712010202 0100 6e03020105", want, sizeof want);
    REQUIRE(wl > 0);
    CHECK_EQ_INT(t.len, wl);
    CHECK_BYTES(t.data, want, (size_t)wl);
    uint16_t tok = 0;
    const uint8_t *b = NULL;
    size_t bl = 0;
    CHECK_OK(krb_unframe_token(t.data, t.len, &tok, &b, &bl));
    CHECK_EQ_INT(tok, KRB_TOK_AP_REQ);
    CHECK_EQ_INT(bl, sizeof body);
    CHECK(b && memcmp(b, body, sizeof body) == 0);
    /* Microsoft's krb5 OID is accepted, others are not. */
    want[7] = 0x82;
    CHECK_OK(krb_unframe_token(want, (size_t)wl, &tok, &b, &bl));
    want[7] = 0x87;
    CHECK_SR(krb_unframe_token(want, (size_t)wl, &tok, &b, &bl), SR_INVALID_TOKEN);
    /* Truncated / trailing bytes. */
    CHECK_SR(krb_unframe_token(t.data, t.len - 1, &tok, &b, &bl), SR_INVALID_TOKEN);
    free(t.data);
    /* No TOK_ID. */
    long nl = test_hex("600b 0609 2a864886f712010202", want, sizeof want);
    CHECK_SR(krb_unframe_token(want, (size_t)nl, &tok, &b, &bl), SR_INVALID_TOKEN);
}

static void test_cksum_parse(void) {
    uint8_t c[64];
    memset(c, 0, sizeof c);
    c[0] = 16;
    for (int i = 0; i < 16; i++) c[4 + i] = (uint8_t)i;
    c[20] = 0x3e; /* MUTUAL|REPLAY|SEQUENCE|CONF|INTEG */
    krb_gss_cksum ck;
    CHECK_OK(krb_gss_cksum_parse(c, 24, &ck));
    CHECK_EQ_INT(ck.flags, 0x3e);
    CHECK(ck.bnd == c + 4);
    CHECK(!ck.has_deleg);
    CHECK_EQ_INT(ck.exts_len, 0);
    CHECK_SR(krb_gss_cksum_parse(c, 23, &ck), SR_INVALID_TOKEN);
    c[0] = 15;
    CHECK_SR(krb_gss_cksum_parse(c, 24, &ck), SR_INVALID_TOKEN);
    c[0] = 16;
    /* Delegation: DlgOpt 1, Dlgth 3. */
    c[20] = 0x3f;
    c[24] = 1;
    c[26] = 3;
    c[28] = 0x76;
    CHECK_OK(krb_gss_cksum_parse(c, 31, &ck));
    CHECK(ck.has_deleg && ck.deleg == c + 28 && ck.deleg_len == 3);
    CHECK_SR(krb_gss_cksum_parse(c, 30, &ck), SR_INVALID_TOKEN); /* Deleg truncated */
    c[24] = 2;
    CHECK_SR(krb_gss_cksum_parse(c, 31, &ck), SR_INVALID_TOKEN); /* DlgOpt != 1 */
    /* Without DELEG_FLAG the rest is extensions. */
    c[20] = 0x3e;
    CHECK_OK(krb_gss_cksum_parse(c, 31, &ck));
    CHECK(!ck.has_deleg);
    CHECK_EQ_INT(ck.exts_len, 7);
}

static void test_error_map(void) {
    CHECK_EQ_INT(kg_map_error(0), SR_OK);
    CHECK_EQ_INT(kg_map_error(kg_code_ap_err_skew()), SR_TIME_SKEW);
    CHECK_EQ_INT(kg_map_error(kg_code_ap_err_modified()), SR_LOGON_DENIED);
    /* ERROR_TABLE_BASE_krb5 = -1765328384: +24 PREAUTH_FAILED, +7
     * S_PRINCIPAL_UNKNOWN, +6 C_PRINCIPAL_UNKNOWN. KRB5_KDC_UNREACH =
     * -1765328228, KRB5_REALM_UNKNOWN = -1765328230, KRB5_FCC_NOFILE =
     * -1765328189, KRB5_CC_NOTFOUND = -1765328243. */
    CHECK_EQ_INT(kg_map_error(-1765328384 + 24), SR_LOGON_DENIED);
    CHECK_EQ_INT(kg_map_error(-1765328384 + 7), SR_TARGET_UNKNOWN);
    CHECK_EQ_INT(kg_map_error(-1765328384 + 6), SR_LOGON_DENIED);
    CHECK_EQ_INT(kg_map_error(-1765328228), SR_NO_AUTHENTICATING_AUTHORITY);
    CHECK_EQ_INT(kg_map_error(-1765328230), SR_NO_AUTHENTICATING_AUTHORITY);
    CHECK_EQ_INT(kg_map_error(-1765328189), SR_NO_CREDENTIALS);
    CHECK_EQ_INT(kg_map_error(-1765328243), SR_NO_CREDENTIALS);
}

/* ---- the engine through the transport hook ---- */

typedef struct hook_state {
    int calls;
    bool tcp[4];
    size_t len[4];
    uint8_t first[4];
    char realm[4][32];
    kg_buf replies[4];
} hook_state;

static sr hook(void *arg, const char *realm, const uint8_t *req, size_t len, bool tcp_only,
               kg_buf *reply) {
    hook_state *h = arg;
    if (h->calls >= 4) return SR_FAIL(SR_NO_AUTHENTICATING_AUTHORITY);
    int i = h->calls++;
    h->tcp[i] = tcp_only;
    h->len[i] = len;
    h->first[i] = len ? req[0] : 0;
    snprintf(h->realm[i], sizeof h->realm[i], "%s", realm);
    if (!h->replies[i].data) return SR_FAIL(SR_NO_AUTHENTICATING_AUTHORITY);
    *reply = h->replies[i];
    h->replies[i].data = NULL;
    return SR_SUCCESS;
}

static void test_engine_too_big(void) {
    write_conf(9);
    kg_ctx *k = NULL;
    REQUIRE(sr_is_ok(kg_ctx_new(&k)));
    hook_state h;
    memset(&h, 0, sizeof h);
    /* Reply 1: KRB_ERR_RESPONSE_TOO_BIG; reply 2: C_PRINCIPAL_UNKNOWN. */
    CHECK_OK(kg_krb_error_make(k, kg_code_response_too_big(), NULL, &h.replies[0]));
    CHECK_OK(kg_krb_error_make(k, -1765328384 + 6, NULL, &h.replies[1]));
    kg_principal *alice = NULL;
    CHECK_OK(kg_principal_parse(k, "alice", &alice));
    kg_exchange *x = NULL;
    CHECK_OK(kg_as_new(k, alice, "pw", NULL, &x));
    krb_transport_set_hook(hook, &h);
    sr r = x ? krb_transport_run(k, x) : SR_FAIL(SR_INTERNAL);
    krb_transport_set_hook(NULL, NULL);
    CHECK_EQ_INT(r.code, SR_LOGON_DENIED);
    CHECK_EQ_INT(h.calls, 2);
    CHECK_EQ_INT(h.first[0], 0x6a); /* AS-REQ */
    CHECK(strcmp(h.realm[0], "X.TEST") == 0);
    CHECK(!h.tcp[0]);
    CHECK(h.tcp[1]); /* the same request again, over TCP */
    CHECK_EQ_INT(h.len[1], h.len[0]);
    CHECK_EQ_INT(h.first[1], 0x6a);
    kg_exchange_free(x);
    kg_principal_free(k, alice);
    for (int i = 0; i < 4; i++) kg_buf_free(&h.replies[i]);
    kg_ctx_free(k);
}

/* ---- the blocking transport against local fake KDCs ---- */

typedef struct fake_kdc {
    int udp, tcp;
    unsigned port;
    bool udp_answers;
} fake_kdc;

static void *fake_kdc_thread(void *arg) {
    fake_kdc *f = arg;
    for (int served = 0; served < 8; served++) {
        fd_set rs;
        FD_ZERO(&rs);
        if (f->udp >= 0) FD_SET(f->udp, &rs);
        FD_SET(f->tcp, &rs);
        int maxfd = f->udp > f->tcp ? f->udp : f->tcp;
        struct timeval tv = {5, 0};
        if (select(maxfd + 1, &rs, NULL, NULL, &tv) <= 0) break;
        if (f->udp >= 0 && FD_ISSET(f->udp, &rs)) {
            uint8_t buf[2048];
            struct sockaddr_in from;
            socklen_t fl = sizeof from;
            ssize_t n = recvfrom(f->udp, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
            if (n > 0 && n == 5 && memcmp(buf, "QUIT!", 5) == 0) break;
            if (n > 0 && f->udp_answers)
                sendto(f->udp, "UDPREPLY", 8, 0, (struct sockaddr *)&from, fl);
        }
        if (FD_ISSET(f->tcp, &rs)) {
            int c = accept(f->tcp, NULL, NULL);
            if (c < 0) continue;
            uint8_t hdr[4], buf[2048];
            if (recv(c, hdr, 4, MSG_WAITALL) == 4) {
                uint32_t n = (uint32_t)hdr[0] << 24 | hdr[1] << 16 | hdr[2] << 8 | hdr[3];
                if (n <= sizeof buf && recv(c, buf, n, MSG_WAITALL) == (ssize_t)n) {
                    const uint8_t out[] = {0, 0, 0, 8, 'T', 'C', 'P', 'R', 'E', 'P', 'L', 'Y'};
                    send(c, out, sizeof out, MSG_NOSIGNAL);
                }
            }
            close(c);
        }
    }
    return NULL;
}

static bool fake_kdc_start(fake_kdc *f, bool with_udp, bool udp_answers) {
    memset(f, 0, sizeof *f);
    f->udp = -1;
    f->udp_answers = udp_answers;
    f->tcp = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    setsockopt(f->tcp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(f->tcp, (struct sockaddr *)&a, sizeof a) != 0 || listen(f->tcp, 4) != 0) return false;
    socklen_t al = sizeof a;
    getsockname(f->tcp, (struct sockaddr *)&a, &al);
    f->port = ntohs(a.sin_port);
    if (with_udp) {
        f->udp = socket(AF_INET, SOCK_DGRAM, 0);
        if (bind(f->udp, (struct sockaddr *)&a, sizeof a) != 0) return false;
    }
    return true;
}

static void fake_kdc_stop(fake_kdc *f, pthread_t th) {
    /* Wake the thread: a TCP connection that sends nothing ends its select
     * loop after the accept. */
    shutdown(f->tcp, SHUT_RDWR);
    if (f->udp >= 0) {
        int s = socket(AF_INET, SOCK_DGRAM, 0);
        struct sockaddr_in a;
        memset(&a, 0, sizeof a);
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = htons((uint16_t)f->port);
        sendto(s, "QUIT!", 5, 0, (struct sockaddr *)&a, sizeof a);
        close(s);
    }
    pthread_join(th, NULL);
    close(f->tcp);
    if (f->udp >= 0) close(f->udp);
}

static void run_transport_case(bool with_udp, bool udp_answers, bool tcp_only, const char *want,
                               unsigned want_udp, unsigned want_tcp) {
    fake_kdc f;
    REQUIRE(fake_kdc_start(&f, with_udp, udp_answers));
    pthread_t th;
    REQUIRE(pthread_create(&th, NULL, fake_kdc_thread, &f) == 0);
    write_conf(f.port);
    kg_ctx *k = NULL;
    sr r = kg_ctx_new(&k);
    kg_buf reply = {0};
    krb_transport_stats st = {0};
    if (sr_is_ok(r))
        r = krb_kdc_sendto(k, "X.TEST", (const uint8_t *)"hello", 5, tcp_only, &reply, &st);
    CHECK_OK(r);
    CHECK_EQ_INT(reply.len, strlen(want));
    if (reply.data && reply.len == strlen(want)) CHECK(memcmp(reply.data, want, reply.len) == 0);
    CHECK_EQ_INT(st.udp_sent, want_udp);
    CHECK_EQ_INT(st.tcp_sent, want_tcp);
    kg_buf_free(&reply);
    kg_ctx_free(k);
    fake_kdc_stop(&f, th);
}

static void test_transport_udp(void) { run_transport_case(true, true, false, "UDPREPLY", 1, 0); }
static void test_transport_tcp_only(void) {
    run_transport_case(true, true, true, "TCPREPLY", 0, 1);
}
static void test_transport_udp_refused(void) {
    /* No UDP listener: ICMP refused, straight on to TCP. */
    run_transport_case(false, false, false, "TCPREPLY", 1, 1);
}

static void test_transport_no_kdc(void) {
    write_conf(9);
    kg_ctx *k = NULL;
    REQUIRE(sr_is_ok(kg_ctx_new(&k)));
    kg_buf reply = {0};
    /* A realm without KDC entries (no DNS lookups configured). */
    CHECK_SR(krb_kdc_sendto(k, "NOWHERE.TEST", (const uint8_t *)"x", 1, false, &reply, NULL),
             SR_NO_AUTHENTICATING_AUTHORITY);
    kg_ctx_free(k);
}

static void test_dns_srv_parse(void) {
    /* Response: 1 question _kerberos._udp.X.TEST SRV, 3 answers:
     * prio 10 w 5 port 88 kdc2.x.test (name compressed to the question),
     * prio 0 w 0 port 750 kdc1.x.test, one A record (ignored). */
    uint8_t m[512];
    long n = test_hex(
        "1234 8180 0001 0003 0000 0000"
        "095f6b65726265726f73045f756470 0158 0454455354 00 0021 0001" /* question @12 */
        "c00c 0021 0001 00000e10 000d 000a 0005 0058 046b646332 c01b" /* kdc2 + X.TEST (@0x1b) */
        "c00c 0021 0001 00000e10 000d 0000 0000 02ee 046b646331 c01b"
        "c00c 0001 0001 00000e10 0004 7f000001",
        m, sizeof m);
    REQUIRE(n > 0);
    kg_kdc_list l;
    memset(&l, 0, sizeof l);
    CHECK_OK(krb_dns_parse_srv(m, (size_t)n, &l));
    CHECK_EQ_INT(l.count, 2);
    if (l.count == 2) {
        CHECK(strcmp(l.hosts[0], "kdc1.X.TEST") == 0);
        CHECK_EQ_INT(l.ports[0], 750);
        CHECK(strcmp(l.hosts[1], "kdc2.X.TEST") == 0);
        CHECK_EQ_INT(l.ports[1], 88);
    }
    kg_kdc_list_clear(&l);
    /* Truncations are refused, never read past the end. */
    for (long cut = 0; cut < n; cut++) {
        memset(&l, 0, sizeof l);
        sr r = krb_dns_parse_srv(m, (size_t)cut, &l);
        CHECK(r.code == SR_INVALID_TOKEN || (r.code == SR_OK && l.count <= 2));
        kg_kdc_list_clear(&l);
    }
    /* Not a response. */
    m[2] = 0x01;
    memset(&l, 0, sizeof l);
    CHECK_SR(krb_dns_parse_srv(m, (size_t)n, &l), SR_INVALID_TOKEN);
    kg_kdc_list_clear(&l);
}

/* ---- credentials and package ---- */

static void test_creds_password(void) {
    write_conf(9);
    sspi_identity *id = NULL;
    REQUIRE(sr_is_ok(sspi_identity_new("alice@x.test", NULL, "pw", &id)));
    sspi_cred_request req;
    memset(&req, 0, sizeof req);
    req.use = SECPKG_CRED_OUTBOUND;
    req.identity = id;
    krb_creds *c = NULL;
    TimeStamp ts;
    CHECK_OK(krb_creds_acquire(&req, &c, &ts));
    sspi_identity_free(id);
    REQUIRE(c != NULL);
    CHECK(c->private_cc);
    CHECK(!c->have_tgt);
    CHECK(c->client_name && strcmp(c->client_name, "alice@X.TEST") == 0);
    SecPkgCredentials_LibsspiStringA s = {0};
    CHECK_OK(krb_creds_query_attribute(c, SECPKG_CRED_ATTR_LIBSSPI_KRB5_CCACHE, &s, false));
    CHECK(s.sValue && strncmp(s.sValue, "MEMORY:", 7) == 0);
    if (s.sValue) CHECK_OK(sspi_caller_free(s.sValue));
    SecPkgCredentials_NamesA n = {0};
    CHECK_OK(krb_creds_query_attribute(c, SECPKG_CRED_ATTR_NAMES, &n, false));
    CHECK(n.sUserName && strcmp(n.sUserName, "alice@X.TEST") == 0);
    if (n.sUserName) CHECK_OK(sspi_caller_free(n.sUserName));
    /* Keytab attribute: set, query back. */
    const char *kt = "FILE:/nonexistent/test.keytab";
    CHECK_OK(krb_creds_set_attribute(c, SECPKG_CRED_ATTR_LIBSSPI_KRB5_KEYTAB, kt,
                                     (ULONG)strlen(kt) + 1, false));
    CHECK_OK(krb_creds_query_attribute(c, SECPKG_CRED_ATTR_LIBSSPI_KRB5_KEYTAB, &s, false));
    CHECK(s.sValue && strcmp(s.sValue, kt) == 0);
    if (s.sValue) CHECK_OK(sspi_caller_free(s.sValue));
    CHECK_SR(krb_creds_query_attribute(c, 0x7f0001ffUL, &s, false), SR_UNSUPPORTED);
    krb_creds_release(c);
}

static void test_creds_none(void) {
    write_conf(9);
    char cc[300], kt[300];
    snprintf(cc, sizeof cc, "FILE:%s/no_such_ccache", tmpdir);
    snprintf(kt, sizeof kt, "FILE:%s/no_such_keytab", tmpdir);
    setenv("KRB5CCNAME", cc, 1);
    setenv("KRB5_CLIENT_KTNAME", kt, 1);
    sspi_cred_request req;
    memset(&req, 0, sizeof req);
    req.use = SECPKG_CRED_OUTBOUND;
    krb_creds *c = NULL;
    CHECK_SR(krb_creds_acquire(&req, &c, NULL), SR_NO_CREDENTIALS);
    CHECK(c == NULL);
    /* BOTH still gives an acceptor credential. */
    req.use = SECPKG_CRED_BOTH;
    CHECK_OK(krb_creds_acquire(&req, &c, NULL));
    if (c) {
        CHECK(!c->outbound && c->inbound);
        krb_creds_release(c);
    }
}

static void test_package_info(void) {
    const sspi_package *p = &sspi_kerberos_package;
    CHECK(strcmp(p->name, "Kerberos") == 0);
    CHECK(strcmp(p->comment, "Microsoft Kerberos V1.0") == 0);
    CHECK_EQ_INT(p->capabilities, 0x000F3BBF);
    CHECK_EQ_INT(p->version, 1);
    CHECK_EQ_INT(p->rpcid, 16);
    CHECK_EQ_INT(p->max_token, 48000);
}

static void test_target_names(void) {
    write_conf(9);
    kg_ctx *k = NULL;
    REQUIRE(sr_is_ok(kg_ctx_new(&k)));
    const struct {
        const char *in, *want;
    } cases[] = {
        {"HTTP/host.example.com@EXAMPLE.COM", "HTTP/host.example.com@EXAMPLE.COM"},
        {"host/h@X.TEST", "host/h@X.TEST"},
        {"alice@X.TEST", "alice@X.TEST"},
        {"bob", "bob@X.TEST"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kg_principal *p = NULL;
        char *s = NULL;
        CHECK_OK(kg_principal_target(k, cases[i].in, &p));
        if (p) CHECK_OK(kg_principal_unparse(k, p, &s));
        if (s && strcmp(s, cases[i].want) != 0) {
            fprintf(stderr, "target %s -> %s, want %s\n", cases[i].in, s, cases[i].want);
            CHECK(0);
        }
        free(s);
        kg_principal_free(k, p);
    }
    /* "svc/host" without a realm: no [domain_realm] mapping -> referral realm. */
    kg_principal *p = NULL;
    char *realm = NULL;
    CHECK_OK(kg_principal_target(k, "HTTP/web.nowhere.test", &p));
    if (p) CHECK_OK(kg_principal_realm(k, p, &realm));
    CHECK(realm && (strcmp(realm, "") == 0 || strcmp(realm, "X.TEST") == 0));
    free(realm);
    kg_principal_free(k, p);
    CHECK_SR(kg_principal_target(k, "", &p), SR_TARGET_UNKNOWN);
    kg_ctx_free(k);
}

int main(void) {
    if (!mkdtemp(tmpdir)) return 1;
    TEST_RUN(test_bindings_md5);
    TEST_RUN(test_framing);
    TEST_RUN(test_cksum_parse);
    TEST_RUN(test_error_map);
    TEST_RUN(test_engine_too_big);
    TEST_RUN(test_transport_udp);
    TEST_RUN(test_transport_tcp_only);
    TEST_RUN(test_transport_udp_refused);
    TEST_RUN(test_transport_no_kdc);
    TEST_RUN(test_dns_srv_parse);
    TEST_RUN(test_creds_password);
    TEST_RUN(test_creds_none);
    TEST_RUN(test_package_info);
    TEST_RUN(test_target_names);
    unlink(conf_path);
    rmdir(tmpdir);
    return test_summary();
}
