/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * blk_vireo on the swdev virtio-blk model, honest device: what info reports
 * from the config, every op round-tripping to the RAM disk, 512- and
 * 4096-byte blocks, several queues, depth 1 and 1024 (indirect), direct
 * chains without INDIRECT_DESC, statistics and xstats.
 */
#include "blk_fixture.h"

#include <rte_malloc.h>
#include <rte_memzone.h>

#include "vireo_blk.h" /* VIREO_BLK_TABLE_CHUNK */
#include "vireo_blk_port.h"

static void
test_info(void **state)
{
	struct swdev_blk_params p = {
		.capacity = 8192,
		.num_queues = 3,
		.queue_max_size = 128,
		.cfg = { .blk_size = 4096,
			 .physical_block_exp = 1,
			 .min_io_size = 2,
			 .opt_io_size = 16,
			 .seg_max = 60,
			 .size_max = 65536,
			 .max_discard_sectors = 2048,
			 .max_discard_seg = 4,
			 .discard_sector_alignment = 64,
			 .max_write_zeroes_sectors = 1024,
			 .max_write_zeroes_seg = 1,
			 .write_zeroes_may_unmap = 1 },
	};
	struct blk_fx fx;
	const struct vblk_dev_info *i = &fx.info;
	uint16_t id;

	(void)state;
	bfx_create(&fx, &p);
	assert_int_equal(vblk_dev_count(), 1);
	assert_int_equal(vblk_dev_get_by_name(fx.name, &id), 0);
	assert_int_equal(id, fx.dev_id);
	assert_string_equal(vblk_dev_name(id), fx.name);
	assert_int_equal(vblk_dev_get_by_name("nope", &id), -ENODEV);
	assert_string_equal(i->driver_name, "blk_vireo");
	assert_int_equal(i->capacity, 8192 / 8); /* sectors are 512 bytes, blocks 4096 */
	assert_int_equal(i->block_size, 4096);
	assert_int_equal(i->physical_block_size, 8192);
	assert_int_equal(i->min_io_blocks, 2);
	assert_int_equal(i->opt_io_blocks, 16);
	assert_int_equal(i->max_segments, 60);
	assert_int_equal(i->max_segment_size, 65536);
	assert_int_equal(i->max_transfer_blocks, 60 * 65536 / 4096);
	assert_int_equal(i->max_discard_blocks, 2048 / 8);
	assert_int_equal(i->max_discard_ranges, 4);
	assert_int_equal(i->discard_align_blocks, 64 / 8);
	assert_int_equal(i->max_write_zeroes_blocks, 1024 / 8);
	assert_true(i->write_zeroes_may_unmap);
	assert_false(i->read_only);
	assert_true(i->write_cache);
	assert_false(i->fua);
	assert_int_equal(i->ops, VBLK_OP_BIT(VBLK_OP_READ) | VBLK_OP_BIT(VBLK_OP_WRITE) |
					 VBLK_OP_BIT(VBLK_OP_FLUSH) | VBLK_OP_BIT(VBLK_OP_DISCARD) |
					 VBLK_OP_BIT(VBLK_OP_WRITE_ZEROES) |
					 VBLK_OP_BIT(VBLK_OP_GET_ID));
	assert_int_equal(i->max_queues, 3);
	assert_int_equal(i->max_queue_depth, 128); /* indirect: one slot per request */
	assert_int_equal(i->nb_queues, 0);
	bfx_start(&fx, 2, 32);
	assert_int_equal(fx.info.nb_queues, 2);
	assert_int_equal(fx.info.queue_depth, 32);
	/* Every wanted feature the model offers was negotiated. */
	assert_int_equal(fx.sw->driver_features & ~VIO_BIT(VIO_F_RING_PACKED), SWDEV_BLK_FEATURES);
	bfx_destroy(&fx);
	assert_int_equal(vblk_dev_count(), 0);
}

