#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Vireo test run: builds and runs every meson test suite in build/, then the
# unit and app suites again under AddressSanitizer + UBSan in build-asan/,
# then the fuzz suite (libFuzzer targets, clang) in build-fuzz/.
# Prints a summary per build and suite; the last line is always
#   N passed, N failed
# (skipped tests count as neither; a failed configure or build counts as one
# failure). Exits non-zero when anything failed.
#
#   devtools/test.sh [--suite NAME]... [--no-asan] [--no-fuzz] [-j N]
#
#   --suite NAME   run only this suite (repeatable); the ASan build runs the
#                  requested suites among 'unit', 'app' and 'vhost', or is
#                  skipped;
#                  the fuzz build runs when 'fuzz' is requested
#   --no-asan      skip the ASan/UBSan build
#   --no-fuzz      skip the fuzz build (it needs clang with libFuzzer)
#   -j N           parallel build jobs and test processes (default 2)
#
# Environment: VIREO_TIMEOUT_MULTIPLIER (meson test timeouts in build/,
# default 1; build-asan/ uses 3x that), VIREO_DEPS_DIR (SDK headers from
# devtools/setup.sh when not in <repo>/.deps).

set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"

SUITES=()
ASAN=1
FUZZ=1
JOBS=${VIREO_JOBS:-2}
TIMEOUT_MULT=${VIREO_TIMEOUT_MULTIPLIER:-1}
ASAN_SUITES=(unit app vhost)

TOTAL_PASS=0
TOTAL_FAIL=0
SUMMARY=()

usage()
{
	sed -n '4,25p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

while [ $# -gt 0 ]; do
	case "$1" in
	--suite)
		[ $# -ge 2 ] || { echo "test: --suite needs a name" >&2; exit 2; }
		SUITES+=("$2")
		shift 2
		;;
	--suite=*)
		SUITES+=("${1#*=}")
		shift
		;;
	--no-asan)
		ASAN=0
		shift
		;;
	--no-fuzz)
		FUZZ=0
		shift
		;;
	-j)
		[ $# -ge 2 ] || { echo "test: -j needs a number" >&2; exit 2; }
		JOBS=$2
		shift 2
		;;
	-j*)
		JOBS=${1#-j}
		shift
		;;
	-h | --help)
		usage
		exit 0
		;;
	*)
		echo "test: unknown argument '$1' (see --help)" >&2
		exit 2
		;;
	esac
done

banner() { printf '\n==== %s\n' "$*"; }

# Common meson options: point at SDK headers kept outside the repo.
common_opts()
{
	if [ -n "${VIREO_DEPS_DIR:-}" ]; then
		local v
		v=$(pkg-config --modversion libdpdk 2>/dev/null || true)
		echo "-Ddpdk_sdk_headers=$VIREO_DEPS_DIR/dpdk-sdk-$v/include"
		# fio's headers for the fio engine, when setup.sh fetched them there.
		v=$(fio --version 2>/dev/null || true)
		if [ -n "$v" ] && [ -f "$VIREO_DEPS_DIR/$v/fio.h" ]; then
			echo "-Dfio_headers=$VIREO_DEPS_DIR/$v"
		fi
	fi
}

# configure DIR [meson options...]: fresh setup, or reconfigure in place
# (falling back to a wipe when the old directory cannot be reconfigured).
configure()
{
	local dir=$1
	shift
	if [ -f "$dir/meson-private/coredata.dat" ]; then
		meson setup --reconfigure "$dir" "$@" && return 0
		echo "test: reconfigure of $dir failed; wiping it"
		meson setup --wipe "$dir" "$@"
	else
		meson setup "$dir" "$@"
	fi
}

# Suites registered in a configured build dir, without the project prefix.
list_suites()
{
	meson introspect --tests "$1" | python3 -c '
import json, sys
names = set()
for t in json.load(sys.stdin):
    for s in t.get("suite", []):
        if ":" in s:
            names.add(s.split(":", 1)[1])
print("\n".join(sorted(names)))
'
}

