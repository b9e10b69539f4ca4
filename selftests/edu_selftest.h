/* SPDX-License-Identifier: GPL-2.0 */
/*
 * edu_selftest.h - what the EDUTCP selftests share.
 *
 * The conformance tests run one body on AF_INET and on AF_EDU; the kernel's
 * own TCP is the oracle.  Since the two address structures have the same
 * layout, a test builds a struct sockaddr_in and only its family differs.
 */
#ifndef EDU_SELFTEST_H
#define EDU_SELFTEST_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <linux/edu.h>

/* The family number in use: the module parameter may differ from AF_EDU. */
static inline int edu_af(void)
{
	static int af;
	FILE *f;

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

/* The variant both conformance families are described by. */
struct edu_family {
	int edu;	/* 0: AF_INET/TCP, the oracle; 1: AF_EDU/EDUTCP */
};

/*
 * -f FAMILY, the spelling every edutcp tool shares: "inet" for
 * AF_INET/TCP, "edu" for AF_EDU.  Returns 0, or -1 for any other name
 * (the caller's usage error).  The helpers also take -4 for -f inet.
 */
static inline int edu_family_arg(struct edu_family *f, const char *name)
{
	if (!strcmp(name, "inet"))
		f->edu = 0;
	else if (!strcmp(name, "edu"))
		f->edu = 1;
	else
		return -1;
	return 0;
}

static inline int fam_af(const struct edu_family *f)
{
	return f->edu ? edu_af() : AF_INET;
}

static inline int fam_proto(const struct edu_family *f)
{
	return f->edu ? IPPROTO_EDUTCP : IPPROTO_TCP;
}

/* The protocol number of the other family, wrong for this one. */
static inline int fam_other_proto(const struct edu_family *f)
{
	return f->edu ? IPPROTO_TCP : IPPROTO_EDUTCP;
}

static inline struct sockaddr_in fam_addr(const struct edu_family *f,
					  const char *ip, unsigned short port)
{
	struct sockaddr_in a;

	memset(&a, 0, sizeof(a));
	a.sin_family = fam_af(f);
	a.sin_port = htons(port);
	inet_pton(AF_INET, ip, &a.sin_addr);
	return a;
}

/*
 * The establishment tests below share the helpers that follow.  They
 * return a negative errno instead of asserting, so a test body states
 * every expectation itself and the same body reads the same on both
 * families.
 */

/* Every event a stream socket can report: masks are compared whole. */
#define EDU_POLL_ALL	(POLLIN | POLLPRI | POLLOUT | POLLRDNORM | \
			 POLLRDBAND | POLLWRNORM | POLLWRBAND | POLLRDHUP)

/* How long a loopback handshake may take under TCG before we give up. */
#define EDU_HANDSHAKE_MS	2000

#ifdef _GNU_SOURCE
/* "ECONNRESET" for ECONNRESET: the helpers print errnos by name, the way
 * the tests match them.  strerrorname_np() is a GNU extension.
 */
static inline const char *edu_errname(int err)
{
	const char *s = err ? strerrorname_np(err) : NULL;

	return s ? s : "E?";
}
#endif

