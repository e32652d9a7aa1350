/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * swdev: the device side of a split virtqueue (virtio 1.2 section 2.7).
 *
 * Pops chains from the avail ring, validating everything the driver wrote,
 * hands them to the queue's handler and writes the used ring. Device-side
 * bookkeeping (which descriptor belongs to which in-flight chain, the
 * chain links as they were popped) is private, so the model can tell a
 * driver that recycles a descriptor too early from one that is right.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_pause.h>

#include "swdev.h"
#include "swdev_internal.h"
#include "swdev_packed.h"

static bool
is_pow2(uint32_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

static bool
ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

bool
swdev_event_idx(const struct swdev *sw)
{
	return (sw->driver_features & VIO_BIT(VIO_F_EVENT_IDX)) != 0;
}

/*
 * Section 2.7.10 with EVENT_IDX: the device asks for a notification when the
 * driver publishes avail index @p at (avail_event, after used->ring[size]).
 */
void
swdev_set_avail_event(struct swdev_queue *q, uint16_t at)
{
	__atomic_store_n((uint16_t *)&q->used->ring[q->cfg.size], at, __ATOMIC_RELEASE);
}

/*
 * The device saw a notification: it covers every entry published so far
 * (release: the device side's acquire load of notified_avail then sees the
 * ring entries written before that avail idx). With EVENT_IDX a device that
 * wants notifications asks for the next one at the next entry.
 */
void
swdev_note_notified(struct swdev *sw, struct swdev_queue *q)
{
	if (q->packed) {
		swdev_packed_note_notified(sw, q);
		return;
	}
	uint16_t avail_idx = __atomic_load_n(&q->avail->idx, __ATOMIC_ACQUIRE);

	__atomic_store_n(&q->notified_avail, avail_idx, __ATOMIC_RELEASE);
	if (swdev_event_idx(sw) && !q->no_notify)
		swdev_set_avail_event(q, avail_idx);
}

/*
 * The driver may ring while the device thread looks: an exchange, not a
 * read and a reset, so that a ring between the two is not lost.
 */
void
swdev_take_doorbell(struct swdev *sw, struct swdev_queue *q)
{
	if (q->use_doorbell &&
	    __atomic_exchange_n(&q->doorbell, (uint16_t)0xffff, __ATOMIC_ACQ_REL) != 0xffff)
		swdev_note_notified(sw, q);
}

void
swdev_queue_clear(struct swdev *sw, uint16_t index)
{
	struct swdev_queue *q = &sw->q[index];

	__atomic_store_n(&q->enabled, false, __ATOMIC_RELEASE);
	q->error = false;
	memset(&q->cfg, 0, sizeof(q->cfg));
	q->desc = NULL;
	q->avail = NULL;
	q->used = NULL;
	q->packed = false;
	q->pdesc = NULL;
	q->driver_event = NULL;
	q->device_event = NULL;
	q->last_avail = 0;
	q->used_idx = 0;
	q->notified_avail = 0;
	q->flags_reported = false;
	q->intr_requested = false;
	q->inflight = 0;
	free(q->owner);
	free(q->dnext);
	free(q->chain_len);
	free(q->chain_in);
	free(q->segs);
	q->owner = NULL;
	q->dnext = NULL;
	q->chain_len = NULL;
	q->chain_in = NULL;
	q->segs = NULL;
	q->fault = SWDEV_FAULT_NONE;
}

static int
check_rings(struct swdev *sw, uint16_t index, const struct vio_queue_cfg *cfg)
{
	uint64_t dlen = 16ULL * cfg->size;
	uint64_t alen = 6 + 2ULL * cfg->size;
	uint64_t ulen = 6 + 8ULL * cfg->size;

	/* Section 2.7: alignment 16 (desc), 2 (avail), 4 (used). */
	if ((cfg->desc_iova & 15) || (cfg->avail_iova & 1) || (cfg->used_iova & 3)) {
		swdev_violation(sw, SWDEV_V_QUEUE_SETUP,
				"queue %u: misaligned rings desc 0x%llx avail 0x%llx used 0x%llx",
				index, (unsigned long long)cfg->desc_iova,
				(unsigned long long)cfg->avail_iova,
				(unsigned long long)cfg->used_iova);
		return -EINVAL;
	}
	if (!swdev_dma_ok(sw, cfg->desc_iova, dlen) || !swdev_dma_ok(sw, cfg->avail_iova, alen) ||
	    !swdev_dma_ok(sw, cfg->used_iova, ulen)) {
		swdev_violation(sw, SWDEV_V_QUEUE_SETUP, "queue %u: ring outside DMA memory",
				index);
		return -EINVAL;
	}
	if (ranges_overlap(cfg->desc_iova, dlen, cfg->avail_iova, alen) ||
	    ranges_overlap(cfg->desc_iova, dlen, cfg->used_iova, ulen) ||
	    ranges_overlap(cfg->avail_iova, alen, cfg->used_iova, ulen)) {
		swdev_violation(sw, SWDEV_V_QUEUE_SETUP, "queue %u: rings overlap", index);
		return -EINVAL;
	}
	return 0;
}

int
swdev_queue_setup(struct swdev *sw, uint16_t index, const struct vio_queue_cfg *cfg)
{
	uint8_t st = swdev_status(sw);
	struct swdev_queue *q;
	bool packed;
	int rc;

	if (index >= sw->num_queues || sw->q[index].max_size == 0) {
		swdev_violation(sw, SWDEV_V_QUEUE_SETUP, "setup of nonexistent queue %u", index);
		return -ENOENT;
	}
	q = &sw->q[index];
	/* Section 3.1.1: queues are set up after FEATURES_OK, before DRIVER_OK. */
	if (!(st & VIO_STATUS_FEATURES_OK) || (st & VIO_STATUS_DRIVER_OK))
		swdev_violation(sw, SWDEV_V_QUEUE_SETUP, "queue %u set up in status 0x%02x", index,
				st);
	packed = (sw->driver_features & VIO_BIT(VIO_F_RING_PACKED)) != 0;
	/* Section 2.8: a packed queue may have any size; a split one a power of two. */
	if ((!packed && !is_pow2(cfg->size)) || cfg->size == 0 || cfg->size > q->max_size) {
		swdev_violation(sw, SWDEV_V_QUEUE_SETUP, "queue %u: size %u (max %u)", index,
				cfg->size, q->max_size);
		return -EINVAL;
	}
	if (q->setup_error != 0)
		return q->setup_error; /* A device that fails on demand. */
	if (!swdev_eal_iova_va())
		return -ENOTSUP;
	rc = packed ? 0 : check_rings(sw, index, cfg);
	if (rc != 0)
		return rc;
	swdev_queue_clear(sw, index);
	q->owner = malloc(cfg->size * sizeof(*q->owner));
	q->dnext = calloc(cfg->size, sizeof(*q->dnext));
	q->chain_len = calloc(cfg->size, sizeof(*q->chain_len));
	q->chain_in = calloc(cfg->size, sizeof(*q->chain_in));
	q->segs = calloc(cfg->size, sizeof(*q->segs));
	if (q->owner == NULL || q->dnext == NULL || q->chain_len == NULL || q->chain_in == NULL ||
	    q->segs == NULL) {
		swdev_queue_clear(sw, index);
		return -ENOMEM;
	}
	memset(q->owner, 0xff, cfg->size * sizeof(*q->owner));
	q->cfg = *cfg;
	q->intr_requested = sw->vdev.queue_intr;
	if (packed) {
		rc = swdev_packed_setup(sw, index, cfg);
		if (rc != 0) {
			swdev_queue_clear(sw, index);
			return rc;
		}
		__atomic_store_n(&q->enabled, true, __ATOMIC_RELEASE);
		return 0;
	}
	/* IOVA == VA: checked by swdev_eal_iova_va() above. */
	q->desc = (struct vio_desc *)(uintptr_t)cfg->desc_iova;
	q->avail = (struct vio_avail *)(uintptr_t)cfg->avail_iova;
	q->used = (struct vio_used *)(uintptr_t)cfg->used_iova;
	__atomic_store_n(&q->used->flags, q->no_notify ? VIO_USED_F_NO_NOTIFY : 0,
			 __ATOMIC_RELAXED);
	/* EVENT_IDX: notify me at the first entry, or (polling) not for 64K entries. */
	if (swdev_event_idx(sw))
		swdev_set_avail_event(q, q->no_notify ? 0xffff : 0);
	__atomic_store_n(&q->enabled, true, __ATOMIC_RELEASE);
	return 0;
}

/* Undo the owner marks of a chain that was only partly (or not) accepted. */
static void
release_segs(struct swdev_queue *q, uint16_t n)
{
	uint16_t i;

	for (i = 0; i < n; i++)
		q->owner[q->segs[i].desc] = SWDEV_FREE;
}

static int
proto_error(struct swdev_queue *q, uint16_t nseg)
{
	release_segs(q, nseg);
	q->error = true;
	return -EPROTO;
}

/* Add one validated buffer to the chain being walked. */
static void
add_seg(struct swdev_chain *c, struct swdev_seg *s, uint64_t addr, uint32_t len, bool writable,
	uint16_t desc)
{
	s->va = (void *)(uintptr_t)addr;
	s->iova = addr;
	s->len = len;
	s->writable = writable;
	s->desc = desc;
	if (writable) {
		c->n_in++;
		c->in_len += len;
	} else {
		c->n_out++;
		c->out_len += len;
	}
}

/*
 * The chain is the indirect table at ring descriptor @p idx (section
 * 2.7.5.3): check the driver's side of 2.7.5.3.1 and walk the table into
 * q->segs (entry 0 of which holds the ring descriptor, dropped here).
 */
static int
walk_indirect(struct swdev *sw, uint16_t qidx, uint16_t head, uint16_t idx, struct swdev_chain *c)
{
	struct swdev_queue *q = &sw->q[qidx];
	uint64_t addr = q->desc[idx].addr;
	uint32_t len = q->desc[idx].len;
	uint16_t flags = q->desc[idx].flags;
	const struct vio_desc *table;
	uint32_t count, i, steps = 0;
	bool writable_seen = false;

	if (!(sw->driver_features & VIO_BIT(VIO_F_INDIRECT_DESC)) || idx != head ||
	    (flags & VIO_DESC_F_NEXT)) {
		swdev_violation(sw, SWDEV_V_DESC, "queue %u: desc %u INDIRECT (%s)", qidx, idx,
				!(sw->driver_features & VIO_BIT(VIO_F_INDIRECT_DESC)) ?
					"not negotiated" :
				idx != head ? "not the chain head" :
					      "with NEXT");
		return -EPROTO;
	}
	count = len / sizeof(struct vio_desc);
	if (len == 0 || len % sizeof(struct vio_desc) != 0 || count > q->cfg.size ||
	    (addr & 15) != 0 || !swdev_dma_ok(sw, addr, len)) {
		swdev_violation(sw, SWDEV_V_DESC,
				"queue %u: indirect table 0x%llx len %u (queue size %u)", qidx,
				(unsigned long long)addr, len, q->cfg.size);
		return -EPROTO;
	}
	table = (const struct vio_desc *)(uintptr_t)addr;
	c->nseg = 0;
	for (i = 0;;) {
		uint64_t a = table[i].addr;
		uint32_t l = table[i].len;
		uint16_t f = table[i].flags;
		uint16_t next = table[i].next;

		if (++steps > count || (f & VIO_DESC_F_INDIRECT) || l == 0 ||
		    !swdev_dma_ok(sw, a, l)) {
			swdev_violation(sw, SWDEV_V_DESC,
					"queue %u: indirect entry %u of chain %u: %s", qidx, i,
					head,
					steps > count             ? "loop" :
					(f & VIO_DESC_F_INDIRECT) ? "nested INDIRECT" :
								    "bad address or length");
			return -EPROTO;
		}
		if (f & VIO_DESC_F_WRITE) {
			writable_seen = true;
		} else if (writable_seen) {
			swdev_violation(
				sw, SWDEV_V_ORDER,
				"queue %u: chain %u readable indirect entry %u after writable",
				qidx, head, i);
			return -EPROTO;
		}
		add_seg(c, &q->segs[c->nseg++], a, l, (f & VIO_DESC_F_WRITE) != 0, head);
		if (!(f & VIO_DESC_F_NEXT))
			break;
		if (next >= count) {
			swdev_violation(sw, SWDEV_V_CHAIN,
					"queue %u: indirect entry %u next %u >= %u", qidx, i, next,
					count);
			return -EPROTO;
		}
		i = next;
	}
	q->chain_len[head] = 1;
	q->chain_in[head] = c->in_len;
	c->indirect = true;
	return 0;
}

/* Walk one chain from @p head into q->segs, validating every descriptor. */
static int
walk_chain(struct swdev *sw, uint16_t qidx, uint16_t head, struct swdev_chain *c)
{
	struct swdev_queue *q = &sw->q[qidx];
	uint16_t size = q->cfg.size;
	uint16_t idx = head, n = 0;
	bool writable_seen = false;

	memset(c, 0, sizeof(*c));
	c->head = head;
	c->seg = q->segs;
	for (;;) {
		/* Read each field once: the driver could change it under us. */
		uint64_t addr = q->desc[idx].addr;
		uint32_t len = q->desc[idx].len;
		uint16_t flags = q->desc[idx].flags;
		uint16_t next = q->desc[idx].next;
		struct swdev_seg *s;

		if (q->owner[idx] != SWDEV_FREE) {
			swdev_violation(sw, SWDEV_V_CHAIN, "queue %u: chain %u uses desc %u, %s %u",
					qidx, head, idx,
					q->owner[idx] == head ? "a loop in chain" :
								"in flight in chain",
					q->owner[idx]);
			return proto_error(q, n);
		}
		if (flags & VIO_DESC_F_INDIRECT) {
			q->owner[idx] = head;
			q->segs[n++].desc = idx;
			if (walk_indirect(sw, qidx, head, idx, c) != 0)
				return proto_error(q, n);
			break;
		}
		if (len == 0 || !swdev_dma_ok(sw, addr, len)) {
			swdev_violation(sw, SWDEV_V_DESC, "queue %u: desc %u addr 0x%llx len %u",
					qidx, idx, (unsigned long long)addr, len);
			return proto_error(q, n);
		}
		if (flags & VIO_DESC_F_WRITE) {
			writable_seen = true;
		} else if (writable_seen) {
			/* Section 2.7.4.2: readable descriptors come first. */
			swdev_violation(sw, SWDEV_V_ORDER,
					"queue %u: chain %u readable desc %u after writable", qidx,
					head, idx);
			return proto_error(q, n);
		}
		q->owner[idx] = head;
		s = &q->segs[n++];
		s->va = (void *)(uintptr_t)addr;
		s->iova = addr;
		s->len = len;
		s->writable = (flags & VIO_DESC_F_WRITE) != 0;
		s->desc = idx;
		if (s->writable) {
			c->n_in++;
			c->in_len += len;
		} else {
			c->n_out++;
			c->out_len += len;
		}
		if (!(flags & VIO_DESC_F_NEXT))
			break;
		if (next >= size) {
			swdev_violation(sw, SWDEV_V_CHAIN, "queue %u: desc %u next %u >= size %u",
					qidx, idx, next, size);
			return proto_error(q, n);
		}
		q->dnext[idx] = next;
		idx = next;
	}
	if (c->indirect)
		return 0; /* walk_indirect() filled the chain. */
	c->nseg = n;
	q->chain_len[head] = n;
	q->chain_in[head] = c->in_len;
	return 0;
}

/*
 * The avail idx the device acts on. In notify-only mode a queue that does
 * not suppress notifications sees what its last notification covered; a
 * doorbell write (a store the model cannot count) counts as one when seen.
 * Acquire: pairs with the driver's release store of avail->idx (directly or
 * through op_notify's release of notified_avail).
 */
static uint16_t
visible_avail(struct swdev *sw, struct swdev_queue *q)
{
	if (!sw->notify_only || q->no_notify)
		return __atomic_load_n(&q->avail->idx, __ATOMIC_ACQUIRE);
	swdev_take_doorbell(sw, q);
	return __atomic_load_n(&q->notified_avail, __ATOMIC_ACQUIRE);
}

uint16_t
swdev_avail_pending(struct swdev *sw, uint16_t qidx)
{
	struct swdev_queue *q;

	if (qidx >= sw->num_queues)
		return 0;
	q = &sw->q[qidx];
	if (!q->enabled)
		return 0;
	if (q->packed)
		return swdev_packed_avail_pending(sw, q);
	return (uint16_t)(visible_avail(sw, q) - q->last_avail);
}

int
swdev_pop(struct swdev *sw, uint16_t qidx, struct swdev_chain *chain)
{
	struct swdev_queue *q;
	uint16_t avail_idx, pending, head;
	int rc;

	if (qidx >= sw->num_queues)
		return -ENODEV;
	q = &sw->q[qidx];
	/* A device that needs a reset processes nothing (swdev_set_needs_reset). */
	if (!q->enabled ||
	    (swdev_status(sw) & (VIO_STATUS_DRIVER_OK | VIO_STATUS_DEVICE_NEEDS_RESET)) !=
		    VIO_STATUS_DRIVER_OK)
		return -ENODEV;
	if (q->error)
		return -EPROTO;
	if (q->packed)
		return swdev_packed_pop(sw, qidx, chain);
	/* Section 2.7.7.1: with EVENT_IDX the driver MUST set flags to 0. */
	if (swdev_event_idx(sw) && __atomic_load_n(&q->avail->flags, __ATOMIC_RELAXED) != 0 &&
	    !q->flags_reported) {
		q->flags_reported = true;
		swdev_violation(sw, SWDEV_V_NOTIFY, "queue %u: avail flags 0x%x with EVENT_IDX",
				qidx, q->avail->flags);
	}
	avail_idx = visible_avail(sw, q);
	pending = (uint16_t)(avail_idx - q->last_avail);
	if (pending == 0)
		return -EAGAIN;
	/* Every chain has a descriptor: at most size chains can be out. */
	if (pending + q->inflight > q->cfg.size) {
		swdev_violation(sw, SWDEV_V_AVAIL_IDX,
				"queue %u: avail idx %u, last %u, %u in flight, size %u", qidx,
				avail_idx, q->last_avail, q->inflight, q->cfg.size);
		q->error = true;
		return -EPROTO;
	}
	head = q->avail->ring[q->last_avail & (q->cfg.size - 1)];
	if (head >= q->cfg.size || q->owner[head] != SWDEV_FREE) {
		swdev_violation(sw, SWDEV_V_HEAD, "queue %u: avail[%u] = head %u (%s)", qidx,
				q->last_avail, head,
				head >= q->cfg.size ? "out of range" : "in flight");
		q->error = true;
		return -EPROTO;
	}
	rc = walk_chain(sw, qidx, head, chain);
	if (rc != 0)
		return rc;
	q->last_avail++;
	q->inflight++;
	q->popped++;
	return 0;
}

/* Give a popped chain back to the avail ring (handler deferred it). */
static void
unpop(struct swdev_queue *q, const struct swdev_chain *c)
{
	if (q->packed) {
		swdev_packed_unpop(q, c);
		return;
	}
	release_segs(q, c->nseg);
	q->last_avail--;
	q->inflight--;
	q->popped--;
}

/*
 * A descriptor in no chain the device holds. Searched from the top: a
 * driver hands out low indexes first, so the top one is most likely free
 * on the driver's side too (not merely completed and not yet harvested).
 */
static uint16_t
find_free_desc(const struct swdev_queue *q)
{
	uint16_t i;

	for (i = q->cfg.size; i > 0; i--)
		if (q->owner[i - 1] == SWDEV_FREE)
			return i - 1;
	return q->cfg.size; /* None free: out of range is bogus too. */
}

static void
write_used(struct swdev_queue *q, uint32_t id, uint32_t len)
{
	struct vio_used_elem *e = &q->used->ring[q->used_idx & (q->cfg.size - 1)];

	e->id = id;
	e->len = len;
	q->used_idx++;
	q->completed++;
}

void
swdev_push(struct swdev *sw, uint16_t qidx, uint16_t head, uint32_t len)
{
	struct swdev_queue *q = &sw->q[qidx];
	uint32_t id = head;
	bool dup = false;
	uint16_t i, d;

	if (q->packed) {
		swdev_packed_push(sw, qidx, head, len);
		return;
	}
	if (head >= q->cfg.size || q->owner[head] != head) {
		swdev_violation(sw, SWDEV_V_HEAD, "model bug: push of head %u not in flight", head);
		return;
	}
	switch (q->fault) {
	case SWDEV_FAULT_USED_ID:
		id = q->fault_value;
		break;
	case SWDEV_FAULT_USED_ID_MEMBER:
		id = q->chain_len[head] >= 2 ? q->dnext[head] : q->cfg.size;
		break;
	case SWDEV_FAULT_USED_LEN:
	case SWDEV_FAULT_USED_LEN_RESERVED: /* no flags in a split used element */
		len = q->fault_value;
		break;
	case SWDEV_FAULT_USED_LEN_OVER:
		len = q->chain_in[head] + q->fault_value;
		break;
	case SWDEV_FAULT_DUP:
		dup = true;
		break;
	default:
		break;
	}
	/* Release the chain in the device's books before picking a free id. */
	for (i = 0, d = head; i < q->chain_len[head]; i++, d = q->dnext[d])
		q->owner[d] = SWDEV_FREE;
	q->inflight--;
	if (q->fault == SWDEV_FAULT_USED_ID_FREE) {
		q->owner[head] = head; /* The true head is not "free" for the lie. */
		id = find_free_desc(q);
		q->owner[head] = SWDEV_FREE;
	}
	if (q->fault != SWDEV_FAULT_IDX_JUMP)
		q->fault = SWDEV_FAULT_NONE;
	write_used(q, id, len);
	if (dup)
		write_used(q, id, len);
}

/*
 * Device side of sections 2.7.7 / 2.7.10: after publishing used entries
 * old .. new - 1, does the driver want a notification? The used idx store
 * must be visible before the suppression read (full barrier), or a driver
 * that enables interrupts and re-checks used->idx could miss both.
 */
static bool
swdev_wants_interrupt(struct swdev *sw, struct swdev_queue *q, uint16_t old, uint16_t new)
{
	uint16_t event;

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!swdev_event_idx(sw))
		return (__atomic_load_n(&q->avail->flags, __ATOMIC_RELAXED) &
			VIO_AVAIL_F_NO_INTERRUPT) == 0;
	event = __atomic_load_n((const uint16_t *)&q->avail->ring[q->cfg.size], __ATOMIC_RELAXED);
	return (uint16_t)(new - event - 1) < (uint16_t)(new - old);
}

