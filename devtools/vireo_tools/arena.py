# SPDX-License-Identifier: BSD-3-Clause
"""The host arena: ours (net_vireo_user) against upstream (net_virtio_user)
over vhost-user, no VM.

	net     throughput: workloads x packet sizes, interleaved A/B runs,
	        medians, min-max, ratio; JSON and a PNG
	ipp     instructions per packet under callgrind (deterministic; this
	        machine has no PMU)
	blk     blk_vireo_user over qemu-storage-daemon (null-co): vireo-perf
	        --mode blk and fio with our engine, interleaved, against
	        qemu-img bench on null-co (QEMU's block-layer ceiling); IOPS
	main    the main job's default: one short workload, live Mpps lines,
	        the ratio; then a short blk step (vireo-perf, live IOPS lines)

Backend: stock dpdk-testpmd with a net_vhost port (DPDK's vhost library,
the vhost-user server), one forwarding lcore pinned to --backend-cpu, in
the mode that complements the frontend's (io for io, rxonly for txonly,
txonly for rxonly). Frontend: vireo-perf (same tool, same loop, same EAL
arguments for both drivers; our plugin is loaded with -d for both), its
forwarding lcore pinned to --frontend-cpu. Only the --vdev differs.

The code is organised around Workload (what the frontend runs, which
backend it needs, which figure counts): the blk workloads are BlkWorkload
entries served by QsdBlk (qemu-storage-daemon, pinned to --backend-cpu
like testpmd), driven by the same vireo-perf runner.
"""

import argparse
import datetime
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

from . import ROOT
from .bench import build, fmt, med, print_table, ratio, say, summary_row, write_json

DRIVERS = ('ours', 'upstream')
OURS_PMD = 'net_vireo_user'
UPSTREAM_PMD = 'net_virtio_user'
# Upstream's cheapest split-ring configuration for a forwarding loop
# (doc/benchmarks.md, "Which upstream configuration"): the vectorized (SSE)
# rx path, which needs mergeable buffers and in-order off; tx then takes the
# standard path.
UPSTREAM_BEST = 'mrg_rxbuf=0,in_order=0,vectorized=1,packed_vq=0'
# Both rings 256 entries (upstream's default; ours defaults to 1024): the
# drivers then cycle through the same number of buffers.
# Upstream's packed configuration with its vectorized (AVX-512) paths, which
# need in-order on and mergeable buffers off (DPDK's virtio_user devargs).
UPSTREAM_BEST_PACKED = 'mrg_rxbuf=0,in_order=1,vectorized=1,packed_vq=1'
RING = 'queue_size=256'
# Ours with the same receive model as upstream's best: one buffer per frame,
# MRG_RXBUF not negotiated (neither driver reads num_buffers per packet).
OURS_BEST = 'mrg_rxbuf=0'
# --rings: which ring layout both drivers use (ours: devarg packed=).
VDEVS = {
	'split': ('net_vireo_user0,path={sock},%s,%s,packed=0' % (RING, OURS_BEST),
	          'net_virtio_user0,path={sock},%s,%s' % (RING, UPSTREAM_BEST)),
	'packed': ('net_vireo_user0,path={sock},%s,%s,packed=1' % (RING, OURS_BEST),
	           'net_virtio_user0,path={sock},%s,%s' % (RING, UPSTREAM_BEST_PACKED)),
}
OURS_VDEV, UPSTREAM_VDEV = VDEVS['split']
HUGEPAGE_MB = 2
FRONTEND_MB = 128
BACKEND_MB = 128


def die(msg, code=1):
	sys.stderr.write('arena: %s\n' % msg)
	sys.exit(code)


# --- workloads ----------------------------------------------------------------

class Workload:
	"""One kind of run: frontend arguments, the backend it needs and the
	figure that counts (Mpps of vireo-perf's total rx or tx)."""

	def __init__(self, name, frontend, backend_mode, figure, what):
		self.name = name
		self.frontend = frontend
		self.backend_mode = backend_mode
		self.figure = figure
		self.what = what

	def value(self, doc):
		return float(doc['total'][self.figure]) / 1e6

	def is_live(self, line):
		"""A vireo-perf live line (net: '[port N] ...')."""
		return line.startswith('[')


class BlkWorkload(Workload):
	"""vireo-perf --mode blk, 4 KiB requests; the figure is the measured
	window's IOPS."""

	def __init__(self, rw, what):
		super().__init__(rw, ['--mode', 'blk', '--rw', rw, '--bs', str(BLK_BS)], None,
		                 'iops', what)

	def value(self, doc):
		return float(doc['measured']['iops'])

	def is_live(self, line):
		# 'NAME: N IOPS ...' (maybe after '[warm-up] '); not the summary's 'IOPS N'
		return ' IOPS ' in line and not line.startswith('----')


NET_WORKLOADS = {
    'txonly': Workload('txonly', ['--forward-mode', 'txonly'], 'rxonly', 'tx_pps',
                       'frontend sends, backend drops (rxonly)'),
    'rxonly': Workload('rxonly', ['--forward-mode', 'rxonly'], 'txonly', 'rx_pps',
                       'backend sends (txonly), frontend receives'),
    'io': Workload('io', ['--forward-mode', 'io', '--tx-first'], 'io', 'rx_pps',
                   'io loop: one burst in flight, both forward'),
}
BLK_BS = 4096
BLK_WORKLOADS = {
    'randread': BlkWorkload('randread', '4 KiB random reads'),
    'randwrite': BlkWorkload('randwrite', '4 KiB random writes'),
}
BLK_VDEV = 'blk_vireo_user0,path={sock}'
# null-co: a device that costs nothing (read-zeroes=off: reads do not even
# clear the buffer), so what is measured is the driver, vhost-user and QEMU's
# block layer.
BLK_SIZE = 1 << 30
BLK_NULL = 'driver=null-co,size=%d,read-zeroes=off' % BLK_SIZE
QSD = 'qemu-storage-daemon'


# --- machine ------------------------------------------------------------------

def free_hugepages():
	"""Free 2 MiB hugepages, 0 when there is no mounted pool."""
	try:
		with open('/proc/mounts') as f:
			if not any(line.split()[2:3] == ['hugetlbfs'] for line in f):
				return 0
		with open('/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages') as f:
			return int(f.read())
	except (OSError, ValueError):
		return 0


def memory_args(huge, mb, prefix):
	"""EAL memory arguments: shareable with the backend either way
	(--in-memory hugepages, or --no-huge which DPDK 22.11 backs with a
	memfd); nothing left behind in /dev/hugepages."""
	if huge:
		return ['--in-memory', '--single-file-segments', '-m', str(mb)]
	return ['--no-huge', '--no-shconf', '-m', str(mb), '--file-prefix', prefix]


# A process under valgrind always gets --no-huge memory: in --in-memory mode
# EAL reserves virtual space for every hugepage size the kernel offers (64 GiB
# per size), and with 1 GiB pages beside the 2 MiB ones that is more than
# valgrind's client address space holds ("EAL: Cannot get a virtual area").
# Instruction counts do not depend on the page size.
VALGRIND_HUGE = False


def check_tools(a, server='dpdk-testpmd', mb=FRONTEND_MB + BACKEND_MB):
	"""The backend program, vireo-perf, the plugin and mb MiB of free
	hugepages (exit a.skip_rc when the machine lacks them)."""
	if shutil.which(server) is None:
		die('%s is missing (run ./devtools/setup.sh)' % server, a.skip_rc)
	for path, what in ((a.perf, 'vireo-perf'), (a.plugin, 'the net_vireo plugin')):
		if not os.path.exists(path):
			die('%s has no %s (%s): build first (meson setup %s && ninja -C %s)'
			    % (a.build_dir, what, path, a.build_dir, a.build_dir))
	need = mb // HUGEPAGE_MB
	if a.huge and free_hugepages() < need:
		die('needs %d free 2 MiB hugepages (%d free): run ./devtools/setup.sh as root, '
		    'or pass --no-huge' % (need, free_hugepages()), a.skip_rc)


def machine_info():
	info = {'kernel': os.uname().release, 'cpus': os.cpu_count(), 'cpu': '',
	        'loadavg_start': list(os.getloadavg())}
	try:
		with open('/proc/cpuinfo') as f:
			m = re.search(r'^model name\s*:\s*(.*)$', f.read(), re.M)
			info['cpu'] = m.group(1) if m else ''
	except OSError:
		pass
	try:
		info['dpdk_testpmd'] = subprocess.run(
			['dpkg-query', '-W', '-f', '${Version}', 'dpdk'], capture_output=True,
			text=True).stdout
	except OSError:
		info['dpdk_testpmd'] = ''
	return info


