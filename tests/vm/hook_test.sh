#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Hook points end to end, in the test VM (kplug.ko loaded by suite.sh):
# the sample module's hook "sample" (kmod/samples/kplug_sample.c), C
# plugins attached with kplugctl, /proc/kplug_sample to call it.  TAP like
# the kselftest harness.  Loads and unloads kplug_sample.ko itself.
TAP_PREFIX=hook
. /kplug/tests/tap.sh
PATH=/kplug/tests:$PATH
call() {	# call A B WANT: write "A B", read the result back
	echo "$1 $2" > /proc/kplug_sample || return 1
	got=$(cat /proc/kplug_sample)
	echo "call $1 $2 -> $got (want $3)"
	[ "$got" = "$3" ]
}
load_loop() {	# write to the hook until /tmp/hook.stop exists
	while [ ! -e /tmp/hook.stop ]; do
		echo "2 3" > /proc/kplug_sample
	done
}
detach_under_load() {
	rm -f /tmp/hook.stop
	load_loop &
	pid=$!
	i=0
	while [ $i -lt 20 ]; do
		kplugctl hook attach sample hk:add > /dev/null || break
		kplugctl hook detach sample hk:add > /dev/null || break
		i=$((i + 1))
	done
	touch /tmp/hook.stop
	wait $pid
	[ $i = 20 ] && call 2 3 0
}
irqs_off_missed() {	# interrupts off: nothing runs, the call is missed
	call "irqsoff 3" 4 0 &&
		out_has '"name":"sample".*"missed":1}' kplugctl -j hook list
}
att() {		# att PLUGIN:ENTRY KEY: KEY of that attachment in
	kplugctl -j hook show sample > /tmp/hook.json || return 1	# hook show
	i=0
	while p=$(json_check "$i.plugin" < /tmp/hook.json 2>/dev/null); do
		e=$(json_check "$i.entry" < /tmp/hook.json)
		if [ "$p:$e" = "\"${1%%:*}\":\"${1#*:}\"" ]; then
			json_check "$i.$2" < /tmp/hook.json
			return
		fi
		i=$((i + 1))
	done
	echo "# no attachment $1 in:"; cat /tmp/hook.json
	return 1
}
att_is() {	# att_is PLUGIN:ENTRY KEY VALUE
	got=$(att "$1" "$2") || return 1
	echo "$1 $2: $got (want $3)"
	[ "$got" = "$3" ]
}
show_attachments() {	# both, in attach order, counted separately
	kplugctl -j hook show sample | tee /tmp/show.json &&
		[ "$(json_check 0.entry < /tmp/show.json)" = '"add"' ] &&
		[ "$(json_check 1.entry < /tmp/show.json)" = '"mul"' ] &&
		! json_check 2 < /tmp/show.json 2>/dev/null &&
		att_is hk:add calls 2 && att_is hk:mul calls 0 &&
		att_is hk:add suspended false &&
		out_has '^[0-9]* *sample *hk:mul$' kplugctl hook show sample
}
atomic_overrun() {	# a runaway in atomic context: stopped, then suspended
	hk detach add && hk detach mul && hk attach spin &&
		call "atomic 1" 1 0 && call "atomic 1" 1 0 &&
		out_has '"timeouts":1,' kplugctl -j info hk &&
		out_has '"name":"sample".*"suspended":1,' kplugctl -j hook list &&
		att_is hk:spin suspended true && att_is hk:spin overruns 1 &&
		att_is hk:spin calls 1 && att hk:spin suspended_ms &&
		out_has 'suspended [0-9.]* s ago' kplugctl hook show &&
		hk detach spin && hk attach add && hk attach mul
}
process_overrun() {	# the plugin's own budget (100 ms); never suspended
	hk detach add && hk detach mul && hk attach spin &&
		call 1 1 0 && call 1 1 0 &&
		out_has '"timeouts":3,' kplugctl -j info hk &&
		out_has '"name":"sample".*"suspended":0,' kplugctl -j hook list &&
		hk detach spin && hk attach add && hk attach mul
}
hk() {		# hk attach|detach ENTRY: one kplugctl hook change
	kplugctl hook "$1" sample "hk:$2"
}
order_after_detach() {	# mul then add: mul's non-zero result wins
	hk detach add && hk attach add && call 3 4 12 && call 0 5 5
}
fault_gives_default() {
	hk detach mul && hk detach add && hk attach bad &&
		call 16 4 0 && call 16 4 0 &&
		att_is hk:bad faults 2 && att_is hk:bad calls 2
}
after_fault_works() {
	hk attach add && call 16 4 20
}
detach_all() {
	hk detach bad && hk detach add && call 3 4 0
}
detach_by_id() {	# the id from hook show; the JSON says what went
	hk attach mul && id=$(att hk:mul id) &&
		kplugctl -j hook detach "$id" | tee /tmp/det.json &&
		[ "$(json_check entry < /tmp/det.json)" = '"mul"' ] &&
		[ "$(json_check id < /tmp/det.json)" = "$id" ] &&
		call 3 5 0 &&
		out_has "hook detach $id: no such attachment" expect_exit 1 kplugctl hook detach "$id"
}
detach_plugin_from_hook() {	# HOOK PLUGIN: every entry of it there
	hk attach add && hk attach mul &&
		kplugctl -j hook detach sample hk | tee /tmp/det.json &&
		[ "$(json_check 1.entry < /tmp/det.json)" = '"mul"' ] &&
		[ "$(kplugctl -j hook show sample)" = "[]" ] &&
		out_has 'hook detach sample hk: not attached' expect_exit 1 kplugctl hook detach sample hk
}
remove_while_attached() {	# removing detaches it, logged
	hk attach mul && call 3 5 15 && kplugctl remove hk && call 3 5 0 &&
		! kplugctl info hk 2>/dev/null &&
		[ "$(kplugctl -j hook show sample)" = "[]" ] &&
		dmesg | grep -q 'kplug: plugin removed: detached hk:mul from sample (attachment [0-9]*, 1 calls)'
}
rmmod_with_attached() {
	rmmod kplug_sample && ! [ -e /proc/kplug_sample ] &&
		! kplugctl hook list | grep -q sample
}
rmmod_logs() {	# unloading kplug.ko says what it destroyed; loads it again
	kplugctl create hk.left /tmp/hk.c &&
		kplugctl hook attach netfilter:ipv4_pre_routing hk.left:zero &&
		rmmod kplug &&
		dmesg | grep -q 'kplug: unloading: detached hk.left:zero from netfilter:ipv4_pre_routing' &&
		dmesg | grep -q 'kplug: unloading: removed plugin hk.left (id [0-9]*, 0 calls)'
	rc=$?
	insmod /kplug/kplug.ko && return $rc
}
cat > /tmp/hk.c <<'PLUGIN'
u32 zero(u32 a, u32 b)
{
	return 0;
}

