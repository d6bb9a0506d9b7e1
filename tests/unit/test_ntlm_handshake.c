/*
 * NTLM handshake end to end, client and server in one process, through the
 * public SSPI API (AcquireCredentialsHandle / InitializeSecurityContext /
 * AcceptSecurityContext / QueryContextAttributes / message functions), with
 * a temporary gss-ntlmssp style account file.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sspi.h>
#include <libsspi.h>

#include "packages/ntlm/ntlm_context.h"
#include "packages/ntlm/ntlm_crypto.h"
#include "sspi_test_helpers.h"
#include "testlib.h"

/* Pull the package out of the static library (the registry refers to it
 * weakly). */
const sspi_package *const test_ntlm_pkg_ref = &sspi_ntlm_package;

#define PKG ((SEC_CHAR *)"NTLM")
#define PASSWORD "Passw0rd!"
#define TOKMAX 4096

/* ---- helpers ------------------------------------------------------------ */

static char *write_file(const char *content) {
    return test_temp_file("/tmp/test_ntlm_usersXXXXXX", content);
}

static void drop_file(char *path) { test_drop_file(path); }

static SECURITY_STATUS client_creds_flags(const char *user, const char *domain,
                                          const char *password, ULONG flags, CredHandle *out) {
    SEC_WINNT_AUTH_IDENTITY_A id;
    th_identity_a(&id, user, domain, password, flags);
    TimeStamp exp;
    return AcquireCredentialsHandleA(NULL, PKG, SECPKG_CRED_OUTBOUND, NULL, &id, NULL, NULL, out,
                                     &exp);
}

static SECURITY_STATUS client_creds(const char *user, const char *domain, const char *password,
                                    CredHandle *out) {
    return client_creds_flags(user, domain, password, 0, out);
}

static SECURITY_STATUS set_ulong(CredHandle *c, ULONG attr, ULONG v) {
    return SetCredentialsAttributesA(c, attr, &v, sizeof v);
}

static SECURITY_STATUS server_creds(const char *file, CredHandle *out) {
    TimeStamp exp;
    SECURITY_STATUS s = AcquireCredentialsHandleA(NULL, PKG, SECPKG_CRED_INBOUND, NULL, NULL, NULL,
                                                  NULL, out, &exp);
    if (s != SEC_E_OK || !file) return s;
    return SetCredentialsAttributesA(out, SECPKG_CRED_ATTR_LIBSSPI_NTLM_USER_FILE, (void *)file,
                                     (ULONG)strlen(file) + 1);
}

typedef struct hs_opts {
    ULONG isc_req, asc_req;
    const char *target;
    const cbt_buf *cli_cb, *srv_cb;
    void (*tamper)(uint8_t *auth, ULONG len);
} hs_opts;

/* What a call left in *pfContextAttr is checked after EVERY call: each one
 * starts from this value, which no step may leave behind. */
#define ATTR_UNSET 0xA5A5A5A5u

typedef struct hs {
    SECURITY_STATUS cli1, srv1, cli2, srv2;
    ULONG cattr, sattr;
    ULONG cattr1, sattr1, cattr2, sattr2; /* after each call */
    CtxtHandle cctx, sctx;
    bool have_cctx, have_sctx;
    uint8_t auth[TOKMAX];
    ULONG auth_len;
} hs;

static ULONG default_req(void) {
    return ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | ISC_REQ_REPLAY_DETECT |
           ISC_REQ_SEQUENCE_DETECT | ISC_REQ_CONNECTION;
}

static void add_cbt(SecBufferDesc *d, SecBuffer *b, const cbt_buf *cb) {
    if (!cb) return;
    b[1].BufferType = SECBUFFER_CHANNEL_BINDINGS;
    b[1].pvBuffer = (void *)cb->bytes;
    b[1].cbBuffer = cb->len;
    d->cBuffers = 2;
}

