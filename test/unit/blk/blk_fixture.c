/* SPDX-License-Identifier: BSD-3-Clause */
#include "blk_fixture.h"

#include <rte_malloc.h>

#include "vireo_blk_port.h"

int
bfx_group_setup(void **state)
{
	(void)state;
	return unit_eal_init("blk", "0") < 0 ? -1 : 0;
}

int
bfx_group_teardown(void **state)
{
	(void)state;
	rte_eal_cleanup();
	return 0;
}

void
bfx_create_model(struct blk_fx *fx, const struct swdev_blk_params *p)
{
	struct swdev_blk_params dflt = { 0 };

	memset(fx, 0, sizeof(*fx));
	fx->sw = swdev_blk_create(p != NULL ? p : &dflt, &fx->model);
	assert_non_null(fx->sw);
	fx->buf = rte_zmalloc("bfx_buf", BFX_BUF_LEN, 4096);
	assert_non_null(fx->buf);
	fx->buf_iova = rte_malloc_virt2iova(fx->buf);
	assert_int_equal(fx->buf_iova, (uint64_t)(uintptr_t)fx->buf); /* IOVA as VA */
}

void
bfx_create(struct blk_fx *fx, const struct swdev_blk_params *p)
{
	static unsigned int seq;

	bfx_create_model(fx, p);
	/* A fresh name each time: a failed test that left its device does not cascade. */
	snprintf(fx->name, sizeof(fx->name), "blk%u", seq++);
	assert_int_equal(vireo_blk_create(fx->name, swdev_vdev(fx->sw), SOCKET_ID_ANY, &fx->dev_id),
			 0);
	fx->created = true;
	assert_int_equal(vblk_dev_info_get(fx->dev_id, &fx->info), 0);
}

void
bfx_start(struct blk_fx *fx, uint16_t nq, uint16_t depth)
{
	struct vblk_dev_conf conf = { .nb_queues = nq,
				      .queue_depth = depth,
				      .socket_id = SOCKET_ID_ANY };

	assert_int_equal(vblk_dev_configure(fx->dev_id, &conf), 0);
	assert_int_equal(vblk_dev_start(fx->dev_id), 0);
	assert_int_equal(vblk_dev_info_get(fx->dev_id, &fx->info), 0);
}

void
bfx_destroy(struct blk_fx *fx)
{
	swdev_thread_stop(fx->sw);
	if (fx->created)
		assert_int_equal(vireo_blk_destroy(fx->dev_id), 0);
	if (!fx->violations_expected)
		assert_int_equal(swdev_violations(fx->sw), 0);
	swdev_blk_destroy(fx->sw, &fx->model);
	rte_free(fx->buf);
	memset(fx, 0, sizeof(*fx));
}

void
bfx_req(struct blk_fx *fx, struct vblk_req *r, struct vblk_seg *segs, uint8_t op, uint64_t lba,
	uint32_t nblocks, size_t off, uint16_t nseg)
{
	size_t len = (size_t)nblocks * fx->info.block_size;
	uint16_t i;

	memset(r, 0, sizeof(*r));
	r->op = op;
	r->lba = lba;
	r->nblocks = nblocks;
	r->nseg = nseg;
	r->segs = segs;
	r->status = 1; /* never a completion status */
	for (i = 0; i < nseg; i++) {
		/* Whole blocks per segment (aligned), the rest in the last. */
		size_t part = (size_t)(nblocks / nseg) * fx->info.block_size, o = off + i * part;

		if (i == nseg - 1)
			part = len - i * part;
		segs[i] = (struct vblk_seg){ fx->buf + o, fx->buf_iova + o, (uint32_t)part };
	}
}

void
bfx_process(struct blk_fx *fx, uint16_t q)
{
	while (swdev_process(fx->sw, q, 256) > 0)
		;
}

unsigned int
bfx_collect(struct blk_fx *fx, uint16_t q, struct vblk_req **done, unsigned int want)
{
	unsigned int got = 0, idle = 0, i, j;
	uint16_t n;

	while (got < want && idle < 1000) {
		bfx_process(fx, q);
		n = vblk_dequeue_burst(fx->dev_id, q, &done[got],
				       (uint16_t)RTE_MIN(want - got, 64u));
		idle = n == 0 ? idle + 1 : 0;
		got += n;
	}
	/* Exactly once: no request comes back twice. */
	for (i = 0; i < got; i++)
		for (j = i + 1; j < got; j++)
			assert_ptr_not_equal(done[i], done[j]);
	return got;
}

int
bfx_run(struct blk_fx *fx, uint16_t q, struct vblk_req *r)
{
	struct vblk_req *done[1];

	assert_int_equal(vblk_enqueue_burst(fx->dev_id, q, &r, 1), 1);
	assert_int_equal(bfx_collect(fx, q, done, 1), 1);
	assert_ptr_equal(done[0], r);
	return r->status;
}

void
bfx_fill(struct blk_fx *fx, size_t off, size_t len, uint8_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		fx->buf[off + i] = (uint8_t)(seed + i * 7 + (i >> 9));
}

void
bfx_check(const uint8_t *p, size_t len, uint8_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != (uint8_t)(seed + i * 7 + (i >> 9)))
			fail_msg("byte %zu is 0x%02x, want 0x%02x", i, p[i],
				 (uint8_t)(seed + i * 7 + (i >> 9)));
}
