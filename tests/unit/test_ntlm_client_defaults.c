/*
 * What our NTLM client puts on the wire by default (issue: NTLM client),
 * checked by parsing the tokens of a real in-process handshake with the
 * library's own parsers:
 *   - NEGOTIATE: extended session security, 128-bit, KEY_EXCH, VERSION;
 *   - CHALLENGE (our server): flags narrowed to the client's, target info
 *     with NetBIOS/DNS names and a timestamp;
 *   - AUTHENTICATE: VERSION field present, an NTLMv2 response, a MIC field
 *     and MsvAvFlags with MIC_PRESENT (the server sent a timestamp),
 *     MsvAvTargetName = pszTargetName, MsvAvChannelBindings = 16 zero bytes
 *     without bindings, a 16-byte encrypted random session key;
 *   - the LM_COMPAT_LEVEL environment default: 2 -> NTLMv1 (24-byte NT
 *     response), an invalid value -> the default level 3 (NTLMv2).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libsspi.h>
#include <sspi.h>

#include "packages/ntlm/ntlm_context.h"
#include "packages/ntlm/ntlm_wire.h"
#include "sspi_test_helpers.h"
#include "testlib.h"

/* Pull the package out of the static library (the registry refers to it
 * weakly). */
const sspi_package *const test_ntlm_defaults_pkg_ref = &sspi_ntlm_package;

#define PKG ((SEC_CHAR *)"NTLM")
#define PASSWORD "Passw0rd!"
#define TARGET "HTTP/server.example.com"
#define TOKMAX 4096

typedef struct tokens {
    uint8_t neg[TOKMAX], chal[TOKMAX], auth[TOKMAX];
    ULONG neg_len, chal_len, auth_len;
    SECURITY_STATUS cli1, srv1, cli2, srv2;
} tokens;

static SECURITY_STATUS run(const char *file, const cbt_buf *cb, tokens *t) {
    memset(t, 0, sizeof *t);
    t->cli1 = t->srv1 = t->cli2 = t->srv2 = (SECURITY_STATUS)0x7fffffff;
    CredHandle cc, sc;
    SEC_WINNT_AUTH_IDENTITY_A id;
    th_identity_a(&id, "alice", "DOM", PASSWORD, 0);
    TimeStamp exp;
    if (AcquireCredentialsHandleA(NULL, PKG, SECPKG_CRED_OUTBOUND, NULL, &id, NULL, NULL, &cc,
                                  &exp) != SEC_E_OK)
        return 1;
    if (AcquireCredentialsHandleA(NULL, PKG, SECPKG_CRED_INBOUND, NULL, NULL, NULL, NULL, &sc,
                                  &exp) != SEC_E_OK ||
        SetCredentialsAttributesA(&sc, SECPKG_CRED_ATTR_LIBSSPI_NTLM_USER_FILE, (void *)file,
                                  (ULONG)strlen(file) + 1) != SEC_E_OK) {
        FreeCredentialsHandle(&cc);
        return 2;
    }
    ULONG ireq = ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | ISC_REQ_REPLAY_DETECT |
                 ISC_REQ_SEQUENCE_DETECT | ISC_REQ_CONNECTION;
    ULONG areq = ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY | ASC_REQ_REPLAY_DETECT |
                 ASC_REQ_SEQUENCE_DETECT | ASC_REQ_CONNECTION;
    CtxtHandle cctx, sctx;
    bool have_c = false, have_s = false;
    ULONG ca = 0, sa = 0;
    SecBuffer ob[1], ib[2];
    SecBufferDesc od, idd;

    th_desc1(&od, ob, t->neg, TOKMAX);
    t->cli1 = InitializeSecurityContextA(&cc, NULL, (SEC_CHAR *)TARGET, ireq, 0,
                                         SECURITY_NATIVE_DREP, NULL, 0, &cctx, &od, &ca, &exp);
    if (t->cli1 != SEC_I_CONTINUE_NEEDED) goto out;
    have_c = true;
    t->neg_len = ob[0].cbBuffer;

    th_desc1(&idd, ib, t->neg, t->neg_len);
    th_desc1(&od, ob, t->chal, TOKMAX);
    t->srv1 = AcceptSecurityContext(&sc, NULL, &idd, areq, SECURITY_NATIVE_DREP, &sctx, &od, &sa,
                                    &exp);
    if (t->srv1 != SEC_I_CONTINUE_NEEDED) goto out;
    have_s = true;
    t->chal_len = ob[0].cbBuffer;

    th_desc1(&idd, ib, t->chal, t->chal_len);
    if (cb) {
        th_buf(&ib[1], SECBUFFER_CHANNEL_BINDINGS, (void *)cb->bytes, cb->len);
        idd.cBuffers = 2;
    }
    th_desc1(&od, ob, t->auth, TOKMAX);
    t->cli2 = InitializeSecurityContextA(&cc, &cctx, (SEC_CHAR *)TARGET, ireq, 0,
                                         SECURITY_NATIVE_DREP, &idd, 0, &cctx, &od, &ca, &exp);
    if (t->cli2 != SEC_E_OK) goto out;
    t->auth_len = ob[0].cbBuffer;

    th_desc1(&idd, ib, t->auth, t->auth_len);
    th_desc1(&od, ob, t->chal + TOKMAX / 2, TOKMAX / 2); /* any scratch output */
    t->srv2 = AcceptSecurityContext(&sc, &sctx, &idd, areq, SECURITY_NATIVE_DREP, &sctx, &od, &sa,
                                    &exp);
out:
    if (have_c) DeleteSecurityContext(&cctx);
    if (have_s) DeleteSecurityContext(&sctx);
    FreeCredentialsHandle(&cc);
    FreeCredentialsHandle(&sc);
    return 0;
}

