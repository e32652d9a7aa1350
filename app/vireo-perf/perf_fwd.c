/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Forwarding loops. A forwarding lcore polls its streams in turn, one burst
 * each (testpmd's run_pkt_fwd_on_lcore): no system calls, counters updated
 * once per burst with relaxed stores.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_epoll.h>
#include <rte_interrupts.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_memcpy.h>
#include <rte_udp.h>

#include "perf_net.h"

#define PERF_UDP_SPORT_OFF (14 + 20)
/* --idle sleep: longest sleep, so that a stop request is seen in time */
#define PERF_SLEEP_MS 10
/* not RTE_IPV4(): in 22.11 it shifts a signed int into the sign bit (UB) */
#define PERF_IP(a, b, c, d) \
	((UINT32_C(a) << 24) | (UINT32_C(b) << 16) | (UINT32_C(c) << 8) | UINT32_C(d))

/* Ethernet / IPv4 (198.18.0.1 -> 198.18.0.2, RFC 2544 range) / UDP headers */
void
perf_stream_build_template(struct perf_stream *s)
{
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)s->tmpl;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);

	memset(s->tmpl, 0, sizeof(s->tmpl));
	rte_ether_addr_copy(&s->dst_mac, &eh->dst_addr);
	rte_ether_addr_copy(&s->src_mac, &eh->src_addr);
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(s->pkt_size - RTE_ETHER_HDR_LEN);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(PERF_IP(198, 18, 0, 1));
	ip->dst_addr = rte_cpu_to_be_32(PERF_IP(198, 18, 0, 2));
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = rte_cpu_to_be_16(PERF_UDP_SPORT);
	udp->dst_port = rte_cpu_to_be_16(PERF_UDP_DPORT);
	udp->dgram_len = rte_cpu_to_be_16(s->pkt_size - RTE_ETHER_HDR_LEN - sizeof(*ip));
	/* UDP checksum 0: "not computed", legal over IPv4 */
}

static inline void
put_headers(struct perf_stream *s, struct rte_mbuf *m)
{
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);

	rte_memcpy(d, s->tmpl, PERF_HDR_LEN);
	if (s->fwd == PERF_FWD_FLOWGEN) {
		uint16_t sport = (uint16_t)(PERF_UDP_SPORT + s->flow);

		/* only the UDP source port changes: IP checksum unaffected,
		 * UDP checksum is 0 */
		*(rte_be16_t *)(d + PERF_UDP_SPORT_OFF) = rte_cpu_to_be_16(sport);
		if (++s->flow == s->flows)
			s->flow = 0;
	}
}

/* Allocate and fill n packets; returns n, or 0 when the pool ran dry. */
static inline unsigned int
gen_burst(struct perf_stream *s, struct rte_mbuf **pkts, unsigned int n)
{
	unsigned int i, k;

	if (likely(s->nb_segs == 1)) {
		if (unlikely(rte_pktmbuf_alloc_bulk(s->pool, pkts, n) != 0)) {
			perf_seq_write_begin(&s->cnt.seq);
			perf_cnt_add(&s->cnt.alloc_fail, n);
			perf_seq_write_end(&s->cnt.seq);
			return 0;
		}
		for (i = 0; i < n; i++) {
			struct rte_mbuf *m = pkts[i];

			m->data_len = s->pkt_size;
			m->pkt_len = s->pkt_size;
			put_headers(s, m);
		}
		return n;
	}

	if (unlikely(rte_pktmbuf_alloc_bulk(s->pool, s->scratch, n * s->nb_segs) != 0)) {
		perf_seq_write_begin(&s->cnt.seq);
		perf_cnt_add(&s->cnt.alloc_fail, n);
		perf_seq_write_end(&s->cnt.seq);
		return 0;
	}
	for (i = 0; i < n; i++) {
		struct rte_mbuf **seg = &s->scratch[i * s->nb_segs];
		unsigned int left = s->pkt_size;

		for (k = 0; k < s->nb_segs; k++) {
			unsigned int len = RTE_MIN(left, (unsigned int)s->seg_size);

			seg[k]->data_len = (uint16_t)len;
			seg[k]->next = k + 1 < s->nb_segs ? seg[k + 1] : NULL;
			left -= len;
		}
		seg[0]->nb_segs = s->nb_segs;
		seg[0]->pkt_len = s->pkt_size;
		/* headers stay in the first segment: seg_size >= 64 */
		put_headers(s, seg[0]);
		pkts[i] = seg[0];
	}
	return n;
}

