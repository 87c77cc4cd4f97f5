// SPDX-License-Identifier: GPL-2.0
/*
 * Everything world_switch.asm knows of C: the offsets in the context it
 * shares with run.c, kplug's selectors and constants, and the kernel's own
 * (MSRs, CR0 and RFLAGS bits, selectors, trap numbers).  Kbuild compiles
 * this file to assembly and kmod/Kbuild turns each DEFINE() and OFFSET()
 * into a NASM %define in asm-offsets.inc, as KVM does with
 * kvm-asm-offsets.c: one source of truth, nothing typed twice.
 */
#define COMPILE_OFFSETS

#include <linux/kbuild.h>
#include <uapi/asm/debugreg.h>	/* DR6_RESERVED, without its inlines */
#include <asm/irq_vectors.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>
#include <asm/segment.h>
#include <asm/trapnr.h>

#include "../uapi/kplug.h"
#include "world_switch.h"

/*
 * Vectors for which the CPU pushes an error code; 30 is AMD's #SX, which
 * Linux does not name.
 */
#define ERROR_CODE_VECTORS						\
	(BIT(X86_TRAP_DF) | BIT(X86_TRAP_TS) | BIT(X86_TRAP_NP) |	\
	 BIT(X86_TRAP_SS) | BIT(X86_TRAP_GP) | BIT(X86_TRAP_PF) |	\
	 BIT(X86_TRAP_AC) | BIT(X86_TRAP_CP) | BIT(X86_TRAP_VC) | BIT(30))

/*
 * The exit stubs push rax..r15 in this order just below the vector, the
 * error code and the CPU's frame, and find ctx from the stack pointer:
 * the struct must be exactly that sequence of 8-byte slots.
 */
#define REGS_SLOT(f, n) \
	static_assert(offsetof(struct kplug_regs, f) == (n) * 8)
REGS_SLOT(r15, 0); REGS_SLOT(r14, 1); REGS_SLOT(r13, 2); REGS_SLOT(r12, 3);
REGS_SLOT(r11, 4); REGS_SLOT(r10, 5); REGS_SLOT(r9, 6); REGS_SLOT(r8, 7);
REGS_SLOT(rbp, 8); REGS_SLOT(rdi, 9); REGS_SLOT(rsi, 10); REGS_SLOT(rdx, 11);
REGS_SLOT(rcx, 12); REGS_SLOT(rbx, 13); REGS_SLOT(rax, 14);
REGS_SLOT(vector, 15); REGS_SLOT(error_code, 16); REGS_SLOT(rip, 17);
REGS_SLOT(cs, 18); REGS_SLOT(rflags, 19); REGS_SLOT(rsp, 20); REGS_SLOT(ss, 21);
static_assert(sizeof(struct kplug_regs) == 22 * 8);

/* The exit stub and a thunk per service fit in the runtime page. */
static_assert(KPLUG_SVC_COUNT * KPLUG_RUNTIME_THUNK <= KPLUG_PAGE_SIZE);

