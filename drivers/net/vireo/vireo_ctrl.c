/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_vireo control queue (virtio 1.2 section 5.1.6.5): rx mode, MAC
 * filter table, default MAC, VLAN filter and queue-pair count.
 *
 * Commands are synchronous: one chain (class/command header, data,
 * device-writable ack byte) is added, the doorbell rung, and the used ring
 * busy-polled with a bounded timeout. A command that times out leaves the
 * chain with the device, so the control queue is not used again until the
 * port is restarted (dev_stop resets the device and reclaims it).
 *
 * While the port is stopped the ops only record the request: ethdev
 * replays promiscuous/allmulticast and the MAC addresses after dev_start,
 * and vireo_ctrl_replay() restores the queue pairs, the VLAN filter and
 * the multicast list.
 */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_pause.h>

#include "vio_dma.h"
#include "vireo_net.h"

/* ---- Queue lifecycle ---- */

int
vireo_ctrl_start(struct vireo_net *net)
{
	struct vio_dev *vdev = net->vdev;
	uint16_t index;
	uint16_t size;
	int rc;

	net->cvq_dead = false;
	if (!vio_dev_has(vdev, VIO_NET_F_CTRL_VQ))
		return 0;
	/* Section 5.1.2: controlq is 2N, N = max_virtqueue_pairs with MQ, else 1. */
	index = vio_dev_has(vdev, VIO_NET_F_MQ) ? 2 * net->dev_pairs : 2;
	size = vio_dev_ops(vdev)->queue_max_size(vdev, index);
	if (size == 0) {
		VIREO_LOG(ERR, net, "control queue %u does not exist", index);
		return -ENOENT;
	}
	size = (uint16_t)RTE_MIN(rte_align32prevpow2(size), (uint32_t)VIREO_CTRL_QUEUE_SIZE);
	net->cbuf_mem = vio_dma_alloc("vireo_ctrl", sizeof(struct vireo_ctrl_buf), 0,
				      vireo_eth_dev(net)->data->numa_node);
	if (net->cbuf_mem == NULL) {
		VIREO_LOG(ERR, net, "cannot allocate control buffer");
		return -ENOMEM;
	}
	net->cbuf = vio_dma_va(net->cbuf_mem);
	net->cbuf_iova = vio_dma_iova(net->cbuf_mem);
	rc = vio_vq_create(vdev, index, size, vireo_eth_dev(net)->data->numa_node, &net->cvq);
	if (rc < 0) {
		VIREO_LOG(ERR, net, "control queue %u setup failed: %d", index, rc);
		net->cvq = NULL;
		vio_dma_free(net->cbuf_mem);
		net->cbuf_mem = NULL;
		net->cbuf = NULL;
		return rc;
	}
	return 0;
}

void
vireo_ctrl_stop(struct vireo_net *net)
{
	if (net->cvq != NULL) {
		/* Cookies are the port itself: nothing to free. */
		while (vio_vq_detach(net->cvq) != NULL)
			;
		vio_vq_destroy(net->cvq);
		net->cvq = NULL;
	}
	vio_dma_free(net->cbuf_mem);
	net->cbuf_mem = NULL;
	net->cbuf = NULL;
}

/*
 * The device did not complete a reset: it may still read the command
 * buffer and write its ack byte. Leave the queue and the buffer allocated.
 */
void
vireo_ctrl_quarantine(struct vireo_net *net, struct vireo_quarantine *q)
{
	if (net->cvq != NULL) {
		q->vqs++;
		q->bytes += vio_vq_ring_bytes(net->cvq);
	}
	if (net->cbuf_mem != NULL)
		q->bytes += vio_dma_len(net->cbuf_mem);
	net->cvq = NULL; /* deliberately leaked */
	net->cbuf_mem = NULL;
	net->cbuf = NULL;
}

/* ---- Command ---- */

