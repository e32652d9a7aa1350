/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_vq_harvest: the split virtqueue engine (vio_vq.c) against a device
 * that writes whatever the input says into the used ring.
 *
 * A real queue is created on a minimal transport (doorbell or notify op,
 * SMP or ORDER_PLATFORM barriers, from the first byte); the input is a program
 * of operations: add chains (readable and writable parts, or the one-buffer
 * fast path), publish, kick, write used entries (mostly for chains in
 * flight, sometimes any id and len), move used idx, set used flags,
 * scribble over the descriptor table (which the driver must never read
 * back), and harvest. A model of the engine predicts every result; the
 * target checks each return code, cookie, length, the free count and the
 * broken flag against it:
 *   - every cookie comes back exactly once (harvest or detach), with the
 *     length the device wrote, never above the chain's writable bytes;
 *   - a non-zero len on a chain without writable bytes (tx) is tolerated:
 *     reported as 0 and counted by vio_vq_bad_len_count();
 *   - a bad id, len or idx breaks the queue: -EIO from then on, for adds
 *     and harvests alike, after returning the chains validated before it;
 *   - the chains added are well formed in the descriptor table;
 *   - nothing leaks after detach + destroy (LeakSanitizer; rings and
 *     private arrays live on the C heap through fuzz_alloc.c so ASan also
 *     sees every overrun).
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
#define MAX_CHAINS (MAX_OPS + 1)

/* ---- Model of the engine ---- */

