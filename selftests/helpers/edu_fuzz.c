// SPDX-License-Identifier: GPL-2.0
/*
 * edu_fuzz - random system calls on a shared pool of AF_EDU sockets.
 *
 *	edu_fuzz [-s SEED] [-t SECS] [-j THREADS] [-p PORT] [-A NAME,...] [-v]
 *
 * THREADS threads (default 4) spend SECS seconds (default 60) picking a
 * socket of a shared pool at random and calling something on it: socket,
 * bind, listen, connect (blocking and not), accept/accept4, the send and
 * receive calls (sendfile and splice too) with random lengths and flags,
 * setsockopt/getsockopt at SOL_SOCKET, SOL_EDUTCP and IPPROTO_TCP with
 * random names, values and lengths, shutdown, close, the SIOCINQ,
 * SIOCOUTQ and FIONBIO ioctls, poll, epoll, dup, and fork() with a child
 * that touches a socket and exits.  Arguments are hostile: addresses of a
 * wrong family or length, port 0, INADDR_ANY, loopback ports that listen
 * (PORT, PORT+1, held open by the main thread) and ports that do not,
 * NULL, unmapped and kernel pointers, huge lengths.  A timer thread sends
 * SIGUSR1 (an empty handler, no SA_RESTART) to interrupt blocked calls.
 *
 * Nothing here waits forever: every pool socket has small SO_RCVTIMEO and
 * SO_SNDTIMEO, a blocking call is one of those or is interrupted by the
 * signal, and an alarm() set at start (SECS + 60 s) kills the process if
 * it still runs.  At the end every socket is closed.
 *
 * Before the random part, a fixed table of hostile calls runs on AF_INET
 * (the oracle) and AF_EDU sockets in the same state, and each errno must
 * be TCP's, or the one README documents; a difference is printed
 * ("errno-diff ...") and fails the run.
 *
 * The seed is printed first ("seed N"); -s SEED repeats a run's choices
 * (the interleaving of the threads is not repeatable, the choices are).
 * -A NAME,... avoids the named call patterns (none are defined yet: the
 * names are printed with -A help).
 * Exit status: 0, 1 errno difference or setup failure, 2 usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "../edu_selftest.h"

#define POOL		24
#define MAX_THREADS	16
#define BUF_LEN		(256 * 1024)
#define NPORTS		12	/* PORT .. PORT+NPORTS-1 */

static _Atomic int pool[POOL];
static atomic_bool stop, stop_ticks;
static atomic_ulong ncalls, nforks;
static int base_port = 7900;
static int lfd[2];		/* the listeners on base_port, base_port + 1 */
static int edu;			/* the AF_EDU number in use */
static void *bad_ptr;		/* an unmapped page */
static int file_fd;		/* a memfd with data, for sendfile() */
static bool verbose;

/* Call patterns -A can turn off, each guarding one known problem. */
static const char *const avoid_names[] = { NULL };
static bool avoid[1];

static void on_usr1(int sig)
{
	(void)sig;
}

/*
 * What each worker is calling now, for the watchdog's report: the call and
 * its arguments, written before the call.
 */
#define NOTE_LEN	160
static __thread char *note_buf;
#define NOTE(...)	snprintf(note_buf, NOTE_LEN, __VA_ARGS__)

