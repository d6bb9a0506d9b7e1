/*
 * The `sspi` command: shared declarations.
 *
 * The tool is an ordinary SSPI application: it includes only the public
 * headers (<security.h> with SECURITY_WIN32, as on Windows, plus
 * <libsspi.h> for the version string) and links only libsspi.so. It never
 * includes anything from src/.
 *
 * Each subcommand lives in its own file (cmd_<name>.c) and is listed in the
 * table in main.c. Exit codes: 0 success, 1 an SSPI call or the operation
 * failed, 2 usage error.
 */
#ifndef LIBSSPI_TOOL_H
#define LIBSSPI_TOOL_H

#define SECURITY_WIN32
#include <security.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum { TOOL_EXIT_OK = 0, TOOL_EXIT_FAIL = 1, TOOL_EXIT_USAGE = 2 };

typedef struct tool_command {
    const char *name;    /* "packages" */
    const char *args;    /* argument synopsis for the usage line, "" if none */
    const char *summary; /* one line for `sspi --help` */
    /* argv[0] is the subcommand name; returns a TOOL_EXIT_* code. */
    int (*run)(int argc, char **argv);
    /* Detailed help for `sspi help NAME` / `sspi NAME --help`. */
    void (*help)(FILE *out);
} tool_command;

/* Subcommands (one file each). */
int cmd_packages(int argc, char **argv);
void cmd_packages_help(FILE *out);
int cmd_client(int argc, char **argv);
void cmd_client_help(FILE *out);
int cmd_server(int argc, char **argv);
void cmd_server_help(FILE *out);
int cmd_demo(int argc, char **argv);
void cmd_demo_help(FILE *out);
int cmd_http(int argc, char **argv);
void cmd_http_help(FILE *out);
int cmd_serve_http(int argc, char **argv);
void cmd_serve_http_help(FILE *out);
int cmd_load(int argc, char **argv);
void cmd_load_help(FILE *out);
int cmd_decode(int argc, char **argv);
void cmd_decode_help(FILE *out);

/* ---- status codes (status.c) ---- */

/* "SEC_E_LOGON_DENIED" for a known SEC_E_ / SEC_I_ code, NULL otherwise. */
const char *tool_status_name(SECURITY_STATUS status);
/* "SEC_E_LOGON_DENIED (0x8009030c)" into buf ("0x12345678" alone when the
 * code is unknown); returns buf. */
const char *tool_status_format(SECURITY_STATUS status, char *buf, size_t len);
#define TOOL_STATUS_BUFLEN 96
/* Print "sspi: <what> failed: SEC_E_... (0x...)" on stderr; returns
 * TOOL_EXIT_FAIL. */
int tool_fail(const char *what, SECURITY_STATUS status);
/* Look a status up by name ("SEC_E_LOGON_DENIED", case-insensitive);
 * returns 1 and sets *out when found. */
int tool_status_from_name(const char *name, SECURITY_STATUS *out);

/* ---- flag names (flags.c) ---- */

typedef struct tool_flag_name {
    uint32_t value;
    const char *name; /* full Windows name, "ISC_RET_MUTUAL_AUTH" */
} tool_flag_name;

/* Tables end with {0, NULL}. */
extern const tool_flag_name tool_secpkg_flags[]; /* SECPKG_FLAG_* */
extern const tool_flag_name tool_isc_req_flags[]; /* ISC_REQ_* */
extern const tool_flag_name tool_isc_ret_flags[]; /* ISC_RET_* */
extern const tool_flag_name tool_asc_req_flags[]; /* ASC_REQ_* */
extern const tool_flag_name tool_asc_ret_flags[]; /* ASC_RET_* */

/* Names of the bits set in `flags`, separated by `sep`, with `strip`
 * removed from the front of each name when it matches (e.g. "ISC_RET_");
 * unknown bits are appended as one hex number ("0x00400000"); "0" when no
 * bit is set. Always NUL-terminates; truncates with "..." when too long.
 * Returns buf. */
const char *tool_flags_format(const tool_flag_name *table, uint32_t flags, const char *strip,
                              const char *sep, char *buf, size_t len);
#define TOOL_FLAGS_BUFLEN 1024

/* ---- client/server sessions (session.c; used by client, server, demo) ----
 *
 * Token framing (the same as tests/interop/gss_peer.py): every frame is a
 * 4-byte big-endian length followed by that many bytes (at most
 * TOOL_FRAME_MAX). Handshake: a side sends a frame whenever its step
 * produced a non-empty token and reads one whenever its step returned
 * SEC_I_CONTINUE_NEEDED. Messages: the client sends EncryptMessage's
 * SECBUFFER_TOKEN || SECBUFFER_DATA as one frame, then the plain text and
 * its MakeSignature token as two frames; the server checks them and answers
 * the same way. */

#define TOOL_FRAME_MAX 65536u
#define TOOL_IO_TIMEOUT_SECONDS 30
#define TOOL_CLIENT_TEXT "hello from the client"
#define TOOL_SERVER_TEXT "hello from the server"
#define TOOL_CLIENT_REQ                                                                  \
    (ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | ISC_REQ_REPLAY_DETECT |               \
     ISC_REQ_SEQUENCE_DETECT | ISC_REQ_MUTUAL_AUTH | ISC_REQ_CONNECTION |                \
     ISC_REQ_ALLOCATE_MEMORY)
#define TOOL_SERVER_REQ                                                                  \
    (ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY | ASC_REQ_REPLAY_DETECT |               \
     ASC_REQ_SEQUENCE_DETECT | ASC_REQ_MUTUAL_AUTH | ASC_REQ_CONNECTION |                \
     ASC_REQ_ALLOCATE_MEMORY)

