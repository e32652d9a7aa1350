/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_vireo data path: rx and tx bursts on split virtqueues.
 *
 * One lcore per queue, no locks, no syscalls. Each burst publishes the
 * avail index once and writes the doorbell at most once (vio_vq_kick()).
 * Every value the device writes is validated: lengths and ids by
 * vio_vq_harvest(), header contents (num_buffers, csum offsets) here. A
 * device that lies breaks the queue: the burst returns 0 from then on,
 * the event is counted as a port error and logged once.
 *
 * Rx buffers: one mbuf per descriptor, posted so that the 12-byte
 * virtio-net header lands in the headroom just before data_off; the frame
 * then starts where applications expect it. With MRG_RXBUF the following
 * buffers of a packet carry data from their first byte (at data_off - 12).
 *
 * Tx: a direct, unshared, single-segment mbuf with 12 bytes of headroom
 * carries its header in the headroom (one descriptor per packet); any
 * other packet becomes a chain whose header lives in the queue's header
 * region at the slot of the chain's head descriptor.
 */
#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_net.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#ifdef RTE_ARCH_X86
#include <emmintrin.h>
#endif

#include "vireo_net.h"

#define VIREO_PTYPE_MASK (RTE_PTYPE_L2_MASK | RTE_PTYPE_L3_MASK | RTE_PTYPE_L4_MASK)

/* Tx offload flags the device can honour (with CSUM / HOST_TSO). */
#define VIREO_TX_OL_SUPPORTED \
	(RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_L4_MASK | RTE_MBUF_F_TX_TCP_SEG)

/* ---- Broken queues ---- */

static void __rte_noinline
vireo_rxq_broken(struct vireo_rxq *rxq)
{
	if (rxq->broken_seen)
		return;
	rxq->broken_seen = true;
	rxq->st.broken++;
	rxq->st.errors++;
	VIREO_LOG(ERR, rxq->net, "rx queue %u: device broke the virtqueue; restart the port",
		  rxq->queue_id);
}

static void __rte_noinline
vireo_txq_broken(struct vireo_txq *txq)
{
	if (txq->broken_seen)
		return;
	txq->broken_seen = true;
	txq->st.broken++;
	txq->st.errors++;
	VIREO_LOG(ERR, txq->net, "tx queue %u: device broke the virtqueue; restart the port",
		  txq->queue_id);
}

/* ---- Rx ---- */

/*
 * The bus address an rx mbuf is posted at: 12 bytes before
 * RTE_PKTMBUF_HEADROOM, so that the frame lands where applications expect
 * it. Called by vio_vq_add_bufs_by() as it writes the descriptor. The mbuf
 * itself is not touched: a raw one (rearm template) is armed when it comes
 * back with a frame, in the same store as its ol_flags, and one that goes
 * back to the pool unused (queue stop) is a valid raw mbuf as it is.
 */
static __rte_always_inline uint64_t
vireo_rx_buf_iova(void *cookie, uint64_t ctx __rte_unused)
{
	struct rte_mbuf *m = cookie;

	__rte_mbuf_raw_sanity_check(m);
	return rte_mbuf_data_iova_default(m) - VIREO_NET_HDR_LEN;
}

/*
 * Allocate @p want mbufs, settling for fewer (halving) when the pool is
 * short. With a rearm template the mbufs come raw from the pool (the pool
 * already guarantees next == NULL and a single segment; the receive sets
 * data_off, refcnt, nb_segs and port from the template and writes every
 * field a received mbuf must define: ol_flags, packet_type, lengths).
 * Without one (pinned external buffers, whose ol_flags must survive) they
 * come reset from rte_pktmbuf_alloc_bulk().
 */
static uint16_t
vireo_rx_alloc(struct vireo_rxq *rxq, struct rte_mbuf **mbufs, uint16_t want)
{
	if (unlikely(rxq->rearm_template == 0)) {
		while (want > 0 && rte_pktmbuf_alloc_bulk(rxq->mp, mbufs, want) != 0)
			want /= 2;
		for (uint16_t i = 0; i < want; i++)
			mbufs[i]->port = rxq->port_id;
		return want;
	}
#ifndef RTE_LIBRTE_MEMPOOL_STATS
	{
		/*
		 * From this lcore's cache when it holds enough: what
		 * rte_mempool_get_bulk() does, in one copy instead of its
		 * per-object loop (the cache is public: DPDK's vector drivers
		 * fill it the same way on free). A non-EAL thread has no cache.
		 */
		struct rte_mempool_cache *c = rte_mempool_default_cache(rxq->mp, rte_lcore_id());

		if (likely(c != NULL && c->len >= want)) {
			c->len -= want;
			memcpy(mbufs, &c->objs[c->len], want * sizeof(*mbufs));
			return want;
		}
	}
#endif
	while (want > 0 && rte_mempool_get_bulk(rxq->mp, (void **)mbufs, want) != 0)
		want /= 2;
	return want;
}

/*
 * Post mbufs until nb_desc are posted (in bulk batches; the ring may be
 * larger, a power of two). Does not publish. A short pool is counted and
 * retried on the next burst, so the ring never stalls for good and no mbuf
 * is lost.
 */
unsigned int
vireo_rx_refill(struct vireo_rxq *rxq)
{
	struct rte_mbuf *mbufs[VIREO_RX_REFILL_BATCH];
	unsigned int added = 0;
	uint16_t want;

	while ((want = RTE_MIN(vireo_rxq_room(rxq), (uint16_t)VIREO_RX_REFILL_BATCH)) > 0) {
		uint16_t got = vireo_rx_alloc(rxq, mbufs, want);
		int n;

		if (unlikely(got == 0)) {
			rxq->st.nombuf += vireo_rxq_room(rxq);
			break;
		}
		n = vio_vq_add_bufs_by(rxq->vq, (void *const *)mbufs, vireo_rx_buf_iova, 0,
				       rxq->buf_len, got);
		if (unlikely(n < got)) {
			/*
			 * Broken queue (or a ring smaller than room said): give
			 * them back (raw or armed, each is a valid free mbuf).
			 */
			n = RTE_MAX(n, 0);
			rte_pktmbuf_free_bulk(&mbufs[n], got - n);
			return added + n;
		}
		added += got;
	}
	return added;
}

/*
 * The virtio-net header of a received buffer, just before the frame, from
 * buf_addr alone: an rx buffer's frame starts at RTE_PKTMBUF_HEADROOM (its
 * bus address was computed so, see vireo_rx_buf_iova()), so data_off need
 * not be read.
 */
