// SPDX-License-Identifier: GPL-2.0
/*
 * The host side of the world switch (docs/security.md, invariant 10):
 * state the calling task or the kernel brings in, which every exit from a
 * plugin must give back intact and which must not reach the plugin.  Root
 * runs these (perf breakpoints on kernel addresses need it);
 * tests/vm/hostile_test.c does what an unprivileged caller can.
 *
 * Layer, per test: "restore" (kplug_restore_host puts back what
 * kplug_world_switch saved, on every exit), "fence" (state run.c switches
 * around a stretch), "stub" (how kplug's IDT stubs classify a frame).
 */
#define _GNU_SOURCE
#include <asm/ldt.h>
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>

#include "ksyms.h"
#include "plugin_image.h"
#include "kselftest_harness.h"

static const char *names[] = { "add", "gate_at_end", "badptr", "spin", "vm86" };
enum { ADD, GATE_AT_END, BADPTR, SPIN, VM86, NR_PLUGINS };

FIXTURE(host) {
	int fd;
	__u32 id[NR_PLUGINS];
};

FIXTURE_SETUP(host)
{
	char name[32], file[32];
	int i;

	self->fd = open("/dev/kplug", O_RDWR);
	ASSERT_LE(0, self->fd);
	for (i = 0; i < NR_PLUGINS; i++) {
		snprintf(name, sizeof(name), "hs_%s.%d", names[i], getpid());
		snprintf(file, sizeof(file), "%s.bin", names[i]);
		ASSERT_EQ(0, load_plugin(self->fd, name, file, &self->id[i]))
			TH_LOG("loading %s", file);
	}
}

FIXTURE_TEARDOWN(host)
{
	int i;

	for (i = 0; i < NR_PLUGINS; i++)
		remove_plugin(self->fd, self->id[i]);
	close(self->fd);
}

static int call1(FIXTURE_DATA(host) *self, int p, __u32 a0, __u32 *r,
		 struct kplug_fault *f)
{
	__u32 args[2] = { a0, 1 };

	memset(f, 0, sizeof(*f));
	return invoke(self->fd, self->id[p], 2, args, r, f);
}

/* LDT entry 0: a flat 32-bit data segment; its selector, RPL 3. */
#define LDT_SEL	((0 << 3) | 4 | 3)

static int ldt_install(void)
{
	struct user_desc d = {
		.entry_number = 0, .base_addr = 0, .limit = 0xfffff,
		.seg_32bit = 1, .limit_in_pages = 1, .useable = 1,
	};

	return syscall(SYS_modify_ldt, 1, &d, sizeof(d));
}

static sigjmp_buf segv_jmp;

static void on_segv(int sig)
{
	siglongjmp(segv_jmp, 1);
}

/* Does the CPU still have our LDT?  Loading its selector faults if LDTR
 * was left null.  Returns 1 if the load worked.  GS, not FS: loading FS
 * would take glibc's TLS base away. */
static int ldt_usable(void)
{
	struct sigaction sa = { .sa_handler = on_segv }, old;
	int ok = 0;

	sigaction(SIGSEGV, &sa, &old);
	if (!sigsetjmp(segv_jmp, 1)) {
		asm volatile("mov %0, %%gs" : : "r"(LDT_SEL));
		ok = 1;
	}
	asm volatile("mov %0, %%gs" : : "r"(0));
	sigaction(SIGSEGV, &old, NULL);
	return ok;
}

static unsigned short read_es(void)
{
	unsigned short s;

	asm volatile("mov %%es, %0" : "=r"(s));
	return s;
}

/*
 * Layer: restore.  The task has an LDT and an LDT selector in ES (x86-64
 * keeps it across system calls).  Every way a call ends (the exit gate, a
 * fault, the budget, the refusal to resume past the CS limit, which once
 * left LDTR null) gives the task its LDT and ES back.  With PTI the
 * host's LDT is only mapped in the host's page table: reloading ES before
 * CR3 oopsed.
 */
TEST_F(host, ldt_and_selectors_survive_every_exit)
{
	struct kplug_invoke_args spin = { .id = self->id[SPIN], .nargs = 1,
					  .args = { 2000000000 }, .budget_ms = 20 };
	struct kplug_fault f;
	__u32 r;

	ASSERT_EQ(0, ldt_install());
	asm volatile("mov %0, %%es" : : "r"(LDT_SEL));
	ASSERT_EQ(LDT_SEL, read_es());

	EXPECT_EQ(0, call1(self, ADD, 40, &r, &f));
	EXPECT_EQ(41, r);
	EXPECT_EQ(LDT_SEL, read_es());
	EXPECT_TRUE(ldt_usable());

	EXPECT_EQ(-EIO, call1(self, GATE_AT_END, 0, &r, &f));
	EXPECT_EQ(KPLUG_FAULT_LIMIT, f.kind);
	EXPECT_EQ(LDT_SEL, read_es());
	EXPECT_TRUE(ldt_usable());

	EXPECT_EQ(-EIO, call1(self, BADPTR, 0x10, &r, &f));
	EXPECT_EQ(LDT_SEL, read_es());
	EXPECT_TRUE(ldt_usable());

	EXPECT_EQ(-1, ioctl(self->fd, KPLUG_IOC_INVOKE, &spin));
	EXPECT_EQ(ETIME, errno);
	EXPECT_EQ(LDT_SEL, read_es());
	EXPECT_TRUE(ldt_usable());
	asm volatile("mov %0, %%es" : : "r"(0));
}

