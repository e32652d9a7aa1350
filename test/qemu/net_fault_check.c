/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Guest checks of net_vireo under faults QEMU can produce, on the two NICs
 * (port 0 = NIC 0, port 1 = NIC 1). The PMD is linked in (net_vireo_dep),
 * so it probes before any plugin.
 *
 *   net_fault_check EAL-ARGS -- needs-reset
 *       Port 0 commits a spec violation on its control queue (a chain with
 *       no device-readable header: QEMU's virtio-net calls virtio_error(),
 *       "virtio-net ctrl missing headers", which sets DEVICE_NEEDS_RESET and
 *       stops the device) while port 1 sends to it. Port 0 must report an
 *       RTE_ETH_EVENT_INTR_RESET event and link down, recover through
 *       rte_eth_dev_reset() + configure + start, forward traffic again both
 *       ways, and give every mbuf of its own pool back (exact counts).
 *   net_fault_check EAL-ARGS -- runt
 *       Port 1 sends 10-byte frames (QEMU's hub passes them unpadded) and
 *       60-byte ones to port 0: the runts are counted as rx errors
 *       (rx_q0_undersize_errors), never delivered; the others arrive.
 *   net_fault_check EAL-ARGS -- rx2-tx1
 *       Both ports configured with 2 rx queues and 1 tx queue (tap NICs
 *       with 2 pairs): many UDP flows each way; the host spreads them over
 *       the tap queues, so both rx queues of each port receive.
 *   net_fault_check EAL-ARGS -- rx1-tx2
 *       The other way round: 1 rx queue, 2 tx queues; both pairs in use,
 *       rx queue 0 receives what the host steers to either receive queue.
 *
 * Exit 0 when every expectation holds; the reason otherwise.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "vireo_net.h" /* needs-reset: the control queue of port 0 */

#define NB_DESC 256
#define POOL_SIZE 4095u

static struct rte_mempool *pool[2];
static unsigned int fails;
/* UDP destination port marking the frames of the current phase. */
static uint16_t mark = 40000;

#define CHECK(cond, ...)                              \
	do {                                          \
		if (!(cond)) {                        \
			printf("FAIL: " __VA_ARGS__); \
			printf("\n");                 \
			fails++;                      \
		}                                     \
	} while (0)

struct events {
	unsigned int lsc, reset;
};
static struct events events[2];

static int
on_event(uint16_t port, enum rte_eth_event_type type, void *arg, void *ret_param)
{
	struct events *ev = arg;

	RTE_SET_USED(ret_param);
	if (type == RTE_ETH_EVENT_INTR_RESET) {
		printf("port %u: RESET event\n", port);
		__atomic_fetch_add(&ev->reset, 1, __ATOMIC_RELEASE);
	} else if (type == RTE_ETH_EVENT_INTR_LSC) {
		printf("port %u: LSC event\n", port);
		__atomic_fetch_add(&ev->lsc, 1, __ATOMIC_RELEASE);
	}
	fflush(stdout);
	return 0;
}

static int
port_start(uint16_t port, uint16_t nb_rxq, uint16_t nb_txq)
{
	struct rte_eth_conf conf = { 0 };
	int rc;

	conf.intr_conf.lsc = 1;
	rc = rte_eth_dev_configure(port, nb_rxq, nb_txq, &conf);
	for (uint16_t q = 0; rc == 0 && q < nb_rxq; q++)
		rc = rte_eth_rx_queue_setup(port, q, NB_DESC, rte_socket_id(), NULL, pool[port]);
	for (uint16_t q = 0; rc == 0 && q < nb_txq; q++)
		rc = rte_eth_tx_queue_setup(port, q, NB_DESC, rte_socket_id(), NULL);
	if (rc == 0)
		rc = rte_eth_dev_start(port);
	if (rc == 0)
		rc = rte_eth_promiscuous_enable(port);
	if (rc != 0)
		printf("port %u: start failed: %d\n", port, rc);
	return rc;
}

static bool
wait_link(uint16_t port, uint8_t status, unsigned int ms)
{
	struct rte_eth_link link;

	for (unsigned int i = 0; i <= ms / 10; i++) {
		rte_eth_link_get_nowait(port, &link);
		if (link.link_status == status)
			return true;
		rte_delay_ms(10);
	}
	return false;
}

/* A marked UDP/IPv4 frame of @p len bytes (>= 60) or a runt (< 14), flow @p flow. */
static struct rte_mbuf *
make_frame(uint16_t port, uint16_t len, uint32_t seq, uint16_t flow)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool[port]);
	uint8_t *p;

	if (m == NULL)
		return NULL;
	p = (uint8_t *)rte_pktmbuf_append(m, len);
	memset(p, 0, len);
	if (len < RTE_ETHER_HDR_LEN) {
		memset(p, 0xff, 6); /* broadcast, then garbage */
		return m;
	}
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)p;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);

	memset(&eh->dst_addr, 0xff, RTE_ETHER_ADDR_LEN);
	rte_eth_macaddr_get(port, &eh->src_addr);
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(len - RTE_ETHER_HDR_LEN));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(RTE_IPV4(10, 0, port, 1));
	ip->dst_addr = rte_cpu_to_be_32(RTE_IPV4(10, 0, 9, (uint8_t)(1 + flow % 200)));
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = rte_cpu_to_be_16((uint16_t)(10000 + flow));
	udp->dst_port = rte_cpu_to_be_16(mark);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(len - RTE_ETHER_HDR_LEN - sizeof(*ip)));
	memcpy(udp + 1, &seq, sizeof(seq));
	return m;
}

