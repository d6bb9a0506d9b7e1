/*
 * Negotiate (SPNEGO) end to end through the public SSPI API, client and
 * server in one process, NTLM inside: handshake, MIC exchange, messages
 * after the MIC reset, PackageList restrictions, bare NTLMSSP to a
 * Negotiate server, NegoEx-first mech lists, tampered / stripped
 * mechListMIC, wrong password, server-first NegTokenInit2.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libsspi.h>
#include <sspi.h>

#include "packages/negotiate/negotiate_context.h"
#include "packages/negotiate/spnego_wire.h"
#include "packages/ntlm/ntlm_context.h"
#include "sspi_test_helpers.h"
#include "testlib.h"
#include "wire/cursor.h"

/* Pull both packages out of the static library (weak registry refs). */
const sspi_package *const test_nego_pkg_ref = &sspi_negotiate_package;
const sspi_package *const test_ntlm_pkg_ref = &sspi_ntlm_package;

#define NEGO ((SEC_CHAR *)"Negotiate")
#define PASSWORD "Secret1!"
#define TOKMAX 8192
#define MAXLEGS 8

static char *users_file;

static char *write_file(const char *content) {
    return test_temp_file("/tmp/test_nego_usersXXXXXX", content);
}

static SECURITY_STATUS client_creds_ex(const char *pkg, const char *password,
                                       const char *package_list, CredHandle *out) {
    SEC_WINNT_AUTH_IDENTITY_EXA id;
    memset(&id, 0, sizeof id);
    id.Version = SEC_WINNT_AUTH_IDENTITY_VERSION;
    id.Length = sizeof id;
    id.User = (UCHAR *)"alice";
    id.UserLength = 5;
    id.Domain = (UCHAR *)"TESTDOM";
    id.DomainLength = 7;
    id.Password = (UCHAR *)password;
    id.PasswordLength = (ULONG)strlen(password);
    id.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    if (package_list) {
        id.PackageList = (UCHAR *)package_list;
        id.PackageListLength = (ULONG)strlen(package_list);
    }
    TimeStamp exp;
    return AcquireCredentialsHandleA(NULL, (SEC_CHAR *)pkg, SECPKG_CRED_OUTBOUND, NULL, &id, NULL,
                                     NULL, out, &exp);
}

static SECURITY_STATUS server_creds(const char *pkg, CredHandle *out) {
    TimeStamp exp;
    SECURITY_STATUS s = AcquireCredentialsHandleA(NULL, (SEC_CHAR *)pkg, SECPKG_CRED_INBOUND, NULL,
                                                  NULL, NULL, NULL, out, &exp);
    if (s != SEC_E_OK) return s;
    return SetCredentialsAttributesA(out, SECPKG_CRED_ATTR_LIBSSPI_NTLM_USER_FILE,
                                     (void *)users_file, (ULONG)strlen(users_file) + 1);
}

#define ISC_REQ                                                                             \
    (ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | ISC_REQ_REPLAY_DETECT |                  \
     ISC_REQ_SEQUENCE_DETECT | ISC_REQ_CONNECTION)
#define ASC_REQ                                                                             \
    (ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY | ASC_REQ_REPLAY_DETECT |                  \
     ASC_REQ_SEQUENCE_DETECT | ASC_REQ_CONNECTION)
#define TARGET ((SEC_CHAR *)"HTTP/server.example.com")

typedef struct tok {
    uint8_t b[TOKMAX];
    ULONG n;
} tok;

typedef void (*tamper_fn)(int leg, tok *t);

/* Each call starts with *pfContextAttr at this value, which no call may
 * leave behind: the attributes are checked after EVERY call. */
#define ATTR_UNSET 0xA5A5A5A5u

typedef struct hs {
    SECURITY_STATUS cs, ss; /* last client / server status */
    int isc_calls, asc_calls;
    ULONG cattr, sattr;
    ULONG cattrs[MAXLEGS], sattrs[MAXLEGS]; /* after each call, in order */
    CtxtHandle cctx, sctx;
    bool have_cctx, have_sctx;
    tok legs[MAXLEGS]; /* every token, in order (after tampering) */
    int nlegs;
    tok srv_last;      /* the server's last output (e.g. a reject) */
} hs;

/* Channel bindings added to every input (client / server), or NULL. */
static const cbt_buf *cli_cbt, *srv_cbt;

/* Input descriptor: token, plus bindings when set (b has room for 2). */
static void desc_in(SecBufferDesc *d, SecBuffer *b, void *p, ULONG len, const cbt_buf *cb) {
    th_desc1(d, b, p, len);
    if (!cb) return;
    b[1].BufferType = SECBUFFER_CHANNEL_BINDINGS;
    b[1].pvBuffer = (void *)cb->bytes;
    b[1].cbBuffer = cb->len;
    d->cBuffers = 2;
}

static void keep_leg(hs *h, const tok *t) {
    if (h->nlegs < MAXLEGS) h->legs[h->nlegs++] = *t;
}

