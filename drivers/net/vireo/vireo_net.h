/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * net_vireo private definitions: per-port and per-queue state shared by
 * the ethdev ops (vireo_ethdev.c), queue management (vireo_queue.c), the
 * data path (vireo_rxtx.c), the control queue (vireo_ctrl.c) and the
 * statistics (vireo_stats.c).
 *
 * Queue mapping (virtio 1.2 section 5.1.2): rx queue i is virtqueue 2i,
 * tx queue i is virtqueue 2i+1, the control queue is virtqueue 2N where N
 * is max_virtqueue_pairs when MQ is negotiated and 1 otherwise.
 */
#ifndef VIREO_NET_H
#define VIREO_NET_H

#include <stdbool.h>
#include <stdint.h>

#include <ethdev_driver.h>
#include <rte_ether.h>
#include <rte_log.h>
#include <rte_spinlock.h>

#include "vio_dev.h"
#include "vio_pci.h"
#include "vio_spec.h"
#include "vio_vq.h"

#define VIREO_NET_DRIVER_NAME "net_vireo"

/** virtio-net header size: VERSION_1 always carries num_buffers. */
#define VIREO_NET_HDR_LEN ((uint16_t)sizeof(struct vio_net_hdr))

/* The rx header is written into the mbuf headroom, right before the data. */
static_assert(RTE_PKTMBUF_HEADROOM >= sizeof(struct vio_net_hdr),
	      "mbuf headroom must hold the virtio-net header");

/** Used entries harvested per rx batch / tx completions freed per batch. */
#define VIREO_RX_BATCH 64
#define VIREO_TX_FREE_BATCH 64
/** Packets the tx fast loop handles per pass. */
#define VIREO_TX_SIMPLE_BATCH 64
/** Rx refill granularity (mbufs allocated with one bulk call). */
#define VIREO_RX_REFILL_BATCH 64
/**
 * Default rx_free_thresh: buffers taken by the device before a burst
 * refills (and rings the doorbell), at most a quarter of the ring: the
 * fixed cost of a refill (a pool call, the ring state, a full barrier
 * before the doorbell check) spread over more packets.
 */
#define VIREO_RX_FREE_THRESH 64
/** Longest tx chain we build (segments; the header adds one descriptor). */
#define VIREO_TX_MAX_SEGS 64
/** Ethernet overhead on top of the MTU: header plus one VLAN tag. */
#define VIREO_ETH_OVERHEAD (RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN)
/** Largest MTU when the device does not state one (VIO_NET_F_MTU). */
#define VIREO_DEFAULT_MAX_MTU 9000
/** Largest aggregated (LRO) / segmented (TSO) packet. */
#define VIREO_MAX_GSO_LEN 65535
/** Unicast + multicast filter table sizes (MAC_TABLE_SET). */
#define VIREO_MAX_MAC_ADDRS 32
#define VIREO_MAX_MC_ADDRS 32
/** Control-queue command timeout. */
#define VIREO_CTRL_TIMEOUT_MS 1000
/** How long dev_stop waits for the device to send what tx queues hold. */
#define VIREO_TX_FLUSH_MS 500
/** Smallest frame handed to the application: an Ethernet header. */
#define VIREO_MIN_FRAME_LEN RTE_ETHER_HDR_LEN
/** Control queue size we ask for (commands are synchronous). */
#define VIREO_CTRL_QUEUE_SIZE 64
/* A command is header + up to two data buffers + ack: the queue must hold one. */
#define VIREO_CTRL_MIN_DESC 4
/** Smallest ring we accept. */
#define VIREO_MIN_RING_SIZE 32

extern int vireo_net_logtype;

