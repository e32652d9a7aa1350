/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The data vireo-perf writes in blk mode: every 8-byte word is a function of
 * a seed and the word's byte address on the device, so that anyone (the
 * guest after reading back, the host reading the disk image after the guest
 * exited: test/qemu/blk_pattern_check.c) can recompute what a block holds
 * without being told. Plain C, no DPDK.
 */
#ifndef PERF_PATTERN_H
#define PERF_PATTERN_H

#include <stdint.h>
#include <string.h>

/* splitmix64 of (seed, device byte address): random-looking, no state. */
static inline uint64_t
perf_pattern_word(uint64_t seed, uint64_t byte_addr)
{
	uint64_t z = seed + (byte_addr >> 3) * UINT64_C(0x9e3779b97f4a7c15);

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* Fill len bytes (a multiple of 8) meant for device byte address addr
 * (a multiple of 8); words are stored little-endian. */
static inline void
perf_pattern_fill(void *buf, uint64_t addr, uint64_t len, uint64_t seed)
{
	unsigned char *p = buf;
	uint64_t i;

	for (i = 0; i < len; i += 8) {
		uint64_t w = perf_pattern_word(seed, addr + i);
		unsigned char le[8];
		unsigned int k;

		for (k = 0; k < 8; k++)
			le[k] = (unsigned char)(w >> (8 * k));
		memcpy(p + i, le, 8);
	}
}

#endif /* PERF_PATTERN_H */
