# SPDX-License-Identifier: BSD-3-Clause
# net_vireo on tap-backed NICs (test/qemu/net-tap-run.sh adds them as
# VIREO_NET2/3, bridged on the host): two queue pairs (MQ, VQ_PAIRS_SET)
# with io forwarding of many flows, both queues of both ports in use.
. /vireo/run/cases/net-lib.sh
[ -n "${VIREO_NET2:-}" ] && [ -n "${VIREO_NET3:-}" ] ||
	skip "no tap NICs in this boot (run it through test/qemu/net-tap-run.sh)"

out=/tmp/net-pmd-tap.log
{
	sleep 3
	echo "start tx_first"
	sleep 6
	echo "stop"
	echo "show port xstats all"
	echo quit
} | timeout 40 dpdk-testpmd $VIREO_EAL $PMD -a "$VIREO_NET2" -a "$VIREO_NET3" -- -i \
	--rxq=2 --txq=2 --forward-mode=io --txonly-multi-flow --total-num-mbufs=8192 \
	> "$out" 2>&1
rc=$?
cat "$out"
[ "$rc" = 0 ] || fail "dpdk-testpmd exited with $rc"
check_probed "$out"
grep -q "Max possible RX queues: 1" "$out" && fail "device offers one pair only"
# Per port, per queue rx counts.
set -- $(awk '$1 ~ /^rx_q[01]_packets:$/ { print $2 }' "$out")
[ $# = 4 ] || fail "expected rx_q0/q1 packets of 2 ports, got: $*"
echo "net-pmd-tap: port A q0 $1 q1 $2, port B q0 $3 q1 $4"
[ $(($1 + $3)) -gt 100 ] && [ $(($2 + $4)) -gt 100 ] || fail "a queue pair stayed idle"
