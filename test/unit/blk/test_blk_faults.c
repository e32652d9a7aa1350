/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * blk_vireo against a device that lies or fails: bogus used ids, lens and
 * idx, a status byte never written, a ring held full, a reset that never
 * completes, and config fields that are zero, absurd or missing. A lying
 * device breaks only its queue, and every request it held comes back
 * exactly once, -EIO.
 */
#include "blk_fixture.h"

#include <stddef.h>

#include <rte_cycles.h>
#include <rte_memory.h>
#include <rte_memzone.h>

#include "vireo_blk_port.h"

#define NREQ 8

struct burst {
	struct vblk_seg segs[NREQ];
	struct vblk_req r[NREQ];
	struct vblk_req *pr[NREQ];
	struct vblk_req *done[NREQ];
};

static void
burst_submit(struct blk_fx *fx, struct burst *b, uint16_t q)
{
	unsigned int i;

	for (i = 0; i < NREQ; i++) {
		bfx_req(fx, &b->r[i], &b->segs[i], i % 2 ? VBLK_OP_WRITE : VBLK_OP_READ, i, 1,
			(size_t)i * 512, 1);
		b->pr[i] = &b->r[i];
	}
	assert_int_equal(vblk_enqueue_burst(fx->dev_id, q, b->pr, NREQ), NREQ);
}

/* All NREQ come back once; @return how many failed with -EIO (the rest succeeded). */
static unsigned int
burst_collect(struct blk_fx *fx, struct burst *b, uint16_t q)
{
	unsigned int i, eio = 0;

	assert_int_equal(bfx_collect(fx, q, b->done, NREQ), NREQ);
	for (i = 0; i < NREQ; i++) {
		assert_true(b->done[i]->status == 0 || b->done[i]->status == -EIO);
		eio += b->done[i]->status == -EIO;
	}
	/* Nothing more comes back, ever. */
	bfx_process(fx, q);
	assert_int_equal(vblk_dequeue_burst(fx->dev_id, q, b->done, NREQ), 0);
	return eio;
}

/* The device lies on queue 0 (fault @p f, or @p no_status): queue 0 breaks, queue 1 works. */
static void
lie(enum swdev_fault f, uint32_t value, bool no_status)
{
	struct swdev_blk_params p = { .num_queues = 2 };
	struct burst b;
	struct blk_fx fx;
	uint64_t served;

	bfx_create(&fx, &p);
	bfx_start(&fx, 2, NREQ);
	fx.sw->quiet = true;
	burst_submit(&fx, &b, 0);
	if (no_status)
		fx.model.no_status = 1;
	else
		swdev_inject(fx.sw, 0, f, value);
	assert_true(burst_collect(&fx, &b, 0) >= 1);
	/* The broken queue takes requests and fails them at once, without the device. */
	served = bfx_dev_requests(&fx);
	burst_submit(&fx, &b, 0);
	assert_int_equal(burst_collect(&fx, &b, 0), NREQ);
	assert_int_equal(bfx_dev_requests(&fx), served);
	/* The other queue is untouched. */
	burst_submit(&fx, &b, 1);
	assert_int_equal(burst_collect(&fx, &b, 1), 0);
	/* A stop (device reset) and start bring the broken queue back. */
	assert_int_equal(vblk_dev_stop(fx.dev_id), 0);
	assert_int_equal(vblk_dev_start(fx.dev_id), 0);
	burst_submit(&fx, &b, 0);
	assert_int_equal(burst_collect(&fx, &b, 0), 0);
	bfx_destroy(&fx);
}

static void
test_lie_used_id(void **state)
{
	(void)state;
	lie(SWDEV_FAULT_USED_ID, 999, false);
	lie(SWDEV_FAULT_USED_ID_FREE, 0, false);
}

static void
test_lie_used_len(void **state)
{
	(void)state;
	lie(SWDEV_FAULT_USED_LEN_OVER, 1, false);
	lie(SWDEV_FAULT_USED_LEN, 1u << 30, false);
}

static void
test_lie_used_idx(void **state)
{
	(void)state;
	lie(SWDEV_FAULT_IDX_JUMP, 100, false);
	lie(SWDEV_FAULT_DUP, 0, false);
}

static void
test_lie_status_never_written(void **state)
{
	(void)state;
	lie(SWDEV_FAULT_NONE, 0, true);
}

