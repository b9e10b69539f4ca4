// SPDX-License-Identifier: GPL-2.0
/*
 * edu_connect - N clients at once, and what became of each.
 *
 *	edu_connect [-f inet] [-B] [-n N] [-w MS] [-H SECS] [-R] ADDR PORT
 *
 * Opens N sockets (AF_EDU, or AF_INET/TCP with -f inet, the oracle) and starts
 * a nonblocking connect() on each, back to back, so that their SYNs leave
 * together.  It then waits up to MS milliseconds (default 2000) and prints
 * one line per socket as it finishes:
 *	conn I port P: connected T ms	(P is the local port)
 *	conn I port P: ECONNREFUSED T ms	(any errno, by name)
 * then "summary connected=C pending=P failed=F" (pending: still SYN_SENT).
 * -H SECS keeps the sockets open that much longer (SIGUSR1 ends the wait
 * early), still reporting late completions, then prints "final ..." in the
 * same form.  -R then reads from every connected socket without blocking
 * and prints "recv I port P: alive|EOF|data|ECONNRESET..." and
 * "recv-summary alive=A eof=E reset=R other=O".
 * -B makes each connect() blocking, one after another, bounded by MS
 * through SIGALRM (a connect that outlives it reports EINTR).
 * Exit status: 0 when every socket connected, 1 otherwise, 2 usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
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

#define MAX_CONN	256

enum conn_state { C_PENDING, C_CONNECTED, C_FAILED };

struct conn {
	int		fd;
	int		port;
	enum conn_state	state;
	int		err;
};

static struct conn conns[MAX_CONN];
static int nconn = 1;
static double t_start;

static void usage(void)
{
	fprintf(stderr,
		"usage: edu_connect [-f inet] [-B] [-n N] [-w MS] [-H SECS] [-R] ADDR PORT\n"
		"  -f inet AF_INET/TCP   -B blocking connects   -n sockets (1)\n"
		"  -w wait MS (2000)   -H hold SECS after   -R recv() at the end\n");
	exit(2);
}

static int local_port(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	if (getsockname(fd, (struct sockaddr *)&a, &len))
		return 0;
	return ntohs(a.sin_port);
}

static void report(int i)
{
	struct conn *c = &conns[i];

	if (!c->port)
		c->port = local_port(c->fd);
	if (c->state == C_CONNECTED)
		printf("conn %d port %d: connected %.0f ms\n", i, c->port,
		       edu_now_msf() - t_start);
	else
		printf("conn %d port %d: %s %.0f ms\n", i, c->port,
		       edu_errname(c->err), edu_now_msf() - t_start);
}

static void summary(const char *what)
{
	int i, n[3] = { 0 };

	for (i = 0; i < nconn; i++)
		n[conns[i].state]++;
	printf("%s connected=%d pending=%d failed=%d\n", what,
	       n[C_CONNECTED], n[C_PENDING], n[C_FAILED]);
}

/* A pending socket became writable or failed: which one? */
static void settle(int i)
{
	struct conn *c = &conns[i];
	socklen_t len = sizeof(c->err);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &c->err, &len))
		c->err = errno;
	c->state = c->err ? C_FAILED : C_CONNECTED;
	report(i);
}

/*
 * Poll the pending sockets (and the signal descriptor when sfd >= 0) until
 * deadline; returns early when a signal arrives or nothing is pending and
 * there is no signal to wait for.
 */
static void wait_pending(double deadline, int sfd)
{
	struct pollfd pfd[MAX_CONN + 1];
	int idx[MAX_CONN + 1];
	int i, n, left;

	for (;;) {
		n = 0;
		if (sfd >= 0) {
			pfd[n] = (struct pollfd){ .fd = sfd, .events = POLLIN };
			idx[n++] = -1;
		}
		for (i = 0; i < nconn; i++) {
			if (conns[i].state != C_PENDING)
				continue;
			pfd[n] = (struct pollfd){ .fd = conns[i].fd,
						  .events = POLLOUT };
			idx[n++] = i;
		}
		if (n == 0)
			return;
		left = (int)(deadline - edu_now_msf());
		if (left <= 0)
			return;
		if (poll(pfd, n, left) < 0) {
			if (errno == EINTR)
				continue;
			perror("poll");
			return;
		}
		for (i = 0; i < n; i++) {
			if (!pfd[i].revents)
				continue;
			if (idx[i] < 0) {
				struct signalfd_siginfo si;

				if (read(sfd, &si, sizeof(si)) == sizeof(si))
					return;
				continue;
			}
			settle(idx[i]);
		}
	}
}

