# shellcheck shell=sh
# SPDX-License-Identifier: BSD-3-Clause
# Interactive dpdk-testpmd sessions driven from a guest shell script (busybox
# ash), for cases and the benchmarks: . /vireo/run/cases/testpmd-lib.sh
# testpmd -i reads commands from a FIFO kept open on a fixed fd and writes
# to the log /tmp/NAME.log, line-buffered through coreutils' stdbuf preload
# (a file would get stdio's full buffering: a command's output would come
# long after its prompt). A command is done when the next prompt shows up:
# tp_sync counts prompts ("testpmd> ") in the log, one per command sent plus
# the one before the first command.

TP_TMO=${TP_TMO:-60} # s to wait for any one testpmd command (EAL start included)

# alive PID: the process exists and is not a zombie (a background job this
# shell has not waited for yet still answers kill -0).
alive() {
	[ -r "/proc/$1/stat" ] || return 1
	read -r _ _ _st _ <"/proc/$1/stat" 2>/dev/null || return 1
	[ "$_st" != Z ]
}

# tp_open NAME FD ARGS...: start dpdk-testpmd ARGS with -i, commands on FD.
tp_open() {
	_n=$1
	_fd=$2
	shift 2
	rm -f "/tmp/$_n.in" "/tmp/$_n.log"
	mkfifo "/tmp/$_n.in"
	LD_PRELOAD=/usr/libexec/coreutils/libstdbuf.so _STDBUF_O=L \
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
	_tmo=${2:-$TP_TMO}
	_want=0 _pid=0
	eval "_want=\$((tp_${_n}_sent + 1)) _pid=\$tp_${_n}_pid"
	_i=0
	while :; do
		_got=$(grep -o 'testpmd> ' "/tmp/$_n.log" | wc -l)
		[ "$_got" -ge "$_want" ] && return 0
		if ! alive "$_pid"; then
			echo "testpmd $_n exited early"
			return 1
		fi
		_i=$((_i + 1))
		if [ "$_i" -gt $((_tmo * 10)) ]; then
			echo "testpmd $_n: no prompt after ${_tmo} s"
			return 1
		fi
		sleep 0.1
	done
}

# tp_close NAME: quit, close the FIFO, wait for the process (kill it after
# TP_TMO s). Prints testpmd's exit status.
tp_close() {
	_n=$1
	eval "_fd=\$tp_${_n}_fd _pid=\$tp_${_n}_pid"
	{ echo quit >&"$_fd"; } 2>/dev/null
	eval "exec $_fd>&-"
	_i=0
	while alive "$_pid"; do
		_i=$((_i + 1))
		if [ "$_i" -gt $((TP_TMO * 10)) ]; then
			echo "testpmd $_n did not quit: killed"
			kill -9 "$_pid" 2>/dev/null
			break
		fi
		sleep 0.1
	done
	wait "$_pid"
}

# tp_ask NAME CMD... : send one command, wait for it; its output is what the
# log gained (also left in /tmp/NAME.last).
tp_ask() {
	_n=$1
	_from=$(($(wc -c <"/tmp/$_n.log") + 1))
	tp_send "$@"
	tp_sync "$_n" || return 1
	tail -c +"$_from" "/tmp/$_n.log" >"/tmp/$_n.last"
}