/* splitmix64 per thread: reproducible choices for one thread's seed. */
struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	uint64_t z = (r->s += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static unsigned int rn(struct rng *r, unsigned int n)
{
	return (unsigned int)(rnd(r) % n);
}

/* A length: mostly small, sometimes around a boundary, sometimes huge. */
static size_t rlen(struct rng *r)
{
	switch (rn(r, 8)) {
	case 0:
		return 0;
	case 1:
		return 1 + rn(r, 16);
	case 2:
		return BUF_LEN;
	case 3:
		return (size_t)-1 >> rn(r, 40);
	default:
		return rn(r, 70000);
	}
}

/* A buffer pointer: the thread's buffer, or something hostile. */
static void *rptr(struct rng *r, void *good)
{
	switch (rn(r, 12)) {
	case 0:
		return NULL;
	case 1:
		return bad_ptr;
	case 2:
		return (void *)0xffffffff81000000UL;	/* the kernel's */
	default:
		return good;
	}
}

static int rflags(struct rng *r)
{
	static const int f[] = { 0, MSG_DONTWAIT, MSG_PEEK, MSG_OOB,
		MSG_WAITALL, MSG_TRUNC, MSG_NOSIGNAL, MSG_MORE, MSG_EOR,
		MSG_ERRQUEUE, MSG_CONFIRM, MSG_ZEROCOPY, MSG_FASTOPEN };
	int v = 0, n = rn(r, 3), i;

	if (rn(r, 16) == 0)
		return (int)rnd(r);
	for (i = 0; i < n; i++)
		v |= f[rn(r, sizeof(f) / sizeof(f[0]))];
	/* Keep blocking receives bounded: the socket timeouts do that too. */
	return v | (rn(r, 2) ? MSG_DONTWAIT : 0);
}

/* An address for bind/connect/sendto, and its length. */
static socklen_t raddr(struct rng *r, struct sockaddr_storage *ss)
{
	struct sockaddr_in *a = (struct sockaddr_in *)ss;
	socklen_t len = sizeof(*a);

	memset(ss, 0, sizeof(*ss));
	a->sin_family = edu;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	switch (rn(r, 10)) {
	case 0:
		a->sin_family = rn(r, 2) ? AF_INET : (sa_family_t)rnd(r);
		break;
	case 1:
		len = rn(r, sizeof(*a));		/* short */
		break;
	case 2:
		len = sizeof(*ss) + rn(r, 2) * 1000;	/* long */
		break;
	case 3:
		a->sin_addr.s_addr = htonl(INADDR_ANY);
		break;
	case 4:
		a->sin_family = AF_UNSPEC;
		break;
	case 5:
		a->sin_addr.s_addr = (in_addr_t)rnd(r);
		break;
	default:
		break;
	}
	a->sin_port = rn(r, 8) ? htons(base_port + rn(r, NPORTS)) : 0;
	return len;
}

static int pick(struct rng *r)
{
	return atomic_load(&pool[rn(r, POOL)]);
}

static void set_timeouts(int fd)
{
	struct timeval tv = { .tv_usec = 50000 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* Put fd in a random slot, closing what was there. */
static void put(struct rng *r, int fd)
{
	int old;

	if (fd < 0)
		return;
	set_timeouts(fd);
	old = atomic_exchange(&pool[rn(r, POOL)], fd);
	if (old >= 0)
		close(old);
}

static void do_sockopt(struct rng *r, int fd, char *buf)
{
	static const int levels[] = { SOL_SOCKET, SOL_EDUTCP, IPPROTO_TCP,
		IPPROTO_IP, 0 };
	int level = levels[rn(r, 5)];
	int name = rn(r, 8) ? (int)rn(r, 80) : (int)rnd(r);
	socklen_t len;
	void *p = rptr(r, buf);

	/*
	 * SO_RCVTIMEO/SO_SNDTIMEO stay small and close() never lingers: the
	 * run must end by itself.
	 */
	if (level == SOL_SOCKET &&
	    (name == SO_RCVTIMEO_OLD || name == SO_SNDTIMEO_OLD ||
	     name == SO_RCVTIMEO_NEW || name == SO_SNDTIMEO_NEW ||
	     name == SO_LINGER))
		name = SO_KEEPALIVE;
	if (rn(r, 2)) {
		uint32_t v = rn(r, 3) ? rn(r, 4) : (uint32_t)rnd(r);

		len = rn(r, 4) ? rn(r, 9) : (socklen_t)rlen(r);
		if (p == buf)
			memcpy(buf, &v, sizeof(v));
		NOTE("setsockopt(%d, %d, %d, %p [%u], %u)", fd, level, name,
		     p, v, len);
		setsockopt(fd, level, name, p, len);
	} else {
		socklen_t *lp = rn(r, 10) ? &len : (socklen_t *)rptr(r, &len);

		len = rn(r, 4) ? rn(r, 200) : (socklen_t)rnd(r);
		NOTE("getsockopt(%d, %d, %d, %p, %p [%u])", fd, level, name,
		     p, lp, len);
		getsockopt(fd, level, name, p, lp);
	}
}

static void do_io(struct rng *r, int fd, char *buf, int pipefd[2])
{
	struct sockaddr_storage ss;
	struct iovec iov[3];
	struct msghdr m;
	socklen_t alen;
	off_t off;
	size_t len = rlen(r);

	if (len > BUF_LEN && rn(r, 2))
		len = BUF_LEN;
	memset(&m, 0, sizeof(m));
	iov[0].iov_base = rptr(r, buf);
	iov[0].iov_len = len < BUF_LEN ? len : BUF_LEN;
	iov[1].iov_base = rptr(r, buf);
	iov[1].iov_len = rn(r, 100);
	iov[2].iov_base = buf;
	iov[2].iov_len = rn(r, 2) ? 0 : 7;
	m.msg_iov = rn(r, 16) ? iov : (struct iovec *)rptr(r, iov);
	m.msg_iovlen = rn(r, 16) ? 1 + rn(r, 3) : rnd(r);
	if (rn(r, 4) == 0) {
		m.msg_name = &ss;
		m.msg_namelen = raddr(r, &ss);
	}
	if (rn(r, 8) == 0) {
		m.msg_control = rptr(r, buf + 1024);
		m.msg_controllen = rn(r, 64);
	}

	NOTE("io(%d) len %zu", fd, len);
	switch (rn(r, 10)) {
	case 0:
		send(fd, rptr(r, buf), len, rflags(r));
		break;
	case 1:
		recv(fd, rptr(r, buf), len, rflags(r));
		break;
	case 2:
		sendmsg(fd, &m, rflags(r));
		break;
	case 3:
		recvmsg(fd, &m, rflags(r));
		break;
	case 4:
		alen = raddr(r, &ss);
		sendto(fd, rptr(r, buf), len, rflags(r),
		       rn(r, 2) ? (struct sockaddr *)&ss : rptr(r, &ss), alen);
		break;
	case 5:
		alen = rn(r, 4) ? sizeof(ss) : rn(r, 3);
		recvfrom(fd, rptr(r, buf), len, rflags(r),
			 (struct sockaddr *)&ss,
			 rn(r, 4) ? &alen : (socklen_t *)rptr(r, &alen));
		break;
	case 6:
		off = rn(r, 5000);
		sendfile(fd, file_fd, rn(r, 8) ? &off : rptr(r, &off), len);
		break;
	case 7:
		/* socket -> pipe, pipe -> socket; the pipe is nonblocking */
		splice(fd, NULL, pipefd[1], NULL, len,
		       SPLICE_F_NONBLOCK | (rn(r, 2) ? SPLICE_F_MORE : 0));
		break;
	case 8:
		splice(pipefd[0], NULL, fd, NULL, len, SPLICE_F_NONBLOCK);
		break;
	default:
		if (write(fd, buf, len < 4096 ? len : 4096) < 0 &&
		    read(fd, buf, 4096) < 0)
			break;
		break;
	}
	/* Drain the pipe so splice() keeps finding room. */
	while (read(pipefd[0], buf, BUF_LEN) > 0)
		;
}

static void do_poll(struct rng *r, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP |
				  (rn(r, 2) ? EPOLLET : 0) };
	struct pollfd p = { .fd = fd, .events = (short)rnd(r) };
	int ep;

	if (rn(r, 2)) {
		poll(&p, 1, rn(r, 30));
		return;
	}
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		return;
	if (!epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev)) {
		epoll_wait(ep, &ev, 1, rn(r, 30));
		if (rn(r, 2))
			epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
	}
	close(ep);
}

/* A child holding every socket of the pool: it touches one and exits. */
static void do_fork(struct rng *r, int fd)
{
	pid_t pid;
	int st;

	atomic_fetch_add(&nforks, 1);
	pid = fork();
	if (pid < 0)
		return;
	if (pid == 0) {
		switch (rn(r, 4)) {
		case 0:
			shutdown(fd, SHUT_RDWR);
			break;
		case 1:
			send(fd, "x", 1, MSG_DONTWAIT | MSG_NOSIGNAL);
			break;
		case 2:
			close(fd);
			break;
		default:
			break;
		}
		_exit(0);
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
}

static void one_call(struct rng *r, char *buf, int pipefd[2])
{
	struct sockaddr_storage ss;
	socklen_t alen = sizeof(ss);
	int fd = pick(r), nfd, v, slot;

	switch (rn(r, 20)) {
	case 0:
	case 1:
		NOTE("socket()");
		nfd = socket(edu, SOCK_STREAM | (rn(r, 2) ? SOCK_NONBLOCK : 0) |
			     (rn(r, 8) ? 0 : SOCK_CLOEXEC),
			     rn(r, 4) ? 0 : IPPROTO_EDUTCP);
		put(r, nfd);
		break;
	case 2:
		alen = raddr(r, &ss);
		NOTE("bind(%d, fam %u port %u addr %08x, %u)", fd,
		     ((struct sockaddr_in *)&ss)->sin_family,
		     ntohs(((struct sockaddr_in *)&ss)->sin_port),
		     ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr), alen);
		bind(fd, rn(r, 10) ? (struct sockaddr *)&ss : rptr(r, &ss),
		     alen);
		break;
	case 3:
		NOTE("listen(%d)", fd);
		listen(fd, rn(r, 4) ? (int)rn(r, 8) : (int)rnd(r));
		break;
	case 4:
	case 5:
		/* Blocking or not: SO_SNDTIMEO and SIGUSR1 bound it. */
		alen = raddr(r, &ss);
		NOTE("connect(%d, fam %u port %u addr %08x, %u) %s", fd,
		     ((struct sockaddr_in *)&ss)->sin_family,
		     ntohs(((struct sockaddr_in *)&ss)->sin_port),
		     ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr), alen,
		     fcntl(fd, F_GETFL) & O_NONBLOCK ? "nonblocking" :
		     "blocking");
		connect(fd, rn(r, 10) ? (struct sockaddr *)&ss : rptr(r, &ss),
			alen);
		break;
	case 6:
		alen = rn(r, 4) ? sizeof(ss) : rn(r, 3);
		NOTE("accept(%d)", fd);
		if (rn(r, 2))
			nfd = accept(fd, rn(r, 2) ? (struct sockaddr *)&ss :
				     rptr(r, &ss), rn(r, 6) ? &alen :
				     (socklen_t *)rptr(r, &alen));
		else
			nfd = accept4(fd, (struct sockaddr *)&ss, &alen,
				      (rn(r, 2) ? SOCK_NONBLOCK : 0) |
				      (rn(r, 8) ? SOCK_CLOEXEC : (int)rnd(r)));
		put(r, nfd);
		break;
	case 7:
	case 8:
	case 9:
	case 10:
		do_io(r, fd, buf, pipefd);
		break;
	case 11:
	case 12:
		do_sockopt(r, fd, buf);
		break;
	case 13:
		NOTE("shutdown(%d)", fd);
		shutdown(fd, rn(r, 8) ? (int)rn(r, 3) : (int)rnd(r));
		break;
	case 14:
		slot = rn(r, POOL);
		fd = atomic_exchange(&pool[slot], -1);
		NOTE("close(%d)", fd);
		if (fd >= 0)
			close(fd);
		break;
	case 15:
		NOTE("ioctl(%d)", fd);
		switch (rn(r, 4)) {
		case 0:
			ioctl(fd, SIOCINQ, rptr(r, &v));
			break;
		case 1:
			ioctl(fd, SIOCOUTQ, rptr(r, &v));
			break;
		case 2:
			v = rn(r, 2);
			ioctl(fd, FIONBIO, rptr(r, &v));
			break;
		default:
			ioctl(fd, (unsigned long)rnd(r) & 0xffff, rptr(r, &v));
			break;
		}
		break;
	case 16:
	case 17:
		NOTE("poll(%d)", fd);
		do_poll(r, fd);
		break;
	case 18:
		NOTE("dup(%d)", fd);
		nfd = dup(fd);
		put(r, nfd);
		break;
	default:
		NOTE("fork/getsockname(%d)", fd);
		if (rn(r, 8) == 0)
			do_fork(r, fd);
		else
			getsockname(fd, (struct sockaddr *)&ss, &alen);
		break;
	}
	atomic_fetch_add(&ncalls, 1);
}

