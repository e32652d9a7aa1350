/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * blk_vireo on QEMU's virtio-blk (guest cases blk-*): one vblk device,
 * named by its PCI address, checked against what QEMU was told.
 *
 *   blk_check [EAL args] -- info DEV BLOCK_SIZE PHYS_BLOCK_SIZE BYTES SERIAL
 *   blk_check [EAL args] -- ops DEV SERIAL      every op round-trips
 *   blk_check [EAL args] -- ro DEV              writes refused with -EROFS
 *   blk_check [EAL args] -- notsup DEV          discard, write-zeroes -ENOTSUP
 *   blk_check [EAL args] -- deep DEV DEPTH      DEPTH requests in flight
 *   blk_check [EAL args] -- wce DEV             write cache switched (CONFIG_WCE),
 *                                               ranges per discard / write-zeroes
 *
 * Prints "PASS ..." lines; exits 0 when everything held, 1 otherwise.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_malloc.h>
#include <rte_memory.h>

#include <vblk.h>

#define IO_TIMEOUT_S 10
#define BUF_BYTES (1u << 20)

static int failures;

#define CHECK(cond, ...)                                            \
	do {                                                        \
		if (!(cond)) {                                      \
			printf("FAIL %s:%d: ", __func__, __LINE__); \
			printf(__VA_ARGS__);                        \
			printf("\n");                               \
			failures++;                                 \
		}                                                   \
	} while (0)

static uint16_t dev;
static struct vblk_dev_info info;
static uint8_t *buf; /* BUF_BYTES of hugepage memory */

/* Fill with bytes that depend on lba and a tag, so stale data shows. */
static void
fill(uint8_t *p, uint32_t len, uint64_t lba, uint8_t tag)
{
	uint32_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(tag ^ (lba * 131 + i * 7 + (i >> 9)));
}

static bool
all_zero(const uint8_t *p, uint32_t len)
{
	uint32_t i;

	for (i = 0; i < len; i++)
		if (p[i] != 0)
			return false;
	return true;
}

/* One request on queue 0, waited for. @return its status, or -ETIMEDOUT. */
static int
io(uint8_t op, uint8_t flags, uint64_t lba, uint32_t nblocks, void *data, uint32_t len)
{
	struct vblk_seg seg = { data, data ? rte_mem_virt2iova(data) : 0, len };
	struct vblk_req req = { .op = op, .flags = flags, .lba = lba, .nblocks = nblocks };
	struct vblk_req *r = &req, *done;
	uint64_t deadline = rte_rdtsc() + IO_TIMEOUT_S * rte_get_tsc_hz();

	if (data != NULL) {
		req.nseg = 1;
		req.segs = &seg;
	}
	if (vblk_enqueue_burst(dev, 0, &r, 1) != 1)
		return -EAGAIN;
	while (vblk_dequeue_burst(dev, 0, &done, 1) == 0)
		if (rte_rdtsc() > deadline)
			return -ETIMEDOUT;
	return done == r ? r->status : -EPROTO;
}

static int
open_dev(const char *name, uint16_t depth)
{
	struct vblk_dev_conf conf = { .nb_queues = 1, .socket_id = SOCKET_ID_ANY };
	int ret;

	if (vblk_dev_get_by_name(name, &dev) != 0) {
		printf("FAIL: no vblk device %s (%u devices)\n", name, vblk_dev_count());
		return -ENODEV;
	}
	vblk_dev_info_get(dev, &info);
	conf.queue_depth = depth ? depth : RTE_MIN(info.max_queue_depth, 32);
	ret = vblk_dev_configure(dev, &conf);
	if (ret == 0)
		ret = vblk_dev_start(dev);
	if (ret != 0) {
		printf("FAIL: %s: configure/start: %s\n", name, strerror(-ret));
		return ret;
	}
	printf("%s (%s): %" PRIu64 " blocks of %u, physical %u, queues %u, depth %u, "
	       "ops 0x%x, %s\n",
	       name, info.driver_name, info.capacity, info.block_size, info.physical_block_size,
	       info.max_queues, info.max_queue_depth, info.ops,
	       info.read_only ? "read-only" : "read-write");
	return 0;
}

static void
check_id(const char *serial)
{
	char id[VBLK_ID_LEN + 1] = { 0 };
	int ret;

	memset(buf, 0xa5, VBLK_ID_LEN);
	ret = io(VBLK_OP_GET_ID, 0, 0, 0, buf, VBLK_ID_LEN);
	CHECK(ret == 0, "get-id: %s", strerror(-ret));
	memcpy(id, buf, VBLK_ID_LEN);
	CHECK(strcmp(id, serial) == 0, "get-id: '%s', QEMU's serial is '%s'", id, serial);
	if (ret == 0)
		printf("PASS get-id '%s'\n", id);
}

