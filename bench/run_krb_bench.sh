#!/usr/bin/env bash
# Runs bench_krb (libsspi's Kerberos vs MIT's GSSAPI) in a private MIT realm
# on 127.0.0.1 (tests/interop/krb5_env.sh): KDC started, alice's TGT in a
# private ccache, host/localhost's keys in the keytab; everything removed
# afterwards.
#   bench/run_krb_bench.sh BUILD_DIR [SOURCE_DIR]
# Environment: SSPI_BENCH_SECONDS (time per figure, default 1),
# KRB5RCACHETYPE (e.g. "none" to measure without the acceptors' replay
# cache; default: MIT's default file replay cache under the realm dir).
set -u
BUILD=$(cd "${1:?usage: run_krb_bench.sh BUILD_DIR [SOURCE_DIR]}" && pwd)
SRC=$(cd "${2:-$(dirname "$0")/..}" && pwd)
source "$SRC/tests/interop/lib.sh"
source "$SRC/tests/interop/krb5_env.sh"
interop_init krb_bench "$BUILD" "$SRC"
krb5_env_need
[ -x "$BUILD/bench/bench_krb" ] || { echo "build bench_krb first (make bench_krb)"; exit 1; }
trap 'krb5_env_stop; interop_cleanup' EXIT
krb5_env_start "$WORK" || { echo "cannot start the KDC"; exit 1; }
export KRB5CCNAME=FILE:$WORK/alice_ccache
krb5_env_kinit "$KRB5CCNAME" || { echo "kinit alice failed"; exit 1; }
echo "MIT krb5: $(krb5-config --version 2>/dev/null || dpkg-query -W -f '${Version}' libkrb5-3 2>/dev/null)"
SSPI_BENCH_USER=alice@$KRB5_REALM SSPI_BENCH_PASSWORD=$KRB5_ALICE_PASSWORD \
    SSPI_BENCH_TARGET=${SSPI_BENCH_TARGET:-host/localhost} "$BUILD/bench/bench_krb"
