// SPDX-License-Identifier: LGPL-2.1
/*
 * Reading ELF32 i386 relocatable objects.  The objects are untrusted input
 * (any compiler, any file): kplug_cg_elf_open() checks every offset, size,
 * index and string before the linker looks at them, and classifies each
 * section, so that what it accepts can be linked without further checks.
 * Structures are copied out with memcpy: objects inside an ar archive are
 * only 2-byte aligned.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "../uapi/kplug.h"

#define BAD(...) do {							\
	kplug_cg_log(log, "%s: error: ", o->name);			\
	kplug_cg_log(log, __VA_ARGS__);					\
	kplug_cg_log(log, "\n");					\
	return -EINVAL;							\
} while (0)

void kplug_cg_elf_shdr(const struct kplug_cg_obj *o, unsigned int i,
		       Elf32_Shdr *sh)
{
	memcpy(sh, o->buf + o->shoff + (size_t)i * sizeof(*sh), sizeof(*sh));
}

void kplug_cg_elf_sym(const struct kplug_cg_obj *o, unsigned int i,
		      Elf32_Sym *sym)
{
	memcpy(sym, o->buf + o->symoff + (size_t)i * sizeof(*sym), sizeof(*sym));
}

const char *kplug_cg_elf_sym_name(const struct kplug_cg_obj *o,
				  const Elf32_Sym *sym)
{
	return o->strtab + sym->st_name;
}

const char *kplug_cg_elf_sec_name(const struct kplug_cg_obj *o,
				  unsigned int i)
{
	Elf32_Shdr sh;

	kplug_cg_elf_shdr(o, i, &sh);
	return o->shstrtab + sh.sh_name;
}

void kplug_cg_elf_rel(const struct kplug_cg_obj *o, unsigned int i,
		      unsigned int j, Elf32_Rel *rel)
{
	Elf32_Shdr sh;

	kplug_cg_elf_shdr(o, i, &sh);
	memcpy(rel, o->buf + sh.sh_offset + (size_t)j * sizeof(*rel),
	       sizeof(*rel));
}

unsigned int kplug_cg_elf_nrels(const struct kplug_cg_obj *o, unsigned int i)
{
	Elf32_Shdr sh;

	kplug_cg_elf_shdr(o, i, &sh);
	if (sh.sh_type != SHT_REL || o->kind[sh.sh_info] == CG_SKIP)
		return 0;
	return sh.sh_size / sizeof(Elf32_Rel);
}

void kplug_cg_elf_close(struct kplug_cg_obj *o)
{
	free(o->kind);
	free(o->addr);
	free(o->ref);
	o->kind = NULL;
	o->addr = NULL;
	o->ref = NULL;
}

/* A string table: inside the file and NUL-terminated at its end. */
static int strtab(struct kplug_cg_obj *o, unsigned int i, const char **tab,
		  __u32 *size, struct kplug_codegen_log *log)
{
	Elf32_Shdr sh;

	kplug_cg_elf_shdr(o, i, &sh);
	if (sh.sh_type != SHT_STRTAB || !sh.sh_size ||
	    o->buf[sh.sh_offset + sh.sh_size - 1] != '\0')
		BAD("section %u is not a valid string table\n", i);
	*tab = (const char *)o->buf + sh.sh_offset;
	*size = sh.sh_size;
	return 0;
}

static bool pow2_max(__u32 a, __u32 max)
{
	return a <= max && !(a & (a - 1));
}

static int classify(struct kplug_cg_obj *o, unsigned int i,
		    struct kplug_codegen_log *log)
{
	const char *name = kplug_cg_elf_sec_name(o, i);
	Elf32_Shdr sh;

