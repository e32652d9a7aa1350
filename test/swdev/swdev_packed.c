/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * swdev: the device side of a packed virtqueue (virtio 1.2 section 2.8).
 *
 * Pops chains in ring order (available: AVAIL == the driver's wrap counter
 * != USED), validating every descriptor the driver wrote, and writes one
 * used descriptor per completed chain at the next used position, skipping
 * as many positions as the chain had descriptors. Per buffer id it keeps
 * what it popped (owner, descriptor count, writable bytes) so a driver
 * that reuses an id in flight is caught. The device event suppression
 * structure says when it wants kicks: DISABLE while polling (no_notify),
 * else ENABLE, or with EVENT_IDX DESC at the first position no
 * notification has covered yet.
 *
 * With VIRTIO_F_IN_ORDER (section 2.8.20) a batch of chains may be
 * completed with one used descriptor (swdev_packed_push_batch()): written
 * at the batch's first position with the id of its last chain, after which
 * the used position skips the descriptors of the whole batch, as DPDK's
 * vhost library does for in-order packed rings.
 */
#include <errno.h>
#include <string.h>

#include "swdev.h"
#include "swdev_internal.h"
#include "swdev_packed.h"

#define F_AVAIL VIO_PACKED_DESC_F_AVAIL
#define F_USED VIO_PACKED_DESC_F_USED

static bool
is_avail(uint16_t flags, bool wrap)
{
	return ((flags & F_AVAIL) != 0) == wrap && ((flags & F_USED) != 0) != wrap;
}

static void
step(const struct swdev_queue *q, uint16_t *pos, bool *wrap, uint16_t n)
{
	*pos = (uint16_t)(*pos + n);
	if (*pos >= q->cfg.size) {
		*pos = (uint16_t)(*pos - q->cfg.size);
		*wrap = !*wrap;
	}
}

/* A ring position and its wrap counter as one word (wrap in bit 15). */
static uint16_t
pos_word(uint16_t pos, bool wrap)
{
	return (uint16_t)(pos | (wrap ? 0x8000 : 0));
}

static void
word_pos(uint16_t word, uint16_t *pos, bool *wrap)
{
	*pos = word & 0x7fff;
	*wrap = (word & 0x8000) != 0;
}

/* Release: the notifier scans from here only after the pops before it. */
static void
share_avail(struct swdev_queue *q)
{
	__atomic_store_n(&q->p_avail_word, pos_word(q->p_avail, q->p_avail_wrap), __ATOMIC_RELEASE);
}

static bool
ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

int
swdev_packed_setup(struct swdev *sw, uint16_t index, const struct vio_queue_cfg *cfg)
{
	struct swdev_queue *q = &sw->q[index];
	uint64_t dlen = 16ULL * cfg->size;

	/* Section 2.8.10.1 / 2.8.13: ring 16-aligned, event structures 4-aligned. */
	if ((cfg->desc_iova & 15) || (cfg->avail_iova & 3) || (cfg->used_iova & 3) ||
	    !swdev_dma_ok(sw, cfg->desc_iova, dlen) || !swdev_dma_ok(sw, cfg->avail_iova, 4) ||
	    !swdev_dma_ok(sw, cfg->used_iova, 4) ||
	    ranges_overlap(cfg->desc_iova, dlen, cfg->avail_iova, 4) ||
	    ranges_overlap(cfg->desc_iova, dlen, cfg->used_iova, 4) ||
	    ranges_overlap(cfg->avail_iova, 4, cfg->used_iova, 4)) {
		swdev_violation(sw, SWDEV_V_QUEUE_SETUP,
				"queue %u: packed areas desc 0x%llx driver 0x%llx device 0x%llx",
				index, (unsigned long long)cfg->desc_iova,
				(unsigned long long)cfg->avail_iova,
				(unsigned long long)cfg->used_iova);
		return -EINVAL;
	}
	q->packed = true;
	q->pdesc = (struct vio_packed_desc *)(uintptr_t)cfg->desc_iova;
	q->driver_event = (struct vio_packed_event *)(uintptr_t)cfg->avail_iova;
	q->device_event = (struct vio_packed_event *)(uintptr_t)cfg->used_iova;
	/* Section 2.8.1: both wrap counters start at 1. */
	q->p_avail = 0;
	q->p_avail_wrap = true;
	q->p_used = 0;
	q->p_used_wrap = true;
	share_avail(q);
	__atomic_store_n(&q->p_notified, pos_word(0, true), __ATOMIC_RELAXED);
	swdev_packed_set_device_event(sw, q);
	return 0;
}

