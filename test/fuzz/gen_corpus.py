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


IO_BAR, UNKNOWN_LEN = 0x80, 0x40


def bars(**sizes):
    """BAR bytes: log2 of the size (0: absent), | IO_BAR, | UNKNOWN_LEN."""
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
    # All four structures in an I/O BAR of 256 bytes (legacy-style port I/O).
    io = [
        (0x40, 0x09, 1, 16, 0, 0x00, 0x38, 0, 0x50),
        (0x50, 0x09, 2, 20, 0, 0x40, 0x2, 0, 0x64),
        (0x64, 0x09, 3, 16, 0, 0x44, 0x1, 0, 0x74),
        (0x74, 0x09, 4, 16, 0, 0x48, 0x8, 0, 0x00),
    ]
    yield 'io-bar', bars(b0=8 | IO_BAR) + u8(0) + pci_cfg(io) + u16(0) + u16(1)
    # Unusable first candidates: a reserved BAR (ignored), an I/O BAR of
    # unknown length, a region past its BAR; the next ones are chosen.
    skip = [
        (0x40, 0x09, 1, 16, 7, 0x0000, 0x1000, 0, 0x50),
        (0x50, 0x09, 1, 16, 1, 0x0000, 0x38, 0, 0x60),
        (0x60, 0x09, 2, 20, 4, 0x3ffe, 0x4, 2, 0x74),
        (0x74, 0x09, 1, 16, 4, 0x0000, 0x1000, 0, 0x84),
        (0x84, 0x09, 2, 20, 4, 0x3000, 0x1000, 4, 0x98),
        (0x98, 0x09, 3, 16, 4, 0x1000, 0x1000, 0, 0xa8),
        (0xa8, 0x09, 4, 16, 4, 0x2000, 0x1000, 0, 0x00),
    ]
    yield 'first-usable', bars(b1=IO_BAR | UNKNOWN_LEN, b4=14) + u8(0) + pci_cfg(skip)
    # Only a common config naming a reserved BAR: legacy-only (-ENODEV).
    yield 'reserved-bar-only', bars(b4=14) + u8(0) + pci_cfg([skip[0][:8] + (0,)])


# ---- fuzz_vq_harvest: config byte [mode byte], then operations ----

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
    yield from vq_harvest_mode_seeds()
    yield from vq_harvest_event_idx_seeds()
    yield from vq_harvest_intr_seeds()


# Config bit 4: a mode byte follows (bit 0 IN_ORDER, bit 1 add-buffer bursts
# through vio_vq_add_bufs[_by](), bit 2 harvest operations read a how byte).
# In order, an honest completion is a batch of 1..4 oldest chains (no pick
# byte) with one used entry naming the last.
S_DOORBELL, S_ORDER, S_MODE = 0x80, 0x40, 0x10
S_IN_ORDER, S_ADD_BUFS, S_HARVEST_BY = 0x01, 0x02, 0x04
BY_PLAIN, BY_ONE, BY_FOUR = range(3)


def s_cfg(size_code, mode, flags=0):
    return u8(size_code | flags | S_MODE, mode)


def s_batches(entries, idx_mode=0, idx=None):
    """In order: entries (batch 1..4, mode[, len32]) or ('lie', id8, len32)."""
    out = u8(OP_COMPLETE, len(entries) - 1)
    for e in entries:
        if e[0] == 'lie':
            out += u8(0xc0, e[1]) + u32(e[2])
        else:
            out += u8(e[0] - 1, e[1])
            if e[1] >= 2:
                out += u32(e[2])
    out += u8(idx_mode)
    if idx_mode >= 0xf0:
        out += u16(idx)
    return out


def s_add_bufs(b, count, by=False, lens=None):
    """Mode S_ADD_BUFS: a burst (b: bit 0 writable, len 1 + (b >> 1) * 64)."""
    out = u8(OP_ADD_BUF, b, (count - 1) | (0x40 if by else 0) | (0x80 if lens else 0))
    for n in lens or []:
        out += u8(n)
    return out


def s_harvest(mx, how, lens=True):
    """Mode S_HARVEST_BY: plain (max % 33, bit 7 no lens) or by (max up to 255)."""
    return u8(OP_HARVEST, (mx % 33 | (0 if lens else 0x80)) if how == BY_PLAIN else mx, how)


def s_ones(n):
    """In order: n used entries of one chain each, len the chain's writable bytes."""
    out = b''
    while n > 0:
        out += s_batches([(1, 0)] * min(n, 8))
        n -= 8
    return out


