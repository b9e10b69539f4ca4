/* SPDX-License-Identifier: GPL-2.0 */
/*
 * edu_selftest.h - what the EDUTCP selftests share.
 *
 * The conformance tests run one body on AF_INET and on AF_EDU; the kernel's
 * own TCP is the oracle.  Since the two address structures have the same
 * layout, a test builds a struct sockaddr_in and only its family differs.
 */
#ifndef EDU_SELFTEST_H
#define EDU_SELFTEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <linux/edu.h>

/* The family number in use: the module parameter may differ from AF_EDU. */
static inline int edu_af(void)
{
	static int af;
	FILE *f;

	if (af)
		return af;
	af = AF_EDU;
	f = fopen("/sys/module/af_edu/parameters/family", "r");
	if (f) {
		if (fscanf(f, "%d", &af) != 1)
			af = AF_EDU;
		fclose(f);
	}
	return af;
}

/* The variant both conformance families are described by. */
struct edu_family {
	int edu;	/* 0: AF_INET/TCP, the oracle; 1: AF_EDU/EDUTCP */
};

static inline int fam_af(const struct edu_family *f)
{
	return f->edu ? edu_af() : AF_INET;
}

static inline int fam_proto(const struct edu_family *f)
{
	return f->edu ? IPPROTO_EDUTCP : IPPROTO_TCP;
}

/* The protocol number of the other family, wrong for this one. */
static inline int fam_other_proto(const struct edu_family *f)
{
	return f->edu ? IPPROTO_TCP : IPPROTO_EDUTCP;
}

static inline struct sockaddr_in fam_addr(const struct edu_family *f,
					  const char *ip, unsigned short port)
{
	struct sockaddr_in a;

	memset(&a, 0, sizeof(a));
	a.sin_family = fam_af(f);
	a.sin_port = htons(port);
	inet_pton(AF_INET, ip, &a.sin_addr);
	return a;
}

#define EDU_FAMILY_VARIANTS(fixture)			\
	FIXTURE_VARIANT_ADD(fixture, tcp) { .f = { .edu = 0 } };	\
	FIXTURE_VARIANT_ADD(fixture, edutcp) { .f = { .edu = 1 } }

#endif /* EDU_SELFTEST_H */
