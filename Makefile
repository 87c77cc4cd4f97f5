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
#   make check-kernels the suite on each of the six Debian kernels kplug
#                supports (6.1 and 6.12; generic, rt, cloud)
#   make check-bochs   host tests, then only the Bochs tier (segment limits
#                enforced, PTI and PCID on; ~1.5 minutes); same summary line
#   make check-kaslr-tables  two KASLR boots of a CPU without UMIP: the
#                descriptor-table addresses a plugin reads do not change
#   make fuzz    the host fuzzers (tests/fuzz/: image validator, ELF
#                reader and linker, ar reader, source scanner), FUZZ_SECONDS
#                each (default 60); fails on any crash
#   make fuzz-vm the in-VM fuzzer (tests/vm/fuzz_vm.c: mutated images against
#                an oracle, invoked; bad-pointer ioctls), FUZZ_VM_SECONDS
#                (default 600); make check runs 10 s of it in every VM
#   make stress  churn stress in the VM (tests/vm/stress.c), STRESS_SECONDS
#                (default 600); make check runs 15 s of it in every VM
#   make bench   the benchmark suite in the VM (bench/run.sh); one table,
#                build/bench/results.json (docs/performance.md)
#   make clean
#
# KDIR=/lib/modules/$(uname -r)/build builds the module for your own kernel
# instead of the cached Debian test kernel.  KERNEL=6.12 (6.1-rt, 6.1-cloud,
# 6.12-rt, 6.12-cloud) picks another Debian test kernel, for make deps and
# the module build; the default, 6.1, lives in build/cache/kernel/.

TOP    := $(CURDIR)
CACHE  := $(TOP)/build/cache
KERNEL ?= 6.1
KCACHE := $(CACHE)/kernel$(if $(filter 6.1,$(KERNEL)),,-$(KERNEL))
KDIR   ?= $(KCACHE)/build
# Modules for the default kernel are built in place (kmod/, ...); for any
# other KERNEL in build/kmod-$(KERNEL)/, a tree of links to the sources
# (Kbuild writes its objects next to them), so both builds coexist.  The
# .ko files for that kernel are collected in build/kmod-$(KERNEL)/ko/
# (tests/vm/run.sh --kernel takes them from there).
ifeq ($(KERNEL),6.1)
MODTREE := $(TOP)
else
MODTREE := $(TOP)/build/kmod-$(KERNEL)
endif
MODSRCS := kmod gdt trampoline include uapi tests/kmod bench/kmod bench/work
CC     ?= gcc
CFLAGS := -O2 -g -Wall -Wextra -Wno-sign-compare -Wno-unused-parameter