struct worker {
	pthread_t	tid;
	pid_t		ktid;
	uint64_t	seed;
	char		note[NOTE_LEN];
};

static void *work(void *arg)
{
	struct worker *w = arg;
	struct rng r = { .s = w->seed };
	int pipefd[2];
	char *buf;

	note_buf = w->note;
	w->ktid = gettid();
	buf = malloc(BUF_LEN);
	if (!buf || pipe2(pipefd, O_NONBLOCK | O_CLOEXEC))
		return NULL;
	memset(buf, 'e', BUF_LEN);
	while (!atomic_load(&stop))
		one_call(&r, buf, pipefd);
	close(pipefd[0]);
	close(pipefd[1]);
	free(buf);
	return NULL;
}

/* Interrupts blocked calls: a SIGUSR1 to a random worker every few ms. */
struct ticker {
	struct worker	*w;
	int		n;
	uint64_t	seed;
};

static void *tick(void *arg)
{
	struct ticker *t = arg;
	struct rng r = { .s = t->seed };

	while (!atomic_load(&stop_ticks)) {
		edu_msleep(1 + rn(&r, 20));
		pthread_kill(t->w[rn(&r, t->n)].tid, SIGUSR1);
	}
	return NULL;
}

/*
 * The watchdog: when the workers have not all ended WATCH_GRACE seconds
 * after the end, print what each one is in (its last call, its kernel
 * stack) and abort.  alarm() is the last resort if this hangs too.
 */
