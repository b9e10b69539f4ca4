// SPDX-License-Identifier: GPL-2.0
/*
 * record.c - edustat -R FILE: the listen queues over time, as CSV.
 *
 * Every INTERVAL_MS (-i, default 100) until SIGINT, SIGTERM, -c SAMPLES or
 * -t SECS, one line per listener of the table (or only those the filter
 * names) is appended to FILE ("-" for stdout):
 *
 *	time_ms,listener,synq,synq_max,acceptq,acceptq_max,drops
 *	0,127.0.0.1:9000,0,3,0,3,0
 *
 * time_ms is measured from the first sample on the monotonic clock;
 * listener is the bound address:port, always numeric; the five numbers
 * are the listener's last five columns of /proc/net/edutcp, as read (drops
 * is a running total, acceptq_max the backlog).  Each sample is flushed
 * as soon as it is written, so that a recording cut short is still whole
 * up to its last line.  plot.c draws such a file.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <linux/edu.h>		/* after <netinet/in.h> */
#include "edustat.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/*
 * The filter: "PORT", ":PORT" or "ADDR:PORT" (ADDR dotted, as the table
 * prints it).  Returns false for something else.
 */
bool parse_filter(const char *s, struct filter *f)
{
	const char *colon = strrchr(s, ':');
	char addr[INET_ADDRSTRLEN];
	struct in_addr in;
	char *end;
	long port;

	memset(f, 0, sizeof(*f));
	if (colon && colon != s) {
		if ((size_t)(colon - s) >= sizeof(addr))
			return false;
		memcpy(addr, s, colon - s);
		addr[colon - s] = '\0';
		if (inet_pton(AF_INET, addr, &in) != 1)
			return false;
		f->addr = in.s_addr;
		f->has_addr = true;
	}
	s = colon ? colon + 1 : s;
	port = strtol(s, &end, 10);
	if (end == s || *end || port < 1 || port > 65535)
		return false;
	f->port = port;
	f->on = true;
	return true;
}

static bool wanted(const struct row *r, const struct filter *f)
{
	if (r->st != EDU_LISTEN || !r->has_queues)
		return false;
	if (!f->on)
		return true;
	return r->lport == f->port && (!f->has_addr || r->laddr == f->addr);
}

int record(const char *path, int interval, int samples, int secs,
	   const struct filter *f)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct table t = { 0 };
	long long t0 = 0, elapsed;
	char local[CELL];
	int n, i;
	FILE *out;

	read_table(&t);		/* no module: its message, before FILE */
	out = strcmp(path, "-") ? fopen(path, "w") : stdout;
	if (!out) {
		perror(path);
		return 1;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	fprintf(out, "%s\n", RECORD_HEADER);
	for (n = 1; !stop; n++) {
		struct timespec ts;
		long long next;

		/* The clock starts with the first sample: its time is 0. */
		if (n == 1)
			t0 = now_ms();
		elapsed = now_ms() - t0;
		if (n == 1)
			elapsed = 0;
		if (n > 1)
			read_table(&t);
		for (i = 0; i < t.n; i++) {
			const struct row *r = &t.rows[i];

			if (!wanted(r, f))
				continue;
			format_endpoint(local, sizeof(local), r->laddr, r->lport);
			fprintf(out, "%lld,%s,%u,%u,%u,%u,%u\n", elapsed, local,
				r->synq, r->synq_max, r->acceptq,
				r->acceptq_max, r->drops);
		}
		if (fflush(out)) {
			perror(path);
			return 1;
		}
		if ((samples && n >= samples) ||
		    (secs && elapsed + interval > secs * 1000LL))
			break;
		/*
		 * On a fixed grid: a slow read does not shift later samples.
		 * Grid points missed meanwhile are skipped, not caught up on
		 * in a burst, so that no two samples tell of the same moment.
		 */
		elapsed = now_ms() - t0;
		next = (elapsed / interval + 1) * interval - elapsed;
		ts.tv_sec = next / 1000;
		ts.tv_nsec = (next % 1000) * 1000000L;
		nanosleep(&ts, NULL);
	}
	free(t.rows);
	if (out != stdout && fclose(out)) {
		perror(path);
		return 1;
	}
	return 0;
}