/*
 * The PMD's burst functions behind one out-of-line call each, so that
 * callgrind can count exactly the driver's instructions for any PMD, even
 * one stripped of its symbols such as Debian's net_virtio
 * (--toggle-collect=perf_eth_rx_burst*, devtools/vireo arena ipp).
 * One call per burst, not per packet.
 */
#if defined(__clang__)
#define PERF_OUT_OF_LINE __attribute__((noinline))
#else
#define PERF_OUT_OF_LINE __attribute__((noinline, noclone))
#endif

PERF_OUT_OF_LINE void perf_eth_rx_empty(void);
PERF_OUT_OF_LINE void perf_eth_tx_none(void);
PERF_OUT_OF_LINE uint16_t perf_eth_rx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts,
					    uint16_t n);
PERF_OUT_OF_LINE uint16_t perf_eth_tx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts,
					    uint16_t n);

/*
 * Called after every rx burst that returned nothing and every tx burst that
 * took nothing (ring full): callgrind's call counts of them are the empty
 * polls and refused bursts, whose cost the arena subtracts from the
 * per-packet figure. The asm keeps the compiler from dropping the calls.
 */
void
perf_eth_rx_empty(void)
{
	__asm__ volatile("" ::: "memory");
}

void
perf_eth_tx_none(void)
{
	__asm__ volatile("" ::: "memory");
}

uint16_t
perf_eth_rx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t got = rte_eth_rx_burst(port, queue, pkts, n);

	if (got == 0)
		perf_eth_rx_empty();
	return got;
}

uint16_t
perf_eth_tx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t sent = rte_eth_tx_burst(port, queue, pkts, n);

	if (sent == 0)
		perf_eth_tx_none();
	return sent;
}

static inline uint64_t
sum_bytes(struct rte_mbuf **pkts, unsigned int n)
{
	uint64_t bytes = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		bytes += pkts[i]->pkt_len;
	return bytes;
}

/* Transmit n packets, count what went out, free and count the rest.
 * @return packets sent. */
static inline uint16_t
send_burst(struct perf_stream *s, struct rte_mbuf **pkts, unsigned int n, uint64_t bytes)
{
	uint16_t sent;

	sent = perf_eth_tx_burst(s->tx_port, s->tx_queue, pkts, (uint16_t)n);
	if (unlikely(sent < n)) {
		bytes = sum_bytes(pkts, sent);
		rte_pktmbuf_free_bulk(&pkts[sent], n - sent);
	}
	perf_seq_write_begin(&s->cnt.seq);
	perf_cnt_add(&s->cnt.tx_unsent, n - sent);
	perf_cnt_add(&s->cnt.tx_pkts, sent);
	perf_cnt_add(&s->cnt.tx_bytes, bytes);
	perf_seq_write_end(&s->cnt.seq);
	return sent;
}

static inline uint16_t
recv_burst(struct perf_stream *s, struct rte_mbuf **pkts, uint64_t *bytes)
{
	uint16_t n;

	n = perf_eth_rx_burst(s->rx_port, s->rx_queue, pkts, s->burst);
	if (n == 0)
		return 0;
	*bytes = sum_bytes(pkts, n);
	perf_seq_write_begin(&s->cnt.seq);
	perf_cnt_add(&s->cnt.rx_pkts, n);
	perf_cnt_add(&s->cnt.rx_bytes, *bytes);
	perf_seq_write_end(&s->cnt.seq);
	return n;
}

