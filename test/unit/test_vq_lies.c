/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Split virtqueue engine against a lying device: bogus used ids, lens and
 * idx values. Each time the queue must end up broken (every later call
 * -EIO, with a log line naming the device), nothing may be read out of
 * bounds, and every cookie must come back exactly once (harvest before the
 * lie, vio_vq_detach() after the reset in teardown).
 */
#include <stdbool.h>
#include <stdint.h>

#include "vq_fixture.h"

/* Harvest until error; returns the error, accounting cookies on the way. */
static int
harvest_until_error(struct fixture *f, struct vio_vq *vq)
{
	void *c[8];
	uint32_t l[8];
	int n, i, rounds = 0;

	while ((n = vio_vq_harvest(vq, c, l, RTE_DIM(c))) >= 0) {
		for (i = 0; i < n; i++)
			track_done(f, c[i]);
		assert_true(++rounds < 100);
	}
	return n;
}

/* vio_vq_harvest_by() callback of a call that must hand nothing over. */
static void
hand_over_nothing(void *ctx __rte_unused, unsigned int i __rte_unused, void *cookie __rte_unused,
		  uint32_t len __rte_unused)
{
	fail_msg("a chain was handed over");
}

/* The queue is dead: every call says so (asking for none too), and nothing
 * is returned twice. */
static void
expect_broken(struct fixture *f, struct vio_vq *vq)
{
	struct vio_sg sg = { slot_iova(f, 99), 8 };
	void *c = NULL;

	assert_true(vio_vq_is_broken(vq));
	assert_int_equal(vio_vq_harvest(vq, &c, NULL, 1), -EIO);
	assert_int_equal(vio_vq_harvest(vq, &c, NULL, 0), -EIO);
	assert_int_equal(vio_vq_harvest_by(vq, &c, 1, hand_over_nothing, NULL, NULL), -EIO);
	assert_int_equal(vio_vq_harvest_by(vq, &c, 0, hand_over_nothing, NULL, NULL), -EIO);
	assert_null(c);
	assert_int_equal(vio_vq_add_buf(vq, slot_iova(f, 99), 8, true, cookie(99)), -EIO);
	assert_int_equal(vio_vq_add_chain(vq, &sg, 1, 0, cookie(99)), -EIO);
	assert_non_null(strstr(log_capture_text(&f->log), DEV_NAME));
	log_capture_stop(&f->log);
}

/* Two chains in flight, one fault, then harvest. */
static struct vio_vq *
lie_once(struct fixture *f, enum swdev_fault fault, uint32_t value, bool two_desc)
{
	struct vio_vq *vq = open_q(f, 0, 16);
	struct vio_sg sg[2] = { { slot_iova(f, 0), 16 }, { slot_iova(f, 0) + 64, 16 } };

	go(f);
	log_capture_start(&f->log);
	if (two_desc) {
		assert_int_equal(vio_vq_add_chain(vq, sg, 1, 1, cookie(0)), 0);
		track_add(f, 0, 16);
	} else {
		assert_int_equal(add_echo(f, vq, 0, 16), 0);
	}
	assert_int_equal(add_echo(f, vq, 1, 16), 0);
	vio_vq_kick(vq);
	swdev_inject(f->sw, 0, fault, value);
	assert_int_equal(swdev_process(f->sw, 0, 1), 1);
	assert_int_equal(harvest_until_error(f, vq), -EIO);
	expect_broken(f, vq);
	return vq;
}

void
test_bogus_id_out_of_range(void **state)
{
	lie_once(*state, SWDEV_FAULT_USED_ID, 16, false);
}

void
test_bogus_id_huge(void **state)
{
	lie_once(*state, SWDEV_FAULT_USED_ID, 0xffffffffu, false);
}

void
test_bogus_id_not_in_flight(void **state)
{
	lie_once(*state, SWDEV_FAULT_USED_ID_FREE, 0, false);
}

void
test_bogus_id_chain_member(void **state)
{
	lie_once(*state, SWDEV_FAULT_USED_ID_MEMBER, 0, true);
}

void
test_oversized_len(void **state)
{
	lie_once(*state, SWDEV_FAULT_USED_LEN_OVER, 1, false);
}

/*
 * A device-readable-only chain (tx) completed with a non-zero len: real
 * devices write garbage there, and nothing was to be written, so the len is
 * counted and reported as 0 and the queue stays healthy.
 */
void
test_len_on_readonly_chain(void **state)
{
	struct fixture *f = *state;
	struct vio_vq *vq = open_q(f, 0, 16);
	void *c[4] = { NULL };
	uint32_t l[4] = { 0xdead, 0xdead, 0xdead, 0xdead };

	go(f);
	assert_int_equal(vio_vq_bad_len_count(vq), 0);
	assert_int_equal(vio_vq_add_buf(vq, slot_iova(f, 0), 64, false, cookie(0)), 0);
	track_add(f, 0, 0);
	assert_int_equal(add_echo(f, vq, 1, 16), 0);
	vio_vq_kick(vq);
	swdev_inject(f->sw, 0, SWDEV_FAULT_USED_LEN, 0xffffffffu);
	assert_int_equal(swdev_process(f->sw, 0, 2), 2);
	assert_int_equal(vio_vq_harvest(vq, c, l, RTE_DIM(c)), 2);
	assert_int_equal(track_done(f, c[0]), 0);
	assert_int_equal(l[0], 0);
	check_echo(f, c[1], l[1]);
	assert_false(vio_vq_is_broken(vq));
	assert_int_equal(vio_vq_bad_len_count(vq), 1);
	/* A readable-only chain of several descriptors, len 1, then normal use. */
	{
		struct vio_sg sg[2] = { { slot_iova(f, 2), 8 }, { slot_iova(f, 2) + 8, 8 } };

		assert_int_equal(vio_vq_add_chain(vq, sg, 2, 0, cookie(2)), 0);
		track_add(f, 2, 0);
	}
	vio_vq_kick(vq);
	swdev_inject(f->sw, 0, SWDEV_FAULT_USED_LEN, 1);
	assert_int_equal(swdev_process(f->sw, 0, 1), 1);
	assert_int_equal(vio_vq_harvest(vq, c, l, RTE_DIM(c)), 1);
	assert_int_equal(track_done(f, c[0]), 2);
	assert_int_equal(l[0], 0);
	assert_int_equal(vio_vq_bad_len_count(vq), 2);
	assert_int_equal(add_echo(f, vq, 3, 32), 0);
	vio_vq_kick(vq);
	assert_int_equal(swdev_process(f->sw, 0, 1), 1);
	assert_int_equal(drain(f, vq), 1);
	assert_false(vio_vq_is_broken(vq));
	assert_int_equal(vio_vq_bad_len_count(vq), 2);
}

