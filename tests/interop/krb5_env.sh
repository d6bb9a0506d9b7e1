# Sourceable helper (not a test by itself: CTest runs tests/interop/*.sh, so
# this file exits 0 when executed directly): a private MIT KDC realm under a
# temporary directory, on 127.0.0.1 and a random high port. Nothing outside
# that directory is touched (KRB5_CONFIG / KRB5_KDC_PROFILE point into it;
# /etc is never read for the realm).
#
#   source tests/interop/krb5_env.sh
#   krb5_env_need              # exit 77 (skip) if the MIT KDC tools are missing
#   krb5_env_start DIR         # create the realm and start krb5kdc
#   ...                        # $KRB5_REALM, $KRB5_KDC_PORT, $KRB5_ENV_DIR,
#                              # $KRB5_ALICE_PASSWORD, $KRB5_SERVER_KEYTAB
#   krb5_env_kinit CCACHE      # kinit alice into CCACHE
#   krb5_env_stop              # kill the KDC by its PID (also on EXIT if
#                              # the caller's trap calls it)
#
# Principals: alice (password $KRB5_ALICE_PASSWORD), bob (no keys needed by
# the tests), host/localhost (ok-as-delegate) and HTTP/localhost (random
# keys, both in $KRB5_SERVER_KEYTAB; HTTP/localhost alone in
# $KRB5_HTTP_ONLY_KEYTAB). alice's keys are also in $KRB5_ENV_DIR/alice.keytab
# (for client keytab tests: KRB5_CLIENT_KTNAME).
#
# rc4 variant: KRB5_ENV_RC4=1 before krb5_env_start adds rc4-hmac to the
# realm's supported enctypes, `allow_weak_crypto = true` and `allow_rc4 =
# true` (the KDC issues no rc4-hmac session key without it) to this realm's
# krb5.conf, and a service rc4svc/localhost whose only key is rc4-hmac (in
# $KRB5_SERVER_KEYTAB) and session_enctypes rc4-hmac (the KDC would pick an
# AES session key otherwise): its tickets carry rc4-hmac session keys. Everything
# else stays AES.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    echo "krb5_env.sh is a helper to source, not a test"; exit 0
fi

KRB5_REALM=SSPI.TEST
KRB5_ALICE_PASSWORD='Alice-Secret1!'
krb5_kdc_pid=

krb5_env_need() {
    local b
    for b in /usr/sbin/krb5kdc /usr/sbin/kdb5_util /usr/sbin/kadmin.local /usr/bin/kinit; do
        if [ ! -x "$b" ]; then echo "SKIP: $b is not installed"; exit 77; fi
    done
}

# A port free for both UDP and TCP on 127.0.0.1.
krb5_free_port() {
    /usr/bin/python3 - <<'EOF'
import random, socket
for _ in range(200):
    p = random.randint(20000, 60000)
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        t.bind(("127.0.0.1", p)); u.bind(("127.0.0.1", p))
    except OSError:
        continue
    finally:
        t.close(); u.close()
    print(p); break
EOF
}

krb5_env_write_conf() {
    cat >"$KRB5_ENV_DIR/krb5.conf" <<EOF
[libdefaults]
    default_realm = $KRB5_REALM
    dns_lookup_kdc = false
    dns_lookup_realm = false
    dns_canonicalize_hostname = false
    rdns = false
    default_ccache_name = FILE:$KRB5_ENV_DIR/default_ccache
    default_keytab_name = FILE:$KRB5_SERVER_KEYTAB
    default_client_keytab_name = FILE:$KRB5_ENV_DIR/client.keytab
    forwardable = true
    ${KRB5_EXTRA_LIBDEFAULTS:-}
    $([ "${KRB5_ENV_RC4:-0}" = 1 ] && printf 'allow_weak_crypto = true\n    allow_rc4 = true')

[realms]
    $KRB5_REALM = {
        kdc = 127.0.0.1:$KRB5_KDC_PORT
    }

[domain_realm]
    localhost = $KRB5_REALM
EOF
}

