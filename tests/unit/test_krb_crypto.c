/*
 * Kerberos crypto profiles: RFC 3961 A.1 n-fold, RFC 3962 appendix B
 * string-to-key (PBKDF2 + DK), RFC 8009 appendix A (string-to-key, Kc/Ke/Ki
 * for usage 2, encryptions with known confounders, checksums), RC4-HMAC
 * (RFC 4757 publishes no vectors: the NT hash of "password" is the well
 * known one, the rest was computed with an independent Python
 * implementation on python3-cryptography, see the comments), and
 * round trips / tamper detection for every enctype at lengths 0..100.
 */
#include <stdlib.h>
#include <string.h>

#include "packages/kerberos/krb_crypto.h"
#include "testlib.h"

static size_t hex(const char *h, uint8_t *out, size_t cap) {
    long n = test_hex(h, out, cap);
    if (n < 0) {
        test_fail(__FILE__, __LINE__, "bad hex literal");
        return 0;
    }
    return (size_t)n;
}

static void key_from_hex(krb_key *k, int32_t enctype, const char *h) {
    uint8_t b[64];
    size_t n = hex(h, b, sizeof b);
    CHECK_OK(krb_key_set(k, enctype, b, n));
}

/* ---- RFC 3961 A.1 n-fold ---- */

