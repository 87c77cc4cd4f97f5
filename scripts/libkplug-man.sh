#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1
#
# libkplug(3), generated from libkplug/libkplug.h: its opening comment is
# the description, then every declaration with the comment above it, in
# the header's order (the header is the reference; the page cannot drift
# from it).  tests/host/cli_test checks that every function of
# libkplug.map is on the page.
#
# Usage: scripts/libkplug-man.sh VERSION < libkplug/libkplug.h > libkplug.3
set -euo pipefail
version=${1:?usage: libkplug-man.sh VERSION < libkplug.h}

awk -v version="$version" '
function esc(s) {
	gsub(/\\/, "\\e", s)
	gsub(/-/, "\\-", s)
	sub(/^[.\047]/, "\\\\\\&&", s)
	return s
}
function flush_code() {
	if (code != "") {
		print ".PP\n.nf\n.ft B" code "\n.ft R\n.fi"
		if (doc != "")
			print ".RS" doc "\n.RE"
		doc = ""
		code = ""
	}
}
BEGIN {
	print ".\\\" Generated from libkplug.h by scripts/libkplug-man.sh: do not edit."
	print ".TH LIBKPLUG 3 \"\" \"kplug " version "\" \"kplug\""
	print ".SH NAME\nlibkplug \\- create, invoke and remove kplug kernel plugins"
	print ".SH SYNOPSIS\n.nf\n.B #include <libkplug.h>\n.PP"
	print "Link with \\fB\\-lkplug\\fR (\\fBpkg\\-config \\-\\-libs kplug\\fR).\n.fi"
	print ".SH DESCRIPTION"
}
/^\/\* SPDX/ { next }
/^\/\*/ && !started { intro = 1; next }
intro {
	if ($0 ~ /\*\//) { intro = 0; started = 1; print ".SH FUNCTIONS"; next }
	line = $0; sub(/^ \* ?/, "", line)
	if (line == "" || line == " *") print ".PP"; else print esc(line)
	next
}
!started { next }
/^#(ifndef|define LIBKPLUG_H|endif|include|ifdef|else)/ || /^extern "C"|^}$/ { next }
/^\/\*/ {
	flush_code()
	incomment = 1
}
incomment {
	line = $0
	done = line ~ /\*\//
	sub(/ *\*\/$/, "", line)
	sub(/^\/\*+ ?/, "", line); sub(/^ \* ?/, "", line); sub(/^ \*$/, "", line)
	if (line != "") doc = doc "\n" esc(line)
	if (done) incomment = 0
	next
}
/^$/ { flush_code(); next }
{ code = code "\n" esc($0) }
END { flush_code()
	print ".SH FILES\n.TP\n.I /dev/kplug\nthe device of kplug.ko (root only)"
	print ".SH SEE ALSO\n\\fBkplugctl\\fR(8); the kplug SDK header \\fIkplug.h\\fR for plugins"
}'