static void on_alarm(int sig)
{
	(void)sig;
}

static void blocking_connects(const struct sockaddr_in *addr, int wait_ms)
{
	struct sigaction sa = { .sa_handler = on_alarm };	/* no restart */
	int i;

	sigaction(SIGALRM, &sa, NULL);
	for (i = 0; i < nconn; i++) {
		struct conn *c = &conns[i];

		t_start = edu_now_msf();
		alarm((wait_ms + 999) / 1000);
		if (connect(c->fd, (const struct sockaddr *)addr,
			    sizeof(*addr)) == 0) {
			c->state = C_CONNECTED;
		} else {
			c->state = C_FAILED;
			c->err = errno;
		}
		alarm(0);
		report(i);
	}
}

static void read_all(void)
{
	int i, alive = 0, eof = 0, reset = 0, other = 0;
	char b;

	for (i = 0; i < nconn; i++) {
		struct conn *c = &conns[i];
		ssize_t r;

		if (c->state != C_CONNECTED)
			continue;
		r = recv(c->fd, &b, 1, MSG_DONTWAIT);
		if (r > 0) {
			printf("recv %d port %d: data\n", i, c->port);
			other++;
		} else if (r == 0) {
			printf("recv %d port %d: EOF\n", i, c->port);
			eof++;
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			printf("recv %d port %d: alive\n", i, c->port);
			alive++;
		} else {
			printf("recv %d port %d: %s\n", i, c->port,
			       edu_errname(errno));
			if (errno == ECONNRESET)
				reset++;
			else
				other++;
		}
	}
	printf("recv-summary alive=%d eof=%d reset=%d other=%d\n",
	       alive, eof, reset, other);
}

int main(int argc, char **argv)
{
	struct edu_family fam = { .edu = 1 };
	bool blocking = false, do_recv = false;
	int wait_ms = 2000, i, c, sfd, all;
	struct sockaddr_in addr;
	double hold_s = 0;

	while ((c = getopt(argc, argv, "4f:Bn:w:H:R")) != -1) {
		switch (c) {
		case '4':
			fam.edu = 0;
			break;
		case 'f':
			if (edu_family_arg(&fam, optarg))
				usage();
			break;
		case 'B':
			blocking = true;
			break;
		case 'n':
			nconn = atoi(optarg);
			if (nconn < 1 || nconn > MAX_CONN)
				usage();
			break;
		case 'w':
			wait_ms = atoi(optarg);
			break;
		case 'H':
			hold_s = atof(optarg);
			break;
		case 'R':
			do_recv = true;
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 2)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* Blocked from the start: a SIGUSR1 sent early is not lost. */
	sfd = edu_signal_fd();
	if (sfd < 0)
		return 2;

	addr = fam_addr(&fam, argv[optind], atoi(argv[optind + 1]));
	for (i = 0; i < nconn; i++) {
		conns[i].fd = socket(fam_af(&fam), SOCK_STREAM |
				     (blocking ? 0 : SOCK_NONBLOCK), 0);
		if (conns[i].fd < 0) {
			printf("error socket: %s\n", edu_errname(errno));
			perror("socket");
			return 2;
		}
	}

	if (blocking) {
		blocking_connects(&addr, wait_ms);
	} else {
		t_start = edu_now_msf();
		for (i = 0; i < nconn; i++) {
			if (connect(conns[i].fd, (struct sockaddr *)&addr,
				    sizeof(addr)) == 0) {
				conns[i].state = C_CONNECTED;
				report(i);
			} else if (errno != EINPROGRESS) {
				conns[i].state = C_FAILED;
				conns[i].err = errno;
				report(i);
			} else {
				conns[i].port = local_port(conns[i].fd);
			}
		}
		wait_pending(t_start + wait_ms, -1);
	}
	for (i = 0; i < nconn; i++)
		if (conns[i].state == C_PENDING)
			printf("conn %d port %d: pending\n", i, conns[i].port);
	summary("summary");

	if (hold_s > 0) {
		wait_pending(edu_now_msf() + hold_s * 1000, sfd);
		/* Whatever is still pending is watched no longer. */
		summary("final");
	}
	if (do_recv)
		read_all();

	all = 1;
	for (i = 0; i < nconn; i++)
		if (conns[i].state != C_CONNECTED)
			all = 0;
	return all ? 0 : 1;
}
