/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_vireo under device faults: link changes reported as LSC events,
 * DEVICE_NEEDS_RESET reported as a RESET event and recovered through
 * rte_eth_dev_reset(), an mbuf pool that runs dry during rx refill, a
 * device that leaves the tx ring full for seconds, used lens on tx
 * completions, and config fields read with their natural width. Every test
 * ends with exact mempool counts (fx_destroy).
 */
#include "net_fixture.h"

#include <rte_cycles.h>

static struct rte_mbuf *tx_pkts[512];
static struct rte_mbuf *rx_pkts[512];

/* Events seen by the callbacks (written on the EAL interrupt thread). */
struct events {
	unsigned int lsc;
	unsigned int reset;
	unsigned int rmv;
	uint8_t last_lsc_link; /* link status read inside the LSC callback */
};

static int
on_event(uint16_t port, enum rte_eth_event_type type, void *arg, void *ret_param)
{
	struct events *ev = arg;
	struct rte_eth_link link;

	RTE_SET_USED(ret_param);
	if (type == RTE_ETH_EVENT_INTR_LSC) {
		/* With intr_conf.lsc, link_get reads what the driver published. */
		rte_eth_link_get_nowait(port, &link);
		__atomic_store_n(&ev->last_lsc_link, link.link_status, __ATOMIC_RELEASE);
		__atomic_fetch_add(&ev->lsc, 1, __ATOMIC_RELEASE);
	} else if (type == RTE_ETH_EVENT_INTR_RESET) {
		__atomic_fetch_add(&ev->reset, 1, __ATOMIC_RELEASE);
	} else if (type == RTE_ETH_EVENT_INTR_RMV) {
		__atomic_fetch_add(&ev->rmv, 1, __ATOMIC_RELEASE);
	}
	return 0;
}

static void
register_events(struct net_fx *fx, struct events *ev)
{
	memset(ev, 0, sizeof(*ev));
	assert_int_equal(
		rte_eth_dev_callback_register(fx->port, RTE_ETH_EVENT_INTR_LSC, on_event, ev), 0);
	assert_int_equal(
		rte_eth_dev_callback_register(fx->port, RTE_ETH_EVENT_INTR_RESET, on_event, ev), 0);
	assert_int_equal(
		rte_eth_dev_callback_register(fx->port, RTE_ETH_EVENT_INTR_RMV, on_event, ev), 0);
}

static void
unregister_events(struct net_fx *fx, struct events *ev)
{
	rte_eth_dev_callback_unregister(fx->port, RTE_ETH_EVENT_INTR_LSC, on_event, ev);
	rte_eth_dev_callback_unregister(fx->port, RTE_ETH_EVENT_INTR_RESET, on_event, ev);
	rte_eth_dev_callback_unregister(fx->port, RTE_ETH_EVENT_INTR_RMV, on_event, ev);
}

/* Events come from the 100 ms device watch: generous for a loaded CI machine. */
#define EVENT_WAIT_MS 10000

/* Wait up to @p ms for *counter to reach @p want. */
static bool
wait_count(unsigned int *counter, unsigned int want, unsigned int ms)
{
	uint64_t deadline = rte_get_timer_cycles() + rte_get_timer_hz() * ms / 1000;

	while (__atomic_load_n(counter, __ATOMIC_ACQUIRE) < want) {
		if (rte_get_timer_cycles() > deadline)
			return false;
		rte_delay_us_sleep(1000);
	}
	return true;
}

static void
set_link(struct net_fx *fx, bool up)
{
	uint16_t status = up ? VIO_NET_S_LINK_UP : 0;

	swdev_config_update(fx->sw, offsetof(struct vio_net_config, status), &status, 2);
}

/* configure(nq, nq) with intr_conf.lsc = @p lsc, queues of @p nb_desc, start. */
static int
start_port(struct net_fx *fx, uint16_t nq, uint16_t nb_desc, bool lsc)
{
	struct rte_eth_conf conf = { 0 };

	conf.intr_conf.lsc = lsc;
	return fx_start_conf(fx, nq, nb_desc, &conf);
}

