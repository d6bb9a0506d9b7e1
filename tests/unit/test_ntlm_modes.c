/*
 * NTLM modes through the public API: connectionless (datagram) NTLM, the LM
 * compatibility level matrix (client x server, NTLMv1 / v1-ESS / LM), and
 * ExportSecurityContext / ImportSecurityContext.
 */
#include "ntlm_test_helpers.h"

/* Pull the package out of the static library. */
const sspi_package *const test_ntlm_pkg_ref = &sspi_ntlm_package;

/* AUTHENTICATE_MESSAGE field offsets (MS-NLMP 2.2.1.3). */
#define AUTH_LM 12
#define AUTH_NT 20
#define AUTH_FLAGS 60
#define CHAL_FLAGS 20

/* ---- connectionless ------------------------------------------------------ */

static ULONG dg_isc_req(void) {
    return ISC_REQ_DATAGRAM | ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY |
           ISC_REQ_REPLAY_DETECT | ISC_REQ_SEQUENCE_DETECT;
}

static ULONG dg_asc_req(void) {
    return ASC_REQ_DATAGRAM | ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY |
           ASC_REQ_REPLAY_DETECT | ASC_REQ_SEQUENCE_DETECT;
}

/* Datagram handshake: returns the server's final status (contexts in c, s). */
static SECURITY_STATUS dg_handshake(CredHandle *cc, CredHandle *sc, CtxtHandle *c, CtxtHandle *s,
                                    bool challenge_first, ULONG *cattr, ULONG *sattr) {
    uint8_t t1[TOKMAX], t2[TOKMAX], t3[TOKMAX];
    ULONG l1 = 0, l2 = 0, l3 = 0;
    if (!challenge_first) {
        SECURITY_STATUS st = th_isc(cc, NULL, c, dg_isc_req(), NULL, 0, t1, &l1, cattr);
        CHECK_EQ_INT(st, SEC_I_CONTINUE_NEEDED);
        CHECK_EQ_INT(l1, 0);
        CHECK(*cattr & ISC_RET_DATAGRAM);
        if (st != SEC_I_CONTINUE_NEEDED) return st;
    }
    SECURITY_STATUS st = th_asc(sc, NULL, s, dg_asc_req(), NULL, 0, t2, &l2, sattr);
    CHECK_EQ_INT(st, SEC_I_CONTINUE_NEEDED);
    if (st != SEC_I_CONTINUE_NEEDED) {
        if (!challenge_first) DeleteSecurityContext(c);
        return st;
    }
    CHECK(l2 > 32 && ntlm_message_type(t2, l2) == NTLM_MSG_CHALLENGE);
    uint32_t cf = th_le32(t2 + CHAL_FLAGS);
    CHECK(cf & NTLMSSP_NEGOTIATE_DATAGRAM);
    CHECK(cf & NTLMSSP_NEGOTIATE_KEY_EXCH);
    CHECK(cf & NTLMSSP_NEGOTIATE_SEAL);
    CHECK(cf & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY);
    st = th_isc(cc, challenge_first ? NULL : c, c, dg_isc_req(), t2, l2, t3, &l3, cattr);
    CHECK_EQ_INT(st, SEC_E_OK);
    if (st != SEC_E_OK) {
        if (!challenge_first) DeleteSecurityContext(c);
        DeleteSecurityContext(s);
        return st;
    }
    CHECK(*cattr & ISC_RET_DATAGRAM);
    CHECK(!(*cattr & ISC_RET_CONNECTION));
    CHECK(ntlm_message_type(t3, l3) == NTLM_MSG_AUTHENTICATE);
    CHECK(th_le32(t3 + AUTH_FLAGS) & NTLMSSP_NEGOTIATE_DATAGRAM);
    uint8_t t4[TOKMAX];
    ULONG l4;
    st = th_asc(sc, s, s, dg_asc_req(), t3, l3, t4, &l4, sattr);
    if (st == SEC_E_OK) CHECK(*sattr & ASC_RET_DATAGRAM);
    return st;
}

