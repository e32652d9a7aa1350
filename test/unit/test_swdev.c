/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Self-test of the software device model (test/swdev), independent of the
 * lib/virtio engine: a hand-written "driver" builds rings in plain memory
 * and checks that the model serves honest chains, detects every kind of
 * driver misbehaviour, and lies exactly as its fault knobs say.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "unit_common.h"

#include <rte_byteorder.h>

#include "swdev.h"

#define QSIZE 8

struct ring {
	uint8_t *mem;
	struct vio_desc *desc;
	struct vio_avail *avail;
	struct vio_used *used;
	uint16_t size;
	uint16_t avail_idx;
	uint16_t used_seen;
};

struct fixture {
	struct swdev *sw;
	struct ring r[2];
	uint8_t buf[16][256];
};

static void
ring_init(struct ring *r, uint16_t size)
{
	size_t used_off = RTE_ALIGN_CEIL(16u * size + 6 + 2u * size, 4096);
	size_t total = used_off + RTE_ALIGN_CEIL(6 + 8u * size, 4096);

	r->mem = aligned_alloc(4096, total);
	assert_non_null(r->mem);
	memset(r->mem, 0, total);
	r->size = size;
	r->desc = (struct vio_desc *)r->mem;
	r->avail = (struct vio_avail *)(r->mem + 16u * size);
	r->used = (struct vio_used *)(r->mem + used_off);
	r->avail_idx = 0;
	r->used_seen = 0;
}

static struct vio_queue_cfg
ring_cfg(const struct ring *r)
{
	struct vio_queue_cfg cfg = {
		.size = r->size,
		.desc_iova = (uintptr_t)r->desc,
		.avail_iova = (uintptr_t)r->avail,
		.used_iova = (uintptr_t)r->used,
	};
	return cfg;
}

/* Plays the driver's part of section 3.1.1 through the ops. */
static void
bring_up(struct fixture *f, bool driver_ok)
{
	const struct vio_transport_ops *ops = vio_dev_ops(swdev_vdev(f->sw));
	struct vio_dev *dev = swdev_vdev(f->sw);
	struct vio_queue_cfg cfg;
	int i;

	assert_int_equal(ops->reset(dev), 0);
	ops->set_status(dev, VIO_STATUS_ACKNOWLEDGE);
	ops->set_status(dev, VIO_STATUS_ACKNOWLEDGE | VIO_STATUS_DRIVER);
	ops->set_features(dev, VIO_BIT(VIO_F_VERSION_1));
	ops->set_status(dev, VIO_STATUS_ACKNOWLEDGE | VIO_STATUS_DRIVER | VIO_STATUS_FEATURES_OK);
	assert_true(ops->get_status(dev) & VIO_STATUS_FEATURES_OK);
	for (i = 0; i < 2; i++) {
		cfg = ring_cfg(&f->r[i]);
		assert_int_equal(ops->queue_setup(dev, i, &cfg, NULL), 0);
	}
	if (driver_ok)
		ops->set_status(dev, VIO_STATUS_ACKNOWLEDGE | VIO_STATUS_DRIVER |
					     VIO_STATUS_FEATURES_OK | VIO_STATUS_DRIVER_OK);
}

static int
setup(void **state)
{
	struct swdev_params p = {
		.name = "swdev-selftest",
		.features = VIO_BIT(VIO_F_VERSION_1),
		.num_queues = 2,
		.queue_max_size = QSIZE,
		.config_len = 16,
	};
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->sw = swdev_create(&p);
	assert_non_null(f->sw);
	ring_init(&f->r[0], QSIZE);
	ring_init(&f->r[1], QSIZE);
	bring_up(f, true);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	swdev_destroy(f->sw);
	free(f->r[0].mem);
	free(f->r[1].mem);
	free(f);
	return 0;
}

static void
set_desc(struct ring *r, uint16_t i, void *buf, uint32_t len, uint16_t flags, uint16_t next)
{
	r->desc[i].addr = (uintptr_t)buf;
	r->desc[i].len = len;
	r->desc[i].flags = flags;
	r->desc[i].next = next;
}

static void
post(struct ring *r, uint16_t head)
{
	r->avail->ring[r->avail_idx & (r->size - 1)] = head;
	r->avail_idx++;
	__atomic_store_n(&r->avail->idx, r->avail_idx, __ATOMIC_RELEASE);
}

static uint16_t
used_idx(const struct ring *r)
{
	return __atomic_load_n(&r->used->idx, __ATOMIC_ACQUIRE);
}

