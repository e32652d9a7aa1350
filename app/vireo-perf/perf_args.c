/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vireo-perf argument parser: a table of long options, each with its own
 * strict value parser. Every rejection names the option and the value.
 */
#include <ctype.h>
#include <limits.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "perf_args.h"
#include "perf_json.h"

/* clang-format off */
static const char *const fwd_names[PERF_FWD_COUNT] = {
	[PERF_FWD_IO] = "io",
	[PERF_FWD_MAC] = "mac",
	[PERF_FWD_MACSWAP] = "macswap",
	[PERF_FWD_TXONLY] = "txonly",
	[PERF_FWD_RXONLY] = "rxonly",
	[PERF_FWD_FLOWGEN] = "flowgen",
};
/* clang-format on */

const char *
perf_fwd_name(enum perf_fwd fwd)
{
	return (unsigned int)fwd < PERF_FWD_COUNT ? fwd_names[fwd] : "?";
}

/* clang-format off */
static const char *const blk_rw_names[PERF_BLK_RW_COUNT] = {
	[PERF_BLK_READ] = "read",
	[PERF_BLK_WRITE] = "write",
	[PERF_BLK_RANDREAD] = "randread",
	[PERF_BLK_RANDWRITE] = "randwrite",
	[PERF_BLK_RANDRW] = "randrw",
};
/* clang-format on */

const char *
perf_blk_rw_name(enum perf_blk_rw rw)
{
	return (unsigned int)rw < PERF_BLK_RW_COUNT ? blk_rw_names[rw] : "?";
}

bool
perf_blk_rw_reads(enum perf_blk_rw rw)
{
	return rw == PERF_BLK_READ || rw == PERF_BLK_RANDREAD || rw == PERF_BLK_RANDRW;
}

bool
perf_blk_rw_writes(enum perf_blk_rw rw)
{
	return rw == PERF_BLK_WRITE || rw == PERF_BLK_RANDWRITE || rw == PERF_BLK_RANDRW;
}

bool
perf_blk_rw_random(enum perf_blk_rw rw)
{
	return rw == PERF_BLK_RANDREAD || rw == PERF_BLK_RANDWRITE || rw == PERF_BLK_RANDRW;
}

const char *
perf_mode_name(enum perf_mode mode)
{
	return mode == PERF_MODE_BLK ? "blk" : "net";
}

const char *
perf_topology_name(enum perf_topology topo)
{
	return topo == PERF_TOPO_LOOP ? "loop" : "paired";
}

bool
perf_fwd_receives(enum perf_fwd fwd)
{
	return fwd != PERF_FWD_TXONLY;
}

bool
perf_fwd_generates(enum perf_fwd fwd)
{
	return fwd == PERF_FWD_TXONLY || fwd == PERF_FWD_FLOWGEN;
}

bool
perf_fwd_forwards(enum perf_fwd fwd)
{
	return fwd == PERF_FWD_IO || fwd == PERF_FWD_MAC || fwd == PERF_FWD_MACSWAP;
}

unsigned int
perf_popcount64(uint64_t v)
{
	return (unsigned int)__builtin_popcountll(v);
}

unsigned int
perf_cfg_seg_size(const struct perf_config *cfg)
{
	return cfg->seg_size ? cfg->seg_size : cfg->mbuf_size - PERF_MBUF_HEADROOM;
}

unsigned int
perf_cfg_nb_segs(const struct perf_config *cfg)
{
	unsigned int seg = perf_cfg_seg_size(cfg);

	return (cfg->pkt_size + seg - 1) / seg;
}

void
perf_args_defaults(struct perf_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mode = PERF_MODE_NET;
	cfg->fwd[0] = PERF_FWD_IO;
	cfg->nb_fwd = 1;
	cfg->rxq = 1;
	cfg->txq = 1;
	cfg->burst = 32;
	cfg->pkt_size = 64;
	cfg->mbuf_size = PERF_MBUF_SIZE_DEFAULT;
	cfg->flows = 1024;
	cfg->stats_period = 1.0;
	cfg->idle_polls = PERF_IDLE_POLLS_DEFAULT;
	cfg->promisc = true;
	cfg->topology = PERF_TOPO_PAIRED;
	cfg->blk.rw = PERF_BLK_READ;
	cfg->blk.rwmixread = 50;
	cfg->blk.bs = 4096;
	cfg->blk.iodepth = 1;
	cfg->blk.queues = 1;
	cfg->blk.seed = 0x5649524551ull; /* "VIREQ": any fixed value */
}

