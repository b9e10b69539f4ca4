// SPDX-License-Identifier: GPL-2.0
/*
 * data_poll - readiness of an established connection, through poll(),
 * epoll and select(), is on AF_EDU what it is on AF_INET/TCP at every step
 * of its life: idle, with data to read, after the peer's shutdown(SHUT_WR)
 * or close(), after our own shutdown() of either direction, after a reset;
 * and every change wakes a caller that is blocked waiting for it.
 *
 * Masks are compared whole (every event is asked for, see EDU_POLL_ALL),
 * against literals: the values are what Linux 6.1 TCP reports, so an extra
 * or a missing bit fails.  Bytes are known to have arrived by polling
 * SIOCINQ, never by sleeping, and every wait is bounded.  The kernel's TCP
 * (variant "tcp") is the oracle.  Listeners bind port 0.
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

/* The masks of the steps, as TCP reports them. */
#define M_IDLE		(POLLOUT | POLLWRNORM)
#define M_DATA		(POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM)
#define M_RDHUP		(POLLIN | POLLRDNORM | POLLRDHUP | POLLOUT | POLLWRNORM)
#define M_HUP		(M_RDHUP | POLLHUP)
#define M_RESET		(M_HUP | POLLERR)

/* A wake-up must come well before this; the wait is bounded by it. */
#define WAKE_MS		3000

FIXTURE(dpoll) {
	struct edu_fds fds;
	int c, s;	/* the client and the accepted end */
};

FIXTURE_VARIANT(dpoll) {
	struct edu_family f;
};

EDU_FAMILY_VARIANTS(dpoll);

FIXTURE_SETUP(dpoll)
{
	ASSERT_LE(0, edu_pair(&variant->f, &self->fds, &self->c, &self->s));
}

FIXTURE_TEARDOWN(dpoll)
{
	edu_close_all(&self->fds);
}

#define KEEP(fd)	edu_keep(&self->fds, (fd))

/* Sends len bytes on fd and waits until peer has them queued too. */
static int put(int fd, int peer, int len)
{
	int want = edu_ioctl_int(peer, SIOCINQ) + len;
	char buf[256];

	memset(buf, 'd', sizeof(buf));
	if (len > (int)sizeof(buf) || send(fd, buf, len, 0) != len)
		return -EIO;
	return edu_wait_ioctl(peer, SIOCINQ, want, EDU_IO_MS) == want ?
		0 : -ETIMEDOUT;
}

/* Closes fd with bytes unread, so that it resets; waits for the RST. */
static int reset_from(struct edu_fds *fds, int fd, int peer)
{
	int r;

	if (put(peer, fd, 5))
		return -EIO;
	edu_drop(fds, fd);
	r = edu_poll(peer, POLLERR, EDU_IO_MS);
	return r & POLLERR ? 0 : -ETIMEDOUT;
}

/* Waits until fd (having read what there was) sees the peer's FIN. */
static int wait_fin(int fd)
{
	return edu_poll(fd, POLLRDHUP, EDU_IO_MS) & POLLRDHUP ? 0 : -ETIMEDOUT;
}

