/*
 * Kerberos benchmark, libsspi against MIT krb5's own GSSAPI in the same run
 * (a tuning helper, not run by CTest; bench/run_krb_bench.sh sets up a
 * private realm and runs it):
 *
 *   (a) AP exchanges per second, in process, mutual authentication, with the
 *       service ticket already cached: client InitializeSecurityContext ->
 *       server AcceptSecurityContext (keytab) -> client
 *       InitializeSecurityContext (AP-REP), then both contexts deleted; and
 *       the same with gss_init_sec_context / gss_accept_sec_context.
 *   (b) per-message protection at 64 B, 1 KiB and 16 KiB on one established
 *       session each: MakeSignature vs gss_get_mic, EncryptMessage vs
 *       gss_wrap (sealed) on the initiator's side alone, and round trips
 *       (initiator protects, acceptor checks: VerifySignature /
 *       gss_verify_mic, DecryptMessage / gss_unwrap).
 *
 * Environment (set by run_krb_bench.sh): KRB5_CONFIG, KRB5CCNAME (a TGT
 * for the client), KRB5_KTNAME (keys of the service), and
 * SSPI_BENCH_TARGET (default "host/localhost"; MIT gets "host@localhost").
 * SSPI_BENCH_SECONDS: time per figure (default 1.0); SSPI_BENCH_AP_ONLY=1: only
 * (a) (for profiling: valgrind --tool=callgrind). With SSPI_BENCH_USER and
 * SSPI_BENCH_PASSWORD, (a) is also measured with password credentials on
 * both sides (a private MEMORY ccache each: libsspi's
 * SEC_WINNT_AUTH_IDENTITY, MIT's gss_acquire_cred_with_password).
 *
 * Note on (a) with the default ccache: libsspi never writes to the user's
 * ccache (libsspi_kerberos.h): the first InitializeSecurityContext of a
 * credential fetches the service ticket (TGS exchange, or the ccache's copy)
 * and keeps it in the credential's in-memory ticket cache, as Windows per
 * logon session; MIT stores it in the ccache and reads it back each time.
 * With password credentials both keep it in memory (MIT: its private
 * MEMORY ccache).
 *
 * Only this target links libgssapi_krb5 (bench/CMakeLists.txt).
 */
#define SECURITY_WIN32
#include <security.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_krb5.h>
#include <openssl/crypto.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define REQ_FLAGS                                                                          \
    (ISC_REQ_MUTUAL_AUTH | ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY |                   \
     ISC_REQ_REPLAY_DETECT | ISC_REQ_SEQUENCE_DETECT | ISC_REQ_ALLOCATE_MEMORY)
#define ASC_FLAGS                                                                          \
    (ASC_REQ_MUTUAL_AUTH | ASC_REQ_CONFIDENTIALITY | ASC_REQ_INTEGRITY |                   \
     ASC_REQ_REPLAY_DETECT | ASC_REQ_SEQUENCE_DETECT | ASC_REQ_ALLOCATE_MEMORY)
#define GSS_FLAGS                                                                          \
    (GSS_C_MUTUAL_FLAG | GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG | GSS_C_REPLAY_FLAG |          \
     GSS_C_SEQUENCE_FLAG)

static double g_secs = 1.0;
static const char *g_target = "host/localhost";
static char g_gss_target[256];

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die_sspi(const char *what, SECURITY_STATUS st) {
    fprintf(stderr, "bench_krb: %s failed: 0x%08lx\n", what, (unsigned long)st);
    exit(1);
}

static void die_gss(const char *what, OM_uint32 maj, OM_uint32 min) {
    fprintf(stderr, "bench_krb: %s failed: major 0x%x minor %u", what, maj, min);
    OM_uint32 mctx = 0, tmp;
    gss_buffer_desc msg;
    if (gss_display_status(&tmp, min, GSS_C_MECH_CODE, gss_mech_krb5, &mctx, &msg) ==
        GSS_S_COMPLETE) {
        fprintf(stderr, " (%.*s)", (int)msg.length, (const char *)msg.value);
        gss_release_buffer(&tmp, &msg);
    }
    fputc('\n', stderr);
    exit(1);
}

