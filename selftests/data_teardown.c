// SPDX-License-Identifier: GPL-2.0
/*
 * data_teardown - how a connection ends is on AF_EDU what it is on
 * AF_INET/TCP:
 *
 *  - the end of stream: recv() returns 0, and keeps returning 0;
 *  - half-close: after shutdown(SHUT_WR) the peer reads 0 but can still
 *    send, and what it sends is received; our own sends fail EPIPE;
 *  - abort: close() with unread data, or with SO_LINGER {1, 0}, sends an
 *    RST; the peer's recv() fails ECONNRESET (once), a blocked recv() is
 *    woken by it, and neither end is left in TIME_WAIT;
 *  - writing to a reset connection: ECONNRESET first if the error was not
 *    collected yet, then EPIPE with SIGPIPE, which MSG_NOSIGNAL suppresses;
 *  - the states a clean close goes through, as /proc/net/tcp and
 *    /proc/net/edutcp show them (FIN_WAIT2 and CLOSE_WAIT, then TIME_WAIT
 *    on the side that closed first);
 *  - TIME_WAIT holds the active closer's port: bind() fails EADDRINUSE
 *    unless both the old and the new socket set SO_REUSEADDR.
 *
 * SIGPIPE is blocked so that a test sees it pending rather than dying of
 * it.  Every blocking call is bounded (SO_RCVTIMEO, poll timeouts), and
 * no test waits for TIME_WAIT to expire.  The kernel's TCP (variant "tcp")
 * is the oracle.  Listeners bind port 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include "edu_selftest.h"
#include "kselftest_harness.h"

/* The st column of /proc/net/tcp: TCP's state numbers. */
#define ST_ESTABLISHED	0x01
#define ST_FIN_WAIT2	0x05
#define ST_TIME_WAIT	0x06
#define ST_CLOSE_WAIT	0x08

FIXTURE(teardown) {
	struct edu_fds fds;
	int c, s;		/* the client and the accepted end */
	int cport, sport;	/* their local ports */
};

FIXTURE_VARIANT(teardown) {
	struct edu_family f;
};

EDU_FAMILY_VARIANTS(teardown);

FIXTURE_SETUP(teardown)
{
	ASSERT_LE(0, edu_pair(&variant->f, &self->fds, &self->c, &self->s));
	self->cport = edu_local_port(self->c);
	self->sport = edu_local_port(self->s);
	ASSERT_LT(0, self->cport);
	ASSERT_LT(0, self->sport);
	ASSERT_EQ(0, edu_block_sigpipe());
}

FIXTURE_TEARDOWN(teardown)
{
	edu_close_all(&self->fds);
}

#define KEEP(fd)	edu_keep(&self->fds, (fd))
#define ERRNO(expr)	((expr) < 0 ? -errno : 0)

/* Waits until poll() reports every event in want: the last mask. */
static int wait_events(int fd, int want, int timeout_ms)
{
	long end = edu_now_ms() + timeout_ms;
	int r;

	for (;;) {
		r = edu_poll(fd, EDU_POLL_ALL, 0);
		if (r < 0 || (r & want) == want || edu_now_ms() >= end)
			return r;
		edu_msleep(2);
	}
}

/* A reset from the server end, by closing it with bytes unread. */
static int reset_by_server(struct edu_fds *fds, int c, int s)
{
	if (send(c, "unread", 6, 0) != 6)
		return -EIO;
	if (edu_wait_ioctl(s, SIOCINQ, 6, EDU_IO_MS) != 6)
		return -ETIMEDOUT;
	edu_drop(fds, s);
	/* The RST has arrived when the client reports an error. */
	return wait_events(c, POLLERR, EDU_IO_MS) & POLLERR ? 0 : -ETIMEDOUT;
}

/*
 * connect(AF_UNSPEC) drops a live connection with an RST, as
 * tcp_disconnect() does: the peer's recv() fails ECONNRESET.  The client's
 * port was picked by connect() and is given back by the disconnect; the
 * RST must still leave from it, or the peer never matches it to the
 * connection and stays ESTABLISHED.
 */
TEST_F(teardown, unspec_connect_resets_peer)
{
	struct sockaddr_in a = { .sin_family = AF_UNSPEC };
	char buf[8];

	ASSERT_EQ(0, connect(self->c, (struct sockaddr *)&a, sizeof(a)));
	EXPECT_EQ(POLLERR, wait_events(self->s, POLLERR, EDU_IO_MS) & POLLERR);
	EXPECT_EQ(-1, recv(self->s, buf, sizeof(buf), 0));
	EXPECT_EQ(ECONNRESET, errno);
}

