// SPDX-License-Identifier: GPL-2.0
/*
 * estab_port_share - connect()'s ephemeral port is shared between
 * connections to different destinations, as TCP's is
 * (__inet_hash_connect()): a port that only other connect()s hold is
 * taken again when the 4-tuple is new, a TIME_WAIT one included; a port
 * that bind() or listen() holds never is.
 *
 * Each test runs in a network namespace of its own whose
 * ip_local_port_range is the single port LPORT, so every connect() must
 * take that port or fail.  tcp_timestamps is off there: TCP without
 * timestamps, as EDUTCP, never takes over a TIME_WAIT's 4-tuple
 * (tcp_twsk_unique()).  The kernel's TCP (variant "tcp") is the oracle.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/socket.h>
#include "edu_selftest.h"
#include "kselftest_harness.h"

#define LPORT		40000
#define PORT(n)		(8000 + (n))

/* /proc/net/tcp's st column */
#define ST_ESTABLISHED	0x01
#define ST_TIME_WAIT	0x06

/* How long a connection may take to end over loopback under TCG. */
#define END_MS		5000

FIXTURE(share) {
	struct edu_fds fds;
};

FIXTURE_VARIANT(share) {
	struct edu_family f;
};

EDU_FAMILY_VARIANTS(share);

static int write_str(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");
	int err = 0;

	if (!f)
		return -errno;
	if (fputs(s, f) < 0)
		err = -EIO;
	if (fclose(f))
		err = -errno;
	return err;
}

FIXTURE_SETUP(share)
{
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, system("ip link set lo up"));
	ASSERT_EQ(0, write_str("/proc/sys/net/ipv4/ip_local_port_range",
			       "40000 40000\n"));
	ASSERT_EQ(0, edu_write_int("/proc/sys/net/ipv4/tcp_timestamps", 0));
}

FIXTURE_TEARDOWN(share)
{
	edu_close_all(&self->fds);
}

#define KEEP(fd)	edu_keep(&self->fds, (fd))
#define LISTENER(port) \
	KEEP(edu_listener(&variant->f, SOCK_NONBLOCK, "127.0.0.1", (port), 8))
#define CLIENT(port)	KEEP(edu_connected(&variant->f, "127.0.0.1", (port)))
#define ACCEPT(l)	KEEP(edu_accept_wait((l), EDU_HANDSHAKE_MS))
/* connect()'s errno when it fails at once, else the fd (kept) */
#define START(port) \
	KEEP(edu_connect_start(&variant->f, "127.0.0.1", (port)))

/* Waits until the client's row LPORT -> port is gone: -ENOENT then. */
static int wait_gone(const struct edu_family *f, int port)
{
	return edu_wait_state(f, LPORT, port, -ENOENT, END_MS);
}

/* Two destinations, one local port; a third to the first one's is refused. */
TEST_F(share, two_destinations)
{
	int l1 = LISTENER(PORT(1)), l2 = LISTENER(PORT(2)), c1, c2;

	ASSERT_LE(0, l1);
	ASSERT_LE(0, l2);
	c1 = CLIENT(PORT(1));
	ASSERT_LE(0, c1);
	EXPECT_EQ(LPORT, edu_local_port(c1));
	c2 = CLIENT(PORT(2));
	ASSERT_LE(0, c2) TH_LOG("second connect: %s", edu_errname(-c2));
	EXPECT_EQ(LPORT, edu_local_port(c2));
	EXPECT_LE(0, ACCEPT(l1));
	EXPECT_LE(0, ACCEPT(l2));
	/* Both are rows of their own in /proc, on the one port. */
	EXPECT_EQ(ST_ESTABLISHED, edu_proc_state(&variant->f, LPORT, PORT(1)));
	EXPECT_EQ(ST_ESTABLISHED, edu_proc_state(&variant->f, LPORT, PORT(2)));
	/* The same destination again would repeat c1's 4-tuple. */
	EXPECT_EQ(-EADDRNOTAVAIL, START(PORT(1)));
	EXPECT_EQ(-EADDRNOTAVAIL, START(PORT(2)));
}

/* bind() meets the connections' port with the usual conflict rules. */
TEST_F(share, bind_to_connected_port)
{
	int l1 = LISTENER(PORT(1)), c1, fd;

	ASSERT_LE(0, l1);
	c1 = CLIENT(PORT(1));
	ASSERT_LE(0, c1);
	ASSERT_EQ(LPORT, edu_local_port(c1));

	fd = KEEP(edu_socket(&variant->f, 0));
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EADDRINUSE, edu_bind(&variant->f, fd, "127.0.0.1", LPORT));
	EXPECT_EQ(-EADDRINUSE, edu_bind(&variant->f, fd, "0.0.0.0", LPORT));
	/* SO_REUSEADDR on one side only does not share. */
	ASSERT_EQ(0, edu_setint(fd, SOL_SOCKET, SO_REUSEADDR, 1));
	EXPECT_EQ(-EADDRINUSE, edu_bind(&variant->f, fd, "127.0.0.1", LPORT));
}

/*
 * A client with SO_REUSEADDR: another socket with it binds the port too,
 * and from then on connect() no longer hands the port out.
 */
