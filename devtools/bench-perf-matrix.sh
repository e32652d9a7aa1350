#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# vireo-perf on our net_vireo PMD and on upstream net_virtio in one QEMU
# guest boot: forwarding modes (io, txrx = txonly on NIC 0 / rxonly on NIC 1,
# macswap) x packet sizes (64, 512, 1500, 9000 multi-segment) x driver,
# --duration s after --warmup s each. Writes BUILD/bench/perf-matrix.jsonl
# (vireo-perf --json rows plus driver, pmd, mode, round, bind), a summary
# table with ratios (perf-matrix-summary.json) and perf-matrix.png
# (devtools/plot-perf.py).
#
#   devtools/bench-perf-matrix.sh [--bind uio|vfio] [--modes io,txrx,macswap]
#                                 [--sizes 64,512,1500,9000] [--duration 3]
#                                 [--warmup 1] [--rounds 1] [--ours-args ARGS]
#                                 [--build-dir build] [--no-build] [--no-plot]
#
# --ours-args '' runs upstream on both sides (noise baseline). See
# doc/benchmarks.md; --help lists every option.
set -euo pipefail
exec python3 "$(dirname "$0")/bench/bench.py" matrix "$@"