static inline long edu_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* The same clock with a fraction, for timings shorter than a millisecond. */
static inline double edu_now_msf(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static inline void edu_msleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/*
 * The fds a test opened, closed by the fixture teardown in the order they
 * were opened: listeners first (their queued connections are reset, no
 * TIME_WAIT), then clients (the active close leaves TIME_WAIT on the
 * client's ephemeral port, never on a test's fixed port).
 */
#define EDU_MAX_FDS	160

struct edu_fds {
	int fd[EDU_MAX_FDS];
	int n;
};

static inline int edu_keep(struct edu_fds *s, int fd)
{
	if (fd >= 0 && s->n < EDU_MAX_FDS)
		s->fd[s->n++] = fd;
	return fd;
}

static inline void edu_close_all(struct edu_fds *s)
{
	while (s->n > 0) {
		close(s->fd[0]);
		memmove(s->fd, s->fd + 1, --s->n * sizeof(s->fd[0]));
	}
}

/* Closes one fd early and forgets it, so teardown does not close it twice. */
static inline void edu_drop(struct edu_fds *s, int fd)
{
	int i;

	for (i = 0; i < s->n; i++) {
		if (s->fd[i] == fd) {
			memmove(s->fd + i, s->fd + i + 1,
				(s->n - i - 1) * sizeof(s->fd[0]));
			s->n--;
			break;
		}
	}
	close(fd);
}

/* socket(family, SOCK_STREAM | flags, 0), or -errno. */
static inline int edu_socket(const struct edu_family *f, int flags)
{
	int fd = socket(fam_af(f), SOCK_STREAM | flags, 0);

	return fd < 0 ? -errno : fd;
}

static inline int edu_bind(const struct edu_family *f, int fd,
			   const char *ip, unsigned short port)
{
	struct sockaddr_in a = fam_addr(f, ip, port);

	return bind(fd, (struct sockaddr *)&a, sizeof(a)) ? -errno : 0;
}

static inline int edu_connect(const struct edu_family *f, int fd,
			      const char *ip, unsigned short port)
{
	struct sockaddr_in a = fam_addr(f, ip, port);

	return connect(fd, (struct sockaddr *)&a, sizeof(a)) ? -errno : 0;
}

static inline int edu_setint(int fd, int level, int opt, int v)
{
	return setsockopt(fd, level, opt, &v, sizeof(v)) ? -errno : 0;
}

/* An int socket option's value, or -errno. */
static inline int edu_getint(int fd, int level, int opt)
{
	int v = -1;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, level, opt, &v, &len))
		return -errno;
	return v;
}

/*
 * SO_REUSEPORT.  Since 6.1.y's "net: restrict SO_REUSEPORT to inet
 * sockets", sock_setsockopt() refuses it with EOPNOTSUPP for any family
 * but AF_INET/AF_INET6, so AF_EDU may need its own way to ask; this is
 * the one place that would change.
 */
static inline int edu_set_reuseport(const struct edu_family *f, int fd,
				    int on)
{
	/*
	 * 6.1 refuses SO_REUSEPORT for non-inet families; EDUTCP offers the
	 * same flag as SOL_EDUTCP/EDU_REUSEPORT (see <linux/edu.h>).
	 */
	if (f->edu)
		return edu_setint(fd, SOL_EDUTCP, EDU_REUSEPORT, on);
	return edu_setint(fd, SOL_SOCKET, SO_REUSEPORT, on);
}

/* SO_ERROR, which reading also clears. */
static inline int edu_so_error(int fd)
{
	return edu_getint(fd, SOL_SOCKET, SO_ERROR);
}

/* SO_RCVTIMEO or SO_SNDTIMEO in milliseconds. */
static inline int edu_set_timeo(int fd, int opt, long ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	return setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof(tv)) ? -errno : 0;
}

/* getsockname() or getpeername() into *a; 0 or -errno. */
static inline int edu_name(int fd, int peer, struct sockaddr_in *a)
{
	socklen_t len = sizeof(*a);
	int err;

	memset(a, 0xa5, sizeof(*a));
	err = peer ? getpeername(fd, (struct sockaddr *)a, &len) :
		     getsockname(fd, (struct sockaddr *)a, &len);
	if (err)
		return -errno;
	return len == sizeof(*a) ? 0 : -EMSGSIZE;
}

/* The local port of fd in host order, or -errno. */
static inline int edu_local_port(int fd)
{
	struct sockaddr_in a;
	int err = edu_name(fd, 0, &a);

	return err ? err : ntohs(a.sin_port);
}

#ifdef TCP_INFO
/*
 * TCP_INFO of fd into the @len bytes at @ti, zeroed first; 0, or -1 with
 * errno set.  For a file that included a tcp.h before this one, and a
 * void pointer, because its struct tcp_info is glibc's (<netinet/tcp.h>)
 * or the kernel's (<linux/tcp.h>, with the newer fields): the two headers
 * cannot be included together.
 */
static inline int edu_tcp_info(int fd, void *ti, socklen_t len)
{
	memset(ti, 0, len);
	return getsockopt(fd, IPPROTO_TCP, TCP_INFO, ti, &len);
}
#endif

