/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Packed virtqueue engine (virtio 1.2 section 2.8): one descriptor ring
 * that both sides write, plus an event suppression structure per
 * direction. Same contract as the split engine (see vio_vq.h).
 *
 * Ring positions and wrap counters: the driver writes descriptors in ring
 * order at next_avail and flips its avail wrap counter each time it passes
 * the end; a descriptor is available when its AVAIL bit equals that counter
 * and its USED bit does not. The device writes one used descriptor per
 * completed chain, in ring order, with AVAIL == USED == its used wrap
 * counter, and skips as many positions as the chain had descriptors; the
 * driver reads them at last_used with its own used wrap counter. Both
 * counters live here as the flag bits they imply (avail_flags,
 * used_flags), so the data path compares and xors, never divides.
 *
 * Buffer ids come from a driver-private free-id list (0..size-1); per-id
 * state (cookie, descriptor count, writable bytes) never comes from the
 * shared ring.
 *
 * VIRTIO_F_IN_ORDER (section 2.8.20): the device uses chains in the order
 * they were made available and may complete a batch of them with ONE used
 * descriptor, written at the batch's first position and carrying the id of
 * its last chain; it then skips as many positions as the whole batch took.
 * In that mode a chain's buffer id is the ring position of its first
 * descriptor (the free-id list is the identity ring, never reordered), so
 * the chains in flight run contiguously from last_used, the oldest one's id
 * is last_used itself, and a used id that is not last_used names the last
 * chain of a batch: its add_seq tells how many chains the batch spans, with
 * no walk. Those chains are handed out oldest first, possibly across
 * several harvest calls (batch_left, batch_len); the inner ones with their
 * whole writable length (the device used them completely), the last with
 * the descriptor's len.
 *
 * Untrusted device: a used descriptor's id must be a published in-flight
 * id (in order: one at or after the oldest in-flight chain), its len at
 * most the (last) chain's writable bytes, and the AVAIL/USED bits
 * at last_used must read either "ours, not used yet" or "used in this lap"
 * while chains are in flight; anything else marks the queue broken.
 *
 * Publishing: every descriptor of a burst is written in full except the
 * flags of the burst's first descriptor, which vio_vq_packed_publish()
 * stores last, with release semantics (or after rte_io_wmb with
 * ORDER_PLATFORM): the device reads the ring in order and stops at the
 * first descriptor that is not available, so that one store exposes the
 * whole burst and the device never sees a partial chain (section 2.8.21.3).
 */
#ifndef VIO_VQ_PACKED_H
#define VIO_VQ_PACKED_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_atomic.h>
#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_io.h>

#include "vio_dev.h"
#include "vio_spec.h"
#include "vio_vq_common.h"

/** AVAIL and USED bits together. */
#define VIO_PACKED_WRAP_BITS (VIO_PACKED_DESC_F_AVAIL | VIO_PACKED_DESC_F_USED)

/** Driver-private state of an in-flight chain, indexed by buffer id. */
struct vio_vq_packed_slot {
	void *cookie;     /**< Caller's token; NULL when the id is free. */
	uint32_t in_len;  /**< Device-writable bytes: the most used len may be. */
	uint16_t ndesc;   /**< Ring descriptors the chain takes. */
	uint16_t add_seq; /**< Chain count when it was added (published check). */
};

/** A packed virtqueue. Fields are read by inline helpers; treat as opaque. */
struct vio_vq_packed {
	struct vio_vq_hdr h; /**< Engine-independent state (first member). */
	struct vio_packed_desc *desc;
	struct vio_packed_event *driver_event;       /**< Driver-written. */
	const struct vio_packed_event *device_event; /**< Device-written. */

	/* Producer state. */
	uint16_t next_avail;  /**< Ring position of the next descriptor. */
	uint16_t avail_flags; /**< AVAIL/USED bits of this lap (the avail wrap counter). */
	uint16_t free_id;     /**< First free buffer id. */
	uint16_t batch_pos;   /**< Position of the burst's first descriptor... */
	uint16_t batch_flags; /**< ... and the flags publish stores there. */
	bool batch_open;      /**< Chains added since the last publish. */
	uint16_t added;       /**< Chains added (free-running). */
	uint16_t published;   /**< Chains published. */
	uint16_t kicked;      /**< Chains published at the last kick decision. */

