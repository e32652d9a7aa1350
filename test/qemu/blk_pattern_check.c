/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Host side of guest case blk-verify: after the guest has exited, the disk
 * image holds, from OFFSET for SIZE bytes, exactly the data vireo-perf
 * --verify wrote (app/vireo-perf/perf_pattern.h with SEED).
 *
 *   blk_pattern_check IMAGE OFFSET SIZE SEED
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "perf_pattern.h"

#define CHUNK (1u << 20)

int
main(int argc, char **argv)
{
	static unsigned char got[CHUNK], want[CHUNK];
	uint64_t off, size, seed, done = 0;
	FILE *f;

	if (argc != 5) {
		fprintf(stderr, "usage: blk_pattern_check IMAGE OFFSET SIZE SEED\n");
		return 2;
	}
	off = strtoull(argv[2], NULL, 0);
	size = strtoull(argv[3], NULL, 0);
	seed = strtoull(argv[4], NULL, 0);
	f = fopen(argv[1], "rb");
	if (f == NULL || fseeko(f, (off_t)off, SEEK_SET) != 0) {
		fprintf(stderr, "%s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	while (done < size) {
		size_t n = (size_t)(size - done < CHUNK ? size - done : CHUNK);
		size_t i;

		if (fread(got, 1, n, f) != n) {
			printf("FAIL: %s ends before byte %" PRIu64 "\n", argv[1], off + done);
			return 1;
		}
		perf_pattern_fill(want, off + done, n, seed);
		if (memcmp(got, want, n) != 0) {
			for (i = 0; got[i] == want[i]; i++)
				;
			printf("FAIL: byte %" PRIu64 " holds 0x%02x, vireo-perf wrote 0x%02x\n",
			       off + done + i, got[i], want[i]);
			return 1;
		}
		done += n;
	}
	fclose(f);
	printf("host: %" PRIu64 " bytes at %" PRIu64 " hold exactly what the guest wrote\n", size,
	       off);
	return 0;
}
