// SPDX-License-Identifier: GPL-2.0
/*
 * estab_accept - accept(2) on AF_EDU behaves as on AF_INET/TCP: its errors
 * (EINVAL, EAGAIN, EINTR, SO_RCVTIMEO), the addresses and flags of the new
 * socket, one waiter woken per connection, shutdown() waking waiters,
 * close() resetting what was never accepted, and several processes
 * sharing one listener without losing or doubling a connection.
 *
 * Blocking calls are bounded: either SO_RCVTIMEO is set, or a helper
 * thread releases the waiter with a connection after a deadline, so a
 * family that never wakes its waiters fails a test instead of hanging it.
 * The kernel's TCP (variant "tcp") is the oracle.  Ports 8000-8999.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "edu_selftest.h"
#include "kselftest_harness.h"

#define PORT(n)		(8000 + (n))

FIXTURE(accept) {
	struct edu_fds fds;
};

FIXTURE_VARIANT(accept) {
	struct edu_family f;
};

EDU_FAMILY_VARIANTS(accept);

FIXTURE_SETUP(accept)
{
}

FIXTURE_TEARDOWN(accept)
{
	edu_close_all(&self->fds);
}

#define KEEP(fd)	edu_keep(&self->fds, (fd))

static pid_t gettid_(void)
{
	return syscall(SYS_gettid);
}

/* accept() into a, with its length checked; the fd or -errno. */
static int accept_addr(int lfd, struct sockaddr_in *a, socklen_t *len)
{
	int fd;

	memset(a, 0xa5, sizeof(*a));
	*len = sizeof(*a);
	fd = accept(lfd, (struct sockaddr *)a, len);
	return fd < 0 ? -errno : fd;
}

TEST_F(accept, not_listening)
{
	int fd = KEEP(edu_socket(&variant->f, 0));
	int nb = KEEP(edu_socket(&variant->f, SOCK_NONBLOCK));
	int lfd, cfd;

	ASSERT_LE(0, fd);
	ASSERT_LE(0, nb);
	/* The state is checked before anything could block. */
	EXPECT_EQ(-EINVAL, accept(fd, NULL, NULL) ? -errno : 0);
	EXPECT_EQ(-EINVAL, accept(nb, NULL, NULL) ? -errno : 0);
	ASSERT_EQ(0, edu_bind(&variant->f, fd, "127.0.0.1", PORT(0)));
	EXPECT_EQ(-EINVAL, accept(fd, NULL, NULL) ? -errno : 0);

	lfd = KEEP(edu_listener(&variant->f, SOCK_NONBLOCK, "127.0.0.1",
				PORT(1), 4));
	ASSERT_LE(0, lfd);
	cfd = KEEP(edu_connected(&variant->f, "127.0.0.1", PORT(1)));
	ASSERT_LE(0, cfd);
	EXPECT_EQ(-EINVAL, accept(cfd, NULL, NULL) ? -errno : 0);
}

TEST_F(accept, nonblocking_empty)
{
	int lfd = KEEP(edu_listener(&variant->f, SOCK_NONBLOCK, "127.0.0.1",
				    PORT(2), 4));

	ASSERT_LE(0, lfd);
	EXPECT_EQ(-EAGAIN, accept(lfd, NULL, NULL) ? -errno : 0);
	EXPECT_EQ(-EAGAIN, accept4(lfd, NULL, NULL, SOCK_CLOEXEC) ? -errno : 0);
}

TEST_F(accept, rcvtimeo)
{
	int lfd = KEEP(edu_listener(&variant->f, 0, "127.0.0.1", PORT(3), 4));
	long t0, dt;

	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, edu_set_timeo(lfd, SO_RCVTIMEO, 200));
	t0 = edu_now_ms();
	EXPECT_EQ(-EAGAIN, accept(lfd, NULL, NULL) ? -errno : 0);
	dt = edu_now_ms() - t0;
	EXPECT_LE(150, dt);
	EXPECT_GE(1000, dt);
}

/*
 * The helper thread for the signal tests: waits until the accepting thread
 * sleeps, signals it, optionally connects a client later, and in any case
 * releases it with a client after a deadline so nothing hangs.
 */
struct signaller {
	const struct edu_family *f;
	pthread_t target;
	pid_t target_tid;
	unsigned short port;
	int connect_after_ms;	/* < 0: only as a last resort */
	volatile int accept_done;
	int client;
};

