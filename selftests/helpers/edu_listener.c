// SPDX-License-Identifier: GPL-2.0
/*
 * edu_listener - a listener whose accept() the shell selftests control.
 *
 *	edu_listener [-f inet] [-b BACKLOG] [-a] [-d SECS] [-t SECS] ADDR PORT
 *
 * Binds ADDR:PORT (AF_EDU, or AF_INET/TCP with -f inet, the oracle), listens
 * with BACKLOG and prints "listening" once connections can arrive.  It
 * does not accept unless told to, so the accept queue fills up:
 *	SIGUSR1		accept one waiting connection (nonblocking) and print
 *			"accepted N" (N = total so far) or "accept-empty";
 *	-a		accept every connection as it arrives;
 *	-d SECS		start accepting everything after SECS.
 * Accepted sockets stay open until exit, so their peers stay connected.
 * It exits on SIGTERM/SIGINT, or after -t SECS (default 300) so that a
 * failed test never leaves it behind.  Output is line buffered.
 * Exit status: 0, or 1 when socket/bind/listen fails (the error is printed
 * as "error listen: <errno name>" on stdout too, for the scripts).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include "../edu_selftest.h"

#define MAX_ACCEPTED	1024

static int accepted_fds[MAX_ACCEPTED];
static int naccepted;

static void usage(void)
{
	fprintf(stderr,
		"usage: edu_listener [-f inet] [-b BACKLOG] [-a] [-d SECS] [-t SECS] ADDR PORT\n"
		"  -f inet  AF_INET/TCP instead of AF_EDU   -b  listen() backlog (default 8)\n"
		"  -a  accept all   -d  accept all after SECS   -t  exit after SECS (300)\n"
		"  SIGUSR1 accepts one connection; SIGTERM exits\n");
	exit(2);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Returns false when the queue was empty (said only when asked for one). */
static bool accept_one(int lfd, bool asked)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);

	if (fd < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if (asked)
				printf("accept-empty\n");
		} else {
			printf("accept-error %s\n", edu_errname(errno));
		}
		return false;
	}
	if (naccepted < MAX_ACCEPTED)
		accepted_fds[naccepted] = fd;
	else
		close(fd);
	printf("accepted %d\n", ++naccepted);
	return true;
}

int main(int argc, char **argv)
{
	double lifetime = 300, accept_after = -1, start, left;
	int backlog = 8, lfd, sfd, c, one = 1;
	struct edu_family fam = { .edu = 1 };
	bool accept_all = false;
	struct signalfd_siginfo si;
	struct sockaddr_in addr;
	struct pollfd pfd[2];

	while ((c = getopt(argc, argv, "4f:b:ad:t:")) != -1) {
		switch (c) {
		case '4':
			fam.edu = 0;
			break;
		case 'f':
			if (edu_family_arg(&fam, optarg))
				usage();
			break;
		case 'b':
			backlog = atoi(optarg);
			break;
		case 'a':
			accept_all = true;
			break;
		case 'd':
			accept_after = atof(optarg);
			break;
		case 't':
			lifetime = atof(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 2)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* Signals arrive through a descriptor: no races with poll(). */
	sfd = edu_signal_fd();
	if (sfd < 0)
		return 1;

	addr = fam_addr(&fam, argv[optind], atoi(argv[optind + 1]));
	lfd = socket(fam_af(&fam), SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (lfd < 0) {
		printf("error socket: %s\n", edu_errname(errno));
		perror("socket");
		return 1;
	}
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&addr, sizeof(addr))) {
		printf("error bind: %s\n", edu_errname(errno));
		perror("bind");
		return 1;
	}
	if (listen(lfd, backlog)) {
		printf("error listen: %s\n", edu_errname(errno));
		perror("listen");
		return 1;
	}
	printf("listening %s:%s backlog %d %s\n", argv[optind],
	       argv[optind + 1], backlog, fam.edu ? "edu" : "tcp");

	start = now_s();
	pfd[0] = (struct pollfd){ .fd = sfd, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = lfd, .events = POLLIN };
	for (;;) {
		double now = now_s(), until = start + lifetime;
		int timeout;

		if (!accept_all && accept_after >= 0 &&
		    now >= start + accept_after) {
			accept_all = true;
			printf("accepting\n");
		}
		if (!accept_all && accept_after >= 0 &&
		    start + accept_after < until)
			until = start + accept_after;
		left = until - now;
		if (now >= start + lifetime)
			break;
		timeout = left > 0 ? (int)(left * 1000) + 1 : 0;
		if (poll(pfd, accept_all ? 2 : 1, timeout) < 0 &&
		    errno != EINTR) {
			perror("poll");
			return 1;
		}
		if (pfd[0].revents & POLLIN) {
			if (read(sfd, &si, sizeof(si)) != sizeof(si))
				continue;
			if (si.ssi_signo != SIGUSR1)
				break;
			accept_one(lfd, true);
		}
		if (accept_all && (pfd[1].revents & POLLIN))
			while (accept_one(lfd, false))
				;
		pfd[0].revents = 0;
		pfd[1].revents = 0;
	}
	printf("exit accepted %d\n", naccepted);
	return 0;
}
