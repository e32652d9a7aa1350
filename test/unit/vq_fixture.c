/* SPDX-License-Identifier: BSD-3-Clause */
/* Fixture and helpers of the virtqueue engine tests (see vq_fixture.h). */
#include <rte_memzone.h>

#include "vq_fixture.h"

static void
count_mz(const struct rte_memzone *mz, void *arg)
{
	RTE_SET_USED(mz);
	(*(unsigned int *)arg)++;
}

unsigned int
mz_count(void)
{
	unsigned int n = 0;

	rte_memzone_walk(count_mz, &n);
	return n;
}

/* ---- cookies: id + 1 as a pointer ---- */

void *
cookie(uint32_t id)
{
	return (void *)(uintptr_t)(id + 1);
}

uint32_t
cookie_id(void *c)
{
	return (uint32_t)((uintptr_t)c - 1);
}

void
track_add(struct fixture *f, uint32_t id, uint32_t want_len)
{
	assert_true(id < MAX_IDS);
	assert_int_equal(f->out[id], 0);
	f->out[id] = 1;
	f->want_len[id] = want_len;
}

/* A harvested or detached cookie must be outstanding; it no longer is. */
uint32_t
track_done(struct fixture *f, void *c)
{
	uint32_t id;

	assert_non_null(c);
	id = cookie_id(c);
	assert_true(id < MAX_IDS);
	assert_int_equal(f->out[id], 1);
	f->out[id] = 0;
	return id;
}

uint8_t *
slot_va(struct fixture *f, uint32_t id)
{
	return f->bva + (size_t)(id % NSLOTS) * SLOT_LEN;
}

uint64_t
slot_iova(struct fixture *f, uint32_t id)
{
	return f->biova + (uint64_t)(id % NSLOTS) * SLOT_LEN;
}

static int
setup(void **state, bool packed)
{
	struct swdev_params p = {
		.name = DEV_NAME,
		.features = VIO_BIT(VIO_F_VERSION_1),
		.num_queues = NQ,
		.queue_max_size = 256,
	};
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->out = calloc(MAX_IDS, 1);
	f->want_len = calloc(MAX_IDS, sizeof(*f->want_len));
	assert_non_null(f->out);
	assert_non_null(f->want_len);
	f->mz0 = mz_count();
	f->sw = swdev_create(&p);
	assert_non_null(f->sw);
	assert_true(f->sw->strict_dma);
	swdev_set_queue_max(f->sw, NQ - 1, 0); /* the last queue does not exist */
	f->dev = swdev_vdev(f->sw);
	f->packed = packed;
	fx_negotiate(f, 0);
	f->bufs = vio_dma_alloc("bufs", BUF_LEN, 4096, SOCKET_ID_ANY);
	assert_non_null(f->bufs);
	f->bva = vio_dma_va(f->bufs);
	f->biova = vio_dma_iova(f->bufs);
	*state = f;
	return 0;
}

int
vq_setup(void **state)
{
	return setup(state, false);
}

int
vq_setup_packed(void **state)
{
	return setup(state, true);
}

void
fx_negotiate(struct fixture *f, uint64_t wanted)
{
	if (f->packed)
		wanted |= VIO_BIT(VIO_F_RING_PACKED);
	f->sw->device_features |= wanted;
	assert_int_equal(vio_dev_negotiate(f->dev, wanted, 0), 0);
	assert_int_equal(vio_dev_has(f->dev, VIO_F_RING_PACKED), f->packed);
}

uint16_t
fx_pending(const struct fixture *f, uint16_t n)
{
	return f->packed ? n != 0 : n;
}

int
vq_teardown(void **state)
{
	struct fixture *f = *state;
	unsigned int i;
	void *c;

	swdev_thread_stop(f->sw);
	assert_int_equal(vio_dev_reset(f->dev), 0);
	for (i = 0; i < NQ; i++) {
		if (f->vq[i] == NULL)
			continue;
		while ((c = vio_vq_detach(f->vq[i])) != NULL)
			track_done(f, c);
		assert_int_equal(vio_vq_num_free(f->vq[i]), vio_vq_size(f->vq[i]));
		vio_vq_destroy(f->vq[i]);
	}
	/* Every cookie came back exactly once. */
	for (i = 0; i < MAX_IDS; i++)
		if (f->out[i] != 0)
			fail_msg("cookie %u never returned", i);
	if (!f->violations_expected && swdev_violations(f->sw) != 0)
		fail_msg("driver violated the protocol: %s", f->sw->last_violation);
	vio_dma_free(f->bufs);
	swdev_destroy(f->sw);
	/* Rings and regions are all freed. */
	assert_int_equal(mz_count(), f->mz0);
	free(f->out);
	free(f->want_len);
	free(f);
	return 0;
}

struct vio_vq *
open_q(struct fixture *f, uint16_t q, uint16_t size)
{
	assert_int_equal(vio_vq_create(f->dev, q, size, SOCKET_ID_ANY, &f->vq[q]), 0);
	assert_non_null(f->vq[q]);
	return f->vq[q];
}

void
go(struct fixture *f)
{
	assert_int_equal(vio_dev_driver_ok(f->dev), 0);
}

/* Add a 1-readable + 1-writable echo chain carrying @p id. */
int
add_echo(struct fixture *f, struct vio_vq *vq, uint32_t id, uint32_t len)
{
	struct vio_sg sg[2] = {
		{ slot_iova(f, id), len },
		{ slot_iova(f, id) + SLOT_LEN / 2, len },
	};
	int rc;

	memset(slot_va(f, id), (int)(id & 0xff), len);
	memcpy(slot_va(f, id), &id, sizeof(id));
	memset(slot_va(f, id) + SLOT_LEN / 2, 0, len);
	rc = vio_vq_add_chain(vq, sg, 1, 1, cookie(id));
	if (rc == 0)
		track_add(f, id, len);
	return rc;
}

/* Check an echo completion: len and the bytes the device wrote. */
void
check_echo(struct fixture *f, void *c, uint32_t len)
{
	uint32_t id = track_done(f, c), got;

	assert_int_equal(len, f->want_len[id]);
	memcpy(&got, slot_va(f, id) + SLOT_LEN / 2, sizeof(got));
	assert_int_equal(got, id);
	assert_memory_equal(slot_va(f, id), slot_va(f, id) + SLOT_LEN / 2, len);
}

/* Harvest everything pending, checking echo completions; returns count. */
unsigned int
drain(struct fixture *f, struct vio_vq *vq)
{
	void *c[64];
	uint32_t l[64];
	unsigned int total = 0;
	int n, i;

	while ((n = vio_vq_harvest(vq, c, l, RTE_DIM(c))) > 0) {
		for (i = 0; i < n; i++)
			check_echo(f, c[i], l[i]);
		total += n;
	}
	assert_int_equal(n, 0);
	return total;
}
