#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Run one libFuzzer target for the meson 'fuzz' suite (test/fuzz/meson.build).
#
#   run_target.sh EXE CORPUS WORK regress|fuzz [libFuzzer options...]
#
#   regress  every input of CORPUS once (-runs=0): the seed corpus and the
#            reproducers of fixed bugs must keep passing
#   fuzz     fuzz from CORPUS; new inputs go to WORK/new (emptied first,
#            so every run starts from the seeds), never into the source tree
#
# Findings (crash-*, leak-*, timeout-*) are written to WORK/artifacts/.
# libFuzzer exits non-zero on any finding, which fails the test: with
# -error_exitcode=1, as its default, 77, is meson's "skipped".

set -euo pipefail

[ $# -ge 4 ] || { echo "usage: $0 EXE CORPUS WORK regress|fuzz [options...]" >&2; exit 2; }
exe=$1 corpus=$2 work=$3 mode=$4
shift 4

mkdir -p "$work/artifacts"
case "$mode" in
regress)
	exec "$exe" -error_exitcode=1 -artifact_prefix="$work/artifacts/" -runs=0 "$@" "$corpus"
	;;
fuzz)
	rm -rf "$work/new"
	mkdir -p "$work/new"
	exec "$exe" -error_exitcode=1 -artifact_prefix="$work/artifacts/" -print_final_stats=1 "$@" \
		"$work/new" "$corpus"
	;;
*)
	echo "run_target: unknown mode '$mode'" >&2
	exit 2
	;;
esac
