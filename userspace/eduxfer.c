// SPDX-License-Identifier: GPL-2.0
/*
 * eduxfer - move bytes through EDUTCP (or TCP) and prove they arrived.
 *
 *   eduxfer -l [-e] [-k N] [-d MS] [-f FAMILY] ADDR PORT
 *	Listen; serve N connections (default 1), each in a thread.  Without
 *	-e each connection is a sink: read to end of stream, then answer one
 *	line "sum HEX BYTES" (FNV-1a 64 over the bytes, and their count) and
 *	close.  With -e, echo every byte back.  -d MS sleeps MS milliseconds
 *	before the first read, so the sender's and receiver's queues fill.
 *
 *   eduxfer [-n BYTES] [-j CONNS] [-e] [-w MS] [-f FAMILY] ADDR PORT
 *	Connect CONNS times at once (default 1) and send BYTES bytes on each
 *	(default 1 MiB), a pattern that differs per connection; -w MS waits
 *	that long between connect() and the first byte.  Without -e:
 *	shut the sending half, read the sink's line and compare it with the
 *	sum of what was sent.  With -e: read the echo back while sending and
 *	compare it byte by byte.  Prints "ok ..." or "FAIL ...", exits 0 only
 *	if every connection checked out.
 *
 * -f inet uses AF_INET/TCP instead of AF_EDU (-f edu, the default), to
 * compare with the kernel's own: the spelling every edutcp tool shares.
 * -4 is an older spelling of -f inet, kept for scripts.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/edu.h>

#define PATTERN_LEN	65521	/* a prime: no power-of-two shift hides */
#define BUF_LEN		(256 * 1024)

static int opt_inet, opt_echo, opt_conns = 1, opt_delay_ms, opt_wait_ms;
static long long opt_bytes = 1 << 20;
static struct sockaddr_in opt_addr;

static int family(void)
{
	static int af;
	FILE *f;

	if (opt_inet)
		return AF_INET;
	if (af)
		return af;
	af = AF_EDU;
	f = fopen("/sys/module/af_edu/parameters/family", "r");
	if (f) {
		if (fscanf(f, "%d", &af) != 1)
			af = AF_EDU;
		fclose(f);
	}
	return af;
}

static int new_socket(void)
{
	int fd = socket(family(), SOCK_STREAM, 0);

	if (fd < 0) {
		perror(opt_inet ? "socket(AF_INET)" :
		       "socket(AF_EDU) (is af_edu.ko loaded?)");
		exit(2);
	}
	return fd;
}

/* FNV-1a, 64 bits: order-sensitive, so loss, duplication and reordering
 * all change it.
 */
