/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Interrupt mode of the split engine: vio_vq_enable_intr() /
 * vio_vq_disable_intr() against swdev, which counts the used-buffer
 * notifications it sends (and writes them to the queue's eventfd) as
 * sections 2.7.7 / 2.7.10 say a device must.
 */
#include <poll.h>
#include <unistd.h>

#include "vq_fixture.h"

/* Renegotiate with VIRTIO_F_EVENT_IDX. */
static void
use_event_idx(struct fixture *f)
{
	f->sw->device_features |= VIO_BIT(VIO_F_EVENT_IDX);
	assert_int_equal(vio_dev_negotiate(f->dev, VIO_BIT(VIO_F_EVENT_IDX), 0), 0);
	assert_true(vio_dev_has(f->dev, VIO_F_EVENT_IDX));
}

static uint16_t
used_event(const struct vio_vq *vq)
{
	return *(const volatile uint16_t *)(const void *)&vq->split.avail->ring[vq->h.size];
}

/* Add @p n echo chains from *id on, kick, let the device complete them. */
static void
complete(struct fixture *f, struct vio_vq *vq, uint32_t *id, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++, (*id)++)
		assert_int_equal(add_echo(f, vq, *id, 8), 0);
	vio_vq_kick(vq);
	assert_int_equal(swdev_process(f->sw, vq->h.index, n), (int)n);
}

/* Without EVENT_IDX: the NO_INTERRUPT flag follows enable / disable. */
void
test_intr_flags(void **state)
{
	struct fixture *f = *state;
	struct vio_vq *vq = open_q(f, 0, 32);
	uint32_t id = 0;

	go(f);
	/* Polling: suppressed, the device sends nothing. */
	assert_int_equal(vq->split.avail->flags, VIO_AVAIL_F_NO_INTERRUPT);
	complete(f, vq, &id, 3);
	assert_int_equal(swdev_interrupt_count(f->sw, 0), 0);
	assert_int_equal(drain(f, vq), 3);
	/* Enabled with nothing pending: sleep; every publish interrupts. */
	assert_false(vio_vq_enable_intr(vq));
	assert_int_equal(vq->split.avail->flags, 0);
	complete(f, vq, &id, 2);
	assert_int_equal(swdev_interrupt_count(f->sw, 0), 1);
	complete(f, vq, &id, 1);
	assert_int_equal(swdev_interrupt_count(f->sw, 0), 2);
	/* Disabled: polling behaviour again. */
	vio_vq_disable_intr(vq);
	assert_int_equal(vq->split.avail->flags, VIO_AVAIL_F_NO_INTERRUPT);
	assert_int_equal(drain(f, vq), 3);
	complete(f, vq, &id, 4);
	assert_int_equal(drain(f, vq), 4);
	assert_int_equal(swdev_interrupt_count(f->sw, 0), 2);
}

/*
 * The race the re-check closes: entries published while interrupts were
 * off raise nothing, so enable must report them instead of letting the
 * caller sleep; once harvested, enable says sleep.
 */
void
test_intr_race_recheck(void **state)
{
	struct fixture *f = *state;
	struct vio_vq *vq = open_q(f, 0, 32);
	uint32_t id = 0;

	go(f);
	complete(f, vq, &id, 1);
	assert_true(vio_vq_enable_intr(vq));
	assert_int_equal(swdev_interrupt_count(f->sw, 0), 0);
	vio_vq_disable_intr(vq);
	assert_int_equal(drain(f, vq), 1);
	assert_false(vio_vq_enable_intr(vq));
	vio_vq_disable_intr(vq);
}

/* With EVENT_IDX: used_event = next entry to harvest; parked when polling. */
void
test_intr_event_idx(void **state)
{
	struct fixture *f = *state;
	struct vio_vq *vq;
	uint32_t id = 0;

	use_event_idx(f);
	vq = open_q(f, 0, 16);
	go(f);
	assert_int_equal(vq->split.avail->flags, 0);
	assert_int_equal(used_event(vq), 0xffff);
	complete(f, vq, &id, 5);
	assert_int_equal(drain(f, vq), 5);
	assert_int_equal(swdev_interrupt_count(f->sw, 0), 0);
	assert_false(vio_vq_enable_intr(vq));
	assert_int_equal(used_event(vq), 5);
	assert_int_equal(vq->split.avail->flags, 0);
	/* The batch containing entry 5 interrupts ... */
	complete(f, vq, &id, 3);
	assert_int_equal(swdev_interrupt_count(f->sw, 0), 1);
	/* ... the next does not until the driver asks again. */
	complete(f, vq, &id, 2);
	assert_int_equal(swdev_interrupt_count(f->sw, 0), 1);
	assert_true(vio_vq_enable_intr(vq)); /* 5 pending: poll, do not sleep */
	assert_int_equal(drain(f, vq), 5);
	assert_false(vio_vq_enable_intr(vq));
	assert_int_equal(used_event(vq), 10);
	complete(f, vq, &id, 1);
	assert_int_equal(swdev_interrupt_count(f->sw, 0), 2);
	/* Parked again, just behind the consumer: 65535 entries away. */
	vio_vq_disable_intr(vq);
	assert_int_equal(used_event(vq), 9);
	assert_int_equal(drain(f, vq), 1);
	/* 3000 more completions raise nothing. */
	for (int i = 0; i < 1000; i++) {
		complete(f, vq, &id, 3);
		assert_int_equal(drain(f, vq), 3);
	}
	assert_int_equal(swdev_interrupt_count(f->sw, 0), 2);
}

/* The interrupt fd: only when asked for before setup; readable per interrupt. */
void
test_intr_fd(void **state)
{
	struct fixture *f = *state;
	struct vio_vq *plain = open_q(f, 1, 16), *vq;
	struct pollfd pfd;
	uint64_t n = 0;
	uint32_t id = 0;

	assert_int_equal(vio_dev_queue_intr_fd(f->dev, 1), -ENOTSUP);
	f->dev->queue_intr = true;
	vq = open_q(f, 0, 16);
	f->dev->queue_intr = false;
	pfd.fd = vio_dev_queue_intr_fd(f->dev, 0);
	assert_true(pfd.fd >= 0);
	pfd.events = POLLIN;
	go(f);
	assert_false(vio_vq_enable_intr(vq));
	/* A device thread completes; the sleeping driver wakes on the fd. */
	assert_int_equal(swdev_thread_start(f->sw, -1), 0);
	assert_int_equal(add_echo(f, vq, id++, 8), 0);
	vio_vq_kick(vq);
	assert_int_equal(poll(&pfd, 1, 5000), 1);
	assert_int_equal(read(pfd.fd, &n, sizeof(n)), sizeof(n));
	assert_int_equal(n, 1);
	vio_vq_disable_intr(vq);
	swdev_thread_stop(f->sw);
	assert_int_equal(drain(f, vq), 1);
	assert_int_equal(poll(&pfd, 1, 0), 0);
	(void)plain;
}