	/* Consumer state. */
	uint16_t last_used;  /**< Ring position of the next used descriptor. */
	uint16_t used_flags; /**< AVAIL|USED of a used descriptor this lap (used wrap counter). */
	uint16_t harvested;  /**< Chains harvested (free-running). */
	bool in_order;       /**< VIRTIO_F_IN_ORDER: ids are ring positions (set at create). */
	uint16_t batch_left; /**< In order: chains of a batched completion not handed out yet. */
	uint32_t batch_len;  /**< In order: used len of that batch's last chain. */

	uint16_t *next_id; /**< Private free-id list links. */
	struct vio_vq_packed_slot *slots;
};

/**
 * Set up the packed queue @p vq (zeroed memory) of @p size descriptors
 * (any size 1..32768, already checked against the device maximum) on
 * @p socket and program it into the device. On error everything it
 * allocated is released.
 */
int vio_vq_packed_create(struct vio_vq_packed *vq, struct vio_dev *dev, uint16_t index,
			 uint16_t size, int socket);

/** Release the queue's memory (not @p vq itself). */
void vio_vq_packed_release(struct vio_vq_packed *vq);

/** See vio_vq_add_chain(). */
int vio_vq_packed_add_chain(struct vio_vq_packed *vq, const struct vio_sg *sg, uint16_t n_out,
			    uint16_t n_in, void *cookie);

/** See vio_vq_add_indirect(). */
int vio_vq_packed_add_indirect(struct vio_vq_packed *vq, const struct vio_sg *sg, uint16_t n_out,
			       uint16_t n_in, struct vio_vq_ind_desc *table, uint64_t table_iova,
			       void *cookie);

/** See vio_vq_detach(). */
void *vio_vq_packed_detach(struct vio_vq_packed *vq);

/** The used descriptor at last_used is inconsistent or lies: mark broken. @return -EIO. */
int vio_vq_packed_bad_used(struct vio_vq_packed *vq, uint16_t flags, uint32_t id, uint32_t len);

/**
 * In order: the used descriptor at last_used (@p flags, @p id, @p len) is
 * not the plain completion of the oldest chain (a batch, a read-only
 * chain's meaningless len, or a lie). Arm the batch that ends at chain
 * @p id (batch_len set), or mark the queue broken.
 * @return the chains the batch spans (>= 1), or -EIO.
 */
int vio_vq_packed_in_order_used(struct vio_vq_packed *vq, uint16_t flags, uint32_t id,
				uint32_t len);

/**
 * Ask the device to notify on the next used buffer (ENABLE, or DESC at
 * last_used under EVENT_IDX), then re-check. @return true when a used
 * buffer is already pending.
 */
bool vio_vq_packed_enable_intr(struct vio_vq_packed *vq);

/** Ask the device not to notify (DISABLE): we poll. */
void vio_vq_packed_disable_intr(struct vio_vq_packed *vq);

/** Buffer id the next add will use (valid while descriptors are free). */
static inline uint16_t
vio_vq_packed_next_head(const struct vio_vq_packed *vq)
{
	return vq->free_id;
}

/* Step a ring position, flipping the wrap bits at the end of the ring. */
static inline void
vio_vq_packed_step(uint16_t *pos, uint16_t *wrap_flags, uint16_t size)
{
	if (unlikely(++*pos == size)) {
		*pos = 0;
		*wrap_flags ^= VIO_PACKED_WRAP_BITS;
	}
}

/* Move a ring position past @p n descriptors (n <= size), flipping the wrap bits at the end. */
static inline void
vio_vq_packed_skip(uint16_t *pos, uint16_t *wrap_flags, uint16_t n, uint16_t size)
{
	*pos = (uint16_t)(*pos + n);
	if (*pos >= size) {
		*pos = (uint16_t)(*pos - size);
		*wrap_flags ^= VIO_PACKED_WRAP_BITS;
	}
}

/*
 * Store a descriptor's flags. The first descriptor of the open burst is
 * kept back for vio_vq_packed_publish(); any other is stored now (the
 * device cannot read past the burst's first descriptor before it is
 * published, so no barrier is needed here).
 */
