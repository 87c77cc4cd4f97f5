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
check load_bench_module insmod /kplug/tests/kplug_bench.ko
for impl in kernel gcc tcc ebpf; do
	check "verdicts_$impl" kplug_bench --race-check "$impl"
done
check unload_bench_module rmmod kplug_bench
exit $failed
