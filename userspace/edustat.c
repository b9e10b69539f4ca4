// SPDX-License-Identifier: GPL-2.0
/*
 * edustat - ss(8) for EDUTCP: the sockets of /proc/net/edutcp, the
 * counters of /proc/net/edutcp_stats, and a live view of listen queues.
 *
 *	edustat [-l | -a] [-n | -r] [-p] [-f FILE]
 *	edustat -s [-f FILE]
 *	edustat -w [INTERVAL_MS] [-c FRAMES] [-n | -r] [-f FILE]
 *	edustat -R FILE [-i INTERVAL_MS] [-c SAMPLES | -t SECS] [-f FILE]
 *		[[ADDR:]PORT]
 *	edustat --plot FILE [[ADDR:]PORT] > chart.svg
 *
 * What is shown.  Like `ss -t`, the default is the connections: every row
 * but listeners, half-open requests (SYN-RECV), TIME-WAIT and closed
 * sockets; -l shows listeners only and -a every row.  The columns:
 *
 *	State		the TCP state (ss's names: ESTAB, SYN-SENT, LISTEN...).
 *			Each half-open request in a listener's SYN queue has
 *			its own SYN-RECV row, as TCP's request sockets do.
 *	Recv-Q		a connection: bytes received, not yet read (rx_queue);
 *			a listener: connections in its accept queue.
 *	Send-Q		a connection: bytes sent, not yet acknowledged
 *			(tx_queue; a SYN counts one);
 *			a listener: its backlog, min(listen()'s n, somaxconn).
 *	Local Address:Port, Peer Address:Port
 *			"*" for port 0; a listener's peer is 0.0.0.0:*.
 *	SynQ		(-l, -a) a listener's SYN queue: half-open requests /
 *			the limit they are compared with (the backlog).
 *	Drops		(-l, -a) SYNs and ACKs the listener could not take.
 *	Process		(-p) users:(("name",pid=N,fd=N)): every process with a
 *			descriptor whose /proc/PID/fd link is socket:[inode].
 *
 * Why Recv-Q and Send-Q mean something else for a listener.  A listener
 * carries no bytes, so Linux reuses the two numbers for its queues: the
 * kernel's TCP answers ss's netlink query with the accept-queue length
 * (sk_ack_backlog) as Recv-Q and the backlog (sk_max_ack_backlog) as
 * Send-Q, and /proc/net/tcp prints the same accept-queue length as
 * rx_queue.  edustat takes Recv-Q from rx_queue and Send-Q from
 * acceptq_max, so that `edustat -ln` and `ss -lnt` print the same numbers
 * for the same listener (selftests/t_edustat.sh checks this).  The accept
 * queue is full when its length is *greater* than the backlog, so Recv-Q
 * can reach Send-Q + 1; the SYN queue is full the same way.
 *
 * The file.  A header line, then one row per socket; the first twelve
 * columns are those of /proc/net/tcp (sl, local and remote address:port in
 * hex, st, tx_queue:rx_queue, tr:tm->when, retrnsmt, uid, timeout, inode)
 * and EDUTCP adds synq synq_max acceptq acceptq_max drops.  The header is
 * checked name by name: a header with only the twelve TCP columns is
 * accepted (-f /proc/net/tcp works; a listener's backlog is then unknown,
 * "-"), one with more columns than this edustat knows is a newer format
 * and refused, rather than misread.  -f FILE reads another file, e.g. a
 * saved copy or /proc/PID/net/edutcp (another network namespace); the
 * counters are then read from FILE_stats next to it, as edutcp_stats is
 * next to edutcp.
 *
 * Names.  As ss does, ports are shown by service name (getservbyport(),
 * /etc/services, never the network) and addresses as numbers; -r also
 * turns addresses into host names with getnameinfo(), which may ask DNS
 * and wait for it; -n shows every number as a number.
 *
 * -w redraws a frame every INTERVAL_MS (default 250) until SIGINT or -c
 * FRAMES: one line per listener with its SYN and accept queues as bars
 * against their capacity, backlog + 1, then the counters that tell why
 * connections wait or vanish.  On a terminal it clears the screen between
 * frames; to a pipe or a file it prints the frames one after another,
 * separated by a blank line.  That live view is edustat/watch.c; this
 * file is the rest, and edustat/edustat.h what they share.
 *
 * -R records the listeners' queues (all, or the one [ADDR:]PORT names)
 * every INTERVAL_MS (-i, default 100) into a CSV file until SIGINT,
 * SIGTERM, -c SAMPLES or -t SECS (edustat/record.c); --plot draws such a
 * file as an SVG chart on stdout (edustat/plot.c).
 *
 * Exit status: 0; 1 a read error; 2 a usage error, no /proc/net/edutcp (the
 * module is not loaded), or a file whose format this edustat does not know.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/edu.h>		/* after <netinet/in.h> */
