/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_vireo: rx/tx queue setup and release, and the per-start creation and
 * teardown of the virtqueues behind them.
 *
 * Setup only validates and records (ring size, mempool, offloads); the
 * virtqueues are created at dev_start after the device was reset and
 * renegotiated, and destroyed at dev_stop after the reset that stops the
 * device using them. So queues can be set up in any order and again after
 * every stop.
 */
#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_pause.h>

#include "vio_dma.h"
#include "vireo_net.h"

/* Pick a power-of-two ring size for @p nb_desc within the device limit. */
static int
vireo_ring_size(struct vireo_net *net, const char *what, uint16_t qid, uint16_t nb_desc,
		uint16_t max, uint16_t *size)
{
	uint32_t s;

	if (nb_desc > max) {
		VIREO_LOG(ERR, net, "%s queue %u: %u descriptors requested, device maximum is %u",
			  what, qid, nb_desc, max);
		return -EINVAL;
	}
	if (nb_desc < VIREO_MIN_RING_SIZE) {
		VIREO_LOG(ERR, net, "%s queue %u: %u descriptors requested, minimum is %u", what,
			  qid, nb_desc, VIREO_MIN_RING_SIZE);
		return -EINVAL;
	}
	/* Split rings are powers of two: round up when it fits, else down. */
	s = rte_align32pow2(nb_desc);
	if (s > max)
		s = rte_align32prevpow2(nb_desc);
	if (s != nb_desc)
		VIREO_LOG(INFO, net, "%s queue %u: ring of %u rounded to %u descriptors", what, qid,
			  nb_desc, s);
	*size = (uint16_t)s;
	return 0;
}

static uint32_t
vireo_rx_data_room(const struct rte_mempool *mp)
{
	return rte_pktmbuf_data_room_size((struct rte_mempool *)(uintptr_t)mp) -
	       RTE_PKTMBUF_HEADROOM;
}

int
vireo_rxq_check_mtu(const struct vireo_rxq *rxq, uint16_t mtu)
{
	uint32_t room = rxq->buf_len - VIREO_NET_HDR_LEN;

	if (rxq->offloads & (RTE_ETH_RX_OFFLOAD_SCATTER | RTE_ETH_RX_OFFLOAD_TCP_LRO))
		return 0;
	if (vireo_net_frame_len(mtu) > room) {
		VIREO_LOG(ERR, rxq->net,
			  "rx queue %u: mbuf data room %u too small for MTU %u (frame %u) without "
			  "scatter; enable RTE_ETH_RX_OFFLOAD_SCATTER or use larger mbufs",
			  rxq->queue_id, room, mtu, vireo_net_frame_len(mtu));
		return -EINVAL;
	}
	return 0;
}

int
vireo_rx_queue_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc, unsigned int socket,
		     const struct rte_eth_rxconf *conf, struct rte_mempool *mp)
{
	struct vireo_net *net = vireo_net_of(dev);
	struct vireo_rxq *rxq;
	uint32_t room;
	uint16_t size;
	int rc;

	if (net->started) {
		VIREO_LOG(ERR, net, "rx queue %u: stop the port before setting up queues", qid);
		return -EBUSY;
	}
	if (mp == NULL) {
		VIREO_LOG(ERR, net, "rx queue %u: a mempool is required", qid);
		return -EINVAL;
	}
	rc = vireo_ring_size(net, "rx", qid, nb_desc, net->rx_ring_max, &size);
	if (rc < 0)
		return rc;
	room = vireo_rx_data_room(mp);
	if (room < 64 || room > UINT16_MAX) {
		VIREO_LOG(ERR, net, "rx queue %u: mbuf data room %u unusable", qid, room);
		return -EINVAL;
	}

	if (dev->data->rx_queues[qid] != NULL)
		vireo_rx_queue_release(dev, qid);
	rxq = rte_zmalloc_socket("vireo_rxq", sizeof(*rxq), RTE_CACHE_LINE_SIZE, (int)socket);
	if (rxq == NULL)
		return -ENOMEM;
	rxq->net = net;
	rxq->mp = mp;
	rxq->queue_id = qid;
	rxq->port_id = dev->data->port_id;
	rxq->nb_desc = size;
	rxq->socket = (int)socket;
	/* The header lands in the headroom, the frame at the usual data_off. */
	rxq->buf_len = room + VIREO_NET_HDR_LEN;
	rxq->offloads = dev->data->dev_conf.rxmode.offloads | (conf ? conf->offloads : 0);
	rxq->ptype = !net->no_ptype;
	rc = vireo_rxq_check_mtu(rxq, dev->data->mtu);
	if (rc < 0) {
		rte_free(rxq);
		return rc;
	}
	dev->data->rx_queues[qid] = rxq;
	return 0;
}

