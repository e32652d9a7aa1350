/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vireo-perf argument parser and JSON writer: host unit tests, no EAL.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "perf_args.h"
#include "perf_json.h"

static struct perf_config cfg;
static char err[256];

/* Split a command line on blanks ("" stands for an empty argument). */
static int
parse(const char *line)
{
	char *argv[64];
	static char buf[512]; /* cfg keeps pointers into it */
	char *tok, *save = NULL;
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s", line);
	argv[argc++] = (char *)"vireo-perf";
	for (tok = strtok_r(buf, " ", &save); tok != NULL && argc < 63;
	     tok = strtok_r(NULL, " ", &save))
		argv[argc++] = strcmp(tok, "\"\"") == 0 ? (char *)"" : tok;
	argv[argc] = NULL;
	perf_args_defaults(&cfg);
	return perf_args_parse(argc, argv, &cfg, err, sizeof(err));
}

/* Rejected, with a message that mentions `needle`. */
static void
rejects(const char *line, const char *needle)
{
	int ret = parse(line);

	if (ret != -EINVAL || strstr(err, needle) == NULL)
		fail_msg("'%s': ret %d, message '%s' lacks '%s'", line, ret, err, needle);
}

static void
accepts(const char *line)
{
	if (parse(line) != 0)
		fail_msg("'%s' rejected: %s", line, err);
}

static void
test_defaults(void **state)
{
	(void)state;
	accepts("");
	assert_int_equal(cfg.mode, PERF_MODE_NET);
	assert_int_equal(cfg.nb_fwd, 1);
	assert_int_equal(cfg.fwd[0], PERF_FWD_IO);
	assert_int_equal(cfg.burst, 32);
	assert_int_equal(cfg.pkt_size, 64);
	assert_int_equal(cfg.rxq, 1);
	assert_int_equal(cfg.txq, 1);
	assert_int_equal(cfg.nb_cores, 0); /* one per stream, up to the workers */
	assert_int_equal(cfg.portmask, 0);
	assert_true(cfg.promisc);
	assert_false(cfg.tx_first);
	assert_null(cfg.json_path);
	assert_true(cfg.duration == 0.0);
	assert_true(cfg.stats_period == 1.0);
	assert_int_equal(perf_cfg_nb_segs(&cfg), 1);
}

static void
test_full_valid(void **state)
{
	(void)state;
	accepts("--forward-mode=macswap --ports 0,2-3 --rxq 2 --txq=2 "
		"--burst 512 --rxd 256 --txd=1024 --pkt-size 9000 "
		"--mbufs 65535 --mbuf-size 4096 --duration 2.5 --warmup=.5 "
		"--stats-period 0 --json out.json --dst-mac 02:00:00:00:00:0a "
		"--eth-peer 3,02:00:00:00:00:FF --promisc off --tx-first "
		"--port-topology loop --flows 7 --tx-count 8000 --nb-cores 3");
	assert_int_equal(cfg.fwd[0], PERF_FWD_MACSWAP);
	assert_int_equal(cfg.portmask, 0xd);
	assert_int_equal(cfg.rxq, 2);
	assert_int_equal(cfg.burst, 512);
	assert_int_equal(cfg.rxd, 256);
	assert_int_equal(cfg.txd, 1024);
	assert_int_equal(cfg.pkt_size, 9000);
	assert_int_equal(cfg.mbufs, 65535);
	assert_int_equal(cfg.mbuf_size, 4096);
	assert_true(cfg.duration == 2.5);
	assert_true(cfg.warmup == 0.5);
	assert_true(cfg.stats_period == 0.0);
	assert_string_equal(cfg.json_path, "out.json");
	assert_true(cfg.dst_mac_set);
	assert_int_equal(cfg.dst_mac.b[5], 0x0a);
	assert_int_equal(cfg.eth_peer_mask, 1u << 3);
	assert_int_equal(cfg.eth_peer[3].b[5], 0xff);
	assert_false(cfg.promisc);
	assert_true(cfg.tx_first);
	assert_int_equal(cfg.topology, PERF_TOPO_LOOP);
	assert_int_equal(cfg.flows, 7);
	assert_int_equal(cfg.tx_count, 8000);
	assert_int_equal(cfg.nb_cores, 3);
	/* 9000 bytes in 3968-byte segments */
	assert_int_equal(perf_cfg_seg_size(&cfg), 4096 - 128);
	assert_int_equal(perf_cfg_nb_segs(&cfg), 3);
}

static void
test_burst(void **state)
{
	(void)state;
	rejects("--burst 0", "--burst");
	rejects("--burst -1", "--burst");
	rejects("--burst -0", "--burst");
	rejects("--burst +5", "--burst");
	rejects("--burst 513", "1..512");
	rejects("--burst abc", "'abc'");
	rejects("--burst 32x", "--burst");
	rejects("--burst \"\"", "--burst");
	rejects("--burst 99999999999999999999999", "--burst");
	rejects("--burst", "needs a value");
	accepts("--burst 1");
	accepts("--burst=512");
}

