#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""clustd_driver.py - a clustd driver in Python, standard library only.

The reference for writing a driver in any language: it speaks the driver
protocol of clustd-drivers(7) directly (newline-delimited JSON over the
UNIX socket <run_dir>/drivers.sock) and reconnects by itself.

Use it as a library:

    from clustd_driver import Driver

    class Web(Driver):
        def on_state(self, instance, state, msg):       # snapshot and events
            ...                                         # act on the state
            return True, "done"                         # the answer (events)

    Web("/run/clustd/drivers.sock", "webapp").run()

or run it to print what the daemon says (and answer every event "ok"):

    clustd_driver.py [--socket PATH] [--id ID] [--instance NAME]...
                     [--ready-file PATH]

The conversation: the daemon says hello (protocol, node, incarnation);
we say hello (protocol 1, our id, the instances we want, whether we are
ready); it sends one "snapshot" per instance and "synced"; then one
"event" per transition with a sequence number that grows by one per
transition of the node (per daemon run: a new "incarnation" in the hello
starts it again). We may answer an event with "ack" (ok and a message),
and say "ready" true or false at any time: a driver an instance requires
(clustd.conf(5), drivers) makes it unfit to be master while it is not
connected or not ready. Anything malformed gets an "error" line and the
end of the connection.
"""
import argparse
import json
import os
import select
import socket
import sys
import time

PROTOCOL = 1
BACKOFF_FIRST = 0.1    # seconds; doubles up to BACKOFF_MAX
BACKOFF_MAX = 5.0


class Driver:
    """Subclass it and override on_state (and on_connect, ready)."""

    def __init__(self, path, ident, instances=None):
        self.path = path
        self.id = ident
        self.instances = instances   # None: every instance
        self.sock = None
        self.buf = b""
        self.incarnation = None
        self.last_seq = {}           # instance -> seq of the last transition seen
        self.ready_said = None

    # ---- to override ----

    def on_state(self, instance, state, msg):
        """The instance is in `state` now (msg: the snapshot or event as a
        dict; msg["type"] tells which). For an event, return (ok, message):
        the answer the daemon records; None answers nothing."""
        return True, ""

    def on_connect(self, hello):
        """Connected to a daemon (its hello as a dict)."""

    def ready(self):
        """(ready, message): asked every second and at every connect."""
        return True, ""

    # ---- the protocol ----

    def send(self, msg):
        self.sock.sendall((json.dumps(msg) + "\n").encode())

    def lines(self, timeout):
        """The daemon's lines that came within timeout seconds (dicts);
        raises ConnectionError at the end of the connection."""
        r, _, _ = select.select([self.sock], [], [], timeout)
        if r:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("the daemon closed the connection")
            self.buf += chunk
        while b"\n" in self.buf:
            line, self.buf = self.buf.split(b"\n", 1)
            if line.strip():
                yield json.loads(line)

    def handle(self, msg):
        kind = msg.get("type")
        if kind == "hello":
            if msg.get("protocol") != PROTOCOL:
                raise SystemExit("the daemon speaks protocol %r, we %d"
                                 % (msg.get("protocol"), PROTOCOL))
            if msg.get("incarnation") != self.incarnation:
                self.last_seq = {}   # a new daemon run numbers from 1 again
            self.incarnation = msg.get("incarnation")
            ready, why = self.ready()
            hello = {"type": "hello", "protocol": PROTOCOL, "id": self.id,
                     "instances": self.instances if self.instances else "all",
                     "ready": ready}
            self.send(hello)
            if not ready:
                self.send({"type": "ready", "ready": False, "message": why})
            self.ready_said = ready
            self.on_connect(msg)
        elif kind == "snapshot":
            name, seq = msg["instance"], msg.get("seq", 0)
            if name in self.last_seq and seq > self.last_seq[name]:
                log("%s: missed transitions up to %d while away" % (name, seq))
            self.last_seq[name] = seq
            self.on_state(name, msg["state"], msg)
        elif kind == "event":
            self.last_seq[msg["instance"]] = msg["seq"]
            answer = self.on_state(msg["instance"], msg["to"], msg)
            if answer is not None:
                ok, why = answer
                self.send({"type": "ack", "seq": msg["seq"], "ok": bool(ok),
                           "message": str(why)})
        elif kind == "error":
            log("the daemon refused us: %s: %s" % (msg.get("error"), msg.get("message")))
        # "synced" and unknown types (a newer daemon) need nothing

    def tell_ready(self):
        ready, why = self.ready()
        if ready != self.ready_said:
            self.send({"type": "ready", "ready": ready, "message": "" if ready else why})
            self.ready_said = ready

    def run(self):
        """Forever: connect, follow, reconnect after a back-off."""
        wait = BACKOFF_FIRST
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(self.path)
                self.buf = b""
                wait = BACKOFF_FIRST
                while True:
                    for msg in self.lines(1.0):
                        self.handle(msg)
                    if self.ready_said is not None:
                        self.tell_ready()
            except (ConnectionError, OSError) as e:
                log("%s: %s; reconnecting in %.1f s" % (self.path, e, wait))
            finally:
                self.sock.close()
                self.ready_said = None
            time.sleep(wait)
            wait = min(wait * 2, BACKOFF_MAX)


def log(text):
    print("clustd_driver: " + text, file=sys.stderr, flush=True)


class Printer(Driver):
    """Prints every state as one line, answers every event ok."""

    def __init__(self, path, ident, instances, ready_file):
        super().__init__(path, ident, instances)
        self.ready_file = ready_file

    def on_connect(self, hello):
        log("connected to %s (incarnation %s)" % (hello.get("node"), hello.get("incarnation")))

    def on_state(self, instance, state, msg):
        print("%s %s %s seq=%s %s" % (msg["type"], instance, state, msg.get("seq"),
                                      msg.get("reason", "")), flush=True)
        return True, "printed"

    def ready(self):
        if self.ready_file and not os.path.exists(self.ready_file):
            return False, "no file " + self.ready_file
        return True, ""


def main():
    p = argparse.ArgumentParser(description="print what the clustd driver socket says")
    p.add_argument("--socket", default="/run/clustd/drivers.sock")
    p.add_argument("--id", default="py-%d" % os.getpid())
    p.add_argument("--instance", action="append")
    p.add_argument("--ready-file")
    a = p.parse_args()
    try:
        Printer(a.socket, a.id, a.instance, a.ready_file).run()
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
