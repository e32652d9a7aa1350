/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/vblk's validation: every rule refuses the request before the driver
 * sees it (the device model serves nothing), the request completes at once
 * with its status at the next dequeue, and the accepted set of a burst is
 * always a prefix.
 */
#include "blk_fixture.h"

/* Submit @p r; it must come back with @p want without reaching the device. */
static void
refused(struct blk_fx *fx, struct vblk_req *r, int want)
{
	uint64_t before = bfx_dev_requests(fx);
	struct vblk_queue_stats st0, st1;

	assert_int_equal(vblk_stats_get(fx->dev_id, 0, &st0), 0);
	assert_int_equal(bfx_run(fx, 0, r), want);
	assert_int_equal(bfx_dev_requests(fx), before);
	assert_int_equal(vblk_stats_get(fx->dev_id, 0, &st1), 0);
	assert_int_equal(st1.rejected, st0.rejected + 1);
	assert_int_equal(st1.submitted, st0.submitted);
}

static void
start_default(struct blk_fx *fx, const struct swdev_blk_params *p)
{
	bfx_create(fx, p);
	bfx_start(fx, 1, 8);
}

static void
test_range(void **state)
{
	struct vblk_seg segs[4];
	struct vblk_req r;
	struct blk_fx fx;
	uint64_t cap;

	(void)state;
	start_default(&fx, NULL);
	cap = fx.info.capacity;
	bfx_req(&fx, &r, segs, VBLK_OP_READ, cap, 1, 0, 1);
	refused(&fx, &r, -ERANGE);
	bfx_req(&fx, &r, segs, VBLK_OP_WRITE, cap - 1, 2, 0, 1);
	refused(&fx, &r, -ERANGE);
	/* lba + nblocks overflows 64 bits: still out of range, not wrapped to a small lba. */
	bfx_req(&fx, &r, segs, VBLK_OP_READ, UINT64_MAX - 1, 4, 0, 1);
	refused(&fx, &r, -ERANGE);
	bfx_req(&fx, &r, segs, VBLK_OP_DISCARD, cap - 1, 2, 0, 0);
	refused(&fx, &r, -ERANGE);
	bfx_req(&fx, &r, segs, VBLK_OP_WRITE_ZEROES, UINT64_MAX, 1, 0, 0);
	refused(&fx, &r, -ERANGE);
	/* Zero blocks is malformed, not out of range. */
	bfx_req(&fx, &r, segs, VBLK_OP_READ, 0, 0, 0, 0);
	refused(&fx, &r, -EINVAL);
	/* The last block is fine. */
	bfx_req(&fx, &r, segs, VBLK_OP_READ, cap - 1, 1, 0, 1);
	assert_int_equal(bfx_run(&fx, 0, &r), 0);
	bfx_destroy(&fx);
}

static void
test_lengths_and_alignment(void **state)
{
	struct swdev_blk_params p = { .cfg = { .blk_size = 4096 } };
	struct vblk_seg segs[4];
	struct vblk_req r;
	struct blk_fx fx;

	(void)state;
	start_default(&fx, &p);
	/* Data not equal to nblocks * block size (a 512-byte sector is not a 4096 block). */
	bfx_req(&fx, &r, segs, VBLK_OP_WRITE, 0, 1, 0, 1);
	segs[0].len = 512;
	refused(&fx, &r, -EINVAL);
	bfx_req(&fx, &r, segs, VBLK_OP_READ, 0, 2, 0, 2);
	segs[1].len += 4096;
	refused(&fx, &r, -EINVAL);
	/* A zero-length segment, a NULL list, no segments. */
	bfx_req(&fx, &r, segs, VBLK_OP_READ, 0, 1, 0, 2);
	segs[1].len = 0;
	refused(&fx, &r, -EINVAL);
	bfx_req(&fx, &r, segs, VBLK_OP_READ, 0, 1, 0, 1);
	r.segs = NULL;
	refused(&fx, &r, -EINVAL);
	r.segs = segs;
	r.nseg = 0;
	refused(&fx, &r, -EINVAL);
	/* Misaligned buffer (seg_align 512). */
	assert_int_equal(fx.info.seg_align, 512);
	bfx_req(&fx, &r, segs, VBLK_OP_READ, 0, 1, 8, 1);
	refused(&fx, &r, -EINVAL);
	bfx_req(&fx, &r, segs, VBLK_OP_READ, 0, 1, 512, 1);
	assert_int_equal(bfx_run(&fx, 0, &r), 0);
	bfx_destroy(&fx);
}

