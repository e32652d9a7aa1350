# shellcheck shell=sh
# SPDX-License-Identifier: BSD-3-Clause
# Link down and up from the host: net_vireo ports in stock testpmd; the case
# asks the host to run QMP set_link on NIC 0 (host_qmp, lib.sh) and polls
# `show port info 0` until testpmd reports the new link status. testpmd asks
# for LSC events (intr_conf.lsc: net_vireo sets RTE_ETH_DEV_INTR_LSC), which
# net_vireo's device watch delivers within 100 ms of the STATUS change: the
# log must show one "Port 0: link state change event" per flip, none for
# port 1.
# shellcheck disable=SC1091 # the guest paths of the libraries
. /vireo/run/cases/net-lib.sh
# shellcheck disable=SC1091
. /vireo/run/cases/testpmd-lib.sh

# link_becomes up|down: poll port 0's link status for up to 10 s.
link_becomes() {
	i=0
	while [ "$i" -lt 20 ]; do
		tp_ask lf show port info 0 || fail "testpmd stopped answering"
		got=$(sed -n 's/^Link status: *//p' /tmp/lf.last)
		[ "$got" = "$1" ] && { echo "link-flap: port 0 link $1 after $i polls"; return 0; }
		i=$((i + 1))
		sleep 0.5
	done
	fail "port 0 link is '$got', not $1, 10 s after the host's set_link"
}

# lsc_events PORT: LSC events testpmd printed for PORT so far.
lsc_events() {
	grep -c "^Port $1: link state change event" /tmp/lf.log
}

# lsc_events_become N: port 0's LSC event count reaches N within 5 s.
lsc_events_become() {
	i=0
	while [ "$(lsc_events 0)" -lt "$1" ] && [ "$i" -lt 50 ]; do
		i=$((i + 1))
		sleep 0.1
	done
	got=$(lsc_events 0)
	[ "$got" = "$1" ] || fail "port 0: $got link state change event(s), want $1"
	echo "link-flap: port 0 LSC event $1 seen"
}

# shellcheck disable=SC2086 # argument lists
tp_open lf 3 $VIREO_EAL $PMD -a "$VIREO_NET0" -a "$VIREO_NET1" -- -i --total-num-mbufs=8192
tp_sync lf || { cat /tmp/lf.log; fail "testpmd did not start"; }
check_probed /tmp/lf.log
link_becomes up
base=$(lsc_events 0)
host_qmp set_link name=net0 up=off || fail "the host could not set the link down"
lsc_events_become $((base + 1))
link_becomes down
host_qmp set_link name=net0 up=on || fail "the host could not set the link up"
lsc_events_become $((base + 2))
link_becomes up
[ "$(lsc_events 1)" = 0 ] || fail "port 1 got link state change events: its link never changed"
tp_close lf
