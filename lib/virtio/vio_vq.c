/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Engine-independent virtqueue code: creation (which engine), destruction,
 * the broken flag. See vio_vq.h.
 */
#include <errno.h>

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
