#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Host tests of devtools/vireo_tools without QEMU: the cpio writer, the QEMU
command line, the console protocol (cases, result blocks, host requests)."""

import io
import os
import stat
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..',
				'devtools'))
from vireo_tools import cases, cli, guest, image  # noqa: E402


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


class ToolsTest(unittest.TestCase):
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


if __name__ == '__main__':
	unittest.main()