def vq_harvest_mode_seeds():
    size4, size8, size16, size256 = 2, 3, 4, 8
    # In order, size 8: chains of 1-3 descriptors completed in batches (one
    # used entry for up to 4 chains), harvested a few at a time, wrapping.
    io = s_cfg(size8, S_IN_ORDER)
    for _ in range(6):
        io += add_chain(1, 1, [(4, 0), (8, 0)]) + u8(OP_ADD_BUF, 5) + \
            add_chain(1, 2, [(1, 0), (2, 0), (64, 0)]) + u8(OP_KICK)
        io += s_batches([(2, 0), (1, 2, 7)]) + harvest(1) + harvest(32)
    yield 'in-order-batches', io
    # In order, size 16: bursts of 8 writable buffers of one len, four laps
    # (the refill shortcuts once a lap is uniform), harvested by the vector
    # loop through each API in turn; one round ends in a batch of 4.
    ul = s_cfg(size16, S_IN_ORDER | S_ADD_BUFS | S_HARVEST_BY)
    for i in range(8):
        ul += s_add_bufs(5, 8, by=i % 3 == 1) + u8(OP_KICK)
        ul += s_ones(4) + (s_batches([(4, 2, 100)]) if i == 5 else s_ones(4))
        ul += s_harvest(32, (BY_FOUR, BY_ONE, BY_PLAIN)[i % 3])
    yield 'in-order-uniform-laps', ul
    # In order, size 256: bursts of 64, one and a half laps, the four-at-a-time
    # callback over whole rings' worth of used entries; a scribbled descriptor.
    big = s_cfg(size256, S_IN_ORDER | S_ADD_BUFS | S_HARVEST_BY)
    for i in range(6):
        big += s_add_bufs(3, 64) + u8(OP_KICK) + s_ones(64) + s_harvest(255, BY_FOUR)
        if i == 3:
            big += u8(OP_SCRIBBLE, 7) + u16(0xffff) + u16(0) + u32(0)
    yield 'in-order-uniform-256', big
    # In order: an entry naming a later chain that used idx does not cover
    # (a batch running past what was completed) breaks the queue after the
    # oldest chain is returned.
    lie = s_cfg(size8, S_IN_ORDER) + b''.join(u8(OP_ADD_BUF, 3) for _ in range(3)) + u8(OP_KICK)
    lie += s_batches([(1, 0), ('lie', 2, 0)]) + harvest(8) + harvest(8) + u8(OP_ADD_BUF, 3)
    yield 'in-order-id-past-idx-breaks', lie
    # In order, uniform size 4: a len above the buffers' in the middle of a
    # vector quad; the chains before it come back, then -EIO.
    ll = s_cfg(size4, S_IN_ORDER | S_ADD_BUFS | S_HARVEST_BY)
    for _ in range(3):
        ll += s_add_bufs(9, 4) + u8(OP_KICK) + s_ones(4) + s_harvest(8, BY_FOUR)
    ll += s_add_bufs(9, 4) + u8(OP_KICK) + s_batches([(1, 0), (1, 3, 5000), (1, 0), (1, 0)])
    ll += s_harvest(8, BY_FOUR) + s_harvest(8, BY_ONE)
    yield 'in-order-uniform-len-lie', ll
    # In order: used idx running ahead of the published chains breaks the queue.
    ahead = s_cfg(size8, S_IN_ORDER | S_HARVEST_BY) + u8(OP_ADD_BUF, 3) + u8(OP_KICK)
    ahead += s_batches([(1, 0)], idx_mode=0xf0, idx=5) + s_harvest(4, BY_ONE)
    yield 'in-order-idx-ahead-breaks', ahead
    # In order: a batch of 4 half harvested, more chains in flight; detach
    # returns the rest oldest first.
    half = s_cfg(size8, S_IN_ORDER | S_HARVEST_BY) + add_chain(1, 1, [(4, 0), (8, 0)])
    half += b''.join(u8(OP_ADD_BUF, 5) for _ in range(5)) + u8(OP_KICK)
    half += s_batches([(4, 2, 30)]) + s_harvest(2, BY_PLAIN) + s_harvest(1, BY_ONE)
    yield 'in-order-detach-mid-batch', half
    # Not in order: bursts (own lens, and through add_bufs_by) completed out
    # of order, harvested through harvest_by.
    ooo = s_cfg(size16, S_ADD_BUFS | S_HARVEST_BY)
    for i in range(4):
        ooo += s_add_bufs(7, 6, lens=[10, 20, 30, 40, 50, 60]) + s_add_bufs(7, 4, by=True)
        ooo += u8(OP_KICK) + complete([('pick', 3, 2, 1000)] * 8) + complete([('pick', 1, 0)] * 2)
        ooo += s_harvest(200, (BY_FOUR, BY_ONE)[i % 2])
    yield 'add-bufs-harvest-by', ooo


# Config bit 5: VIRTIO_F_EVENT_IDX. Op 7 then reads an avail_event byte after
# the used flags byte (NO_NOTIFY, ignored then): below 0xc0 the last kick's
# avail index + byte - 0x40, else any value (a u16 follows). A kick with news
# notifies iff avail_event is one of the indexes it publishes.
S_EVENT_IDX = 0x20


