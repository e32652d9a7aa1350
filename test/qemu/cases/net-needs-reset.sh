# shellcheck shell=sh
# SPDX-License-Identifier: BSD-3-Clause
# DEVICE_NEEDS_RESET from a real device: port 0 posts a control command
# without its readable header; QEMU's virtio-net calls virtio_error() (status
# DEVICE_NEEDS_RESET, config interrupt, device stopped) while port 1 sends to
# it. net_vireo must raise RTE_ETH_EVENT_INTR_RESET and report the link down,
# then recover through rte_eth_dev_reset() + configure + start with traffic
# both ways and every mbuf back (net_fault_check needs-reset).
# shellcheck disable=SC1091 # the guest path of net-lib.sh
. /vireo/run/cases/net-lib.sh
eal_run "$VIREO_BIN/net_fault_check" -a "$VIREO_NET0" -a "$VIREO_NET1" -- needs-reset