static bool utf16le_eq(ntlm_bytes b, const char *ascii) {
    size_t n = strlen(ascii);
    if (b.len != 2 * n) return false;
    for (size_t i = 0; i < n; i++)
        if (b.data[2 * i] != (uint8_t)ascii[i] || b.data[2 * i + 1] != 0) return false;
    return true;
}

static char *accounts(void) {
    return test_temp_file("/tmp/test_ntlm_defXXXXXX", "DOM:alice:" PASSWORD "\n");
}

static void test_default_wire_fields(void) {
    unsetenv("LM_COMPAT_LEVEL");
    char *file = accounts();
    REQUIRE(file);
    tokens t;
    REQUIRE(run(file, NULL, &t) == 0);
    CHECK_EQ_INT(t.cli1, SEC_I_CONTINUE_NEEDED);
    CHECK_EQ_INT(t.srv1, SEC_I_CONTINUE_NEEDED);
    CHECK_EQ_INT(t.cli2, SEC_E_OK);
    CHECK_EQ_INT(t.srv2, SEC_E_OK);
    REQUIRE(t.auth_len > 0);

    ntlm_negotiate_msg n;
    REQUIRE(sr_is_ok(ntlm_parse_negotiate(t.neg, t.neg_len, &n)));
    CHECK(n.flags & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY);
    CHECK(n.flags & NTLMSSP_NEGOTIATE_128);
    CHECK(n.flags & NTLMSSP_NEGOTIATE_KEY_EXCH);
    CHECK(n.flags & NTLMSSP_NEGOTIATE_VERSION);
    CHECK(n.flags & NTLMSSP_NEGOTIATE_NTLM);
    CHECK(n.has_version);

    ntlm_challenge_msg c;
    REQUIRE(sr_is_ok(ntlm_parse_challenge(t.chal, t.chal_len, &c)));
    /* Narrowed: nothing the client did not ask for (the server may add
     * only the target-type/target-info bits of MS-NLMP 3.2.5.1.1). */
    uint32_t extra = c.flags & ~n.flags &
                     ~(uint32_t)(NTLMSSP_TARGET_TYPE_DOMAIN | NTLMSSP_TARGET_TYPE_SERVER |
                                 NTLMSSP_NEGOTIATE_TARGET_INFO | NTLMSSP_REQUEST_TARGET);
    CHECK_EQ_INT(extra, 0);
    CHECK(c.flags & NTLMSSP_NEGOTIATE_TARGET_INFO);
    ntlm_av_info sav;
    REQUIRE(sr_is_ok(ntlm_av_parse(c.target_info.data, c.target_info.len, &sav)));
    CHECK(sav.nb_computer.len > 0);
    CHECK(sav.nb_domain.len > 0);
    CHECK(sav.dns_computer.len > 0);
    CHECK(sav.has_timestamp);

    ntlm_authenticate_msg a;
    REQUIRE(sr_is_ok(ntlm_parse_authenticate(t.auth, t.auth_len, &a)));
    CHECK(a.flags & NTLMSSP_NEGOTIATE_VERSION);
    CHECK(a.has_version);
    CHECK(a.has_mic_field);
    CHECK(a.flags & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY);
    CHECK(a.flags & NTLMSSP_NEGOTIATE_128);
    CHECK(a.flags & NTLMSSP_NEGOTIATE_KEY_EXCH);
    CHECK_EQ_INT(a.encrypted_session_key.len, 16);
    /* The MIC is not all zeros. */
    uint8_t zero[16] = {0};
    CHECK(memcmp(a.mic, zero, 16) != 0);
    /* NTLMv2 response with the AV pairs of MS-NLMP 3.1.5.1.2. */
    REQUIRE(a.nt_response.len > 24);
    const uint8_t *proof;
    ntlm_bytes blob;
    ntlm_v2_blob v2;
    REQUIRE(sr_is_ok(ntlm_parse_v2_response(a.nt_response.data, a.nt_response.len, &proof, &blob,
                                            &v2)));
    CHECK(v2.timestamp == sav.timestamp); /* the server's timestamp is echoed */
    ntlm_av_info cav;
    REQUIRE(sr_is_ok(ntlm_av_parse(v2.av_pairs.data, v2.av_pairs.len, &cav)));
    CHECK(cav.has_flags && (cav.flags & NTLM_AVFLAG_MIC_PRESENT));
    CHECK(cav.has_timestamp);
    CHECK(utf16le_eq(cav.target_name, TARGET));
    CHECK(cav.has_channel_bindings);
    CHECK(memcmp(cav.channel_bindings, zero, 16) == 0);
    test_drop_file(file);
}

