#!/usr/bin/env bash
# The ABI surface of libsspi.so.0:
#   - SONAME is libsspi.so.0;
#   - every dynamic symbol the library defines is an SSPI API function listed
#     in the global: section of cmake/exports.map (the whitelist), or the
#     map's version node itself; nothing else leaks (no sspi_*, crypto_*,
#     wire_* or OpenSSL symbols);
#   - every function the map lists is really defined (a version script
#     silently ignores names that do not exist).
# usage: exports.sh BUILD_DIR SOURCE_DIR   (exit 77 = skipped)
set -euo pipefail

build=${1:?build dir}
src=${2:?source dir}
map=$src/cmake/exports.map
lib=$build/libsspi.so.0

for tool in nm readelf; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "SKIP: $tool not found (binutils)"
        exit 77
    fi
done
[ -f "$map" ] || { echo "FAIL: $map missing"; exit 1; }
[ -e "$lib" ] || { echo "FAIL: $lib not built"; exit 1; }

fail=0

# SONAME
soname=$(readelf -d "$lib" | sed -nE 's/.*\(SONAME\).*\[(.*)\].*/\1/p')
if [ "$soname" != "libsspi.so.0" ]; then
    echo "FAIL: SONAME is '$soname', expected libsspi.so.0"
    fail=1
else
    echo "SONAME: $soname"
fi

# Whitelist: names in the global: sections of the version script, and the
# version node names (e.g. LIBSSPI_0). Comments are stripped first.
mapclean=$(perl -0pe 's{/\*.*?\*/}{ }gs; s{//[^\n]*}{}g; s{#[^\n]*}{}g' "$map" | tr '\n' ' ')
nodes=$(printf '%s\n' "$mapclean" | grep -oE '[A-Za-z_][A-Za-z0-9_.]*[[:space:]]*\{' | tr -d '{ \t')
allowed=$(printf '%s\n' "$mapclean" | tr '{}' '\n\n' | awk '
    { n = split($0, parts, ";")
      for (i = 1; i <= n; i++) {
        t = parts[i]; gsub(/^[ \t]+|[ \t]+$/, "", t)
        if (t ~ /^global:/) { mode = "g"; sub(/^global:[ \t]*/, "", t) }
        if (t ~ /^local:/)  { mode = "l"; sub(/^local:[ \t]*/, "", t) }
        if (mode == "g" && t != "") print t
      } }')
if [ -z "$allowed" ]; then
    echo "FAIL: no global names found in $map"
    exit 1
fi
if grep -qE '[*?\[]' <<<"$allowed"; then
    echo "FAIL: $map exports a wildcard pattern in global: (list names one by one):"
    printf '%s\n' "$allowed" | grep -E '[*?\[]' | sed 's/^/  /'
    fail=1
fi

# Exported (defined, dynamic) symbols, without @@VERSION suffixes.
exported=$(nm -D --defined-only "$lib" | awk 'NF >= 3 { print $3 } NF == 2 { print $2 }' |
    sed -E 's/@.*$//' | sort -u)
nexp=$(printf '%s\n' "$exported" | grep -c . || true)
echo "exported symbols: $nexp; whitelisted names in exports.map: $(printf '%s\n' "$allowed" | grep -c .)"

while IFS= read -r sym; do
    [ -n "$sym" ] || continue
    # Here-strings, not pipes: with pipefail, `printf | grep -q` fails at
    # random when grep exits early and printf dies of SIGPIPE.
    if grep -qxF -- "$sym" <<<"$allowed"; then continue; fi
    if grep -qxF -- "$sym" <<<"$nodes"; then continue; fi
    echo "FAIL: exported symbol not in the SSPI whitelist: $sym"
    fail=1
done <<<"$exported"

while IFS= read -r name; do
    [ -n "$name" ] || continue
    case "$name" in *'*'* | *'?'* | *'['*) continue ;; esac
    if ! grep -qxF -- "$name" <<<"$exported"; then
        echo "FAIL: $name is listed in exports.map but not defined in $lib"
        fail=1
    fi
done <<<"$allowed"

# Exported symbols must carry the map's version node (not the base version).
unversioned=$(nm -D --defined-only "$lib" | awk 'NF >= 3 && $3 !~ /@/ && $2 != "A" { print $3 }')
if [ -n "$unversioned" ]; then
    echo "FAIL: exported without a symbol version: $unversioned"
    fail=1
fi

if [ "$fail" != 0 ]; then
    echo "exports: FAILED"
    exit 1
fi
echo "exports: ok"
