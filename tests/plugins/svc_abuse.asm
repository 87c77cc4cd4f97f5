; SPDX-License-Identifier: GPL-2.0
; Attacks on the service gate (invariant 8): svc(which)  1 service number
; 99  2 service number 0  3 a valid service (cpu) with ESP pointing at
; nothing (its arguments cannot be read)  4 the service gate with RPL 3
; (0xa3: #GP)  5 log() with a pointer into the null guard  6 random() into
; its own code  7 random() of 8 KiB  8 a valid call straight through the
; gate (cpu) -- returns the CPU number.  which = 0 returns 0x5e.
bits 32
org 0x11000
	mov	ecx, [esp + 4]
	cmp	ecx, 1
	je	.s99
	cmp	ecx, 2
	je	.s0
	cmp	ecx, 3
	je	.nostack
	cmp	ecx, 4
	je	.rpl3
	cmp	ecx, 5
	je	.badlog
	cmp	ecx, 6
	je	.randcode
	cmp	ecx, 7
	je	.bigrand
	cmp	ecx, 8
	je	.cpu
	mov	eax, 0x5e
	ret
.s99:	mov	eax, 99
	call	0xa1:0
	ret
.s0:	xor	eax, eax
	call	0xa1:0
	ret
.nostack:
	mov	esp, 0x1000		; unmapped: no arguments there
	mov	eax, 4
	call	0xa1:0
	ret
.rpl3:	mov	eax, 4
	call	0xa3:0
	ret
.badlog:
	push	4
	push	0x100
	call	0x10010			; the log thunk (service 1)
	add	esp, 8
	ret
.randcode:
	push	4
	push	0x11000
	call	0x10030			; random (service 3)
	add	esp, 8
	ret
.bigrand:
	push	8192
	push	esp
	call	0x10030
	add	esp, 8
	ret
.cpu:	mov	eax, 4
	push	0			; what the thunk's return address would be
	call	0xa1:0
	add	esp, 4
	ret
