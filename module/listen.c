// SPDX-License-Identifier: GPL-2.0
/*
 * listen.c - the passive open: listen(), the SYN queue, the accept queue,
 * accept().  Read this file first.
 *
 * The life of a connection, seen from a listener with backlog B
 * (listen(fd, n) gives B = min(n, net.core.somaxconn), as for TCP):
 *
 *  1. A SYN arrives.  If the accept queue is full (more than B children
 *     wait in it) the SYN is dropped: ListenOverflows, ListenDrops.  If the
 *     SYN queue is full (more than B requests) the SYN is dropped
 *     (SynQueueDrops, ListenDrops) or, with the syncookies sysctl, answered
 *     with a SYN-ACK whose sequence number encodes the connection, and
 *     nothing is kept (SyncookiesSent; cookie.c).  Otherwise a struct
 *     edu_request joins the SYN queue and a SYN-ACK goes out.
 *
 *  2. The SYN-ACK timer retransmits a request's SYN-ACK after 1 s, 2 s,
 *     4 s... (SynAckRetrans).  After synack_retries retransmissions the
 *     next timeout drops the request.  Under pressure (more than half the
 *     queue old) old requests get fewer retries, as in Linux.
 *
 *  3. The final ACK arrives.  It must acknowledge our SYN-ACK.  If the
 *     accept queue has room, a child socket is made: ESTABLISHED, hashed
 *     so its next segments find it, and put on the accept queue; the
 *     request is freed (PassiveOpens).  If the accept queue is full the
 *     ACK is ignored and the request stays, marked acked: the client is
 *     ESTABLISHED already, and our next SYN-ACK retransmission gives it a
 *     chance to ACK again once accept() has made room (ListenOverflows,
 *     ListenDrops).  With abort_on_overflow, an RST answers instead.
 *     A valid syncookie ACK goes straight to step 3's child (cookie.c).
 *
 *  4. accept() takes the oldest child off the accept queue and gives it a
 *     struct socket.  Closing the listener (or shutdown(SHUT_RD)) frees
 *     every request and resets every child still queued.
 *
 * That is the "linux" backlog model.  The backlog_model sysctl swaps in
 * one of two older rules, where the queues share one limit C (requests
 * and children together): "bsd", 4.4BSD's sonewconn(), C = 3 * B / 2 + 1;
 * "sum", C = B (at least 1).  A SYN that finds C already queued is
 * dropped (ListenOverflows, ListenDrops; no cookie, even with syncookies,
 * as in 4.4BSD, which had none), and each queue alone is full at C, so a
 * final ACK is refused as in step 3 when the accept queue holds C.  See
 * edu_queued_max().
 *
 * Locking.  All of it runs under the listener's socket lock: segments in
 * softirq with the lock's spinlock (or, while a process owns the socket,
 * later from its backlog, see input.c), timers the same way, system calls
 * with lock_sock().  So the queues never change under a reader holding the
 * socket lock.  Each change is also made under the queues' own spinlock,
 * edu_queues.lock, which lets /proc read them without the socket lock.
 * Segments that waited in the socket's backlog are handled in process
 * context with softirqs enabled, so every spinlock this code shares with
 * softirq is taken with the _bh variants.
 * Lock order: listener socket lock, then a child's socket lock, then
 * a bucket lock of bind.c, then edu_queues.lock.  A child's lock is taken
 * under its listener's in two places: closing the listener resets the
 * children still queued (lock_sock_nested(SINGLE_DEPTH_NESTING), the
 * listener owned), and a segment the listener finds is a child's
 * (input.c's edu_deliver(): the child's spinlock with BHs off, at
 * subclass 0 inside the listener's spinlock, or inside its ownership when
 * the segment came from the listener's backlog).  Nothing takes a listener's lock while
 * holding a child's.  A request has no lock and no timer of its own: it
 * lives and dies under its listener's lock, and one timer per listener
 * walks the SYN queue.
 */
#include <linux/jiffies.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <net/ip.h>
#include "edu.h"
#include "trace.h"

static void edu_synack_timer(struct timer_list *t);

