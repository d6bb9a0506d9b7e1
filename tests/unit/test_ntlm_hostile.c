/*
 * Hostile NTLM input through the public API (AcceptSecurityContext /
 * InitializeSecurityContext): truncated, oversized, overlapping and
 * overflowing fields, inconsistent flags, wrong message types at every step,
 * replays and refused logons. Every case must give the documented status,
 * never crash (run it under -DSSPI_SANITIZE=ON), and leave a context that
 * can still be deleted (or, for refusals on a complete context, used).
 *
 * Statuses (Windows): malformed or unexpected tokens SEC_E_INVALID_TOKEN;
 * an authentication that fails on its merits (bad response, missing or
 * wrong MIC, replay into a new context, anonymous not allowed)
 * SEC_E_LOGON_DENIED; a token given to a complete context
 * SEC_E_OUT_OF_SEQUENCE (the context stays usable).
 */
#include "ntlm_test_helpers.h"

const sspi_package *const test_ntlm_pkg_ref = &sspi_ntlm_package;

/* AUTHENTICATE_MESSAGE (MS-NLMP 2.2.1.3) field offsets. */
enum { A_LM = 12, A_NT = 20, A_DOM = 28, A_USER = 36, A_WKS = 44, A_KEY = 52, A_FLAGS = 60 };
/* CHALLENGE_MESSAGE (2.2.1.2). */
enum { C_NAME = 12, C_FLAGS = 20, C_INFO = 40 };

typedef struct fixture {
    char *file;
    CredHandle cc, sc;
    th_hs h; /* a complete reference handshake */
} fixture;

static bool fixture_open(fixture *f) {
    memset(f, 0, sizeof *f);
    f->file = th_write_file(k_accounts);
    if (!f->file) return false;
    if (th_client_creds("alice", "DOM", PASSWORD, 0, 3, &f->cc) != SEC_E_OK) return false;
    if (th_server_creds(f->file, 3, &f->sc) != SEC_E_OK) return false;
    th_handshake(&f->cc, &f->sc, NULL, NULL, &f->h);
    return f->h.srv2 == SEC_E_OK;
}

static void fixture_close(fixture *f) {
    th_hs_free(&f->h);
    FreeCredentialsHandle(&f->cc);
    FreeCredentialsHandle(&f->sc);
    th_drop_file(f->file);
}

/* Server: fresh context given NEGOTIATE, then `auth` (len) as AUTHENTICATE.
 * A fresh client produces the NEGOTIATE and the real AUTHENTICATE into
 * real_auth (if not NULL) so that mutations start from a valid message for
 * THIS server challenge. Returns the second ASC status; deletes both. */
typedef void (*auth_mutator)(uint8_t *m, ULONG *len, void *arg);

static SECURITY_STATUS server_gets(fixture *f, auth_mutator mut, void *arg) {
    static uint8_t auth[70000];
    uint8_t neg[TOKMAX], chal[TOKMAX], out[TOKMAX];
    ULONG nl, cl, al, ol, a;
    CtxtHandle c, s;
    if (th_isc(&f->cc, NULL, &c, th_isc_req(), NULL, 0, neg, &nl, &a) != SEC_I_CONTINUE_NEEDED)
        return 1;
    if (th_asc(&f->sc, NULL, &s, th_asc_req(), neg, nl, chal, &cl, &a) != SEC_I_CONTINUE_NEEDED) {
        DeleteSecurityContext(&c);
        return 2;
    }
    SECURITY_STATUS st = th_isc(&f->cc, &c, &c, th_isc_req(), chal, cl, auth, &al, &a);
    if (st != SEC_E_OK) {
        DeleteSecurityContext(&c);
        DeleteSecurityContext(&s);
        return 3;
    }
    mut(auth, &al, arg);
    st = th_asc(&f->sc, &s, &s, th_asc_req(), auth, al, out, &ol, &a);
    CHECK_EQ_INT(DeleteSecurityContext(&s), SEC_E_OK);
    CHECK_EQ_INT(DeleteSecurityContext(&c), SEC_E_OK);
    return st;
}

/* Client: fresh context, the server's real CHALLENGE mutated. */
typedef void (*chal_mutator)(uint8_t *m, ULONG *len, void *arg);

