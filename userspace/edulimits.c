// SPDX-License-Identifier: GPL-2.0
/*
 * edulimits - three limits a server meets, shown on EDUTCP or on TCP.
 *
 *	edulimits [-f inet|edu] [-p PORT] emfile
 *	edulimits [-f inet|edu] [-p PORT] enfile
 *	edulimits [-f inet|edu] [-p PORT] [-n N] ports
 *
 * Everything runs over 127.0.0.1 (AF_EDU, or AF_INET with -f inet), with a
 * listener on PORT (default 8500) that the program itself connects to.
 * Each step prints one line; the lines a lab checks start with a word
 * that names them.
 *
 * emfile	RLIMIT_NOFILE, the process's own limit.  A connection is made
 *		and waits in the accept queue; then the soft limit is set to
 *		the descriptors already open, and accept() fails with EMFILE
 *		(get_unused_fd_flags(): no descriptor, before any file is
 *		made).  The connection is not lost: once the limit is raised
 *		the accept queue still holds it, and accept() returns it.
 *
 * enfile	fs.file-max, the system's limit on open files.  Root is
 *		exempt (alloc_empty_file() lets CAP_SYS_ADMIN through), so a
 *		child that has dropped to uid and gid 65534 calls accept()
 *		while fs.file-max is 0: the descriptor exists, the file for the
 *		new socket cannot be made, ENFILE.  (0, not 1: the count of
 *		open files is read without summing the per-CPU parts first,
 *		and in a small VM it can read 0.)  The parent restores
 *		fs.file-max and accepts the same connection.  Needs root.
 *
 * ports	net.ipv4.ip_local_port_range, the ephemeral ports a connect()
 *		without bind() may take.  N + 1 clients (default N 2) connect
 *		to the listener one after another: with the range shrunk to N
 *		ports (the caller sets it), the first N get a port each and
 *		the last gets EADDRNOTAVAIL, since a local port can be taken
 *		again only towards another address or port
 *		(__inet_hash_connect()).
 *
 * Exit status: 0 when every step went as described, 1 otherwise, 2 on a
 * usage error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <grp.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include "edu_demo.h"

#define FILE_MAX	"/proc/sys/fs/file-max"

static int port = 8500;

static void usage(void)
{
	fprintf(stderr,
		"usage: edulimits [-f inet|edu] [-p PORT] emfile\n"
		"       edulimits [-f inet|edu] [-p PORT] enfile\n"
		"       edulimits [-f inet|edu] [-p PORT] [-n N] ports\n"
		"  -f  edu (AF_EDU, default) or inet (the kernel's TCP)\n"
		"  -p  the listener's port (8500)\n"
		"  -n  ports: the size of ip_local_port_range the caller set (2)\n");
	exit(2);
}

static int sock(int flags)
{
	return socket(edu_demo_family(), SOCK_STREAM | flags, 0);
}

static int listener(int backlog)
{
	struct sockaddr_in a = edu_demo_loopback(port);
	int one = 1, fd = sock(SOCK_NONBLOCK);	/* accept() never waits */

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, backlog)) {
		printf("error listen: %s\n", edu_demo_errname(errno));
		exit(1);
	}
	return fd;
}

/* A blocking connect() to the listener: the fd, or -errno. */
static int client(void)
{
	struct sockaddr_in a = edu_demo_loopback(port);
	int fd = sock(0);

	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		int err = errno;

		close(fd);
		return -err;
	}
	return fd;
}

static int local_port(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	if (getsockname(fd, (struct sockaddr *)&a, &len))
		return -1;
	return ntohs(a.sin_port);
}

/*
 * The listener's accept queue, as its row in /proc/net/tcp or
 * /proc/net/edutcp shows it (rx_queue of the row in state 0A on the
 * port), or -1 when there is no such row.
 */
static int acceptq(void)
{
	const char *path = edu_demo_proc();
	unsigned int lport, st, rxq, txq;
	char line[512];
	int q = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " %*u: %*x:%x %*x:%*x %x %x:%x", &lport, &st,
			   &txq, &rxq) == 4 && st == 0x0a && (int)lport == port) {
			q = rxq;
			break;
		}
	}
	fclose(f);
	return q;
}

/* accept() on the nonblocking listener: the fd, or -errno. */
static int try_accept(int lfd)
{
	int fd = accept(lfd, NULL, NULL);

	return fd < 0 ? -errno : fd;
}

/* Wait (bounded) until the accept queue holds @n: the handshake is done. */
static int queued(int n)
{
	int i;

	for (i = 0; i < 200; i++) {
		if (acceptq() == n)
			return 1;
		usleep(10000);
	}
	return 0;
}

