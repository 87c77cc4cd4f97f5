// SPDX-License-Identifier: LGPL-2.1
/*
 * The plugin linker: ELF32 i386 relocatable objects -> kplug image.
 *
 * Small on purpose, and independent of the compiler: tcc's objects and
 * gcc's (-m32 -ffreestanding -fno-pic -c) go through the same path.
 *
 *   1. read and check every object (elf.c);
 *   2. collect the global definitions; pull in the runtime object and
 *      libtcc1 members that define a symbol some loaded relocation needs,
 *      until nothing more is needed; anything still undefined is an error;
 *   3. lay out: code and read-only sections at KPLUG_TEXT_BASE, writable
 *      ones at kplug_data_base(text_size), then bss and common symbols;
 *   4. copy, relocate (R_386_32, R_386_PC32, R_386_PLT32 - all a
 *      position-dependent object needs with base-0 segments; symbol 0
 *      is the absolute value 0, as clang's calls to the SDK's service
 *      thunks at fixed addresses use it);
 *   5. the entry table: every global function of the user's objects,
 *      sorted by name;
 *   6. the debug trailer: every function of the image (static ones too)
 *      with its address and size, and the line table the objects' debug
 *      information gives (lines.c), for function+offset and file:line in
 *      fault reports.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "../uapi/kplug.h"

#define HASH_SIZE	1024
#define MAX_OBJS	4096

#define FAIL(...) do {							\
	kplug_cg_log(l->log, __VA_ARGS__);				\
	return -EINVAL;							\
} while (0)

enum { R_WEAK = 1, R_COMMON, R_STRONG };	/* which definition wins */

struct gsym {
	struct gsym *next;
	const char *name;
	struct kplug_cg_obj *obj;	/* the winning definition */
	unsigned int idx;		/* its symbol index */
	int rank;
	__u32 size, align;		/* common: the largest seen */
	__u32 addr;			/* common: where it landed in bss */
};

struct link {
	struct kplug_codegen_log *log;
	struct kplug_cg_obj *cand;	/* user objects, then library objects */
	unsigned int nr_cand, nr_user;
	struct kplug_cg_obj **objs;	/* loaded, in link order */
	unsigned int nr;
	struct gsym *hash[HASH_SIZE];
	__u32 text_size, data_base, data_size, bss_size;
	unsigned int nr_ent;
};

static unsigned int hash(const char *s)
{
	unsigned int h = 2166136261u;	/* FNV-1a */

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h % HASH_SIZE;
}

static struct gsym *lookup(struct link *l, const char *name)
{
	struct gsym *g;

	for (g = l->hash[hash(name)]; g; g = g->next)
		if (!strcmp(g->name, name))
			return g;
	return NULL;
}

static int add_defs(struct link *l, struct kplug_cg_obj *o)
{
	unsigned int i;

	for (i = 1; i < o->nsyms; i++) {
		const char *name;
		struct gsym *g;
		Elf32_Sym s;
		int rank;

		kplug_cg_elf_sym(o, i, &s);
		if (ELF32_ST_BIND(s.st_info) == STB_LOCAL ||
		    s.st_shndx == SHN_UNDEF ||
		    (s.st_shndx < SHN_LORESERVE && o->kind[s.st_shndx] == CG_SKIP))
			continue;
		name = kplug_cg_elf_sym_name(o, &s);
		rank = s.st_shndx == SHN_COMMON ? R_COMMON :
		       ELF32_ST_BIND(s.st_info) == STB_WEAK ? R_WEAK : R_STRONG;
		g = lookup(l, name);
		if (!g) {
			g = calloc(1, sizeof(*g));
			if (!g)
				return -ENOMEM;
			g->name = name;
			g->next = l->hash[hash(name)];
			l->hash[hash(name)] = g;
		} else if (rank == R_STRONG && g->rank == R_STRONG) {
			FAIL("%s: error: symbol '%s' is already defined in %s\n",
			     o->name, name, g->obj->name);
		} else if (rank == R_COMMON && g->rank == R_COMMON) {
			if (s.st_size > g->size)
				g->size = s.st_size;
			if (s.st_value > g->align)
				g->align = s.st_value;
			continue;
		} else if (rank <= g->rank) {
			continue;
		}
		g->obj = o;
		g->idx = i;
		g->rank = rank;
		g->size = s.st_size;
		g->align = s.st_value;
	}
	return 0;
}

