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
 * the avail index the device asked for in avail_event.
 */
#ifndef VIO_VQ_SPLIT_H
#define VIO_VQ_SPLIT_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_atomic.h>
#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_io.h>

#ifdef RTE_ARCH_X86
#include <emmintrin.h>
#endif

#include "vio_dev.h"
#include "vio_spec.h"
#include "vio_vq_common.h"

/** Driver-private state of an in-flight chain, indexed by its head. */
struct vio_vq_split_slot {
	void *cookie;       /**< Caller's token; NULL when free (in order: see detach). */
	uint32_t in_len;    /**< Device-writable bytes: the most used.len may be. */
	uint16_t ndesc;     /**< Descriptors in the chain. */
	uint16_t last;      /**< Last descriptor of the chain. */
	uint16_t avail_pos; /**< avail index the chain was added at. */
};

/** A split virtqueue. Fields are read by inline helpers; treat as opaque. */
struct vio_vq_split {
	struct vio_vq_hdr h; /**< Engine-independent state (first member). */
	/* Ring pointers into the DMA region. */
	struct vio_desc *desc;
	struct vio_avail *avail;
	struct vio_used *used;
	uint16_t mask;
	/** Device-written avail_event (after used->ring[size]). */
	const uint16_t *avail_event;

	/* Producer state. */
	uint16_t free_head;       /**< First free descriptor. */
	uint16_t avail_shadow;    /**< Next avail idx (not yet published). */
	uint16_t avail_published; /**< Last idx written to avail->idx. */
	uint16_t avail_kicked;    /**< avail idx at the last kick decision. */

	/* Consumer state. */
	uint16_t last_used; /**< Next used entry to harvest. */

	/*
	 * VIRTIO_F_IN_ORDER (section 2.7.9.1 of the device side, 2.7.13 of
	 * ours): descriptors are taken in ring order (the free list is the
	 * ring itself, never reordered) and the device uses chains in the
	 * order they were made available, so the next completion must be the
	 * chain at used_head: one comparison validates a used id. A device
	 * may also complete a batch with one entry naming its last chain
	 * (the used idx still moves by the batch size): batch_left chains of
	 * such a batch are still to be returned, the last with batch_len,
	 * the others with their whole writable length.
	 */
	bool in_order;
	uint16_t used_head;  /**< Head of the oldest in-flight chain (in_order). */
	uint16_t batch_left; /**< Chains left in a batched completion (in_order). */
	uint32_t batch_len;  /**< used len of that batch's last chain. */
	/**
	 * In order: avail entries written in a row as ring[p] = p by
	 * vio_vq_split_add_bufs() (saturates at size: the ring holds the
	 * identity). Any other avail write resets it.
	 */
	uint16_t avail_identity;
	/**
	 * In order: descriptors written in a row (ring order) by
	 * vio_vq_split_add_bufs() as single device-writable buffers of
	 * bufs_len bytes (saturates at size: then every descriptor and slot
	 * holds that shape, and only addresses and cookies change). Any
	 * other add resets it. Lets the refill skip the constant stores and
	 * the harvest check ids and lens without reading the slots.
	 */
	uint16_t bufs_uniform;
	uint32_t bufs_len; /**< Writable length of the bufs_uniform run. */

	uint16_t *next_free; /**< Private free-list / chain links. */
	struct vio_vq_split_slot *slots;
};

/**
 * Set up the split queue @p vq (zeroed memory) of @p size descriptors
 * (a power of two, already checked against the device maximum) on
 * @p socket and program it into the device. On error everything it
 * allocated is released (vio_vq_split_release()).
 */
int vio_vq_split_create(struct vio_vq_split *vq, struct vio_dev *dev, uint16_t index, uint16_t size,
			int socket);

/** Release the queue's device programming and memory (not @p vq itself). */
void vio_vq_split_release(struct vio_vq_split *vq);

/** See vio_vq_add_chain(). */
int vio_vq_split_add_chain(struct vio_vq_split *vq, const struct vio_sg *sg, uint16_t n_out,
			   uint16_t n_in, void *cookie);

/** See vio_vq_add_indirect(). */
int vio_vq_split_add_indirect(struct vio_vq_split *vq, const struct vio_sg *sg, uint16_t n_out,
			      uint16_t n_in, struct vio_vq_ind_desc *table, uint64_t table_iova,
			      void *cookie);

