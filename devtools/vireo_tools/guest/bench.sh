# shellcheck shell=sh
# SPDX-License-Identifier: BSD-3-Clause
# Guest side of the benchmarks (busybox ash). vireo_tools/bench.py adds this
# file to the guest as /vireo/run/bench.sh and runs a generated command that
# sources it and calls the workload functions below. Every run's raw output
# (testpmd log or vireo-perf JSON) goes to the host as a result block
# (vireo_result, lib.sh). Lines starting with "bench:" are progress for the
# person watching. Settings (set by the generated command):
#   BENCH_WARMUP, BENCH_DURATION (s), BENCH_PKT_SIZE (bytes),
#   BENCH_MBUFS (testpmd --total-num-mbufs)

BENCH_EAL="-n 1 --in-memory"
# shellcheck disable=SC1091 # guest paths
. /vireo/run/cases/lib.sh
# shellcheck disable=SC1091
. /vireo/run/cases/testpmd-lib.sh

bench_say() {
	echo "bench: $*"
}

tp_app_args() {
	echo "-i --total-num-mbufs=${BENCH_MBUFS:-8192} --txpkts=${BENCH_PKT_SIZE:-64}"
}

# The measurement: after the warm-up, "show port stats all" on every
# session starts the window (testpmd computes Rx-pps/Tx-pps since the last
# show, with its own clock), the second one BENCH_DURATION s later ends it.
tp_measure() {
	sleep "$BENCH_WARMUP"
	for _s in "$@"; do tp_send "$_s" show port stats all; done
	for _s in "$@"; do tp_sync "$_s" || return 1; done
	sleep "$BENCH_DURATION"
	for _s in "$@"; do tp_send "$_s" show port stats all; done
	for _s in "$@"; do tp_sync "$_s" || return 1; done
}

# bench_txrx ID DRIVER_EAL_ARGS: one-way. Two testpmd processes: rxonly on
# NIC 1 (started first, so that it polls before frames arrive: QEMU's hub
# drops what a slow receiver leaves past 10000 queued frames), txonly
# on NIC 0. Each main lcore (blocked reading commands) shares a CPU with
# the other process's forwarding lcore.
bench_txrx() {
	_id=$1
	_drv=$2
	_app=$(tp_app_args)
	# shellcheck disable=SC2086 # word splitting of argument lists
	tp_open rx 3 --lcores 0@1,1@0 $BENCH_EAL $_drv -a "$VIREO_NET1" -- \
		$_app --forward-mode=rxonly
	tp_send rx show port info all
	tp_send rx start
	_rc=0
	tp_sync rx || _rc=1
	# shellcheck disable=SC2086
	tp_open tx 4 --lcores 0@0,1@1 $BENCH_EAL $_drv -a "$VIREO_NET0" -- \
		$_app --forward-mode=txonly
	tp_send tx show port info all
	tp_send tx start
	tp_sync tx || _rc=1
	[ "$_rc" = 0 ] && { tp_measure rx tx || _rc=1; }
	tp_send tx stop
	tp_sync tx
	tp_send rx stop
	tp_sync rx
	tp_close tx || _rc=1
	tp_close rx || _rc=1
	vireo_result "$_id tx" "$_rc" /tmp/tx.log
	vireo_result "$_id rx" "$_rc" /tmp/rx.log
	return "$_rc"
}

# bench_io ID DRIVER_EAL_ARGS: io forwarding NIC 0 <-> NIC 1, one
# forwarding lcore per port, one burst sent first on each port.
bench_io() {
	_id=$1
	_drv=$2
	_app=$(tp_app_args)
	# shellcheck disable=SC2086
	tp_open io 3 --lcores 0@0,1@1,2@0 $BENCH_EAL $_drv \
		-a "$VIREO_NET0" -a "$VIREO_NET1" -- \
		$_app --forward-mode=io --nb-cores=2
	tp_send io show port info all
	tp_send io start tx_first
	_rc=0
	tp_sync io || _rc=1
	[ "$_rc" = 0 ] && { tp_measure io || _rc=1; }
	tp_send io stop
	tp_sync io
	tp_close io || _rc=1
	vireo_result "$_id io" "$_rc" /tmp/io.log
	return "$_rc"
}

