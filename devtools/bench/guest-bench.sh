# shellcheck shell=sh
# SPDX-License-Identifier: BSD-3-Clause
# Guest side of the benchmark scripts (busybox ash). devtools/bench/bench.py
# adds this file to the guest as /vireo/run/bench.sh and runs a generated
# command that sources it and calls the workload functions below. Every
# run's raw output goes to the console between markers:
#
#   @@BENCH-BEGIN <id>
#   ...testpmd log or vireo-perf JSON...
#   @@BENCH-END <id> rc=<n>
#
# and the host parses it. Lines starting with "bench:" are progress for the
# person watching. Settings (set by the generated command):
#   BENCH_WARMUP, BENCH_DURATION (s), BENCH_PKT_SIZE (bytes),
#   BENCH_MBUFS (testpmd --total-num-mbufs)

BENCH_EAL="-n 1 --in-memory"
BENCH_TMO=60 # s to wait for any one testpmd command (EAL start included)

bench_say() {
	echo "bench: $*"
}

# bench_emit ID RC FILE...: the files between markers.
bench_emit() {
	id=$1
	rc=$2
	shift 2
	echo "@@BENCH-BEGIN $id"
	cat "$@" 2>/dev/null
	echo
	echo "@@BENCH-END $id rc=$rc"
}

# alive PID: the process exists and is not a zombie (a background job this
# shell has not waited for yet still answers kill -0).
alive() {
	[ -r "/proc/$1/stat" ] || return 1
	read -r _ _ _st _ <"/proc/$1/stat" 2>/dev/null || return 1
	[ "$_st" != Z ]
}

# --- interactive testpmd sessions -------------------------------------------
# testpmd -i reads commands from a FIFO we keep open on a fixed fd. Its
# stdout is a file, so stdio buffers everything it printf()s; only the
# prompt and the echoed command line are written at once. A command is done
# when the next prompt shows up: we count prompts ("testpmd> ") in the log,
# one per command sent plus the one before the first command.

# tp_open NAME FD ARGS...: start dpdk-testpmd ARGS with -i, commands on FD.
tp_open() {
	_n=$1
	_fd=$2
	shift 2
	rm -f "/tmp/$_n.in" "/tmp/$_n.log"
	mkfifo "/tmp/$_n.in"
	dpdk-testpmd "$@" <"/tmp/$_n.in" >"/tmp/$_n.log" 2>&1 &
	eval "tp_${_n}_pid=$! tp_${_n}_fd=$_fd tp_${_n}_sent=0"
	# Opening the write end waits for testpmd to open the read end.
	eval "exec $_fd>/tmp/$_n.in"
}

# tp_send NAME CMD...: queue one command line.
tp_send() {
	_n=$1
	shift
	eval "_fd=\$tp_${_n}_fd; tp_${_n}_sent=\$((tp_${_n}_sent + 1))"
	# A dead testpmd: EPIPE (the command line ignores SIGPIPE), tp_sync says so.
	{ echo "$*" >&"$_fd"; } 2>/dev/null
}

# tp_sync NAME [TIMEOUT]: wait until every command sent to NAME is done.
# Returns 1 (and says why) when testpmd died or took longer than TIMEOUT s.
tp_sync() {
	_n=$1
	_tmo=${2:-$BENCH_TMO}
	_want=0 _pid=0
	eval "_want=\$((tp_${_n}_sent + 1)) _pid=\$tp_${_n}_pid"
	_i=0
	while :; do
		_got=$(grep -o 'testpmd> ' "/tmp/$_n.log" | wc -l)
		[ "$_got" -ge "$_want" ] && return 0
		if ! alive "$_pid"; then
			bench_say "testpmd $_n exited early"
			return 1
		fi
		_i=$((_i + 1))
		if [ "$_i" -gt $((_tmo * 10)) ]; then
			bench_say "testpmd $_n: no prompt after ${_tmo} s"
			return 1
		fi
		sleep 0.1
	done
}

# tp_close NAME: quit, close the FIFO, wait for the process (kill it after
# BENCH_TMO s). Prints testpmd's exit status.
tp_close() {
	_n=$1
	eval "_fd=\$tp_${_n}_fd _pid=\$tp_${_n}_pid"
	{ echo quit >&"$_fd"; } 2>/dev/null
	eval "exec $_fd>&-"
	_i=0
	while alive "$_pid"; do
		_i=$((_i + 1))
		if [ "$_i" -gt $((BENCH_TMO * 10)) ]; then
			bench_say "testpmd $_n did not quit: killed"
			kill -9 "$_pid" 2>/dev/null
			break
		fi
		sleep 0.1
	done
	wait "$_pid"
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
# NIC 1 (started first, so QEMU never stalls the sender for long), txonly
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
	bench_emit "$_id tx" "$_rc" /tmp/tx.log
	bench_emit "$_id rx" "$_rc" /tmp/rx.log
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
	bench_emit "$_id io" "$_rc" /tmp/io.log
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
		bench_emit "$_id" 0 /tmp/perf.json
	else
		[ "$_rc" = 0 ] && _rc=1
		tail -n 15 /tmp/perf.log | sed 's/^/bench:   /'
		bench_emit "$_id" "$_rc" /tmp/perf.log
	fi
	return "$_rc"
}
