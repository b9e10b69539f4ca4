// SPDX-License-Identifier: GPL-2.0
/*
 * data_stream - the byte stream of an established connection reads and
 * writes on AF_EDU as on AF_INET/TCP, through every call a program may
 * use: send/recv, read/write, sendto/recvfrom (what they do with an
 * address on a connected stream), readv/writev and sendmsg/recvmsg with
 * several iovecs, sendfile() and splice() in both directions, the flags
 * MSG_PEEK, MSG_WAITALL and MSG_DONTWAIT, the ioctls FIONREAD/SIOCINQ and
 * SIOCOUTQ, and the options SO_RCVLOWAT, SO_RCVTIMEO and SO_KEEPALIVE.
 *
 * Every blocking call is bounded by SO_RCVTIMEO/SO_SNDTIMEO (edu_pair()),
 * so a missing wake-up fails a test instead of hanging it; "the bytes have
 * arrived" is learnt by polling SIOCINQ, never by sleeping.  The kernel's
 * TCP (variant "tcp") is the oracle.  Listeners bind port 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include "edu_selftest.h"
#include "kselftest_harness.h"

FIXTURE(stream) {
	struct edu_fds fds;
	int l, c, s;	/* the listener, the client and the accepted end */
};

FIXTURE_VARIANT(stream) {
	struct edu_family f;
};

EDU_FAMILY_VARIANTS(stream);

FIXTURE_SETUP(stream)
{
	self->l = edu_pair(&variant->f, &self->fds, &self->c, &self->s);
	ASSERT_LE(0, self->l);
}

FIXTURE_TEARDOWN(stream)
{
	edu_close_all(&self->fds);
}

#define KEEP(fd)	edu_keep(&self->fds, (fd))

static pid_t gettid_(void)
{
	return syscall(SYS_gettid);
}

/* Sends text on fd and waits until all of it is readable at peer. */
static int put(int fd, int peer, const char *text)
{
	int len = strlen(text);
	int want = edu_ioctl_int(peer, SIOCINQ) + len;

	if (edu_send_all(fd, text, len, 0) != len)
		return -EIO;
	return edu_wait_ioctl(peer, SIOCINQ, want, EDU_IO_MS) == want ?
		0 : -ETIMEDOUT;
}

TEST_F(stream, send_recv_both_ways)
{
	char buf[64];

	EXPECT_EQ(5, send(self->c, "hello", 5, 0));
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(5, recv(self->s, buf, sizeof(buf), 0));
	EXPECT_STREQ("hello", buf);

	EXPECT_EQ(6, write(self->s, "world!", 6));
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(6, read(self->c, buf, sizeof(buf)));
	EXPECT_STREQ("world!", buf);

	/* A zero-length send is a no-op that succeeds. */
	EXPECT_EQ(0, send(self->c, buf, 0, 0));
	EXPECT_EQ(0, edu_ioctl_int(self->s, SIOCINQ));
}

