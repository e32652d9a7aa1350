/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_vireo statistics: basic stats summed from the per-queue counters and
 * per-queue extended stats (packets, bytes, errors, mbuf allocation
 * failures, size histogram, broken-queue events, doorbells written), and
 * one of the port: config_interrupts, the interrupts that ran the device
 * watch's check at once (MSI-X config vector, vhost-user socket events).
 */
#include <stdio.h>
#include <string.h>

#include "vireo_net.h"

struct vireo_xstat_desc {
	const char *name;
	size_t offset; /* in struct vireo_qstats */
};

#define VIREO_QSTAT(n, f)                           \
	{                                           \
		n, offsetof(struct vireo_qstats, f) \
	}

static const struct vireo_xstat_desc vireo_rx_xstats[] = {
	VIREO_QSTAT("packets", packets),
	VIREO_QSTAT("bytes", bytes),
	VIREO_QSTAT("errors", errors),
	VIREO_QSTAT("mbuf_alloc_failures", nombuf),
	VIREO_QSTAT("undersize_errors", runts),
	VIREO_QSTAT("oversize_errors", oversize),
	VIREO_QSTAT("size_64_packets", bins[VIREO_BIN_64]),
	VIREO_QSTAT("size_65_to_127_packets", bins[VIREO_BIN_65_127]),
	VIREO_QSTAT("size_128_to_255_packets", bins[VIREO_BIN_128_255]),
	VIREO_QSTAT("size_256_to_511_packets", bins[VIREO_BIN_256_511]),
	VIREO_QSTAT("size_512_to_1023_packets", bins[VIREO_BIN_512_1023]),
	VIREO_QSTAT("size_1024_to_1518_packets", bins[VIREO_BIN_1024_1518]),
	VIREO_QSTAT("size_1519_to_max_packets", bins[VIREO_BIN_1519_MAX]),
	VIREO_QSTAT("broken_events", broken),
	VIREO_QSTAT("doorbells", doorbells),
};

static const struct vireo_xstat_desc vireo_tx_xstats[] = {
	VIREO_QSTAT("packets", packets),
	VIREO_QSTAT("bytes", bytes),
	VIREO_QSTAT("errors", errors),
	VIREO_QSTAT("size_64_packets", bins[VIREO_BIN_64]),
	VIREO_QSTAT("size_65_to_127_packets", bins[VIREO_BIN_65_127]),
	VIREO_QSTAT("size_128_to_255_packets", bins[VIREO_BIN_128_255]),
	VIREO_QSTAT("size_256_to_511_packets", bins[VIREO_BIN_256_511]),
	VIREO_QSTAT("size_512_to_1023_packets", bins[VIREO_BIN_512_1023]),
	VIREO_QSTAT("size_1024_to_1518_packets", bins[VIREO_BIN_1024_1518]),
	VIREO_QSTAT("size_1519_to_max_packets", bins[VIREO_BIN_1519_MAX]),
	VIREO_QSTAT("broken_events", broken),
	VIREO_QSTAT("used_len_errors", bad_len),
	VIREO_QSTAT("doorbells", doorbells),
};

#define VIREO_NB_RX_XSTATS RTE_DIM(vireo_rx_xstats)
#define VIREO_NB_TX_XSTATS RTE_DIM(vireo_tx_xstats)
#define VIREO_NB_PORT_XSTATS 1 /* config_interrupts, after the queues' */

static const struct vireo_qstats vireo_zero_stats;

/* Rx queue @p i's counters: its own and its fan-in queues' (into @p sum). */
static const struct vireo_qstats *
vireo_rxq_stats(const struct rte_eth_dev *dev, uint16_t i, struct vireo_qstats *sum)
{
	const struct vireo_rxq *rxq = dev->data->rx_queues[i];

	if (rxq == NULL)
		return &vireo_zero_stats;
	if (rxq->fanin == NULL)
		return &rxq->st;
	*sum = rxq->st;
	for (const struct vireo_rxq *f = rxq->fanin; f != NULL; f = f->fanin)
		vireo_qstats_add(sum, &f->st);
	return sum;
}

static const struct vireo_qstats *
vireo_txq_stats(const struct rte_eth_dev *dev, uint16_t i)
{
	const struct vireo_txq *txq = dev->data->tx_queues[i];

	return txq != NULL ? &txq->st : &vireo_zero_stats;
}

static uint64_t
vireo_qstat(const struct vireo_qstats *st, size_t offset)
{
	return *(const uint64_t *)((const char *)st + offset);
}

