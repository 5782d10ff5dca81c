#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Read and damage clustd counters files (state_dir/counters) for tests.

An independent reader of the format in src/persist.c: two 32 KiB slots,
each a 128-byte header (magic "CLUSTDCT", version, payload length,
generation, flags, node name, BLAKE2b-256 checksum) and a payload.

  counters_file.py info FILE            one line per slot: A|B gen=N ok|why
  counters_file.py newest FILE          A or B (the valid slot with the highest generation)
  counters_file.py flip FILE SLOT       flip one payload byte of SLOT (checksum breaks)
  counters_file.py version FILE SLOT N  set the format version field of SLOT to N
  counters_file.py node FILE SLOT NAME  rewrite the node name and re-sign (a "foreign" file)
"""
import hashlib
import struct
import sys

SLOT = 32768
HDR = 128


def parse(raw):
    """(gen, ok, why, node) of one slot image."""
    if len(raw) < HDR:
        return 0, False, "truncated", ""
    if raw[:HDR] == bytes(HDR):
        return 0, False, "empty", ""
    if raw[:8] != b"CLUSTDCT":
        return 0, False, "bad magic", ""
    version, length, gen = struct.unpack_from("<IIQ", raw, 8)
    node = raw[26:26 + raw[25]].decode("ascii", "replace")
    if version != 1:
        return gen, False, "version %d" % version, node
    if HDR + length > len(raw):
        return gen, False, "truncated payload", node
    h = hashlib.blake2b(digest_size=32)
    h.update(raw[:96])
    h.update(raw[HDR:HDR + length])
    if h.digest() != raw[96:128]:
        return gen, False, "checksum", node
    return gen, True, "ok", node


def slots(path):
    data = open(path, "rb").read()
    return data, [parse(data[i * SLOT:(i + 1) * SLOT]) for i in range(2)]


def resign(buf, off):
    length = struct.unpack_from("<I", buf, off + 12)[0]
    h = hashlib.blake2b(digest_size=32)
    h.update(bytes(buf[off:off + 96]))
    h.update(bytes(buf[off + HDR:off + HDR + length]))
    buf[off + 96:off + 128] = h.digest()


def main(argv):
    cmd, path = argv[1], argv[2]
    data, views = slots(path)
    if cmd == "info":
        for name, (gen, ok, why, node) in zip("AB", views):
            print("%s gen=%d node=%s %s" % (name, gen, node, why if not ok else "ok"))
        return 0
    if cmd == "newest":
        good = [(v[0], n) for n, v in zip("AB", views) if v[1]]
        if not good:
            return 1
        print(max(good)[1])
        return 0
    buf = bytearray(data)
    off = "AB".index(argv[3]) * SLOT
    if cmd == "flip":
        buf[off + HDR + 1] ^= 0x40
    elif cmd == "version":
        struct.pack_into("<I", buf, off + 8, int(argv[4]))
        resign(buf, off)
    elif cmd == "node":
        name = argv[4].encode()
        buf[off + 25] = len(name)
        buf[off + 26:off + 90] = name + bytes(64 - len(name))
        resign(buf, off)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    open(path, "wb").write(bytes(buf))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
