/*
 * libFuzzer target: the whole NTLM acceptor state machine through the
 * public API (AcquireCredentialsHandle, AcceptSecurityContext,
 * QueryContextAttributes, DeleteSecurityContext), with an in-memory account
 * (alice / Passw0rd!, and "empty" with an empty password).
 *
 * Byte 0 (server): bits 0-2 LM compatibility level (mod 6), bit 3
 * ASC_REQ_ALLOW_NULL_SESSION, bit 4 CBT policy REQUIRED (else
 * WHEN_SUPPORTED), bit 5 give the server channel bindings, bit 6
 * ASC_REQ_DATAGRAM, bit 7 real-client mode.
 * Raw mode: then a u16-prefixed NEGOTIATE (skipped in datagram mode) and the
 * AUTHENTICATE (rest of the input), both fuzzer-made; the AUTHENTICATE
 * meets a real CHALLENGE from the server.
 * Real-client mode: byte 1 (client): bits 0-2 level, bit 3 anonymous
 * identity, bit 4 user "empty", bit 5 client channel bindings, bit 6 ask
 * only for integrity, bit 7 wrong password; then up to 16 edits
 * (fz_mutate) for each of NEGOTIATE, CHALLENGE (before the client sees it)
 * and AUTHENTICATE, counts in byte 2.
 *
 * Checked (abort() otherwise): every status is a Windows status this path
 * may return (never SEC_E_INTERNAL_ERROR, never a crash or leak); a context
 * that failed refuses further tokens; an accepted context answers
 * QueryContextAttributes(SIZES / NAMES / FLAGS); in real-client mode with no
 * edits and matching settings, a context accepted by both sides protects
 * messages both ways.
 */
#include <stdio.h>

#include "fuzz_api.h"

static CredHandle g_srv[6][2][2]; /* level, CBT policy required, allow anonymous */
static bool g_ready;

static void setup(void) {
    for (int l = 0; l < 6; l++)
        for (int p = 0; p < 2; p++)
            for (int a = 0; a < 2; a++) {
                CredHandle *c = &g_srv[l][p][a];
                fz_server_creds("NTLM", c);
                CHECK(fz_set_ulong(c, SECPKG_CRED_ATTR_LIBSSPI_LM_COMPAT_LEVEL, (ULONG)l) ==
                      SEC_E_OK);
                CHECK(fz_set_ulong(c, SECPKG_CRED_ATTR_LIBSSPI_CBT_POLICY,
                                   p ? LIBSSPI_CBT_REQUIRED : LIBSSPI_CBT_WHEN_SUPPORTED) ==
                      SEC_E_OK);
                CHECK(fz_set_ulong(c, SECPKG_CRED_ATTR_LIBSSPI_ALLOW_EMPTY_PASSWORD, (ULONG)a) ==
                      SEC_E_OK);
            }
    g_ready = true;
}

/* A well-formed SEC_CHANNEL_BINDINGS with application data "tls-..." */
static uint8_t k_bindings[32 + 20];
static void make_bindings(void) {
    memset(k_bindings, 0, sizeof k_bindings);
    k_bindings[24] = 20; /* cbApplicationDataLength */
    k_bindings[28] = 32; /* dwApplicationDataOffset */
    memcpy(k_bindings + 32, "tls-server-end-point", 20);
}

static void accepted_ctx_checks(CtxtHandle *ctx) {
    SecPkgContext_Sizes sizes;
    CHECK(QueryContextAttributesA(ctx, SECPKG_ATTR_SIZES, &sizes) == SEC_E_OK);
    SecPkgContext_NamesA names;
    if (QueryContextAttributesA(ctx, SECPKG_ATTR_NAMES, &names) == SEC_E_OK) {
        CHECK(names.sUserName != NULL);
        CHECK(strlen((const char *)names.sUserName) < 1 << 20);
        FreeContextBuffer(names.sUserName);
    }
    SecPkgContext_Flags flags;
    CHECK(QueryContextAttributesA(ctx, SECPKG_ATTR_FLAGS, &flags) == SEC_E_OK);
}