/** See vio_vq_harvest(). */
int vio_vq_split_harvest(struct vio_vq_split *vq, void **cookies, uint32_t *lens, uint16_t max);

/** See vio_vq_detach(). */
void *vio_vq_split_detach(struct vio_vq_split *vq);

/** See vio_vq_enable_intr(). */
bool vio_vq_split_enable_intr(struct vio_vq_split *vq);

/** See vio_vq_disable_intr(). */
void vio_vq_split_disable_intr(struct vio_vq_split *vq);

/** Driver-written used_event (after avail->ring[size]), for EVENT_IDX. */
static inline uint16_t *
vio_vq_split_used_event(struct vio_vq_split *vq)
{
	return &vq->avail->ring[vq->h.size];
}

/** Head descriptor the next add will use (valid while descriptors are free). */
static inline uint16_t
vio_vq_split_next_head(const struct vio_vq_split *vq)
{
	return vq->free_head;
}

/*
 * Put the chain (head .. last, @p n descriptors) on the avail ring at the
 * next position: the free list moves past it; any avail write other than
 * vio_vq_split_add_bufs()'s in-order identity ends that identity.
 */
static inline void
vio_vq_split_push_avail(struct vio_vq_split *vq, uint16_t head, uint16_t last, uint16_t n)
{
	vq->free_head = vq->next_free[last];
	vq->h.num_free = (uint16_t)(vq->h.num_free - n);
	vq->avail_identity = 0;
	vq->bufs_uniform = 0;
	vq->avail->ring[vq->avail_shadow & vq->mask] = head;
	vq->avail_shadow++;
}

/**
 * Add one buffer as a whole chain: the single-descriptor fast path used by
 * the net data path (rx refill, tx with the header in headroom).
 *
 * @param writable True for a device-writable buffer (rx), false for tx.
 * @return 0, -ENOSPC or -EIO (broken).
 */
static inline int
vio_vq_split_add_buf(struct vio_vq_split *vq, uint64_t iova, uint32_t len, bool writable,
		     void *cookie)
{
	uint16_t head = vq->free_head;
	struct vio_desc *d;
	struct vio_vq_split_slot *s;

	if (unlikely(vq->h.broken))
		return -EIO;
	if (unlikely(vq->h.num_free == 0))
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
	vio_vq_split_push_avail(vq, head, head, 1);
	return 0;
}

/* One descriptor and its slot for vio_vq_split_add_bufs(). */
static __rte_always_inline struct vio_vq_split_slot *
vio_vq_split_put_buf(struct vio_desc *desc, struct vio_vq_split_slot *slots, unsigned int head,
		     uint64_t iova, uint32_t len, bool writable, void *cookie)
{
	struct vio_desc *d = &desc[head];
	struct vio_vq_split_slot *s = &slots[head];

	d->addr = iova;
	d->len = len;
	d->flags = writable ? VIO_DESC_F_WRITE : 0;
	d->next = 0;
	s->cookie = cookie;
	s->in_len = writable ? len : 0;
	s->ndesc = 1;
	return s;
}

/*
 * Addresses and cookies of @p n buffers from descriptor @p head on, in
 * ring order, in runs that do not wrap (no index masking per buffer).
 */
static __rte_always_inline void
vio_vq_split_put_addrs(struct vio_desc *desc, struct vio_vq_split_slot *slots, unsigned int head,
		       unsigned int mask, void *const *cookies, const uint64_t *iovas,
		       vio_vq_iova_fn iova_of, uint64_t ctx, unsigned int n)
{
	while (n > 0) {
		const unsigned int run = RTE_MIN(n, mask + 1 - head);
		struct vio_desc *d = &desc[head];
		struct vio_vq_split_slot *s = &slots[head];

		unsigned int k = 0;

		/* By four: the loop control costs as much as a buffer's two stores. */
		for (; k + 4 <= run; k += 4) {
			void *c0 = cookies[k], *c1 = cookies[k + 1];
			void *c2 = cookies[k + 2], *c3 = cookies[k + 3];

			d[k].addr = VIO_VQ_BUF_IOVA(iovas, iova_of, ctx, c0, k);
			d[k + 1].addr = VIO_VQ_BUF_IOVA(iovas, iova_of, ctx, c1, k + 1);
			d[k + 2].addr = VIO_VQ_BUF_IOVA(iovas, iova_of, ctx, c2, k + 2);
			d[k + 3].addr = VIO_VQ_BUF_IOVA(iovas, iova_of, ctx, c3, k + 3);
			s[k].cookie = c0;
			s[k + 1].cookie = c1;
			s[k + 2].cookie = c2;
			s[k + 3].cookie = c3;
		}
		for (; k < run; k++) {
			d[k].addr = VIO_VQ_BUF_IOVA(iovas, iova_of, ctx, cookies[k], k);
			s[k].cookie = cookies[k];
		}
		if (iova_of == NULL)
			iovas += run;
		cookies += run;
		n -= run;
		head = 0;
	}
}

