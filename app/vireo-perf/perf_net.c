/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Net engine: selects and configures ethdev ports within their reported
 * capabilities, builds one stream per (port, queue) and deals the streams to
 * the forwarding lcores round-robin (several streams may share an lcore, as
 * with testpmd's --nb-cores). Only the public ethdev API is used, so any PMD
 * works.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "perf_engine.h"
#include "perf_net.h"

_Static_assert(PERF_MBUF_HEADROOM == RTE_PKTMBUF_HEADROOM,
	       "perf_args.h must agree with the mbuf headroom");
_Static_assert(PERF_MAX_QUEUES == RTE_MAX_QUEUES_PER_PORT,
	       "perf_args.h must agree with RTE_MAX_QUEUES_PER_PORT");

#define PERF_POOL_CACHE 256
#define PERF_DRAIN_MIN 4096

#define ERR(...) fprintf(stderr, "vireo-perf: " __VA_ARGS__)

static int
select_ports(struct perf_net *net)
{
	const struct perf_config *cfg = net->cfg;
	uint16_t avail = rte_eth_dev_count_avail();
	uint64_t mask = cfg->portmask;
	unsigned int bit;
	uint16_t pid;

	if (avail == 0) {
		ERR("no ethdev port found: pass a device to EAL "
		    "(-a <pci-bdf>, or on a host: --no-pci --vdev net_null0)\n");
		return -ENODEV;
	}
	if (mask == 0) {
		RTE_ETH_FOREACH_DEV (pid)
			mask |= UINT64_C(1) << pid;
	}
	for (bit = 0; bit < PERF_MAX_PORTS; bit++) {
		if (!(mask & (UINT64_C(1) << bit)))
			continue;
		if (bit >= RTE_MAX_ETHPORTS || !rte_eth_dev_is_valid_port(bit)) {
			ERR("port %u not found (%u port(s) available)\n", bit, avail);
			return -ENODEV;
		}
		net->ports[net->nb_ports++].id = (uint16_t)bit;
	}
	if (cfg->nb_fwd > 1 && cfg->nb_fwd != net->nb_ports) {
		ERR("--forward-mode lists %u modes for %u ports\n", cfg->nb_fwd, net->nb_ports);
		return -EINVAL;
	}
	return 0;
}

/* Index of the port whose queues port idx's forwarded packets go to. */
static unsigned int
peer_index(const struct perf_net *net, unsigned int idx)
{
	if (net->cfg->topology == PERF_TOPO_LOOP)
		return idx;
	if ((idx ^ 1) < net->nb_ports)
		return idx ^ 1;
	return idx; /* odd port out forwards to itself */
}

static void
default_peer_mac(uint16_t port_id, struct rte_ether_addr *mac)
{
	/* testpmd's default peer address */
	memset(mac, 0, sizeof(*mac));
	mac->addr_bytes[0] = 0x02;
	mac->addr_bytes[5] = (uint8_t)port_id;
}

/* Destination MAC of what port idx sends: --eth-peer, --dst-mac, else the
 * MAC of its forwarding peer (right for back-to-back pairs). */
static void
pick_dst_mac(struct perf_net *net, unsigned int idx)
{
	const struct perf_config *cfg = net->cfg;
	struct perf_port *p = &net->ports[idx];
	unsigned int peer = peer_index(net, idx);

	if (cfg->eth_peer_mask & (UINT64_C(1) << p->id))
		memcpy(p->dst.addr_bytes, cfg->eth_peer[p->id].b, 6);
	else if (cfg->dst_mac_set)
		memcpy(p->dst.addr_bytes, cfg->dst_mac.b, 6);
	else if (peer != idx)
		p->dst = net->ports[peer].mac;
	else
		default_peer_mac(p->id, &p->dst);
}

/* Does anything transmit on port idx (generation or forwarding into it)? */
static bool
port_transmits(const struct perf_net *net, unsigned int idx)
{
	unsigned int i;

	for (i = 0; i < net->nb_ports; i++) {
		enum perf_fwd f = net->ports[i].fwd;

		if (i == idx && perf_fwd_generates(f))
			return true;
		if (perf_fwd_forwards(f) && peer_index(net, i) == idx)
			return true;
	}
	return false;
}

static uint16_t
resolve_desc(unsigned int req, uint16_t dflt, uint16_t fallback)
{
	if (req != 0)
		return (uint16_t)req;
	return dflt != 0 ? dflt : fallback;
}

static int
configure_port(struct perf_net *net, unsigned int idx)
{
	const struct perf_config *cfg = net->cfg;
	struct perf_port *p = &net->ports[idx];
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	uint16_t rxd, txd;
	int ret;

	ret = rte_eth_dev_info_get(p->id, &info);
	if (ret != 0) {
		ERR("port %u: cannot get device info: %s\n", p->id, rte_strerror(-ret));
		return ret;
	}
	snprintf(p->driver, sizeof(p->driver), "%s", info.driver_name ? info.driver_name : "?");
	rte_eth_dev_get_name_by_port(p->id, p->name);
	if (cfg->rxq > info.max_rx_queues || cfg->txq > info.max_tx_queues) {
		ERR("port %u (%s): %u rx / %u tx queues requested, the device "
		    "has at most %u rx / %u tx\n",
		    p->id, p->driver, cfg->rxq, cfg->txq, info.max_rx_queues, info.max_tx_queues);
		return -EINVAL;
	}

	memset(&conf, 0, sizeof(conf));
	if (net->nb_segs > 1 && port_transmits(net, idx)) {
		if (!(info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)) {
			ERR("port %u (%s): --pkt-size %u needs %u segments of "
			    "%u bytes, but the device does not offer "
			    "multi-segment tx (RTE_ETH_TX_OFFLOAD_MULTI_SEGS);"
			    " raise --mbuf-size\n",
			    p->id, p->driver, cfg->pkt_size, net->nb_segs, net->seg_size);
			return -ENOTSUP;
		}
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	}
	/* Every port sets up rx queues and gets the raised MTU below, also a
	 * txonly one: drivers (net_virtio) refuse such a queue without scatter.
	 */
	if (net->nb_segs > 1) {
		if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER)
			conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
		else if (perf_fwd_receives(p->fwd))
			printf("port %u: note: no scattered rx offered; frames "
			       "above %u bytes may be dropped\n",
			       p->id, net->seg_size);
	}
	if (cfg->pkt_size > RTE_ETHER_MAX_LEN - RTE_ETHER_CRC_LEN) {
		uint32_t mtu = cfg->pkt_size - RTE_ETHER_HDR_LEN;

		if (mtu > info.max_mtu) {
			printf("port %u: note: MTU %u needed, device maximum %u\n", p->id, mtu,
			       info.max_mtu);
			mtu = info.max_mtu;
		}
		conf.rxmode.mtu = mtu;
	}

	/* --idle sleep: the receiving ports' rx queues get interrupts. */
	if (cfg->idle_sleep && perf_fwd_receives(p->fwd) && !perf_fwd_generates(p->fwd))
		conf.intr_conf.rxq = 1;
	ret = rte_eth_dev_configure(p->id, (uint16_t)cfg->rxq, (uint16_t)cfg->txq, &conf);
	if (ret != 0 && conf.intr_conf.rxq) {
		printf("port %u (%s): no rx interrupts (%s): its lcores keep polling\n", p->id,
		       p->driver, rte_strerror(-ret));
		conf.intr_conf.rxq = 0;
		ret = rte_eth_dev_configure(p->id, (uint16_t)cfg->rxq, (uint16_t)cfg->txq, &conf);
	}
	if (ret != 0) {
		ERR("port %u (%s): configure failed: %s\n", p->id, p->driver, rte_strerror(-ret));
		return ret;
	}

	rxd = resolve_desc(cfg->rxd, info.default_rxportconf.ring_size,
			   RTE_ETH_DEV_FALLBACK_RX_RINGSIZE);
	txd = resolve_desc(cfg->txd, info.default_txportconf.ring_size,
			   RTE_ETH_DEV_FALLBACK_TX_RINGSIZE);
	p->rxd = rxd;
	p->txd = txd;
	/* clamp and align to the device's desc_lim */
	ret = rte_eth_dev_adjust_nb_rx_tx_desc(p->id, &p->rxd, &p->txd);
	if (ret != 0) {
		ERR("port %u: cannot adjust descriptor counts: %s\n", p->id, rte_strerror(-ret));
		return ret;
	}
	if ((cfg->rxd && p->rxd != rxd) || (cfg->txd && p->txd != txd))
		printf("port %u: note: descriptors adjusted to the device's "
		       "limits: rxd %u -> %u, txd %u -> %u\n",
		       p->id, rxd, p->rxd, txd, p->txd);
	return 0;
}

