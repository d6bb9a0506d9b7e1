/*
 * Attribute answers shared by the packages (and the API layer's
 * SECPKG_ATTR_PACKAGE_INFO fallback): they fill the caller's A or W
 * structure (`unicode` picks the flavour, as in the package contract) with
 * strings and blocks from caller memory (core/memory.h), so that
 * FreeContextBuffer releases them. On failure nothing is left allocated and
 * the caller's structure is not written.
 */
#ifndef LIBSSPI_PACKAGES_PKG_ATTRS_H
#define LIBSSPI_PACKAGES_PKG_ATTRS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sspi.h>

#include "core/result.h"
#include "packages/package.h"

/* Set member `field` of the caller's structure TYPE##W (unicode) or TYPE##A
 * at `buffer` to `value`. */
#define PKG_SET_AW(buffer, unicode, TYPE, field, value)                                        \
    do {                                                                                       \
        if (unicode)                                                                           \
            ((TYPE##W *)(buffer))->field = (value);                                            \
        else                                                                                   \
            ((TYPE##A *)(buffer))->field = (value);                                            \
    } while (0)

/* n SecPkgInfoA/W entries followed by their Name/Comment strings, in ONE
 * caller block (one FreeContextBuffer releases everything, as on Windows). */
SR_MUST_CHECK sr pkg_info_block(const sspi_package *const *pkgs, size_t n, bool unicode,
                                void **out);

/* The attributes that describe the authenticated session (names, keys,
 * authority): SEC_E_NO_CONTEXT until the handshake is done. */
bool pkg_attr_needs_session(ULONG attribute);

/* Two caller strings (NULL is ""): both or neither. */
SR_MUST_CHECK sr pkg_caller_strings(const char *a, const char *b, bool unicode, void **sa,
                                    void **sb);

/* A string attribute argument (SetContext/SetCredentialsAttributes): char*
 * (A) or SEC_WCHAR* (W), bounded by buffer_len bytes, as heap UTF-8. */
/* (Lead: src/packages/kerberos/krb_creds.c still has its own copies of
 * this reader (read_string), of pkg_cred_attr_names and of a
 * SecPkgCredentials_LibsspiString setter (put_string); switch it once the
 * async Kerberos work there has landed.) */
SR_MUST_CHECK sr pkg_attr_read_string(const void *buffer, ULONG buffer_len, bool unicode,
                                      char **out);

/* SecPkgContext_PackageInfo (SECPKG_ATTR_PACKAGE_INFO, _NEGOTIATION_PACKAGE). */
SR_MUST_CHECK sr pkg_attr_package_info(const sspi_package *p, void *buffer, bool unicode);
/* SecPkgContext_NegotiationInfo: p's SecPkgInfo and `state`. */
SR_MUST_CHECK sr pkg_attr_negotiation_info(const sspi_package *p, ULONG state, void *buffer,
                                           bool unicode);
/* SecPkgContext_Names. */
SR_MUST_CHECK sr pkg_attr_names(const char *user, void *buffer, bool unicode);
/* SecPkgContext_NativeNames. */
SR_MUST_CHECK sr pkg_attr_native_names(const char *client, const char *server, void *buffer,
                                       bool unicode);
/* SecPkgContext_Authority. */
SR_MUST_CHECK sr pkg_attr_authority(const char *authority, void *buffer, bool unicode);
/* SecPkgContext_LibsspiString (libsspi's string attributes). */
SR_MUST_CHECK sr pkg_attr_libsspi_string(const char *value, void *buffer, bool unicode);
/* SecPkgContext_SessionKey: a caller copy of key[0..len). */
SR_MUST_CHECK sr pkg_attr_session_key(const uint8_t *key, size_t len, void *buffer);

/* SecPkgContext_KeyInfo. */
typedef struct pkg_key_info {
    const char *sig_name, *enc_name;
    ULONG key_size, sig_alg, enc_alg;
} pkg_key_info;
SR_MUST_CHECK sr pkg_attr_key_info(const pkg_key_info *k, void *buffer, bool unicode);

/* SecPkgCredentials_Names (SECPKG_CRED_ATTR_NAMES). */
SR_MUST_CHECK sr pkg_cred_attr_names(const char *user, void *buffer, bool unicode);

#endif
