# SPDX-License-Identifier: BSD-3-Clause
"""Vireo's development tooling in one package: the QEMU test guest (image,
boots, console, QMP), the guest test cases and the benchmarks.

Entry point: devtools/vireo (or python3 -m vireo_tools with devtools/ on the
path); see cli.py and doc/guest-harness.md.
"""

import os
import sys

PKG = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(PKG))
CASES_DIR = os.path.join(ROOT, 'test', 'qemu', 'cases')
SKIP_RC = 77


def log(msg):
	sys.stderr.write('vireo: %s\n' % msg)
	sys.stderr.flush()
