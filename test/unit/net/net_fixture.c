/* SPDX-License-Identifier: BSD-3-Clause */
/* net_vireo unit-test fixture: virtio-net device model on swdev + a port on it. */
#include "net_fixture.h"

#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_mempool.h>

#include "vireo_net_port.h"

const uint8_t fx_mac[6] = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0x01 };

static unsigned int fx_serial;
static bool fx_threaded;

/* ---- Device model ---- */

/* Rx queues are filled by the tx handler of their pair, never on their own. */
static int64_t
model_rx_idle(struct swdev *sw, uint16_t qidx, const struct swdev_chain *c, void *arg)
{
	RTE_SET_USED(sw);
	RTE_SET_USED(qidx);
	RTE_SET_USED(c);
	RTE_SET_USED(arg);
	return SWDEV_DEFER;
}

/* Rx buffers a frame of @p len bytes takes (0: it fits none, the device drops it). */
static uint32_t
model_rx_bufs(const struct swdev *sw, const struct net_model *m, uint32_t len)
{
	uint32_t total = len + (uint32_t)sizeof(struct vio_net_hdr);

	if (sw->driver_features & VIO_BIT(VIO_NET_F_MRG_RXBUF))
		return (total + m->rx_buf_len - 1) / m->rx_buf_len;
	/* Without MRG_RXBUF one buffer or nothing: QEMU drops what does not fit. */
	return total <= m->rx_buf_len ? 1 : 0;
}

/*
 * Deliver a frame into rx queue @p rxq like a NIC, over several buffers
 * when MRG_RXBUF was negotiated (num_buffers in the first buffer's header).
 * @return 1 delivered, 0 dropped by the device, SWDEV_DEFER when the queue
 * lacks buffers (a NIC waits for them).
 */
static int
model_deliver(struct swdev *sw, struct net_model *m, uint16_t rxq, const uint8_t *frame,
	      uint32_t len)
{
	struct vio_net_hdr h = { 0 };
	uint32_t need = model_rx_bufs(sw, m, len);
	uint32_t off = 0;

	if (!sw->q[rxq].enabled)
		return 0;
	if (need == 0) {
		m->dev_dropped++;
		return 0;
	}
	if (swdev_avail_pending(sw, rxq) < need)
		return SWDEV_DEFER;
	h.flags = m->rx_flags;
	h.csum_start = m->rx_csum_start;
	h.csum_offset = m->rx_csum_offset;
	h.num_buffers = m->lie ? m->lie_num_buffers : (uint16_t)need;
	for (uint32_t k = 0; k < need; k++) {
		struct swdev_chain rx;
		uint32_t w = 0, n;

		if (swdev_pop(sw, rxq, &rx) != 0)
			break;
		if (k == 0)
			w = (uint32_t)swdev_chain_write(&rx, 0, &h, sizeof(h));
		n = RTE_MIN(rx.in_len - w, len - off);
		swdev_chain_write(&rx, w, frame + off, n);
		off += n;
		swdev_push(sw, rxq, rx.head, w + n);
		m->rx_buffers++;
	}
	if (off < len)
		m->truncated++;
	m->rx_packets++;
	swdev_publish(sw, rxq);
	return 1;
}

/* The rx queue a frame sent on tx queue @p qidx arrives on. */
static uint16_t
model_rx_queue(struct net_model *m, uint16_t qidx)
{
	if (m->rr_rx && m->mq_pairs > 1)
		return (uint16_t)(2 * (m->rr_next++ % m->mq_pairs));
	return (uint16_t)(qidx - 1);
}

/* A tx chain whose rx queue lacks buffers waits in its ring, like on a NIC. */
static int64_t
model_tx_wait(struct net_model *m)
{
	if (m->rr_rx && m->mq_pairs > 1)
		m->rr_next--; /* the same queue next time */
	return SWDEV_DEFER;
}