static inline const struct vio_net_hdr *
vireo_rx_hdr_at_headroom(const struct rte_mbuf *m)
{
	return (const struct vio_net_hdr *)((const char *)m->buf_addr + RTE_PKTMBUF_HEADROOM -
					    VIREO_NET_HDR_LEN);
}

static inline void
vireo_rx_offload(struct vireo_rxq *rxq, struct rte_mbuf *m, const struct vio_net_hdr *hdr)
{
	if (hdr->flags & VIO_NET_HDR_F_NEEDS_CSUM) {
		/*
		 * Section 5.1.6.4: the data is intact, only the checksum at
		 * csum_start + csum_offset is left to fill (a local sender).
		 */
		if ((uint32_t)hdr->csum_start + hdr->csum_offset + 2 <= m->pkt_len)
			m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_NONE;
		else
			rxq->st.errors++;
	} else if (hdr->flags & VIO_NET_HDR_F_DATA_VALID) {
		m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	}
	if (rxq->lro && hdr->gso_type != VIO_NET_HDR_GSO_NONE && hdr->gso_size != 0) {
		m->ol_flags |= RTE_MBUF_F_RX_LRO;
		m->tso_segsz = hdr->gso_size;
	}
}

/*
 * Frames the application must not see: shorter than an Ethernet header
 * (a device bug or lie), or spread over several mbufs for an application
 * that did not enable RTE_ETH_RX_OFFLOAD_SCATTER (with MRG_RXBUF, always
 * negotiated, the device may send up to its own MTU whatever the port
 * MTU). Dropped and counted. @return true when dropped.
 */
static inline bool
vireo_rx_drop(struct vireo_rxq *rxq, struct rte_mbuf *m)
{
	if (unlikely(m->pkt_len < VIREO_MIN_FRAME_LEN)) {
		rxq->st.runts++;
	} else if (unlikely(m->nb_segs > 1 && !rxq->scatter)) {
		rxq->st.oversize++;
	} else {
		return false;
	}
	rxq->st.errors++;
	rte_pktmbuf_free(m);
	return true;
}

/*
 * A complete packet: offloads, ptype, counters. @return false when dropped.
 * Always inlined: it runs once per packet, and a call costs more than its
 * common path (measured under callgrind: 13 instructions per packet).
 */
static __rte_always_inline bool
vireo_rx_finish(struct vireo_rxq *rxq, struct rte_mbuf *m)
{
	const struct vio_net_hdr *hdr = rte_pktmbuf_mtod_offset(m, const struct vio_net_hdr *,
								-VIREO_NET_HDR_LEN);

	if (vireo_rx_drop(rxq, m))
		return false;
	if (rxq->ptype)
		m->packet_type = rte_net_get_ptype(m, NULL, VIREO_PTYPE_MASK);
	if (rxq->csum)
		vireo_rx_offload(rxq, m, hdr);
	rxq->st.packets++;
	rxq->st.bytes += m->pkt_len;
	rxq->st.bins[vireo_size_bin(m->pkt_len)]++;
	return true;
}

/* Add a continuation buffer to the pending mergeable packet. @return true when complete. */
static inline bool
vireo_rx_append(struct vireo_rxq *rxq, struct rte_mbuf *m, uint32_t len)
{
	struct rte_mbuf *head = rxq->mrg_head;

	if (len == 0) {
		rte_pktmbuf_free(m);
	} else {
		/* Continuation buffers carry data from the descriptor's first byte. */
		if (likely(rxq->rearm_template != 0))
			*vireo_mbuf_rearm_word(m) = rxq->rearm_template;
		m->data_off = RTE_PKTMBUF_HEADROOM - VIREO_NET_HDR_LEN;
		m->ol_flags &= RTE_MBUF_F_EXTERNAL;
		m->data_len = (uint16_t)len;
		m->pkt_len = len;
		rxq->mrg_tail->next = m;
		rxq->mrg_tail = m;
		head->nb_segs++;
		head->pkt_len += len;
	}
	return --rxq->mrg_left == 0;
}

static void
vireo_rx_free_cookies(void **cookies, uint16_t n)
{
	rte_pktmbuf_free_bulk((struct rte_mbuf **)cookies, n);
}

/*
 * Build packets from @p n harvested buffers, in place: packet k goes to
 * cookies[k], never past the buffer being looked at (one packet per
 * buffer at most), so no buffer is overwritten before it is read.
 */
static uint16_t
vireo_rx_process(struct vireo_rxq *rxq, void **cookies, const uint32_t *lens, uint16_t n)
{
	struct rte_mbuf **out = (struct rte_mbuf **)cookies;

	uint16_t nout = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = cookies[i];
		uint32_t len = lens[i];
		const struct vio_net_hdr *hdr;
		uint16_t nbuf;

		if (rxq->mrg_left > 0) {
			if (vireo_rx_append(rxq, m, len)) {
				if (vireo_rx_finish(rxq, rxq->mrg_head))
					out[nout++] = rxq->mrg_head;
				rxq->mrg_head = NULL;
				rxq->mrg_tail = NULL;
			}
			continue;
		}
		/* harvest checked len <= buffer; the header must be there too. */
		if (unlikely(len < VIREO_NET_HDR_LEN)) {
			rxq->st.errors++;
			rte_pktmbuf_free(m);
			continue;
		}
		/*
		 * Every rx field a received mbuf defines (a pinned external
		 * buffer keeps its EXTERNAL flag; raw pool mbufs have none).
		 */
		if (likely(rxq->rearm_template != 0))
			*vireo_mbuf_rearm_word(m) = rxq->rearm_template;
		m->ol_flags &= RTE_MBUF_F_EXTERNAL;
		m->packet_type = 0;
		m->data_len = (uint16_t)(len - VIREO_NET_HDR_LEN);
		m->pkt_len = len - VIREO_NET_HDR_LEN;
		m->vlan_tci = 0;
		if (!rxq->mrg) {
			if (vireo_rx_finish(rxq, m))
				out[nout++] = m;
			continue;
		}
		hdr = rte_pktmbuf_mtod_offset(m, const struct vio_net_hdr *, -VIREO_NET_HDR_LEN);
		nbuf = hdr->num_buffers;
		if (likely(nbuf == 1)) {
			if (vireo_rx_finish(rxq, m))
				out[nout++] = m;
			continue;
		}
		/*
		 * The rest of the packet is in buffers the device already
		 * took: still posted, or later in this batch. More than
		 * that (or zero) is a lie we cannot wait out.
		 */
		if (unlikely(nbuf == 0 ||
			     (uint32_t)nbuf - 1 >
				     (uint32_t)(rxq->ring_size - vio_vq_num_free(rxq->vq)) +
					     (uint32_t)(n - i - 1))) {
			vio_vq_mark_broken(rxq->vq, "rx num_buffers beyond the posted buffers");
			vireo_rxq_broken(rxq);
			vireo_rx_free_cookies(&cookies[i], n - i);
			return nout;
		}
		rxq->mrg_head = m;
		rxq->mrg_tail = m;
		rxq->mrg_left = nbuf - 1;
	}
	return nout;
}

