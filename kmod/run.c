// SPDX-License-Identifier: GPL-2.0
/*
 * The run loop: KVM's vcpu-run pattern for a ring-1 plugin.
 *
 *   loop:  irqs off; check budget and fatal signals; fences on
 *          kplug_world_switch()           -> runs the plugin until it exits
 *          fences off; account CPU time
 *          exit gate   -> done, result in EAX
 *          interrupt   -> hand it to Linux's handler, reschedule if needed,
 *                         resume the plugin
 *          NMI         -> hand it to Linux's NMI entry, resume
 *          exception   -> fault record, abort
 *
 * The invoking task stays on its CPU (migrate_disable) because the
 * plugin's stack slot and kplug's GDT are per CPU, but it stays
 * preemptible: between stretches of plugin execution it may be scheduled
 * out, and another invocation on this CPU then takes another stack slot.
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
#include <linux/moduleparam.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/sched/signal.h>
#include <asm/debugreg.h>
#include <asm/desc.h>
#include <asm/pkru.h>
#include <asm/fsgsbase.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>
#include <asm/traps.h>

#include "kplug.h"
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

/* Linux's NMI entry for use on a kernel stack (exported for KVM). */
void asm_exc_nmi_noist(void);

#define KPLUG_PCID		0x7f0	/* not one of Linux's (1..6, 0x801..) */
#define RFLAGS_PLUGIN_MASK	(X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF | \
				 X86_EFLAGS_ZF | X86_EFLAGS_SF | X86_EFLAGS_TF | \
				 X86_EFLAGS_DF | X86_EFLAGS_OF | X86_EFLAGS_NT | \
				 X86_EFLAGS_RF | X86_EFLAGS_AC | X86_EFLAGS_ID)

/* The NASM side reads these offsets from world_switch.h. */
static_assert(offsetof(struct kplug_regs, r15) == KPLUG_REGS_R15);
static_assert(offsetof(struct kplug_regs, rbp) == KPLUG_REGS_RBP);
static_assert(offsetof(struct kplug_regs, rdi) == KPLUG_REGS_RDI);
static_assert(offsetof(struct kplug_regs, rax) == KPLUG_REGS_RAX);
static_assert(offsetof(struct kplug_regs, vector) == KPLUG_REGS_VECTOR);
static_assert(offsetof(struct kplug_regs, error_code) == KPLUG_REGS_ERROR);
static_assert(offsetof(struct kplug_regs, rip) == KPLUG_REGS_RIP);
static_assert(offsetof(struct kplug_regs, cs) == KPLUG_REGS_CS);
static_assert(offsetof(struct kplug_regs, rflags) == KPLUG_REGS_RFLAGS);
static_assert(offsetof(struct kplug_regs, rsp) == KPLUG_REGS_RSP);
static_assert(offsetof(struct kplug_regs, ss) == KPLUG_REGS_SS);
static_assert(sizeof(struct kplug_regs) == KPLUG_REGS_SIZE);
static_assert(offsetof(struct kplug_ctx, regs) == KPLUG_CTX_REGS);
static_assert(offsetof(struct kplug_ctx, host_rsp) == KPLUG_CTX_HOST_RSP);
static_assert(offsetof(struct kplug_ctx, host_cr3) == KPLUG_CTX_HOST_CR3);
static_assert(offsetof(struct kplug_ctx, plugin_cr3) == KPLUG_CTX_PLUGIN_CR3);
static_assert(offsetof(struct kplug_ctx, host_fs_base) == KPLUG_CTX_HOST_FS_BASE);
static_assert(offsetof(struct kplug_ctx, host_gs_base) == KPLUG_CTX_HOST_GS_BASE);
static_assert(offsetof(struct kplug_ctx, tss_sp0) == KPLUG_CTX_TSS_SP0);
static_assert(offsetof(struct kplug_ctx, host_sp0) == KPLUG_CTX_HOST_SP0);
static_assert(offsetof(struct kplug_ctx, cr2) == KPLUG_CTX_CR2);
static_assert(offsetof(struct kplug_ctx, host_ds) == KPLUG_CTX_HOST_DS);
static_assert(offsetof(struct kplug_ctx, host_es) == KPLUG_CTX_HOST_ES);
static_assert(offsetof(struct kplug_ctx, host_fs) == KPLUG_CTX_HOST_FS);
static_assert(offsetof(struct kplug_ctx, host_gs) == KPLUG_CTX_HOST_GS);
static_assert(offsetof(struct kplug_ctx, host_gdtr) == KPLUG_CTX_HOST_GDTR);
static_assert(offsetof(struct kplug_ctx, plugin_gdtr) == KPLUG_CTX_PLUGIN_GDTR);
static_assert(offsetof(struct kplug_ctx, host_idtr) == KPLUG_CTX_HOST_IDTR);
static_assert(offsetof(struct kplug_ctx, kplug_idtr) == KPLUG_CTX_KPLUG_IDTR);
static_assert(offsetof(struct kplug_ctx, host_ldt) == KPLUG_CTX_HOST_LDT);
static_assert(offsetof(struct kplug_ctx, clear_cpu_buffers) == KPLUG_CTX_CLEAR_BUFS);
static_assert(offsetof(struct kplug_dtr, limit) == KPLUG_DTR_LIMIT);
static_assert(sizeof(struct kplug_ctx) == KPLUG_CTX_SIZE);
/* TSS.RSP0 = &ctx->regs + 1 must be 16-byte aligned, as the CPU aligns
 * interrupt frames: then gate and interrupt frames line up. */