# --- vireo-perf ---------------------------------------------------------------

# bench_perf ID DRIVER_EAL_ARGS APP_ARGS...: one vireo-perf run on both NICs;
# emits its JSON (or, when it failed, its output).
bench_perf() {
	_id=$1
	_drv=$2
	shift 2
	rm -f /tmp/perf.json
	_t=$((BENCH_WARMUP + BENCH_DURATION + 30))
	# shellcheck disable=SC2086
	timeout -s INT "$_t" "$VIREO_BIN/vireo-perf" --lcores 0@0,1@1,2@0 \
		$BENCH_EAL $_drv -a "$VIREO_NET0" -a "$VIREO_NET1" -- \
		--warmup "$BENCH_WARMUP" --duration "$BENCH_DURATION" \
		--stats-period 0 --json /tmp/perf.json "$@" >/tmp/perf.log 2>&1
	_rc=$?
	if [ "$_rc" = 0 ] && [ -s /tmp/perf.json ]; then
		vireo_result "$_id" 0 /tmp/perf.json
	else
		[ "$_rc" = 0 ] && _rc=1
		tail -n 15 /tmp/perf.log | sed 's/^/bench:   /'
		vireo_result "$_id" "$_rc" /tmp/perf.log
	fi
	return "$_rc"
}

# --- storage (vireo bench blk) --------------------------------------------------
# Settings: BENCH_WARMUP, BENCH_DURATION (s), BLK_SIZE (region, fio size=),
# BLK_BS (bytes per request), BLK_FIO_EXTRA (more fio options, all fio runs).

# blk_cpu_sampler FILE: "uptime cpu-line" of /proc/stat once a second into
# FILE (shell builtins only, so the sampler costs next to nothing); the host
# picks the samples inside the measured window.
blk_cpu_sampler() {
	while :; do
		read -r _up _ </proc/uptime
		read -r _cpu </proc/stat
		echo "$_up $_cpu"
		sleep 1
	done >"$1"
}

# blk_measure ID CMD...: CMD with the CPU sampler beside it; CMD writes its
# JSON to /tmp/blk.json. Emits result blocks ID (the JSON, or the tail of
# the output when it failed) and "ID cpu" (the samples, the last one taken
# when CMD ended).
blk_measure() {
	_id=$1
	shift
	rm -f /tmp/blk.json /tmp/blk.cpu
	blk_cpu_sampler /tmp/blk.cpu &
	_spid=$!
	_t=$((BENCH_WARMUP + BENCH_DURATION + 60))
	timeout -s INT "$_t" "$@" >/tmp/blk.log 2>&1
	_rc=$?
	read -r _up _ </proc/uptime
	read -r _cpu </proc/stat
	kill "$_spid"
	wait "$_spid" 2>/dev/null
	echo "$_up $_cpu" >>/tmp/blk.cpu
	if [ "$_rc" = 0 ] && [ -s /tmp/blk.json ]; then
		vireo_result "$_id" 0 /tmp/blk.json
	else
		[ "$_rc" = 0 ] && _rc=1
		tail -n 15 /tmp/blk.log | sed 's/^/bench:   /'
		vireo_result "$_id" "$_rc" /tmp/blk.log
	fi
	vireo_result "$_id cpu" 0 /tmp/blk.cpu
}

# blk_fio ID ARGS...: stock fio with the common options, JSON into
# /tmp/blk.json (engine log lines stay out of it). Every fio run (ours and
# the kernel's) as a throughput comparison is set up: no random map (fio's
# bookkeeping of which blocks were touched, ~200 instructions per I/O) and
# the TSC as fio's clock (clock_gettime under TCG is a system call reading
# the HPET, several per I/O).
blk_fio() {
	_fid=$1
	shift
	# shellcheck disable=SC2086 # BLK_FIO_EXTRA is a list of options
	blk_measure "$_fid" fio --name=bench --bs="$BLK_BS" --size="$BLK_SIZE" --time_based \
		--ramp_time="$BENCH_WARMUP" --runtime="$BENCH_DURATION" \
		--norandommap=1 --clocksource=cpu \
		--lat_percentiles=1 --output-format=json --output=/tmp/blk.json \
		$BLK_FIO_EXTRA "$@"
}