static void
test_echo(void **state)
{
	struct fixture *f = *state;
	struct ring *r = &f->r[0];

	memcpy(f->buf[0], "hello", 5);
	set_desc(r, 3, f->buf[0], 5, VIO_DESC_F_NEXT, 5);
	set_desc(r, 5, f->buf[1], 16, VIO_DESC_F_WRITE, 0);
	post(r, 3);
	assert_int_equal(swdev_inflight(f->sw, 0), 0);
	assert_int_equal(swdev_process(f->sw, 0, 32), 1);
	assert_int_equal(used_idx(r), 1);
	assert_int_equal(r->used->ring[0].id, 3);
	assert_int_equal(r->used->ring[0].len, 5);
	assert_memory_equal(f->buf[1], "hello", 5);
	assert_int_equal(swdev_process(f->sw, 0, 32), 0);
	assert_int_equal(swdev_inflight(f->sw, 0), 0);
	assert_int_equal(swdev_violations(f->sw), 0);
}

static void
test_needs_driver_ok(void **state)
{
	struct fixture *f = *state;

	bring_up(f, false);
	set_desc(&f->r[0], 0, f->buf[0], 8, 0, 0);
	post(&f->r[0], 0);
	assert_int_equal(swdev_process(f->sw, 0, 32), -ENODEV);
	assert_int_equal(swdev_process(f->sw, 7, 32), -ENODEV);
	assert_int_equal(swdev_violations(f->sw), 0);
}

/* Post a malformed chain at head 0 and expect one violation of kind @p v. */
static void
expect_violation(struct fixture *f, enum swdev_violation v)
{
	f->sw->quiet = true;
	assert_int_equal(swdev_process(f->sw, 0, 32), -EPROTO);
	assert_int_equal(swdev_violations_of(f->sw, v), 1);
	assert_int_equal(swdev_violations(f->sw), 1);
	/* The queue stays stopped until reset. */
	assert_int_equal(swdev_process(f->sw, 0, 32), -EPROTO);
	assert_int_equal(used_idx(&f->r[0]), 0);
	assert_int_equal(swdev_inflight(f->sw, 0), 0);
	/* Reset brings it back. */
	free(f->r[0].mem);
	ring_init(&f->r[0], QSIZE);
	bring_up(f, true);
	assert_int_equal(swdev_process(f->sw, 0, 32), 0);
}

static void
test_detect_loop(void **state)
{
	struct fixture *f = *state;
	struct ring *r = &f->r[0];

	set_desc(r, 0, f->buf[0], 8, VIO_DESC_F_NEXT, 1);
	set_desc(r, 1, f->buf[1], 8, VIO_DESC_F_NEXT, 0);
	post(r, 0);
	expect_violation(f, SWDEV_V_CHAIN);
}

static void
test_detect_next_oob(void **state)
{
	struct fixture *f = *state;
	struct ring *r = &f->r[0];

	set_desc(r, 0, f->buf[0], 8, VIO_DESC_F_NEXT, QSIZE);
	post(r, 0);
	expect_violation(f, SWDEV_V_CHAIN);
}

static void
test_detect_readable_after_writable(void **state)
{
	struct fixture *f = *state;
	struct ring *r = &f->r[0];

	set_desc(r, 0, f->buf[0], 8, VIO_DESC_F_WRITE | VIO_DESC_F_NEXT, 1);
	set_desc(r, 1, f->buf[1], 8, 0, 0);
	post(r, 0);
	expect_violation(f, SWDEV_V_ORDER);
}

static void
test_detect_head_oob(void **state)
{
	struct fixture *f = *state;

	post(&f->r[0], QSIZE);
	expect_violation(f, SWDEV_V_HEAD);
}

static void
test_detect_avail_jump(void **state)
{
	struct fixture *f = *state;
	struct ring *r = &f->r[0];

	set_desc(r, 0, f->buf[0], 8, 0, 0);
	r->avail_idx = QSIZE;
	post(r, 0); /* idx = QSIZE + 1 */
	expect_violation(f, SWDEV_V_AVAIL_IDX);
}

static void
test_detect_zero_len_and_indirect(void **state)
{
	struct fixture *f = *state;
	struct ring *r = &f->r[0];

	set_desc(r, 0, f->buf[0], 0, 0, 0);
	post(r, 0);
	expect_violation(f, SWDEV_V_DESC);
	r = &f->r[0];
	swdev_clear_violations(f->sw);
	set_desc(r, 0, f->buf[0], 16, VIO_DESC_F_INDIRECT, 0);
	post(r, 0);
	expect_violation(f, SWDEV_V_DESC);
}

