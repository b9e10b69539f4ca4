// SPDX-License-Identifier: GPL-2.0
/*
 * estab_connect - connect(2) on AF_EDU returns what AF_INET/TCP returns, in
 * every state a socket can be in: blocking and nonblocking, in progress,
 * connected, refused, listening, with bad addresses, with AF_UNSPEC
 * (which disconnects), and with the SO_ERROR/poll() report of the result.
 *
 * A connection is kept "in progress" by sending it to a listener whose
 * accept queue is full: TCP drops such a SYN and retries it a second
 * later, so the client stays in SYN_SENT for as long as a test needs.
 * Blocking calls carry an SO_SNDTIMEO (connect() waits that long at most).
 * The kernel's TCP (variant "tcp") is the oracle.  Ports 7000-7999.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <unistd.h>
#include <sys/socket.h>
#include "edu_selftest.h"
#include "kselftest_harness.h"

#define PORT(n)		(7000 + (n))

/* What a blocking connect() may wait: far beyond a loopback handshake. */
#define BLOCK_MS	2000

FIXTURE(connect) {
	struct edu_fds fds;
};

FIXTURE_VARIANT(connect) {
	struct edu_family f;
};

EDU_FAMILY_VARIANTS(connect);

FIXTURE_SETUP(connect)
{
}

FIXTURE_TEARDOWN(connect)
{
	edu_close_all(&self->fds);
}

#define KEEP(fd)		edu_keep(&self->fds, (fd))
#define CONNECT(fd, ip, port) \
	edu_connect(&variant->f, (fd), (ip), (port))

/* A blocking socket whose connect() gives up after BLOCK_MS. */
static int blocking_socket(const struct edu_family *f)
{
	int fd = edu_socket(f, 0);

	if (fd >= 0 && edu_set_timeo(fd, SO_SNDTIMEO, BLOCK_MS)) {
		close(fd);
		return -errno;
	}
	return fd;
}

static int connect_raw(int fd, int family, const char *ip,
		       unsigned short port, socklen_t len)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *a = (struct sockaddr_in *)&ss;

	memset(&ss, 0, sizeof(ss));
	a->sin_family = family;
	a->sin_port = htons(port);
	inet_pton(AF_INET, ip, &a->sin_addr);
	return connect(fd, (struct sockaddr *)&ss, len) ? -errno : 0;
}

/*
 * A listener on port whose accept queue is full (backlog 0, one connection
 * queued): the SYN of any further client is dropped, so that client stays
 * connecting.  Returns the listener or -errno.
 */
static int full_listener(const struct edu_family *f, struct edu_fds *fds,
			 unsigned short port)
{
	int lfd = edu_keep(fds, edu_listener(f, SOCK_NONBLOCK, "127.0.0.1",
					     port, 0));
	int cfd;

	if (lfd < 0)
		return lfd;
	cfd = edu_keep(fds, edu_connected(f, "127.0.0.1", port));
	return cfd < 0 ? cfd : lfd;
}

/* A client stuck connecting to a full listener on port, or -errno. */
static int stuck_client(const struct edu_family *f, struct edu_fds *fds,
			unsigned short port)
{
	int fd, err;

	err = full_listener(f, fds, port);
	if (err < 0)
		return err;
	fd = edu_keep(fds, edu_connect_start(f, "127.0.0.1", port));
	if (fd < 0)
		return fd;
	err = edu_wait_connected(fd, 200);
	return err == -ETIMEDOUT ? fd : (err ? err : -EISCONN);
}

TEST_F(connect, blocking)
{
	struct sockaddr_in a;
	int lfd, fd, lo, hi;

	ASSERT_EQ(0, edu_port_range(&lo, &hi));
	lfd = KEEP(edu_listener(&variant->f, 0, "127.0.0.1", PORT(0), 4));
	ASSERT_LE(0, lfd);
	fd = KEEP(blocking_socket(&variant->f));
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, CONNECT(fd, "127.0.0.1", PORT(0)));
	EXPECT_EQ(0, edu_so_error(fd));

	ASSERT_EQ(0, edu_name(fd, 1, &a));
	EXPECT_EQ(fam_af(&variant->f), a.sin_family);
	EXPECT_EQ(htonl(INADDR_LOOPBACK), a.sin_addr.s_addr);
	EXPECT_EQ(htons(PORT(0)), a.sin_port);

	/* connect() bound the socket implicitly to an ephemeral port. */
	ASSERT_EQ(0, edu_name(fd, 0, &a));
	EXPECT_EQ(fam_af(&variant->f), a.sin_family);
	EXPECT_EQ(htonl(INADDR_LOOPBACK), a.sin_addr.s_addr);
	EXPECT_LE(lo, ntohs(a.sin_port));
	EXPECT_GE(hi, ntohs(a.sin_port));
	EXPECT_EQ(0, edu_getint(fd, SOL_SOCKET, SO_ACCEPTCONN));
}

