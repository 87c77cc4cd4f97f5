// SPDX-License-Identifier: GPL-2.0
/*
 * pvhboot: a Multiboot (v1) kernel that boots Linux's uncompressed vmlinux
 * through its PVH entry point.  Used by tests/bochs/run.sh --boot pvh: in
 * Bochs the bzImage spends most of its boot decompressing itself (XZ),
 * the ELF does not need to.
 *
 * GRUB loads this file and two modules:
 *
 *   multiboot /boot/pvhboot.elf KERNEL COMMAND LINE
 *   module --nounzip /boot/vmlinux              (the kernel's ELF)
 *   module --nounzip /boot/initramfs.cpio.gz    (optional)
 *
 * and we (1) copy GRUB's memory map and command line, (2) move the
 * initramfs and the ELF to the top of RAM (out of the way: GRUB may have
 * put a module where the kernel is about to go), (3) copy each PT_LOAD
 * segment to its physical address and zero the rest of its memory size,
 * (4) fill in a struct hvm_start_info (Xen's PVH boot ABI, version 1:
 * command line, initramfs as module 0, memory map, ACPI RSDP) and (5) jump
 * to the address in the ELF note XEN_ELFNOTE_PHYS32_ENTRY, in 32-bit
 * protected mode with paging off, flat segments (GRUB's), interrupts off
 * and EBX pointing at the start info.  Errors go to COM1 as "pvhboot: ..."
 * and end the machine with a triple fault.
 *
 * Built by tests/bochs/run.sh: gcc -m32 -ffreestanding -nostdlib, linked
 * at 1 MiB (tests/bochs/pvhboot.ld).
 */
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;

/* --- Multiboot (v1) ------------------------------------------------------ */
#define MB_MAGIC	0x1BADB002
#define MB_FLAGS	0x00000003	/* page-aligned modules, memory info */
#define MB_BOOT_MAGIC	0x2BADB002

__attribute__((section(".multiboot"), used, aligned(4)))
static const u32 mb_header[3] = { MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS) };

struct mb_info {
	u32 flags, mem_lower, mem_upper, boot_device, cmdline;
	u32 mods_count, mods_addr;
	u32 syms[4];
	u32 mmap_length, mmap_addr;
};
struct mb_module { u32 start, end, string, reserved; };
struct mb_mmap { u32 size; u64 addr, len; u32 type; } __attribute__((packed));

/* --- Xen PVH start info (xen/include/public/arch-x86/hvm/start_info.h) --- */
#define HVM_START_MAGIC	0x336ec578
#define XEN_ELFNOTE_PHYS32_ENTRY 18

struct hvm_start_info {
	u32 magic, version, flags, nr_modules;
	u64 modlist_paddr, cmdline_paddr, rsdp_paddr, memmap_paddr;
	u32 memmap_entries, reserved;
};
struct hvm_modlist_entry { u64 paddr, size, cmdline_paddr, reserved; };
struct hvm_memmap_entry { u64 addr, size; u32 type, reserved; };

/* --- ELF64 ---------------------------------------------------------------- */
struct elf64_ehdr {
	u8 ident[16]; u16 type, machine; u32 version;
	u64 entry, phoff, shoff; u32 flags;
	u16 ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct elf64_phdr {
	u32 type, flags; u64 offset, vaddr, paddr, filesz, memsz, align;
};
#define PT_LOAD 1
#define PT_NOTE 4

/* --- state (in our own .bss, at 1 MiB: below anything we move) ----------- */
#define MAX_MAP 128
static struct hvm_start_info start_info;
static struct hvm_modlist_entry modlist[1];
static struct hvm_memmap_entry memmap[MAX_MAP];
static char cmdline[4096];

/* --- COM1 ----------------------------------------------------------------- */
static inline void outb(u16 port, u8 v) { __asm__ volatile("outb %0, %1" :: "a"(v), "Nd"(port)); }
static inline u8 inb(u16 port) { u8 v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }

static void putc_serial(char c)
{
	for (int i = 0; i < 100000 && !(inb(0x3fd) & 0x20); i++)
		;
	outb(0x3f8, c);
}

static void puts_serial(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			putc_serial('\r');
		putc_serial(*s);
	}
}

static void puthex(u64 v)
{
	char b[19] = "0x";
	for (int i = 0; i < 16; i++)
		b[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 15];
	b[18] = 0;
	puts_serial(b);
}