/* Indirect tables (section 2.7.5.3): one honest, then each driver mistake the model flags. */
static void
test_indirect(void **state)
{
	static struct vio_desc table[4] __rte_aligned(16);
	struct fixture *f = *state;
	struct ring *r = &f->r[0];
	const uint64_t ind = VIO_BIT(VIO_F_INDIRECT_DESC);

	table[0] = (struct vio_desc){ (uintptr_t)f->buf[0], 8, VIO_DESC_F_NEXT, 1 };
	table[1] = (struct vio_desc){ (uintptr_t)f->buf[1], 8, VIO_DESC_F_WRITE, 0 };
	/* INDIRECT together with NEXT. */
	f->sw->driver_features |= ind;
	set_desc(r, 1, table, 2 * sizeof(table[0]), VIO_DESC_F_INDIRECT | VIO_DESC_F_NEXT, 2);
	set_desc(r, 2, f->buf[2], 8, 0, 0);
	post(r, 1);
	expect_violation(f, SWDEV_V_DESC);
	/* A table whose length is not a whole number of descriptors. */
	swdev_clear_violations(f->sw);
	f->sw->driver_features |= ind;
	set_desc(&f->r[0], 0, table, 20, VIO_DESC_F_INDIRECT, 0);
	post(&f->r[0], 0);
	expect_violation(f, SWDEV_V_DESC);
	/* A nested table. */
	swdev_clear_violations(f->sw);
	f->sw->driver_features |= ind;
	table[1].flags = VIO_DESC_F_INDIRECT;
	set_desc(&f->r[0], 0, table, 2 * sizeof(table[0]), VIO_DESC_F_INDIRECT, 0);
	post(&f->r[0], 0);
	expect_violation(f, SWDEV_V_DESC);
	/* A loop inside the table. */
	swdev_clear_violations(f->sw);
	f->sw->driver_features |= ind;
	table[1] = (struct vio_desc){ (uintptr_t)f->buf[1], 8, VIO_DESC_F_NEXT, 0 };
	set_desc(&f->r[0], 0, table, 2 * sizeof(table[0]), VIO_DESC_F_INDIRECT, 0);
	post(&f->r[0], 0);
	expect_violation(f, SWDEV_V_DESC);
	/* next beyond the table. */
	swdev_clear_violations(f->sw);
	f->sw->driver_features |= ind;
	table[1] = (struct vio_desc){ (uintptr_t)f->buf[1], 8, VIO_DESC_F_NEXT, 2 };
	set_desc(&f->r[0], 0, table, 2 * sizeof(table[0]), VIO_DESC_F_INDIRECT, 0);
	post(&f->r[0], 0);
	expect_violation(f, SWDEV_V_CHAIN);
	/* Honest: a readable and a writable buffer through one ring descriptor. */
	swdev_clear_violations(f->sw);
	f->sw->driver_features |= ind;
	table[0] = (struct vio_desc){ (uintptr_t)f->buf[0], 8, VIO_DESC_F_NEXT, 1 };
	table[1] = (struct vio_desc){ (uintptr_t)f->buf[1], 8, VIO_DESC_F_WRITE, 0 };
	memset(f->buf[0], 0x77, 8);
	set_desc(r, 0, table, 2 * sizeof(table[0]), VIO_DESC_F_INDIRECT, 0);
	post(r, 0);
	assert_int_equal(swdev_process(f->sw, 0, 8), 1);
	assert_int_equal(r->used->ring[0].len, 8);
	assert_int_equal(f->buf[1][7], 0x77);
	assert_int_equal(swdev_violations(f->sw), 0);
	/* Not negotiated: the old rule, a violation. */
	f->sw->driver_features &= ~ind;
	set_desc(r, 0, table, 2 * sizeof(table[0]), VIO_DESC_F_INDIRECT, 0);
	post(r, 0);
	f->sw->quiet = true;
	assert_int_equal(swdev_process(f->sw, 0, 8), -EPROTO);
	assert_int_equal(swdev_violations_of(f->sw, SWDEV_V_DESC), 1);
	swdev_clear_violations(f->sw);
}

/* A descriptor still in flight in one chain shows up in another. */
static void
test_detect_shared_desc(void **state)
{
	struct fixture *f = *state;
	struct ring *r = &f->r[0];
	struct swdev_chain c;

	set_desc(r, 0, f->buf[0], 8, 0, 0);
	set_desc(r, 1, f->buf[1], 8, VIO_DESC_F_NEXT, 0);
	post(r, 0);
	post(r, 1);
	f->sw->quiet = true;
	assert_int_equal(swdev_pop(f->sw, 0, &c), 0);
	assert_int_equal(c.head, 0);
	assert_int_equal(swdev_inflight(f->sw, 0), 1);
	assert_int_equal(swdev_pop(f->sw, 0, &c), -EPROTO);
	assert_int_equal(swdev_violations_of(f->sw, SWDEV_V_CHAIN), 1);
}