TEST_F(connect, getpeername_unconnected)
{
	struct sockaddr_in a;
	int fd = KEEP(edu_socket(&variant->f, 0)), lfd;

	ASSERT_LE(0, fd);
	EXPECT_EQ(-ENOTCONN, edu_name(fd, 1, &a));
	ASSERT_EQ(0, edu_bind(&variant->f, fd, "127.0.0.1", PORT(1)));
	EXPECT_EQ(-ENOTCONN, edu_name(fd, 1, &a));
	lfd = KEEP(edu_listener(&variant->f, 0, "127.0.0.1", PORT(2), 1));
	ASSERT_LE(0, lfd);
	EXPECT_EQ(-ENOTCONN, edu_name(lfd, 1, &a));
}

/* A client still in SYN_SENT has no peer yet, as getpeername() sees it. */
TEST_F(connect, getpeername_connecting)
{
	struct sockaddr_in a;
	int fd = stuck_client(&variant->f, &self->fds, PORT(3));

	ASSERT_LE(0, fd);
	EXPECT_EQ(-ENOTCONN, edu_name(fd, 1, &a));
	/* But it is bound already. */
	EXPECT_NE(0, edu_local_port(fd));
}

/* An explicitly bound client keeps its address and port. */
TEST_F(connect, bound_client)
{
	struct sockaddr_in a;
	int lfd, fd;

	lfd = KEEP(edu_listener(&variant->f, 0, "127.0.0.1", PORT(4), 4));
	ASSERT_LE(0, lfd);
	fd = KEEP(blocking_socket(&variant->f));
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, edu_bind(&variant->f, fd, "127.0.0.1", PORT(5)));
	ASSERT_EQ(0, CONNECT(fd, "127.0.0.1", PORT(4)));
	ASSERT_EQ(0, edu_name(fd, 0, &a));
	EXPECT_EQ(htons(PORT(5)), a.sin_port);
	EXPECT_EQ(htonl(INADDR_LOOPBACK), a.sin_addr.s_addr);
}

/*
 * The source address comes from the route: to 127.0.0.2 over loopback it
 * is the route's preferred source 127.0.0.1, while the server's end is the
 * address the client asked for.
 */
TEST_F(connect, source_address)
{
	struct sockaddr_in a;
	int lfd, fd, afd;

	lfd = KEEP(edu_listener(&variant->f, SOCK_NONBLOCK, "0.0.0.0",
				PORT(6), 4));
	ASSERT_LE(0, lfd);
	fd = KEEP(edu_connected(&variant->f, "127.0.0.2", PORT(6)));
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, edu_name(fd, 0, &a));
	EXPECT_EQ(htonl(INADDR_LOOPBACK), a.sin_addr.s_addr);
	ASSERT_EQ(0, edu_name(fd, 1, &a));
	EXPECT_EQ(inet_addr("127.0.0.2"), a.sin_addr.s_addr);
	afd = KEEP(edu_accept_wait(lfd, EDU_HANDSHAKE_MS));
	ASSERT_LE(0, afd);
	ASSERT_EQ(0, edu_name(afd, 0, &a));
	EXPECT_EQ(inet_addr("127.0.0.2"), a.sin_addr.s_addr);
	EXPECT_EQ(htons(PORT(6)), a.sin_port);
}

