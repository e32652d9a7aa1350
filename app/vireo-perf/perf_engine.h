/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An engine drives one device class (net: ethdev ports, blk: a vblk device). The main program
 * owns EAL, signals, timing and the JSON envelope; the engine owns devices,
 * workers and its own figures. A blk engine plugs in by filling this table.
 */
#ifndef PERF_ENGINE_H
#define PERF_ENGINE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "perf_args.h"
#include "perf_json.h"

struct perf_engine {
	const char *name;
	/* Before EAL init: reject what this engine cannot do. NULL: nothing. */
	int (*check)(const struct perf_config *cfg);
	/* After EAL init: find and configure devices. -errno, message printed. */
	int (*setup)(const struct perf_config *cfg, void **ctx);
	/* Launch workers on the worker lcores. */
	int (*start)(void *ctx);
	/* Take the measurement baseline (end of warm-up). */
	void (*mark)(void *ctx, uint64_t tsc);
	/* One live line per device for the period ending at tsc. */
	void (*period)(void *ctx, uint64_t tsc, int warming_up);
	/* Optional: true when the work is over before --duration (blk verify). */
	bool (*done)(void *ctx);
	/* Freeze the measured figures at tsc, stop and join the workers. */
	void (*stop)(void *ctx, uint64_t tsc);
	void (*summary)(void *ctx, FILE *f);
	/* Engine part of the JSON document (inside the top-level object). */
	void (*json)(void *ctx, struct perf_json *j);
	/* Optional: after the summary, non-zero when the run failed (errors). */
	int (*result)(void *ctx);
	void (*teardown)(void *ctx);
};

extern const struct perf_engine perf_net_engine;
extern const struct perf_engine perf_blk_engine;

#endif /* PERF_ENGINE_H */