void edu_queues_init(struct sock *sk)
{
	struct edu_queues *q = &edu_sk(sk)->q;

	spin_lock_init(&q->lock);
	INIT_LIST_HEAD(&q->syn_queue);
	INIT_LIST_HEAD(&q->accept_queue);
	timer_setup(&q->synack_timer, edu_synack_timer, 0);
}

static void edu_trace_synq(struct sock *sk, __be32 raddr, __be16 rport,
			   int event)
{
	trace_edutcp_synq(sk, raddr, rport, event, edu_sk(sk)->q.syn_len,
			  edu_queue_max(sk, edu_backlog_model(sk)));
}

void edu_trace_acceptq(struct sock *sk, __be32 raddr, __be16 rport, int event)
{
	trace_edutcp_acceptq(sk, raddr, rport, event,
			     READ_ONCE(sk->sk_ack_backlog),
			     edu_queue_max(sk, edu_backlog_model(sk)));
}

/* The namespace's backlog_model now: EDU_BACKLOG_LINUX, _BSD or _SUM. */
int edu_backlog_model(const struct sock *sk)
{
	return READ_ONCE(edu_pernet(sock_net(sk))->sysctl_backlog_model);
}

/*
 * Under the bsd and sum models, the most requests and children @sk may
 * hold together; 0 under linux, whose queues have a limit each.  4.4BSD's
 * sonewconn() refuses a connection when so_qlen + so_q0len >
 * 3 * so_qlimit / 2, so one more than that fits.  Under sum a backlog of
 * 0 still admits one connection, as POSIX allows listen(fd, 0) to.
 */
u32 edu_queued_max(const struct sock *sk, int model)
{
	u32 backlog = READ_ONCE(sk->sk_max_ack_backlog);

	switch (model) {
	case EDU_BACKLOG_BSD:
		return backlog + backlog / 2 + 1;	/* 3 * B / 2 + 1 */
	case EDU_BACKLOG_SUM:
		return max(backlog, 1U);
	}
	return 0;
}

/*
 * The number each queue's length is compared with, as /proc/net/edutcp's
 * synq_max and acceptq_max show it: the queue is full when it holds more.
 * Linux's is the backlog (inet_csk_reqsk_queue_is_full(),
 * sk_acceptq_is_full()); under a shared limit C, C - 1.
 */
u32 edu_queue_max(const struct sock *sk, int model)
{
	u32 queued_max = edu_queued_max(sk, model);

	return queued_max ? queued_max - 1 : READ_ONCE(sk->sk_max_ack_backlog);
}

/* Requests and children together fill the shared limit C. */
static bool edu_queues_are_full(const struct sock *sk, int model)
{
	return edu_sk(sk)->q.syn_len + READ_ONCE(sk->sk_ack_backlog) >=
	       edu_queued_max(sk, model);
}

static bool edu_synq_is_full(const struct sock *sk)
{
	return edu_sk(sk)->q.syn_len > READ_ONCE(sk->sk_max_ack_backlog);
}

/* sk_acceptq_is_full(), against the model's limit. */
static bool edu_acceptq_is_full(const struct sock *sk, int model)
{
	return READ_ONCE(sk->sk_ack_backlog) > edu_queue_max(sk, model);
}

/*
 * A connection not yet counted in the queues (a SYN, a cookie's child)
 * finds no room: the accept queue is full, or, under bsd and sum, the
 * shared limit is reached.
 */
bool edu_no_room_for_new(const struct sock *sk, int model)
{
	return edu_acceptq_is_full(sk, model) ||
	       (model != EDU_BACKLOG_LINUX && edu_queues_are_full(sk, model));
}

/* Count a SYN or ACK the listener could not take. */
void edu_listen_drop(struct sock *sk)
{
	atomic_inc(&sk->sk_drops);
	EDU_INC_STATS(sock_net(sk), EDU_MIB_LISTENDROPS);
}

/* ---- the SYN queue ------------------------------------------------------ */

