/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * blk_vireo data path. A request is a chain of: the header (readable), one
 * descriptor per data segment, the status byte (writable), all through
 * lib/virtio's engine. With VIRTIO_F_INDIRECT_DESC the chain goes into the
 * slot's indirect table and takes one ring descriptor, so a queue of size N
 * holds N requests; without it a request takes 2 + segments descriptors.
 *
 * Header, discard range and status byte live in driver-owned DMA memory,
 * one struct vireo_blk_cmd per slot; a slot is taken at enqueue and given
 * back when its request is dequeued.
 *
 * The device is untrusted. The engine validates used ids, lens and idx; the
 * driver checks the status byte, which it sets to VIREO_BLK_STATUS_UNSET
 * before submitting: a completion whose status is not OK, IOERR or UNSUPP
 * means the device did not write it, and the queue is broken. A broken
 * queue completes every request it holds with -EIO, exactly once, and takes
 * no more work (later requests complete -EIO at once); the other queues
 * carry on.
 */
#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_malloc.h>

#include "vio_dma.h"
#include "vireo_blk.h"

/* Cookies are slot + 1: never NULL. */
static inline void *
slot_cookie(uint16_t slot)
{
	return (void *)(uintptr_t)(slot + 1u);
}

static inline uint16_t
cookie_slot(void *c)
{
	return (uint16_t)((uintptr_t)c - 1u);
}

/* The indirect tables of every slot, in regions of VIREO_BLK_TABLE_CHUNK
 * bytes at most (inside one hugepage). */
static int
alloc_tables(struct vireo_blkq *q, int socket)
{
	size_t table_bytes = (size_t)q->table_len * sizeof(struct vio_vq_ind_desc);
	uint16_t i, n;

	q->tables_per_chunk = (uint16_t)RTE_MIN(VIREO_BLK_TABLE_CHUNK / table_bytes, q->depth);
	n = (uint16_t)((q->depth + q->tables_per_chunk - 1) / q->tables_per_chunk);
	q->table_dma = rte_zmalloc_socket("blk_vireo_tables", sizeof(*q->table_dma) * n, 0, socket);
	if (q->table_dma == NULL)
		return -ENOMEM;
	q->nb_table_dma = n;
	for (i = 0; i < n; i++) {
		uint16_t slots = (uint16_t)RTE_MIN(q->tables_per_chunk,
						   q->depth - i * q->tables_per_chunk);

		q->table_dma[i] = vio_dma_alloc("blktbl", slots * table_bytes, 64, socket);
		if (q->table_dma[i] == NULL)
			return -ENOMEM;
	}
	return 0;
}

static void
free_tables(struct vireo_blkq *q)
{
	uint16_t i;

	for (i = 0; q->table_dma != NULL && i < q->nb_table_dma; i++)
		vio_dma_free(q->table_dma[i]);
	rte_free(q->table_dma);
	q->table_dma = NULL;
	q->nb_table_dma = 0;
}

int
vireo_blkq_alloc(struct vireo_blk *blk, uint16_t qid, uint16_t depth, int socket,
		 struct vireo_blkq **out)
{
	const struct vireo_blk_geom *g = &blk->geom;
	uint32_t ring = rte_align32pow2(depth);
	size_t cmds_len;
	struct vireo_blkq *q;
	uint16_t i;
	int rc;