	kplug_cg_elf_shdr(o, i, &sh);
	o->kind[i] = CG_SKIP;
	if (!strncmp(name, ".gnu.lto_", 9))
		BAD("section %s: LTO objects carry no machine code; build without -flto\n",
		    name);
	/* unwind tables: nothing in a plugin unwinds (gcc emits them unless
	 * -fno-asynchronous-unwind-tables) */
	if (!(sh.sh_flags & SHF_ALLOC) || !strcmp(name, ".eh_frame"))
		return 0;
	if (sh.sh_flags & SHF_TLS)
		BAD("section %s: thread-local storage is not supported in plugins\n",
		    name);
	if (sh.sh_type == SHT_INIT_ARRAY || sh.sh_type == SHT_FINI_ARRAY ||
	    sh.sh_type == SHT_PREINIT_ARRAY || !strncmp(name, ".ctors", 6) ||
	    !strncmp(name, ".dtors", 6) || !strcmp(name, ".init") ||
	    !strcmp(name, ".fini"))
		BAD("section %s: constructors and destructors are not supported (a plugin has no start-up code)\n",
		    name);
	if ((sh.sh_flags & SHF_WRITE) && (sh.sh_flags & SHF_EXECINSTR))
		BAD("section %s is writable and executable; plugin code is never writable\n",
		    name);
	if (sh.sh_addralign > 1 && !pow2_max(sh.sh_addralign, KPLUG_PAGE_SIZE))
		BAD("section %s: alignment %u is not a power of two up to %u\n",
		    name, sh.sh_addralign, KPLUG_PAGE_SIZE);
	switch (sh.sh_type) {
	case SHT_NOTE:
		return 0;
	case SHT_NOBITS:
		o->kind[i] = CG_BSS;
		return 0;
	case SHT_PROGBITS:
		o->kind[i] = (sh.sh_flags & SHF_WRITE) ? CG_DATA : CG_TEXT;
		return 0;
	}
	BAD("section %s has type 0x%x, which a plugin image cannot hold\n",
	    name, sh.sh_type);
}

static int check_sections(struct kplug_cg_obj *o, unsigned int shstrndx,
			  struct kplug_codegen_log *log)
{
	unsigned int i;
	int err;

	for (i = 0; i < o->shnum; i++) {
		Elf32_Shdr sh;

		kplug_cg_elf_shdr(o, i, &sh);
		if (sh.sh_type != SHT_NOBITS && sh.sh_type != SHT_NULL &&
		    (__u64)sh.sh_offset + sh.sh_size > o->len)
			BAD("section %u (offset %u, size %u) extends past the end of the file (%zu bytes)\n",
			    i, sh.sh_offset, sh.sh_size, o->len);
		if (sh.sh_type == SHT_SYMTAB) {
			if (o->symtab)
				BAD("more than one symbol table\n");
			o->symtab = i;
		}
	}
	if (shstrndx == SHN_UNDEF || shstrndx >= o->shnum)
		BAD("section name table index %u is invalid\n", shstrndx);
	err = strtab(o, shstrndx, &o->shstrtab, &o->shstrtab_size, log);
	if (err)
		return err;
	for (i = 0; i < o->shnum; i++) {
		Elf32_Shdr sh;

		kplug_cg_elf_shdr(o, i, &sh);
		if (sh.sh_name >= o->shstrtab_size)
			BAD("section %u: name offset %u is outside the name table\n",
			    i, sh.sh_name);
		err = classify(o, i, log);
		if (err)
			return err;
	}
	return 0;
}