static struct edu_request *edu_synq_find(struct sock *sk, __be32 raddr,
					 __be16 rport, __be32 laddr,
					 __be16 lport)
{
	struct edu_request *req;

	list_for_each_entry(req, &edu_sk(sk)->q.syn_queue, node)
		if (req->raddr == raddr && req->rport == rport &&
		    req->laddr == laddr && req->lport == lport)
			return req;
	return NULL;
}

/* Arm the listener's timer for @expires unless it will fire sooner. */
static void edu_synack_timer_at(struct sock *sk, unsigned long expires)
{
	struct timer_list *t = &edu_sk(sk)->q.synack_timer;

	if (!timer_pending(t) || time_before(expires, t->expires))
		sk_reset_timer(sk, t, expires);
}

static void edu_synq_add(struct sock *sk, struct edu_request *req)
{
	struct edu_queues *q = &edu_sk(sk)->q;

	spin_lock_bh(&q->lock);
	list_add_tail(&req->node, &q->syn_queue);
	q->syn_len++;
	q->syn_young++;
	spin_unlock_bh(&q->lock);
	edu_trace_synq(sk, req->raddr, req->rport, EDU_TQ_ADD);
	edu_synack_timer_at(sk, req->expires);
}

/* Take @req off the SYN queue; @event says why, for the trace. */
static void edu_synq_unlink(struct sock *sk, struct edu_request *req,
			    int event)
{
	struct edu_queues *q = &edu_sk(sk)->q;

	spin_lock_bh(&q->lock);
	list_del(&req->node);
	q->syn_len--;
	if (!req->num_timeout)
		q->syn_young--;
	spin_unlock_bh(&q->lock);
	edu_trace_synq(sk, req->raddr, req->rport, event);
}

static struct edu_request *edu_request_alloc(void)
{
	struct edu_request *req = kzalloc(sizeof(*req), GFP_ATOMIC);

	if (req)
		atomic_inc(&edu_requests_alive);
	return req;
}

static void edu_request_free(struct edu_request *req)
{
	kfree(req);
	atomic_dec(&edu_requests_alive);
}

/*
 * How many SYN-ACK retransmissions a request may have now.  Linux's rule
 * (reqsk_timer_handler()): when the queue is more than half full, each
 * halving of the share of young requests (never retransmitted) costs old
 * ones a retry, down to 2, so that a flood of dead peers cannot keep the
 * queue full of them for a minute.
 */
static int edu_synack_max_retries(struct sock *sk)
{
	struct edu_queues *q = &edu_sk(sk)->q;
	int max_retries = READ_ONCE(edu_pernet(sock_net(sk))->sysctl_synack_retries);
	unsigned int qlen = q->syn_len;

	if ((qlen << 1) > max(8U, READ_ONCE(sk->sk_max_ack_backlog))) {
		unsigned int young = q->syn_young << 1;

		while (max_retries > 2) {
			if (qlen < young)
				break;
			max_retries--;
			young <<= 1;
		}
	}
	return max_retries;
}

/*
 * A request's SYN-ACK timer fired: true when the request expires; else
 * *@resend says whether its SYN-ACK goes again (syn_ack_recalc()).  With
 * TCP_DEFER_ACCEPT, a request whose bare ACK came is waiting for data: no
 * SYN-ACK until the deferring is almost over, the last one giving the
 * client a chance to ACK again, and no expiry before it is over.
 */
static bool edu_synack_recalc(struct sock *sk, const struct edu_request *req,
			      bool *resend)
{
	bool out_of_retries = req->num_timeout >= edu_synack_max_retries(sk);
	u8 defer = READ_ONCE(edu_sk(sk)->defer_accept);

	if (!defer) {
		*resend = true;
		return out_of_retries;
	}
	*resend = !req->acked || req->num_timeout >= defer - 1;
	return out_of_retries && (!req->acked || req->num_timeout >= defer);
}