# --- backend ------------------------------------------------------------------

def pinned(cpu):
	"""preexec_fn: the child runs on cpu only."""
	return lambda: os.sched_setaffinity(0, {cpu})


class Server:
	"""A vhost-user server process: __enter__ starts command() and waits
	for its socket, __exit__ stops it (stdin closed, SIGINT, then kill)."""

	# seconds to wait for an exit after SIGINT (a process under valgrind
	# writes its profile first)
	stop_timeout = 10
	# seconds to wait for the socket and ready()
	start_timeout = 20

	def __init__(self, a, log, sock_name):
		self.a, self.log = a, log
		self.proc = None
		self.sock = os.path.join(a.work, sock_name)

	def __enter__(self):
		if os.path.exists(self.sock):
			os.unlink(self.sock)
		self.logf = open(self.log, 'w')
		self.proc = subprocess.Popen(self.command(), stdin=subprocess.PIPE, stdout=self.logf,
		                             stderr=subprocess.STDOUT, preexec_fn=self.preexec(),
		                             env=self.env())
		deadline = time.monotonic() + self.start_timeout
		while time.monotonic() < deadline:
			if os.path.exists(self.sock) and self.ready():
				return self
			if self.proc.poll() is not None:
				break
			time.sleep(0.1)
		self.stop()
		with open(self.log) as f:
			tail = f.read().splitlines()[-8:]
		die('the backend (%s) did not create %s:\n  %s'
		    % (self.what(), self.sock, '\n  '.join(tail)))

	def preexec(self):
		return None

	def env(self):
		return None  # inherit

	def ready(self):
		"""True once the server answers on its socket (the socket exists)."""
		return True

	def stop(self):
		if self.proc is None:
			return
		if self.proc.poll() is None:
			self.proc.stdin.close()  # EOF: an interactive testpmd quits
			self.proc.send_signal(signal.SIGINT)
			try:
				self.proc.wait(self.stop_timeout)
			except subprocess.TimeoutExpired:
				self.proc.kill()
				self.proc.wait()
		self.proc = None
		self.logf.close()

	def __exit__(self, *exc):
		self.stop()

	def alive(self):
		return self.proc is not None and self.proc.poll() is None


class TestpmdVhost(Server):
	"""dpdk-testpmd with one net_vhost port (the vhost-user server). Mode
	None: a stalled backend (interactive, never started: it serves the
	vhost-user protocol but moves no packet)."""

	def __init__(self, a, mode, pkt_size, log):
		super().__init__(a, log, 'vhost-net.sock')
		self.mode, self.pkt_size = mode, pkt_size

	def what(self):
		return 'testpmd net_vhost, %s' % self.mode

	def memory(self):
		return memory_args(self.a.huge, BACKEND_MB, 'arena-be')

	def command(self):
		a = self.a
		cmd = (['dpdk-testpmd', '--lcores', '0@%d,1@%d' % (a.frontend_cpu, a.backend_cpu),
		        '--no-pci', '--log-level=error']
		       + self.memory()
		       + ['--vdev', 'net_vhost0,iface=%s,queues=1' % self.sock, '--',
		          '--nb-cores=1', '--total-num-mbufs=16384', '--txpkts=%d' % self.pkt_size])
		if self.mode is None:
			cmd.append('-i')  # waits for commands on its stdin, a pipe kept open
		else:
			# without a stats period a non-interactive testpmd exits at stdin EOF
			cmd += ['--forward-mode=%s' % self.mode, '--stats-period', '1']
		return cmd


class CallgrindTestpmd(TestpmdVhost):
	"""TestpmdVhost under callgrind with vireo_vhost_gate.so preloaded
	(app/vhost-gate/vhost_gate.c): collection only inside the gate's
	trampolines around rte_vhost_dequeue_burst / rte_vhost_enqueue_burst,
	which it calls only for full bursts; its counts go to counts_path."""

	stop_timeout = 120
	start_timeout = 120

	def __init__(self, a, mode, pkt_size, log, cg_out, counts_path):
		super().__init__(a, mode, pkt_size, log)
		self.cg_out, self.counts_path = cg_out, counts_path

	def what(self):
		return 'testpmd net_vhost under callgrind, %s' % self.mode

	def memory(self):
		return memory_args(VALGRIND_HUGE, BACKEND_MB, 'arena-be-cg')

	def command(self):
		return (['valgrind', '--tool=callgrind', '--fair-sched=yes',
		         '--callgrind-out-file=' + self.cg_out, '--collect-atstart=no']
		        + ['--toggle-collect=%s' % t for t, _ in GATE_FNS.values()]
		        + super().command())

	def env(self):
		env = dict(os.environ)
		env['LD_PRELOAD'] = self.a.gate
		env['VIREO_VHOST_GATE_OUT'] = self.counts_path
		return env

	def ready(self):
		# under valgrind the socket exists well before testpmd serves it
		with open(self.log, errors='replace') as f:
			return 'start packet forwarding' in f.read()


class QsdBlk(Server):
	"""qemu-storage-daemon exporting a null-co node as vhost-user-blk, one
	queue, on --backend-cpu (its main loop does all the work)."""

	def __init__(self, a, log):
		super().__init__(a, log, 'vhost-blk.sock')

	def what(self):
		return 'qemu-storage-daemon, null-co'

	def command(self):
		return [QSD, '--blockdev', BLK_NULL + ',node-name=d0', '--export',
		        'type=vhost-user-blk,id=e0,node-name=d0,addr.type=unix,addr.path=%s,'
		        'writable=on,num-queues=1' % self.sock]

	def preexec(self):
		return pinned(self.a.backend_cpu)


def backend_for(a, wl, pkt_size, tag):
	return TestpmdVhost(a, wl.backend_mode, pkt_size,
	                    os.path.join(a.out_dir, 'arena-backend-%s.log' % tag))


# --- frontend -----------------------------------------------------------------

def vdev(a, drv, sock):
	return (a.ours_vdev if drv == 'ours' else a.upstream_vdev).format(sock=sock)


def perf_cmd(a, vdev_arg, args, json_path, duration, warmup, period, huge=None):
	"""vireo-perf on one vdev: the same EAL arguments for every run (main
	lcore with the backend, the worker on --frontend-cpu); huge: hugepage
	memory or not (default --no-huge's opposite)."""
	return ([a.perf, '--lcores', '0@%d,1@%d' % (a.backend_cpu, a.frontend_cpu),
	         '--no-pci', '--no-telemetry', '--log-level=error', '-d', a.plugin]
	        + memory_args(a.huge if huge is None else huge, FRONTEND_MB, 'arena-fe')
	        + ['--vdev', vdev_arg, '--'] + args
	        + ['--duration', str(duration), '--warmup', str(warmup),
	           '--stats-period', str(period), '--json', json_path])


def frontend_cmd(a, drv, wl, pkt_size, sock, json_path, duration, warmup, period, huge=None):
	return perf_cmd(a, vdev(a, drv, sock), wl.frontend + ['--pkt-size', str(pkt_size)],
	                json_path, duration, warmup, period, huge)


def run_frontend(a, wl, tag, cmd_for, live=None):
	"""One vireo-perf run, cmd_for(json_path, stats_period) its command;
	its JSON document, or None (and why, logged)."""
	json_path = os.path.join(a.out_dir, 'arena-%s.json.tmp' % tag)
	if os.path.exists(json_path):
		os.unlink(json_path)
	cmd = cmd_for(json_path, 1 if live else 0)
	log = os.path.join(a.out_dir, 'arena-frontend-%s.log' % tag)
	out = []
	with open(log, 'w') as f:
		f.write(' '.join(cmd) + '\n')
		f.flush()
		p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
		# A frontend that hangs (e.g. a backend that stopped answering) is killed.
		watchdog = threading.Timer(a.seconds + a.warmup + 30, p.kill)
		watchdog.start()
		try:
			for line in p.stdout:
				f.write(line)
				out.append(line)
				if live and wl.is_live(line):
					live(line.rstrip())
			p.wait()
		finally:
			watchdog.cancel()
	doc = None
	if p.returncode == 0 and os.path.exists(json_path):
		with open(json_path) as f:
			doc = json.load(f)
		os.unlink(json_path)
	if doc is None:
		for x in out[-6:]:
			say('arena:   | ' + x.rstrip())
		say('arena:   -> FAILED (status %s, log %s)' % (p.returncode, log))
	return doc


# --- net: interleaved A/B -------------------------------------------------------

def orders(n):
	return DRIVERS if n % 2 == 0 else DRIVERS[::-1]


