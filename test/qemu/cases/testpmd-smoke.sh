# shellcheck shell=sh
# SPDX-License-Identifier: BSD-3-Clause
# Stock dpdk-testpmd with upstream net_virtio io-forwarding between the two
# back-to-back NICs for a few seconds; both ports must receive packets.
# shellcheck disable=SC1091 # the guest path of lib.sh
. /vireo/run/cases/lib.sh
need VIREO_NET0 VIREO_NET1

out=/tmp/testpmd-smoke.log
# --tx-first starts forwarding with a burst on each port; the long stats
# period keeps the log short; SIGINT makes testpmd print the totals and exit.
timeout -s INT 7 dpdk-testpmd -l 0-1 -n 1 --in-memory -a "$VIREO_NET0" -a "$VIREO_NET1" -- \
	--forward-mode=io --tx-first --stats-period 100 --total-num-mbufs=8192 \
	--rxq="$VIREO_MQ" --txq="$VIREO_MQ" \
	> "$out" 2>&1
rc=$?
cat "$out"
[ "$rc" = 0 ] || fail "dpdk-testpmd exited with $rc"
grep -q "Probe PCI driver: net_virtio" "$out" || fail "net_virtio did not probe"
grep -q "RX queue number: $VIREO_MQ Tx queue number: $VIREO_MQ" "$out" ||
	fail "ports not configured with $VIREO_MQ queue pairs"

# "RX-packets: N ... RX-total" per port, then the accumulated totals.
rx=$(awk '/RX-packets:.*RX-total/ { print $2 }' "$out")
# shellcheck disable=SC2086 # split the numbers
set -- $rx
[ $# = 3 ] || fail "expected 2 port and 1 total forward statistics, got: $rx"
for n in "$@"; do
	[ "$n" -gt 0 ] || fail "a port received no packets (RX: $rx)"
done
echo "testpmd-smoke: RX per port $1 $2, total $3"