/* Walk the SYN queue: retransmit what is due, drop what has expired. */
static void edu_synq_prune(struct sock *sk)
{
	struct edu_queues *q = &edu_sk(sk)->q;
	struct net *net = sock_net(sk);
	struct edu_request *req, *tmp;
	unsigned long now = jiffies;
	unsigned long next = 0;
	bool have_next = false;
	bool resend;

	list_for_each_entry_safe(req, tmp, &q->syn_queue, node) {
		if (time_before(now, req->expires)) {
			if (!have_next || time_before(req->expires, next))
				next = req->expires;
			have_next = true;
			continue;
		}
		/* Each firing is a TCPTimeouts (tcp_syn_ack_timeout()). */
		EDU_INC_STATS(net, EDU_MIB_TIMEOUTS);
		if (edu_synack_recalc(sk, req, &resend)) {
			edu_synq_unlink(sk, req, EDU_TQ_EXPIRE);
			edu_request_free(req);
			continue;
		}
		if (resend) {
			edu_send_synack(net, req);
			EDU_INC_STATS(net, EDU_MIB_SYNACKRETRANS);
			EDU_INC_STATS(net, EDU_MIB_RETRANSSEGS);
		}
		spin_lock(&q->lock);
		if (req->num_timeout++ == 0)
			q->syn_young--;
		spin_unlock(&q->lock);
		if (resend)
			trace_edutcp_retransmit(EDU_RTX_SYNACK, req->laddr,
						req->lport, req->raddr,
						req->rport, req->num_timeout);
		req->expires = now + min(req->timeout << req->num_timeout,
					 (unsigned long)EDU_RTO_MAX);
		if (!have_next || time_before(req->expires, next))
			next = req->expires;
		have_next = true;
	}
	if (have_next)
		edu_synack_timer_at(sk, next);
}

static void edu_synack_timer(struct timer_list *t)
{
	struct edu_queues *q = from_timer(q, t, synack_timer);
	struct sock *sk = &container_of(q, struct edu_sock, q)->sk;

	bh_lock_sock(sk);
	if (sock_owned_by_user(sk))
		sk_reset_timer(sk, t, jiffies + HZ / 20);
	else if (sk->sk_state == TCP_LISTEN)
		edu_synq_prune(sk);
	bh_unlock_sock(sk);
	sock_put(sk);
}

/*
 * An ICMP error quoting the SYN-ACK of a request (tcp_req_err()): with
 * @abort (the peer is unreachable) the request goes, silently: there is
 * no socket yet to tell, and POSIX wants no network errors from accept().
 * Listener locked, not owned.
 */
void edu_req_err(struct sock *sk, __be32 raddr, __be16 rport, __be32 laddr,
		 __be16 lport, u32 seq, bool abort)
{
	struct edu_request *req;

	req = edu_synq_find(sk, raddr, rport, laddr, lport);
	if (!req || seq != req->snt_isn || !abort)
		return;
	edu_synq_unlink(sk, req, EDU_TQ_RESET);
	edu_request_free(req);
	edu_listen_drop(sk);
}

/* ---- children and the accept queue -------------------------------------- */

/*
 * The socket a completed handshake becomes.  It inherits what a TCP child
 * inherits from its listener (options, owner, buffer sizes, port), takes
 * from @req what the handshake settled (tcp_create_openreq_child()): the
 * addresses and ISNs, the window our SYN-ACK offered, the MSS the peer
 * takes (tcp_openreq_init()'s req->mss, the child's mss_clamp), the MSS
 * our SYN-ACK offered and the window scales; and learns from @skb, the
 * final ACK, the peer's window.  Everything is in place before the child
 * is hashed: from then on a segment on another CPU can find it and take
 * its lock, and nothing may be written to it without that lock.
 */
