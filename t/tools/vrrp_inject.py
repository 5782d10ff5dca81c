#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""vrrp_inject.py - send well-formed or hostile VRRP adverts (scapy).

An independent encoder of RFC 5798 (VRRPv3) and RFC 3768 (VRRPv2) adverts,
written from the RFCs, not from clustd's codec, so that the two can check
each other. Run it as root inside a test network namespace: it sends
Ethernet frames on one interface, nothing else.

    vrrp_inject.py --src 198.51.100.200 --vrid 51 --prio 254 --addr 198.51.100.100
    vrrp_inject.py --src 198.51.100.200 --vrid 51 --ttl 64 --count 5     # hostile

Every field can be set independently, including wrong values:
    --version N --type N --vrid N --prio N --interval N (v3: centiseconds,
    12 bits; v2: seconds) --rsvd N (v3 high nibble) --auth-type N (v2)
    --addr A (repeat; the count field follows unless --count-field N)
    --checksum good|bad (bad = the right value + 1)
    --no-pseudo-header (v3 over IPv4: checksum over the message only)
    --truncate N (send only the first N bytes of the message)
    --ttl N (IPv4 TTL or IPv6 hop limit, default 255)
Addresses: --src (IP source, required), --dst (default 224.0.0.18 or
ff02::12; the Ethernet destination follows: the group MAC, or --dst-mac).
--count N adverts --gap-ms M apart. --hex prints the message and sends
nothing (no root needed).
"""
import argparse
import ipaddress
import sys
import time

PROTO_VRRP = 112
MAX_COUNT = 1000


def internet_checksum(data):
    """RFC 1071 one's-complement sum of 16-bit big-endian words."""
    if len(data) % 2:
        data += b"\0"
    s = 0
    for i in range(0, len(data), 2):
        s += (data[i] << 8) | data[i + 1]
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def pseudo_header(src, dst, length):
    """IPv4 (src, dst, 0, proto, 16-bit length) or IPv6 RFC 8200 §8.1."""
    if src.version == 4:
        return src.packed + dst.packed + bytes([0, PROTO_VRRP]) + length.to_bytes(2, "big")
    return src.packed + dst.packed + length.to_bytes(4, "big") + bytes([0, 0, 0, PROTO_VRRP])


def build(a, src, dst):
    """The VRRP message as bytes, before --truncate."""
    addrs = [ipaddress.ip_address(x) for x in a.addr]
    count = len(addrs) if a.count_field is None else a.count_field
    if a.version == 2:
        word = ((a.auth_type & 0xFF) << 8) | (a.interval & 0xFF)
    else:
        word = ((a.rsvd & 0xF) << 12) | (a.interval & 0x0FFF)
    head = bytes([((a.version & 0xF) << 4) | (a.type & 0xF), a.vrid & 0xFF,
                  a.prio & 0xFF, count & 0xFF]) + word.to_bytes(2, "big")
    body = b"".join(x.packed for x in addrs)
    if a.version == 2:
        # RFC 3768 §5.3.10: 8 bytes of authentication data; a type-1
        # (simple text) password when asked for one.
        body += (b"clustd\0\0" if a.auth_type == 1 else bytes(8))
    msg = head + b"\0\0" + body
    covered = msg
    if a.version == 3 and (src.version == 6 or not a.no_pseudo_header):
        covered = pseudo_header(src, dst, len(msg)) + msg
    ck = internet_checksum(covered)
    if a.checksum == "bad":
        ck = (ck + 1) & 0xFFFF
    return head + ck.to_bytes(2, "big") + body


def group_mac(dst):
    if dst.version == 4:
        b = dst.packed
        return "01:00:5e:%02x:%02x:%02x" % (b[1] & 0x7F, b[2], b[3])
    b = dst.packed
    return "33:33:%02x:%02x:%02x:%02x" % (b[12], b[13], b[14], b[15])


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--iface", default="eth0")
    p.add_argument("--src", required=True)
    p.add_argument("--dst")
    p.add_argument("--dst-mac")
    p.add_argument("--ttl", type=int, default=255)
    p.add_argument("--version", type=int, default=3)
    p.add_argument("--type", type=int, default=1)
    p.add_argument("--vrid", type=int, default=51)
    p.add_argument("--prio", type=int, default=100)
    p.add_argument("--interval", type=int,
                   help="v3: centiseconds (default 10); v2: seconds (default 1)")
    p.add_argument("--rsvd", type=int, default=0)
    p.add_argument("--auth-type", type=int, default=0)
    p.add_argument("--addr", action="append", default=[])
    p.add_argument("--count-field", type=int)
    p.add_argument("--checksum", choices=("good", "bad"), default="good")
    p.add_argument("--no-pseudo-header", action="store_true")
    p.add_argument("--truncate", type=int)
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--gap-ms", type=int, default=20)
    p.add_argument("--hex", action="store_true")
    a = p.parse_args(argv)
    if a.interval is None:
        a.interval = 1 if a.version == 2 else 10
    if not 1 <= a.count <= MAX_COUNT:
        p.error("--count must be 1..%d" % MAX_COUNT)
    if not 0 <= a.gap_ms <= 10000:
        p.error("--gap-ms must be 0..10000")
    if not 0 <= a.ttl <= 255:
        p.error("--ttl must be 0..255")
    return a


def main(argv):
    a = parse_args(argv)
    src = ipaddress.ip_address(a.src)
    dst = ipaddress.ip_address(a.dst or ("224.0.0.18" if src.version == 4 else "ff02::12"))
    if src.version != dst.version:
        sys.exit("vrrp_inject: --src and --dst must be of one family")
    if not a.addr:
        a.addr = ["198.51.100.100" if src.version == 4 else "2001:db8::100"]
    msg = build(a, src, dst)
    if a.truncate is not None:
        msg = msg[:a.truncate]
    if a.hex:
        print(msg.hex())
        return 0

    # Imported late: --hex works without scapy and without root.
    from scapy.all import Ether, IP, IPv6, Raw, conf, get_if_hwaddr, sendp  # noqa: E402
    conf.verb = 0
    if src.version == 4:
        l3 = IP(src=str(src), dst=str(dst), ttl=a.ttl, proto=PROTO_VRRP)
    else:
        l3 = IPv6(src=str(src), dst=str(dst), hlim=a.ttl, nh=PROTO_VRRP)
    # The source MAC must be given: scapy leaves it zero when it finds no
    # route to the group, and a bridge drops such frames.
    frame = Ether(src=get_if_hwaddr(a.iface), dst=a.dst_mac or group_mac(dst)) / l3 / Raw(load=msg)
    for i in range(a.count):
        if i:
            time.sleep(a.gap_ms / 1000.0)
        sendp(frame, iface=a.iface)
    print("vrrp_inject: sent %d x %d bytes %s -> %s ttl %d: %s" %
          (a.count, len(msg), src, dst, a.ttl, msg.hex()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
