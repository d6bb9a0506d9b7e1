/*
 * NTLM wire codec (MS-NLMP 2.2): NEGOTIATE, CHALLENGE, AUTHENTICATE, AV_PAIR
 * lists, VERSION, and the NTLMv2 client challenge ("blob"). Pure data: no
 * crypto, no context. Every byte goes through the shared cursor
 * (wire/cursor.h). Parsers validate the whole message before returning and
 * return SR_INVALID_TOKEN for anything malformed (-> SEC_E_INVALID_TOKEN).
 * Views (ntlm_bytes) point into the caller's input buffer.
 */
#ifndef LIBSSPI_NTLM_WIRE_H
#define LIBSSPI_NTLM_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/result.h"
#include "wire/cursor.h"

/* MS-NLMP 2.2.2.5 NEGOTIATE flags. */
#define NTLMSSP_NEGOTIATE_UNICODE 0x00000001u                  /* A */
#define NTLMSSP_NEGOTIATE_OEM 0x00000002u                      /* B */
#define NTLMSSP_REQUEST_TARGET 0x00000004u                     /* C */
#define NTLMSSP_NEGOTIATE_SIGN 0x00000010u                     /* D */
#define NTLMSSP_NEGOTIATE_SEAL 0x00000020u                     /* E */
#define NTLMSSP_NEGOTIATE_DATAGRAM 0x00000040u                 /* F */
#define NTLMSSP_NEGOTIATE_LM_KEY 0x00000080u                   /* G */
#define NTLMSSP_NEGOTIATE_NTLM 0x00000200u                     /* H */
#define NTLMSSP_ANONYMOUS 0x00000800u                          /* J */
#define NTLMSSP_NEGOTIATE_OEM_DOMAIN_SUPPLIED 0x00001000u      /* K */
#define NTLMSSP_NEGOTIATE_OEM_WORKSTATION_SUPPLIED 0x00002000u /* L */
#define NTLMSSP_NEGOTIATE_ALWAYS_SIGN 0x00008000u              /* M */
#define NTLMSSP_TARGET_TYPE_DOMAIN 0x00010000u                 /* N */
#define NTLMSSP_TARGET_TYPE_SERVER 0x00020000u                 /* O */
#define NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY 0x00080000u /* P */
#define NTLMSSP_NEGOTIATE_IDENTIFY 0x00100000u                 /* Q */
#define NTLMSSP_REQUEST_NON_NT_SESSION_KEY 0x00400000u         /* R */
#define NTLMSSP_NEGOTIATE_TARGET_INFO 0x00800000u              /* S */
#define NTLMSSP_NEGOTIATE_VERSION 0x02000000u                  /* T */
#define NTLMSSP_NEGOTIATE_128 0x20000000u                      /* U */
#define NTLMSSP_NEGOTIATE_KEY_EXCH 0x40000000u                 /* V */
#define NTLMSSP_NEGOTIATE_56 0x80000000u                       /* W */

#define NTLM_MSG_NEGOTIATE 1u
#define NTLM_MSG_CHALLENGE 2u
#define NTLM_MSG_AUTHENTICATE 3u

/* MS-NLMP 2.2.2.1 AV_PAIR ids. */
#define NTLM_AV_EOL 0x0000u
#define NTLM_AV_NB_COMPUTER_NAME 0x0001u
#define NTLM_AV_NB_DOMAIN_NAME 0x0002u
#define NTLM_AV_DNS_COMPUTER_NAME 0x0003u
#define NTLM_AV_DNS_DOMAIN_NAME 0x0004u
#define NTLM_AV_DNS_TREE_NAME 0x0005u
#define NTLM_AV_FLAGS 0x0006u
#define NTLM_AV_TIMESTAMP 0x0007u
#define NTLM_AV_SINGLE_HOST 0x0008u
#define NTLM_AV_TARGET_NAME 0x0009u
#define NTLM_AV_CHANNEL_BINDINGS 0x000au

/* MsvAvFlags bits (MS-NLMP 2.2.2.1). */
#define NTLM_AVFLAG_CONSTRAINED 0x00000001u
#define NTLM_AVFLAG_MIC_PRESENT 0x00000002u
#define NTLM_AVFLAG_UNTRUSTED_SPN 0x00000004u

#define NTLM_VERSION_LEN 8
#define NTLM_MIC_LEN 16
#define NTLM_CHALLENGE_LEN 8
/* AUTHENTICATE header sizes: without VERSION 64, with VERSION 72, with
 * VERSION and MIC 88 (MS-NLMP 2.2.1.3). The MIC sits at offset 72. */
#define NTLM_AUTH_MIC_OFFSET 72
#define NTLM_MAX_MESSAGE 65535 /* payload offsets/lengths are 16/32-bit */

typedef struct ntlm_bytes {
    const uint8_t *data; /* NULL when len == 0 */
    size_t len;
} ntlm_bytes;

/* MS-NLMP 2.2.2.10 VERSION: ProductMajor, ProductMinor, ProductBuild (LE16),
 * Reserved[3], NTLMRevisionCurrent (15). Kept as its 8 raw bytes. */
typedef struct ntlm_version {
    uint8_t bytes[NTLM_VERSION_LEN];
} ntlm_version;

/* What this library announces: Windows 10 (10.0 build 19041), rev 15. */
void ntlm_version_default(ntlm_version *v);

