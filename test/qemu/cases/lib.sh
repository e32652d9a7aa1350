# shellcheck shell=sh
# SPDX-License-Identifier: BSD-3-Clause
# Helpers for guest cases (busybox ash). Source with: . /vireo/run/cases/lib.sh
# The environment comes from the guest's /init: VIREO_BIND (uio|vfio|kernel|none),
# VIREO_NET0, VIREO_NET1, VIREO_BLK, VIREO_LEGACY (PCI addresses),
# VIREO_MQ (--mq), VIREO_NET (hub|tap), VIREO_BIN and VIREO_LIB (our build
# outputs), see doc/guest-harness.md.

# eal_run PROG ARGS...: run a DPDK program with the guest's common EAL
# arguments in front of ARGS (two lcores, no shared files). Hugepages are
# mounted; the IOVA mode follows the binding (PA with uio_pci_generic, VA
# with vfio).
eal_run() {
	prog=$1
	shift
	"$prog" -l 0-1 -n 1 --in-memory "$@"
}

fail() {
	echo "FAIL: $*"
	exit 1
}

skip() {
	echo "SKIP: $*"
	exit 77
}

# need VAR...: skip the case when the boot lacks a device or file it needs.
need() {
	for v in "$@"; do
		eval "val=\${$v:-}"
		[ -n "$val" ] || skip "$v is not set in this boot"
	done
}

# vireo_result ID RC FILE...: hand the files to the host as one result block
# (the benchmarks' figures); the host tool gets (ID, RC, text).
# (Variables of its own: ash has no locals, callers use _id and _rc.)
vireo_result() {
	_vr_id=$1
	_vr_rc=$2
	shift 2
	echo "@@VIREO-RESULT-BEGIN $_vr_id"
	cat "$@" 2>/dev/null
	echo
	echo "@@VIREO-RESULT-END $_vr_id rc=$_vr_rc"
}

# host_qmp CMD [KEY=VALUE]...: have the host run QEMU monitor (QMP) command
# CMD now, e.g. "host_qmp set_link name=net0 up=off", and wait for its
# answer on the console. Values on/off/true/false are booleans, digits
# numbers. Fails (1) with the reason when QEMU refused it or no answer came.
host_qmp() {
	host_seq=$((${host_seq:-0} + 1))
	echo "@@VIREO-HOST $host_seq $*"
	# shellcheck disable=SC3045 # busybox ash has read -t
	while read -r -t 30 _tag _seq _status _why </dev/console; do
		[ "$_tag $_seq" = "@@VIREO-ACK $host_seq" ] || continue
		[ "$_status" = ok ] && return 0
		echo "host_qmp $*: $_why"
		return 1
	done
	echo "host_qmp $*: no answer from the host"
	return 1
}
