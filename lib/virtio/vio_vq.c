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
#include "vio_vq.h"

void
vio_vq_mark_broken(struct vio_vq *vq, const char *why)
{
	if (!vq->broken)
		VIO_LOG(ERR, "%s: queue %u broken: %s", vq->dev->name, vq->index, why);
	vq->broken = true;
}

static void
vio_vq_init_free_list(struct vio_vq *vq)
{
	uint16_t i;

	for (i = 0; i < vq->size; i++) {
		vq->next_free[i] = (uint16_t)(i + 1);
		vq->slots[i].cookie = NULL;
	}
	vq->free_head = 0;
	vq->num_free = vq->size;
}

/* Driver-written used_event (after avail->ring[size], section 2.7.10). */
static inline uint16_t *
vio_vq_used_event(struct vio_vq *vq)
{
	return (uint16_t *)&vq->avail->ring[vq->size];
}

static int
vio_vq_alloc(struct vio_dev *dev, uint16_t index, uint16_t size, int socket, struct vio_vq **out)
{
	struct vio_split_layout layout;
	struct vio_vq *vq;
	char tag[16];
	void *base;

	if (vio_split_layout_calc(size, &layout) < 0) {
		VIO_LOG(ERR, "%s: queue %u: size %u is not a power of two in 1..%u", dev->name,
			index, size, VIO_SPLIT_MAX_SIZE);
		return -EINVAL;
	}
	vq = rte_zmalloc_socket("vio_vq", sizeof(*vq), RTE_CACHE_LINE_SIZE, socket);
	if (vq == NULL)
		return -ENOMEM;
	vq->next_free = rte_malloc_socket("vio_vq_links", sizeof(uint16_t) * size, 0, socket);
	vq->slots = rte_zmalloc_socket("vio_vq_slots", sizeof(struct vio_vq_slot) * size,
				       RTE_CACHE_LINE_SIZE, socket);
	snprintf(tag, sizeof(tag), "vq%u", index);
	vq->ring = vio_dma_alloc(tag, layout.total_len, VIO_SPLIT_USED_ALIGN, socket);
	if (vq->next_free == NULL || vq->slots == NULL || vq->ring == NULL) {
		vio_vq_destroy(vq);
		return -ENOMEM;
	}
	base = vio_dma_va(vq->ring);
	vq->ring_iova = vio_dma_iova(vq->ring);
	vq->desc = RTE_PTR_ADD(base, layout.desc_off);
	vq->avail = RTE_PTR_ADD(base, layout.avail_off);
	vq->used = RTE_PTR_ADD(base, layout.used_off);
	vq->size = size;
	vq->mask = (uint16_t)(size - 1);
	vq->index = index;
	vq->dev = dev;
	/* Section 6.1: with ORDER_PLATFORM the driver uses hardware barriers. */
	vq->io_barriers = vio_dev_has(dev, VIO_F_ORDER_PLATFORM);
	vio_vq_init_free_list(vq);
	vq->event_idx = vio_dev_has(dev, VIO_F_EVENT_IDX);
	vq->avail_event = (const uint16_t *)&vq->used->ring[size];
	if (vq->event_idx) {
		/*
		 * Section 2.7.7.1: flags MUST be 0; used_event says when to
		 * interrupt: when used->idx passes 0xffff, once in 65536
		 * completions (we poll; only interrupt mode moves it, see
		 * vio_vq_enable_intr()). Moving it on every harvest would cost
		 * a shared-line store per burst.
		 */
		vq->avail->flags = 0;
		*vio_vq_used_event(vq) = 0xffff;
	} else {
		/* We poll: ask the device not to interrupt (section 2.7.7). */
		vq->avail->flags = VIO_AVAIL_F_NO_INTERRUPT;
	}
	*out = vq;
	return 0;
}

int
vio_vq_create(struct vio_dev *dev, uint16_t index, uint16_t size, int socket, struct vio_vq **out)
{
	uint16_t max = vio_dev_ops(dev)->queue_max_size(dev, index);
	struct vio_split_layout layout;
	struct vio_notify_addr notify = { NULL, 0 };
	struct vio_queue_cfg cfg;
	struct vio_vq *vq;
	int rc;

	if (max == 0) {
		VIO_LOG(ERR, "%s: device has no queue %u", dev->name, index);
		return -ENOENT;
	}
	if (size == 0)
		size = max;
	if (size > max) {
		VIO_LOG(ERR, "%s: queue %u: size %u above the device maximum %u", dev->name, index,
			size, max);
		return -EINVAL;
	}
	rc = vio_vq_alloc(dev, index, size, socket, &vq);
	if (rc < 0)
		return rc;
	vio_split_layout_calc(size, &layout);
	cfg.size = size;
	cfg.desc_iova = vq->ring_iova + layout.desc_off;
	cfg.avail_iova = vq->ring_iova + layout.avail_off;
	cfg.used_iova = vq->ring_iova + layout.used_off;
	rc = vio_dev_ops(dev)->queue_setup(dev, index, &cfg, &notify);
	if (rc < 0) {
		vio_vq_destroy(vq);
		return rc;
	}
	vq->doorbell = notify.doorbell;
	vq->notify_data = notify.data;
	*out = vq;
	return 0;
}

