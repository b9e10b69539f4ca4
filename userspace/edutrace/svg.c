// SPDX-License-Identifier: GPL-2.0
/*
 * svg.c - edutrace -s: the sequence diagram drawn as a standalone SVG.
 *
 * The lifelines are columns, each with its name in a box at the top and
 * the bottom and a dashed line between; each step is a row, its time on
 * the left: a message is an arrow with its text above it (dashed for a
 * retransmission, ending in a cross and red for a reset), a note a box on
 * its lifeline(s) (red for a drop, an overflow, an expiry or a reset).
 * The columns are as wide as the longest text between two neighbours
 * needs.  Every element carries a class (lifeline, message, note), for a
 * test or a style sheet to find.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include "edutrace.h"

#define TIME_COL	96	/* the times, left of the first lifeline */
#define HEAD_Y		44	/* the lifelines' boxes */
#define HEAD_H		34
#define ROW_H		34
#define CHAR_W		6.8	/* a character of 12px sans-serif, about */
#define MIN_COL		170
#define MAX_COL		460

/* Text for SVG: the XML escapes, nothing else touched (UTF-8 passes). */
static void put_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '&')
			fputs("&amp;", out);
		else if (*s == '<')
			fputs("&lt;", out);
		else if (*s == '>')
			fputs("&gt;", out);
		else if (*s == '"')
			fputs("&quot;", out);
		else if ((unsigned char)*s >= 0x20)
			fputc(*s, out);
	}
}

/* Characters, not bytes: UTF-8 continuation bytes do not count. */
static double text_w(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n * CHAR_W;
}

static double column_width(const struct diagram *d)
{
	double col = MIN_COL, need;
	char full[TEXT + 32];
	int i, span;

	for (i = 0; i < d->nlines; i++) {
		need = text_w(d->lines[i].label) + 30;
		col = need > col ? need : col;
	}
	for (i = 0; i < d->nsteps; i++) {
		const struct step *s = &d->steps[i];

		snprintf(full, sizeof(full), "%s", s->text);
		span = s->to > s->from ? s->to - s->from : s->from - s->to;
		if (s->note)
			need = (text_w(full) + 24) / (span + 0.9);
		else
			need = (text_w(full) + 30) / (span ? span : 1);
		col = need > col ? need : col;
	}
	return col > MAX_COL ? MAX_COL : col;
}

static void heads(FILE *out, const struct diagram *d, double col, double y)
{
	int i;

	for (i = 0; i < d->nlines; i++) {
		double x = TIME_COL + col * (i + 0.5);

		fprintf(out, "<g class=\"head\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" rx=\"4\" fill=\"#eef3fb\" stroke=\"#4a6fa5\"/>",
			x - col / 2 + 8, y, col - 16, HEAD_H);
		fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-weight=\"bold\">",
			x, y + HEAD_H / 2.0 + 4);
		put_text(out, d->lines[i].label);
		fprintf(out, "</text></g>\n");
	}
}

void write_svg(FILE *out, const struct diagram *d)
{
	double col = column_width(d);
	double w = TIME_COL + col * d->nlines + 10;
	double top = HEAD_Y + HEAD_H + 14;
	double h = top + ROW_H * d->nsteps + 14 + HEAD_H + 10;
	int i;

	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" font-size=\"12\">\n",
		w, h, w, h);
	fprintf(out, "<title>");
	put_text(out, d->title);
	fprintf(out, "</title>\n<defs>\n"
		"<marker id=\"head\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"9\" markerHeight=\"9\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#222\"/></marker>\n"
		"<marker id=\"cross\" viewBox=\"0 0 10 10\" refX=\"5\" refY=\"5\" markerWidth=\"11\" markerHeight=\"11\" orient=\"auto\"><path d=\"M1,1 L9,9 M9,1 L1,9\" stroke=\"#c00\" stroke-width=\"2\"/></marker>\n"
		"</defs>\n");
	fprintf(out, "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n");
	fprintf(out, "<text x=\"10\" y=\"24\" font-size=\"16\" font-weight=\"bold\">");
	put_text(out, d->title);
	fprintf(out, "</text>\n<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" font-size=\"11\" fill=\"#666\">time (ms)</text>\n",
		TIME_COL - 10, top - 4);

	for (i = 0; i < d->nlines; i++) {
		double x = TIME_COL + col * (i + 0.5);

		fprintf(out, "<line class=\"lifeline\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#999\" stroke-dasharray=\"4,4\"/>\n",
			x, HEAD_Y + HEAD_H, x, h - HEAD_H - 10);
	}
	heads(out, d, col, HEAD_Y);
	heads(out, d, col, h - HEAD_H - 10);

	for (i = 0; i < d->nsteps; i++) {
		const struct step *s = &d->steps[i];
		double y = top + ROW_H * i;
		double x1 = TIME_COL + col * (s->from + 0.5);
		double x2 = TIME_COL + col * (s->to + 0.5);

		fprintf(out, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\"#666\">%.3f</text>\n",
			TIME_COL - 10, y + 21, s->t_ms);
		if (s->note) {
			double nw = s->from == s->to ? text_w(s->text) + 16 :
				    x2 - x1 + col * 0.8;
			double cx = (x1 + x2) / 2;

			if (nw < text_w(s->text) + 16)
				nw = text_w(s->text) + 16;
			fprintf(out, "<g class=\"note%s\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"24\" fill=\"%s\" stroke=\"%s\"/>",
				s->alarm ? " alarm" : "", cx - nw / 2, y + 5, nw,
				s->alarm ? "#fde2e2" : "#fff8c4",
				s->alarm ? "#c00" : "#b8a800");
			fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\"%s>",
				cx, y + 21, s->alarm ? " fill=\"#900\"" : "");
			put_text(out, s->text);
			fprintf(out, "</text></g>\n");
			continue;
		}
		fprintf(out, "<g class=\"message%s\"><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1.5\"%s marker-end=\"url(#%s)\"/>",
			s->dashed ? " retransmission" : "", x1, y + 24, x2, y + 24,
			s->cross ? "#c00" : "#222",
			s->dashed ? " stroke-dasharray=\"6,4\"" : "",
			s->cross ? "cross" : "head");
		fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\"%s>",
			(x1 + x2) / 2, y + 18, s->cross ? " fill=\"#c00\"" : "");
		put_text(out, s->text);
		fprintf(out, "</text></g>\n");
	}
	fprintf(out, "</svg>\n");
}
