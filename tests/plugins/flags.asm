; SPDX-License-Identifier: GPL-2.0
; Attack on invariant 7 (flags): flags(which) sets, then returns normally:
; 1 AC  2 DF  3 NT  4 AC|DF|NT together  5 TF (the next instruction traps:
; #DB, "debug")  6 TF right before the exit gate (the single step lands on
; kplug's gate entry in ring 0 and must be absorbed)  7 tries to set IF=0
; and IOPL=3 with popf (ignored at CPL 1 > IOPL) and returns the flags it
; then sees  8 NT then iret (a task return: #GP)  9 TF right before a
; service call (absorbed likewise, TF with it; returns the CPU number).  The host must see its own
; flags again whatever the plugin left.  which = 0 returns 0xf1a9.
bits 32
org 0x11000
	mov	eax, [esp + 4]
	cmp	eax, 1
	je	.ac
	cmp	eax, 2
	je	.df
	cmp	eax, 3
	je	.nt
	cmp	eax, 4
	je	.all
	cmp	eax, 5
	je	.tf
	cmp	eax, 6
	je	.tfgate
	cmp	eax, 7
	je	.iopl
	cmp	eax, 8
	je	.ntiret
	cmp	eax, 9
	je	.tfservice
	mov	eax, 0xf1a9
	ret
%macro SETFLAGS 1
	pushfd
	or	dword [esp], %1
	popfd
%endmacro
.ac:	SETFLAGS 0x40000
	mov	eax, 1
	ret
.df:	SETFLAGS 0x400
	mov	eax, 2
	ret
.nt:	SETFLAGS 0x4000
	mov	eax, 3
	ret
.all:	SETFLAGS 0x44400
	mov	eax, 4
	ret
.tf:	SETFLAGS 0x100
	nop
	mov	eax, 5
	ret
.tfgate: mov	eax, 6
	SETFLAGS 0x100
	call	0x91:0
.iopl:	pushfd
	and	dword [esp], ~0x200
	or	dword [esp], 0x3000
	popfd
	pushfd
	pop	eax
	ret
.tfservice:
	mov	eax, 4			; kplug_cpu
	push	0			; the thunk's return address slot
	SETFLAGS 0x100
	call	0xa1:0
	add	esp, 4
	ret
.ntiret: SETFLAGS 0x4000
	pushfd
	push	cs
	push	.back
	iretd
.back:	ret