static SECURITY_STATUS client_gets(fixture *f, chal_mutator mut, void *arg) {
    uint8_t neg[TOKMAX], chal[TOKMAX * 20], auth[TOKMAX];
    ULONG nl, cl, al, a;
    CtxtHandle c, s;
    if (th_isc(&f->cc, NULL, &c, th_isc_req(), NULL, 0, neg, &nl, &a) != SEC_I_CONTINUE_NEEDED)
        return 1;
    if (th_asc(&f->sc, NULL, &s, th_asc_req(), neg, nl, chal, &cl, &a) != SEC_I_CONTINUE_NEEDED) {
        DeleteSecurityContext(&c);
        return 2;
    }
    mut(chal, &cl, arg);
    SECURITY_STATUS st = th_isc(&f->cc, &c, &c, th_isc_req(), chal, cl, auth, &al, &a);
    CHECK_EQ_INT(DeleteSecurityContext(&s), SEC_E_OK);
    CHECK_EQ_INT(DeleteSecurityContext(&c), SEC_E_OK);
    return st;
}

/* ---- mutators ----------------------------------------------------------- */

static void m_truncate(uint8_t *m, ULONG *len, void *arg) {
    (void)m;
    ULONG to = *(ULONG *)arg;
    if (to < *len) *len = to;
}

static void m_overlap_user_domain(uint8_t *m, ULONG *len, void *arg) {
    (void)len;
    (void)arg;
    /* User points into the domain (both non-empty). */
    memcpy(m + A_USER + 4, m + A_DOM + 4, 4);
}

static void m_overlap_nt_lm(uint8_t *m, ULONG *len, void *arg) {
    (void)len;
    (void)arg;
    th_put_le32(m + A_LM + 4, th_le32(m + A_NT + 4) + 4);
}

static void m_offset_overflow(uint8_t *m, ULONG *len, void *arg) {
    (void)len;
    ULONG at = *(ULONG *)arg;
    th_put_le32(m + at + 4, 0xfffffff0u);
}

static void m_length_overflow(uint8_t *m, ULONG *len, void *arg) {
    (void)len;
    ULONG at = *(ULONG *)arg;
    th_put_le16(m + at, 0xffff);
    th_put_le16(m + at + 2, 0xffff);
}

static void m_odd_user(uint8_t *m, ULONG *len, void *arg) {
    (void)len;
    (void)arg;
    th_put_le16(m + A_USER, (uint16_t)(th_le16(m + A_USER) - 1));
    th_put_le16(m + A_USER + 2, (uint16_t)(th_le16(m + A_USER + 2) - 1));
}

static void m_no_session_key(uint8_t *m, ULONG *len, void *arg) {
    (void)len;
    (void)arg;
    memset(m + A_KEY, 0, 4); /* KEY_EXCH still set */
}

static void m_short_session_key(uint8_t *m, ULONG *len, void *arg) {
    (void)len;
    (void)arg;
    th_put_le16(m + A_KEY, 8);
    th_put_le16(m + A_KEY + 2, 8);
}

static void m_short_nt(uint8_t *m, ULONG *len, void *arg) {
    (void)len;
    (void)arg;
    th_put_le16(m + A_NT, 12);
    th_put_le16(m + A_NT + 2, 12);
}

/* Remove the MIC field (payload moved 16 bytes down, offsets adjusted): the
 * NTLMv2 response still claims a MIC in MsvAvFlags. */
static void m_strip_mic(uint8_t *m, ULONG *len, void *arg) {
    (void)arg;
    const ULONG fields[] = {A_LM, A_NT, A_DOM, A_USER, A_WKS, A_KEY};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        uint32_t off = th_le32(m + fields[i] + 4);
        if (off >= 88) th_put_le32(m + fields[i] + 4, off - 16);
    }
    memmove(m + 72, m + 88, *len - 88);
    *len -= 16;
}

static void m_set_type(uint8_t *m, ULONG *len, void *arg) {
    (void)len;
    th_put_le32(m + 8, *(uint32_t *)arg);
}

static void m_bad_signature(uint8_t *m, ULONG *len, void *arg) {
    (void)len;
    (void)arg;
    m[0] = 'X';
}

/* Make the message longer than 64 KiB (payload of zeros after it). */
static void m_oversize(uint8_t *m, ULONG *len, void *arg) {
    ULONG cap = *(ULONG *)arg;
    memset(m + *len, 0, cap - *len);
    *len = cap;
}

