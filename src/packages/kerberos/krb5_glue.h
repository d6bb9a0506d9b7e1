/*
 * The one door to MIT krb5 (libkrb5): krb5_glue.c is the only file of
 * libsspi that includes <krb5.h>. It exposes, with libsspi's own types, just
 * what the Kerberos package needs:
 *   - principals (user names, Windows-style target names);
 *   - credential caches (default / collection / private MEMORY caches) and
 *     keytabs;
 *   - KDC exchanges as step engines (krb5_init_creds_step /
 *     krb5_tkt_creds_step): the glue never sends a packet; krb_transport.c
 *     moves the bytes (see kg_exchange_step);
 *   - the AP exchange (AP-REQ, AP-REP, KRB-ERROR, KRB-CRED) with the keys
 *     and sequence numbers handed out as raw bytes (krb_key);
 *   - KDC addresses from the profile (krb5.conf).
 * Every krb5 error is mapped to an sr here (kg_map_error); the krb5 message
 * of the last failure is kept in the kg_ctx for logs.
 *
 * A kg_ctx (one krb5_context) is NOT thread-safe: its owner serialises the
 * calls (the credential's lock).
 */
#ifndef LIBSSPI_KRB5_GLUE_H
#define LIBSSPI_KRB5_GLUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/result.h"
#include "krb_crypto.h"

typedef struct kg_ctx kg_ctx;
typedef struct kg_principal kg_principal;
typedef struct kg_ccache kg_ccache;
typedef struct kg_keytab kg_keytab;
typedef struct kg_ticket kg_ticket;
typedef struct kg_exchange kg_exchange;
typedef struct kg_auth kg_auth;

/* malloc'd bytes; kg_buf_free wipes. */
typedef struct kg_buf {
    uint8_t *data;
    size_t len;
} kg_buf;
void kg_buf_free(kg_buf *b);

/* Ticket times, seconds since the Unix epoch. */
typedef struct kg_times {
    int64_t authtime, starttime, endtime, renew_till;
} kg_times;

/* Ticket flags (RFC 4120 5.3, bit 0 = MSB as krb5 numbers them). */
#define KG_TKT_FLG_FORWARDABLE 0x40000000u
#define KG_TKT_FLG_FORWARDED 0x20000000u
#define KG_TKT_FLG_OK_AS_DELEGATE 0x00040000u

/* A new krb5 context. Every KDC exchange is a step engine (below) whose
 * bytes krb_transport.c or the event loop move; libkrb5's own KDC transport
 * is never used (a krb5 call that would reach a KDC by itself is refused:
 * krb5_set_kdc_send_hook). */
SR_MUST_CHECK sr kg_ctx_new(kg_ctx **out);
void kg_ctx_free(kg_ctx *k);
/* The krb5 message of the last failure ("" if none). */
const char *kg_last_message(const kg_ctx *k);
/* The krb5 error code of the last failure (0 if none). */
int32_t kg_last_code(const kg_ctx *k);
/* Map a krb5 error code to an sr (exposed for tests). */
sr_code kg_map_error(int32_t code);

/* ---- principals ---- */
/* A user name: "user", "user@REALM" (no realm: the default realm). */
SR_MUST_CHECK sr kg_principal_parse(kg_ctx *k, const char *name, kg_principal **out);
/* A target name as Windows accepts it: "svc/host", "svc/host@REALM",
 * "svc/host:port", "user@REALM". Without a realm the host's realm comes from
 * [domain_realm]; if none, the referral realm (the KDC says). */
SR_MUST_CHECK sr kg_principal_target(kg_ctx *k, const char *target, kg_principal **out);
SR_MUST_CHECK sr kg_principal_unparse(kg_ctx *k, const kg_principal *p, char **out);
/* Realm of p (malloc'd). */
SR_MUST_CHECK sr kg_principal_realm(kg_ctx *k, const kg_principal *p, char **out);
/* The first component without realm ("alice" of alice@R, "HTTP/h" of HTTP/h@R). */
SR_MUST_CHECK sr kg_principal_name_only(kg_ctx *k, const kg_principal *p, char **out);
SR_MUST_CHECK sr kg_principal_copy(kg_ctx *k, const kg_principal *p, kg_principal **out);
bool kg_principal_equal(kg_ctx *k, const kg_principal *a, const kg_principal *b);
void kg_principal_free(kg_ctx *k, kg_principal *p);

