#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Host tests of devtools/vireo_tools without QEMU: the cpio writer, the QEMU
command line, the console protocol (cases, result blocks, host requests), the
storage benchmark's parsers and table (canned fio / vireo-perf output), the
arena's callgrind parsing (canned callgrind output)."""

import argparse
import io
import json
import os
import stat
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..',
				'devtools'))
from vireo_tools import arena, blkbench, cases, cli, guest, image  # noqa: E402


def read_cpio(path):
	"""[(name, mode, data)] of a newc archive, checking its alignment."""
	with open(path, 'rb') as f:
		d = f.read()
	assert len(d) % 512 == 0
	pos, out = 0, []
	while True:
		h = d[pos:pos + 110]
		assert h[:6] == b'070701' and pos % 4 == 0
		f = [int(h[6 + 8 * i:14 + 8 * i], 16) for i in range(13)]
		name = d[pos + 110:pos + 109 + f[11]].decode()
		pos += 110 + f[11]
		pos += -pos % 4
		data = d[pos:pos + f[6]]
		pos += f[6] + (-f[6] % 4)
		if name == 'TRAILER!!!':
			return out
		out.append((name, f[1], data))


class FakeQemu:
	"""What _Console needs of a Guest during a boot."""

	def __init__(self):
		self.verbose, self.calls, self.proc = False, [], self
		self.stdin = io.BytesIO()

	def qmp(self, cmd, **args):
		if cmd == 'nosuch':
			raise guest.QmpError('nosuch: not found')
		self.calls.append((cmd, args))

	def flush(self):
		pass


# A callgrind file as the backend run writes it (name compression, a call
# from the gate's trampoline into the library and one from net_vhost into the
# gate's own rte_vhost_dequeue_burst, which must not count).
CALLGRIND_BACKEND = """version: 1
creator: callgrind-3.19.0
events: Ir
ob=(1) /usr/lib/x86_64-linux-gnu/librte_vhost.so.23.0
fn=(1) rte_vhost_dequeue_burst
0 100
cob=(2) vireo_vhost_gate.so
cfn=(2) vireo_vhost_dequeue
calls=9 0
0 1800
fn=(2)
0 27
cob=(1)
cfn=(1)
calls=9 0
0 1773
fn=(3) vireo_vhost_enqueue
0 3
cfn=(4) rte_vhost_enqueue_burst
calls=1 0
0 640
"""


class ToolsTest(unittest.TestCase):
	def test_callgrind_edges_and_backend_figures(self):
		with tempfile.NamedTemporaryFile('w', suffix='.callgrind', delete=False) as f:
			f.write(CALLGRIND_BACKEND)
		try:
			edges = arena.callgrind_edges(f.name)
			calls = arena.callgrind_calls(f.name)
		finally:
			os.unlink(f.name)
		self.assertEqual(edges[('vireo_vhost_dequeue', 'rte_vhost_dequeue_burst')], [9, 1773])
		self.assertEqual(edges[('rte_vhost_dequeue_burst', 'vireo_vhost_dequeue')], [9, 1800])
		self.assertEqual(calls['rte_vhost_enqueue_burst'], [1, 640])
		fig = arena.backend_figures(edges, {
			'dequeue': {'calls': 9, 'skipped': 5, 'empty': 0, 'partial': 0, 'packets': 288},
			'enqueue': {'calls': 1, 'skipped': 0, 'empty': 0, 'partial': 0, 'packets': 32}})
		# the library's own inclusive cost, not the trampoline's
		self.assertAlmostEqual(fig['dequeue']['ipp'], 1773 / 288)
		self.assertAlmostEqual(fig['enqueue']['ipp'], 640 / 32)
		self.assertAlmostEqual(fig['ipp'], 1773 / 288 + 640 / 32)
		fig = arena.backend_figures(edges, {'dequeue': {'packets': 0}})
		self.assertIsNone(fig['ipp'])

	def test_cpio_tree(self):
		t = image.Tree()
		t.add('a/b/c.txt', image.F644, 'xyz')
		t.add('a/link', stat.S_IFLNK | 0o777, 'b/c.txt')
		t.add('a/b', image.D755)	# already there: ignored
		with tempfile.TemporaryDirectory() as tmp:
			image.write_cpio(t.entries, tmp + '/x.cpio')
			got = read_cpio(tmp + '/x.cpio')
		self.assertEqual([g[0] for g in got], ['a', 'a/b', 'a/b/c.txt', 'a/link'])
		self.assertEqual(got[2][2], b'xyz')
		self.assertEqual(got[3][2], b'b/c.txt')

	def test_qemu_cmd(self):
		a = cli.parser().parse_args(['cases', 'x:10,y', '--case', 'x', '--bind', 'vfio',
					     '--host-mtu', '9000', '--build-dir', '/nonexistent'])
		self.assertEqual(cases.parse_cases(a.spec), [('x', 10), ('y', 60)])
		g = guest.Guest.from_args(a)
		g.qmp_path = '/tmp/q'
		cmd = ' '.join(g.qemu_cmd('/i', '/d', shell=False))
		for want in ('-qmp unix:/tmp/q,server=on,wait=off', 'id=net0,', 'id=net1,',
			     'host_mtu=9000', 'intel-iommu', 'vireo.bind=vfio'):
			self.assertIn(want, cmd)
		self.assertEqual(cmd.count('host_mtu='), 2)

	def test_console_protocol(self):
		fake = FakeQemu()
		blocks, echoed = [], []
		con = guest._Console(fake, '/dev/null', echoed.append,
				     lambda *b: blocks.append(b))
		con.t0 = 0
		for line in ('VIREO-BEGIN bind=uio', 'VIREO-CASE-BEGIN c1', 'hello',
			     '@@VIREO-RESULT-BEGIN r1 ours', '{"a": 1}', '',
			     '@@VIREO-RESULT-END r1 ours rc=3',
			     '@@VIREO-HOST 1 set_link name=net0 up=off',
			     '@@VIREO-HOST 2 nosuch', 'VIREO-CASE c1 PASS rc=0 secs=2', 'VIREO-END'):
			con._line(line)
		self.assertEqual(blocks, [('r1 ours', 3, '{"a": 1}\n')])
		self.assertEqual(fake.calls, [('set_link', {'name': 'net0', 'up': False})])
		self.assertEqual(fake.stdin.getvalue().decode().splitlines(),
				 ['@@VIREO-ACK 1 ok', '@@VIREO-ACK 2 error nosuch: not found'])
		self.assertEqual(con.results, {'c1': {'result': 'PASS', 'rc': 0, 'secs': 2}})
		self.assertEqual(con.outputs['c1'][0], 'hello')
		self.assertEqual(echoed[0], 'hello')
		self.assertTrue(con.ended)
		summary = {'results': con.results, 'host_checks': {}, 'error': None}
		self.assertEqual(cases.verdict(summary, 'c1')[0], 0)
		self.assertEqual(cases.verdict(summary, 'c2')[0], 1)


