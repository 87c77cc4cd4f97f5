; SPDX-License-Identifier: GPL-2.0
; Attack on invariant 1: priv(which) runs one privileged instruction; at
; CPL 1 each must raise #GP(0) ("privileged").  which = 0 returns 7.
;  1 hlt    2 cli    3 mov cr3  4 wrmsr  5 rdmsr  6 mov dr7  7 lgdt  8 lidt
;  9 lldt  10 ltr   11 invlpg  12 wbinvd 13 clts 14 sgdt (UMIP) 15 sidt
; 16 sldt  17 str   18 smsw    19 rdpmc  20 mov cr0 21 mov from cr4
; 22 lmsw  23 invd  24 sti
bits 32
org 0x11000
	mov	eax, [esp + 4]
	test	eax, eax
	jz	.fine
	cmp	eax, 24
	ja	.fine
	mov	edx, eax
	xor	eax, eax
	xor	ecx, ecx
	jmp	[table + edx * 4 - 4]
.fine:	mov	eax, 7
	ret
table:	dd	.hlt, .cli, .cr3, .wrmsr, .rdmsr, .dr7, .lgdt, .lidt
	dd	.lldt, .ltr, .invlpg, .wbinvd, .clts, .sgdt, .sidt, .sldt
	dd	.str, .smsw, .rdpmc, .cr0, .cr4, .lmsw, .invd, .sti
.hlt:	hlt
.cli:	cli
	ret
.cr3:	mov	cr3, eax
	ret
.wrmsr:	mov	ecx, 0xc0000101		; MSR_GS_BASE
	wrmsr
	ret
.rdmsr:	mov	ecx, 0xc0000101
	rdmsr
	ret
.dr7:	mov	dr7, eax
	ret
.lgdt:	lgdt	[scratch]
	ret
.lidt:	lidt	[scratch]
	ret
.lldt:	lldt	ax
	ret
.ltr:	ltr	ax
	ret
.invlpg: invlpg	[scratch]
	ret
.wbinvd: wbinvd
	ret
.clts:	clts
	ret
.sgdt:	sgdt	[scratch]
	ret
.sidt:	sidt	[scratch]
	ret
.sldt:	sldt	ax
	ret
.str:	str	ax
	ret
.smsw:	smsw	ax
	ret
.rdpmc:	rdpmc
	ret
.cr0:	mov	cr0, eax
	ret
.cr4:	mov	eax, cr4
	ret
.lmsw:	lmsw	ax
	ret
.invd:	invd
	ret
.sti:	sti
	ret
scratch: dd 0, 0, 0, 0
