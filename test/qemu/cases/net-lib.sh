# shellcheck shell=sh disable=SC2034,SC2086 # VIREO_EAL and PMD are for the cases sourcing this; argument lists are split on purpose
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

# bounded_burst NAME RX_EAL RX_APP TX_APP: rxonly testpmd on NIC 1, then a
# bounded burst from NIC 0 to NIC 1's own MAC; leaves the logs in $rxlog and
# $txlog and the sender's exit status in $txrc, and prints both logs.
# QEMU's hub queues up to 10000 frames for a receiver whose ring is full
# and drops beyond (the sender is not stalled): a sender that outruns the
# receiving vCPU loses frames in QEMU, not in the driver. So the sender
# sends `start tx_first 250` (250 bursts of 32 = 8000 frames, the txonly
# engine's frames, --txpkts applies) in io mode on a port that receives
# nothing: whatever the scheduling, the hub never holds more than 8000 and
# every frame must arrive. Frames go to NIC 1's own MAC: accepted whether or
# not promiscuous mode is on yet (testpmd enables it only after the port
# started; QEMU drops frames for other MACs in that window).
bounded_burst() {
	rxlog=/tmp/$1-rx.log
	txlog=/tmp/$1-tx.log
	# Receiver: interactive so it can print its xstats after stopping.
	(sleep 22; echo stop; echo "show port xstats 0"; echo quit) |
		timeout 40 dpdk-testpmd $VIREO_EAL -m 256 $PMD -a "$VIREO_NET1" $2 -- -i -a \
		--port-topology=loop --forward-mode=rxonly --total-num-mbufs=4096 $3 \
		> "$rxlog" 2>&1 &
	bb_rxpid=$!
	sleep 6
	(sleep 3; echo "start tx_first 250"; sleep 5; echo stop; echo quit) |
		timeout 20 dpdk-testpmd -l 0-1 --main-lcore 1 -n 1 --in-memory -m 256 $PMD \
		-a "$VIREO_NET0" -- -i --port-topology=loop --forward-mode=io \
		--eth-peer=0,52:54:00:12:34:02 --total-num-mbufs=4096 $4 > "$txlog" 2>&1
	txrc=$?
	wait $bb_rxpid
	echo "---- tx side"; cat "$txlog"
	echo "---- rx side"; cat "$rxlog"
}
