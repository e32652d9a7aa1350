/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Host test (suite 'vhost'): net_vireo_user against DPDK's own vhost-user
 * backend, no VM. The test starts `dpdk-testpmd --vdev net_vhost0` (io
 * forwarding: every frame we send comes back on the same queue) as a child,
 * then drives a net_vireo_user port in this process:
 *
 *   missing socket -> clear probe error; a bad queue_size -> refused; link
 *   up, devargs MAC; exact echo
 *   counts on both queue pairs with a bounded sender; 9000-byte frames as
 *   mbuf chains (MTU 9000); backend killed -> link down, tx neither blocks
 *   nor crashes; backend restarted -> stop/start works again with exact
 *   counts; killed again -> rte_eth_dev_reset + reconfigure works too.
 *
 * Our memory, which the backend maps: "hugepages" (--in-memory
 * --single-file-segments: 160 free 2 MiB pages (128 MiB, and 160 MiB more
 * for the memory-growth step), which devtools/setup.sh
 * reserves as root) or "nohuge" (--no-huge: DPDK 22.11 backs it with a
 * memfd, shareable too). Bounded bursts and generous timeouts, no timing
 * assertions: the machine has 2 loaded CPUs.
 *
 * "server": hugepage memory, and the roles of the socket swapped: our port
 * listens (server=1) and the backend dials in (net_vhost client=1), and
 * dials again by itself after each restart.
 *
 *   test_vhost_user TESTPMD hugepages|nohuge|server
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rte_bus_vdev.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_memzone.h>

#include "vhost_test_util.h"
#include "vio_spec.h"

#define PAIRS 2
#define MAC "02:76:69:72:65:6f"
#define ECHO_FRAMES 2000 /* per queue */
#define JUMBO_FRAMES 100
#define JUMBO_LEN 9000
#define IN_FLIGHT 128 /* well below the 1024-entry rx ring: the backend never drops */
#define WAIT_S 20

static const char *testpmd;
static bool server_mode; /* we listen, the backend connects */
static struct rte_mempool *pool;
static uint16_t port;

/* ---- Backend ---- */

static void
backend_start(void)
{
	struct vt_testpmd tp = { .path = testpmd,
				 .prefix = "vhtest",
				 .mem_mb = 512,
				 .queues = PAIRS,
				 .mbufs = 16384,
				 .client = server_mode,
				 .debug_log = true };

	vt_testpmd_start(&tp, WAIT_S);
}

static void
backend_kill(void)
{
	vt_backend_stop(SIGKILL);
}

/* ---- Port ---- */

static void
port_configure(void)
{
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_dev_info info;

	CHECK(rte_eth_dev_info_get(port, &info) == 0, "dev_info");
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER)
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
	CHECK(info.max_rx_queues >= PAIRS, "port offers %u rx queues, want %d", info.max_rx_queues,
	      PAIRS);
	CHECK(rte_eth_dev_configure(port, PAIRS, PAIRS, &conf) == 0, "configure");
	CHECK(rte_eth_dev_set_mtu(port, JUMBO_LEN) == 0, "MTU %d", JUMBO_LEN);
	for (uint16_t q = 0; q < PAIRS; q++) {
		CHECK(rte_eth_rx_queue_setup(port, q, 1024, 0, NULL, pool) == 0, "rxq %u", q);
		CHECK(rte_eth_tx_queue_setup(port, q, 1024, 0, NULL) == 0, "txq %u", q);
	}
}

static bool
wait_link(bool up)
{
	return vt_wait_link(port, up, WAIT_S);
}

/* ---- Traffic ---- */

static struct rte_mbuf *
frame(uint32_t len, uint32_t seq)
{
	struct rte_mbuf *head = NULL, *last = NULL;
	uint32_t left = len;

	while (left > 0) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		uint16_t n = (uint16_t)RTE_MIN(left, (uint32_t)rte_pktmbuf_tailroom(m));
		uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, n);

		CHECK(m != NULL && p != NULL, "mbuf");
		memset(p, (int)(seq & 0xff), n);
		if (head == NULL) {
			/* Unicast to the backend's peer, from us; ethertype: local experimental. */
			memset(p, 0xff, 6);
			rte_ether_unformat_addr(MAC, (struct rte_ether_addr *)(p + 6));
			p[12] = 0x88;
			p[13] = 0xb5;
			memcpy(p + 14, &seq, sizeof(seq));
			head = m;
		} else {
			CHECK(rte_pktmbuf_chain(head, m) == 0, "chain");
		}
		last = m;
		left -= n;
	}
	(void)last;
	return head;
}