/* CHALLENGE: TargetInfo whose AV pair length runs past the end. */
static void m_bad_avpair(uint8_t *m, ULONG *len, void *arg) {
    (void)len;
    (void)arg;
    uint32_t off = th_le32(m + C_INFO + 4);
    th_put_le16(m + off + 2, 0x7fff);
}

static void m_chal_overlap(uint8_t *m, ULONG *len, void *arg) {
    (void)len;
    (void)arg;
    memcpy(m + C_NAME + 4, m + C_INFO + 4, 4);
}

static void m_chal_no_unicode_no_oem(uint8_t *m, ULONG *len, void *arg) {
    (void)len;
    (void)arg;
    th_put_le32(m + C_FLAGS, th_le32(m + C_FLAGS) &
                                 ~(NTLMSSP_NEGOTIATE_UNICODE | NTLMSSP_NEGOTIATE_OEM));
}

static void m_chal_target_info_flag_no_info(uint8_t *m, ULONG *len, void *arg) {
    (void)len;
    (void)arg;
    memset(m + C_INFO, 0, 4);
}

/* ---- tests -------------------------------------------------------------- */

static void test_authenticate_truncated(void) {
    fixture f;
    REQUIRE(fixture_open(&f));
    ULONG full = f.h.auth_len;
    for (ULONG to = 0; to < full; to++) {
        SECURITY_STATUS s = server_gets(&f, m_truncate, &to);
        if (s != SEC_E_INVALID_TOKEN) fprintf(stderr, "truncated to %lu\n", (unsigned long)to);
        CHECK_EQ_INT(s, SEC_E_INVALID_TOKEN);
    }
    fixture_close(&f);
}

static void test_authenticate_malformed(void) {
    fixture f;
    REQUIRE(fixture_open(&f));
    CHECK_EQ_INT(server_gets(&f, m_overlap_user_domain, NULL), SEC_E_INVALID_TOKEN);
    CHECK_EQ_INT(server_gets(&f, m_overlap_nt_lm, NULL), SEC_E_INVALID_TOKEN);
    const ULONG fields[] = {A_LM, A_NT, A_DOM, A_USER, A_WKS, A_KEY};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        ULONG at = fields[i];
        CHECK_EQ_INT(server_gets(&f, m_offset_overflow, &at), SEC_E_INVALID_TOKEN);
        CHECK_EQ_INT(server_gets(&f, m_length_overflow, &at), SEC_E_INVALID_TOKEN);
    }
    CHECK_EQ_INT(server_gets(&f, m_odd_user, NULL), SEC_E_INVALID_TOKEN);
    CHECK_EQ_INT(server_gets(&f, m_no_session_key, NULL), SEC_E_INVALID_TOKEN);
    CHECK_EQ_INT(server_gets(&f, m_short_session_key, NULL), SEC_E_INVALID_TOKEN);
    CHECK_EQ_INT(server_gets(&f, m_short_nt, NULL), SEC_E_INVALID_TOKEN);
    CHECK_EQ_INT(server_gets(&f, m_bad_signature, NULL), SEC_E_INVALID_TOKEN);
    ULONG big = 70000;
    CHECK_EQ_INT(server_gets(&f, m_oversize, &big), SEC_E_INVALID_TOKEN);
    /* MsvAvFlags claim a MIC that is not there: an authentication failure
     * (MS-NLMP 3.2.5.1.2), like a wrong MIC. */
    CHECK_EQ_INT(server_gets(&f, m_strip_mic, NULL), SEC_E_LOGON_DENIED);
    fixture_close(&f);
}