#include "edustat/edustat.h"

#define TCP_NCOLS	12	/* the columns of /proc/net/tcp */

static const char * const known_cols[] = {
	"sl", "local_address", "rem_address", "st", "tx_queue", "rx_queue",
	"tr", "tm->when", "retrnsmt", "uid", "timeout", "inode",
	"synq", "synq_max", "acceptq", "acceptq_max", "drops",
};

#define EDU_NCOLS	ARRAY_SIZE(known_cols)

/* ss's names for the TCP states, indexed by the st column. */
static const char * const state_names[] = {
	[EDU_ESTABLISHED] = "ESTAB",	  [EDU_SYN_SENT] = "SYN-SENT",
	[EDU_SYN_RECV] = "SYN-RECV",	  [EDU_FIN_WAIT1] = "FIN-WAIT-1",
	[EDU_FIN_WAIT2] = "FIN-WAIT-2",	  [EDU_TIME_WAIT] = "TIME-WAIT",
	[EDU_CLOSE] = "UNCONN",		  [EDU_CLOSE_WAIT] = "CLOSE-WAIT",
	[EDU_LAST_ACK] = "LAST-ACK",	  [EDU_LISTEN] = "LISTEN",
	[EDU_CLOSING] = "CLOSING",
};

enum { SHOW_CONN, SHOW_LISTEN, SHOW_ALL };

static int show = SHOW_CONN;
static bool numeric, resolve_hosts, procs;
const char *table_path = EDU_TABLE;

static void usage(FILE *out, int status)
{
	fprintf(out,
		"usage: edustat [-l | -a] [-n | -r] [-p] [-f FILE]\n"
		"       edustat -s [-f FILE]\n"
		"       edustat -w [INTERVAL_MS] [-c FRAMES] [-n | -r] [-f FILE]\n"
		"       edustat -R FILE [-i INTERVAL_MS] [-c SAMPLES | -t SECS] [-f FILE] [[ADDR:]PORT]\n"
		"       edustat --plot FILE [[ADDR:]PORT] > chart.svg\n"
		"  -l  listeners only         -a  every socket and half-open request\n"
		"  -n  numbers, no names      -r  resolve addresses to host names too\n"
		"  -p  owning processes       -s  summary and counters (edutcp_stats)\n"
		"  -w  live view of the listen queues, every INTERVAL_MS (250)\n"
		"  -c  stop -w after FRAMES, -R after SAMPLES\n"
		"  -f  read FILE instead of %s\n"
		"  -R  record the listeners' queues into FILE (CSV; - for stdout)\n"
		"  -i  -R's interval in ms (100)  -t  stop -R after SECS\n"
		"  --plot  draw a recording of -R as SVG on stdout\n"
		"  -h  this help\n"
		"For a listener Recv-Q is the accept queue, Send-Q the backlog (as ss -lnt).\n",
		EDU_TABLE);
	exit(status);
}

void *xrealloc(void *p, size_t size)
{
	p = realloc(p, size);
	if (!p) {
		fprintf(stderr, "edustat: out of memory\n");
		exit(1);
	}
	return p;
}

/*
 * fopen() with the messages a user needs: a missing /proc/net/edutcp (or
 * its _stats) means the module is not loaded in this kernel.
 */
static FILE *open_or_die(const char *path)
{
	FILE *f = fopen(path, "r");

	if (f)
		return f;
	if (errno == ENOENT && !strncmp(path, EDU_TABLE, strlen(EDU_TABLE)))
		fprintf(stderr,
			"edustat: %s not found: is the af_edu module loaded? (insmod af_edu.ko)\n",
			path);
	else
		fprintf(stderr, "edustat: %s: %s\n", path, strerror(errno));
	exit(2);
}

