/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_vireo in DPDK secondary processes (dpdk-proc-info, dpdk-dumpcap,
 * dpdk-pdump, an application's own secondaries).
 *
 * The primary owns the device: it probed it, negotiated, and it alone
 * configures, starts and stops the port. Its state is in shared memory
 * (dev_private, rte_malloc'ed queues, memzones) at the same address in
 * every process, and holds no pointer to anything process-local (see
 * struct vireo_net). A secondary attaches to that state and sets up what
 * is per process: the ethdev ops table and burst functions (this file's
 * code, wherever this process loaded the plugin), and the transport's ops
 * (vio_pci_dev_attach_secondary()).
 *
 * What a secondary may do: everything that only reads shared state (device
 * info, link as last recorded by the primary, queue info, stats, xstats,
 * also their reset as proc-info --stats-reset does), and the data path on
 * queues no other process polls, like any other lcore. Everything that
 * changes the device or the port's configuration is refused with
 * -E_RTE_SECONDARY. The secondary never touches the device's registers:
 * common config is a select-then-access protocol that two processes would
 * interleave; only the data path rings queue doorbells.
 */
#include <errno.h>

#include <ethdev_driver.h>
#include <rte_errno.h>

#include "vireo_net.h"

static int
vireo_secondary_refused(const struct rte_eth_dev *dev, const char *what)
{
	VIREO_LOG(ERR, vireo_net_of(dev), "%s: not allowed from a secondary process", what);
	return -E_RTE_SECONDARY;
}

static int
vireo_secondary_configure(struct rte_eth_dev *dev)
{
	return vireo_secondary_refused(dev, "configure");
}

static int
vireo_secondary_start(struct rte_eth_dev *dev)
{
	return vireo_secondary_refused(dev, "start");
}

static int
vireo_secondary_stop(struct rte_eth_dev *dev)
{
	return vireo_secondary_refused(dev, "stop");
}

static int
vireo_secondary_reset(struct rte_eth_dev *dev)
{
	return vireo_secondary_refused(dev, "reset");
}

/* Closing in a secondary releases what is this process's: nothing of the device. */
static int
vireo_secondary_close(struct rte_eth_dev *dev __rte_unused)
{
	return 0;
}

/* ethdev copies the link the primary recorded in the shared port data. */
static int
vireo_secondary_link_update(struct rte_eth_dev *dev __rte_unused, int wait __rte_unused)
{
	return 0;
}

static int
vireo_secondary_mtu_set(struct rte_eth_dev *dev, uint16_t mtu __rte_unused)
{
	return vireo_secondary_refused(dev, "MTU set");
}

static int
vireo_secondary_rxq_setup(struct rte_eth_dev *dev, uint16_t qid __rte_unused,
			  uint16_t nb_desc __rte_unused, unsigned int socket __rte_unused,
			  const struct rte_eth_rxconf *conf __rte_unused,
			  struct rte_mempool *mp __rte_unused)
{
	return vireo_secondary_refused(dev, "rx queue setup");
}

static int
vireo_secondary_txq_setup(struct rte_eth_dev *dev, uint16_t qid __rte_unused,
			  uint16_t nb_desc __rte_unused, unsigned int socket __rte_unused,
			  const struct rte_eth_txconf *conf __rte_unused)
{
	return vireo_secondary_refused(dev, "tx queue setup");
}

static int
vireo_secondary_promiscuous(struct rte_eth_dev *dev)
{
	return vireo_secondary_refused(dev, "promiscuous mode");
}

static int
vireo_secondary_allmulticast(struct rte_eth_dev *dev)
{
	return vireo_secondary_refused(dev, "all-multicast mode");
}

static int
vireo_secondary_mac_addr_set(struct rte_eth_dev *dev, struct rte_ether_addr *addr __rte_unused)
{
	return vireo_secondary_refused(dev, "MAC address set");
}

static int
vireo_secondary_mac_addr_add(struct rte_eth_dev *dev, struct rte_ether_addr *addr __rte_unused,
			     uint32_t index __rte_unused, uint32_t vmdq __rte_unused)
{
	return vireo_secondary_refused(dev, "MAC address add");
}

static int
vireo_secondary_mc_addr_list(struct rte_eth_dev *dev, struct rte_ether_addr *list __rte_unused,
			     uint32_t nb __rte_unused)
{
	return vireo_secondary_refused(dev, "multicast list");
}

static int
vireo_secondary_vlan_filter_set(struct rte_eth_dev *dev, uint16_t vlan_id __rte_unused,
				int on __rte_unused)
{
	return vireo_secondary_refused(dev, "VLAN filter");
}

static int
vireo_secondary_ptypes_set(struct rte_eth_dev *dev, uint32_t mask __rte_unused)
{
	return vireo_secondary_refused(dev, "packet type parsing");
}

/*
 * Ops absent here (mac_addr_remove, queue release) are void in ethdev's
 * table: ethdev answers -ENOTSUP for them, and calls the release ops only
 * from configure and setup, which are refused.
 */
static const struct eth_dev_ops vireo_eth_dev_ops_secondary = {
	.dev_configure = vireo_secondary_configure,
	.dev_infos_get = vireo_dev_infos_get,
	.dev_start = vireo_secondary_start,
	.dev_stop = vireo_secondary_stop,
	.dev_close = vireo_secondary_close,
	.dev_reset = vireo_secondary_reset,
	.link_update = vireo_secondary_link_update,
	.mtu_set = vireo_secondary_mtu_set,
	.rx_queue_setup = vireo_secondary_rxq_setup,
	.tx_queue_setup = vireo_secondary_txq_setup,
	.rxq_info_get = vireo_rxq_info_get,
	.txq_info_get = vireo_txq_info_get,
	.tx_done_cleanup = vireo_tx_done_cleanup,
	.dev_supported_ptypes_get = vireo_supported_ptypes_get,
	.dev_ptypes_set = vireo_secondary_ptypes_set,
	.stats_get = vireo_stats_get,
	.stats_reset = vireo_stats_reset,
	.xstats_get = vireo_xstats_get,
	.xstats_get_names = vireo_xstats_get_names,
	.xstats_reset = vireo_xstats_reset,
	.promiscuous_enable = vireo_secondary_promiscuous,
	.promiscuous_disable = vireo_secondary_promiscuous,
	.allmulticast_enable = vireo_secondary_allmulticast,
	.allmulticast_disable = vireo_secondary_allmulticast,
	.mac_addr_set = vireo_secondary_mac_addr_set,
	.mac_addr_add = vireo_secondary_mac_addr_add,
	.set_mc_addr_list = vireo_secondary_mc_addr_list,
	.vlan_filter_set = vireo_secondary_vlan_filter_set,
};

int
vireo_net_attach_secondary(struct rte_eth_dev *eth_dev, bool datapath)
{
	const struct vireo_net *net = vireo_net_of(eth_dev);

	/*
	 * The port may have been made by another driver in the primary (the
	 * secondary's probe order can differ): never take its state for ours.
	 */
	if (net == NULL || net->magic != VIREO_NET_MAGIC) {
		VIREO_LOG_NODEV(ERR,
				"%s: the primary process does not drive this port with net_vireo: "
				"not attaching",
				eth_dev->data->name);
		return -EINVAL;
	}
	eth_dev->dev_ops = &vireo_eth_dev_ops_secondary;
	if (datapath) {
		eth_dev->rx_pkt_burst = vireo_rx_burst;
		eth_dev->tx_pkt_burst = vireo_tx_burst;
		eth_dev->tx_pkt_prepare = vireo_tx_prepare;
	} else {
		/* Queues that cannot be notified from here: no data path, the rest works. */
		VIREO_LOG(NOTICE, net,
			  "no data path in this secondary process (stats and info only)");
		eth_dev->rx_pkt_burst = rte_eth_pkt_burst_dummy;
		eth_dev->tx_pkt_burst = rte_eth_pkt_burst_dummy;
		eth_dev->tx_pkt_prepare = NULL;
	}
	VIREO_LOG(NOTICE, net, "attached in a secondary process (port %u)", eth_dev->data->port_id);
	return 0;
}