/* ---- libsspi ---------------------------------------------------------- */

typedef struct ours {
    CredHandle ccred, scred;
    CtxtHandle cctx, sctx;
    SecPkgContext_Sizes sizes;
} ours;

static void ours_creds(ours *o, const char *user, const char *password) {
    TimeStamp e;
    SEC_WINNT_AUTH_IDENTITY_A id;
    memset(&id, 0, sizeof id);
    if (user) {
        id.User = (unsigned char *)user;
        id.UserLength = (ULONG)strlen(user);
        id.Password = (unsigned char *)password;
        id.PasswordLength = (ULONG)strlen(password);
        id.Flags = SEC_WINNT_AUTH_IDENTITY_ANSI;
    }
    SECURITY_STATUS st = AcquireCredentialsHandleA(NULL, (SEC_CHAR *)"Kerberos",
                                                   SECPKG_CRED_OUTBOUND, NULL, user ? &id : NULL,
                                                   NULL, NULL, &o->ccred, &e);
    if (st != SEC_E_OK) die_sspi("AcquireCredentialsHandleA(OUTBOUND)", st);
    st = AcquireCredentialsHandleA(NULL, (SEC_CHAR *)"Kerberos", SECPKG_CRED_INBOUND, NULL, NULL,
                                   NULL, NULL, &o->scred, &e);
    if (st != SEC_E_OK) die_sspi("AcquireCredentialsHandleA(INBOUND)", st);
}

/* One mutual AP exchange; contexts left in o->cctx / o->sctx. */
static void ours_handshake(ours *o) {
    SecBuffer t1 = {0, SECBUFFER_TOKEN, NULL}, t2 = {0, SECBUFFER_TOKEN, NULL};
    SecBuffer t3 = {0, SECBUFFER_TOKEN, NULL};
    SecBufferDesc d1 = {SECBUFFER_VERSION, 1, &t1}, d2 = {SECBUFFER_VERSION, 1, &t2};
    SecBufferDesc d3 = {SECBUFFER_VERSION, 1, &t3};
    ULONG attrs;
    TimeStamp e;
    SECURITY_STATUS st =
        InitializeSecurityContextA(&o->ccred, NULL, (SEC_CHAR *)g_target, REQ_FLAGS, 0,
                                   SECURITY_NATIVE_DREP, NULL, 0, &o->cctx, &d1, &attrs, &e);
    if (st != SEC_I_CONTINUE_NEEDED) die_sspi("InitializeSecurityContextA (AP-REQ)", st);
    st = AcceptSecurityContext(&o->scred, NULL, &d1, ASC_FLAGS, SECURITY_NATIVE_DREP, &o->sctx,
                               &d2, &attrs, &e);
    if (st != SEC_E_OK) die_sspi("AcceptSecurityContext", st);
    st = InitializeSecurityContextA(&o->ccred, &o->cctx, (SEC_CHAR *)g_target, REQ_FLAGS, 0,
                                    SECURITY_NATIVE_DREP, &d2, 0, &o->cctx, &d3, &attrs, &e);
    if (st != SEC_E_OK) die_sspi("InitializeSecurityContextA (AP-REP)", st);
    FreeContextBuffer(t1.pvBuffer);
    FreeContextBuffer(t2.pvBuffer);
    if (t3.pvBuffer) FreeContextBuffer(t3.pvBuffer);
}

static void ours_delete(ours *o) {
    DeleteSecurityContext(&o->cctx);
    DeleteSecurityContext(&o->sctx);
}

/* ---- MIT GSSAPI ------------------------------------------------------- */

typedef struct mit {
    gss_cred_id_t ccred, scred;
    gss_name_t target;
    gss_ctx_id_t cctx, sctx;
} mit;

