// SPDX-License-Identifier: GPL-2.0
/*
 * edu_unsent - a writer that closes with data still unsent, the reader
 * at the other end, and TIME_WAIT connections in bulk: the orphan tests of
 * orphan_limits.sh (run by t_hostile.sh).
 *
 *	edu_unsent [-f inet] -l [-r RCVBUF] [-c CHUNK] [-p MS | -n] [-t SECS] ADDR PORT
 *	  Listen on ADDR:PORT (SO_RCVBUF RCVBUF, set before listen() so the
 *	  connections inherit it) and print "listening".  With -p, accept
 *	  one connection and read it CHUNK bytes (default 4096) every MS ms
 *	  to the end, checking the pattern the writer sends; then print
 *	  "eof BYTES ok", "eof BYTES bad@OFFSET" or "error ENAME BYTES".
 *	  With -n, accept every connection and never read (the window
 *	  closes), printing "accepted N"; exit on SIGTERM or after -t SECS
 *	  (default 120).
 *
 *	edu_unsent [-f inet] -b BYTES [-s SNDBUF] ADDR PORT
 *	  Connect (SO_SNDBUF SNDBUF, if given), print "connected port P",
 *	  send BYTES bytes of the pattern, then close() at once.  Prints
 *	  "sent BYTES unsent U" first, U being SIOCOUTQ (bytes not yet
 *	  acknowledged) just before the close.
 *
 *	edu_unsent [-f inet] -T N ADDR PORT
 *	  N connections through a listener of our own on ADDR:PORT, one
 *	  after another: the client closes first, the server reads the end
 *	  of stream and closes, so each client's end sits in TIME_WAIT.
 *	  Prints "timewait N eof E reset R" (E connections ended cleanly,
 *	  R were reset).
 *
 * -f inet uses AF_INET/TCP (the oracle) instead of AF_EDU.  Output is line
 * buffered.  Exit status: 0, 1 on an error, 2 on a usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/sockios.h>
#include "../edu_selftest.h"

#define SEED	7

static struct edu_family fam = { .edu = 1 };

static void usage(void)
{
	fprintf(stderr,
		"usage: edu_unsent [-f inet] -l [-r RCVBUF] [-c CHUNK] [-p MS | -n] [-t SECS] ADDR PORT\n"
		"       edu_unsent [-f inet] -b BYTES [-s SNDBUF] ADDR PORT\n"
		"       edu_unsent [-f inet] -T N ADDR PORT\n");
	exit(2);
}

static int fail(const char *what, int err)
{
	printf("error %s: %s\n", what, edu_errname(err));
	return 1;
}

/* Read CHUNK bytes every MS ms to the end; check the pattern. */
static int slow_read(int fd, int chunk, int ms)
{
	unsigned char *buf = malloc(chunk);
	size_t got = 0, ok;
	ssize_t n;

	if (!buf)
		return fail("malloc", ENOMEM);
	for (;;) {
		edu_msleep(ms);
		n = recv(fd, buf, chunk, 0);
		if (n < 0) {
			printf("error %s %zu\n", edu_errname(errno), got);
			return 1;
		}
		if (!n)
			break;
		ok = edu_pattern_check(buf, n, SEED, got);
		if (ok != (size_t)n) {
			printf("eof %zu bad@%zu\n", got + n, got + ok);
			return 1;
		}
		got += n;
	}
	printf("eof %zu ok\n", got);
	return 0;
}

/* Accept every connection, keep it, never read; until a signal. */
static int never_read(int lfd, int secs)
{
	time_t end = time(NULL) + secs;
	struct pollfd p[2];
	int sfd, n = 0;

	sfd = edu_signal_fd();
	if (sfd < 0)
		return 1;
	p[0] = (struct pollfd){ .fd = lfd, .events = POLLIN };
	p[1] = (struct pollfd){ .fd = sfd, .events = POLLIN };
	while (time(NULL) < end) {
		if (poll(p, 2, 1000) < 0 && errno != EINTR)
			return fail("poll", errno);
		if (p[1].revents)
			break;
		if (p[0].revents & POLLIN) {
			if (accept(lfd, NULL, NULL) < 0)
				return fail("accept", errno);
			printf("accepted %d\n", ++n);
		}
	}
	printf("exit\n");
	return 0;
}

