; SPDX-License-Identifier: GPL-2.0
; Attack on invariant 6: xfer(kind, sel) transfers control to sel:landed
; with a far jmp (kind 0), far call (1), far ret (2), iret (3), or a far
; ret to an outer ring with sel also as SS (4).  Only kplug's own ring-1
; code segment (and the exit gate, which leaves the plugin) may work; every
; other selector and RPL must fault.  Returns 0x1a4d when it landed.
bits 32
org 0x11000
	mov	eax, [esp + 8]		; sel
	mov	ecx, [esp + 4]		; kind
	cmp	ecx, 1
	je	.call
	cmp	ecx, 2
	je	.retf
	cmp	ecx, 3
	je	.iret
	cmp	ecx, 4
	je	.outer
	push	eax			; far pointer on the stack (text is
	push	landed			; read-only): offset, then selector
	jmp	far [esp]
.call:	push	eax
	push	landed
	call	far [esp]
	ret				; a far call that came back
.retf:	push	eax
	push	landed
	retf
.iret:	pushfd
	push	eax
	push	landed
	iretd
.outer:	push	eax			; SS
	push	esp			; ESP
	push	eax			; CS
	push	landed
	retf
landed:
	mov	eax, 0x1a4d
	; the stack may be a far-call frame or shifted: leave through the gate
	call	0x91:0