/* After a failure (or success), the context takes no further token. */
static void refuses_more(CredHandle *sc, CtxtHandle *ctx, ULONG req, const uint8_t *tok,
                         size_t len) {
    fz_call c;
    memset(&c, 0, sizeof c);
    c.in = tok;
    c.in_len = len;
    SECURITY_STATUS s = fz_asc(sc, ctx, false, req, &c);
    CHECK(s != SEC_E_OK && s != SEC_I_CONTINUE_NEEDED);
    CHECK(fz_handshake_status_ok(s) || s == SEC_E_INVALID_HANDLE);
}

static void raw_mode(CredHandle *sc, ULONG req, bool datagram, fz_in *in, bool give_cb) {
    size_t nlen = 0;
    uint8_t *neg = datagram ? NULL : fz_chunk(in, &nlen);
    uint8_t *auth = malloc(in->n ? in->n : 1);
    CHECK(auth != NULL);
    size_t alen = in->n;
    if (alen) memcpy(auth, in->p, alen);

    CtxtHandle ctx;
    fz_call c;
    memset(&c, 0, sizeof c);
    c.in = neg;
    c.in_len = nlen;
    SECURITY_STATUS s = fz_asc(sc, &ctx, true, req, &c);
    CHECK(fz_handshake_status_ok(s));
    if (!fz_made_ctx(s)) goto out;
    if (s != SEC_I_CONTINUE_NEEDED) {
        DeleteSecurityContext(&ctx);
        goto out;
    }
    memset(&c, 0, sizeof c);
    c.in = auth;
    c.in_len = alen;
    if (give_cb) {
        c.bindings = k_bindings;
        c.bindings_len = sizeof k_bindings;
    }
    s = fz_asc(sc, &ctx, false, req, &c);
    CHECK(fz_handshake_status_ok(s));
    CHECK(s != SEC_I_CONTINUE_NEEDED);
    if (s == SEC_E_OK) accepted_ctx_checks(&ctx);
    refuses_more(sc, &ctx, req, auth, alen);
    DeleteSecurityContext(&ctx);
out:
    free(neg);
    free(auth);
}

