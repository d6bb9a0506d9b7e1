/*
 * Kerberos end to end in one process, client and server through the public
 * SSPI API, against the private MIT realm of tests/interop/krb5_env.sh.
 * Needs the KDC: tests/interop/krb5_gss.sh runs this binary with
 * SSPI_KRB5_LOOPBACK=1 and the realm's environment (KRB5_CONFIG, KRB5CCNAME
 * holding alice's TGT, KRB5_KTNAME). Run by CTest alone, it skips (exit 77).
 *
 * Covers: mutual and non-mutual exchanges, target name forms, every
 * QueryContextAttributes value the package answers (NAMES, NATIVE_NAMES,
 * SIZES, SESSION_KEY equal on both sides, LIFESPAN, KEY_INFO, FLAGS),
 * EncryptMessage / DecryptMessage (TOKEN + DATA, STREAM, sign-only QOP),
 * MakeSignature / VerifySignature, replay and tampering, channel bindings,
 * delegation (ok-as-delegate and the ALWAYS policy; the delegated ccache
 * attribute), a keytab without the service key, acceptor principal
 * restriction, and a replayed AP-REQ.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sspi.h>
#include <libsspi_kerberos.h>

#include "packages/kerberos/krb5_glue.h"
#include "packages/kerberos/krb_context.h"
#include "testlib.h"

const sspi_package *const test_krb_pkg_ref = &sspi_kerberos_package;

#define PKG ((SEC_CHAR *)"Kerberos")
#define TOKMAX 48000
#define REQ_STD (ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | ISC_REQ_REPLAY_DETECT | \
                 ISC_REQ_SEQUENCE_DETECT | ISC_REQ_CONNECTION)
#define ASC_STD (ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY | ASC_REQ_REPLAY_DETECT | \
                 ASC_REQ_SEQUENCE_DETECT | ASC_REQ_CONNECTION)

static const char *realm;

typedef struct pair {
    CredHandle ccred, scred;
    CtxtHandle cctx, sctx;
    bool have_c, have_s;
    SECURITY_STATUS isc1, asc1, asc, isc2;
    ULONG cattr, sattr;
    uint8_t first_token[TOKMAX];
    ULONG first_len;
} pair;

static SECURITY_STATUS server_creds(const char *keytab, const char *principal, CredHandle *out) {
    TimeStamp ts;
    SECURITY_STATUS st = AcquireCredentialsHandleA((SEC_CHAR *)principal, PKG, SECPKG_CRED_INBOUND,
                                                   NULL, NULL, NULL, NULL, out, &ts);
    if (st == SEC_E_OK && keytab)
        st = SetCredentialsAttributesA(out, SECPKG_CRED_ATTR_LIBSSPI_KRB5_KEYTAB, (void *)keytab,
                                       (ULONG)strlen(keytab) + 1);
    return st;
}

/* ISC / ASC until both are done or one fails (a failing acceptor's error
 * token is still given to the client). bindings may be NULL. Records the
 * first and last status of each side. */
