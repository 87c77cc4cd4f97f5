; SPDX-License-Identifier: GPL-2.0
; A runaway plugin with memory traffic: loops forever over its stack
; (spin.asm with n = 2^32 - 1 is the one without).  Only its CPU budget
; stops it (-ETIME).
bits 32
org 0x11000
	sub	esp, 4096
.loop:	mov	ecx, 1024
	mov	edi, esp
.inner:	add	dword [edi + ecx * 4 - 4], ecx
	loop	.inner
	jmp	.loop