/*
 * Send @p count frames of @p len bytes on queue @p q with at most IN_FLIGHT
 * unanswered, and count the echoes. @return frames received back.
 */
static uint32_t
echo(uint16_t q, uint32_t count, uint32_t len)
{
	uint32_t sent = 0, got = 0, idle = 0;
	uint64_t deadline = rte_get_timer_cycles() + (uint64_t)WAIT_S * rte_get_timer_hz();

	while (got < count && rte_get_timer_cycles() < deadline) {
		struct rte_mbuf *pkts[32];
		uint16_t n;

		if (sent < count && sent - got < IN_FLIGHT) {
			uint16_t want = (uint16_t)RTE_MIN(
				32u, RTE_MIN(count - sent, IN_FLIGHT - (sent - got)));
			uint16_t done;

			for (uint16_t i = 0; i < want; i++)
				pkts[i] = frame(len, sent + i);
			done = rte_eth_tx_burst(port, q, pkts, want);
			for (uint16_t i = done; i < want; i++)
				rte_pktmbuf_free(pkts[i]);
			sent += done;
		}
		n = rte_eth_rx_burst(port, q, pkts, 32);
		for (uint16_t i = 0; i < n; i++) {
			CHECK(pkts[i]->pkt_len == len, "queue %u: echo of %u bytes, sent %u", q,
			      pkts[i]->pkt_len, len);
			rte_pktmbuf_free(pkts[i]);
		}
		got += n;
		if (n == 0 && ++idle % 64 == 0)
			usleep(100); /* share the CPU with the backend on a loaded host */
	}
	return got;
}

/*
 * The features the backend agreed to: DPDK's vhost library logs them
 * ("negotiated Virtio features: 0x...") in its log.
 * @return the last negotiation's features, or 0 when none was logged.
 */
static uint64_t
backend_negotiated(void)
{
	FILE *f = fopen(vt_log_path, "r");
	const char *key = "negotiated Virtio features: 0x";
	char line[512];
	uint64_t features = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *at = strstr(line, key);

		if (at != NULL)
			features = strtoull(at + strlen(key), NULL, 16);
	}
	fclose(f);
	return features;
}

static void
traffic(const char *when)
{
	struct rte_eth_stats st;
	uint64_t want = 0;

	printf("traffic %s\n", when);
	CHECK(rte_eth_stats_reset(port) == 0, "stats reset");
	for (uint16_t q = 0; q < PAIRS; q++) {
		uint32_t len = 64 + 700 * q;
		uint32_t got = echo(q, ECHO_FRAMES, len);

		CHECK(got == ECHO_FRAMES, "%s: queue %u: %u of %d frames came back", when, q, got,
		      ECHO_FRAMES);
		want += ECHO_FRAMES;
	}
	CHECK(echo(0, JUMBO_FRAMES, JUMBO_LEN) == JUMBO_FRAMES, "%s: jumbo frames lost", when);
	want += JUMBO_FRAMES;
	CHECK(rte_eth_stats_get(port, &st) == 0, "stats");
	printf("%s: sent %" PRIu64 " received %" PRIu64 " (q0 %" PRIu64 "/%" PRIu64 ", q1 %" PRIu64
	       "/%" PRIu64 ")\n",
	       when, st.opackets, st.ipackets, st.q_opackets[0], st.q_ipackets[0], st.q_opackets[1],
	       st.q_ipackets[1]);
	CHECK(st.opackets == want && st.ipackets == want,
	      "%s: stats %" PRIu64 "/%" PRIu64 ", want %" PRIu64, when, st.opackets, st.ipackets,
	      want);
	CHECK(st.q_ipackets[1] == ECHO_FRAMES, "%s: queue 1 received %" PRIu64, when,
	      st.q_ipackets[1]);
}

