/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Host test (suite 'vhost'): link events of net_vireo_user by interrupt,
 * against DPDK's vhost-user backend (`dpdk-testpmd --vdev net_vhost0`).
 *
 * The port runs with intr_conf.lsc = 1. Its vhost-user socket is watched
 * by the EAL interrupt thread, so a backend that dies is reported at once,
 * not at the device watch's next 100 ms alarm:
 *
 *   backend killed -> LSC (link down) within LATENCY_MS of the socket
 *   closing, counted by the port's config_interrupts xstat (the interrupt
 *   path ran; the watch alone never counts there), one RESET event, tx
 *   neither blocks nor crashes; stop; backend restarted, start -> LSC (link
 *   up) at once; killed again -> stop and close at once, vdev uninit; probed again, killed while the LSC handler itself stops the
 *   port (from the interrupt thread) -> close; probed again, closed while
 *   the backend is alive. LeakSanitizer checks what is left (ASan build).
 *
 * "client": the backend listens, the port connects; "server": the port
 * listens (server=1) and the backend dials in (net_vhost client=1), again
 * by itself after each restart.
 *
 *   test_vhost_lsc TESTPMD client|server
 */
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_bus_vdev.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "vhost_test_util.h"

#define NAME "net_vireo_user0"
#define WAIT_S 20
/*
 * Bound on the link-down event after the socket closed. Through the
 * interrupt the event came before this thread even saw the backend's files
 * closed (4 to 41 ms before, on a loaded 2-core machine: scheduling); the
 * watch alone comes 0 to 100 ms after. The config_interrupts check is the
 * exact one; this bound catches an interrupt path that got slow.
 */
#define LATENCY_MS 50
/* The link-up event after a start that reconnected: the first watch check runs at once. */
#define UP_EVENT_MS 1000

/*
 * A pipe whose write end only the backend holds: it closes with the
 * backend's files, the socket among them, so its read end timestamps the
 * socket closing (the kernel frees a killed process's memory first, which
 * takes tens of ms for testpmd: waitpid() returns too late to measure from).
 */
static int exit_pipe = -1;
static const char *testpmd;
static bool server_mode;
static struct rte_mempool *pool;
static uint16_t port;

/* Written by the event callback (EAL interrupt thread). */
static struct {
	unsigned int lsc, reset;
	uint64_t lsc_tsc;     /* when the last LSC event came */
	uint8_t lsc_link;     /* link status read inside it */
	bool stop_in_handler; /* the next link-down LSC stops the port right there */
	bool handler_stopped; /* ...and it returned */
	int handler_stop_rc;
} ev;

static int
on_event(uint16_t port_id, enum rte_eth_event_type type, void *cb_arg, void *ret_param)
{
	struct rte_eth_link link;

	RTE_SET_USED(cb_arg);
	RTE_SET_USED(ret_param);
	if (type == RTE_ETH_EVENT_INTR_RESET) {
		__atomic_fetch_add(&ev.reset, 1, __ATOMIC_RELEASE);
		return 0;
	}
	rte_eth_link_get_nowait(port_id, &link);
	ev.lsc_tsc = rte_get_timer_cycles();
	ev.lsc_link = link.link_status;
	if (link.link_status == RTE_ETH_LINK_DOWN &&
	    __atomic_load_n(&ev.stop_in_handler, __ATOMIC_ACQUIRE)) {
		ev.handler_stop_rc = rte_eth_dev_stop(port_id);
		__atomic_store_n(&ev.handler_stopped, true, __ATOMIC_RELEASE);
	}
	__atomic_fetch_add(&ev.lsc, 1, __ATOMIC_RELEASE);
	return 0;
}

static bool
wait_count(unsigned int *counter, unsigned int want, unsigned int ms)
{
	for (unsigned int i = 0; i <= ms; i++) {
		if (__atomic_load_n(counter, __ATOMIC_ACQUIRE) >= want)
			return true;
		usleep(1000);
	}
	return false;
}

static double
ms_since(uint64_t tsc, uint64_t from)
{
	return ((double)(int64_t)(tsc - from)) * 1000.0 / (double)rte_get_timer_hz();
}

/* ---- Backend ---- */

