#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""hb_inject.py - send hostile or odd datagrams to a clustd cluster port.

An independent encoder of the heartbeat wire format (version 3, see the
comment at the top of src/heartbeat.c): "CLHB", version 3, flags, kind
(1 heartbeat), a reserved byte, incarnation and seq (u64, network order),
TLVs (1 = node name, 2 = instance: vrid, state, priority, name, 6 = nonce,
7 = echo, 9 = vote request: priority, name, 10 = vote: instance length,
instance, grantee length, grantee, incarnation, seq, remaining ms), then
HMAC-SHA256 over all of it with key = SHA-256(secret file bytes).

    hb_inject.py --to ADDR [--port 5798] [--count N] [--spoof-src ADDR] MODE ...

modes:
    garbage [--len N]          N bytes that do not start with the magic
    short [--len N]            a heartbeat header cut to N (< 56) bytes
    pad [--len N] [--version V]
                               N bytes: a valid header, then zeros (no MAC
                               can match): what it costs to look at
    sign --secret-file F | --secret TEXT  --node NAME --inc N --seq N
         [--echo NONCE ...] [--request INSTANCE:PRIO ...]
         [--vote INSTANCE:GRANTEE:INC:SEQ:MS ...] [--version V]
                               a well-formed heartbeat signed with that
                               secret (a wrong one: bad_auth; the right one
                               with an unknown name: unknown_member; a
                               request or vote twice for one instance:
                               malformed; --version 2: other_version)
    raw --hex HEX              the bytes as given (a captured heartbeat)