/* Write, read back, compare, and check the bytes landed where the LBA says on the disk. */
static void
roundtrip(struct blk_fx *fx, uint16_t q, uint64_t lba, uint32_t nblocks, uint16_t nseg,
	  uint8_t seed)
{
	size_t len = (size_t)nblocks * fx->info.block_size;
	struct vblk_seg segs[8];
	struct vblk_req r;

	bfx_fill(fx, 0, len, seed);
	bfx_req(fx, &r, segs, VBLK_OP_WRITE, lba, nblocks, 0, nseg);
	assert_int_equal(bfx_run(fx, q, &r), 0);
	bfx_check(fx->model.disk + lba * fx->info.block_size, len, seed);
	memset(fx->buf + (1u << 20), 0, len);
	bfx_req(fx, &r, segs, VBLK_OP_READ, lba, nblocks, 1u << 20, nseg);
	assert_int_equal(bfx_run(fx, q, &r), 0);
	bfx_check(fx->buf + (1u << 20), len, seed);
}

static void
ops_on(uint32_t blk_size)
{
	struct swdev_blk_params p = { .capacity = 4096, .cfg = { .blk_size = blk_size } };
	struct vblk_seg segs[2];
	struct vblk_req r;
	struct blk_fx fx;
	uint32_t bpb = blk_size / 512, nb;
	uint64_t cap;

	bfx_create(&fx, &p);
	bfx_start(&fx, 1, 16);
	cap = fx.info.capacity;
	assert_int_equal(cap, 4096 / bpb);
	roundtrip(&fx, 0, 0, 1, 1, 1);
	roundtrip(&fx, 0, 3, 4, 3, 2);
	roundtrip(&fx, 0, cap - 2, 2, 2, 3); /* the last blocks */
	/* The header carries 512-byte sectors, whatever the block size. */
	assert_int_equal(fx.model.last_hdr.sector, (cap - 2) * bpb);
	assert_true(fx.model.last_indirect);
	/* FLUSH. */
	bfx_req(&fx, &r, segs, VBLK_OP_FLUSH, 0, 0, 0, 0);
	assert_int_equal(bfx_run(&fx, 0, &r), 0);
	assert_int_equal(fx.model.by_type[VIO_BLK_T_FLUSH], 1);
	/* WRITE_ZEROES with and without UNMAP: the blocks read back as zeroes. */
	nb = 3;
	roundtrip(&fx, 0, 8, nb, 1, 4);
	bfx_req(&fx, &r, segs, VBLK_OP_WRITE_ZEROES, 8, nb, 0, 0);
	assert_int_equal(bfx_run(&fx, 0, &r), 0);
	assert_int_equal(fx.model.last_range.sector, 8 * bpb);
	assert_int_equal(fx.model.last_range.num_sectors, nb * bpb);
	assert_int_equal(fx.model.last_range.flags, 0);
	memset(fx.buf, 0xee, (size_t)nb * blk_size);
	bfx_req(&fx, &r, segs, VBLK_OP_READ, 8, nb, 0, 1);
	assert_int_equal(bfx_run(&fx, 0, &r), 0);
	for (size_t i = 0; i < (size_t)nb * blk_size; i++)
		assert_int_equal(fx.buf[i], 0);
	roundtrip(&fx, 0, 8, nb, 1, 5);
	bfx_req(&fx, &r, segs, VBLK_OP_WRITE_ZEROES, 8, nb, 0, 0);
	r.flags = VBLK_REQ_F_UNMAP;
	assert_int_equal(bfx_run(&fx, 0, &r), 0);
	assert_int_equal(fx.model.last_range.flags, VIO_BLK_WZ_F_UNMAP);
	assert_int_equal(fx.model.unmap_zeroes, 1);
	/* DISCARD: a range, no flags (a flagged discard would be UNSUPP). */
	bfx_req(&fx, &r, segs, VBLK_OP_DISCARD, 1, 2, 0, 0);
	assert_int_equal(bfx_run(&fx, 0, &r), 0);
	assert_int_equal(fx.model.last_range.sector, 1 * bpb);
	assert_int_equal(fx.model.last_range.num_sectors, 2 * bpb);
	assert_int_equal(fx.model.last_range.flags, 0);
	/* GET_ID: 20 bytes. */
	memset(fx.buf, 0, 64);
	bfx_req(&fx, &r, segs, VBLK_OP_GET_ID, 0, 0, 0, 0);
	segs[0] = (struct vblk_seg){ fx.buf, fx.buf_iova, VBLK_ID_LEN };
	r.nseg = 1;
	assert_int_equal(bfx_run(&fx, 0, &r), 0);
	assert_string_equal((char *)fx.buf, "swdev-blk");
	/* The context comes back untouched. */
	bfx_req(&fx, &r, segs, VBLK_OP_FLUSH, 0, 0, 0, 0);
	r.ctx = &fx;
	assert_int_equal(bfx_run(&fx, 0, &r), 0);
	assert_ptr_equal(r.ctx, &fx);
	bfx_destroy(&fx);
}

