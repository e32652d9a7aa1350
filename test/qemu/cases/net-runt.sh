# shellcheck shell=sh
# SPDX-License-Identifier: BSD-3-Clause
# Runt frames: NIC 1 sends 10-byte frames to NIC 0 over QEMU's hub, which
# passes them unpadded (a tap cannot: the kernel refuses Ethernet frames
# under 14 bytes both ways). net_vireo counts them (rx_q0_undersize_errors,
# ierrors) and never delivers them; the 60-byte frames between them arrive.
# shellcheck disable=SC1091 # the guest path of net-lib.sh
. /vireo/run/cases/net-lib.sh
[ "${VIREO_NET:-hub}" = hub ] || skip "needs the hub link (taps refuse runts)"
eal_run "$VIREO_BIN/net_fault_check" -a "$VIREO_NET0" -a "$VIREO_NET1" -- runt