/* Report, then end the machine: with an empty IDT the int3 triple-faults,
 * which stops Bochs (reset_on_triple_fault=0) instead of leaving it to
 * the host's timeout. */
static __attribute__((noreturn)) void die(const char *why, u64 v)
{
	static const struct { u16 limit; u32 base; } __attribute__((packed)) no_idt;

	puts_serial("pvhboot: ");
	puts_serial(why);
	puts_serial(" ");
	puthex(v);
	puts_serial("\n");
	for (;;)
		__asm__ volatile("cli; lidt %0; int3" :: "m"(no_idt));
}

/* --- memory --------------------------------------------------------------- */
static void move(u32 dst, u32 src, u32 n)
{
	if (dst == src || !n)
		return;
	if (dst < src || dst >= src + n) {
		__asm__ volatile("cld; rep movsb"
				 : "+D"(dst), "+S"(src), "+c"(n) :: "memory");
	} else {
		dst += n - 1;
		src += n - 1;
		__asm__ volatile("std; rep movsb; cld"
				 : "+D"(dst), "+S"(src), "+c"(n) :: "memory");
	}
}

static void zero(u32 dst, u32 n)
{
	__asm__ volatile("cld; rep stosb" : "+D"(dst), "+c"(n) : "a"(0) : "memory");
}

static int overlap(u64 a, u64 an, u64 b, u64 bn)
{
	return a < b + bn && b < a + an;
}

static u32 find_rsdp(void)
{
	u32 ebda;

	/* The EBDA segment, from the BIOS data area (asm: GCC objects to
	 * dereferencing a constant address). */
	__asm__ volatile("movzwl 0x40e, %0" : "=r"(ebda));
	ebda <<= 4;
	u32 ranges[2][2] = { { ebda, ebda + 1024 }, { 0xe0000, 0x100000 } };

	for (int r = 0; r < 2; r++) {
		if (!ranges[r][0])
			continue;
		for (u32 p = ranges[r][0]; p < ranges[r][1]; p += 16) {
			const char *s = (const char *)p;
			u8 sum = 0;

			if (s[0] != 'R' || s[1] != 'S' || s[2] != 'D' || s[3] != ' ' ||
			    s[4] != 'P' || s[5] != 'T' || s[6] != 'R' || s[7] != ' ')
				continue;
			for (int i = 0; i < 20; i++)
				sum += (u8)s[i];
			if (!sum)
				return p;
		}
	}
	return 0;
}

#define ALIGN_DOWN(x, a) ((x) & ~((u64)(a) - 1))