static int load(struct link *l, struct kplug_cg_obj *o)
{
	o->ref = calloc(o->nsyms, 1);
	if (!o->ref)
		return -ENOMEM;
	o->loaded = true;
	l->objs[l->nr++] = o;
	return add_defs(l, o);
}

/* A library object, not loaded yet, that defines name. */
static struct kplug_cg_obj *provider(struct link *l, const char *name)
{
	unsigned int c, i;

	for (c = l->nr_user; c < l->nr_cand; c++) {
		struct kplug_cg_obj *o = &l->cand[c];

		if (o->loaded)
			continue;
		for (i = 1; i < o->nsyms; i++) {
			Elf32_Sym s;

			kplug_cg_elf_sym(o, i, &s);
			if (ELF32_ST_BIND(s.st_info) != STB_LOCAL &&
			    s.st_shndx != SHN_UNDEF &&
			    !strcmp(kplug_cg_elf_sym_name(o, &s), name))
				return o;
		}
	}
	return NULL;
}

static const char *hint(const char *name)
{
	if (!strncmp(name, "__stack_chk_", 12))
		return " (build with -fno-stack-protector)";
	if (!strcmp(name, "_GLOBAL_OFFSET_TABLE_") ||
	    !strncmp(name, "__x86.get_pc_thunk", 18))
		return " (build with -fno-pic)";
	if (!strncmp(name, "__", 2))
		return " (a compiler helper that kplug's runtime does not provide)";
	return "";
}

/* Step 2: pull in what loaded relocations need; report what is missing. */
static int resolve(struct link *l)
{
	unsigned int k, i, j, n;
	bool missing = false;
	int err;

	for (k = 0; k < l->nr; k++) {		/* l->nr grows as we go */
		struct kplug_cg_obj *o = l->objs[k];

		for (i = 0; i < o->shnum; i++) {
			n = kplug_cg_elf_nrels(o, i);
			for (j = 0; j < n; j++) {
				struct kplug_cg_obj *p;
				unsigned int sym;
				const char *name;
				Elf32_Rel r;
				Elf32_Sym s;

				kplug_cg_elf_rel(o, i, j, &r);
				if (ELF32_R_TYPE(r.r_info) == R_386_NONE)
					continue;
				sym = ELF32_R_SYM(r.r_info);
				if (sym == STN_UNDEF)
					continue;	/* absolute: nothing to find */
				o->ref[sym] = 1;
				kplug_cg_elf_sym(o, sym, &s);
				if (ELF32_ST_BIND(s.st_info) == STB_LOCAL ||
				    s.st_shndx != SHN_UNDEF)
					continue;
				name = kplug_cg_elf_sym_name(o, &s);
				if (lookup(l, name))
					continue;
				p = provider(l, name);
				if (p) {
					err = load(l, p);
					if (err)
						return err;
				}
			}
		}
	}

	for (k = 0; k < l->nr; k++) {
		struct kplug_cg_obj *o = l->objs[k];

		for (i = 1; i < o->nsyms; i++) {
			const char *name;
			Elf32_Sym s;

			kplug_cg_elf_sym(o, i, &s);
			if (!o->ref[i] || s.st_shndx != SHN_UNDEF ||
			    ELF32_ST_BIND(s.st_info) != STB_GLOBAL)
				continue;	/* weak: may stay undefined (0) */
			name = kplug_cg_elf_sym_name(o, &s);
			if (lookup(l, name))
				continue;
			kplug_cg_log(l->log, "%s: error: undefined symbol '%s'%s\n",
				     o->name, name, hint(name));
			missing = true;
		}
	}
	if (missing)
		FAIL("note: plugins have no libc: they can call their own functions and those declared in kplug.h\n");
	return 0;
}

