# SPDX-License-Identifier: BSD-3-Clause
"""vireo: the Vireo test guest, its cases and the benchmarks.

  vireo run [GUEST OPTIONS] -- CMD...     one shell command line in the guest,
                                          output live, exits with its status
  vireo shell [GUEST OPTIONS]             interactive guest shell (Ctrl-A X quits)
  vireo cases SPEC [--case NAME]          cases name[:timeout_s],... of
                                          test/qemu/cases in one boot; with
                                          --case only that one, from this
                                          `meson test` run's boot (meson mode)
  vireo image [--force]                   build (or check) the guest image
  vireo bench net|matrix|main [OPTIONS]   benchmarks, ours vs upstream
  vireo arena net|ipp|kicks|main [OPTIONS]   host arena over vhost-user, no VM:
                                          throughput, instructions per packet,
                                          the main job's quick A/B
  vireo bench blk [OPTIONS]               storage: fio engine, vireo-perf,
                                          kernel virtio_blk (io_uring, libaio)
  vireo report FILE                       table of an earlier benchmark run

GUEST OPTIONS: --build-dir, --bind, --mq, --net, --host-mtu, ... (vireo run
--help). See doc/guest-harness.md and doc/benchmarks.md.
"""

import argparse
import os
import subprocess

from . import ROOT, arena, bench, blkbench, cases, image, log
from .guest import DEFAULTS, Guest


def _build_dir(p):
	p.add_argument('--build-dir', default=os.environ.get('VIREO_BUILD_DIR', 'build'),
		       help='meson build dir (default $VIREO_BUILD_DIR or build)')


def _guest_options(p):
	_build_dir(p)
	p.add_argument('--bind', choices=('uio', 'vfio', 'kernel', 'none'), default='uio',
		       help='driver for the virtio devices: uio_pci_generic, vfio-pci (adds an '
		       'emulated IOMMU), the kernel\'s virtio drivers, or none')
	p.add_argument('--mq', type=int, default=1, help='queue pairs / blk queues per device')
	p.add_argument('--net', choices=('hub', 'tap'), default='hub',
		       help='NIC link: QEMU hub (no vnet header, one queue pair) or two taps on a '
		       'bridge in a private network namespace (offload features, real --mq)')
	p.add_argument('--host-mtu', type=int, default=0,
		       help='QEMU host_mtu of the two NICs (offers VIRTIO_NET_F_MTU)')
	p.add_argument('--packed', action='store_true',
		       help='packed virtqueues (QEMU packed=on) on the modern NICs and disks')
	p.add_argument('--hotplug', action='store_true',
		       help='NIC 1 behind a PCIe root port (0000:01:00.0), so that QMP '
		       'device_del can unplug it')
	p.add_argument('--blk-drives', action='store_true',
		       help='extra virtio-blk drives for the blk-* cases (512 and 4096-byte '
		       'blocks, 256 MiB, read-only, no discard/write-zeroes, 2 queues of 1024), '
		       'in slots 0x10-0x15')
	p.add_argument('--boot-timeout', type=int, default=DEFAULTS['boot_timeout'],
		       help='allowance for boot and power-off on top of the case timeouts (s)')
	p.add_argument('--add', action='append', default=[], metavar='FILE[:GUESTPATH]',
		       help='extra file for the guest (default /vireo/bin or /vireo/lib)')
	p.add_argument('--qemu', default=DEFAULTS['qemu'])
	p.add_argument('--qemu-arg', action='append', default=[], help='extra QEMU argument')
	p.add_argument('--accel', choices=('auto', 'kvm', 'tcg'), default='auto')
	p.add_argument('--cpus', type=int, default=DEFAULTS['cpus'])
	p.add_argument('--mem', type=int, default=DEFAULTS['mem'], help='guest memory (MiB)')
	p.add_argument('--hugepages', type=int, default=DEFAULTS['hugepages'],
		       help='2 MiB hugepages in the guest')
	p.add_argument('--keep', action='store_true', help='keep the run directory')
	p.add_argument('-v', '--verbose', action='store_true', help='echo the whole console')