# bench_blk_fio_vireo ID BDF RW DEPTH [FIO-OPTION...]: fio through
# fio_vireo.so (one job thread, one queue).
bench_blk_fio_vireo() {
	_bid=$1 _bdf=$2 _rw=$3 _qd=$4
	shift 4
	blk_fio "$_bid" --ioengine=external:"$VIREO_LIB/fio_vireo.so" \
		--thread=1 --pci="$_bdf" --rw="$_rw" --iodepth="$_qd" "$@"
}

# bench_blk_perf ID BDF RW DEPTH: vireo-perf --mode blk, its worker on
# CPU 1, the main lcore (statistics, mostly asleep) on CPU 0.
bench_blk_perf() {
	# shellcheck disable=SC2086 # BENCH_EAL is a list of arguments
	blk_measure "$1" "$VIREO_BIN/vireo-perf" --lcores 0@0,1@1 $BENCH_EAL -a "$2" -- \
		--mode blk --dev "$2" --rw "$3" --bs "$BLK_BS" --iodepth "$4" \
		--size "$BLK_SIZE" --warmup "$BENCH_WARMUP" --duration "$BENCH_DURATION" \
		--stats-period 0 --json /tmp/blk.json
}

# bench_blk_kernel ID DEV RW DEPTH ENGINE: fio on the guest kernel's
# virtio_blk (/dev/vdX), O_DIRECT.
bench_blk_kernel() {
	blk_fio "$1" --ioengine="$5" --filename="$2" --direct=1 \
		--rw="$3" --iodepth="$4"
}

# blk_kernel_modules: virtio_pci and virtio_blk of the guest kernel
# (/etc/vireo/modules-kernel, in order), once. The other virtio functions
# keep their driver_override, so virtio_pci takes none of them.
blk_kernel_modules() {
	[ -d /sys/bus/pci/drivers/virtio-pci ] && [ -d /sys/bus/virtio/drivers/virtio_blk ] &&
		return 0
	while read -r _m; do
		insmod "/lib/modules/$(uname -r)/$_m" 2>/dev/null
	done </etc/vireo/modules-kernel
	[ -d /sys/bus/pci/drivers/virtio-pci ] && [ -d /sys/bus/virtio/drivers/virtio_blk ]
}

# blk_rebind BDF DRIVER: move one PCI function of this guest to DRIVER.
blk_rebind() {
	_dev=/sys/bus/pci/devices/$1
	[ -e "$_dev/driver" ] && echo "$1" >"$_dev/driver/unbind"
	echo "$2" >"$_dev/driver_override"
	echo "$1" >/sys/bus/pci/drivers_probe
	_cur=$(readlink "$_dev/driver")
	[ "${_cur##*/}" = "$2" ] || { bench_say "$1: not bound to $2" >&2; return 1; }
}

# blk_to_kernel BDF: bind to virtio-pci; prints /dev/vdX once it exists
# (its messages go to stderr: the caller captures stdout).
blk_to_kernel() {
	blk_kernel_modules || { bench_say "cannot load virtio_pci/virtio_blk" >&2; return 1; }
	blk_rebind "$1" virtio-pci || return 1
	_i=0
	while [ "$_i" -lt 50 ]; do
		for _b in /sys/bus/pci/devices/"$1"/virtio*/block/vd*; do
			[ -b "/dev/${_b##*/}" ] && { echo "/dev/${_b##*/}"; return 0; }
		done
		sleep 0.2
		_i=$((_i + 1))
	done
	bench_say "$1: no block device under virtio_blk" >&2
	return 1
}

# blk_to_user BDF: back to the user-space driver of this boot.
blk_to_user() {
	case $VIREO_BIND in
	vfio) blk_rebind "$1" vfio-pci ;;
	*) blk_rebind "$1" uio_pci_generic ;;
	esac
}