/*
 * Tx chain on queue 2i+1: strip the 12-byte header and deliver the frame
 * into rx queue 2i (or round robin over the pairs in use with rr_rx), like
 * a NIC on a wire loop.
 */
static int64_t
model_tx(struct swdev *sw, uint16_t qidx, const struct swdev_chain *c, void *arg)
{
	static uint8_t frame[70000];
	struct net_model *m = arg;
	struct vio_net_hdr h;
	uint16_t rxq;
	uint32_t len;

	if (__atomic_load_n(&m->rx_hold, __ATOMIC_ACQUIRE))
		return SWDEV_DEFER;
	if (c->out_len < sizeof(h) || c->out_len - sizeof(h) > sizeof(frame))
		return 0;
	len = c->out_len - (uint32_t)sizeof(h);
	rxq = model_rx_queue(m, qidx);
	/* Checked before the copy, and by the delivery: what the device sees may change. */
	if (sw->q[rxq].enabled && swdev_avail_pending(sw, rxq) < model_rx_bufs(sw, m, len))
		return model_tx_wait(m);
	swdev_chain_read(c, sizeof(h), frame, len);
	if (model_deliver(sw, m, rxq, frame, len) == SWDEV_DEFER)
		return model_tx_wait(m);
	m->tx_chains++;
	m->tx_nseg[RTE_MIN(c->nseg, (uint16_t)7)]++;
	swdev_chain_read(c, 0, &m->last_tx_hdr, sizeof(h));
	return 0;
}

static void
model_mac_table(struct net_model *m, const uint8_t *d, uint32_t len)
{
	uint32_t nuc, nmc;

	if (len < 4)
		return;
	memcpy(&nuc, d, 4);
	if (nuc > FX_MAX_TABLE || len < 8 + 6 * nuc)
		return;
	memcpy(m->uc, d + 4, 6 * nuc);
	memcpy(&nmc, d + 4 + 6 * nuc, 4);
	if (nmc > FX_MAX_TABLE || len < 8 + 6 * (nuc + nmc))
		return;
	memcpy(m->mc, d + 8 + 6 * nuc, 6 * nmc);
	m->uc_count = nuc;
	m->mc_count = nmc;
}

/* Control queue: class, command, data (readable) + ack byte (writable). */
static int64_t model_ctrl(struct swdev *sw, uint16_t qidx, const struct swdev_chain *c, void *arg);

/*
 * Section 5.1.2: the control queue is 2N with N = max_virtqueue_pairs when
 * MQ is negotiated, else N = 1 (QEMU renumbers its queues the same way).
 * So queue 2 is either pair 1's rx queue or the control queue.
 */
static bool
model_is_ctrl(const struct swdev *sw, const struct net_model *m, uint16_t qidx)
{
	bool mq = (sw->driver_features & VIO_BIT(VIO_NET_F_MQ)) != 0;

	return qidx == (mq ? 2 * m->pairs : 2);
}

static int64_t
model_even(struct swdev *sw, uint16_t qidx, const struct swdev_chain *c, void *arg)
{
	if (model_is_ctrl(sw, arg, qidx))
		return model_ctrl(sw, qidx, c, arg);
	return SWDEV_DEFER; /* rx: filled by the tx handler of its pair */
}

