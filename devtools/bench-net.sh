#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Stock dpdk-testpmd on our net_vireo PMD and on upstream net_virtio, same
# two back-to-back virtio-net devices, one QEMU guest boot:
#   txrx  txonly on NIC 0 and rxonly on NIC 1 (two testpmd processes)
#   io    io forwarding NIC 0 <-> NIC 1, start tx_first
# each for --duration s after --warmup s, --rounds times with the driver
# order alternating; prints Mpps per port (medians) with the ratio
# ours/upstream and writes BUILD/bench/bench-net.json.
#
#   devtools/bench-net.sh [--bind uio|vfio] [--duration 10] [--warmup 2]
#                         [--rounds 3] [--workloads txrx,io] [--pkt-size 64]
#                         [--ours-args ARGS] [--build-dir build] [--no-build]
#
# --ours-args '' runs upstream on both sides (noise baseline). See
# doc/benchmarks.md; --help lists every option.
set -euo pipefail
exec python3 "$(dirname "$0")/bench/bench.py" net "$@"
