/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_vireo: ethdev glue. Feature policy, configure, device info,
 * start/stop/close/reset, link state and MTU, and the constructor for ports
 * on any struct vio_dev (software devices, other transports). The PCI
 * driver is in vireo_pci.c.
 *
 * Lifecycle and the device (virtio 1.2 section 3.1.1): virtqueues can only
 * be programmed between FEATURES_OK and DRIVER_OK, and only a reset takes
 * them back. So every dev_start resets the device, renegotiates the
 * features chosen at dev_configure, programs all queues and sets
 * DRIVER_OK; every dev_stop resets it again. Queue setup only records
 * parameters, which makes setup order and re-setup after stop trivial.
 */
#include <errno.h>
#include <string.h>

#include <ethdev_driver.h>
#include <rte_malloc.h>

#include "vireo_net.h"
#include "vireo_net_port.h"

RTE_LOG_REGISTER(vireo_net_logtype, pmd.net.vireo, NOTICE);

/* Every feature this driver knows how to use (before per-config pruning). */
#define VIREO_FEATURES_ALL                                                                        \
	(VIO_BIT(VIO_NET_F_MAC) | VIO_BIT(VIO_NET_F_STATUS) | VIO_BIT(VIO_NET_F_MTU) |            \
	 VIO_BIT(VIO_NET_F_MRG_RXBUF) | VIO_BIT(VIO_NET_F_CSUM) | VIO_BIT(VIO_NET_F_GUEST_CSUM) | \
	 VIO_BIT(VIO_NET_F_HOST_TSO4) | VIO_BIT(VIO_NET_F_HOST_TSO6) |                            \
	 VIO_BIT(VIO_NET_F_GUEST_TSO4) | VIO_BIT(VIO_NET_F_GUEST_TSO6) |                          \
	 VIO_BIT(VIO_NET_F_CTRL_VQ) | VIO_BIT(VIO_NET_F_CTRL_RX) | VIO_BIT(VIO_NET_F_CTRL_VLAN) | \
	 VIO_BIT(VIO_NET_F_CTRL_MAC_ADDR) | VIO_BIT(VIO_NET_F_MQ) |                               \
	 VIO_BIT(VIO_NET_F_SPEED_DUPLEX) | VIO_BIT(VIO_F_EVENT_IDX) | VIO_BIT(VIO_F_IN_ORDER) |   \
	 VIO_BIT(VIO_F_RING_PACKED))

/*
 * Negotiated whenever offered. EVENT_IDX: kicks follow the device's
 * avail_event (lib/virtio's vio_vq_kick). MRG_RXBUF too: it lets the device deliver a
 * packet of its MTU (VIRTIO_NET_F_MTU) into our mbufs whatever their size,
 * instead of dropping it unseen (section 5.1.6.3.1); whether the
 * application gets multi-segment mbufs depends on its SCATTER offload.
 * RING_PACKED: packed rings (vio_vq picks the engine), unless the devarg
 * packed=0 refused it (vio_dev.refused).
 */
#define VIREO_FEATURES_BASE                                                                  \
	(VIO_BIT(VIO_NET_F_MAC) | VIO_BIT(VIO_NET_F_STATUS) | VIO_BIT(VIO_NET_F_MTU) |       \
	 VIO_BIT(VIO_NET_F_SPEED_DUPLEX) | VIO_BIT(VIO_NET_F_CTRL_VQ) |                      \
	 VIO_BIT(VIO_NET_F_CTRL_RX) | VIO_BIT(VIO_NET_F_CTRL_MAC_ADDR) |                     \
	 VIO_BIT(VIO_NET_F_MRG_RXBUF) | VIO_BIT(VIO_F_EVENT_IDX) | VIO_BIT(VIO_F_IN_ORDER) | \
	 VIO_BIT(VIO_F_RING_PACKED))

#define VIREO_RX_CKSUM (RTE_ETH_RX_OFFLOAD_TCP_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM)
#define VIREO_TX_CKSUM (RTE_ETH_TX_OFFLOAD_TCP_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM)

static const struct eth_dev_ops vireo_eth_dev_ops;

uint32_t
vireo_net_frame_len(uint16_t mtu)
{
	return (uint32_t)mtu + VIREO_ETH_OVERHEAD;
}

/* ---- Capabilities derived from the offered features ---- */

static uint64_t
vireo_rx_offload_capa(const struct vireo_net *net)
{
	uint64_t capa = 0;

	if (vireo_offered(net, VIO_NET_F_MRG_RXBUF))
		capa |= RTE_ETH_RX_OFFLOAD_SCATTER;
	if (vireo_offered(net, VIO_NET_F_GUEST_CSUM)) {
		capa |= VIREO_RX_CKSUM;
		/* Aggregated packets need GUEST_CSUM and chained buffers. */
		if (vireo_offered(net, VIO_NET_F_MRG_RXBUF) &&
		    (vireo_offered(net, VIO_NET_F_GUEST_TSO4) ||
		     vireo_offered(net, VIO_NET_F_GUEST_TSO6)))
			capa |= RTE_ETH_RX_OFFLOAD_TCP_LRO;
	}
	if (vireo_offered(net, VIO_NET_F_CTRL_VQ) && vireo_offered(net, VIO_NET_F_CTRL_VLAN))
		capa |= RTE_ETH_RX_OFFLOAD_VLAN_FILTER;
	return capa;
}

