// SPDX-License-Identifier: GPL-2.0
/*
 * edu_linger - one connection, driven step by step from a script, for the
 * transmit and close() scenarios of t_xmit_close.sh.
 *
 *   edu_linger [-f inet] [-l] [-r BYTES] [-F] [-g FILE -s BYTES] [-R] [-L SECS]
 *              [-H | -c FILE | -x FILE] ADDR PORT
 *
 *   -l        accept one connection on ADDR:PORT (else connect to it)
 *   -r BYTES  read BYTES, then print "received BYTES"
 *   -F        send until nothing more can go (no room for 500 ms: the
 *             peer's window and our send buffer are full), then print
 *             "filled"
 *   -g FILE   wait until FILE exists, then send -s BYTES and print "sent"
 *   -R        read once (blocking), then print "read BYTES", "read EOF" or
 *             "read ENAME" (the errno by name: ECONNRESET)
 *   -L SECS   SO_LINGER {1, SECS} before close() (0: an abortive close)
 *   -H        hold: never close, wait to be killed ("holding")
 *   -c FILE   wait until FILE exists, then close() and print "closed MS",
 *             the milliseconds close() took
 *   -x FILE   wait until FILE exists, then print "exiting" and exit()
 *             without closing: the exit closes the socket
 *
 * Prints "established" when the connection is up; steps run in the order
 * above.  Exits 0, or 1 with "error ..."; 2 on a usage error.  -f inet uses
 * AF_INET/TCP.  Line buffered.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include "../edu_selftest.h"

static void wait_file(const char *path)
{
	while (access(path, F_OK))
		edu_msleep(5);
}

static int fail(const char *what)
{
	printf("error %s: %s\n", what, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	struct edu_family f = { .edu = 1 };
	const char *go_send = NULL, *go_close = NULL, *go_exit = NULL;
	long rbytes = 0, sbytes = 0, linger = -1;
	int opt, listener = 0, fill = 0, hold = 0, read_once = 0;
	struct linger lg;
	struct sockaddr_in a;
	static char buf[65536];
	double t0;
	int lfd, fd;

	while ((opt = getopt(argc, argv, "4f:lr:Fg:s:RL:Hc:x:")) != -1) {
		switch (opt) {
		case '4':
			f.edu = 0;
			break;
		case 'f':
			if (edu_family_arg(&f, optarg))
				return 2;
			break;
		case 'l':
			listener = 1;
			break;
		case 'r':
			rbytes = atol(optarg);
			break;
		case 'F':
			fill = 1;
			break;
		case 'g':
			go_send = optarg;
			break;
		case 's':
			sbytes = atol(optarg);
			break;
		case 'R':
			read_once = 1;
			break;
		case 'L':
			linger = atol(optarg);
			break;
		case 'H':
			hold = 1;
			break;
		case 'c':
			go_close = optarg;
			break;
		case 'x':
			go_exit = optarg;
			break;
		default:
			return 2;
		}
	}
	if (argc - optind != 2 || (sbytes && !go_send) ||
	    sbytes > (long)sizeof(buf)) {
		fprintf(stderr, "usage: edu_linger [-f inet] [-l] [-r BYTES] [-F] [-g FILE -s BYTES] [-R] [-L SECS] [-H | -c FILE | -x FILE] ADDR PORT\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	a = fam_addr(&f, argv[optind], atoi(argv[optind + 1]));

	if (listener) {
		lfd = socket(fam_af(&f), SOCK_STREAM, 0);
		if (lfd < 0 || edu_setint(lfd, SOL_SOCKET, SO_REUSEADDR, 1) ||
		    bind(lfd, (struct sockaddr *)&a, sizeof(a)) ||
		    listen(lfd, 1))
			return fail("listen");
		printf("listening\n");
		fd = accept(lfd, NULL, NULL);
		close(lfd);
		if (fd < 0)
			return fail("accept");
	} else {
		fd = socket(fam_af(&f), SOCK_STREAM, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)))
			return fail("connect");
	}
	printf("established\n");

	if (rbytes) {
		if (edu_recv_all(fd, buf, rbytes) != rbytes)
			return fail("recv");
		printf("received %ld\n", rbytes);
	}
	if (fill) {
		memset(buf, 'f', sizeof(buf));
		edu_set_nonblock(fd, 1);
		do {
			while (send(fd, buf, sizeof(buf), 0) > 0)
				;
			if (errno != EAGAIN)
				return fail("send");
		} while (edu_poll(fd, POLLOUT, 500) > 0);
		edu_set_nonblock(fd, 0);
		printf("filled\n");
	}
	if (go_send) {
		wait_file(go_send);
		memset(buf, 's', sbytes);
		if (edu_send_all(fd, buf, sbytes, 0) != sbytes)
			return fail("send");
		printf("sent\n");
	}
	if (read_once) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n < 0)
			printf("read %s\n", edu_errname(errno));
		else if (!n)
			printf("read EOF\n");
		else
			printf("read %zd\n", n);
	}
	if (linger >= 0) {
		lg.l_onoff = 1;
		lg.l_linger = linger;
		if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)))
			return fail("SO_LINGER");
	}
	if (hold) {
		printf("holding\n");
		for (;;)
			pause();
	}
	if (go_exit) {
		wait_file(go_exit);
		printf("exiting\n");
		exit(0);
	}
	if (go_close)
		wait_file(go_close);
	t0 = edu_now_msf();
	if (close(fd))
		return fail("close");
	printf("closed %.0f\n", edu_now_msf() - t0);
	return 0;
}