/* One connection, step by step, seen from the client end. */
TEST_F(dpoll, steps)
{
	char buf[64];

	EXPECT_EQ(M_IDLE, edu_poll(self->c, EDU_POLL_ALL, 0));
	EXPECT_EQ(M_IDLE, edu_poll(self->s, EDU_POLL_ALL, 0));

	/* The peer writes: readable, until it is all read. */
	ASSERT_EQ(0, put(self->s, self->c, 10));
	EXPECT_EQ(M_DATA, edu_poll(self->c, EDU_POLL_ALL, 0));
	EXPECT_EQ(4, recv(self->c, buf, 4, 0));
	EXPECT_EQ(M_DATA, edu_poll(self->c, EDU_POLL_ALL, 0));
	EXPECT_EQ(6, recv(self->c, buf, sizeof(buf), 0));
	EXPECT_EQ(M_IDLE, edu_poll(self->c, EDU_POLL_ALL, 0));

	/* Peeking does not consume readiness. */
	ASSERT_EQ(0, put(self->s, self->c, 3));
	EXPECT_EQ(3, recv(self->c, buf, sizeof(buf), MSG_PEEK));
	EXPECT_EQ(M_DATA, edu_poll(self->c, EDU_POLL_ALL, 0));
	EXPECT_EQ(3, recv(self->c, buf, sizeof(buf), 0));

	/* The peer shuts its sending side: readable (0) and RDHUP. */
	ASSERT_EQ(0, shutdown(self->s, SHUT_WR));
	ASSERT_EQ(0, wait_fin(self->c));
	EXPECT_EQ(M_RDHUP, edu_poll(self->c, EDU_POLL_ALL, 0));
	EXPECT_EQ(0, recv(self->c, buf, sizeof(buf), 0));
	EXPECT_EQ(M_RDHUP, edu_poll(self->c, EDU_POLL_ALL, 0));
	/* The peer, half-closed, is still writable and nothing else. */
	EXPECT_EQ(M_IDLE, edu_poll(self->s, EDU_POLL_ALL, 0));

	/* We shut ours too: both directions are done, that is a hang-up. */
	ASSERT_EQ(0, shutdown(self->c, SHUT_WR));
	EXPECT_EQ(M_HUP, edu_poll(self->c, EDU_POLL_ALL, 0));
	ASSERT_EQ(0, wait_fin(self->s));
	EXPECT_EQ(M_HUP, edu_poll(self->s, EDU_POLL_ALL, 0));
}

/* Data followed by the FIN: readable with RDHUP before the data is read. */
TEST_F(dpoll, data_then_fin)
{
	char buf[64];

	ASSERT_EQ(0, put(self->s, self->c, 20));
	edu_drop(&self->fds, self->s);
	ASSERT_EQ(0, wait_fin(self->c));
	EXPECT_EQ(M_RDHUP, edu_poll(self->c, EDU_POLL_ALL, 0));
	EXPECT_EQ(20, recv(self->c, buf, sizeof(buf), 0));
	EXPECT_EQ(M_RDHUP, edu_poll(self->c, EDU_POLL_ALL, 0));
	EXPECT_EQ(0, recv(self->c, buf, sizeof(buf), 0));
	EXPECT_EQ(M_RDHUP, edu_poll(self->c, EDU_POLL_ALL, 0));
}

/* Our own shutdown(): what each direction's end looks like, both sides. */
TEST_F(dpoll, own_shutdown_write)
{
	ASSERT_EQ(0, shutdown(self->c, SHUT_WR));
	/* A shut sending side still polls writable (the send would fail). */
	EXPECT_EQ(M_IDLE, edu_poll(self->c, EDU_POLL_ALL, 0));
	ASSERT_EQ(0, wait_fin(self->s));
	EXPECT_EQ(M_RDHUP, edu_poll(self->s, EDU_POLL_ALL, 0));
}

TEST_F(dpoll, own_shutdown_read)
{
	char buf[16];

	ASSERT_EQ(0, shutdown(self->c, SHUT_RD));
	EXPECT_EQ(M_RDHUP, edu_poll(self->c, EDU_POLL_ALL, 0));
	EXPECT_EQ(0, recv(self->c, buf, sizeof(buf), 0));
	/* Nothing is sent for it: the peer sees no change. */
	EXPECT_EQ(M_IDLE, edu_poll(self->s, EDU_POLL_ALL, 0));
}

TEST_F(dpoll, own_shutdown_both)
{
	ASSERT_EQ(0, shutdown(self->c, SHUT_RDWR));
	EXPECT_EQ(M_HUP, edu_poll(self->c, EDU_POLL_ALL, 0));
	ASSERT_EQ(0, wait_fin(self->s));
	EXPECT_EQ(M_RDHUP, edu_poll(self->s, EDU_POLL_ALL, 0));
}

/*
 * After a reset: everything, with POLLERR until the error is collected
 * (here by recv(), which fails ECONNRESET), and without it after.
 */