static uint64_t
vireo_tx_offload_capa(const struct vireo_net *net)
{
	uint64_t capa = RTE_ETH_TX_OFFLOAD_MULTI_SEGS;

	if (vireo_offered(net, VIO_NET_F_CSUM)) {
		capa |= VIREO_TX_CKSUM;
		if (vireo_offered(net, VIO_NET_F_HOST_TSO4) ||
		    vireo_offered(net, VIO_NET_F_HOST_TSO6))
			capa |= RTE_ETH_TX_OFFLOAD_TCP_TSO;
	}
	return capa;
}

static uint16_t
vireo_max_queue_pairs(const struct vireo_net *net)
{
	/* More than one pair needs MQ, and VQ_PAIRS_SET needs the ctrl queue. */
	if (vireo_offered(net, VIO_NET_F_MQ) && vireo_offered(net, VIO_NET_F_CTRL_VQ))
		return net->max_pairs;
	return 1;
}

/* ---- Probe-time device discovery ---- */

static uint16_t
vireo_ring_limit(struct vireo_net *net, uint16_t index)
{
	uint16_t max = vio_dev_ops(net->vdev)->queue_max_size(net->vdev, index);

	if (max == 0)
		return 0;
	if (max > VIO_SPLIT_MAX_SIZE)
		max = VIO_SPLIT_MAX_SIZE;
	/* Split rings are powers of two (section 2.7). */
	return (uint16_t)rte_align32prevpow2(max);
}

/*
 * Ring limits for dev_infos_get: the smallest maximum over every pair we
 * may use, so that a queue setup within the advertised limits cannot fail
 * later at dev_start. A pair whose queues are missing or too small ends the
 * usable pairs.
 */
static int
vireo_probe_ring_limits(struct vireo_net *net)
{
	uint16_t rx_max = UINT16_MAX, tx_max = UINT16_MAX;
	uint16_t p;

	for (p = 0; p < net->max_pairs; p++) {
		uint16_t rx = vireo_ring_limit(net, (uint16_t)(2 * p));
		uint16_t tx = vireo_ring_limit(net, (uint16_t)(2 * p + 1));

		if (rx < VIREO_MIN_RING_SIZE || tx < VIREO_MIN_RING_SIZE) {
			if (p == 0) {
				VIREO_LOG(ERR, net, "queue sizes rx %u tx %u below the minimum %u",
					  rx, tx, VIREO_MIN_RING_SIZE);
				return -EINVAL;
			}
			VIREO_LOG(WARNING, net,
				  "queue pair %u: sizes rx %u tx %u: using %u pair(s)", p, rx, tx,
				  p);
			net->max_pairs = p;
			break;
		}
		rx_max = RTE_MIN(rx_max, rx);
		tx_max = RTE_MIN(tx_max, tx);
	}
	net->rx_ring_max = rx_max;
	net->tx_ring_max = tx_max;
	return 0;
}

