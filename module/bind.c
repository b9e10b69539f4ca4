// SPDX-License-Identifier: GPL-2.0
/*
 * bind.c - who owns which port: the bind table, the listener and
 * connection tables, bind(), ephemeral ports and the lookup that gives a
 * segment its socket.
 *
 * Each network namespace has its own three hash tables, struct edu_tables
 * (Linux's struct inet_hashinfo, reduced), allocated with the namespace:
 *
 *   bind    every socket holding a local port, by port: bound ones,
 *           listeners, connections, children (inet_hashinfo.bhash).  bind()
 *           conflicts and ephemeral port searches walk one port's chain.
 *   listen  every listener, by local address and port (lhash2): a SYN's
 *           lookup walks the chain of its exact address, then that of the
 *           wildcard, and meets only listeners.
 *   estab   every socket with a remote end, SYN_SENT to TIME_WAIT, by
 *           4-tuple (ehash).
 *
 * Every bucket has its own spinlock (Linux's ehash_locks, and the locks of
 * inet_bind_hashbucket and inet_listen_hashbucket), each table's of its
 * own lockdep class.  A lookup holds one at a time.  Two are held at once
 * in one place only: connect()'s autobind (edu_autobind_connect()) holds
 * a bind bucket's lock while it checks and inserts a 4-tuple under an
 * estab bucket's, as __inet_hash_connect() does.  So the order is a bind
 * bucket, then an estab bucket, never the reverse: nothing takes a bind
 * bucket lock under an estab or listen one.  Nothing else is taken under
 * a bucket lock but a listener's queue lock (struct edu_queues) and the
 * socket's callback lock, which /proc needs.  Process context takes them
 * with the socket lock held and BHs off; softirq takes them in edu_rcv()'s
 * lookup, which returns the socket with a reference.  No socket lock,
 * allocation or transmission happens under them.  Lookups here take the
 * lock where Linux walks its chains under RCU.
 *
 * Why per namespace, where Linux keys one global inet_hashinfo by
 * namespace (net_hash_mix()) and has per-namespace ehash only as an option
 * (net.ipv4.tcp_child_ehash_entries, inet_pernet_hashinfo_alloc()):
 * /proc/net/edutcp must walk only its reader's namespace, so that a
 * namespace full of sockets costs a reader next door nothing, and a
 * global table would make every reader walk every namespace's sockets.
 * Lookups stay as cheap: one more pointer (struct edu_net) to find the
 * table, then one chain.  The price is the tables' memory in every
 * namespace, sized small for that reason.
 */
#include <linux/hash.h>
#include <linux/jhash.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <net/ip.h>
#include <net/route.h>
#include <net/sock.h>
#include <net/secure_seq.h>
#include "edu.h"
#include "tables.h"

static u32 edu_hash_secret __read_mostly;

static struct edu_bucket *edu_bind_bucket(const struct net *net,
					  unsigned short port)
{
	return &edu_tables(net)->bind[hash_32(port, EDU_HASH_BITS)];
}

/* The 4-tuple's hash: the estab bucket, and the SO_REUSEPORT pick. */
static u32 edu_tuple_hash(const struct net *net, __be32 laddr, u16 lport,
			  __be32 raddr, __be16 rport)
{
	return jhash_3words((__force u32)laddr, (__force u32)raddr,
			    ((u32)lport << 16) | (__force u32)rport,
			    edu_hash_secret + net_hash_mix(net));
}

/* A listener's hash: its address and port (ipv4_portaddr_hash()). */
static u32 edu_listen_hash(__be32 laddr, u16 lport)
{
	return jhash_1word((__force u32)laddr, edu_hash_secret) ^ lport;
}

static struct edu_bucket *edu_listen_bucket(const struct net *net, u32 hash)
{
	return &edu_tables(net)->listen[hash & (EDU_HASH_SIZE - 1)];
}

static struct edu_bucket *edu_estab_bucket(const struct net *net, u32 hash)
{
	return &edu_tables(net)->estab[hash & (EDU_HASH_SIZE - 1)];
}

void edu_tables_init(void)
{
	edu_hash_secret = get_random_u32();
}

/* A class per table, so that lockdep tells a bind lock from an estab one. */
static struct lock_class_key edu_bind_key, edu_listen_key, edu_estab_key;

