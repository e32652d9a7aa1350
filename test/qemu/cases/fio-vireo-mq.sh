# shellcheck shell=sh
# SPDX-License-Identifier: BSD-3-Clause
# fio through Vireo's engine with two job threads on a two-queue disk
# (configuration vfio-tap-mq2: num-queues=2): EAL started once, one queue per
# thread; both jobs write 4 MiB with crc32c checksums and verify them, then
# 2 s of random reads from both; a third job finds no queue left and says so.
# shellcheck disable=SC1091 # the guest path of lib.sh
. /vireo/run/cases/lib.sh
need VIREO_BLK
[ "${VIREO_MQ:-1}" -ge 2 ] || skip "needs a disk with 2 queues (--mq 2)"
ENGINE=$VIREO_LIB/fio_vireo.so
[ -f "$ENGINE" ] || skip "fio_vireo.so not built (no fio headers: devtools/setup.sh)"
FIO="fio --ioengine=external:$ENGINE --thread=1 --pci=$VIREO_BLK"

echo "== 2 jobs: write + verify (crc32c), 4 MiB each at 8 and 16 MiB"
$FIO --name=wv --numjobs=2 --rw=randwrite --bs=4k --iodepth=16 --size=4m --offset=8m \
	--offset_increment=8m --verify=crc32c --do_verify=1 --verify_fatal=1 \
	--group_reporting >/tmp/wv.out 2>&1
rc=$?
cat /tmp/wv.out
[ $rc = 0 ] || fail "write+verify jobs failed (rc $rc)"
grep -q "err= 0" /tmp/wv.out || fail "write+verify jobs reported errors"

echo "== 2 jobs: randread 4k iodepth 16, 2 s"
$FIO --name=rr --numjobs=2 --rw=randread --bs=4k --iodepth=16 --size=32m --time_based \
	--runtime=2 --group_reporting >/tmp/rr.out 2>&1
rc=$?
cat /tmp/rr.out
[ $rc = 0 ] || fail "randread jobs failed (rc $rc)"
iops=$(sed -n 's/.*read: IOPS=\([^,]*\),.*/\1/p' /tmp/rr.out)
echo "FIO-VIREO randread 4k 2 jobs x qd16 IOPS=$iops (TCG guest)"

echo "== 3 jobs on 2 queues: a clear error"
$FIO --name=three --numjobs=3 --rw=read --bs=4k --size=1m >/tmp/three.out 2>&1
rc=$?
grep fio_vireo /tmp/three.out
[ $rc != 0 ] || fail "3 jobs on 2 queues succeeded"
grep -q "all 2 queues are in use" /tmp/three.out || fail "no clear error for the third job"
echo "fio-vireo-mq: ok"