int
vireo_tx_queue_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc, unsigned int socket,
		     const struct rte_eth_txconf *conf)
{
	struct vireo_net *net = vireo_net_of(dev);
	struct vireo_txq *txq;
	uint16_t size;
	uint16_t thresh;
	int rc;

	if (net->started) {
		VIREO_LOG(ERR, net, "tx queue %u: stop the port before setting up queues", qid);
		return -EBUSY;
	}
	rc = vireo_ring_size(net, "tx", qid, nb_desc, net->tx_ring_max, &size);
	if (rc < 0)
		return rc;
	thresh = (conf != NULL && conf->tx_free_thresh != 0) ? conf->tx_free_thresh :
							       RTE_MIN(size / 4, 32);
	if (thresh >= size) {
		VIREO_LOG(ERR, net, "tx queue %u: tx_free_thresh %u must be below ring size %u",
			  qid, thresh, size);
		return -EINVAL;
	}

	if (dev->data->tx_queues[qid] != NULL)
		vireo_tx_queue_release(dev, qid);
	txq = rte_zmalloc_socket("vireo_txq", sizeof(*txq), RTE_CACHE_LINE_SIZE, (int)socket);
	if (txq == NULL)
		return -ENOMEM;
	/* Headers of the chain path: one per possible chain head. */
	txq->hdr_mem = vio_dma_alloc("vireo_txh", (size_t)size * sizeof(struct vio_net_hdr), 0,
				     (int)socket);
	if (txq->hdr_mem == NULL) {
		VIREO_LOG(ERR, net, "tx queue %u: cannot allocate header region", qid);
		rte_free(txq);
		return -ENOMEM;
	}
	txq->hdrs = vio_dma_va(txq->hdr_mem);
	txq->hdrs_iova = vio_dma_iova(txq->hdr_mem);
	txq->net = net;
	txq->queue_id = qid;
	txq->port_id = dev->data->port_id;
	txq->nb_desc = size;
	txq->free_thresh = thresh;
	txq->socket = (int)socket;
	txq->offloads = dev->data->dev_conf.txmode.offloads | (conf ? conf->offloads : 0);
	txq->max_pkt_len = vireo_net_frame_len(dev->data->mtu);
	dev->data->tx_queues[qid] = txq;
	return 0;
}

static void
vireo_rxq_drain(struct vireo_rxq *rxq)
{
	struct rte_mbuf *m;

	if (rxq->vq == NULL)
		return;
	while ((m = vio_vq_detach(rxq->vq)) != NULL)
		rte_pktmbuf_free(m);
	if (rxq->mrg_head != NULL)
		rte_pktmbuf_free(rxq->mrg_head);
	rxq->mrg_head = NULL;
	rxq->mrg_tail = NULL;
	rxq->mrg_left = 0;
	vio_vq_destroy(rxq->vq);
	rxq->vq = NULL;
}