static void
test_pkt_size(void **state)
{
	(void)state;
	rejects("--pkt-size 63", "--pkt-size");
	rejects("--pkt-size 9001", "64..9000");
	rejects("--pkt-size 0", "--pkt-size");
	accepts("--pkt-size 64");
	accepts("--pkt-size 9000");
	assert_int_equal(perf_cfg_nb_segs(&cfg), 5); /* 2048-byte room */
	accepts("--pkt-size 9000 --seg-size 1000");
	assert_int_equal(perf_cfg_nb_segs(&cfg), 9);
	rejects("--seg-size 63", "--seg-size");
	rejects("--seg-size 2049", "data room");
	rejects("--mbuf-size 100", "--mbuf-size");
}

static void
test_modes(void **state)
{
	(void)state;
	rejects("--forward-mode foo", "'foo'");
	rejects("--forward-mode io,", "--forward-mode");
	rejects("--forward-mode ,io", "--forward-mode");
	rejects("--forward-mode \"\"", "--forward-mode");
	rejects("--forward-mode IO", "--forward-mode");
	rejects("--mode xyz", "unknown mode 'xyz'");
	accepts("--mode blk");
	assert_int_equal(cfg.mode, PERF_MODE_BLK);
	accepts("--forward-mode txonly,rxonly");
	assert_int_equal(cfg.nb_fwd, 2);
	assert_int_equal(perf_cfg_fwd(&cfg, 0), PERF_FWD_TXONLY);
	assert_int_equal(perf_cfg_fwd(&cfg, 1), PERF_FWD_RXONLY);
	accepts("--forward-mode flowgen --ports 0,1");
	assert_int_equal(perf_cfg_fwd(&cfg, 1), PERF_FWD_FLOWGEN);
	rejects("--forward-mode io,io,io --portmask 3", "3 modes for 2 ports");
	/* forwarding modes pair rx queue N with tx queue N */
	rejects("--rxq 2 --txq 1", "must be equal");
	rejects("--forward-mode mac --rxq 1 --txq 4", "must be equal");
	accepts("--forward-mode txonly --rxq 1 --txq 4");
	accepts("--forward-mode rxonly --rxq 4 --txq 1");
	rejects("--rxq 0", "--rxq");
	rejects("--txq 1025", "--txq");
}

/* Block mode: fio's vocabulary, sizes with suffixes, and the relations. */
static void
test_blk(void **state)
{
	(void)state;
	accepts("--mode blk");
	assert_int_equal(cfg.blk.rw, PERF_BLK_READ);
	assert_int_equal(cfg.blk.bs, 4096);
	assert_int_equal(cfg.blk.iodepth, 1);
	assert_int_equal(cfg.blk.queues, 1);
	assert_int_equal(cfg.blk.rwmixread, 50);
	assert_null(cfg.blk.dev);
	accepts("--mode blk --rw randrw --rwmixread 70 --bs 64k --iodepth 32 --queues 2 "
		"--size 256M --offset=1MiB --dev 0000:00:05.0 --seed 7");
	assert_int_equal(cfg.blk.rw, PERF_BLK_RANDRW);
	assert_int_equal(cfg.blk.rwmixread, 70);
	assert_int_equal(cfg.blk.bs, 65536);
	assert_int_equal(cfg.blk.iodepth, 32);
	assert_int_equal(cfg.blk.queues, 2);
	assert_int_equal(cfg.blk.size, 256u << 20);
	assert_int_equal(cfg.blk.offset, 1u << 20);
	assert_string_equal(cfg.blk.dev, "0000:00:05.0");
	assert_int_equal(cfg.blk.seed, 7);
	accepts("--mode blk --rw write --verify crc32c --size 1g");
	assert_int_equal(cfg.blk.verify, PERF_VERIFY_CRC32C);
	assert_int_equal(cfg.blk.size, UINT64_C(1) << 30);
	accepts("--mode blk --rw randwrite --verify crc32c --bs 512");
	accepts("--mode blk --size 4096 --offset 0");
	rejects("--mode blk --rw read --verify crc32c", "--rw write or randwrite");
	rejects("--mode blk --rw randrw --verify crc32c", "not randrw");
	rejects("--mode blk --verify md5", "--verify: 'md5'");
	rejects("--mode blk --rw rand", "--rw: 'rand'");
	rejects("--mode blk --rw READ", "--rw: 'READ'");
	rejects("--mode blk --rwmixread 101", "percentage");
	rejects("--mode blk --bs 1000", "multiple of 512");
	rejects("--mode blk --bs 0", "multiple of 512");
	rejects("--mode blk --bs 32m", "multiple of 512");
	rejects("--mode blk --bs 4x", "not a size");
	rejects("--mode blk --size 1kk", "not a size");
	rejects("--mode blk --size -1", "not a size");
	rejects("--mode blk --size 99999999999999999999", "not a size");
	rejects("--mode blk --offset 17179869184t", "not a size");
	rejects("--mode blk --iodepth 0", "--iodepth: '0'");
	rejects("--mode blk --iodepth 4097", "--iodepth");
	rejects("--mode blk --queues 0", "--queues: '0'");
	rejects("--mode blk --dev \"\"", "empty device name");
	rejects("--mode blk --seed x", "--seed");
	/* block options without --mode blk: a mistake, not silently ignored */
	rejects("--bs 4k", "add --mode blk");
	rejects("--rw write", "add --mode blk");
	rejects("--iodepth 8", "add --mode blk");
}