	q = rte_zmalloc_socket("blk_vireo_q", sizeof(*q), RTE_CACHE_LINE_SIZE, socket);
	if (q == NULL)
		return -ENOMEM;
	q->blk = blk;
	q->qid = qid;
	q->depth = depth;
	q->sector_shift = g->sector_shift;
	q->indirect = vio_dev_has(blk->vdev, VIO_F_INDIRECT_DESC);
	q->table_len = (uint32_t)g->max_segments + 2;
	q->free_slots = rte_malloc_socket("blk_vireo_free", sizeof(uint16_t) * depth, 0, socket);
	q->slot_req = rte_zmalloc_socket("blk_vireo_req", sizeof(void *) * depth, 0, socket);
	q->failed = rte_zmalloc_socket("blk_vireo_failed", sizeof(void *) * ring, 0, socket);
	q->sg = rte_malloc_socket("blk_vireo_sg", sizeof(struct vio_sg) * (g->max_segments + 3u), 0,
				  socket);
	/* Room for several ranges per slot only where the device takes several. */
	q->cmd_stride = sizeof(struct vireo_blk_cmd);
	if (RTE_MAX(g->max_discard_seg, g->max_wz_seg) > 1)
		q->cmd_stride += RTE_ALIGN_CEIL(VIREO_BLK_MAX_RANGES *
							sizeof(struct vio_blk_discard_wz),
						RTE_CACHE_LINE_SIZE);
	cmds_len = (size_t)q->cmd_stride * depth;
	q->dma = vio_dma_alloc("blkcmd", cmds_len, 64, socket);
	if (q->free_slots == NULL || q->slot_req == NULL || q->failed == NULL || q->sg == NULL ||
	    q->dma == NULL) {
		vireo_blkq_free(q);
		return -ENOMEM;
	}
	if (q->indirect) {
		rc = alloc_tables(q, socket);
		if (rc != 0) {
			vireo_blkq_free(q);
			return rc;
		}
	}
	q->failed_mask = ring - 1;
	q->cmds = (uint8_t *)vio_dma_va(q->dma);
	q->cmds_iova = vio_dma_iova(q->dma);
	for (i = 0; i < depth; i++)
		q->free_slots[i] = (uint16_t)(depth - 1 - i);
	q->nfree = depth;
	*out = q;
	return 0;
}

void
vireo_blkq_free(struct vireo_blkq *q)
{
	if (q == NULL)
		return;
	if (q->vq != NULL)
		vio_vq_destroy(q->vq);
	vio_dma_free(q->dma);
	free_tables(q);
	rte_free(q->sg);
	rte_free(q->failed);
	rte_free(q->slot_req);
	rte_free(q->free_slots);
	rte_free(q);
}

static uint64_t
status_period_tsc(void)
{
	return rte_get_timer_hz() / 1000 * VIREO_BLK_STATUS_PERIOD_MS;
}

int
vireo_blkq_start(struct vireo_blkq *q)
{
	struct vireo_blk *blk = q->blk;

	int rc;

	q->next_status_tsc = rte_get_timer_cycles() + status_period_tsc();
	q->status_events_seen = __atomic_load_n(&blk->status_events, __ATOMIC_ACQUIRE);
	/* Completion interrupts: the transport gives the queue an interrupt fd. */
	blk->vdev->queue_intr = blk->intr;
	rc = vio_vq_create(blk->vdev, q->qid, blk->geom.queue_size, blk->socket, &q->vq);
	blk->vdev->queue_intr = false;
	return rc;
}

/* Complete @p r with -EIO without the device: dequeue returns it. */
static inline void
fail_req(struct vireo_blkq *q, struct vblk_req *r)
{
	r->status = -EIO;
	q->failed[q->failed_tail++ & q->failed_mask] = r;
}

static inline void
put_slot(struct vireo_blkq *q, uint16_t slot)
{
	q->slot_req[slot] = NULL;
	q->free_slots[q->nfree++] = slot;
}

/* Every request the device holds comes back -EIO, once (after a reset or a broken ring). */
static void
fail_inflight(struct vireo_blkq *q)
{
	void *c;

	while ((c = vio_vq_detach(q->vq)) != NULL) {
		uint16_t slot = cookie_slot(c);

		fail_req(q, q->slot_req[slot]);
		put_slot(q, slot);
	}
}

static uint16_t harvest(struct vireo_blkq *q, struct vblk_req **done, uint16_t n);

/*
 * After a completed reset: what the device completed before it keeps its
 * status (a write that was done is not reported failed); dequeue returns
 * those requests with the ones fail_inflight() fails.
 */
