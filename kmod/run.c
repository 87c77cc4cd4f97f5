// SPDX-License-Identifier: GPL-2.0
/*
 * The run loop: KVM's vcpu-run pattern for a ring-1 plugin (run_loop()).
 *
 *   loop:  irqs off; entry_check(): budget, fatal signal, plugin registers
 *          switch_to_plugin(): fences on, kplug_world_switch() runs the
 *            plugin until it exits, fences off; CPU time accounted
 *          exit_irqoff(): Linux gets the exit's interrupt, NMI or machine
 *            check and those kept pending; irqs on
 *          handle_exit(), one handler per exit reason:
 *            exit gate         -> done, result in EAX
 *            service call      -> served, resume
 *            interrupt, NMI    -> reschedule if needed, resume
 *            exception         -> fault record, abort
 *
 * The invoking task stays on its CPU (pin()) because the plugin's stack
 * slot and kplug's GDT are per CPU, but it stays preemptible: between
 * stretches of plugin execution it may be scheduled out, and another
 * invocation on this CPU then takes another stack slot.
 *
 * Two kinds of caller (docs/hooks.md, "Contexts"):
 *   process  task, preemptible: reschedules between stretches, stops on a
 *            fatal signal; budget budget_ms (or the call's own)
 *   atomic   softirq, or preemption/BH disabled, interrupts on: never
 *            reschedules; interrupts still reach Linux (the plugin runs
 *            with IF=1), and each one is a budget check, so a runaway
 *            stops at most one timer tick after atomic_budget_us
 * Interrupts off, hardirq and NMI callers are refused: with no interrupt
 * to end a stretch nothing could bound the plugin's CPU time.
 */
#include <linux/cpu.h>
#include <linux/math64.h>
#include <linux/moduleparam.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <asm/debugreg.h>
#include <asm/desc.h>
#include <asm/pkru.h>
#include <asm/fsgsbase.h>
#include <asm/mce.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>
#include <asm/traps.h>
#include <asm/tsc.h>

#include "compat.h"
#include "internal.h"
#include "fault.h"
#include "../trampoline/world_switch.h"

static unsigned int budget_ms = 1000;
module_param(budget_ms, uint, 0644);
MODULE_PARM_DESC(budget_ms, "default CPU time of an invocation, in ms (default 1000)");
static unsigned int max_budget_ms = 60000;
module_param(max_budget_ms, uint, 0644);
MODULE_PARM_DESC(max_budget_ms, "ceiling on any invocation's CPU time, in ms (default 60000)");
static unsigned int atomic_budget_us = 1000;
module_param(atomic_budget_us, uint, 0644);
MODULE_PARM_DESC(atomic_budget_us, "ceiling on an invocation's CPU time in atomic context (softirq, preemption off), in us (default 1000)");

void kplug_run_budgets(u32 *budget, u32 *max_budget, u32 *atomic_us)
{
	*budget = READ_ONCE(budget_ms);
	*max_budget = READ_ONCE(max_budget_ms);
	*atomic_us = READ_ONCE(atomic_budget_us);
}

/*
 * Speculation barriers on every exit from a plugin.  Ring 1 is supervisor
 * mode to the branch predictors (eIBRS and AutoIBRS separate user from
 * supervisor, not CPL 1 from CPL 0), so Linux's own user->kernel barriers
 * are not enough: "auto" takes those Linux applies on this CPU (AMD's
 * return untraining, the branch-history clearing loop) and adds IBPB
 * wherever the CPU has it and mitigations are on.  The return stack is
 * refilled on every exit regardless.  docs/security.md; make bench shows
 * what each costs.
 */
static const struct {
	const char *name;
	u8 bit;
} spec_names[] = {
	{ "ibpb", KPLUG_SPEC_IBPB },
	{ "untrain_ret", KPLUG_SPEC_UNTRAIN },
	{ "srso_alias", KPLUG_SPEC_UNTRAIN_ALIAS },
	{ "bhb", KPLUG_SPEC_BHB },
};
static u8 exit_spec;
static bool exit_spec_auto = true;

