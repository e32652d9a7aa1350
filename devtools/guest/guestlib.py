#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Helpers for the Vireo guest image: vmlinux extraction, module dependency
closure and a deterministic cpio (newc) writer.

Used as a library by devtools/guest-run and as a command by
devtools/build-guest.sh:

  guestlib.py vmlinux BZIMAGE OUT           extract the ELF kernel (PVH boot)
  guestlib.py modules MODDIR NAME...        print the .ko paths (relative to
                                            MODDIR) in load order, deps first
  guestlib.py cpio STAGING OUT              pack a directory as newc cpio
"""

import lzma
import os
import shutil
import stat
import struct
import subprocess
import sys
import zlib

# ---------------------------------------------------------------------------
# vmlinux from bzImage
#
# The x86 boot protocol (Documentation/x86/boot.rst) gives the compressed
# payload's place in the setup header: protected-mode code starts after
# (setup_sects + 1) sectors, payload_offset/payload_length (protocol >= 2.08)
# are relative to that. No magic scanning needed; we still check the magic
# to pick the decompressor.


def _decompress(payload):
	if payload.startswith(b'\xfd7zXZ\x00'):
		dec = lzma.LZMADecompressor(format=lzma.FORMAT_XZ)
		return dec.decompress(payload)
	if payload.startswith(b'\x1f\x8b'):
		dec = zlib.decompressobj(16 + zlib.MAX_WBITS)
		return dec.decompress(payload)
	if payload.startswith(b'\x28\xb5\x2f\xfd'):
		# No zstd in the stdlib: use the CLI (package zstd). The kernel
		# appends the 4-byte uncompressed size after the frame (size_append),
		# which zstd would reject as a bad frame: cut it.
		if shutil.which('zstd') is None:
			raise RuntimeError('zstd-compressed kernel: install the zstd package')
		res = subprocess.run(['zstd', '-dc'], input=payload[:-4],
				     capture_output=True, check=False)
		if res.returncode != 0 or not res.stdout:
			raise RuntimeError('zstd failed: ' + res.stderr.decode(errors='replace'))
		return res.stdout
	if payload.startswith(b'\x5d\x00\x00'):
		dec = lzma.LZMADecompressor(format=lzma.FORMAT_ALONE)
		return dec.decompress(payload)
	raise RuntimeError('unknown kernel payload compression (magic %s)' % payload[:6].hex())


def _elf_has_pvh_note(elf):
	"""True when the ELF carries XEN_ELFNOTE_PHYS32_ENTRY (type 18, "Xen")."""
	if elf[:4] != b'\x7fELF' or elf[4] != 2:
		return False
	phoff, = struct.unpack_from('<Q', elf, 0x20)
	phentsize, phnum = struct.unpack_from('<HH', elf, 0x36)
	for i in range(phnum):
		off = phoff + i * phentsize
		p_type, = struct.unpack_from('<I', elf, off)
		if p_type != 4:  # PT_NOTE
			continue
		p_offset, = struct.unpack_from('<Q', elf, off + 8)
		p_filesz, = struct.unpack_from('<Q', elf, off + 32)
		pos, end = p_offset, p_offset + p_filesz
		while pos + 12 <= end:
			namesz, descsz, ntype = struct.unpack_from('<III', elf, pos)
			name = elf[pos + 12:pos + 12 + namesz].rstrip(b'\0')
			if name == b'Xen' and ntype == 18:
				return True
			pos += 12 + ((namesz + 3) & ~3) + ((descsz + 3) & ~3)
	return False


def extract_vmlinux(bzimage, out):
	with open(bzimage, 'rb') as f:
		img = f.read()
	if img[0x202:0x206] != b'HdrS':
		raise RuntimeError('%s: not a bzImage (no HdrS)' % bzimage)
	version, = struct.unpack_from('<H', img, 0x206)
	if version < 0x208:
		raise RuntimeError('%s: boot protocol %#x has no payload fields' % (bzimage, version))
	setup_sects = img[0x1f1] or 4
	payload_offset, payload_length = struct.unpack_from('<II', img, 0x248)
	start = (setup_sects + 1) * 512 + payload_offset
	payload = img[start:start + payload_length]
	elf = _decompress(payload)
	if elf[:4] != b'\x7fELF':
		raise RuntimeError('decompressed payload is not an ELF image')
	if not _elf_has_pvh_note(elf):
		raise RuntimeError('vmlinux has no PVH entry note (CONFIG_PVH unset?)')
	tmp = out + '.tmp'
	with open(tmp, 'wb') as f:
		f.write(elf)
	os.replace(tmp, out)


# ---------------------------------------------------------------------------
# Module dependency closure from each .ko's .modinfo "depends=" field, so no
# depmod (package kmod) is needed on the host.


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
		off, size = struct.unpack_from('<QQ', elf, base + 0x18)
		return name, off, size

	_, stroff, _ = sect(shstrndx)
	info = {}
	for i in range(shnum):
		name, off, size = sect(i)
		end = elf.index(b'\0', stroff + name)
		if elf[stroff + name:end] != b'.modinfo':
			continue
		for item in elf[off:off + size].split(b'\0'):
			if b'=' in item:
				k, v = item.decode(errors='replace').split('=', 1)
				info.setdefault(k, v)
	return info


def _modname(fname):
	base = os.path.basename(fname)
	for suffix in ('.ko.xz', '.ko.zst', '.ko.gz', '.ko'):
		if base.endswith(suffix):
			return base[:-len(suffix)].replace('-', '_')
	return None


def module_order(moddir, names):
	"""Return paths (relative to moddir) of names and their deps, deps first."""
	index = {}
	for root, _, files in os.walk(moddir):
		for fname in files:
			name = _modname(fname)
			if name:
				index[name] = os.path.relpath(os.path.join(root, fname), moddir)
	order, seen = [], set()

	def visit(name, chain):
		name = name.replace('-', '_')
		if name in seen:
			return
		if name in chain:
			raise RuntimeError('module dependency loop: ' + ' -> '.join(chain + [name]))
		if name not in index:
			raise RuntimeError('module %s not found under %s (built in?)' % (name, moddir))
		deps = _modinfo(os.path.join(moddir, index[name])).get('depends', '')
		for dep in filter(None, deps.split(',')):
			visit(dep, chain + [name])
		seen.add(name)
		order.append(index[name])

	for n in names:
		visit(n, [])
	return order


# ---------------------------------------------------------------------------
# cpio "newc" writer (the format the kernel's initramfs unpacker reads).
# Entries are (path, mode, data) with data bytes for files, the link target
# for symlinks, None for directories, or (major, minor) for device nodes.
# Owner root, mtime 0: the archive is a pure function of its content.


def _cpio_header(ino, mode, size, nlink, name, rdev=(0, 0)):
	fields = (ino, mode, 0, 0, nlink, 0, size, 0, 0, rdev[0], rdev[1],
		  len(name) + 1, 0)
	return b'070701' + b''.join(b'%08X' % v for v in fields)


def _pad4(n):
	return (4 - n % 4) % 4


def write_cpio(entries, out):
	tmp = out + '.tmp'
	with open(tmp, 'wb') as f:
		pos = 0

		def put(b):
			nonlocal pos
			f.write(b)
			pos += len(b)

		ino = 1
		for path, mode, data in entries + [('TRAILER!!!', 0, b'')]:
			name = path.lstrip('/').encode()
			rdev = (0, 0)
			if isinstance(data, tuple):
				rdev, data = data, b''
			elif data is None:
				data = b''
			elif isinstance(data, str):
				data = data.encode()
			nlink = 2 if stat.S_ISDIR(mode) else 1
			put(_cpio_header(ino if path != 'TRAILER!!!' else 0, mode,
					 len(data), nlink, name, rdev))
			put(name + b'\0')
			put(b'\0' * _pad4(pos))
			put(data)
			put(b'\0' * _pad4(pos))
			ino += 1
		# The kernel reads concatenated archives; pad to 512 like cpio(1).
		put(b'\0' * ((512 - pos % 512) % 512))
	os.replace(tmp, out)


def dir_entries(staging, prefix=''):
	"""Entries for every file under staging (sorted, parents first)."""
	entries = []
	for root, dirs, files in os.walk(staging):
		dirs.sort()
		rel = os.path.relpath(root, staging)
		for name in sorted(dirs + files):
			full = os.path.join(root, name)
			path = os.path.normpath(os.path.join(prefix, rel, name))
			st = os.lstat(full)
			if stat.S_ISLNK(st.st_mode):
				entries.append((path, st.st_mode, os.readlink(full)))
			elif stat.S_ISDIR(st.st_mode):
				entries.append((path, st.st_mode, None))
			elif stat.S_ISREG(st.st_mode):
				with open(full, 'rb') as f:
					entries.append((path, st.st_mode, f.read()))
			else:
				raise RuntimeError('%s: unsupported file type' % full)
	return entries


def main(argv):
	if len(argv) >= 3 and argv[0] == 'vmlinux':
		extract_vmlinux(argv[1], argv[2])
	elif len(argv) >= 3 and argv[0] == 'modules':
		print('\n'.join(module_order(argv[1], argv[2:])))
	elif len(argv) == 3 and argv[0] == 'cpio':
		entries = dir_entries(argv[1])
		# The kernel needs a console before /init mounts devtmpfs.
		entries.insert(0, ('dev', stat.S_IFDIR | 0o755, None))
		entries.insert(1, ('dev/console', stat.S_IFCHR | 0o600, (5, 1)))
		entries = [e for i, e in enumerate(entries)
			   if i < 2 or e[0] not in ('dev', 'dev/console')]
		write_cpio(entries, argv[2])
	else:
		sys.stderr.write(__doc__)
		return 2
	return 0


if __name__ == '__main__':
	try:
		sys.exit(main(sys.argv[1:]))
	except (OSError, RuntimeError, lzma.LZMAError, zlib.error) as e:
		sys.stderr.write('guestlib: %s\n' % e)
		sys.exit(1)
