/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Modern virtio PCI transport (virtio 1.2 section 4.1) on BARs mapped by
 * DPDK's PCI bus through UIO or VFIO. Only this file touches registers.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bus_pci_driver.h>
#include <rte_bus_pci.h>
#include <rte_cycles.h>
#include <rte_io.h>

#include "vio_log.h"
#include "vio_pci.h"

/* Section 4.1.4.3.2: after writing 0 the driver waits for status to read 0. */
#define VIO_PCI_RESET_POLL_US 100
#define VIO_PCI_RESET_TIMEOUT_US (1000 * 1000)

static struct vio_pci_dev *
vio_pci_of(struct vio_dev *dev)
{
	return container_of(dev, struct vio_pci_dev, vdev);
}

static uint8_t
vio_pci_get_status(struct vio_dev *dev)
{
	return rte_read8(&vio_pci_of(dev)->common->device_status);
}

static void
vio_pci_set_status(struct vio_dev *dev, uint8_t status)
{
	rte_write8(status, &vio_pci_of(dev)->common->device_status);
}

static int
vio_pci_reset(struct vio_dev *dev)
{
	unsigned int waited;

	vio_pci_set_status(dev, VIO_STATUS_RESET);
	for (waited = 0; waited < VIO_PCI_RESET_TIMEOUT_US; waited += VIO_PCI_RESET_POLL_US) {
		if (vio_pci_get_status(dev) == VIO_STATUS_RESET)
			return 0;
		rte_delay_us_sleep(VIO_PCI_RESET_POLL_US);
	}
	return -EIO;
}

static uint64_t
vio_pci_get_features(struct vio_dev *dev)
{
	volatile struct vio_pci_common_cfg *c = vio_pci_of(dev)->common;
	uint32_t lo, hi;

	rte_write32(0, &c->device_feature_select);
	lo = rte_read32(&c->device_feature);
	rte_write32(1, &c->device_feature_select);
	hi = rte_read32(&c->device_feature);
	return ((uint64_t)hi << 32) | lo;
}

static void
vio_pci_set_features(struct vio_dev *dev, uint64_t features)
{
	volatile struct vio_pci_common_cfg *c = vio_pci_of(dev)->common;

	rte_write32(0, &c->driver_feature_select);
	rte_write32((uint32_t)features, &c->driver_feature);
	rte_write32(1, &c->driver_feature_select);
	rte_write32((uint32_t)(features >> 32), &c->driver_feature);
}

static uint8_t
vio_pci_config_generation(struct vio_dev *dev)
{
	return rte_read8(&vio_pci_of(dev)->common->config_generation);
}

static size_t
vio_pci_config_len(struct vio_dev *dev)
{
	return vio_pci_of(dev)->caps.device.length;
}

/* Device-config fields are read with their natural width (section 4.1.3.1). */
static void
vio_pci_read_config(struct vio_dev *dev, size_t offset, void *buf, size_t len)
{
	volatile uint8_t *src = vio_pci_of(dev)->device_cfg + offset;
	uint8_t *dst = buf;
	uint32_t v32;
	uint16_t v16;

	while (len > 0) {
		if (((uintptr_t)src & 3) == 0 && len >= 4) {
			v32 = rte_read32(src);
			memcpy(dst, &v32, 4);
			src += 4, dst += 4, len -= 4;
		} else if (((uintptr_t)src & 1) == 0 && len >= 2) {
			v16 = rte_read16(src);
			memcpy(dst, &v16, 2);
			src += 2, dst += 2, len -= 2;
		} else {
			*dst++ = rte_read8(src++);
			len--;
		}
	}
}

static void
vio_pci_write_config(struct vio_dev *dev, size_t offset, const void *buf, size_t len)
{
	volatile uint8_t *dst = vio_pci_of(dev)->device_cfg + offset;
	const uint8_t *src = buf;

	while (len-- > 0)
		rte_write8(*src++, dst++);
}

static uint16_t
vio_pci_num_queues(struct vio_dev *dev)
{
	return rte_read16(&vio_pci_of(dev)->common->num_queues);
}

static uint16_t
vio_pci_queue_max_size(struct vio_dev *dev, uint16_t index)
{
	volatile struct vio_pci_common_cfg *c = vio_pci_of(dev)->common;

	if (index >= vio_pci_num_queues(dev))
		return 0;
	rte_write16(index, &c->queue_select);
	return rte_read16(&c->queue_size);
}

static void
vio_pci_write64(uint64_t val, volatile uint64_t *reg)
{
	/* Section 4.1.3.1: 64-bit fields may be written as two 32-bit halves. */
	volatile uint32_t *half = (volatile uint32_t *)reg;

	rte_write32((uint32_t)val, &half[0]);
	rte_write32((uint32_t)(val >> 32), &half[1]);
}

static int
vio_pci_queue_doorbell(struct vio_pci_dev *p, uint16_t index, volatile void **doorbell)
{
	uint16_t notify_off = rte_read16(&p->common->queue_notify_off);
	uint32_t offset;

	if (vio_pci_doorbell_offset(&p->caps, notify_off, &offset) < 0) {
		VIO_LOG(ERR,
			"%s: queue %u doorbell (notify_off %u x %u) is outside the %u-byte "
			"notify region",
			p->vdev.name, index, notify_off, p->caps.notify_off_multiplier,
			p->caps.notify.length);
		return -ERANGE;
	}
	*doorbell = p->notify_base + offset;
	return 0;
}

