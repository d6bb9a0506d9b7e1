#!/usr/bin/env bash
# Interop over HTTP: our client `sspi http` against a private Apache httpd
# with mod_auth_gssapi, whose GSSAPI acceptor is MIT SPNEGO + gss-ntlmssp
# (Debian packages apache2, libapache2-mod-auth-gssapi, gss-ntlmssp).
#
# Apache runs from its own ServerRoot and httpd.conf in the work directory
# (apache_env.sh: no /etc/apache2 configuration is read), listens on
# 127.0.0.1 only, and is stopped by the PID in its PidFile. The /protected
# location uses
#   AuthType GSSAPI, GssapiAllowedMech ntlmssp, GssapiConnectionBound On
# (NTLM needs several round trips on one connection: without
# GssapiConnectionBound mod_auth_gssapi refuses it), and gss-ntlmssp checks
# passwords against $NTLM_USER_FILE, exported to apache2 (its workers
# inherit it). mod_auth_gssapi then answers 401 with both
# "WWW-Authenticate: Negotiate" and "WWW-Authenticate: NTLM".
#
#   0. sanity check of the Apache setup: curl --negotiate (MIT SPNEGO carrying
#      gss-ntlmssp's NTLM; curl's GSSAPI ignores -u's password and takes the
#      default credentials, i.e. the first account of $NTLM_USER_FILE) -> 200.
#      curl --ntlm is run too but only reported: gss-ntlmssp refuses curl's
#      32-byte NEGOTIATE_MESSAGE (no Version field) with "Invalid token was
#      supplied (Failed to decode data)", which is neither Apache's nor our
#      problem.
#   1. sspi http, auto (Negotiate when registered, else NTLM)  -> 200
#   2. sspi http --package NTLM (scheme NTLM)                  -> 200
#   3. sspi http, wrong password                               -> 401, exit 1
#   4. sspi http --package Negotiate (SPNEGO, with the final
#      "WWW-Authenticate: Negotiate" token checked by ISC)     -> 200, only
#      when `sspi packages` lists a Negotiate package; skipped with a note
#      otherwise.
set -u
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/apache_env.sh"
interop_init http_apache "$1" "$2"
[ -x "$SSPI" ] || { echo "FAIL: $SSPI not built"; exit 1; }
apache_env_need
ls /usr/lib/*/gssntlmssp/gssntlmssp.so >/dev/null 2>&1 ||
    { echo "SKIP: gss-ntlmssp is not installed"; exit 77; }

printf 'TESTDOM:alice:Secret1!\n' >"$WORK/users" # a test account
chmod 644 "$WORK/users"
NTLM_USER_FILE="$WORK/users" apache_env_start "$WORK" '    AuthType GSSAPI
    AuthName "libsspi interop"
    GssapiAllowedMech ntlmssp
    GssapiConnectionBound On
    Require valid-user' || { echo "FAIL: cannot start apache"; exit 1; }
port=$apache_port
url="http://127.0.0.1:$port/protected"

# 0. sanity checks of the Apache setup
code=$(curl -sS --max-time 30 -o /dev/null -w '%{http_code}' -D "$WORK/plain.headers" "$url")
check "apache: 401 without credentials" [ "$code" = 401 ]
check "apache offers Negotiate" contains "$WORK/plain.headers" 'WWW-Authenticate: Negotiate'
code=$(NTLM_USER_FILE="$WORK/users" curl -sS --max-time 30 --negotiate -u : \
    -o "$WORK/curl_nego.body" -w '%{http_code}' "$url" 2>"$WORK/curl_nego.err")
check "apache sanity: curl --negotiate (SPNEGO/gss-ntlmssp) gets 200" [ "$code" = 200 ]
[ "$code" = 200 ] || show_logs "$WORK/curl_nego.err" "$AP/error.log"
code=$(curl -sS --max-time 30 --ntlm -u 'TESTDOM\alice:Secret1!' -o /dev/null \
    -w '%{http_code}' "$url" 2>/dev/null)
echo "note: curl --ntlm against mod_auth_gssapi/gss-ntlmssp: HTTP $code (informational only)"

# 1. our client, automatic package choice
SSPI_PASSWORD='Secret1!' "$SSPI" http -v -u 'TESTDOM\alice' --password-env SSPI_PASSWORD "$url" \
    >"$WORK/ours.body" 2>"$WORK/ours.err"
rc=$?
check "sspi http (auto) -> apache: exit 0" [ $rc = 0 ]
check "sspi http (auto) -> apache: protected content" contains "$WORK/ours.body" 'protected content'
[ $rc = 0 ] || show_logs "$WORK/ours.err" "$AP/error.log"

# 2. our client, NTLM scheme
SSPI_PASSWORD='Secret1!' "$SSPI" http -v --package NTLM -u 'TESTDOM\alice' \
    --password-env SSPI_PASSWORD "$url" >"$WORK/ours_ntlm.body" 2>"$WORK/ours_ntlm.err"
rc=$?
check "sspi http --package NTLM -> apache: exit 0" [ $rc = 0 ]
check "sspi http --package NTLM -> apache: protected content" \
    contains "$WORK/ours_ntlm.body" 'protected content'
[ $rc = 0 ] || show_logs "$WORK/ours_ntlm.err" "$AP/error.log"

# 3. wrong password
SSPI_PASSWORD='wrong' "$SSPI" http -u 'TESTDOM\alice' --password-env SSPI_PASSWORD "$url" \
    >"$WORK/ours_bad.body" 2>"$WORK/ours_bad.err"
rc=$?
check "sspi http, wrong password -> apache: exit 1" [ $rc = 1 ]
check "sspi http, wrong password -> apache: HTTP 401" contains "$WORK/ours_bad.err" '401'

# 4. SPNEGO proper, with mutual authentication on the final token
if "$SSPI" packages | grep -qx 'Negotiate'; then
    SSPI_PASSWORD='Secret1!' "$SSPI" http -v --package Negotiate -u 'TESTDOM\alice' \
        --password-env SSPI_PASSWORD "$url" >"$WORK/ours_nego.body" 2>"$WORK/ours_nego.err"
    rc=$?
    check "sspi http --package Negotiate -> apache: exit 0" [ $rc = 0 ]
    check "sspi http --package Negotiate -> apache: protected content" \
        contains "$WORK/ours_nego.body" 'protected content'
    check "sspi http --package Negotiate: SPNEGO tokens" contains "$WORK/ours_nego.err" 'SPNEGO'
    check "sspi http --package Negotiate: final token completed the context" \
        lacks "$WORK/ours_nego.err" 'mutual authentication was not completed'
    [ $rc = 0 ] || show_logs "$WORK/ours_nego.err" "$AP/error.log"
else
    echo "note: SKIPPED 'sspi http --package Negotiate -> apache': no Negotiate package is" \
        "registered yet (sspi packages); it runs once the SPNEGO package lands"
fi

apache_env_stop
check "apache stopped by the PID of its PidFile" eval '! kill -0 '"$apache_pid"' 2>/dev/null'
interop_finish
