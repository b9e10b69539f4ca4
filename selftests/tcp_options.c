// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_options - TCP's socket options at level IPPROTO_TCP work on AF_EDU
 * as on AF_INET, so a TCP program needs only its family changed:
 *
 *  - each option's default, its checks (EINVAL) and what reads back;
 *    unknown options and short lengths get TCP's errno;
 *  - TCP_INFO: a listener's accept queue and backlog (ss -lnt's Recv-Q
 *    and Send-Q), a connection's state, MSS and RTO;
 *  - TCP_MAXSEG before connect() caps the connection's MSS;
 *  - TCP_DEFER_ACCEPT: accept() is not woken until data arrives;
 *  - SO_KEEPALIVE with TCP_KEEPIDLE/INTVL/CNT: a live peer answers the
 *    probes, a dead one makes the connection fail with ETIMEDOUT;
 *  - TCP_USER_TIMEOUT: unacknowledged data fails the connection after
 *    that long, not after retries2 retransmissions.
 *
 * A dead peer is made with netem dropping every packet on the loopback
 * device of a network namespace of the test's own.  The kernel's TCP
 * (variant "tcp") is the oracle.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include "edu_selftest.h"
#include "kselftest_harness.h"

/* A net.ipv4 sysctl's value, the default TCP's options start from. */
static int sysctl_int(const char *name)
{
	char path[128];
	int v;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/%s", name);
	return edu_read_int(path, &v) ? -1 : v;
}

static int tcp_get(int fd, int opt)
{
	return edu_getint(fd, IPPROTO_TCP, opt);
}

static int tcp_set(int fd, int opt, int v)
{
	return edu_setint(fd, IPPROTO_TCP, opt, v);
}

static int tcp_info_of(int fd, struct tcp_info *ti)
{
	socklen_t len = sizeof(*ti);

	memset(ti, 0, sizeof(*ti));
	return getsockopt(fd, IPPROTO_TCP, TCP_INFO, ti, &len) ? -errno : 0;
}

/* A network namespace of the test's own, its loopback up. */
static int private_netns(void)
{
	if (unshare(CLONE_NEWNET))
		return -errno;
	return system("ip link set lo up") ? -EIO : 0;
}

/* From now on every packet on this namespace's loopback is lost. */
static int kill_loopback(void)
{
	return system("tc qdisc add dev lo root netem loss 100%") ? -EIO : 0;
}

FIXTURE(opts) {
	struct edu_fds fds;
};

FIXTURE_VARIANT(opts) {
	struct edu_family f;
};

EDU_FAMILY_VARIANTS(opts);

FIXTURE_SETUP(opts)
{
	memset(&self->fds, 0, sizeof(self->fds));
}

FIXTURE_TEARDOWN(opts)
{
	edu_close_all(&self->fds);
}

#define KEEP(fd)	edu_keep(&self->fds, (fd))

