# SPDX-License-Identifier: BSD-3-Clause
"""Benchmarks: ours (net_vireo) against upstream net_virtio, in one boot of
the test guest, on the same two back-to-back virtio-net devices.

	net     stock dpdk-testpmd, txonly/rxonly and io (doc/benchmarks.md)
	matrix  vireo-perf, modes x packet sizes
	main    the main job: one vireo-perf run on each driver, live statistics
	report  the table of an earlier run, from its JSON

guest/bench.sh is the guest side; each run's figures come back as a result
block (Guest.boot's on_result). These are benchmarks, not tests: they exit
non-zero only when a run could not produce figures (or ours did not run on
net_vireo), never because of a ratio.
"""

import argparse
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time

from . import PKG, ROOT
from .guest import Guest

GUEST_LIB = os.path.join(PKG, 'guest', 'bench.sh')
GUEST_LIB_PATH = '/vireo/run/bench.sh'
OURS_ARGS = '-d $VIREO_LIB/librte_net_vireo.so'
OURS_PMD = 'net_vireo'
DRIVERS = ('ours', 'upstream')
# vireo-perf matrix modes: name -> vireo-perf arguments.
PERF_MODES = {
    'io': ['--forward-mode', 'io', '--tx-first'],
    'txrx': ['--forward-mode', 'txonly,rxonly'],
    'macswap': ['--forward-mode', 'macswap', '--tx-first'],
    'mac': ['--forward-mode', 'mac', '--tx-first'],
}
MODE_ALIASES = {'txonly/rxonly': 'txrx', 'txonly,rxonly': 'txrx',
                'txonly+rxonly': 'txrx'}


def say(msg):
	print(msg, flush=True)


def die(msg, code=1):
	sys.stderr.write('bench: %s\n' % msg)
	sys.exit(code)


# --- common ------------------------------------------------------------------

def build(a):
	"""meson setup (once) + ninja, unless --no-build."""
	if a.no_build:
		return
	if not os.path.isdir(os.path.join(a.build_dir, 'meson-private')):
		subprocess.run(['meson', 'setup', a.build_dir], check=True,
		               stdout=subprocess.DEVNULL)
	jobs = os.environ.get('VIREO_JOBS', '2')
	subprocess.run(['ninja', '-C', a.build_dir, '-j', jobs], check=True,
	               stdout=subprocess.DEVNULL)


def check_ours(a):
	"""Default ours arguments need the PMD in the build dir."""
	if a.ours_args != OURS_ARGS:
		return
	for root, _, files in os.walk(os.path.join(a.build_dir, 'drivers')):
		if 'librte_net_vireo.so' in files:
			return
	die('%s has no librte_net_vireo.so (the net PMD is not built here); '
	    "use --ours-args '' for an upstream-vs-upstream baseline"
	    % a.build_dir)


def machine_info(a):
	info = {'host_kernel': platform.release(), 'host_cpus': os.cpu_count(),
	        'host_cpu': '', 'qemu': '', 'accel': 'tcg', 'guest_cpus': 2,
	        'bind': a.bind, 'loadavg_start': list(os.getloadavg())}
	try:
		with open('/proc/cpuinfo') as f:
			m = re.search(r'^model name\s*:\s*(.*)$', f.read(), re.M)
			info['host_cpu'] = m.group(1) if m else ''
	except OSError:
		pass
	try:
		out = subprocess.run(['qemu-system-x86_64', '--version'],
		                     capture_output=True, text=True).stdout
		info['qemu'] = out.splitlines()[0] if out else ''
	except OSError:
		die('qemu-system-x86_64 is missing (run ./devtools/setup.sh): the '
		    'benchmarks need the guest')
	return info


def drv_args(a, drv):
	"""The driver's EAL arguments as one double-quoted guest shell word, so
	that $VIREO_LIB and friends expand in the guest."""
	v = a.ours_args if drv == 'ours' else a.upstream_args
	return '"%s"' % re.sub(r'(["\\`])', r'\\\1', v)


def orders(n):
	"""Alternate which driver goes first: ours, upstream / upstream, ours."""
	return DRIVERS if n % 2 == 0 else DRIVERS[::-1]


