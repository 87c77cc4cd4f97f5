; SPDX-License-Identifier: GPL-2.0
; Attack on the I/O fence: io(which) does 1 in al,0x80  2 out 0x80,al
; 3 in al,dx  4 out dx,al  5 insb  6 outsb  (port 0x80).  CPL 1 > IOPL 0 and
; the TSS I/O bitmap is invalid while a plugin runs, even for a task that
; called ioperm(): each must raise #GP(0).  which = 0 returns 0x10.
bits 32
org 0x11000
	mov	eax, [esp + 4]
	mov	edx, 0x80
	cmp	eax, 1
	je	.in_imm
	cmp	eax, 2
	je	.out_imm
	cmp	eax, 3
	je	.in_dx
	cmp	eax, 4
	je	.out_dx
	cmp	eax, 5
	je	.ins
	cmp	eax, 6
	je	.outs
	mov	eax, 0x10
	ret
.in_imm: in	al, 0x80
	ret
.out_imm: out	0x80, al
	ret
.in_dx:	in	al, dx
	ret
.out_dx: out	dx, al
	ret
.ins:	mov	edi, esp
	sub	edi, 64
	insb
	ret
.outs:	mov	esi, esp
	outsb
	ret
