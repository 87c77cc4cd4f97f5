#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Layer: everything at once.  A short run of the churn stress
# (tests/vm/stress.c; make stress runs it for minutes), as a TAP test of
# the VM suite (kplug.ko is loaded).
echo "TAP version 13"
echo "1..1"
if stress 15; then
	echo "ok 1 stress.churn_15s"
else
	echo "not ok 1 stress.churn_15s"
	exit 1
fi