static int
vireo_read_device_config(struct vireo_net *net)
{
	struct vio_dev *vdev = net->vdev;
	uint16_t pairs = 1;
	uint16_t mtu = 0;
	uint16_t nq;
	int rc;

	if (vireo_offered(net, VIO_NET_F_MAC)) {
		rc = vio_dev_read_config_bytes(vdev, offsetof(struct vio_net_config, mac),
					       net->cfg_mac.addr_bytes, RTE_ETHER_ADDR_LEN);
		if (rc < 0) {
			VIREO_LOG(WARNING, net,
				  "cannot read MAC from device config (%d): not using it", rc);
			net->offered &= ~VIO_BIT(VIO_NET_F_MAC);
		}
	}
	/* A STATUS field outside the config area would read as link down forever. */
	if (vireo_offered(net, VIO_NET_F_STATUS) &&
	    vio_dev_ops(vdev)->config_len(vdev) <
		    offsetof(struct vio_net_config, status) + sizeof(uint16_t)) {
		VIREO_LOG(WARNING, net,
			  "device config too short for the link status: not using it");
		net->offered &= ~VIO_BIT(VIO_NET_F_STATUS);
	}
	if (!vireo_offered(net, VIO_NET_F_MAC) ||
	    !rte_is_valid_assigned_ether_addr(&net->cfg_mac)) {
		rte_eth_random_addr(net->cfg_mac.addr_bytes);
		VIREO_LOG(INFO, net, "no valid device MAC, using a random one");
	}

	if (vireo_offered(net, VIO_NET_F_MQ)) {
		rc = vio_dev_read_config_u16(
			vdev, offsetof(struct vio_net_config, max_virtqueue_pairs), &pairs);
		/* Section 5.1.4: 1 <= max_virtqueue_pairs <= 0x8000. */
		if (rc < 0 || pairs < 1 || pairs > 0x8000) {
			VIREO_LOG(WARNING, net, "bad max_virtqueue_pairs %u (rc %d): using 1 pair",
				  pairs, rc);
			pairs = 1;
			net->offered &= ~VIO_BIT(VIO_NET_F_MQ);
		}
	}
	/* Do not trust max_virtqueue_pairs beyond the queues that exist. */
	nq = vio_dev_ops(vdev)->num_queues(vdev);
	if (nq < 2) {
		VIREO_LOG(ERR, net, "device has %u virtqueues, need at least 2", nq);
		return -EINVAL;
	}
	if ((uint32_t)pairs * 2 > nq) {
		VIREO_LOG(WARNING, net, "max_virtqueue_pairs %u exceeds %u queues", pairs, nq);
		pairs = nq / 2;
	}
	/* The control queue follows the device's pairs, not the ones we can use. */
	net->dev_pairs = pairs;
	if (pairs > RTE_MAX_QUEUES_PER_PORT)
		pairs = RTE_MAX_QUEUES_PER_PORT;
	net->max_pairs = pairs;

	net->cfg_mtu = 0;
	net->max_mtu = VIREO_DEFAULT_MAX_MTU;
	if (vireo_offered(net, VIO_NET_F_MTU)) {
		rc = vio_dev_read_config_u16(vdev, offsetof(struct vio_net_config, mtu), &mtu);
		if (rc < 0 || mtu < RTE_ETHER_MIN_MTU) {
			VIREO_LOG(WARNING, net, "ignoring device MTU %u (rc %d)", mtu, rc);
			net->offered &= ~VIO_BIT(VIO_NET_F_MTU);
		} else {
			net->cfg_mtu = mtu;
			net->max_mtu = mtu;
		}
	}

	return vireo_probe_ring_limits(net);
}

/*
 * Preliminary negotiation: learn the offered features and read the
 * config they guard (the driver may read config before FEATURES_OK,
 * section 3.1.1), then reset so the device stays quiet until dev_start.
 */
static int
vireo_probe_device(struct vireo_net *net)
{
	struct vio_dev *vdev = net->vdev;
	int rc;

	rc = vio_dev_negotiate(vdev, VIREO_FEATURES_ALL, 0);
	if (rc < 0) {
		VIREO_LOG(ERR, net, "feature negotiation failed: %d", rc);
		return rc;
	}
	/* What the devargs refused is not there for this port (capabilities too). */
	net->offered = vdev->device_features & ~vdev->refused;
	rc = vireo_read_device_config(net);
	if (rc == 0 && vireo_offered(net, VIO_NET_F_CTRL_VQ)) {
		uint16_t cidx = vireo_offered(net, VIO_NET_F_MQ) ? 2 * net->dev_pairs : 2;

		net->ctrl_ring_max = vireo_ring_limit(net, cidx);
		if (net->ctrl_ring_max < VIREO_CTRL_MIN_DESC) {
			VIREO_LOG(
				WARNING, net,
				"control queue %u missing or under %u descriptors: no ctrl features",
				cidx, VIREO_CTRL_MIN_DESC);
			net->offered &= ~(VIO_BIT(VIO_NET_F_CTRL_VQ) | VIO_BIT(VIO_NET_F_CTRL_RX) |
					  VIO_BIT(VIO_NET_F_CTRL_VLAN) |
					  VIO_BIT(VIO_NET_F_CTRL_MAC_ADDR) | VIO_BIT(VIO_NET_F_MQ));
			net->max_pairs = 1;
			net->dev_pairs = 1;
		}
	}
	vio_dev_reset(vdev);
	if (rc == 0)
		VIREO_LOG(INFO, net,
			  "features offered 0x%" PRIx64
			  ", %u queue pair(s), ring max %u/%u, mtu max %u",
			  net->offered, net->max_pairs, net->rx_ring_max, net->tx_ring_max,
			  net->max_mtu);
	return rc;
}