/* ---- reading /proc/net/edutcp ------------------------------------------ */

/*
 * Returns how many columns the header names (TCP_NCOLS or EDU_NCOLS), or
 * exits: a header this edustat cannot read is never guessed at.
 */
static int check_header(const char *path, char *line)
{
	char *save, *tok = strtok_r(line, " \t\n", &save);
	const char *bad = NULL;
	int n = 0;

	for (; tok; tok = strtok_r(NULL, " \t\n", &save), n++)
		if (n < EDU_NCOLS && !bad && strcmp(tok, known_cols[n]))
			bad = known_cols[n];
	if (!bad && n > EDU_NCOLS) {
		fprintf(stderr,
			"edustat: %s has a newer format (%d columns); this edustat understands %d\n",
			path, n, EDU_NCOLS);
		exit(2);
	}
	if (!bad && (n == TCP_NCOLS || n == EDU_NCOLS))
		return n;
	fprintf(stderr,
		"edustat: %s: not a /proc/net/edutcp table (%s; expected the header \"sl local_address ... %s\")\n",
		path, bad ? "unknown column names" : "wrong number of columns",
		known_cols[EDU_NCOLS - 1]);
	exit(2);
}

static bool parse_row(const char *line, int ncols, struct row *r)
{
	int sl, n = 0;

	memset(r, 0, sizeof(*r));
	if (sscanf(line, "%d: %X:%X %X:%X %X %X:%X %*X:%*X %*X %*u %*d %lu%n",
		   &sl, &r->laddr, &r->lport, &r->raddr, &r->rport, &r->st,
		   &r->txq, &r->rxq, &r->inode, &n) != 9)
		return false;
	if (ncols == EDU_NCOLS) {
		if (sscanf(line + n, "%u %u %u %u %u", &r->synq, &r->synq_max,
			   &r->acceptq, &r->acceptq_max, &r->drops) != 5)
			return false;
		r->has_queues = true;
	}
	return true;
}

void read_table(struct table *t)
{
	FILE *f = open_or_die(table_path);
	char *line = NULL;
	size_t size = 0;
	int ncols;

	t->n = 0;
	if (getline(&line, &size, f) < 0) {
		fprintf(stderr, "edustat: %s: empty\n", table_path);
		exit(2);
	}
	ncols = check_header(table_path, line);
	while (getline(&line, &size, f) >= 0) {
		if (t->n == t->cap) {
			t->cap = t->cap ? 2 * t->cap : 64;
			t->rows = xrealloc(t->rows, t->cap * sizeof(*t->rows));
		}
		/* A short or mangled row (a truncated copy) is left out. */
		if (parse_row(line, ncols, &t->rows[t->n]))
			t->n++;
	}
	if (ferror(f)) {
		fprintf(stderr, "edustat: %s: %s\n", table_path, strerror(errno));
		exit(1);
	}
	free(line);
	fclose(f);
}

/* The counters of FILE_stats: "EduTcp: Name..." then "EduTcp: value...". */
int read_counters(struct counter *c, bool must)
{
	char *path, *names = NULL, *values = NULL, *sn, *sv, *n, *v;
	size_t ns = 0, vs = 0;
	int nc = 0;
	FILE *f;

	if (asprintf(&path, "%s_stats", table_path) < 0)
		exit(1);
	f = must ? open_or_die(path) : fopen(path, "r");
	if (!f) {
		free(path);
		return 0;
	}
	if (getline(&names, &ns, f) > 0 && getline(&values, &vs, f) > 0) {
		n = strtok_r(names, " \t\n", &sn);
		v = strtok_r(values, " \t\n", &sv);
		while (nc < MAX_COUNTERS && (n = strtok_r(NULL, " \t\n", &sn)) &&
		       (v = strtok_r(NULL, " \t\n", &sv))) {
			snprintf(c[nc].name, sizeof(c[nc].name), "%s", n);
			c[nc++].value = atol(v);
		}
	}
	if (must && !nc) {
		fprintf(stderr, "edustat: %s: no counters in it\n", path);
		exit(2);
	}
	free(names);
	free(values);
	free(path);
	fclose(f);
	return nc;
}

/* ---- what a row looks like ---------------------------------------------- */

