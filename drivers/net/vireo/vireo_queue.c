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

/*
 * The virtqueue for @p nb_desc descriptors: split rings are powers of two
 * (section 2.7), so the ring is nb_desc rounded up; the queue never hands
 * the device more than nb_desc of them (the application's count bounds the
 * mbufs it ties up). Applications ask for their own defaults (Open vSwitch:
 * 2048) whatever the device's ring holds (QEMU: 256), and upstream
 * net_virtio accepts them: a count above the device's ring is lowered to
 * the ring, with a NOTICE, and *nb_desc tells the caller what it got.
 */
static int
vireo_ring_size(struct vireo_net *net, const char *what, uint16_t qid, uint16_t *nb_desc,
		uint16_t max, uint16_t *size)
{
	if (*nb_desc < VIREO_MIN_RING_SIZE) {
		VIREO_LOG(ERR, net, "%s queue %u: %u descriptors requested, minimum is %u", what,
			  qid, *nb_desc, VIREO_MIN_RING_SIZE);
		return -EINVAL;
	}
	if (*nb_desc > max) {
		VIREO_LOG(NOTICE, net,
			  "%s queue %u: %u descriptors requested, the device's ring holds %u: "
			  "using %u",
			  what, qid, *nb_desc, max, max);
		*nb_desc = max;
	}
	/* The device maximum is a power of two, so the rounded size fits. */
	*size = (uint16_t)rte_align32pow2(*nb_desc);
	if (*size != *nb_desc)
		VIREO_LOG(INFO, net, "%s queue %u: ring of %u descriptors, at most %u in use", what,
			  qid, *size, *nb_desc);
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

/*
 * The rearm_data word of an mbuf fresh from rte_pktmbuf_reset() in this
 * queue: built in a scratch mbuf so the layout is the mbuf library's own.
 * Pools of pinned external buffers keep RTE_MBUF_F_EXTERNAL in ol_flags,
 * which the template path would clear: 0 makes refill reset them instead.
 */
static uint64_t
vireo_rx_rearm_template(struct rte_mempool *mp, uint16_t port_id)
{
	struct rte_mbuf m;

	memset(&m, 0, sizeof(m));
	if (rte_pktmbuf_priv_flags(mp) & RTE_PKTMBUF_POOL_F_PINNED_EXT_BUF)
		return 0;
	m.data_off = RTE_PKTMBUF_HEADROOM;
	rte_mbuf_refcnt_set(&m, 1);
	m.nb_segs = 1;
	m.port = port_id;
	return *vireo_mbuf_rearm_word(&m);
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
	rc = vireo_ring_size(net, "rx", qid, &nb_desc, net->rx_ring_max, &size);
	if (rc < 0)
		return rc;
	if (conf != NULL && conf->rx_free_thresh >= nb_desc) {
		VIREO_LOG(ERR, net, "rx queue %u: rx_free_thresh %u must be below nb_desc %u", qid,
			  conf->rx_free_thresh, nb_desc);
		return -EINVAL;
	}
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
	rxq->nb_desc = nb_desc;
	rxq->ring_size = size;
	rxq->free_thresh = conf != NULL && conf->rx_free_thresh != 0 ?
				   conf->rx_free_thresh :
				   RTE_MAX(1, RTE_MIN(VIREO_RX_FREE_THRESH, nb_desc / 4));
	rxq->socket = (int)socket;
	/* The header lands in the headroom, the frame at the usual data_off. */
	rxq->buf_len = room + VIREO_NET_HDR_LEN;
	rxq->offloads = dev->data->dev_conf.rxmode.offloads | (conf ? conf->offloads : 0);
	rxq->scatter = (rxq->offloads &
			(RTE_ETH_RX_OFFLOAD_SCATTER | RTE_ETH_RX_OFFLOAD_TCP_LRO)) != 0;
	rxq->ptype = !net->no_ptype;
	rxq->rearm_template = vireo_rx_rearm_template(mp, rxq->port_id);
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
	rc = vireo_ring_size(net, "tx", qid, &nb_desc, net->tx_ring_max, &size);
	if (rc < 0)
		return rc;
	thresh = (conf != NULL && conf->tx_free_thresh != 0) ? conf->tx_free_thresh :
							       RTE_MIN(nb_desc / 4, 32);
	if (thresh >= nb_desc) {
		VIREO_LOG(ERR, net,
			  "tx queue %u: tx_free_thresh %u must be below the descriptor count %u",
			  qid, thresh, nb_desc);
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
	txq->nb_desc = nb_desc;
	txq->ring_size = size;
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
	struct rte_eth_dev *dev = vireo_eth_dev(net);

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
	qinfo->conf.rx_free_thresh = rxq->free_thresh;
}

void
vireo_txq_info_get(struct rte_eth_dev *dev, uint16_t qid, struct rte_eth_txq_info *qinfo)
{
	const struct vireo_txq *txq = dev->data->tx_queues[qid];

	qinfo->nb_desc = txq->nb_desc;
	qinfo->conf.offloads = txq->offloads;
	qinfo->conf.tx_free_thresh = txq->free_thresh;
}

/*
 * Section 5.1.6.3.1: having accepted VIRTIO_NET_F_MTU, the driver must post
 * buffers that take one packet of the device's mtu: one buffer without
 * MRG_RXBUF (dev_start leaves F_MTU out when they cannot), the buffers of
 * the ring together with it.
 */
static int
vireo_rxq_check_device_mtu(struct vireo_net *net, const struct vireo_rxq *rxq)
{
	uint32_t need = VIREO_NET_HDR_LEN + vireo_net_frame_len(net->cfg_mtu);
	uint32_t have = rxq->buf_len;

	if (!vio_dev_has(net->vdev, VIO_NET_F_MTU))
		return 0;
	if (vio_dev_has(net->vdev, VIO_NET_F_MRG_RXBUF))
		have *= rxq->nb_desc;
	if (have >= need)
		return 0;
	VIREO_LOG(ERR, net,
		  "rx queue %u: %u descriptors of %u bytes cannot take one %u-byte packet of the "
		  "device MTU %u: use more descriptors or larger mbufs",
		  rxq->queue_id, rxq->nb_desc, rxq->buf_len, need, net->cfg_mtu);
	return -EINVAL;
}

static int
vireo_rxq_start(struct vireo_net *net, struct vireo_rxq *rxq)
{
	struct vio_dev *vdev = net->vdev;
	int rc;

	rc = vireo_rxq_check_device_mtu(net, rxq);
	if (rc < 0)
		return rc;
	/* Interrupt mode: only the application's rx queues get an interrupt fd. */
	vdev->queue_intr = net->rxq_intr;
	rc = vio_vq_create(vdev, (uint16_t)(2 * rxq->queue_id), rxq->ring_size, rxq->socket,
			   &rxq->vq);
	vdev->queue_intr = false;
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

	rc = vio_vq_create(vdev, (uint16_t)(2 * txq->queue_id + 1), txq->ring_size, txq->socket,
			   &txq->vq);
	if (rc < 0) {
		VIREO_LOG(ERR, net, "tx queue %u: virtqueue setup failed: %d", txq->queue_id, rc);
		txq->vq = NULL;
		return rc;
	}
	txq->csum = vio_dev_has(vdev, VIO_NET_F_CSUM);
	txq->tso4 = vio_dev_has(vdev, VIO_NET_F_HOST_TSO4);
	txq->tso6 = vio_dev_has(vdev, VIO_NET_F_HOST_TSO6);
	txq->max_pkt_len = vireo_net_frame_len(vireo_eth_dev(net)->data->mtu);
	txq->broken_seen = false;
	txq->bad_len_seen = 0; /* the new virtqueue counts from 0 */
	return 0;
}

/* A transmit virtqueue for each pair in use without an application tx queue. */
static int
vireo_spare_txvqs_start(struct vireo_net *net)
{
	struct rte_eth_dev_data *data = vireo_eth_dev(net)->data;
	uint16_t first = data->nb_tx_queues;
	int rc;

	if (net->nr_pairs <= first)
		return 0;
	net->spare_txvq = rte_zmalloc_socket("vireo_spare_txvq",
					     sizeof(*net->spare_txvq) * (net->nr_pairs - first), 0,
					     data->numa_node);
	if (net->spare_txvq == NULL)
		return -ENOMEM;
	net->nb_spare_txvq = (uint16_t)(net->nr_pairs - first);
	for (uint16_t i = 0; i < net->nb_spare_txvq; i++) {
		uint16_t index = (uint16_t)(2 * (first + i) + 1);

		rc = vio_vq_create(net->vdev, index, VIREO_MIN_RING_SIZE, data->numa_node,
				   &net->spare_txvq[i]);
		if (rc < 0) {
			VIREO_LOG(ERR, net, "spare transmit virtqueue %u: setup failed: %d", index,
				  rc);
			net->spare_txvq[i] = NULL;
			return rc;
		}
	}
	VIREO_LOG(DEBUG, net, "%u spare transmit virtqueue(s) for %u pairs, %u tx queues",
		  net->nb_spare_txvq, net->nr_pairs, first);
	return 0;
}

static void
vireo_spare_txvqs_stop(struct vireo_net *net)
{
	for (uint16_t i = 0; i < net->nb_spare_txvq; i++)
		vio_vq_destroy(net->spare_txvq[i]); /* never used: nothing to detach */
	rte_free(net->spare_txvq);
	net->spare_txvq = NULL;
	net->nb_spare_txvq = 0;
}

/*
 * A fan-in rx queue for each pair in use beyond the rx queues (more tx than
 * rx queues with MQ): a copy of its owner's settings (pool, descriptor
 * count, offloads) on the pair's receive virtqueue, linked to the owner.
 * The device steers received packets to any pair in use (section 5.1.6.5.5)
 * and every one of them is polled.
 */
static int
vireo_fanin_rxqs_start(struct vireo_net *net)
{
	struct rte_eth_dev_data *data = vireo_eth_dev(net)->data;
	uint16_t nb_rx = data->nb_rx_queues;
	int rc;

	if (nb_rx == 0 || net->nr_pairs <= nb_rx)
		return 0;
	net->fanin_rxqs = rte_zmalloc_socket("vireo_fanin_rxq",
					     sizeof(*net->fanin_rxqs) * (net->nr_pairs - nb_rx),
					     RTE_CACHE_LINE_SIZE, data->numa_node);
	if (net->fanin_rxqs == NULL)
		return -ENOMEM;
	net->nb_fanin_rxqs = (uint16_t)(net->nr_pairs - nb_rx);
	for (uint16_t i = 0; i < net->nb_fanin_rxqs; i++) {
		struct vireo_rxq *owner = data->rx_queues[(nb_rx + i) % nb_rx];
		struct vireo_rxq *f = &net->fanin_rxqs[i];

		*f = *owner;
		f->queue_id = (uint16_t)(nb_rx + i); /* its pair: receiveq 2 * queue_id */
		f->vq = NULL;
		f->fanin = NULL;
		memset(&f->st, 0, sizeof(f->st));
		rc = vireo_rxq_start(net, f);
		if (rc < 0)
			return rc;
		f->fanin = owner->fanin;
		owner->fanin = f;
	}
	VIREO_LOG(DEBUG, net, "%u fan-in receive virtqueue(s) for %u pairs, %u rx queues",
		  net->nb_fanin_rxqs, net->nr_pairs, nb_rx);
	return 0;
}

static void
vireo_fanin_rxqs_unlink(struct vireo_net *net)
{
	struct rte_eth_dev_data *data = vireo_eth_dev(net)->data;

	for (uint16_t i = 0; i < data->nb_rx_queues; i++) {
		struct vireo_rxq *rxq = data->rx_queues[i];

		/* The fan-in queues go away: their counters stay, in the owner's. */
		for (struct vireo_rxq *f = rxq != NULL ? rxq->fanin : NULL; f != NULL; f = f->fanin)
			vireo_qstats_add(&rxq->st, &f->st);
		if (rxq != NULL)
			rxq->fanin = NULL;
	}
	rte_free(net->fanin_rxqs);
	net->fanin_rxqs = NULL;
	net->nb_fanin_rxqs = 0;
}

static void
vireo_fanin_rxqs_stop(struct vireo_net *net)
{
	for (uint16_t i = 0; i < net->nb_fanin_rxqs; i++)
		vireo_rxq_drain(&net->fanin_rxqs[i]);
	vireo_fanin_rxqs_unlink(net);
}

void
vireo_queues_kick_rx(struct vireo_net *net)
{
	struct rte_eth_dev_data *data = vireo_eth_dev(net)->data;

	for (uint16_t i = 0; i < data->nb_rx_queues; i++)
		vio_vq_kick(((struct vireo_rxq *)data->rx_queues[i])->vq);
	for (uint16_t i = 0; i < net->nb_fanin_rxqs; i++)
		vio_vq_kick(net->fanin_rxqs[i].vq);
}

/*
 * Create every virtqueue of the pairs in use. On failure the caller resets
 * the device, then calls vireo_queues_stop(): what was created was already
 * programmed into the device.
 */
int
vireo_queues_start(struct vireo_net *net)
{
	struct rte_eth_dev_data *data = vireo_eth_dev(net)->data;
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
			return rc;
	}
	rc = vireo_fanin_rxqs_start(net);
	if (rc < 0)
		return rc;
	for (uint16_t i = 0; i < data->nb_tx_queues; i++) {
		rc = vireo_txq_start(net, data->tx_queues[i]);
		if (rc < 0)
			return rc;
	}
	return vireo_spare_txvqs_start(net);
}

void
vireo_queues_stop(struct vireo_net *net)
{
	struct rte_eth_dev_data *data = vireo_eth_dev(net)->data;

	for (uint16_t i = 0; i < data->nb_rx_queues; i++)
		if (data->rx_queues[i] != NULL)
			vireo_rxq_drain(data->rx_queues[i]);
	for (uint16_t i = 0; i < data->nb_tx_queues; i++)
		if (data->tx_queues[i] != NULL)
			vireo_txq_drain(data->tx_queues[i]);
	vireo_fanin_rxqs_stop(net);
	vireo_spare_txvqs_stop(net);
}

/* Leave @p vq and everything posted on it to the device. @return its in-flight descriptors. */
static unsigned int
vireo_vq_quarantine(struct vio_vq **vqp, struct vireo_quarantine *q)
{
	struct vio_vq *vq = *vqp;
	unsigned int inflight;

	if (vq == NULL)
		return 0;
	inflight = (unsigned int)(vio_vq_size(vq) - vio_vq_num_free(vq));
	q->vqs++;
	q->bytes += vio_vq_ring_bytes(vq);
	*vqp = NULL; /* deliberately leaked, with its ring and cookies */
	return inflight;
}

static void
vireo_rxq_quarantine(struct vireo_rxq *rxq, struct vireo_quarantine *q)
{
	q->rx_bufs += vireo_vq_quarantine(&rxq->vq, q);
	rte_pktmbuf_free(rxq->mrg_head);
	rxq->mrg_head = NULL;
	rxq->mrg_tail = NULL;
	rxq->mrg_left = 0;
}

/*
 * The device did not complete a reset: it may still write into every rx
 * buffer and read every ring, tx buffer and header it was given. None of
 * that memory may be freed or reused, ever: forget it (a deliberate leak).
 * What the device already completed (a partial mergeable packet) is ours
 * and is freed.
 */
void
vireo_queues_quarantine(struct vireo_net *net, struct vireo_quarantine *q)
{
	struct rte_eth_dev_data *data = vireo_eth_dev(net)->data;

	for (uint16_t i = 0; i < data->nb_rx_queues; i++)
		if (data->rx_queues[i] != NULL)
			vireo_rxq_quarantine(data->rx_queues[i], q);
	for (uint16_t i = 0; i < net->nb_fanin_rxqs; i++)
		vireo_rxq_quarantine(&net->fanin_rxqs[i], q);
	vireo_fanin_rxqs_unlink(net); /* the array holds no device memory */
	for (uint16_t i = 0; i < data->nb_tx_queues; i++) {
		struct vireo_txq *txq = data->tx_queues[i];

		if (txq == NULL)
			continue;
		q->tx_descs += vireo_vq_quarantine(&txq->vq, q);
		if (txq->hdr_mem != NULL)
			q->bytes += vio_dma_len(txq->hdr_mem);
		txq->hdr_mem = NULL; /* headers the device may still read */
		txq->hdrs = NULL;
	}
	for (uint16_t i = 0; i < net->nb_spare_txvq; i++)
		vireo_vq_quarantine(&net->spare_txvq[i], q);
	rte_free(net->spare_txvq); /* driver-private array of pointers */
	net->spare_txvq = NULL;
	net->nb_spare_txvq = 0;
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
	struct rte_eth_dev_data *data = vireo_eth_dev(net)->data;
	uint64_t deadline = rte_get_timer_cycles() + rte_get_timer_hz() * ms / 1000;

	for (uint16_t i = 0; i < data->nb_tx_queues; i++) {
		struct vireo_txq *txq = data->tx_queues[i];

		if (txq == NULL || txq->vq == NULL)
			continue;
		while (vireo_tx_done_cleanup(txq, 0) >= 0 &&
		       vio_vq_num_free(txq->vq) < txq->ring_size) {
			if (rte_get_timer_cycles() > deadline) {
				char state[320];

				vio_vq_describe(txq->vq, state, sizeof(state));
				VIREO_LOG(
					WARNING, net,
					"tx queue %u: %u descriptors not sent by the device within "
					"%u ms; the reset discards them (ring: %s)",
					i,
					(unsigned int)(txq->ring_size - vio_vq_num_free(txq->vq)),
					ms, state);
				break;
			}
			rte_pause();
		}
	}
}