struct chain {
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
	struct chain chains[MAX_CHAINS];
	unsigned int nchains;
	int owner[MAX_SIZE];  /* chain whose head is this descriptor, or -1 */
	int downer[MAX_SIZE]; /* chain this descriptor belongs to, or -1 */
	uint16_t num_free;
	uint16_t avail_shadow;
	uint16_t avail_published;
	uint16_t avail_kicked;
	uint16_t last_used;    /* entries harvested */
	uint16_t dev_used_idx; /* next used entry the device writes */
	uint64_t bad_len;      /* tolerated lens on read-only chains */
	bool broken;
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
 * take its descriptors: none may belong to a chain still in flight.
 */
static void
check_descs(struct model *m, struct chain *c, uint16_t n_out)
{
	const struct vio_desc *desc = m->vq->split.desc;
	uint16_t cur = c->head;
	uint32_t in_len = 0;

	FUZZ_CHECK(m->vq->split.avail->ring[c->avail_pos & (m->size - 1)] == c->head,
		   "avail slot %u holds %u, not head %u", c->avail_pos,
		   m->vq->split.avail->ring[c->avail_pos & (m->size - 1)], c->head);
	for (uint16_t i = 0; i < c->ndesc; i++) {
		const struct vio_desc *d = &desc[cur];
		bool last = i + 1 == c->ndesc;

		FUZZ_CHECK(((d->flags & VIO_DESC_F_WRITE) != 0) == (i >= n_out),
			   "desc %u of chain: flags 0x%x", i, d->flags);
		FUZZ_CHECK(((d->flags & VIO_DESC_F_NEXT) != 0) == !last,
			   "desc %u of %u: flags 0x%x", i, c->ndesc, d->flags);
		FUZZ_CHECK(d->len != 0, "zero-length descriptor %u", cur);
		if (i >= n_out)
			in_len += d->len;
		FUZZ_CHECK(m->downer[cur] < 0, "descriptor %u handed out while in chain %d", cur,
			   m->downer[cur]);
		m->downer[cur] = (int)(c - m->chains);
		c->descs[i] = cur;
		if (!last) {
			FUZZ_CHECK(d->next < m->size, "next %u past ring of %u", d->next, m->size);
			cur = d->next;
		}
	}
	FUZZ_CHECK(in_len == c->in_len, "writable bytes %u, want %u", in_len, c->in_len);
}

static struct chain *
model_add(struct model *m, uint16_t head, uint16_t ndesc, uint32_t in_len)
{
	struct chain *c = &m->chains[m->nchains++];

	*c = (struct chain){ .head = head,
			     .ndesc = ndesc,
			     .in_len = in_len,
			     .avail_pos = m->avail_shadow++,
			     .in_flight = true };
	FUZZ_CHECK(m->owner[head] < 0, "head %u already in flight", head);
	m->owner[head] = (int)(c - m->chains);
	m->num_free = (uint16_t)(m->num_free - ndesc);
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
		sg[i].iova = 0x100000 + (uint64_t)i * 0x10000;
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
		check_descs(m, model_add(m, head, n, in_len), n_out);
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
	want = m->broken ? -EIO : m->num_free == 0 ? -ENOSPC : 0;
	rc = vio_vq_add_buf(m->vq, 0x200000, len, writable, &m->chains[m->nchains]);
	FUZZ_CHECK(rc == want, "add_buf: rc %d, want %d", rc, want);
	if (rc == 0)
		check_descs(m, model_add(m, head, 1, writable ? len : 0), writable ? 0 : 1);
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
		want_kick = m->avail_published != m->avail_kicked &&
			    !(m->vq->split.used->flags & VIO_USED_F_NO_NOTIFY);
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

static void
op_device_complete(struct model *m, struct fuzz_in *in)
{
	unsigned int k = 1 + fuzz_u8(in) % 8;
	uint8_t idx_mode;

	for (unsigned int i = 0; i < k; i++) {
		uint8_t sel = fuzz_u8(in);
		struct chain *c = sel < 0xc0 ? device_pick(m, fuzz_u8(in)) : NULL;
		struct vio_used_elem e;

		if (c != NULL) {
			uint8_t mode = fuzz_u8(in) & 3;

			e.id = c->head;
			e.len = mode == 0 ? c->in_len :
				mode == 1 ? 0 :
				mode == 2 ? fuzz_u32(in) % (c->in_len + 1) :
					    fuzz_u32(in);
			c->device_done = true;
		} else {
			/* A lie: any id, any len (small ids more often). */
			e.id = (sel & 1) ? fuzz_u32(in) : fuzz_u8(in);
			e.len = fuzz_u32(in);
		}
		m->vq->split.used->ring[m->dev_used_idx & (m->size - 1)] = e;
		m->dev_used_idx++;
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
	struct vio_desc *d = &m->vq->split.desc[fuzz_u8(in) & (m->size - 1)];

	d->next = fuzz_u16(in);
	d->flags = fuzz_u16(in);
	d->len = fuzz_u32(in);
}

static void
op_used_flags(struct model *m, struct fuzz_in *in)
{
	m->vq->split.used->flags = fuzz_u8(in) & VIO_USED_F_NO_NOTIFY;
}

static void
op_harvest(struct model *m, struct fuzz_in *in)
{
	uint8_t b = fuzz_u8(in);
	uint16_t max = b % 33;
	bool want_lens = (b & 0x80) == 0;
	void *cookies[32];
	uint32_t lens[32];
	struct chain *want_c[32];
	uint32_t want_l[32];
	uint16_t used_idx = m->vq->split.used->idx;
	uint16_t pending = (uint16_t)(used_idx - m->last_used);
	uint16_t published = (uint16_t)(m->avail_published - m->last_used);
	int want = 0, rc;

	/* What the engine must do, entry by entry. */
	if (m->broken) {
		want = -EIO;
	} else if (pending > published) {
		want = -EIO;
		m->broken = true;
	} else {
		uint16_t n = RTE_MIN(pending, max);

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
		if (want == 0 && m->broken)
			want = -EIO;
	}

	memset(cookies, 0, sizeof(cookies));
	rc = vio_vq_harvest(m->vq, cookies, want_lens ? lens : NULL, max);
	FUZZ_CHECK(rc == want, "harvest(max %u): rc %d, want %d", max, rc, want);
	for (int i = 0; i < rc; i++) {
		FUZZ_CHECK(cookie_chain(m, cookies[i]) == want_c[i], "entry %d: wrong cookie", i);
		if (want_lens)
			FUZZ_CHECK(lens[i] == want_l[i], "entry %d: len %u, want %u", i, lens[i],
				   want_l[i]);
	}
	if (rc > 0)
		m->last_used = (uint16_t)(m->last_used + rc);
	fuzz_vq_check_state(m->vq, m->broken, m->num_free, m->bad_len);
}

/* Take back every chain the device kept; then all descriptors are free. */
static void
detach_all(struct model *m)
{
	void *c;

	while ((c = vio_vq_detach(m->vq)) != NULL)
		model_release(m, cookie_chain(m, c));
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
	int rc;

	memset(&m, 0, sizeof(m));
	/* ORDER_PLATFORM: the engine then uses the I/O barriers. */
	fake_dev_bind(&m.fd, 2, "fuzz-vq",
		      (cfg & 0x40) ? VIO_BIT(VIO_F_VERSION_1) | VIO_BIT(VIO_F_ORDER_PLATFORM) : 0,
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
	m.num_free = m.size;

	for (unsigned int op = 0; op < MAX_OPS && fuzz_more(&in); op++) {
		switch (fuzz_u8(&in) % 8) {
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
			op_used_flags(&m, &in);
			break;
		}
	}
	detach_all(&m);
	vio_vq_destroy(m.vq);
	return 0;
}
