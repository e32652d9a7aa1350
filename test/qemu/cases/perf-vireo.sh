# shellcheck shell=sh disable=SC2086 # argument lists are split on purpose
# SPDX-License-Identifier: BSD-3-Clause
# vireo-perf on net_vireo: txonly on NIC 0, rxonly on NIC 1 (back to back),
# then io forwarding. QEMU's hub queues up to 10000 frames for a receiver
# that is behind and drops beyond (it does not stall the sender), so the
# sender stops after --tx-count 8000 frames: then, whatever the scheduling,
# nothing is lost outside the drivers, and vireo-perf drains the rx queues
# after stopping: sent == received + drained, exactly.
# shellcheck disable=SC1091 # the guest path of net-lib.sh
. /vireo/run/cases/net-lib.sh

perf="$VIREO_BIN/vireo-perf"
[ -x "$perf" ] || skip "vireo-perf not built"
eal="--lcores 0@0,1@1,2@0 -n 1 --in-memory $PMD -a $VIREO_NET0 -a $VIREO_NET1"

# lifetime FIELD PORT JSON: a port's whole-run counter from vireo-perf's JSON.
lifetime() {
	awk -v f="\"$1\":" -v p="$2" '
		$1 == "\"port\":" { port = $2 + 0 }
		$1 == "\"lifetime\":" { in_lt = 1; next }
		in_lt && $1 == "}" { in_lt = 0 }
		in_lt && port == p && $1 == f { v = $2; sub(",", "", v); print v; exit }' "$3"
}

"$perf" $eal -- --forward-mode=txonly,rxonly --tx-count 8000 --duration 3 --stats-period 1 \
	--json /tmp/perf-txrx.json > /tmp/perf-txrx.log 2>&1
rc=$?
cat /tmp/perf-txrx.log
[ "$rc" = 0 ] || fail "vireo-perf txonly,rxonly exited with $rc"
check_probed /tmp/perf-txrx.log
grep -q '"driver": "net_vireo"' /tmp/perf-txrx.json || fail "ports not driven by net_vireo"
sent=$(lifetime tx_packets 0 /tmp/perf-txrx.json)
got=$(lifetime rx_packets 1 /tmp/perf-txrx.json)
drained=$(lifetime rx_drained 1 /tmp/perf-txrx.json)
echo "perf-vireo txonly/rxonly: port 0 sent $sent, port 1 received $got + drained $drained"
[ "${sent:-0}" = 8000 ] || fail "port 0 sent ${sent:-none}, not --tx-count 8000"
[ "$sent" = "$((got + drained))" ] || fail "lost packets: sent $sent, counted $((got + drained))"

"$perf" $eal -- --forward-mode=io --tx-first --duration 3 --stats-period 1 \
	--json /tmp/perf-io.json > /tmp/perf-io.log 2>&1
rc=$?
cat /tmp/perf-io.log
[ "$rc" = 0 ] || fail "vireo-perf io exited with $rc"
for p in 0 1; do
	n=$(lifetime rx_packets $p /tmp/perf-io.json)
	[ "${n:-0}" -gt 1000 ] || fail "io: port $p forwarded too little: ${n:-none}"
done
echo "perf-vireo io: both ports forwarded"
