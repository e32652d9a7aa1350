# shellcheck shell=sh
# SPDX-License-Identifier: BSD-3-Clause
# Every op round-trips through blk_vireo and QEMU (write, read, flush,
# write-zeroes with and without unmap, discard, get-id), on 512 and
# 4096-byte blocks.
# shellcheck disable=SC1091 # the guest path of blk-lib.sh
. /vireo/run/cases/blk-lib.sh

blk_check ops b512 vireo-b512
blk_check ops b4k vireo-b4k
