/*
 * sspi decode: explain an NTLM, SPNEGO or GSS-API token (Kerberos tokens
 * are identified). Input handling lives here; the token logic is the
 * sspi_decode static library (tools/sspi/decode), which uses the library's
 * own codecs.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "decode/decode.h"
#include "http.h"
#include "tool.h"

#define DECODE_MAX_INPUT (4u * 1024u * 1024u)

void cmd_decode_help(FILE *out) {
    fprintf(out,
            "Explain a security token: NTLM (NEGOTIATE, CHALLENGE, AUTHENTICATE), SPNEGO\n"
            "(negTokenInit/negTokenInit2/negTokenResp, inner tokens decoded too), other\n"
            "GSS-API framed tokens; Kerberos AP-REQ/AP-REP are identified only.\n"
            "\n"
            "TOKEN is base64, hex, or an HTTP header value (\"Authorization: Negotiate\n"
            "YII...\", \"WWW-Authenticate: NTLM TlRM...\", \"NTLM TlRM...\"); '-' reads\n"
            "stdin (text or binary), '@FILE' reads a file (text or binary).\n"
            "\n"
            "options:\n"
            "  --json               print one JSON object instead of text\n"
            "  --password-env VAR   password from environment variable VAR, to check an\n"
            "                       NTLM AUTHENTICATE (never on the command line)\n"
            "  --password-file FILE password from the first line of FILE\n"
            "  --user DOMAIN\\USER   account to check (default: the names in the message)\n"
            "  --challenge TOKEN    the CHALLENGE message of the exchange (file, hex, base64,\n"
            "                       header, raw or in SPNEGO), or its 8-byte ServerChallenge\n"
            "                       in hex: recompute NTProofStr and derive the keys\n"
            "                       (SessionBaseKey, KeyExchangeKey, ExportedSessionKey)\n"
            "  --negotiate TOKEN    the NEGOTIATE message too: check the MIC\n"
            "\n"
            "exit status: 0 decoded (and checks passed), 1 malformed or unknown token or a\n"
            "check failed (\"INVALID\"), 2 usage error\n");
}

/* Whole contents of a stream (malloc'd), at most DECODE_MAX_INPUT bytes. */
static unsigned char *read_stream(FILE *f, const char *name, size_t *len) {
    size_t cap = 4096, n = 0;
    unsigned char *buf = malloc(cap);
    if (!buf) return NULL;
    for (;;) {
        if (n == cap) {
            if (cap >= DECODE_MAX_INPUT) {
                fprintf(stderr, "sspi: %s: more than %u bytes\n", name, DECODE_MAX_INPUT);
                free(buf);
                return NULL;
            }
            unsigned char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                return NULL;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    if (ferror(f)) {
        fprintf(stderr, "sspi: cannot read %s: %s\n", name, strerror(errno));
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

static unsigned char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "sspi: cannot open %s: %s\n", path, strerror(errno));
        return NULL;
    }
    unsigned char *b = read_stream(f, path, len);
    fclose(f);
    return b;
}

static int is_binary(const unsigned char *b, size_t n) {
    for (size_t i = 0; i < n; i++)
        if ((b[i] < 0x20 && !isspace(b[i])) || b[i] >= 0x7f) return 1;
    return 0;
}

static int hexval(int ch) {
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

/* Text -> bytes: hex (optionally with blanks or ':' between bytes), or
 * base64 after an optional "Header:" and "Scheme " prefix. */
static unsigned char *parse_text(const char *in, size_t n, size_t *out_len, const char *what) {
    char *t = malloc(n + 4), *s; /* room for base64 padding */
    unsigned char *out = NULL;
    if (!t) return NULL;
    memcpy(t, in, n);
    t[n] = '\0';
    s = t;
    while (*s && isspace((unsigned char)*s)) s++;
    size_t l = strlen(s);
    while (l && isspace((unsigned char)s[l - 1])) s[--l] = '\0';
    if (strncmp(s, "0x", 2) == 0 || strncmp(s, "0X", 2) == 0) s += 2;

    /* Pure hex, possibly "4e 54 4c" or "4e:54:4c". */
    size_t digits = 0;
    int only_hex = 1;
    for (const char *p = s; *p; p++) {
        if (hexval((unsigned char)*p) >= 0) digits++;
        else if (!isspace((unsigned char)*p) && *p != ':') only_hex = 0;
    }
    if (only_hex && digits > 0 && digits % 2 == 0) {
        out = malloc(digits / 2);
        if (!out) goto done;
        size_t o = 0;
        int hi = -1;
        for (const char *p = s; *p; p++) {
            int v = hexval((unsigned char)*p);
            if (v < 0) {
                if (hi >= 0) break; /* a separator inside a byte */
                continue;
            }
            if (hi < 0) hi = v;
            else {
                out[o++] = (unsigned char)(hi << 4 | v);
                hi = -1;
            }
        }
        if (o == digits / 2) {
            *out_len = o;
            goto done;
        }
        free(out);
        out = NULL;
    }

    /* "Header-Name: value" */
    char *colon = strchr(s, ':');
    if (colon) {
        int header = colon > s;
        for (char *p = s; p < colon; p++)
            if (!isalnum((unsigned char)*p) && *p != '-') header = 0;
        if (header) {
            s = colon + 1;
            while (*s && isspace((unsigned char)*s)) s++;
        }
    }
    /* "Scheme token" */
    static const char *const schemes[] = {"Negotiate", "NTLM", "Kerberos", "Nego2"};
    for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++) {
        size_t sl = strlen(schemes[i]);
        if (strncasecmp(s, schemes[i], sl) == 0 && (s[sl] == '\0' || isspace((unsigned char)s[sl]))) {
            s += sl;
            while (*s && isspace((unsigned char)*s)) s++;
            if (*s == '\0') {
                fprintf(stderr, "sspi: %s has the scheme %s but no token\n", what, schemes[i]);
                goto done;
            }
            break;
        }
    }
    /* base64 (standard or URL-safe), blanks ignored, padding optional */
    size_t o = 0;
    for (const char *p = s; *p; p++) {
        char ch = *p;
        if (isspace((unsigned char)ch)) continue;
        if (ch == '-') ch = '+';
        if (ch == '_') ch = '/';
        t[o++] = ch;
    }
    while (o % 4 != 0 && o + 1 <= n) t[o++] = '=';
    t[o] = '\0';
    if (o % 4 == 0 && o > 0) out = http_base64_decode(t, o, DECODE_MAX_INPUT, out_len);
    if (!out)
        fprintf(stderr, "sspi: %s is neither hex nor base64 (nor a Negotiate/NTLM header)\n",
                what);
done:
    free(t);
    return out;
}

/* TOKEN / FILE_OR_HEX argument -> bytes (malloc'd). */
static unsigned char *load(const char *arg, int file_or_text, size_t *len, const char *what) {
    unsigned char *raw = NULL;
    size_t n = 0;
    struct stat st;
    if (strcmp(arg, "-") == 0) {
        raw = read_stream(stdin, "stdin", &n);
    } else if (arg[0] == '@') {
        raw = read_file(arg + 1, &n);
    } else if (file_or_text && stat(arg, &st) == 0 && S_ISREG(st.st_mode)) {
        raw = read_file(arg, &n);
    } else {
        unsigned char *b = parse_text(arg, strlen(arg), len, what);
        return b;
    }
    if (!raw) return NULL;
    if (n == 0) {
        fprintf(stderr, "sspi: %s is empty\n", what);
        free(raw);
        return NULL;
    }
    if (is_binary(raw, n)) {
        *len = n;
        return raw;
    }
    unsigned char *b = parse_text((const char *)raw, n, len, what);
    free(raw);
    return b;
}

static int usage_error(const char *msg, const char *arg) {
    fprintf(stderr, "sspi decode: %s%s%s\n", msg, arg ? " " : "", arg ? arg : "");
    fprintf(stderr, "usage: sspi decode [--json] [--password-env VAR | --password-file FILE] "
                    "[--user DOMAIN\\USER] [--challenge TOKEN] [--negotiate TOKEN] TOKEN|-|@FILE\n");
    return TOOL_EXIT_USAGE;
}

int cmd_decode(int argc, char **argv) {
    const char *pw_env = NULL, *pw_file = NULL, *user = NULL, *chal_arg = NULL, *neg_arg = NULL;
    const char *token_arg = NULL;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = NULL;
        if (strcmp(a, "--json") == 0) json = 1;
        else if (strcmp(a, "--password-env") == 0) slot = &pw_env;
        else if (strcmp(a, "--password-file") == 0) slot = &pw_file;
        else if (strcmp(a, "--user") == 0) slot = &user;
        else if (strcmp(a, "--challenge") == 0) slot = &chal_arg;
        else if (strcmp(a, "--negotiate") == 0) slot = &neg_arg;
        else if (strcmp(a, "--password") == 0)
            return usage_error("a password is never taken on the command line: use "
                               "--password-env VAR or --password-file FILE", NULL);
        else if (strcmp(a, "--") == 0) {
            if (i + 1 < argc && !token_arg) token_arg = argv[++i];
            if (i + 1 < argc) return usage_error("unexpected argument", argv[i + 1]);
            break;
        } else if (a[0] == '-' && a[1] != '\0') return usage_error("unknown option", a);
        else if (token_arg) return usage_error("unexpected argument", a);
        else token_arg = a;
        if (slot) {
            if (i + 1 >= argc) return usage_error("missing value for", a);
            *slot = argv[++i];
        }
    }
    if (!token_arg) return usage_error("missing TOKEN", NULL);
    if (pw_env && pw_file) return usage_error("give --password-env or --password-file, not both", NULL);

    int rc = TOOL_EXIT_FAIL;
    sspi_decode_options opt;
    memset(&opt, 0, sizeof opt);
    opt.json = json;
    opt.user = user;
    unsigned char *tok = NULL, *chal = NULL, *neg = NULL;
    char *password = NULL;
    size_t tok_len = 0, chal_len = 0, neg_len = 0;

    if (!(tok = load(token_arg, 0, &tok_len, "TOKEN"))) goto out;
    if (chal_arg && !(chal = load(chal_arg, 1, &chal_len, "--challenge"))) goto out;
    if (neg_arg && !(neg = load(neg_arg, 1, &neg_len, "--negotiate"))) goto out;
    if (pw_env || pw_file) {
        password = tool_read_password(pw_env, pw_file, user ? user : "the account");
        if (!password) goto out;
        opt.password = password;
        opt.password_len = strlen(password);
    }
    opt.challenge = chal;
    opt.challenge_len = chal_len;
    opt.negotiate = neg;
    opt.negotiate_len = neg_len;

    int res = sspi_decode(tok, tok_len, &opt, stdout);
    if (res & SSPI_DECODE_NOT_VERIFIED)
        fprintf(stderr, "sspi decode: note: the password was not used (no NTLM AUTHENTICATE)\n");
    rc = (res & (SSPI_DECODE_MALFORMED | SSPI_DECODE_UNKNOWN | SSPI_DECODE_CHECK_FAILED))
             ? TOOL_EXIT_FAIL
             : TOOL_EXIT_OK;
out:
    if (password) {
        tool_wipe(password, strlen(password));
        free(password);
    }
    free(tok);
    free(chal);
    free(neg);
    return rc;
}
