/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Net engine internals, shared by its setup (perf_net.c), forwarding loops
 * (perf_fwd.c) and figures (perf_net_stats.c).
 */
#ifndef PERF_NET_H
#define PERF_NET_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <rte_common.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_mempool.h>

#include "perf_args.h"
#include "perf_json.h"
#include "perf_seq.h"

/* Ethernet + IPv4 + UDP headers of generated packets */
#define PERF_HDR_LEN (14 + 20 + 8)
#define PERF_UDP_SPORT 1024
#define PERF_UDP_DPORT 9 /* discard */
/* Bytes on an Ethernet wire around each frame: FCS 4, preamble+SFD 8, IFG 12 */
#define PERF_WIRE_OVERHEAD 24u

/* Written only by the forwarding lcore that runs the stream, read by the
 * main lcore as one consistent set (perf_seq.h). */
struct perf_counters {
	uint64_t seq; /* sequence count: odd while the writer updates the set */
	uint64_t rx_pkts;
	uint64_t rx_bytes;
	uint64_t tx_pkts;
	uint64_t tx_bytes;
	uint64_t tx_unsent;  /* handed to tx_burst, not accepted: freed */
	uint64_t alloc_fail; /* generated packets lost to mbuf shortage */
};

/*
 * A stream is one (rx port, rx queue) -> (tx port, tx queue) flow of work,
 * testpmd's "forwarding stream". Each runs on exactly one forwarding lcore,
 * so its queues, counters and cursors have a single user; one lcore may run
 * several streams, one burst of each in turn.
 */
struct perf_stream {
	/* Counters of the lcore running the stream, on their own cache line(s). */
	struct perf_counters cnt __rte_cache_aligned;

	/* Read-only while running. */
	struct rte_mempool *pool __rte_cache_aligned;
	struct rte_mbuf **scratch; /* burst * nb_segs, multi-seg generation */
	uint16_t rx_port;
	uint16_t rx_queue;
	uint16_t tx_port;
	uint16_t tx_queue;
	enum perf_fwd fwd;
	bool do_rx;
	bool do_tx;
	bool tx_first;
	uint16_t burst;
	uint16_t pkt_size;
	uint16_t seg_size;
	uint16_t nb_segs;
	uint16_t flows;
	uint16_t flow;                 /* flowgen cursor, owned by the running lcore */
	uint64_t tx_left;              /* --tx-count budget, ditto; UINT64_MAX: none */
	uint64_t rate_period;          /* --rate: TSC cycles per packet, 0: no limit */
	uint64_t rate_next;            /* TSC when the next packet is due (running lcore) */
	unsigned int lcore;            /* forwarding lcore that runs it */
	struct rte_ether_addr src_mac; /* tx port's own MAC */
	struct rte_ether_addr dst_mac; /* where the tx port sends to */
	uint8_t tmpl[PERF_HDR_LEN];    /* headers of generated packets */
} __rte_cache_aligned;

/* CPU time of one forwarding lcore's thread at one instant. */
struct perf_cpu_snap {
	double cpu_s;     /* user + system seconds of the thread */
	uint64_t sleeps;  /* rte_epoll_wait calls (--idle sleep) */
	uint64_t wakeups; /* ... that returned an rx interrupt */
	uint64_t tsc;
};

/* A forwarding lcore and the streams it polls, one burst each in turn. */
struct perf_fwd_lcore {
	struct perf_stream **streams;
	unsigned int nb_streams;
	unsigned int lcore;
	const int *stop;
	bool sleep;              /* --idle sleep and every stream only receives */
	unsigned int idle_polls; /* empty rounds before sleeping */
	/* Written by the lcore: its thread's CPU clock, sleep counters. */
	clockid_t cpu_clock;
	int cpu_clock_ok; /* atomic: cpu_clock is set */
	uint64_t sleeps;
	uint64_t wakeups;
	/* Read by the main lcore (pthread_getcpuclockid: no syscall on the data path). */
	struct perf_cpu_snap base, last, end;
} __rte_cache_aligned;

/* Counters of one port at one instant (app counters + ethdev stats). */
struct perf_port_snap {
	struct perf_counters app;
	struct rte_eth_stats eth;
	uint64_t doorbells; /* sum of the driver's *_doorbells xstats (net_vireo has them) */
	bool has_doorbells; /* the driver has such xstats */
	uint64_t tsc;
};

struct perf_port {
	uint16_t id;
	uint16_t peer; /* forwarding destination */
	enum perf_fwd fwd;
	uint16_t rxd;
	uint16_t txd;
	bool started;
	struct rte_ether_addr mac;
	struct rte_ether_addr dst; /* destination MAC of packets it sends */
	char name[RTE_ETH_NAME_MAX_LEN];
	char driver[64];
	struct perf_port_snap base; /* measurement start */
	struct perf_port_snap last; /* previous live line */
	struct perf_port_snap end;  /* measurement end */
	struct perf_port_snap life; /* after stop and drain */
	uint64_t rx_drained;        /* received by the drain after stop */
};

struct perf_net {
	const struct perf_config *cfg;
	unsigned int nb_ports;
	struct perf_port ports[RTE_MAX_ETHPORTS];
	struct perf_stream *streams;
	unsigned int nb_streams;
	struct perf_fwd_lcore *fwd_lcores;
	unsigned int nb_fwd_lcores;
	struct perf_stream **lcore_streams; /* nb_streams, grouped by lcore */
	/* per-stream counters at measurement start / end (index as streams) */
	struct perf_counters *stream_base;
	struct perf_counters *stream_end;
	struct perf_counters *stream_now; /* scratch: live lines, lifetime */
	struct rte_mempool *pool;
	unsigned int nb_mbufs;
	unsigned int seg_size;
	unsigned int nb_segs;
	uint64_t start_tsc;
	bool launched;
	bool marked;
	bool interrupted_warmup;
	int stop;
};

/* perf_fwd.c */
void perf_stream_build_template(struct perf_stream *s);
/* lcore_function_t for rte_eal_remote_launch(); arg: struct perf_fwd_lcore */
int perf_fwd_lcore_run(void *arg);

/* perf_net_stats.c */
void perf_net_cpu_snapshot(const struct perf_fwd_lcore *lc, struct perf_cpu_snap *snap,
			   uint64_t tsc);
void perf_net_stream_snapshot(const struct perf_net *net, struct perf_counters *out);
void perf_net_port_snapshot(const struct perf_net *net, unsigned int idx,
			    const struct perf_counters *cnt, struct perf_port_snap *snap,
			    uint64_t tsc);
void perf_net_period(void *ctx, uint64_t tsc, int warming_up);
void perf_net_summary(void *ctx, FILE *f);
void perf_net_json(void *ctx, struct perf_json *j);

#endif /* PERF_NET_H */
