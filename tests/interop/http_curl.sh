#!/usr/bin/env bash
# Interop over HTTP: `sspi serve-http` (AcceptSecurityContext per connection)
# against curl, and against our own client `sspi http`.
#   1. curl --ntlm (curl's own NTLM code)       -> 200, body names TESTDOM\alice
#   2. curl --ntlm, wrong password              -> 401, SEC_E_LOGON_DENIED
#   3. sspi http (ISC, NTLM)                    -> 200, exit 0; wrong password -> exit 1
#   4. sspi http with default credentials ($NTLM_USER_FILE's first account)
#   5. curl --negotiate (MIT GSSAPI SPNEGO carrying gss-ntlmssp's NTLM) -> 200,
#      only when a Negotiate package is registered (`sspi packages`); skipped
#      with a note otherwise.
# Everything listens on 127.0.0.1 only and is stopped by PID (lib.sh).
set -u
source "$(dirname "$0")/lib.sh"
interop_init http_curl "$1" "$2"
command -v curl >/dev/null || { echo "SKIP: curl is not installed"; exit 77; }
[ -x "$SSPI" ] || { echo "FAIL: $SSPI not built"; exit 1; }

printf 'TESTDOM:alice:Secret1!\n' >"$WORK/users"
# curl reads -u from its command line; this is a test account, not a secret.

# start_server TAG [ARGS...]: `sspi serve-http` on 127.0.0.1, sets $port.
start_server() {
    local tag=$1; shift
    rm -f "$WORK/ready.$tag"
    start_bg "$WORK/server.$tag.log" "$SSPI" serve-http -v --listen 127.0.0.1 --port 0 \
        --ready-file "$WORK/ready.$tag" --user-file "$WORK/users" "$@"
    server_pid=$last_pid
    wait_file "$WORK/ready.$tag" || { show_logs "$WORK/server.$tag.log"; exit 1; }
    port=$(cat "$WORK/ready.$tag")
    url="http://127.0.0.1:$port/"
}

start_server main

# 1. curl --ntlm
code=$(curl -sS --max-time 30 --ntlm -u 'TESTDOM\alice:Secret1!' -o "$WORK/curl_ntlm.body" \
    -w '%{http_code}' "$url" 2>"$WORK/curl_ntlm.err")
check "curl --ntlm: 200" [ "$code" = 200 ]
check "curl --ntlm: body names TESTDOM\\alice" contains "$WORK/curl_ntlm.body" 'Hello, TESTDOM\\alice (package NTLM)'
check "server logged TESTDOM\\alice" contains "$WORK/server.main.log" 'AUTHENTICATED TESTDOM\\alice'
[ "$code" = 200 ] || show_logs "$WORK/curl_ntlm.err" "$WORK/server.main.log"

# 1b. several requests on one connection: the NTLM context stays with it
code=$(curl -sS --max-time 30 --ntlm -u 'TESTDOM\alice:Secret1!' -o /dev/null \
    -w '%{http_code} %{num_connects}\n' "$url" -o /dev/null "${url}again" 2>/dev/null | tr '\n' ' ')
check "curl --ntlm: two URLs on one connection ($code)" [ "$code" = "200 1 200 0 " ]

# 2. curl --ntlm, wrong password
code=$(curl -sS --max-time 30 --ntlm -u 'TESTDOM\alice:wrong' -o "$WORK/curl_bad.body" \
    -w '%{http_code}' "$url" 2>"$WORK/curl_bad.err")
check "curl --ntlm, wrong password: 401" [ "$code" = 401 ]
check "wrong password: server says SEC_E_LOGON_DENIED" contains "$WORK/server.main.log" 'AUTH FAILED SEC_E_LOGON_DENIED'

# 3. our client
SSPI_PASSWORD='Secret1!' "$SSPI" http -v -u 'TESTDOM\alice' --password-env SSPI_PASSWORD \
    --package NTLM "${url}ours" >"$WORK/ours.body" 2>"$WORK/ours.err"