static const char *state_name(unsigned int st)
{
	if (st < (unsigned int)ARRAY_SIZE(state_names) && state_names[st])
		return state_names[st];
	return "UNKNOWN";
}

static bool shown(const struct row *r)
{
	switch (show) {
	case SHOW_ALL:
		return true;
	case SHOW_LISTEN:
		return r->st == EDU_LISTEN;
	default:
		/* ss's default set: what is (being) connected. */
		return r->st != EDU_LISTEN && r->st != EDU_SYN_RECV &&
		       r->st != EDU_TIME_WAIT && r->st != EDU_CLOSE;
	}
}

/*
 * getservbyport() reads /etc/services from the top at every call, and -w
 * asks for the same few ports a few times a second: each is looked up once.
 */
static const char *service_name(unsigned int port)
{
	static bool looked_up[65536];
	static char *names[65536];
	struct servent *se;

	if (port > 65535)
		return NULL;
	if (!looked_up[port]) {
		se = getservbyport(htons(port), "tcp");
		names[port] = se ? strdup(se->s_name) : NULL;
		looked_up[port] = true;
	}
	return names[port];
}

/* "addr:port" into buf, numbers or names as the options say. */
void format_endpoint(char *buf, size_t size, unsigned int addr,
			    unsigned int port)
{
	/* The file prints the address as the u32 it is in memory. */
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = addr,
	};
	char host[NI_MAXHOST], serv[32];
	const char *name = port && !numeric ? service_name(port) : NULL;

	if (!resolve_hosts || !addr ||
	    getnameinfo((struct sockaddr *)&sin, sizeof(sin), host,
			sizeof(host), NULL, 0, NI_NAMEREQD))
		inet_ntop(AF_INET, &sin.sin_addr, host, sizeof(host));
	if (!port)
		snprintf(serv, sizeof(serv), "*");
	else if (name)
		snprintf(serv, sizeof(serv), "%s", name);
	else
		snprintf(serv, sizeof(serv), "%u", port);
	/* A host name too long for the cell loses its end, not the port. */
	snprintf(buf, size, "%.*s:%s", (int)(size - strlen(serv) - 2), host,
		 serv);
}

/* ---- -p: which processes hold which socket ------------------------------ */

static int cmp_row_inode(const void *a, const void *b)
{
	const struct row *x = *(struct row * const *)a;
	const struct row *y = *(struct row * const *)b;

	return (x->inode > y->inode) - (x->inode < y->inode);
}

static void add_user(struct row *r, const char *comm, int pid, int fd)
{
	size_t len = r->users ? strlen(r->users) : 0;
	char item[64 + NAME_MAX];

	snprintf(item, sizeof(item), "%s(\"%s\",pid=%d,fd=%d)",
		 len ? "," : "users:(", comm, pid, fd);
	r->users = xrealloc(r->users, len + strlen(item) + 2);
	strcpy(r->users + len, item);
}

static bool read_comm(int pid, char *comm, size_t size)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (!fgets(comm, size, f))
		comm[0] = '\0';
	comm[strcspn(comm, "\n")] = '\0';
	fclose(f);
	return true;
}

/*
 * One walk over /proc/PID/fd/ for all shown rows at once, as ss -p does:
 * a socket's descriptor links to "socket:[inode]", the inode of the row.
 * Processes and descriptors that vanish meanwhile are skipped.
 */
