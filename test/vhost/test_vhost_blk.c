/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Host test (suite 'vhost'): blk_vireo_user against qemu-storage-daemon's
 * vhost-user-blk export, no VM. The test starts qemu-storage-daemon (qsd)
 * itself, one per step, and drives blk_vireo_user vdevs through lib/vblk:
 *
 *   raw:  a raw image file in a temp dir, 512- and 4096-byte logical
 *         blocks: every op (read, write, flush, discard, write-zeroes with
 *         and without unmap, get-id, the last block), then a write-verify
 *         of random data (64 MiB / 16 MiB, a crc32c per 4 KiB) from two
 *         lcores on two queues; after the device is closed and qsd exited,
 *         the image file is read back and must hold exactly what was
 *         written (zeroes everywhere else);
 *   null: null-co: every op; no socket -> a clear probe error; queues= above
 *         the export's num-queues -> refused; a read-only export
 *         (writable=off): writes, discard, write-zeroes complete -EROFS,
 *         reads work; the backend killed with requests in flight (null-co
 *         latency-ns=2 s) -> they complete -EIO, no hang; start without a
 *         backend fails; qsd back -> stop/start reconnects; the write cache
 *         switched (CONFIG_WCE, SET_CONFIG) and found so by a new
 *         connection; two discard ranges refused (qsd takes one).
 *
 * Our memory: hugepages, --in-memory --single-file-segments -m 128
 * (devtools/setup.sh reserves them). Bounded waits, no timing assertions:
 * the machine has 2 loaded CPUs.
 *
 *   test_vhost_blk QSD raw|null
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rte_bus_vdev.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_hash_crc.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_random.h>

#include <vblk.h>

#include "vhost_test_util.h"

#define WAIT_S 30
#define UNIT 4096u              /* bookkeeping unit of the image */
#define IMAGE_BYTES (80u << 20) /* raw image */
#define OPS_AREA (64u << 20)    /* ops test area, after the verify region */
#define REQ_BYTES (64u << 10)   /* write-verify request size */
#define DEPTH 16                /* write-verify requests in flight per queue */
#define NQ 2

static char image_path[128];
static const char *qsd;
static unsigned int vdev_seq;

/* What each UNIT of the raw image must hold at the end. */
enum unit_state {
	U_ZERO,
	U_CRC,
	U_ANY
};
static uint8_t unit_state[IMAGE_BYTES / UNIT];
static uint32_t unit_crc[IMAGE_BYTES / UNIT];

/* ---- Backend ---- */

/* Start qsd with @p blockdev exported as @p export_opts (after the common ones). */
static void
backend_start(const char *blockdev, const char *export_opts)
{
	char exp[512];
	char *argv[] = { (char *)qsd, "--blockdev", (char *)blockdev, "--export", exp, NULL };

	snprintf(exp, sizeof(exp),
		 "type=vhost-user-blk,id=e0,node-name=d0,addr.type=unix,addr.path=%s,%s",
		 vt_sock_path, export_opts);
	printf("backend: %s --blockdev %s --export %s\n", qsd, blockdev, exp);
	vt_backend_start(argv, vt_sock_path, WAIT_S);
}

/* ---- Devices ---- */

/* Probe a blk_vireo_user vdev with @p extra devargs; @return rte_vdev_init's result. */
static int
vdev_probe(const char *extra, char *name, size_t len, uint16_t *id)
{
	char args[256];
	int rc;

	snprintf(name, len, "blk_vireo_user%u", vdev_seq++);
	snprintf(args, sizeof(args), "path=%s%s%s", vt_sock_path, extra[0] ? "," : "", extra);
	rc = rte_vdev_init(name, args);
	if (rc == 0)
		CHECK(vblk_dev_get_by_name(name, id) == 0, "%s: no vblk device", name);
	return rc;
}

static void
dev_start(uint16_t id, uint16_t nq, uint16_t depth)
{
	struct vblk_dev_conf conf = { .nb_queues = nq,
				      .queue_depth = depth,
				      .socket_id = SOCKET_ID_ANY };

	CHECK(vblk_dev_configure(id, &conf) == 0, "configure %u queues of %u", nq, depth);
	CHECK(vblk_dev_start(id) == 0, "start");
}

