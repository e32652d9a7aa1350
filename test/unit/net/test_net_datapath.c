/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_vireo data path on a loopback software device: frames sent on tx
 * queue i come back on rx queue i byte for byte, through the header-in-
 * headroom and the chain tx paths, mergeable rx buffers, ring wrap, a full
 * ring, mempool exhaustion, drops and offload headers.
 */
#include "net_fixture.h"

#include <pthread.h>

#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_net.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#define NPKT 600

static struct rte_mbuf *tx_pkts[NPKT];
static struct rte_mbuf *rx_pkts[NPKT];

/* Send @p n frames and receive them, interleaving bursts; @return received. */
static unsigned int
pump(struct net_fx *fx, struct rte_mbuf **tx, unsigned int n, struct rte_mbuf **rx,
     uint16_t rx_burst)
{
	uint64_t deadline = rte_get_timer_cycles() + 5 * rte_get_timer_hz();
	unsigned int sent = 0, got = 0;

	while (got < n && rte_get_timer_cycles() < deadline) {
		if (sent < n)
			sent += rte_eth_tx_burst(fx->port, 0, tx + sent,
						 (uint16_t)RTE_MIN(n - sent, 32u));
		got += rte_eth_rx_burst(fx->port, 0, rx + got,
					(uint16_t)RTE_MIN(n - got, (unsigned int)rx_burst));
	}
	return got;
}

static void
free_all(struct rte_mbuf **p, unsigned int n)
{
	rte_pktmbuf_free_bulk(p, n);
}

static uint32_t
frame_len(unsigned int i)
{
	static const uint32_t lens[] = { 60, 64, 65, 127, 128, 200, 511, 512, 1000, 1024, 1514 };

	return lens[i % RTE_DIM(lens)];
}

static void
test_info_and_link(void **state)
{
	struct net_fx fx;
	struct rte_eth_dev_info info;
	struct rte_eth_link link;
	struct rte_ether_addr mac;

	RTE_SET_USED(state);
	fx_create(&fx, &(struct net_fx_params){ 0 });
	assert_int_equal(rte_eth_dev_info_get(fx.port, &info), 0);
	assert_string_equal(info.driver_name, "net_vireo");
	assert_int_equal(info.max_rx_queues, 1);
	assert_int_equal(info.rx_desc_lim.nb_max, UINT16_MAX);
	assert_int_equal(info.default_rxportconf.ring_size, 256);
	assert_true(info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER);
	assert_true(info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_UDP_CKSUM);
	assert_false(info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_TCP_LRO);
	assert_true(info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_TCP_CKSUM);
	assert_false(info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_TCP_TSO);
	assert_int_equal(rte_eth_macaddr_get(fx.port, &mac), 0);
	assert_memory_equal(mac.addr_bytes, fx_mac, 6);

	rte_eth_link_get_nowait(fx.port, &link);
	assert_int_equal(link.link_status, RTE_ETH_LINK_DOWN);
	assert_int_equal(fx_start(&fx, 1, 256, 0, 0), 0);
	rte_eth_link_get_nowait(fx.port, &link);
	assert_int_equal(link.link_status, RTE_ETH_LINK_UP);
	/* The fixture offers IN_ORDER: both ring layouts take it. */
	assert_true(fx.sw->driver_features & VIO_BIT(VIO_F_IN_ORDER));
	/* STATUS negotiated: the device's link state is reported. */
	uint16_t down = 0;
	swdev_config_update(fx.sw, offsetof(struct vio_net_config, status), &down, 2);
	rte_eth_link_get_nowait(fx.port, &link);
	assert_int_equal(link.link_status, RTE_ETH_LINK_DOWN);
	fx_destroy(&fx);
}

static void
test_loopback_headroom_path(void **state)
{
	struct net_fx fx;
	struct rte_eth_stats st;
	uint64_t bytes = 0;

	RTE_SET_USED(state);
	fx_create(&fx, &(struct net_fx_params){ .nb_mbufs = 2048 });
	assert_int_equal(fx_start(&fx, 1, 256, 0, 0), 0);
	for (unsigned int i = 0; i < NPKT; i++) {
		tx_pkts[i] = fx_pkt(&fx, frame_len(i), 1, (uint8_t)i);
		bytes += frame_len(i);
	}
	assert_int_equal(pump(&fx, tx_pkts, NPKT, rx_pkts, 32), NPKT);
	for (unsigned int i = 0; i < NPKT; i++) {
		fx_check_pkt(rx_pkts[i], frame_len(i), (uint8_t)i);
		assert_int_equal(rx_pkts[i]->port, fx.port);
		assert_int_equal(rx_pkts[i]->nb_segs, 1);
	}
	free_all(rx_pkts, NPKT);
	/* Every packet was one descriptor: the header went into the headroom. */
	assert_int_equal(fx.model.tx_nseg[1], NPKT);
	/*
	 * In order on packed rings, the device completes tx in batches with
	 * one used descriptor each (section 2.8.20), as DPDK's vhost does.
	 */
	if (fx.sw->driver_features & VIO_BIT(VIO_F_RING_PACKED))
		assert_true(__atomic_load_n(&fx.sw->q[1].batched, __ATOMIC_RELAXED) > 0);
	assert_int_equal(rte_eth_stats_get(fx.port, &st), 0);
	assert_int_equal(st.opackets, NPKT);
	assert_int_equal(st.ipackets, NPKT);
	assert_int_equal(st.obytes, bytes);
	assert_int_equal(st.ibytes, bytes);
	assert_int_equal(st.ierrors + st.oerrors + st.rx_nombuf, 0);
	assert_int_equal(fx_xstat(&fx, "rx_q0_size_64_packets") +
				 fx_xstat(&fx, "rx_q0_size_65_to_127_packets") +
				 fx_xstat(&fx, "rx_q0_size_128_to_255_packets") +
				 fx_xstat(&fx, "rx_q0_size_256_to_511_packets") +
				 fx_xstat(&fx, "rx_q0_size_512_to_1023_packets") +
				 fx_xstat(&fx, "rx_q0_size_1024_to_1518_packets"),
			 NPKT);
	assert_int_equal(fx_xstat(&fx, "tx_q0_size_1024_to_1518_packets"),
			 2 * (NPKT / 11) + (NPKT % 11 > 9));
	assert_int_equal(rte_eth_stats_reset(fx.port), 0);
	assert_int_equal(fx_xstat(&fx, "tx_q0_packets"), 0);
	fx_destroy(&fx);
}

