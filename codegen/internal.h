/* SPDX-License-Identifier: LGPL-2.1 */
/*
 * Inside the code generator: the log, the ELF32 object reader, the ar
 * reader and the blobs built in at build time.  Not for users.
 */
#ifndef KPLUG_CODEGEN_INTERNAL_H
#define KPLUG_CODEGEN_INTERNAL_H

#include <elf.h>
#include <stdbool.h>
#include "codegen.h"

/* The library's own symbols stay out of a shared object's ABI. */
#pragma GCC visibility push(hidden)

void kplug_cg_log(struct kplug_codegen_log *log, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Start a call's messages: an empty log if nothing was written yet. */
void kplug_cg_log_begin(struct kplug_codegen_log *log);

/*
 * Check plugin source before tcc sees it (scan.c): floating point, #include
 * of anything but kplug.h (blanked in place: src is modified), #pragma
 * comment.  0 or -EINVAL with "file:line: error: ..." in the log.
 */
int kplug_cg_scan(char *src, const char *file, struct kplug_codegen_log *log);

/* --- ELF32 i386 relocatable objects (elf.c) -------------------------------
 * kplug_cg_elf_open() checks everything the linker relies on, so that the
 * linker itself needs no bounds checks: header, every section's extent,
 * string tables, symbols (name, section, value), and every relocation of a
 * loaded section (type, offset, symbol, what the symbol points into). */

/* What a section becomes in the image. */
enum kplug_cg_kind {
	CG_SKIP,	/* not loaded: debug info, notes, symbol tables */
	CG_TEXT,	/* read+execute: code and read-only data */
	CG_DATA,	/* read+write, initialised */
	CG_BSS,		/* read+write, zero */
};

struct kplug_cg_obj {
	char name[96];			/* for log lines */
	const unsigned char *buf;
	size_t len;
	__u32 shoff;			/* section headers */
	unsigned int shnum;
	unsigned int symtab;		/* section index of .symtab, 0: none */
	unsigned int nsyms;
	__u32 symoff;			/* symbols */
	const char *strtab;		/* symbol names, NUL-terminated */
	__u32 strtab_size;
	const char *shstrtab;		/* section names, NUL-terminated */
	__u32 shstrtab_size;
	unsigned char *kind;		/* enum kplug_cg_kind, per section */
	__u32 *addr;			/* link address, per section */
	unsigned char *ref;		/* per symbol: a loaded relocation uses it */
	bool user;			/* its functions are entry points */
	bool loaded;			/* part of the image */
};

int kplug_cg_elf_open(struct kplug_cg_obj *o, const char *name,
		      const void *buf, size_t len, struct kplug_codegen_log *log);
void kplug_cg_elf_close(struct kplug_cg_obj *o);
void kplug_cg_elf_shdr(const struct kplug_cg_obj *o, unsigned int i,
		       Elf32_Shdr *sh);
void kplug_cg_elf_sym(const struct kplug_cg_obj *o, unsigned int i,
		      Elf32_Sym *sym);
const char *kplug_cg_elf_sym_name(const struct kplug_cg_obj *o,
				  const Elf32_Sym *sym);
const char *kplug_cg_elf_sec_name(const struct kplug_cg_obj *o,
				  unsigned int i);
/* Relocation j of SHT_REL section i. */
void kplug_cg_elf_rel(const struct kplug_cg_obj *o, unsigned int i,
		      unsigned int j, Elf32_Rel *rel);
/* SHT_REL section i applies to a loaded section: its count, else 0. */
unsigned int kplug_cg_elf_nrels(const struct kplug_cg_obj *o, unsigned int i);

/* --- line tables (lines.c) ------------------------------------------------
 * Rows (link address, line, file) from an object's stabs or DWARF
 * .debug_line; a row holds up to the next one, line 0 ends a stretch. */
struct kplug_cg_line {
	__u32 addr, line;
	unsigned int file;		/* index into file[] */
	unsigned int order;		/* as read: ties in address keep it */
};

struct kplug_cg_lines {
	struct kplug_cg_line *row;
	size_t nr, cap;
	char **file;			/* names (repeats rare, not excluded) */
	size_t nr_files, cap_files;
	size_t names_size;		/* bytes of the names, NULs included */
};

/* The link address of symbol sym of o (link.c's, for relocations). */
typedef __u32 kplug_cg_addr_fn(void *ctx, struct kplug_cg_obj *o,
			       unsigned int sym);

/* Append o's rows; a table it cannot read is left out with a warning in
 * log.  0 or -ENOMEM. */
int kplug_cg_lines_add(struct kplug_cg_lines *t, struct kplug_cg_obj *o,
		       kplug_cg_addr_fn *addr, void *ctx,
		       struct kplug_codegen_log *log);
void kplug_cg_lines_free(struct kplug_cg_lines *t);

/* --- ar archives (archive.c) ----------------------------------------------
 * Iterate members: *pos starts at 0.  Returns 1 with a member, 0 at the
 * end, -EINVAL if malformed.  Symbol and long-name tables are skipped. */
int kplug_cg_ar_next(const unsigned char *buf, size_t len, size_t *pos,
		     char name[17], const unsigned char **data, size_t *size);

/* --- Built in at build time (blobs.S) ------------------------------------- */
extern const unsigned char kplug_cg_sdk_header[];	/* NUL-terminated */
extern const unsigned char kplug_cg_runtime_o[], kplug_cg_runtime_o_end[];
extern const unsigned char kplug_cg_libtcc1_a[], kplug_cg_libtcc1_a_end[];

#pragma GCC visibility pop

#endif /* KPLUG_CODEGEN_INTERNAL_H */
