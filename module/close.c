// SPDX-License-Identifier: GPL-2.0
/*
 * close.c - the end of a connection: FIN in both directions, TIME_WAIT,
 * and the orphans close() leaves behind.
 *
 * The states of RFC 9293, as TCP walks them:
 *
 *   we close first    ESTABLISHED -FIN-> FIN_WAIT1 -ACK-> FIN_WAIT2
 *                     -FIN-> TIME_WAIT -(tw_timeout)-> CLOSE
 *   the peer first    ESTABLISHED <-FIN- CLOSE_WAIT; close(): -FIN->
 *                     LAST_ACK -ACK-> CLOSE
 *   both at once      FIN_WAIT1 <-FIN- CLOSING -ACK-> TIME_WAIT
 *
 * close() with unread data, or with SO_LINGER and a zero linger time,
 * aborts with an RST instead, as TCP does.
 *
 * An orphan is a connection whose process called close() while the
 * connection still had work to do (a FIN to deliver, TIME_WAIT to sit
 * out).  The kernel owns it then: the reference the process held is kept
 * and dropped in edu_orphan_destroy() when the connection reaches CLOSE.
 * An orphan no longer pins its network namespace (as a TIME_WAIT socket
 * of TCP does not): when the namespace goes, or the module, the orphans
 * still there are killed by edu_kill_orphans().  At most max_orphans of
 * them exist in a namespace; beyond that close() resets, and an orphan's
 * timer ends it (timer.c).  One in FIN_WAIT2 or TIME_WAIT does not count:
 * Linux keeps such a connection in a timewait socket, no orphan.
 */
#include <linux/slab.h>
#include <net/sock.h>
#include "edu.h"

/*
 * Orphans are counted per namespace, against that namespace's max_orphans
 * (Linux 6.1 has one count for the machine, checked against the one
 * tcp_max_orphans of the initial namespace: see docs/sysctl.md).  An
 * orphan leaves the count when its FIN is acknowledged (FIN_WAIT2) or it
 * reaches TIME_WAIT, where tcp_time_wait() would replace the socket by a
 * timewait socket, and when it dies.  Under the socket lock.
 */
static bool edu_orphan_count(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);

	if (!es->orphan_counted &&
	    !((1 << sk->sk_state) & (TCPF_FIN_WAIT2 | TCPF_TIME_WAIT))) {
		es->orphan_counted = true;
		atomic_inc(&edu_pernet(sock_net(sk))->orphans);
	}
	return es->orphan_counted;
}

static void edu_orphan_uncount(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);

	if (es->orphan_counted) {
		es->orphan_counted = false;
		atomic_dec(&edu_pernet(sock_net(sk))->orphans);
	}
}

/*
 * More orphans in @sk's namespace than max_orphans, the count doubled
 * @shift times for an orphan that deserves less patience
 * (tcp_too_many_orphans(); Linux reads a count refreshed every 100 ms).
 */
bool edu_too_many_orphans(const struct sock *sk, int shift)
{
	const struct edu_net *en = edu_pernet(sock_net(sk));

	return atomic_read(&en->orphans) << shift >
	       READ_ONCE(en->sysctl_max_orphans);
}

/* Move to TIME_WAIT and sit it out (tcp_time_wait()). */
static void edu_time_wait(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);
	int secs = READ_ONCE(edu_pernet(sock_net(sk))->sysctl_tw_timeout);

	edu_set_state(sk, TCP_TIME_WAIT);
	edu_orphan_uncount(sk);
	sk_stop_timer(sk, &es->rtx_timer);
	sk_reset_timer(sk, &es->close_timer, jiffies + secs * HZ);
}

/*
 * An orphan in FIN_WAIT2 waits fin_timeout for the peer's FIN, no more;
 * it is no longer counted as an orphan.
 */
static void edu_fin_wait2_timer(struct sock *sk)
{
	int secs = READ_ONCE(edu_pernet(sock_net(sk))->sysctl_fin_timeout);

	edu_orphan_uncount(sk);
	sk_reset_timer(sk, &edu_sk(sk)->close_timer, jiffies + secs * HZ);
}

/* The peer's FIN, in order, has been taken (rcv_nxt is past it). */
void edu_fin_rcv(struct sock *sk)
{
	WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | RCV_SHUTDOWN);
	sock_set_flag(sk, SOCK_DONE);

	switch (sk->sk_state) {
	case TCP_ESTABLISHED:
		edu_set_state(sk, TCP_CLOSE_WAIT);
		/*
		 * Its ACK waits (tcp_fin()): a process that closes now sends
		 * our FIN with it, and the close takes three segments.
		 */
		edu_sk(sk)->pingpong = true;
		break;
	case TCP_FIN_WAIT1:
		/* Our FIN is not acknowledged yet: a simultaneous close. */
		edu_set_state(sk, TCP_CLOSING);
		break;
	case TCP_FIN_WAIT2:
		edu_time_wait(sk);
		break;
	}

	if (!sock_flag(sk, SOCK_DEAD)) {
		sk->sk_state_change(sk);
		if (sk->sk_shutdown == SHUTDOWN_MASK ||
		    sk->sk_state == TCP_CLOSE)
			sk_wake_async(sk, SOCK_WAKE_WAITD, POLL_HUP);
		else
			sk_wake_async(sk, SOCK_WAKE_WAITD, POLL_IN);
	}
}

