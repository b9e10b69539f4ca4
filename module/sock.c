// SPDX-License-Identifier: GPL-2.0
/*
 * sock.c - the socket core every other file builds on: edu_proto and its
 * memory accounting, a socket's allocation and end, and the state changes
 * that keep Linux's books (tcp_set_state(), tcp_done(), tcp_disconnect()).
 * af_edu.c puts the family's system calls on top of it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/memcontrol.h>
#include <linux/net.h>
#include <net/sock.h>

#include "edu.h"
#include "trace.h"

/*
 * Sockets still allocated, children and orphans included.  Module exit
 * waits for zero: the proto has no owner module, so that sockets the
 * kernel still finishes do not pin the module (see edu_exit()).
 */
atomic_t edu_socks_alive = ATOMIC_INIT(0);
atomic_t edu_requests_alive = ATOMIC_INIT(0);

/*
 * Memory accounting, as tcp_prot's: every byte queued on a socket (the
 * truesize of its segments, sending and receiving) is charged to the
 * socket's forward allocation, which takes whole pages from
 * edu_memory_allocated (and from the memory cgroup of the socket's
 * creator).  Above mem[1] pages EDUTCP is under memory pressure; above
 * mem[2] a socket gets no more than its minimum, the first entry of the
 * namespace's net.ipv4.tcp_wmem/tcp_rmem, as TCP's does
 * (__sk_mem_raise_allocated()).  /proc/net/protocols shows both.
 */
static atomic_long_t edu_memory_allocated ____cacheline_aligned_in_smp;
static DEFINE_PER_CPU(int, edu_memory_per_cpu_fw_alloc);
static struct percpu_counter edu_sockets_allocated;
static unsigned long edu_memory_pressure;

/* The exact number of pages charged: the shared count and every CPU's. */
static int edu_memory_get(void *data, u64 *val)
{
	long pages = atomic_long_read(&edu_memory_allocated);
	int cpu;

	for_each_possible_cpu(cpu)
		pages += *per_cpu_ptr(&edu_memory_per_cpu_fw_alloc, cpu);
	*val = pages;
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(edu_memory_fops, edu_memory_get, NULL, "%lld\n");

/* Every socket is gone: every page they were charged must be back. */
void edu_memory_check(void)
{
	u64 pages;

	edu_memory_get(NULL, &pages);
	WARN(pages, "EDUTCP: %lld pages still charged with no socket left\n",
	     (s64)pages);
}

/*
 * /sys/kernel/debug/edutcp/{sockets,requests}: the live object counts, for
 * tests that check nothing is left behind; memory: the pages charged.
 */
static struct dentry *edu_debugfs;

void edu_debugfs_init(void)
{
	edu_debugfs = debugfs_create_dir("edutcp", NULL);
	debugfs_create_atomic_t("sockets", 0444, edu_debugfs, &edu_socks_alive);
	debugfs_create_atomic_t("requests", 0444, edu_debugfs,
				&edu_requests_alive);
	debugfs_create_file_unsafe("memory", 0444, edu_debugfs, NULL,
				   &edu_memory_fops);
}

static void edu_sock_destruct(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);

	edu_purge_queues(sk);
	sk_dst_reset(sk);
	sk_mem_reclaim_final(sk);
	WARN_ON(sk->sk_wmem_queued || atomic_read(&sk->sk_rmem_alloc));
	WARN_ON(sk->sk_forward_alloc > 0);
	sk_sockets_allocated_dec(sk);
	WARN_ON(es->bind_hashed || es->estab_hashed || es->listen_hashed);
	WARN_ON(!list_empty(&es->q.syn_queue) || !list_empty(&es->q.accept_queue));
	atomic_dec(&edu_socks_alive);
}

/* tcp_enter_memory_pressure(): note when it started, count it once. */
static void edu_enter_memory_pressure(struct sock *sk)
{
	unsigned long val;

	if (READ_ONCE(edu_memory_pressure))
		return;
	val = jiffies;
	if (!val)
		val--;
	if (!cmpxchg(&edu_memory_pressure, 0, val))
		EDU_INC_STATS(sock_net(sk), EDU_MIB_MEMORYPRESSURES);
}

static void edu_leave_memory_pressure(struct sock *sk)
{
	if (READ_ONCE(edu_memory_pressure))
		xchg(&edu_memory_pressure, 0);
}

/*
 * A child made in softirq belongs to no memory cgroup: accept() gives it
 * to the accepting process's, with the memory it holds already, as
 * inet_csk_accept() does with mem_cgroup_sk_alloc() and
 * mem_cgroup_charge_skmem().  Neither is exported to modules, so the same
 * is done with what is: the pages the child holds go back to edu_proto's
 * pool while it has no cgroup and are taken again once it has one, which
 * charges the cgroup (__sk_mem_schedule()).  If they cannot be had, the
 * child's forward allocation stays below zero until its queues drain:
 * nothing is then uncharged that was not charged.  Under the child's lock.
 */
