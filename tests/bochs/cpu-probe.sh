#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the test VM (as /kplug/run): report the CPU features and
# kernel settings the Bochs tier is there for.  Exit status non-zero if PTI
# or PCID is off, or kplug_limits=1 did not reach the environment.
#   tests/bochs/run.sh tests/bochs/cpu-probe.sh
rc=0
flags=$(sed -n 's/^flags[[:space:]]*: //p' /proc/cpuinfo | head -n1)
echo "probe: model: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
for f in pti pcid invpcid fsgsbase smep smap umip la57; do
	case " $flags " in
	*" $f "*) echo "probe: flag $f: yes" ;;
	*)        echo "probe: flag $f: no" ;;
	esac
done
for f in pti pcid; do
	case " $flags " in *" $f "*) ;; *) echo "probe: $f is off"; rc=1 ;; esac
done
dmesg | grep -E 'page tables isolation|PCID' | sed 's/^/probe: dmesg: /'
echo "probe: cmdline: $(cat /proc/cmdline)"
echo "probe: kplug_limits=${kplug_limits:-unset}"
[ "${kplug_limits:-}" = 1 ] || rc=1
grep -H . /sys/devices/system/cpu/vulnerabilities/meltdown 2>/dev/null | sed 's/^/probe: /'
exit $rc