int
vireo_net_init(struct rte_eth_dev *eth_dev, struct vio_dev *vdev)
{
	struct vireo_net *net = vireo_net_of(eth_dev);
	struct rte_eth_dev_data *data = eth_dev->data;
	int rc;

	net->vdev = vdev;
	net->port_id = eth_dev->data->port_id;
	rte_spinlock_init(&net->ctrl_lock);
	eth_dev->dev_ops = &vireo_eth_dev_ops;
	eth_dev->rx_pkt_burst = vireo_rx_burst;
	eth_dev->tx_pkt_burst = vireo_tx_burst;
	eth_dev->tx_pkt_prepare = vireo_tx_prepare;

	rc = vireo_probe_device(net);
	if (rc < 0)
		return rc;

	/* Its own allocation: rte_eth_dev_release_port() rte_free()s it. */
	data->mac_addrs = rte_zmalloc_socket("vireo_mac", RTE_ETHER_ADDR_LEN * VIREO_MAX_MAC_ADDRS,
					     0, data->numa_node);
	if (data->mac_addrs == NULL) {
		VIREO_LOG(ERR, net, "cannot allocate MAC address table");
		return -ENOMEM;
	}
	rte_ether_addr_copy(&net->cfg_mac, &data->mac_addrs[0]);
	data->mtu = RTE_MIN((uint16_t)RTE_ETHER_MTU, net->max_mtu);
	/*
	 * Link state change events come from the device watch (vireo_watch.c;
	 * at once on MSI-X config interrupts and vhost-user hang-ups), and so
	 * do removal events for a device that stops responding, on any
	 * transport (the PCI driver adds the bus's own removal notices).
	 */
	data->dev_flags |= RTE_ETH_DEV_INTR_LSC | RTE_ETH_DEV_INTR_RMV;
	/* Last: a secondary attaching from now on finds a complete port. */
	net->magic = VIREO_NET_MAGIC;
	return 0;
}

/* ---- Configure ---- */

static int
vireo_select_features(struct vireo_net *net, const struct rte_eth_conf *conf, uint16_t pairs)
{
	uint64_t rxo = conf->rxmode.offloads;
	uint64_t txo = conf->txmode.offloads;
	uint64_t want = VIREO_FEATURES_BASE;
	uint64_t need = 0;

	if (rxo & (RTE_ETH_RX_OFFLOAD_SCATTER | RTE_ETH_RX_OFFLOAD_TCP_LRO))
		need |= VIO_BIT(VIO_NET_F_MRG_RXBUF);
	if (rxo & (VIREO_RX_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_LRO))
		need |= VIO_BIT(VIO_NET_F_GUEST_CSUM);
	if (rxo & RTE_ETH_RX_OFFLOAD_TCP_LRO)
		want |= VIO_BIT(VIO_NET_F_GUEST_TSO4) | VIO_BIT(VIO_NET_F_GUEST_TSO6);
	if (rxo & RTE_ETH_RX_OFFLOAD_VLAN_FILTER)
		need |= VIO_BIT(VIO_NET_F_CTRL_VQ) | VIO_BIT(VIO_NET_F_CTRL_VLAN);
	if (txo & (VIREO_TX_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_TSO))
		need |= VIO_BIT(VIO_NET_F_CSUM);
	if (txo & RTE_ETH_TX_OFFLOAD_TCP_TSO)
		want |= VIO_BIT(VIO_NET_F_HOST_TSO4) | VIO_BIT(VIO_NET_F_HOST_TSO6);
	if (pairs > 1)
		need |= VIO_BIT(VIO_NET_F_MQ) | VIO_BIT(VIO_NET_F_CTRL_VQ);

	want = (want | need) & net->offered;
	if ((need & net->offered) != need) {
		VIREO_LOG(ERR, net,
			  "configuration needs device features 0x%" PRIx64
			  " not offered (offered 0x%" PRIx64 ")",
			  need & ~net->offered, net->offered);
		return -ENOTSUP;
	}
	/* Section 5.1.3.1: dependent features need their base feature. */
	if (!(want & VIO_BIT(VIO_NET_F_CTRL_VQ)))
		want &= ~(VIO_BIT(VIO_NET_F_CTRL_RX) | VIO_BIT(VIO_NET_F_CTRL_VLAN) |
			  VIO_BIT(VIO_NET_F_CTRL_MAC_ADDR) | VIO_BIT(VIO_NET_F_MQ));
	if (!(want & VIO_BIT(VIO_NET_F_GUEST_CSUM)))
		want &= ~(VIO_BIT(VIO_NET_F_GUEST_TSO4) | VIO_BIT(VIO_NET_F_GUEST_TSO6));
	if (!(want & VIO_BIT(VIO_NET_F_CSUM)))
		want &= ~(VIO_BIT(VIO_NET_F_HOST_TSO4) | VIO_BIT(VIO_NET_F_HOST_TSO6));
	net->wanted = want;
	net->required = need;
	return 0;
}

