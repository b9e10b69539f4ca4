// SPDX-License-Identifier: GPL-2.0
/*
 * plot.c - edustat --plot FILE: a recording of -R drawn as an SVG chart.
 *
 * One panel per listener in the recording (or the one the filter names),
 * stacked: time on x, connections on y; the SYN queue and the accept
 * queue as step lines (a sample's value holds until the next sample, as
 * the queue did as far as anybody saw); the backlog, the limit both queues
 * are compared with, as a dashed step line (a queue is full when it is
 * *longer* than that line, so a full accept queue sits one above it); the
 * drops as red marks in a strip above the plot, one per sample at which
 * the listener's drop count grew, labelled with the growth when it is more
 * than one and the label has room.  Then axes with ticks, a legend and a title.
 *
 * The output is a standalone SVG 1.1 document on stdout: every element
 * carries its class (synq, acceptq, backlog, synq_max, drop), so that a
 * test or a style sheet can find the series.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include "edustat.h"

#define PANEL_W		900
#define PANEL_H		380
#define LEFT		70
#define RIGHT		230	/* the legend */
#define TOP		80
#define BOTTOM		55
#define DROP_STRIP	32	/* above the plot area, for the drop marks */
#define MAX_LISTENERS	16

struct sample {
	long long	t;
	unsigned int	synq, synq_max, acceptq, acceptq_max, drops;
};

struct series {
	char		name[64];
	struct sample	*s;
	int		n, cap;
};

/* The geometry of one panel: data to pixels. */
struct frame {
	double	x0, y0, w, h;	/* the plot area */
	long long tmax;
	unsigned int ymax;
};

static double px(const struct frame *fr, long long t)
{
	return fr->x0 + fr->w * (double)t / (double)fr->tmax;
}

static double py(const struct frame *fr, unsigned int v)
{
	return fr->y0 + fr->h - fr->h * (double)v / (double)fr->ymax;
}

/* Text for an SVG attribute or element: the five XML escapes. */
static void put_text(const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", stdout);
			break;
		case '<':
			fputs("&lt;", stdout);
			break;
		case '>':
			fputs("&gt;", stdout);
			break;
		case '"':
			fputs("&quot;", stdout);
			break;
		case '\'':
			fputs("&apos;", stdout);
			break;
		default:
			/* No control characters: they are not XML. */
			if ((unsigned char)*s >= 0x20 || *s == '\t')
				putchar(*s);
		}
	}
}

/* 1, 2 or 5 times a power of ten, the smallest >= x. */
static long long nice_step(double x)
{
	long long p = 1;

	if (x < 1)
		return 1;
	for (;;) {
		if (p >= x)
			return p;
		if (2 * p >= x)
			return 2 * p;
		if (5 * p >= x)
			return 5 * p;
		p *= 10;
	}
}

static struct series *series_of(struct series *all, int *n, const char *name)
{
	int i;

	for (i = 0; i < *n; i++)
		if (!strcmp(all[i].name, name))
			return &all[i];
	if (*n == MAX_LISTENERS)
		return NULL;
	snprintf(all[*n].name, sizeof(all[*n].name), "%s", name);
	return &all[(*n)++];
}

static bool filter_wants(const struct filter *f, const char *name)
{
	const char *colon = strrchr(name, ':');
	struct in_addr in;
	char addr[INET_ADDRSTRLEN];

	if (!f->on)
		return true;
	if (!colon || (unsigned int)atoi(colon + 1) != f->port)
		return false;
	if (!f->has_addr)
		return true;
	if ((size_t)(colon - name) >= sizeof(addr))
		return false;
	memcpy(addr, name, colon - name);
	addr[colon - name] = '\0';
	return inet_pton(AF_INET, addr, &in) == 1 && in.s_addr == f->addr;
}

/* Reads the CSV of -R; exits 2 on anything that is not one. */
static int read_recording(const char *path, const struct filter *f,
			  struct series *all)
{
	FILE *in = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char *line = NULL, name[64];
	size_t size = 0;
	int n = 0, lineno = 1;
	struct sample s;
	struct series *se;

	if (!in) {
		perror(path);
		exit(2);
	}
	if (getline(&line, &size, in) < 0 ||
	    strcmp(strtok(line, "\r\n") ? line : "", RECORD_HEADER)) {
		fprintf(stderr,
			"edustat: %s: not a recording of edustat -R (expected the header \"%s\")\n",
			path, RECORD_HEADER);
		exit(2);
	}
	while (getline(&line, &size, in) >= 0) {
		lineno++;
		if (line[strspn(line, " \r\n")] == '\0')
			continue;
		if (sscanf(line, "%lld,%63[^,],%u,%u,%u,%u,%u", &s.t, name,
			   &s.synq, &s.synq_max, &s.acceptq, &s.acceptq_max,
			   &s.drops) != 7 || s.t < 0) {
			fprintf(stderr, "edustat: %s:%d: not a sample: %s", path,
				lineno, line);
			exit(2);
		}
		if (!filter_wants(f, name))
			continue;
		se = series_of(all, &n, name);
		if (!se) {
			fprintf(stderr, "edustat: %s: more than %d listeners; choose one\n",
				path, MAX_LISTENERS);
			exit(2);
		}
		if (se->n == se->cap) {
			se->cap = se->cap ? 2 * se->cap : 256;
			se->s = xrealloc(se->s, se->cap * sizeof(*se->s));
		}
		se->s[se->n++] = s;
	}
	free(line);
	if (in != stdin)
		fclose(in);
	return n;
}

