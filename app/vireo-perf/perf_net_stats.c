/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Net engine figures: snapshots of the per-stream counters and the ethdev
 * stats, rates between two snapshots, live lines, summary table and JSON.
 *
 * Bytes are frame bytes as the driver sees them (Ethernet header to end of
 * payload, no FCS). "wire" adds PERF_WIRE_OVERHEAD per packet: what the
 * same frames would occupy on an Ethernet link.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "perf_net.h"

struct perf_figs {
	double secs;
	uint64_t rx_pkts;
	uint64_t rx_bytes;
	uint64_t tx_pkts;
	uint64_t tx_bytes;
	uint64_t tx_unsent;
	uint64_t alloc_fail;
	uint64_t imissed;
	uint64_t ierrors;
	uint64_t oerrors;
	uint64_t rx_nombuf;
	uint64_t doorbells; /* when has_doorbells */
	bool has_doorbells;
	double rx_pps;
	double tx_pps;
	double rx_bps;
	double tx_bps;
	double rx_wire_bps;
	double tx_wire_bps;
};

/* One stream's counters as one consistent set (perf_seq.h). */
static void
stream_counters_read(const struct perf_counters *c, struct perf_counters *out)
{
	unsigned int tries = 0;

	do {
		out->seq = perf_seq_read_begin(&c->seq);
		out->rx_pkts = perf_cnt_read(&c->rx_pkts);
		out->rx_bytes = perf_cnt_read(&c->rx_bytes);
		out->tx_pkts = perf_cnt_read(&c->tx_pkts);
		out->tx_bytes = perf_cnt_read(&c->tx_bytes);
		out->tx_unsent = perf_cnt_read(&c->tx_unsent);
		out->alloc_fail = perf_cnt_read(&c->alloc_fail);
	} while (perf_seq_read_retry(&c->seq, out->seq, &tries));
}

/* Every stream's counters, index as net->streams, each stream's read as one
 * consistent set. */
void
perf_net_stream_snapshot(const struct perf_net *net, struct perf_counters *out)
{
	unsigned int i;

	for (i = 0; i < net->nb_streams; i++)
		stream_counters_read(&net->streams[i].cnt, &out[i]);
}

/*
 * Doorbells port @p id wrote, from the driver's xstats whose names end in
 * "_doorbells" (net_vireo counts them per queue; other drivers have none:
 * *known false). Main lcore, once per snapshot.
 */
static uint64_t
port_doorbells(uint16_t id, bool *known)
{
	static const char suffix[] = "_doorbells";
	struct rte_eth_xstat_name *names = NULL;
	struct rte_eth_xstat *values = NULL;
	uint64_t sum = 0;
	int n, i;

	*known = false;
	n = rte_eth_xstats_get_names(id, NULL, 0);
	if (n <= 0)
		return 0;
	names = calloc((size_t)n, sizeof(*names));
	values = calloc((size_t)n, sizeof(*values));
	if (names != NULL && values != NULL && rte_eth_xstats_get_names(id, names, n) == n &&
	    rte_eth_xstats_get(id, values, n) == n) {
		for (i = 0; i < n; i++) {
			size_t len = strlen(names[i].name);

			if (len > sizeof(suffix) - 1 &&
			    strcmp(names[i].name + len - (sizeof(suffix) - 1), suffix) == 0) {
				sum += values[i].value;
				*known = true;
			}
		}
	}
	free(names);
	free(values);
	return sum;
}

/* Port idx from a stream snapshot (so that the streams of a port add up to
 * it exactly) plus the port's ethdev stats. */
void
perf_net_port_snapshot(const struct perf_net *net, unsigned int idx,
		       const struct perf_counters *cnt, struct perf_port_snap *snap, uint64_t tsc)
{
	uint16_t id = net->ports[idx].id;
	unsigned int i;

	memset(snap, 0, sizeof(*snap));
	for (i = 0; i < net->nb_streams; i++) {
		const struct perf_counters *c = &cnt[i];

		if (net->streams[i].rx_port == id) {
			snap->app.rx_pkts += c->rx_pkts;
			snap->app.rx_bytes += c->rx_bytes;
		}
		if (net->streams[i].tx_port == id) {
			snap->app.tx_pkts += c->tx_pkts;
			snap->app.tx_bytes += c->tx_bytes;
			snap->app.tx_unsent += c->tx_unsent;
			snap->app.alloc_fail += c->alloc_fail;
		}
	}
	if (rte_eth_stats_get(id, &snap->eth) != 0)
		memset(&snap->eth, 0, sizeof(snap->eth));
	snap->doorbells = port_doorbells(id, &snap->has_doorbells);
	snap->tsc = tsc;
}

