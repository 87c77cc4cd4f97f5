#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: run the host test binaries, then the VM suite once per entry
# of the VM matrix, and print one summary line "N passed, N failed".
#
# Usage: scripts/check.sh HOST_TEST... -- NAME:CPU:SMP:APPEND...
# (APPEND: kernel arguments separated by commas)
#
# Counted: every kselftest TAP result line ("ok"/"not ok") of every run,
# plus one result per VM run for the run itself ("vm NAME clean": booted,
# script finished, kernel log clean), so a VM that dies before printing
# TAP is a failure, never silence.  Skips are reported but not counted.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
log=$top/build/check.log
mkdir -p "$top/build"
: > "$log"
rm -f "$top/build/check.summary"
passed=0 failed=0 skipped=0

count() {	# count TAP lines of one log
	local p f s
	read -r p f s < <("$top/tests/vm/tap-summary.sh" "$1" |
		sed 's/passed=\([0-9]*\) failed=\([0-9]*\) skipped=\([0-9]*\)/\1 \2 \3/')
	passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
}

while [ $# -gt 0 ] && [ "$1" != -- ]; do
	out=$top/build/host/$(basename "$1").tap
	echo "check: host $(basename "$1")"
	"$1" > "$out" 2>&1
	cat "$out" >> "$log"
	count "$out"
	shift
done
[ "${1:-}" = -- ] && shift

for entry in "$@"; do
	IFS=: read -r name cpu smp append <<< "$entry"
	append=${append//,/ }
	echo "check: vm $name (-cpu $cpu -smp $smp ${append:+, $append})"
	if "$top/tests/vm/run.sh" --name "$name" --cpu "$cpu" --smp "$smp" \
		${append:+--append "$append"} "$top/tests/vm/suite.sh" \
		> "$top/build/vm-$name.out" 2>&1; then
		passed=$((passed + 1))
		echo "ok - vm $name clean" >> "$log"
	else
		failed=$((failed + 1))
		echo "not ok - vm $name clean" >> "$log"
		grep '^vm: FAIL' "$top/build/vm-$name.out"
	fi
	count "$top/build/vm/$name/serial.log"
	grep -E '^not ok' "$top/build/vm/$name/serial.log" | sed "s/^/check: $name: /"
done

echo "check: $skipped skipped; full log in build/check.log, VM logs in build/vm/"
echo "$passed passed, $failed failed" | tee "$top/build/check.summary"
[ "$failed" = 0 ]