static void mit_creds(mit *m, const char *user, const char *password) {
    OM_uint32 maj, min;
    gss_buffer_desc nb = {strlen(g_gss_target), g_gss_target};
    maj = gss_import_name(&min, &nb, GSS_C_NT_HOSTBASED_SERVICE, &m->target);
    if (maj) die_gss("gss_import_name", maj, min);
    gss_OID_set_desc mechs = {1, (gss_OID)gss_mech_krb5};
    if (user) {
        gss_name_t un;
        gss_buffer_desc ub = {strlen(user), (void *)user};
        gss_buffer_desc pb = {strlen(password), (void *)password};
        maj = gss_import_name(&min, &ub, GSS_C_NT_USER_NAME, &un);
        if (maj) die_gss("gss_import_name(user)", maj, min);
        maj = gss_acquire_cred_with_password(&min, un, &pb, GSS_C_INDEFINITE, &mechs,
                                             GSS_C_INITIATE, &m->ccred, NULL, NULL);
        gss_release_name(&min, &un);
        if (maj) die_gss("gss_acquire_cred_with_password", maj, min);
    } else {
        maj = gss_acquire_cred(&min, GSS_C_NO_NAME, GSS_C_INDEFINITE, &mechs, GSS_C_INITIATE,
                               &m->ccred, NULL, NULL);
        if (maj) die_gss("gss_acquire_cred(initiate)", maj, min);
    }
    maj = gss_acquire_cred(&min, GSS_C_NO_NAME, GSS_C_INDEFINITE, &mechs, GSS_C_ACCEPT, &m->scred,
                           NULL, NULL);
    if (maj) die_gss("gss_acquire_cred(accept)", maj, min);
}

static void mit_handshake(mit *m) {
    OM_uint32 maj, min;
    gss_buffer_desc t1 = GSS_C_EMPTY_BUFFER, t2 = GSS_C_EMPTY_BUFFER, t3 = GSS_C_EMPTY_BUFFER;
    m->cctx = m->sctx = GSS_C_NO_CONTEXT;
    maj = gss_init_sec_context(&min, m->ccred, &m->cctx, m->target, (gss_OID)gss_mech_krb5,
                               GSS_FLAGS, 0, GSS_C_NO_CHANNEL_BINDINGS, GSS_C_NO_BUFFER, NULL, &t1,
                               NULL, NULL);
    if (maj != GSS_S_CONTINUE_NEEDED) die_gss("gss_init_sec_context (AP-REQ)", maj, min);
    maj = gss_accept_sec_context(&min, &m->sctx, m->scred, &t1, GSS_C_NO_CHANNEL_BINDINGS, NULL,
                                 NULL, &t2, NULL, NULL, NULL);
    if (maj != GSS_S_COMPLETE) die_gss("gss_accept_sec_context", maj, min);
    maj = gss_init_sec_context(&min, m->ccred, &m->cctx, m->target, (gss_OID)gss_mech_krb5,
                               GSS_FLAGS, 0, GSS_C_NO_CHANNEL_BINDINGS, &t2, NULL, &t3, NULL,
                               NULL);
    if (maj != GSS_S_COMPLETE) die_gss("gss_init_sec_context (AP-REP)", maj, min);
    gss_release_buffer(&min, &t1);
    gss_release_buffer(&min, &t2);
    gss_release_buffer(&min, &t3);
}

static void mit_delete(mit *m) {
    OM_uint32 min;
    gss_delete_sec_context(&min, &m->cctx, GSS_C_NO_BUFFER);
    gss_delete_sec_context(&min, &m->sctx, GSS_C_NO_BUFFER);
}

/* ---- timing ----------------------------------------------------------- */

typedef void (*op_fn)(void *arg, size_t len);

/* Runs op for about g_secs seconds (after a short warm-up); ops/s. */
static double rate(op_fn op, void *arg, size_t len, long batch) {
    for (long i = 0; i < batch; i++) op(arg, len);
    long n = 0;
    double t0 = now(), t;
    do {
        for (long i = 0; i < batch; i++) op(arg, len);
        n += batch;
        t = now() - t0;
    } while (t < g_secs);
    return (double)n / t;
}

static void op_ours_ap(void *arg, size_t len) {
    (void)len;
    ours *o = arg;
    ours_handshake(o);
    ours_delete(o);
}

