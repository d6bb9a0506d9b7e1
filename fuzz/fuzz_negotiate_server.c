/*
 * libFuzzer target: the Negotiate (SPNEGO) acceptor through the public API,
 * with NTLM as the mechanism (Kerberos has no keytab here, so the acceptor
 * offers NTLM only; the client's PackageList is "NTLM" so that it never
 * looks for a KDC).
 *
 * Byte 0: bit 7 real-client mode, bit 0 ASC_REQ_ALLOW_NULL_SESSION,
 * bit 1 client asks for integrity only.
 * Raw mode: up to 4 u16-prefixed tokens, fed to AcceptSecurityContext one
 * after the other while it says SEC_I_CONTINUE_NEEDED (the first is a
 * NegTokenInit or a raw NTLM NEGOTIATE, the next NegTokenResp).
 * Real-client mode: a Negotiate client (alice) talks to the acceptor; byte 1
 * gives, two bits per leg, how many edits (x4, fz_mutate) hit each token
 * before the peer sees it.
 *
 * Checked (abort() otherwise): statuses are Windows statuses this path may
 * return (never SEC_E_INTERNAL_ERROR), no crash or leak, an accepted
 * context answers QueryContextAttributes, a failed one refuses further
 * tokens, and an untouched handshake succeeds on both sides and protects
 * messages.
 */
#include "fuzz_api.h"

static CredHandle g_srv;
static bool g_ready;

static void refuses_more(CtxtHandle *ctx, ULONG req, const uint8_t *tok, size_t len) {
    fz_call c;
    memset(&c, 0, sizeof c);
    c.in = tok;
    c.in_len = len;
    SECURITY_STATUS s = fz_asc(&g_srv, ctx, false, req, &c);
    CHECK(s != SEC_E_OK && s != SEC_I_CONTINUE_NEEDED);
    CHECK(fz_handshake_status_ok(s) || s == SEC_E_INVALID_HANDLE);
}

static void accepted(CtxtHandle *ctx) {
    SecPkgContext_Sizes sizes;
    CHECK(QueryContextAttributesA(ctx, SECPKG_ATTR_SIZES, &sizes) == SEC_E_OK);
    SecPkgContext_NegotiationInfoA ni;
    if (QueryContextAttributesA(ctx, SECPKG_ATTR_NEGOTIATION_INFO, &ni) == SEC_E_OK)
        FreeContextBuffer(ni.PackageInfo);
}

static void raw_mode(ULONG req, fz_in *in) {
    static fz_call c;
    CtxtHandle ctx;
    bool have = false;
    uint8_t *last = NULL;
    size_t last_len = 0;
    for (int leg = 0; leg < 4; leg++) {
        size_t n;
        uint8_t *tok = fz_chunk(in, &n);
        memset(&c, 0, sizeof c);
        c.in = tok;
        c.in_len = n;
        SECURITY_STATUS s = fz_asc(&g_srv, &ctx, !have, req, &c);
        CHECK(fz_handshake_status_ok(s));
        if (!have && fz_made_ctx(s)) have = true;
        free(last);
        last = tok;
        last_len = n;
        if (s == SEC_E_OK) accepted(&ctx);
        if (s != SEC_I_CONTINUE_NEEDED) break;
    }
    if (have) {
        refuses_more(&ctx, req, last, last_len);
        DeleteSecurityContext(&ctx);
    }
    free(last);
}

static void client_mode(ULONG sreq, uint8_t m, fz_in *in) {
    static CredHandle cc;
    static bool have_cc;
    if (!have_cc) {
        CHECK(fz_client_creds("Negotiate", "alice", "DOM", FZ_PASSWORD, "NTLM", &cc) ==
              SEC_E_OK);
        have_cc = true;
    }
    uint8_t counts = fz_u8(in);
    ULONG creq = (m & 2) ? ISC_REQ_INTEGRITY
                         : ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | ISC_REQ_REPLAY_DETECT |
                               ISC_REQ_SEQUENCE_DETECT | ISC_REQ_CONNECTION | ISC_REQ_MUTUAL_AUTH;
    static fz_call a, b;
    CtxtHandle cctx, sctx;
    bool have_c = false, have_s = false;
    SECURITY_STATUS cs = SEC_I_CONTINUE_NEEDED, ss = SEC_I_CONTINUE_NEEDED;
    int edits = 0;
    memset(&a, 0, sizeof a);
    /* client leg, server leg, ... until both are done or one fails */
    for (int leg = 0; leg < 6; leg++) {
        unsigned k = (counts >> (2 * (leg % 4))) & 3;
        if (leg % 2 == 0) {
            if (cs != SEC_I_CONTINUE_NEEDED) break;
            a.in = leg ? b.out : NULL;
            a.in_len = leg ? b.out_len : 0;
            cs = fz_isc(&cc, &cctx, !have_c, creq, &a);
            CHECK(fz_handshake_status_ok(cs));
            if (!have_c && fz_made_ctx(cs)) have_c = true;
            if (!fz_made_ctx(cs) || a.out_len == 0) break;
            edits += fz_mutate(in, a.out, &a.out_len, k * 4);
        } else {
            if (ss != SEC_I_CONTINUE_NEEDED) break;
            memset(&b, 0, sizeof b);
            b.in = a.out;
            b.in_len = a.out_len;
            ss = fz_asc(&g_srv, &sctx, !have_s, sreq, &b);
            CHECK(fz_handshake_status_ok(ss));
            if (!have_s && fz_made_ctx(ss)) have_s = true;
            if (!fz_made_ctx(ss)) break;
            if (b.out_len == 0) break;
            edits += fz_mutate(in, b.out, &b.out_len, k * 4);
        }
    }
    if (have_s && ss == SEC_E_OK) accepted(&sctx);
    if (edits == 0 && !(m & 1)) {
        CHECK(cs == SEC_E_OK && ss == SEC_E_OK);
        uint8_t msg[16], sig[64];
        memcpy(msg, "sixteen bytes!!!", 16);
        SecBuffer bufs[2] = {{sizeof sig, SECBUFFER_TOKEN, sig},
                             {sizeof msg, SECBUFFER_DATA, msg}};
        SecBufferDesc d = {SECBUFFER_VERSION, 2, bufs};
        CHECK(MakeSignature(&cctx, 0, &d, 0) == SEC_E_OK);
        ULONG qop;
        CHECK(VerifySignature(&sctx, &d, 0, &qop) == SEC_E_OK);
    }
    if (have_c) DeleteSecurityContext(&cctx);
    if (have_s) DeleteSecurityContext(&sctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!g_ready) {
        fz_server_creds("Negotiate", &g_srv);
        g_ready = true;
    }
    if (size < 1 || size > 16384) return 0;
    fz_in in = {data + 1, size - 1};
    uint8_t m = data[0];
    ULONG req = ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY | ASC_REQ_REPLAY_DETECT |
                ASC_REQ_SEQUENCE_DETECT | ASC_REQ_CONNECTION | ASC_REQ_MUTUAL_AUTH;
    if (m & 1) req |= ASC_REQ_ALLOW_NULL_SESSION;
    if (m & 128)
        client_mode(req, m, &in);
    else
        raw_mode(req, &in);
    return 0;
}