static void
test_tx_chain_path(void **state)
{
	struct net_fx fx;
	struct rte_mbuf *shared, *clone, *nohead, *multi;
	struct rte_mbuf *rx[4];

	RTE_SET_USED(state);
	fx_create(&fx, &(struct net_fx_params){ 0 });
	assert_int_equal(fx_start(&fx, 1, 256, 0, RTE_ETH_TX_OFFLOAD_MULTI_SEGS), 0);
	/* Shared (refcnt 2): its headroom must not be written. */
	shared = fx_pkt(&fx, 300, 1, 1);
	rte_mbuf_refcnt_update(shared, 1);
	/* Indirect (a clone of a frame). */
	multi = fx_pkt(&fx, 400, 1, 2);
	clone = rte_pktmbuf_clone(multi, fx.mp);
	assert_non_null(clone);
	rte_pktmbuf_free(multi);
	/* No headroom left. */
	nohead = rte_pktmbuf_alloc(fx.mp);
	nohead->data_off = 0;
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(nohead, 100);
	for (unsigned int i = 0; i < 100; i++)
		p[i] = (uint8_t)(3 + 7 * i);
	/* Three segments. */
	multi = fx_pkt(&fx, 1500, 3, 4);

	struct rte_mbuf *tx[4] = { shared, clone, nohead, multi };
	assert_int_equal(pump(&fx, tx, 4, rx, 32), 4);
	fx_check_pkt(rx[0], 300, 1);
	fx_check_pkt(rx[1], 400, 2);
	fx_check_pkt(rx[2], 100, 3);
	fx_check_pkt(rx[3], 1500, 4);
	free_all(rx, 4);
	/* Header descriptor + data: 2, 2, 2 and 1 + 3. */
	assert_int_equal(fx.model.tx_nseg[2], 3);
	assert_int_equal(fx.model.tx_nseg[4], 1);
	assert_int_equal(fx.model.tx_nseg[1], 0);
	/* Our reference to the shared frame is still valid and intact. */
	rte_eth_tx_done_cleanup(fx.port, 0, 0);
	assert_int_equal(rte_mbuf_refcnt_read(shared), 1);
	fx_check_pkt(shared, 300, 1);
	rte_pktmbuf_free(shared);
	fx_destroy(&fx);
}

static void
test_mergeable_rx(void **state)
{
	struct net_fx fx;
	struct rte_eth_conf conf = { 0 };
	static const uint32_t lens[] = { 60, 500, 512, 513, 1500, 3000, 8000, 9000 };
	const unsigned int n = 64;

	RTE_SET_USED(state);
	/* 512-byte mbufs: big frames span many mergeable buffers. */
	fx_create(&fx, &(struct net_fx_params){ .data_room = 512 + RTE_PKTMBUF_HEADROOM,
						.nb_mbufs = 2048 });
	conf.rxmode.offloads = RTE_ETH_RX_OFFLOAD_SCATTER;
	conf.txmode.offloads = RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	conf.rxmode.mtu = 9000;
	assert_int_equal(rte_eth_dev_configure(fx.port, 1, 1, &conf), 0);
	/* A 32-entry ring: chains and merged packets cross its end often. */
	assert_int_equal(rte_eth_rx_queue_setup(fx.port, 0, 256, 0, NULL, fx.mp), 0);
	assert_int_equal(rte_eth_tx_queue_setup(fx.port, 0, 32, 0, NULL), 0);
	assert_int_equal(rte_eth_dev_start(fx.port), 0);
	for (unsigned int i = 0; i < n; i++) {
		uint32_t len = lens[i % RTE_DIM(lens)];

		tx_pkts[i] = fx_pkt(&fx, len, (uint16_t)((len + 511) / 512), (uint8_t)i);
	}
	/* rx bursts of 1: a merged packet's buffers straddle bursts. */
	assert_int_equal(pump(&fx, tx_pkts, n / 2, rx_pkts, 1), n / 2);
	assert_int_equal(pump(&fx, tx_pkts + n / 2, n / 2, rx_pkts + n / 2, 32), n / 2);
	for (unsigned int i = 0; i < n; i++) {
		uint32_t len = lens[i % RTE_DIM(lens)];

		fx_check_pkt(rx_pkts[i], len, (uint8_t)i);
		assert_int_equal(rx_pkts[i]->nb_segs, (len + 12 + 523) / 524);
	}
	free_all(rx_pkts, n);
	assert_int_equal(fx.model.truncated, 0);
	assert_int_equal(fx_xstat(&fx, "rx_q0_errors"), 0);
	assert_int_equal(fx_xstat(&fx, "rx_q0_size_1519_to_max_packets"), 3 * n / 8);
	fx_destroy(&fx);
}

static void
test_ring_wrap_chains(void **state)
{
	struct net_fx fx;
	const unsigned int n = NPKT;

	RTE_SET_USED(state);
	fx_create(&fx, &(struct net_fx_params){ .qmax = 32, .nb_mbufs = 4096 });
	assert_int_equal(fx_start(&fx, 1, 32, 0, RTE_ETH_TX_OFFLOAD_MULTI_SEGS), 0);
	for (unsigned int i = 0; i < n; i++)
		tx_pkts[i] = fx_pkt(&fx, frame_len(i), (uint16_t)(1 + i % 5), (uint8_t)i);
	assert_int_equal(pump(&fx, tx_pkts, n, rx_pkts, 7), n);
	for (unsigned int i = 0; i < n; i++)
		fx_check_pkt(rx_pkts[i], frame_len(i), (uint8_t)i);
	free_all(rx_pkts, n);
	fx_destroy(&fx);
}

static void
test_ring_full_and_cleanup(void **state)
{
	struct net_fx fx;
	unsigned int got;

	RTE_SET_USED(state);
	fx_create(&fx, &(struct net_fx_params){ .qmax = 64 });
	assert_int_equal(fx_start(&fx, 1, 32, 0, 0), 0);
	fx_thread(&fx, false);
	for (unsigned int i = 0; i < 64; i++)
		tx_pkts[i] = fx_pkt(&fx, 100, 1, (uint8_t)i);
	/* A 32-descriptor ring takes 32 single-descriptor packets, then none. */
	assert_int_equal(rte_eth_tx_burst(fx.port, 0, tx_pkts, 64), 32);
	assert_int_equal(rte_eth_tx_burst(fx.port, 0, tx_pkts + 32, 32), 0);
	fx_process(&fx); /* the device sends them all into the rx ring */
	assert_int_equal(rte_eth_rx_burst(fx.port, 0, rx_pkts, 64), 32);
	/* The ring is reclaimed lazily by the next burst. */
	assert_int_equal(rte_eth_tx_burst(fx.port, 0, tx_pkts + 32, 32), 32);
	fx_process(&fx);
	got = rte_eth_rx_burst(fx.port, 0, rx_pkts + 32, 32);
	assert_int_equal(got, 32);
	for (unsigned int i = 0; i < 64; i++)
		fx_check_pkt(rx_pkts[i], 100, (uint8_t)i);
	free_all(rx_pkts, 64);
	/* tx_done_cleanup frees the 32 completed frames now. */
	unsigned int before = rte_mempool_avail_count(fx.mp);
	assert_int_equal(rte_eth_tx_done_cleanup(fx.port, 0, 0), 32);
	assert_int_equal(rte_mempool_avail_count(fx.mp), before + 32);
	assert_int_equal(rte_eth_tx_done_cleanup(fx.port, 0, 0), 0);
	fx_thread(&fx, true);
	fx_destroy(&fx);
}

/*
 * Sent frames go back to their own pools: runs of one pool are put in bulk,
 * a frame of another pool (or a multi-segment one, freed one by one) ends
 * the run. Frames alternate between two pools, in pairs and singly.
 */