def boot(a, name, command, timeout, on_result, echo=None):
	"""One guest boot running command; its summary, with 'failed': why the
	command did not run through, or None."""
	guest = Guest(a.build_dir, bind=a.bind, verbose=a.verbose, packed=a.packed,
		      add=['%s:%s' % (GUEST_LIB, GUEST_LIB_PATH)])
	summary = guest.boot(os.path.join(a.out_dir, name + '-guest'), command=command,
			     timeout=timeout, on_result=on_result,
			     echo=echo or (lambda line: line.startswith('bench:') and say(line)))
	res = summary['results'].get('command')
	summary['failed'] = None
	if res is None or res['rc'] != 0:
		summary['failed'] = '%s; see %s' % (
			summary['error'] or 'the guest command failed (status %d)' % res['rc'],
			summary['console'])
	summary['secs'] = summary.get('boot_secs', 0)
	summary.setdefault('qemu_cpu_share', 0.0)
	return summary


def guest_prelude(a):
	return ('. %s; trap "" PIPE; BENCH_WARMUP=%d; BENCH_DURATION=%d; BENCH_PKT_SIZE=%d; '
	        'echo "bench: guest kernel $(uname -r), $(nproc) vCPUs, '
	        'bind $VIREO_BIND"; '
	        % (GUEST_LIB_PATH, a.warmup, a.duration,
	           getattr(a, 'pkt_size', 64)))


def med(vals):
	return statistics.median(vals) if vals else None


def fmt(v, width=8, prec=3):
	return ('%*.*f' % (width, prec, v)) if v is not None else '%*s' % (width, '-')


def ratio(o, u):
	return o / u if o is not None and u else None


def write_json(path, doc):
	with open(path, 'w') as f:
		json.dump(doc, f, indent=1)
		f.write('\n')


# --- net: stock testpmd ------------------------------------------------------

STAT_FIELDS = ('RX-packets', 'RX-missed', 'RX-bytes', 'RX-errors',
               'RX-nombuf', 'TX-packets', 'TX-errors', 'TX-bytes',
               'Rx-pps', 'Rx-bps', 'Tx-pps', 'Tx-bps')


def testpmd_parse(text):
	"""Figures out of an interactive testpmd log: driver names and, per
	port, every 'show port stats' block in order."""
	# The prompt and echoed command are written unbuffered, possibly in the
	# middle of a line stdio flushed only partly: cut them out.
	text = re.sub(r'testpmd> [^\n]*\n', '', text)
	drivers = re.findall(r'^Driver name: (\S+)', text, re.M)
	blocks = {}
	for m in re.finditer(r'NIC statistics for port (\d+)\s+#+\n(.*?)\n\s*#{20,}',
	                     text, re.S):
		st = {}
		for k in STAT_FIELDS:
			v = re.search(re.escape(k) + r':\s+(\d+)', m.group(2))
			st[k] = int(v.group(1)) if v else 0
		blocks.setdefault(int(m.group(1)), []).append(st)
	fwd = {int(p): int(d) for p, d in
	       re.findall(r'Forward statistics for port (\d+)\s+-+\n.*?'
	                  r'TX-dropped: (\d+)', text, re.S)}
	return drivers, blocks, fwd


def testpmd_window(blocks, port):
	"""The measured window of one port: the second stats block (testpmd's
	pps since the first, its own clock) and the counts in between."""
	b = blocks.get(port, [])
	if len(b) < 2:
		return None
	s0, s1 = b[0], b[1]
	w = {'rx_pps': s1['Rx-pps'], 'tx_pps': s1['Tx-pps'],
	     'rx_bps': s1['Rx-bps'], 'tx_bps': s1['Tx-bps']}
	for k, key in (('RX-packets', 'rx_packets'), ('TX-packets', 'tx_packets'),
	               ('RX-bytes', 'rx_bytes'), ('TX-bytes', 'tx_bytes'),
	               ('RX-missed', 'rx_missed'), ('RX-errors', 'rx_errors'),
	               ('RX-nombuf', 'rx_nombuf'), ('TX-errors', 'tx_errors')):
		w[key] = s1[k] - s0[k]
	if w['rx_pps']:
		w['window_s'] = round(w['rx_packets'] / w['rx_pps'], 3)
	elif w['tx_pps']:
		w['window_s'] = round(w['tx_packets'] / w['tx_pps'], 3)
	else:
		w['window_s'] = None
	return w


