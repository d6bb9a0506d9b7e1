#!/usr/bin/python3
"""Capture a real MIT GSSAPI SPNEGO exchange with gss-ntlmssp inside.

Run in an empty directory: NTLM_USER_FILE=users /usr/bin/python3 capture_mit.py
where `users` holds the line 'DOM:u:pw'. Writes init_N.bin (initiator tokens)
and acc_N.bin (acceptor tokens); the files here were renamed:
init_0 -> mit_ntlm_init, acc_0 -> mit_ntlm_resp_challenge,
init_1 -> mit_ntlm_resp_authenticate, acc_1 -> mit_ntlm_resp_complete.
"""
import gssapi, os, sys
spnego = gssapi.OID.from_int_seq('1.3.6.1.5.5.2')
ntlm = gssapi.OID.from_int_seq('1.3.6.1.4.1.311.2.2.10')
user = gssapi.Name('DOM\\u', gssapi.NameType.user)
creds = gssapi.raw.acquire_cred_with_password(user, b'pw', usage='initiate', mechs=[spnego]).creds
tgt = gssapi.Name('host@localhost', gssapi.NameType.hostbased_service)
ictx = gssapi.SecurityContext(name=tgt, mech=spnego, creds=creds, usage='initiate',
   flags=gssapi.RequirementFlag.integrity|gssapi.RequirementFlag.confidentiality|gssapi.RequirementFlag.mutual_authentication)
actx = gssapi.SecurityContext(usage='accept')
tok = ictx.step()
i = 0
while True:
    open('init_%d.bin' % i, 'wb').write(tok); print('I', i, len(tok), tok[:16].hex())
    if tok is None: break
    tok = actx.step(tok)
    if tok is None: break
    open('acc_%d.bin' % i, 'wb').write(tok); print('A', i, len(tok), tok[:16].hex())
    if ictx.complete and actx.complete: break
    tok = ictx.step(tok)
    i += 1
    if tok is None: break
print(ictx.complete, actx.complete)
