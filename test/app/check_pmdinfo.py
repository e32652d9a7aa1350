#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Check what DPDK's dpdk-pmdinfo.py reports for one of our plugins.

  check_pmdinfo.py PLUGIN.so DRIVER_NAME VENDOR:DEVICE... [--kmod TEXT] [--params TEXT]

Runs the distro's dpdk-pmdinfo.py exactly as a user would and checks the
driver's entry: its name, every PCI id given, the kernel modules and the
devargs. Exits 0 when all match, 1 with the differences otherwise, 77 (skip)
when dpdk-pmdinfo.py is not installed.
"""

import argparse
import json
import shutil
import subprocess
import sys


def main():
	ap = argparse.ArgumentParser()
	ap.add_argument('plugin')
	ap.add_argument('driver')
	ap.add_argument('pci_ids', nargs='*', metavar='VENDOR:DEVICE')
	ap.add_argument('--kmod')
	ap.add_argument('--params')
	args = ap.parse_args()

	tool = shutil.which('dpdk-pmdinfo.py')
	if tool is None:
		print('dpdk-pmdinfo.py not installed (apt-get install dpdk)')
		return 77
	# The tool's own interpreter (its shebang), as a user runs it.
	out = subprocess.run([tool, args.plugin], capture_output=True, text=True)
	if out.returncode != 0:
		print('dpdk-pmdinfo.py failed (%d): %s' % (out.returncode, out.stderr.strip()))
		return 1
	print(out.stdout)
	entries = [e for e in json.loads(out.stdout) if e.get('name') == args.driver]
	if len(entries) != 1:
		print('expected one entry named %s, got %d' % (args.driver, len(entries)))
		return 1
	entry = entries[0]
	errors = []
	have = {'%s:%s' % (p.get('vendor'), p.get('device')) for p in entry.get('pci_ids', [])}
	for want in args.pci_ids:
		if want not in have:
			errors.append('PCI id %s missing (have %s)' % (want, sorted(have)))
	for key, want in (('kmod', args.kmod), ('params', args.params)):
		if want is not None and entry.get(key) != want:
			errors.append('%s is %r, expected %r' % (key, entry.get(key), want))
	for e in errors:
		print('FAIL: ' + e)
	return 1 if errors else 0


if __name__ == '__main__':
	sys.exit(main())
