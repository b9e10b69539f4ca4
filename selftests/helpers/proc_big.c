// SPDX-License-Identifier: GPL-2.0
/*
 * proc_big - many EDUTCP sockets, and /proc/net/edutcp read in small pieces.
 *
 *	proc_big [-n N] [-p BASEPORT] [-r READS] [-R TIMED] [-c MS]
 *
 * Meant to run alone in a fresh network namespace (unshare -n): every row
 * of its /proc/net/edutcp is then one of its own sockets.
 *
 *  0. Makes a second namespace with OTHER_N listeners of its own, and
 *     times reading that namespace's table from inside it: the median of
 *     OTHER_READS reads, now (this namespace empty) and again after 2.
 *     Every read there must show exactly its OTHER_N sockets.
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
 *  4. Brings loopback up and counts the connections (connect(), accept(),
 *     close with an RST) made in MS milliseconds (default 2400), then as
 *     many beside a child process that only spins (the cost of a second
 *     busy CPU under TCG), then as many while a child process reads the
 *     whole table in a loop.
 *
 * Prints, for the shell test:
 *	other OTHERS: ROWS rows, median MS ms, ok | BAD	(OTHERS: 0, then N)
 *	timed ROWS rows: best MS ms (BYTES bytes)	(once for N/4, once for N)
 *	read I: ROWS rows, MISSING missing, DUPLICATE duplicated, BAD bad
 *	churn: CYCLES cycles of 50 sockets during the reads
 *	connect: ALONE/s alone, HOG/s beside a busy process, BUSY/s with a reader (READS reads)
 *	result ok | result FAIL
 * Exit status: 0 when every read was a snapshot, 1 otherwise, 2 on a usage
 * or setup error (e.g. a socket that cannot be opened).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <net/if.h>
#include "../edu_selftest.h"

#define TABLE		"/proc/self/net/edutcp"
#define CHUNK		1000	/* the size of each read() */
#define CHURN_BATCH	50
/* Whitespace-separated fields of a row: tx_queue:rx_queue and tr:tm->when
 * are one each, so 17 named columns make 15 fields. */
#define NFIELDS		15
#define INODE_FIELD	9
#define OTHER_N		3	/* sockets of the second namespace */
#define OTHER_READS	31
#define BIG_CHUNK	131072	/* the looping reader reads as cat(1) does */

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

/* The whole table, chunk bytes per read(); *len its size. */
static char *read_table_by(size_t chunk, size_t *len, char *buf, size_t *cap)
{
	int fd = open(TABLE, O_RDONLY);
	ssize_t n;

	*len = 0;
	if (fd < 0) {
		printf("error: %s: %s\n", TABLE, strerror(errno));
		exit(2);
	}
	for (;;) {
		while (*cap - *len < chunk) {
			*cap = *cap ? *cap * 2 : 1 << 20;
			buf = realloc(buf, *cap);
			if (!buf)
				exit(2);
		}
		n = read(fd, buf + *len, chunk);
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

static char *read_table(size_t *len, char *buf, size_t *cap)
{
	return read_table_by(CHUNK, len, buf, cap);
}

/* ---- a second namespace ------------------------------------------------ */

static int ns_home, ns_other;	/* /proc/self/ns/net of each */
static unsigned long other_socks[OTHER_N];

static bool enter(int ns)
{
	if (!setns(ns, CLONE_NEWNET))
		return true;
	printf("error: setns: %s\n", strerror(errno));
	return false;
}

/* The second namespace and its listeners (on our own ports: no clash). */
static bool other_setup(int baseport)
{
	struct stat st;
	int i, fd;

	ns_home = open("/proc/self/ns/net", O_RDONLY);
	if (ns_home < 0 || unshare(CLONE_NEWNET)) {
		printf("error: a second namespace: %s\n", strerror(errno));
		return false;
	}
	ns_other = open("/proc/self/ns/net", O_RDONLY);
	if (ns_other < 0)
		return false;
	for (i = 0; i < OTHER_N; i++) {
		fd = edu_listener(&edu, 0, "0.0.0.0", baseport + i, 1);
		if (fd < 0 || fstat(fd, &st)) {
			printf("error: listener in the second namespace\n");
			return false;
		}
		other_socks[i] = st.st_ino;
	}
	return enter(ns_home);
}

static int cmp_double(const void *a, const void *b)
{
	const double *x = a, *y = b;

	return (*x > *y) - (*x < *y);
}

/* Does the table hold exactly the second namespace's sockets? */
static bool other_rows_ok(char *buf, size_t len, int *rows)
{
	char *line, *save, *s2, *tok;
	bool ok = len && buf[len - 1] == '\n';
	int found = 0, i, f;

	*rows = 0;
	buf[len ? len - 1 : 0] = '\0';
	line = strtok_r(buf, "\n", &save);	/* the header */
	while ((line = strtok_r(NULL, "\n", &save))) {
		unsigned long ino = 0;

		(*rows)++;
		for (f = 0, tok = strtok_r(line, " ", &s2); tok;
		     tok = strtok_r(NULL, " ", &s2), f++)
			if (f == INODE_FIELD)
				ino = strtoul(tok, NULL, 10);
		for (i = 0; i < OTHER_N; i++)
			found += ino == other_socks[i];
	}
	return ok && *rows == OTHER_N && found == OTHER_N;
}

/*
 * Reads the second namespace's table from inside it; prints the median
 * time.  True when every read showed exactly its sockets.
 */
static bool other_timed(int others, char **buf, size_t *cap)
{
	double t[OTHER_READS];
	bool ok = true;
	size_t len;
	int i, rows = 0;

	if (!enter(ns_other))
		return false;
	for (i = 0; i < OTHER_READS; i++) {
		t[i] = edu_now_msf();
		*buf = read_table(&len, *buf, cap);
		t[i] = edu_now_msf() - t[i];
		ok &= other_rows_ok(*buf, len, &rows);
	}
	qsort(t, OTHER_READS, sizeof(t[0]), cmp_double);
	printf("other %d: %d rows, median %.3f ms, %s\n", others, rows,
	       t[OTHER_READS / 2], ok ? "ok" : "BAD");
	return enter(ns_home) && ok;
}

/* ---- connections while a reader loops ------------------------------------ */

static bool loopback_up(void)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	bool ok;

	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	ok = fd >= 0 && !ioctl(fd, SIOCGIFFLAGS, &ifr);
	ifr.ifr_flags |= IFF_UP;
	ok = ok && !ioctl(fd, SIOCSIFFLAGS, &ifr);
	if (fd >= 0)
		close(fd);
	if (!ok)
		printf("error: loopback up: %s\n", strerror(errno));
	return ok;
}

/* Connections per second to lfd's port for ms milliseconds, or -1. */
static double conn_rate(int lfd, int port, long ms)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	double t0 = edu_now_msf(), t;
	long n = 0;
	int c, a;

	do {
		c = edu_connected(&edu, "127.0.0.1", port);
		a = c < 0 ? c : edu_accept_wait(lfd, 5000);
		if (a < 0) {
			printf("error: connection %ld: %s\n", n, strerror(-a));
			if (c >= 0)
				close(c);
			return -1;
		}
		setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(c);
		close(a);
		n++;
		t = edu_now_msf() - t0;
	} while (t < ms);
	return n * 1000.0 / t;
}

