#!/usr/bin/python3
"""MIT krb5 <-> libsspi per-message token interop (RFC 4121 / RFC 4757).

Sets up a throwaway KDC (realm TEST.LOCAL) in WORK on 127.0.0.1, then for
each enctype establishes an MIT GSSAPI initiator/acceptor pair in one
process (python3-gssapi), exports the context key with
GSS_C_INQ_SSPI_SESSION_KEY, records MIT MIC/Wrap tokens both ways, and runs
`test_krb_gss_token --interop IN OUT`, which verifies MIT's tokens and
writes tokens of ours; MIT then verifies those.

  krb5_tokens.py --work DIR --helper PATH/test_krb_gss_token [--record DIR]

--record writes MIT's tokens as tests/data/krb5_tokens/<enctype>.txt.
The KDC is started here and stopped by PID before exiting.
"""
import argparse
import os
import socket
import subprocess
import sys
import time

REALM = "TEST.LOCAL"
USER_PW = "User-Pw-1"
ENCTYPES = [("aes128-cts-hmac-sha1-96", 17), ("aes256-cts-hmac-sha1-96", 18),
            ("aes128-cts-hmac-sha256-128", 19), ("aes256-cts-hmac-sha384-192", 20),
            ("arcfour-hmac", 23)]
LENS = [0, 1, 13, 16, 17, 64, 1000]


def msg(n, seed):
    return bytes((i * 31 + seed) & 0xff for i in range(n))


def write_confs(work, port):
    all_e = " ".join("%s:normal" % e for e, _ in ENCTYPES)
    with open(os.path.join(work, "kdc.conf"), "w") as f:
        f.write("""[kdcdefaults]
 kdc_listen = 127.0.0.1:%d
 kdc_tcp_listen = 127.0.0.1:%d
[realms]
 %s = {
  database_name = %s/principal
  key_stash_file = %s/stash
  acl_file = %s/kadm5.acl
  master_key_type = aes256-cts-hmac-sha1-96
  supported_enctypes = %s
 }
[logging]
 kdc = FILE:%s/kdc.log
""" % (port, port, REALM, work, work, work, all_e, work))

    all_names = " ".join(e for e, _ in ENCTYPES)

    def conf(name, enctypes):
        with open(os.path.join(work, name), "w") as f:
            f.write("""[libdefaults]
 default_realm = %s
 dns_lookup_kdc = false
 dns_lookup_realm = false
 rdns = false
 allow_weak_crypto = true
 allow_rc4 = true
 default_tgs_enctypes = %s
 default_tkt_enctypes = %s
 permitted_enctypes = %s
[realms]
 %s = {
  kdc = 127.0.0.1:%d
 }
""" % (REALM, enctypes, enctypes, all_names, REALM, port))
    # The session key follows the client's requested enctypes; the ticket
    # itself may use another (permitted) enctype of the service key.
    conf("krb5.conf", all_names)
    for e, _ in ENCTYPES:
        conf("krb5.%s.conf" % e, e)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def setup_kdc(work):
    port = free_port()
    write_confs(work, port)
    env = dict(os.environ, KRB5_CONFIG=os.path.join(work, "krb5.conf"),
               KRB5_KDC_PROFILE=os.path.join(work, "kdc.conf"))
    open(os.path.join(work, "kadm5.acl"), "w").close()
    run = lambda *a: subprocess.run(a, env=env, check=True, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE, timeout=60)
    run("kdb5_util", "create", "-s", "-r", REALM, "-P", "masterpw")
    run("kadmin.local", "-r", REALM, "-q", "addprinc -pw %s user@%s" % (USER_PW, REALM))
    run("kadmin.local", "-r", REALM, "-q", "addprinc -randkey host/localhost@%s" % REALM)
    run("kadmin.local", "-r", REALM, "-q",
        "ktadd -k %s/keytab host/localhost@%s" % (work, REALM))
    kdc = subprocess.Popen(["krb5kdc", "-n", "-r", REALM], env=env,
                           stdout=open(os.path.join(work, "kdc.out"), "w"),
                           stderr=subprocess.STDOUT)
    for _ in range(100):  # wait until it listens
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    return kdc


def token_seq(tok, rc4):
    return "-" if rc4 else str(int.from_bytes(tok[8:16], "big"))


