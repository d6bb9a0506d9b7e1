/*
 * sspi server [--listen ADDR] [--port N] [--ready-file FILE] [--package NAME]
 *             [--user-file FILE] [--keytab FILE] [--package-list LIST] [--once] [-v]
 *
 * Accepts TCP connections one after the other; for each one runs the
 * AcceptSecurityContext loop over the token framing (see tool.h), prints
 * AUTHENTICATED / PACKAGE / FLAGS, checks the client's sealed and signed
 * messages, answers with its own and prints MESSAGES OK (or AUTH FAILED /
 * MESSAGES FAILED with the status).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "tool.h"

void cmd_server_help(FILE *out) {
    fprintf(out,
            "Serves SSPI authentications over TCP, one connection at a time: per\n"
            "connection an AcceptSecurityContext loop over 4-byte big-endian length\n"
            "framed tokens, then one sealed (EncryptMessage) and one signed\n"
            "(MakeSignature) message each way. Prints AUTHENTICATED <client name>,\n"
            "PACKAGE <negotiated package>, FLAGS <ASC_RET_* names> and MESSAGES OK,\n"
            "or AUTH FAILED <status>.\n"
            "\n"
            "options:\n"
            "  --listen ADDR      address to listen on (default 127.0.0.1)\n"
            "  --port N           TCP port, 0 = any free port (default 0)\n"
            "  --ready-file FILE  write the bound port to FILE once listening\n"
            "  --package NAME     security package (default Negotiate if the library\n"
            "                     has it, else NTLM)\n"
            "  --user-file FILE   NTLM account file (DOMAIN:USER:PASSWORD lines), set\n"
            "                     with SECPKG_CRED_ATTR_LIBSSPI_NTLM_USER_FILE\n"
            "                     (default: $NTLM_USER_FILE)\n"
            "  --keytab FILE      Kerberos keytab (\"FILE:/path\" or a path), set with\n"
            "                     SECPKG_CRED_ATTR_LIBSSPI_KRB5_KEYTAB; ignored by packages\n"
            "                     that do not know it (default: $KRB5_KTNAME)\n"
            "  --package-list L   Negotiate's PackageList (SEC_WINNT_AUTH_IDENTITY_EX), e.g.\n"
            "                     \"kerberos\": accept only these packages\n"
            "  --once             serve one connection, exit with its result\n"
            "  -v                 print each step (status, token sizes and hex) on stderr\n"
            "\n"
            "examples:\n"
            "  sspi server --package NTLM --port 5000 --user-file users.txt --once\n");
}

int tool_server_credentials(const char *package, const char *user_file, PCredHandle cred) {
    return tool_server_credentials_ex(package, user_file, NULL, NULL, cred);
}

int tool_server_credentials_ex(const char *package, const char *user_file, const char *keytab,
                               const char *package_list, PCredHandle cred) {
    TimeStamp expiry;
    SEC_WINNT_AUTH_IDENTITY_EXA ex;
    memset(&ex, 0, sizeof ex);
    if (package_list) {
        ex.Version = SEC_WINNT_AUTH_IDENTITY_VERSION;
        ex.Length = (ULONG)sizeof ex;
        ex.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
        ex.PackageList = (UCHAR *)package_list;
        ex.PackageListLength = (ULONG)strlen(package_list);
    }
    SECURITY_STATUS st = AcquireCredentialsHandleA(NULL, (SEC_CHAR *)package, SECPKG_CRED_INBOUND,
                                                   NULL, package_list ? &ex : NULL, NULL, NULL,
                                                   cred, &expiry);
    if (st != SEC_E_OK) {
        char what[128];
        snprintf(what, sizeof what, "AcquireCredentialsHandleA(\"%s\", INBOUND)", package);
        return tool_fail(what, st);
    }
    if (user_file && *user_file) {
        st = SetCredentialsAttributesA(cred, SECPKG_CRED_ATTR_LIBSSPI_NTLM_USER_FILE,
                                       (void *)user_file, (ULONG)strlen(user_file) + 1);
        if (st != SEC_E_OK) {
            FreeCredentialsHandle(cred);
            return tool_fail("SetCredentialsAttributesA(SECPKG_CRED_ATTR_LIBSSPI_NTLM_USER_FILE)",
                             st);
        }
    }
    if (keytab && *keytab) {
        st = SetCredentialsAttributesA(cred, SECPKG_CRED_ATTR_LIBSSPI_KRB5_KEYTAB, (void *)keytab,
                                       (ULONG)strlen(keytab) + 1);
        /* A package without Kerberos (NTLM) does not know the attribute. */
        if (st != SEC_E_OK && st != SEC_E_UNSUPPORTED_FUNCTION) {
            FreeCredentialsHandle(cred);
            return tool_fail("SetCredentialsAttributesA(SECPKG_CRED_ATTR_LIBSSPI_KRB5_KEYTAB)", st);
        }
    }
    return TOOL_EXIT_OK;
}