def expected_pmd(a, drv):
	"""The PMD a default vdev must end up on (None: a custom vdev)."""
	ours, upstream = VDEVS[a.rings]
	if drv == 'ours' and a.ours_vdev == ours:
		return OURS_PMD
	if drv == 'upstream' and a.upstream_vdev == upstream:
		return UPSTREAM_PMD
	return None


class NetArena:
	def __init__(self, a):
		self.a = a
		self.runs = []
		self.failures = []

	def run_point(self, wl, size, live=None):
		"""Every round of one (workload, size) against one backend."""
		a = self.a
		tag = '%s-%d' % (wl.name, size)
		with backend_for(a, wl, size, tag) as be:
			for r in range(1, a.runs + 1):
				for drv in orders(r - 1):
					self.one(wl, size, r, drv, be, live)

	def one(self, wl, size, r, drv, be, live):
		a = self.a
		key = {'round': r, 'driver': drv, 'workload': wl.name, 'pkt_size': size}
		if not be.alive():
			key['error'] = 'backend exited (see its log)'
			self.failures.append(key)
			say('arena: %-6s %4d B round %d %-8s FAILED: backend exited'
			    % (wl.name, size, r, drv))
			return
		if live:
			say('arena: --- %s %d B, round %d/%d: %s (%s) ---'
			    % (wl.name, size, r, a.runs, drv, vdev(a, drv, be.sock).split(',')[0]))
		doc = run_frontend(a, wl, '%s-%d-%s' % (wl.name, size, drv),
		                   lambda j, period: frontend_cmd(a, drv, wl, size, be.sock, j,
		                                                  a.seconds, a.warmup, period),
		                   live)
		if doc is None:
			key['error'] = 'vireo-perf failed'
			self.failures.append(key)
			return
		want = expected_pmd(a, drv)
		run = dict(key, pmd=doc.get('driver'), mpps=wl.value(doc), total=doc['total'],
		           lifetime=doc['ports'][0].get('lifetime'),
		           rxd=doc['ports'][0].get('rxd'), txd=doc['ports'][0].get('txd'),
		           host_load1=os.getloadavg()[0])
		if want and run['pmd'] != want:
			key['error'] = '%s ran on %s, not %s' % (drv, run['pmd'], want)
			self.failures.append(key)
		self.runs.append(run)
		say('arena: %-6s %4d B round %d %-8s %8.3f Mpps  [%s]%s'
		    % (wl.name, size, r, drv, run['mpps'], run['pmd'],
		       '  ' + key['error'] if 'error' in key else ''))

	def summary(self, workloads, sizes):
		rows = []
		for wl in workloads:
			for size in sizes:
				by = {d: {r['round']: r['mpps'] for r in self.runs
				          if r['driver'] == d and r['workload'] == wl.name and
				          r['pkt_size'] == size} for d in DRIVERS}
				rows.append(summary_row({'workload': wl.name, 'pkt_size': size}, by))
		return rows


def print_net_table(rows, pmds, a):
	print_table('Mpps (%s), median of %d run(s) of %d s (min-max); ours: %s, upstream: %s'
	            % ('txonly: frontend tx; rxonly, io: frontend rx', a.runs, a.seconds,
	               pmds['ours'], pmds['upstream']),
	            [('load', 'workload', 6), ('bytes', 'pkt_size', 5)], rows)


def parse_list(s, allowed, what):
	out = [x.strip() for x in s.split(',') if x.strip()]
	for x in out:
		if x not in allowed:
			die('unknown %s %r (%s)' % (what, x, ', '.join(allowed)), 2)
	return out


def parse_sizes(s):
	try:
		sizes = [int(x) for x in s.split(',') if x.strip()]
	except ValueError:
		die('--sizes takes a comma list of frame bytes', 2)
	for x in sizes:
		if not 64 <= x <= 2048:
			die('packet size %d out of 64..2048 (one mbuf: both drivers, testpmd)' % x, 2)
	return sizes


def doc_head(a, tool):
	return {'tool': tool,
	        'date': datetime.datetime.now().astimezone().isoformat(timespec='seconds'),
	        'machine': machine_info(),
	        'config': {'runs': a.runs, 'seconds': a.seconds, 'warmup': a.warmup,
	                   'ours_vdev': a.ours_vdev, 'upstream_vdev': a.upstream_vdev,
	                   'hugepages': a.huge, 'backend_cpu': a.backend_cpu,
	                   'frontend_cpu': a.frontend_cpu,
	                   'frontend': 'vireo-perf (-d librte_net_vireo.so for both)',
	                   'backend': 'dpdk-testpmd --vdev net_vhost0,queues=1, '
	                              'complementary forward mode'}}


def pmds_of(runs):
	return {d: ','.join(sorted({str(r['pmd']) for r in runs if r['driver'] == d})) or '?'
	        for d in DRIVERS}


def cmd_net(a):
	workloads = [NET_WORKLOADS[w] for w in parse_list(a.workloads, NET_WORKLOADS,
	                                                   'workload')]
	sizes = parse_sizes(a.sizes)
	prepare(a)
	doc = doc_head(a, 'arena-net')
	t0 = time.monotonic()
	say('arena net: %s x %s B x ours/upstream x %d run(s), %d s + %d s warm-up each; '
	    'backend on CPU %d, frontend on CPU %d'
	    % ('/'.join(w.name for w in workloads), '/'.join(map(str, sizes)), a.runs,
	       a.seconds, a.warmup, a.backend_cpu, a.frontend_cpu))
	say('  ours:     %s\n  upstream: %s' % (a.ours_vdev, a.upstream_vdev))
	na = NetArena(a)
	for wl in workloads:
		for size in sizes:
			na.run_point(wl, size)
	rows = na.summary(workloads, sizes)
	pmds = pmds_of(na.runs)
	print_net_table(rows, pmds, a)
	doc['machine']['loadavg_end'] = list(os.getloadavg())
	doc['config'].update(workloads=[w.name for w in workloads], sizes=sizes)
	doc.update(pmd=pmds, summary=rows, runs=na.runs, failed=na.failures)
	out = os.path.join(a.out_dir, 'arena-net.json')
	write_json(out, doc)
	png = None if a.no_plot or not na.runs else plot(a, na.runs, doc['date'])
	say('\nJSON: %s%s   (%.0f s; host load %.1f -> %.1f)'
	    % (out, '   plot: %s' % png if png else '', time.monotonic() - t0,
	       doc['machine']['loadavg_start'][0], doc['machine']['loadavg_end'][0]))
	if na.failures or not na.runs:
		die('%d run(s) failed or ran on the wrong driver' % len(na.failures))
	return 0


def plot(a, runs, date):
	"""Mpps against packet size, a line per (driver, workload), through
	devtools/plot-perf.py (gnuplot)."""
	if shutil.which('gnuplot') is None:
		say('arena: no gnuplot, no plot (run ./devtools/setup.sh)')
		return None
	tmp = os.path.join(a.out_dir, 'arena-net-plot.jsonl')
	with open(tmp, 'w') as f:
		for r in runs:
			f.write(json.dumps({'driver': '%s %s' % (r['driver'], r['workload']),
			                    'pkt_size': r['pkt_size'], 'total': r['total']}) + '\n')
	png = os.path.join(a.out_dir, 'arena-net.png')
	title = ('host arena (vhost-user, testpmd net_vhost backend): net_vireo_user vs '
	         'net_virtio_user, %s' % date[:10])
	res = subprocess.run([sys.executable, os.path.join(ROOT, 'devtools', 'plot-perf.py'),
	                      tmp, '-o', png, '--title', title],
	                     capture_output=True, text=True)
	if res.returncode != 0:
		say('arena: plot failed: %s' % (res.stderr.strip() or res.stdout))
		return None
	return png


# --- blk: blk_vireo_user over qemu-storage-daemon ------------------------------

BLK_TOOLS = ('vireo-perf', 'fio', 'fio-nolat', 'qemu-img')
# fio as a storage user sets it up for a throughput comparison with an SPDK-style
# plugin: job threads, no random map (it costs fio ~200 instructions per I/O
# and a null device has nothing to cover), the TSC as clock. 'fio' keeps
# fio's latency statistics (two clock reads and two histogram updates per
# I/O), 'fio-nolat' drops them (gtod_reduce=1), as vireo-perf's numbers come
# with latency always on.
FIO_FAIR = ['--thread=1', '--norandommap=1', '--clocksource=cpu']
FIO_NOLAT = ['--gtod_reduce=1']


def rotate(seq, n):
	n %= len(seq)
	return tuple(seq[n:]) + tuple(seq[:n])


def parse_depths(s):
	try:
		depths = [int(x) for x in s.split(',') if x.strip()]
	except ValueError:
		die('--depths takes a comma list of queue depths', 2)
	if not depths or any(not 1 <= d <= 256 for d in depths):
		die('queue depths are 1..256 (one queue of 256 entries at most here)', 2)
	return depths