TEST_F(dpoll, reset)
{
	char buf[16];

	ASSERT_EQ(0, reset_from(&self->fds, self->s, self->c));
	EXPECT_EQ(M_RESET, edu_poll(self->c, EDU_POLL_ALL, 0));
	/* POLLERR and POLLHUP come even when not asked for. */
	EXPECT_EQ(POLLERR | POLLHUP, edu_poll(self->c, 0, 0));
	EXPECT_EQ(-ECONNRESET, recv(self->c, buf, sizeof(buf), 0) < 0 ?
		  -errno : 0);
	EXPECT_EQ(M_HUP, edu_poll(self->c, EDU_POLL_ALL, 0));
}

/* The reset of SO_LINGER {1, 0} looks the same. */
TEST_F(dpoll, reset_linger)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	ASSERT_EQ(0, setsockopt(self->s, SOL_SOCKET, SO_LINGER, &lg,
				sizeof(lg)));
	edu_drop(&self->fds, self->s);
	EXPECT_EQ(M_RESET, edu_poll(self->c, EDU_POLL_ALL, EDU_IO_MS));
	EXPECT_EQ(ECONNRESET, edu_so_error(self->c));
	EXPECT_EQ(M_HUP, edu_poll(self->c, EDU_POLL_ALL, 0));
}

#define EP_ALL	(EPOLLIN | EPOLLPRI | EPOLLOUT | EPOLLRDNORM | EPOLLRDBAND | \
		 EPOLLWRNORM | EPOLLWRBAND | EPOLLRDHUP)

/* epoll, level-triggered, agrees with poll() at every step. */
TEST_F(dpoll, epoll_steps)
{
	char buf[64];
	int ep;

	ep = KEEP(edu_epoll_on(self->c, EP_ALL));
	ASSERT_LE(0, ep);
	EXPECT_EQ(M_IDLE, edu_epoll_events(ep, 0));
	ASSERT_EQ(0, put(self->s, self->c, 10));
	EXPECT_EQ(M_DATA, edu_epoll_events(ep, 0));
	EXPECT_EQ(M_DATA, edu_epoll_events(ep, 0));
	EXPECT_EQ(10, recv(self->c, buf, sizeof(buf), 0));
	EXPECT_EQ(M_IDLE, edu_epoll_events(ep, 0));
	ASSERT_EQ(0, shutdown(self->s, SHUT_WR));
	ASSERT_EQ(0, wait_fin(self->c));
	EXPECT_EQ(M_RDHUP, edu_epoll_events(ep, 0));
	ASSERT_EQ(0, shutdown(self->c, SHUT_WR));
	EXPECT_EQ(M_HUP, edu_epoll_events(ep, 0));
}

/* Only what was asked for, plus POLLERR and POLLHUP, which always are. */
TEST_F(dpoll, epoll_reset)
{
	int ep;

	ep = KEEP(edu_epoll_on(self->c, EPOLLIN));
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, reset_from(&self->fds, self->s, self->c));
	EXPECT_EQ(EPOLLIN | EPOLLERR | EPOLLHUP, edu_epoll_events(ep, 0));
}

/*
 * Edge-triggered: every arrival of data is a new edge, even when the
 * earlier bytes were not read, and so is the FIN.
 */
TEST_F(dpoll, epoll_edge)
{
	int ep;

	ep = KEEP(edu_epoll_on(self->c, EPOLLIN | EPOLLRDHUP | EPOLLET));
	ASSERT_LE(0, ep);
	EXPECT_EQ(0, edu_epoll_events(ep, 0));
	ASSERT_EQ(0, put(self->s, self->c, 10));
	EXPECT_EQ(EPOLLIN, edu_epoll_events(ep, 0));
	EXPECT_EQ(0, edu_epoll_events(ep, 0));
	ASSERT_EQ(0, put(self->s, self->c, 10));
	EXPECT_EQ(EPOLLIN, edu_epoll_events(ep, WAKE_MS));
	EXPECT_EQ(0, edu_epoll_events(ep, 0));
	ASSERT_EQ(0, shutdown(self->s, SHUT_WR));
	EXPECT_EQ(EPOLLIN | EPOLLRDHUP, edu_epoll_events(ep, WAKE_MS));
	EXPECT_EQ(0, edu_epoll_events(ep, 0));
}

/*
 * select() on fd alone, without waiting: the number of sets it is in, and
 * which, as a string of "r", "w" and "e".
 */
