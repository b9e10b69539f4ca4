// SPDX-License-Identifier: GPL-2.0
/*
 * edutrace - the edutcp:* tracepoints as a sequence diagram.
 *
 *	edutrace [-m | -s] [-p PORT] [-T TITLE] [TRACE]
 *
 * Reads the text of the ftrace buffer - TRACE, "-" for stdin, or by
 * default the live buffer /sys/kernel/tracing/trace (or
 * /sys/kernel/debug/tracing/trace) - and keeps the lines of the five
 * edutcp events (module/trace.h):
 *
 *	edutcp_state:	  sk=P A:a -> B:b OLD -> NEW
 *	edutcp_synq:	  listener=P L:l peer C:c EVENT len=N backlog=N
 *	edutcp_acceptq:	  (the same)
 *	edutcp_segment:	  send|recv S:s > D:d [FLAGS] seq=N ack=N win=N len=N
 *	edutcp_retransmit: SYN|SYN-ACK|data S:s > D:d retransmission N
 *
 * and draws, for every connection to a listener (or only those with PORT
 * as either end), who told what to whom: lifelines for each client, then
 * the listener's SYN queue, its accept queue and the application.  A
 * segment is an arrow from its sender to its receiver; on the server side
 * the sender or receiver is where the connection is at that moment: the
 * SYN queue while it is a request, the accept queue once the handshake is
 * done, the application after accept().  Queue events are arrows (the
 * move from the SYN queue to the accept queue, accept()) or notes (a
 * request added, a drop, an overflow, an expiry); state changes are notes
 * on the client or on the server side.  Every step starts with its time in
 * ms since the first step shown.
 *
 * Which end is the client: the listeners are known from the trace (a
 * socket entering LISTEN, a queue event, the destination of a SYN without
 * ACK), and the end whose port is not a listener's is the client.  On
 * loopback every segment appears twice, sent and received; a segment is
 * drawn when it is sent, and a received one only when its sender is not
 * in the trace (the other end is another host).  A retransmission event
 * marks the segment it belongs to, which is then dashed and says which
 * retransmission it is.
 *
 * -m (the default) writes Mermaid's sequenceDiagram text, -s a standalone
 * SVG drawn by edutrace/svg.c.  Exit status: 0; 1 no trace to read or no
 * edutcp events in it (for that port); 2 a usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "edutrace/edutrace.h"

#define MAX_LISTENERS	16

enum ev_kind { EV_STATE, EV_SYNQ, EV_ACCEPTQ, EV_SEG, EV_RTX };

struct ep {
	unsigned char	a[4];
	unsigned int	port;
};

struct ev {
	enum ev_kind	kind;
	double		ts;		/* s, the trace's clock */
	struct ep	x, y;		/* state: local, peer; queue: listener,
					 * peer; segment, rtx: source, dest */
	char		w1[24], w2[24];	/* old, new state; queue event; send
					 * or recv; rtx kind */
	char		flags[32];	/* segment */
	unsigned int	len, max, count;
	unsigned int	rtx;		/* segment: its retransmission number */
	bool		rtx_done;	/* rtx: matched to its segment */
};

struct conn {
	struct ep	client;
	int		listener;
	int		client_line;	/* its lifeline */
	int		phase;		/* where the server side is */
	unsigned int	synq_len;	/* after leaving the SYN queue */
};

enum { PH_SYNQ, PH_ACCEPTQ, PH_APP };
enum { ROLE_SQ, ROLE_AQ, ROLE_APP };

static struct ev *evs;
static int nev;
static unsigned int listeners[MAX_LISTENERS];
static int nlisteners;
static struct conn *conns;
static int nconns;
static unsigned int port_filter;

/* Lifelines as they are met; sorted when the diagram is done. */
static struct lifeline *lines;
static int *line_key;		/* clients first, then each listener's three */
static int nlines;
static int queue_line[MAX_LISTENERS][3];
static struct step *steps;
static int nsteps;
static double t0 = -1;

static void *xrealloc(void *p, size_t size)
{
	p = realloc(p, size);
	if (!p) {
		fprintf(stderr, "edutrace: out of memory\n");
		exit(1);
	}
	return p;
}

