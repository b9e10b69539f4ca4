// SPDX-License-Identifier: GPL-2.0
/*
 * estab_storm - connections that complete while a process owns the
 * listener are not reset.
 *
 * A system call on the listener (accept(), listen(), setsockopt(),
 * getsockopt()...) owns its socket lock for a moment; segments that arrive
 * meanwhile wait in the listener's backlog.  A client that sends at once
 * after connect() can have both its final ACK and its first data wait
 * there: the ACK makes the connection, and the data must reach it, not be
 * taken for a stray segment and answered with an RST.  The kernel's TCP
 * never resets such a client; neither may EDUTCP.
 *
 * The storm: one thread sets SO_RCVBUF on the listener in a loop, one
 * accepts, reads the client's 100 bytes and closes; clients connect, send
 * 100 bytes at once and expect a clean end of stream.  Every client must
 * end cleanly: none reset, none left waiting.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>
#include <sys/socket.h>
#include "../edu_selftest.h"
#include "kselftest_harness.h"

#define STORM_CLIENTS		300	/* connections per client thread... */
#define STORM_THREADS		2
#define STORM_SECONDS		20	/* ...or this long, whichever first */
#define STORM_MIN_DONE		40	/* the debug kernel is slow */
#define STORM_BYTES		100

struct storm {
	const struct edu_family *f;
	int lfd, port;
	atomic_int stop;
	atomic_int done, resets, other;
	atomic_int accepted;
	long deadline;
};

/* Keeps the listener owned by a process as often as it can. */
static void *storm_spin(void *arg)
{
	struct storm *st = arg;
	int v = 1 << 16;

	while (!atomic_load(&st->stop))
		setsockopt(st->lfd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	return NULL;
}

/* Accepts, reads the request, closes: the client then reads EOF. */
static void *storm_accept(void *arg)
{
	struct storm *st = arg;
	char buf[STORM_BYTES];

	while (!atomic_load(&st->stop)) {
		int s = accept(st->lfd, NULL, NULL);
		int got = 0, n;

		if (s < 0)
			continue;	/* SO_RCVTIMEO: look at stop again */
		atomic_fetch_add(&st->accepted, 1);
		edu_set_timeo(s, SO_RCVTIMEO, EDU_IO_MS);
		while (got < STORM_BYTES) {
			n = recv(s, buf + got, sizeof(buf) - got, 0);
			if (n <= 0)
				break;
			got += n;
		}
		close(s);
	}
	return NULL;
}

/* One client: connect, send at once, expect the server's clean close. */
static void storm_client(struct storm *st)
{
	struct sockaddr_in a = fam_addr(st->f, "127.0.0.1", st->port);
	char buf[STORM_BYTES] = { 0 };
	int fd, n;

	fd = socket(fam_af(st->f), SOCK_STREAM, 0);
	if (fd < 0) {
		atomic_fetch_add(&st->other, 1);
		return;
	}
	edu_set_timeo(fd, SO_RCVTIMEO, 4 * EDU_IO_MS);
	edu_set_timeo(fd, SO_SNDTIMEO, 4 * EDU_IO_MS);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    send(fd, buf, sizeof(buf), 0) != sizeof(buf)) {
		if (errno == ECONNRESET || errno == EPIPE)
			atomic_fetch_add(&st->resets, 1);
		else
			atomic_fetch_add(&st->other, 1);
		close(fd);
		return;
	}
	n = recv(fd, buf, sizeof(buf), 0);
	if (n == 0)
		atomic_fetch_add(&st->done, 1);
	else if (n < 0 && errno == ECONNRESET)
		atomic_fetch_add(&st->resets, 1);
	else
		atomic_fetch_add(&st->other, 1);
	close(fd);
}

static void *storm_clients(void *arg)
{
	struct storm *st = arg;
	int i;

	for (i = 0; i < STORM_CLIENTS && edu_now_ms() < st->deadline; i++)
		storm_client(st);
	return NULL;
}

FIXTURE(storm) {
	struct storm st;
};

FIXTURE_VARIANT(storm) {
	struct edu_family f;
};

EDU_FAMILY_VARIANTS(storm);

FIXTURE_SETUP(storm)
{
	memset(&self->st, 0, sizeof(self->st));
	self->st.f = &variant->f;
	self->st.lfd = edu_listener(&variant->f, 0, "127.0.0.1", 0, 128);
	ASSERT_LE(0, self->st.lfd);
	self->st.port = edu_local_port(self->st.lfd);
	ASSERT_LT(0, self->st.port);
	/* accept() comes back to look at the stop flag. */
	ASSERT_EQ(0, edu_set_timeo(self->st.lfd, SO_RCVTIMEO, 200));
}

FIXTURE_TEARDOWN(storm)
{
	close(self->st.lfd);
}

TEST_F_TIMEOUT(storm, first_data_while_listener_owned, 120)
{
	pthread_t spin, acc, cli[STORM_THREADS];
	struct storm *st = &self->st;
	int i;

	st->deadline = edu_now_ms() + STORM_SECONDS * 1000L;
	ASSERT_EQ(0, pthread_create(&spin, NULL, storm_spin, st));
	ASSERT_EQ(0, pthread_create(&acc, NULL, storm_accept, st));
	for (i = 0; i < STORM_THREADS; i++)
		ASSERT_EQ(0, pthread_create(&cli[i], NULL, storm_clients, st));
	for (i = 0; i < STORM_THREADS; i++)
		pthread_join(cli[i], NULL);
	atomic_store(&st->stop, 1);
	pthread_join(spin, NULL);
	pthread_join(acc, NULL);

	TH_LOG("%d clean, %d reset, %d other, %d accepted",
	       atomic_load(&st->done), atomic_load(&st->resets),
	       atomic_load(&st->other), atomic_load(&st->accepted));
	EXPECT_EQ(0, atomic_load(&st->resets));
	EXPECT_EQ(0, atomic_load(&st->other));
	EXPECT_LE(STORM_MIN_DONE, atomic_load(&st->done));
}

TEST_HARNESS_MAIN
