/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Split virtqueue engine (vio_vq.h) against the software device, honest
 * traffic: creation, chains, full ring, out-of-order completion, 16-bit
 * index wrap, a device on another thread, notifications, detach. The
 * lying device is in test_vq_lies.c; both run in this one executable.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "vq_fixture.h"
#include "vio_split.h"

/* ---- creation ---- */

static void
test_create(void **state)
{
	struct fixture *f = *state;
	struct vio_split_layout l;
	struct vio_vq *vq;
	const struct vio_queue_cfg *cfg = &f->sw->q[0].cfg;

	vq = open_q(f, 0, 64);
	assert_int_equal(vio_vq_size(vq), 64);
	assert_int_equal(vio_vq_num_free(vq), 64);
	assert_false(vio_vq_is_broken(vq));
	assert_int_equal(vio_vq_used_pending(vq), 0);
	/* The device was programmed with the layout's addresses. */
	assert_int_equal(vio_split_layout_calc(64, &l), 0);
	assert_true(f->sw->q[0].enabled);
	assert_int_equal(cfg->size, 64);
	assert_int_equal(cfg->avail_iova - cfg->desc_iova, l.avail_off);
	assert_int_equal(cfg->used_iova - cfg->desc_iova, l.used_off);
	assert_int_equal(cfg->used_iova % VIO_SPLIT_USED_ALIGN, 0);
	/* Size 0: the device maximum. */
	vq = open_q(f, 1, 0);
	assert_int_equal(vio_vq_size(vq), 256);
	assert_int_equal(f->sw->q[1].cfg.size, 256);
	go(f);
}

static void
test_create_errors(void **state)
{
	struct fixture *f = *state;
	static const uint16_t bad[] = { 3, 48, 100, 255, 257, 512, 32768, 65535 };
	struct vio_vq *vq = NULL;
	unsigned int i, mz = mz_count();

	log_capture_start(&f->log);
	for (i = 0; i < RTE_DIM(bad); i++)
		assert_int_equal(vio_vq_create(f->dev, 0, bad[i], SOCKET_ID_ANY, &vq), -EINVAL);
	assert_int_equal(vio_vq_create(f->dev, NQ - 1, 0, SOCKET_ID_ANY, &vq), -ENOENT);
	assert_int_equal(vio_vq_create(f->dev, NQ - 1, 8, SOCKET_ID_ANY, &vq), -ENOENT);
	assert_int_equal(vio_vq_create(f->dev, NQ, 8, SOCKET_ID_ANY, &vq), -ENOENT);
	assert_int_equal(vio_vq_create(f->dev, 0xffff, 8, SOCKET_ID_ANY, &vq), -ENOENT);
	assert_non_null(strstr(log_capture_text(&f->log), DEV_NAME));
	log_capture_stop(&f->log);
	assert_null(vq);
	assert_false(f->sw->q[0].enabled);
	assert_int_equal(mz_count(), mz);
	/* The transport fails the setup: its error comes back, nothing leaks. */
	f->sw->q[1].setup_error = -EIO;
	assert_int_equal(vio_vq_create(f->dev, 1, 8, SOCKET_ID_ANY, &vq), -EIO);
	assert_int_equal(mz_count(), mz);
	vio_vq_destroy(NULL);
	/* A device whose maximum is the spec maximum. */
	swdev_set_queue_max(f->sw, 2, 32768);
	open_q(f, 2, 32768);
	go(f);
}

/*
 * VIRTIO_F_ORDER_PLATFORM (section 6): when negotiated the queue orders its
 * ring accesses with the I/O barriers a hardware device needs; otherwise
 * with the SMP ones. The choice is made once, at creation; traffic flows
 * either way.
 */
static void
test_order_platform_barriers(void **state)
{
	struct fixture *f = *state;
	struct vio_vq *vq;

	vq = open_q(f, 0, 16);
	assert_false(vio_vq_uses_io_barriers(vq));
	assert_int_equal(vio_dev_reset(f->dev), 0);
	vio_vq_destroy(vq);
	f->vq[0] = NULL;
	f->sw->device_features |= VIO_BIT(VIO_F_ORDER_PLATFORM);
	fx_negotiate(f, 0);
	assert_true(vio_dev_has(f->dev, VIO_F_ORDER_PLATFORM));
	vq = open_q(f, 0, 16);
	assert_true(vio_vq_uses_io_barriers(vq));
	go(f);
	assert_int_equal(add_echo(f, vq, 0, 32), 0);
	assert_int_equal(add_echo(f, vq, 1, 32), 0);
	assert_true(vio_vq_kick(vq));
	assert_int_equal(swdev_process(f->sw, 0, 8), 2);
	assert_int_equal(drain(f, vq), 2);
}

/* ---- indirect descriptors (section 2.7.5.3) ---- */

/* Echo chain of 1 readable + 2 writable buffers through an indirect table in the slot. */
static int
add_echo_indirect(struct fixture *f, struct vio_vq *vq, uint32_t id, uint32_t len)
{
	struct vio_sg sg[3] = {
		{ slot_iova(f, id), len },
		{ slot_iova(f, id) + SLOT_LEN / 2, len / 2 },
		{ slot_iova(f, id) + SLOT_LEN / 2 + len / 2, len - len / 2 },
	};
	struct vio_vq_ind_desc *table = (struct vio_vq_ind_desc *)(void *)(slot_va(f, id) + 128);
	int rc;

	memset(slot_va(f, id), (int)(id & 0xff), len);
	memcpy(slot_va(f, id), &id, sizeof(id));
	memset(slot_va(f, id) + SLOT_LEN / 2, 0, len);
	rc = vio_vq_add_indirect(vq, sg, 1, 2, table, slot_iova(f, id) + 128, cookie(id));
	if (rc == 0)
		track_add(f, id, len);
	return rc;
}

static int64_t
indirect_handler(struct swdev *sw, uint16_t qidx, const struct swdev_chain *c, void *arg)
{
	unsigned int *seen = arg;

	assert_true(c->indirect);
	assert_int_equal(c->nseg, 3);
	assert_int_equal(c->n_out, 1);
	assert_int_equal(c->n_in, 2);
	(*seen)++;
	return swdev_handler_echo(sw, qidx, c, NULL);
}

static void
test_indirect(void **state)
{
	struct fixture *f = *state;
	struct vio_sg sg[5] = { { slot_iova(f, 0), 8 } };
	unsigned int seen = 0, round, i;
	struct vio_vq *vq;

	/* Not negotiated: refused, nothing consumed. */
	vq = open_q(f, 0, 4);
	assert_int_equal(add_echo_indirect(f, vq, 0, 64), -ENOTSUP);
	assert_int_equal(vio_vq_num_free(vq), 4);
	assert_int_equal(vio_dev_reset(f->dev), 0);
	vio_vq_destroy(vq);
	f->vq[0] = NULL;

	fx_negotiate(f, VIO_BIT(VIO_F_INDIRECT_DESC));
	vq = open_q(f, 0, 4);
	swdev_set_handler(f->sw, 0, indirect_handler, &seen);
	go(f);
	/* Bad arguments: longer than the queue, misaligned or missing table. */
	for (i = 0; i < RTE_DIM(sg); i++)
		sg[i] = (struct vio_sg){ slot_iova(f, 0), 8 };
	assert_int_equal(vio_vq_add_indirect(vq, sg, 5, 0, (void *)slot_va(f, 0), slot_iova(f, 0),
					     cookie(0)),
			 -EINVAL);
	assert_int_equal(vio_vq_add_indirect(vq, sg, 1, 0, (void *)slot_va(f, 0),
					     slot_iova(f, 0) + 8, cookie(0)),
			 -EINVAL);
	assert_int_equal(vio_vq_add_indirect(vq, sg, 1, 0, NULL, slot_iova(f, 0), cookie(0)),
			 -EINVAL);
	/* Three-buffer chains take one ring slot each: the ring holds 4, over and over. */
	for (round = 0; round < 5; round++) {
		for (i = 0; i < 4; i++)
			assert_int_equal(add_echo_indirect(f, vq, round * 4 + i, 64), 0);
		assert_int_equal(vio_vq_num_free(vq), 0);
		assert_int_equal(add_echo_indirect(f, vq, 99, 64), -ENOSPC);
		vio_vq_kick(vq);
		assert_int_equal(swdev_process(f->sw, 0, 8), 4);
		assert_int_equal(drain(f, vq), 4);
		assert_int_equal(vio_vq_num_free(vq), 4);
	}
	assert_int_equal(seen, 20);
}

/* ---- honest traffic ---- */

struct seen {
	unsigned int chains;
	struct swdev_chain c;
	struct swdev_seg seg[8];
};

static int64_t
record_handler(struct swdev *sw, uint16_t qidx, const struct swdev_chain *c, void *arg)
{
	struct seen *s = arg;

	s->chains++;
	s->c = *c;
	memcpy(s->seg, c->seg, RTE_MIN(c->nseg, 8u) * sizeof(*c->seg));
	return swdev_handler_echo(sw, qidx, c, NULL);
}

