/*
 * The inner mechanisms of the Negotiate package (SPNEGO, RFC 4178 +
 * MS-SPNG), and the small internal interface through which Negotiate
 * computes and checks the mechListMIC with an inner mechanism's context.
 *
 * Each inner mech is one entry of a const table (negotiate_mech.c): its
 * registry name (the package is looked up through the registry at run time,
 * so a package that is not compiled in simply never appears), the OIDs it
 * answers to (preferred first, as Windows sends them), and the MIC hooks.
 *
 * mechListMIC (RFC 4178 section 5, MS-SPNG 3.1.5.1 / 3.2.5.1 / 3.3.5.1): a
 * GSS_GetMIC / GSS_VerifyMIC over the DER MechTypeList with the inner
 * mech's context. For NTLM this is an NTLMSSP_MESSAGE_SIGNATURE made with
 * the context's signing state (sequence number 0); afterwards the RC4
 * handle is put back so that the first message the application signs sees
 * the same RC4 state as the mechListMIC did (MS-SPNG 3.1.5.1, "NTLM RC4 Key
 * State for MechListMIC and First Signed Message"). Sequence numbers are
 * not reset: the application's first message carries 1 (see
 * ntlm/ntlm_spnego.c).
 */
#ifndef LIBSSPI_PACKAGES_NEGOTIATE_MECH_H
#define LIBSSPI_PACKAGES_NEGOTIATE_MECH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/result.h"
#include "packages/negotiate/spnego_wire.h"
#include "packages/package.h"

#define NEGO_MAX_MECH_OIDS 2

typedef struct nego_mech {
    const char *name;                      /* registry name ("Kerberos", "NTLM") */
    gss_view oids[NEGO_MAX_MECH_OIDS];     /* OIDs sent, in order */
    size_t oid_count;
    /* true when the inner context can make/verify a mechListMIC now. */
    bool (*mic_available)(void *pkg_ctx);
    /* Heap MIC token (free with crypto_free_wipe). */
    SR_MUST_CHECK sr (*mic_make)(void *pkg_ctx, const uint8_t *data, size_t len, uint8_t **mic,
                                 size_t *mic_len);
    /* SR_MESSAGE_ALTERED when the MIC does not verify. */
    SR_MUST_CHECK sr (*mic_verify)(void *pkg_ctx, const uint8_t *data, size_t len,
                                   const uint8_t *mic, size_t mic_len);
    /* Called after each mic_make / mic_verify (may be NULL). */
    SR_MUST_CHECK sr (*after_mic)(void *pkg_ctx);
    /* Initiator, before the first step (may be NULL): SR_OK when the mech's
     * credential (pkg_cred of package pkg) is worth trying now, else the
     * error trying it would end with, known without trying (Kerberos: its
     * realm has no KDC, krb_spnego_kdc_unavailable); the mech is then
     * skipped as if its first step had failed with that error. */
    sr_code (*cred_unusable)(const sspi_package *pkg, void *pkg_cred);
} nego_mech;

/* The table, in Windows' preference order (Kerberos, then NTLM). */
extern const nego_mech nego_mechs[];
extern const size_t nego_mech_count;

/* The registered package of a mech, or NULL when it is not compiled in. */
const sspi_package *nego_mech_package(const nego_mech *m);
/* The mech an OID names (any of its OIDs), or NULL (e.g. NegoEx). */
const nego_mech *nego_mech_by_oid(gss_view oid);
/* The mech for a package name (case-insensitive), or NULL. */
const nego_mech *nego_mech_by_name(const char *name);

/* ---- NTLM side (src/packages/ntlm/ntlm_spnego.c) ----------------------- */

/* pkg_ctx is an NTLM package context (ntlm_context *). */
bool ntlm_spnego_mic_available(void *pkg_ctx);
/* NTLMSSP_MESSAGE_SIGNATURE over data with the outgoing signing state. */
SR_MUST_CHECK sr ntlm_spnego_make_mic(void *pkg_ctx, const uint8_t *data, size_t len,
                                      uint8_t sig[16]);
/* Check a peer's signature with the incoming state: SR_MESSAGE_ALTERED. */
SR_MUST_CHECK sr ntlm_spnego_verify_mic(void *pkg_ctx, const uint8_t *data, size_t len,
                                        const uint8_t *sig, size_t sig_len);
/* Put the RC4 handles of both directions back to their start (sequence
 * numbers unchanged). */
SR_MUST_CHECK sr ntlm_spnego_reset(void *pkg_ctx);

/* ---- Kerberos side (provided by src/packages/kerberos when written) ----
 * Weak: the library links without them; Negotiate then treats Kerberos as
 * a mechanism without mechListMIC support. */
bool krb_spnego_mic_available(void *pkg_ctx) __attribute__((weak));
SR_MUST_CHECK sr krb_spnego_make_mic(void *pkg_ctx, const uint8_t *data, size_t len,
                                     uint8_t **mic, size_t *mic_len) __attribute__((weak));
SR_MUST_CHECK sr krb_spnego_verify_mic(void *pkg_ctx, const uint8_t *data, size_t len,
                                       const uint8_t *mic, size_t mic_len) __attribute__((weak));
/* pkg_cred is a credential of package pkg (the Kerberos package's, else
 * the answer is false): true when its first token would need a KDC of a
 * realm the KDC negative cache (kerberos/krb_kdc_cache.h) knows to have
 * none; the initiator then skips Kerberos at once (Windows: the logon
 * session remembers that no DC answered). Absent: always tried. */
bool krb_spnego_kdc_unavailable(const sspi_package *pkg, void *pkg_cred) __attribute__((weak));

#endif
