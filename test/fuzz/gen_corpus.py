#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the seed corpora of the fuzz targets (test/fuzz/corpus/<target>/).

Each seed drives one valid path of its target, so fuzzing starts from
inputs that get past the first checks. The input formats are described at
the top of each fuzz_<target>.c. Run from anywhere:

    test/fuzz/gen_corpus.py            # rewrite the seeds
    test/fuzz/gen_corpus.py --check    # exit 1 when a seed file differs

Seeds are small and committed; reproducers of fixed bugs are committed next
to them by hand (named after the bug) and are never rewritten here.
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def u8(*v):
    return bytes(v)


def u16(v):
    return struct.pack('<H', v & 0xffff)


def u32(v):
    return struct.pack('<I', v & 0xffffffff)


# ---- fuzz_pci_caps: 6 BAR bytes, fault byte, 256 bytes of config space ----

def pci_cfg(caps, status=0x10, first=0x40):
    """caps: (pos, id, type, cap_len, bar, off, length, mult, next)"""
    cfg = bytearray(256)
    cfg[0x06:0x08] = u16(status)
    cfg[0x34] = first
    for pos, cid, ctype, clen, bar, off, length, mult, nxt in caps:
        cfg[pos] = cid
        cfg[pos + 1] = nxt
        if cid == 0x09:
            cfg[pos + 2] = clen
            cfg[pos + 3] = ctype
            cfg[pos + 4] = bar
            cfg[pos + 8:pos + 12] = u32(off)
            cfg[pos + 12:pos + 16] = u32(length)
            if ctype == 2:
                cfg[pos + 16:pos + 20] = u32(mult)
    return bytes(cfg)


def bars(**sizes):
    """BAR bytes: log2 of the size, 0 for absent."""
    return bytes(sizes.get('b%d' % i, 0) for i in range(6))


def pci_caps_seeds():
    good = [
        (0x40, 0x09, 1, 16, 4, 0x0000, 0x1000, 0, 0x50),
        (0x50, 0x09, 3, 16, 4, 0x1000, 0x1000, 0, 0x60),
        (0x60, 0x09, 4, 16, 4, 0x2000, 0x1000, 0, 0x70),
        (0x70, 0x09, 2, 20, 4, 0x3000, 0x1000, 4, 0x84),
        (0x84, 0x09, 5, 20, 0, 0, 0, 0, 0xa0),
        (0xa0, 0x11, 0, 12, 0, 0, 0, 0, 0x00),
    ]
    qnos = b''.join(u16(q) for q in (0, 1, 3, 0x3ff, 0x400))
    yield 'qemu-like', bars(b4=14) + u8(0) + pci_cfg(good) + qnos
    # Regions in three BARs, multiplier 0 (one doorbell for all queues).
    spread = [
        (0x40, 0x09, 1, 16, 0, 0x0000, 0x38, 0, 0x50),
        (0x50, 0x09, 2, 20, 2, 0x0000, 0x2, 0, 0x64),
        (0x64, 0x09, 3, 16, 5, 0x0001, 0x1, 0, 0x74),
        (0x74, 0x09, 4, 16, 5, 0x0004, 0x4, 0, 0x00),
    ]
    yield 'three-bars', bars(b0=6, b2=1, b5=3) + u8(0) + pci_cfg(spread) + u16(0)
    # Duplicates: the first capability of each type counts.
    dup = good[:4] + [(0x84, 0x09, 1, 16, 4, 0x0004, 0x100, 0, 0x00)]
    dup[3] = (0x70, 0x09, 2, 20, 4, 0x3000, 0x1000, 4, 0x84)
    yield 'duplicate-common', bars(b4=14) + u8(0) + pci_cfg(dup)
    yield 'legacy-no-caps', bars(b0=5) + u8(0) + pci_cfg([], status=0)
    loop = [(0x40, 0x09, 1, 16, 4, 0, 0x1000, 0, 0x40)]
    yield 'loop', bars(b4=14) + u8(0) + pci_cfg(loop)
    yield 'read-fault', bars(b4=14) + u8(0x40 | 0x1c) + pci_cfg(good)


