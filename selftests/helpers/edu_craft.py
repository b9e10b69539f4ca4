#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""edu_craft.py - hand-made segments against a live connection.

    edu_craft.py victim FAM ADDR PORT
    edu_craft.py peer FAM DEV ADDR PORT CMDFILE

FAM is "tcp" (AF_INET, IP protocol 6: the kernel's TCP, the oracle) or
"edu" (AF_EDU, IP protocol 253 or the module's ipproto=); the segments are
built the same way for both: an IPv4 header and a 20-byte TCP header, the
checksum over the pseudo-header with the family's protocol number.

victim: listens on ADDR:PORT and prints "listening"; then serves one
connection after the other, the Nth printing "accepted N", then "recv N
TEXT" for each read, whose bytes it echoes back, and at the end "eof N" or
"error N ENAME" (e.g. ECONNRESET).

peer: the other end.  It opens a packet socket on DEV (its side of the
link, in its own namespace), prints "ready" and reads commands, one a
line, "ID VERB ARGS", from CMDFILE (a FIFO); it answers each with one line
"ID ...".  From the victim's segments the packet socket sees it learns
the victim's RCV.NXT (the highest ACK the victim sent) and SND.NXT (the
end of the highest segment it sent), as an attacker on the path would.
    connect          close the last connection, open a new one to
                     ADDR:PORT: "ID connected port P"
    talk WORD        send WORD on the connection, read its echo:
                     "ID echo WORD" (or "ID error ...")
    rst OFF          an RST with SEQ = RCV.NXT + OFF
    syn OFF          a SYN with SEQ = RCV.NXT + OFF
    data HOW WORD    WORD as payload at SEQ = RCV.NXT, ACK flag set, the
                     ACK field beyond SND.NXT (HOW = unsent) or 2^30
                     before it (HOW = old: older than any window)
    burst KIND N     N segments back to back: KIND = oow, bare ACKs 2^30
                     beyond the window; KIND = rst, RSTs inside the window
                     (RCV.NXT + 100 + i)
    count            what the victim sent since the last of the four
                     above: "ID replies R challenge C since S rcv_nxt X
                     snd_nxt Y", C of the R segments being challenge ACKs
                     (bare ACKs of the victim's RCV.NXT at its SND.NXT), S
                     the milliseconds since those segments started to go
    quit
The four send segments with the peer's own address and port, so the
victim takes them for the peer's, and answer "ID sent N in T ms".
Output is line buffered.  Exit status 2: a usage error.
"""
import ctypes
import errno
import os
import select
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
ETH_P_IP = 0x0800
F_FIN, F_SYN, F_RST, F_PSH, F_ACK = 0x01, 0x02, 0x04, 0x08, 0x10
M32 = 0xffffffff


def out(line):
    print(line, flush=True)


def ename(err):
    return errno.errorcode.get(err, "E?")


def seq_after(a, b):
    """RFC 9293 sequence arithmetic: a is after b."""
    return 0 < ((a - b) & M32) < 0x80000000


def family(fam):
    """(socket family, IP protocol) of a family name."""
    if fam == "tcp":
        return socket.AF_INET, socket.IPPROTO_TCP
    with open("/sys/module/af_edu/parameters/family") as f:
        af = int(f.read())
    with open("/sys/module/af_edu/parameters/ipproto") as f:
        proto = int(f.read())
    return af, proto


LIBC = ctypes.CDLL(None, use_errno=True)


def sockaddr_call(fn, sock, af, addr, port):
    """bind() or connect() by libc: Python's socket module refuses the
    addresses of families it does not know, and sockaddr_edu has the
    layout of sockaddr_in."""
    sa = struct.pack("=H", af) + struct.pack("!H", port) + \
        socket.inet_aton(addr) + bytes(8)
    if fn(sock.fileno(), ctypes.c_char_p(sa), len(sa)) < 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def local_name(sock):
    """getsockname() by libc, for the same reason: (address, port)."""
    sa = ctypes.create_string_buffer(16)
    salen = ctypes.c_uint(16)
    if LIBC.getsockname(sock.fileno(), sa, ctypes.byref(salen)) < 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    return socket.inet_ntoa(sa.raw[4:8]), struct.unpack("!H", sa.raw[2:4])[0]


def accept(ls):
    """accept() by libc, for the same reason: the new socket."""
    fd = LIBC.accept(ls.fileno(), None, None)
    if fd < 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    return socket.socket(fileno=fd)


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def segment(proto, src, dst, sport, dport, seq, ack, flags, payload=b"",
            window=8192):
    """An IPv4 packet carrying a TCP-format segment, checksums filled in."""
    saddr, daddr = socket.inet_aton(src), socket.inet_aton(dst)
    th = struct.pack("!HHIIBBHHH", sport, dport, seq & M32, ack & M32,
                     5 << 4, flags, window, 0, 0)
    pseudo = saddr + daddr + struct.pack("!BBH", 0, proto,
                                         len(th) + len(payload))
    csum = checksum(pseudo + th + payload)
    th = th[:16] + struct.pack("!H", csum) + th[18:]
    total = 20 + len(th) + len(payload)
    ih = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, os.getpid() & 0xffff,
                     0x4000, 64, proto, 0, saddr, daddr)
    ih = ih[:10] + struct.pack("!H", checksum(ih)) + ih[12:]
    return ih + th + payload


def victim(fam, addr, port):
    af, _ = family(fam)
    ls = socket.socket(af, socket.SOCK_STREAM, 0)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sockaddr_call(LIBC.bind, ls, af, addr, port)
        ls.listen(8)
    except OSError as e:
        out("error listen: " + ename(e.errno))
        return 1
    out("listening")
    n = 0
    while True:
        conn = accept(ls)
        n += 1
        out("accepted %d" % n)
        while True:
            try:
                data = conn.recv(4096)
                if not data:
                    out("eof %d" % n)
                    break
                out("recv %d %s" % (n, data.decode(errors="replace")))
                conn.sendall(data)
            except OSError as e:
                out("error %d %s" % (n, ename(e.errno)))
                break
        conn.close()


class Peer:
    def __init__(self, fam, dev, addr, port):
        self.af, self.proto = family(fam)
        self.daddr, self.dport = addr, port
        self.mark, self.t0 = 0, time.monotonic()
        self.seen = []		# the victim's segments: (seq, ack, flags, len)
        self.sniff = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM,
                                   socket.htons(ETH_P_ALL))
        self.sniff.bind((dev, ETH_P_ALL))
        self.sniff.setblocking(False)
        self.raw = socket.socket(socket.AF_INET, socket.SOCK_RAW,
                                 socket.IPPROTO_RAW)
        self.conn = None
        self.saddr, self.sport = None, None

    def connect(self):
        """A new connection to the victim (the last one closed first)."""
        if self.conn:
            self.conn.close()
        self.seen = []
        self.conn = socket.socket(self.af, socket.SOCK_STREAM, 0)
        try:
            sockaddr_call(LIBC.connect, self.conn, self.af, self.daddr,
                          self.dport)
            self.saddr, self.sport = local_name(self.conn)
        except OSError as e:
            return "error connect: " + ename(e.errno)
        self.conn.settimeout(10)
        return "connected port %d" % self.sport

    def poll(self, timeout):
        """Read what the packet socket holds (waiting up to timeout for
        the first); returns how many of the victim's segments came."""
        n = 0
        while True:
            r, _, _ = select.select([self.sniff], [], [], timeout)
            if not r:
                return n
            timeout = 0
            try:
                pkt, sll = self.sniff.recvfrom(65535)
            except BlockingIOError:
                return n
            if sll[1] != ETH_P_IP or len(pkt) < 20:
                continue
            ihl = (pkt[0] & 0x0f) * 4
            if pkt[9] != self.proto or len(pkt) < ihl + 20:
                continue
            if socket.inet_ntoa(pkt[12:16]) != self.daddr or \
               socket.inet_ntoa(pkt[16:20]) != self.saddr:
                continue
            sport, dport, seq, ack, off, flags = \
                struct.unpack("!HHIIBB", pkt[ihl:ihl + 14])
            if sport != self.dport or dport != self.sport:
                continue
            total = struct.unpack("!H", pkt[2:4])[0]
            plen = total - ihl - (off >> 4) * 4
            self.seen.append((seq, ack, flags, plen))
            n += 1

    def state(self):
        """The victim's RCV.NXT and SND.NXT, as its segments tell them."""
        self.poll(0)
        rcv_nxt = snd_nxt = None
        for seq, ack, flags, plen in self.seen:
            end = (seq + plen + bool(flags & F_SYN) +
                   bool(flags & F_FIN)) & M32
            if snd_nxt is None or seq_after(end, snd_nxt):
                snd_nxt = end
            if flags & F_ACK and (rcv_nxt is None or seq_after(ack, rcv_nxt)):
                rcv_nxt = ack
        return rcv_nxt, snd_nxt

    def send(self, segs):
        """Send the segments back to back; count() tells what came back."""
        self.poll(0)
        self.mark = len(self.seen)
        self.t0 = time.monotonic()
        for s in segs:
            self.raw.sendto(s, (self.daddr, 0))
        return "sent %d in %d ms" % \
            (len(segs), (time.monotonic() - self.t0) * 1000)

    def count(self):
        rcv_nxt, snd_nxt = self.state()
        replies = self.seen[self.mark:]
        challenge = sum(1 for seq, ack, flags, plen in replies
                        if flags == F_ACK and plen == 0 and
                        ack == rcv_nxt and seq == snd_nxt)
        return "replies %d challenge %d since %d rcv_nxt %d snd_nxt %d" % \
            (len(replies), challenge, (time.monotonic() - self.t0) * 1000,
             rcv_nxt, snd_nxt)

    def seg(self, seq, ack, flags, payload=b""):
        return segment(self.proto, self.saddr, self.daddr, self.sport,
                       self.dport, seq, ack, flags, payload)

    def talk(self, word):
        data = word.encode()
        try:
            self.conn.sendall(data)
            got = b""
            while len(got) < len(data):
                chunk = self.conn.recv(len(data) - len(got))
                if not chunk:
                    return "eof after " + got.decode(errors="replace")
                got += chunk
        except socket.timeout:
            return "error timeout"
        except OSError as e:
            return "error " + ename(e.errno)
        self.poll(0)
        return "echo " + got.decode(errors="replace")

    def command(self, words):
        verb, args = words[0], words[1:]
        rcv_nxt, snd_nxt = self.state()
        if verb == "connect":
            return self.connect()
        if self.conn is None:
            return "error not connected"
        if verb == "talk":
            return self.talk(args[0])
        if verb == "count":
            return self.count()
        if rcv_nxt is None:
            return "error nothing seen of the victim"
        if verb in ("rst", "syn"):
            flags = F_RST if verb == "rst" else F_SYN
            return self.send([self.seg(rcv_nxt + int(args[0]), 0, flags)])
        if verb == "data":
            if args[0] == "unsent":
                ack = snd_nxt + 0x100000
            else:
                ack = snd_nxt - 0x40000000
            return self.send([self.seg(rcv_nxt, ack, F_ACK | F_PSH,
                                       args[1].encode())])
        if verb == "burst":
            n = int(args[1])
            if args[0] == "oow":
                segs = [self.seg(rcv_nxt + 0x40000000, snd_nxt, F_ACK)
                        for i in range(n)]
            else:
                segs = [self.seg(rcv_nxt + 100 + i, 0, F_RST)
                        for i in range(n)]
            return self.send(segs)
        return "error unknown command " + verb


def peer(argv):
    if len(argv) != 5:
        usage()
    fam, dev, addr, port, cmdfile = argv
    try:
        p = Peer(fam, dev, addr, int(port))
    except OSError as e:
        out("error sockets: " + ename(e.errno))
        return 1
    out("ready")
    with open(cmdfile) as cmds:
        for line in cmds:
            words = line.split()
            if len(words) < 2:
                continue
            if words[1] == "quit":
                out(words[0] + " bye")
                return 0
            out(words[0] + " " + p.command(words[1:]))
    return 0


def usage():
    sys.stderr.write("usage: edu_craft.py victim FAM ADDR PORT\n"
                     "       edu_craft.py peer FAM DEV ADDR PORT "
                     "CMDFILE\n")
    sys.exit(2)


def main(argv):
    if len(argv) == 5 and argv[1] == "victim":
        return victim(argv[2], argv[3], int(argv[4]))
    if len(argv) >= 2 and argv[1] == "peer":
        return peer(argv[2:])
    usage()
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