def s_event(rel=0, any_idx=None, no_notify=0):
    if any_idx is not None:
        return u8(OP_FLAGS, no_notify, 0xc0) + u16(any_idx)
    assert -0x40 <= rel < 0x80
    return u8(OP_FLAGS, no_notify, rel + 0x40)


def s_bufs(n):
    return b''.join(u8(OP_ADD_BUF, 5) for _ in range(n))


def vq_harvest_event_idx_seeds():
    size16, size256 = 4, 8
    # Size 16: avail_event 0 with NO_NOTIFY (ignored): the first kick notifies;
    # then index 7, two kicks ahead: only the kick publishing 7 notifies.
    ev = u8(size16 | S_EVENT_IDX) + s_event(0, no_notify=1) + s_bufs(2) + u8(OP_KICK)
    ev += s_event(5) + s_bufs(2) + u8(OP_KICK) + s_bufs(3) + u8(OP_KICK)
    ev += s_bufs(1) + u8(OP_KICK) + complete([('pick', 0, 0)] * 8) + harvest(32)
    # Far away, then just behind the window: no notify. Then the next index
    # with a publish before the kick: the kick still covers it and notifies.
    ev += s_event(any_idx=0x8000) + s_bufs(2) + u8(OP_KICK)
    ev += s_event(-1) + s_bufs(2) + u8(OP_KICK) + s_event(0) + u8(OP_KICK)
    ev += s_bufs(1) + u8(OP_PUBLISH) + u8(OP_KICK)
    ev += complete([('pick', 0, 0)] * 5) + harvest(32)
    yield 'event-idx-kicks', ev
    # In order, size 256, doorbell, ORDER_PLATFORM: bursts of 64 with
    # avail_event at the window's edges (first, last, one past, one before).
    big = s_cfg(size256, S_IN_ORDER | S_ADD_BUFS | S_HARVEST_BY,
                S_DOORBELL | S_ORDER | S_EVENT_IDX)
    for rel in (0, 63, 64, -1):
        big += s_event(rel) + s_add_bufs(3, 64) + u8(OP_KICK) + s_ones(64)
        big += s_harvest(255, BY_FOUR)
    yield 'in-order-event-idx-edges', big


# Mode bit 4 (both engine targets): an operation byte 7 mod 8 with bit 7 set
# is the interrupt operation, no more bytes: bit 6 vio_vq_enable_intr()
# (the target checks its return: true iff a harvest would find something),
# else vio_vq_disable_intr(); the driver's suppression fields are checked
# after every operation.
INTR_MODE = 0x10
INTR_ON, INTR_OFF = u8(OP_FLAGS | 0xc0), u8(OP_FLAGS | 0x80)


def vq_harvest_intr_seeds():
    size4, size8 = 2, 3
    # Size 8: polling, then enable with nothing pending (sleep), a completion
    # arriving while enabled, enable again with it pending (poll), harvest,
    # enable (sleep), disable; five rounds of 3 wrap the ring (avail and used
    # positions past the size).
    ir = s_cfg(size8, INTR_MODE) + INTR_OFF + INTR_ON
    for i in range(5):
        ir += s_bufs(3) + u8(OP_KICK) + INTR_ON + complete([('pick', 0, 0)] * 2)
        ir += INTR_ON + harvest(1) + INTR_ON + harvest(32) + INTR_ON
        ir += complete([('pick', 0, 0)]) + INTR_OFF + harvest(32) + INTR_ON + INTR_OFF
    # A used idx that lies: enable says poll; the harvest breaks the queue.
    ir += s_bufs(1) + u8(OP_KICK) + complete([('pick', 0, 0)], idx_mode=0xf0) + u16(40)
    ir += INTR_ON + harvest(8) + INTR_ON + INTR_OFF
    yield 'intr-enable-pending', ir
    # EVENT_IDX, in order, size 4: disable first (used_event parked at
    # 0xffff, one behind last_used 0), then rounds that wrap the ring four
    # times: used_event follows last_used on each enable; a batch of 3 half
    # harvested is still pending.
    ev = s_cfg(size4, S_IN_ORDER | INTR_MODE, S_EVENT_IDX) + INTR_OFF + INTR_ON
    for i in range(4):
        ev += s_bufs(3) + u8(OP_KICK) + INTR_ON + s_batches([(3, 0)]) + INTR_ON
        ev += harvest(1) + INTR_ON + harvest(2) + INTR_ON + INTR_OFF
        ev += s_bufs(1) + u8(OP_KICK) + s_batches([(1, 0)]) + INTR_OFF + INTR_ON
        ev += harvest(4) + INTR_ON
    yield 'event-idx-intr-wrap', ev


# ---- fuzz_net_rx: port byte, then operations ----

RX_COMPLETE, RX_BURST, RX_FLAGS, RX_SCRIBBLE = range(4)
PORT_MRG_OFFLOADS, PORT_MRG, PORT_PLAIN, PORT_MRG_NOSCATTER = range(4)
NOTIFY_ONLY = 0x80
HDR_F_NEEDS_CSUM, GSO_TCPV4 = 1, 1


