; SPDX-License-Identifier: GPL-2.0
; Attack on invariants 4 and 6: sys(which) tries 1 sysenter, 2 syscall,
; 3 sysexit, 4 sysret, 5 swapgs, 6 iret to Linux's ring-0 code segment,
; 7 far call to Linux's ring-0 code segment, 8 far jmp to the exit gate
; (a jmp through a call gate cannot raise privilege).  None may reach ring 0
; code other than kplug's exit gate.  which = 0 returns 0x5afe.
bits 32
org 0x11000
	mov	eax, [esp + 4]
	cmp	eax, 1
	je	.sysenter
	cmp	eax, 2
	je	.syscall
	cmp	eax, 3
	je	.sysexit
	cmp	eax, 4
	je	.sysret
	cmp	eax, 5
	je	.swapgs
	cmp	eax, 6
	je	.iret0
	cmp	eax, 7
	je	.call0
	cmp	eax, 8
	je	.jmpgate
	mov	eax, 0x5afe
	ret
.sysenter:
	sysenter
	ret
.syscall:
	syscall
	ret
.sysexit:
	sysexit
	ret
.sysret:
	sysret
	ret
.swapgs:
	db	0x0f, 0x01, 0xf8	; swapgs: #UD outside 64-bit mode
	ret
.iret0:
	pushfd
	push	0x10
	push	.back
	iretd
.call0:
	call	0x10:0
	ret
.jmpgate:
	jmp	0x91:0
.back:
	ret
