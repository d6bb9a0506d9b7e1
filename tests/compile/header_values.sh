#!/usr/bin/env bash
# Checks every SSPI numeric constant of include/*.h against the Windows SDK
# values (mingw-w64's copy of the SDK headers).
# usage: header_values.sh BUILD_DIR SOURCE_DIR     (exit 77 = skipped)
set -eu
BUILD_DIR=${1:?build dir}
SOURCE_DIR=${2:?source dir}
MINGW_INCLUDE=${MINGW_INCLUDE:-/usr/share/mingw-w64/include}

if [ ! -f "$MINGW_INCLUDE/sspi.h" ]; then
    echo "SKIP: $MINGW_INCLUDE/sspi.h not found (install mingw-w64-common)"
    exit 77
fi
if ! command -v python3 >/dev/null 2>&1; then
    echo "SKIP: python3 not found"
    exit 77
fi
WORK="$BUILD_DIR/tests/compile/header_values"
mkdir -p "$WORK"
exec python3 "$SOURCE_DIR/tests/compile/header_values.py" \
    "$MINGW_INCLUDE" "$SOURCE_DIR/include" "$WORK" "${CC:-cc}"