def net_hdr(flags=0, gso_type=0, hdr_len=0, gso_size=0, csum_start=0, csum_offset=0,
            num_buffers=1):
    return struct.pack('<BBHHHHH', flags, gso_type, hdr_len, gso_size, csum_start,
                       csum_offset, num_buffers)


# Ethernet + IPv4 + UDP headers, then payload: a frame the ptype parser follows.
FRAME = bytes.fromhex('525400123456' '525400abcdef' '0800'
                      '4500002e00004000401100000a0000010a000002'
                      '303930390016' '0000') + bytes(range(18))


def rx_buf(wlen, hdr=None, frame=b'', len_mode=0):
    """One honest completion of the next posted buffer."""
    sel = (2 if hdr is not None else 0) | len_mode << 2
    out = u8(sel) + u16(wlen)
    if hdr is not None:
        out += hdr[:min(wlen, 12)]
    n = min(max(wlen - (12 if hdr is not None else 0), 0), 64)
    return out + (frame + bytes(64))[:n]


def rx_complete(bufs, idx_mode=0):
    return u8(RX_COMPLETE, len(bufs) - 1) + b''.join(bufs) + u8(idx_mode)


def rx_burst(n, hold=False):
    return u8(RX_BURST, ((n - 1) % 64) | (0x80 if hold else 0))


def net_rx_seeds():
    yield 'plain-one', u8(PORT_PLAIN) + rx_complete([rx_buf(12 + 60, net_hdr(), FRAME)]) + \
        rx_burst(32)
    three = [rx_buf(268, net_hdr(num_buffers=3), FRAME), rx_buf(268, None, FRAME),
             rx_buf(100, None, FRAME)]
    yield 'mrg-three-buffers', u8(PORT_MRG_OFFLOADS) + rx_complete(three) + rx_burst(32)
    split = u8(PORT_MRG) + rx_complete([rx_buf(2000, net_hdr(num_buffers=2), FRAME)])
    split += rx_burst(4) + rx_complete([rx_buf(500, None, FRAME)]) + rx_burst(4)
    yield 'mrg-across-bursts', split
    csum = net_hdr(flags=HDR_F_NEEDS_CSUM, gso_type=GSO_TCPV4, gso_size=1448, csum_start=34,
                   csum_offset=16)
    yield 'csum-lro', u8(PORT_MRG_OFFLOADS) + rx_complete([rx_buf(12 + 64, csum, FRAME)]) + \
        rx_burst(1)
    starve = u8(PORT_PLAIN)
    for _ in range(6):
        starve += rx_complete([rx_buf(60 + 12, net_hdr(), FRAME)] * 8) + rx_burst(64, hold=True)
    yield 'hold-starves-pool', starve
    lie = u8(PORT_MRG) + rx_complete([rx_buf(300, net_hdr(num_buffers=200), FRAME)]) + \
        rx_burst(8) + rx_burst(8)
    yield 'lie-num-buffers', lie
    runt = u8(PORT_PLAIN) + rx_complete([rx_buf(8, net_hdr(), FRAME, len_mode=0)]) + rx_burst(8)
    runt += u8(RX_FLAGS, 1) + u8(RX_SCRIBBLE, 0) + u16(0xffff) + u16(0xffff) + rx_burst(8)
    yield 'runt-scribble', runt
    # MRG_RXBUF without SCATTER: a frame over two buffers is dropped, the
    # next one-buffer frame delivered; the device clears NO_NOTIFY midway.
    over = u8(PORT_MRG_NOSCATTER | NOTIFY_ONLY) + u8(RX_FLAGS, 1)
    over += rx_complete([rx_buf(1000, net_hdr(num_buffers=2), FRAME), rx_buf(600, None, FRAME),
                         rx_buf(12 + 60, net_hdr(), FRAME)]) + rx_burst(8)
    over += u8(RX_FLAGS, 0) + rx_complete([rx_buf(12 + 60, net_hdr(), FRAME)] * 4) + rx_burst(8)
    yield 'mrg-noscatter-oversize-notify-only', over


# ---- fuzz_net_ctrl: operations (op, arg, data), then per command: reply ----
# A reply is 4 bytes (id, ack, len, idx selectors); zeroes are an honest OK,
# and so is every reply past the end of the input.

CT_PROMISC, CT_ALLMULTI, CT_MAC_SET, CT_MAC_ADD, CT_MAC_DEL, CT_MC_LIST, CT_VLAN, \
    CT_RESTART = range(8)
OK_REPLY = bytes(4)
NACK_REPLY = u8(0, 0x80, 0, 0)
MAC = bytes.fromhex('0a1122334455')


