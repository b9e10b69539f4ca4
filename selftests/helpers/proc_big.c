// SPDX-License-Identifier: GPL-2.0
/*
 * proc_big - many EDUTCP sockets, and /proc/net/edutcp read in small pieces.
 *
 *	proc_big [-n N] [-p BASEPORT] [-r READS] [-R TIMED]
 *
 * Meant to run alone in a fresh network namespace (unshare -n): every row
 * of its /proc/net/edutcp is then one of its own sockets.
 *
 *  1. Opens N/4 listeners (AF_EDU, 0.0.0.0, ports BASEPORT...; default
 *     N = 10000, BASEPORT = 20000) and times reading the whole table with
 *     read(fd, buf, 1000): the best of TIMED reads (default 5).
 *  2. Opens the other 3N/4 and times N rows the same way.
 *  3. Forks a child that opens and closes listeners on other ports, 50 at
 *     a time, as fast as it can, and meanwhile reads the table READS times
 *     (default 5).  Each read must be one snapshot: every row whole
 *     (all 17 columns), the sl column counting 0, 1, 2..., every one of the N
 *     sockets' inodes (fstat()'s st_ino, the number of socket:[inode])
 *     exactly once, and no inode twice.
 *
 * Prints, for the shell test:
 *	timed ROWS rows: best MS ms (BYTES bytes)	(once for N/4, once for N)
 *	read I: ROWS rows, MISSING missing, DUPLICATE duplicated, BAD bad
 *	churn: CYCLES cycles of 50 sockets during the reads
 *	result ok | result FAIL
 * Exit status: 0 when every read was a snapshot, 1 otherwise, 2 on a usage
 * or setup error (e.g. a socket that cannot be opened).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "../edu_selftest.h"

#define TABLE		"/proc/self/net/edutcp"
#define CHUNK		1000	/* the size of each read() */
#define CHURN_BATCH	50
/* Whitespace-separated fields of a row: tx_queue:rx_queue and tr:tm->when
 * are one each, so 17 named columns make 15 fields. */
#define NFIELDS		15
#define INODE_FIELD	9

static unsigned long *socks;	/* their inodes */
static int nsocks;
/* Every socket here is a listener on 0.0.0.0, backlog 1. */
static const struct edu_family edu = { .edu = 1 };

static bool open_socks(int from, int to, int baseport)
{
	struct stat st;
	int i, fd;

	for (i = from; i < to; i++) {
		fd = edu_listener(&edu, 0, "0.0.0.0", baseport + i, 1);
		if (fd < 0 || fstat(fd, &st)) {
			printf("error: listener %d on port %d: %s\n", i,
			       baseport + i, strerror(fd < 0 ? -fd : errno));
			return false;
		}
		socks[i] = st.st_ino;
	}
	nsocks = to;
	return true;
}

/* The whole table, CHUNK bytes per read(); *len its size. */
static char *read_table(size_t *len, char *buf, size_t *cap)
{
	int fd = open(TABLE, O_RDONLY);
	ssize_t n;

	*len = 0;
	if (fd < 0) {
		printf("error: %s: %s\n", TABLE, strerror(errno));
		exit(2);
	}
	for (;;) {
		if (*cap - *len < CHUNK) {
			*cap = *cap ? *cap * 2 : 1 << 20;
			buf = realloc(buf, *cap);
			if (!buf)
				exit(2);
		}
		n = read(fd, buf + *len, CHUNK);
		if (n < 0) {
			printf("error: read: %s\n", strerror(errno));
			exit(2);
		}
		if (!n)
			break;
		*len += n;
	}
	close(fd);
	return buf;
}

static void timed(int reads, char **buf, size_t *cap)
{
	double best = 0, t;
	size_t len = 0;
	int i, rows = 0;

	for (i = 0; i < reads; i++) {
		t = edu_now_msf();
		*buf = read_table(&len, *buf, cap);
		t = edu_now_msf() - t;
		if (!i || t < best)
			best = t;
	}
	for (i = 0; i < (int)len; i++)
		rows += (*buf)[i] == '\n';
	printf("timed %d rows: best %.3f ms (%zu bytes)\n", rows - 1, best, len);
}

static int cmp_ulong(const void *a, const void *b)
{
	const unsigned long *x = a, *y = b;

	return (*x > *y) - (*x < *y);
}

/*
 * Checks one read; returns true when it was a snapshot: every row whole
 * and numbered in order, no inode twice (the churn's sockets included),
 * every one of ours present.
 */