static unsigned int
pool_size(const struct perf_net *net)
{
	const struct perf_config *cfg = net->cfg;
	unsigned long n = 0;
	unsigned int i;
	unsigned int pow2 = 1;

	for (i = 0; i < net->nb_ports; i++)
		n += (unsigned long)cfg->rxq * net->ports[i].rxd +
		     (unsigned long)cfg->txq * net->ports[i].txd;
	/* in flight per stream: one burst being built plus one being sent */
	n += (unsigned long)net->nb_streams * cfg->burst * 2;
	n *= net->nb_segs;
	n += (unsigned long)rte_lcore_count() * PERF_POOL_CACHE * 2;
	n = RTE_MAX(n, 8192ul);
	while (pow2 < n && pow2 < (1u << 24))
		pow2 <<= 1;
	return pow2 - 1; /* mempools prefer 2^n - 1 */
}

static int
create_pool(struct perf_net *net)
{
	const struct perf_config *cfg = net->cfg;

	net->nb_mbufs = cfg->mbufs ? cfg->mbufs : pool_size(net);
	net->pool = rte_pktmbuf_pool_create("vireo_perf_pool", net->nb_mbufs, PERF_POOL_CACHE, 0,
					    (uint16_t)cfg->mbuf_size, (int)rte_socket_id());
	if (net->pool == NULL) {
		ERR("cannot create a pool of %u mbufs of %u bytes: %s "
		    "(give EAL more memory with -m, or lower --mbufs)\n",
		    net->nb_mbufs, cfg->mbuf_size, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	return 0;
}

static int
setup_queues(struct perf_net *net, unsigned int idx)
{
	const struct perf_config *cfg = net->cfg;
	struct perf_port *p = &net->ports[idx];
	int socket = rte_eth_dev_socket_id(p->id);
	unsigned int q;
	int ret;

	if (socket < 0)
		socket = (int)rte_socket_id();
	for (q = 0; q < cfg->rxq; q++) {
		ret = rte_eth_rx_queue_setup(p->id, (uint16_t)q, p->rxd, (unsigned int)socket, NULL,
					     net->pool);
		if (ret != 0) {
			ERR("port %u rx queue %u (%u descriptors): %s\n", p->id, q, p->rxd,
			    rte_strerror(-ret));
			return ret;
		}
	}
	for (q = 0; q < cfg->txq; q++) {
		ret = rte_eth_tx_queue_setup(p->id, (uint16_t)q, p->txd, (unsigned int)socket,
					     NULL);
		if (ret != 0) {
			ERR("port %u tx queue %u (%u descriptors): %s\n", p->id, q, p->txd,
			    rte_strerror(-ret));
			return ret;
		}
	}
	return 0;
}

/* Streams a port runs: forwarding modes rxq (== txq), txonly txq,
 * rxonly rxq, flowgen max(rxq, txq). */
static unsigned int
port_streams(const struct perf_config *cfg, enum perf_fwd fwd)
{
	switch (fwd) {
	case PERF_FWD_TXONLY:
		return cfg->txq;
	case PERF_FWD_RXONLY:
		return cfg->rxq;
	case PERF_FWD_FLOWGEN:
		return RTE_MAX(cfg->rxq, cfg->txq);
	default:
		return cfg->rxq;
	}
}

static void
init_stream(struct perf_net *net, struct perf_stream *s, unsigned int idx, unsigned int q)
{
	const struct perf_config *cfg = net->cfg;
	struct perf_port *p = &net->ports[idx];
	unsigned int tx_idx = perf_fwd_forwards(p->fwd) ? peer_index(net, idx) : idx;
	struct perf_port *tp = &net->ports[tx_idx];

	s->pool = net->pool;
	s->fwd = p->fwd;
	s->rx_port = p->id;
	s->rx_queue = (uint16_t)q;
	s->tx_port = tp->id;
	s->tx_queue = (uint16_t)q;
	s->do_rx = perf_fwd_receives(p->fwd) && q < cfg->rxq;
	s->do_tx = (perf_fwd_forwards(p->fwd) || perf_fwd_generates(p->fwd)) && q < cfg->txq;
	s->tx_first = cfg->tx_first && perf_fwd_forwards(p->fwd);
	s->burst = (uint16_t)cfg->burst;
	s->pkt_size = (uint16_t)cfg->pkt_size;
	s->seg_size = (uint16_t)net->seg_size;
	s->nb_segs = (uint16_t)net->nb_segs;
	s->flows = (uint16_t)cfg->flows;
	s->tx_left = cfg->tx_count != 0 ? cfg->tx_count : UINT64_MAX;
	s->rate_period = cfg->rate != 0 ? RTE_MAX(rte_get_tsc_hz() / cfg->rate, (uint64_t)1) : 0;
	s->rate_next = 0;
	s->src_mac = tp->mac;
	s->dst_mac = tp->dst;
	perf_stream_build_template(s);
}

/* Two streams transmitting on one tx queue would race inside the PMD when
 * they run on different lcores; refused always, so that the result does not
 * depend on how streams happen to be dealt to lcores. */
static int
check_tx_owners(const struct perf_net *net)
{
	unsigned int i, k;

	for (i = 0; i < net->nb_streams; i++) {
		const struct perf_stream *a = &net->streams[i];

		for (k = i + 1; k < net->nb_streams && a->do_tx; k++) {
			const struct perf_stream *b = &net->streams[k];

			if (b->do_tx && a->tx_port == b->tx_port && a->tx_queue == b->tx_queue) {
				ERR("port %u tx queue %u would be used by two "
				    "streams (%s from port %u and %s from "
				    "port %u): pick other modes or "
				    "--port-topology loop\n",
				    a->tx_port, a->tx_queue, perf_fwd_name(a->fwd), a->rx_port,
				    perf_fwd_name(b->fwd), b->rx_port);
				return -EINVAL;
			}
		}
	}
	return 0;
}

static int
build_streams(struct perf_net *net)
{
	const struct perf_config *cfg = net->cfg;
	unsigned int idx, q, n = 0;

	for (idx = 0; idx < net->nb_ports; idx++)
		n += port_streams(cfg, net->ports[idx].fwd);
	net->streams = rte_zmalloc("vireo_perf_streams", sizeof(*net->streams) * n,
				   RTE_CACHE_LINE_SIZE);
	net->stream_base = rte_zmalloc("vireo_perf_snap", sizeof(*net->stream_base) * n, 0);
	net->stream_end = rte_zmalloc("vireo_perf_snap", sizeof(*net->stream_end) * n, 0);
	net->stream_now = rte_zmalloc("vireo_perf_snap", sizeof(*net->stream_now) * n, 0);
	if (net->streams == NULL || net->stream_base == NULL || net->stream_end == NULL ||
	    net->stream_now == NULL)
		return -ENOMEM;
	net->nb_streams = n;
	n = 0;
	for (idx = 0; idx < net->nb_ports; idx++)
		for (q = 0; q < port_streams(cfg, net->ports[idx].fwd); q++)
			init_stream(net, &net->streams[n++], idx, q);
	return check_tx_owners(net);
}

/* How many lcores forward: --nb-cores, else one per stream; never more than
 * the worker lcores (the main lcore only times and prints) or the streams. */
/*
 * --idle sleep: an lcore sleeps only when all its streams receive and none
 * generates (a generator has work whatever arrives) and its ports have rx
 * interrupts.
 */
static bool
lcore_can_sleep(const struct perf_fwd_lcore *lc)
{
	for (unsigned int i = 0; i < lc->nb_streams; i++) {
		const struct perf_stream *s = lc->streams[i];
		struct rte_eth_conf conf;

		if (!s->do_rx || perf_fwd_generates(s->fwd) ||
		    rte_eth_dev_conf_get(s->rx_port, &conf) != 0 || !conf.intr_conf.rxq)
			return false;
	}
	return lc->nb_streams > 0;
}

static int
count_fwd_lcores(const struct perf_net *net, unsigned int *n)
{
	unsigned int workers = rte_lcore_count() - 1;
	unsigned int want = net->cfg->nb_cores;

	if (workers == 0) {
		ERR("no worker lcore: EAL gave only the main lcore %u, which "
		    "times the run and prints; pass e.g. -l 0,1 (or --lcores "
		    "'0@0,1@0' to put both on one CPU)\n",
		    rte_get_main_lcore());
		return -EINVAL;
	}
	if (want > workers) {
		ERR("--nb-cores %u: EAL gave %u worker lcore(s) besides the "
		    "main lcore %u; pass -l 0-%u (or --lcores to map several "
		    "lcores onto fewer CPUs), or lower --nb-cores\n",
		    want, workers, rte_get_main_lcore(), want);
		return -EINVAL;
	}
	if (want == 0)
		want = workers;
	if (want > net->nb_streams) {
		if (net->cfg->nb_cores != 0)
			printf("note: --nb-cores %u but only %u stream(s): %u "
			       "lcore(s) forward\n",
			       want, net->nb_streams, net->nb_streams);
		want = net->nb_streams;
	}
	*n = want;
	return 0;
}

/* Deal the streams to the first n worker lcores round-robin: stream i runs
 * on forwarding lcore i % n. */
static int
assign_lcores(struct perf_net *net)
{
	unsigned int n, lcore, k = 0, i, next = 0;
	int ret;

	ret = count_fwd_lcores(net, &n);
	if (ret)
		return ret;
	net->fwd_lcores = rte_zmalloc("vireo_perf_lcores", sizeof(*net->fwd_lcores) * n,
				      RTE_CACHE_LINE_SIZE);
	net->lcore_streams = rte_zmalloc("vireo_perf_lcore_streams",
					 sizeof(*net->lcore_streams) * net->nb_streams, 0);
	if (net->fwd_lcores == NULL || net->lcore_streams == NULL)
		return -ENOMEM;
	net->nb_fwd_lcores = n;
	RTE_LCORE_FOREACH_WORKER (lcore) {
		struct perf_fwd_lcore *lc;

		if (k == n)
			break;
		lc = &net->fwd_lcores[k];
		lc->lcore = lcore;
		lc->stop = &net->stop;
		lc->streams = &net->lcore_streams[next];
		for (i = k; i < net->nb_streams; i += n) {
			net->streams[i].lcore = lcore;
			lc->streams[lc->nb_streams++] = &net->streams[i];
		}
		next += lc->nb_streams;
		lc->idle_polls = net->cfg->idle_polls;
		lc->sleep = net->cfg->idle_sleep && lcore_can_sleep(lc);
		k++;
	}
	return 0;
}

static int
alloc_scratch(struct perf_net *net)
{
	unsigned int i;

	if (net->nb_segs == 1)
		return 0;
	for (i = 0; i < net->nb_streams; i++) {
		struct perf_stream *s = &net->streams[i];

		s->scratch = rte_zmalloc("vireo_perf_scratch",
					 sizeof(*s->scratch) * s->burst * s->nb_segs,
					 RTE_CACHE_LINE_SIZE);
		if (s->scratch == NULL)
			return -ENOMEM;
	}
	return 0;
}

static void
print_plan(const struct perf_net *net)
{
	unsigned int i;

	for (i = 0; i < net->nb_ports; i++) {
		const struct perf_port *p = &net->ports[i];
		struct rte_eth_link link;
		char mac[RTE_ETHER_ADDR_FMT_SIZE];

		rte_ether_format_addr(mac, sizeof(mac), &p->mac);
		memset(&link, 0, sizeof(link));
		rte_eth_link_get_nowait(p->id, &link);
		printf("port %u: %s (%s) mac %s rxd %u txd %u mode %s link %s\n", p->id, p->name,
		       p->driver, mac, p->rxd, p->txd, perf_fwd_name(p->fwd),
		       link.link_status ? "up" : "down");
	}
	printf("forwarding: %u stream(s) on %u lcore(s), round-robin; main lcore "
	       "%u times and prints\n",
	       net->nb_streams, net->nb_fwd_lcores, rte_get_main_lcore());
	for (i = 0; i < net->nb_streams; i++) {
		const struct perf_stream *s = &net->streams[i];

		printf("lcore %u: %s", s->lcore, perf_fwd_name(s->fwd));
		if (s->do_rx)
			printf(" rx port %u queue %u", s->rx_port, s->rx_queue);
		if (s->do_tx)
			printf(" tx port %u queue %u", s->tx_port, s->tx_queue);
		printf("\n");
	}
	printf("mempool: %u mbufs of %u bytes; packets %u bytes in %u "
	       "segment(s)\n",
	       net->nb_mbufs, net->cfg->mbuf_size, net->cfg->pkt_size, net->nb_segs);
}

static int
start_ports(struct perf_net *net)
{
	unsigned int i;
	int ret;

	for (i = 0; i < net->nb_ports; i++) {
		struct perf_port *p = &net->ports[i];

		ret = rte_eth_dev_start(p->id);
		if (ret != 0) {
			ERR("port %u (%s): start failed: %s\n", p->id, p->driver,
			    rte_strerror(-ret));
			return ret;
		}
		p->started = true;
		ret = net->cfg->promisc ? rte_eth_promiscuous_enable(p->id) :
					  rte_eth_promiscuous_disable(p->id);
		if (ret != 0 && ret != -ENOTSUP)
			printf("port %u: note: promiscuous %s: %s\n", p->id,
			       net->cfg->promisc ? "on" : "off", rte_strerror(-ret));
		/*
		 * No mode here reads mbuf packet_type: like testpmd, ask the
		 * PMD not to parse it (a per-packet header walk in PMDs that
		 * fill it), so that drivers are compared on the same work.
		 */
		ret = rte_eth_dev_set_ptypes(p->id, RTE_PTYPE_UNKNOWN, NULL, 0);
		if (ret != 0 && ret != -ENOTSUP)
			printf("port %u: note: cannot turn packet-type parsing off: %s\n", p->id,
			       rte_strerror(-ret));
	}
	return 0;
}

static int
net_setup(const struct perf_config *cfg, void **ctxp)
{
	struct perf_net *net;
	unsigned int i;
	int ret;

	net = rte_zmalloc("vireo_perf_net", sizeof(*net), RTE_CACHE_LINE_SIZE);
	if (net == NULL)
		return -ENOMEM;
	*ctxp = net;
	net->cfg = cfg;
	net->seg_size = perf_cfg_seg_size(cfg);
	net->nb_segs = perf_cfg_nb_segs(cfg);

	ret = select_ports(net);
	if (ret)
		return ret;
	for (i = 0; i < net->nb_ports; i++) {
		net->ports[i].fwd = perf_cfg_fwd(cfg, i);
		rte_eth_macaddr_get(net->ports[i].id, &net->ports[i].mac);
	}
	for (i = 0; i < net->nb_ports; i++) {
		net->ports[i].peer = net->ports[peer_index(net, i)].id;
		pick_dst_mac(net, i);
	}
	for (i = 0; i < net->nb_ports; i++) {
		ret = configure_port(net, i);
		if (ret)
			return ret;
	}
	ret = build_streams(net);
	if (ret == 0)
		ret = assign_lcores(net);
	if (ret == 0)
		ret = create_pool(net);
	if (ret)
		return ret;
	for (i = 0; i < net->nb_streams; i++)
		net->streams[i].pool = net->pool;
	ret = alloc_scratch(net);
	if (ret)
		return ret;
	for (i = 0; i < net->nb_ports; i++) {
		ret = setup_queues(net, i);
		if (ret)
			return ret;
	}
	ret = start_ports(net);
	if (ret)
		return ret;
	print_plan(net);
	return 0;
}

static int
net_start(void *ctx)
{
	struct perf_net *net = ctx;
	uint64_t tsc = rte_rdtsc();
	unsigned int i;
	int ret;

	/* count from zero: drivers may have received during start */
	for (i = 0; i < net->nb_ports; i++)
		rte_eth_stats_reset(net->ports[i].id);
	perf_net_stream_snapshot(net, net->stream_base);
	for (i = 0; i < net->nb_ports; i++) {
		perf_net_port_snapshot(net, i, net->stream_base, &net->ports[i].base, tsc);
		net->ports[i].last = net->ports[i].base;
	}
	net->start_tsc = tsc;
	net->launched = true;
	for (i = 0; i < net->nb_fwd_lcores; i++) {
		struct perf_fwd_lcore *lc = &net->fwd_lcores[i];

		/* Until the mark: from the launch (the thread idled before it). */
		memset(&lc->base, 0, sizeof(lc->base));
		lc->base.tsc = tsc;
		lc->last = lc->base;
		lc->end = lc->base;
	}
	for (i = 0; i < net->nb_fwd_lcores; i++) {
		struct perf_fwd_lcore *lc = &net->fwd_lcores[i];

		ret = rte_eal_remote_launch(perf_fwd_lcore_run, lc, lc->lcore);
		if (ret != 0) {
			ERR("cannot launch lcore %u: %s\n", lc->lcore, rte_strerror(-ret));
			return ret;
		}
	}
	return 0;
}

static void
net_mark(void *ctx, uint64_t tsc)
{
	struct perf_net *net = ctx;
	unsigned int i;

	perf_net_stream_snapshot(net, net->stream_base);
	for (i = 0; i < net->nb_ports; i++)
		perf_net_port_snapshot(net, i, net->stream_base, &net->ports[i].base, tsc);
	for (i = 0; i < net->nb_fwd_lcores; i++) {
		struct perf_fwd_lcore *lc = &net->fwd_lcores[i];

		perf_net_cpu_snapshot(lc, &lc->base, tsc);
		lc->last = lc->base;
	}
	net->marked = true;
}

/* Receive what is still queued after the workers stopped, so that every
 * transmitted packet is accounted for. Bounded: some devices (net_null)
 * produce packets forever. */
static void
drain(struct perf_net *net)
{
	struct rte_mbuf *pkts[PERF_MAX_BURST];
	unsigned int i, q;

	for (i = 0; i < net->nb_ports; i++) {
		struct perf_port *p = &net->ports[i];
		unsigned int limit = RTE_MAX((unsigned int)PERF_DRAIN_MIN, 2u * (p->rxd + p->txd));

		for (q = 0; q < net->cfg->rxq; q++) {
			unsigned int got = 0;
			uint16_t n;

			do {
				n = rte_eth_rx_burst(p->id, (uint16_t)q, pkts, PERF_MAX_BURST);
				rte_pktmbuf_free_bulk(pkts, n);
				got += n;
			} while (n > 0 && got < limit);
			p->rx_drained += got;
		}
	}
}

static void
net_stop(void *ctx, uint64_t tsc)
{
	struct perf_net *net = ctx;
	unsigned int i;

	if (!net->launched)
		return;
	if (!net->marked) {
		/* stopped during warm-up: measure from the start instead */
		net->interrupted_warmup = true;
		net->marked = true;
	}
	perf_net_stream_snapshot(net, net->stream_end);
	for (i = 0; i < net->nb_ports; i++)
		perf_net_port_snapshot(net, i, net->stream_end, &net->ports[i].end, tsc);
	for (i = 0; i < net->nb_fwd_lcores; i++)
		perf_net_cpu_snapshot(&net->fwd_lcores[i], &net->fwd_lcores[i].end, tsc);
	__atomic_store_n(&net->stop, 1, __ATOMIC_RELAXED);
	/* waits for every worker to return; orders their last counter
	 * stores before our reads below */
	rte_eal_mp_wait_lcore();
	net->launched = false;
	drain(net);
	perf_net_stream_snapshot(net, net->stream_now);
	for (i = 0; i < net->nb_ports; i++)
		perf_net_port_snapshot(net, i, net->stream_now, &net->ports[i].life, rte_rdtsc());
}

static void
net_teardown(void *ctx)
{
	struct perf_net *net = ctx;
	unsigned int i;

	if (net == NULL)
		return;
	if (net->launched) {
		__atomic_store_n(&net->stop, 1, __ATOMIC_RELAXED);
		rte_eal_mp_wait_lcore();
	}
	for (i = 0; i < net->nb_ports; i++) {
		if (net->ports[i].started)
			rte_eth_dev_stop(net->ports[i].id);
		rte_eth_dev_close(net->ports[i].id);
	}
	for (i = 0; i < net->nb_streams; i++)
		rte_free(net->streams[i].scratch);
	rte_free(net->streams);
	rte_free(net->stream_base);
	rte_free(net->stream_end);
	rte_free(net->stream_now);
	rte_free(net->fwd_lcores);
	rte_free(net->lcore_streams);
	rte_mempool_free(net->pool);
	rte_free(net);
}

const struct perf_engine perf_net_engine = {
	.name = "net",
	.setup = net_setup,
	.start = net_start,
	.mark = net_mark,
	.period = perf_net_period,
	.stop = net_stop,
	.summary = perf_net_summary,
	.json = perf_net_json,
	.teardown = net_teardown,
};
