#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: the whole benchmark suite, one table, one JSON file.
#
#   1. on this host: compile times of generated plugins (build/bench/
#      kplug_gen, real time), which also writes them for the VM; and the
#      user-space host's rows (build/bench/kplug_uhost_bench: round trip,
#      baselines, workloads in TSC cycles and ns, real CPU), or one line
#      saying why this machine cannot run it;
#   2. one VM with -icount shift=0,sleep=off and one CPU: every other
#      benchmark (bench/vm-suite.sh -> kplugctl bench); figures are
#      instruction counts, emulated;
#   3. one VM per CPU count (1, 2, 4) without -icount: invocations per
#      second (TCG wall clock, emulated; all vCPUs share the host's cores).
#
# Each VM's console is in build/vm/NAME/serial.log; result lines start
# with "KPLUG-BENCH|" (bench/util.c).  Writes build/bench/results.json and
# prints the table (bench/report.sh).  Exits 1 if a VM fails.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/bench
mkdir -p "$out"
cd "$top"

echo "bench: compile times on this host"
build/bench/kplug_gen build/plugins/bench > "$out/host.records"
echo "bench: the user-space host on this host (real CPU)"
build/bench/kplug_uhost_bench build/plugins/ >> "$out/host.records"

vm() {	# NAME ARGS... : one VM, console to build/bench/NAME.out
	local name=$1
	shift
	if ! tests/vm/run.sh --name "$name" "$@" > "$out/$name.out" 2>&1; then
		tail -20 "$out/$name.out"
		echo "bench: FAIL: VM $name (see $out/$name.out)"
		exit 1
	fi
	tail -1 "$out/$name.out"
}

vm bench --icount --smp 1 --timeout 900 bench/vm-suite.sh
for n in 1 2 4; do
	vm "bench-smp$n" --smp "$n" --timeout 300 bench/vm-scale.sh
done

cat "$out/host.records" > "$out/results.records"
for name in bench bench-smp1 bench-smp2 bench-smp4; do
	grep -a '^KPLUG-BENCH|' "build/vm/$name/serial.log" >> "$out/results.records"
done
bash bench/report.sh "$out/results.records" "$out/results.json"
