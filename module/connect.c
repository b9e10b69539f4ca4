// SPDX-License-Identifier: GPL-2.0
/*
 * connect.c - the active open: connect(), SYN_SENT, SYN retransmission.
 *
 * connect() picks a route and a source address, an ephemeral port if the
 * socket has none, a random initial sequence number, sends the SYN and
 * (unless nonblocking) sleeps until the handshake ends.  The SYN is
 * retransmitted after 1 s, 2 s, 4 s... (Linux's TCP_TIMEOUT_INIT,
 * doubling); after syn_retries retransmissions the next timeout fails the
 * connection with ETIMEDOUT.  A SYN-ACK that acknowledges our SYN makes the
 * connection ESTABLISHED; an RST that does makes connect() fail with
 * ECONNREFUSED.
 */
#include <linux/random.h>
#include <net/route.h>
#include <net/secure_seq.h>
#include "edu.h"
#include "trace.h"

/*
 * Start the handshake: everything tcp_v4_connect() and tcp_connect() do,
 * with the MSS option the only one.  Caller holds the socket lock.
 */
static int edu_start_connect(struct sock *sk, const struct sockaddr_edu *usin)
{
	struct edu_sock *es = edu_sk(sk);
	struct net *net = sock_net(sk);
	bool autobind = !sk->sk_num;
	struct flowi4 fl4;
	struct rtable *rt;
	int err;

	rt = ip_route_output_ports(net, &fl4, NULL, usin->sedu_addr.s_addr,
				   sk->sk_rcv_saddr, usin->sedu_port,
				   htons(sk->sk_num), edu_ipproto, 0,
				   sk->sk_bound_dev_if);
	if (IS_ERR(rt))
		return PTR_ERR(rt);
	if (rt->rt_flags & (RTCF_MULTICAST | RTCF_BROADCAST)) {
		ip_rt_put(rt);
		return -ENETUNREACH;
	}
	ip_rt_put(rt);

	/* The route resolves the wildcard: connect to 0.0.0.0 is local. */
	if (!sk->sk_rcv_saddr)
		sk->sk_rcv_saddr = fl4.saddr;
	sk->sk_daddr = fl4.daddr;
	sk->sk_dport = usin->sedu_port;
	__sk_dst_reset(sk);	/* edu_sk_route() looks the new one up */

	if (autobind) {
		/* The port and the 4-tuple's hashing are one step. */
		err = edu_autobind_connect(sk);
		if (err)
			goto failure;
	}

	es->iss = edu_isn(sock_net(sk), sk->sk_rcv_saddr, sk->sk_daddr,
			  htons(sk->sk_num), sk->sk_dport);
	es->snd_una = es->iss;
	es->snd_nxt = es->iss + 1;
	es->write_seq = es->snd_nxt;	/* the SYN is in the send queue */
	es->rcv_nxt = 0;
	es->copied_seq = 0;
	es->retransmits = 0;
	es->rto = EDU_TIMEOUT_INIT;
	/*
	 * What the peer takes until its SYN-ACK says: TCP's default, or
	 * TCP_MAXSEG's value (tcp_v4_connect(), tcp_connect_init()).
	 */
	es->mss_clamp = es->user_mss ? : TCP_MSS_DEFAULT;
	/*
	 * Our SYN offers a window scale while net.ipv4.tcp_window_scaling
	 * is on (tcp_connect_init()); it is used only if the SYN-ACK offers
	 * one too.
	 */
	es->wscale_ok = READ_ONCE(net->ipv4.sysctl_tcp_window_scaling);
	es->rcv_wscale = es->wscale_ok ? edu_rcv_wscale(sk) : 0;
	es->snd_wscale = 0;

	edu_set_state(sk, TCP_SYN_SENT);
	/* An explicitly bound port may repeat another socket's 4-tuple. */
	err = autobind ? 0 : edu_hash_connect(sk);
	if (err) {
		edu_set_state(sk, TCP_CLOSE);
		goto failure;
	}
	EDU_INC_STATS(net, EDU_MIB_ACTIVEOPENS);
	es->rtt_start = jiffies;
	edu_send_syn(sk, false);
	edu_rtx_timer_arm(sk);
	return 0;

failure:
	if (!(sk->sk_userlocks & SOCK_BINDADDR_LOCK))
		sk->sk_rcv_saddr = 0;
	sk->sk_daddr = 0;
	sk->sk_dport = 0;
	return err;
}