#define WATCH_GRACE	20

struct watch {
	struct worker	*w;
	int		n;
	int		secs;
	atomic_bool	done;
};

static void print_file(const char *path)
{
	char b[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return;
	while ((n = read(fd, b, sizeof(b))) > 0)
		fwrite(b, 1, n, stdout);
	close(fd);
}

static void *watch(void *arg)
{
	struct watch *wt = arg;
	char path[64];
	long t;
	int i;

	for (t = 0; t < (wt->secs + WATCH_GRACE) * 10L; t++) {
		if (atomic_load(&wt->done))
			return NULL;
		edu_msleep(100);
	}
	printf("hang: the workers did not end %d s after the end\n",
	       WATCH_GRACE);
	for (i = 0; i < wt->n; i++) {
		printf("worker %d (tid %d) in: %s\n", i, wt->w[i].ktid,
		       wt->w[i].note);
		snprintf(path, sizeof(path), "/proc/self/task/%d/stack",
			 wt->w[i].ktid);
		print_file(path);
	}
	fflush(stdout);
	abort();
}

/* ---- the errno oracle --------------------------------------------------- */

enum state { S_NEW, S_LISTEN, S_CONNECTED };
static const char *const state_name[] = { "new", "listening", "connected" };

/*
 * A socket of the family (AF_INET or AF_EDU) in state st, on loopback
 * port port; -1 on failure.  A listener is nonblocking and has one
 * connection waiting (its client in *peer), so that accept() gets as far
 * as writing the address; a connected socket has its peer in *peer and
 * the listener in *lsn.
 */
static int make_state(int fam, enum state st, int port, int *peer, int *lsn)
{
	struct edu_family f = { .edu = fam != AF_INET };
	int fd, c;

	*peer = -1;
	*lsn = -1;
	if (st == S_NEW)
		return edu_socket(&f, 0);
	fd = edu_listener(&f, SOCK_NONBLOCK, "127.0.0.1", port, 4);
	if (fd < 0)
		return fd;
	c = edu_connected(&f, "127.0.0.1", port);
	if (c < 0) {
		close(fd);
		return -1;
	}
	if (st == S_LISTEN) {
		/* the connection is queued once the listener is readable */
		if (edu_poll(fd, POLLIN, EDU_HANDSHAKE_MS) <= 0) {
			close(c);
			close(fd);
			return -1;
		}
		*peer = c;
		return fd;
	}
	*lsn = fd;
	*peer = edu_accept_wait(fd, EDU_HANDSHAKE_MS * 2);
	if (*peer < 0) {
		close(c);
		close(fd);
		return -1;
	}
	edu_set_nonblock(c, 1);
	return c;
}

/* One hostile call; returns 0 or the errno. */
static int oracle_call(int k, int fd, int fam, int port)
{
	struct sockaddr_in a = { .sin_family = fam,
				 .sin_port = htons(port + 50),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int v = 1, r;
	char b[64];

	switch (k) {
	case 0:	r = bind(fd, NULL, sizeof(a)); break;
	case 1:	r = bind(fd, bad_ptr, sizeof(a)); break;
	case 2:	r = bind(fd, (struct sockaddr *)&a, sizeof(a) - 1); break;
	case 3:	a.sin_family = AF_UNIX;
		r = bind(fd, (struct sockaddr *)&a, sizeof(a)); break;
	case 4:	r = connect(fd, NULL, sizeof(a)); break;
	case 5:	r = connect(fd, bad_ptr, sizeof(a)); break;
	case 6:	r = connect(fd, (struct sockaddr *)&a, 1); break;
	case 7:	r = send(fd, NULL, 10, MSG_DONTWAIT); break;
	case 8:	r = send(fd, bad_ptr, 10, MSG_DONTWAIT); break;
	case 9:	r = recv(fd, bad_ptr, 10, MSG_DONTWAIT); break;
	case 10: r = recv(fd, b, sizeof(b), MSG_DONTWAIT | MSG_OOB); break;
	case 11: r = getsockopt(fd, SOL_SOCKET, SO_ERROR, bad_ptr, &len); break;
	case 12: r = getsockopt(fd, SOL_SOCKET, SO_ERROR, b,
				(socklen_t *)bad_ptr); break;
	case 13: r = setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, bad_ptr,
				sizeof(int)); break;
	case 14: r = setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &v, 1); break;
	case 15: r = ioctl(fd, SIOCINQ, bad_ptr); break;
	case 16: r = ioctl(fd, SIOCOUTQ, NULL); break;
	case 17: r = getsockname(fd, bad_ptr, &len); break;
	case 18: r = getpeername(fd, (struct sockaddr *)b, &len); break;
	case 19: r = accept(fd, bad_ptr, &len); break;
	case 20: r = accept(fd, (struct sockaddr *)b,
			    (socklen_t *)bad_ptr); break;
	case 21: r = shutdown(fd, 7); break;
	case 22: r = listen(fd, -1); break;
	case 23: r = sendto(fd, b, 1, MSG_DONTWAIT, bad_ptr, sizeof(a)); break;
	case 24: r = recv(fd, b, sizeof(b),
			  MSG_DONTWAIT | MSG_OOB | MSG_ERRQUEUE); break;
	case 25: r = send(fd, b, 1, MSG_DONTWAIT | MSG_OOB); break;
	default: return -1;
	}
	if (r >= 0) {
		if (k == 19 || k == 20)
			close(r);
		return 0;
	}
	return errno;
}

