/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packed virtqueue engine (virtio 1.2 section 2.8). See vio_vq_packed.h for
 * the ring protocol and vio_vq.h for the concurrency and trust model.
 */
#include <errno.h>
#include <stdio.h>

#include <rte_malloc.h>

#include "vio_dma.h"
#include "vio_log.h"
#include "vio_vq_packed.h"

/*
 * Layout: descriptor ring (16-aligned), then the driver and the device
 * event suppression structures (4-aligned), each on its own cache line so
 * the device's writes never share a line with ours.
 */
#define PACKED_EVENT_ALIGN RTE_CACHE_LINE_SIZE
#define PACKED_RING_ALIGN 4096

static size_t
driver_event_off(uint16_t size)
{
	return RTE_ALIGN_CEIL(sizeof(struct vio_packed_desc) * size, (size_t)PACKED_EVENT_ALIGN);
}

static int
vio_vq_packed_alloc(struct vio_vq_packed *vq, struct vio_dev *dev, uint16_t index, uint16_t size,
		    int socket)
{
	size_t drv_off = driver_event_off(size), dev_off = drv_off + PACKED_EVENT_ALIGN;
	char tag[16];
	uint16_t i;
	void *base;

	if (size == 0 || size > VIO_PACKED_MAX_SIZE) {
		VIO_LOG(ERR, "%s: queue %u: size %u not in 1..%u", dev->name, index, size,
			VIO_PACKED_MAX_SIZE);
		return -EINVAL;
	}
	vq->next_id = rte_malloc_socket("vio_vq_ids", sizeof(uint16_t) * size, 0, socket);
	vq->slots = rte_zmalloc_socket("vio_vq_slots", sizeof(struct vio_vq_packed_slot) * size,
				       RTE_CACHE_LINE_SIZE, socket);
	snprintf(tag, sizeof(tag), "vq%u", index);
	vq->h.ring = vio_dma_alloc(
		tag, RTE_ALIGN_CEIL(dev_off + PACKED_EVENT_ALIGN, (size_t)PACKED_RING_ALIGN),
		PACKED_RING_ALIGN, socket);
	if (vq->next_id == NULL || vq->slots == NULL || vq->h.ring == NULL)
		return -ENOMEM;
	base = vio_dma_va(vq->h.ring);
	vq->h.ring_iova = vio_dma_iova(vq->h.ring);
	vq->desc = base;
	vq->driver_event = RTE_PTR_ADD(base, drv_off);
	vq->device_event = RTE_PTR_ADD(base, dev_off);
	vq->h.size = size;
	vq->h.num_free = size;
	/*
	 * In order, the free-id list is the identity ring (id p is followed by
	 * p + 1, wrapping), never reordered: each add takes the id of its ring
	 * position, and harvest gives nothing back to the list.
	 */
	for (i = 0; i < size; i++)
		vq->next_id[i] = vq->in_order ? (uint16_t)((i + 1) % size) : (uint16_t)(i + 1);
	vq->free_id = 0;
	/* Section 2.8.1: both wrap counters start at 1. */
	vq->avail_flags = VIO_PACKED_DESC_F_AVAIL;
	vq->used_flags = VIO_PACKED_WRAP_BITS;
	/* We poll: no used-buffer notifications (section 2.8.10). */
	vq->driver_event->flags = VIO_PACKED_EVENT_F_DISABLE;
	return 0;
}

int
vio_vq_packed_create(struct vio_vq_packed *vq, struct vio_dev *dev, uint16_t index, uint16_t size,
		     int socket)
{
	struct vio_notify_addr notify = { NULL, 0 };
	struct vio_queue_cfg cfg;
	int rc;

	rc = vio_vq_packed_alloc(vq, dev, index, size, socket);
	if (rc < 0) {
		vio_vq_packed_release(vq);
		return rc;
	}
	/* Section 4.1.4.3: queue_desc, queue_driver, queue_device. */
	cfg.size = size;
	cfg.desc_iova = vq->h.ring_iova;
	cfg.avail_iova = vq->h.ring_iova + driver_event_off(size);
	cfg.used_iova = cfg.avail_iova + PACKED_EVENT_ALIGN;
	rc = vio_dev_ops(dev)->queue_setup(dev, index, &cfg, &notify);
	if (rc < 0) {
		vio_vq_packed_release(vq);
		return rc;
	}
	vq->h.doorbell = notify.doorbell;
	vq->h.notify_data = notify.data;
	return 0;
}

void
vio_vq_packed_release(struct vio_vq_packed *vq)
{
	vio_dma_free(vq->h.ring);
	rte_free(vq->slots);
	rte_free(vq->next_id);
	vq->h.ring = NULL;
	vq->slots = NULL;
	vq->next_id = NULL;
}

