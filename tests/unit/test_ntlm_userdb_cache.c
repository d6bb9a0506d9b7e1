/*
 * The acceptor's account file cache (ntlm_userdb.h): lookups give the same
 * answers whether the file is read directly (no credential holds the path,
 * or the file changed less than two seconds ago) or from the cached
 * snapshot, and a changed file is noticed. Takes about 6 s (it waits for
 * the file to become old enough to be cached).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "packages/ntlm/ntlm_crypto.h"
#include "packages/ntlm/ntlm_userdb.h"
#include "testlib.h"

static char g_dir[] = "/tmp/test_userdb_cache.XXXXXX";
static char g_path[128];

static void write_file(const char *text) {
    /* A new inode each time, as editors and config tools do. */
    char tmp[160];
    snprintf(tmp, sizeof tmp, "%s.new", g_path);
    FILE *f = fopen(tmp, "w");
    REQUIRE(f != NULL);
    fputs(text, f);
    REQUIRE(fclose(f) == 0);
    REQUIRE(rename(tmp, g_path) == 0);
}

static void rewrite_in_place(const char *text) {
    FILE *f = fopen(g_path, "w");
    REQUIRE(f != NULL);
    fputs(text, f);
    REQUIRE(fclose(f) == 0);
}

/* Expect (user, domain) to be found with the NT hash of `password`, or
 * denied when password is NULL. */
static void expect(const char *user, const char *domain, const char *password) {
    ntlm_userdb_source src = {g_path, NULL, NULL};
    ntlm_account acc;
    sr r = ntlm_userdb_lookup(&src, user, domain, &acc);
    if (!password) {
        CHECK_EQ_INT(r.code, SR_LOGON_DENIED);
        return;
    }
    CHECK_EQ_INT(r.code, SR_OK);
    uint8_t want[16];
    REQUIRE(sr_is_ok(ntlm_nt_hash(password, strlen(password), want)));
    CHECK_BYTES(acc.nt_hash, want, 16);
    CHECK(acc.has_lm_hash);
    ntlm_account_clear(&acc);
}

static void expect_all(const char *alice_pw, const char *bob_pw) {
    expect("alice", "DOM", alice_pw);
    expect("ALICE", "dom", alice_pw);
    expect("alice", "", alice_pw);
    expect("alice@DOM", "", alice_pw);
    expect("bob", "DOM", bob_pw);
    expect("carol", "DOM", NULL);
}

static void test_cache(void) {
    REQUIRE(mkdtemp(g_dir) != NULL);
    snprintf(g_path, sizeof g_path, "%s/users", g_dir);
    write_file("# accounts\nDOM:alice:Password1\nDOM:bob:Secret22\n");
    ntlm_userdb_cache *c = NULL, *c2 = NULL;
    REQUIRE(sr_is_ok(ntlm_userdb_cache_open(g_path, &c)));
    REQUIRE(sr_is_ok(ntlm_userdb_cache_open(g_path, &c2)));
    CHECK(c == c2);
    expect_all("Password1", "Secret22"); /* new file: read directly */
    usleep(2100000); /* USERDB_RACY_SECONDS */
    expect_all("Password1", "Secret22"); /* cached */
    expect_all("Password1", "Secret22");

    /* Replaced (new inode): noticed at once. */
    write_file("DOM:alice:Password2\n");
    expect_all("Password2", NULL);
    usleep(2100000); /* USERDB_RACY_SECONDS */
    expect_all("Password2", NULL);

    /* Rewritten in place with the same size: ctime/mtime change. */
    rewrite_in_place("DOM:alice:Password3\n");
    expect_all("Password3", NULL);

    /* A matching entry with an unusable password is an error, cached or not. */
    write_file("DOM:alice:\xff\xfe\nDOM:bob:Secret22\n");
    ntlm_userdb_source src = {g_path, NULL, NULL};
    ntlm_account acc;
    CHECK_EQ_INT(ntlm_userdb_lookup(&src, "alice", "DOM", &acc).code, SR_INVALID_PARAMETER);
    usleep(2100000); /* USERDB_RACY_SECONDS */
    CHECK_EQ_INT(ntlm_userdb_lookup(&src, "alice", "DOM", &acc).code, SR_INVALID_PARAMETER);
    expect("bob", "DOM", "Secret22");

    /* Removed: unknown users. */
    REQUIRE(unlink(g_path) == 0);
    expect("bob", "DOM", NULL);

    ntlm_userdb_cache_close(c2);
    ntlm_userdb_cache_close(c);
    rmdir(g_dir);
}

int main(void) {
    TEST_RUN(test_cache);
    return test_summary();
}