static void test_datagram(void) {
    char *file = th_write_file(k_accounts);
    REQUIRE(file);
    CredHandle cc, sc;
    REQUIRE(th_client_creds("alice", "DOM", PASSWORD, 0, 3, &cc) == SEC_E_OK);
    REQUIRE(th_server_creds(file, 3, &sc) == SEC_E_OK);
    for (int variant = 0; variant < 2; variant++) {
        CtxtHandle c, s;
        ULONG ca = 0, sa = 0;
        SECURITY_STATUS st = dg_handshake(&cc, &sc, &c, &s, variant == 1, &ca, &sa);
        CHECK_EQ_INT(st, SEC_E_OK);
        if (st != SEC_E_OK) continue;
        SecPkgContext_Flags fl;
        CHECK_EQ_INT(QueryContextAttributesA(&c, SECPKG_ATTR_FLAGS, &fl), SEC_E_OK);
        CHECK(fl.Flags & ISC_RET_DATAGRAM);
        /* The caller's MessageSeqNo; any order (connectionless). */
        CHECK_EQ_INT(th_roundtrip(&c, &s, 7), SEC_E_OK);
        CHECK_EQ_INT(th_roundtrip(&c, &s, 3), SEC_E_OK);
        CHECK_EQ_INT(th_roundtrip(&s, &c, 1000), SEC_E_OK);
        CHECK_EQ_INT(th_roundtrip(&c, &s, 7), SEC_E_OK); /* datagram: caller's business */
        /* A signature made for one number does not verify under another. */
        char msg[] = "datagram";
        uint8_t sig[16];
        SecBuffer b[2];
        SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
        b[0].BufferType = SECBUFFER_DATA;
        b[0].pvBuffer = msg;
        b[0].cbBuffer = sizeof msg;
        b[1].BufferType = SECBUFFER_TOKEN;
        b[1].pvBuffer = sig;
        b[1].cbBuffer = sizeof sig;
        CHECK_EQ_INT(MakeSignature(&c, 0, &d, 42), SEC_E_OK);
        ULONG qop;
        CHECK(VerifySignature(&s, &d, 43, &qop) != SEC_E_OK);
        CHECK_EQ_INT(VerifySignature(&s, &d, 42, &qop), SEC_E_OK);
        /* Sealed datagrams decrypt in any order (per-message RC4 rekey). */
        char p1[] = "first", p2[] = "second";
        uint8_t s1[16], s2[16];
        SecBuffer b1[2] = {{sizeof p1, SECBUFFER_DATA, p1}, {16, SECBUFFER_TOKEN, s1}};
        SecBuffer b2[2] = {{sizeof p2, SECBUFFER_DATA, p2}, {16, SECBUFFER_TOKEN, s2}};
        SecBufferDesc d1 = {SECBUFFER_VERSION, 2, b1}, d2 = {SECBUFFER_VERSION, 2, b2};
        CHECK_EQ_INT(EncryptMessage(&c, 0, &d1, 11), SEC_E_OK);
        CHECK_EQ_INT(EncryptMessage(&c, 0, &d2, 12), SEC_E_OK);
        CHECK_EQ_INT(DecryptMessage(&s, &d2, 12, &qop), SEC_E_OK);
        CHECK_EQ_INT(DecryptMessage(&s, &d1, 11, &qop), SEC_E_OK);
        CHECK(strcmp(p1, "first") == 0 && strcmp(p2, "second") == 0);
        DeleteSecurityContext(&c);
        DeleteSecurityContext(&s);
    }
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
    th_drop_file(file);
}

