#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Any compiler (issue 14): the same test plugins built by tcc in the VM
# (kplugctl create) and by gcc -O0..-O3/-Os and clang -O0/-O2/-Os on the
# host (build/plugins/cc/PLUGIN-COMPILER-LEVEL.kpi, Makefile's CC_BUILDS)
# are loaded and run at ring 1, and must all compute the same results.
TAP_PREFIX=cc
. /kplug/tests/tap.sh
# Not on the Bochs tier (kplug_limits=1): it is for what only segment
# limits decide, and hundreds of kplugctl runs would take minutes there.
if [ -n "${kplug_limits:-}" ]; then
	printf 'TAP version 13\n1..1\nok 1 %s # SKIP not on the Bochs tier\n' "$TAP_PREFIX"
	exit 0
fi
P=/kplug/plugins
CC=$P/cc

# An IPv4 header (20 bytes, protocol 17) and a UDP header to port $1.
udp_to() {
	printf '\105\000\000\034\000\000\000\000\100\021\000\000\177\000\000\001\177\000\000\001\004\000\036\'"$1"
}
udp_to 026 > /tmp/compilers.udp7702
udp_to 025 > /tmp/compilers.udp7701
printf '2*(3+(4*(5-1)))-7' > /tmp/compilers.expr

invoke_is() {	# invoke_is WANT NAME ENTRY [ARG...]
	want=$1
	shift
	got=$(kplugctl invoke "$@") || return 1
	echo "$*: $got"
	[ "$got" = "$want" ]
}

# check_plugin PLUGIN NAME: the loaded plugin NAME (built from PLUGIN)
# gives the expected results.
check_plugin() {
	case $1 in
	demo)
		check "$2.add"       invoke_is 42 "$2" add 40 2
		check "$2.recursion" invoke_is 6765 "$2" fibonacci 20
		check "$2.buffers"   sh -c "printf 'one two three' > /tmp/compilers.in && kplugctl invoke $2 words --in /tmp/compilers.in --out /tmp/compilers.out --out-size 64 && grep -q '3 words in 13 bytes' /tmp/compilers.out"
		check "$2.services"  sh -c "kplugctl invoke $2 hello 7 && kplugctl log $2 | grep -q 'hello 7 from kplugctl (pid [1-9][0-9]*) on cpu [0-9]'"
		check "$2.fault"     out_has 'bad-access' expect_exit 3 kplugctl invoke "$2" bad_pointer 16
		;;
	net_demo)
		check "$2.drop"      invoke_is 1 "$2" drop_udp --in /tmp/compilers.udp7702
		check "$2.pass"      invoke_is 0 "$2" drop_udp --in /tmp/compilers.udp7701
		check "$2.globals"   sh -c "[ \$(kplugctl invoke $2 stats 0) = 1 ] && [ \$(kplugctl invoke $2 stats 1) = 1 ]"
		;;
	cc_recurse)
		check "$2.eval"      sh -c "kplugctl invoke $2 eval --in /tmp/compilers.expr --out /tmp/compilers.out --out-size 32 | grep -qx 31 && grep -q '^31 depth 3' /tmp/compilers.out"
		check "$2.ackermann" invoke_is 61 "$2" ackermann 3 3
		;;
	cc_globals)
		check "$2.switch"    invoke_is 25 "$2" vm 0 3 4
		check "$2.loop"      invoke_is 55 "$2" vm 1 10
		check "$2.bad_prog"  invoke_is 2989 "$2" vm 7
		check "$2.data"      invoke_is 103 "$2" counters 0
		check "$2.bss"       invoke_is 88 "$2" counters 1
		;;
	sdk_check)	# 0, or the line of the check that failed
		check "$2.sdk"       invoke_is 0 "$2" check
		;;
	esac
}

nr_checks() {
	case $1 in
	demo|cc_globals) echo 6 ;; net_demo) echo 4 ;; cc_recurse) echo 3 ;; sdk_check) echo 2 ;;
	esac
}

plugins="demo net_demo cc_recurse cc_globals sdk_check"
total=0
for p in $plugins; do
	builds=$(ls $CC/$p-*.kpi 2>/dev/null | wc -l)
	[ "$builds" -ge 9 ] || { echo "Bail out! only $builds compiled images of $p in $CC"; exit 1; }
	total=$((total + (builds + 1) * $(nr_checks $p)))
done
echo "TAP version 13"
echo "1..$total"
for p in $plugins; do
	name=${p}_tcc
	check "$name.create" kplugctl create "$name" $P/$p.c
	check_plugin $p $name
	kplugctl remove "$name" > /dev/null
	for img in $CC/$p-*.kpi; do
		b=${img##*/}
		b=${b%.kpi}
		name=$(echo "$b" | tr -- '-' '_')
		check "$name.load" kplugctl load "$name" "$img"
		check_plugin $p "$name"
		kplugctl remove "$name" > /dev/null
	done
done
exit $failed
