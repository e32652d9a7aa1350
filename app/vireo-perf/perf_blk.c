/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Block engine: one vblk device (lib/vblk; blk_vireo is linked in), N
 * queues of depth D, one worker lcore per queue moving requests with
 * enqueue/dequeue bursts. fio's vocabulary for the workload. Every request
 * slot (request, segments, hugepage buffer) is set up before the run: the
 * data path allocates nothing. Latency is measured in TSC cycles into a
 * log-linear histogram per queue (16 sub-buckets per power of two: about
 * 6 % resolution), merged for the percentiles.
 *
 * --verify crc32c: each queue writes every bs-sized unit of its slice of
 * the region once (data from perf_pattern.h, its crc32c kept per unit),
 * then reads the slice back and compares checksums; the run ends when
 * every queue is through.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_hash_crc.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_memory.h>

#include <vblk.h>

#include "perf_engine.h"
#include "perf_pattern.h"
#include "perf_seq.h"

#define ERR(...) fprintf(stderr, "vireo-perf: " __VA_ARGS__)

#define BLK_BURST 32
#define LAT_SUB_BITS 4
#define LAT_BUCKETS (64 << LAT_SUB_BITS)
#define DRAIN_SECONDS 5
#define MAX_ERR_LOGS 5 /* per queue: the first errors are printed */
#define HUGEPAGE_2M (2u << 20)

/* Written by the queue's lcore, read by the main lcore as one consistent set
 * (perf_seq.h). */
struct blk_counters {
	uint64_t seq; /* sequence count: odd while the writer updates the set */
	uint64_t reads;
	uint64_t writes;
	uint64_t read_bytes;
	uint64_t write_bytes;
	uint64_t errors;
	uint64_t verify_bad;
	uint64_t lat_cycles; /* sum over completed requests */
};

struct blk_slot {
	struct vblk_req req;
	uint64_t unit; /* bs-sized unit of the device */
	uint64_t submit_tsc;
	uint8_t *buf;
};

enum verify_phase {
	PHASE_WRITE,
	PHASE_READ,
	PHASE_DONE
};

struct blk_queue {
	struct blk_counters cnt __rte_cache_aligned;
	uint64_t hist[LAT_BUCKETS]; /* measured window only */
	uint64_t hist_n;
	uint64_t hist_sum;
	uint64_t lat_max;
	volatile int finished; /* verify: both passes are done */

	struct perf_blk *blk __rte_cache_aligned;
	uint16_t qid;
	unsigned int lcore;
	struct blk_slot *slots;
	struct vblk_seg *segs;
	struct vblk_req **free; /* stack of idle requests */
	unsigned int nfree;
	unsigned int inflight;
	uint64_t slice_first; /* units of this queue's slice (sequential, verify) */
	uint64_t slice_len;
	uint64_t cursor; /* next issue index in the slice */
	uint64_t done_in_phase;
	uint64_t stride; /* randwrite verify: coprime with slice_len */
	uint64_t rng;
	enum verify_phase phase;
	uint32_t *crc; /* verify: crc32c per unit of the slice */
	unsigned int err_logs;
	/* --idle sleep: completion interrupts; CPU time of the worker's thread */
	bool sleep;
	int intr_fd;
	clockid_t cpu_clock;
	int cpu_clock_ok; /* atomic: cpu_clock is set */
	uint64_t sleeps;  /* written by the worker (relaxed) */
	uint64_t wakeups;
	double cpu_mark, cpu_final; /* read by the main lcore */
	uint64_t sleeps_mark, wakeups_mark, sleeps_final, wakeups_final;
};

struct blk_snap {
	struct blk_counters c;
	uint64_t doorbells; /* the driver's notifications (vblk stats), all queues */
	uint64_t tsc;
};

struct perf_blk {
	const struct perf_config *cfg;
	const struct perf_blk_config *bc;
	uint16_t dev_id;
	bool started;
	struct vblk_dev_info info;
	uint32_t blocks_per_unit;
	uint64_t first_unit; /* region in bs units */
	uint64_t nb_units;
	uint16_t nseg;
	uint32_t seg_len;
	unsigned int nq;
	struct blk_queue *q;
	volatile int stop;
	volatile int measuring;
	struct blk_snap prev, mark, final;
	bool marked;
	uint64_t stuck; /* requests never completed at the end */
};

static uint64_t
rng_next(uint64_t *s)
{
	uint64_t x = *s; /* xorshift64* */

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * UINT64_C(0x2545f4914f6cdd1d);
}

static uint64_t
rng_below(uint64_t *s, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)rng_next(s) * n) >> 64);
}

/* ---- latency histogram ---------------------------------------------- */

static unsigned int
lat_bucket(uint64_t c)
{
	unsigned int msb;

	if (c < (1u << LAT_SUB_BITS))
		return (unsigned int)c;
	msb = 63u - (unsigned int)__builtin_clzll(c);
	return ((msb - LAT_SUB_BITS + 1) << LAT_SUB_BITS) +
	       (unsigned int)((c >> (msb - LAT_SUB_BITS)) & ((1u << LAT_SUB_BITS) - 1));
}

/* Middle of a bucket, in cycles. */
static double
lat_bucket_mid(unsigned int b)
{
	unsigned int shift;

	if (b < (1u << LAT_SUB_BITS))
		return b;
	shift = (b >> LAT_SUB_BITS) - 1;
	return (double)((uint64_t)((1u << LAT_SUB_BITS) + (b & ((1u << LAT_SUB_BITS) - 1)))
			<< shift) +
	       (double)(UINT64_C(1) << shift) / 2.0;
}

