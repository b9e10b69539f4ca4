// SPDX-License-Identifier: GPL-2.0
/*
 * mem_fill - connections whose receivers never read, written until every
 * sender blocks; then held until a signal.
 *
 *	mem_fill [-f inet] [-n CONNS] [-w BYTES] [-c CAP] [-s SNDBUF] [-r RCVBUF]
 *		 [-t SECS]
 *
 * Over loopback (127.0.0.1), AF_EDU or AF_INET/TCP with -f inet (the oracle):
 * a listener, CONNS (default 1) connections accepted and never read.
 * SO_SNDBUF on the senders and SO_RCVBUF on the listener and the accepted
 * sockets are set when given.  Every sender is nonblocking and written
 * BYTES (default 1) per write() until it fails with EAGAIN, round after
 * round, until 1 s passes without a byte written (or -t SECS, default 60,
 * in all).  With -c, a sender stops after CAP bytes and shuts its side
 * down (shutdown(SHUT_WR): its FIN follows the data).  The listener's port
 * is printed first ("port P"), then
 *	sndbuf S rcvbuf R	(SO_SNDBUF, SO_RCVBUF read back: the kernel's)
 *	written TOTAL eagain N	(bytes accepted by write(), and how many
 *				 senders ended with EAGAIN)
 *	full
 * and waits for SIGTERM or SIGINT, then exits, which closes everything.
 * Errors: "error WHAT: ENAME", exit 1.  Usage errors: exit 2.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include "../edu_selftest.h"

#define MAX_CONNS	1000

static void usage(void)
{
	fprintf(stderr,
		"usage: mem_fill [-f inet] [-n CONNS] [-w BYTES] [-c CAP] [-s SNDBUF] [-r RCVBUF] [-t SECS]\n");
	exit(2);
}

static int fail(const char *what, int err)
{
	const char *s = strerrorname_np(err);

	printf("error %s: %s\n", what, s ? s : "E?");
	return 1;
}

/*
 * Write @fd @wsize bytes at a time until it would block (EAGAIN returned)
 * or, with a @cap, until *@sent reaches it; then shut its side down.
 * Returns 0 or an errno.
 */
static int fill_one(int fd, const char *buf, int wsize, long cap,
		    long *sent, long *round)
{
	while (!cap || *sent < cap) {
		size_t len = wsize;
		ssize_t w;

		if (cap && cap - *sent < wsize)
			len = cap - *sent;
		w = write(fd, buf, len);
		if (w < 0)
			return errno;
		*sent += w;
		*round += w;
		if (cap && *sent == cap && shutdown(fd, SHUT_WR))
			return errno;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static int cfd[MAX_CONNS], sfd[MAX_CONNS];
	static char buf[65536];
	struct edu_family fam = { .edu = 1 };
	int n = 1, wsize = 1, sndbuf = 0, rcvbuf = 0, secs = 60;
	int lfd, port, c, i, eagain = 0, sig;
	long total = 0, idle_since, start;
	static long sent[MAX_CONNS];
	bool blocked[MAX_CONNS] = { 0 };
	long cap = 0;
	sigset_t mask;

	while ((c = getopt(argc, argv, "4f:n:w:c:s:r:t:")) != -1) {
		switch (c) {
		case '4':
			fam.edu = 0;
			break;
		case 'f':
			if (edu_family_arg(&fam, optarg))
				usage();
			break;
		case 'n':
			n = atoi(optarg);
			break;
		case 'w':
			wsize = atoi(optarg);
			break;
		case 'c':
			cap = atol(optarg);
			break;
		case 's':
			sndbuf = atoi(optarg);
			break;
		case 'r':
			rcvbuf = atoi(optarg);
			break;
		case 't':
			secs = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind != argc || n < 1 || n > MAX_CONNS || wsize < 1 ||
	    wsize > (int)sizeof(buf) || cap < 0)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	edu_block_signals(&mask);
	memset(buf, 'm', sizeof(buf));

	lfd = edu_socket(&fam, SOCK_NONBLOCK);
	if (lfd < 0)
		return fail("socket", -lfd);
	if (rcvbuf && edu_setint(lfd, SOL_SOCKET, SO_RCVBUF, rcvbuf))
		return fail("SO_RCVBUF", errno);
	if (edu_bind(&fam, lfd, "127.0.0.1", 0) || listen(lfd, n))
		return fail("listen", errno);
	port = edu_local_port(lfd);
	printf("port %d\n", port);

	for (i = 0; i < n; i++) {
		cfd[i] = edu_connect_start(&fam, "127.0.0.1", port);
		if (cfd[i] < 0)
			return fail("connect", -cfd[i]);
		if (sndbuf && edu_setint(cfd[i], SOL_SOCKET, SO_SNDBUF, sndbuf))
			return fail("SO_SNDBUF", errno);
		sfd[i] = edu_accept_wait(lfd, EDU_HANDSHAKE_MS);
		if (sfd[i] < 0)
			return fail("accept", -sfd[i]);
		if (rcvbuf && edu_setint(sfd[i], SOL_SOCKET, SO_RCVBUF, rcvbuf))
			return fail("SO_RCVBUF", errno);
		c = edu_wait_connected(cfd[i], EDU_HANDSHAKE_MS);
		if (c)
			return fail("connect", -c);
	}

	start = edu_now_ms();
	idle_since = start;
	while (edu_now_ms() - idle_since < 1000 &&
	       edu_now_ms() - start < secs * 1000L) {
		long round = 0;

		for (i = 0; i < n; i++) {
			int err = fill_one(cfd[i], buf, wsize, cap, &sent[i],
					   &round);

			if (err == EAGAIN)
				blocked[i] = true;
			else if (err)
				return fail("write", err);
		}
		total += round;
		if (round)
			idle_since = edu_now_ms();
		else
			edu_msleep(100);
	}
	for (i = 0; i < n; i++)
		eagain += blocked[i];

	printf("sndbuf %d rcvbuf %d\n", edu_getint(cfd[0], SOL_SOCKET, SO_SNDBUF),
	       edu_getint(sfd[0], SOL_SOCKET, SO_RCVBUF));
	printf("written %ld eagain %d\n", total, eagain);
	printf("full\n");
	sigwait(&mask, &sig);
	return 0;
}
