#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""workers.py PORT WORKERS CONNS - forked workers sharing one listener.

Listens on 127.0.0.1:PORT without SO_REUSEPORT, forks WORKERS children
that each loop in a blocking accept() and answer every connection with
their number, then connects CONNS times, one after another, and prints
which worker served each ("served 0 1 2 0 1 2").  Then what SO_REUSEPORT
is for: a second socket bound to PORT without it fails ("second bind:
EADDRINUSE"); two sockets that both set it bind and listen on PORT + 1
together ("reuseport pair: listening").  Run under edu-run, every socket
is EDUTCP's.  Part of docs/claims.md (docs/labs/claims.sh runs it).
"""
import errno
import os
import signal
import socket
import sys
import time


def worker(ls, num, ready):
    os.write(ready, b"r")
    while True:
        c, _ = ls.accept()
        c.sendall(str(num).encode())
        c.close()


def main():
    port, nworkers, nconns = (int(a) for a in sys.argv[1:4])
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.bind(("127.0.0.1", port))
    ls.listen(16)
    print("listener: SO_REUSEPORT=%d" %
          ls.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT))
    r, w = os.pipe()
    kids = []
    for i in range(nworkers):
        pid = os.fork()
        if pid == 0:
            os.close(r)
            worker(ls, i, w)
        kids.append(pid)
    os.close(w)
    for _ in range(nworkers):
        os.read(r, 1)
    time.sleep(0.5)     # each worker is asleep in accept() by then
    served = []
    for _ in range(nconns):
        c = socket.create_connection(("127.0.0.1", port))
        served.append(c.recv(16).decode())
        c.close()
    print("served " + " ".join(served))
    print("workers used %d of %d" % (len(set(served)), nworkers))
    for pid in kids:
        os.kill(pid, signal.SIGTERM)
        os.waitpid(pid, 0)

    s2 = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s2.bind(("127.0.0.1", port))
        print("second bind: ok")
    except OSError as e:
        print("second bind: " + errno.errorcode[e.errno])
    s2.close()

    pair = []
    try:
        for _ in range(2):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            s.bind(("127.0.0.1", port + 1))
            s.listen(16)
            pair.append(s)
        print("reuseport pair: listening")
    except OSError as e:
        print("reuseport pair: " + errno.errorcode[e.errno])
    for s in pair:
        s.close()
    ls.close()


if __name__ == "__main__":
    main()