void
swdev_interrupt(struct swdev_queue *q)
{
	uint64_t one = 1;

	__atomic_fetch_add(&q->interrupts, 1, __ATOMIC_RELAXED);
	if (q->intr_fd >= 0 && write(q->intr_fd, &one, sizeof(one)) != sizeof(one))
		return; /* counter saturated: the fd is readable anyway */
}

void
swdev_push_batch(struct swdev *sw, uint16_t qidx, const uint16_t *heads, uint16_t n,
		 uint32_t last_len)
{
	struct swdev_queue *q = &sw->q[qidx];
	uint16_t i, k, d;

	if (q->packed) {
		swdev_packed_push_batch(sw, qidx, heads, n, last_len);
		return;
	}
	if (n == 0)
		return;
	for (k = 0; k < n; k++) {
		if (heads[k] >= q->cfg.size || q->owner[heads[k]] != heads[k]) {
			swdev_violation(sw, SWDEV_V_HEAD, "model bug: batch head %u not in flight",
					heads[k]);
			return;
		}
		for (i = 0, d = heads[k]; i < q->chain_len[heads[k]]; i++, d = q->dnext[d])
			q->owner[d] = SWDEV_FREE;
		q->inflight--;
	}
	/* One entry names the batch's last chain; the idx moves by the batch. */
	write_used(q, heads[n - 1], last_len);
	q->used_idx = (uint16_t)(q->used_idx + n - 1);
	q->completed += n - 1u;
	__atomic_fetch_add(&q->batched, n - 1u, __ATOMIC_RELAXED);
}