void edu_memcg_accept(struct sock *child)
{
#ifdef CONFIG_MEMCG
	struct mem_cgroup *memcg;
	int held;

	if (!mem_cgroup_sockets_enabled || child->sk_memcg || !in_task())
		return;
	rcu_read_lock();
	memcg = mem_cgroup_from_task(current);
	/* mem_cgroup_sk_alloc()'s rules; the root has no parent */
	if (!memcg || !parent_mem_cgroup(memcg) ||
	    (!cgroup_subsys_on_dfl(memory_cgrp_subsys) &&
	     !memcg->tcpmem_active) ||
	    !css_tryget(&memcg->css))
		memcg = NULL;
	rcu_read_unlock();
	if (!memcg)
		return;

	held = child->sk_forward_alloc + atomic_read(&child->sk_rmem_alloc) +
	       child->sk_wmem_queued;
	held &= PAGE_MASK;
	if (held > 0)
		__sk_mem_reclaim(child, held);
	child->sk_memcg = memcg;
	if (held > 0)
		__sk_mem_schedule(child, held, SK_MEM_RECV);
#endif
}

struct proto edu_proto = {
	.name			= EDU_PROTO_NAME,
	.obj_size		= sizeof(struct edu_sock),
	.keepalive		= edu_set_keepalive,
	.release_cb		= edu_release_cb,
	.enter_memory_pressure	= edu_enter_memory_pressure,
	.leave_memory_pressure	= edu_leave_memory_pressure,
	.sockets_allocated	= &edu_sockets_allocated,
	.memory_allocated	= &edu_memory_allocated,
	.per_cpu_fw_alloc	= &edu_memory_per_cpu_fw_alloc,
	.memory_pressure	= &edu_memory_pressure,
	.sysctl_mem		= edu_sysctl_mem,
	.sysctl_wmem_offset	= offsetof(struct net, ipv4.sysctl_tcp_wmem),
	.sysctl_rmem_offset	= offsetof(struct net, ipv4.sysctl_tcp_rmem),
};

static struct lock_class_key edu_slock_key;
static struct lock_class_key edu_sk_lock_key;

/* A new socket: for socket(2) when @sock is given, else a listener's child. */
struct sock *edu_sock_alloc(struct net *net, struct socket *sock, gfp_t gfp,
			    int kern)
{
	struct edu_sock *es;
	struct sock *sk;

	sk = sk_alloc(net, edu_family, gfp, &edu_proto, kern);
	if (!sk)
		return NULL;
	/*
	 * The socket core names a family's lock classes after the family
	 * that once owned its number (af_family_key_strings[]: 19 is
	 * "AF_ECONET"); lockdep reports should say whose locks they are.
	 */
	sock_lock_init_class_and_name(sk, "slock-AF_EDU", &edu_slock_key,
				      "sk_lock-AF_EDU", &edu_sk_lock_key);
	sock_init_data(sock, sk);
	sk->sk_protocol = edu_ipproto;
	sk->sk_destruct = edu_sock_destruct;
	sk->sk_backlog_rcv = edu_do_rcv;

	es = edu_sk(sk);
	timer_setup(&es->rtx_timer, edu_rtx_timer, 0);
	timer_setup(&es->close_timer, edu_close_timer, 0);
	timer_setup(&es->ka_timer, edu_keepalive_timer, 0);
	timer_setup(&es->delack_timer, edu_delack_timer, 0);
	edu_stream_sock_init(sk);
	edu_queues_init(sk);
	INIT_LIST_HEAD(&es->accept_node);
	sk_sockets_allocated_inc(sk);
	atomic_inc(&edu_socks_alive);
	return sk;
}

/*
 * Every state change goes through here, and it keeps Linux's books as
 * tcp_set_state() does: CurrEstab counts ESTABLISHED connections (Linux
 * counts a connection in when it enters ESTABLISHED and out when it leaves
 * it), EstabResets those that went to CLOSE from ESTABLISHED or
 * CLOSE_WAIT, and
 * a socket that reaches CLOSE leaves the connection table and gives back
 * a port it did not bind explicitly.
 */
