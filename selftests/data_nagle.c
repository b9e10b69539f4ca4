// SPDX-License-Identifier: GPL-2.0
/*
 * data_nagle - Nagle's rule and the delayed ACK, and what they do
 * together, are on AF_EDU what they are on AF_INET/TCP:
 *
 *  - write-write-read: a client writes a request in two small pieces and
 *    waits for the answer; the server answers once it has both.  With
 *    Nagle's rule (the default) the second piece waits for the ACK of the
 *    first, and the server delays that ACK, hoping to send it with its
 *    answer, which it will not give before the second piece: each
 *    exchange stalls until the delayed-ACK timer fires (40 ms), and the
 *    server's DelayedACKs counter grows by one per exchange.  With
 *    TCP_NODELAY both pieces leave at once, the answer carries the ACK,
 *    the timer never fires, and the stall is gone;
 *  - TCP_CORK holds short writes back, unsent (SIOCOUTQNSD), until the
 *    cork is taken out, or for one retransmission timeout at most (at
 *    least rto_min, 200 ms), when the probe timer sends them; MSG_MORE
 *    holds one write, until a write without it.
 *
 * The first exchanges of a connection are not measured: a receiver
 * acknowledges at once while it is in "quick ACK" mode, and leaves it
 * once it answers promptly (ping-pong mode).  Timing is only used with
 * margins the timer dwarfs: a stalled exchange takes at least 30 ms, and
 * the median without Nagle is 20 ms shorter than with it.  The kernel's
 * TCP (variant "tcp") is the oracle.  Listeners bind port 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include "edu_selftest.h"
#include "kselftest_harness.h"

#define PIECE		100	/* bytes in each half of a request */
#define WARM		6	/* exchanges before measuring */
#define ROUNDS		12	/* exchanges measured */
#define STALL_MS	30.0	/* an exchange this long waited for the timer */

FIXTURE(nagle) {
	struct edu_fds fds;
	int c, s;
};

FIXTURE_VARIANT(nagle) {
	struct edu_family f;
};

EDU_FAMILY_VARIANTS(nagle);

FIXTURE_SETUP(nagle)
{
	ASSERT_LE(0, edu_pair(&variant->f, &self->fds, &self->c, &self->s));
}

FIXTURE_TEARDOWN(nagle)
{
	edu_close_all(&self->fds);
}

/* The family's DelayedACKs counter in this namespace. */
static long delayed_acks(const struct edu_family *f)
{
	return edu_mib(f, "DelayedACKs", "DelayedACKs");
}

/* The server: answer each 2 x PIECE request with one byte, until EOF. */
static void *answer_fn(void *arg)
{
	int fd = *(int *)arg;
	char buf[2 * PIECE];

	while (recv(fd, buf, sizeof(buf), MSG_WAITALL) == sizeof(buf))
		if (send(fd, "a", 1, MSG_NOSIGNAL) != 1)
			break;
	return NULL;
}