static void
test_ops_512(void **state)
{
	(void)state;
	ops_on(512);
}

static void
test_ops_4096(void **state)
{
	(void)state;
	ops_on(4096);
}

/* Device answers: UNSUPP is -ENOTSUP, IOERR is -EIO; the queue carries on. */
static void
test_device_status(void **state)
{
	struct vblk_seg segs[1];
	struct vblk_req r;
	struct blk_fx fx;

	(void)state;
	bfx_create(&fx, NULL);
	bfx_start(&fx, 1, 8);
	bfx_req(&fx, &r, segs, VBLK_OP_READ, 0, 1, 0, 1);
	fx.model.force_status = VIO_BLK_S_UNSUPP;
	fx.model.force_count = 1;
	assert_int_equal(bfx_run(&fx, 0, &r), -ENOTSUP);
	fx.model.force_status = VIO_BLK_S_IOERR;
	fx.model.force_count = 1;
	assert_int_equal(bfx_run(&fx, 0, &r), -EIO);
	assert_int_equal(bfx_run(&fx, 0, &r), 0);
	bfx_destroy(&fx);
}

/* Two queues, each with its own lcore's worth of requests, in flight together. */
static void
test_multiqueue(void **state)
{
	struct swdev_blk_params p = { .num_queues = 2 };
	struct vblk_seg segs[2][16];
	struct vblk_req r[2][16], *pr[16], *done[16];
	struct blk_fx fx;
	uint16_t q, i;

	(void)state;
	bfx_create(&fx, &p);
	bfx_start(&fx, 2, 16);
	for (q = 0; q < 2; q++) {
		for (i = 0; i < 16; i++) {
			bfx_fill(&fx, (size_t)(q * 16 + i) * 512, 512, (uint8_t)(q * 16 + i));
			bfx_req(&fx, &r[q][i], &segs[q][i], VBLK_OP_WRITE, q * 16 + i, 1,
				(size_t)(q * 16 + i) * 512, 1);
			pr[i] = &r[q][i];
		}
		assert_int_equal(vblk_enqueue_burst(fx.dev_id, q, pr, 16), 16);
	}
	for (q = 0; q < 2; q++) {
		assert_int_equal(bfx_collect(&fx, q, done, 16), 16);
		for (i = 0; i < 16; i++)
			assert_int_equal(done[i]->status, 0);
	}
	for (i = 0; i < 32; i++)
		bfx_check(fx.model.disk + (size_t)i * 512, 512, (uint8_t)i);
	assert_int_equal(swdev_violations(fx.sw), 0);
	bfx_destroy(&fx);
}

/* Depth @p depth on a ring of @p qmax: exactly depth requests in flight, then push-back. */
static void
largest_mz(const struct rte_memzone *mz, void *arg)
{
	size_t *largest = arg;

	*largest = RTE_MAX(*largest, mz->len);
}