/* Handshake tokens kept for `sspi demo` (copies, freed with the session). */
#define TOOL_TOKEN_LOG_MAX 8
typedef struct tool_token_log {
    unsigned count;
    struct {
        int sent; /* 1: this side sent it, 0: received */
        unsigned char *data;
        size_t len;
    } tok[TOOL_TOKEN_LOG_MAX];
} tool_token_log;

typedef struct tool_session {
    int fd;                  /* connected socket (not closed by the session) */
    const char *role;        /* "client" / "server", for -v lines */
    int verbose;             /* -v: each step on stderr */
    FILE *out;               /* result lines (AUTHENTICATED ...), NULL: silent */
    tool_token_log *log;     /* optional */
    CtxtHandle ctx;
    int have_ctx;
    ULONG attrs;             /* ISC_RET_* / ASC_RET_* after the handshake */
    char *name;              /* SECPKG_ATTR_NAMES (malloc'd), or NULL */
    char *package;           /* SECPKG_ATTR_PACKAGE_INFO Name (malloc'd), or NULL */
    unsigned sealed_sent, signed_sent, sealed_received, signed_received;
    int handshake_done;
    int peer_gone;           /* the peer closed or reset the connection */
    ULONG extra_req;         /* ISC_REQ_* added to TOOL_CLIENT_REQ (--delegate, --dce) */
    char *delegated;         /* server: delegated credential cache (malloc'd), or NULL */
    /* Failure: the SSPI call and its status, or a message (I/O, framing). */
    const char *failed_call;
    SECURITY_STATUS status;
    char error[256];
} tool_session;

void tool_session_init(tool_session *s, int fd, const char *role, int verbose, FILE *out);
/* DeleteSecurityContext and free everything the session holds. */
void tool_session_free(tool_session *s);
/* Whole exchanges: handshake, result lines, messages both ways. Return 0 on
 * success; on failure print "AUTH FAILED ..." (or "MESSAGES FAILED ...")
 * on s->out and return -1. */
int tool_session_run_client(tool_session *s, PCredHandle cred, const char *target);
int tool_session_run_server(tool_session *s, PCredHandle cred);
/* One line describing the failure ("SEC_E_LOGON_DENIED (0x8009030c) from
 * AcceptSecurityContext" or the I/O message) into buf; returns buf. */
const char *tool_session_failure(const tool_session *s, char *buf, size_t len);

/* Server side (cmd_server.c, also used by `sspi demo`): inbound credentials
 * of `package`, with the NTLM account file set when user_file is non-NULL;
 * returns a TOOL_EXIT_* code (message on stderr). */
int tool_server_credentials(const char *package, const char *user_file, PCredHandle cred);
/* The same with more settings: keytab (SECPKG_CRED_ATTR_LIBSSPI_KRB5_KEYTAB,
 * ignored by packages that do not know it) and package_list (Negotiate's
 * PackageList, "kerberos,!ntlm"); NULL for the defaults. */
int tool_server_credentials_ex(const char *package, const char *user_file, const char *keytab,
                               const char *package_list, PCredHandle cred);
/* Accept one connection on lfd and serve it with session *s (result lines
 * on out; the socket is closed on return). Returns TOOL_EXIT_OK or
 * TOOL_EXIT_FAIL, and the caller then calls tool_session_free(s); or -1
 * when accept() itself failed (nothing to free). */
int tool_server_accept_one(int lfd, PCredHandle cred, tool_session *s, int verbose, FILE *out);
/* Client side (cmd_client.c, also used by `sspi demo`): outbound
 * credentials; user NULL: default credentials (no identity). */
int tool_client_credentials(const char *package, const char *user, const char *password,
                            PCredHandle cred);
/* With a PackageList (SEC_WINNT_AUTH_IDENTITY_EXA), NULL for none. Without
 * a user the identity carries only the list: default credentials. */
int tool_client_credentials_ex(const char *package, const char *user, const char *password,
                               const char *package_list, PCredHandle cred);

/* Frames: 0 on success, 1 when the peer is gone (end of stream, reset,
 * broken pipe), -1 on another error (timeout, oversized frame, ...); the
 * message is in err. *data is malloc'd (free()). */
int tool_frame_send(int fd, const void *data, size_t len, char *err, size_t errlen);
int tool_frame_recv(int fd, unsigned char **data, size_t *len, char *err, size_t errlen);

/* Sockets: -1 (message on stderr) on failure. tool_listen binds ADDR:PORT
 * (port 0: any) and stores the bound port. Both set the I/O timeouts. */
int tool_listen(const char *addr, unsigned port, unsigned *bound_port);
int tool_connect(const char *host, unsigned port);
int tool_set_timeouts(int fd, int seconds);

/* Parse a port number 0..65535; returns 0 on success. */
int tool_parse_port(const char *text, unsigned *port);
/* Hex of the first `max` bytes ("..." appended when longer) into buf. */
const char *tool_hex(const void *data, size_t len, size_t max, char *buf, size_t buflen);
/* The password for `user` (password.c): from environment variable env_var,
 * else the first line of file, else a prompt on /dev/tty with echo off;
 * never from the command line. Returns a malloc'd string (tool_wipe and
 * free it), or NULL after printing why on stderr. */
char *tool_read_password(const char *env_var, const char *file, const char *user);
/* Wipe memory that held a secret (not optimised away). */
void tool_wipe(void *p, size_t n);
/* The package to use when none is given: "Negotiate" when the library
 * registers it, else "NTLM". */
const char *tool_default_package(void);

#endif
