#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Vireo set-up: installs what the project needs on Debian 12 and fetches the
# DPDK driver-SDK headers that Debian's libdpdk-dev lacks, and fio's headers
# for the fio engine (Debian ships none). Idempotent: a run that finds nothing
# missing changes nothing and takes about a second.
#
#   devtools/setup.sh                 packages + SDK headers; as root also at
#                                     least 256 2 MiB hugepages (the vhost
#                                     suite's frontend memory), a warning
#                                     where the kernel refuses
#   devtools/setup.sh --hugepages N   reserve N 2 MiB hugepages (an error if
#                                     refused) and mount hugetlbfs at
#                                     /dev/hugepages
#
# Environment:
#   VIREO_DEPS_DIR   where the SDK and fio headers go (default: <repo>/.deps)
#
# The SDK headers come from the Debian source package whose version equals the
# installed libdpdk-dev, fio's from the one that equals the installed fio
# (its ./configure writes config-host.h), both fetched with apt through a
# private configuration under $VIREO_DEPS_DIR/apt: this script never edits
# /etc/apt.

set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEPS_DIR=${VIREO_DEPS_DIR:-$REPO/.deps}

# Debian packages the build, the tests, the guest image and the benchmarks use.
PACKAGES=(
	# build
	gcc libc6-dev meson ninja-build pkg-config
	libdpdk-dev dpdk dpdk-dev python3 python3-pyelftools
	# tests
	libcmocka-dev valgrind
	# QEMU guest tests and the guest image builder
	qemu-system-x86 qemu-system-common qemu-utils busybox-static cpio
	xz-utils kmod iproute2
	# the libraries of Open vSwitch's DPDK build, copied into the guest image
	# (OVS itself is only downloaded and unpacked, never installed here)
	libbpf1 libcap-ng0 libnuma1 libssl3 libunbound8 libxdp1
	# benchmarks
	fio gnuplot-nox
	# checks
	cppcheck clang-format
	# fuzzing (devtools/fuzz.sh, suite 'fuzz'): clang's -fsanitize=fuzzer needs
	# compiler-rt's libFuzzer; llvm gives llvm-symbolizer for readable reports
	clang libclang-rt-14-dev llvm
	# SDK header fetch (apt-get source), hugepage mount
	dpkg-dev ca-certificates mount
)

# Driver-SDK headers and their path inside the DPDK source tarball.
SDK_HEADERS=(
	lib/ethdev/ethdev_driver.h
	lib/ethdev/ethdev_pci.h
	lib/ethdev/ethdev_vdev.h
	lib/eal/include/dev_driver.h
	lib/eal/include/bus_driver.h
	drivers/bus/pci/bus_pci_driver.h
	drivers/bus/vdev/bus_vdev_driver.h
)

HUGEPAGES=""
# Default reservation (root only): test/vhost's frontend maps 128 MiB of
# in-memory hugepages that the vhost-user backend shares; twice that leaves
# room for a leftover run.
DEFAULT_HUGEPAGES=256

log() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: ERROR: %s\n' "$*" >&2; exit 1; }
warn() { printf 'setup: WARNING: %s\n' "$*" >&2; }

usage()
{
	sed -n '4,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

parse_args()
{
	while [ $# -gt 0 ]; do
		case "$1" in
		--hugepages)
			[ $# -ge 2 ] || die "--hugepages needs a page count"
			HUGEPAGES=$2
			shift 2
			;;
		--hugepages=*)
			HUGEPAGES=${1#*=}
			shift
			;;
		-h | --help)
			usage
			exit 0
			;;
		*)
			die "unknown argument '$1' (see --help)"
			;;
		esac
	done
	if [ -n "$HUGEPAGES" ] && ! [[ "$HUGEPAGES" =~ ^[0-9]+$ ]]; then
		die "--hugepages takes a number of 2 MiB pages, not '$HUGEPAGES'"
	fi
}

need_root()
{
	[ "$(id -u)" -eq 0 ] || die "must run as root to $1 (try: sudo $0)"
}

check_os()
{
	local id="" version_id=""

	[ -r /etc/os-release ] || die "no /etc/os-release: Vireo supports Debian 12 only"
	# shellcheck disable=SC1091
	id=$(. /etc/os-release && echo "${ID:-}")
	# shellcheck disable=SC1091
	version_id=$(. /etc/os-release && echo "${VERSION_ID:-}")
	if [ "$id" != debian ] || [ "$version_id" != 12 ]; then
		die "this is '$id $version_id'; Vireo's set-up supports Debian 12 (bookworm) only"
	fi
	command -v apt-get >/dev/null || die "apt-get not found: Debian 12 with apt is required"
	command -v dpkg-query >/dev/null || die "dpkg-query not found: Debian 12 with dpkg is required"
}