static uint64_t fnv(uint64_t h, const unsigned char *p, size_t n)
{
	while (n--) {
		h ^= *p++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

#define FNV_INIT 0xcbf29ce484222325ULL

static unsigned char base[PATTERN_LEN];

static void pattern_init(void)
{
	uint32_t x = 2463534242u;

	for (size_t i = 0; i < sizeof(base); i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		base[i] = x;
	}
}

/* Byte @off of connection @id's stream. */
static void pattern(unsigned char *dst, long long off, size_t n, int id)
{
	for (size_t i = 0; i < n; i++, off++)
		dst[i] = base[off % PATTERN_LEN] ^ (off / PATTERN_LEN) ^ (id * 37);
}

static ssize_t write_all(int fd, const void *buf, size_t n)
{
	size_t done = 0;

	while (done < n) {
		ssize_t r = send(fd, (const char *)buf + done, n - done,
				 MSG_NOSIGNAL);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		done += r;
	}
	return done;
}

/* ---- server --------------------------------------------------------------- */

static void *serve_one(void *arg)
{
	int fd = (long)arg;
	unsigned char *buf = malloc(BUF_LEN);
	uint64_t h = FNV_INIT;
	long long total = 0;
	char line[64];
	ssize_t n;

	if (opt_delay_ms)
		usleep(opt_delay_ms * 1000);
	while ((n = recv(fd, buf, BUF_LEN, 0)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("recv");
			break;
		}
		total += n;
		if (opt_echo) {
			if (write_all(fd, buf, n) < 0) {
				perror("send");
				break;
			}
		} else {
			h = fnv(h, buf, n);
		}
	}
	if (!opt_echo) {
		snprintf(line, sizeof(line), "sum %016llx %lld\n",
			 (unsigned long long)h, total);
		write_all(fd, line, strlen(line));
	}
	printf("served %lld bytes\n", total);
	fflush(stdout);
	free(buf);
	close(fd);
	return NULL;
}

static int server(int nconns)
{
	int i, one = 1, lfd = new_socket();
	pthread_t *threads;

	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	opt_addr.sin_family = family();
	if (bind(lfd, (struct sockaddr *)&opt_addr, sizeof(opt_addr)) ||
	    listen(lfd, 128)) {
		perror("bind/listen");
		return 2;
	}
	printf("listening\n");
	fflush(stdout);
	/* A thread per connection: concurrent clients are served at once. */
	threads = calloc(nconns, sizeof(*threads));
	for (i = 0; i < nconns; i++) {
		long fd = accept(lfd, NULL, NULL);

		if (fd < 0) {
			perror("accept");
			return 1;
		}
		pthread_create(&threads[i], NULL, serve_one, (void *)fd);
	}
	for (i = 0; i < nconns; i++)
		pthread_join(threads[i], NULL);
	free(threads);
	close(lfd);
	return 0;
}

/* ---- client --------------------------------------------------------------- */

struct conn {
	pthread_t	thread;
	int		id;
	int		ok;
	double		secs;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Send the pattern and read the echo back, byte-compared, in one loop. */
static int echo_client(int fd, int id)
{
	unsigned char *out = malloc(BUF_LEN), *in = malloc(BUF_LEN);
	unsigned char *want = malloc(BUF_LEN);
	long long sent = 0, got = 0;
	int ok = 0;

	fcntl(fd, F_SETFL, O_NONBLOCK);
	while (got < opt_bytes) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (sent < opt_bytes)
			p.events |= POLLOUT;
		if (poll(&p, 1, 30000) <= 0) {
			fprintf(stderr, "conn %d: stalled at %lld/%lld\n", id,
				sent, got);
			goto out;
		}
		if (p.revents & POLLOUT) {
			size_t len = opt_bytes - sent < BUF_LEN ?
				     opt_bytes - sent : BUF_LEN;

			pattern(out, sent, len, id);
			n = send(fd, out, len, MSG_NOSIGNAL);
			if (n < 0 && errno != EAGAIN) {
				perror("send");
				goto out;
			}
			if (n > 0)
				sent += n;
		}
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			n = recv(fd, in, BUF_LEN, 0);
			if (n <= 0 && !(n < 0 && errno == EAGAIN)) {
				fprintf(stderr, "conn %d: echo ended at %lld: %s\n",
					id, got, n ? strerror(errno) : "EOF");
				goto out;
			}
			if (n > 0) {
				pattern(want, got, n, id);
				if (memcmp(in, want, n)) {
					fprintf(stderr, "conn %d: echo differs near byte %lld\n",
						id, got);
					goto out;
				}
				got += n;
			}
		}
	}
	ok = 1;
out:
	free(out);
	free(in);
	free(want);
	return ok;
}

/* Send the pattern, end the stream, compare the sink's sum with ours. */
static int sink_client(int fd, int id)
{
	unsigned char *buf = malloc(BUF_LEN);
	uint64_t h = FNV_INIT, theirs;
	long long sent = 0, count;
	char line[64] = "";
	size_t have = 0;
	ssize_t n;
	int ok = 0;

	while (sent < opt_bytes) {
		size_t len = opt_bytes - sent < BUF_LEN ? opt_bytes - sent : BUF_LEN;

		pattern(buf, sent, len, id);
		h = fnv(h, buf, len);
		if (write_all(fd, buf, len) < 0) {
			fprintf(stderr, "conn %d: send after %lld bytes: %s\n",
				id, sent, strerror(errno));
			goto out;
		}
		sent += len;
	}
	shutdown(fd, SHUT_WR);
	while (have < sizeof(line) - 1 &&
	       (n = recv(fd, line + have, sizeof(line) - 1 - have, 0)) > 0)
		have += n;
	line[have] = 0;
	if (sscanf(line, "sum %lx %lld", &theirs, &count) != 2) {
		fprintf(stderr, "conn %d: no sum from the sink (%s)\n", id,
			have ? line : strerror(errno));
		goto out;
	}
	if (theirs != h || count != sent) {
		fprintf(stderr, "conn %d: sent %lld bytes sum %016llx, sink got %lld sum %016llx\n",
			id, sent, (unsigned long long)h, count,
			(unsigned long long)theirs);
		goto out;
	}
	ok = 1;
out:
	free(buf);
	return ok;
}

static void *client_thread(void *arg)
{
	struct conn *c = arg;
	double t0 = now();
	int fd = new_socket();

	opt_addr.sin_family = family();
	if (connect(fd, (struct sockaddr *)&opt_addr, sizeof(opt_addr))) {
		fprintf(stderr, "conn %d: connect: %s\n", c->id, strerror(errno));
		close(fd);
		return NULL;
	}
	if (opt_wait_ms)
		usleep(opt_wait_ms * 1000);
	c->ok = opt_echo ? echo_client(fd, c->id) : sink_client(fd, c->id);
	close(fd);
	c->secs = now() - t0;
	return NULL;
}

static int client(void)
{
	struct conn *c = calloc(opt_conns, sizeof(*c));
	int i, good = 0;

	for (i = 0; i < opt_conns; i++) {
		c[i].id = i;
		pthread_create(&c[i].thread, NULL, client_thread, &c[i]);
	}
	for (i = 0; i < opt_conns; i++) {
		pthread_join(c[i].thread, NULL);
		good += c[i].ok;
		printf("%s conn %d: %lld bytes %s in %.2f s\n",
		       c[i].ok ? "ok" : "FAIL", i, opt_bytes,
		       opt_echo ? "echoed" : "summed", c[i].secs);
	}
	free(c);
	return good == opt_conns ? 0 : 1;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: eduxfer -l [-e] [-k N] [-d MS] [-f inet|edu] ADDR PORT\n"
		"       eduxfer [-n BYTES] [-j CONNS] [-e] [-w MS] [-f inet|edu] ADDR PORT\n");
	exit(2);
}