void
vio_vq_destroy(struct vio_vq *vq)
{
	if (vq == NULL)
		return;
	if (vq->dev != NULL && vio_dev_ops(vq->dev)->queue_release != NULL)
		vio_dev_ops(vq->dev)->queue_release(vq->dev, vq->index);
	vio_dma_free(vq->ring);
	rte_free(vq->slots);
	rte_free(vq->next_free);
	rte_free(vq);
}

static int
vio_vq_check_chain(const struct vio_vq *vq, const struct vio_sg *sg, uint16_t n, const void *cookie)
{
	uint16_t i;

	if (n == 0 || cookie == NULL)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (sg[i].len == 0)
			return -EINVAL;
	if (n > vq->num_free)
		return -ENOSPC;
	return 0;
}

int
vio_vq_add_chain(struct vio_vq *vq, const struct vio_sg *sg, uint16_t n_out, uint16_t n_in,
		 void *cookie)
{
	uint16_t n = (uint16_t)(n_out + n_in);
	uint16_t head = vq->free_head, cur = head, i;
	uint32_t in_len = 0;
	struct vio_desc *d = NULL;
	int rc;

	if (unlikely(vq->broken))
		return -EIO;
	if (unlikely(n < n_out)) /* n_out + n_in overflowed */
		return -EINVAL;
	rc = vio_vq_check_chain(vq, sg, n, cookie);
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
	vq->slots[head] = (struct vio_vq_slot){
		.cookie = cookie,
		.in_len = in_len,
		.ndesc = n,
		.last = cur,
		.avail_pos = vq->avail_shadow,
	};
	vq->free_head = vq->next_free[cur];
	vq->num_free = (uint16_t)(vq->num_free - n);
	vq->avail->ring[vq->avail_shadow & vq->mask] = head;
	vq->avail_shadow++;
	return 0;
}

int
vio_vq_add_indirect(struct vio_vq *vq, const struct vio_sg *sg, uint16_t n_out, uint16_t n_in,
		    struct vio_desc *table, uint64_t table_iova, void *cookie)
{
	uint32_t n = (uint32_t)n_out + n_in;
	uint32_t in_len = 0;
	uint16_t head, i;

	if (unlikely(vq->broken))
		return -EIO;
	/* Section 2.7.5.3.1: INDIRECT only once VIRTIO_F_INDIRECT_DESC is negotiated. */
	if (unlikely(!vio_dev_has(vq->dev, VIO_F_INDIRECT_DESC)))
		return -ENOTSUP;
	/* ... and no chain longer than the queue size, indirect or not. */
	if (unlikely(n == 0 || n > vq->size || cookie == NULL || table == NULL ||
		     (table_iova & 15) != 0))
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (unlikely(sg[i].len == 0))
			return -EINVAL;
	if (unlikely(vq->num_free == 0))
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
	vq->slots[head] = (struct vio_vq_slot){
		.cookie = cookie,
		.in_len = in_len,
		.ndesc = 1,
		.last = head,
		.avail_pos = vq->avail_shadow,
	};
	vq->free_head = vq->next_free[head];
	vq->num_free--;
	vq->avail->ring[vq->avail_shadow & vq->mask] = head;
	vq->avail_shadow++;
	return 0;
}

/* Return a completed chain's descriptors to the free list. */
static void *
vio_vq_free_chain(struct vio_vq *vq, uint16_t head)
{
	struct vio_vq_slot *s = &vq->slots[head];
	void *cookie = s->cookie;

	vq->next_free[s->last] = vq->free_head;
	vq->free_head = head;
	vq->num_free = (uint16_t)(vq->num_free + s->ndesc);
	s->cookie = NULL;
	return cookie;
}

/* True when the chain at @p s was added but not yet published. */
static inline bool
vio_vq_unpublished(const struct vio_vq *vq, const struct vio_vq_slot *s)
{
	return (uint16_t)(s->avail_pos - vq->avail_published) <
	       (uint16_t)(vq->avail_shadow - vq->avail_published);
}

