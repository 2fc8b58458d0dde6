/* SPDX-License-Identifier: MIT */
/*
 * The --json report: one object per run, written with stdio. Strings are
 * escaped as RFC 8259 requires; bytes that are not UTF-8 pass unchanged.
 */
#include "tool.h"

#include <errno.h>
#include <string.h>

void json_str(FILE *f, const char *s)
{
	if (s == NULL) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", f);
		else if (*p == '\t')
			fputs("\\t", f);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

void json_argv(FILE *f, char *const *argv, int argc)
{
	fputc('[', f);
	for (int i = 0; i < argc; i++) {
		if (i > 0)
			fputc(',', f);
		json_str(f, argv[i]);
	}
	fputc(']', f);
}

static double seconds(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

void json_proc(FILE *f, const subproc_status *st, bool timed_out)
{
	if (st == NULL) {
		fputs(",\"pid\":null,\"exit_code\":null,\"signal\":null,\"core_dumped\":false", f);
		fputs(",\"timed_out\":false,\"user_seconds\":0,\"system_seconds\":0,\"max_rss_"
		      "kib\":0",
		      f);
		return;
	}
	fprintf(f, ",\"pid\":%ld", (long)st->pid);
	if (subproc_status_exited(st->status))
		fprintf(f, ",\"exit_code\":%d,\"signal\":null",
		        subproc_status_exit_code(st->status));
	else {
		fputs(",\"exit_code\":null,\"signal\":", f);
		json_str(f, subproc_signal_name(subproc_status_signal(st->status)));
	}
	fprintf(f, ",\"core_dumped\":%s,\"timed_out\":%s",
	        subproc_status_core_dumped(st->status) ? "true" : "false",
	        timed_out ? "true" : "false");
	/* ru_maxrss is in KiB on Linux. */
	fprintf(f, ",\"user_seconds\":%.6f,\"system_seconds\":%.6f,\"max_rss_kib\":%ld",
	        seconds(st->rusage.ru_utime), seconds(st->rusage.ru_stime), st->rusage.ru_maxrss);
}

void json_error(FILE *f, const subproc_error *err)
{
	char text[SUBPROC_ERROR_PATH_MAX + 256];

	tool_error_text(err, text, sizeof text);
	fputs(",\"error\":{\"step\":", f);
	json_str(f, subproc_step_name(err->step));
	fputs(",\"errno\":", f);
	json_str(f, subproc_errno_name(err->code));
	fputs(",\"path\":", f);
	json_str(f, err->path[0] ? err->path : NULL);
	fputs(",\"message\":", f);
	json_str(f, text);
	fputc('}', f);
}

void json_cgroup(FILE *f, const subproc_cgroup_stats *cs)
{
	if (cs->have & SUBPROC_CGROUP_CPU)
		fprintf(f, ",\"tree_user_seconds\":%.6f,\"tree_system_seconds\":%.6f",
		        (double)cs->user_usec / 1e6, (double)cs->system_usec / 1e6);
	/* In KiB, as max_rss_kib. */
	if (cs->have & SUBPROC_CGROUP_MEMORY_PEAK)
		fprintf(f, ",\"tree_memory_peak_kib\":%llu", cs->memory_peak / 1024);
	if (cs->have & SUBPROC_CGROUP_PIDS_PEAK)
		fprintf(f, ",\"tree_pids_peak\":%llu", cs->pids_peak);
	if (cs->have & SUBPROC_CGROUP_OOM_KILLS)
		fprintf(f, ",\"oom_killed\":%llu", cs->oom_kills);
}

FILE *json_open(const struct tool_opts *o)
{
	FILE *f;

	if (o->json_file == NULL)
		return stderr;
	f = fopen(o->json_file, "we");
	if (f == NULL)
		tool_error("--json=%s: %s", o->json_file, subproc_strerror(errno));
	return f;
}

void json_close(FILE *f, const struct tool_opts *o)
{
	if (o->json_file == NULL)
		fflush(f);
	else if (fclose(f) != 0)
		tool_error("--json=%s: %s", o->json_file, subproc_strerror(errno));
}
