/* SPDX-License-Identifier: GPL-2.0 */
/*
 * edu_demo.h - what the small demo programs of the labs share (eduprefork,
 * edureuseport, edulimits, backlog_demo): the family chosen by -f, its
 * sockets' address on 127.0.0.1, and errno names.  edubench takes its -f
 * inet and edu from here too.
 */
#ifndef EDU_DEMO_H
#define EDU_DEMO_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <linux/edu.h>

/* -f inet: the kernel's TCP; -f edu (the default): EDUTCP. */
static int edu_demo_inet;

/* Parse -f's argument; 0, or -1 for a name that is neither. */
static inline int edu_demo_set_family(const char *name)
{
	if (!strcmp(name, "inet"))
		edu_demo_inet = 1;
	else if (!strcmp(name, "edu"))
		edu_demo_inet = 0;
	else
		return -1;
	return 0;
}

/*
 * The address family to create sockets of: AF_INET, or the AF_EDU number
 * in use (the module parameter may differ from AF_EDU).
 */
static inline int edu_demo_family(void)
{
	FILE *f;
	int af = -1;

	if (edu_demo_inet)
		return AF_INET;
	f = fopen("/sys/module/af_edu/parameters/family", "r");
	if (f) {
		if (fscanf(f, "%d", &af) != 1)
			af = -1;
		fclose(f);
	}
	return af > 0 ? af : AF_EDU;
}

/* 127.0.0.1:@port; struct sockaddr_edu has the layout of sockaddr_in. */
static inline struct sockaddr_in edu_demo_loopback(int port)
{
	struct sockaddr_in a = {
		.sin_family = edu_demo_family(),
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};

	return a;
}

static inline const char *edu_demo_errname(int err)
{
	const char *s = strerrorname_np(err);

	return s ? s : "E?";
}

/* The socket table of the family in use, for its rows. */
static inline const char *edu_demo_proc(void)
{
	return edu_demo_inet ? "/proc/net/tcp" : "/proc/net/edutcp";
}

#endif