TEST_F(opts, defaults_and_checks)
{
	int fd = KEEP(edu_socket(&variant->f, 0));

	ASSERT_LE(0, fd);
	EXPECT_EQ(0, tcp_get(fd, TCP_NODELAY));
	EXPECT_EQ(0, tcp_set(fd, TCP_NODELAY, 7));
	EXPECT_EQ(1, tcp_get(fd, TCP_NODELAY));
	EXPECT_EQ(0, tcp_set(fd, TCP_NODELAY, 0));
	EXPECT_EQ(0, tcp_get(fd, TCP_NODELAY));

	EXPECT_EQ(0, tcp_get(fd, TCP_CORK));
	EXPECT_EQ(0, tcp_set(fd, TCP_CORK, 1));
	EXPECT_EQ(1, tcp_get(fd, TCP_CORK));

	EXPECT_EQ(536, tcp_get(fd, TCP_MAXSEG));
	EXPECT_EQ(-EINVAL, tcp_set(fd, TCP_MAXSEG, 10));
	EXPECT_EQ(-EINVAL, tcp_set(fd, TCP_MAXSEG, 65536));
	EXPECT_EQ(0, tcp_set(fd, TCP_MAXSEG, 600));
	EXPECT_EQ(600, tcp_get(fd, TCP_MAXSEG));
	EXPECT_EQ(0, tcp_set(fd, TCP_MAXSEG, 0));
	EXPECT_EQ(536, tcp_get(fd, TCP_MAXSEG));

	EXPECT_EQ(sysctl_int("tcp_keepalive_time"), tcp_get(fd, TCP_KEEPIDLE));
	EXPECT_EQ(sysctl_int("tcp_keepalive_intvl"),
		  tcp_get(fd, TCP_KEEPINTVL));
	EXPECT_EQ(sysctl_int("tcp_keepalive_probes"),
		  tcp_get(fd, TCP_KEEPCNT));
	EXPECT_EQ(-EINVAL, tcp_set(fd, TCP_KEEPIDLE, 0));
	EXPECT_EQ(-EINVAL, tcp_set(fd, TCP_KEEPIDLE, 32768));
	EXPECT_EQ(-EINVAL, tcp_set(fd, TCP_KEEPINTVL, 0));
	EXPECT_EQ(-EINVAL, tcp_set(fd, TCP_KEEPINTVL, 32768));
	EXPECT_EQ(-EINVAL, tcp_set(fd, TCP_KEEPCNT, 0));
	EXPECT_EQ(-EINVAL, tcp_set(fd, TCP_KEEPCNT, 128));
	EXPECT_EQ(0, tcp_set(fd, TCP_KEEPIDLE, 30));
	EXPECT_EQ(0, tcp_set(fd, TCP_KEEPINTVL, 4));
	EXPECT_EQ(0, tcp_set(fd, TCP_KEEPCNT, 3));
	EXPECT_EQ(30, tcp_get(fd, TCP_KEEPIDLE));
	EXPECT_EQ(4, tcp_get(fd, TCP_KEEPINTVL));
	EXPECT_EQ(3, tcp_get(fd, TCP_KEEPCNT));

	EXPECT_EQ(0, tcp_get(fd, TCP_USER_TIMEOUT));
	EXPECT_EQ(-EINVAL, tcp_set(fd, TCP_USER_TIMEOUT, -1));
	EXPECT_EQ(0, tcp_set(fd, TCP_USER_TIMEOUT, 1500));
	EXPECT_EQ(1500, tcp_get(fd, TCP_USER_TIMEOUT));

	/* Kept as SYN-ACK retransmissions: 5 s reads back as 1 + 2 + 4. */
	EXPECT_EQ(0, tcp_get(fd, TCP_DEFER_ACCEPT));
	EXPECT_EQ(0, tcp_set(fd, TCP_DEFER_ACCEPT, 5));
	EXPECT_EQ(7, tcp_get(fd, TCP_DEFER_ACCEPT));
	EXPECT_EQ(0, tcp_set(fd, TCP_DEFER_ACCEPT, -3));
	EXPECT_EQ(0, tcp_get(fd, TCP_DEFER_ACCEPT));

	EXPECT_EQ(1, tcp_get(fd, TCP_QUICKACK));
	EXPECT_EQ(0, tcp_set(fd, TCP_QUICKACK, 0));
	EXPECT_EQ(0, tcp_get(fd, TCP_QUICKACK));
	EXPECT_EQ(0, tcp_set(fd, TCP_QUICKACK, 1));
	EXPECT_EQ(1, tcp_get(fd, TCP_QUICKACK));
}

TEST_F(opts, unknown_and_short)
{
	int fd = KEEP(edu_socket(&variant->f, 0));
	struct tcp_info ti;
	socklen_t len;
	char c = 1;

	ASSERT_LE(0, fd);
	EXPECT_EQ(-ENOPROTOOPT, tcp_set(fd, 99, 1));
	EXPECT_EQ(-ENOPROTOOPT, tcp_get(fd, 99));
	/* 15 is EDU_REUSEPORT at SOL_EDUTCP only; TCP has no option 15. */
	EXPECT_EQ(-ENOPROTOOPT, tcp_get(fd, 15));
	EXPECT_EQ(-ENOPROTOOPT, tcp_set(fd, TCP_INFO, 1));
	EXPECT_EQ(-EINVAL, setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &c, 1) ?
			   -errno : 0);
	EXPECT_EQ(-EFAULT, setsockopt(fd, IPPROTO_TCP, TCP_NODELAY,
				      (void *)8, sizeof(int)) ? -errno : 0);

	/* Short buffers get the prefix that fits, and its length. */
	len = 1;
	EXPECT_EQ(0, getsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &c, &len));
	EXPECT_EQ(1U, len);
	len = 8;
	EXPECT_EQ(0, getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len));
	EXPECT_EQ(8U, len);
	EXPECT_EQ(TCP_CLOSE, (int)ti.tcpi_state);
}