/* Nothing to read: MSG_DONTWAIT and O_NONBLOCK both say EAGAIN at once. */
TEST_F(stream, dontwait_empty)
{
	char buf[16];
	long t0 = edu_now_ms();

	EXPECT_EQ(-EAGAIN, recv(self->s, buf, sizeof(buf), MSG_DONTWAIT) < 0 ?
		  -errno : 0);
	ASSERT_EQ(0, edu_set_nonblock(self->s, 1));
	EXPECT_EQ(-EAGAIN, read(self->s, buf, sizeof(buf)) < 0 ? -errno : 0);
	EXPECT_EQ(-EAGAIN, recv(self->s, buf, sizeof(buf), 0) < 0 ?
		  -errno : 0);
	/* Neither waited for SO_RCVTIMEO. */
	EXPECT_GT(EDU_IO_MS / 2, edu_now_ms() - t0);

	/* Once data is there, MSG_DONTWAIT reads it. */
	ASSERT_EQ(0, put(self->c, self->s, "abc"));
	EXPECT_EQ(3, recv(self->s, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EQ(0, memcmp(buf, "abc", 3));
}

/* MSG_PEEK copies without consuming; the next read gets the same bytes. */
TEST_F(stream, peek)
{
	char buf[64];

	ASSERT_EQ(0, put(self->c, self->s, "hello world"));
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(5, recv(self->s, buf, 5, MSG_PEEK));
	EXPECT_STREQ("hello", buf);
	EXPECT_EQ(11, edu_ioctl_int(self->s, SIOCINQ));
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(11, recv(self->s, buf, sizeof(buf), MSG_PEEK));
	EXPECT_STREQ("hello world", buf);
	EXPECT_EQ(11, recv(self->s, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT));

	/* A partial read, then a peek starts where the read stopped. */
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(6, recv(self->s, buf, 6, 0));
	EXPECT_STREQ("hello ", buf);
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(5, recv(self->s, buf, sizeof(buf), MSG_PEEK));
	EXPECT_STREQ("world", buf);
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(5, recv(self->s, buf, sizeof(buf), 0));
	EXPECT_STREQ("world", buf);
	EXPECT_EQ(0, edu_ioctl_int(self->s, SIOCINQ));
	EXPECT_EQ(-EAGAIN, recv(self->s, buf, sizeof(buf),
				MSG_PEEK | MSG_DONTWAIT) < 0 ? -errno : 0);
}

/*
 * Writes chunks of a pattern, each one only once the reader sleeps, so
 * that a receive that returns the whole must have waited across them.
 */
struct dribbler {
	int fd;
	pid_t waiter;
	int chunks;
	size_t chunk;
	int err;
};

static void *dribble_fn(void *arg)
{
	struct dribbler *d = arg;
	unsigned char buf[4096];
	int i;

	for (i = 0; i < d->chunks; i++) {
		edu_wait_sleeping(d->waiter, 2000);
		edu_pattern(buf, d->chunk, 0, i * d->chunk);
		if (edu_send_all(d->fd, buf, d->chunk, 0) != (ssize_t)d->chunk)
			d->err = -EIO;
	}
	return NULL;
}

TEST_F(stream, waitall)
{
	struct dribbler d = { .fd = self->c, .waiter = gettid_(),
			      .chunks = 4, .chunk = 1000 };
	unsigned char buf[8192];
	pthread_t th;
	ssize_t n;

	ASSERT_EQ(0, pthread_create(&th, NULL, dribble_fn, &d));
	n = recv(self->s, buf, 4000, MSG_WAITALL);
	pthread_join(th, NULL);
	EXPECT_EQ(0, d.err);
	ASSERT_EQ(4000, n);
	EXPECT_EQ(4000U, edu_pattern_check(buf, 4000, 0, 0));

	/* Without MSG_WAITALL, what is there comes back at once. */
	edu_pattern(buf, 1000, 0, 0);
	ASSERT_EQ(1000, send(self->c, buf, 1000, 0));
	ASSERT_EQ(1000, edu_wait_ioctl(self->s, SIOCINQ, 1000, EDU_IO_MS));
	EXPECT_EQ(1000, recv(self->s, buf, 2000, 0));
}

/* MSG_WAITALL that the peer's end of stream cuts short: what came. */
TEST_F(stream, waitall_eof)
{
	char buf[64];

	ASSERT_EQ(5, send(self->c, "short", 5, 0));
	ASSERT_EQ(0, shutdown(self->c, SHUT_WR));
	EXPECT_EQ(5, recv(self->s, buf, sizeof(buf), MSG_WAITALL));
	EXPECT_EQ(0, recv(self->s, buf, sizeof(buf), MSG_WAITALL));
}

/* SO_RCVTIMEO ends a MSG_WAITALL wait with the bytes received so far. */
TEST_F(stream, waitall_timeout)
{
	char buf[64];
	long t0;

	ASSERT_EQ(0, put(self->c, self->s, "part"));
	ASSERT_EQ(0, edu_set_timeo(self->s, SO_RCVTIMEO, 200));
	t0 = edu_now_ms();
	EXPECT_EQ(4, recv(self->s, buf, sizeof(buf), MSG_WAITALL));
	EXPECT_LE(180, edu_now_ms() - t0);
}

TEST_F(stream, inq_outq)
{
	unsigned char buf[3000];

	EXPECT_EQ(0, edu_ioctl_int(self->s, SIOCINQ));
	EXPECT_EQ(0, edu_ioctl_int(self->s, FIONREAD));
	EXPECT_EQ(0, edu_ioctl_int(self->c, SIOCOUTQ));

	edu_pattern(buf, sizeof(buf), 1, 0);
	ASSERT_EQ(3000, send(self->c, buf, 3000, 0));
	EXPECT_EQ(3000, edu_wait_ioctl(self->s, SIOCINQ, 3000, EDU_IO_MS));
	EXPECT_EQ(3000, edu_ioctl_int(self->s, FIONREAD));
	/* Received and acknowledged: nothing left to send. */
	EXPECT_EQ(0, edu_wait_ioctl(self->c, SIOCOUTQ, 0, EDU_IO_MS));
	/* The ioctls look at one direction each. */
	EXPECT_EQ(0, edu_ioctl_int(self->c, SIOCINQ));
	EXPECT_EQ(0, edu_ioctl_int(self->s, SIOCOUTQ));

	EXPECT_EQ(1000, recv(self->s, buf, 1000, 0));
	EXPECT_EQ(2000, edu_ioctl_int(self->s, SIOCINQ));
	EXPECT_EQ(2000, recv(self->s, buf, sizeof(buf), 0));
	EXPECT_EQ(0, edu_ioctl_int(self->s, SIOCINQ));

	/* A listener has no stream to count. */
	EXPECT_EQ(-EINVAL, edu_ioctl_int(self->l, SIOCINQ));
	EXPECT_EQ(-EINVAL, edu_ioctl_int(self->l, SIOCOUTQ));
}

/* An unconnected socket has empty queues. */
TEST_F(stream, inq_outq_unconnected)
{
	int fd = KEEP(edu_socket(&variant->f, 0));

	ASSERT_LE(0, fd);
	EXPECT_EQ(0, edu_ioctl_int(fd, SIOCINQ));
	EXPECT_EQ(0, edu_ioctl_int(fd, SIOCOUTQ));
}

TEST_F(stream, readv_writev)
{
	unsigned char out[4101], in[4200];
	struct iovec wv[3] = {
		{ out, 1 }, { out + 1, 100 }, { out + 101, 4000 },
	};
	struct iovec rv[4] = {
		{ in, 7 }, { in + 7, 2000 }, { in + 2007, 0 },
		{ in + 2007, 2193 },
	};

	edu_pattern(out, sizeof(out), 2, 0);
	memset(in, 0, sizeof(in));
	ASSERT_EQ(4101, writev(self->c, wv, 3));
	ASSERT_EQ(4101, edu_wait_ioctl(self->s, SIOCINQ, 4101, EDU_IO_MS));
	EXPECT_EQ(4101, readv(self->s, rv, 4));
	EXPECT_EQ(0, memcmp(in, out, sizeof(out)));

	/* A short readv fills the iovecs in order and leaves the rest. */
	ASSERT_EQ(4101, writev(self->c, wv, 3));
	ASSERT_EQ(4101, edu_wait_ioctl(self->s, SIOCINQ, 4101, EDU_IO_MS));
	rv[1].iov_len = 10;
	EXPECT_EQ(17, readv(self->s, rv, 2));
	EXPECT_EQ(0, memcmp(in, out, 17));
	EXPECT_EQ(4084, edu_ioctl_int(self->s, SIOCINQ));
}

/*
 * sendmsg()/recvmsg() with several iovecs.  On a connected stream the
 * receiver is given no address: msg_namelen comes back 0 and the buffer
 * is left alone; no flags are reported.
 */
TEST_F(stream, sendmsg_recvmsg)
{
	unsigned char out[3000], in[3000];
	struct sockaddr_in name;
	struct iovec wv[4] = {
		{ out, 500 }, { out + 500, 1 }, { out + 501, 0 },
		{ out + 501, 2499 },
	};
	struct iovec rv[3] = {
		{ in, 1500 }, { in + 1500, 1499 }, { in + 2999, 1 },
	};
	struct msghdr m = { .msg_iov = wv, .msg_iovlen = 4 };
	unsigned char ones[sizeof(name)];

	edu_pattern(out, sizeof(out), 3, 0);
	ASSERT_EQ(3000, sendmsg(self->c, &m, 0));

	memset(&name, 0xa5, sizeof(name));
	memset(ones, 0xa5, sizeof(ones));
	memset(in, 0, sizeof(in));
	m = (struct msghdr){ .msg_name = &name, .msg_namelen = sizeof(name),
			     .msg_iov = rv, .msg_iovlen = 3,
			     .msg_flags = -1 };
	EXPECT_EQ(3000, recvmsg(self->s, &m, MSG_WAITALL));
	EXPECT_EQ(0, memcmp(in, out, sizeof(out)));
	EXPECT_EQ(0U, m.msg_namelen);
	EXPECT_EQ(0, memcmp(&name, ones, sizeof(name)));
	EXPECT_EQ(0, m.msg_flags);

	/* A buffer shorter than what is queued: no MSG_TRUNC on a stream. */
	ASSERT_EQ(0, put(self->s, self->c, "0123456789"));
	rv[0].iov_len = 4;
	m = (struct msghdr){ .msg_iov = rv, .msg_iovlen = 1, .msg_flags = -1 };
	EXPECT_EQ(4, recvmsg(self->c, &m, 0));
	EXPECT_EQ(0, m.msg_flags);
	EXPECT_EQ(0, memcmp(in, "0123", 4));
}

/*
 * sendto() on a connected stream: no address is needed, and an address
 * given is not looked at (TCP sends to the peer regardless).  recvfrom()
 * returns no address: *addrlen becomes 0, the buffer is untouched.
 */
TEST_F(stream, sendto_recvfrom)
{
	struct sockaddr_in elsewhere = fam_addr(&variant->f, "127.0.0.1", 1);
	struct sockaddr_in from;
	unsigned char ones[sizeof(from)];
	socklen_t len;
	char buf[64];

	EXPECT_EQ(4, sendto(self->c, "abcd", 4, 0, NULL, 0));
	EXPECT_EQ(4, sendto(self->c, "efgh", 4, 0,
			    (struct sockaddr *)&elsewhere, sizeof(elsewhere)));
	ASSERT_EQ(8, edu_wait_ioctl(self->s, SIOCINQ, 8, EDU_IO_MS));

	memset(&from, 0xa5, sizeof(from));
	memset(ones, 0xa5, sizeof(ones));
	len = sizeof(from);
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(8, recvfrom(self->s, buf, sizeof(buf), 0,
			      (struct sockaddr *)&from, &len));
	EXPECT_STREQ("abcdefgh", buf);
	EXPECT_EQ(0U, len);
	EXPECT_EQ(0, memcmp(&from, ones, sizeof(from)));

	/* NULL address and length are fine too. */
	ASSERT_EQ(0, put(self->s, self->c, "xy"));
	EXPECT_EQ(2, recvfrom(self->c, buf, sizeof(buf), 0, NULL, NULL));
}

/* sendfile() from a file into the socket; the peer reads the file. */
TEST_F(stream, sendfile)
{
	const size_t len = 200000;
	char path[] = "/tmp/edu_sendfile.XXXXXX";
	struct edu_reader r;
	unsigned char *data;
	off_t off = 0;
	ssize_t n;
	int fd;

	data = malloc(len);
	ASSERT_NE(NULL, data);
	edu_pattern(data, len, 4, 0);
	fd = KEEP(mkstemp(path));
	ASSERT_LE(0, fd);
	unlink(path);
	ASSERT_EQ((ssize_t)len, write(fd, data, len));

	ASSERT_EQ(0, edu_reader_start(&r, self->s, len));
	while ((size_t)off < len) {
		n = sendfile(self->c, fd, &off, len - off);
		if (n <= 0)
			break;
	}
	EXPECT_EQ((off_t)len, off);
	EXPECT_EQ((ssize_t)len, edu_reader_join(&r));
	EXPECT_EQ(0, memcmp(r.buf, data, len));
	free(r.buf);
	free(data);
}

/* splice() from a pipe into the socket. */
TEST_F(stream, splice_to_socket)
{
	const size_t chunk = 32768, len = 4 * chunk;
	unsigned char *data;
	struct edu_reader r;
	size_t done = 0, in_pipe;
	int p[2];
	ssize_t n;

	data = malloc(len);
	ASSERT_NE(NULL, data);
	edu_pattern(data, len, 5, 0);
	ASSERT_EQ(0, pipe(p));
	KEEP(p[0]);
	KEEP(p[1]);

	ASSERT_EQ(0, edu_reader_start(&r, self->s, len));
	while (done < len) {
		/* A chunk into the pipe (it holds 64 KiB), then out of it. */
		ASSERT_EQ((ssize_t)chunk, write(p[1], data + done, chunk));
		in_pipe = chunk;
		while (in_pipe) {
			n = splice(p[0], NULL, self->c, NULL, in_pipe, 0);
			if (n <= 0)
				break;
			in_pipe -= n;
		}
		ASSERT_EQ(0U, in_pipe);
		done += chunk;
	}
	EXPECT_EQ((ssize_t)len, edu_reader_join(&r));
	EXPECT_EQ(0, memcmp(r.buf, data, len));
	free(r.buf);
	free(data);
}

/* splice() from the socket into a pipe. */
TEST_F(stream, splice_from_socket)
{
	unsigned char out[20000], in[20000];
	size_t got = 0;
	ssize_t n;
	int p[2];

	edu_pattern(out, sizeof(out), 6, 0);
	ASSERT_EQ(0, pipe(p));
	KEEP(p[0]);
	KEEP(p[1]);
	ASSERT_EQ((ssize_t)sizeof(out), edu_send_all(self->c, out,
						     sizeof(out), 0));
	while (got < sizeof(out)) {
		n = splice(self->s, NULL, p[1], NULL, sizeof(out) - got, 0);
		if (n <= 0)
			break;
		ASSERT_EQ(n, read(p[0], in + got, n));
		got += n;
	}
	EXPECT_EQ(sizeof(out), got);
	EXPECT_EQ(0, memcmp(in, out, sizeof(out)));
	EXPECT_EQ(0, edu_ioctl_int(self->s, SIOCINQ));
}

/*
 * SO_RCVLOWAT: poll() reports POLLIN only once lowat bytes are queued (or
 * the stream ended); a nonblocking read takes what is there.
 */
TEST_F(stream, rcvlowat_poll)
{
	char buf[256];

	ASSERT_EQ(0, edu_setint(self->s, SOL_SOCKET, SO_RCVLOWAT, 100));
	EXPECT_EQ(100, edu_getint(self->s, SOL_SOCKET, SO_RCVLOWAT));

	memset(buf, 'a', sizeof(buf));
	ASSERT_EQ(50, send(self->c, buf, 50, 0));
	ASSERT_EQ(50, edu_wait_ioctl(self->s, SIOCINQ, 50, EDU_IO_MS));
	EXPECT_EQ(POLLOUT | POLLWRNORM, edu_poll(self->s, EDU_POLL_ALL, 0));

	ASSERT_EQ(49, send(self->c, buf, 49, 0));
	ASSERT_EQ(99, edu_wait_ioctl(self->s, SIOCINQ, 99, EDU_IO_MS));
	EXPECT_EQ(POLLOUT | POLLWRNORM, edu_poll(self->s, EDU_POLL_ALL, 0));

	ASSERT_EQ(1, send(self->c, buf, 1, 0));
	EXPECT_EQ(POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM,
		  edu_poll(self->s, EDU_POLL_ALL, EDU_IO_MS));

	/* Below the mark again: a nonblocking read still gets the bytes. */
	EXPECT_EQ(70, recv(self->s, buf, 70, 0));
	EXPECT_EQ(POLLOUT | POLLWRNORM, edu_poll(self->s, EDU_POLL_ALL, 0));
	EXPECT_EQ(30, recv(self->s, buf, sizeof(buf), MSG_DONTWAIT));

	/* The end of stream is readable whatever the mark. */
	ASSERT_EQ(10, send(self->c, buf, 10, 0));
	ASSERT_EQ(0, shutdown(self->c, SHUT_WR));
	EXPECT_EQ(POLLIN | POLLRDNORM | POLLRDHUP | POLLOUT | POLLWRNORM,
		  edu_poll(self->s, EDU_POLL_ALL, EDU_IO_MS));
}

/*
 * A blocking recv() with SO_RCVLOWAT waits for lowat bytes, across
 * several segments, and returns them in one call.
 */
TEST_F(stream, rcvlowat_recv)
{
	struct dribbler d = { .fd = self->c, .waiter = gettid_(),
			      .chunks = 3, .chunk = 40 };
	unsigned char buf[256];
	pthread_t th;
	ssize_t n;

	ASSERT_EQ(0, edu_setint(self->s, SOL_SOCKET, SO_RCVLOWAT, 120));
	ASSERT_EQ(0, pthread_create(&th, NULL, dribble_fn, &d));
	n = recv(self->s, buf, sizeof(buf), 0);
	pthread_join(th, NULL);
	EXPECT_EQ(0, d.err);
	EXPECT_EQ(120, n);
	EXPECT_EQ(120U, edu_pattern_check(buf, 120, 0, 0));
}

/* When SO_RCVTIMEO ends a wait below the mark, recv() returns what came. */
TEST_F(stream, rcvlowat_timeout)
{
	char buf[256];
	long t0;

	ASSERT_EQ(0, edu_setint(self->s, SOL_SOCKET, SO_RCVLOWAT, 100));
	ASSERT_EQ(0, edu_set_timeo(self->s, SO_RCVTIMEO, 200));
	ASSERT_EQ(0, put(self->c, self->s, "twelve bytes"));
	t0 = edu_now_ms();
	EXPECT_EQ(12, recv(self->s, buf, sizeof(buf), 0));
	EXPECT_LE(180, edu_now_ms() - t0);
}

/* SO_RCVTIMEO on an empty stream: EAGAIN once the time is up. */
TEST_F(stream, rcvtimeo)
{
	char buf[16];
	long t0, dt;

	ASSERT_EQ(0, edu_set_timeo(self->s, SO_RCVTIMEO, 200));
	t0 = edu_now_ms();
	EXPECT_EQ(-EAGAIN, recv(self->s, buf, sizeof(buf), 0) < 0 ?
		  -errno : 0);
	dt = edu_now_ms() - t0;
	EXPECT_LE(180, dt);
	EXPECT_GT(EDU_IO_MS, dt);
	/* MSG_WAITALL does not change that. */
	EXPECT_EQ(-EAGAIN, recv(self->s, buf, sizeof(buf), MSG_WAITALL) < 0 ?
		  -errno : 0);
}

/* SO_KEEPALIVE is accepted and reads back, connected or not. */
TEST_F(stream, keepalive)
{
	int fd = KEEP(edu_socket(&variant->f, 0));

	ASSERT_LE(0, fd);
	EXPECT_EQ(0, edu_getint(self->c, SOL_SOCKET, SO_KEEPALIVE));
	EXPECT_EQ(0, edu_setint(self->c, SOL_SOCKET, SO_KEEPALIVE, 1));
	EXPECT_EQ(1, edu_getint(self->c, SOL_SOCKET, SO_KEEPALIVE));
	EXPECT_EQ(0, edu_setint(self->c, SOL_SOCKET, SO_KEEPALIVE, 0));
	EXPECT_EQ(0, edu_getint(self->c, SOL_SOCKET, SO_KEEPALIVE));
	/* Any nonzero value means on. */
	EXPECT_EQ(0, edu_setint(fd, SOL_SOCKET, SO_KEEPALIVE, 7));
	EXPECT_EQ(1, edu_getint(fd, SOL_SOCKET, SO_KEEPALIVE));
	/* The connection still carries data with it on. */
	EXPECT_EQ(0, edu_setint(self->s, SOL_SOCKET, SO_KEEPALIVE, 1));
	EXPECT_EQ(0, put(self->s, self->c, "alive"));
}

TEST_HARNESS_MAIN
