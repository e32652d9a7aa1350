#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Vireo fuzzing: builds the libFuzzer targets of test/fuzz with clang,
# AddressSanitizer, UBSan (no recovery) and LeakSanitizer in build-fuzz/,
# then fuzzes each target in turn from its seed corpus. Prints per target
# the executions, exec/s, wall time and findings (crashes, leaks, timeouts,
# out-of-memory); exits non-zero on any finding. See doc/fuzzing.md.
#
#   devtools/fuzz.sh [--time S | --runs N] [--no-build] [TARGET...]
#
#   --time S     fuzz each target for S seconds (default 60)
#   --runs N     fuzz each target for N executions instead
#   --no-build   use build-fuzz/ as it is
#   TARGET       pci_caps, vq_harvest, vq_harvest_packed, net_rx, net_ctrl,
#                blk_completion
#                (default: all)
#
# Inputs found to add coverage accumulate in build-fuzz/fuzz-work/TARGET/
# corpus/ (reused by the next run); findings go to .../artifacts/, named
# crash-*, leak-*, timeout-* or oom-*. Replay one with
#   FUZZ_VERBOSE=1 build-fuzz/test/fuzz/fuzz_TARGET FILE
# Environment: VIREO_DEPS_DIR (as for test.sh), VIREO_JOBS (build jobs, 2).

set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"

BUILD=build-fuzz
ALL_TARGETS=(pci_caps vq_harvest vq_harvest_packed net_rx net_ctrl blk_completion)
JOBS=${VIREO_JOBS:-2}
LIMIT=(-max_total_time=60)
DO_BUILD=1
TARGETS=()

usage()
{
	sed -n '4,24p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

die() { printf 'fuzz: %s\n' "$*" >&2; exit 2; }

while [ $# -gt 0 ]; do
	case "$1" in
	--time)
		[[ $# -ge 2 && "$2" =~ ^[0-9]+$ ]] || die "--time needs seconds"
		LIMIT=(-max_total_time="$2")
		shift 2
		;;
	--runs)
		[[ $# -ge 2 && "$2" =~ ^[0-9]+$ ]] || die "--runs needs a count"
		LIMIT=(-runs="$2")
		shift 2
		;;
	--no-build)
		DO_BUILD=0
		shift
		;;
	-h | --help)
		usage
		exit 0
		;;
	-*)
		die "unknown option '$1' (see --help)"
		;;
	*)
		printf '%s\n' "${ALL_TARGETS[@]}" | grep -qxF "$1" ||
			die "unknown target '$1' (known: ${ALL_TARGETS[*]})"
		TARGETS+=("$1")
		shift
		;;
	esac
done
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=("${ALL_TARGETS[@]}")

build()
{
	local opts=(-Dfuzz=enabled "-Db_sanitize=address,undefined" -Db_lundef=false
		-Dguest_tests=disabled)
	if [ -n "${VIREO_DEPS_DIR:-}" ]; then
		opts+=("-Ddpdk_sdk_headers=$VIREO_DEPS_DIR/dpdk-sdk-$(pkg-config --modversion libdpdk)/include")
	fi
	command -v clang >/dev/null || die "clang not installed (run devtools/setup.sh)"
	if [ -f "$BUILD/meson-private/coredata.dat" ]; then
		CC=clang meson setup --reconfigure "$BUILD" "${opts[@]}" >/dev/null ||
			CC=clang meson setup --wipe "$BUILD" "${opts[@]}"
	else
		CC=clang meson setup "$BUILD" "${opts[@]}"
	fi
	ninja -C "$BUILD" -j "$JOBS"
}

# stat NAME LOG: a -print_final_stats value ("stat::NAME: VALUE").
stat()
{
	sed -n "s/^stat::$1: *//p" "$2" | tail -n1
}

FAILED=0
SUMMARY=()

fuzz_one()
{
	local t=$1 exe=$BUILD/test/fuzz/fuzz_$1 work=$BUILD/fuzz-work/$1 rc=0
	local log start secs execs rate crashes leaks timeouts ooms verdict
	[ -x "$exe" ] || die "$exe not built"
	mkdir -p "$work/corpus" "$work/artifacts"
	log=$work/last.log
	printf '\n==== %s (%s)\n' "$t" "${LIMIT[*]}"
	start=$SECONDS
	# LeakSanitizer on; UBSan findings abort (-fno-sanitize-recover).
	ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=1:print_summary=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}" \
	UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:print_summary=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}" \
		"$exe" "${LIMIT[@]}" -print_final_stats=1 -artifact_prefix="$work/artifacts/" \
		"$work/corpus" "test/fuzz/corpus/$t" >"$log" 2>&1 || rc=$?
	secs=$((SECONDS - start))
	execs=$(stat number_of_executed_units "$log")
	rate=$(stat average_exec_per_sec "$log")
	crashes=$(grep -c -E '^SUMMARY: (AddressSanitizer|UndefinedBehaviorSanitizer|libFuzzer: deadly signal)' "$log" || true)
	leaks=$(grep -c '^SUMMARY: .*leaked' "$log" || true)
	timeouts=$(grep -c 'ERROR: libFuzzer: timeout' "$log" || true)
	ooms=$(grep -c 'ERROR: libFuzzer: out-of-memory' "$log" || true)
	verdict=ok
	if [ "$rc" -ne 0 ] || [ $((crashes + leaks + timeouts + ooms)) -ne 0 ]; then
		verdict="FAILED (exit $rc; log $log)"
		FAILED=1
		grep -E -A12 'ERROR: |runtime error|fuzz invariant failed' "$log" | head -n 40 || true
		find "$work/artifacts" -type f -printf '  artifact: %p\n'
	fi
	SUMMARY+=("$(printf '%-11s %12s execs %9s exec/s %6ss  crashes %s  leaks %s  timeouts %s  oom %s  %s' \
		"$t" "${execs:-?}" "${rate:-?}" "$secs" "$crashes" "$leaks" "$timeouts" "$ooms" "$verdict")")
}

[ $DO_BUILD -eq 0 ] || build
for t in "${TARGETS[@]}"; do
	fuzz_one "$t"
done
printf '\n==== summary\n'
printf '%s\n' "${SUMMARY[@]}"
exit $FAILED