def net_ctrl_seeds():
    yield 'promisc-ok', u8(CT_PROMISC, 1) + OK_REPLY + u8(CT_PROMISC, 0) + OK_REPLY
    yield 'allmulti-nack', u8(CT_ALLMULTI, 1) + NACK_REPLY + u8(CT_ALLMULTI, 1) + OK_REPLY
    yield 'mac-set-add-del', u8(CT_MAC_SET, 0) + MAC + OK_REPLY + u8(CT_MAC_ADD, 0) + MAC + \
        OK_REPLY + u8(CT_MAC_DEL, 0) + MAC + OK_REPLY
    yield 'mc-list', u8(CT_MC_LIST, 3) + MAC * 4 + OK_REPLY
    yield 'vlan-restart', u8(CT_VLAN, 1) + u16(100) + OK_REPLY + u8(CT_VLAN, 1) + u16(4095) + \
        OK_REPLY + u8(CT_MC_LIST, 1) + MAC * 4 + OK_REPLY + u8(CT_RESTART, 0)
    yield 'lie-id-len', u8(CT_PROMISC, 1) + u8(0xe0, 0, 0, 0, 9) + u8(CT_PROMISC, 0) + \
        u8(0, 0, 0xe0) + u32(7) + u8(0)
    yield 'zero-len-idx-jump', u8(CT_VLAN, 1) + u16(7) + u8(0, 0, 0xc0, 0) + \
        u8(CT_ALLMULTI, 1) + u8(0, 0, 0, 0xf8) + u16(5)


# ---- fuzz_blk_completion: operations (what % 4: 0 enqueue, 1 device
# completes, 2 dequeue, 3 dequeue or, at >= 0xf0, stop and start) ----
# enqueue: count, then per request: slot, op, size, flags, lba (u16).
# device: count, then per chain: status selector, how (< 0xe0 honest; low
# nibble 0xf: an id lie follows, 0xe: a len lie follows); then the idx byte.

BK_ENQ, BK_DEV, BK_DEQ, BK_RESTART = 0, 1, 2, 0xf3
BK_READ, BK_WRITE, BK_FLUSH, BK_DISCARD, BK_WZ, BK_GETID = range(6)


def bk_req(slot, op, size=0, flags=0, lba=0):
    return u8(slot, op, size, flags) + u16(lba)


def bk_enq(*reqs):
    return u8(BK_ENQ, len(reqs) - 1) + b''.join(reqs)


def bk_dev(*chains, idx=0):
    return u8(BK_DEV, len(chains) - 1) + b''.join(chains) + u8(idx)


def blk_completion_seeds():
    yield 'every-op-ok', bk_enq(bk_req(0, BK_WRITE, 3), bk_req(1, BK_READ, 3),
                                bk_req(2, BK_FLUSH), bk_req(3, BK_DISCARD, 1, 0, 8),
                                bk_req(4, BK_WZ, 1, 2, 16), bk_req(5, BK_GETID)) + \
        bk_dev(*[u8(0, 0)] * 6) + u8(BK_DEQ)
    yield 'ioerr-unsupp', bk_enq(bk_req(0, BK_READ | 0x80, 0x37), bk_req(1, BK_WRITE)) + \
        bk_dev(u8(1, 0), u8(2, 0)) + u8(BK_DEQ)
    yield 'status-garbage', bk_enq(bk_req(0, BK_READ)) + bk_dev(u8(0x77, 0xe5)) + u8(BK_DEQ)
    yield 'status-unwritten', bk_enq(bk_req(0, BK_READ), bk_req(1, BK_READ)) + \
        bk_dev(u8(0, 0xf5)) + u8(BK_DEQ)
    yield 'lie-id-len', bk_enq(bk_req(0, BK_WRITE), bk_req(1, BK_WRITE)) + \
        bk_dev(u8(0, 0x0f, 1) + u32(900), u8(0, 0x0e) + u32(1 << 20)) + u8(BK_DEQ)
    yield 'idx-jump-restart', bk_enq(bk_req(0, BK_READ)) + \
        u8(BK_DEV, 0, 0, 0, 0xf8) + u16(40) + u8(BK_RESTART) + \
        bk_enq(bk_req(0, BK_READ)) + bk_dev(u8(0, 0)) + u8(BK_DEQ)
    yield 'invalid-requests', bk_enq(bk_req(0, BK_READ, 0, 0, 2100), bk_req(1, 6),
                                     bk_req(2, BK_WRITE, 0, 4), bk_req(3, BK_FLUSH, 0, 1)) + \
        u8(BK_DEQ)


# ---- fuzz_vq_harvest_packed: config byte, mode byte [size byte], then operations ----
# Same op codes as vq_harvest; complete() has no idx byte, op 7 sets the
# device event suppression structure. Mode: bit 0 IN_ORDER (an honest
# completion is a batch of 1..4 oldest chains, no pick byte), bit 1 add-buffer
# operations add bursts through vio_vq_add_bufs() (one more byte), bit 2
# harvest operations read a how byte (as vq_harvest's), bit 3 long bursts
# (1..64, or through vio_vq_add_bufs_by()), runs of completions and lies at
# the device's position.