/* Send @p n frames of 100 bytes (seeds from @p seed) and receive them all. */
static void
traffic_flows(struct net_fx *fx, unsigned int n, uint8_t seed)
{
	for (unsigned int i = 0; i < n; i++)
		tx_pkts[i] = fx_pkt(fx, 100, 1, (uint8_t)(seed + i));
	assert_int_equal(fx_tx_all(fx, 0, tx_pkts, n, 3000), n);
	assert_int_equal(fx_rx_wait(fx, 0, rx_pkts, n, 3000), n);
	for (unsigned int i = 0; i < n; i++)
		fx_check_pkt(rx_pkts[i], 100, (uint8_t)(seed + i));
	rte_pktmbuf_free_bulk(rx_pkts, n);
}

/* ---- A1: link state change events ---- */

static void
test_lsc_event_down_up(void **state)
{
	struct net_fx fx;
	struct events ev;
	struct rte_eth_dev_info info;
	struct rte_eth_link link;

	RTE_SET_USED(state);
	fx_create(&fx, &(struct net_fx_params){ 0 });
	assert_int_equal(rte_eth_dev_info_get(fx.port, &info), 0);
	assert_true(*info.dev_flags & RTE_ETH_DEV_INTR_LSC);
	register_events(&fx, &ev);
	assert_int_equal(start_port(&fx, 1, 64, true), 0);
	rte_eth_link_get_nowait(fx.port, &link);
	assert_int_equal(link.link_status, RTE_ETH_LINK_UP);

	set_link(&fx, false);
	assert_true(wait_count(&ev.lsc, 1, EVENT_WAIT_MS));
	assert_int_equal(ev.last_lsc_link, RTE_ETH_LINK_DOWN);
	rte_eth_link_get_nowait(fx.port, &link);
	assert_int_equal(link.link_status, RTE_ETH_LINK_DOWN);

	set_link(&fx, true);
	assert_true(wait_count(&ev.lsc, 2, EVENT_WAIT_MS));
	assert_int_equal(ev.last_lsc_link, RTE_ETH_LINK_UP);
	rte_eth_link_get(fx.port, &link);
	assert_int_equal(link.link_status, RTE_ETH_LINK_UP);
	traffic_flows(&fx, 8, 0);

	/* No change, no event; a stopped port sends none either. */
	rte_delay_us_sleep(300 * 1000);
	assert_int_equal(__atomic_load_n(&ev.lsc, __ATOMIC_ACQUIRE), 2);
	assert_int_equal(rte_eth_dev_stop(fx.port), 0);
	set_link(&fx, false);
	rte_delay_us_sleep(300 * 1000);
	assert_int_equal(__atomic_load_n(&ev.lsc, __ATOMIC_ACQUIRE), 2);

	/* Restarted with the link down: the next change is seen again. */
	assert_int_equal(rte_eth_dev_start(fx.port), 0);
	rte_eth_link_get_nowait(fx.port, &link);
	assert_int_equal(link.link_status, RTE_ETH_LINK_DOWN);
	set_link(&fx, true);
	assert_true(wait_count(&ev.lsc, 3, EVENT_WAIT_MS));
	assert_int_equal(ev.last_lsc_link, RTE_ETH_LINK_UP);
	assert_int_equal(ev.reset, 0);
	unregister_events(&fx, &ev);
	fx_destroy(&fx);
}

/* Without intr_conf.lsc: no LSC events, the link is still polled right. */
static void
test_lsc_not_requested(void **state)
{
	struct net_fx fx;
	struct events ev;
	struct rte_eth_link link;

	RTE_SET_USED(state);
	fx_create(&fx, &(struct net_fx_params){ 0 });
	register_events(&fx, &ev);
	assert_int_equal(start_port(&fx, 1, 64, false), 0);
	set_link(&fx, false);
	rte_delay_us_sleep(300 * 1000);
	rte_eth_link_get_nowait(fx.port, &link);
	assert_int_equal(link.link_status, RTE_ETH_LINK_DOWN);
	set_link(&fx, true);
	rte_delay_us_sleep(300 * 1000);
	rte_eth_link_get_nowait(fx.port, &link);
	assert_int_equal(link.link_status, RTE_ETH_LINK_UP);
	assert_int_equal(__atomic_load_n(&ev.lsc, __ATOMIC_ACQUIRE), 0);
	unregister_events(&fx, &ev);
	fx_destroy(&fx);
}

/*
 * Rx queue interrupts with fan-in (fewer rx queues than pairs in use: an rx
 * queue polls several virtqueues, one fd cannot stand for them) are refused.
 */
