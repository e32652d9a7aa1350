/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * @internal
 * The fast path behind vblk_enqueue_burst() / vblk_dequeue_burst(): per
 * queue state, request validation, statistics. Included by vblk.h so the
 * burst calls inline (like rte_ethdev_core.h); applications use vblk.h only.
 */
#ifndef VBLK_CORE_H
#define VBLK_CORE_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>

struct vblk_req;

/** @internal A driver's submit: takes a prefix of @p reqs (all valid). */
typedef uint16_t (*vblk_enqueue_fn)(void *qpriv, struct vblk_req **reqs, uint16_t n);
/** @internal A driver's completion harvest: fills @p done, status set. */
typedef uint16_t (*vblk_dequeue_fn)(void *qpriv, struct vblk_req **done, uint16_t n);

/** @internal The device limits every request is checked against (a copy per queue). */
struct vblk_limits {
	uint64_t capacity; /**< Logical blocks. */
	uint32_t ops;      /**< VBLK_OP_BIT mask. */
	uint8_t block_shift;
	bool read_only;
	bool fua;
	bool wz_unmap;
	uint16_t max_segments;
	uint32_t max_segment_size;
	uint64_t align_mask; /**< seg_align - 1. */
	uint32_t max_transfer_blocks;
	uint32_t max_discard_blocks;
	uint32_t max_write_zeroes_blocks;
	uint16_t max_discard_ranges;
	uint16_t max_write_zeroes_ranges;
};

/** @internal One queue of a configured device. */
struct vblk_queue {
	/* Read-mostly. */
	struct vblk_limits lim;
	vblk_enqueue_fn enqueue;
	vblk_dequeue_fn dequeue;
	void *qpriv; /**< The driver's queue. */
	/* Requests refused by validation, waiting for dequeue (ring of reject_mask + 1). */
	struct vblk_req **reject;
	uint32_t reject_mask;
	uint32_t reject_head; /**< Next to dequeue. */
	uint32_t reject_tail; /**< Next free. */
	struct vblk_queue_stats stats;
} __rte_cache_aligned;

/** @internal Per-device fast-path table entry. */
struct vblk_fp {
	struct vblk_queue **queues;
	uint16_t nb_queues;
	bool started;
};

/** @internal Indexed by device id. */
extern struct vblk_fp vblk_fp_table[VBLK_MAX_DEVS];

/** @internal The queue, or NULL for a bad id (or a stopped device when @p need_started). */
static inline struct vblk_queue *
vblk_fp_queue(uint16_t dev_id, uint16_t qid, bool need_started)
{
	const struct vblk_fp *fp;

	if (unlikely(dev_id >= VBLK_MAX_DEVS))
		return NULL;
	fp = &vblk_fp_table[dev_id];
	if (unlikely(qid >= fp->nb_queues || (need_started && !fp->started)))
		return NULL;
	return fp->queues[qid];
}

/** @internal Check the data segments of a READ, WRITE or GET_ID; @p bytes: their sum must be it. */
static inline int
vblk_check_segs(const struct vblk_limits *lim, const struct vblk_req *r, uint64_t bytes)
{
	uint64_t sum = 0;
	uint16_t i;

	if (unlikely(r->nseg == 0 || r->segs == NULL))
		return -EINVAL;
	if (unlikely(r->nseg > lim->max_segments))
		return -E2BIG;
	for (i = 0; i < r->nseg; i++) {
		const struct vblk_seg *s = &r->segs[i];

		if (unlikely(s->len == 0 || (s->iova & lim->align_mask) != 0))
			return -EINVAL;
		if (unlikely(s->len > lim->max_segment_size))
			return -E2BIG;
		sum += s->len;
	}
	return sum == bytes ? 0 : -EINVAL;
}

/** @internal lba .. lba + nblocks within capacity (no overflow), nblocks > 0. */
static inline int
vblk_check_range(const struct vblk_limits *lim, const struct vblk_req *r)
{
	if (unlikely(r->nblocks == 0))
		return -EINVAL;
	if (unlikely(r->lba >= lim->capacity || r->nblocks > lim->capacity - r->lba))
		return -ERANGE;
	return 0;
}

/** @internal One range within capacity (no overflow), 1..@p max blocks. */
static inline int
vblk_check_one_range(const struct vblk_limits *lim, uint64_t lba, uint32_t nblocks, uint32_t max)
{
	if (unlikely(nblocks == 0))
		return -EINVAL;
	if (unlikely(lba >= lim->capacity || nblocks > lim->capacity - lba))
		return -ERANGE;
	return nblocks > max ? -E2BIG : 0;
}