static volatile sig_atomic_t handled;

static void on_signal(int sig)
{
	handled++;
}

static void *signaller_fn(void *arg)
{
	struct signaller *s = arg;
	long end;

	edu_msleep(100);
	edu_wait_sleeping(s->target_tid, 2000);
	pthread_kill(s->target, SIGUSR1);
	end = edu_now_ms() + (s->connect_after_ms >= 0 ?
			      s->connect_after_ms : 2000);
	while (!s->accept_done && edu_now_ms() < end)
		edu_msleep(10);
	if (!s->accept_done)
		s->client = edu_connect_start(s->f, "127.0.0.1", s->port);
	return NULL;
}

static int set_handler(int flags)
{
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = flags };

	handled = 0;
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGUSR1, &sa, NULL) ? -errno : 0;
}

/* Without SA_RESTART, a signal ends a blocking accept() with EINTR. */
TEST_F(accept, signal_eintr)
{
	struct signaller s = { .f = &variant->f, .port = PORT(4),
			       .connect_after_ms = -1, .client = -1 };
	pthread_t th;
	int lfd, r;
	long t0;

	lfd = KEEP(edu_listener(&variant->f, 0, "127.0.0.1", PORT(4), 4));
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, set_handler(0));
	s.target = pthread_self();
	s.target_tid = gettid_();
	ASSERT_EQ(0, pthread_create(&th, NULL, signaller_fn, &s));
	t0 = edu_now_ms();
	r = KEEP(accept(lfd, NULL, NULL));
	r = r < 0 ? -errno : r;
	s.accept_done = 1;
	pthread_join(th, NULL);
	KEEP(s.client);
	EXPECT_EQ(-EINTR, r);
	EXPECT_EQ(1, handled);
	EXPECT_GE(2000, edu_now_ms() - t0);
}

/*
 * With SA_RESTART the same accept() is restarted after the handler and
 * returns the connection that comes later.
 */
TEST_F(accept, signal_restart)
{
	struct signaller s = { .f = &variant->f, .port = PORT(5),
			       .connect_after_ms = 300, .client = -1 };
	pthread_t th;
	int lfd, r;

	lfd = KEEP(edu_listener(&variant->f, 0, "127.0.0.1", PORT(5), 4));
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, set_handler(SA_RESTART));
	s.target = pthread_self();
	s.target_tid = gettid_();
	ASSERT_EQ(0, pthread_create(&th, NULL, signaller_fn, &s));
	r = KEEP(accept(lfd, NULL, NULL));
	r = r < 0 ? -errno : r;
	s.accept_done = 1;
	pthread_join(th, NULL);
	KEEP(s.client);
	EXPECT_LE(0, r);
	EXPECT_EQ(1, handled);
	EXPECT_LE(0, s.client);
}

TEST_F(accept, peer_address)
{
	struct sockaddr_in a, c;
	socklen_t len;
	int lfd, cfd, afd;

	lfd = KEEP(edu_listener(&variant->f, SOCK_NONBLOCK, "127.0.0.1",
				PORT(6), 4));
	ASSERT_LE(0, lfd);
	cfd = KEEP(edu_connected(&variant->f, "127.0.0.1", PORT(6)));
	ASSERT_LE(0, cfd);
	ASSERT_EQ(0, edu_name(cfd, 0, &c));
	ASSERT_EQ(POLLIN, edu_poll(lfd, POLLIN, EDU_HANDSHAKE_MS));
	afd = KEEP(accept_addr(lfd, &a, &len));
	ASSERT_LE(0, afd);
	EXPECT_EQ(sizeof(a), len);
	EXPECT_EQ(fam_af(&variant->f), a.sin_family);
	EXPECT_EQ(htonl(INADDR_LOOPBACK), a.sin_addr.s_addr);
	EXPECT_EQ(c.sin_port, a.sin_port);
	EXPECT_EQ(0, memcmp(&a, &c, sizeof(a)));
	/* getpeername() on the new socket says the same. */
	ASSERT_EQ(0, edu_name(afd, 1, &a));
	EXPECT_EQ(0, memcmp(&a, &c, sizeof(a)));
}

