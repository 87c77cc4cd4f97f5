#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Layer: image validation, the run loop and the ioctl boundary under
# random input.  A short run of the in-VM fuzzer (tests/vm/fuzz_vm.c;
# make fuzz-vm runs it for minutes), as a TAP test of the VM suite.
echo "TAP version 13"
echo "1..1"
if fuzz_vm 10; then
	echo "ok 1 fuzz_vm.mutants_and_bad_pointers_10s"
else
	echo "not ok 1 fuzz_vm.mutants_and_bad_pointers_10s"
	exit 1
fi
