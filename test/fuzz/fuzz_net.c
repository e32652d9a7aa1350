/* SPDX-License-Identifier: BSD-3-Clause */
/* A net_vireo port on a thread-less swdev for the net fuzz targets (see fuzz_net.h). */
#include <string.h>

#include <rte_mempool.h>

#include "fuzz_common.h"
#include "fuzz_net.h"
#include "vireo_net_port.h"

static void
fuzz_port_notify(struct vio_dev *dev, uint16_t qidx, uint32_t data)
{
	struct swdev *sw = swdev_from_vdev(dev);
	struct fuzz_port *p = container_of(vio_dev_ops(&sw->vdev), struct fuzz_port, ops);

	/* Counts it, checks the queue is enabled and the data is queue setup's. */
	swdev_transport_ops.notify(dev, qidx, data);
	if (p->on_notify != NULL)
		p->on_notify(p, qidx);
}

void
fuzz_port_create(struct fuzz_port *p, const struct fuzz_port_params *params)
{
	struct vio_net_config cfg = { .mac = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 } };
	struct rte_eth_conf conf = { 0 };
	uint16_t pairs = params->pairs != 0 ? params->pairs : 1;
	struct swdev_params sp = {
		.name = params->name,
		.features = params->features,
		.num_queues = (uint16_t)(2 * pairs + 1),
		.queue_max_size = params->queue_size != 0 ? params->queue_size : 256,
		.config_len = sizeof(cfg),
		.config = &cfg,
	};
	char name[RTE_MEMPOOL_NAMESIZE];
	int rc;

	memset(p, 0, sizeof(*p));
	cfg.status = VIO_NET_S_LINK_UP;
	cfg.max_virtqueue_pairs = pairs;
	p->sw = swdev_create(&sp);
	FUZZ_CHECK(p->sw != NULL, "swdev_create");
	p->sw->quiet = getenv("FUZZ_VERBOSE") == NULL;
	/* swdev's transport, with our hook on notify. */
	p->ops = swdev_transport_ops;
	p->ops.notify = fuzz_port_notify;
	/* Its own transport id: the table is per port (re-registered each time). */
	vio_transport_unregister(VIO_TRANSPORT_OTHER + 1);
	rc = vio_dev_bind(&p->sw->vdev, VIO_TRANSPORT_OTHER + 1, &p->ops);
	FUZZ_CHECK(rc == 0, "vio_dev_bind: %d", rc);
	p->ctrl_q = (uint16_t)(2 * pairs);

	snprintf(name, sizeof(name), "mp_%s", params->name);
	p->nb_mbufs = params->nb_mbufs;
	/* No per-lcore cache: the available count is exact for the leak check. */
	p->mp = rte_pktmbuf_pool_create(name, p->nb_mbufs, 0, 0,
					params->data_room != 0 ? params->data_room :
								 RTE_MBUF_DEFAULT_BUF_SIZE,
					SOCKET_ID_ANY);
	FUZZ_CHECK(p->mp != NULL, "mempool %s", name);

	rc = vireo_net_port_create(params->name, &p->sw->vdev, NULL, &p->port);
	FUZZ_CHECK(rc == 0, "vireo_net_port_create: %d", rc);
	conf.rxmode.offloads = params->rx_offloads;
	rc = rte_eth_dev_configure(p->port, pairs, pairs, &conf);
	FUZZ_CHECK(rc == 0, "configure: %d", rc);
	for (uint16_t q = 0; q < pairs; q++) {
		rc = rte_eth_rx_queue_setup(p->port, q, params->nb_desc, SOCKET_ID_ANY, NULL,
					    p->mp);
		FUZZ_CHECK(rc == 0, "rx queue %u setup: %d", q, rc);
		rc = rte_eth_tx_queue_setup(p->port, q, params->nb_desc, SOCKET_ID_ANY, NULL);
		FUZZ_CHECK(rc == 0, "tx queue %u setup: %d", q, rc);
	}
}

void
fuzz_port_check(struct fuzz_port *p)
{
	unsigned int avail = rte_mempool_avail_count(p->mp);

	FUZZ_CHECK(avail == p->nb_mbufs, "%u of %u mbufs in the pool after stop (%s)", avail,
		   p->nb_mbufs, avail < p->nb_mbufs ? "leak" : "double free");
	FUZZ_CHECK(swdev_violations(p->sw) == 0, "driver violated the protocol: %s",
		   p->sw->last_violation);
}

void
fuzz_check_mbuf(const struct fuzz_port *p, const struct rte_mbuf *m)
{
	const char *why = NULL;
	uint32_t len = 0;
	uint16_t segs = 0;

	FUZZ_CHECK(rte_mbuf_check(m, 1, &why) == 0, "bad mbuf: %s", why);
	FUZZ_CHECK(m->pool == p->mp && m->port == p->port, "mbuf from pool %p port %u", m->pool,
		   m->port);
	for (const struct rte_mbuf *s = m; s != NULL; s = s->next, segs++) {
		FUZZ_CHECK(rte_mbuf_refcnt_read(s) == 1, "segment refcnt %u",
			   rte_mbuf_refcnt_read(s));
		FUZZ_CHECK((uint32_t)s->data_off + s->data_len <= s->buf_len,
			   "segment %u: data [%u, +%u) past its %u-byte buffer", segs, s->data_off,
			   s->data_len, s->buf_len);
		len += s->data_len;
	}
	FUZZ_CHECK(segs == m->nb_segs && len == m->pkt_len,
		   "%u segments / %u bytes, mbuf says %u / %u", segs, len, m->nb_segs, m->pkt_len);
}
