// SPDX-License-Identifier: GPL-2.0
/*
 * edubench - measure EDUTCP against TCP (and AF_UNIX) with one program.
 *
 *   edubench crr  [-c CLIENTS] [-t SECS] [-T MS]   connections per second
 *   edubench rr   [-t SECS]                        round trips per second
 *   edubench bulk [-n BYTES]                       MB/s through one connection
 *   edubench hold [-n CONNS] [-r READS]            kernel memory per idle
 *						    connection, and ms per
 *						    read of the proc table
 *   edubench smoke                                 one tiny round of each
 *
 * The names and meanings are netperf's and neper's:
 *   crr   connect, a 1-byte request, a 1-byte response, close; repeated by
 *	   CLIENTS threads at once (default 1) for SECS seconds.  The server
 *	   closes first after its response (as an HTTP/1.0 server does), so
 *	   TIME_WAIT stays on the server and the client's port is free at
 *	   once; the client reads the end of stream, then closes.
 *   rr    1-byte ping-pong on one connection for SECS seconds.
 *   bulk  BYTES (default 256 MiB) written into one connection; the server
 *	   reads to end of stream and answers one byte, so the time covers
 *	   every byte's arrival.  MB is 10^6 bytes.
 *   hold  CONNS (default 10000) established connections, both ends in
 *	   this process, left idle: the growth of Slab in /proc/meminfo per
 *	   connection (both ends, their files and everything the family
 *	   allocates), then READS full reads (default 5) of the family's
 *	   table (/proc/net/tcp, /proc/net/edutcp, /proc/net/unix), median.
 *	   The connections are reset (SO_LINGER 0) at the end: no TIME_WAIT.
 *
 * Common options:
 *   -f FAMILY  inet (the kernel's TCP), edu (AF_EDU, the default) or unix
 *	        (AF_UNIX stream, an abstract address per port)
 *   -a ADDR    the server's IPv4 address (default 127.0.0.1)
 *   -p PORT    the server's port (default 5201)
 *   -S NETNS   run the server in network namespace NETNS (/run/netns/NETNS)
 *   -C NETNS   run the clients in network namespace NETNS
 *   -T MS      crr only: give up a connection that takes longer than MS
 *	        milliseconds at any step, count it failed and go on (without
 *	        -T, any failure ends the run)
 *
 * Every command but smoke forks its server (hold has none), and prints its
 * figures as lines "RESULT NAME VALUE UNIT key=value...", for
 * scripts/bench; anything else it prints is commentary.
 * Exit status: 0 measured, 1 a run-time error, 2 a usage error.
 *
 * This file is the program and every measurement but hold, which is
 * edubench/hold.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <linux/edu.h>
#include "edu_demo.h"
#include "edubench/edubench.h"

#define BULK_BUF	(256 * 1024)
#define MAX_CLIENTS	64
#define MAX_HOLD	100000

enum bench_mode { M_CRR, M_RR, M_BULK, M_HOLD, M_SMOKE };

const char *prog = "edubench";
static const char *fam_name = "edu";
int fam;			/* AF_INET, the AF_EDU in use, or AF_UNIX */
static struct sockaddr_in srv_addr;
static const char *srv_ns, *cli_ns;
static enum bench_mode mode;
static int opt_clients = 1;
static double opt_secs = 5;
static long opt_timeout_ms;
static long long opt_bytes = 256LL << 20;
long opt_conns = 10000;
int opt_reads = 5;
static bool quiet;

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* -f: inet and edu as the demo programs take them, and unix. */
static bool set_family(const char *name)
{
	if (!strcmp(name, "unix"))
		fam = AF_UNIX;
	else if (!edu_demo_set_family(name))
		fam = edu_demo_family();
	else
		return false;
	fam_name = name;
	return true;
}

/* Join the network namespace that "ip netns add NAME" made. */
static int enter_netns(const char *name)
{
	char path[256];
	int fd, err = 0;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET)) {
		fprintf(stderr, "%s: netns %s: %s\n", prog, name,
			strerror(errno));
		err = -1;
	}
	if (fd >= 0)
		close(fd);
	return err;
}