#define ORACLE_CALLS	26

static const char *const oracle_desc[ORACLE_CALLS] = {
	"bind(NULL)", "bind(unmapped)", "bind(len-1)", "bind(AF_UNIX)",
	"connect(NULL)", "connect(unmapped)", "connect(len 1)",
	"send(NULL,10)", "send(unmapped,10)", "recv(unmapped,10)",
	"recv(MSG_OOB)", "getsockopt(SO_ERROR,unmapped val)",
	"getsockopt(SO_ERROR,unmapped len)", "setsockopt(SO_KEEPALIVE,unmapped)",
	"setsockopt(SO_KEEPALIVE,len 1)", "ioctl(SIOCINQ,unmapped)",
	"ioctl(SIOCOUTQ,NULL)", "getsockname(unmapped)", "getpeername",
	"accept(unmapped addr)", "accept(unmapped len)", "shutdown(7)",
	"listen(-1)", "sendto(unmapped addr)", "recv(MSG_OOB|MSG_ERRQUEUE)",
	"send(MSG_OOB)",
};

/*
 * The documented differences (README, "Differences from TCP"): the errno
 * EDUTCP gives instead of TCP's, by call; 0 where it must be TCP's.
 */
static int edu_documented(int k)
{
	return k == 25 ? EOPNOTSUPP : 0;	/* no urgent data */
}