void
swdev_publish(struct swdev *sw, uint16_t qidx)
{
	struct swdev_queue *q = &sw->q[qidx];
	uint16_t old;

	if (q->packed)
		return; /* Each used descriptor was visible once written. */
	if (q->fault == SWDEV_FAULT_IDX_JUMP) {
		q->used_idx += (uint16_t)q->fault_value;
		q->fault = SWDEV_FAULT_NONE;
	}
	old = __atomic_load_n(&q->used->idx, __ATOMIC_RELAXED);
	/* Release: used entries are visible before the idx that exposes them. */
	__atomic_store_n(&q->used->idx, q->used_idx, __ATOMIC_RELEASE);
	if (old != q->used_idx && swdev_wants_interrupt(sw, q, old, q->used_idx))
		swdev_interrupt(q);
}

static uint64_t
rng_next(struct swdev *sw)
{
	/* xorshift64*: deterministic per seed. */
	sw->rng ^= sw->rng >> 12;
	sw->rng ^= sw->rng << 25;
	sw->rng ^= sw->rng >> 27;
	return sw->rng * 0x2545f4914f6cdd1dULL;
}

struct completion {
	uint16_t head;
	uint32_t len;
};

static void
order_batch(struct swdev *sw, enum swdev_order order, struct completion *b, unsigned int n)
{
	struct completion t;
	unsigned int i, j;

	if (order == SWDEV_ORDER_REVERSE) {
		for (i = 0; i < n / 2; i++) {
			t = b[i];
			b[i] = b[n - 1 - i];
			b[n - 1 - i] = t;
		}
	} else if (order == SWDEV_ORDER_SHUFFLE) {
		for (i = n; i > 1; i--) {
			j = rng_next(sw) % i;
			t = b[i - 1];
			b[i - 1] = b[j];
			b[j] = t;
		}
	}
}