static void handshake(pair *p, const char *target, ULONG isc_req, const SEC_CHANNEL_BINDINGS *cb,
                      size_t cb_len, const SEC_CHANNEL_BINDINGS *sb, size_t sb_len) {
    static uint8_t tok[TOKMAX], out[TOKMAX];
    ULONG tok_len = 0;
    TimeStamp ts;
    bool c_done = false, s_done = false, c_first = true, s_first = true, server_failed = false;
    p->isc1 = p->isc2 = p->asc = p->asc1 = SEC_E_INTERNAL_ERROR;
    for (int round = 0; round < 8; round++) {
        /* client */
        if (!c_done) {
            SecBuffer cin[2] = {{tok_len, SECBUFFER_TOKEN, tok},
                                {(ULONG)cb_len, SECBUFFER_CHANNEL_BINDINGS, (void *)cb}};
            SecBufferDesc cind = {SECBUFFER_VERSION, 0, cin + (c_first ? 1 : 0)};
            cind.cBuffers = (c_first ? 0 : 1) + (cb ? 1 : 0);
            SecBuffer ob = {TOKMAX, SECBUFFER_TOKEN, out};
            SecBufferDesc obd = {SECBUFFER_VERSION, 1, &ob};
            SECURITY_STATUS st = InitializeSecurityContextA(
                &p->ccred, c_first ? NULL : &p->cctx, (SEC_CHAR *)target, isc_req, 0,
                SECURITY_NATIVE_DREP, cind.cBuffers ? &cind : NULL, 0, &p->cctx, &obd, &p->cattr,
                &ts);
            if (c_first) {
                p->isc1 = st;
                p->have_c = st == SEC_E_OK || st == SEC_I_CONTINUE_NEEDED;
                if (p->have_c) {
                    memcpy(p->first_token, out, ob.cbBuffer);
                    p->first_len = ob.cbBuffer;
                }
            }
            p->isc2 = st;
            c_first = false;
            if (server_failed) return;
            if (st != SEC_E_OK && st != SEC_I_CONTINUE_NEEDED) return;
            c_done = st == SEC_E_OK;
            memcpy(tok, out, ob.cbBuffer);
            tok_len = ob.cbBuffer;
            if (tok_len == 0) {
                if (!s_done && c_done && !s_first) p->asc = SEC_E_INTERNAL_ERROR;
                return;
            }
        }
        /* server */
        if (s_done) {
            p->asc = SEC_E_INTERNAL_ERROR; /* a token for a finished server */
            return;
        }
        SecBuffer sin[2] = {{tok_len, SECBUFFER_TOKEN, tok},
                            {(ULONG)sb_len, SECBUFFER_CHANNEL_BINDINGS, (void *)sb}};
        SecBufferDesc sind = {SECBUFFER_VERSION, sb ? 2 : 1, sin};
        SecBuffer ob = {TOKMAX, SECBUFFER_TOKEN, out};
        SecBufferDesc obd = {SECBUFFER_VERSION, 1, &ob};
        SECURITY_STATUS st = AcceptSecurityContext(&p->scred, s_first ? NULL : &p->sctx, &sind,
                                                   ASC_STD, SECURITY_NATIVE_DREP, &p->sctx, &obd,
                                                   &p->sattr, &ts);
        if (s_first) {
            p->asc1 = st;
            p->have_s = st == SEC_E_OK || st == SEC_I_CONTINUE_NEEDED;
        }
        s_first = false;
        p->asc = st;
        s_done = st == SEC_E_OK;
        if (st != SEC_E_OK && st != SEC_I_CONTINUE_NEEDED) server_failed = true;
        memcpy(tok, out, ob.cbBuffer);
        tok_len = ob.cbBuffer;
        if (tok_len == 0 || c_done) {
            if (tok_len != 0 && c_done) p->isc2 = SEC_E_INTERNAL_ERROR; /* unexpected token */
            return;
        }
    }
}

static void pair_free(pair *p) {
    if (p->have_c) DeleteSecurityContext(&p->cctx);
    if (p->have_s) DeleteSecurityContext(&p->sctx);
    FreeCredentialsHandle(&p->ccred);
    FreeCredentialsHandle(&p->scred);
}

static bool pair_init(pair *p, const char *keytab, const char *acceptor) {
    memset(p, 0, sizeof *p);
    TimeStamp ts;
    if (AcquireCredentialsHandleA(NULL, PKG, SECPKG_CRED_OUTBOUND, NULL, NULL, NULL, NULL,
                                  &p->ccred, &ts) != SEC_E_OK)
        return false;
    if (server_creds(keytab, acceptor, &p->scred) != SEC_E_OK) {
        FreeCredentialsHandle(&p->ccred);
        return false;
    }
    return true;
}