/* A chain with writable bytes keeps the strict check: one byte over breaks. */
void
test_len_over_by_one_on_writable_chain(void **state)
{
	struct fixture *f = *state;
	struct vio_vq *vq = lie_once(f, SWDEV_FAULT_USED_LEN_OVER, 1, true);

	assert_int_equal(vio_vq_bad_len_count(vq), 0);
}

void
test_idx_jump(void **state)
{
	lie_once(*state, SWDEV_FAULT_IDX_JUMP, 17, false);
}

/*
 * A used idx past the chains in flight is seen before any entry is read:
 * vio_vq_harvest_by() asking for none breaks the queue on it, as
 * vio_vq_harvest() does (split: packed rings have no used idx).
 */
void
test_idx_jump_harvest_by_none(void **state)
{
	struct fixture *f = *state;
	struct vio_vq *vq = open_q(f, 0, 16);
	void *c = NULL;

	go(f);
	log_capture_start(&f->log);
	assert_int_equal(add_echo(f, vq, 0, 16), 0);
	assert_int_equal(add_echo(f, vq, 1, 16), 0);
	vio_vq_kick(vq);
	swdev_inject(f->sw, 0, SWDEV_FAULT_IDX_JUMP, 17);
	assert_int_equal(swdev_process(f->sw, 0, 1), 1);
	assert_int_equal(vio_vq_harvest_by(vq, &c, 0, hand_over_nothing, NULL, NULL), -EIO);
	assert_null(c);
	expect_broken(f, vq);
}

/* used idx advances past the chains in flight (stale ring entries). */
void
test_idx_small_jump(void **state)
{
	lie_once(*state, SWDEV_FAULT_IDX_JUMP, 2, false);
}

/* used idx moves backwards. */
void
test_idx_backwards(void **state)
{
	lie_once(*state, SWDEV_FAULT_IDX_JUMP, 0xfffe, false);
}

/* Same head completed twice, a third chain behind it. */
void
test_double_completion(void **state)
{
	struct fixture *f = *state;
	struct vio_vq *vq = open_q(f, 0, 16);
	uint32_t id;

	go(f);
	log_capture_start(&f->log);
	for (id = 0; id < 3; id++)
		assert_int_equal(add_echo(f, vq, id, 8), 0);
	vio_vq_kick(vq);
	swdev_inject(f->sw, 0, SWDEV_FAULT_DUP, 0);
	/* used ring: 0, 0, 1 with three chains in flight. */
	assert_int_equal(swdev_process(f->sw, 0, 2), 2);
	assert_int_equal(vio_vq_used_pending(vq), fx_pending(f, 3));
	assert_int_equal(harvest_until_error(f, vq), -EIO);
	expect_broken(f, vq);
	/* Chain 0 came back once; 1 and 2 come back through detach. */
	assert_int_equal(f->out[0], 0);
	assert_int_equal(f->out[1], 1);
	assert_int_equal(f->out[2], 1);
}

/*
 * A device that completes a chain the driver has added but not yet made
 * available: the driver must not hand that buffer back (the device would
 * then own a buffer its user already reused).
 */
void
test_completion_of_unpublished_chain(void **state)
{
	struct fixture *f = *state;
	struct vio_vq *vq = open_q(f, 0, 16);
	bool handed_back = false;
	void *c[4];
	int n, i;

	go(f);
	log_capture_start(&f->log);
	assert_int_equal(add_echo(f, vq, 0, 8), 0); /* head 0 */
	vio_vq_kick(vq);
	assert_int_equal(add_echo(f, vq, 1, 8), 0); /* head 2 (packed: id 1), not published */
	swdev_inject(f->sw, 0, SWDEV_FAULT_USED_ID, f->packed ? 1 : 2);
	assert_int_equal(swdev_process(f->sw, 0, 1), 1);
	n = vio_vq_harvest(vq, c, NULL, 4);
	for (i = 0; i < n; i++) {
		/* Account first, so a failure here does not leak into teardown. */
		if (cookie_id(c[i]) == 1)
			handed_back = true;
		track_done(f, c[i]);
	}
	assert_false(handed_back);
	assert_int_equal(n, -EIO);
	expect_broken(f, vq);
}

/* Packed: a used descriptor whose AVAIL/USED bits say "used in the previous lap". */
void
test_used_stale_wrap(void **state)
{
	lie_once(*state, SWDEV_FAULT_IDX_JUMP, 0, false);
}