static int
vio_pci_queue_setup(struct vio_dev *dev, uint16_t index, const struct vio_queue_cfg *cfg,
		    volatile void **doorbell)
{
	struct vio_pci_dev *p = vio_pci_of(dev);
	volatile struct vio_pci_common_cfg *c = p->common;
	uint16_t max = vio_pci_queue_max_size(dev, index);
	int rc;

	if (max == 0) {
		VIO_LOG(ERR, "%s: queue %u does not exist", dev->name, index);
		return -ENOENT;
	}
	if (cfg->size > max) {
		VIO_LOG(ERR, "%s: queue %u size %u above device maximum %u", dev->name, index,
			cfg->size, max);
		return -EINVAL;
	}
	/* queue_select was written by vio_pci_queue_max_size(). */
	rc = vio_pci_queue_doorbell(p, index, doorbell);
	if (rc < 0)
		return rc;
	rte_write16(cfg->size, &c->queue_size);
	rte_write16(VIO_MSI_NO_VECTOR, &c->queue_msix_vector);
	vio_pci_write64(cfg->desc_iova, &c->queue_desc);
	vio_pci_write64(cfg->avail_iova, &c->queue_driver);
	vio_pci_write64(cfg->used_iova, &c->queue_device);
	rte_write16(1, &c->queue_enable);
	return 0;
}

static void
vio_pci_notify(struct vio_dev *dev, uint16_t index)
{
	/* Only reached when queue_setup gave no doorbell, which PCI always does. */
	VIO_LOG(ERR, "%s: notify for queue %u without a doorbell", dev->name, index);
}

static uint8_t
vio_pci_isr_read(struct vio_dev *dev)
{
	/* Section 4.1.4.5: reading the ISR status also acknowledges it. */
	return rte_read8(vio_pci_of(dev)->isr);
}

static const struct vio_transport_ops vio_pci_ops = {
	.reset = vio_pci_reset,
	.get_status = vio_pci_get_status,
	.set_status = vio_pci_set_status,
	.get_features = vio_pci_get_features,
	.set_features = vio_pci_set_features,
	.config_generation = vio_pci_config_generation,
	.read_config = vio_pci_read_config,
	.write_config = vio_pci_write_config,
	.config_len = vio_pci_config_len,
	.num_queues = vio_pci_num_queues,
	.queue_max_size = vio_pci_queue_max_size,
	.queue_setup = vio_pci_queue_setup,
	.notify = vio_pci_notify,
	.isr_read = vio_pci_isr_read,
};

static int
vio_pci_read_cfg_space(void *ctx, void *buf, size_t len, size_t offset)
{
	return rte_pci_read_config(ctx, buf, len, offset);
}

static volatile uint8_t *
vio_pci_region_va(const struct rte_pci_device *pci, const struct vio_pci_region *r)
{
	return (volatile uint8_t *)pci->mem_resource[r->bar].addr + r->offset;
}

bool
vio_pci_is_virtio(const struct rte_pci_device *pci, uint16_t virtio_id)
{
	uint16_t transitional;

	if (pci->id.vendor_id != VIO_PCI_VENDOR_ID)
		return false;
	if (pci->id.device_id == VIO_PCI_MODERN_DEVICE_BASE + virtio_id)
		return true;
	/* Transitional IDs 0x1000.. map to virtio IDs through the subsystem ID. */
	transitional = virtio_id == VIO_ID_NET ? VIO_PCI_TRANSITIONAL_NET :
		       virtio_id == VIO_ID_BLK ? VIO_PCI_TRANSITIONAL_BLK :
						 0;
	return transitional != 0 && pci->id.device_id == transitional;
}

int
vio_pci_dev_init(struct vio_pci_dev *dev, struct rte_pci_device *pci)
{
	uint64_t bar_len[VIO_PCI_NUM_BARS];
	unsigned int i;
	int rc;

	memset(dev, 0, sizeof(*dev));
	dev->pci = pci;
	dev->vdev.ops = &vio_pci_ops;
	snprintf(dev->vdev.name, sizeof(dev->vdev.name), "%s", pci->name);
	for (i = 0; i < VIO_PCI_NUM_BARS; i++)
		bar_len[i] = pci->mem_resource[i].addr != NULL ? pci->mem_resource[i].len : 0;

	rc = vio_pci_parse_caps(vio_pci_read_cfg_space, pci, bar_len, dev->vdev.name, &dev->caps);
	if (rc < 0)
		return rc;
	dev->common = (volatile struct vio_pci_common_cfg *)vio_pci_region_va(pci,
									      &dev->caps.common);
	dev->notify_base = vio_pci_region_va(pci, &dev->caps.notify);
	dev->isr = vio_pci_region_va(pci, &dev->caps.isr);
	dev->device_cfg = vio_pci_region_va(pci, &dev->caps.device);
	VIO_LOG(DEBUG, "%s: modern virtio device, %u queues", dev->vdev.name,
		vio_pci_num_queues(&dev->vdev));
	return 0;
}