static bool check_read(int nr, char *buf, size_t len)
{
	int rows = 0, ninodes = 0, missing = 0, dup = 0, bad = 0, i;
	static unsigned long *inodes;
	static int inodes_cap;
	char *line, *end, *save;

	if (!len || buf[len - 1] != '\n')
		bad++;
	buf[len ? len - 1 : 0] = '\0';
	line = strtok_r(buf, "\n", &save);	/* the header */
	while ((line = strtok_r(NULL, "\n", &save))) {
		char *col[NFIELDS + 1], *s2, *tok;
		int nc = 0;

		for (tok = strtok_r(line, " ", &s2); tok && nc <= NFIELDS;
		     tok = strtok_r(NULL, " ", &s2))
			col[nc++] = tok;
		if (nc != NFIELDS || strtol(col[0], &end, 10) != rows ||
		    *end != ':') {
			if (bad++ < 3)
				printf("# read %d: bad row %d (%d columns)\n",
				       nr, rows, nc);
			rows++;
			continue;
		}
		rows++;
		if (ninodes == inodes_cap) {
			inodes_cap = inodes_cap ? 2 * inodes_cap : 16384;
			inodes = realloc(inodes, inodes_cap * sizeof(*inodes));
			if (!inodes)
				exit(2);
		}
		inodes[ninodes] = strtoul(col[INODE_FIELD], NULL, 10);
		/* Requests and unaccepted children have none: no such here. */
		if (inodes[ninodes])
			ninodes++;
	}
	qsort(inodes, ninodes, sizeof(*inodes), cmp_ulong);
	for (i = 1; i < ninodes; i++)
		dup += inodes[i] == inodes[i - 1];
	for (i = 0; i < nsocks; i++)
		missing += !bsearch(&socks[i], inodes, ninodes,
				    sizeof(*inodes), cmp_ulong);
	printf("read %d: %d rows, %d missing, %d duplicated, %d bad\n", nr,
	       rows, missing, dup, bad);
	return !missing && !dup && !bad;
}

static void churn(int baseport, volatile unsigned long *cycles)
{
	int fds[CHURN_BATCH], i;

	for (;;) {
		for (i = 0; i < CHURN_BATCH; i++)
			fds[i] = edu_listener(&edu, 0, "0.0.0.0",
					      baseport + i, 1);
		for (i = 0; i < CHURN_BATCH; i++)
			if (fds[i] >= 0)
				close(fds[i]);
		(*cycles)++;
	}
}

int main(int argc, char **argv)
{
	int n = 10000, baseport = 20000, reads = 5, treads = 5, c, i;
	volatile unsigned long *cycles;
	unsigned long c0;
	struct rlimit rl;
	size_t cap = 0, len;
	char *buf = NULL;
	bool ok = true;
	pid_t child;

	while ((c = getopt(argc, argv, "n:p:r:R:")) != -1) {
		switch (c) {
		case 'n':
			n = atoi(optarg);
			break;
		case 'p':
			baseport = atoi(optarg);
			break;
		case 'r':
			reads = atoi(optarg);
			break;
		case 'R':
			treads = atoi(optarg);
			break;
		default:
			fprintf(stderr,
				"usage: proc_big [-n N] [-p BASEPORT] [-r READS] [-R TIMED]\n");
			return 2;
		}
	}
	if (n < 4 || baseport + n + CHURN_BATCH > 65535 || reads < 1 ||
	    treads < 1) {
		fprintf(stderr, "proc_big: bad arguments\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* Room for N sockets and the usual descriptors. */
	rl.rlim_cur = rl.rlim_max = n + 64;
	if (setrlimit(RLIMIT_NOFILE, &rl)) {
		printf("error: RLIMIT_NOFILE %d: %s\n", n + 64, strerror(errno));
		return 2;
	}
	socks = calloc(n, sizeof(*socks));
	cycles = mmap(NULL, sizeof(*cycles), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!socks || cycles == MAP_FAILED)
		return 2;

	if (!open_socks(0, n / 4, baseport))
		return 2;
	timed(treads, &buf, &cap);
	if (!open_socks(n / 4, n, baseport))
		return 2;
	timed(treads, &buf, &cap);

	child = fork();
	if (child < 0)
		return 2;
	if (!child)
		churn(baseport + n, cycles);
	/* Let it get going, so the first read already races with it. */
	while (!*cycles)
		usleep(1000);
	c0 = *cycles;
	for (i = 1; i <= reads; i++) {
		buf = read_table(&len, buf, &cap);
		ok &= check_read(i, buf, len);
	}
	printf("churn: %lu cycles of %d sockets during the reads\n",
	       *cycles - c0, CHURN_BATCH);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	printf("result %s\n", ok ? "ok" : "FAIL");
	return ok ? 0 : 1;
}