static void
test_tx_free_pools(void **state)
{
	struct rte_mempool *mp2, *mp1;
	struct net_fx fx;
	unsigned int avail1, avail2;

	RTE_SET_USED(state);
	fx_create(&fx, &(struct net_fx_params){ .qmax = 64 });
	assert_int_equal(fx_start(&fx, 1, 64, 0, 0), 0);
	mp1 = fx.mp;
	mp2 = rte_pktmbuf_pool_create("tx_free_mp2", 64, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				      SOCKET_ID_ANY);
	assert_non_null(mp2);
	fx_thread(&fx, false);
	for (unsigned int i = 0; i < 32; i++) {
		/* pools: 1 2 2 1 2 2 1 ...; every fifth frame two segments */
		fx.mp = i % 3 == 0 ? mp1 : mp2;
		tx_pkts[i] = fx_pkt(&fx, 100, i % 5 == 4 ? 2 : 1, (uint8_t)i);
	}
	fx.mp = mp1;
	avail2 = rte_mempool_avail_count(mp2);
	assert_int_equal(avail2, 64 - 25);
	assert_int_equal(rte_eth_tx_burst(fx.port, 0, tx_pkts, 32), 32);
	fx_process(&fx);
	assert_int_equal(rte_eth_rx_burst(fx.port, 0, rx_pkts, 64), 32);
	for (unsigned int i = 0; i < 32; i++)
		fx_check_pkt(rx_pkts[i], 100, (uint8_t)i);
	free_all(rx_pkts, 32);
	avail1 = rte_mempool_avail_count(mp1);
	assert_int_equal(rte_eth_tx_done_cleanup(fx.port, 0, 0), 32);
	assert_int_equal(rte_mempool_avail_count(mp2), 64);
	/* 11 frames of pool 1 (two with two segments), 21 of pool 2 (four) */
	assert_int_equal(rte_mempool_avail_count(mp1), avail1 + 13);
	fx_thread(&fx, true);
	fx_destroy(&fx);
	rte_mempool_free(mp2);
}

static void
test_refill_failure(void **state)
{
	struct net_fx fx;
	struct rte_mbuf *extra;
	unsigned int got;

	RTE_SET_USED(state);
	/* 64 mbufs: 32 fill the rx ring, 32 are for the test. */
	fx_create(&fx, &(struct net_fx_params){ .qmax = 32, .nb_mbufs = 64 });
	assert_int_equal(fx_start(&fx, 1, 32, 0, 0), 0);
	assert_int_equal(rte_mempool_avail_count(fx.mp), 32);
	for (unsigned int i = 0; i < 32; i++)
		tx_pkts[i] = fx_pkt(&fx, 80, 1, (uint8_t)i);
	assert_int_equal(rte_mempool_avail_count(fx.mp), 0);
	/* All 32 come back; the refill finds the pool empty. */
	assert_int_equal(pump(&fx, tx_pkts, 32, rx_pkts, 32), 32);
	assert_true(fx_xstat(&fx, "rx_q0_mbuf_alloc_failures") > 0);
	/* The queue has no buffer now: a frame cannot arrive. */
	extra = rx_pkts[31];
	assert_int_equal(rte_eth_rx_burst(fx.port, 0, rx_pkts + 32, 1), 0);
	/* Give 5 mbufs back: one burst posts exactly those (partial bulk). */
	free_all(rx_pkts + 26, 5);
	assert_int_equal(rte_eth_rx_burst(fx.port, 0, rx_pkts + 26, 1), 0);
	assert_int_equal(rte_mempool_avail_count(fx.mp), 0);
	/* The completed tx frames are reclaimed; traffic flows again. */
	assert_int_equal(rte_eth_tx_done_cleanup(fx.port, 0, 0), 32);
	tx_pkts[0] = fx_pkt(&fx, 90, 1, 99);
	assert_int_equal(pump(&fx, tx_pkts, 1, rx_pkts + 26, 1), 1);
	fx_check_pkt(rx_pkts[26], 90, 99);
	free_all(rx_pkts, 27);
	rte_pktmbuf_free(extra);
	got = fx_rx_wait(&fx, 0, rx_pkts, 1, 50);
	assert_int_equal(got, 0);
	assert_int_equal(rte_eth_stats_get(fx.port, &(struct rte_eth_stats){ 0 }), 0);
	fx_destroy(&fx);
}

static void
test_tx_drops(void **state)
{
	struct net_fx fx;
	struct rte_eth_stats st;
	struct rte_mbuf *bad[3], *rx[2];

	RTE_SET_USED(state);
	fx_create(&fx, &(struct net_fx_params){ .nb_mbufs = 256 });
	assert_int_equal(fx_start(&fx, 1, 64, 0, RTE_ETH_TX_OFFLOAD_MULTI_SEGS), 0);
	bad[0] = fx_pkt(&fx, 2000, 2, 1);     /* above MTU 1500 */
	bad[1] = fx_pkt(&fx, 70 * 10, 70, 2); /* more segments than we chain */
	bad[2] = fx_pkt(&fx, 200, 1, 3);      /* fine */
	assert_int_equal(rte_eth_tx_prepare(fx.port, 0, bad, 3), 0);
	assert_int_equal(rte_errno, EINVAL);
	/* Dropped frames count as sent (consumed), are freed and counted. */
	assert_int_equal(rte_eth_tx_burst(fx.port, 0, bad, 3), 3);
	/* The good frame arrives (generous wait: loaded CI), and nothing else. */
	assert_int_equal(fx_rx_wait(&fx, 0, rx, 1, 5000), 1);
	fx_check_pkt(rx[0], 200, 3);
	rte_pktmbuf_free(rx[0]);
	assert_int_equal(fx_rx_wait(&fx, 0, rx, 1, 100), 0);
	assert_int_equal(rte_eth_stats_get(fx.port, &st), 0);
	assert_int_equal(st.oerrors, 2);
	assert_int_equal(st.opackets, 1);
	fx_destroy(&fx);
}

/* An Ethernet/IPv4/@p proto frame of @p len bytes; payload pattern from byte 42. */
static struct rte_mbuf *
ip_frame(struct net_fx *fx, uint8_t proto, uint32_t len)
{
	struct rte_mbuf *m = fx_pkt(fx, len, 1, 0);
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);

	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(len - sizeof(*eth)));
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	ip->src_addr = rte_cpu_to_be_32(0x0a000001);
	ip->dst_addr = rte_cpu_to_be_32(0x0a000002);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	if (proto == IPPROTO_UDP) {
		struct rte_udp_hdr *u = (struct rte_udp_hdr *)(ip + 1);

		u->dgram_len = rte_cpu_to_be_16((uint16_t)(len - sizeof(*eth) - sizeof(*ip)));
		u->dgram_cksum = 0;
	} else {
		struct rte_tcp_hdr *t = (struct rte_tcp_hdr *)(ip + 1);

		t->data_off = 5 << 4;
		t->cksum = 0;
	}
	m->l2_len = sizeof(*eth);
	m->l3_len = sizeof(*ip);
	m->l4_len = proto == IPPROTO_TCP ? sizeof(struct rte_tcp_hdr) : sizeof(struct rte_udp_hdr);
	return m;
}