static inline void
edit_macs(struct perf_stream *s, struct rte_mbuf **pkts, unsigned int n, enum perf_fwd fwd)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct rte_ether_hdr *eh = rte_pktmbuf_mtod(pkts[i], struct rte_ether_hdr *);

		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		if (fwd == PERF_FWD_MAC) {
			rte_ether_addr_copy(&s->dst_mac, &eh->dst_addr);
			rte_ether_addr_copy(&s->src_mac, &eh->src_addr);
		} else {
			struct rte_ether_addr tmp = eh->dst_addr;

			eh->dst_addr = eh->src_addr;
			eh->src_addr = tmp;
		}
	}
}

/* io, mac, macswap: one received burst, forwarded. fwd is a constant in each
 * caller, so each step is specialised at compile time. */
static __rte_always_inline void
forward_step(struct perf_stream *s, enum perf_fwd fwd)
{
	struct rte_mbuf *pkts[PERF_MAX_BURST];
	uint64_t bytes;
	uint16_t n;

	n = recv_burst(s, pkts, &bytes);
	if (n == 0)
		return;
	if (fwd != PERF_FWD_IO)
		edit_macs(s, pkts, n, fwd);
	send_burst(s, pkts, n, bytes);
}

static inline void
rxonly_step(struct perf_stream *s)
{
	struct rte_mbuf *pkts[PERF_MAX_BURST];
	uint64_t bytes;
	uint16_t n;

	n = recv_burst(s, pkts, &bytes);
	if (n > 0)
		rte_pktmbuf_free_bulk(pkts, n);
}

/*
 * --rate: packets due since the last send (one per rate_period TSC cycles),
 * at most @p want; the schedule is charged for them. After a stall the
 * schedule restarts from now rather than sending the backlog at once.
 */
static inline uint64_t
rate_allowance(struct perf_stream *s, uint64_t want)
{
	uint64_t now = rte_rdtsc(), due;

	if (now < s->rate_next)
		return 0;
	if (now - s->rate_next > want * s->rate_period)
		s->rate_next = now - s->rate_period;
	due = (now - s->rate_next) / s->rate_period + 1;
	want = RTE_MIN(want, due);
	s->rate_next += want * s->rate_period;
	return want;
}

/* txonly and flowgen; flowgen also frees whatever arrives (as testpmd's). */
static inline void
generate_step(struct perf_stream *s)
{
	struct rte_mbuf *pkts[PERF_MAX_BURST];
	uint64_t want;
	uint16_t n;

	if (s->do_rx)
		rxonly_step(s);
	if (!s->do_tx || s->tx_left == 0)
		return;
	want = RTE_MIN((uint64_t)s->burst, s->tx_left);
	if (s->rate_period != 0) {
		want = rate_allowance(s, want);
		if (want == 0)
			return;
	}
	n = (uint16_t)gen_burst(s, pkts, (unsigned int)want);
	if (n > 0)
		s->tx_left -= send_burst(s, pkts, n, (uint64_t)n * s->pkt_size);
}

/* One burst of one stream. */
static inline void
stream_step(struct perf_stream *s)
{
	switch (s->fwd) {
	case PERF_FWD_IO:
		forward_step(s, PERF_FWD_IO);
		break;
	case PERF_FWD_MAC:
		forward_step(s, PERF_FWD_MAC);
		break;
	case PERF_FWD_MACSWAP:
		forward_step(s, PERF_FWD_MACSWAP);
		break;
	case PERF_FWD_RXONLY:
		rxonly_step(s);
		break;
	default: /* txonly, flowgen: perf_net.c builds no other kind */
		generate_step(s);
		break;
	}
}

static void
send_first_burst(struct perf_stream *s)
{
	struct rte_mbuf *pkts[PERF_MAX_BURST];
	unsigned int n;

	n = gen_burst(s, pkts, s->burst);
	if (n > 0)
		send_burst(s, pkts, n, (uint64_t)n * s->pkt_size);
}

static inline bool
stopping(const struct perf_fwd_lcore *lc)
{
	return __atomic_load_n(lc->stop, __ATOMIC_RELAXED) != 0;
}

/* Packets received by this lcore's streams so far (its own counters). */
static inline uint64_t
lcore_rx(const struct perf_fwd_lcore *lc)
{
	uint64_t n = 0;

	for (unsigned int i = 0; i < lc->nb_streams; i++)
		n += lc->streams[i]->cnt.rx_pkts;
	return n;
}

