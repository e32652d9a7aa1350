/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Guest check of net_vireo's offloads on two tap-backed NICs bridged on the
 * host (devtools/vireo --net tap; case test/qemu/cases/net-pmd-offload.sh):
 * port 0 sends, port 1 receives.
 *
 *   net_pmd_check EAL-ARGS -- csum   UDP and TCP checksums offloaded on tx;
 *                                    the receiver (no GUEST_CSUM) gets them
 *                                    completed by the host and verifies them
 *   net_pmd_check EAL-ARGS -- tso    8000-byte TCP sends with TSO (MSS 1000);
 *                                    the receiver gets 8 valid segments each
 *   net_pmd_check EAL-ARGS -- lro    the same, received with LRO: whole
 *                                    aggregates flagged RTE_MBUF_F_RX_LRO
 *
 * Every payload byte is checked against its pattern. Exit 0 when all
 * expectations hold. The PMD is linked in (net_vireo_dep), so it probes
 * before any plugin.
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
#include <rte_tcp.h>
#include <rte_udp.h>

#define NPKT 64
#define TSO_PAYLOAD 8000
#define TSO_MSS 1000
#define HDRS (RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv4_hdr))

static struct rte_mempool *mp;
static struct rte_ether_addr mac_tx, mac_rx;

struct result {
	unsigned int udp, tcp, lro, partial, bad_ip, bad_l4, bad_payload, other;
	uint64_t tcp_payload;
};

static uint8_t
pattern(uint32_t off, uint8_t seed)
{
	return (uint8_t)(off * 13 + seed);
}

static int
port_init(uint16_t port, uint64_t rxo, uint64_t txo)
{
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_dev_info info;
	int rc;

	rc = rte_eth_dev_info_get(port, &info);
	if (rc != 0)
		return rc;
	if ((info.rx_offload_capa & rxo) != rxo || (info.tx_offload_capa & txo) != txo) {
		printf("port %u: offloads rx 0x%" PRIx64 " tx 0x%" PRIx64 " not offered"
		       " (rx capa 0x%" PRIx64 ", tx capa 0x%" PRIx64 ")\n",
		       port, rxo, txo, info.rx_offload_capa, info.tx_offload_capa);
		return -ENOTSUP;
	}
	conf.rxmode.offloads = rxo;
	conf.txmode.offloads = txo;
	if (rxo & RTE_ETH_RX_OFFLOAD_TCP_LRO)
		conf.rxmode.max_lro_pkt_size = info.max_lro_pkt_size;
	rc = rte_eth_dev_configure(port, 1, 1, &conf);
	if (rc == 0)
		rc = rte_eth_rx_queue_setup(port, 0, 256, rte_socket_id(), NULL, mp);
	if (rc == 0)
		rc = rte_eth_tx_queue_setup(port, 0, 256, rte_socket_id(), NULL);
	if (rc == 0)
		rc = rte_eth_dev_start(port);
	if (rc == 0)
		rte_eth_promiscuous_enable(port);
	return rc;
}

/* An Ethernet/IPv4/UDP or TCP frame with @p payload bytes (chained mbufs). */
static struct rte_mbuf *
make_frame(uint8_t proto, uint32_t payload, uint8_t seed, uint32_t seq)
{
	uint16_t l4 = proto == IPPROTO_UDP ? sizeof(struct rte_udp_hdr) :
					     sizeof(struct rte_tcp_hdr);
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	uint32_t off = 0;
	uint8_t *p;

	if (m == NULL)
		return NULL;
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, (uint16_t)(HDRS + l4));
	eth->dst_addr = mac_rx;
	eth->src_addr = mac_tx;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(eth + 1);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + l4 + payload));
	ip->packet_id = rte_cpu_to_be_16(seed);
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	ip->src_addr = rte_cpu_to_be_32(RTE_IPV4(10, 99, 0, 1));
	ip->dst_addr = rte_cpu_to_be_32(RTE_IPV4(10, 99, 0, 2));
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	if (proto == IPPROTO_UDP) {
		struct rte_udp_hdr *u = (struct rte_udp_hdr *)(ip + 1);

		u->src_port = rte_cpu_to_be_16(1000 + seed);
		u->dst_port = rte_cpu_to_be_16(9);
		u->dgram_len = rte_cpu_to_be_16((uint16_t)(l4 + payload));
		u->dgram_cksum = 0;
	} else {
		struct rte_tcp_hdr *t = (struct rte_tcp_hdr *)(ip + 1);

		memset(t, 0, sizeof(*t));
		t->src_port = rte_cpu_to_be_16(1000 + seed);
		t->dst_port = rte_cpu_to_be_16(9);
		t->sent_seq = rte_cpu_to_be_32(seq);
		t->data_off = 5 << 4;
		t->tcp_flags = RTE_TCP_ACK_FLAG;
		t->rx_win = rte_cpu_to_be_16(65535);
	}
	while (off < payload) {
		uint16_t n = (uint16_t)RTE_MIN(
			payload - off, (uint32_t)rte_pktmbuf_tailroom(rte_pktmbuf_lastseg(m)));

		if (n == 0) {
			struct rte_mbuf *next = rte_pktmbuf_alloc(mp);

			if (next == NULL || rte_pktmbuf_chain(m, next) != 0) {
				rte_pktmbuf_free(m);
				rte_pktmbuf_free(next);
				return NULL;
			}
			continue;
		}
		p = (uint8_t *)rte_pktmbuf_append(m, n);
		for (uint16_t i = 0; i < n; i++)
			p[i] = pattern(off + i, seed);
		off += n;
	}
	m->l2_len = RTE_ETHER_HDR_LEN;
	m->l3_len = sizeof(*ip);
	m->l4_len = l4;
	m->ol_flags = RTE_MBUF_F_TX_IPV4 |
		      (proto == IPPROTO_UDP ? RTE_MBUF_F_TX_UDP_CKSUM : RTE_MBUF_F_TX_TCP_CKSUM);
	return m;
}