static void
test_chain(void **state)
{
	struct fixture *f = *state;
	struct vio_vq *vq = open_q(f, 0, 16);
	static const uint32_t lens[5] = { 10, 20, 5, 6, 7 };
	struct vio_sg sg[5];
	struct seen seen = { 0 };
	uint32_t off = 0, len;
	uint8_t *va = slot_va(f, 0);
	unsigned int i;
	void *c;

	swdev_set_handler(f->sw, 0, record_handler, &seen);
	go(f);
	for (i = 0; i < 5; i++) {
		sg[i].iova = slot_iova(f, 0) + off;
		sg[i].len = lens[i];
		off += 64;
	}
	for (i = 0; i < 30; i++) /* readable bytes: 10 then 20 */
		va[(i < 10 ? 0 : 64 - 10) + i] = (uint8_t)(0x80 + i);
	assert_int_equal(vio_vq_add_chain(vq, sg, 2, 3, cookie(0)), 0);
	track_add(f, 0, 18);
	assert_int_equal(vio_vq_num_free(vq), 11);
	/* Not visible before publish. */
	assert_int_equal(swdev_process(f->sw, 0, 8), 0);
	assert_true(vio_vq_kick(vq));
	assert_int_equal(swdev_process(f->sw, 0, 8), 1);
	assert_int_equal(seen.chains, 1);
	assert_int_equal(seen.c.nseg, 5);
	assert_int_equal(seen.c.n_out, 2);
	assert_int_equal(seen.c.n_in, 3);
	assert_int_equal(seen.c.out_len, 30);
	assert_int_equal(seen.c.in_len, 18);
	for (i = 0; i < 5; i++) {
		assert_int_equal(seen.seg[i].iova, sg[i].iova);
		assert_int_equal(seen.seg[i].len, lens[i]);
		assert_int_equal(seen.seg[i].writable, i >= 2);
	}
	assert_int_equal(vio_vq_used_pending(vq), 1);
	/* max 0 takes nothing. */
	assert_int_equal(vio_vq_harvest(vq, &c, &len, 0), 0);
	assert_int_equal(vio_vq_used_pending(vq), 1);
	assert_int_equal(vio_vq_harvest(vq, &c, &len, 1), 1);
	assert_int_equal(track_done(f, c), 0);
	assert_int_equal(len, 18);
	/* The device wrote the first 18 readable bytes across the 3 writable buffers. */
	for (i = 0; i < 18; i++) {
		uint32_t w = i < 5 ? 128 + i : i < 11 ? 192 + i - 5 : 256 + i - 11;

		assert_int_equal(va[w], (uint8_t)(0x80 + i));
	}
	assert_int_equal(vio_vq_num_free(vq), 16);
	assert_int_equal(vio_vq_used_pending(vq), 0);
	/* Single-buffer fast path, both directions. */
	assert_int_equal(vio_vq_add_buf(vq, slot_iova(f, 1), 100, true, cookie(1)), 0);
	track_add(f, 1, 0);
	assert_int_equal(vio_vq_add_buf(vq, slot_iova(f, 2), 50, false, cookie(2)), 0);
	track_add(f, 2, 0);
	vio_vq_kick(vq);
	assert_int_equal(swdev_process(f->sw, 0, 8), 2);
	assert_int_equal(seen.c.nseg, 1);
	assert_int_equal(seen.c.out_len, 50);
	assert_int_equal(vio_vq_harvest(vq, &c, &len, 1), 1);
	assert_int_equal(track_done(f, c), 1);
	assert_int_equal(len, 0); /* nothing readable to echo */
	assert_int_equal(vio_vq_harvest(vq, &c, &len, 1), 1);
	assert_int_equal(track_done(f, c), 2);
	assert_int_equal(len, 0);
}

static void
test_add_errors(void **state)
{
	struct fixture *f = *state;
	struct vio_vq *vq = open_q(f, 0, 8);
	struct vio_sg sg[9] = { { slot_iova(f, 0), 8 },
				{ slot_iova(f, 0) + 64, 0 },
				{ slot_iova(f, 0) + 128, 8 } };
	struct vio_sg many[9];
	unsigned int i;

	for (i = 0; i < RTE_DIM(many); i++) {
		many[i].iova = slot_iova(f, 0) + 64 * i;
		many[i].len = 8;
	}
	go(f);
	assert_int_equal(vio_vq_add_chain(vq, sg, 0, 0, cookie(0)), -EINVAL);
	assert_int_equal(vio_vq_add_chain(vq, sg, 1, 0, NULL), -EINVAL);
	assert_int_equal(vio_vq_add_chain(vq, sg, 2, 0, cookie(0)), -EINVAL);
	assert_int_equal(vio_vq_add_chain(vq, sg, 1, 2, cookie(0)), -EINVAL);
	assert_int_equal(vio_vq_add_chain(vq, many, 9, 0, cookie(0)), -ENOSPC);
	assert_int_equal(vio_vq_add_chain(vq, many, 4, 5, cookie(0)), -ENOSPC);
	/* n_out + n_in wraps to a small number: still refused. */
	assert_int_not_equal(vio_vq_add_chain(vq, many, 1, 0xffff, cookie(0)), 0);
	assert_int_equal(vio_vq_num_free(vq), 8);
	assert_false(vio_vq_kick(vq));
	assert_int_equal(swdev_process(f->sw, 0, 8), 0);
	assert_int_equal(swdev_notify_count(f->sw, 0), 0);
}

static void
test_full_ring(void **state)
{
	struct fixture *f = *state;
	struct vio_vq *vq = open_q(f, 0, 8);
	struct vio_sg sg[4];
	uint32_t id;
	unsigned int i;

	go(f);
	for (id = 0; id < 8; id++) {
		assert_int_equal(vio_vq_add_buf(vq, slot_iova(f, id), 16, false, cookie(id)), 0);
		track_add(f, id, 0);
	}
	assert_int_equal(vio_vq_num_free(vq), 0);
	assert_int_equal(vio_vq_add_buf(vq, slot_iova(f, 8), 16, false, cookie(8)), -ENOSPC);
	assert_int_equal(add_echo(f, vq, 8, 16), -ENOSPC);
	vio_vq_kick(vq);
	assert_int_equal(swdev_process(f->sw, 0, 3), 3);
	{
		void *c[8];

		assert_int_equal(vio_vq_harvest(vq, c, NULL, 8), 3);
		for (i = 0; i < 3; i++)
			assert_int_equal(track_done(f, c[i]), i);
	}
	assert_int_equal(vio_vq_num_free(vq), 3);
	/* A 4-descriptor chain does not fit; the failed add changes nothing. */
	for (i = 0; i < 4; i++) {
		sg[i].iova = slot_iova(f, 9) + 64 * i;
		sg[i].len = 16;
	}
	assert_int_equal(vio_vq_add_chain(vq, sg, 2, 2, cookie(9)), -ENOSPC);
	assert_int_equal(vio_vq_num_free(vq), 3);
	assert_int_equal(vio_vq_add_chain(vq, sg, 1, 2, cookie(9)), 0);
	track_add(f, 9, 0);
	assert_int_equal(vio_vq_num_free(vq), 0);
	vio_vq_kick(vq);
	assert_int_equal(swdev_process(f->sw, 0, 16), 6);
	{
		void *c[8];
		int n = vio_vq_harvest(vq, c, NULL, 8);

		assert_int_equal(n, 6);
		for (i = 0; i < 6; i++)
			track_done(f, c[i]);
	}
	assert_int_equal(vio_vq_num_free(vq), 8);
}

static void
test_reverse_completion(void **state)
{
	struct fixture *f = *state;
	struct vio_vq *vq = open_q(f, 0, 16);
	void *c[8];
	uint32_t l[8];
	uint32_t id;

	go(f);
	swdev_set_order(f->sw, 0, SWDEV_ORDER_REVERSE, 0);
	for (id = 0; id < 5; id++)
		assert_int_equal(add_echo(f, vq, id, 16 + id), 0);
	vio_vq_kick(vq);
	assert_int_equal(swdev_process(f->sw, 0, 16), 5);
	assert_int_equal(vio_vq_harvest(vq, c, l, 8), 5);
	for (id = 0; id < 5; id++) {
		assert_int_equal(cookie_id(c[id]), 4 - id);
		check_echo(f, c[id], l[id]);
	}
	assert_int_equal(vio_vq_num_free(vq), 16);
}

static uint32_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (uint32_t)*s;
}

/*
 * Random chains (1..4 descriptors, any split of readable/writable),
 * completed in a shuffled order, harvested in random batches. The model
 * checks that no descriptor is ever in two chains: the free list is
 * recycled correctly whatever the completion order.
 */
static void
random_traffic(struct fixture *f, struct vio_vq *vq, unsigned int rounds, bool threaded,
	       uint64_t seed)
{
	uint64_t s = seed;
	uint32_t next = 0, done = 0, in_flight = 0;
	struct timespec t0, t;
	void *c[32];
	uint32_t l[32];
	int n, i;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (done < rounds) {
		/* Add random chains until one does not fit. */
		while (next < rounds) {
			uint16_t k = 1 + rnd(&s) % 4, nout = rnd(&s) % (k + 1), j;
			struct vio_sg sg[4];
			uint32_t outl = 0, inl = 0;
			int rc;

			for (j = 0; j < k; j++) {
				sg[j].iova = slot_iova(f, next) + 128 * j;
				sg[j].len = 1 + rnd(&s) % 128;
				if (j < nout)
					outl += sg[j].len;
				else
					inl += sg[j].len;
			}
			rc = vio_vq_add_chain(vq, sg, nout, k - nout, cookie(next));
			if (rc == -ENOSPC)
				break;
			assert_int_equal(rc, 0);
			track_add(f, next, RTE_MIN(outl, inl));
			next++;
			in_flight++;
			if (rnd(&s) % 4 == 0)
				break;
		}
		vio_vq_kick(vq);
		if (!threaded)
			assert_true(swdev_process(f->sw, vq->h.index, 1 + rnd(&s) % 24) >= 0);
		n = vio_vq_harvest(vq, c, l, 1 + rnd(&s) % 32);
		assert_true(n >= 0);
		for (i = 0; i < n; i++) {
			uint32_t id = track_done(f, c[i]);

			assert_int_equal(l[i], f->want_len[id]);
		}
		done += n;
		in_flight -= n;
		if (threaded && n == 0) {
			clock_gettime(CLOCK_MONOTONIC, &t);
			assert_true(t.tv_sec - t0.tv_sec < 60); /* watchdog */
		}
	}
	assert_int_equal(in_flight, 0);
	assert_int_equal(vio_vq_num_free(vq), vio_vq_size(vq));
}

static void
test_out_of_order(void **state)
{
	struct fixture *f = *state;
	struct vio_vq *vq = open_q(f, 0, 16);

	go(f);
	swdev_set_order(f->sw, 0, SWDEV_ORDER_SHUFFLE, 12345);
	random_traffic(f, vq, 30000, false, 0x1234567);
}

/*
 * 150k round trips in step mode: both 16-bit indexes wrap twice, with
 * batches of every size up to the ring and single-entry rounds.
 */