static bool
is_ours(const struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_udp_hdr *udp;

	if (m->data_len < RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv4_hdr) + sizeof(*udp) ||
	    eh->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))
		return false;
	udp = (const struct rte_udp_hdr *)((const uint8_t *)(eh + 1) + sizeof(struct rte_ipv4_hdr));
	return udp->dst_port == rte_cpu_to_be_16(mark);
}

/* Poll every rx queue of @p port once: count our frames per queue, runts. */
static void
drain(uint16_t port, uint16_t nb_rxq, uint64_t *per_q, uint64_t *runts)
{
	struct rte_mbuf *pkts[32];

	for (uint16_t q = 0; q < nb_rxq; q++) {
		uint16_t n = rte_eth_rx_burst(port, q, pkts, 32);

		for (uint16_t i = 0; i < n; i++) {
			if (pkts[i]->pkt_len < RTE_ETHER_HDR_LEN)
				(*runts)++;
			else if (is_ours(pkts[i]))
				per_q[q]++;
		}
		rte_pktmbuf_free_bulk(pkts, n);
	}
}

/* Tx queues send_recv() takes turns on, a burst each. */
static uint16_t nb_send_txq = 1;

/*
 * Send @p n frames from @p from (tx queue 0, or each of nb_send_txq in
 * turn) to @p to in bursts of 32,
 * polling @p to in between; then poll for up to 2 s more.
 * @return our frames received (per queue in per_q).
 */
