# SPDX-License-Identifier: BSD-3-Clause
"""The storage benchmark (`vireo bench blk`, doc/benchmarks.md "Storage
(guest)"): in one boot of the test guest, on two virtio-blk drives (QEMU
null-co and a raw file), 4K random reads and writes at several depths with

	fio-vireo    stock fio through our engine (app/fio-vireo, blk_vireo)
	vireo-perf   vireo-perf --mode blk (blk_vireo)
	io_uring     stock fio, ioengine=io_uring, on the guest kernel's virtio_blk
	libaio       stock fio, ioengine=libaio, likewise

The guest moves the drive between its user-space driver (uio_pci_generic or
vfio-pci) and the kernel's virtio-pci for the kernel runs of each point.
Every run's guest CPU use comes from /proc/stat samples inside its measured
window (busy vCPUs: both vCPUs, user + system + irq + softirq), so IOPS per
busy vCPU compares a polling driver (one vCPU spinning) with the kernel's
interrupt-driven one. guest/bench.sh holds the guest side.
"""

import json
import os
import subprocess
import sys
import time

from . import ROOT
from .bench import (GUEST_LIB, GUEST_LIB_PATH, build, die, fmt, machine_info,
                    med, ratio, say, write_json)
from .guest import Guest

TOOLS = ('fio-vireo', 'fio-vireo-nolat', 'vireo-perf', 'io_uring', 'libaio')
USER_TOOLS, KERNEL_TOOLS = TOOLS[:3], TOOLS[3:]
# fio-vireo-nolat: fio-vireo without fio's latency statistics (no clock read
# or histogram update per I/O): fio's cheapest setting, next to the one with
# latencies (every fio run has --norandommap=1 --clocksource=cpu, bench.sh).
FIO_NOLAT = '--gtod_reduce=1'
WORKLOADS = ('randread', 'randwrite')
DEPTHS = (1, 32, 128)
# The two drives: (name, PCI slot, QEMU arguments with {iommu} and {img}).
# Slots above every drive of the other configurations. QEMU's defaults
# otherwise (one queue of 256, write-back cache on the raw file, aio=threads).
DRIVES = (
	('null', 0x18, ['-blockdev', 'null-co,node-name=bench-null,size={size},read-zeroes=off',
	                '-device', 'virtio-blk-pci,id=bench-null,drive=bench-null,'
	                'disable-legacy=on,addr=0x18,serial=vireo-bench-null{iommu}']),
	('raw', 0x19, ['-drive', 'file={img},if=none,id=bench-raw,format=raw',
	               '-device', 'virtio-blk-pci,id=bench-raw,drive=bench-raw,'
	               'disable-legacy=on,addr=0x19,serial=vireo-bench-raw{iommu}']),
)
KERNEL_REF = 'io_uring'


def bdf(slot):
	return '0000:00:%02x.0' % slot


# --- parsing ---------------------------------------------------------------------

def json_of(text):
	"""The JSON document in a tool's output (log lines before it are skipped)."""
	start = text.find('{')
	if start < 0:
		raise ValueError('no JSON object')
	doc, _ = json.JSONDecoder().raw_decode(text[start:])
	return doc


def parse_fio(doc, rw):
	"""IOPS, total latency p50/p99 (us) and the job's CPU (% of one CPU) of
	a fio --output-format=json document with one job. Total latency (lat_ns,
	fio's --lat_percentiles=1) runs from when fio queued the request, like
	vireo-perf's enqueue-to-dequeue; fio's clat starts only after the
	commit, by when a TCG guest's device has often finished already (QEMU
	handles the doorbell in the vCPU's own thread). Without lat_ns
	percentiles, clat's."""
	job = doc['jobs'][0]
	if job.get('error'):
		raise ValueError('fio job error %s' % job['error'])
	side = job['read' if 'read' in rw else 'write']
	pct = side.get('lat_ns', {}).get('percentile') or \
		side.get('clat_ns', {}).get('percentile', {})

	def p(k):
		v = pct.get(k)
		return v / 1000.0 if v is not None else None
	return {'iops': float(side['iops']), 'p50_us': p('50.000000'), 'p99_us': p('99.000000'),
	        'ios': int(side.get('total_ios', 0)),
	        'tool_cpu': float(job.get('usr_cpu', 0)) + float(job.get('sys_cpu', 0))}