# ---------------------------------------------------------------- packages

missing_packages()
{
	# One dpkg-query for all: prints "<status> <name>" for known packages;
	# unknown ones only produce an error line (discarded) and no output.
	local installed
	installed=$(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' "${PACKAGES[@]}" \
		2>/dev/null | awk 'substr($1, 2, 1) == "i" { print $2 }') || true
	local p
	for p in "${PACKAGES[@]}"; do
		grep -qxF "$p" <<<"$installed" || echo "$p"
	done
}

install_packages()
{
	local missing
	mapfile -t missing < <(missing_packages)
	if [ ${#missing[@]} -eq 0 ]; then
		log "packages: all ${#PACKAGES[@]} present"
		return
	fi
	need_root "install ${missing[*]}"
	log "packages: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q || die "apt-get update failed"
	apt-get install -y -q --no-install-recommends -o Dpkg::Use-Pty=0 "${missing[@]}" ||
		die "apt-get install failed for: ${missing[*]}"
	mapfile -t missing < <(missing_packages)
	[ ${#missing[@]} -eq 0 ] || die "still missing after install: ${missing[*]}"
}

# ---------------------------------------------------------------- SDK headers

# True when the DPDK that pkg-config finds (PKG_CONFIG_PATH honoured) ships
# the driver SDK itself, i.e. was built with enable_driver_sdk=true.
dpdk_ships_sdk()
{
	local flag dir
	for flag in $(pkg-config --cflags-only-I libdpdk); do
		dir=${flag#-I}
		[ -f "$dir/bus_pci_driver.h" ] && return 0
	done
	return 1
}

sdk_complete()
{
	local dir=$1 h
	for h in "${SDK_HEADERS[@]}"; do
		[ -f "$dir/include/$(basename "$h")" ] || return 1
	done
	return 0
}

# Print deb-src sources (deb822) for the Debian bookworm archives this machine
# is configured with. Only Debian-looking entries are kept (component main, a
# bookworm suite, a .../debian or .../debian-security URI); third-party
# repositories rarely publish sources and would only make the update fail.
derive_sources()
{
	local files=() f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] && files+=("$f")
	done
	if [ ${#files[@]} -gt 0 ]; then
		awk '
		function flush(   n, i, s, suites, u, uris, keep_u, keep_s) {
			if (types !~ /(^|[ \t])deb([ \t]|$)/ || enabled == "no") { reset(); return }
			n = split(uris_f, uris, /[ \t]+/)
			for (i = 1; i <= n; i++)
				if (uris[i] ~ /\/debian(-security)?\/?$/) keep_u = keep_u " " uris[i]
			n = split(suites_f, suites, /[ \t]+/)
			for (i = 1; i <= n; i++)
				if (suites[i] ~ /^bookworm(-updates|-security)?$/) keep_s = keep_s " " suites[i]
			if (keep_u != "" && keep_s != "" && comps ~ /(^|[ \t])main([ \t]|$)/) {
				print "Types: deb-src"
				print "URIs:" keep_u
				print "Suites:" keep_s
				print "Components: main"
				if (signed != "") print signed
				print ""
			}
			reset()
		}
		function reset() { types = uris_f = suites_f = comps = signed = enabled = ""; last = "" }
		BEGIN { reset() }
		/^[ \t]*#/ { next }
		/^[ \t]*$/ { flush(); next }
		/^[ \t]/ {
			# Continuation line: multi-line Signed-By keeps its layout.
			if (last == "signed-by") signed = signed "\n" $0
			else if (last == "types") types = types " " $0
			else if (last == "uris") uris_f = uris_f " " $0
			else if (last == "suites") suites_f = suites_f " " $0
			else if (last == "components") comps = comps " " $0
			next
		}
		{
			key = tolower($0); sub(/:.*/, "", key)
			val = $0; sub(/^[^:]*:[ \t]*/, "", val)
			last = key
			if (key == "types") types = val
			else if (key == "uris") uris_f = val
			else if (key == "suites") suites_f = val
			else if (key == "components") comps = val
			else if (key == "enabled") enabled = tolower(val)
			else if (key == "signed-by") signed = $0
		}
		END { flush() }
		' "${files[@]}"
	fi
	local lists=()
	[ -f /etc/apt/sources.list ] && lists+=(/etc/apt/sources.list)
	for f in /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] && lists+=("$f")
	done
	if [ ${#lists[@]} -gt 0 ]; then
		# One-line format: deb [options] URI SUITE COMPONENT...
		awk '
		$1 != "deb" { next }
		{
			opts = ""; i = 2
			if ($2 ~ /^\[/) {
				while (i <= NF && $i !~ /\]$/) { opts = opts " " $i; i++ }
				opts = opts " " $i; i++
			}
			uri = $i; suite = $(i + 1); main = 0
			for (j = i + 2; j <= NF; j++) if ($j == "main") main = 1
			if (uri !~ /\/debian(-security)?\/?$/ || suite !~ /^bookworm(-updates|-security)?$/ || !main)
				next
			signed = ""
			if (match(opts, /signed-by=[^ \]]+/))
				signed = "Signed-By: " substr(opts, RSTART + 10, RLENGTH - 10)
			print "Types: deb-src"; print "URIs: " uri; print "Suites: " suite
			print "Components: main"
			if (signed != "") print signed
			print ""
		}
		' "${lists[@]}"
	fi
}

fallback_sources()
{
	cat <<-'EOF'
	Types: deb-src
	URIs: http://deb.debian.org/debian
	Suites: bookworm bookworm-updates
	Components: main

	Types: deb-src
	URIs: http://deb.debian.org/debian-security
	Suites: bookworm-security
	Components: main

	EOF
}

# Fetch <package>=<version> source (package: $4, default dpdk) with the given
# sources file into $2; returns 1 when apt cannot find that exact version there.
# fetch_source_any TMP PACKAGE VERSION TAG: Debian source package
# PACKAGE=VERSION into TMP/src, from the configured deb-src mirrors, else the
# default Debian ones. Logs (TAG: ...) each miss; on failure prints apt's
# errors and returns 1.
fetch_source_any()
{
	local tmp=$1 package=$2 version=$3 tag=$4 src

	derive_sources >"$tmp/configured.sources"
	fallback_sources >"$tmp/fallback.sources"
	for src in "$tmp/configured.sources" "$tmp/fallback.sources"; do
		[ -s "$src" ] || continue
		mkdir -p "$tmp/src"
		if fetch_source "$src" "$tmp/src" "$version" "$package"; then
			return 0
		fi
		log "$tag: $package=$version not available from $(basename "$src" .sources) mirrors"
		rm -rf "$tmp/src"
	done
	sed -n '/^E:/p' "$DEPS_DIR/apt/source.log" >&2 || true
	return 1
}

fetch_source()
{
	local sources=$1 dest=$2 version=$3 package=${4:-dpdk}
	local apt_dir=$DEPS_DIR/apt
	local opts=(
		-o "Dir::Etc::SourceList=$apt_dir/sources.list"
		-o "Dir::Etc::SourceParts=$apt_dir/sources.list.d"
		-o "Dir::State::Lists=$apt_dir/lists"
		-o "Dir::Cache=$apt_dir/cache"
		-o "Dir::Cache::archives=$apt_dir/cache/archives"
		-q
	)

	rm -rf "$apt_dir"
	mkdir -p "$apt_dir/sources.list.d" "$apt_dir/lists/partial" \
		"$apt_dir/cache/archives/partial"
	: >"$apt_dir/sources.list"
	cp "$sources" "$apt_dir/sources.list.d/vireo-src.sources"

	# A failing third-party or mirror entry must not stop us: what matters
	# is whether the one source package we need is then available.
	apt-get "${opts[@]}" update >"$apt_dir/update.log" 2>&1 ||
		log "sdk: apt-get update reported errors (see $apt_dir/update.log)"
	# Downloads go to $dest; as root apt would try to drop to _apt, which
	# cannot write there: stay root for this one download.
	if ! (cd "$dest" && apt-get "${opts[@]}" -o APT::Sandbox::User=root \
		source --download-only "$package=$version") >"$apt_dir/source.log" 2>&1; then
		return 1
	fi
	return 0
}

install_sdk_headers()
{
	local deb_version upstream pc_version target tmp dsc dsc_version orig h

	if ! pkg-config --exists libdpdk; then
		die "pkg-config cannot find libdpdk (is libdpdk-dev installed?)"
	fi
	if dpdk_ships_sdk; then
		log "sdk: DPDK $(pkg-config --modversion libdpdk) from pkg-config ships the driver SDK; nothing to fetch"
		return
	fi

	deb_version=$(dpkg-query -W -f='${Version}' libdpdk-dev 2>/dev/null) ||
		die "libdpdk-dev is not installed"
	upstream=${deb_version#*:}   # drop an epoch
	upstream=${upstream%-*}      # drop the Debian revision
	pc_version=$(pkg-config --modversion libdpdk)
	if [ "$pc_version" != "$upstream" ]; then
		die "pkg-config finds DPDK $pc_version but libdpdk-dev is $deb_version, and that DPDK lacks the driver SDK: build it with -Denable_driver_sdk=true, or unset PKG_CONFIG_PATH to use Debian's DPDK"
	fi

	target=$DEPS_DIR/dpdk-sdk-$upstream
	if sdk_complete "$target"; then
		if [ -f "$target/STAMP" ]; then
			log "sdk: headers present in $target/include ($(head -n1 "$target/STAMP"))"
		else
			log "sdk: headers present in $target/include"
		fi
		return
	fi

	log "sdk: fetching Debian source package dpdk=$deb_version for the driver-SDK headers"
	mkdir -p "$DEPS_DIR"
	exec 9>"$DEPS_DIR/.setup.lock"
	flock 9
	# Another run may have finished while we waited for the lock.
	if sdk_complete "$target"; then
		log "sdk: headers present in $target/include"
		return
	fi
	tmp=$(mktemp -d "$DEPS_DIR/.sdk-tmp.XXXXXX")
	# shellcheck disable=SC2064
	trap "rm -rf '$tmp'" EXIT

	if ! fetch_source_any "$tmp" dpdk "$deb_version" sdk; then
		die "cannot download the Debian source package dpdk=$deb_version that matches the installed libdpdk-dev (no matching deb-src in the configured or default Debian mirrors). Upgrade libdpdk-dev to a version the mirror still carries, or use a DPDK built with -Denable_driver_sdk=true via PKG_CONFIG_PATH"
	fi

	dsc=$(find "$tmp/src" -maxdepth 1 -name 'dpdk_*.dsc' | head -n1)
	[ -n "$dsc" ] || die "apt-get source produced no .dsc file"
	dsc_version=$(sed -n 's/^Version:[[:space:]]*//p' "$dsc" | head -n1)
	if [ "$dsc_version" != "$deb_version" ]; then
		die "downloaded source is dpdk $dsc_version but libdpdk-dev is $deb_version: refusing to mix headers and libraries"
	fi
	orig=$(find "$tmp/src" -maxdepth 1 -name "dpdk_${upstream}.orig.tar.*" | head -n1)
	[ -n "$orig" ] || die "no dpdk_${upstream}.orig.tar.* next to $dsc"

	local patterns=()
	for h in "${SDK_HEADERS[@]}"; do
		patterns+=("*/$h")
	done
	mkdir -p "$tmp/x" "$tmp/out/include"
	tar -xf "$orig" -C "$tmp/x" --wildcards "${patterns[@]}" ||
		die "could not extract the SDK headers from $(basename "$orig")"
	for h in "${SDK_HEADERS[@]}"; do
		local f
		f=$(find "$tmp/x" -path "*/$h" -type f | head -n1)
		[ -n "$f" ] || die "$h not found in $(basename "$orig")"
		cp "$f" "$tmp/out/include/"
	done
	warn_debian_patches "$tmp/src"

	# The set must compile against the installed DPDK, as the drivers use it.
	# shellcheck disable=SC2046 # pkg-config output is a list of flags
	if ! printf '#include <%s>\n' ethdev_driver.h ethdev_pci.h ethdev_vdev.h \
		bus_pci_driver.h bus_vdev_driver.h dev_driver.h bus_driver.h |
		gcc -fsyntax-only -x c -DALLOW_INTERNAL_API -DALLOW_EXPERIMENTAL_API \
			-I"$tmp/out/include" $(pkg-config --cflags libdpdk) - 2>"$tmp/cc.log"; then
		cat "$tmp/cc.log" >&2
		die "the extracted SDK headers do not compile against the installed DPDK"
	fi

	printf 'dpdk source %s (libdpdk-dev %s)\n' "$dsc_version" "$deb_version" >"$tmp/out/STAMP"
	printf '%s\n' "${SDK_HEADERS[@]}" >>"$tmp/out/STAMP"
	rm -rf "$target"
	mv "$tmp/out" "$target"
	# The indices and tarballs are only needed again for another version.
	rm -rf "$DEPS_DIR/apt/lists" "$DEPS_DIR/apt/cache"
	rm -rf "$tmp"
	trap - EXIT
	log "sdk: installed ${#SDK_HEADERS[@]} headers in $target/include"
}

# debian_patched_files SRC PKG: the files the Debian patches of source
# package PKG (unpacked in SRC) modify, one per line (nothing without a
# debian tarball).
debian_patched_files()
{
	local deb
	deb=$(find "$1" -maxdepth 1 -name "$2_*.debian.tar.*" | head -n1)
	[ -n "$deb" ] || return 0
	tar -xOf "$deb" --wildcards 'debian/patches/*' 2>/dev/null |
		sed -n 's/^+++ [^/]*\///p' | awk '{ print $1 }' || true
}

# Debian's patches have so far never touched the SDK headers; say so loudly
# if a future revision does, since the orig tarball would then be stale.
warn_debian_patches()
{
	local h listing
	listing=$(debian_patched_files "$1" dpdk)
	for h in "${SDK_HEADERS[@]}"; do
		if grep -qxF "$h" <<<"$listing"; then
			log "sdk: WARNING: a Debian patch modifies $h; the extracted copy is the unpatched upstream file"
		fi
	done
}

# ---------------------------------------------------------------- fio headers

# The fio engine (app/fio-vireo) is built against fio's own headers (fio.h,
# ioengines.h, optgroup.h and what they include) of exactly the installed
# fio's version, plus the config-host.h that fio's ./configure writes. Debian
# ships neither: take the tree from the matching Debian source package, run
# its configure (a few compile probes, offline), keep only the headers.
# Debian's patches touch configure and the Makefile only (checked below).
FIO_CONFIGURE_ARGS=(--disable-native --prefix=/usr)

fio_headers_complete()
{
	local dir=$1
	[ -f "$dir/fio.h" ] && [ -f "$dir/ioengines.h" ] && [ -f "$dir/optgroup.h" ] &&
		[ -f "$dir/config-host.h" ] && [ -f "$dir/STAMP" ]
}

fio_warn()
{
	log "fio: WARNING: $*; the fio engine will not be built"
	return 1
}

# Returns 1 (after a warning) when the headers cannot be had: the rest of
# Vireo builds without them, only app/fio-vireo is skipped.
install_fio_headers()
{
	local deb_version upstream target tmp dsc dsc_version orig srcdir iover

	deb_version=$(dpkg-query -W -f='${Version}' fio 2>/dev/null) ||
		{ fio_warn "fio is not installed"; return 1; }
	upstream=${deb_version#*:}
	upstream=${upstream%-*}
	target=$DEPS_DIR/fio-$upstream
	if fio_headers_complete "$target"; then
		log "fio: headers present in $target ($(head -n1 "$target/STAMP"))"
		return 0
	fi

	log "fio: fetching Debian source package fio=$deb_version for the engine headers"
	mkdir -p "$DEPS_DIR"
	exec 9>"$DEPS_DIR/.setup.lock"
	flock 9
	if fio_headers_complete "$target"; then
		log "fio: headers present in $target"
		return 0
	fi
	tmp=$(mktemp -d "$DEPS_DIR/.fio-tmp.XXXXXX")
	# shellcheck disable=SC2064
	trap "rm -rf '$tmp'" EXIT

	if ! fetch_source_any "$tmp" fio "$deb_version" fio; then
		fio_warn "cannot download the Debian source package fio=$deb_version"
		return 1
	fi

	dsc=$(find "$tmp/src" -maxdepth 1 -name 'fio_*.dsc' | head -n1)
	[ -n "$dsc" ] || { fio_warn "apt-get source produced no fio .dsc file"; return 1; }
	dsc_version=$(sed -n 's/^Version:[[:space:]]*//p' "$dsc" | head -n1)
	if [ "$dsc_version" != "$deb_version" ]; then
		fio_warn "downloaded source is fio $dsc_version but fio $deb_version is installed"
		return 1
	fi
	orig=$(find "$tmp/src" -maxdepth 1 -name "fio_${upstream}.orig.tar.*" | head -n1)
	[ -n "$orig" ] || { fio_warn "no fio_${upstream}.orig.tar.* next to $dsc"; return 1; }
	mkdir -p "$tmp/x" "$tmp/out"
	tar -xf "$orig" -C "$tmp/x" || { fio_warn "cannot unpack $(basename "$orig")"; return 1; }
	srcdir=$(find "$tmp/x" -mindepth 1 -maxdepth 1 -type d | head -n1)
	[ -f "$srcdir/fio.h" ] || { fio_warn "no fio.h in $(basename "$orig")"; return 1; }
	warn_fio_patches "$tmp/src"

	if ! (cd "$srcdir" && ./configure "${FIO_CONFIGURE_ARGS[@]}") >"$tmp/configure.log" 2>&1; then
		tail -n 20 "$tmp/configure.log" >&2
		fio_warn "fio's ./configure failed"
		return 1
	fi
	(cd "$srcdir" && find . -name '*.h' -print0 | tar --null -cf - -T -) | tar -xf - -C "$tmp/out"

	if ! printf '#include "%s"\n' config-host.h fio.h ioengines.h optgroup.h |
		gcc -fsyntax-only -x c -D_GNU_SOURCE -I"$tmp/out" - 2>"$tmp/cc.log"; then
		cat "$tmp/cc.log" >&2
		fio_warn "fio's headers do not compile here"
		return 1
	fi
	iover=$(sed -n 's/^#define[[:space:]]*FIO_IOOPS_VERSION[[:space:]]*\([0-9]*\).*/\1/p' \
		"$tmp/out/ioengines.h")
	printf 'fio source %s (fio %s), FIO_IOOPS_VERSION %s\n' "$dsc_version" "$deb_version" \
		"$iover" >"$tmp/out/STAMP"
	printf 'configure %s\n' "${FIO_CONFIGURE_ARGS[*]}" >>"$tmp/out/STAMP"
	rm -rf "$target"
	mv "$tmp/out" "$target"
	rm -rf "$DEPS_DIR/apt/lists" "$DEPS_DIR/apt/cache"
	rm -rf "$tmp"
	trap - EXIT
	log "fio: installed fio $upstream headers and config-host.h in $target"
}

# The orig tarball's headers are what we use: say so if a Debian patch ever
# changes one of them.
warn_fio_patches()
{
	local listing
	listing=$(debian_patched_files "$1" fio)
	if grep -q '\.h$' <<<"$listing"; then
		log "fio: WARNING: Debian patches modify headers ($(grep '\.h$' <<<"$listing" | tr '\n' ' ')); the copies are unpatched upstream files"
	fi
}

# ---------------------------------------------------------------- hugepages

# setup_hugepages N [soft]: at least N pages (never fewer than already
# reserved) and hugetlbfs mounted. "soft" (the default reservation) turns a
# refusal into a warning: only the vhost suite needs them.
setup_hugepages()
{
	local want=$1 soft=${2:-} nr=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages have
	local fail=die

	[ -z "$soft" ] || fail=warn
	if [ "$(id -u)" -ne 0 ]; then
		[ -n "$soft" ] || need_root "reserve hugepages"
		log "hugepages: not root, none reserved (the vhost suite needs $want free; run as root)"
		return 0
	fi
	[ -e "$nr" ] || nr=/proc/sys/vm/nr_hugepages
	[ -e "$nr" ] || { $fail "this kernel exposes no 2 MiB hugepage pool"; return 0; }
	have=$(cat "$nr")
	if [ "$have" -lt "$want" ]; then
		echo "$want" >"$nr" 2>/dev/null ||
			{ $fail "cannot write $nr (read-only /sys or /proc, e.g. in a container)"; return 0; }
		have=$(cat "$nr")
		[ "$have" -ge "$want" ] ||
			{ $fail "asked for $want hugepages of 2 MiB, the kernel gave $have (memory too fragmented or too small)"; return 0; }
	fi
	if ! awk '$2 == "/dev/hugepages" && $3 == "hugetlbfs" { found = 1 } END { exit !found }' /proc/mounts; then
		mkdir -p /dev/hugepages
		mount -t hugetlbfs -o pagesize=2M nodev /dev/hugepages ||
			{ $fail "cannot mount hugetlbfs at /dev/hugepages"; return 0; }
	fi
	log "hugepages: $have x 2 MiB reserved, hugetlbfs mounted at /dev/hugepages"
}

main()
{
	parse_args "$@"
	check_os
	install_packages
	install_sdk_headers
	install_fio_headers || true
	if [ -n "$HUGEPAGES" ]; then
		setup_hugepages "$HUGEPAGES"
	else
		setup_hugepages "$DEFAULT_HUGEPAGES" soft
	fi
	log "done"
}

# Sourcing (for tests) defines the functions without running anything.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	main "$@"
fi