#define VIREO_LOG(level, net, fmt, ...)                                                            \
	rte_log(RTE_LOG_##level, vireo_net_logtype, "net_vireo: %s: " fmt "\n", (net)->vdev->name, \
		##__VA_ARGS__)
#define VIREO_LOG_NODEV(level, fmt, ...) \
	rte_log(RTE_LOG_##level, vireo_net_logtype, "net_vireo: " fmt "\n", ##__VA_ARGS__)

/** Packet-size histogram bins of the xstats. */
enum vireo_size_bin {
	VIREO_BIN_64,
	VIREO_BIN_65_127,
	VIREO_BIN_128_255,
	VIREO_BIN_256_511,
	VIREO_BIN_512_1023,
	VIREO_BIN_1024_1518,
	VIREO_BIN_1519_MAX,
	VIREO_NB_BINS
};

/**
 * Per-queue counters. Written only by the lcore polling the queue; read
 * (and reset) by the control thread, as DPDK PMDs customarily do.
 */
struct vireo_qstats {
	uint64_t packets;
	uint64_t bytes;
	uint64_t errors;    /**< rx: malformed or dropped packets; tx: dropped packets. */
	uint64_t nombuf;    /**< rx only: mbuf allocation failures. */
	uint64_t runts;     /**< rx only: frames shorter than an Ethernet header. */
	uint64_t oversize;  /**< rx only: over one mbuf without SCATTER (dropped). */
	uint64_t broken;    /**< The device broke the queue. */
	uint64_t bad_len;   /**< tx only: non-zero used len on a completion (ignored). */
	uint64_t doorbells; /**< Notifications written (kicks the device did not suppress). */
	uint64_t bins[VIREO_NB_BINS];
};

/** Add @p src's counters to @p dst's (a fan-in queue's into its owner's). */
static inline void
vireo_qstats_add(struct vireo_qstats *dst, const struct vireo_qstats *src)
{
	uint64_t *d = (uint64_t *)dst;
	const uint64_t *s = (const uint64_t *)src;

	for (size_t i = 0; i < sizeof(*dst) / sizeof(uint64_t); i++)
		d[i] += s[i];
}
static_assert(sizeof(struct vireo_qstats) % sizeof(uint64_t) == 0, "counters only");

struct vireo_net;

/** An rx queue. The virtqueue exists only while the port is started. */
struct vireo_rxq {
	struct vio_vq *vq;
	struct rte_mempool *mp;
	struct vireo_net *net;
	uint64_t offloads;
	uint32_t buf_len; /**< Device-writable bytes per buffer (hdr + data). */
	/**
	 * An mbuf's rearm_data (data_off, refcnt, nb_segs, port) as a fresh rx
	 * buffer has it: one store per received mbuf (with its ol_flags)
	 * instead of rte_pktmbuf_reset() at refill. 0: the pool holds pinned
	 * external buffers and refill uses rte_pktmbuf_alloc_bulk() (their
	 * ol_flags must survive).
	 */
	uint64_t rearm_template;
	uint16_t queue_id;
	uint16_t port_id;
	uint16_t nb_desc;     /**< Most buffers posted at once (the application's count). */
	uint16_t ring_size;   /**< Virtqueue size: nb_desc rounded up to a power of two. */
	uint16_t free_thresh; /**< Refill once this many buffers are missing (rx_free_thresh). */
	int socket;
	bool scatter;     /**< The application takes multi-segment mbufs (SCATTER/LRO). */
	bool mrg;         /**< MRG_RXBUF negotiated: num_buffers is valid. */
	bool csum;        /**< GUEST_CSUM negotiated: hdr flags are valid. */
	bool lro;         /**< GUEST_TSO negotiated: gso_type may be set. */
	bool ptype;       /**< Parse packet types. */
	bool broken_seen; /**< Broken queue already counted and logged. */
	/* A mergeable packet whose buffers straddle two bursts. */
	struct rte_mbuf *mrg_head;
	struct rte_mbuf *mrg_tail;
	uint16_t mrg_left;
	/*
	 * Fan-in (more tx than rx queues with MQ): receive virtqueues of the
	 * pairs beyond the rx queues, each behind an rx queue of its own that
	 * the application never sees, polled by this queue's rx_burst in
	 * turns (fanin_turn). NULL in the usual case. Fan-in queues count into
	 * their own st; the stats calls add it to this queue's.
	 */
	struct vireo_rxq *fanin;
	uint16_t fanin_turn;
	struct vireo_qstats st;
};

/*
 * Tx header region: the device reads entry i (the chain whose head is
 * descriptor i) at hdrs_iova + i * 12, so the array stride must be the
 * header size of section 5.1.6 exactly.
 */
static_assert(sizeof(struct vio_net_hdr[2]) == 2 * VIREO_NET_HDR_LEN,
	      "tx header region entries are 12 bytes apart");

/** A tx queue. Headers for the chain path live in a DMA region. */
struct vireo_txq {
	struct vio_vq *vq;
	struct vireo_net *net;
	struct vio_dma_region *hdr_mem; /**< nb_desc headers, indexed by head. */
	struct vio_net_hdr *hdrs;
	uint64_t hdrs_iova;
	uint64_t offloads;
	uint32_t max_pkt_len; /**< Longest non-TSO frame (MTU + overhead). */
	uint16_t queue_id;
	uint16_t port_id;
	uint16_t nb_desc;     /**< Most descriptors in flight (the application's count). */
	uint16_t ring_size;   /**< Virtqueue size: nb_desc rounded up to a power of two. */
	uint16_t free_thresh; /**< Reclaim when fewer descriptors are free. */
	int socket;
	bool csum; /**< CSUM negotiated: fill checksum requests. */
	bool tso4; /**< HOST_TSO4 negotiated: GSO for IPv4 frames. */
	bool tso6; /**< HOST_TSO6 negotiated: GSO for IPv6 frames. */
	bool broken_seen;
	uint64_t bad_len_seen; /**< vio_vq_bad_len_count() already in st.bad_len. */
	struct vireo_qstats st;
};

/**
 * Control-queue command buffer (one per port, in a DMA region). The device
 * sees three parts (section 5.1.6.5): the 2-byte header (class, command)
 * as one device-readable buffer, the command data, and the ack byte as a
 * device-writable buffer of its own.
 */
struct vireo_ctrl_buf {
	uint8_t cls;
	uint8_t cmd;
	uint8_t pad[62];
	uint8_t data[1024];
	uint8_t ack;
};
static_assert(offsetof(struct vireo_ctrl_buf, cls) == 0, "ctrl header at the start");
static_assert(offsetof(struct vireo_ctrl_buf, cmd) == 1, "ctrl header is {class, command}");
static_assert(offsetof(struct vireo_ctrl_buf, data) == 64, "ctrl data after the header");
static_assert(offsetof(struct vireo_ctrl_buf, ack) == 64 + 1024,
	      "ctrl ack after the data, in no other part");
/* The largest command: MAC_TABLE_SET with both tables full. */
static_assert(sizeof(((struct vireo_ctrl_buf *)0)->data) >=
		      2 * sizeof(uint32_t) +
			      (VIREO_MAX_MAC_ADDRS + VIREO_MAX_MC_ADDRS) * RTE_ETHER_ADDR_LEN,
	      "ctrl data holds a full MAC table");

/** vireo_net::magic: dev_private is a vireo_net (checked by secondaries). */
#define VIREO_NET_MAGIC 0x5649524e45543031ull /* "VIRNET01" */

/**
 * Per-port state (ethdev dev_private): in shared memory, seen by secondary
 * processes at the same address. So it holds no pointer to anything
 * process-local (a function, a static table, an rte_eth_devices entry, a
 * bus device): pointers go only to other shared memory (dev_private itself,
 * rte_malloc'ed queues, memzones, mempools) and to device BARs, which EAL
 * maps at the same address in every process. Exceptions, never reached
 * from a secondary: the port-I/O handles in pci (vio_pci.h) and
 * soft_device (ports made by vireo_net_port_create(), primary only).
 */
struct vireo_net {
	uint64_t magic;                /**< VIREO_NET_MAGIC once initialised. */
	struct vio_dev *vdev;          /**< Transport device (PCI or other). */
	struct vio_pci_dev pci;        /**< Storage when the port is PCI-backed. */
	uint16_t port_id;              /**< Its ethdev port: vireo_eth_dev() in this process. */
	struct rte_device soft_device; /**< rte_device of a non-bus port (primary only). */
	char soft_name[RTE_ETH_NAME_MAX_LEN];

	uint64_t offered;  /**< Device features seen at probe. */
	uint64_t wanted;   /**< Features implied by the configuration. */
	uint64_t required; /**< Subset the configuration cannot do without. */

	uint16_t max_pairs;   /**< max_virtqueue_pairs (1 without MQ). */
	uint16_t dev_pairs;   /**< Same, before the port limit: controlq is 2N with MQ. */
	uint16_t nr_pairs;    /**< Pairs in use. */
	uint16_t rx_ring_max; /**< Largest power-of-two rx/tx ring. */
	uint16_t tx_ring_max;
	uint16_t ctrl_ring_max;
	uint16_t max_mtu;
	uint16_t cfg_mtu; /**< Device MTU (VIO_NET_F_MTU) or 0. */
	struct rte_ether_addr cfg_mac;

	bool started;
	bool closed;
	/**
	 * A reset did not complete: the device may still use every ring and
	 * buffer it was given, so they were quarantined (leaked on purpose)
	 * and the port refuses to configure or start again.
	 */
	bool dead;
	bool needs_reset_logged;
	bool no_ptype; /**< rte_eth_dev_set_ptypes(..., 0): skip parsing. */

	/* Interrupt mode (vireo_intr.c). */
	bool rxq_intr; /**< dev_conf.intr_conf.rxq: rx queues have interrupt fds. */
	bool lsc_intr; /**< Config-change vector (MSI-X) reports link changes. */
	/** The transport's status events (vhost-user hang-up) run the watch check. */
	bool event_intr;
	/** Interrupts that ran the watch check (xstat config_interrupts; atomic). */
	uint64_t config_intrs;
	/** Handle of a non-PCI port's rx fds (primary process only). */
	struct rte_intr_handle *own_intr;

	/* Device watch (vireo_watch.c): an EAL alarm while started. */
	bool watching;        /**< Alarm may re-arm (atomic). */
	uint32_t watch_epoch; /**< Bumped at every start (atomic). */
	bool reset_reported;  /**< NEEDS_RESET or removal reported this start. */
	/**
	 * The last LSC event said "down" (intr_conf.lsc): a start that finds
	 * the link up tells the application (the backend came back).
	 */
	bool lsc_told_down;

	/* Control queue (started ports with CTRL_VQ only). */
	struct vio_vq *cvq;
	struct vio_dma_region *cbuf_mem;
	struct vireo_ctrl_buf *cbuf;
	uint64_t cbuf_iova;
	bool cvq_dead; /**< A command timed out: stop using it. */
	rte_spinlock_t ctrl_lock;

	/*
	 * Transmit queues of pairs in use that the application did not set up
	 * (more rx than tx queues): created at start so that every virtqueue
	 * of every pair exists before VQ_PAIRS_SET (section 5.1.6.5.6.1),
	 * never used for sending.
	 */
	struct vio_vq **spare_txvq;
	uint16_t nb_spare_txvq;

	/*
	 * The other way round (more tx than rx queues): the receive queue of
	 * pair p >= nb_rx_queues is a fan-in queue of rx queue p % nb_rx_queues
	 * (vireo_rxq::fanin), so whatever the device steers there is received.
	 */
	struct vireo_rxq *fanin_rxqs;
	uint16_t nb_fanin_rxqs;

	struct rte_ether_addr mc_addrs[VIREO_MAX_MC_ADDRS];
	uint32_t nb_mc_addrs;
};

/*
 * Descriptors a queue may still use: the ring is a power of two, but no more
 * than nb_desc are ever handed to the device at once.
 */
static inline uint16_t
vireo_rxq_room(const struct vireo_rxq *rxq)
{
	return (uint16_t)(vio_vq_num_free(rxq->vq) - (rxq->ring_size - rxq->nb_desc));
}

static inline uint16_t
vireo_txq_room(const struct vireo_txq *txq)
{
	return (uint16_t)(vio_vq_num_free(txq->vq) - (txq->ring_size - txq->nb_desc));
}

static inline struct vireo_net *
vireo_net_of(const struct rte_eth_dev *dev)
{
	return dev->data->dev_private;
}

/** The port's rte_eth_dev in this process (rte_eth_devices is per process). */
static inline struct rte_eth_dev *
vireo_eth_dev(const struct vireo_net *net)
{
	return &rte_eth_devices[net->port_id];
}

/** True when the device offered @p bit (probe time). */
static inline bool
vireo_offered(const struct vireo_net *net, unsigned int bit)
{
	return (net->offered & VIO_BIT(bit)) != 0;
}

/**
 * The devarg mrg_rxbuf=0|1 in @p args (kvargs, may be NULL; other keys are
 * ignored): 0 adds VIRTIO_NET_F_MRG_RXBUF to @p *refused (one buffer per
 * frame, no SCATTER or LRO). @return 0, or -EINVAL (logged).
 */
static inline int
vireo_devarg_mrg_rxbuf(const char *args, uint64_t *refused)
{
	int mrg_rxbuf = vio_devarg_flag(args, "mrg_rxbuf", 1);

	if (mrg_rxbuf < 0)
		return -EINVAL;
	if (mrg_rxbuf == 0)
		*refused |= VIO_BIT(VIO_NET_F_MRG_RXBUF);
	return 0;
}

/** Control queue usable for @p bit: offered, and negotiated when started. */
static inline bool
vireo_ctrl_has(const struct vireo_net *net, unsigned int bit)
{
	if (!vireo_offered(net, VIO_NET_F_CTRL_VQ) || !vireo_offered(net, bit))
		return false;
	if (net->started)
		return vio_dev_has(net->vdev, VIO_NET_F_CTRL_VQ) && vio_dev_has(net->vdev, bit);
	return true;
}

/*
 * The 8 bytes at rearm_data (data_off, refcnt, nb_segs, port): one word
 * that DPDK aligns and lays out for a single store. Reached by offset, as
 * the marker is a zero-length array.
 */
static inline uint64_t *
vireo_mbuf_rearm_word(struct rte_mbuf *m)
{
	return (uint64_t *)(void *)((char *)m + offsetof(struct rte_mbuf, rearm_data));
}

/* vireo_mbuf_set_rx_len()'s two stores. */
static_assert(offsetof(struct rte_mbuf, pkt_len) == offsetof(struct rte_mbuf, packet_type) + 4,
	      "pkt_len follows packet_type");
static_assert(offsetof(struct rte_mbuf, vlan_tci) == offsetof(struct rte_mbuf, data_len) + 2,
	      "vlan_tci follows data_len");
static_assert(offsetof(struct rte_mbuf, packet_type) % 8 == 0, "8-byte store");

/*
 * The rx fields a single-segment frame of @p len bytes defines, in two
 * stores: packet_type (0) with pkt_len, data_len with vlan_tci (0). Needs
 * len <= UINT16_MAX.
 */
static inline void
vireo_mbuf_set_rx_len(struct rte_mbuf *m, uint32_t len)
{
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
	uint64_t *type_len = (uint64_t *)(void *)((char *)m +
						  offsetof(struct rte_mbuf, packet_type));
	uint32_t *data_vlan = (uint32_t *)(void *)((char *)m + offsetof(struct rte_mbuf, data_len));

	*type_len = (uint64_t)len << 32;
	*data_vlan = len;
#else
	m->packet_type = 0;
	m->pkt_len = len;
	m->data_len = (uint16_t)len;
	m->vlan_tci = 0;
#endif
}

static inline enum vireo_size_bin
vireo_size_bin(uint32_t len)
{
	if (len <= 64)
		return VIREO_BIN_64;
	if (len > 1518)
		return VIREO_BIN_1519_MAX;
	if (len >= 1024)
		return VIREO_BIN_1024_1518;
	/* 65..1023: bit length 7..10 maps to bins 1..4. */
	return (enum vireo_size_bin)(32 - __builtin_clz(len) - 6);
}

/* vireo_ethdev.c */
int vireo_net_init(struct rte_eth_dev *eth_dev, struct vio_dev *vdev);
int vireo_net_link_update(struct rte_eth_dev *dev, int wait_to_complete);
int vireo_dev_close(struct rte_eth_dev *dev);
int vireo_dev_infos_get(struct rte_eth_dev *dev, struct rte_eth_dev_info *info);

/* vireo_mp.c: secondary processes */
int vireo_net_attach_secondary(struct rte_eth_dev *eth_dev, bool datapath);
uint32_t vireo_net_frame_len(uint16_t mtu);

/* vireo_watch.c */
void vireo_watch_start(struct vireo_net *net);
/** One watch check (link, NEEDS_RESET, gone): EAL interrupt thread only. */
void vireo_watch_check(struct vireo_net *net);

int vireo_intr_configure(struct rte_eth_dev *dev, uint16_t pairs);
int vireo_intr_start(struct rte_eth_dev *dev);
int vireo_intr_bind(struct rte_eth_dev *dev);
void vireo_intr_stop(struct rte_eth_dev *dev);
/** After vireo_watch_start(): the transport's status events run the watch check. */
void vireo_intr_events_start(struct rte_eth_dev *dev);
/** Before the device is reset or its state freed. */
void vireo_intr_events_stop(struct rte_eth_dev *dev);
void vireo_intr_close(struct rte_eth_dev *dev);
int vireo_rx_queue_intr_enable(struct rte_eth_dev *dev, uint16_t qid);
int vireo_rx_queue_intr_disable(struct rte_eth_dev *dev, uint16_t qid);
void vireo_watch_stop(struct vireo_net *net);

/* vireo_queue.c */
int vireo_rx_queue_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc,
			 unsigned int socket, const struct rte_eth_rxconf *conf,
			 struct rte_mempool *mp);
int vireo_tx_queue_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc,
			 unsigned int socket, const struct rte_eth_txconf *conf);
