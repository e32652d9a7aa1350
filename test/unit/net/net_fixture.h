/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fixture for the net_vireo unit tests: a virtio-net device model on swdev
 * (tx queue 2i+1 loops back into rx queue 2i, a control queue that records
 * every command) and a net_vireo ethdev port created on it with
 * vireo_net_port_create(), so the whole PMD runs exactly as over PCI.
 */
#ifndef NET_FIXTURE_H
#define NET_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "unit_common.h"

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "swdev.h"
#include "vio_spec.h"

#define FX_MAX_PAIRS 4
#define FX_MAX_TABLE 64

/* Features offered by default. */
#define FX_FEATURES                                                                               \
	(VIO_BIT(VIO_F_VERSION_1) | VIO_BIT(VIO_NET_F_MAC) | VIO_BIT(VIO_NET_F_STATUS) |          \
	 VIO_BIT(VIO_NET_F_MRG_RXBUF) | VIO_BIT(VIO_NET_F_CSUM) | VIO_BIT(VIO_NET_F_GUEST_CSUM) | \
	 VIO_BIT(VIO_NET_F_CTRL_VQ) | VIO_BIT(VIO_NET_F_CTRL_RX) | VIO_BIT(VIO_NET_F_CTRL_VLAN) | \
	 VIO_BIT(VIO_NET_F_CTRL_MAC_ADDR) | VIO_BIT(VIO_F_EVENT_IDX) | VIO_BIT(VIO_F_IN_ORDER))

/* What the device model does and saw. Counters written by the device side. */
struct net_model {
	uint16_t pairs;
	bool mrg;            /* MRG_RXBUF negotiated: spread over buffers. */
	uint32_t rx_buf_len; /* Writable bytes per rx buffer (for mrg). */
	uint8_t rx_flags;    /* Header flags written on rx. */
	uint16_t rx_csum_start;
	uint16_t rx_csum_offset;
	bool lie; /* Write lie_num_buffers as num_buffers. */
	uint16_t lie_num_buffers;
	bool rx_hold; /* Defer tx chains (keep the tx ring full); atomic. */
	bool rr_rx;   /* Spread tx frames round robin over the rx queues in use. */
	uint64_t rr_next;

	/* Observations. */
	uint64_t tx_chains;
	uint64_t tx_nseg[8]; /* Chains by descriptor count (7 = 7+). */
	uint64_t rx_packets;
	uint64_t rx_buffers;
	uint64_t truncated;
	uint64_t dev_dropped; /* Frames that fit no rx buffer (no MRG_RXBUF): dropped unseen. */
	struct vio_net_hdr last_tx_hdr;

	/* Control queue. */
	bool ctrl_defer;  /* Never complete commands (timeout). */
	bool ctrl_reject; /* Ack VIO_NET_ERR. */
	uint64_t ctrl_cmds;
	int promisc; /* -1: never set */
	int allmulti;
	uint8_t mac[6];
	bool mac_set;
	uint32_t uc_count, mc_count;
	uint8_t uc[FX_MAX_TABLE][6];
	uint8_t mc[FX_MAX_TABLE][6];
	uint64_t vlans[64];
	uint16_t mq_pairs;
	uint64_t mq_enabled; /* Queues enabled when VQ_PAIRS_SET arrived (bit = queue). */
};

struct net_fx_params {
	uint64_t features;     /* 0: FX_FEATURES */
	uint16_t pairs;        /* 0: 1 */
	uint16_t qmax;         /* 0: 256 */
	unsigned int nb_mbufs; /* 0: 1024 */
	uint16_t data_room;    /* 0: RTE_MBUF_DEFAULT_BUF_SIZE */
	uint16_t cfg_mtu;      /* with VIO_NET_F_MTU */
	uint16_t ctrl_qmax;    /* control queue size; 0: qmax */
	uint16_t config_len;   /* device config bytes; 0: the whole struct */
	bool no_thread;        /* Drive the device with fx_process() only. */
	bool no_port;          /* Leave the port to fx_open_port() (adjust the device first). */
};

struct net_fx {
	struct swdev *sw;
	struct net_model model;
	uint16_t port;
	bool port_open;
	struct rte_mempool *mp;
	unsigned int nb_mbufs;
	uint16_t pairs;
	bool violations_expected;
	unsigned int quarantined_mbufs; /* Left to a device that did not reset. */
};

extern const uint8_t fx_mac[6];

/* One EAL for the whole test program (cmocka group setup/teardown). */
int fx_group_setup(void **state);
int fx_group_teardown(void **state);

/* Create the device model, its port and a mempool; start the device thread. */
void fx_create(struct net_fx *fx, const struct net_fx_params *p);
/* Probe the port on the device (done by fx_create unless no_port). */
void fx_open_port(struct net_fx *fx);
/* Stop and close the port, then check: no mbuf leaked, no driver violation. */
void fx_destroy(struct net_fx *fx);

/* configure(nq, nq) + queue setup + start. @return the first failing rc. */
int fx_start(struct net_fx *fx, uint16_t nq, uint16_t nb_desc, uint64_t rx_offloads,
	     uint64_t tx_offloads);
/* The same with the caller's whole port configuration. */
int fx_start_conf(struct net_fx *fx, uint16_t nq, uint16_t nb_desc,
		  const struct rte_eth_conf *conf);

/*
 * Device side (thread off): a frame of @p len bytes (pattern as fx_pkt)
 * arrives on rx queue @p q. @return 1 delivered, 0 dropped by the device
 * (fits no buffer), SWDEV_DEFER (no buffers).
 */
int fx_inject_rx(struct net_fx *fx, uint16_t q, uint32_t len, uint8_t seed);

/* Run the device side by hand (without the thread): all queues, once. */
void fx_process(struct net_fx *fx);
void fx_thread(struct net_fx *fx, bool on);

/* A frame of @p len bytes in @p nsegs segments, byte i = seed + 7 i. */
struct rte_mbuf *fx_pkt(struct net_fx *fx, uint32_t len, uint16_t nsegs, uint8_t seed);
/* Check length and pattern of a received frame. */
void fx_check_pkt(const struct rte_mbuf *m, uint32_t len, uint8_t seed);

/* Poll rx queue @p q until @p want packets arrived or @p ms passed. */
unsigned int fx_rx_wait(struct net_fx *fx, uint16_t q, struct rte_mbuf **pkts, unsigned int want,
			unsigned int ms);
/* Send all of @p pkts (retrying while the ring is full) within @p ms. */
unsigned int fx_tx_all(struct net_fx *fx, uint16_t q, struct rte_mbuf **pkts, unsigned int n,
		       unsigned int ms);

/* Value of a named xstat of the port (asserts it exists). */
uint64_t fx_xstat(struct net_fx *fx, const char *name);

#endif /* NET_FIXTURE_H */
