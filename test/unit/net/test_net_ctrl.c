/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_vireo configuration and control queue: feature-driven capabilities,
 * configure/setup errors, promiscuous/allmulticast, MAC address and filter
 * table, multicast list, VLAN filter, multi-queue, MTU, and what happens
 * without a control queue.
 */
#include <rte_errno.h>

#include "net_fixture.h"
#include "vireo_net.h"

static const struct rte_ether_addr mac_a = { { 0x02, 0, 0, 0, 0, 0xa } };
static const struct rte_ether_addr mac_b = { { 0x02, 0, 0, 0, 0, 0xb } };
static const struct rte_ether_addr mc_a = { { 0x01, 0, 0x5e, 0, 0, 1 } };

static uint64_t
ctrl_cmds(struct net_fx *fx)
{
	return __atomic_load_n(&fx->model.ctrl_cmds, __ATOMIC_ACQUIRE);
}

static void
test_rx_modes(void **state)
{
	struct net_fx fx;

	RTE_SET_USED(state);
	fx_create(&fx, &(struct net_fx_params){ 0 });
	/* Stopped: recorded, sent by ethdev's replay after start. */
	assert_int_equal(rte_eth_promiscuous_enable(fx.port), 0);
	assert_int_equal(rte_eth_allmulticast_enable(fx.port), 0);
	assert_int_equal(ctrl_cmds(&fx), 0);
	assert_int_equal(fx_start(&fx, 1, 256, 0, 0), 0);
	assert_int_equal(fx.model.promisc, 1);
	assert_int_equal(fx.model.allmulti, 1);
	assert_int_equal(rte_eth_promiscuous_disable(fx.port), 0);
	assert_int_equal(fx.model.promisc, 0);
	assert_int_equal(rte_eth_allmulticast_disable(fx.port), 0);
	assert_int_equal(fx.model.allmulti, 0);
	assert_int_equal(rte_eth_promiscuous_get(fx.port), 0);
	/* A device that refuses: the error reaches the caller, state unchanged. */
	fx.model.ctrl_reject = true;
	assert_int_equal(rte_eth_promiscuous_enable(fx.port), -EIO);
	assert_int_equal(rte_eth_promiscuous_get(fx.port), 0);
	fx.model.ctrl_reject = false;
	fx_destroy(&fx);
}

static void
test_mac_addresses(void **state)
{
	struct net_fx fx;
	struct rte_ether_addr mc[2] = { mc_a, { { 0x33, 0x33, 0, 0, 0, 1 } } };

	RTE_SET_USED(state);
	fx_create(&fx, &(struct net_fx_params){ 0 });
	assert_int_equal(fx_start(&fx, 1, 256, 0, 0), 0);
	/* Replayed at start: the default address. */
	assert_true(fx.model.mac_set);
	assert_memory_equal(fx.model.mac, fx_mac, 6);

	assert_int_equal(rte_eth_dev_default_mac_addr_set(fx.port, (struct rte_ether_addr *)&mac_a),
			 0);
	assert_memory_equal(fx.model.mac, mac_a.addr_bytes, 6);

	assert_int_equal(rte_eth_dev_mac_addr_add(fx.port, (struct rte_ether_addr *)&mac_b, 0), 0);
	assert_int_equal(fx.model.uc_count, 1);
	assert_memory_equal(fx.model.uc[0], mac_b.addr_bytes, 6);
	assert_int_equal(rte_eth_dev_set_mc_addr_list(fx.port, mc, 2), 0);
	assert_int_equal(fx.model.uc_count, 1);
	assert_int_equal(fx.model.mc_count, 2);
	assert_memory_equal(fx.model.mc[1], mc[1].addr_bytes, 6);
	assert_int_equal(rte_eth_dev_mac_addr_remove(fx.port, (struct rte_ether_addr *)&mac_b), 0);
	assert_int_equal(fx.model.uc_count, 0);
	assert_int_equal(fx.model.mc_count, 2);

	/* After a restart the device learns the table again. */
	assert_int_equal(rte_eth_dev_stop(fx.port), 0);
	memset(fx.model.mac, 0, 6);
	fx.model.mc_count = 0;
	assert_int_equal(rte_eth_dev_start(fx.port), 0);
	assert_memory_equal(fx.model.mac, mac_a.addr_bytes, 6);
	assert_int_equal(fx.model.mc_count, 2);
	/* ethdev's way to flush the list is (NULL, 0); found by fuzz_net_ctrl (UBSan). */
	assert_int_equal(rte_eth_dev_set_mc_addr_list(fx.port, NULL, 0), 0);
	assert_int_equal(fx.model.mc_count, 0);
	fx_destroy(&fx);
}