static int64_t
model_ctrl(struct swdev *sw, uint16_t qidx, const struct swdev_chain *c, void *arg)
{
	struct net_model *m = arg;
	uint8_t buf[1024];
	uint8_t ack = VIO_NET_OK;
	uint32_t n, dlen;
	uint16_t v16;
	const uint8_t *d = buf + 2;

	RTE_SET_USED(qidx);
	if (m->ctrl_defer)
		return SWDEV_DEFER;
	if (c->in_len < 1 || c->out_len < 2)
		return 0;
	n = (uint32_t)swdev_chain_read(c, 0, buf, RTE_MIN(c->out_len, (uint32_t)sizeof(buf)));
	dlen = n - 2;
	switch (buf[0] << 8 | buf[1]) {
	case VIO_NET_CTRL_RX << 8 | VIO_NET_CTRL_RX_PROMISC:
		m->promisc = dlen >= 1 ? d[0] : -2;
		break;
	case VIO_NET_CTRL_RX << 8 | VIO_NET_CTRL_RX_ALLMULTI:
		m->allmulti = dlen >= 1 ? d[0] : -2;
		break;
	case VIO_NET_CTRL_MAC << 8 | VIO_NET_CTRL_MAC_ADDR_SET:
		if (dlen >= 6) {
			memcpy(m->mac, d, 6);
			m->mac_set = true;
		}
		break;
	case VIO_NET_CTRL_MAC << 8 | VIO_NET_CTRL_MAC_TABLE_SET:
		model_mac_table(m, d, dlen);
		break;
	case VIO_NET_CTRL_VLAN << 8 | VIO_NET_CTRL_VLAN_ADD:
	case VIO_NET_CTRL_VLAN << 8 | VIO_NET_CTRL_VLAN_DEL:
		memcpy(&v16, d, 2);
		v16 &= 4095;
		if (buf[1] == VIO_NET_CTRL_VLAN_ADD)
			m->vlans[v16 / 64] |= UINT64_C(1) << (v16 % 64);
		else
			m->vlans[v16 / 64] &= ~(UINT64_C(1) << (v16 % 64));
		break;
	case VIO_NET_CTRL_MQ << 8 | VIO_NET_CTRL_MQ_VQ_PAIRS_SET:
		memcpy(&v16, d, 2);
		m->mq_pairs = v16;
		/* Section 5.1.6.5.6.1: every queue of those pairs must be set up by now. */
		m->mq_enabled = 0;
		for (uint16_t i = 0; i < 2 * v16 && i < 64 && i < sw->num_queues; i++)
			if (__atomic_load_n(&sw->q[i].enabled, __ATOMIC_ACQUIRE))
				m->mq_enabled |= UINT64_C(1) << i;
		break;
	default:
		ack = VIO_NET_ERR;
		break;
	}
	if (m->ctrl_reject)
		ack = VIO_NET_ERR;
	__atomic_fetch_add(&m->ctrl_cmds, 1, __ATOMIC_RELEASE);
	swdev_chain_write(c, c->in_len - 1, &ack, 1);
	return 1;
}

/* ---- Fixture ---- */

int
fx_group_setup(void **state)
{
	RTE_SET_USED(state);
	return unit_eal_init("net", "0") < 0 ? -1 : 0;
}

int
fx_group_teardown(void **state)
{
	RTE_SET_USED(state);
	rte_eal_cleanup();
	return 0;
}

void
fx_thread(struct net_fx *fx, bool on)
{
	if (on)
		assert_int_equal(swdev_thread_start(fx->sw, -1), 0);
	else
		swdev_thread_stop(fx->sw);
	fx_threaded = on;
}