static double
rate(uint64_t v, double secs)
{
	return secs > 0 ? (double)v / secs : 0.0;
}

static void
figs_compute(const struct perf_port_snap *a, const struct perf_port_snap *b, struct perf_figs *f)
{
	double secs = (double)(b->tsc - a->tsc) / (double)rte_get_tsc_hz();

	memset(f, 0, sizeof(*f));
	f->secs = secs;
	f->rx_pkts = b->app.rx_pkts - a->app.rx_pkts;
	f->rx_bytes = b->app.rx_bytes - a->app.rx_bytes;
	f->tx_pkts = b->app.tx_pkts - a->app.tx_pkts;
	f->tx_bytes = b->app.tx_bytes - a->app.tx_bytes;
	f->tx_unsent = b->app.tx_unsent - a->app.tx_unsent;
	f->alloc_fail = b->app.alloc_fail - a->app.alloc_fail;
	f->imissed = b->eth.imissed - a->eth.imissed;
	f->ierrors = b->eth.ierrors - a->eth.ierrors;
	f->oerrors = b->eth.oerrors - a->eth.oerrors;
	f->rx_nombuf = b->eth.rx_nombuf - a->eth.rx_nombuf;
	f->has_doorbells = a->has_doorbells && b->has_doorbells;
	f->doorbells = f->has_doorbells ? b->doorbells - a->doorbells : 0;
	f->rx_pps = rate(f->rx_pkts, secs);
	f->tx_pps = rate(f->tx_pkts, secs);
	f->rx_bps = rate(f->rx_bytes * 8, secs);
	f->tx_bps = rate(f->tx_bytes * 8, secs);
	f->rx_wire_bps = rate((f->rx_bytes + f->rx_pkts * PERF_WIRE_OVERHEAD) * 8, secs);
	f->tx_wire_bps = rate((f->tx_bytes + f->tx_pkts * PERF_WIRE_OVERHEAD) * 8, secs);
}

static void
figs_add(struct perf_figs *t, const struct perf_figs *f)
{
	t->secs = RTE_MAX(t->secs, f->secs);
	t->rx_pkts += f->rx_pkts;
	t->rx_bytes += f->rx_bytes;
	t->tx_pkts += f->tx_pkts;
	t->tx_bytes += f->tx_bytes;
	t->tx_unsent += f->tx_unsent;
	t->alloc_fail += f->alloc_fail;
	t->imissed += f->imissed;
	t->ierrors += f->ierrors;
	t->oerrors += f->oerrors;
	t->rx_nombuf += f->rx_nombuf;
	t->doorbells += f->doorbells;
	t->has_doorbells |= f->has_doorbells;
	t->rx_pps += f->rx_pps;
	t->tx_pps += f->tx_pps;
	t->rx_bps += f->rx_bps;
	t->tx_bps += f->tx_bps;
	t->rx_wire_bps += f->rx_wire_bps;
	t->tx_wire_bps += f->tx_wire_bps;
}

static uint64_t
figs_drops(const struct perf_figs *f)
{
	return f->imissed + f->tx_unsent;
}

static uint64_t
figs_errors(const struct perf_figs *f)
{
	return f->ierrors + f->oerrors;
}

void
perf_net_cpu_snapshot(const struct perf_fwd_lcore *lc, struct perf_cpu_snap *snap, uint64_t tsc)
{
	struct timespec ts;

	snap->cpu_s = 0;
	if (__atomic_load_n(&lc->cpu_clock_ok, __ATOMIC_ACQUIRE) &&
	    clock_gettime(lc->cpu_clock, &ts) == 0)
		snap->cpu_s = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	snap->sleeps = perf_cnt_read(&lc->sleeps);
	snap->wakeups = perf_cnt_read(&lc->wakeups);
	snap->tsc = tsc;
}

