/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vireo-perf: throughput tool for virtio (and any other) devices.
 *   vireo-perf [EAL args] -- [app args]
 * App arguments are parsed before EAL starts, so bad ones fail fast without
 * touching any device. The main lcore only times the run and prints
 * figures; the engine's workers do the I/O.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>

#include "perf_args.h"
#include "perf_engine.h"
#include "perf_json.h"

#ifndef VIREO_VERSION
#define VIREO_VERSION "unknown"
#endif

#define EXIT_USAGE 2

static volatile sig_atomic_t quit_signal;

static void
on_signal(int sig)
{
	quit_signal = sig;
}

static void
install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static int
find_separator(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0)
			return i;
	return argc;
}

static void
sleep_ns(uint64_t ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ns / 1000000000u),
		.tv_nsec = (long)(ns % 1000000000u),
	};

	nanosleep(&ts, NULL); /* EINTR on a signal: fine, we re-check */
}

/* Time the run: warm-up, live lines, duration or a signal. */
static void
run_loop(const struct perf_engine *eng, void *ctx, const struct perf_config *cfg)
{
	uint64_t hz = rte_get_tsc_hz();
	uint64_t start = rte_rdtsc();
	uint64_t warm_end = start + (uint64_t)(cfg->warmup * (double)hz);
	uint64_t end = cfg->duration > 0 ? warm_end + (uint64_t)(cfg->duration * (double)hz) :
					   UINT64_MAX;
	uint64_t period = (uint64_t)(cfg->stats_period * (double)hz);
	uint64_t next = period ? start + period : UINT64_MAX;
	bool marked = cfg->warmup <= 0;

	if (marked)
		eng->mark(ctx, start);
	while (!quit_signal) {
		uint64_t now = rte_rdtsc();
		uint64_t wake;

		if (!marked && now >= warm_end) {
			eng->mark(ctx, now);
			marked = true;
		}
		if (now >= end || (eng->done != NULL && eng->done(ctx)))
			break;
		if (now >= next) {
			eng->period(ctx, now, !marked);
			next += period;
			if (next <= now)
				next = now + period;
		}
		wake = RTE_MIN(RTE_MIN(next, end), marked ? UINT64_MAX : warm_end);
		/* at most 10 ms asleep, so a signal is noticed quickly */
		sleep_ns(RTE_MIN((wake - now) * 1000000000.0 / (double)hz, 1e7));
	}
	eng->stop(ctx, rte_rdtsc());
	if (quit_signal)
		printf("\nstopped by signal %d\n", (int)quit_signal);
}

static int
write_json(const struct perf_engine *eng, void *ctx, const struct perf_config *cfg)
{
	struct perf_json j;
	FILE *f = fopen(cfg->json_path, "w");
	int ret;

	if (f == NULL) {
		fprintf(stderr, "vireo-perf: cannot write %s: %s\n", cfg->json_path,
			strerror(errno));
		return -errno;
	}
	perf_json_init(&j, f);
	perf_json_obj_begin(&j, NULL);
	perf_json_str(&j, "tool", "vireo-perf");
	perf_json_str(&j, "version", VIREO_VERSION);
	perf_json_str(&j, "mode", perf_mode_name(cfg->mode));
	perf_json_u64(&j, "tsc_hz", rte_get_tsc_hz());
	perf_json_bool(&j, "stopped_by_signal", quit_signal != 0);
	perf_args_json(&j, cfg);
	eng->json(ctx, &j);
	perf_json_obj_end(&j);
	ret = perf_json_finish(&j);
	if (fclose(f) != 0 || ret != 0) {
		fprintf(stderr, "vireo-perf: error writing %s\n", cfg->json_path);
		return -EIO;
	}
	return 0;
}

static int
run(const struct perf_engine *eng, const struct perf_config *cfg)
{
	void *ctx = NULL;
	int ret;

	install_signals();
	ret = eng->setup(cfg, &ctx);
	if (ret == 0)
		ret = eng->start(ctx);
	if (ret == 0) {
		run_loop(eng, ctx, cfg);
		eng->summary(ctx, stdout);
		if (cfg->json_path != NULL)
			ret = write_json(eng, ctx, cfg);
		if (ret == 0 && eng->result != NULL)
			ret = eng->result(ctx);
	}
	if (eng->teardown != NULL)
		eng->teardown(ctx);
	return ret;
}

int
main(int argc, char **argv)
{
	const struct perf_engine *eng;
	struct perf_config cfg;
	char err[256];
	int sep = find_separator(argc, argv);
	int ret;

	perf_args_defaults(&cfg);
	/* app args: argv[sep] ("--", or the program name when there is no
	 * "--") takes the program-name slot the parser skips */
	if (sep == argc)
		ret = perf_args_parse(1, argv, &cfg, err, sizeof(err));
	else
		ret = perf_args_parse(argc - sep, &argv[sep], &cfg, err, sizeof(err));
	if (ret != 0) {
		fprintf(stderr, "vireo-perf: %s (see -- --help)\n", err);
		return EXIT_USAGE;
	}
	if (cfg.help) {
		perf_args_usage(stdout, argv[0]);
		return EXIT_SUCCESS;
	}
	eng = cfg.mode == PERF_MODE_BLK ? &perf_blk_engine : &perf_net_engine;
	if (eng->check != NULL && eng->check(&cfg) != 0)
		return EXIT_FAILURE;

	/* EAL sees only what precedes "--" */
	ret = rte_eal_init(sep, argv);
	if (ret < 0) {
		fprintf(stderr, "vireo-perf: EAL init failed: %s\n", rte_strerror(rte_errno));
		return EXIT_FAILURE;
	}
	ret = run(eng, &cfg);
	rte_eal_cleanup();
	return ret == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
