/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A net_vireo port for the net fuzz targets: the whole PMD, created with
 * vireo_net_port_create() on a swdev virtio-net device that runs no device
 * thread. The target plays the device itself: it writes used entries,
 * buffer contents and control-queue acks straight into the rings (swdev
 * records their addresses at queue setup), from its input. swdev still
 * checks everything the driver does (status, features, queue setup,
 * notifies): a target ends each input with fuzz_port_check().
 *
 * Notifies reach fuzz_port.on_notify synchronously, from inside the
 * driver's kick: a control command is answered before the driver starts
 * waiting, so no input ever waits out the command timeout.
 */
#ifndef FUZZ_NET_H
#define FUZZ_NET_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "swdev.h"
#include "vio_spec.h"

struct fuzz_port;

typedef void (*fuzz_notify_t)(struct fuzz_port *p, uint16_t qidx);

struct fuzz_port_params {
	const char *name;
	uint64_t features;    /**< Offered by the device. */
	uint16_t pairs;       /**< Device max_virtqueue_pairs, and pairs configured. */
	uint64_t rx_offloads; /**< Port configuration. */
	uint16_t nb_desc;     /**< Descriptors of every rx/tx queue (the app's). */
	uint16_t queue_size;  /**< The device's virtqueue size (0: 256). */
	uint16_t data_room;   /**< Mbuf data room (0: RTE_MBUF_DEFAULT_BUF_SIZE). */
	unsigned int nb_mbufs;
};

struct fuzz_port {
	struct swdev *sw;
	struct vio_transport_ops ops; /**< swdev's, with notify hooked. */
	uint16_t port;
	uint16_t ctrl_q; /**< Control queue index (if CTRL_VQ). */
	struct rte_mempool *mp;
	unsigned int nb_mbufs;
	fuzz_notify_t on_notify; /**< NULL: notifies are only counted. */
};

/** Create device, mempool and port, and configure its queues (not started). */
void fuzz_port_create(struct fuzz_port *p, const struct fuzz_port_params *params);

/** swdev's view of queue @p qidx (ring addresses valid while started). */
static inline struct swdev_queue *
fuzz_port_q(struct fuzz_port *p, uint16_t qidx)
{
	return &p->sw->q[qidx];
}

/**
 * After an input, with the port stopped: every mbuf is back in the pool
 * (none leaked, none freed twice) and the driver never broke the protocol.
 */
void fuzz_port_check(struct fuzz_port *p);

/** Check a received packet's segment chain and lengths. */
void fuzz_check_mbuf(const struct fuzz_port *p, const struct rte_mbuf *m);

#endif /* FUZZ_NET_H */
