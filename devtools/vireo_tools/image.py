# SPDX-License-Identifier: BSD-3-Clause
"""The guest image in BUILD/guest: vmlinux (Debian's kernel, booted through
its PVH entry) and base.cpio (busybox-static, dpdk-testpmd and the secondary
tools dpdk-proc-info, dpdk-dumpcap, dpdk-pdump with every DPDK library and
plugin, Open vSwitch's DPDK build and tools, uio/vfio/virtio modules, /init).
Rebuilt only when image.key changes: a hash of this file, guest/init and the
versions of the packages copied in. Our own build outputs are not in it: each boot appends
them as a second cpio (guest.py). See doc/guest-harness.md.
"""

import fcntl
import hashlib
import lzma
import os
import re
import shutil
import stat
import struct
import subprocess
import zlib

from . import PKG, log

MULTIARCH = '/usr/lib/x86_64-linux-gnu'
MODULE_SETS = {'uio': ['uio', 'uio_pci_generic'],
	       'vfio': ['vfio', 'vfio_iommu_type1', 'vfio-pci'],
	       # The kernel's own drivers, for side-by-side comparisons (--bind kernel).
	       'kernel': ['virtio_pci', 'virtio_net', 'virtio_blk'],
	       # Not a binding: loaded by case ovs-dpdk (a netdev datapath bridge's
	       # own port is a tap, /dev/net/tun).
	       'ovs': ['tun']}
STDBUF = '/usr/libexec/coreutils/libstdbuf.so'
# DPDK secondary processes the guest runs next to a primary (dpdk-dev).
SECONDARY_TOOLS = ['dpdk-proc-info', 'dpdk-dumpcap', 'dpdk-pdump']
KEY_PACKAGES = ['busybox-static', 'coreutils', 'dpdk', 'dpdk-dev', 'libc6', 'libgcc-s1', 'librte-*']
# Open vSwitch with DPDK, unpacked from Debian's packages (apt-get download +
# dpkg-deb -x like the kernel: never installed on the host, whose services it
# would start). Only what a guest case needs: the daemons, the tools that
# drive them and the schema. Guest path <- path in the packages.
OVS_PACKAGES = ['openvswitch-switch-dpdk', 'openvswitch-switch', 'openvswitch-common']
OVS_FILES = {
	'usr/sbin/ovs-vswitchd': 'usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk',
	'usr/sbin/ovsdb-server': 'usr/sbin/ovsdb-server',
	'usr/bin/ovsdb-tool': 'usr/bin/ovsdb-tool',
	'usr/bin/ovs-vsctl': 'usr/bin/ovs-vsctl',
	'usr/bin/ovs-ofctl': 'usr/bin/ovs-ofctl',
	'usr/bin/ovs-appctl': 'usr/bin/ovs-appctl',
	'usr/share/openvswitch/vswitch.ovsschema': 'usr/share/openvswitch/vswitch.ovsschema',
}
# fio and every library it links (Debian's fio links all its engines'
# libraries: ceph, gluster, ICU, ... about 80 MiB): not in base.cpio but in
# fio.cpio, which guest.py appends only to boots that run fio.
FIO = '/usr/bin/fio'
PROFILE = 'export PATH=/usr/sbin:/usr/bin\n. /run/vireo.env\nPS1=\'vireo-guest:$PWD# \'\n'
D755, F755, F644 = stat.S_IFDIR | 0o755, stat.S_IFREG | 0o755, stat.S_IFREG | 0o644


def _out(cmd, **kw):
	return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


# --- vmlinux from bzImage ------------------------------------------------------
# The x86 boot protocol (Documentation/x86/boot.rst) gives the compressed
# payload's place in the setup header: protected-mode code starts after
# (setup_sects + 1) sectors, payload_offset/payload_length (protocol >= 2.08)
# are relative to that. The magic only picks the decompressor.