/*
 * What the fast receive (vireo_rx_take(), vireo_rx_take4()) learned about
 * the buffers of one harvest, committed at its end. Nothing is decided
 * per packet: a buffer the fast path cannot count as a valid frame of at
 * most 64 bytes only sets a flag, and vireo_rx_commit() looks once.
 */
struct vireo_rx_acc {
	uint64_t bytes;   /**< Frame bytes of the buffers taken one by one. */
	uint32_t odd;     /**< Non-zero: a frame not of 14-64 bytes. */
	uint32_t mrg_odd; /**< Non-zero: a num_buffers other than 1 (MRG_RXBUF). */
#ifdef RTE_ARCH_X86
	__m128i arm;    /**< The rearm template, then ol_flags 0: one store. */
	__m128i bytes4; /**< Frame bytes of the groups of four (len lanes). */
	__m128i odd4;   /**< Len lanes non-zero: as odd, for the groups of four. */
#else
	uint64_t arm; /**< The rearm template. */
#endif
};

/* A frame of VIREO_MIN_FRAME_LEN .. 64 bytes: the line-rate case, counted per harvest. */
#define VIREO_RX_SMALL_SPAN (64u - VIREO_MIN_FRAME_LEN)

#ifdef RTE_ARCH_X86
/*
 * pshufd lanes for the 16 bytes from packet_type out of a register holding
 * [0, len, ...] (lane 1): packet_type 0, pkt_len, data_len with vlan_tci 0
 * (a length up to 64 KiB; longer ones go the slow way, which rewrites
 * them), hash.rss 0. VIREO_RX_LEN_LANES3 takes lane 3 instead.
 */
#define VIREO_RX_LEN_LANES1 ((0 << 6) | (1 << 4) | (1 << 2) | 0)
#define VIREO_RX_LEN_LANES3 ((0 << 6) | (3 << 4) | (3 << 2) | 0)
static_assert(offsetof(struct rte_mbuf, ol_flags) ==
		      offsetof(struct rte_mbuf, rearm_data) + sizeof(uint64_t),
	      "ol_flags follows rearm_data");
static_assert(offsetof(struct rte_mbuf, hash) == offsetof(struct rte_mbuf, packet_type) + 12,
	      "hash follows packet_type, pkt_len, data_len, vlan_tci");

/* One received mbuf from its [0, frame len, ...] register (lane 1 or 3 per @p lanes). */
#define VIREO_RX_STORE(m, arm, lens, lanes)                                           \
	do {                                                                          \
		_mm_storeu_si128((__m128i *)(void *)vireo_mbuf_rearm_word(m), (arm)); \
		_mm_storeu_si128((__m128i *)(void *)&(m)->packet_type,                \
				 _mm_shuffle_epi32((lens), (lanes)));                 \
	} while (0)
#endif

/*
 * One harvested buffer on the fast path, called from the harvest loop
 * itself (vio_vq_harvest_by()): a single-buffer frame in place. Every rx
 * field the refill left undefined is written here (pkt_len keeps len -
 * header modulo 2^32 for the slow path).
 */
static __rte_always_inline void
vireo_rx_take_common(struct vireo_rx_acc *acc, struct rte_mbuf *m, uint32_t len, const bool mrg)
{
	const uint32_t plen = len - VIREO_NET_HDR_LEN;

	acc->odd |= (uint32_t)(plen - VIREO_MIN_FRAME_LEN > VIREO_RX_SMALL_SPAN);
	if (mrg)
		acc->mrg_odd |= vireo_rx_hdr_at_headroom(m)->num_buffers ^ 1u;
#ifdef RTE_ARCH_X86
	VIREO_RX_STORE(m, acc->arm, _mm_set_epi32(0, 0, (int)plen, 0), VIREO_RX_LEN_LANES1);
#else
	*vireo_mbuf_rearm_word(m) = acc->arm;
	m->ol_flags = 0;
	vireo_mbuf_set_rx_len(m, plen);
#endif
	acc->bytes += plen;
}

static __rte_always_inline void
vireo_rx_take(void *ctx, unsigned int i __rte_unused, void *cookie, uint32_t len)
{
	vireo_rx_take_common(ctx, cookie, len, false);
}

static __rte_always_inline void
vireo_rx_take_mrg(void *ctx, unsigned int i __rte_unused, void *cookie, uint32_t len)
{
	vireo_rx_take_common(ctx, cookie, len, true);
}

#ifdef RTE_ARCH_X86
/*
 * Four buffers the harvest's vector loop took together, from their used
 * elements (id, len, id, len in each register): frame lengths, the 14-64
 * byte check and the byte count two lanes at a time.
 */
static __rte_always_inline void
vireo_rx_take4_common(struct vireo_rx_acc *acc, void *const *cookies,
		      const struct vio_used_elem *used, const bool mrg)
{
	/* Len lanes less the header; id lanes cleared. */
	const __m128i hdr = _mm_set_epi32(VIREO_NET_HDR_LEN, 0, VIREO_NET_HDR_LEN, 0);
	const __m128i len_lanes = _mm_set_epi32(-1, 0, -1, 0);
	/* frame len - VIREO_MIN_FRAME_LEN above the span, compared unsigned (biased). */
	const __m128i span = _mm_set1_epi32((int32_t)(VIREO_RX_SMALL_SPAN ^ 0x80000000u));
	const __m128i from = _mm_set1_epi32((int32_t)(VIREO_MIN_FRAME_LEN + 0x80000000u));
	const __m128i p0 = _mm_and_si128(
		_mm_sub_epi32(_mm_loadu_si128((const __m128i *)(const void *)used), hdr),
		len_lanes);
	const __m128i p1 = _mm_and_si128(
		_mm_sub_epi32(_mm_loadu_si128((const __m128i *)(const void *)(used + 2)), hdr),
		len_lanes);

	/* Id lanes (0 - 14) always exceed: masked out at commit. */
	acc->odd4 = _mm_or_si128(acc->odd4,
				 _mm_or_si128(_mm_cmpgt_epi32(_mm_sub_epi32(p0, from), span),
					      _mm_cmpgt_epi32(_mm_sub_epi32(p1, from), span)));
	acc->bytes4 = _mm_add_epi32(acc->bytes4, _mm_add_epi32(p0, p1));
	/* Loaded before the mbuf stores, which the compiler cannot tell from @p cookies. */
	struct rte_mbuf *m0 = cookies[0], *m1 = cookies[1], *m2 = cookies[2], *m3 = cookies[3];

	if (mrg)
		acc->mrg_odd |= (vireo_rx_hdr_at_headroom(m0)->num_buffers ^ 1u) |
				(vireo_rx_hdr_at_headroom(m1)->num_buffers ^ 1u) |
				(vireo_rx_hdr_at_headroom(m2)->num_buffers ^ 1u) |
				(vireo_rx_hdr_at_headroom(m3)->num_buffers ^ 1u);
	VIREO_RX_STORE(m0, acc->arm, p0, VIREO_RX_LEN_LANES1);
	VIREO_RX_STORE(m1, acc->arm, p0, VIREO_RX_LEN_LANES3);
	VIREO_RX_STORE(m2, acc->arm, p1, VIREO_RX_LEN_LANES1);
	VIREO_RX_STORE(m3, acc->arm, p1, VIREO_RX_LEN_LANES3);
}