static void op_mit_ap(void *arg, size_t len) {
    (void)len;
    mit *m = arg;
    mit_handshake(m);
    mit_delete(m);
}

static unsigned char g_msg[16384];
static unsigned char g_buf[16384 + 256];
static unsigned char g_sig[256];

/* MakeSignature over len bytes of g_msg into g_sig (b and d describe them). */
static void ours_sign(ours *o, size_t len, SecBuffer b[2], SecBufferDesc *d) {
    b[0] = (SecBuffer){(ULONG)len, SECBUFFER_DATA, g_msg};
    b[1] = (SecBuffer){o->sizes.cbMaxSignature, SECBUFFER_TOKEN, g_sig};
    *d = (SecBufferDesc){SECBUFFER_VERSION, 2, b};
    SECURITY_STATUS st = MakeSignature(&o->cctx, 0, d, 0);
    if (st != SEC_E_OK) die_sspi("MakeSignature", st);
}

static void op_ours_sign(void *arg, size_t len) {
    SecBuffer b[2];
    SecBufferDesc d;
    ours_sign(arg, len, b, &d);
}

static void op_ours_sign_verify(void *arg, size_t len) {
    ours *o = arg;
    SecBuffer b[2];
    SecBufferDesc d;
    ours_sign(o, len, b, &d);
    ULONG qop;
    SECURITY_STATUS st = VerifySignature(&o->sctx, &d, 0, &qop);
    if (st != SEC_E_OK) die_sspi("VerifySignature", st);
}

/* EncryptMessage in place: token || data in g_buf. */
static ULONG ours_seal(ours *o, size_t len, SecBuffer b[2]) {
    ULONG tl = o->sizes.cbSecurityTrailer;
    memcpy(g_buf + tl, g_msg, len);
    b[0] = (SecBuffer){tl, SECBUFFER_TOKEN, g_buf};
    b[1] = (SecBuffer){(ULONG)len, SECBUFFER_DATA, g_buf + tl};
    SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
    SECURITY_STATUS st = EncryptMessage(&o->cctx, 0, &d, 0);
    if (st != SEC_E_OK) die_sspi("EncryptMessage", st);
    return tl;
}

static void op_ours_seal(void *arg, size_t len) {
    SecBuffer b[2];
    (void)ours_seal(arg, len, b);
}

static void op_ours_seal_unseal(void *arg, size_t len) {
    ours *o = arg;
    SecBuffer b[2];
    (void)ours_seal(o, len, b);
    SecBufferDesc d = {SECBUFFER_VERSION, 2, b};
    ULONG qop;
    SECURITY_STATUS st = DecryptMessage(&o->sctx, &d, 0, &qop);
    if (st != SEC_E_OK) die_sspi("DecryptMessage", st);
}

/* gss_get_mic over in; the caller releases *mic. */
static void mit_mic(mit *m, gss_buffer_desc *in, gss_buffer_desc *mic) {
    OM_uint32 min, maj = gss_get_mic(&min, m->cctx, GSS_C_QOP_DEFAULT, in, mic);
    if (maj) die_gss("gss_get_mic", maj, min);
}

/* gss_wrap (confidentiality) of in; the caller releases *out. */
static void mit_wrap(mit *m, gss_buffer_desc *in, gss_buffer_desc *out) {
    int conf = 0;
    OM_uint32 min, maj = gss_wrap(&min, m->cctx, 1, GSS_C_QOP_DEFAULT, in, &conf, out);
    if (maj || !conf) die_gss("gss_wrap", maj, min);
}

static void op_mit_mic(void *arg, size_t len) {
    OM_uint32 min;
    gss_buffer_desc in = {len, g_msg}, mic;
    mit_mic(arg, &in, &mic);
    gss_release_buffer(&min, &mic);
}