static_assert((KPLUG_CTX_REGS + KPLUG_REGS_SIZE) % 16 == 0);

/* Host state the fences change, restored after each stretch. */
struct fences {
	u64 efer, sysenter_cs;
	u32 pkru;
	u16 io_bitmap_base;
};

static void fences_on(struct fences *f, struct tss_struct *tss)
{
	/* SYSCALL (EFER.SCE) and SYSENTER (SYSENTER_CS=0) raise #UD/#GP
	 * instead of reaching Linux's entry code with our GS base. */
	rdmsrl(MSR_EFER, f->efer);
	wrmsrl(MSR_EFER, f->efer & ~EFER_SCE);
	rdmsrl(MSR_IA32_SYSENTER_CS, f->sysenter_cs);
	if (f->sysenter_cs)
		wrmsrl(MSR_IA32_SYSENTER_CS, 0);
	/* A task's ioperm() bitmap must not open ports to the plugin. */
	f->io_bitmap_base = tss->x86_tss.io_bitmap_base;
	tss->x86_tss.io_bitmap_base = IO_BITMAP_OFFSET_INVALID;
	/* PKRU: WRPKRU works at any CPL; the task's keys must survive. */
	if (cpu_feature_enabled(X86_FEATURE_OSPKE))
		f->pkru = rdpkru();
}