/* Wait for the device to return the command chain. */
static int
vireo_ctrl_wait(struct vireo_net *net, uint32_t *len)
{
	uint64_t deadline = rte_get_timer_cycles() +
			    rte_get_timer_hz() * VIREO_CTRL_TIMEOUT_MS / 1000;
	void *cookie;

	for (;;) {
		int n = vio_vq_harvest(net->cvq, &cookie, len, 1);

		if (n == 1)
			return 0;
		if (n < 0)
			return -EIO;
		if (rte_get_timer_cycles() > deadline)
			return -ETIMEDOUT;
		rte_pause();
	}
}

/*
 * Send one command with up to two data parts (the MAC table is two
 * tables). @return 0; -ENOTSUP without a control queue; -EIO when the
 * device rejected it or broke the queue; -ETIMEDOUT.
 */
static int
vireo_ctrl_send(struct vireo_net *net, uint8_t cls, uint8_t cmd, const void *d1, size_t l1,
		const void *d2, size_t l2)
{
	struct vireo_ctrl_buf *b = net->cbuf;
	struct vio_sg sg[4];
	uint16_t n = 0;
	uint32_t len = 0;
	uint8_t ack;
	int rc;

	if (net->cvq == NULL)
		return -ENOTSUP;
	if (l1 + l2 > sizeof(b->data))
		return -EINVAL;
	rte_spinlock_lock(&net->ctrl_lock);
	if (net->cvq_dead || vio_vq_is_broken(net->cvq)) {
		rc = -EIO;
		goto out;
	}
	b->cls = cls;
	b->cmd = cmd;
	if (l1 != 0)
		memcpy(b->data, d1, l1);
	if (l2 != 0)
		memcpy(b->data + l1, d2, l2);
	b->ack = VIO_NET_ERR;
	sg[n++] = (struct vio_sg){ net->cbuf_iova + offsetof(struct vireo_ctrl_buf, cls), 2 };
	if (l1 != 0)
		sg[n++] = (struct vio_sg){ net->cbuf_iova + offsetof(struct vireo_ctrl_buf, data),
					   (uint32_t)l1 };
	if (l2 != 0)
		sg[n++] = (struct vio_sg){
			net->cbuf_iova + offsetof(struct vireo_ctrl_buf, data) + l1, (uint32_t)l2
		};
	sg[n] = (struct vio_sg){ net->cbuf_iova + offsetof(struct vireo_ctrl_buf, ack), 1 };
	rc = vio_vq_add_chain(net->cvq, sg, n, 1, net);
	if (rc < 0)
		goto out;
	vio_vq_kick(net->cvq);
	rc = vireo_ctrl_wait(net, &len);
	if (rc == -ETIMEDOUT) {
		net->cvq_dead = true;
		VIREO_LOG(ERR, net,
			  "control command %u/%u timed out after %u ms; control queue "
			  "disabled until restart",
			  cls, cmd, VIREO_CTRL_TIMEOUT_MS);
		goto out;
	}
	if (rc < 0) {
		VIREO_LOG(ERR, net, "control queue broken by the device");
		goto out;
	}
	/* harvest() ordered the device's ack write before the used idx we read. */
	ack = *(volatile uint8_t *)&b->ack;
	if (len < 1 || ack != VIO_NET_OK) {
		VIREO_LOG(ERR, net, "device rejected control command %u/%u (ack %u, len %u)", cls,
			  cmd, ack, len);
		rc = -EIO;
	}
out:
	rte_spinlock_unlock(&net->ctrl_lock);
	return rc;
}

/* ---- Rx mode ---- */

static int
vireo_rx_mode(struct rte_eth_dev *dev, uint8_t cmd, uint8_t on)
{
	struct vireo_net *net = vireo_net_of(dev);

	if (!vireo_ctrl_has(net, VIO_NET_F_CTRL_RX))
		return -ENOTSUP;
	if (!net->started)
		return 0; /* ethdev replays it after dev_start */
	return vireo_ctrl_send(net, VIO_NET_CTRL_RX, cmd, &on, 1, NULL, 0);
}

int
vireo_promiscuous_enable(struct rte_eth_dev *dev)
{
	return vireo_rx_mode(dev, VIO_NET_CTRL_RX_PROMISC, 1);
}

int
vireo_promiscuous_disable(struct rte_eth_dev *dev)
{
	return vireo_rx_mode(dev, VIO_NET_CTRL_RX_PROMISC, 0);
}

