// SPDX-License-Identifier: GPL-2.0
/*
 * data_flow - flow control and bulk transfer on AF_EDU are what they are
 * on AF_INET/TCP:
 *
 *  - a receiver that never reads stops a nonblocking sender after a
 *    bounded number of bytes: send() fails EAGAIN, POLLOUT goes away, and
 *    every byte accepted is either in the sender's queue (SIOCOUTQ) or the
 *    receiver's (SIOCINQ); once the receiver drains, the bytes are all
 *    there in order, POLLOUT comes back and sending resumes;
 *  - a blocking sender waits for the window and is woken when it opens; a
 *    poll() for POLLOUT likewise; SO_SNDTIMEO ends the wait with EAGAIN
 *    (or the count sent, if some was);
 *  - 1 MiB of pseudo-random bytes crosses one connection intact (same
 *    length, same checksum), in writes and reads of awkward sizes;
 *  - 16 connections carry 16 distinct streams at once, none mixed up;
 *  - a reader that set SO_RCVBUF keeps the buffer it asked for, and the
 *    window within half of it, scaled (RFC 7323), through 4 MiB.
 *
 * Every blocking call is bounded by SO_RCVTIMEO/SO_SNDTIMEO or a poll
 * timeout.  "Nothing more is accepted" is judged by POLLOUT staying away
 * for SETTLE_MS, a wait that can only make the test more lenient, never
 * make it pass wrongly.  The kernel's TCP (variant "tcp") is the oracle.
 * Listeners bind port 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <linux/tcp.h>	/* struct tcp_info with tcpi_snd_wnd */
#include "edu_selftest.h"
#include "kselftest_harness.h"

/* A sender that no window stops would run into this; TCP stops far below. */
#define FLOW_CAP	(16u << 20)

/* How long POLLOUT must stay away before the socket counts as full. */
#define SETTLE_MS	300

FIXTURE(flow) {
	struct edu_fds fds;
	int c, s;	/* the client (the sender) and the accepted end */
};

FIXTURE_VARIANT(flow) {
	struct edu_family f;
};

EDU_FAMILY_VARIANTS(flow);

FIXTURE_SETUP(flow)
{
	ASSERT_LE(0, edu_pair(&variant->f, &self->fds, &self->c, &self->s));
}

FIXTURE_TEARDOWN(flow)
{
	edu_close_all(&self->fds);
}

#define KEEP(fd)	edu_keep(&self->fds, (fd))

/*
 * Waits until SIOCOUTQ(c) + SIOCINQ(s) == total: every byte accepted is
 * queued at one end or the other, none lost and none counted twice, once
 * the acknowledgements have caught up.  Returns the last sum.
 */
static long wait_conserved(int c, int s, size_t total)
{
	long end = edu_now_ms() + EDU_IO_MS;
	long sum;
	int out, in;

	for (;;) {
		out = edu_ioctl_int(c, SIOCOUTQ);
		in = edu_ioctl_int(s, SIOCINQ);
		if (out < 0 || in < 0)
			return out < 0 ? out : in;
		sum = (long)out + in;
		if ((size_t)sum == total || edu_now_ms() >= end)
			return sum;
		edu_msleep(5);
	}
}

/*
 * Sends stream seed from offset *off on c with MSG_DONTWAIT until it takes
 * no more: send() fails EAGAIN even once every byte sent so far has been
 * acknowledged or is waiting for the window (wait_conserved()), and no
 * POLLOUT came within SETTLE_MS.  An EAGAIN alone is not enough: the
 * acknowledgements still in flight free send buffer, and TCP's send() then
 * takes more (even without POLLOUT, which waits for a third of the buffer
 * to be free).  Stops at FLOW_CAP in all.  s has read consumed bytes so
 * far.  0 or -errno; *off is advanced by what was sent.
 */
static int fill(int c, int s, unsigned int seed, size_t consumed,
		size_t *off)
{
	unsigned char buf[16384];
	int settled = 0;
	size_t n;
	ssize_t r;

	while (*off < FLOW_CAP) {
		n = FLOW_CAP - *off < sizeof(buf) ? FLOW_CAP - *off :
						    sizeof(buf);
		edu_pattern(buf, n, seed, *off);
		r = send(c, buf, n, MSG_DONTWAIT);
		if (r > 0) {
			*off += r;
			settled = 0;
			continue;
		}
		if (r == 0)
			return -EIO;
		if (errno != EAGAIN)
			return -errno;
		if (settled)
			return 0;
		if ((size_t)wait_conserved(c, s, *off - consumed) !=
		    *off - consumed)
			return -ETIMEDOUT;
		r = edu_poll(c, POLLOUT, SETTLE_MS);
		if (r < 0)
			return r;
		settled = 1;
	}
	return 0;
}

