# SPDX-License-Identifier: BSD-3-Clause
"""The guest cases (test/qemu/cases/<name>.sh) run in one boot, with their
optional host-side checks (<name>.host); the meson suite's batch caching;
one shell command in the guest. See doc/guest-harness.md.
"""

import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys

from . import CASES_DIR, SKIP_RC, log
from .guest import tap_unavailable


def parse_cases(spec, default_tmo=60):
	cases = []
	for item in filter(None, spec.split(',')):
		name, _, tmo = item.partition(':')
		cases.append((name, int(tmo) if tmo else default_tmo))
	return cases


def host_checks(summary, results_dir, disk, build_dir):
	"""<name>.host of each case that passed, run after the boot with the disk
	image still there; their failure fails the case."""
	checks = {}
	for name, res in summary['results'].items():
		script = os.path.join(CASES_DIR, name + '.host')
		if res['result'] != 'PASS' or not os.path.exists(script):
			continue
		env = dict(os.environ, VIREO_DISK=disk, VIREO_BIND=summary['bind'],
			   VIREO_BUILD_DIR=build_dir,
			   VIREO_CASE_OUTPUT=os.path.join(results_dir, name + '.out'))
		res = subprocess.run(['sh', script], env=env, capture_output=True, check=False,
				     timeout=120)
		checks[name] = {'rc': res.returncode,
				'output': (res.stdout + res.stderr).decode(errors='replace')}
	summary['host_checks'] = checks


def run_batch(guest, cases, results_dir, echo=None):
	"""One boot running cases, host checks included; the summary is also
	in results_dir/summary.json."""
	summary = guest.boot(results_dir, cases, echo=echo,
			     after=lambda s, disk: host_checks(s, results_dir, disk,
							      guest.build_dir))
	summary.setdefault('host_checks', {})
	write_summary(results_dir, summary)
	return summary


def write_summary(results_dir, summary):
	with open(os.path.join(results_dir, 'summary.json'), 'w') as f:
		json.dump(summary, f, indent=1)


def verdict(summary, name):
	"""(exit status, message) of one case of a finished batch."""
	res = summary['results'].get(name)
	if res is None:
		why = summary['error'] or 'guest never reported it'
		began = name in summary.get('began', [])
		return 1, 'case %s did not %s: %s' % (name, 'finish' if began else 'run', why)
	check = summary['host_checks'].get(name)
	if res['result'] == 'PASS' and check and check['rc'] != 0:
		return 1, 'case %s: guest PASS, host check FAILED (rc=%d):\n%s' % (
			name, check['rc'], check['output'])
	if res['result'] == 'PASS':
		return 0, 'case %s PASS (%d s in guest)' % (name, res['secs'])
	if res['result'] == 'SKIP':
		return SKIP_RC, 'case %s SKIP' % name
	return 1, 'case %s FAIL rc=%d' % (name, res['rc'])


def report_error(summary):
	console = summary['console']
	if os.path.exists(console):
		log('console log: %s' % console)
	if summary['error']:
		log('error: %s' % summary['error'])
		if os.path.exists(console):
			with open(console, 'rb') as f:
				tail = f.read().decode(errors='replace').splitlines()[-40:]
			log('--- console tail ---\n%s' % '\n'.join(tail))


def retry_failed(guest, cases, results_dir, summary):
	"""Cases of a batch that failed (or never ran: the boot broke) run once
	more in a fresh boot, unless VIREO_GUEST_RETRY=0. Guests run under
	TCG, whose timing a busy host can stretch a lot: a case that then
	passes counts as passed, but says loudly that it needed a retry, and
	keeps its first output (NAME.first.out) for the record."""
	if os.environ.get('VIREO_GUEST_RETRY', '1') == '0':
		return
	failed = [c for c in cases if verdict(summary, c[0])[0] == 1]
	if not failed:
		return
	names = [c[0] for c in failed]
	log('RETRY: %s failed in the first boot; booting again for them' % ' '.join(names))
	retry_dir = os.path.join(results_dir, 'retry')
	shutil.rmtree(retry_dir, ignore_errors=True)
	again = run_batch(guest, failed, retry_dir)
	summary['retried'] = {}
	for name in names:
		first = os.path.join(results_dir, name + '.out')
		if os.path.exists(first):
			os.replace(first, os.path.join(results_dir, name + '.first.out'))
		out = os.path.join(retry_dir, name + '.out')
		if os.path.exists(out):
			shutil.copy(out, first)
		summary['retried'][name] = {
			'first': verdict(summary, name)[1],
			'retry': verdict(again, name)[1],
		}
		if name in again['results']:
			summary['results'][name] = again['results'][name]
		else:
			summary['results'].pop(name, None)
		if name in again['host_checks']:
			summary['host_checks'][name] = again['host_checks'][name]
		else:
			summary['host_checks'].pop(name, None)
		if again.get('error') and name not in again['results']:
			summary['error'] = again['error']
	if not again.get('error') and all(n in again['results'] for n in names):
		summary['error'] = None	# the first boot's error no longer explains a result
	summary['console_retry'] = again['console']


