# SPDX-License-Identifier: MIT
# Writes a section 3 page for every function that include/subproc.h declares
# with SUBPROC_API, from the header itself: the declaration as the synopsis,
# the doc comment above it (or, for a group without one, the text of the
# section banner it sits under) as the description. Generated, so that a page
# can never describe a function that no longer exists or miss a new one.
#
# usage: awk -v out=DIR -v version=X.Y.Z -v date=YYYY-MM-DD -f manpages.awk subproc.h
# Also writes DIR/functions.txt: the names, one a line.

function trim(s) {
	sub(/^[ \t]+/, "", s)
	sub(/[ \t]+$/, "", s)
	return s
}

# roff: a backslash is \e, and a line may not start with a control character.
function roff(s) {
	gsub(/\\/, "\\e", s)
	if (s ~ /^[.']/)
		s = "\\&" s
	return s
}

# The doc text as paragraphs: an empty line starts a new one; an indented
# line (a list item or an example) starts a line of its own.
function body(text, file,    n, i, line, lines) {
	n = split(text, lines, "\n")
	for (i = 1; i <= n; i++) {
		line = lines[i]
		if (trim(line) == "") {
			print ".PP" > file
		} else if (line ~ /^  +/ || line ~ /^- /) {
			print ".br" > file
			print roff(trim(line)) > file
		} else {
			print roff(trim(line)) > file
		}
	}
}

function page(decl, doc,    name, file, summary, d) {
	name = decl
	sub(/\(.*/, "", name)
	sub(/.*[ \t*]/, "", name)
	if (name !~ /^subproc_/)
		return
	file = out "/" name ".3"
	summary = doc
	gsub(/\n/, " ", summary)
	summary = trim(summary)
	sub(/\. .*/, ".", summary)
	sub(/\.$/, "", summary)
	if (summary == "")
		summary = "part of the subproc library"
	d = decl
	sub(/^SUBPROC_API[ \t]+/, "", d)
	gsub(/[ \t\n]+/, " ", d)
	print ".\\\" Generated from subproc.h by cmake/manpages.awk; edit the header." > file
	print ".TH " toupper(name) " 3 \"" date "\" \"subproc " version "\" \"Library Functions Manual\"" > file
	print ".SH NAME" > file
	print roff(name) " \\- " roff(summary) > file
	print ".SH LIBRARY" > file
	print "subproc (\\fI\\-lsubproc\\fP; \\fBpkg\\-config \\-\\-libs subproc\\fP)" > file
	print ".SH SYNOPSIS" > file
	print ".nf" > file
	print ".B #include <subproc.h>" > file
	print ".PP" > file
	print roff(d) > file
	print ".fi" > file
	print ".SH DESCRIPTION" > file
	if (doc == "")
		doc = banner
	body(doc, file)
	if (name ~ /^subproc_posix_spawn/) {
		print ".PP" > file
		print "As its" > file
		print ".BR posix_spawn (3)" > file
		print "counterpart does, it returns 0 or a positive error number." > file
	} else if (d ~ /^int /) {
		print ".PP" > file
		print "The error convention (a negative errno value on failure, never the" > file
		print "global errno) is described in" > file
		print ".BR subproc (3)." > file
	}
	print ".SH SEE ALSO" > file
	print ".BR subproc (3)," > file
	print ".BR subproc (1)" > file
	close(file)
	print name > (out "/functions.txt")
}

BEGIN { state = ""; doc = ""; banner = "" }

# Inside a doc comment.
state == "doc" {
	line = $0
	done = sub(/\*\/[ \t]*$/, "", line)
	sub(/^[ \t]*\* ?/, "", line)
	if (line != "" || !done)
		doc = doc (doc == "" ? "" : "\n") line
	if (done)
		state = ""
	next
}

# Inside a declaration: up to its semicolon.
state == "decl" {
	decl = decl " " trim($0)
	if ($0 ~ /;/) {
		page(decl, doc)
		state = ""
	}
	next
}

# A section banner: lines of "/* text */" between two rules.
/^\/\* -{20,}/ {
	if (state == "banner") {
		state = ""
	} else {
		state = "banner"
		banner = ""
	}
	doc = ""
	next
}
state == "banner" {
	line = $0
	sub(/^\/\* ?/, "", line)
	sub(/[ \t]*\*\/[ \t]*$/, "", line)
	banner = banner (banner == "" ? "" : "\n") trim(line)
	next
}

/^\/\*\*/ {
	line = $0
	sub(/^\/\*\*[ \t]*/, "", line)
	doc = ""
	if (sub(/[ \t]*\*\/[ \t]*$/, "", line)) {
		doc = line
	} else {
		doc = line
		state = "doc"
	}
	next
}

/^SUBPROC_API/ {
	decl = trim($0)
	if ($0 ~ /;/)
		page(decl, doc)
	else
		state = "decl"
	next
}

# Anything else (a type, a macro, a plain comment) ends what the last doc
# comment was about; blank lines do not.
/[^ \t]/ { doc = "" }
