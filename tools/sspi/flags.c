/*
 * Flag names for messages: SECPKG_FLAG_*, ISC_REQ_* / ISC_RET_*,
 * ASC_REQ_* / ASC_RET_*. Values are the Windows ones (sspi.h as documented
 * by Microsoft), written out so that the tool can name bits the library does
 * not use yet. Only 32-bit flags are listed (the 64-bit ISC_RET_MESSAGES &
 * co. do not fit the ULONG the API passes).
 */
#include <stdio.h>
#include <string.h>

#include "tool.h"

const tool_flag_name tool_secpkg_flags[] = {
    {0x00000001u, "SECPKG_FLAG_INTEGRITY"},
    {0x00000002u, "SECPKG_FLAG_PRIVACY"},
    {0x00000004u, "SECPKG_FLAG_TOKEN_ONLY"},
    {0x00000008u, "SECPKG_FLAG_DATAGRAM"},
    {0x00000010u, "SECPKG_FLAG_CONNECTION"},
    {0x00000020u, "SECPKG_FLAG_MULTI_REQUIRED"},
    {0x00000040u, "SECPKG_FLAG_CLIENT_ONLY"},
    {0x00000080u, "SECPKG_FLAG_EXTENDED_ERROR"},
    {0x00000100u, "SECPKG_FLAG_IMPERSONATION"},
    {0x00000200u, "SECPKG_FLAG_ACCEPT_WIN32_NAME"},
    {0x00000400u, "SECPKG_FLAG_STREAM"},
    {0x00000800u, "SECPKG_FLAG_NEGOTIABLE"},
    {0x00001000u, "SECPKG_FLAG_GSS_COMPATIBLE"},
    {0x00002000u, "SECPKG_FLAG_LOGON"},
    {0x00004000u, "SECPKG_FLAG_ASCII_BUFFERS"},
    {0x00008000u, "SECPKG_FLAG_FRAGMENT"},
    {0x00010000u, "SECPKG_FLAG_MUTUAL_AUTH"},
    {0x00020000u, "SECPKG_FLAG_DELEGATION"},
    {0x00040000u, "SECPKG_FLAG_READONLY_WITH_CHECKSUM"},
    {0x00080000u, "SECPKG_FLAG_RESTRICTED_TOKENS"},
    {0x00100000u, "SECPKG_FLAG_NEGO_EXTENDER"},
    {0x00200000u, "SECPKG_FLAG_NEGOTIABLE2"},
    {0x00400000u, "SECPKG_FLAG_APPCONTAINER_PASSTHROUGH"},
    {0x00800000u, "SECPKG_FLAG_APPCONTAINER_CHECKS"},
    {0x01000000u, "SECPKG_FLAG_CREDENTIAL_ISOLATION_ENABLED"},
    {0x02000000u, "SECPKG_FLAG_APPLY_LOOPBACK"},
    {0, NULL},
};

const tool_flag_name tool_isc_req_flags[] = {
    {0x00000001u, "ISC_REQ_DELEGATE"},
    {0x00000002u, "ISC_REQ_MUTUAL_AUTH"},
    {0x00000004u, "ISC_REQ_REPLAY_DETECT"},
    {0x00000008u, "ISC_REQ_SEQUENCE_DETECT"},
    {0x00000010u, "ISC_REQ_CONFIDENTIALITY"},
    {0x00000020u, "ISC_REQ_USE_SESSION_KEY"},
    {0x00000040u, "ISC_REQ_PROMPT_FOR_CREDS"},
    {0x00000080u, "ISC_REQ_USE_SUPPLIED_CREDS"},
    {0x00000100u, "ISC_REQ_ALLOCATE_MEMORY"},
    {0x00000200u, "ISC_REQ_USE_DCE_STYLE"},
    {0x00000400u, "ISC_REQ_DATAGRAM"},
    {0x00000800u, "ISC_REQ_CONNECTION"},
    {0x00001000u, "ISC_REQ_CALL_LEVEL"},
    {0x00002000u, "ISC_REQ_FRAGMENT_SUPPLIED"},
    {0x00004000u, "ISC_REQ_EXTENDED_ERROR"},
    {0x00008000u, "ISC_REQ_STREAM"},
    {0x00010000u, "ISC_REQ_INTEGRITY"},
    {0x00020000u, "ISC_REQ_IDENTIFY"},
    {0x00040000u, "ISC_REQ_NULL_SESSION"},
    {0x00080000u, "ISC_REQ_MANUAL_CRED_VALIDATION"},
    {0x00100000u, "ISC_REQ_RESERVED1"},
    {0x00200000u, "ISC_REQ_FRAGMENT_TO_FIT"},
    {0x00400000u, "ISC_REQ_FORWARD_CREDENTIALS"},
    {0x00800000u, "ISC_REQ_NO_INTEGRITY"},
    {0x01000000u, "ISC_REQ_USE_HTTP_STYLE"},
    {0x20000000u, "ISC_REQ_UNVERIFIED_TARGET_NAME"},
    {0x40000000u, "ISC_REQ_CONFIDENTIALITY_ONLY"},
    {0, NULL},
};