/* A step line through one field of the samples, as a polyline. */
static void step_line(const struct frame *fr, const struct series *se,
		      size_t off, const char *cls, const char *style)
{
	unsigned int v, prev = 0;
	int i;

	printf("<polyline class=\"%s\" %s fill=\"none\" points=\"", cls, style);
	for (i = 0; i < se->n; i++) {
		v = *(const unsigned int *)((const char *)&se->s[i] + off);
		if (i)
			printf(" %.1f,%.1f", px(fr, se->s[i].t), py(fr, prev));
		printf("%s%.1f,%.1f", i ? " " : "", px(fr, se->s[i].t), py(fr, v));
		prev = v;
	}
	/* The last value holds to the end of the axis. */
	printf(" %.1f,%.1f\"/>\n", fr->x0 + fr->w, py(fr, prev));
}

static void axes(const struct frame *fr)
{
	long long xs = nice_step(fr->tmax / 8.0), t;
	long long ys = nice_step(fr->ymax / 8.0), v;
	int dec = xs >= 1000 ? 0 : xs >= 100 ? 1 : xs >= 10 ? 2 : 3;

	printf("<g class=\"axes\" stroke=\"#000\" stroke-width=\"1\">\n");
	printf("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
	       fr->x0, fr->y0 + fr->h, fr->x0 + fr->w, fr->y0 + fr->h);
	printf("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
	       fr->x0, fr->y0, fr->x0, fr->y0 + fr->h);
	printf("</g>\n<g class=\"ticks\" font-size=\"11\">\n");
	for (t = 0; t <= fr->tmax; t += xs)
		printf("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000\"/>"
		       "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.*f</text>\n",
		       px(fr, t), fr->y0 + fr->h, px(fr, t), fr->y0 + fr->h + 5,
		       px(fr, t), fr->y0 + fr->h + 18, dec, t / 1000.0);
	for (v = 0; v <= fr->ymax; v += ys)
		printf("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
		       "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%lld</text>\n",
		       fr->x0, py(fr, v), fr->x0 + fr->w, py(fr, v),
		       fr->x0 - 6, py(fr, v) + 4, v);
	printf("</g>\n");
	printf("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">time since the start of the recording (s)</text>\n",
	       fr->x0 + fr->w / 2, fr->y0 + fr->h + 40);
	printf("<text transform=\"translate(%.1f,%.1f) rotate(-90)\" text-anchor=\"middle\">connections</text>\n",
	       fr->x0 - 45, fr->y0 + fr->h / 2);
}

/* Marks above the plot where the drop count grew; returns how many. */
static int drop_marks(const struct frame *fr, const struct series *se)
{
	double y = fr->y0 - DROP_STRIP / 2.0, x, free_x = -1e9;
	int i, marks = 0, len;
	unsigned int d;
	char label[16];

	printf("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" font-size=\"11\" fill=\"#c00\">drops</text>\n",
	       fr->x0 - 6, y + 4);
	for (i = 1; i < se->n; i++) {
		if (se->s[i].drops <= se->s[i - 1].drops)
			continue;
		d = se->s[i].drops - se->s[i - 1].drops;
		x = px(fr, se->s[i].t);
		printf("<path class=\"drop\" d=\"M%.1f,%.1f l-5,-9 h10 z\" fill=\"#c00\">"
		       "<title>%u dropped by %.3f s (total %u)</title></path>\n",
		       x, y + 5, d, se->s[i].t / 1000.0, se->s[i].drops);
		/*
		 * The label above its mark, and only where it does not run
		 * into the one before (about 6 px a character at this
		 * size); every mark keeps its count in its tooltip, and the
		 * legend the total.
		 */
		len = snprintf(label, sizeof(label), "+%u", d);
		if (d > 1 && x - 3 * len >= free_x) {
			printf("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"10\" fill=\"#c00\">%s</text>\n",
			       x, y - 6, label);
			free_x = x + 3 * len + 4;
		}
		marks++;
	}
	return marks;
}

static void legend_item(double x, double y, const char *style,
			const char *text)
{
	printf("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" %s/>",
	       x, y, x + 28, y, style);
	printf("<text x=\"%.1f\" y=\"%.1f\">", x + 36, y + 4);
	put_text(text);
	printf("</text>\n");
}

