# shellcheck shell=sh disable=SC2034 # VIREO_EAL and PMD are for the cases sourcing this
# SPDX-License-Identifier: BSD-3-Clause
# Helpers for the net_vireo guest cases (busybox ash), on top of lib.sh.
# Stock dpdk-testpmd loads our PMD as a plugin: `-d librte_net_vireo.so`
# (found through LD_LIBRARY_PATH=$VIREO_LIB). Plugins load before the
# distro plugin directory, so net_vireo probes the NICs before net_virtio.
# shellcheck disable=SC1091 # the guest path of lib.sh
. /vireo/run/cases/lib.sh
need VIREO_NET0 VIREO_NET1
[ -f "$VIREO_LIB/librte_net_vireo.so" ] || skip "librte_net_vireo.so not built"

# EAL refuses plugins under a world-writable directory, "/" included
# (the harness's /init fixes it; kept for older images).
[ "$(stat -c %a /)" = 755 ] || chmod 755 /

# The guest's common EAL arguments (as lib.sh's eal_run) and our plugin.
VIREO_EAL="-l 0-1 -n 1 --in-memory"
PMD="-d librte_net_vireo.so"

# check_probed LOG: both NICs probed by net_vireo, neither by net_virtio.
check_probed() {
	n=$(grep -c "Probe PCI driver: net_vireo (1af4:1041)" "$1")
	[ "$n" -ge 1 ] || fail "net_vireo did not probe the NICs"
	! grep -q "Probe PCI driver: net_virtio (1af4:1041)" "$1" ||
		fail "upstream net_virtio took a NIC"
	! grep -q "device broke the virtqueue" "$1" || fail "a queue broke"
}

# fwd_stat LOG FIELD N: value of FIELD (RX-packets, TX-packets, RX-dropped)
# in the N-th "Forward statistics for port" block of LOG.
fwd_stat() {
	awk -v f="$2:" -v n="$3" '
		/Forward statistics for port/ { blk++ }
		blk == n { for (i = 1; i < NF; i++) if ($i == f) { print $(i + 1); exit } }' "$1"
}

# xstat LOG NAME: last value printed for xstat NAME ("name: value").
xstat() {
	awk -v k="$2:" '$1 == k { v = $2 } END { print v }' "$1"
}