static int
cmd_info(char **arg)
{
	uint64_t bytes = strtoull(arg[3], NULL, 0);
	uint32_t bs = (uint32_t)strtoul(arg[1], NULL, 0);
	uint32_t pbs = (uint32_t)strtoul(arg[2], NULL, 0);
	uint32_t need = VBLK_OP_BIT(VBLK_OP_READ) | VBLK_OP_BIT(VBLK_OP_WRITE) |
			VBLK_OP_BIT(VBLK_OP_FLUSH) | VBLK_OP_BIT(VBLK_OP_DISCARD) |
			VBLK_OP_BIT(VBLK_OP_WRITE_ZEROES) | VBLK_OP_BIT(VBLK_OP_GET_ID);

	CHECK(info.block_size == bs, "logical block %u, QEMU says %u", info.block_size, bs);
	CHECK(info.physical_block_size == pbs, "physical block %u, QEMU says %u",
	      info.physical_block_size, pbs);
	CHECK(info.capacity * info.block_size == bytes, "capacity %" PRIu64 " x %u, file %" PRIu64,
	      info.capacity, info.block_size, bytes);
	CHECK((info.ops & need) == need, "ops 0x%x lack some of 0x%x", info.ops, need);
	CHECK(!info.read_only, "read-only");
	CHECK(info.seg_align != 0 && info.max_segments >= 1 && info.max_transfer_blocks >= 1,
	      "limits: align %u, segments %u, transfer %u", info.seg_align, info.max_segments,
	      info.max_transfer_blocks);
	printf("info: max segments %u x %u bytes, transfer %u blocks, discard %u blocks, "
	       "write-zeroes %u blocks (unmap %d), write cache %d\n",
	       info.max_segments, info.max_segment_size, info.max_transfer_blocks,
	       info.max_discard_blocks, info.max_write_zeroes_blocks, info.write_zeroes_may_unmap,
	       info.write_cache);
	check_id(arg[4]);
	if (failures == 0)
		printf("PASS info: %" PRIu64 " bytes, logical %u, physical %u\n", bytes, bs, pbs);
	return 0;
}

/* Write, read back, compare: nblocks at lba. */
static void
round_trip(uint64_t lba, uint32_t nblocks, uint8_t tag)
{
	uint32_t len = nblocks * info.block_size;
	uint8_t *rd = buf + BUF_BYTES / 2;
	int ret;

	fill(buf, len, lba, tag);
	ret = io(VBLK_OP_WRITE, 0, lba, nblocks, buf, len);
	CHECK(ret == 0, "write lba %" PRIu64 ": %s", lba, strerror(-ret));
	memset(rd, 0, len);
	ret = io(VBLK_OP_READ, 0, lba, nblocks, rd, len);
	CHECK(ret == 0, "read lba %" PRIu64 ": %s", lba, strerror(-ret));
	CHECK(memcmp(buf, rd, len) == 0, "lba %" PRIu64 " x %u: read back differs", lba, nblocks);
}