class BlkArena:
	"""Per (workload, depth): one qemu-storage-daemon, a.runs rounds of
	the tools in a rotating order. IOPS in self.runs."""

	def __init__(self, a, tools):
		self.a, self.tools = a, tools
		self.runs, self.failures = [], []
		self.counts = {}  # (workload, depth): qemu-img bench request count

	def run_point(self, wl, depth, live=None):
		a = self.a
		tag = 'blk-%s-%d' % (wl.name, depth)
		with QsdBlk(a, os.path.join(a.out_dir, 'arena-backend-%s.log' % tag)) as be:
			for r in range(1, a.runs + 1):
				for tool in rotate(self.tools, r - 1):
					self.one(wl, depth, r, tool, be, live)

	def one(self, wl, depth, r, tool, be, live):
		key = {'round': r, 'tool': tool, 'workload': wl.name, 'depth': depth}
		if tool != 'qemu-img' and not be.alive():
			key['error'] = 'qemu-storage-daemon exited (see its log)'
			self.failures.append(key)
			say('arena: %-9s QD%-3d round %d %-10s FAILED: qemu-storage-daemon exited'
			    % (wl.name, depth, r, tool))
			return
		tag = 'blk-%s-%d-%s-r%d' % (wl.name, depth, tool, r)
		run = {'vireo-perf': self.perf, 'fio': self.fio, 'fio-nolat': self.fio_nolat,
		       'qemu-img': self.ceiling}[tool](wl, depth, be, tag, live)
		if run is None:
			key['error'] = '%s failed' % tool
			self.failures.append(key)
			return
		run = dict(key, host_load1=os.getloadavg()[0], **run)
		self.runs.append(run)
		say('arena: %-9s QD%-3d round %d %-10s %9.0f IOPS%s'
		    % (wl.name, depth, r, tool, run['iops'],
		       '  [%s]' % run['driver'] if run.get('driver') else ''))

	def perf(self, wl, depth, be, tag, live):
		a = self.a
		if live:
			say('arena: --- %s QD%d: vireo-perf on %s ---' % (wl.name, depth, BLK_VDEV.format(
				sock=be.sock)))
		doc = run_frontend(a, wl, tag, lambda j, period: perf_cmd(
			a, BLK_VDEV.format(sock=be.sock), wl.frontend + ['--iodepth', str(depth)], j,
			a.seconds, a.warmup, period), live)
		if doc is None:
			return None
		return {'iops': wl.value(doc), 'driver': doc.get('device', {}).get('driver'),
		        'latency_us': doc.get('latency_us'), 'measured': doc.get('measured')}

	def fio_nolat(self, wl, depth, be, tag, live):
		return self.fio(wl, depth, be, tag, live, FIO_NOLAT)

	def fio(self, wl, depth, be, tag, live, extra=()):
		"""Stock fio with fio_vireo.so on the same socket, its job thread on
		--frontend-cpu (EAL's main lcore too: fio's threads are EAL's),
		options FIO_FAIR (+ extra)."""
		a = self.a
		out = os.path.join(a.out_dir, 'arena-%s.json' % tag)
		eal = (['--lcores', '0@%d' % a.frontend_cpu, '--no-pci', '--no-telemetry',
		        '--log-level=*:error'] + memory_args(a.huge, FRONTEND_MB, 'arena-fio'))
		cmd = (['fio', '--name=arena', '--ioengine=external:' + a.fio_engine] + FIO_FAIR
		       + list(extra) + ['--vhost_user=' + be.sock, '--eal_args=' + ' '.join(eal),
		       '--rw=' + wl.name, '--bs=%d' % BLK_BS, '--iodepth=%d' % depth,
		       '--size=%d' % BLK_SIZE, '--time_based=1', '--runtime=%d' % a.seconds,
		       '--output-format=json', '--output=' + out])
		if a.warmup:
			cmd.append('--ramp_time=%d' % a.warmup)
		rc, log = run_logged(a, tag, cmd, a.seconds + a.warmup + 60, a.frontend_cpu)
		try:
			with open(out) as f:
				job = json.load(f)['jobs'][0]
		except (OSError, ValueError, KeyError, IndexError):
			job = None
		if rc != 0 or job is None:
			with open(log) as f:
				for x in f.read().splitlines()[-6:]:
					say('arena:   | ' + x)
			say('arena:   -> fio FAILED (status %s, log %s)' % (rc, log))
			return None
		op = 'write' if 'write' in wl.name else 'read'
		return {'iops': float(job[op]['iops']), 'fio_error': job.get('error')}

	def ceiling(self, wl, depth, be, tag, live):
		"""qemu-img bench on a null-co node of its own at the same depth:
		QEMU's block layer alone, on --backend-cpu (where qsd runs). Its
		request count is calibrated once per point to last about
		--seconds."""
		a = self.a
		k = (wl.name, depth)
		if k not in self.counts:
			secs = self.qemu_img(wl, depth, 20000, 'blk-%s-%d-calibrate' % k)
			if secs is None:
				return None
			self.counts[k] = max(20000, int(20000 / max(secs, 1e-3) * a.seconds))
		secs = self.qemu_img(wl, depth, self.counts[k], tag)
		if secs is None:
			return None
		return {'iops': self.counts[k] / secs, 'count': self.counts[k], 'seconds': secs}

	def qemu_img(self, wl, depth, count, tag):
		cmd = ['qemu-img', 'bench', '--image-opts', '-c', str(count), '-d', str(depth),
		       '-s', str(BLK_BS)] + (['-w'] if 'write' in wl.name else []) + [BLK_NULL]
		rc, log = run_logged(self.a, tag, cmd, 120, self.a.backend_cpu)
		with open(log) as f:
			m = re.search(r'Run completed in ([0-9.]+) seconds', f.read())
		if rc != 0 or not m or float(m.group(1)) <= 0:
			say('arena:   -> qemu-img bench FAILED (status %s, log %s)' % (rc, log))
			return None
		return float(m.group(1))


def run_logged(a, tag, cmd, timeout, cpu):
	"""cmd on cpu, its output in arena-TAG.log; (exit status, log path)."""
	log = os.path.join(a.out_dir, 'arena-%s.log' % tag)
	with open(log, 'w') as f:
		f.write(' '.join(cmd) + '\n')
		f.flush()
		try:
			rc = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, timeout=timeout,
			                    preexec_fn=pinned(cpu)).returncode
		except subprocess.TimeoutExpired:
			rc = 'timeout'
	return rc, log


def blk_summary(runs, workloads, depths, tools):
	rows = []
	for wl in workloads:
		for d in depths:
			row = {'workload': wl.name, 'depth': d}
			for t in tools:
				vals = [r['iops'] for r in sorted(runs, key=lambda r: r['round'])
				        if r['tool'] == t and r['workload'] == wl.name and r['depth'] == d]
				row[t] = {'median': med(vals), 'all': vals}
			p = row.get('vireo-perf', {}).get('median')
			row['perf_ceiling'] = ratio(p, row.get('qemu-img', {}).get('median'))
			row['fio_perf'] = ratio(row.get('fio', {}).get('median'), p)
			row['fio_nolat_perf'] = ratio(row.get('fio-nolat', {}).get('median'), p)
			rows.append(row)
	return rows


def kiops(v):
	return '%.1fK' % (v / 1e3) if v is not None else '-'


def print_blk_table(rows, tools, a):
	def cell(x):
		if not x or x['median'] is None:
			return '%-24s' % '-'
		vs = x['all']
		return '%-24s' % ('%7s (%s-%s)' % (kiops(x['median']), kiops(min(vs)), kiops(max(vs)))
		                  if len(vs) > 1 else '%7s' % kiops(x['median']))
	say('\nIOPS, 4 KiB, one queue, median of %d run(s) of %d s (min-max); qemu-storage-daemon '
	    'null-co' % (a.runs, a.seconds))
	say('%-9s %4s %s %9s %8s %10s' % ('load', 'QD', ''.join('%-24s' % t for t in tools),
	                                  'perf/ceil', 'fio/perf', 'nolat/perf'))
	for r in rows:
		say('%-9s %4d %s %9s %8s %10s' % (r['workload'], r['depth'],
		                                  ''.join(cell(r.get(t)) for t in tools),
		                                  fmt(r['perf_ceiling'], 0, 2), fmt(r['fio_perf'], 0, 2),
		                                  fmt(r.get('fio_nolat_perf'), 0, 2)))
	say('vireo-perf: --mode blk on %s; fio: fio_vireo.so (vhost_user=) with %s; fio-nolat: '
	    'the same with %s (no latency statistics); qemu-img: qemu-img bench on null-co, '
	    'QEMU\'s block layer alone (the ceiling; sequential, which costs null-co the same). '
	    'perf/ceil = vireo-perf/qemu-img, fio/perf and nolat/perf = fio/vireo-perf (medians)'
	    % (BLK_VDEV.split(',')[0], ' '.join(FIO_FAIR), ' '.join(FIO_NOLAT)))


