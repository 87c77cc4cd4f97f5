; SPDX-License-Identifier: GPL-2.0
; Attacks on the stack: stack(which)  1 recurses forever: the guard page
; below the stack slot stops it (#PF in the guard: "stack")  2 ESP = 0 and
; push: the write wraps to 0xfffffffc, unmapped  3 ESP past the top of the
; sandbox (and of the DS/SS limit) and push: #SS on hardware (limit), #PF
; under TCG (paging: nothing is mapped there)  4 pops the return address
; and jumps to the kernel half's image of itself: unreachable from 32 bits.
; which = 0 returns 0x57ac.
bits 32
org 0x11000
	mov	eax, [esp + 4]
	cmp	eax, 1
	je	.recurse
	cmp	eax, 2
	je	.zero
	cmp	eax, 3
	je	.past
	mov	eax, 0x57ac
	ret
.recurse:
	push	eax
	call	.recurse
.zero:	xor	esp, esp
	push	eax
	ret
.past:	mov	esp, 0x10001000		; above KPLUG_SANDBOX_MAX
	push	eax
	ret
