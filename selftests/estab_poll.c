// SPDX-License-Identifier: GPL-2.0
/*
 * estab_poll - readiness during connection establishment, through poll(),
 * select() and epoll, is on AF_EDU what it is on AF_INET/TCP: a listener
 * is readable exactly while its accept queue is not empty and is never
 * writable; a connecting socket reports nothing until it is established;
 * an unconnected socket reports POLLOUT | POLLHUP; and every change wakes
 * a caller that is blocked waiting for it.
 *
 * Masks are compared whole (all events requested, see EDU_POLL_ALL), so an
 * extra or missing bit fails.  Every blocking wait has a timeout.  The
 * kernel's TCP (variant "tcp") is the oracle.  Ports 9000-9999.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include "edu_selftest.h"
#include "kselftest_harness.h"

#define PORT(n)		(9000 + (n))

/* A wake-up must come well before this; the wait is bounded by it. */
#define WAKE_MS		3000

FIXTURE(poll) {
	struct edu_fds fds;
};

FIXTURE_VARIANT(poll) {
	struct edu_family f;
};

EDU_FAMILY_VARIANTS(poll);

FIXTURE_SETUP(poll)
{
}

FIXTURE_TEARDOWN(poll)
{
	edu_close_all(&self->fds);
}

#define KEEP(fd)	edu_keep(&self->fds, (fd))

/*
 * Does something to a socket once the main thread sleeps (in the wait the
 * test is about), so that the wait must be ended by a wake-up.
 */
enum action { DO_CONNECT, DO_SHUTDOWN };

struct actor {
	const struct edu_family *f;
	pid_t waiter_tid;
	enum action what;
	unsigned short port;	/* DO_CONNECT: connect here */
	int fd;			/* DO_SHUTDOWN: shut this down */
	int client;		/* DO_CONNECT: the client made */
};

static void *actor_fn(void *arg)
{
	struct actor *a = arg;

	edu_msleep(50);
	edu_wait_sleeping(a->waiter_tid, 2000);
	edu_msleep(50);
	if (a->what == DO_CONNECT)
		a->client = edu_connect_start(a->f, "127.0.0.1", a->port);
	else
		shutdown(a->fd, SHUT_RDWR);
	return NULL;
}

static int start_actor(struct actor *a, pthread_t *th)
{
	a->waiter_tid = syscall(SYS_gettid);
	a->client = -1;
	return pthread_create(th, NULL, actor_fn, a);
}

TEST_F(poll, listener_readable_iff_queued)
{
	int lfd;

	lfd = KEEP(edu_listener(&variant->f, SOCK_NONBLOCK, "127.0.0.1",
				PORT(0), 4));
	ASSERT_LE(0, lfd);
	EXPECT_EQ(0, edu_poll(lfd, EDU_POLL_ALL, 0));

	ASSERT_LE(0, KEEP(edu_connected(&variant->f, "127.0.0.1", PORT(0))));
	EXPECT_EQ(POLLIN | POLLRDNORM,
		  edu_poll(lfd, EDU_POLL_ALL, EDU_HANDSHAKE_MS));
	ASSERT_LE(0, KEEP(edu_connected(&variant->f, "127.0.0.1", PORT(0))));
	EXPECT_EQ(POLLIN | POLLRDNORM, edu_poll(lfd, EDU_POLL_ALL, 0));

	ASSERT_LE(0, KEEP(accept(lfd, NULL, NULL)));
	/* One is still queued. */
	EXPECT_EQ(POLLIN | POLLRDNORM, edu_poll(lfd, EDU_POLL_ALL, 0));
	ASSERT_LE(0, KEEP(accept(lfd, NULL, NULL)));
	EXPECT_EQ(0, edu_poll(lfd, EDU_POLL_ALL, 0));
}