def _decompress(payload):
	if payload.startswith(b'\xfd7zXZ\x00'):
		return lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(payload)
	if payload.startswith(b'\x1f\x8b'):
		return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(payload)
	if payload.startswith(b'\x28\xb5\x2f\xfd'):
		# No zstd in the stdlib. The kernel appends the 4-byte uncompressed
		# size after the frame (size_append), which zstd rejects: cut it.
		if shutil.which('zstd') is None:
			raise RuntimeError('zstd-compressed kernel: install the zstd package')
		return subprocess.run(['zstd', '-dc'], input=payload[:-4], capture_output=True,
				      check=True).stdout
	if payload.startswith(b'\x5d\x00\x00'):
		return lzma.LZMADecompressor(format=lzma.FORMAT_ALONE).decompress(payload)
	raise RuntimeError('unknown kernel payload compression (magic %s)' % payload[:6].hex())


def _has_pvh_note(elf):
	"""True when the ELF carries XEN_ELFNOTE_PHYS32_ENTRY (type 18, "Xen")."""
	phoff, = struct.unpack_from('<Q', elf, 0x20)
	phentsize, phnum = struct.unpack_from('<HH', elf, 0x36)
	for i in range(phnum):
		off = phoff + i * phentsize
		if struct.unpack_from('<I', elf, off)[0] != 4:  # PT_NOTE
			continue
		pos, = struct.unpack_from('<Q', elf, off + 8)
		end = pos + struct.unpack_from('<Q', elf, off + 32)[0]
		while pos + 12 <= end:
			namesz, descsz, ntype = struct.unpack_from('<III', elf, pos)
			if elf[pos + 12:pos + 12 + namesz].rstrip(b'\0') == b'Xen' and ntype == 18:
				return True
			pos += 12 + ((namesz + 3) & ~3) + ((descsz + 3) & ~3)
	return False


def extract_vmlinux(bzimage, out):
	with open(bzimage, 'rb') as f:
		img = f.read()
	if img[0x202:0x206] != b'HdrS' or struct.unpack_from('<H', img, 0x206)[0] < 0x208:
		raise RuntimeError('%s: not a bzImage with payload fields (protocol >= 2.08)' % bzimage)
	offset, length = struct.unpack_from('<II', img, 0x248)
	start = ((img[0x1f1] or 4) + 1) * 512 + offset
	elf = _decompress(img[start:start + length])
	if elf[:5] != b'\x7fELF\x02':
		raise RuntimeError('decompressed payload is not a 64-bit ELF image')
	if not _has_pvh_note(elf):
		raise RuntimeError('vmlinux has no PVH entry note (CONFIG_PVH unset?)')
	with open(out + '.tmp', 'wb') as f:
		f.write(elf)
	os.replace(out + '.tmp', out)


# --- module load order -----------------------------------------------------------
# From each .ko's .modinfo "depends=" field, so no depmod (package kmod).

def _modinfo(path):
	with open(path, 'rb') as f:
		elf = f.read()
	if path.endswith('.xz'):
		elf = lzma.decompress(elf)
	elif path.endswith('.zst'):
		elf = subprocess.run(['zstd', '-dc', path], capture_output=True, check=True).stdout
	elif path.endswith('.gz'):
		elf = zlib.decompress(elf, 16 + zlib.MAX_WBITS)
	shoff, = struct.unpack_from('<Q', elf, 0x28)
	shentsize, shnum, shstrndx = struct.unpack_from('<HHH', elf, 0x3a)

	def sect(i):
		base = shoff + i * shentsize
		name, = struct.unpack_from('<I', elf, base)
		return (name,) + struct.unpack_from('<QQ', elf, base + 0x18)

	stroff = sect(shstrndx)[1]
	for i in range(shnum):
		name, off, size = sect(i)
		if elf[stroff + name:elf.index(b'\0', stroff + name)] == b'.modinfo':
			items = [x.decode(errors='replace').split('=', 1)
				 for x in elf[off:off + size].split(b'\0') if b'=' in x]
			return dict(reversed(items))	# the first value of a key wins
	return {}