/* CPU use of an lcore between two snapshots. */
struct perf_cpu_figs {
	double secs;  /* wall */
	double cpu_s; /* thread CPU time */
	double util;  /* cpu_s / secs */
	uint64_t sleeps;
	uint64_t wakeups;
};

static void
cpu_compute(const struct perf_cpu_snap *a, const struct perf_cpu_snap *b, struct perf_cpu_figs *f)
{
	f->secs = (double)(b->tsc - a->tsc) / (double)rte_get_tsc_hz();
	f->cpu_s = b->cpu_s > a->cpu_s ? b->cpu_s - a->cpu_s : 0;
	f->util = f->secs > 0 ? f->cpu_s / f->secs : 0;
	f->sleeps = b->sleeps - a->sleeps;
	f->wakeups = b->wakeups - a->wakeups;
}

static void
period_cpu(struct perf_net *net, uint64_t tsc, double t, int warming_up)
{
	for (unsigned int i = 0; i < net->nb_fwd_lcores; i++) {
		struct perf_fwd_lcore *lc = &net->fwd_lcores[i];
		struct perf_cpu_snap now;
		struct perf_cpu_figs f;

		perf_net_cpu_snapshot(lc, &now, tsc);
		if (lc->last.tsc == 0)
			lc->last = lc->base;
		cpu_compute(&lc->last, &now, &f);
		lc->last = now;
		printf("[%7.1fs]%s lcore %u cpu %5.1f %% (%s) sleeps %" PRIu64 " wakeups %" PRIu64
		       "\n",
		       t, warming_up ? " warm-up" : "", lc->lcore, 100.0 * f.util,
		       __atomic_load_n(&lc->sleep, __ATOMIC_RELAXED) ? "sleep" : "poll", f.sleeps,
		       f.wakeups);
	}
}

void
perf_net_period(void *ctx, uint64_t tsc, int warming_up)
{
	struct perf_net *net = ctx;
	double t = (double)(tsc - net->start_tsc) / (double)rte_get_tsc_hz();
	unsigned int i;

	perf_net_stream_snapshot(net, net->stream_now);
	for (i = 0; i < net->nb_ports; i++) {
		struct perf_port *p = &net->ports[i];
		struct perf_port_snap now;
		struct perf_figs f;

		perf_net_port_snapshot(net, i, net->stream_now, &now, tsc);
		figs_compute(&p->last, &now, &f);
		p->last = now;
		printf("[%7.1fs]%s port %u rx %8.3f Mpps %7.3f Gb/s "
		       "(wire %7.3f) | tx %8.3f Mpps %7.3f Gb/s (wire %7.3f)"
		       " | drops %" PRIu64 " errors %" PRIu64 " nombuf %" PRIu64 "\n",
		       t, warming_up ? " warm-up" : "", p->id, f.rx_pps / 1e6, f.rx_bps / 1e9,
		       f.rx_wire_bps / 1e9, f.tx_pps / 1e6, f.tx_bps / 1e9, f.tx_wire_bps / 1e9,
		       figs_drops(&f), figs_errors(&f), f.rx_nombuf);
	}
	period_cpu(net, tsc, t, warming_up);
	fflush(stdout);
}

static void
summary_row(FILE *f, const char *label, const char *mode, const struct perf_figs *g)
{
	fprintf(f,
		"%-8s %-8s %9.3f %9.3f %8.3f %8.3f %8.3f %8.3f %10" PRIu64 " %8" PRIu64 " %8" PRIu64
		"\n",
		label, mode, g->rx_pps / 1e6, g->tx_pps / 1e6, g->rx_bps / 1e9, g->tx_bps / 1e9,
		g->rx_wire_bps / 1e9, g->tx_wire_bps / 1e9, figs_drops(g), figs_errors(g),
		g->rx_nombuf + g->alloc_fail);
}

