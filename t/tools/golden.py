#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""golden.py - build the VRRP golden vectors of t/unit/check_packet.c.

An implementation independent of src/packet.c: it builds each advert,
computes its checksum, prints the bytes as C arrays and writes every frame
(Ethernet + IPv4/IPv6 header, TTL/hop limit 255) to a pcap so that
Wireshark's VRRP dissector can judge the checksums:

    t/tools/golden.py /tmp/vrrp-golden.pcap
    tshark -r /tmp/vrrp-golden.pcap -o vrrp.v3_checksum_as_in_v2:FALSE -V
    tshark -r /tmp/vrrp-golden.pcap -o vrrp.v3_checksum_as_in_v2:TRUE -V

Frame 2 (v3/IPv4 without pseudo-header) is only correct in the second run,
every other frame only in the first one (v2 and v3/IPv6 in both).
Addresses come from the documentation ranges only; nothing is sent.

    t/tools/golden.py --corpus t/fuzz/corpus/packet

writes the same adverts plus a few odd-but-valid ones as raw VRRP messages,
the seed corpus of t/fuzz/fuzz_packet.c.
"""
import ipaddress
import struct
import sys

PROTO = 112


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def pseudo(src, dst, length):
    s, d = ipaddress.ip_address(src), ipaddress.ip_address(dst)
    if s.version == 4:
        return s.packed + d.packed + struct.pack("!BBH", 0, PROTO, length)
    return s.packed + d.packed + struct.pack("!I3xB", length, PROTO)


def advert(version, vrid, prio, interval, addrs, src, dst, with_pseudo,
           auth_data=b"\0" * 8):
    """interval: centiseconds for v3 (bits 12-15 land in the rsvd nibble),
    seconds for v2."""
    packed = b"".join(ipaddress.ip_address(a).packed for a in addrs)
    if version == 3:
        word = interval & 0xFFFF
    else:
        word = (0 << 8) | interval  # auth type 0, seconds
    hdr = struct.pack("!BBBBH", version << 4 | 1, vrid, prio, len(addrs), word)
    body = packed + (auth_data if version == 2 else b"")
    msg = hdr + b"\0\0" + body
    ck = csum((pseudo(src, dst, len(msg)) if with_pseudo else b"") + msg)
    return hdr + struct.pack("!H", ck) + body


def ipv4_frame(src, dst, payload):
    ihl = struct.pack("!BBHHHBBH4s4s", 0x45, 0xC0, 20 + len(payload), 0, 0,
                      255, PROTO, 0, ipaddress.ip_address(src).packed,
                      ipaddress.ip_address(dst).packed)
    ihl = ihl[:10] + struct.pack("!H", csum(ihl)) + ihl[12:]
    eth = bytes.fromhex("01005e000012" "00005e000133") + b"\x08\x00"
    return eth + ihl + payload


def ipv6_frame(src, dst, payload):
    hdr = struct.pack("!IHBB16s16s", 6 << 28, len(payload), PROTO, 255,
                      ipaddress.ip_address(src).packed,
                      ipaddress.ip_address(dst).packed)
    eth = bytes.fromhex("333300000012" "00005e000233") + b"\x86\xdd"
    return eth + hdr + payload


VECTORS = [
    # name, version, vrid, prio, interval, addrs, src, dst, pseudo
    ("v3_ipv4_pseudo", 3, 51, 100, 100, ["198.51.100.10", "198.51.100.11"],
     "198.51.100.2", "224.0.0.18", True),
    ("v3_ipv4_nopseudo", 3, 51, 100, 100, ["198.51.100.10", "198.51.100.11"],
     "198.51.100.2", "224.0.0.18", False),
    ("v3_ipv6", 3, 51, 200, 100, ["fe80::12:1", "2001:db8::10"],
     "fe80::1", "ff02::12", True),
    ("v2_ipv4", 2, 7, 150, 1, ["203.0.113.5"],
     "198.51.100.2", "224.0.0.18", False),
]


def doc4(i):
    return "203.0.113.%d" % i


# Seeds only: valid adverts a receiver must accept, not tshark-checked.
EXTRA_SEEDS = [
    ("v3-ipv4-max-addrs", 3, 255, 254, 4095, [doc4(i) for i in range(1, 65)],
     "198.51.100.2", "224.0.0.18", True, b""),
    ("v3-ipv4-rsvd-set", 3, 1, 1, 0xF001, ["198.51.100.10"],
     "198.51.100.2", "224.0.0.18", True, b""),
    ("v3-ipv6-one", 3, 9, 0, 50, ["fe80::9"], "fe80::1", "ff02::12", True, b""),
    ("v2-ipv4-auth-data", 2, 200, 255, 255, [doc4(7), doc4(8), doc4(9)],
     "198.51.100.2", "224.0.0.18", False, b"clustd!!"),
]


def write_corpus(outdir):
    seeds = [v + (b"\0" * 8,) for v in VECTORS] + EXTRA_SEEDS
    for name, ver, vrid, prio, ival, addrs, src, dst, ps, auth in seeds:
        msg = advert(ver, vrid, prio, ival, addrs, src, dst, ps, auth)
        with open("%s/%s.bin" % (outdir, name.replace("_", "-")), "wb") as f:
            f.write(msg)


def pcap(frames):
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    for i, f in enumerate(frames):
        out += struct.pack("<IIII", i + 1, 0, len(f), len(f)) + f
    return out


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--corpus":
        write_corpus(sys.argv[2])
        return
    frames = []
    for name, ver, vrid, prio, ival, addrs, src, dst, ps in VECTORS:
        msg = advert(ver, vrid, prio, ival, addrs, src, dst, ps)
        ip6 = ":" in src
        frames.append((ipv6_frame if ip6 else ipv4_frame)(src, dst, msg))
        hexes = ", ".join("0x%02x" % b for b in msg)
        print("static const uint8_t %s[] = { %s };" % (name, hexes))
    if len(sys.argv) > 1:
        with open(sys.argv[1], "wb") as f:
            f.write(pcap(frames))


if __name__ == "__main__":
    main()