static __u64 align_up(__u64 x, __u32 a)
{
	return a > 1 ? (x + a - 1) & ~(__u64)(a - 1) : x;
}

/* Step 3: give every loaded section of one kind an address. */
static int place(struct link *l, int kind, __u64 *off, __u32 base, __u32 max,
		 const char *what)
{
	unsigned int k, i;

	for (k = 0; k < l->nr; k++) {
		struct kplug_cg_obj *o = l->objs[k];

		for (i = 0; i < o->shnum; i++) {
			Elf32_Shdr sh;

			if (o->kind[i] != kind)
				continue;
			kplug_cg_elf_shdr(o, i, &sh);
			*off = align_up(*off, sh.sh_addralign);
			o->addr[i] = base + (__u32)*off;
			*off += sh.sh_size;
			if (*off > max)
				FAIL("error: the plugin's %s exceeds the limit of %u bytes\n",
				     what, max);
		}
	}
	return 0;
}

static int layout(struct link *l)
{
	__u64 off = 0;
	unsigned int h;
	struct gsym *g;
	int err;

	err = place(l, CG_TEXT, &off, KPLUG_TEXT_BASE, KPLUG_TEXT_MAX,
		    "code and constants");
	if (err)
		return err;
	if (!off)
		FAIL("error: the plugin has no code\n");
	l->text_size = off;
	l->data_base = kplug_data_base(l->text_size);

	off = 0;
	err = place(l, CG_DATA, &off, l->data_base, KPLUG_DATA_MAX, "data");
	if (!err)
		l->data_size = off;
	if (!err)
		err = place(l, CG_BSS, &off, l->data_base, KPLUG_DATA_MAX,
			    "data and bss");
	if (err)
		return err;
	for (h = 0; h < HASH_SIZE; h++) {
		for (g = l->hash[h]; g; g = g->next) {
			if (g->rank != R_COMMON)
				continue;
			off = align_up(off, g->align);
			g->addr = l->data_base + (__u32)off;
			off += g->size;
			if (off > KPLUG_DATA_MAX)
				FAIL("error: the plugin's data and bss exceed the limit of %u bytes\n",
				     KPLUG_DATA_MAX);
		}
	}
	l->bss_size = off - l->data_size;
	return 0;
}

/* The address a relocation against symbol idx of o refers to. */
static __u32 sym_value(struct link *l, struct kplug_cg_obj *o, unsigned int idx)
{
	struct gsym *g;
	Elf32_Sym s;

	if (idx == STN_UNDEF)
		return 0;	/* an absolute address: the addend is all */
	kplug_cg_elf_sym(o, idx, &s);
	if (ELF32_ST_BIND(s.st_info) != STB_LOCAL) {
		/* globals bind to the winning definition, wherever it is */
		g = lookup(l, kplug_cg_elf_sym_name(o, &s));
		if (!g)
			return 0;	/* undefined weak */
		if (g->rank == R_COMMON)
			return g->addr;
		o = g->obj;
		kplug_cg_elf_sym(o, g->idx, &s);
	}
	if (s.st_shndx == SHN_ABS)
		return s.st_value;
	return o->addr[s.st_shndx] + s.st_value;
}

/* Where section i of o is in the image being built. */
static unsigned char *sec_ptr(struct link *l, unsigned char *text,
			      struct kplug_cg_obj *o, unsigned int i)
{
	if (o->kind[i] == CG_TEXT)
		return text + (o->addr[i] - KPLUG_TEXT_BASE);
	return text + l->text_size + (o->addr[i] - l->data_base);
}