static void usage(FILE *out, int status)
{
	fprintf(out,
		"usage: edutrace [-m | -s] [-p PORT] [-T TITLE] [TRACE]\n"
		"  TRACE  a saved ftrace text, - for stdin; default the live buffer,\n"
		"         /sys/kernel/tracing/trace (or /sys/kernel/debug/tracing/trace)\n"
		"  -m  Mermaid sequenceDiagram (default)   -s  SVG\n"
		"  -p  only the connections with PORT at either end\n"
		"  -T  the SVG's title\n");
	exit(status);
}

/* ---- reading the trace -------------------------------------------------- */

static bool parse_ep(const char *s, struct ep *e)
{
	unsigned int a, b, c, d, p;
	char end;

	if (sscanf(s, "%u.%u.%u.%u:%u%c", &a, &b, &c, &d, &p, &end) != 5 ||
	    a > 255 || b > 255 || c > 255 || d > 255 || p > 65535)
		return false;
	e->a[0] = a;
	e->a[1] = b;
	e->a[2] = c;
	e->a[3] = d;
	e->port = p;
	return true;
}

static const char *ep_str(const struct ep *e)
{
	static char buf[4][32];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%u.%u.%u.%u:%u", e->a[0], e->a[1],
		 e->a[2], e->a[3], e->port);
	return buf[i];
}

static bool ep_eq(const struct ep *x, const struct ep *y)
{
	return x->port == y->port && !memcmp(x->a, y->a, 4);
}

/*
 * One line of the trace: "TASK-PID [CPU] FLAGS TIME: edutcp_NAME: ARGS".
 * The task name may hold blanks, so the line is read from the event name
 * backwards.  Returns false for anything else.
 */
static bool parse_line(char *line, struct ev *e)
{
	char *name = strstr(line, ": edutcp_"), *args, *p;
	char x[40], y[40], fl[40];

	if (!name || line[0] == '#')
		return false;
	*name = '\0';
	p = strrchr(line, ' ');
	e->ts = strtod(p ? p + 1 : line, NULL);
	name += 2;
	args = strstr(name, ": ");
	if (!args)
		return false;
	*args = '\0';
	args += 2;
	args[strcspn(args, "\r\n")] = '\0';
	memset(e->flags, 0, sizeof(e->flags));
	e->rtx = 0;
	e->rtx_done = false;
	if (!strcmp(name, "edutcp_state")) {
		e->kind = EV_STATE;
		if (sscanf(args, "sk=%*s %39s -> %39s %23s -> %23s", x, y,
			   e->w1, e->w2) != 4)
			return false;
	} else if (!strcmp(name, "edutcp_synq") ||
		   !strcmp(name, "edutcp_acceptq")) {
		e->kind = name[7] == 's' ? EV_SYNQ : EV_ACCEPTQ;
		if (sscanf(args, "listener=%*s %39s peer %39s %23s len=%u backlog=%u",
			   x, y, e->w1, &e->len, &e->max) != 5)
			return false;
	} else if (!strcmp(name, "edutcp_segment")) {
		e->kind = EV_SEG;
		fl[0] = '\0';
		/* The flags may be empty: "[]". */
		if (sscanf(args, "%23s %39s > %39s [%39[^]]", e->w1, x, y,
			   fl) < 3)
			return false;
		p = strstr(args, "] seq=");
		if (!p || sscanf(p, "] seq=%*u ack=%*u win=%*u len=%u",
				 &e->len) != 1)
			return false;
		if (strchr(fl, ']'))
			fl[0] = '\0';
		snprintf(e->flags, sizeof(e->flags), "%s", fl);
	} else if (!strcmp(name, "edutcp_retransmit")) {
		e->kind = EV_RTX;
		if (sscanf(args, "%23s %39s > %39s retransmission %u", e->w1,
			   x, y, &e->count) != 4)
			return false;
	} else {
		return false;
	}
	return parse_ep(x, &e->x) && parse_ep(y, &e->y);
}

static const char *default_trace(void)
{
	static const char * const paths[] = {
		"/sys/kernel/tracing/trace", "/sys/kernel/debug/tracing/trace",
	};
	unsigned int i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (!access(paths[i], R_OK))
			return paths[i];
	return paths[0];
}