/* Reads len bytes of stream seed from offset off, checking each: 0/-errno. */
static int drain(int fd, unsigned int seed, size_t off, size_t len)
{
	unsigned char buf[65536];
	size_t want;
	ssize_t n;

	while (len) {
		want = len < sizeof(buf) ? len : sizeof(buf);
		n = recv(fd, buf, want, 0);
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EPIPE;
		if (edu_pattern_check(buf, n, seed, off) != (size_t)n)
			return -EBADMSG;
		off += n;
		len -= n;
	}
	return 0;
}

/* The proc value of net.core.NAME (wmem_max, rmem_max), or -1. */
static int core_sysctl(const char *name)
{
	char path[64];
	int v;

	snprintf(path, sizeof(path), "/proc/sys/net/core/%s", name);
	return edu_read_int(path, &v) ? -1 : v;
}

/*
 * SO_SNDBUF and SO_RCVBUF as the socket core keeps them for TCP: a value
 * set reads back doubled (room for the kernel's bookkeeping), and a value
 * beyond net.core.wmem_max / rmem_max is cut to the limit first.
 */
TEST_F(flow, buffer_sizes)
{
	int wmax = core_sysctl("wmem_max"), rmax = core_sysctl("rmem_max");
	int v;
	socklen_t len = sizeof(v);

	ASSERT_LT(0, wmax);
	ASSERT_LT(0, rmax);
	ASSERT_EQ(0, edu_setint(self->c, SOL_SOCKET, SO_SNDBUF, 10000));
	ASSERT_EQ(0, getsockopt(self->c, SOL_SOCKET, SO_SNDBUF, &v, &len));
	EXPECT_EQ(20000, v);
	ASSERT_EQ(0, edu_setint(self->c, SOL_SOCKET, SO_RCVBUF, 10000));
	ASSERT_EQ(0, getsockopt(self->c, SOL_SOCKET, SO_RCVBUF, &v, &len));
	EXPECT_EQ(20000, v);
	ASSERT_EQ(0, edu_setint(self->c, SOL_SOCKET, SO_SNDBUF, wmax * 4));
	ASSERT_EQ(0, getsockopt(self->c, SOL_SOCKET, SO_SNDBUF, &v, &len));
	EXPECT_EQ(2 * wmax, v);
	ASSERT_EQ(0, edu_setint(self->c, SOL_SOCKET, SO_RCVBUF, rmax * 4));
	ASSERT_EQ(0, getsockopt(self->c, SOL_SOCKET, SO_RCVBUF, &v, &len));
	EXPECT_EQ(2 * rmax, v);
}

TEST_F(flow, receiver_never_reads)
{
	size_t total = 0, more;
	char buf[16];

	ASSERT_EQ(0, edu_set_nonblock(self->c, 1));
	ASSERT_EQ(0, fill(self->c, self->s, 1, 0, &total));
	TH_LOG("a sender stopped after %zu bytes", total);
	EXPECT_LT(0U, total);
	ASSERT_GT(FLOW_CAP, total);

	/* Full: EAGAIN, not writable, and nothing got lost on the way. */
	EXPECT_EQ(-EAGAIN, send(self->c, "x", 1, 0) < 0 ? -errno : 0);
	EXPECT_EQ(0, edu_poll(self->c, EDU_POLL_ALL, 0));
	EXPECT_EQ((long)total, wait_conserved(self->c, self->s, total));
	EXPECT_EQ(0, edu_ioctl_int(self->s, SIOCOUTQ));
	EXPECT_EQ(-EAGAIN, recv(self->c, buf, sizeof(buf), 0) < 0 ?
		  -errno : 0);

	/* The receiver drains: all of it, in order, then nothing more. */
	ASSERT_EQ(0, drain(self->s, 1, 0, total));
	EXPECT_EQ(0, edu_ioctl_int(self->s, SIOCINQ));
	EXPECT_EQ(-EAGAIN, recv(self->s, buf, sizeof(buf), MSG_DONTWAIT) < 0 ?
		  -errno : 0);

	/* The sender is writable again, its queue empties, it sends on. */
	EXPECT_EQ(POLLOUT | POLLWRNORM,
		  edu_poll(self->c, EDU_POLL_ALL, EDU_IO_MS));
	EXPECT_EQ(0, edu_wait_ioctl(self->c, SIOCOUTQ, 0, EDU_IO_MS));
	more = total;
	ASSERT_EQ(0, fill(self->c, self->s, 1, total, &more));
	EXPECT_LT(total, more);
	ASSERT_EQ(0, drain(self->s, 1, total, more - total));
}

