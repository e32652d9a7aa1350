# shellcheck shell=sh
# SPDX-License-Identifier: BSD-3-Clause
# queue-size=1024: with indirect descriptors a request takes one ring slot,
# so 1024 writes, then 1024 reads, are in flight at once (the 1025th is
# refused), every one completes and the data is intact.
# shellcheck disable=SC1091 # the guest path of blk-lib.sh
. /vireo/run/cases/blk-lib.sh

blk_check deep mq 1024
