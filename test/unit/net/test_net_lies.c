/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_vireo against a lying device: bogus used lengths, ids and indices,
 * impossible num_buffers, short frames, a control queue that never answers
 * or says no, a device refusing FEATURES_OK. The PMD must count, log once,
 * stop using the queue (bursts return 0), never crash or leak, and work
 * again after a restart.
 */
#include "net_fixture.h"

#include <rte_memzone.h>

static struct rte_mbuf *tx_pkts[64];
static struct rte_mbuf *rx_pkts[64];

static unsigned int
count_substr(const char *hay, const char *needle)
{
	unsigned int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

/* After a restart, frames flow again. */
static void
check_recovers(struct net_fx *fx)
{
	fx_thread(fx, true);
	assert_int_equal(rte_eth_dev_stop(fx->port), 0);
	assert_int_equal(rte_eth_dev_start(fx->port), 0);
	for (unsigned int i = 0; i < 8; i++)
		tx_pkts[i] = fx_pkt(fx, 100, 1, (uint8_t)i);
	assert_int_equal(fx_tx_all(fx, 0, tx_pkts, 8, 2000), 8);
	assert_int_equal(fx_rx_wait(fx, 0, rx_pkts, 8, 2000), 8);
	for (unsigned int i = 0; i < 8; i++)
		fx_check_pkt(rx_pkts[i], 100, (uint8_t)i);
	rte_pktmbuf_free_bulk(rx_pkts, 8);
}

/* Send @p n frames by hand (thread off) and let the device move them. */
static void
send_frames(struct net_fx *fx, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		tx_pkts[i] = fx_pkt(fx, 100, 1, (uint8_t)i);
	assert_int_equal(rte_eth_tx_burst(fx->port, 0, tx_pkts, (uint16_t)n), n);
	fx_process(fx);
}

static void
expect_rx_broken(struct net_fx *fx, struct log_capture *lc)
{
	struct rte_eth_stats st;

	assert_int_equal(rte_eth_rx_burst(fx->port, 0, rx_pkts, 32), 0);
	for (unsigned int i = 0; i < 5; i++)
		assert_int_equal(rte_eth_rx_burst(fx->port, 0, rx_pkts, 32), 0);
	assert_int_equal(fx_xstat(fx, "rx_q0_broken_events"), 1);
	assert_int_equal(rte_eth_stats_get(fx->port, &st), 0);
	assert_true(st.ierrors >= 1);
	assert_int_equal(count_substr(log_capture_text(lc), "device broke the virtqueue"), 1);
}

/* The device lies once on the rx queue: it breaks, the port recovers on restart. */
static void
rx_lie_breaks_queue(enum swdev_fault fault, uint32_t value, unsigned int frames)
{
	struct net_fx fx;
	struct log_capture lc;

	fx_create(&fx, &(struct net_fx_params){ 0 });
	assert_int_equal(fx_start(&fx, 1, 64, 0, 0), 0);
	fx_thread(&fx, false);
	log_capture_start(&lc);
	swdev_inject(fx.sw, 0, fault, value);
	send_frames(&fx, frames);
	expect_rx_broken(&fx, &lc);
	log_capture_stop(&lc);
	check_recovers(&fx);
	fx_destroy(&fx);
}

static void
test_rx_used_len_over(void **state)
{
	RTE_SET_USED(state);
	rx_lie_breaks_queue(SWDEV_FAULT_USED_LEN_OVER, 100, 4);
}

static void
test_rx_used_idx_jump(void **state)
{
	RTE_SET_USED(state);
	rx_lie_breaks_queue(SWDEV_FAULT_IDX_JUMP, 1000, 2);
}

static void
test_rx_short_frame(void **state)
{
	struct net_fx fx;

	RTE_SET_USED(state);
	fx_create(&fx, &(struct net_fx_params){ 0 });
	assert_int_equal(fx_start(&fx, 1, 64, 0, 0), 0);
	fx_thread(&fx, false);
	/* A used len shorter than the header: dropped and counted, queue fine. */
	swdev_inject(fx.sw, 0, SWDEV_FAULT_USED_LEN, 5);
	send_frames(&fx, 3);
	assert_int_equal(rte_eth_rx_burst(fx.port, 0, rx_pkts, 32), 2);
	fx_check_pkt(rx_pkts[0], 100, 1);
	fx_check_pkt(rx_pkts[1], 100, 2);
	rte_pktmbuf_free_bulk(rx_pkts, 2);
	assert_int_equal(fx_xstat(&fx, "rx_q0_errors"), 1);
	assert_int_equal(fx_xstat(&fx, "rx_q0_broken_events"), 0);
	fx_thread(&fx, true);
	fx_destroy(&fx);
}

static void
test_rx_num_buffers_lie(void **state)
{
	static const uint16_t lies[] = { 200, 0xffff, 0 };

	RTE_SET_USED(state);
	for (unsigned int k = 0; k < RTE_DIM(lies); k++) {
		struct net_fx fx;
		struct log_capture lc;

		fx_create(&fx, &(struct net_fx_params){ .qmax = 32 });
		assert_int_equal(fx_start(&fx, 1, 32, RTE_ETH_RX_OFFLOAD_SCATTER, 0), 0);
		fx_thread(&fx, false);
		log_capture_start(&lc);
		fx.model.lie = true;
		fx.model.lie_num_buffers = lies[k];
		send_frames(&fx, 1);
		expect_rx_broken(&fx, &lc);
		log_capture_stop(&lc);
		fx.model.lie = false;
		check_recovers(&fx);
		fx_destroy(&fx);
	}
}

/* Send frames with seeds @p seed .. seed + n - 1 by hand and let the device move them. */
static void
send_seeded(struct net_fx *fx, unsigned int n, uint8_t seed)
{
	for (unsigned int i = 0; i < n; i++)
		tx_pkts[i] = fx_pkt(fx, 100, 1, (uint8_t)(seed + i));
	assert_int_equal(rte_eth_tx_burst(fx->port, 0, tx_pkts, (uint16_t)n), n);
	fx_process(fx);
}

/*
 * Eight completions waiting, the one at @p lane carrying @p fault: with
 * IN_ORDER and single-buffer frames the harvest checks them four at a time
 * (doc/net-pmd.md), so lanes 0, 2 and 3 are the first, a middle and the
 * last lane of the first group and 5, 7 fall in the second. @return the
 * frames the first burst returned (checked: seeds 0 .. in order, the
 * runt at @p lane skipped when @p runt).
 */
static unsigned int
rx_fault_at_lane(struct net_fx *fx, unsigned int lane, enum swdev_fault fault, uint32_t value,
		 bool runt)
{
	unsigned int n, seed = 0;

	fx_thread(fx, false);
	if (lane > 0)
		send_seeded(fx, lane, 0);
	swdev_inject(fx->sw, 0, fault, value);
	send_seeded(fx, 8 - lane, (uint8_t)lane);
	n = rte_eth_rx_burst(fx->port, 0, rx_pkts, 32);
	for (unsigned int i = 0; i < n; i++, seed++) {
		if (runt && seed == lane)
			seed++;
		fx_check_pkt(rx_pkts[i], 100, (uint8_t)seed);
	}
	rte_pktmbuf_free_bulk(rx_pkts, n);
	return n;
}

/*
 * A bad id or an over-long len in any lane of a group: the frames before
 * it are delivered, then the queue breaks (logged once, counted), no mbuf
 * leaks (fx_destroy checks) and a restart recovers.
 */
static void
test_rx_vector_lane_lies(void **state)
{
	static const unsigned int lanes[] = { 0, 1, 2, 3, 5, 7 };
	static const struct {
		enum swdev_fault fault;
		uint32_t value;
	} lies[] = {
		{ SWDEV_FAULT_USED_ID, 1000 },
		{ SWDEV_FAULT_USED_ID_FREE, 0 },
		{ SWDEV_FAULT_USED_LEN_OVER, 1 },
	};
	const char *packed = getenv("VIREO_SWDEV_PACKED");

	RTE_SET_USED(state);
	/*
	 * The lanes are the split engine's vectorized in-order harvest. On
	 * packed rings in order, a used id naming a later in-flight chain is a
	 * batch completion (section 2.8.20), not a lie: the packed lies have
	 * their own tests (test_vq.c packed/test_packed_in_order_lie_*).
	 */
	if (packed != NULL && strcmp(packed, "1") == 0)
		skip();
	for (unsigned int l = 0; l < RTE_DIM(lies); l++) {
		for (unsigned int k = 0; k < RTE_DIM(lanes); k++) {
			struct net_fx fx;
			struct log_capture lc;
			struct rte_eth_stats st;

			fx_create(&fx, &(struct net_fx_params){ 0 });
			assert_int_equal(fx_start(&fx, 1, 64, 0, 0), 0);
			fx.violations_expected = lies[l].fault == SWDEV_FAULT_USED_ID_FREE;
			log_capture_start(&lc);
			assert_int_equal(rx_fault_at_lane(&fx, lanes[k], lies[l].fault,
							  lies[l].value, false),
					 lanes[k]);
			for (unsigned int i = 0; i < 3; i++)
				assert_int_equal(rte_eth_rx_burst(fx.port, 0, rx_pkts, 32), 0);
			assert_int_equal(fx_xstat(&fx, "rx_q0_broken_events"), 1);
			assert_int_equal(fx_xstat(&fx, "rx_q0_packets"), lanes[k]);
			assert_int_equal(rte_eth_stats_get(fx.port, &st), 0);
			assert_true(st.ierrors >= 1);
			assert_int_equal(
				count_substr(log_capture_text(&lc), "device broke the virtqueue"),
				1);
			log_capture_stop(&lc);
			check_recovers(&fx);
			fx_destroy(&fx);
		}
	}
}

/* A runt in any lane: dropped and counted, the others delivered, the queue fine. */
static void
test_rx_vector_lane_runt(void **state)
{
	static const unsigned int lanes[] = { 0, 2, 3, 4, 7 };

	RTE_SET_USED(state);
	for (unsigned int k = 0; k < RTE_DIM(lanes); k++) {
		struct net_fx fx;

		fx_create(&fx, &(struct net_fx_params){ 0 });
		assert_int_equal(fx_start(&fx, 1, 64, 0, 0), 0);
		assert_int_equal(rx_fault_at_lane(&fx, lanes[k], SWDEV_FAULT_USED_LEN, 5, true), 7);
		assert_int_equal(fx_xstat(&fx, "rx_q0_errors"), 1);
		assert_int_equal(fx_xstat(&fx, "rx_q0_broken_events"), 0);
		assert_int_equal(fx_xstat(&fx, "rx_q0_packets"), 7);
		check_recovers(&fx);
		fx_destroy(&fx);
	}
}

static void
test_tx_used_id_free(void **state)
{
	struct net_fx fx;
	struct rte_mbuf *more[4];

	RTE_SET_USED(state);
	fx_create(&fx, &(struct net_fx_params){ 0 });
	assert_int_equal(fx_start(&fx, 1, 64, 0, 0), 0);
	fx_thread(&fx, false);
	swdev_inject(fx.sw, 1, SWDEV_FAULT_USED_ID_FREE, 0);
	send_frames(&fx, 4);
	assert_int_equal(rte_eth_tx_done_cleanup(fx.port, 0, 0), -EIO);
	for (unsigned int i = 0; i < 4; i++)
		more[i] = fx_pkt(&fx, 64, 1, 0);
	/* The queue is dead: nothing is taken, the caller keeps its mbufs. */
	assert_int_equal(rte_eth_tx_burst(fx.port, 0, more, 4), 0);
	assert_int_equal(rte_eth_tx_burst(fx.port, 0, more, 4), 0);
	rte_pktmbuf_free_bulk(more, 4);
	assert_int_equal(fx_xstat(&fx, "tx_q0_broken_events"), 1);
	/* The frames did reach the rx side before the lie. */
	assert_int_equal(rte_eth_rx_burst(fx.port, 0, rx_pkts, 32), 4);
	rte_pktmbuf_free_bulk(rx_pkts, 4);
	check_recovers(&fx);
	fx_destroy(&fx);
}

static void
test_ctrl_timeout(void **state)
{
	struct net_fx fx;
	uint64_t t0, hz = rte_get_timer_hz();

	RTE_SET_USED(state);
	fx_create(&fx, &(struct net_fx_params){ 0 });
	assert_int_equal(fx_start(&fx, 1, 64, 0, 0), 0);
	fx.model.ctrl_defer = true;
	t0 = rte_get_timer_cycles();
	assert_int_equal(rte_eth_promiscuous_enable(fx.port), -ETIMEDOUT);
	assert_true(rte_get_timer_cycles() - t0 >= hz * 9 / 10);
	assert_true(rte_get_timer_cycles() - t0 < hz * 3);
	/* The queue is abandoned until restart: next commands fail at once. */
	t0 = rte_get_timer_cycles();
	assert_int_equal(rte_eth_allmulticast_enable(fx.port), -EIO);
	assert_true(rte_get_timer_cycles() - t0 < hz / 10);
	fx.model.ctrl_defer = false;
	assert_int_equal(rte_eth_dev_stop(fx.port), 0);
	assert_int_equal(rte_eth_dev_start(fx.port), 0);
	assert_int_equal(rte_eth_promiscuous_enable(fx.port), 0);
	assert_int_equal(fx.model.promisc, 1);
	fx_destroy(&fx);
}

static void
test_features_refused(void **state)
{
	struct net_fx fx;
	struct rte_eth_conf conf = { 0 };

	RTE_SET_USED(state);
	fx_create(&fx, &(struct net_fx_params){ 0 });
	fx.sw->features_ok_accept = false;
	assert_int_equal(rte_eth_dev_configure(fx.port, 1, 1, &conf), -ENOTSUP);
	fx.sw->features_ok_accept = true;
	assert_int_equal(fx_start(&fx, 1, 64, 0, 0), 0);
	fx_destroy(&fx);
}

static void
count_zone(const struct rte_memzone *mz, void *arg)
{
	RTE_SET_USED(mz);
	(*(unsigned int *)arg)++;
}

static unsigned int
memzones(void)
{
	unsigned int n = 0;

	rte_memzone_walk(count_zone, &n);
	return n;
}

/* A dead port refuses to start or configure; close works and frees nothing the device holds. */
static void
expect_dead_port(struct net_fx *fx, unsigned int zones, unsigned int pool_left, bool running)
{
	struct rte_eth_conf conf = { 0 };
	struct log_capture lc;

	log_capture_start(&lc);
	assert_int_equal(rte_eth_dev_start(fx->port), -EIO);
	assert_non_null(strstr(log_capture_text(&lc), "port is dead"));
	assert_int_equal(rte_eth_dev_configure(fx->port, 1, 1, &conf), -EIO);
	log_capture_stop(&lc);
	if (running) {
		/* The device still writes into the buffers it was given (and we leaked). */
		fx_thread(fx, false);
		assert_int_equal(fx_inject_rx(fx, 0, 100, 1), 1);
		fx_thread(fx, true);
	}
	assert_int_equal(rte_eth_dev_close(fx->port), 0);
	fx->port_open = false;
	assert_int_equal(memzones(), zones);
	assert_int_equal(rte_mempool_avail_count(fx->mp), pool_left);
	fx->quarantined_mbufs = fx->nb_mbufs - pool_left;
}

/*
 * A device whose reset never completes may still use every ring and buffer
 * it was given: dev_stop quarantines them (no ring freed, no posted mbuf
 * back in the pool), says so, and the port is dead.
 */
static void
test_reset_never_completes(void **state)
{
	struct net_fx fx;
	struct log_capture lc;
	unsigned int zones, pool;
	char want[160];

	RTE_SET_USED(state);
	fx_create(&fx, &(struct net_fx_params){ 0 });
	assert_int_equal(fx_start(&fx, 1, 64, 0, 0), 0);
	zones = memzones();
	pool = rte_mempool_avail_count(fx.mp);
	assert_int_equal(pool, fx.nb_mbufs - 64);
	swdev_set_reset_fail(fx.sw, true, 0);
	log_capture_start(&lc);
	assert_int_equal(rte_eth_dev_stop(fx.port), 0);
	assert_int_equal(memzones(), zones);
	assert_int_equal(rte_mempool_avail_count(fx.mp), pool);
	/*
	 * rx, tx and control rings (split: 8 KiB each; packed: 4 KiB each),
	 * tx headers and the command buffer.
	 */
	snprintf(want, sizeof(want),
		 "3 virtqueue(s) and %u bytes of rings and headers, 64 posted rx "
		 "mbufs and 0 tx descriptors in flight are quarantined",
		 (fx.sw->driver_features & VIO_BIT(VIO_F_RING_PACKED)) ? 14145u : 26433u);
	assert_non_null(strstr(log_capture_text(&lc), want));
	log_capture_stop(&lc);
	expect_dead_port(&fx, zones, pool, true);
	fx_destroy(&fx);
}

/* The same when start fails after the queues were created and the reset then fails. */
static void
test_reset_fails_after_failed_start(void **state)
{
	struct net_fx fx;
	struct rte_eth_conf conf = { 0 };
	unsigned int zones;

	RTE_SET_USED(state);
	fx_create(&fx, &(struct net_fx_params){ 0 });
	assert_int_equal(rte_eth_dev_configure(fx.port, 1, 1, &conf), 0);
	assert_int_equal(rte_eth_rx_queue_setup(fx.port, 0, 64, 0, NULL, fx.mp), 0);
	assert_int_equal(rte_eth_tx_queue_setup(fx.port, 0, 64, 0, NULL), 0);
	zones = memzones();
	/* The control queue cannot be set up; the reset after it never completes. */
	fx.sw->q[2].setup_error = -EIO;
	swdev_set_reset_fail(fx.sw, true, 1);
	fx.violations_expected = true;
	assert_int_equal(rte_eth_dev_start(fx.port), -EIO);
	/* The rx and tx rings created by the start: still allocated. */
	assert_int_equal(memzones(), zones + 2);
	expect_dead_port(&fx, zones + 2, fx.nb_mbufs - 64, false);
	fx_destroy(&fx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rx_used_len_over),
		cmocka_unit_test(test_rx_used_idx_jump),
		cmocka_unit_test(test_rx_short_frame),
		cmocka_unit_test(test_rx_num_buffers_lie),
		cmocka_unit_test(test_rx_vector_lane_lies),
		cmocka_unit_test(test_rx_vector_lane_runt),
		cmocka_unit_test(test_tx_used_id_free),
		cmocka_unit_test(test_ctrl_timeout),
		cmocka_unit_test(test_features_refused),
		cmocka_unit_test(test_reset_never_completes),
		cmocka_unit_test(test_reset_fails_after_failed_start),
	};

	return cmocka_run_group_tests(tests, fx_group_setup, fx_group_teardown);
}
