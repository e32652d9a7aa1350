/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What does not fit one plain request, on the swdev virtio-blk model:
 * vblk_io_split() cutting buffers larger than size_max (more segments) and
 * transfers longer than seg_max x size_max (more requests), and long
 * discards; DISCARD / WRITE_ZEROES with several ranges in one device
 * request (max_discard_seg / max_write_zeroes_seg > 1), their validation;
 * switching the write cache with CONFIG_WCE. The model records a violation
 * for any request beyond its limits (bfx_destroy() checks there was none).
 */
#include "blk_fixture.h"

#include <stddef.h>

#define WB_OFF offsetof(struct vio_blk_config, writeback)

/* Submit @p n requests at once on queue 0, collect them, return how many failed. */
static unsigned int
run_all(struct blk_fx *fx, struct vblk_req *reqs, unsigned int n)
{
	struct vblk_req *pr[64], *done[64];
	unsigned int i, failed = 0;

	assert_true(n <= RTE_DIM(pr));
	for (i = 0; i < n; i++)
		pr[i] = &reqs[i];
	assert_int_equal(vblk_enqueue_burst(fx->dev_id, 0, pr, (uint16_t)n), n);
	assert_int_equal(bfx_collect(fx, 0, done, n), n);
	for (i = 0; i < n; i++)
		failed += done[i]->status != 0;
	return failed;
}

/* Split one I/O of @p nblocks at @p lba over buffer offset @p off, run it. @return requests. */
static int
split_run(struct blk_fx *fx, uint8_t op, uint64_t lba, uint64_t nblocks, size_t off)
{
	struct vblk_io io = { .op = op,
			      .lba = lba,
			      .nblocks = nblocks,
			      .addr = fx->buf + off,
			      .iova = fx->buf_iova + off };
	struct vblk_req reqs[64];
	struct vblk_seg segs[256];
	uint32_t nsegs;
	int n, need;

	need = vblk_io_split_count(&fx->info, op, nblocks, &nsegs);
	assert_true(need > 0 && need <= (int)RTE_DIM(reqs) && nsegs <= RTE_DIM(segs));
	n = vblk_io_split(&fx->info, &io, reqs, RTE_DIM(reqs), segs, RTE_DIM(segs));
	assert_true(n > 0 && n <= need);
	assert_int_equal(run_all(fx, reqs, (unsigned int)n), 0);
	return n;
}