static int
check_sg(const struct vio_sg *sg, uint32_t n, const void *cookie)
{
	uint32_t i;

	if (n == 0 || cookie == NULL)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (sg[i].len == 0)
			return -EINVAL;
	return 0;
}

/* Take a free id for a chain of @p ndesc ring descriptors. */
static uint16_t
take_id(struct vio_vq_packed *vq, void *cookie, uint32_t in_len, uint16_t ndesc)
{
	uint16_t id = vq->free_id;
	struct vio_vq_packed_slot *s = &vq->slots[id];

	s->cookie = cookie;
	s->in_len = in_len;
	s->ndesc = ndesc;
	s->add_seq = vq->added++;
	vq->free_id = vq->next_id[id];
	vq->h.num_free = (uint16_t)(vq->h.num_free - ndesc);
	return id;
}

int
vio_vq_packed_add_chain(struct vio_vq_packed *vq, const struct vio_sg *sg, uint16_t n_out,
			uint16_t n_in, void *cookie)
{
	uint16_t n = (uint16_t)(n_out + n_in), pos = vq->next_avail, i, id;
	uint16_t wrap = vq->avail_flags, head_flags = 0;
	uint32_t in_len = 0;
	int rc;

	if (unlikely(vq->h.broken))
		return -EIO;
	if (unlikely(n < n_out)) /* n_out + n_in overflowed */
		return -EINVAL;
	rc = check_sg(sg, n, cookie);
	if (rc < 0)
		return rc;
	if (n > vq->h.num_free)
		return -ENOSPC;
	for (i = n_out; i < n; i++)
		in_len += sg[i].len;
	id = take_id(vq, cookie, in_len, n);
	/*
	 * Section 2.8.6: the chain takes n consecutive ring positions, linked
	 * by NEXT; the id goes in every descriptor (the device reads the last
	 * one's). Every flags store but the head's is done here: the head's
	 * comes last, so the device never sees a partial chain.
	 */
	for (i = 0; i < n; i++) {
		struct vio_packed_desc *d = &vq->desc[pos];
		uint16_t flags = wrap;

		d->addr = sg[i].iova;
		d->len = sg[i].len;
		d->id = id;
		if (i >= n_out)
			flags |= VIO_DESC_F_WRITE;
		if (i + 1 < n)
			flags |= VIO_DESC_F_NEXT;
		if (i == 0)
			head_flags = flags;
		else
			__atomic_store_n(&d->flags, flags, __ATOMIC_RELAXED);
		vio_vq_packed_step(&pos, &wrap, vq->h.size);
	}
	vio_vq_packed_set_flags(vq, vq->next_avail, head_flags);
	vq->next_avail = pos;
	vq->avail_flags = wrap;
	if (vq->in_order)
		vq->free_id = pos; /* the next chain's id: its ring position */
	return 0;
}

int
vio_vq_packed_add_indirect(struct vio_vq_packed *vq, const struct vio_sg *sg, uint16_t n_out,
			   uint16_t n_in, struct vio_vq_ind_desc *ind, uint64_t table_iova,
			   void *cookie)
{
	struct vio_packed_desc *table = (struct vio_packed_desc *)ind, *d;
	uint32_t n = (uint32_t)n_out + n_in, in_len = 0, i;
	uint16_t id;

	if (unlikely(vq->h.broken))
		return -EIO;
	/* Section 2.8.7: INDIRECT only once VIRTIO_F_INDIRECT_DESC is negotiated. */
	if (unlikely(!vio_dev_has(vq->h.dev, VIO_F_INDIRECT_DESC)))
		return -ENOTSUP;
	if (unlikely(n > vq->h.size || table == NULL || (table_iova & 15) != 0 ||
		     check_sg(sg, n, cookie) < 0))
		return -EINVAL;
	if (unlikely(vq->h.num_free == 0))
		return -ENOSPC;
	/* The table's entries are consecutive: no NEXT, no id (section 2.8.7). */
	for (i = 0; i < n; i++) {
		table[i] = (struct vio_packed_desc){
			.addr = sg[i].iova,
			.len = sg[i].len,
			.id = 0,
			.flags = i < n_out ? 0 : VIO_DESC_F_WRITE,
		};
		if (i >= n_out)
			in_len += sg[i].len;
	}
	id = take_id(vq, cookie, in_len, 1);
	d = &vq->desc[vq->next_avail];
	d->addr = table_iova;
	d->len = (uint32_t)(n * sizeof(*table));
	d->id = id;
	vio_vq_packed_set_flags(vq, vq->next_avail,
				(uint16_t)(vq->avail_flags | VIO_DESC_F_INDIRECT));
	vio_vq_packed_step(&vq->next_avail, &vq->avail_flags, vq->h.size);
	return 0;
}