static void
test_vlan_filter(void **state)
{
	struct net_fx fx;

	RTE_SET_USED(state);
	fx_create(&fx, &(struct net_fx_params){ 0 });
	/* Without the offload configured, ethdev refuses (and CTRL_VLAN stays off). */
	assert_int_equal(fx_start(&fx, 1, 256, 0, 0), 0);
	assert_int_not_equal(rte_eth_dev_vlan_filter(fx.port, 100, 1), 0);
	assert_int_equal(rte_eth_dev_stop(fx.port), 0);
	assert_int_equal(fx_start(&fx, 1, 256, RTE_ETH_RX_OFFLOAD_VLAN_FILTER, 0), 0);
	assert_int_equal(rte_eth_dev_vlan_filter(fx.port, 100, 1), 0);
	assert_int_equal(rte_eth_dev_vlan_filter(fx.port, 4095, 1), 0);
	assert_true(fx.model.vlans[100 / 64] & (UINT64_C(1) << (100 % 64)));
	assert_int_equal(rte_eth_dev_vlan_filter(fx.port, 4095, 0), 0);
	assert_false(fx.model.vlans[4095 / 64] & (UINT64_C(1) << (4095 % 64)));
	/* Replayed after a restart (the device forgot everything at reset). */
	assert_int_equal(rte_eth_dev_stop(fx.port), 0);
	memset(fx.model.vlans, 0, sizeof(fx.model.vlans));
	assert_int_equal(rte_eth_dev_start(fx.port), 0);
	assert_true(fx.model.vlans[100 / 64] & (UINT64_C(1) << (100 % 64)));
	fx_destroy(&fx);
}

static void
test_no_ctrl_queue(void **state)
{
	struct net_fx fx;
	struct rte_eth_dev_info info;

	RTE_SET_USED(state);
	fx_create(&fx, &(struct net_fx_params){ .features = VIO_BIT(VIO_F_VERSION_1) |
							    VIO_BIT(VIO_NET_F_MAC) });
	assert_int_equal(rte_eth_dev_info_get(fx.port, &info), 0);
	assert_int_equal(info.max_mac_addrs, 1);
	assert_int_equal(info.rx_offload_capa, 0);
	assert_int_equal(info.tx_offload_capa, RTE_ETH_TX_OFFLOAD_MULTI_SEGS);
	/* Start succeeds: ethdev tolerates -ENOTSUP when replaying modes. */
	assert_int_equal(fx_start(&fx, 1, 256, 0, 0), 0);
	assert_int_equal(rte_eth_promiscuous_enable(fx.port), -ENOTSUP);
	assert_int_equal(rte_eth_allmulticast_enable(fx.port), -ENOTSUP);
	assert_int_equal(rte_eth_dev_default_mac_addr_set(fx.port, (struct rte_ether_addr *)&mac_a),
			 -ENOTSUP);
	/* Offloads the device lacks: configure fails with a clear error. */
	assert_int_equal(rte_eth_dev_stop(fx.port), 0);
	assert_int_not_equal(fx_start(&fx, 1, 256, RTE_ETH_RX_OFFLOAD_SCATTER, 0), 0);
	assert_int_not_equal(fx_start(&fx, 1, 256, 0, RTE_ETH_TX_OFFLOAD_UDP_CKSUM), 0);
	assert_int_equal(ctrl_cmds(&fx), 0);
	fx_destroy(&fx);
}