static void test_datagram_refusals(void) {
    char *file = th_write_file(k_accounts);
    REQUIRE(file);
    CredHandle cc, sc, cc2;
    REQUIRE(th_client_creds("alice", "DOM", PASSWORD, 0, 3, &cc) == SEC_E_OK);
    REQUIRE(th_client_creds("alice", "DOM", PASSWORD, 0, 3, &cc2) == SEC_E_OK);
    REQUIRE(th_server_creds(file, 3, &sc) == SEC_E_OK);
    /* A connection-oriented CHALLENGE (no DATAGRAM) for a datagram client. */
    uint8_t neg[TOKMAX], chal[TOKMAX], out[TOKMAX];
    ULONG nl, chl, ol, a;
    CtxtHandle c, s, dc;
    REQUIRE(th_isc(&cc2, NULL, &c, th_isc_req(), NULL, 0, neg, &nl, &a) == SEC_I_CONTINUE_NEEDED);
    REQUIRE(th_asc(&sc, NULL, &s, th_asc_req(), neg, nl, chal, &chl, &a) ==
            SEC_I_CONTINUE_NEEDED);
    REQUIRE(th_isc(&cc, NULL, &dc, dg_isc_req(), NULL, 0, out, &ol, &a) == SEC_I_CONTINUE_NEEDED);
    CHECK_EQ_INT(th_isc(&cc, &dc, &dc, dg_isc_req(), chal, chl, out, &ol, &a),
                 SEC_E_UNSUPPORTED_FUNCTION);
    CHECK_EQ_INT(DeleteSecurityContext(&dc), SEC_E_OK);
    DeleteSecurityContext(&c);
    DeleteSecurityContext(&s);
    /* Datagram CHALLENGE with KEY_EXCH removed. */
    REQUIRE(th_asc(&sc, NULL, &s, dg_asc_req(), NULL, 0, chal, &chl, &a) == SEC_I_CONTINUE_NEEDED);
    th_put_le32(chal + CHAL_FLAGS, th_le32(chal + CHAL_FLAGS) & ~NTLMSSP_NEGOTIATE_KEY_EXCH);
    CHECK_EQ_INT(th_isc(&cc, NULL, &dc, dg_isc_req(), chal, chl, out, &ol, &a),
                 SEC_E_UNSUPPORTED_FUNCTION);
    DeleteSecurityContext(&s);
    /* A datagram client's first call with something that is not a CHALLENGE. */
    CHECK_EQ_INT(th_isc(&cc, NULL, &dc, dg_isc_req(), neg, nl, out, &ol, &a), SEC_E_INVALID_TOKEN);
    /* The server without ASC_REQ_DATAGRAM and no input: invalid token. */
    CHECK_EQ_INT(th_asc(&sc, NULL, &s, th_asc_req(), NULL, 0, chal, &chl, &a),
                 SEC_E_INVALID_TOKEN);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&cc2);
    FreeCredentialsHandle(&sc);
    th_drop_file(file);
}

/* ---- LM compatibility ------------------------------------------------------ */

static th_tamper g_on_chal, g_on_auth;
static uint8_t g_auth[TOKMAX];
static ULONG g_auth_len;

static void capture_auth(uint8_t *m, ULONG *len) {
    if (g_on_auth) g_on_auth(m, len);
    memcpy(g_auth, m, *len);
    g_auth_len = *len;
}

/* One handshake at (client level, server level) with optional tampering;
 * checks messages both ways on success. */
static SECURITY_STATUS run_levels(const char *file, const char *user, const char *pw,
                                  ULONG pw_flags, ULONG cl, ULONG sl) {
    CredHandle cc, sc;
    if (th_client_creds(user, "DOM", pw, pw_flags, cl, &cc) != SEC_E_OK) return 1;
    if (th_server_creds(file, sl, &sc) != SEC_E_OK) {
        FreeCredentialsHandle(&cc);
        return 2;
    }
    th_hs h;
    g_auth_len = 0;
    th_handshake(&cc, &sc, g_on_chal, capture_auth, &h);
    SECURITY_STATUS s = h.cli2 != SEC_E_OK ? h.cli2 : h.srv2;
    if (s == SEC_E_OK) {
        CHECK_EQ_INT(th_roundtrip(&h.cctx, &h.sctx, 0), SEC_E_OK);
        CHECK_EQ_INT(th_roundtrip(&h.sctx, &h.cctx, 0), SEC_E_OK);
    }
    th_hs_free(&h);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
    return s;
}

