/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Split virtqueue engine (virtio 1.2 section 2.7). See vio_vq.h for the
 * concurrency and trust model.
 */
#include <errno.h>
#include <stdio.h>

#include <rte_malloc.h>

#include "vio_dma.h"
#include "vio_log.h"
#include "vio_split.h"
#include "vio_vq_split.h"

static void
vio_vq_split_init_free_list(struct vio_vq_split *vq)
{
	uint16_t i;

	/* In order: the links form the ring itself (i -> i + 1, wrapping). */
	for (i = 0; i < vq->h.size; i++) {
		vq->next_free[i] = vq->in_order ? (uint16_t)((i + 1) & vq->mask) :
						  (uint16_t)(i + 1);
		vq->slots[i].cookie = NULL;
	}
	vq->free_head = 0;
	vq->used_head = 0;
	vq->batch_left = 0;
	vq->bufs_uniform = 0;
	vq->h.num_free = vq->h.size;
}

static int
vio_vq_split_alloc(struct vio_vq_split *vq, struct vio_dev *dev, uint16_t index, uint16_t size,
		   int socket)
{
	struct vio_split_layout layout;
	char tag[16];
	void *base;

	if (vio_split_layout_calc(size, &layout) < 0) {
		VIO_LOG(ERR, "%s: queue %u: size %u is not a power of two in 1..%u", dev->name,
			index, size, VIO_SPLIT_MAX_SIZE);
		return -EINVAL;
	}
	vq->next_free = rte_malloc_socket("vio_vq_links", sizeof(uint16_t) * size, 0, socket);
	vq->slots = rte_zmalloc_socket("vio_vq_slots", sizeof(struct vio_vq_split_slot) * size,
				       RTE_CACHE_LINE_SIZE, socket);
	snprintf(tag, sizeof(tag), "vq%u", index);
	vq->h.ring = vio_dma_alloc(tag, layout.total_len, VIO_SPLIT_USED_ALIGN, socket);
	if (vq->next_free == NULL || vq->slots == NULL || vq->h.ring == NULL)
		return -ENOMEM;
	base = vio_dma_va(vq->h.ring);
	vq->h.ring_iova = vio_dma_iova(vq->h.ring);
	vq->desc = RTE_PTR_ADD(base, layout.desc_off);
	vq->avail = RTE_PTR_ADD(base, layout.avail_off);
	vq->used = RTE_PTR_ADD(base, layout.used_off);
	vq->h.size = size;
	vq->mask = (uint16_t)(size - 1);
	vio_vq_split_init_free_list(vq);
	vq->avail_event = (const uint16_t *)&vq->used->ring[size];
	if (vq->h.event_idx) {
		/*
		 * Section 2.7.7.1: flags MUST be 0; used_event says when to
		 * interrupt: when used->idx passes 0xffff, once in 65536
		 * completions (we poll; a device without an MSI-X vector or a
		 * vhost-user call fd has nowhere to send it anyway). Moving it
		 * on every harvest would cost a shared-line store per burst.
		 */
		vq->avail->flags = 0;
		*vio_vq_split_used_event(vq) = 0xffff;
	} else {
		/* We poll: ask the device not to interrupt (section 2.7.7). */
		vq->avail->flags = VIO_AVAIL_F_NO_INTERRUPT;
	}
	return 0;
}

int
vio_vq_split_create(struct vio_vq_split *vq, struct vio_dev *dev, uint16_t index, uint16_t size,
		    int socket)
{
	struct vio_split_layout layout;
	struct vio_notify_addr notify = { NULL, 0 };
	struct vio_queue_cfg cfg;
	int rc;

	rc = vio_vq_split_alloc(vq, dev, index, size, socket);
	if (rc < 0) {
		vio_vq_split_release(vq);
		return rc;
	}
	vio_split_layout_calc(size, &layout);
	cfg.size = size;
	cfg.desc_iova = vq->h.ring_iova + layout.desc_off;
	cfg.avail_iova = vq->h.ring_iova + layout.avail_off;
	cfg.used_iova = vq->h.ring_iova + layout.used_off;
	rc = vio_dev_ops(dev)->queue_setup(dev, index, &cfg, &notify);
	if (rc < 0) {
		vio_vq_split_release(vq);
		return rc;
	}
	vq->h.doorbell = notify.doorbell;
	vq->h.notify_data = notify.data;
	return 0;
}

