/* SPDX-License-Identifier: LGPL-2.1 */
/*
 * Files the code generator needs at run time, built into the library so
 * that it needs none on disk: the plugin SDK header (compiled in front of
 * every plugin source), the plugin runtime (i386 object built from
 * runtime.c) and tcc's i386 helper archive (64-bit division and shifts).
 * The Makefile passes each path as a string macro.
 */
#define BLOB(sym, file)				\
	.globl sym;				\
	.hidden sym;				\
	.balign 16;				\
sym:						\
	.incbin file;				\
	.globl sym##_end;			\
	.hidden sym##_end;			\
sym##_end:					\
	.byte 0		/* NUL: the header is used as a C string */

	.section .rodata
BLOB(kplug_cg_sdk_header, KPLUG_SDK_HEADER)
BLOB(kplug_cg_runtime_o, KPLUG_RUNTIME_O)
BLOB(kplug_cg_libtcc1_a, KPLUG_LIBTCC1_A)

	.section .note.GNU-stack, "", @progbits