static void op_mit_mic_verify(void *arg, size_t len) {
    mit *m = arg;
    OM_uint32 maj, min;
    gss_buffer_desc in = {len, g_msg}, mic;
    mit_mic(m, &in, &mic);
    maj = gss_verify_mic(&min, m->sctx, &in, &mic, NULL);
    if (GSS_ERROR(maj)) die_gss("gss_verify_mic", maj, min);
    gss_release_buffer(&min, &mic);
}

static void op_mit_wrap(void *arg, size_t len) {
    OM_uint32 min;
    gss_buffer_desc in = {len, g_msg}, out;
    mit_wrap(arg, &in, &out);
    gss_release_buffer(&min, &out);
}

static void op_mit_wrap_unwrap(void *arg, size_t len) {
    mit *m = arg;
    OM_uint32 maj, min;
    gss_buffer_desc in = {len, g_msg}, out, back;
    int conf = 0;
    mit_wrap(m, &in, &out);
    maj = gss_unwrap(&min, m->sctx, &out, &back, &conf, NULL);
    if (GSS_ERROR(maj) || back.length != len) die_gss("gss_unwrap", maj, min);
    gss_release_buffer(&min, &out);
    gss_release_buffer(&min, &back);
}

/* ---- report ----------------------------------------------------------- */

static void machine_info(void) {
    struct utsname u;
    char model[256] = "unknown";
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        char line[512];
        while (fgets(line, sizeof line, f)) {
            if (strncmp(line, "model name", 10) == 0) {
                const char *p = strchr(line, ':');
                if (p) {
                    snprintf(model, sizeof model, "%s", p + 2);
                    model[strcspn(model, "\n")] = '\0';
                }
                break;
            }
        }
        fclose(f);
    }
    printf("machine: %s, %ld online CPUs\n", model, sysconf(_SC_NPROCESSORS_ONLN));
    if (uname(&u) == 0) printf("kernel:  %s %s %s\n", u.sysname, u.release, u.machine);
    printf("crypto:  %s (libsspi); MIT krb5 has its own crypto (builtin or OpenSSL)\n",
           OpenSSL_version(OPENSSL_VERSION));
    const char *rc = getenv("KRB5RCACHETYPE");
    printf("replay cache: %s (both sides use MIT's, through libkrb5)\n", rc ? rc : "default");
    printf("single thread, %.1f s per figure\n\n", g_secs);
}

static void line(const char *what, double ours_v, double mit_v, size_t len) {
    if (len)
        printf("  %-28s %6zu B  %12.0f /s %9.1f MB/s   %12.0f /s %9.1f MB/s   %5.2fx\n", what,
               len, ours_v, ours_v * (double)len / 1e6, mit_v, mit_v * (double)len / 1e6,
               ours_v / mit_v);
    else
        printf("  %-37s %12.0f /s                  %12.0f /s                  %5.2fx\n", what,
               ours_v, mit_v, ours_v / mit_v);
}

/* Both sides' credentials, and MIT's target name. */
static void free_creds(ours *o, mit *m) {
    FreeCredentialsHandle(&o->ccred);
    FreeCredentialsHandle(&o->scred);
    OM_uint32 min;
    gss_release_cred(&min, &m->ccred);
    gss_release_cred(&min, &m->scred);
    gss_release_name(&min, &m->target);
}

/* The AP exchange figure: a first handshake on each side (which fetches
 * the tickets), then the rate of further ones. */
static void ap_line(const char *what, ours *o, mit *m) {
    ours_handshake(o);
    ours_delete(o);
    mit_handshake(m);
    mit_delete(m);
    double ap_o = rate(op_ours_ap, o, 0, 20);
    double ap_m = rate(op_mit_ap, m, 0, 20);
    line(what, ap_o, ap_m, 0);
}

static const size_t g_sizes[] = {64, 1024, 16384};

/* One per-message figure per message size, on fresh sessions when `fresh`
 * (the previous figures may have used sequence numbers the acceptors never
 * saw: a gap for their sequence window). */