/*
 * Reads everything it can once the writer sleeps (blocked on the full
 * window), so that the writer must be woken by the window opening.
 */
struct drainer {
	int fd;
	pid_t waiter;
	unsigned int seed;
	size_t len;
	int slept;	/* 0 if the writer was seen asleep, else -ETIMEDOUT */
	int err;
};

static void *drain_fn(void *arg)
{
	struct drainer *d = arg;

	d->slept = edu_wait_sleeping(d->waiter, 2000);
	d->err = drain(d->fd, d->seed, 0, d->len);
	return NULL;
}

/*
 * A blocking send() of more than the two ends can buffer (TCP takes about
 * 4 MiB here) waits, and is woken to finish as the window opens.
 */
TEST_F(flow, blocking_send_waits)
{
	const size_t len = 12u << 20;
	struct drainer d = { .fd = self->s, .seed = 2, .len = len,
			     .waiter = syscall(SYS_gettid) };
	unsigned char *buf;
	pthread_t th;
	ssize_t n;

	buf = malloc(len);
	ASSERT_NE(NULL, buf);
	edu_pattern(buf, len, 2, 0);
	ASSERT_EQ(0, pthread_create(&th, NULL, drain_fn, &d));
	n = edu_send_all(self->c, buf, len, 0);
	pthread_join(th, NULL);
	EXPECT_EQ((ssize_t)len, n);
	EXPECT_EQ(0, d.slept);
	EXPECT_EQ(0, d.err);
	free(buf);
}

/* A poll() for POLLOUT on the full sender is woken when the window opens. */
TEST_F(flow, pollout_wakeup)
{
	struct drainer d = { .fd = self->s, .seed = 3,
			     .waiter = syscall(SYS_gettid) };
	pthread_t th;
	long t0;
	int r;

	ASSERT_EQ(0, edu_set_nonblock(self->c, 1));
	ASSERT_EQ(0, fill(self->c, self->s, 3, 0, &d.len));
	ASSERT_GT(FLOW_CAP, d.len);
	EXPECT_EQ((long)d.len, wait_conserved(self->c, self->s, d.len));
	ASSERT_EQ(0, pthread_create(&th, NULL, drain_fn, &d));
	t0 = edu_now_ms();
	r = edu_poll(self->c, POLLOUT, EDU_IO_MS);
	pthread_join(th, NULL);
	EXPECT_EQ(POLLOUT, r);
	EXPECT_GT(EDU_IO_MS - 500, edu_now_ms() - t0);
	EXPECT_EQ(0, d.slept);
	EXPECT_EQ(0, d.err);
}

/*
 * SO_SNDTIMEO ends a send() blocked on the full window: EAGAIN, or the
 * count of bytes it managed to queue before it timed out.
 */
TEST_F(flow, sndtimeo)
{
	unsigned char buf[65536];
	size_t total = 0;
	long t0, dt;
	ssize_t n;
	int err;

	ASSERT_EQ(0, edu_set_nonblock(self->c, 1));
	ASSERT_EQ(0, fill(self->c, self->s, 4, 0, &total));
	ASSERT_GT(FLOW_CAP, total);
	EXPECT_EQ((long)total, wait_conserved(self->c, self->s, total));
	ASSERT_EQ(0, edu_set_nonblock(self->c, 0));
	ASSERT_EQ(0, edu_set_timeo(self->c, SO_SNDTIMEO, 200));

	edu_pattern(buf, sizeof(buf), 4, total);
	t0 = edu_now_ms();
	n = send(self->c, buf, sizeof(buf), 0);
	err = n < 0 ? -errno : 0;
	dt = edu_now_ms() - t0;
	TH_LOG("send() on a full window returned %zd (%d) after %ld ms",
	       n, err, dt);
	EXPECT_TRUE((n < 0 && err == -EAGAIN) ||
		    (n > 0 && n < (ssize_t)sizeof(buf)));
	EXPECT_LE(180, dt);
	EXPECT_GT(EDU_IO_MS, dt);
	/* What it did queue is part of the stream. */
	if (n > 0)
		total += n;
	ASSERT_EQ(0, drain(self->s, 4, 0, total));
}