static uint64_t
send_recv(uint16_t from, uint16_t to, uint16_t to_rxq, unsigned int n, uint16_t len,
	  uint64_t *per_q)
{
	struct rte_mbuf *pkts[32];
	uint64_t runts = 0, got = 0, deadline;
	unsigned int sent = 0;

	memset(per_q, 0, sizeof(uint64_t) * to_rxq);
	while (sent < n) {
		uint16_t k = (uint16_t)RTE_MIN(32u, n - sent), done = 0;

		for (uint16_t i = 0; i < k; i++)
			pkts[i] = make_frame(from, len, sent + i, (uint16_t)(sent + i));
		deadline = rte_get_timer_cycles() + rte_get_timer_hz();
		while (done < k && rte_get_timer_cycles() < deadline) {
			done += rte_eth_tx_burst(from, (uint16_t)(sent / 32 % nb_send_txq),
						 pkts + done, k - done);
			drain(to, to_rxq, per_q, &runts);
		}
		rte_pktmbuf_free_bulk(pkts + done, k - done);
		sent += done;
		drain(to, to_rxq, per_q, &runts);
	}
	deadline = rte_get_timer_cycles() + 2 * rte_get_timer_hz();
	while (rte_get_timer_cycles() < deadline) {
		got = 0;
		for (uint16_t q = 0; q < to_rxq; q++)
			got += per_q[q];
		if (got >= sent)
			break;
		drain(to, to_rxq, per_q, &runts);
	}
	CHECK(runts == 0, "port %u delivered %" PRIu64 " frames shorter than 14 bytes", to, runts);
	printf("port %u -> port %u: %u sent, %" PRIu64 " received\n", from, to, sent, got);
	return got;
}

static uint64_t
xstat(uint16_t port, const char *name)
{
	uint64_t id, v = UINT64_MAX;

	if (rte_eth_xstats_get_id_by_name(port, name, &id) == 0)
		rte_eth_xstats_get_by_id(port, &id, &v, 1);
	return v;
}

/*
 * The spec violation: a control command without its device-readable
 * class/command header (section 5.1.6.5: the driver MUST put it first).
 * QEMU answers with virtio_error(): DEVICE_NEEDS_RESET.
 */
static int
violate_ctrl(uint16_t port)
{
	struct vireo_net *net = rte_eth_devices[port].data->dev_private;
	struct vio_sg ack;
	int rc;

	if (net->cvq == NULL)
		return -ENOTSUP;
	ack = (struct vio_sg){ net->cbuf_iova + offsetof(struct vireo_ctrl_buf, ack), 1 };
	rte_spinlock_lock(&net->ctrl_lock);
	/* The cookie is the port, like every control command's. */
	rc = vio_vq_add_chain(net->cvq, &ack, 0, 1, net);
	if (rc == 0)
		vio_vq_kick(net->cvq);
	rte_spinlock_unlock(&net->ctrl_lock);
	return rc;
}

static void
check_needs_reset(void)
{
	uint64_t per_q[1];
	uint64_t deadline;
	struct rte_mbuf *pkts[32];

	CHECK(send_recv(1, 0, 1, 500, 128, per_q) == 500, "traffic 1 -> 0 before the fault");
	CHECK(violate_ctrl(0) == 0, "cannot post the bad control chain");
	mark++; /* what is sent to the broken NIC is not counted later */
	/* Under traffic: port 1 keeps sending while the device breaks. */
	deadline = rte_get_timer_cycles() + 3 * rte_get_timer_hz();
	while (__atomic_load_n(&events[0].reset, __ATOMIC_ACQUIRE) == 0 &&
	       rte_get_timer_cycles() < deadline) {
		uint16_t k = 0;

		while (k < 32 && (pkts[k] = make_frame(1, 128, 0, k)) != NULL)
			k++;
		uint16_t done = rte_eth_tx_burst(1, 0, pkts, k);

		rte_pktmbuf_free_bulk(pkts + done, k - done);
		done = rte_eth_rx_burst(0, 0, pkts, 32);
		rte_pktmbuf_free_bulk(pkts, done);
		rte_delay_ms(1);
	}
	CHECK(events[0].reset == 1, "port 0: %u RESET events, want 1", events[0].reset);
	CHECK(events[0].lsc >= 1, "port 0: no LSC event for the link going down");
	CHECK(wait_link(0, RTE_ETH_LINK_DOWN, 10), "port 0 link not down after NEEDS_RESET");
	printf("needs-reset: port 0 reported it (RESET event, link down)\n");

	/* Recovery: stop + reset, configure again, start. */
	CHECK(rte_eth_dev_reset(0) == 0, "rte_eth_dev_reset(0) failed");
	CHECK(rte_mempool_avail_count(pool[0]) == POOL_SIZE,
	      "port 0 pool after reset: %u free of %u (leak)", rte_mempool_avail_count(pool[0]),
	      POOL_SIZE);
	CHECK(port_start(0, 1, 1) == 0, "port 0 did not start again");
	CHECK(wait_link(0, RTE_ETH_LINK_UP, 5000), "port 0 link not up after recovery");
	/* Frames QEMU's hub queued for the broken NIC may arrive first: not counted. */
	mark++;
	CHECK(send_recv(1, 0, 1, 500, 128, per_q) == 500, "traffic 1 -> 0 after recovery");
	CHECK(send_recv(0, 1, 1, 500, 128, per_q) == 500, "traffic 0 -> 1 after recovery");
	CHECK(events[0].reset == 1, "port 0: more RESET events after recovery");
	CHECK(rte_eth_dev_stop(0) == 0, "port 0 stop");
	CHECK(rte_mempool_avail_count(pool[0]) == POOL_SIZE,
	      "port 0 pool after stop: %u free of %u (leak)", rte_mempool_avail_count(pool[0]),
	      POOL_SIZE);
	printf("needs-reset: recovered, traffic both ways, %u/%u mbufs back\n",
	       rte_mempool_avail_count(pool[0]), POOL_SIZE);
}

