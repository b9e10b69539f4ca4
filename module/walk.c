// SPDX-License-Identifier: GPL-2.0
/*
 * walk.c - reading the socket tables from end to end, without changing
 * them: a visit of every socket holding a port, and the cursor that
 * /proc/net/edutcp moves through the listen and estab tables.
 * bind.c inserts and removes; this file only looks.
 */
#include <net/sock.h>
#include "edu.h"
#include "tables.h"

/*
 * Call @fn on every socket of @net that holds a port, one bind bucket at a
 * time under its lock: @fn must not sleep, take a socket lock or send; it
 * may take a listener's queue lock (struct edu_queues), which nests inside
 * the bucket lock.
 */
void edu_tables_walk(struct net *net, edu_sock_visitor fn, void *arg)
{
	struct edu_tables *t = edu_tables(net);
	struct edu_sock *es;
	unsigned int i;

	for (i = 0; i < EDU_HASH_SIZE; i++) {
		struct edu_bucket *b = &t->bind[i];

		if (hlist_empty(&b->chain))
			continue;
		spin_lock_bh(&b->lock);
		hlist_for_each_entry(es, &b->chain, bind_node)
			fn(&es->sk, arg);
		spin_unlock_bh(&b->lock);
	}
}

/*
 * /proc's walk (proc.c): the listen table, then the estab table, a bucket
 * at a time, as tcp4_seq_start()/next()/stop() walk lhash2 and ehash.
 * The socket a cursor names is returned with its bucket locked, BHs off;
 * moving to another bucket, or edu_table_stop(), unlocks it, so a reader
 * keeps packet processing waiting for one bucket at most.
 *
 * A cursor remembers the socket's hash_seq rather than its offset in the
 * chain (tcp_seek_last_pos()): chains are in decreasing hash_seq, so the
 * walk resumes at the first socket not above it, whatever came and went
 * meanwhile.  A socket there all along is seen exactly once.
 */
static struct edu_bucket *edu_table_bucket(struct net *net,
					   const struct edu_table_pos *pos)
{
	struct edu_tables *t = edu_tables(net);

	return pos->table == EDU_TABLE_LISTEN ? &t->listen[pos->bucket] :
						&t->estab[pos->bucket];
}

static struct edu_sock *edu_node_sock(const struct edu_table_pos *pos,
				      struct hlist_node *node)
{
	if (!node)
		return NULL;
	return pos->table == EDU_TABLE_LISTEN ?
		hlist_entry(node, struct edu_sock, listen_node) :
		hlist_entry(node, struct edu_sock, estab_node);
}

/* The socket after @es in its chain of @pos's table. */
static struct edu_sock *edu_chain_next(const struct edu_table_pos *pos,
				       const struct edu_sock *es)
{
	return edu_node_sock(pos, pos->table == EDU_TABLE_LISTEN ?
			     es->listen_node.next : es->estab_node.next);
}

/*
 * The cursor holds its bucket's lock from one call to another: __acquire()
 * and __release() tell sparse, which follows locks within a function only.
 */
void edu_table_stop(struct edu_table_pos *pos)
{
	if (pos->locked) {
		__acquire(pos->locked);
		spin_unlock_bh(pos->locked);
		pos->locked = NULL;
	}
}

/* The socket at @pos or, if it is gone, the next one; NULL at the end. */
struct sock *edu_table_seek(struct net *net, struct edu_table_pos *pos)
{
	struct edu_sock *es;

	edu_table_stop(pos);
	for (; pos->table < EDU_TABLE_END; pos->table++, pos->bucket = 0) {
		for (; pos->bucket < EDU_HASH_SIZE;
		     pos->bucket++, pos->seq = U64_MAX) {
			struct edu_bucket *b = edu_table_bucket(net, pos);

			if (hlist_empty(&b->chain))
				continue;
			spin_lock_bh(&b->lock);
			for (es = edu_node_sock(pos, b->chain.first); es;
			     es = edu_chain_next(pos, es)) {
				if (es->hash_seq <= pos->seq) {
					pos->seq = es->hash_seq;
					pos->locked = &b->lock;
					__release(&b->lock);
					return &es->sk;
				}
			}
			spin_unlock_bh(&b->lock);
		}
	}
	return NULL;
}

/* The socket after @sk, which @pos names (its bucket locked). */
struct sock *edu_table_next(struct net *net, struct edu_table_pos *pos,
			    struct sock *sk)
{
	struct edu_sock *es = edu_chain_next(pos, edu_sk(sk));

	if (es) {
		pos->seq = es->hash_seq;
		return &es->sk;
	}
	edu_table_stop(pos);
	pos->bucket++;
	pos->seq = U64_MAX;
	return edu_table_seek(net, pos);
}