static __rte_always_inline void
vireo_rx_take4(void *ctx, unsigned int i __rte_unused, void *const *cookies,
	       const struct vio_used_elem *used)
{
	vireo_rx_take4_common(ctx, cookies, used, false);
}

static __rte_always_inline void
vireo_rx_take4_mrg(void *ctx, unsigned int i __rte_unused, void *const *cookies,
		   const struct vio_used_elem *used)
{
	vireo_rx_take4_common(ctx, cookies, used, true);
}
#else
#define vireo_rx_take4 NULL
#define vireo_rx_take4_mrg NULL
#endif

/*
 * A fast harvest that was not all valid frames of at most 64 bytes: its
 * counters frame by frame, or, when a frame is not a valid single-buffer
 * one (a runt, a len below the header, over 64 KiB, a mergeable packet),
 * all of it again the general way. @return packets delivered.
 */
static uint16_t __rte_noinline
vireo_rx_commit_slow(struct vireo_rxq *rxq, struct rte_mbuf **pkts, uint16_t n, bool mrg_odd)
{
	uint32_t lens[VIREO_RX_BATCH];
	uint64_t bytes = 0;
	bool valid = !mrg_odd;

	/* vireo_rx_take() left pkt_len = len - header, modulo 2^32. */
	for (uint16_t i = 0; i < n && valid; i++)
		valid = pkts[i]->pkt_len - VIREO_MIN_FRAME_LEN <= UINT16_MAX - VIREO_MIN_FRAME_LEN;
	if (valid) {
		for (uint16_t i = 0; i < n; i++) {
			bytes += pkts[i]->pkt_len;
			rxq->st.bins[vireo_size_bin(pkts[i]->pkt_len)]++;
		}
		rxq->st.packets += n;
		rxq->st.bytes += bytes;
		return n;
	}
	for (uint16_t i = 0; i < n; i++)
		lens[i] = pkts[i]->pkt_len + VIREO_NET_HDR_LEN;
	return vireo_rx_process(rxq, (void **)pkts, lens, n);
}

/* Deliver a fast harvest of @p n buffers: counters, or the slow path. */
static __rte_always_inline uint16_t
vireo_rx_commit(struct vireo_rxq *rxq, struct rte_mbuf **pkts, uint16_t n,
		const struct vireo_rx_acc *acc, const bool mrg)
{
	uint64_t bytes = acc->bytes;
	uint32_t odd = acc->odd;

#ifdef RTE_ARCH_X86
	{
		const __m128i b = _mm_add_epi32(acc->bytes4, _mm_srli_si128(acc->bytes4, 8));

		odd |= (uint32_t)_mm_movemask_epi8(
			_mm_and_si128(acc->odd4, _mm_set_epi32(-1, 0, -1, 0)));
		bytes += (uint32_t)_mm_cvtsi128_si32(_mm_srli_si128(b, 4));
	}
#endif
	if (mrg)
		odd |= acc->mrg_odd;
	if (unlikely(odd != 0))
		return vireo_rx_commit_slow(rxq, pkts, n, mrg && acc->mrg_odd != 0);
	rxq->st.packets += n;
	rxq->st.bytes += bytes;
	rxq->st.bins[VIREO_BIN_64] += n;
	return n;
}

/*
 * The fast receive applies: no mergeable packet pending, no packet-type
 * parsing or checksum flags to derive, mbufs armed from the rearm template
 * (not a pool of pinned external buffers).
 */
static inline bool
vireo_rx_fast_ok(const struct vireo_rxq *rxq)
{
	return rxq->mrg_left == 0 && !rxq->ptype && !rxq->csum && rxq->rearm_template != 0;
}

/*
 * The fast receive of up to @p want buffers (vireo_rx_fast_ok()): packets
 * built in the harvest loop, committed once. Instantiated with and without
 * MRG_RXBUF (constant-folded: without it no header is read at all).
 * @return buffers harvested (or -EIO); *nout: packets built.
 */
static __rte_always_inline int
vireo_rx_harvest_fast(struct vireo_rxq *rxq, void **cookies, uint16_t want, uint16_t *nout,
		      const bool mrg)
{
	struct vireo_rx_acc acc = {
#ifdef RTE_ARCH_X86
		.arm = _mm_set_epi64x(0, (int64_t)rxq->rearm_template),
		.bytes4 = _mm_setzero_si128(),
		.odd4 = _mm_setzero_si128(),
#else
		.arm = rxq->rearm_template,
#endif
	};
	int n = vio_vq_harvest_by(rxq->vq, cookies, want, mrg ? vireo_rx_take_mrg : vireo_rx_take,
				  mrg ? vireo_rx_take4_mrg : vireo_rx_take4, &acc);

	if (n > 0)
		*nout = vireo_rx_commit(rxq, (struct rte_mbuf **)cookies, (uint16_t)n, &acc, mrg);
	return n;
}

/*
 * Harvest up to @p want buffers into @p cookies and build packets there,
 * in place. @return buffers harvested (or -EIO); *nout: packets built.
 */