/* --nb-cores: the parser bounds it; the engine checks it against EAL's
 * lcores (test/app/meson.build: perf-fail-nb-cores). */
static void
test_nb_cores(void **state)
{
	(void)state;
	accepts("--nb-cores 1");
	assert_int_equal(cfg.nb_cores, 1);
	accepts("--nb-cores=1024");
	assert_int_equal(cfg.nb_cores, 1024);
	rejects("--nb-cores 0", "--nb-cores: '0' is not an integer in 1..1024");
	rejects("--nb-cores 1025", "--nb-cores");
	rejects("--nb-cores two", "'two'");
	rejects("--nb-cores", "needs a value");
}

static void
test_ports(void **state)
{
	(void)state;
	accepts("--portmask 0x3");
	assert_int_equal(cfg.portmask, 3);
	accepts("--portmask F0");
	assert_int_equal(cfg.portmask, 0xf0);
	rejects("--portmask 0", "non-zero");
	rejects("--portmask 0x", "--portmask");
	rejects("--portmask zz", "'zz'");
	rejects("--portmask -1", "--portmask");
	rejects("--portmask 0x1g", "--portmask");
	rejects("--portmask 0x10000000000000000", "--portmask");
	accepts("--ports 5");
	assert_int_equal(cfg.portmask, 1u << 5);
	rejects("--ports 1-0", "--ports");
	rejects("--ports 64", "--ports");
	rejects("--ports 0,,1", "--ports");
	rejects("--ports 0,", "--ports");
	rejects("--ports a", "--ports");
	rejects("--ports 1-", "--ports");
	rejects("--ports 0x1", "--ports");
	rejects("--portmask 1 --ports 0", "not both");
}

static void
test_seconds(void **state)
{
	(void)state;
	rejects("--duration abc", "--duration");
	rejects("--duration 1s", "--duration");
	rejects("--duration -1", "--duration");
	rejects("--duration nan", "--duration");
	rejects("--duration inf", "--duration");
	rejects("--duration \"\"", "--duration");
	rejects("--duration 1e99", "--duration");
	rejects("--warmup x", "--warmup");
	rejects("--stats-period -0.5", "--stats-period");
	accepts("--duration 0 --warmup 0.25 --stats-period 0.1");
	assert_true(cfg.warmup == 0.25);
	assert_true(cfg.stats_period == 0.1);
}

static void
test_misc(void **state)
{
	(void)state;
	rejects("--bogus 1", "unknown option '--bogus'");
	rejects("--burstx 1", "unknown option");
	rejects("stray", "unexpected argument 'stray'");
	rejects("-x", "unexpected argument");
	rejects("--", "unexpected argument");
	rejects("--tx-first=1", "takes no value");
	rejects("--promisc maybe", "on or off");
	rejects("--port-topology chained", "paired or loop");
	rejects("--json \"\"", "empty file name");
	rejects("--dst-mac 02:00:00:00:00", "--dst-mac");
	rejects("--dst-mac 02:00:00:00:00:0g", "--dst-mac");
	rejects("--dst-mac 02:00:00:00:00:001", "--dst-mac");
	rejects("--eth-peer 02:00:00:00:00:01", "PORT,MAC");
	rejects("--eth-peer 64,02:00:00:00:00:01", "PORT,MAC");
	rejects("--eth-peer ,02:00:00:00:00:01", "PORT,MAC");
	rejects("--flows 0", "--flows");
	rejects("--tx-count -1", "--tx-count");
	rejects("--tx-count 3000000000", "--tx-count");
	rejects("--mbufs 10", "--mbufs");
	accepts("--help");
	assert_true(cfg.help);
	accepts("-h");
	assert_true(cfg.help);
}