def parse_perf(doc):
	"""The same figures of a vireo-perf --mode blk --json document."""
	m, lat = doc['measured'], doc.get('latency_us', {})
	if m.get('errors'):
		raise ValueError('%d I/O errors' % m['errors'])
	return {'iops': float(m['iops']), 'p50_us': lat.get('p50'), 'p99_us': lat.get('p99'),
	        'ios': int(m.get('ios', 0)), 'tool_cpu': None, 'driver': doc.get('device', {}).get('driver')}


def parse_cpu(text):
	"""[(uptime s, busy jiffies, total jiffies)] of the guest's samples
	("uptime cpu user nice system idle iowait irq softirq steal ...")."""
	out = []
	for line in text.splitlines():
		f = line.split()
		if len(f) < 6 or f[1] != 'cpu':
			continue
		try:
			up, j = float(f[0]), [int(x) for x in f[2:]]
		except ValueError:
			continue
		idle = j[3] + (j[4] if len(j) > 4 else 0)
		total = sum(j[:8])
		out.append((up, total - idle, total))
	return out


def busy_vcpus(samples, duration, ncpu=2):
	"""Busy vCPUs (0..ncpu) inside the measured window: the samples from
	duration s before the tool ended (its last sample) up to 0.3 s before
	it, so start-up, warm-up and tear-down stay out. None with fewer than
	two samples there."""
	if len(samples) < 2:
		return None
	end = samples[-1][0]
	win = [s for s in samples[:-1] if end - duration + 0.5 <= s[0] <= end - 0.3]
	if len(win) < 2 or win[-1][2] == win[0][2]:
		return None
	return round(ncpu * (win[-1][1] - win[0][1]) / (win[-1][2] - win[0][2]), 3)


def cpu_trace(samples, ncpu=2):
	"""[(seconds before the end, busy vCPUs)] per sample interval: where the
	tool's start-up, run and tear-down went (for reading the JSON)."""
	if not samples:
		return []
	end = samples[-1][0]
	return [(round(end - b[0], 2), round(ncpu * (b[1] - a[1]) / (b[2] - a[2]), 2))
	        for a, b in zip(samples, samples[1:]) if b[2] > a[2]]


# --- the run -----------------------------------------------------------------------