#define S_SYNQ		"stroke=\"#1f77b4\" stroke-width=\"2\""
#define S_ACCEPTQ	"stroke=\"#ff7f0e\" stroke-width=\"3\""
#define S_BACKLOG	"stroke=\"#555\" stroke-width=\"1.5\" stroke-dasharray=\"7,4\""
#define S_SYNQ_MAX	"stroke=\"#1f77b4\" stroke-width=\"1\" stroke-dasharray=\"2,3\""

static void panel(const char *path, const struct series *se, double top)
{
	struct frame fr = {
		.x0 = LEFT, .y0 = top + TOP, .w = PANEL_W - LEFT - RIGHT,
		.h = PANEL_H - TOP - BOTTOM,
	};
	unsigned int before = se->s[0].drops, m = 0;
	bool own_synq_max = false;
	double lx = PANEL_W - RIGHT + 20, ly = fr.y0 + 10;
	int i, marks;
	char text[160];

	fr.tmax = se->s[se->n - 1].t;
	if (fr.tmax < 1)
		fr.tmax = 1;
	for (i = 0; i < se->n; i++) {
		const struct sample *s = &se->s[i];

		/* Room above the backlog line for a full queue and a tick. */
		m = s->synq > m ? s->synq : m;
		m = s->acceptq > m ? s->acceptq : m;
		m = s->acceptq_max + 1 > m ? s->acceptq_max + 1 : m;
		m = s->synq_max + 1 > m ? s->synq_max + 1 : m;
		if (s->synq_max != s->acceptq_max)
			own_synq_max = true;
	}
	fr.ymax = m + 1;

	printf("<g class=\"panel\">\n<text x=\"%d\" y=\"%.1f\" font-size=\"16\" font-weight=\"bold\">Listen queues of ",
	       LEFT, top + 24);
	put_text(se->name);
	printf("</text>\n<text x=\"%d\" y=\"%.1f\" font-size=\"11\" fill=\"#444\">",
	       LEFT, top + 42);
	snprintf(text, sizeof(text),
		 "%d samples over %.3f s from %s; drops before the first: %u",
		 se->n, se->s[se->n - 1].t / 1000.0, path, before);
	put_text(text);
	printf("</text>\n");
	axes(&fr);
	step_line(&fr, se, offsetof(struct sample, acceptq_max), "backlog",
		  S_BACKLOG);
	if (own_synq_max)
		step_line(&fr, se, offsetof(struct sample, synq_max),
			  "synq_max", S_SYNQ_MAX);
	step_line(&fr, se, offsetof(struct sample, synq), "synq", S_SYNQ);
	step_line(&fr, se, offsetof(struct sample, acceptq), "acceptq",
		  S_ACCEPTQ);
	marks = drop_marks(&fr, se);

	printf("<g class=\"legend\" font-size=\"12\">\n");
	legend_item(lx, ly, S_SYNQ, "SYN queue (synq)");
	legend_item(lx, ly + 20, S_ACCEPTQ, "accept queue (acceptq)");
	legend_item(lx, ly + 40, S_BACKLOG, "backlog (acceptq_max)");
	ly += 60;
	if (own_synq_max) {
		legend_item(lx, ly, S_SYNQ_MAX, "SYN queue limit (synq_max)");
		ly += 20;
	}
	printf("<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" fill=\"#444\">a queue is full when</text>\n",
	       lx, ly + 4);
	printf("<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" fill=\"#444\">longer than the backlog</text>\n",
	       lx, ly + 18);
	printf("<path d=\"M%.1f,%.1f l-5,-9 h10 z\" fill=\"#c00\"/>",
	       lx + 14, ly + 44);
	snprintf(text, sizeof(text), "drops: %u at %d samples",
		 se->s[se->n - 1].drops - before, marks);
	printf("<text x=\"%.1f\" y=\"%.1f\">", lx + 36, ly + 42);
	put_text(text);
	printf("</text>\n</g>\n</g>\n");
}

int plot(const char *path, const struct filter *f)
{
	struct series all[MAX_LISTENERS] = { 0 };
	int n = read_recording(path, f, all), i;

	if (!n) {
		fprintf(stderr, "edustat: %s: no samples%s\n", path,
			f->on ? " of that listener" : "");
		return 1;
	}
	printf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	printf("<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n",
	       PANEL_W, PANEL_H * n, PANEL_W, PANEL_H * n);
	printf("<title>edustat -R: listen queues over time</title>\n");
	printf("<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n");
	for (i = 0; i < n; i++) {
		panel(path, &all[i], (double)i * PANEL_H);
		free(all[i].s);
	}
	printf("</svg>\n");
	return fflush(stdout) ? 1 : 0;
}