void edu_set_state(struct sock *sk, int state)
{
	int old = sk->sk_state;

	if (old != state)
		trace_edutcp_state(sk, old, state);
	/* A listener leaves the listen table as it stops (inet_unhash()). */
	if (old == TCP_LISTEN && state != TCP_LISTEN)
		edu_unhash_listen(sk);
	/*
	 * Keepalive is for a connection: a timer left pending would hold the
	 * socket for TCP_KEEPIDLE after its end (Linux's timewait socket has
	 * none either).
	 */
	if (state == TCP_CLOSE || state == TCP_TIME_WAIT) {
		sk_stop_timer(sk, &edu_sk(sk)->ka_timer);
		edu_ack_stop(sk);
	}
	switch (state) {
	case TCP_ESTABLISHED:
		if (old != TCP_ESTABLISHED)
			EDU_INC_STATS(sock_net(sk), EDU_MIB_CURRESTAB);
		break;
	case TCP_CLOSE:
		if (old == TCP_CLOSE_WAIT || old == TCP_ESTABLISHED)
			EDU_INC_STATS(sock_net(sk), EDU_MIB_ESTABRESETS);
		edu_unhash_estab(sk);
		if (!(sk->sk_userlocks & SOCK_BINDPORT_LOCK))
			edu_put_port(sk);
		fallthrough;
	default:
		if (old == TCP_ESTABLISHED)
			EDU_DEC_STATS(sock_net(sk), EDU_MIB_CURRESTAB);
	}
	/* pairs with inet_sk_state_load() in lockless readers (poll, proc) */
	smp_store_release(&sk->sk_state, state);
	/* ...and joins it once it listens (inet_csk_listen_start()). */
	if (state == TCP_LISTEN && old != TCP_LISTEN)
		edu_hash_listen(sk);
}

/*
 * The connection is over (tcp_done()): CLOSE, timers stopped, both
 * directions shut, every waiter woken; an orphan is freed (close.c).
 */
void edu_done(struct sock *sk)
{
	if (WARN_ON_ONCE(sock_flag(sk, SOCK_DEAD) &&
			 sk->sk_state == TCP_CLOSE))
		return;		/* an orphan dies once */
	if (sk->sk_state == TCP_SYN_SENT || sk->sk_state == TCP_SYN_RECV)
		EDU_INC_STATS(sock_net(sk), EDU_MIB_ATTEMPTFAILS);
	edu_set_state(sk, TCP_CLOSE);
	sk_stop_timer(sk, &edu_sk(sk)->rtx_timer);
	sk_stop_timer(sk, &edu_sk(sk)->close_timer);
	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);
	if (!sock_flag(sk, SOCK_DEAD))
		sk->sk_state_change(sk);
	else
		edu_orphan_destroy(sk);
}

/*
 * Back to a fresh, unconnected socket (tcp_disconnect()), for connect()
 * that failed, connect(AF_UNSPEC) and shutdown() of a listener or of a
 * connect in progress.  A live connection is aborted with an RST and its
 * owner sees ECONNRESET.
 */
int edu_disconnect(struct sock *sk)
{
	int old = sk->sk_state;

	if (old == TCP_LISTEN) {
		edu_listen_stop(sk);
	} else {
		/*
		 * The RST first: CLOSE gives back a port that connect()
		 * picked, and the RST must leave from it (TCP keeps the
		 * port to send from in inet_sport, apart from the bind).
		 */
		if ((1 << old) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT |
				  TCPF_FIN_WAIT1 | TCPF_FIN_WAIT2 |
				  TCPF_SYN_RECV)) {
			edu_send_active_reset(sk);
			WRITE_ONCE(sk->sk_err, ECONNRESET);
		} else if (old == TCP_SYN_SENT) {
			WRITE_ONCE(sk->sk_err, ECONNRESET);
		}
		if (old != TCP_CLOSE)
			edu_set_state(sk, TCP_CLOSE);
	}
	sk_stop_timer(sk, &edu_sk(sk)->rtx_timer);
	sk_stop_timer(sk, &edu_sk(sk)->close_timer);
	edu_purge_queues(sk);
	sk->sk_dport = 0;
	sk->sk_daddr = 0;
	__sk_dst_reset(sk);
	if (!(sk->sk_userlocks & SOCK_BINDADDR_LOCK))
		sk->sk_rcv_saddr = 0;
	WRITE_ONCE(sk->sk_shutdown, 0);
	sock_reset_flag(sk, SOCK_DONE);
	sk_error_report(sk);
	return 0;
}

/* Module init: the sockets' counter, then the protocol and its slab. */
int edu_proto_register(void)
{
	int err = percpu_counter_init(&edu_sockets_allocated, 0, GFP_KERNEL);

	if (err)
		return err;
	err = proto_register(&edu_proto, 1);
	if (err)
		percpu_counter_destroy(&edu_sockets_allocated);
	return err;
}

/* Module exit, once no socket is left: edu_proto_register() undone. */
void edu_proto_unregister(void)
{
	proto_unregister(&edu_proto);
	percpu_counter_destroy(&edu_sockets_allocated);
}

void edu_debugfs_exit(void)
{
	debugfs_remove_recursive(edu_debugfs);
}

/*
 * No socket can be created now and no segment arrives, but a socket may
 * still be on its way out: a timer that fired just before it was stopped,
 * or a lookup that holds the last reference.  Wait for them, then for the
 * softirqs that may be freeing them, before the slab goes away.
 */
void edu_wait_for_sockets(void)
{
	unsigned int waited = 0;

	while (atomic_read(&edu_socks_alive)) {
		if (++waited % 500 == 0)
			pr_info("unload waits for %d sockets\n",
				atomic_read(&edu_socks_alive));
		msleep(20);
	}
	synchronize_rcu();
}
