/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_net_rx: net_vireo's receive path (vireo_rx_burst) against a device
 * that writes arbitrary virtio-net headers, num_buffers, lengths and ids.
 *
 * Four ports are made once (fuzz_net.c): mergeable buffers with checksum
 * and LRO offloads and small mbufs (packets span buffers), mergeable
 * without offloads, one buffer per packet, and MRG_RXBUF offered to an
 * application without SCATTER (the driver negotiates it anyway and drops
 * what spans buffers) with nb_desc below the ring size. Each input picks a
 * port (bit 7 of that byte: a device that sees rx buffers only once
 * notified, unless it set NO_NOTIFY, as swdev's notify-only mode), starts
 * it, and runs a program of operations: the device completes rx
 * buffers (mostly the next posted buffer, with header and frame bytes and
 * a length from the input; sometimes any id and len), moves used idx,
 * sets used flags, scribbles over the descriptor table; the application
 * polls rx_burst and frees or holds what it gets (holding starves the
 * pool, so refill runs short). Then the port is stopped.
 *
 * Invariants: every packet returned is a sane mbuf chain (lengths add up,
 * data inside each buffer, refcnt 1, from our pool and port), at least an
 * Ethernet header long (runts are dropped), in one segment unless the
 * application enabled SCATTER or LRO; MRG_RXBUF is negotiated whenever
 * offered; no more than nb_desc buffers are ever posted; after a burst
 * every posted buffer was notified (or the device polls); after the
 * stop every mbuf is back in the pool exactly once; the driver never
 * violates the ring protocol as swdev sees it; nothing crashes, whatever
 * the device wrote.
 */
#include <string.h>

#include "fuzz_common.h"
#include "fuzz_net.h"
#include "vireo_net.h" /* the rx queue's counts, for the nb_desc invariant */

#define NB_DESC 32
#define NB_MBUFS 96
#define MAX_OPS 64
#define MAX_HELD 64
#define RX_Q 0 /* virtqueue of rx queue 0 */

enum {
	PORT_MRG_OFFLOADS,
	PORT_MRG,
	PORT_PLAIN,
	PORT_MRG_NOSCATTER,
	NB_PORTS
};

#define NOSCATTER_NB_DESC 48 /* ring of 64 */

static struct fuzz_port ports[NB_PORTS];
static bool port_scatter[NB_PORTS];

struct rx_run {
	struct fuzz_port *p;
	struct swdev_queue *q;
	struct vireo_rxq *rxq;
	bool scatter;       /* the application takes multi-segment packets */
	bool notify_only;   /* the device sees buffers only once notified */
	uint16_t visible;   /* notify-only: avail idx the device knows of */
	uint16_t dev_avail; /* next avail entry the device takes */
	uint16_t dev_used;  /* next used entry the device writes */
	struct rte_mbuf *held[MAX_HELD];
	unsigned int nheld;
};

/* The device fills one buffer: header and frame from the input, the rest zero. */
static uint32_t
device_fill(struct rx_run *r, struct fuzz_in *in, uint16_t head, uint8_t sel)
{
	const struct vio_desc *d = &r->q->desc[head];
	uint8_t *va = (uint8_t *)(uintptr_t)d->addr;
	uint32_t cap = d->len, wlen = RTE_MIN(cap, (uint32_t)fuzz_u16(in)), hdr = 0, frame;

	if (sel & 2) {
		hdr = RTE_MIN(wlen, (uint32_t)sizeof(struct vio_net_hdr));
		fuzz_bytes(in, va, hdr);
	}
	frame = RTE_MIN(wlen - hdr, 64u);
	fuzz_bytes(in, va + hdr, frame);
	memset(va + hdr + frame, 0, cap - hdr - frame);
	switch ((sel >> 2) & 3) {
	case 2:
		return fuzz_u32(in) % (cap + 1);
	case 3:
		return fuzz_u32(in); /* may exceed the buffer: a lie */
	default:
		return wlen;
	}
}

static bool
device_polls(const struct rx_run *r)
{
	return !r->notify_only || (r->q->used->flags & VIO_USED_F_NO_NOTIFY);
}

/* The avail idx the device acts on. */
static uint16_t
device_avail_idx(const struct rx_run *r)
{
	uint16_t idx = __atomic_load_n(&r->q->avail->idx, __ATOMIC_ACQUIRE);

	return device_polls(r) ? idx : r->visible;
}

/* Of two avail idx values the driver published, the later one. */
static uint16_t
later_avail(const struct rx_run *r, uint16_t a, uint16_t b)
{
	uint16_t idx = r->q->avail->idx;

	return (uint16_t)(idx - a) <= (uint16_t)(idx - b) ? a : b;
}

/* Posted buffers never exceed nb_desc, whatever the ring size. */
static void
check_posted(const struct rx_run *r)
{
	uint16_t posted;

	if (r->rxq->vq == NULL)
		return;
	posted = (uint16_t)(r->rxq->ring_size - vio_vq_num_free(r->rxq->vq));
	FUZZ_CHECK(posted <= r->rxq->nb_desc, "%u rx buffers posted, nb_desc %u", posted,
		   r->rxq->nb_desc);
}

/* After a burst: what the driver published, the device knows of. */
static void
check_notified(struct rx_run *r)
{
	if (device_polls(r)) {
		r->visible = r->q->avail->idx;
		return;
	}
	r->visible = later_avail(r, r->visible,
				 __atomic_load_n(&r->q->notified_avail, __ATOMIC_ACQUIRE));
	if (r->rxq->vq != NULL && !vio_vq_is_broken(r->rxq->vq))
		FUZZ_CHECK(r->visible == r->q->avail->idx,
			   "rx buffers published up to %u, notified only up to %u",
			   r->q->avail->idx, r->visible);
}

static void
op_used_flags(struct rx_run *r, struct fuzz_in *in)
{
	bool was_polling = device_polls(r);

	r->q->used->flags = fuzz_u8(in) & VIO_USED_F_NO_NOTIFY;
	/* A device that asks for notifications again re-checks the ring first. */
	if (was_polling && !device_polls(r))
		r->visible = r->q->avail->idx;
}

static void
op_device_complete(struct rx_run *r, struct fuzz_in *in)
{
	unsigned int k = 1 + fuzz_u8(in) % 8;
	uint16_t mask = (uint16_t)(r->q->cfg.size - 1);

	for (unsigned int i = 0; i < k; i++) {
		uint8_t sel = fuzz_u8(in);
		bool have = r->dev_avail != device_avail_idx(r);
		struct vio_used_elem e;

		if (sel < 0xd0 && have) {
			uint16_t head = r->q->avail->ring[r->dev_avail++ & mask];

			e.id = head;
			e.len = head < r->q->cfg.size ? device_fill(r, in, head, sel) : 0;
		} else {
			e.id = (sel & 1) ? fuzz_u32(in) : fuzz_u8(in);
			e.len = fuzz_u32(in);
		}
		r->q->used->ring[r->dev_used++ & mask] = e;
	}
	if (fuzz_u8(in) >= 0xf0)
		r->dev_used = fuzz_u16(in);
	__atomic_store_n(&r->q->used->idx, r->dev_used, __ATOMIC_RELEASE);
}

static void
op_rx_burst(struct rx_run *r, struct fuzz_in *in)
{
	uint8_t b = fuzz_u8(in);
	struct rte_mbuf *pkts[64];
	uint16_t n = rte_eth_rx_burst(r->p->port, 0, pkts, (uint16_t)(1 + b % 64));

	check_notified(r);
	check_posted(r);
	for (uint16_t i = 0; i < n; i++) {
		fuzz_check_mbuf(r->p, pkts[i]);
		FUZZ_CHECK(pkts[i]->pkt_len >= RTE_ETHER_HDR_LEN, "runt of %u bytes delivered",
			   pkts[i]->pkt_len);
		FUZZ_CHECK(pkts[i]->nb_segs == 1 || r->scatter, "%u-segment packet without SCATTER",
			   pkts[i]->nb_segs);
		if ((b & 0x80) && r->nheld < MAX_HELD)
			r->held[r->nheld++] = pkts[i];
		else
			rte_pktmbuf_free(pkts[i]);
	}
}

static void
op_device_scribble(struct rx_run *r, struct fuzz_in *in)
{
	struct vio_desc *d = &r->q->desc[fuzz_u8(in) & (r->q->cfg.size - 1)];

	/* Not addr and len: this device writes where they point. */
	d->next = fuzz_u16(in);
	d->flags = fuzz_u16(in);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const uint64_t base = VIO_BIT(VIO_F_VERSION_1) | VIO_BIT(VIO_NET_F_MAC) |
			      VIO_BIT(VIO_NET_F_STATUS);
	const struct fuzz_port_params params[NB_PORTS] = {
		[PORT_MRG_OFFLOADS] = {
			.name = "fz_rx_mrg_ol",
			.features = base | VIO_BIT(VIO_NET_F_MRG_RXBUF) |
				    VIO_BIT(VIO_NET_F_GUEST_CSUM) | VIO_BIT(VIO_NET_F_GUEST_TSO4) |
				    VIO_BIT(VIO_NET_F_GUEST_TSO6),
			.rx_offloads = RTE_ETH_RX_OFFLOAD_SCATTER | RTE_ETH_RX_OFFLOAD_TCP_LRO |
				       RTE_ETH_RX_OFFLOAD_TCP_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM,
			/* 256-byte buffers: larger frames span several. */
			.data_room = RTE_PKTMBUF_HEADROOM + 256,
		},
		[PORT_MRG] = {
			.name = "fz_rx_mrg",
			.features = base | VIO_BIT(VIO_NET_F_MRG_RXBUF),
			.rx_offloads = RTE_ETH_RX_OFFLOAD_SCATTER,
		},
		[PORT_PLAIN] = {
			.name = "fz_rx_plain",
			.features = base | VIO_BIT(VIO_NET_F_GUEST_CSUM),
			.rx_offloads = RTE_ETH_RX_OFFLOAD_TCP_CKSUM,
		},
		[PORT_MRG_NOSCATTER] = {
			.name = "fz_rx_mrg_nosc",
			.features = base | VIO_BIT(VIO_NET_F_MRG_RXBUF),
			/* Default mbufs (MTU 1500 fits): a frame over two buffers is oversize. */
			.nb_desc = NOSCATTER_NB_DESC,
		},
	};

	RTE_SET_USED(argc);
	RTE_SET_USED(argv);
	fuzz_eal_init("net_rx");
	for (unsigned int i = 0; i < NB_PORTS; i++) {
		struct fuzz_port_params pp = params[i];

		if (pp.nb_desc == 0)
			pp.nb_desc = NB_DESC;
		pp.nb_mbufs = NB_MBUFS;
		fuzz_port_create(&ports[i], &pp);
		port_scatter[i] = (pp.rx_offloads &
				   (RTE_ETH_RX_OFFLOAD_SCATTER | RTE_ETH_RX_OFFLOAD_TCP_LRO)) != 0;
		/* Negotiated whenever offered, SCATTER or not. */
		FUZZ_CHECK(!(pp.features & VIO_BIT(VIO_NET_F_MRG_RXBUF)) ||
				   vio_dev_has(&ports[i].sw->vdev, VIO_NET_F_MRG_RXBUF),
			   "%s: MRG_RXBUF offered, not negotiated", pp.name);
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = fuzz_in_make(data, size);
	uint8_t port_sel = fuzz_u8(&in);
	unsigned int pi = (port_sel & 0x7f) % NB_PORTS;
	struct rx_run r = { .p = &ports[pi], .scatter = port_scatter[pi] };
	int rc;

	r.notify_only = (port_sel & 0x80) != 0;
	rc = rte_eth_dev_start(r.p->port);
	FUZZ_CHECK(rc == 0, "start: %d", rc);
	r.q = fuzz_port_q(r.p, RX_Q);
	r.rxq = rte_eth_devices[r.p->port].data->rx_queues[0];
	/* Start posts the ring and, after DRIVER_OK, notifies it. */
	r.visible = r.q->avail->idx;
	FUZZ_CHECK(!r.notify_only || r.q->notified_avail == r.visible,
		   "rx ring published up to %u at start, notified up to %u", r.visible,
		   r.q->notified_avail);
	check_posted(&r);
	for (unsigned int op = 0; op < MAX_OPS && fuzz_more(&in); op++) {
		switch (fuzz_u8(&in) % 4) {
		case 0:
			op_device_complete(&r, &in);
			break;
		case 1:
			op_rx_burst(&r, &in);
			break;
		case 2:
			op_used_flags(&r, &in);
			break;
		default:
			op_device_scribble(&r, &in);
			break;
		}
	}
	rte_pktmbuf_free_bulk(r.held, r.nheld);
	rc = rte_eth_dev_stop(r.p->port);
	FUZZ_CHECK(rc == 0, "stop: %d", rc);
	fuzz_port_check(r.p);
	return 0;
}