void vireo_rx_queue_release(struct rte_eth_dev *dev, uint16_t qid);
void vireo_tx_queue_release(struct rte_eth_dev *dev, uint16_t qid);
void vireo_rxq_info_get(struct rte_eth_dev *dev, uint16_t qid, struct rte_eth_rxq_info *qinfo);
void vireo_txq_info_get(struct rte_eth_dev *dev, uint16_t qid, struct rte_eth_txq_info *qinfo);
int vireo_rxq_check_mtu(const struct vireo_rxq *rxq, uint16_t mtu);
int vireo_queues_start(struct vireo_net *net);
void vireo_queues_stop(struct vireo_net *net);
/** Tell the device about the buffers of every receive virtqueue (after DRIVER_OK). */
void vireo_queues_kick_rx(struct vireo_net *net);
void vireo_queues_flush_tx(struct vireo_net *net, unsigned int ms);
void vireo_queues_release_all(struct vireo_net *net);

/** What a quarantine leaves allocated (for the log line). */
struct vireo_quarantine {
	unsigned int vqs;      /**< Virtqueues (rings) left to the device. */
	size_t bytes;          /**< Ring and header DMA memory left allocated. */
	unsigned int rx_bufs;  /**< Posted rx mbufs left to the device. */
	unsigned int tx_descs; /**< Tx descriptors (mbuf segments, headers) in flight. */
};
void vireo_queues_quarantine(struct vireo_net *net, struct vireo_quarantine *q);

