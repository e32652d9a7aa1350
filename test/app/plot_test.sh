#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# devtools/plot-perf.py on real rows: short net_null runs at two packet sizes
# under two driver labels, plotted to a PNG that must look like one.
#   plot_test.sh VIREO_PERF PLOT_PERF_PY
set -eu
perf=$1
plot=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
eal="--no-pci --no-huge -m 128 --no-shconf --no-telemetry --log-level=error
	--lcores 0@0,1@1"
for label in null-a null-b; do
	for size in 64 512; do
		# shellcheck disable=SC2086
		"$perf" $eal --vdev net_null0 -- --forward-mode txonly \
			--duration 0.3 --stats-period 0 --pkt-size "$size" \
			--json "$tmp/run.json" >/dev/null
		python3 -c 'import json, sys
d = json.load(open(sys.argv[1])); d["driver"] = sys.argv[2]
print(json.dumps(d))' "$tmp/run.json" "$label" >>"$tmp/results.jsonl"
	done
done
python3 "$plot" "$tmp/results.jsonl" -o "$tmp/out.png" --keep-data "$tmp/data"
# PNG signature, a real image, one data file per label with both sizes
head -c 8 "$tmp/out.png" | od -An -tx1 | grep -q '89 50 4e 47 0d 0a 1a 0a'
test "$(wc -c <"$tmp/out.png")" -gt 5000
test "$(grep -c '^[0-9]' "$tmp/data/series0.dat")" -eq 2
test "$(grep -c '^[0-9]' "$tmp/data/series1.dat")" -eq 2
# a row without driver/pkt_size is refused clearly
echo '{"total": {}}' >"$tmp/bad.jsonl"
if python3 "$plot" "$tmp/bad.jsonl" -o "$tmp/bad.png" 2>"$tmp/err"; then
	echo "FAIL: accepted a bad row"; exit 1
fi
grep -q 'not a vireo-perf row' "$tmp/err"
# --blk (vireo bench blk): two panels, two tools, kIOPS against iodepth
for p in "null randread" "raw randwrite"; do
	for t in fio-vireo io_uring; do
		for qd in 1 32 128; do
			echo "{\"panel\": \"$p\", \"tool\": \"$t\", \"iodepth\": $qd, \"iops\": $((qd * 100 + 5))}"
		done
	done
done >"$tmp/blk.jsonl"
python3 "$plot" --blk "$tmp/blk.jsonl" -o "$tmp/blk.png" --keep-data "$tmp/blk" >/dev/null
head -c 8 "$tmp/blk.png" | od -An -tx1 | grep -q '89 50 4e 47 0d 0a 1a 0a'
test "$(find "$tmp/blk" -name "panel*.dat" | wc -l)" -eq 4
grep -q '^128 12.805$' "$tmp/blk/panel0-0.dat"
if python3 "$plot" --blk "$tmp/results.jsonl" -o "$tmp/bad.png" 2>"$tmp/err"; then
	echo "FAIL: --blk accepted a net row"; exit 1
fi
grep -q 'not a storage row' "$tmp/err"
echo "ok: plot-perf.py"