static void
test_segment_limits(void **state)
{
	struct swdev_blk_params p = { .capacity = 16384,
				      .cfg = { .seg_max = 4, .size_max = 2048 } };
	struct vblk_seg segs[8];
	struct vblk_req r;
	struct blk_fx fx;

	(void)state;
	start_default(&fx, &p);
	assert_int_equal(fx.info.max_segments, 4);
	assert_int_equal(fx.info.max_segment_size, 2048);
	assert_int_equal(fx.info.max_transfer_blocks, 16);
	/* Too many segments. */
	bfx_req(&fx, &r, segs, VBLK_OP_READ, 0, 5, 0, 5);
	refused(&fx, &r, -E2BIG);
	/* A segment too big. */
	bfx_req(&fx, &r, segs, VBLK_OP_WRITE, 0, 8, 0, 2);
	segs[0].len = 2048;
	segs[1].len = 2048;
	assert_int_equal(bfx_run(&fx, 0, &r), 0);
	segs[0].len = 2560;
	segs[1].len = 1536;
	refused(&fx, &r, -E2BIG);
	/* Transfer too long (17 blocks could never fit 4 x 2048). */
	bfx_req(&fx, &r, segs, VBLK_OP_READ, 0, 17, 0, 4);
	refused(&fx, &r, -E2BIG);
	/* Exactly the limits: accepted, and the model saw 4 segments. */
	bfx_req(&fx, &r, segs, VBLK_OP_READ, 0, 16, 0, 4);
	assert_int_equal(bfx_run(&fx, 0, &r), 0);
	assert_int_equal(fx.model.max_data_segs, 4);
	bfx_destroy(&fx);
}

static void
test_discard_wz_limits(void **state)
{
	struct swdev_blk_params p = { .capacity = 65536,
				      .cfg = { .max_discard_sectors = 64,
					       .max_write_zeroes_sectors = 16 } };
	struct vblk_seg segs[1];
	struct vblk_req r;
	struct blk_fx fx;

	(void)state;
	start_default(&fx, &p);
	bfx_req(&fx, &r, segs, VBLK_OP_DISCARD, 0, 65, 0, 0);
	refused(&fx, &r, -E2BIG);
	bfx_req(&fx, &r, segs, VBLK_OP_WRITE_ZEROES, 0, 17, 0, 0);
	refused(&fx, &r, -E2BIG);
	/* Data on a discard; zero blocks. */
	bfx_req(&fx, &r, segs, VBLK_OP_DISCARD, 0, 1, 0, 1);
	refused(&fx, &r, -EINVAL);
	bfx_req(&fx, &r, segs, VBLK_OP_WRITE_ZEROES, 0, 0, 0, 0);
	refused(&fx, &r, -EINVAL);
	/* UNMAP only on write-zeroes; FUA only on writes, and never on virtio-blk. */
	bfx_req(&fx, &r, segs, VBLK_OP_DISCARD, 0, 1, 0, 0);
	r.flags = VBLK_REQ_F_UNMAP;
	refused(&fx, &r, -EINVAL);
	bfx_req(&fx, &r, segs, VBLK_OP_READ, 0, 1, 0, 1);
	r.flags = VBLK_REQ_F_FUA;
	refused(&fx, &r, -EINVAL);
	bfx_req(&fx, &r, segs, VBLK_OP_WRITE, 0, 1, 0, 1);
	r.flags = VBLK_REQ_F_FUA;
	refused(&fx, &r, -ENOTSUP);
	r.flags = 0x80;
	refused(&fx, &r, -EINVAL);
	bfx_req(&fx, &r, segs, VBLK_OP_DISCARD, 0, 64, 0, 0);
	assert_int_equal(bfx_run(&fx, 0, &r), 0);
	bfx_req(&fx, &r, segs, VBLK_OP_WRITE_ZEROES, 0, 16, 0, 0);
	assert_int_equal(bfx_run(&fx, 0, &r), 0);
	bfx_destroy(&fx);
}

