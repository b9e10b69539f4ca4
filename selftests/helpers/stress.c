// SPDX-License-Identifier: GPL-2.0
/*
 * stress - thousands of connect/accept/close cycles, from several threads
 * in several processes, against one listener (selftests/t_stress.sh).
 *
 *	stress [-f edu|inet] [-m basic|churn] [-P PROCS] [-t THREADS]
 *	       [-c CYCLES] [-A ACCEPTORS] [-b BACKLOG] [-r MS] [-T MS]
 *	       [-D SECS] [-a ADDR] [-p PORT]
 *
 * The parent process owns the listener (ADDR:PORT, backlog BACKLOG) and
 * runs ACCEPTORS threads that accept and close; it forks PROCS client
 * processes of THREADS threads each, and every client thread runs CYCLES
 * cycles of socket -> connect -> (the server accepts) -> close.  Cycles
 * alternate between the ways a program can do each step, so that every
 * path of the kernel is taken under concurrency:
 *	- connect() blocking (bounded by SO_SNDTIMEO) or nonblocking + poll();
 *	- two cycles in three wait for the server: the server closes what it
 *	  accepted with SO_LINGER {1, 0}, which resets the connection on both
 *	  families, and the client
 *	  sees ECONNRESET (or EOF) from recv() - proof that the accept
 *	  happened.  The third closes at once, so the server's child is
 *	  reset while it waits in the accept queue, and accept() returns a
 *	  dead connection (or none: the RST, sent from another CPU, may
 *	  overtake the final ACK on loopback and free the request first);
 *	- acceptors block in accept() (bounded by SO_RCVTIMEO) or poll().
 *
 * Modes:
 *	basic	the listener lives throughout: every cycle must succeed, and
 *		every cycle that waited for the server was accepted.
 *	churn	a manager thread closes the listener every MS milliseconds
 *		(-r, default 40) and opens a new one on the same port, while
 *		the clients hammer it: alternately shutdown(SHUT_RD) first,
 *		which wakes the blocked accept()s with EINVAL, or a bare
 *		close() while acceptors still hold the socket.  Whatever sat
 *		in the SYN and accept queues is thrown away and reset, so
 *		ECONNREFUSED and ECONNRESET are expected; crashes, hangs and
 *		other errnos are not.
 *
 * A backlog smaller than the number of client threads lets the accept
 * queue overflow.  A client whose final ACK meets a full queue believes it
 * is connected while the server keeps only a request (or, after a cookie
 * SYN-ACK, nothing at all); if that request is then forgotten with its
 * listener, or was never kept, a client that sends nothing is never told,
 * on TCP as on EDUTCP.  Its wait for the server then ends in ETIMEDOUT,
 * which is expected in that configuration only.
 *
 * Nothing can block forever: every socket call is bounded by SO_SNDTIMEO,
 * SO_RCVTIMEO or a poll() timeout of -T MS (default 5000), the clients
 * stop at -D SECS (default 120) and the parent kills what is left after
 * that and fails.  CYCLES 0 means "until -D", for runs that are killed
 * from outside (the namespace test); the deadline then ends them cleanly.
 * Client processes die with the parent (PR_SET_PDEATHSIG).
 *
 * -f inet runs the same on AF_INET/TCP, the kernel's own, for comparison.
 *
 * Output: a summary - cycles done and succeeded, every errno by the step
 * that returned it, connections accepted, listeners opened, rate.
 * Exit status: 0 when every cycle completed with success or with an errno
 * expected in that mode (see above), 1 otherwise, 2 on a usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include "../edu_selftest.h"

#define MAX_PROCS	64
#define MAX_THREADS	64
#define MAX_ACCEPTORS	16
#define MAX_ERRNO	256	/* errno values above this are counted as 0 */

/* The steps a failure is counted under. */
enum step { S_SOCKET, S_CONNECT, S_WAIT, S_ACCEPT, S_LISTEN, S_MAX };