/* A listener on ip:port with the given backlog, or -errno. */
static inline int edu_listener(const struct edu_family *f, int flags,
			       const char *ip, unsigned short port,
			       int backlog)
{
	int fd = edu_socket(f, flags);
	int err;

	if (fd < 0)
		return fd;
	err = edu_bind(f, fd, ip, port);
	if (!err && listen(fd, backlog))
		err = -errno;
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

/* poll() one fd: its revents, 0 on timeout, or -errno. */
static inline int edu_poll(int fd, short events, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int n = poll(&p, 1, timeout_ms);

	if (n < 0)
		return -errno;
	return n ? p.revents : 0;
}

/*
 * A nonblocking client that has started connecting to ip:port: the fd, or
 * -errno when connect() fails with anything but EINPROGRESS.  Loopback
 * never completes a handshake inside connect(), so EINPROGRESS is the
 * only success TCP gives; 0 is accepted for a protocol that could.
 */
static inline int edu_connect_start(const struct edu_family *f,
				    const char *ip, unsigned short port)
{
	int fd = edu_socket(f, SOCK_NONBLOCK);
	int err;

	if (fd < 0)
		return fd;
	err = edu_connect(f, fd, ip, port);
	if (err && err != -EINPROGRESS) {
		close(fd);
		return err;
	}
	return fd;
}

/*
 * Waits up to timeout_ms for a connecting fd to finish: 0 when it is
 * established (POLLOUT and SO_ERROR 0), -ETIMEDOUT when it is still
 * connecting, otherwise the connection's error.
 */
static inline int edu_wait_connected(int fd, int timeout_ms)
{
	int r = edu_poll(fd, POLLOUT, timeout_ms);
	int err;

	if (r < 0)
		return r;
	if (!r)
		return -ETIMEDOUT;
	err = edu_so_error(fd);
	if (err)
		return err < 0 ? err : -err;
	return (r & (POLLERR | POLLHUP)) ? -EPIPE : 0;
}

/* A client connected to ip:port (nonblocking fd), or -errno. */
static inline int edu_connected(const struct edu_family *f, const char *ip,
				unsigned short port)
{
	int fd = edu_connect_start(f, ip, port);
	int err;

	if (fd < 0)
		return fd;
	err = edu_wait_connected(fd, EDU_HANDSHAKE_MS);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

/*
 * accept() with a bounded wait: polls the listener for up to timeout_ms,
 * then accepts.  lfd should be nonblocking, so that a connection another
 * thread took in between gives EAGAIN rather than a block.  The new fd, or
 * -errno (-ETIMEDOUT when nothing arrived).
 */
static inline int edu_accept_wait(int lfd, int timeout_ms)
{
	int r = edu_poll(lfd, POLLIN, timeout_ms);
	int fd;

	if (r < 0)
		return r;
	if (!r)
		return -ETIMEDOUT;
	fd = accept(lfd, NULL, NULL);
	return fd < 0 ? -errno : fd;
}

/*
 * Accepts from a nonblocking listener until EAGAIN; returns how many
 * (their fds kept for teardown) or -errno for any other error.
 */
static inline int edu_accept_all(int lfd, struct edu_fds *keep)
{
	int n = 0, fd;

	while ((fd = accept(lfd, NULL, NULL)) >= 0) {
		edu_keep(keep, fd);
		n++;
	}
	return errno == EAGAIN ? n : -errno;
}

static inline int edu_read_int(const char *path, int *v)
{
	FILE *f = fopen(path, "r");
	int ok;

	if (!f)
		return -errno;
	ok = fscanf(f, "%d", v) == 1;
	fclose(f);
	return ok ? 0 : -EIO;
}

static inline int edu_write_int(const char *path, int v)
{
	FILE *f = fopen(path, "w");
	int err = 0;

	if (!f)
		return -errno;
	if (fprintf(f, "%d\n", v) < 0)
		err = -EIO;
	if (fclose(f))
		err = -errno;
	return err;
}

/* net.ipv4.ip_local_port_range: both families take ephemeral ports there. */
static inline int edu_port_range(int *lo, int *hi)
{
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
	int ok;

	if (!f)
		return -errno;
	ok = fscanf(f, "%d %d", lo, hi) == 2;
	fclose(f);
	return ok ? 0 : -EIO;
}

/*
 * Waits up to timeout_ms until thread tid of this process sleeps ('S'),
 * i.e. has gone to block in the call the test is about.  0 or -ETIMEDOUT.
 */
static inline int edu_wait_sleeping(pid_t tid, int timeout_ms)
{
	long end = edu_now_ms() + timeout_ms;
	char path[64], buf[256], *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	do {
		f = fopen(path, "r");
		if (f) {
			p = fgets(buf, sizeof(buf), f);
			fclose(f);
			p = p ? strrchr(buf, ')') : NULL;
			if (p && p[1] == ' ' && p[2] == 'S')
				return 0;
		}
		edu_msleep(10);
	} while (edu_now_ms() < end);
	return -ETIMEDOUT;
}

/*
 * How many times thread tid has gone to sleep (voluntary context switches),
 * or -errno.  A thread woken for nothing goes back to sleep, so this is how
 * a test sees who was woken even when nothing returned.
 */
static inline long edu_task_nvcsw(pid_t tid)
{
	char path[64], line[128];
	long v = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/status", (int)tid);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "voluntary_ctxt_switches: %ld", &v) == 1)
			break;
	fclose(f);
	return v;
}

/*
 * A counter of this namespace: EduTcp's @edu_name in /proc/net/edutcp_stats
 * for EDUTCP, TcpExt's @tcp_name in /proc/net/netstat for TCP; -1 if the
 * file has no such counter, -errno if it cannot be read.
 */
static inline long edu_mib(const struct edu_family *f, const char *edu_name,
			   const char *tcp_name)
{
	const char *path = f->edu ? "/proc/net/edutcp_stats" :
				    "/proc/net/netstat";
	const char *prefix = f->edu ? "EduTcp:" : "TcpExt:";
	const char *want = f->edu ? edu_name : tcp_name;
	static char names[8192], values[8192];
	char *n, *v, *sn, *sv;
	long found = -1;
	FILE *fp;

	fp = fopen(path, "r");
	if (!fp)
		return -errno;
	while (fgets(names, sizeof(names), fp) &&
	       fgets(values, sizeof(values), fp)) {
		if (strncmp(names, prefix, strlen(prefix)))
			continue;
		n = strtok_r(names, "\n\t ", &sn);
		v = strtok_r(values, "\n\t ", &sv);
		while (n && v) {
			if (!strcmp(n, want))
				found = atol(v);
			n = strtok_r(NULL, "\n\t ", &sn);
			v = strtok_r(NULL, "\n\t ", &sv);
		}
	}
	fclose(fp);
	return found;
}

#define EDU_FAMILY_VARIANTS(fixture)			\
	FIXTURE_VARIANT_ADD(fixture, tcp) { .f = { .edu = 0 } };	\
	FIXTURE_VARIANT_ADD(fixture, edutcp) { .f = { .edu = 1 } }


/*
 * The data-transfer tests (data_*.c) share what follows.  Their listeners
 * bind port 0 and read the port back, so no test owns a fixed port and a
 * TIME_WAIT left by one run never blocks the next.
 */
#include <signal.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>

/* The bound on any one blocking call in the data tests, under TCG too. */
#define EDU_IO_MS	3000

static inline int edu_set_nonblock(int fd, int on)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -errno;
	fl = on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK;
	return fcntl(fd, F_SETFL, fl) ? -errno : 0;
}

/*
 * A connection over loopback: the listener (127.0.0.1, an ephemeral port)
 * is returned, *cfd is the client and *sfd the accepted end.  All three
 * are kept in *keep in that order, so teardown closes the client before
 * the server.  Both ends are blocking, with SO_RCVTIMEO and SO_SNDTIMEO of
 * EDU_IO_MS: a wake-up that never comes fails a test instead of hanging
 * it.  The listener, or -errno.
 */
static inline int edu_pair(const struct edu_family *f, struct edu_fds *keep,
			   int *cfd, int *sfd)
{
	int lfd, port, err;

	*cfd = *sfd = -1;
	lfd = edu_listener(f, SOCK_NONBLOCK, "127.0.0.1", 0, 16);
	if (lfd < 0)
		return lfd;
	edu_keep(keep, lfd);
	port = edu_local_port(lfd);
	if (port < 0)
		return port;
	*cfd = edu_keep(keep, edu_connected(f, "127.0.0.1", port));
	if (*cfd < 0)
		return *cfd;
	*sfd = edu_keep(keep, edu_accept_wait(lfd, EDU_HANDSHAKE_MS));
	if (*sfd < 0)
		return *sfd;
	err = edu_set_nonblock(*cfd, 0);
	if (!err)
		err = edu_set_timeo(*cfd, SO_RCVTIMEO, EDU_IO_MS);
	if (!err)
		err = edu_set_timeo(*cfd, SO_SNDTIMEO, EDU_IO_MS);
	if (!err)
		err = edu_set_timeo(*sfd, SO_RCVTIMEO, EDU_IO_MS);
	if (!err)
		err = edu_set_timeo(*sfd, SO_SNDTIMEO, EDU_IO_MS);
	return err ? err : lfd;
}

/* SIOCINQ (FIONREAD) or SIOCOUTQ: the byte count, or -errno. */
static inline int edu_ioctl_int(int fd, unsigned long req)
{
	int v = -1;

	return ioctl(fd, req, &v) ? -errno : v;
}

/*
 * Polls SIOCINQ or SIOCOUTQ every few milliseconds until it equals want or
 * timeout_ms passes; returns the last value read (or -errno).  This is how
 * a test knows that bytes have arrived, or have been acknowledged,
 * without sleeping for a guessed time.
 */
static inline int edu_wait_ioctl(int fd, unsigned long req, int want,
				 int timeout_ms)
{
	long end = edu_now_ms() + timeout_ms;
	int v;

	for (;;) {
		v = edu_ioctl_int(fd, req);
		if (v == want || v < 0 || edu_now_ms() >= end)
			return v;
		edu_msleep(2);
	}
}

/*
 * The byte at offset off of stream number seed.  Streams with different
 * seeds differ, and a byte out of place (lost, doubled, reordered by a
 * multiple of anything short of 65536) shows.
 */
static inline unsigned char edu_pattern_byte(unsigned int seed, size_t off)
{
	return (unsigned char)(off * 131 + (off >> 8) * 7 + seed * 29 + 1);
}

static inline void edu_pattern(unsigned char *buf, size_t len,
			       unsigned int seed, size_t off)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = edu_pattern_byte(seed, off + i);
}

