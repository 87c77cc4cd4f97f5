#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Versions and boot-time plugins (issue 14, items 3 and 6), in the VM:
# kplugctl version/feature against the loaded module, and kplugctl apply
# of a config directory, twice: the second run changes nothing, the
# attachments are there, and the netfilter one drops real packets.
TAP_PREFIX=apply
. /kplug/tests/tap.sh
# Not on the Bochs tier (kplug_limits=1): it is for what only segment
# limits decide, and hundreds of kplugctl runs would take minutes there.
if [ -n "${kplug_limits:-}" ]; then
	printf 'TAP version 13\n1..1\nok 1 %s # SKIP not on the Bochs tier\n' "$TAP_PREFIX"
	exit 0
fi
P=/kplug/plugins
C=/tmp/kplug-conf
PATH=/kplug/tests:$PATH

jis() {		# jis VALUE PATH command...: JSON output, VALUE at PATH
	jwant=$1 jpath=$2
	shift 2
	"$@" > /tmp/apply.json || return 1
	cat /tmp/apply.json
	[ "$(json_check "$jpath" < /tmp/apply.json)" = "$jwant" ]
}

nr_plugins() { kplugctl list | grep -c '^'; }

# nr_attached HOOK: how many plugins the hook has attached
nr_attached() {
	kplugctl hook list | sed -n "s/^$1  *attached \([0-9]*\) .*/\1/p"
}

# attached_one_more HOOK BEFORE: one attachment more than BEFORE (none: 0)
attached_one_more() {
	n=$(nr_attached "$1")
	echo "$1: ${2:-0} attached before, $n after"
	[ "$n" = $((${2:-0} + 1)) ]
}

mkdir -p $C/sub
cat > $C/10-net.conf <<CONF
# the hook demo, from source, relative to this file
plugin boot_net
source net_demo.c
budget-ms 50
attach netfilter:ipv4_local_in drop_udp
attach kprobe:getname count
CONF
cp $P/net_demo.c $C/
cat > $C/20-demo.conf <<CONF
plugin boot_demo   # a gcc image, no attachments
image $P/cc/demo-gcc-O2.kpi
CONF
echo "not a config" > $C/README		# only *.conf files count

ip link set lo up
# The atomic budget is CPU time measured with the clock, and under TCG on
# a loaded host a vCPU can stall for hundreds of ms inside the filter,
# which would suspend the attachment (provider_test does the same): 1 s.
budget=/sys/module/kplug/parameters/atomic_budget_us
old_budget=$(cat $budget)
echo 1000000 > $budget
echo "TAP version 13"
echo "1..20"
check version_text      out_has '^kplug.ko 1.0.0 (uapi 1)$' kplugctl version
check version_json      jis 1 module_uapi kplugctl -j version
check module_version    sh -c '[ "$(cat /sys/module/kplug/version)" = 1.0.0 ]'
check feature_text      out_has '^max_args  *6$' kplugctl feature
check feature_hooks     out_has '^hooks .*netfilter:ipv4_local_in' kplugctl feature
check feature_json      jis '"kprobe:"' hooks_on_demand kplugctl -j feature
before=$(nr_plugins)	# other tests may have left plugins or attachments
nf_before=$(nr_attached netfilter:ipv4_local_in)
kp_before=$(nr_attached kprobe:getname)
check apply_first       out_has 'boot_net: attached count to kprobe:getname' kplugctl apply $C
check apply_created     sh -c "kplugctl info boot_net && kplugctl info boot_demo && [ \$(kplugctl invoke boot_demo fibonacci 20) = 6765 ]"
check apply_budget      out_has 'budget: *50 ms' kplugctl info boot_net
check apply_twice       out_has 'boot_net: attached already: drop_udp to netfilter:ipv4_local_in' kplugctl apply $C
check apply_twice_json  jis '"kept"' 0.action kplugctl -j apply $C
after=$(nr_plugins)
check apply_no_dups     sh -c "echo plugins: $before before, $after after two applies; [ $((before + 2)) = $after ]"
check attached_once_nf  attached_one_more netfilter:ipv4_local_in "$nf_before"
check attached_once_kp  attached_one_more kprobe:getname "$kp_before"
check drops_packets     sh -c "kplugctl hook list | grep -A3 ipv4_local_in; udp_demo 7701 7702 20 > /tmp/apply.udp; cat /tmp/apply.udp; grep -q 'port 7701: sent 20, received 20' /tmp/apply.udp && grep -q 'port 7702: sent 20, received 0' /tmp/apply.udp && [ \$(kplugctl invoke boot_net stats 0) -ge 20 ]"
printf 'plugin boot_bad\nsource net_demo.c\nattach netfilter:ipv4_local_in\n' > $C/sub/bad.conf
check bad_config_exit_2 out_has "sub/bad.conf:3: attach wants 2 values" expect_exit 2 kplugctl apply $C/10-net.conf $C/sub
check bad_config_no_op  sh -c "! kplugctl info boot_bad"
printf 'plugin boot_nohook\nimage %s\nattach nohook:x add\n' $P/cc/demo-gcc-O0.kpi > $C/sub/bad.conf
check no_such_hook      out_has "sub/bad.conf:3: plugin boot_nohook: attach add to nohook:x: " expect_exit 1 kplugctl apply $C/sub

check detach_nf         kplugctl hook detach netfilter:ipv4_local_in boot_net:drop_udp
check detach_kp         kplugctl hook detach kprobe:getname boot_net:count
for p in boot_net boot_demo boot_nohook; do kplugctl remove $p > /dev/null; done
echo "$old_budget" > $budget
exit $failed
