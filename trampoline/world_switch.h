/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The per-invocation context shared by the C run loop and the NASM world
 * switch.  Every "#define KPLUG_..." below is also read by NASM (the build
 * turns them into layout.inc); run.c checks each offset
 * against the structures with static_assert (run.c), so the two cannot drift.
 */
#ifndef KPLUG_WORLD_SWITCH_H
#define KPLUG_WORLD_SWITCH_H

/* Selectors in kplug's private per-CPU GDT (see gdt.c). */
#define KPLUG_GDT_ENTRIES	22
#define KPLUG_SEL_KERNEL_CS	0x10	/* Linux's __KERNEL_CS, kept */
#define KPLUG_SEL_CPUNODE	0x78	/* DPL-0 copy of Linux's CPUNODE */
#define KPLUG_SEL_CODE		0x81	/* entry 16, DPL 1, RPL 1 */
#define KPLUG_SEL_DATA		0x89	/* entry 17, DPL 1, RPL 1 */
#define KPLUG_SEL_EXIT_GATE	0x91	/* entries 18-19, call gate, DPL 1 */
#define KPLUG_SEL_SERVICE_GATE	0xa1	/* entries 20-21, call gate, DPL 1 */

/* Exit reasons besides exception/interrupt vectors 0..255. */
#define KPLUG_EXIT_GATE		256	/* the entry returned */
#define KPLUG_EXIT_SERVICE	257	/* a service call: EAX = number */
#define KPLUG_EXIT_RING0	258	/* an exception in the entry window: the
					 * plugin did not run (ctx->ring0) */

/* The runtime page: the exit stub at offset 0, service thunk n at
 * KPLUG_RUNTIME_THUNK * n ("mov eax, n; call service gate; ret"). */
#define KPLUG_RUNTIME_THUNK	16
#define KPLUG_NR_SERVICES	8	/* = KPLUG_SVC_COUNT (checked in service.c) */

#define KPLUG_RFLAGS_PLUGIN	0x202	/* IF=1, IOPL=0, nothing else */

/* Speculation barriers on every exit from ring 1 (run.c, exit_mitigations).
 * The return stack buffer is refilled on every exit regardless. */
#define KPLUG_SPEC_IBPB		0x1	/* entry_ibpb: flush indirect predictions */
#define KPLUG_SPEC_UNTRAIN	0x2	/* entry_untrain_ret: AMD retbleed/SRSO */
#define KPLUG_SPEC_UNTRAIN_ALIAS 0x4	/* srso_alias_untrain_ret: SRSO, Zen 3/4 */
#define KPLUG_SPEC_BHB		0x8	/* clear_bhb_loop: branch history */

/* struct kplug_regs: saved plugin registers, in push order. */
#define KPLUG_REGS_R15		0
#define KPLUG_REGS_R14		8
#define KPLUG_REGS_R13		16
#define KPLUG_REGS_R12		24
#define KPLUG_REGS_R11		32
#define KPLUG_REGS_R10		40
#define KPLUG_REGS_R9		48
#define KPLUG_REGS_R8		56
#define KPLUG_REGS_RBP		64
#define KPLUG_REGS_RDI		72
#define KPLUG_REGS_RSI		80
#define KPLUG_REGS_RDX		88
#define KPLUG_REGS_RCX		96
#define KPLUG_REGS_RBX		104
#define KPLUG_REGS_RAX		112
#define KPLUG_REGS_VECTOR	120
#define KPLUG_REGS_ERROR	128
#define KPLUG_REGS_RIP		136
#define KPLUG_REGS_CS		144
#define KPLUG_REGS_RFLAGS	152
#define KPLUG_REGS_RSP		160
#define KPLUG_REGS_SS		168
#define KPLUG_REGS_SIZE		176