class BlkBench:
	def __init__(self, a):
		self.a = a
		self.runs = []
		self.failed = []
		self.pending = {}

	def points(self):
		n = 0
		for r in range(1, self.a.rounds + 1):
			for dev in self.a.devices:
				for rw in self.a.workloads:
					for qd in self.a.depths:
						yield r, dev, rw, qd, n
						n += 1

	def order(self, n):
		"""User-space tools first on even points, kernel first on odd ones
		(the tools of a point run minutes apart at most: the host's load
		drifts less between them)."""
		user = [t for t in USER_TOOLS if t in self.a.tools]
		kern = [t for t in KERNEL_TOOLS if t in self.a.tools]
		return [user, kern] if n % 2 == 0 else [kern[::-1], user[::-1]]

	def command(self):
		a = self.a
		parts = ['. %s; trap "" PIPE; BENCH_WARMUP=%d; BENCH_DURATION=%d; BLK_BS=%s; '
		         'BLK_SIZE=%s; BLK_FIO_EXTRA="%s"; echo "bench: guest kernel $(uname -r), '
		         '$(nproc) vCPUs, bind $VIREO_BIND, clocksource $(cat /sys/devices/system/'
		         'clocksource/clocksource0/current_clocksource)"; '
		         % (GUEST_LIB_PATH, a.warmup, a.duration, a.bs, a.size, a.fio_extra)]
		pts = list(self.points())
		for r, dev, rw, qd, n in pts:
			addr = bdf(dict((d[0], d[1]) for d in DRIVES)[dev])
			parts.append('bench_say "point %d/%d: %s %s iodepth %d"; '
			             % (n + 1, len(pts), dev, rw, qd))
			for group in self.order(n):
				if not group:
					continue
				kernel = group[0] in KERNEL_TOOLS
				if kernel:
					parts.append('if vd=$(blk_to_kernel %s); then ' % addr)
				bids = ['%s %s %d %s r%d' % (dev, rw, qd, t, r) for t in group]
				for tool, bid in zip(group, bids):
					if tool == 'fio-vireo':
						parts.append('bench_blk_fio_vireo "%s" %s %s %d; ' % (bid, addr, rw, qd))
					elif tool == 'fio-vireo-nolat':
						parts.append('bench_blk_fio_vireo "%s" %s %s %d %s; '
						             % (bid, addr, rw, qd, FIO_NOLAT))
					elif tool == 'vireo-perf':
						parts.append('bench_blk_perf "%s" %s %s %d; ' % (bid, addr, rw, qd))
					else:
						parts.append('bench_blk_kernel "%s" "$vd" %s %d %s; '
						             % (bid, rw, qd, tool))
				if kernel:
					# No kernel device: each kernel run fails, visibly.
					parts.append('else %sfi; blk_to_user %s || exit 1; ' % (''.join(
						'echo "no /dev/vdX for %s" >/tmp/blk.log; vireo_result "%s" 1 '
						'/tmp/blk.log; ' % (addr, bid) for bid in bids), addr))
		return ''.join(parts) + 'true'

	def timeout(self):
		a = self.a
		return 60 + len(list(self.points())) * len(a.tools) * (a.warmup + a.duration + 15)

	def on_block(self, bid, rc, text):
		words = bid.split()
		if words[-1] == 'cpu':
			key = ' '.join(words[:-1])
			run = self.pending.pop(key, None)
			if run is not None:
				samples = parse_cpu(text)
				run['busy_vcpus'] = busy_vcpus(samples, self.a.duration)
				run['cpu_trace'] = cpu_trace(samples)
				run['iops_per_vcpu'] = ratio(run['iops'], run['busy_vcpus'])
				self.runs.append(run)
				say('bench:   -> %-10s %9.0f IOPS  p50 %s us  p99 %s us  busy %s vCPU'
				    % (run['tool'], run['iops'], fmt(run['p50_us'], 0, 0),
				       fmt(run['p99_us'], 0, 0), fmt(run['busy_vcpus'], 0, 2)))
			return
		dev, rw, qd, tool, rnd = words
		key = {'device': dev, 'rw': rw, 'iodepth': int(qd), 'tool': tool,
		       'round': int(rnd[1:]), 'host_load1': round(os.getloadavg()[0], 2)}
		try:
			if rc != 0:
				raise ValueError('exit status %d' % rc)
			doc = json_of(text)
			fig = parse_perf(doc) if tool == 'vireo-perf' else parse_fio(doc, rw)
		except (ValueError, KeyError, IndexError, TypeError) as e:
			key['error'] = '%s: %s' % (e, (text.strip().splitlines() or ['?'])[-1])
			self.failed.append(key)
			say('bench:   -> %s FAILED: %s' % (tool, key['error']))
			return
		key.update(fig)
		self.pending[bid] = key

	def summary(self):
		"""One row per (device, rw, iodepth): per tool the medians over the
		rounds; ratios of the medians."""
		rows = []
		for dev in self.a.devices:
			for rw in self.a.workloads:
				for qd in self.a.depths:
					rows.append(summary_row(self.runs, dev, rw, qd, self.a.tools))
		return rows


def summary_row(runs, dev, rw, qd, tools):
	row = {'device': dev, 'rw': rw, 'iodepth': qd, 'tools': {}}
	for tool in tools:
		rs = [r for r in runs if (r['device'], r['rw'], r['iodepth'], r['tool']) ==
		      (dev, rw, qd, tool)]
		if not rs:
			continue

		def m(k):
			return med([r[k] for r in rs if r.get(k) is not None])
		row['tools'][tool] = {k: m(k) for k in ('iops', 'p50_us', 'p99_us', 'busy_vcpus',
		                                           'iops_per_vcpu')}
		row['tools'][tool]['rounds'] = len(rs)
	t = row['tools']

	def per_vcpu(name):
		return t.get(name, {}).get('iops_per_vcpu')
	row['fio_vs_perf'] = ratio(t.get('fio-vireo', {}).get('iops'),
	                           t.get('vireo-perf', {}).get('iops'))
	row['fio_nolat_vs_perf'] = ratio(t.get('fio-vireo-nolat', {}).get('iops'),
	                                 t.get('vireo-perf', {}).get('iops'))
	row['fio_vs_kernel_per_vcpu'] = ratio(per_vcpu('fio-vireo'), per_vcpu(KERNEL_REF))
	row['perf_vs_kernel_per_vcpu'] = ratio(per_vcpu('vireo-perf'), per_vcpu(KERNEL_REF))
	return row


