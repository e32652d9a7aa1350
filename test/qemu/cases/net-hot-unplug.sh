# shellcheck shell=sh
# SPDX-License-Identifier: BSD-3-Clause
# Hot-unplug of a NIC under traffic: net_vireo ports in stock testpmd with
# --hot-plug (device event callback), io forwarding between the NICs; the
# host runs QMP device_del on NIC 1, which sits in a PCIe root port's slot
# (configurations with `--hotplug`). The guest kernel then removes the
# function; under vfio-pci it first asks DPDK to release it (VFIO request
# notifier -> RTE_DEV_EVENT_REMOVE), under uio_pci_generic DPDK hears the
# kernel's remove uevent and remaps the BARs (hotplug failure handling).
# net_vireo raises RTE_ETH_EVENT_INTR_RMV for the port; testpmd's callbacks
# stop, close and detach it. Checks: testpmd
# survives and still answers, says "Device is detached", port 1 is gone from
# `show port summary all`, port 0 still forwards, the kernel removed the
# function, and testpmd quits cleanly.
# shellcheck disable=SC1091 # the guest paths of the libraries
. /vireo/run/cases/net-lib.sh
# shellcheck disable=SC1091
. /vireo/run/cases/testpmd-lib.sh

case "$VIREO_BIND" in
uio | vfio) ;;
*) skip "needs a user-space binding (uio or vfio), not $VIREO_BIND" ;;
esac

# NIC 1 must be in a hot-pluggable slot: pciehp/acpiphp list it under
# /sys/bus/pci/slots/*/address (domain:bus:device, no function).
slot=
for s in /sys/bus/pci/slots/*; do
	[ -r "$s/address" ] && [ "$(cat "$s/address")" = "${VIREO_NET1%.*}" ] && slot=$s
done
[ -n "$slot" ] || skip "NIC 1 ($VIREO_NET1) is in no hot-pluggable slot (guest option --hotplug)"
echo "hot-unplug: NIC 1 $VIREO_NET1 in slot ${slot##*/}"

# port_stat FIELD PORT: FIELD ("RX-packets") of PORT from `show port stats`.
port_stat() {
	tp_ask hp show port stats "$2" || fail "testpmd stopped answering"
	awk -v f="$1:" '{ for (i = 1; i < NF; i++) if ($i == f) { print $(i + 1); exit } }' /tmp/hp.last
}

# shellcheck disable=SC2086 # argument lists
tp_open hp 3 $VIREO_EAL $PMD -a "$VIREO_NET0" -a "$VIREO_NET1" -- -i --hot-plug \
	--total-num-mbufs=8192
tp_sync hp || { cat /tmp/hp.log; fail "testpmd did not start"; }
check_probed /tmp/hp.log
# Traffic: vfio, io forwarding both ways; uio, port 1 alone sends (txonly).
# Under uio the kernel disables NIC 1 while testpmd still sends to it: QEMU
# then holds NIC 0's next frame for a hub peer that can no longer receive,
# and once NIC 1 is deleted nothing flushes that queue: NIC 0's tx stops
# for good (a QEMU hub artefact, measured; vfio releases the port first).
if [ "$VIREO_BIND" = vfio ]; then
	tp_ask hp set fwd io || fail "testpmd stopped answering"
	tp_ask hp start tx_first 32 || fail "testpmd stopped answering"
else
	tp_ask hp set portlist 1 || fail "testpmd stopped answering"
	tp_ask hp set fwd txonly || fail "testpmd stopped answering"
	tp_ask hp start || fail "testpmd stopped answering"
fi
sleep 1
tx1=$(port_stat TX-packets 1)
[ "${tx1:-0}" -gt 0 ] || fail "port 1 sent nothing before the unplug"
echo "hot-unplug: port 1 sent $tx1 packets; unplugging NIC 1"

t0=$(date +%s)
host_qmp device_del id=net1 || fail "the host could not unplug NIC 1"
# pciehp waits 5 s (attention button) before it powers the slot off.
i=0
while ! grep -q "^Device is detached" /tmp/hp.log; do
	# shellcheck disable=SC2154 # set by tp_open (eval)
	alive "$tp_hp_pid" || { cat /tmp/hp.log; fail "testpmd died during the unplug"; }
	i=$((i + 1))
	[ "$i" -lt 300 ] || { cat /tmp/hp.log; fail "testpmd did not detach NIC 1 within 30 s"; }
	sleep 0.1
done
echo "hot-unplug: testpmd detached the device $(($(date +%s) - t0)) s after device_del"
# net_vireo turns the EAL device event into the ethdev removal event
# (RTE_ETH_EVENT_INTR_RMV, testpmd enables intr_conf.rmv on RTE_ETH_DEV_INTR_RMV).
grep -q "^Port 1: device removal event" /tmp/hp.log ||
	fail "no RTE_ETH_EVENT_INTR_RMV for port 1"
! grep -q "^Port 0: device removal event" /tmp/hp.log || fail "port 0 got a removal event"
i=0
while [ -e "/sys/bus/pci/devices/$VIREO_NET1" ]; do
	i=$((i + 1))
	[ "$i" -lt 150 ] || fail "the kernel still lists $VIREO_NET1 15 s after the detach"
	sleep 0.1
done
echo "hot-unplug: the kernel removed $VIREO_NET1"

tp_ask hp show port summary all || fail "testpmd stopped answering after the unplug"
cat /tmp/hp.last
grep -q "^Number of available ports: 1" /tmp/hp.last || fail "port count is not 1"
! grep -q "$VIREO_NET1" /tmp/hp.last || fail "port 1 ($VIREO_NET1) is still listed"

# Port 0 keeps working: testpmd restarts forwarding after the removal, but
# with NIC 1 gone nothing comes back; a fresh tx burst on port 0 must leave.
tp_ask hp stop || fail "testpmd stopped answering"
tx0=$(port_stat TX-packets 0)
tp_ask hp set portlist 0 || fail "testpmd stopped answering"
tp_ask hp set fwd io || fail "testpmd stopped answering"
tp_ask hp start tx_first 8 || fail "testpmd stopped answering"
sleep 1
tp_ask hp stop || fail "testpmd stopped answering"
tx0b=$(port_stat TX-packets 0)
echo "hot-unplug: port 0 TX-packets $tx0 -> $tx0b (tx_first 8 after the unplug)"
[ "${tx0b:-0}" -gt "${tx0:-0}" ] || fail "port 0 transmits nothing after the unplug"
tp_close hp
rc=$?
grep -E "removal|removed|Removing|detached|total ports|Invalid port" /tmp/hp.log
[ "$rc" = 0 ] || { cat /tmp/hp.log; fail "testpmd exited with status $rc"; }
! grep -qi "segmentation\|panic\|bus error" /tmp/hp.log || fail "testpmd crashed"
echo "hot-unplug: testpmd quit cleanly"