/** @internal The range(s) of a DISCARD or WRITE_ZEROES. */
static inline int
vblk_check_ranges(const struct vblk_limits *lim, const struct vblk_req *r)
{
	bool discard = r->op == VBLK_OP_DISCARD;
	uint32_t max = discard ? lim->max_discard_blocks : lim->max_write_zeroes_blocks;
	uint16_t i;
	int rc;

	if (r->nranges == 0)
		return vblk_check_one_range(lim, r->lba, r->nblocks, max);
	if (unlikely(r->ranges == NULL || r->lba != 0 || r->nblocks != 0))
		return -EINVAL;
	if (unlikely(r->nranges >
		     (discard ? lim->max_discard_ranges : lim->max_write_zeroes_ranges)))
		return -E2BIG;
	for (i = 0; i < r->nranges; i++) {
		rc = vblk_check_one_range(lim, r->ranges[i].lba, r->ranges[i].nblocks, max);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/** @internal Full validation of one request against @p lim. @return 0 or -errno. */
static inline int
vblk_req_check(const struct vblk_limits *lim, const struct vblk_req *r)
{
	const uint8_t writes = VBLK_OP_BIT(VBLK_OP_WRITE) | VBLK_OP_BIT(VBLK_OP_DISCARD) |
			       VBLK_OP_BIT(VBLK_OP_WRITE_ZEROES);
	int rc;

	if (unlikely(r->op >= VBLK_OP_COUNT ||
		     (r->flags & ~(VBLK_REQ_F_FUA | VBLK_REQ_F_UNMAP)) != 0))
		return -EINVAL;
	if (unlikely(lim->read_only && (writes & VBLK_OP_BIT(r->op))))
		return -EROFS;
	if (unlikely(!(lim->ops & VBLK_OP_BIT(r->op))))
		return -ENOTSUP;
	if (unlikely(r->flags & VBLK_REQ_F_UNMAP) && r->op != VBLK_OP_WRITE_ZEROES)
		return -EINVAL;
	if (unlikely(r->flags & VBLK_REQ_F_FUA)) {
		if (r->op != VBLK_OP_WRITE)
			return -EINVAL;
		if (!lim->fua)
			return -ENOTSUP;
	}
	switch (r->op) {
	case VBLK_OP_READ:
	case VBLK_OP_WRITE:
		rc = vblk_check_range(lim, r);
		if (rc != 0)
			return rc;
		if (unlikely(r->nblocks > lim->max_transfer_blocks))
			return -E2BIG;
		return vblk_check_segs(lim, r, (uint64_t)r->nblocks << lim->block_shift);
	case VBLK_OP_DISCARD:
	case VBLK_OP_WRITE_ZEROES:
		return vblk_check_ranges(lim, r);
	case VBLK_OP_FLUSH:
		return r->lba == 0 && r->nblocks == 0 && r->nseg == 0 ? 0 : -EINVAL;
	default: /* VBLK_OP_GET_ID */
		if (unlikely(r->lba != 0 || r->nblocks != 0))
			return -EINVAL;
		return vblk_check_segs(lim, r, VBLK_ID_LEN);
	}
}

/** @internal Count one completion in the queue's statistics. */
static inline void
vblk_stats_complete(struct vblk_queue *q, const struct vblk_req *r)
{
	struct vblk_queue_stats *st = &q->stats;

	switch (r->status) {
	case 0:
		st->completed[r->op]++;
		if (r->op == VBLK_OP_READ)
			st->read_bytes += (uint64_t)r->nblocks << q->lim.block_shift;
		else if (r->op == VBLK_OP_WRITE)
			st->write_bytes += (uint64_t)r->nblocks << q->lim.block_shift;
		break;
	case -EINVAL:
		st->err_inval++;
		break;
	case -ERANGE:
		st->err_range++;
		break;
	case -E2BIG:
		st->err_too_big++;
		break;
	case -EROFS:
		st->err_rofs++;
		break;
	case -ENOTSUP:
		st->err_notsup++;
		break;
	case -EIO:
		st->err_io++;
		break;
	default:
		st->err_other++;
		break;
	}
}

/** @internal Hand a run of valid requests to the driver. @return taken. */
static inline uint16_t
vblk_queue_submit(struct vblk_queue *q, struct vblk_req **reqs, uint16_t n)
{
	uint16_t done;

	if (n == 0)
		return 0;
	done = q->enqueue(q->qpriv, reqs, n);
	q->stats.submitted += done;
	return done;
}

/** @internal vblk_enqueue_burst() on a resolved queue. */
static inline uint16_t
vblk_queue_enqueue(struct vblk_queue *q, struct vblk_req **reqs, uint16_t n)
{
	uint16_t i, run = 0, taken;
	int rc;

	for (i = 0; i < n; i++) {
		rc = vblk_req_check(&q->lim, reqs[i]);
		if (likely(rc == 0)) {
			run++;
			continue;
		}
		/* Keep the accepted set a prefix: the valid run before this one goes first. */
		taken = vblk_queue_submit(q, &reqs[i - run], run);
		if (taken < run)
			return (uint16_t)(i - run + taken);
		run = 0;
		if (unlikely(q->reject_tail - q->reject_head > q->reject_mask))
			return i; /* As many refusals waiting as the queue is deep: full. */
		reqs[i]->status = rc;
		q->reject[q->reject_tail++ & q->reject_mask] = reqs[i];
		q->stats.rejected++;
	}
	return (uint16_t)(n - run + vblk_queue_submit(q, &reqs[n - run], run));
}

/** @internal vblk_dequeue_burst() on a resolved queue. */
static inline uint16_t
vblk_queue_dequeue(struct vblk_queue *q, struct vblk_req **done, uint16_t n)
{
	uint16_t got = 0, i;

	while (got < n && q->reject_head != q->reject_tail)
		done[got++] = q->reject[q->reject_head++ & q->reject_mask];
	if (got < n)
		got = (uint16_t)(got + q->dequeue(q->qpriv, &done[got], (uint16_t)(n - got)));
	for (i = 0; i < got; i++)
		vblk_stats_complete(q, done[i]);
	return got;
}

#endif /* VBLK_CORE_H */
