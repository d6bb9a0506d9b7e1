#!/usr/bin/env bash
# THE demo command of libsspi. From the repository root:
#
#   ./scripts/demo.sh [ARGS...]     (as root it installs what it needs)
#
# Builds the library and the `sspi` command in build/ (if needed), then runs
# `build/sspi demo ARGS...` when the tool has a `demo` subcommand, and
# `build/sspi packages` (the registered security packages, as
# EnumerateSecurityPackages reports them) otherwise.
# Environment: SSPI_BUILD_DIR (build), SSPI_JOBS (2).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)
# shellcheck source=scripts/deps.sh
. "$root/scripts/deps.sh"

sspi_ensure_packages "${SSPI_BUILD_PACKAGES[@]}"

bdir=${SSPI_BUILD_DIR:-build}
if [ ! -f "$bdir/CMakeCache.txt" ]; then
    sspi_log "configure ($bdir/)"
    cmake -S "$root" -B "$bdir" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
sspi_log "build (libsspi + sspi)"
cmake --build "$bdir" --parallel "${SSPI_JOBS:-2}" --target sspi sspi_tool

sspi=$bdir/sspi
if "$sspi" help demo >/dev/null 2>&1; then
    sspi_log "sspi demo $*"
    exec "$sspi" demo "$@"
fi
sspi_log "sspi --version"
"$sspi" --version
sspi_log "sspi packages"
exec "$sspi" packages