static const char *const step_name[S_MAX] = {
	[S_SOCKET]	= "socket",
	[S_CONNECT]	= "connect",
	[S_WAIT]	= "wait-for-server",
	[S_ACCEPT]	= "accept",
	[S_LISTEN]	= "listen",
};

/*
 * What one client thread did.  Slots live in memory shared by every
 * process, and each client slot has a single writer; the parent reads
 * them after the writers are gone.
 */
struct slot {
	long	done;		/* cycles that reached an end */
	long	ok;		/* ...with success */
	long	waited;		/* successful cycles that saw the server close */
	long	reset_early;	/* ...of which already in connect() */
	long	err[S_MAX][MAX_ERRNO];
};

struct opts {
	bool	inet;
	bool	churn;
	int	procs, threads, acceptors, backlog;
	long	cycles;
	int	period_ms, timeout_ms, deadline_s;
	char	addr[64];
	int	port;
};

static struct opts o = {
	.procs = 2, .threads = 4, .acceptors = 2, .backlog = 128,
	.cycles = 300, .period_ms = 40, .timeout_ms = 5000, .deadline_s = 120,
	.addr = "127.0.0.1", .port = 9100,
};

static struct edu_family fam;
static struct sockaddr_in srv;
static long deadline_ms;	/* absolute, CLOCK_MONOTONIC */

/* Server-side state, in the parent only. */
static struct slot server;	/* err[S_ACCEPT], err[S_LISTEN] */
static atomic_long accepted;
static atomic_int stop;
static pthread_mutex_t lfd_lock = PTHREAD_MUTEX_INITIALIZER;
static int lfd = -1;		/* the current listener, under lfd_lock */
static unsigned int lgen;	/* its generation, under lfd_lock */
static long listeners;		/* how many were opened */

static void usage(void)
{
	fprintf(stderr,
		"usage: stress [-f edu|inet] [-m basic|churn] [-P PROCS] [-t THREADS]\n"
		"              [-c CYCLES] [-A ACCEPTORS] [-b BACKLOG] [-r MS] [-T MS]\n"
		"              [-D SECS] [-a ADDR] [-p PORT]\n"
		"  -P client processes (2)   -t threads each (4)   -c cycles each (300, 0: until -D)\n"
		"  -A acceptor threads (2)   -b backlog (128)   -r churn period MS (40)\n"
		"  -T timeout of each call MS (5000)   -D deadline SECS (120)\n");
	exit(2);
}

/* Atomic: the acceptor threads share the server's slot. */
static void count_err(struct slot *s, enum step step, int err)
{
	__atomic_fetch_add(&s->err[step][err > 0 && err < MAX_ERRNO ? err : 0],
			   1, __ATOMIC_RELAXED);
}

/*
 * An abortive close (SO_LINGER {1, 0}) for both families: it keeps
 * thousands of cycles from leaving TIME_WAIT sockets (and using up
 * ephemeral ports) behind.
 */
static void set_abortive(int fd)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
}

/* ---- the client side ------------------------------------------------------ */

/*
 * connect() to the server, bounded by timeout_ms either way: 0 or an
 * errno (ETIMEDOUT when our bound ran out, not the kernel's).
 */
static int client_connect(int fd, bool nonblocking)
{
	int r = connect(fd, (struct sockaddr *)&srv, sizeof(srv));

	if (!r)
		return 0;
	if (errno != EINPROGRESS)
		return errno;
	/* Blocking: SO_SNDTIMEO ran out (the kernel says EINPROGRESS). */
	if (!nonblocking)
		return ETIMEDOUT;
	r = edu_wait_connected(fd, o.timeout_ms);
	return r == -EPIPE ? EPIPE : -r;
}


/*
 * Wait for the server to close its end: recv() blocking (SO_RCVTIMEO)
 * or after poll().  0 when it did (a reset, or EOF), else an errno.
 */