/* The first offset where buf is not stream seed from off, or len. */
static inline size_t edu_pattern_check(const unsigned char *buf, size_t len,
				       unsigned int seed, size_t off)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (buf[i] != edu_pattern_byte(seed, off + i))
			break;
	return i;
}

/* send() until all of buf is gone: len, or -errno of the failing send. */
static inline ssize_t edu_send_all(int fd, const void *buf, size_t len,
				   int flags)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = send(fd, (const char *)buf + done, len - done, flags);
		if (n < 0)
			return -errno;
		done += n;
	}
	return done;
}

/*
 * recv() until len bytes or end of stream: the count, or -errno when a
 * recv fails before anything came (a short count otherwise).
 */
static inline ssize_t edu_recv_all(int fd, void *buf, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = recv(fd, (char *)buf + done, len - done, 0);
		if (n < 0)
			return done ? (ssize_t)done : -errno;
		if (!n)
			break;
		done += n;
	}
	return done;
}

/*
 * The st column of the /proc/net/tcp (or /proc/net/edutcp) row of the
 * loopback connection from local port lport to remote port rport, or
 * -ENOENT when there is none.  A closed fd's connection (FIN_WAIT2,
 * TIME_WAIT) is found this way.
 */
static inline int edu_proc_state(const struct edu_family *f, int lport,
				 int rport)
{
	const char *path = f->edu ? "/proc/net/edutcp" : "/proc/net/tcp";
	char line[512], want[64];
	unsigned int st;
	int found = -ENOENT;
	FILE *fp;

	fp = fopen(path, "r");
	if (!fp)
		return -errno;
	snprintf(want, sizeof(want), "0100007F:%04X 0100007F:%04X ",
		 lport, rport);
	while (fgets(line, sizeof(line), fp)) {
		char *p = strchr(line, ':');

		/* "  sl: local rem st ..." */
		if (!p || strncmp(p + 2, want, strlen(want)))
			continue;
		if (sscanf(p + 2 + strlen(want), "%x", &st) == 1) {
			found = st;
			break;
		}
	}
	fclose(fp);
	return found;
}

