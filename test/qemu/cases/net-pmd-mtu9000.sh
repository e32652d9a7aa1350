# shellcheck shell=sh disable=SC2086,SC2154 # argument lists split on purpose; rxlog, txlog, txrc come from bounded_burst
# SPDX-License-Identifier: BSD-3-Clause
# NICs with host_mtu=9000 (VIRTIO_NET_F_MTU; configuration uio-mtu9000) and
# a receiver with testpmd's defaults (MTU 1500, 2 KiB mbufs, no scatter).
# Section 5.1.6.3.1: having accepted F_MTU the driver must post buffers
# that take a 9000-byte packet; net_vireo negotiates MRG_RXBUF for that, so
# QEMU delivers every jumbo frame instead of dropping it unseen. Without
# SCATTER the application gets no multi-segment mbufs: each frame is
# dropped by the PMD and counted (rx_q0_oversize_errors == frames sent).
# net-pmd-jumbo runs in the same configuration: with --enable-scatter every
# frame arrives.
# shellcheck disable=SC1091 # the guest path of net-lib.sh
. /vireo/run/cases/net-lib.sh

name=net-pmd-mtu9000
# A bounded burst of 9000-byte frames (see bounded_burst in net-lib.sh).
bounded_burst "$name" --log-level=pmd.net.vireo:debug "" \
	"--max-pkt-len=9018 --enable-scatter --txpkts=2048,2048,2048,2048,808 --tx-offloads=0x8000"
[ "$txrc" = 0 ] || fail "tx testpmd exited with $txrc"
check_probed "$txlog"
check_probed "$rxlog"
grep -q "mtu max 9000" "$rxlog" || fail "the device does not state MTU 9000 (host_mtu)"
tx=$(fwd_stat "$txlog" TX-packets 1)
rx=$(xstat "$rxlog" rx_good_packets)
over=$(xstat "$rxlog" rx_q0_oversize_errors)
echo "$name: port 0 sent $tx, port 1 received $rx, dropped as oversize $over"
[ "${tx:-0}" -gt 0 ] || fail "nothing sent"
[ "$rx" = 0 ] || fail "received $rx multi-segment frames without scatter"
[ "$over" = "$tx" ] || fail "sent $tx, counted $over oversize (lost in the device?)"
[ "$(xstat "$rxlog" rx_q0_errors)" = "$tx" ] || fail "rx_q0_errors != $tx"
[ "$(xstat "$rxlog" rx_q0_broken_events)" = 0 ] || fail "rx queue broke"