static void
reap_completed(struct vireo_blkq *q)
{
	struct vblk_req *done[64];
	uint16_t n;

	while (q->outstanding > 0 && !vio_vq_is_broken(q->vq) &&
	       (n = harvest(q, done, RTE_DIM(done))) > 0) {
		for (uint16_t i = 0; i < n; i++)
			q->failed[q->failed_tail++ & q->failed_mask] = done[i];
		q->outstanding += n; /* dequeue counts them out again */
	}
}

void
vireo_blkq_stop(struct vireo_blkq *q)
{
	if (q->vq == NULL)
		return;
	reap_completed(q);
	fail_inflight(q);
	vio_vq_destroy(q->vq);
	q->vq = NULL;
}

void
vireo_blkq_quarantine(struct vireo_blkq *q)
{
	if (q->vq == NULL)
		return;
	/* The requests are the application's: they come back -EIO (doc/blk.md). */
	fail_inflight(q);
	/* The ring and the command memory may still be used by the device: never free them. */
	q->vq = NULL;
	q->dma = NULL;
	q->cmds = NULL;
	q->table_dma = NULL; /* the regions and the array that names them */
	q->nb_table_dma = 0;
}

/* The queue broke (the engine or the status check said so): fail what it holds. */
static void
queue_broke(struct vireo_blkq *q)
{
	q->broken++;
	fail_inflight(q);
}

static inline struct vireo_blk_cmd *
cmd_of(const struct vireo_blkq *q, uint16_t slot)
{
	return (struct vireo_blk_cmd *)(q->cmds + (size_t)slot * q->cmd_stride);
}

/*
 * The ranges of a DISCARD / WRITE_ZEROES into the slot's command memory (the
 * device's format: 512-byte sectors, the flags on each). @return the bytes
 * of ranges, at *iova.
 */
static inline uint32_t
build_ranges(struct vireo_blkq *q, const struct vblk_req *r, uint16_t slot, uint64_t cmd_iova,
	     uint64_t *iova)
{
	struct vireo_blk_cmd *cmd = cmd_of(q, slot);
	uint32_t flags = (r->flags & VBLK_REQ_F_UNMAP) ? VIO_BLK_WZ_F_UNMAP : 0;
	struct vio_blk_discard_wz *out;
	uint16_t i;

	if (r->nranges <= 1) {
		/* One range (lba/nblocks, or an array of one): the command's own slot. */
		uint64_t lba = r->nranges == 0 ? r->lba : r->ranges[0].lba;
		uint32_t nblocks = r->nranges == 0 ? r->nblocks : r->ranges[0].nblocks;

		cmd->range.sector = lba << q->sector_shift;
		cmd->range.num_sectors = nblocks << q->sector_shift;
		cmd->range.flags = flags;
		*iova = cmd_iova + offsetof(struct vireo_blk_cmd, range);
		return sizeof(cmd->range);
	}
	/*
	 * Several: validation kept nranges within what info reported, so the
	 * device takes more than one and the slot has room for them.
	 */
	out = (struct vio_blk_discard_wz *)(cmd + 1);
	for (i = 0; i < r->nranges; i++) {
		out[i].sector = r->ranges[i].lba << q->sector_shift;
		out[i].num_sectors = r->ranges[i].nblocks << q->sector_shift;
		out[i].flags = flags;
	}
	*iova = cmd_iova + sizeof(*cmd);
	return (uint32_t)(r->nranges * sizeof(*out));
}

/*
 * Fill the chain of @p r into q->sg. @return readable count; *n_in the writable count.
 * The header, range and status stores need no barrier of their own: the
 * burst's vio_vq_publish() (release store of avail->idx, or rte_io_wmb())
 * makes them visible before the device can see the chain.
 */
