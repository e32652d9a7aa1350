# shellcheck shell=sh disable=SC2086,SC2046 # argument lists and numbers are split on purpose
# SPDX-License-Identifier: BSD-3-Clause
# net_vireo with several queue pairs (tap NICs, --mq N: hubport NICs have
# one pair): MQ + VQ_PAIRS_SET, io forwarding of many flows (the host
# spreads them over the tap queues); every rx queue of the ports receives.
# shellcheck disable=SC1091 # the guest path of net-lib.sh
. /vireo/run/cases/net-lib.sh
if [ "${VIREO_NET:-hub}" != tap ] || [ "${VIREO_MQ:-1}" -lt 2 ]; then
	skip "needs --net tap --mq N (N >= 2)"
fi

q=$VIREO_MQ
out=/tmp/net-pmd-mq.log
{
	sleep 3
	echo "start tx_first"
	sleep 6
	echo "stop"
	echo "show port xstats all"
	echo quit
} | timeout 40 dpdk-testpmd $VIREO_EAL $PMD -a "$VIREO_NET0" -a "$VIREO_NET1" -- -i \
	--rxq="$q" --txq="$q" --forward-mode=io --txonly-multi-flow --total-num-mbufs=8192 \
	> "$out" 2>&1
rc=$?
cat "$out"
[ "$rc" = 0 ] || fail "dpdk-testpmd exited with $rc"
check_probed "$out"
# rx_qN_packets of both ports, per queue index.
i=0
while [ "$i" -lt "$q" ]; do
	set -- $(awk -v k="rx_q${i}_packets:" '$1 == k { print $2 }' "$out")
	[ $# = 2 ] || fail "expected rx_q${i}_packets of 2 ports, got: $*"
	echo "net-pmd-mq: rx queue $i: port 0 $1, port 1 $2"
	[ $(($1 + $2)) -gt 100 ] || fail "rx queue $i stayed idle"
	i=$((i + 1))
done
