/*
 * HTTP authentication helpers for `sspi http` and `sspi serve-http`:
 * base64, parsing of WWW-Authenticate / Proxy-Authenticate / Authorization
 * fields (RFC 9110 section 11: challenges with token68 or auth-params, several
 * per field) and a description of NTLM / SPNEGO / Kerberos tokens for -v.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"
#include "tool.h"

/* ---- base64 ---- */

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *http_base64_encode(const void *data, size_t len) {
    const unsigned char *in = data;
    if (len > (SIZE_MAX - 1) / 4 * 3 - 3) return NULL;
    size_t out_len = (len + 2) / 3 * 4;
    char *out = malloc(out_len + 1);
    if (!out) return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < len) v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < len) v |= in[i + 2];
        out[o++] = b64_alphabet[(v >> 18) & 63];
        out[o++] = b64_alphabet[(v >> 12) & 63];
        out[o++] = i + 1 < len ? b64_alphabet[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < len ? b64_alphabet[v & 63] : '=';
    }
    out[o] = '\0';
    return out;
}

static int b64_value(char ch) {
    if (ch >= 'A' && ch <= 'Z') return ch - 'A';
    if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9') return ch - '0' + 52;
    if (ch == '+') return 62;
    if (ch == '/') return 63;
    return -1;
}

unsigned char *http_base64_decode(const char *text, size_t text_len, size_t max, size_t *out_len) {
    if (text_len == 0 || text_len % 4 != 0) return NULL;
    size_t pad = 0;
    if (text[text_len - 1] == '=') pad = text[text_len - 2] == '=' ? 2 : 1;
    size_t n = text_len / 4 * 3 - pad;
    if (n == 0 || n > max) return NULL;
    unsigned char *out = malloc(n);
    if (!out) return NULL;
    size_t o = 0;
    for (size_t i = 0; i < text_len; i += 4) {
        int last = i + 4 == text_len;
        int v[4];
        for (int k = 0; k < 4; k++) {
            v[k] = b64_value(text[i + k]);
            /* '=' only as the final one or two characters */
            if (v[k] < 0 && !(last && text[i + k] == '=' && k >= 4 - (int)pad)) goto bad;
        }
        uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12;
        if (v[2] >= 0) w |= (uint32_t)v[2] << 6;
        if (v[3] >= 0) w |= (uint32_t)v[3];
        /* non-canonical trailing bits are refused */
        if (pad == 2 && last && (w & 0xffff)) goto bad;
        if (pad == 1 && last && (w & 0xff)) goto bad;
        out[o++] = (unsigned char)(w >> 16);
        if (o < n) out[o++] = (unsigned char)(w >> 8);
        if (o < n) out[o++] = (unsigned char)w;
    }
    *out_len = n;
    return out;
bad:
    free(out);
    return NULL;
}

/* ---- challenges ---- */

static int is_tchar(char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           (ch && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

static int is_token68_char(char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           (ch && strchr("-._~+/", ch) != NULL);
}

static const char *skip_ows(const char *p) {
    while (*p == ' ' || *p == '\t') p++;
    return p;
}

/* Skip one auth-param (name OWS "=" OWS (token / quoted-string)) at p; NULL
 * when p does not start one. */
static const char *skip_auth_param(const char *p) {
    const char *q = p;
    while (is_tchar(*q)) q++;
    if (q == p) return NULL;
    q = skip_ows(q);
    if (*q != '=') return NULL;
    q = skip_ows(q + 1);
    if (*q == '"') {
        for (q++; *q && *q != '"'; q++)
            if (*q == '\\' && q[1]) q++;
        if (*q != '"') return NULL;
        return q + 1;
    }
    const char *v = q;
    while (is_tchar(*q)) q++;
    return q == v ? NULL : q;
}

typedef struct challenge {
    const char *scheme;
    size_t scheme_len;
    const char *token; /* token68, or NULL */
    size_t token_len;
} challenge;

/* Parse the next challenge of a field value at *pp; 0 at the end. */
static int next_challenge(const char **pp, challenge *ch) {
    const char *p = *pp;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == ',') p++;
        if (!*p) return 0;
        if (is_tchar(*p)) break;
        p++; /* garbage: skip a character and resynchronise */
    }
    memset(ch, 0, sizeof *ch);
    ch->scheme = p;
    while (is_tchar(*p)) p++;
    ch->scheme_len = (size_t)(p - ch->scheme);
    if (*p != ' ' && *p != '\t') {
        *pp = p;
        return 1;
    }
    p = skip_ows(p);
    /* token68? */
    const char *t = p;
    while (is_token68_char(*t)) t++;
    const char *t_end = t;
    if (t_end > p) {
        while (*t_end == '=') t_end++;
        const char *after = skip_ows(t_end);
        if (*after == '\0' || *after == ',') {
            ch->token = p;
            ch->token_len = (size_t)(t_end - p);
            *pp = after;
            return 1;
        }
    }
    /* auth-params, comma-separated, until something that is not one */
    for (;;) {
        const char *q = skip_auth_param(p);
        if (!q) break;
        q = skip_ows(q);
        if (*q != ',') {
            p = q;
            break;
        }
        const char *next = q + 1;
        while (*next == ' ' || *next == '\t' || *next == ',') next++;
        p = next;
        if (!skip_auth_param(next)) break; /* a new challenge starts here */
    }
    *pp = p;
    return 1;
}