static void
test_detect_head_in_flight(void **state)
{
	struct fixture *f = *state;
	struct ring *r = &f->r[0];
	struct swdev_chain c;

	set_desc(r, 0, f->buf[0], 8, 0, 0);
	post(r, 0);
	post(r, 0);
	f->sw->quiet = true;
	assert_int_equal(swdev_pop(f->sw, 0, &c), 0);
	assert_int_equal(swdev_pop(f->sw, 0, &c), -EPROTO);
	assert_int_equal(swdev_violations_of(f->sw, SWDEV_V_HEAD), 1);
}

static void
test_detect_status_and_setup(void **state)
{
	struct fixture *f = *state;
	struct vio_dev *dev = swdev_vdev(f->sw);
	const struct vio_transport_ops *ops = vio_dev_ops(dev);
	struct vio_queue_cfg cfg = ring_cfg(&f->r[0]);
	uint8_t ad = VIO_STATUS_ACKNOWLEDGE | VIO_STATUS_DRIVER;

	f->sw->quiet = true;
	/* DRIVER_OK without FEATURES_OK. */
	ops->set_status(dev, 0);
	ops->set_status(dev, VIO_STATUS_ACKNOWLEDGE);
	ops->set_status(dev, ad);
	ops->set_status(dev, ad | VIO_STATUS_DRIVER_OK);
	assert_int_equal(swdev_violations_of(f->sw, SWDEV_V_STATUS), 1);
	/* Features not offered: violation and FEATURES_OK refused. */
	ops->set_status(dev, 0);
	ops->set_status(dev, VIO_STATUS_ACKNOWLEDGE);
	ops->set_status(dev, ad);
	ops->set_features(dev, VIO_BIT(VIO_F_VERSION_1) | VIO_BIT(VIO_NET_F_MAC));
	ops->set_status(dev, ad | VIO_STATUS_FEATURES_OK);
	assert_int_equal(swdev_violations_of(f->sw, SWDEV_V_FEATURES), 1);
	assert_false(ops->get_status(dev) & VIO_STATUS_FEATURES_OK);
	/* Queue setup before FEATURES_OK, bad size, misaligned ring, no queue. */
	assert_int_equal(ops->queue_setup(dev, 0, &cfg, NULL), 0);
	assert_int_equal(swdev_violations_of(f->sw, SWDEV_V_QUEUE_SETUP), 1);
	cfg.size = 3;
	assert_int_equal(ops->queue_setup(dev, 0, &cfg, NULL), -EINVAL);
	cfg.size = QSIZE * 2;
	assert_int_equal(ops->queue_setup(dev, 0, &cfg, NULL), -EINVAL);
	cfg.size = QSIZE;
	cfg.used_iova += 2;
	assert_int_equal(ops->queue_setup(dev, 0, &cfg, NULL), -EINVAL);
	assert_int_equal(ops->queue_setup(dev, 2, &cfg, NULL), -ENOENT);
	/* Notify of a queue that is not enabled. */
	ops->set_status(dev, 0);
	ops->notify(dev, 1, SWDEV_NOTIFY_DATA(1));
	assert_int_equal(swdev_violations_of(f->sw, SWDEV_V_NOTIFY), 1);
	/* Clearing a status bit. */
	ops->set_status(dev, VIO_STATUS_ACKNOWLEDGE);
	ops->set_status(dev, VIO_STATUS_DRIVER);
	assert_int_equal(swdev_violations_of(f->sw, SWDEV_V_STATUS), 3);
	swdev_clear_violations(f->sw);
}

static void
test_status_reset(void **state)
{
	struct fixture *f = *state;
	struct vio_dev *dev = swdev_vdev(f->sw);
	uint8_t h[SWDEV_HISTORY_MAX];
	unsigned int n;

	assert_int_equal(swdev_status(f->sw), 0x0f);
	n = swdev_status_history(f->sw, h, RTE_DIM(h));
	assert_int_equal(n, 5);
	assert_int_equal(h[0], 0);
	assert_int_equal(h[4], 0x0f);
	assert_true(f->sw->q[0].enabled);
	vio_dev_ops(dev)->set_status(dev, 0);
	assert_int_equal(vio_dev_ops(dev)->get_status(dev), 0);
	assert_false(f->sw->q[0].enabled);
	assert_int_equal(f->sw->driver_features, 0);
	f->sw->reset_fail = true;
	vio_dev_ops(dev)->set_status(dev, 1);
	assert_int_equal(vio_dev_ops(dev)->reset(dev), -EIO);
	assert_int_equal(swdev_violations(f->sw), 0);
}

