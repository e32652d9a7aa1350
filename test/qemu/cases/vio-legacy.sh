# shellcheck shell=sh
# SPDX-License-Identifier: BSD-3-Clause
# A legacy-only virtio-net device: the modern transport must reject it with
# its message (-ENODEV) and the probe must decline it (> 0). vdpa=1 makes the
# upstream net_virtio plugin decline it too, so nobody drives it afterwards.
# shellcheck disable=SC1091 # the guest path of lib.sh
. /vireo/run/cases/lib.sh
need VIREO_LEGACY

out=/tmp/vio-legacy.log
eal_run "$VIREO_BIN/vio_guest_check" -a "$VIREO_LEGACY,vdpa=1" -- legacy > "$out" 2>&1
rc=$?
cat "$out"
[ "$rc" = 0 ] || fail "vio_guest_check legacy exited with $rc"
grep -q "legacy-only device" "$out" || fail "no legacy-only message from the transport"
