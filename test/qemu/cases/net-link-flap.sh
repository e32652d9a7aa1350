# shellcheck shell=sh
# SPDX-License-Identifier: BSD-3-Clause
# Link down and up from the host: net_vireo ports in stock testpmd; the case
# asks the host to run QMP set_link on NIC 0 (host_qmp, lib.sh) and polls
# `show port info 0` until testpmd reports the new link status (net_vireo
# reads the device's STATUS field on every link_update).
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

# shellcheck disable=SC2086 # argument lists
tp_open lf 3 $VIREO_EAL $PMD -a "$VIREO_NET0" -a "$VIREO_NET1" -- -i --total-num-mbufs=8192
tp_sync lf || { cat /tmp/lf.log; fail "testpmd did not start"; }
check_probed /tmp/lf.log
link_becomes up
host_qmp set_link name=net0 up=off || fail "the host could not set the link down"
link_becomes down
host_qmp set_link name=net0 up=on || fail "the host could not set the link up"
link_becomes up
tp_close lf
