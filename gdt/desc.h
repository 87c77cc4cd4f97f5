/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x86 descriptor encoding for kplug: segment descriptors for the plugin's
 * ring-1 segments, 64-bit call gates and interrupt gates.  Pure functions of
 * their arguments, shared by the module and the host unit tests.
 */
#ifndef KPLUG_GDT_DESC_H
#define KPLUG_GDT_DESC_H

#include <linux/types.h>

/* Access byte: present, DPL, S (code/data) and type. */
#define KPLUG_DESC_P		0x80
#define KPLUG_DESC_S		0x10
#define KPLUG_TYPE_CODE_XRA	0x0b	/* execute/read, accessed */
#define KPLUG_TYPE_DATA_RWA	0x03	/* read/write, expand-up, accessed */
#define KPLUG_TYPE_CALL_GATE	0x0c	/* 64-bit call gate (system) */
#define KPLUG_TYPE_INTR_GATE	0x0e	/* 64-bit interrupt gate (system) */

/* Flags nibble (descriptor bits 52..55). */
#define KPLUG_DESC_G		0x8	/* limit in 4 KiB pages */
#define KPLUG_DESC_DB		0x4	/* 32-bit default operand size */

/*
 * A base-0 code or data segment whose last usable byte is end - 1, where
 * end is page aligned and non-zero.  The access byte is preset to
 * "accessed" so the CPU never writes the descriptor.
 */
static inline __u64 kplug_desc_segment(__u32 end, unsigned int type,
				       unsigned int dpl)
{
	__u64 limit = (__u64)(end >> 12) - 1;	/* in pages, G=1 */
	__u64 access = KPLUG_DESC_P | (dpl & 3) << 5 | KPLUG_DESC_S |
		       (type & 0xf);
	__u64 flags = KPLUG_DESC_G | KPLUG_DESC_DB;

	return (limit & 0xffff) | (limit >> 16 & 0xf) << 48 |
	       access << 40 | flags << 52;
}

/* DPL field of a segment or system descriptor. */
static inline unsigned int kplug_desc_dpl(__u64 desc)
{
	return desc >> 45 & 3;
}

/* True for a code/data descriptor (S=1), false for system descriptors. */
static inline int kplug_desc_is_segment(__u64 desc)
{
	return desc >> 44 & 1;
}

static inline __u64 kplug_desc_set_dpl(__u64 desc, unsigned int dpl)
{
	return (desc & ~(3ull << 45)) | (__u64)(dpl & 3) << 45;
}

/*
 * A 16-byte long-mode gate: call gate (type 0xc, ist must be 0) or
 * interrupt gate (type 0xe).  Written as two quadwords lo, hi.
 */
static inline void kplug_desc_gate(__u64 out[2], __u64 target, __u16 sel,
				   unsigned int type, unsigned int dpl,
				   unsigned int ist)
{
	__u64 access = KPLUG_DESC_P | (dpl & 3) << 5 | (type & 0xf);

	out[0] = (target & 0xffff) | (__u64)sel << 16 | (__u64)(ist & 7) << 32 |
		 access << 40 | (target >> 16 & 0xffff) << 48;
	out[1] = target >> 32;
}

/* Target offset of a 16-byte gate. */
static inline __u64 kplug_gate_target(const __u64 gate[2])
{
	return (gate[0] & 0xffff) | (gate[0] >> 48 & 0xffff) << 16 |
	       gate[1] << 32;
}

/*
 * Where kplug maps its descriptor tables read-only (gdt.c): the last pages
 * of the 512 GiB slot of Linux's CPU entry area (0xfffffe0000000000, the
 * same on every boot and in every kernel since 4.15), so that the
 * addresses SIDT and SGDT reveal (CPUs without UMIP let ring 1 run them)
 * say nothing about where KASLR put the kernel.  The IDT is the last page,
 * CPU n's GDT the (n + 2)th page from the end.  In compatibility mode a
 * plugin's SIDT/SGDT store only the low 32 bits of the base.
 */
#define KPLUG_RO_TABLES_END	0xfffffe8000000000ull
#define KPLUG_RO_IDT		(KPLUG_RO_TABLES_END - 4096)
#define KPLUG_RO_GDT(cpu)	(KPLUG_RO_IDT - 4096 * ((__u64)(cpu) + 1))

/* The accessed bit of a code/data descriptor's type. */
#define KPLUG_DESC_ACCESSED	(1ull << 40)

#endif /* KPLUG_GDT_DESC_H */