static int oracle(void)
{
	int st, k, diffs = 0, port = base_port + 20;

	for (st = S_NEW; st <= S_CONNECTED; st++) {
		for (k = 0; k < ORACLE_CALLS; k++) {
			int e[2], fam, i, fd, peer, lsn;

			for (i = 0; i < 2; i++) {
				fam = i ? edu : AF_INET;
				errno = 0;
				fd = make_state(fam, st, port, &peer, &lsn);
				if (fd < 0) {
					printf("error: no %s socket in state %s on port %d: %s\n",
					       i ? "AF_EDU" : "AF_INET",
					       state_name[st], port,
					       strerrorname_np(fd < -1 ? -fd :
							       errno) ?: "?");
					return -1;
				}
				e[i] = oracle_call(k, fd, fam, port);
				close(fd);
				if (peer >= 0)
					close(peer);
				if (lsn >= 0)
					close(lsn);
			}
			port++;
			if (edu_documented(k))
				e[0] = edu_documented(k);
			if (e[0] == e[1])
				continue;
			printf("errno-diff %s on a %s socket: want %s, edu %s\n",
			       oracle_desc[k], state_name[st],
			       e[0] ? strerrorname_np(e[0]) : "0",
			       e[1] ? strerrorname_np(e[1]) : "0");
			diffs++;
		}
	}
	return diffs;
}

/* ---- main ------------------------------------------------------------------ */