static void
test_setup_errors(void **state)
{
	struct net_fx fx;
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_rxq_info qi;
	struct rte_mempool *small;

	RTE_SET_USED(state);
	fx_create(&fx, &(struct net_fx_params){ .qmax = 128 });
	/* One queue pair without MQ. */
	assert_int_equal(rte_eth_dev_configure(fx.port, 2, 2, &conf), -EINVAL);
	assert_int_equal(rte_eth_dev_configure(fx.port, 1, 1, &conf), 0);
	/*
	 * Above the device maximum: lowered to it (test_nb_desc_above_ring);
	 * below the minimum: refused; non-power-of-two: a 128 ring, 100 in use.
	 */
	assert_int_equal(rte_eth_rx_queue_setup(fx.port, 0, 16, 0, NULL, fx.mp), -EINVAL);
	assert_int_equal(rte_eth_tx_queue_setup(fx.port, 0, 31, 0, NULL), -EINVAL);
	assert_int_equal(rte_eth_rx_queue_setup(fx.port, 0, 100, 0, NULL, fx.mp), 0);
	assert_int_equal(rte_eth_rx_queue_info_get(fx.port, 0, &qi), 0);
	assert_int_equal(qi.nb_desc, 100);
	/* Mbufs too small for a 1500-byte MTU frame without scatter. */
	small = rte_pktmbuf_pool_create("fx_small", 64, 0, 0, 1024 + RTE_PKTMBUF_HEADROOM,
					SOCKET_ID_ANY);
	assert_non_null(small);
	assert_int_equal(rte_eth_rx_queue_setup(fx.port, 0, 64, 0, NULL, small), -EINVAL);
	/* A queue that was never set up: start fails, nothing leaks. */
	assert_int_equal(rte_eth_dev_start(fx.port), -EINVAL);
	conf.rxmode.offloads = RTE_ETH_RX_OFFLOAD_SCATTER;
	assert_int_equal(rte_eth_dev_configure(fx.port, 1, 1, &conf), 0);
	assert_int_equal(rte_eth_rx_queue_setup(fx.port, 0, 64, 0, NULL, small), 0);
	assert_int_equal(rte_eth_tx_queue_setup(fx.port, 0, 64, 0, NULL), 0);
	assert_int_equal(rte_eth_dev_start(fx.port), 0);
	/* Without scatter these mbufs could not take a 9000 MTU: with it they can. */
	assert_int_equal(rte_eth_dev_set_mtu(fx.port, 9000), 0);
	assert_int_equal(rte_eth_dev_set_mtu(fx.port, 9001), -EINVAL);
	assert_int_equal(rte_eth_dev_stop(fx.port), 0);
	assert_int_equal(rte_eth_dev_close(fx.port), 0);
	fx.port_open = false;
	rte_mempool_free(small);
	fx_destroy(&fx);
}

static void
test_device_mtu(void **state)
{
	struct net_fx fx;
	struct rte_eth_dev_info info;

	RTE_SET_USED(state);
	fx_create(&fx, &(struct net_fx_params){ .features = FX_FEATURES | VIO_BIT(VIO_NET_F_MTU),
						.cfg_mtu = 4000 });
	assert_int_equal(rte_eth_dev_info_get(fx.port, &info), 0);
	assert_int_equal(info.max_mtu, 4000);
	assert_int_equal(fx_start(&fx, 1, 256, RTE_ETH_RX_OFFLOAD_SCATTER, 0), 0);
	assert_int_equal(rte_eth_dev_set_mtu(fx.port, 4000), 0);
	assert_int_not_equal(rte_eth_dev_set_mtu(fx.port, 4001), 0);
	fx_destroy(&fx);
}