/* The server's address in the family's own form. */
static socklen_t fill_addr(struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (fam == AF_UNIX) {
		struct sockaddr_un *un = (struct sockaddr_un *)ss;
		int n;

		un->sun_family = AF_UNIX;
		/* Abstract: sun_path[0] is 0, nothing is left in the file system. */
		n = snprintf(un->sun_path + 1, sizeof(un->sun_path) - 1,
			     "edubench.%u", ntohs(srv_addr.sin_port));
		return offsetof(struct sockaddr_un, sun_path) + 1 + n;
	}
	/* struct sockaddr_edu has the layout of struct sockaddr_in. */
	memcpy(ss, &srv_addr, sizeof(srv_addr));
	((struct sockaddr_in *)ss)->sin_family = fam;
	return sizeof(srv_addr);
}

static int new_socket(void)
{
	int fd = socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		fprintf(stderr, "%s: socket(%s): %s%s\n", prog, fam_name,
			strerror(errno),
			fam != AF_INET && fam != AF_UNIX ?
			" (is af_edu.ko loaded?)" : "");
	return fd;
}

/*
 * Every write is sent at once, on TCP and EDUTCP alike (no Nagle), as
 * request-response benchmarks run (netperf's TCP_RR).  AF_UNIX has no
 * such option.
 */
static void nodelay(int fd)
{
	int one = 1;

	if (fam != AF_UNIX)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

int listen_on(int backlog)
{
	struct sockaddr_storage ss;
	socklen_t len = fill_addr(&ss);
	int one = 1, fd = new_socket();

	if (fd < 0)
		return -1;
	if (fam != AF_UNIX)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) || listen(fd, backlog)) {
		fprintf(stderr, "%s: bind/listen %s port %u: %s\n", prog,
			fam_name, ntohs(srv_addr.sin_port), strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Wait up to opt_timeout_ms for @events on @fd; without -T, forever. */
static int wait_fd(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };
	int r;

	if (!opt_timeout_ms)
		return 0;
	do {
		r = poll(&p, 1, opt_timeout_ms);
	} while (r < 0 && errno == EINTR);
	if (r == 0)
		errno = ETIMEDOUT;
	return r > 0 ? 0 : -1;
}

/* A connected socket, or -1 with errno set. */
int connect_to(void)
{
	struct sockaddr_storage ss;
	socklen_t len = fill_addr(&ss), elen = sizeof(int);
	int fd, err = 0, r;

	fd = socket(fam, SOCK_STREAM | SOCK_CLOEXEC |
		    (opt_timeout_ms ? SOCK_NONBLOCK : 0), 0);
	if (fd < 0)
		return -1;
	nodelay(fd);
	r = connect(fd, (struct sockaddr *)&ss, len);
	if (r && errno == EINPROGRESS) {
		if (wait_fd(fd, POLLOUT) ||
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen))
			goto fail;
		if (err) {
			errno = err;
			goto fail;
		}
	} else if (r) {
		goto fail;
	}
	return fd;
fail:
	err = errno;
	close(fd);
	errno = err;
	return -1;
}

static int send_all(int fd, const void *buf, size_t n)
{
	size_t done = 0;

	while (done < n) {
		ssize_t r;

		if (wait_fd(fd, POLLOUT))
			return -1;
		r = send(fd, (const char *)buf + done, n - done, MSG_NOSIGNAL);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r < 0)
			return -1;
		done += r;
	}
	return 0;
}

/* One recv() of up to @n bytes: >0 bytes, 0 end of stream, -1 error. */
static ssize_t recv_some(int fd, void *buf, size_t n)
{
	ssize_t r;

	for (;;) {
		if (wait_fd(fd, POLLIN))
			return -1;
		r = recv(fd, buf, n, 0);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		return r;
	}
}

/* ---- the server: a forked process, one thread per client ---------------- */

static int srv_fd;