/* Seal on `from`, unseal on `to` (TOKEN + DATA or STREAM). */
static SECURITY_STATUS seal_unseal(CtxtHandle *from, CtxtHandle *to, bool stream, ULONG qop,
                                   ULONG *qop_out, bool tamper, bool twice) {
    SecPkgContext_Sizes sz;
    if (QueryContextAttributesA(from, SECPKG_ATTR_SIZES, &sz) != SEC_E_OK) return -1;
    const char *msg = "attack at dawn";
    size_t n = strlen(msg);
    uint8_t buf[256];
    memcpy(buf + sz.cbSecurityTrailer, msg, n);
    SecBuffer eb[2] = {{sz.cbSecurityTrailer, SECBUFFER_TOKEN, buf},
                       {(ULONG)n, SECBUFFER_DATA, buf + sz.cbSecurityTrailer}};
    SecBufferDesc ed = {SECBUFFER_VERSION, 2, eb};
    SECURITY_STATUS st = EncryptMessage(from, qop, &ed, 0);
    if (st != SEC_E_OK) return st;
    if (qop == 0 && memcmp(eb[1].pvBuffer, msg, n) == 0) return -2; /* not encrypted */
    uint8_t wire[256];
    memcpy(wire, eb[0].pvBuffer, eb[0].cbBuffer);
    memcpy(wire + eb[0].cbBuffer, eb[1].pvBuffer, eb[1].cbBuffer);
    size_t wl = eb[0].cbBuffer + eb[1].cbBuffer;
    if (tamper) wire[wl - 1] ^= 1;
    uint8_t copy[256];
    memcpy(copy, wire, wl);
    for (int round = 0; round < (twice ? 2 : 1); round++) {
        memcpy(wire, copy, wl);
        if (stream) {
            SecBuffer db[2] = {{(ULONG)wl, SECBUFFER_STREAM, wire}, {0, SECBUFFER_DATA, NULL}};
            SecBufferDesc dd = {SECBUFFER_VERSION, 2, db};
            st = DecryptMessage(to, &dd, 0, qop_out);
            if (st == SEC_E_OK &&
                (db[1].cbBuffer != n || memcmp(db[1].pvBuffer, msg, n) != 0))
                return -3;
        } else {
            SecBuffer db[2] = {{eb[0].cbBuffer, SECBUFFER_TOKEN, wire},
                               {(ULONG)n, SECBUFFER_DATA, wire + eb[0].cbBuffer}};
            SecBufferDesc dd = {SECBUFFER_VERSION, 2, db};
            st = DecryptMessage(to, &dd, 0, qop_out);
            if (st == SEC_E_OK && (db[1].cbBuffer != n || memcmp(db[1].pvBuffer, msg, n) != 0))
                return -3;
        }
        if (st != SEC_E_OK) return st;
    }
    return st;
}

static SECURITY_STATUS sign_verify(CtxtHandle *from, CtxtHandle *to, bool tamper) {
    uint8_t sig[64];
    char msg[] = "signed text";
    SecBuffer sb[2] = {{(ULONG)strlen(msg), SECBUFFER_DATA, msg}, {sizeof sig, SECBUFFER_TOKEN, sig}};
    SecBufferDesc sd = {SECBUFFER_VERSION, 2, sb};
    SECURITY_STATUS st = MakeSignature(from, 0, &sd, 0);
    if (st != SEC_E_OK) return st;
    if (tamper) msg[0] ^= 1;
    ULONG qop = 0;
    return VerifySignature(to, &sd, 0, &qop);
}

/* ---- cases ---- */