static int reader(const char *ip, int port, int rcvbuf, int chunk, int ms,
		  int secs)
{
	struct sockaddr_in a = fam_addr(&fam, ip, port);
	int lfd, fd;

	lfd = socket(fam_af(&fam), SOCK_STREAM, 0);
	if (lfd < 0)
		return fail("socket", errno);
	if (rcvbuf > 0 && edu_setint(lfd, SOL_SOCKET, SO_RCVBUF, rcvbuf))
		return fail("setsockopt", errno);
	if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 16))
		return fail("listen", errno);
	printf("listening\n");
	if (ms < 0)
		return never_read(lfd, secs);
	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		return fail("accept", errno);
	printf("accepted 1\n");
	return slow_read(fd, chunk, ms);
}

static int writer(const char *ip, int port, int bytes, int sndbuf)
{
	struct sockaddr_in a = fam_addr(&fam, ip, port);
	unsigned char *buf = malloc(bytes);
	int fd, outq = -1;
	ssize_t n;

	if (!buf)
		return fail("malloc", ENOMEM);
	edu_pattern(buf, bytes, SEED, 0);
	fd = socket(fam_af(&fam), SOCK_STREAM, 0);
	if (fd < 0)
		return fail("socket", errno);
	if (sndbuf > 0 && edu_setint(fd, SOL_SOCKET, SO_SNDBUF, sndbuf))
		return fail("setsockopt", errno);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)))
		return fail("connect", errno);
	printf("connected port %d\n", edu_local_port(fd));
	n = edu_send_all(fd, buf, bytes, 0);
	if (n < 0)
		return fail("send", -n);
	if (ioctl(fd, SIOCOUTQ, &outq))
		return fail("ioctl", errno);
	printf("sent %zd unsent %d\n", n, outq);
	close(fd);
	printf("closed\n");
	return 0;
}

/* N connections, each closed by the client first, one after another. */
static int timewaits(const char *ip, int port, int n)
{
	int lfd, i, cfd, sfd, eof = 0, reset = 0;
	char c;

	lfd = edu_listener(&fam, 0, ip, port, 16);
	if (lfd < 0)
		return fail("listen", -lfd);
	for (i = 0; i < n; i++) {
		cfd = edu_socket(&fam, 0);
		if (cfd < 0)
			return fail("socket", -cfd);
		if (edu_connect(&fam, cfd, ip, port))
			return fail("connect", errno);
		sfd = accept(lfd, NULL, NULL);
		if (sfd < 0)
			return fail("accept", errno);
		close(cfd);
		if (recv(sfd, &c, 1, 0) == 0)
			eof++;
		else
			reset++;
		close(sfd);
	}
	close(lfd);
	printf("timewait %d eof %d reset %d\n", n, eof, reset);
	return 0;
}

int main(int argc, char **argv)
{
	int c, listen_mode = 0, rcvbuf = 0, sndbuf = 0, chunk = 4096, ms = -2;
	int secs = 120, bytes = 0, ntw = 0;

	while ((c = getopt(argc, argv, "4f:lr:c:p:nt:b:s:T:")) != -1) {
		switch (c) {
		case '4':
			fam.edu = 0;
			break;
		case 'f':
			if (edu_family_arg(&fam, optarg))
				usage();
			break;
		case 'l':
			listen_mode = 1;
			break;
		case 'r':
			rcvbuf = atoi(optarg);
			break;
		case 'c':
			chunk = atoi(optarg);
			break;
		case 'p':
			ms = atoi(optarg);
			break;
		case 'n':
			ms = -1;
			break;
		case 't':
			secs = atoi(optarg);
			break;
		case 'b':
			bytes = atoi(optarg);
			break;
		case 's':
			sndbuf = atoi(optarg);
			break;
		case 'T':
			ntw = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 2)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (listen_mode) {
		if (ms < -1 || chunk <= 0)
			usage();
		return reader(argv[optind], atoi(argv[optind + 1]), rcvbuf,
			      chunk, ms, secs);
	}
	if (ntw > 0)
		return timewaits(argv[optind], atoi(argv[optind + 1]), ntw);
	if (bytes <= 0)
		usage();
	return writer(argv[optind], atoi(argv[optind + 1]), bytes, sndbuf);
}