/* --idle poll|sleep[,N] and --rate PPS. */
static void
test_idle_rate(void **state)
{
	(void)state;
	accepts("");
	assert_false(cfg.idle_sleep);
	assert_int_equal(cfg.idle_polls, PERF_IDLE_POLLS_DEFAULT);
	assert_int_equal(cfg.rate, 0);
	accepts("--forward-mode rxonly --idle sleep");
	assert_true(cfg.idle_sleep);
	assert_int_equal(cfg.idle_polls, PERF_IDLE_POLLS_DEFAULT);
	accepts("--forward-mode rxonly --idle sleep,500");
	assert_true(cfg.idle_sleep);
	assert_int_equal(cfg.idle_polls, 500);
	accepts("--idle sleep,1 --idle poll");
	assert_false(cfg.idle_sleep);
	rejects("--idle nap", "poll, sleep or sleep,N");
	rejects("--idle sleep,0", "poll, sleep or sleep,N");
	rejects("--idle sleep,", "poll, sleep or sleep,N");
	rejects("--idle sleepy", "poll, sleep or sleep,N");
	accepts("--mode blk --idle sleep,8");
	assert_true(cfg.idle_sleep);
	rejects("--mode blk --rate 5", "net option");
	accepts("--forward-mode txonly --rate 10000");
	assert_int_equal(cfg.rate, 10000);
	accepts("--forward-mode txonly,rxonly --rate 1");
	rejects("--forward-mode io --rate 100", "no port generates");
	rejects("--forward-mode txonly --rate 0", "--rate");
	rejects("--forward-mode txonly --rate 2000000000", "--rate");
}

static char *
json_of(void (*fn)(struct perf_json *j), int *ret)
{
	struct perf_json j;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	perf_json_init(&j, f);
	fn(&j);
	*ret = perf_json_finish(&j);
	fclose(f);
	return buf;
}

static void
doc_nested(struct perf_json *j)
{
	perf_json_obj_begin(j, NULL);
	perf_json_str(j, "s", "a\"b\\c\n\x01");
	perf_json_u64(j, "u", UINT64_MAX);
	perf_json_int(j, "i", -3);
	perf_json_dbl(j, "d", 0.5);
	perf_json_dbl(j, "nan", 0.0 / 0.0);
	perf_json_bool(j, "b", true);
	perf_json_arr_begin(j, "a");
	perf_json_u64(j, NULL, 1);
	perf_json_obj_begin(j, NULL);
	perf_json_obj_end(j);
	perf_json_arr_end(j);
	perf_json_arr_begin(j, "empty");
	perf_json_arr_end(j);
	perf_json_obj_end(j);
}

static void
doc_unbalanced(struct perf_json *j)
{
	perf_json_obj_begin(j, NULL);
	perf_json_arr_begin(j, "a");
}

static void
doc_cfg(struct perf_json *j)
{
	perf_json_obj_begin(j, NULL);
	perf_args_json(j, &cfg);
	perf_json_obj_end(j);
}

static void
test_json(void **state)
{
	char *out;
	int ret;

	(void)state;
	out = json_of(doc_nested, &ret);
	assert_int_equal(ret, 0);
	assert_string_equal(out, "{\n"
				 "  \"s\": \"a\\\"b\\\\c\\n\\u0001\",\n"
				 "  \"u\": 18446744073709551615,\n"
				 "  \"i\": -3,\n"
				 "  \"d\": 0.5,\n"
				 "  \"nan\": null,\n"
				 "  \"b\": true,\n"
				 "  \"a\": [\n"
				 "    1,\n"
				 "    {}\n"
				 "  ],\n"
				 "  \"empty\": []\n"
				 "}\n");
	free(out);
	out = json_of(doc_unbalanced, &ret);
	assert_int_equal(ret, -EIO);
	free(out);

	accepts("--forward-mode txonly,rxonly --ports 0-1 --eth-peer "
		"1,02:00:00:00:00:01 --json x");
	out = json_of(doc_cfg, &ret);
	assert_int_equal(ret, 0);
	assert_non_null(strstr(out, "\"forward_mode\": [\n      \"txonly\",\n"
				    "      \"rxonly\"\n    ]"));
	assert_non_null(strstr(out, "\"ports\": [\n      0,\n      1\n    ]"));
	assert_non_null(strstr(out, "\"1\": \"02:00:00:00:00:01\""));
	assert_non_null(strstr(out, "\"pkt_size\": 64"));
	assert_non_null(strstr(out, "\"nb_cores\": 0"));
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults), cmocka_unit_test(test_full_valid),
		cmocka_unit_test(test_burst),    cmocka_unit_test(test_pkt_size),
		cmocka_unit_test(test_modes),    cmocka_unit_test(test_ports),
		cmocka_unit_test(test_seconds),  cmocka_unit_test(test_misc),
		cmocka_unit_test(test_json),     cmocka_unit_test(test_nb_cores),
		cmocka_unit_test(test_blk),      cmocka_unit_test(test_idle_rate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
