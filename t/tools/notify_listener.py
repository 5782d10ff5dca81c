#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""notify_listener.py SOCKET OUT MAX_SECONDS - a stand-in for systemd's
NOTIFY_SOCKET: binds a datagram socket at SOCKET and appends every
sd_notify() message to OUT, one line per assignment, as
"<wall clock ms> <KEY=VALUE>" (the clock of
lib.sh's now_ms). Exits after MAX_SECONDS (bounded),
or on SIGTERM."""
import os
import socket
import sys
import time


def main(argv):
    path, out, max_s = argv[1], argv[2], float(argv[3])
    if os.path.exists(path):
        os.unlink(path)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    deadline = time.monotonic() + max_s
    with open(out, "a", buffering=1) as f:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return 0
            s.settimeout(left)
            try:
                data = s.recv(65536)
            except socket.timeout:
                return 0
            now_ms = int(time.time() * 1000)
            for line in data.decode("utf-8", "replace").split("\n"):
                if line:
                    f.write(f"{now_ms} {line}\n")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