static void
test_flush_and_get_id_shape(void **state)
{
	struct vblk_seg segs[2];
	struct vblk_req r;
	struct blk_fx fx;

	(void)state;
	start_default(&fx, NULL);
	bfx_req(&fx, &r, segs, VBLK_OP_FLUSH, 1, 0, 0, 0);
	refused(&fx, &r, -EINVAL);
	bfx_req(&fx, &r, segs, VBLK_OP_FLUSH, 0, 1, 0, 0);
	refused(&fx, &r, -EINVAL);
	bfx_req(&fx, &r, segs, VBLK_OP_FLUSH, 0, 1, 0, 1);
	r.nblocks = 0;
	refused(&fx, &r, -EINVAL);
	/* GET_ID takes exactly 20 bytes. */
	bfx_req(&fx, &r, segs, VBLK_OP_GET_ID, 0, 0, 0, 0);
	segs[0] = (struct vblk_seg){ fx.buf, fx.buf_iova, 16 };
	r.nseg = 1;
	refused(&fx, &r, -EINVAL);
	segs[0].len = 512;
	refused(&fx, &r, -EINVAL);
	segs[0].len = 20;
	r.lba = 1;
	refused(&fx, &r, -EINVAL);
	r.lba = 0;
	assert_int_equal(bfx_run(&fx, 0, &r), 0);
	/* Unknown op. */
	r.op = VBLK_OP_COUNT;
	refused(&fx, &r, -EINVAL);
	bfx_destroy(&fx);
}

static void
test_read_only(void **state)
{
	struct swdev_blk_params p = { .read_only = true };
	struct vblk_seg segs[1];
	struct vblk_req r;
	struct blk_fx fx;

	(void)state;
	start_default(&fx, &p);
	assert_true(fx.info.read_only);
	assert_int_equal(fx.info.ops & (VBLK_OP_BIT(VBLK_OP_WRITE) | VBLK_OP_BIT(VBLK_OP_DISCARD) |
					VBLK_OP_BIT(VBLK_OP_WRITE_ZEROES)),
			 0);
	bfx_req(&fx, &r, segs, VBLK_OP_WRITE, 0, 1, 0, 1);
	refused(&fx, &r, -EROFS);
	bfx_req(&fx, &r, segs, VBLK_OP_DISCARD, 0, 1, 0, 0);
	refused(&fx, &r, -EROFS);
	bfx_req(&fx, &r, segs, VBLK_OP_WRITE_ZEROES, 0, 1, 0, 0);
	refused(&fx, &r, -EROFS);
	bfx_req(&fx, &r, segs, VBLK_OP_READ, 0, 1, 0, 1);
	assert_int_equal(bfx_run(&fx, 0, &r), 0);
	bfx_destroy(&fx);
}

/* Ops whose feature the device does not offer: -ENOTSUP, never submitted. */
static void
test_not_negotiated(void **state)
{
	struct swdev_blk_params p = {
		.features = SWDEV_BLK_FEATURES &
			    ~(VIO_BIT(VIO_BLK_F_DISCARD) | VIO_BIT(VIO_BLK_F_WRITE_ZEROES) |
			      VIO_BIT(VIO_BLK_F_FLUSH) | VIO_BIT(VIO_BLK_F_CONFIG_WCE)),
	};
	struct vblk_seg segs[1];
	struct vblk_req r;
	struct blk_fx fx;

	(void)state;
	start_default(&fx, &p);
	assert_false(fx.info.write_cache); /* no FLUSH, no WCE: write-through */
	bfx_req(&fx, &r, segs, VBLK_OP_DISCARD, 0, 1, 0, 0);
	refused(&fx, &r, -ENOTSUP);
	bfx_req(&fx, &r, segs, VBLK_OP_WRITE_ZEROES, 0, 1, 0, 0);
	refused(&fx, &r, -ENOTSUP);
	bfx_req(&fx, &r, segs, VBLK_OP_FLUSH, 0, 0, 0, 0);
	refused(&fx, &r, -ENOTSUP);
	bfx_destroy(&fx);
}

/* A burst mixing valid and invalid requests: all accepted in order, statuses right. */
static void
test_mixed_burst(void **state)
{
	struct vblk_seg segs[8];
	struct vblk_req r[8], *pr[8], *done[8];
	struct blk_fx fx;
	unsigned int i, ok = 0, bad = 0;

	(void)state;
	start_default(&fx, NULL);
	for (i = 0; i < 8; i++) {
		bfx_req(&fx, &r[i], &segs[i], VBLK_OP_READ, i % 2 ? fx.info.capacity : i, 1,
			(size_t)i * 512, 1);
		pr[i] = &r[i];
	}
	assert_int_equal(vblk_enqueue_burst(fx.dev_id, 0, pr, 8), 8);
	/* The refused ones come back first, without the device. */
	assert_int_equal(vblk_dequeue_burst(fx.dev_id, 0, done, 8), 4);
	for (i = 0; i < 4; i++)
		assert_int_equal(done[i]->status, -ERANGE);
	assert_int_equal(bfx_collect(&fx, 0, done, 4), 4);
	for (i = 0; i < 8; i++) {
		if (r[i].status == 0)
			ok++;
		else if (r[i].status == -ERANGE)
			bad++;
	}
	assert_int_equal(ok, 4);
	assert_int_equal(bad, 4);
	bfx_destroy(&fx);
}

