# shellcheck shell=sh disable=SC2086 # argument lists are split on purpose
# SPDX-License-Identifier: BSD-3-Clause
# Open vSwitch with DPDK (Debian's ovs-vswitchd-dpdk, OVS 3.1 on DPDK 22.11)
# runs NIC 0 with its default port configuration, the PMD loaded through
# other_config:dpdk-extra="-d librte_net_vireo.so": bridge br0
# (datapath_type=netdev), port p0 type=dpdk on NIC 0, one flow sending what
# p0 receives back out of p0. A second DPDK primary process, dpdk-testpmd on
# NIC 1 (its own --file-prefix), sends a bounded burst through the hub and
# receives the reflected frames: sent == p0 rx == p0 tx == received, counted
# on both sides. Then the same with upstream net_virtio (no dpdk-extra) for
# comparison: both must get the same port configuration on the first try.
# OVS_PMDS overrides the list ("vireo", "virtio"). See doc/net-pmd.md.
# shellcheck disable=SC1091 # the guest paths of the libraries
. /vireo/run/cases/net-lib.sh
# shellcheck disable=SC1091
. /vireo/run/cases/testpmd-lib.sh
command -v ovs-vswitchd >/dev/null || skip "no Open vSwitch in the guest image"

# The bridge's own (internal) port of a netdev datapath is a tap device.
if [ ! -e /dev/net/tun ]; then
	while read -r m; do
		insmod "/lib/modules/$(uname -r)/$m" || fail "insmod $m failed"
	done </etc/vireo/modules-ovs
fi

ROUNDS=${OVS_ROUNDS:-4} # traffic rounds of
ROUND=${OVS_ROUND:-6}    # testpmd `start tx_first` bursts of 32 frames
RUN=/tmp/ovs
# OVS's directories (database, sockets, pid files, logs), all in one place.
export OVS_RUNDIR=$RUN OVS_LOGDIR=$RUN OVS_DBDIR=$RUN OVS_SYSCONFDIR=$RUN
vsctl() { ovs-vsctl --timeout=60 "$@"; }

# ovs_stop: both daemons gone (their pid files name them), so that NIC 0
# and OVS's hugepages are free for the next run.
ovs_stop() {
	for d in ovs-vswitchd ovsdb-server; do
		[ -f "$RUN/$d.pid" ] || continue
		pid=$(cat "$RUN/$d.pid")
		ovs-appctl -t "$d" exit >/dev/null 2>&1 || kill "$pid" 2>/dev/null
		i=0
		while alive "$pid" && [ "$i" -lt 300 ]; do
			i=$((i + 1))
			sleep 0.1
		done
		alive "$pid" && kill -9 "$pid"
	done
}

# ovs_exit: end of one run; a failed one shows the end of OVS's log.
ovs_exit() {
	_rc=$?
	[ "$_rc" = 0 ] || grep -v coverage "$RUN/ovs-vswitchd.log" | tail -n 30
	ovs_stop
}

# ovs_start PMD: database, ovsdb-server, DPDK initialised with the PMD's
# dpdk-extra (none for upstream net_virtio), ovs-vswitchd, br0 and p0.
ovs_start() {
	rm -rf "$RUN"
	mkdir -p "$RUN"
	ovsdb-tool create "$RUN/conf.db" /usr/share/openvswitch/vswitch.ovsschema ||
		fail "ovsdb-tool create failed"
	ovsdb-server "$RUN/conf.db" --remote="punix:$RUN/db.sock" --pidfile --detach \
		--log-file 2>/dev/null || fail "ovsdb-server did not start"
	vsctl --no-wait init
	vsctl --no-wait set Open_vSwitch . other_config:dpdk-init=true
	# EAL probes every PCI device unless told otherwise: NIC 0 only (NIC 1
	# is testpmd's).
	extra="-a $VIREO_NET0"
	[ "$1" = vireo ] && extra="$extra -d $VIREO_LIB/librte_net_vireo.so"
	vsctl --no-wait set Open_vSwitch . other_config:dpdk-extra="$extra"
	t0=$(date +%s)
	ovs-vswitchd --pidfile --detach --log-file 2>/dev/null || {
		cat "$RUN/ovs-vswitchd.log"
		fail "ovs-vswitchd did not start"
	}
	vsctl add-br br0 -- set bridge br0 datapath_type=netdev
	vsctl add-port br0 p0 -- set Interface p0 type=dpdk \
		options:dpdk-devargs="$VIREO_NET0"
	echo "ovs-$1: ovs-vswitchd up, p0 added in $(($(date +%s) - t0)) s"
}

# p0 rx|tx: p0's packet counter, asked from ovs-vswitchd (the database's
# Interface statistics are only refreshed every 5 s).
p0() {
	ovs-ofctl dump-ports br0 p0 | sed -n "s/.*$1 pkts=\([0-9]*\).*/\1/p"
}