static __rte_always_inline int
vireo_rx_harvest(struct vireo_rxq *rxq, void **cookies, uint16_t want, uint16_t *nout)
{
	uint32_t lens[VIREO_RX_BATCH];
	int n;

	if (likely(vireo_rx_fast_ok(rxq)))
		return rxq->mrg ? vireo_rx_harvest_fast(rxq, cookies, want, nout, true) :
				  vireo_rx_harvest_fast(rxq, cookies, want, nout, false);
	n = vio_vq_harvest(rxq->vq, cookies, lens, want);
	if (n > 0)
		*nout = vireo_rx_process(rxq, cookies, lens, (uint16_t)n);
	return n;
}

/* Receive from one virtqueue: harvest, build packets, refill, kick. */
static inline uint16_t
vireo_rx_vq(struct vireo_rxq *rxq, struct rte_mbuf **pkts, uint16_t nb_pkts)
{
	struct vio_vq *vq = rxq->vq;
	uint16_t nrx = 0;

	if (unlikely(vq == NULL))
		return 0;
	if (unlikely(vio_vq_is_broken(vq))) {
		vireo_rxq_broken(rxq);
		return 0;
	}
	while (nrx < nb_pkts) {
		uint16_t want = RTE_MIN((uint16_t)(nb_pkts - nrx), (uint16_t)VIREO_RX_BATCH);
		uint16_t built = 0;
		/* Harvested straight into the caller's array, processed in place. */
		int n = vireo_rx_harvest(rxq, (void **)(pkts + nrx), want, &built);

		if (unlikely(n < 0)) {
			vireo_rxq_broken(rxq);
			return nrx;
		}
		nrx += built;
		if (n < want || vio_vq_is_broken(vq))
			break;
	}
	/* Refill (and ring) only once free_thresh buffers are missing. */
	if (likely(!vio_vq_is_broken(vq)) && vireo_rxq_room(rxq) >= rxq->free_thresh &&
	    vireo_rx_refill(rxq) > 0)
		rxq->st.doorbells += vio_vq_kick(vq);
	return nrx;
}

/*
 * An rx queue with fan-in queues (more tx than rx queues): its own
 * virtqueue and each fan-in one, a different one first at every call, so
 * that none starves while another always fills the burst. All of them are
 * polled by this lcore only: no lock.
 */
static uint16_t __rte_noinline
vireo_rx_fanin_burst(struct vireo_rxq *rxq, struct rte_mbuf **pkts, uint16_t nb_pkts)
{
	struct vireo_rxq *q = rxq;
	uint16_t nrx = 0, nq = 1, turn;

	for (const struct vireo_rxq *f = rxq->fanin; f != NULL; f = f->fanin)
		nq++;
	turn = (uint16_t)(rxq->fanin_turn++ % nq);
	for (uint16_t i = 0; i < turn; i++)
		q = q->fanin;
	for (uint16_t i = 0; i < nq && nrx < nb_pkts; i++) {
		nrx += vireo_rx_vq(q, pkts + nrx, (uint16_t)(nb_pkts - nrx));
		q = q->fanin != NULL ? q->fanin : rxq;
	}
	return nrx;
}

/*
 * An empty poll, the common case of a polling loop: nothing used and
 * fewer than free_thresh buffers to refill. Checked before entering
 * vireo_rx_vq(), whose harvest and refill would find nothing to do at
 * several times the cost (a peek at used->idx; vio_vq_harvest() does the
 * ordered read). A broken queue is not idle: vireo_rx_vq() reports it.
 */
static inline bool
vireo_rx_idle(const struct vireo_rxq *rxq)
{
	const struct vio_vq *vq = rxq->vq;

	return vq != NULL && !vio_vq_is_broken(vq) && vio_vq_used_pending(vq) == 0 &&
	       vireo_rxq_room(rxq) < rxq->free_thresh;
}

uint16_t
vireo_rx_burst(void *queue, struct rte_mbuf **pkts, uint16_t nb_pkts)
{
	struct vireo_rxq *rxq = queue;

	if (likely(rxq->fanin == NULL)) {
		if (vireo_rx_idle(rxq))
			return 0;
		return vireo_rx_vq(rxq, pkts, nb_pkts);
	}
	return vireo_rx_fanin_burst(rxq, pkts, nb_pkts);
}

/* ---- Tx ---- */

/*
 * A device that writes a used len on a tx completion (nothing was to be
 * written) is tolerated by lib/virtio, which counts it: fold that count
 * into the queue's stats (tx_qN_used_len_errors).
 */
static inline void
vireo_txq_count_bad_len(struct vireo_txq *txq)
{
	uint64_t n = vio_vq_bad_len_count(txq->vq);

	if (unlikely(n != txq->bad_len_seen)) {
		txq->st.bad_len += n - txq->bad_len_seen;
		txq->bad_len_seen = n;
	}
}

/*
 * A rearm word (data_off, refcnt, nb_segs, port: vireo_mbuf_rearm_word())
 * with these refcnt and nb_segs and zero elsewhere, in the CPU's byte order
 * (a constant once inlined).
 */
static inline uint64_t
vireo_rearm_refcnt_segs(uint16_t refcnt, uint16_t nb_segs)
{
	const uint16_t w[4] = { 0, refcnt, nb_segs, 0 };
	uint64_t v;

	static_assert(offsetof(struct rte_mbuf, refcnt) ==
				      offsetof(struct rte_mbuf, data_off) + 2 &&
			      offsetof(struct rte_mbuf, nb_segs) ==
				      offsetof(struct rte_mbuf, data_off) + 4 &&
			      offsetof(struct rte_mbuf, data_off) ==
				      offsetof(struct rte_mbuf, rearm_data),
		      "rearm word: data_off, refcnt, nb_segs, port");
	memcpy(&v, w, sizeof(v));
	return v;
}

/*
 * Nonzero unless @p m is direct (not indirect, no external buffer) with one
 * reference and one segment: refcnt and nb_segs from one load of the rearm
 * word, the flags with one mask, combined without a branch.
 */
static inline uint64_t
vireo_mbuf_not_plain(const struct rte_mbuf *m)
{
	uint64_t rearm;

	memcpy(&rearm, (const char *)m + offsetof(struct rte_mbuf, rearm_data), sizeof(rearm));
	return ((rearm & vireo_rearm_refcnt_segs(UINT16_MAX, UINT16_MAX)) ^
		vireo_rearm_refcnt_segs(1, 1)) |
	       (m->ol_flags & (RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL));
}

/* Return a run of mbufs of one pool to it. */
static inline void
vireo_tx_put_run(struct rte_mempool *pool, struct rte_mbuf **run, unsigned int n)
{
	if (n > 0)
		rte_mempool_put_bulk(pool, (void **)run, n);
}

/*
 * Whether all @p n mbufs are direct, one segment, one reference and of
 * the first one's pool: one pass of loads and ors, one branch.
 */