def _bench_options(p, duration, warmup, rounds):
	_build_dir(p)
	p.add_argument('--bind', choices=['uio', 'vfio'], default='uio')
	p.add_argument('--packed', action='store_true',
		       help='packed virtqueues (QEMU packed=on) on the NICs and disks: both '
		       'drivers then run packed rings')
	p.add_argument('--duration', type=int, default=duration,
		       help='measured seconds per run (default %d)' % duration)
	p.add_argument('--out-dir', help='results (default BUILD/bench, main: BUILD/main-job)')
	p.add_argument('--no-build', action='store_true', help='do not run meson/ninja first')
	p.add_argument('-v', '--verbose', action='store_true', help='echo the whole guest console')
	if warmup is None:
		return
	p.add_argument('--warmup', type=int, default=warmup,
		       help='seconds before the window (default %d)' % warmup)
	p.add_argument('--rounds', type=int, default=rounds,
		       help='repeat everything R times, medians (default %d)' % rounds)
	p.add_argument('--ours-args', default=bench.OURS_ARGS,
		       help="EAL args selecting ours (default '%s'; '' gives an "
		       'upstream-vs-upstream baseline)' % bench.OURS_ARGS)
	p.add_argument('--upstream-args', default='',
		       help='EAL args selecting upstream (default none: EAL loads net_virtio '
		       'from its plugin directory)')


def parser():
	ap = argparse.ArgumentParser(prog='vireo', description=__doc__.split('\n')[0],
				     formatter_class=argparse.RawDescriptionHelpFormatter,
				     epilog=__doc__.split('\n', 2)[2])
	sub = ap.add_subparsers(dest='cmd', required=True)
	p = sub.add_parser('run', help='one shell command line in the guest')
	_guest_options(p)
	p.add_argument('--timeout', type=int, default=300, help='command timeout in the guest (s)')
	p.add_argument('command', nargs='+', help='shell command line run in the guest')
	_guest_options(sub.add_parser('shell', help='interactive guest shell'))
	p = sub.add_parser('cases', help='guest cases in one boot')
	_guest_options(p)
	p.add_argument('spec', help='name[:timeout_s],... of test/qemu/cases/*.sh')
	p.add_argument('--case', help='report only this case of SPEC (meson mode)')
	p.add_argument('--batch-name', help='name of the batch (default: the binding)')
	p = sub.add_parser('image', help='build (or check) the guest image')
	_build_dir(p)
	p.add_argument('--force', action='store_true', help='rebuild even when current')
	p = sub.add_parser('bench', help='benchmarks, ours vs upstream')
	bsub = p.add_subparsers(dest='bench', required=True)
	p = bsub.add_parser('net', help='stock testpmd: txonly/rxonly and io (doc/benchmarks.md)')
	_bench_options(p, 10, 2, 3)
	p.add_argument('--workloads', default='txrx,io', help='comma list of txrx, io (default both)')
	p.add_argument('--pkt-size', type=int, default=64,
		       help='generated frame bytes, testpmd --txpkts (default 64)')
	p = bsub.add_parser('matrix', help='vireo-perf modes x packet sizes')
	_bench_options(p, 3, 1, 1)
	p.add_argument('--modes', dest='modes_arg', default='io,txrx,macswap',
		       help='comma list of %s; txrx = txonly on NIC0, rxonly on NIC1 '
		       '(default io,txrx,macswap)' % ', '.join(bench.PERF_MODES))
	p.add_argument('--sizes', dest='sizes_arg', default='64,512,1500,9000',
		       help='comma list of frame bytes without FCS, 64..9000; frames above the '
		       '2048-byte mbuf data room are multi-segment (default 64,512,1500,9000)')
	p.add_argument('--no-plot', action='store_true', help='skip the PNG')
	p = bsub.add_parser('main', help='the main job: vireo-perf on ours, then upstream, live')
	_bench_options(p, 10, None, None)
	p.add_argument('--pkt-size', type=int, default=64, help='frame bytes (default 64)')
	p.add_argument('--mode', default='io', help='vireo-perf --forward-mode (default io)')
	p.add_argument('--no-upstream', dest='upstream', action='store_false',
		       help='only ours')
	p = bsub.add_parser('blk', help='storage: fio-vireo, vireo-perf, kernel io_uring/libaio '
			    '(doc/benchmarks.md "Storage (guest)")')
	_bench_options(p, 5, None, None)
	p.add_argument('--warmup', type=int, default=2,
		       help='seconds before the window, fio ramp_time (default 2)')
	p.add_argument('--rounds', type=int, default=1,
		       help='repeat everything R times, medians (default 1)')
	p.add_argument('--devices', dest='devices_arg', default='null,raw',
		       help='comma list of null (QEMU null-co, read-zeroes=off), raw (a raw file '
		       'in the out dir) (default both)')
	p.add_argument('--workloads', dest='workloads_arg', default='randread,randwrite',
		       help='comma list of randread, randwrite (default both)')
	p.add_argument('--depths', dest='depths_arg', default='1,32,128',
		       help='comma list of iodepths (default 1,32,128)')
	p.add_argument('--tools', dest='tools_arg', default=','.join(blkbench.TOOLS),
		       help='comma list of %s (default all)' % ', '.join(blkbench.TOOLS))
	p.add_argument('--bs', default='4k', help='bytes per request (default 4k)')
	p.add_argument('--size', default='1g',
		       help='drive size and region used (default 1g)')
	p.add_argument('--fio-extra', default='',
		       help='more options for every fio run, with =: --fio-extra=--clocksource=cpu')
	p.add_argument('--no-plot', action='store_true', help='skip the PNG')
	arena.add_parsers(sub)
	p = sub.add_parser('report', help='table of an earlier benchmark run '
			   '(bench-net.json, perf-matrix-summary.json, blk-*.json)')
	p.add_argument('file')
	return ap


