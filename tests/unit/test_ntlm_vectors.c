/*
 * MS-NLMP section 4.2 test vectors for src/packages/ntlm/ntlm_crypto.c.
 *
 * Common values (4.2.1): User "User", UserDom "Domain", Passwd "Password",
 * Server "Server", Workstation "COMPUTER", RandomSessionKey 55 x16,
 * Time 0, ClientChallenge aa x8, ServerChallenge 0123456789abcdef.
 *
 * Values not printed in MS-NLMP (channel bindings, 40-bit keys, datagram
 * rekeying) were computed independently with Python hashlib/hmac and a
 * ten-line RC4 (the script is quoted next to each literal).
 */
#include <string.h>

#include "core/result.h"
#include "crypto/crypto.h"
#include "packages/ntlm/ntlm_crypto.h"
#include "packages/ntlm/ntlm_wire.h"
#include "testlib.h"

static const uint8_t k_server_challenge[8] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
static const uint8_t k_client_challenge[8] = {0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa};
static const uint8_t k_random_session_key[16] = {0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55,
                                                 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55};
/* "Plaintext" in UTF-16LE (4.2.2.4, 4.2.3.4, 4.2.4.4). */
static const uint8_t k_plaintext[18] = {0x50, 0, 0x6c, 0, 0x61, 0, 0x69, 0, 0x6e,
                                        0,    0x74, 0, 0x65, 0, 0x78, 0, 0x74, 0};

