/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_blk_completion: blk_vireo's completion path (vireo_blk_io.c, through
 * lib/vblk) against a device whose completions are arbitrary: the status
 * byte (OK, IOERR, UNSUPP, garbage, or never written), the used id and len
 * and the used idx all come from the input.
 *
 * One device (the swdev virtio-blk model with INDIRECT_DESC, one queue of
 * 32) is made and started once; no device thread runs: the target plays
 * the device itself, straight in the rings. Each input is a program of
 * operations: enqueue a burst of requests (any op, LBA and size, valid or
 * not: lib/vblk's validation is fuzzed too), complete some of what the
 * device holds, dequeue, or stop and start the device.
 *
 * Invariants: every request vblk_enqueue_burst() accepted comes back from
 * vblk_dequeue_burst() exactly once, and none that it did not accept; its
 * status is one a completion may carry; a request the device completed
 * honestly (right id, writable len, idx + 1, status byte OK / IOERR /
 * UNSUPP) on a healthy queue gets exactly that status; the driver never
 * breaks the ring protocol (swdev's checks). Between inputs the device
 * completes what is left honestly, or the queue is stopped and started
 * (when a lie broke it), and nothing may stay in flight.
 */
#include <errno.h>
#include <string.h>

#include <rte_malloc.h>

#include "fuzz_common.h"
#include "swdev.h"
#include "vblk.h"
#include "vireo_blk_port.h"

#define QSIZE 32
#define NREQ 64 /* requests the target owns (more than the queue holds) */
#define MAX_SEGS 4
#define MAX_OPS 48
/* Request r's data starts at r * 4096: a chain's first data buffer names it. */
#define BUF_LEN ((NREQ + 2) * 4096u)
#define CAPACITY 2048 /* 512-byte sectors */

static struct swdev *sw;
static struct swdev_blk model;
static uint16_t dev_id;
static uint8_t *buf;
static uint64_t buf_iova;

/* The requests, and what the target expects of each. */
static struct fz_req {
	struct vblk_req req;
	struct vblk_seg segs[MAX_SEGS];
	bool in_flight;  /* accepted by enqueue, not yet dequeued */
	int want_status; /* after an honest completion; 1: unknown */
} rq[NREQ];

/* The device side: its position in the rings. */
static uint16_t dev_avail, dev_used;
/* A lie was told since the last start: the queue may be broken. */
static bool lied;

static struct swdev_queue *
queue(void)
{
	return &sw->q[0];
}

/* The chain of @p head as the device sees it: first descriptor and count. */
static struct vio_desc *
chain_of(struct swdev_queue *q, uint16_t head, uint16_t *n)
{
	struct vio_desc *d = &q->desc[head];

	if (d->flags & VIO_DESC_F_INDIRECT) {
		*n = (uint16_t)(d->len / sizeof(struct vio_desc));
		return (struct vio_desc *)(uintptr_t)d->addr;
	}
	*n = q->cfg.size;
	return q->desc;
}

/*
 * Writable bytes of the chain, the request its first data buffer belongs
 * to (*req, -1 without data) and its last descriptor (the status byte).
 */
static uint8_t *
walk_chain(struct swdev_queue *q, uint16_t head, uint32_t *writable, int *req)
{
	uint16_t n, cur;
	struct vio_desc *t = chain_of(q, head, &n);
	struct vio_desc *last = NULL;
	bool indirect = t != q->desc;

	*writable = 0;
	*req = -1;
	cur = indirect ? 0 : head;
	for (uint16_t i = 0; i < n && cur < n; i++) {
		last = &t[cur];
		if (last->flags & VIO_DESC_F_WRITE)
			*writable += last->len;
		if (*req < 0 && last->addr >= buf_iova && last->addr < buf_iova + BUF_LEN)
			*req = (int)((last->addr - buf_iova) / 4096u);
		if (!(last->flags & VIO_DESC_F_NEXT))
			break;
		cur = last->next;
	}
	return last != NULL ? (uint8_t *)(uintptr_t)last->addr : NULL;
}

static void
enqueue_burst(struct fuzz_in *in)
{
	struct vblk_req *burst[8];
	bool picked[NREQ] = { false };
	int idx[8];
	uint16_t k = (uint16_t)(1 + fuzz_u8(in) % 8), n = 0, got;

	for (int i = 0; i < NREQ && n < k; i++) {
		int r = (i + fuzz_u8(in)) % NREQ;
		struct vblk_req *req = &rq[r].req;
		uint8_t op = fuzz_u8(in), sz = fuzz_u8(in), fl = fuzz_u8(in);
		uint16_t nseg;
		uint32_t off;

		if (rq[r].in_flight || picked[r])
			continue;
		picked[r] = true;
		memset(req, 0, sizeof(*req));
		req->op = (uint8_t)(op % (VBLK_OP_COUNT + 1)); /* one bad op */
		req->nblocks = 1u + sz % 16;
		req->lba = fuzz_u16(in) % (CAPACITY + 8); /* some beyond capacity */
		req->flags = fl & 0x7;                    /* FUA, UNMAP, a bad one */
		req->ctx = &rq[r];
		nseg = (uint16_t)(op & 0x80 ? 1 + (sz >> 4) % MAX_SEGS : 1);
		off = (uint32_t)r * 4096u;
		if (req->op == VBLK_OP_FLUSH || req->op == VBLK_OP_DISCARD ||
		    req->op == VBLK_OP_WRITE_ZEROES)
			nseg = 0;
		if (req->op == VBLK_OP_GET_ID) {
			nseg = 1;
			req->nblocks = 0;
			req->lba = 0;
		}
		for (uint16_t s = 0; s < nseg; s++) {
			uint32_t len = req->op == VBLK_OP_GET_ID ? VBLK_ID_LEN :
								   req->nblocks * 512u / nseg;

			if (s == nseg - 1 && req->op != VBLK_OP_GET_ID)
				len = req->nblocks * 512u - s * (req->nblocks * 512u / nseg);
			if (len == 0)
				len = 512; /* bad lengths get refused, that is fine */
			rq[r].segs[s] = (struct vblk_seg){ buf + off, buf_iova + off, len };
			off += len;
		}
		req->nseg = nseg;
		req->segs = rq[r].segs;
		req->status = 1;
		rq[r].want_status = 1;
		idx[n] = r;
		burst[n++] = req;
	}
	got = vblk_enqueue_burst(dev_id, 0, burst, n);
	FUZZ_CHECK(got <= n, "enqueue accepted %u of %u", got, n);
	for (uint16_t i = 0; i < got; i++) {
		rq[idx[i]].in_flight = true;
	}
}

/*
 * The device completes up to m of the chains it holds (m from the input);
 * each reply is honest or a lie, from the input. An honest status on a
 * request with data (its first buffer names it) is what dequeue must
 * return, as long as no lie was told since the start.
 */
static void
device_complete(struct fuzz_in *in)
{
	struct swdev_queue *q = queue();
	uint16_t mask = (uint16_t)(q->cfg.size - 1), old_used = dev_used;
	uint16_t m = (uint16_t)(1 + fuzz_u8(in) % 8);
	static const uint8_t st_honest[3] = { VIO_BLK_S_OK, VIO_BLK_S_IOERR, VIO_BLK_S_UNSUPP };
	static const int st_want[3] = { 0, -EIO, -ENOTSUP };

	if (q->desc == NULL)
		return;
	for (uint16_t i = 0; i < m && dev_avail != q->avail->idx; i++) {
		uint16_t head = q->avail->ring[dev_avail++ & mask];
		uint8_t sel = fuzz_u8(in), how = fuzz_u8(in);
		uint32_t writable;
		int r;
		uint8_t *status = walk_chain(q, head, &writable, &r);
		struct vio_used_elem e = { .id = head, .len = writable };

		if (how < 0xe0 && status != NULL) {
			*(volatile uint8_t *)status = st_honest[sel % 3];
			if (r >= 0 && r < NREQ)
				rq[r].want_status = st_want[sel % 3];
		} else if (how < 0xf0 && status != NULL) {
			*(volatile uint8_t *)status = sel; /* garbage, or an honest value */
			lied = true;
		} else {
			lied = true; /* status never written (still the driver's marker) */
		}
		if ((how & 0x0f) == 0x0f) {
			e.id = fuzz_u8(in) & 1 ? fuzz_u32(in) : fuzz_u8(in);
			lied |= e.id != head;
		}
		if ((how & 0x0e) == 0x0e) {
			e.len = fuzz_u32(in);
			lied |= e.len != writable;
		}
		q->used->ring[dev_used++ & mask] = e;
	}
	if (fuzz_u8(in) >= 0xf8) {
		dev_used = (uint16_t)(old_used + fuzz_u16(in));
		lied = true;
	}
	__atomic_store_n(&q->used->idx, dev_used, __ATOMIC_RELEASE);
}

static void
dequeue(void)
{
	struct vblk_req *done[64];
	uint16_t n = vblk_dequeue_burst(dev_id, 0, done, RTE_DIM(done));

	for (uint16_t i = 0; i < n; i++) {
		struct fz_req *f = done[i]->ctx;
		int s = done[i]->status;

		FUZZ_CHECK(f != NULL && f >= rq && f < rq + NREQ, "dequeued a foreign request");
		FUZZ_CHECK(f->in_flight, "request %td came back twice, or was never accepted",
			   f - rq);
		f->in_flight = false;
		FUZZ_CHECK(lied || f->want_status == 1 || f->want_status == s,
			   "request %td: status %d, the device answered %d", f - rq, s,
			   f->want_status);
		FUZZ_CHECK(s == 0 || s == -EIO || s == -ENOTSUP || s == -EINVAL || s == -ERANGE ||
				   s == -E2BIG || s == -EROFS,
			   "request %td: status %d", f - rq, s);
	}
}

static unsigned int
nb_in_flight(void)
{
	unsigned int n = 0;

	for (int i = 0; i < NREQ; i++)
		n += rq[i].in_flight;
	return n;
}

static void
restart(void)
{
	FUZZ_CHECK(vblk_dev_stop(dev_id) == 0, "stop");
	for (int i = 0; i < 4; i++)
		dequeue(); /* what the stop failed */
	FUZZ_CHECK(nb_in_flight() == 0, "%u requests lost across a stop", nb_in_flight());
	dev_avail = 0;
	dev_used = 0;
	lied = false;
	FUZZ_CHECK(vblk_dev_start(dev_id) == 0, "start");
}

/* Complete what the device holds honestly and take everything back. */
static void
settle(void)
{
	struct fuzz_in none = fuzz_in_make(NULL, 0); /* zeroes: honest OK replies */

	for (int round = 0; round < 8 && nb_in_flight() > 0; round++) {
		if (!lied)
			for (int i = 0; i < QSIZE; i++)
				device_complete(&none);
		dequeue();
	}
	if (nb_in_flight() > 0 || lied)
		restart();
	FUZZ_CHECK(nb_in_flight() == 0, "%u requests never came back", nb_in_flight());
	FUZZ_CHECK(swdev_violations(sw) == 0, "driver violated the protocol: %s",
		   sw->last_violation);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct swdev_blk_params p = {
		.name = "fz_blk",
		.capacity = CAPACITY,
		.queue_max_size = QSIZE,
	};
	struct vblk_dev_conf conf = { .nb_queues = 1,
				      .queue_depth = QSIZE,
				      .socket_id = SOCKET_ID_ANY };

	RTE_SET_USED(argc);
	RTE_SET_USED(argv);
	fuzz_eal_init("blk_completion");
	sw = swdev_blk_create(&p, &model);
	FUZZ_CHECK(sw != NULL, "swdev_blk_create");
	sw->quiet = getenv("FUZZ_VERBOSE") == NULL;
	FUZZ_CHECK(vireo_blk_create("fz_blk", swdev_vdev(sw), SOCKET_ID_ANY, &dev_id) == 0,
		   "vireo_blk_create");
	FUZZ_CHECK(vblk_dev_configure(dev_id, &conf) == 0, "configure");
	FUZZ_CHECK(vblk_dev_start(dev_id) == 0, "start");
	buf = rte_zmalloc("fz_blk_buf", BUF_LEN, 4096);
	FUZZ_CHECK(buf != NULL, "buffer");
	buf_iova = rte_malloc_virt2iova(buf);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = fuzz_in_make(data, size);

	for (unsigned int op = 0; op < MAX_OPS && fuzz_more(&in); op++) {
		uint8_t what = fuzz_u8(&in);

		switch (what % 4) {
		case 0:
			enqueue_burst(&in);
			break;
		case 1:
			device_complete(&in);
			break;
		case 2:
			dequeue();
			break;
		default:
			if (what >= 0xf0)
				restart();
			else
				dequeue();
			break;
		}
	}
	settle();
	return 0;
}