static void test_mutual_and_attributes(void) {
    pair p;
    REQUIRE(pair_init(&p, NULL, NULL));
    handshake(&p, "host/localhost", REQ_STD | ISC_REQ_MUTUAL_AUTH, NULL, 0, NULL, 0);
    CHECK_EQ_INT(p.isc1, SEC_I_CONTINUE_NEEDED);
    CHECK_EQ_INT(p.asc, SEC_E_OK);
    CHECK_EQ_INT(p.isc2, SEC_E_OK);
    CHECK(p.cattr & ISC_RET_MUTUAL_AUTH);
    CHECK(p.sattr & ASC_RET_MUTUAL_AUTH);
    CHECK(p.cattr & ISC_RET_CONFIDENTIALITY);
    CHECK(p.sattr & ASC_RET_REPLAY_DETECT);
    REQUIRE(p.isc2 == SEC_E_OK && p.asc == SEC_E_OK);

    char want_client[128], want_server[128];
    snprintf(want_client, sizeof want_client, "alice@%s", realm);
    snprintf(want_server, sizeof want_server, "host/localhost@%s", realm);
    CtxtHandle *both[2] = {&p.cctx, &p.sctx};
    SecPkgContext_SessionKey keys[2];
    for (int i = 0; i < 2; i++) {
        SecPkgContext_NamesA names = {0};
        CHECK_EQ_INT(QueryContextAttributesA(both[i], SECPKG_ATTR_NAMES, &names), SEC_E_OK);
        CHECK(names.sUserName && strcmp(names.sUserName, want_client) == 0);
        FreeContextBuffer(names.sUserName);
        SecPkgContext_NativeNamesA nn = {0};
        CHECK_EQ_INT(QueryContextAttributesA(both[i], SECPKG_ATTR_NATIVE_NAMES, &nn), SEC_E_OK);
        CHECK(nn.sClientName && strcmp(nn.sClientName, want_client) == 0);
        CHECK(nn.sServerName && strcmp(nn.sServerName, want_server) == 0);
        FreeContextBuffer(nn.sClientName);
        FreeContextBuffer(nn.sServerName);
        SecPkgContext_Sizes sz = {0};
        CHECK_EQ_INT(QueryContextAttributesA(both[i], SECPKG_ATTR_SIZES, &sz), SEC_E_OK);
        CHECK_EQ_INT(sz.cbMaxToken, 48000);
        CHECK_EQ_INT(sz.cbMaxSignature, 28);
        CHECK_EQ_INT(sz.cbBlockSize, 1);
        CHECK_EQ_INT(sz.cbSecurityTrailer, 60);
        memset(&keys[i], 0, sizeof keys[i]);
        CHECK_EQ_INT(QueryContextAttributesA(both[i], SECPKG_ATTR_SESSION_KEY, &keys[i]),
                     SEC_E_OK);
        SecPkgContext_Lifespan life = {0};
        CHECK_EQ_INT(QueryContextAttributesA(both[i], SECPKG_ATTR_LIFESPAN, &life), SEC_E_OK);
        int64_t exp = (int64_t)((uint64_t)(uint32_t)life.tsExpiry.HighPart << 32 |
                                life.tsExpiry.LowPart);
        int64_t now_ft = (int64_t)time(NULL) * 10000000 + INT64_C(116444736000000000);
        CHECK(exp > now_ft && exp < now_ft + INT64_C(11) * 3600 * 10000000);
        SecPkgContext_KeyInfoA ki = {0};
        CHECK_EQ_INT(QueryContextAttributesA(both[i], SECPKG_ATTR_KEY_INFO, &ki), SEC_E_OK);
        CHECK_EQ_INT(ki.EncryptAlgorithm, 18);
        CHECK_EQ_INT(ki.KeySize, 256);
        FreeContextBuffer(ki.sSignatureAlgorithmName);
        FreeContextBuffer(ki.sEncryptAlgorithmName);
        SecPkgContext_Flags fl = {0};
        CHECK_EQ_INT(QueryContextAttributesA(both[i], SECPKG_ATTR_FLAGS, &fl), SEC_E_OK);
        CHECK_EQ_INT(fl.Flags, i == 0 ? p.cattr : (p.sattr & ~(ULONG)ASC_RET_ALLOCATED_MEMORY));
        SecPkgContext_PackageInfoA pi = {0};
        CHECK_EQ_INT(QueryContextAttributesA(both[i], SECPKG_ATTR_PACKAGE_INFO, &pi), SEC_E_OK);
        CHECK(pi.PackageInfo && strcmp(pi.PackageInfo->Name, "Kerberos") == 0);
        FreeContextBuffer(pi.PackageInfo);
    }
    CHECK_EQ_INT(keys[0].SessionKeyLength, 32);
    CHECK_EQ_INT(keys[1].SessionKeyLength, keys[0].SessionKeyLength);
    if (keys[0].SessionKey && keys[1].SessionKey)
        CHECK(memcmp(keys[0].SessionKey, keys[1].SessionKey, keys[0].SessionKeyLength) == 0);
    FreeContextBuffer(keys[0].SessionKey);
    FreeContextBuffer(keys[1].SessionKey);
    SecPkgContext_LibsspiStringA dc = {0};
    CHECK_EQ_INT(QueryContextAttributesA(&p.sctx, SECPKG_ATTR_LIBSSPI_KRB5_DELEGATED_CCACHE, &dc),
                 SEC_E_NO_CREDENTIALS);

    /* Messages both ways. */
    ULONG qop = 99;
    CHECK_EQ_INT(seal_unseal(&p.cctx, &p.sctx, false, 0, &qop, false, false), SEC_E_OK);
    CHECK_EQ_INT(qop, 0);
    CHECK_EQ_INT(seal_unseal(&p.sctx, &p.cctx, false, 0, &qop, false, false), SEC_E_OK);
    CHECK_EQ_INT(seal_unseal(&p.cctx, &p.sctx, true, 0, &qop, false, false), SEC_E_OK);
    CHECK_EQ_INT(seal_unseal(&p.sctx, &p.cctx, true, 0, &qop, false, false), SEC_E_OK);
    CHECK_EQ_INT(seal_unseal(&p.cctx, &p.sctx, false, SECQOP_WRAP_NO_ENCRYPT, &qop, false, false),
                 SEC_E_OK);
    CHECK_EQ_INT(qop, SECQOP_WRAP_NO_ENCRYPT);
    CHECK_EQ_INT(seal_unseal(&p.sctx, &p.cctx, true, SECQOP_WRAP_NO_ENCRYPT, &qop, false, false),
                 SEC_E_OK);
    CHECK_EQ_INT(qop, SECQOP_WRAP_NO_ENCRYPT);
    CHECK_EQ_INT(sign_verify(&p.cctx, &p.sctx, false), SEC_E_OK);
    CHECK_EQ_INT(sign_verify(&p.sctx, &p.cctx, false), SEC_E_OK);
    /* Tampering and replay. */
    CHECK_EQ_INT(seal_unseal(&p.cctx, &p.sctx, false, 0, &qop, true, false), SEC_E_MESSAGE_ALTERED);
    CHECK_EQ_INT(sign_verify(&p.cctx, &p.sctx, true), SEC_E_MESSAGE_ALTERED);
    CHECK_EQ_INT(seal_unseal(&p.cctx, &p.sctx, true, 0, &qop, false, true), SEC_E_OUT_OF_SEQUENCE);
    /* Unsupported QOP. */
    CHECK_EQ_INT(seal_unseal(&p.cctx, &p.sctx, false, 7, &qop, false, false),
                 SEC_E_QOP_NOT_SUPPORTED);
    pair_free(&p);
}