void
fx_create(struct net_fx *fx, const struct net_fx_params *p)
{
	struct net_fx_params d = *p;
	struct vio_net_config cfg = { 0 };
	struct swdev_params sp = { 0 };
	char name[32];
	uint16_t data_room;

	memset(fx, 0, sizeof(*fx));
	if (d.features == 0)
		d.features = FX_FEATURES;
	if (d.pairs == 0)
		d.pairs = 1;
	if (d.qmax == 0)
		d.qmax = 256;
	if (d.nb_mbufs == 0)
		d.nb_mbufs = 1024;
	data_room = d.data_room != 0 ? d.data_room : RTE_MBUF_DEFAULT_BUF_SIZE;

	fx->pairs = d.pairs;
	fx->model.pairs = d.pairs;
	fx->model.promisc = -1;
	fx->model.allmulti = -1;
	fx->model.rx_buf_len = data_room - RTE_PKTMBUF_HEADROOM + sizeof(struct vio_net_hdr);
	memcpy(cfg.mac, fx_mac, sizeof(cfg.mac));
	cfg.status = VIO_NET_S_LINK_UP;
	cfg.max_virtqueue_pairs = d.pairs;
	cfg.mtu = d.cfg_mtu;
	sp.name = "swnet";
	sp.features = d.features;
	sp.num_queues = (uint16_t)(2 * d.pairs + 1);
	sp.queue_max_size = d.qmax;
	sp.config_len = d.config_len != 0 ? d.config_len : sizeof(cfg);
	sp.config = &cfg;
	fx->sw = swdev_create(&sp);
	assert_non_null(fx->sw);
	/* The device sees only what the driver notified: a missing kick stalls the test. */
	swdev_set_notify_only(fx->sw, true);
	if (d.ctrl_qmax != 0)
		swdev_set_queue_max(fx->sw, (uint16_t)(2 * d.pairs), d.ctrl_qmax);
	for (uint16_t i = 0; i < d.pairs; i++) {
		swdev_set_handler(fx->sw, (uint16_t)(2 * i), i == 0 ? model_rx_idle : model_even,
				  &fx->model);
		swdev_set_handler(fx->sw, (uint16_t)(2 * i + 1), model_tx, &fx->model);
	}
	swdev_set_handler(fx->sw, (uint16_t)(2 * d.pairs), model_even, &fx->model);

	snprintf(name, sizeof(name), "fxmp%u", fx_serial);
	fx->nb_mbufs = d.nb_mbufs;
	/* No per-lcore cache: avail_count is exact for the leak checks. */
	fx->mp = rte_pktmbuf_pool_create(name, d.nb_mbufs, 0, 0, data_room, SOCKET_ID_ANY);
	assert_non_null(fx->mp);
	if (!d.no_port)
		fx_open_port(fx);
}

void
fx_open_port(struct net_fx *fx)
{
	char name[32];

	snprintf(name, sizeof(name), "net_vireo_fx%u", fx_serial++);
	assert_int_equal(vireo_net_port_create(name, swdev_vdev(fx->sw), NULL, &fx->port), 0);
	fx->port_open = true;
	fx_thread(fx, true);
}

void
fx_destroy(struct net_fx *fx)
{
	if (fx->port_open) {
		rte_eth_dev_stop(fx->port);
		assert_int_equal(vireo_net_port_destroy(fx->port), 0);
	}
	fx_thread(fx, false);
	if (!fx->violations_expected && swdev_violations(fx->sw) != 0)
		fail_msg("driver violated the protocol: %s", fx->sw->last_violation);
	/* Every mbuf is back: none leaked in rings, chains or error paths. */
	assert_int_equal(rte_mempool_avail_count(fx->mp), fx->nb_mbufs - fx->quarantined_mbufs);
	rte_mempool_free(fx->mp);
	swdev_destroy(fx->sw);
}

int
fx_start(struct net_fx *fx, uint16_t nq, uint16_t nb_desc, uint64_t rx_offloads,
	 uint64_t tx_offloads)
{
	struct rte_eth_conf conf = { 0 };

	conf.rxmode.offloads = rx_offloads;
	conf.txmode.offloads = tx_offloads;
	return fx_start_conf(fx, nq, nb_desc, &conf);
}

int
fx_start_conf(struct net_fx *fx, uint16_t nq, uint16_t nb_desc, const struct rte_eth_conf *conf)
{
	int rc;

	rc = rte_eth_dev_configure(fx->port, nq, nq, conf);
	if (rc != 0)
		return rc;
	for (uint16_t q = 0; q < nq; q++) {
		rc = rte_eth_rx_queue_setup(fx->port, q, nb_desc, SOCKET_ID_ANY, NULL, fx->mp);
		if (rc != 0)
			return rc;
		rc = rte_eth_tx_queue_setup(fx->port, q, nb_desc, SOCKET_ID_ANY, NULL);
		if (rc != 0)
			return rc;
	}
	return rte_eth_dev_start(fx->port);
}