static int
vireo_dev_configure(struct rte_eth_dev *dev)
{
	struct vireo_net *net = vireo_net_of(dev);
	struct rte_eth_dev_data *data = dev->data;
	const struct rte_eth_conf *conf = &data->dev_conf;
	uint16_t pairs = RTE_MAX(data->nb_rx_queues, data->nb_tx_queues);
	int rc;

	if (net->dead) {
		VIREO_LOG(ERR, net, "port is dead (the device did not complete a reset): close it");
		return -EIO;
	}
	if (conf->rxmode.mq_mode != RTE_ETH_MQ_RX_NONE &&
	    conf->rxmode.mq_mode != RTE_ETH_MQ_RX_RSS) {
		VIREO_LOG(ERR, net, "rx mq_mode %d unsupported (NONE or RSS only)",
			  conf->rxmode.mq_mode);
		return -ENOTSUP;
	}
	if (conf->txmode.mq_mode != RTE_ETH_MQ_TX_NONE) {
		VIREO_LOG(ERR, net, "tx mq_mode %d unsupported", conf->txmode.mq_mode);
		return -ENOTSUP;
	}
	if (pairs > vireo_max_queue_pairs(net)) {
		VIREO_LOG(ERR, net, "%u rx / %u tx queues requested, device supports %u pair(s)%s",
			  data->nb_rx_queues, data->nb_tx_queues, vireo_max_queue_pairs(net),
			  vireo_offered(net, VIO_NET_F_MQ) ? "" : " (no MQ feature)");
		return -EINVAL;
	}
	/*
	 * With several pairs the device steers received packets to the
	 * receive queue of any pair in use: with fewer rx than tx queues, rx
	 * queue i also polls the receive queues of pairs i + nb_rx, i + 2 *
	 * nb_rx... (fan-in, vireo_queue.c). Without an rx queue nothing would.
	 */
	if (pairs > 1 && data->nb_rx_queues == 0) {
		VIREO_LOG(ERR, net, "multi-queue (%u tx queues) needs at least one rx queue",
			  data->nb_tx_queues);
		return -EINVAL;
	}
	if (pairs > 1 && data->nb_rx_queues < pairs)
		VIREO_LOG(NOTICE, net,
			  "%u rx / %u tx queues: %u queue pairs in use, the receive queues of "
			  "pairs %u..%u are polled by rx queues 0..%u in turn",
			  data->nb_rx_queues, data->nb_tx_queues, pairs, data->nb_rx_queues,
			  pairs - 1, data->nb_rx_queues - 1);
	if (conf->rxmode.mq_mode == RTE_ETH_MQ_RX_RSS && pairs > 1)
		VIREO_LOG(INFO, net, "RSS requested: the device's own steering is used");
	/*
	 * intr_conf.lsc is served by the device watch (vireo_watch.c) and, with
	 * MSI-X, the config-change vector; intr_conf.rxq by vireo_intr.c.
	 */
	rc = vireo_intr_configure(dev, pairs);
	if (rc < 0)
		return rc;

	rc = vireo_select_features(net, conf, pairs);
	if (rc < 0)
		return rc;
	/* Check now that the device accepts the set; dev_start redoes it. */
	rc = vio_dev_negotiate(net->vdev, net->wanted, net->required);
	vio_dev_reset(net->vdev);
	if (rc < 0) {
		VIREO_LOG(ERR, net, "device refused features 0x%" PRIx64 ": %d", net->wanted, rc);
		return rc;
	}
	net->nr_pairs = pairs;
	VIREO_LOG(DEBUG, net, "configured: %u pair(s), features 0x%" PRIx64, pairs, net->wanted);
	return 0;
}

/* ---- Info ---- */

int
vireo_dev_infos_get(struct rte_eth_dev *dev, struct rte_eth_dev_info *info)
{
	struct vireo_net *net = vireo_net_of(dev);
	uint16_t tx_segs;

	info->max_rx_queues = vireo_max_queue_pairs(net);
	info->max_tx_queues = info->max_rx_queues;
	info->min_rx_bufsize = 64;
	info->min_mtu = RTE_ETHER_MIN_MTU;
	info->max_mtu = net->max_mtu;
	info->max_rx_pktlen = vireo_net_frame_len(net->max_mtu);
	info->max_mac_addrs = vireo_offered(net, VIO_NET_F_CTRL_VQ) &&
					      vireo_offered(net, VIO_NET_F_CTRL_RX) ?
				      VIREO_MAX_MAC_ADDRS :
				      1;
	info->rx_offload_capa = vireo_rx_offload_capa(net);
	info->tx_offload_capa = vireo_tx_offload_capa(net);
	if (info->rx_offload_capa & RTE_ETH_RX_OFFLOAD_TCP_LRO)
		info->max_lro_pkt_size = VIREO_MAX_GSO_LEN;

	/*
	 * Any count is accepted, as upstream net_virtio does: queue setup lowers
	 * one above the device's ring to the ring (NOTICE). The ring itself is
	 * the preferred size below, and rxq/txq_info report what a queue got.
	 */
	info->rx_desc_lim.nb_max = UINT16_MAX;
	info->rx_desc_lim.nb_min = VIREO_MIN_RING_SIZE;
	info->rx_desc_lim.nb_align = 1;
	info->tx_desc_lim.nb_max = UINT16_MAX;
	info->tx_desc_lim.nb_min = VIREO_MIN_RING_SIZE;
	info->tx_desc_lim.nb_align = 1;
	tx_segs = RTE_MIN((uint16_t)VIREO_TX_MAX_SEGS, (uint16_t)(net->tx_ring_max - 1));
	info->tx_desc_lim.nb_seg_max = tx_segs;
	info->tx_desc_lim.nb_mtu_seg_max = tx_segs;

	info->default_rxportconf.ring_size = RTE_MIN(net->rx_ring_max, (uint16_t)1024);
	info->default_txportconf.ring_size = RTE_MIN(net->tx_ring_max, (uint16_t)1024);
	info->default_rxportconf.nb_queues = 1;
	info->default_txportconf.nb_queues = 1;
	info->default_rxportconf.burst_size = 32;
	info->default_txportconf.burst_size = 32;
	info->speed_capa = RTE_ETH_LINK_SPEED_FIXED;
	return 0;
}

