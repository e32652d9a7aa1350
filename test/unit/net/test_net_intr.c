/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_vireo rx queue interrupts (intr_conf.rxq) through DPDK's API on the
 * software device: rte_eth_dev_rx_intr_ctl_q adds the queue's fd to the
 * thread's epoll set, rte_eth_dev_rx_intr_enable arms it, rte_epoll_wait
 * sleeps until the device completes an rx buffer; swdev counts the
 * interrupts it sends.
 */
#include <rte_epoll.h>
#include <rte_interrupts.h>

#include "net_fixture.h"

/* A started port with rx interrupts, the device driven by hand. */
static void
intr_port(struct net_fx *fx, uint64_t features, uint16_t nq)
{
	struct rte_eth_conf conf = { 0 };

	fx_create(fx, &(struct net_fx_params){ .features = features, .pairs = nq });
	conf.intr_conf.rxq = 1;
	/* The device thread answers the control commands of the start ... */
	assert_int_equal(fx_start_conf(fx, nq, 256, &conf), 0);
	/* ... then the test plays the device. */
	fx_thread(fx, false);
	for (uint16_t q = 0; q < nq; q++)
		assert_int_equal(rte_eth_dev_rx_intr_ctl_q(fx->port, q, RTE_EPOLL_PER_THREAD,
							   RTE_INTR_EVENT_ADD,
							   (void *)(uintptr_t)q),
				 0);
}

static void
intr_port_done(struct net_fx *fx, uint16_t nq)
{
	for (uint16_t q = 0; q < nq; q++)
		rte_eth_dev_rx_intr_ctl_q(fx->port, q, RTE_EPOLL_PER_THREAD, RTE_INTR_EVENT_DEL,
					  NULL);
	fx_destroy(fx);
}

static int
wait_events(struct rte_epoll_event *ev, int max, int ms)
{
	return rte_epoll_wait(RTE_EPOLL_PER_THREAD, ev, max, ms);
}

static void
receive(struct net_fx *fx, uint16_t q, unsigned int want, uint8_t seed)
{
	struct rte_mbuf *pkts[8];
	unsigned int n = fx_rx_wait(fx, q, pkts, want, 1000);

	assert_int_equal(n, want);
	for (unsigned int i = 0; i < n; i++) {
		fx_check_pkt(pkts[i], 100, (uint8_t)(seed + i));
		rte_pktmbuf_free(pkts[i]);
	}
}

/* Sleep, a packet arrives, the sleeper wakes; then polling raises nothing. */
static void
wake_on_rx(uint64_t features)
{
	struct rte_epoll_event ev[2];
	struct net_fx fx;

	intr_port(&fx, features, 1);
	assert_int_equal(rte_eth_dev_rx_intr_enable(fx.port, 0), 0);
	assert_int_equal(wait_events(ev, 2, 20), 0); /* nothing yet: times out */
	assert_int_equal(fx_inject_rx(&fx, 0, 100, 1), 1);
	assert_int_equal(swdev_interrupt_count(fx.sw, 0), 1);
	assert_int_equal(wait_events(ev, 2, 1000), 1);
	assert_int_equal((uintptr_t)ev[0].epdata.data, 0);
	/* EAL drained the eventfd: no second wakeup. */
	assert_int_equal(wait_events(ev, 2, 0), 0);
	assert_int_equal(rte_eth_dev_rx_intr_disable(fx.port, 0), 0);
	receive(&fx, 0, 1, 1);
	/* Polling again: the device interrupts no more. */
	for (uint8_t i = 0; i < 5; i++)
		assert_int_equal(fx_inject_rx(&fx, 0, 100, (uint8_t)(10 + i)), 1);
	assert_int_equal(swdev_interrupt_count(fx.sw, 0), 1);
	assert_int_equal(wait_events(ev, 2, 0), 0);
	receive(&fx, 0, 5, 10);
	intr_port_done(&fx, 1);
}

static void
test_wake_on_rx_event_idx(void **state)
{
	RTE_SET_USED(state);
	wake_on_rx(FX_FEATURES);
}

static void
test_wake_on_rx_flags(void **state)
{
	RTE_SET_USED(state);
	wake_on_rx(FX_FEATURES & ~VIO_BIT(VIO_F_EVENT_IDX));
}

/*
 * A packet that arrived while polling (no interrupt for it): enabling must
 * not let the caller sleep on it, the driver wakes the epoll itself.
 */