def module_order(moddir, names):
	"""Paths (relative to moddir) of names and their deps, deps first."""
	index = {}
	for root, _, files in os.walk(moddir):
		for fname in files:
			m = re.fullmatch(r'(.*)\.ko(\.xz|\.zst|\.gz)?', fname)
			if m:
				index[m.group(1).replace('-', '_')] = os.path.relpath(
					os.path.join(root, fname), moddir)
	order = []

	def visit(name, chain):
		name = name.replace('-', '_')
		if name in chain:
			raise RuntimeError('module dependency loop: ' + ' -> '.join(chain + [name]))
		if name not in index:
			raise RuntimeError('module %s not found under %s (built in?)' % (name, moddir))
		if index[name] in order:
			return
		deps = _modinfo(os.path.join(moddir, index[name])).get('depends', '')
		for dep in filter(None, deps.split(',')):
			visit(dep, chain + [name])
		order.append(index[name])

	for n in names:
		visit(n, [])
	return order


# --- cpio "newc" writer ------------------------------------------------------------
# The format the kernel's initramfs unpacker reads. Entries are (path, mode,
# data): bytes or str for files, the target for symlinks, None for
# directories, (major, minor) for device nodes. Owner root, mtime 0: the
# archive is a pure function of its content.

def write_cpio(entries, out):
	with open(out + '.tmp', 'wb') as f:
		pos = 0
		for ino, (path, mode, data) in enumerate(entries + [('TRAILER!!!', 0, b'')], 1):
			name = path.lstrip('/').encode() + b'\0'
			rdev = data if isinstance(data, tuple) else (0, 0)
			data = b'' if data is None or isinstance(data, tuple) else data
			data = data.encode() if isinstance(data, str) else data
			fields = (0 if path == 'TRAILER!!!' else ino, mode, 0, 0,
				  2 if stat.S_ISDIR(mode) else 1, 0, len(data), 0, 0,
				  rdev[0], rdev[1], len(name), 0)
			head = b'070701' + b''.join(b'%08X' % v for v in fields) + name
			for part in (head, data):
				f.write(part + b'\0' * (-len(part) % 4))
				pos += len(part) + (-len(part) % 4)
		# Concatenated archives follow: pad to 512 like cpio(1).
		f.write(b'\0' * (-pos % 512))
	os.replace(out + '.tmp', out)


class Tree:
	"""cpio entries of a file tree under construction, parents first."""

	def __init__(self):
		self.entries, self.paths = [], set()

	def add(self, path, mode, data=None):
		path = os.path.normpath(path.lstrip('/'))
		if path in self.paths:
			return
		parent = os.path.dirname(path)
		if parent and parent not in self.paths:
			self.add(parent, D755)
		self.paths.add(path)
		self.entries.append((path, mode, data))

	def copy(self, src, dst=None, follow=True):
		"""Host file src at dst (default: the same path); a symlink stays
		one unless follow."""
		dst = dst or src
		st = os.stat(src) if follow else os.lstat(src)
		if stat.S_ISLNK(st.st_mode):
			self.add(dst, st.st_mode, os.readlink(src))
		else:
			with open(src, 'rb') as f:
				self.add(dst, st.st_mode, f.read())


# --- the image -------------------------------------------------------------------