/* vireo_rxtx.c */
uint16_t vireo_rx_burst(void *rxq, struct rte_mbuf **pkts, uint16_t nb_pkts);
uint16_t vireo_tx_burst(void *txq, struct rte_mbuf **pkts, uint16_t nb_pkts);
uint16_t vireo_tx_prepare(void *txq, struct rte_mbuf **pkts, uint16_t nb_pkts);
int vireo_tx_done_cleanup(void *txq, uint32_t free_cnt);
unsigned int vireo_rx_refill(struct vireo_rxq *rxq);
const uint32_t *vireo_supported_ptypes_get(struct rte_eth_dev *dev);
int vireo_ptypes_set(struct rte_eth_dev *dev, uint32_t ptype_mask);

/* vireo_ctrl.c */
int vireo_ctrl_start(struct vireo_net *net);
void vireo_ctrl_stop(struct vireo_net *net);
void vireo_ctrl_quarantine(struct vireo_net *net, struct vireo_quarantine *q);
int vireo_ctrl_replay(struct vireo_net *net);
int vireo_promiscuous_enable(struct rte_eth_dev *dev);
int vireo_promiscuous_disable(struct rte_eth_dev *dev);
int vireo_allmulticast_enable(struct rte_eth_dev *dev);
int vireo_allmulticast_disable(struct rte_eth_dev *dev);
int vireo_mac_addr_set(struct rte_eth_dev *dev, struct rte_ether_addr *addr);
int vireo_mac_addr_add(struct rte_eth_dev *dev, struct rte_ether_addr *addr, uint32_t index,
		       uint32_t vmdq);
void vireo_mac_addr_remove(struct rte_eth_dev *dev, uint32_t index);
int vireo_set_mc_addr_list(struct rte_eth_dev *dev, struct rte_ether_addr *list, uint32_t nb);
int vireo_vlan_filter_set(struct rte_eth_dev *dev, uint16_t vlan_id, int on);

/* vireo_stats.c */
int vireo_stats_get(struct rte_eth_dev *dev, struct rte_eth_stats *stats);
int vireo_stats_reset(struct rte_eth_dev *dev);
int vireo_xstats_get(struct rte_eth_dev *dev, struct rte_eth_xstat *xstats, unsigned int n);
int vireo_xstats_get_names(struct rte_eth_dev *dev, struct rte_eth_xstat_name *names,
			   unsigned int size);
int vireo_xstats_reset(struct rte_eth_dev *dev);

#endif /* VIREO_NET_H */
