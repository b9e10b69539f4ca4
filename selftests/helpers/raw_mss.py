#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""raw_mss - handshakes by hand whose SYNs carry the options given, and the
size of the segments the server then sends.

    raw_mss.py IFACE DST_MAC SRC_IP PROTO DST_IP DPORT BYTES WAIT \
        SPORT:OPTHEX...

For each SPORT:OPTHEX, a SYN (IPv4 protocol PROTO: 6 for TCP, 253 for
EDUTCP) goes from SRC_IP:SPORT to DST_IP:DPORT in a frame to DST_MAC,
its TCP options the bytes OPTHEX spells ("" for none; a multiple of 4
bytes: the data offset counts them), window 65535.  Its SYN-ACK, seen on
IFACE, is answered with the final ACK, and each data segment that comes
in order with an ACK of it.  Once each connection has brought BYTES
bytes, or WAIT seconds have passed, a line per connection:
    port SPORT synack_mss M maxlen L bytes B
M: the MSS option of the SYN-ACK (- if none came, "none" without one), L
the largest payload of one segment, B the bytes received in order.  Ends
with "done".  SRC_IP should be an address no namespace owns, so nothing
else answers the server.
"""
import os
import select
import socket
import struct
import sys
import time

sys.dont_write_bytecode = True   # the repository stays clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from raw_syn import csum  # noqa: E402

ETH_P_IP = 0x0800
F_SYN, F_ACK = 0x02, 0x10
ISN = 7000


def segment(src, dst, proto, sport, dport, seq, ack, flags, opts=b''):
    th = struct.pack('!HHIIBBHHH', sport, dport, seq, ack,
                     (5 + len(opts) // 4) << 4, flags, 65535, 0, 0) + opts
    pseudo = src + dst + struct.pack('!BBH', 0, proto, len(th))
    th = th[:16] + struct.pack('!H', csum(pseudo + th)) + th[18:]
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(th), sport, 0x4000,
                     64, proto, 0, src, dst)
    return ip[:10] + struct.pack('!H', csum(ip)) + ip[12:] + th


def mss_option(opts):
    """The MSS option's value in an option list we sent ourselves."""
    i = 0
    while i < len(opts):
        if opts[i] == 0:
            break
        if opts[i] == 1:
            i += 1
            continue
        if i + 1 >= len(opts) or opts[i + 1] < 2:
            break
        if opts[i] == 2 and opts[i + 1] == 4 and i + 4 <= len(opts):
            return str(struct.unpack('!H', opts[i + 2:i + 4])[0])
        i += opts[i + 1]
    return 'none'


def main():
    iface, dmac, src = sys.argv[1], sys.argv[2], socket.inet_aton(sys.argv[3])
    proto, dst = int(sys.argv[4]), socket.inet_aton(sys.argv[5])
    dport, want, wait = int(sys.argv[6]), int(sys.argv[7]), float(sys.argv[8])
    conns = {}
    for arg in sys.argv[9:]:
        sport, opthex = arg.split(':')
        opts = bytes.fromhex(opthex)
        if len(opts) % 4:
            print('options must fill whole words: %s' % arg)
            return 2
        conns[int(sport)] = {'opts': opts, 'mss': '-', 'maxlen': 0,
                             'irs': None, 'nxt': 0}
    s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM,
                      socket.htons(ETH_P_IP))
    s.bind((iface, ETH_P_IP))
    to = (iface, ETH_P_IP, 0, 0, bytes.fromhex(dmac.replace(':', '')))
    for sport, c in conns.items():
        s.sendto(segment(src, dst, proto, sport, dport, ISN, 0, F_SYN,
                         c['opts']), to)
    end = time.time() + wait
    while time.time() < end and \
            any(c['nxt'] < want for c in conns.values()):
        if not select.select([s], [], [], max(end - time.time(), 0))[0]:
            break
        pkt = s.recv(65536)
        if len(pkt) < 40 or pkt[9] != proto or pkt[16:20] != src or \
                pkt[12:16] != dst:
            continue
        ihl = (pkt[0] & 15) * 4
        total = struct.unpack('!H', pkt[2:4])[0]
        th = pkt[ihl:total]
        if len(th) < 20:
            continue
        sp, dp, seq = struct.unpack('!HHI', th[:8])
        doff, flags = (th[12] >> 4) * 4, th[13]
        c = conns.get(dp)
        if sp != dport or c is None or doff < 20 or doff > len(th):
            continue
        if flags & (F_SYN | F_ACK) == F_SYN | F_ACK:
            if c['irs'] is None:
                c['irs'] = seq
                c['mss'] = mss_option(th[20:doff])
                s.sendto(segment(src, dst, proto, dp, dport, ISN + 1,
                                 (seq + 1) & 0xffffffff, F_ACK), to)
            continue
        if c['irs'] is None:
            continue
        plen = len(th) - doff
        c['maxlen'] = max(c['maxlen'], plen)
        start = (seq - c['irs'] - 1) & 0xffffffff
        if plen and start <= c['nxt'] < start + plen:
            c['nxt'] = start + plen
            s.sendto(segment(src, dst, proto, dp, dport, ISN + 1,
                             (c['irs'] + 1 + c['nxt']) & 0xffffffff,
                             F_ACK), to)
    for sport, c in conns.items():
        print('port %d synack_mss %s maxlen %d bytes %d' %
              (sport, c['mss'], c['maxlen'], c['nxt']), flush=True)
    print('done', flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