int
fx_inject_rx(struct net_fx *fx, uint16_t q, uint32_t len, uint8_t seed)
{
	static uint8_t frame[70000];

	assert_false(fx_threaded);
	assert_true(len <= sizeof(frame));
	for (uint32_t i = 0; i < len; i++)
		frame[i] = (uint8_t)(seed + 7 * i);
	return model_deliver(fx->sw, &fx->model, (uint16_t)(2 * q), frame, len);
}

void
fx_process(struct net_fx *fx)
{
	for (uint16_t i = 0; i < fx->sw->num_queues; i++)
		swdev_process(fx->sw, i, SWDEV_BATCH_MAX);
}

struct rte_mbuf *
fx_pkt(struct net_fx *fx, uint32_t len, uint16_t nsegs, uint8_t seed)
{
	struct rte_mbuf *head = NULL;
	uint32_t off = 0;

	for (uint16_t s = 0; s < nsegs; s++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(fx->mp);
		uint32_t n = s + 1 == nsegs ? len - off : len / nsegs;
		uint8_t *p;

		assert_non_null(m);
		p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)n);
		assert_non_null(p);
		for (uint32_t i = 0; i < n; i++)
			p[i] = (uint8_t)(seed + 7 * (off + i));
		off += n;
		if (head == NULL)
			head = m;
		else
			assert_int_equal(rte_pktmbuf_chain(head, m), 0);
	}
	return head;
}

void
fx_check_pkt(const struct rte_mbuf *m, uint32_t len, uint8_t seed)
{
	uint32_t off = 0;
	uint16_t segs = 0;

	assert_int_equal(m->pkt_len, len);
	for (const struct rte_mbuf *s = m; s != NULL; s = s->next, segs++) {
		const uint8_t *p = rte_pktmbuf_mtod(s, const uint8_t *);

		for (uint32_t i = 0; i < s->data_len; i++)
			if (p[i] != (uint8_t)(seed + 7 * (off + i)))
				fail_msg("byte %u of a %u-byte frame (seed %u): %u", off + i, len,
					 seed, p[i]);
		off += s->data_len;
	}
	assert_int_equal(off, len);
	assert_int_equal(segs, m->nb_segs);
}

static bool
fx_expired(uint64_t deadline)
{
	return rte_get_timer_cycles() > deadline;
}

static uint64_t
fx_deadline(unsigned int ms)
{
	return rte_get_timer_cycles() + rte_get_timer_hz() * ms / 1000;
}

unsigned int
fx_rx_wait(struct net_fx *fx, uint16_t q, struct rte_mbuf **pkts, unsigned int want,
	   unsigned int ms)
{
	uint64_t deadline = fx_deadline(ms);
	unsigned int got = 0;

	while (got < want && !fx_expired(deadline)) {
		if (!fx_threaded)
			fx_process(fx);
		got += rte_eth_rx_burst(fx->port, q, pkts + got,
					(uint16_t)RTE_MIN(want - got, 32u));
	}
	return got;
}

unsigned int
fx_tx_all(struct net_fx *fx, uint16_t q, struct rte_mbuf **pkts, unsigned int n, unsigned int ms)
{
	uint64_t deadline = fx_deadline(ms);
	unsigned int sent = 0;

	while (sent < n && !fx_expired(deadline)) {
		sent += rte_eth_tx_burst(fx->port, q, pkts + sent,
					 (uint16_t)RTE_MIN(n - sent, 32u));
		if (!fx_threaded)
			fx_process(fx);
	}
	return sent;
}

uint64_t
fx_xstat(struct net_fx *fx, const char *name)
{
	uint64_t id, value;

	if (rte_eth_xstats_get_id_by_name(fx->port, name, &id) != 0)
		fail_msg("no xstat %s", name);
	assert_int_equal(rte_eth_xstats_get_by_id(fx->port, &id, &value, 1), 1);
	return value;
}