static inline bool
vireo_tx_free_all_plain(void *const *done, unsigned int n)
{
	const uintptr_t pool = (uintptr_t)((struct rte_mbuf *)done[0])->pool;
	uint64_t odd = 0;

	for (unsigned int i = 0; i < n; i++) {
		const struct rte_mbuf *m = done[i];

		odd |= vireo_mbuf_not_plain(m) | (uintptr_t)m->next | ((uintptr_t)m->pool ^ pool);
	}
	return odd == 0;
}

/*
 * Free sent packets. Most are what the fast path sends: a direct mbuf
 * whose only reference was handed to us, one segment. For those, freeing
 * is putting them back in their pool as they are (refcnt 1, next NULL,
 * nb_segs 1: the state a pool keeps), in runs per pool; anything else
 * goes through rte_pktmbuf_free(). Same result as rte_pktmbuf_free_bulk(),
 * about a third of its instructions for the common case; when every mbuf
 * of the batch is such a one from one pool, a check pass and one put.
 */
static void
vireo_tx_free(void **done, unsigned int n)
{
	struct rte_mbuf *run[VIREO_TX_FREE_BATCH]; /* n <= VIREO_TX_FREE_BATCH: never full */
	struct rte_mempool *pool = NULL;
	unsigned int nrun = 0;

	RTE_ASSERT(n <= RTE_DIM(run));
	if (likely(n > 0) && vireo_tx_free_all_plain(done, n)) {
		rte_mempool_put_bulk(((struct rte_mbuf *)done[0])->pool, done, n);
		return;
	}
	for (unsigned int i = 0; i < n; i++) {
		struct rte_mbuf *m = done[i];

		if (unlikely((vireo_mbuf_not_plain(m) | (uintptr_t)m->next) != 0)) {
			rte_pktmbuf_free(m);
			continue;
		}
		if (unlikely(m->pool != pool)) {
			vireo_tx_put_run(pool, run, nrun);
			nrun = 0;
			pool = m->pool;
		}
		run[nrun++] = m;
	}
	vireo_tx_put_run(pool, run, nrun);
}

/* Free up to @p max completed packets. @return packets freed, or -EIO. */
static int
vireo_tx_reclaim(struct vireo_txq *txq, uint32_t max)
{
	void *done[VIREO_TX_FREE_BATCH];
	uint32_t total = 0;

	while (total < max) {
		uint16_t want = (uint16_t)RTE_MIN(max - total, (uint32_t)VIREO_TX_FREE_BATCH);
		int n = vio_vq_harvest(txq->vq, done, NULL, want);

		if (unlikely(n < 0)) {
			vireo_txq_broken(txq);
			return -EIO;
		}
		if (n == 0)
			break;
		vireo_txq_count_bad_len(txq);
		vireo_tx_free(done, (unsigned int)n);
		total += (uint32_t)n;
		if (n < want)
			break;
	}
	return (int)total;
}

/*
 * Nonzero unless vireo_tx_can_push(): a plain mbuf (vireo_mbuf_not_plain())
 * whose data_len is its pkt_len and with room for the header before it.
 */
static inline uint64_t
vireo_tx_push_odd(const struct rte_mbuf *m)
{
	return vireo_mbuf_not_plain(m) | (uint32_t)(m->data_len ^ m->pkt_len) |
	       (uint32_t)(m->data_off < VIREO_NET_HDR_LEN);
}

/*
 * The push path sends data_len bytes; a segment whose data_len disagrees
 * with pkt_len (the length validated) takes the chain path, which drops it.
 */
static inline bool
vireo_tx_can_push(const struct rte_mbuf *m)
{
	return vireo_tx_push_odd(m) == 0;
}

/* Section 5.1.6.2: GSO of a family only when its HOST_TSO bit was negotiated. */
static inline bool
vireo_tx_tso_ok(const struct vireo_txq *txq, uint64_t fl)
{
	if (!(fl & RTE_MBUF_F_TX_TCP_SEG))
		return false;
	return (fl & RTE_MBUF_F_TX_IPV6) ? txq->tso6 : txq->tso4;
}

/*
 * Store header @p v at @p h unless it is there already. The device reads
 * this line: a store takes it from the device side's cache, the device
 * then takes it back (two cross-core transfers per packet, on top of the
 * frame's own line). An mbuf back from its pool after an earlier send
 * holds the same header in its headroom (all zero without offloads), and
 * reading it leaves the line shared. memcpy: after rte_pktmbuf_adj() the
 * headroom header may be unaligned.
 */
static inline void
vireo_tx_put_hdr(struct vio_net_hdr *h, const struct vio_net_hdr *v)
{
	uint64_t h8, v8;
	uint32_t h4, v4;

	static_assert(sizeof(*h) == sizeof(h8) + sizeof(h4), "net hdr is 8 + 4 bytes");
	memcpy(&h8, h, sizeof(h8));
	memcpy(&h4, (const char *)h + sizeof(h8), sizeof(h4));
	memcpy(&v8, v, sizeof(v8));
	memcpy(&v4, (const char *)v + sizeof(v8), sizeof(v4));
	if (((h8 ^ v8) | (h4 ^ v4)) != 0)
		memcpy(h, v, sizeof(*v));
}

/* Fill every header field (a reused headroom or slot holds stale bytes). */
static inline void
vireo_tx_fill_hdr(const struct vireo_txq *txq, struct vio_net_hdr *h, const struct rte_mbuf *m)
{
	uint64_t fl = m->ol_flags;
	struct vio_net_hdr v = { .gso_type = VIO_NET_HDR_GSO_NONE };

	if (txq->csum && (fl & (RTE_MBUF_F_TX_L4_MASK | RTE_MBUF_F_TX_TCP_SEG)) != 0) {
		uint64_t l4 = fl & RTE_MBUF_F_TX_L4_MASK;

		/* Section 5.1.6.2: checksum from csum_start, stored at +csum_offset. */
		v.csum_start = (uint16_t)(m->l2_len + m->l3_len);
		if ((fl & RTE_MBUF_F_TX_TCP_SEG) || l4 == RTE_MBUF_F_TX_TCP_CKSUM) {
			v.flags = VIO_NET_HDR_F_NEEDS_CSUM;
			v.csum_offset = offsetof(struct rte_tcp_hdr, cksum);
		} else if (l4 == RTE_MBUF_F_TX_UDP_CKSUM) {
			v.flags = VIO_NET_HDR_F_NEEDS_CSUM;
			v.csum_offset = offsetof(struct rte_udp_hdr, dgram_cksum);
		}
		if (vireo_tx_tso_ok(txq, fl)) {
			v.gso_type = (fl & RTE_MBUF_F_TX_IPV6) ? VIO_NET_HDR_GSO_TCPV6 :
								 VIO_NET_HDR_GSO_TCPV4;
			v.gso_size = m->tso_segsz;
			v.hdr_len = (uint16_t)(m->l2_len + m->l3_len + m->l4_len);
		}
	}
	vireo_tx_put_hdr(h, &v);
}