static void client_mode(CredHandle *sc, ULONG sreq, fz_in *in, bool give_cb, int srv_level,
                        bool srv_cbt_required) {
    uint8_t cm = fz_u8(in), counts = fz_u8(in);
    int level = (cm & 7) % 6;
    const char *user = (cm & 16) ? "empty" : "alice";
    const char *pw = (cm & 128) ? "wrong" : ((cm & 16) ? "" : FZ_PASSWORD);
    CredHandle cc;
    SECURITY_STATUS s = (cm & 8) ? fz_client_creds("NTLM", "", "", "", NULL, &cc)
                                 : fz_client_creds("NTLM", user, "DOM", pw, NULL, &cc);
    CHECK(s == SEC_E_OK);
    CHECK(fz_set_ulong(&cc, SECPKG_CRED_ATTR_LIBSSPI_LM_COMPAT_LEVEL, (ULONG)level) == SEC_E_OK);
    ULONG creq = (cm & 64) ? ISC_REQ_INTEGRITY
                           : ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | ISC_REQ_REPLAY_DETECT |
                                 ISC_REQ_SEQUENCE_DETECT | ISC_REQ_CONNECTION;
    bool client_cb = (cm & 32) != 0;

    static fz_call c1, c2, c3, c4;
    CtxtHandle cctx, sctx;
    bool have_c = false, have_s = false;
    int edits = 0;
    memset(&c1, 0, sizeof c1);
    s = fz_isc(&cc, &cctx, true, creq, &c1);
    CHECK(s == SEC_I_CONTINUE_NEEDED);
    have_c = true;
    edits += fz_mutate(in, c1.out, &c1.out_len, counts & 3 ? (counts & 3) * 4 : 0);

    memset(&c2, 0, sizeof c2);
    c2.in = c1.out;
    c2.in_len = c1.out_len;
    s = fz_asc(sc, &sctx, true, sreq, &c2);
    CHECK(fz_handshake_status_ok(s));
    if (!fz_made_ctx(s)) goto done;
    have_s = true;
    if (s != SEC_I_CONTINUE_NEEDED) goto done;
    edits += fz_mutate(in, c2.out, &c2.out_len, (counts >> 2) & 3 ? ((counts >> 2) & 3) * 4 : 0);

    memset(&c3, 0, sizeof c3);
    c3.in = c2.out;
    c3.in_len = c2.out_len;
    if (client_cb) {
        c3.bindings = k_bindings;
        c3.bindings_len = sizeof k_bindings;
    }
    SECURITY_STATUS cs = fz_isc(&cc, &cctx, false, creq, &c3);
    CHECK(fz_handshake_status_ok(cs));
    if (cs != SEC_E_OK) goto done;
    edits += fz_mutate(in, c3.out, &c3.out_len, (counts >> 4) & 3 ? ((counts >> 4) & 3) * 4 : 0);

    memset(&c4, 0, sizeof c4);
    c4.in = c3.out;
    c4.in_len = c3.out_len;
    if (give_cb) {
        c4.bindings = k_bindings;
        c4.bindings_len = sizeof k_bindings;
    }
    s = fz_asc(sc, &sctx, false, sreq, &c4);
    CHECK(fz_handshake_status_ok(s));
    CHECK(s != SEC_I_CONTINUE_NEEDED);
    if (s == SEC_E_OK) accepted_ctx_checks(&sctx);

    /* Untouched handshake, both sides done: messages must flow. */
    if (s == SEC_E_OK && edits == 0 && !(cm & 8)) {
        (void)srv_level;
        (void)srv_cbt_required;
        uint8_t msg[32], sig[64];
        memcpy(msg, "The quick brown fox jumps over!!", 32);
        SecBuffer b[2] = {{sizeof sig, SECBUFFER_TOKEN, sig}, {sizeof msg, SECBUFFER_DATA, msg}};
        SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
        CHECK(MakeSignature(&cctx, 0, &d, 0) == SEC_E_OK);
        ULONG qop = 0;
        CHECK(VerifySignature(&sctx, &d, 0, &qop) == SEC_E_OK);
        b[0].cbBuffer = sizeof sig;
        CHECK(MakeSignature(&sctx, 0, &d, 0) == SEC_E_OK);
        CHECK(VerifySignature(&cctx, &d, 0, &qop) == SEC_E_OK);
    }
    refuses_more(sc, &sctx, sreq, c3.out, c3.out_len);
done:
    if (have_c) DeleteSecurityContext(&cctx);
    if (have_s) DeleteSecurityContext(&sctx);
    FreeCredentialsHandle(&cc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!g_ready) {
        setup();
        make_bindings();
    }
    if (size < 1 || size > 16384) return 0;
    fz_in in = {data + 1, size - 1};
    uint8_t m = data[0];
    int level = (m & 7) % 6;
    bool cbt_required = (m & 16) != 0;
    bool give_cb = (m & 32) != 0;
    ULONG req = ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY | ASC_REQ_REPLAY_DETECT |
                ASC_REQ_SEQUENCE_DETECT | ASC_REQ_CONNECTION;
    if (m & 8) req |= ASC_REQ_ALLOW_NULL_SESSION;
    bool datagram = (m & 64) != 0;
    if (datagram) req = (req & ~(ULONG)ASC_REQ_CONNECTION) | ASC_REQ_DATAGRAM;
    CredHandle *sc = &g_srv[level][cbt_required][(m >> 3) & 1];
    if (m & 128)
        client_mode(sc, req & ~(ULONG)ASC_REQ_DATAGRAM, &in, give_cb, level, cbt_required);
    else
        raw_mode(sc, req, datagram, &in, give_cb);
    return 0;
}