static void find_users(struct table *t)
{
	struct row **idx = xrealloc(NULL, (t->n + 1) * sizeof(*idx));
	struct dirent *pe, *fe;
	int i, ni = 0;
	DIR *proc;

	for (i = 0; i < t->n; i++)
		if (shown(&t->rows[i]) && t->rows[i].inode)
			idx[ni++] = &t->rows[i];
	proc = ni ? opendir("/proc") : NULL;
	if (!proc) {
		free(idx);
		return;
	}
	qsort(idx, ni, sizeof(*idx), cmp_row_inode);
	while ((pe = readdir(proc))) {
		char dpath[64], lpath[66 + NAME_MAX], link[64], comm[64];
		int pid = atoi(pe->d_name);
		bool have_comm = false;
		DIR *fds;

		if (pid <= 0)
			continue;
		snprintf(dpath, sizeof(dpath), "/proc/%d/fd", pid);
		fds = opendir(dpath);
		if (!fds)
			continue;
		while ((fe = readdir(fds))) {
			struct row key, *kp = &key, **hit;
			ssize_t len;

			snprintf(lpath, sizeof(lpath), "%s/%s", dpath, fe->d_name);
			len = readlink(lpath, link, sizeof(link) - 1);
			if (len <= 0)
				continue;
			link[len] = '\0';
			if (sscanf(link, "socket:[%lu]", &key.inode) != 1)
				continue;
			hit = bsearch(&kp, idx, ni, sizeof(*idx), cmp_row_inode);
			if (!hit)
				continue;
			if (!have_comm && !read_comm(pid, comm, sizeof(comm)))
				break;
			have_comm = true;
			/* Several rows may share an inode only in a saved copy. */
			while (hit > idx && hit[-1]->inode == key.inode)
				hit--;
			for (; hit < idx + ni && (*hit)->inode == key.inode; hit++)
				add_user(*hit, comm, pid, atoi(fe->d_name));
		}
		closedir(fds);
	}
	closedir(proc);
	for (i = 0; i < ni; i++)
		if (idx[i]->users)
			strcat(idx[i]->users, ")");
	free(idx);
}

/* ---- the table ----------------------------------------------------------- */

enum {
	C_STATE, C_RECVQ, C_SENDQ, C_LOCAL, C_PEER, C_SYNQ, C_DROPS, C_PROC,
	NCELLS
};

static const char * const headings[NCELLS] = {
	"State", "Recv-Q", "Send-Q", "Local Address:Port", "Peer Address:Port",
	"SynQ", "Drops", "Process",
};

static void row_cells(const struct row *r, char cells[C_PROC][CELL])
{
	const size_t sz = CELL;
	bool listener = r->st == EDU_LISTEN;

	snprintf(cells[C_STATE], sz, "%s", state_name(r->st));
	snprintf(cells[C_RECVQ], sz, "%u", r->rxq);
	if (!listener)
		snprintf(cells[C_SENDQ], sz, "%u", r->txq);
	else if (r->has_queues)
		snprintf(cells[C_SENDQ], sz, "%u", r->acceptq_max);
	else
		snprintf(cells[C_SENDQ], sz, "-");
	format_endpoint(cells[C_LOCAL], sz, r->laddr, r->lport);
	format_endpoint(cells[C_PEER], sz, r->raddr, r->rport);
	if (listener && r->has_queues) {
		snprintf(cells[C_SYNQ], sz, "%u/%u", r->synq, r->synq_max);
		snprintf(cells[C_DROPS], sz, "%u", r->drops);
	} else {
		snprintf(cells[C_SYNQ], sz, "-");
		snprintf(cells[C_DROPS], sz, "-");
	}
}

/* One line: the cells that are on, the last one without padding. */
static void put_line(const char * const cell[NCELLS], const bool *on,
		     const int *width)
{
	int c, last = 0;

	for (c = 0; c < NCELLS; c++)
		if (on[c] && *cell[c])
			last = c;
	for (c = 0; c <= last; c++)
		if (on[c])
			printf("%-*s%s", c < last ? width[c] : 0, cell[c],
			       c < last ? " " : "\n");
}

static void print_table(struct table *t)
{
	bool on[NCELLS] = { true, true, true, true, true };
	int width[NCELLS], i, c, n = 0;
	char (*cells)[C_PROC][CELL];
	const char *line[NCELLS];

	on[C_SYNQ] = show != SHOW_CONN;
	on[C_DROPS] = show != SHOW_CONN;
	on[C_PROC] = procs;
	if (procs)
		find_users(t);
	cells = xrealloc(NULL, (t->n + 1) * sizeof(*cells));
	for (c = 0; c < NCELLS; c++)
		width[c] = strlen(headings[c]);
	for (i = 0; i < t->n; i++) {
		if (!shown(&t->rows[i]))
			continue;
		row_cells(&t->rows[i], cells[n]);
		for (c = 0; c < C_PROC; c++)
			if ((int)strlen(cells[n][c]) > width[c])
				width[c] = strlen(cells[n][c]);
		n++;
	}
	put_line(headings, on, width);
	for (i = 0, n = 0; i < t->n; i++) {
		if (!shown(&t->rows[i]))
			continue;
		for (c = 0; c < C_PROC; c++)
			line[c] = cells[n][c];
		line[C_PROC] = t->rows[i].users ? t->rows[i].users : "";
		put_line(line, on, width);
		n++;
	}
	free(cells);
}

