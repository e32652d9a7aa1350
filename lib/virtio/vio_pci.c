/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Modern virtio PCI transport (virtio 1.2 section 4.1) on BARs mapped by
 * DPDK's PCI bus through UIO or VFIO. Only this file touches registers, and
 * only through the accessors below: MMIO for memory BARs, port I/O for
 * I/O-space BARs (section 4.1.4 allows either), always one access of the
 * field's natural width (section 4.1.3.1).
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <bus_pci_driver.h>
#include <rte_bus_pci.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_devargs.h>
#include <rte_io.h>
#include <rte_kvargs.h>
#include <rte_malloc.h>

#include "vio_log.h"
#include "vio_pci.h"

/* Section 4.1.4.3.2: after writing 0 the driver waits for status to read 0. */
#define VIO_PCI_RESET_POLL_US 100
#define VIO_PCI_RESET_TIMEOUT_US (1000 * 1000)

/* PCI config header: BAR registers and the I/O-space bit of each. */
#define PCI_BAR0 0x10
#define PCI_BAR_IO 0x1
#define PCI_BAR_MEM_TYPE_MASK 0x6
#define PCI_BAR_MEM_TYPE_64 0x4

static_assert(sizeof(struct rte_pci_ioport) <= sizeof(((struct vio_pci_port *)0)->opaque),
	      "struct vio_pci_port too small for struct rte_pci_ioport");

/* Common-config register offsets. */
#define CC(field) offsetof(struct vio_pci_common_cfg, field)

static struct vio_pci_dev *
vio_pci_of(struct vio_dev *dev)
{
	return container_of(dev, struct vio_pci_dev, vdev);
}

/* ---- Accessors: one access of the given width, MMIO or port I/O. ---- */

static uint32_t
vio_pci_read(struct vio_pci_dev *p, const struct vio_pci_io *io, uint32_t off, unsigned int width)
{
	if (io->va == NULL)
		return p->port_ops->read(p, io->bar, io->base + off, width);
	switch (width) {
	case 1:
		return rte_read8(io->va + off);
	case 2:
		return rte_le_to_cpu_16(rte_read16(io->va + off));
	default:
		return rte_le_to_cpu_32(rte_read32(io->va + off));
	}
}

static void
vio_pci_write(struct vio_pci_dev *p, const struct vio_pci_io *io, uint32_t off, uint32_t val,
	      unsigned int width)
{
	if (io->va == NULL) {
		p->port_ops->write(p, io->bar, io->base + off, val, width);
		return;
	}
	switch (width) {
	case 1:
		rte_write8((uint8_t)val, io->va + off);
		break;
	case 2:
		rte_write16(rte_cpu_to_le_16((uint16_t)val), io->va + off);
		break;
	default:
		rte_write32(rte_cpu_to_le_32(val), io->va + off);
		break;
	}
}

static uint8_t
cc_read8(struct vio_pci_dev *p, uint32_t off)
{
	return (uint8_t)vio_pci_read(p, &p->common, off, 1);
}

static uint16_t
cc_read16(struct vio_pci_dev *p, uint32_t off)
{
	return (uint16_t)vio_pci_read(p, &p->common, off, 2);
}

static uint32_t
cc_read32(struct vio_pci_dev *p, uint32_t off)
{
	return vio_pci_read(p, &p->common, off, 4);
}

static void
cc_write8(struct vio_pci_dev *p, uint32_t off, uint8_t val)
{
	vio_pci_write(p, &p->common, off, val, 1);
}

static void
cc_write16(struct vio_pci_dev *p, uint32_t off, uint16_t val)
{
	vio_pci_write(p, &p->common, off, val, 2);
}

static void
cc_write32(struct vio_pci_dev *p, uint32_t off, uint32_t val)
{
	vio_pci_write(p, &p->common, off, val, 4);
}

/* Section 4.1.3: a 64-bit field is written as two 32-bit halves, low first. */
static void
cc_write64(struct vio_pci_dev *p, uint32_t off, uint64_t val)
{
	cc_write32(p, off, (uint32_t)val);
	cc_write32(p, off + 4, (uint32_t)(val >> 32));
}

/* ---- Transport ops. ---- */