P_DOORBELL, P_ORDER, P_EVENT_IDX, P_SMALL = 0x80, 0x40, 0x20, 0x10
M_IN_ORDER, M_ADD_BUFS, M_HARVEST_BY, M_LONG = 0x01, 0x02, 0x04, 0x08


def p_batches(entries):
    """In order: entries (batch 1..4, mode[, len32]): one used descriptor each."""
    out = u8(OP_COMPLETE, len(entries) - 1)
    for e in entries:
        out += u8(e[0] - 1, e[1])
        if e[1] >= 2:
            out += u32(e[2])
    return out


def p_add_bufs(b, count, lens=None):
    """Mode M_ADD_BUFS: a burst of count buffers (b: bit 0 writable, len 1 + (b >> 1) * 64)."""
    out = u8(OP_ADD_BUF, b, (count - 1) | (0x80 if lens else 0))
    for n in lens or []:
        out += u8(n)
    return out


def p_complete(entries):
    """entries: ('pick', k, mode[, len32]) or ('lie', id16, len, flags16, skip)."""
    out = u8(OP_COMPLETE, len(entries) - 1)
    for e in entries:
        if e[0] == 'pick':
            out += u8(0, e[1], e[2])
            if e[2] >= 2:
                out += u32(e[3])
        else:
            out += u8(0xc3) + u16(e[1]) + u32(e[2]) + u16(e[3]) + u8(e[4])
    return out


def p_bursts(b, count, by=False, lens=None):
    """Modes M_ADD_BUFS | M_LONG: a burst of 1..64 (b as p_add_bufs), or through add_bufs_by."""
    out = u8(OP_ADD_BUF, b, (count - 1) | (0x40 if by else 0) | (0x80 if lens else 0))
    for n in lens or []:
        out += u8(n)
    return out


RUN_FULL, RUN_ZERO, RUN_ANY, RUN_ONE_OVER = range(4)
HERE_OWN, HERE_LEN_OVER, HERE_STALE, HERE_MIXED = range(4)


def p_long(entries):
    """Mode M_LONG: entries ('run', count, how[, over]) (one used descriptor per
    chain), ('here', kind[, alt]) (a lie at the device's position), in order
    (batch 1..4, mode[, len32]), else ('pick', k, mode[, len32])."""
    out = u8(OP_COMPLETE, len(entries) - 1)
    for e in entries:
        if e[0] == 'run':
            out += u8(0x30, e[1] - 1, e[2] | (e[3] if len(e) > 3 else 0) << 2)
        elif e[0] == 'here':
            out += u8(0xe0 | e[1] | (4 if len(e) > 2 and e[2] else 0))
        elif e[0] == 'pick':
            out += u8(0, e[1], e[2])
            if e[2] >= 2:
                out += u32(e[3])
        else:
            out += u8(e[0] - 1, e[1])
            if e[1] >= 2:
                out += u32(e[2])
    return out


def p_harvest(mx, how, lens=True):
    """Mode M_HARVEST_BY: plain (max % 33, bit 7 no lens) or by (max up to 255)."""
    return u8(OP_HARVEST, (mx % 33 | (0 if lens else 0x80)) if how == BY_PLAIN else mx, how)


def p_event(off, wrap, flags):
    return u8(OP_FLAGS) + u16(off | (0x8000 if wrap else 0)) + u8(flags)