/* ---- -s ------------------------------------------------------------------ */

static void print_summary(struct table *t)
{
	struct counter c[MAX_COUNTERS];
	int count[EDU_CLOSING + 2] = { 0 }, i, nc, other;

	for (i = 0; i < t->n; i++)
		count[t->rows[i].st <= EDU_CLOSING ? t->rows[i].st : 0]++;
	other = t->n - count[EDU_ESTABLISHED] - count[EDU_LISTEN] -
		count[EDU_SYN_SENT] - count[EDU_SYN_RECV] - count[EDU_TIME_WAIT];
	printf("EDUTCP: %d (estab %d, listen %d, syn-sent %d, syn-recv %d, timewait %d, other %d)\n",
	       t->n, count[EDU_ESTABLISHED], count[EDU_LISTEN],
	       count[EDU_SYN_SENT], count[EDU_SYN_RECV], count[EDU_TIME_WAIT],
	       other);
	nc = read_counters(c, true);
	printf("\n");
	for (i = 0; i < nc; i++)
		printf("%-20s %ld\n", c[i].name, c[i].value);
}

/* ---- main ---------------------------------------------------------------- */

static int parse_int(const char *s, const char *what, int min)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > INT_MAX) {
		fprintf(stderr, "edustat: bad %s '%s'\n", what, s);
		usage(stderr, 2);
	}
	return v;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "plot", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	bool summary = false, watching = false;
	int c, interval = 250, frames = 0, i, rec_ms = 100, secs = 0;
	const char *rec_path = NULL, *plot_path = NULL;
	struct filter filter = { 0 };
	struct table t = { 0 };

	/* '+': no reordering, so that -w may take the next word as its value. */
	while ((c = getopt_long(argc, argv, "+lanrpsw::c:f:hR:i:t:", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'l':
			if (show != SHOW_ALL)
				show = SHOW_LISTEN;
			break;
		case 'a':
			show = SHOW_ALL;
			break;
		case 'n':
			numeric = true;
			resolve_hosts = false;
			break;
		case 'r':
			resolve_hosts = true;
			numeric = false;
			break;
		case 'p':
			procs = true;
			break;
		case 's':
			summary = true;
			break;
		case 'w':
			watching = true;
			if (!optarg && optind < argc &&
			    isdigit((unsigned char)*argv[optind]))
				optarg = argv[optind++];
			if (optarg)
				interval = parse_int(optarg, "interval", 10);
			break;
		case 'c':
			frames = parse_int(optarg, "frame count", 1);
			break;
		case 'f':
			table_path = optarg;
			break;
		case 'R':
			rec_path = optarg;
			break;
		case 'i':
			rec_ms = parse_int(optarg, "interval", 10);
			break;
		case 't':
			secs = parse_int(optarg, "duration", 1);
			break;
		case 'P':
			plot_path = optarg;
			break;
		case 'h':
			usage(stdout, 0);
			break;
		default:
			usage(stderr, 2);
		}
	}
	if (rec_path || plot_path) {
		/* One of them, alone, with at most a listener to choose. */
		if ((rec_path && plot_path) || summary || watching ||
		    show != SHOW_CONN || procs || resolve_hosts ||
		    (plot_path && (frames || secs)) || (frames && secs) ||
		    optind + 1 < argc ||
		    (optind < argc && !parse_filter(argv[optind], &filter)))
			usage(stderr, 2);
		if (plot_path)
			return plot(plot_path, &filter);
		numeric = true;
		return record(rec_path, rec_ms, frames, secs, &filter);
	}
	if (optind != argc || (summary && watching) || (frames && !watching) ||
	    secs || rec_ms != 100)
		usage(stderr, 2);

	if (watching)
		return watch(interval, frames);
	read_table(&t);
	if (summary)
		print_summary(&t);
	else
		print_table(&t);
	for (i = 0; i < t.n; i++)
		free(t.rows[i].users);
	free(t.rows);
	return 0;
}