void
vio_vq_split_release(struct vio_vq_split *vq)
{
	vio_dma_free(vq->h.ring);
	rte_free(vq->slots);
	rte_free(vq->next_free);
	vq->h.ring = NULL;
	vq->slots = NULL;
	vq->next_free = NULL;
}

static int
vio_vq_split_check_chain(const struct vio_vq_split *vq, const struct vio_sg *sg, uint16_t n,
			 const void *cookie)
{
	uint16_t i;

	if (n == 0 || cookie == NULL)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (sg[i].len == 0)
			return -EINVAL;
	if (n > vq->h.num_free)
		return -ENOSPC;
	return 0;
}

int
vio_vq_split_add_chain(struct vio_vq_split *vq, const struct vio_sg *sg, uint16_t n_out,
		       uint16_t n_in, void *cookie)
{
	uint16_t n = (uint16_t)(n_out + n_in);
	uint16_t head = vq->free_head, cur = head, i;
	uint32_t in_len = 0;
	struct vio_desc *d = NULL;
	int rc;

	if (unlikely(vq->h.broken))
		return -EIO;
	if (unlikely(n < n_out)) /* n_out + n_in overflowed */
		return -EINVAL;
	rc = vio_vq_split_check_chain(vq, sg, n, cookie);
	if (rc < 0)
		return rc;
	/*
	 * The chain takes the first n free descriptors; their private links
	 * stay intact, so the chain can be walked (and freed in O(1)) without
	 * reading the shared table back.
	 */
	for (i = 0; i < n; i++) {
		d = &vq->desc[cur];
		d->addr = sg[i].iova;
		d->len = sg[i].len;
		d->flags = i < n_out ? 0 : VIO_DESC_F_WRITE;
		if (i >= n_out)
			in_len += sg[i].len;
		if (i + 1 < n) {
			d->flags |= VIO_DESC_F_NEXT;
			d->next = vq->next_free[cur];
			cur = vq->next_free[cur];
		}
	}
	d->next = 0;
	vq->slots[head] = (struct vio_vq_split_slot){
		.cookie = cookie,
		.in_len = in_len,
		.ndesc = n,
		.last = cur,
		.avail_pos = vq->avail_shadow,
	};
	vio_vq_split_push_avail(vq, head, cur, n);
	return 0;
}

int
vio_vq_split_add_indirect(struct vio_vq_split *vq, const struct vio_sg *sg, uint16_t n_out,
			  uint16_t n_in, struct vio_vq_ind_desc *ind, uint64_t table_iova,
			  void *cookie)
{
	struct vio_desc *table = (struct vio_desc *)ind;
	uint32_t n = (uint32_t)n_out + n_in;
	uint32_t in_len = 0;
	uint16_t head, i;

	if (unlikely(vq->h.broken))
		return -EIO;
	/* Section 2.7.5.3.1: INDIRECT only once VIRTIO_F_INDIRECT_DESC is negotiated. */
	if (unlikely(!vio_dev_has(vq->h.dev, VIO_F_INDIRECT_DESC)))
		return -ENOTSUP;
	/* ... and no chain longer than the queue size, indirect or not. */
	if (unlikely(n == 0 || n > vq->h.size || cookie == NULL || table == NULL ||
		     (table_iova & 15) != 0))
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (unlikely(sg[i].len == 0))
			return -EINVAL;
	if (unlikely(vq->h.num_free == 0))
		return -ENOSPC;
	/* The table is a chain of its own, linked by index within it. */
	for (i = 0; i < n; i++) {
		table[i].addr = sg[i].iova;
		table[i].len = sg[i].len;
		table[i].flags = i < n_out ? 0 : VIO_DESC_F_WRITE;
		if (i >= n_out)
			in_len += sg[i].len;
		if (i + 1u < n) {
			table[i].flags |= VIO_DESC_F_NEXT;
			table[i].next = (uint16_t)(i + 1);
		} else {
			table[i].next = 0;
		}
	}
	head = vq->free_head;
	/* Section 2.7.5.3.1: INDIRECT and NEXT are never set together. */
	vq->desc[head] = (struct vio_desc){
		.addr = table_iova,
		.len = (uint32_t)(n * sizeof(struct vio_desc)),
		.flags = VIO_DESC_F_INDIRECT,
		.next = 0,
	};
	vq->slots[head] = (struct vio_vq_split_slot){
		.cookie = cookie,
		.in_len = in_len,
		.ndesc = 1,
		.last = head,
		.avail_pos = vq->avail_shadow,
	};
	vio_vq_split_push_avail(vq, head, head, 1);
	return 0;
}