krb5_env_start() {
    KRB5_ENV_DIR=$1/krb5
    mkdir -p "$KRB5_ENV_DIR"
    KRB5_KDC_PORT=$(krb5_free_port)
    KRB5_SERVER_KEYTAB=$KRB5_ENV_DIR/server.keytab
    KRB5_HTTP_ONLY_KEYTAB=$KRB5_ENV_DIR/http_only.keytab
    export KRB5_CONFIG=$KRB5_ENV_DIR/krb5.conf
    export KRB5_KDC_PROFILE=$KRB5_ENV_DIR/kdc.conf
    export KRB5RCACHEDIR=$KRB5_ENV_DIR/rcache
    export KRB5CCNAME=FILE:$KRB5_ENV_DIR/default_ccache
    export KRB5_KTNAME=FILE:$KRB5_SERVER_KEYTAB
    export KRB5_CLIENT_KTNAME=FILE:$KRB5_ENV_DIR/client.keytab
    export KRB5_TRACE=${KRB5_TRACE:-/dev/null}
    mkdir -p "$KRB5RCACHEDIR"
    krb5_env_write_conf
    cat >"$KRB5_KDC_PROFILE" <<EOF
[kdcdefaults]
    kdc_listen = 127.0.0.1:$KRB5_KDC_PORT
    kdc_tcp_listen = 127.0.0.1:$KRB5_KDC_PORT

[realms]
    $KRB5_REALM = {
        database_name = $KRB5_ENV_DIR/principal
        key_stash_file = $KRB5_ENV_DIR/stash
        acl_file = $KRB5_ENV_DIR/kadm5.acl
        supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal$([ "${KRB5_ENV_RC4:-0}" = 1 ] && echo " rc4-hmac:normal")
        max_life = 10h
        max_renewable_life = 7d
    }

[logging]
    kdc = FILE:$KRB5_ENV_DIR/kdc.log
EOF
    : >"$KRB5_ENV_DIR/kadm5.acl"
    local kl="/usr/sbin/kadmin.local -r $KRB5_REALM"
    /usr/sbin/kdb5_util -r "$KRB5_REALM" create -s -P "master-$RANDOM$RANDOM" \
        >"$KRB5_ENV_DIR/setup.log" 2>&1 || { cat "$KRB5_ENV_DIR/setup.log"; return 1; }
    {
        $kl -q "addprinc -pw $KRB5_ALICE_PASSWORD alice" &&
        $kl -q "addprinc -randkey bob" &&
        $kl -q "addprinc -randkey host/localhost" &&
        $kl -q "addprinc -randkey HTTP/localhost" &&
        $kl -q "modprinc +ok_as_delegate host/localhost" &&
        $kl -q "ktadd -k $KRB5_SERVER_KEYTAB host/localhost HTTP/localhost" &&
        $kl -q "ktadd -k $KRB5_HTTP_ONLY_KEYTAB -norandkey HTTP/localhost" &&
        $kl -q "ktadd -k $KRB5_ENV_DIR/alice.keytab -norandkey alice"
    } >>"$KRB5_ENV_DIR/setup.log" 2>&1 || { cat "$KRB5_ENV_DIR/setup.log"; return 1; }
    if [ "${KRB5_ENV_RC4:-0}" = 1 ]; then
        {
            $kl -q "addprinc -randkey -e rc4-hmac:normal rc4svc/localhost" &&
            $kl -q "setstr rc4svc/localhost session_enctypes rc4-hmac" &&
            $kl -q "ktadd -k $KRB5_SERVER_KEYTAB -e rc4-hmac:normal rc4svc/localhost"
        } >>"$KRB5_ENV_DIR/setup.log" 2>&1 || { cat "$KRB5_ENV_DIR/setup.log"; return 1; }
    fi
    /usr/sbin/krb5kdc -n -r "$KRB5_REALM" >"$KRB5_ENV_DIR/krb5kdc.out" 2>&1 &
    krb5_kdc_pid=$!
    # Ready when a kinit works.
    local i
    for i in $(seq 50); do
        if krb5_env_kinit "FILE:$KRB5_ENV_DIR/probe_ccache" 2>/dev/null; then
            rm -f "$KRB5_ENV_DIR/probe_ccache"
            return 0
        fi
        sleep 0.1
    done
    echo "krb5kdc did not start:"; cat "$KRB5_ENV_DIR/krb5kdc.out" "$KRB5_ENV_DIR/kdc.log" 2>/dev/null
    return 1
}

# krb5_env_kinit CCACHE [PRINCIPAL PASSWORD]
krb5_env_kinit() {
    local cc=$1 princ=${2:-alice@$KRB5_REALM} pw=${3:-$KRB5_ALICE_PASSWORD}
    printf '%s\n' "$pw" | KRB5CCNAME=$cc /usr/bin/kinit "$princ" >/dev/null
}

krb5_env_stop() {
    if [ -n "$krb5_kdc_pid" ]; then
        kill "$krb5_kdc_pid" 2>/dev/null
        wait "$krb5_kdc_pid" 2>/dev/null
        krb5_kdc_pid=
    fi
}