static u8 exit_spec_auto_bits(void)
{
	u8 bits = 0;

	if (cpu_mitigations_off())
		return 0;
	if (boot_cpu_has(X86_FEATURE_IBPB))
		bits |= KPLUG_SPEC_IBPB;
	if (boot_cpu_has(X86_FEATURE_SRSO_ALIAS))
		bits |= KPLUG_SPEC_UNTRAIN_ALIAS;
	else if (boot_cpu_has(X86_FEATURE_UNRET))
		bits |= KPLUG_SPEC_UNTRAIN;
	if (boot_cpu_has(X86_FEATURE_CLEAR_BHB_LOOP))
		bits |= KPLUG_SPEC_BHB;
	return bits;
}

/* "auto", "none" or a comma-separated list of spec_names. */
static int exit_spec_set(const char *val, const struct kernel_param *kp)
{
	char buf[64], *s, *tok;
	u8 bits = 0;
	int i;

	if (strscpy(buf, val, sizeof(buf)) < 0)
		return -EINVAL;
	s = strim(buf);
	if (!strcmp(s, "auto")) {
		WRITE_ONCE(exit_spec, exit_spec_auto_bits());
		exit_spec_auto = true;
		return 0;
	}
	if (strcmp(s, "none")) {
		while ((tok = strsep(&s, ","))) {
			for (i = 0; i < ARRAY_SIZE(spec_names); i++)
				if (!strcmp(tok, spec_names[i].name))
					break;
			if (i == ARRAY_SIZE(spec_names))
				return -EINVAL;
			bits |= spec_names[i].bit;
		}
	}
	/* IBPB is an MSR write: #GP on a CPU without it. */
	if ((bits & KPLUG_SPEC_IBPB) && !boot_cpu_has(X86_FEATURE_IBPB)) {
		pr_warn("exit_mitigations: this CPU has no IBPB\n");
		return -EOPNOTSUPP;
	}
	WRITE_ONCE(exit_spec, bits);
	exit_spec_auto = false;
	return 0;
}

static int exit_spec_get(char *buf, const struct kernel_param *kp)
{
	u8 bits = READ_ONCE(exit_spec);
	int i, n;

	n = sysfs_emit(buf, "%s", exit_spec_auto ? "auto:" : "");
	for (i = 0; i < ARRAY_SIZE(spec_names); i++)
		if (bits & spec_names[i].bit)
			n += sysfs_emit_at(buf, n, "%s,", spec_names[i].name);
	if (!bits)
		n += sysfs_emit_at(buf, n, "none,");
	buf[n - 1] = '\n';
	return n;
}

static const struct kernel_param_ops exit_spec_ops = {
	.set = exit_spec_set,
	.get = exit_spec_get,
};
module_param_cb(exit_mitigations, &exit_spec_ops, NULL, 0644);
MODULE_PARM_DESC(exit_mitigations, "speculation barriers on every exit from a plugin: auto (default), none, or a list of ibpb,untrain_ret,srso_alias,bhb");

/* The budget of one call: its own, else the plugin's, else the module's;
 * capped by max_budget_ms, and by atomic_budget_us for atomic callers. */
static u64 budget_ns(struct kplug_plugin *p, u32 call_ms, bool atomic)
{
	u32 ms = call_ms ?: p->budget_ms ?: READ_ONCE(budget_ms);
	u64 ns = (u64)min(ms, READ_ONCE(max_budget_ms)) * NSEC_PER_MSEC;

	if (atomic)
		ns = min_t(u64, ns, (u64)READ_ONCE(atomic_budget_us) * NSEC_PER_USEC);
	return ns;
}

/*
 * The clock of budgets: the TSC, converted from and to ns once per
 * invocation at tsc_khz (a stretch starts and ends on one CPU with
 * interrupts off, so TSCs of different CPUs are never compared); without
 * a TSC, local_clock().  One RDTSC against local_clock()'s ~40
 * instructions of bookkeeping, twice per stretch.  On the rare CPU whose
 * TSC rate follows the core clock (no constant_tsc flag), budgets stretch
 * and shrink with it.
 */
static bool budget_tsc;

static u64 budget_clock(u32 khz)
{
	return khz ? rdtsc() : local_clock();
}

/* tsc_khz for this invocation's clock, or 0 for local_clock(). */
static u32 budget_clock_khz(void)
{
	return budget_tsc ? READ_ONCE(tsc_khz) : 0;
}

/*
 * May a plugin run here, and may it be rescheduled?  See the top.  A task
 * in an RCU read-side section must not sleep, and PREEMPT_RCU does not
 * count that in preempt_count; without CONFIG_PREEMPT_COUNT nothing tells
 * whether preemption is off, so every such caller is taken as atomic.
 */