def print_blk_table(rows, tools):
	say('\nkIOPS, p50/p99 latency (us, submit to completion), busy vCPUs; per-vCPU ratios '
	    'against %s' % KERNEL_REF)
	head = '%-5s %-9s %4s' % ('dev', 'rw', 'qd')
	for tool in tools:
		head += ' | %-28s' % tool
	say(head + ' | fio/perf nolat/perf  fio/k  perf/k')
	for r in rows:
		line = '%-5s %-9s %4d' % (r['device'], r['rw'], r['iodepth'])
		for tool in tools:
			v = r['tools'].get(tool)
			if v is None:
				line += ' | %-28s' % '-'
				continue
			line += ' | %6s %6s/%-7s %5s' % (
			    fmt(v['iops'] / 1e3 if v['iops'] is not None else None, 0, 1),
			    fmt(v['p50_us'], 0, 0), fmt(v['p99_us'], 0, 0), fmt(v['busy_vcpus'], 0, 2))
		say(line + ' | %8s %10s %6s %7s' % (fmt(r['fio_vs_perf'], 0, 2),
		                                     fmt(r.get('fio_nolat_vs_perf'), 0, 2),
		                                     fmt(r['fio_vs_kernel_per_vcpu'], 0, 2),
		                                fmt(r['perf_vs_kernel_per_vcpu'], 0, 2)))
	say('fio/perf = fio-vireo IOPS / vireo-perf IOPS (nolat/perf: fio-vireo-nolat, fio '
	    'with %s); fio/k, perf/k = IOPS per busy vCPU '
	    'over %s\'s' % (FIO_NOLAT, KERNEL_REF))


def markdown_table(rows, tools):
	"""The table of doc/benchmarks.md: IOPS (K) p50/p99 per tool, ratios."""
	out = ['| drive | rw | qd | ' + ' | '.join('%s kIOPS (p50/p99 us) [vCPU]' % t
	                                          for t in tools) +
	       ' | fio/perf | nolat/perf | fio/k per vCPU | perf/k per vCPU |',
	       '|' + '---|' * (3 + len(tools) + 4)]
	for r in rows:
		cells = [r['device'], r['rw'], str(r['iodepth'])]
		for t in tools:
			v = r['tools'].get(t)
			cells.append('-' if v is None else '%.1f (%s/%s) [%s]' % (
			    v['iops'] / 1e3, fmt(v['p50_us'], 0, 0), fmt(v['p99_us'], 0, 0),
			    fmt(v['busy_vcpus'], 0, 2)))
		cells += [fmt(r.get(k), 0, 2) for k in ('fio_vs_perf', 'fio_nolat_vs_perf',
		                                        'fio_vs_kernel_per_vcpu',
		                                        'perf_vs_kernel_per_vcpu')]
		out.append('| ' + ' | '.join(cells) + ' |')
	return '\n'.join(out)


def plot_blk(a, runs, date):
	"""One PNG (a panel per drive and workload, a line per tool) through
	devtools/plot-perf.py --blk."""
	tmp = os.path.join(a.out_dir, 'blk-plot.jsonl')
	with open(tmp, 'w') as f:
		for r in runs:
			f.write(json.dumps({'tool': r['tool'], 'panel': '%s %s' % (r['device'], r['rw']),
			                    'iodepth': r['iodepth'], 'iops': r['iops']}) + '\n')
	png = os.path.join(a.out_dir, 'blk.png')
	title = ('4K IOPS in a QEMU TCG guest (%s, 2 vCPUs), %s' % (a.bind, date[:10]))
	res = subprocess.run([sys.executable, os.path.join(ROOT, 'devtools', 'plot-perf.py'),
	                      '--blk', tmp, '-o', png, '--title', title],
	                     capture_output=True, text=True)
	if res.returncode != 0:
		say('bench: plot failed: %s' % (res.stderr.strip() or res.stdout))
		return None
	return png


def comma_list(s, allowed, what):
	out = [x.strip() for x in s.split(',') if x.strip()]
	for x in out:
		if x not in allowed:
			die('unknown %s %r (%s)' % (what, x, ', '.join(map(str, allowed))), 2)
	return out


