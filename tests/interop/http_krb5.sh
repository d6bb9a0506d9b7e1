#!/usr/bin/env bash
# Interop over HTTP with Kerberos (SPNEGO "Negotiate" scheme, RFC 4559) in a
# private MIT realm (krb5_env.sh), URLs on http://localhost:PORT/ so that the
# service principal is HTTP/localhost:
#   1. curl --negotiate (Debian curl, MIT GSSAPI; KRB5CCNAME from kinit)
#      -> sspi serve-http --keytab (HTTP/localhost only)   -> 200 as alice@REALM
#   2. sspi http (Negotiate with Kerberos, default ccache) -> sspi serve-http
#   3. sspi http -> Apache mod_auth_gssapi with a Kerberos keytab
#      (GssapiCredStore keytab:...; apache_env.sh)         -> 200, mutual
#      authentication completed with the final WWW-Authenticate token
#      (curl --negotiate against the same Apache first, as a sanity check)
# Everything listens on 127.0.0.1 only and is stopped by PID (lib.sh).
set -u
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/krb5_env.sh"
source "$(dirname "$0")/apache_env.sh"
interop_init http_krb5 "$1" "$2"
[ -x "$SSPI" ] || { echo "FAIL: $SSPI not built"; exit 1; }
command -v curl >/dev/null || { echo "SKIP: curl is not installed"; exit 77; }
curl -V | grep -qi 'GSS-API\|SPNEGO' || { echo "SKIP: curl has no GSS-API/SPNEGO"; exit 77; }
krb5_env_need
if ! "$SSPI" packages 2>/dev/null | grep -qx 'Negotiate'; then
    echo "SKIP: this build has no Negotiate package"; exit 77
fi
trap 'apache_env_stop; krb5_env_stop; interop_cleanup' EXIT
krb5_env_start "$WORK" || { echo "FAIL: cannot start the KDC"; exit 1; }
R=$KRB5_REALM
export KRB5CCNAME=FILE:$WORK/alice_ccache
krb5_env_kinit "$KRB5CCNAME" || { echo "FAIL: kinit alice"; exit 1; }
# No NTLM account anywhere: only Kerberos can succeed.
export NTLM_USER_FILE=$WORK/no_users

# 1. curl --negotiate -> sspi serve-http
rm -f "$WORK/ready.serve"
start_bg "$WORK/serve.log" "$SSPI" serve-http -v --listen 127.0.0.1 --port 0 \
    --ready-file "$WORK/ready.serve" --package Negotiate --keytab "FILE:$KRB5_HTTP_ONLY_KEYTAB"
wait_file "$WORK/ready.serve" || { show_logs "$WORK/serve.log"; exit 1; }
url="http://localhost:$(cat "$WORK/ready.serve")/"
code=$(curl -sS --max-time 30 --negotiate -u : -o "$WORK/curl.body" -w '%{http_code}' "$url" \
    2>"$WORK/curl.err")
check "curl --negotiate -> serve-http: 200" [ "$code" = 200 ]
check "curl --negotiate -> serve-http: body names alice@$R" \
    contains "$WORK/curl.body" "Hello, alice@$R (package Negotiate)"
check "serve-http logged alice@$R" contains "$WORK/serve.log" "AUTHENTICATED alice@$R"
check "serve-http: Kerberos inside SPNEGO" contains "$WORK/serve.log" 'negotiated package: Kerberos'
check "serve-http: mutual (AP-REP in the final token)" \
    grep -q 'context flags: MUTUAL_AUTH' "$WORK/serve.log"
[ "$code" = 200 ] || show_logs "$WORK/curl.err" "$WORK/serve.log"

# 2. sspi http -> sspi serve-http
"$SSPI" http -v --package Negotiate "${url}ours" >"$WORK/ours_serve.body" 2>"$WORK/ours_serve.err"
rc=$?
check "sspi http -> serve-http: exit 0" [ $rc = 0 ]
check "sspi http -> serve-http: body names alice@$R" \
    contains "$WORK/ours_serve.body" "Hello, alice@$R (package Negotiate)"
check "sspi http -> serve-http: Kerberos AP-REQ sent" \
    contains "$WORK/ours_serve.err" 'carrying Kerberos AP-REQ'
check "sspi http -> serve-http: mutual authentication" \
    contains "$WORK/ours_serve.err" 'context flags: MUTUAL_AUTH'
[ $rc = 0 ] || show_logs "$WORK/ours_serve.err" "$WORK/serve.log"

# 3. Apache mod_auth_gssapi with a Kerberos keytab. Its workers (nobody when
#    run as root) read the keytab and the realm's krb5.conf; no replay cache
#    (nothing writable for them).
if [ -e "$APACHE" ] && [ -e "$APACHE_MODS/mod_auth_gssapi.so" ]; then
    cp "$KRB5_HTTP_ONLY_KEYTAB" "$WORK/apache.keytab"
    chmod 644 "$WORK/apache.keytab" "$KRB5_CONFIG"
    chmod 755 "$KRB5_ENV_DIR"
    KRB5RCACHETYPE=none apache_env_start "$WORK" "    AuthType GSSAPI
    AuthName \"libsspi Kerberos interop\"
    GssapiAllowedMech krb5
    GssapiCredStore keytab:$WORK/apache.keytab
    Require valid-user" || { echo "FAIL: cannot start apache"; exit 1; }
    aurl="http://localhost:$apache_port/protected"

    code=$(curl -sS --max-time 30 --negotiate -u : -o "$WORK/curl_apache.body" -w '%{http_code}' \
        "$aurl" 2>"$WORK/curl_apache.err")
    check "apache sanity: curl --negotiate (Kerberos) gets 200" [ "$code" = 200 ]
    [ "$code" = 200 ] || show_logs "$WORK/curl_apache.err" "$AP/error.log"

    "$SSPI" http -v --package Negotiate "$aurl" >"$WORK/ours_apache.body" 2>"$WORK/ours_apache.err"
    rc=$?
    check "sspi http -> apache (Kerberos): exit 0" [ $rc = 0 ]
    check "sspi http -> apache (Kerberos): protected content" \
        contains "$WORK/ours_apache.body" 'protected content'
    check "sspi http -> apache (Kerberos): Kerberos AP-REQ sent" \
        contains "$WORK/ours_apache.err" 'carrying Kerberos AP-REQ'
    check "sspi http -> apache (Kerberos): mutual authentication" \
        contains "$WORK/ours_apache.err" 'context flags: MUTUAL_AUTH'
    check "sspi http -> apache (Kerberos): the final token completed the context" \
        grep -q 'HTTP/localhost") -> SEC_E_OK' "$WORK/ours_apache.err"
    check "sspi http -> apache (Kerberos): no incomplete mutual authentication" \
        lacks "$WORK/ours_apache.err" 'mutual authentication was not completed'
    [ $rc = 0 ] || show_logs "$WORK/ours_apache.err" "$AP/error.log"
    apache_env_stop
else
    echo "note: SKIPPED 'sspi http -> apache': apache2 / libapache2-mod-auth-gssapi missing"
fi

interop_finish
