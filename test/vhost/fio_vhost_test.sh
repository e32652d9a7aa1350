#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Stock fio with fio_vireo.so, and vireo-perf --mode blk, on blk_vireo_user
# vdevs against qemu-storage-daemon (vhost-user-blk export), no VM:
#   - null-co: fio 4K randread at QD32 (vhost_user=SOCKET); vireo-perf the same;
#     64 MiB trims, above the backend's max_discard_sectors (cut by the engine);
#   - a raw image: fio randwrite + verify=crc32c (written, read back, checked
#     by fio); qsd restarted on the image, fio verify_only over those blocks
#     passes and over blocks never written fails (the data is on the image);
#   - two jobs, one queue each, of a 2-queue export, writing and verifying;
#   - no backend on the socket: fio fails with the transport's message.
#   fio_vhost_test.sh QSD FIO ENGINE VIREO_PERF
set -u
QSD=$1
FIO=$2
ENGINE=$3
PERF=$4
DIR=$(mktemp -d /tmp/vireo-fio-vhost-XXXXXX)
SOCK=$DIR/blk.sock
IMG=$DIR/disk.img
QSD_PID=
failed=0

# shellcheck disable=SC2317 # called by the trap
cleanup() {
	[ -n "$QSD_PID" ] && kill -9 "$QSD_PID" 2>/dev/null && wait "$QSD_PID" 2>/dev/null
	rm -rf "$DIR"
}
trap cleanup EXIT

# qsd_start BLOCKDEV EXPORT-OPTIONS: start qemu-storage-daemon, wait for its socket.
qsd_start() {
	rm -f "$SOCK"
	"$QSD" --blockdev "$1" --export \
		"type=vhost-user-blk,id=e0,node-name=d0,addr.type=unix,addr.path=$SOCK,$2" \
		>>"$DIR/qsd.log" 2>&1 &
	QSD_PID=$!
	i=0
	while [ ! -S "$SOCK" ]; do
		i=$((i + 1))
		if [ $i -gt 300 ] || ! kill -0 "$QSD_PID" 2>/dev/null; then
			echo "FAIL: qemu-storage-daemon did not start"
			cat "$DIR/qsd.log"
			exit 1
		fi
		sleep 0.1
	done
}

qsd_stop() {
	kill "$QSD_PID"
	wait "$QSD_PID"
	QSD_PID=
}

# run NAME EXPECT(ok|fail) PATTERN FIO-ARGS...: fio exits 0 (ok) or not (fail)
# and its output holds PATTERN.
run() {
	name=$1 expect=$2 pattern=$3
	shift 3
	# --verify_state_save=0: no <job>-verify.state files left in the working directory.
	timeout 120 "$FIO" --ioengine=external:"$ENGINE" --thread=1 --vhost_user="$SOCK" \
		--verify_state_save=0 --name="$name" "$@" >"$DIR/out" 2>&1
	rc=$?
	cat "$DIR/out" >>"$DIR/all"
	if { [ "$expect" = ok ] && [ $rc -ne 0 ]; } || { [ "$expect" = fail ] && { [ $rc -eq 0 ] || [ $rc -eq 124 ]; }; } ||
		! grep -qE -- "$pattern" "$DIR/out"; then
		echo "FAIL $name (rc $rc, expected $expect with /$pattern/)"
		sed 's/^/  | /' "$DIR/out"
		failed=1
	else
		echo "ok   $name: $(grep -E -- "$pattern" "$DIR/out" | head -n1 | sed 's/^ *//')"
	fi
}

echo "---- null-co: fio and vireo-perf, 4K randread QD32"
qsd_start "driver=null-co,node-name=d0,size=1073741824" "writable=on,num-queues=2"
run randread ok "read: IOPS=" --rw=randread --bs=4k --iodepth=32 --size=256m --runtime=2 \
	--time_based
if timeout 120 "$PERF" -l 0-1 --no-pci --in-memory --single-file-segments --no-telemetry \
	--vdev "blk_vireo_user0,path=$SOCK" -- --mode blk --rw randread --bs 4k --iodepth 32 \
	--duration 2 >"$DIR/out" 2>&1 && grep -q "^IOPS" "$DIR/out"; then
	echo "ok   vireo-perf: $(grep '^IOPS' "$DIR/out")"
else
	echo "FAIL vireo-perf --mode blk on blk_vireo_user0"
	sed 's/^/  | /' "$DIR/out"
	failed=1
fi
# qsd takes 32768 sectors (16 MiB) per discard: a 64 MiB trim goes as several requests.
run trim-split ok "may go as up to [0-9]+ requests" --rw=trim --bs=64m --iodepth=4 --size=512m
qsd_stop

echo "---- raw image: write + verify=crc32c, re-verified after a backend restart"
truncate -s 64M "$IMG"
RAW="driver=file,filename=$IMG,node-name=d0"
qsd_start "$RAW" "writable=on,num-queues=2"
W="--rw=randwrite --bs=4k --iodepth=16 --offset=16m --size=8m --verify=crc32c"
# shellcheck disable=SC2086 # $W is a list of options
run write-verify ok "err= 0" $W --do_verify=1 --fsync=64
qsd_stop
qsd_start "$RAW" "writable=on,num-queues=2"
# shellcheck disable=SC2086
run verify-only ok "err= 0" $W --verify_only=1
run verify-unwritten fail "bad magic header" --rw=randwrite --bs=4k --iodepth=16 \
	--offset=40m --size=8m --verify=crc32c --verify_only=1
echo "---- two jobs on the export's two queues"
run two-jobs ok "err= 0" --rw=randwrite --bs=4k --iodepth=8 --size=4m --numjobs=2 \
	--offset_increment=4m --verify=crc32c --mem_mb=64 --group_reporting
qsd_stop

echo "---- no backend"
run no-backend fail "cannot connect to vhost-user socket" --rw=read --size=1m
if grep -q "after start" "$DIR/all"; then
	echo "FAIL: memory added after the device started (the backend cannot see it):"
	grep "after start" "$DIR/all"
	failed=1
fi
exit $failed