/*
 * An initial sequence number (RFC 6528), as secure_tcp_seq() makes TCP's:
 * a keyed hash of the 4-tuple, which an outsider cannot guess, plus a
 * clock that advances every 64 ns.  A new connection between the same two
 * ends starts beyond the numbers its predecessor used, unless that one
 * sent faster than the clock, and so a SYN can reopen a connection that
 * is still in TIME_WAIT (edu_tw_reopen()).
 */
u32 edu_isn(struct net *net, __be32 saddr, __be32 daddr, __be16 sport,
	    __be16 dport)
{
	return secure_tcp_seq_and_ts_off(net, saddr, daddr, sport, dport).seq;
}

/* Sleep until the handshake is over; false when the time ran out. */
static bool edu_wait_for_connect(struct sock *sk, long *timeo)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);

	add_wait_queue(sk_sleep(sk), &wait);
	while ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) {
		if (!*timeo || signal_pending(current))
			break;
		sk_wait_event(sk, timeo,
			      !((1 << sk->sk_state) &
				(TCPF_SYN_SENT | TCPF_SYN_RECV)), &wait);
	}
	remove_wait_queue(sk_sleep(sk), &wait);
	return !((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV));
}

/*
 * connect(): __inet_stream_connect()'s state machine, so each call gets
 * TCP's errno: EISCONN when connected (or listening), EALREADY while a
 * nonblocking connect is in progress, EINPROGRESS when one starts.
 */
int edu_connect(struct socket *sock, struct sockaddr *uaddr, int addr_len,
		int flags)
{
	struct sockaddr_edu *usin = (struct sockaddr_edu *)uaddr;
	struct sock *sk = sock->sk;
	long timeo;
	int err;

	if (addr_len < sizeof(uaddr->sa_family))
		return -EINVAL;

	lock_sock(sk);
	if (uaddr->sa_family == AF_UNSPEC) {
		/* connect(AF_UNSPEC) drops the connection, as TCP's does. */
		err = edu_disconnect(sk);
		sock->state = err ? SS_DISCONNECTING : SS_UNCONNECTED;
		goto out;
	}

	switch (sock->state) {
	default:
		err = -EINVAL;
		goto out;
	case SS_CONNECTED:
		err = -EISCONN;
		goto out;
	case SS_CONNECTING:
		err = -EALREADY;
		break;
	case SS_UNCONNECTED:
		err = -EISCONN;
		if (sk->sk_state != TCP_CLOSE)
			goto out;
		err = -EINVAL;
		if (addr_len < sizeof(struct sockaddr_edu))
			goto out;
		err = -EAFNOSUPPORT;
		if (usin->sedu_family != edu_family)
			goto out;
		sk->sk_err = 0;
		sk->sk_shutdown = 0;
		err = edu_start_connect(sk, usin);
		if (err)
			goto out;
		sock->state = SS_CONNECTING;
		err = -EINPROGRESS;
		break;
	}

	timeo = sock_sndtimeo(sk, flags & O_NONBLOCK);
	if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) {
		if (!timeo || !edu_wait_for_connect(sk, &timeo)) {
			if (signal_pending(current))
				err = sock_intr_errno(timeo);
			goto out;
		}
	}

	if (sk->sk_state == TCP_CLOSE) {
		/* Refused, timed out, or reset under our feet. */
		err = sock_error(sk) ? : -ECONNABORTED;
		sock->state = SS_UNCONNECTED;
		if (edu_disconnect(sk))
			sock->state = SS_DISCONNECTING;
		goto out;
	}
	sock->state = SS_CONNECTED;
	err = 0;