/* End of stream is sticky: every later read says 0, however asked. */
TEST_F(teardown, eof_repeated)
{
	char buf[16];
	int i;

	ASSERT_EQ(3, send(self->c, "bye", 3, 0));
	edu_drop(&self->fds, self->c);

	EXPECT_EQ(3, recv(self->s, buf, sizeof(buf), 0));
	for (i = 0; i < 3; i++)
		EXPECT_EQ(0, recv(self->s, buf, sizeof(buf), 0));
	EXPECT_EQ(0, read(self->s, buf, sizeof(buf)));
	EXPECT_EQ(0, recv(self->s, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EQ(0, recv(self->s, buf, sizeof(buf), MSG_PEEK));
	EXPECT_EQ(0, recv(self->s, buf, sizeof(buf), MSG_WAITALL));
	EXPECT_EQ(0, edu_ioctl_int(self->s, SIOCINQ));
	/* The closed side went away cleanly: no error to report. */
	EXPECT_EQ(0, edu_so_error(self->s));
}

/*
 * shutdown(SHUT_WR): the peer reads the end of stream, yet both can still
 * carry data the other way, and more than a socket buffer of it.
 */
TEST_F(teardown, half_close)
{
	const size_t len = 300000;
	struct edu_reader r;
	unsigned char *data;
	char buf[16];

	ASSERT_EQ(4, send(self->c, "last", 4, 0));
	ASSERT_EQ(0, shutdown(self->c, SHUT_WR));
	EXPECT_EQ(4, recv(self->s, buf, sizeof(buf), MSG_WAITALL));
	EXPECT_EQ(0, recv(self->s, buf, sizeof(buf), 0));
	EXPECT_EQ(0, recv(self->s, buf, sizeof(buf), 0));

	data = malloc(len);
	ASSERT_NE(NULL, data);
	edu_pattern(data, len, 7, 0);
	ASSERT_EQ(0, edu_reader_start(&r, self->c, len));
	EXPECT_EQ((ssize_t)len, edu_send_all(self->s, data, len, 0));
	EXPECT_EQ((ssize_t)len, edu_reader_join(&r));
	EXPECT_EQ(0, memcmp(r.buf, data, len));
	free(r.buf);
	free(data);

	/* Then the other half closes: the half-closed side reads 0. */
	ASSERT_EQ(0, shutdown(self->s, SHUT_WR));
	EXPECT_EQ(0, recv(self->c, buf, sizeof(buf), 0));
	EXPECT_EQ(0, recv(self->c, buf, sizeof(buf), 0));
}

/* Sending after our own shutdown(SHUT_WR): EPIPE, and SIGPIPE unless asked. */
TEST_F(teardown, send_after_shutdown)
{
	ASSERT_EQ(0, shutdown(self->c, SHUT_WR));
	EXPECT_EQ(-EPIPE, ERRNO(send(self->c, "x", 1, MSG_NOSIGNAL)));
	EXPECT_EQ(0, edu_take_sigpipe());
	EXPECT_EQ(-EPIPE, ERRNO(send(self->c, "x", 1, 0)));
	EXPECT_EQ(1, edu_take_sigpipe());
	EXPECT_EQ(-EPIPE, ERRNO(write(self->c, "x", 1)));
	EXPECT_EQ(1, edu_take_sigpipe());
	/* No error is left behind, and the socket still receives. */
	EXPECT_EQ(0, edu_so_error(self->c));
	ASSERT_EQ(2, send(self->s, "ok", 2, 0));
	EXPECT_EQ(2, edu_wait_ioctl(self->c, SIOCINQ, 2, EDU_IO_MS));
}

/*
 * close() with unread data resets the connection: the peer's recv() fails
 * ECONNRESET once, then reads 0; neither end stays in /proc.
 */
TEST_F(teardown, close_unread_rst)
{
	char buf[16];

	ASSERT_EQ(6, send(self->c, "unread", 6, 0));
	ASSERT_EQ(6, edu_wait_ioctl(self->s, SIOCINQ, 6, EDU_IO_MS));
	edu_drop(&self->fds, self->s);

	EXPECT_EQ(-ECONNRESET, ERRNO(recv(self->c, buf, sizeof(buf), 0)));
	EXPECT_EQ(0, recv(self->c, buf, sizeof(buf), 0));
	EXPECT_EQ(0, edu_so_error(self->c));
	EXPECT_EQ(-ENOENT, edu_proc_state(&variant->f, self->sport,
					  self->cport));
	EXPECT_EQ(-ENOENT, edu_proc_state(&variant->f, self->cport,
					  self->sport));
}

/* Even unread data the reader already peeked at counts as unread. */
TEST_F(teardown, close_peeked_rst)
{
	char buf[16];

	ASSERT_EQ(6, send(self->c, "peeked", 6, 0));
	ASSERT_EQ(6, recv(self->s, buf, sizeof(buf), MSG_PEEK | MSG_WAITALL));
	edu_drop(&self->fds, self->s);
	EXPECT_EQ(-ECONNRESET, ERRNO(recv(self->c, buf, sizeof(buf), 0)));
}

struct closer {
	struct edu_fds *fds;
	int fd;
	pid_t waiter;
};

static void *close_fn(void *arg)
{
	struct closer *cl = arg;

	edu_wait_sleeping(cl->waiter, 2000);
	edu_drop(cl->fds, cl->fd);
	return NULL;
}

/* The RST wakes a recv() that is blocked waiting for data. */
TEST_F(teardown, rst_wakes_reader)
{
	struct closer cl = { .fds = &self->fds, .fd = self->s,
			     .waiter = syscall(SYS_gettid) };
	pthread_t th;
	char buf[16];
	long t0;
	int err;

	/* Unread data at the server end, none at the client's. */
	ASSERT_EQ(6, send(self->c, "unread", 6, 0));
	ASSERT_EQ(6, edu_wait_ioctl(self->s, SIOCINQ, 6, EDU_IO_MS));
	ASSERT_EQ(0, pthread_create(&th, NULL, close_fn, &cl));
	t0 = edu_now_ms();
	err = ERRNO(recv(self->c, buf, sizeof(buf), 0));
	pthread_join(th, NULL);
	EXPECT_EQ(-ECONNRESET, err);
	EXPECT_GT(EDU_IO_MS - 500, edu_now_ms() - t0);
}

/* SO_LINGER {1, 0}: close() resets even with nothing unread. */
TEST_F(teardown, linger_zero_rst)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	char buf[16];

	ASSERT_EQ(0, setsockopt(self->s, SOL_SOCKET, SO_LINGER, &lg,
				sizeof(lg)));
	edu_drop(&self->fds, self->s);

	EXPECT_EQ(-ECONNRESET, ERRNO(recv(self->c, buf, sizeof(buf), 0)));
	EXPECT_EQ(0, recv(self->c, buf, sizeof(buf), 0));
	/* An abort leaves no TIME_WAIT behind, on either side. */
	EXPECT_EQ(-ENOENT, edu_proc_state(&variant->f, self->sport,
					  self->cport));
	EXPECT_EQ(-ENOENT, edu_proc_state(&variant->f, self->cport,
					  self->sport));
}

/* The reset is also reported by SO_ERROR, which collects it. */
TEST_F(teardown, rst_so_error)
{
	char buf[16];

	ASSERT_EQ(0, reset_by_server(&self->fds, self->c, self->s));
	EXPECT_EQ(ECONNRESET, edu_so_error(self->c));
	EXPECT_EQ(0, edu_so_error(self->c));
	EXPECT_EQ(0, recv(self->c, buf, sizeof(buf), 0));
}

/*
 * Writing to a reset connection whose error nobody collected yet: the
 * first send reports the reset itself (ECONNRESET, no signal), every later
 * one EPIPE with SIGPIPE, unless MSG_NOSIGNAL.
 */
TEST_F(teardown, rst_then_send)
{
	ASSERT_EQ(0, reset_by_server(&self->fds, self->c, self->s));
	EXPECT_EQ(-ECONNRESET, ERRNO(send(self->c, "x", 1, 0)));
	EXPECT_EQ(0, edu_take_sigpipe());
	EXPECT_EQ(-EPIPE, ERRNO(send(self->c, "x", 1, 0)));
	EXPECT_EQ(1, edu_take_sigpipe());
	EXPECT_EQ(-EPIPE, ERRNO(send(self->c, "x", 1, MSG_NOSIGNAL)));
	EXPECT_EQ(0, edu_take_sigpipe());
	EXPECT_EQ(-EPIPE, ERRNO(write(self->c, "x", 1)));
	EXPECT_EQ(1, edu_take_sigpipe());
}

/* Once recv() has reported the reset, send() fails EPIPE with SIGPIPE. */
TEST_F(teardown, rst_recv_then_send)
{
	char buf[16];

	ASSERT_EQ(0, reset_by_server(&self->fds, self->c, self->s));
	EXPECT_EQ(-ECONNRESET, ERRNO(recv(self->c, buf, sizeof(buf), 0)));
	EXPECT_EQ(-EPIPE, ERRNO(send(self->c, "x", 1, MSG_NOSIGNAL)));
	EXPECT_EQ(0, edu_take_sigpipe());
	EXPECT_EQ(-EPIPE, ERRNO(send(self->c, "x", 1, 0)));
	EXPECT_EQ(1, edu_take_sigpipe());
}

/*
 * A SIGPIPE that is not blocked is delivered to a handler, at the send
 * that fails EPIPE.
 */
static volatile sig_atomic_t sigpipes;

static void on_sigpipe(int sig)
{
	sigpipes++;
}

TEST_F(teardown, sigpipe_handler)
{
	struct sigaction sa = { .sa_handler = on_sigpipe };
	sigset_t set;
	char buf[16];

	ASSERT_EQ(0, reset_by_server(&self->fds, self->c, self->s));
	EXPECT_EQ(-ECONNRESET, ERRNO(recv(self->c, buf, sizeof(buf), 0)));
	ASSERT_EQ(0, sigaction(SIGPIPE, &sa, NULL));
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	ASSERT_EQ(0, sigprocmask(SIG_UNBLOCK, &set, NULL));

	sigpipes = 0;
	EXPECT_EQ(-EPIPE, ERRNO(send(self->c, "x", 1, MSG_NOSIGNAL)));
	EXPECT_EQ(0, sigpipes);
	EXPECT_EQ(-EPIPE, ERRNO(send(self->c, "x", 1, 0)));
	EXPECT_EQ(1, sigpipes);
}

/*
 * Writing to a peer that has closed (cleanly): the first send succeeds,
 * since the peer only said it will send no more; the closed peer answers
 * it with an RST, and from then on sends fail EPIPE with SIGPIPE.  The end
 * of stream read before the RST still reads 0 after it.
 */
TEST_F(teardown, send_to_closed_peer)
{
	char buf[16];
	int r;

	edu_drop(&self->fds, self->s);
	ASSERT_EQ(0, recv(self->c, buf, sizeof(buf), 0));
	EXPECT_EQ(5, send(self->c, "hello", 5, 0));
	r = wait_events(self->c, POLLERR, EDU_IO_MS);
	EXPECT_EQ(POLLIN | POLLRDNORM | POLLRDHUP | POLLOUT | POLLWRNORM |
		  POLLERR | POLLHUP, r);
	EXPECT_EQ(0, recv(self->c, buf, sizeof(buf), 0));
	EXPECT_EQ(-EPIPE, ERRNO(send(self->c, "x", 1, 0)));
	EXPECT_EQ(1, edu_take_sigpipe());
	EXPECT_EQ(-EPIPE, ERRNO(send(self->c, "x", 1, 0)));
	EXPECT_EQ(1, edu_take_sigpipe());
	EXPECT_EQ(0, recv(self->c, buf, sizeof(buf), 0));
}

/*
 * The states of a clean close, as /proc shows them: the side that closes
 * first waits in FIN_WAIT2 while its peer is in CLOSE_WAIT; once the peer
 * closes too, the first side is in TIME_WAIT and the peer is gone (its
 * LAST_ACK ended with our ACK).
 */
TEST_F(teardown, states_close)
{
	const struct edu_family *f = &variant->f;

	EXPECT_EQ(ST_ESTABLISHED, edu_proc_state(f, self->cport,
						 self->sport));
	EXPECT_EQ(ST_ESTABLISHED, edu_proc_state(f, self->sport,
						 self->cport));
	edu_drop(&self->fds, self->c);
	EXPECT_EQ(ST_FIN_WAIT2, edu_wait_state(f, self->cport, self->sport,
					       ST_FIN_WAIT2, EDU_IO_MS));
	EXPECT_EQ(ST_CLOSE_WAIT, edu_proc_state(f, self->sport, self->cport));

	edu_drop(&self->fds, self->s);
	EXPECT_EQ(ST_TIME_WAIT, edu_wait_state(f, self->cport, self->sport,
					       ST_TIME_WAIT, EDU_IO_MS));
	EXPECT_EQ(-ENOENT, edu_wait_state(f, self->sport, self->cport,
					  -ENOENT, EDU_IO_MS));
}

/*
 * The same with shutdown(SHUT_WR) on open fds, from the server side: the
 * states are those of the connection, not of the fd, and once both
 * directions are shut each end reads 0, fails sends EPIPE and polls hung
 * up.
 */
TEST_F(teardown, states_shutdown)
{
	const struct edu_family *f = &variant->f;
	const int hup = POLLIN | POLLRDNORM | POLLRDHUP | POLLOUT |
			POLLWRNORM | POLLHUP;
	char buf[16];

	ASSERT_EQ(0, shutdown(self->s, SHUT_WR));
	EXPECT_EQ(ST_FIN_WAIT2, edu_wait_state(f, self->sport, self->cport,
					       ST_FIN_WAIT2, EDU_IO_MS));
	EXPECT_EQ(ST_CLOSE_WAIT, edu_proc_state(f, self->cport, self->sport));

	ASSERT_EQ(0, shutdown(self->c, SHUT_WR));
	EXPECT_EQ(ST_TIME_WAIT, edu_wait_state(f, self->sport, self->cport,
					       ST_TIME_WAIT, EDU_IO_MS));
	EXPECT_EQ(-ENOENT, edu_wait_state(f, self->cport, self->sport,
					  -ENOENT, EDU_IO_MS));

	EXPECT_EQ(0, recv(self->s, buf, sizeof(buf), 0));
	EXPECT_EQ(0, recv(self->c, buf, sizeof(buf), 0));
	EXPECT_EQ(hup, edu_poll(self->s, EDU_POLL_ALL, 0));
	EXPECT_EQ(hup, edu_poll(self->c, EDU_POLL_ALL, 0));
	EXPECT_EQ(-EPIPE, ERRNO(send(self->s, "x", 1, MSG_NOSIGNAL)));
	EXPECT_EQ(-EPIPE, ERRNO(send(self->c, "x", 1, MSG_NOSIGNAL)));
	EXPECT_EQ(0, edu_so_error(self->s));
	EXPECT_EQ(0, edu_so_error(self->c));
}

/*
 * TIME_WAIT and bind().  The server side closes first, so its port (the
 * listener's) is the one held in TIME_WAIT, as when a server restarts.
 */
FIXTURE(time_wait) {
	struct edu_fds fds;
};

FIXTURE_VARIANT(time_wait) {
	struct edu_family f;
};

EDU_FAMILY_VARIANTS(time_wait);

FIXTURE_SETUP(time_wait)
{
}

FIXTURE_TEARDOWN(time_wait)
{
	edu_close_all(&self->fds);
}

/*
 * A connection accepted by a listener with SO_REUSEADDR = reuse, closed
 * first by the server end and then by the client, with the listener
 * closed before: only the TIME_WAIT holds the port, which is returned.
 * The accepted socket inherits SO_REUSEADDR from the listener.
 */
static int time_wait_port(struct __test_metadata *_metadata,
			  const struct edu_family *f, int reuse)
{
	int lfd, c, s, port, cport;

	lfd = edu_socket(f, SOCK_NONBLOCK);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, edu_setint(lfd, SOL_SOCKET, SO_REUSEADDR, reuse));
	ASSERT_EQ(0, edu_bind(f, lfd, "127.0.0.1", 0));
	ASSERT_EQ(0, listen(lfd, 4));
	port = edu_local_port(lfd);
	ASSERT_LT(0, port);
	c = edu_connected(f, "127.0.0.1", port);
	ASSERT_LE(0, c);
	s = edu_accept_wait(lfd, EDU_HANDSHAKE_MS);
	ASSERT_LE(0, s);
	EXPECT_EQ(reuse, edu_getint(s, SOL_SOCKET, SO_REUSEADDR));
	cport = edu_local_port(c);
	close(lfd);

	close(s);
	EXPECT_EQ(ST_FIN_WAIT2, edu_wait_state(f, port, cport, ST_FIN_WAIT2,
					       EDU_IO_MS));
	close(c);
	ASSERT_EQ(ST_TIME_WAIT, edu_wait_state(f, port, cport, ST_TIME_WAIT,
					       EDU_IO_MS));
	return port;
}