static inline bool
vireo_tx_pkt_ok(const struct vireo_txq *txq, const struct rte_mbuf *m)
{
	if (unlikely(m->nb_segs > VIREO_TX_MAX_SEGS || m->nb_segs >= txq->nb_desc ||
		     m->pkt_len == 0))
		return false;
	if (likely(m->pkt_len <= txq->max_pkt_len))
		return true;
	return vireo_tx_tso_ok(txq, m->ol_flags) &&
	       m->pkt_len <= VIREO_MAX_GSO_LEN + VIREO_ETH_OVERHEAD;
}

/* One descriptor: header in the headroom right before the frame. */
static inline int
vireo_tx_push(struct vireo_txq *txq, struct rte_mbuf *m)
{
	struct vio_net_hdr *h = rte_pktmbuf_mtod_offset(m, struct vio_net_hdr *,
							-VIREO_NET_HDR_LEN);

	vireo_tx_fill_hdr(txq, h, m);
	return vio_vq_add_buf(txq->vq, rte_pktmbuf_iova(m) - VIREO_NET_HDR_LEN,
			      m->data_len + VIREO_NET_HDR_LEN, false, m);
}

/* Header slot of the head descriptor + one descriptor per non-empty segment. */
static int
vireo_tx_chain(struct vireo_txq *txq, struct rte_mbuf *m)
{
	struct vio_sg sg[VIREO_TX_MAX_SEGS + 1];
	uint16_t head = vio_vq_next_head(txq->vq);
	const struct rte_mbuf *seg;
	uint32_t total = 0;
	uint16_t n = 1;

	vireo_tx_fill_hdr(txq, &txq->hdrs[head], m);
	sg[0].iova = txq->hdrs_iova + (uint64_t)head * VIREO_NET_HDR_LEN;
	sg[0].len = VIREO_NET_HDR_LEN;
	for (seg = m; seg != NULL; seg = seg->next) {
		if (seg->data_len == 0)
			continue;
		if (unlikely(n > VIREO_TX_MAX_SEGS))
			return -EINVAL;
		sg[n].iova = rte_pktmbuf_iova(seg);
		sg[n].len = seg->data_len;
		total += seg->data_len;
		n++;
	}
	/* A chain whose lengths disagree with pkt_len is malformed. */
	if (unlikely(total != m->pkt_len))
		return -EINVAL;
	return vio_vq_add_chain(txq->vq, sg, n, 0, m);
}

/*
 * vireo_tx_can_push() without offloads and with a length the device takes,
 * as one test: the parts combined with bitwise ors so that the compiler
 * branches once.
 */
static inline bool
vireo_tx_simple_ok(const struct vireo_txq *txq, const struct rte_mbuf *m)
{
	return (vireo_tx_push_odd(m) |
		(m->ol_flags & (RTE_MBUF_F_TX_L4_MASK | RTE_MBUF_F_TX_TCP_SEG)) |
		(uint32_t)(m->pkt_len - 1 >= txq->max_pkt_len)) == 0;
}

/*
 * The common case in a tight loop: packets that go as one descriptor with
 * the header in their headroom and no offload to describe (an all-zero
 * header: no flags, GSO_NONE). Stops at the first packet that needs more
 * and returns how many went on the ring; the caller does the rest one by
 * one. Room was made by the caller.
 */
static inline uint16_t
vireo_tx_simple(struct vireo_txq *txq, struct rte_mbuf **pkts, uint16_t n)
{
	static const struct vio_net_hdr zero_hdr = { .gso_type = VIO_NET_HDR_GSO_NONE };
	uint64_t iovas[VIREO_TX_SIMPLE_BATCH];
	uint32_t lens[VIREO_TX_SIMPLE_BATCH];
	uint64_t bytes = 0;
	uint16_t i;
	int added;

	n = RTE_MIN(n, RTE_MIN(vireo_txq_room(txq), (uint16_t)VIREO_TX_SIMPLE_BATCH));
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct vio_net_hdr *h;
		uint32_t plen = m->pkt_len;

		if (unlikely(!vireo_tx_simple_ok(txq, m)))
			break;
		h = rte_pktmbuf_mtod_offset(m, struct vio_net_hdr *, -VIREO_NET_HDR_LEN);
		vireo_tx_put_hdr(h, &zero_hdr);
		iovas[i] = rte_pktmbuf_iova(m) - VIREO_NET_HDR_LEN;
		lens[i] = plen + VIREO_NET_HDR_LEN;
		bytes += plen;
		txq->st.bins[vireo_size_bin(plen)]++;
	}
	added = vio_vq_add_bufs(txq->vq, (void *const *)pkts, iovas, lens, 0, false, i);
	if (unlikely(added != i)) {
		/* Broken meanwhile (room was checked): none went out; take back the
		 * size bins counted above. The caller stops at the broken queue. */
		for (uint16_t k = 0; k < i; k++)
			txq->st.bins[vireo_size_bin(pkts[k]->pkt_len)]--;
		return 0;
	}
	txq->st.packets += i;
	txq->st.bytes += bytes;
	return i;
}

uint16_t
vireo_tx_burst(void *queue, struct rte_mbuf **pkts, uint16_t nb_pkts)
{
	struct vireo_txq *txq = queue;
	struct vio_vq *vq = txq->vq;
	uint16_t i;

	if (unlikely(vq == NULL))
		return 0;
	if (unlikely(vio_vq_is_broken(vq))) {
		vireo_txq_broken(txq);
		return 0;
	}
	/* Lazy reclaim: only when descriptors run low. */
	if (vireo_txq_room(txq) < txq->free_thresh) {
		vireo_tx_reclaim(txq, txq->ring_size);
		/* Still full: the device has sent nothing since the last burst,
		 * a second reclaim below would find nothing either. */
		if (unlikely(vireo_txq_room(txq) == 0))
			return 0;
	}

	i = vireo_tx_simple(txq, pkts, nb_pkts);
	for (; i < nb_pkts; i++) {
		struct rte_mbuf *m = pkts[i];
		bool push;
		uint16_t need;
		int rc;

		if (unlikely(!vireo_tx_pkt_ok(txq, m))) {
			txq->st.errors++;
			rte_pktmbuf_free(m);
			continue;
		}
		push = vireo_tx_can_push(m);
		need = push ? 1 : m->nb_segs + 1;
		if (unlikely(vireo_txq_room(txq) < need)) {
			vireo_tx_reclaim(txq, txq->ring_size);
			if (vireo_txq_room(txq) < need)
				break;
		}
		rc = push ? vireo_tx_push(txq, m) : vireo_tx_chain(txq, m);
		if (unlikely(rc < 0)) {
			if (rc != -EINVAL)
				break; /* -EIO: broken (counted by the next burst) */
			txq->st.errors++;
			rte_pktmbuf_free(m);
			continue;
		}
		txq->st.packets++;
		txq->st.bytes += m->pkt_len;
		txq->st.bins[vireo_size_bin(m->pkt_len)]++;
	}
	txq->st.doorbells += vio_vq_kick(vq);
	return i;
}