/* A used len of 0 carries no information for blk (status byte decides): not a lie. */
static void
test_used_len_zero(void **state)
{
	struct burst b;
	struct blk_fx fx;

	(void)state;
	bfx_create(&fx, NULL);
	bfx_start(&fx, 1, NREQ);
	burst_submit(&fx, &b, 0);
	fx.model.lie_len = NREQ;
	assert_int_equal(burst_collect(&fx, &b, 0), 0);
	bfx_destroy(&fx);
}

/* The device holds every request: the queue fills to its depth, then pushes back. */
static void
test_queue_full(void **state)
{
	struct vblk_seg segs[NREQ + 1];
	struct vblk_req r[NREQ + 1], *pr[NREQ + 1], *done[NREQ + 1];
	struct blk_fx fx;
	unsigned int i;

	(void)state;
	bfx_create(&fx, NULL);
	bfx_start(&fx, 1, NREQ);
	fx.model.hold = true;
	for (i = 0; i <= NREQ; i++) {
		bfx_req(&fx, &r[i], &segs[i], VBLK_OP_READ, i, 1, (size_t)i * 512, 1);
		pr[i] = &r[i];
	}
	assert_int_equal(vblk_enqueue_burst(fx.dev_id, 0, pr, NREQ + 1), NREQ);
	bfx_process(&fx, 0);
	assert_int_equal(vblk_dequeue_burst(fx.dev_id, 0, done, NREQ), 0);
	assert_int_equal(vblk_enqueue_burst(fx.dev_id, 0, &pr[NREQ], 1), 0);
	fx.model.hold = false;
	assert_int_equal(bfx_collect(&fx, 0, done, NREQ), NREQ);
	assert_int_equal(vblk_enqueue_burst(fx.dev_id, 0, &pr[NREQ], 1), 1);
	assert_int_equal(bfx_collect(&fx, 0, done, 1), 1);
	bfx_destroy(&fx);
}

/*
 * The device gives up while it holds requests (DEVICE_NEEDS_RESET; a
 * vhost-user backend that died looks the same): they complete -EIO within
 * the driver's status period instead of never; stop/start revives it.
 */
static void
test_needs_reset_while_waiting(void **state)
{
	struct swdev_blk_params p = { .num_queues = 2 };
	struct burst b, b1;
	struct blk_fx fx;
	unsigned int got = 0, i;
	uint64_t deadline;

	(void)state;
	bfx_create(&fx, &p);
	bfx_start(&fx, 2, NREQ);
	fx.sw->quiet = true;
	fx.model.hold = true;
	burst_submit(&fx, &b, 0);
	burst_submit(&fx, &b1, 1);
	bfx_process(&fx, 0);
	assert_int_equal(vblk_dequeue_burst(fx.dev_id, 0, b.done, NREQ), 0);
	swdev_set_needs_reset(fx.sw);
	deadline = rte_get_timer_cycles() + 5 * rte_get_timer_hz();
	while (got < NREQ && rte_get_timer_cycles() < deadline)
		got += vblk_dequeue_burst(fx.dev_id, 0, &b.done[got], (uint16_t)(NREQ - got));
	assert_int_equal(got, NREQ);
	for (i = 0; i < NREQ; i++)
		assert_int_equal(b.done[i]->status, -EIO);
	/* Queue 1 sees it on its own next empty polls. */
	got = 0;
	while (got < NREQ && rte_get_timer_cycles() < deadline)
		got += vblk_dequeue_burst(fx.dev_id, 1, &b1.done[got], (uint16_t)(NREQ - got));
	assert_int_equal(got, NREQ);
	fx.model.hold = false;
	assert_int_equal(vblk_dev_stop(fx.dev_id), 0);
	assert_int_equal(vblk_dequeue_burst(fx.dev_id, 0, b.done, NREQ), 0);
	assert_int_equal(vblk_dev_start(fx.dev_id), 0);
	burst_submit(&fx, &b, 0);
	assert_int_equal(burst_collect(&fx, &b, 0), 0);
	bfx_destroy(&fx);
}

static void
count_mz(const struct rte_memzone *mz, void *arg)
{
	(void)mz;
	(*(unsigned int *)arg)++;
}

static unsigned int
mz_count(void)
{
	unsigned int n = 0;

	rte_memzone_walk(count_mz, &n);
	return n;
}