struct sock *edu_make_child(struct sock *sk, const struct edu_request *req,
			    const struct sk_buff *skb)
{
	const struct edu_skb_cb *cb = EDU_SKB_CB(skb);
	struct sock *child;
	struct edu_sock *ces;

	child = edu_sock_alloc(sock_net(sk), NULL, GFP_ATOMIC, 0);
	if (!child)
		return NULL;
	ces = edu_sk(child);

	child->sk_type = sk->sk_type;
	child->sk_reuse = sk->sk_reuse;
	child->sk_reuseport = sk->sk_reuseport;
	child->sk_userlocks = sk->sk_userlocks;
	child->sk_bound_dev_if = sk->sk_bound_dev_if;
	child->sk_uid = sk->sk_uid;
	child->sk_mark = sk->sk_mark;
	child->sk_priority = sk->sk_priority;
	child->sk_rcvbuf = sk->sk_rcvbuf;
	child->sk_sndbuf = sk->sk_sndbuf;
	child->sk_rcvtimeo = sk->sk_rcvtimeo;
	child->sk_sndtimeo = sk->sk_sndtimeo;
	child->sk_lingertime = sk->sk_lingertime;
	sock_copy_flags(child, sk);
	/* TCP's options, as sk_clone_lock() copies a tcp_sock. */
	ces->nodelay = edu_sk(sk)->nodelay;
	ces->cork = edu_sk(sk)->cork;
	ces->pingpong = edu_sk(sk)->pingpong;
	ces->user_mss = edu_sk(sk)->user_mss;
	ces->keepidle = edu_sk(sk)->keepidle;
	ces->keepintvl = edu_sk(sk)->keepintvl;
	ces->keepcnt = edu_sk(sk)->keepcnt;
	ces->user_timeout = edu_sk(sk)->user_timeout;

	child->sk_rcv_saddr = req->laddr;
	child->sk_daddr = req->raddr;
	child->sk_dport = req->rport;
	ces->iss = req->snt_isn;
	ces->snd_una = req->snt_isn + 1;
	ces->snd_nxt = req->snt_isn + 1;
	ces->irs = req->rcv_isn;
	ces->rcv_nxt = req->rcv_isn + 1;
	ces->wscale_ok = req->wscale_ok;
	ces->snd_wscale = req->wscale_ok ? req->snd_wscale : 0;
	ces->rcv_wscale = req->wscale_ok ? req->rcv_wscale : 0;
	/* The final ACK is no SYN: its window is scaled. */
	ces->snd_wnd = ntohs(tcp_hdr(skb)->window) << ces->snd_wscale;
	ces->snd_wl1 = cb->seq;
	ces->snd_wl2 = cb->ack_seq;
	ces->mss_clamp = req->mss;
	ces->adv_mss = req->adv_mss;
	edu_stream_init(child, edu_route_mss(sock_net(sk), req->raddr));
	ces->rcv_wnd = req->window;

	edu_inherit_port(sk, child);
	edu_set_state(child, TCP_ESTABLISHED);
	edu_keepalive_start(child);
	edu_hash_estab(child);
	EDU_INC_STATS(sock_net(sk), EDU_MIB_PASSIVEOPENS);
	return child;
}

/*
 * The final ACK may carry data or a FIN: the peer wrote at once and its
 * bare ACK was lost or overtaken, or it was ignored while the accept queue
 * was full.  Then the new child takes it as its first segment, which
 * edu_listen_rcv() returns it for.
 */
static struct sock *edu_child_takes(struct sock *child,
				    const struct sk_buff *skb)
{
	if (!child || EDU_SKB_CB(skb)->end_seq == EDU_SKB_CB(skb)->seq)
		return NULL;
	sock_hold(child);
	return child;
}

void edu_acceptq_add(struct sock *sk, struct sock *child)
{
	struct edu_queues *q = &edu_sk(sk)->q;

	spin_lock_bh(&q->lock);
	list_add_tail(&edu_sk(child)->accept_node, &q->accept_queue);
	sk_acceptq_added(sk);
	spin_unlock_bh(&q->lock);
	edu_trace_acceptq(sk, child->sk_daddr, child->sk_dport, EDU_TQ_ADD);
	/* Wakes one accept() (they wait exclusively) and every poller. */
	sk->sk_data_ready(sk);
}

/* ---- segments for a listener ------------------------------------------- */