int kplug_run_context(bool *atomic)
{
	if (irqs_disabled() || in_hardirq() || in_nmi())
		return -EPERM;
	*atomic = !(IS_ENABLED(CONFIG_PREEMPT_COUNT) && in_task() &&
		    preemptible() && !rcu_preempt_depth());
	return 0;
}

#define KPLUG_PCID		0x7f0	/* not one of Linux's (1..6, 0x801..) */
#define RFLAGS_PLUGIN		(X86_EFLAGS_IF | X86_EFLAGS_FIXED) /* IOPL 0 */
#define RFLAGS_PLUGIN_MASK	(X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF | \
				 X86_EFLAGS_ZF | X86_EFLAGS_SF | X86_EFLAGS_TF | \
				 X86_EFLAGS_DF | X86_EFLAGS_OF | X86_EFLAGS_NT | \
				 X86_EFLAGS_RF | X86_EFLAGS_AC | X86_EFLAGS_ID)

/*
 * Host state that is not the world switch's own but that the plugin must
 * not see or use, changed around each stretch by switch_to_plugin().
 */
struct fences {
	u64 s_cet;
	unsigned long dr7;
	u32 pkru;
	u16 io_bitmap_base;
};

/* The native instructions, not paravirt's indirect calls (main.c refuses
 * Xen PV, the one paravirt guest with other MSR accessors). */
static u64 msr_read(u32 msr)
{
	u32 lo, hi;

	native_rdmsr(msr, lo, hi);
	return (u64)hi << 32 | lo;
}

/*
 * SYSCALL (EFER.SCE clear) and SYSENTER (SYSENTER_CS zero) from ring 1
 * must raise #UD/#GP instead of reaching Linux's entry code with the
 * plugin's GS base.  The fence goes up before an invocation's stretch and
 * stays up while the invocation cannot be preempted: between its
 * stretches only interrupts run on this CPU, and they execute neither
 * instruction (two WRMSRs each way per invocation, not per stretch).  It
 * comes down at the end, before a sleep, and after every stretch once the
 * invocation is preemptible (pinned by migrate_disable(): a task that had
 * to sleep, PREEMPT_RT), since another task's SYSRET would then #UD.  An
 * invocation nested between another's stretches (a softirq) finds it up
 * (RDMSR does not serialise) and leaves it to that one.  Not later: a
 * variant lowered on the return to user space measured 8 serialising
 * instructions per round trip instead of 12, but kernel code that reads
 * these MSRs and keeps the value (KVM's host EFER at module load, its
 * host SYSENTER_CS at vCPU creation) would have seen the fenced one
 * (docs/performance.md).  EFER goes back by read-modify-write: bits an
 * IPI set in between (SVME) stay.
 */
struct syscall_fence {
	bool sce;		/* this invocation cleared EFER.SCE */
	u64 sysenter_cs;	/* the value it zeroed, or 0 */
};

/* Interrupts off, before each stretch. */
static void syscall_fence_up(struct syscall_fence *f)
{
	u64 efer = msr_read(MSR_EFER);
	u64 cs = msr_read(MSR_IA32_SYSENTER_CS);

	if (efer & EFER_SCE) {
		f->sce = true;
		native_wrmsrl(MSR_EFER, efer & ~EFER_SCE);
	}
	if (cs) {
		f->sysenter_cs = cs;
		native_wrmsrl(MSR_IA32_SYSENTER_CS, 0);
	}
}

static void syscall_fence_down(struct syscall_fence *f)
{
	unsigned long flags;

	if (!f->sce && !f->sysenter_cs)
		return;
	local_irq_save(flags);	/* the read-modify-write against IPIs */
	if (f->sce)
		native_wrmsrl(MSR_EFER, msr_read(MSR_EFER) | EFER_SCE);
	if (f->sysenter_cs)
		native_wrmsrl(MSR_IA32_SYSENTER_CS, f->sysenter_cs);
	local_irq_restore(flags);
	f->sce = false;
	f->sysenter_cs = 0;
}