static void
depth_run(uint16_t qmax, uint16_t depth, bool indirect)
{
	struct swdev_blk_params p = { .queue_max_size = qmax, .capacity = 4096 };
	struct vblk_req *r = calloc(depth + 1u, sizeof(*r)), **pr = calloc(depth + 1u, sizeof(*pr));
	struct vblk_seg *segs = calloc(depth + 1u, sizeof(*segs));
	struct vblk_req **done = calloc(depth + 1u, sizeof(*done));
	struct blk_fx fx;
	unsigned int i, n;
	size_t largest;

	assert_non_null(r);
	assert_non_null(pr);
	assert_non_null(segs);
	assert_non_null(done);
	if (!indirect)
		p.features = SWDEV_BLK_FEATURES & ~VIO_BIT(VIO_F_INDIRECT_DESC);
	bfx_create(&fx, &p);
	assert_int_equal(fx.info.max_queue_depth, indirect ? qmax : qmax / 3);
	bfx_start(&fx, 1, depth);
	/* No DMA region beyond half a hugepage: with IOVA as PA (uio) a
	 * larger one may find no contiguous memory (1024 indirect tables of
	 * 258 descriptors are 4 MiB: they come in several regions). */
	largest = 0;
	rte_memzone_walk(largest_mz, &largest);
	assert_true(largest <= VIREO_BLK_TABLE_CHUNK);
	for (i = 0; i <= depth; i++) {
		bfx_req(&fx, &r[i], &segs[i], i % 2 ? VBLK_OP_READ : VBLK_OP_WRITE, i % 4096, 1,
			(size_t)(i % 2048) * 512, 1);
		pr[i] = &r[i];
	}
	/* The whole depth goes in one burst (chunks of the uint16 n), then the queue is full. */
	n = vblk_enqueue_burst(fx.dev_id, 0, pr, (uint16_t)(depth + 1));
	assert_int_equal(n, depth);
	assert_int_equal(vblk_enqueue_burst(fx.dev_id, 0, &pr[depth], 1), 0);
	assert_int_equal(swdev_avail_pending(fx.sw, 0), depth);
	assert_int_equal(fx.model.last_indirect, false); /* nothing served yet */
	assert_int_equal(bfx_collect(&fx, 0, done, depth), depth);
	for (i = 0; i < depth; i++)
		assert_int_equal(done[i]->status, 0);
	assert_int_equal(fx.model.last_indirect, indirect);
	/* Room again. */
	assert_int_equal(vblk_enqueue_burst(fx.dev_id, 0, &pr[depth], 1), 1);
	assert_int_equal(bfx_collect(&fx, 0, done, 1), 1);
	bfx_destroy(&fx);
	free(r);
	free(pr);
	free(segs);
	free(done);
}

static void
test_depth_1(void **state)
{
	(void)state;
	depth_run(256, 1, true);
	depth_run(8, 1, false);
}

static void
test_depth_1024_indirect(void **state)
{
	(void)state;
	depth_run(1024, 1024, true);
}

static void
test_depth_direct(void **state)
{
	(void)state;
	depth_run(256, 256 / 3, false);
}

/* Without INDIRECT_DESC long requests take many descriptors: the ring pushes back. */
static void
test_direct_ring_full(void **state)
{
	struct swdev_blk_params p = {
		.queue_max_size = 16, .features = SWDEV_BLK_FEATURES & ~VIO_BIT(VIO_F_INDIRECT_DESC)
	};
	struct vblk_seg segs[4][14];
	struct vblk_req r[4], *pr[4], *done[4];
	struct blk_fx fx;
	unsigned int i;

	(void)state;
	bfx_create(&fx, &p);
	assert_int_equal(fx.info.max_segments, 14); /* queue size - header - status */
	bfx_start(&fx, 1, 4);
	for (i = 0; i < 4; i++) {
		bfx_req(&fx, &r[i], segs[i], VBLK_OP_READ, 0, 7, 0, 7); /* 9 descriptors */
		pr[i] = &r[i];
	}
	assert_int_equal(vblk_enqueue_burst(fx.dev_id, 0, pr, 4), 1);
	assert_int_equal(bfx_collect(&fx, 0, done, 1), 1);
	assert_int_equal(vblk_enqueue_burst(fx.dev_id, 0, &pr[1], 3), 1);
	assert_int_equal(bfx_collect(&fx, 0, done, 1), 1);
	assert_int_equal(done[0]->status, 0);
	assert_int_equal(fx.model.max_data_segs, 7);
	bfx_destroy(&fx);
}

