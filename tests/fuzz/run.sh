#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make fuzz: run each host fuzzer for SECONDS from its seeds and the corpus
# earlier runs grew (and its dictionary, tests/fuzz/NAME.dict, if any),
# print runs and coverage, fail on any crash.
#
# Usage: tests/fuzz/run.sh [--tap] SECONDS NAME...
#        (fuzzers in build/fuzz/fuzz_NAME)
#   --tap   print TAP, one result per fuzzer (make check's smoke run,
#           tests/fuzz/smoke_test.sh), with the same lines as comments
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
tap=0
if [ "${1:-}" = --tap ]; then
	tap=1
	shift
fi
secs=$1
shift
out=$top/build/fuzz
total=0 failed=0 n=0
say() { if [ $tap = 1 ]; then echo "# $*"; else echo "$*"; fi; }
[ $tap = 0 ] || printf 'TAP version 13\n1..%d\n' $#
for name in "$@"; do
	n=$((n + 1))
	corpus=$out/corpus/$name
	mkdir -p "$corpus"
	log=$out/$name.log
	# The corpus first (new inputs go there), then the seeds (read-only;
	# the scanner's are the project's own plugin sources).
	seeds=$top/tests/fuzz/seeds/$name
	[ "$name" != scan ] || seeds=$top/tests/plugins
	dict=$top/tests/fuzz/$name.dict
	"$out/fuzz_$name" -max_total_time="$secs" -print_final_stats=1 \
		$([ -f "$dict" ] && echo "-dict=$dict") \
		-artifact_prefix="$out/crash-$name-" -close_fd_mask=3 \
		"$corpus" "$seeds" > "$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -n1)
	if [ "$rc" = 0 ]; then
		say "fuzz: $name: ${runs:-?} runs in ${secs} s, ${cov:-no coverage line}, corpus $(ls "$corpus" | wc -l) inputs"
		[ $tap = 0 ] || echo "ok $n fuzz.$name"
	else
		failed=$((failed + 1))
		say "fuzz: $name: FAILED (rc $rc) after ${runs:-?} runs; log $log:"
		grep -m5 -E 'ERROR|SUMMARY|artifact' "$log" | sed 's/^/  /' |
			while read -r l; do say "  $l"; done
		[ $tap = 0 ] || echo "not ok $n fuzz.$name"
	fi
	total=$((total + ${runs:-0}))
done
say "fuzz: $total runs in all, $failed fuzzer(s) failed"
[ "$failed" = 0 ]