rc=$?
check "sspi http: exit 0" [ $rc = 0 ]
check "sspi http: body names TESTDOM\\alice" contains "$WORK/ours.body" 'Hello, TESTDOM\\alice (package NTLM)'
check "sspi http: type 3 sent on the connection" contains "$WORK/ours.err" 'AUTHENTICATE_MESSAGE (type 3)'
[ $rc = 0 ] || show_logs "$WORK/ours.err" "$WORK/server.main.log"

printf 'Secret1!\n' >"$WORK/password"
"$SSPI" http -u 'TESTDOM\alice' --password-file "$WORK/password" -d 'x=1' "${url}post" \
    >"$WORK/ours_post.body" 2>"$WORK/ours_post.err"
rc=$?
check "sspi http -d (POST), --password-file: exit 0" [ $rc = 0 ]
check "sspi http -d: body names TESTDOM\\alice" contains "$WORK/ours_post.body" 'TESTDOM\\alice'

SSPI_PASSWORD='wrong' "$SSPI" http -u 'TESTDOM\alice' --password-env SSPI_PASSWORD \
    "${url}bad" >"$WORK/ours_bad.body" 2>"$WORK/ours_bad.err"
rc=$?
check "sspi http, wrong password: exit 1" [ $rc = 1 ]
check "sspi http, wrong password: server body says SEC_E_LOGON_DENIED" \
    contains "$WORK/ours_bad.body" 'SEC_E_LOGON_DENIED'

# 4. default credentials: the first account of $NTLM_USER_FILE
NTLM_USER_FILE="$WORK/users" "$SSPI" http "${url}default" >"$WORK/ours_default.body" \
    2>"$WORK/ours_default.err"
rc=$?
check "sspi http, default credentials: exit 0" [ $rc = 0 ]
check "sspi http, default credentials: TESTDOM\\alice" contains "$WORK/ours_default.body" 'TESTDOM\\alice'

# 4b. no credentials at all offered by the client: curl without auth gets 401
code=$(curl -sS --max-time 30 -o /dev/null -w '%{http_code}' -D "$WORK/plain.headers" "$url")
check "no credentials: 401" [ "$code" = 401 ]
check "401 offers NTLM" contains "$WORK/plain.headers" 'WWW-Authenticate: NTLM'

# 5. curl --negotiate: needs a Negotiate package on our side. curl's GSSAPI
# back end ignores the password of -u (it only uses default credentials);
# with gss-ntlmssp those come from $NTLM_USER_FILE, so curl gets the same
# account file. MIT's SPNEGO then wraps NTLM (NegTokenInit with the NTLM
# OID), which only a Negotiate (SPNEGO) acceptor can take.
if "$SSPI" packages | grep -qx 'Negotiate'; then
    if ! ls /usr/lib/*/gssntlmssp/gssntlmssp.so >/dev/null 2>&1; then
        echo "note: gss-ntlmssp is not installed: curl --negotiate case skipped"
    else
        code=$(NTLM_USER_FILE="$WORK/users" curl -sS --max-time 30 --negotiate \
            -u 'TESTDOM\alice:Secret1!' -o "$WORK/curl_nego.body" -w '%{http_code}' \
            "${url}negotiate" 2>"$WORK/curl_nego.err")
        check "curl --negotiate (SPNEGO/NTLM via gss-ntlmssp): 200" [ "$code" = 200 ]
        check "curl --negotiate: body names TESTDOM\\alice" \
            contains "$WORK/curl_nego.body" 'TESTDOM\\alice (package Negotiate)'
        [ "$code" = 200 ] || show_logs "$WORK/curl_nego.err" "$WORK/server.main.log"
    fi
else
    echo "note: no Negotiate package registered (sspi packages): curl --negotiate case skipped"
fi

# --max-requests: the server stops by itself
start_server limited --max-requests 2
curl -sS --max-time 30 -o /dev/null "$url" 2>/dev/null
curl -sS --max-time 30 -o /dev/null "$url" 2>/dev/null
for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
check "--max-requests 2: server exited" eval '! kill -0 '"$server_pid"' 2>/dev/null'

interop_finish