int tool_server_accept_one(int lfd, PCredHandle cred, tool_session *s, int verbose, FILE *out) {
    int fd;
    tool_session_init(s, -1, "server", verbose, out);
    do {
        fd = accept(lfd, NULL, NULL);
    } while (fd < 0 && (errno == EINTR || errno == ECONNABORTED));
    if (fd < 0) {
        fprintf(stderr, "sspi: accept: %s\n", strerror(errno));
        return -1;
    }
    if (tool_set_timeouts(fd, TOOL_IO_TIMEOUT_SECONDS) != 0) {
        close(fd);
        return TOOL_EXIT_FAIL;
    }
    s->fd = fd;
    int rc = tool_session_run_server(s, cred);
    close(fd);
    s->fd = -1;
    return rc == 0 ? TOOL_EXIT_OK : TOOL_EXIT_FAIL;
}

static int write_ready_file(const char *path, unsigned port) {
    size_t n = strlen(path) + 16;
    char *tmp = malloc(n);
    if (!tmp) return -1;
    snprintf(tmp, n, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    int ok = f && fprintf(f, "%u\n", port) > 0;
    if (f && fclose(f) != 0) ok = 0;
    if (ok && rename(tmp, path) != 0) ok = 0;
    if (!ok) {
        fprintf(stderr, "sspi: cannot write %s: %s\n", path, strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    return ok ? 0 : -1;
}

int cmd_server(int argc, char **argv) {
    const char *listen_addr = "127.0.0.1", *ready_file = NULL, *package = NULL;
    const char *user_file = NULL, *keytab = NULL, *package_list = NULL;
    unsigned port = 0;
    int once = 0, verbose = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_value = i + 1 < argc;
        if (strcmp(a, "--listen") == 0 && has_value) {
            listen_addr = argv[++i];
        } else if (strcmp(a, "--port") == 0 && has_value) {
            if (tool_parse_port(argv[++i], &port) != 0) {
                fprintf(stderr, "sspi server: bad port '%s'\n", argv[i]);
                return TOOL_EXIT_USAGE;
            }
        } else if (strcmp(a, "--ready-file") == 0 && has_value) {
            ready_file = argv[++i];
        } else if (strcmp(a, "--package") == 0 && has_value) {
            package = argv[++i];
        } else if (strcmp(a, "--user-file") == 0 && has_value) {
            user_file = argv[++i];
        } else if (strcmp(a, "--keytab") == 0 && has_value) {
            keytab = argv[++i];
        } else if (strcmp(a, "--package-list") == 0 && has_value) {
            package_list = argv[++i];
        } else if (strcmp(a, "--once") == 0) {
            once = 1;
        } else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
            verbose = 1;
        } else {
            fprintf(stderr, "sspi server: unknown or incomplete option '%s'\n", a);
            fprintf(stderr, "usage: sspi server [--listen ADDR] [--port N] [--ready-file FILE] "
                            "[--package NAME] [--user-file FILE] [--keytab FILE]\n"
                            "                   [--package-list LIST] [--once] [-v]\n");
            return TOOL_EXIT_USAGE;
        }
    }
    if (!package) package = tool_default_package();

    CredHandle cred;
    int rc = tool_server_credentials_ex(package, user_file, keytab, package_list, &cred);
    if (rc != TOOL_EXIT_OK) return rc;

    unsigned bound = 0;
    int lfd = tool_listen(listen_addr, port, &bound);
    if (lfd < 0) {
        FreeCredentialsHandle(&cred);
        return TOOL_EXIT_FAIL;
    }
    if (verbose)
        fprintf(stderr, "[server] listening on %s port %u, package %s\n", listen_addr, bound,
                package);
    if (ready_file && write_ready_file(ready_file, bound) != 0) {
        close(lfd);
        FreeCredentialsHandle(&cred);
        return TOOL_EXIT_FAIL;
    }
    for (;;) {
        tool_session s;
        rc = tool_server_accept_one(lfd, &cred, &s, verbose, stdout);
        if (rc >= 0) tool_session_free(&s);
        if (rc < 0) { /* the listening socket is unusable */
            rc = TOOL_EXIT_FAIL;
            break;
        }
        if (once) break;
    }
    close(lfd);
    SECURITY_STATUS st = FreeCredentialsHandle(&cred);
    if (st != SEC_E_OK) return tool_fail("FreeCredentialsHandle", st);
    return rc;
}