int main(int argc, char **argv)
{
	int opt, listen_mode = 0, nconns = 1;

	while ((opt = getopt(argc, argv, "lek:d:n:j:w:f:4")) != -1) {
		switch (opt) {
		case 'l':
			listen_mode = 1;
			break;
		case 'e':
			opt_echo = 1;
			break;
		case 'k':
			nconns = atoi(optarg);
			break;
		case 'd':
			opt_delay_ms = atoi(optarg);
			break;
		case 'n':
			opt_bytes = atoll(optarg);
			break;
		case 'j':
			opt_conns = atoi(optarg);
			break;
		case 'w':
			opt_wait_ms = atoi(optarg);
			break;
		case 'f':
			if (!strcmp(optarg, "inet"))
				opt_inet = 1;
			else if (!strcmp(optarg, "edu"))
				opt_inet = 0;
			else
				usage();
			break;
		case '4':
			opt_inet = 1;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 2 || opt_conns < 1 || opt_bytes < 0)
		usage();
	if (inet_pton(AF_INET, argv[optind], &opt_addr.sin_addr) != 1)
		usage();
	opt_addr.sin_port = htons(atoi(argv[optind + 1]));
	signal(SIGPIPE, SIG_IGN);
	pattern_init();
	return listen_mode ? server(nconns) : client();
}