NET_METRICS = {
    # workload -> [(metric name, nic index, figure)]
    'txrx': [('NIC0 tx', 0, 'tx_pps'), ('NIC1 rx', 1, 'rx_pps')],
    'io': [('NIC0 rx', 0, 'rx_pps'), ('NIC1 rx', 1, 'rx_pps'),
           ('total rx', None, 'rx_pps')],
}


class NetBench:
	def __init__(self, a):
		self.a = a
		self.runs = []
		self.pending = {}
		self.failures = 0

	def on_block(self, bid, rc, text):
		# id: "r<round> <driver> <workload> <proc>"
		rnd, drv, wl, proc = bid.split()
		self.pending[proc] = (rc, text)
		if wl == 'txrx' and proc != 'rx':
			return
		run = {'round': int(rnd[1:]), 'driver': drv, 'workload': wl,
		       'ok': True, 'pmd': [], 'ports': [None, None],
		       'host_load1': os.getloadavg()[0]}
		procs = {'tx': 0, 'rx': 1} if wl == 'txrx' else {'io': None}
		tails = []
		for p, nic in procs.items():
			prc, ptext = self.pending.pop(p, (1, ''))
			drivers, blocks, fwd = testpmd_parse(ptext)
			tails += ['%s: %s' % (p, x) for x in
			          [y for y in ptext.splitlines() if y.strip()][-6:]]
			run['pmd'] += drivers
			if prc != 0:
				run['ok'] = False
			ports = [nic] if nic is not None else [0, 1]
			for i, nic_i in enumerate(ports):
				w = testpmd_window(blocks, i)
				if w is None:
					run['ok'] = False
					continue
				w['nic'] = nic_i
				w['tx_dropped_run'] = fwd.get(i)
				run['ports'][nic_i] = w
		if (drv == 'ours' and self.a.ours_args == OURS_ARGS and
		        any(p != OURS_PMD for p in run['pmd'])):
			run['ok'] = False
			run['error'] = 'ours ran on %s, not %s' % (
			    ','.join(sorted(set(run['pmd']))), OURS_PMD)
		if not run['ok']:
			self.failures += 1
			for line in tails:
				say('bench:   | ' + line)
		self.runs.append(run)
		say('bench: round %d %-8s %-4s %s  [%s]%s' % (
		    run['round'], drv, wl, '  '.join(
		        '%s %s Mpps' % (name, fmt(self.value(run, nic, fig), 0))
		        for name, nic, fig in NET_METRICS[wl]),
		    ','.join(sorted(set(run['pmd']))) or '?',
		    '' if run['ok'] else '  FAILED ' + run.get('error', '')))

	@staticmethod
	def value(run, nic, fig):
		ports = run['ports']
		if nic is None:
			if any(p is None for p in ports):
				return None
			return sum(p[fig] for p in ports) / 1e6
		p = ports[nic]
		return p[fig] / 1e6 if p else None

	def command(self):
		a = self.a
		parts = [guest_prelude(a)]
		for r in range(1, a.rounds + 1):
			for wl in a.workloads:
				for drv in orders(r - 1):
					parts.append('bench_say "round %d/%d: %s on %s"; '
					             'bench_%s "r%d %s %s" %s; '
					             % (r, a.rounds, wl, drv, wl, r, drv, wl,
					                drv_args(a, drv)))
		return ''.join(parts) + 'true'

	def timeout(self):
		a = self.a
		per = {'txrx': a.warmup + a.duration + 25,
		       'io': a.warmup + a.duration + 15}
		return 60 + a.rounds * 2 * sum(per[w] for w in a.workloads)

	def summary(self):
		rows = []
		for wl in self.a.workloads:
			for name, nic, fig in NET_METRICS[wl]:
				by = {d: {r['round']: self.value(r, nic, fig)
				          for r in self.runs if r['driver'] == d and
				          r['workload'] == wl and r['ok']} for d in DRIVERS}
				by = {d: {k: v for k, v in rs.items() if v is not None}
				      for d, rs in by.items()}
				rows.append(summary_row({'workload': wl, 'metric': name}, by))
		return rows

	def delivered(self):
		"""txrx: what NIC 1 received over what NIC 0 sent, per driver (QEMU's
		hub queues up to 10000 frames for a slow receiver, then drops)."""
		out = {}
		for d in DRIVERS:
			v = [r['ports'][1]['rx_pps'] / r['ports'][0]['tx_pps']
			     for r in self.runs if r['driver'] == d and r['ok'] and
			     r['workload'] == 'txrx' and r['ports'][0]['tx_pps']]
			out[d] = med(v)
		return out


