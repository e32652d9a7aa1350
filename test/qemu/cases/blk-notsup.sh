# shellcheck shell=sh
# SPDX-License-Identifier: BSD-3-Clause
# A drive with discard=off,write-zeroes=off: those ops complete -ENOTSUP,
# reads and writes still work.
# shellcheck disable=SC1091 # the guest path of blk-lib.sh
. /vireo/run/cases/blk-lib.sh

blk_check notsup nodz
