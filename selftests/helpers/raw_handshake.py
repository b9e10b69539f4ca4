#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""raw_handshake - a handshake made by hand, whose final ACK is ahead.

    raw_handshake.py IFACE DST_MAC SRC_IP PROTO DST_IP SPORT DPORT AHEAD

Sends a SYN (IPv4 protocol PROTO: 6 for TCP, 253 for EDUTCP) from
SRC_IP:SPORT to DST_IP:DPORT in a frame to DST_MAC, waits for the SYN-ACK
on IFACE and answers it with a bare ACK whose SEQ is AHEAD bytes past the
ISN + 1: what a client sends when its first data was lost and it answers
a retransmitted SYN-ACK at its SND.NXT.  Prints "synack" (or "no synack"
after 10 s, exit 1), then "acked SEQ".  SRC_IP should be an address no
namespace owns, so nothing else answers the SYN-ACK.
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


def segment(src, dst, proto, sport, dport, seq, ack, flags):
    th = struct.pack('!HHIIBBHHH', sport, dport, seq, ack, 5 << 4, flags,
                     65535, 0, 0)
    pseudo = src + dst + struct.pack('!BBH', 0, proto, len(th))
    th = th[:16] + struct.pack('!H', csum(pseudo + th)) + th[18:]
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(th), 1, 0x4000,
                     64, proto, 0, src, dst)
    return ip[:10] + struct.pack('!H', csum(ip)) + ip[12:] + th


def main():
    iface, dmac, src = sys.argv[1], sys.argv[2], socket.inet_aton(sys.argv[3])
    proto, dst = int(sys.argv[4]), socket.inet_aton(sys.argv[5])
    sport, dport, ahead = int(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8])
    s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM,
                      socket.htons(ETH_P_IP))
    s.bind((iface, ETH_P_IP))
    to = (iface, ETH_P_IP, 0, 0, bytes.fromhex(dmac.replace(':', '')))
    isn = 7000
    s.sendto(segment(src, dst, proto, sport, dport, isn, 0, F_SYN), to)
    end = time.time() + 10
    while time.time() < end:
        if not select.select([s], [], [], max(end - time.time(), 0))[0]:
            break
        pkt = s.recv(2048)
        if len(pkt) < 40 or pkt[9] != proto or pkt[16:20] != src:
            continue
        ihl = (pkt[0] & 15) * 4
        th = pkt[ihl:ihl + 20]
        if struct.unpack('!H', th[2:4])[0] != sport or \
                th[13] & (F_SYN | F_ACK) != F_SYN | F_ACK:
            continue
        print('synack', flush=True)
        srv_isn = struct.unpack('!I', th[4:8])[0]
        seq = (isn + 1 + ahead) & 0xffffffff
        s.sendto(segment(src, dst, proto, sport, dport, seq,
                         (srv_isn + 1) & 0xffffffff, F_ACK), to)
        print('acked %d' % seq, flush=True)
        return 0
    print('no synack', flush=True)
    return 1


if __name__ == '__main__':
    sys.exit(main())