/* Add (or remove) every rx queue of the lcore to its thread's epoll set. */
static int
sleep_ctl(struct perf_fwd_lcore *lc, int op)
{
	for (unsigned int i = 0; i < lc->nb_streams; i++) {
		struct perf_stream *s = lc->streams[i];
		int rc = rte_eth_dev_rx_intr_ctl_q(s->rx_port, s->rx_queue, RTE_EPOLL_PER_THREAD,
						   op, s);

		if (rc != 0 && op == RTE_INTR_EVENT_ADD) {
			printf("lcore %u: port %u queue %u: no rx interrupt (%s): polling\n",
			       lc->lcore, s->rx_port, s->rx_queue, rte_strerror(-rc));
			return rc;
		}
	}
	return 0;
}

/*
 * Sleep until an rx interrupt (or PERF_SLEEP_MS, to see the stop flag):
 * enable every queue's interrupt, wait, disable, poll again. The driver
 * wakes the wait itself when packets came in before the enable. A queue
 * whose interrupt cannot be enabled (-EIO: the device broke it, e.g. a
 * vhost-user backend that went away) makes this a PERF_SLEEP_MS nap: the
 * lcore keeps its low CPU use rather than spinning on a queue that
 * delivers nothing.
 */
static void
idle_sleep(struct perf_fwd_lcore *lc)
{
	struct rte_epoll_event ev[8];
	int n;

	for (unsigned int i = 0; i < lc->nb_streams; i++)
		rte_eth_dev_rx_intr_enable(lc->streams[i]->rx_port, lc->streams[i]->rx_queue);
	n = rte_epoll_wait(RTE_EPOLL_PER_THREAD, ev, RTE_DIM(ev), PERF_SLEEP_MS);
	for (unsigned int i = 0; i < lc->nb_streams; i++)
		rte_eth_dev_rx_intr_disable(lc->streams[i]->rx_port, lc->streams[i]->rx_queue);
	perf_cnt_add(&lc->sleeps, 1);
	if (n > 0)
		perf_cnt_add(&lc->wakeups, 1);
}

/* --idle sleep: poll; after idle_polls empty rounds, sleep on interrupts. */
static void
run_sleeping(struct perf_fwd_lcore *lc)
{
	uint64_t seen = lcore_rx(lc);
	unsigned int empty = 0;

	while (!stopping(lc)) {
		uint64_t now;

		for (unsigned int i = 0; i < lc->nb_streams; i++)
			stream_step(lc->streams[i]);
		now = lcore_rx(lc);
		if (now != seen) {
			seen = now;
			empty = 0;
		} else if (++empty >= lc->idle_polls) {
			idle_sleep(lc);
			empty = 0;
		}
	}
	sleep_ctl(lc, RTE_INTR_EVENT_DEL);
}

int
perf_fwd_lcore_run(void *arg)
{
	struct perf_fwd_lcore *lc = arg;
	struct perf_stream *const *streams = lc->streams;
	unsigned int nb = lc->nb_streams;
	unsigned int i;

	/* The main lcore reads this thread's CPU time through its clock. */
	if (pthread_getcpuclockid(pthread_self(), &lc->cpu_clock) == 0)
		__atomic_store_n(&lc->cpu_clock_ok, 1, __ATOMIC_RELEASE);
	for (i = 0; i < nb; i++)
		if (streams[i]->tx_first && streams[i]->do_tx)
			send_first_burst(streams[i]);
	if (lc->sleep) {
		if (sleep_ctl(lc, RTE_INTR_EVENT_ADD) == 0) {
			run_sleeping(lc);
			return 0;
		}
		/* Some queue has no interrupt: poll, and say so in the figures. */
		sleep_ctl(lc, RTE_INTR_EVENT_DEL);
		__atomic_store_n(&lc->sleep, false, __ATOMIC_RELAXED);
	}
	if (nb == 1) {
		/* the common case stays a tight loop around one stream */
		while (!stopping(lc))
			stream_step(streams[0]);
		return 0;
	}
	while (!stopping(lc))
		for (i = 0; i < nb; i++)
			stream_step(streams[i]);
	return 0;
}