static void
test_tx_csum_offload(void **state)
{
	struct net_fx fx;
	struct rte_mbuf *m, *rx[1];
	struct rte_ipv4_hdr *ip;
	const struct rte_tcp_hdr *t;
	uint16_t phdr;

	RTE_SET_USED(state);
	fx_create(&fx, &(struct net_fx_params){ 0 });
	assert_int_equal(fx_start(&fx, 1, 256, 0, RTE_ETH_TX_OFFLOAD_TCP_CKSUM), 0);
	m = ip_frame(&fx, IPPROTO_TCP, 200);
	m->ol_flags = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_CKSUM;
	assert_int_equal(rte_eth_tx_prepare(fx.port, 0, &m, 1), 1);
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
	phdr = rte_ipv4_phdr_cksum(ip, m->ol_flags);
	assert_int_equal(pump(&fx, &m, 1, rx, 1), 1);
	/* The device got a checksum request at the TCP header. */
	assert_int_equal(fx.model.last_tx_hdr.flags, VIO_NET_HDR_F_NEEDS_CSUM);
	assert_int_equal(fx.model.last_tx_hdr.csum_start, 34);
	assert_int_equal(fx.model.last_tx_hdr.csum_offset, 16);
	assert_int_equal(fx.model.last_tx_hdr.gso_type, VIO_NET_HDR_GSO_NONE);
	/* tx_prepare seeded the checksum field with the pseudo-header sum. */
	t = rte_pktmbuf_mtod_offset(rx[0], const struct rte_tcp_hdr *, 34);
	assert_int_equal(t->cksum, phdr);
	rte_pktmbuf_free(rx[0]);

	/* SCTP checksum, TSO: not offered by this device. */
	m = ip_frame(&fx, IPPROTO_TCP, 200);
	m->ol_flags = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_SCTP_CKSUM;
	assert_int_equal(rte_eth_tx_prepare(fx.port, 0, &m, 1), 0);
	assert_int_equal(rte_errno, ENOTSUP);
	m->ol_flags = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_SEG;
	m->tso_segsz = 100;
	assert_int_equal(rte_eth_tx_prepare(fx.port, 0, &m, 1), 0);
	assert_int_equal(rte_errno, ENOTSUP);
	/* An l3_len shorter than the IP header would make the pseudo-header
	 * sum read past it: rejected. */
	m->ol_flags = RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_TCP_CKSUM;
	m->l3_len = 20;
	assert_int_equal(rte_eth_tx_prepare(fx.port, 0, &m, 1), 0);
	assert_int_equal(rte_errno, EINVAL);
	rte_pktmbuf_free(m);
	fx_destroy(&fx);
}

static void
test_tx_tso_header(void **state)
{
	struct net_fx fx;
	struct rte_mbuf *m, *rx[1];
	struct rte_ipv4_hdr *ip;
	uint16_t phdr;

	RTE_SET_USED(state);
	fx_create(&fx, &(struct net_fx_params){ .features = FX_FEATURES |
							    VIO_BIT(VIO_NET_F_HOST_TSO4) });
	assert_int_equal(
		fx_start(&fx, 1, 256, 0, RTE_ETH_TX_OFFLOAD_TCP_TSO | RTE_ETH_TX_OFFLOAD_TCP_CKSUM),
		0);
	m = ip_frame(&fx, IPPROTO_TCP, 1400);
	m->ol_flags = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_SEG;
	m->tso_segsz = 500;
	assert_int_equal(rte_eth_tx_prepare(fx.port, 0, &m, 1), 1);
	/* Pseudo-header with the L4 length (Linux GSO adjusts it per segment). */
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
	phdr = rte_ipv4_phdr_cksum(ip, 0);
	assert_int_equal(pump(&fx, &m, 1, rx, 1), 1);
	assert_int_equal(fx.model.last_tx_hdr.gso_type, VIO_NET_HDR_GSO_TCPV4);
	assert_int_equal(fx.model.last_tx_hdr.gso_size, 500);
	assert_int_equal(fx.model.last_tx_hdr.hdr_len, 54);
	assert_int_equal(fx.model.last_tx_hdr.flags, VIO_NET_HDR_F_NEEDS_CSUM);
	assert_int_equal(rte_pktmbuf_mtod_offset(rx[0], const struct rte_tcp_hdr *, 34)->cksum,
			 phdr);
	rte_pktmbuf_free(rx[0]);
	/* IPv6 TSO: HOST_TSO6 not offered. */
	m = ip_frame(&fx, IPPROTO_TCP, 200);
	m->ol_flags = RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_TCP_SEG;
	m->tso_segsz = 100;
	assert_int_equal(rte_eth_tx_prepare(fx.port, 0, &m, 1), 0);
	assert_int_equal(rte_errno, ENOTSUP);
	/* A TSO frame beyond 64 KiB, which tx_burst would drop: refused here already. */
	m->ol_flags = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_SEG;
	m->pkt_len = 70000;
	assert_int_equal(rte_eth_tx_prepare(fx.port, 0, &m, 1), 0);
	assert_int_equal(rte_errno, EINVAL);
	m->pkt_len = m->data_len;
	rte_pktmbuf_free(m);
	fx_destroy(&fx);
}

/* A single segment whose data_len disagrees with pkt_len is malformed: dropped, not sent. */
static void
test_tx_push_len_mismatch(void **state)
{
	struct net_fx fx;
	struct rte_eth_stats st;
	struct rte_mbuf *m, *rx[1];

	RTE_SET_USED(state);
	fx_create(&fx, &(struct net_fx_params){ 0 });
	assert_int_equal(fx_start(&fx, 1, 64, 0, 0), 0);
	/* 1800 data bytes (above the 1518-byte frame limit) claiming to be 100. */
	m = fx_pkt(&fx, 1800, 1, 4);
	m->pkt_len = 100;
	assert_int_equal(rte_eth_tx_burst(fx.port, 0, &m, 1), 1);
	assert_int_equal(fx_rx_wait(&fx, 0, rx, 1, 200), 0);
	assert_int_equal(fx.model.tx_chains, 0);
	assert_int_equal(rte_eth_stats_get(fx.port, &st), 0);
	assert_int_equal(st.oerrors, 1);
	assert_int_equal(st.opackets, 0);
	fx_destroy(&fx);
}

/*
 * The headroom header is written only where it differs from what is there:
 * stale bytes (any field) never reach the device, and a header already in
 * place (an mbuf sent before, a checksum request sent again) goes as it is.
 */
