#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""drv_client.py - test drivers for the driver socket (clustd-drivers(7)).

  record SOCK ID OUT [--instances a,b] [--ready-file F] [--ack]
      say hello, append every line the daemon sends to OUT; with
      --ready-file, ready while F exists (looked at every 20 ms); with
      --ack, answer each event ok. Ends at the daemon's end of the
      connection (exit 0).
  silent SOCK ID
      say hello and never read again (a stuck driver); ends when the
      daemon closes the connection or after 120 s.
  send SOCK LINE...
      after the daemon's hello, send each LINE (a "\\n" is added), then
      print what the daemon says until it closes (5 s at most): exit 0
      when it closed, 1 otherwise.
  churn SOCK PREFIX COUNT ROUNDS
      ROUNDS times: COUNT drivers connect at once, each says hello as
      PREFIX-<n> and reads its snapshot to "synced"; then all close.
      Prints "ok <rounds> <drivers>" or the first failure (exit 1).
  connect SOCK
      connect and read the daemon's hello: prints "ok" or the errno name.
Every wait is bounded.
"""
import errno
import json
import os
import select
import socket
import sys
import time


def connect(path, timeout=5.0):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    return s


class Lines:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def next(self, timeout=5.0):
        """The next line (bytes, without "\\n"), or None at the end or timeout."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([self.sock], [], [], left)
            if not r:
                return None
            try:
                chunk = self.sock.recv(65536)
            except (ConnectionError, OSError):
                return None
            if not chunk:
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line


def hello(sock, ident, instances=None, ready=True):
    msg = {"type": "hello", "protocol": 1, "id": ident, "ready": ready}
    if instances is not None:
        msg["instances"] = instances
    sock.sendall((json.dumps(msg) + "\n").encode())


def record(argv):
    path, ident, out = argv[0], argv[1], argv[2]
    instances = None
    ready_file = None
    ack = False
    rest = argv[3:]
    while rest:
        opt = rest.pop(0)
        if opt == "--instances":
            instances = rest.pop(0).split(",")
        elif opt == "--ready-file":
            ready_file = rest.pop(0)
        elif opt == "--ack":
            ack = True
    s = connect(path)
    lines = Lines(s)
    first = lines.next()
    if first is None:
        return 1
    with open(out, "ab", buffering=0) as f:
        f.write(first + b"\n")
        ready = os.path.exists(ready_file) if ready_file else True
        hello(s, ident, instances, ready)
        while True:
            line = lines.next(timeout=0.02)
            if line is None and lines.buf == b"" and not alive(s):
                return 0
            if line is not None:
                f.write(line + b"\n")
                msg = json.loads(line)
                if ack and msg.get("type") == "event":
                    s.sendall((json.dumps({"type": "ack", "seq": msg["seq"], "ok": True,
                                           "message": "recorded"}) + "\n").encode())
            if ready_file:
                now = os.path.exists(ready_file)
                if now != ready:
                    ready = now
                    s.sendall((json.dumps({"type": "ready", "ready": ready,
                                           "message": "" if ready else "no ready file"})
                               + "\n").encode())


def alive(sock):
    """False once the daemon closed the connection."""
    r, _, _ = select.select([sock], [], [], 0)
    if not r:
        return True
    try:
        return sock.recv(1, socket.MSG_PEEK) != b""
    except OSError:
        return False


def silent(argv):
    path, ident = argv[0], argv[1]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
    s.connect(path)
    hello(s, ident)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        # never read: only look whether the daemon hung up (an error
        # queued on the socket, or POLLHUP)
        p = select.poll()
        p.register(s, select.POLLHUP | select.POLLERR)
        if p.poll(100):
            print("closed by the daemon")
            return 0
    return 1


def send(argv):
    s = connect(argv[0])
    lines = Lines(s)
    if lines.next() is None:
        print("no hello")
        return 1
    for text in argv[1:]:
        s.sendall(text.encode() + b"\n")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        line = lines.next(timeout=deadline - time.monotonic())
        if line is None:
            return 0 if not alive(s) else 1
        print(line.decode())
    return 1


def churn(argv):
    path, prefix, count, rounds = argv[0], argv[1], int(argv[2]), int(argv[3])
    for r in range(rounds):
        socks = []
        try:
            for n in range(count):
                s = connect(path)
                hello(s, "%s-%d" % (prefix, n))
                socks.append((s, Lines(s)))
            for s, lines in socks:
                while True:
                    line = lines.next()
                    if line is None:
                        print("round %d: a driver got no snapshot" % r)
                        return 1
                    if json.loads(line).get("type") == "synced":
                        break
        finally:
            for s, _ in socks:
                s.close()
    print("ok %d %d" % (rounds, count))
    return 0


def connect_only(argv):
    try:
        s = connect(argv[0])
    except OSError as e:
        print(errno.errorcode.get(e.errno, str(e.errno)))
        return 1
    line = Lines(s).next()
    print("ok" if line else "no hello")
    return 0 if line else 1


def main():
    cmds = {"record": record, "silent": silent, "send": send, "churn": churn,
            "connect": connect_only}
    if len(sys.argv) < 3 or sys.argv[1] not in cmds:
        print(__doc__, file=sys.stderr)
        return 2
    return cmds[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
