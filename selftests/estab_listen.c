// SPDX-License-Identifier: GPL-2.0
/*
 * estab_listen - listen(2) and its backlog on AF_EDU behave exactly as on
 * AF_INET/TCP: the backlog is min(n, somaxconn) read at listen() time; the
 * accept queue is full when it holds MORE than the backlog, so backlog + 1
 * connections complete while nobody accepts; a SYN arriving at a full
 * queue is dropped, so later clients stay connecting until their SYN is
 * retransmitted (1 s later) into a queue that has room again.
 *
 * Counting completions is the only measure both families share, so every
 * backlog here is observed through how many clients become writable.  The
 * kernel's TCP (variant "tcp") is the oracle.  Ports 6000-6999.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <unistd.h>
#include <sys/socket.h>
#include "edu_selftest.h"
#include "kselftest_harness.h"

#define PORT(n)		(6000 + (n))
#define SOMAXCONN_PATH	"/proc/sys/net/core/somaxconn"

/* Clients beyond the backlog: they must stay connecting. */
#define EXTRA		2

/*
 * How long a client may take to be writable to count as "completed": a
 * loopback handshake takes milliseconds even under TCG, a dropped SYN is
 * retried after a whole second.
 */
#define QUICK_MS	300

/* Waiting for retransmitted SYNs: they come at 1 s and 3 s. */
#define RETRY_MS	6000

FIXTURE(listen) {
	struct edu_fds fds;
	int somaxconn;	/* as it was, for teardown; 0: untouched */
};

FIXTURE_VARIANT(listen) {
	struct edu_family f;
};

EDU_FAMILY_VARIANTS(listen);

FIXTURE_SETUP(listen)
{
}

FIXTURE_TEARDOWN(listen)
{
	edu_close_all(&self->fds);
	if (self->somaxconn > 0)
		edu_write_int(SOMAXCONN_PATH, self->somaxconn);
}

/* Sets net.core.somaxconn, saving the old value for teardown. */
static int set_somaxconn(FIXTURE_DATA(listen) *self, int v)
{
	int err, old;

	if (!self->somaxconn) {
		err = edu_read_int(SOMAXCONN_PATH, &old);
		if (err)
			return err;
		self->somaxconn = old;
	}
	return edu_write_int(SOMAXCONN_PATH, v);
}

/*
 * Starts n clients to 127.0.0.1:port one after another, each given
 * QUICK_MS to complete.  Returns how many completed; fd[] gets them all,
 * ok[] says which completed.  A client never runs ahead of the previous
 * one, so the completed ones must be the first.
 */
static int connect_some(const struct edu_family *f, struct edu_fds *fds,
			unsigned short port, int n, int *fd, int *ok)
{
	int i, done = 0;

	for (i = 0; i < n; i++) {
		fd[i] = edu_keep(fds, edu_connect_start(f, "127.0.0.1", port));
		ok[i] = fd[i] >= 0 && !edu_wait_connected(fd[i], QUICK_MS);
		done += ok[i];
	}
	return done;
}

/* Clients that can complete right now: the queue's free room. */
static int count_room(struct __test_metadata *_metadata,
		      FIXTURE_DATA(listen) *self, const struct edu_family *f,
		      unsigned short port, int expect)
{
	int fd[16], ok[16], i, done;

	done = connect_some(f, &self->fds, port, expect + EXTRA, fd, ok);
	for (i = 0; i < expect + EXTRA; i++) {
		EXPECT_LE(0, fd[i]);
		EXPECT_EQ(i < expect, ok[i])
			TH_LOG("client %d of %d: %s", i, expect + EXTRA,
			       ok[i] ? "completed" : "still connecting");
	}
	return done;
}

/*
 * The whole life of a full accept queue: backlog + 1 clients complete, the
 * rest wait; accept() drains exactly backlog + 1; then the waiting clients'
 * retransmitted SYNs get in and they can be accepted too.
 */
