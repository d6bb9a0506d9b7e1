#!/usr/bin/env bash
# `sspi decode` on the captured tokens of tests/data (BUILD_DIR/sspi):
#   every token decodes (exit 0) from @file, base64, hex, an HTTP header and
#   stdin, with the same output whatever the form; key lines are present
#   (flag names, AV pairs, user, response kind, SPNEGO mechanism names,
#   Kerberos identification); --json is valid JSON;
#   with the password (tests/data/gssntlmssp/README: TESTDOM\alice,
#   "Secret1!") and the captured CHALLENGE the NTProofStr is valid and the
#   keys are derived; a wrong password says INVALID (exit 1); the MIT SPNEGO
#   capture (DOM\u, "pw") has a MIC that checks out, and not against an
#   altered NEGOTIATE;
#   garbage, unknown and truncated tokens exit 1 (never a crash), every
#   prefix of every token exits 0 or 1; a password on the command line is
#   refused (exit 2).
# usage: sspi_decode.sh BUILD_DIR SOURCE_DIR
set -uo pipefail

build=${1:?build dir}
src=${2:?source dir}
ntlm=$src/tests/data/gssntlmssp
spnego=$src/tests/data/spnego
source "$(dirname "$0")/lib.sh"
tool_init "$build" sspi-decode
RUN_SHOW_OUT=40
RUN_SHOW_ERR=10
# has NAME TEXT...: each TEXT is a fixed string of $tmp/NAME.out
has() {
    local name=$1
    shift
    for t in "$@"; do
        grep -qF -- "$t" "$tmp/$name.out" || bad "$name: output lacks '$t'"
    done
}
b64() { base64 <"$1" | tr -d '\n'; }
hex() { od -An -v -tx1 "$1" | tr -d ' \n'; }

