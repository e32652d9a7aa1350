#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Build the Vireo test guest (kernel + base initramfs) into OUTDIR.
#
#   devtools/build-guest.sh OUTDIR [--force]
#
# OUTDIR/vmlinux    ELF kernel extracted from Debian's linux-image package,
#                   booted directly by QEMU (PVH entry, no firmware kernel
#                   loader, no decompression at boot)
# OUTDIR/base.cpio  busybox-static, dpdk-testpmd with its libraries and the
#                   whole DPDK plugin directory, uio/vfio modules, /init
# OUTDIR/image.key  cache key: the image is rebuilt only when this script, the
#                   files in devtools/guest/ or the package versions change
#
# Our own build outputs are not in here: devtools/guest-run appends them per
# run as a second cpio. Set VIREO_GUEST_DL to a directory to share downloaded
# kernel packages between build directories.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build-guest.sh OUTDIR [--force]}
force=${2:-}
mkdir -p "$out"
out=$(cd "$out" && pwd)
dl=${VIREO_GUEST_DL:-$out/dl}
mkdir -p "$dl"

exec 9> "$out/.lock"
flock 9

msg() { echo "build-guest: $*" >&2; }
die() { msg "error: $*"; exit 1; }

for tool in apt-cache apt-get dpkg-deb dpkg-query ldd python3; do
	command -v $tool > /dev/null || die "$tool not found"
done
if [ ! -x /bin/busybox ] || [[ $(ldd /bin/busybox 2>&1 || true) != *"not a dynamic"* ]]; then
	die "/bin/busybox missing or not static: apt-get install busybox-static"
fi
testpmd=$(command -v dpdk-testpmd) || die "dpdk-testpmd not found: apt-get install dpdk-dev"

multiarch=/usr/lib/x86_64-linux-gnu
pmddir=$(find $multiarch/dpdk -maxdepth 1 -name 'pmds-*' 2> /dev/null | head -n 1)
[ -n "$pmddir" ] || die "no DPDK plugin directory under $multiarch/dpdk"

# The kernel the linux-image-amd64 metapackage points at (one apt-cache
# call: it pins the exact version).
dep=$(apt-cache show --no-all-versions linux-image-amd64 2> /dev/null |
	sed -n 's/^Depends: \(linux-image-[0-9][^ ,]*\)\( (= \([^)]*\))\)\{0,1\}.*/\1 \3/p' | head -n 1)