/* Return a completed chain's descriptors to the free list. */
static void *
vio_vq_split_free_chain(struct vio_vq_split *vq, uint16_t head)
{
	struct vio_vq_split_slot *s = &vq->slots[head];
	void *cookie = s->cookie;

	/*
	 * In order, completions come oldest first, so the freed descriptors
	 * are those right after the free run: nothing to relink.
	 */
	if (!vq->in_order) {
		vq->next_free[s->last] = vq->free_head;
		vq->free_head = head;
	}
	vq->h.num_free = (uint16_t)(vq->h.num_free + s->ndesc);
	s->cookie = NULL;
	return cookie;
}

/* True when the chain at @p s was added but not yet published. */
static inline bool
vio_vq_split_unpublished(const struct vio_vq_split *vq, const struct vio_vq_split_slot *s)
{
	return (uint16_t)(s->avail_pos - vq->avail_published) <
	       (uint16_t)(vq->avail_shadow - vq->avail_published);
}

/* Validate one used element; on success its chain is released. */
static int
vio_vq_split_take_used(struct vio_vq_split *vq, const struct vio_used_elem *e, void **cookie,
		       uint32_t *len)
{
	/* Read each device-written field exactly once: the checks below
	 * must apply to the values used, even if the device rewrites them. */
	uint32_t id = __atomic_load_n(&e->id, __ATOMIC_RELAXED);
	uint32_t l = __atomic_load_n(&e->len, __ATOMIC_RELAXED);
	const struct vio_vq_split_slot *s;
	char why[96];

	/* The device may only complete heads it was given: in range, in
	 * flight (not already completed) and published. */
	if (unlikely(id >= vq->h.size || vq->slots[id].cookie == NULL ||
		     vio_vq_split_unpublished(vq, &vq->slots[id]))) {
		snprintf(why, sizeof(why), "used id %u is not a published in-flight chain head",
			 id);
		vio_vq_hdr_mark_broken(&vq->h, why);
		return -EIO;
	}
	s = &vq->slots[id];
	/* Linux had to drop its strict check of read-only chains' len too. */
	if (unlikely(!vio_vq_hdr_used_len_ok(&vq->h, &l, s->in_len, id))) {
		snprintf(why, sizeof(why), "used len %u exceeds the %u writable bytes of chain %u",
			 l, s->in_len, id);
		vio_vq_hdr_mark_broken(&vq->h, why);
		return -EIO;
	}
	*len = l;
	*cookie = vio_vq_split_free_chain(vq, (uint16_t)id);
	return 0;
}

void
vio_vq_split_used_idx_lie(struct vio_vq_split *vq, uint16_t pending, uint16_t published)
{
	char why[64];

	snprintf(why, sizeof(why), "used idx moved by %u with %u chains published", pending,
		 published);
	vio_vq_hdr_mark_broken(&vq->h, why);
}

/*
 * In order, a used id other than the oldest chain's head must name a
 * later in-flight chain: the last of a batch the device completed with
 * one entry. Find how many chains the batch spans (at most @p room, the
 * used entries it may cover) and arm the batch. -EIO: a lie.
 */
static int
vio_vq_split_in_order_batch(struct vio_vq_split *vq, uint32_t id, uint32_t len, uint16_t room)
{
	uint16_t head = vq->used_head;
	char why[96];

	/*
	 * A batch of k + 1 chains moved used->idx by k + 1, so k < room, and
	 * used_ready() checked room against the published chains: every chain
	 * walked here is published and in flight (the uniform harvest does not
	 * clear the cookies of the chains it returns: they are not looked at).
	 */
	for (uint16_t k = 0; k < room; k++) {
		if (head == id) {
			vq->batch_left = (uint16_t)(k + 1);
			vq->batch_len = len;
			return 0;
		}
		head = (uint16_t)((head + vq->slots[head].ndesc) & vq->mask);
	}
	snprintf(why, sizeof(why), "used id %u out of order (expected chain %u or a later one)", id,
		 vq->used_head);
	vio_vq_hdr_mark_broken(&vq->h, why);
	return -EIO;
}