static ULONG nt_len(void) { return th_le16(g_auth + AUTH_NT); }
static ULONG lm_len(void) { return th_le16(g_auth + AUTH_LM); }
static const uint8_t *field(ULONG at) { return g_auth + th_le32(g_auth + at + 4); }
static uint32_t auth_flags(void) { return th_le32(g_auth + AUTH_FLAGS); }

static void test_lm_compat_matrix(void) {
    char *file = th_write_file(k_accounts);
    REQUIRE(file);
    g_on_chal = g_on_auth = NULL;
    for (ULONG cl = 0; cl <= 5; cl++) {
        for (ULONG sl = 0; sl <= 5; sl++) {
            SECURITY_STATUS want = (cl <= 2 && sl == 5) ? SEC_E_LOGON_DENIED : SEC_E_OK;
            SECURITY_STATUS got = run_levels(file, "alice", PASSWORD, 0, cl, sl);
            if (got != want) fprintf(stderr, "client level %lu, server level %lu\n",
                                     (unsigned long)cl, (unsigned long)sl);
            CHECK_EQ_INT(got, want);
            /* What the client sent. */
            REQUIRE(g_auth_len >= 64);
            if (cl >= 3) {
                CHECK(nt_len() > 24); /* NTLMv2 */
            } else {
                CHECK_EQ_INT(nt_len(), 24);
                CHECK_EQ_INT(lm_len(), 24);
                bool ess = (auth_flags() & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY) != 0;
                CHECK(ess == (cl >= 1)); /* level 0 never offers ESS */
                if (ess) {
                    static const uint8_t z[16];
                    CHECK(memcmp(field(AUTH_LM) + 8, z, 16) == 0); /* cc || Z(16) */
                } else {
                    /* level 0: a distinct LM response */
                    CHECK(memcmp(field(AUTH_LM), field(AUTH_NT), 24) != 0);
                }
            }
        }
    }
    th_drop_file(file);
}

static void drop_ess(uint8_t *m, ULONG *len) {
    (void)len;
    th_put_le32(m + CHAL_FLAGS,
                th_le32(m + CHAL_FLAGS) & ~NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY);
}

/* NtChallengeResponse emptied: an LM-only client. */
static void lm_only(uint8_t *m, ULONG *len) {
    (void)len;
    memset(m + AUTH_NT, 0, 4);
}

/* NT response corrupted, LM response intact. */
static void bad_nt(uint8_t *m, ULONG *len) {
    (void)len;
    m[th_le32(m + AUTH_NT + 4)] ^= 0x40;
}