static void
test_multi_queue(void **state)
{
	struct net_fx fx;
	struct rte_eth_dev_info info;
	struct rte_mbuf *tx[8], *rx[8];
	unsigned int got = 0;

	RTE_SET_USED(state);
	fx_create(&fx, &(struct net_fx_params){ .features = FX_FEATURES | VIO_BIT(VIO_NET_F_MQ),
						.pairs = 2 });
	assert_int_equal(rte_eth_dev_info_get(fx.port, &info), 0);
	assert_int_equal(info.max_rx_queues, 2);
	assert_int_equal(fx_start(&fx, 2, 256, 0, 0), 0);
	assert_int_equal(fx.model.mq_pairs, 2);
	/* Queue pair 1 is virtqueues 2 and 3; the control queue is 4. */
	for (unsigned int i = 0; i < 8; i++)
		tx[i] = fx_pkt(&fx, 100 + i, 1, (uint8_t)i);
	assert_int_equal(fx_tx_all(&fx, 1, tx, 8, 2000), 8);
	for (uint64_t end = rte_get_timer_cycles() + rte_get_timer_hz();
	     got < 8 && rte_get_timer_cycles() < end;)
		got += rte_eth_rx_burst(fx.port, 1, rx + got, 8);
	assert_int_equal(got, 8);
	assert_int_equal(rte_eth_rx_burst(fx.port, 0, rx, 8), 0);
	for (unsigned int i = 0; i < 8; i++)
		fx_check_pkt(rx[i], 100 + i, (uint8_t)i);
	rte_pktmbuf_free_bulk(rx, 8);
	assert_int_equal(fx_xstat(&fx, "tx_q1_packets"), 8);
	assert_int_equal(fx_xstat(&fx, "rx_q1_packets"), 8);
	/* One pair: MQ is not needed, not negotiated, no VQ_PAIRS_SET. */
	assert_int_equal(rte_eth_dev_stop(fx.port), 0);
	fx.model.mq_pairs = 0;
	assert_int_equal(fx_start(&fx, 1, 256, 0, 0), 0);
	assert_int_equal(fx.model.mq_pairs, 0);
	/* More rx or more tx queues are fine, more pairs than the device's are not. */
	assert_int_equal(rte_eth_dev_stop(fx.port), 0);
	struct rte_eth_conf conf = { 0 };
	assert_int_equal(rte_eth_dev_configure(fx.port, 1, 2, &conf), 0);
	assert_int_equal(rte_eth_dev_configure(fx.port, 2, 1, &conf), 0);
	assert_int_equal(rte_eth_dev_configure(fx.port, 0, 2, &conf), -EINVAL);
	assert_int_equal(rte_eth_dev_configure(fx.port, 3, 3, &conf), -EINVAL);
	fx_destroy(&fx);
}

/*
 * Section 5.1.6.5.6.1: every virtqueue of every pair in use is set up
 * before VQ_PAIRS_SET enables them, also the transmit queue of a pair the
 * application has no tx queue for (2 rx queues, 1 tx queue).
 */
static void
test_more_rx_than_tx_queues(void **state)
{
	struct net_fx fx;
	struct rte_eth_conf conf = { 0 };
	struct rte_mbuf *tx[16], *rx[16];
	unsigned int got0 = 0, got1 = 0;

	RTE_SET_USED(state);
	fx_create(&fx, &(struct net_fx_params){ .features = FX_FEATURES | VIO_BIT(VIO_NET_F_MQ),
						.pairs = 2 });
	assert_int_equal(rte_eth_dev_configure(fx.port, 2, 1, &conf), 0);
	assert_int_equal(rte_eth_rx_queue_setup(fx.port, 0, 64, 0, NULL, fx.mp), 0);
	assert_int_equal(rte_eth_rx_queue_setup(fx.port, 1, 64, 0, NULL, fx.mp), 0);
	assert_int_equal(rte_eth_tx_queue_setup(fx.port, 0, 64, 0, NULL), 0);
	assert_int_equal(rte_eth_dev_start(fx.port), 0);
	assert_int_equal(fx.model.mq_pairs, 2);
	assert_int_equal(fx.model.mq_enabled, 0xf);
	/* The device spreads what tx queue 0 sends over both rx queues. */
	fx.model.rr_rx = true;
	for (unsigned int i = 0; i < 16; i++)
		tx[i] = fx_pkt(&fx, 100 + i, 1, (uint8_t)i);
	assert_int_equal(fx_tx_all(&fx, 0, tx, 16, 2000), 16);
	for (uint64_t end = rte_get_timer_cycles() + 2 * rte_get_timer_hz();
	     got0 + got1 < 16 && rte_get_timer_cycles() < end;) {
		got0 += rte_eth_rx_burst(fx.port, 0, rx + got0 + got1, 16);
		got1 += rte_eth_rx_burst(fx.port, 1, rx + got0 + got1, 16);
	}
	assert_int_equal(got0, 8);
	assert_int_equal(got1, 8);
	rte_pktmbuf_free_bulk(rx, 16);
	/* Restart: the spare transmit queue is created again. */
	assert_int_equal(rte_eth_dev_stop(fx.port), 0);
	fx.model.mq_enabled = 0;
	assert_int_equal(rte_eth_dev_start(fx.port), 0);
	assert_int_equal(fx.model.mq_enabled, 0xf);
	fx_destroy(&fx);
}

