# shellcheck shell=sh disable=SC2086 # argument lists are split on purpose
# SPDX-License-Identifier: BSD-3-Clause
# Interrupt mode over VFIO MSI-X (vfio configuration); under uio the refusal.
#
# 1. Rx interrupts: vireo-perf, txonly on NIC 0 at a low rate (--rate 2000,
#    --tx-count 4000) and rxonly on NIC 1 with --idle sleep: NIC 1's lcore
#    sleeps in rte_epoll_wait and the device's MSI-X queue vector wakes it.
#    Checks: the receiving lcore slept and was woken, exact counts (sent ==
#    received + drained), and the kernel counted interrupts on NIC 1's
#    vfio-msix vector 1 (the first rx queue's).
# 2. Link changes as interrupts: testpmd (intr_conf.lsc) on both NICs; the
#    host's QMP set_link flips NIC 0's link: each flip raises NIC 0's
#    config vector (vfio-msix[0]) and testpmd prints the LSC event.
# shellcheck disable=SC1091 # the guest paths of the libraries
. /vireo/run/cases/net-lib.sh
# shellcheck disable=SC1091
. /vireo/run/cases/testpmd-lib.sh

perf="$VIREO_BIN/vireo-perf"
[ -x "$perf" ] || skip "vireo-perf not built"

# uio_pci_generic has no MSI-X: rx interrupts are refused with the reason,
# and vireo-perf's sleep mode falls back to polling (and says so).
if [ "$VIREO_BIND" = uio ]; then
	"$perf" --lcores 0@0,1@1,2@0 -n 1 --in-memory $PMD -a "$VIREO_NET0" -a "$VIREO_NET1" -- \
		--forward-mode=txonly,rxonly --rate 2000 --tx-count 2000 --idle sleep --duration 2 \
		--stats-period 0 > /tmp/intr.log 2>&1 || { cat /tmp/intr.log; fail "vireo-perf failed"; }
	cat /tmp/intr.log
	grep -q "need MSI-X through vfio-pci.*uio_pci_generic has no MSI-X" /tmp/intr.log ||
		fail "no clear refusal of rx interrupts under uio"
	grep -q "port 1 (net_vireo): no rx interrupts" /tmp/intr.log ||
		fail "vireo-perf did not say it polls"
	grep -q "busy poll" /tmp/intr.log || fail "the receiving lcore did not fall back to polling"
	echo "net-intr: uio refuses rx interrupts with the reason; vireo-perf polls"
	exit 0
fi
[ "$VIREO_BIND" = vfio ] || skip "MSI-X needs vfio-pci (bind $VIREO_BIND)"

# msix DEV VEC: interrupts the kernel counted on DEV's vfio-msix vector VEC.
msix() {
	awk -v k="vfio-msix[$2]($1)" '
		index($0, k) { n = 0; for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+$/) n += $i; print n; f = 1 }
		END { if (!f) print 0 }' /proc/interrupts
}

# lifetime FIELD PORT JSON: a port's whole-run counter from vireo-perf's JSON.
lifetime() {
	awk -v f="\"$1\":" -v p="$2" '
		$1 == "\"port\":" { port = $2 + 0 }
		$1 == "\"lifetime\":" { in_lt = 1; next }
		in_lt && $1 == "}" { in_lt = 0 }
		in_lt && port == p && $1 == f { v = $2; sub(",", "", v); print v; exit }' "$3"
}

# sleeper FIELD JSON: FIELD of the lcore that ran in sleep mode.
sleeper() {
	awk -v f="\"$1\":" '
		$1 == "\"idle\":" { sleep_lc = ($2 ~ /sleep/) }
		sleep_lc && $1 == f { v = $2; sub(",", "", v); print v; exit }' "$2"
}

# The vectors exist while the program runs (VFIO frees them at exit): sample mid-run.
"$perf" --lcores 0@0,1@1,2@0 -n 1 --in-memory $PMD -a "$VIREO_NET0" -a "$VIREO_NET1" -- \
	--forward-mode=txonly,rxonly --rate 2000 --tx-count 4000 --idle sleep --duration 4 \
	--stats-period 1 --json /tmp/intr.json > /tmp/intr.log 2>&1 &
pid=$!
sleep 3
after=$(msix "$VIREO_NET1" 1)
grep "vfio-msix" /proc/interrupts
wait "$pid"
rc=$?
cat /tmp/intr.log
[ "$rc" = 0 ] || fail "vireo-perf exited with $rc"
check_probed /tmp/intr.log
sent=$(lifetime tx_packets 0 /tmp/intr.json)
got=$(lifetime rx_packets 1 /tmp/intr.json)
drained=$(lifetime rx_drained 1 /tmp/intr.json)
sleeps=$(sleeper sleeps /tmp/intr.json)
wakeups=$(sleeper wakeups /tmp/intr.json)
util=$(sleeper cpu_util /tmp/intr.json)
echo "net-intr: sent $sent, received $got + drained $drained; sleeping lcore: $sleeps sleeps," \
	"$wakeups wakeups, cpu util $util; NIC 1 vfio-msix[1] after 3 s: $after"
[ "${sent:-0}" = 4000 ] || fail "port 0 sent ${sent:-none}, not 4000"
[ "$sent" = "$((got + drained))" ] || fail "lost packets: sent $sent, counted $((got + drained))"
[ "${sleeps:-0}" -gt 0 ] || fail "the receiving lcore never slept (no rx interrupts?)"
[ "${wakeups:-0}" -gt 0 ] || fail "the receiving lcore was never woken by an rx interrupt"
[ "${after:-0}" -gt 0 ] || fail "no MSI-X interrupt on NIC 1's rx vector"

tp_open li 3 $VIREO_EAL $PMD -a "$VIREO_NET0" -a "$VIREO_NET1" -- -i --total-num-mbufs=8192
tp_sync li || { cat /tmp/li.log; fail "testpmd did not start"; }
cfg0=$(msix "$VIREO_NET0" 0)
for state in off on; do
	host_qmp set_link name=net0 up=$state || fail "the host could not set the link $state"
	i=0
	while [ "$(msix "$VIREO_NET0" 0)" = "$cfg0" ] && [ "$i" -lt 50 ]; do
		i=$((i + 1))
		sleep 0.1
	done
	now=$(msix "$VIREO_NET0" 0)
	[ "$now" != "$cfg0" ] || fail "link $state: no interrupt on NIC 0's config vector"
	echo "net-intr: link $state: NIC 0 vfio-msix[0] $cfg0 -> $now"
	cfg0=$now
done
sleep 1
n=$(grep -c "^Port 0: link state change event" /tmp/li.log)
[ "$n" -ge 2 ] || { cat /tmp/li.log; fail "testpmd saw $n link state change events, want 2"; }
grep "vfio-msix" /proc/interrupts
tp_close li
echo "net-intr: rx and config interrupts over MSI-X work"
