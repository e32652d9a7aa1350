/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * blk_vireo completion interrupts through the vblk API, on the swdev
 * virtio-blk model (which counts the interrupts it sends): the fd wakes a
 * sleeper at the completion, completions already pending at enable wake it
 * at once, disabled queues raise nothing, and the API refuses what was not
 * configured.
 */
#include <poll.h>
#include <unistd.h>

#include <rte_memory.h>

#include "blk_fixture.h"

static void
intr_start(struct blk_fx *fx, uint16_t nq)
{
	struct vblk_dev_conf conf = {
		.nb_queues = nq, .queue_depth = 16, .socket_id = SOCKET_ID_ANY, .intr = true
	};

	bfx_create(fx, NULL);
	assert_int_equal(vblk_dev_configure(fx->dev_id, &conf), 0);
	assert_int_equal(vblk_dev_start(fx->dev_id), 0);
	assert_int_equal(vblk_dev_info_get(fx->dev_id, &fx->info), 0);
}

/* Wait up to @p ms for @p fd; on wakeup read its counter. @return 1 woken, 0 timeout. */
static int
wait_fd(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint64_t n;
	int rc = poll(&p, 1, ms);

	if (rc == 1)
		assert_int_equal(read(fd, &n, sizeof(n)), sizeof(n));
	return rc;
}

static void
read_req(struct blk_fx *fx, struct vblk_req *r, struct vblk_seg *seg)
{
	bfx_req(fx, r, seg, VBLK_OP_READ, 0, 1, 0, 1);
}

static void
test_wake_on_completion(void **state)
{
	struct vblk_req r, *rp = &r, *done[1];
	struct vblk_seg seg;
	struct blk_fx fx;
	int fd;

	RTE_SET_USED(state);
	intr_start(&fx, 1);
	fd = vblk_queue_intr_fd(fx.dev_id, 0);
	assert_true(fd >= 0);
	assert_int_equal(vblk_queue_intr_enable(fx.dev_id, 0), 0);
	assert_int_equal(wait_fd(fd, 20), 0); /* idle: sleeps until the timeout */
	read_req(&fx, &r, &seg);
	assert_int_equal(vblk_enqueue_burst(fx.dev_id, 0, &rp, 1), 1);
	assert_int_equal(swdev_thread_start(fx.sw, -1), 0);
	assert_int_equal(wait_fd(fd, 5000), 1);
	swdev_thread_stop(fx.sw);
	assert_int_equal(swdev_interrupt_count(fx.sw, 0), 1);
	assert_int_equal(vblk_queue_intr_disable(fx.dev_id, 0), 0);
	assert_int_equal(vblk_dequeue_burst(fx.dev_id, 0, done, 1), 1);
	assert_int_equal(done[0]->status, 0);
	/* Polling again: completions raise nothing. */
	for (int i = 0; i < 5; i++)
		assert_int_equal(bfx_run(&fx, 0, &r), 0);
	assert_int_equal(swdev_interrupt_count(fx.sw, 0), 1);
	assert_int_equal(wait_fd(fd, 0), 0);
	bfx_destroy(&fx);
}

/* A completion that came while polling: enable signals the fd itself. */
static void
test_enable_with_pending(void **state)
{
	struct vblk_req r, *rp = &r, *done[1];
	struct vblk_seg seg;
	struct blk_fx fx;
	int fd;

	RTE_SET_USED(state);
	intr_start(&fx, 1);
	fd = vblk_queue_intr_fd(fx.dev_id, 0);
	assert_true(fd >= 0);
	read_req(&fx, &r, &seg);
	assert_int_equal(vblk_enqueue_burst(fx.dev_id, 0, &rp, 1), 1);
	bfx_process(&fx, 0);
	assert_int_equal(swdev_interrupt_count(fx.sw, 0), 0);
	assert_int_equal(vblk_queue_intr_enable(fx.dev_id, 0), 0);
	assert_int_equal(wait_fd(fd, 0), 1);
	assert_int_equal(vblk_queue_intr_disable(fx.dev_id, 0), 0);
	assert_int_equal(vblk_dequeue_burst(fx.dev_id, 0, done, 1), 1);
	bfx_destroy(&fx);
}

/*
 * A queue the device broke: the requests the driver failed wake the waiter
 * at once; once they are dequeued, enable refuses (-EIO) rather than let it
 * sleep on a queue where nothing will complete.
 */
static void
test_enable_on_broken_queue(void **state)
{
	struct vblk_req r[2], *rp[2] = { &r[0], &r[1] }, *done[2];
	struct vblk_seg seg[2];
	struct blk_fx fx;
	int fd;

	RTE_SET_USED(state);
	intr_start(&fx, 1);
	fx.sw->quiet = true;
	fd = vblk_queue_intr_fd(fx.dev_id, 0);
	assert_true(fd >= 0);
	read_req(&fx, &r[0], &seg[0]);
	read_req(&fx, &r[1], &seg[1]);
	assert_int_equal(vblk_enqueue_burst(fx.dev_id, 0, rp, 2), 2);
	swdev_inject(fx.sw, 0, SWDEV_FAULT_USED_ID, 999);
	bfx_process(&fx, 0);
	assert_int_equal(vblk_dequeue_burst(fx.dev_id, 0, done, 1), 1);
	assert_int_equal(done[0]->status, -EIO);
	/* One failed request still to collect: wake for it. */
	assert_int_equal(vblk_queue_intr_enable(fx.dev_id, 0), 0);
	assert_int_equal(wait_fd(fd, 0), 1);
	assert_int_equal(vblk_queue_intr_disable(fx.dev_id, 0), 0);
	assert_int_equal(vblk_dequeue_burst(fx.dev_id, 0, done, 2), 1);
	assert_int_equal(done[0]->status, -EIO);
	assert_int_equal(vblk_queue_intr_enable(fx.dev_id, 0), -EIO);
	bfx_destroy(&fx);
}

/* Not configured with intr, bad queue, stopped: refused. */
static void
test_refused(void **state)
{
	struct blk_fx fx;

	RTE_SET_USED(state);
	bfx_create(&fx, NULL);
	bfx_start(&fx, 1, 16);
	assert_int_equal(vblk_queue_intr_fd(fx.dev_id, 0), -ENOTSUP);
	assert_int_equal(vblk_queue_intr_enable(fx.dev_id, 0), -ENOTSUP);
	assert_int_equal(vblk_queue_intr_fd(fx.dev_id, 3), -EINVAL);
	assert_int_equal(vblk_queue_intr_fd(VBLK_MAX_DEVS, 0), -ENODEV);
	bfx_destroy(&fx);
	intr_start(&fx, 1);
	assert_int_equal(vblk_dev_stop(fx.dev_id), 0);
	assert_int_equal(vblk_queue_intr_fd(fx.dev_id, 0), -ENOTSUP);
	bfx_destroy(&fx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wake_on_completion),
		cmocka_unit_test(test_enable_with_pending),
		cmocka_unit_test(test_enable_on_broken_queue),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, bfx_group_setup, bfx_group_teardown);
}