static void handshake(CredHandle *cc, CredHandle *sc, const hs_opts *o, hs *h) {
    memset(h, 0, sizeof *h);
    h->cli1 = h->srv1 = h->cli2 = h->srv2 = (SECURITY_STATUS)0x7fffffff;
    ULONG ireq = o && o->isc_req ? o->isc_req : default_req();
    ULONG areq = o && o->asc_req ? o->asc_req : (ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY |
                                                 ASC_REQ_REPLAY_DETECT | ASC_REQ_SEQUENCE_DETECT |
                                                 ASC_REQ_CONNECTION);
    SEC_CHAR *target = (SEC_CHAR *)(o && o->target ? o->target : "HTTP/server.example.com");
    uint8_t t1[TOKMAX], t2[TOKMAX];
    SecBuffer ob[2], ib[2];
    SecBufferDesc od, id;
    TimeStamp exp;

    h->cattr1 = h->sattr1 = h->cattr2 = h->sattr2 = ATTR_UNSET;
    th_desc1(&od, ob, t1, sizeof t1);
    h->cattr = ATTR_UNSET;
    h->cli1 = InitializeSecurityContextA(cc, NULL, target, ireq, 0, SECURITY_NATIVE_DREP, NULL, 0,
                                         &h->cctx, &od, &h->cattr, &exp);
    h->cattr1 = h->cattr;
    if (h->cli1 != SEC_I_CONTINUE_NEEDED) return;
    h->have_cctx = true;

    th_desc1(&id, ib, t1, ob[0].cbBuffer);
    th_desc1(&od, ob, t2, sizeof t2);
    h->sattr = ATTR_UNSET;
    h->srv1 = AcceptSecurityContext(sc, NULL, &id, areq, SECURITY_NATIVE_DREP, &h->sctx, &od,
                                    &h->sattr, &exp);
    h->sattr1 = h->sattr;
    if (h->srv1 != SEC_I_CONTINUE_NEEDED) return;
    h->have_sctx = true;

    th_desc1(&id, ib, t2, ob[0].cbBuffer);
    add_cbt(&id, ib, o ? o->cli_cb : NULL);
    th_desc1(&od, ob, h->auth, sizeof h->auth);
    h->cattr = ATTR_UNSET;
    h->cli2 = InitializeSecurityContextA(cc, &h->cctx, target, ireq, 0, SECURITY_NATIVE_DREP, &id,
                                         0, &h->cctx, &od, &h->cattr, &exp);
    h->cattr2 = h->cattr;
    if (h->cli2 != SEC_E_OK) return;
    h->auth_len = ob[0].cbBuffer;
    if (o && o->tamper) o->tamper(h->auth, h->auth_len);

    th_desc1(&id, ib, h->auth, h->auth_len);
    add_cbt(&id, ib, o ? o->srv_cb : NULL);
    th_desc1(&od, ob, t1, sizeof t1);
    h->sattr = ATTR_UNSET;
    h->srv2 = AcceptSecurityContext(sc, &h->sctx, &id, areq, SECURITY_NATIVE_DREP, &h->sctx, &od,
                                    &h->sattr, &exp);
    h->sattr2 = h->sattr;
}

static void hs_free(hs *h) {
    if (h->have_cctx) (void)DeleteSecurityContext(&h->cctx);
    if (h->have_sctx) (void)DeleteSecurityContext(&h->sctx);
    h->have_cctx = h->have_sctx = false;
}

/* The end of a test handshake: contexts and both credentials. */
static void hs_done(hs *h, CredHandle *cc, CredHandle *sc) {
    hs_free(h);
    FreeCredentialsHandle(cc);
    FreeCredentialsHandle(sc);
}

/* One full handshake with the given client identity against a server using
 * `file`; returns the server's final status. */
static SECURITY_STATUS run_simple(const char *file, const char *user, const char *domain,
                                  const char *password) {
    CredHandle cc, sc;
    if (client_creds(user, domain, password, &cc) != SEC_E_OK) return (SECURITY_STATUS)1;
    if (server_creds(file, &sc) != SEC_E_OK) {
        FreeCredentialsHandle(&cc);
        return (SECURITY_STATUS)2;
    }
    hs h;
    handshake(&cc, &sc, NULL, &h);
    SECURITY_STATUS s = h.cli2 != SEC_E_OK ? h.cli2 : h.srv2;
    hs_free(&h);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
    return s;
}

static const char *accounts =
    "# test accounts\n"
    "\n"
    "DOM:alice:" PASSWORD "\n"
    "this line is malformed\n"
    ":bob:bob-secret:with:colons\r\n"
    "DOM:hashed:$NT$a4f49c406510bdcab6824ee7c30fd852\n" /* NTOWFv1("Password") */
    "DOM:blank:\n"
    "dom.example:carol:carol-pw\n";

/* ---- tests -------------------------------------------------------------- */

static void sign_and_seal(CtxtHandle *from, CtxtHandle *to) {
    char msg[] = "hello, NTLM";
    uint8_t sig[16];
    SecBuffer b[2];
    SecBufferDesc d;
    th_data_token(&d, b, msg, sizeof msg, sig, sizeof sig);
    CHECK_EQ_INT(MakeSignature(from, 0, &d, 0), SEC_E_OK);
    ULONG qop = 0;
    CHECK_EQ_INT(VerifySignature(to, &d, 0, &qop), SEC_E_OK);

    char plain[] = "secret payload";
    char buf[sizeof plain];
    memcpy(buf, plain, sizeof plain);
    b[0].pvBuffer = buf;
    b[0].cbBuffer = sizeof buf;
    b[1].cbBuffer = sizeof sig;
    CHECK_EQ_INT(EncryptMessage(from, 0, &d, 0), SEC_E_OK);
    CHECK(memcmp(buf, plain, sizeof plain) != 0);
    CHECK_EQ_INT(DecryptMessage(to, &d, 0, &qop), SEC_E_OK);
    CHECK(memcmp(buf, plain, sizeof plain) == 0);

    /* Last: a tampered message is refused (the RC4 stream of the receiving
     * direction is then out of step, as on Windows). */
    b[0].pvBuffer = msg;
    b[0].cbBuffer = sizeof msg;
    b[1].cbBuffer = sizeof sig;
    CHECK_EQ_INT(MakeSignature(from, 0, &d, 0), SEC_E_OK);
    msg[0] ^= 1;
    CHECK_EQ_INT(VerifySignature(to, &d, 0, &qop), SEC_E_MESSAGE_ALTERED);
}

