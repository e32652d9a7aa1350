/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Transport-independent virtio device: the transport ops contract and the
 * feature negotiation that lives once above it.
 *
 * A transport (modern PCI, vhost-user, a software model in tests)
 * fills a struct vio_transport_ops. Drivers call only the vio_dev_*
 * helpers below and the virtqueue engine (vio_vq.h); they never touch
 * registers themselves.
 */
#ifndef VIO_DEV_H
#define VIO_DEV_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>

#include "vio_spec.h"

struct vio_dev;

/** Addresses and size of one queue, as programmed into the device. */
struct vio_queue_cfg {
	uint16_t size;       /**< Number of descriptors (power of two). */
	uint64_t desc_iova;  /**< Descriptor table. */
	uint64_t avail_iova; /**< Driver area (avail ring). */
	uint64_t used_iova;  /**< Device area (used ring). */
};

/**
 * Where the driver notifies a queue; queue_setup fills it.
 */
struct vio_notify_addr {
	/** 16-bit MMIO doorbell the queue index is written to, or NULL: call ops->notify(). */
	volatile void *doorbell;
	/** Transport's own data, handed back to ops->notify() (e.g. a port offset). */
	uint32_t data;
};

/**
 * Transport operations. Every op is mandatory unless marked optional.
 * Ops returning int return 0 or a negative errno.
 */
struct vio_transport_ops {
	/** Write 0 to device status and wait until the device reads back 0. */
	int (*reset)(struct vio_dev *dev);
	uint8_t (*get_status)(struct vio_dev *dev);
	void (*set_status)(struct vio_dev *dev, uint8_t status);
	/** All 64 device feature bits (both select words). */
	uint64_t (*get_features)(struct vio_dev *dev);
	/** Write all 64 driver feature bits (both select words). */
	void (*set_features)(struct vio_dev *dev, uint64_t features);
	uint8_t (*config_generation)(struct vio_dev *dev);
	/**
	 * One device-config access of exactly @p width bytes (1, 2 or 4) at
	 * @p offset, which is a multiple of @p width; the caller checked the
	 * bounds. Values are in CPU byte order: the transport converts from
	 * the little-endian layout of virtio 1.x config.
	 */
	uint32_t (*read_config)(struct vio_dev *dev, size_t offset, unsigned int width);
	void (*write_config)(struct vio_dev *dev, size_t offset, uint32_t val, unsigned int width);
	/** Size of the device-specific config area in bytes. */
	size_t (*config_len)(struct vio_dev *dev);
	uint16_t (*num_queues)(struct vio_dev *dev);
	/** Largest size the device accepts for a queue; 0 if unavailable. */
	uint16_t (*queue_max_size)(struct vio_dev *dev, uint16_t index);
	/**
	 * Program size and addresses and enable the queue. On success
	 * @p notify (when not NULL) says how to notify the queue.
	 */
	int (*queue_setup)(struct vio_dev *dev, uint16_t index, const struct vio_queue_cfg *cfg,
			   struct vio_notify_addr *notify);
	/** Forget a queue's addresses (device must be reset first). Optional. */
	void (*queue_release)(struct vio_dev *dev, uint16_t index);
	/** Notify the device about a queue (used when there is no doorbell). */
	void (*notify)(struct vio_dev *dev, uint16_t index, uint32_t data);
	/** Read (and thereby acknowledge) the ISR status byte. Optional. */
	uint8_t (*isr_read)(struct vio_dev *dev);
	/**
	 * Interrupt fd of queue @p index: becomes readable when the device
	 * notifies a used buffer (an eventfd; read 8 bytes to rearm it).
	 * Exists only for queues set up while vio_dev.queue_intr was true.
	 * Optional (absent: no per-queue interrupts).
	 * @return the fd (owned by the transport), or -ENOTSUP.
	 */
	int (*queue_intr_fd)(struct vio_dev *dev, uint16_t index);
	/**
	 * Call @p cb(@p arg) on the EAL interrupt thread when the device's
	 * status may have changed on its own (vhost-user: the backend hung
	 * up), until event_intr_disable. Optional (absent: the driver polls
	 * the status). @return 0 or a negative errno.
	 */
	int (*event_intr_enable)(struct vio_dev *dev, void (*cb)(void *arg), void *arg);
	/** Stop event_intr_enable's callback (mandatory with it). */
	void (*event_intr_disable)(struct vio_dev *dev);
};

/**
 * @name Transports, looked up per process
 *
 * A struct vio_dev may live in memory shared by several DPDK processes (an
 * ethdev's dev_private in hugepages, mapped at the same address in every
 * process). A transport's ops table is not: it is static data of whichever
 * binary or plugin holds the transport, mapped wherever that process loaded
 * it. So a vio_dev stores a stable transport id, and each process resolves
 * it in its own table, which its transports fill (vio_transport_register)
 * before any device of theirs is used in that process.
 * @{
 */