static inline void
vio_vq_packed_set_flags(struct vio_vq_packed *vq, uint16_t pos, uint16_t flags)
{
	if (vq->batch_open) {
		__atomic_store_n(&vq->desc[pos].flags, flags, __ATOMIC_RELAXED);
	} else {
		vq->batch_open = true;
		vq->batch_pos = pos;
		vq->batch_flags = flags;
	}
}

/** See vio_vq_add_buf(): one descriptor, one chain. */
static inline int
vio_vq_packed_add_buf(struct vio_vq_packed *vq, uint64_t iova, uint32_t len, bool writable,
		      void *cookie)
{
	uint16_t id = vq->free_id, pos = vq->next_avail;
	struct vio_packed_desc *d;
	struct vio_vq_packed_slot *s;

	if (unlikely(vq->h.broken))
		return -EIO;
	if (unlikely(vq->h.num_free == 0))
		return -ENOSPC;
	d = &vq->desc[pos];
	d->addr = iova;
	d->len = len;
	d->id = id;
	s = &vq->slots[id];
	s->cookie = cookie;
	s->in_len = writable ? len : 0;
	s->ndesc = 1;
	s->add_seq = vq->added++;
	vq->free_id = vq->next_id[id];
	vq->h.num_free--;
	vio_vq_packed_set_flags(vq, pos,
				(uint16_t)(vq->avail_flags | (writable ? VIO_DESC_F_WRITE : 0)));
	vio_vq_packed_step(&vq->next_avail, &vq->avail_flags, vq->h.size);
	return 0;
}

/* One in-order buffer at ring position @p pos (id = pos), all but the flags. */
static __rte_always_inline void
vio_vq_packed_fill_in_order(struct vio_packed_desc *d, struct vio_vq_packed_slot *s, void *cookie,
			    uint64_t iova, uint32_t len, bool writable, uint16_t pos, uint16_t seq)
{
	d->addr = iova;
	d->len = len;
	d->id = pos;
	s->cookie = cookie;
	s->in_len = writable ? len : 0;
	s->ndesc = 1;
	s->add_seq = seq;
}

/* An 8-byte word over descriptor or slot fields (layouts checked below). */
typedef uint64_t __attribute__((may_alias)) vio_vq_packed_word;
static_assert(offsetof(struct vio_packed_desc, len) == 8 &&
		      offsetof(struct vio_packed_desc, id) == 12 &&
		      offsetof(struct vio_packed_desc, flags) == 14,
	      "packed descriptor: len, id, flags in its second 8 bytes");
static_assert(offsetof(struct vio_vq_packed_slot, in_len) == 8 &&
		      offsetof(struct vio_vq_packed_slot, ndesc) == 12 &&
		      offsetof(struct vio_vq_packed_slot, add_seq) == 14,
	      "packed slot: in_len, ndesc, add_seq in its second 8 bytes");

/*
 * vio_vq_add_bufs() in order: buffer ids are ring positions, so the loop
 * keeps the ring position, wrap bits and chain count in registers and
 * touches neither the free-id list nor anything it does not write. The
 * first buffer's flags go through vio_vq_packed_set_flags() (kept back when
 * it opens the burst); the rest run in a loop per stretch up to the ring
 * end, with their flags stored directly.
 */