void
swdev_packed_set_device_event(struct swdev *sw, struct swdev_queue *q)
{
	uint16_t flags = VIO_PACKED_EVENT_F_ENABLE;

	if (q->no_notify) {
		flags = VIO_PACKED_EVENT_F_DISABLE;
	} else if (swdev_event_idx(sw)) {
		/* p_notified is already in the off_wrap form (section 2.8.10). */
		uint16_t off_wrap = __atomic_load_n(&q->p_notified, __ATOMIC_ACQUIRE);

		__atomic_store_n(&q->device_event->off_wrap, off_wrap, __ATOMIC_RELAXED);
		flags = VIO_PACKED_EVENT_F_DESC;
	}
	/* Release: off_wrap before the flags that make the driver read it. */
	__atomic_store_n(&q->device_event->flags, flags, __ATOMIC_RELEASE);
}

/* The first position at or after @p pos/@p wrap whose descriptor is not available. */
static void
scan_avail(const struct swdev_queue *q, uint16_t *pos, bool *wrap)
{
	uint32_t n;

	for (n = 0; n < q->cfg.size; n++) {
		if (!is_avail(__atomic_load_n(&q->pdesc[*pos].flags, __ATOMIC_ACQUIRE), *wrap))
			return;
		step(q, pos, wrap, 1);
	}
}

/*
 * A notification covers every chain the driver made available before it.
 * May run on the driver's thread while the device thread pops: it scans
 * from the device's position as last shared, and publishes its result as
 * one word.
 */
void
swdev_packed_note_notified(struct swdev *sw, struct swdev_queue *q)
{
	uint16_t pos;
	bool wrap;

	word_pos(__atomic_load_n(&q->p_avail_word, __ATOMIC_ACQUIRE), &pos, &wrap);
	scan_avail(q, &pos, &wrap);
	__atomic_store_n(&q->p_notified, pos_word(pos, wrap), __ATOMIC_RELEASE);
	if (swdev_event_idx(sw) && !q->no_notify)
		swdev_packed_set_device_event(sw, q);
}

/*
 * Notify-only mode: where the device's view of the ring ends (@p end, in
 * pos_word() form, read once). @return false when it sees the whole ring.
 */
static bool
visible_end(struct swdev *sw, struct swdev_queue *q, uint16_t *end)
{
	if (!sw->notify_only || q->no_notify)
		return false;
	swdev_take_doorbell(sw, q);
	*end = __atomic_load_n(&q->p_notified, __ATOMIC_ACQUIRE);
	return true;
}

/* True when the descriptor at p_avail may be acted on. */
static bool
visible(struct swdev *sw, struct swdev_queue *q)
{
	uint16_t end;

	return !visible_end(sw, q, &end) || end != pos_word(q->p_avail, q->p_avail_wrap);
}

uint16_t
swdev_packed_avail_pending(struct swdev *sw, struct swdev_queue *q)
{
	uint16_t pos = q->p_avail, n = 0, end = 0;
	bool wrap = q->p_avail_wrap, bounded = visible_end(sw, q, &end);
	uint32_t steps;

	for (steps = 0; steps < q->cfg.size; steps++) {
		uint16_t flags = __atomic_load_n(&q->pdesc[pos].flags, __ATOMIC_ACQUIRE);

		if ((bounded && pos_word(pos, wrap) == end) || !is_avail(flags, wrap))
			break;
		if (!(flags & VIO_DESC_F_NEXT))
			n++;
		step(q, &pos, &wrap, 1);
	}
	return n;
}

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

