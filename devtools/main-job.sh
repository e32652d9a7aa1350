#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The main job: build Vireo, then the host arena's quick A/B (well under a
# minute): vireo-perf io loop, 64 B, over vhost-user against a dpdk-testpmd
# net_vhost backend, on our net_vireo_user and on upstream net_virtio_user,
# interleaved, with live Mpps lines, the medians and their ratio; then a
# short blk step: vireo-perf --mode blk (randread QD32, one 3 s run) on
# blk_vireo_user over qemu-storage-daemon null-co, live IOPS lines
# (skipped without qemu-storage-daemon). devtools/vireo arena main; --help.
#
#   devtools/main-job.sh [ARENA OPTIONS]     --runs, --seconds, --workload, ...
#   devtools/main-job.sh --guest [OPTIONS]   the QEMU guest run instead
#                                            (devtools/vireo bench main: modern
#                                            virtio-pci NICs, TCG, slow)
if [ "${1:-}" = --guest ]; then
	shift
	exec "$(dirname "$0")/vireo" bench main "$@"
fi
exec "$(dirname "$0")/vireo" arena main "$@"