static void
check_runt(void)
{
	struct rte_mbuf *pkts[16];
	uint64_t per_q[1] = { 0 }, runts = 0, deadline;
	struct rte_eth_stats st;
	unsigned int k = 0, sent = 0;

	for (unsigned int i = 0; i < 8; i++) {
		pkts[k++] = make_frame(1, 10, i, 0);
		pkts[k++] = make_frame(1, 60, i, 1);
	}
	deadline = rte_get_timer_cycles() + rte_get_timer_hz();
	while (sent < k && rte_get_timer_cycles() < deadline)
		sent += rte_eth_tx_burst(1, 0, pkts + sent, (uint16_t)(k - sent));
	CHECK(sent == k, "port 1 sent %u of %u", sent, k);
	deadline = rte_get_timer_cycles() + 2 * rte_get_timer_hz();
	while (per_q[0] < 8 && rte_get_timer_cycles() < deadline)
		drain(0, 1, per_q, &runts);
	rte_delay_ms(200);
	drain(0, 1, per_q, &runts);
	rte_eth_stats_get(0, &st);
	printf("runt: port 0 received %" PRIu64 " frames, %" PRIu64
	       " runts delivered, rx_q0_undersize_errors %" PRIu64 ", ierrors %" PRIu64 "\n",
	       per_q[0], runts, xstat(0, "rx_q0_undersize_errors"), st.ierrors);
	CHECK(per_q[0] == 8, "port 0 got %" PRIu64 " of the 8 60-byte frames", per_q[0]);
	CHECK(runts == 0, "runts delivered to the application");
	CHECK(xstat(0, "rx_q0_undersize_errors") == 8, "rx_q0_undersize_errors != 8");
	CHECK(st.ierrors >= 8, "ierrors below 8");
}

static void
check_rx2_tx1(void)
{
	uint64_t per_q[2];

	for (uint16_t from = 0; from < 2; from++) {
		uint16_t to = (uint16_t)(1 - from);
		uint64_t got = send_recv(from, to, 2, 2000, 128, per_q);

		printf("rx2-tx1: port %u rx queue 0: %" PRIu64 ", rx queue 1: %" PRIu64 "\n", to,
		       per_q[0], per_q[1]);
		CHECK(per_q[0] > 0 && per_q[1] > 0, "port %u: an rx queue stayed idle", to);
		/* The taps and bridge may drop a little under a burst; most must arrive. */
		CHECK(got >= 1900, "port %u: only %" PRIu64 " of 2000 frames", to, got);
		CHECK(xstat(to, "rx_q0_broken_events") == 0 &&
			      xstat(to, "rx_q1_broken_events") == 0,
		      "port %u: a queue broke", to);
	}
}