/* A short buffer gets a truncated address and the full length. */
TEST_F(accept, peer_address_truncated)
{
	struct sockaddr_storage ss;
	struct sockaddr_in c;
	socklen_t len;
	int lfd, cfd, afd;

	lfd = KEEP(edu_listener(&variant->f, SOCK_NONBLOCK, "127.0.0.1",
				PORT(7), 4));
	ASSERT_LE(0, lfd);
	cfd = KEEP(edu_connected(&variant->f, "127.0.0.1", PORT(7)));
	ASSERT_LE(0, cfd);
	ASSERT_EQ(0, edu_name(cfd, 0, &c));
	cfd = KEEP(edu_connected(&variant->f, "127.0.0.1", PORT(7)));
	ASSERT_LE(0, cfd);
	ASSERT_EQ(POLLIN, edu_poll(lfd, POLLIN, EDU_HANDSHAKE_MS));

	memset(&ss, 0xa5, sizeof(ss));
	len = 4;
	afd = KEEP(accept(lfd, (struct sockaddr *)&ss, &len));
	ASSERT_LE(0, afd);
	EXPECT_EQ(sizeof(struct sockaddr_in), len);
	EXPECT_EQ(0, memcmp(&ss, &c, 4));
	EXPECT_EQ(0xa5, ((unsigned char *)&ss)[4]);

	/* A longer one gets sizeof(struct sockaddr_in). */
	len = sizeof(ss);
	afd = KEEP(accept(lfd, (struct sockaddr *)&ss, &len));
	ASSERT_LE(0, afd);
	EXPECT_EQ(sizeof(struct sockaddr_in), len);
}

/* accept4() flags apply to the new fd; nothing is inherited otherwise. */
TEST_F(accept, accept4_flags)
{
	int lfd, afd, bfd;

	lfd = KEEP(edu_listener(&variant->f, SOCK_NONBLOCK, "127.0.0.1",
				PORT(8), 4));
	ASSERT_LE(0, lfd);
	ASSERT_LE(0, KEEP(edu_connected(&variant->f, "127.0.0.1", PORT(8))));
	ASSERT_LE(0, KEEP(edu_connected(&variant->f, "127.0.0.1", PORT(8))));
	ASSERT_EQ(POLLIN, edu_poll(lfd, POLLIN, EDU_HANDSHAKE_MS));
	EXPECT_EQ(-EINVAL, accept4(lfd, NULL, NULL, 1) ? -errno : 0);

	afd = KEEP(accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC));
	ASSERT_LE(0, afd);
	EXPECT_TRUE(fcntl(afd, F_GETFL) & O_NONBLOCK);
	EXPECT_TRUE(fcntl(afd, F_GETFD) & FD_CLOEXEC);

	/* The listener is nonblocking, yet the new socket is not. */
	bfd = KEEP(accept(lfd, NULL, NULL));
	ASSERT_LE(0, bfd);
	EXPECT_FALSE(fcntl(bfd, F_GETFL) & O_NONBLOCK);
	EXPECT_FALSE(fcntl(bfd, F_GETFD) & FD_CLOEXEC);
}

TEST_F(accept, accepted_socket)
{
	struct sockaddr_in a;
	int lfd, afd;

	lfd = KEEP(edu_listener(&variant->f, SOCK_NONBLOCK, "127.0.0.1",
				PORT(9), 4));
	ASSERT_LE(0, lfd);
	ASSERT_LE(0, KEEP(edu_connected(&variant->f, "127.0.0.1", PORT(9))));
	afd = KEEP(edu_accept_wait(lfd, EDU_HANDSHAKE_MS));
	ASSERT_LE(0, afd);
	EXPECT_EQ(0, edu_getint(afd, SOL_SOCKET, SO_ACCEPTCONN));
	EXPECT_EQ(fam_af(&variant->f), edu_getint(afd, SOL_SOCKET, SO_DOMAIN));
	EXPECT_EQ(SOCK_STREAM, edu_getint(afd, SOL_SOCKET, SO_TYPE));
	EXPECT_EQ(fam_proto(&variant->f),
		  edu_getint(afd, SOL_SOCKET, SO_PROTOCOL));
	EXPECT_EQ(0, edu_so_error(afd));
	ASSERT_EQ(0, edu_name(afd, 0, &a));
	EXPECT_EQ(fam_af(&variant->f), a.sin_family);
	EXPECT_EQ(htonl(INADDR_LOOPBACK), a.sin_addr.s_addr);
	EXPECT_EQ(htons(PORT(9)), a.sin_port);
	EXPECT_EQ(POLLOUT | POLLWRNORM, edu_poll(afd, EDU_POLL_ALL, 0));
	/* The new socket is connected: it cannot accept or listen. */
	EXPECT_EQ(-EINVAL, accept(afd, NULL, NULL) ? -errno : 0);
	EXPECT_EQ(-EINVAL, listen(afd, 1) ? -errno : 0);
}

