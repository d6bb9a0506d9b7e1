/*
 * Token decoder behind `sspi decode` (static library sspi_decode).
 *
 * This header is the decoder's only interface to the tool: plain C types,
 * no internal header. The implementation (tools/sspi/decode/decode_*.c)
 * includes the library's internal codecs (NTLM wire + crypto, SPNEGO, DER)
 * and links sspi_internal, so the tool explains tokens with the very parser
 * the library uses; there is no second parser.
 */
#ifndef LIBSSPI_TOOL_DECODE_H
#define LIBSSPI_TOOL_DECODE_H

#include <stddef.h>
#include <stdio.h>

typedef struct sspi_decode_options {
    int json; /* 1: one JSON object instead of text */
    /* Verification of an NTLM AUTHENTICATE (all optional): */
    const char *password; /* UTF-8, password_len bytes; NULL: no verification */
    size_t password_len;
    const char *user; /* "DOMAIN\\user" or "user": overrides the message's names */
    const unsigned char *challenge; /* CHALLENGE token (raw/SPNEGO) or the 8-byte challenge */
    size_t challenge_len;
    const unsigned char *negotiate; /* NEGOTIATE token (raw/SPNEGO), for the MIC */
    size_t negotiate_len;
} sspi_decode_options;

/* Result bits of sspi_decode. */
#define SSPI_DECODE_OK 0
#define SSPI_DECODE_MALFORMED 1     /* a token (or --challenge/--negotiate) did not parse */
#define SSPI_DECODE_UNKNOWN 2       /* not a token this decoder recognises */
#define SSPI_DECODE_CHECK_FAILED 4  /* NTProofStr / LMv2 / MIC verification failed */
#define SSPI_DECODE_NOT_VERIFIED 8  /* a password was given but nothing used it */

/* Explain token (len bytes) on out. Never reads outside the token. */
int sspi_decode(const unsigned char *token, size_t len, const sspi_decode_options *opt, FILE *out);

#endif