void *
vio_vq_packed_detach(struct vio_vq_packed *vq)
{
	uint16_t i;

	for (i = 0; i < vq->h.size; i++) {
		struct vio_vq_packed_slot *s = &vq->slots[i];
		void *cookie = s->cookie;

		if (cookie == NULL)
			continue;
		s->cookie = NULL;
		vq->next_id[i] = vq->free_id;
		vq->free_id = i;
		vq->h.num_free = (uint16_t)(vq->h.num_free + s->ndesc);
		return cookie;
	}
	return NULL;
}

int
vio_vq_packed_in_order_used(struct vio_vq_packed *vq, uint16_t flags, uint32_t id, uint32_t len)
{
	struct vio_vq_packed_slot *s;
	uint16_t nth;

	/*
	 * Only the chain starts in flight hold a cookie, and in order they run
	 * contiguously from last_used: an id with one is at or after the
	 * oldest chain. add_seq says which in-flight chain it is (0: the
	 * oldest); it must be one the device has seen (published).
	 */
	if (id >= vq->h.size || vq->slots[id].cookie == NULL)
		return vio_vq_packed_bad_used(vq, flags, id, len);
	s = &vq->slots[id];
	nth = (uint16_t)(s->add_seq - vq->harvested);
	if (nth >= (uint16_t)(vq->published - vq->harvested))
		return vio_vq_packed_bad_used(vq, flags, id, len);
	if (!vio_vq_packed_used_len_ok(vq, flags, &len, s->in_len, id))
		return vio_vq_packed_bad_used(vq, flags, id, len);
	vq->batch_len = len;
	return nth + 1;
}

int
vio_vq_packed_bad_used(struct vio_vq_packed *vq, uint16_t flags, uint32_t id, uint32_t len)
{
	char why[128];

	if ((flags & VIO_PACKED_WRAP_BITS) != vq->used_flags)
		snprintf(why, sizeof(why),
			 "descriptor %u flags 0x%04x: neither available nor used in this lap "
			 "(used wrap counter %u)",
			 vq->last_used, flags, vq->used_flags != 0);
	else if (vq->in_order && (id >= vq->h.size || vq->slots[id].cookie == NULL))
		snprintf(why, sizeof(why),
			 "used id %u names no in-flight chain at or after the oldest (id %u)", id,
			 vq->last_used);
	else if (id >= vq->h.size || vq->slots[id].cookie == NULL)
		snprintf(why, sizeof(why), "used id %u is not an in-flight buffer id", id);
	else if ((uint16_t)(vq->slots[id].add_seq - vq->published) <
		 (uint16_t)(vq->added - vq->published))
		snprintf(why, sizeof(why), "used id %u was never published", id);
	else
		snprintf(why, sizeof(why), "used len %u exceeds the %u writable bytes of id %u",
			 len, vq->slots[id].in_len, id);
	vio_vq_hdr_mark_broken(&vq->h, why);
	return -EIO;
}

bool
vio_vq_packed_enable_intr(struct vio_vq_packed *vq)
{
	if (vq->h.event_idx) {
		/* Section 2.8.10: notify when the used descriptor at last_used is written. */
		uint16_t off_wrap = (uint16_t)(vq->last_used | ((vq->used_flags != 0)
								<< VIO_PACKED_EVENT_WRAP_SHIFT));

		__atomic_store_n(&vq->driver_event->off_wrap, off_wrap, __ATOMIC_RELAXED);
		/* off_wrap before the flags that make the device read it. */
		if (vq->h.io_barriers)
			rte_io_wmb();
		else
			rte_smp_wmb();
		__atomic_store_n(&vq->driver_event->flags, VIO_PACKED_EVENT_F_DESC,
				 __ATOMIC_RELAXED);
	} else {
		__atomic_store_n(&vq->driver_event->flags, VIO_PACKED_EVENT_F_ENABLE,
				 __ATOMIC_RELAXED);
	}
	/*
	 * The suppression store must be visible before we re-read the ring:
	 * otherwise a buffer used in between is neither seen here nor
	 * notified (store->load needs a full barrier).
	 */
	if (vq->h.io_barriers)
		rte_io_mb();
	else
		rte_smp_mb();
	return vio_vq_packed_used_pending(vq) != 0;
}

void
vio_vq_packed_disable_intr(struct vio_vq_packed *vq)
{
	__atomic_store_n(&vq->driver_event->flags, VIO_PACKED_EVENT_F_DISABLE, __ATOMIC_RELAXED);
}