static int
check_seg(struct swdev *sw, uint16_t qidx, struct swdev_chain *c, uint64_t addr, uint32_t len,
	  uint16_t flags, const char *where, uint32_t at)
{
	if (len == 0 || !swdev_dma_ok(sw, addr, len)) {
		swdev_violation(sw, SWDEV_V_DESC, "queue %u: %s %u addr 0x%llx len %u", qidx, where,
				at, (unsigned long long)addr, len);
		return -EPROTO;
	}
	if (!(flags & VIO_DESC_F_WRITE) && c->n_in > 0) {
		swdev_violation(sw, SWDEV_V_ORDER, "queue %u: readable %s %u after writable", qidx,
				where, at);
		return -EPROTO;
	}
	return 0;
}

/* Section 2.8.7: the indirect table at ring position @p pos. */
static int
walk_indirect(struct swdev *sw, uint16_t qidx, uint16_t pos, uint64_t addr, uint32_t len,
	      uint16_t flags, struct swdev_chain *c)
{
	struct swdev_queue *q = &sw->q[qidx];
	const struct vio_packed_desc *table;
	uint32_t count = len / sizeof(*table), i;

	if (!(sw->driver_features & VIO_BIT(VIO_F_INDIRECT_DESC)) || (flags & VIO_DESC_F_NEXT) ||
	    c->nseg != 0) {
		swdev_violation(sw, SWDEV_V_DESC, "queue %u: desc %u INDIRECT (%s)", qidx, pos,
				!(sw->driver_features & VIO_BIT(VIO_F_INDIRECT_DESC)) ?
					"not negotiated" :
					"in a chain");
		return -EPROTO;
	}
	if (len == 0 || len % sizeof(*table) != 0 || count > q->cfg.size || (addr & 15) != 0 ||
	    !swdev_dma_ok(sw, addr, len)) {
		swdev_violation(sw, SWDEV_V_DESC, "queue %u: indirect table 0x%llx len %u", qidx,
				(unsigned long long)addr, len);
		return -EPROTO;
	}
	table = (const struct vio_packed_desc *)(uintptr_t)addr;
	for (i = 0; i < count; i++) {
		uint64_t a = table[i].addr;
		uint32_t l = table[i].len;
		uint16_t f = table[i].flags;

		if (f & VIO_DESC_F_INDIRECT) {
			swdev_violation(sw, SWDEV_V_DESC, "queue %u: nested INDIRECT", qidx);
			return -EPROTO;
		}
		if (check_seg(sw, qidx, c, a, l, f, "indirect entry", i) != 0)
			return -EPROTO;
		add_seg(c, &q->segs[c->nseg++], a, l, (f & VIO_DESC_F_WRITE) != 0, pos);
	}
	c->indirect = true;
	return 0;
}