# ovs_case PMD: one run; fails the case on any mismatch.
ovs_case() {
	pmd=$1
	# The daemons detach into sessions of their own: the harness's clean-up
	# would not reach them, and they would hold NIC 0 for the next run.
	trap ovs_exit EXIT
	ovs_start "$pmd"
	log=$RUN/ovs-vswitchd.log
	echo "---- ovs-$pmd: what OVS logged about p0"
	grep -E 'dpdk|p0|rxq|txq|MTU|mempool|Retrying|error' "$log" |
		grep -v -E 'EAL: Detected|vhost|TELEMETRY' | sed 's/^[^|]*|[^|]*|//'
	echo "---- ovs-$pmd: p0 in the database"
	vsctl get Interface p0 status
	echo "p0 ofport $(vsctl get Interface p0 ofport) mtu $(vsctl get Interface p0 mtu)" \
		"error $(vsctl get Interface p0 error)"
	[ "$(vsctl get Interface p0 ofport)" -gt 0 ] || fail "ovs-$pmd: p0 has no OpenFlow port"
	ovs-ofctl del-flows br0
	ovs-ofctl add-flow br0 "in_port=p0,actions=in_port" || fail "add-flow failed"
	grep -q "Retrying setup" "$log" && fail "ovs-$pmd: OVS had to retry the port setup"
	drv=$(vsctl get Interface p0 status:driver_name | tr -d '"')
	case "$pmd" in
	vireo) [ "$drv" = net_vireo ] || fail "ovs-$pmd: p0 driven by '$drv', not net_vireo" ;;
	virtio) [ "$drv" = net_virtio ] || fail "ovs-$pmd: p0 driven by '$drv', not net_virtio" ;;
	esac

	# The traffic generator: testpmd on NIC 1, its forwarding lcore 0 (OVS's
	# PMD thread polls on core 1), rxonly after each bounded burst to NIC 0's
	# MAC. Rounds of ROUND bursts of 32 frames, each round waiting until
	# everything came back, keep what is in flight within one ring of 256: a
	# burst as large as the hub allows (10000 frames) would overflow p0's
	# tx ring, since QEMU drains a tx ring only when its main thread gets
	# the CPU, and OVS drops what tx_burst does not take (tx_dropped).
	tp_open tg 3 -l 0-1 --main-lcore 1 -n 1 --file-prefix tg -m 128 $PMD \
		-a "$VIREO_NET1" -- -i --port-topology=loop --forward-mode=rxonly \
		--eth-peer=0,52:54:00:12:34:01 --total-num-mbufs=4096
	tp_sync tg || { cat /tmp/tg.log; fail "testpmd did not start"; }
	check_probed /tmp/tg.log
	r=0
	while [ "$r" -lt "$ROUNDS" ]; do
		tp_ask tg "start tx_first $ROUND" || fail "testpmd stopped answering"
		want=$(((r + 1) * ROUND * 32))
		i=0
		while [ "$i" -lt 100 ]; do
			tp_ask tg show port stats 0 || fail "testpmd stopped answering"
			recv=$(awk '/RX-packets:/ { print $2; exit }' /tmp/tg.last)
			sent=$(awk '/TX-packets:/ { print $2; exit }' /tmp/tg.last)
			[ "$recv" -ge "$want" ] && break
			i=$((i + 1))
			sleep 0.2
		done
		tp_ask tg stop >/dev/null
		[ "$recv" -ge "$want" ] || break
		r=$((r + 1))
	done
	tp_close tg >/dev/null
	echo "ovs-$pmd: $r rounds in $(($(date +%s) - t0)) s since ovs-vswitchd started"
	want=$((ROUNDS * ROUND * 32))
	rx=$(p0 rx)
	tx=$(p0 tx)
	echo "---- ovs-$pmd: p0 statistics"
	ovs-ofctl dump-ports br0 p0
	ovs-appctl dpctl/show -s | grep -A4 'p0 (dpdk'
	ovs_stop
	echo "ovs-$pmd: stopped $(($(date +%s) - t0)) s after ovs-vswitchd started"
	echo "ovs-$pmd: testpmd sent $sent, p0 received $rx and sent $tx, testpmd received $recv"
	[ "$sent" = "$want" ] || fail "ovs-$pmd: testpmd sent $sent of $want"
	[ "$rx" = "$sent" ] || fail "ovs-$pmd: p0 received $rx of $sent"
	[ "$tx" = "$rx" ] || fail "ovs-$pmd: p0 sent $tx of $rx"
	[ "$recv" = "$tx" ] || fail "ovs-$pmd: testpmd received $recv of $tx"
}

# Each run in a subshell: a failing one stops there, the next still runs.
failed=
for p in ${OVS_PMDS:-vireo virtio}; do
	(ovs_case "$p") || failed="$failed $p"
done
[ -z "$failed" ] || fail "failed with:$failed"