/* size_max 4 KiB, seg_max 4: a 64 KiB buffer is 16 segments in 4 requests. */
static void
test_split_data(void **state)
{
	struct swdev_blk_params p = { .capacity = 4096, .cfg = { .seg_max = 4, .size_max = 4096 } };
	const size_t len = 64 * 1024;
	struct vblk_io io = { .op = VBLK_OP_READ, .nblocks = len / 512 };
	struct vblk_req reqs[8];
	struct vblk_seg segs[16];
	uint32_t nsegs;
	struct blk_fx fx;

	(void)state;
	bfx_create(&fx, &p);
	bfx_start(&fx, 1, 32);
	assert_int_equal(fx.info.max_segment_size, 4096);
	assert_int_equal(fx.info.max_segments, 4);
	/* One plain request with the whole buffer as one segment is refused. */
	io.addr = fx.buf;
	io.iova = fx.buf_iova;
	assert_int_equal(vblk_io_split_count(&fx.info, VBLK_OP_WRITE, len / 512, &nsegs), 4);
	assert_int_equal(nsegs, 16);
	/* Arrays too small: said so, nothing half done is returned as a success. */
	assert_int_equal(vblk_io_split(&fx.info, &io, reqs, 3, segs, 16), -ENOSPC);
	assert_int_equal(vblk_io_split(&fx.info, &io, reqs, 8, segs, 15), -ENOSPC);
	assert_int_equal(vblk_io_split(&fx.info, &io, reqs, 8, segs, 16), 4);
	for (unsigned int i = 0; i < 4; i++) {
		assert_int_equal(reqs[i].lba, i * 32);
		assert_int_equal(reqs[i].nblocks, 32);
		assert_int_equal(reqs[i].nseg, 4);
		assert_int_equal(reqs[i].segs[0].iova, fx.buf_iova + i * 16384);
		assert_int_equal(reqs[i].segs[3].len, 4096);
	}
	/* Write 64 KiB at block 7 (unaligned start), read it back at another offset. */
	bfx_fill(&fx, 0, len, 9);
	assert_int_equal(split_run(&fx, VBLK_OP_WRITE, 7, len / 512, 0), 4);
	bfx_check(fx.model.disk + 7 * 512, len, 9);
	memset(fx.buf + (1u << 20), 0, len);
	assert_int_equal(split_run(&fx, VBLK_OP_READ, 7, len / 512, 1u << 20), 4);
	bfx_check(fx.buf + (1u << 20), len, 9);
	assert_int_equal(fx.model.max_data_segs, 4);
	/* A length that is not a multiple of the segment size: the last segment is short. */
	bfx_fill(&fx, 0, 5 * 512, 3);
	assert_int_equal(split_run(&fx, VBLK_OP_WRITE, 100, 5, 0), 1);
	bfx_check(fx.model.disk + 100 * 512, 5 * 512, 3);
	/* FLUSH and GET_ID: one request each. */
	io.op = VBLK_OP_FLUSH;
	assert_int_equal(vblk_io_split(&fx.info, &io, reqs, 8, segs, 16), 1);
	assert_int_equal(run_all(&fx, reqs, 1), 0);
	io.op = VBLK_OP_GET_ID;
	assert_int_equal(vblk_io_split(&fx.info, &io, reqs, 8, segs, 16), 1);
	assert_int_equal(run_all(&fx, reqs, 1), 0);
	assert_memory_equal(fx.buf, "swdev-blk", 10);
	/* Bad input. */
	io.op = VBLK_OP_COUNT;
	assert_int_equal(vblk_io_split(&fx.info, &io, reqs, 8, segs, 16), -EINVAL);
	io.op = VBLK_OP_READ;
	io.nblocks = 0;
	assert_int_equal(vblk_io_split(&fx.info, &io, reqs, 8, segs, 16), -EINVAL);
	assert_int_equal(vblk_io_split_count(&fx.info, VBLK_OP_READ, 0, &nsegs), -EINVAL);
	bfx_destroy(&fx);
}

/* A 4096-byte logical block with 4 KiB segments, transfer limited by seg_max. */
static void
test_split_4k_blocks(void **state)
{
	struct swdev_blk_params p = { .capacity = 8192,
				      .cfg = { .blk_size = 4096, .seg_max = 2, .size_max = 6144 } };
	struct blk_fx fx;

	(void)state;
	bfx_create(&fx, &p);
	bfx_start(&fx, 1, 32);
	/* Segments of 6 KiB (a multiple of 512, not of the block), 3 blocks a request. */
	bfx_fill(&fx, 0, 10 * 4096, 5);
	assert_int_equal(split_run(&fx, VBLK_OP_WRITE, 3, 10, 0), 4);
	bfx_check(fx.model.disk + 3 * 4096, 10 * 4096, 5);
	assert_int_equal(fx.model.max_data_segs, 2);
	bfx_destroy(&fx);
}