/* One client step (first: no context). `in` may be NULL. */
static SECURITY_STATUS isc(CredHandle *cc, hs *h, const tok *in, tok *out) {
    SecBuffer ib[2], ob;
    SecBufferDesc id, od;
    TimeStamp exp;
    th_desc1(&od, &ob, out->b, sizeof out->b);
    if (in) desc_in(&id, ib, (void *)in->b, in->n, cli_cbt);
    h->cattr = ATTR_UNSET;
    SECURITY_STATUS s = InitializeSecurityContextA(
        h->have_cctx ? NULL : cc, h->have_cctx ? &h->cctx : NULL, TARGET, ISC_REQ, 0,
        SECURITY_NATIVE_DREP, in ? &id : NULL, 0, &h->cctx, &od, &h->cattr, &exp);
    if (h->isc_calls < MAXLEGS) h->cattrs[h->isc_calls] = h->cattr;
    out->n = (s == SEC_E_OK || s == SEC_I_CONTINUE_NEEDED || ob.cbBuffer) ? ob.cbBuffer : 0;
    if (!h->have_cctx && (s == SEC_E_OK || s == SEC_I_CONTINUE_NEEDED)) h->have_cctx = true;
    h->isc_calls++;
    return s;
}

static SECURITY_STATUS asc(CredHandle *sc, hs *h, const tok *in, tok *out) {
    SecBuffer ib[2], ob;
    SecBufferDesc id, od;
    TimeStamp exp;
    th_desc1(&od, &ob, out->b, sizeof out->b);
    desc_in(&id, ib, (void *)in->b, in->n, srv_cbt);
    h->sattr = ATTR_UNSET;
    SECURITY_STATUS s =
        AcceptSecurityContext(sc, h->have_sctx ? &h->sctx : NULL, in->n ? &id : NULL, ASC_REQ,
                              SECURITY_NATIVE_DREP, &h->sctx, &od, &h->sattr, &exp);
    if (h->asc_calls < MAXLEGS) h->sattrs[h->asc_calls] = h->sattr;
    out->n = ob.cbBuffer;
    if (!h->have_sctx && (s == SEC_E_OK || s == SEC_I_CONTINUE_NEEDED)) h->have_sctx = true;
    h->asc_calls++;
    return s;
}

/* Run client and server until both stop. */
static void handshake(CredHandle *cc, CredHandle *sc, tamper_fn tamper, hs *h) {
    memset(h, 0, sizeof *h);
    static tok t, t2;
    int leg = 0;
    h->ss = SEC_I_CONTINUE_NEEDED;
    h->cs = isc(cc, h, NULL, &t);
    for (;;) {
        if (h->cs != SEC_I_CONTINUE_NEEDED && h->cs != SEC_E_OK) break;
        if (!t.n) break;
        if (tamper) tamper(leg, &t);
        leg++;
        keep_leg(h, &t);
        h->ss = asc(sc, h, &t, &t2);
        h->srv_last = t2;
        if (h->ss != SEC_I_CONTINUE_NEEDED && h->ss != SEC_E_OK) break;
        if (!t2.n) break;
        if (h->cs == SEC_E_OK) break;
        if (tamper) tamper(leg, &t2);
        leg++;
        keep_leg(h, &t2);
        h->cs = isc(cc, h, &t2, &t);
    }
}

static void hs_free(hs *h) {
    if (h->have_cctx) (void)DeleteSecurityContext(&h->cctx);
    if (h->have_sctx) (void)DeleteSecurityContext(&h->sctx);
    h->have_cctx = h->have_sctx = false;
}

/* Seal then sign from -> to; the sealed message's signature carries
 * sequence number `seq` (1 for the first message after the mechListMIC,
 * which used 0; the RC4 handle was put back, MS-SPNG 3.1.5.1). With `tamper`, a modified signed message is refused
 * last (that desynchronises the receiver's RC4 state, as on Windows). */
static void check_messages_seq(CtxtHandle *from, CtxtHandle *to, const char *text, uint8_t seq,
                               bool tamper) {
    uint8_t sig[64], data[64];
    size_t n = strlen(text);
    memcpy(data, text, n);
    SecBuffer b[2];
    SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
    b[0].BufferType = SECBUFFER_TOKEN;
    b[0].pvBuffer = sig;
    b[0].cbBuffer = sizeof sig;
    b[1].BufferType = SECBUFFER_DATA;
    b[1].pvBuffer = data;
    b[1].cbBuffer = (ULONG)n;
    CHECK_EQ_INT(EncryptMessage(from, 0, &d, 0), SEC_E_OK);
    CHECK_EQ_INT(b[0].cbBuffer, 16);
    const uint8_t want_seq[4] = {seq, 0, 0, 0};
    CHECK_BYTES(sig + 12, want_seq, 4);
    CHECK(memcmp(data, text, n) != 0);
    ULONG qop = 0;
    CHECK_EQ_INT(DecryptMessage(to, &d, 0, &qop), SEC_E_OK);
    CHECK(memcmp(data, text, n) == 0);

    b[0].cbBuffer = sizeof sig;
    CHECK_EQ_INT(MakeSignature(from, 0, &d, 0), SEC_E_OK);
    CHECK_EQ_INT(VerifySignature(to, &d, 0, &qop), SEC_E_OK);
    if (!tamper) return;
    b[0].cbBuffer = sizeof sig;
    CHECK_EQ_INT(MakeSignature(from, 0, &d, 0), SEC_E_OK);
    data[0] ^= 1;
    CHECK_EQ_INT(VerifySignature(to, &d, 0, &qop), SEC_E_MESSAGE_ALTERED);
}

