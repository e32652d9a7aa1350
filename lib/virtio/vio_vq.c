/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Engine-independent virtqueue code: creation (which engine), destruction,
 * the broken flag. See vio_vq.h.
 */
#include <errno.h>
#include <stdio.h>

#include <rte_malloc.h>

#include "vio_dma.h"
#include "vio_log.h"
#include "vio_vq.h"

void
vio_vq_hdr_mark_broken(struct vio_vq_hdr *h, const char *why)
{
	if (!h->broken)
		VIO_LOG(ERR, "%s: queue %u broken: %s", h->dev->name, h->index, why);
	h->broken = true;
}

void
vio_vq_hdr_note_bad_len(struct vio_vq_hdr *h, uint32_t len, uint32_t id)
{
	if (h->bad_len++ == 0)
		VIO_LOG(INFO,
			"%s: queue %u: used len %u on read-only chain %u ignored "
			"(counted, not logged again)",
			h->dev->name, h->index, len, id);
}

int
vio_vq_create(struct vio_dev *dev, uint16_t index, uint16_t size, int socket, struct vio_vq **out)
{
	uint16_t max = vio_dev_ops(dev)->queue_max_size(dev, index);
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
	vq = rte_zmalloc_socket("vio_vq", sizeof(*vq), RTE_CACHE_LINE_SIZE, socket);
	if (vq == NULL)
		return -ENOMEM;
	vq->h.index = index;
	vq->h.dev = dev;
	/* Section 6.1: with ORDER_PLATFORM the driver uses hardware barriers. */
	vq->h.io_barriers = vio_dev_has(dev, VIO_F_ORDER_PLATFORM);
	vq->h.event_idx = vio_dev_has(dev, VIO_F_EVENT_IDX);
	vq->h.packed = vio_dev_has(dev, VIO_F_RING_PACKED);
	if (vq->h.packed) {
		vq->packed.in_order = vio_dev_has(dev, VIO_F_IN_ORDER);
		rc = vio_vq_packed_create(&vq->packed, dev, index, size, socket);
	} else {
		vq->split.in_order = vio_dev_has(dev, VIO_F_IN_ORDER);
		rc = vio_vq_split_create(&vq->split, dev, index, size, socket);
	}
	if (rc < 0) {
		if (vio_dev_ops(dev)->queue_release != NULL)
			vio_dev_ops(dev)->queue_release(dev, index);
		rte_free(vq);
		return rc;
	}
	*out = vq;
	return 0;
}

void
vio_vq_destroy(struct vio_vq *vq)
{
	if (vq == NULL)
		return;
	if (vio_dev_ops(vq->h.dev)->queue_release != NULL)
		vio_dev_ops(vq->h.dev)->queue_release(vq->h.dev, vq->h.index);
	if (vq->h.packed)
		vio_vq_packed_release(&vq->packed);
	else
		vio_vq_split_release(&vq->split);
	rte_free(vq);
}

size_t
vio_vq_ring_bytes(const struct vio_vq *vq)
{
	return vq->h.ring != NULL ? vio_dma_len(vq->h.ring) : 0;
}

static int
vio_vq_split_describe(const struct vio_vq_split *vq, char *buf, size_t len)
{
	uint16_t size = vq->h.size;
	/* Device-written fields: read once each, they may move under us. */
	uint16_t used_idx = __atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE);
	uint16_t used_flags = __atomic_load_n(&vq->used->flags, __ATOMIC_RELAXED);
	uint16_t avail_event = __atomic_load_n(vq->avail_event, __ATOMIC_RELAXED);

	return snprintf(buf, len,
			"split size %u free %u: avail idx %u (kicked at %u), used idx %u "
			"(harvested to %u); device used flags 0x%x avail_event %u; driver "
			"avail flags 0x%x used_event %u%s%s",
			size, vq->h.num_free, vq->avail_published, vq->avail_kicked, used_idx,
			vq->last_used, used_flags, avail_event, vq->avail->flags,
			vq->avail->ring[size], vq->h.event_idx ? ", event_idx" : "",
			vq->in_order ? ", in_order" : "");
}

static int
vio_vq_packed_describe(const struct vio_vq_packed *vq, char *buf, size_t len)
{
	uint32_t dev_event = __atomic_load_n((const uint32_t *)(const void *)vq->device_event,
					     __ATOMIC_RELAXED);
	uint16_t at_used = __atomic_load_n(&vq->desc[vq->last_used].flags, __ATOMIC_ACQUIRE);
	char in_order[48] = "";

	if (vq->in_order)
		snprintf(in_order, sizeof(in_order), ", in_order (batch: %u chains left)",
			 vq->batch_left);
	return snprintf(buf, len,
			"packed size %u free %u: next avail %u wrap %u, "
			"chains added %u published %u harvested %u; next used %u wrap %u, "
			"flags there 0x%04x; device event flags %u off_wrap 0x%04x; driver event "
			"flags %u off_wrap 0x%04x%s%s",
			vq->h.size, vq->h.num_free, vq->next_avail,
			(vq->avail_flags & VIO_PACKED_DESC_F_AVAIL) != 0, vq->added, vq->published,
			vq->harvested, vq->last_used, vq->used_flags != 0, at_used, dev_event >> 16,
			dev_event & 0xffff, vq->driver_event->flags, vq->driver_event->off_wrap,
			vq->h.event_idx ? ", event_idx" : "", in_order);
}

int
vio_vq_describe(const struct vio_vq *vq, char *buf, size_t len)
{
	if (vq->h.packed)
		return vio_vq_packed_describe(&vq->packed, buf, len);
	return vio_vq_split_describe(&vq->split, buf, len);
}
