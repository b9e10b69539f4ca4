// SPDX-License-Identifier: GPL-2.0
/*
 * bind.c - who owns which port: the bind table, the connection table,
 * bind(), ephemeral ports and the lookup that gives a segment its socket.
 *
 * Two hash tables, shared by every network namespace (the namespace is part
 * of each key, as in TCP):
 *
 *   bind   every socket holding a local port: bound ones, listeners,
 *          connections and the children of listeners.  bind() conflicts
 *          and listener lookups walk the chain of one port.
 *   estab  every socket with a remote end (SYN_SENT onwards), by 4-tuple.
 *
 * One spinlock guards both.  Process context takes it with the socket lock
 * held; softirq takes it from edu_rcv() for a lookup and returns the socket
 * with a reference.  It is taken last and held briefly: no socket lock, no
 * allocation and no transmission happens under it.
 */
#include <linux/hash.h>
#include <linux/random.h>
#include <net/ip.h>
#include <net/route.h>
#include <net/sock.h>
#include "edu.h"

#define EDU_HASH_BITS	10

static struct edu_tables {
	spinlock_t		lock;		/* guards both tables */
	struct hlist_head	bind[1 << EDU_HASH_BITS];
	struct hlist_head	estab[1 << EDU_HASH_BITS];
} edu_tables;

static u32 edu_hash_secret __read_mostly;

static struct hlist_head *edu_bind_chain(const struct net *net,
					 unsigned short port)
{
	return &edu_tables.bind[hash_32(net_hash_mix(net) ^ port,
					EDU_HASH_BITS)];
}

static u32 edu_tuple_hash(const struct net *net, __be32 laddr, u16 lport,
			  __be32 raddr, __be16 rport)
{
	return jhash_3words((__force u32)laddr, (__force u32)raddr,
			    ((u32)lport << 16) | (__force u32)rport,
			    edu_hash_secret + net_hash_mix(net));
}

static struct hlist_head *edu_estab_chain(const struct net *net, __be32 laddr,
					  u16 lport, __be32 raddr,
					  __be16 rport)
{
	u32 h = edu_tuple_hash(net, laddr, lport, raddr, rport);

	return &edu_tables.estab[h & ((1 << EDU_HASH_BITS) - 1)];
}

void edu_tables_init(void)
{
	int i;

	spin_lock_init(&edu_tables.lock);
	for (i = 0; i < ARRAY_SIZE(edu_tables.bind); i++) {
		INIT_HLIST_HEAD(&edu_tables.bind[i]);
		INIT_HLIST_HEAD(&edu_tables.estab[i]);
	}
	edu_hash_secret = get_random_u32();
}

void edu_tables_exit(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(edu_tables.bind); i++) {
		WARN_ON(!hlist_empty(&edu_tables.bind[i]));
		WARN_ON(!hlist_empty(&edu_tables.estab[i]));
	}
}

/*
 * Would @sk on @sk->sk_num clash with @sk2, already there?  Linux's rule
 * (inet_bind_conflict(), as bind() and listen() use it): two sockets may
 * share a port when both set SO_REUSEADDR and the other one is not
 * listening, or when both set SO_REUSEPORT and belong to the same user;
 * otherwise only when their addresses differ and neither is the wildcard.
 * Without @relax (the search for an ephemeral port) only different
 * addresses share.
 */
static bool edu_bind_conflict(const struct sock *sk, const struct sock *sk2,
			      bool relax)
{
	bool clash;

	if (sk == sk2 || !net_eq(sock_net(sk), sock_net(sk2)) ||
	    sk->sk_num != sk2->sk_num)
		return false;
	if (sk->sk_bound_dev_if && sk2->sk_bound_dev_if &&
	    sk->sk_bound_dev_if != sk2->sk_bound_dev_if)
		return false;

	if (!relax)
		clash = true;
	else if (sk->sk_reuse && sk2->sk_reuse && sk2->sk_state != TCP_LISTEN)
		clash = false;
	else
		clash = !(sk->sk_reuseport && sk2->sk_reuseport &&
			  uid_eq(sk->sk_uid, sk2->sk_uid));
	if (!clash)
		return false;

	return !sk->sk_rcv_saddr || !sk2->sk_rcv_saddr ||
	       sk->sk_rcv_saddr == sk2->sk_rcv_saddr;
}