static void serve_conn(int c)
{
	static __thread char *buf;
	char b;
	ssize_t n;

	nodelay(c);
	switch (mode) {
	case M_CRR:
		if (recv(c, &b, 1, 0) == 1)
			send(c, &b, 1, MSG_NOSIGNAL);
		break;
	case M_RR:
		while (recv(c, &b, 1, 0) == 1)
			if (send(c, &b, 1, MSG_NOSIGNAL) != 1)
				break;
		break;
	case M_BULK:
		if (!buf)
			buf = malloc(BULK_BUF);
		if (!buf)
			break;
		while ((n = recv(c, buf, BULK_BUF, 0)) != 0)
			if (n < 0 && errno != EINTR)
				break;
		b = 'k';
		send(c, &b, 1, MSG_NOSIGNAL);
		break;
	default:
		break;
	}
	close(c);
}

static void *serve_thread(void *arg)
{
	(void)arg;
	for (;;) {
		int c = accept4(srv_fd, NULL, NULL, SOCK_CLOEXEC);

		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED ||
			    errno == EMFILE || errno == ENFILE)
				continue;
			return NULL;
		}
		serve_conn(c);
	}
}

/*
 * Fork the server; return its pid once it listens.  It dies with its
 * parent (PR_SET_PDEATHSIG), and is killed when the measurement is done.
 */
static pid_t start_server(void)
{
	int p[2], i, nthreads = opt_clients;
	char ok = 0;
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		pthread_t t;

		close(p[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() == 1)
			_exit(1);
		if (srv_ns && enter_netns(srv_ns))
			_exit(1);
		srv_fd = listen_on(4096);
		if (srv_fd < 0)
			_exit(1);
		ok = 1;
		if (write(p[1], &ok, 1) != 1)
			_exit(1);
		close(p[1]);
		for (i = 1; i < nthreads; i++)
			pthread_create(&t, NULL, serve_thread, NULL);
		serve_thread(NULL);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &ok, 1) != 1 || !ok) {
		close(p[0]);
		waitpid(pid, NULL, 0);
		return -1;
	}
	close(p[0]);
	return pid;
}