/* Everything we sent, our FIN included, has been acknowledged. */
void edu_fin_acked(struct sock *sk)
{
	switch (sk->sk_state) {
	case TCP_FIN_WAIT1:
		edu_set_state(sk, TCP_FIN_WAIT2);
		if (sock_flag(sk, SOCK_DEAD))
			edu_fin_wait2_timer(sk);
		else
			sk->sk_state_change(sk);
		break;
	case TCP_CLOSING:
		edu_time_wait(sk);
		/* A lingering close() waits for this (tcp_done()'s wake-up). */
		if (!sock_flag(sk, SOCK_DEAD))
			sk->sk_state_change(sk);
		break;
	case TCP_LAST_ACK:
		edu_done(sk);
		break;
	}
}

/*
 * The state close() or shutdown(SHUT_WR) moves to (tcp_close_state()):
 * true when that move sends a FIN.
 */
static bool edu_close_state(struct sock *sk)
{
	switch (sk->sk_state) {
	case TCP_ESTABLISHED:
	case TCP_SYN_RECV:
		edu_set_state(sk, TCP_FIN_WAIT1);
		return true;
	case TCP_CLOSE_WAIT:
		edu_set_state(sk, TCP_LAST_ACK);
		return true;
	default:
		return false;
	}
}

/* shutdown(SHUT_WR) on a connection: our half ends with a FIN. */
void edu_shutdown_send(struct sock *sk)
{
	if (edu_close_state(sk))
		edu_send_fin(sk);
}

/*
 * TIME_WAIT or FIN_WAIT2 ran out.  Softirq; as the other timers, come
 * back later if a process owns the socket.
 */
void edu_close_timer(struct timer_list *t)
{
	struct edu_sock *es = from_timer(es, t, close_timer);
	struct sock *sk = &es->sk;

	bh_lock_sock(sk);
	if (sock_owned_by_user(sk))
		sk_reset_timer(sk, &es->close_timer, jiffies + HZ / 20);
	else if ((1 << sk->sk_state) & (TCPF_TIME_WAIT | TCPF_FIN_WAIT2))
		edu_done(sk);
	bh_unlock_sock(sk);
	sock_put(sk);
}

/*
 * A SYN, no ACK, for a connection in TIME_WAIT, beyond every sequence
 * number the old one used: the peer opens a new connection on the same
 * 4-tuple.  RFC 1122 4.2.2.13 lets TIME_WAIT end for it, and Linux does
 * (tcp_timewait_state_process() returns TCP_TW_SYN): the caller then
 * hands the SYN to the listener.  Otherwise it would be challenged like
 * any SYN on a connection (RFC 5961), and the peer would reset, then wait
 * for its SYN timeout before it tried again.
 *
 * EDUTCP's TIME_WAIT is the full socket: one a process still holds is
 * left alone.  Returns true when the TIME_WAIT ended.  Softirq; the
 * caller holds a reference.
 */
bool edu_tw_reopen(struct sock *sk, const struct edu_skb_cb *cb)
{
	bool ended = false;

	if ((cb->flags & (TCPHDR_SYN | TCPHDR_ACK | TCPHDR_RST)) != TCPHDR_SYN)
		return false;
	bh_lock_sock(sk);
	if (!sock_owned_by_user(sk) && sk->sk_state == TCP_TIME_WAIT &&
	    sock_flag(sk, SOCK_DEAD) && after(cb->seq, edu_sk(sk)->rcv_nxt)) {
		edu_done(sk);
		ended = true;
	}
	bh_unlock_sock(sk);
	return ended;
}

/*
 * An orphan reached CLOSE: free what it holds and drop the reference its
 * process left.  The caller holds a reference of its own (a lookup, a
 * timer, close() itself), so the socket outlives the caller's unlock.
 */
void edu_orphan_destroy(struct sock *sk)
{
	edu_purge_queues(sk);
	edu_put_port(sk);
	edu_orphan_uncount(sk);
	sock_put(sk);
}

/*
 * From now on the kernel owns @sk: it no longer holds its namespace,
 * which frees the namespace to go away with its last process;
 * edu_kill_orphans() then ends the socket.
 */