PLUGINS   := $(patsubst tests/plugins/%.asm,build/plugins/%.bin,$(wildcard tests/plugins/*.asm)) \
	     $(patsubst tests/plugins/%.c,build/plugins/%.c,$(wildcard tests/plugins/*.c)) \
	     build/plugins/demo-gcc.kpi
VM_TESTS  := build/tests/kplug_test build/tests/attack_test build/tests/limit_test \
	     build/tests/lib_test build/tests/cli_test.sh build/tests/tap.sh build/tests/hook_test.sh \
	     build/tests/provider_test build/tests/host_state_test build/tests/dtables_test \
	     build/tests/vectors_test.sh build/tests/hostile_test build/tests/hostile32 \
	     build/tests/hold_sched_events build/tests/stress build/tests/stress_test.sh \
	     build/tests/fuzz_vm build/tests/fuzz_vm_test.sh build/tests/json_check \
	     build/tests/uhost_test
HOST_TESTS := build/host/desc_test build/host/image_test build/host/fault_test \
	      build/host/codegen_test build/host/cli_test build/host/symbols_test \
	      build/host/uhost_test

# VM matrices: name:cpu:smp:kernel args (comma-separated)[:test kernel,
# default 6.1]; cpu "bochs"
# boots Bochs' broadwell_ult instead of QEMU (segment limits enforced, PTI
# and PCID on).  CI runs VM_MATRIX (make check); make check-matrix runs the
# full platform matrix.
BOCHS_ENTRY := bochs-broadwell-pti-pcid:bochs:1:
VM_MATRIX := amd-max-smp2:max:2: \
	     k612-skylake-pti:Skylake-Client-v4:2:pti=on:6.12 \
	     intel-skylake-pti:Skylake-Client-v4:2:pti=on \
	     smp1-preempt-full:max:1:preempt=full \
	     $(BOCHS_ENTRY)
VM_MATRIX_FULL := $(VM_MATRIX) \
	     amd-max-pti:max:2:pti=on \
	     intel-skylake-nopti:Skylake-Client-v4:2:nopti \
	     4level:max:2:no5lvl \
	     nofsgsbase:max:2:nofsgsbase \
	     smp4:max:4: \
	     preempt-none:max:2:preempt=none \
	     preempt-voluntary:max:2:preempt=voluntary \
	     smp1-preempt-none-pti:Skylake-Client-v4:1:preempt=none,pti=on

.PHONY: all deps module plugins vm-tests host-tests run check check-matrix \
	libkplug tools install clean

all: module libkplug tools plugins vm-tests \
	build/tests/kplug_bench build/tests/kplug_run32 build/tests/udp_demo bench-build

include codegen/Makefile.inc
include tests/fuzz/Makefile.inc

# --- libkplug (LGPL-2.1): static and shared, symbols from libkplug.map ----
LIBKPLUG_VERSION := 1.0.0
LIBKPLUG_A  := build/libkplug/libkplug.a
LIBKPLUG_SO := build/libkplug/libkplug.so.1
UAPI_INC    := build/include/linux/kplug.h

$(UAPI_INC): uapi/kplug.h
	@mkdir -p $(@D)
	cp $< $@

# The user-space host (libkplug/uhost.c) shares the kernel's image
# validator and fault classifier (kmod/image.c, kmod/fault.c).
LIBKPLUG_OBJS := $(addprefix build/libkplug/,libkplug.o uhost.o uhost_switch.o image.o fault.o)
LIBKPLUG_HDRS := libkplug/libkplug.h libkplug/uhost.h codegen/codegen.h kmod/image.h \
		 kmod/fault.h $(UAPI_INC)

build/libkplug/%.o: libkplug/%.c $(LIBKPLUG_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -fPIC -fvisibility=hidden -Ibuild/include -c -o $@ $<

build/libkplug/%.o: kmod/%.c $(LIBKPLUG_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -fPIC -fvisibility=hidden -Ibuild/include -c -o $@ $<

build/libkplug/uhost_switch.o: libkplug/uhost_switch.S libkplug/uhost.h
	@mkdir -p $(@D)
	$(CC) -c -o $@ $<

# The static library is one relocatable object in which only the API
# (the names in libkplug.map) stays global: libtcc's globals (tcc_new,
# new_scope, ...) and codegen's would otherwise clash with, or be
# replaced by, a program's own symbols of the same names.
build/libkplug/libkplug.syms: libkplug/libkplug.map
	@mkdir -p $(@D)
	sed -n 's/^[[:space:]]*\(kplug_[a-z0-9_]*\);.*/\1/p' $< > $@

build/libkplug/libkplug-all.o: $(LIBKPLUG_OBJS) $(CODEGEN_OBJS) $(CACHE)/tcc/libtcc.o \
			       build/libkplug/libkplug.syms
	$(LD) -r -z noexecstack -o $@ $(LIBKPLUG_OBJS) $(CODEGEN_OBJS) $(CACHE)/tcc/libtcc.o
	objcopy --keep-global-symbols=build/libkplug/libkplug.syms $@

$(LIBKPLUG_A): build/libkplug/libkplug-all.o
	@rm -f $@
	$(AR) rcs $@ $^

$(LIBKPLUG_SO): $(LIBKPLUG_OBJS) $(CODEGEN_OBJS) $(CACHE)/tcc/libtcc.o libkplug/libkplug.map
	$(CC) -shared -o $@ -Wl,-soname,libkplug.so.1 \
		-Wl,--version-script=libkplug/libkplug.map \
		$(LIBKPLUG_OBJS) $(CODEGEN_OBJS) $(CACHE)/tcc/libtcc.o $(CODEGEN_LDLIBS)

libkplug: $(LIBKPLUG_A) $(LIBKPLUG_SO)

# kplugctl is static (the test VM has no libc) and position-independent:
# a program loaded at 0x400000 would take addresses a user plugin's
# sandbox (0x10000 up to 256 MiB) may need (kplugctl run).
KPLUGCTL_CFLAGS := -DKPLUGCTL_VERSION='"$(LIBKPLUG_VERSION)"' -Ibuild/include
build/tools/kplugctl: tools/kplugctl.c $(LIBKPLUG_A) libkplug/libkplug.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(KPLUGCTL_CFLAGS) -static-pie -fPIE -o $@ $< $(LIBKPLUG_A) $(CODEGEN_LDLIBS)

# The host tests' kplugctl: ASan and UBSan (dynamic: ASan has no static
# runtime); tests/host/cli_test runs it next to itself.
SAN_CFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
build/host/kplugctl: tools/kplugctl.c $(LIBKPLUG_A) libkplug/libkplug.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN_CFLAGS) $(KPLUGCTL_CFLAGS) -o $@ $< $(LIBKPLUG_A) $(CODEGEN_LDLIBS)

# A program with its own tcc_new, new_scope, ... linked with libkplug.a.
build/host/symbols_test: tests/host/symbols_test.c $(LIBKPLUG_A) libkplug/libkplug.h libkplug/libkplug.map
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Ibuild/include -I$(CACHE)/kselftest \
		-DLIBKPLUG_A='"$(TOP)/$(LIBKPLUG_A)"' -DLIBKPLUG_MAP='"$(TOP)/libkplug/libkplug.map"' \
		-o $@ $< $(LIBKPLUG_A) $(CODEGEN_LDLIBS)

build/host/cli_test: tests/host/cli_test.c tests/vm/json.h uapi/kplug.h build/host/kplugctl
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN_CFLAGS) -I$(CACHE)/kselftest -o $@ $<

