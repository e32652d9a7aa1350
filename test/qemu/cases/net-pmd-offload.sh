# shellcheck shell=sh disable=SC2086 # argument lists are split on purpose
# SPDX-License-Identifier: BSD-3-Clause
# net_vireo offloads between the two NICs on taps (--net tap: hubport NICs
# offer no offload features): tx UDP/TCP checksum (the host completes it for
# a receiver without GUEST_CSUM), TSO (the host segments, the receiver
# checks all 8 segments of each send) and LRO (the receiver gets the whole
# aggregates, RTE_MBUF_F_RX_LRO). net_pmd_check verifies IP and L4
# checksums and every payload byte.
# shellcheck disable=SC1091 # the guest path of net-lib.sh
. /vireo/run/cases/net-lib.sh
[ "${VIREO_NET:-hub}" = tap ] || skip "needs --net tap"
[ -x "$VIREO_BIN/net_pmd_check" ] || skip "net_pmd_check not built"

for mode in csum tso lro; do
	"$VIREO_BIN/net_pmd_check" $VIREO_EAL -a "$VIREO_NET0" -a "$VIREO_NET1" \
		--log-level=pmd.net.vireo:info -- $mode > /tmp/offload-$mode.log 2>&1
	rc=$?
	cat /tmp/offload-$mode.log
	[ "$rc" = 0 ] || fail "net_pmd_check $mode exited with $rc"
done