int http_auth_find(const http_msg *m, const char *header, const char *scheme, const char **token,
                   size_t *token_len) {
    size_t idx = 0, sl = strlen(scheme);
    const char *v;
    while ((v = http_header_find(m, header, &idx)) != NULL) {
        const char *p = v;
        challenge ch;
        while (next_challenge(&p, &ch)) {
            if (ch.scheme_len == sl && strncasecmp(ch.scheme, scheme, sl) == 0) {
                *token = ch.token;
                *token_len = ch.token_len;
                return 1;
            }
        }
    }
    *token = NULL;
    *token_len = 0;
    return 0;
}

const char *http_auth_schemes(const http_msg *m, const char *header, char *buf, size_t len) {
    size_t idx = 0, o = 0;
    const char *v;
    buf[0] = '\0';
    while ((v = http_header_find(m, header, &idx)) != NULL) {
        const char *p = v;
        challenge ch;
        while (next_challenge(&p, &ch)) {
            int n = snprintf(buf + o, len - o, "%s%.*s", o ? ", " : "", (int)ch.scheme_len,
                             ch.scheme);
            if (n < 0 || (size_t)n >= len - o) return buf;
            o += (size_t)n;
        }
    }
    if (!o) snprintf(buf, len, "(none)");
    return buf;
}

/* ---- token descriptions ---- */

/* Minimal DER: one-byte tags, definite lengths. */
static int der_next(const unsigned char **p, const unsigned char *end, unsigned *tag,
                    const unsigned char **val, size_t *vlen) {
    const unsigned char *q = *p;
    if (end - q < 2) return 0;
    *tag = *q++;
    size_t len = *q++;
    if (len & 0x80) {
        size_t nb = len & 0x7f;
        if (nb == 0 || nb > 4 || (size_t)(end - q) < nb) return 0;
        len = 0;
        while (nb--) len = len << 8 | *q++;
    }
    if ((size_t)(end - q) < len) return 0;
    *val = q;
    *vlen = len;
    *p = q + len;
    return 1;
}

static const unsigned char oid_spnego[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x02};
static const unsigned char oid_ntlm[] = {0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a};
static const unsigned char oid_krb5[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02};
static const unsigned char oid_mskrb5[] = {0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, 0x02, 0x02};

static const char *oid_name(const unsigned char *v, size_t n) {
#define OID_IS(o) (n == sizeof o && memcmp(v, o, n) == 0)
    if (OID_IS(oid_ntlm)) return "NTLM";
    if (OID_IS(oid_krb5)) return "Kerberos";
    if (OID_IS(oid_mskrb5)) return "MS-Kerberos";
    if (OID_IS(oid_spnego)) return "SPNEGO";
#undef OID_IS
    return "unknown mechanism";
}

static const char *ntlm_describe(const unsigned char *t, size_t n) {
    static const char *const names[] = {"NTLM NEGOTIATE_MESSAGE (type 1)",
                                        "NTLM CHALLENGE_MESSAGE (type 2)",
                                        "NTLM AUTHENTICATE_MESSAGE (type 3)"};
    if (n < 12 || memcmp(t, "NTLMSSP", 8) != 0) return NULL;
    uint32_t type = (uint32_t)t[8] | (uint32_t)t[9] << 8 | (uint32_t)t[10] << 16 |
                    (uint32_t)t[11] << 24;
    if (type >= 1 && type <= 3) return names[type - 1];
    return "NTLM message of unknown type";
}