kpkg=${dep% *}
kpkgver=${dep#* }
[ -n "$kpkg" ] || die "cannot resolve linux-image-amd64 (apt-get update?)"
if [ -z "$kpkgver" ] || [ "$kpkgver" = "$kpkg" ]; then
	kpkgver=$(apt-cache show --no-all-versions "$kpkg" | awk '/^Version:/ { print $2; exit }')
fi

# Cache key: our sources and the versions of everything copied in.
key=$( {
	(cd "$here" && sha256sum build-guest.sh guest/init guest/guestlib.py)
	echo "kernel $kpkg $kpkgver"
	dpkg-query -W -f='${Package} ${Version}\n' busybox-static dpdk dpdk-dev \
		libc6 libgcc-s1 'librte-*'
} | sha256sum | cut -c1-16)

if [ "$force" != --force ] && [ -f "$out/image.key" ] &&
	[ "$(cat "$out/image.key")" = "$key" ] &&
	[ -f "$out/vmlinux" ] && [ -f "$out/base.cpio" ]; then
	exit 0
fi
t0=$(date +%s)
rm -f "$out/image.key"

deb=$dl/${kpkg}_${kpkgver//:/%3a}_amd64.deb
if [ ! -f "$deb" ]; then
	msg "downloading $kpkg $kpkgver"
	(cd "$dl" && apt-get -q -o APT::Sandbox::User=root download "$kpkg=$kpkgver" >&2) ||
		die "apt-get download $kpkg failed (network? apt sources?); or put the .deb into $dl"
	deb=$(find "$dl" -maxdepth 1 -name "${kpkg}_*.deb" | head -n 1)
	for old in "$dl"/linux-image-*.deb; do
		[ "$old" = "$deb" ] || rm -f "$old"
	done
fi

work=$out/work
rm -rf "$work"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT

msg "extracting $(basename "$deb")"
dpkg-deb -x "$deb" "$work/kernel"
kver=$(ls "$work/kernel/lib/modules")
[ -f "$work/kernel/boot/vmlinuz-$kver" ] || die "no vmlinuz-$kver in $deb"
python3 "$here/guest/guestlib.py" vmlinux "$work/kernel/boot/vmlinuz-$kver" "$out/vmlinux"

# Root file system, merged-/usr layout like the host so ldd's paths fit.
root=$work/root
mkdir -p "$root"/{usr/bin,usr/sbin,usr/lib64,proc,sys,dev,tmp,run,etc/vireo,root,vireo}
ln -s usr/bin "$root/bin"
ln -s usr/sbin "$root/sbin"
ln -s usr/lib "$root/lib"
ln -s usr/lib64 "$root/lib64"
chmod 1777 "$root/tmp"

cp /bin/busybox "$root/usr/bin/busybox"
for applet in $(/bin/busybox --list-full); do
	dst=$root/usr/${applet#usr/}
	[ -e "$dst" ] || ln -s /usr/bin/busybox "$dst"
done

install -m 0755 "$here/guest/init" "$root/init"
cat > "$root/etc/profile" << 'EOF'
export PATH=/usr/sbin:/usr/bin
. /run/vireo.env
PS1='vireo-guest:$PWD# '
EOF

# Kernel modules and their load order, deps first (from each .ko's modinfo).
moddir=$work/kernel/lib/modules/$kver
python3 "$here/guest/guestlib.py" modules "$moddir" uio uio_pci_generic > "$root/etc/vireo/modules-uio"
python3 "$here/guest/guestlib.py" modules "$moddir" vfio vfio_iommu_type1 vfio-pci > "$root/etc/vireo/modules-vfio"
# The kernel's own drivers, for side-by-side comparisons (--bind kernel).
python3 "$here/guest/guestlib.py" modules "$moddir" virtio_pci virtio_net virtio_blk > "$root/etc/vireo/modules-kernel"
cat "$root"/etc/vireo/modules-* | while read -r m; do
	install -D -m 0644 "$moddir/$m" "$root/usr/lib/modules/$kver/$m"
done

# DPDK: testpmd, every librte (keeping the symlinks into the plugin
# directory, so a plugin and the directly linked copy are one file), the
# whole plugin directory (EAL loads all of it), and the other libraries all
# of these need.
cp "$testpmd" "$root/usr/bin/"
mkdir -p "$root$multiarch/dpdk"
cp -a "$pmddir" "$root$multiarch/dpdk/"
cp -a $multiarch/librte_*.so* "$root$multiarch/"
{
	ldd "$testpmd"
	for f in "$multiarch"/librte_*.so.*.* "$pmddir"/*.so.*.*; do
		[ -L "$f" ] || ldd "$f"
	done
} | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' |
	grep -v '/librte_' | sort -u > "$work/libs"
grep -q ld-linux "$work/libs" || die "ldd found no dynamic loader"
# glibc dlopen()s libgcc_s for pthread_cancel; ldd does not list it.
echo "$multiarch/libgcc_s.so.1" >> "$work/libs"
while read -r lib; do
	real=$(readlink -f "$lib")
	case "$lib" in
	/lib/* | /lib64/*) dst=$root/usr$lib ;;
	*) dst=$root$lib ;;
	esac
	mkdir -p "$(dirname "$dst")"
	cp "$real" "$dst"
done < "$work/libs"

{
	echo "kernel $kpkg $kpkgver ($kver)"
	dpkg-query -W -f='${Package} ${Version}\n' busybox-static dpdk-dev
	echo "key $key"
} > "$root/etc/vireo/image-info"

python3 "$here/guest/guestlib.py" cpio "$root" "$out/base.cpio"
echo "$kver" > "$out/kernel-version"
echo "$key" > "$out/image.key"
msg "image ready in $(($(date +%s) - t0)) s: kernel $kver," \
	"base.cpio $(du -m "$out/base.cpio" | cut -f1) MiB, vmlinux $(du -m "$out/vmlinux" | cut -f1) MiB"