static void test_nfold(void) {
    static const struct {
        const char *in;
        size_t bits;
        const char *out;
    } v[] = {
        {"012345", 64, "be072631276b1955"},
        {"password", 56, "78a07b6caf85fa"},
        {"Rough Consensus, and Running Code", 64, "bb6ed30870b7f0e0"},
        {"password", 168, "59e4a8ca7c0385c3c37b3f6d2000247cb6e6bd5b3e"},
        {"MASSACHVSETTS INSTITVTE OF TECHNOLOGY", 192,
         "db3b0d8f0b061e603282b308a50841229ad798fab9540c1b"},
        {"Q", 168, "518a54a215a8452a518a54a215a8452a518a54a215"},
        {"ba", 168, "fb25d531ae8974499f52fd92ea9857c4ba24cf297e"},
        {"kerberos", 64, "6b65726265726f73"},
        {"kerberos", 128, "6b65726265726f737b9b5b2b93132b93"},
        {"kerberos", 168, "8372c236344e5f1550cd0747e15d62ca7a5a3bcea4"},
        {"kerberos", 256, "6b65726265726f737b9b5b2b93132b935c9bdcdad95c9899c4cae4dee6d6cae4"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        uint8_t want[64], got[64];
        size_t n = hex(v[i].out, want, sizeof want);
        CHECK_EQ_INT(n * 8, v[i].bits);
        krb_nfold((const uint8_t *)v[i].in, strlen(v[i].in), got, n);
        CHECK_BYTES(got, want, n);
    }
}

/* ---- RFC 3962 appendix B ---- */

static const struct {
    const char *pass; /* hex if pass_hex */
    int pass_hex;
    const char *salt; /* hex if salt_hex */
    int salt_hex;
    uint32_t iter;
    const char *tkey256, *key128, *key256;
} k_3962[] = {
    {"password", 0, "ATHENA.MIT.EDUraeburn", 0, 1,
     "cdedb5281bb2f801565a1122b25635150ad1f7a04bb9f3a333ecc0e2e1f70837",
     "42263c6e89f4fc28b8df68ee09799f15",
     "fe697b52bc0d3ce14432ba036a92e65bbb52280990a2fa27883998d72af30161"},
    {"password", 0, "ATHENA.MIT.EDUraeburn", 0, 2,
     "01dbee7f4a9e243e988b62c73cda935da05378b93244ec8f48a99e61ad799d86",
     "c651bf29e2300ac27fa469d693bdda13",
     "a2e16d16b36069c135d5e9d2e25f896102685618b95914b467c67622225824ff"},
    {"password", 0, "ATHENA.MIT.EDUraeburn", 0, 1200,
     "5c08eb61fdf71e4e4ec3cf6ba1f5512ba7e52ddbc5e5142f708a31e2e62b1e13",
     "4c01cd46d632d01e6dbe230a01ed642a",
     "55a6ac740ad17b4846941051e1e8b0a7548d93b0ab30a8bc3ff16280382b8c2a"},
    {"password", 0, "1234567878563412", 1, 5,
     "d1daa78615f287e6a1c8b120d7062a493f98d203e6be49a6adf4fa574b6e64ee",
     "e9b23d52273747dd5c35cb55be619d8e",
     "97a4e786be20d81a382d5ebc96d5909cabcdadc87ca48f574504159f16c36e31"},
    {"XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", 0,
     "pass phrase equals block size", 0, 1200,
     "139c30c0966bc32ba55fdbf212530ac9c5ec59f1a452f5cc9ad940fea0598ed1",
     "59d1bb789a828b1aa54ef9c2883f69ed",
     "89adee3608db8bc71f1bfbfe459486b05618b70cbae22092534e56c553ba4b34"},
    {"XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", 0,
     "pass phrase exceeds block size", 0, 1200,
     "9ccad6d468770cd51b10e6a68721be611a8b4d282601db3b36be9246915ec82a",
     "cb8005dc5f90179a7f02104c0018751d",
     "d78c5c9cb872a8c9dad4697f0bb5b2d21496c82beb2caeda2112fceea057401b"},
    {"f09d849e", 1, "EXAMPLE.COMpianist", 0, 50,
     "6b9cf26d45455a43a5b8bb276a403b39e7fe37a0c41e02c281ff3069e1e94f52",
     "f149c1f2e154a73452d43e7fe62a56e5",
     "4b6d9839f84406df1f09cc166db4b83c571848b784a3d6bdc346589a3e393f9e"},
};

static void test_rfc3962_string_to_key(void) {
    for (size_t i = 0; i < sizeof k_3962 / sizeof k_3962[0]; i++) {
        uint8_t pass[80], salt[80], params[4], want[32], tk[32];
        size_t plen = k_3962[i].pass_hex ? hex(k_3962[i].pass, pass, sizeof pass)
                                         : strlen(k_3962[i].pass);
        if (!k_3962[i].pass_hex) memcpy(pass, k_3962[i].pass, plen);
        size_t slen = k_3962[i].salt_hex ? hex(k_3962[i].salt, salt, sizeof salt)
                                         : strlen(k_3962[i].salt);
        if (!k_3962[i].salt_hex) memcpy(salt, k_3962[i].salt, slen);
        uint32_t it = k_3962[i].iter;
        params[0] = (uint8_t)(it >> 24); params[1] = (uint8_t)(it >> 16);
        params[2] = (uint8_t)(it >> 8); params[3] = (uint8_t)it;
        krb_key k;
        CHECK_OK(krb_string_to_key(17, (const char *)pass, plen, salt, slen, params, 4, &k));
        hex(k_3962[i].key128, want, sizeof want);
        CHECK_EQ_INT(k.len, 16);
        CHECK_BYTES(k.bytes, want, 16);
        CHECK_OK(krb_string_to_key(18, (const char *)pass, plen, salt, slen, params, 4, &k));
        hex(k_3962[i].key256, want, sizeof want);
        CHECK_EQ_INT(k.len, 32);
        CHECK_BYTES(k.bytes, want, 32);
        /* The DK step alone: DK(tkey, "kerberos"), both key sizes. */
        krb_key tkey, out;
        hex(k_3962[i].tkey256, tk, sizeof tk);
        CHECK_OK(krb_key_set(&tkey, 18, tk, 32));
        CHECK_OK(krb_dk(&tkey, (const uint8_t *)"kerberos", 8, &out));
        CHECK_BYTES(out.bytes, want, 32);
        CHECK_OK(krb_key_set(&tkey, 17, tk, 16)); /* the 128-bit PBKDF2 is a prefix */
        CHECK_OK(krb_dk(&tkey, (const uint8_t *)"kerberos", 8, &out));
        hex(k_3962[i].key128, want, sizeof want);
        CHECK_BYTES(out.bytes, want, 16);
        krb_key_wipe(&k);
    }
    /* Default iteration count (4096) and the 2^32 refusal. */
    krb_key a, b;
    uint8_t p4096[4] = {0, 0, 0x10, 0}, p0[4] = {0, 0, 0, 0};
    CHECK_OK(krb_string_to_key(17, "pw", 2, (const uint8_t *)"S", 1, NULL, 0, &a));
    CHECK_OK(krb_string_to_key(17, "pw", 2, (const uint8_t *)"S", 1, p4096, 4, &b));
    CHECK_BYTES(a.bytes, b.bytes, 16);
    CHECK_SR(krb_string_to_key(17, "pw", 2, (const uint8_t *)"S", 1, p0, 4, &a),
             SR_INVALID_PARAMETER);
    CHECK_SR(krb_string_to_key(17, "pw", 2, (const uint8_t *)"S", 1, p0, 3, &a),
             SR_INVALID_PARAMETER);
    CHECK_SR(krb_string_to_key(99, "pw", 2, NULL, 0, NULL, 0, &a), SR_INVALID_PARAMETER);
}

/* Usage-key derivations for RFC 3962 (no published vectors: python
 * cross-check, key = 00 01 02 ... , usage 2). */
static void test_rfc3962_dk_usage(void) {
    uint8_t kb[32], want[32];
    for (int i = 0; i < 32; i++) kb[i] = (uint8_t)i;
    krb_key base, out;
    CHECK_OK(krb_key_set(&base, 17, kb, 16));
    CHECK_OK(krb_derive_key(&base, 2, KRB_KEY_KC, &out));
    hex("546563a54934786c13f3f92b87a8fe61", want, sizeof want);
    CHECK_EQ_INT(out.len, 16);
    CHECK_BYTES(out.bytes, want, 16);
    CHECK_OK(krb_key_set(&base, 18, kb, 32));
    CHECK_OK(krb_derive_key(&base, 2, KRB_KEY_KE, &out));
    hex("90b18aa785bc5c8349d59b36d76f03a9b30e802a90fccd5da18ab39b64dc5c55", want, sizeof want);
    CHECK_EQ_INT(out.len, 32);
    CHECK_BYTES(out.bytes, want, 32);
}

/* ---- RFC 8009 appendix A ---- */

static const char *const k_8009_base19 = "3705d96080c17728a0e800eab6e0d23c";
static const char *const k_8009_base20 =
    "6d404d37faf79f9df0d33568d320669800eb4836472ea8a026d16b7182460c52";

static void test_rfc8009_string_to_key(void) {
    uint8_t salt[64], want[32];
    size_t n = hex("10df9dd783e5bc8acea1730e74355f61", salt, sizeof salt);
    memcpy(salt + n, "ATHENA.MIT.EDUraeburn", 21);
    n += 21;
    uint8_t params[4] = {0, 0, 0x80, 0}; /* 32768 */
    krb_key k;
    CHECK_OK(krb_string_to_key(19, "password", 8, salt, n, params, 4, &k));
    hex("089bca48b105ea6ea77ca5d2f39dc5e7", want, sizeof want);
    CHECK_EQ_INT(k.len, 16);
    CHECK_BYTES(k.bytes, want, 16);
    CHECK_OK(krb_string_to_key(20, "password", 8, salt, n, NULL, 0, &k)); /* default 32768 */
    hex("45bd806dbf6a833a9cffc1c94589a222367a79bc21c413718906e9f578a78467", want, sizeof want);
    CHECK_EQ_INT(k.len, 32);
    CHECK_BYTES(k.bytes, want, 32);
}

static void test_rfc8009_derive(void) {
    static const struct {
        int32_t et;
        krb_key_kind kind;
        const char *out;
    } v[] = {
        {19, KRB_KEY_KC, "b31a018a48f54776f403e9a396325dc3"},
        {19, KRB_KEY_KE, "9b197dd1e8c5609d6e67c3e37c62c72e"},
        {19, KRB_KEY_KI, "9fda0e56ab2d85e1569a688696c26a6c"},
        {20, KRB_KEY_KC, "ef5718be86cc84963d8bbb5031e9f5c4ba41f28faf69e73d"},
        {20, KRB_KEY_KE, "56ab22bee63d82d7bc5227f6773f8ea7a5eb1c825160c38312980c442e5c7e49"},
        {20, KRB_KEY_KI, "69b16514e3cd8e56b82010d5c73012b622c4d00ffc23ed1f"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        krb_key base, out;
        uint8_t want[32];
        key_from_hex(&base, v[i].et, v[i].et == 19 ? k_8009_base19 : k_8009_base20);
        size_t n = hex(v[i].out, want, sizeof want);
        CHECK_OK(krb_derive_key(&base, 2, v[i].kind, &out));
        CHECK_EQ_INT(out.len, n);
        CHECK_BYTES(out.bytes, want, n);
    }
}

static void test_rfc8009_checksum(void) {
    uint8_t pt[32], want[24];
    size_t n = hex("000102030405060708090a0b0c0d0e0f1011121314", pt, sizeof pt);
    krb_key base;
    krb_usage_keys u;
    crypto_part p[1] = {{pt, n}};
    key_from_hex(&base, 19, k_8009_base19);
    CHECK_OK(krb_usage_keys_init(&u, &base, 2));
    hex("d78367186643d67b411cba9139fc1dee", want, sizeof want);
    uint8_t got[24];
    CHECK_OK(krb_get_mic(&u, p, 1, got));
    CHECK_BYTES(got, want, 16);
    CHECK_OK(krb_verify_mic(&u, p, 1, want, 16));
    krb_usage_keys_free(&u);
    key_from_hex(&base, 20, k_8009_base20);
    CHECK_OK(krb_usage_keys_init(&u, &base, 2));
    hex("45ee791567eefca37f4ac1e0222de80d43c3bfa06699672a", want, sizeof want);
    CHECK_OK(krb_get_mic(&u, p, 1, got));
    CHECK_BYTES(got, want, 24);
    /* split parts give the same checksum */
    crypto_part p2[3] = {{pt, 3}, {pt + 3, 0}, {pt + 3, n - 3}};
    CHECK_OK(krb_verify_mic(&u, p2, 3, want, 24));
    want[23] ^= 1;
    CHECK_SR(krb_verify_mic(&u, p2, 3, want, 24), SR_MESSAGE_ALTERED);
    CHECK_SR(krb_verify_mic(&u, p2, 3, want, 23), SR_MESSAGE_ALTERED);
    krb_usage_keys_free(&u);
}

static void test_rfc8009_encrypt(void) {
    static const struct {
        int32_t et;
        size_t ptlen;
        const char *conf, *ct; /* ct = ciphertext | hmac */
    } v[] = {
        {19, 0, "7e5895eaf2672435bad817f545a37148",
         "ef85fb890bb8472f4dab20394dca781dad877eda39d50c870c0d5a0a8e48c718"},
        {19, 6, "7bca285e2fd4130fb55b1a5c83bc5b24",
         "84d7f30754ed987bab0bf3506beb09cfb55402cef7e6877ce99e247e52d16ed4421dfdf8976c"},
        {19, 16, "56ab21713ff62c0a1457200f6fa9948f",
         "3517d640f50ddc8ad3628722b3569d2ae07493fa8263254080ea65c1008e8fc295fb4852e7d83e1e7c48c37eebe6b0d3"},
        {19, 21, "a7a4e29a4728ce10664fb64e49ad3fac",
         "720f73b18d9859cd6ccb4346115cd336c70f58edc0c4437c5573544c31c813bce1e6d072c186b39a413c2f92ca9b8334a287ffcbfc"},
        {20, 0, "f764e9fa15c276478b2c7d0c4e5f58e4",
         "41f53fa5bfe7026d91faf9be959195a058707273a96a40f0a01960621ac612748b9bbfbe7eb4ce3c"},
        {20, 6, "b80d3251c1f6471494256ffe712d0b9a",
         "4ed7b37c2bcac8f74f23c1cf07e62bc7b75fb3f637b9f559c7f664f69eab7b6092237526ea0d1f61cb20d69d10f2"},
        {20, 16, "53bf8a0d105265d4e276428624ce5e63",
         "bc47ffec7998eb91e8115cf8d19dac4bbbe2e163e87dd37f49beca92027764f68cf51f14d798c2273f35df574d1f932e40c4ff255b36a266"},
        {20, 21, "763e65367e864f02f55153c7e3b58af1",
         "40013e2df58e8751957d2878bcd2d6fe101ccfd556cb1eae79db3c3ee86429f2b2a602ac86fef6ecb647d6295fae077a1feb517508d2c16b4192e01f62"},
    };
    uint8_t pt[32];
    for (int i = 0; i < 32; i++) pt[i] = (uint8_t)i;
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        krb_key base;
        krb_usage_keys u;
        uint8_t conf[16], want[128], got[128], back[64];
        key_from_hex(&base, v[i].et, v[i].et == 19 ? k_8009_base19 : k_8009_base20);
        hex(v[i].conf, conf, sizeof conf);
        size_t n = hex(v[i].ct, want, sizeof want);
        CHECK_OK(krb_usage_keys_init(&u, &base, 2));
        CHECK_EQ_INT(krb_encrypt_len(u.ops, v[i].ptlen), n);
        CHECK_OK(krb_encrypt_with_confounder(&u, conf, pt, v[i].ptlen, got));
        CHECK_BYTES(got, want, n);
        size_t blen = 99;
        CHECK_OK(krb_decrypt(&u, want, n, back, &blen));
        CHECK_EQ_INT(blen, v[i].ptlen);
        CHECK_BYTES(back, pt, blen);
        krb_usage_keys_free(&u);
    }
}

/* ---- RFC 3962 and RC4 encryption, python cross-check ----
 * Generated with an independent implementation (python3-cryptography AES
 * and ARC4, hmac, a pure-python MD4): key 00 01 02 ..., confounder a5*16
 * (AES) / 5a*8 (RC4), plaintext 00 01 02 ... */

static void test_xcheck_encrypt(void) {
    static const struct {
        int32_t et;
        uint32_t usage;
        size_t ptlen;
        const char *ct;
    } v[] = {
        {17, 3, 21,
         "eadeb793cbb3432d5a8319961c07412628d913e5b7f0db7ecda6665cd222dd846bb5d67bf376e5b2deab02abd2"
         "87a32dd4"},
        {18, 24, 5, "b19bd4838b0bf3f06538951b2c6575ecb91c4fa84b09fd458d567566f865fa321b"},
        {23, 7, 21,
         "6c9ff6d27a94bab8eb11141a4fd78044097c83ddf574522a162329bb4a413f7b907ad436788a96599046e57e53"},
        {23, 3, 3, "77a94cc0360568311a26cfaa3dc9de05411e9d9b7f090076978cfe"},
    };
    uint8_t pt[32], kb[32];
    for (int i = 0; i < 32; i++) pt[i] = kb[i] = (uint8_t)i;
    uint8_t conf[16];
    memset(conf, 0xa5, sizeof conf);
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        krb_key k;
        krb_usage_keys u;
        uint8_t want[128], got[128], back[64];
        if (v[i].et == 23) {
            CHECK_OK(krb_string_to_key(23, "password", 8, NULL, 0, NULL, 0, &k));
            memset(conf, 0x5a, sizeof conf);
        } else {
            CHECK_OK(krb_key_set(&k, v[i].et, kb, v[i].et == 17 ? 16 : 32));
        }
        size_t n = hex(v[i].ct, want, sizeof want);
        CHECK_OK(krb_usage_keys_init(&u, &k, v[i].usage));
        CHECK_EQ_INT(krb_encrypt_len(u.ops, v[i].ptlen), n);
        CHECK_OK(krb_encrypt_with_confounder(&u, conf, pt, v[i].ptlen, got));
        CHECK_BYTES(got, want, n);
        size_t blen = 0;
        CHECK_OK(krb_decrypt(&u, want, n, back, &blen));
        CHECK_EQ_INT(blen, v[i].ptlen);
        CHECK_BYTES(back, pt, blen);
        krb_usage_keys_free(&u);
    }
}

