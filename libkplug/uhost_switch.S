/* SPDX-License-Identifier: LGPL-2.1 */
/*
 * The user-space host's switch between the process (64-bit) and a plugin
 * (32-bit compatibility mode, LDT code and data segments of base 0 whose
 * limits are the kernel sandbox's).  See uhost.c for the whole picture.
 *
 *   uhost_enter      64-bit -> plugin: far return into the LDT code segment
 *   runtime page     copied to KPLUG_RUNTIME_BASE: the plugin's exit stub
 *                    and service thunks (32-bit), which far-jump/call into
 *                    uhost_exit64/uhost_svc64 (64-bit, below 4 GiB)
 *   uhost_resume     back on the host stack, host state restored; also
 *                    where the signal handler sends a faulting plugin
 *
 * Nothing here is a security boundary: the plugin shares the process.
 */
#include "uhost.h"
#define KPLUG_RUNTIME_BASE 0x10000
/* the runtime page's own address of a label in it */
#define RT(label) (KPLUG_RUNTIME_BASE + (label - uhost_runtime_start))

	.text
	.code64

/*
 * unsigned int uhost_enter(struct uhost_ctx *ctx)
 * Saves the callee-saved registers, RFLAGS, DS/ES/SS, the x87 control
 * word and MXCSR; loads xmm0-7 with ctx->canary (a plugin that writes
 * them is caught at the exit) and arms the x87 (ctx->armed_env: a pending
 * unmasked exception, so that any waiting x87 or MMX instruction raises
 * #MF at once); switches SS:ESP to the plugin's stack and far-returns to
 * ctx->eip in the plugin's code segment with its registers from ctx.
 * Returns through uhost_resume with ctx->reason.
 */
	.globl	uhost_enter
	.type	uhost_enter, @function
	.hidden	uhost_enter
uhost_enter:
	push	%rbp
	push	%rbx
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	pushfq			/* the plugin may leave AC, DF, TF set */
	mov	%rsp, UH_HOST_RSP(%rdi)
	mov	%ds, UH_HOST_DS(%rdi)
	mov	%es, UH_HOST_ES(%rdi)
	mov	%ss, UH_HOST_SS(%rdi)
	fnstcw	UH_HOST_CW(%rdi)
	stmxcsr	UH_HOST_MXCSR(%rdi)
	movdqa	UH_CANARY + 0x00(%rdi), %xmm0
	movdqa	UH_CANARY + 0x10(%rdi), %xmm1
	movdqa	UH_CANARY + 0x20(%rdi), %xmm2
	movdqa	UH_CANARY + 0x30(%rdi), %xmm3
	movdqa	UH_CANARY + 0x40(%rdi), %xmm4
	movdqa	UH_CANARY + 0x50(%rdi), %xmm5
	movdqa	UH_CANARY + 0x60(%rdi), %xmm6
	movdqa	UH_CANARY + 0x70(%rdi), %xmm7
	fldenv	UH_ARMED_ENV(%rdi)	/* no-wait: the exception stays pending */
	movzwl	UH_DATA_SEL(%rdi), %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%rdi, %r8		/* invisible in compatibility mode */
	mov	%eax, %ss		/* no signal between this and the next */
	mov	UH_ESP(%r8), %esp	/* zero-extends into RSP */
	mov	UH_EAX(%r8), %eax
	mov	UH_EBX(%r8), %ebx
	mov	UH_ECX(%r8), %ecx
	mov	UH_EDX(%r8), %edx
	mov	UH_ESI(%r8), %esi
	mov	UH_EDI(%r8), %edi
	mov	UH_EBP(%r8), %ebp
	/*
	 * A far jump, not a far return: no stack access.  (QEMU 7.2's TCG
	 * does the stack accesses of a user-mode far return or call as
	 * supervisor accesses, which SMAP turns into a kernel oops.)
	 */
	ljmpl	*UH_EIP(%r8)
	.size	uhost_enter, . - uhost_enter

/*
 * uhost_resume: RCX = the context.  Reached by a jump from uhost_exit64 or
 * uhost_svc64, or by the signal handler's sigreturn (it sets RIP, RSP, CS,
 * SS and RCX).  Restores the host stack and segments, records what the
 * plugin left in the FPU (xmm0-7, MXCSR, x87 CW/SW: uhost.c compares them
 * with what it entered with), disarms the x87, restores the host's x87 CW,
 * MXCSR and RFLAGS and returns ctx->reason from uhost_enter().
 */
	.globl	uhost_resume
	.type	uhost_resume, @function
	.hidden	uhost_resume