/**
 * Add up to @p n single-buffer chains (vio_vq_add_bufs()): the ring state
 * stays in registers across the batch.
 *
 * In order, descriptors go in ring order (head + 1 each) and the free-list
 * links and publish positions are never read, so they are not written.
 * When the batch starts at head == avail position (always, for a queue of
 * single-buffer chains), the avail ring reads 0, 1, 2, ... and, once a
 * whole lap has been written that way (avail_identity), holds those values
 * already: its entries are then not written again, so the lines the device
 * reads stay valid in its cache and cost no instruction here.
 */
static __rte_always_inline int
vio_vq_split_add_bufs_by(struct vio_vq_split *vq, void *const *cookies, const uint64_t *iovas,
			 vio_vq_iova_fn iova_of, uint64_t ctx, const uint32_t *lens, uint32_t len,
			 bool writable, uint16_t n)
{
	const unsigned int mask = vq->mask;
	uint16_t *avail_ring = vq->avail->ring;
	struct vio_desc *desc = vq->desc;
	struct vio_vq_split_slot *slots = vq->slots;
	const uint16_t *next_free = vq->next_free;
	/* 32-bit locals: no 16-bit wrap-around to emulate in the loop. */
	unsigned int head = vq->free_head, pos = vq->avail_shadow, i;

	if (unlikely(vq->h.broken))
		return -EIO;
	n = RTE_MIN(n, vq->h.num_free);
	if (vq->in_order) {
		const bool identity = head == (pos & mask);
		const bool write_avail = !identity || vq->avail_identity < vq->h.size;
		/* Same shape as the run so far: a lap of it leaves only addresses to write. */
		const bool uniform_shape = lens == NULL && writable;
		const bool same = uniform_shape && len == vq->bufs_len;

		if (same && vq->bufs_uniform >= vq->h.size) {
			/*
			 * Descriptor len/flags/next and the private slot (in_len,
			 * ndesc) already hold this shape. A device that rewrote
			 * the shared descriptor fields only misleads itself: used
			 * lens are checked against the private slot.
			 */
			if (write_avail) {
				for (i = 0; i < n; i++) {
					desc[head].addr = VIO_VQ_BUF_IOVA(iovas, iova_of, ctx,
									  cookies[i], i);
					slots[head].cookie = cookies[i];
					avail_ring[pos & mask] = (uint16_t)head;
					pos++;
					head = (head + 1) & mask;
				}
			} else {
				vio_vq_split_put_addrs(desc, slots, head, mask, cookies, iovas,
						       iova_of, ctx, n);
				pos += n;
				head = (head + n) & mask;
			}
		} else {
			for (i = 0; i < n; i++) {
				vio_vq_split_put_buf(
					desc, slots, head,
					VIO_VQ_BUF_IOVA(iovas, iova_of, ctx, cookies[i], i),
					lens != NULL ? lens[i] : len, writable, cookies[i]);
				if (write_avail)
					avail_ring[pos & mask] = (uint16_t)head;
				pos++;
				head = (head + 1) & mask;
			}
		}
		vq->avail_identity = identity ?
					     (uint16_t)RTE_MIN((unsigned int)vq->avail_identity + n,
							       (unsigned int)vq->h.size) :
					     0;
		vq->bufs_uniform = (uint16_t)RTE_MIN((same ? (unsigned int)vq->bufs_uniform : 0u) +
							     (uniform_shape ? n : 0u),
						     (unsigned int)vq->h.size);
		if (uniform_shape)
			vq->bufs_len = len;
	} else {
		for (i = 0; i < n; i++) {
			struct vio_vq_split_slot *s = vio_vq_split_put_buf(
				desc, slots, head,
				VIO_VQ_BUF_IOVA(iovas, iova_of, ctx, cookies[i], i),
				lens != NULL ? lens[i] : len, writable, cookies[i]);

			s->last = (uint16_t)head;
			s->avail_pos = (uint16_t)pos;
			avail_ring[pos & mask] = (uint16_t)head;
			pos++;
			head = next_free[head];
		}
	}
	vq->free_head = (uint16_t)head;
	vq->avail_shadow = (uint16_t)pos;
	vq->h.num_free = (uint16_t)(vq->h.num_free - n);
	return n;
}