static void
test_rxq_intr_refused(void **state)
{
	struct net_fx fx;
	struct rte_eth_conf conf = { 0 };

	RTE_SET_USED(state);
	fx_create(&fx, &(struct net_fx_params){ .pairs = 2,
						.features = FX_FEATURES | VIO_BIT(VIO_NET_F_MQ) });
	conf.intr_conf.rxq = 1;
	assert_int_equal(rte_eth_dev_configure(fx.port, 1, 2, &conf), -ENOTSUP);
	assert_int_equal(rte_eth_dev_configure(fx.port, 2, 2, &conf), 0);
	fx_destroy(&fx);
}

/* ---- A2: DEVICE_NEEDS_RESET under traffic ---- */

static void
test_needs_reset_recovery(void **state)
{
	struct net_fx fx;
	struct events ev;
	struct log_capture lc;
	struct rte_eth_link link;
	unsigned int held;

	RTE_SET_USED(state);
	fx_create(&fx, &(struct net_fx_params){ .nb_mbufs = 512 });
	register_events(&fx, &ev);
	assert_int_equal(start_port(&fx, 1, 64, true), 0);
	traffic_flows(&fx, 16, 1);

	/* Under traffic: the tx ring full of frames the device holds. */
	assert_int_equal(rte_eth_tx_done_cleanup(fx.port, 0, 0), 16);
	__atomic_store_n(&fx.model.rx_hold, true, __ATOMIC_RELEASE);
	for (unsigned int i = 0; i < 100; i++)
		tx_pkts[i] = fx_pkt(&fx, 100, 1, (uint8_t)i);
	held = rte_eth_tx_burst(fx.port, 0, tx_pkts, 100);
	assert_int_equal(held, 64);

	log_capture_start(&lc);
	swdev_set_needs_reset(fx.sw);
	__atomic_store_n(&fx.model.rx_hold, false, __ATOMIC_RELEASE);
	assert_true(wait_count(&ev.reset, 1, EVENT_WAIT_MS));
	assert_true(wait_count(&ev.lsc, 1, EVENT_WAIT_MS));
	assert_int_equal(ev.last_lsc_link, RTE_ETH_LINK_DOWN);
	rte_eth_link_get(fx.port, &link);
	assert_int_equal(link.link_status, RTE_ETH_LINK_DOWN);
	/* The device processes nothing any more: the application keeps its frames. */
	assert_int_equal(rte_eth_tx_burst(fx.port, 0, tx_pkts + held, 36), 0);
	assert_int_equal(rte_eth_rx_burst(fx.port, 0, rx_pkts, 32), 0);
	/* Reported once per start. */
	rte_delay_us_sleep(300 * 1000);
	assert_int_equal(__atomic_load_n(&ev.reset, __ATOMIC_ACQUIRE), 1);
	assert_non_null(strstr(log_capture_text(&lc), "DEVICE_NEEDS_RESET"));
	log_capture_stop(&lc);

	/* Recovery: rte_eth_dev_reset (stop + reset), configure, set up, start. */
	assert_int_equal(rte_eth_dev_reset(fx.port), 0);
	/* Every mbuf came back from the rings: only the 36 frames we hold are out. */
	assert_int_equal(rte_mempool_avail_count(fx.mp), fx.nb_mbufs - 36);
	rte_pktmbuf_free_bulk(tx_pkts + held, 36);
	assert_int_equal(start_port(&fx, 1, 64, true), 0);
	rte_eth_link_get(fx.port, &link);
	assert_int_equal(link.link_status, RTE_ETH_LINK_UP);
	traffic_flows(&fx, 64, 9);
	assert_int_equal(__atomic_load_n(&ev.reset, __ATOMIC_ACQUIRE), 1);
	unregister_events(&fx, &ev);
	fx_destroy(&fx);
}

/*
 * A device that stops responding (its status reads 0xff, as a PCI function
 * removed without notice does): one RMV event (the application asked for
 * it), the link goes down, and no RESET event: a reset cannot bring back a
 * device that is gone.
 */