/* "io" when every port runs io, else the per-port list ("txonly,rxonly"). */
static void
modes_text(const struct perf_net *net, char *buf, size_t len)
{
	bool same = true;
	size_t off = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 1; i < net->nb_ports; i++)
		same = same && net->ports[i].fwd == net->ports[0].fwd;
	for (i = 0; i < (same ? RTE_MIN(net->nb_ports, 1u) : net->nb_ports); i++) {
		int w = snprintf(buf + off, len - off, "%s%s", i ? "," : "",
				 perf_fwd_name(net->ports[i].fwd));

		if (w < 0 || (size_t)w >= len - off)
			return; /* truncated: still a string */
		off += (size_t)w;
	}
}

static const char *
plural(unsigned int n)
{
	return n == 1 ? "" : "s";
}

/* The line a person reads first: what ran, for how long, and the result. */
static void
summary_headline(const struct perf_net *net, FILE *f, const struct perf_figs *t)
{
	char modes[128];

	modes_text(net, modes, sizeof(modes));
	fprintf(f,
		"summary: %s forwarding, %u port%s, %u stream%s on %u lcore%s, %.1f s: "
		"%.3f Mpps rx / %.3f Mpps tx, %" PRIu64 " dropped, %" PRIu64 " errors",
		modes, net->nb_ports, plural(net->nb_ports), net->nb_streams,
		plural(net->nb_streams), net->nb_fwd_lcores, plural(net->nb_fwd_lcores), t->secs,
		t->rx_pps / 1e6, t->tx_pps / 1e6, figs_drops(t), figs_errors(t));
	if (t->rx_nombuf + t->alloc_fail != 0)
		fprintf(f, ", %" PRIu64 " nombuf", t->rx_nombuf + t->alloc_fail);
	if (t->has_doorbells)
		fprintf(f, ", %" PRIu64 " doorbells (%.4f per packet)", t->doorbells,
			t->rx_pkts + t->tx_pkts > 0 ?
				(double)t->doorbells / (double)(t->rx_pkts + t->tx_pkts) :
				0.0);
	fprintf(f, "\n");
}

void
perf_net_summary(void *ctx, FILE *f)
{
	struct perf_net *net = ctx;
	struct perf_figs total, g;
	unsigned int i;

	memset(&total, 0, sizeof(total));
	for (i = 0; i < net->nb_ports; i++) {
		figs_compute(&net->ports[i].base, &net->ports[i].end, &g);
		figs_add(&total, &g);
	}
	fprintf(f, "\n");
	summary_headline(net, f, &total);
	fprintf(f, "%-8s %-8s %9s %9s %8s %8s %8s %8s %10s %8s %8s\n", "port", "mode", "rx Mpps",
		"tx Mpps", "rx Gb/s", "tx Gb/s", "rx wire", "tx wire", "drops", "errors", "nombuf");
	for (i = 0; i < net->nb_ports; i++) {
		struct perf_port *p = &net->ports[i];
		char label[16];

		figs_compute(&p->base, &p->end, &g);
		snprintf(label, sizeof(label), "%u", p->id);
		summary_row(f, label, perf_fwd_name(p->fwd), &g);
	}
	summary_row(f, "total", "", &total);
	for (i = 0; i < net->nb_fwd_lcores; i++) {
		const struct perf_fwd_lcore *lc = &net->fwd_lcores[i];
		struct perf_cpu_figs c;

		cpu_compute(&lc->base, &lc->end, &c);
		fprintf(f,
			"lcore %u: %s, cpu %.3f s of %.3f s (%.1f %%), %" PRIu64 " sleeps, %" PRIu64
			" woken by rx\n",
			lc->lcore,
			__atomic_load_n(&lc->sleep, __ATOMIC_RELAXED) ? "sleep when idle" :
									"busy poll",
			c.cpu_s, c.secs, 100.0 * c.util, c.sleeps, c.wakeups);
	}
	fprintf(f,
		"measured %.3f s%s; Gb/s: frame bytes without FCS; wire: "
		"+%u bytes per frame (FCS, preamble, IFG); drops: imissed + "
		"tx not sent; errors: ierrors + oerrors; nombuf: rx_nombuf + "
		"tx mbuf shortage\n",
		total.secs,
		net->interrupted_warmup ? " (stopped during warm-up: "
					  "figures include it)" :
					  "",
		PERF_WIRE_OVERHEAD);
}