static void test_xcheck_checksum(void) {
    uint8_t pt[21], kb[32], want[16], got[24];
    for (int i = 0; i < 32; i++) kb[i] = (uint8_t)i;
    memcpy(pt, kb, sizeof pt);
    crypto_part p[1] = {{pt, sizeof pt}};
    krb_key k;
    krb_usage_keys u;
    CHECK_OK(krb_key_set(&k, 17, kb, 16));
    CHECK_OK(krb_usage_keys_init(&u, &k, 25));
    CHECK_OK(krb_get_mic(&u, p, 1, got));
    hex("842dbb44edaa8f378a290a50", want, sizeof want);
    CHECK_BYTES(got, want, 12);
    krb_usage_keys_free(&u);
    CHECK_OK(krb_key_set(&k, 18, kb, 32));
    CHECK_OK(krb_usage_keys_init(&u, &k, 25));
    CHECK_OK(krb_get_mic(&u, p, 1, got));
    hex("afb46e895ec2853ab9c39d53", want, sizeof want);
    CHECK_BYTES(got, want, 12);
    krb_usage_keys_free(&u);
    CHECK_OK(krb_string_to_key(23, "password", 8, NULL, 0, NULL, 0, &k));
    CHECK_OK(krb_usage_keys_init(&u, &k, 17));
    CHECK_OK(krb_get_mic(&u, p, 1, got));
    hex("367b9bd1da515a8bc2b543682f80bdf9", want, sizeof want);
    CHECK_BYTES(got, want, 16);
    CHECK_OK(krb_rc4_hmac_md5_cksum(&k, 17, p, 1, got));
    CHECK_BYTES(got, want, 16);
    krb_usage_keys_free(&u);
}

