# shellcheck shell=sh
# SPDX-License-Identifier: BSD-3-Clause
# lib/virtio on every modern device: transport init (capabilities mapped),
# feature negotiation, queue 0, DRIVER_OK. Behind the vIOMMU (vfio) the
# devices offer ACCESS_PLATFORM and it must be negotiated.
# shellcheck disable=SC1091 # the guest path of lib.sh
. /vireo/run/cases/lib.sh
need VIREO_NET0 VIREO_NET1 VIREO_BLK

opt=
[ "$VIREO_BIND" != vfio ] || opt=--access-platform
eal_run "$VIREO_BIN/vio_guest_check" -a "$VIREO_NET0" -a "$VIREO_NET1" -a "$VIREO_BLK" \
	-- probe --expect 3 ${opt:+"$opt"}
