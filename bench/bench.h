/* SPDX-License-Identifier: MIT */
/*
 * The benchmark driver's pieces: samples and results (report.c), the ways
 * to start a child (methods.c), the peers (peers.c) and the scenarios
 * (spawn_bench.c).
 */
#ifndef BENCH_H
#define BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A growing list of nanosecond samples. */
struct samples {
	int64_t *v;
	size_t n, cap;
};

void samples_add(struct samples *s, int64_t ns);
void samples_free(struct samples *s);

/* What a scenario measures of each method. */
enum kind {
	KIND_SPAWN,       /* start + wait of a child that does nothing */
	KIND_CAPTURE,     /* start, read all of its stdout, wait */
	KIND_COMMUNICATE, /* start, feed stdin while reading stdout, wait */
};

/* One row of the results: a method in a scenario. */
struct result {
	char scenario[32];
	char child[32];
	char method[40];
	int threads;
	size_t n;
	double median_us, p99_us, mean_us;
	double per_s;    /* spawns per second (aggregate over threads) */
	double ratio;    /* median over the scenario's baseline median, 0 if none */
	double mib_s;    /* capture and communicate: MiB moved per second, at the median */
	char status[16]; /* "ok", "missing", "error" or "n/a" */
	char note[160];
};

/* Appends a row computed from samples (sorting them); `bytes` > 0 gives
 * MiB/s. The rate is the inverse of the mean, right for starts made back
 * to back; a threaded run replaces it with its aggregate. */
struct result *report_add(const char *scenario, const char *child, const char *method, int threads,
                          struct samples *s, size_t bytes);
/* Appends a row without numbers (missing, error, n/a). */
struct result *report_add_status(const char *scenario, const char *child, const char *method,
                                 int threads, const char *status, const char *note);
/* Fills in each row's ratio to the row of `baseline` in the same scenario,
 * child and thread count. */
void report_ratios(const char *scenario, const char *baseline);
struct result *report_find(const char *scenario, const char *child, const char *method,
                           int threads);
/* Writes the CSV, the markdown table and the plot's data files. */
int report_write(const char *csv, const char *md, const char *datadir, const char *header_md);

/* The in-process ways to start a child, each a start plus a wait of one
 * child. Return 0, or -errno (-EPROTO when the child did not exit 0). */
typedef int (*spawn_fn)(char *const argv[]);

int m_subproc_clone3(char *const argv[]);
int m_subproc_clone(char *const argv[]);
int m_subproc_fork(char *const argv[]);
int m_posix_spawn(char *const argv[]);
int m_subproc_posix_spawn(char *const argv[]);
int m_fork_exec(char *const argv[]);
int m_vfork_exec(char *const argv[]);
int m_raw_clone3(char *const argv[]);
/* The floor with CLONE_FILES and close_range(CLOSE_RANGE_UNSHARE). */
int m_raw_clone3_files(char *const argv[]);

/* Capture all of the child's stdout (expect `nbytes`); communicate: feed
 * it `in` while capturing. Return 0 or -errno (-EPROTO for a wrong size). */
typedef int (*io_fn)(char *const argv[], const char *in, size_t inlen, size_t nbytes);

int m_subproc_output(char *const argv[], const char *in, size_t inlen, size_t nbytes);
int m_raw_read_loop(char *const argv[], const char *in, size_t inlen, size_t nbytes);
int m_raw_read_loop_1m(char *const argv[], const char *in, size_t inlen, size_t nbytes);
int m_subproc_communicate(char *const argv[], const char *in, size_t inlen, size_t nbytes);
int m_raw_poll_loop(char *const argv[], const char *in, size_t inlen, size_t nbytes);

int64_t now_ns(void);

/* A peer: a program in another language or library that times COUNT
 * starts itself and prints one sample (ns) a line. */
struct peer {
	const char *name;  /* method name in the results */
	char *argv[4];     /* the command, before the common arguments */
	char missing[128]; /* why it cannot run, "" when it can */
	unsigned modes;    /* 1 << enum kind it supports */
	char error[160];   /* the last failure, kept for the table */
};

/* Finds the peers; each gets `missing` set when it was not built. */
size_t peers_init(struct peer **out);
/* Runs a peer for `count` samples, appending them to `s`. Returns 0 or -1
 * with peer->error set. */
int peer_run(struct peer *p, enum kind kind, int count, int heap_mib, int nfds, size_t nbytes,
             char *const child_argv[], struct samples *s);

#endif