/* ---- credential caches ---- */
/* The default ccache (KRB5CCNAME...), or when `client` is given the cache of
 * the collection holding that client. SR_NO_CREDENTIALS if none. */
SR_MUST_CHECK sr kg_ccache_default(kg_ctx *k, const kg_principal *client, kg_ccache **out);
SR_MUST_CHECK sr kg_ccache_resolve(kg_ctx *k, const char *name, kg_ccache **out);
/* A new private, empty MEMORY cache. */
SR_MUST_CHECK sr kg_ccache_new_memory(kg_ctx *k, kg_ccache **out);
SR_MUST_CHECK sr kg_ccache_principal(kg_ctx *k, kg_ccache *cc, kg_principal **out);
/* "TYPE:residual", malloc'd. */
SR_MUST_CHECK sr kg_ccache_name(kg_ctx *k, kg_ccache *cc, char **out);
/* Times of the client's TGT in cc (SR_NO_CREDENTIALS if none). */
SR_MUST_CHECK sr kg_ccache_tgt_times(kg_ctx *k, kg_ccache *cc, kg_times *t);
void kg_ccache_close(kg_ctx *k, kg_ccache *cc);
void kg_ccache_destroy(kg_ctx *k, kg_ccache *cc);

/* ---- keytabs ---- */
/* name NULL: the default acceptor keytab (KRB5_KTNAME) or, with client
 * true, the default client keytab (KRB5_CLIENT_KTNAME). */
SR_MUST_CHECK sr kg_keytab_resolve(kg_ctx *k, const char *name, bool client, kg_keytab **out);
bool kg_keytab_has_content(kg_ctx *k, kg_keytab *kt);
/* The principal of the first entry (client keytab default identity). */
SR_MUST_CHECK sr kg_keytab_first_principal(kg_ctx *k, kg_keytab *kt, kg_principal **out);
/* Is there a key for p in kt? */
bool kg_keytab_has_principal(kg_ctx *k, kg_keytab *kt, const kg_principal *p);
void kg_keytab_close(kg_ctx *k, kg_keytab *kt);

/* ---- KDC exchanges (the engines; the transport moves the bytes) ---- */
typedef struct kg_kdc_request {
    const uint8_t *data; /* valid until the next step or free */
    size_t len;
    const char *realm;   /* NUL-terminated, same lifetime */
    bool tcp_only;       /* the KDC said KRB_ERR_RESPONSE_TOO_BIG: resend over TCP */
} kg_kdc_request;

/* AS exchange for `client` with a password or a keytab (exactly one). */
SR_MUST_CHECK sr kg_as_new(kg_ctx *k, const kg_principal *client, const char *password,
                           kg_keytab *kt, kg_exchange **out);
/* TGS exchange: a ticket for `server` with the TGT of cc (a ticket already
 * in cc is taken from there without the network). store: keep the new
 * tickets in cc; false leaves cc untouched (the package keeps service
 * tickets in its own per-credential cache, krb_creds.h). */
SR_MUST_CHECK sr kg_tgs_new(kg_ctx *k, kg_ccache *cc, const kg_principal *client,
                            const kg_principal *server, bool store, kg_exchange **out);
/* One step. reply: the KDC's answer to the previous request (NULL, 0 the
 * first time). On SR_OK: *done, or *req is the next request. Errors are
 * mapped (wrong password: SR_LOGON_DENIED, unknown server: SR_TARGET_UNKNOWN,
 * ...). */
SR_MUST_CHECK sr kg_exchange_step(kg_exchange *x, const uint8_t *reply, size_t reply_len,
                                  bool *done, kg_kdc_request *req);
/* After an AS exchange: initialise cc with the client and store the TGT. */
SR_MUST_CHECK sr kg_as_store(kg_exchange *x, kg_ccache *cc);
/* Delegation: the TGS exchange for a forwarded TGT of client (RFC 4120 2.6:
 * krbtgt/REALM@REALM of the client's realm, KDC options FORWARDED |
 * FORWARDABLE, addressless) with the TGT of cc, a copy of which the
 * exchange keeps (cc is not used afterwards). Not krb5_tkt_creds_*, which
 * cannot ask for FORWARDED: the glue's own step engine (krb5_glue.c),
 * driven like the others. Fails at once (no request) when the TGT is not
 * FORWARDABLE or has expired. */
SR_MUST_CHECK sr kg_fwd_new(kg_ctx *k, kg_ccache *cc, const kg_principal *client,
                            kg_exchange **out);
