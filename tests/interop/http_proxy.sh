#!/usr/bin/env bash
# Interop for proxy authentication (HTTP 407, RFC 7235 section 3.2, MS-NTHT):
# `sspi serve-http --proxy-auth` is an authenticating forward-proxy endpoint
# that answers every absolute-form request itself (nothing is forwarded), and
# the clients are curl and our own `sspi http --proxy`.
#   1. curl --proxy-ntlm (curl's own NTLM code)        -> 200, body names TESTDOM\alice
#      two URLs on one connection (the NTLM context stays with it); HTTP/1.0
#      requests kept alive by "Proxy-Connection: Keep-Alive"
#   2. curl --proxy-ntlm, wrong password               -> 407, SEC_E_LOGON_DENIED
#   3. curl without proxy credentials                  -> 407 offering Negotiate and NTLM
#      in Proxy-Authenticate; an origin-form request    -> 400
#   4. curl --proxy-negotiate (MIT GSSAPI SPNEGO carrying gss-ntlmssp's NTLM)
#                                                      -> 200 (skipped with a note
#      when gss-ntlmssp or our Negotiate package is missing)
#   5. curl --proxytunnel: CONNECT is authenticated, then refused with 501
#   6. sspi http --proxy with --package NTLM and Negotiate -> 200, exit 0;
#      wrong password -> exit 1 with the 407 reported
# No test traffic leaves 127.0.0.1: the proxy listens there and never opens a
# connection of its own; curl ignores ~/.curlrc (-q) and the proxy variables
# of the environment (unset below), gets the proxy explicitly, and
# example.test (a reserved name, RFC 2606) is pinned to 127.0.0.1 with
# --resolve so that not even a DNS query goes out; every curl run checks that
# it talked to 127.0.0.1:<proxy port>. Services are stopped by PID (lib.sh).
set -u
source "$(dirname "$0")/lib.sh"
interop_init http_proxy "$1" "$2"
command -v curl >/dev/null || { echo "SKIP: curl is not installed"; exit 77; }
[ -x "$SSPI" ] || { echo "FAIL: $SSPI not built"; exit 1; }

unset http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy ALL_PROXY ftp_proxy FTP_PROXY
export no_proxy='' NO_PROXY=''

printf 'TESTDOM:alice:Secret1!\n' >"$WORK/users"
# curl reads --proxy-user from its command line; this is a test account.

rm -f "$WORK/ready"
start_bg "$WORK/proxy.log" "$SSPI" serve-http -v --proxy-auth --listen 127.0.0.1 --port 0 \
    --ready-file "$WORK/ready" --user-file "$WORK/users"
wait_file "$WORK/ready" || { show_logs "$WORK/proxy.log"; exit 1; }
port=$(cat "$WORK/ready")
proxy="http://127.0.0.1:$port"
target=http://example.test/

# pcurl TAG CURL-ARGS...: curl through the proxy; body in $WORK/TAG.body,
# stderr in $WORK/TAG.err, -w output in $out.
pcurl() {
    local tag=$1; shift
    out=$(curl -q -sS --max-time 30 --proxy "$proxy" --resolve example.test:80:127.0.0.1 \
        -o "$WORK/$tag.body" -w '%{http_code} %{remote_ip} %{remote_port}\n' "$@" \
        2>"$WORK/$tag.err")
}
# only_proxy: every connection of the last pcurl went to the proxy
only_proxy() {
    local lines
    lines=$(printf '%s\n' "$out" | awk -v p="$port" '$2 != "127.0.0.1" || $3 != p')
    [ -z "$lines" ]
}

# 1. curl --proxy-ntlm
pcurl ntlm --proxy-ntlm --proxy-user 'TESTDOM\alice:Secret1!' "$target"
check "curl --proxy-ntlm: 200 ($out)" [ "${out%% *}" = 200 ]
check "curl --proxy-ntlm: talked to 127.0.0.1:$port only" only_proxy
check "curl --proxy-ntlm: body names TESTDOM\\alice" \
    contains "$WORK/ntlm.body" 'Hello via proxy, TESTDOM\\alice (package NTLM)'
check "curl --proxy-ntlm: absolute-form request" \
    contains "$WORK/ntlm.body" 'requested: GET http://example.test/'
check "proxy logged TESTDOM\\alice" contains "$WORK/proxy.log" 'AUTHENTICATED TESTDOM\\alice (package NTLM)'
check "proxy sent Proxy-Authenticate: NTLM <type 2>" \
    contains "$WORK/proxy.log" '< Proxy-Authenticate: NTLM TlRMTVNTUAACAAAA'