/* INADDR_ANY as a destination means this host, as in BSD. */
TEST_F(connect, to_any_address)
{
	struct sockaddr_in a;
	int lfd, fd;

	lfd = KEEP(edu_listener(&variant->f, SOCK_NONBLOCK, "127.0.0.1",
				PORT(7), 4));
	ASSERT_LE(0, lfd);
	fd = KEEP(edu_connected(&variant->f, "0.0.0.0", PORT(7)));
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, edu_name(fd, 1, &a));
	EXPECT_EQ(htonl(INADDR_LOOPBACK), a.sin_addr.s_addr);
	EXPECT_EQ(htons(PORT(7)), a.sin_port);
}

TEST_F(connect, nonblocking)
{
	int lfd, fd;

	lfd = KEEP(edu_listener(&variant->f, 0, "127.0.0.1", PORT(8), 4));
	ASSERT_LE(0, lfd);
	fd = KEEP(edu_socket(&variant->f, SOCK_NONBLOCK));
	ASSERT_LE(0, fd);
	/* Loopback answers in softirq, after connect() has returned. */
	EXPECT_EQ(-EINPROGRESS, CONNECT(fd, "127.0.0.1", PORT(8)));
	EXPECT_EQ(POLLOUT | POLLWRNORM,
		  edu_poll(fd, EDU_POLL_ALL, EDU_HANDSHAKE_MS));
	EXPECT_EQ(0, edu_so_error(fd));
	/*
	 * Asking again gives the outcome: the first call after the
	 * handshake succeeds (it moves the socket to SS_CONNECTED), the
	 * next one finds it connected.
	 */
	EXPECT_EQ(0, CONNECT(fd, "127.0.0.1", PORT(8)));
	EXPECT_EQ(-EISCONN, CONNECT(fd, "127.0.0.1", PORT(8)));
}

TEST_F(connect, already_in_progress)
{
	int fd = stuck_client(&variant->f, &self->fds, PORT(9));

	ASSERT_LE(0, fd);
	/* Still connecting: nothing to report to poll(). */
	EXPECT_EQ(0, edu_poll(fd, EDU_POLL_ALL, 0));
	EXPECT_EQ(-EALREADY, CONNECT(fd, "127.0.0.1", PORT(9)));
	EXPECT_EQ(-EALREADY, CONNECT(fd, "127.0.0.1", PORT(10)));
	EXPECT_EQ(0, edu_so_error(fd));
}

/*
 * A blocking connect() that SO_SNDTIMEO cuts short returns EINPROGRESS and
 * leaves the attempt running; calling again gives EALREADY (after the
 * timeout again, since the socket blocks).
 */
TEST_F(connect, blocking_timeout)
{
	long t0, dt;
	int fd;

	ASSERT_LE(0, full_listener(&variant->f, &self->fds, PORT(11)));
	fd = KEEP(edu_socket(&variant->f, 0));
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, edu_set_timeo(fd, SO_SNDTIMEO, 200));
	t0 = edu_now_ms();
	EXPECT_EQ(-EINPROGRESS, CONNECT(fd, "127.0.0.1", PORT(11)));
	dt = edu_now_ms() - t0;
	EXPECT_LE(150, dt);
	EXPECT_GE(900, dt);
	t0 = edu_now_ms();
	EXPECT_EQ(-EALREADY, CONNECT(fd, "127.0.0.1", PORT(11)));
	dt = edu_now_ms() - t0;
	EXPECT_LE(150, dt);
	EXPECT_GE(900, dt);
}

TEST_F(connect, already_connected)
{
	int lfd, fd;

	lfd = KEEP(edu_listener(&variant->f, 0, "127.0.0.1", PORT(12), 4));
	ASSERT_LE(0, lfd);
	ASSERT_LE(0, KEEP(edu_listener(&variant->f, 0, "127.0.0.1",
				       PORT(13), 4)));
	fd = KEEP(blocking_socket(&variant->f));
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, CONNECT(fd, "127.0.0.1", PORT(12)));
	EXPECT_EQ(-EISCONN, CONNECT(fd, "127.0.0.1", PORT(12)));
	EXPECT_EQ(-EISCONN, CONNECT(fd, "127.0.0.1", PORT(13)));
	/* The bad address is not even looked at. */
	EXPECT_EQ(-EISCONN, connect_raw(fd, AF_UNIX, "127.0.0.1", PORT(13),
					sizeof(struct sockaddr_in)));
}