/* struct kplug_ctx */
#define KPLUG_CTX_EXIT_STACK	512	/* bytes of scratch stack below regs */
#define KPLUG_CTX_REGS		512
#define KPLUG_CTX_HOST_RSP	688
#define KPLUG_CTX_HOST_CR3	696
#define KPLUG_CTX_PLUGIN_CR3	704
#define KPLUG_CTX_HOST_FS_BASE	712
#define KPLUG_CTX_HOST_GS_BASE	720
#define KPLUG_CTX_TSS_SP0	728
#define KPLUG_CTX_HOST_SP0	736
#define KPLUG_CTX_CR2		744
#define KPLUG_CTX_HOST_DS	752
#define KPLUG_CTX_HOST_ES	754
#define KPLUG_CTX_HOST_FS	756
#define KPLUG_CTX_HOST_GS	758
#define KPLUG_CTX_HOST_GDTR	760	/* struct kplug_dtr: limit at +6 */
#define KPLUG_CTX_PLUGIN_GDTR	776
#define KPLUG_CTX_HOST_IDTR	792
#define KPLUG_CTX_KPLUG_IDTR	808
#define KPLUG_CTX_HOST_LDT	824
#define KPLUG_CTX_CLEAR_BUFS	826	/* u8: VERW before entering (MDS & co) */
#define KPLUG_CTX_EXIT_SPEC	827	/* u8: KPLUG_SPEC_* on every exit */
#define KPLUG_CTX_RESTORING	828	/* u8: kplug_restore_host has begun */
#define KPLUG_CTX_RING0_PENDING	829	/* u8: ctx->ring0 holds an exception */
#define KPLUG_CTX_HOST_RFLAGS	832
#define KPLUG_CTX_RING0		840	/* struct kplug_ring0_fault */
#define KPLUG_R0_VECTOR		0
#define KPLUG_R0_ERROR		8
#define KPLUG_R0_RIP		16
#define KPLUG_R0_CS		24
#define KPLUG_R0_RFLAGS		32
#define KPLUG_R0_RSP		40
#define KPLUG_R0_CR2		48
#define KPLUG_CTX_SIZE		896

#define KPLUG_DTR_LIMIT		6	/* lgdt/lidt operand = &dtr + 6 */

#ifndef __ASSEMBLER__
#include <linux/types.h>

struct kplug_regs {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error_code;
	u64 rip, cs, rflags, rsp, ss;	/* hardware frame */
};

/* A GDTR/IDTR image laid out so that &limit is the lgdt/lidt operand. */
struct kplug_dtr {
	u16 pad[3];
	u16 limit;
	u64 base;
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
	u64 exit_stack[KPLUG_CTX_EXIT_STACK / 8];
	struct kplug_regs regs;
	u64 host_rsp;
	u64 host_cr3;
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
	u8 clear_cpu_buffers;
	u8 exit_spec;		/* KPLUG_SPEC_* */
	u8 restoring;		/* set by kplug_restore_host, cleared on entry */
	u8 ring0_pending;	/* an exception in kplug's ring-0 code: ring0 */
	u8 pad[2];
	u64 host_rflags;
	struct kplug_ring0_fault ring0;
} __aligned(16);

/*
 * Enter the plugin described by ctx->regs and return when it leaves ring 1:
 * the exit reason is the vector (0..255), KPLUG_EXIT_GATE,
 * KPLUG_EXIT_SERVICE or KPLUG_EXIT_RING0; ctx->regs holds the plugin's
 * registers at that point.  ctx->ring0_pending says an exception hit
 * kplug's own ring-0 code on the way (ctx->ring0 has its frame).  Called with interrupts off, with
 * kplug_running[cpu] = ctx and ctx's plugin_cr3, plugin_gdtr, kplug_idtr,
 * tss_sp0 and clear_cpu_buffers filled in; saves and restores every piece
 * of host state it changes (the host_* fields).  Clobbers what the C ABI
 * allows.
 */
unsigned long kplug_world_switch(struct kplug_ctx *ctx);

/* Per CPU: the context of the invocation in kplug_world_switch(), for the
 * ring-0 exception stub (run.c). */
extern struct kplug_ctx **kplug_running;

/*
 * Call a host IDT entry point as the CPU would for an interrupt taken in
 * ring 0 (KVM's vmx_do_interrupt_irqoff pattern).  Interrupts must be off.
 */
void kplug_call_host_handler(unsigned long entry);

extern const u64 kplug_idt_stubs[256];	/* our IDT targets, by vector */
extern const u8 kplug_runtime_start[], kplug_runtime_end[];
#endif

#endif /* KPLUG_WORLD_SWITCH_H */
