/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_vq_harvest_packed: the packed virtqueue engine (vio_vq_packed.c)
 * against a device that writes whatever the input says into the ring.
 *
 * As fuzz_vq_harvest does for split: a real queue on a minimal transport
 * (doorbell or notify op, SMP or ORDER_PLATFORM barriers, EVENT_IDX or
 * not, any size 1..256, powers of two or not); the input is a program of
 * operations: add chains or single buffers, publish, kick, complete
 * (honest used descriptors for published chains in flight, or lies: any
 * id, len or AVAIL/USED bits, at any position), scribble over the ring,
 * set the device event suppression structure, harvest. A model predicts
 * every result and the target checks return codes, cookies, lengths, the
 * free count, the broken flag and every doorbell against it:
 *   - every cookie comes back exactly once (harvest or detach), never with
 *     a len above the chain's writable bytes (read-only chains: 0, counted
 *     by vio_vq_bad_len_count() only from a used descriptor with WRITE:
 *     without it the len is reserved, section 2.8.4);
 *   - an id not published and in flight, a len too big, or AVAIL/USED bits
 *     at the next used position that no lap explains break the queue
 *     (-EIO from then on) after the chains validated before;
 *   - chains are well formed in the ring (consecutive positions, NEXT,
 *     WRITE, the id, the lap's AVAIL/USED bits) once published;
 *   - a kick notifies iff the device's suppression structure asks for it;
 *   - the driver's event suppression structure holds what the model says
 *     after every operation (section 2.8.10): flags DISABLE and off_wrap 0
 *     from creation; vio_vq_enable_intr() writes ENABLE, or with EVENT_IDX
 *     off_wrap = last_used with the used wrap counter in bit 15 (the next
 *     used descriptor notifies, section 2.8.14) and then DESC;
 *     vio_vq_disable_intr() writes DISABLE and leaves off_wrap; enable
 *     returns true iff a harvest would look at something now: a batch in
 *     progress, a used descriptor at last_used, or (chains published and
 *     not harvested) bits there that are neither used nor available in
 *     this lap, a lie harvest reports; the engine reads the ring, not the
 *     broken flag.
 *
 * A mode byte after the config byte negotiates VIRTIO_F_IN_ORDER (bit 0).
 * Then an honest device completes the oldest published chains first, a
 * batch of 1..4 of them with ONE used descriptor at the batch's first
 * position carrying the id of its last chain (section 2.8.20), and the
 * model hands the batch out oldest first, the inner chains with their whole
 * writable length; a used id that names no published in-flight chain at or
 * after the oldest breaks the queue. In-order invariants, checked after
 * every operation: the next buffer id is the next ring position; chains in
 * flight run contiguously from last_used in add order, each chain's id its
 * first position; only those ids hold a cookie; the free count is the ring
 * distance from next_avail back to last_used; the engine's consumer state
 * (last_used, wrap bits, chains of a batch left) is the model's, and each
 * slot holds its chain's cookie, writable bytes, descriptor count and add
 * sequence number.
 *
 * Mode bit 2 (as fuzz_vq_harvest's): a harvest picks vio_vq_harvest(),
 * vio_vq_harvest_by() with the per-chain callback, or with the
 * four-at-a-time one too (never called on packed rings today; accepted if
 * it is). In order that is the fast path vio_vq_packed_harvest_in_order_by()
 * until the first used descriptor that is not a plain completion of the
 * oldest one-descriptor chain, then the general path: the model is the one
 * of vio_vq_harvest(), so both must return the same chains and lens and
 * break the queue at the same point. The callbacks must see each chain
 * once, in order, with the cookies and lens returned. Mode bit 3: longer
 * bursts (1..64, also through vio_vq_add_bufs_by()) that wrap the ring
 * many times, runs of up to 256 completions of one chain each (the way
 * DPDK's vhost completes receive buffers), and targeted lies at the
 * device's position: the chain there completed by its own id (an
 * unpublished one in order: id == its position), a len one past its
 * writable bytes, stale (the previous lap's) or inconsistent flags.
 *
 * Input: config byte (bit 7 doorbell, 6 ORDER_PLATFORM, 5 EVENT_IDX, 4
 * small: size 1 + bits 0-3), mode byte (bit 0 IN_ORDER; bit 1: add-buffer
 * operations add bursts of 1..8 through vio_vq_add_bufs(), one more byte:
 * bits 0-2 count - 1, bit 7 a len byte per buffer; with bit 3 that byte
 * reads bits 0-5 count - 1, bit 6 through vio_vq_add_bufs_by() instead
 * (writable, address from the cookie), bit 7 a len byte per buffer (not
 * with bit 6); bit 2 harvest operations read one more byte, % 3: plain,
 * by, by with the four-at-a-time callback (by: up to 255 chains, lens
 * always); bit 3 as above; bit 4 an operation byte 7 mod 8 with bit 7 set
 * is the interrupt operation instead of the device event one, no more
 * bytes: bit 6 vio_vq_enable_intr(), else vio_vq_disable_intr() (as the
 * split target's mode bit 4)), [size byte: size 1 + byte, when not small],
 * then operations (test/fuzz/gen_corpus.py). Mode bits 2, 3 and 4 clear:
 * an input means what it meant before they existed.
 */
#include <errno.h>
#include <string.h>

#include <rte_memory.h>

#include "fuzz_common.h"
#include "fuzz_vq_dev.h"
#include "vio_dev.h"
#include "vio_vq.h"
#include "vio_vq_packed.h"

#define MAX_OPS 256
#define MAX_SIZE 256
#define MAX_SEGS 8
#define MAX_BURST 64 /* buffers one add-buffer operation adds (mode bit 3) */
/* Room for bursts over several laps of the largest ring. */
#define MAX_CHAINS 1024
#define MAX_HARVEST FUZZ_VQ_MAX_HARVEST
#define WRAP_BITS (VIO_PACKED_DESC_F_AVAIL | VIO_PACKED_DESC_F_USED)

#define MODE_IN_ORDER 0x01
#define MODE_ADD_BUFS 0x02
#define MODE_HARVEST_BY 0x04
#define MODE_LONG 0x08 /* long bursts, runs of completions, targeted lies */
#define MODE_INTR 0x10 /* op 7 with bit 7: enable (bit 6) or disable interrupts */
#define OP_INTR 0x80
#define OP_INTR_ENABLE 0x40

#define IOVA_CHAIN 0x100000u /* + 0x10000 per descriptor */
#define IOVA_BUF 0x200000u
#define IOVA_BURST 0x300000u /* + 0x1000 per buffer of the burst */
#define IOVA_BY 0x400000u    /* + 0x1000 per chain index (vio_vq_add_bufs_by) */

/* ---- A transport that only hosts queues ---- */

/* ---- Model ---- */

struct chain {
	uint64_t iova; /* address of its first descriptor (+ 0x10000 per descriptor) */
	uint16_t id;
	uint16_t ndesc;
	uint16_t pos;    /* first ring position */
	uint16_t flags0; /* lap bits of its first descriptor */
	uint32_t in_len;
	uint16_t n_out;
	uint16_t seq; /* add sequence number */
	bool in_flight;
	bool device_done;
	bool checked;      /* ring contents verified after publish */
	unsigned int dirt; /* m->dirt when added */
};

struct model {
	struct fake_dev fd;
	struct vio_vq *vq;
	struct vio_packed_desc *ring;
	struct vio_packed_event *device_event;
	uint16_t size;
	bool event_idx;
	bool in_order;
	bool add_bufs;   /* single buffers go in bursts through vio_vq_add_bufs() */
	bool harvest_by; /* harvest operations may use vio_vq_harvest_by() */
	bool long_mode;  /* MODE_LONG */
	bool intr_ops;   /* MODE_INTR: op 7 with bit 7 is the interrupt operation */
	struct vio_packed_event drv_event; /* the driver's suppression structure, as it must be */
	struct chain chains[MAX_CHAINS];
	unsigned int nchains;
	int owner[MAX_SIZE]; /* chain holding this id, or -1 */
	uint16_t num_free;
	uint16_t next_avail, avail_flags; /* driver producer position and lap bits */
	uint16_t added, published, kicked, harvested;
	uint16_t last_used, used_flags; /* driver consumer position and lap bits */
	uint16_t batch_left;            /* in order: chains of a batch not handed out yet */
	uint32_t batch_len;             /* in order: the used len of that batch's last chain */
	uint16_t dev_pos;               /* where the device writes its next used descriptor */
	bool dev_wrap;
	uint64_t bad_len;
	bool broken;
	unsigned int dirt; /* device writes that may land anywhere (lies, scribbles) */
	bool lied; /* a lie or scribble desynced dev_pos: later used descriptors land anywhere */
};

static bool
seq_published(const struct model *m, uint16_t seq)
{
	return (uint16_t)(seq - m->published) >= (uint16_t)(m->added - m->published);
}

static struct chain *
cookie_chain(struct model *m, void *cookie)
{
	uintptr_t p = (uintptr_t)cookie, base = (uintptr_t)m->chains;

	FUZZ_CHECK(p >= base && p < base + sizeof(struct chain) * m->nchains &&
			   (p - base) % sizeof(struct chain) == 0,
		   "cookie %p is not one of ours", cookie);
	return cookie;
}

static void
step(const struct model *m, uint16_t *pos, uint16_t *flags, uint16_t n)
{
	*pos = (uint16_t)(*pos + n);
	if (*pos >= m->size) {
		*pos = (uint16_t)(*pos - m->size);
		*flags ^= WRAP_BITS;
	}
}

/* After a publish: every newly published chain is well formed in the ring. */
static void
check_published(struct model *m)
{
	for (unsigned int k = 0; k < m->nchains; k++) {
		struct chain *c = &m->chains[k];
		uint16_t pos = c->pos, lap = c->flags0;

		if (c->checked || !c->in_flight || !seq_published(m, c->seq))
			continue;
		c->checked = true;
		/* The device never writes addresses here: they always hold. */
		for (uint16_t i = 0, p = pos, l = lap; i < c->ndesc; i++, step(m, &p, &l, 1))
			FUZZ_CHECK(m->ring[p].addr == c->iova + (uint64_t)i * 0x10000,
				   "chain id %u desc %u at %u: addr 0x%llx, want 0x%llx", c->id, i,
				   p, (unsigned long long)m->ring[p].addr,
				   (unsigned long long)(c->iova + (uint64_t)i * 0x10000));
		/* The device may have written over it (a scribble since the add, or
		 * used descriptors at a position a lie moved): nothing to check. */
		if (c->dirt != m->dirt || m->lied)
			continue;
		for (uint16_t i = 0; i < c->ndesc; i++) {
			const struct vio_packed_desc *d = &m->ring[pos];
			uint16_t want = (uint16_t)(lap | (i + 1 < c->ndesc ? VIO_DESC_F_NEXT : 0) |
						   (i >= c->n_out ? VIO_DESC_F_WRITE : 0));

			/* The device may have used (overwritten) the head already. */
			if (c->device_done && i == 0)
				break;
			FUZZ_CHECK(d->flags == want || (d->flags & VIO_DESC_F_INDIRECT),
				   "chain id %u desc %u at %u: flags 0x%x, want 0x%x", c->id, i,
				   pos, d->flags, want);
			FUZZ_CHECK(d->id == c->id && d->len != 0,
				   "chain id %u desc %u: id %u len %u", c->id, i, d->id, d->len);
			step(m, &pos, &lap, 1);
		}
	}
}

static struct chain *
model_add(struct model *m, uint16_t id, uint16_t ndesc, uint32_t in_len, uint16_t n_out,
	  uint64_t iova)
{
	struct chain *c = &m->chains[m->nchains++];

	*c = (struct chain){ .iova = iova,
			     .id = id,
			     .ndesc = ndesc,
			     .pos = m->next_avail,
			     .flags0 = m->avail_flags,
			     .in_len = in_len,
			     .n_out = n_out,
			     .seq = m->added++,
			     .in_flight = true,
			     .dirt = m->dirt };
	FUZZ_CHECK(id < m->size && m->owner[id] < 0, "id %u handed out while in flight", id);
	m->owner[id] = (int)(c - m->chains);
	m->num_free = (uint16_t)(m->num_free - ndesc);
	step(m, &m->next_avail, &m->avail_flags, ndesc);
	return c;
}

static void
model_release(struct model *m, struct chain *c)
{
	FUZZ_CHECK(c->in_flight, "chain id %u returned twice", c->id);
	c->in_flight = false;
	m->owner[c->id] = -1;
	m->num_free = (uint16_t)(m->num_free + c->ndesc);
}

/*
 * The engine's rule for a used len (vio_vq_packed_used_len_ok()): the one
 * place to adapt when it changes. A chain without writable bytes takes any
 * len and reports 0; it counts as bad only when the used descriptor has
 * WRITE (without it the len is reserved, section 2.8.4). A writable chain's
 * len may not exceed its writable bytes. @return false for a lie.
 */
static bool
used_len_valid(struct model *m, const struct chain *c, uint16_t flags, uint32_t len,
	       uint32_t *reported)
{
	if (c->in_len == 0) {
		m->bad_len += len != 0 && (flags & VIO_DESC_F_WRITE) != 0;
		*reported = 0;
		return true;
	}
	*reported = len;
	return len <= c->in_len;
}

/*
 * In order (section 2.8.20 as the engine implements it, vio_vq_packed.h):
 * ids are ring positions, the chains in flight run contiguously from
 * last_used in add order, only their ids hold a cookie, and the engine's
 * producer and consumer state is the model's.
 */
static void
check_in_order(struct model *m)
{
	const struct vio_vq_packed *vq = &m->vq->packed;
	uint16_t pos = m->last_used, lap = m->used_flags, seq = m->harvested, held = 0;
	bool start[MAX_SIZE] = { false };

	if (!m->in_order)
		return;
	FUZZ_CHECK(vq->free_id == m->next_avail, "next id %u, want the next position %u",
		   vq->free_id, m->next_avail);
	FUZZ_CHECK(vq->last_used == m->last_used && vq->used_flags == m->used_flags,
		   "consumer at %u (bits 0x%x), want %u (0x%x)", vq->last_used, vq->used_flags,
		   m->last_used, m->used_flags);
	FUZZ_CHECK(vq->batch_left == m->batch_left, "%u chains of a batch left, want %u",
		   vq->batch_left, m->batch_left);
	/* Walk the chains in flight from last_used: add order, contiguous, id == position. */
	while (pos < m->size && m->owner[pos] >= 0) {
		const struct chain *c = &m->chains[m->owner[pos]];

		FUZZ_CHECK(c->in_flight && c->id == pos && c->pos == pos && c->seq == seq,
			   "chain at %u: id %u pos %u seq %u, want seq %u", pos, c->id, c->pos,
			   c->seq, seq);
		FUZZ_CHECK(vq->slots[pos].cookie == c && vq->slots[pos].ndesc == c->ndesc &&
				   vq->slots[pos].in_len == c->in_len &&
				   vq->slots[pos].add_seq == c->seq,
			   "slot %u: cookie %p ndesc %u in_len %u add_seq %u, want chain %u of %u "
			   "descriptors, %u bytes, seq %u",
			   pos, vq->slots[pos].cookie, vq->slots[pos].ndesc, vq->slots[pos].in_len,
			   vq->slots[pos].add_seq, c->id, c->ndesc, c->in_len, c->seq);
		start[pos] = true;
		held = (uint16_t)(held + c->ndesc);
		seq++;
		step(m, &pos, &lap, c->ndesc);
		if (held >= m->size)
			break;
	}
	FUZZ_CHECK(seq == m->added, "%u chains in flight from last_used, want %u",
		   (uint16_t)(seq - m->harvested), (uint16_t)(m->added - m->harvested));
	FUZZ_CHECK(pos == m->next_avail, "chains in flight end at %u, next_avail %u", pos,
		   m->next_avail);
	FUZZ_CHECK(m->num_free == m->size - held, "num_free %u, %u held", m->num_free, held);
	for (uint16_t i = 0; i < m->size; i++)
		FUZZ_CHECK((vq->slots[i].cookie != NULL) == start[i],
			   "id %u: cookie %p, but it %s a chain in flight", i, vq->slots[i].cookie,
			   start[i] ? "starts" : "does not start");
}

/* ---- Operations ---- */

static void
op_add_chain(struct model *m, struct fuzz_in *in)
{
	uint8_t shape = fuzz_u8(in);
	uint16_t n_out = shape & 7, n_in = (shape >> 3) & 7, n = (uint16_t)(n_out + n_in);
	struct vio_sg sg[2 * MAX_SEGS];
	uint32_t in_len = 0;
	bool zero = false;
	uint16_t id = vio_vq_next_head(m->vq);
	int rc, want;

	if (m->nchains == MAX_CHAINS)
		return;
	FUZZ_CHECK(!m->in_order || id == m->next_avail || m->num_free == 0,
		   "in order: next id %u, next position %u", id, m->next_avail);
	for (uint16_t i = 0; i < n; i++) {
		sg[i].len = (uint32_t)fuzz_u8(in) << (fuzz_u8(in) & 15);
		sg[i].iova = IOVA_CHAIN + (uint64_t)i * 0x10000;
		zero |= sg[i].len == 0;
		if (i >= n_out)
			in_len += sg[i].len;
	}
	if (m->broken)
		want = -EIO;
	else if (n == 0 || zero)
		want = -EINVAL;
	else if (n > m->num_free)
		want = -ENOSPC;
	else
		want = 0;
	rc = vio_vq_add_chain(m->vq, sg, n_out, n_in, &m->chains[m->nchains]);
	FUZZ_CHECK(rc == want, "add_chain(%u out, %u in): rc %d, want %d", n_out, n_in, rc, want);
	if (rc == 0)
		model_add(m, id, n, in_len, n_out, IOVA_CHAIN);
	FUZZ_CHECK(vio_vq_num_free(m->vq) == m->num_free, "num_free %u, want %u",
		   vio_vq_num_free(m->vq), m->num_free);
}

/* vio_vq_add_bufs_by()'s address of a cookie: from the chain's index. */
static uint64_t
burst_iova_of(void *cookie, uint64_t ctx)
{
	uintptr_t k = ((uintptr_t)cookie - (uintptr_t)ctx) / sizeof(struct chain);

	return IOVA_BY + (uint64_t)k * 0x1000;
}

/*
 * A burst of single buffers through vio_vq_add_bufs() (the in-order fast
 * path when negotiated): 1..8 of them, or with mode bit 3 1..64, also
 * through vio_vq_add_bufs_by() (writable, the address from the cookie);
 * @p len each, or lens of their own. Their ids are read back from the
 * ring, where the engine wrote them: each must be free (in order: its ring
 * position).
 */
static void
op_add_bufs(struct model *m, struct fuzz_in *in, bool writable, uint32_t len)
{
	uint8_t x = fuzz_u8(in);
	bool by = m->long_mode && (x & 0x40) != 0, own_lens = (x & 0x80) && !by;
	uint16_t n = (uint16_t)RTE_MIN(1u + (x & (m->long_mode ? 0x3f : 7)),
				       MAX_CHAINS - m->nchains);
	uint32_t lens[MAX_BURST];
	uint64_t iovas[MAX_BURST];
	void *cookies[MAX_BURST];
	int rc, want;

	writable |= by;
	for (uint16_t i = 0; i < n; i++) {
		lens[i] = own_lens ? 1 + (uint32_t)fuzz_u8(in) * 8 : len;
		iovas[i] = IOVA_BURST + (uint64_t)i * 0x1000;
		cookies[i] = &m->chains[m->nchains + i];
	}
	want = m->broken ? -EIO : RTE_MIN(n, m->num_free);
	if (by)
		rc = vio_vq_add_bufs_by(m->vq, cookies, burst_iova_of, (uintptr_t)m->chains, len,
					n);
	else
		rc = vio_vq_add_bufs(m->vq, cookies, iovas, own_lens ? lens : NULL, len, writable,
				     n);
	FUZZ_CHECK(rc == want, "add_bufs%s(%u): rc %d, want %d", by ? "_by" : "", n, rc, want);
	for (int i = 0; i < rc; i++) {
		uint16_t id = m->ring[m->next_avail].id;

		FUZZ_CHECK(!m->in_order || id == m->next_avail,
			   "in order: buffer %d of a burst got id %u at position %u", i, id,
			   m->next_avail);
		model_add(m, id, 1, writable ? lens[i] : 0, writable ? 0 : 1,
			  by ? burst_iova_of(cookies[i], (uintptr_t)m->chains) : iovas[i]);
	}
	FUZZ_CHECK(vio_vq_num_free(m->vq) == m->num_free, "num_free %u, want %u",
		   vio_vq_num_free(m->vq), m->num_free);
}

static void
op_add_buf(struct model *m, struct fuzz_in *in)
{
	uint8_t b = fuzz_u8(in);
	bool writable = b & 1;
	uint32_t len = 1 + (uint32_t)(b >> 1) * 64;
	uint16_t id = vio_vq_next_head(m->vq);
	int rc, want;

	if (m->nchains == MAX_CHAINS)
		return;
	if (m->add_bufs) {
		op_add_bufs(m, in, writable, len);
		return;
	}
	FUZZ_CHECK(!m->in_order || id == m->next_avail || m->num_free == 0,
		   "in order: next id %u, next position %u", id, m->next_avail);
	want = m->broken ? -EIO : m->num_free == 0 ? -ENOSPC : 0;
	rc = vio_vq_add_buf(m->vq, IOVA_BUF, len, writable, &m->chains[m->nchains]);
	FUZZ_CHECK(rc == want, "add_buf: rc %d, want %d", rc, want);
	if (rc == 0)
		model_add(m, id, 1, writable ? len : 0, writable ? 0 : 1, IOVA_BUF);
}

/*
 * Section 2.8.10: notify unless off_wrap lies in the free positions ahead
 * of next_avail (see vio_vq_packed_need_event(): stale offsets notify).
 */
static bool
want_event(const struct model *m, uint16_t off_wrap)
{
	int32_t size = m->size, event = off_wrap & 0x7fff;
	bool same_lap = (off_wrap >> 15) == ((m->avail_flags & VIO_PACKED_DESC_F_AVAIL) != 0);
	int32_t ahead = (event - m->next_avail + (same_lap ? 0 : size) + 2 * size) % (2 * size);

	return event >= size || ahead > m->num_free;
}

static void
op_publish(struct model *m, bool kick)
{
	uint64_t before = m->fd.notifies;
	bool kicked = false, want_kick = false;

	m->fd.doorbell = 0xffff;
	m->published = m->added;
	if (kick) {
		if (m->published != m->kicked) {
			uint16_t flags = m->device_event->flags;

			want_kick = flags == VIO_PACKED_EVENT_F_DISABLE ?
					    false :
				    flags == VIO_PACKED_EVENT_F_DESC && m->event_idx ?
					    want_event(m, m->device_event->off_wrap) :
					    true;
		}
		m->kicked = m->published;
		kicked = vio_vq_kick(m->vq);
	} else {
		vio_vq_publish(m->vq);
	}
	FUZZ_CHECK(kicked == want_kick, "kick returned %d, want %d", kicked, want_kick);
	FUZZ_CHECK(m->fd.notifies - before == (kicked && !m->fd.use_doorbell) &&
			   m->fd.doorbell == ((kicked && m->fd.use_doorbell) ? 0 : 0xffff),
		   "%u notify calls, doorbell 0x%x after a kick that returned %d",
		   (unsigned int)(m->fd.notifies - before), m->fd.doorbell, kicked);
	check_published(m);
}

static struct chain *
device_pick(struct model *m, unsigned int k)
{
	unsigned int count = 0, i;

	for (i = 0; i < m->nchains; i++)
		if (m->chains[i].in_flight && !m->chains[i].device_done &&
		    seq_published(m, m->chains[i].seq))
			count++;
	if (count == 0)
		return NULL;
	k %= count;
	for (i = 0; i < m->nchains; i++) {
		struct chain *c = &m->chains[i];

		if (c->in_flight && !c->device_done && seq_published(m, c->seq) && k-- == 0)
			return c;
	}
	return NULL;
}

static void
dev_step(struct model *m, uint16_t n)
{
	m->dev_pos = (uint16_t)(m->dev_pos + n);
	while (m->dev_pos >= m->size) {
		m->dev_pos = (uint16_t)(m->dev_pos - m->size);
		m->dev_wrap = !m->dev_wrap;
	}
}

/*
 * In order: the oldest published chains not completed yet, up to @p want
 * of them (at least one when any). @return how many, the last in @p last,
 * their descriptors in @p ndesc.
 */
static unsigned int
device_batch(struct model *m, unsigned int want, struct chain **last, uint16_t *ndesc)
{
	unsigned int n = 0;

	*ndesc = 0;
	for (uint16_t seq = m->harvested; n < want && seq != m->published; seq++) {
		/* Chain k was the k-th added: its seq is k. */
		struct chain *c = seq < m->nchains && m->chains[seq].in_flight ? &m->chains[seq] :
										 NULL;

		if (c == NULL)
			break;
		if (c->device_done)
			continue;
		c->device_done = true;
		*last = c;
		*ndesc = (uint16_t)(*ndesc + c->ndesc);
		n++;
	}
	return n;
}

/* The device writes a used descriptor at its position and moves past @p skip. */
static void
device_write(struct model *m, uint16_t id, uint32_t len, uint16_t flags, uint16_t skip)
{
	struct vio_packed_desc *d = &m->ring[m->dev_pos];

	d->id = id;
	d->len = len;
	__atomic_store_n(&d->flags, flags, __ATOMIC_RELEASE);
	dev_step(m, skip);
}

static uint16_t
dev_bits(const struct model *m)
{
	return m->dev_wrap ? WRAP_BITS : 0;
}

/*
 * Mode bit 3: a run of up to 256 published chains the device holds, oldest
 * first, each completed by a used descriptor of its own (the in-order fast
 * path's case). Lens: each chain's writable bytes, 0, any up to them, or
 * the writable bytes with one chain of the run one byte over (a lie).
 */
static void
device_run(struct model *m, struct fuzz_in *in)
{
	unsigned int count = 1 + fuzz_u8(in), done = 0;
	uint8_t how = fuzz_u8(in);
	unsigned int over = (how >> 2) % count;

	for (unsigned int k = m->in_order ? m->harvested : 0; k < m->nchains && done < count; k++) {
		struct chain *c = &m->chains[k];
		uint32_t len = c->in_len;

		if (!c->in_flight || c->device_done || !seq_published(m, c->seq))
			continue;
		if ((how & 3) == 1)
			len = 0;
		else if ((how & 3) == 2)
			len = ((done + 1) * 2654435761u ^ how) % (c->in_len + 1);
		else if ((how & 3) == 3 && done == over)
			len = c->in_len + 1;
		c->device_done = true;
		device_write(m, c->id, len, dev_bits(m), c->ndesc);
		done++;
	}
}

/*
 * Mode bit 3: a lie aimed at the device's position, where the next honest
 * used descriptor would go: the chain there (any in flight, published or
 * not) completed by its own id and writable bytes (in order, for a chain
 * added but not published: an id equal to its position), a len one past
 * them (WRITE or not), the previous lap's used bits, or AVAIL and USED
 * that disagree (either way).
 */
static void
device_lie_here(struct model *m, uint8_t sel)
{
	const struct chain *c = NULL;
	uint16_t flags = dev_bits(m);
	uint32_t len;

	for (unsigned int k = 0; k < m->nchains && c == NULL; k++)
		if (m->chains[k].in_flight && m->chains[k].pos == m->dev_pos)
			c = &m->chains[k];
	len = c != NULL ? c->in_len : 0;
	switch (sel & 3) {
	case 0:
		break;
	case 1:
		len++;
		flags |= (sel & 4) ? VIO_DESC_F_WRITE : 0;
		break;
	case 2:
		flags ^= WRAP_BITS;
		break;
	default:
		flags ^= (sel & 4) ? VIO_PACKED_DESC_F_AVAIL : VIO_PACKED_DESC_F_USED;
		break;
	}
	m->dirt++;
	m->lied = true;
	device_write(m, c != NULL ? c->id : m->dev_pos, len, flags, c != NULL ? c->ndesc : 1);
}

static void
op_device_complete(struct model *m, struct fuzz_in *in)
{
	unsigned int k = 1 + fuzz_u8(in) % 8;
	/* In order, with mode bit 3, "up to" reaches one byte too many: the limit's edge. */
	uint32_t edge = m->in_order && m->long_mode ? 2 : 1;

	for (unsigned int i = 0; i < k; i++) {
		uint8_t sel = fuzz_u8(in);
		struct chain *c = NULL;
		uint16_t skip = 0;

		if (m->long_mode && sel < 0xc0 && (sel & 0x30) == 0x30) {
			device_run(m, in);
			continue;
		}
		if (m->long_mode && sel >= 0xe0) {
			device_lie_here(m, sel);
			continue;
		}
		if (sel < 0xc0 && m->in_order) {
			/* One used descriptor for a batch of 1..4: the last chain's id. */
			if (device_batch(m, 1 + (sel & 3), &c, &skip) == 0)
				c = NULL;
		} else if (sel < 0xc0) {
			c = device_pick(m, fuzz_u8(in));
			skip = c != NULL ? c->ndesc : 0;
		}
		if (c != NULL) {
			uint8_t mode = fuzz_u8(in) & 3;
			uint32_t len = mode == 0 ? c->in_len :
				       mode == 1 ? 0 :
				       mode == 2 ? fuzz_u32(in) % (c->in_len + edge) :
						   fuzz_u32(in);

			c->device_done = true;
			device_write(m, c->id, len, dev_bits(m), skip);
		} else {
			/* A lie: any id, len and AVAIL/USED bits; any skip. */
			uint16_t id = (sel & 1) ? fuzz_u16(in) : fuzz_u8(in);
			uint32_t len = fuzz_u32(in);
			uint16_t flags = (sel & 2) ? fuzz_u16(in) : dev_bits(m);

			m->dirt++;
			m->lied = true;
			device_write(m, id, len, flags, (uint16_t)(1 + fuzz_u8(in) % 4));
		}
	}
}

static void
op_device_scribble(struct model *m, struct fuzz_in *in)
{
	struct vio_packed_desc *d = &m->ring[fuzz_u8(in) % m->size];

	m->dirt++;
	/* A used descriptor faked at last_used frees positions the device
	 * still holds: from now on its writes may land on new chains. */
	m->lied = true;
	d->id = fuzz_u16(in);
	d->flags = fuzz_u16(in);
	d->len = fuzz_u32(in);
}

static void
op_device_event(struct model *m, struct fuzz_in *in)
{
	m->device_event->off_wrap = fuzz_u16(in);
	m->device_event->flags = fuzz_u8(in) % 4;
}

/*
 * Whether a harvest would look at something now (whatever the broken
 * flag): a batch in progress, a used descriptor at last_used (a chain, or
 * a lie harvest reports), or, while published chains are not harvested,
 * bits there that are neither used nor available in this lap (a lie too).
 * Available bits are a chain the device still holds; with nothing published
 * the descriptor is whatever the ring held. vio_vq_enable_intr() must
 * report this: the device may have written it before it saw the request.
 */
static bool
model_used_pending(const struct model *m)
{
	uint16_t bits = m->ring[m->last_used].flags & WRAP_BITS;

	if (m->batch_left != 0 || bits == m->used_flags)
		return true;
	return bits != (m->used_flags ^ VIO_PACKED_DESC_F_USED) && m->harvested != m->published;
}

/*
 * Interrupt mode (sections 2.8.10, 2.8.14). Enable: ENABLE; with EVENT_IDX,
 * off_wrap = last_used and the used wrap counter (the position and lap of
 * the device's next used descriptor), then DESC; then the re-check.
 * Disable: DISABLE, off_wrap left as it was.
 */
static void
op_intr(struct model *m, bool enable)
{
	if (enable) {
		bool want = model_used_pending(m), got;

		if (m->event_idx) {
			m->drv_event.off_wrap = (uint16_t)(m->last_used |
							   (m->used_flags ? 0x8000 : 0));
			m->drv_event.flags = VIO_PACKED_EVENT_F_DESC;
		} else {
			m->drv_event.flags = VIO_PACKED_EVENT_F_ENABLE;
		}
		got = vio_vq_enable_intr(m->vq);
		FUZZ_CHECK(got == want, "enable_intr returned %d, want %d (last_used %u)", got,
			   want, m->last_used);
	} else {
		m->drv_event.flags = VIO_PACKED_EVENT_F_DISABLE;
		vio_vq_disable_intr(m->vq);
	}
}

/* The driver's event suppression structure: no other operation touches it. */
static void
check_driver_event(const struct model *m)
{
	const struct vio_packed_event *ev = m->vq->packed.driver_event;

	FUZZ_CHECK(ev->flags == m->drv_event.flags && ev->off_wrap == m->drv_event.off_wrap,
		   "driver event flags %u off_wrap 0x%x, want %u, 0x%x", ev->flags, ev->off_wrap,
		   m->drv_event.flags, m->drv_event.off_wrap);
}

/*
 * In order: a used descriptor naming the oldest chain (id == last_used)
 * with a len it can hold completes it alone; any other names the last
 * chain of a batch, which must be published and in flight (so at or after
 * the oldest), with a len its last chain can hold (0 and counted for one
 * without writable bytes). The batch's chains come out oldest first, the
 * inner ones with their whole writable length. @return the chains handed
 * out, or -EIO when none and the queue broke.
 */
static int
model_harvest_in_order(struct model *m, uint16_t max, struct chain **want_c, uint32_t *want_l)
{
	int n = 0;

	for (uint16_t i = 0; i < max; i++) {
		struct chain *c;

		if (m->batch_left == 0) {
			const struct vio_packed_desc *d = &m->ring[m->last_used];
			uint16_t bits = d->flags & WRAP_BITS;
			uint32_t len = d->len;
			struct chain *last, *oldest = m->owner[m->last_used] >= 0 ?
							      &m->chains[m->owner[m->last_used]] :
							      NULL;

			if (bits != m->used_flags) {
				if (bits != (m->used_flags ^ VIO_PACKED_DESC_F_USED) &&
				    m->harvested != m->published)
					m->broken = true;
				break;
			}
			if (d->id == m->last_used && m->harvested != m->published &&
			    oldest != NULL && len <= oldest->in_len) {
				m->batch_left = 1;
				m->batch_len = len;
			} else {
				last = d->id < m->size && m->owner[d->id] >= 0 ?
					       &m->chains[m->owner[d->id]] :
					       NULL;
				if (last == NULL || !seq_published(m, last->seq) ||
				    !used_len_valid(m, last, d->flags, len, &len)) {
					m->broken = true;
					break;
				}
				m->batch_left = (uint16_t)(last->seq - m->harvested + 1);
				m->batch_len = len;
			}
		}
		FUZZ_CHECK(m->owner[m->last_used] >= 0, "in order: no chain at last_used %u",
			   m->last_used);
		c = &m->chains[m->owner[m->last_used]];
		want_c[n] = c;
		want_l[n++] = --m->batch_left == 0 ? m->batch_len : c->in_len;
		model_release(m, c);
		m->harvested++;
		step(m, &m->last_used, &m->used_flags, c->ndesc);
	}
	return n == 0 && m->broken ? -EIO : n;
}

/*
 * What a harvest of up to @p max chains must return: chains in @p want_c
 * with their lens in @p want_l, and the count, or -EIO.
 */
static int
model_harvest(struct model *m, uint16_t max, struct chain **want_c, uint32_t *want_l)
{
	int want = 0;

	if (m->broken)
		return -EIO;
	if (m->in_order)
		return model_harvest_in_order(m, max, want_c, want_l);
	for (uint16_t i = 0; i < max; i++) {
		const struct vio_packed_desc *d = &m->ring[m->last_used];
		uint16_t bits = d->flags & WRAP_BITS;
		struct chain *c;

		if (bits != m->used_flags) {
			if (bits == (m->used_flags ^ VIO_PACKED_DESC_F_USED) ||
			    m->harvested == m->published)
				break;
			m->broken = true;
			break;
		}
		c = d->id < m->size && m->owner[d->id] >= 0 ? &m->chains[m->owner[d->id]] : NULL;
		if (c == NULL || !seq_published(m, c->seq) ||
		    !used_len_valid(m, c, d->flags, d->len, &want_l[want])) {
			m->broken = true;
			break;
		}
		want_c[want++] = c;
		model_release(m, c);
		m->harvested++;
		step(m, &m->last_used, &m->used_flags, c->ndesc);
	}
	return want == 0 && m->broken ? -EIO : want;
}

/* The id a used element of @p cookie's chain carries (fuzz_vq_harvest()). */
static uint32_t
used_id_of(void *model, void *cookie)
{
	return cookie_chain(model, cookie)->id;
}

static void
op_harvest(struct model *m, struct fuzz_in *in)
{
	uint8_t b = fuzz_u8(in);
	enum fuzz_vq_harvest_how how = m->harvest_by ? (enum fuzz_vq_harvest_how)(fuzz_u8(in) % 3) :
						       FUZZ_VQ_HARVEST_PLAIN;
	/* vio_vq_harvest(): up to 32, lens or not; harvest_by: up to 255. */
	uint16_t max = how == FUZZ_VQ_HARVEST_PLAIN ? b % 33 : b;
	bool want_lens = how != FUZZ_VQ_HARVEST_PLAIN || (b & 0x80) == 0;
	void *cookies[MAX_HARVEST + 1];
	uint32_t lens[MAX_HARVEST + 1];
	struct chain *want_c[MAX_HARVEST + 1];
	uint32_t want_l[MAX_HARVEST + 1];
	int want, rc;

	/* harvest_by() returns what vio_vq_harvest() would, max 0 included. */
	want = model_harvest(m, max, want_c, want_l);

	memset(cookies, 0, sizeof(cookies));
	rc = fuzz_vq_harvest(m->vq, how, cookies, want_lens ? lens : NULL, max, used_id_of, m);
	FUZZ_CHECK(rc == want, "harvest%s(max %u): rc %d, want %d",
		   how == FUZZ_VQ_HARVEST_PLAIN ? "" : "_by", max, rc, want);
	for (int i = 0; i < rc; i++) {
		FUZZ_CHECK(cookie_chain(m, cookies[i]) == want_c[i], "entry %d: wrong cookie", i);
		if (want_lens)
			FUZZ_CHECK(lens[i] == want_l[i], "entry %d: len %u, want %u", i, lens[i],
				   want_l[i]);
	}
	fuzz_vq_check_state(m->vq, m->broken, m->num_free, m->bad_len);
	check_in_order(m);
}

static void
detach_all(struct model *m)
{
	void *c;

	while ((c = vio_vq_detach(m->vq)) != NULL)
		model_release(m, cookie_chain(m, c));
	for (unsigned int i = 0; i < m->nchains; i++)
		FUZZ_CHECK(!m->chains[i].in_flight, "chain %u (id %u) never came back", i,
			   m->chains[i].id);
	FUZZ_CHECK(vio_vq_num_free(m->vq) == m->size, "%u of %u descriptors free after detach",
		   vio_vq_num_free(m->vq), m->size);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct model m;
	struct fuzz_in in = fuzz_in_make(data, size);
	uint8_t cfg = fuzz_u8(&in), mode = fuzz_u8(&in);
	int rc;

	memset(&m, 0, sizeof(m));
	m.event_idx = (cfg & 0x20) != 0;
	m.in_order = (mode & MODE_IN_ORDER) != 0;
	m.add_bufs = (mode & MODE_ADD_BUFS) != 0;
	m.harvest_by = (mode & MODE_HARVEST_BY) != 0;
	m.long_mode = (mode & MODE_LONG) != 0;
	m.intr_ops = (mode & MODE_INTR) != 0;
	fake_dev_bind(&m.fd, 3, "fuzz-vq-packed",
		      VIO_BIT(VIO_F_VERSION_1) | VIO_BIT(VIO_F_RING_PACKED) |
			      ((cfg & 0x40) ? VIO_BIT(VIO_F_ORDER_PLATFORM) : 0) |
			      (m.event_idx ? VIO_BIT(VIO_F_EVENT_IDX) : 0) |
			      (m.in_order ? VIO_BIT(VIO_F_IN_ORDER) : 0),
		      MAX_SIZE, (cfg & 0x80) != 0);
	/* Any size 1..256: small ones (1..16) and then some odd ones, more often. */
	m.size = (cfg & 0x10) ? (uint16_t)(1 + (cfg & 15)) : (uint16_t)(1 + fuzz_u8(&in));
	for (unsigned int i = 0; i < MAX_SIZE; i++)
		m.owner[i] = -1;
	rc = vio_vq_create(&m.fd.vdev, 0, m.size, SOCKET_ID_ANY, &m.vq);
	FUZZ_CHECK(rc == 0, "vio_vq_create(size %u): %d", m.size, rc);
	FUZZ_CHECK(vio_vq_is_packed(m.vq), "not a packed queue");
	FUZZ_CHECK(m.vq->packed.in_order == m.in_order, "in_order %d, want %d",
		   m.vq->packed.in_order, m.in_order);
	m.ring = m.vq->packed.desc;
	m.device_event = (struct vio_packed_event *)(uintptr_t)m.vq->packed.device_event;
	m.num_free = m.size;
	m.avail_flags = VIO_PACKED_DESC_F_AVAIL;
	m.used_flags = WRAP_BITS;
	m.dev_wrap = true;
	/* We poll: no used-buffer notifications; off_wrap as the zeroed ring left it. */
	m.drv_event = (struct vio_packed_event){ .off_wrap = 0,
						 .flags = VIO_PACKED_EVENT_F_DISABLE };
	check_driver_event(&m);

	for (unsigned int op = 0; op < MAX_OPS && fuzz_more(&in); op++) {
		uint8_t b = fuzz_u8(&in);

		switch (b % 8) {
		case 0:
			op_add_chain(&m, &in);
			break;
		case 1:
			op_add_buf(&m, &in);
			break;
		case 2:
			op_publish(&m, false);
			break;
		case 3:
			op_publish(&m, true);
			break;
		case 4:
			op_device_complete(&m, &in);
			break;
		case 5:
			op_harvest(&m, &in);
			break;
		case 6:
			op_device_scribble(&m, &in);
			break;
		default:
			if (m.intr_ops && (b & OP_INTR))
				op_intr(&m, (b & OP_INTR_ENABLE) != 0);
			else
				op_device_event(&m, &in);
			break;
		}
		check_in_order(&m);
		check_driver_event(&m);
	}
	detach_all(&m);
	vio_vq_destroy(m.vq);
	return 0;
}
