// SPDX-License-Identifier: GPL-2.0
/*
 * hostile32: the 32-bit (ia32) caller of tests/vm/hostile_test.c.  Built
 * -m32 -static; hostile_test runs it unprivileged, with /dev/kplug and
 * /proc/kplug_sample already open (inherited descriptors).  It makes every
 * route run the attached plugins through the compat entry (int $0x80):
 *
 *   hostile32 N DEV_FD PROC_FD PLUGIN_ID ENTRY PASS_PORT DROP_PORT [ldt]
 *
 * N times each: KPLUG_IOC_INVOKE (compat ioctl) of ENTRY(i, 7), a process
 * call of the sample hook ("i 7", read back), open() of a missing file
 * (kprobe:getname) and one UDP datagram to each port (netfilter); after
 * each invocation, getpid() through the vDSO (SYSENTER or SYSCALL, which
 * kplug's syscall fence must allow again; not with "ldt",
 * whose SS they would replace).  With
 * "ldt" it first installs an LDT entry (flat 32-bit data, DPL 3) and
 * loads its selector into DS, ES, FS and SS: int $0x80 saves SS in the
 * frame and IRET reloads it, so a switch that leaves LDTR null or the LDT
 * unmapped shows up here as a fault on the way back to this process.
 * Exit status 0 only if every result was right and the selectors are
 * still loaded afterwards; the caller counts what the plugins saw.
 */
#include <asm/ldt.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../../uapi/kplug.h"

/* int $0x80 with six arguments from a[]; no libc (no TLS, no errno) in
 * between, so nothing depends on the segment registers we loaded. */
long sc6(long nr, const long *a);
asm(".text\n.globl sc6\nsc6:\n"
    "	push %ebp\n	push %ebx\n	push %esi\n	push %edi\n"
    "	mov 20(%esp), %eax\n	mov 24(%esp), %ecx\n"
    "	mov 0(%ecx), %ebx\n	mov 8(%ecx), %edx\n	mov 12(%ecx), %esi\n"
    "	mov 16(%ecx), %edi\n	mov 20(%ecx), %ebp\n	mov 4(%ecx), %ecx\n"
    "	int $0x80\n"
    "	pop %edi\n	pop %esi\n	pop %ebx\n	pop %ebp\n	ret\n");

#define LDT_SEL	0x7	/* LDT entry 0, TI=1, RPL 3 */

/* getpid() through the vDSO's __kernel_vsyscall: SYSENTER on Intel,
 * SYSCALL on AMD, from compatibility mode. */
static long vsyscall_getpid(unsigned long entry)
{
	long r;

	asm volatile("call *%1" : "=a"(r) : "r"(entry), "a"(SYS_getpid)
		     : "memory", "ecx", "edx");
	return r;
}

static char *utoa(char *p, unsigned int v)
{
	char tmp[12];
	int n = 0;

	do
		tmp[n++] = '0' + v % 10;
	while (v /= 10);
	while (n)
		*p++ = tmp[--n];
	return p;
}

int main(int argc, char **argv)
{
	int n, dev, proc, s, i, bad = 0, ldt;
	struct sockaddr_in pass = { .sin_family = AF_INET }, drop;
	struct kplug_invoke_args a;
	unsigned short ds, es, fs, ss;
	char buf[32], rb[16], *p;
	long r, pid, nopid[6] = { 0 };
	unsigned long vsyscall = getauxval(AT_SYSINFO);

	if (argc < 8)
		return 100;
	n = atoi(argv[1]);
	dev = atoi(argv[2]);
	proc = atoi(argv[3]);
	pass.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	drop = pass;
	pass.sin_port = htons(atoi(argv[6]));
	drop.sin_port = htons(atoi(argv[7]));
	ldt = argc > 8 && !strcmp(argv[8], "ldt");
	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0)
		return 101;
	if (ldt) {
		struct user_desc d = {
			.entry_number = 0, .base_addr = 0, .limit = 0xfffff,
			.seg_32bit = 1, .contents = 0, .read_exec_only = 0,
			.limit_in_pages = 1, .seg_not_present = 0, .useable = 1,
		};

		if (syscall(SYS_modify_ldt, 1, &d, sizeof(d)))
			return 102;
		asm volatile("mov %0, %%ds\n\tmov %0, %%es\n\tmov %0, %%fs\n\tmov %0, %%ss"
			     : : "r"(LDT_SEL) : "memory");
	}
	for (i = 0; i < n; i++) {
		long inv[6] = { dev, KPLUG_IOC_INVOKE, (long)&a };
		long opn[6] = { (long)"/kplug-hostile32-nofile", O_RDONLY };
		long wr[6] = { proc, (long)buf };
		long rd[6] = { proc, (long)rb, sizeof(rb) - 1, 0, 0 };
		long sp[6] = { s, (long)"x", 1, 0, (long)&pass, sizeof(pass) };
		long sd[6] = { s, (long)"x", 1, 0, (long)&drop, sizeof(drop) };

		memset(&a, 0, sizeof(a));
		a.id = atoi(argv[4]);
		a.entry = atoi(argv[5]);
		a.nargs = 2;
		a.args[0] = i;
		a.args[1] = 7;
		r = sc6(SYS_ioctl, inv);
		bad |= (r != 0 || a.result != i + 7) << 0;
		/* kplug's syscall fence comes down on the way back here (run.c,
		 * syscall_fence): else SYSENTER/SYSCALL would #GP/#UD. */
		pid = sc6(SYS_getpid, nopid);
		if (vsyscall && !ldt)	/* SYSEXIT/SYSRET reload SS */
			bad |= (vsyscall_getpid(vsyscall) != pid) << 7;

		p = utoa(buf, i);
		*p++ = ' ';
		p = utoa(p, 7);
		wr[2] = p - buf;
		bad |= (sc6(SYS_write, wr) != p - buf) << 1;
		r = sc6(SYS_pread64, rd);	/* offset 0: rd[3], rd[4] */
		rb[r > 0 ? r : 0] = 0;
		bad |= (r <= 0 || (unsigned int)strtoul(rb, NULL, 10) != i + 7) << 2;

		bad |= (sc6(SYS_open, opn) != -ENOENT) << 3;
		bad |= (sc6(SYS_sendto, sp) != 1) << 4;
		bad |= (sc6(SYS_sendto, sd) != 1) << 5;
	}
	if (ldt) {
		asm volatile("mov %%ds, %0\n\tmov %%es, %1\n\tmov %%fs, %2\n\tmov %%ss, %3"
			     : "=r"(ds), "=r"(es), "=r"(fs), "=r"(ss));
		bad |= (ds != LDT_SEL || es != LDT_SEL || fs != LDT_SEL ||
			ss != LDT_SEL) << 6;
		asm volatile("mov %0, %%ds\n\tmov %0, %%es\n\tmov %0, %%ss\n\tmov %1, %%fs"
			     : : "r"(0x2b), "r"(0) : "memory");
		if (bad & 64)
			printf("hostile32: selectors after: ds %#x es %#x fs %#x ss %#x\n",
			       ds, es, fs, ss);
	}
	if (bad)
		printf("hostile32: failures %#x (1 ioctl, 2/4 sample, 8 open, 16/32 send, 64 selectors, 128 vsyscall)\n",
		       bad);
	return bad;
}
