/*
 * libFuzzer target: the Negotiate (SPNEGO) initiator through the public API
 * receiving hostile server tokens, with NTLM as the mechanism (the client's
 * PackageList is "NTLM": it never looks for a KDC).
 *
 * Byte 0: bit 7 real-server mode, bit 0 the client asks for integrity only,
 * bit 1 (raw mode) the first token is a server-first NegTokenInit2 given to
 * the first InitializeSecurityContext call.
 * Raw mode: the client's first call, then up to 4 u16-prefixed server
 * tokens (NegTokenResp: CHALLENGE, accept-completed, mechListMIC, reject...)
 * fed to InitializeSecurityContext one after the other while it says
 * SEC_I_CONTINUE_NEEDED.
 * Real-server mode: the client talks to a Negotiate acceptor (alice's
 * account); byte 1 gives, two bits per server leg, how many edits (x4,
 * fz_mutate) hit each server token before the client sees it. Client
 * tokens reach the server untouched.
 *
 * Checked (abort() otherwise): statuses are Windows statuses this path may
 * return (never SEC_E_INTERNAL_ERROR), no crash or leak, a completed client
 * context answers QueryContextAttributes, a finished or failed one refuses
 * further tokens, and an untouched exchange succeeds on both sides and
 * protects messages.
 */
#include "fuzz_api.h"

static CredHandle g_cli, g_srv;
static bool g_ready;

static ULONG client_req(uint8_t m) {
    return (m & 1) ? ISC_REQ_INTEGRITY
                   : ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | ISC_REQ_REPLAY_DETECT |
                         ISC_REQ_SEQUENCE_DETECT | ISC_REQ_CONNECTION | ISC_REQ_MUTUAL_AUTH;
}

static void refuses_more(CtxtHandle *ctx, ULONG req, const uint8_t *tok, size_t len) {
    static fz_call c;
    memset(&c, 0, sizeof c);
    c.in = tok;
    c.in_len = len;
    SECURITY_STATUS s = fz_isc(&g_cli, ctx, false, req, &c);
    CHECK(s != SEC_E_OK && s != SEC_I_CONTINUE_NEEDED);
    CHECK(fz_handshake_status_ok(s) || s == SEC_E_INVALID_HANDLE);
}

static void completed(CtxtHandle *ctx) {
    SecPkgContext_Sizes sizes;
    CHECK(QueryContextAttributesA(ctx, SECPKG_ATTR_SIZES, &sizes) == SEC_E_OK);
    SecPkgContext_NegotiationInfoA ni;
    if (QueryContextAttributesA(ctx, SECPKG_ATTR_NEGOTIATION_INFO, &ni) == SEC_E_OK)
        FreeContextBuffer(ni.PackageInfo);
    SecPkgContext_NamesA names;
    if (QueryContextAttributesA(ctx, SECPKG_ATTR_NAMES, &names) == SEC_E_OK)
        FreeContextBuffer(names.sUserName);
}

static void raw_mode(uint8_t m, fz_in *in) {
    static fz_call c;
    ULONG req = client_req(m);
    CtxtHandle ctx;
    bool have = false;
    uint8_t *last = NULL;
    size_t last_len = 0;
    memset(&c, 0, sizeof c);
    if (m & 2) c.in = last = fz_chunk(in, &last_len); /* NegTokenInit2 */
    c.in_len = last_len;
    SECURITY_STATUS s = fz_isc(&g_cli, &ctx, true, req, &c);
    CHECK(fz_handshake_status_ok(s));
    have = fz_made_ctx(s);
    for (int leg = 0; leg < 4 && s == SEC_I_CONTINUE_NEEDED; leg++) {
        size_t n;
        uint8_t *tok = fz_chunk(in, &n);
        memset(&c, 0, sizeof c);
        c.in = tok;
        c.in_len = n;
        s = fz_isc(&g_cli, &ctx, false, req, &c);
        CHECK(fz_handshake_status_ok(s));
        free(last);
        last = tok;
        last_len = n;
        if (s == SEC_E_OK) completed(&ctx);
    }
    if (have) {
        if (last) refuses_more(&ctx, req, last, last_len);
        DeleteSecurityContext(&ctx);
    }
    free(last);
}

static void server_mode(uint8_t m, fz_in *in) {
    ULONG creq = client_req(m);
    ULONG sreq = ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY | ASC_REQ_REPLAY_DETECT |
                 ASC_REQ_SEQUENCE_DETECT | ASC_REQ_CONNECTION | ASC_REQ_MUTUAL_AUTH;
    uint8_t counts = fz_u8(in);
    static fz_call a, b;
    CtxtHandle cctx, sctx;
    bool have_c = false, have_s = false;
    SECURITY_STATUS cs = SEC_I_CONTINUE_NEEDED, ss = SEC_I_CONTINUE_NEEDED;
    int edits = 0, server_leg = 0;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    /* client leg, server leg, ... until both are done or one fails */
    for (int leg = 0; leg < 6; leg++) {
        if (leg % 2 == 0) {
            if (cs != SEC_I_CONTINUE_NEEDED) break;
            a.in = leg ? b.out : NULL;
            a.in_len = leg ? b.out_len : 0;
            cs = fz_isc(&g_cli, &cctx, !have_c, creq, &a);
            CHECK(fz_handshake_status_ok(cs));
            if (!have_c && fz_made_ctx(cs)) have_c = true;
            if (cs == SEC_E_OK) completed(&cctx);
            if (!fz_made_ctx(cs) || a.out_len == 0) break;
        } else {
            if (ss != SEC_I_CONTINUE_NEEDED) break;
            b.in = a.out;
            b.in_len = a.out_len;
            ss = fz_asc(&g_srv, &sctx, !have_s, sreq, &b);
            CHECK(fz_handshake_status_ok(ss));
            if (!have_s && fz_made_ctx(ss)) have_s = true;
            /* A reject still goes to the client (it explains the failure). */
            if (b.out_len == 0) break;
            unsigned k = (counts >> (2 * (server_leg++ % 4))) & 3;
            edits += fz_mutate(in, b.out, &b.out_len, k * 4);
        }
    }
    if (edits == 0) {
        CHECK(cs == SEC_E_OK && ss == SEC_E_OK);
        uint8_t msg[16], sig[64];
        memcpy(msg, "sixteen bytes!!!", 16);
        SecBuffer bufs[2] = {{sizeof sig, SECBUFFER_TOKEN, sig},
                             {sizeof msg, SECBUFFER_DATA, msg}};
        SecBufferDesc d = {SECBUFFER_VERSION, 2, bufs};
        CHECK(MakeSignature(&sctx, 0, &d, 0) == SEC_E_OK);
        ULONG qop;
        CHECK(VerifySignature(&cctx, &d, 0, &qop) == SEC_E_OK);
    }
    if (have_c) {
        if (cs != SEC_I_CONTINUE_NEEDED && b.out_len) refuses_more(&cctx, creq, b.out, b.out_len);
        DeleteSecurityContext(&cctx);
    }
    if (have_s) DeleteSecurityContext(&sctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!g_ready) {
        CHECK(fz_client_creds("Negotiate", "alice", "DOM", FZ_PASSWORD, "NTLM", &g_cli) ==
              SEC_E_OK);
        fz_server_creds("Negotiate", &g_srv);
        g_ready = true;
    }
    if (size < 1 || size > 16384) return 0;
    fz_in in = {data + 1, size - 1};
    uint8_t m = data[0];
    if (m & 128)
        server_mode(m, &in);
    else
        raw_mode(m, &in);
    return 0;
}
