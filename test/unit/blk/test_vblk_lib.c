/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/vblk on its own, with a mock driver: registration limits, the
 * control-path errors, and the enqueue contract when the driver takes fewer
 * requests than it is given (the accepted set stays a prefix, refused
 * requests are never lost or duplicated).
 */
#include "unit_common.h"

#include <rte_memory.h>

#include "vblk_driver.h"

#define MOCK_RING 64

struct mock {
	unsigned int room; /* requests the driver still takes */
	int configure_rc;
	int start_rc;
	uint32_t block_size;
	unsigned int configured, closed, released, stopped;
	struct vblk_req *held[MOCK_RING];
	unsigned int nheld;
};

static struct mock *
mock_of(struct vblk_dev *dev)
{
	return vblk_dev_priv(dev);
}

static void
mock_info(struct vblk_dev *dev, struct vblk_dev_info *info)
{
	struct mock *m = mock_of(dev);

	info->driver_name = "mock";
	info->capacity = 1000;
	info->block_size = m->block_size;
	info->max_segments = 4;
	info->max_segment_size = 65536;
	info->seg_align = 0;
	info->max_transfer_blocks = 64;
	info->ops = VBLK_OP_BIT(VBLK_OP_READ) | VBLK_OP_BIT(VBLK_OP_WRITE);
	info->max_queues = 2;
	info->max_queue_depth = 16;
}

static int
mock_configure(struct vblk_dev *dev, uint16_t nq, uint16_t depth, int socket)
{
	struct mock *m = mock_of(dev);
	uint16_t i;

	(void)depth;
	(void)socket;
	if (m->configure_rc != 0)
		return m->configure_rc;
	for (i = 0; i < nq; i++)
		vblk_dev_set_queue(dev, i, m);
	m->configured++;
	return 0;
}

static int
mock_start(struct vblk_dev *dev)
{
	return mock_of(dev)->start_rc;
}

static void
mock_stop(struct vblk_dev *dev)
{
	mock_of(dev)->stopped++;
}

static void
mock_close(struct vblk_dev *dev)
{
	mock_of(dev)->closed++;
}

static void
mock_release(struct vblk_dev *dev)
{
	mock_of(dev)->released++;
}

static uint16_t
mock_enqueue(void *qpriv, struct vblk_req **reqs, uint16_t n)
{
	struct mock *m = qpriv;
	uint16_t i;

	for (i = 0; i < n && m->room > 0 && m->nheld < MOCK_RING; i++, m->room--)
		m->held[m->nheld++] = reqs[i];
	return i;
}

static uint16_t
mock_dequeue(void *qpriv, struct vblk_req **done, uint16_t n)
{
	struct mock *m = qpriv;
	uint16_t i;

	for (i = 0; i < n && m->nheld > 0; i++) {
		done[i] = m->held[0];
		done[i]->status = 0;
		memmove(m->held, m->held + 1, --m->nheld * sizeof(m->held[0]));
	}
	return i;
}

static const struct vblk_dev_ops mock_ops = {
	.info_get = mock_info,
	.configure = mock_configure,
	.start = mock_start,
	.stop = mock_stop,
	.close = mock_close,
	.release = mock_release,
};

static struct vblk_dev *
mock_register(const char *name, struct mock *m)
{
	struct vblk_dev_params p = {
		.name = name,
		.ops = &mock_ops,
		.enqueue = mock_enqueue,
		.dequeue = mock_dequeue,
		.priv = m,
		.socket_id = SOCKET_ID_ANY,
	};

	return vblk_dev_register(&p);
}