static void test_wrong_message_types(void) {
    fixture f;
    REQUIRE(fixture_open(&f));
    /* Server, second step: NEGOTIATE / CHALLENGE / unknown type instead of
     * AUTHENTICATE. */
    const uint32_t types[] = {1, 2, 4, 0, 0xffffffffu};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        uint32_t t = types[i];
        CHECK_EQ_INT(server_gets(&f, m_set_type, &t), SEC_E_INVALID_TOKEN);
    }
    /* Client, second step: anything but a CHALLENGE. */
    const uint32_t ctypes[] = {1, 3, 4, 0};
    for (size_t i = 0; i < sizeof ctypes / sizeof ctypes[0]; i++) {
        uint32_t t = ctypes[i];
        CHECK_EQ_INT(client_gets(&f, m_set_type, &t), SEC_E_INVALID_TOKEN);
    }
    /* Server, first step: CHALLENGE or AUTHENTICATE instead of NEGOTIATE; no
     * context handle is created. */
    uint8_t out[TOKMAX];
    ULONG ol, a;
    CtxtHandle s;
    CHECK_EQ_INT(th_asc(&f.sc, NULL, &s, th_asc_req(), f.h.chal, f.h.chal_len, out, &ol, &a),
                 SEC_E_INVALID_TOKEN);
    CHECK_EQ_INT(th_asc(&f.sc, NULL, &s, th_asc_req(), f.h.auth, f.h.auth_len, out, &ol, &a),
                 SEC_E_INVALID_TOKEN);
    uint8_t junk[64];
    memset(junk, 0xa5, sizeof junk);
    CHECK_EQ_INT(th_asc(&f.sc, NULL, &s, th_asc_req(), junk, sizeof junk, out, &ol, &a),
                 SEC_E_INVALID_TOKEN);
    /* NEGOTIATE truncated at every length. */
    for (ULONG to = 0; to < f.h.neg_len; to++) {
        SECURITY_STATUS st = th_asc(&f.sc, NULL, &s, th_asc_req(), f.h.neg, to, out, &ol, &a);
        if (st == SEC_I_CONTINUE_NEEDED) {
            /* The 16-byte short form (flags only) and a NEGOTIATE without
             * its optional VERSION are still NEGOTIATEs (ntlm_wire.c). */
            CHECK(to == 16 || to >= 32);
            DeleteSecurityContext(&s);
        } else {
            CHECK_EQ_INT(st, SEC_E_INVALID_TOKEN);
        }
    }
    /* Oversized NEGOTIATE. */
    uint8_t *big = calloc(1, 70000);
    REQUIRE(big);
    memcpy(big, f.h.neg, f.h.neg_len);
    CHECK_EQ_INT(th_asc(&f.sc, NULL, &s, th_asc_req(), big, 70000, out, &ol, &a),
                 SEC_E_INVALID_TOKEN);
    free(big);
    fixture_close(&f);
}

static void test_challenge_malformed(void) {
    fixture f;
    REQUIRE(fixture_open(&f));
    ULONG full = f.h.chal_len;
    for (ULONG to = 0; to < full; to++) {
        SECURITY_STATUS s = client_gets(&f, m_truncate, &to);
        if (s != SEC_E_INVALID_TOKEN) fprintf(stderr, "challenge truncated to %lu\n",
                                              (unsigned long)to);
        CHECK_EQ_INT(s, SEC_E_INVALID_TOKEN);
    }
    ULONG at = C_INFO;
    CHECK_EQ_INT(client_gets(&f, m_offset_overflow, &at), SEC_E_INVALID_TOKEN);
    CHECK_EQ_INT(client_gets(&f, m_length_overflow, &at), SEC_E_INVALID_TOKEN);
    at = C_NAME;
    CHECK_EQ_INT(client_gets(&f, m_offset_overflow, &at), SEC_E_INVALID_TOKEN);
    CHECK_EQ_INT(client_gets(&f, m_chal_overlap, NULL), SEC_E_INVALID_TOKEN);
    CHECK_EQ_INT(client_gets(&f, m_bad_avpair, NULL), SEC_E_INVALID_TOKEN);
    CHECK_EQ_INT(client_gets(&f, m_chal_no_unicode_no_oem, NULL), SEC_E_INVALID_TOKEN);
    CHECK_EQ_INT(client_gets(&f, m_chal_target_info_flag_no_info, NULL), SEC_E_INVALID_TOKEN);
    CHECK_EQ_INT(client_gets(&f, m_bad_signature, NULL), SEC_E_INVALID_TOKEN);
    ULONG big = 70000;
    CHECK_EQ_INT(client_gets(&f, m_oversize, &big), SEC_E_INVALID_TOKEN);
    fixture_close(&f);
}

