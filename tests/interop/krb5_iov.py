#!/usr/bin/python3
"""MIT krb5 GSSAPI IOV <-> libsspi SSPI buffer lists (tests/interop/krb5_iov.sh).

One real Kerberos context between MIT GSSAPI (python3-gssapi, this process)
and libsspi (`test_krb_message --iov-peer`, a child process speaking the
line protocol described in tests/unit/test_krb_message.c), then, in both
directions:
  - MIT gss_wrap_iov [HEADER, SIGN_ONLY rpc header, DATA, DATA, SIGN_ONLY rpc
    trailer (+ PADDING for rc4-hmac outside DCE style)] -> our DecryptMessage
    with [TOKEN, DATA|READONLY_WITH_CHECKSUM, DATA, DATA|READONLY, DATA,
    DATA|READONLY_WITH_CHECKSUM, PADDING];
  - our EncryptMessage with those buffers -> MIT gss_unwrap_iov;
  - sealed and sign-only (SECQOP_WRAP_NO_ENCRYPT / conf_req_flag 0);
  - MakeSignature / VerifySignature over the same list <-> MIT MIC of the
    signed buffers, concatenated.

  krb5_iov.py --helper PATH --role ours-client|ours-server --target SPN
              --service NAME@HOST [--dce] [--enctype N]

The environment (KRB5_CONFIG, KRB5CCNAME with alice's TGT, KRB5_KTNAME)
comes from krb5_env.sh. Prints "ok ..." / "FAIL ..." lines, exits 1 on any
failure.
"""
import argparse
import subprocess
import sys

import gssapi
import gssapi.raw as raw
from gssapi.raw import IOV, IOVBufferType as T

QOP_NO_ENCRYPT = 0x80000001
fails = 0


def check(name, cond, detail=""):
    global fails
    if cond:
        print("ok %s" % name)
    else:
        fails += 1
        print("FAIL %s %s" % (name, detail))


