# shellcheck shell=sh disable=SC2086 # argument lists are split on purpose
# SPDX-License-Identifier: BSD-3-Clause
# No silent loss: a bounded txonly burst on NIC 0 (one testpmd), rxonly on
# NIC 1 (another). After the receiver has drained, the tx packets of port 0
# equal the rx packets of port 1 exactly (the PMD flushes its tx ring before
# a stop resets the device). TXARGS / RXARGS / EXPECT_BIN: see
# net-pmd-jumbo.sh.
# shellcheck disable=SC1091 # the guest path of net-lib.sh
. /vireo/run/cases/net-lib.sh

name=${CASE:-net-pmd-txrx}
# QEMU's hub queues up to 10000 frames for a receiver whose ring is full
# and drops beyond (the sender is not stalled): a sender that outruns the
# receiving vCPU loses frames in QEMU, not in the driver. So the sender
# sends a bounded burst, `start tx_first 250` (250 bursts of 32 = 8000
# frames, the txonly engine's frames, --txpkts applies) in io mode on a port
# that receives nothing: whatever the scheduling, the hub never holds more
# than 8000 and every frame must arrive.
txargs=${TXARGS:---txpkts=1500}
rxargs=${RXARGS:-}
rxlog=/tmp/$name-rx.log
txlog=/tmp/$name-tx.log
# Receiver: interactive so it can print its xstats after stopping.
(sleep 22; echo stop; echo "show port xstats 0"; echo quit) |
	timeout 40 dpdk-testpmd $VIREO_EAL -m 256 $PMD -a "$VIREO_NET1" -- -i -a \
	--port-topology=loop --forward-mode=rxonly --total-num-mbufs=4096 $rxargs \
	> "$rxlog" 2>&1 &
rxpid=$!
sleep 6
# Frames go to NIC 1's own MAC: accepted whether or not promiscuous mode is
# on yet (testpmd enables it only after the port started; QEMU drops
# frames for other MACs in that window, which would be "loss" here).
(sleep 3; echo "start tx_first 250"; sleep 5; echo stop; echo quit) |
	timeout 20 dpdk-testpmd -l 0-1 --main-lcore 1 -n 1 --in-memory -m 256 $PMD \
	-a "$VIREO_NET0" -- -i --port-topology=loop --forward-mode=io \
	--eth-peer=0,52:54:00:12:34:02 --total-num-mbufs=4096 $txargs > "$txlog" 2>&1
txrc=$?
wait $rxpid
echo "---- tx side"; cat "$txlog"
echo "---- rx side"; cat "$rxlog"
[ "$txrc" = 0 ] || fail "tx testpmd exited with $txrc"
check_probed "$txlog"
check_probed "$rxlog"
tx=$(fwd_stat "$txlog" TX-packets 1)
rx=$(xstat "$rxlog" rx_good_packets)
echo "$name: port 0 sent $tx, port 1 received $rx"
[ "${tx:-0}" -gt 0 ] || fail "nothing sent"
[ "$tx" = "$rx" ] || fail "sent $tx != received $rx"
[ "$(xstat "$rxlog" rx_q0_errors)" = 0 ] || fail "rx errors"
[ "$(xstat "$rxlog" rx_q0_broken_events)" = 0 ] || fail "rx queue broke"
if [ -n "${EXPECT_BIN:-}" ]; then
	big=$(xstat "$rxlog" "$EXPECT_BIN")
	[ "$big" = "$rx" ] || fail "$EXPECT_BIN is $big, expected $rx"
fi