def cmd_blk(a):
	workloads = [BLK_WORKLOADS[w] for w in parse_list(a.workloads, BLK_WORKLOADS,
	                                                  'workload')]
	depths = parse_depths(a.depths)
	prepare(a, server=QSD, mb=FRONTEND_MB)
	tools = ['vireo-perf']
	if shutil.which('fio') is None or not os.path.exists(a.fio_engine):
		say('arena: no fio or no %s: no fio column (run ./devtools/setup.sh, build)'
		    % a.fio_engine)
	else:
		tools += ['fio', 'fio-nolat']
	if shutil.which('qemu-img') is None:
		say('arena: no qemu-img: no ceiling column (run ./devtools/setup.sh)')
	else:
		tools.append('qemu-img')
	doc = doc_head(a, 'arena-blk')
	for k in ('ours_vdev', 'upstream_vdev'):
		del doc['config'][k]
	doc['config'].update(
		workloads=[w.name for w in workloads], depths=depths, tools=tools, bs=BLK_BS,
		vdev=BLK_VDEV, fio_engine=a.fio_engine,
		frontend='vireo-perf --mode blk; fio with fio_vireo.so, %s (fio-nolat: + %s)'
		         % (' '.join(FIO_FAIR), ' '.join(FIO_NOLAT)),
		backend='%s --blockdev %s --export type=vhost-user-blk,num-queues=1'
		        % (QSD, BLK_NULL),
		ceiling='qemu-img bench --image-opts %s' % BLK_NULL)
	t0 = time.monotonic()
	say('arena blk: %s x QD %s x %s x %d run(s), %d s + %d s warm-up each; '
	    'qemu-storage-daemon (null-co) on CPU %d, frontends on CPU %d'
	    % ('/'.join(w.name for w in workloads), '/'.join(map(str, depths)),
	       '/'.join(tools), a.runs, a.seconds, a.warmup, a.backend_cpu, a.frontend_cpu))
	ba = BlkArena(a, tools)
	for wl in workloads:
		for d in depths:
			ba.run_point(wl, d)
	rows = blk_summary(ba.runs, workloads, depths, tools)
	print_blk_table(rows, tools, a)
	doc['machine']['loadavg_end'] = list(os.getloadavg())
	doc.update(summary=rows, runs=ba.runs, failed=ba.failures)
	out = os.path.join(a.out_dir, 'arena-blk.json')
	write_json(out, doc)
	say('\nJSON: %s   (%.0f s; host load %.1f -> %.1f)'
	    % (out, time.monotonic() - t0, doc['machine']['loadavg_start'][0],
	       doc['machine']['loadavg_end'][0]))
	if ba.failures or not ba.runs:
		die('%d run(s) failed' % len(ba.failures))
	return 0


# --- ipp: instructions per packet under callgrind ---------------------------------

RX_FN, TX_FN = 'perf_eth_rx_burst', 'perf_eth_tx_burst'
RX_EMPTY_FN, TX_NONE_FN = 'perf_eth_rx_empty', 'perf_eth_tx_none'
# Against a stalled backend (moves nothing): rxonly polls an empty ring, txonly
# fills the ring once and then offers bursts that are refused -> the cost of
# one empty rx poll and of one refused tx burst, per driver. The few bursts
# that filled the ring are counted in too (a bias below 1 %).
IDLE = {'rx': Workload('rx-idle', ['--forward-mode', 'rxonly'], None, 'rx_pps',
                       'empty rx polls'),
        'tx': Workload('tx-full', ['--forward-mode', 'txonly'], None, 'tx_pps',
                       'tx bursts on a full ring')}


def callgrind_edges(path):
	"""{(caller, callee): [calls, inclusive Ir]} summed over every call site
	in a callgrind output file (name compression: '(id) name' defines an id;
	fn= names the caller, cfn= the callee of the calls= line that follows)."""
	names, out, caller, callee = {}, {}, None, None
	with open(path) as f:
		lines = f.read().splitlines()
	i = 0
	while i < len(lines):
		line = lines[i]
		m = re.match(r'^(c?fn)=\((\d+)\)(?: (.*))?$', line)
		if m:
			if m.group(3):
				names[m.group(2)] = m.group(3)
			if m.group(1) == 'fn':
				caller = names.get(m.group(2))
			else:
				callee = names.get(m.group(2))
		elif line.startswith('calls=') and callee is not None and i + 1 < len(lines):
			n = int(line[6:].split()[0])
			ir = int(lines[i + 1].split()[1])
			c = out.setdefault((caller, callee), [0, 0])
			c[0] += n
			c[1] += ir
			i += 1
		i += 1
	return out


def callgrind_calls(path):
	"""{function: [calls, inclusive Ir]} summed over every caller."""
	out = {}
	for (_, callee), (n, ir) in callgrind_edges(path).items():
		c = out.setdefault(callee, [0, 0])
		c[0] += n
		c[1] += ir
	return out


def run_callgrind(a, drv, wl, size, be, tag):
	"""vireo-perf under callgrind, collecting only inside the burst
	wrappers; (calls, vireo-perf JSON) or (None, None)."""
	json_path = os.path.join(a.out_dir, 'ipp-%s.json' % tag)
	cg_out = os.path.join(a.out_dir, 'ipp-%s.callgrind' % tag)
	for p in (json_path, cg_out):
		if os.path.exists(p):
			os.unlink(p)
	cmd = (['valgrind', '--tool=callgrind', '--callgrind-out-file=' + cg_out,
	        '--collect-atstart=no', '--toggle-collect=%s*' % RX_FN,
	        '--toggle-collect=%s*' % TX_FN]
	       + frontend_cmd(a, drv, wl, size, be.sock, json_path, a.cg_seconds, 0, 0,
	                      VALGRIND_HUGE))
	log = os.path.join(a.out_dir, 'ipp-%s.log' % tag)
	with open(log, 'w') as f:
		rc = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT,
		                    timeout=a.cg_seconds + 180).returncode
	if rc != 0 or not os.path.exists(json_path) or not os.path.exists(cg_out):
		say('arena: callgrind run %s failed (status %d, log %s)' % (tag, rc, log))
		return None, None
	with open(json_path) as f:
		doc = json.load(f)
	return callgrind_calls(cg_out), doc


def ipp_figures(calls, doc, wl, idle):
	"""Instructions per packet of the driver's bursts, with the empty rx
	polls and refused tx bursts taken out at their idle-run cost: what
	is left does not depend on how fast the backend was."""
	rx_calls, rx_ir = calls.get(RX_FN, [0, 0])
	tx_calls, tx_ir = calls.get(TX_FN, [0, 0])
	rx_empty = calls.get(RX_EMPTY_FN, [0, 0])[0]
	tx_none = calls.get(TX_NONE_FN, [0, 0])[0]
	life = doc['ports'][0]['lifetime']
	rx_pk, tx_pk = life['rx_packets'], life['tx_packets']
	rx_work = rx_ir - rx_empty * idle['rx']
	tx_work = tx_ir - tx_none * idle['tx']
	f = {'rx_calls': rx_calls, 'rx_empty': rx_empty, 'rx_ir': rx_ir, 'tx_calls': tx_calls,
	     'tx_none': tx_none, 'tx_ir': tx_ir, 'rx_packets': rx_pk, 'tx_packets': tx_pk,
	     'rx_ipp': rx_work / rx_pk if rx_pk else None,
	     'tx_ipp': tx_work / tx_pk if tx_pk else None}
	pk = tx_pk if wl.figure == 'tx_pps' else rx_pk
	f['ipp'] = (rx_work + tx_work) / pk if pk else None
	return f


def idle_costs(a):
	"""{driver: {'rx': empty poll, 'tx': refused burst}} in instructions."""
	out = {d: {} for d in DRIVERS}
	for kind, wl in IDLE.items():
		fn = RX_FN if kind == 'rx' else TX_FN
		with backend_for(a, wl, 64, 'ipp-' + wl.name) as be:
			for drv in DRIVERS:
				calls, _ = run_callgrind(a, drv, wl, 64, be, '%s-%s' % (wl.name, drv))
				if calls is None or not calls.get(fn, [0])[0]:
					die('the %s run of %s gave no figures' % (wl.name, drv))
				c, ir = calls[fn]
				out[drv][kind] = ir / c
				say('arena: %-8s %-8s %.1f instructions per call (%d calls)'
				    % (wl.name, drv, out[drv][kind], c))
	return out


