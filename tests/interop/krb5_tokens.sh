#!/usr/bin/env bash
# Interop: libsspi's RFC 4121 / RFC 4757 per-message tokens against MIT krb5
# GSSAPI (python3-gssapi), every enctype (17, 18, 19, 20, 23), both
# directions: MIT's MIC/Wrap tokens (including IOV tokens in the Windows RRC
# layout) verified by us, ours (RRC 0 and the DCE RRC) verified by MIT.
# A private KDC is started on 127.0.0.1 and stopped by PID (krb5_tokens.py).
set -u
source "$(dirname "$0")/lib.sh"
interop_init krb5_tokens "$1" "$2"
need_python_gssapi
for tool in krb5kdc kdb5_util kadmin.local; do
    if ! command -v "$tool" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$tool" ]; then
        echo "SKIP: $tool is missing (krb5-kdc / krb5-admin-server)"; exit 77
    fi
done
export PATH="$PATH:/usr/sbin"
HELPER="$BUILD/tests/test_krb_gss_token"
[ -x "$HELPER" ] || { echo "missing $HELPER"; exit 1; }
$PY "$SRC/tests/interop/krb5_tokens.py" --work "$WORK" --helper "$HELPER" >"$WORK/run.log" 2>&1
rc=$?
cat "$WORK/run.log" | grep -v '^  '
check "MIT <-> libsspi tokens, all enctypes" [ $rc = 0 ]
[ "$fails" = 0 ] || tail -50 "$WORK/kdc.log" 2>/dev/null
interop_finish