/* A SYN for a listener (tcp_conn_request()). */
static void edu_conn_request(struct sock *sk, struct sk_buff *skb)
{
	struct edu_net *en = edu_pernet(sock_net(sk));
	const struct edu_skb_cb *cb = EDU_SKB_CB(skb);
	const struct iphdr *iph = ip_hdr(skb);
	const struct tcphdr *th = tcp_hdr(skb);
	int syncookies = READ_ONCE(en->sysctl_syncookies);
	int model = edu_backlog_model(sk);
	bool want_cookie = false;
	struct edu_syn_opts opts;
	struct edu_request *req;

	/* Never answer a SYN sent to broadcast or multicast (tcp_v4_conn_request()). */
	if (skb_rtable(skb)->rt_flags & (RTCF_BROADCAST | RTCF_MULTICAST))
		goto drop;
	if (syncookies == 2 ||
	    (model == EDU_BACKLOG_LINUX && edu_synq_is_full(sk))) {
		if (!syncookies) {
			EDU_INC_STATS(sock_net(sk), EDU_MIB_SYNQUEUEDROPS);
			edu_trace_synq(sk, iph->saddr, th->source, EDU_TQ_DROP);
			goto drop;
		}
		want_cookie = true;
	}
	/* One limit for both queues: counted as an accept-queue overflow. */
	if (edu_no_room_for_new(sk, model)) {
		EDU_INC_STATS(sock_net(sk), EDU_MIB_LISTENOVERFLOWS);
		edu_trace_acceptq(sk, iph->saddr, th->source, EDU_TQ_DROP);
		goto drop;
	}

	if (!want_cookie) {
		int max_syn_backlog = READ_ONCE(en->sysctl_max_syn_backlog);

		/*
		 * Without syncookies Linux keeps the last quarter of
		 * max_syn_backlog for peers it has talked to before; EDUTCP
		 * remembers no peers, so that quarter is simply refused.
		 */
		if (!syncookies &&
		    max_syn_backlog - (int)edu_sk(sk)->q.syn_len <
		    (max_syn_backlog >> 2)) {
			edu_trace_synq(sk, iph->saddr, th->source, EDU_TQ_DROP);
			goto drop;
		}
	}

	req = edu_request_alloc();
	if (!req)
		goto drop;
	req->laddr = iph->daddr;
	req->raddr = iph->saddr;
	req->lport = th->dest;
	req->rport = th->source;
	req->rcv_isn = cb->seq;
	req->window = edu_syn_window(sk);
	/*
	 * The peer's MSS option, lowered by our TCP_MAXSEG; 536 if it sent
	 * none (RFC 9293 3.7.1), whatever TCP_MAXSEG says, as
	 * tcp_conn_request() starts from TCP_MSS_DEFAULT.  Our own MSS
	 * goes in the SYN-ACK, for a cookie's too.
	 */
	edu_parse_syn_options(sock_net(sk), th, edu_sk(sk)->user_mss, &opts);
	req->mss = opts.mss ? : TCP_MSS_DEFAULT;
	req->adv_mss = edu_adv_mss(sock_net(sk), req->raddr,
				   edu_sk(sk)->user_mss);
	/*
	 * A cookie has no room for a window scale (TCP's keeps one only in
	 * a timestamp, and EDUTCP sends none): its SYN-ACK offers none, as
	 * tcp_conn_request() clears the options of a cookie's SYN without
	 * timestamps.  Else we scale if the peer does.
	 */
	if (!want_cookie && opts.wscale_ok) {
		req->wscale_ok = true;
		req->snd_wscale = opts.wscale;
		req->rcv_wscale = edu_rcv_wscale(sk);
	}

	if (want_cookie) {
		req->snt_isn = edu_cookie_make(req);
		edu_sk(sk)->q.last_overflow = jiffies;
		EDU_INC_STATS(sock_net(sk), EDU_MIB_SYNCOOKIESSENT);
		edu_trace_synq(sk, req->raddr, req->rport, EDU_TQ_COOKIE);
		edu_send_synack(sock_net(sk), req);
		edu_request_free(req);
		return;
	}

	req->snt_isn = edu_isn(sock_net(sk), req->laddr, req->raddr,
			       req->lport, req->rport);
	req->timeout = EDU_TIMEOUT_INIT;
	req->expires = jiffies + req->timeout;
	edu_synq_add(sk, req);
	edu_send_synack(sock_net(sk), req);
	return;

drop:
	edu_listen_drop(sk);
}