static void test_lm_compat_v1_variants(void) {
    char *file = th_write_file(k_accounts);
    REQUIRE(file);
    /* Level 2 against a server that does not grant ESS: NTLMv1 with the NT
     * response in both fields. */
    g_on_chal = drop_ess;
    g_on_auth = NULL;
    CHECK_EQ_INT(run_levels(file, "alice", PASSWORD, 0, 2, 3), SEC_E_OK);
    REQUIRE(g_auth_len >= 64);
    CHECK(!(auth_flags() & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY));
    CHECK(!(auth_flags() & NTLMSSP_NEGOTIATE_LM_KEY));
    CHECK(memcmp(field(AUTH_LM), field(AUTH_NT), 24) == 0);
    CHECK_EQ_INT(run_levels(file, "alice", PASSWORD, 0, 2, 4), SEC_E_OK);
    CHECK_EQ_INT(run_levels(file, "alice", PASSWORD, 0, 2, 5), SEC_E_LOGON_DENIED);
    /* Level 1 without ESS from the server: LM + NTLM responses. */
    CHECK_EQ_INT(run_levels(file, "alice", PASSWORD, 0, 1, 3), SEC_E_OK);
    CHECK(memcmp(field(AUTH_LM), field(AUTH_NT), 24) != 0);
    /* Level 0 (no ESS offered): LM_KEY session security where the server
     * grants it (levels 0-3), not at 4; messages work either way. */
    g_on_chal = NULL;
    CHECK_EQ_INT(run_levels(file, "alice", PASSWORD, 0, 0, 3), SEC_E_OK);
    CHECK(auth_flags() & NTLMSSP_NEGOTIATE_LM_KEY);
    CHECK_EQ_INT(run_levels(file, "alice", PASSWORD, 0, 0, 4), SEC_E_OK);
    CHECK(!(auth_flags() & NTLMSSP_NEGOTIATE_LM_KEY));

    /* LM-only response: levels 0-3 accept, 4-5 refuse. */
    g_on_chal = NULL;
    g_on_auth = lm_only;
    for (ULONG sl = 0; sl <= 5; sl++)
        CHECK_EQ_INT(run_levels(file, "alice", PASSWORD, 0, 0, sl),
                     sl <= 3 ? SEC_E_OK : SEC_E_LOGON_DENIED);
    /* Wrong NT response, right LM response: only where LM is accepted. */
    g_on_auth = bad_nt;
    CHECK_EQ_INT(run_levels(file, "alice", PASSWORD, 0, 0, 3), SEC_E_OK);
    CHECK_EQ_INT(run_levels(file, "alice", PASSWORD, 0, 0, 4), SEC_E_LOGON_DENIED);
    /* ... and with ESS the LM field is no LM response. */
    CHECK_EQ_INT(run_levels(file, "alice", PASSWORD, 0, 1, 0), SEC_E_LOGON_DENIED);
    g_on_auth = NULL;

    /* Wrong password at v1 levels. */
    CHECK_EQ_INT(run_levels(file, "alice", "wrong", 0, 0, 0), SEC_E_LOGON_DENIED);
    CHECK_EQ_INT(run_levels(file, "alice", "wrong", 0, 2, 0), SEC_E_LOGON_DENIED);

    /* Pass-the-hash at level 0: no LM hash, NT response in both fields,
     * no LM_KEY. */
    uint8_t h[16];
    REQUIRE(sr_is_ok(ntlm_nt_hash(PASSWORD, strlen(PASSWORD), h)));
    char hex[33];
    for (int i = 0; i < 16; i++) snprintf(hex + 2 * i, 3, "%02x", h[i]);
    CHECK_EQ_INT(run_levels(file, "alice", hex, SEC_WINNT_AUTH_IDENTITY_LIBSSPI_NT_HASH, 0, 0),
                 SEC_E_OK);
    CHECK(memcmp(field(AUTH_LM), field(AUTH_NT), 24) == 0);
    CHECK(!(auth_flags() & NTLMSSP_NEGOTIATE_LM_KEY));
    /* An account known only by its NT hash: v1 and v1-ESS work. */
    CHECK_EQ_INT(run_levels(file, "hashed", "Password", 0, 2, 0), SEC_E_OK);
    CHECK_EQ_INT(run_levels(file, "hashed", "Password", 0, 1, 4), SEC_E_OK);
    th_drop_file(file);
}

/* ---- Export / Import --------------------------------------------------------- */

static SECURITY_STATUS export_import(CtxtHandle *h, ULONG flags, CtxtHandle *out,
                                     SecBuffer *keep_blob) {
    SecBuffer blob = {0, SECBUFFER_EMPTY, NULL};
    void *token = (void *)1;
    SECURITY_STATUS s = ExportSecurityContext(h, flags, &blob, &token);
    if (s != SEC_E_OK) return s;
    CHECK(token == NULL);
    CHECK(blob.pvBuffer != NULL && blob.cbBuffer > 64);
    s = ImportSecurityContextA(PKG, &blob, NULL, out);
    if (keep_blob) {
        keep_blob->cbBuffer = blob.cbBuffer;
        keep_blob->pvBuffer = malloc(blob.cbBuffer);
        if (keep_blob->pvBuffer) memcpy(keep_blob->pvBuffer, blob.pvBuffer, blob.cbBuffer);
    }
    CHECK_EQ_INT(FreeContextBuffer(blob.pvBuffer), SEC_E_OK);
    return s;
}

