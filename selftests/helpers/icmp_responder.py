#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""icmp_responder - answer every SYN to an address with an ICMP error.

    icmp_responder.py IFACE TARGET PROTO...

Watches IFACE (AF_PACKET) for IPv4 packets of a protocol PROTO (6: TCP,
253: EDUTCP; both have TCP's header) to TARGET whose flags byte has SYN
without ACK, and answers each with an ICMP destination unreachable to its
sender, its code the SYN's destination port (connect to port 1 for host
unreachable, 2 for protocol unreachable), quoting the SYN's IPv4 header
and first 8 bytes as a router would (RFC 792).
The namespace it runs in must not own TARGET, or its own kernel answers.
Prints "ready", then "answered PROTO SRC:SPORT code CODE" per SYN; runs until killed.
"""
import socket
import struct
import sys

ETH_P_IP = 0x0800


def csum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff


def main():
    iface, target = sys.argv[1], socket.inet_aton(sys.argv[2])
    protos = [int(p) for p in sys.argv[3:]]
    rx = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM,
                       socket.htons(ETH_P_IP))
    rx.bind((iface, ETH_P_IP))
    tx = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    print('ready', flush=True)
    while True:
        pkt = rx.recv(2048)
        if len(pkt) < 20 or pkt[0] >> 4 != 4:
            continue
        ihl = (pkt[0] & 15) * 4
        if pkt[9] not in protos or pkt[16:20] != target or \
                len(pkt) < ihl + 14:
            continue
        if pkt[ihl + 13] & 0x12 != 0x02:
            continue
        quote = pkt[:ihl + 8]
        sport, code = struct.unpack('!HH', pkt[ihl:ihl + 4])
        icmp = struct.pack('!BBHI', 3, code, 0, 0) + quote
        icmp = icmp[:2] + struct.pack('!H', csum(icmp)) + icmp[4:]
        src = socket.inet_ntoa(pkt[12:16])
        tx.sendto(icmp, (src, 0))
        print('answered %d %s:%d code %d' % (pkt[9], src, sport, code),
              flush=True)


if __name__ == '__main__':
    main()
