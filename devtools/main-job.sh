#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The main job: build Vireo, boot the test guest (QEMU, modern-only virtio
# NICs back to back) and run vireo-perf on our net_vireo PMD there, printing
# live statistics and the summary. Then the same run on upstream net_virtio,
# for comparison.
#
#   ./devtools/main-job.sh [--bind uio|vfio] [--duration S] [--pkt-size N]
#                          [--mode io|txonly|...] [--no-upstream]
# shellcheck disable=SC2016 # $VIREO_* are expanded by the guest's shell, not here
set -euo pipefail

cd "$(dirname "$0")/.."
BUILD=${VIREO_BUILD_DIR:-build}
BIND=uio
DURATION=10
PKT_SIZE=64
MODE=io
UPSTREAM=1

usage() {
	sed -n "3,9p" "$0" | sed "s/^# \{0,1\}//"
	exit "${1:-0}"
}

while [ $# -gt 0 ]; do
	case "$1" in
	--bind) BIND=$2; shift 2 ;;
	--duration) DURATION=$2; shift 2 ;;
	--pkt-size) PKT_SIZE=$2; shift 2 ;;
	--mode) MODE=$2; shift 2 ;;
	--no-upstream) UPSTREAM=0; shift ;;
	-h|--help) usage 0 ;;
	*) echo "main-job: unknown option $1" >&2; usage 2 ;;
	esac
done
case "$BIND" in uio|vfio) ;; *) echo "main-job: --bind must be uio or vfio" >&2; exit 2 ;; esac
case "$DURATION" in ''|*[!0-9]*) echo "main-job: --duration takes whole seconds" >&2; exit 2 ;; esac

if ! command -v qemu-system-x86_64 >/dev/null; then
	echo "main-job: qemu-system-x86_64 is missing (run ./devtools/setup.sh): there is" \
		"no virtio device to measure on this machine without the guest." >&2
	exit 1
fi

[ -d "$BUILD" ] || meson setup "$BUILD" >/dev/null
ninja -C "$BUILD" -j"$(nproc)"

# In the guest: 2 vCPUs. lcore 0 (main, statistics) shares CPU 0 with the
# port-0 worker; the port-1 worker has CPU 1. io forwarding between the two
# NICs with a first burst on each keeps both directions busy.
perf_args="--forward-mode=$MODE --tx-first --duration $DURATION --warmup 2 --stats-period 1"
perf_args="$perf_args --pkt-size $PKT_SIZE"
eal='--lcores 0@0,1@1,2@0 -n 1 --in-memory -a $VIREO_NET0 -a $VIREO_NET1'

OUT="$BUILD/main-job"
mkdir -p "$OUT"
LOG="$OUT/guest.log"

# Each run's JSON is printed between markers so the host can pick it up.
perf_run() { # label, extra EAL args
	printf 'echo; echo "=== vireo-perf on %s ==="; ' "$1"
	printf '$VIREO_BIN/vireo-perf %s %s -- %s --json /tmp/%s.json && ' "$eal" "$2" "$perf_args" "$1"
	printf '{ echo "@@JSON-BEGIN %s"; cat /tmp/%s.json; echo "@@JSON-END"; }; ' "$1" "$1"
}

guest_cmd=$(perf_run ours '-d $VIREO_LIB/librte_net_vireo.so')
if [ "$UPSTREAM" = 1 ]; then
	guest_cmd="$guest_cmd$(perf_run upstream '')"
fi
guest_cmd="${guest_cmd}true"

./devtools/guest-run --build-dir "$BUILD" --bind "$BIND" -- "$guest_cmd" | tee "$LOG" |
	awk '/^@@JSON-BEGIN/ { skip = 1 } !skip { print } /^@@JSON-END/ { skip = 0 }'
python3 - "$LOG" "$OUT" <<'PY'
import json, re, sys
log, out = sys.argv[1], sys.argv[2]
text = open(log, errors='replace').read()
runs = {}
for label, body in re.findall(r'@@JSON-BEGIN (\S+)\n(.*?)@@JSON-END', text, re.S):
	runs[label] = json.loads(body)
	with open('%s/%s.json' % (out, label), 'w') as f:
		json.dump(runs[label], f, indent=1)
if 'ours' not in runs:
	sys.exit('main-job: the run on net_vireo produced no figures (see %s)' % log)
def mpps(r):
	return r['total']['rx_pps'] / 1e6
print('\n=== summary (total rx Mpps, same guest, same devices) ===')
for label, r in runs.items():
	print('%-9s %-12s %8.3f Mpps' % (label, r.get('driver', '?'), mpps(r)))
if 'upstream' in runs and mpps(runs['upstream']) > 0:
	print('ratio ours/upstream: %.2f' % (mpps(runs['ours']) / mpps(runs['upstream'])))
print('JSON: %s/{%s}.json' % (out, ','.join(runs)))
PY
