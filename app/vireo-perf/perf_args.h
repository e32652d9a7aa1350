/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vireo-perf application arguments (everything after "--").
 *
 * Pure C, no EAL: the parser is unit-tested on the host without DPDK
 * running. Checks that need the ports (do they exist, what can they do)
 * happen later in the engine.
 */
#ifndef PERF_ARGS_H
#define PERF_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PERF_MAX_PORTS 64    /* bits in the port mask */
#define PERF_MAX_QUEUES 1024 /* RTE_MAX_QUEUES_PER_PORT */
#define PERF_MAX_CORES 1024  /* --nb-cores bound; EAL's lcore count decides */
#define PERF_MAX_BURST 512
#define PERF_MIN_PKT_SIZE 64
#define PERF_MAX_PKT_SIZE 9000
#define PERF_MIN_SEG_SIZE 64
#define PERF_MBUF_HEADROOM 128 /* RTE_PKTMBUF_HEADROOM, checked in perf_net.c */
#define PERF_MBUF_SIZE_DEFAULT (2048 + PERF_MBUF_HEADROOM)
#define PERF_MAX_DESC 32768
#define PERF_MAX_SECONDS (7.0 * 24 * 3600)
#define PERF_IDLE_POLLS_DEFAULT 64  /* --idle sleep: empty polls before sleeping */
#define PERF_MAX_RATE 1000000000ull /* --rate bound (packets per second) */

enum perf_mode {
	PERF_MODE_NET,
	PERF_MODE_BLK,
};

/* testpmd's forwarding vocabulary */
enum perf_fwd {
	PERF_FWD_IO,
	PERF_FWD_MAC,
	PERF_FWD_MACSWAP,
	PERF_FWD_TXONLY,
	PERF_FWD_RXONLY,
	PERF_FWD_FLOWGEN,
	PERF_FWD_COUNT
};

/* fio's rw= vocabulary (blk mode) */
enum perf_blk_rw {
	PERF_BLK_READ,
	PERF_BLK_WRITE,
	PERF_BLK_RANDREAD,
	PERF_BLK_RANDWRITE,
	PERF_BLK_RANDRW,
	PERF_BLK_RW_COUNT
};

enum perf_blk_verify {
	PERF_VERIFY_NONE,
	PERF_VERIFY_CRC32C,
};

#define PERF_BLK_MAX_BS (16u << 20) /* bytes per request */
#define PERF_BLK_MAX_IODEPTH 4096
#define PERF_BLK_MAX_QUEUES 256

/* Block mode options (--mode blk). */
struct perf_blk_config {
	enum perf_blk_rw rw;
	unsigned int rwmixread; /* percent of randrw I/Os that read */
	unsigned int bs;        /* bytes per request */
	unsigned int iodepth;   /* requests in flight per queue */
	unsigned int queues;    /* one lcore each */
	uint64_t size;          /* bytes of the device used; 0: to its end */
	uint64_t offset;        /* first byte used */
	enum perf_blk_verify verify;
	uint64_t seed;   /* data pattern and random offsets */
	const char *dev; /* vblk device name; NULL: the first one */
};

enum perf_topology {
	PERF_TOPO_PAIRED, /* forward port 0 <-> 1, 2 <-> 3, ... */
	PERF_TOPO_LOOP,   /* forward each port to itself */
};

struct perf_mac {
	uint8_t b[6];
};

struct perf_config {
	enum perf_mode mode;
	/* one mode for every port, or one per selected port (in port order) */
	enum perf_fwd fwd[PERF_MAX_PORTS];
	unsigned int nb_fwd;
	uint64_t portmask; /* 0: every available port */
	unsigned int rxq;
	unsigned int txq;
	unsigned int nb_cores; /* forwarding lcores; 0: one per stream, up to the workers */
	unsigned int burst;
	unsigned int rxd; /* 0: driver default */
	unsigned int txd;
	unsigned int pkt_size;   /* frame length without FCS */
	unsigned int seg_size;   /* 0: mbuf data room */
	unsigned int mbufs;      /* 0: computed */
	unsigned int mbuf_size;  /* data room + headroom */
	unsigned int flows;      /* flowgen */
	unsigned int tx_count;   /* txonly/flowgen: packets per stream, 0: no limit */
	double duration;         /* measured seconds, 0: until signal */
	double warmup;           /* seconds before the measurement */
	double stats_period;     /* 0: no live lines */
	const char *json_path;   /* NULL: no JSON */
	struct perf_mac dst_mac; /* --dst-mac: every port */
	bool dst_mac_set;
	struct perf_mac eth_peer[PERF_MAX_PORTS];
	uint64_t eth_peer_mask;
	bool promisc;
	bool tx_first;
	enum perf_topology topology;
	bool help;
	/* --idle sleep[,N]: after N empty polls an lcore sleeps on rx interrupts */
	bool idle_sleep;
	unsigned int idle_polls;
	uint64_t rate; /* --rate: txonly/flowgen packets per second per stream, 0: no limit */
	struct perf_blk_config blk;
	bool blk_opt_seen; /* a block-only option was given */
};

void perf_args_defaults(struct perf_config *cfg);

/*
 * Parse app arguments (argv[0] is the program name, as after EAL's shift).
 * Returns 0, or -EINVAL with a one-line reason in err.
 */
int perf_args_parse(int argc, char **argv, struct perf_config *cfg, char *err, size_t errlen);

void perf_args_usage(FILE *f, const char *prog);

struct perf_json;
/* Echo of the options as given ("config" object). */
void perf_args_json(struct perf_json *j, const struct perf_config *cfg);

const char *perf_fwd_name(enum perf_fwd fwd);
const char *perf_mode_name(enum perf_mode mode);
const char *perf_topology_name(enum perf_topology topo);
const char *perf_blk_rw_name(enum perf_blk_rw rw);

/* Does this rw pattern read / write / pick offsets at random? */
bool perf_blk_rw_reads(enum perf_blk_rw rw);
bool perf_blk_rw_writes(enum perf_blk_rw rw);
bool perf_blk_rw_random(enum perf_blk_rw rw);

/* Forwarding mode of the idx-th selected port. */
static inline enum perf_fwd
perf_cfg_fwd(const struct perf_config *cfg, unsigned int idx)
{
	return cfg->nb_fwd == 1 ? cfg->fwd[0] : cfg->fwd[idx];
}

/* Does this mode receive / transmit / forward what it received? */
bool perf_fwd_receives(enum perf_fwd fwd);
bool perf_fwd_generates(enum perf_fwd fwd);
bool perf_fwd_forwards(enum perf_fwd fwd);

/* Segments per generated packet and the data bytes of each segment. */
unsigned int perf_cfg_seg_size(const struct perf_config *cfg);
unsigned int perf_cfg_nb_segs(const struct perf_config *cfg);

unsigned int perf_popcount64(uint64_t v);

#endif /* PERF_ARGS_H */
