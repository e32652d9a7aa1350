#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Vireo static checks:
#   1. clang-format --dry-run --Werror on our *.c / *.h (.clang-format)
#   2. cppcheck (warning, performance, portability)
#   3. shellcheck on our shell scripts, if installed (not with PATH...)
#   4. -Werror builds with gcc (build-gcc/) and, if installed, clang
#      (build-clang/)
#
#   devtools/check.sh [--fix] [--no-build] [PATH...]
#
#   PATH...     limit format and cppcheck to these files or directories
#               (default: every tracked or new, non-ignored C file)
#   --fix       reformat the files in place instead of reporting them
#   --no-build  skip the compiler builds
#
# Exits non-zero when any check fails. Suppress a cppcheck finding that is
# wrong with an inline "/* cppcheck-suppress ID */" on the line above, and say why.

set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"

FIX=0
BUILD=1
JOBS=${VIREO_JOBS:-2}
PATHS=()
FAILED=()

usage()
{
	sed -n '4,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

while [ $# -gt 0 ]; do
	case "$1" in
	--fix) FIX=1 ;;
	--no-build) BUILD=0 ;;
	-h | --help)
		usage
		exit 0
		;;
	-*)
		echo "check: unknown option '$1' (see --help)" >&2
		exit 2
		;;
	*) PATHS+=("$1") ;;
	esac
	shift
done

banner() { printf '\n==== %s\n' "$*"; }

# Our C sources: tracked or new files git does not ignore (so never .deps/ or
# build dirs), restricted to PATHS.
list_sources()
{
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git ls-files -co --exclude-standard -- "${PATHS[@]:-.}" | grep -E '\.[ch]$' || true
	else
		find "${PATHS[@]:-.}" \( -name '.deps' -o -name 'build*' -o -name '.git' \) -prune \
			-o -type f \( -name '*.c' -o -name '*.h' \) -print | sed 's#^\./##'
	fi
}

mapfile -t SOURCES < <(list_sources | sort -u)
if [ ${#SOURCES[@]} -eq 0 ]; then
	echo "check: no C files under ${PATHS[*]:-.}"
fi

check_format()
{
	banner "clang-format (${#SOURCES[@]} files)"
	if ! command -v clang-format >/dev/null; then
		echo "check: clang-format not installed (run devtools/setup.sh)"
		FAILED+=(clang-format)
		return
	fi
	[ ${#SOURCES[@]} -gt 0 ] || return 0
	if [ $FIX -eq 1 ]; then
		clang-format -i "${SOURCES[@]}"
		echo "reformatted ${#SOURCES[@]} files"
		return
	fi
	local out bad f
	if out=$(clang-format --dry-run --Werror "${SOURCES[@]}" 2>&1) && [ -z "$out" ]; then
		echo "ok"
		return
	fi
	bad=$(printf '%s\n' "$out" | sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: error:.*/\1/p' | sort -u)
	if [ -z "$bad" ]; then
		# Not a formatting verdict (bad .clang-format, unreadable file...).
		printf '%s\n' "$out"
	else
		# Diffs read better than clang-format's one-warning-per-token output.
		while read -r f; do
			clang-format "$f" | diff -u --label "$f" --label "$f (clang-format)" "$f" - || true
		done <<<"$bad" | head -n 300
		echo
		echo "not clang-formatted ($(wc -l <<<"$bad") files; fix: devtools/check.sh --fix PATH):"
		# shellcheck disable=SC2001
		sed 's/^/  /' <<<"$bad"
	fi
	FAILED+=(clang-format)
}

check_cppcheck()
{
	banner "cppcheck"
	if ! command -v cppcheck >/dev/null; then
		echo "check: cppcheck not installed (run devtools/setup.sh)"
		FAILED+=(cppcheck)
		return
	fi
	local c_files=() incs=() d f
	for f in "${SOURCES[@]}"; do
		[[ "$f" == *.c ]] && c_files+=("$f")
	done
	[ ${#c_files[@]} -gt 0 ] || { echo "no .c files"; return 0; }
	# Our own header directories only: DPDK's headers make cppcheck slow
	# and give false positives (container_of seen as a NULL dereference).
	while read -r d; do
		incs+=(-I "$d")
	done < <(git ls-files -co --exclude-standard -- '*.h' 2>/dev/null | xargs -r -n1 dirname | sort -u)
	if cppcheck --enable=warning,performance,portability --error-exitcode=1 \
		--inline-suppr --std=c11 --quiet -j "$JOBS" \
		--suppress=missingIncludeSystem \
		-D__x86_64__ -D__linux__ -DALLOW_EXPERIMENTAL_API -DALLOW_INTERNAL_API \
		"${incs[@]}" "${c_files[@]}"; then
		echo "ok (${#c_files[@]} files)"
	else
		FAILED+=(cppcheck)
	fi
}

# werror_build NAME DIR [env...]: configure (or reconfigure) and build.
werror_build()
{
	local name=$1 dir=$2 log
	shift 2
	banner "$name -Werror build ($dir)"
	local setup=(meson setup "$dir" -Dwerror=true)
	[ -f "$dir/meson-private/coredata.dat" ] && setup+=(--reconfigure)
	log=$(mktemp)
	if ! env "$@" "${setup[@]}" >"$log" 2>&1; then
		cat "$log"
		rm -f "$log"
		FAILED+=("$name")
		return
	fi
	rm -f "$log"
	if ninja -C "$dir" -j "$JOBS"; then
		echo "ok"
	else
		FAILED+=("$name")
	fi
}

check_shell()
{
	banner "shellcheck"
	if ! command -v shellcheck >/dev/null; then
		echo "skipped: shellcheck not installed (apt-get install shellcheck)"
		return
	fi
	local scripts=()
	mapfile -t scripts < <(git ls-files -co --exclude-standard -- '*.sh' .ci/run 2>/dev/null)
	[ ${#scripts[@]} -gt 0 ] || { echo "no scripts"; return 0; }
	if shellcheck "${scripts[@]}"; then
		echo "ok (${#scripts[@]} scripts)"
	else
		FAILED+=(shellcheck)
	fi
}

check_builds()
{
	werror_build gcc build-gcc CC=gcc
	if command -v clang >/dev/null; then
		werror_build clang build-clang CC=clang
	else
		banner "clang -Werror build"
		echo "skipped: clang not installed (apt-get install clang)"
	fi
}

check_format
check_cppcheck
if [ ${#PATHS[@]} -eq 0 ]; then
	check_shell
fi
if [ $BUILD -eq 1 ]; then
	check_builds
fi

banner "result"
if [ ${#FAILED[@]} -gt 0 ]; then
	echo "FAILED: ${FAILED[*]}"
	exit 1
fi
echo "all checks passed"