/* Receive every one of @p want frames on rx queue 0, within 2 s. */
static unsigned int
rx_all_q0(struct net_fx *fx, struct rte_mbuf **rx, unsigned int want)
{
	unsigned int got = 0;

	for (uint64_t end = rte_get_timer_cycles() + 2 * rte_get_timer_hz();
	     got < want && rte_get_timer_cycles() < end;)
		got += rte_eth_rx_burst(fx->port, 0, rx + got, (uint16_t)(want - got));
	return got;
}

/*
 * More tx than rx queues (Open vSwitch's default on a multi-queue NIC: one
 * rx queue, a tx queue per thread): every pair is in use, so the device
 * steers received frames to the receive queues of all of them; rx queue 0
 * polls them all (fan-in) and loses none. Its counters include them, also
 * after a stop.
 */
static void
test_more_tx_than_rx_queues(void **state)
{
	struct net_fx fx;
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_stats stats;
	struct rte_mbuf *tx[16], *rx[16];

	RTE_SET_USED(state);
	fx_create(&fx, &(struct net_fx_params){ .features = FX_FEATURES | VIO_BIT(VIO_NET_F_MQ),
						.pairs = 3 });
	assert_int_equal(rte_eth_dev_configure(fx.port, 1, 3, &conf), 0);
	assert_int_equal(rte_eth_rx_queue_setup(fx.port, 0, 64, 0, NULL, fx.mp), 0);
	for (uint16_t q = 0; q < 3; q++)
		assert_int_equal(rte_eth_tx_queue_setup(fx.port, q, 64, 0, NULL), 0);
	assert_int_equal(rte_eth_dev_start(fx.port), 0);
	assert_int_equal(fx.model.mq_pairs, 3);
	assert_int_equal(fx.model.mq_enabled, 0x3f);
	/* Round robin over the three receive queues: one in three to each. */
	fx.model.rr_rx = true;
	for (unsigned int i = 0; i < 15; i++)
		tx[i] = fx_pkt(&fx, 100 + i, 1, (uint8_t)i);
	assert_int_equal(fx_tx_all(&fx, 0, tx, 5, 2000), 5);
	assert_int_equal(fx_tx_all(&fx, 1, tx + 5, 5, 2000), 5);
	assert_int_equal(fx_tx_all(&fx, 2, tx + 10, 5, 2000), 5);
	assert_int_equal(rx_all_q0(&fx, rx, 15), 15);
	assert_int_equal(rte_eth_rx_burst(fx.port, 0, rx + 15, 1), 0);
	rte_pktmbuf_free_bulk(rx, 15);
	assert_int_equal(rte_eth_stats_get(fx.port, &stats), 0);
	assert_int_equal(stats.ipackets, 15);
	assert_int_equal(stats.q_ipackets[0], 15);
	assert_int_equal(fx_xstat(&fx, "rx_q0_packets"), 15);
	/* Restart: the fan-in queues come back, the counters stay. */
	assert_int_equal(rte_eth_dev_stop(fx.port), 0);
	assert_int_equal(rte_eth_stats_get(fx.port, &stats), 0);
	assert_int_equal(stats.q_ipackets[0], 15);
	fx.model.mq_enabled = 0;
	assert_int_equal(rte_eth_dev_start(fx.port), 0);
	assert_int_equal(fx.model.mq_enabled, 0x3f);
	for (unsigned int i = 0; i < 6; i++)
		tx[i] = fx_pkt(&fx, 200 + i, 1, (uint8_t)i);
	assert_int_equal(fx_tx_all(&fx, 1, tx, 6, 2000), 6);
	assert_int_equal(rx_all_q0(&fx, rx, 6), 6);
	rte_pktmbuf_free_bulk(rx, 6);
	assert_int_equal(fx_xstat(&fx, "rx_q0_packets"), 21);
	assert_int_equal(rte_eth_stats_reset(fx.port), 0);
	assert_int_equal(fx_xstat(&fx, "rx_q0_packets"), 0);
	fx_destroy(&fx);
}