# --- ipp --side backend: the vhost library's instructions per packet -----------------

# direction: (the gate's trampoline, callgrind's --toggle-collect; the library
# function it calls, whose inclusive cost is the figure)
GATE_FNS = {'dequeue': ('vireo_vhost_dequeue', 'rte_vhost_dequeue_burst'),
            'enqueue': ('vireo_vhost_enqueue', 'rte_vhost_enqueue_burst')}


def backend_figures(edges, counts):
	"""{direction: {calls, skipped, partial, packets, ir, ipp}} and 'ipp':
	the sum over the directions of the library's instructions per packet it
	moved (io: per forwarded packet, dequeue + enqueue)."""
	f = {}
	for d, (tramp, lib) in GATE_FNS.items():
		c = counts.get(d, {})
		calls, ir = edges.get((tramp, lib), [0, 0])
		pk = c.get('packets', 0)
		f[d] = dict(c, ir=ir, cg_calls=calls, ipp=ir / pk if pk else None)
	moved = [f[d]['ipp'] for d in GATE_FNS if f[d]['ipp'] is not None]
	f['ipp'] = sum(moved) if moved else None
	return f


def run_backend_callgrind(a, drv, wl, size, tag):
	"""The backend under callgrind (collecting in the vhost library's burst
	functions, full bursts only) against drv's vireo-perf run natively for
	--cg-seconds: backend figures, or None (and why, logged)."""
	cg_out = os.path.join(a.out_dir, 'ipp-be-%s.callgrind' % tag)
	counts_path = os.path.join(a.out_dir, 'ipp-be-%s.gate.json' % tag)
	log = os.path.join(a.out_dir, 'arena-backend-ipp-be-%s.log' % tag)
	for p in (cg_out, counts_path):
		if os.path.exists(p):
			os.unlink(p)
	with CallgrindTestpmd(a, wl.backend_mode, size, log, cg_out, counts_path) as be:
		doc = run_frontend(a, wl, 'ipp-be-' + tag,
		                   lambda j, period: frontend_cmd(a, drv, wl, size, be.sock, j,
		                                                  a.cg_seconds, 0, period))
	if doc is None or not os.path.exists(cg_out) or not os.path.exists(counts_path):
		say('arena: backend callgrind run %s failed (logs %s, %s)' % (
		    tag, log, os.path.join(a.out_dir, 'arena-frontend-ipp-be-%s.log' % tag)))
		return None
	with open(counts_path) as f:
		counts = json.load(f)
	fig = backend_figures(callgrind_edges(cg_out), counts)
	fig['pmd'] = doc.get('driver')
	life = doc['ports'][0]['lifetime']
	# the frontend ran natively against the slowed backend: its own figures, as they are
	fig['frontend'] = {'tx_packets': life.get('tx_packets'), 'rx_packets': life.get('rx_packets'),
	                   'tx_unsent': life.get('tx_unsent'), 'mpps': wl.value(doc)}
	want = expected_pmd(a, drv)
	if want and fig['pmd'] != want:
		say('arena: backend run %s: %s ran on %s, not %s' % (tag, drv, fig['pmd'], want))
		return None
	return fig


def backend_ipp_point(a, wl, size, layout):
	"""Both drivers against the backend under callgrind: a row per driver."""
	rows = []
	for drv in DRIVERS:
		tag = '%s-%d-%s-%s' % (wl.name, size, layout, drv)
		f = run_backend_callgrind(a, drv, wl, size, tag)
		row = {'workload': wl.name, 'pkt_size': size, 'rings': layout, 'driver': drv,
		       'vdev': vdev(a, drv, '{sock}')}
		if f is None:
			row['error'] = 'run failed'
		else:
			row['backend'] = f
			say('arena: backend %-6s %4d B %-6s %-8s %7s instr/packet in the vhost library '
			    '(dequeue %s, enqueue %s; %d packets, %d short polls skipped, %d partial)'
			    % (wl.name, size, layout, drv, fmt(f['ipp'], 0, 1),
			       fmt(f['dequeue']['ipp'], 0, 1), fmt(f['enqueue']['ipp'], 0, 1),
			       f['dequeue'].get('packets', 0) + f['enqueue'].get('packets', 0),
			       f['dequeue'].get('skipped', 0) + f['enqueue'].get('skipped', 0),
			       f['dequeue'].get('partial', 0) + f['enqueue'].get('partial', 0)))
		rows.append(row)
	return rows


def print_backend_table(rows):
	say('\nBackend (testpmd net_vhost): instructions per packet in DPDK\'s vhost library '
	    '(callgrind, inclusive; full bursts of 32), by frontend')
	say('%-6s %5s %-6s %-8s %8s %8s %8s   %s' % ('load', 'bytes', 'rings', 'driver', 'dequeue',
	                                             'enqueue', 'backend', 'frontend rx/tx'))
	for r in rows:
		b = r.get('backend', {})
		fe = r.get('frontend_ipp') or {}
		say('%-6s %5d %-6s %-8s %s %s %s   %s' % (
		    r['workload'], r['pkt_size'], r['rings'], r['driver'],
		    fmt(b.get('dequeue', {}).get('ipp'), 8, 1), fmt(b.get('enqueue', {}).get('ipp'), 8, 1),
		    fmt(b.get('ipp'), 8, 1),
		    '%s/%s' % (fmt(fe.get('rx_ipp'), 0, 1), fmt(fe.get('tx_ipp'), 0, 1))
		    if fe else ('FAILED' if 'error' in r else '-')))


def ipp_layouts(a):
	"""The ring layouts to measure: --rings, or both (default vdevs only)."""
	if a.rings != 'both':
		return [a.rings]
	if a.ours_vdev or a.upstream_vdev:
		die('--rings both takes the default vdevs: drop --ours-vdev/--upstream-vdev', 2)
	return ['split', 'packed']


def cmd_ipp(a):
	if shutil.which('valgrind') is None:
		die('valgrind is missing (run ./devtools/setup.sh)')
	workloads = [NET_WORKLOADS[w] for w in parse_list(a.workloads, NET_WORKLOADS,
	                                                   'workload')]
	sizes = parse_sizes(a.sizes)
	layouts = ipp_layouts(a)
	given = (a.ours_vdev, a.upstream_vdev)
	a.rings = layouts[0]
	prepare(a)
	if a.side != 'frontend' and not os.path.exists(a.gate):
		die('%s has no %s: build first' % (a.build_dir, a.gate))
	doc = doc_head(a, 'arena-ipp')
	doc['config'].update(cg_seconds=a.cg_seconds, workloads=[w.name for w in workloads],
	                     sizes=sizes, side=a.side, rings=layouts)
	doc['layouts'] = {}
	failed = 0
	backend_rows = []
	for layout in layouts:
		a.rings = layout
		a.ours_vdev, a.upstream_vdev = given
		resolve_vdevs(a)
		part = doc['layouts'][layout] = {'ours_vdev': a.ours_vdev,
		                                  'upstream_vdev': a.upstream_vdev}
		rows = []
		if a.side != 'backend':
			rows, idle, n = frontend_ipp(a, workloads, sizes)
			failed += n
			print_ipp_table(rows, idle)
			part.update(idle=idle, rows=rows)
		if a.side != 'frontend':
			say('arena ipp --side backend (%s rings): testpmd under callgrind, collecting in '
			    'rte_vhost_dequeue_burst / rte_vhost_enqueue_burst for full bursts '
			    '(vireo_vhost_gate.so); the frontend runs natively for %d s'
			    % (layout, a.cg_seconds))
			for wl in workloads:
				for size in sizes:
					for r in backend_ipp_point(a, wl, size, layout):
						fe = next((x.get(r['driver']) for x in rows
						           if x['workload'] == wl.name and x['pkt_size'] == size),
						          None)
						if fe:
							r['frontend_ipp'] = fe
						failed += 'error' in r
						backend_rows.append(r)
	if backend_rows:
		print_backend_table(backend_rows)
		doc['backend_rows'] = backend_rows
	if len(layouts) == 1 and a.side != 'backend':
		# the single-layout document keeps its earlier shape
		doc.update(idle=doc['layouts'][layouts[0]]['idle'],
		           rows=doc['layouts'][layouts[0]]['rows'])
	out = os.path.join(a.out_dir, 'arena-ipp.json')
	write_json(out, doc)
	say('JSON: %s   callgrind files: %s/ipp-*.callgrind' % (out, a.out_dir))
	if failed:
		die('%d callgrind run(s) failed' % failed)
	return 0


