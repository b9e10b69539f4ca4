/* SPDX-License-Identifier: GPL-2.0 */
/*
 * edutrace.h - what edutrace.c (reading the trace, building the diagram,
 * Mermaid) shares with svg.c (drawing the same diagram as SVG).
 */
#ifndef EDUTRACE_H
#define EDUTRACE_H

#include <stdbool.h>
#include <stdio.h>

#define TEXT		160

/* A lifeline. */
struct lifeline {
	char	id[16];		/* Mermaid's participant id: C1, SQ, AQ, APP */
	char	label[64];	/* what the diagram prints */
};

/* One step of the diagram: a message between two lifelines, or a note. */
struct step {
	bool	note;
	int	from, to;	/* lifelines; a note spans from..to */
	double	t_ms;		/* since the first step shown */
	bool	dashed;		/* a retransmission */
	bool	cross;		/* a reset: the arrow ends in a cross */
	bool	alarm;		/* a drop, an overflow, an expiry: in red */
	char	text[TEXT];	/* without the time */
};

struct diagram {
	const char	*title;
	struct lifeline	*lines;
	int		nlines;
	struct step	*steps;
	int		nsteps;
};

/* svg.c */
void write_svg(FILE *out, const struct diagram *d);

#endif
