// SPDX-License-Identifier: GPL-2.0
/*
 * watch.c - edustat -w: the listen queues, live.
 *
 * Every INTERVAL_MS (default 250) until SIGINT, SIGTERM or -c FRAMES, a
 * frame: one line per listener with its SYN queue and its accept queue as
 * bars against their capacity, backlog + 1 (a queue is full when it is
 * longer than the backlog, so a bar is full exactly when its queue is),
 * and under them the counters that tell why connections wait or vanish,
 * each with its growth since edustat started.
 *
 * On a terminal each frame replaces the last: the screen is cleared and
 * the cursor hidden, and given back however edustat ends.  To a pipe or a
 * file the frames follow each other, separated by a blank line, with no
 * escape sequences, so that "edustat -w -c 20 > log" records a lab.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <linux/edu.h>		/* after <netinet/in.h> */
#include "edustat.h"

#define BAR_WIDTH	10

/* What the watch view shows under the listeners. */
static const char * const watch_counters[] = {
	"ListenOverflows", "ListenDrops", "SynQueueDrops", "SynAckRetrans",
};

#define NWATCH		ARRAY_SIZE(watch_counters)

static volatile sig_atomic_t stop;

static void show_cursor(void)
{
	fputs("\033[?25h", stdout);
	fflush(stdout);
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* "[####......] len/cap", the bar full exactly when the queue is full. */
static void print_bar(FILE *out, const char *name, unsigned int len,
		      unsigned int limit)
{
	unsigned int cap = limit + 1, fill, i;

	fill = len >= cap ? BAR_WIDTH :
	       (unsigned int)((unsigned long long)len * BAR_WIDTH / cap);
	if (len && !fill)
		fill = 1;
	fprintf(out, "%s [", name);
	for (i = 0; i < BAR_WIDTH; i++)
		fputc(i < fill ? '#' : '.', out);
	fprintf(out, "] %u/%u%s", len, cap, len > limit ? " full" : "");
}

static long counter_value(const struct counter *c, int nc, const char *name)
{
	int i;

	for (i = 0; i < nc; i++)
		if (!strcmp(c[i].name, name))
			return c[i].value;
	return -1;
}

/*
 * The counters are read right after the table, before anything slow (a
 * service name), so that the two tell of nearly the same moment.
 */
static void watch_frame(FILE *out, struct table *t, int frame, int interval,
			const struct counter *c0, int nc0)
{
	struct counter c[MAX_COUNTERS];
	int i, nc = read_counters(c, false), nl = 0;
	char local[CELL];
	time_t now = time(NULL);
	char when[32];

	strftime(when, sizeof(when), "%H:%M:%S", localtime(&now));
	fprintf(out, "edustat -w %s  every %d ms  frame %d  %s\n", table_path,
		interval, frame, when);
	fprintf(out,
		"Queues against their capacity, backlog+1 (full when longer than the backlog).\n");
	for (i = 0; i < t->n; i++) {
		const struct row *r = &t->rows[i];

		if (r->st != EDU_LISTEN)
			continue;
		format_endpoint(local, sizeof(local), r->laddr, r->lport);
		if (!r->has_queues) {
			fprintf(out, "%-21s  (no queue columns in this file)\n",
				local);
			nl++;
			continue;
		}
		fprintf(out, "%-21s  backlog %-4u  ", local, r->acceptq_max);
		print_bar(out, "SYN", r->synq, r->synq_max);
		fprintf(out, "  ");
		print_bar(out, "ACC", r->acceptq, r->acceptq_max);
		fprintf(out, "  drops %u\n", r->drops);
		nl++;
	}
	if (!nl)
		fprintf(out, "(no EDUTCP listeners)\n");
	for (i = 0; i < NWATCH; i++) {
		long v = counter_value(c, nc, watch_counters[i]);
		long v0 = counter_value(c0, nc0, watch_counters[i]);

		if (v < 0)
			fprintf(out, "%s%s -", i ? "  " : "", watch_counters[i]);
		else
			fprintf(out, "%s%s %ld", i ? "  " : "", watch_counters[i], v);
		if (v > v0 && v0 >= 0)
			fprintf(out, " (+%ld)", v - v0);
	}
	fprintf(out, "\n");
}

int watch(int interval, int frames)
{
	bool tty = isatty(STDOUT_FILENO);
	struct sigaction sa = { .sa_handler = on_signal };
	struct counter c0[MAX_COUNTERS];
	struct table t = { 0 };
	int frame, nc0;

	/* No SA_RESTART: the signal must cut the sleep short. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	nc0 = read_counters(c0, false);
	if (tty) {
		/* Given back however edustat ends, e.g. when the module goes. */
		atexit(show_cursor);
		fputs("\033[?25l", stdout);
	}
	for (frame = 1; !stop && (!frames || frame <= frames); frame++) {
		struct timespec ts = { interval / 1000,
				       (interval % 1000) * 1000000L };
		char *buf = NULL;
		size_t size = 0;
		FILE *out;

		/* Built in memory and written at once: no flicker. */
		read_table(&t);
		out = open_memstream(&buf, &size);
		if (!out)
			exit(1);
		watch_frame(out, &t, frame, interval, c0, nc0);
		fclose(out);
		if (tty)
			fputs("\033[H\033[2J", stdout);
		else if (frame > 1)
			fputc('\n', stdout);
		fputs(buf, stdout);
		fflush(stdout);
		free(buf);
		if (frames && frame == frames)
			break;
		nanosleep(&ts, NULL);
	}
	fflush(stdout);
	free(t.rows);
	return 0;
}