static void fences_on(struct fences *f, struct tss_struct *tss)
{
	/* The calling task's (ptrace) and the kernel's (perf) breakpoints:
	 * armed, they would fire on the plugin's code and data (a hook that
	 * faults fails open) or in kplug's ring-0 windows, whose state no
	 * host #DB handler may see.  KVM disarms them around VM entry too. */
	f->dr7 = local_db_save();	/* Linux's own, as its NMI entry uses */
	/* A task's ioperm() bitmap must not open ports to the plugin. */
	f->io_bitmap_base = tss->x86_tss.io_bitmap_base;
	tss->x86_tss.io_bitmap_base = IO_BITMAP_OFFSET_INVALID;
	/* PKRU: WRPKRU works at any CPL; the task's keys must survive. */
	if (cpu_feature_enabled(X86_FEATURE_OSPKE))
		f->pkru = rdpkru();
	/* Kernel IBT: S_CET.ENDBR_EN governs CPL 0-2, ring 1 included, and
	 * the plugin's indirect calls and jumps land on no ENDBR32 (tcc emits
	 * none): they would raise #CP.  Off for the stretch, as Linux does
	 * around EFI runtime calls.  What runs in ring 0 meanwhile is the
	 * world switch and, through it, Linux's NMI and #MC handlers. */
	if (cpu_feature_enabled(X86_FEATURE_IBT)) {
		f->s_cet = msr_read(MSR_IA32_S_CET);
		if (f->s_cet & CET_ENDBR_EN)
			native_wrmsrl(MSR_IA32_S_CET, f->s_cet & ~CET_ENDBR_EN);
	}
}

static void fences_off(struct fences *f, struct tss_struct *tss)
{
	if (cpu_feature_enabled(X86_FEATURE_IBT) && (f->s_cet & CET_ENDBR_EN))
		native_wrmsrl(MSR_IA32_S_CET, f->s_cet);
	if (cpu_feature_enabled(X86_FEATURE_OSPKE) && rdpkru() != f->pkru)
		wrpkru(f->pkru);
	tss->x86_tss.io_bitmap_base = f->io_bitmap_base;
	local_db_restore(f->dr7);	/* the syscall fence: kplug_run() */
}

/* Fill in the fault record of an exception taken in ring 1. */
static void fault_record(struct kplug_sandbox *sb, struct kplug_ctx *ctx,
			 u32 vector, struct kplug_fault *fault)
{
	struct kplug_stack_layout stacks = {
		.base = sb->stacks_base, .end = sb->end,
		.slot_span = PAGE_SIZE + sb->stack_size, .guard = PAGE_SIZE,
	};
	u8 insn[KPLUG_INSN_MAX];
	unsigned int n;

	fault->vector = vector;
	fault->error_code = ctx->regs.error_code;
	fault->eip = ctx->regs.rip;
	fault->cr2 = vector == X86_TRAP_PF ? ctx->cr2 : 0;
	/* The instruction bytes, from the plugin's code (read-only). */
	for (n = 0; n < sizeof(insn) && fault->eip + n < sb->code_end; n++) {
		u8 *b = kplug_sandbox_kaddr(sb, fault->eip + n);

		if (!b)
			break;
		insn[n] = *b;
	}
	fault->kind = kplug_fault_classify(vector, fault->error_code, fault->cr2,
					   insn, n, &stacks);
}

/*
 * What kplug_world_switch() needs besides the host state it saves, and the
 * plugin's registers at its entry point.  Nothing else of ctx is read
 * before the switch writes it.
 */
static void ctx_init(struct kplug_ctx *ctx, struct kplug_plugin *p,
		     struct tss_struct *tss, u32 eip, u32 esp)
{
	u64 cr3 = p->sb.pgd_pa;

	/* Without NOFLUSH: one PCID for every sandbox, and with PTI it caches
	 * kernel translations (non-global) that Linux never shoots down
	 * there, so it is flushed on each entry.  The host's is not. */
	if (boot_cpu_has(X86_FEATURE_PCID))
		cr3 |= KPLUG_PCID;
	ctx->host_cr3_noflush = boot_cpu_has(X86_FEATURE_PCID) ?
				X86_CR3_PCID_NOFLUSH : 0;
	/* The plugin's registers at its entry point (the switch loads the
	 * low halves of these, nothing else; the rest of regs is written by
	 * the exits). */
	ctx->regs.rax = 0;
	ctx->regs.rbx = 0;
	ctx->regs.rcx = 0;
	ctx->regs.rdx = 0;
	ctx->regs.rsi = 0;
	ctx->regs.rdi = 0;
	ctx->regs.rbp = 0;
	ctx->regs.rip = eip;
	ctx->regs.rsp = esp;
	ctx->regs.rflags = RFLAGS_PLUGIN;
	ctx->plugin_cr3 = cr3;
	ctx->tss_sp0 = (unsigned long)&tss->x86_tss.sp0;
	ctx->clear_cpu_buffers = cpu_feature_enabled(X86_FEATURE_CLEAR_CPU_BUF);
	ctx->exit_spec = READ_ONCE(exit_spec);
	ctx->fsgsbase = cpu_feature_enabled(X86_FEATURE_FSGSBASE);
	ctx->ring0_pending = 0;
	kplug_idt_dtr(&ctx->kplug_idtr);
}