static const char *inner_describe(const unsigned char *t, size_t n) {
    const char *d = ntlm_describe(t, n);
    if (d) return d;
    if (n && (t[0] == 0x60 || t[0] == 0x6e)) return "Kerberos AP-REQ";
    if (n && t[0] == 0x6f) return "Kerberos AP-REP";
    return "a mechanism token";
}

static void describe_spnego(const unsigned char *v, size_t n, int init, char *buf, size_t len) {
    static const char *const states[] = {"accept-completed", "accept-incomplete", "reject",
                                         "request-mic"};
    const unsigned char *p = v, *end = v + n, *seq;
    size_t seq_len;
    unsigned tag;
    int n0 = snprintf(buf, len, "SPNEGO %s", init ? "NegTokenInit" : "NegTokenResp");
    if (n0 < 0 || (size_t)n0 >= len) return; /* truncated: nothing more fits */
    size_t o = (size_t)n0;
    if (!der_next(&p, end, &tag, &seq, &seq_len) || tag != 0x30) {
        snprintf(buf + o, len - o, " (malformed)");
        return;
    }
    p = seq;
    end = seq + seq_len;
    const unsigned char *f;
    size_t fl;
    while (o < len && der_next(&p, end, &tag, &f, &fl)) {
        int field = (int)(tag & 0x1f);
        const unsigned char *q = f, *iv;
        size_t il;
        unsigned itag;
        if ((tag & 0xe0) != 0xa0 || !der_next(&q, f + fl, &itag, &iv, &il)) break;
        int w = 0;
        if (init && field == 0 && itag == 0x30) {
            const unsigned char *m = iv, *ov;
            size_t ol;
            unsigned otag;
            w = snprintf(buf + o, len - o, ", mechs");
            int first = 1;
            while (w >= 0 && (size_t)w < len - o && der_next(&m, iv + il, &otag, &ov, &ol)) {
                int x = snprintf(buf + o + (size_t)w, len - o - (size_t)w, "%s%s",
                                 first ? " " : ",", oid_name(ov, ol));
                if (x < 0) break;
                w += x;
                first = 0;
            }
        } else if (!init && field == 0 && itag == 0x0a && il == 1 && iv[0] < 4) {
            w = snprintf(buf + o, len - o, " (%s)", states[iv[0]]);
        } else if (!init && field == 1 && itag == 0x06) {
            w = snprintf(buf + o, len - o, ", mech %s", oid_name(iv, il));
        } else if (field == 2 && itag == 0x04) {
            w = snprintf(buf + o, len - o, " carrying %s", inner_describe(iv, il));
        } else if (field == 3 && itag == 0x04) {
            w = snprintf(buf + o, len - o, ", mechListMIC");
        }
        if (w < 0) break;
        o += (size_t)w;
    }
}

const char *http_describe_token(const unsigned char *tok, size_t len, char *buf, size_t buflen) {
    const char *d = ntlm_describe(tok, len);
    if (d) {
        snprintf(buf, buflen, "%s", d);
        return buf;
    }
    const unsigned char *p = tok, *end = tok + len, *v;
    size_t vl;
    unsigned tag;
    if (len && tok[0] == 0x60 && der_next(&p, end, &tag, &v, &vl)) {
        /* GSS-API InitialContextToken: thisMech OID, then the inner token */
        const unsigned char *q = v, *ov;
        size_t ol;
        unsigned otag;
        if (der_next(&q, v + vl, &otag, &ov, &ol) && otag == 0x06) {
            if (ol == sizeof oid_spnego && memcmp(ov, oid_spnego, ol) == 0) {
                const unsigned char *iv;
                size_t il;
                unsigned itag;
                if (der_next(&q, v + vl, &itag, &iv, &il) && itag == 0xa0) {
                    describe_spnego(iv, il, 1, buf, buflen);
                    return buf;
                }
            }
            snprintf(buf, buflen, "GSS-API %s initial token", oid_name(ov, ol));
            return buf;
        }
    }
    p = tok;
    if (len && (tok[0] == 0xa0 || tok[0] == 0xa1) && der_next(&p, end, &tag, &v, &vl)) {
        describe_spnego(v, vl, tag == 0xa0, buf, buflen);
        return buf;
    }
    snprintf(buf, buflen, "%s", inner_describe(tok, len));
    return buf;
}

int http_package_registered(const char *name) {
    PSecPkgInfoA info = NULL;
    if (QuerySecurityPackageInfoA((SEC_CHAR *)name, &info) != SEC_E_OK) return 0;
    FreeContextBuffer(info);
    return 1;
}