/*
 * Packed rings with VIRTIO_F_IN_ORDER: complete what swdev_process() popped
 * the way DPDK's vhost library does, with one used descriptor per batch
 * (section 2.8.20), unless the queue reorders completions or a fault is
 * armed (faults apply to single completions).
 */
static bool
batches_in_order(const struct swdev *sw, const struct swdev_queue *q)
{
	return q->packed && (sw->driver_features & VIO_BIT(VIO_F_IN_ORDER)) &&
	       q->order == SWDEV_ORDER_IN && q->fault == SWDEV_FAULT_NONE;
}

/*
 * A batch's inner chains count as used whole (section 2.8.20), so a chain
 * the handler did not fill (rx shorter than its buffer) ends a batch: it
 * is the one whose len the used descriptor carries.
 */
static void
push_in_order(struct swdev *sw, uint16_t qidx, const struct completion *b, unsigned int n)
{
	const struct swdev_queue *q = &sw->q[qidx];
	uint16_t ids[SWDEV_BATCH_MAX], k = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		ids[k++] = b[i].head;
		if (i + 1 == n || b[i].len != q->chain_in[b[i].head]) {
			swdev_push_batch(sw, qidx, ids, k, b[i].len);
			k = 0;
		}
	}
}

static int
process_locked(struct swdev *sw, uint16_t qidx, unsigned int budget)
{
	struct completion batch[SWDEV_BATCH_MAX];
	struct swdev_queue *q;
	struct swdev_chain c;
	unsigned int n = 0, i;
	int rc = 0;
	int64_t r;

	if (qidx >= sw->num_queues)
		return -ENODEV;
	q = &sw->q[qidx];
	budget = RTE_MIN(budget, (unsigned int)SWDEV_BATCH_MAX);
	while (n < budget) {
		rc = swdev_pop(sw, qidx, &c);
		if (rc != 0)
			break;
		r = q->handler(sw, qidx, &c, q->handler_arg);
		if (r == SWDEV_DEFER) {
			unpop(q, &c);
			break;
		}
		batch[n].head = c.head;
		batch[n].len = r < 0 ? 0 : (uint32_t)r;
		n++;
	}
	if (n == 0)
		return rc == -EAGAIN ? 0 : rc;
	order_batch(sw, q->order, batch, n);
	if (batches_in_order(sw, q))
		push_in_order(sw, qidx, batch, n);
	else
		for (i = 0; i < n; i++)
			swdev_push(sw, qidx, batch[i].head, batch[i].len);
	swdev_publish(sw, qidx);
	return rc == -EPROTO ? rc : (int)n;
}

