; SPDX-License-Identifier: GPL-2.0
;
; kplug's world switch: enter a plugin at ring 1 (compatibility mode) with
; a far return, and come back to the host on the plugin's exit or service
; gate, an exception, an interrupt or an NMI.  Everything that can be C is
; C (run.c); this file only does what must happen with no C running: switching the descriptor
; tables, CR3, segment registers and their hidden bases.
;
; While a plugin runs, the CPU has kplug's IDT (every vector lands in a stub
; below), kplug's per-CPU GDT (no DPL-3 descriptors, the plugin's DPL-1
; code/data segments, the two gates), CR3 = the plugin's page table, CR0.TS
; set, and TSS.RSP0 = just past ctx->regs on the invoking task's stack.  So
; any exit from ring 1 pushes its frame into ctx->regs: the stubs then find
; the context at a fixed offset from their stack pointer.
;
; The host state the switch changes is saved by kplug_world_switch itself
; and put back by kplug_restore_host, the one routine every way out of a
; plugin goes through; it first clears every general register but the
; context pointer (no plugin value reaches C, not even speculatively, as
; KVM's vmenter.S does after a VM exit), and it only writes saved host
; values, so it may run from any point of either ring-0 window.  It restores
; CR3 first: the host's selectors may be LDT ones, and with PTI the LDT
; lives in a per-mm slot that the plugin's page table does not map.  It
; loads a saved selector only after LAR/VERR say the CPU would accept it, so
; it takes no exception (Linux's loadsegment() takes the #GP and loads 0
; instead; the result is the same).
;
; Events that hit kplug's stubs in ring 0 (the short windows between the
; IDT switch and the far return, and between the exit and the IDT switch
; back):
;   NMI        marked pending for this CPU; run.c hands it to Linux after the
;              switch back (the host's kernel GS base may be gone here)
;   interrupt  only possible in the first instruction of a gate (call
;              gates leave IF alone; the entry's far return is covered by
;              STI's shadow, which an NMI may end: kplug_ring0_nmi
;              rewinds to the STI): marked pending, IF cleared in the
;              interrupted frame, run.c hands it to Linux
;   #DB        a single step into a gate (plugin set TF): TF cleared.  Data
;              and code breakpoints cannot fire here: run.c disarms DR7
;              around the switch.
;   #DF        Linux's handler, on its IST stack: fatal anyway
;   #MC, other never returned into: kplug_ring0_exception records the frame,
;              restores the host (the exit reason stays the plugin's if it
;              had left ring 1) and run.c reports it (WARN, or Linux's
;              machine-check handler for #MC) and aborts the invocation; in
;              kplug_restore_host itself a #MC is recorded and the restore
;              carries on, anything else there goes to Linux for an oops
; A frame whose CS is not the kernel's is the plugin's, whatever else it
; holds (QEMU lets a ring-1 IRETD enter virtual-8086 mode, whose frames
; show CS 0).
; The CPU number is found with LSL on the CPUNODE descriptor, which works in
; both GDTs without GS, like Linux's paranoid entry.

; Structure offsets and every constant, kplug's and the kernel's, come
; from C: asm-offsets.inc is generated from asm-offsets.c at build time.
%include "asm-offsets.inc"

default rel
bits 64

%define HAS_ERROR_CODE(v) ((v) < FIRST_EXTERNAL_VECTOR && ((ERROR_CODE_VECTORS >> (v)) & 1))

extern __per_cpu_offset
extern kplug_host_handler	; u64[256]: Linux's IDT targets (state.c)
extern kplug_host_idtr		; struct kplug_dtr: Linux's IDT, the same on all CPUs
extern kplug_nmi_pending	; u8 *: per CPU, NMI taken in a ring-0 window
extern kplug_irq_pending	; u8 *: per CPU, vector taken in the gate window
extern kplug_running		; struct kplug_ctx **: per CPU (state.c)
extern x86_verw_sel		; Linux's selector for VERW buffer clearing
extern entry_ibpb		; Linux's speculation barriers (KPLUG_SPEC_*)
extern entry_untrain_ret
extern srso_alias_untrain_ret
extern clear_bhb_loop
%ifdef CONFIG_RETHUNK
extern __x86_return_thunk
%endif
%ifdef CONFIG_RETPOLINE
extern __x86_indirect_thunk_rdi
%endif

; One function to objtool, from the section's start to its end, listed as
; "stack frame non-standard": it switches stacks and privilege levels, so
; objtool skips validating it (as it does for Linux's own entry code), but
; still records its return-thunk and retpoline sites for patching.
global kplug_world_switch:function (kplug_switch_text_end - kplug_world_switch)
global kplug_call_host_handler
global kplug_gate_exit
global kplug_gate_service
global kplug_idt_stubs
global kplug_runtime_start
global kplug_runtime_end

; IBT kernels need ENDBR64 at every indirect branch target.
%macro ENDBR 0
%ifdef CONFIG_X86_KERNEL_IBT
	endbr64
%endif
%endmacro

; Return to C: through the return thunk on kernels mitigating retbleed.
%macro RET 0
%ifdef CONFIG_RETHUNK
	jmp	__x86_return_thunk
%else
	ret
%endif
%endmacro

; The next RET or indirect JMP is not the function return or branch objtool
; takes it for (the kernel's ANNOTATE_RETPOLINE_SAFE / ANNOTATE_UNRET_SAFE):
; a jump into Linux's handler for a fatal or buggy case.
%macro RETPOLINE_SAFE 0
%%insn:
	section .discard.retpoline_safe progbits noalloc noexec nowrite align=1
	dd	%%insn
	section .kprobes.text
%endmacro

; Overwrite the CPU's return stack buffer with 32 entries that point at a
; speculation trap, as Linux does on context switch and KVM on VM exit: the
; plugin's own calls must not steer the kernel's returns speculatively.
; Unrolled: 32 calls and no loop branch, so no lfence for a mispredicted
; one (Linux's 64-bit loop needs it).  Rsp is unchanged at the end.
%macro FILL_RETURN_STACK 0
%rep 32
	call	$ + 6		; a 5-byte call over the trap
	int3			; speculation trap: never executed
%endrep
	add	rsp, 32 * 8
%endmacro

; Load segment register %1 with the host selector saved at ctx offset %2
; (rdi = ctx), or with 0 if the CPU would refuse it (an LDT entry the task
; made not-present or shrank away): null loads always succeed; LAR checks
; the index and gives the present bit, VERR the type and privilege, the
; same checks as the load itself, so the load cannot fault.  The tables
; cannot change in between: interrupts are off, the GDT is this CPU's and
; an LDT is never modified while loaded (modify_ldt installs a new one).
; Clobbers eax, ecx.
%macro LOAD_HOST_SELECTOR 2
	movzx	eax, word [rdi + %2]
	test	eax, ~3
	jz	%%load
	lar	ecx, ax
	jnz	%%null
	bt	ecx, 15		; P
	jnc	%%null
	verr	ax
	jz	%%load
%%null:
	xor	eax, eax
%%load:
	mov	%1, eax
%endmacro

; %1 = 32-bit register: this CPU's number (Linux's CPUNODE limit, low 12 bits).
%macro CPU_NUMBER 1
	mov	%1, KPLUG_SEL_CPUNODE
	lsl	%1, %1
	and	%1, 0xfff
%endmacro

; Not probeable: a kprobe or breakpoint here would run Linux's handlers
; with half-switched state (the module's .kprobes.text is blacklisted).
section .kprobes.text progbits alloc exec nowrite align=16

;
; unsigned long kplug_world_switch(struct kplug_ctx *ctx)
;
; rdi = ctx, interrupts off.  Saves the callee-saved registers, RSP and the
; host state it will change, switches to the plugin's world and returns into
; ring 1 with the register state in ctx->regs.  "Returns" from
; kplug_restore_host with the exit reason in rax.
;
kplug_world_switch:
	ENDBR
	push	rbp
	push	rbx
	push	r12
	push	r13
	push	r14
	push	r15
	mov	[rdi + KPLUG_CTX_HOST_RSP], rsp

	; Save every piece of host state this file changes; kplug_restore_host
	; puts back exactly these.
	pushfq
	pop	qword [rdi + KPLUG_CTX_HOST_RFLAGS]
	mov	rax, cr3
	or	rax, [rdi + KPLUG_CTX_HOST_CR3_NOFLUSH]	; see world_switch.h
	mov	[rdi + KPLUG_CTX_HOST_CR3], rax
	mov	rax, [rdi + KPLUG_CTX_TSS_SP0]
	mov	rax, [rax]
	mov	[rdi + KPLUG_CTX_HOST_SP0], rax
	mov	word [rdi + KPLUG_CTX_HOST_DS], ds
	mov	word [rdi + KPLUG_CTX_HOST_ES], es
	mov	word [rdi + KPLUG_CTX_HOST_FS], fs
	mov	word [rdi + KPLUG_CTX_HOST_GS], gs
	sgdt	[rdi + KPLUG_CTX_HOST_GDTR + KPLUG_DTR_LIMIT]
	sidt	[rdi + KPLUG_CTX_HOST_IDTR + KPLUG_DTR_LIMIT]
	sldt	ax
	mov	[rdi + KPLUG_CTX_HOST_LDT], ax
	; The selector loads below clobber the FS and GS bases.  RDFSBASE and
	; friends where Linux enabled them: the MSR writes on the way back
	; serialise, WRFSBASE/WRGSBASE do not.
	cmp	byte [rdi + KPLUG_CTX_FSGSBASE], 0
	je	.base_msrs
	rdfsbase rax
	mov	[rdi + KPLUG_CTX_HOST_FS_BASE], rax
	rdgsbase rax
	mov	[rdi + KPLUG_CTX_HOST_GS_BASE], rax
	jmp	.bases_saved
.base_msrs:
	mov	ecx, MSR_FS_BASE
	rdmsr
	mov	[rdi + KPLUG_CTX_HOST_FS_BASE], eax
	mov	[rdi + KPLUG_CTX_HOST_FS_BASE + 4], edx
	mov	ecx, MSR_GS_BASE
	rdmsr
	mov	[rdi + KPLUG_CTX_HOST_GS_BASE], eax
	mov	[rdi + KPLUG_CTX_HOST_GS_BASE + 4], edx
.bases_saved:
	; FS stays as it is if it is null, FSGSBASE is on and its base is a
	; user address (64-bit tasks, kernel threads): compatibility mode
	; faults on any access through a null selector, the base cannot be
	; read there (RDFSBASE is #UD), and even so it leads to no kernel
	; address.  Then kplug_restore_host reloads it only if the plugin did:
	; null selector loads are slow (about 170 cycles each on Zen 4,
	; ../shared/HARDWARE-COSTS.md).  GS, whose base is the kernel's per-CPU
	; area here, is always the plugin's.
	xor	eax, eax
	cmp	byte [rdi + KPLUG_CTX_FSGSBASE], 0
	je	.keep_set
	cmp	word [rdi + KPLUG_CTX_HOST_FS], 0
	jne	.keep_set
	bt	qword [rdi + KPLUG_CTX_HOST_FS_BASE], 63	; kernel half?
	setnc	al
.keep_set:
	mov	[rdi + KPLUG_CTX_KEEP_FS], al

	; Until a plugin exit writes its vector there, the exit reason says
	; the plugin never ran; no exception in kplug's ring-0 code yet.
	mov	qword [rdi + KPLUG_CTX_REGS + KPLUG_REGS_VECTOR], KPLUG_EXIT_RING0
	mov	byte [rdi + KPLUG_CTX_RESTORING], 0
	mov	byte [rdi + KPLUG_CTX_RING0_PENDING], 0

	; IDT first: from here every NMI and exception lands in kplug's stubs,
	; which need nothing of the host's but the stack and kplug_running.
	lidt	[rdi + KPLUG_CTX_KPLUG_IDTR + KPLUG_DTR_LIMIT]
	lgdt	[rdi + KPLUG_CTX_PLUGIN_GDTR + KPLUG_DTR_LIMIT]
	cmp	word [rdi + KPLUG_CTX_HOST_LDT], 0
	je	.no_ldt		; LLDT serialises: only for tasks with an LDT
	xor	eax, eax
	lldt	ax		; no process LDT while the plugin runs
.no_ldt:

	; Exits from ring 1 push their frame just past ctx->regs.
	mov	rax, [rdi + KPLUG_CTX_TSS_SP0]
	lea	rcx, [rdi + KPLUG_CTX_REGS + KPLUG_REGS_SIZE]
	mov	[rax], rcx

	; FPU/SIMD fence: any x87/MMX/SSE/AVX instruction raises #NM.
	mov	rax, cr0
	or	rax, X86_CR0_TS
	mov	cr0, rax

	mov	rax, [rdi + KPLUG_CTX_PLUGIN_CR3]
	mov	cr3, rax		; the low half is now the sandbox

	; Data segments: the plugin's; FS too unless kept (above).  GS kills
	; the kernel GS base until kplug_restore_host restores it.
	mov	eax, KPLUG_SEL_DATA
	mov	ds, eax
	mov	es, eax
	mov	gs, eax
	cmp	byte [rdi + KPLUG_CTX_KEEP_FS], 0
	jne	.fs_kept
	mov	fs, eax
.fs_kept:

	; A far return into ring 1, not IRETQ, which serialises: its frame
	; comes from ctx->regs (run.c sanitised the flags), and the plugin's
	; flags go in by POPFQ just before it, with IF clear until STI's
	; shadow ends with the far return, so no interrupt arrives in between.
	; run.c never enters with TF set, which would single-step in ring 0.
	; Only the low 32 bits of anything go to ring 1: 32-bit loads
	; zero-extend.
	push	KPLUG_SEL_DATA
	mov	eax, [rdi + KPLUG_CTX_REGS + KPLUG_REGS_RSP]
	push	rax
	push	KPLUG_SEL_CODE
	mov	eax, [rdi + KPLUG_CTX_REGS + KPLUG_REGS_RIP]
	push	rax
	mov	eax, [rdi + KPLUG_CTX_REGS + KPLUG_REGS_RFLAGS]
	and	eax, ~X86_EFLAGS_IF
	push	rax

	; On CPUs with MDS-style leaks, clear the CPU buffers as Linux does
	; before returning to user space: only plugin values are loaded
	; from here on.
	cmp	byte [rdi + KPLUG_CTX_CLEAR_BUFS], 0
	je	.no_verw
	verw	[x86_verw_sel]
.no_verw:
	; Every general register gets a plugin value or zero: nothing of the
	; kernel's reaches ring 1 (compatibility mode cannot reach r8-r15).
	mov	eax, [rdi + KPLUG_CTX_REGS + KPLUG_REGS_RAX]
	mov	ebx, [rdi + KPLUG_CTX_REGS + KPLUG_REGS_RBX]
	mov	ecx, [rdi + KPLUG_CTX_REGS + KPLUG_REGS_RCX]
	mov	edx, [rdi + KPLUG_CTX_REGS + KPLUG_REGS_RDX]
	mov	esi, [rdi + KPLUG_CTX_REGS + KPLUG_REGS_RSI]
	mov	ebp, [rdi + KPLUG_CTX_REGS + KPLUG_REGS_RBP]
	xor	r8d, r8d
	xor	r9d, r9d
	xor	r10d, r10d
	xor	r11d, r11d
	xor	r12d, r12d
	xor	r13d, r13d
	xor	r14d, r14d
	xor	r15d, r15d
	mov	edi, [rdi + KPLUG_CTX_REGS + KPLUG_REGS_RDI]	; this kills ctx
	popfq			; the plugin's flags, IF still clear
kplug_enter_sti:
	sti			; IF set from the end of the next instruction
kplug_enter_retf:
	o64 retf		; to ring 1: RIP, CS, then RSP, SS

;
; The two gates' targets.  The plugin did "call KPLUG_SEL_EXIT_GATE:0"
; (normally from the runtime page, when its entry function returned) or
; "call KPLUG_SEL_SERVICE_GATE:0" (a service thunk, EAX = the number).
; The CPU switched to TSS.RSP0 and pushed RIP, CS, RSP, SS but no RFLAGS.
; Rebuild the interrupt-frame layout so every exit looks the same.
;
%macro GATE_ENTRY 3		; label, exit reason, where to go on
align 16
%1:
	ENDBR
	cli			; a gate leaves IF set: an interrupt before this
				; instruction is deferred by kplug_ring0_irq
	push	qword [rsp]	; RIP, one slot lower
	push	rax
	mov	rax, [rsp + 24]	; CS ...
	mov	[rsp + 16], rax	; ... into the old RIP slot
	pushfq			; the plugin's flags (AC/DF/NT still its own)
	pop	rax
	mov	[rsp + 24], rax	; ... into the old CS slot
	pop	rax
	push	0		; error code
	push	%2		; exit reason
	jmp	%3
%endmacro

	GATE_ENTRY kplug_gate_exit, KPLUG_EXIT_GATE, kplug_exit_returned
	GATE_ENTRY kplug_gate_service, KPLUG_EXIT_SERVICE, kplug_exit_plugin

;
; The entry returned: run.c reads only its result (EAX) and the invocation
; ends, so the other registers are not saved (kplug_restore_host clears
; them all the same).
;
kplug_exit_returned:
	push	rax
	sub	rsp, 14 * 8	; rbx .. r15: not saved
	jmp	kplug_exit_saved

;
; Common exit from ring 1.  Stack: vector, error code, hardware frame, all
; inside ctx->regs.  Save the plugin's registers there and switch back.
;
kplug_exit_plugin:
	push	rax
	push	rbx
	push	rcx
	push	rdx
	push	rsi
	push	rdi
	push	rbp
	push	r8
	push	r9
	push	r10
	push	r11
	push	r12
	push	r13
	push	r14
	push	r15
kplug_exit_saved:
	lea	rdi, [rsp - KPLUG_CTX_REGS]	; rsp == &ctx->regs
	push	X86_EFLAGS_FIXED	; IF, AC, DF, TF, NT all clear from here
	popfq
	cmp	qword [rdi + KPLUG_CTX_REGS + KPLUG_REGS_VECTOR], X86_TRAP_PF
	jne	kplug_restore_host
	mov	rax, cr2	; read before any host code can page fault
	mov	[rdi + KPLUG_CTX_CR2], rax
	; fall through

;
; rdi = ctx.  Put back the host state kplug_world_switch saved and return
; from it with the exit reason (ctx->regs.vector).  The only way back to
; the host; see the top of the file.  Until the lidt, an NMI lands in
; kplug_ring0_nmi (the host GS base is wrong for part of this).
;
kplug_restore_host:
	mov	byte [rdi + KPLUG_CTX_RESTORING], 1	; never restart this routine
	; The plugin's registers are saved (or it never ran): none of its
	; values goes on into host code, even speculatively.  rdi is ctx and
	; rsp its exit stack; the host's callee-saved registers come back from
	; its stack at the end.
	xor	eax, eax
	xor	ebx, ebx
	xor	ecx, ecx
	xor	edx, edx
	xor	esi, esi
	xor	ebp, ebp
	xor	r8d, r8d
	xor	r9d, r9d
	xor	r10d, r10d
	xor	r11d, r11d
	xor	r12d, r12d
	xor	r13d, r13d
	xor	r14d, r14d
	xor	r15d, r15d
	mov	rax, [rdi + KPLUG_CTX_HOST_CR3]
	mov	cr3, rax	; first: the host's LDT may live in its page table
	lgdt	[rdi + KPLUG_CTX_HOST_GDTR + KPLUG_DTR_LIMIT]	; before any host selector load
	cmp	word [rdi + KPLUG_CTX_HOST_LDT], 0
	je	.ldt_done	; LDTR is null all along (ring 1 cannot load it)
	lldt	[rdi + KPLUG_CTX_HOST_LDT]	; the host's selectors may be LDT ones
.ldt_done:
	mov	eax, __KERNEL_DS
	mov	ss, eax		; the gate/interrupt left SS null: AMD's SYSRET
				; would return it to user space broken
	LOAD_HOST_SELECTOR ds, KPLUG_CTX_HOST_DS
	LOAD_HOST_SELECTOR es, KPLUG_CTX_HOST_ES
	; FS: nothing to do if it was kept (see the entry) and the plugin
	; loaded neither selector nor base (a null load may clear it).
	cmp	byte [rdi + KPLUG_CTX_KEEP_FS], 0
	je	.load_fs
	mov	ax, fs
	test	ax, ax
	jnz	.load_fs
	rdfsbase rax
	cmp	rax, [rdi + KPLUG_CTX_HOST_FS_BASE]
	je	.fs_done
.load_fs:
	LOAD_HOST_SELECTOR fs, KPLUG_CTX_HOST_FS	; may change the base: fix it next
	cmp	byte [rdi + KPLUG_CTX_FSGSBASE], 0
	je	.fs_msr
	mov	rax, [rdi + KPLUG_CTX_HOST_FS_BASE]
	wrfsbase rax
	jmp	.fs_done
.fs_msr:
	mov	ecx, MSR_FS_BASE
	mov	eax, [rdi + KPLUG_CTX_HOST_FS_BASE]
	mov	edx, [rdi + KPLUG_CTX_HOST_FS_BASE + 4]
	wrmsr
.fs_done:
	LOAD_HOST_SELECTOR gs, KPLUG_CTX_HOST_GS	; may change the base: fix it next
	cmp	byte [rdi + KPLUG_CTX_FSGSBASE], 0
	je	.gs_msr
	mov	rax, [rdi + KPLUG_CTX_HOST_GS_BASE]
	wrgsbase rax		; kernel GS base is back
	jmp	.bases_done
.gs_msr:
	mov	ecx, MSR_GS_BASE
	mov	eax, [rdi + KPLUG_CTX_HOST_GS_BASE]
	mov	edx, [rdi + KPLUG_CTX_HOST_GS_BASE + 4]
	wrmsr			; kernel GS base is back
.bases_done:
	mov	rax, [rdi + KPLUG_CTX_TSS_SP0]
	mov	rcx, [rdi + KPLUG_CTX_HOST_SP0]
	mov	[rax], rcx
	clts			; Linux runs with CR0.TS clear
	mov	rsp, [rdi + KPLUG_CTX_HOST_RSP]

	; Ring 1 is supervisor mode to the branch predictors: what the plugin
	; trained, kernel code would use.  Before the first RET or indirect
	; branch, and before the host IDT is back (so that not even an NMI
	; handler runs first), the barriers Linux puts on its user->kernel
	; boundary, as run.c chose them (they keep rdi, clobber rax, rcx, rdx).
	test	byte [rdi + KPLUG_CTX_EXIT_SPEC], KPLUG_SPEC_UNTRAIN_ALIAS
	jz	.no_alias
	call	srso_alias_untrain_ret	; must be called directly, not via a wrapper
.no_alias:
	test	byte [rdi + KPLUG_CTX_EXIT_SPEC], KPLUG_SPEC_UNTRAIN
	jz	.no_untrain
	call	entry_untrain_ret
.no_untrain:
	test	byte [rdi + KPLUG_CTX_EXIT_SPEC], KPLUG_SPEC_IBPB
	jz	.no_ibpb
	call	entry_ibpb
.no_ibpb:
	test	byte [rdi + KPLUG_CTX_EXIT_SPEC], KPLUG_SPEC_BHB
	jz	.no_bhb
	call	clear_bhb_loop
.no_bhb:
	FILL_RETURN_STACK
	lidt	[rdi + KPLUG_CTX_HOST_IDTR + KPLUG_DTR_LIMIT]	; host whole again
	push	qword [rdi + KPLUG_CTX_HOST_RFLAGS]
	popfq
	mov	rax, [rdi + KPLUG_CTX_REGS + KPLUG_REGS_VECTOR]
	pop	r15
	pop	r14
	pop	r13
	pop	r12
	pop	rbx
	pop	rbp
	RET

;
; void kplug_call_host_handler(unsigned long entry)
;
; Build the frame the CPU would push for an interrupt in ring 0 (interrupts
; are off, so RFLAGS.IF=0 and the handler will not preempt us) and call
; Linux's IDT entry point; its IRETQ comes back here.
;
kplug_call_host_handler:
	ENDBR
	push	rbp
	mov	rbp, rsp
	and	rsp, -16	; the CPU aligns interrupt frames
	push	__KERNEL_DS
	push	rbp
	pushfq
	push	__KERNEL_CS
%ifdef CONFIG_RETPOLINE
	call	__x86_indirect_thunk_rdi
%else
	call	rdi
%endif
	mov	rsp, rbp
	pop	rbp
	RET

;
; Ring-0 arrivals in kplug's IDT (see the top of the file).
;

; NMI.  Stack: dummy error code, frame.
kplug_ring0_nmi:
	push	rax
	push	rcx
	CPU_NUMBER eax
	mov	rcx, [kplug_nmi_pending]
	mov	byte [rcx + rax], 1
	; An NMI may end STI's shadow (the SDM does not promise to hold it
	; off).  One that hit the entry's far return goes back to the STI
	; with IF clear: else an interrupt could arrive before the far
	; return, which does not load RFLAGS, and kplug_ring0_irq's IF=0
	; would go on into ring 1 with it, the plugin's budget unchecked.
	lea	rax, [kplug_enter_retf]
	cmp	[rsp + 24], rax		; the frame's RIP
	jne	.done
	lea	rax, [kplug_enter_sti]
	mov	[rsp + 24], rax
	and	qword [rsp + 40], ~X86_EFLAGS_IF	; the frame's RFLAGS
.done:
	pop	rcx
	pop	rax
	add	rsp, 8
	iretq

; External interrupt.  Stack: vector, dummy error code, frame.
kplug_ring0_irq:
	push	rax
	push	rcx
	CPU_NUMBER eax
	mov	rcx, [kplug_irq_pending]
	add	rcx, rax
	mov	al, [rsp + 16]	; vector
	mov	[rcx], al
	pop	rcx
	pop	rax
	and	qword [rsp + 32], ~X86_EFLAGS_IF	; stay off until run.c hands it over
	add	rsp, 16
	iretq

; #DB.  Stack: dummy error code, frame.
kplug_ring0_debug:
	push	rax
	lea	rax, [kplug_gate_exit]
	cmp	[rsp + 16], rax
	je	.gate
	lea	rax, [kplug_gate_service]
	cmp	[rsp + 16], rax
	jne	.forward
.gate:
	and	qword [rsp + 32], ~X86_EFLAGS_TF	; single step into a gate
	mov	eax, DR6_RESERVED	; DR6's value with nothing to report
	mov	dr6, rax
	pop	rax
	add	rsp, 8
	iretq
.forward:
	pop	rax
	push	X86_TRAP_DB	; vector
	jmp	kplug_ring0_exception

;
; Any other exception in a ring-0 window.  Stack: vector, error code (the
; CPU's or a dummy), frame.  Never return into the window: record the
; frame in this CPU's running context (ctx->ring0, ring0_pending) and
; finish the switch back with kplug_restore_host; the exit reason stays
; the plugin's if it had left ring 1 (an interrupt must still reach
; Linux), else it is KPLUG_EXIT_RING0.  Once kplug_restore_host has begun
; it is never restarted: a machine check there is recorded and the
; restore carries on (like an NMI, it is handed to Linux after), anything
; else (a kplug bug: the restore checks what it loads) goes to Linux's
; handler with the CPU's frame, for an oops.
;
%macro RECORD_RING0 1		; %1 = ctx; stack: rcx, rax, vector, error, frame
	mov	rax, [rsp + 16]
	mov	[%1 + KPLUG_CTX_RING0 + KPLUG_R0_VECTOR], rax
	mov	rax, [rsp + 24]
	mov	[%1 + KPLUG_CTX_RING0 + KPLUG_R0_ERROR], rax
	mov	rax, [rsp + 32]
	mov	[%1 + KPLUG_CTX_RING0 + KPLUG_R0_RIP], rax
	mov	rax, [rsp + 40]
	mov	[%1 + KPLUG_CTX_RING0 + KPLUG_R0_CS], rax
	mov	rax, [rsp + 48]
	mov	[%1 + KPLUG_CTX_RING0 + KPLUG_R0_RFLAGS], rax
	mov	rax, [rsp + 56]
	mov	[%1 + KPLUG_CTX_RING0 + KPLUG_R0_RSP], rax
	mov	rax, cr2
	mov	[%1 + KPLUG_CTX_RING0 + KPLUG_R0_CR2], rax
	mov	byte [%1 + KPLUG_CTX_RING0_PENDING], 1
%endmacro

kplug_ring0_exception:
	push	rax
	push	rcx
	CPU_NUMBER eax
	mov	rcx, [kplug_running]
	mov	rcx, [rcx + rax * 8]	; this CPU's running context
	cmp	byte [rcx + KPLUG_CTX_RESTORING], 0
	jne	.in_restore
	mov	rdi, rcx
	RECORD_RING0 rdi
	push	X86_EFLAGS_FIXED	; IF, AC, DF, TF, NT clear, as on a plugin exit
	popfq
	jmp	kplug_restore_host
.in_restore:
	cmp	qword [rsp + 16], X86_TRAP_MC
	jne	.oops
	RECORD_RING0 rcx
	pop	rcx
	pop	rax
	add	rsp, 16		; vector, error code
	iretq
.oops:
	call	kplug_ring0_prepare
	mov	rax, [rsp + 16]	; vector
	lea	rcx, [kplug_host_handler]
	mov	rcx, [rcx + rax * 8]
	mov	[rsp + 16], rcx	; Linux's handler where the vector was
	mov	ecx, ERROR_CODE_VECTORS
	bt	ecx, eax
	pop	rcx
	pop	rax
	jc	.jump
	pop	qword [rsp]	; no error code: drop the dummy
.jump:
	RETPOLINE_SAFE
	ret			; to the handler, with the CPU's frame
	int3

; Before handing a ring-0 exception to Linux: kernel GS base and Linux's IDT.
kplug_ring0_prepare:
	push	rax
	push	rcx
	push	rdx
	CPU_NUMBER eax
	lea	rcx, [__per_cpu_offset]
	mov	rax, [rcx + rax * 8]
	mov	rdx, rax
	shr	rdx, 32
	mov	ecx, MSR_GS_BASE
	wrmsr
	lidt	[kplug_host_idtr + KPLUG_DTR_LIMIT]
	pop	rdx
	pop	rcx
	pop	rax
	RET

;
; The 256 IDT stubs.  Each pushes a dummy error code where the CPU does not,
; then looks at the interrupted CS: anything but the kernel's is the plugin.
;
%macro IDT_STUB 1
align 16
kplug_idt_stub_%1:
	ENDBR
%if HAS_ERROR_CODE(%1) == 0
	push	0
%endif
%if %1 == X86_TRAP_DF
	; #DF is fatal wherever it comes from: Linux's handler, on its IST,
	; with the CPU's frame (error code included) as it is.
	call	kplug_ring0_prepare
	RETPOLINE_SAFE
	jmp	[kplug_host_handler + X86_TRAP_DF * 8]
	int3
%else
	cmp	qword [rsp + 16], __KERNEL_CS
	jne	%%plugin
%if %1 == X86_TRAP_DB
	jmp	kplug_ring0_debug
%elif %1 == X86_TRAP_NMI
	jmp	kplug_ring0_nmi
%elif %1 >= FIRST_EXTERNAL_VECTOR
	push	%1
	jmp	kplug_ring0_irq
%else
	push	%1
	jmp	kplug_ring0_exception
%endif
%%plugin:
	push	%1
	jmp	kplug_exit_plugin
%endif
%endmacro

; Exactly the ten exception vectors that push an error code skip the dummy.
%assign n 0
%assign v 0
%rep 256
%if HAS_ERROR_CODE(v)
%assign n n + 1
%endif
%assign v v + 1
%endrep
%if n != 10
%error "HAS_ERROR_CODE must hold for exactly 10 vectors"
%endif

%assign v 0
%rep 256
	IDT_STUB v
%assign v v + 1
%endrep

kplug_switch_text_end:

section .discard.func_stack_frame_non_standard progbits alloc write noexec align=4
	dd	kplug_world_switch - $

section .rodata

align 8
kplug_idt_stubs:
%assign v 0
%rep 256
	dq	kplug_idt_stub_ %+ v
%assign v v + 1
%endrep

;
; The runtime page, copied to KPLUG_RUNTIME_BASE in every sandbox.  An entry
; function's return address points at offset 0: leave through the exit gate
; with the result in EAX (the gate never returns; ud2 if something jumps
; past).  Service n is a cdecl function at offset KPLUG_RUNTIME_THUNK * n:
; its arguments stay on the plugin's stack, where run.c reads them.
;
bits 32
kplug_runtime_start:
	call	KPLUG_SEL_EXIT_GATE:0
	ud2
%assign n 1
%rep KPLUG_NR_SERVICES - 1
	times (kplug_runtime_start + n * KPLUG_RUNTIME_THUNK) - $ int3
	mov	eax, n
	call	KPLUG_SEL_SERVICE_GATE:0
	ret
%assign n n + 1
%endrep
kplug_runtime_end:
