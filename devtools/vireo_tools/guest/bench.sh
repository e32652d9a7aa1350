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