static void
backend_start(void)
{
	struct vt_testpmd tp = { .path = testpmd,
				 .prefix = "vhlsc",
				 .mem_mb = 128,
				 .queues = 1,
				 .mbufs = 8192,
				 .client = server_mode };
	int fds[2];

	/* The write end without O_CLOEXEC: the backend inherits it. */
	CHECK(pipe(fds) == 0 && fcntl(fds[0], F_SETFD, FD_CLOEXEC) == 0, "pipe");
	if (exit_pipe >= 0)
		close(exit_pipe);
	exit_pipe = fds[0];
	vt_testpmd_start(&tp, WAIT_S);
	close(fds[1]);
}

/* SIGKILL the backend. @return when its files (the socket) were closed. */
static uint64_t
backend_kill(void)
{
	struct pollfd pfd = { .fd = exit_pipe, .events = POLLIN };
	uint64_t closed;

	CHECK(kill(vt_backend, SIGKILL) == 0, "kill");
	CHECK(poll(&pfd, 1, WAIT_S * 1000) == 1, "the backend's files stay open");
	closed = rte_get_timer_cycles();
	vt_backend_stop(SIGKILL); /* reap it */
	return closed;
}

/* ---- Port ---- */

static uint64_t
config_interrupts(void)
{
	uint64_t id, value;

	CHECK(rte_eth_xstats_get_id_by_name(port, "config_interrupts", &id) == 0,
	      "no xstat config_interrupts");
	CHECK(rte_eth_xstats_get_by_id(port, &id, &value, 1) == 1, "xstat config_interrupts");
	return value;
}

static void
port_probe_start(void)
{
	struct rte_eth_conf conf = { .intr_conf.lsc = 1 };
	char args[200];

	memset(&ev, 0, sizeof(ev));
	snprintf(args, sizeof(args), "path=%s%s", vt_sock_path, server_mode ? ",server=1" : "");
	CHECK(rte_vdev_init(NAME, args) == 0, "probe " NAME);
	CHECK(rte_eth_dev_get_port_by_name(NAME, &port) == 0, "port");
	CHECK(rte_eth_dev_callback_register(port, RTE_ETH_EVENT_INTR_LSC, on_event, NULL) == 0,
	      "LSC callback");
	CHECK(rte_eth_dev_callback_register(port, RTE_ETH_EVENT_INTR_RESET, on_event, NULL) == 0,
	      "RESET callback");
	CHECK(rte_eth_dev_configure(port, 1, 1, &conf) == 0, "configure");
	CHECK(rte_eth_rx_queue_setup(port, 0, 256, 0, NULL, pool) == 0, "rxq");
	CHECK(rte_eth_tx_queue_setup(port, 0, 256, 0, NULL) == 0, "txq");
	CHECK(vt_port_start(port, server_mode, WAIT_S) == 0, "start");
	CHECK(vt_wait_link(port, true, WAIT_S), "link not up");
}

static void
port_close(void)
{
	rte_eth_dev_callback_unregister(port, RTE_ETH_EVENT_INTR_LSC, on_event, NULL);
	rte_eth_dev_callback_unregister(port, RTE_ETH_EVENT_INTR_RESET, on_event, NULL);
	CHECK(rte_eth_dev_close(port) == 0, "close");
	CHECK(rte_vdev_uninit(NAME) == 0, "vdev uninit");
}

/*
 * Kill the backend: one LSC event (link down), within LATENCY_MS of the
 * socket closing (the backend reaped), from the interrupt path.
 */
static void
kill_backend_expect_event(const char *when)
{
	unsigned int lsc = __atomic_load_n(&ev.lsc, __ATOMIC_ACQUIRE);
	unsigned int reset = __atomic_load_n(&ev.reset, __ATOMIC_ACQUIRE);
	uint64_t intrs = config_interrupts(), t_kill, t_closed;
	double after_close;

	t_kill = rte_get_timer_cycles();
	t_closed = backend_kill();
	CHECK(wait_count(&ev.lsc, lsc + 1, 2000), "%s: no LSC event within 2 s of the kill", when);
	CHECK(ev.lsc_link == RTE_ETH_LINK_DOWN, "%s: the LSC event says link up", when);
	after_close = ms_since(ev.lsc_tsc, t_closed);
	printf("%s: link-down event %.3f ms after the kill, %.3f ms after the socket closed, "
	       "config_interrupts %" PRIu64 " -> %" PRIu64 "\n",
	       when, ms_since(ev.lsc_tsc, t_kill), after_close, intrs, config_interrupts());
	CHECK(after_close < LATENCY_MS,
	      "%s: link-down event %.1f ms after the socket closed (> %d)", when, after_close,
	      LATENCY_MS);
	CHECK(config_interrupts() == intrs + 1,
	      "%s: config_interrupts %" PRIu64 " -> %" PRIu64 ": the event did not come from the "
	      "socket interrupt",
	      when, intrs, config_interrupts());
	/* After the LSC event, as the watch does for a lost backend. */
	CHECK(wait_count(&ev.reset, reset + 1, 2000), "%s: no RESET event", when);
}

