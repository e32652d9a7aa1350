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