static void edu_buckets_init(struct edu_bucket *b, struct lock_class_key *key)
{
	unsigned int i;

	for (i = 0; i < EDU_HASH_SIZE; i++) {
		spin_lock_init(&b[i].lock);
		lockdep_set_class(&b[i].lock, key);
		INIT_HLIST_HEAD(&b[i].chain);
	}
}

/* A namespace's tables, from its init (netns.c). */
int edu_tables_init_net(struct net *net)
{
	struct edu_tables *t = kvmalloc(sizeof(*t), GFP_KERNEL);

	if (!t)
		return -ENOMEM;
	edu_buckets_init(t->bind, &edu_bind_key);
	edu_buckets_init(t->listen, &edu_listen_key);
	edu_buckets_init(t->estab, &edu_estab_key);
	atomic64_set(&t->hash_seq, 0);
	edu_pernet(net)->tables = t;
	return 0;
}

/*
 * At namespace exit, after edu_kill_orphans(): every socket of the
 * namespace has left.  One still hashed would be a bug, and freeing its
 * chain under it worse: keep the tables then.
 */
void edu_tables_exit_net(struct net *net)
{
	struct edu_tables *t = edu_tables(net);
	unsigned int i;

	for (i = 0; i < EDU_HASH_SIZE; i++)
		if (WARN_ON(!hlist_empty(&t->bind[i].chain) ||
			    !hlist_empty(&t->listen[i].chain) ||
			    !hlist_empty(&t->estab[i].chain)))
			return;
	kvfree(t);
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

/* Caller holds the lock of @sk->sk_num's bind bucket. */
static bool __edu_port_conflict(const struct sock *sk, bool relax)
{
	struct edu_sock *es2;

	hlist_for_each_entry(es2, &edu_bind_bucket(sock_net(sk),
						   sk->sk_num)->chain,
			     bind_node)
		if (edu_bind_conflict(sk, &es2->sk, relax))
			return true;
	return false;
}

/*
 * May connect()'s autobind take @port: does nobody hold it but sockets
 * that got it from that autobind too?  Not if bind(), listen() or a
 * listener's child holds it.  Linux marks a bind bucket that connect()
 * created with fastreuse and fastreuseport -1, and __inet_hash_connect()
 * shares only such a bucket; here the holders say it themselves.  Caller
 * holds the lock of @port's bind bucket.
 */
static bool __edu_port_for_connect(const struct net *net, unsigned short port)
{
	struct edu_sock *es2;

	hlist_for_each_entry(es2, &edu_bind_bucket(net, port)->chain, bind_node)
		if (es2->sk.sk_num == port && !es2->connect_bound)
			return false;
	return true;
}

static void __edu_bind_hash(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);

	hlist_add_head(&es->bind_node,
		       &edu_bind_bucket(sock_net(sk), sk->sk_num)->chain);
	es->bind_hashed = true;
}

/* Ask for @snum (listen() asks again for the port it holds). */
static int edu_get_this_port(struct sock *sk, unsigned short snum)
{
	struct edu_bucket *b = edu_bind_bucket(sock_net(sk), snum);
	int err = 0;

	spin_lock_bh(&b->lock);
	sk->sk_num = snum;
	/* Listening changes what SO_REUSEADDR allows its neighbours. */
	if (__edu_port_conflict(sk, true))
		err = -EADDRINUSE;
	else if (!edu_sk(sk)->bind_hashed)
		__edu_bind_hash(sk);
	if (err && !edu_sk(sk)->bind_hashed)
		sk->sk_num = 0;
	spin_unlock_bh(&b->lock);
	return err;
}

/*
 * Give @sk local port @snum, or an ephemeral one when @snum is 0: a port of
 * ip_local_port_range, probed from a random offset and skipping
 * ip_local_reserved_ports, that no socket on an overlapping address holds.
 * Each port is tried under its own bucket's lock.  Returns 0 or
 * -EADDRINUSE.  Caller holds the socket lock.
 */