/* Caller holds edu_tables.lock. */
static bool __edu_port_conflict(const struct sock *sk, bool relax)
{
	struct edu_sock *es2;

	hlist_for_each_entry(es2, edu_bind_chain(sock_net(sk), sk->sk_num),
			     bind_node)
		if (edu_bind_conflict(sk, &es2->sk, relax))
			return true;
	return false;
}

/* Caller holds edu_tables.lock. */
static bool __edu_port_in_use(const struct net *net, unsigned short port)
{
	struct edu_sock *es2;

	hlist_for_each_entry(es2, edu_bind_chain(net, port), bind_node)
		if (es2->sk.sk_num == port && net_eq(sock_net(&es2->sk), net))
			return true;
	return false;
}

static void __edu_bind_hash(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);

	hlist_add_head(&es->bind_node, edu_bind_chain(sock_net(sk), sk->sk_num));
	es->bind_hashed = true;
}

/*
 * Give @sk local port @snum, or an ephemeral one when @snum is 0: a port of
 * ip_local_port_range, probed from a random offset and skipping
 * ip_local_reserved_ports, that no socket on an overlapping address holds
 * (with @exclusive, that no socket at all holds).  Returns 0 or
 * -EADDRINUSE.  Caller holds the socket lock.
 */
static int __edu_get_port(struct sock *sk, unsigned short snum,
			  bool exclusive)
{
	struct net *net = sock_net(sk);
	int low, high, remaining, offset, i, err = 0;

	spin_lock_bh(&edu_tables.lock);
	if (snum) {
		/*
		 * listen() asks again for the port it holds: listening
		 * changes what SO_REUSEADDR allows its neighbours.
		 */
		sk->sk_num = snum;
		if (__edu_port_conflict(sk, true))
			err = -EADDRINUSE;
		else if (!edu_sk(sk)->bind_hashed)
			__edu_bind_hash(sk);
		goto done;
	}

	inet_get_local_port_range(net, &low, &high);
	remaining = high - low + 1;
	offset = get_random_u32_below(remaining);
	for (i = 0; i < remaining; i++) {
		unsigned short port = low + (offset + i) % remaining;

		if (inet_is_local_reserved_port(net, port))
			continue;
		if (exclusive && __edu_port_in_use(net, port))
			continue;
		sk->sk_num = port;
		if (!exclusive && __edu_port_conflict(sk, false))
			continue;
		__edu_bind_hash(sk);
		goto done;
	}
	err = -EADDRINUSE;
done:
	if (err && !edu_sk(sk)->bind_hashed)
		sk->sk_num = 0;
	spin_unlock_bh(&edu_tables.lock);
	return err;
}

int edu_get_port(struct sock *sk, unsigned short snum)
{
	return __edu_get_port(sk, snum, false);
}

/* Release the local port of @sk.  Caller holds the socket lock. */
void edu_put_port(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);

	spin_lock_bh(&edu_tables.lock);
	if (es->bind_hashed) {
		hlist_del(&es->bind_node);
		es->bind_hashed = false;
	}
	spin_unlock_bh(&edu_tables.lock);
	sk->sk_num = 0;
}

/* A child shares its listener's port, as TCP's children do. */
void edu_inherit_port(struct sock *listener, struct sock *child)
{
	child->sk_num = listener->sk_num;
	spin_lock_bh(&edu_tables.lock);
	__edu_bind_hash(child);
	spin_unlock_bh(&edu_tables.lock);
}

/*
 * connect() on a socket without a port: pick one that no socket of the
 * namespace holds, so that every connection has its own (simpler than
 * TCP's search for a unique 4-tuple).  Like TCP, an exhausted range is
 * EADDRNOTAVAIL here, where bind() says EADDRINUSE.
 */