static int
cmd_ops(char **arg)
{
	uint32_t bs = info.block_size;
	uint8_t *rd = buf + BUF_BYTES / 2;
	struct vblk_queue_stats st;
	int ret;

	round_trip(16, 8, 0x11);
	round_trip(info.capacity - 1, 1, 0x22); /* the last block */
	round_trip(64, (BUF_BYTES / 2) / bs, 0x33);
	printf("PASS write/read round trips (blocks 16+8, last, 64+%u)\n", (BUF_BYTES / 2) / bs);

	ret = io(VBLK_OP_FLUSH, 0, 0, 0, NULL, 0);
	CHECK(ret == 0, "flush: %s", strerror(-ret));

	/* write-zeroes 16..19: zeros there, 20..23 still what was written */
	ret = io(VBLK_OP_WRITE_ZEROES, 0, 16, 4, NULL, 0);
	CHECK(ret == 0, "write-zeroes: %s", strerror(-ret));
	ret = io(VBLK_OP_READ, 0, 16, 8, rd, 8 * bs);
	CHECK(ret == 0 && all_zero(rd, 4 * bs), "write-zeroes: blocks 16..19 not zero");
	fill(buf, 8 * bs, 16, 0x11);
	CHECK(ret == 0 && memcmp(rd + 4 * bs, buf + 4 * bs, 4 * bs) == 0,
	      "write-zeroes 16..19 touched 20..23");
	if (info.write_zeroes_may_unmap) {
		ret = io(VBLK_OP_WRITE_ZEROES, VBLK_REQ_F_UNMAP, 20, 4, NULL, 0);
		CHECK(ret == 0, "write-zeroes unmap: %s", strerror(-ret));
		ret = io(VBLK_OP_READ, 0, 16, 8, rd, 8 * bs);
		CHECK(ret == 0 && all_zero(rd, 8 * bs), "write-zeroes unmap: 20..23 not zero");
	}
	/* discard: the device may keep or drop the data; only the status */
	ret = io(VBLK_OP_DISCARD, 0, 64, 8, NULL, 0);
	CHECK(ret == 0, "discard: %s", strerror(-ret));
	check_id(arg[1]);
	/* beyond the end: refused before the device */
	ret = io(VBLK_OP_READ, 0, info.capacity, 1, rd, bs);
	CHECK(ret == -ERANGE, "read past the end: %d, not -ERANGE", ret);

	vblk_stats_get(dev, 0, &st);
	CHECK(st.completed[VBLK_OP_FLUSH] == 1 && st.completed[VBLK_OP_DISCARD] == 1 &&
		      st.completed[VBLK_OP_GET_ID] == 1 &&
		      st.completed[VBLK_OP_WRITE_ZEROES] == 1u + info.write_zeroes_may_unmap,
	      "statistics: flush %" PRIu64 " discard %" PRIu64 " get-id %" PRIu64
	      " write-zeroes %" PRIu64,
	      st.completed[VBLK_OP_FLUSH], st.completed[VBLK_OP_DISCARD],
	      st.completed[VBLK_OP_GET_ID], st.completed[VBLK_OP_WRITE_ZEROES]);
	CHECK(st.err_range == 1 && st.err_io == 0, "statistics: range %" PRIu64 " io %" PRIu64,
	      st.err_range, st.err_io);
	if (failures == 0)
		printf("PASS ops: write read flush write-zeroes%s discard get-id (block %u)\n",
		       info.write_zeroes_may_unmap ? " write-zeroes+unmap" : "", bs);
	return 0;
}

static int
cmd_ro(char **arg)
{
	uint32_t bs = info.block_size;
	int ret;

	(void)arg;
	CHECK(info.read_only, "the device does not say read-only");
	ret = io(VBLK_OP_READ, 0, 0, 1, buf, bs);
	CHECK(ret == 0, "read: %s", strerror(-ret));
	ret = io(VBLK_OP_WRITE, 0, 0, 1, buf, bs);
	CHECK(ret == -EROFS, "write: %d, not -EROFS", ret);
	ret = io(VBLK_OP_DISCARD, 0, 0, 1, NULL, 0);
	CHECK(ret == -EROFS || ret == -ENOTSUP, "discard: %d, not -EROFS", ret);
	ret = io(VBLK_OP_WRITE_ZEROES, 0, 0, 1, NULL, 0);
	CHECK(ret == -EROFS || ret == -ENOTSUP, "write-zeroes: %d, not -EROFS", ret);
	ret = io(VBLK_OP_READ, 0, 0, 1, buf, bs);
	CHECK(ret == 0, "read after the refusals: %s", strerror(-ret));
	if (failures == 0)
		printf("PASS read-only: read ok, write -EROFS, queue still works\n");
	return 0;
}

static int
cmd_notsup(char **arg)
{
	int ret;

	(void)arg;
	CHECK(!(info.ops & VBLK_OP_BIT(VBLK_OP_DISCARD)), "discard offered");
	CHECK(!(info.ops & VBLK_OP_BIT(VBLK_OP_WRITE_ZEROES)), "write-zeroes offered");
	ret = io(VBLK_OP_DISCARD, 0, 0, 1, NULL, 0);
	CHECK(ret == -ENOTSUP, "discard: %d, not -ENOTSUP", ret);
	ret = io(VBLK_OP_WRITE_ZEROES, 0, 0, 1, NULL, 0);
	CHECK(ret == -ENOTSUP, "write-zeroes: %d, not -ENOTSUP", ret);
	ret = io(VBLK_OP_WRITE_ZEROES, VBLK_REQ_F_UNMAP, 0, 1, NULL, 0);
	CHECK(ret == -ENOTSUP, "write-zeroes unmap: %d, not -ENOTSUP", ret);
	round_trip(8, 2, 0x44);
	if (failures == 0)
		printf("PASS discard and write-zeroes -ENOTSUP, read/write fine\n");
	return 0;
}