/* Validate one used element; on success its chain is released. */
static int
vio_vq_take_used(struct vio_vq *vq, const struct vio_used_elem *e, void **cookie, uint32_t *len)
{
	/* Read each device-written field exactly once: the checks below
	 * must apply to the values used, even if the device rewrites them. */
	uint32_t id = __atomic_load_n(&e->id, __ATOMIC_RELAXED);
	uint32_t l = __atomic_load_n(&e->len, __ATOMIC_RELAXED);
	const struct vio_vq_slot *s;
	char why[96];

	/* The device may only complete heads it was given: in range, in
	 * flight (not already completed) and published. */
	if (unlikely(id >= vq->size || vq->slots[id].cookie == NULL ||
		     vio_vq_unpublished(vq, &vq->slots[id]))) {
		snprintf(why, sizeof(why), "used id %u is not a published in-flight chain head",
			 id);
		vio_vq_mark_broken(vq, why);
		return -EIO;
	}
	s = &vq->slots[id];
	if (unlikely(l > s->in_len) && s->in_len == 0) {
		/*
		 * Nothing of the chain was writable (tx), so the len carries
		 * no information; real devices leave garbage there (Linux had
		 * to drop its strict check). Count it, report 0, carry on.
		 */
		if (vq->bad_len++ == 0)
			VIO_LOG(INFO,
				"%s: queue %u: used len %u on read-only chain %u ignored "
				"(counted, not logged again)",
				vq->dev->name, vq->index, l, id);
		l = 0;
	}
	if (unlikely(l > s->in_len)) {
		snprintf(why, sizeof(why), "used len %u exceeds the %u writable bytes of chain %u",
			 l, s->in_len, id);
		vio_vq_mark_broken(vq, why);
		return -EIO;
	}
	*len = l;
	*cookie = vio_vq_free_chain(vq, (uint16_t)id);
	return 0;
}

int
vio_vq_harvest(struct vio_vq *vq, void **cookies, uint32_t *lens, uint16_t max)
{
	uint16_t used_idx, pending, published, n, i;
	uint32_t len;
	char why[64];

	if (unlikely(vq->broken))
		return -EIO;
	/*
	 * Section 2.7.13 (driver side of 2.7.8): the device writes ring
	 * entries before it advances used->idx; our reads of those entries
	 * must stay after the read of idx.
	 */
	if (vq->io_barriers) {
		used_idx = __atomic_load_n(&vq->used->idx, __ATOMIC_RELAXED);
		rte_io_rmb(); /* used->idx load before the used-entry loads (device) */
	} else {
		/* The acquire load orders the used-entry loads after it (CPU). */
		used_idx = __atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE);
	}
	pending = (uint16_t)(used_idx - vq->last_used);
	published = (uint16_t)(vq->avail_published - vq->last_used);
	if (unlikely(pending > published)) {
		snprintf(why, sizeof(why), "used idx moved by %u with %u chains published", pending,
			 published);
		vio_vq_mark_broken(vq, why);
		return -EIO;
	}
	n = RTE_MIN(pending, max);
	for (i = 0; i < n; i++) {
		const struct vio_used_elem *e = &vq->used->ring[vq->last_used & vq->mask];

		/* Chains harvested before a bad entry are still returned;
		 * the next call reports the broken queue. */
		if (vio_vq_take_used(vq, e, &cookies[i], &len) < 0)
			return i > 0 ? i : -EIO;
		if (lens != NULL)
			lens[i] = len;
		vq->last_used++;
	}
	return n;
}

void *
vio_vq_detach(struct vio_vq *vq)
{
	uint16_t i;

	for (i = 0; i < vq->size; i++)
		if (vq->slots[i].cookie != NULL)
			return vio_vq_free_chain(vq, i);
	return NULL;
}

/*
 * ---- Used-buffer notifications (interrupt mode) ----
 *
 * vio_vq_enable_intr / vio_vq_disable_intr for the split ring. Section
 * 2.7.7 without EVENT_IDX: the avail flags word's NO_INTERRUPT bit; section
 * 2.7.10 with EVENT_IDX: used_event, the used index whose publication
 * should interrupt (parked 0xffff entries ahead while polling).
 */

bool
vio_vq_enable_intr(struct vio_vq *vq)
{
	if (vq->event_idx)
		/* Interrupt when the device publishes the entry we harvest next. */
		__atomic_store_n(vio_vq_used_event(vq), vq->last_used, __ATOMIC_RELAXED);
	else
		__atomic_store_n(&vq->avail->flags, 0, __ATOMIC_RELAXED);
	/*
	 * Sections 2.7.7.1 / 2.7.10 (driver requirements): after enabling
	 * notifications the driver MUST re-read used->idx, because the device
	 * may have published entries before it could see the store above and
	 * will not interrupt for those. Store (flags / used_event) -> load
	 * (used->idx) ordering needs a full barrier: without it the load could
	 * be satisfied before the store is visible, the device could read the
	 * old suppression value, and both sides would wait.
	 */
	if (vq->io_barriers)
		rte_io_mb(); /* suppression store before the used->idx load (device) */
	else
		rte_smp_mb(); /* suppression store before the used->idx load (CPU) */
	return vio_vq_used_pending(vq) != 0;
}

void
vio_vq_disable_intr(struct vio_vq *vq)
{
	/*
	 * No barrier: suppression is a hint (sections 2.7.7 / 2.7.10), a late
	 * interrupt is harmless, the fd is drained before the next sleep.
	 */
	if (vq->event_idx)
		/* Interrupt again only after 64K more completions (we poll). */
		__atomic_store_n(vio_vq_used_event(vq), (uint16_t)(vq->last_used - 1),
				 __ATOMIC_RELAXED);
	else
		__atomic_store_n(&vq->avail->flags, VIO_AVAIL_F_NO_INTERRUPT, __ATOMIC_RELAXED);
}
