/*
 * MIT krb5 behind libsspi's own types (see krb5_glue.h). The only file that
 * includes <krb5.h>. Nothing here does network I/O: KDC exchanges are run
 * step by step (krb5_init_creds_step / krb5_tkt_creds_step) and the bytes are
 * moved by krb_transport.c.
 */
#include "krb5_glue.h"

#include <errno.h>
#include <krb5.h>
#include <stdatomic.h>
#include <profile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "crypto/crypto.h"
#include "wire/der.h"

struct kg_ctx {
    krb5_context c;
    int32_t last_code;
    char msg[256];
};

struct kg_principal {
    krb5_principal p;
};

struct kg_ccache {
    krb5_ccache cc;
};

struct kg_keytab {
    krb5_keytab kt;
};

/* Reference counted (kg_ticket_ref): the credential's service ticket cache
 * and the contexts using a ticket share it; the creds are never changed
 * after creation. */
struct kg_ticket {
    atomic_uint refs;
    krb5_creds *creds;
};

/* KG_X_FWD: the TGS exchange for a forwarded TGT (delegation), which MIT's
 * step API cannot make (see "forwarded TGT" below). */
typedef enum { KG_X_AS, KG_X_TGS, KG_X_FWD } kg_x_kind;

struct kg_exchange {
    kg_ctx *k;
    kg_x_kind kind;
    krb5_init_creds_context icc;
    krb5_get_init_creds_opt *opt;
    krb5_tkt_creds_context tcc;
    krb5_data out;
    char *realm;
    bool complete;
    /* KG_X_FWD */
    krb5_creds *tgt;       /* the client's TGT (a copy) */
    krb_key subkey;        /* the TGS-REQ authenticator's subkey */
    int32_t nonce;
    kg_buf req;            /* the TGS-REQ */
    krb5_creds *fwd;       /* the forwarded TGT, once complete */
};

struct kg_auth {
    krb5_auth_context ac;
    bool is_server;
    bool has_init_subkey;
    krb_key init_subkey;
    bool has_acc_subkey;
    krb_key acc_subkey;
    bool mutual_done;
    krb_key session;
    bool have_session;
};

void kg_buf_free(kg_buf *b) {
    if (!b) return;
    if (b->data) crypto_free_wipe(b->data, b->len);
    b->data = NULL;
    b->len = 0;
}

/* ---- errors ---------------------------------------------------------- */

sr_code kg_map_error(int32_t code) {
    switch (code) {
    case 0:
        return SR_OK;
    case ENOMEM:
        return SR_NO_MEMORY;
    case KRB5KDC_ERR_PREAUTH_FAILED:
    case KRB5KRB_AP_ERR_BAD_INTEGRITY:
    case KRB5_PREAUTH_FAILED:
    case KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN:
    case KRB5KDC_ERR_CLIENT_REVOKED:
    case KRB5KDC_ERR_KEY_EXP:
    case KRB5KDC_ERR_NAME_EXP:
    case KRB5KDC_ERR_POLICY:
    case KRB5_KDCREP_MODIFIED:
    case KRB5KRB_AP_ERR_MODIFIED:
    case KRB5KRB_AP_ERR_REPEAT:
    case KRB5KRB_AP_ERR_NOKEY:
    case KRB5KRB_AP_ERR_BADKEYVER:
    case KRB5KRB_AP_WRONG_PRINC:
    case KRB5KRB_AP_ERR_NOT_US:
    case KRB5KRB_AP_ERR_BADMATCH:
    case KRB5KRB_AP_ERR_BADADDR:
    case KRB5_KT_NOTFOUND:
    case KRB5_KT_KVNONOTFOUND:
    case KRB5KRB_AP_ERR_TKT_INVALID:
        return SR_LOGON_DENIED;
    case KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN:
    case KRB5KDC_ERR_SERVICE_NOTYET:
    case KRB5KDC_ERR_SERVICE_EXP:
        return SR_TARGET_UNKNOWN;
    case KRB5KRB_AP_ERR_SKEW:
    case KRB5KRB_AP_ERR_TKT_NYV:
    case KRB5KDC_ERR_CLIENT_NOTYET:
        return SR_TIME_SKEW;
    case KRB5KRB_AP_ERR_TKT_EXPIRED:
        return SR_CONTEXT_EXPIRED;
    case KRB5_KDC_UNREACH:
    case KRB5_REALM_CANT_RESOLVE:
    case KRB5_REALM_UNKNOWN:
    case KRB5_CONFIG_NODEFREALM:
    case KRB5_SERVICE_UNKNOWN:
        return SR_NO_AUTHENTICATING_AUTHORITY;
    case KRB5_CC_NOTFOUND:
    case KRB5_FCC_NOFILE:
    case KRB5_CC_END:
    case KRB5_CC_NOSUPP:
    case KRB5_NO_TKT_SUPPLIED:
    case KRB5_KT_END:
    case KRB5_CC_BADNAME:
    case KRB5_KT_UNKNOWN_TYPE:
    case KRB5_CC_UNKNOWN_TYPE:
        return SR_NO_CREDENTIALS;
    case KRB5KDC_ERR_ETYPE_NOSUPP:
    case KRB5_BAD_ENCTYPE:
    case KRB5_PROG_ETYPE_NOSUPP:
        return SR_ALGORITHM_MISMATCH;
    case KRB5KRB_AP_ERR_MSG_TYPE:
    case KRB5KRB_AP_ERR_BADVERSION:
    case KRB5KDC_ERR_BAD_PVNO: /* a message whose pvno is not 5 */
    case KRB5KRB_AP_ERR_INAPP_CKSUM:
    case KRB5_BADMSGTYPE:
    case ASN1_BAD_ID:
    case ASN1_OVERRUN:
    case ASN1_MISSING_FIELD:
    case ASN1_BAD_TIMEFORMAT:
    case ASN1_BAD_LENGTH:
    case ASN1_BAD_FORMAT:
    case ASN1_PARSE_ERROR:
    case ASN1_MISPLACED_FIELD:
    case ASN1_MISSING_EOC:
    case ASN1_BAD_GMTIME:
    case ASN1_INDEF:
    case ASN1_TYPE_MISMATCH:
    case ASN1_OVERFLOW:
    case ASN1_OMITTED:
        return SR_INVALID_TOKEN;
    case KRB5_PARSE_MALFORMED:
    case KRB5_PARSE_ILLCHAR:
        return SR_TARGET_UNKNOWN;
    default:
        return SR_INTERNAL;
    }
}

/* Record a failure and map it. */
static sr fail(kg_ctx *k, krb5_error_code code) {
    k->last_code = code;
    const char *m = krb5_get_error_message(k->c, code);
    snprintf(k->msg, sizeof k->msg, "%s", m ? m : "unknown krb5 error");
    krb5_free_error_message(k->c, m);
    SSPI_LOG(SSPI_LOG_INFO, "kerberos", "krb5: %s (%ld)", k->msg, (long)code);
    return sr_make(kg_map_error(code));
}

const char *kg_last_message(const kg_ctx *k) { return k ? k->msg : ""; }
int32_t kg_last_code(const kg_ctx *k) { return k ? k->last_code : 0; }
int32_t kg_code_ap_err_skew(void) { return KRB5KRB_AP_ERR_SKEW; }
int32_t kg_code_ap_err_modified(void) { return KRB5KRB_AP_ERR_MODIFIED; }
int32_t kg_code_response_too_big(void) { return KRB5KRB_ERR_RESPONSE_TOO_BIG; }

bool kg_code_is_key_mismatch(int32_t code) {
    switch (code) {
    case KRB5KRB_AP_ERR_MODIFIED:
    case KRB5KRB_AP_ERR_NOKEY:
    case KRB5KRB_AP_ERR_BADKEYVER:
    case KRB5KRB_AP_ERR_NOT_US:
    case KRB5KRB_AP_WRONG_PRINC:
    case KRB5_KT_NOTFOUND:
    case KRB5_KT_KVNONOTFOUND:
        return true;
    default:
        return false;
    }
}

static char *dup_data(const krb5_data *d) {
    char *s = malloc(d->length + 1);
    if (!s) return NULL;
    if (d->length) memcpy(s, d->data, d->length);
    s[d->length] = '\0';
    return s;
}

