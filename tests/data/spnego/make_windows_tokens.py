#!/usr/bin/env python3
"""Hand-built Windows-shaped SPNEGO tokens (independent of the C codec).

Layouts follow RFC 4178 4.2 and MS-SPNG 2.2.1 as Windows emits them:
  win_init.bin          NegTokenInit {MS-KRB5, KRB5, NegoEx, NTLM} + mechToken
                        (a GSS-framed krb5 AP-REQ-shaped placeholder)
  win_init2_server.bin  server-first NegTokenInit2, negHints hintName
                        "not_defined_in_RFC4178@please_ignore"
  win_resp_request_mic.bin  negState request-mic + supportedMech MS-KRB5 + token
  win_resp_reject.bin   negState reject only
  win_resp_complete_mic.bin negState accept-completed + mechListMIC
"""
import os

def tlv(tag, body):
    n = len(body)
    if n < 0x80:
        ln = bytes([n])
    else:
        b = n.to_bytes((n.bit_length() + 7) // 8, 'big')
        ln = bytes([0x80 | len(b)]) + b
    return bytes([tag]) + ln + body

def oid(s):
    arcs = [int(x) for x in s.split('.')]
    out = bytearray([arcs[0] * 40 + arcs[1]])
    for a in arcs[2:]:
        enc = [a & 0x7f]
        a >>= 7
        while a:
            enc.append(0x80 | (a & 0x7f))
            a >>= 7
        out += bytes(reversed(enc))
    return tlv(0x06, bytes(out))

SPNEGO = '1.3.6.1.5.5.2'
MS_KRB5 = '1.2.840.48018.1.2.2'
KRB5 = '1.2.840.113554.1.2.2'
NEGOEX = '1.3.6.1.4.1.311.2.2.30'
NTLM = '1.3.6.1.4.1.311.2.2.10'

def ctx(n, body):
    return tlv(0xa0 | n, body)

def framed(mech, inner):
    return tlv(0x60, oid(mech) + inner)

mechlist = tlv(0x30, b''.join(oid(m) for m in (MS_KRB5, KRB5, NEGOEX, NTLM)))
# AP-REQ-shaped placeholder: krb5 framing, TOK_ID 01 00, [APPLICATION 14].
ap_req = tlv(0x6e, tlv(0x30, ctx(0, tlv(0x02, b'\x05')) + ctx(1, tlv(0x02, b'\x0e'))))
krb_tok = framed(KRB5, b'\x01\x00' + ap_req)
win_init = framed(SPNEGO, ctx(0, tlv(0x30, ctx(0, mechlist) + ctx(2, tlv(0x04, krb_tok)))))

hint = b'not_defined_in_RFC4178@please_ignore'
win_init2 = framed(SPNEGO, ctx(0, tlv(0x30, ctx(0, mechlist) +
                                     ctx(3, tlv(0x30, ctx(0, tlv(0x1b, hint)))))))

ap_rep = tlv(0x6f, tlv(0x30, ctx(0, tlv(0x02, b'\x05')) + ctx(1, tlv(0x02, b'\x0f'))))
resp_req_mic = ctx(1, tlv(0x30, ctx(0, tlv(0x0a, b'\x03')) + ctx(1, oid(MS_KRB5)) +
                        ctx(2, tlv(0x04, framed(KRB5, b'\x02\x00' + ap_rep)))))
resp_reject = ctx(1, tlv(0x30, ctx(0, tlv(0x0a, b'\x02'))))
mic = bytes.fromhex('040404ffffffffff0000000000000000') + bytes(range(12))
resp_complete = ctx(1, tlv(0x30, ctx(0, tlv(0x0a, b'\x00')) + ctx(3, tlv(0x04, mic))))

here = os.path.dirname(os.path.abspath(__file__))
for name, data in (('win_init.bin', win_init), ('win_init2_server.bin', win_init2),
                   ('win_resp_request_mic.bin', resp_req_mic),
                   ('win_resp_reject.bin', resp_reject),
                   ('win_resp_complete_mic.bin', resp_complete)):
    with open(os.path.join(here, name), 'wb') as f:
        f.write(data)
    print(name, data.hex())