/* Fuzzing and white-box tests of the reply parser (fuzz_krb_fwd_reply.c):
 * the exchange as kg_fwd_new leaves it once its request is made, from fixed
 * values instead of a ccache and random numbers: tgt (kg_ticket_new; its
 * client, server and session key are what the reply is checked against),
 * the authenticator's subkey and the nonce. No request bytes (a
 * RESPONSE_TOO_BIG answer asks for an empty one). Feed the KDC's reply with
 * kg_exchange_step. */
SR_MUST_CHECK sr kg_fwd_new_fixed(kg_ctx *k, const kg_ticket *tgt, const krb_key *subkey,
                                  int32_t nonce, kg_exchange **out);
/* After a TGS exchange (kg_tgs_new or kg_fwd_new): the ticket. */
SR_MUST_CHECK sr kg_tgs_ticket(kg_exchange *x, kg_ticket **out);
void kg_exchange_free(kg_exchange *x);

/* ---- tickets ---- */
/* Tickets are reference counted (atomically): kg_ticket_ref adds a
 * reference, kg_ticket_free drops one (the last frees). A ticket never
 * changes once made, so holders may read it concurrently; freeing the last
 * reference uses k like any other call (under its owner's lock). */
/* A cached ticket for client -> server in cc: SR_OK with *out NULL when not
 * cached. */
SR_MUST_CHECK sr kg_ticket_cached(kg_ctx *k, kg_ccache *cc, const kg_principal *client,
                                  const kg_principal *server, kg_ticket **out);
/* A ticket made up from its parts, without ticket bytes (unusable in an
 * AP-REQ): white-box tests of the ticket cache. session may be NULL. */
SR_MUST_CHECK sr kg_ticket_new(kg_ctx *k, const kg_principal *client, const kg_principal *server,
                               const kg_times *times, uint32_t flags, const krb_key *session,
                               kg_ticket **out);
kg_ticket *kg_ticket_ref(kg_ticket *t);
void kg_ticket_free(kg_ctx *k, kg_ticket *t);
void kg_ticket_times(const kg_ticket *t, kg_times *out);
uint32_t kg_ticket_flags(const kg_ticket *t);
int32_t kg_ticket_enctype(const kg_ticket *t);
SR_MUST_CHECK sr kg_ticket_server(kg_ctx *k, const kg_ticket *t, char **out);

/* ---- AP exchange ---- */
/* The GSS checksum (RFC 4121 4.1.1) is built by the caller: the glue calls
 * build() from inside krb5_mk_req_extended (when the session key is known),
 * passing the KRB-CRED of the delegated TGT when one was asked for. */
typedef sr (*kg_cksum_builder)(void *arg, const uint8_t *krb_cred, size_t krb_cred_len,
                               kg_buf *out);

typedef struct kg_ap_req_params {
    bool mutual;              /* AP_OPTS_MUTUAL_REQUIRED */
    bool dce;                 /* DCE style: sequence number conventions */
    uint32_t cksum_type;      /* 0x8003 */
    kg_cksum_builder build;
    void *build_arg;
    /* Delegation: the forwarded TGT (kg_fwd_new), sent as KRB-CRED in the
     * checksum (krb5_mk_1cred, in the session key). NULL: no delegation.
     * Best effort: should the KRB-CRED fail, build() gets NULL. */
    kg_ticket *fwd_tgt;
} kg_ap_req_params;

SR_MUST_CHECK sr kg_ap_req_make(kg_ctx *k, kg_ticket *ticket, const kg_ap_req_params *p,
                                kg_auth **auth, kg_buf *ap_req);
/* Verify the acceptor's AP-REP (mutual authentication). */
SR_MUST_CHECK sr kg_ap_rep_read(kg_ctx *k, kg_auth *a, const uint8_t *rep, size_t len);
/* DCE style third leg: the initiator's AP-REP (krb5_mk_rep_dce) and its
 * check by the acceptor (krb5_rd_rep_dce: our sequence number echoed, no
 * subkey). */
SR_MUST_CHECK sr kg_ap_rep_make_dce(kg_ctx *k, kg_auth *a, kg_buf *ap_rep);
SR_MUST_CHECK sr kg_ap_rep_read_dce(kg_ctx *k, kg_auth *a, const uint8_t *rep, size_t len);