/*
 * One stretch of plugin execution on this CPU, interrupts off: the fences,
 * the plugin's GDT, the world switch and back.  Every piece of host state
 * changed here or in kplug_world_switch() is put back before this returns,
 * whatever the exit.
 */
static unsigned long switch_to_plugin(struct kplug_ctx *ctx,
				      struct kplug_sandbox *sb, int cpu)
{
	struct tss_struct *tss = this_cpu_ptr(&cpu_tss_rw);
	struct fences f;
	unsigned long reason;

	kplug_gdt_load_plugin(cpu, sb->code_desc, sb->data_desc,
			      &ctx->plugin_gdtr);
	WRITE_ONCE(kplug_running[cpu], ctx);
	fences_on(&f, tss);
	reason = kplug_world_switch(ctx);
	fences_off(&f, tss);
	return reason;
}

/*
 * A machine check taken in kplug's code or the plugin's, after the switch
 * back (KVM's kvm_machine_check() pattern: Linux's handler called
 * directly, on this stack).  The frame says kernel mode: the plugin's
 * memory is kernel memory, and an uncorrected error there is handled as
 * one in the kernel.  A kernel built without MCE support (Debian's 6.1
 * cloud flavour) leaves CR4.MCE clear, so the CPU shuts down instead of
 * raising #MC and this is never reached.
 */
static void machine_check(u64 ip, u64 flags, u64 sp)
{
	struct pt_regs regs = {
		.ip = ip, .cs = __KERNEL_CS, .flags = flags, .sp = sp,
		.ss = __KERNEL_DS,
	};

	if (IS_ENABLED(CONFIG_X86_MCE))
		do_machine_check(&regs);
	else
		panic("kplug: machine check at %pS without MCE support\n",
		      (void *)ip);
}

/*
 * An exception in kplug's own ring-0 code: the world switch restored the
 * host and left, the plugin's own exit (if any) still to be handled (see
 * world_switch.asm).  A machine check goes to Linux's handler; anything
 * else is a kplug bug, reported with the CPU's frame.
 */
static void ring0_fault_report(struct kplug_ctx *ctx)
{
	struct kplug_ring0_fault *r = &ctx->ring0;

	if (r->vector == X86_TRAP_MC) {
		machine_check(r->rip, r->rflags, r->rsp);
		return;
	}
	WARN(1, "kplug: exception %llu (error code %#llx, cr2 %#llx) in the world switch at %pS (rsp %#llx, rflags %#llx); invocation aborted\n",
	     r->vector, r->error_code, r->cr2, (void *)r->rip, r->rsp,
	     r->rflags);
}

/*
 * An entry's cdecl call as the plugin's stack holds it (uapi/kplug.h,
 * "Calling convention"): the return address, which leads to the runtime
 * page's exit stub, then the arguments.
 */
struct entry_frame {
	u32 ret;
	u32 args[KPLUG_MAX_ARGS];
	u32 in, in_len, out, out_len;
};

/* A stack slot: its top, and the kernel address of its top page. */
struct slot {
	u32 top;
	u8 *page;
};

/* The kernel address of [addr, addr + len) if it lies in the slot's top
 * page (a call's frame, small buffers: no page-table walk), else NULL. */
static void *slot_ptr(const struct slot *s, u32 addr, u32 len)
{
	if (addr < s->top - PAGE_SIZE || len > s->top - addr)
		return NULL;
	return s->page + (addr & ~PAGE_MASK);
}

/* Copy into the slot (src NULL: zeroes). */
static int slot_write(struct kplug_sandbox *sb, const struct slot *s,
		      u32 addr, const void *src, u32 len)
{
	u8 *k = slot_ptr(s, addr, len);

	if (!k)
		return kplug_sandbox_write(sb, addr, src, len);
	if (src)
		memcpy(k, src, len);
	else
		memset(k, 0, len);
	return 0;
}