static uint8_t
vio_pci_get_status(struct vio_dev *dev)
{
	return cc_read8(vio_pci_of(dev), CC(device_status));
}

static void
vio_pci_set_status(struct vio_dev *dev, uint8_t status)
{
	cc_write8(vio_pci_of(dev), CC(device_status), status);
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
	struct vio_pci_dev *p = vio_pci_of(dev);
	uint32_t lo, hi;

	cc_write32(p, CC(device_feature_select), 0);
	lo = cc_read32(p, CC(device_feature));
	cc_write32(p, CC(device_feature_select), 1);
	hi = cc_read32(p, CC(device_feature));
	return ((uint64_t)hi << 32) | lo;
}

static void
vio_pci_set_features(struct vio_dev *dev, uint64_t features)
{
	struct vio_pci_dev *p = vio_pci_of(dev);

	cc_write32(p, CC(driver_feature_select), 0);
	cc_write32(p, CC(driver_feature), (uint32_t)features);
	cc_write32(p, CC(driver_feature_select), 1);
	cc_write32(p, CC(driver_feature), (uint32_t)(features >> 32));
}

static uint8_t
vio_pci_config_generation(struct vio_dev *dev)
{
	return cc_read8(vio_pci_of(dev), CC(config_generation));
}

static size_t
vio_pci_config_len(struct vio_dev *dev)
{
	return vio_pci_of(dev)->caps.device.length;
}

/* One access of the field's width; vio_dev.c checked bounds and alignment. */
static uint32_t
vio_pci_read_config(struct vio_dev *dev, size_t offset, unsigned int width)
{
	struct vio_pci_dev *p = vio_pci_of(dev);

	return vio_pci_read(p, &p->device, (uint32_t)offset, width);
}

static void
vio_pci_write_config(struct vio_dev *dev, size_t offset, uint32_t val, unsigned int width)
{
	struct vio_pci_dev *p = vio_pci_of(dev);

	vio_pci_write(p, &p->device, (uint32_t)offset, val, width);
}

static uint16_t
vio_pci_num_queues(struct vio_dev *dev)
{
	return cc_read16(vio_pci_of(dev), CC(num_queues));
}

static uint16_t
vio_pci_queue_max_size(struct vio_dev *dev, uint16_t index)
{
	struct vio_pci_dev *p = vio_pci_of(dev);

	if (index >= vio_pci_num_queues(dev))
		return 0;
	cc_write16(p, CC(queue_select), index);
	return cc_read16(p, CC(queue_size));
}

/*
 * Where to notify the queue selected in common config: a doorbell address
 * in a memory BAR (the data path stores to it directly), or, in an I/O
 * BAR, its offset in the notify region, handed back to vio_pci_notify().
 */
static int
vio_pci_queue_doorbell(struct vio_pci_dev *p, uint16_t index, struct vio_notify_addr *notify)
{
	uint16_t notify_off = cc_read16(p, CC(queue_notify_off));
	uint32_t offset;

	if (vio_pci_doorbell_offset(&p->caps, notify_off, &offset) < 0) {
		VIO_LOG(ERR,
			"%s: queue %u doorbell (notify_off %u x %u) is outside the %u-byte "
			"notify region",
			p->vdev.name, index, notify_off, p->caps.notify_off_multiplier,
			p->caps.notify.length);
		return -ERANGE;
	}
	if (notify == NULL)
		return 0;
	notify->doorbell = p->notify.va != NULL ? p->notify.va + offset : NULL;
	notify->data = offset;
	return 0;
}

/*
 * The queue's MSI-X vector (queue_select is set): the next free one in
 * interrupt mode for a queue that asked for it, else none.
 */
