# shellcheck shell=sh disable=SC2086,SC2046 # argument lists and numbers are split on purpose
# SPDX-License-Identifier: BSD-3-Clause
# The control queue at work: with promiscuous mode off the NICs drop io
# forwarding's frames (addressed to testpmd's peer MACs 02:00:00:00:00:0x);
# adding those MACs to the filter (MAC_TABLE_SET) lets them in; promiscuous
# on lets everything in again.
# shellcheck disable=SC1091 # the guest path of net-lib.sh
. /vireo/run/cases/net-lib.sh

out=/tmp/net-pmd-filter.log
phase() {
	echo "clear port stats all"
	echo "start tx_first"
	sleep 4
	echo "stop"
	echo "show port stats all"
}
{
	sleep 3
	echo "set promisc all off"
	phase
	echo "mac_addr add 0 02:00:00:00:00:01"
	echo "mac_addr add 1 02:00:00:00:00:00"
	phase
	echo "mac_addr remove 0 02:00:00:00:00:01"
	echo "mac_addr remove 1 02:00:00:00:00:00"
	echo "set promisc all on"
	phase
	echo "show port info 0"
	echo quit
} | timeout 60 dpdk-testpmd $VIREO_EAL $PMD -a "$VIREO_NET0" -a "$VIREO_NET1" -- -i \
	--forward-mode=io --total-num-mbufs=4096 > "$out" 2>&1
rc=$?
cat "$out"
[ "$rc" = 0 ] || fail "dpdk-testpmd exited with $rc"
check_probed "$out"
# "RX-packets: N" of the NIC statistics blocks, in order: 2 per phase.
set -- $(awk '/#+ NIC statistics for port/ { s = 1 } s && /RX-packets:/ { print $2; s = 0 }' "$out")
[ $# = 6 ] || fail "expected 6 port statistics, got $#: $*"
echo "net-pmd-filter: promisc off $1 $2, MACs added $3 $4, promisc on $5 $6"
if [ "$1" != 0 ] || [ "$2" != 0 ]; then
	fail "frames for other MACs passed with promisc off"
fi
if [ "$3" -le 100 ] || [ "$4" -le 100 ]; then
	fail "frames for added MACs were dropped"
fi
if [ "$5" -le 100 ] || [ "$6" -le 100 ]; then
	fail "promisc on did not let frames in"
fi