/* Step 4: contents and relocations. */
static void relocate(struct link *l, unsigned char *text)
{
	unsigned int k, i, j, n;

	memset(text, 0xcc, l->text_size);	/* padding: int3 */
	for (k = 0; k < l->nr; k++) {
		struct kplug_cg_obj *o = l->objs[k];

		for (i = 0; i < o->shnum; i++) {
			Elf32_Shdr sh;

			if (o->kind[i] != CG_TEXT && o->kind[i] != CG_DATA)
				continue;
			kplug_cg_elf_shdr(o, i, &sh);
			memcpy(sec_ptr(l, text, o, i), o->buf + sh.sh_offset,
			       sh.sh_size);
		}
	}
	for (k = 0; k < l->nr; k++) {
		struct kplug_cg_obj *o = l->objs[k];

		for (i = 0; i < o->shnum; i++) {
			Elf32_Shdr sh;

			n = kplug_cg_elf_nrels(o, i);
			if (!n)
				continue;
			kplug_cg_elf_shdr(o, i, &sh);
			for (j = 0; j < n; j++) {
				unsigned char *p;
				__u32 a, v, type;
				Elf32_Rel r;

				kplug_cg_elf_rel(o, i, j, &r);
				type = ELF32_R_TYPE(r.r_info);
				if (type == R_386_NONE)
					continue;
				p = sec_ptr(l, text, o, sh.sh_info) + r.r_offset;
				memcpy(&a, p, 4);	/* REL: addend in place */
				v = sym_value(l, o, ELF32_R_SYM(r.r_info)) + a;
				if (type != R_386_32)	/* PC32, PLT32 */
					v -= o->addr[sh.sh_info] + r.r_offset;
				memcpy(p, &v, 4);
			}
		}
	}
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct kplug_image_entry *)a)->name,
		      ((const struct kplug_image_entry *)b)->name);
}

/* Step 5: fill ent (NULL: just count and check). */
static int entries(struct link *l, struct kplug_image_entry *ent)
{
	unsigned int h, n = 0;
	struct gsym *g;

	for (h = 0; h < HASH_SIZE; h++) {
		for (g = l->hash[h]; g; g = g->next) {
			Elf32_Sym s;
			__u32 off;

			if (!g->obj->user || g->rank == R_COMMON)
				continue;
			kplug_cg_elf_sym(g->obj, g->idx, &s);
			if (ELF32_ST_TYPE(s.st_info) != STT_FUNC)
				continue;
			if (s.st_shndx == SHN_ABS || g->obj->kind[s.st_shndx] != CG_TEXT)
				FAIL("%s: error: function '%s' is not in a code section\n",
				     g->obj->name, g->name);
			if (!kplug_name_valid(g->name, KPLUG_NAME_MAX, KPLUG_NAME_ENTRY))
				FAIL("%s: error: function '%s': entry point names are 1..%d characters of [A-Za-z0-9_] (make it static if it is not an entry point)\n",
				     g->obj->name, g->name, KPLUG_NAME_MAX - 1);
			off = sym_value(l, g->obj, g->idx) - KPLUG_TEXT_BASE;
			if (off >= l->text_size)
				FAIL("%s: error: function '%s' has no code\n",
				     g->obj->name, g->name);
			if (ent && n < l->nr_ent) {
				memset(&ent[n], 0, sizeof(ent[n]));
				strcpy(ent[n].name, g->name);
				ent[n].offset = off;
			}
			n++;
		}
	}
	if (!n)
		FAIL("error: no entry points: a plugin needs at least one non-static function\n");
	if (n > KPLUG_MAX_ENTRIES)
		FAIL("error: %u entry points, at most %u: make the helper functions static\n",
		     n, KPLUG_MAX_ENTRIES);
	l->nr_ent = n;
	if (ent)
		qsort(ent, n, sizeof(*ent), cmp_entry);
	return 0;
}

struct fn {
	__u32 offset, size;
	const char *name;
};