static __rte_always_inline uint16_t
vio_vq_packed_add_bufs_in_order(struct vio_vq_packed *vq, void *const *cookies,
				const uint64_t *iovas, vio_vq_iova_fn iova_of, uint64_t ctx,
				const uint32_t *lens, uint32_t len, bool writable, uint16_t n)
{
	struct vio_packed_desc *desc = vq->desc;
	struct vio_vq_packed_slot *slots = vq->slots;
	const uint16_t size = vq->h.size, write = writable ? VIO_DESC_F_WRITE : 0;
	uint16_t pos = vq->next_avail, wrap = vq->avail_flags, added = vq->added, i;

	n = RTE_MIN(n, vq->h.num_free);
	if (n == 0)
		return 0;
	vio_vq_packed_fill_in_order(&desc[pos], &slots[pos], cookies[0],
				    VIO_VQ_BUF_IOVA(iovas, iova_of, ctx, cookies[0], 0),
				    lens != NULL ? lens[0] : len, writable, pos, added++);
	vio_vq_packed_set_flags(vq, pos, (uint16_t)(wrap | write));
	vio_vq_packed_step(&pos, &wrap, size);
	for (i = 1; i < n;) {
		const uint16_t end = (uint16_t)RTE_MIN(n, i + (size - pos));
		/* Descriptor: id (the position) and flags above len; slot: ndesc 1
		 * and add_seq above in_len. Stepped by adding, not rebuilt. */
		uint64_t id_flags = (uint64_t)pos << 32 | (uint64_t)(wrap | write) << 48;
		uint64_t ndesc_seq = (uint64_t)1 << 32 | (uint64_t)added << 48;
		struct vio_packed_desc *d = &desc[pos];
		struct vio_vq_packed_slot *sl = &slots[pos];

		pos = (uint16_t)(pos + (end - i));
		added = (uint16_t)(added + (end - i));
		/*
		 * Not the burst's first: the device uses none of these before
		 * publish, but may read a flags word early, so len, id and flags
		 * go in one atomic store (little-endian words, vio_spec.h).
		 */
		for (; i < end; i++, d++, sl++) {
			const uint32_t l = lens != NULL ? lens[i] : len;

			d->addr = VIO_VQ_BUF_IOVA(iovas, iova_of, ctx, cookies[i], i);
			__atomic_store_n((vio_vq_packed_word *)&d->len, id_flags | l,
					 __ATOMIC_RELAXED);
			sl->cookie = cookies[i];
			*(vio_vq_packed_word *)&sl->in_len = ndesc_seq | (writable ? l : 0);
			id_flags += (uint64_t)1 << 32;
			ndesc_seq += (uint64_t)1 << 48; /* add_seq wraps at 16 bits, off the top */
		}
		if (pos == size) {
			pos = 0;
			wrap ^= VIO_PACKED_WRAP_BITS;
		}
	}
	vq->next_avail = pos;
	vq->avail_flags = wrap;
	vq->free_id = pos; /* in order, the next id is the next position */
	vq->added = added;
	vq->h.num_free = (uint16_t)(vq->h.num_free - n);
	return n;
}

/**
 * See vio_vq_add_bufs() and vio_vq_add_bufs_by(): addresses from @p iovas,
 * or from @p iova_of(cookie, @p ctx) when it is not NULL.
 */
static __rte_always_inline int
vio_vq_packed_add_bufs_by(struct vio_vq_packed *vq, void *const *cookies, const uint64_t *iovas,
			  vio_vq_iova_fn iova_of, uint64_t ctx, const uint32_t *lens, uint32_t len,
			  bool writable, uint16_t n)
{
	uint16_t i;

	if (unlikely(vq->h.broken))
		return -EIO;
	if (vq->in_order)
		return vio_vq_packed_add_bufs_in_order(vq, cookies, iovas, iova_of, ctx, lens, len,
						       writable, n);
	for (i = 0; i < n; i++)
		if (vio_vq_packed_add_buf(vq, VIO_VQ_BUF_IOVA(iovas, iova_of, ctx, cookies[i], i),
					  lens != NULL ? lens[i] : len, writable, cookies[i]) < 0)
			break;
	return i;
}

/** vio_vq_packed_add_bufs_by() with the addresses in @p iovas. */
static __rte_always_inline int
vio_vq_packed_add_bufs(struct vio_vq_packed *vq, void *const *cookies, const uint64_t *iovas,
		       const uint32_t *lens, uint32_t len, bool writable, uint16_t n)
{
	return vio_vq_packed_add_bufs_by(vq, cookies, iovas, NULL, 0, lens, len, writable, n);
}