/* n requests of one block each, all enqueued before any dequeue: the
 * queue holds n at once. Then one more is refused, then all complete. */
static int
deep_pass(struct vblk_req *reqs, struct vblk_req **ptrs, uint16_t n, uint8_t op)
{
	struct vblk_req *done[64], *extra = &reqs[n];
	uint64_t deadline = rte_rdtsc() + 30 * rte_get_tsc_hz();
	uint16_t sent = 0, got = 0, k, i;

	while (sent < n) {
		k = vblk_enqueue_burst(dev, 0, &ptrs[sent], RTE_MIN(n - sent, 64));
		if (k == 0)
			break;
		sent += k;
	}
	CHECK(sent == n, "%s: %u of %u enqueued before any dequeue", vblk_op_name(op), sent, n);
	extra->op = VBLK_OP_READ;
	CHECK(vblk_enqueue_burst(dev, 0, &extra, 1) == 0, "request %u accepted on a full queue",
	      (unsigned int)n + 1);
	while (got < sent && rte_rdtsc() < deadline) {
		k = vblk_dequeue_burst(dev, 0, done, 64);
		for (i = 0; i < k; i++)
			CHECK(done[i]->status == 0, "%s lba %" PRIu64 ": %d", vblk_op_name(op),
			      done[i]->lba, done[i]->status);
		got += k;
	}
	CHECK(got == sent, "%s: %u of %u completed", vblk_op_name(op), got, sent);
	return got == n ? 0 : -EIO;
}

static int
cmd_deep(char **arg)
{
	uint16_t n = (uint16_t)strtoul(arg[1], NULL, 0);
	uint32_t bs = info.block_size, i;
	struct vblk_req *reqs = calloc(n + 1u, sizeof(*reqs));
	struct vblk_req **ptrs = calloc(n, sizeof(*ptrs));
	struct vblk_seg *segs = calloc(n + 1u, sizeof(*segs));
	uint8_t *data = rte_malloc(NULL, (size_t)(n + 1u) * bs, 4096);

	CHECK(info.max_queue_depth == n, "max queue depth %u, expected %u", info.max_queue_depth,
	      n);
	if (reqs == NULL || ptrs == NULL || segs == NULL || data == NULL || failures)
		goto out;
	for (i = 0; i <= n; i++) {
		segs[i] = (struct vblk_seg){ data + (size_t)i * bs,
					     rte_mem_virt2iova(data + (size_t)i * bs), bs };
		reqs[i] = (struct vblk_req){
			.op = VBLK_OP_WRITE, .lba = i, .nblocks = 1, .nseg = 1, .segs = &segs[i]
		};
		if (i < n)
			ptrs[i] = &reqs[i];
		fill(segs[i].addr, bs, i, 0x55);
	}
	if (deep_pass(reqs, ptrs, n, VBLK_OP_WRITE) != 0)
		goto out;
	memset(data, 0, (size_t)n * bs);
	for (i = 0; i < n; i++)
		reqs[i].op = VBLK_OP_READ;
	if (deep_pass(reqs, ptrs, n, VBLK_OP_READ) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		fill(buf, bs, i, 0x55);
		CHECK(memcmp(buf, segs[i].addr, bs) == 0, "block %u read back differs", i);
	}
	if (failures == 0)
		printf("PASS %u writes then %u reads in flight at once, data intact\n", n, n);
out:
	free(reqs);
	free(ptrs);
	free(segs);
	rte_free(data);
	return 0;
}

/* Run @p r, waited for. @return its status, or -ETIMEDOUT. */
static int
run_one(struct vblk_req *r)
{
	struct vblk_req *done;
	uint64_t deadline = rte_rdtsc() + IO_TIMEOUT_S * rte_get_tsc_hz();

	if (vblk_enqueue_burst(dev, 0, &r, 1) != 1)
		return -EAGAIN;
	while (vblk_dequeue_burst(dev, 0, &done, 1) == 0)
		if (rte_rdtsc() > deadline)
			return -ETIMEDOUT;
	return done == r ? r->status : -EPROTO;
}