TEST_F(connect, refused_blocking)
{
	struct sockaddr_in a;
	int fd, lfd;

	fd = KEEP(blocking_socket(&variant->f));
	ASSERT_LE(0, fd);
	EXPECT_EQ(-ECONNREFUSED, CONNECT(fd, "127.0.0.1", PORT(14)));
	/* connect() reported the error, which is then gone. */
	EXPECT_EQ(0, edu_so_error(fd));
	EXPECT_EQ(-ENOTCONN, edu_name(fd, 1, &a));
	EXPECT_EQ(POLLOUT | POLLWRNORM | POLLHUP,
		  edu_poll(fd, EDU_POLL_ALL, 0));

	/* The socket may try again, and now someone listens. */
	lfd = KEEP(edu_listener(&variant->f, 0, "127.0.0.1", PORT(14), 4));
	ASSERT_LE(0, lfd);
	EXPECT_EQ(0, CONNECT(fd, "127.0.0.1", PORT(14)));
}

/*
 * Nonblocking: the RST makes the socket readable, writable, in error and
 * hung up; SO_ERROR says why, once.
 */
TEST_F(connect, refused_nonblocking)
{
	int fd;

	fd = KEEP(edu_socket(&variant->f, SOCK_NONBLOCK));
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINPROGRESS, CONNECT(fd, "127.0.0.1", PORT(15)));
	EXPECT_EQ(POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM | POLLRDHUP |
		  POLLERR | POLLHUP,
		  edu_poll(fd, EDU_POLL_ALL, EDU_HANDSHAKE_MS));
	EXPECT_EQ(POLLOUT | POLLERR | POLLHUP, edu_poll(fd, POLLOUT, 0));
	EXPECT_EQ(ECONNREFUSED, edu_so_error(fd));
	EXPECT_EQ(0, edu_so_error(fd));
	/* Reading the error cleared POLLERR as well. */
	EXPECT_EQ(POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM | POLLRDHUP |
		  POLLHUP, edu_poll(fd, EDU_POLL_ALL, 0));
	/*
	 * With the error consumed, asking connect() for the outcome gives
	 * ECONNABORTED; the socket is then unconnected again.
	 */
	EXPECT_EQ(-ECONNABORTED, CONNECT(fd, "127.0.0.1", PORT(15)));
	EXPECT_EQ(-EINPROGRESS, CONNECT(fd, "127.0.0.1", PORT(15)));
}

/* The usual idiom: poll, then connect() again to learn the outcome. */
TEST_F(connect, refused_reported_by_connect)
{
	int fd;

	fd = KEEP(edu_socket(&variant->f, SOCK_NONBLOCK));
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINPROGRESS, CONNECT(fd, "127.0.0.1", PORT(16)));
	EXPECT_NE(0, edu_poll(fd, POLLOUT, EDU_HANDSHAKE_MS) & POLLERR);
	EXPECT_EQ(-ECONNREFUSED, CONNECT(fd, "127.0.0.1", PORT(16)));
	EXPECT_EQ(0, edu_so_error(fd));
	/* That consumed the attempt: the next call starts a new one. */
	EXPECT_EQ(-EINPROGRESS, CONNECT(fd, "127.0.0.1", PORT(16)));
	EXPECT_EQ(-ECONNREFUSED, edu_wait_connected(fd, EDU_HANDSHAKE_MS));
}

/* A listener is not "unconnected": connect() on it is EISCONN. */
TEST_F(connect, on_listener)
{
	int lfd, other;

	other = KEEP(edu_listener(&variant->f, 0, "127.0.0.1", PORT(17), 4));
	ASSERT_LE(0, other);
	lfd = KEEP(edu_listener(&variant->f, 0, "127.0.0.1", PORT(18), 4));
	ASSERT_LE(0, lfd);
	EXPECT_EQ(-EISCONN, CONNECT(lfd, "127.0.0.1", PORT(17)));
	EXPECT_EQ(1, edu_getint(lfd, SOL_SOCKET, SO_ACCEPTCONN));
}