static void
json_figs(struct perf_json *j, const struct perf_figs *g)
{
	perf_json_dbl(j, "duration", g->secs);
	if (g->has_doorbells)
		perf_json_u64(j, "doorbells", g->doorbells);
	perf_json_u64(j, "rx_packets", g->rx_pkts);
	perf_json_u64(j, "tx_packets", g->tx_pkts);
	perf_json_u64(j, "rx_bytes", g->rx_bytes);
	perf_json_u64(j, "tx_bytes", g->tx_bytes);
	perf_json_dbl(j, "rx_pps", g->rx_pps);
	perf_json_dbl(j, "tx_pps", g->tx_pps);
	perf_json_dbl(j, "rx_bps", g->rx_bps);
	perf_json_dbl(j, "tx_bps", g->tx_bps);
	perf_json_dbl(j, "rx_wire_bps", g->rx_wire_bps);
	perf_json_dbl(j, "tx_wire_bps", g->tx_wire_bps);
	perf_json_u64(j, "drops", figs_drops(g));
	perf_json_u64(j, "imissed", g->imissed);
	perf_json_u64(j, "tx_unsent", g->tx_unsent);
	perf_json_u64(j, "errors", figs_errors(g));
	perf_json_u64(j, "ierrors", g->ierrors);
	perf_json_u64(j, "oerrors", g->oerrors);
	perf_json_u64(j, "rx_nombuf", g->rx_nombuf);
	perf_json_u64(j, "tx_alloc_fail", g->alloc_fail);
}

/* Whole-run counts (warm-up and drain included) for loss accounting. */
static void
json_lifetime(struct perf_json *j, const struct perf_port *p)
{
	perf_json_obj_begin(j, "lifetime");
	perf_json_u64(j, "rx_packets", p->life.app.rx_pkts);
	perf_json_u64(j, "tx_packets", p->life.app.tx_pkts);
	perf_json_u64(j, "tx_unsent", p->life.app.tx_unsent);
	perf_json_u64(j, "rx_drained", p->rx_drained);
	perf_json_u64(j, "eth_ipackets", p->life.eth.ipackets);
	perf_json_u64(j, "eth_opackets", p->life.eth.opackets);
	perf_json_u64(j, "eth_ibytes", p->life.eth.ibytes);
	perf_json_u64(j, "eth_obytes", p->life.eth.obytes);
	perf_json_u64(j, "eth_imissed", p->life.eth.imissed);
	perf_json_u64(j, "eth_ierrors", p->life.eth.ierrors);
	perf_json_u64(j, "eth_oerrors", p->life.eth.oerrors);
	perf_json_obj_end(j);
}

/* Per-stream figures of the measured window: which lcore ran what, and how
 * much each (port, queue) moved. */
static void
json_streams(struct perf_json *j, const struct perf_net *net)
{
	double secs = 0;
	unsigned int i;

	if (net->nb_ports > 0)
		secs = (double)(net->ports[0].end.tsc - net->ports[0].base.tsc) /
		       (double)rte_get_tsc_hz();
	perf_json_arr_begin(j, "streams");
	for (i = 0; i < net->nb_streams; i++) {
		const struct perf_stream *s = &net->streams[i];
		const struct perf_counters *a = &net->stream_base[i];
		const struct perf_counters *b = &net->stream_end[i];

		perf_json_obj_begin(j, NULL);
		perf_json_u64(j, "stream", i);
		perf_json_u64(j, "lcore", s->lcore);
		perf_json_str(j, "forward_mode", perf_fwd_name(s->fwd));
		if (s->do_rx) {
			perf_json_u64(j, "rx_port", s->rx_port);
			perf_json_u64(j, "rx_queue", s->rx_queue);
		}
		if (s->do_tx) {
			perf_json_u64(j, "tx_port", s->tx_port);
			perf_json_u64(j, "tx_queue", s->tx_queue);
		}
		perf_json_dbl(j, "duration", secs);
		perf_json_u64(j, "rx_packets", b->rx_pkts - a->rx_pkts);
		perf_json_u64(j, "tx_packets", b->tx_pkts - a->tx_pkts);
		perf_json_u64(j, "rx_bytes", b->rx_bytes - a->rx_bytes);
		perf_json_u64(j, "tx_bytes", b->tx_bytes - a->tx_bytes);
		perf_json_dbl(j, "rx_pps", rate(b->rx_pkts - a->rx_pkts, secs));
		perf_json_dbl(j, "tx_pps", rate(b->tx_pkts - a->tx_pkts, secs));
		perf_json_u64(j, "tx_unsent", b->tx_unsent - a->tx_unsent);
		perf_json_u64(j, "tx_alloc_fail", b->alloc_fail - a->alloc_fail);
		perf_json_obj_end(j);
	}
	perf_json_arr_end(j);
}