static void
vireo_txq_drain(struct vireo_txq *txq)
{
	struct rte_mbuf *m;

	if (txq->vq == NULL)
		return;
	while ((m = vio_vq_detach(txq->vq)) != NULL)
		rte_pktmbuf_free(m);
	vio_vq_destroy(txq->vq);
	txq->vq = NULL;
}

void
vireo_rx_queue_release(struct rte_eth_dev *dev, uint16_t qid)
{
	struct vireo_rxq *rxq = dev->data->rx_queues[qid];

	if (rxq == NULL)
		return;
	vireo_rxq_drain(rxq);
	rte_free(rxq);
	dev->data->rx_queues[qid] = NULL;
}

void
vireo_tx_queue_release(struct rte_eth_dev *dev, uint16_t qid)
{
	struct vireo_txq *txq = dev->data->tx_queues[qid];

	if (txq == NULL)
		return;
	vireo_txq_drain(txq);
	vio_dma_free(txq->hdr_mem);
	rte_free(txq);
	dev->data->tx_queues[qid] = NULL;
}

void
vireo_queues_release_all(struct vireo_net *net)
{
	struct rte_eth_dev *dev = net->eth_dev;

	for (uint16_t i = 0; i < dev->data->nb_rx_queues; i++)
		vireo_rx_queue_release(dev, i);
	for (uint16_t i = 0; i < dev->data->nb_tx_queues; i++)
		vireo_tx_queue_release(dev, i);
}

void
vireo_rxq_info_get(struct rte_eth_dev *dev, uint16_t qid, struct rte_eth_rxq_info *qinfo)
{
	const struct vireo_rxq *rxq = dev->data->rx_queues[qid];

	qinfo->mp = rxq->mp;
	qinfo->nb_desc = rxq->nb_desc;
	qinfo->scattered_rx = (rxq->offloads & RTE_ETH_RX_OFFLOAD_SCATTER) != 0;
	qinfo->rx_buf_size = rxq->buf_len - VIREO_NET_HDR_LEN;
	qinfo->conf.offloads = rxq->offloads;
	qinfo->conf.rx_free_thresh = VIREO_RX_REFILL_BATCH;
}

void
vireo_txq_info_get(struct rte_eth_dev *dev, uint16_t qid, struct rte_eth_txq_info *qinfo)
{
	const struct vireo_txq *txq = dev->data->tx_queues[qid];

	qinfo->nb_desc = txq->nb_desc;
	qinfo->conf.offloads = txq->offloads;
	qinfo->conf.tx_free_thresh = txq->free_thresh;
}

static int
vireo_rxq_start(struct vireo_net *net, struct vireo_rxq *rxq)
{
	struct vio_dev *vdev = net->vdev;
	int rc;

	rc = vio_vq_create(vdev, (uint16_t)(2 * rxq->queue_id), rxq->nb_desc, rxq->socket,
			   &rxq->vq);
	if (rc < 0) {
		VIREO_LOG(ERR, net, "rx queue %u: virtqueue setup failed: %d", rxq->queue_id, rc);
		rxq->vq = NULL;
		return rc;
	}
	rxq->mrg = vio_dev_has(vdev, VIO_NET_F_MRG_RXBUF);
	rxq->csum = vio_dev_has(vdev, VIO_NET_F_GUEST_CSUM);
	rxq->lro = vio_dev_has(vdev, VIO_NET_F_GUEST_TSO4) ||
		   vio_dev_has(vdev, VIO_NET_F_GUEST_TSO6);
	rxq->broken_seen = false;
	rxq->mrg_head = NULL;
	rxq->mrg_tail = NULL;
	rxq->mrg_left = 0;
	/* Fill the ring; publish now, kick only after DRIVER_OK. */
	if (vireo_rx_refill(rxq) == 0)
		VIREO_LOG(WARNING, net, "rx queue %u: no mbufs for the ring yet (pool %s empty?)",
			  rxq->queue_id, rxq->mp->name);
	vio_vq_publish(rxq->vq);
	return 0;
}