/* A small pseudo-random generator, so that the checksum means something. */
static uint64_t xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* FNV-1a, 64-bit, continued over successive pieces. */
static uint64_t fnv1a(uint64_t h, const unsigned char *p, size_t len)
{
	while (len--) {
		h ^= *p++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

#define FNV_INIT	0xcbf29ce484222325ULL

struct bulk {
	int fd;
	const unsigned char *buf;
	size_t len;
	ssize_t sent;
	int shut;
};

/* Writes in sizes that cycle through awkward values, then half-closes. */
static void *bulk_fn(void *arg)
{
	static const size_t sizes[] = { 1, 7, 1460, 4096, 65536, 13, 100000 };
	struct bulk *b = arg;
	size_t off = 0, n;
	ssize_t r;
	int i = 0;

	while (off < b->len) {
		n = sizes[i++ % 7];
		if (n > b->len - off)
			n = b->len - off;
		r = edu_send_all(b->fd, b->buf + off, n, 0);
		if (r < 0)
			break;
		off += r;
	}
	b->sent = off;
	b->shut = shutdown(b->fd, SHUT_WR) ? -errno : 0;
	return NULL;
}

TEST_F(flow, transfer_1mib)
{
	static const size_t rsizes[] = { 1, 100, 5000, 70000, 3, 65536 };
	const size_t len = 1u << 20;
	struct bulk b = { .fd = self->c, .len = len };
	uint64_t x = 0x9e3779b97f4a7c15ULL, want, got = FNV_INIT;
	unsigned char *out, rbuf[70000];
	size_t total = 0, i;
	pthread_t th;
	ssize_t n;
	int j = 0;

	out = malloc(len);
	ASSERT_NE(NULL, out);
	for (i = 0; i < len; i += 8) {
		uint64_t v = xorshift(&x);

		memcpy(out + i, &v, 8);
	}
	want = fnv1a(FNV_INIT, out, len);
	b.buf = out;

	ASSERT_EQ(0, pthread_create(&th, NULL, bulk_fn, &b));
	for (;;) {
		n = recv(self->s, rbuf, rsizes[j++ % 6], 0);
		if (n <= 0)
			break;
		got = fnv1a(got, rbuf, n);
		total += n;
	}
	pthread_join(th, NULL);
	EXPECT_EQ(0, n);
	EXPECT_EQ((ssize_t)len, b.sent);
	EXPECT_EQ(0, b.shut);
	EXPECT_EQ(len, total);
	EXPECT_EQ(want, got);
	free(out);
}

/*
 * SO_RCVBUF set by the reader, then 4 MiB to it while it keeps up: the
 * buffer stays what it asked for (TCP grows only a buffer no one set,
 * tcp_rcv_space_adjust(); EDUTCP none), and the sender's view of the
 * window within half of it, rounded up to the unit of the window scale.
 */
TEST_F(flow, rcvbuf_locked)
{
	const size_t len = 4u << 20;
	struct bulk b = { .fd = self->c, .len = len };
	static unsigned char rbuf[65536];
	struct tcp_info snd, rcv;
	size_t total = 0;
	unsigned int unit;
	pthread_t th;
	ssize_t n;

	ASSERT_EQ(0, edu_setint(self->s, SOL_SOCKET, SO_RCVBUF, 50000));
	b.buf = calloc(1, len);
	ASSERT_NE(NULL, b.buf);
	ASSERT_EQ(0, pthread_create(&th, NULL, bulk_fn, &b));
	while ((n = recv(self->s, rbuf, sizeof(rbuf), 0)) > 0)
		total += n;
	pthread_join(th, NULL);
	free((void *)b.buf);
	EXPECT_EQ(len, total);
	EXPECT_EQ(100000, edu_getint(self->s, SOL_SOCKET, SO_RCVBUF));
	ASSERT_EQ(0, edu_tcp_info(self->c, &snd, sizeof(snd)));
	ASSERT_EQ(0, edu_tcp_info(self->s, &rcv, sizeof(rcv)));
	unit = 1U << rcv.tcpi_rcv_wscale;
	TH_LOG("the sender's window %u, the receiver's scale %u",
	       snd.tcpi_snd_wnd, rcv.tcpi_rcv_wscale);
	EXPECT_GE((50000 + unit - 1) / unit * unit, snd.tcpi_snd_wnd);
}

/* 16 connections, each with its own stream, all sending at once. */
#define NCONN		16
#define CONN_BYTES	(128u << 10)

struct sender {
	int fd;
	unsigned int seed;
	ssize_t sent;
};

static void *sender_fn(void *arg)
{
	unsigned char buf[8192];
	struct sender *s = arg;
	size_t off = 0, n;
	ssize_t r;

	while (off < CONN_BYTES) {
		/* Sizes vary with the stream, so the segments interleave. */
		n = 1000 + (s->seed * 397 + off) % 7000;
		if (n > CONN_BYTES - off)
			n = CONN_BYTES - off;
		edu_pattern(buf, n, s->seed, off);
		r = edu_send_all(s->fd, buf, n, 0);
		if (r < 0)
			break;
		off += r;
	}
	s->sent = off;
	shutdown(s->fd, SHUT_WR);
	return NULL;
}

TEST_F_TIMEOUT(flow, concurrent_16, 60)
{
	struct sender snd[NCONN];
	struct pollfd pfd[NCONN];
	unsigned int seed[NCONN];
	size_t got[NCONN];
	int eof[NCONN], bad[NCONN];
	pthread_t th[NCONN];
	unsigned char buf[16384];
	int lfd, port, i, j, open_streams, r;
	struct sockaddr_in peer;
	ssize_t n;

	lfd = KEEP(edu_listener(&variant->f, SOCK_NONBLOCK, "127.0.0.1", 0,
				NCONN));
	ASSERT_LE(0, lfd);
	port = edu_local_port(lfd);
	ASSERT_LT(0, port);
	for (i = 0; i < NCONN; i++) {
		snd[i] = (struct sender){ .seed = 100 + i, .sent = -1 };
		snd[i].fd = KEEP(edu_connected(&variant->f, "127.0.0.1",
					       port));
		ASSERT_LE(0, snd[i].fd);
		ASSERT_EQ(0, edu_set_nonblock(snd[i].fd, 0));
		ASSERT_EQ(0, edu_set_timeo(snd[i].fd, SO_SNDTIMEO, EDU_IO_MS));
	}
	/* Which accepted end belongs to which client: by the peer's port. */
	for (i = 0; i < NCONN; i++) {
		pfd[i].fd = KEEP(edu_accept_wait(lfd, EDU_HANDSHAKE_MS));
		ASSERT_LE(0, pfd[i].fd);
		pfd[i].events = POLLIN;
		ASSERT_EQ(0, edu_set_nonblock(pfd[i].fd, 1));
		ASSERT_EQ(0, edu_name(pfd[i].fd, 1, &peer));
		seed[i] = 0;
		for (j = 0; j < NCONN; j++)
			if (edu_local_port(snd[j].fd) == ntohs(peer.sin_port))
				seed[i] = snd[j].seed;
		ASSERT_NE(0U, seed[i]);
		got[i] = 0;
		eof[i] = 0;
		bad[i] = 0;
	}

	for (i = 0; i < NCONN; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, sender_fn, &snd[i]));
	open_streams = NCONN;
	while (open_streams) {
		r = poll(pfd, NCONN, EDU_IO_MS);
		if (r <= 0)
			break;
		for (i = 0; i < NCONN; i++) {
			if (eof[i] || !pfd[i].revents)
				continue;
			n = recv(pfd[i].fd, buf, sizeof(buf), 0);
			if (n < 0 && errno == EAGAIN)
				continue;
			if (n <= 0) {
				eof[i] = n ? -errno : 1;
				pfd[i].fd = -1;
				open_streams--;
				continue;
			}
			if (edu_pattern_check(buf, n, seed[i], got[i]) !=
			    (size_t)n)
				bad[i] = 1;
			got[i] += n;
		}
	}
	for (i = 0; i < NCONN; i++)
		pthread_join(th[i], NULL);

	EXPECT_EQ(0, open_streams);
	for (i = 0; i < NCONN; i++) {
		EXPECT_EQ((ssize_t)CONN_BYTES, snd[i].sent);
		EXPECT_EQ(CONN_BYTES, got[i]);
		EXPECT_EQ(1, eof[i]);
		EXPECT_EQ(0, bad[i]);
	}
}

TEST_HARNESS_MAIN
