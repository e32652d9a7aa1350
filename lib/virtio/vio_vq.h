/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Virtqueue API the drivers use, whatever the ring layout: split (virtio
 * 1.2 section 2.7, vio_vq_split.h) or packed (section 2.8, vio_vq_packed.h).
 * vio_vq_create() picks the engine from the negotiated features
 * (VIRTIO_F_RING_PACKED) and records it in the queue; every call below
 * dispatches on that flag with one inline, well-predicted branch (no
 * function pointers on the data path). Drivers never see which engine they
 * got.
 *
 * Contract common to both engines:
 *
 * Concurrency: one producer (add/kick) and one consumer (harvest) per
 * queue, normally the same lcore; no locks. The device is untrusted:
 * every id, len, index or flag it writes is validated. A device that lies
 * gets the queue marked broken and every later call returns -EIO; the
 * driver never follows a device-written value out of bounds, never
 * completes a buffer twice and never loses one: vio_vq_detach() returns
 * every in-flight cookie after a reset.
 *
 * Barriers: SMP barriers (release/acquire, a full fence) when both sides
 * are software; I/O barriers (rte_io_*) when VIRTIO_F_ORDER_PLATFORM was
 * negotiated (section 6.1). Notification suppression: the driver asks for
 * no interrupts while it polls (vio_vq_enable_intr() asks for one), and
 * kicks honour the device's suppression (with EVENT_IDX, its event index).
 */
#ifndef VIO_VQ_H
#define VIO_VQ_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vio_dev.h"
#include "vio_spec.h"
#include "vio_vq_common.h"
#include "vio_vq_packed.h"
#include "vio_vq_split.h"

/** A virtqueue of either engine. Treat as opaque. */
struct vio_vq {
	union {
		struct vio_vq_hdr h;         /**< Common to both engines. */
		struct vio_vq_split split;   /**< Valid when !h.packed. */
		struct vio_vq_packed packed; /**< Valid when h.packed. */
	};
};

/**
 * Allocate a queue of @p size descriptors (0: the device maximum) on
 * @p socket, program it into the device and enable it. The engine follows
 * the negotiated features: packed when VIRTIO_F_RING_PACKED, else split.
 *
 * Call between vio_dev_negotiate() and vio_dev_driver_ok().
 *
 * @return 0 with *out set; -EINVAL for a bad size (split: not a power of
 *         two; either: above the device maximum); -ENOENT when the device
 *         has no such queue; -ENOMEM; or the transport's error.
 */
int vio_vq_create(struct vio_dev *dev, uint16_t index, uint16_t size, int socket,
		  struct vio_vq **out);

/**
 * Free a queue's memory. The device must no longer use it (reset first).
 * In-flight cookies are not freed: drain them with vio_vq_detach() first.
 */
void vio_vq_destroy(struct vio_vq *vq);

/**
 * Add a chain of @p n_out device-readable buffers followed by @p n_in
 * device-writable buffers. The chain is not visible to the device until
 * vio_vq_publish() or vio_vq_kick().
 *
 * @param cookie Non-NULL token returned by vio_vq_harvest().
 * @return 0; -ENOSPC when fewer than n_out + n_in descriptors are free;
 *         -EINVAL for an empty chain, NULL cookie or zero-length buffer;
 *         -EIO when the queue is broken.
 */
static inline int
vio_vq_add_chain(struct vio_vq *vq, const struct vio_sg *sg, uint16_t n_out, uint16_t n_in,
		 void *cookie)
{
	if (vq->h.packed)
		return vio_vq_packed_add_chain(&vq->packed, sg, n_out, n_in, cookie);
	return vio_vq_split_add_chain(&vq->split, sg, n_out, n_in, cookie);
}

/**
 * Add a chain as one indirect descriptor (sections 2.7.5.3, 2.8.7): the
 * @p n_out readable then @p n_in writable buffers are written into
 * @p table in the engine's descriptor format, and the ring takes a single
 * descriptor pointing at it, so a queue of size N holds N chains whatever
 * their length.
 *
 * @p table is driver-owned DMA memory of at least n_out + n_in entries,
 * 16-byte aligned, at device address @p table_iova; the device reads it
 * until the chain is harvested (or the queue reset), so the caller must not
 * reuse it before then. One table per in-flight chain.
 *
 * @return 0; -ENOTSUP when VIRTIO_F_INDIRECT_DESC was not negotiated;
 *         -EINVAL for an empty chain, one longer than the queue size (the
 *         spec's limit on a chain), a zero-length buffer, a NULL cookie or
 *         table, or a misaligned table; -ENOSPC when the ring is full;
 *         -EIO when the queue is broken.
 */