static void export_case(const char *file, ULONG cl) {
    CredHandle cc, sc;
    REQUIRE(th_client_creds("alice", "DOM", PASSWORD, 0, cl, &cc) == SEC_E_OK);
    REQUIRE(th_server_creds(file, 3, &sc) == SEC_E_OK);
    th_hs h;
    th_handshake(&cc, &sc, NULL, NULL, &h);
    REQUIRE(h.srv2 == SEC_E_OK);
    /* Some traffic first, so that the RC4 streams and counters have moved. */
    CHECK_EQ_INT(th_roundtrip(&h.cctx, &h.sctx, 0), SEC_E_OK);
    CHECK_EQ_INT(th_roundtrip(&h.sctx, &h.cctx, 0), SEC_E_OK);
    CHECK_EQ_INT(th_roundtrip(&h.cctx, &h.sctx, 0), SEC_E_OK);

    /* Client exported with DELETE_OLD: the old handle is gone. */
    CtxtHandle c2, s2;
    CHECK_EQ_INT(export_import(&h.cctx, SECPKG_CONTEXT_EXPORT_DELETE_OLD, &c2, NULL), SEC_E_OK);
    SecPkgContext_Flags fl;
    CHECK_EQ_INT(QueryContextAttributesA(&h.cctx, SECPKG_ATTR_FLAGS, &fl), SEC_E_INVALID_HANDLE);
    h.have_cctx = false;
    /* Server exported without DELETE_OLD: the old handle stays valid; the
     * copy continues from the same state. */
    CHECK_EQ_INT(export_import(&h.sctx, 0, &s2, NULL), SEC_E_OK);
    CHECK_EQ_INT(th_roundtrip(&c2, &s2, 0), SEC_E_OK);
    CHECK_EQ_INT(th_roundtrip(&s2, &c2, 0), SEC_E_OK);
    CHECK_EQ_INT(th_roundtrip(&c2, &s2, 0), SEC_E_OK);
    /* Attributes survive. */
    SecPkgContext_NamesA n;
    CHECK_EQ_INT(QueryContextAttributesA(&s2, SECPKG_ATTR_NAMES, &n), SEC_E_OK);
    CHECK(strstr(n.sUserName, "alice") != NULL);
    FreeContextBuffer(n.sUserName);
    SecPkgContext_SessionKey k1, k2;
    CHECK_EQ_INT(QueryContextAttributesA(&s2, SECPKG_ATTR_SESSION_KEY, &k1), SEC_E_OK);
    CHECK_EQ_INT(QueryContextAttributesA(&c2, SECPKG_ATTR_SESSION_KEY, &k2), SEC_E_OK);
    CHECK(k1.SessionKeyLength == 16 && k2.SessionKeyLength == 16 &&
          memcmp(k1.SessionKey, k2.SessionKey, 16) == 0);
    FreeContextBuffer(k1.SessionKey);
    FreeContextBuffer(k2.SessionKey);
    CHECK_EQ_INT(QueryContextAttributesA(&c2, SECPKG_ATTR_FLAGS, &fl), SEC_E_OK);
    CHECK(fl.Flags & ISC_RET_CONFIDENTIALITY);
    /* Exported twice: the imported copy exports too. */
    CtxtHandle c3;
    CHECK_EQ_INT(export_import(&c2, SECPKG_CONTEXT_EXPORT_DELETE_OLD, &c3, NULL), SEC_E_OK);
    CHECK_EQ_INT(th_roundtrip(&c3, &s2, 0), SEC_E_OK);
    CHECK_EQ_INT(th_roundtrip(&s2, &c3, 0), SEC_E_OK);
    DeleteSecurityContext(&c3);
    DeleteSecurityContext(&s2);
    th_hs_free(&h);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
}

