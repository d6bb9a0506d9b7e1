/* White-box tests of src/core/identity.c. */
#include <stdlib.h>
#include <string.h>

#include <sspi.h>

#include "core/identity.h"
#include "testlib.h"

static USHORT *w(const char *ascii, USHORT *buf) {
    size_t i = 0;
    for (; ascii[i]; i++) buf[i] = (USHORT)(unsigned char)ascii[i];
    buf[i] = 0;
    return buf;
}

static SEC_WINNT_AUTH_IDENTITY_A ident_a(const char *u, const char *d, const char *p) {
    SEC_WINNT_AUTH_IDENTITY_A id;
    memset(&id, 0, sizeof id);
    id.User = (UCHAR *)u;
    id.UserLength = u ? (ULONG)strlen(u) : 0;
    id.Domain = (UCHAR *)d;
    id.DomainLength = d ? (ULONG)strlen(d) : 0;
    id.Password = (UCHAR *)p;
    id.PasswordLength = p ? (ULONG)strlen(p) : 0;
    id.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    return id;
}

static void test_plain_a(void) {
    SEC_WINNT_AUTH_IDENTITY_A a = ident_a("User", "Domain", "Passw0rd");
    sspi_identity *id = NULL;
    CHECK_OK(sspi_identity_from_auth_data(&a, false, &id));
    REQUIRE(id != NULL);
    CHECK(strcmp(id->user, "User") == 0);
    CHECK(strcmp(id->domain, "Domain") == 0);
    CHECK(strcmp(id->password, "Passw0rd") == 0);
    CHECK_EQ_INT(id->password_len, 8);
    CHECK(!id->upn && !id->anonymous && !id->has_nt_hash);
    CHECK(id->package_list == NULL);
    CHECK_EQ_INT(id->flags, SEC_WINNT_AUTH_IDENTITY_ANSI);
    sspi_identity_free(id);
    /* The call flavour does not matter, the Flags do. */
    CHECK_OK(sspi_identity_from_auth_data(&a, true, &id));
    CHECK(id && strcmp(id->user, "User") == 0);
    sspi_identity_free(id);
}

static void test_plain_w(void) {
    USHORT ub[16], db[16], pb[16];
    SEC_WINNT_AUTH_IDENTITY_W a;
    memset(&a, 0, sizeof a);
    a.User = w("user", ub);
    a.UserLength = 4;
    a.Domain = w("DOM", db);
    a.DomainLength = 3;
    a.Password = w("secret", pb);
    a.PasswordLength = 6;
    a.Flags = SEC_WINNT_AUTH_IDENTITY_UNICODE;
    pb[1] = 0xE9; /* "s\u00e9cret": non-ASCII becomes 2 UTF-8 bytes */
    sspi_identity *id = NULL;
    CHECK_OK(sspi_identity_from_auth_data(&a, true, &id));
    REQUIRE(id != NULL);
    CHECK(strcmp(id->user, "user") == 0);
    CHECK(strcmp(id->domain, "DOM") == 0);
    CHECK(strcmp(id->password, "s\xC3\xA9" "cret") == 0);
    CHECK_EQ_INT(id->password_len, 7);
    sspi_identity_free(id);
    /* Length shorter than the string: only that many characters. */
    a.UserLength = 2;
    CHECK_OK(sspi_identity_from_auth_data(&a, true, &id));
    CHECK(id && strcmp(id->user, "us") == 0);
    sspi_identity_free(id);
}

