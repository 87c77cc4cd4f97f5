# SPDX-License-Identifier: GPL-2.0
#
# kplug: one entry point.
#
#   make deps    install/fetch what is missing (Debian 12, root); idempotent
#   make         build kmod/kplug.ko, plugins, test programs
#   make run     the main job: boot the test VM, load the module, create,
#                invoke and remove the demo plugins
#   make check   host tests, then the VM suite on every CPU model of the CI
#                matrix; ends with "N passed, N failed"
#   make check-matrix  the same on the full platform matrix
#   make clean
#
# KDIR=/lib/modules/$(uname -r)/build builds the module for your own kernel
# instead of the cached Debian test kernel.

TOP    := $(CURDIR)
CACHE  := $(TOP)/build/cache
KDIR   ?= $(CACHE)/kernel/build
CC     ?= gcc
CFLAGS := -O2 -g -Wall -Wextra -Wno-sign-compare -Wno-unused-parameter

PLUGINS   := $(patsubst tests/plugins/%.asm,build/plugins/%.bin,$(wildcard tests/plugins/*.asm))
VM_TESTS  := build/tests/kplug_test build/tests/attack_test build/tests/limit_test
HOST_TESTS := build/host/desc_test build/host/image_test build/host/fault_test

# VM matrices: name:cpu:smp:kernel args (comma-separated).  CI runs
# VM_MATRIX (make check);
# make check-matrix runs the full platform matrix.
VM_MATRIX := amd-max-smp2:max:2: \
	     intel-skylake-pti:Skylake-Client-v4:2:pti=on \
	     smp1-preempt-full:max:1:preempt=full
VM_MATRIX_FULL := $(VM_MATRIX) \
	     amd-max-pti:max:2:pti=on \
	     intel-skylake-nopti:Skylake-Client-v4:2:nopti \
	     4level:max:2:no5lvl \
	     nofsgsbase:max:2:nofsgsbase \
	     smp4:max:4: \
	     preempt-none:max:2:preempt=none \
	     preempt-voluntary:max:2:preempt=voluntary \
	     smp1-preempt-none-pti:Skylake-Client-v4:1:preempt=none,pti=on

.PHONY: all deps module plugins vm-tests host-tests run check check-matrix clean

all: module plugins vm-tests build/tests/kplug_demo build/tests/kplug_bench

deps:
	@bash scripts/deps.sh

module:
	$(MAKE) -C $(KDIR) M=$(TOP)/kmod modules

build/plugins/%.bin: tests/plugins/%.asm
	@mkdir -p $(@D)
	nasm -f bin -o $@ $<

plugins: $(PLUGINS)

build/tests/%: tests/vm/%.c tests/vm/plugin_image.h uapi/kplug.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -static -I$(CACHE)/kselftest -o $@ $< -lpthread

build/tests/kplug_bench: bench/transfer.c tests/vm/plugin_image.h uapi/kplug.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -static -o $@ $<

vm-tests: $(VM_TESTS)

build/host/%_test: tests/host/%_test.c kmod/image.c kmod/image.h kmod/fault.c kmod/fault.h gdt/desc.h uapi/kplug.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -I$(CACHE)/kselftest -o $@ $< kmod/image.c kmod/fault.c

host-tests: $(HOST_TESTS)

run: deps all
	tests/vm/run.sh --name demo --icount --smp 1 tests/vm/demo.sh

check: deps all host-tests
	@bash scripts/check.sh $(HOST_TESTS) -- $(VM_MATRIX)

check-matrix: deps all host-tests
	@bash scripts/check.sh $(HOST_TESTS) -- $(VM_MATRIX_FULL)

clean:
	-$(MAKE) -C $(KDIR) M=$(TOP)/kmod clean
	rm -rf build/plugins build/tests build/host build/vm trampoline/layout.inc