/* Long discards become several requests, cut at the granularity. */
static void
test_split_discard(void **state)
{
	struct swdev_blk_params p = { .capacity = 4096,
				      .cfg = { .max_discard_sectors = 64,
					       .discard_sector_alignment = 16,
					       .max_write_zeroes_sectors = 100 } };
	struct vblk_io io = { .op = VBLK_OP_DISCARD, .lba = 5, .nblocks = 200 };
	struct vblk_req reqs[8];
	uint32_t nsegs;
	struct blk_fx fx;

	(void)state;
	bfx_create(&fx, &p);
	bfx_start(&fx, 1, 32);
	assert_true(vblk_io_split_count(&fx.info, VBLK_OP_DISCARD, 200, &nsegs) >= 4);
	assert_int_equal(nsegs, 0);
	assert_int_equal(vblk_io_split(&fx.info, &io, reqs, 8, NULL, 0), 4);
	assert_int_equal(reqs[0].lba, 5);
	assert_int_equal(reqs[0].nblocks, 59); /* up to the boundary at 64 */
	assert_int_equal(reqs[1].lba, 64);
	assert_int_equal(reqs[1].nblocks, 64);
	assert_int_equal(reqs[3].lba, 192);
	assert_int_equal(reqs[3].nblocks, 13);
	assert_int_equal(run_all(&fx, reqs, 4), 0);
	/* Write-zeroes: no granularity, pieces of the maximum. */
	memset(fx.model.disk, 0xab, 4096 * 512);
	assert_int_equal(split_run(&fx, VBLK_OP_WRITE_ZEROES, 10, 250, 0), 3);
	for (size_t i = 0; i < 4096 * 512; i++)
		assert_int_equal(fx.model.disk[i], i >= 10 * 512 && i < 260 * 512 ? 0 : 0xab);
	bfx_destroy(&fx);
}

/* Submit @p r; it must come back with @p want without reaching the device. */
static void
refused(struct blk_fx *fx, struct vblk_req *r, int want)
{
	uint64_t before = bfx_dev_requests(fx);

	assert_int_equal(bfx_run(fx, 0, r), want);
	assert_int_equal(bfx_dev_requests(fx), before);
}

static void
ranges_req(struct vblk_req *r, uint8_t op, const struct vblk_range *ranges, uint16_t n)
{
	memset(r, 0, sizeof(*r));
	r->op = op;
	r->nranges = n;
	r->ranges = ranges;
	r->status = 1;
}

/* Several ranges in one device request where the device takes them. */
static void
test_multi_range(void **state)
{
	struct swdev_blk_params p = { .capacity = 2048,
				      .cfg = { .max_discard_sectors = 64,
					       .max_discard_seg = 4,
					       .max_write_zeroes_sectors = 32,
					       .max_write_zeroes_seg = 3 } };
	struct vblk_range rg[5] = { { 10, 4 }, { 100, 32 }, { 2000, 32 }, { 50, 1 }, { 60, 1 } };
	struct vblk_req r;
	struct blk_fx fx;
	uint64_t before;

	(void)state;
	bfx_create(&fx, &p);
	bfx_start(&fx, 1, 8);
	assert_int_equal(fx.info.max_discard_ranges, 4);
	assert_int_equal(fx.info.max_write_zeroes_ranges, 3);
	/* Three ranges zeroed by one device request; the rest of the disk untouched. */
	memset(fx.model.disk, 0xcd, 2048 * 512);
	ranges_req(&r, VBLK_OP_WRITE_ZEROES, rg, 3);
	r.flags = VBLK_REQ_F_UNMAP;
	before = bfx_dev_requests(&fx);
	assert_int_equal(bfx_run(&fx, 0, &r), 0);
	assert_int_equal(bfx_dev_requests(&fx), before + 1);
	assert_int_equal(fx.model.unmap_zeroes, 3); /* the flag on every range */
	assert_int_equal(fx.model.last_range.sector, 2000);
	assert_int_equal(fx.model.last_range.num_sectors, 32);
	for (size_t i = 0; i < 2048 * 512; i++) {
		size_t s = i / 512;
		bool zero = (s >= 10 && s < 14) || (s >= 100 && s < 132) || (s >= 2000 && s < 2032);

		if (zero != (fx.model.disk[i] == 0))
			fail_msg("sector %zu: byte 0x%02x", s, fx.model.disk[i]);
	}
	/* The range array may be reused once enqueue returned: the driver copied it. */
	/* Discard: four ranges at once; one more is refused, not split. */
	rg[2].nblocks = 16;
	ranges_req(&r, VBLK_OP_DISCARD, rg, 4);
	before = bfx_dev_requests(&fx);
	assert_int_equal(bfx_run(&fx, 0, &r), 0);
	assert_int_equal(bfx_dev_requests(&fx), before + 1);
	ranges_req(&r, VBLK_OP_DISCARD, rg, 5);
	refused(&fx, &r, -E2BIG);
	ranges_req(&r, VBLK_OP_WRITE_ZEROES, rg, 4);
	refused(&fx, &r, -E2BIG);
	/* Each range validated: beyond capacity, overflow, empty, too long. */
	struct vblk_range bad[2] = { { 0, 1 }, { 2047, 2 } };

	ranges_req(&r, VBLK_OP_DISCARD, bad, 2);
	refused(&fx, &r, -ERANGE);
	bad[1] = (struct vblk_range){ UINT64_MAX, 1 };
	refused(&fx, &r, -ERANGE);
	bad[1] = (struct vblk_range){ 5, 0 };
	refused(&fx, &r, -EINVAL);
	bad[1] = (struct vblk_range){ 5, 65 };
	refused(&fx, &r, -E2BIG);
	bad[1] = (struct vblk_range){ 5, 33 };
	ranges_req(&r, VBLK_OP_WRITE_ZEROES, bad, 2);
	refused(&fx, &r, -E2BIG);
	/* Ranges and lba / nblocks together, or no array. */
	ranges_req(&r, VBLK_OP_DISCARD, rg, 1);
	r.lba = 1;
	refused(&fx, &r, -EINVAL);
	ranges_req(&r, VBLK_OP_DISCARD, rg, 1);
	r.nblocks = 1;
	refused(&fx, &r, -EINVAL);
	ranges_req(&r, VBLK_OP_DISCARD, NULL, 1);
	refused(&fx, &r, -EINVAL);
	/* UNMAP still only on write-zeroes. */
	ranges_req(&r, VBLK_OP_DISCARD, rg, 1);
	r.flags = VBLK_REQ_F_UNMAP;
	refused(&fx, &r, -EINVAL);
	bfx_destroy(&fx);
}

