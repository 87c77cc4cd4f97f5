#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# kplugctl end to end, in the test VM (module loaded by suite.sh).  Prints
# TAP like the kselftest harness so scripts/check.sh counts each check.
TAP_PREFIX=cli
. /kplug/tests/tap.sh
P=/kplug/plugins
echo "TAP version 13"
echo "1..18"
check create_from_c        kplugctl create cli_demo $P/demo.c --budget-ms 500
check invoke_result        out_has '^42$' kplugctl invoke cli_demo add 40 2
check invoke_negative_arg  out_has '^4294967295$' kplugctl invoke cli_demo add -1 0
check invoke_buffers       sh -c "echo 'one two three' > /tmp/in && kplugctl invoke cli_demo words --in /tmp/in --out /tmp/out --out-size 64 && grep -q '3 words in 14 bytes' /tmp/out"
check fault_exit_code_3    expect_exit 3 kplugctl invoke cli_demo bad_pointer 16
check budget_exit_code_4   expect_exit 4 kplugctl invoke cli_demo spin 4000000000
check info_text            out_has 'last fault:  bad-access' kplugctl info cli_demo
check info_entries         out_has 'entries:     add bad_pointer cpu_calls fibonacci hello spin words' kplugctl info cli_demo
check info_json            out_has '"faults":1' kplugctl -j info cli_demo
check list_json            out_has '"name":"cli_demo"' kplugctl list -j
check name_clash           out_has 'Error: create: a plugin with that name exists' expect_exit 1 kplugctl create cli_demo $P/demo.c
check unknown_entry        out_has 'Error: invoke cli_demo nope' expect_exit 1 kplugctl invoke cli_demo nope
check usage_error          expect_exit 2 kplugctl invoke cli_demo
check bad_number           out_has "not a 32-bit number" expect_exit 2 kplugctl invoke cli_demo add 12abc
check build_then_load      sh -c "kplugctl build $P/demo.c -o /tmp/demo.kpi && kplugctl load cli_demo2 /tmp/demo.kpi && [ \"\$(kplugctl invoke cli_demo2 fibonacci 10)\" = 55 ]"
check compile_error_log    sh -c "printf 'u32 f(void)\n{\n\treturn x;\n}\n' > /tmp/bad.c; kplugctl create cli_bad /tmp/bad.c 2>&1 | grep -q 'bad.c:3:'"
check log_lines            sh -c "kplugctl invoke cli_demo hello 5 && kplugctl log cli_demo | grep -q 'hello 5 from kplugctl'"
check remove               sh -c "kplugctl remove cli_demo && kplugctl remove cli_demo2 && ! kplugctl info cli_demo 2>/dev/null"
exit $failed