# ---- every token, in every form ----
for f in "$ntlm"/*.bin "$spnego"/*.bin; do
    n=$(basename "$f" .bin)
    case $f in */gssntlmssp/*) scheme=NTLM ;; *) scheme=Negotiate ;; esac
    run "$n" 0 decode "@$f"
    run "$n.b64" 0 decode "$(b64 "$f")"
    run "$n.hex" 0 decode "$(hex "$f")"
    run "$n.hdr" 0 decode "Authorization: $scheme $(b64 "$f")"
    run "$n.www" 0 decode "WWW-Authenticate: $scheme $(b64 "$f")"
    run "$n.scheme" 0 decode "$scheme $(b64 "$f")"
    "$sspi" decode - <"$f" >"$tmp/$n.stdin.out" 2>&1 || bad "$n: binary stdin failed"
    b64 "$f" | "$sspi" decode - >"$tmp/$n.stdin64.out" 2>&1 || bad "$n: base64 stdin failed"
    for form in b64 hex hdr www scheme stdin stdin64; do
        cmp -s "$tmp/$n.out" "$tmp/$n.$form.out" || bad "$n: output of the $form form differs"
    done
    if command -v python3 >/dev/null 2>&1; then
        "$sspi" decode --json "@$f" >"$tmp/$n.json" 2>&1 || bad "$n: --json failed"
        python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/$n.json" 2>/dev/null ||
            bad "$n: --json output is not JSON: $(head -c 300 "$tmp/$n.json")"
    fi
done

# ---- key lines ----
has negotiate "NTLMSSP: NEGOTIATE_MESSAGE (type 1)" "Negotiate Flags: 0x" \
    "NTLMSSP_NEGOTIATE_UNICODE (0x00000001)" "NTLMSSP_NEGOTIATE_KEY_EXCH (0x40000000)" \
    "Version: Windows "
has challenge "NTLMSSP: CHALLENGE_MESSAGE (type 2)" "NTLMSSP_NEGOTIATE_TARGET_INFO" \
    "ServerChallenge: " "TargetInfo: [offset " "MsvAvNbComputerName: " "MsvAvNbDomainName: " \
    "MsvAvTimestamp: " " UTC" "MsvAvEOL"
has authenticate "NTLMSSP: AUTHENTICATE_MESSAGE (type 3)" "Response Kind: NTLMv2" \
    "NtChallengeResponse: NTLMv2 [offset " "NTProofStr: " "Client Challenge: " \
    "MsvAvTimestamp: " "MsvAvFlags: 0x" "MsvAvTargetName: host/server.example.com" \
    "DomainName: TESTDOM [offset " "UserName: alice [offset " "Workstation: " \
    "EncryptedRandomSessionKey: present (KEY_EXCH)" "Version: Windows " "MIC: absent" \
    "MsvAvFlags claims a MIC: no"
has win_init "SPNEGO: GSS-API InitialContextToken, negTokenInit" "Token Kind: negTokenInit" \
    "MS-Kerberos (1.2.840.48018.1.2.2)" "Kerberos (1.2.840.113554.1.2.2)" \
    "NegoEx (1.3.6.1.4.1.311.2.2.30)" "NTLM (1.3.6.1.4.1.311.2.2.10)" \
    "Kerberos AP-REQ (decoding not yet supported)"
has win_init2_server "negTokenInit2" "hintName: not_defined_in_RFC4178@please_ignore"
has win_resp_request_mic "negState: request-mic (3)" "supportedMech: MS-Kerberos" \
    "Kerberos AP-REP (decoding not yet supported)"
has win_resp_reject "negState: reject (2)"
has win_resp_complete_mic "negState: accept-completed (0)" "mechListMIC: 040404" \
    "Kerberos MIC token"
has mit_ntlm_init "mechTypes: 1" "NTLM (1.3.6.1.4.1.311.2.2.10)" "mechToken: [length " \
    "NTLMSSP: NEGOTIATE_MESSAGE"
has mit_ntlm_resp_challenge "negState: accept-incomplete (1)" "supportedMech: NTLM" \
    "NTLMSSP: CHALLENGE_MESSAGE"
has mit_ntlm_resp_authenticate "NTLMSSP: AUTHENTICATE_MESSAGE" "UserName: u " \
    "MIC present (0x00000002)" "MIC: present" "MsvAvFlags claims a MIC: yes" \
    "mechListMIC: " "NTLMSSP_MESSAGE_SIGNATURE"
has mit_ntlm_resp_complete "negState: accept-completed (0)" "NTLMSSP_MESSAGE_SIGNATURE"

# ---- password checks ----
export SSPI_DECODE_TEST_PW='Secret1!'
run pw_ok 0 decode --password-env SSPI_DECODE_TEST_PW --challenge "$ntlm/challenge.bin" \
    "@$ntlm/authenticate.bin"
has pw_ok "Account: TESTDOM\\alice" "NTProofStr: valid" "SessionBaseKey: " "KeyExchangeKey: " \
    "ExportedSessionKey: " "RC4(KeyExchangeKey, EncryptedRandomSessionKey)"
printf 'Secret1!\n' >"$tmp/pw"
run pw_file 0 decode --password-file "$tmp/pw" --user 'TESTDOM\alice' \
    --challenge "$(b64 "$ntlm/challenge.bin")" "$(b64 "$ntlm/authenticate.bin")"
has pw_file "NTProofStr: valid" "(from --user)"
cmp -s <(grep -F ExportedSessionKey "$tmp/pw_ok.out") <(grep -F ExportedSessionKey "$tmp/pw_file.out") ||
    bad "the ExportedSessionKey differs between runs"
# the bare 8-byte ServerChallenge in hex
sc=$(sed -nE 's/^ *ServerChallenge: ([0-9a-f]{16})$/\1/p' "$tmp/challenge.out" | head -n1)
[ -n "$sc" ] || bad "no ServerChallenge in the CHALLENGE output"
run pw_sc 0 decode --password-env SSPI_DECODE_TEST_PW --challenge "$sc" "@$ntlm/authenticate.bin"
has pw_sc "NTProofStr: valid"
SSPI_DECODE_TEST_PW='Secret2!' run pw_bad 1 decode --password-env SSPI_DECODE_TEST_PW \
    --challenge "$ntlm/challenge.bin" "@$ntlm/authenticate.bin"
has pw_bad "NTProofStr: INVALID (wrong password?)"
grep -qF "SessionBaseKey" "$tmp/pw_bad.out" && bad "keys printed for a wrong password"
run pw_user 1 decode --password-env SSPI_DECODE_TEST_PW --user 'TESTDOM\bob' \
    --challenge "$ntlm/challenge.bin" "@$ntlm/authenticate.bin"
has pw_user "NTProofStr: INVALID"
run pw_nochal 0 decode --password-env SSPI_DECODE_TEST_PW "@$ntlm/authenticate.bin"
has pw_nochal "not checked (give --challenge"

# MIT SPNEGO exchange with a MIC: DOM\u, password "pw".
export SSPI_DECODE_TEST_PW=pw
run mic_ok 0 decode --password-env SSPI_DECODE_TEST_PW --challenge "$spnego/mit_ntlm_resp_challenge.bin" \
    --negotiate "$spnego/mit_ntlm_init.bin" "@$spnego/mit_ntlm_resp_authenticate.bin"
has mic_ok "Account: DOM\\u" "NTProofStr: valid" "MIC: valid"
altered=$(hex "$spnego/mit_ntlm_init.bin" | sed 's/060200000000000f$/060300000000000f/')
[ "$altered" != "$(hex "$spnego/mit_ntlm_init.bin")" ] || bad "could not alter the NEGOTIATE"
run mic_bad 1 decode --password-env SSPI_DECODE_TEST_PW --challenge "$spnego/mit_ntlm_resp_challenge.bin" \
    --negotiate "$altered" "@$spnego/mit_ntlm_resp_authenticate.bin"
has mic_bad "NTProofStr: valid" "MIC: INVALID"
unset SSPI_DECODE_TEST_PW

# ---- malformed input ----
run garbage 1 decode 'garbage!!'
run unknown 1 decode 41414141
has unknown "Unknown: not an NTLMSSP, SPNEGO, GSS-API or Kerberos token"
# pseudo-random bytes, the same every run
LC_ALL=C awk 'BEGIN { srand(7); for (i = 0; i < 4096; i++) printf "%c", int(rand() * 256) }' \
    >"$tmp/random.bin"
run random 1 decode "@$tmp/random.bin"
head -c 100 "$ntlm/authenticate.bin" >"$tmp/trunc_auth.bin"
run trunc_auth 1 decode "$(b64 "$tmp/trunc_auth.bin")"
has trunc_auth "AUTHENTICATE_MESSAGE" "Error: SR_INVALID_TOKEN"
head -c 60 "$spnego/mit_ntlm_resp_challenge.bin" >"$tmp/trunc_resp.bin"
run trunc_resp 1 decode "@$tmp/trunc_resp.bin"
has trunc_resp "negTokenResp" "Error: SR_INVALID_TOKEN"
run trunc_json 1 decode --json "@$tmp/trunc_auth.bin"
run trunc_chal 1 decode --password-env PATH --challenge "@$tmp/trunc_resp.bin" \
    "@$ntlm/authenticate.bin"
run no_scheme_token 1 decode "WWW-Authenticate: NTLM"
# every prefix of every token: 0 or 1, never a crash
for f in "$ntlm"/*.bin "$spnego"/*.bin; do
    size=$(wc -c <"$f")
    for ((k = 1; k < size; k++)); do
        head -c "$k" "$f" >"$tmp/prefix.bin"
        "$sspi" decode "@$tmp/prefix.bin" >/dev/null 2>&1
        rc=$?
        if [ "$rc" != 0 ] && [ "$rc" != 1 ]; then
            bad "$(basename "$f") cut to $k bytes: exit $rc"
            break
        fi
    done
done

# ---- usage ----
run pw_arg 2 decode --password 'Secret1!' "@$ntlm/authenticate.bin"
run no_token 2 decode
run help 0 decode --help
grep -q '^usage: sspi decode' "$tmp/help.out" || bad "'decode --help' has no usage line"

if [ "$fail" != 0 ]; then
    echo "sspi_decode: FAILED"
    exit 1
fi
echo "sspi_decode: ok"