/* ---- data path -------------------------------------------------------- */

static uint64_t
slice_index(const struct blk_queue *q, uint64_t i)
{
	/* randwrite verify visits the slice in a shuffled order, each unit
	 * once: i * stride mod n is a permutation when they are coprime */
	if (q->stride != 0)
		return (uint64_t)(((unsigned __int128)i * q->stride) % q->slice_len);
	return i;
}

/* Unit and op of the next request; false when the verify pass has issued
 * everything. */
static bool
next_io(struct blk_queue *q, uint64_t i, uint64_t *unit, uint8_t *op)
{
	const struct perf_blk *blk = q->blk;
	enum perf_blk_rw rw = blk->bc->rw;

	if (blk->bc->verify != PERF_VERIFY_NONE) {
		if (q->phase == PHASE_DONE || i >= q->slice_len)
			return false;
		*unit = q->slice_first + slice_index(q, i);
		*op = q->phase == PHASE_WRITE ? VBLK_OP_WRITE : VBLK_OP_READ;
		return true;
	}
	if (perf_blk_rw_random(rw))
		*unit = blk->first_unit + rng_below(&q->rng, blk->nb_units);
	else
		*unit = q->slice_first + i % q->slice_len;
	if (rw == PERF_BLK_RANDRW)
		*op = rng_below(&q->rng, 100) < blk->bc->rwmixread ? VBLK_OP_READ : VBLK_OP_WRITE;
	else
		*op = perf_blk_rw_writes(rw) ? VBLK_OP_WRITE : VBLK_OP_READ;
	return true;
}

static void
submit(struct blk_queue *q)
{
	const struct perf_blk *blk = q->blk;
	struct vblk_req *reqs[BLK_BURST];
	uint64_t tsc = rte_rdtsc();
	unsigned int n = 0, k;

	while (n < RTE_MIN(q->nfree, (unsigned int)BLK_BURST)) {
		struct vblk_req *r = q->free[q->nfree - 1 - n];
		struct blk_slot *s = r->ctx;
		uint8_t op;

		if (!next_io(q, q->cursor + n, &s->unit, &op))
			break;
		r->op = op;
		r->lba = s->unit * blk->blocks_per_unit;
		r->status = 0;
		s->submit_tsc = tsc;
		if (op == VBLK_OP_WRITE && blk->bc->verify != PERF_VERIFY_NONE) {
			uint64_t addr = s->unit * blk->bc->bs;

			perf_pattern_fill(s->buf, addr, blk->bc->bs, blk->bc->seed);
			q->crc[s->unit - q->slice_first] = rte_hash_crc(s->buf, blk->bc->bs,
									UINT32_MAX);
		}
		reqs[n++] = r;
	}
	if (n == 0)
		return;
	k = vblk_enqueue_burst(blk->dev_id, q->qid, reqs, (uint16_t)n);
	/* the accepted ones are a prefix: the top k of the stack */
	q->nfree -= k;
	q->inflight += k;
	q->cursor += k;
}

static void
log_error(struct blk_queue *q, const struct blk_slot *s, const char *what)
{
	if (q->err_logs >= MAX_ERR_LOGS)
		return;
	q->err_logs++;
	ERR("queue %u: %s lba %" PRIu64 ": %s%s\n", q->qid, vblk_op_name(s->req.op), s->req.lba,
	    what, q->err_logs == MAX_ERR_LOGS ? " (further errors not shown)" : "");
}

static void
complete(struct blk_queue *q, struct vblk_req *r, uint64_t now)
{
	struct blk_slot *s = r->ctx;
	const struct perf_blk *blk = q->blk;
	uint64_t lat = now - s->submit_tsc;
	uint32_t bs = blk->bc->bs;
	bool bad;

	q->inflight--;
	q->free[q->nfree++] = r;
	q->done_in_phase++;
	if (r->status != 0) {
		perf_seq_write_begin(&q->cnt.seq);
		perf_cnt_add(&q->cnt.errors, 1);
		perf_seq_write_end(&q->cnt.seq);
		log_error(q, s, strerror(-r->status));
		return;
	}
	bad = r->op == VBLK_OP_READ && blk->bc->verify != PERF_VERIFY_NONE &&
	      rte_hash_crc(s->buf, bs, UINT32_MAX) != q->crc[s->unit - q->slice_first];
	perf_seq_write_begin(&q->cnt.seq);
	if (r->op == VBLK_OP_READ) {
		perf_cnt_add(&q->cnt.reads, 1);
		perf_cnt_add(&q->cnt.read_bytes, bs);
		perf_cnt_add(&q->cnt.verify_bad, bad);
	} else {
		perf_cnt_add(&q->cnt.writes, 1);
		perf_cnt_add(&q->cnt.write_bytes, bs);
	}
	perf_cnt_add(&q->cnt.lat_cycles, lat);
	perf_seq_write_end(&q->cnt.seq);
	if (bad)
		log_error(q, s, "read back differs from what was written");
	if (__atomic_load_n(&blk->measuring, __ATOMIC_RELAXED)) {
		q->hist[lat_bucket(lat)]++;
		q->hist_n++;
		q->hist_sum += lat;
		if (lat > q->lat_max)
			q->lat_max = lat;
	}
}