static void backlog_run(struct __test_metadata *_metadata,
			FIXTURE_DATA(listen) *self,
			const struct edu_family *f, unsigned short port,
			int backlog)
{
	int n = backlog + 1 + EXTRA, fd[16], ok[16], i, lfd, done, late;
	int accepted;
	long end;

	lfd = edu_keep(&self->fds, edu_listener(f, SOCK_NONBLOCK,
						"127.0.0.1", port, backlog));
	ASSERT_LE(0, lfd);

	done = connect_some(f, &self->fds, port, n, fd, ok);
	EXPECT_EQ(backlog + 1, done);
	for (i = 0; i < n; i++) {
		ASSERT_LE(0, fd[i]);
		EXPECT_EQ(i <= backlog, ok[i])
			TH_LOG("client %d: %s", i,
			       ok[i] ? "completed" : "still connecting");
	}
	/* The clients still connecting have no error, only no POLLOUT. */
	for (i = backlog + 1; i < n; i++) {
		EXPECT_EQ(0, edu_poll(fd[i], EDU_POLL_ALL, 0));
	}

	EXPECT_EQ(backlog + 1, edu_accept_all(lfd, &self->fds));

	/*
	 * The rest arrive with their SYN retransmissions.  Accept as they
	 * come: with a small backlog the second would find the queue full.
	 */
	accepted = 0;
	late = 0;
	end = edu_now_ms() + RETRY_MS;
	while ((accepted < EXTRA || late < EXTRA) && edu_now_ms() < end) {
		if (edu_poll(lfd, POLLIN, 50) > 0) {
			i = edu_accept_all(lfd, &self->fds);
			if (i > 0)
				accepted += i;
		}
		late = 0;
		for (i = backlog + 1; i < n; i++)
			late += !edu_wait_connected(fd[i], 0);
	}
	EXPECT_EQ(EXTRA, late);
	EXPECT_EQ(EXTRA, accepted);
	/* Nothing more is queued. */
	EXPECT_EQ(0, edu_poll(lfd, POLLIN, 0));
}

TEST_F(listen, backlog_0)
{
	backlog_run(_metadata, self, &variant->f, PORT(0), 0);
}

TEST_F(listen, backlog_1)
{
	backlog_run(_metadata, self, &variant->f, PORT(1), 1);
}

TEST_F(listen, backlog_2)
{
	backlog_run(_metadata, self, &variant->f, PORT(2), 2);
}

TEST_F(listen, backlog_5)
{
	backlog_run(_metadata, self, &variant->f, PORT(5), 5);
}

TEST_F(listen, backlog_8)
{
	backlog_run(_metadata, self, &variant->f, PORT(8), 8);
}

/* somaxconn caps the backlog, read when listen() is called. */
TEST_F(listen, somaxconn_clamp)
{
	int lfd;

	ASSERT_EQ(0, set_somaxconn(self, 2));
	lfd = edu_keep(&self->fds, edu_listener(&variant->f, SOCK_NONBLOCK,
						 "127.0.0.1", PORT(20), 100));
	ASSERT_LE(0, lfd);
	/* Raising it again does not change a listener already made. */
	ASSERT_EQ(0, edu_write_int(SOMAXCONN_PATH, self->somaxconn));
	EXPECT_EQ(3, count_room(_metadata, self, &variant->f, PORT(20), 3));
	EXPECT_EQ(3, edu_accept_all(lfd, &self->fds));
}

/* A negative backlog is a huge unsigned one: somaxconn. */
TEST_F(listen, negative_backlog)
{
	int lfd;

	ASSERT_EQ(0, set_somaxconn(self, 2));
	lfd = edu_keep(&self->fds, edu_listener(&variant->f, SOCK_NONBLOCK,
						 "127.0.0.1", PORT(21), -1));
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, edu_write_int(SOMAXCONN_PATH, self->somaxconn));
	EXPECT_EQ(3, count_room(_metadata, self, &variant->f, PORT(21), 3));
}