static void test_no_mutual(void) {
    pair p;
    REQUIRE(pair_init(&p, NULL, NULL));
    handshake(&p, "HTTP/localhost", REQ_STD, NULL, 0, NULL, 0);
    CHECK_EQ_INT(p.isc1, SEC_E_OK);
    CHECK_EQ_INT(p.asc, SEC_E_OK);
    CHECK_EQ_INT(p.isc2, SEC_E_OK);
    CHECK(!(p.cattr & ISC_RET_MUTUAL_AUTH));
    CHECK(!(p.sattr & ASC_RET_MUTUAL_AUTH));
    if (p.asc == SEC_E_OK) {
        ULONG qop;
        CHECK_EQ_INT(seal_unseal(&p.cctx, &p.sctx, false, 0, &qop, false, false), SEC_E_OK);
        CHECK_EQ_INT(seal_unseal(&p.sctx, &p.cctx, true, 0, &qop, false, false), SEC_E_OK);
        CHECK_EQ_INT(sign_verify(&p.sctx, &p.cctx, false), SEC_E_OK);
    }
    pair_free(&p);
}

static void test_target_forms(void) {
    char with_realm[128];
    snprintf(with_realm, sizeof with_realm, "HTTP/localhost@%s", realm);
    const char *targets[] = {"host/localhost", with_realm};
    for (size_t i = 0; i < 2; i++) {
        pair p;
        REQUIRE(pair_init(&p, NULL, NULL));
        handshake(&p, targets[i], REQ_STD | ISC_REQ_MUTUAL_AUTH, NULL, 0, NULL, 0);
        if (p.isc2 != SEC_E_OK) fprintf(stderr, "target %s failed\n", targets[i]);
        CHECK_EQ_INT(p.isc2, SEC_E_OK);
        pair_free(&p);
    }
    /* No target. */
    pair p;
    REQUIRE(pair_init(&p, NULL, NULL));
    handshake(&p, NULL, REQ_STD, NULL, 0, NULL, 0);
    CHECK_EQ_INT(p.isc1, SEC_E_TARGET_UNKNOWN);
    pair_free(&p);
}

static SEC_CHANNEL_BINDINGS *make_bindings(const char *app, size_t *len) {
    size_t n = strlen(app);
    *len = sizeof(SEC_CHANNEL_BINDINGS) + n;
    SEC_CHANNEL_BINDINGS *b = calloc(1, *len);
    if (!b) abort();
    b->cbApplicationDataLength = (ULONG)n;
    b->dwApplicationDataOffset = sizeof *b;
    memcpy((uint8_t *)b + sizeof *b, app, n);
    return b;
}

static void test_channel_bindings(void) {
    size_t la, lb;
    SEC_CHANNEL_BINDINGS *a = make_bindings("tls-server-end-point:AAAA", &la);
    SEC_CHANNEL_BINDINGS *b = make_bindings("tls-server-end-point:BBBB", &lb);
    pair p;
    REQUIRE(pair_init(&p, NULL, NULL));
    handshake(&p, "host/localhost", REQ_STD | ISC_REQ_MUTUAL_AUTH, a, la, a, la);
    CHECK_EQ_INT(p.asc, SEC_E_OK);
    CHECK_EQ_INT(p.isc2, SEC_E_OK);
    pair_free(&p);
    REQUIRE(pair_init(&p, NULL, NULL));
    handshake(&p, "host/localhost", REQ_STD | ISC_REQ_MUTUAL_AUTH, a, la, b, lb);
    CHECK_EQ_INT(p.asc, SEC_E_BAD_BINDINGS);
    pair_free(&p);
    /* A client without bindings is accepted by a server with some. */
    REQUIRE(pair_init(&p, NULL, NULL));
    handshake(&p, "host/localhost", REQ_STD | ISC_REQ_MUTUAL_AUTH, NULL, 0, b, lb);
    CHECK_EQ_INT(p.asc, SEC_E_OK);
    pair_free(&p);
    free(a);
    free(b);
}