TEST_F(share, bind_reuseaddr_both)
{
	int l1 = LISTENER(PORT(1)), l2 = LISTENER(PORT(2)), c1, fd;

	ASSERT_LE(0, l1);
	ASSERT_LE(0, l2);
	c1 = KEEP(edu_socket(&variant->f, SOCK_NONBLOCK));
	ASSERT_LE(0, c1);
	ASSERT_EQ(0, edu_setint(c1, SOL_SOCKET, SO_REUSEADDR, 1));
	EXPECT_EQ(-EINPROGRESS, edu_connect(&variant->f, c1, "127.0.0.1",
					    PORT(1)));
	ASSERT_EQ(0, edu_wait_connected(c1, EDU_HANDSHAKE_MS));
	ASSERT_EQ(LPORT, edu_local_port(c1));

	fd = KEEP(edu_socket(&variant->f, 0));
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, edu_setint(fd, SOL_SOCKET, SO_REUSEADDR, 1));
	EXPECT_EQ(0, edu_bind(&variant->f, fd, "127.0.0.1", LPORT));
	EXPECT_EQ(-EADDRNOTAVAIL, START(PORT(2)));
}

/* A port bind() holds, or a listener, is never connect()'s. */
TEST_F(share, bound_port_not_handed_out)
{
	int l1 = LISTENER(PORT(1)), fd, l;

	ASSERT_LE(0, l1);
	fd = KEEP(edu_socket(&variant->f, 0));
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, edu_bind(&variant->f, fd, "127.0.0.2", LPORT));
	EXPECT_EQ(-EADDRNOTAVAIL, START(PORT(1)));
	edu_drop(&self->fds, fd);

	l = KEEP(edu_listener(&variant->f, SOCK_NONBLOCK, "0.0.0.0", LPORT,
			      8));
	ASSERT_LE(0, l);
	EXPECT_EQ(-EADDRNOTAVAIL, START(PORT(1)));
	edu_drop(&self->fds, l);
	/* Given back, the port is connect()'s again. */
	EXPECT_LE(0, CLIENT(PORT(1)));
}

/*
 * The server closes first, so TIME_WAIT is on its side: once the client's
 * connection has ended, the port goes to the same destination again.
 */
TEST_F(share, server_closes_first)
{
	int l1 = LISTENER(PORT(1)), c1, a1, c2;
	char b;

	ASSERT_LE(0, l1);
	c1 = CLIENT(PORT(1));
	ASSERT_LE(0, c1);
	a1 = edu_accept_wait(l1, EDU_HANDSHAKE_MS);
	ASSERT_LE(0, a1);
	close(a1);
	ASSERT_LT(0, edu_poll(c1, POLLIN, END_MS));
	ASSERT_EQ(0, recv(c1, &b, 1, 0));
	edu_drop(&self->fds, c1);
	EXPECT_EQ(-ENOENT, wait_gone(&variant->f, PORT(1)));
	EXPECT_EQ(ST_TIME_WAIT, edu_wait_state(&variant->f, PORT(1), LPORT,
					       ST_TIME_WAIT, END_MS));

	c2 = CLIENT(PORT(1));
	ASSERT_LE(0, c2) TH_LOG("reconnect: %s", edu_errname(-c2));
	EXPECT_EQ(LPORT, edu_local_port(c2));
}

/* The client closes first: its TIME_WAIT keeps that 4-tuple, not the port. */
TEST_F(share, client_time_wait)
{
	int l1 = LISTENER(PORT(1)), l2 = LISTENER(PORT(2)), c1, a1, c2;

	ASSERT_LE(0, l1);
	ASSERT_LE(0, l2);
	c1 = CLIENT(PORT(1));
	ASSERT_LE(0, c1);
	a1 = ACCEPT(l1);
	ASSERT_LE(0, a1);
	edu_drop(&self->fds, c1);
	ASSERT_LT(0, edu_poll(a1, POLLIN, END_MS));
	edu_drop(&self->fds, a1);
	ASSERT_EQ(ST_TIME_WAIT, edu_wait_state(&variant->f, LPORT, PORT(1),
					       ST_TIME_WAIT, END_MS));

	EXPECT_EQ(-EADDRNOTAVAIL, START(PORT(1)));
	c2 = CLIENT(PORT(2));
	ASSERT_LE(0, c2) TH_LOG("other destination: %s", edu_errname(-c2));
	EXPECT_EQ(LPORT, edu_local_port(c2));
}

/* An RST ends the connection at once, without TIME_WAIT. */
TEST_F(share, reset_frees_port)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	int l1 = LISTENER(PORT(1)), c1, c2;

	ASSERT_LE(0, l1);
	c1 = CLIENT(PORT(1));
	ASSERT_LE(0, c1);
	EXPECT_LE(0, ACCEPT(l1));
	ASSERT_EQ(0, setsockopt(c1, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	edu_drop(&self->fds, c1);
	EXPECT_EQ(-ENOENT, wait_gone(&variant->f, PORT(1)));

	c2 = CLIENT(PORT(1));
	ASSERT_LE(0, c2) TH_LOG("reconnect: %s", edu_errname(-c2));
	EXPECT_EQ(LPORT, edu_local_port(c2));
}

/* connect(AF_UNSPEC) gives the port back, as close() does. */
TEST_F(share, disconnect_frees_port)
{
	struct sockaddr_in un = { .sin_family = AF_UNSPEC };
	int l1 = LISTENER(PORT(1)), c1, c2;

	ASSERT_LE(0, l1);
	c1 = CLIENT(PORT(1));
	ASSERT_LE(0, c1);
	EXPECT_LE(0, ACCEPT(l1));
	ASSERT_EQ(0, connect(c1, (struct sockaddr *)&un, sizeof(un)));
	EXPECT_EQ(-ENOENT, wait_gone(&variant->f, PORT(1)));

	c2 = CLIENT(PORT(1));
	ASSERT_LE(0, c2) TH_LOG("reconnect: %s", edu_errname(-c2));
	EXPECT_EQ(LPORT, edu_local_port(c2));
}

TEST_HARNESS_MAIN
