// SPDX-License-Identifier: GPL-2.0
/*
 * edu-run - run a program with its AF_INET stream sockets on EDUTCP.
 *
 *   edu-run [-q] PROGRAM [ARG...]
 *
 * Puts libedu-run.so (see userspace/preload/edu-run.c) into LD_PRELOAD
 * and executes PROGRAM: its TCP sockets become AF_EDU sockets, visible in
 * /proc/net/edutcp and `edustat`, while the program believes it speaks
 * TCP.  The library is looked for in $EDU_RUN_LIB, then beside this
 * program (../lib/libedu-run.so, as `make` builds it), then where
 * `make install` puts it.  -q: say nothing on standard error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EDU_RUN_INSTALLED	"/usr/local/lib/edutcp/libedu-run.so"

static int find_lib(char *out, size_t size)
{
	const char *env = getenv("EDU_RUN_LIB");
	char self[PATH_MAX];
	ssize_t n;

	if (env && *env) {
		snprintf(out, size, "%s", env);
		return access(out, R_OK);
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		snprintf(out, size, "%s/../lib/libedu-run.so", dirname(self));
		if (!access(out, R_OK))
			return 0;
	}
	snprintf(out, size, "%s", EDU_RUN_INSTALLED);
	return access(out, R_OK);
}

int main(int argc, char **argv)
{
	char lib[PATH_MAX], *pre, *old;
	int quiet = 0, i = 1;

	if (i < argc && !strcmp(argv[i], "-q")) {
		quiet = 1;
		i++;
	}
	if (i >= argc || argv[i][0] == '-') {
		fprintf(stderr, "usage: edu-run [-q] PROGRAM [ARG...]\n"
			"runs PROGRAM with its AF_INET stream sockets on EDUTCP\n");
		return 2;
	}
	if (find_lib(lib, sizeof(lib))) {
		fprintf(stderr, "edu-run: cannot find libedu-run.so (set EDU_RUN_LIB)\n");
		return 2;
	}
	if (access("/sys/module/af_edu", F_OK) && !quiet)
		fprintf(stderr, "edu-run: af_edu is not loaded; socket(AF_EDU) will load it if installed\n");

	old = getenv("LD_PRELOAD");
	if (old && *old) {
		if (asprintf(&pre, "%s:%s", lib, old) < 0)
			return 2;
	} else {
		pre = lib;
	}
	setenv("LD_PRELOAD", pre, 1);
	if (!quiet)
		fprintf(stderr, "edu-run: %s runs with its TCP sockets on EDUTCP (see /proc/net/edutcp)\n",
			argv[i]);
	execvp(argv[i], argv + i);
	fprintf(stderr, "edu-run: %s: %s\n", argv[i], strerror(errno));
	return 127;
}
