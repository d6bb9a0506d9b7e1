/*
 * sspi client [--host ADDR] --port N [--package NAME] [-u USER]
 *             [--password-env VAR | --password-file FILE] [--target SPN]
 *             [--package-list LIST] [--delegate] [--dce] [-v]
 *
 * Connects, runs the InitializeSecurityContext loop over the token framing
 * (see tool.h), prints AUTHENTICATED / PACKAGE / FLAGS, sends one sealed and
 * one signed message, checks the server's answer and prints MESSAGES OK.
 * The password never comes from the command line: an environment variable,
 * a file, or a prompt with echo off when stdin is a terminal.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tool.h"

void cmd_client_help(FILE *out) {
    fprintf(out,
            "Authenticates to an `sspi server` (or any peer speaking the same framing:\n"
            "4-byte big-endian length + token) with InitializeSecurityContext, then\n"
            "sends one sealed (EncryptMessage) and one signed (MakeSignature) message\n"
            "and checks the server's answer. Prints AUTHENTICATED <name>, PACKAGE,\n"
            "FLAGS <ISC_RET_* names> and MESSAGES OK, or AUTH FAILED <status>.\n"
            "\n"
            "options:\n"
            "  --host ADDR          server address (default 127.0.0.1)\n"
            "  --port N             server port (required)\n"
            "  --package NAME       security package (default Negotiate if the library\n"
            "                       has it, else NTLM)\n"
            "  -u USER              DOMAIN\\user or user@domain; without it the package's\n"
            "                       default credentials are used (NTLM: the first account\n"
            "                       of $NTLM_USER_FILE)\n"
            "  --password-env VAR   read the password from environment variable VAR\n"
            "  --password-file FILE read the password from the first line of FILE\n"
            "                       (neither: prompt with echo off if stdin is a terminal)\n"
            "  --target SPN         target name (pszTargetName), e.g. host/server.example.com\n"
            "  --package-list LIST  Negotiate's PackageList (SEC_WINNT_AUTH_IDENTITY_EX), e.g.\n"
            "                       \"kerberos,!ntlm\"; without -u: default credentials\n"
            "  --delegate           ISC_REQ_DELEGATE (Kerberos: forward the TGT to a service\n"
            "                       trusted for delegation)\n"
            "  --dce                ISC_REQ_USE_DCE_STYLE (Kerberos: bare AP-REQ/AP-REP, and\n"
            "                       the third leg)\n"
            "  -v                   print each step (status, token sizes and hex) on stderr\n"
            "\n"
            "examples:\n"
            "  SSPI_PASSWORD=... sspi client --port 5000 --package NTLM -u 'DOM\\alice' \\\n"
            "      --password-env SSPI_PASSWORD --target host/localhost\n");
}

int tool_client_credentials(const char *package, const char *user, const char *password,
                            PCredHandle cred) {
    return tool_client_credentials_ex(package, user, password, NULL, cred);
}

int tool_client_credentials_ex(const char *package, const char *user, const char *password,
                               const char *package_list, PCredHandle cred) {
    if (package_list) {
        /* NULL User/Domain/Password: the default credentials, restricted to
         * the listed packages. */
        SEC_WINNT_AUTH_IDENTITY_EXA ex;
        memset(&ex, 0, sizeof ex);
        ex.Version = SEC_WINNT_AUTH_IDENTITY_VERSION;
        ex.Length = (ULONG)sizeof ex;
        ex.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
        if (user) {
            ex.User = (UCHAR *)user;
            ex.UserLength = (ULONG)strlen(user);
            ex.Password = (UCHAR *)password;
            ex.PasswordLength = password ? (ULONG)strlen(password) : 0;
        }
        ex.PackageList = (UCHAR *)package_list;
        ex.PackageListLength = (ULONG)strlen(package_list);
        TimeStamp ex_expiry;
        SECURITY_STATUS est = AcquireCredentialsHandleA(NULL, (SEC_CHAR *)package,
                                                        SECPKG_CRED_OUTBOUND, NULL, &ex, NULL,
                                                        NULL, cred, &ex_expiry);
        if (est != SEC_E_OK) {
            char what[160];
            snprintf(what, sizeof what, "AcquireCredentialsHandleA(\"%s\", OUTBOUND, \"%s\")",
                     package, package_list);
            return tool_fail(what, est);
        }
        return TOOL_EXIT_OK;
    }
    SEC_WINNT_AUTH_IDENTITY_A id;
    memset(&id, 0, sizeof id);
    if (user) {
        /* "DOMAIN\user" or "user@domain" in User with no Domain: the package
         * splits it, as Windows does. */
        id.User = (UCHAR *)user;
        id.UserLength = (ULONG)strlen(user);
        id.Password = (UCHAR *)password;
        id.PasswordLength = password ? (ULONG)strlen(password) : 0;
        id.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    }
    TimeStamp expiry;
    SECURITY_STATUS st = AcquireCredentialsHandleA(NULL, (SEC_CHAR *)package, SECPKG_CRED_OUTBOUND,
                                                   NULL, user ? &id : NULL, NULL, NULL, cred,
                                                   &expiry);
    if (st != SEC_E_OK) {
        char what[128];
        snprintf(what, sizeof what, "AcquireCredentialsHandleA(\"%s\", OUTBOUND)", package);
        return tool_fail(what, st);
    }
    return TOOL_EXIT_OK;
}

