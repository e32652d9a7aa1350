/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Placeholder for the block engine: it will drive the blk_vireo device
 * class with enqueue/dequeue bursts and report IOPS and latency. Until the
 * blk driver exists, selecting it fails with a clear message.
 */
#include <errno.h>
#include <stdio.h>

#include "perf_engine.h"

static int
blk_check(const struct perf_config *cfg)
{
	(void)cfg;
	fprintf(stderr, "vireo-perf: blk mode: not available yet "
			"(it needs the vireo block driver); use --mode net\n");
	return -ENOTSUP;
}

const struct perf_engine perf_blk_engine = {
	.name = "blk",
	.check = blk_check,
};