static int client_wait(int fd, bool nonblocking)
{
	char b;
	ssize_t n;

	if (nonblocking) {
		int r = edu_poll(fd, POLLIN, o.timeout_ms);

		if (r < 0)
			return -r;
		if (!r)
			return ETIMEDOUT;
	}
	n = recv(fd, &b, 1, 0);
	if (n == 0)
		return 0;
	if (n > 0)
		return EBADMSG;		/* nobody sends data here */
	if (errno == ECONNRESET)
		return 0;
	return errno == EAGAIN ? ETIMEDOUT : errno;
}

static void client_cycle(struct slot *s, long i)
{
	bool nonblocking = i & 1;
	bool close_first = i % 3 == 2;
	int fd, err;

	fd = socket(fam_af(&fam), SOCK_STREAM | (nonblocking ? SOCK_NONBLOCK : 0), 0);
	if (fd < 0) {
		count_err(s, S_SOCKET, errno);
		s->done++;
		return;
	}
	edu_set_timeo(fd, SO_SNDTIMEO, o.timeout_ms);
	edu_set_timeo(fd, SO_RCVTIMEO, o.timeout_ms);
	set_abortive(fd);

	err = client_connect(fd, nonblocking);
	/*
	 * The server may accept and close before connect() returns or
	 * SO_ERROR is read: the connection was made and is already reset,
	 * which both families report as ECONNRESET (a socket that went from
	 * SYN_SENT through ESTABLISHED to CLOSE).  With a listener that lives
	 * throughout, only the server's close resets: it counts as a cycle
	 * that saw the server close.
	 */
	if (err == ECONNRESET && !o.churn) {
		s->ok++;
		s->waited++;
		s->reset_early++;
	} else if (err) {
		count_err(s, S_CONNECT, err);
	} else if (close_first) {
		s->ok++;
	} else {
		err = client_wait(fd, nonblocking);
		if (err) {
			count_err(s, S_WAIT, err);
		} else {
			s->ok++;
			s->waited++;
		}
	}
	close(fd);
	s->done++;
}

static void *client_thread(void *arg)
{
	struct slot *s = arg;
	long i;

	for (i = 0; !o.cycles || i < o.cycles; i++) {
		if (edu_now_ms() >= deadline_ms)
			break;
		client_cycle(s, i);
	}
	return NULL;
}

/* One client process: its threads, then exit. */
static void client_process(struct slot *slots, int start_fd)
{
	pthread_t tid[MAX_THREADS];
	char go;
	int i;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1)
		_exit(1);
	/* Every client starts at once, when the parent closes the pipe. */
	if (read(start_fd, &go, 1) < 0)
		_exit(1);
	for (i = 0; i < o.threads; i++)
		if (pthread_create(&tid[i], NULL, client_thread, &slots[i]))
			_exit(1);
	for (i = 0; i < o.threads; i++)
		pthread_join(tid[i], NULL);
	_exit(0);
}

/* ---- the server side ------------------------------------------------------ */