static char *dup_str(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

/* ---- context --------------------------------------------------------- */

/* libkrb5's pre-send hook, as a guard: every KDC exchange is a step engine
 * driven by krb_transport.c (kg_exchange_step), so libkrb5 must never
 * reach a KDC by itself; should a call try (a krb5 function that talks to
 * the KDC on its own), it fails at once instead of blocking on the network. */
static krb5_error_code KRB5_CALLCONV refuse_send(krb5_context c, void *data,
                                                 const krb5_data *realm,
                                                 const krb5_data *message,
                                                 krb5_data **new_message_out,
                                                 krb5_data **new_reply_out) {
    (void)c;
    (void)data;
    (void)message;
    (void)new_message_out;
    (void)new_reply_out;
    SSPI_LOG(SSPI_LOG_ERROR, "kerberos", "libkrb5 tried to reach a KDC of %.*s by itself: refused",
             (int)realm->length, realm->data);
    return KRB5_KDC_UNREACH;
}

sr kg_ctx_new(kg_ctx **out) {
    *out = NULL;
    kg_ctx *k = calloc(1, sizeof *k);
    SR_ENSURE(k != NULL, SR_NO_MEMORY);
    krb5_error_code code = krb5_init_context(&k->c);
    if (code) {
        SSPI_LOG(SSPI_LOG_ERROR, "kerberos", "krb5_init_context failed (%ld)", (long)code);
        free(k);
        return SR_FAIL(code == ENOMEM ? SR_NO_MEMORY : SR_NO_AUTHENTICATING_AUTHORITY);
    }
    krb5_set_kdc_send_hook(k->c, refuse_send, NULL);
    *out = k;
    return SR_SUCCESS;
}

void kg_ctx_free(kg_ctx *k) {
    if (!k) return;
    krb5_free_context(k->c);
    free(k);
}

/* ---- principals ------------------------------------------------------ */

static sr wrap_principal(kg_ctx *k, krb5_principal p, kg_principal **out) {
    kg_principal *w = malloc(sizeof *w);
    if (!w) {
        krb5_free_principal(k->c, p);
        return SR_FAIL(SR_NO_MEMORY);
    }
    w->p = p;
    *out = w;
    return SR_SUCCESS;
}

sr kg_principal_parse(kg_ctx *k, const char *name, kg_principal **out) {
    *out = NULL;
    krb5_principal p = NULL;
    krb5_error_code code = krb5_parse_name(k->c, name, &p);
    if (code) {
        sr r = fail(k, code);
        return r.code == SR_TARGET_UNKNOWN ? SR_FAIL(SR_UNKNOWN_CREDENTIALS) : r;
    }
    return wrap_principal(k, p, out);
}

sr kg_principal_target(kg_ctx *k, const char *target, kg_principal **out) {
    *out = NULL;
    SR_ENSURE(target && target[0], SR_TARGET_UNKNOWN);
    krb5_principal p = NULL;
    krb5_error_code code;
    if (strchr(target, '@')) {
        code = krb5_parse_name(k->c, target, &p);
        if (code) return fail(k, code);
        return wrap_principal(k, p, out);
    }
    code = krb5_parse_name_flags(k->c, target, KRB5_PRINCIPAL_PARSE_NO_REALM, &p);
    if (code) return fail(k, code);
    if (p->length >= 2) {
        /* service/host[:port]: the host's realm ([domain_realm]) or the
         * referral realm (MIT then asks the client's realm's KDC). */
        p->type = KRB5_NT_SRV_HST;
        char *host = dup_data(&p->data[1]);
        char **realms = NULL;
        if (!host) {
            krb5_free_principal(k->c, p);
            return SR_FAIL(SR_NO_MEMORY);
        }
        char *colon = strrchr(host, ':');
        if (colon && host[0] != '[') *colon = '\0';
        code = krb5_get_host_realm(k->c, host, &realms);
        free(host);
        const char *realm = (code == 0 && realms && realms[0]) ? realms[0] : KRB5_REFERRAL_REALM;
        code = krb5_set_principal_realm(k->c, p, realm);
        if (realms) krb5_free_host_realm(k->c, realms);
        if (code) {
            krb5_free_principal(k->c, p);
            return fail(k, code);
        }
    } else {
        char *def = NULL;
        code = krb5_get_default_realm(k->c, &def);
        if (code == 0) {
            code = krb5_set_principal_realm(k->c, p, def);
            krb5_free_default_realm(k->c, def);
        }
        if (code) {
            krb5_free_principal(k->c, p);
            return fail(k, code);
        }
    }
    return wrap_principal(k, p, out);
}

sr kg_principal_unparse(kg_ctx *k, const kg_principal *p, char **out) {
    *out = NULL;
    char *s = NULL;
    krb5_error_code code = krb5_unparse_name(k->c, p->p, &s);
    if (code) return fail(k, code);
    *out = dup_str(s);
    krb5_free_unparsed_name(k->c, s);
    SR_ENSURE(*out != NULL, SR_NO_MEMORY);
    return SR_SUCCESS;
}

sr kg_principal_realm(kg_ctx *k, const kg_principal *p, char **out) {
    (void)k;
    *out = dup_data(&p->p->realm);
    SR_ENSURE(*out != NULL, SR_NO_MEMORY);
    return SR_SUCCESS;
}

sr kg_principal_name_only(kg_ctx *k, const kg_principal *p, char **out) {
    *out = NULL;
    char *s = NULL;
    krb5_error_code code = krb5_unparse_name_flags(k->c, p->p, KRB5_PRINCIPAL_UNPARSE_NO_REALM, &s);
    if (code) return fail(k, code);
    *out = dup_str(s);
    krb5_free_unparsed_name(k->c, s);
    SR_ENSURE(*out != NULL, SR_NO_MEMORY);
    return SR_SUCCESS;
}

sr kg_principal_copy(kg_ctx *k, const kg_principal *p, kg_principal **out) {
    *out = NULL;
    krb5_principal c = NULL;
    krb5_error_code code = krb5_copy_principal(k->c, p->p, &c);
    if (code) return fail(k, code);
    return wrap_principal(k, c, out);
}

bool kg_principal_equal(kg_ctx *k, const kg_principal *a, const kg_principal *b) {
    return krb5_principal_compare(k->c, a->p, b->p) != 0;
}

void kg_principal_free(kg_ctx *k, kg_principal *p) {
    if (!p) return;
    krb5_free_principal(k->c, p->p);
    free(p);
}

/* ---- ccaches --------------------------------------------------------- */

static sr wrap_ccache(kg_ctx *k, krb5_ccache cc, kg_ccache **out) {
    kg_ccache *w = malloc(sizeof *w);
    if (!w) {
        krb5_cc_close(k->c, cc);
        return SR_FAIL(SR_NO_MEMORY);
    }
    w->cc = cc;
    *out = w;
    return SR_SUCCESS;
}

sr kg_ccache_default(kg_ctx *k, const kg_principal *client, kg_ccache **out) {
    *out = NULL;
    krb5_ccache cc = NULL;
    krb5_error_code code;
    if (client) {
        code = krb5_cc_cache_match(k->c, client->p, &cc);
        if (code) {
            (void)fail(k, code);
            return SR_FAIL(SR_NO_CREDENTIALS);
        }
    } else {
        code = krb5_cc_default(k->c, &cc);
        if (code) {
            (void)fail(k, code);
            return SR_FAIL(SR_NO_CREDENTIALS);
        }
        krb5_principal p = NULL;
        code = krb5_cc_get_principal(k->c, cc, &p);
        if (code) {
            (void)fail(k, code);
            krb5_cc_close(k->c, cc);
            return SR_FAIL(SR_NO_CREDENTIALS);
        }
        krb5_free_principal(k->c, p);
    }
    return wrap_ccache(k, cc, out);
}

sr kg_ccache_resolve(kg_ctx *k, const char *name, kg_ccache **out) {
    *out = NULL;
    krb5_ccache cc = NULL;
    krb5_error_code code = krb5_cc_resolve(k->c, name, &cc);
    if (code) return fail(k, code);
    return wrap_ccache(k, cc, out);
}

sr kg_ccache_new_memory(kg_ctx *k, kg_ccache **out) {
    *out = NULL;
    krb5_ccache cc = NULL;
    krb5_error_code code = krb5_cc_new_unique(k->c, "MEMORY", NULL, &cc);
    if (code) return fail(k, code);
    return wrap_ccache(k, cc, out);
}

sr kg_ccache_principal(kg_ctx *k, kg_ccache *cc, kg_principal **out) {
    *out = NULL;
    krb5_principal p = NULL;
    krb5_error_code code = krb5_cc_get_principal(k->c, cc->cc, &p);
    if (code) {
        (void)fail(k, code);
        return SR_FAIL(SR_NO_CREDENTIALS);
    }
    return wrap_principal(k, p, out);
}

sr kg_ccache_name(kg_ctx *k, kg_ccache *cc, char **out) {
    *out = NULL;
    char *s = NULL;
    krb5_error_code code = krb5_cc_get_full_name(k->c, cc->cc, &s);
    if (code) return fail(k, code);
    *out = dup_str(s);
    krb5_free_string(k->c, s);
    SR_ENSURE(*out != NULL, SR_NO_MEMORY);
    return SR_SUCCESS;
}

sr kg_ccache_tgt_times(kg_ctx *k, kg_ccache *cc, kg_times *t) {
    memset(t, 0, sizeof *t);
    krb5_principal client = NULL, tgs = NULL;
    krb5_creds mcreds, creds;
    memset(&mcreds, 0, sizeof mcreds);
    memset(&creds, 0, sizeof creds);
    krb5_error_code code = krb5_cc_get_principal(k->c, cc->cc, &client);
    if (!code)
        code = krb5_build_principal_ext(k->c, &tgs, (unsigned)client->realm.length,
                                        client->realm.data, KRB5_TGS_NAME_SIZE, KRB5_TGS_NAME,
                                        (unsigned)client->realm.length, client->realm.data, 0);
    if (!code) {
        mcreds.client = client;
        mcreds.server = tgs;
        code = krb5_cc_retrieve_cred(k->c, cc->cc, 0, &mcreds, &creds);
    }
    if (!code) {
        t->authtime = (uint32_t)creds.times.authtime;
        t->starttime = (uint32_t)(creds.times.starttime ? creds.times.starttime
                                                        : creds.times.authtime);
        t->endtime = (uint32_t)creds.times.endtime;
        t->renew_till = (uint32_t)creds.times.renew_till;
        krb5_free_cred_contents(k->c, &creds);
    }
    krb5_free_principal(k->c, client);
    krb5_free_principal(k->c, tgs);
    if (code) {
        (void)fail(k, code);
        return SR_FAIL(SR_NO_CREDENTIALS);
    }
    return SR_SUCCESS;
}

void kg_ccache_close(kg_ctx *k, kg_ccache *cc) {
    if (!cc) return;
    krb5_cc_close(k->c, cc->cc);
    free(cc);
}

void kg_ccache_destroy(kg_ctx *k, kg_ccache *cc) {
    if (!cc) return;
    krb5_cc_destroy(k->c, cc->cc);
    free(cc);
}

/* ---- keytabs --------------------------------------------------------- */

sr kg_keytab_resolve(kg_ctx *k, const char *name, bool client, kg_keytab **out) {
    *out = NULL;
    krb5_keytab kt = NULL;
    krb5_error_code code;
    if (name)
        code = krb5_kt_resolve(k->c, name, &kt);
    else if (client)
        code = krb5_kt_client_default(k->c, &kt);
    else
        code = krb5_kt_default(k->c, &kt);
    if (code) {
        (void)fail(k, code);
        return SR_FAIL(SR_NO_CREDENTIALS);
    }
    kg_keytab *w = malloc(sizeof *w);
    if (!w) {
        krb5_kt_close(k->c, kt);
        return SR_FAIL(SR_NO_MEMORY);
    }
    w->kt = kt;
    *out = w;
    return SR_SUCCESS;
}

bool kg_keytab_has_content(kg_ctx *k, kg_keytab *kt) {
    return krb5_kt_have_content(k->c, kt->kt) == 0;
}

sr kg_keytab_first_principal(kg_ctx *k, kg_keytab *kt, kg_principal **out) {
    *out = NULL;
    krb5_kt_cursor cur;
    krb5_keytab_entry e;
    krb5_error_code code = krb5_kt_start_seq_get(k->c, kt->kt, &cur);
    if (code) {
        (void)fail(k, code);
        return SR_FAIL(SR_NO_CREDENTIALS);
    }
    code = krb5_kt_next_entry(k->c, kt->kt, &e, &cur);
    krb5_principal p = NULL;
    if (!code) {
        code = krb5_copy_principal(k->c, e.principal, &p);
        krb5_free_keytab_entry_contents(k->c, &e);
    }
    krb5_kt_end_seq_get(k->c, kt->kt, &cur);
    if (code) {
        (void)fail(k, code);
        return SR_FAIL(SR_NO_CREDENTIALS);
    }
    return wrap_principal(k, p, out);
}

bool kg_keytab_has_principal(kg_ctx *k, kg_keytab *kt, const kg_principal *p) {
    krb5_keytab_entry e;
    if (krb5_kt_get_entry(k->c, kt->kt, p->p, 0, 0, &e) != 0) return false;
    krb5_free_keytab_entry_contents(k->c, &e);
    return true;
}

void kg_keytab_close(kg_ctx *k, kg_keytab *kt) {
    if (!kt) return;
    krb5_kt_close(k->c, kt->kt);
    free(kt);
}

/* ---- KDC exchanges --------------------------------------------------- */

sr kg_as_new(kg_ctx *k, const kg_principal *client, const char *password, kg_keytab *kt,
             kg_exchange **out) {
    *out = NULL;
    kg_exchange *x = calloc(1, sizeof *x);
    SR_ENSURE(x != NULL, SR_NO_MEMORY);
    x->k = k;
    x->kind = KG_X_AS;
    krb5_error_code code = krb5_get_init_creds_opt_alloc(k->c, &x->opt);
    if (!code) {
        krb5_get_init_creds_opt_set_forwardable(x->opt, 1);
        krb5_get_init_creds_opt_set_canonicalize(x->opt, 1);
        code = krb5_init_creds_init(k->c, client->p, NULL, NULL, 0, x->opt, &x->icc);
    }
    if (!code) {
        if (password)
            code = krb5_init_creds_set_password(k->c, x->icc, password);
        else if (kt)
            code = krb5_init_creds_set_keytab(k->c, x->icc, kt->kt);
        else
            code = KRB5_NO_TKT_SUPPLIED;
    }
    if (code) {
        sr r = fail(k, code);
        kg_exchange_free(x);
        return r;
    }
    *out = x;
    return SR_SUCCESS;
}

sr kg_tgs_new(kg_ctx *k, kg_ccache *cc, const kg_principal *client, const kg_principal *server,
              bool store, kg_exchange **out) {
    *out = NULL;
    kg_exchange *x = calloc(1, sizeof *x);
    SR_ENSURE(x != NULL, SR_NO_MEMORY);
    x->k = k;
    x->kind = KG_X_TGS;
    krb5_creds in;
    memset(&in, 0, sizeof in);
    in.client = client->p;
    in.server = server->p;
    krb5_flags options = store ? 0 : KRB5_GC_NO_STORE;
    krb5_error_code code = krb5_tkt_creds_init(k->c, cc->cc, &in, options, &x->tcc);
    if (code) {
        sr r = fail(k, code);
        kg_exchange_free(x);
        return r;
    }
    *out = x;
    return SR_SUCCESS;
}

/* ---- forwarded TGT (delegation) --------------------------------------
 *
 * Delegation gives the acceptor a forwarded TGT (RFC 4120 2.6): a TGS
 * exchange for krbtgt/REALM@REALM (the client's realm) with the KDC options
 * FORWARDED | FORWARDABLE (+ RENEWABLE when the TGT is, as MIT does), no
 * addresses (addressless, MIT's and Windows' default), the client's TGT in
 * the PA-TGS-REQ. MIT's step API cannot ask for it: krb5_tkt_creds_*
 * takes its KDC options from KRB5_GC_* (no FORWARDED) and from the TGT's
 * flags (KDC_TKT_COMMON_MASK leaves FORWARDED out), and asked for
 * krbtgt/REALM it answers from the ccache without any request; only the
 * blocking krb5_fwd_tgt_creds / krb5_get_cred_via_tkt can, through
 * libkrb5's own KDC I/O. So this one TGS exchange is a step engine of the
 * glue (KG_X_FWD, same kg_exchange_step contract as the others, driven by
 * the same synchronous and asynchronous drivers): the messages with
 * libsspi's DER codec (wire/der.h), the crypto with libsspi's RFC 3961
 * profiles (krb_crypto.h: AES and RC4; libk5crypto is not linked): checksum
 * key usage 6, authenticator 7, reply 9 with the subkey or 8 with the TGT
 * session key (RFC 4120 7.5.1); the reply checked as RFC 4120 3.3.3.1 says
 * (nonce, client, server) and for the FORWARDED flag. The forwarded TGT then goes
 * to the acceptor as KRB-CRED (krb5_mk_1cred, kg_ap_req_make).
 * Not done: FAST armour of this request (RFC 6113); a KDC that insists on
 * it refuses, and the client goes on without delegation (best effort).
 */

static sr key_from_block(const krb5_keyblock *kb, krb_key *out);

#define MSG_TGS_REQ 12
#define MSG_TGS_REP 13
#define MSG_AP_REQ 14
#define MSG_KRB_ERROR 30
#define APP_TICKET 1
#define APP_AUTHENTICATOR 2
#define APP_ENC_AS_REP_PART 25
#define APP_ENC_TGS_REP_PART 26
#define PA_TGS_REQ 1

/* Writers: an error sticks in the writer (wire_writer_status at the end). */
#define W(e) ((void)(e).code)

static void w_begin(wire_writer *w, uint8_t cls, uint32_t tag, der_mark *m) {
    W(der_begin(w, cls, true, tag, m));
}
static void w_ctx(wire_writer *w, uint32_t n, der_mark *m) { w_begin(w, DER_CLASS_CONTEXT, n, m); }
static void w_seq(wire_writer *w, der_mark *m) {
    w_begin(w, DER_CLASS_UNIVERSAL, DER_TAG_SEQUENCE, m);
}
static void w_end(wire_writer *w, const der_mark *m) { W(der_end(w, m)); }

static void w_int(wire_writer *w, uint32_t n, int64_t v) {
    der_mark m;
    w_ctx(w, n, &m);
    W(der_write_int64(w, v));
    w_end(w, &m);
}

static void w_octets(wire_writer *w, uint32_t n, const void *p, size_t len) {
    der_mark m;
    w_ctx(w, n, &m);
    W(der_write_octet_string(w, p, len));
    w_end(w, &m);
}

static void w_string(wire_writer *w, uint32_t n, const krb5_data *d) {
    der_mark m;
    w_ctx(w, n, &m);
    W(der_write_general_string(w, d->data, d->length));
    w_end(w, &m);
}

/* KerberosTime: GeneralizedTime "YYYYMMDDHHMMSSZ" (RFC 4120 5.2.3). */
static void w_time(wire_writer *w, uint32_t n, krb5_timestamp t) {
    time_t tt = (time_t)(uint32_t)t; /* krb5_timestamp is unsigned past 2038 */
    struct tm tm;
    char s[32];
    if (!gmtime_r(&tt, &tm) || strftime(s, sizeof s, "%Y%m%d%H%M%SZ", &tm) != 15) {
        wire_writer_fail(w, SR_INVALID_PARAMETER);
        return;
    }
    der_mark m;
    w_ctx(w, n, &m);
    W(der_write_generalized_time(w, s, 15));
    w_end(w, &m);
}

/* KDCOptions / APOptions: a 32-bit BIT STRING, bit 0 the MSB. */
static void w_flags(wire_writer *w, uint32_t n, uint32_t flags) {
    uint8_t b[4] = {(uint8_t)(flags >> 24), (uint8_t)(flags >> 16), (uint8_t)(flags >> 8),
                    (uint8_t)flags};
    der_mark m;
    w_ctx(w, n, &m);
    W(der_write_bit_string(w, b, 4, 0));
    w_end(w, &m);
}

/* PrincipalName ::= SEQUENCE { name-type [0], name-string [1] SEQUENCE OF
 * KerberosString } */
static void w_principal(wire_writer *w, uint32_t n, krb5_const_principal p, int32_t type) {
    der_mark m, seq, names, list;
    w_ctx(w, n, &m);
    w_seq(w, &seq);
    w_int(w, 0, type);
    w_ctx(w, 1, &names);
    w_seq(w, &list);
    for (krb5_int32 i = 0; i < p->length; i++)
        W(der_write_general_string(w, p->data[i].data, p->data[i].length));
    w_end(w, &list);
    w_end(w, &names);
    w_end(w, &seq);
    w_end(w, &m);
}

static sr writer_take(wire_writer *w, kg_buf *out) {
    sr r = wire_writer_status(w);
    if (sr_is_ok(r)) r = wire_writer_take(w, &out->data, &out->len);
    wire_writer_free(w);
    return r;
}

/* KDC-REQ-BODY (RFC 4120 5.4.1): what the authenticator's checksum covers. */
static sr fwd_req_body(kg_exchange *x, kg_buf *out) {
    krb5_context c = x->k->c;
    const krb5_creds *tgt = x->tgt;
    krb5_enctype *etypes = NULL;
    krb5_error_code code = krb5_get_permitted_enctypes(c, &etypes);
    if (code) return fail(x->k, code);
    uint32_t opts = KDC_OPT_FORWARDED | KDC_OPT_FORWARDABLE;
    bool renew = (tgt->ticket_flags & TKT_FLG_RENEWABLE) && tgt->times.renew_till != 0;
    if (renew) opts |= KDC_OPT_RENEWABLE;
    wire_writer w;
    sr r = wire_writer_init_alloc(&w, 256);
    if (!sr_is_ok(r)) {
        krb5_free_enctypes(c, etypes);
        return r;
    }
    der_mark body, m, list;
    w_seq(&w, &body);
    w_flags(&w, 0, opts);
    w_string(&w, 2, &tgt->server->realm);
    w_principal(&w, 3, tgt->server, KRB5_NT_SRV_INST);
    w_time(&w, 5, tgt->times.endtime); /* till: the TGT's end */
    if (renew) w_time(&w, 6, tgt->times.renew_till);
    w_int(&w, 7, x->nonce);
    w_ctx(&w, 8, &m);
    w_seq(&w, &list);
    for (size_t i = 0; etypes[i]; i++) W(der_write_int64(&w, etypes[i]));
    w_end(&w, &list);
    w_end(&w, &m);
    /* no addresses [9]: addressless */
    w_end(&w, &body);
    krb5_free_enctypes(c, etypes);
    return writer_take(&w, out);
}

/* Authenticator (RFC 4120 5.5.1) with the body's checksum (key usage 6)
 * and our subkey, encrypted in the TGT session key (usage 7) into *enc. */
static sr fwd_authenticator(kg_exchange *x, const kg_buf *body, kg_buf *enc) {
    kg_ctx *k = x->k;
    const krb5_creds *tgt = x->tgt;
    krb_key sess;
    SR_TRY(key_from_block(&tgt->keyblock, &sess));
    const krb_enctype_ops *ops = krb_enctype_lookup(sess.enctype);
    krb_usage_keys u;
    uint8_t ck[KRB_MAX_CKSUM_LEN];
    crypto_part part = {body->data, body->len};
    sr r = ops ? krb_usage_keys_init(&u, &sess, KRB5_KEYUSAGE_TGS_REQ_AUTH_CKSUM)
               : SR_FAIL(SR_ALGORITHM_MISMATCH);
    if (sr_is_ok(r)) {
        r = krb_get_mic(&u, &part, 1, ck);
        krb_usage_keys_free(&u);
    }
    krb5_timestamp now = 0;
    krb5_int32 usec = 0;
    krb5_error_code code = sr_is_ok(r) ? krb5_us_timeofday(k->c, &now, &usec) : 0;
    if (code) r = fail(k, code);
    wire_writer w;
    if (sr_is_ok(r)) r = wire_writer_init_alloc(&w, 256);
    if (!sr_is_ok(r)) {
        krb_key_wipe(&sess);
        return r;
    }
    der_mark app, seq, m, s2;
    w_begin(&w, DER_CLASS_APPLICATION, APP_AUTHENTICATOR, &app);
    w_seq(&w, &seq);
    w_int(&w, 0, 5);
    w_string(&w, 1, &tgt->client->realm);
    w_principal(&w, 2, tgt->client, tgt->client->type);
    w_ctx(&w, 3, &m);
    w_seq(&w, &s2);
    w_int(&w, 0, ops->cksumtype);
    w_octets(&w, 1, ck, ops->cksum_len);
    w_end(&w, &s2);
    w_end(&w, &m);
    w_int(&w, 4, usec);
    w_time(&w, 5, now);
    w_ctx(&w, 6, &m);
    w_seq(&w, &s2);
    w_int(&w, 0, x->subkey.enctype);
    w_octets(&w, 1, x->subkey.bytes, x->subkey.len);
    w_end(&w, &s2);
    w_end(&w, &m);
    w_end(&w, &seq);
    w_end(&w, &app);
    kg_buf plain = {0};
    r = writer_take(&w, &plain);
    if (sr_is_ok(r)) {
        enc->len = krb_encrypt_len(ops, plain.len);
        enc->data = malloc(enc->len);
        r = enc->data ? krb_encrypt_oneshot(&sess, KRB5_KEYUSAGE_TGS_REQ_AUTH, plain.data,
                                            plain.len, enc->data)
                      : SR_FAIL(SR_NO_MEMORY);
        if (!sr_is_ok(r)) kg_buf_free(enc);
    }
    kg_buf_free(&plain); /* holds the subkey: wiped */
    krb_key_wipe(&sess);
    return r;
}

/* TGS-REQ (RFC 4120 5.4.1) with PA-TGS-REQ (the AP-REQ of the TGT, 5.5.1)
 * into x->req; a new nonce and subkey. */
static sr fwd_make_request(kg_exchange *x) {
    uint8_t nb[4];
    SR_TRY(crypto_random(nb, sizeof nb));
    /* A subkey of the TGT session key's type (libsspi's RFC 3961 profiles:
     * AES and RC4; SR_ALGORITHM_MISMATCH for others). */
    SR_TRY(krb_key_random(&x->subkey, x->tgt->keyblock.enctype));
    /* Non-negative, as MIT and Heimdal encode it (UInt32 read as signed). */
    x->nonce = (int32_t)((((uint32_t)nb[0] << 24) | ((uint32_t)nb[1] << 16) |
                          ((uint32_t)nb[2] << 8) | nb[3]) & 0x7fffffffu);
    kg_buf body = {0};
    SR_TRY(fwd_req_body(x, &body));
    kg_buf auth = {0};
    sr r = fwd_authenticator(x, &body, &auth);
    if (!sr_is_ok(r)) {
        kg_buf_free(&body);
        return r;
    }
    static const uint8_t no_options[4] = {0};
    wire_writer w;
    r = wire_writer_init_alloc(&w, 512 + body.len + x->tgt->ticket.length + auth.len);
    if (sr_is_ok(r)) {
        der_mark app, seq, m, s2, s3, pa, ap, aps, ed;
        w_begin(&w, DER_CLASS_APPLICATION, MSG_TGS_REQ, &app);
        w_seq(&w, &seq);
        w_int(&w, 1, 5);
        w_int(&w, 2, MSG_TGS_REQ);
        w_ctx(&w, 3, &m);      /* padata */
        w_seq(&w, &s2);
        w_seq(&w, &s3);        /* PA-DATA */
        w_int(&w, 1, PA_TGS_REQ);
        w_ctx(&w, 2, &pa);
        W(der_begin(&w, DER_CLASS_UNIVERSAL, false, DER_TAG_OCTET_STRING, &ap));
        w_begin(&w, DER_CLASS_APPLICATION, MSG_AP_REQ, &aps);
        {
            der_mark as, t, e;
            w_seq(&w, &as);
            w_int(&w, 0, 5);
            w_int(&w, 1, MSG_AP_REQ);
            w_ctx(&w, 2, &t);
            W(der_write_bit_string(&w, no_options, 4, 0));
            w_end(&w, &t);
            w_ctx(&w, 3, &t); /* the TGT, as the KDC issued it */
            W(der_write_raw(&w, x->tgt->ticket.data, x->tgt->ticket.length));
            w_end(&w, &t);
            w_ctx(&w, 4, &t); /* EncryptedData */
            w_seq(&w, &e);
            w_int(&w, 0, x->tgt->keyblock.enctype);
            w_octets(&w, 2, auth.data, auth.len);
            w_end(&w, &e);
            w_end(&w, &t);
            w_end(&w, &as);
        }
        w_end(&w, &aps);
        w_end(&w, &ap);
        w_end(&w, &pa);
        w_end(&w, &s3);
        w_end(&w, &s2);
        w_end(&w, &m);
        w_ctx(&w, 4, &ed);
        W(der_write_raw(&w, body.data, body.len));
        w_end(&w, &ed);
        w_end(&w, &seq);
        w_end(&w, &app);
        kg_buf_free(&x->req);
        r = writer_take(&w, &x->req);
    }
    kg_buf_free(&body);
    kg_buf_free(&auth);
    return r;
}

sr kg_fwd_new(kg_ctx *k, kg_ccache *cc, const kg_principal *client, kg_exchange **out) {
    *out = NULL;
    kg_exchange *x = calloc(1, sizeof *x);
    SR_ENSURE(x != NULL, SR_NO_MEMORY);
    x->k = k;
    x->kind = KG_X_FWD;
    const krb5_data *realm = &client->p->realm;
    krb5_creds m;
    memset(&m, 0, sizeof m);
    m.client = client->p;
    krb5_error_code code =
        krb5_build_principal_ext(k->c, &m.server, realm->length, realm->data, KRB5_TGS_NAME_SIZE,
                                 KRB5_TGS_NAME, realm->length, realm->data, 0);
    if (!code) {
        x->tgt = calloc(1, sizeof *x->tgt);
        code = x->tgt ? krb5_cc_retrieve_cred(k->c, cc->cc, KRB5_TC_SUPPORTED_KTYPES, &m, x->tgt)
                      : ENOMEM;
        if (code) {
            free(x->tgt);
            x->tgt = NULL;
        }
    }
    krb5_free_principal(k->c, m.server);
    krb5_timestamp now = 0;
    if (!code) code = krb5_timeofday(k->c, &now);
    if (!code && (uint32_t)x->tgt->times.endtime <= (uint32_t)now)
        code = KRB5KRB_AP_ERR_TKT_EXPIRED;
    if (!code && !x->tgt->ticket.length) code = KRB5_NO_TKT_SUPPLIED;
    /* RFC 4120 2.6: only a FORWARDABLE TGT may be forwarded (the KDC would
     * answer KDC_ERR_BADOPTION). */
    if (!code && !(x->tgt->ticket_flags & TKT_FLG_FORWARDABLE)) code = KRB5KDC_ERR_BADOPTION;
    if (code) {
        sr r = fail(k, code);
        kg_exchange_free(x);
        return r;
    }
    x->realm = dup_data(realm);
    sr r = x->realm ? fwd_make_request(x) : SR_FAIL(SR_NO_MEMORY);
    if (!sr_is_ok(r)) {
        kg_exchange_free(x);
        return r;
    }
    *out = x;
    return SR_SUCCESS;
}

sr kg_fwd_new_fixed(kg_ctx *k, const kg_ticket *tgt, const krb_key *subkey, int32_t nonce,
                    kg_exchange **out) {
    *out = NULL;
    SR_ENSURE(tgt && tgt->creds && tgt->creds->client && tgt->creds->server && subkey,
              SR_INVALID_PARAMETER);
    kg_exchange *x = calloc(1, sizeof *x);
    SR_ENSURE(x != NULL, SR_NO_MEMORY);
    x->k = k;
    x->kind = KG_X_FWD;
    x->nonce = nonce;
    x->subkey = *subkey;
    krb5_error_code code = krb5_copy_creds(k->c, tgt->creds, &x->tgt);
    if (code) {
        kg_exchange_free(x);
        return fail(k, code);
    }
    x->realm = dup_data(&x->tgt->client->realm);
    if (!x->realm) {
        kg_exchange_free(x);
        return SR_FAIL(SR_NO_MEMORY);
    }
    *out = x;
    return SR_SUCCESS;
}

/* ---- the reply ---- */

static sr r_ctx(wire_reader *r, uint32_t n, wire_reader *c) {
    return der_expect(r, DER_CLASS_CONTEXT, true, n, c);
}

static sr r_skip_opt(wire_reader *r, uint32_t n) {
    wire_reader c;
    bool present;
    return der_optional(r, DER_CLASS_CONTEXT, true, n, &c, &present);
}

static sr r_int(wire_reader *r, uint32_t n, int64_t *v) {
    wire_reader c;
    SR_TRY(r_ctx(r, n, &c));
    SR_TRY(der_read_int64(&c, v));
    return wire_expect_end(&c);
}

static sr r_octets(wire_reader *r, uint32_t n, const uint8_t **p, size_t *len) {
    wire_reader c;
    SR_TRY(r_ctx(r, n, &c));
    SR_TRY(der_read_octet_string(&c, p, len));
    return wire_expect_end(&c);
}

/* [n] KerberosString equal to d? */
static sr r_string_is(wire_reader *r, uint32_t n, const krb5_data *d, bool *same) {
    wire_reader c;
    const uint8_t *s;
    size_t len;
    SR_TRY(r_ctx(r, n, &c));
    SR_TRY(der_read_general_string(&c, &s, &len));
    SR_TRY(wire_expect_end(&c));
    *same = *same && len == d->length && (len == 0 || memcmp(s, d->data, len) == 0);
    return SR_SUCCESS;
}

/* [n] PrincipalName with p's components? (The name type is not compared,
 * as krb5_principal_compare.) */
static sr r_principal_is(wire_reader *r, uint32_t n, krb5_const_principal p, bool *same) {
    wire_reader c, seq, names, list;
    int64_t type;
    SR_TRY(r_ctx(r, n, &c));
    SR_TRY(der_expect(&c, DER_CLASS_UNIVERSAL, true, DER_TAG_SEQUENCE, &seq));
    SR_TRY(r_int(&seq, 0, &type));
    SR_TRY(r_ctx(&seq, 1, &names));
    SR_TRY(der_expect(&names, DER_CLASS_UNIVERSAL, true, DER_TAG_SEQUENCE, &list));
    krb5_int32 i = 0;
    while (wire_remaining(&list) > 0) {
        const uint8_t *s;
        size_t len;
        SR_TRY(der_read_general_string(&list, &s, &len));
        if (i >= p->length || len != p->data[i].length ||
            (len && memcmp(s, p->data[i].data, len) != 0))
            *same = false;
        i++;
    }
    if (i != p->length) *same = false;
    return SR_SUCCESS;
}

/* A KerberosTime TLV (RFC 4120 5.2.3: "YYYYMMDDHHMMSSZ", no fraction). */
static sr read_time(wire_reader *c, krb5_timestamp *out) {
    const uint8_t *s;
    size_t len;
    SR_TRY(der_read_generalized_time(c, &s, &len));
    SR_TRY(wire_expect_end(c));
    SR_ENSURE(len == 15, SR_INVALID_TOKEN);
    int v[6];
    static const int width[6] = {4, 2, 2, 2, 2, 2};
    size_t pos = 0;
    for (int i = 0; i < 6; i++) {
        v[i] = 0;
        for (int j = 0; j < width[i]; j++) v[i] = v[i] * 10 + (s[pos++] - '0');
    }
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = v[0] - 1900;
    tm.tm_mon = v[1] - 1;
    tm.tm_mday = v[2];
    tm.tm_hour = v[3];
    tm.tm_min = v[4];
    tm.tm_sec = v[5];
    time_t t = timegm(&tm);
    SR_ENSURE(t >= 0 && (uint64_t)t <= UINT32_MAX, SR_INVALID_TOKEN);
    *out = (krb5_timestamp)(uint32_t)t;
    return SR_SUCCESS;
}

static sr r_time(wire_reader *r, uint32_t n, krb5_timestamp *out) {
    wire_reader c;
    SR_TRY(r_ctx(r, n, &c));
    return read_time(&c, out);
}

static sr r_time_opt(wire_reader *r, uint32_t n, krb5_timestamp *out) {
    wire_reader c;
    bool present;
    SR_TRY(der_optional(r, DER_CLASS_CONTEXT, true, n, &c, &present));
    return present ? read_time(&c, out) : SR_SUCCESS;
}

static void *dup_bytes(const uint8_t *p, size_t len) {
    void *d = malloc(len ? len : 1);
    if (d && len) memcpy(d, p, len);
    return d;
}

/* EncTGSRepPart (RFC 4120 5.4.2), decrypted: checked against the request,
 * then x->fwd (with the reply's ticket). *bad: not the answer to our
 * request (KRB5_KDCREP_MODIFIED). */
static sr fwd_read_enc_part(kg_exchange *x, const uint8_t *p, size_t len, const uint8_t *ticket,
                            size_t ticket_len, bool *bad) {
    krb5_context c = x->k->c;
    const krb5_creds *tgt = x->tgt;
    wire_reader r, seq, e, key;
    der_tlv app;
    wire_reader_init(&r, p, len);
    SR_TRY(der_read_tlv(&r, &app));
    /* RFC 4120 5.4.2: EncASRepPart's tag is to be accepted as well. */
    SR_ENSURE(app.cls == DER_CLASS_APPLICATION && app.constructed &&
                  (app.tag == APP_ENC_TGS_REP_PART || app.tag == APP_ENC_AS_REP_PART),
              SR_INVALID_TOKEN);
    SR_TRY(der_expect(&app.contents, DER_CLASS_UNIVERSAL, true, DER_TAG_SEQUENCE, &seq));
    int64_t keytype, nonce;
    const uint8_t *kv, *bits;
    size_t kvlen, nbits;
    uint8_t unused;
    SR_TRY(r_ctx(&seq, 0, &e));
    SR_TRY(der_expect(&e, DER_CLASS_UNIVERSAL, true, DER_TAG_SEQUENCE, &key));
    SR_TRY(r_int(&key, 0, &keytype));
    SR_TRY(r_octets(&key, 1, &kv, &kvlen));
    SR_TRY(r_ctx(&seq, 1, &e)); /* last-req */
    SR_TRY(r_int(&seq, 2, &nonce));
    SR_TRY(r_skip_opt(&seq, 3)); /* key-expiration */
    SR_TRY(r_ctx(&seq, 4, &e));
    SR_TRY(der_read_bit_string(&e, &bits, &nbits, &unused));
    SR_ENSURE(nbits >= 4, SR_INVALID_TOKEN);
    uint32_t flags = ((uint32_t)bits[0] << 24) | ((uint32_t)bits[1] << 16) |
                     ((uint32_t)bits[2] << 8) | bits[3];
    krb5_ticket_times times;
    memset(&times, 0, sizeof times);
    SR_TRY(r_time(&seq, 5, &times.authtime));
    times.starttime = times.authtime;
    SR_TRY(r_time_opt(&seq, 6, &times.starttime));
    SR_TRY(r_time(&seq, 7, &times.endtime));
    SR_TRY(r_time_opt(&seq, 8, &times.renew_till));
    bool same = nonce == x->nonce;
    SR_TRY(r_string_is(&seq, 9, &tgt->server->realm, &same));
    SR_TRY(r_principal_is(&seq, 10, tgt->server, &same));
    /* caddr [11] (none asked for) and encrypted-pa-data [12]: not needed. */
    SR_ENSURE(keytype > 0 && keytype <= INT32_MAX && kvlen > 0, SR_INVALID_TOKEN);
    *bad = !same;
    if (!same) return SR_SUCCESS;
    krb5_creds *cr = calloc(1, sizeof *cr);
    SR_ENSURE(cr != NULL, SR_NO_MEMORY);
    cr->magic = KV5M_CREDS;
    krb5_error_code code = krb5_copy_principal(c, tgt->client, &cr->client);
    if (!code) code = krb5_copy_principal(c, tgt->server, &cr->server);
    cr->keyblock.magic = KV5M_KEYBLOCK;
    cr->keyblock.enctype = (krb5_enctype)keytype;
    cr->keyblock.length = (unsigned)kvlen;
    cr->keyblock.contents = dup_bytes(kv, kvlen);
    cr->ticket.magic = KV5M_DATA;
    cr->ticket.length = (unsigned)ticket_len;
    cr->ticket.data = dup_bytes(ticket, ticket_len);
    if (!code && (!cr->keyblock.contents || !cr->ticket.data)) code = ENOMEM;
    cr->times = times;
    cr->ticket_flags = (krb5_flags)flags;
    cr->is_skey = FALSE;
    if (code) {
        krb5_free_creds(c, cr);
        return SR_FAIL(SR_NO_MEMORY);
    }
    x->fwd = cr;
    return SR_SUCCESS;
}

/* The KDC's answer to x->req: a KRB-ERROR (*too_big: RESPONSE_TOO_BIG, to
 * be sent again over TCP) or the TGS-REP (x->fwd). */
static sr fwd_read_reply(kg_exchange *x, const uint8_t *p, size_t len, bool *too_big) {
    kg_ctx *k = x->k;
    krb5_context c = k->c;
    *too_big = false;
    wire_reader r, seq, e;
    der_tlv app, tkt;
    wire_reader_init(&r, p, len);
    if (!sr_is_ok(der_read_tlv(&r, &app)) || app.cls != DER_CLASS_APPLICATION ||
        (app.tag != MSG_TGS_REP && app.tag != MSG_KRB_ERROR))
        return fail(k, KRB5KRB_AP_ERR_MSG_TYPE);
    if (app.tag == MSG_KRB_ERROR) {
        int32_t code = 0;
        SR_TRY(kg_krb_error_read(k, p, len, &code));
        if (code == KRB5KRB_ERR_RESPONSE_TOO_BIG) {
            *too_big = true;
            return SR_SUCCESS;
        }
        return fail(k, code);
    }
    int64_t pvno, type, etype;
    const uint8_t *cipher;
    size_t cipher_len;
    bool same = true;
    sr res = der_expect(&app.contents, DER_CLASS_UNIVERSAL, true, DER_TAG_SEQUENCE, &seq);
    if (sr_is_ok(res)) res = r_int(&seq, 0, &pvno);
    if (sr_is_ok(res)) res = r_int(&seq, 1, &type);
    if (sr_is_ok(res)) res = r_skip_opt(&seq, 2); /* padata */
    if (sr_is_ok(res)) res = r_string_is(&seq, 3, &x->tgt->client->realm, &same);
    if (sr_is_ok(res)) res = r_principal_is(&seq, 4, x->tgt->client, &same);
    if (sr_is_ok(res)) res = r_ctx(&seq, 5, &e);
    if (sr_is_ok(res)) res = der_read_tlv(&e, &tkt);
    if (sr_is_ok(res) && (tkt.cls != DER_CLASS_APPLICATION || tkt.tag != APP_TICKET))
        res = SR_FAIL(SR_INVALID_TOKEN);
    wire_reader ed;
    if (sr_is_ok(res)) res = r_ctx(&seq, 6, &e);
    if (sr_is_ok(res))
        res = der_expect(&e, DER_CLASS_UNIVERSAL, true, DER_TAG_SEQUENCE, &ed);
    if (sr_is_ok(res)) res = r_int(&ed, 0, &etype);
    if (sr_is_ok(res)) res = r_skip_opt(&ed, 1); /* kvno */
    if (sr_is_ok(res)) res = r_octets(&ed, 2, &cipher, &cipher_len);
    if (!sr_is_ok(res) || pvno != 5 || type != MSG_TGS_REP)
        return fail(k, sr_is_ok(res) ? KRB5KRB_AP_ERR_MSG_TYPE : ASN1_BAD_FORMAT);
    if (!same) return fail(k, KRB5_KDCREP_MODIFIED);
    /* RFC 4120 5.4.2: in the authenticator's subkey (usage 9), or by older
     * KDCs in the TGT session key (usage 8). */
    uint8_t *plain = malloc(cipher_len ? cipher_len : 1);
    if (!plain) return SR_FAIL(SR_NO_MEMORY);
    size_t plain_len = 0;
    krb_key sess;
    res = SR_FAIL(SR_MESSAGE_ALTERED);
    if (etype == x->subkey.enctype)
        res = krb_decrypt_oneshot(&x->subkey, KRB5_KEYUSAGE_TGS_REP_ENCPART_SUBKEY, cipher,
                                  cipher_len, plain, &plain_len);
    if (!sr_is_ok(res) && res.code != SR_NO_MEMORY && etype == x->tgt->keyblock.enctype &&
        sr_is_ok(key_from_block(&x->tgt->keyblock, &sess))) {
        res = krb_decrypt_oneshot(&sess, KRB5_KEYUSAGE_TGS_REP_ENCPART_SESSKEY, cipher,
                                  cipher_len, plain, &plain_len);
        krb_key_wipe(&sess);
    }
    if (!sr_is_ok(res)) {
        free(plain);
        if (res.code == SR_NO_MEMORY) return res;
        return fail(k, KRB5KRB_AP_ERR_BAD_INTEGRITY);
    }
    bool bad = false;
    res = fwd_read_enc_part(x, plain, plain_len, tkt.whole, tkt.whole_len, &bad);
    crypto_free_wipe(plain, cipher_len);
    if (!sr_is_ok(res)) {
        if (res.code == SR_NO_MEMORY) return res;
        return fail(k, ASN1_BAD_FORMAT);
    }
    if (bad) return fail(k, KRB5_KDCREP_MODIFIED);
    /* RFC 4120 2.6: what we asked for (a KDC may ignore an option). */
    if (!(x->fwd->ticket_flags & TKT_FLG_FORWARDED)) {
        krb5_free_creds(c, x->fwd);
        x->fwd = NULL;
        return fail(k, KRB5KDC_ERR_BADOPTION);
    }
    return SR_SUCCESS;
}

static sr fwd_step(kg_exchange *x, const uint8_t *reply, size_t reply_len, bool *done,
                   kg_kdc_request *req) {
    bool too_big = false;
    if (reply) {
        SR_TRY(fwd_read_reply(x, reply, reply_len, &too_big));
        if (!too_big) {
            x->complete = true;
            *done = true;
            return SR_SUCCESS;
        }
    }
    req->data = x->req.data;
    req->len = x->req.len;
    req->realm = x->realm;
    req->tcp_only = too_big;
    return SR_SUCCESS;
}

sr kg_exchange_step(kg_exchange *x, const uint8_t *reply, size_t reply_len, bool *done,
                    kg_kdc_request *req) {
    *done = false;
    memset(req, 0, sizeof *req);
    SR_ENSURE(!x->complete, SR_INTERNAL);
    if (x->kind == KG_X_FWD) return fwd_step(x, reply, reply_len, done, req);
    krb5_data in, realm;
    in.magic = KV5M_DATA;
    in.data = (char *)reply;
    in.length = reply ? (unsigned)reply_len : 0;
    krb5_free_data_contents(x->k->c, &x->out);
    free(x->realm);
    x->realm = NULL;
    memset(&realm, 0, sizeof realm);
    unsigned int flags = 0;
    krb5_error_code code;
    if (x->kind == KG_X_AS)
        code = krb5_init_creds_step(x->k->c, x->icc, &in, &x->out, &realm, &flags);
    else
        code = krb5_tkt_creds_step(x->k->c, x->tcc, &in, &x->out, &realm, &flags);
    bool too_big = code == KRB5KRB_ERR_RESPONSE_TOO_BIG;
    if (code && !too_big) {
        krb5_free_data_contents(x->k->c, &realm);
        return fail(x->k, code);
    }
    if (!too_big && !(flags & 1)) {
        /* KRB5_INIT_CREDS_STEP_FLAG_CONTINUE == KRB5_TKT_CREDS_STEP_FLAG_CONTINUE == 1 */
        krb5_free_data_contents(x->k->c, &realm);
        x->complete = true;
        *done = true;
        return SR_SUCCESS;
    }
    x->realm = dup_data(&realm);
    krb5_free_data_contents(x->k->c, &realm);
    SR_ENSURE(x->realm != NULL, SR_NO_MEMORY);
    req->data = (const uint8_t *)x->out.data;
    req->len = x->out.length;
    req->realm = x->realm;
    req->tcp_only = too_big;
    return SR_SUCCESS;
}

sr kg_as_store(kg_exchange *x, kg_ccache *cc) {
    SR_ENSURE(x->kind == KG_X_AS && x->complete, SR_INTERNAL);
    krb5_creds creds;
    memset(&creds, 0, sizeof creds);
    krb5_error_code code = krb5_init_creds_get_creds(x->k->c, x->icc, &creds);
    if (!code) code = krb5_cc_initialize(x->k->c, cc->cc, creds.client);
    if (!code) code = krb5_cc_store_cred(x->k->c, cc->cc, &creds);
    krb5_free_cred_contents(x->k->c, &creds);
    if (code) return fail(x->k, code);
    return SR_SUCCESS;
}

sr kg_tgs_ticket(kg_exchange *x, kg_ticket **out) {
    *out = NULL;
    SR_ENSURE(x->kind != KG_X_AS && x->complete, SR_INTERNAL);
    kg_ticket *t = calloc(1, sizeof *t);
    SR_ENSURE(t != NULL, SR_NO_MEMORY);
    if (x->kind == KG_X_FWD) { /* handed over: the exchange is done with it */
        if (!x->fwd) {
            free(t);
            return SR_FAIL(SR_INTERNAL);
        }
        t->creds = x->fwd;
        x->fwd = NULL;
        atomic_init(&t->refs, 1);
        *out = t;
        return SR_SUCCESS;
    }
    t->creds = calloc(1, sizeof *t->creds);
    if (!t->creds) {
        free(t);
        return SR_FAIL(SR_NO_MEMORY);
    }
    krb5_error_code code = krb5_tkt_creds_get_creds(x->k->c, x->tcc, t->creds);
    if (code) {
        free(t->creds);
        free(t);
        return fail(x->k, code);
    }
    atomic_init(&t->refs, 1);
    *out = t;
    return SR_SUCCESS;
}

void kg_exchange_free(kg_exchange *x) {
    if (!x) return;
    krb5_context c = x->k->c;
    krb5_free_data_contents(c, &x->out);
    free(x->realm);
    if (x->icc) krb5_init_creds_free(c, x->icc);
    if (x->tcc) krb5_tkt_creds_free(c, x->tcc);
    if (x->opt) krb5_get_init_creds_opt_free(c, x->opt);
    if (x->tgt) krb5_free_creds(c, x->tgt);
    if (x->fwd) krb5_free_creds(c, x->fwd);
    krb_key_wipe(&x->subkey);
    kg_buf_free(&x->req);
    free(x);
}

/* ---- tickets --------------------------------------------------------- */

sr kg_ticket_cached(kg_ctx *k, kg_ccache *cc, const kg_principal *client,
                    const kg_principal *server, kg_ticket **out) {
    *out = NULL;
    krb5_creds in, *got = NULL;
    memset(&in, 0, sizeof in);
    in.client = client->p;
    in.server = server->p;
    krb5_error_code code = krb5_get_credentials(k->c, KRB5_GC_CACHED, cc->cc, &in, &got);
    if (code == KRB5_CC_NOTFOUND || code == KRB5_CC_END || code == KRB5KRB_AP_ERR_TKT_EXPIRED)
        return SR_SUCCESS;
    if (code) return fail(k, code);
    kg_ticket *t = calloc(1, sizeof *t);
    if (!t) {
        krb5_free_creds(k->c, got);
        return SR_FAIL(SR_NO_MEMORY);
    }
    atomic_init(&t->refs, 1);
    t->creds = got;
    *out = t;
    return SR_SUCCESS;
}

sr kg_ticket_new(kg_ctx *k, const kg_principal *client, const kg_principal *server,
                 const kg_times *times, uint32_t flags, const krb_key *session, kg_ticket **out) {
    *out = NULL;
    kg_ticket *t = calloc(1, sizeof *t);
    SR_ENSURE(t != NULL, SR_NO_MEMORY);
    atomic_init(&t->refs, 1);
    t->creds = calloc(1, sizeof *t->creds);
    if (!t->creds) {
        free(t);
        return SR_FAIL(SR_NO_MEMORY);
    }
    krb5_creds *c = t->creds;
    c->magic = KV5M_CREDS;
    krb5_error_code code = krb5_copy_principal(k->c, client->p, &c->client);
    if (!code) code = krb5_copy_principal(k->c, server->p, &c->server);
    if (!code && session) {
        c->keyblock.magic = KV5M_KEYBLOCK;
        c->keyblock.enctype = session->enctype;
        c->keyblock.length = (unsigned)session->len;
        c->keyblock.contents = malloc(session->len ? session->len : 1);
        if (!c->keyblock.contents)
            code = ENOMEM;
        else
            memcpy(c->keyblock.contents, session->bytes, session->len);
    }
    if (code) {
        kg_ticket_free(k, t);
        return fail(k, code);
    }
    c->times.authtime = (krb5_timestamp)times->authtime;
    c->times.starttime = (krb5_timestamp)times->starttime;
    c->times.endtime = (krb5_timestamp)times->endtime;
    c->times.renew_till = (krb5_timestamp)times->renew_till;
    c->ticket_flags = (krb5_flags)flags;
    *out = t;
    return SR_SUCCESS;
}

kg_ticket *kg_ticket_ref(kg_ticket *t) {
    if (t) atomic_fetch_add_explicit(&t->refs, 1, memory_order_relaxed);
    return t;
}

void kg_ticket_free(kg_ctx *k, kg_ticket *t) {
    if (!t) return;
    if (atomic_fetch_sub_explicit(&t->refs, 1, memory_order_acq_rel) != 1) return;
    krb5_free_creds(k->c, t->creds);
    free(t);
}

void kg_ticket_times(const kg_ticket *t, kg_times *out) {
    const krb5_ticket_times *tt = &t->creds->times;
    out->authtime = (uint32_t)tt->authtime;
    out->starttime = (uint32_t)(tt->starttime ? tt->starttime : tt->authtime);
    out->endtime = (uint32_t)tt->endtime;
    out->renew_till = (uint32_t)tt->renew_till;
}

uint32_t kg_ticket_flags(const kg_ticket *t) { return (uint32_t)t->creds->ticket_flags; }
int32_t kg_ticket_enctype(const kg_ticket *t) { return t->creds->keyblock.enctype; }

sr kg_ticket_server(kg_ctx *k, const kg_ticket *t, char **out) {
    kg_principal tmp = {t->creds->server};
    return kg_principal_unparse(k, &tmp, out);
}

/* ---- AP exchange ----------------------------------------------------- */

static sr key_from_block(const krb5_keyblock *kb, krb_key *out) {
    memset(out, 0, sizeof *out);
    if (kb->length > KRB_MAX_KEY_LEN) return SR_FAIL(SR_ALGORITHM_MISMATCH);
    out->enctype = kb->enctype;
    out->len = kb->length;
    /* A peer's empty key (an AP-REP subkey with no bytes) has no contents. */
    if (kb->length) memcpy(out->bytes, kb->contents, kb->length);
    return SR_SUCCESS;
}

static sr auth_new(kg_ctx *k, bool is_server, kg_auth **out) {
    kg_auth *a = calloc(1, sizeof *a);
    SR_ENSURE(a != NULL, SR_NO_MEMORY);
    a->is_server = is_server;
    krb5_error_code code = krb5_auth_con_init(k->c, &a->ac);
    if (!code)
        code = krb5_auth_con_setflags(k->c, a->ac,
                                      KRB5_AUTH_CONTEXT_DO_TIME | KRB5_AUTH_CONTEXT_DO_SEQUENCE);
    if (code) {
        sr r = fail(k, code);
        kg_auth_free(k, a);
        return r;
    }
    *out = a;
    return SR_SUCCESS;
}

void kg_auth_free(kg_ctx *k, kg_auth *a) {
    if (!a) return;
    if (a->ac) krb5_auth_con_free(k->c, a->ac);
    krb_key_wipe(&a->init_subkey);
    krb_key_wipe(&a->acc_subkey);
    krb_key_wipe(&a->session);
    free(a);
}

typedef struct cksum_cb_data {
    kg_ctx *k;
    const kg_ap_req_params *p;
    sr result;
    krb5_data out; /* what the callback hands out: krb5_mk_req_extended
                    * does not take ownership (we free it after) */
} cksum_cb_data;

/* krb5_mk_req_extended's checksum callback: build the RFC 4121 4.1.1
 * checksum, with the KRB-CRED of the forwarded TGT when delegating
 * (kg_fwd_new), encrypted in the ticket's session key as RFC 4121 4.1.1 and
 * MIT say: the send subkey is hidden meanwhile, and neither timestamp nor
 * sequence number goes in it. */
static krb5_error_code make_cksum_cb(krb5_context c, krb5_auth_context ac, void *arg,
                                     krb5_data **out) {
    cksum_cb_data *d = arg;
    krb5_data *credmsg = NULL;
    *out = NULL;
    if (d->p->fwd_tgt) {
        krb5_int32 flags = 0;
        krb5_keyblock *send_subkey = NULL;
        krb5_auth_con_getflags(c, ac, &flags);
        krb5_auth_con_setflags(c, ac,
                               flags & ~(KRB5_AUTH_CONTEXT_DO_TIME | KRB5_AUTH_CONTEXT_DO_SEQUENCE));
        krb5_auth_con_getsendsubkey(c, ac, &send_subkey);
        krb5_auth_con_setsendsubkey(c, ac, NULL);
        krb5_error_code code = krb5_mk_1cred(c, ac, d->p->fwd_tgt->creds, &credmsg, NULL);
        krb5_auth_con_setflags(c, ac, flags);
        krb5_auth_con_setsendsubkey(c, ac, send_subkey);
        krb5_free_keyblock(c, send_subkey);
        if (code == ENOMEM) {
            d->result = SR_FAIL(SR_NO_MEMORY);
            return ENOMEM;
        }
        if (code) {
            /* Delegation is best effort (as Windows and MIT): go on without. */
            credmsg = NULL;
            (void)fail(d->k, code);
            SSPI_LOG(SSPI_LOG_INFO, "kerberos", "delegation failed: %s", d->k->msg);
        }
    }
    kg_buf b = {0};
    d->result = d->p->build(d->p->build_arg, credmsg ? (const uint8_t *)credmsg->data : NULL,
                            credmsg ? credmsg->length : 0, &b);
    if (credmsg) krb5_free_data(c, credmsg);
    if (!sr_is_ok(d->result)) return KRB5_CRYPTO_INTERNAL;
    if (d->out.data) crypto_free_wipe(d->out.data, d->out.length);
    d->out.magic = KV5M_DATA;
    d->out.length = (unsigned)b.len;
    d->out.data = (char *)b.data;
    *out = &d->out;
    return 0;
}

sr kg_ap_req_make(kg_ctx *k, kg_ticket *ticket, const kg_ap_req_params *p, kg_auth **auth,
                  kg_buf *ap_req) {
    *auth = NULL;
    memset(ap_req, 0, sizeof *ap_req);
    kg_auth *a = NULL;
    SR_TRY(auth_new(k, false, &a));
    cksum_cb_data d;
    memset(&d, 0, sizeof d);
    d.k = k;
    d.p = p;
    d.result = SR_SUCCESS;
    krb5_auth_con_set_req_cksumtype(k->c, a->ac, (krb5_cksumtype)p->cksum_type);
    krb5_auth_con_set_checksum_func(k->c, a->ac, make_cksum_cb, &d);
    krb5_flags opts = AP_OPTS_USE_SUBKEY;
    if (p->mutual) opts |= AP_OPTS_MUTUAL_REQUIRED | AP_OPTS_ETYPE_NEGOTIATION;
    krb5_data out;
    memset(&out, 0, sizeof out);
    krb5_error_code code = krb5_mk_req_extended(k->c, &a->ac, opts, NULL, ticket->creds, &out);
    krb5_auth_con_set_checksum_func(k->c, a->ac, NULL, NULL);
    if (d.out.data) crypto_free_wipe(d.out.data, d.out.length);
    if (code) {
        sr r = sr_is_ok(d.result) ? fail(k, code) : d.result;
        kg_auth_free(k, a);
        return r;
    }
    /* Remember the initiator subkey: an AP-REP may replace it. */
    krb5_keyblock *kb = NULL;
    sr r = SR_SUCCESS;
    if (krb5_auth_con_getsendsubkey(k->c, a->ac, &kb) == 0 && kb) {
        r = key_from_block(kb, &a->init_subkey);
        a->has_init_subkey = sr_is_ok(r);
        krb5_free_keyblock(k->c, kb);
    }
    if (sr_is_ok(r)) r = key_from_block(&ticket->creds->keyblock, &a->session);
    a->have_session = sr_is_ok(r);
    if (!sr_is_ok(r)) {
        krb5_free_data_contents(k->c, &out);
        kg_auth_free(k, a);
        return r;
    }
    ap_req->data = malloc(out.length ? out.length : 1);
    if (!ap_req->data) {
        krb5_free_data_contents(k->c, &out);
        kg_auth_free(k, a);
        return SR_FAIL(SR_NO_MEMORY);
    }
    memcpy(ap_req->data, out.data, out.length);
    ap_req->len = out.length;
    krb5_free_data_contents(k->c, &out);
    *auth = a;
    return SR_SUCCESS;
}

sr kg_ap_rep_read(kg_ctx *k, kg_auth *a, const uint8_t *rep, size_t len) {
    krb5_data in;
    in.magic = KV5M_DATA;
    in.data = (char *)rep;
    in.length = (unsigned)len;
    krb5_ap_rep_enc_part *repl = NULL;
    krb5_error_code code = krb5_rd_rep(k->c, a->ac, &in, &repl);
    if (code) {
        sr r = fail(k, code);
        /* A reply we cannot decrypt or that does not match is a failed
         * mutual authentication. */
        if (r.code == SR_LOGON_DENIED || r.code == SR_INTERNAL) r = SR_FAIL(SR_MUTUAL_AUTH_FAILED);
        return r;
    }
    sr r = SR_SUCCESS;
    if (repl->subkey) {
        r = key_from_block(repl->subkey, &a->acc_subkey);
        a->has_acc_subkey = sr_is_ok(r);
    }
    krb5_free_ap_rep_enc_part(k->c, repl);
    a->mutual_done = true;
    return r;
}

static sr copy_out(kg_ctx *k, krb5_data *d, kg_buf *out) {
    out->data = malloc(d->length ? d->length : 1);
    if (!out->data) {
        krb5_free_data_contents(k->c, d);
        return SR_FAIL(SR_NO_MEMORY);
    }
    memcpy(out->data, d->data, d->length);
    out->len = d->length;
    krb5_free_data_contents(k->c, d);
    return SR_SUCCESS;
}

sr kg_ap_rep_make_dce(kg_ctx *k, kg_auth *a, kg_buf *ap_rep) {
    memset(ap_rep, 0, sizeof *ap_rep);
    krb5_data out;
    memset(&out, 0, sizeof out);
    krb5_error_code code = krb5_mk_rep_dce(k->c, a->ac, &out);
    if (code) return fail(k, code);
    return copy_out(k, &out, ap_rep);
}

sr kg_ap_rep_read_dce(kg_ctx *k, kg_auth *a, const uint8_t *rep, size_t len) {
    krb5_data in;
    in.magic = KV5M_DATA;
    in.data = (char *)rep;
    in.length = (unsigned)len;
    krb5_ui_4 nonce = 0;
    krb5_error_code code = krb5_rd_rep_dce(k->c, a->ac, &in, &nonce);
    if (code) {
        sr r = fail(k, code);
        return r.code == SR_INVALID_TOKEN ? r : SR_FAIL(SR_MUTUAL_AUTH_FAILED);
    }
    return SR_SUCCESS;
}

void kg_ap_req_info_clear(kg_ap_req_info *i) {
    if (!i) return;
    free(i->client);
    free(i->server);
    kg_buf_free(&i->cksum);
    memset(i, 0, sizeof *i);
}

sr kg_ap_req_read(kg_ctx *k, kg_keytab *kt, const kg_principal *server, const uint8_t *req,
                  size_t len, kg_auth **auth, kg_ap_req_info *info, int32_t *krb_error_code) {
    *auth = NULL;
    *krb_error_code = 0;
    memset(info, 0, sizeof *info);
    kg_auth *a = NULL;
    SR_TRY(auth_new(k, true, &a));
    krb5_data in;
    in.magic = KV5M_DATA;
    in.data = (char *)req;
    in.length = (unsigned)len;
    krb5_flags ap_opts = 0;
    krb5_ticket *tkt = NULL;
    krb5_error_code code =
        krb5_rd_req(k->c, &a->ac, &in, server ? server->p : NULL, kt->kt, &ap_opts, &tkt);
    if (code) {
        *krb_error_code = code;
        sr r = fail(k, code);
        kg_auth_free(k, a);
        return r;
    }
    sr r = SR_SUCCESS;
    kg_principal cp = {tkt->enc_part2->client}, sp = {tkt->server};
    r = kg_principal_unparse(k, &cp, &info->client);
    if (sr_is_ok(r)) r = kg_principal_unparse(k, &sp, &info->server);
    info->mutual = (ap_opts & AP_OPTS_MUTUAL_REQUIRED) != 0;
    const krb5_ticket_times *tt = &tkt->enc_part2->times;
    info->times.authtime = (uint32_t)tt->authtime;
    info->times.starttime = (uint32_t)(tt->starttime ? tt->starttime : tt->authtime);
    info->times.endtime = (uint32_t)tt->endtime;
    info->times.renew_till = (uint32_t)tt->renew_till;
    info->ticket_flags = (uint32_t)tkt->enc_part2->flags;
    if (sr_is_ok(r)) r = key_from_block(tkt->enc_part2->session, &a->session);
    a->have_session = sr_is_ok(r);
    krb5_free_ticket(k->c, tkt);
    if (sr_is_ok(r)) {
        krb5_authenticator *au = NULL;
        code = krb5_auth_con_getauthenticator(k->c, a->ac, &au);
        if (code) {
            r = fail(k, code);
        } else {
            if (au->checksum) {
                info->cksum_type = (uint32_t)au->checksum->checksum_type;
                info->cksum.len = au->checksum->length;
                info->cksum.data = malloc(au->checksum->length ? au->checksum->length : 1);
                if (!info->cksum.data)
                    r = SR_FAIL(SR_NO_MEMORY);
                else
                    memcpy(info->cksum.data, au->checksum->contents, au->checksum->length);
            }
            if (sr_is_ok(r) && au->subkey) {
                r = key_from_block(au->subkey, &a->init_subkey);
                a->has_init_subkey = sr_is_ok(r);
            }
            krb5_free_authenticator(k->c, au);
        }
    }
    if (!sr_is_ok(r)) {
        kg_ap_req_info_clear(info);
        kg_auth_free(k, a);
        return r;
    }
    *auth = a;
    return SR_SUCCESS;
}

sr kg_ap_rep_make(kg_ctx *k, kg_auth *a, bool new_subkey, kg_buf *ap_rep) {
    memset(ap_rep, 0, sizeof *ap_rep);
    krb5_int32 flags = 0;
    krb5_auth_con_getflags(k->c, a->ac, &flags);
    if (new_subkey) flags |= KRB5_AUTH_CONTEXT_USE_SUBKEY;
    krb5_auth_con_setflags(k->c, a->ac, flags);
    krb5_data out;
    memset(&out, 0, sizeof out);
    krb5_error_code code = krb5_mk_rep(k->c, a->ac, &out);
    if (code) return fail(k, code);
    sr r = SR_SUCCESS;
    if (new_subkey) {
        krb5_keyblock *kb = NULL;
        if (krb5_auth_con_getsendsubkey(k->c, a->ac, &kb) == 0 && kb) {
            r = key_from_block(kb, &a->acc_subkey);
            a->has_acc_subkey = sr_is_ok(r);
            krb5_free_keyblock(k->c, kb);
        }
    }
    if (sr_is_ok(r)) {
        ap_rep->data = malloc(out.length ? out.length : 1);
        if (!ap_rep->data)
            r = SR_FAIL(SR_NO_MEMORY);
        else {
            memcpy(ap_rep->data, out.data, out.length);
            ap_rep->len = out.length;
        }
    }
    krb5_free_data_contents(k->c, &out);
    a->mutual_done = true;
    return r;
}

sr kg_auth_read_cred(kg_ctx *k, kg_auth *a, const uint8_t *cred, size_t len, char **ccache_name) {
    *ccache_name = NULL;
    SR_ENSURE(a->have_session, SR_INTERNAL);
    krb5_auth_context nac = NULL;
    krb5_creds **creds = NULL;
    krb5_ccache cc = NULL;
    krb5_keyblock kb;
    memset(&kb, 0, sizeof kb);
    kb.magic = KV5M_KEYBLOCK;
    kb.enctype = a->session.enctype;
    kb.length = (unsigned)a->session.len;
    kb.contents = a->session.bytes;
    krb5_data in;
    in.magic = KV5M_DATA;
    in.data = (char *)cred;
    in.length = (unsigned)len;
    krb5_error_code code = krb5_auth_con_init(k->c, &nac);
    if (!code) code = krb5_auth_con_setflags(k->c, nac, 0);
    if (!code) code = krb5_auth_con_setrecvsubkey(k->c, nac, &kb);
    if (!code) code = krb5_rd_cred(k->c, nac, &in, &creds, NULL);
    if (!code && (!creds || !creds[0])) code = KRB5_NO_TKT_SUPPLIED;
    if (!code) code = krb5_cc_new_unique(k->c, "MEMORY", NULL, &cc);
    if (!code) code = krb5_cc_initialize(k->c, cc, creds[0]->client);
    for (size_t i = 0; !code && creds[i]; i++) code = krb5_cc_store_cred(k->c, cc, creds[i]);
    char *name = NULL;
    if (!code) code = krb5_cc_get_full_name(k->c, cc, &name);
    sr r = SR_SUCCESS;
    if (code) {
        r = fail(k, code);
        if (r.code != SR_NO_MEMORY) r = SR_FAIL(SR_INVALID_TOKEN);
        if (cc) krb5_cc_destroy(k->c, cc);
    } else {
        *ccache_name = dup_str(name);
        if (!*ccache_name) {
            r = SR_FAIL(SR_NO_MEMORY);
            krb5_cc_destroy(k->c, cc);
        } else {
            krb5_cc_close(k->c, cc);
        }
    }
    krb5_free_string(k->c, name);
    if (creds) krb5_free_tgt_creds(k->c, creds);
    if (nac) krb5_auth_con_free(k->c, nac);
    return r;
}

sr kg_auth_get_keys(kg_ctx *k, kg_auth *a, bool is_server, kg_auth_keys *out) {
    memset(out, 0, sizeof *out);
    SR_ENSURE(a->have_session, SR_INTERNAL);
    out->session = a->session;
    out->has_initiator_subkey = a->has_init_subkey;
    if (a->has_init_subkey) out->initiator_subkey = a->init_subkey;
    out->has_acceptor_subkey = a->has_acc_subkey;
    if (a->has_acc_subkey) out->acceptor_subkey = a->acc_subkey;
    krb5_int32 local = 0, remote = 0;
    krb5_auth_con_getlocalseqnumber(k->c, a->ac, &local);
    krb5_auth_con_getremoteseqnumber(k->c, a->ac, &remote);
    if (!a->mutual_done) {
        /* Without an AP-REP both directions start from the initiator's
         * number (RFC 4121 4.2.6 / RFC 1964 practice). */
        if (is_server)
            local = remote;
        else
            remote = local;
    }
    out->local_seq = (uint32_t)local;
    out->remote_seq = (uint32_t)remote;
    return SR_SUCCESS;
}

void kg_auth_keys_wipe(kg_auth_keys *keys) { crypto_wipe(keys, sizeof *keys); }

sr kg_krb_error_make(kg_ctx *k, int32_t code, const char *server, kg_buf *out) {
    memset(out, 0, sizeof *out);
    krb5_error err;
    memset(&err, 0, sizeof err);
    krb5_principal sp = NULL;
    krb5_error_code c;
    if (server)
        c = krb5_parse_name(k->c, server, &sp);
    else
        c = krb5_parse_name(k->c, "krbtgt", &sp);
    if (c) return fail(k, c);
    err.magic = KV5M_ERROR;
    err.server = sp;
    /* Keytab lookups have no protocol code: say it as RFC 4120 does. */
    if (code == KRB5_KT_NOTFOUND) code = KRB5KRB_AP_ERR_NOKEY;
    if (code == KRB5_KT_KVNONOTFOUND) code = KRB5KRB_AP_ERR_BADKEYVER;
    err.error = (code >= ERROR_TABLE_BASE_krb5 && code <= ERROR_TABLE_BASE_krb5 + 127)
                    ? (krb5_ui_4)(code - ERROR_TABLE_BASE_krb5)
                    : (krb5_ui_4)(KRB5KRB_ERR_GENERIC - ERROR_TABLE_BASE_krb5);
    krb5_us_timeofday(k->c, &err.stime, &err.susec);
    krb5_data d;
    memset(&d, 0, sizeof d);
    c = krb5_mk_error(k->c, &err, &d);
    krb5_free_principal(k->c, sp);
    if (c) return fail(k, c);
    out->data = malloc(d.length ? d.length : 1);
    if (!out->data) {
        krb5_free_data_contents(k->c, &d);
        return SR_FAIL(SR_NO_MEMORY);
    }
    memcpy(out->data, d.data, d.length);
    out->len = d.length;
    krb5_free_data_contents(k->c, &d);
    return SR_SUCCESS;
}

sr kg_krb_error_read(kg_ctx *k, const uint8_t *data, size_t len, int32_t *code) {
    *code = 0;
    krb5_data in;
    in.magic = KV5M_DATA;
    in.data = (char *)data;
    in.length = (unsigned)len;
    krb5_error *err = NULL;
    krb5_error_code c = krb5_rd_error(k->c, &in, &err);
    if (c) {
        (void)fail(k, c);
        return SR_FAIL(SR_INVALID_TOKEN);
    }
    *code = (int32_t)(err->error + ERROR_TABLE_BASE_krb5);
    krb5_free_error(k->c, err);
    return SR_SUCCESS;
}

/* ---- profile --------------------------------------------------------- */

void kg_kdc_list_clear(kg_kdc_list *l) {
    if (!l) return;
    for (size_t i = 0; i < l->count; i++) free(l->hosts[i]);
    free(l->hosts);
    free(l->ports);
    memset(l, 0, sizeof *l);
}

/* "host", "host:port", "[v6]:port", "udp/host", "tcp/host" (transport
 * prefixes are ignored: we always try UDP then TCP). URLs (KKDCP) are
 * skipped. */
static bool parse_kdc(const char *s, char **host, uint16_t *port) {
    *host = NULL;
    *port = 88;
    while (*s == ' ' || *s == '\t') s++;
    if (strstr(s, "://")) return false;
    if (strncmp(s, "udp/", 4) == 0 || strncmp(s, "tcp/", 4) == 0) s += 4;
    const char *end = s + strlen(s);
    const char *hs = s, *he;
    const char *portp = NULL;
    if (*s == '[') {
        he = strchr(s, ']');
        if (!he) return false;
        hs = s + 1;
        if (he[1] == ':') portp = he + 2;
    } else {
        const char *c = strchr(s, ':');
        if (c && strchr(c + 1, ':')) c = NULL; /* bare IPv6 */
        he = c ? c : end;
        if (c) portp = c + 1;
    }
    if (he == hs) return false;
    if (portp) {
        char *e;
        unsigned long v = strtoul(portp, &e, 10);
        if (e == portp || v == 0 || v > 65535) return false;
        *port = (uint16_t)v;
    }
    *host = malloc((size_t)(he - hs) + 1);
    if (!*host) return false;
    memcpy(*host, hs, (size_t)(he - hs));
    (*host)[he - hs] = '\0';
    return true;
}

sr kg_realm_kdcs(kg_ctx *k, const char *realm, kg_kdc_list *out) {
    memset(out, 0, sizeof *out);
    profile_t prof = NULL;
    krb5_error_code code = krb5_get_profile(k->c, &prof);
    if (code) return fail(k, code);
    const char *names[] = {"realms", realm, "kdc", NULL};
    char **values = NULL;
    code = profile_get_values(prof, names, &values);
    profile_release(prof);
    if (code || !values) return SR_SUCCESS; /* none configured */
    size_t n = 0;
    while (values[n]) n++;
    out->hosts = calloc(n ? n : 1, sizeof *out->hosts);
    out->ports = calloc(n ? n : 1, sizeof *out->ports);
    if (!out->hosts || !out->ports) {
        profile_free_list(values);
        kg_kdc_list_clear(out);
        return SR_FAIL(SR_NO_MEMORY);
    }
    for (size_t i = 0; i < n; i++) {
        char *h;
        uint16_t p;
        if (parse_kdc(values[i], &h, &p)) {
            out->hosts[out->count] = h;
            out->ports[out->count] = p;
            out->count++;
        }
    }
    profile_free_list(values);
    return SR_SUCCESS;
}

bool kg_dns_lookup_kdc(kg_ctx *k) {
    profile_t prof = NULL;
    int v = 1;
    if (krb5_get_profile(k->c, &prof) == 0) {
        /* As MIT: dns_lookup_kdc, whose default is dns_fallback (true). */
        int fallback = 1;
        if (profile_get_boolean(prof, "libdefaults", "dns_fallback", NULL, 1, &fallback) != 0)
            fallback = 1;
        if (profile_get_boolean(prof, "libdefaults", "dns_lookup_kdc", NULL, fallback, &v) != 0)
            v = fallback;
        profile_release(prof);
    }
    return v != 0;
}

size_t kg_udp_preference_limit(kg_ctx *k) {
    profile_t prof = NULL;
    int v = 1465;
    if (krb5_get_profile(k->c, &prof) == 0) {
        if (profile_get_integer(prof, "libdefaults", "udp_preference_limit", NULL, 1465, &v) != 0)
            v = 1465;
        profile_release(prof);
    }
    return v < 0 ? 0 : (size_t)v;
}

int32_t kg_clockskew(kg_ctx *k) {
    profile_t prof = NULL;
    int v = 300;
    if (krb5_get_profile(k->c, &prof) == 0) {
        if (profile_get_integer(prof, "libdefaults", "clockskew", NULL, 300, &v) != 0) v = 300;
        profile_release(prof);
    }
    return v;
}

sr kg_default_realm(kg_ctx *k, char **out) {
    *out = NULL;
    char *r = NULL;
    krb5_error_code code = krb5_get_default_realm(k->c, &r);
    if (code) return fail(k, code);
    *out = dup_str(r);
    krb5_free_default_realm(k->c, r);
    SR_ENSURE(*out != NULL, SR_NO_MEMORY);
    return SR_SUCCESS;
}
