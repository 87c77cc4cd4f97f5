#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Usage: bench/report.sh RECORDS JSON
#
# RECORDS holds lines "KPLUG-BENCH|group|name|min|median|p99|unit|note"
# (bench/util.c; "-" for an absent field).  Prints them as one table and
# writes them to JSON as {"environment": {...}, "results": [...]}, with
# absent numbers as null.
set -euo pipefail
records=$1 json=$2

awk -F'|' '
	BEGIN { printf "%-9s %-52s %10s %10s %10s  %s\n", "group", "benchmark",
		"min", "median", "p99", "unit / note" }
	$2 != last { print ""; last = $2 }
	{ printf "%-9s %-52s %10s %10s %10s  %s%s\n", $2, $3, $4, $5, $6, $7,
		($8 == "-" ? "" : "; " $8) }' "$records"

qemu=$(qemu-system-x86_64 --version 2>/dev/null | head -1 || true)
{
	printf '{\n  "environment": {"host": "%s", "host_cpu": "%s", "qemu": "%s", "date": "%s"},\n  "results": [\n' \
		"$(uname -srm)" "$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //;s/"//g')" \
		"$qemu" "$(date -u +%FT%TZ)"
	awk -F'|' '
		function str(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return "\"" s "\"" }
		function num(s) { return s == "-" ? "null" : s }
		{ printf "%s    {\"group\": %s, \"name\": %s, \"min\": %s, \"median\": %s, \"p99\": %s, \"unit\": %s, \"note\": %s}",
			(NR > 1 ? ",\n" : ""), str($2), str($3), num($4), num($5), num($6),
			str($7), ($8 == "-" ? "null" : str($8)) }
		END { print "" }' "$records"
	printf '  ]\n}\n'
} > "$json"
echo
echo "bench: $(wc -l < "$records") results in $json"