static void test_v2_success(void) {
    char *file = write_file(accounts);
    REQUIRE(file);
    CredHandle cc, sc;
    REQUIRE(client_creds("alice", "DOM", PASSWORD, &cc) == SEC_E_OK);
    REQUIRE(server_creds(file, &sc) == SEC_E_OK);
    hs h;
    handshake(&cc, &sc, NULL, &h);
    CHECK_EQ_INT(h.cli1, SEC_I_CONTINUE_NEEDED);
    CHECK_EQ_INT(h.srv1, SEC_I_CONTINUE_NEEDED);
    CHECK_EQ_INT(h.cli2, SEC_E_OK);
    CHECK_EQ_INT(h.srv2, SEC_E_OK);
    /* *pfContextAttr after every call, not only the last: the requested
     * protections (and nothing unrequested, e.g. no ALLOCATED_MEMORY). */
    const ULONG want_c = ISC_RET_CONFIDENTIALITY | ISC_RET_INTEGRITY | ISC_RET_REPLAY_DETECT |
                         ISC_RET_SEQUENCE_DETECT | ISC_RET_CONNECTION;
    const ULONG want_s = ASC_RET_CONFIDENTIALITY | ASC_RET_INTEGRITY | ASC_RET_REPLAY_DETECT |
                         ASC_RET_SEQUENCE_DETECT | ASC_RET_CONNECTION;
    CHECK_EQ_INT(h.cattr1, want_c);
    CHECK_EQ_INT(h.sattr1, want_s);
    CHECK_EQ_INT(h.cattr2, want_c);
    CHECK_EQ_INT(h.sattr2, want_s);
    CHECK(h.cattr & ISC_RET_CONFIDENTIALITY);
    CHECK(h.cattr & ISC_RET_INTEGRITY);
    CHECK(h.cattr & ISC_RET_REPLAY_DETECT);
    CHECK(h.cattr & ISC_RET_SEQUENCE_DETECT);
    CHECK(h.sattr & ASC_RET_CONFIDENTIALITY);
    CHECK(h.sattr & ASC_RET_INTEGRITY);
    CHECK(!(h.sattr & ASC_RET_NULL_SESSION));
    /* NTLMv2 with MIC: the AUTHENTICATE header has VERSION and MIC (88). */
    CHECK(h.auth_len > 88);
    if (h.srv2 == SEC_E_OK) {
        SecPkgContext_SessionKey ck, sk;
        CHECK_EQ_INT(QueryContextAttributesA(&h.cctx, SECPKG_ATTR_SESSION_KEY, &ck), SEC_E_OK);
        CHECK_EQ_INT(QueryContextAttributesA(&h.sctx, SECPKG_ATTR_SESSION_KEY, &sk), SEC_E_OK);
        CHECK_EQ_INT(ck.SessionKeyLength, 16);
        CHECK(ck.SessionKeyLength == sk.SessionKeyLength &&
              memcmp(ck.SessionKey, sk.SessionKey, 16) == 0);
        FreeContextBuffer(ck.SessionKey);
        FreeContextBuffer(sk.SessionKey);
        SecPkgContext_NamesA n;
        CHECK_EQ_INT(QueryContextAttributesA(&h.sctx, SECPKG_ATTR_NAMES, &n), SEC_E_OK);
        CHECK(strcmp(n.sUserName, "DOM\\alice") == 0);
        FreeContextBuffer(n.sUserName);
        CHECK_EQ_INT(QueryContextAttributesA(&h.cctx, SECPKG_ATTR_NAMES, &n), SEC_E_OK);
        CHECK(strcmp(n.sUserName, "DOM\\alice") == 0);
        FreeContextBuffer(n.sUserName);
        sign_and_seal(&h.cctx, &h.sctx); /* client -> server */
        sign_and_seal(&h.sctx, &h.cctx); /* server -> client (other RC4 streams) */
    }
    hs_free(&h);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
    drop_file(file);
}

static void test_wrong_password_unknown_user(void) {
    char *file = write_file(accounts);
    REQUIRE(file);
    CHECK_EQ_INT(run_simple(file, "alice", "DOM", "wrong"), SEC_E_LOGON_DENIED);
    CHECK_EQ_INT(run_simple(file, "mallory", "DOM", PASSWORD), SEC_E_LOGON_DENIED);
    CHECK_EQ_INT(run_simple(file, "alice", "OTHERDOM", PASSWORD), SEC_E_LOGON_DENIED);
    /* Case-insensitive names; empty-domain entry matches any domain. */
    CHECK_EQ_INT(run_simple(file, "ALICE", "dom", PASSWORD), SEC_E_OK);
    CHECK_EQ_INT(run_simple(file, "bob", "ANYWHERE", "bob-secret:with:colons"), SEC_E_OK);
    drop_file(file);
    char *empty = write_file("");
    REQUIRE(empty);
    CHECK_EQ_INT(run_simple(empty, "alice", "DOM", PASSWORD), SEC_E_LOGON_DENIED);
    drop_file(empty);
    /* No account source at all. */
    unsetenv("NTLM_USER_FILE");
    CHECK_EQ_INT(run_simple(NULL, "alice", "DOM", PASSWORD), SEC_E_LOGON_DENIED);
}