/** Make every chain added so far visible with one flags store. */
static inline void
vio_vq_packed_publish(struct vio_vq_packed *vq)
{
	uint16_t *flags;

	if (!vq->batch_open)
		return;
	flags = &vq->desc[vq->batch_pos].flags;
	/*
	 * Section 2.8.21.3: every descriptor of the burst (and the other
	 * chains' flags) must be visible before the first descriptor's flags
	 * that make the burst available.
	 */
	if (vq->h.io_barriers) {
		rte_io_wmb(); /* ring stores before the flags store, as a platform device sees them */
		__atomic_store_n(flags, vq->batch_flags, __ATOMIC_RELAXED);
	} else {
		/* The release store orders all earlier stores before it (CPU). */
		__atomic_store_n(flags, vq->batch_flags, __ATOMIC_RELEASE);
	}
	vq->batch_open = false;
	vq->published = vq->added;
}

/*
 * Section 2.8.10 with EVENT_IDX: the device asks to be notified when the
 * descriptor at off_wrap is made available. The minimal rule notifies when
 * the descriptors published since the last kick decision include it; we
 * notify unless off_wrap lies in the free part of the ring ahead of
 * next_avail (positions not published yet, reachable before the in-flight
 * ones). An offset at a descriptor published earlier, or one the device
 * has already used, is stale: a device waiting on it would never be woken.
 * QEMU 7.2's virtio-net leaves such an offset behind (its tx completion
 * path re-enables notifications and then keeps consuming; its packed pop,
 * unlike the split one, does not move the offset) and then sleeps while
 * the driver fills the ring: without this rule both sides wait for good.
 * Extra notifications are always allowed; a device that keeps its offset
 * current never gets one from this rule.
 */
static inline bool
vio_vq_packed_need_event(const struct vio_vq_packed *vq, uint16_t off_wrap)
{
	int32_t size = vq->h.size, offset = off_wrap & 0x7fff, ahead;
	bool same_lap = (off_wrap >> VIO_PACKED_EVENT_WRAP_SHIFT) ==
			((vq->avail_flags & VIO_PACKED_DESC_F_AVAIL) != 0);

	if (unlikely(offset >= size))
		return true; /* names no descriptor: notify rather than guess */
	/* Distance from next_avail forward to the offset, over the two-lap cycle. */
	ahead = offset - vq->next_avail + (same_lap ? 0 : size);
	if (ahead < 0)
		ahead += 2 * size;
	return ahead > vq->h.num_free;
}

/** See vio_vq_kick(). */
static inline bool
vio_vq_packed_kick(struct vio_vq_packed *vq)
{
	uint32_t snap;
	uint16_t flags;
	bool need;

	vio_vq_packed_publish(vq);
	if (vq->published == vq->kicked)
		return false;
	vq->kicked = vq->published;
	/*
	 * Section 2.8.21.3.1: the flags store that published the burst must be
	 * globally visible before we read the device's event suppression;
	 * otherwise a device that re-enables notifications and then checks the
	 * ring could miss the burst and we would both sleep (store->load needs
	 * a full barrier).
	 */
	if (vq->h.io_barriers)
		rte_io_mb(); /* flags store before the suppression load (device) */
	else
		rte_smp_mb(); /* flags store before the suppression load (CPU) */
	/* One load: off_wrap and flags from the same device update. */
	snap = __atomic_load_n((const uint32_t *)(const void *)vq->device_event, __ATOMIC_RELAXED);
	flags = (uint16_t)(snap >> 16);
	if (flags == VIO_PACKED_EVENT_F_DISABLE)
		need = false;
	else if (flags == VIO_PACKED_EVENT_F_DESC && vq->h.event_idx)
		need = vio_vq_packed_need_event(vq, (uint16_t)snap);
	else
		need = true; /* ENABLE, or a value we do not know: notify. */
	if (need)
		vio_vq_hdr_notify(&vq->h);
	return need;
}

/*
 * The used len @p *len of a chain with @p in_len writable bytes, from a used
 * descriptor with @p flags. Section 2.8.4: Element Length is reserved in a
 * used descriptor without VIRTQ_DESC_F_WRITE and ignored by drivers. On a
 * chain with nothing writable (tx) that is a completion that wrote nothing:
 * read 0, count nothing (DPDK's vhost leaves the driver's own len there on
 * every tx batch). Otherwise the shared rule, vio_vq_hdr_used_len_ok(); a
 * writable chain's len stands whatever the flag says (QEMU 7.2 never sets
 * WRITE in a used descriptor). @return false for a lie (len too big).
 */