static void test_export_import(void) {
    char *file = th_write_file(k_accounts);
    REQUIRE(file);
    export_case(file, 3); /* NTLMv2, ESS, KEY_EXCH */
    export_case(file, 0); /* NTLMv1 without ESS: one shared RC4 stream */
    th_drop_file(file);
}

static void test_export_refusals(void) {
    char *file = th_write_file(k_accounts);
    REQUIRE(file);
    CredHandle cc, sc;
    REQUIRE(th_client_creds("alice", "DOM", PASSWORD, 0, 3, &cc) == SEC_E_OK);
    REQUIRE(th_server_creds(file, 3, &sc) == SEC_E_OK);
    /* Incomplete context. */
    uint8_t t[TOKMAX];
    ULONG tl, a;
    CtxtHandle c;
    REQUIRE(th_isc(&cc, NULL, &c, th_isc_req(), NULL, 0, t, &tl, &a) == SEC_I_CONTINUE_NEEDED);
    SecBuffer blob = {0, SECBUFFER_EMPTY, NULL};
    CHECK_EQ_INT(ExportSecurityContext(&c, 0, &blob, NULL), SEC_E_NO_CONTEXT);
    DeleteSecurityContext(&c);

    th_hs h;
    th_handshake(&cc, &sc, NULL, NULL, &h);
    REQUIRE(h.srv2 == SEC_E_OK);
    CHECK_EQ_INT(ExportSecurityContext(&h.cctx, SECPKG_CONTEXT_EXPORT_TO_KERNEL, &blob, NULL),
                 SEC_E_UNSUPPORTED_FUNCTION);
    CHECK_EQ_INT(ExportSecurityContext(&h.cctx, 0x100, &blob, NULL), SEC_E_INVALID_PARAMETER);
    CtxtHandle good;
    SecBuffer kept = {0, 0, NULL};
    REQUIRE(export_import(&h.cctx, 0, &good, &kept) == SEC_E_OK);
    DeleteSecurityContext(&good);
    REQUIRE(kept.pvBuffer != NULL);
    uint8_t *b = kept.pvBuffer;
    ULONG n = kept.cbBuffer;
    uint8_t *m = malloc(n + 1);
    REQUIRE(m);
    CtxtHandle x;
    /* Every truncation. */
    for (ULONG len = 1; len < n; len++) {
        memcpy(m, b, len);
        SecBuffer in = {len, SECBUFFER_EMPTY, m};
        SECURITY_STATUS s = ImportSecurityContextA(PKG, &in, NULL, &x);
        CHECK_EQ_INT(s, SEC_E_INVALID_TOKEN);
        if (s == SEC_E_OK) DeleteSecurityContext(&x);
    }
    /* Trailing byte. */
    memcpy(m, b, n);
    m[n] = 0;
    SecBuffer in = {n + 1, SECBUFFER_EMPTY, m};
    CHECK_EQ_INT(ImportSecurityContextA(PKG, &in, NULL, &x), SEC_E_INVALID_TOKEN);
    /* Structural bytes: magic, version, role, anonymous, reserved, the
     * first string's presence byte. */
    static const ULONG spots[] = {0, 7, 8, 12, 13, 14, 52};
    for (size_t i = 0; i < sizeof spots / sizeof spots[0]; i++) {
        memcpy(m, b, n);
        m[spots[i]] ^= 0x5a;
        in.cbBuffer = n;
        SECURITY_STATUS s = ImportSecurityContextA(PKG, &in, NULL, &x);
        CHECK_EQ_INT(s, SEC_E_INVALID_TOKEN);
        if (s == SEC_E_OK) DeleteSecurityContext(&x);
    }
    /* RC4 positions (a direction is u32 seq, u8 key_len, key[16], u64
     * offset; the receive direction ends the blob, after the has_recv
     * byte): key lengths 0 and 17, non-zero key padding, an offset beyond
     * NTLM_RC4_POSITION_MAX (1 GiB). */
    ULONG recv_start = n - 29;
    ULONG send_klen = recv_start - 1 - 29 + 4;
    static const uint8_t bad_klen[] = {0, 17};
    for (size_t i = 0; i < sizeof bad_klen; i++) {
        memcpy(m, b, n);
        m[send_klen] = bad_klen[i];
        CHECK_EQ_INT(ImportSecurityContextA(PKG, &in, NULL, &x), SEC_E_INVALID_TOKEN);
    }
    memcpy(m, b, n);
    m[send_klen] = 15; /* key byte 15 (the padding then) is not zero */
    m[send_klen + 16] |= 1;
    CHECK_EQ_INT(ImportSecurityContextA(PKG, &in, NULL, &x), SEC_E_INVALID_TOKEN);
    memcpy(m, b, n);
    m[send_klen + 1 + 16 + 3] = 0x40; /* offset 2^30 + ... */
    m[send_klen + 1 + 16 + 2] |= 1;
    CHECK_EQ_INT(ImportSecurityContextA(PKG, &in, NULL, &x), SEC_E_INVALID_TOKEN);
    /* has_recv inconsistent with the flags. */
    memcpy(m, b, n);
    m[recv_start - 1] = 0;
    CHECK_EQ_INT(ImportSecurityContextA(PKG, &in, NULL, &x), SEC_E_INVALID_TOKEN);
    /* Zero-length and NULL. */
    in.cbBuffer = 0;
    CHECK_EQ_INT(ImportSecurityContextA(PKG, &in, NULL, &x), SEC_E_INVALID_TOKEN);
    /* Random garbage of the right size. */
    for (ULONG i = 0; i < n; i++) m[i] = (uint8_t)(i * 37 + 11);
    in.cbBuffer = n;
    CHECK_EQ_INT(ImportSecurityContextA(PKG, &in, NULL, &x), SEC_E_INVALID_TOKEN);
    free(m);
    memset(kept.pvBuffer, 0, kept.cbBuffer);
    free(kept.pvBuffer);
    th_hs_free(&h);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
    th_drop_file(file);
}

