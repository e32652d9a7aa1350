# shellcheck shell=sh
# SPDX-License-Identifier: BSD-3-Clause
# CONFIG_WCE on QEMU's virtio-blk (config-wce=on, QEMU's default): the write
# cache switched off and on with vblk_dev_set_write_cache(), QEMU's config
# reads the mode back, I/O and FLUSH work in both; QEMU takes one range per
# write-zeroes request (two are refused -E2BIG, an array of one works).
# shellcheck disable=SC1091 # the guest path of blk-lib.sh
. /vireo/run/cases/blk-lib.sh

blk_check wce b512