static void __used common(void)
{
	OFFSET(KPLUG_REGS_R15, kplug_regs, r15);
	OFFSET(KPLUG_REGS_R14, kplug_regs, r14);
	OFFSET(KPLUG_REGS_R13, kplug_regs, r13);
	OFFSET(KPLUG_REGS_R12, kplug_regs, r12);
	OFFSET(KPLUG_REGS_R11, kplug_regs, r11);
	OFFSET(KPLUG_REGS_R10, kplug_regs, r10);
	OFFSET(KPLUG_REGS_R9, kplug_regs, r9);
	OFFSET(KPLUG_REGS_R8, kplug_regs, r8);
	OFFSET(KPLUG_REGS_RBP, kplug_regs, rbp);
	OFFSET(KPLUG_REGS_RDI, kplug_regs, rdi);
	OFFSET(KPLUG_REGS_RSI, kplug_regs, rsi);
	OFFSET(KPLUG_REGS_RDX, kplug_regs, rdx);
	OFFSET(KPLUG_REGS_RCX, kplug_regs, rcx);
	OFFSET(KPLUG_REGS_RBX, kplug_regs, rbx);
	OFFSET(KPLUG_REGS_RAX, kplug_regs, rax);
	OFFSET(KPLUG_REGS_VECTOR, kplug_regs, vector);
	OFFSET(KPLUG_REGS_RIP, kplug_regs, rip);
	OFFSET(KPLUG_REGS_CS, kplug_regs, cs);
	OFFSET(KPLUG_REGS_RFLAGS, kplug_regs, rflags);
	OFFSET(KPLUG_REGS_RSP, kplug_regs, rsp);
	OFFSET(KPLUG_REGS_SS, kplug_regs, ss);
	DEFINE(KPLUG_REGS_SIZE, sizeof(struct kplug_regs));
	BLANK();
	OFFSET(KPLUG_CTX_REGS, kplug_ctx, regs);
	OFFSET(KPLUG_CTX_HOST_RSP, kplug_ctx, host_rsp);
	OFFSET(KPLUG_CTX_HOST_CR3, kplug_ctx, host_cr3);
	OFFSET(KPLUG_CTX_HOST_CR3_NOFLUSH, kplug_ctx, host_cr3_noflush);
	OFFSET(KPLUG_CTX_PLUGIN_CR3, kplug_ctx, plugin_cr3);
	OFFSET(KPLUG_CTX_HOST_FS_BASE, kplug_ctx, host_fs_base);
	OFFSET(KPLUG_CTX_HOST_GS_BASE, kplug_ctx, host_gs_base);
	OFFSET(KPLUG_CTX_TSS_SP0, kplug_ctx, tss_sp0);
	OFFSET(KPLUG_CTX_HOST_SP0, kplug_ctx, host_sp0);
	OFFSET(KPLUG_CTX_CR2, kplug_ctx, cr2);
	OFFSET(KPLUG_CTX_HOST_DS, kplug_ctx, host_ds);
	OFFSET(KPLUG_CTX_HOST_ES, kplug_ctx, host_es);
	OFFSET(KPLUG_CTX_HOST_FS, kplug_ctx, host_fs);
	OFFSET(KPLUG_CTX_HOST_GS, kplug_ctx, host_gs);
	OFFSET(KPLUG_CTX_HOST_GDTR, kplug_ctx, host_gdtr);
	OFFSET(KPLUG_CTX_PLUGIN_GDTR, kplug_ctx, plugin_gdtr);
	OFFSET(KPLUG_CTX_HOST_IDTR, kplug_ctx, host_idtr);
	OFFSET(KPLUG_CTX_KPLUG_IDTR, kplug_ctx, kplug_idtr);
	OFFSET(KPLUG_CTX_HOST_LDT, kplug_ctx, host_ldt);
	OFFSET(KPLUG_CTX_CLEAR_BUFS, kplug_ctx, clear_cpu_buffers);
	OFFSET(KPLUG_CTX_EXIT_SPEC, kplug_ctx, exit_spec);
	OFFSET(KPLUG_CTX_FSGSBASE, kplug_ctx, fsgsbase);
	OFFSET(KPLUG_CTX_KEEP_FS, kplug_ctx, keep_fs);
	OFFSET(KPLUG_CTX_RESTORING, kplug_ctx, restoring);
	OFFSET(KPLUG_CTX_RING0_PENDING, kplug_ctx, ring0_pending);
	OFFSET(KPLUG_CTX_HOST_RFLAGS, kplug_ctx, host_rflags);
	OFFSET(KPLUG_CTX_RING0, kplug_ctx, ring0);
	OFFSET(KPLUG_R0_VECTOR, kplug_ring0_fault, vector);
	OFFSET(KPLUG_R0_ERROR, kplug_ring0_fault, error_code);
	OFFSET(KPLUG_R0_RIP, kplug_ring0_fault, rip);
	OFFSET(KPLUG_R0_CS, kplug_ring0_fault, cs);
	OFFSET(KPLUG_R0_RFLAGS, kplug_ring0_fault, rflags);
	OFFSET(KPLUG_R0_RSP, kplug_ring0_fault, rsp);
	OFFSET(KPLUG_R0_CR2, kplug_ring0_fault, cr2);
	OFFSET(KPLUG_DTR_LIMIT, kplug_dtr, limit);
	BLANK();
	DEFINE(KPLUG_SEL_CPUNODE, KPLUG_SEL_CPUNODE);
	DEFINE(KPLUG_SEL_CODE, KPLUG_SEL_CODE);
	DEFINE(KPLUG_SEL_DATA, KPLUG_SEL_DATA);
	DEFINE(KPLUG_SEL_EXIT_GATE, KPLUG_SEL_EXIT_GATE);
	DEFINE(KPLUG_SEL_SERVICE_GATE, KPLUG_SEL_SERVICE_GATE);
	DEFINE(KPLUG_EXIT_GATE, KPLUG_EXIT_GATE);
	DEFINE(KPLUG_EXIT_SERVICE, KPLUG_EXIT_SERVICE);
	DEFINE(KPLUG_EXIT_RING0, KPLUG_EXIT_RING0);
	DEFINE(KPLUG_RUNTIME_THUNK, KPLUG_RUNTIME_THUNK);
	DEFINE(KPLUG_NR_SERVICES, KPLUG_SVC_COUNT);
	DEFINE(KPLUG_SPEC_IBPB, KPLUG_SPEC_IBPB);
	DEFINE(KPLUG_SPEC_UNTRAIN, KPLUG_SPEC_UNTRAIN);
	DEFINE(KPLUG_SPEC_UNTRAIN_ALIAS, KPLUG_SPEC_UNTRAIN_ALIAS);
	DEFINE(KPLUG_SPEC_BHB, KPLUG_SPEC_BHB);
	BLANK();
	DEFINE(__KERNEL_CS, __KERNEL_CS);
	DEFINE(__KERNEL_DS, __KERNEL_DS);
	DEFINE(MSR_FS_BASE, (u64)MSR_FS_BASE);	/* printed unsigned */
	DEFINE(MSR_GS_BASE, (u64)MSR_GS_BASE);
	DEFINE(X86_CR0_TS, X86_CR0_TS);
	DEFINE(X86_EFLAGS_FIXED, X86_EFLAGS_FIXED);
	DEFINE(X86_EFLAGS_TF, X86_EFLAGS_TF);
	DEFINE(X86_EFLAGS_IF, X86_EFLAGS_IF);
	DEFINE(DR6_RESERVED, (u64)DR6_RESERVED);
	DEFINE(X86_TRAP_DB, X86_TRAP_DB);
	DEFINE(X86_TRAP_NMI, X86_TRAP_NMI);
	DEFINE(X86_TRAP_DF, X86_TRAP_DF);
	DEFINE(X86_TRAP_PF, X86_TRAP_PF);
	DEFINE(X86_TRAP_MC, X86_TRAP_MC);
	DEFINE(FIRST_EXTERNAL_VECTOR, FIRST_EXTERNAL_VECTOR);
	DEFINE(ERROR_CODE_VECTORS, ERROR_CODE_VECTORS);
}
