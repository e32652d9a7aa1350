# shellcheck shell=sh
# SPDX-License-Identifier: BSD-3-Clause
# Frames of 60..1514 bytes sent by lib/virtio on NIC 0 (tx queue 1, 12-byte
# virtio-net header + frame) arrive byte for byte on NIC 1 (rx queue 0).
# shellcheck disable=SC1091 # the guest path of lib.sh
. /vireo/run/cases/lib.sh
need VIREO_NET0 VIREO_NET1

eal_run "$VIREO_BIN/vio_guest_check" -a "$VIREO_NET0" -a "$VIREO_NET1" -- net