def fio_doc(rw, iops, lat_p50_ns, clat_p50_ns, usr=60.0, sys_=20.0):
	"""fio 3.33 --output-format=json, the fields bench blk reads (one job;
	the side not run is all zeros, as fio writes it)."""
	def side(n, lat, clat):
		return {'iops': n, 'total_ios': int(n * 5),
			'clat_ns': {'percentile': {'50.000000': clat, '99.000000': clat * 10}},
			'lat_ns': {'percentile': {'50.000000': lat, '99.000000': lat * 10}}}
	zero = {'iops': 0.0, 'total_ios': 0, 'clat_ns': {}, 'lat_ns': {}}
	job = {'jobname': 'bench', 'error': 0, 'usr_cpu': usr, 'sys_cpu': sys_,
	       'read': zero, 'write': zero}
	job['read' if rw == 'randread' else 'write'] = side(iops, lat_p50_ns, clat_p50_ns)
	return {'fio version': 'fio-3.33', 'jobs': [job]}


PERF_DOC = {'device': {'name': '0000:00:18.0', 'driver': 'blk_vireo'},
	    'measured': {'duration': 5.0, 'ios': 150000, 'errors': 0, 'iops': 30000.0},
	    'latency_us': {'samples': 150000, 'avg': 900.0, 'p50': 128.7, 'p99': 6366.4}}


def cpu_samples(busy_per_s, start=100.0, cpus=2, hz=100):
	"""Guest sampler lines: one a second, busy_per_s vCPUs busy in each."""
	lines, busy, total, t = [], 0, 0, start
	for b in [0.0] + list(busy_per_s):
		busy += int(b * hz)
		total += cpus * hz
		idle = total - busy
		lines.append('%.2f cpu  %d 0 0 %d 0 0 0 0 0 0' % (t, busy, idle))
		t += 1.0
	return '\n'.join(lines)


