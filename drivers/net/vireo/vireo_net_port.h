/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Create a net_vireo ethdev port on any virtio-net device.
 *
 * The PCI probe is one way to get a struct vio_dev; a software device model
 * (unit tests) or another transport is another. This entry point builds a
 * complete ethdev port on top of such a device, so the whole PMD (ops,
 * data path, control queue) runs unchanged on it.
 *
 * Only for programs that link the static library (net_vireo_dep); the
 * shared plugin exports nothing.
 */
#ifndef VIREO_NET_PORT_H
#define VIREO_NET_PORT_H

#include <stdint.h>

struct vio_dev;
struct rte_device;

/**
 * Create and probe a port named @p name on @p vdev.
 *
 * @param name    Unique ethdev name.
 * @param vdev    Device with ops and name set; must outlive the port.
 * @param device  Bus device to attach the port to, or NULL for a
 *                driver-owned placeholder device.
 * @param port_id Receives the port id.
 * @return 0, or a negative errno (the device is left reset).
 */
int vireo_net_port_create(const char *name, struct vio_dev *vdev, struct rte_device *device,
			  uint16_t *port_id);

/**
 * Close and release a port made by vireo_net_port_create() (same as
 * rte_eth_dev_close()). @return 0 or a negative errno.
 */
int vireo_net_port_destroy(uint16_t port_id);

#endif /* VIREO_NET_PORT_H */
