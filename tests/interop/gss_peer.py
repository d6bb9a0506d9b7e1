#!/usr/bin/python3
"""Third-party GSSAPI peer for interop tests (MIT krb5 GSSAPI through
python3-gssapi, with gss-ntlmssp or Kerberos or SPNEGO inside).

It speaks the `sspi client` / `sspi server` framing (README, "Token
framing"): every frame is a 4-byte big-endian length followed by that many
bytes.
  1. Handshake: a side sends a frame whenever its step produced a non-empty
     token, and reads a frame whenever its step said "continue needed".
  2. Messages: the client sends WRAP(client text) as one frame (for NTLM:
     16-byte signature || sealed data, the layout of EncryptMessage's
     SECBUFFER_TOKEN + SECBUFFER_DATA), then the plain client text and its
     MIC as two frames. The server checks both, then answers the same way
     with the server text.
  3. The server prints "AUTHENTICATED <name>" and both print "MESSAGES OK".
     The server also prints "DELEGATED <name>" when the client delegated
     credentials (ctx.delegated_creds), and "MECH <oid>" (the mechanism the
     context ended up with).

Exit status: 0 on success, 1 on an authentication or message failure,
2 on usage errors.
"""
import argparse
import os
import socket
import struct
import sys

import gssapi
import gssapi.raw as graw

MECHS = {
    "ntlm": "1.3.6.1.4.1.311.2.2.10",
    "spnego": "1.3.6.1.5.5.2",
    "krb5": "1.2.840.113554.1.2.2",
    "iakerb": "1.3.6.1.5.2.5",
}
CLIENT_TEXT = b"hello from the client"
SERVER_TEXT = b"hello from the server"


DUMP_DIR = None
DUMP_COUNT = [0]


def dump(kind, data):
    if DUMP_DIR:
        DUMP_COUNT[0] += 1
        with open(os.path.join(DUMP_DIR, "%02d_%s.bin" % (DUMP_COUNT[0], kind)), "wb") as f:
            f.write(data)


def send_frame(sock, data):
    dump("sent", data)
    sock.sendall(struct.pack(">I", len(data)) + data)


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError("peer closed the connection")
        buf += chunk
    return buf


def recv_frame(sock):
    (n,) = struct.unpack(">I", recv_exact(sock, 4))
    if n > 1 << 20:
        raise ValueError("frame too large")
    data = recv_exact(sock, n)
    dump("recv", data)
    return data


def handshake(sock, ctx, initiator):
    token = None
    if initiator:
        token = ctx.step()
        if token:
            send_frame(sock, token)
    while not ctx.complete:
        token = ctx.step(recv_frame(sock))
        if token:
            send_frame(sock, token)


def send_messages(sock, ctx, text):
    wrapped = ctx.wrap(text, True)
    if not wrapped.encrypted:
        raise RuntimeError("wrap did not encrypt")
    send_frame(sock, wrapped.message)
    send_frame(sock, text)
    send_frame(sock, ctx.get_signature(text))


def recv_messages(sock, ctx, expected):
    unwrapped = ctx.unwrap(recv_frame(sock))
    if unwrapped.message != expected or not unwrapped.encrypted:
        raise RuntimeError("sealed message mismatch: %r" % (unwrapped.message,))
    text = recv_frame(sock)
    mic = recv_frame(sock)
    ctx.verify_signature(text, mic)
    if text != expected:
        raise RuntimeError("signed message mismatch")


def mech_of(name):
    return gssapi.OID.from_int_seq(MECHS[name])


def run_server(args):
    mech = mech_of(args.mech)
    creds = gssapi.Credentials(usage="accept", mechs=[mech])
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", args.port))
    lsock.listen(1)
    if args.ready_file:
        with open(args.ready_file, "w") as f:
            f.write(str(lsock.getsockname()[1]))
    lsock.settimeout(args.timeout)
    sock, _ = lsock.accept()
    sock.settimeout(args.timeout)
    ctx = gssapi.SecurityContext(usage="accept", creds=creds)
    try:
        handshake(sock, ctx, initiator=False)
    except gssapi.exceptions.GSSError as e:
        print("AUTH FAILED", e, flush=True)
        return 1
    print("AUTHENTICATED", ctx.initiator_name, flush=True)
    if ctx.mech is not None:
        print("MECH", ctx.mech.dotted_form, flush=True)
    if ctx.delegated_creds is not None:
        print("DELEGATED", ctx.delegated_creds.name, flush=True)
    recv_messages(sock, ctx, CLIENT_TEXT)
    send_messages(sock, ctx, SERVER_TEXT)
    print("MESSAGES OK", flush=True)
    return 0


def run_client(args):
    mech = mech_of(args.mech)
    creds = None
    if args.user is not None:
        name = gssapi.Name(args.user, gssapi.NameType.user)
        password = os.environ.get("PEER_PASSWORD", "").encode()
        creds = graw.acquire_cred_with_password(name, password, usage="initiate",
                                                mechs=[mech]).creds
    if args.neg_mechs:
        # SPNEGO: offer these mechs, in this order (gss_set_neg_mechs).
        if creds is None:
            creds = gssapi.Credentials(usage="initiate", mechs=[mech])
        graw.set_neg_mechs(creds, [mech_of(m) for m in args.neg_mechs.split(",")])
    target = gssapi.Name(args.target, gssapi.NameType.hostbased_service)
    flags = (gssapi.RequirementFlag.integrity | gssapi.RequirementFlag.confidentiality |
             gssapi.RequirementFlag.replay_detection | gssapi.RequirementFlag.out_of_sequence_detection)
    if args.mutual:
        flags |= gssapi.RequirementFlag.mutual_authentication
    if args.delegate:
        flags |= gssapi.RequirementFlag.delegate_to_peer
    ctx = gssapi.SecurityContext(name=target, creds=creds, usage="initiate", mech=mech,
                                 flags=flags)
    sock = socket.create_connection(("127.0.0.1", args.port), timeout=args.timeout)
    try:
        handshake(sock, ctx, initiator=True)
    except (gssapi.exceptions.GSSError, EOFError) as e:
        print("AUTH FAILED", e, flush=True)
        return 1
    print("AUTHENTICATED to", args.target, flush=True)
    send_messages(sock, ctx, CLIENT_TEXT)
    try:
        recv_messages(sock, ctx, SERVER_TEXT)
    except EOFError as e:
        print("AUTH FAILED", e, flush=True)
        return 1
    print("MESSAGES OK", flush=True)
    return 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("role", choices=["server", "client"])
    p.add_argument("--mech", choices=sorted(MECHS), default="ntlm")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--ready-file")
    p.add_argument("--user", help="client: user name, e.g. DOMAIN\\user (password in $PEER_PASSWORD)")
    p.add_argument("--target", default="host@localhost")
    p.add_argument("--mutual", action="store_true")
    p.add_argument("--delegate", action="store_true",
                   help="client: delegate credentials (GSS_C_DELEG_FLAG)")
    p.add_argument("--neg-mechs",
                   help="client with --mech spnego: comma-separated mechs to offer, in order")
    p.add_argument("--timeout", type=float, default=20.0)
    p.add_argument("--dump", help="directory to save every frame sent and received")
    args = p.parse_args()
    global DUMP_DIR
    DUMP_DIR = args.dump
    try:
        return run_server(args) if args.role == "server" else run_client(args)
    except (RuntimeError, gssapi.exceptions.GSSError, EOFError, OSError, ValueError) as e:
        print("FAILED", type(e).__name__, e, flush=True)
        return 1


if __name__ == "__main__":
    sys.exit(main())