def _meson_run_id():
	"""Identity of the `meson test` process running us: its pid and start
	time. Tests of one meson run share a batch boot; a new run boots again."""
	rid = os.environ.get('VIREO_GUEST_RUN_ID')
	if rid:
		return rid
	ppid = os.getppid()
	try:
		with open('/proc/%d/stat' % ppid) as f:
			start = f.read().rsplit(')', 1)[1].split()[19]
	except (OSError, IndexError):
		start = '?'
	return '%d:%s' % (ppid, start)


def _cached_batch(guest, cases, case, batch):
	"""The summary of this meson run's boot of the batch, booting it first
	when no earlier test of the run did (under a lock)."""
	key = hashlib.sha256(repr((guest.bind, guest.mq, guest.net, guest.host_mtu, guest.hotplug,
				   guest.packed, cases)).encode()).hexdigest()[:12]
	top = os.path.join(guest.gdir, 'results')
	results_dir = os.path.join(top, '%s-%s' % (batch, key))
	rid_file = os.path.join(results_dir, 'run-id')
	rid = _meson_run_id()
	os.makedirs(guest.gdir, exist_ok=True)
	with open(os.path.join(guest.gdir, '.boot.lock'), 'w') as lock:
		fcntl.flock(lock, fcntl.LOCK_EX)
		summary = None
		try:
			with open(rid_file) as f, open(os.path.join(results_dir, 'summary.json')) as s:
				summary = json.load(s) if f.read().strip() == rid else None
		except (OSError, ValueError):
			pass
		if summary is not None and case in summary.get('consumed', []):
			summary = None	# asked twice in one meson run (--repeat): boot again
		if summary is None:
			names = [c[0] for c in cases]
			log('booting the %s guest for %d cases: %s' % (batch, len(names), ' '.join(names)))
			# Earlier results of this batch, other case lists too.
			for name in os.listdir(top) if os.path.isdir(top) else []:
				if re.fullmatch(re.escape(batch) + '-[0-9a-f]{12}', name):
					shutil.rmtree(os.path.join(top, name), ignore_errors=True)
			summary = run_batch(guest, cases, results_dir)
			retry_failed(guest, cases, results_dir, summary)
			with open(rid_file, 'w') as f:
				f.write(rid + '\n')
			log('boot done in %s s' % summary.get('boot_secs', '?'))
		else:
			log('result from this run\'s %s boot at %s' % (batch, summary['started']))
		summary.setdefault('consumed', []).append(case)
		write_summary(results_dir, summary)
	return summary, results_dir


def cmd_cases(guest, spec, case=None, batch=None):
	"""All cases of spec in one boot, each reported; with case (meson mode),
	only that one, from the boot of this meson run when one did it."""
	cases = parse_cases(spec)
	if guest.net == 'tap' and tap_unavailable():
		log('skipped: ' + tap_unavailable())
		return SKIP_RC
	if case is not None:
		if case not in [c[0] for c in cases]:
			log('--case %s is not in --cases' % case)
			return 2
		summary, results_dir = _cached_batch(guest, cases, case, batch or guest.bind)
		wanted = [case]
	else:
		results_dir = os.path.join(guest.gdir, 'results', 'manual-%d' % os.getpid())
		summary = run_batch(guest, cases, results_dir, echo=print)
		wanted = [c[0] for c in cases]
	worst = 0
	for name in wanted:
		out = os.path.join(results_dir, name + '.out')
		if case is not None and os.path.exists(out):
			with open(out) as f:
				sys.stdout.write(f.read())
		sys.stdout.write(summary['host_checks'].get(name, {}).get('output', ''))
		retried = summary.get('retried', {}).get(name)
		if retried is not None:
			first = os.path.join(results_dir, name + '.first.out')
			if case is not None and os.path.exists(first):
				with open(first) as f:
					sys.stdout.write('---- first boot\n' + f.read())
			log('RETRIED: first boot: %s; second boot: %s' % (retried['first'],
									     retried['retry']))
		status, msg = verdict(summary, name)
		log(msg)
		worst = status if case is not None else max(worst, status if status != SKIP_RC else 0)
	if worst == 1 or (case is None and summary['error']):
		report_error(summary)
		worst = 1
	if case is None:
		if worst or guest.keep:
			log('console log and case outputs: %s' % results_dir)
		else:
			shutil.rmtree(results_dir, ignore_errors=True)
	return worst


def cmd_run(guest, command, timeout):
	"""One shell command line in the guest, its output live; its status."""
	results_dir = os.path.join(guest.gdir, 'results', 'command-%d' % os.getpid())
	summary = guest.boot(results_dir, command=command, timeout=timeout, echo=print)
	res = summary['results'].get('command')
	if res is None:
		report_error(summary)
		return 255
	if not guest.keep:
		shutil.rmtree(results_dir, ignore_errors=True)
	log('guest command exit status %d (boot+run %s s)' % (res['rc'], summary.get('boot_secs')))
	return res['rc']