def cmd_blk(a):
	a.devices = comma_list(a.devices_arg, [d[0] for d in DRIVES], 'drive')
	a.workloads = comma_list(a.workloads_arg, WORKLOADS, 'workload')
	a.tools = comma_list(a.tools_arg, TOOLS, 'tool')
	try:
		a.depths = [int(x) for x in a.depths_arg.split(',') if x.strip()]
	except ValueError:
		die('--depths takes a comma list of numbers', 2)
	if not a.depths or any(not 1 <= q <= 256 for q in a.depths):
		die('--depths: 1..256 (one queue of QEMU\'s default 256)', 2)
	if '"' in a.fio_extra or '\\' in a.fio_extra:
		die('--fio-extra: no quotes or backslashes', 2)
	build(a)
	os.makedirs(a.out_dir, exist_ok=True)
	info = machine_info(a)
	img = os.path.join(a.out_dir, 'blk-raw.img')
	size = parse_size(a.size)
	with open(img, 'ab') as f:
		f.truncate(size)	# sparse; kept between runs
	iommu = ',iommu_platform=on,ats=on' if a.bind == 'vfio' else ''
	qemu_arg = []
	for name, _, args in DRIVES:
		if name in a.devices:
			qemu_arg += [x.format(size=size, img=img.replace(',', ',,'), iommu=iommu)
			             for x in args]
	bb = BlkBench(a)
	npts = len(list(bb.points()))
	say('bench-blk: %d points (%s x %s x iodepth %s x %d round(s)) x %s, %s s + %s s warm-up '
	    'each, %s, one boot' % (npts, '/'.join(a.devices), '/'.join(a.workloads),
	                           '/'.join(map(str, a.depths)), a.rounds, '/'.join(a.tools),
	                           a.duration, a.warmup, a.bind))
	t0 = time.monotonic()
	guest = Guest(a.build_dir, bind=a.bind, verbose=a.verbose, qemu_arg=qemu_arg, packed=a.packed,
	              add=['%s:%s' % (GUEST_LIB, GUEST_LIB_PATH)])
	summary = guest.boot(os.path.join(a.out_dir, 'bench-blk-guest'), command=bb.command(),
	                     timeout=bb.timeout(), on_result=bb.on_block,
	                     echo=lambda line: line.startswith('bench:') and say(line))
	res = summary['results'].get('command')
	failed = None
	if res is None or res['rc'] != 0:
		failed = '%s; see %s' % (summary['error'] or 'the guest command failed (status %d)'
		                         % res['rc'], summary['console'])
	info['loadavg_end'] = list(os.getloadavg())
	rows = bb.summary()
	print_blk_table(rows, a.tools)
	doc = {'tool': 'bench-blk',
	       'date': time.strftime('%Y-%m-%dT%H:%M:%S%z'),
	       'machine': info,
	       'config': {'bind': a.bind, 'packed': a.packed, 'duration': a.duration, 'warmup': a.warmup,
	                  'rounds': a.rounds, 'bs': a.bs, 'size': a.size,
	                  'fio_extra': a.fio_extra, 'devices': a.devices,
	                  'workloads': a.workloads, 'depths': a.depths, 'tools': a.tools,
	                  'qemu_drives': qemu_arg},
	       'guest_secs': summary.get('boot_secs'),
	       'qemu_cpu_share': summary.get('qemu_cpu_share'),
	       'summary': rows, 'runs': bb.runs, 'failed': bb.failed}
	out = os.path.join(a.out_dir, 'blk-%s.json' % time.strftime('%Y%m%d-%H%M%S'))
	write_json(out, doc)
	write_json(os.path.join(a.out_dir, 'blk-latest.json'), doc)
	png = plot_blk(a, bb.runs, doc['date']) if bb.runs and not a.no_plot else None
	for f in bb.failed:
		say('FAILED: %s %s %s qd%d: %s' % (f['tool'], f['device'], f['rw'], f['iodepth'],
		                                   f['error']))
	say('host load %.1f -> %.1f, QEMU CPU share %s (2+ = had the host to itself)'
	    % (info['loadavg_start'][0], info['loadavg_end'][0], summary.get('qemu_cpu_share')))
	say('JSON: %s%s\nguest log: %s   (boot + runs %.0f s, total %.0f s)' % (
	    out, ('   plot: %s' % png) if png else '', summary['console'],
	    summary.get('boot_secs') or 0, time.monotonic() - t0))
	if failed:
		die(failed)
	if bb.failed or not bb.runs:
		die('%d run(s) produced no figures' % len(bb.failed))
	return 0


def parse_size(s):
	mult = {'k': 1 << 10, 'm': 1 << 20, 'g': 1 << 30}
	s = s.strip().lower()
	try:
		if s and s[-1] in mult:
			return int(s[:-1]) * mult[s[-1]]
		return int(s)
	except ValueError:
		die('bad size %r (e.g. 1g, 512m)' % s, 2)


def report(doc):
	"""`vireo report` of a blk-*.json."""
	print_blk_table(doc['summary'], doc['config']['tools'])
	say('\n' + markdown_table(doc['summary'], doc['config']['tools']))