def _apt_packages():
	"""[(package, version)] of what is downloaded: the kernel package
	linux-image-amd64 points at first, then OVS_PACKAGES. One apt-cache
	call (about 1 s) when the kernel dependency names its version."""
	show = _out(['apt-cache', 'show', '--no-all-versions', 'linux-image-amd64'] + OVS_PACKAGES)
	stanzas = {}
	for text in show.split('\n\n'):
		m = re.search(r'^Package: (\S+)', text, re.M)
		if m:
			stanzas[m.group(1)] = text
	missing = [p for p in ['linux-image-amd64'] + OVS_PACKAGES if p not in stanzas]
	if missing:
		raise RuntimeError('apt knows no %s (apt-get update?)' % ', '.join(missing))
	m = re.search(r'^Depends: (linux-image-[0-9][^ ,]*)(?: \(= ([^)]*)\))?',
		      stanzas['linux-image-amd64'], re.M)
	if not m:
		raise RuntimeError('cannot resolve linux-image-amd64 (apt-get update?)')
	ver = m.group(2) or re.search(r'^Version: (\S+)', _out(
		['apt-cache', 'show', '--no-all-versions', m.group(1)]), re.M).group(1)
	return [(m.group(1), ver)] + [(p, re.search(r'^Version: (\S+)', stanzas[p], re.M).group(1))
				      for p in OVS_PACKAGES]


def _key(pkgs):
	h = hashlib.sha256()
	for f in (__file__, os.path.join(PKG, 'guest', 'init')):
		with open(f, 'rb') as fh:
			h.update(fh.read())
	h.update(''.join('download %s %s\n' % p for p in pkgs).encode())
	h.update(_out(['dpkg-query', '-W', '-f=${Package} ${Version}\n'] + KEY_PACKAGES).encode())
	return h.hexdigest()[:16]


def _deb_name(pkg, ver):
	# apt's file name: the epoch's colon is written %3a.
	return '%s_%s_amd64.deb' % (pkg, ver.replace(':', '%3a'))


def _download(dl, pkg, ver, stale):
	"""dl/<pkg>_<ver>_amd64.deb, downloaded unless there; other .debs whose
	name starts with stale (older versions) are removed."""
	deb = _deb_name(pkg, ver)
	if not os.path.exists(os.path.join(dl, deb)):
		log('downloading %s %s' % (pkg, ver))
		res = subprocess.run(['apt-get', '-q', '-o', 'APT::Sandbox::User=root', 'download',
				      '%s=%s' % (pkg, ver)], cwd=dl, stdout=subprocess.DEVNULL,
				     check=False)
		if res.returncode != 0 or not os.path.exists(os.path.join(dl, deb)):
			raise RuntimeError('apt-get download %s=%s failed (network? apt sources?); '
					   'or put %s into %s' % (pkg, ver, deb, dl))
	for old in os.listdir(dl):
		if old.startswith(stale) and old.endswith('.deb') and old != deb:
			os.remove(os.path.join(dl, old))
	return os.path.join(dl, deb)


def _shared_libs(binaries):
	"""Every library ldd lists for binaries (but librte_*), and the loader."""
	libs = set()
	for line in _out(['ldd'] + binaries).splitlines():
		f = line.split()
		if 'not found' in line:
			raise RuntimeError('ldd: %s (run devtools/setup.sh)' % line.strip())
		if len(f) >= 3 and f[1] == '=>' and f[2].startswith('/'):
			libs.add(f[2])
		elif len(f) == 2 and f[0].startswith('/') and f[1].startswith('('):
			libs.add(f[0])
	if not any('ld-linux' in x for x in libs):
		raise RuntimeError('ldd found no dynamic loader')
	# glibc dlopen()s libgcc_s for pthread_cancel; ldd does not list it.
	return sorted({x for x in libs if '/librte_' not in x} | {MULTIARCH + '/libgcc_s.so.1'})


def _ovs(t, ovs):
	"""Open vSwitch from the unpacked packages in ovs; returns its binaries
	(for ldd). /usr/sbin/ovs-vswitchd is the DPDK build itself (Debian
	points it there through an alternative)."""
	binaries = []
	for dst, src in OVS_FILES.items():
		t.copy(os.path.join(ovs, src), dst)
		if not dst.startswith('usr/share/'):
			binaries.append(os.path.join(ovs, src))
	return binaries