int
swdev_packed_pop(struct swdev *sw, uint16_t qidx, struct swdev_chain *c)
{
	struct swdev_queue *q = &sw->q[qidx];
	uint16_t pos = q->p_avail, ndesc = 0, id = 0, flags;
	bool wrap = q->p_avail_wrap;

	if (!visible(sw, q) ||
	    !is_avail(__atomic_load_n(&q->pdesc[pos].flags, __ATOMIC_ACQUIRE), wrap))
		return -EAGAIN;
	memset(c, 0, sizeof(*c));
	c->seg = q->segs;
	for (;;) {
		uint64_t addr;
		uint32_t len;

		/* Read each field once; the acquire orders them after the flags. */
		flags = __atomic_load_n(&q->pdesc[pos].flags, __ATOMIC_ACQUIRE);
		addr = q->pdesc[pos].addr;
		len = q->pdesc[pos].len;
		id = q->pdesc[pos].id;
		if (!is_avail(flags, wrap) || ndesc >= q->cfg.size) {
			swdev_violation(sw, SWDEV_V_CHAIN,
					"queue %u: chain at %u: descriptor %u %s", qidx, q->p_avail,
					pos,
					ndesc >= q->cfg.size ? "makes it longer than the ring" :
							       "is not available (partial chain)");
			q->error = true;
			return -EPROTO;
		}
		ndesc++;
		if (flags & VIO_DESC_F_INDIRECT) {
			if (walk_indirect(sw, qidx, pos, addr, len, flags, c) != 0) {
				q->error = true;
				return -EPROTO;
			}
		} else {
			if (check_seg(sw, qidx, c, addr, len, flags, "desc", pos) != 0) {
				q->error = true;
				return -EPROTO;
			}
			add_seg(c, &q->segs[c->nseg++], addr, len, (flags & VIO_DESC_F_WRITE) != 0,
				pos);
		}
		step(q, &pos, &wrap, 1);
		if (!(flags & VIO_DESC_F_NEXT))
			break;
	}
	/* Section 2.8.6: the buffer id is the last descriptor's. */
	if (id >= q->cfg.size || q->owner[id] != SWDEV_FREE) {
		swdev_violation(sw, SWDEV_V_HEAD, "queue %u: buffer id %u (%s)", qidx, id,
				id >= q->cfg.size ? "out of range" : "in flight");
		q->error = true;
		return -EPROTO;
	}
	q->owner[id] = id;
	q->chain_len[id] = ndesc;
	q->chain_in[id] = c->in_len;
	c->head = id;
	q->p_avail = pos;
	q->p_avail_wrap = wrap;
	share_avail(q);
	q->inflight++;
	q->popped++;
	return 0;
}

void
swdev_packed_unpop(struct swdev_queue *q, const struct swdev_chain *c)
{
	uint16_t n = q->chain_len[c->head];

	q->owner[c->head] = SWDEV_FREE;
	if (q->p_avail >= n) {
		q->p_avail = (uint16_t)(q->p_avail - n);
	} else {
		q->p_avail = (uint16_t)(q->p_avail + q->cfg.size - n);
		q->p_avail_wrap = !q->p_avail_wrap;
	}
	share_avail(q);
	q->inflight--;
	q->popped--;
}

/* Write one used descriptor at p_used and skip the chain's @p ndesc positions. */
static void
write_used(struct swdev_queue *q, uint32_t id, uint32_t len, uint16_t ndesc, uint16_t flags)
{
	struct vio_packed_desc *d = &q->pdesc[q->p_used];

	d->id = (uint16_t)id;
	d->len = len;
	/* Release: id and len are visible before the flags that mark them used. */
	__atomic_store_n(&d->flags, flags, __ATOMIC_RELEASE);
	step(q, &q->p_used, &q->p_used_wrap, ndesc);
	q->completed++;
}

/*
 * Device side of section 2.8.10 after writing the used descriptor at
 * @p pos (lap @p wrap): does the driver's event suppression ask for a
 * notification? ENABLE: yes; DISABLE: no; DESC (EVENT_IDX): when the
 * descriptor it names is the one just written. The used descriptor store
 * must be visible before the suppression read (full barrier), or a driver
 * that enables interrupts and re-checks could miss both.
 */
static bool
wants_interrupt(struct swdev *sw, struct swdev_queue *q, uint16_t pos, bool wrap)
{
	uint16_t flags, off_wrap;

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	flags = __atomic_load_n(&q->driver_event->flags, __ATOMIC_RELAXED);
	if (flags == VIO_PACKED_EVENT_F_DISABLE)
		return false;
	if (flags != VIO_PACKED_EVENT_F_DESC || !swdev_event_idx(sw))
		return true;
	off_wrap = __atomic_load_n(&q->driver_event->off_wrap, __ATOMIC_RELAXED);
	return (off_wrap & 0x7fff) == pos && ((off_wrap & 0x8000) != 0) == wrap;
}

