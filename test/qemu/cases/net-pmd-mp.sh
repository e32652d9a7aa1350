# shellcheck shell=sh disable=SC2086 # argument lists are split on purpose
# SPDX-License-Identifier: BSD-3-Clause
# Secondary processes and telemetry on net_vireo ports (doc/net-pmd.md,
# "Multi-process"). A testpmd primary drives both NICs (rxonly, after a
# bounded `start tx_first`: each port sends BURSTS x 32 frames of PKT bytes
# to the other, no more than its tx ring takes, so none is dropped); next
# to it:
#  - dpdk-proc-info --stats (before the traffic: zeros; after it: the exact
#    counters), and --xstats, which must equal what testpmd reports itself;
#    proc-info closes every port at exit, which must leave the primary's
#    device alone (the traffic after it is exact);
#  - dpdk-dumpcap on port 0 (a secondary; pdump callbacks in the primary)
#    attaches, runs through the traffic without disturbing it, and stops
#    cleanly on SIGINT (after testpmd stopped forwarding: DPDK 22.11's
#    pdump removes its callbacks without waiting for a polling lcore to
#    leave them). Its pcapng file must hold exactly what port 0 received
#    and sent: 2 x BURSTS x 32 frames of PKT bytes.
#  - telemetry (/ethdev/list, /ethdev/info,N, /ethdev/xstats,N) through the
#    primary's socket, read with mp_check (no python3 in the guest).
# shellcheck disable=SC1091 # the guest paths of the libraries
. /vireo/run/cases/net-lib.sh
. /vireo/run/cases/testpmd-lib.sh

prefix=vireo_mp
rundir=/var/run/dpdk/$prefix
pkt=1000
bursts=4
# Secondaries load our plugin first too: else the distro's net_virtio would
# attach to the port and read our shared state as its own.
# (No -l: proc-info sets its own core mask.)
sec="-n 1 --file-prefix $prefix $PMD"

# nic_stat LOG PORT FIELD: FIELD (RX-packets:, TX-bytes: ...) of the last
# "NIC statistics for port PORT" block (testpmd's show port stats,
# dpdk-proc-info --stats; proc-info's per-register lines are skipped).
nic_stat() {
	awk -v p="$2" -v f="$3:" '
		/NIC statistics for port/ { inb = ($6 == p) }
		/NIC extended statistics/ { inb = 0 }
		inb && $1 != "Stats" { for (i = 1; i < NF; i++) if ($i == f) v = $(i + 1) }
		END { print v }' "$1"
}

# port_xstat LOG PORT NAME: NAME's value in the last xstats block of PORT.
port_xstat() {
	awk -v p="$2" -v k="$3:" '
		/NIC extended statistics for port/ { inb = ($7 == p) }
		/NIC statistics for port/ { inb = 0 }
		inb && $1 == k { v = $2 }
		END { print v }' "$1"
}

# proc_info NAME ARGS...: run dpdk-proc-info as a secondary, log /tmp/NAME.log.
proc_info() {
	_pi=$1
	shift
	timeout 60 dpdk-proc-info $sec -- "$@" >"/tmp/$_pi.log" 2>&1
	_rc=$?
	echo "---- dpdk-proc-info $* (rc $_rc)"
	cat "/tmp/$_pi.log"
	[ "$_rc" = 0 ] || fail "dpdk-proc-info $* exited with $_rc"
	grep -q "statistics for port 1" "/tmp/$_pi.log" ||
		fail "dpdk-proc-info did not see port 1"
}

tp_open mp 3 -l 0-1 -n 1 --file-prefix $prefix -m 256 $PMD -a "$VIREO_NET0" -a "$VIREO_NET1" \
	-- -i --forward-mode=rxonly --txpkts=$pkt --total-num-mbufs=8192
tp_sync mp || { cat /tmp/mp.log; fail "testpmd did not start"; }
check_probed /tmp/mp.log

proc_info pi0 --stats
[ "$(nic_stat /tmp/pi0.log 0 RX-packets)" = 0 ] || fail "port 0 received before the traffic"
[ "$(grep -c "attached in a secondary process" /tmp/pi0.log)" = 2 ] ||
	fail "net_vireo did not attach both ports in proc-info"

# dumpcap takes no EAL options: preload the plugin so it probes first. Its
# stdout goes to a file, line-buffered (libstdbuf) so the log is live;
# "Packets captured:" (stderr) comes once pdump is enabled in the primary.
LD_PRELOAD=/usr/libexec/coreutils/libstdbuf.so:$VIREO_LIB/librte_net_vireo.so _STDBUF_O=L \
	timeout 120 dpdk-dumpcap --file-prefix $prefix -i "$VIREO_NET0" -w /tmp/mp.pcapng \
	>/tmp/dumpcap.log 2>&1 &
dcpid=$!
i=0
until grep -q "Packets captured:" /tmp/dumpcap.log; do
	i=$((i + 1))
	if ! alive $dcpid || [ $i -ge 300 ]; then
		cat /tmp/dumpcap.log
		fail "dumpcap did not start capturing"
	fi
	sleep 0.1
