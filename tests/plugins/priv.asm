; SPDX-License-Identifier: GPL-2.0
; priv(which): 0 -> returns 7.  1 -> hlt, 2 -> cli, 3 -> mov cr3, 4 -> wrmsr:
; each is privileged at CPL 1 and must raise #GP(0).
bits 32
org 0x11000
	mov	eax, [esp + 4]
	cmp	eax, 1
	je	.hlt
	cmp	eax, 2
	je	.cli
	cmp	eax, 3
	je	.cr3
	cmp	eax, 4
	je	.wrmsr
	mov	eax, 7
	ret
.hlt:
	hlt
.cli:
	cli
	ret
.cr3:
	xor	eax, eax
	mov	cr3, eax
	ret
.wrmsr:
	mov	ecx, 0xc0000101		; MSR_GS_BASE
	xor	eax, eax
	xor	edx, edx
	wrmsr
	ret