/* First message of a direction after a MIC exchange. */
static void check_messages(CtxtHandle *from, CtxtHandle *to, const char *text) {
    check_messages_seq(from, to, text, 1, false);
}

static bool resp_of(const tok *t, spnego_neg_token_resp *r) {
    return spnego_parse_neg_token_resp(t->b, t->n, r).code == SR_OK;
}

static void check_pkg_name(CtxtHandle *h, ULONG attr, const char *want) {
    SecPkgContext_PackageInfoA pi;
    memset(&pi, 0, sizeof pi);
    CHECK_EQ_INT(QueryContextAttributesA(h, attr, &pi), SEC_E_OK);
    CHECK(pi.PackageInfo && strcmp(pi.PackageInfo->Name, want) == 0);
    if (pi.PackageInfo) FreeContextBuffer(pi.PackageInfo);
}

/* ---- tests --------------------------------------------------------------- */

static void test_package_info(void) {
    SecPkgInfoA *info = NULL;
    REQUIRE(QuerySecurityPackageInfoA(NEGO, &info) == SEC_E_OK);
    CHECK(strcmp(info->Name, "Negotiate") == 0);
    CHECK(strcmp(info->Comment, "Microsoft Package Negotiator") == 0);
    CHECK_EQ_INT(info->fCapabilities, 0x00083BB3);
    CHECK_EQ_INT(info->wVersion, 1);
    CHECK_EQ_INT(info->wRPCID, 9);
    CHECK_EQ_INT(info->cbMaxToken, 48256);
    FreeContextBuffer(info);
}

static void test_ntlm_inside(void) {
    CredHandle cc, sc;
    REQUIRE(client_creds_ex("Negotiate", PASSWORD, NULL, &cc) == SEC_E_OK);
    REQUIRE(server_creds("Negotiate", &sc) == SEC_E_OK);
    hs h;
    handshake(&cc, &sc, NULL, &h);
    CHECK_EQ_INT(h.cs, SEC_E_OK);
    CHECK_EQ_INT(h.ss, SEC_E_OK);
    /* NegTokenInit+NEGOTIATE, CHALLENGE, AUTHENTICATE+MIC, completed+MIC. */
    CHECK_EQ_INT(h.isc_calls, 3);
    CHECK_EQ_INT(h.asc_calls, 2);
    REQUIRE(h.nlegs == 4);

    spnego_neg_token_init init;
    REQUIRE(spnego_parse_init_token(h.legs[0].b, h.legs[0].n, &init).code == SR_OK);
    CHECK(!init.init2 && init.has_mech_token && !init.has_req_flags);
    CHECK(gss_oid_equal(init.mech_types[init.mech_count - 1], spnego_oid_ntlm,
                        SPNEGO_OID_NTLM_LEN));
    CHECK_EQ_INT(spnego_token_kind(init.mech_token.data, init.mech_token.len),
                 SPNEGO_TOKEN_NTLMSSP);

    spnego_neg_token_resp r;
    REQUIRE(resp_of(&h.legs[1], &r));
    CHECK(r.has_neg_state && r.neg_state == SPNEGO_ACCEPT_INCOMPLETE);
    CHECK(r.has_supported_mech &&
          gss_oid_equal(r.supported_mech, spnego_oid_ntlm, SPNEGO_OID_NTLM_LEN));
    CHECK(r.has_response_token && !r.has_mech_list_mic);
    REQUIRE(resp_of(&h.legs[2], &r));
    CHECK(!r.has_neg_state && r.has_response_token);
    CHECK(r.has_mech_list_mic && r.mech_list_mic.len == 16);
    static const uint8_t sig_v1[4] = {1, 0, 0, 0}, seq0[4] = {0, 0, 0, 0};
    if (r.has_mech_list_mic && r.mech_list_mic.len == 16) {
        CHECK_BYTES(r.mech_list_mic.data, sig_v1, 4);      /* NTLMSSP signature v1 */
        CHECK_BYTES(r.mech_list_mic.data + 12, seq0, 4);   /* SeqNum 0 */
    }
    REQUIRE(resp_of(&h.legs[3], &r));
    CHECK(r.has_neg_state && r.neg_state == SPNEGO_ACCEPT_COMPLETED);
    CHECK(!r.has_response_token && !r.has_supported_mech);
    CHECK(r.has_mech_list_mic && r.mech_list_mic.len == 16);

    /* *pfContextAttr after EVERY call, not only the last: the inner mech's
     * flags for what was requested (and nothing unrequested, e.g. no
     * ALLOCATED_MEMORY). */
    for (int i = 0; i < 3; i++)
        CHECK_EQ_INT(h.cattrs[i], ISC_RET_CONFIDENTIALITY | ISC_RET_INTEGRITY |
                                      ISC_RET_REPLAY_DETECT | ISC_RET_SEQUENCE_DETECT |
                                      ISC_RET_CONNECTION);
    for (int i = 0; i < 2; i++)
        CHECK_EQ_INT(h.sattrs[i], ASC_RET_CONFIDENTIALITY | ASC_RET_INTEGRITY |
                                      ASC_RET_REPLAY_DETECT | ASC_RET_SEQUENCE_DETECT |
                                      ASC_RET_CONNECTION);
    /* Flags: the inner mech's. */
    CHECK((h.cattr & (ISC_RET_CONFIDENTIALITY | ISC_RET_INTEGRITY)) ==
          (ISC_RET_CONFIDENTIALITY | ISC_RET_INTEGRITY));
    CHECK((h.sattr & (ASC_RET_CONFIDENTIALITY | ASC_RET_INTEGRITY)) ==
          (ASC_RET_CONFIDENTIALITY | ASC_RET_INTEGRITY));

    /* Names, package, negotiation info, sizes. */
    SecPkgContext_NamesA names;
    CHECK_EQ_INT(QueryContextAttributesA(&h.sctx, SECPKG_ATTR_NAMES, &names), SEC_E_OK);
    CHECK(strcmp(names.sUserName, "TESTDOM\\alice") == 0);
    FreeContextBuffer(names.sUserName);
    check_pkg_name(&h.cctx, SECPKG_ATTR_PACKAGE_INFO, "NTLM");
    check_pkg_name(&h.sctx, SECPKG_ATTR_PACKAGE_INFO, "NTLM");
    check_pkg_name(&h.cctx, SECPKG_ATTR_NEGOTIATION_PACKAGE, "NTLM");
    SecPkgContext_NegotiationInfoA ni;
    CHECK_EQ_INT(QueryContextAttributesA(&h.cctx, SECPKG_ATTR_NEGOTIATION_INFO, &ni), SEC_E_OK);
    CHECK_EQ_INT(ni.NegotiationState, SECPKG_NEGOTIATION_COMPLETE);
    CHECK(ni.PackageInfo && strcmp(ni.PackageInfo->Name, "NTLM") == 0 &&
          ni.PackageInfo->wRPCID == 10);
    FreeContextBuffer(ni.PackageInfo);
    SecPkgContext_Sizes sz;
    CHECK_EQ_INT(QueryContextAttributesA(&h.cctx, SECPKG_ATTR_SIZES, &sz), SEC_E_OK);
    CHECK_EQ_INT(sz.cbMaxSignature, 16);
    CHECK_EQ_INT(sz.cbSecurityTrailer, 16);

    check_messages(&h.cctx, &h.sctx, "hello from the client");
    check_messages(&h.sctx, &h.cctx, "hello from the server");
    check_messages_seq(&h.cctx, &h.sctx, "second message", 3, true);

    /* A finished context takes no more tokens. */
    tok extra;
    CHECK(isc(&cc, &h, &h.legs[3], &extra) != SEC_E_OK);
    hs_free(&h);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}