/* Verify: after the last write of the slice, read it back; then done. */
static void
verify_advance(struct blk_queue *q)
{
	if (q->blk->bc->verify == PERF_VERIFY_NONE || q->phase == PHASE_DONE ||
	    q->done_in_phase < q->slice_len || q->inflight != 0)
		return;
	if (q->phase == PHASE_WRITE) {
		q->phase = PHASE_READ;
		q->cursor = 0;
		q->done_in_phase = 0;
	} else {
		q->phase = PHASE_DONE;
		__atomic_store_n(&q->finished, 1, __ATOMIC_RELEASE);
	}
}

static unsigned int
reap(struct blk_queue *q)
{
	struct vblk_req *done[BLK_BURST];
	unsigned int n, i;
	uint64_t now;

	n = vblk_dequeue_burst(q->blk->dev_id, q->qid, done, BLK_BURST);
	if (n == 0)
		return 0;
	now = rte_rdtsc();
	for (i = 0; i < n; i++)
		complete(q, done[i], now);
	return n;
}

/* Longest sleep, so that a stop request is seen in time. */
#define BLK_SLEEP_MS 10

/*
 * --idle sleep: nothing completed for a while with requests in flight:
 * sleep on the queue's completion interrupt (enable, poll the fd, read its
 * counter, disable).
 */
static void
idle_sleep(struct blk_queue *q)
{
	struct pollfd p = { .fd = q->intr_fd, .events = POLLIN };
	uint64_t cnt;

	if (vblk_queue_intr_enable(q->blk->dev_id, q->qid) != 0)
		return;
	if (poll(&p, 1, BLK_SLEEP_MS) == 1 && read(q->intr_fd, &cnt, sizeof(cnt)) > 0)
		perf_cnt_add(&q->wakeups, 1);
	vblk_queue_intr_disable(q->blk->dev_id, q->qid);
	perf_cnt_add(&q->sleeps, 1);
}

static double
queue_cpu_s(const struct blk_queue *q)
{
	struct timespec ts;

	if (!__atomic_load_n(&q->cpu_clock_ok, __ATOMIC_ACQUIRE) ||
	    clock_gettime(q->cpu_clock, &ts) != 0)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
blk_worker(void *arg)
{
	struct blk_queue *q = arg;
	struct perf_blk *blk = q->blk;
	unsigned int empty = 0;
	uint64_t deadline;

	/* The main lcore reads this thread's CPU time through its clock. */
	if (pthread_getcpuclockid(pthread_self(), &q->cpu_clock) == 0)
		__atomic_store_n(&q->cpu_clock_ok, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&blk->stop, __ATOMIC_RELAXED) && q->phase != PHASE_DONE) {
		unsigned int got;

		submit(q);
		got = reap(q);
		verify_advance(q);
		if (!q->sleep || got > 0 || q->inflight == 0)
			empty = 0;
		else if (++empty >= blk->cfg->idle_polls) {
			idle_sleep(q);
			empty = 0;
		}
	}
	/* what is in flight completes before the device stops */
	deadline = rte_rdtsc() + DRAIN_SECONDS * rte_get_tsc_hz();
	while (q->inflight > 0 && rte_rdtsc() < deadline)
		reap(q);
	return 0;
}

/* ---- setup ---------------------------------------------------------- */

static int
find_device(struct perf_blk *blk)
{
	const char *name = blk->bc->dev;
	uint16_t id;

	if (name != NULL) {
		if (vblk_dev_get_by_name(name, &blk->dev_id) != 0) {
			ERR("--dev %s: no such vblk device (%u found; allow it with EAL -a "
			    "and bind it to uio_pci_generic or vfio-pci, or name a vhost-user "
			    "one with --vdev blk_vireo_user0,path=SOCKET)\n",
			    name, vblk_dev_count());
			return -ENODEV;
		}
		return 0;
	}
	for (id = 0; id < VBLK_MAX_DEVS; id++) {
		if (vblk_dev_is_valid(id)) {
			blk->dev_id = id;
			return 0;
		}
	}
	ERR("no vblk block device found (blk mode drives virtio-blk devices through "
	    "blk_vireo: allow one with EAL -a PCI_ADDR, bound to uio_pci_generic or "
	    "vfio-pci, or a vhost-user-blk backend with --vdev "
	    "blk_vireo_user0,path=SOCKET)\n");
	return -ENODEV;
}

