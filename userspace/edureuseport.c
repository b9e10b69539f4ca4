// SPDX-License-Identifier: GPL-2.0
/*
 * edureuseport - N listeners on one port with SO_REUSEPORT, and what
 * becomes of the connections queued on one of them when it closes.
 *
 *	edureuseport [-f inet|edu] [-l LISTENERS] [-n CONNS] [-p PORT]
 *
 * LISTENERS sockets (default 4; AF_EDU, or TCP with -f inet) each set
 * SO_REUSEPORT (EDUTCP: SOL_EDUTCP/EDU_REUSEPORT, below) and bind and listen on 127.0.0.1:PORT (default 8800),
 * none accepting.  CONNS clients (default 40) connect one after another,
 * each from its own ephemeral port: the kernel gives every new connection
 * to one listener of the group, picked by a hash of its 4-tuple
 * (inet_lhash2_lookup() -> reuseport_select_sock()), so each listener
 * has its own accept queue and its own share.
 *
 * It prints each listener's accept queue, read from its row of
 * /proc/net/tcp or /proc/net/edutcp (the row whose inode is the
 * listener's): "listener I: inode N acceptq Q".  Then it closes listener
 * 0 with Q0 connections in its queue.  With net.ipv4.tcp_migrate_req=0
 * (the default) those connections are not handed to the other listeners:
 * each is reset, as when any listener closes (inet_csk_listen_stop()).
 * Every client then reads once without blocking: "clients reset R alive
 * A" (reset: ECONNRESET; alive: EAGAIN, the connection still waits in
 * another listener's queue).  Finally each remaining listener accepts
 * what it holds: "accepted N".
 * Exit status: 0 when R = Q0 and R + A = CONNS = the queues' sum, 1
 * otherwise, 2 on a usage error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include "edu_demo.h"

#define MAX_LISTENERS	32
#define MAX_CONNS	1000


static void usage(void)
{
	fprintf(stderr,
		"usage: edureuseport [-f inet|edu] [-l LISTENERS] [-n CONNS] [-p PORT]\n");
	exit(2);
}

/*
 * The accept queue of the listener whose socket inode is @ino: rx_queue
 * of its row in /proc/net/tcp or /proc/net/edutcp, or -1 without one.
 */
static int acceptq(unsigned long ino)
{
	const char *path = edu_demo_proc();
	unsigned int st, txq, rxq;
	unsigned long rino;
	char line[512];
	int q = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " %*u: %*x:%*x %*x:%*x %x %x:%x %*x:%*x %*x %*u %*u %lu",
			   &st, &txq, &rxq, &rino) == 4 && st == 0x0a && rino == ino) {
			q = rxq;
			break;
		}
	}
	fclose(f);
	return q;
}

/*
 * SO_REUSEPORT on TCP.  The 6.1 socket core takes SO_REUSEPORT from
 * AF_INET and AF_INET6 sockets only (sk_setsockopt(): EOPNOTSUPP for any
 * other family), so EDUTCP has the option at its own level, with the
 * same meaning; edu-run turns one into the other for unmodified programs.
 */
static int set_reuseport(int fd)
{
	int one = 1;

	if (edu_demo_inet)
		return setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	return setsockopt(fd, SOL_EDUTCP, EDU_REUSEPORT, &one, sizeof(one));
}

static unsigned long inode_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? 0 : st.st_ino;
}

int main(int argc, char **argv)
{
	int c, i, nl = 4, nconns = 40, port = 8800, sum = 0;
	int lfd[MAX_LISTENERS], q[MAX_LISTENERS], reset = 0, alive = 0, other = 0;
	static int cfd[MAX_CONNS], was_reset[MAX_CONNS];
	unsigned long ino[MAX_LISTENERS];
	struct sockaddr_in a;
	long accepted = 0;
	int n;

	while ((c = getopt(argc, argv, "f:l:n:p:")) != -1) {
		switch (c) {
		case 'f':
			if (edu_demo_set_family(optarg))
				usage();
			break;
		case 'l':
			nl = atoi(optarg);
			break;
		case 'n':
			nconns = atoi(optarg);
			break;
		case 'p':
			port = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind != argc || nl < 2 || nl > MAX_LISTENERS || nconns < 1 ||
	    nconns > MAX_CONNS || port < 1 || port > 65535)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	a = edu_demo_loopback(port);

	for (i = 0; i < nl; i++) {
		lfd[i] = socket(edu_demo_family(), SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (lfd[i] < 0 ||
		    set_reuseport(lfd[i]) ||
		    bind(lfd[i], (struct sockaddr *)&a, sizeof(a)) ||
		    listen(lfd[i], MAX_CONNS)) {
			printf("error listener %d: %s\n", i, edu_demo_errname(errno));
			return 1;
		}
		ino[i] = inode_of(lfd[i]);
	}
	printf("%d listeners on 127.0.0.1:%d, each with %s\n", nl, port,
	       edu_demo_inet ? "SO_REUSEPORT" : "EDU_REUSEPORT");

	for (i = 0; i < nconns; i++) {
		cfd[i] = socket(edu_demo_family(), SOCK_STREAM, 0);
		if (cfd[i] < 0 || connect(cfd[i], (struct sockaddr *)&a, sizeof(a))) {
			printf("error connect %d: %s\n", i, edu_demo_errname(errno));
			return 1;
		}
	}
	printf("%d clients connected\n", nconns);
	for (i = 0; i < nl; i++) {
		q[i] = acceptq(ino[i]);
		sum += q[i];
		printf("listener %d: inode %lu acceptq %d\n", i, ino[i], q[i]);
	}
	printf("queued in all: %d\n", sum);

	close(lfd[0]);
	printf("listener 0 closed with %d connections in its queue\n", q[0]);
	/*
	 * The resets are on their way to the clients: look until every one
	 * of the closed listener's connections has seen its own (at most
	 * 5 s).  A client is read until it has seen one, never after: its
	 * next read would say end of stream.
	 */
	for (n = 0; n < 500 && reset < q[0]; n++) {
		if (n)
			usleep(10000);
		for (i = 0; i < nconns; i++) {
			char b;

			if (was_reset[i])
				continue;
			if (recv(cfd[i], &b, 1, MSG_DONTWAIT) < 0 &&
			    errno == ECONNRESET) {
				was_reset[i] = 1;
				reset++;
			}
		}
	}
	for (i = 0; i < nconns; i++) {
		char b;

		if (was_reset[i])
			continue;
		if (recv(cfd[i], &b, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN)
			alive++;
		else
			other++;
	}
	printf("clients reset %d alive %d other %d\n", reset, alive, other);
	for (i = 1; i < nl; i++) {
		int fd;

		while ((fd = accept(lfd[i], NULL, NULL)) >= 0) {
			accepted++;
			close(fd);
		}
	}
	printf("accepted %ld by the other listeners\n", accepted);
	return reset == q[0] && reset + alive == nconns && sum == nconns &&
	       accepted == alive ? 0 : 1;
}