/* A reset that never completes: requests -EIO once, memory quarantined, device dead. */
static void
test_reset_never_completes(void **state)
{
	unsigned int mz0 = mz_count();
	struct log_capture lc;
	struct vblk_dev_info info;
	struct burst b;
	struct blk_fx fx;
	unsigned int i;

	(void)state;
	bfx_create(&fx, NULL);
	bfx_start(&fx, 1, NREQ);
	burst_submit(&fx, &b, 0);
	swdev_set_reset_fail(fx.sw, true, 0);
	log_capture_start(&lc);
	rte_log_set_level_pattern("pmd.blk.vireo", RTE_LOG_ERR);
	assert_int_equal(vblk_dev_stop(fx.dev_id), 0);
	assert_non_null(strstr(log_capture_text(&lc), "quarantined"));
	log_capture_stop(&lc);
	assert_int_equal(vblk_dequeue_burst(fx.dev_id, 0, b.done, NREQ), NREQ);
	for (i = 0; i < NREQ; i++)
		assert_int_equal(b.done[i]->status, -EIO);
	assert_int_equal(vblk_dequeue_burst(fx.dev_id, 0, b.done, NREQ), 0);
	assert_int_equal(vblk_dev_start(fx.dev_id), -EIO);
	assert_int_equal(vblk_dev_info_get(fx.dev_id, &info), 0);
	assert_int_equal(info.ops, 0);
	/* The device still runs its rings (in quarantined memory, still valid): no crash. */
	bfx_process(&fx, 0);
	swdev_set_reset_fail(fx.sw, false, 0);
	bfx_destroy(&fx);
	/* The queue's ring and its command memory were never freed (the device may use them). */
	/* ... nor its indirect tables (NREQ of them: one region) */
	assert_int_equal(mz_count(), mz0 + 3);
}

/* A model whose config field at @p off is then overwritten with @p val (@p len bytes). */
static void
model_with(struct blk_fx *fx, const struct swdev_blk_params *p, size_t off, const void *val,
	   size_t len)
{
	bfx_create_model(fx, p);
	swdev_config_update(fx->sw, off, val, len);
}

static int
try_create(struct blk_fx *fx)
{
	int rc = vireo_blk_create("blkcfg", swdev_vdev(fx->sw), SOCKET_ID_ANY, &fx->dev_id);

	fx->created = rc == 0;
	if (rc == 0)
		assert_int_equal(vblk_dev_info_get(fx->dev_id, &fx->info), 0);
	return rc;
}

#define CFG(f) offsetof(struct vio_blk_config, f)

static void
test_config_refusals(void **state)
{
	uint32_t u32;
	struct blk_fx fx;
	struct swdev_blk_params p = { 0 };

	(void)state;
	/* blk_size not a power of two; above 64 KiB; size_max below a sector. */
	u32 = 1000;
	model_with(&fx, NULL, CFG(blk_size), &u32, 4);
	assert_int_equal(try_create(&fx), -ENOTSUP);
	bfx_destroy(&fx);
	u32 = 1u << 17;
	model_with(&fx, NULL, CFG(blk_size), &u32, 4);
	assert_int_equal(try_create(&fx), -ENOTSUP);
	bfx_destroy(&fx);
	u32 = 100;
	model_with(&fx, NULL, CFG(size_max), &u32, 4);
	assert_int_equal(try_create(&fx), -ENOTSUP);
	bfx_destroy(&fx);
	/* A config too short for an offered feature's field (DISCARD's): refused. */
	p.config_len = CFG(max_discard_sectors);
	bfx_create_model(&fx, &p);
	assert_int_equal(try_create(&fx), -ERANGE);
	bfx_destroy(&fx);
	/* Queues too small for one request. */
	p.config_len = 0;
	p.queue_max_size = 2;
	bfx_create_model(&fx, &p);
	assert_int_equal(try_create(&fx), -ENOTSUP);
	bfx_destroy(&fx);
	/* Nothing registered by the refusals. */
	assert_int_equal(vblk_dev_count(), 0);
}