static __rte_always_inline bool
vio_vq_packed_used_len_ok(struct vio_vq_packed *vq, uint16_t flags, uint32_t *len, uint32_t in_len,
			  uint32_t id)
{
	if (in_len == 0 && !(flags & VIO_DESC_F_WRITE)) {
		*len = 0;
		return true;
	}
	return vio_vq_hdr_used_len_ok(&vq->h, len, in_len, id);
}

/* Load a used descriptor's flags; its id and len are read after them. */
static __rte_always_inline uint16_t
vio_vq_packed_load_used_flags(const struct vio_vq_packed *vq, const struct vio_packed_desc *d)
{
	uint16_t flags;

	/* Section 2.8.21.4 (driver side): id and len are read after the flags. */
	if (vq->h.io_barriers) {
		flags = __atomic_load_n(&d->flags, __ATOMIC_RELAXED);
		rte_io_rmb(); /* flags load before the id/len loads (device) */
	} else {
		flags = __atomic_load_n(&d->flags, __ATOMIC_ACQUIRE); /* (CPU) */
	}
	return flags;
}

/*
 * Harvest with VIRTIO_F_IN_ORDER: the chain at last_used (id last_used) is
 * the next to complete. A used descriptor naming it completes it alone;
 * any other (a batch, or a lie) goes through vio_vq_packed_in_order_used(),
 * which validates it and says how many chains the batch spans. Chains of a
 * batch need no ring read: they are handed out from the driver's slots.
 */
static __rte_always_inline int
vio_vq_packed_harvest_in_order(struct vio_vq_packed *vq, void **cookies, uint32_t *lens,
			       uint16_t max)
{
	/* Consumer state in locals, written back once (or before an out-of-line call). */
	uint16_t pos = vq->last_used, wrap = vq->used_flags, nfree = vq->h.num_free;
	uint16_t harvested = vq->harvested, left = vq->batch_left;
	const uint16_t size = vq->h.size, published = vq->published;
	struct vio_vq_packed_slot *slots = vq->slots;
	uint32_t id = 0, len = 0, last_len = vq->batch_len;
	uint16_t n, flags = 0;
	bool lie = false, broken = false, single = false;

	for (n = 0; n < max; n++) {
		struct vio_vq_packed_slot *s = &slots[pos];

		if (left == 0) {
			flags = vio_vq_packed_load_used_flags(vq, &vq->desc[pos]);
			if ((flags & VIO_PACKED_WRAP_BITS) != wrap) {
				/* Not used (yet): see vio_vq_packed_harvest(). */
				lie = (flags & VIO_PACKED_WRAP_BITS) !=
					      (wrap ^ VIO_PACKED_DESC_F_USED) &&
				      harvested != published;
				break;
			}
			id = __atomic_load_n(&vq->desc[pos].id, __ATOMIC_RELAXED);
			len = __atomic_load_n(&vq->desc[pos].len, __ATOMIC_RELAXED);
			/* The oldest chain (published when any is in flight) alone,
			 * with a len that fits or a reserved one (read-only chain,
			 * no WRITE: see vio_vq_packed_used_len_ok())? */
			if (likely(id == pos && harvested != published &&
				   (len <= s->in_len ||
				    (s->in_len == 0 && !(flags & VIO_DESC_F_WRITE))))) {
				left = 1;
				last_len = len <= s->in_len ? len : 0;
			} else {
				int rc;

				vq->last_used = pos;
				vq->used_flags = wrap;
				vq->h.num_free = nfree;
				vq->harvested = harvested;
				rc = vio_vq_packed_in_order_used(vq, flags, id, len);
				if (unlikely(rc < 0)) {
					broken = true;
					break;
				}
				left = (uint16_t)rc;
				last_len = vq->batch_len;
				/* Ids are positions: a batch that spans as many
				 * positions as it has chains is one descriptor each. */
				single = (uint16_t)((id < pos ? id + size : id) - pos +
						    slots[id].ndesc) == left;
			}
		}
		if (lens == NULL && single && left > 1) {
			/* A batch of one-descriptor chains and no lens wanted (tx
			 * reclaim): cookies out in a tight loop, up to the ring end. */
			uint16_t run = RTE_MIN(left, (uint16_t)(max - n)), j;

			run = RTE_MIN(run, (uint16_t)(size - pos));
			for (j = 0; j < run; j++) {
				cookies[n + j] = s[j].cookie;
				s[j].cookie = NULL;
			}
			left = (uint16_t)(left - run);
			nfree = (uint16_t)(nfree + run);
			harvested = (uint16_t)(harvested + run);
			vio_vq_packed_skip(&pos, &wrap, run, size);
			n = (uint16_t)(n + run - 1);
			continue;
		}
		/* Chains inside a batch were used whole; the last has the descriptor's len. */
		cookies[n] = s->cookie;
		if (lens != NULL)
			lens[n] = --left == 0 ? last_len : s->in_len;
		else
			left--;
		s->cookie = NULL;
		nfree = (uint16_t)(nfree + s->ndesc);
		harvested++;
		vio_vq_packed_skip(&pos, &wrap, s->ndesc, size);
	}
	vq->last_used = pos;
	vq->used_flags = wrap;
	vq->h.num_free = nfree;
	vq->harvested = harvested;
	vq->batch_left = left;
	vq->batch_len = last_len;
	if (unlikely(lie))
		vio_vq_packed_bad_used(vq, flags, id, len);
	if (unlikely(lie || broken))
		return n > 0 ? n : -EIO;
	return n;
}

