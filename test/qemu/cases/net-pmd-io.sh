# shellcheck shell=sh disable=SC2086 # argument lists are split on purpose
# SPDX-License-Identifier: BSD-3-Clause
# net_vireo in stock dpdk-testpmd: io forwarding between the two
# back-to-back NICs, started with a burst on each port (--tx-first). Both
# ports must forward; what one sends the other receives, up to the packets
# still in flight when forwarding stops (at most the rings).
# shellcheck disable=SC1091 # the guest path of net-lib.sh
. /vireo/run/cases/net-lib.sh

out=/tmp/net-pmd-io.log
timeout -s INT 12 dpdk-testpmd $VIREO_EAL $PMD -a "$VIREO_NET0" -a "$VIREO_NET1" -- \
	--forward-mode=io --tx-first --stats-period 100 --total-num-mbufs=4096 \
	> "$out" 2>&1
rc=$?
cat "$out"
[ "$rc" = 0 ] || fail "dpdk-testpmd exited with $rc"
check_probed "$out"
rx0=$(fwd_stat "$out" RX-packets 1)
tx0=$(fwd_stat "$out" TX-packets 1)
rx1=$(fwd_stat "$out" RX-packets 2)
tx1=$(fwd_stat "$out" TX-packets 2)
echo "net-pmd-io: port0 rx $rx0 tx $tx0, port1 rx $rx1 tx $tx1"
if [ "${rx0:-0}" -le 1000 ] || [ "${rx1:-0}" -le 1000 ]; then
	fail "a port did not forward"
fi
for d in $((tx0 - rx1)) $((tx1 - rx0)); do
	if [ "$d" -lt 0 ] || [ "$d" -gt 512 ]; then
		fail "tx/rx mismatch beyond the rings: $d"
	fi
done
