#!/usr/bin/env bash
# `sspi demo` (BUILD_DIR/sspi): an NTLM client and server in one process on
# 127.0.0.1 with a temporary DEMO:alice account. It must exit 0, print
# "AUTHENTICATED DEMO\alice" and the "MESSAGES OK" success line, show the
# three NTLM messages, and remove its temporary directory.
# usage: sspi_demo.sh BUILD_DIR SOURCE_DIR
set -uo pipefail

build=${1:?build dir}
source "$(dirname "$0")/lib.sh"
tool_init "$build" sspi-demo-test
"$sspi" --version >/dev/null 2>&1 || { echo "FAIL: $sspi does not run: $("$sspi" --version 2>&1)"; exit 1; }

# The demo makes its temporary directory under $TMPDIR: point it at ours
# to check that it cleans up.
mkdir "$tmp/t"
TMPDIR=$tmp/t timeout 120 "$sspi" demo >"$tmp/out" 2>"$tmp/err"
rc=$?
cat "$tmp/out"
[ -s "$tmp/err" ] && sed 's/^/stderr: /' "$tmp/err"

[ "$rc" = 0 ] || bad "sspi demo exited $rc"
grep -q '^MESSAGES OK' "$tmp/out" || bad "no 'MESSAGES OK' line"
grep -qF 'AUTHENTICATED DEMO\alice' "$tmp/out" || bad "no 'AUTHENTICATED DEMO\\alice' line"
for m in NEGOTIATE_MESSAGE CHALLENGE_MESSAGE AUTHENTICATE_MESSAGE; do
    grep -q "$m" "$tmp/out" || bad "the summary does not show the $m"
done
[ -z "$(ls -A "$tmp/t")" ] || bad "temporary files left behind: $(ls -A "$tmp/t")"

# Usage errors exit 2.
"$sspi" demo --no-such-option >/dev/null 2>&1
[ $? = 2 ] || bad "sspi demo --no-such-option did not exit 2"

if [ "$fail" != 0 ]; then
    echo "sspi_demo: FAILED"
    exit 1
fi
echo "sspi_demo: ok"