/** See vio_vq_harvest(). */
static inline int
vio_vq_packed_harvest(struct vio_vq_packed *vq, void **cookies, uint32_t *lens, uint16_t max)
{
	/*
	 * Consumer state in locals (registers) for the loop: the stores to
	 * next_id[] and the slots could alias the queue's fields otherwise.
	 * Written back once at the end (or before a lie is reported).
	 */
	uint16_t pos = vq->last_used, wrap = vq->used_flags, free_id = vq->free_id;
	uint16_t nfree = vq->h.num_free, harvested = vq->harvested;
	const uint16_t size = vq->h.size, published = vq->published, added = vq->added;
	uint16_t n, flags = 0;
	uint32_t id = 0, len = 0;
	bool lie = false;

	if (unlikely(vq->h.broken))
		return -EIO;
	if (vq->in_order)
		return vio_vq_packed_harvest_in_order(vq, cookies, lens, max);
	for (n = 0; n < max; n++) {
		const struct vio_packed_desc *d = &vq->desc[pos];
		struct vio_vq_packed_slot *s;

		flags = vio_vq_packed_load_used_flags(vq, d);
		if ((flags & VIO_PACKED_WRAP_BITS) != wrap) {
			/* Not used (yet): fine when it reads "ours, available",
			 * or when nothing published is in flight. */
			lie = (flags & VIO_PACKED_WRAP_BITS) != (wrap ^ VIO_PACKED_DESC_F_USED) &&
			      harvested != published;
			break;
		}
		/* Read each device-written field once: the checks apply to the
		 * values used. */
		id = __atomic_load_n(&d->id, __ATOMIC_RELAXED);
		len = __atomic_load_n(&d->len, __ATOMIC_RELAXED);
		s = &vq->slots[id < size ? id : 0];
		/* Only a published in-flight id may complete. */
		if (unlikely(id >= size || s->cookie == NULL ||
			     (uint16_t)(s->add_seq - published) < (uint16_t)(added - published))) {
			lie = true;
			break;
		}
		if (unlikely(!vio_vq_packed_used_len_ok(vq, flags, &len, s->in_len, id))) {
			lie = true;
			break;
		}
		cookies[n] = s->cookie;
		if (lens != NULL)
			lens[n] = len;
		s->cookie = NULL;
		vq->next_id[id] = free_id;
		free_id = (uint16_t)id;
		nfree = (uint16_t)(nfree + s->ndesc);
		harvested++;
		vio_vq_packed_skip(&pos, &wrap, s->ndesc, size);
	}
	vq->last_used = pos;
	vq->used_flags = wrap;
	vq->free_id = free_id;
	vq->h.num_free = nfree;
	vq->harvested = harvested;
	if (unlikely(lie)) {
		vio_vq_packed_bad_used(vq, flags, id, len);
		return n > 0 ? n : -EIO;
	}
	return n;
}

