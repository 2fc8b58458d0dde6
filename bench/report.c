/* SPDX-License-Identifier: MIT */
/*
 * Samples, statistics and the three outputs: the CSV of every row, the
 * markdown tables, and the data files that latency.gp plots.
 */
#define _GNU_SOURCE
#include "bench.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void samples_add(struct samples *s, int64_t ns)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		int64_t *v = realloc(s->v, cap * sizeof *v);

		if (v == NULL) {
			fprintf(stderr, "bench: out of memory\n");
			exit(1);
		}
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = ns;
}

void samples_free(struct samples *s)
{
	free(s->v);
	*s = (struct samples){0};
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted samples. */
static double pct(const struct samples *s, double p)
{
	size_t k = (size_t)ceil(p / 100.0 * (double)s->n);

	if (k == 0)
		k = 1;
	return (double)s->v[k - 1];
}

static struct result *rows;
static size_t nrows, caprows;

static struct result *row_new(const char *scenario, const char *child, const char *method,
                              int threads)
{
	struct result *r;

	if (nrows == caprows) {
		caprows = caprows ? caprows * 2 : 64;
		rows = realloc(rows, caprows * sizeof *rows);
		if (rows == NULL) {
			fprintf(stderr, "bench: out of memory\n");
			exit(1);
		}
	}
	r = &rows[nrows++];
	memset(r, 0, sizeof *r);
	snprintf(r->scenario, sizeof r->scenario, "%s", scenario);
	snprintf(r->child, sizeof r->child, "%s", child);
	snprintf(r->method, sizeof r->method, "%s", method);
	r->threads = threads;
	return r;
}

struct result *report_add(const char *scenario, const char *child, const char *method, int threads,
                          struct samples *s, size_t bytes)
{
	struct result *r = row_new(scenario, child, method, threads);
	double sum = 0;

	if (s->n == 0) {
		snprintf(r->status, sizeof r->status, "error");
		snprintf(r->note, sizeof r->note, "no samples");
		return r;
	}
	qsort(s->v, s->n, sizeof *s->v, cmp64);
	for (size_t i = 0; i < s->n; i++)
		sum += (double)s->v[i];
	r->n = s->n;
	r->median_us = pct(s, 50) / 1e3;
	r->p99_us = pct(s, 99) / 1e3;
	r->mean_us = sum / (double)s->n / 1e3;
	r->per_s = 1e6 / r->mean_us;
	if (bytes > 0)
		r->mib_s = (double)bytes / (1 << 20) / (r->median_us / 1e6);
	snprintf(r->status, sizeof r->status, "ok");
	return r;
}

struct result *report_add_status(const char *scenario, const char *child, const char *method,
                                 int threads, const char *status, const char *note)
{
	struct result *r = row_new(scenario, child, method, threads);

	snprintf(r->status, sizeof r->status, "%s", status);
	snprintf(r->note, sizeof r->note, "%s", note);
	return r;
}

struct result *report_find(const char *scenario, const char *child, const char *method, int threads)
{
	for (size_t i = 0; i < nrows; i++) {
		struct result *r = &rows[i];

		if (strcmp(r->scenario, scenario) == 0 && strcmp(r->child, child) == 0 &&
		    strcmp(r->method, method) == 0 && r->threads == threads)
			return r;
	}
	return NULL;
}

void report_ratios(const char *scenario, const char *baseline)
{
	for (size_t i = 0; i < nrows; i++) {
		struct result *r = &rows[i], *b;

		if (strcmp(r->scenario, scenario) != 0 || strcmp(r->status, "ok") != 0)
			continue;
		b = report_find(scenario, r->child, baseline, r->threads);
		if (b != NULL && strcmp(b->status, "ok") == 0 && b->median_us > 0)
			r->ratio = r->median_us / b->median_us;
	}
}

static void write_csv(FILE *f)
{
	fprintf(f, "scenario,child,method,threads,samples,median_us,p99_us,mean_us,per_s,"
	           "ratio_to_baseline,mib_s,status,note\n");
	for (size_t i = 0; i < nrows; i++) {
		const struct result *r = &rows[i];

		fprintf(f, "%s,%s,%s,%d,%zu,%.2f,%.2f,%.2f,%.1f,%.3f,%.1f,%s,\"", r->scenario,
		        r->child, r->method, r->threads, r->n, r->median_us, r->p99_us, r->mean_us,
		        r->per_s, r->ratio, r->mib_s, r->status);
		/* A CSV field quotes its quotes by doubling them. */
		for (const char *p = r->note; *p; p++)
			fputs(*p == '"' ? "\"\"" : (char[]){*p, 0}, f);
		fputs("\"\n", f);
	}
}

static void fmt_num(char *buf, size_t size, double v, const char *fmt)
{
	if (v <= 0)
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, fmt, v);
}

