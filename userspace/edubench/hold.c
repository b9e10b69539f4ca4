// SPDX-License-Identifier: GPL-2.0
/*
 * hold.c - edubench hold: CONNS established connections, both ends in
 * this process, left idle; the growth of Slab in /proc/meminfo per
 * connection, then the median time of READS full reads of the family's
 * socket table (/proc/net/tcp, /proc/net/edutcp, /proc/net/unix).  The
 * connections are reset (SO_LINGER 0) at the end: no TIME_WAIT.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include "edubench.h"

#define HOLD_BATCH	128

/* A field of /proc/meminfo, in kB; -1 if missing. */
static long meminfo_kb(const char *field)
{
	FILE *f = fopen("/proc/meminfo", "r");
	size_t flen = strlen(field);
	char line[128];
	long v = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, flen) && line[flen] == ':') {
			v = strtol(line + flen + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Read @path to its end; return the milliseconds taken, rows in @rows. */
static double read_table(const char *path, long *rows)
{
	static char buf[1 << 16];
	double t0 = now_s();
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*rows = 0;
	if (fd < 0)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < n; i++)
			*rows += buf[i] == '\n';
	close(fd);
	return n < 0 ? -1 : (now_s() - t0) * 1e3;
}

static void reset_close(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	if (fam != AF_UNIX)
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

int run_hold(void)
{
	const char *table = fam == AF_INET ? "/proc/net/tcp" :
			    fam == AF_UNIX ? "/proc/net/unix" :
			    "/proc/net/edutcp";
	struct rlimit rl = { 2 * opt_conns + 64, 2 * opt_conns + 64 };
	long i, n = 0, rows = 0, slab0, slab1, unrec0, unrec1;
	double ms[64];
	int *fds, lfd, rc = 1;
	char extra[128];

	if (setrlimit(RLIMIT_NOFILE, &rl)) {
		fprintf(stderr, "%s: RLIMIT_NOFILE %ld: %s\n", prog,
			(long)rl.rlim_cur, strerror(errno));
		return 1;
	}
	fds = malloc(2 * opt_conns * sizeof(*fds));
	if (!fds)
		return 1;
	for (i = 0; i < 2 * opt_conns; i++)
		fds[i] = -1;
	lfd = listen_on(4096);
	if (lfd < 0)
		goto out;
	/* Only the sockets are counted: the file table is already grown. */
	sync();
	usleep(200000);
	slab0 = meminfo_kb("Slab");
	unrec0 = meminfo_kb("SUnreclaim");
	while (n < opt_conns) {
		long batch = opt_conns - n < HOLD_BATCH ? opt_conns - n :
			     HOLD_BATCH;

		for (i = 0; i < batch; i++) {
			fds[2 * (n + i)] = connect_to();
			if (fds[2 * (n + i)] < 0) {
				fprintf(stderr, "%s: hold: connection %ld: %s\n",
					prog, n + i, strerror(errno));
				n += i;
				goto out_close;
			}
		}
		for (i = 0; i < batch; i++) {
			fds[2 * (n + i) + 1] = accept4(lfd, NULL, NULL,
						       SOCK_CLOEXEC);
			if (fds[2 * (n + i) + 1] < 0) {
				fprintf(stderr, "%s: hold: accept: %s\n", prog,
					strerror(errno));
				n += batch;
				goto out_close;
			}
		}
		n += batch;
	}
	usleep(500000);
	slab1 = meminfo_kb("Slab");
	unrec1 = meminfo_kb("SUnreclaim");
	snprintf(extra, sizeof(extra), "conns=%ld slab_kb=%ld sunreclaim_kb=%ld",
		 n, slab1 - slab0, unrec1 - unrec0);
	result("memory", (slab1 - slab0) * 1024.0 / n, "bytes/conn", extra);

	if (opt_reads > 64)
		opt_reads = 64;
	for (i = 0; i < opt_reads; i++) {
		ms[i] = read_table(table, &rows);
		if (ms[i] < 0) {
			fprintf(stderr, "%s: %s: %s\n", prog, table,
				strerror(errno));
			goto out_close;
		}
	}
	qsort(ms, opt_reads, sizeof(ms[0]), cmp_double);
	snprintf(extra, sizeof(extra), "file=%s rows=%ld reads=%d", table,
		 rows, opt_reads);
	result("proc", ms[opt_reads / 2], "ms/read", extra);
	rc = 0;
out_close:
	for (i = 0; i < 2 * n; i++)
		if (fds[i] >= 0)
			reset_close(fds[i]);
	close(lfd);
out:
	free(fds);
	return rc;
}
