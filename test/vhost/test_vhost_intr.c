/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Host test (suite 'vhost'): rx queue interrupts of net_vireo_user against
 * DPDK's vhost-user backend (`dpdk-testpmd --vdev net_vhost0`, io
 * forwarding: what we send comes back on the same queue).
 *
 * The port is configured with intr_conf.rxq = 1; each rx queue's interrupt
 * fd (the ring's own call eventfd) is added to this thread's epoll set with
 * rte_eth_dev_rx_intr_ctl_q. Then, per round and queue:
 *
 *   idle:  enable, rte_epoll_wait times out (nobody sends), disable;
 *   burst: send BURST frames, and receive them sleeping whenever a poll is
 *          empty (enable, rte_epoll_wait, disable), as l3fwd-power does.
 *
 * Checks: exact counts; the sleeper was woken by the backend (wakeups > 0);
 * the thread's CPU time (getrusage RUSAGE_THREAD) is well below the wall
 * time, i.e. it slept instead of spinning. A backend restart (stop/start,
 * the rings' call fds sent again) works in interrupt mode too.
 *
 *   test_vhost_intr TESTPMD
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_bus_vdev.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_epoll.h>
#include <rte_ethdev.h>
#include <rte_interrupts.h>
#include <rte_mbuf.h>

#include "vhost_test_util.h"

#define PAIRS 2
#define MAC "02:76:69:72:65:6f"
#define ROUNDS 10
#define BURST 32
#define IDLE_MS 100
#define WAIT_S 20

static const char *testpmd;
static struct rte_mempool *pool;
static uint16_t port;
static uint64_t wakeups, empty_waits;

static void
backend_start(void)
{
	struct vt_testpmd tp = {
		.path = testpmd, .prefix = "vhintr", .mem_mb = 512, .queues = PAIRS, .mbufs = 16384
	};

	vt_testpmd_start(&tp, WAIT_S);
}

static double
wall_s(void)
{
	return (double)rte_get_timer_cycles() / (double)rte_get_timer_hz();
}

static bool
wait_link(bool up)
{
	return vt_wait_link(port, up, WAIT_S);
}

static struct rte_mbuf *
frame(uint32_t seq)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *p;

	CHECK(m != NULL, "mbuf");
	p = (uint8_t *)rte_pktmbuf_append(m, 64);
	memset(p, 0xff, 6);
	rte_ether_unformat_addr(MAC, (struct rte_ether_addr *)(p + 6));
	p[12] = 0x88;
	p[13] = 0xb5;
	memcpy(p + 14, &seq, sizeof(seq));
	return m;
}

/* Add every rx queue's interrupt fd to this thread's epoll set, or delete it (@p op). */
static void
epoll_ctl_all(int op)
{
	for (uint16_t q = 0; q < PAIRS; q++) {
		int rc = rte_eth_dev_rx_intr_ctl_q(port, q, RTE_EPOLL_PER_THREAD, op,
						   (void *)(uintptr_t)q);

		CHECK(rc == 0, "rx_intr_ctl_q(queue %u, op %d): %d", q, op, rc);
	}
}

/* Sleep until queue @p q has an interrupt or @p ms passed. @return events. */
static int
sleep_on(uint16_t q, int ms)
{
	struct rte_epoll_event ev[PAIRS];
	int n;

	CHECK(rte_eth_dev_rx_intr_enable(port, q) == 0, "rx_intr_enable %u", q);
	n = rte_epoll_wait(RTE_EPOLL_PER_THREAD, ev, PAIRS, ms);
	CHECK(rte_eth_dev_rx_intr_disable(port, q) == 0, "rx_intr_disable %u", q);
	CHECK(n >= 0, "rte_epoll_wait: %d", n);
	for (int i = 0; i < n; i++)
		CHECK((uintptr_t)ev[i].epdata.data == q, "woken for queue %u, slept on %u",
		      (unsigned int)(uintptr_t)ev[i].epdata.data, q);
	return n;
}

/* Send BURST frames on @p q and receive them, sleeping whenever rx is empty. */
static void
burst_sleeping(uint16_t q, uint32_t seq)
{
	struct rte_mbuf *pkts[BURST];
	uint32_t got = 0;
	double deadline = wall_s() + WAIT_S;
	uint16_t sent = 0;

	for (uint16_t i = 0; i < BURST; i++)
		pkts[i] = frame(seq + i);
	while (sent < BURST && wall_s() < deadline)
		sent += rte_eth_tx_burst(port, q, pkts + sent, BURST - sent);
	CHECK(sent == BURST, "queue %u: tx took %u of %d", q, sent, BURST);
	while (got < BURST && wall_s() < deadline) {
		uint16_t n = rte_eth_rx_burst(port, q, pkts, BURST);

		for (uint16_t i = 0; i < n; i++)
			rte_pktmbuf_free(pkts[i]);
		got += n;
		if (n == 0 && got < BURST) {
			int ev = sleep_on(q, 1000);

			wakeups += (uint64_t)ev;
			empty_waits += ev == 0;
		}
	}
	CHECK(got == BURST, "queue %u: %u of %d frames came back", q, got, BURST);
}

static void
rounds(const char *when)
{
	struct rte_eth_stats st;
	double cpu0 = vt_thread_cpu_s(), wall0 = wall_s(), cpu, wall;
	uint64_t w0 = wakeups;

	CHECK(rte_eth_stats_reset(port) == 0, "stats reset");
	for (uint32_t r = 0; r < ROUNDS; r++) {
		for (uint16_t q = 0; q < PAIRS; q++) {
			CHECK(sleep_on(q, IDLE_MS) == 0, "%s: woken with nothing sent", when);
			burst_sleeping(q, r * 1000 + q * 100);
		}
	}
	cpu = vt_thread_cpu_s() - cpu0;
	wall = wall_s() - wall0;
	CHECK(rte_eth_stats_get(port, &st) == 0, "stats");
	printf("%s: sent %" PRIu64 " received %" PRIu64 ", %" PRIu64 " wakeups (%" PRIu64
	       " empty waits), cpu %.3f s of %.3f s wall (%.1f %%)\n",
	       when, st.opackets, st.ipackets, wakeups - w0, empty_waits, cpu, wall,
	       100.0 * cpu / wall);
	CHECK(st.opackets == (uint64_t)ROUNDS * PAIRS * BURST &&
		      st.ipackets == (uint64_t)ROUNDS * PAIRS * BURST,
	      "%s: stats %" PRIu64 "/%" PRIu64, when, st.opackets, st.ipackets);
	CHECK(wakeups > w0, "%s: never woken by the backend", when);
	/* Idle waits alone are ROUNDS * PAIRS * IDLE_MS of sleep. */
	CHECK(cpu < 0.5 * wall, "%s: %.3f s cpu in %.3f s: spinning, not sleeping", when, cpu,
	      wall);
}

int
main(int argc, char **argv)
{
	struct rte_eth_conf conf = { 0 };
	char vdev_args[200];

	CHECK(argc == 2, "usage: %s TESTPMD", argv[0]);
	testpmd = argv[1];
	vt_init(argv[0], "0@1", "128", false, NULL);
	pool = rte_pktmbuf_pool_create("vhintr", 8191, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	CHECK(pool != NULL, "mempool");

	vt_step("backend up, port with intr_conf.rxq = 1");
	backend_start();
	snprintf(vdev_args, sizeof(vdev_args), "path=%s,queues=%d,mac=%s", vt_sock_path, PAIRS,
		 MAC);
	CHECK(rte_vdev_init("net_vireo_user0", vdev_args) == 0, "probe net_vireo_user0");
	CHECK(rte_eth_dev_get_port_by_name("net_vireo_user0", &port) == 0, "port");
	conf.intr_conf.rxq = 1;
	CHECK(rte_eth_dev_configure(port, PAIRS, PAIRS, &conf) == 0, "configure with rxq intr");
	for (uint16_t q = 0; q < PAIRS; q++) {
		CHECK(rte_eth_rx_queue_setup(port, q, 1024, 0, NULL, pool) == 0, "rxq %u", q);
		CHECK(rte_eth_tx_queue_setup(port, q, 1024, 0, NULL) == 0, "txq %u", q);
	}
	CHECK(rte_eth_dev_start(port) == 0, "start");
	CHECK(wait_link(true), "link not up");
	epoll_ctl_all(RTE_INTR_EVENT_ADD);

	vt_step("sleep when idle, woken by the backend's packets");
	rounds("first backend");

	vt_step("backend restarted: stop/start, call fds sent again");
	epoll_ctl_all(RTE_INTR_EVENT_DEL);
	vt_backend_stop(SIGKILL);
	CHECK(wait_link(false), "link still up after the backend died");
	CHECK(rte_eth_dev_stop(port) == 0, "stop");
	backend_start();
	CHECK(rte_eth_dev_start(port) == 0, "start after the backend came back");
	CHECK(wait_link(true), "link not up after reconnect");
	epoll_ctl_all(RTE_INTR_EVENT_ADD);
	rounds("after restart");

	vt_step("close");
	epoll_ctl_all(RTE_INTR_EVENT_DEL);
	CHECK(rte_eth_dev_stop(port) == 0, "stop");
	CHECK(rte_eth_dev_close(port) == 0, "close");
	vt_backend_stop(SIGTERM);
	rte_mempool_free(pool);
	rte_eal_cleanup();
	vt_tmp_remove();
	printf("PASS\n");
	return 0;
}