static void stop_server(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* ---- the clients ---------------------------------------------------------- */

struct client {
	pthread_t	thread;
	double		deadline;
	long		ok;
	long		failed;
	int		first_err;
};

static void *crr_client(void *arg)
{
	struct client *cl = arg;
	char b = 'q', eof;
	int fd;

	while (now_s() < cl->deadline) {
		errno = 0;
		fd = connect_to();
		if (fd >= 0 && !send_all(fd, &b, 1) &&
		    recv_some(fd, &b, 1) == 1 &&
		    recv_some(fd, &eof, 1) == 0) {
			close(fd);
			cl->ok++;
			continue;
		}
		if (!errno)
			errno = EPROTO;	/* an unexpected byte or end */
		if (!cl->first_err)
			cl->first_err = errno;
		cl->failed++;
		if (fd >= 0)
			close(fd);
		if (!opt_timeout_ms)
			break;
	}
	return NULL;
}

static void *rr_client(void *arg)
{
	struct client *cl = arg;
	char b = 'p';
	int fd = connect_to();

	if (fd < 0) {
		cl->first_err = errno;
		cl->failed++;
		return NULL;
	}
	for (;;) {
		/* The clock is read every 16 round trips, not every one. */
		if (!(cl->ok & 15) && now_s() >= cl->deadline)
			break;
		if (send(fd, &b, 1, MSG_NOSIGNAL) != 1 ||
		    recv(fd, &b, 1, 0) != 1) {
			cl->first_err = errno ? errno : EPROTO;
			cl->failed++;
			break;
		}
		cl->ok++;
	}
	close(fd);
	return NULL;
}

void result(const char *name, double value, const char *unit,
	    const char *extra)
{
	printf("RESULT %s %.6g %s family=%s%s%s\n", name, value, unit,
	       fam_name, *extra ? " " : "", extra);
	fflush(stdout);
}

static int run_clients(void *(*fn)(void *), const char *name,
		       const char *unit)
{
	struct client cl[MAX_CLIENTS];
	long ok = 0, failed = 0;
	int i, err = 0;
	double t0, el;
	char extra[128];

	memset(cl, 0, sizeof(cl));
	t0 = now_s();
	for (i = 0; i < opt_clients; i++) {
		cl[i].deadline = t0 + opt_secs;
		pthread_create(&cl[i].thread, NULL, fn, &cl[i]);
	}
	for (i = 0; i < opt_clients; i++) {
		pthread_join(cl[i].thread, NULL);
		ok += cl[i].ok;
		failed += cl[i].failed;
		if (!err)
			err = cl[i].first_err;
	}
	el = now_s() - t0;
	if (err && !quiet)
		fprintf(stderr, "%s: %s %s: %ld failed, the first: %s\n", prog,
			name, fam_name, failed, strerror(err));
	snprintf(extra, sizeof(extra), "clients=%d ok=%ld failed=%ld secs=%.3f",
		 opt_clients, ok, failed, el);
	result(name, ok / el, unit, extra);
	/* With -T failures are the figure; without it, one ends the run. */
	return ok && (opt_timeout_ms || !failed) ? 0 : 1;
}

static int run_bulk(void)
{
	char *buf = malloc(BULK_BUF), ack;
	long long left = opt_bytes;
	double t0, el;
	char extra[96];
	int fd;

	if (!buf)
		return 1;
	memset(buf, 'b', BULK_BUF);
	fd = connect_to();
	if (fd < 0) {
		fprintf(stderr, "%s: bulk connect: %s\n", prog, strerror(errno));
		free(buf);
		return 1;
	}
	t0 = now_s();
	while (left > 0) {
		size_t n = left < BULK_BUF ? left : BULK_BUF;

		if (send_all(fd, buf, n))
			break;
		left -= n;
	}
	shutdown(fd, SHUT_WR);
	if (left || recv(fd, &ack, 1, 0) != 1) {
		fprintf(stderr, "%s: bulk %s: %s\n", prog, fam_name,
			left ? strerror(errno) : "no answer after the data");
		close(fd);
		free(buf);
		return 1;
	}
	el = now_s() - t0;
	close(fd);
	free(buf);
	snprintf(extra, sizeof(extra), "bytes=%lld secs=%.3f", opt_bytes, el);
	result("bulk", opt_bytes / el / 1e6, "MB/s", extra);
	return 0;
}

/* ---- main ------------------------------------------------------------------ */

static void usage(FILE *f)
{
	fprintf(f,
"usage: %s crr|rr|bulk|hold|smoke [options]\n"
"  crr   connect, 1-byte request, 1-byte response, close (connections/s)\n"
"  rr    1-byte ping-pong on one connection (round trips/s)\n"
"  bulk  BYTES through one connection (MB/s)\n"
"  hold  CONNS idle connections: Slab bytes each, ms per proc-table read\n"
"  smoke one tiny round of each, on this family\n"
"  -f FAMILY  inet, edu (default) or unix\n"
"  -a ADDR    server address (default 127.0.0.1)\n"
"  -p PORT    server port (default 5201)\n"
"  -c N       crr: parallel clients (default 1)\n"
"  -t SECS    crr, rr: duration (default 5)\n"
"  -T MS      crr: a step slower than MS fails that connection only\n"
"  -n N       bulk: bytes (default 256 MiB); hold: connections (10000)\n"
"  -r N       hold: proc-table reads (default 5)\n"
"  -S NETNS   the server's network namespace; -C NETNS the clients'\n"
"Prints RESULT NAME VALUE UNIT key=value... lines.\n"
"Exit status: 0 measured, 1 run-time error, 2 usage error.\n", prog);
}

static int measure(void)
{
	pid_t srv;
	int rc;

	if (mode == M_HOLD)
		return run_hold();
	srv = start_server();
	if (srv < 0) {
		fprintf(stderr, "%s: the %s server did not start\n", prog,
			fam_name);
		return 1;
	}
	if (cli_ns && enter_netns(cli_ns)) {
		stop_server(srv);
		return 1;
	}
	if (mode == M_CRR)
		rc = run_clients(crr_client, opt_clients > 1 ? "crr_par" : "crr",
				 "conn/s");
	else if (mode == M_RR)
		rc = run_clients(rr_client, "rr", "trans/s");
	else
		rc = run_bulk();
	stop_server(srv);
	return rc;
}

/* One tiny round of each measurement, each in a child process. */
static int smoke(void)
{
	static const enum bench_mode modes[] = { M_CRR, M_CRR, M_RR, M_BULK,
						 M_HOLD };
	int i, st, fails = 0;
	pid_t pid;

	for (i = 0; i < (int)(sizeof(modes) / sizeof(modes[0])); i++) {
		pid = fork();
		if (pid < 0)
			return 1;
		if (pid == 0) {
			mode = modes[i];
			opt_clients = i == 1 ? 4 : 1;
			opt_secs = 0.3;
			opt_bytes = 1 << 20;
			opt_conns = 64;
			opt_reads = 1;
			srv_addr.sin_port = htons(ntohs(srv_addr.sin_port) + i);
			_exit(measure());
		}
		if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) ||
		    WEXITSTATUS(st))
			fails++;
	}
	printf("smoke %s: %d of %d failed\n", fam_name, fails, i);
	return fails ? 1 : 0;
}

