#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""csum_check.py - the transport checksums of a capture, checked.

    csum_check.py FILE PROTO SRC

Reads FILE, a pcap file as tcpdump -w writes it (Ethernet, Linux cooked
or raw IP), and for every IPv4 packet of protocol PROTO (6 for TCP, 253
for EDUTCP: the same header) from address SRC prints one line
"FLAGS LEN VERDICT": the TCP flags byte in hex, the payload length, and
what the checksum field holds, over the pseudo-header with the packet's own
protocol number (Wireshark's TCP dissector assumes 6, so it cannot judge
EDUTCP's): "good", the right checksum; "partial", the sum of the
pseudo-header alone, as a sender that left the rest to the device
(CHECKSUM_PARTIAL) writes it; "bad", anything else; "short", the capture
holds less than the whole segment.  Exit status 2: a usage error or an unreadable file.
"""
import socket
import struct
import sys


def ones_sum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def packets(path):
    """(linktype, frame bytes, original length) for each packet."""
    with open(path, "rb") as f:
        hdr = f.read(24)
        if len(hdr) < 24:
            raise ValueError("no pcap header")
        magic = struct.unpack("<I", hdr[:4])[0]
        if magic in (0xa1b2c3d4, 0xa1b23c4d):
            end = "<"
        elif magic in (0xd4c3b2a1, 0x4d3cb2a1):
            end = ">"
        else:
            raise ValueError("not a pcap file")
        linktype = struct.unpack(end + "I", hdr[20:24])[0]
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                return
            _, _, caplen, origlen = struct.unpack(end + "IIII", rec)
            yield linktype, f.read(caplen), origlen


def ip_payload(linktype, frame):
    """The IPv4 packet a frame carries, or None."""
    if linktype == 1:		# Ethernet
        off, etype = 14, frame[12:14]
    elif linktype == 113:	# Linux cooked (tcpdump -i any)
        off, etype = 16, frame[14:16]
    elif linktype in (101, 12, 14):	# raw IP
        return frame if frame[:1] and frame[0] >> 4 == 4 else None
    else:
        return None
    return frame[off:] if etype == b"\x08\x00" else None


def main(argv):
    if len(argv) != 4:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    path, proto, src = argv[1], int(argv[2]), socket.inet_aton(argv[3])
    try:
        for linktype, frame, _ in packets(path):
            ip = ip_payload(linktype, frame)
            if ip is None or len(ip) < 20 or ip[9] != proto or \
               ip[12:16] != src:
                continue
            ihl = (ip[0] & 0x0f) * 4
            total = struct.unpack("!H", ip[2:4])[0]
            seg = ip[ihl:total]
            if len(seg) < 20:
                print("?? ? short")
                continue
            flags, doff = seg[13], (seg[12] >> 4) * 4
            plen = total - ihl - doff
            if len(ip) < total:
                verdict = "short"
            else:
                pseudo = ip[12:20] + struct.pack("!BBH", 0, proto, len(seg))
                field = struct.unpack("!H", seg[16:18])[0]
                if ones_sum(pseudo + seg) == 0xffff:
                    verdict = "good"
                elif field == ones_sum(pseudo):
                    verdict = "partial"
                else:
                    verdict = "bad"
            print("%02x %d %s" % (flags, plen, verdict))
    except (OSError, ValueError) as e:
        print("csum_check: %s: %s" % (path, e), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
