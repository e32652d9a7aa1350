# shellcheck shell=sh
# SPDX-License-Identifier: BSD-3-Clause
# num-queues=2: vireo-perf --queues 2 drives both queues from two lcores
# (write-verify, then a timed randrw), each queue doing I/O; then short
# single-queue figures (TCG: orders of magnitude below real hardware).
# shellcheck disable=SC1091 # the guest path of blk-lib.sh
. /vireo/run/cases/blk-lib.sh

# queue_ios N JSON: reads + writes of queue N in vireo-perf's JSON.
queue_ios() {
	awk -v q="$1" '
		$1 == "\"queue\":" { cur = $2 + 0 }
		cur == q && $1 == "\"reads\":" { r = $2 + 0 }
		cur == q && $1 == "\"writes\":" { w = $2 + 0 }
		END { print r + w }' "$2"
}

blk_perf mq --queues 2 --rw randwrite --verify crc32c --bs 4k --iodepth 16 \
	--json /tmp/mq-verify.json > /tmp/mq.log 2>&1
rc=$?
cat /tmp/mq.log
[ "$rc" = 0 ] || fail "vireo-perf --queues 2 --verify exited with $rc"
for q in 0 1; do
	n=$(queue_ios $q /tmp/mq-verify.json)
	# 16 MiB in 4 KiB units, half per queue, written and read back
	[ "$n" = 4096 ] || fail "queue $q did $n I/Os, not 2048 writes + 2048 reads"
done
blk_perf mq --queues 2 --rw randrw --bs 4k --iodepth 32 --duration 2 \
	--json /tmp/mq-rw.json > /tmp/mq.log 2>&1
rc=$?
cat /tmp/mq.log
[ "$rc" = 0 ] || fail "vireo-perf --queues 2 randrw exited with $rc"
for q in 0 1; do
	n=$(queue_ios $q /tmp/mq-rw.json)
	[ "${n:-0}" -gt 0 ] || fail "queue $q did no I/O"
done
echo "PASS two queues, two lcores"
for depth in 1 32; do
	blk_perf b512 --rw randread --bs 4k --iodepth $depth --duration 2 --stats-period 0 ||
		fail "randread iodepth $depth"
done
blk_perf b512 --rw randwrite --bs 4k --iodepth 32 --duration 2 --stats-period 0 ||
	fail "randwrite iodepth 32"