/* One kick per burst; every chain of the burst visible with one publish. */
static void
test_one_kick_per_burst(void **state)
{
	struct vblk_seg segs[32];
	struct vblk_req r[32], *pr[32], *done[32];
	struct blk_fx fx;
	unsigned int i;

	(void)state;
	bfx_create(&fx, NULL);
	swdev_set_notify_only(fx.sw, true);
	bfx_start(&fx, 1, 32);
	for (i = 0; i < 32; i++) {
		bfx_req(&fx, &r[i], &segs[i], VBLK_OP_READ, i, 1, (size_t)i * 512, 1);
		pr[i] = &r[i];
	}
	assert_int_equal(vblk_enqueue_burst(fx.dev_id, 0, pr, 32), 32);
	assert_int_equal(swdev_notify_count(fx.sw, 0), 1);
	assert_int_equal(swdev_avail_pending(fx.sw, 0), 32);
	assert_int_equal(bfx_collect(&fx, 0, done, 32), 32);
	bfx_destroy(&fx);
}

static uint64_t
xstat(uint16_t dev_id, const char *name)
{
	struct vblk_xstat_name names[64];
	uint64_t values[64];
	int n = vblk_xstats_names_get(dev_id, names, 64), i;

	assert_true(n > 0 && n <= 64);
	assert_int_equal(vblk_xstats_get(dev_id, values, 64), n);
	for (i = 0; i < n; i++)
		if (strcmp(names[i].name, name) == 0)
			return values[i];
	fail_msg("no xstat %s", name);
	return 0;
}

static void
test_stats(void **state)
{
	struct swdev_blk_params p = { .num_queues = 2 };
	struct vblk_queue_stats st;
	struct vblk_seg segs[4];
	struct vblk_req r;
	struct blk_fx fx;

	(void)state;
	bfx_create(&fx, &p);
	bfx_start(&fx, 2, 8);
	assert_int_equal(vblk_xstats_names_get(fx.dev_id, NULL, 0), 2 * 18);
	bfx_req(&fx, &r, segs, VBLK_OP_WRITE, 0, 4, 0, 2);
	assert_int_equal(bfx_run(&fx, 1, &r), 0);
	bfx_req(&fx, &r, segs, VBLK_OP_READ, 0, 2, 0, 1);
	assert_int_equal(bfx_run(&fx, 1, &r), 0);
	assert_int_equal(bfx_run(&fx, 1, &r), 0);
	r.lba = fx.info.capacity; /* refused */
	assert_int_equal(bfx_run(&fx, 1, &r), -ERANGE);
	fx.model.force_status = VIO_BLK_S_IOERR;
	fx.model.force_count = 1;
	r.lba = 0;
	assert_int_equal(bfx_run(&fx, 1, &r), -EIO);
	assert_int_equal(vblk_stats_get(fx.dev_id, 1, &st), 0);
	assert_int_equal(st.submitted, 4);
	assert_int_equal(st.completed[VBLK_OP_WRITE], 1);
	assert_int_equal(st.completed[VBLK_OP_READ], 2);
	assert_int_equal(st.write_bytes, 2048);
	assert_int_equal(st.read_bytes, 2048);
	assert_int_equal(st.rejected, 1);
	assert_int_equal(st.err_range, 1);
	assert_int_equal(st.err_io, 1);
	/* Each burst of one request rang once: the model never suppresses (the rejected one
	 * never reached the ring). */
	assert_int_equal(st.doorbells, 4);
	assert_int_equal(xstat(fx.dev_id, "q1_doorbells"), 4);
	assert_int_equal(xstat(fx.dev_id, "q1_write_bytes"), 2048);
	assert_int_equal(xstat(fx.dev_id, "q1_err_range"), 1);
	assert_int_equal(xstat(fx.dev_id, "q0_submitted"), 0);
	assert_int_equal(vblk_stats_get(fx.dev_id, 2, &st), -EINVAL);
	assert_int_equal(vblk_stats_reset(fx.dev_id), 0);
	assert_int_equal(xstat(fx.dev_id, "q1_write_bytes"), 0);
	assert_int_equal(xstat(fx.dev_id, "q1_doorbells"), 0);
	bfx_destroy(&fx);
}