/* listen() on a listener only changes the backlog: up... */
TEST_F(listen, relisten_grow)
{
	int lfd, port;

	lfd = edu_keep(&self->fds, edu_listener(&variant->f, SOCK_NONBLOCK,
						 "127.0.0.1", PORT(22), 1));
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, listen(lfd, 3));
	port = edu_local_port(lfd);
	EXPECT_EQ(PORT(22), port);
	EXPECT_EQ(1, edu_getint(lfd, SOL_SOCKET, SO_ACCEPTCONN));
	EXPECT_EQ(4, count_room(_metadata, self, &variant->f, PORT(22), 4));
}

/* ...and down. */
TEST_F(listen, relisten_shrink)
{
	int lfd;

	lfd = edu_keep(&self->fds, edu_listener(&variant->f, SOCK_NONBLOCK,
						 "127.0.0.1", PORT(23), 5));
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, listen(lfd, 1));
	EXPECT_EQ(PORT(23), edu_local_port(lfd));
	EXPECT_EQ(2, count_room(_metadata, self, &variant->f, PORT(23), 2));
}

/* A new backlog applies to a queue that already holds connections. */
TEST_F(listen, relisten_with_queue)
{
	int lfd, fd[2], ok[2];

	lfd = edu_keep(&self->fds, edu_listener(&variant->f, SOCK_NONBLOCK,
						 "127.0.0.1", PORT(24), 4));
	ASSERT_LE(0, lfd);
	ASSERT_EQ(2, connect_some(&variant->f, &self->fds, PORT(24), 2, fd,
				  ok));
	/* Two queued, backlog 2: one more fits. */
	ASSERT_EQ(0, listen(lfd, 2));
	EXPECT_EQ(1, count_room(_metadata, self, &variant->f, PORT(24), 1));
	EXPECT_EQ(3, edu_accept_all(lfd, &self->fds));
}

/* listen() on an unbound socket binds an ephemeral port on INADDR_ANY. */
TEST_F(listen, autobind)
{
	struct sockaddr_in a;
	int lo, hi, lfd, cfd;

	ASSERT_EQ(0, edu_port_range(&lo, &hi));
	lfd = edu_keep(&self->fds, edu_socket(&variant->f, SOCK_NONBLOCK));
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, listen(lfd, 4));
	ASSERT_EQ(0, edu_name(lfd, 0, &a));
	EXPECT_EQ(fam_af(&variant->f), a.sin_family);
	EXPECT_EQ(htonl(INADDR_ANY), a.sin_addr.s_addr);
	EXPECT_NE(0, a.sin_port);
	EXPECT_LE(lo, ntohs(a.sin_port));
	EXPECT_GE(hi, ntohs(a.sin_port));
	/* It is a real listener on that port. */
	cfd = edu_keep(&self->fds, edu_connected(&variant->f, "127.0.0.1",
						 ntohs(a.sin_port)));
	EXPECT_LE(0, cfd);
	EXPECT_EQ(1, edu_accept_all(lfd, &self->fds));
}

TEST_F(listen, acceptconn)
{
	int fd = edu_keep(&self->fds, edu_socket(&variant->f, 0));

	ASSERT_LE(0, fd);
	EXPECT_EQ(0, edu_getint(fd, SOL_SOCKET, SO_ACCEPTCONN));
	ASSERT_EQ(0, edu_bind(&variant->f, fd, "127.0.0.1", PORT(25)));
	EXPECT_EQ(0, edu_getint(fd, SOL_SOCKET, SO_ACCEPTCONN));
	ASSERT_EQ(0, listen(fd, 0));
	EXPECT_EQ(1, edu_getint(fd, SOL_SOCKET, SO_ACCEPTCONN));
}