static void
test_tx_headroom_header_rewrite(void **state)
{
	static const struct vio_net_hdr zero = { .gso_type = VIO_NET_HDR_GSO_NONE };
	struct net_fx fx;
	struct rte_mbuf *m, *rx[1];
	struct vio_net_hdr *h;

	RTE_SET_USED(state);
	fx_create(&fx, &(struct net_fx_params){ 0 });
	assert_int_equal(fx_start(&fx, 1, 256, 0,
				  RTE_ETH_TX_OFFLOAD_TCP_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM),
			 0);
	for (unsigned int byte = 0; byte <= sizeof(*h); byte++) {
		m = fx_pkt(&fx, 100, 1, (uint8_t)byte);
		h = rte_pktmbuf_mtod_offset(m, struct vio_net_hdr *,
					    -(int)sizeof(struct vio_net_hdr));
		memset(h, 0, sizeof(*h));
		if (byte < sizeof(*h))
			((uint8_t *)h)[byte] = 0xa5; /* one stale byte; none in the last round */
		assert_int_equal(pump(&fx, &m, 1, rx, 1), 1);
		assert_memory_equal(&fx.model.last_tx_hdr, &zero, sizeof(zero));
		fx_check_pkt(rx[0], 100, (uint8_t)byte);
		rte_pktmbuf_free(rx[0]);
	}
	/* A checksum request over a headroom that holds a stale one, then the same. */
	for (unsigned int round = 0; round < 2; round++) {
		m = ip_frame(&fx, IPPROTO_UDP, 200);
		m->ol_flags = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_UDP_CKSUM;
		h = rte_pktmbuf_mtod_offset(m, struct vio_net_hdr *,
					    -(int)sizeof(struct vio_net_hdr));
		*h = (struct vio_net_hdr){ .flags = VIO_NET_HDR_F_NEEDS_CSUM,
					   .csum_start = 34,
					   .csum_offset = round == 0 ? 16 : 6,
					   .gso_size = round == 0 ? 7 : 0 };
		assert_int_equal(rte_eth_tx_prepare(fx.port, 0, &m, 1), 1);
		assert_int_equal(pump(&fx, &m, 1, rx, 1), 1);
		assert_int_equal(fx.model.last_tx_hdr.flags, VIO_NET_HDR_F_NEEDS_CSUM);
		assert_int_equal(fx.model.last_tx_hdr.csum_start, 34);
		assert_int_equal(fx.model.last_tx_hdr.csum_offset, 6);
		assert_int_equal(fx.model.last_tx_hdr.gso_size, 0);
		assert_int_equal(fx.model.last_tx_hdr.gso_type, VIO_NET_HDR_GSO_NONE);
		rte_pktmbuf_free(rx[0]);
	}
	fx_destroy(&fx);
}

/* TSO of an IP family whose HOST_TSO bit was not negotiated never reaches the device as GSO. */
static void
test_tx_tso_family_not_negotiated(void **state)
{
	struct net_fx fx;
	struct rte_eth_stats st;
	struct rte_mbuf *m, *rx[1];

	RTE_SET_USED(state);
	fx_create(&fx, &(struct net_fx_params){ .features = FX_FEATURES |
							    VIO_BIT(VIO_NET_F_HOST_TSO4) });
	assert_int_equal(
		fx_start(&fx, 1, 256, 0, RTE_ETH_TX_OFFLOAD_TCP_TSO | RTE_ETH_TX_OFFLOAD_TCP_CKSUM),
		0);
	/* Without tx_prepare: a small IPv6 "TSO" frame goes out as one frame. */
	m = ip_frame(&fx, IPPROTO_TCP, 200);
	m->ol_flags = RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_TCP_SEG;
	m->tso_segsz = 100;
	assert_int_equal(pump(&fx, &m, 1, rx, 1), 1);
	rte_pktmbuf_free(rx[0]);
	assert_int_equal(fx.model.last_tx_hdr.gso_type, VIO_NET_HDR_GSO_NONE);
	/* Above the MTU it cannot be segmented by the device: dropped. */
	m = fx_pkt(&fx, 3000, 2, 1);
	m->ol_flags = RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_TCP_SEG;
	m->l2_len = 14;
	m->l3_len = 40;
	m->l4_len = 20;
	m->tso_segsz = 1000;
	assert_int_equal(rte_eth_tx_burst(fx.port, 0, &m, 1), 1);
	assert_int_equal(fx_rx_wait(&fx, 0, rx, 1, 200), 0);
	assert_int_equal(fx.model.tx_chains, 1);
	assert_int_equal(rte_eth_stats_get(fx.port, &st), 0);
	assert_int_equal(st.oerrors, 1);
	fx_destroy(&fx);
}

static void
test_rx_csum_flags_and_ptype(void **state)
{
	struct net_fx fx;
	struct rte_mbuf *m, *rx[1];

	RTE_SET_USED(state);
	fx_create(&fx, &(struct net_fx_params){ 0 });
	assert_int_equal(fx_start(&fx, 1, 256, RTE_ETH_RX_OFFLOAD_UDP_CKSUM, 0), 0);

	fx.model.rx_flags = VIO_NET_HDR_F_DATA_VALID;
	m = ip_frame(&fx, IPPROTO_UDP, 128);
	assert_int_equal(pump(&fx, &m, 1, rx, 1), 1);
	assert_int_equal(rx[0]->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK,
			 RTE_MBUF_F_RX_L4_CKSUM_GOOD);
	assert_int_equal(rx[0]->packet_type,
			 RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4 | RTE_PTYPE_L4_UDP);
	rte_pktmbuf_free(rx[0]);

	/* An empty ptype mask turns parsing off. */
	assert_int_equal(rte_eth_dev_set_ptypes(fx.port, RTE_PTYPE_UNKNOWN, NULL, 0), 0);
	m = ip_frame(&fx, IPPROTO_UDP, 128);
	assert_int_equal(pump(&fx, &m, 1, rx, 1), 1);
	assert_int_equal(rx[0]->packet_type, RTE_PTYPE_UNKNOWN);
	rte_pktmbuf_free(rx[0]);
	assert_int_equal(rte_eth_dev_set_ptypes(fx.port, RTE_PTYPE_ALL_MASK, NULL, 0), 0);

	/* Partial checksum from a local sender: data intact, checksum unfilled. */
	fx.model.rx_flags = VIO_NET_HDR_F_NEEDS_CSUM;
	fx.model.rx_csum_start = 34;
	fx.model.rx_csum_offset = 6;
	m = ip_frame(&fx, IPPROTO_UDP, 128);
	assert_int_equal(pump(&fx, &m, 1, rx, 1), 1);
	assert_int_equal(rx[0]->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK,
			 RTE_MBUF_F_RX_L4_CKSUM_NONE);
	rte_pktmbuf_free(rx[0]);

	/* A csum_start past the frame is an error, not a crash. */
	fx.model.rx_csum_start = 4000;
	m = ip_frame(&fx, IPPROTO_UDP, 128);
	assert_int_equal(pump(&fx, &m, 1, rx, 1), 1);
	assert_int_equal(rx[0]->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK, 0);
	assert_int_equal(fx_xstat(&fx, "rx_q0_errors"), 1);
	rte_pktmbuf_free(rx[0]);
	fx_destroy(&fx);
}

static void
test_restart_and_resetup(void **state)
{
	struct net_fx fx;

	RTE_SET_USED(state);
	fx_create(&fx, &(struct net_fx_params){ 0 });
	assert_int_equal(fx_start(&fx, 1, 128, 0, 0), 0);
	for (unsigned int round = 0; round < 3; round++) {
		for (unsigned int i = 0; i < 100; i++)
			tx_pkts[i] = fx_pkt(&fx, frame_len(i), 1, (uint8_t)(i + round));
		assert_int_equal(pump(&fx, tx_pkts, 100, rx_pkts, 32), 100);
		for (unsigned int i = 0; i < 100; i++)
			fx_check_pkt(rx_pkts[i], frame_len(i), (uint8_t)(i + round));
		free_all(rx_pkts, 100);
		/* Leave frames in flight, then stop: the rings give them back. */
		for (unsigned int i = 0; i < 10; i++)
			tx_pkts[i] = fx_pkt(&fx, 64, 1, 0);
		assert_int_equal(fx_tx_all(&fx, 0, tx_pkts, 10, 1000), 10);
		assert_int_equal(rte_eth_dev_stop(fx.port), 0);
		if (round == 1) {
			/* Re-setup in the other order with other sizes. */
			assert_int_equal(rte_eth_tx_queue_setup(fx.port, 0, 64, 0, NULL), 0);
			assert_int_equal(rte_eth_rx_queue_setup(fx.port, 0, 32, 0, NULL, fx.mp), 0);
		}
		assert_int_equal(rte_eth_dev_start(fx.port), 0);
	}
	fx_destroy(&fx);
}