/* A connection arriving wakes a poll() blocked on the listener. */
TEST_F(poll, listener_poll_wakeup)
{
	struct actor a = { .f = &variant->f, .what = DO_CONNECT,
			   .port = PORT(1) };
	pthread_t th;
	long t0;
	int lfd, r;

	lfd = KEEP(edu_listener(&variant->f, SOCK_NONBLOCK, "127.0.0.1",
				PORT(1), 4));
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, start_actor(&a, &th));
	t0 = edu_now_ms();
	r = edu_poll(lfd, POLLIN, WAKE_MS);
	pthread_join(th, NULL);
	KEEP(a.client);
	ASSERT_LE(0, a.client);
	EXPECT_EQ(POLLIN, r);
	EXPECT_GT(WAKE_MS - 500, edu_now_ms() - t0);
}

/* A listener is never writable and has no exceptional condition. */
TEST_F(poll, listener_select)
{
	struct timeval tv;
	fd_set r, w, e;
	int lfd;

	lfd = KEEP(edu_listener(&variant->f, SOCK_NONBLOCK, "127.0.0.1",
				PORT(2), 4));
	ASSERT_LE(0, lfd);
	ASSERT_GT(FD_SETSIZE, lfd);
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_ZERO(&e);
	FD_SET(lfd, &r);
	FD_SET(lfd, &w);
	FD_SET(lfd, &e);
	tv = (struct timeval){ 0, 0 };
	EXPECT_EQ(0, select(lfd + 1, &r, &w, &e, &tv));

	ASSERT_LE(0, KEEP(edu_connected(&variant->f, "127.0.0.1", PORT(2))));
	FD_SET(lfd, &r);
	FD_SET(lfd, &w);
	FD_SET(lfd, &e);
	tv = (struct timeval){ EDU_HANDSHAKE_MS / 1000, 0 };
	EXPECT_EQ(1, select(lfd + 1, &r, &w, &e, &tv));
	EXPECT_TRUE(FD_ISSET(lfd, &r));
	EXPECT_FALSE(FD_ISSET(lfd, &w));
	EXPECT_FALSE(FD_ISSET(lfd, &e));

	ASSERT_LE(0, KEEP(accept(lfd, NULL, NULL)));
	FD_SET(lfd, &r);
	FD_SET(lfd, &w);
	FD_SET(lfd, &e);
	tv = (struct timeval){ 0, 0 };
	EXPECT_EQ(0, select(lfd + 1, &r, &w, &e, &tv));
}

TEST_F(poll, listener_select_wakeup)
{
	struct actor a = { .f = &variant->f, .what = DO_CONNECT,
			   .port = PORT(3) };
	struct timeval tv = { WAKE_MS / 1000, 0 };
	pthread_t th;
	fd_set r;
	long t0;
	int lfd, n;

	lfd = KEEP(edu_listener(&variant->f, SOCK_NONBLOCK, "127.0.0.1",
				PORT(3), 4));
	ASSERT_LE(0, lfd);
	ASSERT_GT(FD_SETSIZE, lfd);
	FD_ZERO(&r);
	FD_SET(lfd, &r);
	ASSERT_EQ(0, start_actor(&a, &th));
	t0 = edu_now_ms();
	n = select(lfd + 1, &r, NULL, NULL, &tv);
	pthread_join(th, NULL);
	KEEP(a.client);
	EXPECT_EQ(1, n);
	EXPECT_TRUE(FD_ISSET(lfd, &r));
	EXPECT_GT(WAKE_MS - 500, edu_now_ms() - t0);
}

/* Level-triggered: EPOLLIN as long as something is queued. */
TEST_F(poll, listener_epoll)
{
	int lfd, ep;

	lfd = KEEP(edu_listener(&variant->f, SOCK_NONBLOCK, "127.0.0.1",
				PORT(4), 4));
	ASSERT_LE(0, lfd);
	ep = KEEP(edu_epoll_on(lfd, EPOLLIN | EPOLLOUT | EPOLLPRI | EPOLLRDHUP));
	ASSERT_LE(0, ep);
	EXPECT_EQ(0, edu_epoll_events(ep, 0));
	ASSERT_LE(0, KEEP(edu_connect_start(&variant->f, "127.0.0.1",
					    PORT(4))));
	EXPECT_EQ(EPOLLIN, edu_epoll_events(ep, EDU_HANDSHAKE_MS));
	EXPECT_EQ(EPOLLIN, edu_epoll_events(ep, 0));
	ASSERT_LE(0, KEEP(accept(lfd, NULL, NULL)));
	EXPECT_EQ(0, edu_epoll_events(ep, 0));
}