/* A listener's TCP_INFO: what ss -lnt shows as Recv-Q and Send-Q. */
TEST_F(opts, tcp_info_listener)
{
	int l = KEEP(edu_listener(&variant->f, 0, "127.0.0.1", 0, 5));
	struct tcp_info ti;
	long end;
	int port;

	ASSERT_LE(0, l);
	port = edu_local_port(l);
	ASSERT_LE(0, KEEP(edu_connected(&variant->f, "127.0.0.1", port)));
	ASSERT_LE(0, KEEP(edu_connected(&variant->f, "127.0.0.1", port)));
	end = edu_now_ms() + EDU_IO_MS;
	for (;;) {
		ASSERT_EQ(0, tcp_info_of(l, &ti));
		if (ti.tcpi_unacked == 2 || edu_now_ms() >= end)
			break;
		edu_msleep(5);
	}
	EXPECT_EQ(TCP_LISTEN, (int)ti.tcpi_state);
	EXPECT_EQ(2U, ti.tcpi_unacked);
	EXPECT_EQ(5U, ti.tcpi_sacked);
}

TEST_F(opts, tcp_info_connection)
{
	struct tcp_info ti;
	int c, s;

	ASSERT_LE(0, edu_pair(&variant->f, &self->fds, &c, &s));
	ASSERT_EQ(0, tcp_info_of(c, &ti));
	EXPECT_EQ(TCP_ESTABLISHED, (int)ti.tcpi_state);
	EXPECT_LT(0U, ti.tcpi_snd_mss);
	EXPECT_LE(200000U, ti.tcpi_rto);
	ASSERT_EQ(0, tcp_info_of(s, &ti));
	EXPECT_EQ(TCP_ESTABLISHED, (int)ti.tcpi_state);
}

/* TCP_MAXSEG set before connect() caps what the route would allow. */
TEST_F(opts, maxseg_caps_mss)
{
	int l = KEEP(edu_listener(&variant->f, 0, "127.0.0.1", 0, 5));
	int c = KEEP(edu_socket(&variant->f, SOCK_NONBLOCK));
	int mss;

	ASSERT_LE(0, l);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, tcp_set(c, TCP_MAXSEG, 1000));
	ASSERT_EQ(-EINPROGRESS, edu_connect(&variant->f, c, "127.0.0.1",
					    edu_local_port(l)));
	ASSERT_EQ(0, edu_wait_connected(c, EDU_HANDSHAKE_MS));
	/* TCP takes its timestamp option off the 1000 bytes. */
	mss = tcp_get(c, TCP_MAXSEG);
	EXPECT_LE(900, mss);
	EXPECT_GE(1000, mss);
}

/* TCP_DEFER_ACCEPT: the handshake alone does not wake accept(). */
TEST_F(opts, defer_accept_waits_for_data)
{
	int l = KEEP(edu_listener(&variant->f, SOCK_NONBLOCK, "127.0.0.1", 0,
				  5));
	int c, s;
	char buf[4];

	ASSERT_LE(0, l);
	ASSERT_EQ(0, tcp_set(l, TCP_DEFER_ACCEPT, 5));
	c = KEEP(edu_connected(&variant->f, "127.0.0.1", edu_local_port(l)));
	ASSERT_LE(0, c);
	/* The client is connected; the listener has nothing to accept. */
	EXPECT_EQ(0, edu_poll(l, POLLIN, 1000));
	EXPECT_EQ(-1, accept(l, NULL, NULL));
	EXPECT_EQ(EAGAIN, errno);

	ASSERT_EQ(1, send(c, "x", 1, 0));
	EXPECT_EQ(POLLIN, edu_poll(l, POLLIN, EDU_IO_MS) & POLLIN);
	s = KEEP(accept(l, NULL, NULL));
	ASSERT_LE(0, s);
	EXPECT_EQ(1, recv(s, buf, sizeof(buf), MSG_DONTWAIT));
}

