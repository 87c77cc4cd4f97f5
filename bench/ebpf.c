// SPDX-License-Identifier: GPL-2.0
/*
 * The eBPF baseline: an empty program (r0 = 0; exit) loaded as a socket
 * filter with the raw bpf() system call (no libbpf) and run by
 * BPF_PROG_TEST_RUN.  Two figures: the kernel's own per-run `duration`
 * (repeat = N, so the syscall is amortised) and one test run timed from
 * user space (repeat = 1: syscall + skb set-up + one run).  If the kernel
 * refuses, the row says why.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "bench.h"

#define REPEAT	10000

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

static unsigned char pkt[64];	/* more than ETH_HLEN, all zero */

static union bpf_attr run_attr;

static void test_run_once(void *arg)
{
	if (sys_bpf(BPF_PROG_TEST_RUN, &run_attr)) {
		perror("bench: BPF_PROG_TEST_RUN");
		exit(1);
	}
}

static void refused(const char *what)
{
	char msg[128];

	snprintf(msg, sizeof(msg), "not measured: %s: %s", what, strerror(errno));
	bench_note("ebpf", msg);
}

int bench_ebpf(void)
{
	struct bpf_insn prog[2] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr load = {
		.prog_type = BPF_PROG_TYPE_SOCKET_FILTER,
		.insn_cnt = 2,
		.insns = (unsigned long)prog,
		.license = (unsigned long)"GPL",
	};
	struct bench_stats st;
	char note[96] = "bpf_jit_enable: unknown";
	FILE *jit = fopen("/proc/sys/net/core/bpf_jit_enable", "r");
	int fd, on;

	if (jit) {	/* a proc file: no size, so not bench_slurp() */
		if (fscanf(jit, "%d", &on) == 1)
			snprintf(note, sizeof(note), "bpf_jit_enable=%d (%s)", on,
				 on ? "JIT" : "interpreter");
		fclose(jit);
	}
	fd = sys_bpf(BPF_PROG_LOAD, &load);
	if (fd < 0)
		return refused("BPF_PROG_LOAD"), 0;
	run_attr.test.prog_fd = fd;
	run_attr.test.data_in = (unsigned long)pkt;
	run_attr.test.data_size_in = sizeof(pkt);
	run_attr.test.repeat = REPEAT;
	if (sys_bpf(BPF_PROG_TEST_RUN, &run_attr)) {
		close(fd);
		return refused("BPF_PROG_TEST_RUN"), 0;
	}
	/* duration: the kernel's ktime per run, averaged over REPEAT runs */
	bench_value("ebpf", "empty program, per run in kernel (test_run duration)",
		    run_attr.test.duration, bench_time_unit(), note);
	run_attr.test.repeat = 1;
	bench_sample(test_run_once, NULL, 2000, &st);
	bench_row("ebpf", "BPF_PROG_TEST_RUN syscall, repeat=1, from user",
		  &st, bench_time_unit(), note);
	close(fd);
	return 0;
}
