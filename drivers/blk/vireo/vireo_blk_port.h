/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Create a blk_vireo device on any virtio-blk struct vio_dev.
 *
 * The PCI probe is one way to get a vio_dev; a software device model (unit
 * tests) or another transport is another. The whole driver runs unchanged
 * on it and registers a vblk device.
 */
#ifndef VIREO_BLK_PORT_H
#define VIREO_BLK_PORT_H

#include <stdint.h>

struct vio_dev;

/**
 * Probe a virtio-blk device and register it as vblk device @p name.
 *
 * @param vdev   Bound to its transport, name set; must outlive the device.
 * @param socket NUMA socket for the driver's memory (SOCKET_ID_ANY).
 * @param dev_id Receives the vblk id.
 * @return 0; -ENOTSUP when the device's features or config are unusable
 *         (logged); -EIO; -ENOMEM; -EEXIST (name taken).
 */
int vireo_blk_create(const char *name, struct vio_dev *vdev, int socket, uint16_t *dev_id);

/** vblk_dev_close() for a blk_vireo device. @return 0, -ENODEV, -EINVAL (another driver's). */
int vireo_blk_destroy(uint16_t dev_id);

#endif /* VIREO_BLK_PORT_H */
