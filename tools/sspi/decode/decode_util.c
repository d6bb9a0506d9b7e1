/*
 * Small helpers of the token decoder: hex, printable text, FILETIME dates,
 * mechanism names, error reporting.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decode_int.h"
#include "packages/negotiate/spnego_wire.h"
#include "wire/cursor.h"
#include "wire/der.h"

char *dec_hex_alloc(const uint8_t *p, size_t n) {
    static const char digits[] = "0123456789abcdef";
    if (n > (SIZE_MAX - 1) / 2) return NULL;
    char *s = malloc(2 * n + 1);
    if (!s) return NULL;
    wire_reader r;
    wire_reader_init(&r, p, p ? n : 0);
    size_t o = 0;
    uint8_t b;
    while (sr_is_ok(wire_read_u8(&r, &b))) {
        s[o++] = digits[b >> 4];
        s[o++] = digits[b & 15];
    }
    s[o] = '\0';
    return s;
}

bool dec_all_zero(const uint8_t *p, size_t n) {
    wire_reader r;
    wire_reader_init(&r, p, p ? n : 0);
    uint8_t b;
    while (sr_is_ok(wire_read_u8(&r, &b)))
        if (b) return false;
    return true;
}

const char *dec_sanitize(const uint8_t *s, size_t n, bool utf8, char *buf, size_t cap) {
    wire_reader r;
    wire_reader_init(&r, s, s ? n : 0);
    size_t o = 0;
    uint8_t b;
    if (cap == 0) return buf;
    while (sr_is_ok(wire_read_u8(&r, &b))) {
        bool plain = (b >= 0x20 && b < 0x7f && b != '\\') || (utf8 && b >= 0x80);
        if (plain) {
            if (o + 1 >= cap) break;
            buf[o++] = (char)b;
        } else {
            if (o + 4 >= cap) break;
            snprintf(buf + o, cap - o, "\\x%02x", b);
            o += 4;
        }
    }
    if (wire_remaining(&r) && o + 3 < cap) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o] = '\0';
    return buf;
}

const char *dec_filetime(uint64_t ft, char *buf, size_t cap) {
    /* 100 ns intervals since 1601-01-01; 11644473600 s to 1970-01-01. */
    const uint64_t epoch_delta = UINT64_C(11644473600);
    uint64_t secs = ft / 10000000u, frac = ft % 10000000u;
    struct tm tm;
    if (ft == 0) {
        snprintf(buf, cap, "0 (not set)");
        return buf;
    }
    if (secs >= epoch_delta) {
        uint64_t unix_secs = secs - epoch_delta;
        time_t t = (time_t)unix_secs;
        if ((uint64_t)t == unix_secs && gmtime_r(&t, &tm)) {
            char date[64];
            if (strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S", &tm) > 0) {
                snprintf(buf, cap, "%s.%07llu UTC", date, (unsigned long long)frac);
                return buf;
            }
        }
    }
    snprintf(buf, cap, "FILETIME 0x%016llx (before 1970 or out of range)", (unsigned long long)ft);
    return buf;
}

static const struct {
    const uint8_t *oid;
    size_t len;
    const char *name;
} mech_names[] = {
    {spnego_oid_krb5, SPNEGO_OID_KRB5_LEN, "Kerberos"},
    {spnego_oid_ms_krb5, SPNEGO_OID_MS_KRB5_LEN, "MS-Kerberos"},
    {spnego_oid_krb5_u2u, SPNEGO_OID_KRB5_U2U_LEN, "Kerberos user-to-user"},
    {spnego_oid_ntlm, SPNEGO_OID_NTLM_LEN, "NTLM"},
    {spnego_oid_negoex, SPNEGO_OID_NEGOEX_LEN, "NegoEx"},
    {spnego_oid_spnego, SPNEGO_OID_SPNEGO_LEN, "SPNEGO"},
};

const char *dec_mech_name(const uint8_t *oid, size_t len) {
    gss_view v = {oid, len};
    for (size_t i = 0; i < sizeof mech_names / sizeof mech_names[0]; i++)
        if (gss_oid_equal(v, mech_names[i].oid, mech_names[i].len)) return mech_names[i].name;
    return NULL;
}

const char *dec_mech_text(const uint8_t *oid, size_t len, char *buf, size_t cap) {
    char dotted[128];
    const char *name = dec_mech_name(oid, len);
    if (!sr_is_ok(der_oid_to_text(oid, len, dotted, sizeof dotted))) {
        char *h = dec_hex_alloc(oid, len > 32 ? 32 : len);
        snprintf(dotted, sizeof dotted, "invalid OID %s%s", h ? h : "", len > 32 ? "..." : "");
        free(h);
    }
    snprintf(buf, cap, "%s (%s)", name ? name : "unknown mechanism", dotted);
    return buf;
}

void dec_error(dec_ctx *c, sr r, const char *what) {
    em_str(&c->em, "Error", "%s (%s)", sr_code_name(r.code), what);
    c->result |= SSPI_DECODE_MALFORMED;
}