/* Sum of the port's xstats named tx_*<suffix>. */
static uint64_t
tx_xstat_sum(const char *suffix)
{
	struct rte_eth_xstat_name *names;
	struct rte_eth_xstat *vals;
	int n = rte_eth_xstats_get_names(port, NULL, 0);
	size_t sl = strlen(suffix);
	uint64_t sum = 0;

	CHECK(n > 0, "xstats names");
	names = calloc((size_t)n, sizeof(*names));
	vals = calloc((size_t)n, sizeof(*vals));
	CHECK(names != NULL && vals != NULL, "calloc");
	CHECK(rte_eth_xstats_get_names(port, names, (unsigned int)n) == n, "xstats names");
	CHECK(rte_eth_xstats_get(port, vals, (unsigned int)n) == n, "xstats");
	for (int i = 0; i < n; i++) {
		const char *name = names[vals[i].id].name;
		size_t nl = strlen(name);

		if (strncmp(name, "tx_", 3) == 0 && nl >= sl && strcmp(name + nl - sl, suffix) == 0)
			sum += vals[i].value;
	}
	free(names);
	free(vals);
	return sum;
}

/*
 * DPDK's vhost completes tx without writing a len (packed: the driver's own
 * len stays in the used descriptor, WRITE clear, a reserved field: section
 * 2.8.4; split: len 0). None of that is a device writing a meaningless len.
 */
static void
check_tx_used_len(const char *when)
{
	for (uint16_t q = 0; q < PAIRS; q++)
		CHECK(rte_eth_tx_done_cleanup(port, q, 0) >= 0, "%s: tx_done_cleanup", when);
	CHECK(tx_xstat_sum("used_len_errors") == 0,
	      "%s: tx used_len_errors %" PRIu64 " (a reserved used len counted)", when,
	      tx_xstat_sum("used_len_errors"));
}

/*
 * Hugepage memory grows on demand; what EAL adds after start is not in the
 * backend's table: the transport says so (once), and the port keeps working.
 */
static void
grow_memory(void)
{
	const struct rte_memzone *mz;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	CHECK(f != NULL, "open_memstream");
	rte_openlog_stream(f);
	mz = rte_memzone_reserve("vhost_test_grow", 160 << 20, SOCKET_ID_ANY, 0);
	rte_openlog_stream(NULL);
	fclose(f);
	CHECK(mz != NULL, "cannot grow memory by 160 MiB (hugepages)");
	printf("%s", text);
	CHECK(strstr(text, "after start") != NULL, "no warning about memory added after start");
	free(text);
	rte_memzone_free(mz);
	traffic("after memory grew");
}

/* Backend killed: link goes down, tx neither blocks nor crashes. */
static void
lose_backend(void)
{
	struct rte_mbuf *pkts[32];
	uint32_t accepted = 0;

	backend_kill();
	CHECK(wait_link(false), "link still up after the backend died");
	for (int round = 0; round < 64; round++) {
		uint16_t done;

		for (int i = 0; i < 32; i++)
			pkts[i] = frame(64, (uint32_t)i);
		done = rte_eth_tx_burst(port, 0, pkts, 32);
		for (int i = done; i < 32; i++)
			rte_pktmbuf_free(pkts[i]);
		accepted += done;
		rte_eth_rx_burst(port, 0, pkts, 32); /* nothing, and no crash */
	}
	printf("backend gone: link down, tx took %u of %d frames (ring filling up)\n", accepted,
	       64 * 32);
}

