/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_vireo: interrupt mode.
 *
 * Rx queue interrupts (dev_conf.intr_conf.rxq = 1), through DPDK's API:
 * the application enables a queue's interrupt (rte_eth_dev_rx_intr_enable),
 * sleeps in rte_epoll_wait on the fd that rte_eth_dev_rx_intr_ctl_q added
 * to its epoll set, disables it and polls again. Each rx virtqueue is set
 * up with an interrupt fd of its transport (vio_dev_queue_intr_fd()):
 *
 * - PCI: an MSI-X vector per rx queue through VFIO (vio_pci_intr_enable()):
 *   the eventfds of the PCI device's own interrupt handle, which is the
 *   port's intr_handle. Vector 0 carries config changes: with intr_conf.lsc
 *   or .rxq, link state is reported from the EAL interrupt thread at once
 *   (RTE_ETH_EVENT_INTR_LSC); the device watch's alarm stays as the safety
 *   net, and is all there is under uio (no MSI-X).
 * - vhost-user: the transport watches the backend's socket from the EAL
 *   interrupt thread (vireo_intr_events_start(), whatever intr_conf says):
 *   a backend that hangs up is reported at once, as the watch would.
 * - vhost-user and other transports: the ring's call eventfd, in an
 *   interrupt handle of type RTE_INTR_HANDLE_VDEV the driver owns (EAL
 *   drains the 8-byte eventfd counter when rte_epoll_wait returns it).
 *
 * Enabling is the split ring's protocol (vio_vq_enable_intr()): the device
 * may have used buffers already, for which no interrupt comes; then the
 * driver signals the fd itself so the caller's rte_epoll_wait returns at
 * once instead of sleeping on received packets.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/eventfd.h>

#include <rte_interrupts.h>

#include "vireo_net.h"

/* Fan-in rx queues poll several virtqueues: one fd per rx queue cannot cover them. */
int
vireo_intr_configure(struct rte_eth_dev *dev, uint16_t pairs)
{
	struct vireo_net *net = vireo_net_of(dev);
	const struct rte_eth_conf *conf = &dev->data->dev_conf;

	net->rxq_intr = conf->intr_conf.rxq != 0;
	if (!net->rxq_intr)
		return 0;
	if (vio_dev_ops(net->vdev)->queue_intr_fd == NULL) {
		VIREO_LOG(ERR, net, "rx queue interrupts: the transport has none (poll mode only)");
		return -ENOTSUP;
	}
	if (dev->data->nb_rx_queues == 0 || dev->data->nb_rx_queues < pairs) {
		VIREO_LOG(ERR, net,
			  "rx queue interrupts need one rx queue per queue pair in use (%u rx "
			  "queues, %u pairs)",
			  dev->data->nb_rx_queues, pairs);
		return -ENOTSUP;
	}
	if (net->vdev->transport == VIO_TRANSPORT_PCI &&
	    (dev->intr_handle == NULL ||
	     rte_intr_type_get(dev->intr_handle) != RTE_INTR_HANDLE_VFIO_MSIX)) {
		VIREO_LOG(ERR, net,
			  "rx queue interrupts need MSI-X through vfio-pci; this device has none "
			  "(uio_pci_generic has no MSI-X): bind it to vfio-pci, or poll");
		return -ENOTSUP;
	}
	return 0;
}

static void
vireo_intr_config_changed(void *arg)
{
	struct vireo_net *net = arg;

	/* EAL interrupt thread, like the watch's alarm: same check, no wait. */
	__atomic_fetch_add(&net->config_intrs, 1, __ATOMIC_RELAXED);
	vireo_watch_check(net);
}

/*
 * Transports with status events of their own (vhost-user: the backend's
 * socket hangs up) run the watch check from the EAL interrupt thread at
 * once. Whatever the application asked for: the RESET event and the link
 * going down do not depend on intr_conf.lsc (the watch delivers them too).
 */
void
vireo_intr_events_start(struct rte_eth_dev *dev)
{
	struct vireo_net *net = vireo_net_of(dev);
	int rc;

	net->event_intr = false;
	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return;
	rc = vio_dev_event_intr_enable(net->vdev, vireo_intr_config_changed, net);
	if (rc == 0)
		net->event_intr = true;
	else if (rc != -ENOTSUP)
		VIREO_LOG(NOTICE, net, "no status events (%d): the device watch polls alone", rc);
}

void
vireo_intr_events_stop(struct rte_eth_dev *dev)
{
	struct vireo_net *net = vireo_net_of(dev);

	if (!net->event_intr)
		return;
	/* Waits for a running callback (unless it is the caller). */
	vio_dev_event_intr_disable(net->vdev);
	net->event_intr = false;
}

/*
 * After negotiation, before the queues are set up: PCI routes the MSI-X
 * vectors (config changes always with VFIO MSI-X, rx queues when asked).
 */
int
vireo_intr_start(struct rte_eth_dev *dev)
{
	struct vireo_net *net = vireo_net_of(dev);
	uint16_t nb = net->rxq_intr ? dev->data->nb_rx_queues : 0;
	int rc;

	net->lsc_intr = false;
	/* Only when the application asked for interrupts: polling ports stay as they were. */
	if (!net->rxq_intr && !dev->data->dev_conf.intr_conf.lsc)
		return 0;
	if (net->vdev->transport != VIO_TRANSPORT_PCI || dev->intr_handle == NULL ||
	    rte_intr_type_get(dev->intr_handle) != RTE_INTR_HANDLE_VFIO_MSIX ||
	    rte_eal_process_type() != RTE_PROC_PRIMARY)
		return 0;
	rc = vio_pci_intr_enable(&net->pci, nb);
	if (rc < 0)
		return net->rxq_intr ? rc : 0; /* LSC falls back to the watch */
	if (rte_intr_callback_register(dev->intr_handle, vireo_intr_config_changed, net) == 0)
		net->lsc_intr = true;
	return 0;
}