static void check_delegated(CtxtHandle *sctx, bool want) {
    SecPkgContext_LibsspiStringA dc = {0};
    SECURITY_STATUS st =
        QueryContextAttributesA(sctx, SECPKG_ATTR_LIBSSPI_KRB5_DELEGATED_CCACHE, &dc);
    if (!want) {
        CHECK_EQ_INT(st, SEC_E_NO_CREDENTIALS);
        return;
    }
    CHECK_EQ_INT(st, SEC_E_OK);
    REQUIRE(dc.sValue != NULL);
    CHECK(strncmp(dc.sValue, "MEMORY:", 7) == 0);
    /* The cache holds alice's TGT. */
    kg_ctx *k = NULL;
    kg_ccache *cc = NULL;
    kg_principal *pr = NULL;
    char *name = NULL;
    kg_times t;
    CHECK_OK(kg_ctx_new(&k));
    if (k) CHECK_OK(kg_ccache_resolve(k, dc.sValue, &cc));
    if (cc) CHECK_OK(kg_ccache_principal(k, cc, &pr));
    if (pr) CHECK_OK(kg_principal_unparse(k, pr, &name));
    char want_client[128];
    snprintf(want_client, sizeof want_client, "alice@%s", realm);
    CHECK(name && strcmp(name, want_client) == 0);
    if (cc) CHECK_OK(kg_ccache_tgt_times(k, cc, &t));
    free(name);
    if (k) {
        kg_principal_free(k, pr);
        kg_ccache_close(k, cc);
        kg_ctx_free(k);
    }
    FreeContextBuffer(dc.sValue);
}

static void test_delegation(void) {
    /* host/localhost is ok-as-delegate in the test realm; HTTP/localhost not. */
    pair p;
    REQUIRE(pair_init(&p, NULL, NULL));
    handshake(&p, "host/localhost", REQ_STD | ISC_REQ_MUTUAL_AUTH | ISC_REQ_DELEGATE, NULL, 0,
              NULL, 0);
    CHECK_EQ_INT(p.isc2, SEC_E_OK);
    CHECK(p.cattr & ISC_RET_DELEGATE);
    CHECK(p.sattr & ASC_RET_DELEGATE);
    if (p.asc == SEC_E_OK) check_delegated(&p.sctx, true);
    pair_free(&p);

    REQUIRE(pair_init(&p, NULL, NULL));
    handshake(&p, "HTTP/localhost", REQ_STD | ISC_REQ_MUTUAL_AUTH | ISC_REQ_DELEGATE, NULL, 0,
              NULL, 0);
    CHECK_EQ_INT(p.isc2, SEC_E_OK);
    CHECK(!(p.cattr & ISC_RET_DELEGATE));
    CHECK(!(p.sattr & ASC_RET_DELEGATE));
    if (p.asc == SEC_E_OK) check_delegated(&p.sctx, false);
    pair_free(&p);

    REQUIRE(pair_init(&p, NULL, NULL));
    ULONG always = LIBSSPI_KRB5_DELEGATE_ALWAYS;
    CHECK_EQ_INT(SetCredentialsAttributesA(&p.ccred, SECPKG_CRED_ATTR_LIBSSPI_KRB5_DELEGATION,
                                           &always, sizeof always),
                 SEC_E_OK);
    handshake(&p, "HTTP/localhost", REQ_STD | ISC_REQ_MUTUAL_AUTH | ISC_REQ_DELEGATE, NULL, 0,
              NULL, 0);
    CHECK_EQ_INT(p.isc2, SEC_E_OK);
    CHECK(p.cattr & ISC_RET_DELEGATE);
    CHECK(p.sattr & ASC_RET_DELEGATE);
    if (p.asc == SEC_E_OK) check_delegated(&p.sctx, true);
    pair_free(&p);
}