static void test_rc4_string_to_key(void) {
    krb_key k;
    uint8_t want[16];
    CHECK_OK(krb_string_to_key(23, "password", 8, (const uint8_t *)"ignored", 7, NULL, 0, &k));
    hex("8846f7eaee8fb117ad06bdd830b7586c", want, sizeof want);
    CHECK_EQ_INT(k.len, 16);
    CHECK_EQ_INT(k.enctype, 23);
    CHECK_BYTES(k.bytes, want, 16);
    /* U+1D11E (surrogate pair) and U+00E9, python: '\U0001D11E\u00e9' */
    CHECK_OK(krb_string_to_key(23, "\xf0\x9d\x84\x9e\xc3\xa9", 6, NULL, 0, NULL, 0, &k));
    hex("add700b6ed5961fa5c5a51bb3ed38480", want, sizeof want);
    CHECK_BYTES(k.bytes, want, 16);
    CHECK_SR(krb_string_to_key(23, "\xc3", 1, NULL, 0, NULL, 0, &k), SR_INVALID_PARAMETER);
    CHECK_SR(krb_string_to_key(23, "\xed\xa0\x80", 3, NULL, 0, NULL, 0, &k),
             SR_INVALID_PARAMETER);
    CHECK_SR(krb_string_to_key(23, "\xc0\x80", 2, NULL, 0, NULL, 0, &k), SR_INVALID_PARAMETER);
    CHECK_SR(krb_derive_key(&k, 2, KRB_KEY_KE, &k), SR_UNSUPPORTED);
}