static void fences_off(struct fences *f, struct tss_struct *tss)
{
	if (cpu_feature_enabled(X86_FEATURE_OSPKE) && rdpkru() != f->pkru)
		wrpkru(f->pkru);
	tss->x86_tss.io_bitmap_base = f->io_bitmap_base;
	if (f->sysenter_cs)
		wrmsrl(MSR_IA32_SYSENTER_CS, f->sysenter_cs);
	wrmsrl(MSR_EFER, f->efer);
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

/* Host state that is the same for every stretch of one invocation. */
static void ctx_init(struct kplug_ctx *ctx, struct kplug_plugin *p,
		     struct tss_struct *tss)
{
	u64 cr3 = __pa(p->sb.pgd);

	if (boot_cpu_has(X86_FEATURE_PCID))
		cr3 |= KPLUG_PCID;	/* no NOFLUSH bit: flush our PCID */
	ctx->plugin_cr3 = cr3;
	ctx->tss_sp0 = (unsigned long)&tss->x86_tss.sp0;
	ctx->clear_cpu_buffers = cpu_feature_enabled(X86_FEATURE_CLEAR_CPU_BUF);
	kplug_idt_dtr(&ctx->kplug_idtr);
}

/* Host state, read again before every stretch: cheap, and nothing can
 * then go stale while the task was scheduled out between stretches. */
static void ctx_save_host(struct kplug_ctx *ctx, struct tss_struct *tss)
{
	struct desc_ptr dt;

	ctx->host_cr3 = __read_cr3();
	ctx->host_sp0 = tss->x86_tss.sp0;
	savesegment(ds, ctx->host_ds);
	savesegment(es, ctx->host_es);
	savesegment(fs, ctx->host_fs);
	savesegment(gs, ctx->host_gs);
	/* No process LDT while the plugin runs; the exit path reloads it
	 * before the host's (possibly LDT) selectors. */
	asm volatile("sldt %0" : "=r"(ctx->host_ldt));
	if (ctx->host_ldt)
		asm volatile("lldt %w0" : : "r"(0));
	rdmsrl(MSR_FS_BASE, ctx->host_fs_base);
	rdmsrl(MSR_GS_BASE, ctx->host_gs_base);
	native_store_gdt(&dt);
	ctx->host_gdtr.limit = dt.size;
	ctx->host_gdtr.base = dt.address;
	store_idt(&dt);
	ctx->host_idtr.limit = dt.size;
	ctx->host_idtr.base = dt.address;
}

/*
 * Only the plugin's own state goes back into ring 1: the low 32 bits of the
 * registers it can see, zero in r8-r15 (compatibility mode cannot reach
 * them, but nothing of the kernel's should sit there either).
 */
static void regs_scrub(struct kplug_regs *r)
{
	r->rax = (u32)r->rax;
	r->rbx = (u32)r->rbx;
	r->rcx = (u32)r->rcx;
	r->rdx = (u32)r->rdx;
	r->rsi = (u32)r->rsi;
	r->rdi = (u32)r->rdi;
	r->rbp = (u32)r->rbp;
	r->rsp = (u32)r->rsp;
	r->rip = (u32)r->rip;
	r->r8 = r->r9 = r->r10 = r->r11 = 0;
	r->r12 = r->r13 = r->r14 = r->r15 = 0;
}

/* Hand interrupts and NMIs that arrived in kplug's windows to Linux. */
static void deliver_pending(int cpu)
{
	u8 vector = READ_ONCE(kplug_irq_pending[cpu]);

	if (vector) {
		WRITE_ONCE(kplug_irq_pending[cpu], 0);
		kplug_call_host_handler(kplug_host_handler[vector]);
	}
	if (READ_ONCE(kplug_nmi_pending[cpu])) {
		WRITE_ONCE(kplug_nmi_pending[cpu], 0);
		kplug_call_host_handler((unsigned long)asm_exc_nmi_noist);
	}
}

/*
 * The cdecl frame of an entry call in this invocation's stack slot, from
 * the top down: the in buffer, the (zeroed) out buffer, then the return
 * address to the runtime exit stub and the ten arguments.  ESP + 4 is
 * 16-byte aligned, as the i386 ABI expects at a call.  Returns ESP.
 */
static int frame_build(struct kplug_sandbox *sb, u32 top,
		       const struct kplug_call *call, u32 *out_addr, u32 *esp)
{
	u32 addr = top, in_addr = 0, frame[11];
	int err = 0;

	if (call->in_len) {
		addr = (addr - call->in_len) & ~15u;
		in_addr = addr;
		err = kplug_sandbox_write(sb, in_addr, call->in, call->in_len);
	}
	*out_addr = 0;
	if (!err && call->out_len) {
		addr = (addr - call->out_len) & ~15u;
		*out_addr = addr;
		err = kplug_sandbox_write(sb, addr, NULL, call->out_len);
	}
	frame[0] = KPLUG_RUNTIME_BASE;
	memcpy(&frame[1], call->args, sizeof(call->args));
	frame[7] = in_addr;
	frame[8] = call->in_len;
	frame[9] = *out_addr;
	frame[10] = call->out_len;
	*esp = ((addr - 64) & ~15u) + 12;
	return err ?: kplug_sandbox_write(sb, *esp, frame, sizeof(frame));
}

int kplug_run(struct kplug_plugin *p, struct kplug_call *call, u32 *result,
	      struct kplug_fault *fault)
{
	struct kplug_sandbox *sb = &p->sb;
	struct kplug_ctx ctx = {};
	struct tss_struct *tss;
	struct fences f;
	u64 budget, used = 0, t0;
	u32 esp, out_addr;
	unsigned long reason;
	int cpu, slot, ret;
	bool atomic = call->atomic;	/* the caller's kplug_run_context() */

	budget = budget_ns(p, call->budget_ms, atomic);

	/* An atomic caller cannot migrate anyway; current is not its own. */
	if (!atomic)
		migrate_disable();
	cpu = raw_smp_processor_id();
	slot = kplug_sandbox_slot_get(sb, cpu, atomic);
	if (slot < 0) {
		ret = slot;
		goto out_migrate;
	}

	ret = frame_build(sb, kplug_sandbox_stack_top(sb, cpu, slot), call,
			  &out_addr, &esp);
	if (ret)
		goto out;

	ctx.regs.rip = KPLUG_TEXT_BASE + p->entry_offset[call->entry];
	ctx.regs.rsp = esp;
	ctx.regs.rflags = KPLUG_RFLAGS_PLUGIN;

	for (;;) {
		local_irq_disable();
		if (used >= budget) {
			ret = -ETIME;
			break;
		}
		/* In atomic context current is whoever was interrupted. */
		if (!atomic && fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}

		tss = this_cpu_ptr(&cpu_tss_rw);
		if (!ctx.plugin_cr3)
			ctx_init(&ctx, p, tss);
		ctx_save_host(&ctx, tss);
		kplug_gdt_load_plugin(cpu, sb->code_end, sb->end, &ctx.plugin_gdtr);
		regs_scrub(&ctx.regs);
		/* IRETQ to an EIP past the CS limit would fault in ring 0 (a
		 * gate's return address can be code_end): stop here. */
		if (ctx.regs.rip >= sb->code_end) {
			fault->kind = KPLUG_FAULT_LIMIT;
			fault->vector = X86_TRAP_GP;
			fault->eip = ctx.regs.rip;
			ret = -EIO;
			break;
		}
		ctx.regs.cs = KPLUG_SEL_CODE;
		ctx.regs.ss = KPLUG_SEL_DATA;
		ctx.regs.rflags = (ctx.regs.rflags & RFLAGS_PLUGIN_MASK) |
				  KPLUG_RFLAGS_PLUGIN;

		fences_on(&f, tss);
		t0 = local_clock();
		reason = kplug_world_switch(&ctx);
		used += local_clock() - t0;
		fences_off(&f, tss);

		if (reason == KPLUG_EXIT_GATE) {
			*result = ctx.regs.rax;
			ret = 0;
			deliver_pending(cpu);
			break;
		}
		if (reason == KPLUG_EXIT_SERVICE) {
			/* host state, interrupts on; then resume the plugin
			 * after its far call, with the result in EDX:EAX.  The
			 * service's time counts against the budget: a plugin
			 * must not outrun it by living in service calls. */
			deliver_pending(cpu);
			local_irq_enable();
			t0 = local_clock();
			ret = kplug_service(p, &ctx.regs, fault);
			used += local_clock() - t0;
			if (ret)
				break;
			if (!atomic && need_resched())
				schedule();
			continue;
		}
		if (reason == X86_TRAP_NMI) {
			kplug_call_host_handler((unsigned long)asm_exc_nmi_noist);
		} else if (reason >= FIRST_EXTERNAL_VECTOR) {
			kplug_call_host_handler(kplug_host_handler[reason]);
		} else {
			if (reason == X86_TRAP_MC)	/* Linux decides */
				kplug_call_host_handler(kplug_host_handler[reason]);
			if (reason == X86_TRAP_DB)	/* DR6 is sticky */
				set_debugreg(DR6_RESERVED, 6);
			fault_record(sb, &ctx, reason, fault);
			ret = -EIO;
			deliver_pending(cpu);
			break;
		}
		deliver_pending(cpu);
		local_irq_enable();
		/* Not cond_resched(): with preempt=full it does nothing, and
		 * the interrupt we handed over could not preempt us either
		 * (its frame had IF=0).  Reschedule here, like KVM's run loop. */
		if (!atomic && need_resched())
			schedule();
	}
	local_irq_enable();
	if (!ret && call->out_len)
		ret = kplug_sandbox_read(sb, out_addr, call->out, call->out_len);
out:
	kplug_sandbox_slot_put(sb, cpu, slot);
out_migrate:
	if (!atomic)
		migrate_enable();
	call->used_ns = used;
	return ret;
}