const tool_flag_name tool_isc_ret_flags[] = {
    {0x00000001u, "ISC_RET_DELEGATE"},
    {0x00000002u, "ISC_RET_MUTUAL_AUTH"},
    {0x00000004u, "ISC_RET_REPLAY_DETECT"},
    {0x00000008u, "ISC_RET_SEQUENCE_DETECT"},
    {0x00000010u, "ISC_RET_CONFIDENTIALITY"},
    {0x00000020u, "ISC_RET_USE_SESSION_KEY"},
    {0x00000040u, "ISC_RET_USED_COLLECTED_CREDS"},
    {0x00000080u, "ISC_RET_USED_SUPPLIED_CREDS"},
    {0x00000100u, "ISC_RET_ALLOCATED_MEMORY"},
    {0x00000200u, "ISC_RET_USED_DCE_STYLE"},
    {0x00000400u, "ISC_RET_DATAGRAM"},
    {0x00000800u, "ISC_RET_CONNECTION"},
    {0x00001000u, "ISC_RET_INTERMEDIATE_RETURN"},
    {0x00002000u, "ISC_RET_CALL_LEVEL"},
    {0x00004000u, "ISC_RET_EXTENDED_ERROR"},
    {0x00008000u, "ISC_RET_STREAM"},
    {0x00010000u, "ISC_RET_INTEGRITY"},
    {0x00020000u, "ISC_RET_IDENTIFY"},
    {0x00040000u, "ISC_RET_NULL_SESSION"},
    {0x00080000u, "ISC_RET_MANUAL_CRED_VALIDATION"},
    {0x00100000u, "ISC_RET_RESERVED1"},
    {0x00200000u, "ISC_RET_FRAGMENT_ONLY"},
    {0x00400000u, "ISC_RET_FORWARD_CREDENTIALS"},
    {0x01000000u, "ISC_RET_USED_HTTP_STYLE"},
    {0x02000000u, "ISC_RET_NO_ADDITIONAL_TOKEN"},
    {0x08000000u, "ISC_RET_REAUTHENTICATION"},
    {0x40000000u, "ISC_RET_CONFIDENTIALITY_ONLY"},
    {0, NULL},
};

const tool_flag_name tool_asc_req_flags[] = {
    {0x00000001u, "ASC_REQ_DELEGATE"},
    {0x00000002u, "ASC_REQ_MUTUAL_AUTH"},
    {0x00000004u, "ASC_REQ_REPLAY_DETECT"},
    {0x00000008u, "ASC_REQ_SEQUENCE_DETECT"},
    {0x00000010u, "ASC_REQ_CONFIDENTIALITY"},
    {0x00000020u, "ASC_REQ_USE_SESSION_KEY"},
    {0x00000040u, "ASC_REQ_SESSION_TICKET"},
    {0x00000100u, "ASC_REQ_ALLOCATE_MEMORY"},
    {0x00000200u, "ASC_REQ_USE_DCE_STYLE"},
    {0x00000400u, "ASC_REQ_DATAGRAM"},
    {0x00000800u, "ASC_REQ_CONNECTION"},
    {0x00001000u, "ASC_REQ_CALL_LEVEL"},
    {0x00002000u, "ASC_REQ_FRAGMENT_SUPPLIED"},
    {0x00008000u, "ASC_REQ_EXTENDED_ERROR"},
    {0x00010000u, "ASC_REQ_STREAM"},
    {0x00020000u, "ASC_REQ_INTEGRITY"},
    {0x00040000u, "ASC_REQ_LICENSING"},
    {0x00080000u, "ASC_REQ_IDENTIFY"},
    {0x00100000u, "ASC_REQ_ALLOW_NULL_SESSION"},
    {0x00200000u, "ASC_REQ_ALLOW_NON_USER_LOGONS"},
    {0x00400000u, "ASC_REQ_ALLOW_CONTEXT_REPLAY"},
    {0x00800000u, "ASC_REQ_FRAGMENT_TO_FIT"},
    {0x01000000u, "ASC_REQ_NO_TOKEN"},
    {0x04000000u, "ASC_REQ_PROXY_BINDINGS"},
    {0x10000000u, "ASC_REQ_ALLOW_MISSING_BINDINGS"},
    {0, NULL},
};