typedef struct kg_ap_req_info {
    char *client;            /* "alice@REALM", malloc'd */
    char *server;            /* the ticket's server, malloc'd */
    bool mutual;             /* AP_OPTS_MUTUAL_REQUIRED */
    uint32_t cksum_type;
    kg_buf cksum;            /* the authenticator checksum's bytes */
    kg_times times;
    uint32_t ticket_flags;
} kg_ap_req_info;
void kg_ap_req_info_clear(kg_ap_req_info *i);

/* Decrypt and check an AP-REQ with kt (server NULL: any of its keys);
 * replay cache as configured (KRB5RCACHENAME...). Error codes: bad or
 * foreign key SR_LOGON_DENIED, skew SR_TIME_SKEW, replay SR_LOGON_DENIED,
 * malformed SR_INVALID_TOKEN. *krb_error_code gets the krb5 code for a
 * KRB-ERROR answer (0 if none applies). */
SR_MUST_CHECK sr kg_ap_req_read(kg_ctx *k, kg_keytab *kt, const kg_principal *server,
                                const uint8_t *req, size_t len, kg_auth **auth,
                                kg_ap_req_info *info, int32_t *krb_error_code);
/* AP-REP; with new_subkey the acceptor picks its own subkey (RFC 4121). */
SR_MUST_CHECK sr kg_ap_rep_make(kg_ctx *k, kg_auth *a, bool new_subkey, kg_buf *ap_rep);
/* Unpack a KRB-CRED (delegated credentials, encrypted in the session key)
 * into a new MEMORY ccache; *ccache_name is "MEMORY:...". */
SR_MUST_CHECK sr kg_auth_read_cred(kg_ctx *k, kg_auth *a, const uint8_t *cred, size_t len,
                                   char **ccache_name);

typedef struct kg_auth_keys {
    krb_key session;          /* the ticket's session key */
    bool has_initiator_subkey;
    krb_key initiator_subkey;
    bool has_acceptor_subkey;
    krb_key acceptor_subkey;
    uint32_t local_seq;       /* our first sequence number */
    uint32_t remote_seq;      /* the peer's first sequence number */
} kg_auth_keys;
/* Keys and sequence numbers of the AP exchange (is_server tells which side
 * the auth context is on). Wipe with kg_auth_keys_wipe. */
SR_MUST_CHECK sr kg_auth_get_keys(kg_ctx *k, kg_auth *a, bool is_server, kg_auth_keys *out);
void kg_auth_keys_wipe(kg_auth_keys *keys);
void kg_auth_free(kg_ctx *k, kg_auth *a);

/* A KRB-ERROR (from an acceptor) for `code` (a krb5 error code). */
SR_MUST_CHECK sr kg_krb_error_make(kg_ctx *k, int32_t code, const char *server, kg_buf *out);
/* Decode a KRB-ERROR: the krb5 error code in *code. */
SR_MUST_CHECK sr kg_krb_error_read(kg_ctx *k, const uint8_t *data, size_t len, int32_t *code);

/* ---- KDC location (profile) ---- */
typedef struct kg_kdc_list {
    char **hosts;   /* host names or addresses, malloc'd */
    uint16_t *ports;
    size_t count;
} kg_kdc_list;
/* [realms] REALM kdc = host[:port] entries (port default 88). SR_OK with
 * count 0 when the realm has none. */
SR_MUST_CHECK sr kg_realm_kdcs(kg_ctx *k, const char *realm, kg_kdc_list *out);
void kg_kdc_list_clear(kg_kdc_list *l);
/* [libdefaults] dns_lookup_kdc (default: dns_fallback, itself default
 * true, as MIT). */
bool kg_dns_lookup_kdc(kg_ctx *k);
/* [libdefaults] udp_preference_limit (default 1465). */
size_t kg_udp_preference_limit(kg_ctx *k);
SR_MUST_CHECK sr kg_default_realm(kg_ctx *k, char **out);
/* Clock skew allowed ([libdefaults] clockskew, default 300 s). */
int32_t kg_clockskew(kg_ctx *k);

/* krb5 error codes the package tests for (values of the krb5 error table). */
int32_t kg_code_ap_err_skew(void);
int32_t kg_code_ap_err_modified(void);
/* The acceptor could not use the ticket with its keys (MODIFIED, NOKEY,
 * BADKEYVER, NOT_US, WRONG_PRINC, keytab entry not found). */
bool kg_code_is_key_mismatch(int32_t code);
int32_t kg_code_response_too_big(void);

#endif