/* Reads the table over and over, BIG_CHUNK bytes per read(). */
static void reader_loop(volatile unsigned long *reads)
{
	size_t cap = 0, len;
	char *buf = NULL;

	for (;;) {
		buf = read_table_by(BIG_CHUNK, &len, buf, &cap);
		(*reads)++;
	}
}

/* As busy as the reader, without the table: a TCG guest's second CPU. */
static void hog_loop(volatile unsigned long *spins)
{
	for (;;)
		(*spins)++;
}

/* Connections per second while fn runs in a child; -1 on an error. */
static double rate_with(void (*fn)(volatile unsigned long *), int lfd,
			int port, long ms, volatile unsigned long *count,
			unsigned long *done)
{
	unsigned long c0;
	pid_t child;
	double r;

	*count = 0;
	child = fork();
	if (child < 0)
		return -1;
	if (!child)
		fn(count);
	/* The reader has read the whole table once: it is looping. */
	while (!*count)
		usleep(1000);
	c0 = *count;
	r = conn_rate(lfd, port, ms);
	*done += *count - c0;
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	return r;
}

/*
 * Prints the rates alone, beside a busy process, and beside a reader of
 * the table, each measured in ROUNDS slices of ms / ROUNDS taken in turns,
 * so that a change in the host's load weighs on all alike; false on a
 * setup error.
 */
#define ROUNDS	3

static bool conn_rates(int port, long ms, volatile unsigned long *count)
{
	double alone = 0, hog = 0, busy = 0, r;
	unsigned long spins = 0, reads = 0;
	int lfd, i;

	if (!loopback_up())
		return false;
	lfd = edu_listener(&edu, 0, "127.0.0.1", port, 64);
	if (lfd < 0) {
		printf("error: listener on %d: %s\n", port, strerror(-lfd));
		return false;
	}
	for (i = 0; i < ROUNDS; i++) {
		r = conn_rate(lfd, port, ms / ROUNDS);
		if (r < 0)
			return false;
		alone += r / ROUNDS;
		r = rate_with(hog_loop, lfd, port, ms / ROUNDS, count, &spins);
		if (r < 0)
			return false;
		hog += r / ROUNDS;
		r = rate_with(reader_loop, lfd, port, ms / ROUNDS, count,
			      &reads);
		if (r < 0)
			return false;
		busy += r / ROUNDS;
	}
	close(lfd);
	printf("connect: %.0f/s alone, %.0f/s beside a busy process, %.0f/s with a reader (%lu reads)\n",
	       alone, hog, busy, reads);
	return true;
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
	long conn_ms = 2400;
	volatile unsigned long *cycles;
	unsigned long c0;
	struct rlimit rl;
	size_t cap = 0, len;
	char *buf = NULL;
	bool ok = true;
	pid_t child;

	while ((c = getopt(argc, argv, "n:p:r:R:c:")) != -1) {
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
		case 'c':
			conn_ms = atol(optarg);
			break;
		default:
			fprintf(stderr,
				"usage: proc_big [-n N] [-p BASEPORT] [-r READS] [-R TIMED] [-c MS]\n");
			return 2;
		}
	}
	if (n < 4 || baseport < 2 || baseport + n + CHURN_BATCH > 65535 ||
	    reads < 1 || treads < 1 || conn_ms < 1) {
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

	if (!other_setup(baseport))
		return 2;
	ok &= other_timed(0, &buf, &cap);

	if (!open_socks(0, n / 4, baseport))
		return 2;
	timed(treads, &buf, &cap);
	if (!open_socks(n / 4, n, baseport))
		return 2;
	timed(treads, &buf, &cap);
	ok &= other_timed(n, &buf, &cap);

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

	if (!conn_rates(baseport - 1, conn_ms, cycles))
		return 2;
	printf("result %s\n", ok ? "ok" : "FAIL");
	return ok ? 0 : 1;
}