static void test_replay_and_complete_context(void) {
    fixture f;
    REQUIRE(fixture_open(&f));
    uint8_t out[TOKMAX];
    ULONG ol, a;
    /* The same AUTHENTICATE to the complete server context: refused, and
     * the context keeps working. */
    CHECK_EQ_INT(th_asc(&f.sc, &f.h.sctx, &f.h.sctx, th_asc_req(), f.h.auth, f.h.auth_len, out,
                        &ol, &a),
                 SEC_E_OUT_OF_SEQUENCE);
    CHECK_EQ_INT(th_isc(&f.cc, &f.h.cctx, &f.h.cctx, th_isc_req(), f.h.chal, f.h.chal_len, out,
                        &ol, &a),
                 SEC_E_OUT_OF_SEQUENCE);
    CHECK_EQ_INT(th_roundtrip(&f.h.cctx, &f.h.sctx, 0), SEC_E_OK);
    CHECK_EQ_INT(th_roundtrip(&f.h.sctx, &f.h.cctx, 0), SEC_E_OK);
    /* The AUTHENTICATE replayed into a new server context (new challenge). */
    uint8_t neg[TOKMAX], chal[TOKMAX];
    ULONG nl, cl;
    CtxtHandle c, s;
    REQUIRE(th_isc(&f.cc, NULL, &c, th_isc_req(), NULL, 0, neg, &nl, &a) ==
            SEC_I_CONTINUE_NEEDED);
    REQUIRE(th_asc(&f.sc, NULL, &s, th_asc_req(), neg, nl, chal, &cl, &a) ==
            SEC_I_CONTINUE_NEEDED);
    CHECK_EQ_INT(th_asc(&f.sc, &s, &s, th_asc_req(), f.h.auth, f.h.auth_len, out, &ol, &a),
                 SEC_E_LOGON_DENIED);
    /* The failed context refuses further tokens and is deletable. */
    CHECK(th_asc(&f.sc, &s, &s, th_asc_req(), f.h.auth, f.h.auth_len, out, &ol, &a) != SEC_E_OK);
    CHECK_EQ_INT(DeleteSecurityContext(&s), SEC_E_OK);
    CHECK_EQ_INT(DeleteSecurityContext(&c), SEC_E_OK);
    fixture_close(&f);
}

static void test_anonymous_refused(void) {
    char *file = th_write_file(k_accounts);
    REQUIRE(file);
    CredHandle cc, sc;
    REQUIRE(th_client_creds("", "", "", 0, 3, &cc) == SEC_E_OK);
    REQUIRE(th_server_creds(file, 3, &sc) == SEC_E_OK);
    th_hs h;
    th_handshake(&cc, &sc, NULL, NULL, &h);
    CHECK_EQ_INT(h.cli2, SEC_E_OK);
    CHECK_EQ_INT(h.srv2, SEC_E_LOGON_DENIED);
    th_hs_free(&h);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
    th_drop_file(file);
}

static void test_api_buffer_abuse(void) {
    fixture f;
    REQUIRE(fixture_open(&f));
    /* A token buffer with a length but no memory. */
    uint8_t out[TOKMAX];
    SecBuffer ib[1], ob[1];
    SecBufferDesc id, od;
    CtxtHandle s;
    ULONG a;
    TimeStamp exp;
    th_desc1(&id, ib, NULL, 100);
    th_desc1(&od, ob, out, sizeof out);
    SECURITY_STATUS st = AcceptSecurityContext(&f.sc, NULL, &id, th_asc_req(),
                                               SECURITY_NATIVE_DREP, &s, &od, &a, &exp);
    CHECK(st == SEC_E_INVALID_TOKEN || st == SEC_E_INVALID_PARAMETER);
    /* An output buffer too small for the CHALLENGE. */
    th_desc1(&id, ib, f.h.neg, f.h.neg_len);
    th_desc1(&od, ob, out, 8);
    st = AcceptSecurityContext(&f.sc, NULL, &id, th_asc_req(), SECURITY_NATIVE_DREP, &s, &od, &a,
                               &exp);
    CHECK_EQ_INT(st, SEC_E_BUFFER_TOO_SMALL);
    if (st == SEC_I_CONTINUE_NEEDED) DeleteSecurityContext(&s);
    fixture_close(&f);
}

int main(void) {
    unsetenv("LM_COMPAT_LEVEL");
    unsetenv("NTLM_USER_FILE");
    TEST_RUN(test_authenticate_truncated);
    TEST_RUN(test_authenticate_malformed);
    TEST_RUN(test_wrong_message_types);
    TEST_RUN(test_challenge_malformed);
    TEST_RUN(test_replay_and_complete_context);
    TEST_RUN(test_anonymous_refused);
    TEST_RUN(test_api_buffer_abuse);
    return test_summary();
}