static int __attribute__((format(printf, 3, 4)))
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Decimal unsigned in [min, max]; no sign, blanks or trailing junk. */
static int
parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	unsigned long long v;
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -EINVAL;
	*out = (unsigned long)v;
	return 0;
}

static int
parse_seconds(const char *s, double *out)
{
	char *end;
	double v;

	if (!isdigit((unsigned char)s[0]) && s[0] != '.')
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !isfinite(v) || v < 0 || v > PERF_MAX_SECONDS)
		return -EINVAL;
	*out = v;
	return 0;
}

/*
 * fio-style size: decimal with an optional binary suffix k, m, g, t
 * (either case, optionally followed by "b"/"ib"): "4k" = 4096.
 */
static int
parse_size(const char *s, uint64_t *out)
{
	static const char units[] = "kmgt";
	unsigned long long v;
	const char *u;
	unsigned int shift = 0;
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -EINVAL;
	if (*end != '\0') {
		u = strchr(units, tolower((unsigned char)*end));
		if (u == NULL)
			return -EINVAL;
		shift = 10 * (unsigned int)(u - units + 1);
		end++;
		if (strcasecmp(end, "b") != 0 && strcasecmp(end, "ib") != 0 && *end != '\0')
			return -EINVAL;
	}
	if (shift != 0 && v > (UINT64_MAX >> shift))
		return -EINVAL;
	*out = (uint64_t)v << shift;
	return 0;
}

static int
parse_mac(const char *s, struct perf_mac *mac)
{
	unsigned int i;

	for (i = 0; i < 6; i++) {
		const char *p = s + i * 3;
		char hex[3];

		if (!isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1]))
			return -EINVAL;
		if (p[2] != (i == 5 ? '\0' : ':'))
			return -EINVAL;
		hex[0] = p[0];
		hex[1] = p[1];
		hex[2] = '\0';
		mac->b[i] = (uint8_t)strtoul(hex, NULL, 16);
	}
	return 0;
}

/* "0,1,4-6" */
static int
parse_port_list(const char *s, uint64_t *mask)
{
	uint64_t m = 0;
	const char *p = s;

	while (*p != '\0') {
		unsigned long a, b;
		char *end;

		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		a = strtoul(p, &end, 10);
		b = a;
		if (*end == '-') {
			p = end + 1;
			if (!isdigit((unsigned char)*p))
				return -EINVAL;
			b = strtoul(p, &end, 10);
		}
		if (a >= PERF_MAX_PORTS || b >= PERF_MAX_PORTS || a > b)
			return -EINVAL;
		for (; a <= b; a++)
			m |= UINT64_C(1) << a;
		p = end;
		if (*p == ',' && p[1] != '\0')
			p++;
		else if (*p != '\0')
			return -EINVAL;
	}
	if (m == 0)
		return -EINVAL;
	*mask = m;
	return 0;
}

static int
parse_portmask(const char *s, uint64_t *mask)
{
	unsigned long long v;
	const char *p = s;
	char *end;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	if (!isxdigit((unsigned char)p[0]))
		return -EINVAL;
	errno = 0;
	v = strtoull(p, &end, 16);
	if (errno != 0 || *end != '\0' || v == 0)
		return -EINVAL;
	*mask = v;
	return 0;
}