static void
dev_remove(const char *name, uint16_t id)
{
	CHECK(vblk_dev_stop(id) == 0, "stop");
	CHECK(rte_vdev_uninit(name) == 0, "vdev uninit %s", name);
	CHECK(vblk_dev_get_by_name(name, &id) < 0, "vblk device left after uninit");
}

/* Capture EAL log lines while @p fn runs; @return the text (free it). */
static char *
log_of_probe(const char *extra, int *rc)
{
	char name[32], *text = NULL;
	size_t len = 0;
	uint16_t id;
	FILE *f = open_memstream(&text, &len);

	CHECK(f != NULL, "open_memstream");
	rte_openlog_stream(f);
	*rc = vdev_probe(extra, name, sizeof(name), &id);
	rte_openlog_stream(NULL);
	fclose(f);
	printf("%s", text);
	return text;
}

/* ---- Synchronous requests ---- */

static uint8_t *buf;
#define BUF_LEN (1u << 20)

static int
run_req(uint16_t id, uint8_t op, uint64_t lba, uint32_t nblocks, uint32_t bytes, uint32_t flags)
{
	struct vblk_seg seg = { buf, rte_malloc_virt2iova(buf), bytes };
	struct vblk_req req = { .op = op,
				.flags = flags,
				.lba = lba,
				.nblocks = nblocks,
				.nseg = bytes ? 1 : 0,
				.segs = bytes ? &seg : NULL };
	struct vblk_req *r = &req, *done;
	uint64_t deadline = rte_get_timer_cycles() + WAIT_S * rte_get_timer_hz();

	CHECK(vblk_enqueue_burst(id, 0, &r, 1) == 1, "enqueue");
	while (vblk_dequeue_burst(id, 0, &done, 1) == 0) {
		CHECK(rte_get_timer_cycles() < deadline, "op %u lba %" PRIu64 ": no completion", op,
		      lba);
		usleep(10);
	}
	CHECK(done == r, "another request came back");
	return req.status;
}

static void
fill(uint8_t *p, size_t len, uint64_t seed)
{
	for (size_t i = 0; i < len; i += 8) {
		uint64_t v = seed * 0x9e3779b97f4a7c15ull + i;

		memcpy(p + i, &v, 8);
	}
}

static void
expect_units(uint64_t off, uint32_t len, enum unit_state st, const uint8_t *data)
{
	for (uint32_t u = 0; u < len / UNIT; u++) {
		unit_state[off / UNIT + u] = (uint8_t)st;
		if (data != NULL)
			unit_crc[off / UNIT + u] = rte_hash_crc(data + (size_t)u * UNIT, UNIT, 0);
	}
}

static bool
all_zero(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != 0)
			return false;
	return true;
}

/*
 * Every op, in the ops area (byte offset OPS_AREA on) and the last block.
 * @p track: record what the image must hold (raw file).
 */