check "407/200 carry no WWW-Authenticate" lacks "$WORK/proxy.log" 'WWW-Authenticate'
[ "${out%% *}" = 200 ] || show_logs "$WORK/ntlm.err" "$WORK/proxy.log"

# 1b. two URLs on one connection: authenticated once, then the connection is
out=$(curl -q -sS --max-time 30 --proxy "$proxy" --resolve example.test:80:127.0.0.1 \
    --proxy-ntlm --proxy-user 'TESTDOM\alice:Secret1!' \
    -w '%{http_code} %{num_connects} %{remote_ip} %{remote_port}\n' \
    -o /dev/null "${target}one" -o /dev/null "${target}two" 2>/dev/null | tr '\n' ' ')
check "curl --proxy-ntlm: two URLs on one connection ($out)" \
    [ "$out" = "200 1 127.0.0.1 $port 200 0 127.0.0.1 $port " ]

# 1c. HTTP/1.0 requests: "Proxy-Connection: Keep-Alive" keeps the connection
# for the NTLM handshake (the answers say "Proxy-Connection: keep-alive")
pcurl ntlm10 -0 -D "$WORK/ntlm10.headers" --proxy-ntlm --proxy-user 'TESTDOM\alice:Secret1!' \
    "${target}http10"
check "curl -0 --proxy-ntlm (HTTP/1.0, Proxy-Connection): 200 ($out)" [ "${out%% *}" = 200 ]
check "HTTP/1.0: answers say Proxy-Connection: keep-alive" \
    contains "$WORK/ntlm10.headers" 'Proxy-Connection: keep-alive'
[ "${out%% *}" = 200 ] || show_logs "$WORK/ntlm10.err" "$WORK/proxy.log"

# 2. wrong password
pcurl bad --proxy-ntlm --proxy-user 'TESTDOM\alice:wrong' "${target}bad"
check "curl --proxy-ntlm, wrong password: 407 ($out)" [ "${out%% *}" = 407 ]
check "wrong password: proxy says SEC_E_LOGON_DENIED" \
    contains "$WORK/proxy.log" 'AUTH FAILED SEC_E_LOGON_DENIED'

# 3. no credentials; origin-form
pcurl plain -D "$WORK/plain.headers" "${target}plain"
check "no proxy credentials: 407 ($out)" [ "${out%% *}" = 407 ]
check "407 offers Proxy-Authenticate: NTLM" contains "$WORK/plain.headers" '^Proxy-Authenticate: NTLM'
if "$SSPI" packages | grep -qx 'Negotiate'; then
    check "407 offers Proxy-Authenticate: Negotiate" \
        contains "$WORK/plain.headers" '^Proxy-Authenticate: Negotiate'
fi
code=$(curl -q -sS --max-time 30 -o /dev/null -w '%{http_code}' "$proxy/" 2>/dev/null)
check "origin-form request to the proxy: 400" [ "$code" = 400 ]

# 4. curl --proxy-negotiate. curl's GSSAPI back end ignores the password of
# --proxy-user (it only uses default credentials); with gss-ntlmssp those come
# from $NTLM_USER_FILE, so curl gets the same account file. MIT's SPNEGO then
# wraps NTLM (NegTokenInit with the NTLM OID), which only a Negotiate (SPNEGO)
# acceptor takes; the SPN curl asks for (HTTP@127.0.0.1) means nothing to NTLM.
if ! "$SSPI" packages | grep -qx 'Negotiate'; then
    echo "note: no Negotiate package registered (sspi packages): curl --proxy-negotiate skipped"