static void test_ex_forms(void) {
    SEC_WINNT_AUTH_IDENTITY_EXA ex;
    memset(&ex, 0, sizeof ex);
    ex.Version = SEC_WINNT_AUTH_IDENTITY_VERSION;
    ex.Length = sizeof ex;
    ex.User = (UCHAR *)"alice";
    ex.UserLength = 5;
    ex.Domain = (UCHAR *)"CORP";
    ex.DomainLength = 4;
    ex.Password = (UCHAR *)"pw";
    ex.PasswordLength = 2;
    ex.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    ex.PackageList = (UCHAR *)"NTLM,!Kerberos";
    ex.PackageListLength = 14;
    sspi_identity *id = NULL;
    CHECK_OK(sspi_identity_from_auth_data(&ex, false, &id));
    REQUIRE(id != NULL);
    CHECK(strcmp(id->user, "alice") == 0 && strcmp(id->domain, "CORP") == 0);
    CHECK(id->package_list && strcmp(id->package_list, "NTLM,!Kerberos") == 0);
    sspi_identity_free(id);

    ex.Length = sizeof ex - 8; /* wrong Length */
    CHECK_SR(sspi_identity_from_auth_data(&ex, false, &id), SR_UNKNOWN_CREDENTIALS);
    CHECK(id == NULL);

    USHORT ub[8], db[8], pb[8], kb[8];
    SEC_WINNT_AUTH_IDENTITY_EXW exw;
    memset(&exw, 0, sizeof exw);
    exw.Version = SEC_WINNT_AUTH_IDENTITY_VERSION;
    exw.Length = sizeof exw;
    exw.User = w("bob", ub);
    exw.UserLength = 3;
    exw.Domain = w("D", db);
    exw.DomainLength = 1;
    exw.Password = w("x", pb);
    exw.PasswordLength = 1;
    exw.PackageList = w("NTLM", kb);
    exw.PackageListLength = 4;
    exw.Flags = SEC_WINNT_AUTH_IDENTITY_UNICODE;
    CHECK_OK(sspi_identity_from_auth_data(&exw, true, &id));
    REQUIRE(id != NULL);
    CHECK(strcmp(id->user, "bob") == 0 && strcmp(id->package_list, "NTLM") == 0);
    sspi_identity_free(id);
}

static void test_name_forms(void) {
    sspi_identity *id = NULL;
    SEC_WINNT_AUTH_IDENTITY_A a = ident_a("CORP\\alice", NULL, "pw");
    CHECK_OK(sspi_identity_from_auth_data(&a, false, &id));
    REQUIRE(id != NULL);
    CHECK(strcmp(id->user, "alice") == 0);
    CHECK(strcmp(id->domain, "CORP") == 0);
    CHECK(!id->upn);
    sspi_identity_free(id);

    a = ident_a("alice@corp.example", NULL, "pw");
    CHECK_OK(sspi_identity_from_auth_data(&a, false, &id));
    REQUIRE(id != NULL);
    CHECK(strcmp(id->user, "alice@corp.example") == 0);
    CHECK(strcmp(id->domain, "") == 0);
    CHECK(id->upn);
    sspi_identity_free(id);

    /* An explicit domain wins: the user is kept as given. */
    a = ident_a("X\\alice", "CORP", "pw");
    CHECK_OK(sspi_identity_from_auth_data(&a, false, &id));
    CHECK(id && strcmp(id->user, "X\\alice") == 0 && strcmp(id->domain, "CORP") == 0);
    sspi_identity_free(id);

    CHECK_OK(sspi_identity_new("DOM\\u", NULL, "p", &id));
    CHECK(id && strcmp(id->user, "u") == 0 && strcmp(id->domain, "DOM") == 0);
    sspi_identity *copy = NULL;
    CHECK_OK(sspi_identity_clone(id, &copy));
    CHECK(copy && copy != id && strcmp(copy->user, "u") == 0 && strcmp(copy->password, "p") == 0);
    CHECK(copy && copy->password != id->password);
    sspi_identity_free(copy);
    sspi_identity_free(id);
}

static void test_anonymous(void) {
    sspi_identity *id = NULL;
    SEC_WINNT_AUTH_IDENTITY_A a = ident_a(NULL, NULL, NULL);
    CHECK_OK(sspi_identity_from_auth_data(&a, false, &id));
    REQUIRE(id != NULL);
    CHECK(id->anonymous);
    CHECK(strcmp(id->user, "") == 0 && strcmp(id->domain, "") == 0);
    CHECK(id->password && id->password_len == 0);
    sspi_identity_free(id);
    a = ident_a("", "", "");
    CHECK_OK(sspi_identity_from_auth_data(&a, false, &id));
    CHECK(id && id->anonymous);
    sspi_identity_free(id);
    a = ident_a("u", NULL, NULL);
    CHECK_OK(sspi_identity_from_auth_data(&a, false, &id));
    CHECK(id && !id->anonymous);
    sspi_identity_free(id);
}