static void
every_op(uint16_t id, bool track)
{
	struct vblk_dev_info info;
	uint32_t bs, n;
	uint64_t lba;
	const uint32_t len = 64u << 10;

	CHECK(vblk_dev_info_get(id, &info) == 0, "info");
	bs = info.block_size;
	n = len / bs;
	lba = OPS_AREA / bs;
	printf("device: %" PRIu64 " blocks of %u, ops 0x%x, %u queue(s) of depth %u, "
	       "%u segments\n",
	       info.capacity, bs, info.ops, info.max_queues, info.max_queue_depth,
	       info.max_segments);
	/* write + read back */
	fill(buf, len, 1);
	CHECK(run_req(id, VBLK_OP_WRITE, lba, n, len, 0) == 0, "write");
	if (track)
		expect_units(OPS_AREA, len, U_CRC, buf);
	memset(buf, 0, len);
	CHECK(run_req(id, VBLK_OP_READ, lba, n, len, 0) == 0, "read");
	if (track) {
		uint8_t want[64u << 10];

		fill(want, len, 1);
		CHECK(memcmp(buf, want, len) == 0, "read back differs from the write");
	}
	/* write-zeroes without and with unmap, each over written data */
	for (int unmap = 0; unmap <= 1; unmap++) {
		uint64_t l = lba + (uint64_t)(1 + unmap) * n;

		fill(buf, len, 2);
		CHECK(run_req(id, VBLK_OP_WRITE, l, n, len, 0) == 0, "write before wz");
		CHECK(run_req(id, VBLK_OP_WRITE_ZEROES, l, n, 0, unmap ? VBLK_REQ_F_UNMAP : 0) == 0,
		      "write-zeroes unmap=%d", unmap);
		memset(buf, 0xa5, len);
		CHECK(run_req(id, VBLK_OP_READ, l, n, len, 0) == 0, "read after wz");
		CHECK(all_zero(buf, len), "write-zeroes (unmap=%d) left data", unmap);
	}
	/* discard: contents undefined afterwards */
	fill(buf, len, 3);
	CHECK(run_req(id, VBLK_OP_WRITE, lba + 3 * n, n, len, 0) == 0, "write before discard");
	CHECK(run_req(id, VBLK_OP_DISCARD, lba + 3 * n, n, 0, 0) == 0, "discard");
	if (track)
		expect_units(OPS_AREA + 3 * len, len, U_ANY, NULL);
	CHECK(run_req(id, VBLK_OP_FLUSH, 0, 0, 0, 0) == 0, "flush");
	/* the last 4 KiB (one or eight blocks) */
	fill(buf, UNIT, 4);
	CHECK(run_req(id, VBLK_OP_WRITE, info.capacity - UNIT / bs, UNIT / bs, UNIT, 0) == 0,
	      "write the last blocks");
	if (track)
		expect_units(info.capacity * bs - UNIT, UNIT, U_CRC, buf);
	memset(buf, 0, UNIT);
	CHECK(run_req(id, VBLK_OP_READ, info.capacity - 1, 1, bs, 0) == 0, "read last block");
	/* beyond the end: refused by lib/vblk */
	CHECK(run_req(id, VBLK_OP_READ, info.capacity, 1, bs, 0) == -ERANGE, "read past the end");
	/* get-id */
	memset(buf, 0, VBLK_ID_LEN + 1);
	CHECK(run_req(id, VBLK_OP_GET_ID, 0, 0, VBLK_ID_LEN, 0) == 0, "get-id");
	printf("get-id: '%.20s'\n", (const char *)buf);
}

/* ---- Write-verify from two lcores ---- */

struct verify_q {
	uint16_t id, qid;
	uint64_t first, bytes; /* byte range of this queue */
	uint32_t bs;
	bool read_phase;
	int errors;
	uint32_t mismatches;
	uint8_t *bufs[DEPTH];
	struct vblk_seg segs[DEPTH];
	struct vblk_req reqs[DEPTH];
};

static struct verify_q vq[NQ];