enum vio_transport_id {
	VIO_TRANSPORT_NONE = 0, /**< Not bound: no ops. */
	VIO_TRANSPORT_PCI = 1,  /**< lib/virtio's modern PCI transport (vio_pci.h). */
	VIO_TRANSPORT_USER = 2, /**< vhost-user frontend (vio_user.h). */
	/** First id for other transports (test models, ...), up to VIO_TRANSPORT_MAX - 1. */
	VIO_TRANSPORT_OTHER = 8,
	VIO_TRANSPORT_MAX = 16,
};

/**
 * Make @p ops this process's table for transport @p id. Registering the same
 * table again is a no-op; so is NULL for an id with no table.
 *
 * @return 0; -EINVAL for an id out of range (or NONE); -EEXIST when @p id
 *         already has another table in this process.
 */
int vio_transport_register(unsigned int id, const struct vio_transport_ops *ops);

/** Forget transport @p id's table in this process (tests). */
void vio_transport_unregister(unsigned int id);

/** This process's table for transport @p id, or NULL. */
const struct vio_transport_ops *vio_transport_lookup(unsigned int id);

/** @} */

/** A virtio device as seen by a driver. Embed it in the driver's state. */
struct vio_dev {
	/**
	 * Transport id (enum vio_transport_id), resolved through this
	 * process's table by vio_dev_ops(): never a pointer, so the struct can
	 * be shared between processes.
	 */
	uint8_t transport;
	uint64_t device_features; /**< Offered, read during negotiation. */
	uint64_t features;        /**< Negotiated. */
	/**
	 * Features never to accept, whatever the driver wants (the user said
	 * so in devargs, e.g. packed=0 refuses VIRTIO_F_RING_PACKED).
	 */
	uint64_t refused;
	char name[64]; /**< For log messages (PCI address, ...). */
	/**
	 * The driver wants per-queue interrupt fds (vio_dev_queue_intr_fd()):
	 * set before the queues are set up, read by the transport there.
	 */
	bool queue_intr;
};

/** @internal Per-process ops tables (vio_dev.c); use vio_dev_ops(). */
extern const struct vio_transport_ops *vio_transport_table[VIO_TRANSPORT_MAX];

/**
 * The transport ops of @p dev in this process. Never NULL for a device
 * whose transport registered itself here (vio_dev_bind()).
 */
static inline const struct vio_transport_ops *
vio_dev_ops(const struct vio_dev *dev)
{
	return vio_transport_table[dev->transport & (VIO_TRANSPORT_MAX - 1)];
}

/**
 * Bind @p dev to transport @p id and register @p ops for that id in this
 * process (vio_transport_register()).
 *
 * @return 0, or the error of vio_transport_register().
 */
int vio_dev_bind(struct vio_dev *dev, unsigned int id, const struct vio_transport_ops *ops);

/** True when the negotiated feature set contains bit @p bit. */
static inline bool
vio_dev_has(const struct vio_dev *dev, unsigned int bit)
{
	return (dev->features & VIO_BIT(bit)) != 0;
}

/**
 * Reset the device, then negotiate features (section 3.1.1): ACKNOWLEDGE,
 * DRIVER, read device features, write offered & @p wanted, set FEATURES_OK
 * and read it back.
 *
 * VERSION_1 is mandatory and always requested; ACCESS_PLATFORM (a device
 * behind an IOMMU needs it) and ORDER_PLATFORM (the queues then use I/O
 * barriers) are accepted whenever offered.
 *
 * @param dev       Device bound to a transport (vio_dev_bind()).
 * @param wanted    Features the driver can use.
 * @param required  Features without which the driver cannot work
 *                  (subset of @p wanted).
 * @return 0 on success (dev->features holds the result); -ENOTSUP when the
 *         device lacks VERSION_1 or a required feature or refuses
 *         FEATURES_OK (FAILED is then set); -EIO when reset fails.
 */
int vio_dev_negotiate(struct vio_dev *dev, uint64_t wanted, uint64_t required);

/**
 * Parse the devarg @p key (0 or 1) in @p args (a kvargs string, may be
 * NULL; other keys are ignored). @return its value, @p def when absent,
 * or -EINVAL when present but neither 0 nor 1 (logged).
 */
int vio_devarg_flag(const char *args, const char *key, int def);

/**
 * The ring devargs every vireo driver takes, as features to refuse:
 * packed=0 refuses VIRTIO_F_RING_PACKED (split rings), event_idx=0 refuses
 * VIRTIO_F_EVENT_IDX (flag-only notification suppression). Both default
 * to 1 (use the feature when the device offers it).
 *
 * @param args    kvargs string (may be NULL; other keys are ignored).
 * @param refused Receives the bits to add to vio_dev.refused.
 * @return 0, or -EINVAL when a value is neither 0 nor 1 (logged).
 */