/* A port whose backend is gone: bursts neither block nor crash. */
static void
bursts_on_dead_port(void)
{
	struct rte_mbuf *pkts[32];
	uint32_t accepted = 0;

	for (int round = 0; round < 16; round++) {
		uint16_t done;

		for (int i = 0; i < 32; i++) {
			pkts[i] = rte_pktmbuf_alloc(pool);
			CHECK(pkts[i] != NULL && rte_pktmbuf_append(pkts[i], 64) != NULL, "mbuf");
			memset(rte_pktmbuf_mtod(pkts[i], void *), 0xff, 64);
		}
		done = rte_eth_tx_burst(port, 0, pkts, 32);
		for (int i = done; i < 32; i++)
			rte_pktmbuf_free(pkts[i]);
		accepted += done;
		done = rte_eth_rx_burst(port, 0, pkts, 32);
		rte_pktmbuf_free_bulk(pkts, done);
	}
	printf("backend gone: tx took %u of %d frames\n", accepted, 16 * 32);
}

int
main(int argc, char **argv)
{
	struct rte_eth_link link;

	CHECK(argc == 3 && (strcmp(argv[2], "client") == 0 || strcmp(argv[2], "server") == 0),
	      "usage: %s TESTPMD client|server", argv[0]);
	testpmd = argv[1];
	server_mode = strcmp(argv[2], "server") == 0;
	vt_init(argv[0], "0@1", "64", false, NULL);
	pool = rte_pktmbuf_pool_create("vhost_lsc", 2047, 64, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	CHECK(pool != NULL, "mempool");

	vt_step("backend up, port started with intr_conf.lsc = 1");
	backend_start();
	port_probe_start();

	vt_step("backend killed: link-down event by interrupt, one RESET event");
	kill_backend_expect_event("first kill");
	rte_eth_link_get_nowait(port, &link);
	CHECK(link.link_status == RTE_ETH_LINK_DOWN, "link still up");
	bursts_on_dead_port();
	usleep(300 * 1000); /* the watch's alarms come and go: no second event */
	CHECK(__atomic_load_n(&ev.lsc, __ATOMIC_ACQUIRE) == 1 &&
		      __atomic_load_n(&ev.reset, __ATOMIC_ACQUIRE) == 1,
	      "events repeated: %u LSC, %u RESET", ev.lsc, ev.reset);

	vt_step("stop while the backend is gone; backend back, start: link-up event");
	CHECK(rte_eth_dev_stop(port) == 0, "stop without a backend");
	backend_start();
	CHECK(vt_port_start(port, server_mode, WAIT_S) == 0, "start after the backend came back");
	CHECK(wait_count(&ev.lsc, 2, UP_EVENT_MS), "no link-up event within %d ms of the start",
	      UP_EVENT_MS);
	CHECK(ev.lsc_link == RTE_ETH_LINK_UP, "the LSC event after the restart says link down");
	rte_eth_link_get_nowait(port, &link);
	CHECK(link.link_status == RTE_ETH_LINK_UP, "link not up after the restart");

	vt_step("killed again: stop and close at once");
	kill_backend_expect_event("second kill");
	CHECK(rte_eth_dev_stop(port) == 0, "stop");
	port_close();

	vt_step("probed again, killed: the LSC handler stops the port itself");
	backend_start();
	port_probe_start();
	__atomic_store_n(&ev.stop_in_handler, true, __ATOMIC_RELEASE);
	kill_backend_expect_event("third kill");
	CHECK(__atomic_load_n(&ev.handler_stopped, __ATOMIC_ACQUIRE) && ev.handler_stop_rc == 0,
	      "stop inside the LSC handler: %d", ev.handler_stop_rc);
	port_close();

	vt_step("probed again: close while the backend is alive");
	backend_start();
	port_probe_start();
	CHECK(__atomic_load_n(&ev.lsc, __ATOMIC_ACQUIRE) == 0, "an LSC event on a plain start");
	CHECK(rte_eth_dev_stop(port) == 0, "stop");
	port_close();
	backend_kill();
	close(exit_pipe);

	rte_mempool_free(pool);
	rte_eal_cleanup();
	vt_tmp_remove();
	printf("PASS\n");
	return 0;
}