/* One pass over the queue's range, DEPTH requests of REQ_BYTES in flight. */
static int
verify_worker(void *arg)
{
	struct verify_q *q = arg;
	uint64_t next = 0, done_bytes = 0;
	unsigned int idle = 0;
	struct vblk_req *free_reqs[DEPTH], *done[DEPTH];
	unsigned int nfree = DEPTH;
	uint64_t deadline = rte_get_timer_cycles() + 4 * WAIT_S * rte_get_timer_hz();

	for (unsigned int i = 0; i < DEPTH; i++)
		free_reqs[i] = &q->reqs[i];
	while (done_bytes < q->bytes && rte_get_timer_cycles() < deadline) {
		uint16_t n;

		while (nfree > 0 && next < q->bytes) {
			struct vblk_req *r = free_reqs[nfree - 1];
			unsigned int slot = (unsigned int)(r - q->reqs);
			uint64_t off = q->first + next;

			if (!q->read_phase) {
				for (uint32_t u = 0; u < REQ_BYTES; u += 8) {
					uint64_t v = rte_rand();

					memcpy(q->bufs[slot] + u, &v, 8);
				}
				expect_units(off, REQ_BYTES, U_CRC, q->bufs[slot]);
			}
			q->segs[slot] = (struct vblk_seg){ q->bufs[slot],
							   rte_malloc_virt2iova(q->bufs[slot]),
							   REQ_BYTES };
			*r = (struct vblk_req){ .op = q->read_phase ? VBLK_OP_READ : VBLK_OP_WRITE,
						.lba = off / q->bs,
						.nblocks = REQ_BYTES / q->bs,
						.nseg = 1,
						.segs = &q->segs[slot],
						.ctx = (void *)(uintptr_t)off };
			if (vblk_enqueue_burst(q->id, q->qid, &r, 1) != 1)
				break;
			nfree--;
			next += REQ_BYTES;
		}
		n = vblk_dequeue_burst(q->id, q->qid, done, DEPTH);
		for (uint16_t i = 0; i < n; i++) {
			struct vblk_req *r = done[i];
			uint64_t off = (uint64_t)(uintptr_t)r->ctx;
			unsigned int slot = (unsigned int)(r - q->reqs);

			if (r->status != 0 && q->errors++ < 5)
				printf("queue %u: %s at %" PRIu64 ": %d\n", q->qid,
				       q->read_phase ? "read" : "write", off, r->status);
			if (q->read_phase && r->status == 0)
				for (uint32_t u = 0; u < REQ_BYTES / UNIT; u++)
					q->mismatches += rte_hash_crc(q->bufs[slot] +
									      (size_t)u * UNIT,
								      UNIT, 0) !=
							 unit_crc[off / UNIT + u];
			free_reqs[nfree++] = r;
			done_bytes += REQ_BYTES;
		}
		/* Share the CPUs with qsd on a loaded 2-CPU host. */
		if (n == 0 && ++idle % 64 == 0)
			usleep(50);
	}
	return done_bytes == q->bytes ? 0 : -ETIMEDOUT;
}

/* Write @p bytes at 0 with random data from two lcores, read back, compare crcs. */
static void
write_verify(uint16_t id, uint64_t bytes)
{
	struct vblk_dev_info info;
	unsigned int worker = rte_get_next_lcore(rte_lcore_id(), 1, 0);
	uint64_t t0 = rte_get_timer_cycles();

	CHECK(vblk_dev_info_get(id, &info) == 0, "info");
	CHECK(worker < RTE_MAX_LCORE, "needs a second lcore");
	for (int phase = 0; phase < 2; phase++) {
		int rc0, rc1;

		for (uint16_t q = 0; q < NQ; q++) {
			vq[q].id = id;
			vq[q].qid = q;
			vq[q].bs = info.block_size;
			vq[q].first = q * (bytes / NQ);
			vq[q].bytes = bytes / NQ;
			vq[q].read_phase = phase == 1;
			for (unsigned int i = 0; i < DEPTH && vq[q].bufs[i] == NULL; i++) {
				vq[q].bufs[i] = rte_malloc(NULL, REQ_BYTES, 4096);
				CHECK(vq[q].bufs[i] != NULL, "buffer");
			}
		}
		/* Queue 1 on the worker lcore, queue 0 here: two lcores, two queues. */
		CHECK(rte_eal_remote_launch(verify_worker, &vq[1], worker) == 0, "launch");
		rc0 = verify_worker(&vq[0]);
		rc1 = rte_eal_wait_lcore(worker);
		CHECK(rc0 == 0 && rc1 == 0, "%s did not finish", phase ? "read-back" : "write");
		for (uint16_t q = 0; q < NQ; q++)
			CHECK(vq[q].errors == 0 && vq[q].mismatches == 0,
			      "queue %u: %d errors, %u crc mismatches", q, vq[q].errors,
			      vq[q].mismatches);
	}
	printf("write-verify: %" PRIu64 " MiB written and read back on %d queues from lcores %u "
	       "and %u in %.2f s, every 4 KiB crc equal\n",
	       bytes >> 20, NQ, rte_lcore_id(), worker,
	       (double)(rte_get_timer_cycles() - t0) / rte_get_timer_hz());
	for (uint16_t q = 0; q < NQ; q++)
		for (unsigned int i = 0; i < DEPTH; i++) {
			rte_free(vq[q].bufs[i]);
			vq[q].bufs[i] = NULL;
		}
}

/* The image file holds exactly what was written: crcs where written, zeroes elsewhere. */
static void
check_image(void)
{
	int fd = open(image_path, O_RDONLY);
	uint8_t *unit = malloc(UNIT);
	unsigned int bad = 0, crcs = 0;

	CHECK(fd >= 0 && unit != NULL, "open %s", image_path);
	for (uint32_t u = 0; u < IMAGE_BYTES / UNIT; u++) {
		CHECK(pread(fd, unit, UNIT, (off_t)u * UNIT) == UNIT, "read image unit %u", u);
		if (unit_state[u] == U_CRC) {
			crcs++;
			if (rte_hash_crc(unit, UNIT, 0) != unit_crc[u] && bad++ < 5)
				printf("image unit %u (offset %u): crc differs\n", u, u * UNIT);
		} else if (unit_state[u] == U_ZERO && !all_zero(unit, UNIT) && bad++ < 5) {
			printf("image unit %u (offset %u): not zero\n", u, u * UNIT);
		}
	}
	close(fd);
	free(unit);
	CHECK(bad == 0, "image: %u units differ from what was written", bad);
	printf("image file: %u units of 4 KiB as written, the rest zero\n", crcs);
}

/* ---- Scenarios ---- */

/*
 * CONFIG_WCE over vhost-user: the mode goes to qsd with SET_CONFIG, and a
 * new connection (GET_CONFIG) finds qsd kept it. qsd offers one range per
 * DISCARD / WRITE_ZEROES: two are refused -E2BIG, one in an array works.
 */
static void
write_cache_and_ranges(void)
{
	const char *blockdev = "driver=null-co,node-name=d0,size=1073741824";
	struct vblk_range rg[2] = { { 8, 8 }, { 64, 8 } };
	struct vblk_req req = { .op = VBLK_OP_DISCARD, .nranges = 2, .ranges = rg };
	struct vblk_req *r = &req, *done;
	struct vblk_dev_info info;
	char name[32];
	uint16_t id;
	bool first;

	backend_start(blockdev, "writable=on");
	CHECK(vdev_probe("", name, sizeof(name), &id) == 0, "probe %s", name);
	CHECK(vblk_dev_info_get(id, &info) == 0 && info.write_cache_settable,
	      "qsd offers CONFIG_WCE: the cache mode should be settable");
	first = info.write_cache;
	CHECK(info.max_discard_ranges == 1 && info.max_write_zeroes_ranges == 1,
	      "qsd: %u discard / %u write-zeroes ranges per request (1 expected)",
	      info.max_discard_ranges, info.max_write_zeroes_ranges);
	dev_start(id, 1, 8);
	CHECK(vblk_dev_set_write_cache(id, !first) == 0, "set write cache %d", !first);
	CHECK(vblk_dev_info_get(id, &info) == 0 && info.write_cache == !first, "info: mode");
	CHECK(run_req(id, VBLK_OP_FLUSH, 0, 0, 0, 0) == 0, "flush");
	CHECK(vblk_enqueue_burst(id, 0, &r, 1) == 1, "enqueue 2 ranges");
	CHECK(vblk_dequeue_burst(id, 0, &done, 1) == 1 && done->status == -E2BIG,
	      "two ranges on a one-range device: %d, -E2BIG expected", req.status);
	req = (struct vblk_req){ .op = VBLK_OP_DISCARD, .nranges = 1, .ranges = rg };
	CHECK(vblk_enqueue_burst(id, 0, &r, 1) == 1, "enqueue 1 range");
	while (vblk_dequeue_burst(id, 0, &done, 1) == 0)
		usleep(10);
	CHECK(req.status == 0, "one range in an array: %d", req.status);
	dev_remove(name, id);
	/* A new connection reads qsd's config: the mode stuck. */
	CHECK(vdev_probe("", name, sizeof(name), &id) == 0, "probe %s again", name);
	CHECK(vblk_dev_info_get(id, &info) == 0 && info.write_cache == !first,
	      "qsd's write cache after SET_CONFIG: %d, %d expected", info.write_cache, !first);
	printf("write cache: %s by default, %s after vblk_dev_set_write_cache(), seen by a new "
	       "connection\n",
	       first ? "on" : "off", first ? "off" : "on");
	dev_start(id, 1, 8);
	CHECK(vblk_dev_set_write_cache(id, first) == 0, "set write cache back");
	dev_remove(name, id);
	vt_backend_stop(SIGTERM);
}