static void test_pass_the_hash(void) {
    char *file = write_file(accounts);
    REQUIRE(file);
    uint8_t h[16];
    REQUIRE(sr_is_ok(ntlm_nt_hash(PASSWORD, strlen(PASSWORD), h)));
    char hex[33];
    for (int i = 0; i < 16; i++) snprintf(hex + 2 * i, 3, "%02x", h[i]);
    CredHandle cc, sc;
    REQUIRE(client_creds_flags("alice", "DOM", hex, SEC_WINNT_AUTH_IDENTITY_LIBSSPI_NT_HASH, &cc) ==
            SEC_E_OK);
    REQUIRE(server_creds(file, &sc) == SEC_E_OK);
    hs r;
    handshake(&cc, &sc, NULL, &r);
    CHECK_EQ_INT(r.srv2, SEC_E_OK);
    hs_done(&r, &cc, &sc);
    /* Server side hash entry ($NT$). */
    CHECK_EQ_INT(run_simple(file, "hashed", "DOM", "Password"), SEC_E_OK);
    CHECK_EQ_INT(run_simple(file, "hashed", "DOM", "password"), SEC_E_LOGON_DENIED);
    drop_file(file);
}

static void test_name_forms(void) {
    char *file = write_file(accounts);
    REQUIRE(file);
    CHECK_EQ_INT(run_simple(file, "DOM\\alice", NULL, PASSWORD), SEC_E_OK);
    CHECK_EQ_INT(run_simple(file, "carol@dom.example", NULL, "carol-pw"), SEC_E_OK);
    CHECK_EQ_INT(run_simple(file, "carol@dom.example", NULL, "bad"), SEC_E_LOGON_DENIED);
    drop_file(file);
}

static void test_empty_password(void) {
    char *file = write_file(accounts);
    REQUIRE(file);
    CHECK_EQ_INT(run_simple(file, "blank", "DOM", ""), SEC_E_LOGON_DENIED);
    CredHandle cc, sc;
    REQUIRE(client_creds("blank", "DOM", "", &cc) == SEC_E_OK);
    REQUIRE(server_creds(file, &sc) == SEC_E_OK);
    CHECK_EQ_INT(set_ulong(&sc, SECPKG_CRED_ATTR_LIBSSPI_ALLOW_EMPTY_PASSWORD, 1), SEC_E_OK);
    hs r;
    handshake(&cc, &sc, NULL, &r);
    CHECK_EQ_INT(r.srv2, SEC_E_OK);
    hs_done(&r, &cc, &sc);
    drop_file(file);
}

static void test_anonymous(void) {
    char *file = write_file(accounts);
    REQUIRE(file);
    CredHandle cc, sc;
    REQUIRE(client_creds("", "", "", &cc) == SEC_E_OK);
    REQUIRE(server_creds(file, &sc) == SEC_E_OK);
    hs r;
    handshake(&cc, &sc, NULL, &r);
    CHECK_EQ_INT(r.cli2, SEC_E_OK);
    CHECK_EQ_INT(r.srv2, SEC_E_LOGON_DENIED);
    hs_free(&r);
    CHECK_EQ_INT(set_ulong(&sc, SECPKG_CRED_ATTR_LIBSSPI_ALLOW_ANONYMOUS, 1), SEC_E_OK);
    handshake(&cc, &sc, NULL, &r);
    CHECK_EQ_INT(r.srv2, SEC_E_OK);
    CHECK(r.sattr & ASC_RET_NULL_SESSION);
    /* Every call wrote *pfContextAttr: the client knows it is anonymous
     * from its first call on, the server once the AUTHENTICATE came. */
    CHECK(r.cattr1 != ATTR_UNSET && (r.cattr1 & ISC_RET_NULL_SESSION));
    CHECK(r.cattr2 != ATTR_UNSET && (r.cattr2 & ISC_RET_NULL_SESSION));
    CHECK(r.sattr1 != ATTR_UNSET && !(r.sattr1 & ASC_RET_NULL_SESSION));
    CHECK(r.sattr2 != ATTR_UNSET && (r.sattr2 & ASC_RET_NULL_SESSION));
    CHECK(r.cattr & ISC_RET_NULL_SESSION);
    if (r.srv2 == SEC_E_OK) {
        SecPkgContext_NamesA n;
        CHECK_EQ_INT(QueryContextAttributesA(&r.sctx, SECPKG_ATTR_NAMES, &n), SEC_E_OK);
        CHECK(strcmp(n.sUserName, "NT AUTHORITY\\ANONYMOUS LOGON") == 0);
        FreeContextBuffer(n.sUserName);
    }
    hs_done(&r, &cc, &sc);
    drop_file(file);
}

static SECURITY_STATUS run_levels(const char *file, ULONG client_level, ULONG server_level) {
    CredHandle cc, sc;
    if (client_creds("alice", "DOM", PASSWORD, &cc) != SEC_E_OK) return 1;
    if (server_creds(file, &sc) != SEC_E_OK) return 2;
    if (set_ulong(&cc, SECPKG_CRED_ATTR_LIBSSPI_LM_COMPAT_LEVEL, client_level) != SEC_E_OK) return 3;
    if (set_ulong(&sc, SECPKG_CRED_ATTR_LIBSSPI_LM_COMPAT_LEVEL, server_level) != SEC_E_OK) return 4;
    hs r;
    handshake(&cc, &sc, NULL, &r);
    SECURITY_STATUS s = r.cli2 != SEC_E_OK ? r.cli2 : r.srv2;
    if (s == SEC_E_OK) sign_and_seal(&r.cctx, &r.sctx);
    hs_done(&r, &cc, &sc);
    return s;
}