static bool parse_num(const char *s, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || v < 0 || v > max)
		return false;
	*out = v;
	return true;
}

int main(int argc, char **argv)
{
	const char *cmd;
	double v;
	int c;

	if (argc < 2 || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	cmd = argv[1];
	if (!strcmp(cmd, "crr"))
		mode = M_CRR;
	else if (!strcmp(cmd, "rr"))
		mode = M_RR;
	else if (!strcmp(cmd, "bulk"))
		mode = M_BULK;
	else if (!strcmp(cmd, "hold"))
		mode = M_HOLD;
	else if (!strcmp(cmd, "smoke"))
		mode = M_SMOKE;
	else {
		fprintf(stderr, "%s: unknown command '%s'\n", prog, cmd);
		usage(stderr);
		return 2;
	}
	set_family("edu");
	srv_addr.sin_family = AF_INET;
	srv_addr.sin_port = htons(5201);
	srv_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	optind = 2;
	while ((c = getopt(argc, argv, "f:a:p:c:t:T:n:r:S:C:h")) != -1) {
		switch (c) {
		case 'f':
			if (!set_family(optarg))
				goto bad_arg;
			break;
		case 'a':
			if (inet_pton(AF_INET, optarg, &srv_addr.sin_addr) != 1)
				goto bad_arg;
			break;
		case 'p':
			if (!parse_num(optarg, 65000, &v) || v < 1)
				goto bad_arg;
			srv_addr.sin_port = htons((int)v);
			break;
		case 'c':
			if (!parse_num(optarg, MAX_CLIENTS, &v) || v < 1)
				goto bad_arg;
			opt_clients = v;
			break;
		case 't':
			if (!parse_num(optarg, 3600, &v) || v <= 0)
				goto bad_arg;
			opt_secs = v;
			break;
		case 'T':
			if (!parse_num(optarg, 600000, &v) || v < 1)
				goto bad_arg;
			opt_timeout_ms = v;
			break;
		case 'n':
			if (!parse_num(optarg, 1e12, &v) || v < 1)
				goto bad_arg;
			opt_bytes = v;
			opt_conns = v > MAX_HOLD ? MAX_HOLD : v;
			break;
		case 'r':
			if (!parse_num(optarg, 64, &v) || v < 1)
				goto bad_arg;
			opt_reads = v;
			break;
		case 'S':
			srv_ns = optarg;
			break;
		case 'C':
			cli_ns = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", prog,
			argv[optind]);
		return 2;
	}
	if (fam == AF_UNIX && (srv_ns || cli_ns)) {
		fprintf(stderr, "%s: -f unix runs in one namespace only\n", prog);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	return mode == M_SMOKE ? smoke() : measure();

bad_arg:
	fprintf(stderr, "%s: bad value '%s' for -%c\n", prog, optarg, c);
	usage(stderr);
	return 2;
}