static void edu_orphan_release_net(struct sock *sk)
{
	struct net *net = sock_net(sk);

	if (!sk->sk_net_refcnt)
		return;
	sk->sk_net_refcnt = 0;
	sock_inuse_add(net, -1);
	put_net_track(net, &sk->ns_tracker);
}

/* Discard unread data: true if there was any (it forces an RST). */
static bool edu_drop_unread(struct sock *sk)
{
	bool unread = !skb_queue_empty(&sk->sk_receive_queue);

	skb_queue_purge(&sk->sk_receive_queue);
	skb_queue_purge(&edu_sk(sk)->ooo_queue);
	return unread;
}

static void edu_abort(struct sock *sk, enum edu_mib_field why)
{
	EDU_INC_STATS(sock_net(sk), why);
	edu_send_active_reset(sk);
	edu_done(sk);
}

/* close() (tcp_close(), reduced). */
int edu_release(struct socket *sock)
{
	struct sock *sk = sock->sk;
	bool orphan = false;

	if (!sk)
		return 0;

	lock_sock(sk);
	/* Ours until the end, whatever the backlog does in release_sock(). */
	sock_hold(sk);
	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);

	switch (sk->sk_state) {
	case TCP_LISTEN:
		edu_listen_stop(sk);
		break;
	case TCP_CLOSE:
		break;
	case TCP_SYN_SENT:
		/*
		 * Given up before the handshake ended: CLOSE without counting
		 * a failed attempt, as tcp_close() does (no tcp_done()); the
		 * SYN-ACK, if it comes, meets a closed port and an RST.
		 */
		edu_set_state(sk, TCP_CLOSE);
		sk_stop_timer(sk, &edu_sk(sk)->rtx_timer);
		break;
	default:
		if (edu_drop_unread(sk))
			edu_abort(sk, EDU_MIB_ABORTONCLOSE);
		else if (sock_flag(sk, SOCK_LINGER) && !sk->sk_lingertime)
			/* Linux counts this one as TCPAbortOnData, too. */
			edu_abort(sk, EDU_MIB_ABORTONDATA);
		else if (edu_close_state(sk))
			edu_send_fin(sk);
		/*
		 * SO_LINGER with a time: wait for our FIN to be taken, unless
		 * the process is exiting (inet_release()).
		 */
		if (sock_flag(sk, SOCK_LINGER) && sk->sk_lingertime &&
		    !(current->flags & PF_EXITING))
			sk_stream_wait_close(sk, sk->sk_lingertime);
	}

	sock_orphan(sk);
	if (sk->sk_state == TCP_CLOSE) {
		edu_put_port(sk);	/* an explicitly bound one too */
	} else {
		orphan = true;
		edu_orphan_release_net(sk);
		if (edu_orphan_count(sk) && edu_too_many_orphans(sk, 0))
			edu_abort(sk, EDU_MIB_ABORTONMEMORY);
		else if (sk->sk_state == TCP_FIN_WAIT2)
			edu_fin_wait2_timer(sk);
	}
	release_sock(sk);
	sock->sk = NULL;
	if (!orphan)
		sock_put(sk);	/* the process's reference */
	sock_put(sk);		/* ours */
	return 0;
}

/* ---- namespace exit and module unload ------------------------------------ */

struct edu_orphan_batch {
	struct sock	*sk[32];
	unsigned int	n;
	bool		more;
};

static void edu_collect_orphan(struct sock *sk, void *arg)
{
	struct edu_orphan_batch *b = arg;

	if (!sock_flag(sk, SOCK_DEAD) || sk->sk_state == TCP_CLOSE)
		return;
	if (b->n == ARRAY_SIZE(b->sk)) {
		b->more = true;
		return;
	}
	sock_hold(sk);
	b->sk[b->n++] = sk;
}

/*
 * End every orphan of @net, silently: the namespace (or the module) is
 * going away, so nothing is sent.  Process context; no segment can reach
 * these sockets any more, but their timers may still be running.
 */
void edu_kill_orphans(struct net *net)
{
	struct edu_orphan_batch *b;
	unsigned int i;

	b = kmalloc(sizeof(*b), GFP_KERNEL | __GFP_NOFAIL);
	do {
		b->n = 0;
		b->more = false;
		edu_tables_walk(net, edu_collect_orphan, b);
		for (i = 0; i < b->n; i++) {
			struct sock *sk = b->sk[i];

			lock_sock(sk);
			sk_stop_timer_sync(sk, &edu_sk(sk)->rtx_timer);
			sk_stop_timer_sync(sk, &edu_sk(sk)->close_timer);
			if (sk->sk_state != TCP_CLOSE)
				edu_done(sk);
			release_sock(sk);
			sock_put(sk);
		}
	} while (b->more);
	kfree(b);
}