static void test_export_datagram(void) {
    char *file = th_write_file(k_accounts);
    REQUIRE(file);
    CredHandle cc, sc;
    REQUIRE(th_client_creds("alice", "DOM", PASSWORD, 0, 3, &cc) == SEC_E_OK);
    REQUIRE(th_server_creds(file, 3, &sc) == SEC_E_OK);
    CtxtHandle c, s, c2;
    ULONG ca, sa;
    REQUIRE(dg_handshake(&cc, &sc, &c, &s, false, &ca, &sa) == SEC_E_OK);
    CHECK_EQ_INT(th_roundtrip(&c, &s, 5), SEC_E_OK);
    CHECK_EQ_INT(export_import(&c, SECPKG_CONTEXT_EXPORT_DELETE_OLD, &c2, NULL), SEC_E_OK);
    CHECK_EQ_INT(th_roundtrip(&c2, &s, 9), SEC_E_OK);
    CHECK_EQ_INT(th_roundtrip(&s, &c2, 2), SEC_E_OK);
    DeleteSecurityContext(&c2);
    DeleteSecurityContext(&s);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
    th_drop_file(file);
}

int main(void) {
    unsetenv("LM_COMPAT_LEVEL");
    unsetenv("NTLM_USER_FILE");
    TEST_RUN(test_datagram);
    TEST_RUN(test_datagram_refusals);
    TEST_RUN(test_lm_compat_matrix);
    TEST_RUN(test_lm_compat_v1_variants);
    TEST_RUN(test_export_import);
    TEST_RUN(test_export_refusals);
    TEST_RUN(test_export_datagram);
    return test_summary();
}
