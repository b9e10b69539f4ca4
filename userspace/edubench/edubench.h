/* SPDX-License-Identifier: GPL-2.0 */
/*
 * edubench.h - what the files of edubench share.  edubench.c is the
 * program (options, the server, crr, rr, bulk, smoke); hold.c is the hold
 * measurement, memory per idle connection and the proc table's read time,
 * which makes its connections with edubench.c's sockets and prints its
 * figures through result().
 */
#ifndef EDUBENCH_H
#define EDUBENCH_H

extern const char *prog;
extern int fam;			/* AF_INET, the AF_EDU in use, or AF_UNIX */
extern long opt_conns;
extern int opt_reads;

/* edubench.c */
double now_s(void);
int listen_on(int backlog);
int connect_to(void);
void result(const char *name, double value, const char *unit,
	    const char *extra);

/* hold.c */
int run_hold(void);

#endif