static int
vio_pci_queue_vector(struct vio_pci_dev *p, uint16_t index)
{
	uint16_t vec;

	if (!p->intr_on || !p->vdev.queue_intr || index >= vio_pci_num_queues(&p->vdev)) {
		cc_write16(p, CC(queue_msix_vector), VIO_MSI_NO_VECTOR);
		return 0;
	}
	if (p->intr_next_vector > p->intr_nb_vectors) {
		VIO_LOG(ERR, "%s: queue %u: all %u interrupt vectors are in use", p->vdev.name,
			index, p->intr_nb_vectors);
		return -ENOSPC;
	}
	vec = p->intr_next_vector;
	cc_write16(p, CC(queue_msix_vector), vec);
	/* Section 4.1.5.1.2.1: a device out of vectors answers NO_VECTOR. */
	if (cc_read16(p, CC(queue_msix_vector)) != vec) {
		VIO_LOG(ERR,
			"%s: queue %u: device refused MSI-X vector %u (reads back "
			"VIRTIO_MSI_NO_VECTOR): no interrupt for this queue",
			p->vdev.name, index, vec);
		cc_write16(p, CC(queue_msix_vector), VIO_MSI_NO_VECTOR);
		return -EIO;
	}
	p->intr_next_vector++;
	p->queue_vector[index] = vec;
	return 0;
}

static int
vio_pci_queue_intr_fd(struct vio_dev *dev, uint16_t index)
{
	struct vio_pci_dev *p = vio_pci_of(dev);
	int fd;

	if (!p->intr_on || index >= vio_pci_num_queues(dev) ||
	    p->queue_vector[index] == VIO_MSI_NO_VECTOR)
		return -ENOTSUP;
	/* Vector v >= 1 is the handle's eventfd v - 1 (vector 0: its own fd). */
	fd = rte_intr_efds_index_get(p->intr, p->queue_vector[index] - 1);
	return fd < 0 ? -ENOTSUP : fd;
}

static int
vio_pci_queue_setup(struct vio_dev *dev, uint16_t index, const struct vio_queue_cfg *cfg,
		    struct vio_notify_addr *notify)
{
	struct vio_pci_dev *p = vio_pci_of(dev);
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
	rc = vio_pci_queue_doorbell(p, index, notify);
	if (rc < 0)
		return rc;
	cc_write16(p, CC(queue_size), cfg->size);
	rc = vio_pci_queue_vector(p, index);
	if (rc < 0)
		return rc;
	cc_write64(p, CC(queue_desc), cfg->desc_iova);
	cc_write64(p, CC(queue_driver), cfg->avail_iova);
	cc_write64(p, CC(queue_device), cfg->used_iova);
	cc_write16(p, CC(queue_enable), 1);
	return 0;
}

/* Reached only for a notify region in an I/O BAR: a 16-bit port write. */
static void
vio_pci_notify(struct vio_dev *dev, uint16_t index, uint32_t data)
{
	struct vio_pci_dev *p = vio_pci_of(dev);

	/* The I/O write barrier orders the ring updates before the port write. */
	rte_io_wmb();
	vio_pci_write(p, &p->notify, data, index, 2);
}

static uint8_t
vio_pci_isr_read(struct vio_dev *dev)
{
	struct vio_pci_dev *p = vio_pci_of(dev);

	/* Section 4.1.4.5: reading the ISR status also acknowledges it. */
	return (uint8_t)vio_pci_read(p, &p->isr, 0, 1);
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
	.queue_intr_fd = vio_pci_queue_intr_fd,
};

/* ---- Binding. ---- */

static int
vio_pci_bind_region(struct vio_pci_dev *p, const struct vio_pci_region *r,
		    volatile uint8_t *const *bar_va, struct vio_pci_io *io)
{
	io->bar = r->bar;
	io->base = r->offset;
	io->va = NULL;
	if (!r->is_io) {
		if (bar_va[r->bar] == NULL) {
			VIO_LOG(ERR, "%s: memory BAR %u is not mapped", p->vdev.name, r->bar);
			return -EINVAL;
		}
		io->va = bar_va[r->bar] + r->offset;
	} else if (p->port_ops == NULL) {
		VIO_LOG(ERR, "%s: I/O BAR %u has no port access", p->vdev.name, r->bar);
		return -EINVAL;
	}
	return 0;
}