static int cmp_fn(const void *a, const void *b)
{
	const struct fn *x = a, *y = b;

	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/*
 * Every function symbol of the loaded objects in the image (a global only
 * where its winning definition is), sorted by address.
 */
static int functions(struct link *l, struct fn **out, size_t *nr)
{
	struct fn *fns = NULL, *f;
	size_t n = 0, cap = 0;
	unsigned int k, j;

	for (k = 0; k < l->nr; k++) {
		struct kplug_cg_obj *o = l->objs[k];

		for (j = 1; j < o->nsyms; j++) {
			Elf32_Sym s;
			const char *name;
			__u32 addr;

			kplug_cg_elf_sym(o, j, &s);
			if (ELF32_ST_TYPE(s.st_info) != STT_FUNC ||
			    s.st_shndx == SHN_UNDEF || s.st_shndx >= SHN_LORESERVE ||
			    o->kind[s.st_shndx] != CG_TEXT)
				continue;
			name = kplug_cg_elf_sym_name(o, &s);
			if (ELF32_ST_BIND(s.st_info) != STB_LOCAL) {
				struct gsym *g = lookup(l, name);

				if (!g || g->obj != o || g->idx != j)
					continue;
			}
			addr = sym_value(l, o, j);
			if (!*name || addr < KPLUG_TEXT_BASE ||
			    addr - KPLUG_TEXT_BASE >= l->text_size)
				continue;
			if (n == cap) {
				cap = cap ? 2 * cap : 64;
				f = realloc(fns, cap * sizeof(*fns));
				if (!f) {
					free(fns);
					return -ENOMEM;
				}
				fns = f;
			}
			fns[n].offset = addr - KPLUG_TEXT_BASE;
			fns[n].size = s.st_size;
			fns[n].name = name;
			n++;
		}
	}
	if (n)
		qsort(fns, n, sizeof(*fns), cmp_fn);
	*out = fns;
	*nr = n;
	return 0;
}

static __u32 link_addr(void *l, struct kplug_cg_obj *o, unsigned int sym)
{
	return sym_value(l, o, sym);
}

static int cmp_row(const void *a, const void *b)
{
	const struct kplug_cg_line *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/*
 * The rows of every loaded object, in the text, sorted by address: of the
 * rows at one address the last one read with a line wins (an end of a
 * sequence only where nothing starts); then a row that repeats the one
 * before it is dropped.
 */
static int lines(struct link *l, struct kplug_cg_lines *t)
{
	struct kplug_cg_line *r = t->row;
	unsigned int k;
	size_t i, n = 0;
	int err;

	for (k = 0; k < l->nr; k++) {
		err = kplug_cg_lines_add(t, l->objs[k], link_addr, l, l->log);
		if (err)
			return err;
	}
	r = t->row;
	for (i = 0; i < t->nr; i++)
		if (r[i].addr >= KPLUG_TEXT_BASE &&
		    r[i].addr - KPLUG_TEXT_BASE <= l->text_size)
			r[n++] = r[i];
	if (n)
		qsort(r, n, sizeof(*r), cmp_row);
	t->nr = n;
	n = 0;
	for (i = 0; i < t->nr; i++) {
		if (n && r[n - 1].addr == r[i].addr) {
			if (r[i].line)
				r[n - 1] = r[i];
			continue;
		}
		r[n++] = r[i];
	}
	t->nr = n;
	n = 0;
	for (i = 0; i < t->nr; i++) {
		if (n && r[n - 1].line == r[i].line &&
		    (!r[i].line || r[n - 1].file == r[i].file))
			continue;
		r[n++] = r[i];
	}
	t->nr = n;
	return 0;
}

/*
 * Step 6: the debug trailer (uapi: struct kplug_debug_hdr), malloc()ed:
 * the functions, and the line table if any object had one.  Past
 * KPLUG_DEBUG_MAX the line table is left out, then the trailer.
 */
static int debug_trailer(struct link *l, void **out, size_t *out_len)
{
	struct kplug_cg_lines t = { 0 };
	struct kplug_debug_hdr *d;
	struct kplug_debug_sym *ds;
	struct kplug_debug_line *dl;
	struct kplug_debug_lines *foot;
	struct fn *fns = NULL;
	size_t n, i, names = 0, file_names = 0, size, lines_off = 0;
	__u32 *file_off = NULL;
	char *str;
	int err;

	*out = NULL;
	*out_len = 0;
	err = functions(l, &fns, &n);
	if (!err)
		err = lines(l, &t);
	if (err)
		goto out;
	/* file_off[f]: 0 until a row uses file f, then where its name goes */
	file_off = calloc(t.nr_files + 1, sizeof(*file_off));
	if (!file_off) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++)
		names += strlen(fns[i].name) + 1;
	for (i = 0; i < t.nr; i++)
		if (t.row[i].line && !file_off[t.row[i].file]) {
			file_off[t.row[i].file] = 1;
			file_names += strlen(t.file[t.row[i].file]) + 1;
		}
	size = sizeof(*d) + n * sizeof(*ds) + names;
	if (t.nr) {
		lines_off = align_up(size + file_names, 4);
		size = lines_off + t.nr * sizeof(*dl) + sizeof(*foot);
		if (size > KPLUG_DEBUG_MAX) {
			t.nr = 0;
			size = sizeof(*d) + n * sizeof(*ds) + names;
		}
	}
	if (size > KPLUG_DEBUG_MAX)	/* a debug aid: leave it out */
		goto out;
	err = -ENOMEM;
	d = calloc(1, size);
	if (!d)
		goto out;
	d->magic = KPLUG_DEBUG_MAGIC;
	d->size = size;
	d->nr_syms = n;
	d->strtab_off = sizeof(*d) + n * sizeof(*ds);
	ds = (struct kplug_debug_sym *)(d + 1);
	str = (char *)d + d->strtab_off;
	for (i = 0; i < n; i++) {
		ds[i].offset = fns[i].offset;
		ds[i].size = fns[i].size;
		ds[i].name = str - ((char *)d + d->strtab_off);
		str = stpcpy(str, fns[i].name) + 1;
	}
	if (t.nr) {
		for (i = 0; i < t.nr_files; i++) {
			if (!file_off[i])
				continue;
			file_off[i] = str - ((char *)d + d->strtab_off);
			str = stpcpy(str, t.file[i]) + 1;
		}
		dl = (struct kplug_debug_line *)((char *)d + lines_off);
		for (i = 0; i < t.nr; i++) {
			dl[i].offset = t.row[i].addr - KPLUG_TEXT_BASE;
			dl[i].line = t.row[i].line;
			dl[i].file = t.row[i].line ? file_off[t.row[i].file] : 0;
		}
		foot = (struct kplug_debug_lines *)((char *)d + size) - 1;
		foot->magic = KPLUG_DEBUG_LINES_MAGIC;
		foot->nr_lines = t.nr;
		foot->lines_off = lines_off;
	}
	*out = d;
	*out_len = size;
	err = 0;
out:
	free(file_off);
	free(fns);
	kplug_cg_lines_free(&t);
	return err;
}

/* The library: the runtime object and libtcc1's ELF members. */
static int open_library(struct link *l)
{
	const unsigned char *a = kplug_cg_libtcc1_a, *m;
	size_t alen = kplug_cg_libtcc1_a_end - kplug_cg_libtcc1_a, pos = 0, mlen;
	char member[17], name[64];
	int err;

	err = kplug_cg_elf_open(&l->cand[l->nr_cand], "runtime.o",
				kplug_cg_runtime_o,
				kplug_cg_runtime_o_end - kplug_cg_runtime_o,
				l->log);
	if (err)
		return err;
	l->nr_cand++;
	while ((err = kplug_cg_ar_next(a, alen, &pos, member, &m, &mlen)) > 0) {
		if (mlen < SELFMAG || memcmp(m, ELFMAG, SELFMAG))
			continue;
		if (l->nr_cand == l->nr_user + 16)
			break;			/* libtcc1.a has 4 */
		snprintf(name, sizeof(name), "libtcc1.a(%s)", member);
		err = kplug_cg_elf_open(&l->cand[l->nr_cand], name, m, mlen,
					l->log);
		if (err)
			return err;
		l->nr_cand++;
	}
	if (err)
		FAIL("libtcc1.a: error: malformed archive (a build problem)\n");
	return 0;
}

static int link_image(struct link *l, const struct kplug_object *objs,
		      unsigned int nr_objs, __u32 stack_size, void **image,
		      size_t *image_len)
{
	struct kplug_image_hdr *h;
	unsigned int i;
	size_t len, body, debug_len;
	void *debug;
	int err;

	for (i = 0; i < nr_objs; i++) {
		err = kplug_cg_elf_open(&l->cand[i], objs[i].name, objs[i].data,
					objs[i].len, l->log);
		if (err)
			return err;
		l->cand[i].user = true;
		l->nr_cand++;
	}
	l->nr_user = nr_objs;
	err = open_library(l);
	for (i = 0; !err && i < nr_objs; i++)
		err = load(l, &l->cand[i]);
	if (!err)
		err = resolve(l);
	if (!err)
		err = layout(l);
	if (!err)
		err = entries(l, NULL);
	if (!err)
		err = debug_trailer(l, &debug, &debug_len);
	if (err)
		return err;

	body = sizeof(*h) + l->nr_ent * sizeof(struct kplug_image_entry) +
	       l->text_size + l->data_size;
	len = body + debug_len;
	h = calloc(1, len);
	if (!h) {
		free(debug);
		return -ENOMEM;
	}
	if (debug_len)
		memcpy((char *)h + body, debug, debug_len);
	free(debug);
	h->magic = KPLUG_IMAGE_MAGIC;
	h->version = KPLUG_IMAGE_VERSION;
	h->hdr_size = sizeof(*h);
	h->text_size = l->text_size;
	h->data_size = l->data_size;
	h->bss_size = l->bss_size;
	h->stack_size = stack_size;
	h->nr_entries = l->nr_ent;
	entries(l, (struct kplug_image_entry *)(h + 1));
	relocate(l, (unsigned char *)((struct kplug_image_entry *)(h + 1) +
				      l->nr_ent));
	h->checksum = kplug_crc32(0, h, len);	/* sealed: field was 0 */
	*image = h;
	*image_len = len;
	return 0;
}

int kplug_codegen_link(const struct kplug_object *objs, unsigned int nr_objs,
		       __u32 stack_size, struct kplug_codegen_log *log,
		       void **image, size_t *image_len)
{
	struct link l = { .log = log };
	struct gsym *g, *next;
	unsigned int i;
	int err;

	kplug_cg_log_begin(log);
	if (!image || !image_len || (nr_objs && !objs))
		return kplug_err(-EINVAL);
	*image = NULL;
	*image_len = 0;
	if (!nr_objs || nr_objs > MAX_OBJS) {
		kplug_cg_log(log, "error: %u objects to link: need 1..%u\n",
			     nr_objs, MAX_OBJS);
		return kplug_err(-EINVAL);
	}
	if (stack_size % KPLUG_PAGE_SIZE || stack_size > KPLUG_STACK_MAX) {
		kplug_cg_log(log, "error: stack size %u must be a multiple of %u and at most %u\n",
			     stack_size, KPLUG_PAGE_SIZE, KPLUG_STACK_MAX);
		return kplug_err(-EINVAL);
	}
	l.cand = calloc(nr_objs + 1 + 16, sizeof(*l.cand));
	l.objs = calloc(nr_objs + 1 + 16, sizeof(*l.objs));
	err = l.cand && l.objs ? link_image(&l, objs, nr_objs, stack_size,
					    image, image_len) : -ENOMEM;
	for (i = 0; l.cand && i < l.nr_cand; i++)
		kplug_cg_elf_close(&l.cand[i]);
	for (i = 0; i < HASH_SIZE; i++)
		for (g = l.hash[i]; g; g = next) {
			next = g->next;
			free(g);
		}
	free(l.cand);
	free(l.objs);
	return err ? kplug_err(err) : 0;
}
