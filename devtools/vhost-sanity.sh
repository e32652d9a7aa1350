#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Side-by-side sanity run over vhost-user, no VM: a testpmd io loop on
# net_vireo_user and on upstream net_virtio_user, against one DPDK net_vhost
# backend (testpmd io forwarding). Interleaved A/B runs of a few seconds;
# prints each run's median Rx-pps at the frontend and the medians per driver.
# A sanity check, not the benchmark arena: figures on a shared 2-CPU VM are
# noisy; compare only the two columns of one invocation.
#
#   devtools/vhost-sanity.sh [--seconds N] [--runs N] [--pkt-size N] [--build DIR]
#
# Needs root-free hugepages (about 256 MiB; devtools/setup.sh as root) and a
# built tree (build/drivers/net/vireo/librte_net_vireo.so). Backend lcores
# on CPU 0, frontend lcores on CPU 1.

set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SECONDS_PER_RUN=5
RUNS=3
PKT_SIZE=64
BUILD=$REPO/build

die() { printf 'vhost-sanity: %s\n' "$*" >&2; exit 1; }

while [ $# -gt 0 ]; do
	case "$1" in
	--seconds) SECONDS_PER_RUN=$2; shift 2 ;;
	--runs) RUNS=$2; shift 2 ;;
	--pkt-size) PKT_SIZE=$2; shift 2 ;;
	--build) BUILD=$2; shift 2 ;;
	-h | --help) sed -n '4,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done

PLUGIN=$BUILD/drivers/net/vireo/librte_net_vireo.so
[ -f "$PLUGIN" ] || die "no $PLUGIN: build first (meson setup build && ninja -C build)"
command -v dpdk-testpmd >/dev/null || die "dpdk-testpmd not installed (apt-get install dpdk)"

WORK=$(mktemp -d /tmp/vireo-vhost-sanity.XXXXXX)
SOCK=$WORK/vhost.sock
BACKEND_PID=""
cleanup()
{
	if [ -n "$BACKEND_PID" ]; then
		kill "$BACKEND_PID" 2>/dev/null || true
		wait "$BACKEND_PID" 2>/dev/null || true
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT

start_backend()
{
	dpdk-testpmd --lcores 0@0,1@0 --no-pci --in-memory --single-file-segments -m 256 \
		--file-prefix vsan-be --vdev "net_vhost0,iface=$SOCK,queues=1" -- \
		--forward-mode=io --nb-cores=1 --total-num-mbufs=32768 --stats-period 1 \
		</dev/null >"$WORK/backend.log" 2>&1 &
	BACKEND_PID=$!
	for _ in $(seq 100); do
		[ -S "$SOCK" ] && return 0
		kill -0 "$BACKEND_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$WORK/backend.log" >&2
	die "backend did not create $SOCK"
}

# run_frontend VDEV: median of the frontend's per-second Rx-pps, first 2 s skipped.
run_frontend()
{
	local vdev=$1 log=$WORK/frontend.log
	timeout -s INT $((SECONDS_PER_RUN + 4)) \
		dpdk-testpmd --lcores 0@1,1@1 --no-pci --in-memory --single-file-segments -m 256 \
		--file-prefix vsan-fe -d "$PLUGIN" --vdev "$vdev" -- \
		--forward-mode=io --tx-first --nb-cores=1 --txpkts="$PKT_SIZE" \
		--total-num-mbufs=32768 --stats-period 1 </dev/null >"$log" 2>&1 || true
	grep -a -o 'Rx-pps: *[0-9]*' "$log" | awk '{ print $2 }' | tail -n +3 |
		sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else print v[int((NR + 1) / 2)] }'
}

start_backend
declare -a OURS=() UPSTREAM=()
printf '%-5s %16s %16s   (io loop, %d B, %d s per run; noisy host: compare columns only)\n' \
	run net_vireo_user net_virtio_user "$PKT_SIZE" "$SECONDS_PER_RUN"
for r in $(seq "$RUNS"); do
	a=$(run_frontend "net_vireo_user0,path=$SOCK")
	b=$(run_frontend "net_virtio_user0,path=$SOCK")
	OURS+=("$a")
	UPSTREAM+=("$b")
	printf '%-5s %16s %16s\n' "$r" "$a" "$b"
done
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
mo=$(median "${OURS[@]}")
mu=$(median "${UPSTREAM[@]}")
printf '%-5s %16s %16s   ratio %s\n' median "$mo" "$mu" \
	"$(awk -v a="$mo" -v b="$mu" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')"
