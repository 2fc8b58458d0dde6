/* SPDX-License-Identifier: MIT */
/*
 * Errno and signal names, from the tables that cmake/mkerrors.cmake generates
 * out of the system headers. Every string returned is static, and nothing
 * here reads or writes errno or depends on the locale.
 */
#include "subproc.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "names.inc"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *subproc_version(void)
{
	return SUBPROC_VERSION;
}

static const struct names_errno *errno_find(int err)
{
	/* The sign is ignored; INT_MIN has no positive counterpart. */
	if (err == INT_MIN)
		return NULL;
	if (err < 0)
		err = -err;
	for (size_t i = 0; i < COUNT(names_errnos) && names_errnos[i].num <= err; i++)
		if (names_errnos[i].num == err)
			return &names_errnos[i];
	return NULL;
}

const char *subproc_errno_name(int err)
{
	const struct names_errno *e = errno_find(err);

	return e != NULL ? e->name : NULL;
}

const char *subproc_strerror(int err)
{
	const struct names_errno *e = errno_find(err);

	return e != NULL ? e->text : "unknown error";
}

const char *subproc_signal_name(int sig)
{
	for (size_t i = 0; i < COUNT(names_signals) && names_signals[i].num <= sig; i++)
		if (names_signals[i].num == sig)
			return names_signals[i].name;
#ifdef NAMES_HAVE_RT
	/* glibc reserves the first real-time signals for itself, so SIGRTMIN
	 * is a run-time value. */
	if (sig == SIGRTMAX)
		return "SIGRTMAX";
	if (sig >= SIGRTMIN && sig < SIGRTMAX && (size_t)(sig - SIGRTMIN) < COUNT(names_rt))
		return names_rt[sig - SIGRTMIN];
#endif
	return NULL;
}

static int ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Compares the first n bytes of a and b, ignoring ASCII case (strncasecmp
 * follows the locale). n may exceed the lengths: the NULs then compare. */
static bool ascii_eq(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (ascii_lower((unsigned char)a[i]) != ascii_lower((unsigned char)b[i]))
			return false;
		if (a[i] == '\0')
			return true;
	}
	return true;
}

/* Parses a string of decimal digits no greater than NAMES_NSIG, or returns -1. */
static int parse_small(const char *s)
{
	int n = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		n = n * 10 + (*s - '0');
		if (n > NAMES_NSIG)
			return -1;
	}
	return n;
}

#ifdef NAMES_HAVE_RT
/* Parses "RTMIN", "RTMIN+N", "RTMAX" or "RTMAX-N" (any case). */
static int parse_rt(const char *s)
{
	bool min = ascii_eq(s, "RTMIN", 5);
	int base = min ? SIGRTMIN : SIGRTMAX;
	int off = 0, sig;

	if (s[5] != '\0') {
		if (s[5] != (min ? '+' : '-'))
			return -EINVAL;
		off = parse_small(s + 6);
		if (off < 0)
			return -EINVAL;
	}
	sig = min ? base + off : base - off;
	return sig >= SIGRTMIN && sig <= SIGRTMAX ? sig : -EINVAL;
}
#endif

int subproc_signal_parse(const char *text)
{
	const char *s = text;
	int n;

	if (text == NULL)
		return -EINVAL;
	n = parse_small(text);
	if (n >= 0)
		return n >= 1 && n < NAMES_NSIG ? n : -EINVAL;
	if (ascii_eq(s, "SIG", 3))
		s += 3;
#ifdef NAMES_HAVE_RT
	if (ascii_eq(s, "RTMIN", 5) || ascii_eq(s, "RTMAX", 5))
		return parse_rt(s);
#endif
	/* Every name in the table starts with "SIG"; aliases parse too. */
	for (size_t i = 0; i < COUNT(names_signals); i++)
		if (ascii_eq(s, names_signals[i].name + 3, SIZE_MAX))
			return names_signals[i].num;
	return -EINVAL;
}