static void
test_faults(void **state)
{
	struct fixture *f = *state;
	struct ring *r = &f->r[0];
	uint16_t u;

	set_desc(r, 0, f->buf[0], 8, VIO_DESC_F_NEXT, 4);
	set_desc(r, 4, f->buf[1], 8, VIO_DESC_F_WRITE, 0);
	/* id = value */
	swdev_inject(f->sw, 0, SWDEV_FAULT_USED_ID, 77);
	post(r, 0);
	assert_int_equal(swdev_process(f->sw, 0, 8), 1);
	assert_int_equal(r->used->ring[0].id, 77);
	/* id = a descriptor in no chain (chain 0 is in flight meanwhile) */
	set_desc(r, 2, f->buf[2], 8, 0, 0);
	post(r, 2);
	swdev_inject(f->sw, 0, SWDEV_FAULT_USED_ID_FREE, 0);
	assert_int_equal(swdev_process(f->sw, 0, 8), 1);
	u = r->used->ring[1].id;
	assert_true(u < QSIZE && u != 2);
	/* id = the second descriptor of the chain */
	post(r, 0);
	swdev_inject(f->sw, 0, SWDEV_FAULT_USED_ID_MEMBER, 0);
	assert_int_equal(swdev_process(f->sw, 0, 8), 1);
	assert_int_equal(r->used->ring[2].id, 4);
	/* len beyond the writable bytes */
	post(r, 0);
	swdev_inject(f->sw, 0, SWDEV_FAULT_USED_LEN_OVER, 1);
	assert_int_equal(swdev_process(f->sw, 0, 8), 1);
	assert_int_equal(r->used->ring[3].id, 0);
	assert_int_equal(r->used->ring[3].len, 9);
	/* the same completion twice */
	post(r, 0);
	swdev_inject(f->sw, 0, SWDEV_FAULT_DUP, 0);
	assert_int_equal(swdev_process(f->sw, 0, 8), 1);
	assert_int_equal(used_idx(r), 6);
	assert_int_equal(r->used->ring[4].id, 0);
	assert_int_equal(r->used->ring[5].id, 0);
	/* used idx jumps */
	post(r, 0);
	swdev_inject(f->sw, 0, SWDEV_FAULT_IDX_JUMP, QSIZE + 1);
	assert_int_equal(swdev_process(f->sw, 0, 8), 1);
	assert_int_equal(used_idx(r), 7 + QSIZE + 1);
	assert_int_equal(swdev_violations(f->sw), 0);
}

static void
test_order(void **state)
{
	struct fixture *f = *state;
	struct ring *r = &f->r[0];
	unsigned int seen = 0;
	uint16_t i;

	for (i = 0; i < 4; i++) {
		set_desc(r, i, f->buf[i], 8, 0, 0);
		post(r, i);
	}
	swdev_set_order(f->sw, 0, SWDEV_ORDER_REVERSE, 0);
	assert_int_equal(swdev_process(f->sw, 0, 8), 4);
	for (i = 0; i < 4; i++)
		assert_int_equal(r->used->ring[i].id, 3 - i);
	for (i = 0; i < QSIZE; i++) {
		set_desc(r, i, f->buf[i], 8, 0, 0);
		post(r, i);
	}
	swdev_set_order(f->sw, 0, SWDEV_ORDER_SHUFFLE, 42);
	assert_int_equal(swdev_process(f->sw, 0, 64), QSIZE);
	for (i = 0; i < QSIZE; i++)
		seen |= 1u << r->used->ring[(4 + i) & (QSIZE - 1)].id;
	assert_int_equal(seen, (1u << QSIZE) - 1);
	assert_int_equal(swdev_violations(f->sw), 0);
}

