/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers shared by the libFuzzer targets (test/fuzz, doc/fuzzing.md):
 * a cursor over the input that never runs dry (it yields zeroes at the
 * end), an invariant check that aborts so libFuzzer records the input,
 * and a one-time EAL start for the targets that need DPDK memory.
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/** The libFuzzer entry points every target defines. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/** Reads the fuzzer's input front to back; zeroes once it is used up. */
struct fuzz_in {
	const uint8_t *p;
	size_t n;
};

static inline struct fuzz_in
fuzz_in_make(const uint8_t *data, size_t size)
{
	return (struct fuzz_in){ data, size };
}

static inline bool
fuzz_more(const struct fuzz_in *in)
{
	return in->n > 0;
}

static inline uint8_t
fuzz_u8(struct fuzz_in *in)
{
	if (in->n == 0)
		return 0;
	in->n--;
	return *in->p++;
}

static inline uint16_t
fuzz_u16(struct fuzz_in *in)
{
	uint16_t lo = fuzz_u8(in);

	return (uint16_t)(lo | fuzz_u8(in) << 8);
}

static inline uint32_t
fuzz_u32(struct fuzz_in *in)
{
	uint32_t lo = fuzz_u16(in);

	return lo | (uint32_t)fuzz_u16(in) << 16;
}

/** Copy @p len bytes into @p buf, zero-filling what the input lacks. */
void fuzz_bytes(struct fuzz_in *in, void *buf, size_t len);

/**
 * An invariant of the code under test. A failure prints where and why and
 * aborts: libFuzzer treats that as a crash and saves the input.
 */
#define FUZZ_CHECK(cond, ...)                                              \
	do {                                                               \
		if (!(cond))                                               \
			fuzz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__); \
	} while (0)

__attribute__((noreturn, format(printf, 4, 5))) void fuzz_fail(const char *file, int line,
							       const char *cond, const char *fmt,
							       ...);

/**
 * Silence DPDK's log (every rejected input logs a line, which would cost
 * more than the code under test) unless FUZZ_VERBOSE is set in the
 * environment: set it when replaying one input to see why it failed.
 */
void fuzz_quiet_logs(void);

/**
 * Start EAL once for the whole process, as the unit tests do: no
 * hugepages (IOVA as VA), no PCI (this machine's NIC and disk are
 * virtio-pci), nothing on disk. Exits the process when EAL cannot start.
 */
void fuzz_eal_init(const char *target);

#endif /* FUZZ_COMMON_H */