int
vio_pci_dev_attach(struct vio_pci_dev *dev, const char *name, const struct vio_pci_caps *caps,
		   volatile uint8_t *const *bar_va, const struct vio_pci_port_ops *port_ops,
		   void *port_ctx)
{
	int rc;

	rc = vio_dev_bind(&dev->vdev, VIO_TRANSPORT_PCI, &vio_pci_ops);
	if (rc < 0)
		return rc;
	snprintf(dev->vdev.name, sizeof(dev->vdev.name), "%s", name);
	dev->caps = *caps;
	dev->port_ops = port_ops;
	dev->port_ctx = port_ctx;
	rc = vio_pci_bind_region(dev, &caps->common, bar_va, &dev->common);
	if (rc == 0)
		rc = vio_pci_bind_region(dev, &caps->notify, bar_va, &dev->notify);
	if (rc == 0)
		rc = vio_pci_bind_region(dev, &caps->isr, bar_va, &dev->isr);
	if (rc == 0)
		rc = vio_pci_bind_region(dev, &caps->device, bar_va, &dev->device);
	if (rc < 0)
		return rc;
	VIO_LOG(DEBUG, "%s: modern virtio device, %u queues, notify in %s BAR %u", name,
		vio_pci_num_queues(&dev->vdev), caps->notify.is_io ? "I/O" : "memory",
		caps->notify.bar);
	return 0;
}

/* ---- DPDK's PCI bus: config space, BAR discovery, port I/O. ---- */

static int
vio_pci_read_cfg_space(void *ctx, void *buf, size_t len, size_t offset)
{
	return rte_pci_read_config(ctx, buf, len, offset);
}

static struct rte_pci_ioport *
vio_pci_ioport(struct vio_pci_dev *p, uint8_t bar)
{
	return (struct rte_pci_ioport *)p->ports[bar].opaque;
}

static uint32_t
vio_pci_port_read(struct vio_pci_dev *p, uint8_t bar, uint32_t offset, unsigned int width)
{
	uint32_t v32 = 0;
	uint16_t v16 = 0;
	uint8_t v8 = 0;

	/* One rte_pci_ioport_read of 1, 2 or 4 bytes is one in/pread access. */
	switch (width) {
	case 1:
		rte_pci_ioport_read(vio_pci_ioport(p, bar), &v8, 1, offset);
		return v8;
	case 2:
		rte_pci_ioport_read(vio_pci_ioport(p, bar), &v16, 2, offset);
		return rte_le_to_cpu_16(v16);
	default:
		rte_pci_ioport_read(vio_pci_ioport(p, bar), &v32, 4, offset);
		return rte_le_to_cpu_32(v32);
	}
}

static void
vio_pci_port_write(struct vio_pci_dev *p, uint8_t bar, uint32_t offset, uint32_t val,
		   unsigned int width)
{
	uint32_t v32 = rte_cpu_to_le_32(val);
	uint16_t v16 = rte_cpu_to_le_16((uint16_t)val);
	uint8_t v8 = (uint8_t)val;

	switch (width) {
	case 1:
		rte_pci_ioport_write(vio_pci_ioport(p, bar), &v8, 1, offset);
		break;
	case 2:
		rte_pci_ioport_write(vio_pci_ioport(p, bar), &v16, 2, offset);
		break;
	default:
		rte_pci_ioport_write(vio_pci_ioport(p, bar), &v32, 4, offset);
		break;
	}
}

static const struct vio_pci_port_ops vio_pci_dpdk_ports = {
	.read = vio_pci_port_read,
	.write = vio_pci_port_write,
};

/*
 * Size of I/O BAR @p bar from sysfs (Linux), where EAL also learns its
 * BARs: "start end flags" per line. 0 when unknown, which makes the BAR
 * unusable: the device's offsets cannot be bounded without it.
 */
static uint64_t
vio_pci_io_bar_len(const struct rte_pci_device *pci, unsigned int bar)
{
	char path[PATH_MAX], line[128];
	uint64_t start = 0, end = 0, flags = 0;
	unsigned int i;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/resource", rte_pci_get_sysfs_path(), pci->name);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	for (i = 0; i <= bar; i++)
		if (fgets(line, sizeof(line), f) == NULL)
			break;
	fclose(f);
	if (i <= bar ||
	    sscanf(line, "%" SCNx64 " %" SCNx64 " %" SCNx64, &start, &end, &flags) != 3 ||
	    end < start || start == 0)
		return 0;
	return end - start + 1;
}