static void
test_wrap_step(void **state)
{
	struct fixture *f = *state;
	struct vio_vq *vq = open_q(f, 0, 256);
	uint32_t next = 0, done = 0, expect = 0, batch;
	void *c[64];
	uint32_t l[64];
	int n, i;

	go(f);
	while (done < 150000) {
		batch = 1 + (done / 7) % 300;
		while (next - done < batch && add_echo(f, vq, next, 8 + next % 64) == 0)
			next++;
		vio_vq_kick(vq);
		assert_true(swdev_process(f->sw, 0, 1 + next % 64) >= 0);
		while ((n = vio_vq_harvest(vq, c, l, 1 + done % 64)) > 0) {
			for (i = 0; i < n; i++) {
				/* An in-order device: cookies in add order. */
				assert_int_equal(cookie_id(c[i]), expect);
				expect++;
				check_echo(f, c[i], l[i]);
			}
			done += n;
		}
		assert_int_equal(n, 0);
	}
	assert_true(f->sw->q[0].completed >= 150000);
	assert_int_equal(swdev_notify_count(f->sw, 0) > 0, true);
}

/* The smallest queue (mask 0) across the 16-bit wrap, and the largest, full. */
static void
test_extreme_sizes(void **state)
{
	struct fixture *f = *state;
	struct vio_vq *one, *big;
	uint32_t id, base = 1u << 18;
	void *c[64];
	uint32_t l[64];
	int n, i;

	swdev_set_queue_max(f->sw, 2, 32768);
	one = open_q(f, 0, 1);
	big = open_q(f, 2, 32768);
	go(f);
	swdev_set_handler(f->sw, 0, swdev_handler_fill, (void *)(uintptr_t)0x5a);
	for (id = 0; id < 70000; id++) {
		slot_va(f, id)[0] = 0;
		assert_int_equal(
			vio_vq_add_buf(one, slot_iova(f, id), 1 + id % 8, true, cookie(id)), 0);
		track_add(f, id, 1 + id % 8);
		assert_int_equal(vio_vq_add_buf(one, slot_iova(f, id), 8, true, cookie(id + 1)),
				 -ENOSPC);
		vio_vq_kick(one);
		assert_int_equal(swdev_process(f->sw, 0, 4), 1);
		assert_int_equal(vio_vq_harvest(one, c, l, 4), 1);
		assert_int_equal(track_done(f, c[0]), id);
		assert_int_equal(l[0], 1 + id % 8);
		assert_int_equal(slot_va(f, id)[0], 0x5a);
	}
	for (id = 0; id < 32768; id++) {
		assert_int_equal(
			vio_vq_add_buf(big, slot_iova(f, base + id), 16, true, cookie(base + id)),
			0);
		track_add(f, base + id, 16);
	}
	assert_int_equal(vio_vq_num_free(big), 0);
	swdev_set_handler(f->sw, 2, swdev_handler_fill, (void *)(uintptr_t)0x3c);
	vio_vq_kick(big);
	while (swdev_process(f->sw, 2, SWDEV_BATCH_MAX) > 0)
		;
	assert_int_equal(vio_vq_used_pending(big), fx_pending(f, 32768));
	for (id = 0; id < 32768; id += n) {
		n = vio_vq_harvest(big, c, l, RTE_DIM(c));
		assert_true(n > 0);
		for (i = 0; i < n; i++) {
			assert_int_equal(track_done(f, c[i]), base + id + i);
			assert_int_equal(l[i], 16);
		}
	}
	assert_int_equal(vio_vq_num_free(big), 32768);
}

