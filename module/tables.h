/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tables.h - the layout of a namespace's socket tables, shared by the file
 * that changes them (bind.c) and the one that walks them for /proc and
 * for the orphans a namespace leaves (walk.c).  bind.c's header comment
 * says what each table holds and how its locks nest.
 */
#ifndef _EDU_TABLES_H
#define _EDU_TABLES_H

#include <linux/spinlock.h>
#include "edu.h"

#define EDU_HASH_BITS	10
#define EDU_HASH_SIZE	BIT(EDU_HASH_BITS)

struct edu_bucket {
	spinlock_t		lock;		/* guards @chain */
	struct hlist_head	chain;
};

struct edu_tables {
	struct edu_bucket	bind[EDU_HASH_SIZE];	/* bind_node, by port */
	struct edu_bucket	listen[EDU_HASH_SIZE];	/* listen_node */
	struct edu_bucket	estab[EDU_HASH_SIZE];	/* estab_node */
	atomic64_t		hash_seq;	/* the last edu_sock.hash_seq */
};

static inline struct edu_tables *edu_tables(const struct net *net)
{
	return edu_pernet(net)->tables;
}

#endif /* _EDU_TABLES_H */
