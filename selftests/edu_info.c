// SPDX-License-Identifier: GPL-2.0
/*
 * edu_info - getsockopt(SOL_EDUTCP, EDU_INFO), EDUTCP's TCP_INFO.
 *
 * The listener's queue fields are checked against the oracle: TCP_INFO
 * reports a listener's accept-queue length in tcpi_unacked and its backlog
 * in tcpi_sacked, and the same scenario must give the same numbers in
 * edui_acceptq_len and edui_acceptq_max.  EDUTCP only: the limits each
 * backlog_model sysctl value gives a listener (docs/sysctl.md).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/tcp.h>
#include "edu_selftest.h"
#include "kselftest_harness.h"

#define PORT(n)	(10500 + (n))

static int edu_info(int fd, struct edu_info *info, socklen_t *len)
{
	return getsockopt(fd, SOL_EDUTCP, EDU_INFO, info, len) ? -errno : 0;
}

FIXTURE(info) {
	struct edu_fds fds;
};

FIXTURE_VARIANT(info) {
	struct edu_family f;
};

EDU_FAMILY_VARIANTS(info);

FIXTURE_SETUP(info)
{
	self->fds.n = 0;
}

FIXTURE_TEARDOWN(info)
{
	edu_close_all(&self->fds);
}

/* Accept-queue length and backlog of a listener, from either family. */
static int queue_info(const struct edu_family *f, int fd, unsigned int *len,
		      unsigned int *max, int *state)
{
	if (f->edu) {
		struct edu_info info;
		socklen_t n = sizeof(info);
		int err = edu_info(fd, &info, &n);

		if (err)
			return err;
		*len = info.edui_acceptq_len;
		*max = info.edui_acceptq_max;
		*state = info.edui_state;
	} else {
		struct tcp_info info;
		socklen_t n = sizeof(info);

		if (getsockopt(fd, SOL_TCP, TCP_INFO, &info, &n))
			return -errno;
		*len = info.tcpi_unacked;
		*max = info.tcpi_sacked;
		*state = info.tcpi_state;
	}
	return 0;
}

/*
 * The client's connect() completes when it sends its final ACK; the
 * listener queues the child when that ACK has been processed, a moment
 * later.  Wait (bounded) for the accept queue to reach @want.
 */
static int queue_len_reaches(const struct edu_family *f, int fd,
			     unsigned int want, unsigned int *len,
			     unsigned int *max)
{
	int state, err, i;

	for (i = 0; i < 100; i++) {
		err = queue_info(f, fd, len, max, &state);
		if (err || *len == want)
			return err;
		edu_msleep(10);
	}
	return 0;
}

TEST_F(info, listener_queues)
{
	unsigned int len = 99, max = 99;
	int lfd, state = 0, i;

	lfd = edu_keep(&self->fds, edu_listener(&variant->f, SOCK_NONBLOCK,
						"127.0.0.1", PORT(0), 2));
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, queue_info(&variant->f, lfd, &len, &max, &state));
	EXPECT_EQ(TCP_LISTEN, state);
	EXPECT_EQ(0U, len);
	EXPECT_EQ(2U, max);

	/* backlog + 1 = 3 complete and wait to be accepted */
	for (i = 0; i < 3; i++)
		ASSERT_LE(0, edu_keep(&self->fds,
				      edu_connected(&variant->f, "127.0.0.1",
						    PORT(0))));
	ASSERT_EQ(0, queue_len_reaches(&variant->f, lfd, 3, &len, &max));
	EXPECT_EQ(3U, len);
	EXPECT_EQ(2U, max);

	ASSERT_LE(0, edu_keep(&self->fds, edu_accept_wait(lfd, 1000)));
	ASSERT_EQ(0, queue_len_reaches(&variant->f, lfd, 2, &len, &max));
	EXPECT_EQ(2U, len);
}

TEST(edu_connection_fields)
{
	struct edu_family f = { .edu = 1 };
	struct edu_info info;
	socklen_t n = sizeof(info);
	int lfd, cfd, afd;

	lfd = edu_listener(&f, SOCK_NONBLOCK, "127.0.0.1", PORT(1), 4);
	ASSERT_LE(0, lfd);
	cfd = edu_connected(&f, "127.0.0.1", PORT(1));
	ASSERT_LE(0, cfd);

	ASSERT_EQ(0, edu_info(cfd, &info, &n));
	EXPECT_EQ(sizeof(info), n);
	EXPECT_EQ(EDU_INFO_VERSION, info.edui_version);
	EXPECT_EQ(EDU_ESTABLISHED, info.edui_state);
	EXPECT_EQ(0U, info.edui_synq_len);
	EXPECT_EQ(0U, info.edui_acceptq_max);
	EXPECT_EQ(0U, info.edui_sndq_bytes);	/* our SYN is acknowledged */
	EXPECT_LT(0U, info.edui_rcv_wnd);
	/*
	 * The handshake was the first RTT sample: on loopback the RTO drops
	 * from TCP_TIMEOUT_INIT (1 s) to about rto_min (200 ms), as TCP's.
	 */
	EXPECT_LE(200U, info.edui_rto_ms);
	EXPECT_GT(1000U, info.edui_rto_ms);

	/* Accepting proves the child was queued, then the queue is empty. */
	afd = edu_accept_wait(lfd, 1000);
	ASSERT_LE(0, afd);
	n = sizeof(info);
	ASSERT_EQ(0, edu_info(lfd, &info, &n));
	EXPECT_EQ(EDU_LISTEN, info.edui_state);
	EXPECT_EQ(0U, info.edui_acceptq_len);
	EXPECT_EQ(4U, info.edui_synq_max);
	close(afd);
	close(cfd);
	close(lfd);
}