void pvhboot_main(u32 magic, struct mb_info *mbi)
{
	struct mb_module *mods;
	const struct elf64_ehdr *eh;
	const struct elf64_phdr *ph;
	u64 lo = ~0ULL, hi = 0, entry = 0, ramtop = 0;
	u32 ksrc, ksize, isrc = 0, isize = 0, kdst, idst, n = 0;

	if (magic != MB_BOOT_MAGIC)
		die("not started by a Multiboot loader, eax", magic);
	if (!(mbi->flags & (1 << 6)))
		die("no memory map from the loader, flags", mbi->flags);
	if (!(mbi->flags & (1 << 3)) || mbi->mods_count < 1)
		die("no vmlinux module, flags", mbi->flags);

	/* Command line, without the image path GRUB puts first. */
	if (mbi->flags & (1 << 2)) {
		const char *s = (const char *)mbi->cmdline;
		u32 i = 0;

		if (*s == '/') {
			while (*s && *s != ' ')
				s++;
			while (*s == ' ')
				s++;
		}
		while (*s && i < sizeof(cmdline) - 1)
			cmdline[i++] = *s++;
		cmdline[i] = 0;
	}

	/* Memory map; the highest RAM below 4 GiB ends the space we use. */
	for (u32 p = mbi->mmap_addr; p < mbi->mmap_addr + mbi->mmap_length;) {
		const struct mb_mmap *m = (const struct mb_mmap *)p;

		if (n == MAX_MAP)
			die("memory map too long, entries", n);
		memmap[n].addr = m->addr;
		memmap[n].size = m->len;
		memmap[n].type = m->type;
		n++;
		if (m->type == 1 && m->addr + m->len <= 0x100000000ULL &&
		    m->addr + m->len > ramtop && m->addr <= 0x1000000)
			ramtop = m->addr + m->len;
		p += m->size + 4;
	}

	mods = (struct mb_module *)mbi->mods_addr;
	ksrc = mods[0].start;
	ksize = mods[0].end - mods[0].start;
	if (mbi->mods_count > 1) {
		isrc = mods[1].start;
		isize = mods[1].end - mods[1].start;
	}

	/* The ELF: where it goes, where it starts. */
	eh = (const struct elf64_ehdr *)ksrc;
	if (ksize < sizeof(*eh) || eh->ident[0] != 0x7f || eh->ident[1] != 'E' ||
	    eh->ident[2] != 'L' || eh->ident[3] != 'F' || eh->ident[4] != 2)
		die("module 1 is not an ELF64 file, size", ksize);
	ph = (const struct elf64_phdr *)(ksrc + (u32)eh->phoff);
	for (int i = 0; i < eh->phnum; i++) {
		if (ph[i].type == PT_LOAD) {
			if (ph[i].paddr < lo)
				lo = ph[i].paddr;
			if (ph[i].paddr + ph[i].memsz > hi)
				hi = ph[i].paddr + ph[i].memsz;
		} else if (ph[i].type == PT_NOTE) {
			u32 p = ksrc + (u32)ph[i].offset, end = p + (u32)ph[i].filesz;

			while (p + 12 <= end) {
				u32 namesz = ((u32 *)p)[0], descsz = ((u32 *)p)[1];
				u32 type = ((u32 *)p)[2];
				const char *name = (const char *)(p + 12);
				u32 desc = p + 12 + ((namesz + 3) & ~3);

				if (type == XEN_ELFNOTE_PHYS32_ENTRY && namesz == 4 &&
				    name[0] == 'X' && name[1] == 'e' && name[2] == 'n')
					entry = descsz == 8 ? *(u64 *)desc : *(u32 *)desc;
				p = desc + ((descsz + 3) & ~3);
			}
		}
	}
	if (!entry)
		die("no XEN_ELFNOTE_PHYS32_ENTRY note (kernel without CONFIG_PVH?), phnum",
		    eh->phnum);
	if (hi > ramtop)
		die("kernel does not fit in RAM, ends at", hi);

	/* Initramfs, then the ELF, to the top of RAM: above the kernel. */
	idst = ALIGN_DOWN(ramtop - isize, 4096);
	kdst = ALIGN_DOWN(idst - ksize, 4096);
	if (kdst < hi || kdst > idst)
		die("not enough RAM above the kernel, top", ramtop);
	if (isize && overlap(idst, isize, ksrc, ksize))
		die("initramfs destination overlaps vmlinux at", ksrc);
	move(idst, isrc, isize);
	move(kdst, ksrc, ksize);
	eh = (const struct elf64_ehdr *)kdst;
	ph = (const struct elf64_phdr *)(kdst + (u32)eh->phoff);
	for (int i = 0; i < eh->phnum; i++) {
		if (ph[i].type != PT_LOAD)
			continue;
		move((u32)ph[i].paddr, kdst + (u32)ph[i].offset, (u32)ph[i].filesz);
		zero((u32)(ph[i].paddr + ph[i].filesz), (u32)(ph[i].memsz - ph[i].filesz));
	}

	start_info.magic = HVM_START_MAGIC;
	start_info.version = 1;
	start_info.cmdline_paddr = (u32)cmdline;
	start_info.rsdp_paddr = find_rsdp();
	start_info.memmap_paddr = (u32)memmap;
	start_info.memmap_entries = n;
	if (isize) {
		modlist[0].paddr = idst;
		modlist[0].size = isize;
		start_info.nr_modules = 1;
		start_info.modlist_paddr = (u32)modlist;
	}

	__asm__ volatile("cli; jmp *%0" :: "r"((u32)entry), "b"(&start_info) : "memory");
	__builtin_unreachable();
}

/* Entry from GRUB: EAX = magic, EBX = Multiboot info; no stack yet. */
u8 stack[16384] __attribute__((aligned(16), used));

__asm__(
	".text\n"
	".globl _start\n"
	"_start:\n"
	"	cli\n"
	"	cld\n"
	"	movl $stack + 16384, %esp\n"
	"	pushl %ebx\n"
	"	pushl %eax\n"
	"	call pvhboot_main\n"
	"1:	hlt\n"
	"	jmp 1b\n");