static void test_lm_compat(void) {
    char *file = write_file(accounts);
    REQUIRE(file);
    CHECK_EQ_INT(run_levels(file, 0, 3), SEC_E_OK);
    CHECK_EQ_INT(run_levels(file, 2, 3), SEC_E_OK);
    CHECK_EQ_INT(run_levels(file, 2, 4), SEC_E_OK);
    CHECK_EQ_INT(run_levels(file, 2, 5), SEC_E_LOGON_DENIED);
    CHECK_EQ_INT(run_levels(file, 5, 5), SEC_E_OK);
    CredHandle cc;
    REQUIRE(client_creds("alice", "DOM", PASSWORD, &cc) == SEC_E_OK);
    CHECK_EQ_INT(set_ulong(&cc, SECPKG_CRED_ATTR_LIBSSPI_LM_COMPAT_LEVEL, 6),
                 SEC_E_INVALID_PARAMETER);
    FreeCredentialsHandle(&cc);
    drop_file(file);
}

static SECURITY_STATUS run_cbt(const char *file, const cbt_buf *cli, const cbt_buf *srv,
                               ULONG policy) {
    CredHandle cc, sc;
    if (client_creds("alice", "DOM", PASSWORD, &cc) != SEC_E_OK) return 1;
    if (server_creds(file, &sc) != SEC_E_OK) return 2;
    if (set_ulong(&sc, SECPKG_CRED_ATTR_LIBSSPI_CBT_POLICY, policy) != SEC_E_OK) return 3;
    hs_opts o;
    memset(&o, 0, sizeof o);
    o.cli_cb = cli;
    o.srv_cb = srv;
    hs r;
    handshake(&cc, &sc, &o, &r);
    SECURITY_STATUS s = r.cli2 != SEC_E_OK ? r.cli2 : r.srv2;
    hs_done(&r, &cc, &sc);
    return s;
}

static void test_channel_bindings(void) {
    char *file = write_file(accounts);
    REQUIRE(file);
    cbt_buf a, b;
    make_cbt(&a, "tls-server-end-point:AAAA");
    make_cbt(&b, "tls-server-end-point:BBBB");
    CHECK_EQ_INT(run_cbt(file, &a, &a, LIBSSPI_CBT_WHEN_SUPPORTED), SEC_E_OK);
    CHECK_EQ_INT(run_cbt(file, &a, &b, LIBSSPI_CBT_WHEN_SUPPORTED), SEC_E_BAD_BINDINGS);
    CHECK_EQ_INT(run_cbt(file, NULL, &a, LIBSSPI_CBT_WHEN_SUPPORTED), SEC_E_OK);
    CHECK_EQ_INT(run_cbt(file, NULL, &a, LIBSSPI_CBT_REQUIRED), SEC_E_BAD_BINDINGS);
    CHECK_EQ_INT(run_cbt(file, &a, &a, LIBSSPI_CBT_REQUIRED), SEC_E_OK);
    CHECK_EQ_INT(run_cbt(file, &a, &b, LIBSSPI_CBT_REQUIRED), SEC_E_BAD_BINDINGS);
    CHECK_EQ_INT(run_cbt(file, &a, &b, LIBSSPI_CBT_OFF), SEC_E_OK);
    CHECK_EQ_INT(run_cbt(file, &a, NULL, LIBSSPI_CBT_WHEN_SUPPORTED), SEC_E_OK);
    drop_file(file);
}

static void flip_mic(uint8_t *auth, ULONG len) {
    if (len > 80) auth[75] ^= 0x01;
}
static void flip_flags(uint8_t *auth, ULONG len) {
    if (len > 64) auth[60] &= (uint8_t)~0x20; /* drop NEGOTIATE_SEAL */
}
static void zero_mic(uint8_t *auth, ULONG len) {
    if (len > 88) memset(auth + 72, 0, 16);
}

static void test_tampering(void) {
    char *file = write_file(accounts);
    REQUIRE(file);
    CredHandle cc, sc;
    REQUIRE(client_creds("alice", "DOM", PASSWORD, &cc) == SEC_E_OK);
    REQUIRE(server_creds(file, &sc) == SEC_E_OK);
    void (*tampers[])(uint8_t *, ULONG) = {flip_mic, flip_flags, zero_mic};
    for (size_t i = 0; i < sizeof tampers / sizeof tampers[0]; i++) {
        hs_opts o;
        memset(&o, 0, sizeof o);
        o.tamper = tampers[i];
        hs r;
        handshake(&cc, &sc, &o, &r);
        CHECK_EQ_INT(r.cli2, SEC_E_OK);
        CHECK_EQ_INT(r.srv2, SEC_E_LOGON_DENIED);
        hs_free(&r);
    }
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
    drop_file(file);
}