static unsigned int
vireo_xstats_count(const struct rte_eth_dev *dev)
{
	return dev->data->nb_rx_queues * VIREO_NB_RX_XSTATS +
	       dev->data->nb_tx_queues * VIREO_NB_TX_XSTATS + VIREO_NB_PORT_XSTATS;
}

int
vireo_stats_get(struct rte_eth_dev *dev, struct rte_eth_stats *stats)
{
	uint64_t nombuf = 0;

	for (uint16_t i = 0; i < dev->data->nb_rx_queues; i++) {
		struct vireo_qstats sum;
		const struct vireo_qstats *st = vireo_rxq_stats(dev, i, &sum);

		stats->ipackets += st->packets;
		stats->ibytes += st->bytes;
		stats->ierrors += st->errors;
		nombuf += st->nombuf;
		if (i < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
			stats->q_ipackets[i] = st->packets;
			stats->q_ibytes[i] = st->bytes;
			stats->q_errors[i] = st->errors;
		}
	}
	for (uint16_t i = 0; i < dev->data->nb_tx_queues; i++) {
		const struct vireo_qstats *st = vireo_txq_stats(dev, i);

		stats->opackets += st->packets;
		stats->obytes += st->bytes;
		stats->oerrors += st->errors;
		if (i < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
			stats->q_opackets[i] = st->packets;
			stats->q_obytes[i] = st->bytes;
		}
	}
	/* Replaces ethdev's preset (data->rx_mbuf_alloc_failed, unused here). */
	stats->rx_nombuf = nombuf;
	return 0;
}

int
vireo_stats_reset(struct rte_eth_dev *dev)
{
	for (uint16_t i = 0; i < dev->data->nb_rx_queues; i++) {
		struct vireo_rxq *rxq = dev->data->rx_queues[i];

		for (struct vireo_rxq *q = rxq; q != NULL; q = q->fanin)
			memset(&q->st, 0, sizeof(q->st));
	}
	for (uint16_t i = 0; i < dev->data->nb_tx_queues; i++) {
		struct vireo_txq *txq = dev->data->tx_queues[i];

		if (txq != NULL)
			memset(&txq->st, 0, sizeof(txq->st));
	}
	return 0;
}

int
vireo_xstats_get(struct rte_eth_dev *dev, struct rte_eth_xstat *xstats, unsigned int n)
{
	unsigned int count = vireo_xstats_count(dev);
	unsigned int k = 0;

	if (xstats == NULL || n < count)
		return (int)count;
	for (uint16_t q = 0; q < dev->data->nb_rx_queues; q++) {
		struct vireo_qstats sum;
		const struct vireo_qstats *st = vireo_rxq_stats(dev, q, &sum);

		for (unsigned int j = 0; j < VIREO_NB_RX_XSTATS; j++, k++) {
			xstats[k].id = k;
			xstats[k].value = vireo_qstat(st, vireo_rx_xstats[j].offset);
		}
	}
	for (uint16_t q = 0; q < dev->data->nb_tx_queues; q++) {
		const struct vireo_qstats *st = vireo_txq_stats(dev, q);

		for (unsigned int j = 0; j < VIREO_NB_TX_XSTATS; j++, k++) {
			xstats[k].id = k;
			xstats[k].value = vireo_qstat(st, vireo_tx_xstats[j].offset);
		}
	}
	xstats[k].id = k;
	xstats[k].value = __atomic_load_n(&vireo_net_of(dev)->config_intrs, __ATOMIC_RELAXED);
	return (int)count;
}

int
vireo_xstats_get_names(struct rte_eth_dev *dev, struct rte_eth_xstat_name *names, unsigned int size)
{
	unsigned int count = vireo_xstats_count(dev);
	unsigned int k = 0;

	if (names == NULL || size < count)
		return (int)count;
	for (uint16_t q = 0; q < dev->data->nb_rx_queues; q++)
		for (unsigned int j = 0; j < VIREO_NB_RX_XSTATS; j++, k++)
			snprintf(names[k].name, sizeof(names[k].name), "rx_q%u_%s", q,
				 vireo_rx_xstats[j].name);
	for (uint16_t q = 0; q < dev->data->nb_tx_queues; q++)
		for (unsigned int j = 0; j < VIREO_NB_TX_XSTATS; j++, k++)
			snprintf(names[k].name, sizeof(names[k].name), "tx_q%u_%s", q,
				 vireo_tx_xstats[j].name);
	snprintf(names[k].name, sizeof(names[k].name), "config_interrupts");
	return (int)count;
}

int
vireo_xstats_reset(struct rte_eth_dev *dev)
{
	__atomic_store_n(&vireo_net_of(dev)->config_intrs, 0, __ATOMIC_RELAXED);
	return vireo_stats_reset(dev);
}