int vio_devargs_ring_refused(const char *args, uint64_t *refused);

/** Same for flags already parsed (vhost-user vdevs): 0 = refuse the feature. */
uint64_t vio_ring_refused(int packed, int event_idx);

/** Set DRIVER_OK once queues are set up. @return 0 or -EIO (device failed). */
int vio_dev_driver_ok(struct vio_dev *dev);

/** Set FAILED: the driver gave up on the device. */
void vio_dev_fail(struct vio_dev *dev);

/** Reset the device (stops all queues). @return 0 or -EIO. */
int vio_dev_reset(struct vio_dev *dev);

/** True when the device has set DEVICE_NEEDS_RESET (also when it is gone). */
bool vio_dev_needs_reset(struct vio_dev *dev);

/**
 * The interrupt fd of queue @p index (see vio_transport_ops.queue_intr_fd):
 * epoll it for EPOLLIN, read 8 bytes after each wakeup. The transport owns
 * it; it stays valid until the device is reset.
 *
 * @return the fd; -ENOTSUP when the transport has no per-queue interrupts
 *         or the queue was set up without vio_dev.queue_intr.
 */
static inline int
vio_dev_queue_intr_fd(struct vio_dev *dev, uint16_t index)
{
	const struct vio_transport_ops *ops = vio_dev_ops(dev);

	return ops->queue_intr_fd != NULL ? ops->queue_intr_fd(dev, index) : -ENOTSUP;
}

/**
 * Status events by interrupt (see vio_transport_ops.event_intr_enable):
 * @p cb(@p arg) runs on the EAL interrupt thread, at once, when the device
 * status may have changed by itself (a vhost-user backend hung up: the
 * status then has DEVICE_NEEDS_RESET), so the driver need not wait for
 * its next status poll. Primary process only.
 *
 * @return 0; -ENOTSUP when the transport has none (keep polling); another
 *         negative errno when it cannot (also: keep polling).
 */
static inline int
vio_dev_event_intr_enable(struct vio_dev *dev, void (*cb)(void *arg), void *arg)
{
	const struct vio_transport_ops *ops = vio_dev_ops(dev);

	return ops->event_intr_enable != NULL ? ops->event_intr_enable(dev, cb, arg) : -ENOTSUP;
}

/**
 * Undo vio_dev_event_intr_enable(). Afterwards @p cb is not running and
 * will not run again, except when called from @p cb itself (an event
 * handler that stops the device): then that call finishes, nothing more.
 * Never call it while holding a lock @p cb takes.
 */
static inline void
vio_dev_event_intr_disable(struct vio_dev *dev)
{
	const struct vio_transport_ops *ops = vio_dev_ops(dev);

	if (ops->event_intr_disable != NULL)
		ops->event_intr_disable(dev);
}

/**
 * True when the device status reads 0xff: reserved bits set, which no
 * device does, but what a PCI function that was removed (surprise
 * hot-unplug, no notification) returns for every read.
 */
bool vio_dev_is_gone(struct vio_dev *dev);

/**
 * @name Device-specific config access (sections 2.5 and 4.1.3.1)
 *
 * Every field is accessed with its natural width: 8-, 16- and 32-bit fields
 * with one aligned access of that width, 64-bit fields as two aligned 32-bit
 * accesses (low half first), byte arrays (a MAC address) one byte at a
 * time. Values are converted from little-endian to CPU order.
 *
 * Reads that take more than one access (u64, bytes) repeat until
 * config_generation is the same before and after (section 2.5.1).
 *
 * All return 0; -ERANGE when the field lies outside the device-config area
 * (nothing is accessed); -EINVAL when @p offset is not aligned to the
 * field's width; -EAGAIN when the generation never settled.
 * @{
 */
int vio_dev_read_config_u8(struct vio_dev *dev, size_t offset, uint8_t *val);
int vio_dev_read_config_u16(struct vio_dev *dev, size_t offset, uint16_t *val);
int vio_dev_read_config_u32(struct vio_dev *dev, size_t offset, uint32_t *val);
int vio_dev_read_config_u64(struct vio_dev *dev, size_t offset, uint64_t *val);
/** A byte array (e.g. the MAC address), read byte by byte. */
int vio_dev_read_config_bytes(struct vio_dev *dev, size_t offset, void *buf, size_t len);
int vio_dev_write_config_u8(struct vio_dev *dev, size_t offset, uint8_t val);
int vio_dev_write_config_u16(struct vio_dev *dev, size_t offset, uint16_t val);
int vio_dev_write_config_u32(struct vio_dev *dev, size_t offset, uint32_t val);
/** A byte array, written byte by byte. */
int vio_dev_write_config_bytes(struct vio_dev *dev, size_t offset, const void *buf, size_t len);
/** @} */

#endif /* VIO_DEV_H */