/* SPNEGO wrappers for hand-driven exchanges. */
static void wrap_init(const gss_view *mechs, size_t n, const tok *mech, tok *out) {
    wire_writer w;
    out->n = 0;
    if (wire_writer_init_alloc(&w, 128).code != SR_OK) return;
    gss_view tv = {mech ? mech->b : NULL, mech ? mech->n : 0};
    if (spnego_build_init(mechs, n, mech ? &tv : NULL, NULL, NULL, &w).code == SR_OK &&
        w.len <= TOKMAX) {
        memcpy(out->b, w.data, w.len);
        out->n = (ULONG)w.len;
    }
    wire_writer_free(&w);
}

static void wrap_resp(const tok *mech, tok *out) {
    spnego_neg_token_resp o;
    memset(&o, 0, sizeof o);
    o.has_response_token = true;
    o.response_token.data = mech->b;
    o.response_token.len = mech->n;
    wire_writer w;
    out->n = 0;
    if (wire_writer_init_alloc(&w, 128).code != SR_OK) return;
    if (spnego_build_neg_token_resp(&o, &w).code == SR_OK && w.len <= TOKMAX) {
        memcpy(out->b, w.data, w.len);
        out->n = (ULONG)w.len;
    }
    wire_writer_free(&w);
}

/* Copy a NegTokenResp's responseToken out. */
static bool unwrap_resp(const tok *t, spnego_neg_token_resp *r, tok *mech) {
    mech->n = 0;
    if (!resp_of(t, r)) return false;
    if (r->has_response_token) {
        memcpy(mech->b, r->response_token.data, r->response_token.len);
        mech->n = (ULONG)r->response_token.len;
    }
    return true;
}

/* A client that sends no mechListMIC (older SPNEGO implementations, here
 * the NTLM package wrapped by hand) when NTLM is its first choice: allowed
 * (RFC 4178 5: the MIC exchange is optional then); the server sends none
 * either, and both sides' first messages carry sequence number 0. */
static void test_optional_mic_absent(void) {
    CredHandle ncc, sc;
    REQUIRE(client_creds_ex("NTLM", PASSWORD, NULL, &ncc) == SEC_E_OK);
    REQUIRE(server_creds("Negotiate", &sc) == SEC_E_OK);
    hs h;
    memset(&h, 0, sizeof h);
    static tok m, t, out;
    spnego_neg_token_resp r;
    gss_view mechs[1] = {SPNEGO_MECH_NTLM};
    REQUIRE(isc(&ncc, &h, NULL, &m) == SEC_I_CONTINUE_NEEDED);
    wrap_init(mechs, 1, &m, &t);
    REQUIRE(asc(&sc, &h, &t, &out) == SEC_I_CONTINUE_NEEDED);
    REQUIRE(unwrap_resp(&out, &r, &m));
    CHECK(r.neg_state == SPNEGO_ACCEPT_INCOMPLETE);
    REQUIRE(isc(&ncc, &h, &m, &t) == SEC_E_OK);
    m = t;
    wrap_resp(&m, &t);
    CHECK_EQ_INT(asc(&sc, &h, &t, &out), SEC_E_OK);
    REQUIRE(unwrap_resp(&out, &r, &m));
    CHECK(r.has_neg_state && r.neg_state == SPNEGO_ACCEPT_COMPLETED);
    CHECK(!r.has_mech_list_mic && !r.has_response_token);
    check_messages_seq(&h.cctx, &h.sctx, "no mic", 0, false);
    check_messages_seq(&h.sctx, &h.cctx, "no mic back", 0, false);
    hs_free(&h);
    FreeCredentialsHandle(&ncc);
    FreeCredentialsHandle(&sc);
}