static inline int
vio_vq_add_indirect(struct vio_vq *vq, const struct vio_sg *sg, uint16_t n_out, uint16_t n_in,
		    struct vio_vq_ind_desc *table, uint64_t table_iova, void *cookie)
{
	if (vq->h.packed)
		return vio_vq_packed_add_indirect(&vq->packed, sg, n_out, n_in, table, table_iova,
						  cookie);
	return vio_vq_split_add_indirect(&vq->split, sg, n_out, n_in, table, table_iova, cookie);
}

/**
 * Harvest up to @p max used chains in completion order.
 *
 * @param cookies Receives each chain's cookie.
 * @param lens    Receives the bytes the device wrote (may be NULL); always 0
 *                for a chain without writable bytes, whatever the device
 *                wrote there (counted by vio_vq_bad_len_count()).
 * @return number harvested (0..max), or -EIO when the queue is (or is now)
 *         broken because the device wrote an invalid id, len, index or
 *         flags. Chains validated before a bad entry are still returned
 *         (count > 0); the next call then returns -EIO.
 */
static inline int
vio_vq_harvest(struct vio_vq *vq, void **cookies, uint32_t *lens, uint16_t max)
{
	if (vq->h.packed)
		return vio_vq_packed_harvest(&vq->packed, cookies, lens, max);
	return vio_vq_split_harvest(&vq->split, cookies, lens, max);
}

/** Lens staged per vio_vq_harvest() call on vio_vq_harvest_by()'s general path. */
#define VIO_VQ_HARVEST_BY_CHUNK 32u

/*
 * vio_vq_harvest_by()'s general path (either engine, any queue): harvest
 * in chunks, then hand each chain to @p fn as chain @p base + k. The first
 * chunk is asked for even when @p max is 0, so that a broken queue (or a
 * used index that breaks it) is reported as vio_vq_harvest() reports it.
 */
static __rte_always_inline int
vio_vq_harvest_each(struct vio_vq *vq, void **cookies, uint16_t max, vio_vq_used_fn fn, void *ctx,
		    unsigned int base)
{
	uint32_t lens[VIO_VQ_HARVEST_BY_CHUNK];
	unsigned int done = 0;
	uint16_t want;
	int got;

	do {
		want = (uint16_t)RTE_MIN((unsigned int)max - done, VIO_VQ_HARVEST_BY_CHUNK);
		got = vio_vq_harvest(vq, cookies + done, lens, want);
		if (got <= 0)
			return done > 0 || base > 0 ? (int)done : got;
		for (int k = 0; k < got; k++)
			fn(ctx, base + done + (unsigned int)k, cookies[done + k], lens[k]);
		done += (unsigned int)got;
	} while (got == want && done < max);
	return (int)done;
}

/**
 * vio_vq_harvest() that hands each harvested chain to @p fn (its index in
 * this call, cookie and validated used len) as it is taken, instead of
 * filling a lens array: the caller's per-chain work runs in the harvest
 * loop itself. On a split queue in order whose chains are all one writable
 * buffer of the same length (an rx queue, see vio_vq_add_bufs_by()) that is
 * the engine's vector loop; on a packed queue in order, a loop over the
 * ring for as long as each used descriptor completes one one-descriptor
 * chain; otherwise chains are harvested in chunks and then handed over.
 * Same validation and results as vio_vq_harvest().
 *
 * @param cookies Receives each chain's cookie, as from vio_vq_harvest().
 * @param fn      Called once per harvested chain, in order; pass an inline
 *                function (this is always inlined).
 * @param fn4     NULL, or called instead of @p fn for chains the vector
 *                loop takes four at a time (x86), with their used elements.
 * @return number harvested (0..max) or -EIO, as vio_vq_harvest().
 */