/* One range per request (QEMU's and qemu-storage-daemon's setting): an array of one works. */
static void
test_single_range_device(void **state)
{
	struct swdev_blk_params p = { .capacity = 2048,
				      .cfg = { .max_discard_sectors = 64,
					       .max_discard_seg = 1,
					       .max_write_zeroes_sectors = 64,
					       .max_write_zeroes_seg = 1 } };
	struct vblk_range rg[2] = { { 10, 4 }, { 100, 8 } };
	struct vblk_req r;
	struct blk_fx fx;

	(void)state;
	bfx_create(&fx, &p);
	bfx_start(&fx, 1, 8);
	assert_int_equal(fx.info.max_discard_ranges, 1);
	ranges_req(&r, VBLK_OP_DISCARD, rg, 2);
	refused(&fx, &r, -E2BIG);
	ranges_req(&r, VBLK_OP_WRITE_ZEROES, &rg[1], 1);
	assert_int_equal(bfx_run(&fx, 0, &r), 0);
	assert_int_equal(fx.model.last_range.sector, 100);
	assert_int_equal(fx.model.last_range.num_sectors, 8);
	/*
	 * An array of one, with the next slot's request built behind it in the
	 * same burst: the range lives in its own slot (a device without room for
	 * several ranges), the next request's header does not overwrite it.
	 */
	{
		struct vblk_req two[2];
		struct vblk_seg seg;

		memset(fx.model.disk, 0xcd, 2048 * 512);
		ranges_req(&two[0], VBLK_OP_WRITE_ZEROES, &rg[0], 1);
		bfx_req(&fx, &two[1], &seg, VBLK_OP_READ, 1000, 1, 0, 1);
		assert_int_equal(run_all(&fx, two, 2), 0);
		for (size_t i = 0; i < 2048 * 512; i++)
			assert_int_equal(fx.model.disk[i],
					 i >= 10 * 512 && i < 14 * 512 ? 0 : 0xcd);
	}
	bfx_destroy(&fx);
}