u32 add(u32 a, u32 b)
{
	return a + b;
}

u32 mul(u32 a, u32 b)
{
	return a * b;
}

u32 bad(u32 a, u32 b)
{
	return *(volatile u32 *)a;
}

u32 spin(u32 a, u32 b)
{
	for (;;)
		;
	return 0;
}
PLUGIN

echo "TAP version 13"
echo "1..31"
check insmod_sample       insmod /kplug/tests/kplug_sample.ko
check list_json           out_has '"name":"sample","context":"a write to /proc/kplug_sample: process, or BH off (atomic)".*"attached":0' kplugctl hook list -j
check nothing_attached    call 3 4 0
check create_plugin       kplugctl create hk /tmp/hk.c --budget-ms 100
check attach              kplugctl hook attach sample hk:add
check one_plugin          call 3 4 7
check attach_second       kplugctl hook attach sample hk:mul
check first_nonzero_wins  call 3 4 7
check show_attachments    show_attachments
check atomic_context      call "atomic 3" 4 7
check irqs_off_missed     irqs_off_missed
check irqs_off_hook_refused out_has '^Error: hook attach sample_irqs_off hk:add: the hook is called with interrupts off' expect_exit 1 kplugctl hook attach sample_irqs_off hk:add
check atomic_overrun      atomic_overrun
check process_overrun     process_overrun
check list_attached       out_has '"name":"sample".*"attached":2' kplugctl -j hook list
check order_after_detach  order_after_detach
check fault_gives_default fault_gives_default
check fault_counted       out_has '"faults":2' kplugctl -j info hk
check after_fault_works   after_fault_works
check unknown_hook        out_has '^Error: hook attach nope hk:add: no such hook' expect_exit 1 kplugctl hook attach nope hk:add
check unknown_entry       out_has '^Error: hook attach sample hk:nope' expect_exit 1 kplugctl hook attach sample hk:nope
check attached_twice      out_has '^Error: hook attach sample hk:add: attached already' expect_exit 1 kplugctl hook attach sample hk:add
check detach_not_attached out_has '^Error: hook detach sample hk:mul' expect_exit 1 kplugctl hook detach sample hk:mul
check usage_error         out_has '^Error: hook attach wants PLUGIN:ENTRY' expect_exit 2 kplugctl hook attach sample hk
check detach_all          detach_all
check detach_under_load   detach_under_load
check detach_by_id        detach_by_id
check detach_plugin_from_hook detach_plugin_from_hook
check remove_while_attached remove_while_attached
check rmmod_with_attached rmmod_with_attached
check rmmod_logs          rmmod_logs
exit $failed