int edu_autobind_connect(struct sock *sk)
{
	int err = __edu_get_port(sk, 0, true);

	return err ? -EADDRNOTAVAIL : 0;
}

void edu_hash_estab(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);

	spin_lock_bh(&edu_tables.lock);
	if (!es->estab_hashed) {
		hlist_add_head(&es->estab_node,
			       edu_estab_chain(sock_net(sk), sk->sk_rcv_saddr,
					       sk->sk_num, sk->sk_daddr,
					       sk->sk_dport));
		es->estab_hashed = true;
	}
	spin_unlock_bh(&edu_tables.lock);
}

void edu_unhash_estab(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);

	spin_lock_bh(&edu_tables.lock);
	if (es->estab_hashed) {
		hlist_del(&es->estab_node);
		es->estab_hashed = false;
	}
	spin_unlock_bh(&edu_tables.lock);
}

/*
 * bind(): the checks and their order are inet_bind()'s, so each bad input
 * gets the errno TCP gives it.
 */
int edu_bind(struct socket *sock, struct sockaddr *uaddr, int addr_len)
{
	struct sockaddr_edu *addr = (struct sockaddr_edu *)uaddr;
	struct sock *sk = sock->sk;
	struct net *net = sock_net(sk);
	unsigned short snum;
	int chk_addr_ret;
	int err;

	if (addr_len < sizeof(struct sockaddr_edu))
		return -EINVAL;
	if (addr->sedu_family != edu_family &&
	    (addr->sedu_family != AF_UNSPEC ||
	     addr->sedu_addr.s_addr != htonl(INADDR_ANY)))
		return -EAFNOSUPPORT;

	chk_addr_ret = inet_addr_type(net, addr->sedu_addr.s_addr);
	if (!READ_ONCE(net->ipv4.sysctl_ip_nonlocal_bind) &&
	    addr->sedu_addr.s_addr != htonl(INADDR_ANY) &&
	    chk_addr_ret != RTN_LOCAL && chk_addr_ret != RTN_MULTICAST &&
	    chk_addr_ret != RTN_BROADCAST)
		return -EADDRNOTAVAIL;

	snum = ntohs(addr->sedu_port);
	if (snum && inet_port_requires_bind_service(net, snum) &&
	    !ns_capable(net->user_ns, CAP_NET_BIND_SERVICE))
		return -EACCES;

	lock_sock(sk);
	err = -EINVAL;
	if (sk->sk_state != TCP_CLOSE || sk->sk_num)
		goto out;

	sk->sk_rcv_saddr = addr->sedu_addr.s_addr;
	if (chk_addr_ret == RTN_MULTICAST || chk_addr_ret == RTN_BROADCAST)
		sk->sk_rcv_saddr = 0;
	err = edu_get_port(sk, snum);
	if (err) {
		sk->sk_rcv_saddr = 0;
		err = -EADDRINUSE;
		goto out;
	}
	if (sk->sk_rcv_saddr)
		sk->sk_userlocks |= SOCK_BINDADDR_LOCK;
	if (snum)
		sk->sk_userlocks |= SOCK_BINDPORT_LOCK;
	sk->sk_daddr = 0;
	sk->sk_dport = 0;
out:
	release_sock(sk);
	return err;
}

/* Caller holds edu_tables.lock. */
static struct sock *__edu_lookup_estab(struct net *net, __be32 saddr,
				       __be16 sport, __be32 daddr, u16 hnum)
{
	struct edu_sock *es;

	hlist_for_each_entry(es, edu_estab_chain(net, daddr, hnum, saddr, sport),
			     estab_node) {
		struct sock *sk = &es->sk;

		if (sk->sk_num == hnum && sk->sk_dport == sport &&
		    sk->sk_daddr == saddr && sk->sk_rcv_saddr == daddr &&
		    net_eq(sock_net(sk), net))
			return sk;
	}
	return NULL;
}

