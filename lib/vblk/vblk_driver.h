/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * @internal
 * The driver side of the vblk device class: how a driver registers a
 * device and the ops the library calls. Not for applications.
 *
 * Life cycle, as the library drives it:
 *  - vblk_dev_register() at probe: the device gets an id and a name;
 *  - info_get() whenever an application asks (limits of the device);
 *  - configure(nb_queues, depth): the driver allocates its queues and
 *    hands each to the library with vblk_dev_set_queue();
 *  - start(): the device runs; the fast path calls enqueue/dequeue on the
 *    queue pointers it was given, from one lcore per queue;
 *  - stop(): the device stops; requests in flight must come back from the
 *    driver's dequeue with -EIO (the library keeps calling it);
 *  - close(): free what configure() made (the library has stopped the
 *    device); at vblk_dev_close() then release(), and the id is free.
 *
 * The driver's enqueue only ever sees requests that passed validation
 * against the limits its info_get() reported.
 */
#ifndef VBLK_DRIVER_H
#define VBLK_DRIVER_H

#include <stdbool.h>
#include <stdint.h>

#include "vblk.h"

struct vblk_dev;

/** Driver ops. All mandatory unless marked optional. */
struct vblk_dev_ops {
	/** Fill the device fields of @p info (the library fills the configured ones). */
	void (*info_get)(struct vblk_dev *dev, struct vblk_dev_info *info);
	/** Allocate @p nb_queues queues of @p depth; vblk_dev_set_queue() each. */
	int (*configure)(struct vblk_dev *dev, uint16_t nb_queues, uint16_t depth, int socket);
	int (*start)(struct vblk_dev *dev);
	void (*stop)(struct vblk_dev *dev);
	/** Free what configure() made (before a reconfigure, and at close). */
	void (*close)(struct vblk_dev *dev);
	/** Optional: the device is being forgotten (vblk_dev_close()); free the driver's state. */
	void (*release)(struct vblk_dev *dev);
	/**
	 * Optional: switch the volatile write cache (vblk_dev_set_write_cache()).
	 * @return 0, -ENOTSUP (fixed mode) or -EIO.
	 */
	int (*set_write_cache)(struct vblk_dev *dev, bool enable);
	/**
	 * Optional, all three or none: completion interrupts of a started
	 * queue (configured with vblk_dev_intr_conf()): its fd, enable (signal
	 * the fd at once when completions are already pending), disable.
	 */
	int (*queue_intr_fd)(struct vblk_dev *dev, uint16_t qid);
	int (*queue_intr_enable)(struct vblk_dev *dev, uint16_t qid);
	int (*queue_intr_disable)(struct vblk_dev *dev, uint16_t qid);
};

/** Registration parameters. */
struct vblk_dev_params {
	const char *name; /**< Unique. */
	const struct vblk_dev_ops *ops;
	vblk_enqueue_fn enqueue; /**< Fast path: submit valid requests. */
	vblk_dequeue_fn dequeue; /**< Fast path: completions. */
	void *priv;              /**< The driver's device. */
	int socket_id;
};

/**
 * Register a device. @return it, or NULL with rte_errno set (EEXIST: name
 * taken; ENOSPC: VBLK_MAX_DEVS devices; EINVAL).
 */
struct vblk_dev *vblk_dev_register(const struct vblk_dev_params *p);

/** The driver's pointer given at registration. */
void *vblk_dev_priv(const struct vblk_dev *dev);

/** The device's id. */
uint16_t vblk_dev_id_of(const struct vblk_dev *dev);

/** From configure() on: true when the application asked for completion interrupts. */
bool vblk_dev_intr_conf(const struct vblk_dev *dev);

/** From configure(): queue @p qid's driver state, passed to enqueue/dequeue. */
void vblk_dev_set_queue(struct vblk_dev *dev, uint16_t qid, void *qpriv);

/**
 * From configure(): queue @p qid's doorbell counter (its statistics'
 * `doorbells`), for the driver to add the notifications it sends the
 * device; zeroed by vblk_stats_reset(). NULL for a bad @p qid.
 */
uint64_t *vblk_dev_queue_doorbells(struct vblk_dev *dev, uint16_t qid);

/** Log type the drivers of this class may share (lib.vireo.vblk). */
extern int vblk_logtype;

#endif /* VBLK_DRIVER_H */