static void flip_mic(tok *t) {
    spnego_neg_token_resp r;
    if (!resp_of(t, &r) || !r.has_mech_list_mic) return;
    size_t off = (size_t)(r.mech_list_mic.data - t->b);
    t->b[off + 5] ^= 0x40; /* inside the checksum */
}

static void tamper_client_mic(int leg, tok *t) {
    if (leg == 2) flip_mic(t);
}

static void tamper_server_mic(int leg, tok *t) {
    if (leg == 3) flip_mic(t);
}

static void test_tampered_mic(void) {
    CredHandle cc, sc;
    REQUIRE(client_creds_ex("Negotiate", PASSWORD, NULL, &cc) == SEC_E_OK);
    REQUIRE(server_creds("Negotiate", &sc) == SEC_E_OK);
    hs h;
    handshake(&cc, &sc, tamper_client_mic, &h);
    CHECK_EQ_INT(h.ss, SEC_E_MESSAGE_ALTERED);
    /* The server answers with a reject. */
    spnego_neg_token_resp r;
    CHECK(resp_of(&h.srv_last, &r) && r.has_neg_state && r.neg_state == SPNEGO_REJECT);
    hs_free(&h);

    handshake(&cc, &sc, tamper_server_mic, &h);
    CHECK_EQ_INT(h.ss, SEC_E_OK);
    CHECK_EQ_INT(h.cs, SEC_E_MESSAGE_ALTERED);
    hs_free(&h);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}

/* Rebuild a NegTokenResp after `edit` changed its parsed fields. */
static void resp_rewrite(tok *t, void (*edit)(spnego_neg_token_resp *r)) {
    spnego_neg_token_resp r;
    if (!resp_of(t, &r)) return;
    edit(&r);
    static tok copy;
    wire_writer w;
    if (wire_writer_init_alloc(&w, 128).code != SR_OK) return;
    if (spnego_build_neg_token_resp(&r, &w).code == SR_OK && w.len <= TOKMAX) {
        memcpy(copy.b, w.data, w.len); /* r points into t: build first */
        copy.n = (ULONG)w.len;
        *t = copy;
    }
    wire_writer_free(&w);
}

static void set_request_mic(spnego_neg_token_resp *r) {
    r->has_neg_state = true;
    r->neg_state = SPNEGO_REQUEST_MIC;
}

static void drop_mic(spnego_neg_token_resp *r) { r->has_mech_list_mic = false; }

/* The server's first reply asks for the MIC exchange (request-mic: the
 * negState is not covered by the MIC), its last one is stripped of its
 * mechListMIC. */
static void tamper_strip_required_mic(int leg, tok *t) {
    if (leg == 1) resp_rewrite(t, set_request_mic);
    if (leg == 3) resp_rewrite(t, drop_mic);
}

static void tamper_request_mic(int leg, tok *t) {
    if (leg == 1) resp_rewrite(t, set_request_mic);
}

/* A server whose mechListMIC is required but missing from its last
 * NegTokenResp (accept-completed): the client refuses the context,
 * SEC_E_MESSAGE_ALTERED (negotiate_client.c: "the server's mechListMIC is
 * verified whenever present and required when the exchange is mandatory;
 * missing or wrong: SEC_E_MESSAGE_ALTERED"; RFC 4178 5). */
static void test_missing_required_mic(void) {
    CredHandle cc, sc;
    REQUIRE(client_creds_ex("Negotiate", PASSWORD, NULL, &cc) == SEC_E_OK);
    REQUIRE(server_creds("Negotiate", &sc) == SEC_E_OK);
    hs h;
    handshake(&cc, &sc, tamper_strip_required_mic, &h);
    REQUIRE(h.nlegs == 4);
    spnego_neg_token_resp r;
    REQUIRE(resp_of(&h.legs[1], &r));
    CHECK(r.has_neg_state && r.neg_state == SPNEGO_REQUEST_MIC);
    REQUIRE(resp_of(&h.legs[3], &r));
    CHECK(r.has_neg_state && r.neg_state == SPNEGO_ACCEPT_COMPLETED);
    CHECK(!r.has_mech_list_mic);
    CHECK_EQ_INT(h.ss, SEC_E_OK);
    CHECK_EQ_INT(h.cs, SEC_E_MESSAGE_ALTERED);
    CHECK_EQ_INT(h.isc_calls, 3);
    hs_free(&h);

    /* Control: the same exchange with the MIC left in completes. */
    handshake(&cc, &sc, tamper_request_mic, &h);
    CHECK_EQ_INT(h.cs, SEC_E_OK);
    CHECK_EQ_INT(h.ss, SEC_E_OK);
    hs_free(&h);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}