/* ---- Start / stop / close / reset ---- */

/*
 * Reset the device before its rings and buffers are freed. A device that
 * does not complete the reset may still use them: quarantine everything it
 * was given (never freed, never reused), and mark the port dead.
 */
static int
vireo_reset_or_quarantine(struct vireo_net *net)
{
	struct vireo_quarantine q = { 0 };
	int rc;

	rc = vio_dev_reset(net->vdev);
	if (rc == 0)
		return 0;
	vireo_queues_quarantine(net, &q);
	vireo_ctrl_quarantine(net, &q);
	net->dead = true;
	VIREO_LOG(ERR, net,
		  "device did not complete the reset (%d): it may still use its memory, so %u "
		  "virtqueue(s) and %zu bytes of rings and headers, %u posted rx mbufs and %u tx "
		  "descriptors in flight are quarantined (leaked for the life of the process); "
		  "the port is dead: close it",
		  rc, q.vqs, q.bytes, q.rx_bufs, q.tx_descs);
	return rc;
}

/*
 * Features for this start. Without MRG_RXBUF a packet of the device's MTU
 * must fit one rx buffer once F_MTU is accepted (section 5.1.6.3.1): when
 * the application's mbufs are smaller, leave F_MTU out rather than have the
 * device drop such packets unseen.
 */
static uint64_t
vireo_start_features(struct vireo_net *net)
{
	struct rte_eth_dev_data *data = vireo_eth_dev(net)->data;
	uint64_t want = net->wanted;
	uint32_t need = VIREO_NET_HDR_LEN + vireo_net_frame_len(net->cfg_mtu);

	if (!(want & VIO_BIT(VIO_NET_F_MTU)) || (want & VIO_BIT(VIO_NET_F_MRG_RXBUF)))
		return want;
	for (uint16_t i = 0; i < data->nb_rx_queues; i++) {
		const struct vireo_rxq *rxq = data->rx_queues[i];

		if (rxq != NULL && rxq->buf_len < need) {
			VIREO_LOG(NOTICE, net,
				  "rx queue %u: %u-byte buffers cannot take the device MTU %u and "
				  "the device lacks MRG_RXBUF: not accepting VIRTIO_NET_F_MTU",
				  i, rxq->buf_len, net->cfg_mtu);
			return want & ~VIO_BIT(VIO_NET_F_MTU);
		}
	}
	return want;
}

static int
vireo_dev_start(struct rte_eth_dev *dev)
{
	struct vireo_net *net = vireo_net_of(dev);
	int rc;

	if (net->dead) {
		VIREO_LOG(ERR, net,
			  "port is dead: the device did not complete a reset and its memory is "
			  "quarantined; close the port");
		return -EIO;
	}
	rc = vio_dev_negotiate(net->vdev, vireo_start_features(net), net->required);
	if (rc < 0) {
		VIREO_LOG(ERR, net, "feature negotiation at start failed: %d", rc);
		vio_dev_reset(net->vdev); /* nothing of ours is with the device yet */
		return rc;
	}
	rc = vireo_intr_start(dev);
	if (rc < 0)
		goto fail;
	rc = vireo_queues_start(net);
	if (rc < 0)
		goto fail;
	rc = vireo_intr_bind(dev);
	if (rc < 0)
		goto fail;
	rc = vireo_ctrl_start(net);
	if (rc < 0)
		goto fail;
	rc = vio_dev_driver_ok(net->vdev);
	if (rc < 0) {
		VIREO_LOG(ERR, net, "device failed at DRIVER_OK: %d", rc);
		goto fail;
	}
	net->started = true;
	net->needs_reset_logged = false;
	/* Buffers were published before DRIVER_OK; now they may be kicked. */
	vireo_queues_kick_rx(net);
	rc = vireo_ctrl_replay(net);
	if (rc < 0)
		goto fail;
	for (uint16_t i = 0; i < dev->data->nb_rx_queues; i++)
		dev->data->rx_queue_state[i] = RTE_ETH_QUEUE_STATE_STARTED;
	for (uint16_t i = 0; i < dev->data->nb_tx_queues; i++)
		dev->data->tx_queue_state[i] = RTE_ETH_QUEUE_STATE_STARTED;
	vireo_net_link_update(dev, 0);
	vireo_watch_start(net);
	vireo_intr_events_start(dev);
	return 0;

fail:
	/* Whatever was created was programmed into the device: reset first. */
	net->started = false;
	vireo_reset_or_quarantine(net);
	vireo_intr_stop(dev);
	vireo_ctrl_stop(net);
	vireo_queues_stop(net);
	return rc;
}