/*
 * RFC 793's first check, on the sequence number, for a request: is the
 * segment in the window our SYN-ACK offered (tcp_in_window() as
 * tcp_check_req() uses it)?  Not only ISN + 1: a client whose first data
 * was lost answers a retransmitted SYN-ACK with an ACK at its SND.NXT,
 * ahead of ISN + 1, and that ACK completes the handshake; the data comes
 * again by retransmission.  Ignoring it would leave the connection to wait
 * for that retransmission, and under load the request could expire first.
 */
static bool edu_req_in_window(const struct edu_request *req,
			      const struct edu_skb_cb *cb)
{
	u32 s_win = req->rcv_isn + 1, e_win = s_win + req->window;

	if (cb->seq == s_win)
		return true;
	if (after(cb->end_seq, s_win) && before(cb->seq, e_win))
		return true;
	return cb->seq == e_win && cb->seq == cb->end_seq;
}

/*
 * The final ACK of a handshake found its request (tcp_check_req()).
 * Returns the new connection, or NULL; consumes nothing.
 */
static struct sock *edu_check_req(struct sock *sk, struct edu_request *req,
				  struct sk_buff *skb)
{
	const struct edu_skb_cb *cb = EDU_SKB_CB(skb);
	struct net *net = sock_net(sk);
	struct sock *child;

	/* A retransmitted SYN: our SYN-ACK was lost, send it again. */
	if (cb->flags == TCPHDR_SYN && cb->seq == req->rcv_isn) {
		if (!edu_send_synack(net, req)) {
			EDU_INC_STATS(net, EDU_MIB_SYNACKRETRANS);
			EDU_INC_STATS(net, EDU_MIB_RETRANSSEGS);
		}
		return NULL;
	}
	if ((cb->flags & TCPHDR_ACK) && cb->ack_seq != req->snt_isn + 1) {
		edu_send_reset(net, skb);
		return NULL;
	}
	if (!edu_req_in_window(req, cb))
		return NULL;	/* out of window */
	if (cb->flags & (TCPHDR_RST | TCPHDR_SYN)) {
		/*
		 * The peer gave up, or started over: forget the request, an
		 * attempt that failed (tcp_check_req()'s embryonic reset).
		 */
		EDU_INC_STATS(net, EDU_MIB_ATTEMPTFAILS);
		if (!(cb->flags & TCPHDR_RST))
			edu_send_reset(net, skb);
		edu_synq_unlink(sk, req, EDU_TQ_RESET);
		edu_request_free(req);
		return NULL;
	}
	if (!(cb->flags & TCPHDR_ACK))
		return NULL;

	/*
	 * TCP_DEFER_ACCEPT: a bare ACK does not make the connection while
	 * the deferring lasts; the request waits, acked, for the client's
	 * first data (tcp_check_req()), and accept() is not woken for a
	 * connection that has nothing to read.
	 */
	if (req->num_timeout < READ_ONCE(edu_sk(sk)->defer_accept) &&
	    cb->end_seq == req->rcv_isn + 1) {
		req->acked = true;
		return NULL;
	}

	/* Under bsd and sum the request is counted in the limit already. */
	if (edu_acceptq_is_full(sk, edu_backlog_model(sk))) {
		EDU_INC_STATS(net, EDU_MIB_LISTENOVERFLOWS);
		edu_listen_drop(sk);
		edu_trace_acceptq(sk, req->raddr, req->rport, EDU_TQ_DROP);
		if (!READ_ONCE(edu_pernet(net)->sysctl_abort_on_overflow)) {
			req->acked = true;
			edu_trace_synq(sk, req->raddr, req->rport, EDU_TQ_ACKED);
			return NULL;
		}
		EDU_INC_STATS(net, EDU_MIB_ABORTONOVERFLOW);
		edu_send_reset(net, skb);
		edu_synq_unlink(sk, req, EDU_TQ_RESET);
		edu_request_free(req);
		return NULL;
	}