static void frame_fill(struct entry_frame *f, const struct kplug_call *call,
		       u32 in, u32 out)
{
	f->ret = KPLUG_RUNTIME_BASE;
	memcpy(f->args, call->args, sizeof(f->args));
	f->in = in;
	f->in_len = call->in_len;
	f->out = out;
	f->out_len = call->out_len;
}

/* A frame below the slot's top page (big buffers): through the tables. */
static noinline int frame_write(struct kplug_sandbox *sb, u32 esp,
				const struct kplug_call *call, u32 in, u32 out)
{
	struct entry_frame frame;

	frame_fill(&frame, call, in, out);
	return kplug_sandbox_write(sb, esp, &frame, sizeof(frame));
}

/*
 * Write an entry call into this invocation's stack slot, from the top
 * down: the in buffer, the (zeroed) out buffer, then the frame, written
 * in place where it fits in the slot's top page.  Returns ESP and where
 * out is.
 */
static int frame_build(struct kplug_sandbox *sb, int cpu, int n,
		       const struct kplug_call *call, u32 *out_addr, u32 *esp)
{
	struct slot s = {
		.top = kplug_sandbox_stack_top(sb, cpu, n),
		.page = sb->stack_page[cpu * sb->nr_slots + n],
	};
	u32 addr = s.top, in = 0, out = 0;
	struct entry_frame *f;
	int err;

	if (call->in_len) {
		addr = round_down(addr - call->in_len, 16);
		in = addr;
		err = slot_write(sb, &s, addr, call->in, call->in_len);
		if (err)
			return err;
	}
	if (call->out_len) {
		addr = round_down(addr - call->out_len, 16);
		out = addr;
		err = slot_write(sb, &s, addr, NULL, call->out_len);
		if (err)
			return err;
	}
	*out_addr = out;
	/*
	 * 64 bytes below the buffers hold the frame, placed so that ESP + 4
	 * (its first argument) is 16-byte aligned, as the i386 ABI expects
	 * at a call.
	 */
	*esp = round_down(addr - 64, 16) + 16 - offsetof(struct entry_frame, args);
	f = slot_ptr(&s, *esp, sizeof(*f));
	if (!f)
		return frame_write(sb, *esp, call, in, out);
	frame_fill(f, call, in, out);
	return 0;
}

/* One invocation, pinned to its CPU: what the loop and its handlers share. */
struct run {
	struct kplug_plugin *p;
	struct kplug_call *call;
	u32 *result;
	struct kplug_fault *fault;
	bool atomic;		/* the caller's kplug_run_context() */
	bool migrate;		/* pinned by migrate_disable(), not by
				 * preempt_disable() (kplug_run()) */
	int cpu;
	u32 khz;		/* budget_clock_khz() */
	u64 budget, used;	/* CPU time, plugin and services, in
				 * budget_clock() units */
	struct syscall_fence syscall_fence;
	struct kplug_ctx *ctx;
};

/*
 * Before each entry, interrupts off: 0 to enter, with ctx.regs made fit
 * for ring 1, or why the invocation stops.  Nothing here changes host
 * state, so stopping needs no restore.
 */
static int entry_check(struct run *r)
{
	struct kplug_regs *regs = &r->ctx->regs;

	if (WARN_ON_ONCE(raw_smp_processor_id() != r->cpu))
		return -EFAULT;
	if (r->used >= r->budget)
		return -ETIME;
	/* In atomic context current is whoever was interrupted. */
	if (!r->atomic && fatal_signal_pending(current))
		return -EINTR;
	/* The switch enters by POPFQ and a far return: TF would single-step
	 * in ring 0.  A plugin that set TF is stopped by the #DB of its next
	 * instruction anyway (only an interrupt comes in between): stop it
	 * with that #DB here. */
	if (regs->rflags & X86_EFLAGS_TF) {
		regs->error_code = 0;
		fault_record(&r->p->sb, r->ctx, X86_TRAP_DB, r->fault);
		return -EIO;
	}
	/* A far return to an EIP past the CS limit would fault in ring 0 (a
	 * gate's return address can be code_end): stop here. */
	if (regs->rip >= r->p->sb.code_end) {
		r->fault->kind = KPLUG_FAULT_LIMIT;
		r->fault->vector = X86_TRAP_GP;
		r->fault->eip = regs->rip;
		return -EIO;
	}
	regs->rflags = (regs->rflags & RFLAGS_PLUGIN_MASK) | RFLAGS_PLUGIN;
	return 0;
}