const tool_flag_name tool_asc_ret_flags[] = {
    {0x00000001u, "ASC_RET_DELEGATE"},
    {0x00000002u, "ASC_RET_MUTUAL_AUTH"},
    {0x00000004u, "ASC_RET_REPLAY_DETECT"},
    {0x00000008u, "ASC_RET_SEQUENCE_DETECT"},
    {0x00000010u, "ASC_RET_CONFIDENTIALITY"},
    {0x00000020u, "ASC_RET_USE_SESSION_KEY"},
    {0x00000040u, "ASC_RET_SESSION_TICKET"},
    {0x00000100u, "ASC_RET_ALLOCATED_MEMORY"},
    {0x00000200u, "ASC_RET_USED_DCE_STYLE"},
    {0x00000400u, "ASC_RET_DATAGRAM"},
    {0x00000800u, "ASC_RET_CONNECTION"},
    {0x00002000u, "ASC_RET_CALL_LEVEL"},
    {0x00004000u, "ASC_RET_THIRD_LEG_FAILED"},
    {0x00008000u, "ASC_RET_EXTENDED_ERROR"},
    {0x00010000u, "ASC_RET_STREAM"},
    {0x00020000u, "ASC_RET_INTEGRITY"},
    {0x00040000u, "ASC_RET_LICENSING"},
    {0x00080000u, "ASC_RET_IDENTIFY"},
    {0x00100000u, "ASC_RET_NULL_SESSION"},
    {0x00200000u, "ASC_RET_ALLOW_NON_USER_LOGONS"},
    {0x00400000u, "ASC_RET_ALLOW_CONTEXT_REPLAY"},
    {0x00800000u, "ASC_RET_FRAGMENT_ONLY"},
    {0x01000000u, "ASC_RET_NO_TOKEN"},
    {0x02000000u, "ASC_RET_NO_ADDITIONAL_TOKEN"},
    {0, NULL},
};

/* Append s to buf (used bytes *pos, capacity len); on overflow end the
 * buffer with "..." and return 0. */
static int append(char *buf, size_t len, size_t *pos, const char *s) {
    size_t n = strlen(s);
    if (*pos + n + 1 > len) {
        if (len >= 4) {
            size_t at = *pos + 4 <= len ? *pos : len - 4;
            memcpy(buf + at, "...", 4);
            *pos = at + 3;
        }
        return 0;
    }
    memcpy(buf + *pos, s, n + 1);
    *pos += n;
    return 1;
}

const char *tool_flags_format(const tool_flag_name *table, uint32_t flags, const char *strip,
                              const char *sep, char *buf, size_t len) {
    size_t pos = 0;
    size_t strip_len = strip ? strlen(strip) : 0;
    uint32_t known = 0;
    int first = 1;
    if (len == 0) return buf;
    buf[0] = '\0';
    if (flags == 0) {
        append(buf, len, &pos, "0");
        return buf;
    }
    for (const tool_flag_name *f = table; f->name; f++) {
        const char *name = f->name;
        if (!(flags & f->value)) continue;
        known |= f->value;
        if (strip_len && strncmp(name, strip, strip_len) == 0) name += strip_len;
        if (!first && !append(buf, len, &pos, sep)) return buf;
        if (!append(buf, len, &pos, name)) return buf;
        first = 0;
    }
    if (flags & ~known) {
        char hex[16];
        snprintf(hex, sizeof hex, "0x%08x", (unsigned)(flags & ~known));
        if (!first && !append(buf, len, &pos, sep)) return buf;
        append(buf, len, &pos, hex);
    }
    return buf;
}