def _root(kernel, kdir, key, kpkg_info, ovs):
	"""The base initramfs entries: merged-/usr layout like the host, so that
	ldd's paths fit."""
	t = Tree()
	# The kernel needs a console before /init mounts devtmpfs.
	t.add('dev', D755)
	t.add('dev/console', stat.S_IFCHR | 0o600, (5, 1))
	for d in ('usr/bin', 'usr/sbin', 'usr/lib64', 'proc', 'sys', 'run', 'root', 'vireo'):
		t.add(d, D755)
	t.add('tmp', stat.S_IFDIR | 0o1777)
	for link in ('bin', 'sbin', 'lib', 'lib64'):
		t.add(link, stat.S_IFLNK | 0o777, 'usr/' + link)
	t.copy('/bin/busybox', 'usr/bin/busybox')
	for applet in _out(['/bin/busybox', '--list-full']).split():
		t.add('usr/' + re.sub('^usr/', '', applet), stat.S_IFLNK | 0o777, '/usr/bin/busybox')
	t.copy(os.path.join(PKG, 'guest', 'init'), 'init')
	t.add('etc/profile', F644, PROFILE)
	# coreutils' stdbuf preload: line-buffered testpmd logs (testpmd-lib.sh).
	t.copy(STDBUF)
	moddir = os.path.join(kernel, 'lib', 'modules', kdir)
	for name, mods in MODULE_SETS.items():
		order = module_order(moddir, mods)
		t.add('etc/vireo/modules-' + name, F644, ''.join(m + '\n' for m in order))
		for m in order:
			t.copy(os.path.join(moddir, m), 'usr/lib/modules/%s/%s' % (kdir, m))
	# DPDK: testpmd, every librte (symlinks kept: a plugin and the directly
	# linked copy are one file), the whole plugin directory (EAL loads all
	# of it) and the other libraries all of these need.
	testpmd = shutil.which('dpdk-testpmd')
	t.copy(testpmd, 'usr/bin/dpdk-testpmd')
	# Secondary-process tools (dpdk-dev, like testpmd): net-pmd-mp.
	tools = [shutil.which(n) for n in SECONDARY_TOOLS]
	for tool in tools:
		t.copy(tool, 'usr/bin/' + os.path.basename(tool))
	pmddir = [os.path.join(MULTIARCH, 'dpdk', d) for d in os.listdir(MULTIARCH + '/dpdk')
		  if d.startswith('pmds-')][0]
	dpdk = sorted(os.path.join(pmddir, n) for n in os.listdir(pmddir)) + sorted(
		os.path.join(MULTIARCH, n) for n in os.listdir(MULTIARCH)
		if n.startswith('librte_') and '.so' in n)
	for f in dpdk:
		t.copy(f, follow=False)
	ovs_bins = _ovs(t, ovs)
	for lib in _shared_libs([testpmd] + tools + ovs_bins +
				[f for f in dpdk if re.search(r'\.so\.\d+\.\d+$', f)
				 and not os.path.islink(f)]):
		t.copy(os.path.realpath(lib), re.sub('^/(lib|lib64)/', r'/usr/\1/', lib))
	t.add('etc/vireo/image-info', F644, '%s (%s)\n%skey %s\n' % (
		kpkg_info, kdir, _out(['dpkg-query', '-W', '-f=${Package} ${Version}\n',
				       'busybox-static', 'dpdk-dev']), key))
	return t.entries