/** vio_vq_split_add_bufs_by() with the addresses in @p iovas. */
static __rte_always_inline int
vio_vq_split_add_bufs(struct vio_vq_split *vq, void *const *cookies, const uint64_t *iovas,
		      const uint32_t *lens, uint32_t len, bool writable, uint16_t n)
{
	return vio_vq_split_add_bufs_by(vq, cookies, iovas, NULL, 0, lens, len, writable, n);
}

/**
 * Make every chain added so far visible to the device with one store of
 * avail->idx.
 */
static inline void
vio_vq_split_publish(struct vio_vq_split *vq)
{
	if (vq->avail_shadow == vq->avail_published)
		return;
	/*
	 * Section 2.7.13.3: descriptor-table and avail-ring writes must be
	 * visible to the device before the idx that exposes them.
	 */
	if (vq->h.io_barriers) {
		/* Ring stores before the idx store, as a platform device sees them. */
		rte_io_wmb();
		__atomic_store_n(&vq->avail->idx, vq->avail_shadow, __ATOMIC_RELAXED);
	} else {
		/* The release store orders all earlier stores before it. */
		__atomic_store_n(&vq->avail->idx, vq->avail_shadow, __ATOMIC_RELEASE);
	}
	vq->avail_published = vq->avail_shadow;
}

/**
 * Publish and notify the device if it has new buffers and has not
 * suppressed notifications. At most one doorbell write per call.
 *
 * @return true when the doorbell was written.
 */
static inline bool
vio_vq_split_kick(struct vio_vq_split *vq)
{
	uint16_t old, new;

	vio_vq_split_publish(vq);
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
	if (vq->h.io_barriers)
		rte_io_mb(); /* avail->idx store before the suppression load (device) */
	else
		rte_smp_mb(); /* avail->idx store before the suppression load (CPU) */
	if (vq->h.event_idx) {
		uint16_t event = __atomic_load_n(vq->avail_event, __ATOMIC_RELAXED);

		/* Section 2.7.10: notify iff avail_event is one of old .. new - 1. */
		if ((uint16_t)(new - event - 1) >= (uint16_t)(new - old))
			return false;
	} else if (__atomic_load_n(&vq->used->flags, __ATOMIC_RELAXED) & VIO_USED_F_NO_NOTIFY) {
		return false;
	}
	vio_vq_hdr_notify(&vq->h);
	return true;
}

/** Mark the queue broken for a used idx that moved past the published chains. */
void vio_vq_split_used_idx_lie(struct vio_vq_split *vq, uint16_t pending, uint16_t published);

/*
 * Used entries ready to harvest: read used->idx (ordered before the entry
 * reads) and check it against what was published. -EIO: broken.
 */
static __rte_always_inline int
vio_vq_split_used_ready(struct vio_vq_split *vq)
{
	uint16_t used_idx, pending, published;

	if (unlikely(vq->h.broken))
		return -EIO;
	/*
	 * Section 2.7.13 (driver side of 2.7.8): the device writes ring
	 * entries before it advances used->idx; our reads of those entries
	 * must stay after the read of idx.
	 */
	if (vq->h.io_barriers) {
		used_idx = __atomic_load_n(&vq->used->idx, __ATOMIC_RELAXED);
		rte_io_rmb(); /* used->idx load before the used-entry loads (device) */
	} else {
		/* The acquire load orders the used-entry loads after it (CPU). */
		used_idx = __atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE);
	}
	pending = (uint16_t)(used_idx - vq->last_used);
	published = (uint16_t)(vq->avail_published - vq->last_used);
	if (unlikely(pending > published)) {
		vio_vq_split_used_idx_lie(vq, pending, published);
		return -EIO;
	}
	return pending;
}