out:
	release_sock(sk);
	return err;
}

/* A segment for a socket in SYN_SENT (tcp_rcv_synsent_state_process()). */
int edu_synsent_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct edu_skb_cb *cb = EDU_SKB_CB(skb);
	struct edu_sock *es = edu_sk(sk);
	struct edu_syn_opts opts;
	bool resent;

	if (cb->flags & TCPHDR_ACK) {
		/* It must acknowledge our SYN and nothing else. */
		if (cb->ack_seq != es->snd_nxt) {
			edu_send_reset(sock_net(sk), skb);
			goto drop;
		}
		if (cb->flags & TCPHDR_RST) {
			edu_reset(sk);
			goto drop;
		}
		if (!(cb->flags & TCPHDR_SYN))
			goto drop;

		es->irs = cb->seq;
		es->rcv_nxt = cb->seq + 1;
		es->snd_una = cb->ack_seq;
		/* A SYN-ACK's window is never scaled (RFC 7323 2.2). */
		es->snd_wnd = ntohs(tcp_hdr(skb)->window);
		es->max_window = es->snd_wnd;
		es->snd_wl1 = cb->seq;
		es->snd_wl2 = cb->ack_seq;
		/* The peer's MSS option, under TCP_MAXSEG (tcp_parse_options()). */
		edu_parse_syn_options(sock_net(sk), tcp_hdr(skb), es->user_mss,
				      &opts);
		if (opts.mss)
			es->mss_clamp = opts.mss;
		/*
		 * Windows are scaled only if both SYNs said so; else neither
		 * way (tcp_rcv_synsent_state_process()).
		 */
		if (es->wscale_ok && opts.wscale_ok) {
			es->snd_wscale = opts.wscale;
		} else {
			es->wscale_ok = false;
			es->snd_wscale = 0;
			es->rcv_wscale = 0;
		}
		sk_stop_timer(sk, &es->rtx_timer);
		/* The handshake is the first RTT sample, unless it was resent. */
		resent = es->retransmits;
		edu_stream_init(sk, edu_route_mss(sock_net(sk), sk->sk_daddr));
		if (!resent)
			edu_rtt_sample(sk, jiffies - es->rtt_start);
		edu_set_state(sk, TCP_ESTABLISHED);
		edu_keepalive_start(sk);
		edu_send_ack(sk);
		sk->sk_state_change(sk);
		sk_wake_async(sk, SOCK_WAKE_IO, POLL_OUT);
	}
	/*
	 * An RST without an ACK, or a bare SYN (a simultaneous open, which
	 * EDUTCP does not do), is dropped.
	 */
drop:
	kfree_skb(skb);
	return 0;
}

/*
 * The SYN went unanswered for an RTO (timer.c calls, socket locked): send
 * it again, or after syn_retries give up with ETIMEDOUT.
 */
void edu_connect_timeout(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);
	struct net *net = sock_net(sk);

	/* As tcp_retransmit_timer() counts a SYN's timeouts too. */
	EDU_INC_STATS(net, EDU_MIB_TIMEOUTS);
	if (es->retransmits >= READ_ONCE(edu_pernet(net)->sysctl_syn_retries)) {
		EDU_INC_STATS(net, EDU_MIB_ABORTONTIMEOUT);
		WRITE_ONCE(sk->sk_err, ETIMEDOUT);
		edu_done(sk);
		return;
	}
	es->retransmits++;
	trace_edutcp_retransmit(EDU_RTX_SYN, sk->sk_rcv_saddr, htons(sk->sk_num),
				sk->sk_daddr, sk->sk_dport, es->retransmits);
	EDU_INC_STATS(net, EDU_MIB_RETRANSSEGS);
	edu_send_syn(sk, true);
	edu_rtx_timer_backoff(sk);
}