/* bind() of a new socket, SO_REUSEADDR = reuse, to port: 0 or -errno. */
static int rebind(struct edu_fds *fds, const struct edu_family *f,
		  int port, int reuse)
{
	int fd = edu_keep(fds, edu_socket(f, 0));
	int err;

	if (fd < 0)
		return fd;
	err = edu_setint(fd, SOL_SOCKET, SO_REUSEADDR, reuse);
	return err ? err : edu_bind(f, fd, "127.0.0.1", port);
}

/*
 * A SYN for a connection the server holds in TIME_WAIT, from the same
 * client port, opens a new connection at once (RFC 1122 4.2.2.13,
 * tcp_timewait_state_process()): no SYN is challenged, and the server's
 * TIME_WAIT row gives way to the new connection.  Four times on the same
 * 4-tuple: were initial sequence numbers random, about half the SYNs
 * would fall behind the old connection's and be challenged.
 */
TEST_F(time_wait, syn_reopens)
{
	const struct edu_family *f = &variant->f;
	int lfd, port, cport = 0, i, c, s;
	long ch0;
	char b;

	lfd = edu_keep(&self->fds, edu_listener(f, SOCK_NONBLOCK, "127.0.0.1",
						0, 4));
	ASSERT_LE(0, lfd);
	port = edu_local_port(lfd);
	ch0 = edu_mib(f, "SYNChallenge", "TCPSYNChallenge");
	ASSERT_LE(0, ch0);
	for (i = 0; i < 4; i++) {
		c = edu_keep(&self->fds, edu_socket(f, 0));
		ASSERT_LE(0, c);
		ASSERT_EQ(0, edu_setint(c, SOL_SOCKET, SO_REUSEADDR, 1));
		ASSERT_EQ(0, edu_bind(f, c, "127.0.0.1", cport));
		cport = edu_local_port(c);
		ASSERT_EQ(0, edu_set_timeo(c, SO_SNDTIMEO, EDU_IO_MS));
		ASSERT_EQ(0, edu_connect(f, c, "127.0.0.1", port));
		s = edu_accept_wait(lfd, EDU_HANDSHAKE_MS);
		ASSERT_LE(0, s);
		close(s);
		ASSERT_EQ(0, edu_set_timeo(c, SO_RCVTIMEO, EDU_IO_MS));
		ASSERT_EQ(0, recv(c, &b, 1, 0));
		edu_drop(&self->fds, c);
		ASSERT_EQ(ST_TIME_WAIT, edu_wait_state(f, port, cport,
						       ST_TIME_WAIT, EDU_IO_MS));
		/* The client's end is gone before its port is taken again. */
		ASSERT_EQ(-ENOENT, edu_wait_state(f, cport, port, -ENOENT,
						  EDU_IO_MS));
	}
	EXPECT_EQ(ch0, edu_mib(f, "SYNChallenge", "TCPSYNChallenge"));
}