static int
vireo_txq_start(struct vireo_net *net, struct vireo_txq *txq)
{
	struct vio_dev *vdev = net->vdev;
	int rc;

	rc = vio_vq_create(vdev, (uint16_t)(2 * txq->queue_id + 1), txq->nb_desc, txq->socket,
			   &txq->vq);
	if (rc < 0) {
		VIREO_LOG(ERR, net, "tx queue %u: virtqueue setup failed: %d", txq->queue_id, rc);
		txq->vq = NULL;
		return rc;
	}
	txq->csum = vio_dev_has(vdev, VIO_NET_F_CSUM);
	txq->tso4 = vio_dev_has(vdev, VIO_NET_F_HOST_TSO4);
	txq->tso6 = vio_dev_has(vdev, VIO_NET_F_HOST_TSO6);
	txq->max_pkt_len = vireo_net_frame_len(net->eth_dev->data->mtu);
	txq->broken_seen = false;
	return 0;
}

int
vireo_queues_start(struct vireo_net *net)
{
	struct rte_eth_dev_data *data = net->eth_dev->data;
	int rc;

	for (uint16_t i = 0; i < data->nb_rx_queues; i++) {
		if (data->rx_queues[i] == NULL) {
			VIREO_LOG(ERR, net, "rx queue %u was not set up", i);
			return -EINVAL;
		}
		rc = vireo_rxq_check_mtu(data->rx_queues[i], data->mtu);
		if (rc < 0)
			return rc;
	}
	for (uint16_t i = 0; i < data->nb_tx_queues; i++) {
		if (data->tx_queues[i] == NULL) {
			VIREO_LOG(ERR, net, "tx queue %u was not set up", i);
			return -EINVAL;
		}
	}
	for (uint16_t i = 0; i < data->nb_rx_queues; i++) {
		rc = vireo_rxq_start(net, data->rx_queues[i]);
		if (rc < 0)
			goto fail;
	}
	for (uint16_t i = 0; i < data->nb_tx_queues; i++) {
		rc = vireo_txq_start(net, data->tx_queues[i]);
		if (rc < 0)
			goto fail;
	}
	return 0;
fail:
	vireo_queues_stop(net);
	return rc;
}

void
vireo_queues_stop(struct vireo_net *net)
{
	struct rte_eth_dev_data *data = net->eth_dev->data;

	for (uint16_t i = 0; i < data->nb_rx_queues; i++)
		if (data->rx_queues[i] != NULL)
			vireo_rxq_drain(data->rx_queues[i]);
	for (uint16_t i = 0; i < data->nb_tx_queues; i++)
		if (data->tx_queues[i] != NULL)
			vireo_txq_drain(data->tx_queues[i]);
}

/*
 * Before a stop resets the device, give it up to @p ms to send what the tx
 * rings hold: packets tx_burst accepted are sent, not silently discarded
 * by the reset. Bounded, because a device may hold them for good (its peer
 * never reads).
 */
void
vireo_queues_flush_tx(struct vireo_net *net, unsigned int ms)
{
	struct rte_eth_dev_data *data = net->eth_dev->data;
	uint64_t deadline = rte_get_timer_cycles() + rte_get_timer_hz() * ms / 1000;

	for (uint16_t i = 0; i < data->nb_tx_queues; i++) {
		struct vireo_txq *txq = data->tx_queues[i];

		if (txq == NULL || txq->vq == NULL)
			continue;
		while (vireo_tx_done_cleanup(txq, 0) >= 0 &&
		       vio_vq_num_free(txq->vq) < txq->nb_desc) {
			if (rte_get_timer_cycles() > deadline) {
				VIREO_LOG(
					WARNING, net,
					"tx queue %u: %u descriptors not sent by the device within "
					"%u ms; the reset discards them",
					i, (unsigned int)(txq->nb_desc - vio_vq_num_free(txq->vq)),
					ms);
				break;
			}
			rte_pause();
		}
	}
}