/*
 * Edge-triggered: each queued connection is one new edge, reported once,
 * so the listener must signal every arrival, not only the first.
 */
TEST_F(poll, listener_epoll_edge)
{
	int lfd, ep;

	lfd = KEEP(edu_listener(&variant->f, SOCK_NONBLOCK, "127.0.0.1",
				PORT(5), 4));
	ASSERT_LE(0, lfd);
	ep = KEEP(edu_epoll_on(lfd, EPOLLIN | EPOLLET));
	ASSERT_LE(0, ep);
	ASSERT_LE(0, KEEP(edu_connect_start(&variant->f, "127.0.0.1",
					    PORT(5))));
	EXPECT_EQ(EPOLLIN, edu_epoll_events(ep, EDU_HANDSHAKE_MS));
	EXPECT_EQ(0, edu_epoll_events(ep, 100));
	ASSERT_LE(0, KEEP(edu_connect_start(&variant->f, "127.0.0.1",
					    PORT(5))));
	EXPECT_EQ(EPOLLIN, edu_epoll_events(ep, EDU_HANDSHAKE_MS));
	EXPECT_EQ(2, edu_accept_all(lfd, &self->fds));
	EXPECT_EQ(0, edu_epoll_events(ep, 0));
}

struct epoll_waiter {
	int ep;
	pid_t tid;
	volatile int started;
	volatile int events;	/* -1 until epoll_wait() returns */
};

static void *epoll_waiter_fn(void *arg)
{
	struct epoll_waiter *w = arg;

	w->tid = syscall(SYS_gettid);
	w->started = 1;
	w->events = edu_epoll_events(w->ep, WAKE_MS);
	return NULL;
}

/*
 * EPOLLEXCLUSIVE: with two epoll instances waiting exclusively on one
 * listener, one connection wakes one of them.
 */
TEST_F(poll, listener_epoll_exclusive)
{
	struct epoll_waiter w[2];
	pthread_t th[2];
	int lfd, i, woken;

	lfd = KEEP(edu_listener(&variant->f, SOCK_NONBLOCK, "127.0.0.1",
				PORT(6), 4));
	ASSERT_LE(0, lfd);
	for (i = 0; i < 2; i++) {
		w[i] = (struct epoll_waiter){ .events = -1 };
		w[i].ep = KEEP(edu_epoll_on(lfd, EPOLLIN | EPOLLEXCLUSIVE));
		ASSERT_LE(0, w[i].ep);
		ASSERT_EQ(0, pthread_create(&th[i], NULL, epoll_waiter_fn,
					    &w[i]));
	}
	for (i = 0; i < 2; i++) {
		while (!w[i].started)
			edu_msleep(1);
		ASSERT_EQ(0, edu_wait_sleeping(w[i].tid, 2000));
	}
	ASSERT_LE(0, KEEP(edu_connect_start(&variant->f, "127.0.0.1",
					    PORT(6))));
	edu_msleep(500);
	woken = (w[0].events == EPOLLIN) + (w[1].events == EPOLLIN);
	EXPECT_EQ(1, woken);
	/* Release the other one. */
	ASSERT_LE(0, KEEP(edu_connect_start(&variant->f, "127.0.0.1",
					    PORT(6))));
	for (i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
		EXPECT_EQ(EPOLLIN, w[i].events);
	}
}

/* An unconnected socket is writable and hung up, bound or not. */
TEST_F(poll, fresh_socket)
{
	int fd = KEEP(edu_socket(&variant->f, 0));

	ASSERT_LE(0, fd);
	EXPECT_EQ(POLLOUT | POLLWRNORM | POLLHUP,
		  edu_poll(fd, EDU_POLL_ALL, 0));
	/* POLLHUP is reported even when not asked for. */
	EXPECT_EQ(POLLHUP, edu_poll(fd, POLLIN, 0));
	ASSERT_EQ(0, edu_bind(&variant->f, fd, "127.0.0.1", PORT(7)));
	EXPECT_EQ(POLLOUT | POLLWRNORM | POLLHUP,
		  edu_poll(fd, EDU_POLL_ALL, 0));
}

