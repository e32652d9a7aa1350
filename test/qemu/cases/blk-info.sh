# shellcheck shell=sh
# SPDX-License-Identifier: BSD-3-Clause
# blk_vireo reads capacity and logical / physical block sizes as QEMU set
# them (512 and 4096-byte logical blocks), and GET_ID returns the serial.
# shellcheck disable=SC1091 # the guest path of blk-lib.sh
. /vireo/run/cases/blk-lib.sh

blk_check info b512 512 4096 $((8 << 20)) vireo-b512
blk_check info b4k 4096 4096 $((8 << 20)) vireo-b4k
blk_check info big 512 512 $((256 << 20)) vireo-big
