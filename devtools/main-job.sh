#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The main job: build Vireo, boot the test guest (QEMU, modern-only virtio
# NICs back to back), run vireo-perf on our net_vireo PMD there with live
# statistics, then the same run on upstream net_virtio; prints both figures
# and their ratio. Options (--duration, --bind, --no-upstream, ...): --help.
exec "$(dirname "$0")/vireo" bench main "$@"