/*
 * A uniform queue: in order, no batched completion under way, and every
 * chain one writable buffer of bufs_len bytes (bufs_uniform == size; an rx
 * queue of single-buffer frames). Chain k after used_head is then
 * descriptor used_head + k, so ids and lens are checked against known
 * values without reading the slots.
 */
static __rte_always_inline bool
vio_vq_split_is_uniform(const struct vio_vq_split *vq)
{
	return vq->in_order && vq->batch_left == 0 && vq->bufs_uniform >= vq->h.size;
}

/*
 * One used element of a uniform queue: taken (and handed to @p fn as
 * chain @p i) when it names chain @p head with at most @p max_len bytes.
 */
static __rte_always_inline bool
vio_vq_split_uniform_one(struct vio_vq_split *vq, const struct vio_used_elem *e, unsigned int head,
			 uint32_t max_len, void **cookies, unsigned int i, vio_vq_used_fn fn,
			 void *ctx)
{
	uint32_t id = __atomic_load_n(&e->id, __ATOMIC_RELAXED);
	uint32_t l = __atomic_load_n(&e->len, __ATOMIC_RELAXED);
	void *cookie;

	if (unlikely(id != head || l > max_len))
		return false;
	/* Left in the slot, as in the vector loop (in order: in flight by position). */
	cookie = vq->slots[head].cookie;
	cookies[i] = cookie;
	fn(ctx, i, cookie, l);
	return true;
}

/*
 * The harvest loop of a uniform queue (vio_vq_split_is_uniform()): up to
 * @p n used elements (all published, see vio_vq_split_used_ready()), each
 * handed to @p fn as it is taken (groups of four to @p fn4 when it is not
 * NULL). On x86 two used elements (id, len, id,
 * len) are checked at once with SSE2 compares (the x86-64 baseline): ids
 * equal to the expected pair, lens (biased to compare unsigned) not above
 * bufs_len. A quad that fails, or straddles the end of a ring, goes one
 * element at a time; the first element that fails stops the loop and the
 * caller's slow path decides (a batch, or a lie that breaks the queue).
 * Each device-written field is read once: the lens passed on are the ones
 * checked (copied out of the vector registers, never re-read from the
 * ring). Returns how many it took.
 */
