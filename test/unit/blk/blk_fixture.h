/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fixture for the blk_vireo unit tests: the swdev virtio-blk model and a
 * blk_vireo device created on it with vireo_blk_create(), used through the
 * vblk API exactly as over PCI. The device side runs by hand
 * (swdev_process) unless a test starts its thread.
 */
#ifndef BLK_FIXTURE_H
#define BLK_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "unit_common.h"

#include "swdev.h"
#include "vblk.h"

/** DMA buffer for data (IOVA == VA in these tests). */
#define BFX_BUF_LEN (8u << 20)

struct blk_fx {
	struct swdev *sw;
	struct swdev_blk model;
	uint16_t dev_id;
	char name[16];
	bool created;
	struct vblk_dev_info info;
	uint8_t *buf;
	uint64_t buf_iova;
	bool violations_expected;
};

/* One EAL for the test program (cmocka group setup/teardown). */
int bfx_group_setup(void **state);
int bfx_group_teardown(void **state);

/* Model from @p p (NULL: defaults) and a blk_vireo device on it; asserts success. */
void bfx_create(struct blk_fx *fx, const struct swdev_blk_params *p);
/* The model only: vireo_blk_create() is the test's (expected to fail, say). */
void bfx_create_model(struct blk_fx *fx, const struct swdev_blk_params *p);
/* Configure @p nq queues of @p depth and start; asserts success, refreshes fx->info. */
void bfx_start(struct blk_fx *fx, uint16_t nq, uint16_t depth);
/* Close the device, check the model saw no driver violation, free everything. */
void bfx_destroy(struct blk_fx *fx);

/* A request of one op over data at buffer offset @p off: nseg (<= nblocks) segments of whole blocks. */
void bfx_req(struct blk_fx *fx, struct vblk_req *r, struct vblk_seg *segs, uint8_t op, uint64_t lba,
	     uint32_t nblocks, size_t off, uint16_t nseg);
/* Submit one request on @p q, run the device, return its status. */
int bfx_run(struct blk_fx *fx, uint16_t q, struct vblk_req *r);
/* Run the device side of queue @p q until idle. */
void bfx_process(struct blk_fx *fx, uint16_t q);
/* Dequeue until @p want requests came back (running the device); asserts each comes once. */
unsigned int bfx_collect(struct blk_fx *fx, uint16_t q, struct vblk_req **done, unsigned int want);

/* Fill / check @p len bytes at buffer offset @p off with a pattern from @p seed. */
void bfx_fill(struct blk_fx *fx, size_t off, size_t len, uint8_t seed);
void bfx_check(const uint8_t *p, size_t len, uint8_t seed);

/* Device requests the model served so far. */
static inline uint64_t
bfx_dev_requests(const struct blk_fx *fx)
{
	return fx->model.requests;
}

#endif /* BLK_FIXTURE_H */