static void
test_enable_with_pending_rx(void **state)
{
	struct rte_epoll_event ev[2];
	struct net_fx fx;

	RTE_SET_USED(state);
	intr_port(&fx, FX_FEATURES, 1);
	assert_int_equal(fx_inject_rx(&fx, 0, 100, 3), 1);
	assert_int_equal(swdev_interrupt_count(fx.sw, 0), 0);
	assert_int_equal(rte_eth_dev_rx_intr_enable(fx.port, 0), 0);
	assert_int_equal(wait_events(ev, 2, 0), 1);
	assert_int_equal(rte_eth_dev_rx_intr_disable(fx.port, 0), 0);
	receive(&fx, 0, 1, 3);
	intr_port_done(&fx, 1);
}

/* A queue the device broke: enable refuses rather than let the caller sleep on it. */
static void
test_enable_on_broken_queue(void **state)
{
	struct rte_mbuf *pkts[8];
	struct log_capture lc;
	struct net_fx fx;

	RTE_SET_USED(state);
	intr_port(&fx, FX_FEATURES, 1);
	log_capture_start(&lc);
	swdev_inject(fx.sw, 0, SWDEV_FAULT_USED_LEN_OVER, 100);
	fx_inject_rx(&fx, 0, 100, 1);
	assert_int_equal(rte_eth_rx_burst(fx.port, 0, pkts, RTE_DIM(pkts)), 0);
	assert_int_equal(fx_xstat(&fx, "rx_q0_broken_events"), 1);
	assert_int_equal(rte_eth_dev_rx_intr_enable(fx.port, 0), -EIO);
	log_capture_stop(&lc);
	intr_port_done(&fx, 1);
}

/* Two queues: each wakes on its own fd; restart keeps it working. */
static void
test_two_queues_and_restart(void **state)
{
	struct rte_epoll_event ev[2];
	struct net_fx fx;

	RTE_SET_USED(state);
	intr_port(&fx, FX_FEATURES | VIO_BIT(VIO_NET_F_MQ), 2);
	for (int round = 0; round < 2; round++) {
		assert_int_equal(rte_eth_dev_rx_intr_enable(fx.port, 0), 0);
		assert_int_equal(rte_eth_dev_rx_intr_enable(fx.port, 1), 0);
		assert_int_equal(fx_inject_rx(&fx, 1, 100, 5), 1);
		assert_int_equal(wait_events(ev, 2, 1000), 1);
		assert_int_equal((uintptr_t)ev[0].epdata.data, 1);
		assert_int_equal(rte_eth_dev_rx_intr_disable(fx.port, 0), 0);
		assert_int_equal(rte_eth_dev_rx_intr_disable(fx.port, 1), 0);
		receive(&fx, 1, 1, 5);
		if (round > 0)
			break;
		/* Stop and start: new queues, new fds; the epoll set is rebuilt. */
		for (uint16_t q = 0; q < 2; q++)
			rte_eth_dev_rx_intr_ctl_q(fx.port, q, RTE_EPOLL_PER_THREAD,
						  RTE_INTR_EVENT_DEL, NULL);
		fx_thread(&fx, true);
		assert_int_equal(rte_eth_dev_stop(fx.port), 0);
		assert_int_equal(rte_eth_dev_start(fx.port), 0);
		fx_thread(&fx, false);
		for (uint16_t q = 0; q < 2; q++)
			assert_int_equal(rte_eth_dev_rx_intr_ctl_q(fx.port, q, RTE_EPOLL_PER_THREAD,
								   RTE_INTR_EVENT_ADD,
								   (void *)(uintptr_t)q),
					 0);
	}
	intr_port_done(&fx, 2);
}

/* Without intr_conf.rxq the ops refuse. */
static void
test_not_configured(void **state)
{
	struct net_fx fx;

	RTE_SET_USED(state);
	fx_create(&fx, &(struct net_fx_params){ 0 });
	assert_int_equal(fx_start(&fx, 1, 256, 0, 0), 0);
	assert_int_equal(rte_eth_dev_rx_intr_enable(fx.port, 0), -ENOTSUP);
	fx_destroy(&fx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wake_on_rx_event_idx),
		cmocka_unit_test(test_wake_on_rx_flags),
		cmocka_unit_test(test_enable_with_pending_rx),
		cmocka_unit_test(test_enable_on_broken_queue),
		cmocka_unit_test(test_two_queues_and_restart),
		cmocka_unit_test(test_not_configured),
	};

	return cmocka_run_group_tests(tests, fx_group_setup, fx_group_teardown);
}