void
swdev_packed_push_batch(struct swdev *sw, uint16_t qidx, const uint16_t *ids, uint16_t n,
			uint32_t last_len)
{
	struct swdev_queue *q = &sw->q[qidx];
	uint16_t k, pos, skip = 0;
	bool wrap;

	if (n == 0)
		return;
	for (k = 0; k < n; k++) {
		if (ids[k] >= q->cfg.size || q->owner[ids[k]] != ids[k]) {
			swdev_violation(sw, SWDEV_V_HEAD, "model bug: batch id %u not in flight",
					ids[k]);
			return;
		}
	}
	for (k = 0; k < n; k++) {
		q->owner[ids[k]] = SWDEV_FREE;
		q->inflight--;
		skip = (uint16_t)(skip + q->chain_len[ids[k]]);
	}
	pos = q->p_used;
	wrap = q->p_used_wrap;
	if (q->fault == SWDEV_FAULT_USED_LEN_RESERVED) {
		last_len = q->fault_value;
		q->fault = SWDEV_FAULT_NONE;
	}
	/* One descriptor names the batch's last chain; the position skips the batch. */
	write_used(q, ids[n - 1], last_len, skip, q->p_used_wrap ? (F_AVAIL | F_USED) : 0);
	q->completed += n - 1u;
	__atomic_fetch_add(&q->batched, n - 1u, __ATOMIC_RELAXED);
	if (wants_interrupt(sw, q, pos, wrap))
		swdev_interrupt(q);
}

void
swdev_packed_push(struct swdev *sw, uint16_t qidx, uint16_t id, uint32_t len)
{
	struct swdev_queue *q = &sw->q[qidx];
	uint16_t ndesc, flags, pos;
	uint32_t uid = id;
	bool wrap;

	if (id >= q->cfg.size || q->owner[id] != id) {
		swdev_violation(sw, SWDEV_V_HEAD, "model bug: push of id %u not in flight", id);
		return;
	}
	ndesc = q->chain_len[id];
	q->owner[id] = SWDEV_FREE;
	q->inflight--;
	flags = q->p_used_wrap ? (F_AVAIL | F_USED) : 0;
	switch (q->fault) {
	case SWDEV_FAULT_USED_ID:
		uid = q->fault_value;
		break;
	case SWDEV_FAULT_USED_ID_FREE:
	case SWDEV_FAULT_USED_ID_MEMBER: {
		/* An id in no chain the device holds, searched from the top. */
		uint16_t i;

		q->owner[id] = id;
		for (i = q->cfg.size; i > 0 && q->owner[i - 1] != SWDEV_FREE; i--)
			;
		uid = i > 0 ? (uint32_t)(i - 1) : q->cfg.size;
		q->owner[id] = SWDEV_FREE;
		break;
	}
	case SWDEV_FAULT_USED_LEN:
		/* A device that writes a len says it wrote (section 2.8.3). */
		len = q->fault_value;
		if (len != 0)
			flags |= VIO_DESC_F_WRITE;
		break;
	case SWDEV_FAULT_USED_LEN_RESERVED:
		len = q->fault_value;
		break;
	case SWDEV_FAULT_USED_LEN_OVER:
		len = q->chain_in[id] + q->fault_value;
		break;
	case SWDEV_FAULT_IDX_JUMP:
		flags = q->fault_value == 0 ? (uint16_t)(flags ^ (F_AVAIL | F_USED)) :
					      (uint16_t)(flags ^ F_AVAIL);
		break;
	default:
		break;
	}
	pos = q->p_used;
	wrap = q->p_used_wrap;
	write_used(q, uid, len, ndesc, flags);
	if (q->fault == SWDEV_FAULT_DUP)
		write_used(q, uid, len, ndesc, q->p_used_wrap ? (F_AVAIL | F_USED) : 0);
	q->fault = SWDEV_FAULT_NONE;
	if (wants_interrupt(sw, q, pos, wrap))
		swdev_interrupt(q);
}