static void test_wrong_keys(void) {
    const char *http_only = getenv("SSPI_KRB5_HTTP_ONLY_KEYTAB");
    REQUIRE(http_only != NULL);
    pair p;
    /* The ticket is for host/localhost; the keytab only has HTTP/localhost. */
    REQUIRE(pair_init(&p, http_only, NULL));
    handshake(&p, "host/localhost", REQ_STD | ISC_REQ_MUTUAL_AUTH, NULL, 0, NULL, 0);
    CHECK_EQ_INT(p.isc1, SEC_I_CONTINUE_NEEDED);
    CHECK_EQ_INT(p.asc, SEC_E_LOGON_DENIED);
    /* The acceptor's KRB-ERROR tells the client it asked for the wrong name. */
    CHECK_EQ_INT(p.isc2, SEC_E_WRONG_PRINCIPAL);
    pair_free(&p);
    /* The acceptor only answers for HTTP/localhost. */
    char acceptor[128];
    snprintf(acceptor, sizeof acceptor, "HTTP/localhost@%s", realm);
    REQUIRE(pair_init(&p, NULL, acceptor));
    handshake(&p, "host/localhost", REQ_STD | ISC_REQ_MUTUAL_AUTH, NULL, 0, NULL, 0);
    CHECK_EQ_INT(p.asc, SEC_E_LOGON_DENIED);
    pair_free(&p);
    REQUIRE(pair_init(&p, NULL, acceptor));
    handshake(&p, "HTTP/localhost", REQ_STD | ISC_REQ_MUTUAL_AUTH, NULL, 0, NULL, 0);
    CHECK_EQ_INT(p.asc, SEC_E_OK);
    pair_free(&p);
}

static void test_replayed_ap_req(void) {
    pair p;
    REQUIRE(pair_init(&p, NULL, NULL));
    handshake(&p, "host/localhost", REQ_STD | ISC_REQ_MUTUAL_AUTH, NULL, 0, NULL, 0);
    CHECK_EQ_INT(p.asc, SEC_E_OK);
    /* The same AP-REQ to a new server context: the replay cache refuses it. */
    CtxtHandle s2;
    ULONG attr;
    TimeStamp ts;
    uint8_t out[TOKMAX];
    SecBuffer in = {p.first_len, SECBUFFER_TOKEN, p.first_token};
    SecBufferDesc ind = {SECBUFFER_VERSION, 1, &in};
    SecBuffer ob = {TOKMAX, SECBUFFER_TOKEN, out};
    SecBufferDesc obd = {SECBUFFER_VERSION, 1, &ob};
    SECURITY_STATUS st = AcceptSecurityContext(&p.scred, NULL, &ind, ASC_STD, SECURITY_NATIVE_DREP,
                                               &s2, &obd, &attr, &ts);
    CHECK_EQ_INT(st, SEC_E_LOGON_DENIED);
    if (st == SEC_E_OK) DeleteSecurityContext(&s2);
    pair_free(&p);
}

/* The acceptor's krb5.conf allows no clock skew at all (clockskew = 0; read
 * when its credential is acquired): an authenticator one second old is
 * refused with SEC_E_TIME_SKEW, and the client learns it from the KRB-ERROR. */