tools: build/tools/kplugctl

# Three headers, three audiences: libkplug.h for programs that use the
# library, linux/kplug.h (the uapi) below it, and kplug.h for plugins, so
# that gcc -m32 -include kplug.h (docs/plugins.md) finds the SDK where
# plugins and kplugctl build expect it.  kplugctl and libkplug need no
# installed header: the SDK is built into them (codegen/blobs.S).
PREFIX ?= /usr/local
install: libkplug tools
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include/linux $(DESTDIR)$(PREFIX)/bin
	install -m 644 $(LIBKPLUG_A) $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(LIBKPLUG_SO) $(DESTDIR)$(PREFIX)/lib/
	ln -sf libkplug.so.1 $(DESTDIR)$(PREFIX)/lib/libkplug.so
	install -m 644 libkplug/libkplug.h $(DESTDIR)$(PREFIX)/include/libkplug.h
	install -m 644 codegen/sdk/kplug.h $(DESTDIR)$(PREFIX)/include/kplug.h
	install -m 644 uapi/kplug.h $(DESTDIR)$(PREFIX)/include/linux/kplug.h
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(LIBKPLUG_VERSION)|' \
		libkplug/kplug.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/kplug.pc
	install -m 755 build/tools/kplugctl $(DESTDIR)$(PREFIX)/bin/

deps:
	@KERNEL=$(KERNEL) bash scripts/deps.sh

# One Kbuild run (M=$(1), extra arguments $(2)), its output also kept in
# build/kbuild-$(KERNEL)-NAME.log: any warning in it, the compiler's,
# objtool's or modpost's, fails the build (kplug builds warning-free on
# every kernel it supports, and an objtool warning can mean a module
# without return sites or ORC).
define kbuild
	@mkdir -p $(TOP)/build
	+@log=$(TOP)/build/kbuild-$(KERNEL)-$(subst /,-,$(patsubst $(MODTREE)/%,%,$(1))).log; \
	$(MAKE) -C $(KDIR) M=$(1) $(2) modules > $$log 2>&1; rc=$$?; cat $$log; \
	[ $$rc = 0 ] || exit $$rc; \
	if grep -q 'warning:' $$log; then \
		echo "kplug: warnings in the build of $(1) (above, and in $$log)"; exit 1; fi
endef

# The sample hook caller (kmod/samples/) links against kplug's symbols;
# it goes to build/tests/ so the VM has it at /kplug/tests/.
module: modtree
	$(call kbuild,$(MODTREE)/kmod)
	$(call kbuild,$(MODTREE)/kmod/samples,KBUILD_EXTRA_SYMBOLS=$(MODTREE)/kmod/Module.symvers)
	$(call kbuild,$(MODTREE)/tests/kmod)