int edu_get_port(struct sock *sk, unsigned short snum)
{
	struct net *net = sock_net(sk);
	int low, high, remaining, offset, i;

	if (snum)
		return edu_get_this_port(sk, snum);

	inet_get_local_port_range(net, &low, &high);
	remaining = high - low + 1;
	offset = get_random_u32_below(remaining);
	for (i = 0; i < remaining; i++) {
		unsigned short port = low + (offset + i) % remaining;
		struct edu_bucket *b;
		bool taken;

		if (inet_is_local_reserved_port(net, port))
			continue;
		b = edu_bind_bucket(net, port);
		spin_lock_bh(&b->lock);
		sk->sk_num = port;
		taken = __edu_port_conflict(sk, false);
		if (!taken)
			__edu_bind_hash(sk);
		spin_unlock_bh(&b->lock);
		if (!taken)
			return 0;
	}
	sk->sk_num = 0;
	return -EADDRINUSE;
}

/* Release the local port of @sk.  Caller holds the socket lock. */
void edu_put_port(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);
	struct edu_bucket *b;

	if (es->bind_hashed) {
		b = edu_bind_bucket(sock_net(sk), sk->sk_num);
		spin_lock_bh(&b->lock);
		hlist_del(&es->bind_node);
		es->bind_hashed = false;
		es->connect_bound = false;
		spin_unlock_bh(&b->lock);
	}
	sk->sk_num = 0;
}

/* A child shares its listener's port, as TCP's children do. */
void edu_inherit_port(struct sock *listener, struct sock *child)
{
	struct edu_bucket *b = edu_bind_bucket(sock_net(child),
					       listener->sk_num);

	child->sk_num = listener->sk_num;
	spin_lock_bh(&b->lock);
	__edu_bind_hash(child);
	spin_unlock_bh(&b->lock);
}

/*
 * Put @es at the head of @b's chain, numbered after every socket hashed
 * before it: each listen and estab chain is in decreasing hash_seq, which
 * lets /proc resume a walk where it stopped (edu_table_seek()).
 */
static void __edu_chain_add(struct net *net, struct hlist_node *node,
			    struct edu_bucket *b, struct edu_sock *es)
{
	es->hash_seq = atomic64_inc_return(&edu_tables(net)->hash_seq);
	hlist_add_head(node, &b->chain);
}

static bool edu_estab_match(const struct sock *sk, __be32 saddr,
			    __be16 sport, __be32 daddr, u16 hnum)
{
	return sk->sk_num == hnum && sk->sk_dport == sport &&
	       sk->sk_daddr == saddr && sk->sk_rcv_saddr == daddr;
}

/*
 * Hash @sk by its 4-tuple.  With @unique, only if no socket has that
 * 4-tuple yet (__inet_check_established()): returns -EADDRNOTAVAIL then.
 * A TIME_WAIT holder counts: TCP lets a connect() take over its 4-tuple
 * only when timestamps (PAWS) guard the new connection from the old one's
 * segments (tcp_twsk_unique()), and EDUTCP has no timestamps, as TCP
 * without them refuses.  The bucket's hash stays in sk_hash for unhashing,
 * as in Linux.
 */
static int edu_estab_insert(struct sock *sk, bool unique)
{
	struct edu_sock *es = edu_sk(sk), *es2;
	struct net *net = sock_net(sk);
	u32 hash = edu_tuple_hash(net, sk->sk_rcv_saddr, sk->sk_num,
				  sk->sk_daddr, sk->sk_dport);
	struct edu_bucket *b = edu_estab_bucket(net, hash);
	int err = 0;

	spin_lock_bh(&b->lock);
	if (es->estab_hashed)
		goto out;
	if (unique) {
		hlist_for_each_entry(es2, &b->chain, estab_node) {
			if (edu_estab_match(&es2->sk, sk->sk_daddr,
					    sk->sk_dport, sk->sk_rcv_saddr,
					    sk->sk_num)) {
				err = -EADDRNOTAVAIL;
				goto out;
			}
		}
	}
	sk->sk_hash = hash;
	__edu_chain_add(net, &es->estab_node, b, es);
	es->estab_hashed = true;
out:
	spin_unlock_bh(&b->lock);
	return err;
}

void edu_hash_estab(struct sock *sk)
{
	edu_estab_insert(sk, false);
}

/* A connecting socket's 4-tuple must be its own (inet_hash_connect()). */
int edu_hash_connect(struct sock *sk)
{
	return edu_estab_insert(sk, true);
}

