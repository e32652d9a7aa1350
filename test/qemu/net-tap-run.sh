#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Run guest cases with two extra virtio-net NICs on tap backends (virtio-net
# header: CSUM/TSO offered; QUEUES queue pairs: MQ), bridged to each other
# inside a network namespace of this script's own (never addressed, never
# routed, deleted on exit). In the guest they are VIREO_NET2 and VIREO_NET3.
#
#   test/qemu/net-tap-run.sh BUILD_DIR [--queues N] GUEST-RUN-ARGS...
#
# e.g. test/qemu/net-tap-run.sh build --bind vfio --cases net-pmd-tap:90
# QEMU's hubport backend (the harness default) offers no offloads and one
# queue pair, hence this wrapper. Root only.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: net-tap-run.sh BUILD_DIR [--queues N] GUEST-RUN-ARGS...}
shift
queues=2
if [ "${1:-}" = --queues ]; then
	queues=$2
	shift 2
fi
guest_run=${GUEST_RUN:-$here/../../devtools/guest-run}
ns=vireo-net-$$

cleanup() { ip netns del "$ns" 2> /dev/null || true; }
trap cleanup EXIT
ip netns add "$ns"
ip netns exec "$ns" sh -e -c "
	ip link set lo up
	sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	ip link add br0 type bridge
	ip link set br0 up
	for t in tap0 tap1; do
		ip tuntap add dev \$t mode tap multi_queue
		ip link set \$t master br0
		ip link set \$t up
	done"

iommu=
for a in "$@"; do
	[ "$a" != vfio ] || iommu=,iommu_platform=on,ats=on
done
args=()
for i in 0 1; do
	args+=("--qemu-arg=-netdev"
		"--qemu-arg=tap,id=t$i,ifname=tap$i,script=no,downscript=no,vhost=off,queues=$queues"
		"--qemu-arg=-device"
		"--qemu-arg=virtio-net-pci,netdev=t$i,disable-legacy=on,romfile=,addr=$((8 + i)),mq=on,vectors=$((2 * queues + 2)),mac=52:54:00:12:34:2$i$iommu")
done
ip netns exec "$ns" "$guest_run" --build-dir "$build" "${args[@]}" "$@"