def frontend_ipp(a, workloads, sizes):
	"""The drivers' burst functions under callgrind: (rows, idle costs,
	failed runs)."""
	say('arena ipp: instructions per packet in the drivers\' rx/tx bursts (callgrind, '
	    '--toggle-collect=%s*,%s*), %d s per run' % (RX_FN, TX_FN, a.cg_seconds))
	idle = idle_costs(a)
	rows, failed = [], 0
	for wl in workloads:
		for size in sizes:
			row = {'workload': wl.name, 'pkt_size': size}
			with backend_for(a, wl, size, 'ipp-%s-%d' % (wl.name, size)) as be:
				for drv in DRIVERS:
					tag = '%s-%d-%s' % (wl.name, size, drv)
					calls, d = run_callgrind(a, drv, wl, size, be, tag)
					if calls is None:
						failed += 1
						continue
					f = row[drv] = ipp_figures(calls, d, wl, idle[drv])
					f['pmd'] = d.get('driver')
					say('arena: %-6s %4d B %-8s %7.1f instr/packet (rx %s, tx %s; '
					    '%d packets, %d empty rx polls, %d refused tx bursts)'
					    % (wl.name, size, drv, f['ipp'] or 0, fmt(f['rx_ipp'], 0, 1),
					       fmt(f['tx_ipp'], 0, 1), f['rx_packets']
					       if wl.figure == 'rx_pps' else f['tx_packets'],
					       f['rx_empty'], f['tx_none']))
			if 'ours' in row and 'upstream' in row:
				row['ratio'] = ratio(row['ours']['ipp'], row['upstream']['ipp'])
			rows.append(row)
	return rows, idle, failed


def print_ipp_table(rows, idle):
	say('\nInstructions per packet in the rx/tx bursts (callgrind; io: per forwarded '
	    'packet, rx + tx)')
	say('%-6s %5s %8s %8s %6s   %-17s %-17s' % ('load', 'bytes', 'ours', 'upstream',
	                                             'ratio', 'ours rx/tx', 'upstream rx/tx'))
	for r in rows:
		o, u = r.get('ours', {}), r.get('upstream', {})
		say('%-6s %5d %s %s %s   %-17s %-17s' % (
		    r['workload'], r['pkt_size'], fmt(o.get('ipp'), 8, 1), fmt(u.get('ipp'), 8, 1),
		    fmt(r.get('ratio'), 6, 2),
		    '%s/%s' % (fmt(o.get('rx_ipp'), 0, 1), fmt(o.get('tx_ipp'), 0, 1)),
		    '%s/%s' % (fmt(u.get('rx_ipp'), 0, 1), fmt(u.get('tx_ipp'), 0, 1))))
	say('subtracted above at their idle-run cost: empty rx poll ours %.1f, upstream %.1f; '
	    'refused tx burst ours %.1f, upstream %.1f instructions'
	    % (idle['ours']['rx'], idle['upstream']['rx'], idle['ours']['tx'],
	       idle['upstream']['tx']))


# --- main: the main job's quick A/B ---------------------------------------------------

MAIN_BLK = ('randread', 32)


def main_steps(a):
	"""The main job's steps: (title, function). Each prints its figures and
	returns its JSON part: runs, failed, summary (or skipped: why)."""
	return [('net %s %d B' % (a.workload, a.pkt_size), main_net_step),
	        ('blk %s QD%d' % MAIN_BLK, main_blk_step)]


def live_line(line):
	say('  ' + line)


def main_net_step(a):
	wl = NET_WORKLOADS[a.workload]
	na = NetArena(a)
	na.run_point(wl, a.pkt_size, live=live_line)
	rows = na.summary([wl], [a.pkt_size])
	pmds = pmds_of(na.runs)
	print_net_table(rows, pmds, a)
	r = rows[0]
	if r['ratio'] is not None:
		say('\nnet: ours %.3f Mpps, upstream %.3f Mpps, ratio ours/upstream %.2f'
		    % (r['ours_mpps'], r['upstream_mpps'], r['ratio']))
	return {'summary': rows, 'runs': na.runs, 'pmd': pmds, 'failed': na.failures}


def main_blk_step(a):
	"""One vireo-perf run on blk_vireo_user0 over qemu-storage-daemon
	null-co (no A/B: upstream DPDK has no virtio-blk driver)."""
	if shutil.which(QSD) is None:
		why = '%s is missing (package qemu-system-common, ./devtools/setup.sh)' % QSD
		say('blk step skipped: ' + why)
		return {'skipped': why, 'runs': [], 'failed': []}
	wl, depth = BLK_WORKLOADS[MAIN_BLK[0]], MAIN_BLK[1]
	runs = a.runs
	a.runs = 1
	try:
		ba = BlkArena(a, ('vireo-perf',))
		ba.run_point(wl, depth, live=live_line)
	finally:
		a.runs = runs
	rows = blk_summary(ba.runs, [wl], [depth], ba.tools)
	x = rows[0]['vireo-perf']['median']
	if x is not None:
		say('\nblk: vireo-perf %s QD%d on %s over qemu-storage-daemon null-co: %s IOPS '
		    '(%d s; devtools/vireo arena blk: fio and the qemu-img ceiling)'
		    % (wl.name, depth, BLK_VDEV.split(',')[0], kiops(x), a.seconds))
	return {'summary': rows, 'runs': ba.runs, 'failed': ba.failures}


def cmd_main(a):
	prepare(a)
	t0 = time.monotonic()
	doc = doc_head(a, 'arena-main')
	say('main job: host arena, vhost-user (backend on CPU %d, vireo-perf on CPU %d): net '
	    'ours vs upstream, %d interleaved run(s) of %d s each (testpmd net_vhost); blk %s '
	    'QD%d, one run (qemu-storage-daemon null-co)'
	    % ((a.backend_cpu, a.frontend_cpu, a.runs, a.seconds) + MAIN_BLK))
	say('  ours:     %s\n  upstream: %s\n  blk:      %s'
	    % (a.ours_vdev, a.upstream_vdev, BLK_VDEV))
	failures, steps = [], {}
	for title, step in main_steps(a):
		say('\n=== %s ===' % title)
		steps[title] = step(a)
		failures += steps[title]['failed']
	doc['machine']['loadavg_end'] = list(os.getloadavg())
	doc['config'].update(workload=a.workload, pkt_size=a.pkt_size)
	doc['steps'] = steps
	out = os.path.join(a.out_dir, 'arena-main.json')
	write_json(out, doc)
	say('JSON: %s   (%.0f s)   more: devtools/vireo arena net | ipp; the QEMU guest run: '
	    'devtools/main-job.sh --guest' % (out, time.monotonic() - t0))
	if failures or not all(s['runs'] or 'skipped' in s for s in steps.values()):
		die('%d run(s) failed or ran on the wrong driver' % len(failures))
	return 0


# --- entry --------------------------------------------------------------------------

def resolve_vdevs(a):
	"""The --rings defaults for the vdevs not given."""
	ours, upstream = VDEVS[a.rings]
	a.ours_vdev = a.ours_vdev or ours
	a.upstream_vdev = a.upstream_vdev or upstream


# --- kicks: the doorbells EVENT_IDX saves ---------------------------------------

KICK_NET_VDEV = 'net_vireo_user0,path={sock},%s,packed=%%d,event_idx=%%d' % RING
KICK_BLK_VDEV = BLK_VDEV + ',event_idx=%d'


def kick_row(what, runs):
	"""Doorbells per packet (net) or per I/O (blk), event_idx=1 against 0."""
	row = {'what': what}
	for ev, doc in runs.items():
		if doc is None:
			row['event_idx=%d' % ev] = None
			continue
		if 'measured' in doc:
			fig = doc['measured']
			work, rate = fig.get('ios', 0), fig.get('iops', 0.0)
		else:
			fig = doc['total']
			work = fig.get('rx_packets', 0) + fig.get('tx_packets', 0)
			rate = fig.get('rx_pps', 0.0) + fig.get('tx_pps', 0.0)
		bells = fig.get('doorbells')
		row['event_idx=%d' % ev] = {
			'doorbells': bells, 'work': work, 'rate': rate,
			'per_unit': bells / work if bells is not None and work else None}
	return row


def print_kicks(rows):
	def cell(x):
		if not x or x['per_unit'] is None:
			return '%22s' % '-'
		rate = ('%.2fM/s' % (x['rate'] / 1e6) if x['rate'] >= 1e6 else
		        '%.1fK/s' % (x['rate'] / 1e3))
		return '%10.5f %11s' % (x['per_unit'], '(%s)' % rate)

	say('\ndoorbells per packet (net) / per I/O (blk), ours; rate in brackets')
	say('%-36s %22s %22s' % ('', 'event_idx=1', 'event_idx=0'))
	for r in rows:
		say('%-36s %s %s' % (r['what'], cell(r.get('event_idx=1')),
		                      cell(r.get('event_idx=0'))))