/* Parse a hex literal of exactly `len` bytes (fails the case otherwise). */
#define HEX(buf, str)                                                                \
    uint8_t buf[sizeof(str) / 2];                                                    \
    long buf##_n = test_hex(str, buf, sizeof buf);                                   \
    REQUIRE(buf##_n > 0)

/* 4.2.2 NTLM v1 flags: KEY_EXCH 56 128 VERSION TARGET_TYPE_SERVER ALWAYS_SIGN
 * NTLM SEAL SIGN OEM UNICODE = 0xe2028233. */
#define FLAGS_V1 0xe2028233u
/* 4.2.3 NTLM v1 with client challenge: 56 VERSION ESS TARGET_TYPE_SERVER
 * ALWAYS_SIGN NTLM SEAL SIGN OEM UNICODE = 0x820a8233. */
#define FLAGS_V1_ESS 0x820a8233u
/* 4.2.4 NTLMv2: KEY_EXCH 56 128 VERSION TARGET_INFO ESS TARGET_TYPE_SERVER
 * ALWAYS_SIGN NTLM SEAL SIGN OEM UNICODE = 0xe28a8233. */
#define FLAGS_V2 0xe28a8233u

static void v1_hashes(uint8_t lm[16], uint8_t nt[16]) {
    CHECK_OK(ntlm_lm_hash("Password", 8, lm));
    CHECK_OK(ntlm_nt_hash("Password", 8, nt));
}

/* ---- 4.2.2 NTLM v1 Authentication ----------------------------------- */

static void test_422_flags(void) {
    uint32_t v1 = NTLMSSP_NEGOTIATE_KEY_EXCH | NTLMSSP_NEGOTIATE_56 | NTLMSSP_NEGOTIATE_128 |
                  NTLMSSP_NEGOTIATE_VERSION | NTLMSSP_TARGET_TYPE_SERVER |
                  NTLMSSP_NEGOTIATE_ALWAYS_SIGN | NTLMSSP_NEGOTIATE_NTLM |
                  NTLMSSP_NEGOTIATE_SEAL | NTLMSSP_NEGOTIATE_SIGN | NTLMSSP_NEGOTIATE_OEM |
                  NTLMSSP_NEGOTIATE_UNICODE;
    uint32_t ess = NTLMSSP_NEGOTIATE_56 | NTLMSSP_NEGOTIATE_VERSION |
                   NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY | NTLMSSP_TARGET_TYPE_SERVER |
                   NTLMSSP_NEGOTIATE_ALWAYS_SIGN | NTLMSSP_NEGOTIATE_NTLM |
                   NTLMSSP_NEGOTIATE_SEAL | NTLMSSP_NEGOTIATE_SIGN | NTLMSSP_NEGOTIATE_OEM |
                   NTLMSSP_NEGOTIATE_UNICODE;
    uint32_t v2 = v1 | NTLMSSP_NEGOTIATE_TARGET_INFO | NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY;
    CHECK_EQ_INT(FLAGS_V1, v1);
    CHECK_EQ_INT(FLAGS_V1_ESS, ess);
    CHECK_EQ_INT(FLAGS_V2, v2);
}

/* 4.2.2.1.1 LMOWFv1, 4.2.2.1.2 NTOWFv1. */
static void test_4221_owf_v1(void) {
    uint8_t lm[16], nt[16];
    v1_hashes(lm, nt);
    HEX(want_lm, "e52cac67419a9a224a3b108f3fa6cb6d");
    HEX(want_nt, "a4f49c406510bdcab6824ee7c30fd852");
    CHECK_BYTES(lm, want_lm, 16);
    CHECK_BYTES(nt, want_nt, 16);
}

/* 4.2.2.1.3 Session Base Key and Key Exchange Key. */
static void test_4221_keys_v1(void) {
    uint8_t lm[16], nt[16], sbk[16], kx[16], lm_resp[24];
    v1_hashes(lm, nt);
    CHECK_OK(ntlm_v1_session_base_key(nt, sbk));
    HEX(want_sbk, "d87262b0cde4b1cb7499becccdf10784");
    CHECK_BYTES(sbk, want_sbk, 16);

    CHECK_OK(ntlm_v1_response(lm, k_server_challenge, lm_resp));
    /* Without LM_KEY / NON_NT_SESSION_KEY: KeyExchangeKey = SessionBaseKey. */
    CHECK_OK(ntlm_kxkey(FLAGS_V1, false, sbk, lm_resp, 24, k_server_challenge, lm, kx));
    CHECK_BYTES(kx, want_sbk, 16);
    /* NTLMSSP_REQUEST_NON_NT_SESSION_KEY: LMOWF[0..7] || Z(8). */
    CHECK_OK(ntlm_kxkey(FLAGS_V1 | NTLMSSP_REQUEST_NON_NT_SESSION_KEY, false, sbk, lm_resp, 24,
                        k_server_challenge, lm, kx));
    HEX(want_nonnt, "e52cac67419a9a220000000000000000");
    CHECK_BYTES(kx, want_nonnt, 16);
    /* NTLMSSP_NEGOTIATE_LM_KEY (wins over NON_NT_SESSION_KEY). */
    CHECK_OK(ntlm_kxkey(FLAGS_V1 | NTLMSSP_NEGOTIATE_LM_KEY | NTLMSSP_REQUEST_NON_NT_SESSION_KEY,
                        false, sbk, lm_resp, 24, k_server_challenge, lm, kx));
    HEX(want_lmkey, "b09e379f7fbecb1eaf0afdcb0383c8a0");
    CHECK_BYTES(kx, want_lmkey, 16);
    /* Missing inputs are parameter errors, not crashes. */
    CHECK_SR(ntlm_kxkey(FLAGS_V1 | NTLMSSP_NEGOTIATE_LM_KEY, false, sbk, lm_resp, 4,
                        k_server_challenge, lm, kx),
             SR_INVALID_PARAMETER);
    CHECK_SR(ntlm_kxkey(FLAGS_V1 | NTLMSSP_REQUEST_NON_NT_SESSION_KEY, false, sbk, lm_resp, 24,
                        k_server_challenge, NULL, kx),
             SR_INVALID_PARAMETER);
}

/* 4.2.2.2.1 NTLMv1 Response, 4.2.2.2.2 LMv1 Response. */
static void test_4222_responses_v1(void) {
    uint8_t lm[16], nt[16], resp[24];
    v1_hashes(lm, nt);
    CHECK_OK(ntlm_v1_response(nt, k_server_challenge, resp));
    HEX(want_nt, "67c43011f30298a2ad35ece64f16331c44bdbed927841f94");
    CHECK_BYTES(resp, want_nt, 24);
    CHECK_OK(ntlm_v1_response(lm, k_server_challenge, resp));
    HEX(want_lm, "98def7b87f88aa5dafe2df779688a172def11c7d5ccdef13");
    CHECK_BYTES(resp, want_lm, 24);
    /* DESL is the same function. */
    uint8_t d[24];
    CHECK_OK(ntlm_desl(nt, k_server_challenge, d));
    CHECK_BYTES(d, want_nt, 24);
}

/* 4.2.2.2.3 Encrypted Session Key, for the three KXKEY variants. */
static void test_4222_encrypted_session_key_v1(void) {
    uint8_t lm[16], nt[16], sbk[16], kx[16], lm_resp[24], enc[16], dec[16];
    v1_hashes(lm, nt);
    CHECK_OK(ntlm_v1_session_base_key(nt, sbk));
    CHECK_OK(ntlm_v1_response(lm, k_server_challenge, lm_resp));

    CHECK_OK(ntlm_kxkey(FLAGS_V1, false, sbk, lm_resp, 24, k_server_challenge, lm, kx));
    CHECK_OK(ntlm_rc4k(kx, k_random_session_key, enc));
    HEX(want1, "518822b1b3f350c8958682ecbb3e3cb7");
    CHECK_BYTES(enc, want1, 16);
    CHECK_OK(ntlm_rc4k(kx, enc, dec)); /* the server's side */
    CHECK_BYTES(dec, k_random_session_key, 16);

    CHECK_OK(ntlm_kxkey(FLAGS_V1 | NTLMSSP_REQUEST_NON_NT_SESSION_KEY, false, sbk, lm_resp, 24,
                        k_server_challenge, lm, kx));
    CHECK_OK(ntlm_rc4k(kx, k_random_session_key, enc));
    HEX(want2, "7452ca55c225a1ca04b48fae32cf56fc");
    CHECK_BYTES(enc, want2, 16);

    CHECK_OK(ntlm_kxkey(FLAGS_V1 | NTLMSSP_NEGOTIATE_LM_KEY, false, sbk, lm_resp, 24,
                        k_server_challenge, lm, kx));
    CHECK_OK(ntlm_rc4k(kx, k_random_session_key, enc));
    HEX(want3, "4cd7bb57d697ef9b549f02b8f9b37864");
    CHECK_BYTES(enc, want3, 16);
}

/* 4.2.2.4 GSS_WrapEx: SEALKEY without ESS/LM_KEY is the 128-bit
 * ExportedSessionKey; data RC4'd, then RandomPad, CRC32, SeqNum. */
static void test_4224_wrap_v1(void) {
    ntlm_seal_state cli;
    REQUIRE(sr_is_ok(ntlm_seal_state_init(&cli, FLAGS_V1, k_random_session_key, true, true)));
    CHECK_EQ_INT(cli.seal_key_len, 16);
    CHECK_BYTES(cli.seal_key, k_random_session_key, 16);

    uint8_t data[18], sig[16], sum[8];
    memcpy(data, k_plaintext, sizeof data);
    crypto_part part = {k_plaintext, sizeof k_plaintext};
    CHECK_OK(ntlm_mac_prepare(&cli, 0, &part, 1, sum));
    HEX(want_crc, "7d84aa93"); /* Checksum: CRC32(Message) */
    CHECK_BYTES(sum, want_crc, 4);
    CHECK_OK(ntlm_seal_data(&cli, data, sizeof data));
    CHECK_OK(ntlm_mac_finish(&cli, 0, sum, sig));
    HEX(want_data, "56fe04d861f9319af0d7238a2e3b4d457fb8");
    CHECK_BYTES(data, want_data, 18);
    /* Assembled signature. 4.2.2.4 prints RandomPad as RC4(0) = 45c844e5;
     * the normative 3.4.4.1 ends with "Set RandomPad to 0", which we emit. */
    HEX(want_sig, "01000000 00000000 09dcd1df 2e459d36");
    CHECK_BYTES(sig, want_sig, 16);

    /* The receiver (same key: one SEALKEY without ESS) accepts both forms. */
    HEX(example_sig, "01000000 45c844e5 09dcd1df 2e459d36");
    for (int form = 0; form < 2; form++) {
        ntlm_seal_state srv;
        REQUIRE(sr_is_ok(ntlm_seal_state_init(&srv, FLAGS_V1, k_random_session_key, false, false)));
        uint8_t buf[18];
        memcpy(buf, want_data, sizeof buf);
        crypto_part p = {buf, sizeof buf};
        CHECK_OK(ntlm_seal_data(&srv, buf, sizeof buf));
        CHECK_BYTES(buf, k_plaintext, 18);
        CHECK_OK(ntlm_mac_verify(&srv, 0, &p, 1, form ? example_sig : want_sig));
        ntlm_seal_state_clear(&srv);
    }
    ntlm_seal_state_clear(&cli);
}

/* ---- 4.2.3 NTLM v1 with Client Challenge (ESS) ----------------------- */

static void test_423_ess(void) {
    uint8_t lm[16], nt[16], sbk[16], kx[16], resp[24];
    v1_hashes(lm, nt);
    /* 4.2.3.1.3 / 4.2.3.2: responses. LmChallengeResponse = CC || Z(16). */
    CHECK_OK(ntlm_v1_ess_response(nt, k_server_challenge, k_client_challenge, resp));
    HEX(want_nt, "7537f803ae367128ca458204bde7caf81e97ed2683267232");
    CHECK_BYTES(resp, want_nt, 24);
    uint8_t lm_resp[24] = {0};
    memcpy(lm_resp, k_client_challenge, 8);

    CHECK_OK(ntlm_v1_session_base_key(nt, sbk));
    HEX(want_sbk, "d87262b0cde4b1cb7499becccdf10784");
    CHECK_BYTES(sbk, want_sbk, 16);
    CHECK_OK(ntlm_kxkey(FLAGS_V1_ESS, false, sbk, lm_resp, 24, k_server_challenge, lm, kx));
    HEX(want_kx, "eb93429a8bd952f8b89c55b87f475edc");
    CHECK_BYTES(kx, want_kx, 16);

    /* 4.2.3.4: no KEY_EXCH, so ExportedSessionKey = KeyExchangeKey; 56-bit. */
    ntlm_seal_state cli;
    REQUIRE(sr_is_ok(ntlm_seal_state_init(&cli, FLAGS_V1_ESS, kx, true, true)));
    HEX(want_seal, "04dd7f014d8504d265a25cc86a3a7c06");
    HEX(want_sign, "60e799be5c72fc92922ae8ebe961fb8d");
    CHECK_BYTES(cli.seal_key, want_seal, 16);
    CHECK_BYTES(cli.sign_key, want_sign, 16);

    uint8_t data[18], sig[16], sum[8];
    memcpy(data, k_plaintext, sizeof data);
    crypto_part part = {k_plaintext, sizeof k_plaintext};
    CHECK_OK(ntlm_mac_prepare(&cli, 0, &part, 1, sum));
    HEX(want_sum, "ff2aeb52f681793a"); /* HMAC_MD5(SigningKey, SeqNum||Msg)[0..7] */
    CHECK_BYTES(sum, want_sum, 8);
    CHECK_OK(ntlm_seal_data(&cli, data, sizeof data));
    CHECK_OK(ntlm_mac_finish(&cli, 0, sum, sig));
    HEX(want_data, "a02372f6530273f3aa1eb90190ce5200c99d");
    HEX(want_sig, "01000000ff2aeb52f681793a00000000");
    CHECK_BYTES(data, want_data, 18);
    CHECK_BYTES(sig, want_sig, 16);
    ntlm_seal_state_clear(&cli);
}

/* ---- 4.2.4 NTLMv2 Authentication ------------------------------------ */

/* 4.2.4.1.3 temp: 0x01 0x01 Z(6) Time ClientChallenge Z(4) ServerName Z(4),
 * ServerName = MsvAvNbDomainName "Domain", MsvAvNbComputerName "Server",
 * MsvAvEOL. */
static const char k_v2_temp_hex[] =
    "0101000000000000 0000000000000000 aaaaaaaaaaaaaaaa 00000000"
    "02000c00 44006f006d00610069006e00"
    "01000c00 53006500720076006500720000000000"
    "00000000";

static void test_424_v2(void) {
    uint8_t nt[16], key[16], proof[16], sbk[16], kx[16], resp[24], enc[16];
    CHECK_OK(ntlm_nt_hash("Password", 8, nt));
    /* 4.2.4.1.1 NTOWFv2 (= LMOWFv2). */
    CHECK_OK(ntlm_ntowfv2(nt, "User", "Domain", key));
    HEX(want_key, "0c868a403bfd7a93a3001ef22ef02e3f");
    CHECK_BYTES(key, want_key, 16);
    /* User is upper-cased, the domain is not. */
    uint8_t other[16];
    CHECK_OK(ntlm_ntowfv2(nt, "uSeR", "Domain", other));
    CHECK_BYTES(other, want_key, 16);
    CHECK_OK(ntlm_ntowfv2(nt, "User", "DOMAIN", other));
    CHECK(memcmp(other, want_key, 16) != 0);

    /* 4.2.4.2.1 LMv2 response. */
    CHECK_OK(ntlm_lmv2_response(key, k_server_challenge, k_client_challenge, resp));
    HEX(want_lm, "86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa");
    CHECK_BYTES(resp, want_lm, 24);

    /* 4.2.4.2.2 NTLMv2 response: NTProofStr || temp. */
    HEX(temp, k_v2_temp_hex);
    CHECK_EQ_INT(temp_n, 68);
    CHECK_OK(ntlm_v2_proof(key, k_server_challenge, temp, (size_t)temp_n, proof));
    HEX(want_proof, "68cd0ab851e51c96aabc927bebef6a1c");
    CHECK_BYTES(proof, want_proof, 16);

    /* 4.2.4.1.2 Session base key; KXKEY for v2 is the SessionBaseKey. */
    CHECK_OK(ntlm_v2_session_base_key(key, proof, sbk));
    HEX(want_sbk, "8de40ccadbc14a82f15cb0ad0de95ca3");
    CHECK_BYTES(sbk, want_sbk, 16);
    CHECK_OK(ntlm_kxkey(FLAGS_V2, true, sbk, resp, 24, k_server_challenge, NULL, kx));
    CHECK_BYTES(kx, want_sbk, 16);

    /* 4.2.4.2.3 Encrypted session key. */
    CHECK_OK(ntlm_rc4k(kx, k_random_session_key, enc));
    HEX(want_enc, "c5dad2544fc9799094ce1ce90bc9d03e");
    CHECK_BYTES(enc, want_enc, 16);
}

/* 4.2.4.4 GSS_WrapEx with NTLMv2: SEALKEY/SIGNKEY, sealed data, signature. */
static void test_4244_wrap_v2(void) {
    ntlm_seal_state cli, srv;
    REQUIRE(sr_is_ok(ntlm_seal_state_init(&cli, FLAGS_V2, k_random_session_key, true, true)));
    HEX(want_seal, "59f600973cc4960a25480a7c196e4c58");
    HEX(want_sign, "4788dc861b4782f35d43fd98fe1a2d39");
    CHECK_BYTES(cli.seal_key, want_seal, 16);
    CHECK_BYTES(cli.sign_key, want_sign, 16);

    uint8_t data[18], sig[16], sum[8];
    memcpy(data, k_plaintext, sizeof data);
    crypto_part part = {k_plaintext, sizeof k_plaintext};
    CHECK_OK(ntlm_mac_prepare(&cli, 0, &part, 1, sum));
    HEX(want_sum, "70352851f2564309");
    CHECK_BYTES(sum, want_sum, 8);
    CHECK_OK(ntlm_seal_data(&cli, data, sizeof data));
    CHECK_OK(ntlm_mac_finish(&cli, 0, sum, sig));
    HEX(want_data, "54e50165bf1936dc996020c1811b0f06fb5f");
    HEX(want_sig, "010000007fb38ec5c55d497600000000");
    CHECK_BYTES(data, want_data, 18);
    CHECK_BYTES(sig, want_sig, 16);

    /* The server's receiving direction uses the same client-to-server keys. */
    REQUIRE(sr_is_ok(ntlm_seal_state_init(&srv, FLAGS_V2, k_random_session_key, false, false)));
    CHECK_BYTES(srv.seal_key, want_seal, 16);
    CHECK_BYTES(srv.sign_key, want_sign, 16);
    crypto_part p = {data, sizeof data};
    CHECK_OK(ntlm_seal_data(&srv, data, sizeof data));
    CHECK_BYTES(data, k_plaintext, 18);
    CHECK_OK(ntlm_mac_verify(&srv, 0, &p, 1, sig));
    ntlm_seal_state_clear(&srv);
    ntlm_seal_state_clear(&cli);

    /* Server-to-client keys (python: md5(esk + magic + b"\0")). */
    REQUIRE(sr_is_ok(ntlm_seal_state_init(&srv, FLAGS_V2, k_random_session_key, false, true)));
    HEX(want_s2c_seal, "9355f3a957c1583d25c4c2f11e40390e");
    HEX(want_s2c_sign, "d04d6f10741041d1d246d64188d7a8ad");
    CHECK_BYTES(srv.seal_key, want_s2c_seal, 16);
    CHECK_BYTES(srv.sign_key, want_s2c_sign, 16);
    ntlm_seal_state_clear(&srv);
}

/* The one-shot ntlm_mac equals prepare+finish when nothing is sealed. */
static void test_mac_oneshot(void) {
    ntlm_seal_state a, b;
    REQUIRE(sr_is_ok(ntlm_seal_state_init(&a, FLAGS_V2, k_random_session_key, true, true)));
    REQUIRE(sr_is_ok(ntlm_seal_state_init(&b, FLAGS_V2, k_random_session_key, true, true)));
    crypto_part parts[2] = {{k_plaintext, 7}, {k_plaintext + 7, 11}};
    uint8_t s1[16], s2[16], sum[8];
    CHECK_OK(ntlm_mac(&a, 3, parts, 2, s1));
    CHECK_OK(ntlm_mac_prepare(&b, 3, parts, 2, sum));
    CHECK_OK(ntlm_mac_finish(&b, 3, sum, s2));
    CHECK_BYTES(s1, s2, 16);
    CHECK_EQ_INT(s1[12], 3);
    ntlm_seal_state_clear(&a);
    ntlm_seal_state_clear(&b);
}

/* ---- Key weakening (3.4.5.3) ---------------------------------------- */

static void seal_plaintext(uint32_t flags, const uint8_t *want_key, size_t want_len,
                           const uint8_t want_data[18]) {
    ntlm_seal_state st;
    REQUIRE(sr_is_ok(ntlm_seal_state_init(&st, flags, k_random_session_key, true, true)));
    CHECK_EQ_INT(st.seal_key_len, want_len);
    CHECK_BYTES(st.seal_key, want_key, want_len);
    uint8_t data[18];
    memcpy(data, k_plaintext, sizeof data);
    CHECK_OK(ntlm_seal_data(&st, data, sizeof data));
    CHECK_BYTES(data, want_data, 18);
    ntlm_seal_state_clear(&st);
}

static void test_sealkey_weakening(void) {
    uint32_t sealsign = NTLMSSP_NEGOTIATE_SIGN | NTLMSSP_NEGOTIATE_SEAL;
    /* Without ESS, with LM_KEY: 56-bit = ESK[0..6] || 0xa0, 40-bit =
     * ESK[0..4] || e5 38 b0 (python: rc4(key, plaintext)). */
    HEX(k56, "55555555555555a0");
    HEX(d56, "1ea99fa44e987c38cce9cff08d9b862d6da7");
    seal_plaintext(sealsign | NTLMSSP_NEGOTIATE_LM_KEY | NTLMSSP_NEGOTIATE_56, k56, 8, d56);
    HEX(k40, "5555555555e538b0");
    HEX(d40, "9b759ed758bce8e85e0b7ffebc1f1261e8c1");
    seal_plaintext(sealsign | NTLMSSP_NEGOTIATE_LM_KEY, k40, 8, d40);
    /* DATAGRAM without ESS weakens the same way (3.4.5.3). */
    seal_plaintext(sealsign | NTLMSSP_NEGOTIATE_DATAGRAM, k40, 8, d40);
    /* 128 does not matter without ESS. */
    seal_plaintext(sealsign | NTLMSSP_NEGOTIATE_LM_KEY | NTLMSSP_NEGOTIATE_128, k40, 8, d40);

    /* With ESS: MD5(ESK[0..4] || magic) / MD5(ESK[0..6] || magic). */
    uint32_t ess = sealsign | NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY;
    HEX(e40, "42f964a471091a02ff4a77455366e4e5");
    HEX(ed40, "4cbc1cb161a9aaedb1c3a66e896c2302010e");
    seal_plaintext(ess, e40, 16, ed40);
    ntlm_seal_state st;
    REQUIRE(sr_is_ok(ntlm_seal_state_init(&st, ess | NTLMSSP_NEGOTIATE_56, k_random_session_key,
                                          true, true)));
    HEX(e56, "a5f7253c1065e8d3d68642040e71cfe0");
    CHECK_BYTES(st.seal_key, e56, 16);
    ntlm_seal_state_clear(&st);
    /* 40-bit ESS with KEY_EXCH: sealed + signed (python, seq 0). */
    REQUIRE(sr_is_ok(ntlm_seal_state_init(&st, ess | NTLMSSP_NEGOTIATE_KEY_EXCH,
                                          k_random_session_key, true, true)));
    uint8_t data[18], sig[16], sum[8];
    memcpy(data, k_plaintext, sizeof data);
    crypto_part part = {k_plaintext, sizeof k_plaintext};
    CHECK_OK(ntlm_mac_prepare(&st, 0, &part, 1, sum));
    CHECK_OK(ntlm_seal_data(&st, data, sizeof data));
    CHECK_OK(ntlm_mac_finish(&st, 0, sum, sig));
    HEX(esig, "01000000f89c516851fbc5d400000000");
    CHECK_BYTES(data, ed40, 18);
    CHECK_BYTES(sig, esig, 16);
    ntlm_seal_state_clear(&st);
}

/* ---- Datagram rekeying (3.4) ----------------------------------------- */

static void test_datagram_rekey(void) {
    uint32_t fl = FLAGS_V2 | NTLMSSP_NEGOTIATE_DATAGRAM;
    ntlm_seal_state st;
    REQUIRE(sr_is_ok(ntlm_seal_state_init(&st, fl, k_random_session_key, true, true)));
    /* python: k' = md5(sealkey + pack("<I", 5)); rc4(k', pt + hmac[:8]) */
    HEX(want_data, "5947392fdcaa3c079e4daf9ade2ae7c74738");
    HEX(want_sig, "0100000052343564911202db05000000");
    for (int round = 0; round < 2; round++) { /* same result: fresh handle */
        uint8_t data[18], sig[16], sum[8];
        memcpy(data, k_plaintext, sizeof data);
        crypto_part part = {k_plaintext, sizeof k_plaintext};
        CHECK_OK(ntlm_seal_state_datagram_rekey(&st, 5));
        CHECK_OK(ntlm_mac_prepare(&st, 5, &part, 1, sum));
        CHECK_OK(ntlm_seal_data(&st, data, sizeof data));
        CHECK_OK(ntlm_mac_finish(&st, 5, sum, sig));
        CHECK_BYTES(data, want_data, 18);
        CHECK_BYTES(sig, want_sig, 16);
    }
    ntlm_seal_state_clear(&st);

    /* Connection-oriented: the rekey is a no-op, the stream continues. */
    REQUIRE(sr_is_ok(ntlm_seal_state_init(&st, FLAGS_V2, k_random_session_key, true, true)));
    uint8_t a[18], b[18];
    memcpy(a, k_plaintext, 18);
    memcpy(b, k_plaintext, 18);
    CHECK_OK(ntlm_seal_state_datagram_rekey(&st, 0));
    CHECK_OK(ntlm_seal_data(&st, a, 18));
    CHECK_OK(ntlm_seal_state_datagram_rekey(&st, 0));
    CHECK_OK(ntlm_seal_data(&st, b, 18));
    CHECK(memcmp(a, b, 18) != 0);
    /* ntlm_seal_state_reset rewinds the handle and the counter. */
    st.seq_num = 7;
    CHECK_OK(ntlm_seal_state_reset(&st));
    CHECK_EQ_INT(st.seq_num, 0);
    memcpy(b, k_plaintext, 18);
    CHECK_OK(ntlm_seal_data(&st, b, 18));
    CHECK_BYTES(b, a, 18);
    ntlm_seal_state_clear(&st);
}

/* ---- MAC verification failures -------------------------------------- */

static void sign_v2(uint32_t flags, uint32_t seq, const uint8_t *msg, size_t len, uint8_t sig[16]) {
    ntlm_seal_state st;
    if (!sr_is_ok(ntlm_seal_state_init(&st, flags, k_random_session_key, true, true))) {
        CHECK(0);
        return;
    }
    crypto_part p = {msg, len};
    CHECK_OK(ntlm_mac(&st, seq, &p, 1, sig));
    ntlm_seal_state_clear(&st);
}

static sr verify_fresh(uint32_t flags, uint32_t seq, const uint8_t *msg, size_t len,
                       const uint8_t sig[16]) {
    ntlm_seal_state st;
    SR_TRY(ntlm_seal_state_init(&st, flags, k_random_session_key, false, false));
    crypto_part p = {msg, len};
    sr r = ntlm_mac_verify(&st, seq, &p, 1, sig);
    ntlm_seal_state_clear(&st);
    return r;
}

static void test_mac_verify_failures(void) {
    const uint32_t sets[3] = {FLAGS_V2, FLAGS_V1_ESS, FLAGS_V1};
    for (int i = 0; i < 3; i++) {
        uint8_t msg[18], sig[16], bad[16];
        memcpy(msg, k_plaintext, sizeof msg);
        sign_v2(sets[i], 0, msg, sizeof msg, sig);
        CHECK_OK(verify_fresh(sets[i], 0, msg, sizeof msg, sig));
        msg[3] ^= 1; /* data altered */
        CHECK_SR(verify_fresh(sets[i], 0, msg, sizeof msg, sig), SR_MESSAGE_ALTERED);
        msg[3] ^= 1;
        memcpy(bad, sig, 16);
        bad[9] ^= 0x80; /* checksum altered */
        CHECK_SR(verify_fresh(sets[i], 0, msg, sizeof msg, bad), SR_MESSAGE_ALTERED);
        memcpy(bad, sig, 16);
        bad[0] = 2; /* wrong version */
        CHECK_SR(verify_fresh(sets[i], 0, msg, sizeof msg, bad), SR_MESSAGE_ALTERED);
    }
    /* Out of sequence: a valid signature for seq 4 checked as seq 5. With
     * ESS the number travels in clear; with KEY_EXCH its RC4 position
     * differs, so only the non-KEY_EXCH ESS form can tell (fresh states). */
    uint8_t sig[16];
    sign_v2(FLAGS_V1_ESS, 4, k_plaintext, 18, sig);
    CHECK_SR(verify_fresh(FLAGS_V1_ESS, 5, k_plaintext, 18, sig), SR_OUT_OF_SEQUENCE);
    CHECK_OK(verify_fresh(FLAGS_V1_ESS, 4, k_plaintext, 18, sig));
    /* ESS + KEY_EXCH with a fresh handle: the checksum decrypts, seq differs. */
    sign_v2(FLAGS_V2, 4, k_plaintext, 18, sig);
    CHECK_SR(verify_fresh(FLAGS_V2, 5, k_plaintext, 18, sig), SR_OUT_OF_SEQUENCE);
    /* v1: the sequence number is encrypted; CRC valid, number wrong. */
    sign_v2(FLAGS_V1, 4, k_plaintext, 18, sig);
    CHECK_SR(verify_fresh(FLAGS_V1, 5, k_plaintext, 18, sig), SR_OUT_OF_SEQUENCE);
    /* Tampered sequence field (ESS): neither number validates. */
    sign_v2(FLAGS_V1_ESS, 4, k_plaintext, 18, sig);
    sig[12] = 9;
    CHECK_SR(verify_fresh(FLAGS_V1_ESS, 4, k_plaintext, 18, sig), SR_MESSAGE_ALTERED);
}

/* ---- MIC ------------------------------------------------------------ */

static void test_mic(void) {
    /* python: hmac.new(8de40cca..., 44*4 + 66*6 + 88*8, md5) */
    HEX(key, "8de40ccadbc14a82f15cb0ad0de95ca3");
    const uint8_t a[4] = {0x44, 0x44, 0x44, 0x44};
    const uint8_t b[6] = {0x66, 0x66, 0x66, 0x66, 0x66, 0x66};
    const uint8_t c[8] = {0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88};
    uint8_t mic[16];
    CHECK_OK(ntlm_mic(key, a, 4, b, 6, c, 8, mic));
    HEX(want, "71feefd776d442a85f6e180a6b024720");
    CHECK_BYTES(mic, want, 16);
}

/* ---- Channel bindings ------------------------------------------------ */

static void put32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* SEC_CHANNEL_BINDINGS: 8 ULONGs, then data at the given offsets. */
static size_t make_bindings(uint8_t *buf, const uint8_t *ini, uint32_t ini_len,
                            const uint8_t *acc, uint32_t acc_len, const uint8_t *app,
                            uint32_t app_len) {
    uint32_t off = 32;
    memset(buf, 0, 32);
    put32(buf + 0, ini_len ? 2 : 0);
    put32(buf + 4, ini_len);
    put32(buf + 8, ini_len ? off : 0);
    if (ini_len) memcpy(buf + off, ini, ini_len);
    off += ini_len;
    put32(buf + 12, acc_len ? 2 : 0);
    put32(buf + 16, acc_len);
    put32(buf + 20, acc_len ? off : 0);
    if (acc_len) memcpy(buf + off, acc, acc_len);
    off += acc_len;
    put32(buf + 24, app_len);
    put32(buf + 28, off);
    if (app_len) memcpy(buf + off, app, app_len);
    return off + app_len;
}

static void test_channel_bindings(void) {
    uint8_t app[53], buf[128], h[16];
    memcpy(app, "tls-server-end-point:", 21);
    for (int i = 0; i < 32; i++) app[21 + i] = (uint8_t)i;
    /* python:
     *   app = b"tls-server-end-point:" + bytes(range(32))
     *   hashlib.md5(struct.pack("<IIIII", 0, 0, 0, 0, len(app)) + app) */
    size_t n = make_bindings(buf, NULL, 0, NULL, 0, app, sizeof app);
    CHECK_OK(ntlm_channel_bindings_hash(buf, n, h));
    HEX(want, "8f1214c9c9cab8dc3bf866da9aba57a7");
    CHECK_BYTES(h, want, 16);

    /* With addresses (type 2 each): initiator 10.0.0.1, acceptor 5 bytes.
     * python: md5(pack("<II",2,4)+ini+pack("<II",2,5)+acc+pack("<I",53)+app) */
    const uint8_t ini[4] = {10, 0, 0, 1}, acc[5] = {10, 0, 0, 2, 0x55};
    n = make_bindings(buf, ini, 4, acc, 5, app, sizeof app);
    CHECK_OK(ntlm_channel_bindings_hash(buf, n, h));
    HEX(want2, "4952d6223e45a48d6b192d68047dbf4e");
    CHECK_BYTES(h, want2, 16);

    /* Absent bindings: 16 zero bytes. */
    uint8_t zero[16] = {0};
    memset(h, 0xff, 16);
    CHECK_OK(ntlm_channel_bindings_hash(NULL, 0, h));
    CHECK_BYTES(h, zero, 16);

    /* Inconsistent: header truncated, offset past the end, length overflow. */
    n = make_bindings(buf, NULL, 0, NULL, 0, app, sizeof app);
    CHECK_SR(ntlm_channel_bindings_hash(buf, 31, h), SR_INVALID_TOKEN);
    CHECK_SR(ntlm_channel_bindings_hash(buf, n - 1, h), SR_INVALID_TOKEN);
    put32(buf + 28, 0xffffffffu);
    CHECK_SR(ntlm_channel_bindings_hash(buf, n, h), SR_INVALID_TOKEN);
    n = make_bindings(buf, NULL, 0, NULL, 0, app, sizeof app);
    put32(buf + 24, 0xfffffff0u);
    CHECK_SR(ntlm_channel_bindings_hash(buf, n, h), SR_INVALID_TOKEN);
}

/* ---- Odd inputs ------------------------------------------------------ */

static void test_lm_hash_limits(void) {
    uint8_t h[16], empty[16];
    /* LMOWFv1 of the empty password. */
    CHECK_OK(ntlm_lm_hash("", 0, empty));
    HEX(want_empty, "aad3b435b51404eeaad3b435b51404ee");
    CHECK_BYTES(empty, want_empty, 16);
    /* Case-insensitive; longer than 14 -> the empty-password hash. */
    uint8_t a[16];
    CHECK_OK(ntlm_lm_hash("password", 8, a));
    CHECK_OK(ntlm_lm_hash("PASSWORD", 8, h));
    CHECK_BYTES(a, h, 16);
    CHECK_OK(ntlm_lm_hash("123456789012345", 15, h));
    CHECK_BYTES(h, empty, 16);
    CHECK_OK(ntlm_lm_hash("12345678901234", 14, h));
    CHECK(memcmp(h, empty, 16) != 0);
    /* NT hash of the empty password (MD4("")). */
    CHECK_OK(ntlm_nt_hash("", 0, h));
    HEX(want_nt_empty, "31d6cfe0d16ae931b73c59d7e0c089c0");
    CHECK_BYTES(h, want_nt_empty, 16);
    /* Invalid UTF-8 is refused. */
    CHECK_SR(ntlm_nt_hash("\xff", 1, h), SR_INVALID_PARAMETER);
}

int main(void) {
    if (!sr_is_ok(crypto_init())) {
        fprintf(stderr, "crypto_init: %s\n", crypto_last_error());
        return 1;
    }
    TEST_RUN(test_422_flags);
    TEST_RUN(test_4221_owf_v1);
    TEST_RUN(test_4221_keys_v1);
    TEST_RUN(test_4222_responses_v1);
    TEST_RUN(test_4222_encrypted_session_key_v1);
    TEST_RUN(test_4224_wrap_v1);
    TEST_RUN(test_423_ess);
    TEST_RUN(test_424_v2);
    TEST_RUN(test_4244_wrap_v2);
    TEST_RUN(test_mac_oneshot);
    TEST_RUN(test_sealkey_weakening);
    TEST_RUN(test_datagram_rekey);
    TEST_RUN(test_mac_verify_failures);
    TEST_RUN(test_mic);
    TEST_RUN(test_channel_bindings);
    TEST_RUN(test_lm_hash_limits);
    return test_summary();
}