class Peer:
    def __init__(self, cmd):
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  text=True, bufsize=1)

    def send(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()

    def recv(self):
        line = self.p.stdout.readline()
        if not line:
            raise RuntimeError("peer exited")
        return line.strip()

    def call(self, line):
        self.send(line)
        ans = self.recv().split()
        if ans[0] != "OK":
            return None, ans[1] if len(ans) > 1 else "?"
        bufs = []
        for item in ans[2:]:
            k, v = item.split(":", 1)
            bufs.append((k, b"" if v == "-" else bytes.fromhex(v)))
        return int(ans[1]), bufs

    def close(self):
        try:
            self.send("QUIT")
        except OSError:
            pass
        self.p.wait(timeout=10)


def hx(b):
    return b.hex() if b else "-"


def msg(n, seed):
    return bytes((i * 13 + seed) & 0xff for i in range(n))


HDR, BODY1, RO, BODY2, TRL = msg(24, 1), msg(100, 2), msg(10, 3), msg(37, 4), msg(8, 5)


def handshake(peer, ctx, ours_first):
    tok = None
    if not ours_first:
        tok = ctx.step()
        peer.send("TOKEN " + tok.hex())
    while True:
        line = peer.recv()
        if line.startswith("ESTABLISHED"):
            return int(line.split()[1])
        if not line.startswith("TOKEN "):
            raise RuntimeError("handshake: " + line)
        out = ctx.step(bytes.fromhex(line[6:]))
        if out:
            peer.send("TOKEN " + out.hex())


def mit_to_ours(peer, ctx, conf, rc4, dce, tag):
    bufs = [(T.header, True, None), (T.sign_only, False, HDR), BODY1, BODY2,
            (T.sign_only, False, TRL)]
    if rc4 and not dce:
        bufs.append((T.padding, True, None))
    iov = IOV(*bufs, std_layout=False, auto_alloc=False)
    raw.wrap_iov(ctx, iov, confidential=conf)
    tok, b1, b2 = iov[0].value, iov[2].value, iov[3].value
    pad = iov[5].value if len(bufs) > 5 else b""
    check("%s: MIT wrap_iov keeps the sign-only buffers" % tag,
          iov[1].value == HDR and iov[4].value == TRL)
    qop, out = peer.call("DEC T:%s S:%s D:%s R:%s D:%s S:%s P:%s"
                         % (hx(tok), hx(HDR), hx(b1), hx(RO), hx(b2), hx(TRL), hx(pad)))
    check("%s: our DecryptMessage of MIT's wrap_iov" % tag, qop is not None, str(out))
    if qop is not None:
        check("%s: plaintext" % tag, out[2][1] == BODY1 and out[4][1] == BODY2)
        check("%s: qop" % tag, qop == (0 if conf else QOP_NO_ENCRYPT), str(qop))


def ours_to_mit(peer, ctx, conf, rc4, dce, tag):
    qop = 0 if conf else QOP_NO_ENCRYPT
    q, out = peer.call("ENC %d S:%s D:%s R:%s D:%s S:%s T:#128 P:#16"
                       % (qop, hx(HDR), hx(BODY1), hx(RO), hx(BODY2), hx(TRL)))
    check("%s: our EncryptMessage" % tag, q is not None, str(out))
    if q is None:
        return
    b1, b2, tok, pad = out[1][1], out[3][1], out[5][1], out[6][1]
    check("%s: sign-only / read-only buffers unchanged" % tag,
          out[0][1] == HDR and out[2][1] == RO and out[4][1] == TRL)
    check("%s: padding %d byte(s)" % (tag, len(pad)), len(pad) == (1 if rc4 and not dce else 0))
    bufs = [(T.header, False, tok), (T.sign_only, False, HDR), b1, b2,
            (T.sign_only, False, TRL)]
    if pad:
        bufs.append((T.padding, False, pad))
    iov = IOV(*bufs, std_layout=False, auto_alloc=False)
    try:
        res = raw.unwrap_iov(ctx, iov)
        check("%s: MIT unwrap_iov of our EncryptMessage" % tag, True)
        check("%s: MIT plaintext" % tag, iov[2].value == BODY1 and iov[3].value == BODY2)
        check("%s: MIT conf state" % tag, bool(res.encrypted) == conf)
    except gssapi.exceptions.GSSError as e:
        check("%s: MIT unwrap_iov of our EncryptMessage" % tag, False, repr(e))


def mics(peer, ctx, tag):
    signed = HDR + BODY1 + BODY2 + TRL
    q, out = peer.call("SIGN S:%s D:%s R:%s D:%s S:%s T:#128"
                       % (hx(HDR), hx(BODY1), hx(RO), hx(BODY2), hx(TRL)))
    check("%s: our MakeSignature" % tag, q is not None, str(out))
    if q is not None:
        try:
            ctx.verify_signature(signed, out[5][1])
            check("%s: MIT verifies our MIC" % tag, True)
        except gssapi.exceptions.GSSError as e:
            check("%s: MIT verifies our MIC" % tag, False, repr(e))
    mic = ctx.get_signature(signed)
    q, out = peer.call("VERIFY S:%s D:%s R:%s D:%s S:%s T:%s"
                       % (hx(HDR), hx(BODY1), hx(RO), hx(BODY2), hx(TRL), hx(mic)))
    check("%s: we verify MIT's MIC" % tag, q is not None, str(out))
    # Tampered sign-only buffer: refused (and not counted: the genuine one
    # with the same token then verifies in sequence).
    mic = ctx.get_signature(signed)
    q, out = peer.call("VERIFY S:%s D:%s R:%s D:%s S:%s T:%s"
                       % (hx(b"x" + HDR[1:]), hx(BODY1), hx(RO), hx(BODY2), hx(TRL), hx(mic)))
    check("%s: tampered header refused" % tag, q is None and out == "8009030f", str(out))
    q, out = peer.call("VERIFY S:%s D:%s R:%s D:%s S:%s T:%s"
                       % (hx(HDR), hx(BODY1), hx(b"y" * 10), hx(BODY2), hx(TRL), hx(mic)))
    check("%s: read-only buffer not signed" % tag, q is not None, str(out))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--helper", required=True)
    ap.add_argument("--role", required=True, choices=["ours-client", "ours-server"])
    ap.add_argument("--target", required=True)
    ap.add_argument("--service", required=True)
    ap.add_argument("--dce", action="store_true")
    ap.add_argument("--enctype", type=int)
    a = ap.parse_args()
    F = gssapi.RequirementFlag
    flags = [F.mutual_authentication, F.integrity, F.confidentiality, F.replay_detection,
             F.out_of_sequence_detection]
    if a.dce:
        flags.append(F.dce_style)
    krb5 = gssapi.MechType.kerberos
    dce = ["dce"] if a.dce else []
    if a.role == "ours-client":
        peer = Peer([a.helper, "--iov-peer", "client", a.target] + dce)
        ctx = gssapi.SecurityContext(creds=gssapi.Credentials(usage="accept", mechs=[krb5]),
                                     usage="accept")
        et = handshake(peer, ctx, True)
    else:
        peer = Peer([a.helper, "--iov-peer", "server"] + dce)
        name = gssapi.Name(a.service, gssapi.NameType.hostbased_service)
        ctx = gssapi.SecurityContext(name=name, usage="initiate", mech=krb5, flags=flags)
        et = handshake(peer, ctx, False)
    tag0 = "%s%s et%d" % (a.role, " dce" if a.dce else "", et)
    check("%s: established" % tag0, ctx.complete)
    if a.enctype is not None:
        check("%s: session enctype %d" % (tag0, a.enctype), et == a.enctype, str(et))
    rc4 = et == 23
    for rnd in range(2):
        for conf in (True, False):
            tag = "%s %s #%d" % (tag0, "sealed" if conf else "signed", rnd)
            mit_to_ours(peer, ctx, conf, rc4, a.dce, tag)
            ours_to_mit(peer, ctx, conf, rc4, a.dce, tag)
        mics(peer, ctx, "%s mic #%d" % (tag0, rnd))
    peer.close()
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