static __rte_always_inline unsigned int
vio_vq_split_uniform_by(struct vio_vq_split *vq, void **cookies, unsigned int n, vio_vq_used_fn fn,
			vio_vq_used4_fn fn4, void *ctx)
{
	const struct vio_used_elem *used_ring = vq->used->ring;
	const unsigned int mask = vq->mask;
	const uint32_t max_len = vq->bufs_len;
	unsigned int head = vq->used_head, last = vq->last_used, i = 0;

#ifdef RTE_ARCH_X86
	struct vio_vq_split_slot *slots = vq->slots;
	/*
	 * Lanes: id, len, id, len (struct vio_used_elem is two le32). Less the
	 * expected ids (len lanes less 0), every lane must be at most
	 * [0, max_len, 0, max_len], compared unsigned (biased to signed).
	 */
	const __m128i bias = _mm_set1_epi32(INT32_MIN);
	const __m128i limit = _mm_xor_si128(_mm_set_epi32((int32_t)max_len, 0, (int32_t)max_len, 0),
					    bias);
	const __m128i four = _mm_set_epi32(0, 4, 0, 4);
	__m128i want0 = _mm_set_epi32(0, (int32_t)head + 1, 0, (int32_t)head);
	__m128i want1 = _mm_set_epi32(0, (int32_t)head + 3, 0, (int32_t)head + 2);
	bool stopped = false;

	static_assert(sizeof(struct vio_used_elem) == 8, "used element: id, len");
	while (i + 4 <= n) {
		/* Quads that wrap neither the used ring nor the descriptor ring. */
		const unsigned int room = i + RTE_MIN(n - i, RTE_MIN(mask + 1 - (last & mask),
								     mask + 1 - head));
		const struct vio_used_elem *ue = &used_ring[last & mask];
		struct vio_vq_split_slot *s = &slots[head];
		void **out = cookies + i;
		const unsigned int first = i, quads = (room - i) & ~3u;
		unsigned int k;

		/* One index for the ring, the slots and the output. */
		for (k = 0; k < quads; k += 4) {
			const __m128i e0 = _mm_loadu_si128((const __m128i *)(const void *)&ue[k]);
			const __m128i e1 = _mm_loadu_si128(
				(const __m128i *)(const void *)&ue[k + 2]);
			const __m128i bad = _mm_or_si128(
				_mm_cmpgt_epi32(_mm_xor_si128(_mm_sub_epi32(e0, want0), bias),
						limit),
				_mm_cmpgt_epi32(_mm_xor_si128(_mm_sub_epi32(e1, want1), bias),
						limit));
			/* The checked elements, read back from here (not the ring). */
			struct vio_used_elem q[4];
			void *c0, *c1, *c2, *c3;

			if (unlikely(_mm_movemask_epi8(bad) != 0)) {
				stopped = true;
				break;
			}
			_mm_storeu_si128((__m128i *)(void *)&q[0], e0);
			_mm_storeu_si128((__m128i *)(void *)&q[2], e1);
			/*
			 * Cookies are left in the slots: in order, what is in
			 * flight is known by position (used_head, num_free).
			 */
			c0 = s[k].cookie;
			c1 = s[k + 1].cookie;
			c2 = s[k + 2].cookie;
			c3 = s[k + 3].cookie;
			out[k] = c0;
			out[k + 1] = c1;
			out[k + 2] = c2;
			out[k + 3] = c3;
			if (fn4 != NULL) {
				fn4(ctx, first + k, &out[k], q);
			} else {
				fn(ctx, first + k, c0, q[0].len);
				fn(ctx, first + k + 1, c1, q[1].len);
				fn(ctx, first + k + 2, c2, q[2].len);
				fn(ctx, first + k + 3, c3, q[3].len);
			}
			want0 = _mm_add_epi32(want0, four);
			want1 = _mm_add_epi32(want1, four);
		}
		i += k;
		head = (head + i - first) & mask; /* may reach size: wraps to 0 */
		last += i - first;
		if (stopped || i + 4 > room) {
			/* A failed quad, the wrap or a tail: one element, then quads again. */
			if (i >= n || !vio_vq_split_uniform_one(vq, &used_ring[last & mask], head,
								max_len, cookies, i, fn, ctx))
				break;
			head = (head + 1) & mask;
			last++;
			i++;
			stopped = false;
			want0 = _mm_set_epi32(0, (int32_t)head + 1, 0, (int32_t)head);
			want1 = _mm_set_epi32(0, (int32_t)head + 3, 0, (int32_t)head + 2);
		}
	}
#endif
	for (; i < n; i++) {
		if (!vio_vq_split_uniform_one(vq, &used_ring[last & mask], head, max_len, cookies,
					      i, fn, ctx))
			break;
		head = (head + 1) & mask;
		last++;
	}
	vq->used_head = (uint16_t)head;
	vq->last_used = (uint16_t)last;
	vq->h.num_free = (uint16_t)(vq->h.num_free + i);
	return i;
}

/*
 * The harvest-by fast path of a uniform queue (vio_vq_harvest_by()):
 * -EIO (broken), or how many chains it took; *more is set when used
 * entries it did not take are pending (the slow path decides on them).
 */
static __rte_always_inline int
vio_vq_split_harvest_uniform(struct vio_vq_split *vq, void **cookies, uint16_t max,
			     vio_vq_used_fn fn, vio_vq_used4_fn fn4, void *ctx, bool *more)
{
	int ready = vio_vq_split_used_ready(vq);
	unsigned int n, took;

	if (unlikely(ready < 0))
		return ready;
	n = RTE_MIN((unsigned int)ready, (unsigned int)max);
	took = vio_vq_split_uniform_by(vq, cookies, n, fn, fn4, ctx);
	*more = took < n;
	return (int)took;
}

/** Used entries the device has published but we have not harvested. */
static inline uint16_t
vio_vq_split_used_pending(const struct vio_vq_split *vq)
{
	return (uint16_t)(__atomic_load_n(&vq->used->idx, __ATOMIC_RELAXED) - vq->last_used);
}

#endif /* VIO_VQ_SPLIT_H */