static int check_symbols(struct kplug_cg_obj *o, struct kplug_codegen_log *log)
{
	Elf32_Shdr sh;
	unsigned int i;
	int err;

	if (!o->symtab)
		BAD("no symbol table (was the object stripped?)\n");
	kplug_cg_elf_shdr(o, o->symtab, &sh);
	if (sh.sh_entsize != sizeof(Elf32_Sym) || sh.sh_size % sizeof(Elf32_Sym))
		BAD("symbol table entries are not %zu bytes\n", sizeof(Elf32_Sym));
	if (sh.sh_link == SHN_UNDEF || sh.sh_link >= o->shnum)
		BAD("symbol table links to invalid string table %u\n", sh.sh_link);
	err = strtab(o, sh.sh_link, &o->strtab, &o->strtab_size, log);
	if (err)
		return err;
	o->nsyms = sh.sh_size / sizeof(Elf32_Sym);
	o->symoff = sh.sh_offset;

	for (i = 1; i < o->nsyms; i++) {
		Elf32_Sym s;
		const char *name;
		unsigned int bind, type;

		kplug_cg_elf_sym(o, i, &s);
		if (s.st_name >= o->strtab_size)
			BAD("symbol %u: name offset %u is outside the string table\n",
			    i, s.st_name);
		name = kplug_cg_elf_sym_name(o, &s);
		bind = ELF32_ST_BIND(s.st_info);
		type = ELF32_ST_TYPE(s.st_info);
		if (bind != STB_LOCAL && bind != STB_GLOBAL && bind != STB_WEAK)
			BAD("symbol '%s': binding %u is not supported\n", name, bind);
		if (type == STT_TLS)
			BAD("symbol '%s': thread-local storage is not supported in plugins\n",
			    name);
		if (type == STT_GNU_IFUNC)
			BAD("symbol '%s': indirect functions (ifunc) are not supported\n",
			    name);
		if (bind != STB_LOCAL && !name[0])
			BAD("symbol %u: global symbol without a name\n", i);
		if (s.st_shndx == SHN_UNDEF && bind == STB_LOCAL)
			BAD("symbol %u: local symbol without a section\n", i);
		if (s.st_shndx == SHN_UNDEF || s.st_shndx == SHN_ABS)
			continue;
		if (s.st_shndx == SHN_COMMON) {
			if (bind == STB_LOCAL || !s.st_value ||
			    !pow2_max(s.st_value, KPLUG_PAGE_SIZE) ||
			    s.st_size > KPLUG_DATA_MAX)
				BAD("common symbol '%s': bad alignment %u or size %u\n",
				    name, s.st_value, s.st_size);
			continue;
		}
		if (s.st_shndx >= o->shnum)
			BAD("symbol '%s': section index %u is invalid\n", name,
			    s.st_shndx);
		if (o->kind[s.st_shndx] == CG_SKIP)
			continue;	/* e.g. debug info; only relocations matter */
		kplug_cg_elf_shdr(o, s.st_shndx, &sh);
		if (s.st_value > sh.sh_size)
			BAD("symbol '%s': value 0x%x is past the end of section %s (0x%x bytes)\n",
			    name, s.st_value, kplug_cg_elf_sec_name(o, s.st_shndx),
			    sh.sh_size);
	}
	return 0;
}

/* The relocation types a position-dependent i386 object needs. */
static int check_type(struct kplug_cg_obj *o, unsigned int type,
		      const char *sec, __u32 off, struct kplug_codegen_log *log)
{
	switch (type) {
	case R_386_NONE:
	case R_386_32:
	case R_386_PC32:
	case R_386_PLT32:
		return 0;
	case R_386_GOT32:
	case R_386_GOT32X:
	case R_386_GOTOFF:
	case R_386_GOTPC:
	case R_386_COPY:
	case R_386_GLOB_DAT:
	case R_386_JMP_SLOT:
	case R_386_RELATIVE:
		BAD("%s+0x%x: GOT relocation (type %u): plugin objects must be built with -fno-pic\n",
		    sec, off, type);
	}
	if (type >= R_386_TLS_TPOFF && type <= R_386_TLS_DESC)
		BAD("%s+0x%x: TLS relocation (type %u): thread-local storage is not supported in plugins\n",
		    sec, off, type);
	BAD("%s+0x%x: relocation type %u is not supported (only R_386_32, R_386_PC32, R_386_PLT32)\n",
	    sec, off, type);
}

