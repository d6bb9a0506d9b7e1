#!/usr/bin/env bash
# `sspi load` (the async API's load mode): N NTLM handshakes with P in
# flight through the asynchronous API complete without failures, and the
# report gives throughput, p50/p90/p99 latency, the peak thread count and
# the peak RSS; the thread count stays bounded by the worker pool
# (--threads) however many calls are in flight. Bad arguments exit 2.
# usage: sspi_load.sh BUILD_DIR SOURCE_DIR
set -uo pipefail

build=${1:?build dir}
source "$(dirname "$0")/lib.sh"
tool_init "$build" sspi-load

# check_report NAME COUNT
check_report() {
    local name=$1 count=$2 f="$tmp/$1.out"
    grep -qE "^  handshakes/s +[0-9]+ +\($count ok, 0 failed" "$f" ||
        bad "$name: not '$count ok, 0 failed': $(cat "$f")"
    grep -qE '^  latency +p50 [0-9.]+ ms +p90 [0-9.]+ ms +p99 [0-9.]+ ms' "$f" ||
        bad "$name: no p50/p90/p99 latency line"
    grep -qE '^  threads +[0-9]+ ' "$f" || bad "$name: no thread count"
    grep -qE '^  peak RSS +[0-9]+ KiB' "$f" || bad "$name: no peak RSS"
}

threads_of() { sed -nE 's/^  threads +([0-9]+) .*/\1/p' "$tmp/$1.out"; }

run small 0 load --package NTLM --parallel 1 --count 20
check_report small 20

# 1000 in flight on a pool of 2 workers: no thread per pending call.
run wide 0 load --package NTLM --parallel 1000 --count 3000 --threads 2
check_report wide 3000
t=$(threads_of wide)
# main + event loop + 2 workers, with a little slack for the C library.
if [ -n "$t" ] && [ "$t" -gt 8 ]; then bad "1000 in flight on 2 workers: $t threads"; fi
cat "$tmp/wide.out"

run bad_parallel 2 load --package NTLM --parallel 0 --count 5
run bad_option 2 load --no-such-option

if [ "$fail" != 0 ]; then
    echo "sspi_load: FAILED"
    exit 1
fi
echo "sspi_load: ok"