/*
 * In order, one chain the slow way: a batched completion, or an entry the
 * fast loop did not accept (which may still be a lie). @p room: used
 * entries left. 0 with *cookie and *len set, or -EIO (broken).
 */
static int
vio_vq_split_take_in_order(struct vio_vq_split *vq, void **cookie, uint32_t *len, uint16_t room)
{
	uint16_t head = vq->used_head;
	struct vio_vq_split_slot *s = &vq->slots[head];
	uint32_t l = 0;
	char why[96];

	if (vq->batch_left == 0) {
		const struct vio_used_elem *e = &vq->used->ring[vq->last_used & vq->mask];
		/* Each device-written field is read once (see take_used). */
		uint32_t id = __atomic_load_n(&e->id, __ATOMIC_RELAXED);

		l = __atomic_load_n(&e->len, __ATOMIC_RELAXED);
		if (id != head && vio_vq_split_in_order_batch(vq, id, l, room) < 0)
			return -EIO;
	}
	if (vq->batch_left > 0)
		/* Chains inside a batch were written whole; its last has the entry's len. */
		l = --vq->batch_left == 0 ? vq->batch_len : s->in_len;
	if (unlikely(!vio_vq_hdr_used_len_ok(&vq->h, &l, s->in_len, head))) {
		snprintf(why, sizeof(why), "used len %u exceeds the %u writable bytes of chain %u",
			 l, s->in_len, head);
		vio_vq_hdr_mark_broken(&vq->h, why);
		return -EIO;
	}
	*len = l;
	*cookie = s->cookie;
	s->cookie = NULL;
	vq->h.num_free = (uint16_t)(vq->h.num_free + s->ndesc);
	vq->used_head = (uint16_t)((head + s->ndesc) & vq->mask);
	vq->last_used++;
	return 0;
}

/*
 * The in-order fast loop: takes entries while they name the expected chain
 * with a plausible len, ring state in 32-bit locals (no 16-bit wrap-around
 * to emulate). Instantiated with and without lens (constant-folded).
 * Returns how many it took; the caller goes on one by one from there.
 */
static __rte_always_inline unsigned int
vio_vq_split_in_order_fast(struct vio_vq_split *vq, void **cookies, uint32_t *lens, unsigned int n,
			   const bool with_lens)
{
	const struct vio_used_elem *used_ring = vq->used->ring;
	struct vio_vq_split_slot *slots = vq->slots;
	const unsigned int mask = vq->mask;
	unsigned int head = vq->used_head, last = vq->last_used, freed = 0, i;

	for (i = 0; i < n; i++) {
		const struct vio_used_elem *e = &used_ring[last & mask];
		struct vio_vq_split_slot *s = &slots[head];
		uint32_t id = __atomic_load_n(&e->id, __ATOMIC_RELAXED);
		uint32_t len = __atomic_load_n(&e->len, __ATOMIC_RELAXED);

		if (unlikely(id != head || len > s->in_len))
			break;
		if (with_lens)
			lens[i] = len;
		cookies[i] = s->cookie;
		s->cookie = NULL;
		freed += s->ndesc;
		head = (head + s->ndesc) & mask;
		last++;
	}
	vq->used_head = (uint16_t)head;
	vq->last_used = (uint16_t)last;
	vq->h.num_free = (uint16_t)(vq->h.num_free + freed);
	return i;
}

/* vio_vq_split_uniform_by() callback of the plain harvest: the len into lens[i]. */
static __rte_always_inline void
vio_vq_split_store_len(void *lens, unsigned int i, void *cookie __rte_unused, uint32_t len)
{
	((uint32_t *)lens)[i] = len;
}