/* Make the port's intr_handle describe the rx queues' fds (after queue setup). */
int
vireo_intr_bind(struct rte_eth_dev *dev)
{
	struct vireo_net *net = vireo_net_of(dev);
	uint16_t nb = dev->data->nb_rx_queues;
	struct rte_intr_handle *h;

	if (!net->rxq_intr)
		return 0;
	if (net->vdev->transport != VIO_TRANSPORT_PCI) {
		if (net->own_intr == NULL) {
			net->own_intr = rte_intr_instance_alloc(RTE_INTR_INSTANCE_F_PRIVATE);
			if (net->own_intr == NULL)
				return -ENOMEM;
		}
		h = net->own_intr;
		dev->intr_handle = h;
		if (rte_intr_type_set(h, RTE_INTR_HANDLE_VDEV) < 0 ||
		    rte_intr_nb_efd_set(h, nb) < 0 || rte_intr_max_intr_set(h, nb + 1) < 0 ||
		    rte_intr_efd_counter_size_set(h, sizeof(uint64_t)) < 0)
			return -EINVAL;
		for (uint16_t i = 0; i < nb; i++) {
			int fd = vio_dev_queue_intr_fd(net->vdev, (uint16_t)(2 * i));

			if (fd < 0 || rte_intr_efds_index_set(h, i, fd) < 0) {
				VIREO_LOG(ERR, net, "rx queue %u has no interrupt fd (%d)", i, fd);
				return fd < 0 ? fd : -EINVAL;
			}
		}
	}
	h = dev->intr_handle;
	if (rte_intr_vec_list_alloc(h, "vireo_intr_vec", nb) < 0)
		return -ENOMEM;
	/* rx queue i: the efd its virtqueue got (vector offset 1: 0 is "other"). */
	for (uint16_t i = 0; i < nb; i++) {
		int fd = vio_dev_queue_intr_fd(net->vdev, (uint16_t)(2 * i));
		int e;

		for (e = 0; e < rte_intr_nb_efd_get(h); e++)
			if (rte_intr_efds_index_get(h, e) == fd)
				break;
		if (fd < 0 || e == rte_intr_nb_efd_get(h)) {
			VIREO_LOG(ERR, net, "rx queue %u: no interrupt vector (%d)", i, fd);
			return -ENOTSUP;
		}
		rte_intr_vec_list_index_set(h, i, RTE_INTR_VEC_RXTX_OFFSET + e);
	}
	return 0;
}

/* After the reset at stop. */
void
vireo_intr_stop(struct rte_eth_dev *dev)
{
	struct vireo_net *net = vireo_net_of(dev);

	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return;
	if (net->lsc_intr) {
		/* -EAGAIN from inside the callback itself: it stays, harmless. */
		rte_intr_callback_unregister(dev->intr_handle, vireo_intr_config_changed, net);
		net->lsc_intr = false;
	}
	if (dev->intr_handle != NULL && net->rxq_intr)
		rte_intr_vec_list_free(dev->intr_handle);
	if (net->vdev->transport == VIO_TRANSPORT_PCI)
		vio_pci_intr_disable(&net->pci);
	else if (net->own_intr != NULL)
		rte_intr_nb_efd_set(net->own_intr, 0);
}

void
vireo_intr_close(struct rte_eth_dev *dev)
{
	struct vireo_net *net = vireo_net_of(dev);

	if (net->own_intr == NULL)
		return;
	if (dev->intr_handle == net->own_intr)
		dev->intr_handle = NULL;
	rte_intr_instance_free(net->own_intr);
	net->own_intr = NULL;
}

static struct vireo_rxq *
vireo_intr_rxq(struct rte_eth_dev *dev, uint16_t qid)
{
	struct vireo_net *net = vireo_net_of(dev);
	struct vireo_rxq *rxq = qid < dev->data->nb_rx_queues ? dev->data->rx_queues[qid] : NULL;

	if (!net->rxq_intr || !net->started || rxq == NULL || rxq->vq == NULL)
		return NULL;
	return rxq;
}

int
vireo_rx_queue_intr_enable(struct rte_eth_dev *dev, uint16_t qid)
{
	struct vireo_net *net = vireo_net_of(dev);
	struct vireo_rxq *rxq = vireo_intr_rxq(dev, qid);
	int fd;

	if (rxq == NULL)
		return net->rxq_intr ? -EINVAL : -ENOTSUP;
	/* A broken queue receives nothing until the port restarts: no sleep on it. */
	if (vio_vq_is_broken(rxq->vq))
		return -EIO;
	if (!vio_vq_enable_intr(rxq->vq))
		return 0;
	/*
	 * Packets arrived before the device could see the request: no
	 * interrupt will come for them. Wake the caller's epoll ourselves.
	 */
	fd = vio_dev_queue_intr_fd(net->vdev, (uint16_t)(2 * qid));
	if (fd >= 0 && eventfd_write(fd, 1) < 0)
		return -errno;
	return 0;
}

int
vireo_rx_queue_intr_disable(struct rte_eth_dev *dev, uint16_t qid)
{
	struct vireo_net *net = vireo_net_of(dev);
	struct vireo_rxq *rxq = vireo_intr_rxq(dev, qid);

	if (rxq == NULL)
		return net->rxq_intr ? -EINVAL : -ENOTSUP;
	vio_vq_disable_intr(rxq->vq);
	return 0;
}