int
main(int argc, char **argv)
{
	char vdev_args[200];
	struct rte_ether_addr mac, want_mac;
	uint64_t features;
	bool nohuge;
	int rc;

	const char *server_args = "";

	CHECK(argc == 3 && (strcmp(argv[2], "hugepages") == 0 || strcmp(argv[2], "nohuge") == 0 ||
			    strcmp(argv[2], "server") == 0 || strcmp(argv[2], "split") == 0),
	      "usage: %s TESTPMD hugepages|nohuge|server|split", argv[0]);
	testpmd = argv[1];
	server_mode = strcmp(argv[2], "server") == 0;
	/* net_vhost offers packed rings: every mode runs them but 'split' (packed=0). */
	if (server_mode)
		server_args = ",server=1,packed=1";
	else if (strcmp(argv[2], "split") == 0)
		server_args = ",packed=0";
	else
		server_args = ",packed=1";
	nohuge = strcmp(argv[2], "nohuge") == 0;

	/* Our memory: hugepages (memfd, one file per list) or --no-huge (a memfd too). */
	printf("---- EAL: %s, one lcore on CPU 1\n", nohuge ? "no-huge" : "hugepages");
	vt_init(argv[0], "0@1", "128", nohuge, NULL);
	pool = rte_pktmbuf_pool_create("vhost_test", 8191, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	CHECK(pool != NULL, "mempool");

	vt_step("probe without a backend: clear error");
	snprintf(vdev_args, sizeof(vdev_args), "path=%s%s", vt_sock_path,
		 server_mode ? ",server=1,server_wait=1" : "");
	rc = rte_vdev_init("net_vireo_user1", vdev_args);
	CHECK(rc < 0, "probe without a backend succeeded");
	printf("probe without backend: %d\n", rc);

	vt_step("backend up: probe, link, MAC");
	backend_start();
	/*
	 * A bad devarg: refused, nothing left behind. (More queues than the
	 * backend's pairs cannot be caught with net_vhost: its GET_QUEUE_NUM
	 * answers the library's maximum, 128, whatever queues= says.)
	 */
	snprintf(vdev_args, sizeof(vdev_args), "path=%s,queue_size=100", vt_sock_path);
	CHECK(rte_vdev_init("net_vireo_user3", vdev_args) < 0, "probe with queue_size=100");
	CHECK(rte_eth_dev_count_avail() == 0, "a refused probe left a port");
	snprintf(vdev_args, sizeof(vdev_args), "path=%s,mrg_rxbuf=2", vt_sock_path);
	CHECK(rte_vdev_init("net_vireo_user3", vdev_args) < 0, "probe with mrg_rxbuf=2");
	CHECK(rte_eth_dev_count_avail() == 0, "a refused probe left a port");
	snprintf(vdev_args, sizeof(vdev_args), "path=%s,queues=%d,mac=%s%s", vt_sock_path, PAIRS,
		 MAC, server_args);
	CHECK(rte_vdev_init("net_vireo_user0", vdev_args) == 0, "probe net_vireo_user0");
	CHECK(rte_eth_dev_get_port_by_name("net_vireo_user0", &port) == 0, "port");
	port_configure();
	CHECK(rte_eth_dev_start(port) == 0, "start");
	CHECK(wait_link(true), "link not up");
	CHECK(rte_eth_macaddr_get(port, &mac) == 0, "mac");
	rte_ether_unformat_addr(MAC, &want_mac);
	CHECK(rte_is_same_ether_addr(&mac, &want_mac), "MAC is not the devargs one");

	vt_step("traffic: exact echo counts, 2 queue pairs, 9000-byte chains");
	traffic("first backend");
	check_tx_used_len("first backend");
	features = backend_negotiated();
	printf("rings: %s%s\n", features & VIO_BIT(VIO_F_RING_PACKED) ? "packed" : "split",
	       features & VIO_BIT(VIO_F_IN_ORDER) ? ", in_order" : "");
	CHECK(((features & VIO_BIT(VIO_F_RING_PACKED)) != 0) == (strcmp(argv[2], "split") != 0),
	      "the backend negotiated %s rings (features 0x%" PRIx64 ", log: %s)",
	      features & VIO_BIT(VIO_F_RING_PACKED) ? "packed" : "split or unknown", features,
	      vt_log_path);
	/* net_vhost offers IN_ORDER and net_vireo takes it with either layout. */
	CHECK(features & VIO_BIT(VIO_F_IN_ORDER),
	      "the backend did not negotiate IN_ORDER (features 0x%" PRIx64 ", log: %s)", features,
	      vt_log_path);
	if (!nohuge)
		grow_memory();

	vt_step("backend killed, restarted: stop/start reconnects");
	lose_backend();
	CHECK(rte_eth_dev_stop(port) == 0, "stop after backend loss");
	rc = rte_eth_dev_start(port);
	CHECK(rc < 0, "start without a backend succeeded");
	backend_start();
	CHECK(vt_port_start(port, server_mode, WAIT_S) == 0, "start after the backend came back");
	CHECK(wait_link(true), "link not up after reconnect");
	traffic("after restart");

	vt_step("backend killed again: rte_eth_dev_reset + reconfigure");
	lose_backend();
	backend_start();
	CHECK(rte_eth_dev_stop(port) == 0, "stop");
	CHECK(rte_eth_dev_reset(port) == 0, "reset");
	port_configure();
	CHECK(vt_port_start(port, server_mode, WAIT_S) == 0, "start after reset");
	CHECK(wait_link(true), "link not up after reset");
	traffic("after reset");

	vt_step("close and detach");
	CHECK(rte_eth_dev_stop(port) == 0, "stop");
	CHECK(rte_eth_dev_close(port) == 0, "close");
	CHECK(rte_vdev_uninit("net_vireo_user0") == 0, "vdev uninit");
	backend_kill();
	rte_mempool_free(pool);
	rte_eal_cleanup();
	vt_tmp_remove();
	printf("PASS\n");
	return 0;
}