static void
test_registry(void **state)
{
	static struct mock m[VBLK_MAX_DEVS];
	struct vblk_dev_params bad = { .name = "x", .ops = &mock_ops };
	char name[16];
	unsigned int i;
	uint16_t id;

	(void)state;
	for (i = 0; i < VBLK_MAX_DEVS; i++) {
		snprintf(name, sizeof(name), "mock%u", i);
		assert_non_null(mock_register(name, &m[i]));
	}
	assert_int_equal(vblk_dev_count(), VBLK_MAX_DEVS);
	assert_null(mock_register("one-more", &m[0]));
	assert_int_equal(rte_errno, ENOSPC);
	assert_int_equal(vblk_dev_get_by_name("mock7", &id), 0);
	assert_int_equal(vblk_dev_close(id), 0);
	assert_int_equal(m[7].released, 1);
	assert_null(mock_register("mock8", &m[7]));
	assert_int_equal(rte_errno, EEXIST);
	assert_non_null(mock_register("mock7b", &m[7]));
	assert_null(vblk_dev_register(&bad)); /* no fast path */
	assert_int_equal(rte_errno, EINVAL);
	assert_null(vblk_dev_register(NULL));
	for (i = 0; i < VBLK_MAX_DEVS; i++)
		if (vblk_dev_is_valid((uint16_t)i))
			assert_int_equal(vblk_dev_close((uint16_t)i), 0);
	assert_int_equal(vblk_dev_count(), 0);
	assert_int_equal(vblk_dev_close(0), -ENODEV);
}

static void
test_control_errors(void **state)
{
	struct mock m = { .room = 100, .block_size = 512 };
	struct vblk_dev_conf conf = { .nb_queues = 2,
				      .queue_depth = 8,
				      .socket_id = SOCKET_ID_ANY };
	struct vblk_dev *dev;
	uint16_t id;

	(void)state;
	dev = mock_register("ctl", &m);
	assert_non_null(dev);
	id = vblk_dev_id_of(dev);
	/* The driver fails configure: nothing configured, the fast path stays off. */
	m.configure_rc = -ENOMEM;
	assert_int_equal(vblk_dev_configure(id, &conf), -ENOMEM);
	assert_int_equal(vblk_xstats_names_get(id, NULL, 0), 0);
	assert_int_equal(vblk_dev_start(id), -EINVAL);
	m.configure_rc = 0;
	/* A driver reporting a bad block size cannot be configured. */
	m.block_size = 1000;
	assert_int_equal(vblk_dev_configure(id, &conf), -EINVAL);
	m.block_size = 512;
	assert_int_equal(vblk_dev_configure(id, NULL), -EINVAL);
	assert_int_equal(vblk_dev_configure(id, &conf), 0);
	assert_int_equal(vblk_xstats_names_get(id, NULL, 0), 2 * 18);
	/* The driver fails start: still stopped. */
	m.start_rc = -EIO;
	assert_int_equal(vblk_dev_start(id), -EIO);
	m.start_rc = 0;
	assert_int_equal(vblk_dev_start(id), 0);
	assert_int_equal(vblk_dev_start(id), 0); /* started already: a no-op */
	/* A driver without set_write_cache: the mode is fixed. */
	assert_int_equal(vblk_dev_set_write_cache(id, false), -ENOTSUP);
	assert_int_equal(vblk_dev_set_write_cache(VBLK_MAX_DEVS, false), -ENODEV);
	/* Reconfigure after stop: the old queues go through close first. */
	assert_int_equal(vblk_dev_stop(id), 0);
	assert_int_equal(m.stopped, 1);
	conf.nb_queues = 1;
	assert_int_equal(vblk_dev_configure(id, &conf), 0);
	assert_int_equal(m.closed, 1);
	assert_int_equal(vblk_dev_close(id), 0);
	assert_int_equal(m.closed, 2);
	assert_int_equal(m.released, 1);
}