static void
test_dev_reset(void **state)
{
	struct net_fx fx;
	struct rte_mbuf *m, *rx[1];

	RTE_SET_USED(state);
	fx_create(&fx, &(struct net_fx_params){ 0 });
	assert_int_equal(fx_start(&fx, 1, 128, 0, 0), 0);
	/* Reset: queues are gone, the application sets everything up again. */
	assert_int_equal(rte_eth_dev_reset(fx.port), 0);
	assert_int_equal(rte_eth_dev_start(fx.port), -EINVAL);
	assert_int_equal(fx_start(&fx, 1, 64, 0, 0), 0);
	m = fx_pkt(&fx, 200, 1, 5);
	assert_int_equal(fx_tx_all(&fx, 0, &m, 1, 1000), 1);
	assert_int_equal(fx_rx_wait(&fx, 0, rx, 1, 1000), 1);
	fx_check_pkt(rx[0], 200, 5);
	rte_pktmbuf_free(rx[0]);
	fx_destroy(&fx);
}

/*
 * Section 5.1.2: the control queue is 2 * max_virtqueue_pairs, the device's
 * value, even when the port can use fewer pairs (RTE_MAX_QUEUES_PER_PORT).
 */
/* A control queue too small for one command (4 descriptors) is not used. */
static void
test_ctrl_queue_too_small(void **state)
{
	struct net_fx fx;
	struct rte_eth_dev_info info;

	RTE_SET_USED(state);
	fx_create(&fx, &(struct net_fx_params){ .ctrl_qmax = 2 });
	assert_int_equal(rte_eth_dev_info_get(fx.port, &info), 0);
	assert_int_equal(info.max_mac_addrs, 1);
	assert_int_equal(fx_start(&fx, 1, 256, 0, 0), 0);
	assert_int_equal(rte_eth_promiscuous_enable(fx.port), -ENOTSUP);
	assert_int_equal(ctrl_cmds(&fx), 0);
	fx_destroy(&fx);
}

/* A config area too short for MAC and STATUS: probe works without them. */
static void
test_short_device_config(void **state)
{
	struct net_fx fx;
	struct rte_eth_link link;
	struct rte_ether_addr mac;

	RTE_SET_USED(state);
	fx_create(&fx, &(struct net_fx_params){ .config_len = 4 });
	assert_int_equal(rte_eth_macaddr_get(fx.port, &mac), 0);
	assert_true(rte_is_valid_assigned_ether_addr(&mac));
	assert_int_equal(fx_start(&fx, 1, 256, 0, 0), 0);
	assert_int_equal(rte_eth_link_get_nowait(fx.port, &link), 0);
	assert_int_equal(link.link_status, RTE_ETH_LINK_UP);
	fx_destroy(&fx);
}

/* A later pair with smaller rings lowers the advertised limit; a missing one ends the pairs. */
static void
test_ring_limits_all_pairs(void **state)
{
	struct net_fx fx;
	struct rte_eth_dev_info info;

	RTE_SET_USED(state);
	fx_create(&fx, &(struct net_fx_params){ .features = FX_FEATURES | VIO_BIT(VIO_NET_F_MQ),
						.pairs = 3,
						.no_port = true });
	swdev_set_queue_max(fx.sw, 3, 64); /* tx of pair 1 */
	swdev_set_queue_max(fx.sw, 4, 0);  /* rx of pair 2: missing */
	fx_open_port(&fx);
	assert_int_equal(rte_eth_dev_info_get(fx.port, &info), 0);
	assert_int_equal(info.max_rx_queues, 2);
	assert_int_equal(info.default_rxportconf.ring_size, 256);
	assert_int_equal(info.default_txportconf.ring_size, 64);
	assert_int_equal(fx_start(&fx, 2, 64, 0, 0), 0);
	fx_destroy(&fx);
}

