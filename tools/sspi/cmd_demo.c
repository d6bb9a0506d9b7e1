/*
 * sspi demo [-v]
 *
 * The whole job of libsspi on one machine, with nothing to set up: makes a
 * temporary NTLM account file (DEMO:alice:<random password>), runs the
 * `sspi server --once --package NTLM` code in a thread on 127.0.0.1 (any
 * free port) and the `sspi client` code against it as DEMO\alice, then
 * prints who authenticated, the package, the negotiated flags, the NTLM
 * tokens and the sealed + signed messages exchanged each way. The temporary
 * directory is removed at the end. Exit 0 when everything succeeded.
 */
#include <errno.h>
#include <fcntl.h>
#include <libsspi.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tool.h"

#define DEMO_DOMAIN "DEMO"
#define DEMO_USER "alice"
#define DEMO_PASSWORD_LEN 16

void cmd_demo_help(FILE *out) {
    fprintf(out,
            "Runs an NTLM client and server in one process over TCP on 127.0.0.1:\n"
            "creates a temporary account file DEMO:alice:<random password>, serves one\n"
            "connection with the code of `sspi server --once --package NTLM`, connects\n"
            "as DEMO\\alice with the code of `sspi client`, exchanges one sealed and one\n"
            "signed message each way, and prints a summary (identity, package, flags,\n"
            "the NTLM NEGOTIATE / CHALLENGE / AUTHENTICATE tokens). The temporary\n"
            "directory is removed afterwards.\n"
            "\n"
            "options:\n"
            "  -v   also print each SSPI step of both sides on stderr\n");
}

typedef struct demo_server {
    int lfd;
    CredHandle cred;
    int verbose;
    tool_session session;
    int rc; /* TOOL_EXIT_*, or -1: accept failed */
} demo_server;

static void *server_thread(void *arg) {
    demo_server *d = arg;
    d->rc = tool_server_accept_one(d->lfd, &d->cred, &d->session, d->verbose, NULL);
    return NULL;
}

static int random_password(char *out, size_t n) {
    static const char alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    unsigned char rnd[DEMO_PASSWORD_LEN];
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t got = read(fd, rnd, sizeof rnd);
    close(fd);
    if (got != (ssize_t)sizeof rnd || n < sizeof rnd + 1) return -1;
    for (size_t i = 0; i < sizeof rnd; i++) out[i] = alphabet[rnd[i] % (sizeof alphabet - 1)];
    out[sizeof rnd] = '\0';
    tool_wipe(rnd, sizeof rnd);
    return 0;
}

static int write_account_file(const char *path, const char *password) {
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    char line[128];
    int n = snprintf(line, sizeof line, "# sspi demo account\n%s:%s:%s\n", DEMO_DOMAIN, DEMO_USER,
                     password);
    int ok = n > 0 && (size_t)n < sizeof line && write(fd, line, (size_t)n) == n;
    tool_wipe(line, sizeof line);
    if (close(fd) != 0) ok = 0;
    return ok ? 0 : -1;
}

static const char *ntlm_message_name(const unsigned char *t, size_t len) {
    if (len < 12 || memcmp(t, "NTLMSSP", 8) != 0) return "not a raw NTLMSSP message";
    uint32_t type = (uint32_t)t[8] | (uint32_t)t[9] << 8 | (uint32_t)t[10] << 16 |
                    (uint32_t)t[11] << 24;
    switch (type) {
    case 1: return "NEGOTIATE_MESSAGE (type 1)";
    case 2: return "CHALLENGE_MESSAGE (type 2)";
    case 3: return "AUTHENTICATE_MESSAGE (type 3)";
    default: return "NTLMSSP message of unknown type";
    }
}

static void print_tokens(const tool_token_log *log) {
    printf("Handshake tokens (each sent as a 4-byte big-endian length + the token):\n");
    for (unsigned i = 0; i < log->count; i++) {
        char hex[2 * 24 + 8];
        printf("  %s  %-29s %4zu bytes  %s\n",
               log->tok[i].sent ? "client -> server" : "server -> client",
               ntlm_message_name(log->tok[i].data, log->tok[i].len), log->tok[i].len,
               tool_hex(log->tok[i].data, log->tok[i].len, 24, hex, sizeof hex));
    }
}

static void print_side(const char *title, const tool_session *s, const tool_flag_name *table,
                       const char *strip) {
    char flags[TOOL_FLAGS_BUFLEN];
    printf("%s\n", title);
    printf("  identity   %s\n", s->name ? s->name : "(unavailable)");
    printf("  package    %s\n", s->package ? s->package : "(unavailable)");
    printf("  flags      0x%08x %s\n", (unsigned)s->attrs,
           tool_flags_format(table, (uint32_t)s->attrs, strip, " ", flags, sizeof flags));
}