static int
vireo_dev_stop(struct rte_eth_dev *dev)
{
	struct vireo_net *net = vireo_net_of(dev);
	struct rte_eth_link link = { .link_status = RTE_ETH_LINK_DOWN };

	if (!net->started)
		return 0;
	vireo_watch_stop(net);
	vireo_intr_events_stop(dev);
	/* A device that needs a reset, or is gone, sends nothing more. */
	if (!vio_dev_needs_reset(net->vdev))
		vireo_queues_flush_tx(net, VIREO_TX_FLUSH_MS);
	net->started = false;
	/*
	 * After a completed reset the device no longer touches any ring or
	 * buffer; after a failed one they were quarantined (stop frees nothing).
	 */
	vireo_reset_or_quarantine(net);
	vireo_intr_stop(dev);
	vireo_ctrl_stop(net);
	vireo_queues_stop(net);
	for (uint16_t i = 0; i < dev->data->nb_rx_queues; i++)
		dev->data->rx_queue_state[i] = RTE_ETH_QUEUE_STATE_STOPPED;
	for (uint16_t i = 0; i < dev->data->nb_tx_queues; i++)
		dev->data->tx_queue_state[i] = RTE_ETH_QUEUE_STATE_STOPPED;
	rte_eth_linkstatus_set(dev, &link);
	return 0;
}

int
vireo_dev_close(struct rte_eth_dev *dev)
{
	struct vireo_net *net = vireo_net_of(dev);

	if (rte_eal_process_type() != RTE_PROC_PRIMARY || net->closed)
		return 0;
	vireo_dev_stop(dev);
	vireo_queues_release_all(net);
	vio_dev_reset(net->vdev);
	vireo_intr_close(dev);
	net->closed = true;
	return 0;
}

static int
vireo_dev_reset(struct rte_eth_dev *dev)
{
	struct vireo_net *net = vireo_net_of(dev);
	int rc;

	/* ethdev stopped the port; forget the queues and rediscover the device. */
	vireo_queues_release_all(net);
	net->cvq_dead = false;
	if (net->dead) {
		/* A reset that completes now revives the port; what was quarantined stays so. */
		rc = vio_dev_reset(net->vdev);
		if (rc < 0) {
			VIREO_LOG(ERR, net, "port is dead: the device still does not reset");
			return -EIO;
		}
		VIREO_LOG(NOTICE, net, "device reset completed: port usable again");
		net->dead = false;
	}
	rc = vireo_probe_device(net);
	if (rc < 0)
		return rc;
	rte_ether_addr_copy(&net->cfg_mac, &dev->data->mac_addrs[0]);
	return 0;
}

/* ---- Link, MTU ---- */

int
vireo_net_link_update(struct rte_eth_dev *dev, int wait_to_complete __rte_unused)
{
	struct vireo_net *net = vireo_net_of(dev);
	struct vio_dev *vdev = net->vdev;
	struct rte_eth_link link = {
		.link_speed = RTE_ETH_SPEED_NUM_UNKNOWN,
		.link_duplex = RTE_ETH_LINK_FULL_DUPLEX,
		.link_autoneg = RTE_ETH_LINK_FIXED,
		.link_status = RTE_ETH_LINK_DOWN,
	};
	uint16_t status = VIO_NET_S_LINK_UP;

	if (net->started) {
		if (vio_dev_has(vdev, VIO_NET_F_STATUS) &&
		    vio_dev_read_config_u16(vdev, offsetof(struct vio_net_config, status),
					    &status) < 0)
			status = 0;
		if (vio_dev_needs_reset(vdev)) {
			if (!net->needs_reset_logged)
				VIREO_LOG(ERR, net, "device needs reset: restart the port");
			net->needs_reset_logged = true;
			status = 0;
		}
		link.link_status = (status & VIO_NET_S_LINK_UP) ? RTE_ETH_LINK_UP :
								  RTE_ETH_LINK_DOWN;
	}
	if (net->started && vio_dev_has(vdev, VIO_NET_F_SPEED_DUPLEX)) {
		uint32_t speed = 0;
		uint8_t duplex = 0xff;

		vio_dev_read_config_u32(vdev, offsetof(struct vio_net_config, speed), &speed);
		vio_dev_read_config_u8(vdev, offsetof(struct vio_net_config, duplex), &duplex);
		/* Section 5.1.4: speed in Mbit/s, 0xffffffff (or > INT32_MAX) unknown. */
		if (speed != 0 && speed <= INT32_MAX)
			link.link_speed = speed;
		if (duplex == 0)
			link.link_duplex = RTE_ETH_LINK_HALF_DUPLEX;
	}
	return rte_eth_linkstatus_set(dev, &link);
}