typedef struct ntlm_negotiate_msg {
    uint32_t flags;
    ntlm_bytes domain;      /* OEM, only if OEM_DOMAIN_SUPPLIED */
    ntlm_bytes workstation; /* OEM, only if OEM_WORKSTATION_SUPPLIED */
    bool has_version;
    ntlm_version version;
} ntlm_negotiate_msg;

typedef struct ntlm_challenge_msg {
    uint32_t flags;
    ntlm_bytes target_name;
    uint8_t server_challenge[NTLM_CHALLENGE_LEN];
    ntlm_bytes target_info; /* raw AV_PAIR list */
    bool has_version;
    ntlm_version version;
} ntlm_challenge_msg;

typedef struct ntlm_authenticate_msg {
    uint32_t flags;
    ntlm_bytes lm_response;
    ntlm_bytes nt_response;
    ntlm_bytes domain;
    ntlm_bytes user;
    ntlm_bytes workstation;
    ntlm_bytes encrypted_session_key;
    bool has_version;
    ntlm_version version;
    /* A MIC field is present when the payload starts at or after byte 88
     * (Windows; Chromium sends it with a zeroed VERSION slot and without the
     * VERSION flag). The VERSION flag only decides has_version. Whether the
     * MIC must be checked is decided from MsvAvFlags in the NT response. */
    bool has_mic_field;
    uint8_t mic[NTLM_MIC_LEN];
} ntlm_authenticate_msg;

/* Parse a whole message (signature "NTLMSSP\0", MessageType, header fields,
 * payload offsets within the message, overflow-safe, flag consistency). */
SR_MUST_CHECK sr ntlm_parse_negotiate(const uint8_t *msg, size_t len, ntlm_negotiate_msg *out);
SR_MUST_CHECK sr ntlm_parse_challenge(const uint8_t *msg, size_t len, ntlm_challenge_msg *out);
SR_MUST_CHECK sr ntlm_parse_authenticate(const uint8_t *msg, size_t len,
                                         ntlm_authenticate_msg *out);
/* Message type of a token that starts with the NTLMSSP signature, or 0. */
uint32_t ntlm_message_type(const uint8_t *msg, size_t len);

/* Builders: write the whole message into w (header, then payload in the
 * Windows order). The VERSION field is written iff the flags carry
 * NTLMSSP_NEGOTIATE_VERSION. */
SR_MUST_CHECK sr ntlm_build_negotiate(const ntlm_negotiate_msg *m, wire_writer *w);
SR_MUST_CHECK sr ntlm_build_challenge(const ntlm_challenge_msg *m, wire_writer *w);
/* with_mic_field: reserve the 16-byte MIC (zeroed) at NTLM_AUTH_MIC_OFFSET;
 * the caller computes the MIC over the finished message and patches it. */
SR_MUST_CHECK sr ntlm_build_authenticate(const ntlm_authenticate_msg *m, bool with_mic_field,
                                         wire_writer *w);

/* AV_PAIR lists (MS-NLMP 2.2.2.1). Strict: each pair within bounds, the list
 * ends with exactly one MsvAvEOL (length 0) and nothing after it, fixed-size
 * pairs have their size (Flags 4, Timestamp 8, ChannelBindings 16,
 * SingleHost >= 48), no duplicate ids. Unknown ids are kept (skipped). */
typedef struct ntlm_av_info {
    ntlm_bytes nb_computer, nb_domain, dns_computer, dns_domain, dns_tree;
    ntlm_bytes target_name; /* UTF-16LE */
    ntlm_bytes single_host;
    bool has_flags;
    uint32_t flags;
    bool has_timestamp;
    uint64_t timestamp; /* FILETIME */
    bool has_channel_bindings;
    uint8_t channel_bindings[16];
} ntlm_av_info;

SR_MUST_CHECK sr ntlm_av_parse(const uint8_t *list, size_t len, ntlm_av_info *out);
/* Iterate: returns SR_OK with *id/value for each pair, including the final
 * MsvAvEOL (after which the caller stops). Bounds-checked. */
SR_MUST_CHECK sr ntlm_av_next(wire_reader *r, uint16_t *id, ntlm_bytes *value);
SR_MUST_CHECK sr ntlm_av_write(wire_writer *w, uint16_t id, const void *value, size_t len);
SR_MUST_CHECK sr ntlm_av_write_eol(wire_writer *w);

/* MS-NLMP 2.2.2.7 NTLMv2_CLIENT_CHALLENGE ("temp" in 3.3.2):
 * RespType 1, HiRespType 1, Z(6), TimeStamp, ChallengeFromClient, Z(4),
 * AvPairs, Z(4). */
typedef struct ntlm_v2_blob {
    uint64_t timestamp;
    uint8_t client_challenge[8];
    ntlm_bytes av_pairs; /* the AV list inside the blob (ends with EOL) */
} ntlm_v2_blob;

/* Split an NTLMv2 NtChallengeResponse into NTProofStr (16 bytes) and the
 * blob; parse the blob header and validate its AV list. */
SR_MUST_CHECK sr ntlm_parse_v2_response(const uint8_t *resp, size_t len,
                                        const uint8_t **nt_proof, ntlm_bytes *blob,
                                        ntlm_v2_blob *parsed);
/* Write the blob ("temp") with the given timestamp, client challenge and a
 * complete AV list (which must end with EOL). */
SR_MUST_CHECK sr ntlm_write_v2_blob(wire_writer *w, uint64_t timestamp,
                                    const uint8_t client_challenge[8], const uint8_t *av_pairs,
                                    size_t av_len);

#endif
