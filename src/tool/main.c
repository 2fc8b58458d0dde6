/* SPDX-License-Identifier: MIT */
/*
 * subproc: the command-line tool. Dispatches to run, pipe, parallel and
 * bench, and prints the names of --list for the shell completion.
 */
#include "tool.h"

#include <string.h>

static const char usage[] =
	"Usage: subproc COMMAND [OPTIONS] [--] ...\n"
	"Starts programs through the subproc library, without a shell.\n"
	"\n"
	"Commands:\n"
	"  run    run one program and exit as it did (timeouts, environment,\n"
	"         redirections, limits, credentials, a JSON report)\n"
	"  pipe   run a pipeline: subproc pipe -- CMD1 ARGS '|' CMD2 ARGS ...\n"
	"  parallel  run a command once per argument, N at a time, as GNU\n"
	"         parallel: subproc parallel -j 4 -- gzip {} ::: a b c\n"
	"  bench  time this machine's ways of starting a process\n"
	"\n"
	"'subproc COMMAND --help' describes each; --version prints the version.\n"
	"'subproc --list signals|rlimits|launches|namespaces|capabilities|syscalls'\n"
	"prints the names --signal, --rlimit, --launch, --unshare, --ambient-caps\n"
	"and --bounding-set, and --seccomp-deny take, one a line (for shell\n"
	"completion).\n";

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (cmd == NULL) {
		fputs(usage, stderr);
		return TOOL_EXIT_FAILED;
	}
	if (strcmp(cmd, "run") == 0)
		return tool_run(argc - 1, argv + 1);
	if (strcmp(cmd, "pipe") == 0)
		return tool_pipe(argc - 1, argv + 1);
	if (strcmp(cmd, "parallel") == 0)
		return tool_parallel(argc - 1, argv + 1);
	if (strcmp(cmd, "bench") == 0)
		return tool_bench(argc - 1, argv + 1);
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		fputs(usage, stdout);
		return 0;
	}
	if (strcmp(cmd, "--list") == 0) {
		if (argc > 3) {
			tool_error("--list: one list at a time, not %s", argv[3]);
			return TOOL_EXIT_FAILED;
		}
		return tool_list(argv[2]);
	}
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
		printf("subproc %s\n", subproc_version());
		return 0;
	}
	tool_error("unknown command: %s", cmd);
	fputs(usage, stderr);
	return TOOL_EXIT_FAILED;
}