static int
vireo_mtu_set(struct rte_eth_dev *dev, uint16_t mtu)
{
	struct vireo_net *net = vireo_net_of(dev);

	if (mtu < RTE_ETHER_MIN_MTU || mtu > net->max_mtu) {
		VIREO_LOG(ERR, net, "MTU %u outside [%u, %u]", mtu, RTE_ETHER_MIN_MTU,
			  net->max_mtu);
		return -EINVAL;
	}
	for (uint16_t i = 0; i < dev->data->nb_rx_queues; i++) {
		const struct vireo_rxq *rxq = dev->data->rx_queues[i];

		if (rxq != NULL && vireo_rxq_check_mtu(rxq, mtu) < 0)
			return -EINVAL;
	}
	for (uint16_t i = 0; i < dev->data->nb_tx_queues; i++) {
		struct vireo_txq *txq = dev->data->tx_queues[i];

		if (txq != NULL)
			txq->max_pkt_len = vireo_net_frame_len(mtu);
	}
	return 0;
}

static const struct eth_dev_ops vireo_eth_dev_ops = {
	.dev_configure = vireo_dev_configure,
	.dev_infos_get = vireo_dev_infos_get,
	.dev_start = vireo_dev_start,
	.dev_stop = vireo_dev_stop,
	.dev_close = vireo_dev_close,
	.dev_reset = vireo_dev_reset,
	.link_update = vireo_net_link_update,
	.mtu_set = vireo_mtu_set,
	.rx_queue_setup = vireo_rx_queue_setup,
	.rx_queue_release = vireo_rx_queue_release,
	.rx_queue_intr_enable = vireo_rx_queue_intr_enable,
	.rx_queue_intr_disable = vireo_rx_queue_intr_disable,
	.tx_queue_setup = vireo_tx_queue_setup,
	.tx_queue_release = vireo_tx_queue_release,
	.rxq_info_get = vireo_rxq_info_get,
	.txq_info_get = vireo_txq_info_get,
	.tx_done_cleanup = vireo_tx_done_cleanup,
	.dev_supported_ptypes_get = vireo_supported_ptypes_get,
	.dev_ptypes_set = vireo_ptypes_set,
	.stats_get = vireo_stats_get,
	.stats_reset = vireo_stats_reset,
	.xstats_get = vireo_xstats_get,
	.xstats_get_names = vireo_xstats_get_names,
	.xstats_reset = vireo_xstats_reset,
	.promiscuous_enable = vireo_promiscuous_enable,
	.promiscuous_disable = vireo_promiscuous_disable,
	.allmulticast_enable = vireo_allmulticast_enable,
	.allmulticast_disable = vireo_allmulticast_disable,
	.mac_addr_set = vireo_mac_addr_set,
	.mac_addr_add = vireo_mac_addr_add,
	.mac_addr_remove = vireo_mac_addr_remove,
	.set_mc_addr_list = vireo_set_mc_addr_list,
	.vlan_filter_set = vireo_vlan_filter_set,
};

/* ---- Non-PCI constructor (software devices, other transports) ---- */

static const struct rte_driver vireo_soft_driver = {
	.name = VIREO_NET_DRIVER_NAME,
};

int
vireo_net_port_create(const char *name, struct vio_dev *vdev, struct rte_device *device,
		      uint16_t *port_id)
{
	struct rte_eth_dev *eth_dev;
	struct vireo_net *net;
	int rc;

	if (name == NULL || vdev == NULL || vio_dev_ops(vdev) == NULL || port_id == NULL)
		return -EINVAL;
	eth_dev = rte_eth_dev_allocate(name);
	if (eth_dev == NULL)
		return -EEXIST;
	net = rte_zmalloc_socket(name, sizeof(*net), RTE_CACHE_LINE_SIZE, rte_socket_id());
	if (net == NULL) {
		rte_eth_dev_release_port(eth_dev);
		return -ENOMEM;
	}
	eth_dev->data->dev_private = net;
	if (device == NULL) {
		/* ethdev reports device->driver->name as the driver name. */
		snprintf(net->soft_name, sizeof(net->soft_name), "%s", name);
		net->soft_device.name = net->soft_name;
		net->soft_device.driver = &vireo_soft_driver;
		net->soft_device.numa_node = rte_socket_id();
		device = &net->soft_device;
	}
	eth_dev->device = device;
	eth_dev->data->numa_node = device->numa_node;
	rc = vireo_net_init(eth_dev, vdev);
	if (rc < 0) {
		rte_eth_dev_release_port(eth_dev);
		return rc;
	}
	rte_eth_dev_probing_finish(eth_dev);
	*port_id = eth_dev->data->port_id;
	return 0;
}

int
vireo_net_port_destroy(uint16_t port_id)
{
	return rte_eth_dev_close(port_id);
}