# ---- fuzz_vq_harvest: config byte, then operations ----

OP_ADD_CHAIN, OP_ADD_BUF, OP_PUBLISH, OP_KICK, OP_COMPLETE, OP_HARVEST, \
    OP_SCRIBBLE, OP_FLAGS = range(8)


def add_chain(n_out, n_in, lens):
    """lens: (byte, shift) per buffer: len = byte << shift."""
    out = u8(OP_ADD_CHAIN, n_out | n_in << 3)
    for b, sh in lens:
        out += u8(b, sh)
    return out


def complete(entries, idx_mode=0):
    """entries: ('pick', k, mode[, len32]) or ('lie', id, len)."""
    out = u8(OP_COMPLETE, len(entries) - 1)
    for e in entries:
        if e[0] == 'pick':
            out += u8(0, e[1], e[2])
            if e[2] >= 2:
                out += u32(e[3])
        else:
            out += u8(0xc1) + u32(e[1]) + u32(e[2])
    return out + u8(idx_mode)


def harvest(mx, lens=True):
    return u8(OP_HARVEST, (mx % 33) | (0 if lens else 0x80))


def vq_harvest_seeds():
    size256, size8 = 8, 3
    yield 'echo-one', u8(size256) + add_chain(1, 1, [(16, 4), (16, 4)]) + u8(OP_KICK) + \
        complete([('pick', 0, 0)]) + harvest(32)
    rx = u8(size8 | 0x80) + b''.join(u8(OP_ADD_BUF, 2 * i + 1) for i in range(8))
    rx += u8(OP_KICK) + complete([('pick', 3, 2, 1000)] * 6) + harvest(4) + harvest(32)
    rx += b''.join(u8(OP_ADD_BUF, 7) for _ in range(6)) + u8(OP_PUBLISH)
    yield 'rx-bufs-out-of-order', rx
    tx = u8(size8) + b''.join(u8(OP_ADD_BUF, 2 * i) for i in range(4)) + u8(OP_KICK)
    tx += complete([('pick', 0, 1)] * 4) + harvest(32, lens=False)
    yield 'tx-zero-len', tx
    lie = u8(size8) + add_chain(2, 1, [(1, 8), (2, 0), (64, 0)]) + u8(OP_PUBLISH)
    lie += complete([('lie', 7, 0)]) + harvest(8) + add_chain(1, 0, [(1, 0)]) + harvest(8)
    yield 'lie-id-breaks', lie
    full = u8(2) + add_chain(2, 2, [(1, 0)] * 4) + add_chain(1, 0, [(1, 0)])
    full += u8(OP_SCRIBBLE, 0) + u16(0xffff) + u16(0x7) + u32(0) + u8(OP_FLAGS, 1)
    full += u8(OP_KICK) + u8(OP_FLAGS, 0) + complete([('pick', 0, 0)], idx_mode=0) + harvest(1)
    yield 'full-ring-scribble-no-notify', full


TARGETS = {
    'pci_caps': pci_caps_seeds,
    'vq_harvest': vq_harvest_seeds,
}


def main():
    check = '--check' in sys.argv[1:]
    bad = 0
    for target, gen in TARGETS.items():
        d = os.path.join(HERE, 'corpus', target)
        os.makedirs(d, exist_ok=True)
        for name, data in gen():
            path = os.path.join(d, 'seed-' + name)
            if check:
                try:
                    with open(path, 'rb') as f:
                        same = f.read() == data
                except FileNotFoundError:
                    same = False
                if not same:
                    print('gen_corpus: %s is missing or stale' % path)
                    bad = 1
                continue
            with open(path, 'wb') as f:
                f.write(data)
    return bad


if __name__ == '__main__':
    sys.exit(main())