/* One write-write-read exchange; its duration in ms, or < 0 on error. */
static double exchange(int fd)
{
	char piece[PIECE], a;
	double t0 = edu_now_msf();

	memset(piece, 'q', sizeof(piece));
	if (send(fd, piece, sizeof(piece), 0) != sizeof(piece) ||
	    send(fd, piece, sizeof(piece), 0) != sizeof(piece) ||
	    recv(fd, &a, 1, 0) != 1)
		return -1;
	return edu_now_msf() - t0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

struct phase {
	int stalls;		/* exchanges of STALL_MS or more */
	long dacks;		/* DelayedACKs fired meanwhile */
	double median;		/* ms */
};

static int run_phase(const struct edu_family *f, int fd, struct phase *p)
{
	double ms[ROUNDS];
	long d0;
	int i;

	for (i = 0; i < WARM; i++)
		if (exchange(fd) < 0)
			return -1;
	d0 = delayed_acks(f);
	if (d0 < 0)
		return -1;
	p->stalls = 0;
	for (i = 0; i < ROUNDS; i++) {
		ms[i] = exchange(fd);
		if (ms[i] < 0)
			return -1;
		if (ms[i] >= STALL_MS)
			p->stalls++;
	}
	p->dacks = delayed_acks(f) - d0;
	qsort(ms, ROUNDS, sizeof(ms[0]), cmp_double);
	p->median = ms[ROUNDS / 2];
	return 0;
}

/* The stall of write-write-read, and TCP_NODELAY taking it away. */
TEST_F(nagle, write_write_read)
{
	struct phase nagle, nodelay;
	pthread_t th;

	ASSERT_EQ(0, pthread_create(&th, NULL, answer_fn, &self->s));
	ASSERT_EQ(0, run_phase(&variant->f, self->c, &nagle));
	ASSERT_EQ(0, edu_setint(self->c, IPPROTO_TCP, TCP_NODELAY, 1));
	ASSERT_EQ(0, run_phase(&variant->f, self->c, &nodelay));
	shutdown(self->c, SHUT_WR);
	pthread_join(th, NULL);

	TH_LOG("Nagle: %d of %d exchanges stalled, %ld delayed ACKs, median %.1f ms",
	       nagle.stalls, ROUNDS, nagle.dacks, nagle.median);
	TH_LOG("TCP_NODELAY: %d stalled, %ld delayed ACKs, median %.1f ms",
	       nodelay.stalls, nodelay.dacks, nodelay.median);
	/* Most exchanges waited for the timer, which fired for them. */
	EXPECT_LE(ROUNDS / 2, nagle.stalls);
	EXPECT_LE(ROUNDS / 2, nagle.dacks);
	/* Without Nagle it never had to (one may fire after the last). */
	EXPECT_GE(1, nodelay.dacks);
	EXPECT_GT(nagle.median - 20.0, nodelay.median);
}

/* Bytes written to @fd and not sent yet (SIOCOUTQNSD). */
static int unsent(int fd)
{
	return edu_ioctl_int(fd, SIOCOUTQNSD);
}

/*
 * TCP_CORK holds short writes back, unsent, and taking it out sends them
 * at once, together.
 */
TEST_F(nagle, cork)
{
	char piece[PIECE];

	memset(piece, 'c', sizeof(piece));
	ASSERT_EQ(0, edu_setint(self->c, IPPROTO_TCP, TCP_CORK, 1));
	ASSERT_EQ(PIECE, send(self->c, piece, PIECE, 0));
	ASSERT_EQ(PIECE, send(self->c, piece, PIECE, 0));
	EXPECT_EQ(2 * PIECE, unsent(self->c));
	ASSERT_EQ(0, edu_setint(self->c, IPPROTO_TCP, TCP_CORK, 0));
	EXPECT_EQ(0, unsent(self->c));
	EXPECT_EQ(2 * PIECE, edu_wait_ioctl(self->s, SIOCINQ, 2 * PIECE,
					    EDU_IO_MS));
}

/* MSG_MORE holds one write; the next one without it sends both. */
TEST_F(nagle, msg_more)
{
	char piece[PIECE];

	memset(piece, 'm', sizeof(piece));
	ASSERT_EQ(PIECE, send(self->c, piece, PIECE, MSG_MORE));
	EXPECT_EQ(PIECE, unsent(self->c));
	ASSERT_EQ(PIECE, send(self->c, piece, PIECE, 0));
	EXPECT_EQ(0, unsent(self->c));
	EXPECT_EQ(2 * PIECE, edu_wait_ioctl(self->s, SIOCINQ, 2 * PIECE,
					    EDU_IO_MS));
}

/*
 * A cork left in holds a short segment no longer than the timer that
 * probes a closed window (at least rto_min, 200 ms): then it goes, as
 * tcp_write_wakeup() sends it.
 */
TEST_F(nagle, cork_ceiling)
{
	char piece[PIECE];
	double t0, waited;

	memset(piece, 'k', sizeof(piece));
	ASSERT_EQ(0, edu_setint(self->c, IPPROTO_TCP, TCP_CORK, 1));
	t0 = edu_now_msf();
	ASSERT_EQ(PIECE, send(self->c, piece, PIECE, 0));
	ASSERT_EQ(POLLIN, edu_poll(self->s, POLLIN, EDU_IO_MS));
	waited = edu_now_msf() - t0;
	TH_LOG("corked segment sent after %.0f ms", waited);
	EXPECT_LE(150.0, waited);
	EXPECT_EQ(PIECE, edu_ioctl_int(self->s, SIOCINQ));
	EXPECT_EQ(0, unsent(self->c));
}

TEST_HARNESS_MAIN
