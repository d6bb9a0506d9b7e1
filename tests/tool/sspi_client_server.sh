#!/usr/bin/env bash
# `sspi client` against `sspi server` (NTLM) on 127.0.0.1:
#   - DOMAIN\user and user@domain with the right password: both sides print
#     AUTHENTICATED / PACKAGE NTLM / FLAGS / MESSAGES OK and exit 0;
#   - default credentials (no -u: first account of $NTLM_USER_FILE);
#   - a wrong password: the server prints SEC_E_LOGON_DENIED, both exit 1;
#   - -v prints the steps with status names and token hex;
#   - a frame over 64 KiB and a garbage token are refused, and a server
#     without --once keeps serving afterwards;
#   - a password is never accepted on the command line.
# usage: sspi_client_server.sh BUILD_DIR SOURCE_DIR
set -uo pipefail

build=${1:?build dir}
sspi=$build/sspi
[ -x "$sspi" ] || { echo "FAIL: $sspi not built"; exit 1; }
"$sspi" --version >/dev/null 2>&1 || { echo "FAIL: $sspi does not run: $("$sspi" --version 2>&1)"; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sspi-cs.XXXXXX")
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT
source "$(dirname "$0")/lib.sh" # bad
fail=0
has() { grep -qF -- "$2" "$1" || bad "$1 lacks '$2': $(cat "$1")"; }

printf '# test accounts\nTESTDOM:alice:Secret1!\nOTHER:bob:pw:with:colons\n' >"$tmp/users"
export NTLM_USER_FILE=/nonexistent  # the servers get --user-file

# start_server TAG [ARGS...]: sets $port and $server_pid.
start_server() {
    local tag=$1
    shift
    timeout 120 "$sspi" server --package NTLM --port 0 --ready-file "$tmp/ready.$tag" \
        --user-file "$tmp/users" "$@" >"$tmp/server.$tag" 2>&1 &
    server_pid=$!
    pids+=("$server_pid")
    local i
    for i in $(seq 100); do
        [ -s "$tmp/ready.$tag" ] && break
        sleep 0.1
    done
    port=$(cat "$tmp/ready.$tag" 2>/dev/null)
    [ -n "$port" ] || { bad "server $tag did not start: $(cat "$tmp/server.$tag")"; return 1; }
}

client() { # TAG ARGS...
    local tag=$1
    shift
    timeout 60 "$sspi" client --package NTLM --port "$port" "$@" >"$tmp/client.$tag" 2>&1
}

# 1. DOMAIN\user, password from the environment.
start_server ok --once
PW='Secret1!' client ok -u 'TESTDOM\alice' --password-env PW --target host/localhost
rc=$?
wait "$server_pid"
src=$?
[ $rc = 0 ] || bad "client exited $rc: $(cat "$tmp/client.ok")"
[ $src = 0 ] || bad "server exited $src: $(cat "$tmp/server.ok")"
for f in "$tmp/client.ok" "$tmp/server.ok"; do
    has "$f" 'AUTHENTICATED TESTDOM\alice'
    has "$f" 'PACKAGE NTLM'
    has "$f" 'MESSAGES OK'
done
has "$tmp/client.ok" 'FLAGS ISC_RET_'
has "$tmp/server.ok" 'FLAGS ASC_RET_'
grep -q 'CONFIDENTIALITY' "$tmp/server.ok" || bad "server flags lack CONFIDENTIALITY"

# 2. A server without --once serves several connections in turn.
start_server multi
multi_pid=$server_pid
printf 'pw:with:colons\n' >"$tmp/pwfile"
client upn -u 'bob@OTHER' --password-file "$tmp/pwfile"
[ $? = 0 ] || bad "user@domain client failed: $(cat "$tmp/client.upn")"
has "$tmp/client.upn" 'MESSAGES OK'
NTLM_USER_FILE=$tmp/users client default
[ $? = 0 ] || bad "default-credentials client failed: $(cat "$tmp/client.default")"
has "$tmp/client.default" 'AUTHENTICATED TESTDOM\alice'

# 3. Verbose steps.
PW='Secret1!' client verbose -u 'TESTDOM\alice' --password-env PW -v
[ $? = 0 ] || bad "-v client failed"
has "$tmp/client.verbose" 'InitializeSecurityContextA -> SEC_I_CONTINUE_NEEDED (0x00090312)'
has "$tmp/client.verbose" 'output token 40 bytes: 4e544c4d53535000'
has "$tmp/client.verbose" 'EncryptMessage -> SEC_E_OK'

# 4. Oversized frame and garbage token: refused, the server goes on.
python3 - "$port" <<'EOF' || bad "raw socket checks failed"
import socket, struct, sys
port = int(sys.argv[1])
for payload in (struct.pack(">I", 1 << 20), struct.pack(">I", 5) + b"hello"):
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    s.sendall(payload)
    assert s.recv(16) == b"", "server answered a bad first frame"
    s.close()
EOF
PW='Secret1!' client after -u 'TESTDOM\alice' --password-env PW
[ $? = 0 ] || bad "server stopped serving after bad connections: $(cat "$tmp/server.multi")"
has "$tmp/server.multi" 'exceeds the 65536-byte limit'
has "$tmp/server.multi" 'AUTH FAILED SEC_E_INVALID_TOKEN (0x80090308)'
kill "$multi_pid"

# 5. Wrong password: refused both ways.
start_server bad --once
PW='wrong' client bad -u 'TESTDOM\alice' --password-env PW
rc=$?
wait "$server_pid"
src=$?
[ $rc = 1 ] || bad "wrong password: client exited $rc"
[ $src = 1 ] || bad "wrong password: server exited $src"
has "$tmp/server.bad" 'AUTH FAILED SEC_E_LOGON_DENIED (0x8009030c)'
has "$tmp/client.bad" 'AUTH FAILED'
grep -q 'MESSAGES OK' "$tmp/client.bad" && bad "wrong password: client claims success"

# 6. Usage: no password on the command line, no password without a tty.
port=1
"$sspi" client --port 1 -u 'TESTDOM\alice' --password 'Secret1!' >/dev/null 2>&1
[ $? = 2 ] || bad "--password was not refused with exit 2"
"$sspi" client --port 1 -u 'TESTDOM\alice' </dev/null >/dev/null 2>&1
[ $? = 2 ] || bad "no password source without a terminal: not exit 2"
"$sspi" client >/dev/null 2>&1
[ $? = 2 ] || bad "client without --port: not exit 2"
"$sspi" server --port 70000 >/dev/null 2>&1
[ $? = 2 ] || bad "server --port 70000: not exit 2"

if [ "$fail" != 0 ]; then
    echo "sspi_client_server: FAILED"
    exit 1
fi
echo "sspi_client_server: ok"