/* One cache mode: QEMU reads it back, and data written then flushed reads back. */
static void
wce_mode(bool on)
{
	struct vblk_dev_info now;
	int ret;

	ret = vblk_dev_set_write_cache(dev, on);
	CHECK(ret == 0, "set write cache %s: %s", on ? "on" : "off", strerror(-ret));
	vblk_dev_info_get(dev, &now);
	CHECK(now.write_cache == on, "write cache %d after setting %d", now.write_cache, on);
	round_trip(16, 4, on ? 0x31 : 0x13);
	ret = io(VBLK_OP_FLUSH, 0, 0, 0, NULL, 0);
	CHECK(ret == 0, "flush: %s", strerror(-ret));
}

static int
cmd_wce(char **arg)
{
	struct vblk_range rg[2] = { { 64, 8 }, { 128, 8 } };
	struct vblk_req r = { .op = VBLK_OP_WRITE_ZEROES, .nranges = 2, .ranges = rg };
	bool first = info.write_cache;
	int ret;

	(void)arg;
	/* QEMU's virtio-blk offers CONFIG_WCE (config-wce=on, its default). */
	CHECK(info.write_cache_settable, "write cache mode not settable (CONFIG_WCE)");
	wce_mode(!first);
	wce_mode(first);
	if (failures == 0)
		printf("PASS write cache %s -> %s -> %s, read back from QEMU, I/O and flush fine\n",
		       first ? "on" : "off", first ? "off" : "on", first ? "on" : "off");
	/* QEMU 7.2 takes one range per request: two are refused, an array of one works. */
	printf("ranges per request: discard %u, write-zeroes %u\n", info.max_discard_ranges,
	       info.max_write_zeroes_ranges);
	if (info.max_write_zeroes_ranges < 2) {
		ret = run_one(&r);
		CHECK(ret == -E2BIG, "two ranges on a one-range device: %d, not -E2BIG", ret);
	}
	fill(buf, 8 * info.block_size, 128, 0x77);
	ret = io(VBLK_OP_WRITE, 0, 128, 8, buf, 8 * info.block_size);
	CHECK(ret == 0, "write: %s", strerror(-ret));
	r = (struct vblk_req){ .op = VBLK_OP_WRITE_ZEROES, .nranges = 1, .ranges = &rg[1] };
	ret = run_one(&r);
	CHECK(ret == 0, "write-zeroes, one range in an array: %s", strerror(-ret));
	memset(buf, 0xee, 8 * info.block_size);
	ret = io(VBLK_OP_READ, 0, 128, 8, buf, 8 * info.block_size);
	CHECK(ret == 0 && all_zero(buf, 8 * info.block_size), "range not zeroed");
	if (failures == 0)
		printf("PASS %u range(s) per write-zeroes; more refused -E2BIG\n",
		       info.max_write_zeroes_ranges);
	return 0;
}

struct command {
	const char *name;
	int nargs; /* after the command: DEV and the rest */
	int (*fn)(char **arg);
	uint16_t depth; /* 0: the default; UINT16_MAX: from arg[1] */
};

static const struct command commands[] = {
	{ "info", 5, cmd_info, 0 },
	{ "ops", 2, cmd_ops, 0 },
	{ "ro", 1, cmd_ro, 0 },
	{ "notsup", 1, cmd_notsup, 0 },
	{ "deep", 2, cmd_deep, UINT16_MAX },
	{ "wce", 1, cmd_wce, 0 },
};

int
main(int argc, char **argv)
{
	const struct command *c = NULL;
	unsigned int i;
	int n = rte_eal_init(argc, argv);

	if (n < 0) {
		printf("FAIL: EAL init\n");
		return 1;
	}
	argc -= n;
	argv += n;
	if (argc >= 2 && strcmp(argv[1], "--") == 0) {
		argc--;
		argv++;
	}
	for (i = 0; argc >= 2 && i < RTE_DIM(commands); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			c = &commands[i];
	if (c == NULL || argc != c->nargs + 2) {
		printf("usage: blk_check [EAL] -- info DEV BS PBS BYTES SERIAL | ops DEV SERIAL | "
		       "ro DEV | notsup DEV | deep DEV DEPTH | wce DEV\n");
		return 1;
	}
	/* aligned to its size: inside one 2 MiB hugepage (IOVA as PA) */
	buf = rte_malloc(NULL, BUF_BYTES, BUF_BYTES);
	if (buf == NULL ||
	    open_dev(argv[2], c->depth == UINT16_MAX ? (uint16_t)atoi(argv[3]) : c->depth) != 0)
		return 1;
	c->fn(&argv[2]);
	vblk_dev_close(dev);
	rte_free(buf);
	rte_eal_cleanup();
	printf("%s: %d failure(s)\n", c->name, failures);
	return failures == 0 ? 0 : 1;
}