static int open_listener(void)
{
	int fd, one = 1;

	fd = socket(fam_af(&fam), SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* Bounds the blocking accept()s; SO_RCVTIMEO is per socket. */
	edu_set_timeo(fd, SO_RCVTIMEO, 100);
	if (bind(fd, (struct sockaddr *)&srv, sizeof(srv)) ||
	    listen(fd, o.backlog)) {
		int err = -errno;

		close(fd);
		return err;
	}
	listeners++;
	return fd;
}

/*
 * The current listener, as a descriptor of our own (dup()), so that the
 * manager may close its own while we use ours: the socket then lives on
 * until we close ours, as it would in any threaded server.
 */
static int grab_listener(unsigned int *gen)
{
	int fd = -1;

	pthread_mutex_lock(&lfd_lock);
	if (lfd >= 0)
		fd = fcntl(lfd, F_DUPFD_CLOEXEC, 0);
	*gen = lgen;
	pthread_mutex_unlock(&lfd_lock);
	return fd;
}

static bool listener_changed(unsigned int gen)
{
	bool changed;

	pthread_mutex_lock(&lfd_lock);
	changed = gen != lgen;
	pthread_mutex_unlock(&lfd_lock);
	return changed;
}

static void serve(int cfd)
{
	set_abortive(cfd);
	atomic_fetch_add(&accepted, 1);
	close(cfd);
}

/*
 * Acceptor: even ones block in accept() (SO_RCVTIMEO bounds it), odd ones
 * poll() first.  EAGAIN is a timeout or a race lost to another acceptor;
 * EINVAL means the manager stopped this listener: take the next one.
 */
static void *acceptor_thread(void *arg)
{
	bool use_poll = (long)arg & 1;
	unsigned int gen = 0;
	int fd = -1, cfd;

	while (!atomic_load(&stop)) {
		if (fd >= 0 && listener_changed(gen)) {
			close(fd);
			fd = -1;
		}
		if (fd < 0) {
			fd = grab_listener(&gen);
			if (fd < 0) {
				edu_msleep(1);
				continue;
			}
		}
		if (use_poll) {
			int r = edu_poll(fd, POLLIN, 100);

			if (r <= 0) {
				if (r < 0)
					count_err(&server, S_ACCEPT, -r);
				continue;
			}
		}
		cfd = accept(fd, NULL, NULL);
		if (cfd >= 0) {
			serve(cfd);
			continue;
		}
		if (errno == EAGAIN || errno == EINTR)
			continue;
		if (errno == EINVAL && o.churn) {
			close(fd);
			fd = -1;
			edu_msleep(1);
			continue;
		}
		count_err(&server, S_ACCEPT, errno);
		edu_msleep(1);
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

/* Drain what is left: the last clients' connections must be accepted too. */
static void drain_listener(void)
{
	int fd, cfd;

	pthread_mutex_lock(&lfd_lock);
	fd = lfd;
	while (fd >= 0 && edu_poll(fd, POLLIN, 200) > 0) {
		cfd = accept(fd, NULL, NULL);
		if (cfd < 0)
			break;
		serve(cfd);
	}
	pthread_mutex_unlock(&lfd_lock);
}

/*
 * Churn: every period, stop the listener and open a new one on the same
 * port.  Even generations are shut down first, which stops listening and
 * wakes the acceptors at once; odd ones are only closed, so the socket
 * stops listening when the last acceptor lets go of it.  Either way the
 * SYN queue is dropped and every queued child reset.
 */
static void *manager_thread(void *arg)
{
	long tries;
	int fd;

	(void)arg;
	while (!atomic_load(&stop)) {
		edu_msleep(o.period_ms);
		pthread_mutex_lock(&lfd_lock);
		if (lgen % 2 == 0)
			shutdown(lfd, SHUT_RD);
		close(lfd);
		lfd = -1;
		lgen++;
		pthread_mutex_unlock(&lfd_lock);

		/*
		 * A client may hold the port for a moment (EADDRINUSE) only if
		 * it got it as its ephemeral port; retry a while.
		 */
		for (tries = 0; (fd = open_listener()) < 0; tries++) {
			if (tries == 0)
				count_err(&server, S_LISTEN, -fd);
			if (atomic_load(&stop))
				return NULL;
			if (tries > 2000) {
				fprintf(stderr, "stress: cannot listen again: %s\n",
					edu_errname(-fd));
				count_err(&server, S_LISTEN, EBUSY);
				return NULL;
			}
			edu_msleep(1);
		}
		pthread_mutex_lock(&lfd_lock);
		lfd = fd;
		pthread_mutex_unlock(&lfd_lock);
	}
	return NULL;
}

/* ---- the report ----------------------------------------------------------- */

/* Errnos a step may return in this mode without failing the run. */
static bool expected(enum step step, int err)
{
	bool overflow = o.backlog + 1 < o.procs * o.threads;

	if (step == S_WAIT && err == ETIMEDOUT && overflow)
		return true;	/* stranded, see the top of the file */
	if (!o.churn)
		return false;
	switch (step) {
	case S_CONNECT:
	case S_WAIT:
		return err == ECONNREFUSED || err == ECONNRESET;
	case S_LISTEN:
		return err == EADDRINUSE;
	default:
		return false;
	}
}

/* Prints one step's errnos; returns how many were unexpected. */
static long print_errs(const struct slot *total, enum step step)
{
	long bad = 0, n = 0;
	int e;

	printf("stress: %s errors:", step_name[step]);
	for (e = 0; e < MAX_ERRNO; e++) {
		if (!total->err[step][e])
			continue;
		n += total->err[step][e];
		printf(" %s=%ld%s", edu_errname(e), total->err[step][e],
		       expected(step, e) ? "" : "(unexpected)");
		if (!expected(step, e))
			bad += total->err[step][e];
	}
	printf("%s\n", n ? "" : " none");
	return bad;
}

static void add_slot(struct slot *t, const struct slot *s)
{
	int st, e;

	t->done += s->done;
	t->ok += s->ok;
	t->waited += s->waited;
	t->reset_early += s->reset_early;
	for (st = 0; st < S_MAX; st++)
		for (e = 0; e < MAX_ERRNO; e++)
			t->err[st][e] += s->err[st][e];
}

static void parse_args(int argc, char **argv)
{
	int c;

	while ((c = getopt(argc, argv, "f:m:P:t:c:A:b:r:T:D:a:p:")) != -1) {
		switch (c) {
		case 'f':
			if (!strcmp(optarg, "inet"))
				o.inet = true;
			else if (strcmp(optarg, "edu"))
				usage();
			break;
		case 'm':
			if (!strcmp(optarg, "churn"))
				o.churn = true;
			else if (strcmp(optarg, "basic"))
				usage();
			break;
		case 'P':
			o.procs = atoi(optarg);
			break;
		case 't':
			o.threads = atoi(optarg);
			break;
		case 'c':
			o.cycles = atol(optarg);
			break;
		case 'A':
			o.acceptors = atoi(optarg);
			break;
		case 'b':
			o.backlog = atoi(optarg);
			break;
		case 'r':
			o.period_ms = atoi(optarg);
			break;
		case 'T':
			o.timeout_ms = atoi(optarg);
			break;
		case 'D':
			o.deadline_s = atoi(optarg);
			break;
		case 'a':
			snprintf(o.addr, sizeof(o.addr), "%s", optarg);
			break;
		case 'p':
			o.port = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind != argc || o.procs < 1 || o.procs > MAX_PROCS ||
	    o.threads < 1 || o.threads > MAX_THREADS || o.cycles < 0 ||
	    o.acceptors < 1 || o.acceptors > MAX_ACCEPTORS ||
	    o.period_ms < 1 || o.timeout_ms < 1 || o.deadline_s < 1 ||
	    o.port < 1 || o.port > 65535)
		usage();
}

int main(int argc, char **argv)
{
	pthread_t acc[MAX_ACCEPTORS], mgr;
	pid_t pids[MAX_PROCS];
	int i, start[2], status, nslots;
	long t0, bad = 0, killed = 0, want;
	struct slot *slots, *total;
	struct in_addr ia;

	parse_args(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	fam.edu = !o.inet;
	if (inet_pton(AF_INET, o.addr, &ia) != 1)
		usage();
	srv = fam_addr(&fam, o.addr, o.port);
	t0 = edu_now_ms();
	deadline_ms = t0 + o.deadline_s * 1000L;

	nslots = o.procs * o.threads;
	slots = mmap(NULL, (nslots + 1) * sizeof(*slots),
		     PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (slots == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	total = &slots[nslots];

	printf("stress: %s, mode %s, %d processes x %d threads x %ld cycles, %d acceptors, backlog %d, %s:%d\n",
	       o.inet ? "AF_INET/TCP" : "AF_EDU/EDUTCP",
	       o.churn ? "churn" : "basic", o.procs, o.threads, o.cycles,
	       o.acceptors, o.backlog, o.addr, o.port);

	lfd = open_listener();
	if (lfd < 0) {
		printf("stress: listener: %s\n", edu_errname(-lfd));
		return 1;
	}

	/* Fork before any thread exists; the clients wait for the pipe. */
	if (pipe(start)) {
		perror("pipe");
		return 1;
	}
	for (i = 0; i < o.procs; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			perror("fork");
			return 1;
		}
		if (!pids[i]) {
			/* The listener is the parent's alone: its close must count. */
			close(lfd);
			close(start[1]);
			client_process(&slots[i * o.threads], start[0]);
		}
	}
	close(start[0]);

	for (i = 0; i < o.acceptors; i++)
		if (pthread_create(&acc[i], NULL, acceptor_thread, (void *)(long)i)) {
			perror("pthread_create");
			return 1;
		}
	if (o.churn && pthread_create(&mgr, NULL, manager_thread, NULL)) {
		perror("pthread_create");
		return 1;
	}
	close(start[1]);	/* go */

	/* Wait for the clients, killing what outlives the deadline. */
	for (i = 0; i < o.procs; i++) {
		while (waitpid(pids[i], &status, WNOHANG) == 0) {
			if (edu_now_ms() > deadline_ms + 2L * o.timeout_ms + 1000) {
				kill(pids[i], SIGKILL);
				waitpid(pids[i], &status, 0);
				killed++;
				break;
			}
			edu_msleep(20);
		}
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			bad++;
	}

	if (o.churn) {
		atomic_store(&stop, 1);
		pthread_join(mgr, NULL);
	}
	if (!o.churn)
		drain_listener();
	atomic_store(&stop, 1);
	for (i = 0; i < o.acceptors; i++)
		pthread_join(acc[i], NULL);
	if (lfd >= 0)
		close(lfd);

	for (i = 0; i < nslots; i++)
		add_slot(total, &slots[i]);
	add_slot(total, &server);
	want = o.cycles * nslots;

	printf("stress: cycles %ld of %ld done, %ld ok (%ld saw the server close, %ld of them in connect())\n",
	       total->done, o.cycles ? want : total->done, total->ok,
	       total->waited, total->reset_early);
	bad += print_errs(total, S_SOCKET);
	bad += print_errs(total, S_CONNECT);
	bad += print_errs(total, S_WAIT);
	bad += print_errs(total, S_ACCEPT);
	bad += print_errs(total, S_LISTEN);
	printf("stress: accepted %ld, listeners opened %ld\n",
	       atomic_load(&accepted), listeners);
	printf("stress: %.1f s, %.0f cycles/s\n", (edu_now_ms() - t0) / 1000.0,
	       total->done * 1000.0 / (edu_now_ms() - t0 + 1));

	if (killed)
		printf("stress: FAIL: %ld client processes outlived the deadline\n",
		       killed);
	if (o.cycles && total->done != want) {
		printf("stress: FAIL: %ld cycles did not complete\n",
		       want - total->done);
		bad++;
	}
	/* In basic mode, each cycle that saw the server close was accepted. */
	if (!o.churn && atomic_load(&accepted) < total->waited) {
		printf("stress: FAIL: fewer accepts than closes seen\n");
		bad++;
	}
	if (o.churn && !total->ok) {
		printf("stress: FAIL: not one cycle succeeded\n");
		bad++;
	}
	printf("stress: %s\n", bad ? "FAIL" : "PASS");
	return bad ? 1 : 0;
}