done

tp_ask mp "start tx_first $bursts" || fail "start"
sleep 3
# shellcheck disable=SC2154 # set by tp_open through eval
alive "$tp_mp_pid" || { cat /tmp/mp.log; fail "testpmd died"; }
# The receivers poll until every frame has arrived (the hub holds them all).
want=$((bursts * 32))
i=0
while :; do
	proc_info pi1 --stats
	rx0=$(nic_stat /tmp/pi1.log 0 RX-packets)
	rx1=$(nic_stat /tmp/pi1.log 1 RX-packets)
	tx0=$(nic_stat /tmp/pi1.log 0 TX-packets)
	tx1=$(nic_stat /tmp/pi1.log 1 TX-packets)
	[ "$tx0" = $want ] && [ "$tx1" = $want ] && [ "$rx1" = $want ] && [ "$rx0" = $want ] && break
	i=$((i + 1))
	[ $i -lt 5 ] || fail "counters never settled: tx $tx0/$tx1 rx $rx0/$rx1"
	sleep 2
done
echo "net-pmd-mp: ports 0 and 1 each sent and received $want frames"

tp_ask mp stop || fail "stop"
kill -INT $dcpid
i=0
while alive $dcpid; do
	i=$((i + 1))
	[ $i -lt 300 ] || { kill -9 $dcpid; fail "dumpcap did not stop on SIGINT"; }
	sleep 0.1
done
wait $dcpid
dcrc=$?
echo "---- dumpcap (rc $dcrc)"
cat /tmp/dumpcap.log
[ "$dcrc" = 0 ] || fail "dumpcap exited with $dcrc"
sum=$("$VIREO_BIN/mp_check" pcapng /tmp/mp.pcapng) || fail "unreadable capture"
echo "capture: $sum"
set -- $sum
# Port 0 received want frames and sent want: all of them, whole.
[ "$2" = $((2 * want)) ] || fail "captured $2 packets, expected $((2 * want))"
[ "$4 $5 $7 $8" = "$pkt $pkt $pkt $pkt" ] ||
	fail "captured lengths $4-$5 (caplen $7-$8), expected $pkt"
proc_info pi2 --stats
proc_info pi3 --xstats # one at a time: proc-info shows only the first of the two
tel=$("$VIREO_BIN/mp_check" telemetry "$rundir/dpdk_telemetry.v2" /ethdev/list /ethdev/info,0 \
	/ethdev/xstats,0 /ethdev/xstats,1) || fail "telemetry query failed"
echo "---- telemetry"
echo "$tel"

tp_ask mp "show port stats all" || fail "show port stats"
tp_close mp
echo "---- testpmd"
cat /tmp/mp.log

for p in 0 1; do
	for f in RX-packets RX-bytes TX-packets TX-bytes; do
		mine=$(nic_stat /tmp/mp.log $p $f)
		theirs=$(nic_stat /tmp/pi2.log $p $f)
		if [ -z "$mine" ] || [ "$mine" != "$theirs" ]; then
			fail "port $p $f: testpmd $mine, proc-info $theirs"
		fi
	done
	fwd_rx=$(fwd_stat /tmp/mp.log RX-packets $((p + 1)))
	[ "$fwd_rx" = "$(nic_stat /tmp/pi2.log $p RX-packets)" ] ||
		fail "port $p: forward stats RX $fwd_rx"
	rx=$(nic_stat /tmp/pi2.log $p RX-packets)
	tx=$(nic_stat /tmp/pi2.log $p TX-packets)
	[ "$(port_xstat /tmp/pi3.log $p rx_good_packets)" = "$rx" ] || fail "port $p rx_good_packets"
	[ "$(port_xstat /tmp/pi3.log $p rx_q0_packets)" = "$rx" ] || fail "port $p rx_q0_packets"
	[ "$(port_xstat /tmp/pi3.log $p tx_q0_packets)" = "$tx" ] || fail "port $p tx_q0_packets"
	[ "$(port_xstat /tmp/pi3.log $p rx_q0_size_512_to_1023_packets)" = "$rx" ] ||
		fail "port $p: frames outside the 512-1023 bin"
	[ "$(port_xstat /tmp/pi3.log $p rx_q0_errors)" = 0 ] || fail "port $p rx errors"
done
# Telemetry: the list, port 0's name, each port's xstats as above.
echo "$tel" | grep -q '"/ethdev/list":\[0,1\]' || fail "telemetry /ethdev/list"
echo "$tel" | grep -q "\"name\":\"$VIREO_NET0\"" || fail "telemetry /ethdev/info,0: name"
for p in 0 1; do
	rx=$(nic_stat /tmp/pi2.log $p RX-packets)
	echo "$tel" | grep "^{\"/ethdev/xstats\"" | sed -n "$((p + 1))p" |
		grep -q "\"rx_q0_packets\":${rx}[,}]" || fail "telemetry /ethdev/xstats,$p: rx_q0_packets"
done