static void test_wrong_password(void) {
    CredHandle cc, sc;
    REQUIRE(client_creds_ex("Negotiate", "wrong", NULL, &cc) == SEC_E_OK);
    REQUIRE(server_creds("Negotiate", &sc) == SEC_E_OK);
    hs h;
    handshake(&cc, &sc, NULL, &h);
    CHECK_EQ_INT(h.ss, SEC_E_LOGON_DENIED);
    CHECK_EQ_INT(h.cs, SEC_I_CONTINUE_NEEDED);
    /* The reject reaches the client: SEC_E_LOGON_DENIED there too. */
    spnego_neg_token_resp r;
    CHECK(resp_of(&h.srv_last, &r) && r.neg_state == SPNEGO_REJECT);
    tok out;
    CHECK_EQ_INT(isc(&cc, &h, &h.srv_last, &out), SEC_E_LOGON_DENIED);
    hs_free(&h);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}

static void test_package_list(void) {
    CredHandle cc, sc;
    REQUIRE(server_creds("Negotiate", &sc) == SEC_E_OK);
    /* Only NTLM excluded, no other mechanism usable. */
    static const char *const none[] = {"!ntlm", "kerberos,!ntlm", "Foo", "pku2u, !NTLM"};
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
        SECURITY_STATUS s = client_creds_ex("Negotiate", PASSWORD, none[i], &cc);
        if (s == SEC_E_OK) { /* e.g. a Kerberos package present: ISC must fail */
            hs h;
            handshake(&cc, &sc, NULL, &h);
            CHECK(h.cs != SEC_E_OK && h.cs != SEC_I_CONTINUE_NEEDED);
            hs_free(&h);
            FreeCredentialsHandle(&cc);
        } else {
            CHECK_EQ_INT(s, SEC_E_NO_CREDENTIALS);
        }
    }
    static const char *const ok[] = {"NTLM", "!kerberos", " ntlm , kerberos "};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        REQUIRE(client_creds_ex("Negotiate", PASSWORD, ok[i], &cc) == SEC_E_OK);
        hs h;
        handshake(&cc, &sc, NULL, &h);
        CHECK_EQ_INT(h.cs, SEC_E_OK);
        CHECK_EQ_INT(h.ss, SEC_E_OK);
        hs_free(&h);
        FreeCredentialsHandle(&cc);
    }
    FreeCredentialsHandle(&sc);
}

/* A client calling NTLM directly against a Negotiate server. */
static void test_raw_ntlmssp(void) {
    CredHandle cc, sc;
    REQUIRE(client_creds_ex("NTLM", PASSWORD, NULL, &cc) == SEC_E_OK);
    REQUIRE(server_creds("Negotiate", &sc) == SEC_E_OK);
    hs h;
    handshake(&cc, &sc, NULL, &h);
    CHECK_EQ_INT(h.cs, SEC_E_OK);
    CHECK_EQ_INT(h.ss, SEC_E_OK);
    REQUIRE(h.nlegs == 3);
    for (int i = 0; i < 3; i++)
        CHECK_EQ_INT(spnego_token_kind(h.legs[i].b, h.legs[i].n), SPNEGO_TOKEN_NTLMSSP);
    check_pkg_name(&h.sctx, SECPKG_ATTR_PACKAGE_INFO, "NTLM");
    SecPkgContext_NamesA names;
    CHECK_EQ_INT(QueryContextAttributesA(&h.sctx, SECPKG_ATTR_NAMES, &names), SEC_E_OK);
    CHECK(strcmp(names.sUserName, "TESTDOM\\alice") == 0);
    FreeContextBuffer(names.sUserName);
    check_messages_seq(&h.cctx, &h.sctx, "raw client", 0, false);
    check_messages_seq(&h.sctx, &h.cctx, "raw server", 0, true);
    hs_free(&h);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}

/* A hand-built NegTokenInit whose first mech is NegoEx: NTLM is selected,
 * the optimistic token (NegoEx's, by RFC 4178) is ignored, the reply says
 * request-mic; a later AUTHENTICATE without the then mandatory MIC fails. */