/* Stop takes back what is in flight (-EIO); the device restarts and works. */
static void
test_stop_start(void **state)
{
	struct vblk_seg segs[4];
	struct vblk_req r[4], *pr[4], *done[4];
	struct blk_fx fx;
	unsigned int i;

	(void)state;
	bfx_create(&fx, NULL);
	bfx_start(&fx, 1, 4);
	for (i = 0; i < 4; i++) {
		bfx_req(&fx, &r[i], &segs[i], VBLK_OP_READ, i, 1, (size_t)i * 512, 1);
		pr[i] = &r[i];
	}
	assert_int_equal(vblk_enqueue_burst(fx.dev_id, 0, pr, 4), 4);
	assert_int_equal(vblk_dev_stop(fx.dev_id), 0);
	assert_int_equal(vblk_enqueue_burst(fx.dev_id, 0, pr, 1), 0); /* stopped */
	assert_int_equal(vblk_dequeue_burst(fx.dev_id, 0, done, 4), 4);
	for (i = 0; i < 4; i++)
		assert_int_equal(done[i]->status, -EIO);
	assert_int_equal(vblk_dequeue_burst(fx.dev_id, 0, done, 4), 0);
	assert_int_equal(vblk_dev_start(fx.dev_id), 0);
	assert_int_equal(bfx_run(&fx, 0, &r[0]), 0);
	/*
	 * What the device completed before the stop keeps its status: two
	 * writes done (not dequeued yet), two reads still with the device.
	 */
	r[0].op = VBLK_OP_WRITE;
	r[1].op = VBLK_OP_WRITE;
	assert_int_equal(vblk_enqueue_burst(fx.dev_id, 0, pr, 2), 2);
	bfx_process(&fx, 0);
	assert_int_equal(vblk_enqueue_burst(fx.dev_id, 0, pr + 2, 2), 2);
	assert_int_equal(vblk_dev_stop(fx.dev_id), 0);
	assert_int_equal(vblk_dequeue_burst(fx.dev_id, 0, done, 4), 4);
	for (i = 0; i < 4; i++)
		assert_int_equal(done[i]->status, done[i]->op == VBLK_OP_WRITE ? 0 : -EIO);
	assert_int_equal(vblk_dev_start(fx.dev_id), 0);
	/* Reconfigure while stopped. */
	assert_int_equal(vblk_dev_stop(fx.dev_id), 0);
	bfx_start(&fx, 1, 2);
	assert_int_equal(bfx_run(&fx, 0, &r[1]), 0);
	bfx_destroy(&fx);
}

/* The device thread on another core: a stream of mixed requests. */
static void
test_threaded(void **state)
{
	struct swdev_blk_params p = { .capacity = 8192 };
	struct vblk_seg segs[64];
	struct vblk_req r[64], *free_r[64], *done[64];
	unsigned int nfree = 64, sent = 0, got = 0, i;
	struct blk_fx fx;
	uint16_t n;

	(void)state;
	bfx_create(&fx, &p);
	bfx_start(&fx, 1, 64);
	for (i = 0; i < 64; i++)
		free_r[i] = &r[i];
	assert_int_equal(swdev_thread_start(fx.sw, -1), 0);
	while (got < 20000) {
		while (nfree > 0 && sent < 20000) {
			struct vblk_req *q = free_r[--nfree];
			unsigned int k = (unsigned int)(q - r);

			bfx_req(&fx, q, &segs[k], sent % 3 ? VBLK_OP_READ : VBLK_OP_WRITE,
				sent % 8192, 1, (size_t)k * 512, 1);
			if (vblk_enqueue_burst(fx.dev_id, 0, &q, 1) != 1) {
				nfree++;
				break;
			}
			sent++;
		}
		n = vblk_dequeue_burst(fx.dev_id, 0, done, 64);
		for (i = 0; i < n; i++) {
			assert_int_equal(done[i]->status, 0);
			free_r[nfree++] = done[i];
		}
		got += n;
	}
	swdev_thread_stop(fx.sw);
	bfx_destroy(&fx);
}

#define T(fn) cmocka_unit_test(fn)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_info),
		T(test_ops_512),
		T(test_ops_4096),
		T(test_device_status),
		T(test_multiqueue),
		T(test_depth_1),
		T(test_depth_1024_indirect),
		T(test_depth_direct),
		T(test_direct_ring_full),
		T(test_one_kick_per_burst),
		T(test_stats),
		T(test_stop_start),
		T(test_threaded),
	};

	return cmocka_run_group_tests_name("blk_ops", tests, bfx_group_setup, bfx_group_teardown);
}
