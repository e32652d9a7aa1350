# shellcheck shell=sh
# SPDX-License-Identifier: BSD-3-Clause
# vireo-perf --verify crc32c over the whole 256 MiB drive: every 256 KiB unit
# written once in a shuffled order, read back and checked. blk-verify.host
# then re-reads the image file on the host.
# shellcheck disable=SC1091 # the guest path of blk-lib.sh
. /vireo/run/cases/blk-lib.sh

blk_perf big --rw randwrite --verify crc32c --bs 256k --iodepth 8 --seed 20261202 \
	--stats-period 5 --json /tmp/blk-verify.json > /tmp/blk-verify.log 2>&1
rc=$?
cat /tmp/blk-verify.log
[ "$rc" = 0 ] || fail "vireo-perf --verify exited with $rc"
grep -q "verify crc32c: OK: 1024 unit(s) written, 1024 read back, 0 mismatch" \
	/tmp/blk-verify.log || fail "verify summary"
grep -q '"verify_ok": true' /tmp/blk-verify.json || fail "JSON verify_ok"
echo "PASS 256 MiB written and verified"