static void test_negoex_first(void) {
    CredHandle ncc, sc;
    REQUIRE(client_creds_ex("NTLM", PASSWORD, NULL, &ncc) == SEC_E_OK);
    REQUIRE(server_creds("Negotiate", &sc) == SEC_E_OK);
    hs h;
    memset(&h, 0, sizeof h);
    static tok ntlm1, t, out;
    REQUIRE(isc(&ncc, &h, NULL, &ntlm1) == SEC_I_CONTINUE_NEEDED);

    gss_view mechs[3] = {SPNEGO_MECH_NEGOEX, {(const uint8_t *)"\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x63", 10},
                         SPNEGO_MECH_NTLM};
    gss_view opt = {(const uint8_t *)"\x00\x01\x02\x03", 4};
    wire_writer w;
    REQUIRE(wire_writer_init_alloc(&w, 128).code == SR_OK);
    REQUIRE(spnego_build_init(mechs, 3, &opt, NULL, NULL, &w).code == SR_OK);
    memcpy(t.b, w.data, w.len);
    t.n = (ULONG)w.len;
    wire_writer_free(&w);

    CHECK_EQ_INT(asc(&sc, &h, &t, &out), SEC_I_CONTINUE_NEEDED);
    spnego_neg_token_resp r;
    REQUIRE(resp_of(&out, &r));
    CHECK(r.has_neg_state && r.neg_state == SPNEGO_REQUEST_MIC);
    CHECK(r.has_supported_mech &&
          gss_oid_equal(r.supported_mech, spnego_oid_ntlm, SPNEGO_OID_NTLM_LEN));
    CHECK(!r.has_response_token);
    SecPkgContext_NegotiationInfoA ni;
    CHECK_EQ_INT(QueryContextAttributesA(&h.sctx, SECPKG_ATTR_NEGOTIATION_INFO, &ni), SEC_E_OK);
    CHECK_EQ_INT(ni.NegotiationState, SECPKG_NEGOTIATION_IN_PROGRESS);
    FreeContextBuffer(ni.PackageInfo);

    /* NEGOTIATE in a NegTokenResp -> CHALLENGE. */
    spnego_neg_token_resp o;
    memset(&o, 0, sizeof o);
    o.has_response_token = true;
    o.response_token.data = ntlm1.b;
    o.response_token.len = ntlm1.n;
    REQUIRE(wire_writer_init_alloc(&w, 128).code == SR_OK);
    REQUIRE(spnego_build_neg_token_resp(&o, &w).code == SR_OK);
    memcpy(t.b, w.data, w.len);
    t.n = (ULONG)w.len;
    wire_writer_free(&w);
    CHECK_EQ_INT(asc(&sc, &h, &t, &out), SEC_I_CONTINUE_NEEDED);
    REQUIRE(resp_of(&out, &r));
    CHECK(r.neg_state == SPNEGO_ACCEPT_INCOMPLETE && !r.has_supported_mech);
    REQUIRE(r.has_response_token);

    /* CHALLENGE -> AUTHENTICATE, sent without the mandatory MIC. */
    static tok chal, auth;
    memcpy(chal.b, r.response_token.data, r.response_token.len);
    chal.n = (ULONG)r.response_token.len;
    REQUIRE(isc(&ncc, &h, &chal, &auth) == SEC_E_OK);
    o.response_token.data = auth.b;
    o.response_token.len = auth.n;
    REQUIRE(wire_writer_init_alloc(&w, 128).code == SR_OK);
    REQUIRE(spnego_build_neg_token_resp(&o, &w).code == SR_OK);
    memcpy(t.b, w.data, w.len);
    t.n = (ULONG)w.len;
    wire_writer_free(&w);
    CHECK_EQ_INT(asc(&sc, &h, &t, &out), SEC_E_MESSAGE_ALTERED);
    hs_free(&h);
    FreeCredentialsHandle(&ncc);
    FreeCredentialsHandle(&sc);
}

/* AcceptSecurityContext without input: NegTokenInit2 (MS-SPNG 3.2.5.2);
 * a Negotiate client takes it as its first input and the exchange
 * completes on the same server context. */
static void test_server_first(void) {
    CredHandle cc, sc;
    REQUIRE(client_creds_ex("Negotiate", PASSWORD, NULL, &cc) == SEC_E_OK);
    REQUIRE(server_creds("Negotiate", &sc) == SEC_E_OK);
    hs h;
    memset(&h, 0, sizeof h);
    static tok empty, init2, t, t2;
    empty.n = 0;
    CHECK_EQ_INT(asc(&sc, &h, &empty, &init2), SEC_I_CONTINUE_NEEDED);
    spnego_neg_token_init init;
    REQUIRE(spnego_parse_init_token(init2.b, init2.n, &init).code == SR_OK);
    CHECK(init.init2 && init.has_neg_hints && init.has_hint_name && !init.has_hint_address);
    CHECK(init.hint_name.len == strlen(SPNEGO_WINDOWS_HINT_NAME) &&
          memcmp(init.hint_name.data, SPNEGO_WINDOWS_HINT_NAME, init.hint_name.len) == 0);
    CHECK(!init.has_mech_token && !init.has_mech_list_mic);
    CHECK(gss_oid_equal(init.mech_types[init.mech_count - 1], spnego_oid_ntlm,
                        SPNEGO_OID_NTLM_LEN));
    SecPkgContext_NegotiationInfoA ni;
    CHECK_EQ_INT(QueryContextAttributesA(&h.sctx, SECPKG_ATTR_NEGOTIATION_INFO, &ni), SEC_E_OK);
    CHECK(ni.PackageInfo && strcmp(ni.PackageInfo->Name, "Negotiate") == 0);
    FreeContextBuffer(ni.PackageInfo);

    h.cs = isc(&cc, &h, &init2, &t);
    CHECK_EQ_INT(h.cs, SEC_I_CONTINUE_NEEDED);
    while (h.cs == SEC_I_CONTINUE_NEEDED && t.n) {
        h.ss = asc(&sc, &h, &t, &t2);
        if ((h.ss != SEC_E_OK && h.ss != SEC_I_CONTINUE_NEEDED) || !t2.n) break;
        h.cs = isc(&cc, &h, &t2, &t);
    }
    CHECK_EQ_INT(h.cs, SEC_E_OK);
    CHECK_EQ_INT(h.ss, SEC_E_OK);
    if (h.cs == SEC_E_OK && h.ss == SEC_E_OK) check_messages(&h.sctx, &h.cctx, "server first");
    hs_free(&h);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}

