// SPDX-License-Identifier: GPL-2.0
/*
 * edu_mss - the MSS a connection ends up with, seen from either end.
 *
 *	edu_mss [-f inet] [-m MSS] [-r RCVBUF] [-w] [-s BYTES] ADDR PORT
 *	edu_mss [-f inet] -l [-m MSS] [-r RCVBUF] [-w] [-s BYTES] [-t SECS]
 *		ADDR PORT
 *
 * AF_EDU, or AF_INET/TCP with -f inet (the oracle).  -m sets TCP_MAXSEG
 * and -r SO_RCVBUF before connect() or listen().  A connection's MSS is
 * printed as "mss M snd_mss S": getsockopt(TCP_MAXSEG) and TCP_INFO's
 * tcpi_snd_mss.  With -w, each connection's window scaling is printed
 * too, on a line of its own (below): "wscale W snd_wscale S rcv_wscale
 * R", W 1 if TCP_INFO's tcpi_options has TCPI_OPT_WSCALE, S and R its
 * tcpi_snd_wscale and tcpi_rcv_wscale.
 *
 * Client: connects, prints "connected port P mss M snd_mss S" (P: its
 * local port), reads until BYTES bytes (-s, default 0) or the end of the
 * stream came, prints "received N advmss A rcv_mss R" (TCP_INFO's
 * tcpi_advmss, the MSS it offered, and tcpi_rcv_mss, the largest segment
 * it learnt from what came), with -w "window wscale W ..." then, and exits.
 *
 * Server (-l): listens on ADDR:PORT, prints "listening", then accepts
 * connection after connection, printing for each "accepted port P mss M
 * snd_mss S" (P: the peer's port), with -w "window port P wscale W ...",
 * and sends it BYTES bytes.  Accepted
 * sockets stay open until the exit: SIGTERM, or after -t SECS (default
 * 300).
 *
 * Errors print "error CALL: ENAME" and exit 1; a usage error exits 2.
 * Output is line buffered.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/tcp.h>
#include "../edu_selftest.h"

static void usage(void)
{
	fprintf(stderr,
		"usage: edu_mss [-f inet] [-l] [-m MSS] [-r RCVBUF] [-w] [-s BYTES] [-t SECS] ADDR PORT\n"
		"  -f inet  AF_INET/TCP instead of AF_EDU   -l  listen (server)\n"
		"  -m  TCP_MAXSEG first   -r  SO_RCVBUF first   -w  print window scaling\n"
		"  -s  bytes to read (client) or send (server)\n"
		"  -t  the server exits after SECS (300)\n");
	exit(2);
}

static int fail(const char *call)
{
	printf("error %s: %s\n", call, edu_errname(errno));
	return 1;
}

/* " mss M snd_mss S" of a connected socket. */
static int print_mss(int fd)
{
	struct tcp_info ti;
	int mss = edu_getint(fd, IPPROTO_TCP, TCP_MAXSEG);

	if (mss < 0 || edu_tcp_info(fd, &ti, sizeof(ti))) {
		printf(" error getsockopt\n");
		return 1;
	}
	printf(" mss %d snd_mss %u\n", mss, ti.tcpi_snd_mss);
	return 0;
}

static int print_wscale;	/* -w */

/* " wscale W snd_wscale S rcv_wscale R" and a newline, with -w. */
static int print_window(int fd)
{
	struct tcp_info ti;

	if (!print_wscale)
		return 0;
	if (edu_tcp_info(fd, &ti, sizeof(ti))) {
		printf(" error getsockopt\n");
		return 1;
	}
	printf(" wscale %d snd_wscale %u rcv_wscale %u\n",
	       !!(ti.tcpi_options & TCPI_OPT_WSCALE), ti.tcpi_snd_wscale,
	       ti.tcpi_rcv_wscale);
	return 0;
}

static int client(int fd, const struct sockaddr_in *addr, size_t bytes)
{
	static char buf[65536];
	struct tcp_info ti;
	size_t got = 0;
	ssize_t n;

	if (connect(fd, (const struct sockaddr *)addr, sizeof(*addr)))
		return fail("connect");
	printf("connected port %d", edu_local_port(fd));
	if (print_mss(fd))
		return 1;
	while (got < bytes) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0)
			return fail("recv");
		if (!n)
			break;
		got += n;
	}
	if (edu_tcp_info(fd, &ti, sizeof(ti)))
		return fail("getsockopt");
	printf("received %zu advmss %u rcv_mss %u\n", got, ti.tcpi_advmss,
	       ti.tcpi_rcv_mss);
	if (print_wscale)
		printf("window");
	return print_window(fd);
}

static int server(int fd, const struct sockaddr_in *addr, size_t bytes,
		  int secs)
{
	long end = edu_now_ms() + secs * 1000L;
	struct sockaddr_in peer;
	socklen_t len;
	char *buf;
	int c, n;

	buf = calloc(1, bytes + 1);
	if (!buf)
		return fail("calloc");
	if (bind(fd, (const struct sockaddr *)addr, sizeof(*addr)))
		return fail("bind");
	if (listen(fd, 64))
		return fail("listen");
	printf("listening\n");
	while (edu_now_ms() < end) {
		n = edu_poll(fd, POLLIN, 1000);
		if (n < 0)
			return fail("poll");
		if (!n)
			continue;
		len = sizeof(peer);
		c = accept(fd, (struct sockaddr *)&peer, &len);
		if (c < 0)
			return fail("accept");
		printf("accepted port %u", ntohs(peer.sin_port));
		if (print_mss(c))
			return 1;
		if (print_wscale)
			printf("window port %u", ntohs(peer.sin_port));
		if (print_window(c))
			return 1;
		/* A peer that never acknowledges leaves the rest queued. */
		edu_set_timeo(c, SO_SNDTIMEO, 2000);
		if (bytes && edu_send_all(c, buf, bytes, 0) < 0 &&
		    errno != EAGAIN)
			return fail("send");
		/* c stays open until the exit */
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct edu_family fam = { .edu = 1 };
	int fd, c, listen_mode = 0, mss = 0, rcvbuf = 0, secs = 300;
	struct sockaddr_in addr;
	size_t bytes = 0;

	while ((c = getopt(argc, argv, "f:lm:r:s:t:w")) != -1) {
		switch (c) {
		case 'f':
			if (edu_family_arg(&fam, optarg))
				usage();
			break;
		case 'l':
			listen_mode = 1;
			break;
		case 'm':
			mss = atoi(optarg);
			break;
		case 'r':
			rcvbuf = atoi(optarg);
			break;
		case 'w':
			print_wscale = 1;
			break;
		case 's':
			bytes = strtoul(optarg, NULL, 0);
			break;
		case 't':
			secs = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 2)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);

	addr = fam_addr(&fam, argv[optind], atoi(argv[optind + 1]));
	fd = socket(fam_af(&fam), SOCK_STREAM, 0);
	if (fd < 0)
		return fail("socket");
	if (mss && edu_setint(fd, IPPROTO_TCP, TCP_MAXSEG, mss))
		return fail("setsockopt");
	if (rcvbuf && edu_setint(fd, SOL_SOCKET, SO_RCVBUF, rcvbuf))
		return fail("setsockopt");
	if (listen_mode) {
		edu_setint(fd, SOL_SOCKET, SO_REUSEADDR, 1);
		return server(fd, &addr, bytes, secs);
	}
	return client(fd, &addr, bytes);
}