def summary_row(row, by):
	"""Medians per driver, their ratio, and the paired ratio: the median of
	ours/upstream within each round (the two ran minutes apart at most,
	so host load drifting between rounds cancels)."""
	o, u = med(list(by['ours'].values())), med(list(by['upstream'].values()))
	pairs = [by['ours'][k] / by['upstream'][k] for k in by['ours']
	         if by['upstream'].get(k)]
	row.update({'ours_mpps': o, 'upstream_mpps': u, 'ratio': ratio(o, u),
	            'paired_ratio': med(pairs),
	            'ours_all': [by['ours'][k] for k in sorted(by['ours'])],
	            'upstream_all': [by['upstream'][k]
	                             for k in sorted(by['upstream'])]})
	return row


def rng(vs):
	return '(%.3f-%.3f)' % (min(vs), max(vs)) if len(vs) > 1 else ''


def print_table(title, keys, rows, note=None):
	"""keys: [(heading, row key, width)] identify a row; then the medians
	with their min-max, the ratio and the paired ratio."""
	def ident(vals):
		return ' '.join('%-*s' % (w, v) for (_, _, w), v in zip(keys, vals))

	say('\n' + title)
	say('%s %8s %-15s %8s %-15s %6s %6s' % (ident(k[0] for k in keys), 'ours', '(min-max)',
						 'upstream', '(min-max)', 'ratio', 'paired'))
	for r in rows:
		say('%s %s %-15s %s %-15s %s %s' % (
		    ident(r[k[1]] for k in keys), fmt(r['ours_mpps']), rng(r['ours_all']),
		    fmt(r['upstream_mpps']), rng(r['upstream_all']), fmt(r['ratio'], 6, 2),
		    fmt(r.get('paired_ratio'), 6, 2)))
	if note:
		say(note)
	say('ratio = ours/upstream of the medians; paired = median over rounds '
	    'of ours/upstream within the round')


def print_net_table(rows, pmds, delivered):
	note = None
	if any(v is not None for v in delivered.values()):
		note = ('txrx delivered (NIC1 rx / NIC0 tx, median): ours %s, upstream %s'
			% (fmt(delivered['ours'], 0, 3), fmt(delivered['upstream'], 0, 3)))
	print_table('Mpps, median of rounds (min-max); ours: %s, upstream: %s'
		    % (pmds['ours'], pmds['upstream']),
		    [('load', 'workload', 5), ('figure', 'metric', 9)], rows, note)


def run(a, bench, name, tool, intro):
	"""Build, boot once running bench's command; (JSON document with the
	fields both benchmarks share, guest summary, start time)."""
	build(a)
	check_ours(a)
	os.makedirs(a.out_dir, exist_ok=True)
	info = machine_info(a)
	t0 = time.monotonic()
	say(intro)
	guest = boot(a, name, bench.command(), bench.timeout(), bench.on_block)
	info['loadavg_end'] = list(os.getloadavg())
	doc = {'tool': tool,
	       'date': datetime.datetime.now().astimezone().isoformat(timespec='seconds'),
	       'machine': info,
	       'config': {k: getattr(a, k) for k in ('bind', 'packed', 'duration', 'warmup',
						     'rounds', 'ours_args', 'upstream_args')},
	       'guest_secs': round(guest['secs'], 1), 'qemu_cpu_share': guest['qemu_cpu_share']}
	return doc, guest, t0