/* Refused requests wait in a ring as deep as the queue: when it is full, enqueue stops. */
static void
test_reject_ring_full(void **state)
{
	struct vblk_seg segs[6];
	struct vblk_req r[6], *pr[6], *done[6];
	struct blk_fx fx;
	unsigned int i;

	(void)state;
	bfx_create(&fx, NULL);
	bfx_start(&fx, 1, 4);
	for (i = 0; i < 6; i++) {
		bfx_req(&fx, &r[i], &segs[i], VBLK_OP_READ, fx.info.capacity, 1, 0, 1);
		pr[i] = &r[i];
	}
	assert_int_equal(vblk_enqueue_burst(fx.dev_id, 0, pr, 6), 4);
	assert_int_equal(vblk_dequeue_burst(fx.dev_id, 0, done, 6), 4);
	assert_int_equal(vblk_enqueue_burst(fx.dev_id, 0, &pr[4], 2), 2);
	assert_int_equal(vblk_dequeue_burst(fx.dev_id, 0, done, 6), 2);
	bfx_destroy(&fx);
}

/* Bad ids and states: nothing happens, nothing crashes. */
static void
test_bad_ids(void **state)
{
	struct vblk_dev_conf conf = { .nb_queues = 1, .queue_depth = 4 };
	struct vblk_seg segs[1];
	struct vblk_req r, *pr = &r, *done[1];
	struct vblk_dev_info info;
	struct blk_fx fx;

	(void)state;
	bfx_create(&fx, NULL);
	bfx_req(&fx, &r, segs, VBLK_OP_READ, 0, 1, 0, 1);
	/* Not configured, not started. */
	assert_int_equal(vblk_enqueue_burst(fx.dev_id, 0, &pr, 1), 0);
	assert_int_equal(vblk_dequeue_burst(fx.dev_id, 0, done, 1), 0);
	assert_int_equal(vblk_dev_start(fx.dev_id), -EINVAL);
	conf.nb_queues = 2; /* the model has one */
	assert_int_equal(vblk_dev_configure(fx.dev_id, &conf), -EINVAL);
	conf.nb_queues = 1;
	conf.queue_depth = 257;
	assert_int_equal(vblk_dev_configure(fx.dev_id, &conf), -EINVAL);
	conf.queue_depth = 0;
	assert_int_equal(vblk_dev_configure(fx.dev_id, &conf), -EINVAL);
	bfx_start(&fx, 1, 4);
	assert_int_equal(vblk_dev_configure(fx.dev_id, &conf), -EBUSY);
	assert_int_equal(vblk_enqueue_burst(fx.dev_id, 1, &pr, 1), 0);
	assert_int_equal(vblk_enqueue_burst(VBLK_MAX_DEVS, 0, &pr, 1), 0);
	assert_int_equal(vblk_dequeue_burst(VBLK_MAX_DEVS + 5, 0, done, 1), 0);
	assert_int_equal(vblk_dev_info_get(VBLK_MAX_DEVS, &info), -ENODEV);
	assert_int_equal(vblk_dev_info_get((uint16_t)(fx.dev_id + 1), &info), -ENODEV);
	assert_int_equal(vblk_dev_info_get(fx.dev_id, NULL), -EINVAL);
	assert_null(vblk_dev_name(VBLK_MAX_DEVS));
	assert_string_equal(vblk_op_name(VBLK_OP_WRITE_ZEROES), "write_zeroes");
	assert_string_equal(vblk_op_name(99), "unknown");
	bfx_destroy(&fx);
	assert_false(vblk_dev_is_valid(0));
}

#define T(fn) cmocka_unit_test(fn)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_range),
		T(test_lengths_and_alignment),
		T(test_segment_limits),
		T(test_discard_wz_limits),
		T(test_flush_and_get_id_shape),
		T(test_read_only),
		T(test_not_negotiated),
		T(test_mixed_burst),
		T(test_reject_ring_full),
		T(test_bad_ids),
	};

	return cmocka_run_group_tests_name("blk_valid", tests, bfx_group_setup, bfx_group_teardown);
}