static int set_backlog_model(const char *name)
{
	int fd = open("/proc/sys/net/edutcp/backlog_model", O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, name, strlen(name));
	close(fd);
	return n < 0 ? -errno : 0;
}

/*
 * A listener with backlog 4, in a network namespace of the test's own,
 * under each model: the limits EDU_INFO reports, read while the model is
 * in force (it is the namespace's now, not the one at listen() time).
 */
TEST(edu_backlog_models)
{
	static const struct {
		const char	*name;
		unsigned int	model, queue_max, queued_max;
	} m[] = {
		{ "linux", EDU_BACKLOG_LINUX, 4, 0 },	/* each queue: 4 + 1 */
		{ "bsd", EDU_BACKLOG_BSD, 6, 7 },	/* 3 * 4 / 2 + 1 */
		{ "sum", EDU_BACKLOG_SUM, 3, 4 },	/* 4 together */
	};
	struct edu_family f = { .edu = 1 };
	struct edu_info info;
	socklen_t n;
	int lfd, i;

	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	lfd = edu_listener(&f, SOCK_NONBLOCK, "0.0.0.0", PORT(2), 4);
	ASSERT_LE(0, lfd);
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, set_backlog_model(m[i].name));
		n = sizeof(info);
		ASSERT_EQ(0, edu_info(lfd, &info, &n));
		EXPECT_EQ(sizeof(info), n);
		EXPECT_EQ(2, info.edui_version);
		EXPECT_EQ(m[i].model, info.edui_backlog_model);
		EXPECT_EQ(m[i].queue_max, info.edui_synq_max);
		EXPECT_EQ(m[i].queue_max, info.edui_acceptq_max);
		EXPECT_EQ(m[i].queued_max, info.edui_queued_max);
	}
	EXPECT_EQ(-EINVAL, set_backlog_model("solaris\n"));
	close(lfd);
}

/* A short buffer gets the prefix that fits, as TCP_INFO does. */
TEST(edu_short_optlen)
{
	struct edu_family f = { .edu = 1 };
	struct edu_info info;
	socklen_t n = 2;
	int fd = edu_socket(&f, 0);

	ASSERT_LE(0, fd);
	memset(&info, 0xaa, sizeof(info));
	ASSERT_EQ(0, edu_info(fd, &info, &n));
	EXPECT_EQ(2U, n);
	EXPECT_EQ(EDU_INFO_VERSION, info.edui_version);
	EXPECT_EQ(EDU_CLOSE, info.edui_state);
	EXPECT_EQ(0xaa, info.edui_retransmits);	/* untouched */

	n = sizeof(info) + 16;
	ASSERT_EQ(0, edu_info(fd, &info, &n));
	EXPECT_EQ(sizeof(info), n);
	close(fd);
}

TEST(edu_bad_options)
{
	struct edu_family f = { .edu = 1 };
	int fd = edu_socket(&f, 0), v = 1;
	socklen_t n = sizeof(v);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-ENOPROTOOPT, getsockopt(fd, SOL_EDUTCP, 999, &v, &n) ?
				-errno : 0);
	EXPECT_EQ(-ENOPROTOOPT, setsockopt(fd, SOL_EDUTCP, EDU_INFO, &v,
					   sizeof(v)) ? -errno : 0);
	EXPECT_EQ(-EINVAL, setsockopt(fd, SOL_EDUTCP, EDU_REUSEPORT, &v, 1) ?
			   -errno : 0);
	/* EDU_REUSEPORT and SO_REUSEPORT name the same flag */
	EXPECT_EQ(0, edu_setint(fd, SOL_EDUTCP, EDU_REUSEPORT, 1));
	EXPECT_EQ(1, edu_getint(fd, SOL_SOCKET, SO_REUSEPORT));
	EXPECT_EQ(1, edu_getint(fd, SOL_EDUTCP, EDU_REUSEPORT));
	close(fd);
}

TEST_HARNESS_MAIN