/* ---- round trips and tampering for every enctype ---- */

static const int32_t k_all[] = {17, 18, 19, 20, 23};

static void test_roundtrip_tamper(void) {
    uint8_t pt[100], ct[200], back[100];
    for (size_t i = 0; i < sizeof pt; i++) pt[i] = (uint8_t)(i * 7 + 1);
    for (size_t e = 0; e < sizeof k_all / sizeof k_all[0]; e++) {
        krb_key k;
        krb_usage_keys u, other;
        CHECK_OK(krb_key_random(&k, k_all[e]));
        REQUIRE(sr_is_ok(krb_usage_keys_init(&u, &k, 11)));
        REQUIRE(sr_is_ok(krb_usage_keys_init(&other, &k, 12)));
        for (size_t len = 0; len <= 100; len++) {
            size_t n = krb_encrypt_len(u.ops, len), blen = 0;
            CHECK_OK(krb_encrypt(&u, pt, len, ct));
            CHECK_OK(krb_decrypt(&u, ct, n, back, &blen));
            CHECK_EQ_INT(blen, len);
            if (len) CHECK(memcmp(back, pt, len) == 0);
            /* wrong usage */
            CHECK_SR(krb_decrypt(&other, ct, n, back, &blen), SR_MESSAGE_ALTERED);
            /* every byte (every 7th for long ones, to keep the test quick) */
            for (size_t b = 0; b < n; b += (len > 40 ? 7 : 1)) {
                ct[b] ^= 0x01;
                CHECK_SR(krb_decrypt(&u, ct, n, back, &blen), SR_MESSAGE_ALTERED);
                ct[b] ^= 0x01;
            }
            /* truncation: too short for a ciphertext, or a bad MAC */
            size_t over = u.ops->conf_len + u.ops->cksum_len;
            if (n > 0) {
                sr r = krb_decrypt(&u, ct, n - 1, back, &blen);
                CHECK(r.code == (n - 1 < over ? SR_INVALID_TOKEN : SR_MESSAGE_ALTERED));
            }
            CHECK_SR(krb_decrypt(&u, ct, over - 1, back, &blen), SR_INVALID_TOKEN);
            /* encryption is randomised */
            uint8_t ct2[200];
            CHECK_OK(krb_encrypt(&u, pt, len, ct2));
            CHECK(memcmp(ct, ct2, n) != 0);
        }
        /* MIC */
        uint8_t mic[24];
        crypto_part p[1] = {{pt, 50}};
        CHECK_OK(krb_get_mic(&u, p, 1, mic));
        CHECK_OK(krb_verify_mic(&u, p, 1, mic, u.ops->cksum_len));
        CHECK_SR(krb_verify_mic(&other, p, 1, mic, u.ops->cksum_len), SR_MESSAGE_ALTERED);
        for (size_t b = 0; b < u.ops->cksum_len; b++) {
            mic[b] ^= 0x80;
            CHECK_SR(krb_verify_mic(&u, p, 1, mic, u.ops->cksum_len), SR_MESSAGE_ALTERED);
            mic[b] ^= 0x80;
        }
        pt[3] ^= 1;
        CHECK_SR(krb_verify_mic(&u, p, 1, mic, u.ops->cksum_len), SR_MESSAGE_ALTERED);
        pt[3] ^= 1;
        krb_usage_keys_free(&u);
        krb_usage_keys_free(&other);
        krb_key_wipe(&k);
    }
}