/*
 * Layer: restore.  An LDT selector in GS whose entry the task then makes
 * not-present (Linux reloads DS/ES after modify_ldt, never FS/GS): the
 * saved selector can no longer be loaded, and the restore must load null
 * instead of taking a #NP in ring 0.
 */
TEST_F(host, unloadable_selector_in_gs)
{
	struct user_desc d = {
		.entry_number = 0, .limit = 0xfffff, .seg_32bit = 1,
		.limit_in_pages = 1, .seg_not_present = 1, .useable = 1,
	};
	unsigned short gs;
	struct kplug_fault f;
	__u32 r;

	ASSERT_EQ(0, ldt_install());
	asm volatile("mov %0, %%gs" : : "r"(LDT_SEL));
	ASSERT_EQ(0, syscall(SYS_modify_ldt, 1, &d, sizeof(d)));
	EXPECT_EQ(0, call1(self, ADD, 1, &r, &f));
	EXPECT_EQ(2, r);
	asm volatile("mov %%gs, %0" : "=r"(gs));
	EXPECT_EQ(0, gs & ~3) TH_LOG("gs %#x: an unloadable selector survived", gs);
}

/* A hardware breakpoint on kernel address addr for this task. */
static int breakpoint(uint64_t addr, int type, int len)
{
	struct perf_event_attr a = {
		.type = PERF_TYPE_BREAKPOINT, .size = sizeof(a),
		.bp_type = type, .bp_addr = addr, .bp_len = len,
		.sample_period = 1, .exclude_user = 1, .exclude_hv = 1,
	};

	return syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
}

static uint64_t count(int fd)
{
	uint64_t n = ~0ull;

	if (read(fd, &n, sizeof(n)) != sizeof(n))
		return ~0ull;
	return n;
}

/*
 * Layer: fence, and the kprobe blacklist.  Hardware breakpoints (perf,
 * root) on the world switch.  Taken in its ring-0 windows, a #DB would find
 * half-switched state (kplug once handed it to Linux's handler with
 * kplug's GDT and returned into the switch, which wedged the CPU).  Linux
 * refuses execute breakpoints in kprobe-blacklisted code, where the switch
 * lives; data it reads there (x86_verw_sel, read by VERW on MDS-affected
 * CPUs) can still be watched: run.c disarms DR7 around the switch.  A
 * breakpoint on kplug_sandbox_slot_put(), which runs after the switch in
 * every call, fires once per call: they were armed, and re-armed after
 * the switch.
 */
TEST_F(host, perf_breakpoints_on_the_switch)
{
	/* the switch's three entry points, then two addresses outside it */
	static const char *const sym[] = {
		"kplug_world_switch", "kplug_restore_host", "kplug_exit_plugin",
		"kplug_sandbox_slot_put", "x86_verw_sel",
	};
	uint64_t addr[5];
	int after_fd, verw_fd, i, calls = 50;
	struct kplug_fault f;
	__u32 r;

	ASSERT_EQ(5, ksyms(sym, addr, 5))
		TH_LOG("a symbol above is not in /proc/kallsyms");
	after_fd = breakpoint(addr[3], HW_BREAKPOINT_X, sizeof(long));
	if (after_fd < 0)
		SKIP(return, "perf breakpoints unavailable: %s", strerror(errno));
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(-1, breakpoint(addr[i], HW_BREAKPOINT_X, sizeof(long)))
			TH_LOG("%s: execute breakpoint accepted", sym[i]);
		EXPECT_EQ(EINVAL, errno);
	}
	verw_fd = breakpoint(addr[4], HW_BREAKPOINT_RW, 2);
	ASSERT_LE(0, verw_fd) TH_LOG("x86_verw_sel: %s", strerror(errno));

	for (i = 0; i < calls; i++) {
		ASSERT_EQ(0, call1(self, ADD, i, &r, &f));
		ASSERT_EQ(i + 1, r);
	}
	EXPECT_EQ(-EIO, call1(self, BADPTR, 0x10, &r, &f));
	EXPECT_EQ(calls + 1, count(after_fd));
	/* Linux's own VERWs (each return to user space on these CPUs). */
	TH_LOG("x86_verw_sel read %llu times outside kplug's windows",
	       (unsigned long long)count(verw_fd));
	close(after_fd);
	close(verw_fd);
}

/*
 * Layer: stub.  QEMU TCG lets a ring-1 IRETD enter virtual-8086 mode
 * (hardware and Bochs raise #GP); the next exception or interrupt then
 * comes with CS 0 in its frame.  kplug's stubs take every frame without
 * the kernel's CS for the plugin's: a fault, never an oops.
 */
TEST_F(host, virtual_8086_frame_is_the_plugins)
{
	struct kplug_fault f;
	__u32 r;
	int i;

	for (i = 0; i < 3; i++) {
		EXPECT_EQ(-EIO, call1(self, VM86, 0, &r, &f));
		TH_LOG("vm86: vector %u error %#x eip %#x kind %u", f.vector,
		       f.error_code, f.eip, f.kind);
	}
	EXPECT_EQ(0, call1(self, ADD, 1, &r, &f));
	EXPECT_EQ(2, r);
}

TEST_HARNESS_MAIN