static int
parse_fwd_one(const char *s, size_t len, enum perf_fwd *fwd)
{
	unsigned int i;

	for (i = 0; i < PERF_FWD_COUNT; i++) {
		if (strlen(fwd_names[i]) == len && strncmp(s, fwd_names[i], len) == 0) {
			*fwd = (enum perf_fwd)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* "io" or "txonly,rxonly" (one per selected port) */
static int
parse_fwd_list(const char *s, struct perf_config *cfg)
{
	unsigned int n = 0;
	const char *p = s;

	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		if (n == PERF_MAX_PORTS || parse_fwd_one(p, len, &cfg->fwd[n]))
			return -EINVAL;
		n++;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	cfg->nb_fwd = n;
	return 0;
}

struct opt_ctx {
	struct perf_config *cfg;
	char *err;
	size_t errlen;
	bool portmask_seen;
	bool ports_seen;
	bool blk_rw_seen;
};

typedef int (*opt_fn)(struct opt_ctx *c, const char *name, const char *val);

struct opt_def {
	const char *name;
	bool has_arg;
	opt_fn fn;
	unsigned long min; /* for uint options */
	unsigned long max;
	size_t off; /* offsetof the unsigned int field */
};

static int
opt_uint(struct opt_ctx *c, const struct opt_def *d, const char *val)
{
	unsigned long v;

	if (parse_uint(val, d->min, d->max, &v))
		return fail(c->err, c->errlen, "--%s: '%s' is not an integer in %lu..%lu", d->name,
			    val, d->min, d->max);
	*(unsigned int *)((char *)c->cfg + d->off) = (unsigned int)v;
	return 0;
}

static int
opt_mode(struct opt_ctx *c, const char *name, const char *val)
{
	if (strcmp(val, "net") == 0)
		c->cfg->mode = PERF_MODE_NET;
	else if (strcmp(val, "blk") == 0)
		c->cfg->mode = PERF_MODE_BLK;
	else
		return fail(c->err, c->errlen, "--%s: unknown mode '%s' (net or blk)", name, val);
	return 0;
}

static int
opt_fwd(struct opt_ctx *c, const char *name, const char *val)
{
	if (parse_fwd_list(val, c->cfg))
		return fail(c->err, c->errlen,
			    "--%s: '%s' is not a mode or a comma list of modes "
			    "(io, mac, macswap, txonly, rxonly, flowgen)",
			    name, val);
	return 0;
}

static int
opt_portmask(struct opt_ctx *c, const char *name, const char *val)
{
	if (parse_portmask(val, &c->cfg->portmask))
		return fail(c->err, c->errlen, "--%s: '%s' is not a non-zero hexadecimal mask",
			    name, val);
	c->portmask_seen = true;
	return 0;
}

static int
opt_ports(struct opt_ctx *c, const char *name, const char *val)
{
	if (parse_port_list(val, &c->cfg->portmask))
		return fail(c->err, c->errlen,
			    "--%s: '%s' is not a port list like 0,1 or 0-3 "
			    "(ports below %d)",
			    name, val, PERF_MAX_PORTS);
	c->ports_seen = true;
	return 0;
}

static int
opt_seconds(struct opt_ctx *c, const char *name, const char *val)
{
	double v;

	if (parse_seconds(val, &v))
		return fail(c->err, c->errlen, "--%s: '%s' is not a number of seconds (0..%.0f)",
			    name, val, PERF_MAX_SECONDS);
	if (strcmp(name, "duration") == 0)
		c->cfg->duration = v;
	else if (strcmp(name, "warmup") == 0)
		c->cfg->warmup = v;
	else
		c->cfg->stats_period = v;
	return 0;
}

static int
opt_json(struct opt_ctx *c, const char *name, const char *val)
{
	if (val[0] == '\0')
		return fail(c->err, c->errlen, "--%s: empty file name", name);
	c->cfg->json_path = val;
	return 0;
}

static int
opt_dst_mac(struct opt_ctx *c, const char *name, const char *val)
{
	if (parse_mac(val, &c->cfg->dst_mac))
		return fail(c->err, c->errlen,
			    "--%s: '%s' is not a MAC address like 02:00:00:00:00:01", name, val);
	c->cfg->dst_mac_set = true;
	return 0;
}

static int
opt_eth_peer(struct opt_ctx *c, const char *name, const char *val)
{
	const char *comma = strchr(val, ',');
	unsigned long port;
	char num[8];
	size_t len;

	len = comma ? (size_t)(comma - val) : 0;
	if (comma == NULL || len == 0 || len >= sizeof(num))
		goto bad;
	memcpy(num, val, len);
	num[len] = '\0';
	if (parse_uint(num, 0, PERF_MAX_PORTS - 1, &port) ||
	    parse_mac(comma + 1, &c->cfg->eth_peer[port]))
		goto bad;
	c->cfg->eth_peer_mask |= UINT64_C(1) << port;
	return 0;
bad:
	return fail(c->err, c->errlen, "--%s: '%s' is not PORT,MAC (e.g. 0,02:00:00:00:00:01)",
		    name, val);
}

static int
opt_promisc(struct opt_ctx *c, const char *name, const char *val)
{
	if (strcmp(val, "on") == 0)
		c->cfg->promisc = true;
	else if (strcmp(val, "off") == 0)
		c->cfg->promisc = false;
	else
		return fail(c->err, c->errlen, "--%s: '%s' is not on or off", name, val);
	return 0;
}

static int
opt_topology(struct opt_ctx *c, const char *name, const char *val)
{
	if (strcmp(val, "paired") == 0)
		c->cfg->topology = PERF_TOPO_PAIRED;
	else if (strcmp(val, "loop") == 0)
		c->cfg->topology = PERF_TOPO_LOOP;
	else
		return fail(c->err, c->errlen, "--%s: '%s' is not paired or loop", name, val);
	return 0;
}

static int
opt_tx_first(struct opt_ctx *c, const char *name, const char *val)
{
	(void)name;
	(void)val;
	c->cfg->tx_first = true;
	return 0;
}

static int
opt_rw(struct opt_ctx *c, const char *name, const char *val)
{
	unsigned int i;

	for (i = 0; i < PERF_BLK_RW_COUNT; i++) {
		if (strcmp(val, blk_rw_names[i]) == 0) {
			c->cfg->blk.rw = (enum perf_blk_rw)i;
			c->blk_rw_seen = true;
			return 0;
		}
	}
	return fail(c->err, c->errlen,
		    "--%s: '%s' is not read, write, randread, randwrite or randrw", name, val);
}

static int
opt_blk_uint(struct opt_ctx *c, const char *name, const char *val)
{
	struct perf_blk_config *b = &c->cfg->blk;
	unsigned long v;

	if (strcmp(name, "rwmixread") == 0) {
		if (parse_uint(val, 0, 100, &v))
			return fail(c->err, c->errlen, "--%s: '%s' is not a percentage 0..100",
				    name, val);
		b->rwmixread = (unsigned int)v;
	} else if (strcmp(name, "iodepth") == 0) {
		if (parse_uint(val, 1, PERF_BLK_MAX_IODEPTH, &v))
			return fail(c->err, c->errlen, "--%s: '%s' is not an integer in 1..%u",
				    name, val, PERF_BLK_MAX_IODEPTH);
		b->iodepth = (unsigned int)v;
	} else {
		if (parse_uint(val, 1, PERF_BLK_MAX_QUEUES, &v))
			return fail(c->err, c->errlen, "--%s: '%s' is not an integer in 1..%u",
				    name, val, PERF_BLK_MAX_QUEUES);
		b->queues = (unsigned int)v;
	}
	c->cfg->blk_opt_seen = true;
	return 0;
}

static int
opt_blk_size(struct opt_ctx *c, const char *name, const char *val)
{
	struct perf_blk_config *b = &c->cfg->blk;
	uint64_t v;

	if (parse_size(val, &v))
		return fail(c->err, c->errlen,
			    "--%s: '%s' is not a size (bytes, or with a suffix k, m, g, t)", name,
			    val);
	if (strcmp(name, "bs") == 0) {
		if (v < 512 || v > PERF_BLK_MAX_BS || v % 512 != 0)
			return fail(c->err, c->errlen,
				    "--%s: '%s' is not a multiple of 512 in 512..%u", name, val,
				    PERF_BLK_MAX_BS);
		b->bs = (unsigned int)v;
	} else if (strcmp(name, "size") == 0) {
		b->size = v;
	} else {
		b->offset = v;
	}
	c->cfg->blk_opt_seen = true;
	return 0;
}

static int
opt_verify(struct opt_ctx *c, const char *name, const char *val)
{
	if (strcmp(val, "crc32c") == 0)
		c->cfg->blk.verify = PERF_VERIFY_CRC32C;
	else if (strcmp(val, "none") == 0 || strcmp(val, "0") == 0)
		c->cfg->blk.verify = PERF_VERIFY_NONE;
	else
		return fail(c->err, c->errlen, "--%s: '%s' is not crc32c or none", name, val);
	c->cfg->blk_opt_seen = true;
	return 0;
}

static int
opt_dev(struct opt_ctx *c, const char *name, const char *val)
{
	if (val[0] == '\0')
		return fail(c->err, c->errlen, "--%s: empty device name", name);
	c->cfg->blk.dev = val;
	c->cfg->blk_opt_seen = true;
	return 0;
}

static int
opt_seed(struct opt_ctx *c, const char *name, const char *val)
{
	unsigned long v;

	if (parse_uint(val, 0, ULONG_MAX, &v))
		return fail(c->err, c->errlen, "--%s: '%s' is not an unsigned integer", name, val);
	c->cfg->blk.seed = v;
	c->cfg->blk_opt_seen = true;
	return 0;
}

/* --idle poll | sleep[,N] */
static int
opt_idle(struct opt_ctx *c, const char *name, const char *val)
{
	unsigned long n = PERF_IDLE_POLLS_DEFAULT;

	if (strcmp(val, "poll") == 0) {
		c->cfg->idle_sleep = false;
		return 0;
	}
	if (strncmp(val, "sleep", 5) != 0 ||
	    (val[5] != '\0' && (val[5] != ',' || parse_uint(val + 6, 1, 1u << 30, &n))))
		return fail(c->err, c->errlen,
			    "--%s: '%s' is not poll, sleep or sleep,N (N empty polls before "
			    "sleeping, 1..%u)",
			    name, val, 1u << 30);
	c->cfg->idle_sleep = true;
	c->cfg->idle_polls = (unsigned int)n;
	return 0;
}

static int
opt_rate(struct opt_ctx *c, const char *name, const char *val)
{
	unsigned long v;

	if (parse_uint(val, 1, PERF_MAX_RATE, &v))
		return fail(c->err, c->errlen, "--%s: '%s' is not packets per second (1..%llu)",
			    name, val, PERF_MAX_RATE);
	c->cfg->rate = v;
	return 0;
}

static int
opt_help(struct opt_ctx *c, const char *name, const char *val)
{
	(void)name;
	(void)val;
	c->cfg->help = true;
	return 0;
}

#define UOPT(n, field, lo, hi)                                             \
	{                                                                  \
		n, true, NULL, lo, hi, offsetof(struct perf_config, field) \
	}

static const struct opt_def opts[] = {
	{ "mode", true, opt_mode, 0, 0, 0 },
	{ "forward-mode", true, opt_fwd, 0, 0, 0 },
	{ "portmask", true, opt_portmask, 0, 0, 0 },
	{ "ports", true, opt_ports, 0, 0, 0 },
	UOPT("rxq", rxq, 1, PERF_MAX_QUEUES),
	UOPT("txq", txq, 1, PERF_MAX_QUEUES),
	UOPT("nb-cores", nb_cores, 1, PERF_MAX_CORES),
	UOPT("burst", burst, 1, PERF_MAX_BURST),
	UOPT("rxd", rxd, 0, PERF_MAX_DESC),
	UOPT("txd", txd, 0, PERF_MAX_DESC),
	UOPT("pkt-size", pkt_size, PERF_MIN_PKT_SIZE, PERF_MAX_PKT_SIZE),
	UOPT("seg-size", seg_size, PERF_MIN_SEG_SIZE, 65535 - PERF_MBUF_HEADROOM),
	UOPT("mbufs", mbufs, 512, 1u << 24),
	UOPT("mbuf-size", mbuf_size, PERF_MIN_SEG_SIZE + PERF_MBUF_HEADROOM, 65535),
	UOPT("flows", flows, 1, 65535),
	UOPT("tx-count", tx_count, 0, 1u << 31),
	{ "duration", true, opt_seconds, 0, 0, 0 },
	{ "warmup", true, opt_seconds, 0, 0, 0 },
	{ "stats-period", true, opt_seconds, 0, 0, 0 },
	{ "json", true, opt_json, 0, 0, 0 },
	{ "dst-mac", true, opt_dst_mac, 0, 0, 0 },
	{ "eth-peer", true, opt_eth_peer, 0, 0, 0 },
	{ "promisc", true, opt_promisc, 0, 0, 0 },
	{ "port-topology", true, opt_topology, 0, 0, 0 },
	{ "tx-first", false, opt_tx_first, 0, 0, 0 },
	{ "idle", true, opt_idle, 0, 0, 0 },
	{ "rate", true, opt_rate, 0, 0, 0 },
	{ "rw", true, opt_rw, 0, 0, 0 },
	{ "rwmixread", true, opt_blk_uint, 0, 0, 0 },
	{ "bs", true, opt_blk_size, 0, 0, 0 },
	{ "iodepth", true, opt_blk_uint, 0, 0, 0 },
	{ "queues", true, opt_blk_uint, 0, 0, 0 },
	{ "size", true, opt_blk_size, 0, 0, 0 },
	{ "offset", true, opt_blk_size, 0, 0, 0 },
	{ "verify", true, opt_verify, 0, 0, 0 },
	{ "dev", true, opt_dev, 0, 0, 0 },
	{ "seed", true, opt_seed, 0, 0, 0 },
	{ "help", false, opt_help, 0, 0, 0 },
};

static const struct opt_def *
find_opt(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		if (strlen(opts[i].name) == len && strncmp(opts[i].name, name, len) == 0)
			return &opts[i];
	return NULL;
}

/* Relations between options, once all are known. */
static int
check_config(struct opt_ctx *c)
{
	struct perf_config *cfg = c->cfg;
	unsigned int i;

	if (cfg->mode != PERF_MODE_BLK && (c->blk_rw_seen || cfg->blk_opt_seen))
		return fail(c->err, c->errlen,
			    "--rw, --bs, --iodepth, --queues, --size, --offset, --verify, --dev "
			    "and --seed are block options: add --mode blk");
	if (cfg->mode == PERF_MODE_BLK && cfg->blk.verify != PERF_VERIFY_NONE &&
	    cfg->blk.rw != PERF_BLK_WRITE && cfg->blk.rw != PERF_BLK_RANDWRITE)
		return fail(c->err, c->errlen,
			    "--verify writes the region, then reads it back: "
			    "use it with --rw write or randwrite, not %s",
			    perf_blk_rw_name(cfg->blk.rw));
	if (cfg->mode == PERF_MODE_BLK && cfg->rate != 0)
		return fail(c->err, c->errlen, "--rate is a net option (txonly/flowgen)");
	if (cfg->rate != 0) {
		bool gen = false;

		for (i = 0; i < cfg->nb_fwd; i++)
			gen = gen || perf_fwd_generates(cfg->fwd[i]);
		if (!gen)
			return fail(c->err, c->errlen,
				    "--rate limits what txonly/flowgen send: no port generates");
	}
	if (c->portmask_seen && c->ports_seen)
		return fail(c->err, c->errlen, "use either --portmask or --ports, not both");
	if (cfg->nb_fwd > 1 && cfg->portmask != 0 && cfg->nb_fwd != perf_popcount64(cfg->portmask))
		return fail(c->err, c->errlen, "--forward-mode lists %u modes for %u ports",
			    cfg->nb_fwd, perf_popcount64(cfg->portmask));
	for (i = 0; i < cfg->nb_fwd; i++)
		if (perf_fwd_forwards(cfg->fwd[i]) && cfg->rxq != cfg->txq)
			return fail(c->err, c->errlen,
				    "%s mode forwards rx queue N to tx queue N: "
				    "--rxq (%u) and --txq (%u) must be equal",
				    perf_fwd_name(cfg->fwd[i]), cfg->rxq, cfg->txq);
	if (cfg->seg_size > cfg->mbuf_size - PERF_MBUF_HEADROOM)
		return fail(c->err, c->errlen,
			    "--seg-size %u exceeds the mbuf data room %u "
			    "(--mbuf-size %u minus %u headroom)",
			    cfg->seg_size, cfg->mbuf_size - PERF_MBUF_HEADROOM, cfg->mbuf_size,
			    PERF_MBUF_HEADROOM);
	return 0;
}

int
perf_args_parse(int argc, char **argv, struct perf_config *cfg, char *err, size_t errlen)
{
	struct opt_ctx c = { .cfg = cfg, .err = err, .errlen = errlen };
	int i;

	if (errlen > 0)
		err[0] = '\0';
	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const struct opt_def *d;
		const char *val = NULL;
		const char *eq;
		int ret;

		if (strcmp(arg, "-h") == 0) {
			cfg->help = true;
			continue;
		}
		if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0')
			return fail(err, errlen, "unexpected argument '%s'", arg);
		arg += 2;
		eq = strchr(arg, '=');
		d = find_opt(arg, eq ? (size_t)(eq - arg) : strlen(arg));
		if (d == NULL)
			return fail(err, errlen, "unknown option '%s'", argv[i]);
		if (d->has_arg) {
			if (eq != NULL)
				val = eq + 1;
			else if (i + 1 < argc)
				val = argv[++i];
			else
				return fail(err, errlen, "--%s needs a value", d->name);
		} else if (eq != NULL) {
			return fail(err, errlen, "--%s takes no value", d->name);
		}
		ret = d->fn ? d->fn(&c, d->name, val) : opt_uint(&c, d, val);
		if (ret)
			return ret;
	}
	return check_config(&c);
}

void
perf_args_usage(FILE *f, const char *prog)
{
	fprintf(f,
		"Usage: %s [EAL args] -- [options]\n"
		"Measures packet throughput of any ethdev port (net mode), or IOPS and\n"
		"latency of a vblk block device (blk mode, options at the end).\n"
		"  --mode net|blk            engine (default net)\n"
		"  --forward-mode M[,M...]   io|mac|macswap|txonly|rxonly|flowgen (default io);\n"
		"                            a list gives one mode per port, in port order\n"
		"  --portmask HEX | --ports LIST   ports to use (default: all)\n"
		"  --port-topology paired|loop     forwarding peer (default paired: 0<->1)\n"
		"  --rxq N / --txq N         queues per port (default 1); a stream per queue\n"
		"  --nb-cores N              forwarding lcores; streams are dealt to them\n"
		"                            round-robin (default: one per stream, at most\n"
		"                            the worker lcores EAL gave)\n"
		"  --burst N                 packets per burst, 1..%d (default 32)\n"
		"  --rxd N / --txd N         descriptors per queue (default: driver's)\n"
		"  --pkt-size N              frame bytes without FCS, %d..%d (default 64)\n"
		"  --seg-size N              bytes per segment of generated packets\n"
		"                            (default: mbuf data room)\n"
		"  --mbufs N                 mempool size (default: computed)\n"
		"  --mbuf-size N             mbuf buffer size incl. %d headroom (default %d)\n"
		"  --flows N                 flowgen: UDP source ports cycled (default 1024)\n"
		"  --tx-count N              txonly/flowgen: stop sending after N packets per\n"
		"                            stream (default 0: no limit)\n"
		"  --duration S              measured seconds (default 0: until Ctrl-C)\n"
		"  --warmup S                seconds run before measuring (default 0)\n"
		"  --stats-period S          live stats period (default 1, 0: off)\n"
		"  --json FILE               write every figure as JSON\n"
		"  --dst-mac MAC             destination MAC for mac/txonly/flowgen\n"
		"  --eth-peer N,MAC          destination MAC for port N\n"
		"  --promisc on|off          promiscuous mode (default on)\n"
		"  --tx-first                io/mac/macswap: send one burst first\n"
		"  --idle poll|sleep[,N]     poll: busy-poll (default); sleep: after N empty\n"
		"                            polls (default %d) an lcore whose streams\n"
		"                            only receive sleeps on rx interrupts\n"
		"                            (rte_epoll_wait), like l3fwd-power; blk mode:\n"
		"                            a queue with requests out sleeps on its\n"
		"                            completion interrupt\n"
		"  --rate PPS                txonly/flowgen: at most PPS packets per second\n"
		"                            per stream (default: no limit)\n"
		"Block mode (--mode blk), fio's vocabulary:\n"
		"  --dev NAME                vblk device (its PCI address, e.g. 0000:00:05.0;\n"
		"                            default: the first one; EAL -a selects devices)\n"
		"  --rw MODE                 read|write|randread|randwrite|randrw (default read)\n"
		"  --rwmixread PCT           randrw: percent of reads (default 50)\n"
		"  --bs SIZE                 bytes per request, a multiple of the logical\n"
		"                            block (default 4k; suffixes k m g)\n"
		"  --iodepth N               requests in flight per queue (default 1)\n"
		"  --queues N                device queues, one worker lcore each (default 1)\n"
		"  --offset SIZE / --size SIZE   region used (default the whole device)\n"
		"  --verify crc32c           write every block of the region once (write:\n"
		"                            in order, randwrite: shuffled), read it all back\n"
		"                            and compare checksums; ends when done\n"
		"  --seed N                  data pattern and random offsets\n"
		"  --help                    this text\n",
		prog, PERF_MAX_BURST, PERF_MIN_PKT_SIZE, PERF_MAX_PKT_SIZE, PERF_MBUF_HEADROOM,
		PERF_MBUF_SIZE_DEFAULT, PERF_IDLE_POLLS_DEFAULT);
}

static void
json_mac(struct perf_json *j, const char *key, const struct perf_mac *m)
{
	char buf[18];

	snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", m->b[0], m->b[1], m->b[2],
		 m->b[3], m->b[4], m->b[5]);
	perf_json_str(j, key, buf);
}

void
perf_args_json(struct perf_json *j, const struct perf_config *cfg)
{
	unsigned int i;
	char key[8];

	perf_json_obj_begin(j, "config");
	perf_json_str(j, "mode", perf_mode_name(cfg->mode));
	perf_json_arr_begin(j, "forward_mode");
	for (i = 0; i < cfg->nb_fwd; i++)
		perf_json_str(j, NULL, perf_fwd_name(cfg->fwd[i]));
	perf_json_arr_end(j);
	perf_json_arr_begin(j, "ports"); /* empty: every port */
	for (i = 0; i < PERF_MAX_PORTS; i++)
		if (cfg->portmask & (UINT64_C(1) << i))
			perf_json_u64(j, NULL, i);
	perf_json_arr_end(j);
	perf_json_str(j, "port_topology", perf_topology_name(cfg->topology));
	perf_json_u64(j, "rxq", cfg->rxq);
	perf_json_u64(j, "txq", cfg->txq);
	perf_json_u64(j, "nb_cores", cfg->nb_cores);
	perf_json_u64(j, "burst", cfg->burst);
	perf_json_u64(j, "rxd", cfg->rxd);
	perf_json_u64(j, "txd", cfg->txd);
	perf_json_u64(j, "pkt_size", cfg->pkt_size);
	perf_json_u64(j, "seg_size", perf_cfg_seg_size(cfg));
	perf_json_u64(j, "mbufs", cfg->mbufs);
	perf_json_u64(j, "mbuf_size", cfg->mbuf_size);
	perf_json_u64(j, "flows", cfg->flows);
	perf_json_u64(j, "tx_count", cfg->tx_count);
	perf_json_dbl(j, "duration", cfg->duration);
	perf_json_dbl(j, "warmup", cfg->warmup);
	perf_json_dbl(j, "stats_period", cfg->stats_period);
	perf_json_bool(j, "promisc", cfg->promisc);
	perf_json_bool(j, "tx_first", cfg->tx_first);
	perf_json_str(j, "idle", cfg->idle_sleep ? "sleep" : "poll");
	perf_json_u64(j, "idle_polls", cfg->idle_polls);
	perf_json_u64(j, "rate", cfg->rate);
	if (cfg->dst_mac_set)
		json_mac(j, "dst_mac", &cfg->dst_mac);
	perf_json_obj_begin(j, "eth_peer");
	for (i = 0; i < PERF_MAX_PORTS; i++) {
		if (!(cfg->eth_peer_mask & (UINT64_C(1) << i)))
			continue;
		snprintf(key, sizeof(key), "%u", i);
		json_mac(j, key, &cfg->eth_peer[i]);
	}
	perf_json_obj_end(j);
	if (cfg->mode == PERF_MODE_BLK) {
		perf_json_obj_begin(j, "blk");
		perf_json_str(j, "dev", cfg->blk.dev != NULL ? cfg->blk.dev : "");
		perf_json_str(j, "rw", perf_blk_rw_name(cfg->blk.rw));
		perf_json_u64(j, "rwmixread", cfg->blk.rwmixread);
		perf_json_u64(j, "bs", cfg->blk.bs);
		perf_json_u64(j, "iodepth", cfg->blk.iodepth);
		perf_json_u64(j, "queues", cfg->blk.queues);
		perf_json_u64(j, "offset", cfg->blk.offset);
		perf_json_u64(j, "size", cfg->blk.size);
		perf_json_str(j, "verify",
			      cfg->blk.verify == PERF_VERIFY_CRC32C ? "crc32c" : "none");
		perf_json_u64(j, "seed", cfg->blk.seed);
		perf_json_obj_end(j);
	}
	perf_json_obj_end(j);
}