/*
 * The harvest-by fast path of a packed queue in order (vio_vq_harvest_by()):
 * one used descriptor per one-descriptor chain, the way DPDK's vhost
 * completes receive buffers, handed to @p fn straight from the ring (no
 * lens staged, no batch state). It stops at the first descriptor that is
 * not that plain completion of the oldest chain (a batch, a longer chain, a
 * reserved or too big len, or a lie) and sets *more: the general path
 * (vio_vq_packed_harvest_in_order()) re-reads it and decides, breaking the
 * queue for a lie. A descriptor still available to the device ends the
 * harvest; only published chains are looked at (an id equal to its
 * position is then the oldest chain in flight), and once all of them are
 * taken the general path looks at what follows (*more).
 * @return -EIO (broken) or how many chains it took.
 */
static __rte_always_inline int
vio_vq_packed_harvest_in_order_by(struct vio_vq_packed *vq, void **cookies, uint16_t max,
				  vio_vq_used_fn fn, void *ctx, bool *more)
{
	const struct vio_packed_desc *desc = vq->desc;
	struct vio_vq_packed_slot *slots = vq->slots;
	const uint16_t size = vq->h.size;
	uint16_t pos = vq->last_used, wrap = vq->used_flags, n, lim;

	*more = false;
	if (unlikely(vq->h.broken))
		return -EIO;
	if (unlikely(vq->batch_left != 0)) {
		*more = true;
		return 0;
	}
	lim = RTE_MIN(max, (uint16_t)(vq->published - vq->harvested));
	for (n = 0; n < lim; n++) {
		struct vio_vq_packed_slot *s = &slots[pos];
		const uint16_t flags = vio_vq_packed_load_used_flags(vq, &desc[pos]);
		uint32_t id, len;
		void *cookie;

		if ((flags & VIO_PACKED_WRAP_BITS) != wrap) {
			/* Still available to the device: done. Anything else: a lie. */
			*more = (flags & VIO_PACKED_WRAP_BITS) != (wrap ^ VIO_PACKED_DESC_F_USED);
			break;
		}
		/* Each device-written field read once: the checks apply to the values used. */
		id = __atomic_load_n(&desc[pos].id, __ATOMIC_RELAXED);
		len = __atomic_load_n(&desc[pos].len, __ATOMIC_RELAXED);
		if (unlikely(id != pos || s->ndesc != 1 || len > s->in_len || s->in_len == 0)) {
			*more = true;
			break;
		}
		cookie = s->cookie;
		s->cookie = NULL;
		cookies[n] = cookie;
		fn(ctx, n, cookie, len);
		if (unlikely(++pos == size)) {
			pos = 0;
			wrap ^= VIO_PACKED_WRAP_BITS;
		}
	}
	/* Every published chain taken and more wanted: a used descriptor past
	 * them is a lie, which the general path reports. */
	if (n == lim && lim < max)
		*more = true;
	vq->last_used = pos;
	vq->used_flags = wrap;
	vq->h.num_free = (uint16_t)(vq->h.num_free + n);
	vq->harvested = (uint16_t)(vq->harvested + n);
	return n;
}

/**
 * 1 when harvest has something to look at: chains of a batched completion
 * (in order) are left, the next used descriptor is ready, or the
 * descriptor there lies (neither ours-available nor used in this lap while
 * chains are in flight: harvest then reports the broken queue); else 0.
 * See vio_vq_used_pending().
 */
static inline uint16_t
vio_vq_packed_used_pending(const struct vio_vq_packed *vq)
{
	uint16_t bits = __atomic_load_n(&vq->desc[vq->last_used].flags, __ATOMIC_RELAXED) &
			VIO_PACKED_WRAP_BITS;

	if (bits == vq->used_flags || vq->batch_left != 0)
		return 1;
	return bits != (vq->used_flags ^ VIO_PACKED_DESC_F_USED) && vq->harvested != vq->published;
}

#endif /* VIO_VQ_PACKED_H */
