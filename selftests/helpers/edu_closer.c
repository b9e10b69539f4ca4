// SPDX-License-Identifier: GPL-2.0
/*
 * edu_closer - one connection that ends with close() at a chosen moment,
 * for the teardown scenarios of t_states.sh.
 *
 *   edu_closer [-f inet] -l [-d MS] ADDR PORT   accept one connection, close
 *                                          it MS ms after accept() returned
 *   edu_closer [-f inet] [-d MS] ADDR PORT      connect, close MS ms after
 *                                          connect() returned
 *
 * Prints "established" when the connection is up and "closed" after
 * close(); exits 0, or 1 with a message.  -f inet uses AF_INET/TCP.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include "../edu_selftest.h"

int main(int argc, char **argv)
{
	struct edu_family f = { .edu = 1 };
	int opt, listener = 0, delay_ms = 0, lfd, fd;
	struct sockaddr_in a;

	while ((opt = getopt(argc, argv, "4f:ld:")) != -1) {
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
		case 'd':
			delay_ms = atoi(optarg);
			break;
		default:
			return 2;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "usage: edu_closer [-f inet] [-l] [-d MS] ADDR PORT\n");
		return 2;
	}
	a = fam_addr(&f, argv[optind], atoi(argv[optind + 1]));

	if (listener) {
		lfd = socket(fam_af(&f), SOCK_STREAM, 0);
		if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) ||
		    listen(lfd, 1)) {
			printf("error listen: %s\n", strerror(errno));
			return 1;
		}
		printf("listening\n");
		fflush(stdout);
		fd = accept(lfd, NULL, NULL);
		close(lfd);
	} else {
		fd = socket(fam_af(&f), SOCK_STREAM, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a))) {
			close(fd);
			fd = -1;
		}
	}
	if (fd < 0) {
		printf("error: %s\n", strerror(errno));
		return 1;
	}
	printf("established\n");
	fflush(stdout);
	usleep(delay_ms * 1000);
	close(fd);
	printf("closed\n");
	return 0;
}