static int
check_workload(struct perf_blk *blk)
{
	const struct perf_blk_config *bc = blk->bc;
	const struct vblk_dev_info *in = &blk->info;
	uint64_t cap = in->capacity * in->block_size;
	uint64_t size = bc->size;
	uint32_t need = VBLK_OP_BIT(VBLK_OP_READ);

	if (bc->bs % in->block_size != 0) {
		ERR("--bs %u is not a multiple of the device's %u-byte logical block\n", bc->bs,
		    in->block_size);
		return -EINVAL;
	}
	if (bc->bs / in->block_size > in->max_transfer_blocks) {
		ERR("--bs %u: the device transfers at most %" PRIu64 " bytes per request\n", bc->bs,
		    (uint64_t)in->max_transfer_blocks * in->block_size);
		return -EINVAL;
	}
	if (bc->offset % bc->bs != 0 || bc->offset >= cap) {
		ERR("--offset %" PRIu64
		    ": must be a multiple of --bs %u below the capacity %" PRIu64 " bytes\n",
		    bc->offset, bc->bs, cap);
		return -EINVAL;
	}
	if (size == 0)
		size = cap - bc->offset;
	if (size > cap - bc->offset) {
		ERR("--offset %" PRIu64 " + --size %" PRIu64 " exceeds the capacity %" PRIu64
		    " bytes\n",
		    bc->offset, size, cap);
		return -EINVAL;
	}
	blk->blocks_per_unit = bc->bs / in->block_size;
	blk->first_unit = bc->offset / bc->bs;
	blk->nb_units = size / bc->bs;
	if (blk->nb_units < bc->queues) {
		ERR("--size %" PRIu64 ": %" PRIu64 " request(s) of --bs %u, fewer than the %u "
		    "queue(s)\n",
		    size, blk->nb_units, bc->bs, bc->queues);
		return -EINVAL;
	}
	if (perf_blk_rw_writes(bc->rw)) {
		if (in->read_only) {
			ERR("%s is read-only: --rw %s writes\n", vblk_dev_name(blk->dev_id),
			    perf_blk_rw_name(bc->rw));
			return -EROFS;
		}
		need |= VBLK_OP_BIT(VBLK_OP_WRITE);
	}
	if ((in->ops & need) != need) {
		ERR("%s cannot %s\n", vblk_dev_name(blk->dev_id), perf_blk_rw_name(bc->rw));
		return -ENOTSUP;
	}
	if (bc->queues > in->max_queues) {
		ERR("--queues %u: %s has %u queue(s)\n", bc->queues, vblk_dev_name(blk->dev_id),
		    in->max_queues);
		return -EINVAL;
	}
	if (bc->iodepth > in->max_queue_depth) {
		ERR("--iodepth %u: %s takes at most %u requests in flight per queue\n", bc->iodepth,
		    vblk_dev_name(blk->dev_id), in->max_queue_depth);
		return -EINVAL;
	}
	return 0;
}

/* Segments: each inside one 2 MiB hugepage (IOVA as PA keeps no more
 * contiguous than that) and within the device's segment size. */
static int
plan_segments(struct perf_blk *blk)
{
	const struct vblk_dev_info *in = &blk->info;
	uint32_t len = RTE_MIN(blk->bc->bs, HUGEPAGE_2M);

	if (in->max_segment_size < len)
		len = in->max_segment_size >= 4096 ? RTE_ALIGN_FLOOR(in->max_segment_size, 4096) :
						     in->block_size;
	blk->seg_len = len;
	blk->nseg = (uint16_t)((blk->bc->bs + len - 1) / len);
	if (blk->nseg > in->max_segments) {
		ERR("--bs %u needs %u segments of %u bytes; the device takes %u per request\n",
		    blk->bc->bs, blk->nseg, len, in->max_segments);
		return -EINVAL;
	}
	return 0;
}

static int
setup_slot(struct perf_blk *blk, struct blk_queue *q, unsigned int i)
{
	struct blk_slot *s = &q->slots[i];
	struct vblk_seg *segs = &q->segs[(size_t)i * blk->nseg];
	uint32_t bs = blk->bc->bs;
	size_t align = RTE_MIN(rte_align32pow2(bs), HUGEPAGE_2M);
	uint32_t off;
	uint16_t k;

	s->buf = rte_malloc_socket("vireo_perf_blk_buf", bs, align, blk->info.socket_id);
	if (s->buf == NULL)
		return -ENOMEM;
	perf_pattern_fill(s->buf, 0, bs, blk->bc->seed + i);
	for (k = 0, off = 0; k < blk->nseg; k++, off += blk->seg_len) {
		segs[k].addr = s->buf + off;
		segs[k].iova = rte_mem_virt2iova(segs[k].addr);
		segs[k].len = RTE_MIN(blk->seg_len, bs - off);
		if (segs[k].iova == RTE_BAD_IOVA)
			return -EFAULT;
	}
	s->req.nseg = blk->nseg;
	s->req.segs = segs;
	s->req.nblocks = blk->blocks_per_unit;
	s->req.ctx = s;
	q->free[q->nfree++] = &s->req;
	return 0;
}