static int do_emfile(void)
{
	struct rlimit saved, low;
	int lfd = listener(8), cfd, fd, ok = 1;

	cfd = client();
	if (cfd < 0 || !queued(1)) {
		printf("error connect: %s\n", cfd < 0 ? edu_demo_errname(-cfd) : "not queued");
		return 1;
	}
	printf("connected: the client is fd %d, its connection waits in the accept queue (%d)\n",
	       cfd, acceptq());
	getrlimit(RLIMIT_NOFILE, &saved);
	low = saved;
	low.rlim_cur = cfd + 1;	/* fds 0 .. cfd are open: no free one */
	if (setrlimit(RLIMIT_NOFILE, &low)) {
		printf("error setrlimit: %s\n", edu_demo_errname(errno));
		return 1;
	}
	printf("setrlimit: RLIMIT_NOFILE soft limit %lu, descriptors 0 to %d all in use\n",
	       (unsigned long)low.rlim_cur, cfd);
	fd = try_accept(lfd);
	printf("accept: %s\n", fd < 0 ? edu_demo_errname(-fd) : "a descriptor");
	ok &= fd == -EMFILE;
	/* Reading /proc takes a descriptor too: raise the limit first. */
	setrlimit(RLIMIT_NOFILE, &saved);
	printf("raised: soft limit %lu again; acceptq: %d (the connection still waits)\n",
	       (unsigned long)saved.rlim_cur, acceptq());
	ok &= acceptq() == 1;
	fd = try_accept(lfd);
	printf("accept: %s\n", fd < 0 ? edu_demo_errname(-fd) : "ok");
	ok &= fd >= 0;
	printf("acceptq: %d\n", acceptq());
	return !ok;
}

static long read_file_max(void)
{
	FILE *f = fopen(FILE_MAX, "r");
	long v = -1;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static int write_file_max(long v)
{
	FILE *f = fopen(FILE_MAX, "w");
	int ret;

	if (!f)
		return -1;
	ret = fprintf(f, "%ld\n", v) < 0;
	return fclose(f) || ret ? -1 : 0;
}

static int do_enfile(void)
{
	int lfd = listener(8), cfd, fd, go[2], status, ok = 1;
	long saved = read_file_max();
	pid_t pid;
	char c;

	cfd = client();
	if (cfd < 0 || !queued(1)) {
		printf("error connect: %s\n", cfd < 0 ? edu_demo_errname(-cfd) : "not queued");
		return 1;
	}
	if (saved < 0 || pipe(go)) {
		printf("error %s: %s\n", FILE_MAX, edu_demo_errname(errno));
		return 1;
	}
	printf("connected: the connection waits in the accept queue (%d); fs.file-max is %ld\n",
	       acceptq(), saved);
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return 1;
	if (!pid) {
		/* Not root any more, so fs.file-max applies. */
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534)) {
			printf("error setuid: %s\n", edu_demo_errname(errno));
			_exit(1);
		}
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		fd = try_accept(lfd);
		printf("child: uid 65534, accept: %s\n",
		       fd < 0 ? edu_demo_errname(-fd) : "a descriptor");
		fflush(stdout);
		_exit(fd == -ENFILE ? 0 : 1);
	}
	if (write_file_max(0)) {
		printf("error %s: %s\n", FILE_MAX, edu_demo_errname(errno));
		kill(pid, SIGKILL);
		return 1;
	}
	printf("file-max: 0 (every file already open stays open)\n");
	fflush(stdout);
	if (write(go[1], "g", 1) != 1)
		ok = 0;
	waitpid(pid, &status, 0);
	write_file_max(saved);
	ok &= WIFEXITED(status) && !WEXITSTATUS(status);
	printf("acceptq: %d (the connection still waits)\n", acceptq());
	ok &= acceptq() == 1;
	fd = try_accept(lfd);
	printf("restored: fs.file-max %ld; accept as root: %s\n", read_file_max(),
	       fd < 0 ? edu_demo_errname(-fd) : "ok");
	ok &= fd >= 0;
	return !ok;
}

static int do_ports(int n)
{
	int lfd = listener(n + 2), i, fd, ok = 1;

	(void)lfd;
	for (i = 1; i <= n + 1; i++) {
		fd = client();
		if (fd >= 0)
			printf("connect %d: local port %d\n", i, local_port(fd));
		else
			printf("connect %d: %s\n", i, edu_demo_errname(-fd));
		ok &= i <= n ? fd >= 0 : fd == -EADDRNOTAVAIL;
	}
	printf("acceptq: %d\n", acceptq());
	return !ok;
}

int main(int argc, char **argv)
{
	int c, n = 2;

	while ((c = getopt(argc, argv, "f:p:n:")) != -1) {
		switch (c) {
		case 'f':
			if (edu_demo_set_family(optarg))
				usage();
			break;
		case 'p':
			port = atoi(optarg);
			if (port < 1 || port > 65535)
				usage();
			break;
		case 'n':
			n = atoi(optarg);
			if (n < 1 || n > 1000)
				usage();
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 1)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(argv[optind], "emfile"))
		return do_emfile();
	if (!strcmp(argv[optind], "enfile"))
		return do_enfile();
	if (!strcmp(argv[optind], "ports"))
		return do_ports(n);
	usage();
	return 2;
}