/* Channel bindings reach the inner mech on both sides (the policy set on
 * the Negotiate credential reaches NTLM's). */
static void test_channel_bindings(void) {
    CredHandle cc, sc;
    REQUIRE(client_creds_ex("Negotiate", PASSWORD, NULL, &cc) == SEC_E_OK);
    REQUIRE(server_creds("Negotiate", &sc) == SEC_E_OK);
    ULONG req = LIBSSPI_CBT_REQUIRED;
    REQUIRE(SetCredentialsAttributesA(&sc, SECPKG_CRED_ATTR_LIBSSPI_CBT_POLICY, &req,
                                      sizeof req) == SEC_E_OK);
    cbt_buf a, b;
    make_cbt(&a, "tls-server-end-point:AAAA");
    make_cbt(&b, "tls-server-end-point:BBBB");
    hs h;
    cli_cbt = &a;
    srv_cbt = &a;
    handshake(&cc, &sc, NULL, &h);
    CHECK_EQ_INT(h.cs, SEC_E_OK);
    CHECK_EQ_INT(h.ss, SEC_E_OK);
    hs_free(&h);
    srv_cbt = &b;
    handshake(&cc, &sc, NULL, &h);
    CHECK_EQ_INT(h.ss, SEC_E_BAD_BINDINGS);
    hs_free(&h);
    cli_cbt = NULL;
    srv_cbt = &a;
    handshake(&cc, &sc, NULL, &h);
    CHECK_EQ_INT(h.ss, SEC_E_BAD_BINDINGS);
    hs_free(&h);
    cli_cbt = srv_cbt = NULL;
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}

/* Garbage and out-of-place tokens. */
static void test_bad_tokens(void) {
    CredHandle cc, sc;
    REQUIRE(client_creds_ex("Negotiate", PASSWORD, NULL, &cc) == SEC_E_OK);
    REQUIRE(server_creds("Negotiate", &sc) == SEC_E_OK);
    hs h;
    memset(&h, 0, sizeof h);
    static tok t, out;
    memcpy(t.b, "\x60\x03\x06\x01\x00", 5);
    t.n = 5;
    CHECK_EQ_INT(asc(&sc, &h, &t, &out), SEC_E_INVALID_TOKEN);
    CHECK(!h.have_sctx);
    /* A NegTokenResp as the first server input. */
    memcpy(t.b, "\xa1\x05\x30\x03\x0a\x01\x01", 7);
    t.n = 7;
    CHECK_EQ_INT(asc(&sc, &h, &t, &out), SEC_E_INVALID_TOKEN);
    /* Client: an init reply that names a mech we did not offer. */
    REQUIRE(isc(&cc, &h, NULL, &out) == SEC_I_CONTINUE_NEEDED);
    spnego_neg_token_resp o;
    memset(&o, 0, sizeof o);
    o.has_neg_state = true;
    o.neg_state = SPNEGO_ACCEPT_INCOMPLETE;
    o.has_supported_mech = true;
    o.supported_mech = SPNEGO_MECH_NEGOEX;
    wire_writer w;
    REQUIRE(wire_writer_init_alloc(&w, 64).code == SR_OK);
    REQUIRE(spnego_build_neg_token_resp(&o, &w).code == SR_OK);
    memcpy(t.b, w.data, w.len);
    t.n = (ULONG)w.len;
    wire_writer_free(&w);
    CHECK_EQ_INT(isc(&cc, &h, &t, &out), SEC_E_INVALID_TOKEN);
    hs_free(&h);
    /* Messages before completion. */
    memset(&h, 0, sizeof h);
    REQUIRE(isc(&cc, &h, NULL, &out) == SEC_I_CONTINUE_NEEDED);
    uint8_t sig[16], data[4] = {1, 2, 3, 4};
    SecBuffer b[2] = {{16, SECBUFFER_TOKEN, sig}, {4, SECBUFFER_DATA, data}};
    SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
    CHECK(MakeSignature(&h.cctx, 0, &d, 0) != SEC_E_OK);
    SecPkgContext_NegotiationInfoA ni;
    CHECK_EQ_INT(QueryContextAttributesA(&h.cctx, SECPKG_ATTR_NEGOTIATION_INFO, &ni), SEC_E_OK);
    CHECK_EQ_INT(ni.NegotiationState, SECPKG_NEGOTIATION_OPTIMISTIC);
    FreeContextBuffer(ni.PackageInfo);
    hs_free(&h);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}

int main(void) {
    unsetenv("LM_COMPAT_LEVEL");
    unsetenv("NTLM_USER_FILE");
    users_file = write_file("TESTDOM:alice:" PASSWORD "\n");
    if (!users_file) return 1;
    TEST_RUN(test_package_info);
    TEST_RUN(test_ntlm_inside);
    TEST_RUN(test_optional_mic_absent);
    TEST_RUN(test_tampered_mic);
    TEST_RUN(test_missing_required_mic);
    TEST_RUN(test_wrong_password);
    TEST_RUN(test_package_list);
    TEST_RUN(test_raw_ntlmssp);
    TEST_RUN(test_negoex_first);
    TEST_RUN(test_server_first);
    TEST_RUN(test_channel_bindings);
    TEST_RUN(test_bad_tokens);
    unlink(users_file);
    free(users_file);
    return test_summary();
}