/*
 * Section 5.1.6.3.1: with the device's MTU (VIRTIO_NET_F_MTU 9000) accepted
 * and the application's defaults (MTU 1500, 2 KiB mbufs, no SCATTER), a
 * 9000-byte frame must still find room: MRG_RXBUF is negotiated, the device
 * delivers it, the driver drops it (the application cannot take multi-
 * segment mbufs) and counts it. With SCATTER it arrives whole.
 */
static void
test_device_mtu_default_config(void **state)
{
	struct net_fx fx;
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_stats st;
	struct rte_mbuf *rx[4];

	RTE_SET_USED(state);
	fx_create(&fx, &(struct net_fx_params){ .features = FX_FEATURES | VIO_BIT(VIO_NET_F_MTU),
						.cfg_mtu = 9000 });
	assert_int_equal(fx_start(&fx, 1, 256, 0, 0), 0);
	assert_true(fx.sw->driver_features & VIO_BIT(VIO_NET_F_MTU));
	assert_true(fx.sw->driver_features & VIO_BIT(VIO_NET_F_MRG_RXBUF));
	fx_thread(&fx, false);
	assert_int_equal(fx_inject_rx(&fx, 0, 9000, 1), 1);
	assert_int_equal(fx_inject_rx(&fx, 0, 1000, 2), 1);
	assert_int_equal(fx.model.dev_dropped, 0);
	assert_int_equal(rte_eth_rx_burst(fx.port, 0, rx, 4), 1);
	fx_check_pkt(rx[0], 1000, 2);
	assert_int_equal(rx[0]->nb_segs, 1);
	rte_pktmbuf_free(rx[0]);
	assert_int_equal(fx_xstat(&fx, "rx_q0_oversize_errors"), 1);
	assert_int_equal(rte_eth_stats_get(fx.port, &st), 0);
	assert_int_equal(st.ierrors, 1);
	assert_int_equal(st.ipackets, 1);

	/* An application that takes multi-segment mbufs gets the frame. */
	fx_thread(&fx, true);
	assert_int_equal(rte_eth_dev_stop(fx.port), 0);
	conf.rxmode.offloads = RTE_ETH_RX_OFFLOAD_SCATTER;
	conf.rxmode.mtu = 9000;
	assert_int_equal(rte_eth_dev_configure(fx.port, 1, 1, &conf), 0);
	assert_int_equal(rte_eth_rx_queue_setup(fx.port, 0, 256, 0, NULL, fx.mp), 0);
	assert_int_equal(rte_eth_tx_queue_setup(fx.port, 0, 256, 0, NULL), 0);
	assert_int_equal(rte_eth_dev_start(fx.port), 0);
	fx_thread(&fx, false);
	assert_int_equal(fx_inject_rx(&fx, 0, 9000, 3), 1);
	assert_int_equal(rte_eth_rx_burst(fx.port, 0, rx, 4), 1);
	fx_check_pkt(rx[0], 9000, 3);
	assert_int_equal(rx[0]->nb_segs, 5);
	rte_pktmbuf_free(rx[0]);
	assert_int_equal(fx_xstat(&fx, "rx_q0_oversize_errors"), 0);
	fx_thread(&fx, true);
	fx_destroy(&fx);
}

/*
 * The devarg mrg_rxbuf=0 (vio_dev.refused): MRG_RXBUF offered but not
 * negotiated, the port reports neither SCATTER nor LRO and refuses a
 * configuration that asks for SCATTER; frames still arrive one per buffer
 * through the fast receive, and 64-byte and larger ones are counted.
 */
static void
test_mrg_rxbuf_refused(void **state)
{
	struct net_fx fx;
	struct rte_eth_conf conf = { .rxmode = { .offloads = RTE_ETH_RX_OFFLOAD_SCATTER } };
	struct rte_eth_dev_info info;
	struct rte_eth_stats st;
	struct rte_mbuf *rx[4];

	RTE_SET_USED(state);
	fx_create(&fx, &(struct net_fx_params){ .no_port = true });
	swdev_vdev(fx.sw)->refused |= VIO_BIT(VIO_NET_F_MRG_RXBUF); /* mrg_rxbuf=0 */
	fx_open_port(&fx);
	assert_int_equal(rte_eth_dev_info_get(fx.port, &info), 0);
	assert_false(info.rx_offload_capa &
		     (RTE_ETH_RX_OFFLOAD_SCATTER | RTE_ETH_RX_OFFLOAD_TCP_LRO));
	assert_true(rte_eth_dev_configure(fx.port, 1, 1, &conf) < 0);
	assert_int_equal(fx_start(&fx, 1, 256, 0, 0), 0);
	assert_true(fx.sw->device_features & VIO_BIT(VIO_NET_F_MRG_RXBUF));
	assert_false(fx.sw->driver_features & VIO_BIT(VIO_NET_F_MRG_RXBUF));
	fx_thread(&fx, false);
	assert_int_equal(fx_inject_rx(&fx, 0, 60, 1), 1);
	assert_int_equal(fx_inject_rx(&fx, 0, 1000, 2), 1);
	assert_int_equal(rte_eth_rx_burst(fx.port, 0, rx, 4), 2);
	fx_check_pkt(rx[0], 60, 1);
	fx_check_pkt(rx[1], 1000, 2);
	rte_pktmbuf_free_bulk(rx, 2);
	assert_int_equal(rte_eth_stats_get(fx.port, &st), 0);
	assert_int_equal(st.ipackets, 2);
	assert_int_equal(st.ibytes, 1060);
	assert_int_equal(fx_xstat(&fx, "rx_q0_size_64_packets"), 1);
	assert_int_equal(fx_xstat(&fx, "rx_q0_size_512_to_1023_packets"), 1);
	fx_thread(&fx, true);
	fx_destroy(&fx);
}

/*
 * A device with VIRTIO_NET_F_MTU but no MRG_RXBUF: buffers too small for
 * its MTU mean F_MTU is not accepted; buffers large enough take its frames.
 */
static void
test_device_mtu_without_mrg_rxbuf(void **state)
{
	const uint64_t features = (FX_FEATURES & ~VIO_BIT(VIO_NET_F_MRG_RXBUF)) |
				  VIO_BIT(VIO_NET_F_MTU);
	struct net_fx fx;
	struct rte_mbuf *rx[2];

	RTE_SET_USED(state);
	fx_create(&fx, &(struct net_fx_params){ .features = features, .cfg_mtu = 9000 });
	assert_int_equal(fx_start(&fx, 1, 64, 0, 0), 0);
	assert_false(fx.sw->driver_features & VIO_BIT(VIO_NET_F_MTU));
	fx_destroy(&fx);

	/* 9018-byte frames fit one buffer: F_MTU accepted, jumbo frames arrive. */
	fx_create(&fx, &(struct net_fx_params){ .features = features,
						.cfg_mtu = 9000,
						.nb_mbufs = 256,
						.data_room = 9018 + RTE_PKTMBUF_HEADROOM });
	assert_int_equal(fx_start(&fx, 1, 64, 0, 0), 0);
	assert_true(fx.sw->driver_features & VIO_BIT(VIO_NET_F_MTU));
	fx_thread(&fx, false);
	assert_int_equal(fx_inject_rx(&fx, 0, 9018, 4), 1);
	assert_int_equal(rte_eth_rx_burst(fx.port, 0, rx, 2), 1);
	fx_check_pkt(rx[0], 9018, 4);
	rte_pktmbuf_free(rx[0]);
	fx_thread(&fx, true);
	fx_destroy(&fx);
}