# Tally meson-logs/testlog.json of DIR: prints one "suite pass fail skip"
# line per suite. meson 1.0 names each result "project:suite[+suite] / test",
# but leaves out the suite when the build has only one: DEFAULT names it.
tally()
{
	python3 - "$1/meson-logs/testlog.json" "${2:-(none)}" <<'EOF'
import json, sys
counts = {}
with open(sys.argv[1]) as f:
    for line in f:
        line = line.strip()
        if not line:
            continue
        r = json.loads(line)
        head = r["name"].split(" / ", 1)[0]
        suite = head.split(":", 1)[1] if ":" in head else sys.argv[2]
        c = counts.setdefault(suite, [0, 0, 0])
        res = r["result"]
        if res in ("OK", "EXPECTEDFAIL"):
            c[0] += 1
        elif res == "SKIP":
            c[2] += 1
        else:  # FAIL, TIMEOUT, ERROR, UNEXPECTEDPASS, INTERRUPT
            c[1] += 1
for suite in sorted(counts):
    print(suite, *counts[suite])
EOF
}

# Failures of DIR's last meson test run, for the end of the output (where a
# CI log that keeps only the tail still shows them): name, result, duration
# and the last lines of each failed test's output.
FAIL_REPORT=$(mktemp)
trap 'rm -f "$FAIL_REPORT"' EXIT
report_failures()
{
	python3 - "$1/meson-logs/testlog.json" "$1" >>"$FAIL_REPORT" <<'EOF'
import json, sys
with open(sys.argv[1]) as f:
    for line in f:
        line = line.strip()
        if not line:
            continue
        r = json.loads(line)
        out = (r.get("stdout") or "") + (r.get("stderr") or "")
        if r["result"] == "OK" and "RETRIED:" in out:
            # A guest case that passed only in a second boot: say so.
            why = [l for l in out.splitlines() if "RETRIED:" in l]
            print("---- %s: %s passed on retry: %s" % (sys.argv[2], r["name"], why[-1]))
            continue
        if r["result"] in ("OK", "EXPECTEDFAIL", "SKIP"):
            continue
        print("---- %s: %s %s after %.0f s (rc %s)" % (sys.argv[2], r["name"],
              r["result"], r.get("duration") or 0, r.get("returncode")))
        for l in out.rstrip().splitlines()[-40:]:
            print("  | " + l)
EOF
}

record()
{
	local label=$1 pass=$2 fail=$3 skip=${4:-0}
	TOTAL_PASS=$((TOTAL_PASS + pass))
	TOTAL_FAIL=$((TOTAL_FAIL + fail))
	SUMMARY+=("$(printf '%-11s %-20s %4d passed, %4d failed, %4d skipped' \
		"$label" "${5:-}" "$pass" "$fail" "$skip")")
}