/* Connected sockets, both ends, cannot listen. */
TEST_F(listen, connected)
{
	int lfd, cfd, afd;

	lfd = edu_keep(&self->fds, edu_listener(&variant->f, SOCK_NONBLOCK,
						 "127.0.0.1", PORT(26), 4));
	ASSERT_LE(0, lfd);
	cfd = edu_keep(&self->fds, edu_connected(&variant->f, "127.0.0.1",
						 PORT(26)));
	ASSERT_LE(0, cfd);
	afd = edu_keep(&self->fds, edu_accept_wait(lfd, EDU_HANDSHAKE_MS));
	ASSERT_LE(0, afd);
	EXPECT_EQ(-EINVAL, listen(cfd, 4) ? -errno : 0);
	EXPECT_EQ(-EINVAL, listen(afd, 4) ? -errno : 0);
	EXPECT_EQ(0, edu_getint(cfd, SOL_SOCKET, SO_ACCEPTCONN));
	EXPECT_EQ(0, edu_getint(afd, SOL_SOCKET, SO_ACCEPTCONN));
	/* Still connected: the failed listen() changed nothing. */
	EXPECT_EQ(0, edu_wait_connected(cfd, 0));
}

/* Neither can a socket still connecting (its SYN dropped by a full queue). */
TEST_F(listen, connecting)
{
	int lfd, fd[2], ok[2];

	lfd = edu_keep(&self->fds, edu_listener(&variant->f, SOCK_NONBLOCK,
						 "127.0.0.1", PORT(27), 0));
	ASSERT_LE(0, lfd);
	ASSERT_EQ(1, connect_some(&variant->f, &self->fds, PORT(27), 2, fd,
				  ok));
	ASSERT_EQ(0, ok[1]);
	EXPECT_EQ(-EINVAL, listen(fd[1], 4) ? -errno : 0);
	EXPECT_EQ(0, edu_getint(fd[1], SOL_SOCKET, SO_ACCEPTCONN));
}

/*
 * shutdown() of a listener closes it but keeps the socket and its port: it
 * may listen again, on the same port.
 */
TEST_F(listen, after_shutdown)
{
	int lfd, cfd;

	lfd = edu_keep(&self->fds, edu_listener(&variant->f, SOCK_NONBLOCK,
						 "127.0.0.1", PORT(28), 4));
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, shutdown(lfd, SHUT_RDWR));
	EXPECT_EQ(0, edu_getint(lfd, SOL_SOCKET, SO_ACCEPTCONN));
	EXPECT_EQ(PORT(28), edu_local_port(lfd));
	/* Nobody listens: a client is refused. */
	EXPECT_EQ(-ECONNREFUSED, edu_connected(&variant->f, "127.0.0.1",
					       PORT(28)));
	ASSERT_EQ(0, listen(lfd, 4));
	EXPECT_EQ(1, edu_getint(lfd, SOL_SOCKET, SO_ACCEPTCONN));
	EXPECT_EQ(PORT(28), edu_local_port(lfd));
	cfd = edu_keep(&self->fds, edu_connected(&variant->f, "127.0.0.1",
						 PORT(28)));
	EXPECT_LE(0, cfd);
	EXPECT_EQ(1, edu_accept_all(lfd, &self->fds));
}

/* shutdown(SHUT_WR) leaves a listener listening. */
TEST_F(listen, shutdown_write)
{
	int lfd, cfd;

	lfd = edu_keep(&self->fds, edu_listener(&variant->f, SOCK_NONBLOCK,
						 "127.0.0.1", PORT(29), 4));
	ASSERT_LE(0, lfd);
	EXPECT_EQ(0, shutdown(lfd, SHUT_WR));
	EXPECT_EQ(1, edu_getint(lfd, SOL_SOCKET, SO_ACCEPTCONN));
	cfd = edu_keep(&self->fds, edu_connected(&variant->f, "127.0.0.1",
						 PORT(29)));
	EXPECT_LE(0, cfd);
	EXPECT_EQ(1, edu_accept_all(lfd, &self->fds));
}

TEST_HARNESS_MAIN