static void test_large_and_oneshot(void) {
    size_t len = 70000;
    uint8_t *pt = malloc(len), *ct = malloc(len + 64), *back = malloc(len);
    REQUIRE(pt && ct && back);
    for (size_t i = 0; i < len; i++) pt[i] = (uint8_t)(i ^ (i >> 8));
    for (size_t e = 0; e < sizeof k_all / sizeof k_all[0]; e++) {
        krb_key k;
        size_t blen = 0;
        CHECK_OK(krb_key_random(&k, k_all[e]));
        CHECK_OK(krb_encrypt_oneshot(&k, 7, pt, len, ct));
        size_t n = krb_encrypt_len(krb_enctype_lookup(k_all[e]), len);
        CHECK_OK(krb_decrypt_oneshot(&k, 7, ct, n, back, &blen));
        CHECK_EQ_INT(blen, len);
        CHECK(memcmp(back, pt, len) == 0);
        ct[n / 2] ^= 4;
        CHECK_SR(krb_decrypt_oneshot(&k, 7, ct, n, back, &blen), SR_MESSAGE_ALTERED);
    }
    free(pt);
    free(ct);
    free(back);
}

static void test_table(void) {
    static const struct { int32_t et; size_t key, ck, conf; } v[] = {
        {17, 16, 12, 16}, {18, 32, 12, 16}, {19, 16, 16, 16}, {20, 32, 24, 16}, {23, 16, 16, 8}};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        const krb_enctype_ops *ops = krb_enctype_lookup(v[i].et);
        REQUIRE(ops != NULL);
        CHECK_EQ_INT(ops->key_len, v[i].key);
        CHECK_EQ_INT(ops->cksum_len, v[i].ck);
        CHECK_EQ_INT(ops->conf_len, v[i].conf);
    }
    CHECK(krb_enctype_lookup(16) == NULL);
    CHECK(strcmp(krb_enctype_name(18), "aes256-cts-hmac-sha1-96") == 0);
    krb_key k;
    uint8_t b[32] = {0};
    CHECK_SR(krb_key_set(&k, 18, b, 16), SR_INVALID_PARAMETER);
    CHECK_SR(krb_key_set(&k, 5, b, 16), SR_INVALID_PARAMETER);
}

int main(void) {
    TEST_RUN(test_table);
    TEST_RUN(test_nfold);
    TEST_RUN(test_rfc3962_string_to_key);
    TEST_RUN(test_rfc3962_dk_usage);
    TEST_RUN(test_rfc8009_string_to_key);
    TEST_RUN(test_rfc8009_derive);
    TEST_RUN(test_rfc8009_checksum);
    TEST_RUN(test_rfc8009_encrypt);
    TEST_RUN(test_xcheck_encrypt);
    TEST_RUN(test_xcheck_checksum);
    TEST_RUN(test_rc4_string_to_key);
    TEST_RUN(test_roundtrip_tamper);
    TEST_RUN(test_large_and_oneshot);
    return test_summary();
}