# run_build NAME DIR TIMEOUT_MULT SUITES_CSV [meson options...]
# SUITES_CSV: comma-separated suites to run, or "*" for all.
run_build()
{
	local name=$1 dir=$2 mult=$3 suites=$4
	shift 4
	local opts=("$@") suite_args=() s rc=0

	banner "$name: configure $dir"
	# shellcheck disable=SC2046
	if ! configure "$dir" $(common_opts) "${opts[@]}"; then
		record "$dir" 0 1 0 "(configure failed)"
		return
	fi
	banner "$name: build"
	if ! ninja -C "$dir" -j "$JOBS"; then
		record "$dir" 0 1 0 "(build failed)"
		return
	fi

	if [ "$suites" != "*" ]; then
		local known
		known=$(list_suites "$dir") || known=""
		IFS=, read -r -a want <<<"$suites"
		for s in "${want[@]}"; do
			if grep -qxF "$s" <<<"$known"; then
				suite_args+=(--suite "$s")
			else
				echo "test: $dir has no tests in suite '$s'"
			fi
		done
		if [ ${#suite_args[@]} -eq 0 ]; then
			record "$dir" 0 0 0 "(no tests: $suites)"
			return
		fi
	fi

	banner "$name: meson test ${suite_args[*]:-(all suites)}"
	rm -f "$dir"/meson-logs/testlog.json
	meson test -C "$dir" --no-rebuild --print-errorlogs \
		--num-processes "$JOBS" --timeout-multiplier "$mult" \
		"${suite_args[@]}" || rc=$?

	if [ ! -f "$dir/meson-logs/testlog.json" ]; then
		# meson writes no log when no test matched.
		if [ $rc -eq 0 ]; then
			record "$dir" 0 0 0 "(no tests)"
		else
			record "$dir" 0 1 0 "(meson test error $rc)"
		fi
		return
	fi
	local lines suite pass fail skip any_fail=0
	local default="(none)"
	[[ "$suites" == "*" || "$suites" == *,* ]] || default=$suites
	lines=$(tally "$dir" "$default") || { record "$dir" 0 1 0 "(unreadable testlog)"; return; }
	if [ -z "$lines" ]; then
		record "$dir" 0 0 0 "(no tests)"
	fi
	while read -r suite pass fail skip; do
		[ -n "$suite" ] || continue
		record "$dir" "$pass" "$fail" "$skip" "$suite"
		[ "$fail" -eq 0 ] || any_fail=1
	done <<<"$lines"
	report_failures "$dir" || true
	# A non-zero exit without a failed test (meson itself broke) still fails.
	if [ $rc -ne 0 ] && [ $any_fail -eq 0 ]; then
		record "$dir" 0 1 0 "(meson test exit $rc)"
	fi
}

main_suites="*"
if [ ${#SUITES[@]} -gt 0 ]; then
	# The fuzz suite lives in build-fuzz/ only.
	main_suites=$(printf '%s\n' "${SUITES[@]}" | grep -vxF fuzz | paste -sd, -) || true
fi
if [ -n "$main_suites" ]; then
	run_build main build "$TIMEOUT_MULT" "$main_suites"
fi

if [ $ASAN -eq 1 ]; then
	asan_suites=()
	for s in "${ASAN_SUITES[@]}"; do
		if [ ${#SUITES[@]} -eq 0 ] || printf '%s\n' "${SUITES[@]}" | grep -qxF "$s"; then
			asan_suites+=("$s")
		fi
	done
	if [ ${#asan_suites[@]} -gt 0 ]; then
		# LeakSanitizer stays on; devtools/lsan.supp lists leaks that are
		# DPDK's own (none known with rte_eal_cleanup() on 22.11.11).
		export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:print_summary=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
		export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:print_summary=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
		export LSAN_OPTIONS="suppressions=$REPO/devtools/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
		run_build asan build-asan "$(awk -v m="$TIMEOUT_MULT" 'BEGIN { print m * 3 }')" \
			"$(IFS=,; echo "${asan_suites[*]}")" \
			-Db_sanitize=address,undefined -Db_lundef=false -Dguest_tests=disabled
	fi
fi

# Fuzz suite: each libFuzzer target over its seed corpus, then fuzzing for a
# few seconds (test/fuzz/meson.build). A clang build of its own; the main
# build's suites never include it.
want_fuzz=0
if [ $FUZZ -eq 1 ]; then
	if [ ${#SUITES[@]} -eq 0 ] || printf '%s\n' "${SUITES[@]}" | grep -qxF fuzz; then
		want_fuzz=1
	fi
fi
if [ $want_fuzz -eq 1 ]; then
	if command -v clang >/dev/null; then
		CC=clang run_build fuzz build-fuzz "$TIMEOUT_MULT" fuzz \
			-Dfuzz=enabled -Db_sanitize=address,undefined -Db_lundef=false \
			-Dguest_tests=disabled
	else
		echo "test: clang not installed: fuzz suite skipped (run devtools/setup.sh)"
		record build-fuzz 0 0 1 "(no clang)"
	fi
fi

if [ -s "$FAIL_REPORT" ]; then
	banner "failed tests (last lines of each) and guest cases that needed a retry"
	cat "$FAIL_REPORT"
fi
banner "summary"
for line in "${SUMMARY[@]}"; do
	echo "$line"
done
echo "$TOTAL_PASS passed, $TOTAL_FAIL failed"
[ "$TOTAL_FAIL" -eq 0 ]