/*
 * After each exit, interrupts still off (KVM's handle_exit_irqoff): the one
 * place host events reach Linux.  The exit's own interrupt, NMI or machine
 * check; an exception in kplug's ring-0 code; the interrupts and NMIs that
 * arrived in kplug's ring-0 windows.  And DR6, which a #DB leaves set.
 */
static void exit_irqoff(struct run *r, unsigned long reason)
{
	struct kplug_ctx *ctx = r->ctx;
	u8 vector;

	if (reason == X86_TRAP_NMI)
		kplug_call_host_handler((unsigned long)kplug_host_nmi_entry);
	else if (reason == X86_TRAP_MC)
		machine_check(ctx->regs.rip, ctx->regs.rflags, ctx->regs.rsp);
	else if (reason == X86_TRAP_DB)
		set_debugreg(DR6_RESERVED, 6);
	else if (reason >= FIRST_EXTERNAL_VECTOR && reason <= 255)
		kplug_call_host_handler(kplug_host_handler[reason]);
	if (unlikely(ctx->ring0_pending))
		ring0_fault_report(ctx);

	vector = READ_ONCE(kplug_irq_pending[r->cpu]);
	if (vector) {
		WRITE_ONCE(kplug_irq_pending[r->cpu], 0);
		kplug_call_host_handler(kplug_host_handler[vector]);
	}
	if (READ_ONCE(kplug_nmi_pending[r->cpu])) {
		WRITE_ONCE(kplug_nmi_pending[r->cpu], 0);
		kplug_call_host_handler((unsigned long)kplug_host_nmi_entry);
	}
}

/*
 * The exit handlers, interrupts on.  Each returns > 0 to resume the
 * plugin, 0 when the invocation is done, < 0 to end it with that error.
 */

/* The entry returned (through the runtime page's exit stub). */
static int exit_gate(struct run *r)
{
	*r->result = r->ctx->regs.rax;
	return 0;
}

/*
 * A service call: resume the plugin after its far call, with the result in
 * EDX:EAX.  The service's time counts against the budget: a plugin must
 * not outrun it by living in service calls.
 */
static int exit_service(struct run *r)
{
	u64 t0 = budget_clock(r->khz);
	int err = kplug_service(r->p, r->call, &r->ctx->regs, r->fault);

	r->used += budget_clock(r->khz) - t0;
	return err ?: 1;
}

/* An exception in ring 1: the plugin faulted. */
static int exit_exception(struct run *r, unsigned long vector)
{
	fault_record(&r->p->sb, r->ctx, vector, r->fault);
	return -EIO;
}

static int handle_exit(struct run *r, unsigned long reason)
{
	switch (reason) {
	case KPLUG_EXIT_GATE:
		return exit_gate(r);
	case KPLUG_EXIT_SERVICE:
		return exit_service(r);
	case KPLUG_EXIT_RING0:		/* the plugin did not run */
		return -EFAULT;
	case X86_TRAP_NMI:		/* Linux had it (exit_irqoff) */
		return 1;
	}
	/* a #MC in a stub's first instructions can overwrite it (.asm) */
	if (WARN_ON_ONCE(reason > 255))
		return -EFAULT;
	if (reason >= FIRST_EXTERNAL_VECTOR)	/* Linux had it */
		return 1;
	return exit_exception(r, reason);
}

/*
 * The stack slot, kplug's GDT, TSS.RSP0 and kplug_running are this CPU's:
 * an invocation is pinned here from the slot choice to the end.  It starts
 * with preemption off, the cheap way (2 instructions against
 * migrate_disable()'s 40), which changes nothing while the plugin runs:
 * the run loop's reschedule is its only preemption point.  A task caller
 * that must sleep there, or wait for a slot, goes over to
 * migrate_disable() first and stays preemptible until the end.  An atomic
 * caller is never preempted, so that it never holds one of the CPU's two
 * atomic slots while scheduled out.  On PREEMPT_RT, where softirqs and
 * BH-off sections are preemptible and take sleeping locks (the services'
 * too), every caller is only kept on its CPU.
 */