/* Notify-only: the device sees what a notification covered, or polls under NO_NOTIFY. */
static void
test_notify_only(void **state)
{
	struct fixture *f = *state;
	struct vio_dev *dev = swdev_vdev(f->sw);
	struct ring *r = &f->r[0];

	swdev_set_notify_only(f->sw, true);
	set_desc(r, 0, f->buf[0], 8, 0, 0);
	set_desc(r, 1, f->buf[1], 8, 0, 0);
	set_desc(r, 2, f->buf[2], 8, 0, 0);
	post(r, 0);
	post(r, 1);
	/* Published, not notified: the device does not see them. */
	assert_int_equal(swdev_avail_pending(f->sw, 0), 0);
	assert_int_equal(swdev_process(f->sw, 0, 64), 0);
	vio_dev_ops(dev)->notify(dev, 0, SWDEV_NOTIFY_DATA(0));
	post(r, 2); /* after the notification: not covered */
	assert_int_equal(swdev_avail_pending(f->sw, 0), 2);
	assert_int_equal(swdev_process(f->sw, 0, 64), 2);
	assert_int_equal(swdev_process(f->sw, 0, 64), 0);
	/* With NO_NOTIFY the device polls: it sees everything. */
	swdev_set_no_notify(f->sw, 0, true);
	assert_int_equal(swdev_process(f->sw, 0, 64), 1);
	set_desc(r, 3, f->buf[3], 8, 0, 0);
	post(r, 3);
	swdev_set_no_notify(f->sw, 0, false); /* re-enabling re-checks the ring */
	assert_int_equal(swdev_process(f->sw, 0, 64), 1);
	assert_int_equal(swdev_violations(f->sw), 0);
}

/* A reset that never completes, after some that do; the queues stay live. */
static void
test_reset_fail_after(void **state)
{
	struct fixture *f = *state;
	struct vio_dev *dev = swdev_vdev(f->sw);

	swdev_set_reset_fail(f->sw, true, 1);
	bring_up(f, true); /* its reset completes */
	assert_int_equal(vio_dev_ops(dev)->reset(dev), -EIO);
	assert_int_equal(vio_dev_ops(dev)->reset(dev), -EIO);
	assert_true(f->sw->q[0].enabled);
	assert_true(swdev_status(f->sw) & VIO_STATUS_DRIVER_OK);
	set_desc(&f->r[0], 0, f->buf[0], 8, 0, 0);
	post(&f->r[0], 0);
	assert_int_equal(swdev_process(f->sw, 0, 64), 1);
	swdev_set_reset_fail(f->sw, false, 0);
	assert_int_equal(vio_dev_ops(dev)->reset(dev), 0);
	assert_false(f->sw->q[0].enabled);
}

static void
test_no_notify_and_doorbell(void **state)
{
	struct fixture *f = *state;
	struct vio_dev *dev = swdev_vdev(f->sw);
	struct vio_queue_cfg cfg = ring_cfg(&f->r[1]);
	struct vio_notify_addr na = { NULL, 0 };

	swdev_set_no_notify(f->sw, 0, true);
	assert_int_equal(f->r[0].used->flags, VIO_USED_F_NO_NOTIFY);
	swdev_set_no_notify(f->sw, 0, false);
	assert_int_equal(f->r[0].used->flags, 0);
	vio_dev_ops(dev)->notify(dev, 0, SWDEV_NOTIFY_DATA(0));
	vio_dev_ops(dev)->notify(dev, 0, SWDEV_NOTIFY_DATA(0));
	assert_int_equal(swdev_notify_count(f->sw, 0), 2);
	/* Notify data other than what queue setup handed out. */
	f->sw->quiet = true;
	vio_dev_ops(dev)->notify(dev, 0, SWDEV_NOTIFY_DATA(1));
	assert_int_equal(swdev_notify_count(f->sw, 0), 2);
	assert_int_equal(swdev_violations_of(f->sw, SWDEV_V_NOTIFY), 1);
	swdev_clear_violations(f->sw);
	f->sw->quiet = false;
	assert_int_equal(swdev_notify_count(f->sw, 1), 0);
	/* NO_NOTIFY and the doorbell survive a queue setup. */
	vio_dev_ops(dev)->set_status(dev, 0);
	swdev_set_no_notify(f->sw, 1, true);
	swdev_set_doorbell(f->sw, 1, true);
	vio_dev_ops(dev)->set_status(dev, VIO_STATUS_ACKNOWLEDGE);
	vio_dev_ops(dev)->set_status(dev, VIO_STATUS_ACKNOWLEDGE | VIO_STATUS_DRIVER);
	vio_dev_ops(dev)->set_status(dev, VIO_STATUS_ACKNOWLEDGE | VIO_STATUS_DRIVER |
						  VIO_STATUS_FEATURES_OK);
	assert_int_equal(vio_dev_ops(dev)->queue_setup(dev, 1, &cfg, &na), 0);
	assert_ptr_equal(na.doorbell, &f->sw->q[1].doorbell);
	assert_int_equal(na.data, SWDEV_NOTIFY_DATA(1));
	assert_int_equal(f->r[1].used->flags, VIO_USED_F_NO_NOTIFY);
	assert_int_equal(swdev_violations(f->sw), 0);
}