/* A wildcard listener's child has the address the client used. */
TEST_F(accept, accepted_socket_wildcard)
{
	struct sockaddr_in a;
	int lfd, afd;

	lfd = KEEP(edu_listener(&variant->f, SOCK_NONBLOCK, "0.0.0.0",
				PORT(10), 4));
	ASSERT_LE(0, lfd);
	ASSERT_LE(0, KEEP(edu_connected(&variant->f, "127.0.0.3", PORT(10))));
	afd = KEEP(edu_accept_wait(lfd, EDU_HANDSHAKE_MS));
	ASSERT_LE(0, afd);
	ASSERT_EQ(0, edu_name(afd, 0, &a));
	EXPECT_EQ(inet_addr("127.0.0.3"), a.sin_addr.s_addr);
	EXPECT_EQ(htons(PORT(10)), a.sin_port);
	/* The listener itself still says 0.0.0.0. */
	ASSERT_EQ(0, edu_name(lfd, 0, &a));
	EXPECT_EQ(htonl(INADDR_ANY), a.sin_addr.s_addr);
}

#define NWAITERS	4

struct waiter {
	int lfd;
	pid_t tid;
	volatile int started;
	int fd;			/* what accept() returned, or -errno */
	volatile int done;
};

static void *waiter_fn(void *arg)
{
	struct waiter *w = arg;
	int fd;

	w->tid = gettid_();
	w->started = 1;
	fd = accept(w->lfd, NULL, NULL);
	w->fd = fd < 0 ? -errno : fd;
	__sync_synchronize();
	w->done = 1;
	return NULL;
}

static int count_done(struct waiter *w, int n)
{
	int i, d = 0;

	for (i = 0; i < n; i++)
		d += w[i].done;
	return d;
}

/* Starts n accepting threads and waits until all of them sleep. */
static int start_waiters(struct waiter *w, pthread_t *th, int n, int lfd)
{
	int i, err;

	for (i = 0; i < n; i++) {
		w[i] = (struct waiter){ .lfd = lfd, .fd = -1 };
		err = pthread_create(&th[i], NULL, waiter_fn, &w[i]);
		if (err)
			return -err;
	}
	for (i = 0; i < n; i++) {
		while (!w[i].started)
			edu_msleep(1);
		err = edu_wait_sleeping(w[i].tid, 2000);
		if (err)
			return err;
	}
	return 0;
}

/* Joins what finished by the deadline; a stuck thread dies with the test. */
static void join_waiters(struct waiter *w, pthread_t *th, int n, long ms)
{
	long end = edu_now_ms() + ms;
	int i;

	while (count_done(w, n) < n && edu_now_ms() < end)
		edu_msleep(10);
	for (i = 0; i < n; i++)
		if (w[i].done)
			pthread_join(th[i], NULL);
}

/*
 * accept() waits exclusively: one connection wakes exactly one of the
 * threads blocked on the listener, not the herd; the others neither
 * return nor even wake up.
 */
