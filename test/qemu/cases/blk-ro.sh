# shellcheck shell=sh
# SPDX-License-Identifier: BSD-3-Clause
# A read-only drive (QEMU readonly=on: VIRTIO_BLK_F_RO): reads work, writes
# complete -EROFS without reaching the device, the queue carries on; and
# vireo-perf refuses a write workload on it.
# shellcheck disable=SC1091 # the guest path of blk-lib.sh
. /vireo/run/cases/blk-lib.sh

blk_check ro ro
out=$(blk_perf ro --rw write --duration 1 2>&1)
rc=$?
echo "$out"
[ "$rc" != 0 ] || fail "vireo-perf wrote to a read-only drive"
echo "$out" | grep -q "is read-only: --rw write writes" || fail "vireo-perf: no read-only message"
echo "PASS vireo-perf refuses --rw write on the read-only drive"