static void test_replay(void) {
    char *file = write_file(accounts);
    REQUIRE(file);
    CredHandle cc, sc;
    REQUIRE(client_creds("alice", "DOM", PASSWORD, &cc) == SEC_E_OK);
    REQUIRE(server_creds(file, &sc) == SEC_E_OK);
    hs r;
    handshake(&cc, &sc, NULL, &r);
    REQUIRE(r.srv2 == SEC_E_OK);
    /* Same AUTHENTICATE again on the completed context. */
    SecBuffer ib[1], ob[1];
    SecBufferDesc id, od;
    uint8_t out[TOKMAX];
    ULONG attr;
    TimeStamp exp;
    th_desc1(&id, ib, r.auth, r.auth_len);
    th_desc1(&od, ob, out, sizeof out);
    CHECK(AcceptSecurityContext(&sc, &r.sctx, &id, 0, SECURITY_NATIVE_DREP, &r.sctx, &od, &attr,
                                &exp) != SEC_E_OK);
    /* And on a new server context with its own challenge. */
    hs r2;
    handshake(&cc, &sc, NULL, &r2);
    REQUIRE(r2.srv1 == SEC_I_CONTINUE_NEEDED);
    CtxtHandle s2 = r2.sctx;
    hs_free(&r2); /* deletes r2's contexts, make a fresh pair below */
    (void)s2;
    CtxtHandle cctx, sctx;
    uint8_t t1[TOKMAX], t2[TOKMAX];
    th_desc1(&od, ob, t1, sizeof t1);
    REQUIRE(InitializeSecurityContextA(&cc, NULL, NULL, 0, 0, SECURITY_NATIVE_DREP, NULL, 0, &cctx,
                                       &od, &attr, &exp) == SEC_I_CONTINUE_NEEDED);
    th_desc1(&id, ib, t1, ob[0].cbBuffer);
    th_desc1(&od, ob, t2, sizeof t2);
    REQUIRE(AcceptSecurityContext(&sc, NULL, &id, 0, SECURITY_NATIVE_DREP, &sctx, &od, &attr,
                                  &exp) == SEC_I_CONTINUE_NEEDED);
    th_desc1(&id, ib, r.auth, r.auth_len);
    th_desc1(&od, ob, out, sizeof out);
    CHECK_EQ_INT(AcceptSecurityContext(&sc, &sctx, &id, 0, SECURITY_NATIVE_DREP, &sctx, &od,
                                       &attr, &exp),
                 SEC_E_LOGON_DENIED);
    DeleteSecurityContext(&cctx);
    DeleteSecurityContext(&sctx);
    hs_done(&r, &cc, &sc);
    drop_file(file);
}

static void test_allocate_memory(void) {
    CredHandle cc;
    REQUIRE(client_creds("alice", "DOM", PASSWORD, &cc) == SEC_E_OK);
    CtxtHandle ctx;
    SecBuffer ob[1];
    SecBufferDesc od;
    ULONG attr = 0;
    TimeStamp exp;
    th_desc1(&od, ob, NULL, 0);
    CHECK_EQ_INT(InitializeSecurityContextA(&cc, NULL, NULL, ISC_REQ_ALLOCATE_MEMORY, 0,
                                            SECURITY_NATIVE_DREP, NULL, 0, &ctx, &od, &attr, &exp),
                 SEC_I_CONTINUE_NEEDED);
    CHECK(attr & ISC_RET_ALLOCATED_MEMORY);
    CHECK(ob[0].pvBuffer != NULL && ob[0].cbBuffer >= 32);
    if (ob[0].pvBuffer) {
        CHECK(memcmp(ob[0].pvBuffer, "NTLMSSP\0\1\0\0\0", 12) == 0);
        uint32_t flags;
        memcpy(&flags, (uint8_t *)ob[0].pvBuffer + 12, 4);
        CHECK_EQ_INT(flags, 0xe2088297u); /* as Windows 10 without CONFIDENTIALITY */
        CHECK_EQ_INT(FreeContextBuffer(ob[0].pvBuffer), SEC_E_OK);
    }
    DeleteSecurityContext(&ctx);
    uint8_t small[8];
    th_desc1(&od, ob, small, sizeof small);
    CHECK_EQ_INT(InitializeSecurityContextA(&cc, NULL, NULL, 0, 0, SECURITY_NATIVE_DREP, NULL, 0,
                                            &ctx, &od, &attr, &exp),
                 SEC_E_BUFFER_TOO_SMALL);
    FreeCredentialsHandle(&cc);
}

static void test_default_credentials(void) {
    CredHandle cc;
    TimeStamp exp;
    unsetenv("NTLM_USER_FILE");
    CHECK_EQ_INT(AcquireCredentialsHandleA(NULL, PKG, SECPKG_CRED_OUTBOUND, NULL, NULL, NULL, NULL,
                                           &cc, &exp),
                 SEC_E_NO_CREDENTIALS);
    char *file = write_file(accounts);
    REQUIRE(file);
    setenv("NTLM_USER_FILE", file, 1);
    REQUIRE(AcquireCredentialsHandleA(NULL, PKG, SECPKG_CRED_OUTBOUND, NULL, NULL, NULL, NULL, &cc,
                                      &exp) == SEC_E_OK);
    SecPkgCredentials_NamesA cn;
    CHECK_EQ_INT(QueryCredentialsAttributesA(&cc, SECPKG_CRED_ATTR_NAMES, &cn), SEC_E_OK);
    if (cn.sUserName) {
        CHECK(strcmp(cn.sUserName, "DOM\\alice") == 0);
        FreeContextBuffer(cn.sUserName);
    }
    CredHandle sc;
    /* The server takes NTLM_USER_FILE from the environment too. */
    REQUIRE(server_creds(NULL, &sc) == SEC_E_OK);
    hs r;
    handshake(&cc, &sc, NULL, &r);
    CHECK_EQ_INT(r.srv2, SEC_E_OK);
    hs_done(&r, &cc, &sc);
    unsetenv("NTLM_USER_FILE");
    drop_file(file);
}