/*
 * Fewer rx than tx queues (1 and 2, Open vSwitch's default on a 2-queue
 * NIC): both pairs are in use, the host spreads the flows over both
 * receive queues, and rx queue 0 gets them all (net_vireo's fan-in).
 */
static void
check_rx1_tx2(void)
{
	uint64_t per_q[1];

	nb_send_txq = 2;
	for (uint16_t from = 0; from < 2; from++) {
		uint16_t to = (uint16_t)(1 - from);
		uint64_t got = send_recv(from, to, 1, 2000, 128, per_q);

		printf("rx1-tx2: port %u rx queue 0: %" PRIu64 "; port %u sent on tx queues 0 "
		       "and 1: %" PRIu64 ", %" PRIu64 "\n",
		       to, per_q[0], from, xstat(from, "tx_q0_packets"),
		       xstat(from, "tx_q1_packets"));
		/* Without fan-in about half would be lost, in the unpolled queue. */
		CHECK(got >= 1900, "port %u: only %" PRIu64 " of 2000 frames", to, got);
		CHECK(xstat(from, "tx_q1_packets") > 0, "port %u: tx queue 1 unused", from);
		CHECK(xstat(to, "rx_q0_broken_events") == 0, "port %u: a queue broke", to);
	}
}

int
main(int argc, char **argv)
{
	int n = rte_eal_init(argc, argv);
	const char *mode;
	uint16_t nb_rxq = 1, nb_txq = 1;

	if (n < 0 || n + 1 >= argc) {
		fprintf(stderr,
			"usage: net_fault_check EAL-ARGS -- needs-reset|runt|rx2-tx1|rx1-tx2\n");
		return 2;
	}
	mode = argv[n + 1];
	if (rte_eth_dev_count_avail() < 2) {
		printf("need 2 ports\n");
		return 1;
	}
	for (uint16_t p = 0; p < 2; p++) {
		char name[16];

		snprintf(name, sizeof(name), "nfc%u", p);
		/* No per-lcore cache: avail_count is exact. */
		pool[p] = rte_pktmbuf_pool_create(name, POOL_SIZE, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
						  rte_socket_id());
		if (pool[p] == NULL)
			return 1;
		rte_eth_dev_callback_register(p, RTE_ETH_EVENT_INTR_RESET, on_event, &events[p]);
		rte_eth_dev_callback_register(p, RTE_ETH_EVENT_INTR_LSC, on_event, &events[p]);
	}
	if (strcmp(mode, "rx2-tx1") == 0)
		nb_rxq = 2;
	if (strcmp(mode, "rx1-tx2") == 0)
		nb_txq = 2;
	for (uint16_t p = 0; p < 2; p++)
		if (port_start(p, nb_rxq, nb_txq) != 0)
			return 1;
	for (uint16_t p = 0; p < 2; p++)
		CHECK(wait_link(p, RTE_ETH_LINK_UP, 5000), "port %u link not up", p);

	if (strcmp(mode, "needs-reset") == 0)
		check_needs_reset();
	else if (strcmp(mode, "runt") == 0)
		check_runt();
	else if (strcmp(mode, "rx2-tx1") == 0)
		check_rx2_tx1();
	else if (strcmp(mode, "rx1-tx2") == 0)
		check_rx1_tx2();
	else
		CHECK(false, "unknown mode %s", mode);

	for (uint16_t p = 0; p < 2; p++) {
		rte_eth_dev_stop(p);
		rte_eth_dev_close(p);
	}
	rte_eal_cleanup();
	printf("%s: %s\n", mode, fails == 0 ? "PASS" : "FAIL");
	return fails == 0 ? 0 : 1;
}
