/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Split virtqueue engine (virtio 1.2 section 2.7): descriptor free list,
 * adding chains, publishing and kicking, harvesting used entries.
 *
 * Concurrency: one producer (add/kick) and one consumer (harvest) per
 * queue, normally the same lcore; no locks. The descriptor table and the
 * avail ring are driver-written; the used ring is device-written and is
 * untrusted: every id, len and idx the device writes is validated. A device
 * that lies gets the queue marked broken and every later call returns
 * -EIO; the driver never follows a device-written value out of bounds and
 * never completes a buffer twice.
 *
 * Free-list links and per-chain state are kept in driver-private memory,
 * never read back from the shared descriptor table.
 *
 * Barriers: the orderings section 2.7.13 needs (descriptors and avail
 * entries before avail->idx; avail->idx before reading used->flags; used->idx
 * before the used entries) use the SMP barriers (release/acquire, a full
 * fence) when both sides are software, and the I/O barriers (rte_io_wmb,
 * rte_io_mb, rte_io_rmb) when VIRTIO_F_ORDER_PLATFORM was negotiated
 * (section 6.1: a real device behind the platform's interconnect). The
 * choice is a per-queue flag set at creation; on x86 both variants compile
 * to the same code except the full fence.
 *
 * Notification suppression (sections 2.7.7, 2.7.10): without
 * VIRTIO_F_EVENT_IDX the driver sets VIRTQ_AVAIL_F_NO_INTERRUPT (we poll)
 * and kicks unless the device set VIRTQ_USED_F_NO_NOTIFY. With EVENT_IDX the
 * avail flags are 0 (the spec's MUST), the flags the device writes are
 * ignored, and a kick notifies only when the batch it publishes contains
 * the avail index the device asked for in avail_event. A driver that wants
 * to sleep asks for used-buffer notifications with vio_vq_enable_intr().
 */
#ifndef VIO_VQ_H
#define VIO_VQ_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_atomic.h>
#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_io.h>

#include "vio_dev.h"
#include "vio_spec.h"

struct vio_dma_region;

/** One buffer of a chain: device address and length. */
struct vio_sg {
	uint64_t iova;
	uint32_t len;
};

/** Driver-private state of an in-flight chain, indexed by its head. */
struct vio_vq_slot {
	void *cookie;       /**< Caller's token; NULL when the head is free. */
	uint32_t in_len;    /**< Device-writable bytes: the most used.len may be. */
	uint16_t ndesc;     /**< Descriptors in the chain. */
	uint16_t last;      /**< Last descriptor of the chain. */
	uint16_t avail_pos; /**< avail index the chain was added at. */
};

/** A split virtqueue. Fields are read by inline helpers; treat as opaque. */
struct vio_vq {
	/* Ring pointers into the DMA region. */
	struct vio_desc *desc;
	struct vio_avail *avail;
	struct vio_used *used;
	uint16_t size;
	uint16_t mask;
	uint16_t index;   /**< Queue index on the device. */
	bool broken;      /**< Device misbehaved; queue is dead. */
	bool io_barriers; /**< VIRTIO_F_ORDER_PLATFORM: order with rte_io_* barriers. */
	bool event_idx;   /**< VIRTIO_F_EVENT_IDX: avail_event decides kicks. */
	/** Device-written avail_event (after used->ring[size]). */
	const uint16_t *avail_event;

	/* Producer state. */
	uint16_t free_head;       /**< First free descriptor. */
	uint16_t num_free;        /**< Free descriptors. */
	uint16_t avail_shadow;    /**< Next avail idx (not yet published). */
	uint16_t avail_published; /**< Last idx written to avail->idx. */
	uint16_t avail_kicked;    /**< avail idx at the last kick decision. */

	/* Consumer state. */
	uint16_t last_used; /**< Next used entry to harvest. */
	uint64_t bad_len;   /**< Non-zero used len on chains with no writable bytes. */

	volatile void *doorbell; /**< Notify address, NULL: use ops->notify. */
	uint32_t notify_data;    /**< Transport data for ops->notify. */
	struct vio_dev *dev;
	uint16_t *next_free; /**< Private free-list / chain links. */
	struct vio_vq_slot *slots;
	struct vio_dma_region *ring;
	uint64_t ring_iova;
};

/**
 * Allocate a split queue of @p size descriptors (0: the device maximum)
 * on @p socket, program it into the device and enable it.
 *
 * Call between vio_dev_negotiate() and vio_dev_driver_ok().
 *
 * @return 0 with *out set; -EINVAL for a bad size (not a power of two, or
 *         above the device maximum); -ENOENT when the device has no such
 *         queue; -ENOMEM; or the transport's error.
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
int vio_vq_add_chain(struct vio_vq *vq, const struct vio_sg *sg, uint16_t n_out, uint16_t n_in,
		     void *cookie);

/**
 * Add a chain as one indirect descriptor (section 2.7.5.3): the @p n_out
 * readable then @p n_in writable buffers are written into @p table, and the
 * ring takes a single descriptor pointing at it, so a queue of size N holds
 * N chains whatever their length.
 *
 * @p table is driver-owned DMA memory of at least n_out + n_in descriptors,
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
int vio_vq_add_indirect(struct vio_vq *vq, const struct vio_sg *sg, uint16_t n_out, uint16_t n_in,
			struct vio_desc *table, uint64_t table_iova, void *cookie);

/**
 * Harvest up to @p max used chains in completion order.
 *
 * @param cookies Receives each chain's cookie.
 * @param lens    Receives the bytes the device wrote (may be NULL); always 0
 *                for a chain without writable bytes, whatever the device
 *                wrote there (counted by vio_vq_bad_len_count()).
 * @return number harvested (0..max), or -EIO when the queue is (or is now)
 *         broken because the device wrote an invalid id, len or idx. Chains
 *         validated before a bad entry are still returned (count > 0); the
 *         next call then returns -EIO.
 */
int vio_vq_harvest(struct vio_vq *vq, void **cookies, uint32_t *lens, uint16_t max);

/**
 * Take back the cookie of one chain the device never completed (after a
 * reset), freeing its descriptors. Call until it returns NULL, then
 * destroy the queue: it cannot be used again.
 */
void *vio_vq_detach(struct vio_vq *vq);

/** Free descriptors. */
static inline uint16_t
vio_vq_num_free(const struct vio_vq *vq)
{
	return vq->num_free;
}

/**
 * Head descriptor the next vio_vq_add_chain() / vio_vq_add_buf() will use
 * (valid while vio_vq_num_free() > 0). Lets a driver index per-chain
 * side buffers (e.g. a net header slot) by head without a lookup.
 */
static inline uint16_t
vio_vq_next_head(const struct vio_vq *vq)
{
	return vq->free_head;
}

/** True when the device misbehaved on this queue. */
static inline bool
vio_vq_is_broken(const struct vio_vq *vq)
{
	return vq->broken;
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
	return vq->bad_len;
}

/**
 * True when the queue orders its ring accesses with the I/O barriers
 * (rte_io_*), chosen at creation because VIRTIO_F_ORDER_PLATFORM was
 * negotiated; false: the SMP barriers (rte_smp_*, acquire/release).
 */
static inline bool
vio_vq_uses_io_barriers(const struct vio_vq *vq)
{
	return vq->io_barriers;
}

/** Mark the queue broken (with a log line saying why). */
void vio_vq_mark_broken(struct vio_vq *vq, const char *why);

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
	uint16_t head = vq->free_head;
	struct vio_desc *d;
	struct vio_vq_slot *s;

	if (unlikely(vq->broken))
		return -EIO;
	if (unlikely(vq->num_free == 0))
		return -ENOSPC;
	d = &vq->desc[head];
	d->addr = iova;
	d->len = len;
	d->flags = writable ? VIO_DESC_F_WRITE : 0;
	d->next = 0;
	s = &vq->slots[head];
	s->cookie = cookie;
	s->in_len = writable ? len : 0;
	s->ndesc = 1;
	s->last = head;
	s->avail_pos = vq->avail_shadow;
	vq->free_head = vq->next_free[head];
	vq->num_free--;
	vq->avail->ring[vq->avail_shadow & vq->mask] = head;
	vq->avail_shadow++;
	return 0;
}

/**
 * Make every chain added so far visible to the device with one store of
 * avail->idx.
 */
static inline void
vio_vq_publish(struct vio_vq *vq)
{
	if (vq->avail_shadow == vq->avail_published)
		return;
	/*
	 * Section 2.7.13.3: descriptor-table and avail-ring writes must be
	 * visible to the device before the idx that exposes them.
	 */
	if (vq->io_barriers) {
		/* Ring stores before the idx store, as a platform device sees them. */
		rte_io_wmb();
		__atomic_store_n(&vq->avail->idx, vq->avail_shadow, __ATOMIC_RELAXED);
	} else {
		/* The release store orders all earlier stores before it. */
		__atomic_store_n(&vq->avail->idx, vq->avail_shadow, __ATOMIC_RELEASE);
	}
	vq->avail_published = vq->avail_shadow;
}

/** Write the doorbell unconditionally. */
static inline void
vio_vq_notify(struct vio_vq *vq)
{
	if (likely(vq->doorbell != NULL))
		/* rte_write16 puts an I/O write barrier before the MMIO store. */
		rte_write16(vq->index, vq->doorbell);
	else
		vio_dev_ops(vq->dev)->notify(vq->dev, vq->index, vq->notify_data);
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
	uint16_t old, new;

	vio_vq_publish(vq);
	old = vq->avail_kicked;
	new = vq->avail_published;
	if (new == old)
		return false;
	vq->avail_kicked = new;
	/*
	 * Section 2.7.13.4: the avail->idx store must be globally visible
	 * before we read used->flags (or avail_event); otherwise a device that
	 * re-enables notifications and then checks avail->idx could miss our
	 * update and we would both sleep. Store->load ordering needs a full
	 * barrier.
	 */
	if (vq->io_barriers)
		rte_io_mb(); /* avail->idx store before the suppression load (device) */
	else
		rte_smp_mb(); /* avail->idx store before the suppression load (CPU) */
	if (vq->event_idx) {
		uint16_t event = __atomic_load_n(vq->avail_event, __ATOMIC_RELAXED);

		/* Section 2.7.10: notify iff avail_event is one of old .. new - 1. */
		if ((uint16_t)(new - event - 1) >= (uint16_t)(new - old))
			return false;
	} else if (__atomic_load_n(&vq->used->flags, __ATOMIC_RELAXED) & VIO_USED_F_NO_NOTIFY) {
		return false;
	}
	vio_vq_notify(vq);
	return true;
}

/*
 * ---- Used-buffer notifications (interrupt mode) ----
 *
 * While polling, the queue asks the device not to notify (see the file
 * comment). A driver that wants to sleep until the next used buffer calls
 * vio_vq_enable_intr() and, when it returns false, waits on the queue's
 * interrupt fd (vio_dev_queue_intr_fd()); once woken it calls
 * vio_vq_disable_intr() and polls again. Only the consumer (harvesting)
 * side calls these.
 */

/**
 * Ask the device to notify the next used buffer (section 2.7.7: clear
 * VIRTQ_AVAIL_F_NO_INTERRUPT; section 2.7.10 with EVENT_IDX: used_event =
 * the next entry we harvest), then re-check the used ring.
 *
 * @return true when used buffers are already pending: the device may have
 *         published them before it saw the request, so no notification is
 *         guaranteed for them and the caller must poll instead of sleeping.
 *         false: safe to sleep, the device notifies the next used buffer.
 */
bool vio_vq_enable_intr(struct vio_vq *vq);

/**
 * Back to polling: ask the device not to notify used buffers (set
 * VIRTQ_AVAIL_F_NO_INTERRUPT, or park used_event 0xffff entries away).
 * Only a hint: a notification already on its way may still arrive.
 */
void vio_vq_disable_intr(struct vio_vq *vq);

/** Used entries the device has published but we have not harvested. */
static inline uint16_t
vio_vq_used_pending(const struct vio_vq *vq)
{
	return (uint16_t)(__atomic_load_n(&vq->used->idx, __ATOMIC_RELAXED) - vq->last_used);
}

#endif /* VIO_VQ_H */