/* The start of each destination's walk (Linux's table_perturb). */
#define EDU_PORT_PERTURB	256
static u32 edu_port_perturb[EDU_PORT_PERTURB];

/*
 * connect() on a socket without a port (__inet_hash_connect()): pick a
 * port and hash the 4-tuple in one step.  The walk covers
 * ip_local_port_range as edu_get_port()'s does, from a start of its own
 * for each destination (below); a port is taken if nobody holds it, or
 * if only other connections that connect() gave it hold it and @sk's
 * 4-tuple is unique among the connections, a TIME_WAIT one included
 * (edu_estab_insert()).  So one
 * port serves many destinations, and a port that bind() or listen()
 * holds is never handed out.  The bind bucket's lock is held across the
 * check and the insert, so that two connect()s cannot both take one
 * 4-tuple; the estab bucket's lock nests inside it.  Unlike Linux, no
 * preference for even ports (bind() here has none for odd ones).  Like
 * TCP, an exhausted range is EADDRNOTAVAIL here, where bind() says
 * EADDRINUSE.  Caller holds the socket lock and has set the remote end;
 * a segment that finds @sk before connect() makes it SYN_SENT waits in
 * the backlog.
 */
int edu_autobind_connect(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);
	struct net *net = sock_net(sk);
	int low, high, remaining, offset, i;
	u32 *perturb;
	u64 hash;

	inet_get_local_port_range(net, &low, &high);
	remaining = high - low + 1;
	/*
	 * Where the walk starts (__inet_hash_connect()): a keyed hash of the
	 * destination, plus a step that grows with each port handed out for
	 * it.  Consecutive connect()s to one peer take consecutive ports, so
	 * a port just given back is not drawn again at once, when a request
	 * or a segment of its last connection may still be about (a SYN
	 * whose time-based ISN fell in that request's window would be
	 * reset).  Other destinations, by another slot, tell nothing of it.
	 */
	hash = secure_ipv4_port_ephemeral(sk->sk_rcv_saddr, sk->sk_daddr,
					  sk->sk_dport);
	net_get_random_once(edu_port_perturb, sizeof(edu_port_perturb));
	perturb = &edu_port_perturb[hash % EDU_PORT_PERTURB];
	offset = (READ_ONCE(*perturb) + (u32)(hash >> 32)) % remaining;
	for (i = 0; i < remaining; i++) {
		unsigned short port = low + (offset + i) % remaining;
		int err = -EADDRNOTAVAIL;
		struct edu_bucket *b;

		if (inet_is_local_reserved_port(net, port))
			continue;
		b = edu_bind_bucket(net, port);
		spin_lock_bh(&b->lock);
		if (__edu_port_for_connect(net, port)) {
			sk->sk_num = port;
			err = edu_estab_insert(sk, true);
			if (!err) {
				__edu_bind_hash(sk);
				es->connect_bound = true;
			} else {
				sk->sk_num = 0;
			}
		}
		spin_unlock_bh(&b->lock);
		if (!err) {
			/* A little randomness in the next start, as Linux. */
			i = max_t(int, i, get_random_u32_below(8) * 2);
			WRITE_ONCE(*perturb, READ_ONCE(*perturb) + i + 2);
			return 0;
		}
	}
	return -EADDRNOTAVAIL;
}

void edu_unhash_estab(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);
	struct edu_bucket *b;

	if (!es->estab_hashed)
		return;
	b = edu_estab_bucket(sock_net(sk), sk->sk_hash);
	spin_lock_bh(&b->lock);
	hlist_del(&es->estab_node);
	es->estab_hashed = false;
	spin_unlock_bh(&b->lock);
}

/*
 * A socket starts or stops listening (edu_set_state()): it joins or leaves
 * the listen table, as inet_csk_listen_start() and inet_unhash() do.
 * Caller holds the socket lock.
 */
void edu_hash_listen(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);
	struct edu_bucket *b;

	if (es->listen_hashed)
		return;
	sk->sk_hash = edu_listen_hash(sk->sk_rcv_saddr, sk->sk_num);
	b = edu_listen_bucket(sock_net(sk), sk->sk_hash);
	spin_lock_bh(&b->lock);
	__edu_chain_add(sock_net(sk), &es->listen_node, b, es);
	es->listen_hashed = true;
	spin_unlock_bh(&b->lock);
}