def peer(work, enctype, etnum, helper, record):
    """Runs in a child process whose KRB5_CONFIG allows only `enctype`."""
    import gssapi
    import gssapi.raw as raw
    krb5 = gssapi.MechType.kerberos
    user = gssapi.Name("user@" + REALM, gssapi.NameType.kerberos_principal)
    icred = raw.acquire_cred_with_password(user, USER_PW.encode(), usage="initiate",
                                           mechs=[krb5]).creds
    acred = gssapi.Credentials(usage="accept", mechs=[krb5])
    target = gssapi.Name("host@localhost", gssapi.NameType.hostbased_service)
    F = gssapi.RequirementFlag
    ini = gssapi.SecurityContext(name=target, creds=icred, usage="initiate", mech=krb5,
                                 flags=[F.mutual_authentication, F.integrity,
                                        F.confidentiality])
    acc = gssapi.SecurityContext(creds=acred, usage="accept")
    tok = ini.step()
    while True:
        tok = acc.step(tok)
        if ini.complete:
            break
        tok = ini.step(tok)
        if ini.complete and acc.complete:
            break
    oid = raw.OID.from_int_seq("1.2.840.113554.1.2.2.5.5")
    ikey = raw.inquire_sec_context_by_oid(ini, oid)
    akey = raw.inquire_sec_context_by_oid(acc, oid)
    key = ikey[0]
    assert key == akey[0], "initiator and acceptor keys differ"
    got_et = ikey[1][-1]  # last arc of 1.2.840.113554.1.2.2.4.<enctype>
    if got_et != etnum:
        print("%s: session enctype %d, expected %d" % (enctype, got_et, etnum))
        return 1
    rc4 = etnum == 23
    lines = ["enctype %d" % etnum, "key %s" % key.hex()]
    for side, ctx in (("initiator", ini), ("acceptor", acc)):
        for n in LENS:
            m = msg(n, 42)
            mic = ctx.get_signature(m)
            lines.append("token %s mic 0 %s %s %s" % (side, token_seq(mic, rc4),
                                                      m.hex() or "-", mic.hex()))
            for conf in (True, False):
                w = ctx.wrap(m, conf).message
                lines.append("token %s wrap %d %s %s %s" % (side, conf, token_seq(w, rc4),
                                                            m.hex() or "-", w.hex()))
        if not rc4:
            # IOV without a trailer buffer: MIT then rotates the trailer into
            # the header (RRC = 16 + checksum when sealing), the layout
            # Windows' SSPI uses.
            for conf in (True, False):
                m = msg(37, 7)
                iov = raw.IOV(raw.IOVBufferType.header, m, std_layout=False, auto_alloc=True)
                raw.wrap_iov(ctx, iov, confidential=conf)
                w = b"".join(bytes(b.value or b"") for b in iov)
                lines.append("token %s wrap %d %s %s %s" % (side, conf, token_seq(w, rc4),
                                                            m.hex(), w.hex()))
    vec = os.path.join(work, "mit.%s.txt" % enctype)
    with open(vec, "w") as f:
        f.write("\n".join(lines) + "\n")
    if record:
        with open(os.path.join(record, "%s.txt" % enctype), "w") as f:
            f.write("# MIT krb5 %s GSSAPI tokens (tests/data/krb5_tokens/README)\n" % enctype)
            f.write("\n".join(lines) + "\n")
    fails = 0
    ours = os.path.join(work, "ours.%s.txt" % enctype)
    rc = subprocess.run([helper, "--interop", vec, ours], capture_output=True, text=True)
    print("%s: helper: %s" % (enctype, rc.stdout.strip() or rc.stderr.strip()))
    if rc.returncode != 0:
        print(rc.stderr)
        fails += 1
    n = 0
    for line in open(ours):
        _, side, kind, conf, seq, pt, tk = line.split()
        m = b"" if pt == "-" else bytes.fromhex(pt)
        t = bytes.fromhex(tk)
        dst = acc if side == "initiator" else ini
        try:
            if kind == "mic":
                dst.verify_signature(m, t)
            else:
                res = dst.unwrap(t)
                assert res.message == m, "plaintext differs"
                assert res.encrypted == (conf == "1"), "conf state differs"
            n += 1
        except Exception as e:  # noqa: BLE001 - report and count
            print("%s: MIT refused our %s %s conf=%s len=%d: %r" % (enctype, side, kind, conf,
                                                                    len(m), e))
            fails += 1
    print("%s: MIT verified %d of our tokens, %d failures" % (enctype, n, fails))
    return 1 if fails else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--helper", required=True)
    ap.add_argument("--record")
    ap.add_argument("--peer")
    a = ap.parse_args()
    work = os.path.abspath(a.work)
    if a.peer:
        et = dict(ENCTYPES)[a.peer]
        return peer(work, a.peer, et, a.helper, a.record)
    kdc = setup_kdc(work)
    fails = 0
    try:
        for e, _ in ENCTYPES:
            env = dict(os.environ, KRB5_CONFIG=os.path.join(work, "krb5.%s.conf" % e),
                       KRB5CCNAME="MEMORY:cc", KRB5_KTNAME=os.path.join(work, "keytab"),
                       KRB5_CLIENT_KTNAME=os.path.join(work, "nokeytab"))
            cmd = [sys.executable, __file__, "--work", work, "--helper", a.helper,
                   "--peer", e]
            if a.record:
                cmd += ["--record", os.path.abspath(a.record)]
            rc = subprocess.run(cmd, env=env, timeout=120)
            if rc.returncode != 0:
                print("FAIL %s" % e)
                fails += 1
            else:
                print("ok %s" % e)
    finally:
        kdc.terminate()
        kdc.wait(timeout=10)
    print("%d passed, %d failed" % (len(ENCTYPES) - fails, fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
