/* SPDX-License-Identifier: GPL-2.0 */
/*
 * edustat.h - what the files of edustat share: the rows of
 * /proc/net/edutcp and the counters of edutcp_stats as edustat.c reads
 * them, and how it prints an endpoint.  edustat.c is the tool (options,
 * reading the files, the ss-like table, -p, -s); watch.c is the -w live
 * view, which reads and prints through the functions below; record.c
 * is -R, the queues over time into a CSV file, and plot.c --plot, such a
 * file drawn as an SVG chart.
 */
#ifndef EDUSTAT_H
#define EDUSTAT_H

#include <stdbool.h>
#include <stddef.h>

#define EDU_TABLE	"/proc/net/edutcp"
#define CELL		96	/* a table cell; longer host names are cut */
#define MAX_COUNTERS	64
#define ARRAY_SIZE(a)	((int)(sizeof(a) / sizeof((a)[0])))

/* One row of the table; the columns edustat does not show are skipped. */
struct row {
	unsigned int	laddr, lport, raddr, rport, st, txq, rxq;
	unsigned long	inode;	/* tr, tm->when, retrnsmt, uid, timeout: unused */
	bool		has_queues;	/* the EDUTCP columns were there */
	unsigned int	synq, synq_max, acceptq, acceptq_max, drops;
	char		*users;		/* -p: the Process column */
};

struct table {
	struct row	*rows;
	int		n, cap;
};

struct counter {
	char	name[64];
	long	value;
};

/* -f FILE, or EDU_TABLE; the counters are in FILE_stats. */
extern const char *table_path;

/* edustat.c */
void *xrealloc(void *p, size_t size);
void read_table(struct table *t);	/* exits on a table it cannot read */
int read_counters(struct counter *c, bool must);
void format_endpoint(char *buf, size_t size, unsigned int addr,
		     unsigned int port);

/* watch.c */
int watch(int interval, int frames);

/* record.c: -R, which listeners to record (none given: every one). */
struct filter {
	bool		on, has_addr;
	unsigned int	addr, port;	/* addr as the table prints it */
};

#define RECORD_HEADER	"time_ms,listener,synq,synq_max,acceptq,acceptq_max,drops"

bool parse_filter(const char *s, struct filter *f);
int record(const char *path, int interval, int samples, int secs,
	   const struct filter *f);

/* plot.c: --plot, a recording drawn as SVG on stdout. */
int plot(const char *path, const struct filter *f);

#endif
