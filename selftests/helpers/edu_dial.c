// SPDX-License-Identifier: GPL-2.0
/*
 * edu_dial - a real client dialing a listener again and again.
 *
 *	edu_dial [-f inet] [-n N] [-w MS] [-p PID] ADDR PORT
 *
 * Makes N connection attempts (default 20) to ADDR:PORT (AF_EDU, or
 * AF_INET/TCP with -f inet, the oracle), one after another, each with its own
 * nonblocking socket waited on for at most MS milliseconds (default 1000);
 * a connection that is made is closed at once.  With -p PID it also notes
 * whether process PID (the flood the dials compete with) was still alive
 * after the last attempt.  It prints one line:
 *	dial attempts=A ok=O timeout=T failed=F flood_alive=0|1
 * Exit status: 0, or 2 on a usage or socket error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "../edu_selftest.h"

int main(int argc, char **argv)
{
	struct edu_family fam = { .edu = 1 };
	int n = 20, wait_ms = 1000, i, c, fd, err;
	int ok = 0, tmo = 0, failed = 0, alive = -1;
	pid_t pid = 0;

	while ((c = getopt(argc, argv, "4f:n:w:p:")) != -1) {
		switch (c) {
		case '4':
			fam.edu = 0;
			break;
		case 'f':
			if (edu_family_arg(&fam, optarg))
				goto usage;
			break;
		case 'n':
			n = atoi(optarg);
			break;
		case 'w':
			wait_ms = atoi(optarg);
			break;
		case 'p':
			pid = atoi(optarg);
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc - 2 || n < 1 || wait_ms < 1)
		goto usage;

	for (i = 0; i < n; i++) {
		fd = edu_connect_start(&fam, argv[optind],
				       atoi(argv[optind + 1]));
		if (fd == -EMFILE || fd == -ENFILE || fd == -EAFNOSUPPORT) {
			printf("error socket: %s\n", strerrorname_np(-fd));
			return 2;
		}
		err = fd < 0 ? fd : edu_wait_connected(fd, wait_ms);
		if (!err)
			ok++;
		else if (err == -ETIMEDOUT)
			tmo++;
		else
			failed++;
		if (fd >= 0)
			close(fd);
	}
	if (pid)
		alive = kill(pid, 0) == 0;
	printf("dial attempts=%d ok=%d timeout=%d failed=%d flood_alive=%d\n",
	       n, ok, tmo, failed, alive);
	return 0;

usage:
	fprintf(stderr, "usage: edu_dial [-f inet] [-n N] [-w MS] [-p PID] ADDR PORT\n");
	return 2;
}