def finish(doc, guest, t0, files, failures):
	say('host load %.1f -> %.1f, QEMU CPU share %.2f (2+ = had the host to itself)'
	    % (doc['machine']['loadavg_start'][0], doc['machine']['loadavg_end'][0],
	       guest['qemu_cpu_share']))
	say('\n%s\nguest log: %s   (boot + runs %.0f s, total %.0f s)'
	    % (files, guest['console'], guest['secs'], time.monotonic() - t0))
	if guest['failed']:
		die(guest['failed'])
	if failures:
		die(failures)
	return 0


def cmd_net(a):
	a.workloads = [w.strip() for w in a.workloads.split(',') if w.strip()]
	for w in a.workloads:
		if w not in NET_METRICS:
			die('unknown workload %r (txrx, io)' % w, 2)
	nb = NetBench(a)
	doc, guest, t0 = run(a, nb, 'bench-net', 'bench-net', (
		'bench-net: %d round(s) x %s x ours/upstream, %d s + %d s warm-up each, %s, one '
		'boot' % (a.rounds, '/'.join(a.workloads), a.duration, a.warmup, a.bind)))
	rows = nb.summary()
	pmds = {d: ','.join(sorted({p for r in nb.runs if r['driver'] == d
	                            for p in r['pmd']})) or '?' for d in DRIVERS}
	delivered = nb.delivered()
	print_net_table(rows, pmds, delivered)
	doc['config'].update(pkt_size=a.pkt_size, workloads=a.workloads, testpmd=(
		'stock dpdk-testpmd, interactive; txrx: txonly on NIC0 and rxonly on NIC1 in two '
		'processes; io: one process, 2 forwarding lcores, start tx_first'))
	doc.update(pmd=pmds, txrx_delivered=delivered, summary=rows, runs=nb.runs)
	out = os.path.join(a.out_dir, 'bench-net.json')
	write_json(out, doc)
	return finish(doc, guest, t0, 'JSON: %s' % out, (nb.failures or not nb.runs) and (
		'%d run(s) produced no figures or ran on the wrong driver' % nb.failures))


# --- matrix: vireo-perf ------------------------------------------------------

def perf_mpps(doc):
	"""Like plot-perf.py's auto metric: total rx, or tx when nothing was
	received."""
	tot = doc.get('total', {})
	rx, tx = float(tot.get('rx_pps', 0)), float(tot.get('tx_pps', 0))
	return (rx if rx > 0 else tx) / 1e6


class MatrixBench:
	def __init__(self, a):
		self.a = a
		self.rows = []
		self.failed = []

	def points(self):
		a = self.a
		n = 0
		for r in range(1, a.rounds + 1):
			for mode in a.modes:
				for size in a.sizes:
					for drv in orders(n):
						yield r, mode, size, drv
					n += 1

	def perf_args(self, mode, size):
		args = PERF_MODES[mode] + ['--pkt-size', str(size)]
		return args

	def command(self):
		a = self.a
		parts = [guest_prelude(a)]
		pts = list(self.points())
		for i, (r, mode, size, drv) in enumerate(pts, 1):
			parts.append('bench_say "point %d/%d: %s %d B on %s"; '
			             'bench_perf "r%d %s %s %d" %s %s; '
			             % (i, len(pts), mode, size, drv, r, drv, mode, size,
			                drv_args(a, drv),
			                ' '.join(self.perf_args(mode, size))))
		return ''.join(parts) + 'true'

	def timeout(self):
		a = self.a
		return 60 + len(list(self.points())) * (a.warmup + a.duration + 12)

	def on_block(self, bid, rc, text):
		rnd, drv, mode, size = bid.split()
		key = {'round': int(rnd[1:]), 'driver': drv, 'mode': mode,
		       'pkt_size': int(size)}
		doc = None
		if rc == 0:
			try:
				doc = json.loads(text)
			except ValueError as e:
				text = 'bad JSON: %s' % e
		if doc is None:
			key['error'] = text.strip().splitlines()[-1:] or ['?']
			self.failed.append(key)
			say('bench:   -> FAILED: %s' % key['error'][0])
			return
		doc['pmd'] = doc.get('driver')
		doc.update(key)
		doc['bind'] = self.a.bind
		doc['host_load1'] = os.getloadavg()[0]
		if (drv == 'ours' and self.a.ours_args == OURS_ARGS and
		        doc['pmd'] != OURS_PMD):
			key['error'] = ['ours ran on %s' % doc['pmd']]
			self.failed.append(key)
		self.rows.append(doc)
		say('bench:   -> %.3f Mpps (%s)' % (perf_mpps(doc), doc['pmd']))

	def summary(self):
		out = []
		for mode in self.a.modes:
			for size in self.a.sizes:
				by = {d: {r['round']: perf_mpps(r) for r in self.rows
				          if r['driver'] == d and r['mode'] == mode and
				          r['pkt_size'] == size} for d in DRIVERS}
				out.append(summary_row({'mode': mode, 'pkt_size': size}, by))
		return out