void edu_unhash_listen(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);
	struct edu_bucket *b;

	if (!es->listen_hashed)
		return;
	b = edu_listen_bucket(sock_net(sk), sk->sk_hash);
	spin_lock_bh(&b->lock);
	hlist_del(&es->listen_node);
	es->listen_hashed = false;
	spin_unlock_bh(&b->lock);
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

/*
 * The connection a segment belongs to, with a reference held, or NULL;
 * takes and drops the bucket lock.  Softirq (edu_lookup()) and process
 * context (a listener's backlog, edu_lookup_estab()) alike, hence _bh.
 */
static struct sock *edu_find_estab(struct net *net, __be32 saddr,
				   __be16 sport, __be32 daddr, u16 hnum)
{
	struct edu_bucket *b = edu_estab_bucket(net, edu_tuple_hash(net, daddr,
								    hnum, saddr,
								    sport));
	struct sock *found = NULL;
	struct edu_sock *es;

	spin_lock_bh(&b->lock);
	hlist_for_each_entry(es, &b->chain, estab_node) {
		if (edu_estab_match(&es->sk, saddr, sport, daddr, hnum)) {
			found = &es->sk;
			sock_hold(found);
			break;
		}
	}
	spin_unlock_bh(&b->lock);
	return found;
}

static bool edu_listener_match(const struct sock *sk, __be32 addr, u16 hnum)
{
	return sk->sk_num == hnum && sk->sk_rcv_saddr == addr &&
	       sk->sk_state == TCP_LISTEN;
}

/*
 * A listener bound to exactly @addr:@hnum.  Within an SO_REUSEPORT group a
 * hash of the 4-tuple picks the member, so one connection always lands on
 * the same listener.  Takes and drops the bucket lock.
 */
static struct sock *edu_lookup_listener_at(struct net *net, __be32 saddr,
					   __be16 sport, __be32 daddr,
					   __be32 addr, u16 hnum)
{
	struct edu_bucket *b = edu_listen_bucket(net,
						 edu_listen_hash(addr, hnum));
	struct sock *first = NULL, *sk;
	unsigned int n = 0, pick;
	struct edu_sock *es;

	spin_lock(&b->lock);
	hlist_for_each_entry(es, &b->chain, listen_node) {
		sk = &es->sk;
		if (!edu_listener_match(sk, addr, hnum))
			continue;
		if (!first)
			first = sk;
		if (first->sk_reuseport && sk->sk_reuseport)
			n++;
	}
	if (first && n > 1) {
		/* The group in chain order; pick one by the 4-tuple. */
		pick = reciprocal_scale(edu_tuple_hash(net, daddr, hnum, saddr,
						       sport), n);
		hlist_for_each_entry(es, &b->chain, listen_node) {
			sk = &es->sk;
			if (!edu_listener_match(sk, addr, hnum) ||
			    !sk->sk_reuseport)
				continue;
			if (pick-- == 0) {
				first = sk;
				break;
			}
		}
	}
	if (first)
		sock_hold(first);
	spin_unlock(&b->lock);
	return first;
}

/*
 * The socket a segment from @saddr:@sport to @daddr:@dport belongs to: its
 * connection if there is one, else a listener bound to exactly @daddr,
 * else one bound to the wildcard (__inet_lookup_listener()).  Returns it
 * with a reference held, or NULL.  Softirq only, hence the plain
 * spin_lock().
 */
struct sock *edu_lookup(struct net *net, __be32 saddr, __be16 sport,
			__be32 daddr, __be16 dport)
{
	u16 hnum = ntohs(dport);
	struct sock *sk;

	sk = edu_find_estab(net, saddr, sport, daddr, hnum);
	if (!sk)
		sk = edu_lookup_listener_at(net, saddr, sport, daddr, daddr,
					    hnum);
	if (!sk && daddr != htonl(INADDR_ANY))
		sk = edu_lookup_listener_at(net, saddr, sport, daddr,
					    htonl(INADDR_ANY), hnum);
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
	return edu_find_estab(net, saddr, sport, daddr, ntohs(dport));
}
