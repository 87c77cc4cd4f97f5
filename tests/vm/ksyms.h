/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel symbol addresses for the VM tests, from /proc/kallsyms (root sees
 * them).  One pass for all the names a test needs: 6.12's kallsyms has
 * ~200,000 lines, and a pass takes seconds under Bochs, so a scan per
 * name ran a test into the harness's timeout there.
 */
#ifndef KPLUG_TEST_KSYMS_H
#define KPLUG_TEST_KSYMS_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* addr[i] = address of name[i], or 0 if it is not there; returns how many
 * were found. */
static inline int ksyms(const char *const name[], uint64_t addr[], int n)
{
	char line[512], sym[256];
	unsigned long long a;
	FILE *f = fopen("/proc/kallsyms", "r");
	int i, found = 0;

	memset(addr, 0, n * sizeof(addr[0]));
	while (f && found < n && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %*s %255s", &a, sym) != 2)
			continue;
		for (i = 0; i < n; i++)
			if (!addr[i] && !strcmp(sym, name[i])) {
				addr[i] = a;
				found++;
			}
	}
	if (f)
		fclose(f);
	return found;
}

#endif
