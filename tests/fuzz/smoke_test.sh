#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make check's smoke run of the host fuzzers (make fuzz runs each for a
# minute): every fuzzer make fuzz-build made, 3 s each from its seeds and
# corpus, as TAP; a crash fails it.
fuzz=$(dirname "$0")/../../build/fuzz
names=$(ls "$fuzz" 2>/dev/null | sed -n 's/^fuzz_//p')
if [ -z "$names" ]; then	# a result check.sh counts, not silence
	printf 'TAP version 13\n1..1\nnot ok 1 fuzz.built - none in build/fuzz (make fuzz-build)\n'
	exit 1
fi
exec "$(dirname "$0")/run.sh" --tap 3 $names