int
vireo_allmulticast_enable(struct rte_eth_dev *dev)
{
	return vireo_rx_mode(dev, VIO_NET_CTRL_RX_ALLMULTI, 1);
}

int
vireo_allmulticast_disable(struct rte_eth_dev *dev)
{
	return vireo_rx_mode(dev, VIO_NET_CTRL_RX_ALLMULTI, 0);
}

/* ---- MAC addresses ---- */

int
vireo_mac_addr_set(struct rte_eth_dev *dev, struct rte_ether_addr *addr)
{
	struct vireo_net *net = vireo_net_of(dev);

	if (!vireo_ctrl_has(net, VIO_NET_F_CTRL_MAC_ADDR))
		/* The device's own address is always "set". */
		return rte_is_same_ether_addr(addr, &net->cfg_mac) ? 0 : -ENOTSUP;
	if (!net->started)
		return 0;
	return vireo_ctrl_send(net, VIO_NET_CTRL_MAC, VIO_NET_CTRL_MAC_ADDR_SET, addr->addr_bytes,
			       RTE_ETHER_ADDR_LEN, NULL, 0);
}

struct vireo_mac_table {
	uint32_t entries; /* little-endian on the wire */
	uint8_t macs[VIREO_MAX_MAC_ADDRS + VIREO_MAX_MC_ADDRS][RTE_ETHER_ADDR_LEN];
} __rte_packed;

static void
vireo_mac_table_add(struct vireo_mac_table *t, const struct rte_ether_addr *a)
{
	memcpy(t->macs[t->entries], a->addr_bytes, RTE_ETHER_ADDR_LEN);
	t->entries++;
}

/*
 * Send the full filter table: the secondary addresses (mac_addrs[1..],
 * with @p add at @p add_index or without @p skip_index, since ethdev
 * updates its array only after the op succeeds) and the multicast list.
 */
static int
vireo_mac_table_send(struct vireo_net *net, const struct rte_ether_addr *add, uint32_t add_index,
		     uint32_t skip_index)
{
	const struct rte_ether_addr *addrs = vireo_eth_dev(net)->data->mac_addrs;
	struct vireo_mac_table uc = { 0 };
	struct vireo_mac_table mc = { 0 };
	uint32_t nuc, nmc;

	for (uint32_t i = 1; i < VIREO_MAX_MAC_ADDRS; i++) {
		const struct rte_ether_addr *a = (add != NULL && i == add_index) ? add : &addrs[i];

		if (i == skip_index || rte_is_zero_ether_addr(a))
			continue;
		vireo_mac_table_add(rte_is_multicast_ether_addr(a) ? &mc : &uc, a);
	}
	for (uint32_t i = 0; i < net->nb_mc_addrs; i++)
		vireo_mac_table_add(&mc, &net->mc_addrs[i]);
	nuc = uc.entries;
	nmc = mc.entries;
	uc.entries = rte_cpu_to_le_32(nuc);
	mc.entries = rte_cpu_to_le_32(nmc);
	return vireo_ctrl_send(net, VIO_NET_CTRL_MAC, VIO_NET_CTRL_MAC_TABLE_SET, &uc,
			       sizeof(uint32_t) + nuc * RTE_ETHER_ADDR_LEN, &mc,
			       sizeof(uint32_t) + nmc * RTE_ETHER_ADDR_LEN);
}

int
vireo_mac_addr_add(struct rte_eth_dev *dev, struct rte_ether_addr *addr, uint32_t index,
		   uint32_t vmdq __rte_unused)
{
	struct vireo_net *net = vireo_net_of(dev);

	if (!vireo_ctrl_has(net, VIO_NET_F_CTRL_RX))
		return -ENOTSUP;
	if (index >= VIREO_MAX_MAC_ADDRS)
		return -EINVAL;
	if (!net->started)
		return 0;
	return vireo_mac_table_send(net, addr, index, UINT32_MAX);
}