/* Frames shorter than an Ethernet header never reach the application. */
static void
rx_runts(uint64_t features)
{
	struct net_fx fx;
	struct rte_eth_stats st;
	struct rte_mbuf *rx[32];

	fx_create(&fx, &(struct net_fx_params){ .features = features });
	assert_int_equal(fx_start(&fx, 1, 64, 0, 0), 0);
	fx_thread(&fx, false);
	for (uint32_t len = 0; len < RTE_ETHER_HDR_LEN; len++)
		assert_int_equal(fx_inject_rx(&fx, 0, len, 0), 1);
	assert_int_equal(fx_inject_rx(&fx, 0, RTE_ETHER_HDR_LEN, 5), 1);
	assert_int_equal(rte_eth_rx_burst(fx.port, 0, rx, 32), 1);
	fx_check_pkt(rx[0], RTE_ETHER_HDR_LEN, 5);
	rte_pktmbuf_free(rx[0]);
	assert_int_equal(fx_xstat(&fx, "rx_q0_undersize_errors"), RTE_ETHER_HDR_LEN);
	if (features & VIO_BIT(VIO_NET_F_MRG_RXBUF)) {
		/* Two buffers (num_buffers 2) holding 12 bytes in all: a runt too. */
		fx.model.lie = true;
		fx.model.lie_num_buffers = 2;
		assert_int_equal(fx_inject_rx(&fx, 0, 0, 0), 1);
		assert_int_equal(fx_inject_rx(&fx, 0, 0, 0), 1);
		fx.model.lie = false;
		assert_int_equal(rte_eth_rx_burst(fx.port, 0, rx, 32), 0);
		assert_int_equal(fx_xstat(&fx, "rx_q0_undersize_errors"), RTE_ETHER_HDR_LEN + 1);
	}
	assert_int_equal(rte_eth_stats_get(fx.port, &st), 0);
	assert_int_equal(st.ierrors, fx_xstat(&fx, "rx_q0_undersize_errors"));
	assert_int_equal(st.ipackets, 1);
	assert_int_equal(fx_xstat(&fx, "rx_q0_broken_events"), 0);
	fx_thread(&fx, true);
	fx_destroy(&fx);
}

static void
test_rx_runts(void **state)
{
	RTE_SET_USED(state);
	rx_runts(FX_FEATURES); /* mergeable path */
	rx_runts(FX_FEATURES & ~VIO_BIT(VIO_NET_F_MRG_RXBUF));
}

/*
 * nb_desc need not be a power of two: the ring is (128 for 100), but no
 * more than nb_desc rx buffers are posted, nor tx descriptors in flight.
 */
static void
test_nb_desc_not_pow2(void **state)
{
	struct net_fx fx;
	struct rte_eth_dev_info info;
	struct rte_eth_rxq_info rqi;
	struct rte_eth_txq_info tqi;

	RTE_SET_USED(state);
	fx_create(&fx, &(struct net_fx_params){ .nb_mbufs = 512 });
	assert_int_equal(rte_eth_dev_info_get(fx.port, &info), 0);
	assert_int_equal(info.rx_desc_lim.nb_align, 1);
	assert_int_equal(info.tx_desc_lim.nb_align, 1);
	assert_int_equal(info.rx_desc_lim.nb_min, 32);
	assert_int_equal(fx_start(&fx, 1, 100, 0, 0), 0);
	fx_thread(&fx, false);
	assert_int_equal(fx.sw->q[0].cfg.size, 128);
	assert_int_equal(fx.sw->q[1].cfg.size, 128);
	assert_int_equal(swdev_avail_pending(fx.sw, 0), 100);
	assert_int_equal(rte_mempool_avail_count(fx.mp), 512 - 100);
	assert_int_equal(rte_eth_rx_queue_info_get(fx.port, 0, &rqi), 0);
	assert_int_equal(rqi.nb_desc, 100);
	assert_int_equal(rte_eth_tx_queue_info_get(fx.port, 0, &tqi), 0);
	assert_int_equal(tqi.nb_desc, 100);

	/* The device holds every tx chain: 100 are taken, not 128. */
	__atomic_store_n(&fx.model.rx_hold, true, __ATOMIC_RELEASE);
	for (unsigned int i = 0; i < 128; i++)
		tx_pkts[i] = fx_pkt(&fx, 100, 1, (uint8_t)i);
	assert_int_equal(rte_eth_tx_burst(fx.port, 0, tx_pkts, 128), 100);
	fx_process(&fx);
	assert_int_equal(swdev_avail_pending(fx.sw, 1), 100);
	__atomic_store_n(&fx.model.rx_hold, false, __ATOMIC_RELEASE);
	fx_process(&fx);
	/* Received and refilled: still 100 posted, never more. */
	assert_int_equal(rte_eth_rx_burst(fx.port, 0, rx_pkts, 128), 100);
	assert_int_equal(swdev_avail_pending(fx.sw, 0), 100);
	assert_int_equal(rte_eth_tx_burst(fx.port, 0, tx_pkts + 100, 28), 28);
	fx_process(&fx);
	assert_int_equal(rte_eth_rx_burst(fx.port, 0, rx_pkts + 100, 28), 28);
	assert_int_equal(swdev_avail_pending(fx.sw, 0), 100);
	for (unsigned int i = 0; i < 128; i++)
		fx_check_pkt(rx_pkts[i], 100, (uint8_t)i);
	free_all(rx_pkts, 128);
	fx_thread(&fx, true);
	fx_destroy(&fx);
}

/*
 * Doorbells on a device that only sees what it was notified about: exactly
 * one per burst that added buffers, none for a burst that added nothing,
 * none while the device sets VIRTQ_USED_F_NO_NOTIFY (it polls then). Rx
 * adds buffers once rx_free_thresh of them are missing (64 by default on a
 * 256 ring, reported by rx_queue_info_get): every other burst of 32.
 */
