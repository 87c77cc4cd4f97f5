; SPDX-License-Identifier: GPL-2.0
; Attack on invariant 5: fpu(which) runs 1 fninit  2 fld1  3 movaps (SSE)
; 4 vaddps ymm (AVX)  5 emms (MMX)  6 fxsave  7 ldmxcsr  8 pxor xmm (SSE2)
; 9 fwait after fld1.  CR0.TS is set while a plugin runs: each raises #NM,
; and the invoking task's FPU/SSE registers are never touched.
; which = 0 returns 0xf00.
bits 32
org 0x11000
	mov	eax, [esp + 4]
	test	eax, eax
	jz	.fine
	cmp	eax, 9
	ja	.fine
	jmp	[table + eax * 4 - 4]
.fine:	mov	eax, 0xf00
	ret
table:	dd	.fninit, .fld1, .movaps, .vaddps, .emms, .fxsave, .ldmxcsr
	dd	.pxor, .fwait
.fninit: fninit
	ret
.fld1:	fld1
	ret
.movaps: movaps	xmm0, xmm1
	ret
.vaddps: vaddps	ymm0, ymm1, ymm2
	ret
.emms:	emms
	ret
.fxsave: mov	eax, esp
	sub	eax, 1024
	and	eax, ~15
	fxsave	[eax]
	ret
.ldmxcsr: ldmxcsr [esp]
	ret
.pxor:	pxor	xmm3, xmm3
	ret
.fwait:	fwait
	ret