static void
raw_image(uint32_t block_size, uint64_t verify_bytes)
{
	char blockdev[256], exp[128], name[32];
	uint16_t id;
	int fd;

	snprintf(image_path, sizeof(image_path), "%s/disk-%u.img", vt_tmp_dir, block_size);
	fd = open(image_path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0 && ftruncate(fd, IMAGE_BYTES) == 0, "create %s", image_path);
	close(fd);
	memset(unit_state, U_ZERO, sizeof(unit_state));
	snprintf(blockdev, sizeof(blockdev), "driver=file,filename=%s,node-name=d0", image_path);
	snprintf(exp, sizeof(exp), "writable=on,num-queues=%d,logical-block-size=%u", NQ,
		 block_size);
	backend_start(blockdev, exp);
	CHECK(vdev_probe("queues=2", name, sizeof(name), &id) == 0, "probe %s", name);
	{
		struct vblk_dev_info info;

		CHECK(vblk_dev_info_get(id, &info) == 0 && info.block_size == block_size,
		      "logical block size %u, export said %u", info.block_size, block_size);
	}
	dev_start(id, NQ, DEPTH);
	every_op(id, true);
	write_verify(id, verify_bytes);
	dev_remove(name, id);
	vt_backend_stop(SIGTERM);
	check_image();
	unlink(image_path);
}

/*
 * vblk_dev_conf.intr: INTR_READS reads one at a time, each waited for
 * asleep (enable, poll on the queue's fd, read its counter, disable,
 * dequeue); the backend's call eventfd wakes us. Then an idle wait times
 * out. The thread's CPU time stays well below the wall time.
 */
#define INTR_READS 200
static void
intr_sleeping_reads(uint16_t id)
{
	struct vblk_dev_conf conf = {
		.nb_queues = 1, .queue_depth = DEPTH, .socket_id = SOCKET_ID_ANY, .intr = true
	};
	uint64_t hz = rte_get_timer_hz(), t0 = rte_get_timer_cycles();
	double cpu0 = vt_thread_cpu_s(), cpu, wall;
	unsigned int wakeups = 0;
	struct pollfd p;

	CHECK(vblk_dev_configure(id, &conf) == 0, "configure with intr");
	CHECK(vblk_dev_start(id) == 0, "start");
	p.fd = vblk_queue_intr_fd(id, 0);
	p.events = POLLIN;
	CHECK(p.fd >= 0, "no interrupt fd: %d", p.fd);
	for (unsigned int i = 0; i < INTR_READS; i++) {
		struct vblk_seg seg = { buf, rte_malloc_virt2iova(buf), 4096 };
		struct vblk_req req = {
			.op = VBLK_OP_READ, .lba = i * 8, .nblocks = 8, .nseg = 1, .segs = &seg
		};
		struct vblk_req *r = &req, *done = NULL;
		uint64_t cnt;

		CHECK(vblk_enqueue_burst(id, 0, &r, 1) == 1, "enqueue");
		while (vblk_dequeue_burst(id, 0, &done, 1) == 0) {
			CHECK(vblk_queue_intr_enable(id, 0) == 0, "intr enable");
			CHECK(poll(&p, 1, WAIT_S * 1000) == 1, "read %u: no interrupt in %d s", i,
			      WAIT_S);
			CHECK(read(p.fd, &cnt, sizeof(cnt)) == sizeof(cnt), "read the fd");
			CHECK(vblk_queue_intr_disable(id, 0) == 0, "intr disable");
			wakeups++;
		}
		CHECK(done == r && req.status == 0, "read %u: status %d", i, req.status);
	}
	CHECK(vblk_queue_intr_enable(id, 0) == 0, "intr enable");
	CHECK(poll(&p, 1, 200) == 0, "woken with nothing in flight");
	CHECK(vblk_queue_intr_disable(id, 0) == 0, "intr disable");
	cpu = vt_thread_cpu_s() - cpu0;
	wall = (double)(rte_get_timer_cycles() - t0) / (double)hz;
	printf("completion interrupts: %d reads, %u wakeups, cpu %.3f s of %.3f s wall\n",
	       INTR_READS, wakeups, cpu, wall);
	CHECK(wakeups > 0, "never woken by the backend");
	CHECK(cpu < 0.5 * wall, "%.3f s cpu in %.3f s: spinning", cpu, wall);
}