def cmd_kicks(a):
	"""ours with EVENT_IDX negotiated and refused (event_idx=0) on the same
	backend: net against testpmd net_vhost (split and packed, 64 B), blk
	against qemu-storage-daemon null-co (randread QD1 and QD32)."""
	prepare(a, mb=FRONTEND_MB + BACKEND_MB)
	doc = doc_head(a, 'arena-kicks')
	t0 = time.monotonic()
	say('arena kicks: doorbells per packet / I/O, event_idx=1 vs 0, %d s runs' % a.seconds)
	rows = []
	for rings in ('split', 'packed'):
		for name in ('txonly', 'rxonly', 'io'):
			wl = NET_WORKLOADS[name]
			tag = 'kicks-%s-%s' % (rings, name)
			runs = {}
			with backend_for(a, wl, 64, tag) as be:
				for ev in (1, 0):
					vd = KICK_NET_VDEV.format(sock=be.sock) % (rings == 'packed', ev)
					runs[ev] = run_frontend(a, wl, '%s-ev%d' % (tag, ev),
					                        lambda j, period, vd=vd: perf_cmd(
						                        a, vd, wl.frontend + ['--pkt-size', '64'], j,
						                        a.seconds, a.warmup, period))
			rows.append(kick_row('net %s %s 64 B (net_vhost)' % (rings, name), runs))
	if shutil.which(QSD) is None:
		say('arena kicks: no %s: no blk rows (run ./devtools/setup.sh)' % QSD)
	else:
		wl = BLK_WORKLOADS['randread']
		for depth in (1, 32):
			tag = 'kicks-blk-%d' % depth
			runs = {}
			with QsdBlk(a, os.path.join(a.out_dir, 'arena-backend-%s.log' % tag)) as be:
				for ev in (1, 0):
					vd = KICK_BLK_VDEV.format(sock=be.sock) % ev
					runs[ev] = run_frontend(a, wl, '%s-ev%d' % (tag, ev),
					                        lambda j, period, vd=vd: perf_cmd(
						                        a, vd, wl.frontend + ['--iodepth', str(depth)],
						                        j, a.seconds, a.warmup, period))
			rows.append(kick_row('blk randread QD%d (qemu-storage-daemon)' % depth, runs))
	print_kicks(rows)
	doc['machine']['loadavg_end'] = list(os.getloadavg())
	doc.update(summary=rows)
	out = os.path.join(a.out_dir, 'arena-kicks.json')
	write_json(out, doc)
	say('\nJSON: %s   (%.0f s)' % (out, time.monotonic() - t0))
	if any(v is None for r in rows for k, v in r.items() if k != 'what'):
		die('a run failed (logs in %s)' % a.out_dir)
	return 0


def prepare(a, **need):
	resolve_vdevs(a)
	build(a)
	check_tools(a, **need)
	os.makedirs(a.out_dir, exist_ok=True)
	a.work = tempfile.mkdtemp(prefix='vireo-arena.')


def add_options(p, runs, seconds, both_rings=False):
	p.add_argument('--build-dir', default=os.environ.get('VIREO_BUILD_DIR', 'build'),
	               help='meson build dir with vireo-perf and the plugin (default '
	               '$VIREO_BUILD_DIR or build)')
	p.add_argument('--out-dir', help='results (default BUILD/bench)')
	p.add_argument('--no-build', action='store_true', help='do not run meson/ninja first')
	p.add_argument('--runs', type=int, default=runs,
	               help='interleaved runs per driver and point (default %d)' % runs)
	p.add_argument('--seconds', type=int, default=seconds,
	               help='measured seconds per run (default %d)' % seconds)
	p.add_argument('--warmup', type=int, default=1, help='seconds before the window (default 1)')
	p.add_argument('--no-huge', dest='huge', action='store_false',
	               help='frontend and backend in --no-huge memory (memfd) instead of '
	               'hugepages')
	p.add_argument('--backend-cpu', type=int, default=0, help='backend lcore CPU (default 0)')
	p.add_argument('--frontend-cpu', type=int, default=1,
	               help='frontend forwarding lcore CPU (default 1)')
	p.add_argument('--rings', choices=sorted(VDEVS) + (['both'] if both_rings else []),
	               default='split',
	               help='ring layout of both drivers (default split; packed: ours packed=1, '
	               "upstream '%s'%s)" % (UPSTREAM_BEST_PACKED,
	                                    '; both: split then packed' if both_rings else ''))
	p.add_argument('--ours-vdev',
	               help="ours ({sock}: the backend's socket; default '%s', with --rings "
	               "packed '%s')" % (OURS_VDEV, VDEVS['packed'][0]))
	p.add_argument('--upstream-vdev',
	               help="upstream (default '%s', with --rings packed '%s')"
	               % (UPSTREAM_VDEV, VDEVS['packed'][1]))
	# exit status when hugepages or testpmd are missing (the app suite's test
	# passes 77, meson's "skipped")
	p.add_argument('--skip-rc', type=int, default=1, help=argparse.SUPPRESS)


def add_parsers(sub):
	p = sub.add_parser('arena', help='host arena: ours vs upstream over vhost-user, no VM')
	asub = p.add_subparsers(dest='arena', required=True)
	p = asub.add_parser('net', help='throughput: workloads x sizes, interleaved A/B')
	add_options(p, 5, 5)
	p.add_argument('--workloads', default='txonly,rxonly,io',
	               help='comma list of %s (default all)' % ', '.join(NET_WORKLOADS))
	p.add_argument('--sizes', default='64,1518', help='frame bytes (default 64,1518)')
	p.add_argument('--no-plot', action='store_true', help='skip the PNG')
	p = asub.add_parser('ipp', help='instructions per packet under callgrind')
	add_options(p, 1, 5, both_rings=True)
	p.add_argument('--side', choices=('frontend', 'backend', 'both'), default='frontend',
	               help="whose instructions: the drivers' bursts (frontend, default), the "
	               "backend's vhost library for full bursts (backend: testpmd under callgrind "
	               'with app/vhost-gate preloaded), or both')
	p.add_argument('--workloads', default='txonly,rxonly,io',
	               help='comma list of %s (default all)' % ', '.join(NET_WORKLOADS))
	p.add_argument('--sizes', default='64', help='frame bytes (default 64)')
	p.add_argument('--cg-seconds', type=int, default=4,
	               help='seconds each frontend runs under callgrind (default 4)')
	p = asub.add_parser('blk', help='blk_vireo_user over qemu-storage-daemon null-co: '
	                    'vireo-perf, fio engine, qemu-img bench ceiling (IOPS)')
	add_options(p, 3, 3)
	p.add_argument('--workloads', default='randread,randwrite',
	               help='comma list of %s (default both)' % ', '.join(BLK_WORKLOADS))
	p.add_argument('--depths', default='1,32,128', help='queue depths (default 1,32,128)')
	p = asub.add_parser('kicks', help='doorbells per packet / I/O with EVENT_IDX negotiated '
	                    'and refused (event_idx=0), ours on net_vhost and qemu-storage-daemon')
	add_options(p, 1, 3)
	p = asub.add_parser('main', help="the main job's quick A/B with live lines")
	add_options(p, 3, 3)
	p.add_argument('--workload', default='io', choices=sorted(NET_WORKLOADS),
	               help='default io')
	p.add_argument('--pkt-size', type=int, default=64, help='frame bytes (default 64)')


def run(a):
	if a.runs < 1 or a.seconds < 1 or a.warmup < 0:
		die('--runs and --seconds must be at least 1, --warmup at least 0', 2)
	if a.arena == 'main':
		parse_sizes(str(a.pkt_size))
	a.build_dir = os.path.abspath(a.build_dir)
	a.out_dir = os.path.abspath(a.out_dir or os.path.join(a.build_dir, 'bench'))
	a.perf = os.path.join(a.build_dir, 'app', 'vireo-perf', 'vireo-perf')
	a.plugin = os.path.join(a.build_dir, 'drivers', 'net', 'vireo', 'librte_net_vireo.so')
	a.fio_engine = os.path.join(a.build_dir, 'app', 'fio-vireo', 'fio_vireo.so')
	a.gate = os.path.join(a.build_dir, 'app', 'vhost-gate', 'vireo_vhost_gate.so')
	try:
		return {'net': cmd_net, 'ipp': cmd_ipp, 'blk': cmd_blk, 'kicks': cmd_kicks,
		        'main': cmd_main}[a.arena](a)
	finally:
		if getattr(a, 'work', None):
			shutil.rmtree(a.work, ignore_errors=True)
