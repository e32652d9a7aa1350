# SPDX-License-Identifier: BSD-3-Clause
"""Boots of the Vireo test guest: QEMU's command line and devices, the
per-boot initramfs overlay and disk, the console protocol (case markers,
result blocks, host requests) and QEMU's monitor (QMP). See
doc/guest-harness.md.
"""

import ctypes
import json
import os
import resource
import select
import shutil
import signal
import socket
import stat
import subprocess
import time

from . import CASES_DIR, image, log

SECTOR = 512
DISK_MB = 64
# Fixed ids and PCI addresses: the guest sees the devices in a known order,
# QMP commands (set_link, device_del) name them by id.
NICS = (('net0', 3), ('net1', 4))
BLK_ADDR, LEGACY_ADDR = 5, 6
# hotplug=True: net1 moves behind a PCIe root port (id rp1) in its slot
# (addr 4): the root bus of q35 (pcie.0) refuses device_del, a root port's
# slot takes it. The guest numbers the port's bus 1: net1 is 0000:01:00.0.
HOTPLUG_NIC, HOTPLUG_PORT = 'net1', 'rp1'
# blk_drives=True: extra virtio-blk drives for the blk_vireo cases (blk-*),
# each on a sparse raw file of the run dir (<id>.img), in slots above every
# other device so that no address of the other configurations moves. The
# guest finds them by slot (test/qemu/cases/blk-lib.sh), GET_ID returns
# the serial "vireo-<id>".
#   (id, PCI slot, MiB, virtio-blk-pci properties, -drive options)
BLK_DRIVES = (
	('b512', 0x10, 8, 'logical_block_size=512,physical_block_size=4096', ''),
	('b4k', 0x11, 8, 'logical_block_size=4096,physical_block_size=4096', ''),
	('big', 0x12, 256, '', ''),
	('ro', 0x13, 4, '', ',readonly=on'),
	('nodz', 0x14, 4, 'discard=off,write-zeroes=off', ''),
	('mq', 0x15, 16, 'num-queues=2,queue-size=1024', ''),
)
DEFAULTS = {'bind': 'uio', 'mq': 1, 'net': 'hub', 'host_mtu': 0, 'hotplug': False, 'packed': False,
	    'blk_drives': False,
	    'cpus': 2, 'mem': 2048,
	    'hugepages': 512, 'accel': 'auto', 'add': [], 'qemu_arg': [], 'keep': False,
	    'boot_timeout': 120, 'verbose': False,
	    'qemu': os.environ.get('QEMU', 'qemu-system-x86_64')}


