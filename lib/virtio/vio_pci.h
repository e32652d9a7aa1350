/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Modern virtio PCI transport (virtio 1.2 section 4.1) over DPDK's PCI bus.
 *
 * EAL maps the device's memory BARs (through UIO or VFIO) when the driver
 * sets RTE_PCI_DRV_NEED_MAPPING; I/O-space BARs are reached through DPDK's
 * ioport API. The transport walks the vendor capabilities through
 * rte_pci_read_config(), picks the first usable capability of each type
 * (section 4.1.4.1), and implements struct vio_transport_ops on the result.
 * Every register access goes through one accessor layer that does MMIO
 * (rte_read / rte_write) or port I/O at (BAR, offset) with the natural
 * width of the field. Queue doorbells in memory BARs are precomputed at
 * queue setup, so steady-state I/O only stores to the doorbell.
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

/** What the capability walk knows of one BAR. */
struct vio_pci_bar_info {
	/** Length the transport can reach; 0: absent, unmapped or of unknown size. */
	uint64_t len;
	/** I/O-space BAR (port I/O); false: memory BAR (MMIO). */
	bool is_io;
};

/** Where one capability's structure lives. */
struct vio_pci_region {
	uint8_t bar;
	bool is_io; /**< In an I/O-space BAR. */
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
 * Walk the capability list and pick, for each structure type, the first
 * capability the transport can use (section 4.1.4.1).
 *
 * Ignored: vendor capabilities of a reserved type or naming a reserved BAR
 * (> 5). Skipped, with an INFO line saying why: capabilities whose BAR is
 * absent (len 0), whose offset is misaligned (common 4, notify 2, ISR 1,
 * device 4), whose length is below the structure's minimum (common 56,
 * notify 2, ISR 1, device 1) or whose region runs past the BAR; notify
 * capabilities too short for notify_off_multiplier or with an odd one.
 * Fatal: a list that loops or points outside the config space, a vendor
 * capability shorter than 16 bytes or running past it, an unreadable
 * config space.
 *
 * @param read  Config-space reader.
 * @param ctx   Passed to @p read.
 * @param bars  What is known of each BAR (length and kind), VIO_PCI_NUM_BARS
 *              entries.
 * @param name  Device name for messages.
 * @param caps  Filled on success.
 * @return 0; -ENODEV when there is no common-config capability at all (a
 *         legacy-only device: the driver should decline it); -EINVAL when
 *         no usable capability of a needed type exists (the message names
 *         why the last candidate was unusable) or the list is malformed;
 *         -ELOOP for a looping list; -EIO when config space cannot be read.
 */
