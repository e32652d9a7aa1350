# shellcheck shell=sh
# SPDX-License-Identifier: BSD-3-Clause
# configure(rx=1, tx=2) on NICs with 2 queue pairs (tap), Open vSwitch's
# default on such a NIC: both pairs are in use, the host spreads many UDP
# flows over both receive queues, and net_vireo's rx queue 0 polls both
# (fan-in): nothing is left in an unpolled queue (net_fault_check rx1-tx2).
# shellcheck disable=SC1091 # the guest path of net-lib.sh
. /vireo/run/cases/net-lib.sh
if [ "${VIREO_NET:-hub}" != tap ] || [ "${VIREO_MQ:-1}" -lt 2 ]; then
	skip "needs --net tap --mq N (N >= 2)"
fi
eal_run "$VIREO_BIN/net_fault_check" -a "$VIREO_NET0" -a "$VIREO_NET1" -- rx1-tx2
