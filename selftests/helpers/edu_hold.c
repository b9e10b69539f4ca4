// SPDX-License-Identifier: GPL-2.0
/*
 * edu_hold - one connection, held open until a signal says how to end it.
 *
 *	edu_hold [-f inet] [-i] [-s BYTES] [-t SECS] ADDR PORT
 *
 * Connects (blocking) to ADDR:PORT over AF_EDU, or AF_INET/TCP with -f inet
 * (the oracle), and prints "connected port P" (P: the local port), or
 * "error connect: ENAME" and exits 1.  With -i it then prints what
 * TCP_INFO says of the path: "info pmtu P advmss A snd_mss S" (the MTU the
 * MSS was taken from, the MSS this side advertised, the one it sends
 * with).  With -s it then sends BYTES bytes
 * (blocking) and prints "sent BYTES".  Then it waits for:
 *	SIGUSR1		an abortive close: SO_LINGER {on, 0 s}, then close().
 *			TCP then sends an RST and goes from ESTABLISHED
 *			straight to CLOSE (tcp_close() -> tcp_disconnect()),
 *			whatever its orderly teardown would do, so a test of
 *			what a reset counts gives one answer for both
 *			families.  Prints "aborted" and exits 0.
 *	SIGTERM, SIGINT, or -t SECS (default 120): exits 0 without closing
 *			first; the exit closes the socket the ordinary way.
 * Output is line buffered.  Exit status 2: a usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/tcp.h>
#include "../edu_selftest.h"

static void usage(void)
{
	fprintf(stderr,
		"usage: edu_hold [-f inet] [-i] [-s BYTES] [-t SECS] ADDR PORT\n"
		"  -f inet  AF_INET/TCP instead of AF_EDU   -s  send BYTES once connected\n"
		"  -i  print TCP_INFO's pmtu, advmss and snd_mss once connected\n"
		"  -t  give up after SECS (120)\n"
		"  SIGUSR1 aborts the connection (RST); SIGTERM exits\n");
	exit(2);
}

/* TCP_INFO's view of the path: where the connection's MSS came from. */
static int print_info(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len)) {
		printf("error getsockopt: %s\n", edu_errname(errno));
		return 1;
	}
	printf("info pmtu %u advmss %u snd_mss %u\n", ti.tcpi_pmtu,
	       ti.tcpi_advmss, ti.tcpi_snd_mss);
	return 0;
}

int main(int argc, char **argv)
{
	struct edu_family fam = { .edu = 1 };
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct timespec limit = { .tv_sec = 120 };
	struct sockaddr_in addr, me;
	socklen_t len = sizeof(me);
	sigset_t mask;
	int fd, c, sig, nsend = 0, info = 0;

	while ((c = getopt(argc, argv, "4f:is:t:")) != -1) {
		switch (c) {
		case '4':
			fam.edu = 0;
			break;
		case 'f':
			if (edu_family_arg(&fam, optarg))
				usage();
			break;
		case 'i':
			info = 1;
			break;
		case 's':
			nsend = atoi(optarg);
			break;
		case 't':
			limit.tv_sec = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 2)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* Blocked before connecting: a signal sent early waits for us. */
	edu_block_signals(&mask);

	addr = fam_addr(&fam, argv[optind], atoi(argv[optind + 1]));
	fd = socket(fam_af(&fam), SOCK_STREAM, 0);
	if (fd < 0) {
		printf("error socket: %s\n", edu_errname(errno));
		return 1;
	}
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		printf("error connect: %s\n", edu_errname(errno));
		return 1;
	}
	getsockname(fd, (struct sockaddr *)&me, &len);
	printf("connected port %u\n", ntohs(me.sin_port));
	if (info && print_info(fd))
		return 1;
	if (nsend > 0) {
		char *buf = calloc(1, nsend);
		ssize_t n = buf ? edu_send_all(fd, buf, nsend, 0) : -ENOMEM;

		free(buf);
		if (n < 0) {
			printf("error send: %s\n", edu_errname(-n));
			return 1;
		}
		printf("sent %d\n", nsend);
	}

	sig = sigtimedwait(&mask, NULL, &limit);
	if (sig != SIGUSR1) {
		printf("exit\n");
		return 0;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg))) {
		printf("error setsockopt: %s\n", edu_errname(errno));
		return 1;
	}
	close(fd);
	printf("aborted\n");
	return 0;
}