/*
 * A connecting socket reports nothing until established, then only
 * POLLOUT: the SYN stuck at a full listener shows the in-between.
 */
TEST_F(poll, connecting_then_established)
{
	int lfd, fd;

	lfd = KEEP(edu_listener(&variant->f, SOCK_NONBLOCK, "127.0.0.1",
				PORT(8), 0));
	ASSERT_LE(0, lfd);
	ASSERT_LE(0, KEEP(edu_connected(&variant->f, "127.0.0.1", PORT(8))));
	fd = KEEP(edu_connect_start(&variant->f, "127.0.0.1", PORT(8)));
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, edu_poll(fd, EDU_POLL_ALL, 200));
	/* Make room; the SYN retransmitted a second later gets in. */
	EXPECT_EQ(1, edu_accept_all(lfd, &self->fds));
	EXPECT_EQ(POLLOUT | POLLWRNORM, edu_poll(fd, EDU_POLL_ALL, WAKE_MS));
	EXPECT_EQ(0, edu_so_error(fd));
}

TEST_F(poll, established_pollout)
{
	int lfd, fd;

	lfd = KEEP(edu_listener(&variant->f, SOCK_NONBLOCK, "127.0.0.1",
				PORT(9), 4));
	ASSERT_LE(0, lfd);
	fd = KEEP(edu_connect_start(&variant->f, "127.0.0.1", PORT(9)));
	ASSERT_LE(0, fd);
	EXPECT_EQ(POLLOUT | POLLWRNORM,
		  edu_poll(fd, EDU_POLL_ALL, EDU_HANDSHAKE_MS));
	/* epoll agrees. */
	fd = KEEP(edu_epoll_on(fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP));
	ASSERT_LE(0, fd);
	EXPECT_EQ(EPOLLOUT, edu_epoll_events(fd, 0));
}

/*
 * A shut-down listener is an unconnected socket again: POLLOUT | POLLHUP.
 */
TEST_F(poll, listener_after_shutdown)
{
	int lfd;

	lfd = KEEP(edu_listener(&variant->f, SOCK_NONBLOCK, "127.0.0.1",
				PORT(10), 4));
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, shutdown(lfd, SHUT_RDWR));
	EXPECT_EQ(POLLOUT | POLLWRNORM | POLLHUP,
		  edu_poll(lfd, EDU_POLL_ALL, 0));
	/* A second shutdown finds nothing to shut down. */
	EXPECT_EQ(-ENOTCONN, shutdown(lfd, SHUT_RDWR) ? -errno : 0);
}

/* ...and the shutdown wakes a poll() blocked on it, with POLLHUP. */
TEST_F(poll, listener_shutdown_wakeup)
{
	struct actor a = { .f = &variant->f, .what = DO_SHUTDOWN };
	pthread_t th;
	long t0;
	int r;

	a.fd = KEEP(edu_listener(&variant->f, SOCK_NONBLOCK, "127.0.0.1",
				 PORT(11), 4));
	ASSERT_LE(0, a.fd);
	ASSERT_EQ(0, start_actor(&a, &th));
	t0 = edu_now_ms();
	r = edu_poll(a.fd, POLLIN, WAKE_MS);
	pthread_join(th, NULL);
	EXPECT_EQ(POLLHUP, r);
	EXPECT_GT(WAKE_MS - 500, edu_now_ms() - t0);
}

/* shutdown(SHUT_WR) leaves a listener as it was, for poll() too. */
TEST_F(poll, listener_shutdown_write)
{
	int lfd;

	lfd = KEEP(edu_listener(&variant->f, SOCK_NONBLOCK, "127.0.0.1",
				PORT(12), 4));
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, shutdown(lfd, SHUT_WR));
	EXPECT_EQ(0, edu_poll(lfd, EDU_POLL_ALL, 0));
	ASSERT_LE(0, KEEP(edu_connected(&variant->f, "127.0.0.1", PORT(12))));
	EXPECT_EQ(POLLIN | POLLRDNORM,
		  edu_poll(lfd, EDU_POLL_ALL, EDU_HANDSHAKE_MS));
}

TEST_HARNESS_MAIN