/*
 * The listener for a segment to @daddr:@hnum: one bound to exactly @daddr
 * wins over one bound to the wildcard, as in __inet_lookup_listener().
 * Within an SO_REUSEPORT group a hash of the 4-tuple picks the member, so
 * one connection always lands on the same listener.  Caller holds
 * edu_tables.lock.
 */
static struct sock *__edu_lookup_listener(struct net *net, __be32 saddr,
					  __be16 sport, __be32 daddr, u16 hnum)
{
	__be32 want[2] = { daddr, htonl(INADDR_ANY) };
	struct hlist_head *chain = edu_bind_chain(net, hnum);
	struct edu_sock *es;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		struct sock *first = NULL;
		unsigned int n = 0, pick;

		hlist_for_each_entry(es, chain, bind_node) {
			struct sock *sk = &es->sk;

			if (sk->sk_num != hnum || sk->sk_state != TCP_LISTEN ||
			    sk->sk_rcv_saddr != want[pass] ||
			    !net_eq(sock_net(sk), net))
				continue;
			if (!first)
				first = sk;
			if (first->sk_reuseport && sk->sk_reuseport)
				n++;
		}
		if (!first)
			continue;
		if (n <= 1)
			return first;

		/* The group in chain order; pick one by the 4-tuple. */
		pick = reciprocal_scale(edu_tuple_hash(net, daddr, hnum, saddr,
						       sport), n);
		hlist_for_each_entry(es, chain, bind_node) {
			struct sock *sk = &es->sk;

			if (sk->sk_num != hnum || sk->sk_state != TCP_LISTEN ||
			    sk->sk_rcv_saddr != want[pass] ||
			    !net_eq(sock_net(sk), net) || !sk->sk_reuseport)
				continue;
			if (pick-- == 0)
				return sk;
		}
		return first;
	}
	return NULL;
}

/*
 * The socket a segment from @saddr:@sport to @daddr:@dport belongs to: its
 * connection if there is one, else a listener.  Returns it with a reference
 * held, or NULL.  Softirq only, hence the plain spin_lock().
 */
struct sock *edu_lookup(struct net *net, __be32 saddr, __be16 sport,
			__be32 daddr, __be16 dport)
{
	u16 hnum = ntohs(dport);
	struct sock *sk;

	spin_lock(&edu_tables.lock);
	sk = __edu_lookup_estab(net, saddr, sport, daddr, hnum);
	if (!sk)
		sk = __edu_lookup_listener(net, saddr, sport, daddr, hnum);
	if (sk)
		sock_hold(sk);
	spin_unlock(&edu_tables.lock);
	return sk;
}

/*
 * The connection a segment from @saddr:@sport to @daddr:@dport belongs to,
 * with a reference held, or NULL; listeners are not looked at.  For a
 * listener that must know whether one of its connections appeared after
 * the segment was looked up (edu_listen_rcv()): process or softirq context.
 */
struct sock *edu_lookup_estab(struct net *net, __be32 saddr, __be16 sport,
			      __be32 daddr, __be16 dport)
{
	struct sock *sk;

	spin_lock_bh(&edu_tables.lock);
	sk = __edu_lookup_estab(net, saddr, sport, daddr, ntohs(dport));
	if (sk)
		sock_hold(sk);
	spin_unlock_bh(&edu_tables.lock);
	return sk;
}

/*
 * Call @fn on every socket of @net that holds a port, under edu_tables.lock:
 * @fn must not sleep, take a socket lock or send; it may take a listener's
 * queue lock (struct edu_queues), which nests inside the table lock.
 */
void edu_tables_walk(struct net *net, edu_sock_visitor fn, void *arg)
{
	struct edu_sock *es;
	int i;

	spin_lock_bh(&edu_tables.lock);
	for (i = 0; i < ARRAY_SIZE(edu_tables.bind); i++)
		hlist_for_each_entry(es, &edu_tables.bind[i], bind_node)
			if (net_eq(sock_net(&es->sk), net))
				fn(&es->sk, arg);
	spin_unlock_bh(&edu_tables.lock);
}