static __rte_always_inline int
vio_vq_harvest_by(struct vio_vq *vq, void **cookies, uint16_t max, vio_vq_used_fn fn,
		  vio_vq_used4_fn fn4, void *ctx)
{
	bool more = false;
	int n;

	if (likely(!vq->h.packed) && vio_vq_split_is_uniform(&vq->split))
		n = vio_vq_split_harvest_uniform(&vq->split, cookies, max, fn, fn4, ctx, &more);
	else if (vq->h.packed && vq->packed.in_order)
		n = vio_vq_packed_harvest_in_order_by(&vq->packed, cookies, max, fn, ctx, &more);
	else
		return vio_vq_harvest_each(vq, cookies, max, fn, ctx, 0);
	if (likely(!more) || n < 0)
		return n;
	/* What the fast loop did not take (a batch, or a lie): the general path decides. */
	return n +
	       vio_vq_harvest_each(vq, cookies + n, (uint16_t)(max - n), fn, ctx, (unsigned int)n);
}

/**
 * Take back the cookie of one chain the device never completed (after a
 * reset), freeing its descriptors. Call until it returns NULL, then
 * destroy the queue: it cannot be used again.
 */
static inline void *
vio_vq_detach(struct vio_vq *vq)
{
	if (vq->h.packed)
		return vio_vq_packed_detach(&vq->packed);
	return vio_vq_split_detach(&vq->split);
}

/** Free descriptors. */
static inline uint16_t
vio_vq_num_free(const struct vio_vq *vq)
{
	return vq->h.num_free;
}

/** Descriptors in the ring (the size the queue was created with). */
static inline uint16_t
vio_vq_size(const struct vio_vq *vq)
{
	return vq->h.size;
}

/** True when the queue uses the packed ring layout. */
static inline bool
vio_vq_is_packed(const struct vio_vq *vq)
{
	return vq->h.packed;
}

/** Bytes of DMA memory the queue's rings take. */
size_t vio_vq_ring_bytes(const struct vio_vq *vq);

/**
 * Id the next vio_vq_add_chain() / vio_vq_add_buf() will use, in
 * 0..size-1 (valid while vio_vq_num_free() > 0): the head descriptor
 * (split) or buffer id (packed). Lets a driver index per-chain side
 * buffers (e.g. a net header slot) without a lookup.
 */
static inline uint16_t
vio_vq_next_head(const struct vio_vq *vq)
{
	if (vq->h.packed)
		return vio_vq_packed_next_head(&vq->packed);
	return vio_vq_split_next_head(&vq->split);
}

/** True when the device misbehaved on this queue. */
static inline bool
vio_vq_is_broken(const struct vio_vq *vq)
{
	return vq->h.broken;
}

/**
 * Completions of chains without device-writable bytes (tx) that carried a
 * non-zero used len. Such a len is meaningless (nothing was to be written,
 * and real devices leave garbage there), so it is reported as 0 and counted
 * here instead of breaking the queue.
 */
static inline uint64_t
vio_vq_bad_len_count(const struct vio_vq *vq)
{
	return vq->h.bad_len;
}

/**
 * True when the queue orders its ring accesses with the I/O barriers
 * (rte_io_*), chosen at creation because VIRTIO_F_ORDER_PLATFORM was
 * negotiated; false: the SMP barriers (rte_smp_*, acquire/release).
 */
static inline bool
vio_vq_uses_io_barriers(const struct vio_vq *vq)
{
	return vq->h.io_barriers;
}

/** Mark the queue broken (with a log line saying why). */
static inline void
vio_vq_mark_broken(struct vio_vq *vq, const char *why)
{
	vio_vq_hdr_mark_broken(&vq->h, why);
}

/**
 * Add one buffer as a whole chain: the single-descriptor fast path used by
 * the net data path (rx refill, tx with the header in headroom).
 *
 * @param writable True for a device-writable buffer (rx), false for tx.
 * @return 0, -ENOSPC or -EIO (broken).
 */
static inline int
vio_vq_add_buf(struct vio_vq *vq, uint64_t iova, uint32_t len, bool writable, void *cookie)
{
	if (vq->h.packed)
		return vio_vq_packed_add_buf(&vq->packed, iova, len, writable, cookie);
	return vio_vq_split_add_buf(&vq->split, iova, len, writable, cookie);
}

/**
 * Add up to @p n single-buffer chains at once: buffer i at @p iovas[i],
 * @p lens[i] bytes (or @p len each when @p lens is NULL), device-writable
 * (rx) or not (tx), with @p cookies[i]. The batch form of vio_vq_add_buf()
 * for rx refills and tx bursts: same result, less work per buffer.
 *
 * @return the number added (fewer than @p n only when the ring fills), or
 *         -EIO when the queue is broken.
 */