TEST_F(accept, exclusive_wakeup)
{
	struct waiter w[NWAITERS];
	pthread_t th[NWAITERS];
	long nvcsw[NWAITERS];
	int lfd, i;

	lfd = KEEP(edu_listener(&variant->f, 0, "127.0.0.1", PORT(11), 16));
	ASSERT_LE(0, lfd);
	/* The safety net: no waiter sleeps longer than this. */
	ASSERT_EQ(0, edu_set_timeo(lfd, SO_RCVTIMEO, 5000));
	ASSERT_EQ(0, start_waiters(w, th, NWAITERS, lfd));

	for (i = 0; i < NWAITERS; i++)
		nvcsw[i] = edu_task_nvcsw(w[i].tid);
	ASSERT_LE(0, KEEP(edu_connect_start(&variant->f, "127.0.0.1",
					    PORT(11))));
	edu_msleep(500);
	EXPECT_EQ(1, count_done(w, NWAITERS));
	/*
	 * A waiter woken for nothing would sleep again without returning:
	 * only its count of sleeps shows it.
	 */
	for (i = 0; i < NWAITERS; i++) {
		if (w[i].done)
			continue;
		EXPECT_EQ(nvcsw[i], edu_task_nvcsw(w[i].tid))
			TH_LOG("waiter %d was woken", i);
	}

	for (i = 1; i < NWAITERS; i++) {
		ASSERT_LE(0, KEEP(edu_connect_start(&variant->f, "127.0.0.1",
						    PORT(11))));
	}
	join_waiters(w, th, NWAITERS, 4000);
	EXPECT_EQ(NWAITERS, count_done(w, NWAITERS));
	for (i = 0; i < NWAITERS; i++) {
		KEEP(w[i].fd);
		EXPECT_LE(0, w[i].fd)
			TH_LOG("waiter %d: %s", i, strerror(-w[i].fd));
	}
}

/* shutdown() of the listener wakes its waiters with EINVAL. */
TEST_F(accept, shutdown_wakes_waiter)
{
	struct waiter w[1];
	pthread_t th[1];
	long t0;
	int lfd;

	lfd = KEEP(edu_listener(&variant->f, 0, "127.0.0.1", PORT(12), 4));
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, edu_set_timeo(lfd, SO_RCVTIMEO, 5000));
	ASSERT_EQ(0, start_waiters(w, th, 1, lfd));
	t0 = edu_now_ms();
	ASSERT_EQ(0, shutdown(lfd, SHUT_RDWR));
	join_waiters(w, th, 1, 4000);
	ASSERT_EQ(1, w[0].done);
	KEEP(w[0].fd);
	EXPECT_EQ(-EINVAL, w[0].fd);
	EXPECT_GE(1000, edu_now_ms() - t0);
	/* It is no longer a listener. */
	EXPECT_EQ(-EINVAL, accept(lfd, NULL, NULL) ? -errno : 0);
	EXPECT_EQ(0, edu_getint(lfd, SOL_SOCKET, SO_ACCEPTCONN));
}

/*
 * What a client sees when the connection the server never accepted is
 * reset: readable, writable, error, hang-up; recv() says ECONNRESET once,
 * then end of stream.
 */
static void expect_reset(struct __test_metadata *_metadata, int fd)
{
	char c;

	EXPECT_EQ(POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM | POLLRDHUP |
		  POLLERR | POLLHUP,
		  edu_poll(fd, EDU_POLL_ALL, EDU_HANDSHAKE_MS));
	EXPECT_EQ(-ECONNRESET, recv(fd, &c, 1, MSG_DONTWAIT) < 0 ? -errno : 0);
	EXPECT_EQ(0, recv(fd, &c, 1, MSG_DONTWAIT));
}

/* close() of a listener resets every connection still in its queue. */
TEST_F(accept, close_resets_queued)
{
	int lfd, c1, c2;

	lfd = KEEP(edu_listener(&variant->f, SOCK_NONBLOCK, "127.0.0.1",
				PORT(13), 4));
	ASSERT_LE(0, lfd);
	c1 = KEEP(edu_connected(&variant->f, "127.0.0.1", PORT(13)));
	c2 = KEEP(edu_connected(&variant->f, "127.0.0.1", PORT(13)));
	ASSERT_LE(0, c1);
	ASSERT_LE(0, c2);
	/* Both are established, nothing is wrong yet. */
	EXPECT_EQ(POLLOUT | POLLWRNORM, edu_poll(c1, EDU_POLL_ALL, 0));
	edu_drop(&self->fds, lfd);
	expect_reset(_metadata, c1);
	EXPECT_NE(0, edu_poll(c2, POLLIN, EDU_HANDSHAKE_MS) & POLLERR);
	EXPECT_EQ(ECONNRESET, edu_so_error(c2));
	EXPECT_EQ(0, edu_so_error(c2));
}