static int parse_avoid(char *s)
{
	char *tok, *save;
	int i;

	for (tok = strtok_r(s, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; avoid_names[i]; i++)
			if (!strcmp(tok, avoid_names[i]))
				break;
		if (!avoid_names[i]) {
			fprintf(stderr, "edu_fuzz: -A: known names:");
			for (i = 0; avoid_names[i]; i++)
				fprintf(stderr, " %s", avoid_names[i]);
			fprintf(stderr, "\n");
			return -1;
		}
		avoid[i] = true;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_usr1 };	/* no restart */
	struct worker w[MAX_THREADS];
	struct ticker tk;
	struct watch wt;
	pthread_t ticker_tid, watch_tid;
	struct edu_family f = { .edu = 1 };
	uint64_t seed = 0;
	bool seeded = false;
	int secs = 60, nthreads = 4, c, i, diffs, left = 0;
	char data[8192];

	while ((c = getopt(argc, argv, "s:t:j:p:A:v")) != -1) {
		switch (c) {
		case 's':
			seed = strtoull(optarg, NULL, 0);
			seeded = true;
			break;
		case 't':
			secs = atoi(optarg);
			break;
		case 'j':
			nthreads = atoi(optarg);
			break;
		case 'p':
			base_port = atoi(optarg);
			break;
		case 'A':
			if (parse_avoid(optarg))
				return 2;
			break;
		case 'v':
			verbose = true;
			break;
		default:
			fprintf(stderr, "usage: edu_fuzz [-s SEED] [-t SECS] [-j THREADS] [-p PORT] [-A NAME,...] [-v]\n");
			return 2;
		}
	}
	if (secs < 1 || nthreads < 1 || nthreads > MAX_THREADS ||
	    base_port < 1024 || base_port > 65000)
		return 2;
	if (!seeded && getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("seed %llu\n", (unsigned long long)seed);

	/* The watchdog: SIGALRM's default action ends a run that hangs. */
	alarm(secs + 2 * WATCH_GRACE + 60);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	edu = edu_af();

	bad_ptr = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	if (bad_ptr == MAP_FAILED || munmap(bad_ptr, 4096))
		return 1;
	file_fd = memfd_create("edu_fuzz", MFD_CLOEXEC);
	memset(data, 'f', sizeof(data));
	if (file_fd < 0 || write(file_fd, data, sizeof(data)) < 0)
		return 1;

	diffs = oracle();
	if (diffs < 0)
		return 1;
	printf("oracle: %d errno difference(s) from TCP\n", diffs);

	for (i = 0; i < 2; i++) {
		lfd[i] = edu_listener(&f, SOCK_NONBLOCK, "127.0.0.1",
				      base_port + i, 8);
		if (lfd[i] < 0) {
			printf("error listen: %s\n", strerror(-lfd[i]));
			return 1;
		}
	}
	for (i = 0; i < POOL; i++)
		atomic_store(&pool[i], -1);

	for (i = 0; i < nthreads; i++) {
		w[i].seed = seed + 0x1000193ULL * (i + 1);
		if (pthread_create(&w[i].tid, NULL, work, &w[i]))
			return 1;
	}
	tk = (struct ticker){ .w = w, .n = nthreads, .seed = seed ^ 0x5eed };
	if (pthread_create(&ticker_tid, NULL, tick, &tk))
		return 1;
	wt = (struct watch){ .w = w, .n = nthreads, .secs = secs };
	if (pthread_create(&watch_tid, NULL, watch, &wt))
		return 1;

	edu_msleep(secs * 1000L);
	atomic_store(&stop, true);
	for (i = 0; i < nthreads; i++)
		pthread_join(w[i].tid, NULL);
	atomic_store(&stop_ticks, true);
	pthread_join(ticker_tid, NULL);
	atomic_store(&wt.done, true);
	pthread_join(watch_tid, NULL);

	for (i = 0; i < POOL; i++) {
		int fd = atomic_exchange(&pool[i], -1);

		if (fd >= 0) {
			close(fd);
			left++;
		}
	}
	close(lfd[0]);
	close(lfd[1]);
	printf("calls %lu forks %lu, closed %d pooled sockets at the end\n",
	       (unsigned long)atomic_load(&ncalls),
	       (unsigned long)atomic_load(&nforks), left);
	if (verbose)
		printf("avoided: %s\n", avoid[0] ? "yes" : "none");
	return diffs ? 1 : 0;
}