uhost_resume:
	mov	UH_HOST_SS(%rcx), %ss
	mov	UH_HOST_RSP(%rcx), %rsp
	mov	UH_HOST_DS(%rcx), %ds
	mov	UH_HOST_ES(%rcx), %es
	movdqa	%xmm0, UH_XMM + 0x00(%rcx)
	movdqa	%xmm1, UH_XMM + 0x10(%rcx)
	movdqa	%xmm2, UH_XMM + 0x20(%rcx)
	movdqa	%xmm3, UH_XMM + 0x30(%rcx)
	movdqa	%xmm4, UH_XMM + 0x40(%rcx)
	movdqa	%xmm5, UH_XMM + 0x50(%rcx)
	movdqa	%xmm6, UH_XMM + 0x60(%rcx)
	movdqa	%xmm7, UH_XMM + 0x70(%rcx)
	stmxcsr	UH_FPU_MXCSR(%rcx)
	fnstcw	UH_FPU_CW(%rcx)
	fnstsw	UH_FPU_SW(%rcx)
	fnclex				/* disarm */
	fldcw	UH_HOST_CW(%rcx)
	ldmxcsr	UH_HOST_MXCSR(%rcx)
	mov	UH_REASON(%rcx), %eax
	popfq
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	ret
	.size	uhost_resume, . - uhost_resume

/*
 * The runtime page.  Same shape as the kernel's (trampoline/
 * world_switch.asm): offset 0 is the return address of every entry, and
 * service n is a cdecl function at 16 * n whose far jump is as long as
 * the kernel's gate call: a service returns to the thunk's `ret` at 12,
 * the EIP of the kernel's service faults too.  No far call (see above):
 * uhost.c knows where each thunk continues.  It fills in the far pointers
 * and the context pointer.
 */
	.section .rodata
	.balign	16
	.globl	uhost_runtime_start
	.hidden	uhost_runtime_start
uhost_runtime_start:
	.code32
	ljmp	*RT(rt_exit_far)		/* -> uhost_exit64, EAX = result */
	ud2
	.irp	n, 1, 2, 3, 4, 5, 6, 7, 8	/* KPLUG_SVC_COUNT - 1: uhost.c checks */
	.org	uhost_runtime_start + \n * UH_RT_THUNK, 0xcc
	mov	$\n, %eax
	.byte	0x3e				/* ds: 7 bytes, as the kernel's */
	ljmp	*RT(rt_svc_far)			/* -> uhost_svc64 */
	ret					/* UH_RT_THUNK_RET */
	.endr
	.org	uhost_runtime_start + UH_RT_EXIT_FAR, 0xcc
rt_exit_far:
	.long	0, 0			/* offset, selector: set by uhost.c */
rt_svc_far:
	.long	0, 0
	.org	uhost_runtime_start + UH_RT_CTX, 0xcc
rt_ctx:
	.quad	0
	.org	uhost_runtime_start + UH_RT_CODE64, 0xcc
	.code64
	.globl	uhost_exit64
	.hidden	uhost_exit64
uhost_exit64:				/* EAX: the entry's result */
	mov	rt_ctx(%rip), %rcx
	mov	%eax, UH_EAX(%rcx)
	movl	$UH_EXIT_RETURN, UH_REASON(%rcx)
	jmp	*UH_RESUME(%rcx)
	.globl	uhost_svc64
	.hidden	uhost_svc64
uhost_svc64:				/* EAX: the service number */
	mov	rt_ctx(%rip), %rcx
	mov	%eax, UH_EAX(%rcx)
	mov	%ebx, UH_EBX(%rcx)
	mov	%esi, UH_ESI(%rcx)
	mov	%edi, UH_EDI(%rcx)
	mov	%ebp, UH_EBP(%rcx)
	mov	%esp, UH_ESP(%rcx)	/* -> the thunk's return address */
	movl	$UH_EXIT_SERVICE, UH_REASON(%rcx)
	jmp	*UH_RESUME(%rcx)
	.globl	uhost_runtime_end
	.hidden	uhost_runtime_end
uhost_runtime_end:

	.section .note.GNU-stack, "", @progbits