--spoof-src sends through a raw IPv4 socket with that source address (the
daemon judges a replay by (incarnation, seq), not by the source). Only use
it inside a test namespace. Prints one line per datagram sent.
"""
import argparse
import hashlib
import hmac
import os
import socket
import struct
import sys

MAGIC = b"CLHB"
VERSION = 3
KIND_HEARTBEAT = 1
KIND_PIECE = 2
FLAG_QUORUM = 0x01
TLV_NODE = 1
TLV_INSTANCE = 2
TLV_RESTORE = 4
TLV_NONCE = 6
TLV_ECHO = 7
TLV_PIECE = 8
TLV_REQUEST = 9
TLV_VOTE = 10
STATE_BACKUP = 1  # enum vrrp_state (src/fsm.h): INIT 0, BACKUP 1, MASTER 2, FAULT 3
MAX_COUNT = 1000


def tlv(t, value):
    return struct.pack("!BH", t, len(value)) + value


def header(kind, inc, seq, version=VERSION):
    return MAGIC + struct.pack("!BBBBQQ", version, FLAG_QUORUM, kind, 0, inc, seq)


def short_name(name):
    """A name with its length byte, as TLV 10 carries it."""
    return struct.pack("!B", len(name)) + name.encode()


def heartbeat(key, node, inc, seq, instances=(("web", 51, STATE_BACKUP, 100),),
              nonce=0x1234, echo=(), restore=False, requests=(), votes=(), version=VERSION):
    """requests: (instance, priority) pairs; votes: (instance, grantee,
    incarnation, seq, remaining ms) tuples; sent in the order given, with
    no check (a test may send what a receiver must drop)."""
    body = header(KIND_HEARTBEAT, inc, seq, version) + tlv(TLV_NODE, node.encode())
    for name, vrid, state, prio in instances:
        body += tlv(TLV_INSTANCE, struct.pack("!BBB", vrid, state, prio) + name.encode())
    if restore:
        body += tlv(TLV_RESTORE, b"")
    body += tlv(TLV_NONCE, struct.pack("!Q", nonce))
    if echo:
        body += tlv(TLV_ECHO, b"".join(struct.pack("!Q", e) for e in echo))
    for name, prio in requests:
        body += tlv(TLV_REQUEST, struct.pack("!B", prio) + name.encode())
    for instance, grantee, v_inc, v_seq, remaining_ms in votes:
        body += tlv(TLV_VOTE, short_name(instance) + short_name(grantee) +
                    struct.pack("!QQI", v_inc, v_seq, remaining_ms))
    return body + hmac.new(key, body, hashlib.sha256).digest()


def piece(key, node, inc, seq, data, copy_for="", nonce=0, generation=None, total=None,
          offset=0):
    """One counters piece (kind 2)."""
    value = struct.pack("!B", len(copy_for)) + copy_for.encode()
    value += struct.pack("!QQHH", nonce, seq if generation is None else generation,
                         len(data) if total is None else total, offset) + data
    body = header(KIND_PIECE, inc, seq) + tlv(TLV_NODE, node.encode()) + tlv(TLV_PIECE, value)
    return body + hmac.new(key, body, hashlib.sha256).digest()


def request_arg(text):
    """INSTANCE:PRIO"""
    name, prio = text.rsplit(":", 1)
    return name, int(prio, 0)


def vote_arg(text):
    """INSTANCE:GRANTEE:INC:SEQ:MS"""
    instance, grantee, inc, seq, ms = text.split(":")
    return instance, grantee, int(inc, 0), int(seq, 0), int(ms, 0)


def key_of(a):
    if a.secret_file:
        with open(a.secret_file, "rb") as f:
            secret = f.read()
    else:
        secret = a.secret.encode()
    return hashlib.sha256(secret).digest()


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def spoofed_packet(src, dst, sport, dport, payload):
    """IPv4 + UDP with a source address that is not ours."""
    s, d = socket.inet_aton(src), socket.inet_aton(dst)
    ulen = 8 + len(payload)
    pseudo = s + d + struct.pack("!BBH", 0, socket.IPPROTO_UDP, ulen)
    udp = struct.pack("!HHHH", sport, dport, ulen, 0) + payload
    csum = checksum(pseudo + udp) or 0xFFFF
    udp = udp[:6] + struct.pack("!H", csum) + udp[8:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + ulen, os.getpid() & 0xFFFF, 0, 64,
                     socket.IPPROTO_UDP, 0, s, d)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return ip + udp


def payload_of(a):
    if a.mode == "garbage":
        data = bytes((i * 37 + 11) & 0xFF for i in range(a.len))
        return b"XXXX" + data[4:] if data[:4] == MAGIC else data
    if a.mode == "short":
        if a.len >= 56:
            sys.exit("hb_inject: short: --len must be below 56 (header 24 + MAC 32)")
        full = heartbeat(b"\0" * 32, "n0", 1, 1)
        return full[:a.len]
    if a.mode == "pad":
        head = MAGIC + struct.pack("!BBBBQQ", a.version, 0, KIND_HEARTBEAT, 0, 1, 1)
        return (head + b"\0" * a.len)[:a.len]
    if a.mode == "sign":
        return heartbeat(key_of(a), a.node, a.inc, a.seq, echo=[int(e, 0) for e in a.echo],
                         requests=a.request, votes=a.vote, version=a.version)
    return bytes.fromhex(a.hex.replace(":", "").strip())


def main():
    p = argparse.ArgumentParser(description="send odd datagrams to a clustd cluster port")
    p.add_argument("--to", required=True)
    p.add_argument("--port", type=int, default=5798)
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--spoof-src")
    sub = p.add_subparsers(dest="mode", required=True)
    g = sub.add_parser("garbage")
    g.add_argument("--len", type=int, default=120)
    s = sub.add_parser("short")
    s.add_argument("--len", type=int, default=40)
    pd = sub.add_parser("pad")
    pd.add_argument("--len", type=int, default=20000)
    pd.add_argument("--version", type=int, default=VERSION)
    sg = sub.add_parser("sign")
    k = sg.add_mutually_exclusive_group(required=True)
    k.add_argument("--secret-file")
    k.add_argument("--secret")
    sg.add_argument("--node", required=True)
    sg.add_argument("--inc", type=int, required=True)
    sg.add_argument("--seq", type=int, required=True)
    sg.add_argument("--echo", nargs="*", default=[])
    sg.add_argument("--request", type=request_arg, action="append", default=[],
                    metavar="INSTANCE:PRIO")
    sg.add_argument("--vote", type=vote_arg, action="append", default=[],
                    metavar="INSTANCE:GRANTEE:INC:SEQ:MS")
    sg.add_argument("--version", type=int, default=VERSION)
    r = sub.add_parser("raw")
    r.add_argument("--hex", required=True)
    a = p.parse_args()

    payload = payload_of(a)
    count = max(0, min(a.count, MAX_COUNT))
    if a.spoof_src:
        sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
        pkt = spoofed_packet(a.spoof_src, a.to, a.port, a.port, payload)
        for _ in range(count):
            sock.sendto(pkt, (a.to, 0))
    else:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for _ in range(count):
            sock.sendto(payload, (a.to, a.port))
    sock.close()
    print("hb_inject: %s: %d x %d bytes to %s:%d%s" %
          (a.mode, count, len(payload), a.to, a.port,
           " from %s" % a.spoof_src if a.spoof_src else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
