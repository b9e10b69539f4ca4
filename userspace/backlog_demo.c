// SPDX-License-Identifier: GPL-2.0
/*
 * backlog_demo - what listen()'s backlog does, step by step, as the kernel
 * sees it.  Part of `make demo`; also useful on its own in a lab.
 *
 *	backlog_demo [-f edu|inet] [-b BACKLOG] [-n CLIENTS] [-p PORT] [-s MS]
 *
 * A server listens on 127.0.0.1:PORT with a small backlog and does not call
 * accept().  Clients arrive one at a time (nonblocking connect()).  The
 * first BACKLOG+1 complete their handshake inside the kernel and wait in
 * the listener's accept queue; after that the queue is full and Linux
 * drops every further SYN without a word, so those clients sit in
 * SYN_SENT and retransmit their SYN when their timer fires.  Then the
 * server accepts one connection at a time: each accept() makes room, and
 * a waiting client gets in at its next SYN retransmission - not before,
 * because nobody tells it that there is room now.
 *
 * Why a program and not a script: every number it prints is read from the
 * kernel at that moment - the listener's row in /proc/net/edutcp (queue
 * lengths and limits), each client's row (state, retransmissions, timer),
 * the counters in /proc/net/edutcp_stats, net.core.somaxconn - and each
 * step's one-line explanation is chosen from what was read, not from what
 * was expected.  With -f inet the same scenario runs on the kernel's own
 * TCP (/proc/net/tcp, /proc/net/netstat, TCP_INFO for the backlog), which
 * EDUTCP mirrors: the two outputs should tell the same story.
 *
 * -s MS is the pause between steps (default 500), so a reader can follow.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <linux/edu.h>		/* after <netinet/in.h> */
#include "edu_demo.h"

#define MAX_CLIENTS	32
#define MAX_ROWS	4096
#define WAIT_IN_MS	20000	/* the longest wait for a retransmission */

/* One row of /proc/net/edutcp or /proc/net/tcp, the columns we use. */
struct row {
	unsigned int	lport, rport, st;
	unsigned int	rx_queue;
	unsigned int	timer;		/* tr: 1 = retransmit timer pending */
	unsigned long	when;		/* tm->when, clock ticks */
	unsigned int	retrnsmt;
	/* EDUTCP listeners only */
	bool		has_queues;
	unsigned int	synq, synq_max, acceptq, acceptq_max;
};

struct client {
	int	fd;
	int	port;		/* its local port */
	double	t_connect;	/* when connect() was called */
	bool	accepted;	/* the server has accept()ed it */
};

/* Counters, the same events under each family's names. */
enum { C_OVERFLOWS, C_DROPS, C_SYNACK, C_RETRANS, C_MAX };

static const struct counter {
	const char	*edu_name;
	const char	*inet_file, *inet_prefix, *inet_name;
} counters[C_MAX] = {
	[C_OVERFLOWS]	= { "ListenOverflows", "/proc/net/netstat", "TcpExt:", "ListenOverflows" },
	[C_DROPS]	= { "ListenDrops", "/proc/net/netstat", "TcpExt:", "ListenDrops" },
	/* TCP counts SYN and SYN-ACK retransmissions together here. */
	[C_SYNACK]	= { "SynAckRetrans", "/proc/net/netstat", "TcpExt:", "TCPSynRetrans" },
	[C_RETRANS]	= { "RetransSegs", "/proc/net/snmp", "Tcp:", "RetransSegs" },
};

static int backlog_arg = 2, nclients = 6, port = 4242, pause_ms = 500;
static bool tty;
static double t0;
static struct row rows[MAX_ROWS];
static int nrows;
static struct client clients[MAX_CLIENTS];
static int lfd;
static long last[C_MAX];

static const char *const state_names[] = {
	[EDU_ESTABLISHED] = "ESTABLISHED", [EDU_SYN_SENT] = "SYN_SENT",
	[EDU_SYN_RECV] = "SYN_RECV", [EDU_FIN_WAIT1] = "FIN_WAIT1",
	[EDU_FIN_WAIT2] = "FIN_WAIT2", [EDU_TIME_WAIT] = "TIME_WAIT",
	[EDU_CLOSE] = "CLOSE", [EDU_CLOSE_WAIT] = "CLOSE_WAIT",
	[EDU_LAST_ACK] = "LAST_ACK", [EDU_LISTEN] = "LISTEN",
	[EDU_CLOSING] = "CLOSING",
};

