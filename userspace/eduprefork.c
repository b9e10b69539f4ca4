// SPDX-License-Identifier: GPL-2.0
/*
 * eduprefork - a pre-forking server: N children accept() on one listener.
 *
 *	eduprefork [-f inet|edu] [-w WORKERS] [-n CONNS] [-m MODE] [-p PORT]
 *
 * The parent listens on 127.0.0.1:PORT (default 8700; AF_EDU, or TCP with
 * -f inet) with no SO_REUSEPORT, forks WORKERS children (default 4) that
 * inherit that one listening socket, then connects CONNS times (default
 * 20), one after another, and reads from each connection the number of
 * the worker that served it.  How the workers wait, MODE:
 *
 *   accept	a blocking accept() each.  Waiters on a listener sleep
 *		exclusively (inet_csk_wait_for_connect(): one is woken per
 *		connection), and a woken worker goes back to the end of the
 *		line: the connections go round the workers in turn.
 *   epoll	epoll_wait() on the listener (nonblocking), then accept().
 *		Every worker's epoll is woken for every connection: the
 *		thundering herd.  epoll_wait() looks at the listener again
 *		before it returns, so the workers that came too late go back
 *		to sleep without a word; only their wake-ups show it.
 *   epollex	the same with EPOLLEXCLUSIVE: one epoll is woken per
 *		connection (or a few, when the first is busy).
 *
 * A worker's wake-ups are counted as the kernel counts them: the
 * voluntary context switches of /proc/PID/status, from when every worker
 * waits to the end (each sleep in accept() or epoll_wait() is one).
 * It prints each worker's line, "worker I: served S wakeups W", then
 * "total served S wakeups W".
 * Exit status: 0 when every connection was served, 1 otherwise, 2 on a
 * usage error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include "edu_demo.h"

#define MAX_WORKERS	64

enum mode { M_ACCEPT, M_EPOLL, M_EPOLLEX };

struct tally {
	long served;
};


static void usage(void)
{
	fprintf(stderr,
		"usage: eduprefork [-f inet|edu] [-w WORKERS] [-n CONNS] [-m accept|epoll|epollex] [-p PORT]\n");
	exit(2);
}

/* Answer one connection with the worker's number. */
static void serve(int fd, int num, struct tally *t)
{
	char c = '0' + num % 64;

	if (write(fd, &c, 1) == 1)
		t->served++;
	close(fd);
}

static void worker(int lfd, int num, enum mode m, struct tally *t, int ready)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int ep = -1, fd;

	if (m != M_ACCEPT) {
		if (m == M_EPOLLEX)
			ev.events |= EPOLLEXCLUSIVE;
		ep = epoll_create1(0);
		if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev))
			_exit(1);
	}
	if (write(ready, "r", 1) != 1)
		_exit(1);
	for (;;) {
		if (m == M_ACCEPT) {
			fd = accept(lfd, NULL, NULL);
			if (fd >= 0)
				serve(fd, num, t);
			continue;
		}
		if (epoll_wait(ep, &ev, 1, -1) != 1)
			continue;
		/* One accept() per wake-up: a queue of one at a time. */
		fd = accept(lfd, NULL, NULL);
		if (fd >= 0)
			serve(fd, num, t);
	}
}

/* The voluntary context switches of process @pid so far, or -1. */
static long wakeups(pid_t pid)
{
	char path[64], line[128];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "voluntary_ctxt_switches: %ld", &v) == 1)
			break;
	fclose(f);
	return v;
}

int main(int argc, char **argv)
{
	int c, i, lfd, nworkers = 4, nconns = 20, port = 8700, one = 1;
	long served = 0, woken = 0, answered = 0, w0[MAX_WORKERS];
	pid_t pids[MAX_WORKERS];
	enum mode m = M_ACCEPT;
	struct sockaddr_in a;
	struct tally *t;
	int ready[2];

	while ((c = getopt(argc, argv, "f:w:n:m:p:")) != -1) {
		switch (c) {
		case 'f':
			if (edu_demo_set_family(optarg))
				usage();
			break;
		case 'w':
			nworkers = atoi(optarg);
			break;
		case 'n':
			nconns = atoi(optarg);
			break;
		case 'm':
			if (!strcmp(optarg, "accept"))
				m = M_ACCEPT;
			else if (!strcmp(optarg, "epoll"))
				m = M_EPOLL;
			else if (!strcmp(optarg, "epollex"))
				m = M_EPOLLEX;
			else
				usage();
			break;
		case 'p':
			port = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind != argc || nworkers < 1 || nworkers > MAX_WORKERS ||
	    nconns < 1 || port < 1 || port > 65535)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* The workers' counts, where the parent can read them. */
	t = mmap(NULL, sizeof(*t) * nworkers, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	a = edu_demo_loopback(port);
	lfd = socket(edu_demo_family(), SOCK_STREAM | (m == M_ACCEPT ? 0 : SOCK_NONBLOCK), 0);
	if (t == MAP_FAILED || lfd < 0 || pipe(ready) ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 64)) {
		printf("error listen: %s\n", edu_demo_errname(errno));
		return 1;
	}
	for (i = 0; i < nworkers; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			return 1;
		if (!pids[i])
			worker(lfd, i, m, &t[i], ready[1]);
	}
	for (i = 0; i < nworkers; i++)
		if (read(ready[0], &c, 1) != 1)
			return 1;
	/* Let every worker reach its wait before the first connection. */
	usleep(200000);
	for (i = 0; i < nworkers; i++)
		w0[i] = wakeups(pids[i]);

	for (i = 0; i < nconns; i++) {
		int fd = socket(edu_demo_family(), SOCK_STREAM, 0);
		char w;

		if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a))) {
			printf("error connect: %s\n", edu_demo_errname(errno));
			break;
		}
		if (read(fd, &w, 1) == 1)
			answered++;
		close(fd);
		/* The herd settles (every woken worker back asleep). */
		usleep(20000);
	}
	usleep(200000);
	for (i = 0; i < nworkers; i++) {
		long w = wakeups(pids[i]) - w0[i];

		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
		printf("worker %d: served %ld wakeups %ld\n", i, t[i].served, w);
		served += t[i].served;
		woken += w;
	}
	printf("total served %ld wakeups %ld (connections %d, answered %ld)\n",
	       served, woken, nconns, answered);
	return served == nconns && answered == nconns ? 0 : 1;
}