static void test_nt_hash(void) {
    static const uint8_t expect[16] = {0x88, 0x46, 0xf7, 0xea, 0xee, 0x8f, 0xb1, 0x17,
                                       0xad, 0x06, 0xbd, 0xd8, 0x30, 0xb7, 0x58, 0x6c};
    sspi_identity *id = NULL;
    SEC_WINNT_AUTH_IDENTITY_A a = ident_a("u", "d", "8846F7EAEE8FB117AD06BDD830B7586c");
    a.Flags |= SEC_WINNT_AUTH_IDENTITY_LIBSSPI_NT_HASH;
    CHECK_OK(sspi_identity_from_auth_data(&a, false, &id));
    REQUIRE(id != NULL);
    CHECK(id->has_nt_hash);
    CHECK_BYTES(id->nt_hash, expect, 16);
    CHECK(strcmp(id->password, "") == 0 && id->password_len == 0);
    CHECK(!id->anonymous);
    sspi_identity_free(id);

    a = ident_a("u", "d", "8846F7EAEE8FB117AD06BDD830B7586"); /* 31 chars */
    a.Flags |= SEC_WINNT_AUTH_IDENTITY_LIBSSPI_NT_HASH;
    CHECK_SR(sspi_identity_from_auth_data(&a, false, &id), SR_UNKNOWN_CREDENTIALS);
    a = ident_a("u", "d", "8846F7EAEE8FB117AD06BDD830B7586z");
    a.Flags |= SEC_WINNT_AUTH_IDENTITY_LIBSSPI_NT_HASH;
    CHECK_SR(sspi_identity_from_auth_data(&a, false, &id), SR_UNKNOWN_CREDENTIALS);

    USHORT pb[40];
    SEC_WINNT_AUTH_IDENTITY_W ww;
    memset(&ww, 0, sizeof ww);
    ww.Password = w("8846f7eaee8fb117ad06bdd830b7586c", pb);
    ww.PasswordLength = 32;
    ww.Flags = SEC_WINNT_AUTH_IDENTITY_UNICODE | SEC_WINNT_AUTH_IDENTITY_LIBSSPI_NT_HASH;
    CHECK_OK(sspi_identity_from_auth_data(&ww, true, &id));
    CHECK(id && id->has_nt_hash && memcmp(id->nt_hash, expect, 16) == 0);
    sspi_identity_free(id);
}

static void test_bad_structures(void) {
    sspi_identity *id = (sspi_identity *)1;
    CHECK_SR(sspi_identity_from_auth_data(NULL, false, &id), SR_UNKNOWN_CREDENTIALS);
    CHECK(id == NULL);
    SEC_WINNT_AUTH_IDENTITY_A a = ident_a("u", "d", "p");
    a.Flags = 0; /* no encoding */
    CHECK_SR(sspi_identity_from_auth_data(&a, false, &id), SR_UNKNOWN_CREDENTIALS);
    a.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI | SEC_WINNT_AUTH_IDENTITY_UNICODE;
    CHECK_SR(sspi_identity_from_auth_data(&a, false, &id), SR_UNKNOWN_CREDENTIALS);
    a = ident_a("u", "d", "p");
    a.User = NULL; /* NULL with a length */
    CHECK_SR(sspi_identity_from_auth_data(&a, false, &id), SR_UNKNOWN_CREDENTIALS);
    a = ident_a("u", "d", "p");
    a.PasswordLength = 100000; /* absurd length */
    CHECK_SR(sspi_identity_from_auth_data(&a, false, &id), SR_UNKNOWN_CREDENTIALS);
    a = ident_a("u\xC0\xAF", "d", "p"); /* invalid UTF-8 */
    CHECK_SR(sspi_identity_from_auth_data(&a, false, &id), SR_INVALID_PARAMETER);
    a = ident_a("u", "d", "p");
    a.UserLength = 2; /* includes the NUL */
    CHECK_SR(sspi_identity_from_auth_data(&a, false, &id), SR_INVALID_PARAMETER);
    USHORT ub[4] = {'a', 0xD800, 'b', 0};
    SEC_WINNT_AUTH_IDENTITY_W ww;
    memset(&ww, 0, sizeof ww);
    ww.User = ub;
    ww.UserLength = 3; /* lone surrogate */
    ww.Flags = SEC_WINNT_AUTH_IDENTITY_UNICODE;
    CHECK_SR(sspi_identity_from_auth_data(&ww, true, &id), SR_INVALID_PARAMETER);
    /* EX2 (packed) is not supported. */
    SEC_WINNT_AUTH_IDENTITY_EX2 ex2;
    memset(&ex2, 0, sizeof ex2);
    ex2.Version = SEC_WINNT_AUTH_IDENTITY_VERSION_2;
    CHECK_SR(sspi_identity_from_auth_data(&ex2, true, &id), SR_UNKNOWN_CREDENTIALS);
    CHECK(id == NULL);
}

int main(void) {
    TEST_RUN(test_plain_a);
    TEST_RUN(test_plain_w);
    TEST_RUN(test_ex_forms);
    TEST_RUN(test_name_forms);
    TEST_RUN(test_anonymous);
    TEST_RUN(test_nt_hash);
    TEST_RUN(test_bad_structures);
    return test_summary();
}