static int hash_cb(void *arg, const char *user, const char *domain, unsigned char nt_hash[16]) {
    int *calls = arg;
    (*calls)++;
    (void)domain;
    if (strcmp(user, "dave") != 0) return 1;
    return sr_is_ok(ntlm_nt_hash("dave-pw", 7, nt_hash)) ? 0 : 1;
}

static void test_hash_callback(void) {
    int calls = 0;
    CredHandle cc, sc;
    REQUIRE(client_creds("dave", "ANY", "dave-pw", &cc) == SEC_E_OK);
    REQUIRE(server_creds(NULL, &sc) == SEC_E_OK);
    LIBSSPI_NTLM_HASH_CALLBACK cb = {hash_cb, &calls};
    CHECK_EQ_INT(SetCredentialsAttributesA(&sc, SECPKG_CRED_ATTR_LIBSSPI_NTLM_HASH_CALLBACK, &cb,
                                           sizeof cb),
                 SEC_E_OK);
    hs r;
    handshake(&cc, &sc, NULL, &r);
    CHECK_EQ_INT(r.srv2, SEC_E_OK);
    CHECK(calls >= 1);
    hs_done(&r, &cc, &sc);
}

static void test_attributes(void) {
    char *file = write_file(accounts);
    REQUIRE(file);
    CredHandle cc, sc;
    REQUIRE(client_creds("alice", "DOM", PASSWORD, &cc) == SEC_E_OK);
    REQUIRE(server_creds(file, &sc) == SEC_E_OK);

    /* Before completion. */
    CtxtHandle early;
    uint8_t t1[TOKMAX];
    SecBuffer ob[1];
    SecBufferDesc od;
    ULONG attr;
    TimeStamp exp;
    th_desc1(&od, ob, t1, sizeof t1);
    REQUIRE(InitializeSecurityContextA(&cc, NULL, NULL, 0, 0, SECURITY_NATIVE_DREP, NULL, 0, &early,
                                       &od, &attr, &exp) == SEC_I_CONTINUE_NEEDED);
    SecPkgContext_SessionKey sk;
    CHECK_EQ_INT(QueryContextAttributesA(&early, SECPKG_ATTR_SESSION_KEY, &sk), SEC_E_NO_CONTEXT);
    SecPkgContext_NegotiationInfoA ni;
    CHECK_EQ_INT(QueryContextAttributesA(&early, SECPKG_ATTR_NEGOTIATION_INFO, &ni), SEC_E_OK);
    CHECK_EQ_INT(ni.NegotiationState, SECPKG_NEGOTIATION_IN_PROGRESS);
    FreeContextBuffer(ni.PackageInfo);
    DeleteSecurityContext(&early);

    hs r;
    handshake(&cc, &sc, NULL, &r);
    REQUIRE(r.srv2 == SEC_E_OK);
    CtxtHandle *both[2] = {&r.cctx, &r.sctx};
    for (int i = 0; i < 2; i++) {
        CtxtHandle *c = both[i];
        SecPkgContext_Sizes sz;
        CHECK_EQ_INT(QueryContextAttributesA(c, SECPKG_ATTR_SIZES, &sz), SEC_E_OK);
        CHECK_EQ_INT(sz.cbMaxToken, 2888);
        CHECK_EQ_INT(sz.cbMaxSignature, 16);
        CHECK_EQ_INT(sz.cbBlockSize, 0);
        CHECK_EQ_INT(sz.cbSecurityTrailer, 16);

        SecPkgContext_StreamSizes ss;
        CHECK_EQ_INT(QueryContextAttributesA(c, SECPKG_ATTR_STREAM_SIZES, &ss),
                     SEC_E_UNSUPPORTED_FUNCTION);

        SecPkgContext_NamesW nw;
        CHECK_EQ_INT(QueryContextAttributesW(c, SECPKG_ATTR_NAMES, &nw), SEC_E_OK);
        CHECK(nw.sUserName && nw.sUserName[0] == 'D' && nw.sUserName[3] == '\\');
        FreeContextBuffer(nw.sUserName);

        SecPkgContext_NativeNamesA nn;
        CHECK_EQ_INT(QueryContextAttributesA(c, SECPKG_ATTR_NATIVE_NAMES, &nn), SEC_E_OK);
        CHECK(nn.sClientName && strcmp(nn.sClientName, "DOM\\alice") == 0);
        FreeContextBuffer(nn.sClientName);
        FreeContextBuffer(nn.sServerName);

        SecPkgContext_PackageInfoA pi;
        CHECK_EQ_INT(QueryContextAttributesA(c, SECPKG_ATTR_PACKAGE_INFO, &pi), SEC_E_OK);
        CHECK(pi.PackageInfo && strcmp(pi.PackageInfo->Name, "NTLM") == 0);
        CHECK(pi.PackageInfo && pi.PackageInfo->fCapabilities == 0x00082B37);
        CHECK(pi.PackageInfo && pi.PackageInfo->wRPCID == 10);
        FreeContextBuffer(pi.PackageInfo);

        CHECK_EQ_INT(QueryContextAttributesA(c, SECPKG_ATTR_NEGOTIATION_INFO, &ni), SEC_E_OK);
        CHECK_EQ_INT(ni.NegotiationState, SECPKG_NEGOTIATION_COMPLETE);
        CHECK(ni.PackageInfo && strcmp(ni.PackageInfo->Comment, "NTLM Security Package") == 0);
        FreeContextBuffer(ni.PackageInfo);

        SecPkgContext_Flags fl;
        CHECK_EQ_INT(QueryContextAttributesA(c, SECPKG_ATTR_FLAGS, &fl), SEC_E_OK);
        CHECK(fl.Flags & (i == 0 ? ISC_RET_CONFIDENTIALITY : ASC_RET_CONFIDENTIALITY));

        SecPkgContext_Lifespan ls;
        CHECK_EQ_INT(QueryContextAttributesA(c, SECPKG_ATTR_LIFESPAN, &ls), SEC_E_OK);
        CHECK(ls.tsExpiry.QuadPart == INT64_C(0x7fffffffffffffff));
        CHECK(ls.tsStart.QuadPart > 0);

        SecPkgContext_KeyInfoA ki;
        CHECK_EQ_INT(QueryContextAttributesA(c, SECPKG_ATTR_KEY_INFO, &ki), SEC_E_OK);
        CHECK(ki.sSignatureAlgorithmName && strcmp(ki.sSignatureAlgorithmName, "HMAC-MD5") == 0);
        CHECK(ki.sEncryptAlgorithmName && strcmp(ki.sEncryptAlgorithmName, "RSADSI RC4") == 0);
        CHECK_EQ_INT(ki.KeySize, 128);
        CHECK_EQ_INT(ki.SignatureAlgorithm, 0xffffff76u);
        CHECK_EQ_INT(ki.EncryptAlgorithm, 0x6801);
        FreeContextBuffer(ki.sSignatureAlgorithmName);
        FreeContextBuffer(ki.sEncryptAlgorithmName);

        SecPkgContext_AuthorityA au;
        CHECK_EQ_INT(QueryContextAttributesA(c, SECPKG_ATTR_AUTHORITY, &au), SEC_E_OK);
        CHECK(au.sAuthorityName && au.sAuthorityName[0] != '\0');
        FreeContextBuffer(au.sAuthorityName);
    }
    hs_done(&r, &cc, &sc);
    drop_file(file);
}

