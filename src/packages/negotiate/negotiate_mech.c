/*
 * The Negotiate package's inner mechanisms (mech.h) and the PackageList
 * filter of SEC_WINNT_AUTH_IDENTITY_EX.
 *
 * Order and OIDs as a Windows client sends them in its NegTokenInit
 * (MS-SPNG 3.1.5.2: Windows lists the Microsoft Kerberos OID
 * 1.2.840.48018.1.2.2 before the standard 1.2.840.113554.1.2.2), NTLM
 * (1.3.6.1.4.1.311.2.2.10) last. NegoEx (1.3.6.1.4.1.311.2.2.30) is not an
 * inner mech here: offered by a peer it is skipped like any unknown OID.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/unicode.h"
#include "crypto/crypto.h"
#include "negotiate_context.h"

/* ---- NTLM adapters ---- */

static sr ntlm_mic_make(void *pkg_ctx, const uint8_t *data, size_t len, uint8_t **mic,
                        size_t *mic_len) {
    uint8_t *sig = malloc(16);
    SR_ENSURE(sig != NULL, SR_NO_MEMORY);
    sr r = ntlm_spnego_make_mic(pkg_ctx, data, len, sig);
    if (!sr_is_ok(r)) {
        crypto_free_wipe(sig, 16);
        return r;
    }
    *mic = sig;
    *mic_len = 16;
    return SR_SUCCESS;
}

/* ---- Kerberos adapters (weak: absent until the Kerberos package exists) ---- */

static bool krb_mic_available(void *pkg_ctx) {
    if (!krb_spnego_mic_available || !krb_spnego_make_mic || !krb_spnego_verify_mic) return false;
    return krb_spnego_mic_available(pkg_ctx);
}

static sr krb_mic_make(void *pkg_ctx, const uint8_t *data, size_t len, uint8_t **mic,
                       size_t *mic_len) {
    SR_ENSURE(krb_spnego_make_mic != NULL, SR_UNSUPPORTED);
    return krb_spnego_make_mic(pkg_ctx, data, len, mic, mic_len);
}

static sr krb_mic_verify(void *pkg_ctx, const uint8_t *data, size_t len, const uint8_t *mic,
                         size_t mic_len) {
    SR_ENSURE(krb_spnego_verify_mic != NULL, SR_UNSUPPORTED);
    return krb_spnego_verify_mic(pkg_ctx, data, len, mic, mic_len);
}

static sr_code krb_cred_unusable(const sspi_package *pkg, void *pkg_cred) {
    if (krb_spnego_kdc_unavailable && krb_spnego_kdc_unavailable(pkg, pkg_cred))
        return SR_NO_AUTHENTICATING_AUTHORITY;
    return SR_OK;
}

const nego_mech nego_mechs[] = {
    {
        .name = "Kerberos",
        .oids = {{spnego_oid_ms_krb5, SPNEGO_OID_MS_KRB5_LEN},
                 {spnego_oid_krb5, SPNEGO_OID_KRB5_LEN}},
        .oid_count = 2,
        .mic_available = krb_mic_available,
        .mic_make = krb_mic_make,
        .mic_verify = krb_mic_verify,
        .after_mic = NULL,
        .cred_unusable = krb_cred_unusable,
    },
    {
        .name = "NTLM",
        .oids = {{spnego_oid_ntlm, SPNEGO_OID_NTLM_LEN}},
        .oid_count = 1,
        .mic_available = ntlm_spnego_mic_available,
        .mic_make = ntlm_mic_make,
        .mic_verify = ntlm_spnego_verify_mic,
        .after_mic = ntlm_spnego_reset,
        .cred_unusable = NULL,
    },
};
const size_t nego_mech_count = sizeof nego_mechs / sizeof nego_mechs[0];

const sspi_package *nego_mech_package(const nego_mech *m) {
    const sspi_package *p = sspi_package_find(m->name);
    /* Never Negotiate itself, whatever the registry says. */
    if (p == &sspi_negotiate_package) return NULL;
    return p;
}

const nego_mech *nego_mech_by_oid(gss_view oid) {
    for (size_t i = 0; i < nego_mech_count; i++)
        for (size_t j = 0; j < nego_mechs[i].oid_count; j++)
            if (gss_oid_equal(oid, nego_mechs[i].oids[j].data, nego_mechs[i].oids[j].len))
                return &nego_mechs[i];
    return NULL;
}

const nego_mech *nego_mech_by_name(const char *name) {
    for (size_t i = 0; i < nego_mech_count; i++)
        if (utf8_casecmp(nego_mechs[i].name, name) == 0) return &nego_mechs[i];
    return NULL;
}

/*
 * PackageList (SEC_WINNT_AUTH_IDENTITY_EX, Microsoft's documentation of the
 * structure): a comma-separated list of package names; "!name" excludes a
 * package. When the list names any package without "!", only those are
 * used; exclusions apply in every case. Names are compared without regard
 * to case and surrounding blanks; names of unknown packages select nothing
 * (so a list naming only unknown packages leaves no mechanism: the caller
 * gets SEC_E_NO_CREDENTIALS).
 */
bool nego_package_list_allows(const char *list, const nego_mech *m) {
    if (!list) return true;
    bool any_positive = false, named = false, excluded = false;
    const char *p = list;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *s = p;
        while (len && isspace((unsigned char)*s)) {
            s++;
            len--;
        }
        while (len && isspace((unsigned char)s[len - 1])) len--;
        bool neg = false;
        if (len && *s == '!') {
            neg = true;
            s++;
            len--;
            while (len && isspace((unsigned char)*s)) {
                s++;
                len--;
            }
        }
        if (len) {
            char name[64];
            bool match = false;
            if (len < sizeof name) {
                memcpy(name, s, len);
                name[len] = '\0';
                match = utf8_casecmp(name, m->name) == 0;
            }
            if (neg) {
                if (match) excluded = true;
            } else {
                any_positive = true;
                if (match) named = true;
            }
        }
        if (!end) break;
        p = end + 1;
    }
    if (excluded) return false;
    return any_positive ? named : true;
}