def parse_sizes(s):
	try:
		sizes = [int(x) for x in s.split(',') if x.strip()]
	except ValueError:
		die('--sizes takes a comma list of bytes', 2)
	for x in sizes:
		if not 64 <= x <= 9000:
			die('packet size %d out of 64..9000' % x, 2)
	return sizes


def print_matrix_table(rows, pmds, rounds):
	print_table('vireo-perf Mpps (total rx; tx for txonly), median of %d round(s); '
		    'ours: %s, upstream: %s' % (rounds, pmds['ours'], pmds['upstream']),
		    [('mode', 'mode', 8), ('bytes', 'pkt_size', 6)], rows)


def cmd_matrix(a):
	a.modes = []
	for m in a.modes_arg.split(','):
		m = MODE_ALIASES.get(m.strip(), m.strip())
		if m not in PERF_MODES:
			die('unknown mode %r (%s)' % (m, ', '.join(PERF_MODES)), 2)
		a.modes.append(m)
	a.sizes = parse_sizes(a.sizes_arg)
	mb = MatrixBench(a)
	doc, guest, t0 = run(a, mb, 'perf-matrix', 'bench-perf-matrix', (
		'bench-perf-matrix: %d runs (%s x %s B x ours/upstream x %d round(s)), %d s + %d s '
		'warm-up each, %s, one boot' % (len(list(mb.points())), '/'.join(a.modes),
						 '/'.join(map(str, a.sizes)), a.rounds,
						 a.duration, a.warmup, a.bind)))
	jsonl = os.path.join(a.out_dir, 'perf-matrix.jsonl')
	with open(jsonl, 'w') as f:
		for r in mb.rows:
			f.write(json.dumps(r, separators=(',', ':')) + '\n')
	rows = mb.summary()
	pmds = {d: ','.join(sorted({r['pmd'] for r in mb.rows
	                            if r['driver'] == d})) or '?'
	        for d in DRIVERS}
	print_matrix_table(rows, pmds, a.rounds)
	for f in mb.failed:
		say('FAILED: %s %s %d B round %d: %s' % (
		    f['driver'], f['mode'], f['pkt_size'], f['round'],
		    f['error'][0]))
	summary = os.path.join(a.out_dir, 'perf-matrix-summary.json')
	doc['config'].update(modes=a.modes, sizes=a.sizes, lcores='0@0,1@1,2@0')
	doc.update(pmd=pmds, summary=rows, failed=mb.failed)
	write_json(summary, doc)
	png = plot_matrix(a, mb.rows, doc['date']) if mb.rows and not a.no_plot else None
	return finish(doc, guest, t0, 'JSON lines: %s   summary: %s%s' % (
		jsonl, summary, ('   plot: %s' % png) if png else ''),
		(mb.failed or not mb.rows) and (
			'%d run(s) failed or ran on the wrong driver' % len(mb.failed)))


def plot_matrix(a, rows, date):
	"""One PNG: a line per (driver, mode) through devtools/plot-perf.py."""
	tmp = os.path.join(a.out_dir, 'perf-matrix-plot.jsonl')
	with open(tmp, 'w') as f:
		for r in rows:
			f.write(json.dumps({'driver': '%s %s' % (r['driver'], r['mode']),
			                    'pkt_size': r['pkt_size'],
			                    'total': r['total']}) + '\n')
	png = os.path.join(a.out_dir, 'perf-matrix.png')
	title = ('vireo-perf in a QEMU TCG guest (%s), ours vs upstream, %s'
	         % (a.bind, date[:10]))
	res = subprocess.run([sys.executable,
	                      os.path.join(ROOT, 'devtools', 'plot-perf.py'),
	                      tmp, '-o', png, '--title', title],
	                     capture_output=True, text=True)
	if res.returncode != 0:
		say('bench: plot failed: %s' % (res.stderr.strip() or res.stdout))
		return None
	return png