TEST_F(connect, short_addrlen)
{
	int fd = KEEP(edu_socket(&variant->f, SOCK_NONBLOCK));

	ASSERT_LE(0, fd);
	ASSERT_LE(0, KEEP(edu_listener(&variant->f, 0, "127.0.0.1", PORT(19),
				       4)));
	EXPECT_EQ(-EINVAL, connect_raw(fd, fam_af(&variant->f), "127.0.0.1",
				       PORT(19),
				       sizeof(struct sockaddr_in) - 1));
	EXPECT_EQ(-EINVAL, connect_raw(fd, fam_af(&variant->f), "127.0.0.1",
				       PORT(19), sizeof(sa_family_t)));
	EXPECT_EQ(-EINVAL, connect_raw(fd, fam_af(&variant->f), "127.0.0.1",
				       PORT(19), 1));
	EXPECT_EQ(-EINVAL, connect_raw(fd, fam_af(&variant->f), "127.0.0.1",
				       PORT(19), 0));
	/* Nothing happened to the socket. */
	EXPECT_EQ(0, edu_local_port(fd));
	EXPECT_EQ(POLLOUT | POLLWRNORM | POLLHUP,
		  edu_poll(fd, EDU_POLL_ALL, 0));
}

TEST_F(connect, wrong_family)
{
	int other = variant->f.edu ? AF_INET : edu_af();
	int fd = KEEP(edu_socket(&variant->f, SOCK_NONBLOCK));

	ASSERT_LE(0, fd);
	ASSERT_LE(0, KEEP(edu_listener(&variant->f, 0, "127.0.0.1", PORT(20),
				       4)));
	EXPECT_EQ(-EAFNOSUPPORT, connect_raw(fd, other, "127.0.0.1", PORT(20),
					     sizeof(struct sockaddr_in)));
	EXPECT_EQ(-EAFNOSUPPORT, connect_raw(fd, AF_UNIX, "127.0.0.1",
					     PORT(20),
					     sizeof(struct sockaddr_in)));
	EXPECT_EQ(-EAFNOSUPPORT, connect_raw(fd, AF_INET6, "127.0.0.1",
					     PORT(20),
					     sizeof(struct sockaddr_in)));
	EXPECT_EQ(0, edu_local_port(fd));
	EXPECT_EQ(POLLOUT | POLLWRNORM | POLLHUP,
		  edu_poll(fd, EDU_POLL_ALL, 0));
}

/*
 * connect(AF_UNSPEC) disconnects (tcp_disconnect()); on a fresh socket it
 * does nothing and succeeds.
 */
TEST_F(connect, unspec_fresh)
{
	struct sockaddr_in a;
	int fd = KEEP(edu_socket(&variant->f, SOCK_NONBLOCK));

	ASSERT_LE(0, fd);
	EXPECT_EQ(0, connect_raw(fd, AF_UNSPEC, "0.0.0.0", 0,
				 sizeof(sa_family_t)));
	EXPECT_EQ(-ENOTCONN, edu_name(fd, 1, &a));
	EXPECT_EQ(0, edu_local_port(fd));
}

TEST_F(connect, unspec_connected)
{
	struct sockaddr_in a;
	int lfd, fd;

	lfd = KEEP(edu_listener(&variant->f, SOCK_NONBLOCK, "127.0.0.1",
				PORT(21), 4));
	ASSERT_LE(0, lfd);
	fd = KEEP(edu_connected(&variant->f, "127.0.0.1", PORT(21)));
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, connect_raw(fd, AF_UNSPEC, "0.0.0.0", 0,
				 sizeof(struct sockaddr_in)));
	EXPECT_EQ(-ENOTCONN, edu_name(fd, 1, &a));
	/* tcp_disconnect() aborts like RFC 793's ABORT: RST, ECONNRESET. */
	EXPECT_EQ(ECONNRESET, edu_so_error(fd));
	EXPECT_EQ(0, edu_so_error(fd));
	/* It can connect again. */
	EXPECT_EQ(-EINPROGRESS, CONNECT(fd, "127.0.0.1", PORT(21)));
	EXPECT_EQ(0, edu_wait_connected(fd, EDU_HANDSHAKE_MS));
}

/* True when the main routing table has a default route. */
static int have_default_route(void)
{
	char line[256];
	unsigned int dst;
	FILE *f = fopen("/proc/net/route", "r");
	int found = 0;

	if (!f)
		return 1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %x", &dst) == 1 && dst == 0)
			found = 1;
	fclose(f);
	return found;
}