int
vireo_tx_done_cleanup(void *queue, uint32_t free_cnt)
{
	struct vireo_txq *txq = queue;

	if (txq->vq == NULL)
		return 0;
	if (vio_vq_is_broken(txq->vq))
		return -EIO;
	return vireo_tx_reclaim(txq, free_cnt == 0 ? UINT32_MAX : free_cnt);
}

/*
 * Seed the L4 checksum field with the pseudo-header sum, length included,
 * for TSO too: the device (Linux GSO behind it) rewrites the length part
 * per segment from the whole L4 length. rte_net_intel_cksum_prepare()
 * leaves the length out for TSO, which is what Intel NICs want and wrong
 * here. Headers must be in the first segment (they are written in place).
 */
static int
vireo_tx_pseudo_hdr(struct rte_mbuf *m)
{
	uint64_t fl = m->ol_flags;
	bool tcp = (fl & RTE_MBUF_F_TX_TCP_SEG) ||
		   (fl & RTE_MBUF_F_TX_L4_MASK) == RTE_MBUF_F_TX_TCP_CKSUM;
	uint32_t l4off = (uint32_t)m->l2_len + m->l3_len;
	void *l3 = rte_pktmbuf_mtod_offset(m, void *, m->l2_len);
	uint16_t phdr;

	if (l4off + (tcp ? sizeof(struct rte_tcp_hdr) : sizeof(struct rte_udp_hdr)) > m->data_len)
		return -EINVAL;
	/* The pseudo-header reads a whole IP header at l2_len: l3_len must cover it. */
	if (m->l3_len <
	    ((fl & RTE_MBUF_F_TX_IPV4) ? sizeof(struct rte_ipv4_hdr) : sizeof(struct rte_ipv6_hdr)))
		return -EINVAL;
	if (fl & RTE_MBUF_F_TX_IPV4)
		phdr = rte_ipv4_phdr_cksum(l3, 0);
	else if (fl & RTE_MBUF_F_TX_IPV6)
		phdr = rte_ipv6_phdr_cksum(l3, 0);
	else
		return -EINVAL;
	if (tcp)
		rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, l4off)->cksum = phdr;
	else
		rte_pktmbuf_mtod_offset(m, struct rte_udp_hdr *, l4off)->dgram_cksum = phdr;
	return 0;
}

uint16_t
vireo_tx_prepare(void *queue, struct rte_mbuf **pkts, uint16_t nb_pkts)
{
	const struct vireo_txq *txq = queue;

	for (uint16_t i = 0; i < nb_pkts; i++) {
		struct rte_mbuf *m = pkts[i];
		uint64_t fl = m->ol_flags & RTE_MBUF_F_TX_OFFLOAD_MASK;
		uint64_t l4 = fl & RTE_MBUF_F_TX_L4_MASK;
		int rc;

		if ((fl & ~VIREO_TX_OL_SUPPORTED) != 0 || l4 == RTE_MBUF_F_TX_SCTP_CKSUM ||
		    ((l4 != 0 || (fl & RTE_MBUF_F_TX_TCP_SEG)) && !txq->csum)) {
			rte_errno = ENOTSUP;
			return i;
		}
		if (fl & RTE_MBUF_F_TX_TCP_SEG) {
			bool v6 = (fl & RTE_MBUF_F_TX_IPV6) != 0;

			if (!(v6 ? txq->tso6 : txq->tso4)) {
				rte_errno = ENOTSUP;
				return i;
			}
			if (m->tso_segsz == 0 || m->l4_len < sizeof(struct rte_tcp_hdr)) {
				rte_errno = EINVAL;
				return i;
			}
		}
		/* What tx_burst would drop: segments, length (a TSO frame up to 64 KiB). */
		if (!vireo_tx_pkt_ok(txq, m)) {
			rte_errno = EINVAL;
			return i;
		}
		if (l4 == 0 && !(fl & RTE_MBUF_F_TX_TCP_SEG))
			continue;
		rc = vireo_tx_pseudo_hdr(m);
		if (rc != 0) {
			rte_errno = -rc;
			return i;
		}
	}
	return nb_pkts;
}

static const uint32_t vireo_ptypes[] = {
	RTE_PTYPE_L2_ETHER,    RTE_PTYPE_L2_ETHER_VLAN, RTE_PTYPE_L2_ETHER_QINQ, RTE_PTYPE_L3_IPV4,
	RTE_PTYPE_L3_IPV4_EXT, RTE_PTYPE_L3_IPV6,       RTE_PTYPE_L3_IPV6_EXT,   RTE_PTYPE_L4_TCP,
	RTE_PTYPE_L4_UDP,      RTE_PTYPE_L4_SCTP,       RTE_PTYPE_L4_ICMP,       RTE_PTYPE_L4_FRAG,
	RTE_PTYPE_L4_NONFRAG,  RTE_PTYPE_UNKNOWN,
};

const uint32_t *
vireo_supported_ptypes_get(struct rte_eth_dev *dev __rte_unused)
{
	return vireo_ptypes;
}

/* Packet-type parsing costs a header walk per packet: an empty mask turns it off. */
int
vireo_ptypes_set(struct rte_eth_dev *dev, uint32_t ptype_mask)
{
	struct vireo_net *net = vireo_net_of(dev);

	net->no_ptype = ptype_mask == RTE_PTYPE_UNKNOWN;
	for (uint16_t i = 0; i < dev->data->nb_rx_queues; i++) {
		struct vireo_rxq *rxq = dev->data->rx_queues[i];

		if (rxq != NULL)
			rxq->ptype = !net->no_ptype;
	}
	return 0;
}