def vq_harvest_packed_seeds():
    yield 'echo-one', u8(P_SMALL | 7, 0) + add_chain(1, 1, [(16, 4), (16, 4)]) + u8(OP_KICK) + \
        p_complete([('pick', 0, 0)]) + harvest(32)
    # Size 5 (not a power of two), single buffers wrapping the ring many times.
    rx = u8(P_SMALL | P_DOORBELL | 4, 0)
    for _ in range(12):
        rx += b''.join(u8(OP_ADD_BUF, 2 * i + 1) for i in range(3)) + u8(OP_KICK)
        rx += p_complete([('pick', 1, 0)] * 3) + harvest(8)
    yield 'odd-size-wrap', rx
    # Chains of 2 and 3 descriptors straddling the end of a ring of 7.
    ch = u8(P_SMALL | P_ORDER | 6, 0)
    for _ in range(6):
        ch += add_chain(1, 1, [(4, 0), (8, 0)]) + add_chain(2, 1, [(1, 0), (2, 0), (64, 0)])
        ch += u8(OP_PUBLISH) + p_complete([('pick', 1, 0), ('pick', 0, 2, 7)]) + harvest(4)
    yield 'chains-straddle', ch
    lie = u8(P_SMALL | 7, 0) + b''.join(u8(OP_ADD_BUF, 3) for _ in range(2)) + u8(OP_KICK)
    lie += p_complete([('lie', 0, 8, 0, 1)]) + harvest(8) + u8(OP_ADD_BUF, 3) + harvest(8)
    yield 'stale-wrap-breaks', lie
    ev = u8(P_SMALL | P_EVENT_IDX | 15, 0) + p_event(3, True, 2)
    ev += b''.join(u8(OP_ADD_BUF, 5) for _ in range(2)) + u8(OP_KICK)
    ev += b''.join(u8(OP_ADD_BUF, 5) for _ in range(2)) + u8(OP_KICK)
    ev += p_event(0, False, 1) + u8(OP_ADD_BUF, 5) + u8(OP_KICK)
    ev += p_complete([('pick', 0, 0)] * 5) + harvest(32)
    yield 'event-idx-kicks', ev
    big = u8(P_DOORBELL, 0, 199) + add_chain(3, 4, [(1, 3)] * 7) + u8(OP_KICK)
    big += p_complete([('pick', 0, 3, 0xffffffff)]) + harvest(2)
    yield 'size-200-len-lie', big
    # In order, size 8: chains of 1-3 descriptors completed in batches (one
    # used descriptor for up to 4 chains), harvested a few at a time, wrapping.
    io = u8(P_SMALL | 7, M_IN_ORDER)
    for _ in range(6):
        io += add_chain(1, 1, [(4, 0), (8, 0)]) + u8(OP_ADD_BUF, 5) + \
            add_chain(1, 2, [(1, 0), (2, 0), (64, 0)]) + u8(OP_KICK)
        io += p_batches([(2, 0), (1, 2, 7)]) + harvest(1) + harvest(32)
    yield 'in-order-batches', io
    # In order with bursts through vio_vq_add_bufs (size 5: never a power of two).
    ib = u8(P_SMALL | P_DOORBELL | 4, M_IN_ORDER | M_ADD_BUFS)
    for i in range(10):
        ib += p_add_bufs(2 * i + 1, 3, [10, 20, 30] if i % 2 else None) + u8(OP_KICK)
        ib += p_batches([(3, 0)]) + harvest(2) + harvest(8)
    yield 'in-order-add-bufs', ib
    # In order: a used id naming a chain added but never published breaks the queue.
    il = u8(P_SMALL | 7, M_IN_ORDER) + u8(OP_ADD_BUF, 3) + u8(OP_KICK) + u8(OP_ADD_BUF, 3)
    il += p_complete([('lie', 1, 0, 0x8080, 2)]) + harvest(8) + u8(OP_ADD_BUF, 3) + harvest(8)
    yield 'in-order-unpublished-id-breaks', il
    # Read-only chains: a len in a used descriptor without WRITE is reserved
    # (0, not counted); with WRITE it is a tolerated bad len (0, counted).
    tx = u8(P_SMALL | 7, 0) + b''.join(u8(OP_ADD_BUF, 2) for _ in range(2)) + u8(OP_KICK)
    tx += p_complete([('pick', 0, 3, 0xffffffff)]) + harvest(8)
    tx += p_complete([('lie', 1, 5, 0x8082, 1)]) + harvest(8)
    yield 'tx-reserved-len', tx
    yield from vq_harvest_packed_by_seeds()
    yield from vq_harvest_packed_intr_seeds()


def vq_harvest_packed_intr_seeds():
    # Size 5 (not a power of two), chains of 1 and 2 descriptors: enable with
    # nothing pending, with a completion pending, after harvesting it;
    # disable; eight rounds wrap the ring (the used wrap counter flips).
    ir = u8(P_SMALL | 4, INTR_MODE) + INTR_OFF + INTR_ON
    for i in range(8):
        ir += u8(OP_ADD_BUF, 5) + add_chain(1, 1, [(4, 0), (8, 0)]) + u8(OP_KICK) + INTR_ON
        ir += p_complete([('pick', 0, 0)]) + INTR_ON + harvest(1) + INTR_ON
        ir += p_complete([('pick', 0, 0)]) + INTR_OFF + harvest(8) + INTR_ON + INTR_OFF
    # Bits at last_used that are neither used nor available in this lap
    # while a chain is out: enable says poll, the harvest breaks the queue.
    ir += u8(OP_ADD_BUF, 5) + u8(OP_KICK) + p_complete([('lie', 0, 0, 0x8000, 1)])
    ir += INTR_ON + harvest(8) + INTR_ON + INTR_OFF
    yield 'intr-enable-pending', ir
    # EVENT_IDX, in order, size 7: off_wrap = last_used and the used wrap
    # counter on each enable (bit 15 clear on odd laps); a batch of 3 half
    # harvested is still pending; disable leaves off_wrap.
    ev = u8(P_SMALL | P_EVENT_IDX | 6, M_IN_ORDER | INTR_MODE) + INTR_ON + INTR_OFF
    for i in range(6):
        ev += u8(OP_ADD_BUF, 5) + add_chain(1, 1, [(4, 0), (8, 0)]) + u8(OP_ADD_BUF, 5)
        ev += u8(OP_KICK) + INTR_ON + p_batches([(3, 0)]) + INTR_ON + harvest(1) + INTR_ON
        ev += harvest(8) + INTR_ON + INTR_OFF
    yield 'event-idx-intr-wrap', ev


