#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The SDK's atomics under concurrency (issue 14, item 5): two tasks call
# count() of one plugin at once (on two CPUs when the VM has them, else
# preempting each other); the atomic counter must see every increment.
# tests/plugins/sdk_check.c; its check() runs in compilers_test.sh.
TAP_PREFIX=sdk
. /kplug/tests/tap.sh
# Not on the Bochs tier (kplug_limits=1): it is for what only segment
# limits decide, and hundreds of kplugctl runs would take minutes there.
if [ -n "${kplug_limits:-}" ]; then
	printf 'TAP version 13\n1..1\nok 1 %s # SKIP not on the Bochs tier\n' "$TAP_PREFIX"
	exit 0
fi
P=/kplug/plugins
N=100000

atomic_total() {	# atomic_total NAME: two concurrent count(N) calls
	kplugctl invoke "$1" count $N > /tmp/sdk.a &
	a=$!
	kplugctl invoke "$1" count $N > /tmp/sdk.b &
	b=$!
	wait $a || return 1
	wait $b || return 1
	got=$(kplugctl invoke "$1" counted 0)
	echo "# $1: atomic $got of $((2 * N)), plain $(kplugctl invoke "$1" counted 1) (not atomic: may lose some)"
	[ "$got" = $((2 * N)) ]
}

echo "TAP version 13"
echo "1..4"
check create_tcc   kplugctl create sdk_tcc $P/sdk_check.c
check atomic_tcc   atomic_total sdk_tcc
grep '^#' /tmp/sdk.out
check load_gcc     kplugctl load sdk_gcc $P/cc/sdk_check-gcc-O2.kpi
check atomic_gcc   atomic_total sdk_gcc
grep '^#' /tmp/sdk.out
kplugctl remove sdk_tcc > /dev/null
kplugctl remove sdk_gcc > /dev/null
exit $failed