static inline uint16_t
build_chain(struct vireo_blkq *q, const struct vblk_req *r, uint16_t slot, uint16_t *n_in)
{
	struct vireo_blk_cmd *cmd = cmd_of(q, slot);
	uint64_t cmd_iova = q->cmds_iova + (uint64_t)slot * q->cmd_stride;
	struct vio_sg *sg = q->sg;
	uint16_t n = 0, i, nseg = r->nseg;
	bool data_in = false;
	uint64_t range_iova;
	uint32_t range_len;

	cmd->hdr.reserved = 0;
	cmd->hdr.sector = r->lba << q->sector_shift;
	cmd->status = VIREO_BLK_STATUS_UNSET;
	sg[n++] = (struct vio_sg){ cmd_iova + offsetof(struct vireo_blk_cmd, hdr),
				   sizeof(cmd->hdr) };
	switch (r->op) {
	case VBLK_OP_READ:
		cmd->hdr.type = VIO_BLK_T_IN;
		data_in = true;
		break;
	case VBLK_OP_WRITE:
		cmd->hdr.type = VIO_BLK_T_OUT;
		break;
	case VBLK_OP_FLUSH:
		cmd->hdr.type = VIO_BLK_T_FLUSH;
		break;
	case VBLK_OP_GET_ID:
		cmd->hdr.type = VIO_BLK_T_GET_ID;
		data_in = true;
		break;
	default: /* DISCARD, WRITE_ZEROES: the ranges carry the sectors, one descriptor. */
		cmd->hdr.type = r->op == VBLK_OP_DISCARD ? VIO_BLK_T_DISCARD :
							   VIO_BLK_T_WRITE_ZEROES;
		cmd->hdr.sector = 0;
		range_len = build_ranges(q, r, slot, cmd_iova, &range_iova);
		sg[n++] = (struct vio_sg){ range_iova, range_len };
		nseg = 0; /* nranges, not data segments */
		break;
	}
	for (i = 0; i < nseg; i++)
		sg[n++] = (struct vio_sg){ r->segs[i].iova, r->segs[i].len };
	sg[n++] = (struct vio_sg){ cmd_iova + offsetof(struct vireo_blk_cmd, status), 1 };
	/* Readable: header (+ ranges) (+ write data); writable: read data + status. */
	*n_in = (uint16_t)(data_in ? nseg + 1 : 1);
	return (uint16_t)(n - *n_in);
}

uint16_t
vireo_blk_enqueue(void *qpriv, struct vblk_req **reqs, uint16_t n)
{
	struct vireo_blkq *q = qpriv;
	uint16_t i, slot, n_out, n_in;
	int rc = 0;

	for (i = 0; i < n && q->outstanding < q->depth; i++) {
		struct vblk_req *r = reqs[i];

		if (unlikely(q->vq == NULL || vio_vq_is_broken(q->vq))) {
			fail_req(q, r);
			q->outstanding++;
			continue;
		}
		slot = q->free_slots[q->nfree - 1];
		n_out = build_chain(q, r, slot, &n_in);
		if (q->indirect) {
			const struct vio_dma_region *t = q->table_dma[slot / q->tables_per_chunk];
			size_t off = (size_t)(slot % q->tables_per_chunk) * q->table_len *
				     sizeof(struct vio_vq_ind_desc);

			rc = vio_vq_add_indirect(q->vq, q->sg, n_out, n_in, vio_dma_va_at(t, off),
						 vio_dma_iova_at(t, off), slot_cookie(slot));
		} else
			rc = vio_vq_add_chain(q->vq, q->sg, n_out, n_in, slot_cookie(slot));
		if (unlikely(rc == -ENOSPC))
			break; /* Ring full (direct chains): the caller retries later. */
		if (unlikely(rc < 0)) {
			/* Broken since the check, or a chain validation should have stopped. */
			VIREO_BLK_LOG(ERR, q->blk, "queue %u: request refused by the ring (%d)",
				      q->qid, rc);
			fail_req(q, r);
			q->outstanding++;
			continue;
		}
		q->nfree--;
		q->slot_req[slot] = r;
		q->outstanding++;
	}
	/* One avail publish and at most one doorbell for the whole burst. */
	if (q->vq != NULL)
		*q->doorbells += vio_vq_kick(q->vq);
	return i;
}