int vio_pci_parse_caps(vio_pci_cfg_read_t read, void *ctx, const struct vio_pci_bar_info *bars,
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

struct vio_pci_dev;

/**
 * Port-I/O backend: one access of exactly @p width bytes (1, 2 or 4) at
 * @p offset of I/O BAR @p bar, values in CPU byte order. The PCI transport
 * uses DPDK's rte_pci_ioport_*; tests plug in a recorder.
 */
struct vio_pci_port_ops {
	uint32_t (*read)(struct vio_pci_dev *dev, uint8_t bar, uint32_t offset, unsigned int width);
	void (*write)(struct vio_pci_dev *dev, uint8_t bar, uint32_t offset, uint32_t val,
		      unsigned int width);
};

/** How the accessors reach one structure. */
struct vio_pci_io {
	volatile uint8_t *va; /**< MMIO base of the structure; NULL: port I/O. */
	uint8_t bar;          /**< Its BAR (port I/O). */
	uint32_t base;        /**< Its offset in the BAR (port I/O). */
};

/** Port-I/O handle storage (a struct rte_pci_ioport, checked in vio_pci.c). */
struct vio_pci_port {
	uint64_t opaque[4];
	bool mapped;
};

/**
 * A modern virtio PCI device. Embed or allocate; vdev comes first.
 *
 * It may live in memory shared with DPDK secondary processes (an ethdev's
 * dev_private): the ops are found through vdev.transport, and the MMIO
 * addresses are valid in every process because EAL maps a device's memory
 * BARs at the same address in secondaries (vio_pci_dev_attach_secondary()
 * checks it). The port-I/O members below are the exception: they belong to
 * the process that bound the device, and a secondary never uses them.
 */
struct vio_pci_dev {
	struct vio_dev vdev;
	struct vio_pci_caps caps;
	struct vio_pci_io common;
	struct vio_pci_io notify;
	struct vio_pci_io isr;
	struct vio_pci_io device;
	/** @name Process-local: only for structures in I/O BARs, binding process only. @{ */
	const struct vio_pci_port_ops *port_ops;
	void *port_ctx; /**< For a test's port_ops. */
	struct vio_pci_port ports[VIO_PCI_NUM_BARS];
	/** @} */
	/**
	 * @name Interrupt mode, binding process only (vio_pci_intr_enable()):
	 * MSI-X vector 0 for config changes, 1.. for queues, through VFIO.
	 * @{
	 */
	struct rte_intr_handle *intr; /**< The PCI device's handle (NULL: none). */
	bool intr_on;                 /**< Vectors routed to the handle's eventfds. */
	uint16_t intr_next_vector;    /**< Next queue vector to hand out. */
	uint16_t intr_nb_vectors;     /**< Queue vectors (the handle's efds). */
	uint16_t *queue_vector;       /**< Per queue: its vector or VIO_MSI_NO_VECTOR. */
				      /** @} */
};

/**
 * Bind the transport to an EAL-probed PCI device whose memory BARs are
 * mapped; I/O BARs holding a virtio structure are mapped with
 * rte_pci_ioport_map(). Does not touch device status; call
 * vio_dev_negotiate() next.
 *
 * @return 0; -ENODEV for a legacy-only device (message logged; a probe
 *         function should decline it by returning > 0); -EINVAL when no
 *         usable capability of a needed type exists; -EIO when config
 *         space is unreadable.
 */
int vio_pci_dev_init(struct vio_pci_dev *dev, struct rte_pci_device *pci);

/**
 * Bind the transport to already-parsed capabilities: @p bar_va (of
 * VIO_PCI_NUM_BARS entries) holds the mapped base of each memory BAR (NULL
 * for I/O BARs, which go through @p port_ops with @p port_ctx).
 * vio_pci_dev_init() ends here; tests call it directly on synthetic BARs.
 *
 * @return 0, or -EINVAL when a region's BAR is not reachable.
 */
int vio_pci_dev_attach(struct vio_pci_dev *dev, const char *name, const struct vio_pci_caps *caps,
		       volatile uint8_t *const *bar_va, const struct vio_pci_port_ops *port_ops,
		       void *port_ctx);

/**
 * In a DPDK secondary process: make a device that the primary bound (with
 * vio_pci_dev_init(), @p dev in shared memory) usable from this process as
 * far as it can be. Registers the PCI transport's ops in this process, and
 * checks that every structure in a memory BAR is at the address the primary
 * recorded (EAL maps BARs at the same address in secondaries). Changes
 * nothing in @p dev and never touches the device.
 *
 * A secondary should still leave the device's registers to the primary
 * (common config is a select-then-access protocol that two processes would
 * interleave); what it may use is the queue doorbells, from the data path.
 *
 * @return 0 when every structure is reachable from this process as in the
 *         primary; -ENOTSUP when one is in an I/O BAR (port handles are the
 *         primary's); -EFAULT when a memory BAR is not mapped here or mapped
 *         elsewhere (message logged).
 */
int vio_pci_dev_attach_secondary(struct vio_pci_dev *dev, const struct rte_pci_device *pci);

/**
 * Interrupt mode over VFIO MSI-X (section 4.1.5.1.2): route config changes
 * to vector 0 (the PCI device's interrupt handle fd) and give each queue
 * set up from now on with vdev.queue_intr the next of @p nb_queue_vectors
 * vectors (1..), each an eventfd of the handle (rte_intr_efd_enable());
 * vio_dev_queue_intr_fd() then returns a queue's fd.
 *
 * Call after vio_dev_negotiate() (the reset there clears every vector) and
 * before the queues are set up; undo with vio_pci_intr_disable() after the
 * device was reset.
 *
 * @return 0; -ENOTSUP when the device has no MSI-X through VFIO (uio_pci_generic
 *         has no MSI-X at all; message logged); -EIO when the device
 *         answers VIRTIO_MSI_NO_VECTOR for the config vector (out of vectors);
 *         or the EAL's error setting up the eventfds.
 */
int vio_pci_intr_enable(struct vio_pci_dev *dev, uint16_t nb_queue_vectors);

/** Stop routing vectors to eventfds (after a reset). No-op when not enabled. */
void vio_pci_intr_disable(struct vio_pci_dev *dev);

/** True when @p pci is a virtio device (vendor 0x1af4) of type @p virtio_id. */
bool vio_pci_is_virtio(const struct rte_pci_device *pci, uint16_t virtio_id);

/**
 * True when the device's devargs ask Vireo's drivers to leave it to another
 * driver ("vireo=0", e.g. `-a 0000:00:03.0,vireo=0`); other keys are not
 * ours and pass. A value other than 0 or 1 is logged and ignored.
 */
bool vio_pci_declined_by_devargs(const struct rte_pci_device *pci);

#endif /* VIO_PCI_H */