static uint64_t
gcd64(uint64_t a, uint64_t b)
{
	while (b != 0) {
		uint64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

static int
setup_queue(struct perf_blk *blk, unsigned int qi, unsigned int lcore)
{
	struct blk_queue *q = &blk->q[qi];
	unsigned int depth = blk->bc->iodepth, i;
	int ret;

	q->blk = blk;
	q->qid = (uint16_t)qi;
	q->lcore = lcore;
	q->slice_first = blk->first_unit + blk->nb_units * qi / blk->nq;
	q->slice_len = blk->first_unit + blk->nb_units * (qi + 1) / blk->nq - q->slice_first;
	q->rng = blk->bc->seed ^ (UINT64_C(0x9e3779b97f4a7c15) * (qi + 1));
	if (q->rng == 0)
		q->rng = 1;
	q->slots = rte_zmalloc_socket(NULL, sizeof(*q->slots) * depth, 0, blk->info.socket_id);
	q->segs = rte_zmalloc_socket(NULL, sizeof(*q->segs) * depth * blk->nseg, 0,
				     blk->info.socket_id);
	q->free = rte_zmalloc_socket(NULL, sizeof(*q->free) * depth, 0, blk->info.socket_id);
	if (q->slots == NULL || q->segs == NULL || q->free == NULL)
		return -ENOMEM;
	if (blk->bc->verify != PERF_VERIFY_NONE) {
		q->crc = rte_zmalloc_socket(NULL, sizeof(*q->crc) * q->slice_len, 0,
					    blk->info.socket_id);
		if (q->crc == NULL)
			return -ENOMEM;
		if (blk->bc->rw == PERF_BLK_RANDWRITE && q->slice_len > 2) {
			q->stride = q->slice_len / 2 + 1 + rng_below(&q->rng, q->slice_len / 4 + 1);
			while (gcd64(q->stride, q->slice_len) != 1)
				q->stride++;
		}
	}
	for (i = 0; i < depth; i++) {
		ret = setup_slot(blk, q, i);
		if (ret != 0)
			return ret;
	}
	return 0;
}

static void
print_device(const struct perf_blk *blk)
{
	const struct vblk_dev_info *in = &blk->info;
	unsigned int op;

	printf("blk: %s (%s): %" PRIu64 " blocks of %u bytes (%.1f MiB), physical %u, "
	       "%s%s\n",
	       vblk_dev_name(blk->dev_id), in->driver_name, in->capacity, in->block_size,
	       (double)in->capacity * in->block_size / (1 << 20), in->physical_block_size,
	       in->read_only ? "read-only" : "read-write", in->write_cache ? ", write cache" : "");
	printf("blk: queues %u of %u, depth %u of %u, segments %u x %u bytes; ops", blk->nq,
	       in->max_queues, blk->bc->iodepth, in->max_queue_depth, in->max_segments,
	       in->max_segment_size);
	for (op = 0; op < VBLK_OP_COUNT; op++)
		if (in->ops & VBLK_OP_BIT(op))
			printf(" %s", vblk_op_name(op));
	printf("\nblk: %s bs %u iodepth %u, region %" PRIu64 " bytes at %" PRIu64 "%s\n",
	       perf_blk_rw_name(blk->bc->rw), blk->bc->bs, blk->bc->iodepth,
	       blk->nb_units * blk->bc->bs, blk->first_unit * blk->bc->bs,
	       blk->bc->verify != PERF_VERIFY_NONE ? ", verify crc32c" : "");
	fflush(stdout);
}

static int
assign_queues(struct perf_blk *blk)
{
	unsigned int workers = rte_lcore_count() - 1, lcore, k = 0;
	int ret;

	if (workers < blk->nq) {
		ERR("--queues %u: EAL gave %u worker lcore(s) besides the main lcore %u "
		    "(one per queue); pass -l 0-%u (or --lcores to map several lcores onto "
		    "fewer CPUs)\n",
		    blk->nq, workers, rte_get_main_lcore(), blk->nq);
		return -EINVAL;
	}
	blk->q = rte_zmalloc(NULL, sizeof(*blk->q) * blk->nq, RTE_CACHE_LINE_SIZE);
	if (blk->q == NULL)
		return -ENOMEM;
	RTE_LCORE_FOREACH_WORKER (lcore) {
		if (k == blk->nq)
			break;
		ret = setup_queue(blk, k, lcore);
		if (ret != 0) {
			ERR("queue %u: cannot set up its %u request buffers: %s\n", k,
			    blk->bc->iodepth, strerror(-ret));
			return ret;
		}
		k++;
	}
	return 0;
}

static int
blk_setup(const struct perf_config *cfg, void **ctxp)
{
	struct perf_blk *blk = calloc(1, sizeof(*blk));
	struct vblk_dev_conf conf = { 0 };
	int ret;

	if (blk == NULL)
		return -ENOMEM;
	*ctxp = blk;
	blk->cfg = cfg;
	blk->bc = &cfg->blk;
	blk->nq = cfg->blk.queues;
	ret = find_device(blk);
	if (ret == 0)
		ret = vblk_dev_info_get(blk->dev_id, &blk->info);
	if (ret == 0)
		ret = check_workload(blk);
	if (ret == 0)
		ret = plan_segments(blk);
	if (ret != 0)
		return ret;
	conf.nb_queues = (uint16_t)blk->nq;
	conf.queue_depth = (uint16_t)blk->bc->iodepth;
	conf.socket_id = SOCKET_ID_ANY;
	conf.intr = cfg->idle_sleep;
	ret = vblk_dev_configure(blk->dev_id, &conf);
	if (ret == -ENOTSUP && conf.intr) {
		printf("%s: no completion interrupts: the queues keep polling\n",
		       vblk_dev_name(blk->dev_id));
		conf.intr = false;
		ret = vblk_dev_configure(blk->dev_id, &conf);
	}
	if (ret != 0) {
		ERR("%s: configure %u queue(s) of depth %u: %s\n", vblk_dev_name(blk->dev_id),
		    blk->nq, blk->bc->iodepth, strerror(-ret));
		return ret;
	}
	vblk_dev_info_get(blk->dev_id, &blk->info);
	ret = assign_queues(blk);
	if (ret != 0)
		return ret;
	for (unsigned int i = 0; i < blk->nq; i++) {
		blk->q[i].sleep = conf.intr;
		blk->q[i].intr_fd = -1;
	}
	print_device(blk);
	return 0;
}

static int
blk_start(void *ctx)
{
	struct perf_blk *blk = ctx;
	unsigned int i;
	int ret;

	ret = vblk_dev_start(blk->dev_id);
	if (ret != 0) {
		ERR("%s: start: %s\n", vblk_dev_name(blk->dev_id), strerror(-ret));
		return ret;
	}
	blk->started = true;
	blk->prev.tsc = rte_rdtsc();
	/* The fds exist once the device runs. */
	for (i = 0; i < blk->nq && blk->q[i].sleep; i++) {
		blk->q[i].intr_fd = vblk_queue_intr_fd(blk->dev_id, (uint16_t)i);
		if (blk->q[i].intr_fd < 0) {
			printf("queue %u: no completion interrupt fd (%s): polling\n", i,
			       strerror(-blk->q[i].intr_fd));
			blk->q[i].sleep = false;
		}
	}
	for (i = 0; i < blk->nq; i++) {
		ret = rte_eal_remote_launch(blk_worker, &blk->q[i], blk->q[i].lcore);
		if (ret != 0) {
			ERR("cannot launch queue %u on lcore %u\n", i, blk->q[i].lcore);
			__atomic_store_n(&blk->stop, 1, __ATOMIC_RELAXED);
			rte_eal_mp_wait_lcore();
			return ret;
		}
	}
	return 0;
}

/* ---- figures -------------------------------------------------------- */

/* One queue's counters as one consistent set (perf_seq.h). */
static void
counters_read(const struct blk_counters *c, struct blk_counters *out)
{
	unsigned int tries = 0;

	do {
		out->seq = perf_seq_read_begin(&c->seq);
		out->reads = perf_cnt_read(&c->reads);
		out->writes = perf_cnt_read(&c->writes);
		out->read_bytes = perf_cnt_read(&c->read_bytes);
		out->write_bytes = perf_cnt_read(&c->write_bytes);
		out->errors = perf_cnt_read(&c->errors);
		out->verify_bad = perf_cnt_read(&c->verify_bad);
		out->lat_cycles = perf_cnt_read(&c->lat_cycles);
	} while (perf_seq_read_retry(&c->seq, out->seq, &tries));
}

static void
snapshot(const struct perf_blk *blk, struct blk_snap *s, uint64_t tsc)
{
	unsigned int i;

	memset(s, 0, sizeof(*s));
	s->tsc = tsc;
	for (i = 0; i < blk->nq; i++) {
		struct vblk_queue_stats st;
		struct blk_counters now;

		/* Written by the queue's lcore: a 64-bit load sees some recent value. */
		if (vblk_stats_get(blk->dev_id, (uint16_t)i, &st) == 0)
			s->doorbells += st.doorbells;

		counters_read(&blk->q[i].cnt, &now);
		s->c.reads += now.reads;
		s->c.writes += now.writes;
		s->c.read_bytes += now.read_bytes;
		s->c.write_bytes += now.write_bytes;
		s->c.errors += now.errors;
		s->c.verify_bad += now.verify_bad;
		s->c.lat_cycles += now.lat_cycles;
	}
}

struct blk_figs {
	double secs;
	uint64_t ios, reads, writes, bytes, errors, verify_bad, doorbells;
	double iops, mbps, lat_avg_us;
};

static void
figures(const struct blk_snap *a, const struct blk_snap *b, struct blk_figs *f)
{
	double hz = (double)rte_get_tsc_hz();

	memset(f, 0, sizeof(*f));
	f->secs = (double)(b->tsc - a->tsc) / hz;
	f->reads = b->c.reads - a->c.reads;
	f->writes = b->c.writes - a->c.writes;
	f->ios = f->reads + f->writes;
	f->bytes = b->c.read_bytes - a->c.read_bytes + b->c.write_bytes - a->c.write_bytes;
	f->errors = b->c.errors - a->c.errors;
	f->verify_bad = b->c.verify_bad - a->c.verify_bad;
	f->doorbells = b->doorbells - a->doorbells;
	if (f->secs > 0) {
		f->iops = (double)f->ios / f->secs;
		f->mbps = (double)f->bytes / f->secs / 1e6;
	}
	if (f->ios > 0)
		f->lat_avg_us = (double)(b->c.lat_cycles - a->c.lat_cycles) / (double)f->ios / hz *
				1e6;
}

static void
blk_mark(void *ctx, uint64_t tsc)
{
	struct perf_blk *blk = ctx;

	snapshot(blk, &blk->mark, tsc);
	for (unsigned int i = 0; i < blk->nq; i++) {
		struct blk_queue *q = &blk->q[i];

		q->cpu_mark = queue_cpu_s(q);
		q->sleeps_mark = perf_cnt_read(&q->sleeps);
		q->wakeups_mark = perf_cnt_read(&q->wakeups);
	}
	blk->marked = true;
	__atomic_store_n(&blk->measuring, 1, __ATOMIC_RELAXED);
}

static void
blk_period(void *ctx, uint64_t tsc, int warming_up)
{
	struct perf_blk *blk = ctx;
	struct blk_snap now;
	struct blk_figs f;

	snapshot(blk, &now, tsc);
	figures(&blk->prev, &now, &f);
	printf("%s%s: %.0f IOPS %.2f MB/s (read %" PRIu64 " write %" PRIu64
	       ") lat avg %.1f us errors %" PRIu64 "%s\n",
	       warming_up ? "[warm-up] " : "", vblk_dev_name(blk->dev_id), f.iops, f.mbps, f.reads,
	       f.writes, f.lat_avg_us, f.errors, f.verify_bad ? " VERIFY MISMATCHES" : "");
	fflush(stdout);
	blk->prev = now;
}

static bool
blk_done(void *ctx)
{
	struct perf_blk *blk = ctx;
	unsigned int i;

	if (blk->bc->verify == PERF_VERIFY_NONE)
		return false;
	for (i = 0; i < blk->nq; i++)
		if (!__atomic_load_n(&blk->q[i].finished, __ATOMIC_ACQUIRE))
			return false;
	return true;
}

static void
blk_stop(void *ctx, uint64_t tsc)
{
	struct perf_blk *blk = ctx;
	unsigned int i;

	if (!blk->marked)
		blk_mark(ctx, tsc); /* stopped during the warm-up: an empty window */
	__atomic_store_n(&blk->measuring, 0, __ATOMIC_RELAXED);
	snapshot(blk, &blk->final, tsc);
	for (i = 0; i < blk->nq; i++) {
		struct blk_queue *q = &blk->q[i];

		q->cpu_final = queue_cpu_s(q);
		q->sleeps_final = perf_cnt_read(&q->sleeps);
		q->wakeups_final = perf_cnt_read(&q->wakeups);
	}
	__atomic_store_n(&blk->stop, 1, __ATOMIC_RELAXED);
	rte_eal_mp_wait_lcore();
	for (i = 0; i < blk->nq; i++)
		blk->stuck += blk->q[i].inflight;
	if (blk->stuck != 0)
		ERR("%" PRIu64 " request(s) did not complete within %d s of the stop\n", blk->stuck,
		    DRAIN_SECONDS);
}

struct blk_lat {
	uint64_t n;
	double avg, p50, p99, p999, max; /* microseconds */
};

static void
latency(const struct perf_blk *blk, struct blk_lat *l)
{
	double to_us = 1e6 / (double)rte_get_tsc_hz();
	const double pct[3] = { 0.50, 0.99, 0.999 };
	double *out[3] = { &l->p50, &l->p99, &l->p999 };
	uint64_t sum = 0, seen = 0, max = 0;
	unsigned int b, i, p = 0;

	memset(l, 0, sizeof(*l));
	for (i = 0; i < blk->nq; i++) {
		l->n += blk->q[i].hist_n;
		sum += blk->q[i].hist_sum;
		max = RTE_MAX(max, blk->q[i].lat_max);
	}
	if (l->n == 0)
		return;
	l->avg = (double)sum / (double)l->n * to_us;
	l->max = (double)max * to_us;
	for (b = 0; b < LAT_BUCKETS && p < 3; b++) {
		for (i = 0; i < blk->nq; i++)
			seen += blk->q[i].hist[b];
		while (p < 3 && (double)seen >= pct[p] * (double)l->n) {
			*out[p] = RTE_MIN(lat_bucket_mid(b) * to_us, l->max);
			p++;
		}
	}
}

static void
blk_summary(void *ctx, FILE *f)
{
	struct perf_blk *blk = ctx;
	struct blk_figs fg;
	struct blk_lat l;

	figures(&blk->mark, &blk->final, &fg);
	latency(blk, &l);
	fprintf(f, "---- blk summary: %s, %s bs %u iodepth %u queues %u, %.2f s ----\n",
		vblk_dev_name(blk->dev_id), perf_blk_rw_name(blk->bc->rw), blk->bc->bs,
		blk->bc->iodepth, blk->nq, fg.secs);
	fprintf(f,
		"IOPS %.0f  MB/s %.2f  reads %" PRIu64 "  writes %" PRIu64 "  errors %" PRIu64
		"  doorbells %" PRIu64 " (%.4f per I/O)\n",
		fg.iops, fg.mbps, fg.reads, fg.writes, fg.errors, fg.doorbells,
		fg.ios > 0 ? (double)fg.doorbells / (double)fg.ios : 0.0);
	fprintf(f,
		"latency us: avg %.1f  p50 %.1f  p99 %.1f  p99.9 %.1f  max %.1f  (%" PRIu64
		" samples)\n",
		l.avg, l.p50, l.p99, l.p999, l.max, l.n);
	for (unsigned int i = 0; blk->nq > 1 && i < blk->nq; i++)
		fprintf(f,
			"queue %u (lcore %u): reads %" PRIu64 "  writes %" PRIu64
			"  errors %" PRIu64 " (whole run)\n",
			i, blk->q[i].lcore, blk->q[i].cnt.reads, blk->q[i].cnt.writes,
			blk->q[i].cnt.errors);
	for (unsigned int i = 0; i < blk->nq; i++) {
		const struct blk_queue *q = &blk->q[i];
		double cpu = q->cpu_final - q->cpu_mark;

		fprintf(f,
			"queue %u (lcore %u): %s, cpu %.3f s of %.3f s (%.1f %%), %" PRIu64
			" sleeps, %" PRIu64 " woken by completions\n",
			i, q->lcore, q->sleep ? "sleep when idle" : "busy poll", cpu, fg.secs,
			fg.secs > 0 ? 100.0 * cpu / fg.secs : 0.0, q->sleeps_final - q->sleeps_mark,
			q->wakeups_final - q->wakeups_mark);
	}
	if (blk->bc->verify != PERF_VERIFY_NONE) {
		struct blk_snap zero = { .tsc = blk->final.tsc };
		struct blk_figs all;

		figures(&zero, &blk->final, &all);
		fprintf(f,
			"verify crc32c: %s: %" PRIu64 " unit(s) written, %" PRIu64
			" read back, %" PRIu64 " mismatch(es), %" PRIu64 " error(s)\n",
			blk_done(blk) && all.verify_bad == 0 && all.errors == 0 ? "OK" : "FAILED",
			all.writes, all.reads, all.verify_bad, all.errors);
	}
	fflush(f);
}

static void
json_figs(struct perf_json *j, const char *key, const struct blk_figs *f)
{
	perf_json_obj_begin(j, key);
	perf_json_dbl(j, "duration", f->secs);
	perf_json_u64(j, "ios", f->ios);
	perf_json_u64(j, "reads", f->reads);
	perf_json_u64(j, "writes", f->writes);
	perf_json_u64(j, "bytes", f->bytes);
	perf_json_u64(j, "errors", f->errors);
	perf_json_u64(j, "verify_mismatches", f->verify_bad);
	perf_json_u64(j, "doorbells", f->doorbells);
	perf_json_dbl(j, "iops", f->iops);
	perf_json_dbl(j, "mb_per_s", f->mbps);
	perf_json_obj_end(j);
}

static void
blk_json(void *ctx, struct perf_json *j)
{
	struct perf_blk *blk = ctx;
	const struct vblk_dev_info *in = &blk->info;
	struct blk_snap zero = { .tsc = blk->final.tsc };
	struct blk_figs fg, all;
	struct blk_lat l;

	figures(&blk->mark, &blk->final, &fg);
	figures(&zero, &blk->final, &all);
	latency(blk, &l);
	perf_json_obj_begin(j, "device");
	perf_json_str(j, "name", vblk_dev_name(blk->dev_id));
	perf_json_str(j, "driver", in->driver_name);
	perf_json_u64(j, "capacity", in->capacity);
	perf_json_u64(j, "block_size", in->block_size);
	perf_json_u64(j, "physical_block_size", in->physical_block_size);
	perf_json_bool(j, "read_only", in->read_only);
	perf_json_u64(j, "max_queues", in->max_queues);
	perf_json_u64(j, "max_queue_depth", in->max_queue_depth);
	perf_json_obj_end(j);
	json_figs(j, "measured", &fg);
	json_figs(j, "lifetime", &all);
	perf_json_obj_begin(j, "latency_us");
	perf_json_u64(j, "samples", l.n);
	perf_json_dbl(j, "avg", l.avg);
	perf_json_dbl(j, "p50", l.p50);
	perf_json_dbl(j, "p99", l.p99);
	perf_json_dbl(j, "p99_9", l.p999);
	perf_json_dbl(j, "max", l.max);
	perf_json_obj_end(j);
	if (blk->bc->verify != PERF_VERIFY_NONE)
		perf_json_bool(j, "verify_ok",
			       blk_done(blk) && all.verify_bad == 0 && all.errors == 0);
	perf_json_u64(j, "stuck", blk->stuck);
	perf_json_arr_begin(j, "queues");
	for (unsigned int i = 0; i < blk->nq; i++) {
		const struct blk_counters *c = &blk->q[i].cnt;

		perf_json_obj_begin(j, NULL);
		perf_json_u64(j, "queue", i);
		perf_json_u64(j, "lcore", blk->q[i].lcore);
		perf_json_u64(j, "reads", c->reads);
		perf_json_u64(j, "writes", c->writes);
		perf_json_u64(j, "errors", c->errors);
		perf_json_u64(j, "verify_mismatches", c->verify_bad);
		perf_json_str(j, "idle", blk->q[i].sleep ? "sleep" : "poll");
		perf_json_dbl(j, "cpu_seconds", blk->q[i].cpu_final - blk->q[i].cpu_mark);
		perf_json_u64(j, "sleeps", blk->q[i].sleeps_final - blk->q[i].sleeps_mark);
		perf_json_u64(j, "wakeups", blk->q[i].wakeups_final - blk->q[i].wakeups_mark);
		perf_json_obj_end(j);
	}
	perf_json_arr_end(j);
}

/* Failure when anything went wrong: I/O errors, a bad verify, stuck I/O. */
static int
blk_result(void *ctx)
{
	struct perf_blk *blk = ctx;

	if (blk->final.c.errors != 0 || blk->final.c.verify_bad != 0 || blk->stuck != 0)
		return -EIO;
	if (blk->bc->verify != PERF_VERIFY_NONE && !blk_done(blk)) {
		ERR("verify did not finish (stopped early: --duration or a signal)\n");
		return -ETIMEDOUT;
	}
	return 0;
}

static void
blk_teardown(void *ctx)
{
	struct perf_blk *blk = ctx;
	unsigned int i, k;

	if (blk == NULL)
		return;
	if (blk->started)
		vblk_dev_stop(blk->dev_id);
	if (blk->q != NULL) {
		for (i = 0; i < blk->nq; i++) {
			struct blk_queue *q = &blk->q[i];

			/* buffers of requests that never came back may still
			 * be the device's: the stop above reset it */
			for (k = 0; q->slots != NULL && k < blk->bc->iodepth; k++)
				rte_free(q->slots[k].buf);
			rte_free(q->slots);
			rte_free(q->segs);
			rte_free(q->free);
			rte_free(q->crc);
		}
		rte_free(blk->q);
	}
	if (vblk_dev_is_valid(blk->dev_id) && blk->info.driver_name != NULL)
		vblk_dev_close(blk->dev_id);
	free(blk);
}

const struct perf_engine perf_blk_engine = {
	.name = "blk",
	.setup = blk_setup,
	.start = blk_start,
	.mark = blk_mark,
	.period = blk_period,
	.done = blk_done,
	.stop = blk_stop,
	.summary = blk_summary,
	.json = blk_json,
	.result = blk_result,
	.teardown = blk_teardown,
};
