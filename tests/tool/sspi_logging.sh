#!/usr/bin/env bash
# Logging (SSPI_DEBUG) through a real NTLM client/server run on 127.0.0.1:
#   - without SSPI_DEBUG, the library writes nothing to stderr (off by
#     default), on success and on a refused password;
#   - with SSPI_DEBUG=3 (the most verbose level), every library line has the
#     documented form "libsspi[<pid>] <error|info|debug> <component>: ...";
#   - at that level no secret appears: not the password (plain, hex or
#     UTF-16LE hex), not its NT hash, and not the content of a malformed
#     account-file line (only its line number is reported).
# usage: sspi_logging.sh BUILD_DIR SOURCE_DIR
set -uo pipefail

build=${1:?build dir}
source "$(dirname "$0")/lib.sh"
tool_init "$build" sspi-logging

pids=()
cleanup_all() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup_all EXIT

PASSWORD='Zq9-Log-Secret!'
LEAK='MALFORMED-LINE-SECRET-7d3f'
printf '%s\nTESTDOM:alice:%s\n' "$LEAK" "$PASSWORD" >"$tmp/users"
export NTLM_USER_FILE=/nonexistent
unset SSPI_DEBUG

# start_server TAG: sets $port; the server's stdout/stderr go to separate files.
start_server() {
    local tag=$1
    timeout 60 "$sspi" server --package NTLM --port 0 --ready-file "$tmp/ready.$tag" \
        --user-file "$tmp/users" --once >"$tmp/server.$tag.out" 2>"$tmp/server.$tag.err" &
    pids+=("$!")
    server_pid=$!
    local i
    for i in $(seq 100); do
        [ -s "$tmp/ready.$tag" ] && break
        sleep 0.1
    done
    port=$(cat "$tmp/ready.$tag" 2>/dev/null)
    [ -n "$port" ] || { bad "server $tag did not start: $(cat "$tmp/server.$tag.err")"; return 1; }
}

# session TAG PASSWORD: one client run against a fresh server.
session() {
    local tag=$1 pw=$2
    start_server "$tag" || return 1
    PW=$pw timeout 60 "$sspi" client --package NTLM --port "$port" -u 'TESTDOM\alice' \
        --password-env PW --target host/localhost >"$tmp/client.$tag.out" 2>"$tmp/client.$tag.err"
    client_rc=$?
    wait "$server_pid"
    server_rc=$?
}

# 1. Logging off by default.
session quiet "$PASSWORD"
[ "$client_rc" = 0 ] && [ "$server_rc" = 0 ] || bad "quiet: authentication failed ($client_rc/$server_rc)"
session quiet_bad "wrong-password"
[ "$server_rc" != 0 ] || bad "quiet_bad: wrong password accepted"
for f in "$tmp"/client.quiet*.err "$tmp"/server.quiet*.err; do
    if grep -q 'libsspi\[' "$f"; then bad "$(basename "$f"): library log lines without SSPI_DEBUG: $(cat "$f")"; fi
done

# 2. SSPI_DEBUG=3: documented line form, no secrets.
export SSPI_DEBUG=3
session verbose "$PASSWORD"
[ "$client_rc" = 0 ] && [ "$server_rc" = 0 ] || bad "verbose: authentication failed ($client_rc/$server_rc)"
session verbose_bad "wrong-password"
unset SSPI_DEBUG
cat "$tmp"/client.verbose*.err "$tmp"/server.verbose*.err | grep 'libsspi\[' >"$tmp/lib.log"
[ -s "$tmp/lib.log" ] || bad "SSPI_DEBUG=3 produced no library log lines"
if grep -vqE '^libsspi\[[0-9]+\] (error|info|debug) [^ :]+: ' "$tmp/lib.log"; then
    bad "log lines not in the documented form: $(grep -vE '^libsspi\[[0-9]+\] (error|info|debug) [^ :]+: ' "$tmp/lib.log" | head -3)"
fi
grep -q 'malformed account line' "$tmp/lib.log" || bad "the malformed account line was not reported"

hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
utf16hex() { printf '%s' "$1" | iconv -f UTF-8 -t UTF-16LE | od -An -tx1 | tr -d ' \n'; }
# NT hash = MD4(UTF-16LE(password)), computed in pure Python (OpenSSL 3
# builds of hashlib no longer offer MD4).
nthash=$(python3 - "$PASSWORD" <<'PYEOF'
import struct, sys
def md4(m):
    m = bytearray(m); ml = len(m) * 8
    m.append(0x80)
    while len(m) % 64 != 56: m.append(0)
    m += struct.pack('<Q', ml)
    h = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476]
    rol = lambda x, n: ((x << n) | (x >> (32 - n))) & 0xffffffff
    F = lambda x, y, z: (x & y) | (~x & z)
    G = lambda x, y, z: (x & y) | (x & z) | (y & z)
    H = lambda x, y, z: x ^ y ^ z
    for i in range(0, len(m), 64):
        X = struct.unpack('<16I', m[i:i + 64]); a, b, c, d = h
        for k in range(16):
            s = (3, 7, 11, 19)[k % 4]
            a = rol((a + F(b, c, d) + X[k]) & 0xffffffff, s); a, b, c, d = d, a, b, c
        for k in range(16):
            s = (3, 5, 9, 13)[k % 4]; j = (k % 4) * 4 + k // 4
            a = rol((a + G(b, c, d) + X[j] + 0x5a827999) & 0xffffffff, s); a, b, c, d = d, a, b, c
        for k in range(16):
            s = (3, 9, 11, 15)[k % 4]; j = (0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15)[k]
            a = rol((a + H(b, c, d) + X[j] + 0x6ed9eba1) & 0xffffffff, s); a, b, c, d = d, a, b, c
        h = [(x + y) & 0xffffffff for x, y in zip(h, (a, b, c, d))]
    return struct.pack('<4I', *h).hex()
assert md4(b'abc') == 'a448017aaf21d8525fc10ae87aa6729d'
print(md4(sys.argv[1].encode('utf-16-le')))
PYEOF
)
all="$tmp/all.log"
cat "$tmp"/*.err >"$all"
tr -d ' :\n' <"$all" | tr 'A-F' 'a-f' >"$all.flat"
grep -qF -- "$PASSWORD" "$all" && bad "the password appears in the log"
grep -qF -- "$LEAK" "$all" && bad "a malformed account line's content appears in the log"
grep -qiF -- "$(hex "$PASSWORD")" "$all.flat" && bad "the password (hex) appears in the log"
if command -v iconv >/dev/null 2>&1; then
    grep -qiF -- "$(utf16hex "$PASSWORD")" "$all.flat" && bad "the password (UTF-16LE hex) appears in the log"
fi
if [ -n "$nthash" ]; then
    grep -qiF -- "$nthash" "$all.flat" && bad "the NT hash appears in the log"
else
    echo "note: MD4 unavailable in python3: NT-hash check skipped"
fi

echo "$(wc -l <"$tmp/lib.log") library log lines checked"
if [ "$fail" != 0 ]; then
    echo "sspi_logging: FAILED"
    exit 1
fi
echo "sspi_logging: ok"