static void
null_device(void)
{
	const char *blockdev = "driver=null-co,node-name=d0,size=1073741824,read-zeroes=on";
	char name[32], *text;
	uint16_t id;
	int rc;

	vt_step("no backend: the probe fails naming the fix");
	text = log_of_probe("", &rc);
	CHECK(rc < 0 && strstr(text, "start the backend first") != NULL &&
		      strstr(text, "qemu-storage-daemon") != NULL,
	      "probe without a backend: rc %d", rc);
	free(text);

	vt_step("null-co, 2 queues: every op; queues=3 refused");
	backend_start(blockdev, "writable=on,num-queues=2");
	text = log_of_probe("queues=3", &rc);
	CHECK(rc < 0 && strstr(text, "serves 2 queue(s)") != NULL, "queues=3 accepted (%d)", rc);
	free(text);
	CHECK(vdev_probe("", name, sizeof(name), &id) == 0, "probe");
	dev_start(id, NQ, DEPTH);
	every_op(id, false);
	dev_remove(name, id);
	vt_backend_stop(SIGTERM);

	vt_step("completion interrupts: a sleeper woken by every completion, no spinning");
	backend_start(blockdev, "writable=on");
	CHECK(vdev_probe("", name, sizeof(name), &id) == 0, "probe");
	intr_sleeping_reads(id);
	dev_remove(name, id);
	vt_backend_stop(SIGTERM);

	vt_step("read-only export: writes refused -EROFS, reads work");
	backend_start(blockdev, "writable=off");
	CHECK(vdev_probe("", name, sizeof(name), &id) == 0, "probe");
	{
		struct vblk_dev_info info;

		CHECK(vblk_dev_info_get(id, &info) == 0 && info.read_only, "not read-only");
	}
	dev_start(id, 1, DEPTH);
	CHECK(run_req(id, VBLK_OP_READ, 0, 8, 4096, 0) == 0, "read on a read-only export");
	CHECK(run_req(id, VBLK_OP_WRITE, 0, 8, 4096, 0) == -EROFS, "write not -EROFS");
	CHECK(run_req(id, VBLK_OP_DISCARD, 0, 8, 0, 0) == -EROFS, "discard not -EROFS");
	CHECK(run_req(id, VBLK_OP_WRITE_ZEROES, 0, 8, 0, 0) == -EROFS, "wz not -EROFS");
	dev_remove(name, id);
	vt_backend_stop(SIGTERM);

	vt_step("backend killed with requests in flight: -EIO, no hang; back: reconnects");
	backend_start("driver=null-co,node-name=d0,size=1073741824,latency-ns=2000000000",
		      "writable=on");
	CHECK(vdev_probe("", name, sizeof(name), &id) == 0, "probe");
	dev_start(id, 1, DEPTH);
	{
		struct vblk_seg segs[DEPTH];
		struct vblk_req reqs[DEPTH], *pr[DEPTH], *done[DEPTH];
		unsigned int got = 0, eio = 0;
		uint64_t t0, deadline;
		char *log_text = NULL;
		size_t log_len = 0;
		FILE *log;

		for (unsigned int i = 0; i < DEPTH; i++) {
			segs[i] = (struct vblk_seg){ buf + i * 4096,
						     rte_malloc_virt2iova(buf) + i * 4096, 4096 };
			reqs[i] = (struct vblk_req){ .op = VBLK_OP_READ,
						     .lba = i * 8,
						     .nblocks = 8,
						     .nseg = 1,
						     .segs = &segs[i] };
			pr[i] = &reqs[i];
		}
		CHECK(vblk_enqueue_burst(id, 0, pr, DEPTH) == DEPTH, "enqueue");
		usleep(200 * 1000); /* let qsd take some of them */
		/*
		 * An empty poll now reads the status, the next one would come 100 ms
		 * later: the hang-up must be the socket watch's (logged "(socket
		 * event)"), which lets the queue read the status at once.
		 */
		CHECK(vblk_dequeue_burst(id, 0, done, DEPTH) == 0, "a 2 s request completed");
		log = open_memstream(&log_text, &log_len);
		CHECK(log != NULL, "open_memstream");
		rte_openlog_stream(log);
		vt_backend_stop(SIGKILL);
		t0 = rte_get_timer_cycles();
		deadline = t0 + WAIT_S * rte_get_timer_hz();
		while (got < DEPTH && rte_get_timer_cycles() < deadline) {
			uint16_t n = vblk_dequeue_burst(id, 0, done, DEPTH);

			for (uint16_t i = 0; i < n; i++)
				eio += done[i]->status == -EIO;
			got += n;
			if (n == 0)
				usleep(100);
		}
		rte_openlog_stream(NULL);
		fclose(log);
		printf("%sbackend killed: %u of %d requests back (%u -EIO) after %.3f s\n",
		       log_text, got, DEPTH, eio,
		       (double)(rte_get_timer_cycles() - t0) / rte_get_timer_hz());
		CHECK(strstr(log_text, "(socket event)") != NULL,
		      "the hang-up was not seen by the socket watch");
		free(log_text);
		CHECK(got == DEPTH && eio == DEPTH, "requests in flight did not fail -EIO");
		CHECK(vblk_dequeue_burst(id, 0, done, DEPTH) == 0, "a request came back twice");
	}
	CHECK(vblk_dev_stop(id) == 0, "stop after the backend died");
	CHECK(vblk_dev_start(id) < 0, "start without a backend succeeded");
	backend_start(blockdev, "writable=on");
	CHECK(vblk_dev_start(id) == 0, "start after the backend came back");
	CHECK(run_req(id, VBLK_OP_READ, 0, 8, 4096, 0) == 0, "read after reconnect");
	dev_remove(name, id);
	vt_backend_stop(SIGTERM);
}

int
main(int argc, char **argv)
{
	CHECK(argc == 3 && (strcmp(argv[2], "raw") == 0 || strcmp(argv[2], "null") == 0),
	      "usage: %s QEMU_STORAGE_DAEMON raw|null", argv[0]);
	qsd = argv[1];
	vt_init(argv[0], "0@0,1@1", "128", false, "pmd.blk.vireo:info");
	buf = rte_malloc(NULL, BUF_LEN, 4096);
	CHECK(buf != NULL, "buffer");
	if (strcmp(argv[2], "raw") == 0) {
		vt_step("raw image, 512-byte blocks: every op, 64 MiB write-verify, image check");
		raw_image(512, 64u << 20);
		vt_step("raw image, 4096-byte blocks: every op, 16 MiB write-verify, image check");
		raw_image(4096, 16u << 20);
	} else {
		vt_step("write cache (CONFIG_WCE) through SET_CONFIG; one range per discard");
		write_cache_and_ranges();
		null_device();
	}
	rte_free(buf);
	rte_eal_cleanup();
	vt_tmp_remove();
	printf("PASS\n");
	return 0;
}