static __rte_always_inline int
vio_vq_add_bufs(struct vio_vq *vq, void *const *cookies, const uint64_t *iovas,
		const uint32_t *lens, uint32_t len, bool writable, uint16_t n)
{
	if (vq->h.packed)
		return vio_vq_packed_add_bufs(&vq->packed, cookies, iovas, lens, len, writable, n);
	return vio_vq_split_add_bufs(&vq->split, cookies, iovas, lens, len, writable, n);
}

/**
 * vio_vq_add_bufs() for @p n device-writable buffers of @p len bytes each
 * whose address comes from the cookie: @p iova_of(cookies[i], @p ctx),
 * called as the descriptor is written (an rx refill computes the address
 * and prepares the buffer in the same pass). @p iova_of must be an inline
 * function (it is inlined here).
 *
 * @return as vio_vq_add_bufs().
 */
static __rte_always_inline int
vio_vq_add_bufs_by(struct vio_vq *vq, void *const *cookies, vio_vq_iova_fn iova_of, uint64_t ctx,
		   uint32_t len, uint16_t n)
{
	if (vq->h.packed)
		return vio_vq_packed_add_bufs_by(&vq->packed, cookies, NULL, iova_of, ctx, NULL,
						 len, true, n);
	return vio_vq_split_add_bufs_by(&vq->split, cookies, NULL, iova_of, ctx, NULL, len, true,
					n);
}

/**
 * Make every chain added so far visible to the device at once, without a
 * notification. The next vio_vq_kick() tells news by 16-bit ring indexes
 * (the spec's notification window), so kick at least once per 65535 chains
 * published: exactly 65536 in between would look like none.
 */
static inline void
vio_vq_publish(struct vio_vq *vq)
{
	if (vq->h.packed)
		vio_vq_packed_publish(&vq->packed);
	else
		vio_vq_split_publish(&vq->split);
}

/** Write the doorbell unconditionally. */
static inline void
vio_vq_notify(struct vio_vq *vq)
{
	vio_vq_hdr_notify(&vq->h);
}

/**
 * Publish and notify the device if it has new buffers and has not
 * suppressed notifications. At most one doorbell write per call.
 *
 * @return true when the doorbell was written.
 */
static inline bool
vio_vq_kick(struct vio_vq *vq)
{
	if (vq->h.packed)
		return vio_vq_packed_kick(&vq->packed);
	return vio_vq_split_kick(&vq->split);
}

/**
 * Describe the ring state of @p vq in @p buf (one line, at most @p len
 * bytes with the NUL): the driver's positions and counters, what the device
 * last wrote (used index or the descriptor at the next used position) and
 * both sides' notification suppression. For diagnostics, e.g. when a device
 * stops consuming a ring. @return snprintf()'s result.
 */
int vio_vq_describe(const struct vio_vq *vq, char *buf, size_t len);

/**
 * Used chains the device has completed that we have not harvested
 * (packed: 0 or 1, whether harvest has something to look at: the next
 * used descriptor, or a lie there that harvest reports; the count is not
 * known without walking the ring).
 */
static inline uint16_t
vio_vq_used_pending(const struct vio_vq *vq)
{
	if (vq->h.packed)
		return vio_vq_packed_used_pending(&vq->packed);
	return vio_vq_split_used_pending(&vq->split);
}

/*
 * ---- Used-buffer notifications (interrupt mode) ----
 *
 * While polling, the queue asks the device not to notify. A driver that
 * wants to sleep until the next used buffer calls vio_vq_enable_intr() and,
 * when it returns false, waits on the queue's interrupt fd
 * (vio_dev_queue_intr_fd()); once woken it calls vio_vq_disable_intr() and
 * polls again. Only the consumer (harvesting) side calls these.
 */

/**
 * Ask the device to notify (interrupt) on the next used buffer, then
 * re-check: @return true when used buffers are already pending: the device
 * may have published them before it saw the request, so no notification
 * is guaranteed for them and the caller must harvest instead of sleeping.
 */
static inline bool
vio_vq_enable_intr(struct vio_vq *vq)
{
	if (vq->h.packed)
		return vio_vq_packed_enable_intr(&vq->packed);
	return vio_vq_split_enable_intr(&vq->split);
}

/** Ask the device not to notify about used buffers (we poll). */
static inline void
vio_vq_disable_intr(struct vio_vq *vq)
{
	if (vq->h.packed)
		vio_vq_packed_disable_intr(&vq->packed);
	else
		vio_vq_split_disable_intr(&vq->split);
}

#endif /* VIO_VQ_H */