def ensure(out, force=False):
	"""Build the image into out unless it is current; returns its key."""
	os.makedirs(out, exist_ok=True)
	with open(os.path.join(out, '.lock'), 'w') as lock:
		fcntl.flock(lock, fcntl.LOCK_EX)
		for tool in ('apt-cache', 'apt-get', 'dpkg-deb', 'dpkg-query', 'ldd',
			     'dpdk-testpmd') + tuple(SECONDARY_TOOLS):
			if shutil.which(tool) is None:
				raise RuntimeError('%s not found (run devtools/setup.sh)' % tool)
		ldd = subprocess.run(['ldd', '/bin/busybox'], capture_output=True, text=True)
		if 'not a dynamic' not in ldd.stdout + ldd.stderr:
			raise RuntimeError('/bin/busybox missing or not static: '
					   'apt-get install busybox-static')
		pkgs = _apt_packages()
		key = _key(pkgs)
		keyfile = os.path.join(out, 'image.key')
		if not force and all(os.path.exists(os.path.join(out, f))
				     for f in ('vmlinux', 'base.cpio', 'image.key')):
			with open(keyfile) as f:
				if f.read().strip() == key:
					return key
		if os.path.exists(keyfile):
			os.remove(keyfile)
		dl = os.environ.get('VIREO_GUEST_DL') or os.path.join(out, 'dl')
		os.makedirs(dl, exist_ok=True)
		debs = [_download(dl, p, v, 'linux-image-' if i == 0 else p + '_')
			for i, (p, v) in enumerate(pkgs)]
		work = os.path.join(out, 'work')
		ovs = os.path.join(out, 'work-ovs')
		for d in (work, ovs):
			shutil.rmtree(d, ignore_errors=True)
		try:
			log('building the guest image from %s' % os.path.basename(debs[0]))
			subprocess.run(['dpkg-deb', '-x', debs[0], work], check=True)
			for deb in debs[1:]:
				subprocess.run(['dpkg-deb', '-x', deb, ovs], check=True)
			kdir = os.listdir(os.path.join(work, 'lib', 'modules'))[0]
			extract_vmlinux(os.path.join(work, 'boot', 'vmlinuz-' + kdir),
					os.path.join(out, 'vmlinux'))
			info = ''.join('%s %s\n' % p for p in pkgs[1:])
			write_cpio(_root(work, kdir, key, info + 'kernel %s %s' % pkgs[0], ovs),
				   os.path.join(out, 'base.cpio'))
		finally:
			for d in (work, ovs):
				shutil.rmtree(d, ignore_errors=True)
		with open(os.path.join(out, 'kernel-version'), 'w') as f:
			f.write(kdir + '\n')
		with open(keyfile, 'w') as f:
			f.write(key + '\n')
		log('guest image ready: kernel %s, base.cpio %d MiB' % (
			kdir, os.path.getsize(os.path.join(out, 'base.cpio')) >> 20))
		return key


def ensure_fio(out):
	"""BUILD/guest/fio.cpio: /usr/bin/fio and what ldd lists for it, rebuilt
	when fio or one of those libraries changes (paths, sizes, mtimes);
	returns its path."""
	if not os.path.exists(FIO):
		raise RuntimeError('%s not found (run devtools/setup.sh)' % FIO)
	libs = _shared_libs([FIO])
	h = hashlib.sha256()
	for f in [FIO] + libs:
		st = os.stat(f)
		h.update(('%s %d %d\n' % (f, st.st_size, st.st_mtime_ns)).encode())
	key = h.hexdigest()[:16]
	cpio = os.path.join(out, 'fio.cpio')
	os.makedirs(out, exist_ok=True)
	with open(os.path.join(out, '.lock'), 'w') as lock:
		fcntl.flock(lock, fcntl.LOCK_EX)
		try:
			with open(cpio + '.key') as f:
				if f.read().strip() == key and os.path.exists(cpio):
					return cpio
		except OSError:
			pass
		t = Tree()
		t.copy(FIO, 'usr/bin/fio')
		for lib in libs:
			t.copy(os.path.realpath(lib), re.sub('^/(lib|lib64)/', r'/usr/\1/', lib))
		write_cpio(t.entries, cpio + '.tmp')
		os.replace(cpio + '.tmp', cpio)
		with open(cpio + '.key', 'w') as f:
			f.write(key + '\n')
		log('fio.cpio ready: %d MiB' % (os.path.getsize(cpio) >> 20))
		return cpio