TEST_F(time_wait, rebind_neither_reuse)
{
	int port = time_wait_port(_metadata, &variant->f, 0);

	EXPECT_EQ(-EADDRINUSE, rebind(&self->fds, &variant->f, port, 0));
}

TEST_F(time_wait, rebind_new_reuse_only)
{
	int port = time_wait_port(_metadata, &variant->f, 0);

	EXPECT_EQ(-EADDRINUSE, rebind(&self->fds, &variant->f, port, 1));
}

TEST_F(time_wait, rebind_old_reuse_only)
{
	int port = time_wait_port(_metadata, &variant->f, 1);

	EXPECT_EQ(-EADDRINUSE, rebind(&self->fds, &variant->f, port, 0));
}

/*
 * Both set SO_REUSEADDR: the new socket binds the port, listens on it and
 * takes connections, while the old connection is still in TIME_WAIT.
 */
TEST_F(time_wait, rebind_both_reuse)
{
	int port = time_wait_port(_metadata, &variant->f, 1);
	int lfd, c;

	lfd = edu_keep(&self->fds, edu_socket(&variant->f, SOCK_NONBLOCK));
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, edu_setint(lfd, SOL_SOCKET, SO_REUSEADDR, 1));
	ASSERT_EQ(0, edu_bind(&variant->f, lfd, "127.0.0.1", port));
	ASSERT_EQ(0, listen(lfd, 4));
	c = edu_keep(&self->fds, edu_connected(&variant->f, "127.0.0.1",
					       port));
	ASSERT_LE(0, c);
	EXPECT_LE(0, edu_keep(&self->fds,
			      edu_accept_wait(lfd, EDU_HANDSHAKE_MS)));
}

TEST_HARNESS_MAIN