elif ! ls /usr/lib/*/gssntlmssp/gssntlmssp.so >/dev/null 2>&1; then
    echo "note: gss-ntlmssp is not installed: curl --proxy-negotiate skipped"
elif ! curl -V | grep -q 'SPNEGO'; then
    echo "note: this curl has no SPNEGO support: curl --proxy-negotiate skipped"
else
    NTLM_USER_FILE="$WORK/users" pcurl nego --proxy-negotiate \
        --proxy-user 'TESTDOM\alice:Secret1!' "${target}negotiate"
    check "curl --proxy-negotiate (SPNEGO/NTLM via gss-ntlmssp): 200 ($out)" [ "${out%% *}" = 200 ]
    check "curl --proxy-negotiate: talked to 127.0.0.1:$port only" only_proxy
    check "curl --proxy-negotiate: body names TESTDOM\\alice" \
        contains "$WORK/nego.body" 'Hello via proxy, TESTDOM\\alice (package Negotiate)'
    check "proxy sent Proxy-Authenticate: Negotiate <token>" \
        contains "$WORK/proxy.log" '< Proxy-Authenticate: Negotiate [A-Za-z0-9+/]'
    [ "${out%% *}" = 200 ] || show_logs "$WORK/nego.err" "$WORK/proxy.log"
fi

# 5. CONNECT (curl -p): authenticated like any request, then refused (no
# tunnels). curl fails (exit 56) and reports the CONNECT answer.
auth_lines() { grep -c 'AUTHENTICATED TESTDOM\\alice (package NTLM)' "$WORK/proxy.log"; }
before=$(auth_lines)
out=$(curl -q -sS --max-time 30 --proxy "$proxy" --resolve example.test:80:127.0.0.1 -p \
    --proxy-ntlm --proxy-user 'TESTDOM\alice:Secret1!' -o /dev/null \
    -w '%{http_connect}' "${target}tunnel" 2>"$WORK/connect.err")
check "curl -p (CONNECT) --proxy-ntlm: 501 after authentication ($out)" [ "$out" = 501 ]
check "CONNECT reached the proxy" contains "$WORK/proxy.log" 'CONNECT example.test:80'
check "CONNECT: the proxy authenticated TESTDOM\\alice" [ "$(auth_lines)" = $((before + 1)) ]

# 6. our client through the proxy
for pkg in NTLM Negotiate; do
    if [ $pkg = Negotiate ] && ! "$SSPI" packages | grep -qx 'Negotiate'; then
        echo "note: no Negotiate package registered: sspi http --package Negotiate skipped"
        continue
    fi
    SSPI_PASSWORD='Secret1!' "$SSPI" http -v --proxy "$proxy" -u 'TESTDOM\alice' \
        --password-env SSPI_PASSWORD --package $pkg "${target}ours-$pkg" \
        >"$WORK/ours.$pkg.body" 2>"$WORK/ours.$pkg.err"
    rc=$?
    check "sspi http --proxy --package $pkg: exit 0" [ $rc = 0 ]
    check "sspi http --proxy --package $pkg: body names TESTDOM\\alice" \
        contains "$WORK/ours.$pkg.body" "Hello via proxy, TESTDOM\\\\alice (package $pkg)"
    check "sspi http --proxy --package $pkg: connected to the proxy only" \
        eval "[ \"\$(grep '^\\* connected to' '$WORK/ours.$pkg.err' | sort -u)\" = '* connected to 127.0.0.1 port $port' ]"
    check "sspi http --proxy --package $pkg: Proxy-Authorization sent" \
        contains "$WORK/ours.$pkg.err" "^> Proxy-Authorization: $pkg "
    check "sspi http --proxy --package $pkg: proxy authentication complete" \
        contains "$WORK/ours.$pkg.err" "proxy authentication complete as TESTDOM\\\\alice"
    [ $rc = 0 ] || show_logs "$WORK/ours.$pkg.err" "$WORK/proxy.log"
done
# Negotiate: the proxy's final token (Proxy-Authenticate on the 200) completes
# mutual authentication, so no warning about a missing one
if [ -f "$WORK/ours.Negotiate.err" ]; then
    check "sspi http --package Negotiate: no missing-final-token warning" \
        lacks "$WORK/ours.Negotiate.err" 'mutual authentication was not completed'
fi

SSPI_PASSWORD='wrong' "$SSPI" http --proxy "$proxy" -u 'TESTDOM\alice' \
    --password-env SSPI_PASSWORD --package NTLM "${target}ours-bad" \
    >"$WORK/ours_bad.body" 2>"$WORK/ours_bad.err"
rc=$?
check "sspi http --proxy, wrong password: exit 1" [ $rc = 1 ]
check "sspi http --proxy, wrong password: 407 reported" \
    contains "$WORK/ours_bad.err" 'HTTP 407 Proxy Authentication Required'
check "sspi http --proxy, wrong password: the proxy refused" \
    contains "$WORK/ours_bad.err" 'the proxy refused the authentication (407'
check "sspi http --proxy, wrong password: body says SEC_E_LOGON_DENIED" \
    contains "$WORK/ours_bad.body" 'SEC_E_LOGON_DENIED'

check "proxy is still running" kill -0 "${interop_pids[0]}"
# sanitizer builds (-DSSPI_SANITIZE=ON): no report from the proxy or clients
check "no sanitizer report" eval "! grep -l -e 'ERROR: AddressSanitizer' -e 'ERROR: LeakSanitizer' \
    -e 'runtime error:' '$WORK'/*.log '$WORK'/*.err"

interop_finish