static int
send_all(uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
	uint64_t end = rte_get_timer_cycles() + 5 * rte_get_timer_hz();
	uint16_t ok = rte_eth_tx_prepare(port, 0, pkts, n), sent = 0;

	if (ok != n) {
		printf("tx_prepare refused packet %u: %s\n", ok, rte_strerror(rte_errno));
		return -1;
	}
	while (sent < n && rte_get_timer_cycles() < end)
		sent += rte_eth_tx_burst(port, 0, pkts + sent, n - sent);
	return sent == n ? 0 : -1;
}

/* Check a received frame: IP header, L4 checksum (unless partial), payload. */
static void
check_frame(struct rte_mbuf *m, struct result *r)
{
	struct rte_ipv4_hdr ipbuf;
	const struct rte_ipv4_hdr *ip;
	uint8_t buf[64];
	uint32_t payload_off, payload_len, base = 0;
	uint8_t seed;
	bool tcp;

	ip = rte_pktmbuf_read(m, RTE_ETHER_HDR_LEN, sizeof(ipbuf), &ipbuf);
	if (m->pkt_len < HDRS + 8 || ip == NULL || ip->version_ihl != RTE_IPV4_VHL_DEF ||
	    ip->src_addr != rte_cpu_to_be_32(RTE_IPV4(10, 99, 0, 1))) {
		r->other++;
		return;
	}
	if (rte_raw_cksum(ip, sizeof(*ip)) != 0xffff)
		r->bad_ip++;
	tcp = ip->next_proto_id == IPPROTO_TCP;
	if ((m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_NONE)
		r->partial++; /* data intact, checksum left to fill (GUEST_CSUM) */
	else if (rte_ipv4_udptcp_cksum_mbuf_verify(m, ip, HDRS) != 0)
		r->bad_l4++;
	if (m->ol_flags & RTE_MBUF_F_RX_LRO)
		r->lro++;
	payload_off = (uint32_t)HDRS +
		      (tcp ? sizeof(struct rte_tcp_hdr) : sizeof(struct rte_udp_hdr));
	payload_len = rte_be_to_cpu_16(ip->total_length) + RTE_ETHER_HDR_LEN - payload_off;
	if (tcp) {
		const struct rte_tcp_hdr *t = rte_pktmbuf_read(m, HDRS, sizeof(*t), buf);

		seed = (uint8_t)(rte_be_to_cpu_16(t->src_port) - 1000);
		base = rte_be_to_cpu_32(t->sent_seq) - (uint32_t)seed * 100000;
		r->tcp++;
		r->tcp_payload += payload_len;
	} else {
		const struct rte_udp_hdr *u = rte_pktmbuf_read(m, HDRS, sizeof(*u), buf);

		seed = (uint8_t)(rte_be_to_cpu_16(u->src_port) - 1000);
		r->udp++;
	}
	for (uint32_t i = 0; i < payload_len; i += sizeof(buf)) {
		uint32_t n = RTE_MIN(payload_len - i, (uint32_t)sizeof(buf));
		const uint8_t *p = rte_pktmbuf_read(m, payload_off + i, n, buf);

		for (uint32_t k = 0; p != NULL && k < n; k++)
			if (p[k] != pattern(base + i + k, seed)) {
				r->bad_payload++;
				return;
			}
		if (p == NULL) {
			r->bad_payload++;
			return;
		}
	}
}

static void
receive(uint16_t port, struct result *r, unsigned int want_frames, uint64_t want_tcp_payload)
{
	uint64_t end = rte_get_timer_cycles() + 10 * rte_get_timer_hz();
	struct rte_mbuf *pkts[32];

	while (rte_get_timer_cycles() < end &&
	       (r->udp + r->tcp < want_frames || r->tcp_payload < want_tcp_payload)) {
		uint16_t n = rte_eth_rx_burst(port, 0, pkts, 32);

		for (uint16_t i = 0; i < n; i++)
			check_frame(pkts[i], r);
		rte_pktmbuf_free_bulk(pkts, n);
	}
}

int
main(int argc, char **argv)
{
	struct rte_mbuf *pkts[NPKT];
	struct result r = { 0 };
	const char *mode;
	bool ok;
	int n;

	n = rte_eal_init(argc, argv);
	if (n < 0) {
		printf("EAL init failed\n");
		return 1;
	}
	argc -= n;
	argv += n;
	mode = argc > 1 ? argv[1] : "csum";
	if (rte_eth_dev_count_avail() < 2) {
		printf("need two ports\n");
		return 1;
	}
	mp = rte_pktmbuf_pool_create("check", 8191, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				     rte_socket_id());
	if (mp == NULL)
		return 1;
	if (strcmp(mode, "csum") == 0) {
		if (port_init(0, 0, RTE_ETH_TX_OFFLOAD_UDP_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM) ||
		    port_init(1, 0, 0))
			return 77;
	} else {
		uint64_t rxo = strcmp(mode, "lro") == 0 ?
				       RTE_ETH_RX_OFFLOAD_TCP_LRO | RTE_ETH_RX_OFFLOAD_TCP_CKSUM :
				       0;

		if (port_init(0, 0,
			      RTE_ETH_TX_OFFLOAD_TCP_TSO | RTE_ETH_TX_OFFLOAD_TCP_CKSUM |
				      RTE_ETH_TX_OFFLOAD_MULTI_SEGS) ||
		    port_init(1, rxo | RTE_ETH_RX_OFFLOAD_SCATTER, 0))
			return 77;
	}
	rte_eth_macaddr_get(0, &mac_tx);
	rte_eth_macaddr_get(1, &mac_rx);
	rte_delay_ms(500);

	if (strcmp(mode, "csum") == 0) {
		for (unsigned int i = 0; i < NPKT; i++)
			pkts[i] = make_frame(i % 2 ? IPPROTO_TCP : IPPROTO_UDP, 18 + 22 * i,
					     (uint8_t)i, (uint32_t)i * 100000);
		if (send_all(0, pkts, NPKT) != 0)
			return 1;
		receive(1, &r, NPKT, 0);
		ok = r.udp == NPKT / 2 && r.tcp == NPKT / 2 && r.partial == 0;
	} else {
		const unsigned int nseg = TSO_PAYLOAD / TSO_MSS;

		for (unsigned int i = 0; i < NPKT / 4; i++) {
			pkts[i] = make_frame(IPPROTO_TCP, TSO_PAYLOAD, (uint8_t)i,
					     (uint32_t)i * 100000);
			if (pkts[i] == NULL)
				return 1;
			pkts[i]->ol_flags = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_SEG;
			pkts[i]->tso_segsz = TSO_MSS;
		}
		if (send_all(0, pkts, NPKT / 4) != 0)
			return 1;
		receive(1, &r, 0, (uint64_t)TSO_PAYLOAD * (NPKT / 4));
		ok = r.tcp_payload == (uint64_t)TSO_PAYLOAD * (NPKT / 4);
		if (strcmp(mode, "tso") == 0)
			ok = ok && r.tcp == nseg * (NPKT / 4) && r.lro == 0;
		else
			ok = ok && r.lro > 0 && r.tcp < nseg * (NPKT / 4);
	}
	ok = ok && r.bad_ip == 0 && r.bad_l4 == 0 && r.bad_payload == 0;
	printf("net_pmd_check %s: udp %u tcp %u (payload %" PRIu64 ") lro %u partial %u, bad ip %u"
	       " l4 %u payload %u, other %u: %s\n",
	       mode, r.udp, r.tcp, r.tcp_payload, r.lro, r.partial, r.bad_ip, r.bad_l4,
	       r.bad_payload, r.other, ok ? "OK" : "FAILED");
	rte_eth_dev_stop(0);
	rte_eth_dev_stop(1);
	rte_eth_dev_close(0);
	rte_eth_dev_close(1);
	rte_eal_cleanup();
	return ok ? 0 : 1;
}