	child = edu_make_child(sk, req, skb);
	if (!child) {
		edu_listen_drop(sk);
		return NULL;
	}
	edu_synq_unlink(sk, req, EDU_TQ_REMOVE);
	edu_request_free(req);
	edu_acceptq_add(sk, child);
	return child;
}

/*
 * A segment for a listener.  Caller holds its lock.  Returns the
 * connection @skb belongs to, with a reference, for the caller to hand it
 * to (tcp_v4_do_rcv() passes it to tcp_child_process()); NULL when @skb
 * was the listener's, and is consumed.
 */
struct sock *edu_listen_rcv(struct sock *sk, struct sk_buff *skb)
{
	const struct edu_skb_cb *cb = EDU_SKB_CB(skb);
	const struct iphdr *iph = ip_hdr(skb);
	const struct tcphdr *th = tcp_hdr(skb);
	struct edu_request *req;
	struct sock *child = NULL;

	/*
	 * The segment may belong to a connection made after it was looked
	 * up.  While a process owns the listener (accept(), setsockopt()...),
	 * the final ACK of a handshake and the client's first data, or a
	 * retransmitted SYN, wait together in the listener's backlog; the ACK
	 * makes the child, and what follows is the child's: taken for a
	 * stray ACK it would meet an RST, a SYN would start a second request
	 * for a live 4-tuple.  So the connection table is searched first, as
	 * Linux always searches its established table before its listeners
	 * (__inet_lookup_skb()).
	 */
	child = edu_lookup_estab(sock_net(sk), iph->saddr, th->source,
				 iph->daddr, th->dest);
	if (child)
		return child;

	req = edu_synq_find(sk, iph->saddr, th->source, iph->daddr, th->dest);
	if (req)
		child = edu_check_req(sk, req, skb);
	else if (cb->flags & TCPHDR_RST)
		;	/* nothing to reset */
	else if (cb->flags & TCPHDR_ACK)
		child = edu_cookie_ack(sk, skb);
	else if (cb->flags & TCPHDR_SYN)
		edu_conn_request(sk, skb);
	child = edu_child_takes(child, skb);
	if (!child)
		kfree_skb(skb);
	return child;
}

/* ---- the end of listening ---------------------------------------------- */

/* Drop a child that will never be accepted: reset its peer. */
static void edu_child_abort(struct sock *child)
{
	lock_sock_nested(child, SINGLE_DEPTH_NESTING);
	if (child->sk_state != TCP_CLOSE) {
		edu_send_active_reset(child);
		edu_done(child);
	}
	edu_put_port(child);
	sock_orphan(child);
	release_sock(child);
	sock_put(child);
}

/*
 * The listener stops listening (close(), or shutdown() with SHUT_RD):
 * requests are forgotten, as Linux forgets them (the peer's next segment
 * meets an RST), and children still queued are reset.  Caller owns the
 * socket lock.
 */
void edu_listen_stop(struct sock *sk)
{
	struct edu_queues *q = &edu_sk(sk)->q;
	struct edu_request *req, *rtmp;
	struct edu_sock *ces, *ctmp;
	LIST_HEAD(requests);
	LIST_HEAD(children);

	edu_set_state(sk, TCP_CLOSE);
	sk_stop_timer(sk, &q->synack_timer);

	spin_lock_bh(&q->lock);
	list_splice_init(&q->syn_queue, &requests);
	list_splice_init(&q->accept_queue, &children);
	q->syn_len = 0;
	q->syn_young = 0;
	WRITE_ONCE(sk->sk_ack_backlog, 0);
	spin_unlock_bh(&q->lock);

	list_for_each_entry_safe(req, rtmp, &requests, node) {
		edu_trace_synq(sk, req->raddr, req->rport, EDU_TQ_RESET);
		edu_request_free(req);
	}
	list_for_each_entry_safe(ces, ctmp, &children, accept_node) {
		list_del_init(&ces->accept_node);
		edu_trace_acceptq(sk, ces->sk.sk_daddr, ces->sk.sk_dport,
				  EDU_TQ_RESET);
		edu_child_abort(&ces->sk);
	}
}
