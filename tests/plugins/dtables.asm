; SPDX-License-Identifier: GPL-2.0
; What a plugin learns from SIDT and SGDT (UMIP off: they run at CPL 1;
; UMIP on: #GP(0)).  dtables(which): 1 the IDT base, 2 the IDT limit, 3 the
; GDT base, 4 the GDT limit.  In compatibility mode they store a 32-bit
; base: the low half of the table's linear address.  which = 0 returns 0xd7.
bits 32
org 0x11000
	mov	ecx, [esp + 4]
	sub	esp, 8			; the code is read-only: store on the stack
	cmp	ecx, 1
	je	.idt
	cmp	ecx, 2
	je	.idt
	cmp	ecx, 3
	je	.gdt
	cmp	ecx, 4
	je	.gdt
	mov	eax, 0xd7
	jmp	.out
.idt:	sidt	[esp]
	jmp	.pick
.gdt:	sgdt	[esp]
.pick:	movzx	eax, word [esp]		; limit
	test	ecx, 1
	jz	.out
	mov	eax, [esp + 2]		; base
.out:	add	esp, 8
	ret