static void test_time_skew(void) {
    const char *conf = getenv("KRB5_CONFIG");
    REQUIRE(conf != NULL);
    char strict[512];
    snprintf(strict, sizeof strict, "%s.noskew", conf);
    FILE *in = fopen(conf, "r"), *out = fopen(strict, "w");
    REQUIRE(in && out);
    char line[512];
    while (fgets(line, sizeof line, in)) {
        fputs(line, out);
        if (strncmp(line, "[libdefaults]", 13) == 0) fputs("    clockskew = 0\n", out);
    }
    fclose(in);
    fclose(out);
    pair p;
    memset(&p, 0, sizeof p);
    TimeStamp ts;
    REQUIRE(AcquireCredentialsHandleA(NULL, PKG, SECPKG_CRED_OUTBOUND, NULL, NULL, NULL, NULL,
                                      &p.ccred, &ts) == SEC_E_OK);
    char *saved = strdup(conf);
    setenv("KRB5_CONFIG", strict, 1);
    SECURITY_STATUS st = server_creds(NULL, NULL, &p.scred);
    setenv("KRB5_CONFIG", saved, 1);
    free(saved);
    REQUIRE(st == SEC_E_OK);
    /* AP-REQ now, accepted more than a second later. */
    uint8_t t1[TOKMAX], t2[TOKMAX], t3[TOKMAX];
    SecBuffer o1 = {TOKMAX, SECBUFFER_TOKEN, t1};
    SecBufferDesc o1d = {SECBUFFER_VERSION, 1, &o1};
    st = InitializeSecurityContextA(&p.ccred, NULL, (SEC_CHAR *)"host/localhost",
                                    REQ_STD | ISC_REQ_MUTUAL_AUTH, 0, SECURITY_NATIVE_DREP, NULL,
                                    0, &p.cctx, &o1d, &p.cattr, &ts);
    CHECK_EQ_INT(st, SEC_I_CONTINUE_NEEDED);
    p.have_c = st == SEC_I_CONTINUE_NEEDED;
    struct timespec wait = {2, 100000000};
    nanosleep(&wait, NULL);
    SecBuffer i2 = {o1.cbBuffer, SECBUFFER_TOKEN, t1};
    SecBufferDesc i2d = {SECBUFFER_VERSION, 1, &i2};
    SecBuffer o2 = {TOKMAX, SECBUFFER_TOKEN, t2};
    SecBufferDesc o2d = {SECBUFFER_VERSION, 1, &o2};
    st = AcceptSecurityContext(&p.scred, NULL, &i2d, ASC_STD, SECURITY_NATIVE_DREP, &p.sctx, &o2d,
                               &p.sattr, &ts);
    CHECK_EQ_INT(st, SEC_E_TIME_SKEW);
    CHECK(o2.cbBuffer > 0); /* KRB-ERROR for the client */
    if (p.have_c && o2.cbBuffer > 0) {
        SecBuffer i3 = {o2.cbBuffer, SECBUFFER_TOKEN, t2};
        SecBufferDesc i3d = {SECBUFFER_VERSION, 1, &i3};
        SecBuffer o3 = {TOKMAX, SECBUFFER_TOKEN, t3};
        SecBufferDesc o3d = {SECBUFFER_VERSION, 1, &o3};
        st = InitializeSecurityContextA(&p.ccred, &p.cctx, (SEC_CHAR *)"host/localhost",
                                        REQ_STD | ISC_REQ_MUTUAL_AUTH, 0, SECURITY_NATIVE_DREP,
                                        &i3d, 0, &p.cctx, &o3d, &p.cattr, &ts);
        CHECK_EQ_INT(st, SEC_E_TIME_SKEW);
    }
    remove(strict);
    pair_free(&p);
}

static void test_dce_style(void) {
    pair p;
    REQUIRE(pair_init(&p, NULL, NULL));
    handshake(&p, "host/localhost", REQ_STD | ISC_REQ_USE_DCE_STYLE, NULL, 0, NULL, 0);
    CHECK_EQ_INT(p.isc1, SEC_I_CONTINUE_NEEDED);
    CHECK_EQ_INT(p.first_token[0], 0x6e); /* bare AP-REQ */
    CHECK_EQ_INT(p.asc1, SEC_I_CONTINUE_NEEDED);
    CHECK_EQ_INT(p.isc2, SEC_E_OK);
    CHECK_EQ_INT(p.asc, SEC_E_OK);
    CHECK(p.cattr & ISC_RET_USED_DCE_STYLE);
    CHECK(p.cattr & ISC_RET_MUTUAL_AUTH);
    CHECK(p.sattr & ASC_RET_USED_DCE_STYLE);
    if (p.asc == SEC_E_OK && p.isc2 == SEC_E_OK) {
        ULONG qop;
        CHECK_EQ_INT(seal_unseal(&p.cctx, &p.sctx, false, 0, &qop, false, false), SEC_E_OK);
        CHECK_EQ_INT(seal_unseal(&p.sctx, &p.cctx, false, 0, &qop, false, false), SEC_E_OK);
        CHECK_EQ_INT(sign_verify(&p.cctx, &p.sctx, false), SEC_E_OK);
        CHECK_EQ_INT(sign_verify(&p.sctx, &p.cctx, false), SEC_E_OK);
    }
    pair_free(&p);
}

int main(void) {
    if (!getenv("SSPI_KRB5_LOOPBACK")) {
        printf("skipped: needs the test KDC (run by tests/interop/krb5_gss.sh)\n");
        return 77; /* CTest: SKIP_RETURN_CODE */
    }
    realm = getenv("KRB5_REALM_NAME");
    if (!realm) realm = "SSPI.TEST";
    TEST_RUN(test_mutual_and_attributes);
    TEST_RUN(test_no_mutual);
    TEST_RUN(test_target_forms);
    TEST_RUN(test_channel_bindings);
    TEST_RUN(test_delegation);
    TEST_RUN(test_wrong_keys);
    TEST_RUN(test_replayed_ap_req);
    TEST_RUN(test_dce_style);
    TEST_RUN(test_time_skew);
    return test_summary();
}