static void read_trace(const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char *line = NULL;
	size_t size = 0;
	int cap = 0;

	if (!f) {
		fprintf(stderr, "edutrace: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	while (getline(&line, &size, f) >= 0) {
		if (nev == cap) {
			cap = cap ? 2 * cap : 1024;
			evs = xrealloc(evs, cap * sizeof(*evs));
		}
		if (parse_line(line, &evs[nev]))
			nev++;
	}
	free(line);
	if (f != stdin)
		fclose(f);
}

/* ---- who is who ------------------------------------------------------------ */

static int listener_of(unsigned int port)
{
	int i;

	for (i = 0; i < nlisteners; i++)
		if (listeners[i] == port)
			return i;
	return -1;
}

static void add_listener(unsigned int port)
{
	if (listener_of(port) < 0 && nlisteners < MAX_LISTENERS)
		listeners[nlisteners++] = port;
}

static void find_listeners(void)
{
	int i;

	for (i = 0; i < nev; i++) {
		const struct ev *e = &evs[i];

		if (e->kind == EV_STATE && !strcmp(e->w2, "LISTEN"))
			add_listener(e->x.port);
		else if (e->kind == EV_SYNQ || e->kind == EV_ACCEPTQ)
			add_listener(e->x.port);
		else if (e->kind == EV_SEG && !strcmp(e->flags, "SYN"))
			add_listener(e->y.port);
	}
}

static bool is_send_of(const struct ev *s, const struct ev *r)
{
	return s->kind == EV_SEG && !strcmp(s->w1, "send") &&
	       ep_eq(&s->x, &r->x) && ep_eq(&s->y, &r->y);
}

/*
 * A retransmission event names the segment it belongs to: the SYN that
 * follows it (edu_connect_timeout() traces, then sends), or the SYN-ACK or
 * data segment just before it (traced once sent).
 */
static void match_retransmissions(void)
{
	int i, j;

	for (i = 0; i < nev; i++) {
		struct ev *r = &evs[i];
		bool syn = !strcmp(r->w1, "SYN");

		if (r->kind != EV_RTX)
			continue;
		for (j = syn ? i + 1 : i - 1; j >= 0 && j < nev;
		     j += syn ? 1 : -1) {
			if (!is_send_of(&evs[j], r) || evs[j].rtx)
				continue;
			if (syn != !strcmp(evs[j].flags, "SYN"))
				continue;
			evs[j].rtx = r->count;
			r->rtx_done = true;
			break;
		}
	}
}

/* Whether some segment from EP was seen being sent. */
static bool sends_seen(const struct ep *e)
{
	int i;

	for (i = 0; i < nev; i++)
		if (evs[i].kind == EV_SEG && !strcmp(evs[i].w1, "send") &&
		    ep_eq(&evs[i].x, e))
			return true;
	return false;
}

static int new_line(int key, const char *id, const char *label)
{
	lines = xrealloc(lines, (nlines + 1) * sizeof(*lines));
	line_key = xrealloc(line_key, (nlines + 1) * sizeof(*line_key));
	snprintf(lines[nlines].id, sizeof(lines[nlines].id), "%s", id);
	snprintf(lines[nlines].label, sizeof(lines[nlines].label), "%s", label);
	line_key[nlines] = key;
	return nlines++;
}

/*
 * A listener's lifelines are SQ, AQ, APP; those of the next listener
 * drawn SQ2, AQ2, APP2, and so on.  Numbered in the order they are drawn,
 * not by the trace's listeners: a listener that has nothing in the diagram
 * (filtered out with -p) does not rename the others.
 */
static int queue_lifeline(int l, int role)
{
	static const char * const ids[] = { "SQ", "AQ", "APP" };
	static int drawn[MAX_LISTENERS], ndrawn;
	char id[16];

	if (!queue_line[l][role]) {
		if (!drawn[l])
			drawn[l] = ++ndrawn;
		snprintf(id, sizeof(id), "%s%.0d", ids[role],
			 drawn[l] > 1 ? drawn[l] : 0);
		/* Labels get the port later if there is more than one. */
		queue_line[l][role] = 1 + new_line(1000000 + 3 * l + role, id,
						   role == ROLE_SQ ? "SYN queue" :
						   role == ROLE_AQ ? "accept queue" :
						   "application");
	}
	return queue_line[l][role] - 1;
}

static struct conn *conn_of(const struct ep *client, int l)
{
	int i;

	for (i = 0; i < nconns; i++)
		if (conns[i].listener == l && ep_eq(&conns[i].client, client))
			return &conns[i];
	conns = xrealloc(conns, (nconns + 1) * sizeof(*conns));
	memset(&conns[nconns], 0, sizeof(conns[nconns]));
	conns[nconns].client = *client;
	conns[nconns].listener = l;
	conns[nconns].client_line = -1;
	return &conns[nconns++];
}

static int client_lifeline(struct conn *c)
{
	char label[64];

	if (c->client_line < 0) {
		snprintf(label, sizeof(label), "client %s", ep_str(&c->client));
		c->client_line = new_line((int)(c - conns), "C", label);
	}
	return c->client_line;
}

static int server_lifeline(struct conn *c)
{
	return queue_lifeline(c->listener, c->phase == PH_SYNQ ? ROLE_SQ :
				 c->phase == PH_ACCEPTQ ? ROLE_AQ : ROLE_APP);
}

static bool wanted(const struct conn *c)
{
	return !port_filter || c->client.port == port_filter ||
	       listeners[c->listener] == port_filter;
}

/* ---- the steps ------------------------------------------------------------ */

static struct step *add_step(const struct ev *e, bool note, int from, int to)
{
	struct step *s;

	if (t0 < 0)
		t0 = e->ts;
	steps = xrealloc(steps, (nsteps + 1) * sizeof(*steps));
	s = &steps[nsteps++];
	memset(s, 0, sizeof(*s));
	s->note = note;
	s->from = from;
	s->to = to;
	s->t_ms = (e->ts - t0) * 1000;
	return s;
}

static void segment_step(const struct ev *e)
{
	int l = listener_of(e->y.port), from, to;
	bool to_server = l >= 0;
	struct step *s;
	struct conn *c;
	char fl[32];
	size_t i;

	if (strcmp(e->w1, "send") && sends_seen(&e->x))
		return;		/* drawn when it was sent */
	if (!to_server)
		l = listener_of(e->x.port);
	if (l < 0)
		return;
	c = conn_of(to_server ? &e->x : &e->y, l);
	if (!wanted(c))
		return;
	from = to_server ? client_lifeline(c) : server_lifeline(c);
	to = to_server ? server_lifeline(c) : client_lifeline(c);
	s = add_step(e, false, from, to);
	snprintf(fl, sizeof(fl), "%s", e->flags[0] ? e->flags : "no flags");
	for (i = 0; fl[i]; i++)
		if (fl[i] == '|')
			fl[i] = '-';
	snprintf(s->text, sizeof(s->text), "%s", fl);
	if (e->len)
		snprintf(s->text + strlen(s->text),
			 sizeof(s->text) - strlen(s->text), " len=%u", e->len);
	if (e->rtx) {
		snprintf(s->text + strlen(s->text),
			 sizeof(s->text) - strlen(s->text),
			 " (retransmission %u)", e->rtx);
		s->dashed = true;
	}
	s->cross = strstr(e->flags, "RST") != NULL;
}

/*
 * The connection an event of one end belongs to: @me changed state or
 * sent, @peer is the other end; one of the two ports is a listener's.
 * *@line is @me's lifeline.  NULL when neither port is a listener's, or
 * when the connection is filtered out.
 */
static struct conn *end_conn(const struct ep *me, const struct ep *peer,
			     int *line)
{
	int l = listener_of(me->port);
	bool server = l >= 0;
	struct conn *c;

	if (!server)
		l = listener_of(peer->port);
	if (l < 0)
		return NULL;
	c = conn_of(server ? peer : me, l);
	if (!wanted(c))
		return NULL;
	*line = server ? server_lifeline(c) : client_lifeline(c);
	return c;
}

static void state_step(const struct ev *e)
{
	bool listener = !e->y.port;
	int l = listener_of(e->x.port), line;
	bool server = l >= 0;
	struct step *s;

	if (listener) {
		if (l < 0 || (port_filter && port_filter != e->x.port))
			return;
		s = add_step(e, true, queue_lifeline(l, ROLE_SQ),
			     queue_lifeline(l, ROLE_APP));
		snprintf(s->text, sizeof(s->text), "listener %s %s → %s",
			 ep_str(&e->x), e->w1, e->w2);
		return;
	}
	if (!end_conn(&e->x, &e->y, &line))
		return;
	s = add_step(e, true, line, line);
	snprintf(s->text, sizeof(s->text), "%s%s → %s", server ? "server " : "",
		 e->w1, e->w2);
}

static void queue_step(const struct ev *e)
{
	int l = listener_of(e->x.port);
	bool synq = e->kind == EV_SYNQ;
	const char *what = e->w1;
	struct conn *c;
	struct step *s;
	int line;

	if (l < 0)
		return;
	c = conn_of(&e->y, l);
	if (!wanted(c))
		return;
	if (synq && !strcmp(what, "remove")) {
		/* Drawn with the accept queue's add that follows. */
		c->synq_len = e->len;
		return;
	}
	if (!synq && !strcmp(what, "add")) {
		s = add_step(e, false, queue_lifeline(l, ROLE_SQ),
			     queue_lifeline(l, ROLE_AQ));
		c->phase = PH_ACCEPTQ;
		snprintf(s->text, sizeof(s->text),
			 "handshake done: to the accept queue, len=%u backlog=%u",
			 e->len, e->max);
		return;
	}
	if (!synq && !strcmp(what, "remove")) {
		s = add_step(e, false, queue_lifeline(l, ROLE_AQ),
			     queue_lifeline(l, ROLE_APP));
		c->phase = PH_APP;
		snprintf(s->text, sizeof(s->text), "accept(), len=%u backlog=%u",
			 e->len, e->max);
		return;
	}
	line = queue_lifeline(l, synq ? ROLE_SQ : ROLE_AQ);
	s = add_step(e, true, line, line);
	s->alarm = strcmp(what, "add") && strcmp(what, "acked") &&
		   strcmp(what, "cookie");
	if (synq && !strcmp(what, "add"))
		snprintf(s->text, sizeof(s->text),
			 "request added, len=%u backlog=%u", e->len, e->max);
	else if (synq && !strcmp(what, "drop"))
		snprintf(s->text, sizeof(s->text),
			 "SYN queue full: SYN dropped, len=%u backlog=%u",
			 e->len, e->max);
	else if (synq && !strcmp(what, "cookie"))
		snprintf(s->text, sizeof(s->text),
			 "SYN queue full: SYN cookie, len=%u backlog=%u",
			 e->len, e->max);
	else if (synq && !strcmp(what, "acked"))
		snprintf(s->text, sizeof(s->text),
			 "request kept, acked: waits for room, len=%u backlog=%u",
			 e->len, e->max);
	else if (!synq && !strcmp(what, "drop"))
		snprintf(s->text, sizeof(s->text),
			 "overflow: accept queue full, dropped, len=%u backlog=%u",
			 e->len, e->max);
	else
		snprintf(s->text, sizeof(s->text), "%s queue: %s, len=%u backlog=%u",
			 synq ? "SYN" : "accept", what, e->len, e->max);
}

/* A retransmission whose segment is not in the trace: a note. */
static void rtx_step(const struct ev *e)
{
	struct step *s;
	int line;

	if (e->rtx_done || !end_conn(&e->x, &e->y, &line))
		return;
	s = add_step(e, true, line, line);
	s->alarm = true;
	snprintf(s->text, sizeof(s->text), "%s retransmission %u", e->w1,
		 e->count);
}

/* Clients in order of appearance, then each listener's three lifelines. */
static void order_lifelines(void)
{
	int *map = xrealloc(NULL, (nlines + 1) * sizeof(*map));
	struct lifeline *sorted = xrealloc(NULL, (nlines + 1) * sizeof(*sorted));
	int i, j, n = 0, used = 0, clients = 0;

	for (i = 0; i < MAX_LISTENERS; i++)
		used += !!(queue_line[i][0] | queue_line[i][1] | queue_line[i][2]);
	while (n < nlines) {
		int best = -1;

		for (j = 0; j < nlines; j++)
			if (line_key[j] >= 0 &&
			    (best < 0 || line_key[j] < line_key[best]))
				best = j;
		if (best >= 1000000 && used > 1) {
			int l = (line_key[best] - 1000000) / 3;

			snprintf(lines[best].label + strlen(lines[best].label),
				 sizeof(lines[best].label) - strlen(lines[best].label),
				 " :%u", listeners[l]);
		}
		/* Clients are numbered as shown, whatever the filter left out. */
		if (line_key[best] < 1000000)
			snprintf(lines[best].id, sizeof(lines[best].id), "C%d",
				 ++clients);
		sorted[n] = lines[best];
		map[best] = n++;
		line_key[best] = -1;
	}
	for (i = 0; i < nsteps; i++) {
		steps[i].from = map[steps[i].from];
		steps[i].to = map[steps[i].to];
		if (steps[i].note && steps[i].from > steps[i].to) {
			j = steps[i].from;
			steps[i].from = steps[i].to;
			steps[i].to = j;
		}
	}
	free(lines);
	lines = sorted;
	free(map);
}

static void write_mermaid(FILE *out)
{
	int i;

	fprintf(out, "sequenceDiagram\n");
	for (i = 0; i < nlines; i++)
		fprintf(out, "    participant %s as %s\n", lines[i].id,
			lines[i].label);
	for (i = 0; i < nsteps; i++) {
		const struct step *s = &steps[i];

		if (s->note && s->from == s->to)
			fprintf(out, "    Note over %s: %.3f ms %s\n",
				lines[s->from].id, s->t_ms, s->text);
		else if (s->note)
			fprintf(out, "    Note over %s,%s: %.3f ms %s\n",
				lines[s->from].id, lines[s->to].id, s->t_ms,
				s->text);
		else
			fprintf(out, "    %s%s%s: %.3f ms %s\n",
				lines[s->from].id,
				s->cross ? (s->dashed ? "--x" : "-x") :
				s->dashed ? "-->>" : "->>",
				lines[s->to].id, s->t_ms, s->text);
	}
}

int main(int argc, char **argv)
{
	const char *path, *title = NULL;
	struct diagram d;
	bool svg = false;
	char *end;
	long v;
	int c, i;

	while ((c = getopt(argc, argv, "msp:T:h")) != -1) {
		switch (c) {
		case 'm':
			svg = false;
			break;
		case 's':
			svg = true;
			break;
		case 'p':
			v = strtol(optarg, &end, 10);
			if (end == optarg || *end || v < 1 || v > 65535) {
				fprintf(stderr, "edutrace: bad port '%s'\n", optarg);
				usage(stderr, 2);
			}
			port_filter = v;
			break;
		case 'T':
			title = optarg;
			break;
		case 'h':
			usage(stdout, 0);
			break;
		default:
			usage(stderr, 2);
		}
	}
	if (argc - optind > 1)
		usage(stderr, 2);
	path = optind < argc ? argv[optind] : default_trace();
	read_trace(path);
	find_listeners();
	match_retransmissions();
	for (i = 0; i < nev; i++) {
		switch (evs[i].kind) {
		case EV_SEG:
			segment_step(&evs[i]);
			break;
		case EV_STATE:
			state_step(&evs[i]);
			break;
		case EV_SYNQ:
		case EV_ACCEPTQ:
			queue_step(&evs[i]);
			break;
		case EV_RTX:
			rtx_step(&evs[i]);
			break;
		}
	}
	if (!nsteps) {
		fprintf(stderr, "edutrace: %s: no edutcp events%s\n", path,
			port_filter ? " for that port" : "");
		return 1;
	}
	order_lifelines();
	if (svg) {
		d.title = title ? title : "edutcp trace";
		d.lines = lines;
		d.nlines = nlines;
		d.steps = steps;
		d.nsteps = nsteps;
		write_svg(stdout, &d);
	} else {
		write_mermaid(stdout);
	}
	return fflush(stdout) ? 1 : 0;
}
