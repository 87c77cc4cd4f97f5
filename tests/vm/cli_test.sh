#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# kplugctl end to end, in the test VM (module loaded by suite.sh).  Prints
# TAP like the kselftest harness so scripts/check.sh counts each check.
TAP_PREFIX=cli
. /kplug/tests/tap.sh
P=/kplug/plugins
PATH=/kplug/tests:$PATH
json_is() {	# json_is VALUE PATH command...: stdout is one JSON document
	jwant=$1 jpath=$2	# (a real parser: json_check), VALUE (* any) at PATH
	shift 2
	"$@" > /tmp/cli.json
	jrc=$?
	cat /tmp/cli.json
	jgot=$(json_check "$jpath" < /tmp/cli.json) || return 1
	[ "$jwant" = "*" ] || [ "$jgot" = "$jwant" ] ||
		{ echo "# $jpath: $jgot, not $jwant"; return 1; }
	return $jrc
}
json_list_has() {	# json_list_has VALUE KEY command...: stdout is one JSON
	jwant=$1 jkey=$2	# array, an element of which has KEY = VALUE
	shift 2
	"$@" > /tmp/cli.json
	jrc=$?
	cat /tmp/cli.json
	json_check < /tmp/cli.json || return 1
	ji=0
	while jgot=$(json_check "$ji.$jkey" < /tmp/cli.json 2>/dev/null); do
		[ "$jgot" = "$jwant" ] && return $jrc
		ji=$((ji + 1))
	done
	echo "# no element with $jkey $jwant"
	return 1
}
echo "TAP version 13"
echo "1..42"
check create_from_c        kplugctl create cli_demo $P/demo.c --budget-ms 500
check invoke_result        out_has '^42$' kplugctl invoke cli_demo add 40 2
check invoke_negative_arg  out_has '^4294967295$' kplugctl invoke cli_demo add -1 0
check invoke_buffers       sh -c "echo 'one two three' > /tmp/in && kplugctl invoke cli_demo words --in /tmp/in --out /tmp/out --out-size 64 && grep -q '3 words in 14 bytes' /tmp/out"
check out_exactly_written  sh -c "[ \$(wc -c < /tmp/out) = 20 ] && kplugctl -j invoke cli_demo words --in /tmp/in --out /tmp/out | json_check out_written | grep -qx 20"
check invoke_budget        expect_exit 4 kplugctl invoke cli_demo spin 4000000000 --budget-ms 50
check fault_exit_code_3    expect_exit 3 kplugctl invoke cli_demo bad_pointer 16
check budget_exit_code_4   expect_exit 4 kplugctl invoke cli_demo spin 4000000000
check info_text            out_has 'last fault:  bad-access' kplugctl info cli_demo
check info_entries         out_has 'entries:     add bad_pointer cpu_calls fibonacci hello spin words' kplugctl info cli_demo
check info_json            json_is 1 faults kplugctl -j info cli_demo
check info_json_fault      json_is '"bad-access"' last_fault.kind kplugctl -p info cli_demo
check list_json            json_list_has '"cli_demo"' name kplugctl list -j
check hook_list_json       json_is "*" 0.name kplugctl hook list -j
check fault_json           json_is '"bad-access"' fault.kind expect_exit 3 kplugctl -j invoke cli_demo bad_pointer 16
# demo.c:73 is bad_pointer()'s load; tcc's stabs and gcc's DWARF (-g)
# give the image's line table
check fault_function_line  out_has 'eip 0x1[0-9a-f]* (bad_pointer+0x[0-9a-f]* at /kplug/plugins/demo.c:73), cr2 0x10)' expect_exit 3 kplugctl invoke cli_demo bad_pointer 16
check fault_json_function  json_is '"bad_pointer"' fault.function expect_exit 3 kplugctl -j invoke cli_demo bad_pointer 16
check fault_json_line      json_is 73 fault.line expect_exit 3 kplugctl -j invoke cli_demo bad_pointer 16
check info_fault_line      out_has 'last fault:  bad-access .*(bad_pointer+0x[0-9a-f]* at /kplug/plugins/demo.c:73)' kplugctl info cli_demo
check gcc_fault_line       sh -c "kplugctl load cli_gcc $P/demo-gcc.kpi && { kplugctl invoke cli_gcc bad_pointer 16 > /tmp/gcc.out 2>&1; cat /tmp/gcc.out; grep -q '(bad_pointer+0x[0-9a-f]* at tests/plugins/demo.c:73)' /tmp/gcc.out; }; r=\$?; kplugctl remove cli_gcc; exit \$r"
check dump_lines_json      json_is '"/kplug/plugins/demo.c"' lines.0.file kplugctl -j dump cli_demo
check dump_functions_json  json_is '"fib"' functions.0.name kplugctl -j dump cli_demo
check dump_without_objdump out_has 'objdump (binutils) did not run' expect_exit 1 kplugctl dump cli_demo
check invoke_in_eq_dashdash sh -c "echo 'a b' > /tmp/in2 && kplugctl invoke cli_demo words --in=/tmp/in2 --out=/tmp/out2 --out-size=64 -- 0 && grep -q '2 words' /tmp/out2"
check invoke_negative_after_dashdash out_has '^4294967291$' kplugctl invoke cli_demo add -- -5 0
check budget_above_max     out_has 'above the module.s max_budget_ms (60000)' expect_exit 2 kplugctl create cli_x $P/demo.c --budget-ms 60001
check detach_says_detach   out_has 'hook detach netfilter:ipv4_local_in cli_demo:add: not attached' expect_exit 1 kplugctl hook detach netfilter:ipv4_local_in cli_demo:add
check long_kprobe_name     json_is '"kprobe:__x64_sys_sched_get_priority_max"' hook kplugctl -j hook attach kprobe:__x64_sys_sched_get_priority_max cli_demo:add
check hook_show_json       json_is '"kprobe:__x64_sys_sched_get_priority_max"' 0.hook kplugctl -j hook show kprobe:__x64_sys_sched_get_priority_max
check hook_detach_by_plugin json_is '"add"' 0.entry kplugctl -j hook detach kprobe:__x64_sys_sched_get_priority_max cli_demo
check name_clash           out_has 'Error: create: a plugin called cli_demo exists' expect_exit 1 kplugctl create cli_demo $P/demo.c
check unknown_entry        out_has 'Error: invoke cli_demo nope' expect_exit 1 kplugctl invoke cli_demo nope
check usage_error          expect_exit 2 kplugctl invoke cli_demo
check bad_number           out_has "not a 32-bit number" expect_exit 2 kplugctl invoke cli_demo add 12abc
check build_then_load      sh -c "kplugctl build $P/demo.c -o /tmp/demo.kpi && kplugctl load cli_demo2 /tmp/demo.kpi && [ \"\$(kplugctl invoke cli_demo2 fibonacci 10)\" = 55 ]"
check compile_error_log    sh -c "printf 'u32 f(void)\n{\n\treturn x;\n}\n' > /tmp/bad.c; kplugctl create cli_bad /tmp/bad.c 2>&1 | grep -q 'bad.c:3:'"
check log_lines            sh -c "kplugctl invoke cli_demo hello 5 && kplugctl log cli_demo | grep -q 'hello 5 from kplugctl'"
# A full log ring: 90 lines of 200 bytes (16 KiB holds 81), one not UTF-8.
printf 'u32 fill(u32 n)\n{\n\tu32 i;\n\tfor (i = 0; i < n; i++)\n\t\tkplug_printf("line %%03u %%s", i, "%s");\n\treturn n;\n}\nu32 bad(void)\n{\n\treturn kplug_log("\\xff\\xfe<\\xc0\\xaf>", 6);\n}\n' \
	"$(printf '%0190d' 0)" > /tmp/logger.c
check log_wrap_whole_lines sh -c "kplugctl create cli_log /tmp/logger.c && kplugctl invoke cli_log fill 90 && kplugctl log cli_log > /tmp/log.txt && head -c 9 /tmp/log.txt | grep -q '^line 0[0-9][0-9] ' && ! grep -v '^line [0-9]* 0*\$' /tmp/log.txt"
check log_json_full_ring   sh -c "kplugctl -j log cli_log | json_check log > /tmp/log.json && grep -q '^\"line 0' /tmp/log.json"
check log_json_not_utf8    sh -c "kplugctl invoke cli_log bad && kplugctl -j log cli_log | json_check log | grep -q 'ufffd\\\\ufffd<'"
check remove_json          json_is '"removed"' action kplugctl -j remove cli_log
check remove               sh -c "kplugctl remove cli_demo && kplugctl remove cli_demo2 && ! kplugctl info cli_demo 2>/dev/null"
exit $failed