/* Polls the row's state until it is want or timeout_ms passes: the last. */
static inline int edu_wait_state(const struct edu_family *f, int lport,
				 int rport, int want, int timeout_ms)
{
	long end = edu_now_ms() + timeout_ms;
	int st;

	for (;;) {
		st = edu_proc_state(f, lport, rport);
		if (st == want || edu_now_ms() >= end)
			return st;
		edu_msleep(2);
	}
}

/*
 * SIGPIPE, blocked so that a test sees it pending instead of dying of it.
 * edu_take_sigpipe() says whether one is pending and consumes it.
 */
static inline int edu_block_sigpipe(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	return sigprocmask(SIG_BLOCK, &set, NULL) ? -errno : 0;
}

static inline int edu_take_sigpipe(void)
{
	struct timespec zero = { 0, 0 };
	sigset_t set;

	if (sigpending(&set) || !sigismember(&set, SIGPIPE))
		return 0;
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	return sigtimedwait(&set, NULL, &zero) == SIGPIPE;
}

/*
 * A thread that reads len bytes from fd (until end of stream), for tests
 * where one thread must write more than a socket buffer holds.
 */
#include <pthread.h>

struct edu_reader {
	int fd;
	unsigned char *buf;
	size_t len;
	ssize_t got;	/* edu_recv_all()'s result */
	pthread_t th;
};