ifeq ($(MODTREE),$(TOP))
	@mkdir -p build/tests
	cp kmod/samples/kplug_sample.ko tests/kmod/kplug_ipi.ko build/tests/
else
	@mkdir -p $(MODTREE)/ko
	cp $(MODTREE)/kmod/kplug.ko $(MODTREE)/kmod/samples/kplug_sample.ko \
		$(MODTREE)/tests/kmod/kplug_ipi.ko $(MODTREE)/ko/
endif

# Only sources are linked: a link to an object or a generated file
# (asm-offsets.inc, *.mod.c) would have Kbuild write through it into the
# default kernel's build.
.PHONY: modtree
modtree:
ifneq ($(MODTREE),$(TOP))
	@cd $(TOP) && find $(MODSRCS) -type f \( -name '*.[ch]' -o -name '*.asm' \
		-o -name Kbuild \) ! -name '*.mod.c' | while read -r f; do \
		mkdir -p "$(MODTREE)/$${f%/*}" && ln -sfn "$(TOP)/$$f" "$(MODTREE)/$$f"; done
endif

build/plugins/%.bin: tests/plugins/%.asm
	@mkdir -p $(@D)
	nasm -f bin -o $@ $<

plugins: $(PLUGINS)

build/plugins/%.c: tests/plugins/%.c
	@mkdir -p $(@D)
	cp $< $@

build/tests/lib_test: tests/vm/lib_test.c $(LIBKPLUG_A) libkplug/libkplug.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -static -Ibuild/include -I$(CACHE)/kselftest -o $@ $< \
		$(LIBKPLUG_A) $(CODEGEN_LDLIBS)

# The user-space host's tests (tests/vm/uhost_test.c): in the VM, with the
# differential against the kernel; on the build machine, whatever its CPU
# allows (the plugins from build/plugins/).
UHOST_TEST_DEPS := tests/vm/uhost_test.c tests/vm/plugin_image.h $(LIBKPLUG_A) libkplug/libkplug.h