static void
test_loopback(void **state)
{
	struct fixture *f = *state;
	struct swdev_loopback lb = { .peer = 1 };

	swdev_set_handler(f->sw, 0, swdev_handler_loopback, &lb);
	memcpy(f->buf[0], "packet-one", 10);
	set_desc(&f->r[0], 0, f->buf[0], 10, 0, 0);
	post(&f->r[0], 0);
	/* No rx buffer: the packet waits. */
	assert_int_equal(swdev_process(f->sw, 0, 8), 0);
	assert_int_equal(used_idx(&f->r[0]), 0);
	set_desc(&f->r[1], 0, f->buf[1], 64, VIO_DESC_F_WRITE, 0);
	post(&f->r[1], 0);
	assert_int_equal(swdev_process(f->sw, 0, 8), 1);
	assert_int_equal(used_idx(&f->r[0]), 1);
	assert_int_equal(f->r[0].used->ring[0].len, 0);
	assert_int_equal(used_idx(&f->r[1]), 1);
	assert_int_equal(f->r[1].used->ring[0].len, 10);
	assert_memory_equal(f->buf[1], "packet-one", 10);
	assert_int_equal(lb.copied, 1);
	assert_int_equal(swdev_violations(f->sw), 0);
}

static void
blk_req(struct fixture *f, uint16_t base, struct vio_blk_req_hdr *h, void *data, uint32_t len,
	bool in, uint8_t *status)
{
	struct ring *r = &f->r[0];

	set_desc(r, base, h, sizeof(*h), VIO_DESC_F_NEXT, base + 1);
	if (len != 0) {
		set_desc(r, base + 1, data, len, VIO_DESC_F_NEXT | (in ? VIO_DESC_F_WRITE : 0),
			 base + 2);
		set_desc(r, base + 2, status, 1, VIO_DESC_F_WRITE, 0);
	} else {
		set_desc(r, base + 1, status, 1, VIO_DESC_F_WRITE, 0);
	}
	post(r, base);
}

static void
test_blk(void **state)
{
	struct fixture *f = *state;
	static uint8_t disk[8 * 512];
	struct swdev_blk blk = { .disk = disk, .capacity = 8 };
	struct vio_blk_req_hdr h = { .type = VIO_BLK_T_OUT, .sector = 2 };
	uint8_t status = 0xff;
	uint16_t u;

	swdev_set_handler(f->sw, 0, swdev_handler_blk, &blk);
	f->sw->quiet = true; /* two requests below break the rules on purpose */
	memset(f->buf[0], 0x5a, 256);
	memset(f->buf[1], 0x5a, 256);
	/* Write 512 bytes (two 256-byte buffers would need a 4-desc chain). */
	blk_req(f, 0, &h, f->buf[0], 256, false, &status);
	assert_int_equal(swdev_process(f->sw, 0, 8), 1);
	assert_int_equal(status, VIO_BLK_S_IOERR); /* not a sector multiple */
	static uint8_t sector[512];
	memset(sector, 0x3c, sizeof(sector));
	blk_req(f, 0, &h, sector, 512, false, &status);
	assert_int_equal(swdev_process(f->sw, 0, 8), 1);
	assert_int_equal(status, VIO_BLK_S_OK);
	assert_int_equal(disk[2 * 512], 0x3c);
	assert_int_equal(disk[3 * 512 - 1], 0x3c);
	assert_int_equal(disk[3 * 512], 0);
	/* Read it back. */
	memset(sector, 0, sizeof(sector));
	h.type = VIO_BLK_T_IN;
	blk_req(f, 0, &h, sector, 512, true, &status);
	assert_int_equal(swdev_process(f->sw, 0, 8), 1);
	u = (uint16_t)(used_idx(&f->r[0]) - 1);
	assert_int_equal(f->r[0].used->ring[u & (QSIZE - 1)].len, 513);
	assert_int_equal(status, VIO_BLK_S_OK);
	assert_int_equal(sector[0], 0x3c);
	/* Beyond the end, GET_ID, unknown. */
	h.sector = 8;
	blk_req(f, 0, &h, sector, 512, true, &status);
	assert_int_equal(swdev_process(f->sw, 0, 8), 1);
	assert_int_equal(status, VIO_BLK_S_IOERR);
	h.type = VIO_BLK_T_GET_ID;
	blk_req(f, 0, &h, f->buf[2], 20, true, &status);
	assert_int_equal(swdev_process(f->sw, 0, 8), 1);
	assert_string_equal((char *)f->buf[2], "swdev-blk");
	h.type = 77;
	blk_req(f, 0, &h, NULL, 0, false, &status);
	assert_int_equal(swdev_process(f->sw, 0, 8), 1);
	assert_int_equal(status, VIO_BLK_S_UNSUPP);
	/* The short write and the read past the end break section 5.2.6.1: both flagged. */
	assert_int_equal(swdev_violations_of(f->sw, SWDEV_V_BLK), 2);
	assert_int_equal(swdev_violations(f->sw), 2);
	swdev_clear_violations(f->sw);
}