static inline void *edu_reader_fn(void *arg)
{
	struct edu_reader *r = arg;

	r->got = edu_recv_all(r->fd, r->buf, r->len);
	return NULL;
}

/* Starts the reader; 0 or -errno.  edu_reader_join() must follow. */
static inline int edu_reader_start(struct edu_reader *r, int fd, size_t len)
{
	r->fd = fd;
	r->len = len;
	r->got = -EINPROGRESS;
	r->buf = malloc(len ? len : 1);
	if (!r->buf)
		return -ENOMEM;
	if (pthread_create(&r->th, NULL, edu_reader_fn, r)) {
		free(r->buf);
		r->buf = NULL;
		return -EAGAIN;
	}
	return 0;
}

/* Waits for the reader: its count (or -errno); r->buf is the caller's. */
static inline ssize_t edu_reader_join(struct edu_reader *r)
{
	pthread_join(r->th, NULL);
	return r->got;
}

/*
 * The helper programs' control signals, SIGUSR1 ("next step"), SIGTERM
 * and SIGINT, blocked in @mask from the start: one sent before the helper
 * waits for it is kept pending, not lost, and is then taken synchronously
 * (signalfd() or sigtimedwait() on @mask).
 */
static inline void edu_block_signals(sigset_t *mask)
{
	sigemptyset(mask);
	sigaddset(mask, SIGUSR1);
	sigaddset(mask, SIGTERM);
	sigaddset(mask, SIGINT);
	sigprocmask(SIG_BLOCK, mask, NULL);
}

#include <sys/signalfd.h>

/*
 * The control signals blocked as above and delivered through a descriptor
 * instead, for a helper that waits in poll(): its signalfd, or -1 with the
 * reason printed.
 */
static inline int edu_signal_fd(void)
{
	sigset_t mask;
	int sfd;

	edu_block_signals(&mask);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0)
		perror("signalfd");
	return sfd;
}

#include <sys/epoll.h>

/* An epoll instance watching @fd for @events: its descriptor, or -errno. */
static inline int edu_epoll_on(int fd, unsigned int events)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0)
		return -errno;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev)) {
		close(ep);
		return -errno;
	}
	return ep;
}

/* The events epoll_wait() reports for the one fd, 0 on timeout. */
static inline int edu_epoll_events(int ep, int timeout_ms)
{
	struct epoll_event ev[2];
	int n = epoll_wait(ep, ev, 2, timeout_ms);

	if (n < 0)
		return -errno;
	if (n > 1)
		return -E2BIG;
	return n ? (int)ev[0].events : 0;
}

#endif /* EDU_SELFTEST_H */