static int check_relocs(struct kplug_cg_obj *o, struct kplug_codegen_log *log)
{
	unsigned int i, j;
	int err;

	for (i = 0; i < o->shnum; i++) {
		Elf32_Shdr sh, t;
		const char *tname;

		kplug_cg_elf_shdr(o, i, &sh);
		if (sh.sh_type != SHT_REL && sh.sh_type != SHT_RELA)
			continue;
		if (sh.sh_info == SHN_UNDEF || sh.sh_info >= o->shnum)
			BAD("relocation section %u applies to invalid section %u\n",
			    i, sh.sh_info);
		if (o->kind[sh.sh_info] == CG_SKIP)
			continue;	/* relocates debug info: not loaded */
		tname = kplug_cg_elf_sec_name(o, sh.sh_info);
		if (sh.sh_type == SHT_RELA)
			BAD("section %s has RELA relocations, which i386 objects do not use\n",
			    tname);
		if (o->kind[sh.sh_info] == CG_BSS)
			BAD("relocations for section %s, which has no contents\n",
			    tname);
		if (sh.sh_link != o->symtab)
			BAD("relocations for %s do not use the symbol table\n", tname);
		if (sh.sh_entsize != sizeof(Elf32_Rel) ||
		    sh.sh_size % sizeof(Elf32_Rel))
			BAD("relocations for %s: entries are not %zu bytes\n",
			    tname, sizeof(Elf32_Rel));
		kplug_cg_elf_shdr(o, sh.sh_info, &t);
		for (j = 0; j < sh.sh_size / sizeof(Elf32_Rel); j++) {
			unsigned int sym, type;
			Elf32_Rel r;
			Elf32_Sym s;

			kplug_cg_elf_rel(o, i, j, &r);
			sym = ELF32_R_SYM(r.r_info);
			type = ELF32_R_TYPE(r.r_info);
			err = check_type(o, type, tname, r.r_offset, log);
			if (err)
				return err;
			if (type == R_386_NONE)
				continue;
			if ((__u64)r.r_offset + 4 > t.sh_size)
				BAD("%s+0x%x: relocation is past the end of the section (0x%x bytes)\n",
				    tname, r.r_offset, t.sh_size);
			/*
			 * Symbol 0 (STN_UNDEF) means the value 0: clang's
			 * call to an absolute address (a service thunk) is
			 * a PC32 relocation against it, addend in place.
			 */
			if (sym >= o->nsyms)
				BAD("%s+0x%x: relocation uses invalid symbol %u\n",
				    tname, r.r_offset, sym);
			if (sym == STN_UNDEF)	/* its entry is never read */
				continue;
			kplug_cg_elf_sym(o, sym, &s);
			if (s.st_shndx != SHN_UNDEF && s.st_shndx < SHN_LORESERVE &&
			    o->kind[s.st_shndx] == CG_SKIP)
				BAD("%s+0x%x: relocation refers to section %s, which is not loaded\n",
				    tname, r.r_offset,
				    kplug_cg_elf_sec_name(o, s.st_shndx));
		}
	}
	return 0;
}

int kplug_cg_elf_open(struct kplug_cg_obj *o, const char *name,
		      const void *buf, size_t len, struct kplug_codegen_log *log)
{
	Elf32_Ehdr eh;
	int err;

	memset(o, 0, sizeof(*o));
	snprintf(o->name, sizeof(o->name), "%s", name ? name : "object");
	o->buf = buf;
	o->len = len;
	if (!buf || len < sizeof(eh))
		BAD("%zu bytes is too short for an ELF object\n", len);
	memcpy(&eh, buf, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG))
		BAD("not an ELF file\n");
	if (eh.e_ident[EI_CLASS] != ELFCLASS32 || eh.e_machine != EM_386)
		BAD("not a 32-bit x86 object (ELF class %u, machine %u): compile with -m32\n",
		    eh.e_ident[EI_CLASS], eh.e_machine);
	if (eh.e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh.e_ident[EI_VERSION] != EV_CURRENT || eh.e_version != EV_CURRENT)
		BAD("unsupported ELF encoding or version\n");
	if (eh.e_type != ET_REL)
		BAD("ELF type %u is not a relocatable object: link from objects (-c), not executables\n",
		    eh.e_type);
	if (eh.e_ehsize != sizeof(eh) || eh.e_shentsize != sizeof(Elf32_Shdr))
		BAD("ELF header or section header size is wrong\n");
	if (!eh.e_shnum || eh.e_shnum >= SHN_LORESERVE ||
	    eh.e_shoff < sizeof(eh) ||
	    (__u64)eh.e_shoff + (__u64)eh.e_shnum * sizeof(Elf32_Shdr) > len)
		BAD("section headers (offset %u, %u of them) are not inside the file\n",
		    eh.e_shoff, eh.e_shnum);
	o->shnum = eh.e_shnum;
	o->shoff = eh.e_shoff;
	o->kind = calloc(o->shnum, sizeof(*o->kind));
	o->addr = calloc(o->shnum, sizeof(*o->addr));
	if (!o->kind || !o->addr) {
		kplug_cg_elf_close(o);
		return -ENOMEM;
	}
	err = check_sections(o, eh.e_shstrndx, log);
	if (!err)
		err = check_symbols(o, log);
	if (!err)
		err = check_relocs(o, log);
	if (err)
		kplug_cg_elf_close(o);
	return err;
}
