# shellcheck shell=sh disable=SC2034 # the variables are for net-pmd-txrx.sh
# SPDX-License-Identifier: BSD-3-Clause
# MTU 9000: 9000-byte frames sent as 5-segment mbuf chains (tx chain path)
# and received into 2 KiB mbufs as mergeable multi-segment packets
# (MRG_RXBUF, negotiated because scatter was asked for). No loss, all large.
CASE=net-pmd-jumbo
TXARGS="--max-pkt-len=9018 --enable-scatter --txpkts=2048,2048,2048,2048,808 --tx-offloads=0x8000"
RXARGS="--max-pkt-len=9018 --enable-scatter --mbuf-size=2048"
EXPECT_BIN=rx_q0_size_1519_to_max_packets
# shellcheck disable=SC1091 # the guest path
. /vireo/run/cases/net-pmd-txrx.sh