/*
 * Open vSwitch asks for 2048 descriptors whatever the device's ring holds:
 * accepted, as upstream net_virtio does, and lowered to each ring (rx 256,
 * tx 64 on pair 1 here), which rxq/txq_info then report.
 */
static void
test_nb_desc_above_ring(void **state)
{
	struct net_fx fx;
	struct rte_eth_rxq_info rqi;
	struct rte_eth_txq_info tqi;

	RTE_SET_USED(state);
	fx_create(&fx, &(struct net_fx_params){ .features = FX_FEATURES | VIO_BIT(VIO_NET_F_MQ),
						.pairs = 2,
						.nb_mbufs = 1024,
						.no_port = true });
	swdev_set_queue_max(fx.sw, 3, 64); /* tx of pair 1 */
	fx_open_port(&fx);
	assert_int_equal(fx_start(&fx, 2, 2048, 0, 0), 0);
	assert_int_equal(rte_eth_rx_queue_info_get(fx.port, 1, &rqi), 0);
	assert_int_equal(rqi.nb_desc, 256);
	assert_int_equal(rte_eth_tx_queue_info_get(fx.port, 1, &tqi), 0);
	assert_int_equal(tqi.nb_desc, 64);
	assert_int_equal(fx.sw->q[2].cfg.size, 256);
	assert_int_equal(fx.sw->q[3].cfg.size, 64);
	fx_destroy(&fx);
}

static void
test_ctrl_index_many_pairs(void **state)
{
	const uint16_t pairs = RTE_MAX_QUEUES_PER_PORT + 8;
	struct net_fx fx;
	struct rte_eth_dev_info info;

	RTE_SET_USED(state);
	fx_create(&fx, &(struct net_fx_params){ .features = FX_FEATURES | VIO_BIT(VIO_NET_F_MQ),
						.pairs = pairs,
						.qmax = 64 });
	assert_int_equal(rte_eth_dev_info_get(fx.port, &info), 0);
	assert_int_equal(info.max_rx_queues, RTE_MAX_QUEUES_PER_PORT);
	assert_int_equal(fx_start(&fx, 2, 64, 0, 0), 0);
	assert_int_equal(fx.model.mq_pairs, 2);
	assert_int_equal(rte_eth_promiscuous_disable(fx.port), 0);
	assert_int_equal(fx.model.promisc, 0);
	fx_destroy(&fx);
}

/*
 * The ops a secondary process gets (vireo_mp.c), on a port the "primary"
 * started: reads work, every change is refused with -E_RTE_SECONDARY, and
 * nothing reaches the device (no reset, no control command).
 */
