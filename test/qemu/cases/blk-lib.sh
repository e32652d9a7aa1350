# shellcheck shell=sh
# SPDX-License-Identifier: BSD-3-Clause
# Helpers for the blk-* cases: the drives of `devtools/vireo --blk-drives`
# (vireo_tools/guest.py BLK_DRIVES), found by their fixed slots.
# shellcheck disable=SC1091 # the guest path of lib.sh
. /vireo/run/cases/lib.sh

# blk_addr NAME: PCI address of drive NAME; skips the case when this boot
# has no such drive (a configuration without --blk-drives).
blk_addr() {
	case $1 in
	b512) _slot=10 ;;
	b4k) _slot=11 ;;
	big) _slot=12 ;;
	ro) _slot=13 ;;
	nodz) _slot=14 ;;
	mq) _slot=15 ;;
	*) fail "blk_addr: no drive $1" ;;
	esac
	[ -e "/sys/bus/pci/devices/0000:00:$_slot.0" ] ||
		skip "no drive $1 in slot 0x$_slot (boot with --blk-drives)"
	echo "0000:00:$_slot.0"
}

# blk_check CMD DRIVE ARGS...: test/qemu/blk_check on one drive.
blk_check() {
	_cmd=$1
	_dev=$(blk_addr "$2") || exit $?
	shift 2
	eal_run "$VIREO_BIN/blk_check" -a "$_dev" -- "$_cmd" "$_dev" "$@" ||
		fail "blk_check $_cmd $_dev $*"
}

# blk_perf DRIVE ARGS...: vireo-perf --mode blk on one drive, main lcore and
# the first worker sharing CPU 0 (the main lcore mostly sleeps).
blk_perf() {
	_dev=$(blk_addr "$1") || exit $?
	shift
	"$VIREO_BIN/vireo-perf" --lcores 0@0,1@0,2@1 -n 1 --in-memory -a "$_dev" -- \
		--mode blk --dev "$_dev" "$@"
}
