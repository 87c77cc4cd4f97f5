/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The world switch (world_switch.asm, state.c): the per-invocation context
 * it shares with the C run loop, and its entry points.  The asm reads the
 * offsets of these structures and the constants below from
 * asm-offsets.inc, generated from asm-offsets.c at build time.
 */
#ifndef KPLUG_WORLD_SWITCH_H
#define KPLUG_WORLD_SWITCH_H

#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <linux/types.h>
#include "../gdt/gdt.h"

/* Exit reasons besides exception/interrupt vectors 0..255. */
#define KPLUG_EXIT_GATE		256	/* the entry returned */
#define KPLUG_EXIT_SERVICE	257	/* a service call: EAX = number */
#define KPLUG_EXIT_RING0	258	/* an exception in the entry window: the
					 * plugin did not run (ctx->ring0) */

/*
 * The runtime page: the exit stub at offset 0, service thunk n at
 * KPLUG_RUNTIME_THUNK * n ("mov eax, n; call service gate; ret"), for
 * each of uapi's KPLUG_SVC_COUNT services.
 */
#define KPLUG_RUNTIME_THUNK	16

/* Speculation barriers on every exit from ring 1 (run.c, exit_mitigations).
 * The return stack buffer is refilled on every exit regardless. */
#define KPLUG_SPEC_IBPB		0x1	/* entry_ibpb: flush indirect predictions */
#define KPLUG_SPEC_UNTRAIN	0x2	/* entry_untrain_ret: AMD retbleed/SRSO */
#define KPLUG_SPEC_UNTRAIN_ALIAS 0x4	/* srso_alias_untrain_ret: SRSO, Zen 3/4 */
#define KPLUG_SPEC_BHB		0x8	/* clear_bhb_loop: branch history */

/* Saved plugin registers, in push order. */
struct kplug_regs {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error_code;
	u64 rip, cs, rflags, rsp, ss;	/* hardware frame */
};

/* An exception taken in kplug's own ring-0 code (KPLUG_EXIT_RING0). */
struct kplug_ring0_fault {
	u64 vector, error_code, rip, cs, rflags, rsp, cr2;
};

/*
 * One invocation's world-switch state; lives on the invoking task's kernel
 * stack.  TSS.RSP0 points just past regs, so the CPU pushes the plugin's
 * frame into regs.rip..regs.ss and the exit stubs push the rest.  The
 * exit_stack below regs takes the few pushes (and a nested NMI frame) that
 * happen before the exit path moves back to host_rsp.
 */
struct kplug_ctx {
	u64 exit_stack[64];
	struct kplug_regs regs;
	u64 host_rsp;
	u64 host_cr3;
	u64 host_cr3_noflush;	/* X86_CR3_PCID_NOFLUSH with PCIDs: the
				 * host's TLB entries stay valid while the
				 * plugin runs (its own PCID), and a flush
				 * meant for them waits in an IPI that Linux
				 * handles after the switch back */
	u64 plugin_cr3;
	u64 host_fs_base;
	u64 host_gs_base;
	u64 tss_sp0;		/* address of this CPU's TSS.sp0 */
	u64 host_sp0;
	u64 cr2;		/* CR2 read at the exit for page faults */
	u16 host_ds, host_es, host_fs, host_gs;
	struct kplug_dtr host_gdtr;
	struct kplug_dtr plugin_gdtr;
	struct kplug_dtr host_idtr;
	struct kplug_dtr kplug_idtr;
	u16 host_ldt;
	u8 clear_cpu_buffers;	/* VERW before entering (MDS & co) */
	u8 exit_spec;		/* KPLUG_SPEC_* on every exit */
	u8 fsgsbase;		/* CR4.FSGSBASE: RD/WRFSBASE, not the MSRs */
	u8 keep_fs;		/* set by the switch: FS left alone */
	u8 restoring;		/* set by kplug_restore_host, cleared on entry */
	u8 ring0_pending;	/* an exception in kplug's ring-0 code: ring0 */
	u64 host_rflags;
	struct kplug_ring0_fault ring0;
} __aligned(16);

/* TSS.RSP0 = &ctx->regs + 1 must be 16-byte aligned, as the CPU aligns
 * interrupt frames: then gate and interrupt frames line up. */
static_assert((offsetof(struct kplug_ctx, regs) +
	       sizeof(struct kplug_regs)) % 16 == 0);

/*
 * Enter the plugin described by ctx->regs and return when it leaves ring 1:
 * the exit reason is the vector (0..255), KPLUG_EXIT_GATE,
 * KPLUG_EXIT_SERVICE or KPLUG_EXIT_RING0; ctx->regs holds the plugin's
 * registers at that point.  ctx->ring0_pending says an exception hit
 * kplug's own ring-0 code on the way (ctx->ring0 has its frame).  Called
 * with interrupts off, with kplug_running[cpu] = ctx and ctx's plugin_cr3,
 * plugin_gdtr, kplug_idtr, tss_sp0, clear_cpu_buffers and exit_spec filled
 * in; saves and restores every piece of host state it changes (the host_*
 * fields).  Of the registers the C ABI lets it clobber, none comes back
 * holding a plugin value.
 */
unsigned long kplug_world_switch(struct kplug_ctx *ctx);

/*
 * Call a host IDT entry point as the CPU would for an interrupt taken in
 * ring 0 (KVM's vmx_do_interrupt_irqoff pattern).  Interrupts must be off.
 */
void kplug_call_host_handler(unsigned long entry);

/* state.c: what the switch keeps besides the context. */
extern u64 kplug_host_handler[256];	/* Linux's IDT targets, by vector */
extern struct kplug_dtr kplug_host_idtr; /* Linux's IDT, the same on all CPUs */
extern u8 *kplug_nmi_pending;		/* per CPU: NMI in a ring-0 window */
extern u8 *kplug_irq_pending;		/* per CPU: vector in a gate window */
extern struct kplug_ctx **kplug_running; /* per CPU: the context inside
					  * kplug_world_switch() */

/*
 * Linux's IDT targets, the pending flags and kplug's descriptor tables
 * (whose gates lead to the switch's stubs).  0 or -errno.
 */
int kplug_switch_init(void);
void kplug_switch_exit(void);

/*
 * In world_switch.asm: the targets of kplug's IDT and GDT gates (state.c),
 * and the runtime page every sandbox maps (sandbox.c).
 */
extern const u64 kplug_idt_stubs[256];
extern char kplug_gate_exit[], kplug_gate_service[];
extern const u8 kplug_runtime_start[], kplug_runtime_end[];

#endif /* KPLUG_WORLD_SWITCH_H */