/* The same with the device polling on another thread. */
static void
test_wrap_threaded(void **state)
{
	struct fixture *f = *state;
	struct vio_vq *vq = open_q(f, 0, 256);
	uint32_t next = 0, done = 0;
	struct timespec t0, t;
	void *c[64];
	uint32_t l[64];
	int n, i;

	go(f);
	assert_int_equal(swdev_thread_start(f->sw, -1), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (done < 200000) {
		while (next < 200000 && add_echo(f, vq, next, 8 + next % 32) == 0) {
			next++;
			if (next % 16 == 0)
				vio_vq_kick(vq);
		}
		vio_vq_kick(vq);
		n = vio_vq_harvest(vq, c, l, RTE_DIM(c));
		assert_true(n >= 0);
		for (i = 0; i < n; i++) {
			assert_int_equal(cookie_id(c[i]), done + i);
			check_echo(f, c[i], l[i]);
		}
		done += n;
		if (n == 0) {
			clock_gettime(CLOCK_MONOTONIC, &t);
			assert_true(t.tv_sec - t0.tv_sec < 120); /* watchdog */
		}
	}
	swdev_thread_stop(f->sw);
	assert_int_equal(vio_vq_num_free(vq), 256);
}

/* Random chains, shuffled completions, device on another thread. */
static void
test_random_threaded(void **state)
{
	struct fixture *f = *state;
	struct vio_vq *vq = open_q(f, 1, 64);

	go(f);
	swdev_set_order(f->sw, 1, SWDEV_ORDER_SHUFFLE, 99);
	assert_int_equal(swdev_thread_start(f->sw, -1), 0);
	random_traffic(f, vq, 100000, true, 0xfeedface);
	swdev_thread_stop(f->sw);
}

/* Two queues as a NIC's tx and rx, looped back by the device. */
static void
test_loopback(void **state)
{
	struct fixture *f = *state;
	struct vio_vq *tx = open_q(f, 0, 64), *rx = open_q(f, 1, 64);
	struct swdev_loopback lb = { .peer = 1 };
	uint32_t sent = 0, rcvd = 0, posted = 0, txdone = 0;
	void *c[32];
	uint32_t l[32];
	int n, i;

	swdev_set_handler(f->sw, 0, swdev_handler_loopback, &lb);
	go(f);
	while (rcvd < 5000) {
		/* rx buffers: ids from 1 << 19 up. */
		while (posted - rcvd < 32) {
			uint32_t id = (1u << 19) + posted;

			if (vio_vq_add_buf(rx, slot_iova(f, id), 256, true, cookie(id)) != 0)
				break;
			track_add(f, id, 0);
			posted++;
		}
		vio_vq_kick(rx);
		while (sent - txdone < 48) {
			uint32_t len = 60 + sent % 190;

			memset(slot_va(f, sent), (int)(sent & 0xff), len);
			memcpy(slot_va(f, sent), &sent, sizeof(sent));
			if (vio_vq_add_buf(tx, slot_iova(f, sent), len, false, cookie(sent)) != 0)
				break;
			track_add(f, sent, len);
			sent++;
		}
		vio_vq_kick(tx);
		assert_true(swdev_process(f->sw, 0, 16) >= 0);
		n = vio_vq_harvest(tx, c, l, 32);
		assert_true(n >= 0);
		for (i = 0; i < n; i++) {
			uint32_t id = track_done(f, c[i]);

			assert_int_equal(id, txdone);
			assert_int_equal(l[i], 0);
			txdone++;
			f->want_len[id] = 60 + id % 190; /* remembered for rx */
		}
		n = vio_vq_harvest(rx, c, l, 32);
		assert_true(n >= 0);
		for (i = 0; i < n; i++) {
			uint32_t id = track_done(f, c[i]), pkt;

			memcpy(&pkt, slot_va(f, id), sizeof(pkt));
			assert_int_equal(pkt, rcvd);
			assert_int_equal(l[i], 60 + rcvd % 190);
			assert_memory_equal(slot_va(f, id), slot_va(f, pkt), l[i]);
			rcvd++;
		}
	}
	assert_int_equal(lb.truncated, 0);
}

/* ---- notifications ---- */

static void
test_kick_once_per_batch(void **state)
{
	struct fixture *f = *state;
	struct vio_vq *vq = open_q(f, 0, 64);
	uint32_t id;

	go(f);
	for (id = 0; id < 10; id++)
		assert_int_equal(add_echo(f, vq, id, 8), 0);
	assert_true(vio_vq_kick(vq));
	assert_int_equal(swdev_notify_count(f->sw, 0), 1);
	/* Nothing new: no doorbell. */
	assert_false(vio_vq_kick(vq));
	assert_false(vio_vq_kick(vq));
	assert_int_equal(swdev_notify_count(f->sw, 0), 1);
	/* Published separately, kicked once. */
	assert_int_equal(add_echo(f, vq, 10, 8), 0);
	vio_vq_publish(vq);
	assert_int_equal(add_echo(f, vq, 11, 8), 0);
	vio_vq_publish(vq);
	assert_int_equal(swdev_notify_count(f->sw, 0), 1);
	assert_true(vio_vq_kick(vq));
	assert_int_equal(swdev_notify_count(f->sw, 0), 2);
	assert_int_equal(swdev_process(f->sw, 0, 64), 12);
	assert_int_equal(drain(f, vq), 12);
	/* Harvesting does not notify. */
	assert_int_equal(swdev_notify_count(f->sw, 0), 2);
	/* vio_vq_notify always rings. */
	vio_vq_notify(vq);
	assert_int_equal(swdev_notify_count(f->sw, 0), 3);
}

static void
test_kick_no_notify(void **state)
{
	struct fixture *f = *state;
	struct vio_vq *vq;
	uint32_t id;

	/* The device asks not to be notified (it polls). */
	swdev_set_no_notify(f->sw, 0, true);
	vq = open_q(f, 0, 64);
	go(f);
	for (id = 0; id < 100; id++) {
		assert_int_equal(add_echo(f, vq, id, 8), 0);
		assert_false(vio_vq_kick(vq));
		if (id % 10 == 9) {
			assert_int_equal(swdev_process(f->sw, 0, 64), 10);
			assert_int_equal(drain(f, vq), 10);
		}
	}
	assert_int_equal(swdev_notify_count(f->sw, 0), 0);
	/* The device changes its mind. */
	swdev_set_no_notify(f->sw, 0, false);
	assert_int_equal(add_echo(f, vq, 100, 8), 0);
	assert_true(vio_vq_kick(vq));
	assert_int_equal(swdev_notify_count(f->sw, 0), 1);
}

static void
test_doorbell(void **state)
{
	struct fixture *f = *state;
	struct vio_vq *vq;

	swdev_set_doorbell(f->sw, 2, true);
	vq = open_q(f, 2, 8);
	go(f);
	assert_int_equal(f->sw->q[2].doorbell, 0xffff);
	assert_int_equal(add_echo(f, vq, 0, 8), 0);
	assert_true(vio_vq_kick(vq));
	/* The queue index went to the doorbell, not through ops->notify. */
	assert_int_equal(f->sw->q[2].doorbell, 2);
	assert_int_equal(swdev_notify_count(f->sw, 2), 0);
}

/* ---- EVENT_IDX (sections 2.7.7, 2.7.10) ---- */

/* Renegotiate with VIRTIO_F_EVENT_IDX and open queue 0 of @p size. */
static struct vio_vq *
open_event_idx_q(struct fixture *f, uint16_t size)
{
	fx_negotiate(f, VIO_BIT(VIO_F_EVENT_IDX));
	assert_true(vio_dev_has(f->dev, VIO_F_EVENT_IDX));
	return open_q(f, 0, size);
}

static void
set_avail_event(struct vio_vq *vq, uint16_t at)
{
	volatile uint16_t *event =
		(volatile uint16_t *)(void *)&vq->split.used->ring[vio_vq_size(vq)];

	*event = at;
}

/*
 * The kick rule: notify iff avail_event is among the indexes this batch
 * published; the device's NO_NOTIFY flag is ignored; the driver's avail
 * flags are 0 and used_event is parked at 0xffff.
 */
static void
test_event_idx_kick_rule(void **state)
{
	struct fixture *f = *state;
	struct vio_vq *vq = open_event_idx_q(f, 32);
	uint32_t id = 0;

	assert_int_equal(vq->split.avail->flags, 0);
	assert_int_equal(vq->split.avail->ring[32], 0xffff); /* used_event */
	go(f);
	/* swdev asks for index 0 at setup: the first batch [0, 4) notifies. */
	for (; id < 4; id++)
		assert_int_equal(add_echo(f, vq, id, 8), 0);
	assert_true(vio_vq_kick(vq));
	assert_int_equal(swdev_notify_count(f->sw, 0), 1);
	/* The device now asks for index 6: [4, 5) does not reach it, [5, 7) does. */
	set_avail_event(vq, 6);
	assert_int_equal(add_echo(f, vq, id++, 8), 0);
	assert_false(vio_vq_kick(vq));
	assert_int_equal(add_echo(f, vq, id++, 8), 0);
	assert_int_equal(add_echo(f, vq, id++, 8), 0);
	assert_true(vio_vq_kick(vq));
	/* NO_NOTIFY in used->flags means nothing under EVENT_IDX. */
	vq->split.used->flags = VIO_USED_F_NO_NOTIFY;
	set_avail_event(vq, 7);
	assert_int_equal(add_echo(f, vq, id++, 8), 0);
	assert_true(vio_vq_kick(vq));
	/* An index already passed: no notification. */
	set_avail_event(vq, 3);
	assert_int_equal(add_echo(f, vq, id++, 8), 0);
	assert_false(vio_vq_kick(vq));
	vq->split.used->flags = 0;
	assert_int_equal(swdev_notify_count(f->sw, 0), 3);
	assert_int_equal(swdev_process(f->sw, 0, 32), (int)id);
	assert_int_equal(drain(f, vq), id);
}

/*
 * A device that polls parks avail_event behind the driver: 70000 chains in
 * batches of 7 cost one doorbell (when the index wraps onto it), not 10000.
 * The window check works across the 16-bit wrap.
 */
static void
test_event_idx_polling_device(void **state)
{
	struct fixture *f = *state;
	struct vio_vq *vq;
	uint32_t id = 0;

	swdev_set_no_notify(f->sw, 0, true);
	vq = open_event_idx_q(f, 16);
	go(f);
	while (id < 70000) {
		for (int i = 0; i < 7; i++, id++)
			assert_int_equal(add_echo(f, vq, id, 8), 0);
		vio_vq_kick(vq);
		assert_int_equal(swdev_process(f->sw, 0, 16), 7);
		assert_int_equal(drain(f, vq), 7);
	}
	/* Packed: a polling device says DISABLE, which needs no window at all. */
	assert_int_equal(swdev_notify_count(f->sw, 0), f->packed ? 0 : 1);
}

/*
 * A device that sleeps until notified (notify-only mode) and asks for the
 * next index each time: every batch must notify exactly once, or the
 * device never sees it.
 */
static void
test_event_idx_sleeping_device(void **state)
{
	struct fixture *f = *state;
	struct vio_vq *vq;
	unsigned int batches = 0;
	uint32_t id = 0;

	swdev_set_notify_only(f->sw, true);
	vq = open_event_idx_q(f, 64);
	go(f);
	while (id < 5000) {
		unsigned int n = 1 + (id * 7) % 13;

		for (unsigned int i = 0; i < n; i++, id++)
			assert_int_equal(add_echo(f, vq, id, 8), 0);
		assert_true(vio_vq_kick(vq));
		batches++;
		assert_int_equal(swdev_process(f->sw, 0, 64), (int)n);
		assert_int_equal(drain(f, vq), n);
	}
	assert_int_equal(swdev_notify_count(f->sw, 0), batches);
}

/* ---- packed only: sizes, the packed EVENT_IDX rule ---- */

/*
 * Any size the device allows (section 2.8), powers of two or not: every
 * size class wraps the ring (and the wrap counters) many times with chains
 * of 2 descriptors and single buffers mixed, so chains straddle the end.
 */
static void
test_packed_sizes(void **state)
{
	static const uint16_t sizes[] = { 1, 2, 3, 5, 7, 100, 255, 256, 1000, 32767, 32768 };
	struct fixture *f = *state;
	uint32_t id = 0;
	size_t k;

	swdev_set_queue_max(f->sw, 0, 32768);
	for (k = 0; k < RTE_DIM(sizes); k++) {
		uint16_t size = sizes[k];
		uint32_t rounds = size > 1000 ? 2 : 9, end = id + rounds * size + 3;
		struct vio_vq *vq;
		void *c[64];
		uint32_t l[64];
		int n, i;

		fx_negotiate(f, 0); /* resets the device: a fresh queue per size */
		vq = open_q(f, 0, size);
		assert_true(vio_vq_is_packed(vq));
		assert_int_equal(vio_vq_size(vq), size);
		go(f);
		swdev_set_handler(f->sw, 0, swdev_handler_fill, (void *)(uintptr_t)0x77);
		while (id < end) {
			/* Fill what fits, mixing 2-descriptor chains and single buffers. */
			while (id < end && vio_vq_num_free(vq) >= 2) {
				struct vio_sg sg[2] = { { slot_iova(f, id), 4 },
							{ slot_iova(f, id) + 64, 8 } };

				if (id % 3 == 0)
					assert_int_equal(vio_vq_add_buf(vq, slot_iova(f, id), 8,
									true, cookie(id)),
							 0);
				else
					assert_int_equal(vio_vq_add_chain(vq, sg, 1, 1, cookie(id)),
							 0);
				track_add(f, id, 8);
				id++;
			}
			if (size == 1 && id < end) {
				assert_int_equal(
					vio_vq_add_buf(vq, slot_iova(f, id), 8, true, cookie(id)),
					0);
				track_add(f, id, 8);
				id++;
			}
			vio_vq_kick(vq);
			while (swdev_process(f->sw, 0, SWDEV_BATCH_MAX) > 0)
				;
			while ((n = vio_vq_harvest(vq, c, l, RTE_DIM(c))) > 0)
				for (i = 0; i < n; i++)
					assert_int_equal(l[i], f->want_len[track_done(f, c[i])]);
			assert_int_equal(n, 0);
			assert_int_equal(vio_vq_num_free(vq), size);
		}
		assert_int_equal(vio_dev_reset(f->dev), 0);
		assert_null(vio_vq_detach(vq));
		vio_vq_destroy(vq);
		f->vq[0] = NULL;
	}
	assert_int_equal(swdev_violations(f->sw), 0);
}

/* Set the device event suppression structure of a packed queue. */
static void
set_device_event(struct vio_vq *vq, uint16_t flags, uint16_t off, bool wrap)
{
	struct vio_packed_event *e = (struct vio_packed_event *)(uintptr_t)vq->packed.device_event;

	e->off_wrap = (uint16_t)(off | (wrap ? 0x8000 : 0));
	e->flags = flags;
}

/*
 * Section 2.8.10 with EVENT_IDX: a kick notifies iff the descriptors it
 * publishes (positions, not chains) include the device's off_wrap, with
 * the wrap counter telling laps apart; DISABLE and ENABLE as such.
 */
static void
test_packed_event_idx_kick_rule(void **state)
{
	struct fixture *f = *state;
	struct vio_vq *vq;
	uint32_t id = 0;

	fx_negotiate(f, VIO_BIT(VIO_F_EVENT_IDX));
	vq = open_q(f, 0, 16);
	assert_int_equal(vq->packed.driver_event->flags, VIO_PACKED_EVENT_F_DISABLE);
	go(f);
	/* swdev asks for position 0 (wrap 1) at setup: chains at 0..7 notify. */
	for (; id < 4; id++)
		assert_int_equal(add_echo(f, vq, id, 8), 0);
	assert_true(vio_vq_kick(vq));
	/* Position 12: the chain at 8-9 does not reach it, 10-13 does. */
	set_device_event(vq, VIO_PACKED_EVENT_F_DESC, 12, true);
	assert_int_equal(add_echo(f, vq, id++, 8), 0);
	assert_false(vio_vq_kick(vq));
	assert_int_equal(add_echo(f, vq, id++, 8), 0);
	assert_int_equal(add_echo(f, vq, id++, 8), 0);
	assert_true(vio_vq_kick(vq));
	assert_int_equal(swdev_notify_count(f->sw, 0), 2);
	assert_int_equal(swdev_process(f->sw, 0, 16), 7);
	assert_int_equal(drain(f, vq), 7);
	/* Next lap: position 2 with wrap 0 is reached by 14-15, 0-3 (wrap 0). */
	set_device_event(vq, VIO_PACKED_EVENT_F_DESC, 2, false);
	assert_int_equal(add_echo(f, vq, id++, 8), 0); /* 14-15 */
	assert_false(vio_vq_kick(vq));
	assert_int_equal(add_echo(f, vq, id++, 8), 0); /* 0-1, wrap 0 */
	assert_false(vio_vq_kick(vq));
	assert_int_equal(add_echo(f, vq, id++, 8), 0); /* 2-3 */
	assert_true(vio_vq_kick(vq));
	/*
	 * An offset of the other lap: already used (stale) or beyond the
	 * in-flight descriptors (unreachable): notify, a device waiting on it
	 * would never be woken otherwise.
	 */
	set_device_event(vq, VIO_PACKED_EVENT_F_DESC, 5, true);
	assert_int_equal(add_echo(f, vq, id++, 8), 0); /* 4-5 */
	assert_true(vio_vq_kick(vq));
	/* An offset in the free positions ahead: not yet. */
	set_device_event(vq, VIO_PACKED_EVENT_F_DESC, 12, false);
	assert_int_equal(add_echo(f, vq, id++, 8), 0); /* 6-7 */
	assert_false(vio_vq_kick(vq));
	/* DISABLE and ENABLE. */
	set_device_event(vq, VIO_PACKED_EVENT_F_DISABLE, 0, false);
	assert_int_equal(add_echo(f, vq, id++, 8), 0);
	assert_false(vio_vq_kick(vq));
	set_device_event(vq, VIO_PACKED_EVENT_F_ENABLE, 0, false);
	assert_int_equal(add_echo(f, vq, id++, 8), 0);
	assert_true(vio_vq_kick(vq));
	assert_int_equal(swdev_notify_count(f->sw, 0), 5);
	assert_int_equal(swdev_process(f->sw, 0, 16), 7);
	assert_int_equal(drain(f, vq), 7);
}

/*
 * A stale offset (QEMU 7.2 virtio-net's tx completion path): the device
 * asked for position 2, went on consuming to 8 without moving the offset
 * and sleeps. Chains published at 8.. never reach 2 in this lap; the kick
 * must still notify, or the device sleeps on a ring the driver fills.
 */
static void
test_packed_event_idx_stale_offset(void **state)
{
	struct fixture *f = *state;
	struct vio_vq *vq;
	uint32_t id = 0;

	fx_negotiate(f, VIO_BIT(VIO_F_EVENT_IDX));
	vq = open_q(f, 0, 16);
	go(f);
	for (; id < 4; id++)
		assert_int_equal(add_echo(f, vq, id, 8), 0); /* 0-7 */
	assert_true(vio_vq_kick(vq));
	assert_int_equal(swdev_process(f->sw, 0, 16), 4);
	assert_int_equal(drain(f, vq), 4);
	set_device_event(vq, VIO_PACKED_EVENT_F_DESC, 2, true);
	assert_int_equal(add_echo(f, vq, id++, 8), 0); /* 8-9 */
	assert_true(vio_vq_kick(vq));
	/* Filling the ring up to the in-flight chain: still notified. */
	set_device_event(vq, VIO_PACKED_EVENT_F_DESC, 9, true);
	for (int i = 0; i < 7; i++)
		assert_int_equal(add_echo(f, vq, id++, 8), 0); /* 10-15, 0-7 (wrap 0) */
	assert_true(vio_vq_kick(vq));
	assert_int_equal(swdev_notify_count(f->sw, 0), 3);
	assert_int_equal(swdev_process(f->sw, 0, 16), 8);
	assert_int_equal(drain(f, vq), 8);
}

/* Without EVENT_IDX a DESC request is not ours to interpret: notify. */
static void
test_packed_desc_without_event_idx(void **state)
{
	struct fixture *f = *state;
	struct vio_vq *vq = open_q(f, 0, 16);

	go(f);
	set_device_event(vq, VIO_PACKED_EVENT_F_DESC, 9, true);
	assert_int_equal(add_echo(f, vq, 0, 8), 0);
	assert_true(vio_vq_kick(vq));
	assert_int_equal(swdev_process(f->sw, 0, 16), 1);
	assert_int_equal(drain(f, vq), 1);
}

/* ---- used-buffer notifications (vio_vq_enable_intr / disable_intr) ---- */

static void
check_intr(struct fixture *f, bool event_idx)
{
	struct vio_vq *vq;

	if (event_idx)
		fx_negotiate(f, VIO_BIT(VIO_F_EVENT_IDX));
	vq = open_q(f, 0, 8);
	go(f);
	/* Nothing pending: armed, false. */
	assert_false(vio_vq_enable_intr(vq));
	if (f->packed && event_idx) {
		assert_int_equal(vq->packed.driver_event->flags, VIO_PACKED_EVENT_F_DESC);
		assert_int_equal(vq->packed.driver_event->off_wrap,
				 0x8000); /* position 0, wrap 1 */
	} else if (f->packed) {
		assert_int_equal(vq->packed.driver_event->flags, VIO_PACKED_EVENT_F_ENABLE);
	} else if (event_idx) {
		assert_int_equal(vq->split.avail->ring[8], 0); /* used_event = last_used */
	} else {
		assert_int_equal(vq->split.avail->flags, 0);
	}
	vio_vq_disable_intr(vq);
	if (f->packed)
		assert_int_equal(vq->packed.driver_event->flags, VIO_PACKED_EVENT_F_DISABLE);
	else if (!event_idx)
		assert_int_equal(vq->split.avail->flags, VIO_AVAIL_F_NO_INTERRUPT);
	/* A completion already there: enable says so. */
	assert_int_equal(add_echo(f, vq, 0, 8), 0);
	vio_vq_kick(vq);
	assert_int_equal(swdev_process(f->sw, 0, 8), 1);
	assert_true(vio_vq_enable_intr(vq));
	assert_int_equal(drain(f, vq), 1);
	assert_false(vio_vq_enable_intr(vq));
	if (f->packed && event_idx)
		/* The next used descriptor goes to position 2 (the echo chain took 2). */
		assert_int_equal(vq->packed.driver_event->off_wrap, 0x8002);
	vio_vq_disable_intr(vq);
}

static void
test_intr_both(void **state)
{
	check_intr(*state, false);
}

static void
test_intr_event_idx_both(void **state)
{
	check_intr(*state, true);
}

/* ---- VIRTIO_F_IN_ORDER (sections 2.7.9.1, 2.7.13) ---- */

/* Renegotiate with VIRTIO_F_IN_ORDER and open queue 0 of @p size. */
static struct vio_vq *
open_in_order_q(struct fixture *f, uint16_t size)
{
	fx_negotiate(f, VIO_BIT(VIO_F_IN_ORDER));
	assert_true(vio_dev_has(f->dev, VIO_F_IN_ORDER));
	return open_q(f, 0, size);
}

/*
 * The driver MUST use descriptors in ring order: whatever the chain
 * lengths, each head follows the previous chain, wrapping at the end of the
 * table; in-order traffic of random chains round-trips. Packed: a chain's
 * buffer id is the ring position of its first descriptor.
 */
static void
test_in_order_ring_order(void **state)
{
	struct fixture *f = *state;
	struct vio_vq *vq = open_in_order_q(f, 16);
	struct swdev_chain c;
	uint16_t expect = 0;
	uint32_t id, len;
	void *d;

	go(f);
	for (id = 0; id < 200; id++) {
		struct vio_sg sg[3] = { { slot_iova(f, id), 8 },
					{ slot_iova(f, id) + 64, 8 },
					{ slot_iova(f, id) + 128, 8 } };
		uint16_t k = (uint16_t)(1 + id % 3);

		assert_int_equal(vio_vq_add_chain(vq, sg, k, 0, cookie(id)), 0);
		track_add(f, id, 0);
		vio_vq_kick(vq);
		assert_int_equal(swdev_pop(f->sw, 0, &c), 0);
		assert_int_equal(c.head, expect);
		expect = (uint16_t)((expect + k) & 15);
		swdev_push(f->sw, 0, c.head, 0);
		swdev_publish(f->sw, 0);
		assert_int_equal(vio_vq_harvest(vq, &d, &len, 1), 1);
		assert_int_equal(track_done(f, d), id);
		assert_int_equal(len, 0);
	}
	random_traffic(f, vq, 20000, false, 0x5eed);
}

/*
 * A device may complete a batch with one used entry naming its last chain
 * and move used->idx by the batch size: every chain comes back once, in
 * order, the batch's inner chains with their whole writable length and
 * the last with the entry's len, also when a harvest stops mid-batch.
 */
static void
test_in_order_batch(void **state)
{
	struct fixture *f = *state;
	struct vio_vq *vq = open_in_order_q(f, 16);
	struct swdev_chain c;
	uint16_t heads[6];
	void *ck[8];
	uint32_t l[8], id;
	int n;

	go(f);
	for (uint32_t round = 0; round < 10; round++) {
		for (id = 0; id < 6; id++) {
			assert_int_equal(add_echo(f, vq, round * 6 + id, 32), 0);
			vio_vq_kick(vq);
			assert_int_equal(swdev_pop(f->sw, 0, &c), 0);
			heads[id] = c.head;
		}
		/* Chains 0-3 in one entry (len 7), then 4, then 5 alone. */
		swdev_push_batch(f->sw, 0, heads, 4, 7);
		swdev_push(f->sw, 0, heads[4], 32);
		swdev_push(f->sw, 0, heads[5], 5);
		swdev_publish(f->sw, 0);
		n = vio_vq_harvest(vq, ck, l, 2);
		assert_int_equal(n, 2);
		/* Mid-batch: the rest is pending (packed: though no used descriptor is at last_used). */
		assert_int_equal(vio_vq_used_pending(vq), fx_pending(f, 4));
		n += vio_vq_harvest(vq, ck + 2, l + 2, 8);
		assert_int_equal(n, 6);
		for (id = 0; id < 6; id++) {
			assert_int_equal(cookie_id(ck[id]), round * 6 + id);
			assert_int_equal(l[id], id == 3 ? 7 : id == 5 ? 5 : 32);
			track_done(f, ck[id]);
		}
		assert_int_equal(vio_vq_num_free(vq), 16);
	}
}

/*
 * vio_vq_add_bufs() in order, mixed with two-descriptor chains that shift
 * heads against avail positions: once a lap of single buffers has made the
 * avail ring the identity it stops writing it, and any other add makes it
 * write again. The device pops exactly the chains added, lap after lap.
 */
static void
test_in_order_add_bufs(void **state)
{
	struct fixture *f = *state;
	struct vio_vq *vq = open_in_order_q(f, 16);
	uint64_t s = 42;
	uint32_t next = 0;

	go(f);
	for (unsigned int round = 0; round < 3000; round++) {
		/* Single buffers only at first: the avail ring becomes the identity. */
		if (round == 1000 && !f->packed) {
			assert_int_equal(vq->split.avail_identity, 16);
			/* A lap of one shape: refill writes addresses only, harvest is vectorized. */
			assert_int_equal(vq->split.bufs_uniform, 16);
			assert_int_equal(vq->split.bufs_len, 64);
		}
		if (round >= 1000 && rnd(&s) % 8 == 0) {
			if (add_echo(f, vq, next, 16) == 0) {
				next++;
				if (!f->packed)
					assert_int_equal(vq->split.bufs_uniform, 0);
			}
		} else {
			void *ck[8];
			uint64_t iovas[8];
			uint16_t k = (uint16_t)(1 + rnd(&s) % 8);
			int added;

			for (uint16_t i = 0; i < k; i++) {
				ck[i] = cookie(next + i);
				iovas[i] = slot_iova(f, next + i);
			}
			added = vio_vq_add_bufs(vq, ck, iovas, NULL, 64, true, k);
			assert_true(added >= 0 && added <= k);
			for (int i = 0; i < added; i++)
				track_add(f, next + (uint32_t)i, 0);
			next += (uint32_t)added;
		}
		vio_vq_kick(vq);
		assert_true(swdev_process(f->sw, 0, 1 + rnd(&s) % 16) >= 0);
		if (rnd(&s) % 2 == 0) {
			void *c[32];
			uint32_t l[32];
			int n = vio_vq_harvest(vq, c, l, 32);

			assert_true(n >= 0);
			for (int i = 0; i < n; i++)
				assert_int_equal(l[i], f->want_len[track_done(f, c[i])]);
		}
	}
	assert_int_equal(swdev_violations(f->sw), 0);
}

/*
 * Chains of one to three descriptors (one readable, the rest writable),
 * completed in batches of random sizes with one used entry each, a random
 * prefix of what the device holds at a time, and harvested in random
 * slices, so batches straddle harvest calls, rounds and the ring end (the
 * packed used wrap counter flips inside batches). Every chain comes back
 * once, in order: a batch's inner chains with their whole writable length,
 * its last with the entry's len.
 */
static void
in_order_batch_wrap(struct fixture *f, uint16_t max_desc, bool nolens)
{
	struct vio_vq *vq = open_in_order_q(f, 8);
	uint16_t held[8], nheld = 0;
	uint32_t want[64], want_in = 0, want_out = 0, next = 0, expect = 0;
	uint64_t s = 0x1234;

	go(f);
	for (unsigned int round = 0; round < 4000; round++) {
		struct swdev_chain c;
		uint16_t k, b;
		void *ck[8];
		uint32_t l[8];
		int n;

		/* Add a few chains (until the ring is full). */
		do {
			struct vio_sg sg[3];

			k = (uint16_t)(1 + rnd(&s) % max_desc);
			for (uint16_t j = 0; j < k; j++)
				sg[j] = (struct vio_sg){ slot_iova(f, next) + 64 * j, j ? 16 : 8 };
			if (vio_vq_add_chain(vq, sg, 1, (uint16_t)(k - 1), cookie(next)) != 0)
				break;
			track_add(f, next++, 0);
		} while (rnd(&s) % 3 != 0);
		vio_vq_kick(vq);
		while (nheld < 8 && swdev_pop(f->sw, 0, &c) == 0)
			held[nheld++] = c.head;
		/* Complete a random prefix of what the device holds, in batches. */
		for (uint16_t done = (uint16_t)(rnd(&s) % (nheld + 1)); done > 0; done -= b) {
			uint32_t in_len, last;

			b = (uint16_t)(1 + rnd(&s) % done);
			for (uint16_t j = 0; j + 1 < b; j++)
				want[want_in++ % 64] = f->sw->q[0].chain_in[held[j]];
			in_len = f->sw->q[0].chain_in[held[b - 1]];
			last = (uint32_t)(rnd(&s) % (in_len + 1));
			want[want_in++ % 64] = last;
			swdev_push_batch(f->sw, 0, held, b, last);
			nheld = (uint16_t)(nheld - b);
			memmove(held, held + b, nheld * sizeof(held[0]));
		}
		swdev_publish(f->sw, 0);
		/* Harvest some (or all) of it in slices, without lens now and then
		 * (tx reclaim: packed takes one-descriptor batches in a tight loop). */
		do {
			bool no_l = nolens && rnd(&s) % 2 == 0;

			n = vio_vq_harvest(vq, ck, no_l ? NULL : l, (uint16_t)(1 + rnd(&s) % 4));
			assert_true(n >= 0);
			for (int i = 0; i < n; i++) {
				assert_int_equal(track_done(f, ck[i]), expect++);
				if (no_l)
					want_out++;
				else
					assert_int_equal(l[i], want[want_out++ % 64]);
			}
		} while (n > 0 && rnd(&s) % 4 != 0);
	}
	assert_true(f->sw->q[0].batched > 100);
	assert_false(vio_vq_is_broken(vq));
	assert_int_equal(swdev_violations(f->sw), 0);
}

static void
test_in_order_batch_wrap(void **state)
{
	in_order_batch_wrap(*state, 3, false);
}

/* The same with lens left out half of the time, mixed chains and one-descriptor chains only. */
static void
test_in_order_batch_wrap_no_lens(void **state)
{
	in_order_batch_wrap(*state, 3, true);
}

static void
test_in_order_single_batches_no_lens(void **state)
{
	in_order_batch_wrap(*state, 1, true);
}

/*
 * A batch whose used len exceeds its last chain's writable bytes is a lie:
 * the queue breaks (chains before the bad one may still come back).
 */
static void
test_in_order_len_too_big(void **state)
{
	struct fixture *f = *state;
	struct vio_vq *vq = open_in_order_q(f, 8);
	struct swdev_chain c;
	uint16_t heads[3];
	void *ck[4];
	uint32_t l[4];
	int n, got = 0;

	go(f);
	for (uint32_t id = 0; id < 3; id++)
		assert_int_equal(add_echo(f, vq, id, 16), 0);
	vio_vq_kick(vq);
	for (uint32_t id = 0; id < 3; id++) {
		assert_int_equal(swdev_pop(f->sw, 0, &c), 0);
		heads[id] = c.head;
	}
	log_capture_start(&f->log);
	swdev_push_batch(f->sw, 0, heads, 3, 17);
	swdev_publish(f->sw, 0);
	while ((n = vio_vq_harvest(vq, ck, l, 1)) > 0) {
		for (int i = 0; i < n; i++) {
			assert_int_equal(l[i], 16);
			track_done(f, ck[i]);
		}
		got += n;
	}
	assert_int_equal(n, -EIO);
	assert_true(got < 3);
	assert_true(vio_vq_is_broken(vq));
	assert_non_null(strstr(log_capture_text(&f->log), "used len 17 exceeds"));
	log_capture_stop(&f->log);
}

/*
 * Packed, in order: a used id naming a later chain is a batch, but only up
 * to what was published. An id that skips ahead to a chain the device has
 * never seen (added, not published) is a lie.
 */
static void
test_packed_in_order_lie_unpublished(void **state)
{
	struct fixture *f = *state;
	struct vio_vq *vq = open_in_order_q(f, 8);
	struct swdev_chain c[2];
	void *ck[4];
	uint32_t l[4];

	go(f);
	assert_int_equal(add_echo(f, vq, 0, 16), 0); /* ids 0, 2: two descriptors each */
	assert_int_equal(add_echo(f, vq, 1, 16), 0);
	vio_vq_kick(vq);
	assert_int_equal(add_echo(f, vq, 2, 16), 0); /* id 4, not published */
	assert_int_equal(swdev_pop(f->sw, 0, &c[0]), 0);
	assert_int_equal(swdev_pop(f->sw, 0, &c[1]), 0);
	assert_int_equal(c[1].head, 2);
	log_capture_start(&f->log);
	swdev_inject(f->sw, 0, SWDEV_FAULT_USED_ID, 4);
	swdev_push(f->sw, 0, c[0].head, 16);
	assert_int_equal(vio_vq_harvest(vq, ck, l, 4), -EIO);
	assert_true(vio_vq_is_broken(vq));
	assert_non_null(strstr(log_capture_text(&f->log), "used id 4 was never published"));
	log_capture_stop(&f->log);
	assert_int_equal(vio_vq_harvest(vq, ck, l, 4), -EIO);
}

/*
 * Packed, in order: an id behind the oldest in-flight chain (one already
 * harvested) is a lie, whatever the descriptor says.
 */
static void
test_packed_in_order_lie_behind(void **state)
{
	struct fixture *f = *state;
	struct vio_vq *vq = open_in_order_q(f, 8);
	struct swdev_chain c;
	void *ck[4];
	uint32_t l[4];

	go(f);
	assert_int_equal(add_echo(f, vq, 0, 16), 0); /* id 0 */
	vio_vq_kick(vq);
	assert_int_equal(swdev_process(f->sw, 0, 8), 1);
	assert_int_equal(drain(f, vq), 1);
	assert_int_equal(add_echo(f, vq, 1, 16), 0); /* id 2 */
	assert_int_equal(add_echo(f, vq, 2, 16), 0); /* id 4 */
	vio_vq_kick(vq);
	assert_int_equal(swdev_pop(f->sw, 0, &c), 0);
	log_capture_start(&f->log);
	swdev_inject(f->sw, 0, SWDEV_FAULT_USED_ID, 0);
	swdev_push(f->sw, 0, c.head, 16);
	assert_int_equal(vio_vq_harvest(vq, ck, l, 4), -EIO);
	assert_true(vio_vq_is_broken(vq));
	assert_non_null(strstr(log_capture_text(&f->log),
			       "used id 0 names no in-flight chain at or after the oldest (id 2)"));
	log_capture_stop(&f->log);
}

/*
 * Packed: a used descriptor without WRITE on a read-only chain (tx) carries a
 * reserved len (section 2.8.4): DPDK's vhost leaves the driver's own len
 * there. It reads 0 and is not a meaningless-len event; the same len with
 * WRITE set (the device says it wrote into a read-only buffer) still is.
 * Out of order, in order alone (the harvest fast path) and in an in-order
 * batch.
 */
static void
reserved_len_round(struct fixture *f, struct vio_vq *vq, uint32_t first, uint16_t nchains)
{
	struct swdev_chain c;
	uint16_t heads[4];
	void *ck[4];
	uint32_t l[4] = { 0xdead, 0xdead, 0xdead, 0xdead };

	for (uint16_t k = 0; k < nchains; k++) {
		assert_int_equal(
			vio_vq_add_buf(vq, slot_iova(f, first + k), 76, false, cookie(first + k)),
			0);
		track_add(f, first + k, 0);
	}
	vio_vq_kick(vq);
	for (uint16_t k = 0; k < nchains; k++) {
		assert_int_equal(swdev_pop(f->sw, 0, &c), 0);
		heads[k] = c.head;
	}
	swdev_inject(f->sw, 0, SWDEV_FAULT_USED_LEN_RESERVED, 76);
	if (nchains == 1)
		swdev_push(f->sw, 0, heads[0], 0);
	else
		swdev_push_batch(f->sw, 0, heads, nchains, 0);
	swdev_publish(f->sw, 0);
	assert_int_equal(vio_vq_harvest(vq, ck, l, RTE_DIM(ck)), nchains);
	for (uint16_t k = 0; k < nchains; k++) {
		assert_int_equal(track_done(f, ck[k]), first + k);
		assert_int_equal(l[k], 0);
	}
}

static void
reserved_len_checks(struct fixture *f, struct vio_vq *vq, bool in_order)
{
	void *ck[2];
	uint32_t l[2];

	go(f);
	reserved_len_round(f, vq, 0, 1);
	if (in_order)
		reserved_len_round(f, vq, 1, 3);
	assert_int_equal(vio_vq_bad_len_count(vq), 0);
	/* The same len with WRITE set is counted and reported as 0. */
	assert_int_equal(vio_vq_add_buf(vq, slot_iova(f, 5), 76, false, cookie(5)), 0);
	track_add(f, 5, 0);
	vio_vq_kick(vq);
	swdev_inject(f->sw, 0, SWDEV_FAULT_USED_LEN, 76);
	assert_int_equal(swdev_process(f->sw, 0, 1), 1);
	assert_int_equal(vio_vq_harvest(vq, ck, l, RTE_DIM(ck)), 1);
	assert_int_equal(track_done(f, ck[0]), 5);
	assert_int_equal(l[0], 0);
	assert_int_equal(vio_vq_bad_len_count(vq), 1);
	assert_false(vio_vq_is_broken(vq));
	assert_int_equal(swdev_violations(f->sw), 0);
}

static void
test_packed_reserved_len(void **state)
{
	struct fixture *f = *state;

	reserved_len_checks(f, open_q(f, 0, 8), false);
}

static void
test_packed_in_order_reserved_len(void **state)
{
	struct fixture *f = *state;

	reserved_len_checks(f, open_in_order_q(f, 8), true);
}

/* Completing a later chain first is a lie when the used idx does not cover the batch. */
static void
test_in_order_lie_skips_ahead(void **state)
{
	struct fixture *f = *state;
	struct vio_vq *vq = open_in_order_q(f, 8);
	struct swdev_chain c[2];
	void *ck[4];
	void *d;
	uint32_t l[4];

	go(f);
	f->violations_expected = true;
	assert_int_equal(add_echo(f, vq, 0, 16), 0);
	assert_int_equal(add_echo(f, vq, 1, 16), 0);
	vio_vq_kick(vq);
	assert_int_equal(swdev_pop(f->sw, 0, &c[0]), 0);
	assert_int_equal(swdev_pop(f->sw, 0, &c[1]), 0);
	swdev_push(f->sw, 0, c[1].head, 16);
	swdev_publish(f->sw, 0);
	assert_int_equal(vio_vq_harvest(vq, ck, l, 4), -EIO);
	assert_true(vio_vq_is_broken(vq));
	assert_int_equal(vio_vq_harvest(vq, ck, l, 4), -EIO);
	assert_int_equal(vio_dev_reset(f->dev), 0);
	while ((d = vio_vq_detach(vq)) != NULL)
		track_done(f, d);
}

/* What vio_vq_harvest_by() handed over, in call order. */
struct by_record {
	unsigned int calls;
	void *cookies[64];
	uint32_t lens[64];
};

static void
by_one(void *ctx, unsigned int i, void *cookie, uint32_t len)
{
	struct by_record *r = ctx;

	assert_int_equal(i, r->calls);
	assert_true(i < RTE_DIM(r->cookies));
	r->cookies[i] = cookie;
	r->lens[i] = len;
	r->calls++;
}

static void
by_four(void *ctx, unsigned int i, void *const *cookies, const struct vio_used_elem *used)
{
	for (unsigned int k = 0; k < 4; k++)
		by_one(ctx, i + k, cookies[k], used[k].len);
}

/*
 * vio_vq_harvest_by() on an in-order queue of single writable buffers of
 * one length (split: uniform, the vector loop, with and without the
 * four-at-a-time callback; packed: the general path): every chain is
 * handed over once, in order, with the cookie it returns in the array and
 * the len the device wrote. After a reset, detach returns exactly the
 * chains still in flight, never one already returned (the uniform harvest
 * leaves returned cookies in their slots).
 */
static void
test_in_order_harvest_by_detach(void **state)
{
	struct fixture *f = *state;
	struct vio_vq *vq = open_in_order_q(f, 16);
	uint32_t next = 0, outstanding = 0, detached = 0;
	void *c;

	go(f);
	for (unsigned int round = 0; round < 9; round++) {
		uint16_t k = vio_vq_num_free(vq);
		struct by_record r = { 0 };
		void *ck[16], *out[32];
		uint64_t iovas[16];
		int added, n;

		for (uint16_t i = 0; i < k; i++) {
			ck[i] = cookie(next + i);
			iovas[i] = slot_iova(f, next + i);
		}
		added = vio_vq_add_bufs(vq, ck, iovas, NULL, 64, true, k);
		assert_int_equal(added, k);
		for (int i = 0; i < added; i++)
			track_add(f, next + (uint32_t)i, 0);
		next += (uint32_t)added;
		outstanding += (uint32_t)added;
		if (!f->packed)
			assert_true(vq->split.bufs_uniform >= 16);
		vio_vq_kick(vq);
		assert_int_equal(swdev_process(f->sw, 0, 11), 11);
		n = vio_vq_harvest_by(vq, out, 32, by_one, round % 2 ? by_four : NULL, &r);
		assert_int_equal(n, 11);
		assert_int_equal(r.calls, 11);
		for (int i = 0; i < n; i++) {
			assert_ptr_equal(out[i], r.cookies[i]);
			assert_int_equal(r.lens[i], f->want_len[track_done(f, out[i])]);
		}
		outstanding -= (uint32_t)n;
	}
	assert_int_equal(outstanding, 5);
	assert_int_equal(vio_dev_reset(f->dev), 0);
	while ((c = vio_vq_detach(vq)) != NULL) {
		track_done(f, c);
		detached++;
	}
	assert_int_equal(detached, outstanding);
	assert_int_equal(vio_vq_num_free(vq), 16);
}

/*
 * Add @p k one-buffer writable chains of 64 bytes (ids from @p first) the
 * way an rx queue does, publish them, and pop them on the device side.
 */
static void
by_add_and_pop(struct fixture *f, struct vio_vq *vq, uint32_t first, uint16_t k, uint16_t *heads)
{
	struct swdev_chain c;
	void *ck[16];
	uint64_t iovas[16];

	for (uint16_t i = 0; i < k; i++) {
		ck[i] = cookie(first + i);
		iovas[i] = slot_iova(f, first + i);
	}
	assert_int_equal(vio_vq_add_bufs(vq, ck, iovas, NULL, 64, true, k), k);
	for (uint16_t i = 0; i < k; i++)
		track_add(f, first + i, 0);
	vio_vq_kick(vq);
	for (uint16_t i = 0; i < k; i++) {
		assert_int_equal(swdev_pop(f->sw, 0, &c), 0);
		heads[i] = c.head;
	}
}

/* Reset, then take back what is still in flight: @p expect chains. */
static void
by_detach_rest(struct fixture *f, struct vio_vq *vq, unsigned int expect)
{
	unsigned int n = 0;
	void *c;

	assert_int_equal(vio_dev_reset(f->dev), 0);
	while ((c = vio_vq_detach(vq)) != NULL) {
		track_done(f, c);
		n++;
	}
	assert_int_equal(n, expect);
}

/*
 * vio_vq_harvest_by() on an in-order rx-like queue when the device does
 * more than complete each chain alone (packed: the loop over the ring stops
 * there and the general path decides; split: the vector loop's fallback).
 * A batch comes back whole (inner chains with their writable length); a
 * len over the buffer, or a completion of a chain that was never made
 * available, breaks the queue after the chains validated before it, and
 * never hands that chain over.
 */
static void
test_in_order_harvest_by_faults(void **state)
{
	struct fixture *f = *state;
	struct vio_vq *vq = open_in_order_q(f, 8);
	struct by_record r = { 0 };
	uint16_t heads[8];
	void *out[8];

	go(f);
	/* A single completion, then a batch of three. */
	by_add_and_pop(f, vq, 0, 4, heads);
	swdev_push(f->sw, 0, heads[0], 30);
	swdev_push_batch(f->sw, 0, &heads[1], 3, 40);
	swdev_publish(f->sw, 0);
	assert_int_equal(vio_vq_harvest_by(vq, out, 8, by_one, NULL, &r), 4);
	for (uint32_t i = 0; i < 4; i++) {
		assert_int_equal(track_done(f, out[i]), i);
		assert_ptr_equal(r.cookies[i], out[i]);
	}
	assert_int_equal(r.lens[0], 30);
	assert_int_equal(r.lens[1], 64);
	assert_int_equal(r.lens[2], 64);
	assert_int_equal(r.lens[3], 40);

	/* Two honest completions, then a len one byte over the buffer. */
	memset(&r, 0, sizeof(r));
	log_capture_start(&f->log);
	by_add_and_pop(f, vq, 4, 4, heads);
	swdev_push(f->sw, 0, heads[0], 10);
	swdev_push(f->sw, 0, heads[1], 64);
	swdev_inject(f->sw, 0, SWDEV_FAULT_USED_LEN_OVER, 1);
	swdev_push(f->sw, 0, heads[2], 0);
	swdev_publish(f->sw, 0);
	assert_int_equal(vio_vq_harvest_by(vq, out, 8, by_one, by_four, &r), 2);
	assert_int_equal(r.calls, 2);
	assert_int_equal(r.lens[0], 10);
	assert_int_equal(r.lens[1], 64);
	track_done(f, out[0]);
	track_done(f, out[1]);
	assert_int_equal(vio_vq_harvest_by(vq, out, 8, by_one, by_four, &r), -EIO);
	assert_int_equal(r.calls, 2);
	assert_true(vio_vq_is_broken(vq));
	assert_non_null(strstr(log_capture_text(&f->log), "used len 65 exceeds"));
	log_capture_stop(&f->log);
	by_detach_rest(f, vq, 2);
}

/*
 * Complete chain @p id (one descriptor, in order: at ring position @p id,
 * first lap) with @p len, as a device would that had never been given it:
 * written straight into the ring, after what the device published.
 */
static void
lie_used_in_own_slot(struct vio_vq *vq, uint16_t id, uint32_t len)
{
	if (vq->h.packed) {
		struct vio_packed_desc *d = &vq->packed.desc[id];

		d->id = id;
		d->len = len;
		__atomic_store_n(&d->flags, vq->packed.used_flags, __ATOMIC_RELEASE);
	} else {
		struct vio_used_elem *e = &vq->split.used->ring[id & vq->split.mask];

		e->id = id;
		e->len = len;
		__atomic_store_n(&vq->split.used->idx, (uint16_t)(id + 1), __ATOMIC_RELEASE);
	}
}

/*
 * The same queue: a completion naming chain 2, added but not yet published,
 * in place of chain 1's (@p own_slot false) or in its own slot after chains
 * 0 and 1 (true: the id matches the position, only the published count
 * tells; on a split ring the used idx then runs past the published chains
 * and nothing of that update is taken). Chain 2 is never handed over.
 */
static void
harvest_by_unpublished(struct fixture *f, bool own_slot)
{
	struct vio_vq *vq = open_in_order_q(f, 8);
	struct by_record r = { 0 };
	uint64_t iova = slot_iova(f, 2);
	int good = own_slot ? 2 : 1;
	uint16_t heads[2];
	void *out[8], *late = cookie(2);
	int n;

	go(f);
	f->violations_expected = true;
	by_add_and_pop(f, vq, 0, 2, heads);
	assert_int_equal(vio_vq_add_bufs(vq, &late, &iova, NULL, 64, true, 1), 1);
	track_add(f, 2, 0);
	log_capture_start(&f->log);
	swdev_push(f->sw, 0, heads[0], 64);
	if (own_slot) {
		swdev_push(f->sw, 0, heads[1], 64);
		swdev_publish(f->sw, 0);
		lie_used_in_own_slot(vq, 2, 64); /* the device model pushes only what it popped */
	} else {
		swdev_inject(f->sw, 0, SWDEV_FAULT_USED_ID, 2); /* chain 2's id and head */
		swdev_push(f->sw, 0, heads[1], 64);
		swdev_publish(f->sw, 0);
	}
	n = vio_vq_harvest_by(vq, out, 8, by_one, by_four, &r);
	if (own_slot && !vq->h.packed) {
		/* Split: a used idx beyond the published chains condemns the whole update. */
		assert_int_equal(n, -EIO);
		good = 0;
	} else {
		assert_int_equal(n, good);
		for (int i = 0; i < n; i++)
			assert_int_equal(track_done(f, out[i]), (uint32_t)i);
		assert_int_equal(vio_vq_harvest_by(vq, out, 8, by_one, by_four, &r), -EIO);
	}
	assert_int_equal(r.calls, (unsigned int)good);
	assert_true(vio_vq_is_broken(vq));
	log_capture_stop(&f->log);
	by_detach_rest(f, vq, 3 - (unsigned int)good);
}

static void
test_in_order_harvest_by_unpublished(void **state)
{
	harvest_by_unpublished(*state, false);
}

static void
test_in_order_harvest_by_unpublished_slot(void **state)
{
	harvest_by_unpublished(*state, true);
}

/* ---- detach ---- */

static void
test_detach_after_reset(void **state)
{
	struct fixture *f = *state;
	struct vio_vq *vq = open_q(f, 0, 16);
	struct vio_vq *idle = open_q(f, 1, 16);
	uint32_t id, n = 0;
	void *c;

	go(f);
	for (id = 0; id < 5; id++)
		assert_int_equal(add_echo(f, vq, id, 8), 0);
	vio_vq_kick(vq);
	/* One more, never published. */
	assert_int_equal(add_echo(f, vq, 5, 8), 0);
	assert_int_equal(swdev_process(f->sw, 0, 2), 2);
	assert_int_equal(vio_vq_used_pending(vq), fx_pending(f, 2));
	assert_int_equal(vio_dev_reset(f->dev), 0);
	while ((c = vio_vq_detach(vq)) != NULL) {
		track_done(f, c);
		n++;
	}
	assert_int_equal(n, 6);
	assert_int_equal(vio_vq_num_free(vq), 16);
	assert_null(vio_vq_detach(idle));
}

static int
group_setup(void **state)
{
	(void)state;
	return unit_eal_init("vq", "0") < 0 ? -1 : 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	rte_eal_cleanup();
	return 0;
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, vq_setup, vq_teardown)

/* A test of the packed engine: named "packed/fn", packed fixture. */
#define P(fn)                                                         \
	{                                                             \
		"packed/" #fn, fn, vq_setup_packed, vq_teardown, NULL \
	}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_create),
		T(test_create_errors),
		T(test_order_platform_barriers),
		T(test_indirect),
		T(test_chain),
		T(test_add_errors),
		T(test_full_ring),
		T(test_reverse_completion),
		T(test_out_of_order),
		T(test_wrap_step),
		T(test_extreme_sizes),
		T(test_wrap_threaded),
		T(test_random_threaded),
		T(test_loopback),
		T(test_kick_once_per_batch),
		T(test_kick_no_notify),
		T(test_doorbell),
		T(test_event_idx_kick_rule),
		T(test_event_idx_polling_device),
		T(test_event_idx_sleeping_device),
		T(test_intr_both),
		T(test_intr_event_idx_both),
		T(test_in_order_ring_order),
		T(test_in_order_batch),
		T(test_in_order_lie_skips_ahead),
		T(test_in_order_add_bufs),
		T(test_in_order_batch_wrap),
		T(test_in_order_batch_wrap_no_lens),
		T(test_in_order_single_batches_no_lens),
		T(test_in_order_len_too_big),
		T(test_in_order_harvest_by_detach),
		T(test_in_order_harvest_by_faults),
		T(test_in_order_harvest_by_unpublished),
		T(test_in_order_harvest_by_unpublished_slot),
		T(test_detach_after_reset),
		T(test_intr_flags),
		T(test_intr_race_recheck),
		T(test_intr_event_idx),
		T(test_intr_fd),
		T(test_bogus_id_out_of_range),
		T(test_bogus_id_huge),
		T(test_bogus_id_not_in_flight),
		T(test_bogus_id_chain_member),
		T(test_oversized_len),
		T(test_len_on_readonly_chain),
		T(test_len_over_by_one_on_writable_chain),
		T(test_idx_jump),
		T(test_idx_jump_harvest_by_none),
		T(test_idx_small_jump),
		T(test_idx_backwards),
		T(test_double_completion),
		T(test_completion_of_unpublished_chain),
		/* The same contract, packed engine (split-layout tests excepted). */
		P(test_indirect),
		P(test_chain),
		P(test_add_errors),
		P(test_full_ring),
		P(test_reverse_completion),
		P(test_out_of_order),
		P(test_wrap_step),
		P(test_extreme_sizes),
		P(test_wrap_threaded),
		P(test_random_threaded),
		P(test_loopback),
		P(test_kick_once_per_batch),
		P(test_kick_no_notify),
		P(test_doorbell),
		P(test_event_idx_polling_device),
		P(test_event_idx_sleeping_device),
		P(test_intr_both),
		P(test_intr_event_idx_both),
		P(test_detach_after_reset),
		P(test_packed_sizes),
		P(test_packed_event_idx_kick_rule),
		P(test_packed_event_idx_stale_offset),
		P(test_packed_desc_without_event_idx),
		P(test_in_order_ring_order),
		P(test_in_order_batch),
		P(test_in_order_add_bufs),
		P(test_in_order_batch_wrap),
		P(test_in_order_batch_wrap_no_lens),
		P(test_in_order_single_batches_no_lens),
		P(test_in_order_len_too_big),
		P(test_in_order_harvest_by_detach),
		P(test_in_order_harvest_by_faults),
		P(test_in_order_harvest_by_unpublished),
		P(test_in_order_harvest_by_unpublished_slot),
		P(test_packed_in_order_lie_unpublished),
		P(test_packed_in_order_lie_behind),
		P(test_packed_reserved_len),
		P(test_packed_in_order_reserved_len),
		P(test_bogus_id_out_of_range),
		P(test_bogus_id_huge),
		P(test_bogus_id_not_in_flight),
		P(test_bogus_id_chain_member),
		P(test_oversized_len),
		P(test_len_on_readonly_chain),
		P(test_len_over_by_one_on_writable_chain),
		P(test_idx_jump),
		P(test_idx_small_jump),
		P(test_idx_backwards),
		P(test_used_stale_wrap),
		P(test_double_completion),
		P(test_completion_of_unpublished_chain),
	};

	return cmocka_run_group_tests_name("vio_vq", tests, group_setup, group_teardown);
}
