// SPDX-License-Identifier: GPL-2.0
/*
 * socket_create - socket(2) on AF_EDU gives the results AF_INET gives for
 * the same type and protocol.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/socket.h>
#include "edu_selftest.h"
#include "kselftest_harness.h"

FIXTURE(create) {
	int fd;
};

FIXTURE_VARIANT(create) {
	struct edu_family f;
};

EDU_FAMILY_VARIANTS(create);

FIXTURE_SETUP(create)
{
	self->fd = -1;
}

FIXTURE_TEARDOWN(create)
{
	if (self->fd >= 0)
		close(self->fd);
}

static int sockopt_int(int fd, int opt)
{
	int v = -1;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, SOL_SOCKET, opt, &v, &len))
		return -errno;
	return v;
}

TEST_F(create, stream_default_protocol)
{
	self->fd = socket(fam_af(&variant->f), SOCK_STREAM, 0);
	ASSERT_LE(0, self->fd);
	EXPECT_EQ(fam_af(&variant->f), sockopt_int(self->fd, SO_DOMAIN));
	EXPECT_EQ(SOCK_STREAM, sockopt_int(self->fd, SO_TYPE));
	EXPECT_EQ(fam_proto(&variant->f), sockopt_int(self->fd, SO_PROTOCOL));
	EXPECT_EQ(0, sockopt_int(self->fd, SO_ACCEPTCONN));
	EXPECT_EQ(0, sockopt_int(self->fd, SO_ERROR));
}

TEST_F(create, stream_explicit_protocol)
{
	self->fd = socket(fam_af(&variant->f), SOCK_STREAM,
			  fam_proto(&variant->f));
	ASSERT_LE(0, self->fd);
	EXPECT_EQ(fam_proto(&variant->f), sockopt_int(self->fd, SO_PROTOCOL));
}

TEST_F(create, type_flags)
{
	self->fd = socket(fam_af(&variant->f),
			  SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, self->fd);
	EXPECT_TRUE(fcntl(self->fd, F_GETFL) & O_NONBLOCK);
	EXPECT_TRUE(fcntl(self->fd, F_GETFD) & FD_CLOEXEC);
}

TEST_F(create, wrong_protocol_for_stream)
{
	self->fd = socket(fam_af(&variant->f), SOCK_STREAM, IPPROTO_UDP);
	EXPECT_EQ(-1, self->fd);
	EXPECT_EQ(EPROTONOSUPPORT, errno);
}

TEST_F(create, other_family_protocol)
{
	self->fd = socket(fam_af(&variant->f), SOCK_STREAM,
			  fam_other_proto(&variant->f));
	EXPECT_EQ(-1, self->fd);
	EXPECT_EQ(EPROTONOSUPPORT, errno);
}

TEST_F(create, seqpacket_unsupported)
{
	self->fd = socket(fam_af(&variant->f), SOCK_SEQPACKET, 0);
	EXPECT_EQ(-1, self->fd);
	EXPECT_EQ(ESOCKTNOSUPPORT, errno);
}

TEST_F(create, negative_protocol)
{
	self->fd = socket(fam_af(&variant->f), SOCK_STREAM, -1);
	EXPECT_EQ(-1, self->fd);
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(create, protocol_beyond_max)
{
	self->fd = socket(fam_af(&variant->f), SOCK_STREAM, 300);
	EXPECT_EQ(-1, self->fd);
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(create, type_beyond_max)
{
	self->fd = socket(fam_af(&variant->f), 42, 0);
	EXPECT_EQ(-1, self->fd);
	EXPECT_EQ(EINVAL, errno);
}

/* EDUTCP is a stream protocol only: the types AF_INET has beyond it fail. */
TEST(edu_datagram_and_raw_unsupported)
{
	int fd;

	fd = socket(edu_af(), SOCK_DGRAM, 0);
	EXPECT_EQ(-1, fd);
	EXPECT_EQ(ESOCKTNOSUPPORT, errno);
	fd = socket(edu_af(), SOCK_RAW, IPPROTO_EDUTCP);
	EXPECT_EQ(-1, fd);
	EXPECT_EQ(ESOCKTNOSUPPORT, errno);
}

TEST_HARNESS_MAIN