static void
test_device_gone(void **state)
{
	struct net_fx fx;
	struct events ev;
	struct log_capture lc;
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_link link;

	RTE_SET_USED(state);
	fx_create(&fx, &(struct net_fx_params){ 0 });
	register_events(&fx, &ev);
	conf.intr_conf.lsc = 1;
	conf.intr_conf.rmv = 1;
	assert_int_equal(fx_start_conf(&fx, 1, 64, &conf), 0);
	traffic_flows(&fx, 8, 1);

	log_capture_start(&lc);
	__atomic_store_n(&fx.sw->status, 0xff, __ATOMIC_RELEASE);
	assert_true(wait_count(&ev.rmv, 1, EVENT_WAIT_MS));
	assert_true(wait_count(&ev.lsc, 1, EVENT_WAIT_MS));
	rte_eth_link_get_nowait(fx.port, &link);
	assert_int_equal(link.link_status, RTE_ETH_LINK_DOWN);
	rte_delay_us_sleep(300 * 1000);
	assert_int_equal(__atomic_load_n(&ev.rmv, __ATOMIC_ACQUIRE), 1);
	assert_int_equal(__atomic_load_n(&ev.reset, __ATOMIC_ACQUIRE), 0);
	assert_non_null(strstr(log_capture_text(&lc), "status reads 0xff"));
	log_capture_stop(&lc);
	unregister_events(&fx, &ev);
	fx_destroy(&fx);
}

/* ---- A4: mbuf pool exhausted during rx refill ---- */

/* Allocate every free mbuf of @p mp into hoard[n...]. @return the new count. */
static unsigned int
hoard_all(struct rte_mempool *mp, struct rte_mbuf **hoard, unsigned int n)
{
	while ((hoard[n] = rte_pktmbuf_alloc(mp)) != NULL)
		n++;
	return n;
}

static void
test_rx_pool_exhausted_then_refilled(void **state)
{
	static struct rte_mbuf *hoard[512];
	struct net_fx fx;
	struct rte_eth_stats st;
	unsigned int n_hoard, got;
	const unsigned int frames = 200;

	RTE_SET_USED(state);
	fx_create(&fx, &(struct net_fx_params){ .nb_mbufs = 512 });
	assert_int_equal(fx_start(&fx, 1, 64, 0, 0), 0);
	fx_thread(&fx, false);
	/* 200 frames ready to send, then the application takes every free mbuf. */
	for (unsigned int i = 0; i < frames; i++)
		tx_pkts[i] = fx_pkt(&fx, 100, 1, (uint8_t)i);
	n_hoard = hoard_all(fx.mp, hoard, 0);

	/* The device fills the 64 posted buffers; the ring cannot be refilled. */
	assert_int_equal(rte_eth_tx_burst(fx.port, 0, tx_pkts, 64), 64);
	fx_process(&fx);
	got = fx_rx_wait(&fx, 0, rx_pkts, 64, 1000);
	assert_int_equal(got, 64);
	/* 64 more wait in the tx ring for rx buffers (their reclaim frees mbufs: take them too). */
	assert_int_equal(fx_tx_all(&fx, 0, tx_pkts + 64, 64, 1000), 64);
	n_hoard = hoard_all(fx.mp, hoard, n_hoard);
	assert_int_equal(rte_mempool_avail_count(fx.mp), 0);
	/* The ring stays empty while the pool is: counted, retried on every burst. */
	for (unsigned int i = 0; i < 10; i++) {
		fx_process(&fx);
		assert_int_equal(rte_eth_rx_burst(fx.port, 0, rx_pkts + got, 32), 0);
	}
	assert_true(fx_xstat(&fx, "rx_q0_mbuf_alloc_failures") > 0);
	assert_int_equal(rte_eth_stats_get(fx.port, &st), 0);
	assert_true(st.rx_nombuf > 0);
	assert_int_equal(fx.model.rx_packets, 64);
	/* Buffers come back: refill, kick, and every frame arrives, in order. */
	rte_pktmbuf_free_bulk(hoard, n_hoard);
	got += fx_rx_wait(&fx, 0, rx_pkts + got, 64, 2000);
	assert_int_equal(got, 128);
	assert_int_equal(fx_tx_all(&fx, 0, tx_pkts + 128, frames - 128, 2000), frames - 128);
	got += fx_rx_wait(&fx, 0, rx_pkts + got, frames - 128, 2000);
	assert_int_equal(got, frames);
	for (unsigned int i = 0; i < frames; i++)
		fx_check_pkt(rx_pkts[i], 100, (uint8_t)i);
	rte_pktmbuf_free_bulk(rx_pkts, frames);
	fx_thread(&fx, true);
	fx_destroy(&fx);
}