static void message_lines(const char *what, op_fn ours_op, op_fn mit_op, ours *o, mit *m,
                          bool fresh) {
    if (fresh) {
        ours_delete(o);
        mit_delete(m);
        ours_handshake(o);
        mit_handshake(m);
    }
    for (size_t i = 0; i < sizeof g_sizes / sizeof g_sizes[0]; i++)
        line(what, rate(ours_op, o, g_sizes[i], 1000), rate(mit_op, m, g_sizes[i], 1000),
             g_sizes[i]);
}

int main(void) {
    const char *s = getenv("SSPI_BENCH_SECONDS");
    if (s && atof(s) > 0) g_secs = atof(s);
    if (getenv("SSPI_BENCH_TARGET")) g_target = getenv("SSPI_BENCH_TARGET");
    /* "host/localhost" -> "host@localhost" for GSS_C_NT_HOSTBASED_SERVICE. */
    snprintf(g_gss_target, sizeof g_gss_target, "%s", g_target);
    char *slash = strchr(g_gss_target, '/');
    if (slash) *slash = '@';
    char *at = strchr(slash ? slash + 1 : g_gss_target, '@');
    if (slash && at) *at = '\0'; /* drop a realm */
    if (!getenv("KRB5_CONFIG") || !getenv("KRB5CCNAME") || !getenv("KRB5_KTNAME"))
        fprintf(stderr, "bench_krb: KRB5_CONFIG / KRB5CCNAME / KRB5_KTNAME not all set: using "
                        "the system's defaults (bench/run_krb_bench.sh sets up a realm)\n");
    for (size_t i = 0; i < sizeof g_msg; i++) g_msg[i] = (unsigned char)(i * 7 + 1);

    machine_info();
    ours o;
    memset(&o, 0, sizeof o);
    mit m;
    memset(&m, 0, sizeof m);
    printf("%-39s %-33s %-33s %s\n", "", "libsspi", "MIT GSSAPI", "ratio");
    printf("(a) AP exchange, mutual (%s)\n", g_target);
    const char *user = getenv("SSPI_BENCH_USER"), *password = getenv("SSPI_BENCH_PASSWORD");
    if (user && password) {
        ours po;
        memset(&po, 0, sizeof po);
        mit pm;
        memset(&pm, 0, sizeof pm);
        ours_creds(&po, user, password);
        mit_creds(&pm, user, password);
        /* First exchanges: AS + TGS into the private caches. */
        ap_line("password creds, ticket cached", &po, &pm);
        free_creds(&po, &pm);
    }
    ours_creds(&o, NULL, NULL);
    mit_creds(&m, NULL, NULL);
    ap_line("default ccache, ticket cached", &o, &m);

    const char *ap_only = getenv("SSPI_BENCH_AP_ONLY");
    if (ap_only && ap_only[0] == '1') {
        free_creds(&o, &m);
        return 0;
    }
    ours_handshake(&o);
    mit_handshake(&m);
    SECURITY_STATUS st = QueryContextAttributesA(&o.cctx, SECPKG_ATTR_SIZES, &o.sizes);
    if (st != SEC_E_OK) die_sspi("QueryContextAttributesA(SIZES)", st);
    SecPkgContext_KeyInfoA ki;
    if (QueryContextAttributesA(&o.cctx, SECPKG_ATTR_KEY_INFO, &ki) == SEC_E_OK) {
        printf("(b) per message, session enctype %s\n", ki.sEncryptAlgorithmName);
        FreeContextBuffer(ki.sSignatureAlgorithmName);
        FreeContextBuffer(ki.sEncryptAlgorithmName);
    } else {
        printf("(b) per message\n");
    }
    message_lines("MakeSignature | gss_get_mic", op_ours_sign, op_mit_mic, &o, &m, false);
    message_lines("MIC + verify (round trip)", op_ours_sign_verify, op_mit_mic_verify, &o, &m,
                  true);
    message_lines("EncryptMessage | gss_wrap", op_ours_seal, op_mit_wrap, &o, &m, true);
    message_lines("wrap + unwrap (round trip)", op_ours_seal_unseal, op_mit_wrap_unwrap, &o, &m,
                  true);
    ours_delete(&o);
    mit_delete(&m);
    free_creds(&o, &m);
    return 0;
}