static void usage_line(void) {
    fprintf(stderr, "usage: sspi client [--host ADDR] --port N [--package NAME] [-u USER]\n"
                    "                   [--password-env VAR | --password-file FILE] "
                    "[--target SPN]\n"
                    "                   [--package-list LIST] [--delegate] [--dce] [-v]\n");
}

int cmd_client(int argc, char **argv) {
    const char *host = "127.0.0.1", *package = NULL, *user = NULL, *target = NULL;
    const char *password_env = NULL, *password_file = NULL, *package_list = NULL;
    ULONG extra_req = 0;
    unsigned port = 0;
    int have_port = 0, verbose = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_value = i + 1 < argc;
        if (strcmp(a, "--host") == 0 && has_value) {
            host = argv[++i];
        } else if (strcmp(a, "--port") == 0 && has_value) {
            if (tool_parse_port(argv[++i], &port) != 0 || port == 0) {
                fprintf(stderr, "sspi client: bad port '%s'\n", argv[i]);
                return TOOL_EXIT_USAGE;
            }
            have_port = 1;
        } else if (strcmp(a, "--package") == 0 && has_value) {
            package = argv[++i];
        } else if ((strcmp(a, "-u") == 0 || strcmp(a, "--user") == 0) && has_value) {
            user = argv[++i];
        } else if (strcmp(a, "--password-env") == 0 && has_value) {
            password_env = argv[++i];
        } else if (strcmp(a, "--password-file") == 0 && has_value) {
            password_file = argv[++i];
        } else if (strcmp(a, "--target") == 0 && has_value) {
            target = argv[++i];
        } else if (strcmp(a, "--package-list") == 0 && has_value) {
            package_list = argv[++i];
        } else if (strcmp(a, "--delegate") == 0) {
            extra_req |= ISC_REQ_DELEGATE;
        } else if (strcmp(a, "--dce") == 0) {
            extra_req |= ISC_REQ_USE_DCE_STYLE;
        } else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
            verbose = 1;
        } else if (strcmp(a, "--password") == 0 || strcmp(a, "-p") == 0) {
            fprintf(stderr, "sspi client: a password is never taken from the command line; "
                            "use --password-env VAR or --password-file FILE\n");
            return TOOL_EXIT_USAGE;
        } else {
            fprintf(stderr, "sspi client: unknown or incomplete option '%s'\n", a);
            usage_line();
            return TOOL_EXIT_USAGE;
        }
    }
    if (!have_port) {
        fprintf(stderr, "sspi client: --port is required\n");
        usage_line();
        return TOOL_EXIT_USAGE;
    }
    if (password_env && password_file) {
        fprintf(stderr, "sspi client: give --password-env or --password-file, not both\n");
        return TOOL_EXIT_USAGE;
    }
    if (!user && (password_env || password_file)) {
        fprintf(stderr, "sspi client: a password needs -u USER\n");
        return TOOL_EXIT_USAGE;
    }
    if (!package) package = tool_default_package();

    char *password = NULL;
    if (user) {
        /* The prompt (echo off) only when stdin is a terminal. */
        if (!password_env && !password_file && !isatty(STDIN_FILENO)) {
            fprintf(stderr, "sspi client: no password: use --password-env VAR or "
                            "--password-file FILE (stdin is not a terminal)\n");
            return TOOL_EXIT_USAGE;
        }
        password = tool_read_password(password_env, password_file, user);
        if (!password) return TOOL_EXIT_FAIL;
    }

    CredHandle cred;
    int rc = tool_client_credentials_ex(package, user, password, package_list, &cred);
    if (password) {
        tool_wipe(password, strlen(password));
        free(password);
    }
    if (rc != TOOL_EXIT_OK) return rc;
    if (verbose)
        fprintf(stderr, "[client] package %s, %s, target %s\n", package,
                user ? user : "default credentials", target ? target : "(none)");

    int fd = tool_connect(host, port);
    if (fd < 0) {
        FreeCredentialsHandle(&cred);
        return TOOL_EXIT_FAIL;
    }
    tool_session s;
    tool_session_init(&s, fd, "client", verbose, stdout);
    s.extra_req = extra_req;
    rc = tool_session_run_client(&s, &cred, target) == 0 ? TOOL_EXIT_OK : TOOL_EXIT_FAIL;
    tool_session_free(&s);
    close(fd);
    SECURITY_STATUS st = FreeCredentialsHandle(&cred);
    if (st != SEC_E_OK && rc == TOOL_EXIT_OK) rc = tool_fail("FreeCredentialsHandle", st);
    return rc;
}