/* Learn each BAR's kind from its register and its reachable length. */
static void
vio_pci_probe_bars(struct vio_pci_dev *dev, struct rte_pci_device *pci,
		   struct vio_pci_bar_info bars[VIO_PCI_NUM_BARS])
{
	uint32_t reg;
	unsigned int i;

	memset(bars, 0, sizeof(bars[0]) * VIO_PCI_NUM_BARS);
	for (i = 0; i < VIO_PCI_NUM_BARS; i++) {
		if (rte_pci_read_config(pci, &reg, sizeof(reg), PCI_BAR0 + 4 * i) != sizeof(reg))
			continue;
		reg = rte_le_to_cpu_32(reg);
		if (!(reg & PCI_BAR_IO)) {
			/* Memory: what EAL mapped; a 64-bit BAR spans i and i+1. */
			if (pci->mem_resource[i].addr != NULL)
				bars[i].len = pci->mem_resource[i].len;
			if ((reg & PCI_BAR_MEM_TYPE_MASK) == PCI_BAR_MEM_TYPE_64)
				i++;
			continue;
		}
		bars[i].is_io = true;
		bars[i].len = vio_pci_io_bar_len(pci, i);
		if (bars[i].len == 0)
			continue;
		if (rte_pci_ioport_map(pci, (int)i, vio_pci_ioport(dev, (uint8_t)i)) < 0) {
			VIO_LOG(DEBUG, "%s: cannot map I/O BAR %u", pci->name, i);
			bars[i].len = 0;
			continue;
		}
		dev->ports[i].mapped = true;
	}
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

bool
vio_pci_declined_by_devargs(const struct rte_pci_device *pci)
{
	struct rte_devargs *da = pci->device.devargs;

	/* Other drivers' keys (vdpa=, speed=) pass through; a bad value keeps us. */
	return da != NULL && vio_devarg_flag(da->args, "vireo", 1) == 0;
}

int
vio_pci_dev_init(struct vio_pci_dev *dev, struct rte_pci_device *pci)
{
	struct vio_pci_bar_info bars[VIO_PCI_NUM_BARS];
	volatile uint8_t *bar_va[VIO_PCI_NUM_BARS];
	struct vio_pci_caps caps;
	unsigned int i;
	int rc;

	memset(dev, 0, sizeof(*dev));
	vio_pci_probe_bars(dev, pci, bars);
	rc = vio_pci_parse_caps(vio_pci_read_cfg_space, pci, bars, pci->name, &caps);
	if (rc < 0)
		return rc;
	for (i = 0; i < VIO_PCI_NUM_BARS; i++)
		bar_va[i] = bars[i].is_io ? NULL : pci->mem_resource[i].addr;
	rc = vio_pci_dev_attach(dev, pci->name, &caps, bar_va, &vio_pci_dpdk_ports, NULL);
	dev->intr = pci->intr_handle;
	return rc;
}

/* ---- Interrupt mode (MSI-X through VFIO). ---- */

static const char *
vio_pci_intr_kind(const struct rte_intr_handle *h)
{
	switch (h != NULL ? rte_intr_type_get(h) : RTE_INTR_HANDLE_UNKNOWN) {
	case RTE_INTR_HANDLE_UIO:
	case RTE_INTR_HANDLE_UIO_INTX:
		return "uio: no MSI-X";
	case RTE_INTR_HANDLE_VFIO_MSI:
		return "vfio-pci with MSI only";
	case RTE_INTR_HANDLE_VFIO_LEGACY:
		return "vfio-pci with INTx only (--vfio-intr?)";
	default:
		return "no interrupt handle";
	}
}

int
vio_pci_intr_enable(struct vio_pci_dev *p, uint16_t nb_queue_vectors)
{
	uint16_t nq = vio_pci_num_queues(&p->vdev);
	int rc;

	if (p->intr == NULL || rte_intr_type_get(p->intr) != RTE_INTR_HANDLE_VFIO_MSIX) {
		VIO_LOG(ERR,
			"%s: interrupts need MSI-X through vfio-pci (%s): bind the device to "
			"vfio-pci, or poll",
			p->vdev.name, vio_pci_intr_kind(p->intr));
		return -ENOTSUP;
	}
	if (p->intr_on)
		vio_pci_intr_disable(p);
	p->queue_vector = rte_malloc("vio_pci_vectors", sizeof(uint16_t) * (nq + 1u), 0);
	if (p->queue_vector == NULL)
		return -ENOMEM;
	for (uint16_t i = 0; i < nq; i++)
		p->queue_vector[i] = VIO_MSI_NO_VECTOR;
	/* EAL asserts a non-zero count; with none only config changes interrupt. */
	rc = nb_queue_vectors > 0 ? rte_intr_efd_enable(p->intr, nb_queue_vectors) : 0;
	if (rc == 0)
		rc = rte_intr_enable(p->intr);
	if (rc < 0) {
		VIO_LOG(ERR, "%s: cannot route %u MSI-X vectors to eventfds (%d)", p->vdev.name,
			nb_queue_vectors + 1u, rc);
		rte_intr_efd_disable(p->intr);
		rte_free(p->queue_vector);
		p->queue_vector = NULL;
		return rc;
	}
	/* Section 4.1.5.1.2.1: read back; NO_VECTOR means the device has none left. */
	cc_write16(p, CC(config_msix_vector), 0);
	if (cc_read16(p, CC(config_msix_vector)) != 0) {
		VIO_LOG(ERR,
			"%s: device refused MSI-X vector 0 for config changes (reads back "
			"VIRTIO_MSI_NO_VECTOR)",
			p->vdev.name);
		rte_intr_disable(p->intr);
		rte_intr_efd_disable(p->intr);
		rte_free(p->queue_vector);
		p->queue_vector = NULL;
		return -EIO;
	}
	p->intr_on = true;
	p->intr_next_vector = 1;
	p->intr_nb_vectors = nb_queue_vectors;
	return 0;
}

void
vio_pci_intr_disable(struct vio_pci_dev *p)
{
	if (!p->intr_on)
		return;
	p->intr_on = false;
	rte_intr_disable(p->intr);
	rte_intr_efd_disable(p->intr);
	rte_free(p->queue_vector);
	p->queue_vector = NULL;
}

/* One structure as the primary bound it: reachable here at the same address? */
static int
vio_pci_check_region(const struct vio_pci_dev *dev, const struct rte_pci_device *pci,
		     const char *what, const struct vio_pci_region *r, const struct vio_pci_io *io)
{
	const uint8_t *base;

	if (r->is_io) {
		VIO_LOG(NOTICE, "%s: %s structure in I/O BAR %u: not reachable from a secondary",
			dev->vdev.name, what, r->bar);
		return -ENOTSUP;
	}
	base = r->bar < VIO_PCI_NUM_BARS ? pci->mem_resource[r->bar].addr : NULL;
	if (base == NULL || (const volatile uint8_t *)base + r->offset != io->va) {
		VIO_LOG(ERR, "%s: %s structure: BAR %u mapped at %p here, the primary uses %p",
			dev->vdev.name, what, r->bar, (const void *)base,
			(const volatile void *)(io->va - r->offset));
		return -EFAULT;
	}
	return 0;
}

int
vio_pci_dev_attach_secondary(struct vio_pci_dev *dev, const struct rte_pci_device *pci)
{
	const struct {
		const char *what;
		const struct vio_pci_region *r;
		const struct vio_pci_io *io;
	} regions[] = {
		{ "common", &dev->caps.common, &dev->common },
		{ "notify", &dev->caps.notify, &dev->notify },
		{ "ISR", &dev->caps.isr, &dev->isr },
		{ "device", &dev->caps.device, &dev->device },
	};
	int rc = vio_transport_register(VIO_TRANSPORT_PCI, &vio_pci_ops);

	if (rc < 0)
		return rc;
	if (dev->vdev.transport != VIO_TRANSPORT_PCI) {
		VIO_LOG(ERR, "%s: not bound to the PCI transport (id %u)", dev->vdev.name,
			dev->vdev.transport);
		return -EINVAL;
	}
	for (unsigned int i = 0; i < RTE_DIM(regions); i++) {
		int r = vio_pci_check_region(dev, pci, regions[i].what, regions[i].r,
					     regions[i].io);

		/* A mapping mismatch outranks an I/O BAR: report the worse. */
		if (r == -EFAULT || (r < 0 && rc == 0))
			rc = r;
	}
	return rc;
}