/* No route to the destination: connect() fails at once, even blocking. */
TEST_F(connect, no_route)
{
	int fd = KEEP(edu_socket(&variant->f, SOCK_NONBLOCK));
	int bfd = KEEP(blocking_socket(&variant->f));

	ASSERT_LE(0, fd);
	ASSERT_LE(0, bfd);
	if (have_default_route())
		SKIP(return, "a default route would make 192.0.2.1 reachable");
	EXPECT_EQ(-ENETUNREACH, CONNECT(fd, "192.0.2.1", PORT(22)));
	EXPECT_EQ(-ENETUNREACH, CONNECT(bfd, "192.0.2.1", PORT(22)));
	EXPECT_EQ(0, edu_so_error(fd));
	EXPECT_EQ(0, edu_local_port(fd));
}

/*
 * Two SO_REUSEADDR sockets bound to one address and port may share it,
 * but not a 4-tuple: connecting the second to the first's peer fails at
 * once with EADDRNOTAVAIL, nonblocking or not (__inet_check_established()).
 * The first connection goes on untouched; the second socket keeps its
 * port and may connect elsewhere.
 */
TEST_F(connect, duplicate_tuple)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct sockaddr_in n;
	int lfd, lfd2, a, b, child;
	char c = 0;

	lfd = KEEP(edu_listener(&variant->f, 0, "127.0.0.1", PORT(23), 4));
	ASSERT_LE(0, lfd);
	lfd2 = KEEP(edu_listener(&variant->f, 0, "127.0.0.1", PORT(24), 4));
	ASSERT_LE(0, lfd2);
	a = KEEP(blocking_socket(&variant->f));
	ASSERT_LE(0, a);
	b = KEEP(blocking_socket(&variant->f));
	ASSERT_LE(0, b);
	ASSERT_EQ(0, edu_setint(a, SOL_SOCKET, SO_REUSEADDR, 1));
	ASSERT_EQ(0, edu_setint(b, SOL_SOCKET, SO_REUSEADDR, 1));
	ASSERT_EQ(0, edu_bind(&variant->f, a, "127.0.0.1", PORT(25)));
	ASSERT_EQ(0, edu_bind(&variant->f, b, "127.0.0.1", PORT(25)));

	ASSERT_EQ(0, CONNECT(a, "127.0.0.1", PORT(23)));
	ASSERT_EQ(0, edu_set_nonblock(b, 1));
	EXPECT_EQ(-EADDRNOTAVAIL, CONNECT(b, "127.0.0.1", PORT(23)));
	ASSERT_EQ(0, edu_set_nonblock(b, 0));
	EXPECT_EQ(-EADDRNOTAVAIL, CONNECT(b, "127.0.0.1", PORT(23)));
	EXPECT_EQ(0, edu_so_error(b));
	EXPECT_EQ(-ENOTCONN, edu_name(b, 1, &n));
	ASSERT_EQ(0, edu_name(b, 0, &n));
	EXPECT_EQ(htons(PORT(25)), n.sin_port);

	/* The first connection still carries bytes both ways. */
	child = KEEP(edu_accept_wait(lfd, EDU_HANDSHAKE_MS));
	ASSERT_LE(0, child);
	ASSERT_EQ(1, write(a, "x", 1));
	ASSERT_EQ(POLLIN, edu_poll(child, POLLIN, EDU_HANDSHAKE_MS) & POLLIN);
	ASSERT_EQ(1, read(child, &c, 1));
	EXPECT_EQ('x', c);
	ASSERT_EQ(1, write(child, "y", 1));
	ASSERT_EQ(POLLIN, edu_poll(a, POLLIN, EDU_HANDSHAKE_MS) & POLLIN);
	ASSERT_EQ(1, read(a, &c, 1));
	EXPECT_EQ('y', c);
	EXPECT_EQ(0, edu_so_error(a));

	/* Another peer makes another 4-tuple. */
	EXPECT_EQ(0, CONNECT(b, "127.0.0.1", PORT(24)));
	ASSERT_EQ(0, edu_name(b, 0, &n));
	EXPECT_EQ(htons(PORT(25)), n.sin_port);

	/* No TIME_WAIT on the fixed port: the clients end with an RST. */
	ASSERT_EQ(0, setsockopt(a, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	ASSERT_EQ(0, setsockopt(b, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
}

TEST_HARNESS_MAIN