def sector_pattern(lba):
	"""The 512 bytes QEMU's disk holds at sector lba before the guest runs."""
	unit = b'VIREO-BLK-SECTOR-%014d\n' % lba
	return unit * (SECTOR // len(unit))


def tap_unavailable():
	if os.geteuid() != 0:
		return '--net tap needs root (network namespace, tap devices)'
	if not os.path.exists('/dev/net/tun'):
		return '--net tap needs /dev/net/tun'
	missing = [t for t in ('unshare', 'ip') if shutil.which(t) is None]
	return '--net tap needs %s' % missing[0] if missing else None


def _die_with_parent():
	# QEMU must not outlive us (meson kills the runner on timeout).
	try:
		ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
	except (OSError, AttributeError):
		pass


class QmpError(RuntimeError):
	pass


class Qmp:
	"""A QMP client on QEMU's -qmp unix socket: execute() waits for the
	command's answer; events in between are dropped."""

	def __init__(self, path, timeout=10):
		deadline = time.monotonic() + timeout
		while True:
			try:
				self.sock = socket.socket(socket.AF_UNIX)
				self.sock.settimeout(timeout)
				self.sock.connect(path)
				break
			except OSError:
				self.sock.close()
				if time.monotonic() > deadline:
					raise
				time.sleep(0.1)
		self.f = self.sock.makefile('rwb')
		self._read()	# greeting
		self.execute('qmp_capabilities')

	def _read(self):
		line = self.f.readline()
		if not line:
			raise QmpError('QEMU closed the monitor')
		return json.loads(line)

	def execute(self, cmd, **args):
		self.f.write(json.dumps({'execute': cmd, 'arguments': args}).encode() + b'\n')
		self.f.flush()
		while True:
			r = self._read()
			if 'return' in r:
				return r['return']
			if 'error' in r:
				raise QmpError('%s: %s' % (cmd, r['error'].get('desc', r['error'])))

	def close(self):
		self.sock.close()


def _qmp_value(v):
	if v in ('on', 'true', 'off', 'false'):
		return v in ('on', 'true')
	return int(v) if v.isdigit() else v


class Guest:
	"""One guest configuration (binding, NICs, QEMU options) of one build
	dir, and its boots. During a boot, qmp() talks to QEMU's monitor."""

	def __init__(self, build_dir, **opts):
		unknown = set(opts) - set(DEFAULTS)
		if unknown:
			raise TypeError('unknown guest options: %s' % ', '.join(sorted(unknown)))
		self.__dict__.update(DEFAULTS, **opts)
		self.build_dir = os.path.abspath(build_dir)
		self.gdir = os.path.join(self.build_dir, 'guest')
		self.run_dir = self.proc = self._qmp = None

	@classmethod
	def from_args(cls, a):
		return cls(a.build_dir, **{k: getattr(a, k) for k in DEFAULTS if hasattr(a, k)})

	def ensure_image(self):
		return image.ensure(self.gdir)

	# -- per-boot files -----------------------------------------------------
	def _build_outputs(self):
		"""Our programs and PMDs from the build dir: /vireo/bin, /vireo/lib."""
		found = []
		dirs = [os.path.join(self.build_dir, 'test', 'qemu')]
		apps = os.path.join(self.build_dir, 'app')
		if os.path.isdir(apps):
			dirs += [os.path.join(apps, d) for d in sorted(os.listdir(apps))]
		for d in filter(os.path.isdir, dirs):
			for name in sorted(os.listdir(d)):
				st = os.stat(os.path.join(d, name))
				if (stat.S_ISREG(st.st_mode) and st.st_mode & 0o111 and
				    not name.endswith(('.so', '.a', '.py', '.sh'))):
					found.append((os.path.join(d, name), 'vireo/bin/' + name))
		# The fio engine (app/fio-vireo/fio_vireo.so): /vireo/lib too.
		for d in filter(os.path.isdir, dirs):
			found += [(os.path.join(d, n), 'vireo/lib/' + n) for n in sorted(os.listdir(d))
				  if n.startswith('fio_') and n.endswith('.so')]
		for root, subdirs, files in os.walk(os.path.join(self.build_dir, 'drivers')):
			subdirs[:] = [d for d in subdirs if not d.endswith('.p')]
			found += [(os.path.join(root, n), 'vireo/lib/' + n) for n in sorted(files)
				  if n.startswith('librte_') and n.endswith('.so')]
		for spec in self.add:
			src, _, dst = spec.partition(':')
			sub = 'lib' if '.so' in os.path.basename(src) else 'bin'
			found.append((os.path.abspath(src),
				      dst or 'vireo/%s/%s' % (sub, os.path.basename(src))))
		return found

	def _initrd(self, cases, command):
		"""base.cpio, then (the kernel unpacks concatenated archives in
		order) our build outputs, the cases and the job list."""
		t = image.Tree()
		for d in ('vireo/bin', 'vireo/lib', 'vireo/run/cases'):
			t.add(d, image.D755)
		for src, dst in self._build_outputs():
			t.copy(src, dst)
		for name in sorted(os.listdir(CASES_DIR)):
			if os.path.isfile(os.path.join(CASES_DIR, name)) and not name.endswith('.host'):
				t.copy(os.path.join(CASES_DIR, name), 'vireo/run/cases/' + name)
		if command is not None:
			t.add('vireo/run/cases/command.sh', image.F755, command + '\n')
		t.add('vireo/run/job', image.F644, ''.join('%s %d\n' % c for c in cases))
		overlay = os.path.join(self.run_dir, 'overlay.cpio')
		image.write_cpio(t.entries, overlay)
		out = os.path.join(self.run_dir, 'initrd.cpio')
		parts = [os.path.join(self.gdir, 'base.cpio'), overlay]
		# fio (80 MiB of libraries) only for boots that run it: cases fio-*,
		# or a command that mentions it.
		if any(c[0].startswith('fio') for c in cases) or 'fio' in (command or ''):
			parts.insert(1, image.ensure_fio(self.gdir))
		with open(out, 'wb') as f:
			for part in parts:
				with open(part, 'rb') as p:
					shutil.copyfileobj(p, f, 1 << 20)
		return out

	def _disk(self):
		"""Per-boot raw disk, every sector holding sector_pattern(), copied
		from a template cached next to the image."""
		template = os.path.join(self.gdir, 'disk-template.img')
		if not os.path.exists(template):
			with open(template + '.%d' % os.getpid(), 'wb') as f:
				for base in range(0, DISK_MB * 2048, 2048):
					f.write(b''.join(sector_pattern(base + i) for i in range(2048)))
			os.replace(template + '.%d' % os.getpid(), template)
		disk = os.path.join(self.run_dir, 'disk.img')
		shutil.copyfile(template, disk)
		return disk

	def _start_run_dir(self):
		runs = os.path.join(self.gdir, 'runs')
		os.makedirs(runs, exist_ok=True)
		for name in os.listdir(runs):
			# Left behind by a runner that was killed.
			pid = name[4:] if name.startswith('run-') else ''
			if pid.isdigit() and not os.path.exists('/proc/' + pid):
				shutil.rmtree(os.path.join(runs, name), ignore_errors=True)
		self.run_dir = os.path.join(runs, 'run-%d' % os.getpid())
		shutil.rmtree(self.run_dir, ignore_errors=True)
		os.makedirs(self.run_dir)
		# sun_path holds 108 bytes.
		self.qmp_path = os.path.join(self.run_dir, 'qmp')
		if len(self.qmp_path) > 100:
			self.qmp_path = '/tmp/vireo-qmp-%d' % os.getpid()

	def _cleanup(self):
		if self._qmp:
			self._qmp.close()
		if self.proc and self.proc.poll() is None:
			self.proc.kill()	# we are leaving on an exception
			self.proc.wait()
		self._qmp = self.proc = None
		if self.run_dir and not self.keep:
			shutil.rmtree(self.run_dir, ignore_errors=True)

	# -- QEMU -------------------------------------------------------------
	def _accel(self):
		accel = self.accel
		if accel == 'auto':
			# A /dev/kvm without the CPU's vmx/svm flags exists on some
			# hosts (nested, emulated) and dies on the first odd
			# instruction: only trust KVM with hardware support visible.
			accel = 'tcg'
			if os.access('/dev/kvm', os.R_OK | os.W_OK):
				with open('/proc/cpuinfo') as f:
					flags = f.read()
				if ' vmx' in flags or ' svm' in flags:
					accel = 'kvm'
		# QEMU falls back to the next -accel when KVM fails to start.
		return (['-accel', 'kvm'] if accel == 'kvm' else []) + ['-accel', 'tcg', '-cpu', 'max']

	def qemu_cmd(self, initrd, disk, shell):
		vfio = self.bind == 'vfio'
		cmdline = ['console=ttyS0', 'quiet', 'loglevel=1', 'panic=-1', 'mitigations=off',
			   'rdinit=/init', 'vireo.bind=' + self.bind,
			   'vireo.mode=' + ('shell' if shell else 'batch'),
			   'vireo.hugepages=%d' % self.hugepages, 'vireo.mq=%d' % self.mq,
			   'vireo.net=' + self.net] + (['intel_iommu=on'] if vfio else [])
		cmd = [self.qemu, '-machine', 'q35'] + self._accel() + [
			'-smp', str(self.cpus), '-m', str(self.mem),
			'-nodefaults', '-no-user-config', '-no-reboot', '-display', 'none',
			'-kernel', os.path.join(self.gdir, 'vmlinux'),
			'-initrd', initrd, '-append', ' '.join(cmdline),
			'-qmp', 'unix:%s,server=on,wait=off' % self.qmp_path]
		if shell:
			cmd += ['-serial', 'mon:stdio']
		else:
			# Console input: the answers to the guest's host requests.
			cmd += ['-chardev', 'stdio,id=con0,signal=off', '-serial', 'chardev:con0']
		# The emulated IOMMU must come before the devices it translates.
		iommu = ',iommu_platform=on,ats=on' if vfio else ''
		if vfio:
			cmd += ['-device', 'intel-iommu,intremap=off,device-iotlb=on']
		nic = iommu
		if self.mq > 1:
			nic += ',mq=on,vectors=%d' % (2 * self.mq + 2)
		if self.host_mtu:
			nic += ',host_mtu=%d' % self.host_mtu
		# Packed virtqueues (VIRTIO_F_RING_PACKED) on every modern NIC and disk.
		packed = ',packed=on' if self.packed else ''
		nic += packed
		for i, (dev, addr) in enumerate(NICS):
			if self.net == 'tap':
				netdev = 'tap,id=n%d,ifname=vireo-tap%d,script=no,downscript=no,vhost=off' % (i, i)
				netdev += ',queues=%d' % self.mq if self.mq > 1 else ''
			else:
				netdev = 'hubport,id=n%d,hubid=0' % i
			where = 'addr=%#x' % addr
			if self.hotplug and dev == HOTPLUG_NIC:
				cmd += ['-device', 'pcie-root-port,id=%s,bus=pcie.0,chassis=1,slot=1,'
					'addr=%#x' % (HOTPLUG_PORT, addr)]
				where = 'bus=' + HOTPLUG_PORT
			cmd += ['-netdev', netdev, '-device', 'virtio-net-pci,id=%s,netdev=n%d,'
				'disable-legacy=on,romfile=,%s,mac=52:54:00:12:34:%02x%s'
				% (dev, i, where, i + 1, nic)]
		nq = ',num-queues=%d' % self.mq if self.mq > 1 else ''
		cmd += ['-drive', 'file=%s,if=none,id=d0,format=raw' % disk.replace(',', ',,'),
			'-device', 'virtio-blk-pci,id=blk0,drive=d0,disable-legacy=on,addr=%#x%s%s'
			% (BLK_ADDR, nq, iommu + packed)]
		if self.blk_drives:
			cmd += self._blk_drive_args(os.path.dirname(disk), iommu + packed)
		# Legacy-only device (refuses iommu_platform): the transport must
		# reject it. Under vfio it still sits behind the IOMMU's group.
		cmd += ['-netdev', 'hubport,id=n2,hubid=1',
			'-device', 'virtio-net-pci,id=legacy0,netdev=n2,disable-modern=on,romfile=,'
			'addr=%#x,mac=52:54:00:12:34:10' % LEGACY_ADDR]
		cmd += self.qemu_arg
		return self._tap_wrap(cmd) if self.net == 'tap' else cmd

	@staticmethod
	def _blk_drive_args(run_dir, iommu):
		"""QEMU arguments of BLK_DRIVES, their (sparse) files created."""
		args = []
		for name, slot, mib, props, drive in BLK_DRIVES:
			path = os.path.join(run_dir, name + '.img')
			with open(path, 'wb') as f:
				f.truncate(mib << 20)
			args += ['-drive', 'file=%s,if=none,id=d-%s,format=raw%s'
				 % (path.replace(',', ',,'), name, drive),
				 '-device', 'virtio-blk-pci,id=blk-%s,drive=d-%s,disable-legacy=on,'
				 'addr=%#x,serial=vireo-%s%s%s'
				 % (name, name, slot, name, ',' + props if props else '', iommu)]
		return args

	def _tap_wrap(self, cmd):
		"""Run QEMU in a network namespace of its own holding two taps on a
		bridge: a back-to-back link with a vnet header (so QEMU offers the
		checksum/TSO features) and real multi-queue. Nothing is addressed
		or routed; the namespace dies with QEMU."""
		if tap_unavailable():
			raise RuntimeError(tap_unavailable())
		setup = ('set -e; '
			 # No IPv6 autoconfiguration chatter on the link.
			 'echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6; '
			 'echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6; '
			 'ip link add vireo-br type bridge; '
			 'for t in vireo-tap0 vireo-tap1; do '
			 'ip tuntap add dev $t mode tap%s; ip link set $t master vireo-br; '
			 'ip link set $t up; done; ip link set vireo-br up; exec "$@"'
			 % (' multi_queue' if self.mq > 1 else ''))
		return ['unshare', '--net', 'sh', '-c', setup, 'sh'] + cmd

	def qmp(self, cmd, **args):
		"""Run a QMP command on the running boot's QEMU; its answer."""
		if self.proc is None:
			raise QmpError('no boot running')
		if self._qmp is None:
			self._qmp = Qmp(self.qmp_path)
		return self._qmp.execute(cmd, **args)

	# -- boots ------------------------------------------------------------
	def _prepare(self, cases, command, shell):
		if shutil.which(self.qemu) is None:
			raise RuntimeError('%s not found: apt-get install qemu-system-x86' % self.qemu)
		self.ensure_image()
		self._start_run_dir()
		disk = self._disk()
		return self.qemu_cmd(self._initrd(cases, command), disk, shell), disk

	def shell(self):
		"""Interactive guest shell on this terminal."""
		try:
			cmd, _ = self._prepare([], None, shell=True)
			log('QEMU console; Ctrl-A X quits, Ctrl-A C toggles the monitor; QMP: %s'
			    % self.qmp_path)
			return subprocess.run(cmd, check=False, preexec_fn=_die_with_parent).returncode
		finally:
			self._cleanup()

	def boot(self, results_dir, cases=(), command=None, timeout=300, echo=None,
		 on_result=None, after=None):
		"""One boot running cases [(name, timeout s)], or the shell command
		line command as case 'command' (timeout s), then power-off. Case
		output lines go to echo(line) as they come; result blocks to
		on_result(id, rc, text). after(summary, disk) runs once QEMU is gone, with the disk
		still there. Returns the summary: error (None or why the boot
		failed), results {case: {result, rc, secs}}, began, timings; each
		case's output is in results_dir/<case>.out, the console in
		results_dir/console.log."""
		cases = list(cases) + ([('command', timeout)] if command is not None else [])
		os.makedirs(results_dir, exist_ok=True)
		con = _Console(self, os.path.join(results_dir, 'console.log'), echo, on_result)
		summary = {'bind': self.bind, 'mq': self.mq, 'net': self.net,
			   'cases': [c[0] for c in cases], 'console': con.path,
			   'started': time.strftime('%Y-%m-%d %H:%M:%S'), 'error': None, 'results': {}}
		try:
			t0 = time.monotonic()
			cmd, disk = self._prepare(cases, command, shell=False)
			summary['image_secs'] = round(time.monotonic() - t0, 1)
			with open(os.path.join(results_dir, 'qemu-cmdline'), 'w') as f:
				f.write(' '.join(cmd) + '\n')
			con.run(cmd, self.boot_timeout + sum(t for _, t in cases))
			summary.update(error=con.error, results=con.results, began=list(con.outputs),
				       boot_secs=round(con.secs, 1), qemu_cpu_share=con.cpu_share)
			if con.begin_secs is not None:
				summary['secs_to_init_ready'] = round(con.begin_secs, 1)
			for name, lines in con.outputs.items():
				with open(os.path.join(results_dir, name + '.out'), 'w') as f:
					f.write('\n'.join(lines) + '\n')
			if after:
				after(summary, disk)
		except (RuntimeError, OSError, subprocess.SubprocessError) as e:
			summary['error'] = str(e)
		finally:
			self._cleanup()
		return summary


class _Console:
	"""QEMU's run: its console teed to a log and followed line by line (see
	guest/init for the protocol), host requests answered."""

	def __init__(self, guest, path, echo, on_result):
		self.guest, self.path, self.echo, self.on_result = guest, path, echo, on_result
		self.results, self.outputs = {}, {}
		self.ended = False
		self.error = self.init_error = self.fatal = self.cur = self.block = None
		self.begin_secs = None

	def _host_request(self, words):
		"""@@VIREO-HOST <seq> <qmp command> [key=value]...: run it, answer
		@@VIREO-ACK <seq> ok|error <why> on the console input."""
		seq, cmd, args = words[0], words[1], dict(w.split('=', 1) for w in words[2:])
		try:
			self.guest.qmp(cmd, **{k: _qmp_value(v) for k, v in args.items()})
			ack = 'ok'
		except (QmpError, OSError, ValueError) as e:
			ack = 'error %s' % e
		log('host request %s %s: %s' % (seq, ' '.join(words[1:]), ack))
		try:
			self.guest.proc.stdin.write(('@@VIREO-ACK %s %s\n' % (seq, ack)).encode())
			self.guest.proc.stdin.flush()
		except OSError:
			pass	# QEMU is gone: the console's end says why

	def _line(self, line):
		if self.guest.verbose and not line.endswith('is not connected to host network'):
			print(line, flush=True)
		if self.block is not None:
			if line.startswith('@@VIREO-RESULT-END '):
				rc = int(line.rsplit('rc=', 1)[1])
				if self.on_result:
					self.on_result(self.block[0], rc, '\n'.join(self.block[1]))
				self.block = None
			else:
				self.block[1].append(line)
			return
		if line.startswith('@@VIREO-RESULT-BEGIN '):
			self.block = (line.split(' ', 1)[1], [])
			return
		if line.startswith('@@VIREO-HOST ') and len(line.split()) >= 3:
			self._host_request(line.split()[1:])
		elif line.startswith('VIREO-BEGIN'):
			self.begin_secs = time.monotonic() - self.t0
		elif line.startswith('VIREO-CASE-BEGIN '):
			self.cur = line.split()[1]
			self.outputs[self.cur] = []
			return
		elif line.startswith('VIREO-CASE '):
			f = line.split()
			kv = dict(x.split('=', 1) for x in f[3:] if '=' in x)
			self.results[f[1]] = {'result': f[2], 'rc': int(kv.get('rc', -1)),
					      'secs': int(kv.get('secs', -1))}
			self.cur = None
			return
		elif line.startswith('VIREO-END'):
			self.ended = True
		elif line.startswith('VIREO-INIT-ERROR'):
			self.init_error = line
		elif line.startswith('KVM internal error'):
			# QEMU pauses the VM forever after this: give up now.
			self.fatal = line
		if self.cur is not None:
			self.outputs[self.cur].append(line)
			if self.echo and not self.guest.verbose:
				self.echo(line)

	def run(self, cmd, timeout):
		self.t0 = t0 = time.monotonic()
		ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
		deadline = t0 + timeout
		proc = self.guest.proc = subprocess.Popen(
			cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
			preexec_fn=_die_with_parent)
		buf = b''
		with open(self.path, 'wb') as logf:
			fd = proc.stdout.fileno()
			while True:
				now = time.monotonic()
				if self.ended:
					deadline = min(deadline, now + 15)	# power-off follows
				if self.fatal:
					deadline = min(deadline, now + 2)
				if now >= deadline:
					if not self.ended:
						self.error = ('guest did not finish within %d s: QEMU '
							      '(pid %d) killed' % (timeout, proc.pid))
					proc.kill()
					break
				if not select.select([fd], [], [], min(1.0, deadline - now))[0]:
					continue
				chunk = os.read(fd, 65536)
				if not chunk:
					break
				logf.write(chunk)
				logf.flush()
				*lines, buf = (buf + chunk).split(b'\n')
				for raw in lines:
					self._line(raw.decode(errors='replace').rstrip('\r'))
			if buf:
				self._line(buf.decode(errors='replace').rstrip('\r'))
		rc = proc.wait()
		self.secs = time.monotonic() - t0
		ru = resource.getrusage(resource.RUSAGE_CHILDREN)
		# QEMU's CPU time over the wall time: up to ~2 (vCPUs) plus its I/O
		# thread when it had the host to itself; much less means other load
		# took the host's CPUs (and benchmark figures are worth less).
		self.cpu_share = round((ru.ru_utime + ru.ru_stime - ru0.ru_utime - ru0.ru_stime)
				       / self.secs, 2)
		if self.error is None and not self.ended:
			if self.fatal:
				self.error = 'QEMU: ' + self.fatal
			elif self.init_error:
				self.error = 'guest init failed: ' + self.init_error
			elif rc != 0:
				self.error = 'QEMU exited with status %d before the guest finished' % rc
			else:
				self.error = 'guest powered off before finishing (kernel panic?)'
