/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_vq_harvest: the split virtqueue engine (vio_vq.c) against a device
 * that writes whatever the input says into the used ring.
 *
 * A real queue is created on a minimal transport (doorbell or notify op,
 * SMP or ORDER_PLATFORM barriers, EVENT_IDX or not, from the first byte);
 * the input is a program of operations: add chains (readable and writable
 * parts, or the one-buffer fast path), publish, kick, write used entries
 * (mostly for chains in flight, sometimes any id and len), move used idx,
 * set used flags (and with EVENT_IDX avail_event), scribble over the
 * descriptor table (which the driver must never read back), and harvest.
 * A model of the engine predicts every result; the target checks each
 * return code, cookie, length, the free count, the broken flag and every
 * doorbell against it:
 *   - every cookie comes back exactly once (harvest or detach), with the
 *     length the device wrote, never above the chain's writable bytes;
 *   - a non-zero len on a chain without writable bytes (tx) is tolerated:
 *     reported as 0 and counted by vio_vq_bad_len_count();
 *   - a bad id, len or idx breaks the queue: -EIO from then on, for adds
 *     and harvests alike, after returning the chains validated before it;
 *   - the chains added are well formed in the descriptor table;
 *   - a kick with news notifies iff the device asks for it (section
 *     2.7.10): without EVENT_IDX unless used flags has NO_NOTIFY; with it
 *     iff avail_event is one of the avail indexes the kick publishes, the
 *     used flags ignored;
 *   - the driver's own suppression fields (avail flags, used_event) hold
 *     what queue creation and the interrupt operations wrote, after every
 *     operation (section 2.7.7): without EVENT_IDX the flags are
 *     NO_INTERRUPT while polling, 0 once vio_vq_enable_intr() asked for an
 *     interrupt; with it the flags stay 0 and used_event is 0xffff from
 *     creation, last_used after an enable (the next used entry interrupts,
 *     section 2.7.10), last_used - 1 after a disable (parked 64K entries
 *     away); vio_vq_enable_intr() returns true iff used idx is not
 *     last_used: what a harvest would return now (chains, a batch in
 *     progress, or an idx that lies, reported as -EIO), so the caller must
 *     not sleep; the engine reads the ring, not the broken flag;
 *   - nothing leaks after detach + destroy (LeakSanitizer; rings and
 *     private arrays live on the C heap through fuzz_alloc.c so ASan also
 *     sees every overrun).
 *
 * A mode byte (config bit 4) negotiates VIRTIO_F_IN_ORDER (bit 0). Then an
 * honest device uses the oldest published chains first, a batch of 1..4 of
 * them with ONE used entry naming the batch's last chain while used idx
 * moves by the batch size (section 2.7.9 as vio_vq_split.c implements it;
 * the entries it skips are poisoned: the engine must not read them), and
 * the model hands the batch out oldest first, the inner chains with their
 * whole writable length; its "len up to" mode reaches one byte past the
 * writable bytes (the limit's edge, a lie). A used id other than the oldest
 * chain's head must name a later chain the used idx covers, else the queue
 * breaks. In-order
 * invariants, checked after every operation: heads are taken in ring order;
 * the chains in flight run contiguously from used_head in add order, each
 * slot holding its cookie and shape; detach returns them oldest first; the
 * engine's free_head, used_head, last_used, batch_left and its refill
 * shortcut counters (avail_identity, bufs_uniform, bufs_len) are the
 * model's. Once a run of one-buffer adds of one writable length covers the
 * ring, adds write only addresses and cookies (descriptors the device wrote
 * over then keep its values: only misleads the device) and the harvest
 * takes the vector path; results must not change.
 *
 * Input: config byte (bit 7 doorbell, 6 ORDER_PLATFORM, 5 EVENT_IDX, 4 a
 * mode byte follows, bits 0-3 size 1 << (b % 9)), [mode byte: bit 0
 * IN_ORDER; bit 1 add-buffer operations add bursts through
 * vio_vq_add_bufs() (one more byte: bits 0-5 count - 1, bit 6 through
 * vio_vq_add_bufs_by() instead, writable, address from the cookie; bit 7 a
 * len byte per buffer, not with bit 6), as the packed target's mode byte;
 * bit 2 harvest operations read one more byte, % 3: vio_vq_harvest(),
 * vio_vq_harvest_by() with the per-chain callback, or with the
 * four-at-a-time one too (then up to 255 chains, lens always); bit 4 an
 * operation byte 7 mod 8 with bit 7 set is the interrupt operation instead
 * of the used flags one, no more bytes: bit 6 vio_vq_enable_intr(), else
 * vio_vq_disable_intr() (as the packed target's mode bit 4)], then
 * operations (test/fuzz/gen_corpus.py); with bit 5 the used flags
 * operation reads an avail_event byte after the flags byte (see
 * op_device_suppress()). Without bit 4 an input means what it meant
 * before the mode byte existed; without bit 5, what it meant before
 * EVENT_IDX; without mode bit 4, what it meant before the interrupt
 * operation.
 */
#include <errno.h>
#include <string.h>

#include <rte_memory.h>

#include "fuzz_common.h"
#include "fuzz_vq_dev.h"
#include "vio_dev.h"
#include "vio_vq.h"

#define MAX_OPS 256
#define MAX_SIZE 256 /* largest queue the target creates */
#define MAX_SEGS 8
#define MAX_BURST 64 /* buffers one vio_vq_add_bufs() operation adds */
/* Room for bursts beyond a lap of the largest ring (the refill shortcuts). */
#define MAX_CHAINS 1024
#define MAX_HARVEST FUZZ_VQ_MAX_HARVEST

#define CFG_EVENT_IDX 0x20 /* config byte: negotiate VIRTIO_F_EVENT_IDX */
#define MODE_FOLLOWS 0x10  /* config byte: a mode byte follows */
#define MODE_IN_ORDER 0x01
#define MODE_ADD_BUFS 0x02
#define MODE_HARVEST_BY 0x04
#define MODE_INTR 0x10 /* op 7 with bit 7: enable (bit 6) or disable interrupts */
#define OP_INTR 0x80
#define OP_INTR_ENABLE 0x40

#define IOVA_CHAIN 0x100000u /* + 0x10000 per descriptor */
#define IOVA_BUF 0x200000u
#define IOVA_BURST 0x300000u /* + 0x1000 per buffer of the burst */
#define IOVA_BY 0x400000u    /* + 0x1000 per chain index (vio_vq_add_bufs_by) */

/* What a used entry the honest in-order device skips holds: must never be read. */
#define POISON 0xfeedfaceu

/* ---- Model of the engine ---- */

struct chain {
	uint64_t iova; /* address of its first descriptor */
	uint16_t head;
	uint16_t ndesc;
	uint32_t in_len;
	uint16_t avail_pos;
	uint16_t descs[2 * MAX_SEGS]; /* the descriptors, as found after the add */
	bool in_flight;
	bool device_done; /* the honest device already completed it */
};

struct model {
	struct fake_dev fd;
	struct vio_vq *vq;
	uint16_t size;
	bool in_order;
	bool event_idx;        /* VIRTIO_F_EVENT_IDX negotiated (config bit 5) */
	uint16_t *avail_event; /* device-written, after used->ring[size] (section 2.7.8) */
	bool add_bufs;         /* add-buffer operations add bursts (vio_vq_add_bufs[_by]) */
	bool harvest_by;       /* harvest operations may use vio_vq_harvest_by() */
	bool intr_ops;         /* MODE_INTR: op 7 with bit 7 is the interrupt operation */
	/* The driver's suppression fields as they must be (section 2.7.7). */
	uint16_t avail_flags;
	uint16_t used_event; /* with EVENT_IDX */
	struct chain chains[MAX_CHAINS];
	unsigned int nchains;
	int owner[MAX_SIZE];  /* chain whose head is this descriptor, or -1 */
	int downer[MAX_SIZE]; /* chain this descriptor belongs to, or -1 */
	bool dirty[MAX_SIZE]; /* the device wrote over it since the engine did */
	uint16_t num_free;
	uint16_t avail_shadow;
	uint16_t avail_published;
	uint16_t avail_kicked;
	uint16_t last_used;    /* entries harvested (in order: chains, index of the oldest) */
	uint16_t dev_used_idx; /* next used entry the device writes */
	uint64_t bad_len;      /* tolerated lens on read-only chains */
	bool broken;
	/* In order (vio_vq_split.h): the engine's state, as it must be. */
	uint16_t free_head;  /* next head: ring order */
	uint16_t batch_left; /* chains of a batched completion still to hand out */
	uint32_t batch_len;  /* the used len of that batch's last chain */
	uint16_t avail_identity, bufs_uniform;
	uint32_t bufs_len;
};

static bool
chain_published(const struct model *m, const struct chain *c)
{
	return (uint16_t)(c->avail_pos - m->avail_published) >=
	       (uint16_t)(m->avail_shadow - m->avail_published);
}

/*
 * Whether the engine must accept a used length for a chain, and the length
 * it reports: the one place to adapt when the rule changes. A chain without
 * writable bytes (tx) takes any len, reported as 0 and counted as bad when
 * non-zero (devices leave garbage there); otherwise len may not exceed the
 * writable bytes.
 */
static bool
used_len_valid(struct model *m, const struct chain *c, uint32_t len, uint32_t *reported)
{
	if (c->in_len == 0) {
		m->bad_len += len != 0;
		*reported = 0;
		return true;
	}
	*reported = len;
	return len <= c->in_len;
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

/*
 * Check the chain just added at @p c in the shared descriptor table and
 * take its descriptors: none may belong to a chain still in flight. In
 * order, they follow each other in ring order. @p rewritten: the engine
 * wrote every field (else only the address: the uniform refill shortcut,
 * where a descriptor the device wrote over keeps what it wrote).
 */
static void
check_descs(struct model *m, struct chain *c, uint16_t n_out, bool rewritten)
{
	const struct vio_desc *desc = m->vq->split.desc;
	uint16_t cur = c->head;
	uint32_t in_len = 0;
	bool content = rewritten || !m->dirty[c->head];

	FUZZ_CHECK(m->vq->split.avail->ring[c->avail_pos & (m->size - 1)] == c->head,
		   "avail slot %u holds %u, not head %u", c->avail_pos,
		   m->vq->split.avail->ring[c->avail_pos & (m->size - 1)], c->head);
	for (uint16_t i = 0; i < c->ndesc; i++) {
		const struct vio_desc *d = &desc[cur];
		bool last = i + 1 == c->ndesc;

		FUZZ_CHECK(!m->in_order || cur == ((c->head + i) & (m->size - 1)),
			   "in order: descriptor %u of a chain at %u is %u", i, c->head, cur);
		FUZZ_CHECK(d->addr == c->iova + (uint64_t)i * 0x10000,
			   "desc %u of chain: addr 0x%llx, want 0x%llx", i,
			   (unsigned long long)d->addr,
			   (unsigned long long)(c->iova + (uint64_t)i * 0x10000));
		if (content) {
			FUZZ_CHECK(((d->flags & VIO_DESC_F_WRITE) != 0) == (i >= n_out),
				   "desc %u of chain: flags 0x%x", i, d->flags);
			FUZZ_CHECK(((d->flags & VIO_DESC_F_NEXT) != 0) == !last,
				   "desc %u of %u: flags 0x%x", i, c->ndesc, d->flags);
			FUZZ_CHECK(d->len != 0, "zero-length descriptor %u", cur);
			if (i >= n_out)
				in_len += d->len;
		}
		if (rewritten)
			m->dirty[cur] = false;
		FUZZ_CHECK(m->downer[cur] < 0, "descriptor %u handed out while in chain %d", cur,
			   m->downer[cur]);
		m->downer[cur] = (int)(c - m->chains);
		c->descs[i] = cur;
		if (!last) {
			FUZZ_CHECK(d->next < m->size, "next %u past ring of %u", d->next, m->size);
			cur = d->next;
		}
	}
	FUZZ_CHECK(!content || in_len == c->in_len, "writable bytes %u, want %u", in_len,
		   c->in_len);
}

static struct chain *
model_add(struct model *m, uint16_t head, uint16_t ndesc, uint32_t in_len, uint64_t iova)
{
	struct chain *c = &m->chains[m->nchains++];

	*c = (struct chain){ .iova = iova,
			     .head = head,
			     .ndesc = ndesc,
			     .in_len = in_len,
			     .avail_pos = m->avail_shadow++,
			     .in_flight = true };
	FUZZ_CHECK(m->owner[head] < 0, "head %u already in flight", head);
	FUZZ_CHECK(!m->in_order || head == m->free_head, "in order: head %u, want %u", head,
		   m->free_head);
	m->owner[head] = (int)(c - m->chains);
	m->num_free = (uint16_t)(m->num_free - ndesc);
	m->free_head = (uint16_t)((m->free_head + ndesc) & (m->size - 1));
	return c;
}

static void
model_release(struct model *m, struct chain *c)
{
	FUZZ_CHECK(c->in_flight, "chain with head %u returned twice", c->head);
	c->in_flight = false;
	m->owner[c->head] = -1;
	for (uint16_t i = 0; i < c->ndesc; i++)
		m->downer[c->descs[i]] = -1;
	m->num_free = (uint16_t)(m->num_free + c->ndesc);
}

/*
 * In order, after every operation: the engine's state is the model's, and
 * the chains in flight run contiguously in ring order from used_head (the
 * oldest, chain index last_used: in order chain k was made available k-th)
 * to free_head, each slot holding its cookie and shape.
 */
static void
check_in_order(struct model *m)
{
	const struct vio_vq_split *vq = &m->vq->split;
	uint16_t pos = m->free_head, held = 0;

	if (!m->in_order)
		return;
	if (m->last_used < m->nchains)
		pos = m->chains[m->last_used].head;
	FUZZ_CHECK(vq->used_head == pos && vq->free_head == m->free_head,
		   "used_head %u free_head %u, want %u and %u", vq->used_head, vq->free_head, pos,
		   m->free_head);
	FUZZ_CHECK(vq->last_used == m->last_used && vq->batch_left == m->batch_left,
		   "last_used %u batch_left %u, want %u and %u", vq->last_used, vq->batch_left,
		   m->last_used, m->batch_left);
	FUZZ_CHECK(vq->avail_identity == m->avail_identity && vq->bufs_uniform == m->bufs_uniform &&
			   (m->bufs_uniform == 0 || vq->bufs_len == m->bufs_len),
		   "avail_identity %u bufs_uniform %u (len %u), want %u, %u (%u)",
		   vq->avail_identity, vq->bufs_uniform, vq->bufs_len, m->avail_identity,
		   m->bufs_uniform, m->bufs_len);
	for (unsigned int k = m->last_used; k < m->nchains; k++) {
		const struct chain *c = &m->chains[k];
		const struct vio_vq_split_slot *s = &vq->slots[pos];

		FUZZ_CHECK(c->in_flight && c->head == pos,
			   "in order: chain %u (head %u, %s) where %u should be in flight", k,
			   c->head, c->in_flight ? "in flight" : "done", pos);
		FUZZ_CHECK(s->cookie == c && s->ndesc == c->ndesc && s->in_len == c->in_len,
			   "slot %u: cookie %p ndesc %u in_len %u, want chain %u of %u, %u", pos,
			   s->cookie, s->ndesc, s->in_len, k, c->ndesc, c->in_len);
		held = (uint16_t)(held + c->ndesc);
		pos = (uint16_t)((pos + c->ndesc) & (m->size - 1));
	}
	FUZZ_CHECK(pos == m->free_head && m->num_free == m->size - held,
		   "chains in flight end at %u (free_head %u), %u held, %u free", pos, m->free_head,
		   held, m->num_free);
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
	uint16_t head = vio_vq_next_head(m->vq);
	int rc, want;

	if (m->nchains == MAX_CHAINS)
		return;
	for (uint16_t i = 0; i < n; i++) {
		/* Mostly small buffers; 0 now and then for the -EINVAL path. */
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
	if (rc == 0) {
		check_descs(m, model_add(m, head, n, in_len, IOVA_CHAIN), n_out, true);
		m->avail_identity = 0;
		m->bufs_uniform = 0;
	}
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
 * A burst of 1..64 single buffers through vio_vq_add_bufs() (or, bit 6,
 * vio_vq_add_bufs_by(): writable, the address from the cookie): @p len
 * each, or lens of their own. Their heads are read back from the avail
 * ring (in order: the ring positions from free_head). In order the model
 * predicts the refill shortcuts: the avail entries and the descriptors'
 * constant fields are left as they are once a run covered the ring.
 */
static void
op_add_bufs(struct model *m, struct fuzz_in *in, bool writable, uint32_t len)
{
	uint8_t x = fuzz_u8(in);
	bool by = (x & 0x40) != 0, own_lens = (x & 0x80) && !by;
	uint16_t n = (uint16_t)RTE_MIN(1u + (x & 0x3f), MAX_CHAINS - m->nchains);
	uint32_t lens[MAX_BURST];
	uint64_t iovas[MAX_BURST];
	void *cookies[MAX_BURST];
	bool identity, uniform_shape, same, shortcut;
	int rc, want;

	writable |= by;
	for (uint16_t i = 0; i < n; i++) {
		lens[i] = own_lens ? 1 + (uint32_t)fuzz_u8(in) * 8 : len;
		iovas[i] = IOVA_BURST + (uint64_t)i * 0x1000;
		cookies[i] = &m->chains[m->nchains + i];
	}
	identity = m->free_head == (m->avail_shadow & (m->size - 1));
	uniform_shape = !own_lens && writable;
	same = uniform_shape && len == m->bufs_len;
	shortcut = m->in_order && same && m->bufs_uniform >= m->size;
	want = m->broken ? -EIO : RTE_MIN(n, m->num_free);
	if (by)
		rc = vio_vq_add_bufs_by(m->vq, cookies, burst_iova_of, (uintptr_t)m->chains, len,
					n);
	else
		rc = vio_vq_add_bufs(m->vq, cookies, iovas, own_lens ? lens : NULL, len, writable,
				     n);
	FUZZ_CHECK(rc == want, "add_bufs%s(%u): rc %d, want %d", by ? "_by" : "", n, rc, want);
	for (int i = 0; i < rc; i++) {
		uint16_t head = m->vq->split.avail->ring[m->avail_shadow & (m->size - 1)];
		uint64_t iova = by ? burst_iova_of(cookies[i], (uintptr_t)m->chains) : iovas[i];
		struct chain *c = model_add(m, head, 1, writable ? lens[i] : 0, iova);

		check_descs(m, c, writable ? 0 : 1, !shortcut);
	}
	if (rc >= 0 && m->in_order) {
		/* vio_vq_split_add_bufs_by(): the runs go on or start again. */
		m->avail_identity = identity ? (uint16_t)RTE_MIN(m->avail_identity + rc, m->size) :
					       0;
		m->bufs_uniform = (uint16_t)RTE_MIN(
			(same ? m->bufs_uniform : 0) + (uniform_shape ? rc : 0), m->size);
		if (uniform_shape)
			m->bufs_len = len;
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
	uint16_t head = vio_vq_next_head(m->vq);
	int rc, want;

	if (m->nchains == MAX_CHAINS)
		return;
	if (m->add_bufs) {
		op_add_bufs(m, in, writable, len);
		return;
	}
	want = m->broken ? -EIO : m->num_free == 0 ? -ENOSPC : 0;
	rc = vio_vq_add_buf(m->vq, IOVA_BUF, len, writable, &m->chains[m->nchains]);
	FUZZ_CHECK(rc == want, "add_buf: rc %d, want %d", rc, want);
	if (rc == 0) {
		check_descs(m, model_add(m, head, 1, writable ? len : 0, IOVA_BUF),
			    writable ? 0 : 1, true);
		m->avail_identity = 0;
		m->bufs_uniform = 0;
	}
}

/*
 * Whether a kick publishing the avail indexes avail_kicked .. avail_published
 * - 1 must notify (section 2.7.10). With EVENT_IDX: iff avail_event is one
 * of them (vring_need_event()'s rule, spelled as a window here so that an
 * off-by-one in the engine's form of it shows), whatever the used flags say.
 * Without: unless the device set NO_NOTIFY.
 */
static bool
want_notify(const struct model *m)
{
	uint16_t news = (uint16_t)(m->avail_published - m->avail_kicked);

	if (news == 0)
		return false;
	if (m->event_idx)
		return (uint16_t)(*m->avail_event - m->avail_kicked) < news;
	return !(m->vq->split.used->flags & VIO_USED_F_NO_NOTIFY);
}

/* Publish, or kick: notify once when there is news and the device wants it. */
static void
op_publish(struct model *m, bool kick)
{
	uint64_t before = m->fd.notifies;
	bool kicked = false, want_kick = false;

	m->fd.doorbell = 0xffff; /* the engine writes the queue index, 0 */
	m->avail_published = m->avail_shadow;
	if (kick) {
		want_kick = want_notify(m);
		m->avail_kicked = m->avail_published;
		kicked = vio_vq_kick(m->vq);
	} else {
		vio_vq_publish(m->vq);
	}
	FUZZ_CHECK(kicked == want_kick, "kick returned %d, want %d", kicked, want_kick);
	FUZZ_CHECK(m->vq->split.avail->idx == m->avail_shadow, "avail idx %u, want %u",
		   m->vq->split.avail->idx, m->avail_shadow);
	FUZZ_CHECK(m->fd.notifies - before == (kicked && !m->fd.use_doorbell) &&
			   m->fd.doorbell == ((kicked && m->fd.use_doorbell) ? 0 : 0xffff),
		   "%u notify calls, doorbell 0x%x after a kick that returned %d",
		   (unsigned int)(m->fd.notifies - before), m->fd.doorbell, kicked);
}

/* Pick the k-th chain in flight that the device holds (published, not completed). */
static struct chain *
device_pick(struct model *m, unsigned int k)
{
	unsigned int count = 0, i;

	for (i = 0; i < m->nchains; i++)
		if (m->chains[i].in_flight && !m->chains[i].device_done &&
		    chain_published(m, &m->chains[i]))
			count++;
	if (count == 0)
		return NULL;
	k %= count;
	for (i = 0; i < m->nchains; i++) {
		struct chain *c = &m->chains[i];

		if (c->in_flight && !c->device_done && chain_published(m, c) && k-- == 0)
			return c;
	}
	return NULL;
}

/*
 * In order: the oldest published chains not completed yet, up to @p want
 * of them. @return how many, the last in @p last.
 */
static unsigned int
device_batch(struct model *m, unsigned int want, struct chain **last)
{
	unsigned int n = 0;

	for (unsigned int k = m->last_used; n < want && k < m->avail_published; k++) {
		struct chain *c = &m->chains[k];

		if (c->device_done)
			continue;
		c->device_done = true;
		*last = c;
		n++;
	}
	return n;
}

static void
op_device_complete(struct model *m, struct fuzz_in *in)
{
	unsigned int k = 1 + fuzz_u8(in) % 8;
	uint8_t idx_mode;

	for (unsigned int i = 0; i < k; i++) {
		uint8_t sel = fuzz_u8(in);
		struct chain *c = NULL;
		unsigned int batch = 1;
		struct vio_used_elem e;

		if (sel < 0xc0 && m->in_order) {
			/* One used entry for a batch of 1..4: the last chain's head. */
			batch = device_batch(m, 1 + (sel & 3), &c);
			if (batch == 0) {
				c = NULL;
				batch = 1;
			}
		} else if (sel < 0xc0) {
			c = device_pick(m, fuzz_u8(in));
		}
		if (c != NULL) {
			uint8_t mode = fuzz_u8(in) & 3;
			/* In order, "up to" reaches one byte too many: the limit's edge. */
			uint32_t edge = m->in_order ? 2 : 1;

			e.id = c->head;
			e.len = mode == 0 ? c->in_len :
				mode == 1 ? 0 :
				mode == 2 ? fuzz_u32(in) % (c->in_len + edge) :
					    fuzz_u32(in);
			c->device_done = true;
		} else {
			/* A lie: any id, any len (small ids more often). */
			e.id = (sel & 1) ? fuzz_u32(in) : fuzz_u8(in);
			e.len = fuzz_u32(in);
		}
		m->vq->split.used->ring[m->dev_used_idx & (m->size - 1)] = e;
		m->dev_used_idx++;
		/* The entries a batch skips: whatever is there must not be read. */
		for (unsigned int j = 1; j < batch; j++) {
			m->vq->split.used->ring[m->dev_used_idx & (m->size - 1)] =
				(struct vio_used_elem){ POISON, POISON };
			m->dev_used_idx++;
		}
	}
	/* Publish honestly, or any idx now and then. */
	idx_mode = fuzz_u8(in);
	if (idx_mode >= 0xf0)
		m->dev_used_idx = fuzz_u16(in);
	__atomic_store_n(&m->vq->split.used->idx, m->dev_used_idx, __ATOMIC_RELEASE);
}

/* The device writes over the descriptor table: the driver never reads it back. */
static void
op_device_scribble(struct model *m, struct fuzz_in *in)
{
	uint16_t i = fuzz_u8(in) & (m->size - 1);
	struct vio_desc *d = &m->vq->split.desc[i];

	m->dirty[i] = true;
	d->next = fuzz_u16(in);
	d->flags = fuzz_u16(in);
	d->len = fuzz_u32(in);
}

/*
 * The device's suppression fields: used flags, and with EVENT_IDX one more
 * byte for avail_event: below 0xc0 near the last kick's avail index (-64 ..
 * +127, around the window the next kick decides on: an honest device asks
 * for the next index it has not seen), else any value (two more bytes).
 */
static void
op_device_suppress(struct model *m, struct fuzz_in *in)
{
	uint8_t e;

	m->vq->split.used->flags = fuzz_u8(in) & VIO_USED_F_NO_NOTIFY;
	if (!m->event_idx)
		return;
	e = fuzz_u8(in);
	*m->avail_event = e >= 0xc0 ? fuzz_u16(in) : (uint16_t)(m->avail_kicked + e - 0x40);
}

/*
 * Used entries a harvest would look at now: not 0 when it would return a
 * chain (a batch in progress included) or report a lie (an idx past the
 * published chains, a bad entry), whatever the broken flag says. That is
 * what vio_vq_enable_intr() must report: the device may have written them
 * before it saw the request, so no interrupt is due for them.
 */
static uint16_t
model_used_pending(const struct model *m)
{
	return (uint16_t)(m->vq->split.used->idx - m->last_used);
}

/*
 * Interrupt mode (sections 2.7.7, 2.7.10). Enable: without EVENT_IDX clear
 * NO_INTERRUPT; with it, used_event = last_used, so that the device's next
 * used entry (used idx passing last_used) interrupts; then the re-check.
 * Disable: NO_INTERRUPT again, or used_event parked one behind last_used,
 * where used idx passes it once in 64K entries. The avail flags stay 0 with
 * EVENT_IDX (section 2.7.7.1's MUST).
 */
static void
op_intr(struct model *m, bool enable)
{
	if (enable) {
		bool want = model_used_pending(m) != 0, got;

		if (m->event_idx)
			m->used_event = m->last_used;
		else
			m->avail_flags = 0;
		got = vio_vq_enable_intr(m->vq);
		FUZZ_CHECK(got == want,
			   "enable_intr returned %d, want %d (used idx %u, last_used %u)", got,
			   want, m->vq->split.used->idx, m->last_used);
	} else {
		if (m->event_idx)
			m->used_event = (uint16_t)(m->last_used - 1);
		else
			m->avail_flags = VIO_AVAIL_F_NO_INTERRUPT;
		vio_vq_disable_intr(m->vq);
	}
}

/*
 * The driver's suppression fields hold what the model says (section
 * 2.7.7): what queue creation wrote, then what the interrupt operations
 * did; no other operation may touch them, and an engine store running past
 * the avail ring would land on used_event. With EVENT_IDX the avail flags
 * are 0 (the spec's MUST) and used_event starts parked at 0xffff; without
 * it the flags start at NO_INTERRUPT (we poll) and used_event is not ours
 * to write (0, as the zeroed ring left it).
 */
static void
check_driver_suppression(const struct model *m)
{
	const struct vio_avail *avail = m->vq->split.avail;
	uint16_t used_event = avail->ring[m->size];

	FUZZ_CHECK(avail->flags == m->avail_flags, "avail flags 0x%x, want 0x%x (event_idx %d)",
		   avail->flags, m->avail_flags, m->event_idx);
	FUZZ_CHECK(used_event == m->used_event, "used_event %u, want %u (event_idx %d)", used_event,
		   m->used_event, m->event_idx);
}

/*
 * In order (vio_vq_split_take_in_order()): the oldest chain goes out with
 * the entry's len when the entry names it; an entry naming a later chain k
 * (k + 1 <= the used entries left) ends a batch of k + 1 chains, handed out
 * oldest first with their whole writable length, the last with the entry's
 * len; anything else is a lie. Entries a batch spans are not read.
 */
static int
model_harvest_in_order(struct model *m, uint16_t n, uint16_t pending, struct chain **want_c,
		       uint32_t *want_l)
{
	int got = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct chain *c = &m->chains[m->last_used];
		uint32_t l = 0;

		FUZZ_CHECK(m->last_used < m->nchains && c->in_flight,
			   "in order: chain %u to harvest is not in flight", m->last_used);
		if (m->batch_left == 0) {
			const struct vio_used_elem *e =
				&m->vq->split.used->ring[m->last_used & (m->size - 1)];
			uint16_t room = (uint16_t)(pending - i), k = 1;

			l = e->len;
			if (e->id != c->head) {
				while (k < room && m->chains[m->last_used + k].head != e->id)
					k++;
				if (k >= room) {
					m->broken = true;
					break;
				}
				m->batch_left = (uint16_t)(k + 1);
				m->batch_len = l;
			}
		}
		if (m->batch_left > 0)
			l = --m->batch_left == 0 ? m->batch_len : c->in_len;
		if (!used_len_valid(m, c, l, &want_l[got])) {
			m->broken = true;
			break;
		}
		want_c[got++] = c;
		model_release(m, c);
		m->last_used++;
	}
	return got;
}

/*
 * What a harvest of up to @p max chains must return: chains in @p want_c
 * with their lens in @p want_l, and the count, or -EIO.
 */
static int
model_harvest(struct model *m, uint16_t max, struct chain **want_c, uint32_t *want_l)
{
	uint16_t used_idx = m->vq->split.used->idx;
	uint16_t pending = (uint16_t)(used_idx - m->last_used);
	uint16_t published = (uint16_t)(m->avail_published - m->last_used);
	uint16_t n = RTE_MIN(pending, max);
	int want = 0;

	if (m->broken)
		return -EIO;
	if (pending > published) {
		m->broken = true;
		return -EIO;
	}
	if (m->in_order) {
		want = model_harvest_in_order(m, n, pending, want_c, want_l);
	} else {
		for (uint16_t i = 0; i < n; i++) {
			const struct vio_used_elem *e =
				&m->vq->split.used
					 ->ring[(uint16_t)(m->last_used + i) & (m->size - 1)];
			struct chain *c = e->id < m->size && m->owner[e->id] >= 0 ?
						  &m->chains[m->owner[e->id]] :
						  NULL;

			if (c == NULL || !chain_published(m, c) ||
			    !used_len_valid(m, c, e->len, &want_l[want])) {
				m->broken = true;
				break;
			}
			want_c[want] = c;
			model_release(m, c);
			want++;
		}
		m->last_used = (uint16_t)(m->last_used + want);
	}
	return want == 0 && m->broken ? -EIO : want;
}

/* The id a used element of @p cookie's chain carries (fuzz_vq_harvest()). */
static uint32_t
used_id_of(void *model, void *cookie)
{
	return cookie_chain(model, cookie)->head;
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
}

/*
 * Take back every chain the device kept (in order: oldest first); then all
 * descriptors are free.
 */
static void
detach_all(struct model *m)
{
	unsigned int next = m->last_used;
	void *c;

	while ((c = vio_vq_detach(m->vq)) != NULL) {
		struct chain *ch = cookie_chain(m, c);

		FUZZ_CHECK(!m->in_order || ch == &m->chains[next],
			   "in order: detach gave chain %u, want the oldest, %u",
			   (unsigned int)(ch - m->chains), next);
		next++;
		model_release(m, ch);
	}
	for (unsigned int i = 0; i < m->nchains; i++)
		FUZZ_CHECK(!m->chains[i].in_flight, "chain %u (head %u) never came back", i,
			   m->chains[i].head);
	FUZZ_CHECK(vio_vq_num_free(m->vq) == m->size, "%u of %u descriptors free after detach",
		   vio_vq_num_free(m->vq), m->size);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct model m;
	struct fuzz_in in = fuzz_in_make(data, size);
	uint8_t cfg = fuzz_u8(&in);
	uint8_t mode = (cfg & MODE_FOLLOWS) ? fuzz_u8(&in) : 0;
	int rc;

	memset(&m, 0, sizeof(m));
	m.in_order = (mode & MODE_IN_ORDER) != 0;
	m.event_idx = (cfg & CFG_EVENT_IDX) != 0;
	m.add_bufs = (mode & MODE_ADD_BUFS) != 0;
	m.harvest_by = (mode & MODE_HARVEST_BY) != 0;
	m.intr_ops = (mode & MODE_INTR) != 0;
	/* ORDER_PLATFORM: the engine then uses the I/O barriers. */
	fake_dev_bind(
		&m.fd, 2, "fuzz-vq",
		((cfg & 0x40) ? VIO_BIT(VIO_F_VERSION_1) | VIO_BIT(VIO_F_ORDER_PLATFORM) : 0) |
			(m.event_idx ? VIO_BIT(VIO_F_EVENT_IDX) : 0) |
			(m.in_order ? VIO_BIT(VIO_F_IN_ORDER) : 0),
		MAX_SIZE, (cfg & 0x80) != 0);
	m.size = (uint16_t)(1u << ((cfg & 15) % 9)); /* 1 .. 256 */
	for (unsigned int i = 0; i < MAX_SIZE; i++) {
		m.owner[i] = -1;
		m.downer[i] = -1;
	}
	rc = vio_vq_create(&m.fd.vdev, 0, m.size, SOCKET_ID_ANY, &m.vq);
	FUZZ_CHECK(rc == 0, "vio_vq_create(size %u): %d", m.size, rc);
	FUZZ_CHECK(vio_vq_uses_io_barriers(m.vq) == ((cfg & 0x40) != 0), "io barriers %d, cfg 0x%x",
		   vio_vq_uses_io_barriers(m.vq), cfg);
	FUZZ_CHECK(m.vq->split.in_order == m.in_order, "in_order %d, want %d", m.vq->split.in_order,
		   m.in_order);
	/* Where section 2.7.8 puts it, not where the engine says it is. */
	m.avail_event = (uint16_t *)&m.vq->split.used->ring[m.size];
	m.num_free = m.size;
	m.avail_flags = m.event_idx ? 0 : VIO_AVAIL_F_NO_INTERRUPT;
	m.used_event = m.event_idx ? 0xffff : 0;
	check_driver_suppression(&m);

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
				op_device_suppress(&m, &in);
			break;
		}
		check_in_order(&m);
		check_driver_suppression(&m);
	}
	detach_all(&m);
	vio_vq_destroy(m.vq);
	return 0;
}