static void
test_secondary_ops(void **state)
{
	struct net_fx fx;
	struct rte_eth_dev *dev;
	const struct eth_dev_ops *primary_ops;
	eth_rx_burst_t rx;
	eth_tx_burst_t tx;
	eth_tx_prep_t prep;
	struct rte_eth_dev_info info;
	struct rte_eth_stats stats;
	struct rte_eth_link link;
	struct rte_ether_addr mac = { { 0x02, 0, 0, 0, 0, 9 } };
	unsigned int cmds;
	uint64_t magic;

	RTE_SET_USED(state);
	fx_create(&fx, &(struct net_fx_params){ 0 });
	assert_int_equal(fx_start(&fx, 1, 256, 0, 0), 0);
	dev = &rte_eth_devices[fx.port];
	primary_ops = dev->dev_ops;
	rx = dev->rx_pkt_burst;
	tx = dev->tx_pkt_burst;
	prep = dev->tx_pkt_prepare;
	cmds = ctrl_cmds(&fx);

	/* A port another driver made (no magic) is not taken. */
	magic = ((struct vireo_net *)dev->data->dev_private)->magic;
	((struct vireo_net *)dev->data->dev_private)->magic = 0;
	assert_int_equal(vireo_net_attach_secondary(dev, true), -EINVAL);
	((struct vireo_net *)dev->data->dev_private)->magic = magic;
	assert_ptr_equal(dev->dev_ops, primary_ops);

	assert_int_equal(vireo_net_attach_secondary(dev, false), 0);
	assert_ptr_equal(dev->rx_pkt_burst, rte_eth_pkt_burst_dummy);
	assert_int_equal(vireo_net_attach_secondary(dev, true), 0);
	assert_ptr_equal(dev->rx_pkt_burst, rx);
	assert_int_equal(rte_eth_dev_info_get(fx.port, &info), 0);
	assert_int_equal(info.max_rx_queues, 1);
	assert_int_equal(rte_eth_stats_get(fx.port, &stats), 0);
	assert_int_equal(rte_eth_xstats_get(fx.port, NULL, 0) > 0, true);
	assert_int_equal(rte_eth_link_get_nowait(fx.port, &link), 0);
	assert_int_equal(link.link_status, RTE_ETH_LINK_UP); /* as the primary recorded it */

	assert_int_equal(rte_eth_dev_stop(fx.port), -E_RTE_SECONDARY);
	assert_int_equal(rte_eth_dev_set_mtu(fx.port, 1400), -E_RTE_SECONDARY);
	assert_int_equal(rte_eth_promiscuous_enable(fx.port), -E_RTE_SECONDARY);
	assert_int_equal(rte_eth_allmulticast_enable(fx.port), -E_RTE_SECONDARY);
	assert_int_equal(rte_eth_dev_default_mac_addr_set(fx.port, &mac), -E_RTE_SECONDARY);
	assert_int_equal(rte_eth_dev_mac_addr_add(fx.port, &mac, 0), -E_RTE_SECONDARY);
	assert_int_equal(rte_eth_dev_vlan_filter(fx.port, 5, 1), -ENOSYS); /* offload off */
	assert_int_equal(rte_eth_dev_set_mc_addr_list(fx.port, &mac, 1), -E_RTE_SECONDARY);
	assert_int_equal(rte_eth_dev_set_ptypes(fx.port, RTE_PTYPE_UNKNOWN, NULL, 0),
			 -E_RTE_SECONDARY);
	/* Still running, untouched: no reset, no control command. */
	assert_true(rte_eth_devices[fx.port].data->dev_started);
	assert_true(fx.sw->status & VIO_STATUS_DRIVER_OK);
	assert_int_equal(ctrl_cmds(&fx), cmds);
	/* A secondary's close releases nothing of the device. */
	assert_int_equal(dev->dev_ops->dev_close(dev), 0);
	assert_true(fx.sw->status & VIO_STATUS_DRIVER_OK);
	/*
	 * Start and configure of a stopped port are refused too (configure
	 * through the op: a failed rte_eth_dev_configure() would unconfigure
	 * the primary's port).
	 */
	dev->data->dev_started = 0;
	assert_int_equal(rte_eth_dev_start(fx.port), -E_RTE_SECONDARY);
	dev->data->dev_started = 1;
	assert_int_equal(dev->dev_ops->dev_configure(dev), -E_RTE_SECONDARY);

	dev->dev_ops = primary_ops;
	dev->rx_pkt_burst = rx;
	dev->tx_pkt_burst = tx;
	dev->tx_pkt_prepare = prep;
	fx_destroy(&fx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rx_modes),
		cmocka_unit_test(test_mac_addresses),
		cmocka_unit_test(test_vlan_filter),
		cmocka_unit_test(test_no_ctrl_queue),
		cmocka_unit_test(test_setup_errors),
		cmocka_unit_test(test_device_mtu),
		cmocka_unit_test(test_multi_queue),
		cmocka_unit_test(test_more_rx_than_tx_queues),
		cmocka_unit_test(test_more_tx_than_rx_queues),
		cmocka_unit_test(test_dev_reset),
		cmocka_unit_test(test_ctrl_index_many_pairs),
		cmocka_unit_test(test_ctrl_queue_too_small),
		cmocka_unit_test(test_short_device_config),
		cmocka_unit_test(test_ring_limits_all_pairs),
		cmocka_unit_test(test_nb_desc_above_ring),
		cmocka_unit_test(test_secondary_ops),
	};

	return cmocka_run_group_tests(tests, fx_group_setup, fx_group_teardown);
}
