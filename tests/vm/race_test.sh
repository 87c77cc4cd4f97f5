#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The packet-filter race's filters (bench/work/race.c, bench/race.bpf.c)
# give the verdicts written down for each packet of its mix, in every
# implementation: kernel C in the bench module, kplug plugins built by gcc
# and by tcc (called through the bench module's hook with the packet as
# the in buffer, and looping inside one invocation), eBPF by
# BPF_PROG_TEST_RUN.  kplug.ko is loaded by suite.sh; this loads and
# unloads kplug_bench.ko.  TAP, like the kselftest harness.
TAP_PREFIX=race
. /kplug/tests/tap.sh
# Not on the Bochs tier (kplug_limits=1): verdicts are not what only
# segment limits decide, and a tcc compile and the eBPF runs take minutes
# there.
if [ -n "${kplug_limits:-}" ]; then
	printf 'TAP version 13\n1..1\nok 1 %s # SKIP not on the Bochs tier\n' "$TAP_PREFIX"
	exit 0
fi
check load_bench_module insmod /kplug/tests/kplug_bench.ko
for impl in kernel gcc tcc ebpf; do
	check "verdicts_$impl" kplug_bench --race-check "$impl"
done
check unload_bench_module rmmod kplug_bench
exit $failed
