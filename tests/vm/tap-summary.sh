#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Count the TAP results of kselftest-harness tests in serial logs.
#
# Usage: tests/vm/tap-summary.sh [LOG...]     (no LOG: read stdin)
#
# Prints one line:  passed=N failed=N skipped=N
#
#   ok N name               passed
#   ok N name # SKIP why    skipped (also on "not ok", which should not occur)
#   not ok N name           failed
#
# Only unindented result lines count (nested TAP subtests are indented and
# summarised by their parent's line).  The harness's "# Totals: ..." and
# other "# " lines are comments and are ignored.  Carriage returns from the
# serial console are stripped.  Always exits 0: the pass/fail verdict of a
# VM run is run.sh's exit status.
set -euo pipefail

awk '
	{ sub(/\r$/, "") }
	/^(not )?ok [0-9]+/ {
		if ($0 ~ /# SKIP/)      skipped++
		else if ($0 ~ /^not /)  failed++
		else                    passed++
	}
	END { printf "passed=%d failed=%d skipped=%d\n", passed, failed, skipped }
' "$@"