static void usage(void)
{
	fprintf(stderr,
		"usage: backlog_demo [-f edu|inet] [-b BACKLOG] [-n CLIENTS] [-p PORT] [-s MS]\n"
		"  -f  edu (AF_EDU, default) or inet (the kernel's TCP, for comparison)\n"
		"  -b  listen() backlog (2)   -n  clients (6, at most %d)\n"
		"  -p  port on 127.0.0.1 (4242)   -s  pause between steps in ms (500)\n",
		MAX_CLIENTS);
	exit(2);
}

static void die(const char *what)
{
	fprintf(stderr, "backlog_demo: %s: %s\n", what, strerror(errno));
	if (!edu_demo_inet && errno == EAFNOSUPPORT)
		fprintf(stderr, "backlog_demo: is af_edu.ko loaded?\n");
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static const char *state_name(unsigned int st)
{
	if (st < sizeof(state_names) / sizeof(state_names[0]) && state_names[st])
		return state_names[st];
	return "?";
}

/* A heading with the time since the start, bold on a terminal. */
static void heading(const char *fmt, ...)
{
	va_list ap;

	printf("\n%s[%5.1f s] ", tty ? "\033[1m" : "", now() - t0);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("%s\n", tty ? "\033[0m" : "");
}

/* An explanation: what Linux does, indented under the heading. */
static void say(const char *fmt, ...)
{
	va_list ap;

	printf("    ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static int read_int_file(const char *path)
{
	FILE *f = fopen(path, "r");
	int v = -1;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* ---- what the kernel says ------------------------------------------------- */

/* Reads every row of the family's socket table into rows[]. */
static void read_rows(void)
{
	const char *path = edu_demo_proc();
	char line[512];
	FILE *f = fopen(path, "r");

	nrows = 0;
	if (!f)
		die(path);
	if (!fgets(line, sizeof(line), f)) {	/* the header */
		fclose(f);
		return;
	}
	while (nrows < MAX_ROWS && fgets(line, sizeof(line), f)) {
		struct row *r = &rows[nrows];
		unsigned int laddr, raddr, tx, uid;
		unsigned long inode;
		int sl, timeout, n = 0;

		memset(r, 0, sizeof(*r));
		if (sscanf(line, "%d: %X:%X %X:%X %X %X:%X %X:%lX %X %u %d %lu%n",
			   &sl, &laddr, &r->lport, &raddr, &r->rport, &r->st,
			   &tx, &r->rx_queue, &r->timer, &r->when,
			   &r->retrnsmt, &uid, &timeout, &inode, &n) < 14)
			continue;
		/* EDUTCP's own columns follow: synq synq_max acceptq acceptq_max */
		if (!edu_demo_inet && sscanf(line + n, "%u %u %u %u", &r->synq,
					     &r->synq_max, &r->acceptq,
					     &r->acceptq_max) == 4)
			r->has_queues = true;
		nrows++;
	}
	fclose(f);
}

static struct row *find_row(unsigned int lport, int rport, unsigned int st)
{
	int i;

	for (i = 0; i < nrows; i++)
		if (rows[i].lport == lport &&
		    (rport < 0 || rows[i].rport == (unsigned int)rport) &&
		    (!st || rows[i].st == st))
			return &rows[i];
	return NULL;
}

/* A counter from a file in the two-line form of /proc/net/snmp. */
static long snmp_value(const char *path, const char *prefix, const char *name)
{
	char names[4096], values[4096], *sn, *sv, *n, *v;
	FILE *f = fopen(path, "r");
	long result = -1;

	if (!f)
		return -1;
	while (fgets(names, sizeof(names), f) && fgets(values, sizeof(values), f)) {
		if (strncmp(names, prefix, strlen(prefix)))
			continue;
		n = strtok_r(names, " \n", &sn);
		v = strtok_r(values, " \n", &sv);
		/* Names and values line up, the "Prefix:" word first. */
		while ((n = strtok_r(NULL, " \n", &sn)) &&
		       (v = strtok_r(NULL, " \n", &sv))) {
			if (!strcmp(n, name)) {
				result = atol(v);
				break;
			}
		}
		break;
	}
	fclose(f);
	return result;
}

static long counter(int c)
{
	if (edu_demo_inet)
		return snmp_value(counters[c].inet_file, counters[c].inet_prefix,
				  counters[c].inet_name);
	return snmp_value("/proc/net/edutcp_stats", "EduTcp:",
			  counters[c].edu_name);
}

static const char *counter_name(int c)
{
	return edu_demo_inet ? counters[c].inet_name : counters[c].edu_name;
}

/* The listener's queues: lengths and limits, as the kernel reports them. */
struct queues {
	unsigned int	synq, synq_max, acceptq, acceptq_max;
};

static bool read_queues(struct queues *q)
{
	struct row *l = find_row(port, 0, EDU_LISTEN);

	if (!l)
		return false;
	if (l->has_queues) {
		q->synq = l->synq;
		q->synq_max = l->synq_max;
		q->acceptq = l->acceptq;
		q->acceptq_max = l->acceptq_max;
	} else {
		/*
		 * TCP: rx_queue is the accept queue, one SYN_RECV row is one
		 * request in the SYN queue, and TCP_INFO on a listener gives
		 * the backlog (tcp_get_info(): tcpi_sacked).
		 */
		struct tcp_info ti;
		socklen_t len = sizeof(ti);
		int i;

		memset(&ti, 0, sizeof(ti));
		getsockopt(lfd, IPPROTO_TCP, TCP_INFO, &ti, &len);
		q->acceptq = l->rx_queue;
		q->acceptq_max = ti.tcpi_sacked;
		q->synq_max = ti.tcpi_sacked;
		q->synq = 0;
		for (i = 0; i < nrows; i++)
			if (rows[i].lport == (unsigned int)port &&
			    rows[i].st == EDU_SYN_RECV)
				q->synq++;
	}
	return true;
}

static double ticks_to_s(unsigned long ticks)
{
	return (double)ticks / sysconf(_SC_CLK_TCK);
}

static int client_state(const struct client *c, struct row **rp)
{
	struct row *r = find_row(c->port, port, 0);

	if (rp)
		*rp = r;
	return r ? (int)r->st : 0;
}

/*
 * The listener's row, each client's and the counters, read fresh.
 * Counters show their change since the previous table; returns that of
 * ListenOverflows.
 */
static long show(void)
{
	struct queues q;
	long v, overflows = 0;
	int i, c;

	read_rows();
	if (read_queues(&q))
		printf("    server    port %-5d  %-11s  SYN queue %u/%u, accept queue %u/%u (+1 may wait)%s\n",
		       port, "LISTEN", q.synq, q.synq_max, q.acceptq,
		       q.acceptq_max, q.acceptq > q.acceptq_max ? "  FULL" : "");
	else
		printf("    server    port %-5d  (no listener row)\n", port);

	for (i = 0; i < nclients && clients[i].fd >= 0; i++) {
		struct client *cl = &clients[i];
		struct row *r;
		int st = client_state(cl, &r);

		printf("    client %-2d port %-5d  %-11s", i + 1, cl->port,
		       st ? state_name(st) : "(no row)");
		if (st == EDU_ESTABLISHED)
			printf("  %s", cl->accepted ? "accepted by the server" :
			       find_row(port, cl->port, EDU_ESTABLISHED) ?
			       "waiting in the accept queue" :
			       "(the server has no connection for it)");
		else if (st == EDU_SYN_SENT && r)
			printf("  SYN retransmitted %u time%s, next in %.1f s",
			       r->retrnsmt, r->retrnsmt == 1 ? "" : "s",
			       r->timer ? ticks_to_s(r->when) : 0.0);
		printf("\n");
	}

	printf("    counters:");
	for (c = 0; c < C_MAX; c++) {
		v = counter(c);
		printf(" %s %ld", counter_name(c), v);
		if (v != last[c])
			printf(" (+%ld)", v - last[c]);
		printf("%s", c < C_MAX - 1 ? " " : "\n");
		if (c == C_OVERFLOWS)
			overflows = v - last[c];
		last[c] = v;
	}
	return overflows;
}

/* ---- the scenario ----------------------------------------------------------- */

static void step_listen(void)
{
	struct sockaddr_in a = edu_demo_loopback(port);
	struct queues q;
	int one = 1;

	lfd = socket(edu_demo_family(), SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (lfd < 0)
		die("socket");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&a, sizeof(a)))
		die("bind");
	if (listen(lfd, backlog_arg))
		die("listen");

	heading("Step 1: the server calls listen(fd, %d) and then never accept()", backlog_arg);
	read_rows();
	if (!read_queues(&q)) {
		fprintf(stderr, "backlog_demo: no listener row for port %d\n", port);
		exit(1);
	}
	say("Linux makes the socket a listener with two queues.  Its backlog is");
	say("min(%d, net.core.somaxconn = %d) = %u.  The SYN queue holds half-open",
	    backlog_arg, read_int_file("/proc/sys/net/core/somaxconn"),
	    q.acceptq_max);
	say("connections (SYN received, SYN-ACK sent, final ACK awaited); the accept");
	say("queue holds finished ones until accept() takes them.  The accept queue");
	say("counts as full when it holds MORE than the backlog: %u can wait.",
	    q.acceptq_max + 1);
	show();
	sleep_ms(pause_ms);
}

/* Waits (bounded) until client i's SYN has been retransmitted once. */
static void watch_retransmission(int i)
{
	double end = now() + 5, seen;
	struct row *r;
	long over = counter(C_OVERFLOWS);

	heading("Client %d's timer fires: it sends its SYN again", i + 1);
	do {
		sleep_ms(50);
		read_rows();
		client_state(&clients[i], &r);
	} while (r && r->st == EDU_SYN_SENT && !r->retrnsmt && now() < end);
	seen = now();
	sleep_ms(100);		/* let the dropped SYN be counted */
	if (r && r->st == EDU_SYN_SENT && r->retrnsmt)
		say("After %.1f s in SYN_SENT, client %d retransmitted its SYN.",
		    seen - clients[i].t_connect, i + 1);
	if (counter(C_OVERFLOWS) > over)
		say("The accept queue is still full: that SYN was dropped too (%s).",
		    counter_name(C_OVERFLOWS));
	say("Linux doubles the client's timeout after each try.");
	show();
	sleep_ms(pause_ms);
}

static void step_clients(void)
{
	struct sockaddr_in a = edu_demo_loopback(port);
	bool explained_drop = false;
	int i, st;

	heading("Step 2: %d clients arrive, one at a time (nonblocking connect())", nclients);
	say("The server still does not call accept().  (On loopback a handshake");
	say("takes microseconds, so no SYN stays long enough in the SYN queue to be");
	say("seen here; edusynflood shows that queue filling up.)");
	for (i = 0; i < nclients; i++) {
		struct client *c = &clients[i];
		struct sockaddr_in me;
		socklen_t len = sizeof(me);
		long over = counter(C_OVERFLOWS);

		c->fd = socket(edu_demo_family(), SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (c->fd < 0)
			die("socket");
		c->t_connect = now();
		if (connect(c->fd, (struct sockaddr *)&a, sizeof(a)) &&
		    errno != EINPROGRESS)
			die("connect");
		getsockname(c->fd, (struct sockaddr *)&me, &len);
		c->port = ntohs(me.sin_port);
		/* Loopback answers in microseconds; give it a moment anyway. */
		poll(&(struct pollfd){ .fd = c->fd, .events = POLLOUT }, 1, 200);

		heading("Client %d connects from port %d", i + 1, c->port);
		read_rows();
		st = client_state(c, NULL);
		if (st == EDU_ESTABLISHED) {
			say("Its SYN found room: SYN, SYN-ACK and ACK were exchanged by the two");
			say("kernels alone, and the new connection now waits in the accept queue.");
		} else if (st == EDU_SYN_SENT && counter(C_OVERFLOWS) > over) {
			say("The accept queue was full, so Linux dropped this SYN without an");
			say("answer, counting it in %s and %s.  The client",
			    counter_name(C_OVERFLOWS), counter_name(C_DROPS));
			say("cannot tell a drop from a loss: it stays in SYN_SENT and sends");
			say("its SYN again when its retransmission timer fires.");
		} else if (st == EDU_SYN_SENT) {
			say("The client is still in SYN_SENT: its handshake has not finished.");
		}
		show();
		sleep_ms(pause_ms);
		if (st == EDU_SYN_SENT && !explained_drop) {
			explained_drop = true;
			watch_retransmission(i);
		}
	}
}

static int client_by_port(int p)
{
	int i;

	for (i = 0; i < nclients; i++)
		if (clients[i].port == p)
			return i;
	return -1;
}

/* Which clients are in SYN_SENT now; returns how many. */
static int snapshot_waiting(bool waiting[])
{
	int i, n = 0;

	read_rows();
	for (i = 0; i < nclients; i++) {
		waiting[i] = client_state(&clients[i], NULL) == EDU_SYN_SENT;
		n += waiting[i];
	}
	return n;
}

/*
 * Waits until one of the clients that were in SYN_SENT is ESTABLISHED (a
 * retransmitted SYN found room; it may have happened already); returns
 * it, or -1 after WAIT_IN_MS.
 */
static int wait_for_newcomer(const bool waiting[])
{
	struct pollfd pfd[MAX_CLIENTS];
	int idx[MAX_CLIENTS], n = 0, i;
	double end = now() + WAIT_IN_MS / 1000.0;

	for (i = 0; i < nclients; i++) {
		if (!waiting[i])
			continue;
		pfd[n] = (struct pollfd){ .fd = clients[i].fd, .events = POLLOUT };
		idx[n++] = i;
	}
	while (n && now() < end) {
		if (poll(pfd, n, (int)((end - now()) * 1000) + 1) <= 0)
			continue;
		for (i = 0; i < n; i++)
			if (pfd[i].revents)
				return idx[i];
	}
	return -1;
}

/* Says what the drops since the last table were, if there were any. */
static void explain_drops(long dropped)
{
	if (dropped > 0)
		say("Since the last table, %ld retransmitted SYN%s met the full accept queue.",
		    dropped, dropped == 1 ? "" : "s");
}

static void step_accept(void)
{
	bool waiting[MAX_CLIENTS];
	int done = 0, i, w;

	heading("Step 3: the server now calls accept(), one connection at a time");
	say("accept() takes the oldest connection from the accept queue; the");
	say("handshake was over long ago, so it does not talk to the client.");
	sleep_ms(pause_ms);

	while (done < nclients) {
		struct pollfd lp = { .fd = lfd, .events = POLLIN };
		struct sockaddr_in peer;
		socklen_t len = sizeof(peer);
		int fd;

		if (poll(&lp, 1, WAIT_IN_MS) <= 0)
			break;
		/*
		 * The accepted socket stays open until the program ends:
		 * closing it would reset the client (EDUTCP closes abortively).
		 */
		fd = accept(lfd, (struct sockaddr *)&peer, &len);
		if (fd < 0)
			die("accept");
		i = client_by_port(ntohs(peer.sin_port));
		if (i >= 0)
			clients[i].accepted = true;
		done++;
		heading("accept() #%d returns client %d (port %d)", done, i + 1,
			ntohs(peer.sin_port));
		explain_drops(show());

		if (!snapshot_waiting(waiting)) {
			sleep_ms(pause_ms);
			continue;
		}
		say("There is room in the accept queue now, but Linux does not tell the");
		say("clients in SYN_SENT: they get in only when their next SYN arrives.");
		w = wait_for_newcomer(waiting);
		if (w < 0) {
			say("No waiting client got in within %d s.", WAIT_IN_MS / 1000);
			continue;
		}
		heading("Client %d's retransmitted SYN finds room", w + 1);
		say("After %.1f s in SYN_SENT, client %d is ESTABLISHED and its connection",
		    now() - clients[w].t_connect, w + 1);
		say("waits in the accept queue: a delay, not an error, is what a full");
		say("accept queue cost this client.");
		explain_drops(show());
		sleep_ms(pause_ms);
	}
}

int main(int argc, char **argv)
{
	long first[C_MAX];
	int c;

	while ((c = getopt(argc, argv, "f:b:n:p:s:")) != -1) {
		switch (c) {
		case 'f':
			if (edu_demo_set_family(optarg))
				usage();
			break;
		case 'b':
			backlog_arg = atoi(optarg);
			break;
		case 'n':
			nclients = atoi(optarg);
			break;
		case 'p':
			port = atoi(optarg);
			break;
		case 's':
			pause_ms = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind != argc || nclients < 1 || nclients > MAX_CLIENTS ||
	    port < 1 || port > 65535 || pause_ms < 0 || backlog_arg < 0)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	tty = isatty(STDOUT_FILENO);
	for (c = 0; c < MAX_CLIENTS; c++)
		clients[c].fd = -1;
	for (c = 0; c < C_MAX; c++)
		first[c] = last[c] = counter(c);
	t0 = now();

	printf("backlog_demo: %s on 127.0.0.1:%d, backlog %d, %d clients\n",
	       edu_demo_inet ? "the kernel's TCP (AF_INET)" : "EDUTCP (AF_EDU)",
	       port, backlog_arg, nclients);
	printf("Every number below is read from %s, %s and the kernel's sysctls.\n",
	       edu_demo_proc(),
	       edu_demo_inet ? "/proc/net/netstat" : "/proc/net/edutcp_stats");

	step_listen();
	step_clients();
	step_accept();

	heading("Done");
	printf("    In %.1f s:", now() - t0);
	for (c = 0; c < C_MAX; c++)
		printf(" %s +%ld%s", counter_name(c), counter(c) - first[c],
		       c < C_MAX - 1 ? "," : ".\n");
	if (counter(C_OVERFLOWS) == first[C_OVERFLOWS]) {
		say("The accept queue never overflowed: every client fit.  Try more");
		say("clients (-n) or a smaller backlog (-b).");
	} else {
		say("A full accept queue does not refuse anyone: it drops SYNs, and clients");
		say("wait for their retransmissions.  A server that accepts too slowly shows");
		say("up as %s and as connections that take seconds to open.",
		    counter_name(C_OVERFLOWS));
	}
	for (c = 0; c < nclients; c++)
		close(clients[c].fd);
	close(lfd);
	return 0;
}