/* vblk_io_split() against the limits alone (no device): sizes, refusals. */
static void
test_split_limits(void **state)
{
	struct vblk_dev_info info = { .block_size = 512,
				      .max_segments = 4,
				      .max_segment_size = 65536,
				      .seg_align = 512,
				      .max_transfer_blocks = 64,
				      .ops = VBLK_OP_BIT(VBLK_OP_READ) };
	static uint8_t data[1 << 20];
	struct vblk_io io = {
		.op = VBLK_OP_READ, .lba = 10, .nblocks = 1000, .addr = data, .iova = 0x100000
	};
	struct vblk_req reqs[16];
	struct vblk_seg segs[16];
	uint32_t nsegs;
	uint64_t next = 10;
	int n;

	(void)state;
	/* 64 blocks (32 KiB, one segment) per request: 16 requests, the last 40 blocks. */
	assert_int_equal(vblk_io_split_count(&info, VBLK_OP_READ, 1000, &nsegs), 16);
	assert_int_equal(nsegs, 16);
	n = vblk_io_split(&info, &io, reqs, 16, segs, 16);
	assert_int_equal(n, 16);
	for (int i = 0; i < n; i++) {
		assert_int_equal(reqs[i].lba, next);
		assert_int_equal(reqs[i].segs[0].iova, 0x100000 + (next - 10) * 512);
		assert_ptr_equal(reqs[i].segs[0].addr, data + (next - 10) * 512);
		next += reqs[i].nblocks;
	}
	assert_int_equal(next, 1010);
	assert_int_equal(reqs[15].nblocks, 40);
	/* Ops the device lacks, absurd limits, NULL. */
	assert_int_equal(vblk_io_split_count(&info, VBLK_OP_DISCARD, 8, &nsegs), -ENOTSUP);
	io.op = VBLK_OP_WRITE;
	assert_int_equal(vblk_io_split(&info, &io, reqs, 16, segs, 16), -ENOTSUP);
	info.ops |= VBLK_OP_BIT(VBLK_OP_WRITE);
	info.max_segment_size = 100; /* below the segment alignment */
	assert_int_equal(vblk_io_split(&info, &io, reqs, 16, segs, 16), -EINVAL);
	assert_int_equal(vblk_io_split(NULL, &io, reqs, 16, segs, 16), -EINVAL);
	assert_int_equal(vblk_io_split_count(&info, VBLK_OP_READ, 8, NULL), -EINVAL);
}

/* The driver takes fewer than it is given: accepted = a prefix, refusals not lost. */
static void
test_partial_enqueue(void **state)
{
	struct mock m = { .room = 1, .block_size = 512 };
	struct vblk_dev_conf conf = { .nb_queues = 1,
				      .queue_depth = 8,
				      .socket_id = SOCKET_ID_ANY };
	struct vblk_seg seg = { NULL, 0x10000, 512 };
	struct vblk_req r[5], *pr[5], *done[8];
	struct vblk_dev *dev;
	uint16_t id, i;

	(void)state;
	dev = mock_register("partial", &m);
	id = vblk_dev_id_of(dev);
	assert_int_equal(vblk_dev_configure(id, &conf), 0);
	assert_int_equal(vblk_dev_start(id), 0);
	for (i = 0; i < 5; i++) {
		r[i] = (struct vblk_req){
			.op = VBLK_OP_READ, .lba = i, .nblocks = 1, .nseg = 1, .segs = &seg
		};
		pr[i] = &r[i];
	}
	r[2].lba = 5000; /* out of range */
	/* [ok, ok, bad, ok, ok], the driver has room for one: only r0 accepted. */
	assert_int_equal(vblk_enqueue_burst(id, 0, pr, 5), 1);
	/* Room for one more: r1 goes, r2 is refused (accepted), r3 does not fit. */
	m.room = 1;
	assert_int_equal(vblk_enqueue_burst(id, 0, &pr[1], 4), 2);
	m.room = 10;
	assert_int_equal(vblk_enqueue_burst(id, 0, &pr[3], 2), 2);
	assert_int_equal(vblk_dequeue_burst(id, 0, done, 8), 5);
	/* The refusal first, then the driver's completions in order. */
	assert_ptr_equal(done[0], &r[2]);
	assert_int_equal(r[2].status, -ERANGE);
	for (i = 1; i < 5; i++) {
		assert_ptr_equal(done[i], &r[i == 1 ? 0 : i == 2 ? 1 : i]);
		assert_int_equal(done[i]->status, 0);
	}
	assert_int_equal(vblk_dev_close(id), 0);
}

static int
group_setup(void **state)
{
	(void)state;
	return unit_eal_init("vblk", "0") < 0 ? -1 : 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	rte_eal_cleanup();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_control_errors),
		cmocka_unit_test(test_partial_enqueue),
		cmocka_unit_test(test_split_limits),
	};

	return cmocka_run_group_tests_name("vblk_lib", tests, group_setup, group_teardown);
}