static void write_md_tables(FILE *f)
{
	const char *scen = "", *child = "";

	for (size_t i = 0; i < nrows; i++) {
		const struct result *r = &rows[i];
		char med[32], p99[32], rate[32], ratio[32];
		bool io = r->mib_s > 0 || strncmp(r->scenario, "capture", 7) == 0 ||
		          strncmp(r->scenario, "communicate", 11) == 0;

		if (strcmp(r->scenario, scen) != 0 || strcmp(r->child, child) != 0) {
			scen = r->scenario;
			child = r->child;
			fprintf(f, "\n### %s, child %s\n\n", scen, child);
			fprintf(f,
			        "| method | threads | samples | median us | p99 us | %s | ratio | "
			        "status |\n",
			        io ? "MiB/s" : "spawns/s");
			fprintf(f, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
		}
		fmt_num(med, sizeof med, r->median_us, "%.1f");
		fmt_num(p99, sizeof p99, r->p99_us, "%.1f");
		fmt_num(rate, sizeof rate, io ? r->mib_s : r->per_s, "%.0f");
		fmt_num(ratio, sizeof ratio, r->ratio, "%.2fx");
		fprintf(f, "| %s | %d | %zu | %s | %s | %s | %s | %s%s%s |\n", r->method,
		        r->threads, r->n, med, p99, rate, ratio, r->status, r->note[0] ? ": " : "",
		        r->note);
	}
}

/* latency.dat: one row a method, one column a spawn scenario, the median
 * in microseconds ("?" where there is none). io.dat: MiB/s of capture and
 * communicate. Both in the order the methods first appear. */
static int write_data(const char *dir)
{
	static const char *const cols[][2] = {
		{"small", "exit"},  {"small", "static"}, {"small", "true"},
		{"heap1g", "exit"}, {"fds10k", "exit"},
	};
	const size_t ncols = sizeof cols / sizeof cols[0];
	char path[4096];
	FILE *lat, *io;

	snprintf(path, sizeof path, "%s/latency.dat", dir);
	lat = fopen(path, "we");
	snprintf(path, sizeof path, "%s/io.dat", dir);
	io = fopen(path, "we");
	if (lat == NULL || io == NULL) {
		if (lat)
			fclose(lat);
		if (io)
			fclose(io);
		return -1;
	}
	fprintf(lat, "method \"small parent\" \"small, static glibc child\" "
	             "\"small, /bin/true\" \"1 GiB parent\" \"10k fds\"\n");
	fprintf(io, "method \"capture 256 MiB\" \"communicate 64 MiB\"\n");
	for (size_t i = 0; i < nrows; i++) {
		const char *m = rows[i].method;
		bool seen = false, spawn = false;

		for (size_t j = 0; j < i; j++)
			seen = seen || strcmp(rows[j].method, m) == 0;
		for (size_t c = 0; c < ncols; c++) {
			const struct result *r = report_find(cols[c][0], cols[c][1], m, 1);
			spawn = spawn || (r != NULL && r->median_us > 0);
		}
		if (seen || !spawn)
			continue;
		fprintf(lat, "\"%s\"", m);
		for (size_t c = 0; c < ncols; c++) {
			const struct result *r = report_find(cols[c][0], cols[c][1], m, 1);
			if (r != NULL && r->median_us > 0)
				fprintf(lat, " %.2f", r->median_us);
			else
				fprintf(lat, " ?");
		}
		fprintf(lat, "\n");
	}
	/* The capture rows first, so subproc and the C loops lead. */
	for (size_t i = 0; i < nrows; i++) {
		const char *m = rows[i].method;
		const struct result *cap = report_find("capture", "child_io", m, 1);
		const struct result *com = report_find("communicate", "child_io", m, 1);
		bool seen = false;

		if (strcmp(rows[i].scenario, "capture") != 0 &&
		    strcmp(rows[i].scenario, "communicate") != 0)
			continue;
		for (size_t j = 0; j < i; j++) {
			seen = seen || (strcmp(rows[j].method, m) == 0 &&
			                (strcmp(rows[j].scenario, "capture") == 0 ||
			                 strcmp(rows[j].scenario, "communicate") == 0));
		}
		if (seen || !((cap && cap->mib_s > 0) || (com && com->mib_s > 0)))
			continue;
		fprintf(io, "\"%s\"", m);
		fprintf(io, cap && cap->mib_s > 0 ? " %.1f" : " ?", cap ? cap->mib_s : 0);
		fprintf(io, com && com->mib_s > 0 ? " %.1f\n" : " ?\n", com ? com->mib_s : 0);
	}
	fclose(lat);
	fclose(io);
	return 0;
}

int report_write(const char *csv, const char *md, const char *datadir, const char *header_md)
{
	FILE *f = fopen(csv, "we");

	if (f == NULL) {
		perror(csv);
		return -1;
	}
	write_csv(f);
	fclose(f);
	f = fopen(md, "we");
	if (f == NULL) {
		perror(md);
		return -1;
	}
	fputs(header_md, f);
	fprintf(f, "\n## All results\n\nratio: median over the median of the scenario's baseline "
	           "(glibc posix_spawn for starts, the raw C loop for capture and communicate) "
	           "in the same run.\n");
	write_md_tables(f);
	fclose(f);
	if (write_data(datadir) < 0) {
		perror(datadir);
		return -1;
	}
	return 0;
}
