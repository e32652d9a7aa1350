/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Modern virtio PCI transport (virtio 1.2 section 4.1) over DPDK's PCI bus.
 *
 * EAL maps the device's BARs (through UIO or VFIO) when the driver sets
 * RTE_PCI_DRV_NEED_MAPPING. The transport walks the vendor capabilities
 * through rte_pci_read_config(), validates every one of them against the
 * mapped BARs, and implements struct vio_transport_ops on the result.
 * Queue doorbells are precomputed at queue setup, so steady-state I/O only
 * stores to the doorbell.
 */
#ifndef VIO_PCI_H
#define VIO_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vio_dev.h"

struct rte_pci_device;

/** Number of standard BARs. */
#define VIO_PCI_NUM_BARS 6

/** Where one capability's structure lives. */
struct vio_pci_region {
	uint8_t bar;
	uint32_t offset;
	uint32_t length;
};

/** Result of the capability walk. */
struct vio_pci_caps {
	struct vio_pci_region common;
	struct vio_pci_region notify;
	struct vio_pci_region isr;
	struct vio_pci_region device;
	uint32_t notify_off_multiplier;
};

/**
 * Reads @p len bytes of PCI configuration space at @p offset into @p buf.
 * @return bytes read (== len on success) or a negative value.
 */
typedef int (*vio_pci_cfg_read_t)(void *ctx, void *buf, size_t len, size_t offset);

/**
 * Walk the capability list and validate the virtio capabilities.
 *
 * Checks, for each capability used: BAR index <= 5 and the BAR present
 * (bar_len != 0); offset alignment (common 4, notify 2, ISR 1, device 4);
 * length at least the structure's minimum (common 56, notify 2, ISR 1);
 * offset + minimum within the BAR without overflow; a list that loops or
 * points outside the config space.
 *
 * @param read     Config-space reader.
 * @param ctx      Passed to @p read.
 * @param bar_len  Length of each mapped BAR (0: absent or not mapped).
 * @param name     Device name for messages.
 * @param caps     Filled on success.
 * @return 0; -ENODEV when there is no common-config capability (a
 *         legacy-only device: the driver should decline it); -EINVAL when
 *         a capability is missing or malformed; -ELOOP for a looping
 *         list; -EIO when config space cannot be read.
 */
int vio_pci_parse_caps(vio_pci_cfg_read_t read, void *ctx, const uint64_t bar_len[VIO_PCI_NUM_BARS],
		       const char *name, struct vio_pci_caps *caps);

/**
 * Compute a queue's doorbell offset inside the notify region:
 * queue_notify_off * notify_off_multiplier, checked so that a 2-byte
 * write fits in the notify capability.
 *
 * @return 0 with *offset set, or -ERANGE.
 */
int vio_pci_doorbell_offset(const struct vio_pci_caps *caps, uint16_t queue_notify_off,
			    uint32_t *offset);

/** A modern virtio PCI device. Embed or allocate; vdev comes first. */
struct vio_pci_dev {
	struct vio_dev vdev;
	struct rte_pci_device *pci;
	struct vio_pci_caps caps;
	volatile struct vio_pci_common_cfg *common;
	volatile uint8_t *notify_base;
	volatile uint8_t *isr;
	volatile uint8_t *device_cfg;
};

/**
 * Bind the transport to an EAL-probed PCI device whose BARs are mapped.
 * Does not touch device status; call vio_dev_negotiate() next.
 *
 * @return 0; -ENODEV for a legacy-only device (message logged; a probe
 *         function should decline it by returning > 0); -EINVAL for
 *         malformed capabilities; -EIO when config space is unreadable.
 */
int vio_pci_dev_init(struct vio_pci_dev *dev, struct rte_pci_device *pci);

/** True when @p pci is a virtio device (vendor 0x1af4) of type @p virtio_id. */
bool vio_pci_is_virtio(const struct rte_pci_device *pci, uint16_t virtio_id);

#endif /* VIO_PCI_H */
