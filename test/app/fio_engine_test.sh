#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# fio_vireo.so in stock fio on the host, without any device (the host's own
# PCI devices are never probed: --no-pci): fio loads it (the ops version
# matches), its options parse, and each misuse fails with a clear message
# instead of a hang. The I/O paths run in the guest (case fio-vireo).
#   fio_engine_test.sh FIO ENGINE
set -u
FIO=$1
ENGINE=$2
EAL="-l 0 --no-pci --no-huge -m 64 --no-shconf --no-telemetry --log-level=*:error"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
failed=0

# expect NAME PATTERN FIO-ARGS...: fio fails, its output holds PATTERN.
expect() {
	name=$1 pattern=$2
	shift 2
	timeout 60 "$FIO" --ioengine=external:"$ENGINE" --name="$name" --rw=read --size=1m \
		"$@" >"$out" 2>&1
	rc=$?
	if [ $rc -eq 0 ] || [ $rc -eq 124 ] || ! grep -qF -- "$pattern" "$out"; then
		echo "FAIL $name (rc $rc), expected: $pattern"
		sed 's/^/  | /' "$out"
		failed=1
	else
		echo "ok   $name: $(grep -F -- "$pattern" "$out" | head -n1)"
	fi
}

expect no-thread "the vireo engine needs thread=1" --filename=x
expect no-device "no vblk device '0000:00:05.0'" --thread=1 --eal_args="$EAL" \
	--filename=0000.00.05.0
expect pci-option "no vblk device '0000:00:06.0'" --thread=1 --eal_args="$EAL --no-pci" \
	--filename=ignored --pci=0000:00:06.0
expect bad-eal "EAL initialisation failed" --thread=1 --eal_args="--no-such-eal-option" \
	--filename=x
expect bad-option "unrecognized option" --thread=1 --no_such_vireo_option=1 --filename=x
# The most EAL arguments the engine takes (64: 6 + 58), plus mem_mb= and pci=.
EAL6="-l 0 --no-huge --no-shconf --no-telemetry --log-level=*:error"
many=$(printf ' --no-pci%.0s' $(seq 1 58))
expect eal-args-64 "no vblk device '0000:00:07.0'" --thread=1 --mem_mb=64 \
	--pci=0000:00:07.0 --eal_args="$EAL6$many" --filename=x
expect eal-args-65 "more than 64 EAL arguments" --thread=1 --eal_args="$EAL6$many --no-pci" \
	--filename=x
exit $failed