def vq_harvest_packed_by_seeds():
    io_by = M_IN_ORDER | M_ADD_BUFS | M_HARVEST_BY | M_LONG
    # In order, size 16: bursts of 16 one-buffer chains (add_bufs and
    # add_bufs_by in turn), one used descriptor each, eight laps, harvested
    # through each API in turn (harvest_by: the fast path).
    laps = u8(P_SMALL | 15, io_by)
    for i in range(8):
        laps += p_bursts(5, 16, by=i % 2 == 1) + u8(OP_KICK)
        laps += p_long([('run', 16, (RUN_FULL, RUN_ZERO, RUN_ANY)[i % 3])])
        laps += p_harvest(255 if i % 3 else 32, (BY_ONE, BY_FOUR, BY_PLAIN)[i % 3])
    yield 'in-order-by-laps', laps
    # In order, size 256: bursts of 64, four laps; runs of single completions
    # with a batch of 4 and a chain of three descriptors between them (the
    # fast path hands over to the general path and back).
    big = u8(P_ORDER, io_by, 255)
    for i in range(14):
        big += p_bursts(3, 64, by=i % 2 == 0) + u8(OP_KICK)
        if i % 4 == 1:
            big += add_chain(1, 2, [(1, 0), (2, 0), (64, 0)]) + u8(OP_KICK)
        big += p_long([('run', 30, RUN_ANY), (4, 0), ('run', 200, RUN_FULL)])
        big += p_harvest(100, BY_ONE) + p_harvest(255, BY_FOUR)
    yield 'in-order-by-256', big
    # In order: the device completes what was published, then a chain added
    # but not published in its own position (id == position): harvest_by
    # returns the published ones, then the queue is broken.
    unp = u8(P_SMALL | 7, io_by) + p_bursts(5, 3) + u8(OP_KICK) + p_bursts(5, 2)
    unp += p_long([('run', 3, RUN_FULL), ('here', HERE_OWN)]) + p_harvest(8, BY_ONE)
    unp += p_harvest(8, BY_ONE) + p_bursts(5, 1)
    yield 'in-order-by-unpublished-own-position-breaks', unp
    # In order: a len one past the writable bytes in the middle of a run.
    over = u8(P_SMALL | 15, io_by) + p_bursts(9, 12) + u8(OP_KICK)
    over += p_long([('run', 12, RUN_ONE_OVER, 5)]) + p_harvest(255, BY_FOUR)
    over += p_harvest(255, BY_ONE)
    yield 'in-order-by-len-over-breaks', over
    # In order, after a lap: the previous lap's used bits where the next
    # completion belongs (a stale descriptor); and, on another queue,
    # AVAIL and USED that disagree.
    stale = u8(P_SMALL | 3, io_by)
    for _ in range(2):
        stale += p_bursts(5, 4) + u8(OP_KICK) + p_long([('run', 4, RUN_FULL)])
        stale += p_harvest(4, BY_ONE)
    stale += p_bursts(5, 4) + u8(OP_KICK) + p_long([('run', 2, RUN_FULL), ('here', HERE_STALE)])
    stale += p_harvest(255, BY_ONE) + p_harvest(1, BY_ONE)
    yield 'in-order-by-stale-flags-breaks', stale
    mixed = u8(P_SMALL | 7, io_by) + p_bursts(5, 6) + u8(OP_KICK)
    mixed += p_long([('run', 1, RUN_FULL), ('here', HERE_MIXED, True)]) + p_harvest(255, BY_ONE)
    yield 'in-order-by-mixed-flags-breaks', mixed
    # Not in order: bursts with lens of their own and through add_bufs_by,
    # completed out of order and in runs, harvested through harvest_by.
    ooo = u8(P_SMALL | 15, M_ADD_BUFS | M_HARVEST_BY | M_LONG)
    for i in range(4):
        ooo += p_bursts(7, 6, lens=[10, 20, 30, 40, 50, 60]) + p_bursts(7, 4, by=True)
        ooo += u8(OP_KICK) + p_long([('pick', 3, 2, 1000)] * 4 + [('run', 6, RUN_ANY)])
        ooo += p_harvest(200, (BY_FOUR, BY_ONE)[i % 2])
    yield 'by-not-in-order', ooo


TARGETS = {
    'pci_caps': pci_caps_seeds,
    'vq_harvest': vq_harvest_seeds,
    'vq_harvest_packed': vq_harvest_packed_seeds,
    'net_rx': net_rx_seeds,
    'net_ctrl': net_ctrl_seeds,
    'blk_completion': blk_completion_seeds,
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
