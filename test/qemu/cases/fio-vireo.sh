# shellcheck shell=sh
# SPDX-License-Identifier: BSD-3-Clause
# Stock fio (Debian 3.33) through Vireo's engine on the virtio-blk drive:
# doc/examples/fio-vireo.fio's jobs (random writes with crc32c checksums and
# a FLUSH every 64, read back and verified by fio; a verify-only pass over
# written blocks passes, over never-written ones fails; then 4K random reads
# for 3 s, IOPS printed), a discard and a missing device failing cleanly.
# fio-vireo.host checks on the image file that the writes landed exactly in
# [16 MiB, 24 MiB).
# shellcheck disable=SC1091 # the guest path of lib.sh
. /vireo/run/cases/lib.sh
need VIREO_BLK
[ -x /usr/bin/fio ] || fail "no /usr/bin/fio in the guest (fio.cpio)"
ENGINE=$VIREO_LIB/fio_vireo.so
[ -f "$ENGINE" ] || skip "fio_vireo.so not built (no fio headers: devtools/setup.sh)"
FIO="fio --ioengine=external:$ENGINE --thread=1 --pci=$VIREO_BLK"

echo "== write + verify (crc32c), 8 MiB at 16 MiB"
$FIO --name=wv --rw=randwrite --bs=4k --iodepth=16 --size=8m --offset=16m \
	--verify=crc32c --do_verify=1 --verify_fatal=1 --fsync=64 >/tmp/wv.out 2>&1
rc=$?
cat /tmp/wv.out
[ $rc = 0 ] || fail "write+verify job failed (rc $rc)"
grep -q "err= 0" /tmp/wv.out || fail "write+verify job reported errors"
grep -q "READ: bw=" /tmp/wv.out || fail "no verify reads"
grep -q "WRITE: bw=" /tmp/wv.out || fail "no writes"

# fio's verify really checks what comes back through the engine: a second,
# read-only pass over the same blocks passes, one over blocks fio never wrote
# (the host's sector pattern) must fail.
echo "== verify_only over the written range, then over a range never written"
VERIFY="--rw=randwrite --bs=4k --iodepth=16 --size=1m --verify=crc32c --verify_only=1"
# shellcheck disable=SC2086 # VERIFY is a list of options
$FIO --name=reverify $VERIFY --offset=16m >/tmp/rv.out 2>&1 ||
	{ cat /tmp/rv.out; fail "re-verify of the written range failed"; }
grep -q "READ: bw=" /tmp/rv.out || { cat /tmp/rv.out; fail "re-verify read nothing"; }
echo "re-verify of [16 MiB, 17 MiB): ok"
# shellcheck disable=SC2086
$FIO --name=badverify $VERIFY --offset=48m >/tmp/bv.out 2>&1 &&
	{ cat /tmp/bv.out; fail "verify passed on blocks fio never wrote"; }
grep -m1 "verify" /tmp/bv.out
grep -q "err=84\|bad magic\|verify:" /tmp/bv.out || { cat /tmp/bv.out; fail "no verify error"; }
echo "verify of [48 MiB, 49 MiB) (never written): fails as it must"

echo "== randread 4k iodepth 32, 3 s"
$FIO --name=rr --rw=randread --bs=4k --iodepth=32 --size=32m --time_based --runtime=3 \
	>/tmp/rr.out 2>&1
rc=$?
cat /tmp/rr.out
[ $rc = 0 ] || fail "randread job failed (rc $rc)"
iops=$(sed -n 's/.*read: IOPS=\([^,]*\),.*/\1/p' /tmp/rr.out)
[ -n "$iops" ] || fail "no IOPS line"
echo "FIO-VIREO randread 4k qd32 IOPS=$iops (TCG guest)"

echo "== discard 1 MiB at 40 MiB"
$FIO --name=trim --rw=trim --bs=64k --size=1m --offset=40m >/tmp/trim.out 2>&1
rc=$?
tail -n 4 /tmp/trim.out
[ $rc = 0 ] || fail "trim job failed (rc $rc)"

echo "== a device that is not there: a clear error, no hang"
fio --ioengine=external:"$ENGINE" --thread=1 --pci=0000:00:1f.7 --name=bad --rw=read \
	--size=1m >/tmp/bad.out 2>&1
rc=$?
cat /tmp/bad.out
[ $rc != 0 ] || fail "fio succeeded on a missing device"
grep -q "fio_vireo: no vblk device '0000:00:1f.7'" /tmp/bad.out || fail "no clear error"
echo "fio-vireo: ok"
