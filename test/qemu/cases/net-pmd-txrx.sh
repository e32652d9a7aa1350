# shellcheck shell=sh disable=SC2086,SC2154 # argument lists split on purpose; rxlog, txlog, txrc come from bounded_burst
# SPDX-License-Identifier: BSD-3-Clause
# No silent loss: a bounded txonly burst on NIC 0 (one testpmd), rxonly on
# NIC 1 (another). After the receiver has drained, the tx packets of port 0
# equal the rx packets of port 1 exactly (the PMD flushes its tx ring before
# a stop resets the device). TXARGS / RXARGS / EXPECT_BIN: see
# net-pmd-jumbo.sh.
# shellcheck disable=SC1091 # the guest path of net-lib.sh
. /vireo/run/cases/net-lib.sh

name=${CASE:-net-pmd-txrx}
# A bounded burst (see bounded_burst in net-lib.sh).
bounded_burst "$name" "" "${RXARGS:-}" "${TXARGS:---txpkts=1500}"
[ "$txrc" = 0 ] || fail "tx testpmd exited with $txrc"
check_probed "$txlog"
check_probed "$rxlog"
tx=$(fwd_stat "$txlog" TX-packets 1)
rx=$(xstat "$rxlog" rx_good_packets)
echo "$name: port 0 sent $tx, port 1 received $rx"
[ "${tx:-0}" -gt 0 ] || fail "nothing sent"
[ "$tx" = "$rx" ] || fail "sent $tx != received $rx"
[ "$(xstat "$rxlog" rx_q0_errors)" = 0 ] || fail "rx errors"
[ "$(xstat "$rxlog" rx_q0_broken_events)" = 0 ] || fail "rx queue broke"
if [ -n "${EXPECT_BIN:-}" ]; then
	big=$(xstat "$rxlog" "$EXPECT_BIN")
	[ "$big" = "$rx" ] || fail "$EXPECT_BIN is $big, expected $rx"
fi