static void
test_config_fallbacks(void **state)
{
	struct swdev_blk_params p = { .num_queues = 2, .capacity = 9, .cfg = { .blk_size = 4096 } };
	uint32_t zero32 = 0;
	uint16_t zero16 = 0, four = 4;
	uint8_t exp = 30, wb0 = 0;
	struct blk_fx fx;

	(void)state;
	/* num_queues 0 with MQ: 1 queue; a partial block of capacity: not usable. */
	model_with(&fx, &p, CFG(num_queues), &zero16, 2);
	assert_int_equal(try_create(&fx), 0);
	assert_int_equal(fx.info.max_queues, 1);
	assert_int_equal(fx.info.capacity, 1);
	bfx_destroy(&fx);
	/* num_queues above what the transport has: clamped. */
	model_with(&fx, NULL, CFG(num_queues), &four, 2);
	assert_int_equal(try_create(&fx), 0);
	assert_int_equal(fx.info.max_queues, 1);
	bfx_destroy(&fx);
	/* seg_max 0: one segment. blk_size 0: 512. */
	model_with(&fx, NULL, CFG(seg_max), &zero32, 4);
	swdev_config_update(fx.sw, CFG(blk_size), &zero32, 4);
	assert_int_equal(try_create(&fx), 0);
	assert_int_equal(fx.info.max_segments, 1);
	assert_int_equal(fx.info.block_size, 512);
	bfx_destroy(&fx);
	/* size_max 0: no limit beyond 32 bits. */
	model_with(&fx, NULL, CFG(size_max), &zero32, 4);
	assert_int_equal(try_create(&fx), 0);
	assert_true(fx.info.max_segment_size >= (1u << 31));
	bfx_destroy(&fx);
	/* Discard / write-zeroes offered with zero limits: the ops are left out. */
	model_with(&fx, NULL, CFG(max_discard_sectors), &zero32, 4);
	swdev_config_update(fx.sw, CFG(max_write_zeroes_sectors), &zero32, 4);
	assert_int_equal(try_create(&fx), 0);
	assert_int_equal(fx.info.ops &
				 (VBLK_OP_BIT(VBLK_OP_DISCARD) | VBLK_OP_BIT(VBLK_OP_WRITE_ZEROES)),
			 0);
	bfx_destroy(&fx);
	/* An absurd physical_block_exp: the logical size. CONFIG_WCE writeback 0: no cache. */
	model_with(&fx, NULL, CFG(physical_block_exp), &exp, 1);
	swdev_config_update(fx.sw, CFG(writeback), &wb0, 1);
	assert_int_equal(try_create(&fx), 0);
	assert_int_equal(fx.info.physical_block_size, 512);
	assert_false(fx.info.write_cache);
	bfx_destroy(&fx);
}

/* Queues with different maxima: all get the smallest, and both start. */
static void
test_queue_sizes_differ(void **state)
{
	struct swdev_blk_params p = { .num_queues = 2 };
	struct vblk_seg segs[1];
	struct vblk_req r;
	struct blk_fx fx;

	(void)state;
	bfx_create_model(&fx, &p);
	swdev_set_queue_max(fx.sw, 1, 64);
	assert_int_equal(try_create(&fx), 0);
	assert_int_equal(fx.info.max_queue_depth, 64);
	bfx_start(&fx, 2, 64);
	bfx_req(&fx, &r, segs, VBLK_OP_READ, 0, 1, 0, 1);
	assert_int_equal(bfx_run(&fx, 1, &r), 0);
	bfx_destroy(&fx);
}

/* The device offers other features at start than at probe: start refuses. */
static void
test_features_changed(void **state)
{
	struct blk_fx fx;
	struct vblk_dev_conf conf = { .nb_queues = 1,
				      .queue_depth = 4,
				      .socket_id = SOCKET_ID_ANY };

	(void)state;
	bfx_create(&fx, NULL);
	assert_int_equal(vblk_dev_configure(fx.dev_id, &conf), 0);
	fx.sw->device_features &= ~VIO_BIT(VIO_BLK_F_DISCARD);
	assert_int_equal(vblk_dev_start(fx.dev_id), -EIO);
	fx.sw->device_features |= VIO_BIT(VIO_BLK_F_DISCARD);
	assert_int_equal(vblk_dev_start(fx.dev_id), 0);
	bfx_destroy(&fx);
}

/* Legacy-free negotiation: a device without VERSION_1 is refused. */
static void
test_no_version_1(void **state)
{
	struct swdev_blk_params p = { .features = SWDEV_BLK_FEATURES & ~VIO_BIT(VIO_F_VERSION_1) };
	struct blk_fx fx;

	(void)state;
	bfx_create_model(&fx, &p);
	fx.sw->quiet = true;
	assert_int_equal(try_create(&fx), -ENOTSUP);
	fx.violations_expected = true;
	bfx_destroy(&fx);
}

#define T(fn) cmocka_unit_test(fn)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_lie_used_id),
		T(test_lie_used_len),
		T(test_lie_used_idx),
		T(test_lie_status_never_written),
		T(test_used_len_zero),
		T(test_queue_full),
		T(test_reset_never_completes),
		T(test_config_refusals),
		T(test_config_fallbacks),
		T(test_features_changed),
		T(test_no_version_1),
		T(test_queue_sizes_differ),
		T(test_needs_reset_while_waiting),
	};

	return cmocka_run_group_tests_name("blk_faults", tests, bfx_group_setup,
					   bfx_group_teardown);
}
