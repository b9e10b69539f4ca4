#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""raw_syn - send hand-made SYNs in Ethernet frames, report the answers.

    raw_syn.py IFACE DST_MAC SRC_IP WAIT PROTO:DST_IP:SPORT:DPORT...

Each SYN (IPv4 protocol PROTO: 6 for TCP, 253 for EDUTCP, the same
header) goes from SRC_IP:SPORT to DST_IP:DPORT in a frame to DST_MAC, so
a broadcast IP address can travel in a unicast frame.  They are sent in
order, then every answer on IFACE to SRC_IP of those protocols is printed
as "reply PROTO SPORT SYNACK|RST|OTHER", until each SYN whose DST_IP is not a
broadcast address (.255) has had one, or WAIT seconds have passed.  The
unicast SYNs are the controls: the server handles segments in order, so
their answers mean the others were handled too.  Ends with "done".
"""
import select
import socket
import struct
import sys
import time

ETH_P_IP = 0x0800


def csum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff


def syn(src, dst, proto, sport, dport):
    th = struct.pack('!HHIIBBHHH', sport, dport, 1000 + sport, 0, 5 << 4,
                     0x02, 65535, 0, 0)
    pseudo = src + dst + struct.pack('!BBH', 0, proto, len(th))
    th = th[:16] + struct.pack('!H', csum(pseudo + th)) + th[18:]
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(th), sport, 0x4000,
                     64, proto, 0, src, dst)
    ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
    return ip + th


def main():
    iface, dmac, src, wait = sys.argv[1], sys.argv[2], \
        socket.inet_aton(sys.argv[3]), float(sys.argv[4])
    s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM,
                      socket.htons(ETH_P_IP))
    s.bind((iface, ETH_P_IP))
    mac = bytes.fromhex(dmac.replace(':', ''))
    controls = set()
    protos = set()
    for spec in sys.argv[5:]:
        proto, dst, sport, dport = spec.split(':')
        proto = int(proto)
        protos.add(proto)
        if not dst.endswith('.255'):
            controls.add((proto, int(sport)))
        s.sendto(syn(src, socket.inet_aton(dst), proto, int(sport),
                     int(dport)), (iface, ETH_P_IP, 0, 0, mac))
    end = time.time() + wait
    while controls and time.time() < end:
        if not select.select([s], [], [], max(end - time.time(), 0))[0]:
            break
        pkt = s.recv(2048)
        if len(pkt) < 40 or pkt[9] not in protos or pkt[16:20] != src:
            continue
        ihl = (pkt[0] & 15) * 4
        dport = struct.unpack('!H', pkt[ihl + 2:ihl + 4])[0]
        flags = pkt[ihl + 13]
        kind = 'SYNACK' if flags & 0x12 == 0x12 else \
            'RST' if flags & 0x04 else 'OTHER'
        print('reply %d %d %s' % (pkt[9], dport, kind), flush=True)
        controls.discard((pkt[9], dport))
    print('done', flush=True)


if __name__ == '__main__':
    main()