/* A device that takes more ranges than the driver keeps room for: capped. */
static void
test_many_ranges_capped(void **state)
{
	struct swdev_blk_params p = {
		.capacity = 2048, .cfg = { .max_discard_sectors = 8, .max_discard_seg = 1000 }
	};
	struct vblk_range rg[17];
	struct vblk_req r;
	struct blk_fx fx;

	(void)state;
	bfx_create(&fx, &p);
	bfx_start(&fx, 1, 8);
	assert_int_equal(fx.info.max_discard_ranges, 16);
	for (unsigned int i = 0; i < RTE_DIM(rg); i++)
		rg[i] = (struct vblk_range){ i * 10, 8 };
	ranges_req(&r, VBLK_OP_DISCARD, rg, 16);
	assert_int_equal(bfx_run(&fx, 0, &r), 0);
	assert_int_equal(fx.model.last_range.sector, 150);
	ranges_req(&r, VBLK_OP_DISCARD, rg, 17);
	refused(&fx, &r, -E2BIG);
	bfx_destroy(&fx);
}

static uint8_t
model_writeback(const struct blk_fx *fx)
{
	return fx->sw->config[WB_OFF];
}

/* CONFIG_WCE: the driver writes the writeback field; info follows the device. */
static void
test_write_cache_toggle(void **state)
{
	struct vblk_seg segs[1];
	struct vblk_req r;
	struct blk_fx fx;

	(void)state;
	bfx_create(&fx, NULL); /* CONFIG_WCE offered, writeback 1 */
	assert_true(fx.info.write_cache_settable);
	assert_true(fx.info.write_cache);
	bfx_start(&fx, 1, 8);
	assert_int_equal(vblk_dev_set_write_cache(fx.dev_id, false), 0);
	assert_int_equal(model_writeback(&fx), 0);
	assert_int_equal(vblk_dev_info_get(fx.dev_id, &fx.info), 0);
	assert_false(fx.info.write_cache);
	/* I/O goes on; FLUSH stays an op (the FLUSH feature decides it). */
	bfx_req(&fx, &r, segs, VBLK_OP_FLUSH, 0, 0, 0, 0);
	assert_int_equal(bfx_run(&fx, 0, &r), 0);
	/* A reset (stop/start) with a device that forgets: the choice is written again. */
	assert_int_equal(vblk_dev_stop(fx.dev_id), 0);
	fx.sw->config[WB_OFF] = 1;
	assert_int_equal(vblk_dev_start(fx.dev_id), 0);
	assert_int_equal(model_writeback(&fx), 0);
	/* Stopped: remembered, written at start. */
	assert_int_equal(vblk_dev_stop(fx.dev_id), 0);
	assert_int_equal(vblk_dev_set_write_cache(fx.dev_id, true), 0);
	assert_int_equal(vblk_dev_start(fx.dev_id), 0);
	assert_int_equal(model_writeback(&fx), 1);
	assert_int_equal(vblk_dev_info_get(fx.dev_id, &fx.info), 0);
	assert_true(fx.info.write_cache);
	assert_int_equal(vblk_dev_set_write_cache(VBLK_MAX_DEVS, true), -ENODEV);
	bfx_destroy(&fx);
}

/* Without CONFIG_WCE the mode is fixed. */
static void
test_write_cache_fixed(void **state)
{
	struct swdev_blk_params p = { .features = SWDEV_BLK_FEATURES &
						  ~VIO_BIT(VIO_BLK_F_CONFIG_WCE) };
	struct blk_fx fx;

	(void)state;
	bfx_create(&fx, &p);
	assert_false(fx.info.write_cache_settable);
	assert_true(fx.info.write_cache); /* FLUSH offered: write-back */
	bfx_start(&fx, 1, 8);
	assert_int_equal(vblk_dev_set_write_cache(fx.dev_id, false), -ENOTSUP);
	assert_int_equal(model_writeback(&fx), 1); /* never written */
	bfx_destroy(&fx);
}

#define T(fn) cmocka_unit_test(fn)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_split_data),         T(test_split_4k_blocks),     T(test_split_discard),
		T(test_multi_range),        T(test_single_range_device), T(test_many_ranges_capped),
		T(test_write_cache_toggle), T(test_write_cache_fixed),
	};

	return cmocka_run_group_tests_name("blk_split", tests, bfx_group_setup, bfx_group_teardown);
}