def _bench(a):
	if a.duration < 1 or getattr(a, 'rounds', 1) < 1:
		bench.die('--duration and --rounds must be at least 1', 2)
	if getattr(a, 'warmup', 0) < 0:
		bench.die('--warmup must be >= 0', 2)
	if a.bench == 'net' and not 64 <= a.pkt_size <= 1514:
		bench.die('--pkt-size: 64..1514 for testpmd', 2)
	a.build_dir = os.path.abspath(a.build_dir)
	a.out_dir = os.path.abspath(a.out_dir or os.path.join(
		a.build_dir, 'main-job' if a.bench == 'main' else 'bench'))
	os.chdir(ROOT)
	return {'net': bench.cmd_net, 'matrix': bench.cmd_matrix, 'main': bench.cmd_main,
		'blk': blkbench.cmd_blk}[a.bench](a)


def main(argv=None):
	a = parser().parse_args(argv)
	if a.cmd == 'report':
		return bench.cmd_report(a)
	if a.cmd == 'bench':
		return _bench(a)
	if a.cmd == 'arena':
		return arena.run(a)
	if a.cmd == 'image':
		try:
			key = image.ensure(os.path.join(os.path.abspath(a.build_dir), 'guest'), a.force)
		except (RuntimeError, OSError, subprocess.SubprocessError) as e:
			log(str(e))
			return 1
		log('guest image %s/guest ok (key %s)' % (a.build_dir, key))
		return 0
	guest = Guest.from_args(a)
	if a.cmd == 'shell':
		return guest.shell()
	if a.cmd == 'cases':
		return cases.cmd_cases(guest, a.spec, a.case, a.batch_name)
	return cases.cmd_run(guest, ' '.join(a.command), a.timeout)