/*
 * Harvest with VIRTIO_F_IN_ORDER: the next chain is known, so a used id is
 * validated by one comparison. Anything the fast loop does not accept (a
 * batch, a read-only chain's garbage len, a lie) goes through
 * vio_vq_split_take_in_order(), which decides.
 */
static int
vio_vq_split_harvest_in_order(struct vio_vq_split *vq, void **cookies, uint32_t *lens, uint16_t max,
			      uint16_t pending)
{
	const unsigned int n = RTE_MIN(pending, max);
	unsigned int i = 0;

	if (vio_vq_split_is_uniform(vq) && lens != NULL)
		i = vio_vq_split_uniform_by(vq, cookies, n, vio_vq_split_store_len, NULL, lens);
	else if (likely(vq->batch_left == 0))
		i = lens != NULL ? vio_vq_split_in_order_fast(vq, cookies, lens, n, true) :
				   vio_vq_split_in_order_fast(vq, cookies, NULL, n, false);
	for (; i < n; i++) {
		uint32_t len;

		if (vio_vq_split_take_in_order(vq, &cookies[i], &len, (uint16_t)(pending - i)) < 0)
			return i > 0 ? (int)i : -EIO;
		if (lens != NULL)
			lens[i] = len;
	}
	return (int)n;
}

int
vio_vq_split_harvest(struct vio_vq_split *vq, void **cookies, uint32_t *lens, uint16_t max)
{
	int ready = vio_vq_split_used_ready(vq);
	uint16_t n, i;
	uint32_t len;

	if (unlikely(ready < 0))
		return ready;
	if (vq->in_order)
		return vio_vq_split_harvest_in_order(vq, cookies, lens, max, (uint16_t)ready);
	n = RTE_MIN((uint16_t)ready, max);
	for (i = 0; i < n; i++) {
		const struct vio_used_elem *e = &vq->used->ring[vq->last_used & vq->mask];

		/* Chains harvested before a bad entry are still returned;
		 * the next call reports the broken queue. */
		if (vio_vq_split_take_used(vq, e, &cookies[i], &len) < 0)
			return i > 0 ? i : -EIO;
		if (lens != NULL)
			lens[i] = len;
		vq->last_used++;
	}
	return n;
}

void *
vio_vq_split_detach(struct vio_vq_split *vq)
{
	uint16_t i;

	if (vq->in_order) {
		/* In flight: the chains from used_head on, in ring order (their cookies are valid). */
		struct vio_vq_split_slot *s = &vq->slots[vq->used_head];
		void *cookie = s->cookie;

		if (vq->h.num_free == vq->h.size)
			return NULL;
		s->cookie = NULL;
		vq->h.num_free = (uint16_t)(vq->h.num_free + s->ndesc);
		vq->used_head = (uint16_t)((vq->used_head + s->ndesc) & vq->mask);
		vq->batch_left = 0;
		return cookie;
	}
	for (i = 0; i < vq->h.size; i++)
		if (vq->slots[i].cookie != NULL)
			return vio_vq_split_free_chain(vq, i);
	return NULL;
}

bool
vio_vq_split_enable_intr(struct vio_vq_split *vq)
{
	if (vq->h.event_idx)
		/* Section 2.7.10: interrupt once used->idx passes last_used. */
		__atomic_store_n(vio_vq_split_used_event(vq), vq->last_used, __ATOMIC_RELAXED);
	else
		__atomic_store_n(&vq->avail->flags, 0, __ATOMIC_RELAXED);
	/*
	 * The flag (or used_event) store must be visible before we re-read
	 * used->idx: otherwise a completion written in between is neither seen
	 * here nor interrupted for (store->load needs a full barrier).
	 */
	if (vq->h.io_barriers)
		rte_io_mb();
	else
		rte_smp_mb();
	return vio_vq_split_used_pending(vq) != 0;
}

void
vio_vq_split_disable_intr(struct vio_vq_split *vq)
{
	if (vq->h.event_idx)
		/* Park used_event where used->idx passes it once in 64K completions. */
		__atomic_store_n(vio_vq_split_used_event(vq), (uint16_t)(vq->last_used - 1),
				 __ATOMIC_RELAXED);
	else
		__atomic_store_n(&vq->avail->flags, VIO_AVAIL_F_NO_INTERRUPT, __ATOMIC_RELAXED);
}
