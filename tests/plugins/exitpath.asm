; SPDX-License-Identifier: GPL-2.0
; Attacks on the exit path: exit(which)  1 ESP = 0 then the exit gate (the
; gate switches to kplug's stack; the plugin's stack does not matter):
; returns 0xe1  2 the gate with RPL 3 (0x93: #GP)  3 the gate with a
; non-zero offset (ignored by call gates): returns 0xe3  4 returns to
; address 0 (#PF on fetch)  5 the gate selector with TI=1 (an LDT selector;
; the LDT is null: #GP)  6 the gate's second half (entry 19) as a selector
; (#GP).  which = 0 returns 0xe0.
bits 32
org 0x11000
	mov	eax, [esp + 4]
	cmp	eax, 1
	je	.nostack
	cmp	eax, 2
	je	.rpl3
	cmp	eax, 3
	je	.offset
	cmp	eax, 4
	je	.ret0
	cmp	eax, 5
	je	.ldt
	cmp	eax, 6
	je	.half
	mov	eax, 0xe0
	ret
.nostack: xor	esp, esp
	mov	eax, 0xe1
	call	0x91:0
.rpl3:	call	0x93:0
.offset: mov	eax, 0xe3
	call	0x91:0x12345678
.ret0:	mov	dword [esp], 0
	ret
.ldt:	call	0x95:0
.half:	call	0x99:0