/* ---- A4: the device leaves the tx ring full for seconds ---- */

static void
test_tx_ring_full_for_seconds(void **state)
{
	struct net_fx fx;
	unsigned int sent, retries = 0, got;
	uint64_t deadline;
	const unsigned int frames = 300;

	RTE_SET_USED(state);
	fx_create(&fx, &(struct net_fx_params){ .nb_mbufs = 1024 });
	assert_int_equal(fx_start(&fx, 1, 64, 0, 0), 0);
	__atomic_store_n(&fx.model.rx_hold, true, __ATOMIC_RELEASE);
	for (unsigned int i = 0; i < frames; i++)
		tx_pkts[i] = fx_pkt(&fx, 100, 1, (uint8_t)i);
	sent = rte_eth_tx_burst(fx.port, 0, tx_pkts, (uint16_t)RTE_MIN(frames, 256u));
	assert_int_equal(sent, 64);
	/* 2 s of a full ring: every burst takes nothing, nothing leaks. */
	deadline = rte_get_timer_cycles() + 2 * rte_get_timer_hz();
	while (rte_get_timer_cycles() < deadline) {
		assert_int_equal(rte_eth_tx_burst(fx.port, 0, tx_pkts + sent, 32), 0);
		assert_int_equal(rte_eth_tx_done_cleanup(fx.port, 0, 0), 0);
		assert_int_equal(rte_eth_rx_burst(fx.port, 0, rx_pkts, 32), 0);
		retries++;
	}
	assert_true(retries > 10);
	/* Free: pool minus 64 posted rx, 64 tx in flight, frames - 64 held by us. */
	assert_int_equal(rte_mempool_avail_count(fx.mp), fx.nb_mbufs - 64 - 64 - (frames - 64));
	/* The device resumes: everything flows, in order. */
	__atomic_store_n(&fx.model.rx_hold, false, __ATOMIC_RELEASE);
	got = 0;
	sent += fx_tx_all(&fx, 0, tx_pkts + sent, frames - sent, 200);
	while (got < frames) {
		unsigned int n = fx_rx_wait(&fx, 0, rx_pkts + got, frames - got, 3000);

		assert_true(n > 0);
		got += n;
		if (sent < frames)
			sent += fx_tx_all(&fx, 0, tx_pkts + sent, frames - sent, 200);
	}
	assert_int_equal(sent, frames);
	for (unsigned int i = 0; i < frames; i++)
		fx_check_pkt(rx_pkts[i], 100, (uint8_t)i);
	rte_pktmbuf_free_bulk(rx_pkts, frames);
	fx_destroy(&fx);
}

/* ---- C: used len on tx completions, config access widths ---- */

static void
test_tx_used_len_xstat(void **state)
{
	struct net_fx fx;

	RTE_SET_USED(state);
	fx_create(&fx, &(struct net_fx_params){ 0 });
	assert_int_equal(fx_start(&fx, 1, 64, 0, 0), 0);
	fx_thread(&fx, false);
	assert_int_equal(fx_xstat(&fx, "tx_q0_used_len_errors"), 0);
	/* Two tx completions with a used len (nothing was to be written). */
	swdev_inject(fx.sw, 1, SWDEV_FAULT_USED_LEN, 7);
	for (unsigned int i = 0; i < 4; i++)
		tx_pkts[i] = fx_pkt(&fx, 100, 1, (uint8_t)i);
	assert_int_equal(rte_eth_tx_burst(fx.port, 0, tx_pkts, 4), 4);
	fx_process(&fx);
	assert_int_equal(fx_rx_wait(&fx, 0, rx_pkts, 4, 1000), 4);
	rte_pktmbuf_free_bulk(rx_pkts, 4);
	swdev_inject(fx.sw, 1, SWDEV_FAULT_USED_LEN, 1500);
	for (unsigned int i = 0; i < 4; i++)
		tx_pkts[i] = fx_pkt(&fx, 100, 1, (uint8_t)i);
	assert_int_equal(rte_eth_tx_burst(fx.port, 0, tx_pkts, 4), 4);
	fx_process(&fx);
	assert_int_equal(fx_rx_wait(&fx, 0, rx_pkts, 4, 1000), 4);
	rte_pktmbuf_free_bulk(rx_pkts, 4);
	/* Reclaimed: tolerated, counted per queue, the queue keeps working. */
	assert_int_equal(rte_eth_tx_done_cleanup(fx.port, 0, 0), 8);
	assert_int_equal(fx_xstat(&fx, "tx_q0_used_len_errors"), 2);
	assert_int_equal(fx_xstat(&fx, "tx_q0_broken_events"), 0);
	assert_int_equal(fx_xstat(&fx, "tx_q0_errors"), 0);
	/* Survives a restart (a new virtqueue counts from zero) and a reset. */
	fx_thread(&fx, true);
	assert_int_equal(rte_eth_dev_stop(fx.port), 0);
	assert_int_equal(rte_eth_dev_start(fx.port), 0);
	assert_int_equal(fx_xstat(&fx, "tx_q0_used_len_errors"), 2);
	traffic_flows(&fx, 8, 3);
	assert_int_equal(rte_eth_tx_done_cleanup(fx.port, 0, 0), 8);
	assert_int_equal(fx_xstat(&fx, "tx_q0_used_len_errors"), 2);
	assert_int_equal(rte_eth_xstats_reset(fx.port), 0);
	assert_int_equal(fx_xstat(&fx, "tx_q0_used_len_errors"), 0);
	fx_destroy(&fx);
}