/*
 * Status byte of a completed request, read once (the device could rewrite it).
 * No barrier here: vio_vq_harvest() read used->idx with acquire (or
 * rte_io_rmb() after it), which orders this load after the device's write.
 */
static inline int
status_of(struct vireo_blkq *q, uint16_t slot, bool *lie)
{
	uint8_t st = __atomic_load_n(&cmd_of(q, slot)->status, __ATOMIC_RELAXED);

	switch (st) {
	case VIO_BLK_S_OK:
		return 0;
	case VIO_BLK_S_IOERR:
		return -EIO;
	case VIO_BLK_S_UNSUPP:
		return -ENOTSUP;
	default:
		*lie = true;
		return -EIO;
	}
}

/* Harvest up to @p n device completions into @p done. */
static uint16_t
harvest(struct vireo_blkq *q, struct vblk_req **done, uint16_t n)
{
	void *cookies[64];
	bool lie = false;
	uint16_t got = 0, slot;
	int h, i;

	h = vio_vq_harvest(q->vq, cookies, NULL, RTE_MIN(n, (uint16_t)RTE_DIM(cookies)));
	for (i = 0; i < h; i++) {
		struct vblk_req *r;

		slot = cookie_slot(cookies[i]);
		r = q->slot_req[slot];
		r->status = status_of(q, slot, &lie);
		put_slot(q, slot);
		q->outstanding--;
		done[got++] = r;
	}
	if (unlikely(lie)) {
		VIREO_BLK_LOG(ERR, q->blk,
			      "queue %u: the device completed a request without writing its "
			      "status byte: queue broken",
			      q->qid);
		vio_vq_mark_broken(q->vq, "status byte not written");
	}
	/* The engine marks the queue broken on a bad id, len or idx (h < 0, or after the
	 * good completions it returned): what is left in flight fails now, once. */
	if (unlikely(h < 0 || vio_vq_is_broken(q->vq)))
		queue_broke(q);
	return got;
}

/*
 * Nothing completed while requests are out: now and then (a timer read per
 * empty poll, the status read every VIREO_BLK_STATUS_PERIOD_MS, and at once
 * after a transport status event: a vhost-user backend hung up) ask whether
 * the device gave up (DEVICE_NEEDS_RESET, section 2.1.2: it will not
 * complete them) or is gone (status 0xff has that bit too). Then the queue
 * breaks and its requests complete -EIO instead of never.
 */
static void
check_device_alive(struct vireo_blkq *q)
{
	uint64_t now = rte_get_timer_cycles();
	uint32_t events = __atomic_load_n(&q->blk->status_events, __ATOMIC_ACQUIRE);

	/* A status event (the backend hung up) is read at once. */
	if (likely(now < q->next_status_tsc) && events == q->status_events_seen)
		return;
	q->next_status_tsc = now + status_period_tsc();
	q->status_events_seen = events;
	if (!vio_dev_needs_reset(q->blk->vdev))
		return;
	VIREO_BLK_LOG(ERR, q->blk,
		      "queue %u: the device needs a reset (DEVICE_NEEDS_RESET, or it is gone): "
		      "its requests complete -EIO; vblk_dev_stop() and start to recover",
		      q->qid);
	vio_vq_mark_broken(q->vq, "device needs reset");
	queue_broke(q);
}

uint16_t
vireo_blk_dequeue(void *qpriv, struct vblk_req **done, uint16_t n)
{
	struct vireo_blkq *q = qpriv;
	uint16_t got = 0;

	if (q->vq != NULL && !vio_vq_is_broken(q->vq) && q->outstanding > 0) {
		got = harvest(q, done, n);
		if (got == 0 && q->failed_head == q->failed_tail)
			check_device_alive(q);
	}
	while (got < n && q->failed_head != q->failed_tail) {
		done[got++] = q->failed[q->failed_head++ & q->failed_mask];
		q->outstanding--;
	}
	return got;
}