/* shutdown(SHUT_RDWR) resets them the same way. */
TEST_F(accept, shutdown_resets_queued)
{
	int lfd, c1;

	lfd = KEEP(edu_listener(&variant->f, SOCK_NONBLOCK, "127.0.0.1",
				PORT(14), 4));
	ASSERT_LE(0, lfd);
	c1 = KEEP(edu_connected(&variant->f, "127.0.0.1", PORT(14)));
	ASSERT_LE(0, c1);
	ASSERT_EQ(0, shutdown(lfd, SHUT_RDWR));
	expect_reset(_metadata, c1);
	EXPECT_EQ(-EINVAL, accept(lfd, NULL, NULL) ? -errno : 0);
}

/*
 * A queued connection the client aborts (RST) before accept() stays in
 * the queue: accept() returns it, carrying ECONNRESET.
 */
TEST_F(accept, reset_before_accept)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	int lfd, cfd, afd;

	lfd = KEEP(edu_listener(&variant->f, SOCK_NONBLOCK, "127.0.0.1",
				PORT(15), 4));
	ASSERT_LE(0, lfd);
	cfd = edu_connected(&variant->f, "127.0.0.1", PORT(15));
	ASSERT_LE(0, cfd);
	ASSERT_EQ(POLLIN, edu_poll(lfd, POLLIN, EDU_HANDSHAKE_MS));
	ASSERT_EQ(0, setsockopt(cfd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	close(cfd);
	edu_msleep(100);
	afd = KEEP(edu_accept_wait(lfd, 0));
	ASSERT_LE(0, afd);
	EXPECT_NE(0, edu_poll(afd, EDU_POLL_ALL, EDU_HANDSHAKE_MS) & POLLERR);
	EXPECT_EQ(ECONNRESET, edu_so_error(afd));
}

/* An SO_REUSEPORT listener on 127.0.0.1:port, or -errno. */
static int reuseport_listener(const struct edu_family *f, unsigned short port)
{
	int fd = edu_socket(f, SOCK_NONBLOCK);
	int err;

	if (fd < 0)
		return fd;
	err = edu_set_reuseport(f, fd, 1);
	if (!err)
		err = edu_bind(f, fd, "127.0.0.1", port);
	if (!err && listen(fd, 32))
		err = -errno;
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

#define NSHARED		16

/*
 * SO_REUSEPORT listeners share the connections to their port: a hash of
 * each 4-tuple picks one, so with random client ports both get some (all
 * 16 on one side has odds of 2^-15) and none is lost.
 */
TEST_F(accept, reuseport_shares)
{
	int a, b, i, na, nb;

	a = KEEP(reuseport_listener(&variant->f, PORT(20)));
	b = KEEP(reuseport_listener(&variant->f, PORT(20)));
	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	for (i = 0; i < NSHARED; i++) {
		ASSERT_LE(0, KEEP(edu_connected(&variant->f, "127.0.0.1",
						PORT(20))));
	}
	na = edu_accept_all(a, &self->fds);
	nb = edu_accept_all(b, &self->fds);
	EXPECT_EQ(NSHARED, na + nb);
	EXPECT_LT(0, na);
	EXPECT_LT(0, nb);
}

/*
 * Closing one member resets what waits in its own queue (no migration by
 * default: tcp_migrate_req is 0); later connections all go to the other.
 */
TEST_F(accept, reuseport_close_one)
{
	int a, b, i, c[NSHARED], na, reset = 0;

	a = reuseport_listener(&variant->f, PORT(21));
	b = KEEP(reuseport_listener(&variant->f, PORT(21)));
	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	for (i = 0; i < NSHARED; i++) {
		c[i] = KEEP(edu_connected(&variant->f, "127.0.0.1", PORT(21)));
		ASSERT_LE(0, c[i]);
	}
	ASSERT_EQ(0, edu_poll(a, POLLIN, EDU_HANDSHAKE_MS) & POLLIN ? 0 : -1);
	/* Count a's queue without accepting: by what its close resets. */
	close(a);
	edu_msleep(300);
	for (i = 0; i < NSHARED; i++)
		reset += (edu_poll(c[i], POLLIN, 0) & POLLERR) != 0;
	na = edu_accept_all(b, &self->fds);
	EXPECT_EQ(NSHARED, reset + na);
	EXPECT_LT(0, reset);

	for (i = 0; i < 4; i++) {
		ASSERT_LE(0, KEEP(edu_connected(&variant->f, "127.0.0.1",
						PORT(21))));
	}
	EXPECT_EQ(4, edu_accept_all(b, &self->fds));
}

#define NCHILD		3
#define NCONN		30

/* What a child reports for each accept(): 4 bytes, written atomically. */
struct report {
	uint16_t port;		/* the peer's port, host order */
	uint8_t child;
	uint8_t addr_ok;	/* family and 127.0.0.1 as expected */
};

static void accept_child(const struct edu_family *f, int lfd, int out,
			 int child)
{
	struct sockaddr_in a;
	struct report r;
	socklen_t len;
	long end = edu_now_ms() + 15000;
	int fd;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	while (edu_now_ms() < end) {
		fd = accept_addr(lfd, &a, &len);
		if (fd < 0)
			continue;	/* SO_RCVTIMEO: look at the clock */
		r.port = ntohs(a.sin_port);
		r.child = child;
		r.addr_ok = len == sizeof(a) && a.sin_family == fam_af(f) &&
			    a.sin_addr.s_addr == htonl(INADDR_LOOPBACK);
		if (write(out, &r, sizeof(r)) != sizeof(r))
			_exit(1);
		/*
		 * fd stays open: the clients close first, so TIME_WAIT
		 * lands on their ephemeral ports, not on the test's port.
		 */
	}
	_exit(0);
}

/*
 * Pre-forked servers: children accepting on one inherited listener get
 * every connection, each exactly once.
 */
TEST_F(accept, forked_acceptors)
{
	int lfd, p[2], i, j, got = 0, connected = 0, bad_addr = 0;
	int ports[NCONN], seen[NCONN], per_child[NCHILD] = { 0 }, cfd[NCONN];
	struct report r[NCONN + 8];
	pid_t pid[NCHILD];
	long end;
	ssize_t n;

	lfd = KEEP(edu_listener(&variant->f, 0, "127.0.0.1", PORT(16), 64));
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, edu_set_timeo(lfd, SO_RCVTIMEO, 300));
	ASSERT_EQ(0, pipe2(p, O_NONBLOCK));
	KEEP(p[0]);
	for (i = 0; i < NCHILD; i++) {
		pid[i] = fork();
		ASSERT_LE(0, pid[i]);
		if (!pid[i])
			accept_child(&variant->f, lfd, p[1], i);
	}
	close(p[1]);

	for (i = 0; i < NCONN; i++) {
		cfd[i] = edu_connected(&variant->f, "127.0.0.1", PORT(16));
		ports[i] = cfd[i] < 0 ? -1 : edu_local_port(cfd[i]);
		connected += cfd[i] >= 0;
	}
	/* Collect the reports; then a moment more for any duplicate. */
	end = edu_now_ms() + 5000;
	while (got < NCONN && edu_now_ms() < end) {
		if (edu_poll(p[0], POLLIN, 100) <= 0)
			continue;
		n = read(p[0], (char *)r + got * sizeof(r[0]),
			 (NCONN + 8 - got) * sizeof(r[0]));
		if (n > 0)
			got += n / sizeof(r[0]);
	}
	edu_msleep(200);
	n = read(p[0], (char *)r + got * sizeof(r[0]),
		 (NCONN + 8 - got) * sizeof(r[0]));
	if (n > 0)
		got += n / sizeof(r[0]);
	for (i = 0; i < NCONN; i++)
		if (cfd[i] >= 0)
			close(cfd[i]);
	for (i = 0; i < NCHILD; i++) {
		kill(pid[i], SIGKILL);
		waitpid(pid[i], NULL, 0);
	}

	EXPECT_EQ(NCONN, connected);
	EXPECT_EQ(NCONN, got);
	memset(seen, 0, sizeof(seen));
	for (j = 0; j < got && j < NCONN + 8; j++) {
		bad_addr += !r[j].addr_ok;
		if (r[j].child < NCHILD)
			per_child[r[j].child]++;
		for (i = 0; i < NCONN; i++)
			if (ports[i] == r[j].port)
				seen[i]++;
	}
	EXPECT_EQ(0, bad_addr);
	for (i = 0; i < NCONN; i++) {
		EXPECT_EQ(1, seen[i])
			TH_LOG("client %d (port %d) accepted %d times", i,
			       ports[i], seen[i]);
	}
	TH_LOG("accepted per child: %d %d %d", per_child[0], per_child[1],
	       per_child[2]);
}

TEST_HARNESS_MAIN