void
perf_net_json(void *ctx, struct perf_json *j)
{
	struct perf_net *net = ctx;
	struct perf_figs total;
	unsigned int i;

	memset(&total, 0, sizeof(total));
	perf_json_str(j, "driver", net->nb_ports ? net->ports[0].driver : "");
	perf_json_u64(j, "pkt_size", net->cfg->pkt_size);
	perf_json_bool(j, "interrupted_warmup", net->interrupted_warmup);
	perf_json_obj_begin(j, "net");
	perf_json_u64(j, "mbufs", net->nb_mbufs);
	perf_json_u64(j, "segs", net->nb_segs);
	perf_json_u64(j, "seg_size", net->seg_size);
	perf_json_u64(j, "streams", net->nb_streams);
	perf_json_u64(j, "fwd_lcores", net->nb_fwd_lcores);
	perf_json_u64(j, "wire_overhead", PERF_WIRE_OVERHEAD);
	perf_json_obj_end(j);
	perf_json_arr_begin(j, "ports");
	for (i = 0; i < net->nb_ports; i++) {
		struct perf_port *p = &net->ports[i];
		char mac[RTE_ETHER_ADDR_FMT_SIZE];
		struct perf_figs g;

		figs_compute(&p->base, &p->end, &g);
		figs_add(&total, &g);
		perf_json_obj_begin(j, NULL);
		perf_json_u64(j, "port", p->id);
		perf_json_str(j, "name", p->name);
		perf_json_str(j, "driver", p->driver);
		rte_ether_format_addr(mac, sizeof(mac), &p->mac);
		perf_json_str(j, "mac", mac);
		rte_ether_format_addr(mac, sizeof(mac), &p->dst);
		perf_json_str(j, "dst_mac", mac);
		perf_json_str(j, "forward_mode", perf_fwd_name(p->fwd));
		perf_json_u64(j, "peer", p->peer);
		perf_json_u64(j, "rxd", p->rxd);
		perf_json_u64(j, "txd", p->txd);
		json_figs(j, &g);
		json_lifetime(j, p);
		perf_json_obj_end(j);
	}
	perf_json_arr_end(j);
	json_streams(j, net);
	perf_json_arr_begin(j, "lcores");
	for (i = 0; i < net->nb_fwd_lcores; i++) {
		const struct perf_fwd_lcore *lc = &net->fwd_lcores[i];
		struct perf_cpu_figs c;

		cpu_compute(&lc->base, &lc->end, &c);
		perf_json_obj_begin(j, NULL);
		perf_json_u64(j, "lcore", lc->lcore);
		perf_json_str(j, "idle",
			      __atomic_load_n(&lc->sleep, __ATOMIC_RELAXED) ? "sleep" : "poll");
		perf_json_dbl(j, "duration", c.secs);
		perf_json_dbl(j, "cpu_seconds", c.cpu_s);
		perf_json_dbl(j, "cpu_util", c.util);
		perf_json_u64(j, "sleeps", c.sleeps);
		perf_json_u64(j, "wakeups", c.wakeups);
		perf_json_obj_end(j);
	}
	perf_json_arr_end(j);
	perf_json_obj_begin(j, "total");
	json_figs(j, &total);
	perf_json_obj_end(j);
}