static void test_channel_bindings_hash(void) {
    unsetenv("LM_COMPAT_LEVEL");
    char *file = accounts();
    REQUIRE(file);
    cbt_buf cb;
    make_cbt(&cb, "tls-server-end-point:0123456789abcdef");
    tokens t;
    REQUIRE(run(file, &cb, &t) == 0);
    CHECK_EQ_INT(t.cli2, SEC_E_OK);
    ntlm_authenticate_msg a;
    REQUIRE(sr_is_ok(ntlm_parse_authenticate(t.auth, t.auth_len, &a)));
    const uint8_t *proof;
    ntlm_bytes blob;
    ntlm_v2_blob v2;
    REQUIRE(sr_is_ok(ntlm_parse_v2_response(a.nt_response.data, a.nt_response.len, &proof, &blob,
                                            &v2)));
    ntlm_av_info cav;
    REQUIRE(sr_is_ok(ntlm_av_parse(v2.av_pairs.data, v2.av_pairs.len, &cav)));
    REQUIRE(cav.has_channel_bindings);
    uint8_t zero[16] = {0};
    CHECK(memcmp(cav.channel_bindings, zero, 16) != 0);
    test_drop_file(file);
}

static void test_lm_compat_env(void) {
    char *file = accounts();
    REQUIRE(file);
    tokens t;
    /* Level 2 from the environment (read when the credential is acquired):
     * NTLMv1 only, so a 24-byte NT response, and the server (default level
     * 3) accepts it. */
    setenv("LM_COMPAT_LEVEL", "2", 1);
    REQUIRE(run(file, NULL, &t) == 0);
    CHECK_EQ_INT(t.cli2, SEC_E_OK);
    CHECK_EQ_INT(t.srv2, SEC_E_OK);
    ntlm_authenticate_msg a;
    REQUIRE(sr_is_ok(ntlm_parse_authenticate(t.auth, t.auth_len, &a)));
    CHECK_EQ_INT(a.nt_response.len, 24);

    /* Level 5 on both sides from the environment: NTLMv2 still works. */
    setenv("LM_COMPAT_LEVEL", "5", 1);
    REQUIRE(run(file, NULL, &t) == 0);
    CHECK_EQ_INT(t.srv2, SEC_E_OK);
    REQUIRE(sr_is_ok(ntlm_parse_authenticate(t.auth, t.auth_len, &a)));
    CHECK(a.nt_response.len > 24);

    /* An out-of-range value is ignored: the default (3, NTLMv2). */
    setenv("LM_COMPAT_LEVEL", "9", 1);
    REQUIRE(run(file, NULL, &t) == 0);
    CHECK_EQ_INT(t.srv2, SEC_E_OK);
    REQUIRE(sr_is_ok(ntlm_parse_authenticate(t.auth, t.auth_len, &a)));
    CHECK(a.nt_response.len > 24);
    unsetenv("LM_COMPAT_LEVEL");
    test_drop_file(file);
}

int main(void) {
    unsetenv("NTLM_USER_FILE");
    TEST_RUN(test_default_wire_fields);
    TEST_RUN(test_channel_bindings_hash);
    TEST_RUN(test_lm_compat_env);
    return test_summary();
}