static int select_now(int fd, char *which)
{
	struct timeval tv = { 0, 0 };
	fd_set r, w, e;
	int n;

	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_ZERO(&e);
	FD_SET(fd, &r);
	FD_SET(fd, &w);
	FD_SET(fd, &e);
	n = select(fd + 1, &r, &w, &e, &tv);
	if (n < 0)
		return -errno;
	*which = 0;
	if (FD_ISSET(fd, &r))
		strcat(which, "r");
	if (FD_ISSET(fd, &w))
		strcat(which, "w");
	if (FD_ISSET(fd, &e))
		strcat(which, "e");
	return n;
}

/* select(): readable and writable as poll() says; nothing exceptional. */
TEST_F(dpoll, select_steps)
{
	char which[4];

	ASSERT_GT(FD_SETSIZE, self->c);
	EXPECT_EQ(1, select_now(self->c, which));
	EXPECT_STREQ("w", which);
	ASSERT_EQ(0, put(self->s, self->c, 1));
	EXPECT_EQ(2, select_now(self->c, which));
	EXPECT_STREQ("rw", which);
	ASSERT_EQ(0, reset_from(&self->fds, self->s, self->c));
	EXPECT_EQ(2, select_now(self->c, which));
	EXPECT_STREQ("rw", which);
}

/*
 * What the peer does, once the main thread sleeps in the wait the test is
 * about, so that the wait must be ended by a wake-up.
 */
enum action { DO_SEND, DO_SHUT_WR, DO_RESET };

struct actor {
	struct edu_fds *fds;
	pid_t waiter;
	enum action what;
	int fd;
};

static void *actor_fn(void *arg)
{
	struct actor *a = arg;
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	edu_wait_sleeping(a->waiter, 2000);
	edu_msleep(20);
	switch (a->what) {
	case DO_SEND:
		send(a->fd, "wake", 4, 0);
		break;
	case DO_SHUT_WR:
		shutdown(a->fd, SHUT_WR);
		break;
	case DO_RESET:
		setsockopt(a->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		edu_drop(a->fds, a->fd);
		break;
	}
	return NULL;
}

/*
 * poll() for input (not POLLOUT, which is already there) blocked on the
 * client; the server end does what; the mask that ends the wait.
 */
static int woken_by(struct __test_metadata *_metadata, struct edu_fds *fds,
		    int c, int s, enum action what)
{
	struct actor a = { .fds = fds, .what = what, .fd = s,
			   .waiter = syscall(SYS_gettid) };
	pthread_t th;
	long t0;
	int r;

	ASSERT_EQ(0, pthread_create(&th, NULL, actor_fn, &a));
	t0 = edu_now_ms();
	r = edu_poll(c, POLLIN | POLLRDHUP, WAKE_MS);
	pthread_join(th, NULL);
	EXPECT_GT(WAKE_MS - 500, edu_now_ms() - t0);
	return r;
}

TEST_F(dpoll, wakeup_data)
{
	EXPECT_EQ(POLLIN, woken_by(_metadata, &self->fds, self->c, self->s,
				   DO_SEND));
}

TEST_F(dpoll, wakeup_fin)
{
	EXPECT_EQ(POLLIN | POLLRDHUP,
		  woken_by(_metadata, &self->fds, self->c, self->s,
			   DO_SHUT_WR));
}

TEST_F(dpoll, wakeup_reset)
{
	EXPECT_EQ(POLLIN | POLLRDHUP | POLLERR | POLLHUP,
		  woken_by(_metadata, &self->fds, self->c, self->s,
			   DO_RESET));
}

/* An epoll_wait() blocked on the client is woken the same way. */
TEST_F(dpoll, wakeup_epoll)
{
	struct actor a = { .fds = &self->fds, .what = DO_SEND, .fd = self->s,
			   .waiter = syscall(SYS_gettid) };
	pthread_t th;
	int ep, r;

	ep = KEEP(edu_epoll_on(self->c, EPOLLIN | EPOLLRDHUP));
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, pthread_create(&th, NULL, actor_fn, &a));
	r = edu_epoll_events(ep, WAKE_MS);
	pthread_join(th, NULL);
	EXPECT_EQ(EPOLLIN, r);
}

TEST_HARNESS_MAIN