build/tests/uhost_test: $(UHOST_TEST_DEPS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -static-pie -fPIE -Ibuild/include -I$(CACHE)/kselftest -o $@ $< \
		$(LIBKPLUG_A) $(CODEGEN_LDLIBS)

build/host/uhost_test: $(UHOST_TEST_DEPS) plugins build/tools/kplugctl
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Ibuild/include -I$(CACHE)/kselftest -DPLUGINS='"$(TOP)/build/plugins/"' \
		-DKPLUGCTL='"$(TOP)/build/tools/kplugctl"' \
		-o $@ $< $(LIBKPLUG_A) $(CODEGEN_LDLIBS)

build/tests/provider_test: tests/vm/provider_test.c tests/vm/hook_util.h $(LIBKPLUG_A) libkplug/libkplug.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -static -Ibuild/include -I$(CACHE)/kselftest -o $@ $< \
		$(LIBKPLUG_A) $(CODEGEN_LDLIBS)

# The hostile-caller tier: its route code runs with FS possibly unusable
# for libc, so no stack protector (it reads %fs:0x28); hostile32 is its
# 32-bit (ia32) caller.
build/tests/hostile_test: tests/vm/hostile_test.c tests/vm/hook_util.h $(LIBKPLUG_A) libkplug/libkplug.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -fno-stack-protector -static -Ibuild/include -I$(CACHE)/kselftest \
		-o $@ $< $(LIBKPLUG_A) $(CODEGEN_LDLIBS)

build/tests/fuzz_vm: tests/vm/fuzz_vm.c tests/vm/hook_util.h $(LIBKPLUG_A) libkplug/libkplug.h uapi/kplug.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -static -Ibuild/include -o $@ $< $(LIBKPLUG_A) $(CODEGEN_LDLIBS)

build/tests/stress: tests/vm/stress.c tests/vm/hook_util.h $(LIBKPLUG_A) libkplug/libkplug.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -static -Ibuild/include -o $@ $< $(LIBKPLUG_A) $(CODEGEN_LDLIBS)

build/tests/hostile32: tests/vm/hostile32.c uapi/kplug.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -m32 -static -o $@ $<

build/tests/%.sh: tests/vm/%.sh
	@mkdir -p $(@D)
	install -m 755 $< $@

build/tests/json_check: tests/vm/json_check.c tests/vm/json.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -static -o $@ $<

build/tests/%: tests/vm/%.c tests/vm/plugin_image.h uapi/kplug.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -static -I$(CACHE)/kselftest -o $@ $< -lpthread

# The benchmark runner (bench/main.c): `make run`'s transfer lines, and
# the suite of `make bench` / `kplugctl bench`.
BENCH_SRCS := bench/main.c bench/util.c bench/transfer.c bench/kernel.c \
	      bench/ebpf.c bench/create.c bench/workload.c bench/scale.c
build/tests/kplug_bench: $(BENCH_SRCS) bench/bench.h bench/work/grey.c bench/work/filter.c \
			 tests/vm/plugin_image.h uapi/kplug.h $(LIBKPLUG_A)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -static -Ibuild/include -o $@ $(BENCH_SRCS) $(LIBKPLUG_A) \
		$(CODEGEN_LDLIBS) -lpthread

# The native baseline of the benchmark: a gcc image's entry run as plain
# 32-bit user code (static: the VM has no libc).
build/tests/kplug_run32: tests/host/codegen_run32.c uapi/kplug.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -m32 -static -o $@ $<

# The demo plugin built by gcc on the host (bring your own compiler).
build/plugins/demo-gcc.o: tests/plugins/demo.c codegen/sdk/kplug.h
	@mkdir -p $(@D)
	$(CC) -m32 -O2 -ffreestanding -fno-pic -fno-stack-protector -mno-sse \
		-mno-mmx -mno-80387 -fno-asynchronous-unwind-tables \
		-fcf-protection=none -include codegen/sdk/kplug.h -c -o $@ $<

build/plugins/demo-gcc.kpi: build/plugins/demo-gcc.o build/tools/kplugctl
	build/tools/kplugctl build $< -o $@ > /dev/null
	@rm -f $<

vm-tests: $(VM_TESTS)

build/host/%_test: tests/host/%_test.c kmod/image.c kmod/image.h kmod/fault.c kmod/fault.h gdt/desc.h uapi/kplug.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -I$(CACHE)/kselftest -o $@ $< kmod/image.c kmod/fault.c

host-tests: $(HOST_TESTS)

run: deps all
	tests/vm/run.sh --name demo --icount --smp 1 tests/vm/demo.sh

check: deps all host-tests kernel-6.12
	@bash scripts/check.sh $(HOST_TESTS) -- $(VM_MATRIX)

# A test kernel and kplug built for it (make kernel-6.12, kernel-6.1-rt,
# ...; modules in build/kmod-NAME/ko/, the default 6.1's in place).  Every
# kernel kplug supports has return thunks: objtool rewrites the module's
# returns through them and lists them in .return_sites.  If objtool gave
# up (on the world switch, say), the section is missing and 6.12 WARNs at
# the module's first return thunk: fail the build instead.
kernel-%:
	@KERNEL=$* bash scripts/deps.sh
	$(MAKE) module KERNEL=$*
	@ko=$(if $(filter 6.1,$*),kmod/kplug.ko,build/kmod-$*/ko/kplug.ko); \
	readelf -S $$ko | grep -q '\.return_sites' || \
		{ echo "$$ko has no .return_sites: objtool gave up on it"; exit 1; }

check-matrix: deps all host-tests kernel-6.12
	@bash scripts/check.sh $(HOST_TESTS) -- $(VM_MATRIX_FULL)

# The suite on every Debian kernel kplug supports, one Skylake VM with PTI
# and 2 CPUs each (README, "Kernels").
KERNELS := 6.1 6.1-rt 6.1-cloud 6.12 6.12-rt 6.12-cloud
KERNEL_MATRIX := $(foreach k,$(KERNELS),k$(subst .,,$(k))-skylake-pti:Skylake-Client-v4:2:pti=on:$(k))
.PHONY: check-kernels
check-kernels: deps all host-tests $(addprefix kernel-,$(KERNELS))
	@bash scripts/check.sh $(HOST_TESTS) -- $(KERNEL_MATRIX)

# Churn stress (tests/vm/stress.c) in a 2-vCPU VM for STRESS_SECONDS,
# then unload with plugins attached and load again.
STRESS_SECONDS ?= 600
.PHONY: stress
stress: deps all
	tests/vm/run.sh --name stress --timeout $$(($(STRESS_SECONDS) + 300)) \
		--append kplug_stress_seconds=$(STRESS_SECONDS) tests/vm/stress.sh

# The in-VM fuzzer (tests/vm/fuzz_vm.c) in a 2-vCPU VM for FUZZ_SECONDS.
.PHONY: fuzz-vm
fuzz-vm: deps all
	tests/vm/run.sh --name fuzz-vm --timeout $$(($(FUZZ_VM_SECONDS) + 300)) \
		--append kplug_fuzz_seconds=$(FUZZ_VM_SECONDS) tests/vm/fuzz_vm.sh
FUZZ_VM_SECONDS ?= 600

# Two boots of a no-UMIP model with KASLR: what SIDT/SGDT show a plugin
# must not change (tests/vm/kaslr_tables.sh; docs/security.md).
.PHONY: check-kaslr-tables
check-kaslr-tables: deps all
	@bash tests/vm/kaslr_tables.sh

# The Bochs tier (tests/bochs/run.sh): broadwell_ult, 1 CPU.
.PHONY: check-bochs
check-bochs: deps all host-tests
	@bash scripts/check.sh $(HOST_TESTS) -- $(BOCHS_ENTRY)

clean:
	-$(MAKE) -C $(KDIR) M=$(TOP)/kmod clean
	-$(MAKE) -C $(KDIR) M=$(TOP)/kmod/samples clean
	-$(MAKE) -C $(KDIR) M=$(TOP)/tests/kmod clean
	rm -rf build/plugins build/tests build/host build/vm build/bochs build/codegen \
		build/libkplug build/tools build/include build/kmod-* build/bench \
		trampoline/asm-offsets.s trampoline/asm-offsets.inc
	-$(MAKE) -C $(KDIR) M=$(TOP)/bench/kmod clean

# --- make bench (bench/, docs/performance.md) ----------------------------
# The bench module (hook "bench", /proc/kplug_bench) goes to build/tests/,
# the workload plugin's source and gcc image to build/plugins/bench/.
.PHONY: bench bench-build bench-module
BENCH_WORK := bench/work/grey.c bench/work/filter.c bench/work/plugin.c

bench-module: module
	$(MAKE) -C $(KDIR) M=$(MODTREE)/bench/kmod \
		KBUILD_EXTRA_SYMBOLS=$(MODTREE)/kmod/Module.symvers modules
ifeq ($(MODTREE),$(TOP))
	@mkdir -p build/tests
	cp bench/kmod/kplug_bench.ko build/tests/
else
	cp $(MODTREE)/bench/kmod/kplug_bench.ko $(MODTREE)/ko/
endif

# A plugin source has no #include: the three files, one after the other.
build/plugins/bench/work.c: $(BENCH_WORK)
	@mkdir -p $(@D)
	cat $^ > $@

build/plugins/bench/work-gcc.o: build/plugins/bench/work.c codegen/sdk/kplug.h
	$(CC) -m32 -O2 -ffreestanding -fno-pic -fno-stack-protector -mno-sse \
		-mno-mmx -mno-80387 -fno-asynchronous-unwind-tables \
		-fcf-protection=none -include codegen/sdk/kplug.h -c -o $@ $<

build/plugins/bench/work-gcc.kpi: build/plugins/bench/work-gcc.o build/tools/kplugctl
	build/tools/kplugctl build $< -o $@ > /dev/null
	@rm -f $<

# Host half of the creation benchmark (compile times on this machine).
build/bench/kplug_gen: bench/gen.c bench/util.c bench/bench.h $(LIBKPLUG_A)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Ibuild/include -o $@ bench/gen.c bench/util.c \
		$(LIBKPLUG_A) $(CODEGEN_LDLIBS)

# Real-CPU rows: the user-space host on this machine (bench/uhost.c).
build/bench/kplug_uhost_bench: bench/uhost.c bench/util.c bench/bench.h bench/work/grey.c \
			       bench/work/filter.c $(LIBKPLUG_A)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Ibuild/include -o $@ bench/uhost.c bench/util.c \
		$(LIBKPLUG_A) $(CODEGEN_LDLIBS)

bench-build: bench-module build/plugins/bench/work.c \
	build/plugins/bench/work-gcc.kpi build/bench/kplug_gen build/bench/kplug_uhost_bench

bench: deps all
	@bash bench/run.sh