void
vireo_mac_addr_remove(struct rte_eth_dev *dev, uint32_t index)
{
	struct vireo_net *net = vireo_net_of(dev);

	if (!vireo_ctrl_has(net, VIO_NET_F_CTRL_RX) || !net->started)
		return;
	if (vireo_mac_table_send(net, NULL, UINT32_MAX, index) < 0)
		VIREO_LOG(WARNING, net, "could not remove MAC address %u from the filter", index);
}

int
vireo_set_mc_addr_list(struct rte_eth_dev *dev, struct rte_ether_addr *list, uint32_t nb)
{
	struct vireo_net *net = vireo_net_of(dev);

	if (!vireo_ctrl_has(net, VIO_NET_F_CTRL_RX))
		return -ENOTSUP;
	if (nb > VIREO_MAX_MC_ADDRS) {
		VIREO_LOG(ERR, net, "%u multicast addresses, at most %u", nb, VIREO_MAX_MC_ADDRS);
		return -EINVAL;
	}
	for (uint32_t i = 0; i < nb; i++) {
		if (!rte_is_multicast_ether_addr(&list[i])) {
			VIREO_LOG(ERR, net, "multicast list entry %u is not multicast", i);
			return -EINVAL;
		}
	}
	/* (NULL, 0) flushes the list: memcpy from NULL is undefined even for 0 bytes. */
	if (nb != 0)
		memcpy(net->mc_addrs, list, nb * sizeof(*list));
	net->nb_mc_addrs = nb;
	if (!net->started)
		return 0;
	return vireo_mac_table_send(net, NULL, UINT32_MAX, UINT32_MAX);
}

/* ---- VLAN filter ---- */

static int
vireo_vlan_cmd(struct vireo_net *net, uint16_t vid, bool on)
{
	uint16_t le = rte_cpu_to_le_16(vid);

	return vireo_ctrl_send(net, VIO_NET_CTRL_VLAN,
			       on ? VIO_NET_CTRL_VLAN_ADD : VIO_NET_CTRL_VLAN_DEL, &le, sizeof(le),
			       NULL, 0);
}

int
vireo_vlan_filter_set(struct rte_eth_dev *dev, uint16_t vlan_id, int on)
{
	struct vireo_net *net = vireo_net_of(dev);

	if (!vireo_ctrl_has(net, VIO_NET_F_CTRL_VLAN))
		return -ENOTSUP;
	if (vlan_id > RTE_ETHER_MAX_VLAN_ID)
		return -EINVAL;
	if (!net->started)
		return 0; /* kept in data->vlan_filter_conf, replayed at start */
	return vireo_vlan_cmd(net, vlan_id, on != 0);
}

/* ---- Restore after start ---- */

int
vireo_ctrl_replay(struct vireo_net *net)
{
	struct rte_eth_dev_data *data = vireo_eth_dev(net)->data;
	struct vio_dev *vdev = net->vdev;
	int rc;

	if (net->cvq == NULL)
		return 0;
	if (vio_dev_has(vdev, VIO_NET_F_MQ)) {
		uint16_t pairs = rte_cpu_to_le_16(net->nr_pairs);

		rc = vireo_ctrl_send(net, VIO_NET_CTRL_MQ, VIO_NET_CTRL_MQ_VQ_PAIRS_SET, &pairs,
				     sizeof(pairs), NULL, 0);
		if (rc < 0) {
			VIREO_LOG(ERR, net, "setting %u queue pairs failed: %d", net->nr_pairs, rc);
			return rc;
		}
	}
	if (vio_dev_has(vdev, VIO_NET_F_CTRL_VLAN)) {
		for (uint32_t w = 0; w < RTE_DIM(data->vlan_filter_conf.ids); w++) {
			uint64_t bits = data->vlan_filter_conf.ids[w];

			while (bits != 0) {
				uint16_t vid = (uint16_t)(w * 64 + __builtin_ctzll(bits));

				bits &= bits - 1;
				rc = vireo_vlan_cmd(net, vid, true);
				if (rc < 0)
					return rc;
			}
		}
	}
	if (vio_dev_has(vdev, VIO_NET_F_CTRL_RX) && net->nb_mc_addrs > 0) {
		rc = vireo_mac_table_send(net, NULL, UINT32_MAX, UINT32_MAX);
		if (rc < 0)
			return rc;
	}
	return 0;
}