static void test_bad_tokens(void) {
    char *file = write_file(accounts);
    REQUIRE(file);
    CredHandle sc;
    REQUIRE(server_creds(file, &sc) == SEC_E_OK);
    uint8_t junk[40] = "NTLMSSP";
    junk[8] = 3; /* an AUTHENTICATE first */
    uint8_t out[TOKMAX];
    SecBuffer ib[1], ob[1];
    SecBufferDesc id, od;
    CtxtHandle ctx;
    ULONG attr;
    TimeStamp exp;
    th_desc1(&id, ib, junk, sizeof junk);
    th_desc1(&od, ob, out, sizeof out);
    CHECK_EQ_INT(AcceptSecurityContext(&sc, NULL, &id, 0, SECURITY_NATIVE_DREP, &ctx, &od, &attr,
                                       &exp),
                 SEC_E_INVALID_TOKEN);
    /* Datagram NTLM: the first call sends nothing (test_ntlm_modes.c has the
     * whole connectionless exchange). */
    CredHandle cc;
    REQUIRE(client_creds("alice", "DOM", PASSWORD, &cc) == SEC_E_OK);
    th_desc1(&od, ob, out, sizeof out);
    CHECK_EQ_INT(InitializeSecurityContextA(&cc, NULL, NULL, ISC_REQ_DATAGRAM, 0,
                                            SECURITY_NATIVE_DREP, NULL, 0, &ctx, &od, &attr, &exp),
                 SEC_I_CONTINUE_NEEDED);
    CHECK_EQ_INT(ob[0].cbBuffer, 0);
    CHECK(attr & ISC_RET_DATAGRAM);
    CHECK_EQ_INT(DeleteSecurityContext(&ctx), SEC_E_OK);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
    drop_file(file);
}

int main(void) {
    unsetenv("LM_COMPAT_LEVEL");
    unsetenv("NTLM_USER_FILE");
    TEST_RUN(test_v2_success);
    TEST_RUN(test_wrong_password_unknown_user);
    TEST_RUN(test_pass_the_hash);
    TEST_RUN(test_name_forms);
    TEST_RUN(test_empty_password);
    TEST_RUN(test_anonymous);
    TEST_RUN(test_lm_compat);
    TEST_RUN(test_channel_bindings);
    TEST_RUN(test_tampering);
    TEST_RUN(test_replay);
    TEST_RUN(test_allocate_memory);
    TEST_RUN(test_default_credentials);
    TEST_RUN(test_hash_callback);
    TEST_RUN(test_attributes);
    TEST_RUN(test_bad_tokens);
    return test_summary();
}