int
swdev_process(struct swdev *sw, uint16_t qidx, unsigned int budget)
{
	int rc;

	pthread_mutex_lock(&sw->lock);
	rc = process_locked(sw, qidx, budget);
	pthread_mutex_unlock(&sw->lock);
	return rc;
}

static void *
device_thread(void *arg)
{
	struct swdev *sw = arg;
	unsigned int idle = 0;
	uint16_t i;
	int did;

	while (!__atomic_load_n(&sw->thread_stop, __ATOMIC_ACQUIRE)) {
		did = 0;
		for (i = 0; i < sw->num_queues; i++) {
			if (!__atomic_load_n(&sw->q[i].enabled, __ATOMIC_ACQUIRE))
				continue;
			if (swdev_process(sw, i, 64) > 0)
				did = 1;
		}
		__atomic_fetch_add(&sw->thread_loops, 1, __ATOMIC_RELAXED);
		if (did) {
			idle = 0;
		} else if (++idle < 256) {
			rte_pause();
		} else {
			/* Cores are shared: do not starve the driver thread. */
			sched_yield();
		}
	}
	return NULL;
}

int
swdev_thread_start(struct swdev *sw, int cpu)
{
	pthread_attr_t attr;
	cpu_set_t set;
	long ncpu, i;
	int rc;

	if (sw->thread_running)
		return -EBUSY;
	CPU_ZERO(&set);
	if (cpu >= 0) {
		CPU_SET(cpu, &set);
	} else {
		/* Not the inherited mask: EAL pins the main thread to one lcore. */
		ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		for (i = 0; i < ncpu && i < CPU_SETSIZE; i++)
			CPU_SET(i, &set);
	}
	pthread_attr_init(&attr);
	pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	__atomic_store_n(&sw->thread_stop, false, __ATOMIC_RELEASE);
	rc = pthread_create(&sw->thread, &attr, device_thread, sw);
	pthread_attr_destroy(&attr);
	if (rc != 0)
		return -rc;
	sw->thread_running = true;
	return 0;
}

void
swdev_thread_stop(struct swdev *sw)
{
	if (!sw->thread_running)
		return;
	__atomic_store_n(&sw->thread_stop, true, __ATOMIC_RELEASE);
	pthread_join(sw->thread, NULL);
	sw->thread_running = false;
}