/* Natural width of the virtio-net config field at @p off (0: none). */
static unsigned int
net_config_width(unsigned int off)
{
	if (off < 6)
		return 1; /* mac: a byte array */
	switch (off) {
	case offsetof(struct vio_net_config, status):
	case offsetof(struct vio_net_config, max_virtqueue_pairs):
	case offsetof(struct vio_net_config, mtu):
		return 2;
	case offsetof(struct vio_net_config, speed):
		return 4;
	case offsetof(struct vio_net_config, duplex):
		return 1;
	default:
		return 0;
	}
}

/* Section 4.1.3.1: each field with one access of its own width. */
static void
test_config_natural_width(void **state)
{
	static struct swdev_cfg_access log[SWDEV_CFG_LOG_MAX];
	struct net_fx fx;
	struct rte_eth_link link;
	unsigned int n, seen = 0;

	RTE_SET_USED(state);
	fx_create(&fx, &(struct net_fx_params){ .features = FX_FEATURES | VIO_BIT(VIO_NET_F_MQ) |
							    VIO_BIT(VIO_NET_F_MTU) |
							    VIO_BIT(VIO_NET_F_SPEED_DUPLEX),
						.pairs = 2,
						.cfg_mtu = 1500,
						.no_port = true });
	swdev_config_log_clear(fx.sw);
	fx_open_port(&fx);
	assert_int_equal(fx_start(&fx, 2, 64, 0, 0), 0);
	rte_eth_link_get_nowait(fx.port, &link);
	rte_delay_us_sleep(250 * 1000); /* the link watch reads too */
	assert_int_equal(rte_eth_dev_stop(fx.port), 0);
	n = swdev_config_log(fx.sw, log, RTE_DIM(log));
	assert_true(n > 0);
	for (unsigned int i = 0; i < n; i++) {
		unsigned int w = net_config_width(log[i].offset);

		if (log[i].write)
			fail_msg("config write at %u", log[i].offset);
		if (w != log[i].width)
			fail_msg("config access %u at offset %u has width %u, field width %u", i,
				 log[i].offset, log[i].width, w);
		seen |= 1u << (log[i].offset < 6 ? 0 : log[i].offset);
	}
	/* Every field was read: mac, status, max_virtqueue_pairs, mtu, speed, duplex. */
	assert_int_equal(seen, 1u | 1u << 6 | 1u << 8 | 1u << 10 | 1u << 12 | 1u << 16);
	fx_destroy(&fx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lsc_event_down_up),
		cmocka_unit_test(test_lsc_not_requested),
		cmocka_unit_test(test_rxq_intr_refused),
		cmocka_unit_test(test_needs_reset_recovery),
		cmocka_unit_test(test_device_gone),
		cmocka_unit_test(test_rx_pool_exhausted_then_refilled),
		cmocka_unit_test(test_tx_ring_full_for_seconds),
		cmocka_unit_test(test_tx_used_len_xstat),
		cmocka_unit_test(test_config_natural_width),
	};

	return cmocka_run_group_tests(tests, fx_group_setup, fx_group_teardown);
}
