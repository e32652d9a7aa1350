# SPDX-License-Identifier: BSD-3-Clause
# net_vireo offloads on tap-backed NICs (test/qemu/net-tap-run.sh adds them
# as VIREO_NET2/3, bridged on the host; hubport NICs offer no offloads):
# tx UDP/TCP checksum, TSO (the host segments, the receiver verifies every
# segment) and LRO (the receiver gets whole aggregates). net_pmd_check
# verifies IP and L4 checksums and every payload byte.
. /vireo/run/cases/net-lib.sh
[ -n "${VIREO_NET2:-}" ] && [ -n "${VIREO_NET3:-}" ] ||
	skip "no tap NICs in this boot (run it through test/qemu/net-tap-run.sh)"
[ -x "$VIREO_BIN/net_pmd_check" ] || skip "net_pmd_check not built"

for mode in csum tso lro; do
	"$VIREO_BIN/net_pmd_check" $VIREO_EAL -a "$VIREO_NET2" -a "$VIREO_NET3" \
		--log-level=pmd.net.vireo:info -- $mode > /tmp/offload-$mode.log 2>&1
	rc=$?
	cat /tmp/offload-$mode.log
	[ "$rc" = 0 ] || fail "net_pmd_check $mode exited with $rc"
done