static void
test_config_flaps(void **state)
{
	struct fixture *f = *state;
	struct vio_dev *dev = swdev_vdev(f->sw);
	struct swdev_cfg_access log[8];
	uint8_t v = 0x11;
	uint16_t le16 = rte_cpu_to_le_16(0x1234);
	uint8_t g;

	swdev_config_update(f->sw, 3, &v, 1);
	swdev_config_update(f->sw, 4, &le16, 2);
	g = vio_dev_ops(dev)->config_generation(dev);
	swdev_set_config_flaps(f->sw, 1);
	assert_int_not_equal(vio_dev_ops(dev)->read_config(dev, 3, 1), 0x11);
	assert_int_not_equal(vio_dev_ops(dev)->config_generation(dev), g);
	assert_int_equal(vio_dev_ops(dev)->read_config(dev, 3, 1), 0x11);
	/* Little-endian layout, CPU-order value. */
	assert_int_equal(vio_dev_ops(dev)->read_config(dev, 4, 2), 0x1234);
	vio_dev_ops(dev)->write_config(dev, 8, 0xa1b2c3d4, 4);
	assert_int_equal(f->sw->config[8], 0xd4);
	assert_int_equal(f->sw->config[11], 0xa1);
	/* Every access is logged with its width. */
	assert_int_equal(swdev_config_log(f->sw, log, RTE_DIM(log)), 4);
	assert_int_equal(log[2].offset, 4);
	assert_int_equal(log[2].width, 2);
	assert_false(log[2].write);
	assert_int_equal(log[3].width, 4);
	assert_true(log[3].write);
	swdev_config_log_clear(f->sw);
	assert_int_equal(swdev_config_log(f->sw, log, RTE_DIM(log)), 0);
	/* Outside the area, unaligned, or of a width no field has. */
	f->sw->quiet = true;
	vio_dev_ops(dev)->read_config(dev, 15, 2);
	assert_int_equal(swdev_violations_of(f->sw, SWDEV_V_CONFIG), 1);
	vio_dev_ops(dev)->read_config(dev, 2, 4);
	vio_dev_ops(dev)->write_config(dev, 1, 0, 2);
	vio_dev_ops(dev)->read_config(dev, 0, 3);
	assert_int_equal(swdev_violations_of(f->sw, SWDEV_V_CONFIG), 4);
	swdev_clear_violations(f->sw);
}

/* The device thread serves a driver on this thread; 3 wraps of used idx. */
static void
test_thread(void **state)
{
	struct fixture *f = *state;
	struct ring *r = &f->r[0];
	uint32_t sent = 0, done = 0, n = 3 * 65536 + 17;
	uint64_t words[QSIZE];
	uint16_t i, u;

	for (i = 0; i < QSIZE; i++)
		set_desc(r, i, &words[i], 8, VIO_DESC_F_WRITE, 0);
	swdev_set_handler(f->sw, 0, swdev_handler_fill, (void *)(uintptr_t)0x77);
	assert_int_equal(swdev_thread_start(f->sw, -1), 0);
	assert_int_equal(swdev_thread_start(f->sw, -1), -EBUSY);
	while (done < n) {
		while (sent - done < QSIZE && sent < n) {
			words[sent % QSIZE] = 0;
			post(r, sent % QSIZE);
			sent++;
		}
		u = used_idx(r);
		while (r->used_seen != u) {
			struct vio_used_elem e = r->used->ring[r->used_seen & (QSIZE - 1)];

			assert_int_equal(e.id, done % QSIZE);
			assert_int_equal(e.len, 8);
			assert_int_equal(words[e.id], 0x7777777777777777ULL);
			r->used_seen++;
			done++;
		}
	}
	swdev_thread_stop(f->sw);
	assert_int_equal(f->sw->q[0].completed, n);
	assert_int_equal(swdev_violations(f->sw), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_echo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_needs_driver_ok, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detect_loop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detect_next_oob, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detect_readable_after_writable, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_detect_head_oob, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detect_avail_jump, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detect_zero_len_and_indirect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_indirect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detect_shared_desc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detect_head_in_flight, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detect_status_and_setup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_faults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_notify_and_doorbell, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notify_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_fail_after, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loopback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_flaps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_thread, setup, teardown),
	};

	return cmocka_run_group_tests_name("swdev", tests, NULL, NULL);
}
