# shellcheck shell=sh
# SPDX-License-Identifier: BSD-3-Clause
# Completion interrupts over VFIO MSI-X (vfio-blk): vireo-perf --mode blk
# --idle sleep, 4K randread at iodepth 1: the worker sleeps on its queue's
# completion interrupt. Checks: no error, the worker slept and completions
# woke it, and the kernel counted interrupts on the drive's vfio-msix
# vector 1 (queue 0's) while it ran; busy polling for comparison.
# shellcheck disable=SC1091 # the guest path of blk-lib.sh
. /vireo/run/cases/blk-lib.sh

[ "$VIREO_BIND" = vfio ] || skip "MSI-X needs vfio-pci (bind $VIREO_BIND)"
dev=$(blk_addr b512) || exit $?

# msix VEC: interrupts the kernel counted on the drive's vfio-msix vector VEC.
msix() {
	awk -v k="vfio-msix[$1]($dev)" '
		index($0, k) { n = 0; for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+$/) n += $i; print n; f = 1 }
		END { if (!f) print 0 }' /proc/interrupts
}

# field NAME JSON: the first queue's NAME in vireo-perf's JSON.
field() {
	awk -v f="\"$1\":" '$1 == "\"queue\":" { q = 1 } q && $1 == f { v = $2; sub(",", "", v); gsub("\"", "", v); print v; exit }' "$2"
}

blk_perf b512 --rw randread --bs 4k --iodepth 1 --duration 3 --stats-period 0 --idle sleep \
	--json /tmp/bi.json > /tmp/bi.log 2>&1 &
pid=$!
sleep 2
vec=$(msix 1)
grep "vfio-msix" /proc/interrupts
wait "$pid"
rc=$?
cat /tmp/bi.log
[ "$rc" = 0 ] || fail "vireo-perf --idle sleep exited with $rc"
idle=$(field idle /tmp/bi.json)
sleeps=$(field sleeps /tmp/bi.json)
wakeups=$(field wakeups /tmp/bi.json)
echo "blk-intr: queue 0 $idle, $sleeps sleeps, $wakeups woken; vfio-msix[1] after 2 s: $vec"
[ "$idle" = sleep ] || fail "the queue did not run in sleep mode ($idle)"
[ "${wakeups:-0}" -gt 0 ] || fail "no completion woke the worker"
[ "${vec:-0}" -gt 0 ] || fail "no MSI-X interrupt on the drive's queue vector"
blk_perf b512 --rw randread --bs 4k --iodepth 1 --duration 3 --stats-period 0 > /tmp/bp.log 2>&1 ||
	fail "busy-poll run"
grep -E "^IOPS|^queue" /tmp/bi.log /tmp/bp.log
echo "blk-intr: completion interrupts over MSI-X work"