/* Keepalive: answered while the peer lives, fatal once it is gone. */
TEST_F_TIMEOUT(opts, keepalive_dead_peer, 90)
{
	int c, s;

	ASSERT_EQ(0, private_netns());
	ASSERT_LE(0, edu_pair(&variant->f, &self->fds, &c, &s));
	ASSERT_EQ(0, edu_setint(c, SOL_SOCKET, SO_KEEPALIVE, 1));
	ASSERT_EQ(0, tcp_set(c, TCP_KEEPIDLE, 1));
	ASSERT_EQ(0, tcp_set(c, TCP_KEEPINTVL, 1));
	ASSERT_EQ(0, tcp_set(c, TCP_KEEPCNT, 2));

	/* Idle for longer than idle + count x interval: still alive. */
	EXPECT_EQ(0, edu_poll(c, POLLERR | POLLHUP, 5000));
	EXPECT_EQ(0, edu_so_error(c));

	ASSERT_EQ(0, kill_loopback());
	EXPECT_EQ(POLLERR, edu_poll(c, POLLERR, 30000) & POLLERR);
	EXPECT_EQ(ETIMEDOUT, edu_so_error(c));
}

/*
 * Sockets of the family still allocated: TCP's "alloc" in
 * /proc/net/sockstat, EDUTCP's count in debugfs.
 */
static int sockets_alive(const struct edu_family *f)
{
	char line[256];
	FILE *fp;
	int n = -1;

	if (f->edu)
		return edu_read_int("/sys/kernel/debug/edutcp/sockets", &n) ?
		       -1 : n;
	fp = fopen("/proc/net/sockstat", "r");
	if (!fp)
		return -1;
	while (fgets(line, sizeof(line), fp))
		if (sscanf(line, "TCP: inuse %*d orphan %*d tw %*d alloc %d",
			   &n) == 1)
			break;
	fclose(fp);
	return n;
}

/*
 * A connection closed before its handshake ended, keepalive on: its
 * keepalive timer must not keep the socket alive for TCP_KEEPIDLE.
 */
TEST_F(opts, keepalive_close_in_syn_sent)
{
	int before, now, c;
	long end;

	ASSERT_EQ(0, private_netns());
	ASSERT_EQ(0, kill_loopback());
	before = sockets_alive(&variant->f);
	ASSERT_LE(0, before);
	c = edu_socket(&variant->f, SOCK_NONBLOCK);
	ASSERT_LE(0, c);
	ASSERT_EQ(-EINPROGRESS, edu_connect(&variant->f, c, "127.0.0.1", 9));
	ASSERT_EQ(0, tcp_set(c, TCP_KEEPIDLE, 3600));
	ASSERT_EQ(0, edu_setint(c, SOL_SOCKET, SO_KEEPALIVE, 1));
	close(c);
	end = edu_now_ms() + EDU_IO_MS;
	while ((now = sockets_alive(&variant->f)) > before &&
	       edu_now_ms() < end)
		edu_msleep(10);
	EXPECT_EQ(before, now);
}

/* TCP_USER_TIMEOUT: unacknowledged data gives up after that long. */
TEST_F_TIMEOUT(opts, user_timeout, 90)
{
	long t0;
	int c, s;

	ASSERT_EQ(0, private_netns());
	ASSERT_LE(0, edu_pair(&variant->f, &self->fds, &c, &s));
	ASSERT_EQ(0, tcp_set(c, TCP_USER_TIMEOUT, 2000));
	ASSERT_EQ(0, kill_loopback());
	t0 = edu_now_ms();
	ASSERT_EQ(5, send(c, "hello", 5, 0));
	/* retries2 alone would retransmit for many minutes. */
	EXPECT_EQ(POLLERR, edu_poll(c, POLLERR, 30000) & POLLERR);
	EXPECT_EQ(ETIMEDOUT, edu_so_error(c));
	EXPECT_LE(1900, edu_now_ms() - t0);
}

TEST_HARNESS_MAIN