class BlkBenchTest(unittest.TestCase):
	def test_parse_fio_uses_total_latency(self):
		text = 'EAL: a log line\n' + json.dumps(fio_doc('randread', 12345.6, 80000, 3000))
		f = blkbench.parse_fio(blkbench.json_of(text), 'randread')
		self.assertAlmostEqual(f['iops'], 12345.6)
		self.assertEqual((f['p50_us'], f['p99_us']), (80.0, 800.0))
		self.assertEqual(f['tool_cpu'], 80.0)
		w = blkbench.parse_fio(fio_doc('randwrite', 500.0, 2000, 1000), 'randwrite')
		self.assertEqual((w['iops'], w['p50_us']), (500.0, 2.0))
		# fio without lat_ns percentiles: clat's
		d = fio_doc('randread', 1.0, 5000, 4000)
		d['jobs'][0]['read']['lat_ns'] = {}
		self.assertEqual(blkbench.parse_fio(d, 'randread')['p50_us'], 4.0)
		d['jobs'][0]['error'] = 5
		self.assertRaises(ValueError, blkbench.parse_fio, d, 'randread')
		self.assertRaises(ValueError, blkbench.json_of, 'fio: no JSON here')

	def test_parse_perf(self):
		f = blkbench.parse_perf(PERF_DOC)
		self.assertEqual((f['iops'], f['p50_us'], f['p99_us']), (30000.0, 128.7, 6366.4))
		bad = json.loads(json.dumps(PERF_DOC))
		bad['measured']['errors'] = 3
		self.assertRaises(ValueError, blkbench.parse_perf, bad)

	def test_busy_vcpus_window(self):
		# start-up 2 s at 0.5, 5 s run at 1.5, tear-down 1 s at 0.2: the
		# window (duration 5 s before the end, less the last 0.3 s) sees
		# the run and at most one tear-down second.
		s = blkbench.parse_cpu(cpu_samples([0.5, 0.5, 1.5, 1.5, 1.5, 1.5, 1.5, 0.2]))
		self.assertEqual(len(s), 9)
		self.assertEqual(blkbench.busy_vcpus(s, 5), 1.5)
		self.assertIsNone(blkbench.busy_vcpus(s[:2], 5))
		self.assertEqual(blkbench.parse_cpu('junk\n1.0 cpu x'), [])

	def bench(self, **kw):
		a = argparse.Namespace(rounds=1, devices=['null'], workloads=['randread'],
				       depths=[1, 32], tools=list(blkbench.TOOLS), duration=5,
				       warmup=2, bs='4k', size='1g', fio_extra='')
		a.__dict__.update(kw)
		return blkbench.BlkBench(a)

	def test_runs_table_and_ratios(self):
		bb = self.bench()
		figs = {'fio-vireo': 27000.0, 'fio-vireo-nolat': 28500.0, 'vireo-perf': 30000.0,
			'io_uring': 6000.0, 'libaio': 6500.0}
		for tool, iops in figs.items():
			bid = 'null randread 32 %s r1' % tool
			doc = PERF_DOC if tool == 'vireo-perf' else fio_doc('randread', iops, 1e6, 1e5)
			if tool == 'vireo-perf':
				doc = dict(doc, measured=dict(doc['measured'], iops=iops))
			bb.on_block(bid, 0, json.dumps(doc))
			busy = 1.5 if tool in ('io_uring', 'libaio') else 1.0
			bb.on_block(bid + ' cpu', 0, cpu_samples([busy] * 8))
		bb.on_block('null randread 1 libaio r1', 1, 'fio: something broke')
		self.assertEqual(len(bb.runs), 5)
		self.assertEqual(len(bb.failed), 1)
		rows = bb.summary()
		r = [x for x in rows if x['iodepth'] == 32][0]
		self.assertAlmostEqual(r['fio_vs_perf'], 0.9)
		self.assertAlmostEqual(r['fio_nolat_vs_perf'], 0.95)
		self.assertAlmostEqual(r['fio_vs_kernel_per_vcpu'], 27000 / (6000 / 1.5))
		self.assertAlmostEqual(r['perf_vs_kernel_per_vcpu'], 30000 / 4000)
		self.assertEqual(r['tools']['io_uring']['p50_us'], 1000.0)
		md = blkbench.markdown_table(rows, bb.a.tools)
		self.assertIn('| null | randread | 32 | 27.0 (1000/10000) [1.00] |', md)
		self.assertIn('| 0.90 | 0.95 | 6.75 | 7.50 |', md)
		blkbench.print_blk_table(rows, bb.a.tools)	# no exception on '-' cells

	def test_command_rebinds_and_alternates(self):
		cmd = self.bench().command()
		self.assertEqual(cmd.count('blk_to_kernel 0000:00:18.0'), 2)
		self.assertEqual(cmd.count('blk_to_user 0000:00:18.0'), 2)
		# point 1: ours first; point 2: the kernel's first, reversed
		first = cmd.index('iodepth 1"')
		second = cmd.index('iodepth 32"')
		p1, p2 = cmd[first:second], cmd[second:]
		self.assertLess(p1.index('bench_blk_fio_vireo'), p1.index('bench_blk_kernel'))
		self.assertIn('bench_blk_fio_vireo "null randread 1 fio-vireo-nolat r1" 0000:00:18.0 '
			      'randread 1 --gtod_reduce=1;', p1)
		self.assertLess(p2.index('libaio'), p2.index('io_uring'))
		self.assertLess(p2.index('bench_blk_kernel'), p2.index('bench_blk_perf'))
		self.assertIn('fio', cmd)	# the boot gets fio.cpio
		# no /dev/vdX: both kernel runs report a failure
		self.assertEqual(cmd.count('vireo_result "null randread 1 io_uring r1" 1'), 1)
		self.assertEqual(cmd.count('vireo_result "null randread 32 libaio r1" 1'), 1)
		only = self.bench(tools=['vireo-perf']).command()
		self.assertNotIn('blk_to_kernel', only)


if __name__ == '__main__':
	unittest.main()