int cmd_demo(int argc, char **argv) {
    int verbose = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--verbose") == 0) {
            verbose = 1;
        } else {
            fprintf(stderr, "sspi demo: unknown option '%s'\nusage: sspi demo [-v]\n", argv[i]);
            return TOOL_EXIT_USAGE;
        }
    }

    int rc = TOOL_EXIT_FAIL;
    char dir[512], users[600], password[DEMO_PASSWORD_LEN + 1] = "";
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/sspi-demo.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        fprintf(stderr, "sspi demo: cannot create a temporary directory: %s\n", strerror(errno));
        return TOOL_EXIT_FAIL;
    }
    snprintf(users, sizeof users, "%s/users", dir);
    demo_server srv;
    memset(&srv, 0, sizeof srv);
    srv.lfd = -1;
    srv.verbose = verbose;
    int have_scred = 0, have_ccred = 0, have_thread = 0, crc = -1, err;
    unsigned port = 0;
    char why[512];
    CredHandle ccred;
    pthread_t thread;
    tool_session cs;
    tool_token_log log;
    memset(&log, 0, sizeof log);
    tool_session_init(&cs, -1, "client", verbose, NULL);
    cs.log = &log;

    if (random_password(password, sizeof password) != 0 ||
        write_account_file(users, password) != 0) {
        fprintf(stderr, "sspi demo: cannot write the account file %s: %s\n", users,
                strerror(errno));
        goto out;
    }

    printf("libsspi %s demo: NTLM over TCP on 127.0.0.1, client and server in one process\n\n",
           LIBSSPI_VERSION_STRING);
    printf("  account file  %s\n", users);
    printf("                %s:%s:<random %d-character password>\n", DEMO_DOMAIN, DEMO_USER,
           DEMO_PASSWORD_LEN);

    /* Server: the code of `sspi server --once --package NTLM --user-file`. */
    if (tool_server_credentials("NTLM", users, &srv.cred) != TOOL_EXIT_OK) goto out;
    have_scred = 1;
    srv.lfd = tool_listen("127.0.0.1", 0, &port);
    if (srv.lfd < 0) goto out;
    /* Bound the wait in accept() should the client never connect. */
    tool_set_timeouts(srv.lfd, TOOL_IO_TIMEOUT_SECONDS);
    printf("  server        127.0.0.1 port %u, package NTLM (AcceptSecurityContext)\n", port);
    err = pthread_create(&thread, NULL, server_thread, &srv);
    if (err != 0) {
        fprintf(stderr, "sspi demo: cannot start the server thread: %s\n", strerror(err));
        goto out;
    }
    have_thread = 1;

    /* Client: the code of `sspi client --package NTLM -u DEMO\alice`. */
    printf("  client        %s\\%s, package NTLM (InitializeSecurityContext)\n\n", DEMO_DOMAIN,
           DEMO_USER);
    if (tool_client_credentials("NTLM", DEMO_DOMAIN "\\" DEMO_USER, password, &ccred) !=
        TOOL_EXIT_OK)
        goto out;
    have_ccred = 1;
    cs.fd = tool_connect("127.0.0.1", port);
    if (cs.fd < 0) goto out;
    crc = tool_session_run_client(&cs, &ccred, "host/localhost");
    close(cs.fd);
    cs.fd = -1;
    pthread_join(thread, NULL);
    have_thread = 0;

    print_tokens(&log);
    putchar('\n');
    print_side("Server side (AcceptSecurityContext, QueryContextAttributes):", &srv.session,
               tool_asc_ret_flags, "ASC_RET_");
    print_side("Client side (InitializeSecurityContext, QueryContextAttributes):", &cs,
               tool_isc_ret_flags, "ISC_RET_");
    putchar('\n');
    printf("Messages (EncryptMessage -> DecryptMessage, MakeSignature -> VerifySignature):\n");
    printf("  client -> server  %u sealed, %u signed; server verified %u sealed, %u signed\n",
           cs.sealed_sent, cs.signed_sent, srv.session.sealed_received,
           srv.session.signed_received);
    printf("  server -> client  %u sealed, %u signed; client verified %u sealed, %u signed\n",
           srv.session.sealed_sent, srv.session.signed_sent, cs.sealed_received,
           cs.signed_received);
    putchar('\n');

    if (srv.rc != TOOL_EXIT_OK) {
        printf("FAILED (server): %s\n",
               srv.rc < 0 ? "no connection" : tool_session_failure(&srv.session, why, sizeof why));
    } else if (crc != 0) {
        printf("FAILED (client): %s\n", tool_session_failure(&cs, why, sizeof why));
    } else if (cs.sealed_received == 1 && cs.signed_received == 1 &&
               srv.session.sealed_received == 1 && srv.session.signed_received == 1) {
        printf("AUTHENTICATED %s\n", srv.session.name ? srv.session.name : "?");
        printf("MESSAGES OK: one sealed and one signed message verified each way\n");
        rc = TOOL_EXIT_OK;
    } else {
        printf("FAILED: message counts do not match\n");
    }

out:
    if (have_thread) {
        /* The client never got as far as connecting: wake accept(). */
        shutdown(srv.lfd, SHUT_RDWR);
        pthread_join(thread, NULL);
    }
    if (srv.lfd >= 0) close(srv.lfd);
    if (cs.fd >= 0) close(cs.fd);
    tool_session_free(&cs);
    tool_session_free(&srv.session); /* zeroed or initialised: both fine */
    if (have_ccred) FreeCredentialsHandle(&ccred);
    if (have_scred) FreeCredentialsHandle(&srv.cred);
    tool_wipe(password, sizeof password);
    if (unlink(users) != 0 && errno != ENOENT)
        fprintf(stderr, "sspi demo: cannot remove %s: %s\n", users, strerror(errno));
    if (rmdir(dir) != 0) fprintf(stderr, "sspi demo: cannot remove %s: %s\n", dir, strerror(errno));
    fflush(stdout);
    return rc;
}
