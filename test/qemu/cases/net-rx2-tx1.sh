# shellcheck shell=sh
# SPDX-License-Identifier: BSD-3-Clause
# configure(rx=2, tx=1) on NICs with 2 queue pairs (tap): net_vireo sets up
# every virtqueue of both pairs (a spare transmit queue for pair 1) before
# VQ_PAIRS_SET, and the device delivers on both rx queues. Many UDP flows each
# way; the host spreads them over the tap queues (net_fault_check rx2-tx1).
# testpmd cannot show it: 22.11 polls min(rxq, txq) queues per port.
# shellcheck disable=SC1091 # the guest path of net-lib.sh
. /vireo/run/cases/net-lib.sh
if [ "${VIREO_NET:-hub}" != tap ] || [ "${VIREO_MQ:-1}" -lt 2 ]; then
	skip "needs --net tap --mq N (N >= 2)"
fi
eal_run "$VIREO_BIN/net_fault_check" -a "$VIREO_NET0" -a "$VIREO_NET1" -- rx2-tx1