static void
test_doorbells(void **state)
{
	struct net_fx fx;
	struct rte_eth_rxq_info qinfo;
	unsigned int missing = 0;
	uint64_t rx0, tx0;

	RTE_SET_USED(state);
	fx_create(&fx, &(struct net_fx_params){ .nb_mbufs = 2048 });
	assert_int_equal(fx_start(&fx, 1, 256, 0, 0), 0);
	assert_int_equal(rte_eth_rx_queue_info_get(fx.port, 0, &qinfo), 0);
	assert_int_equal(qinfo.conf.rx_free_thresh, 64);
	fx_thread(&fx, false);
	for (unsigned int round = 0; round < 12; round++) {
		bool quiet = round >= 4 && round < 8;

		swdev_set_no_notify(fx.sw, 0, quiet);
		swdev_set_no_notify(fx.sw, 1, quiet);
		for (unsigned int i = 0; i < 32; i++)
			tx_pkts[i] = fx_pkt(&fx, frame_len(i), 1, (uint8_t)(round + i));
		tx0 = swdev_notify_count(fx.sw, 1);
		assert_int_equal(rte_eth_tx_burst(fx.port, 0, tx_pkts, 32), 32);
		assert_int_equal(swdev_notify_count(fx.sw, 1) - tx0, quiet ? 0 : 1);
		fx_process(&fx);
		rx0 = swdev_notify_count(fx.sw, 0);
		assert_int_equal(rte_eth_rx_burst(fx.port, 0, rx_pkts, 64), 32);
		missing += 32;
		assert_int_equal(swdev_notify_count(fx.sw, 0) - rx0,
				 quiet || missing < qinfo.conf.rx_free_thresh ? 0 : 1);
		if (missing >= qinfo.conf.rx_free_thresh)
			missing = 0;
		for (unsigned int i = 0; i < 32; i++)
			fx_check_pkt(rx_pkts[i], frame_len(i), (uint8_t)(round + i));
		free_all(rx_pkts, 32);
		/* Bursts that add nothing ring nothing. */
		rx0 = swdev_notify_count(fx.sw, 0);
		tx0 = swdev_notify_count(fx.sw, 1);
		assert_int_equal(rte_eth_rx_burst(fx.port, 0, rx_pkts, 64), 0);
		assert_int_equal(rte_eth_tx_burst(fx.port, 0, tx_pkts, 0), 0);
		assert_int_equal(swdev_notify_count(fx.sw, 0), rx0);
		assert_int_equal(swdev_notify_count(fx.sw, 1), tx0);
	}
	fx_thread(&fx, true);
	fx_destroy(&fx);
}

/* rx_free_thresh: honoured and reported; one not below nb_desc is refused. */
static void
test_rx_free_thresh(void **state)
{
	struct net_fx fx;
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_rxconf rxconf = { .rx_free_thresh = 128 };
	struct rte_eth_rxq_info qinfo;

	RTE_SET_USED(state);
	fx_create(&fx, &(struct net_fx_params){ 0 });
	assert_int_equal(rte_eth_dev_configure(fx.port, 1, 1, &conf), 0);
	assert_int_equal(rte_eth_rx_queue_setup(fx.port, 0, 128, 0, &rxconf, fx.mp), -EINVAL);
	rxconf.rx_free_thresh = 16;
	assert_int_equal(rte_eth_rx_queue_setup(fx.port, 0, 128, 0, &rxconf, fx.mp), 0);
	assert_int_equal(rte_eth_tx_queue_setup(fx.port, 0, 128, 0, NULL), 0);
	assert_int_equal(rte_eth_rx_queue_info_get(fx.port, 0, &qinfo), 0);
	assert_int_equal(qinfo.conf.rx_free_thresh, 16);
	assert_int_equal(rte_eth_dev_start(fx.port), 0);
	fx_destroy(&fx);
}

static void *
release_hold_later(void *arg)
{
	struct net_fx *fx = arg;

	rte_delay_ms(100);
	__atomic_store_n(&fx->model.rx_hold, false, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * dev_stop gives the device up to VIREO_TX_FLUSH_MS (500 ms) to send what
 * the tx ring holds before the reset: a slow device gets to send all of
 * it; one that keeps the descriptors gets a WARNING, and the mbufs come
 * back either way.
 */
static void
test_stop_flushes_tx(void **state)
{
	struct net_fx fx;
	struct log_capture lc;
	pthread_t thr;
	uint64_t t0, ms, hz = rte_get_timer_hz();

	RTE_SET_USED(state);
	fx_create(&fx, &(struct net_fx_params){ 0 });
	assert_int_equal(fx_start(&fx, 1, 64, 0, 0), 0);
	/* The device sends only after 100 ms: stop waits for it. */
	__atomic_store_n(&fx.model.rx_hold, true, __ATOMIC_RELEASE);
	for (unsigned int i = 0; i < 10; i++)
		tx_pkts[i] = fx_pkt(&fx, 100, 1, (uint8_t)i);
	assert_int_equal(rte_eth_tx_burst(fx.port, 0, tx_pkts, 10), 10);
	assert_int_equal(pthread_create(&thr, NULL, release_hold_later, &fx), 0);
	log_capture_start(&lc);
	t0 = rte_get_timer_cycles();
	assert_int_equal(rte_eth_dev_stop(fx.port), 0);
	ms = (rte_get_timer_cycles() - t0) * 1000 / hz;
	assert_null(strstr(log_capture_text(&lc), "not sent by the device"));
	log_capture_stop(&lc);
	pthread_join(thr, NULL);
	assert_int_equal(fx.model.tx_chains, 10);
	assert_true(ms >= 80 && ms < 450);

	/* A device that keeps them: stop gives up after 500 ms and says so. */
	assert_int_equal(rte_eth_dev_start(fx.port), 0);
	__atomic_store_n(&fx.model.rx_hold, true, __ATOMIC_RELEASE);
	for (unsigned int i = 0; i < 10; i++)
		tx_pkts[i] = fx_pkt(&fx, 100, 1, (uint8_t)i);
	assert_int_equal(rte_eth_tx_burst(fx.port, 0, tx_pkts, 10), 10);
	log_capture_start(&lc);
	t0 = rte_get_timer_cycles();
	assert_int_equal(rte_eth_dev_stop(fx.port), 0);
	ms = (rte_get_timer_cycles() - t0) * 1000 / hz;
	assert_non_null(strstr(log_capture_text(&lc),
			       "tx queue 0: 10 descriptors not sent by the device within 500 ms"));
	log_capture_stop(&lc);
	assert_true(ms >= 490 && ms < 2000);
	assert_int_equal(fx.model.tx_chains, 10);
	__atomic_store_n(&fx.model.rx_hold, false, __ATOMIC_RELEASE);
	fx_destroy(&fx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_info_and_link),
		cmocka_unit_test(test_loopback_headroom_path),
		cmocka_unit_test(test_tx_chain_path),
		cmocka_unit_test(test_tx_free_pools),
		cmocka_unit_test(test_mergeable_rx),
		cmocka_unit_test(test_ring_wrap_chains),
		cmocka_unit_test(test_ring_full_and_cleanup),
		cmocka_unit_test(test_refill_failure),
		cmocka_unit_test(test_tx_drops),
		cmocka_unit_test(test_tx_csum_offload),
		cmocka_unit_test(test_tx_tso_header),
		cmocka_unit_test(test_tx_push_len_mismatch),
		cmocka_unit_test(test_tx_headroom_header_rewrite),
		cmocka_unit_test(test_tx_tso_family_not_negotiated),
		cmocka_unit_test(test_rx_csum_flags_and_ptype),
		cmocka_unit_test(test_restart_and_resetup),
		cmocka_unit_test(test_device_mtu_default_config),
		cmocka_unit_test(test_mrg_rxbuf_refused),
		cmocka_unit_test(test_rx_free_thresh),
		cmocka_unit_test(test_device_mtu_without_mrg_rxbuf),
		cmocka_unit_test(test_rx_runts),
		cmocka_unit_test(test_nb_desc_not_pow2),
		cmocka_unit_test(test_doorbells),
		cmocka_unit_test(test_stop_flushes_tx),
	};

	return cmocka_run_group_tests(tests, fx_group_setup, fx_group_teardown);
}
