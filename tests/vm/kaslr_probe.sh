#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the VM for tests/vm/kaslr_tables.sh: the descriptor-table
# addresses a plugin reads on every CPU (dtables_test prints them), and two
# witnesses that this boot's layout was randomised: where the kernel text
# and kplug's module landed.
rc=0
case " $(cat /proc/cmdline) " in *" nokaslr "*) echo "kaslr: off on the command line"; exit 1 ;; esac
insmod /kplug/kplug.ko || { echo "kaslr: insmod kplug.ko failed"; exit 1; }
/kplug/tests/dtables_test || rc=1
text=$(grep -m1 ' T _text$' /proc/kallsyms | cut -d' ' -f1)
mod=$(awk '$1 == "kplug" { print $6 }' /proc/modules)
echo "kaslr: text $text kplug $mod"
rmmod kplug || rc=1
exit $rc