static void pin(struct run *r)
{
	r->migrate = IS_ENABLED(CONFIG_PREEMPT_RT);
	if (r->migrate)
		migrate_disable();
	else
		preempt_disable();
	r->cpu = raw_smp_processor_id();
}

static void pin_preemptible(struct run *r)
{
	if (r->migrate)
		return;
	migrate_disable();	/* before preemption is on: same CPU */
	r->migrate = true;
	preempt_enable();	/* may reschedule already */
}

static void unpin(struct run *r)
{
	if (r->migrate)
		migrate_enable();
	else
		preempt_enable();
}

/* Enter the plugin, exit, hand over, handle; until a handler says stop. */
static int run_loop(struct run *r)
{
	unsigned long reason;
	u64 t0;
	int ret;

	for (;;) {
		local_irq_disable();
		ret = entry_check(r);
		if (ret) {
			local_irq_enable();
			return ret;
		}
		syscall_fence_up(&r->syscall_fence);
		t0 = budget_clock(r->khz);
		reason = switch_to_plugin(r->ctx, &r->p->sb, r->cpu);
		r->used += budget_clock(r->khz) - t0;
		exit_irqoff(r, reason);
		/* Preemptible from here once pinned by migrate_disable(): no
		 * other task may run with the fence up (its SYSRET would #UD). */
		if (r->migrate)
			syscall_fence_down(&r->syscall_fence);
		local_irq_enable();

		/* kplug's own ring-0 exception ends it, whatever the exit */
		ret = unlikely(r->ctx->ring0_pending) ? -EFAULT :
		      handle_exit(r, reason);
		if (ret <= 0)
			return ret;
		/* Not cond_resched(): with preempt=full it does nothing, and
		 * an interrupt we handed over could not preempt us either
		 * (its frame had IF=0).  Reschedule here, like KVM's run loop. */
		if (!r->atomic && need_resched()) {
			syscall_fence_down(&r->syscall_fence);
			pin_preemptible(r);
			if (need_resched())
				schedule();
		}
	}
}

int kplug_run(struct kplug_plugin *p, struct kplug_call *call, u32 *result,
	      struct kplug_fault *fault)
{
	/* 1 KiB that INIT_STACK_ALL_ZERO would clear on every call, and that
	 * nothing reads before ctx_init() or the switch writes it. */
	struct kplug_ctx ctx __no_stack_init;
	struct run r = {
		.p = p, .call = call, .result = result, .fault = fault,
		.ctx = &ctx,
		.atomic = call->atomic,
		.khz = budget_clock_khz(),
	};
	struct kplug_sandbox *sb = &p->sb;
	u32 esp, out_addr;
	int slot, ret;

	pin(&r);
	r.budget = budget_ns(p, call->budget_ms, call->atomic);
	if (r.khz)
		r.budget = mul_u64_u32_div(r.budget, r.khz, USEC_PER_SEC);
	slot = kplug_sandbox_slot_try(sb, r.cpu, r.atomic);
	if (slot == -EBUSY && !r.atomic) {
		pin_preemptible(&r);
		slot = kplug_sandbox_slot_wait(sb, r.cpu);
	}
	if (slot < 0) {
		ret = slot;
		goto out_unpin;
	}

	ret = frame_build(sb, r.cpu, slot, call, &out_addr, &esp);
	if (ret)
		goto out;
	ctx_init(&ctx, p, this_cpu_ptr(&cpu_tss_rw),
		 KPLUG_TEXT_BASE + p->entry_offset[call->entry], esp);

	ret = run_loop(&r);
	syscall_fence_down(&r.syscall_fence);
	if (!ret && call->out_len)
		ret = kplug_sandbox_read(sb, out_addr, call->out, call->out_len);
out:
	kplug_sandbox_slot_put(sb, r.cpu, slot);
out_unpin:
	unpin(&r);
	call->used_ns = r.khz ? mul_u64_u32_div(r.used, USEC_PER_SEC, r.khz) :
			 r.used;
	return ret;
}

int kplug_run_init(void)
{
	budget_tsc = boot_cpu_has(X86_FEATURE_TSC);
	if (exit_spec_auto)
		exit_spec = exit_spec_auto_bits();
	return kplug_switch_init();
}

void kplug_run_exit(void)
{
	kplug_switch_exit();
}
