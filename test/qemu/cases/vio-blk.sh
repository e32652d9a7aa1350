# shellcheck shell=sh
# SPDX-License-Identifier: BSD-3-Clause
# Raw virtio-blk requests through lib/virtio (header / data / status chains):
# read sectors the host pre-filled, write sector 1000, read it back, flush.
# vio-blk.host checks the image file on the host afterwards.
# shellcheck disable=SC1091 # the guest path of lib.sh
. /vireo/run/cases/lib.sh
need VIREO_BLK

eal_run "$VIREO_BIN/vio_guest_check" -a "$VIREO_BLK" -- blk 1000