def cmd_report(a):
	"""Print the table of an earlier run from its JSON."""
	try:
		with open(a.file) as f:
			doc = json.load(f)
	except (OSError, ValueError) as e:
		die('%s: %s' % (a.file, e))
	say('%s, %s, bind %s, host load %s -> %s, QEMU CPU share %s' % (
	    doc.get('tool'), doc.get('date'), doc['config'].get('bind'),
	    *(round(doc['machine'].get(k, [0])[0], 1)
	      for k in ('loadavg_start', 'loadavg_end')),
	    doc.get('qemu_cpu_share')))
	if doc.get('tool') == 'bench-net':
		# Recomputed from the runs, so older files get today's columns.
		nb = NetBench(argparse.Namespace(workloads=doc['config']['workloads']))
		nb.runs = doc['runs']
		print_net_table(nb.summary(), doc['pmd'], nb.delivered())
	elif doc.get('tool') == 'bench-perf-matrix':
		print_matrix_table(doc['summary'], doc['pmd'],
		                   doc['config']['rounds'])
	elif doc.get('tool') == 'bench-blk':
		from .blkbench import report
		report(doc)
	else:
		die('%s: not bench-net.json, perf-matrix-summary.json or blk-*.json' % a.file)
	return 0


# --- main job: vireo-perf, live -----------------------------------------------

def cmd_main(a):
	"""vireo-perf on ours, then on upstream (unless --no-upstream), with live
	statistics; the two figures and their ratio."""
	a.ours_args = OURS_ARGS
	build(a)
	check_ours(a)
	machine_info(a)
	os.makedirs(a.out_dir, exist_ok=True)
	# 2 vCPUs: lcore 0 (main, statistics) shares CPU 0 with the port-0
	# worker; the port-1 worker has CPU 1. io forwarding between the two NICs
	# with a first burst on each keeps both directions busy.
	perf = ('--forward-mode=%s --tx-first --duration %d --warmup 2 --stats-period 1 '
		'--pkt-size %d' % (a.mode, a.duration, a.pkt_size))
	eal = '--lcores 0@0,1@1,2@0 -n 1 --in-memory -a $VIREO_NET0 -a $VIREO_NET1'
	drivers = DRIVERS if a.upstream else DRIVERS[:1]
	command = '. /vireo/run/cases/lib.sh; ' + ''.join(
		'echo; echo "=== vireo-perf on %s ==="; $VIREO_BIN/vireo-perf %s %s -- %s '
		'--json /tmp/%s.json; vireo_result %s $? /tmp/%s.json; '
		% (d, eal, OURS_ARGS if d == 'ours' else '', perf, d, d, d)
		for d in drivers) + 'true'
	runs = {}

	def on_result(label, rc, text):
		if rc == 0:
			runs[label] = json.loads(text)
			write_json(os.path.join(a.out_dir, label + '.json'), runs[label])

	guest = boot(a, 'main-job', command, 300 + 2 * a.duration, on_result, echo=say)
	if 'ours' not in runs:
		die('the run on net_vireo produced no figures (%s)'
		    % (guest['failed'] or 'see ' + guest['console']))
	say('\n=== summary (total rx Mpps, same guest, same devices) ===')
	mpps = {d: r['total']['rx_pps'] / 1e6 for d, r in runs.items()}
	for d, r in runs.items():
		say('%-9s %-12s %8.3f Mpps' % (d, r.get('driver', '?'), mpps[d]))
	if mpps.get('upstream'):
		say('ratio ours/upstream: %.2f' % (mpps['ours'] / mpps['upstream']))
	say('JSON: %s/{%s}.json   guest log: %s' % (a.out_dir, ','.join(runs), guest['console']))
	return 0
