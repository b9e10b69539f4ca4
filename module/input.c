// SPDX-License-Identifier: GPL-2.0
/*
 * input.c - EDUTCP segments in, from IPv4 (softirq).
 *
 * edu_rcv() checks a segment (length, header, checksum), finds its socket
 * (bind.c) and delivers it under the socket's lock the way TCP does: if no
 * process owns the socket the segment is handled at once, with the
 * spinlock half of the socket lock held; if a process owns it (it is
 * inside a system call on that socket), the segment waits in the socket's
 * backlog and release_sock() hands it to edu_do_rcv() in process context.
 * Either way one segment at a time per socket, and system calls see a
 * socket that does not change under them.
 */
#include <linux/icmp.h>
#include <linux/ip.h>
#include <linux/skbuff.h>
#include <net/icmp.h>
#include <net/ip.h>
#include <net/route.h>
#include <net/xfrm.h>
#include <asm/unaligned.h>
#include "edu.h"
#include "trace.h"

/*
 * The peer reset the connection (tcp_reset()): the error a process sees
 * depends on how far the connection had got.
 */
void edu_reset(struct sock *sk)
{
	int err;

	switch (sk->sk_state) {
	case TCP_SYN_SENT:
		err = ECONNREFUSED;
		break;
	case TCP_CLOSE_WAIT:
		err = EPIPE;
		break;
	case TCP_CLOSE:
		return;
	default:
		err = ECONNRESET;
	}
	WRITE_ONCE(sk->sk_err, err);
	/* pairs with the smp_rmb() in edu_poll() */
	smp_wmb();
	edu_done(sk);
}

/*
 * RFC 9293's acceptability test (tcp_sequence()): the segment overlaps
 * the window we last advertised, counted from where we advertised it.
 */
static bool edu_segment_acceptable(const struct sock *sk,
				   const struct edu_skb_cb *cb)
{
	const struct edu_sock *es = edu_sk(sk);
	s32 wnd = es->rcv_wup + es->rcv_wnd - es->rcv_nxt;

	return !before(cb->end_seq, es->rcv_wup) &&
	       !after(cb->seq, es->rcv_nxt + max(wnd, 0));
}

/*
 * Whether to skip the ACK that answers an invalid segment: one per
 * invalid_ratelimit per connection at most (__tcp_oow_rate_limited()),
 * so that two confused ends cannot loop on ACKs and a flood of forged
 * segments does not make us send as many.  @mib counts what is skipped.
 * The socket is locked.
 */
static bool __edu_oow_rate_limited(struct sock *sk, enum edu_mib_field mib)
{
	struct net *net = sock_net(sk);
	struct edu_sock *es = edu_sk(sk);
	int ms = READ_ONCE(edu_pernet(net)->sysctl_invalid_ratelimit);
	u32 limit = msecs_to_jiffies(ms);
	u32 now = (u32)jiffies;

	if (es->last_oow_ack_time) {
		s32 elapsed = now - es->last_oow_ack_time;

		if (elapsed >= 0 && (u32)elapsed < limit) {
			EDU_INC_STATS(net, mib);
			return true;
		}
	}
	es->last_oow_ack_time = now;
	return false;
}

/*
 * The same for the duplicate ACK that answers a segment outside the window
 * (tcp_oow_rate_limited()): data without a SYN is never limited, it is no
 * part of an ACK loop.
 */
static bool edu_oow_rate_limited(struct sock *sk, const struct edu_skb_cb *cb,
				 enum edu_mib_field mib)
{
	if (cb->seq != cb->end_seq && !(cb->flags & TCPHDR_SYN))
		return false;
	return __edu_oow_rate_limited(sk, mib);
}

/*
 * RFC 5961's limit on challenge ACKs, for the whole namespace
 * (tcp_challenge_ack_allowed()): challenge_ack_limit a second on average,
 * the number drawn anew each second between half of it and one and a half
 * times it, so that an attacker cannot count the ACKs the namespace still
 * owes to learn of other connections (CVE-2016-5696).  INT_MAX, the
 * default, is no limit.  Lockless, as Linux's: racing CPUs may let a few
 * more through.
 */
static bool edu_challenge_ack_allowed(struct net *net)
{
	struct edu_net *en = edu_pernet(net);
	u32 limit = READ_ONCE(en->sysctl_challenge_ack_limit);
	u32 now, count;

	if (limit == INT_MAX)
		return true;
	now = jiffies / HZ;
	if (now != READ_ONCE(en->challenge_timestamp)) {
		WRITE_ONCE(en->challenge_timestamp, now);
		WRITE_ONCE(en->challenge_count,
			   ((limit + 1) >> 1) + get_random_u32_below(limit));
	}
	count = READ_ONCE(en->challenge_count);
	if (!count)
		return false;
	WRITE_ONCE(en->challenge_count, count - 1);
	return true;
}

/*
 * RFC 5961 7: a challenge ACK, our RCV.NXT at our SND.NXT, answers an RST
 * or a SYN inside the window, or an ACK no window explains.  A peer that
 * really sent it learns where it must send its RST; a blind attacker
 * learns nothing.  Within both limits above (tcp_send_challenge_ack()).
 */
void edu_send_challenge_ack(struct sock *sk)
{
	struct net *net = sock_net(sk);

	if (__edu_oow_rate_limited(sk, EDU_MIB_ACKSKIPPEDCHALLENGE))
		return;
	if (edu_challenge_ack_allowed(net)) {
		EDU_INC_STATS(net, EDU_MIB_CHALLENGEACK);
		edu_send_ack(sk);
	}
}

/*
 * RFC 5961 4.2: a SYN on a synchronized connection is answered with a
 * challenge ACK, never acted on (tcp_validate_incoming(), syn_challenge);
 * tcp_rcv_established() counts it as an input error too.
 */
static void edu_syn_challenge(struct sock *sk)
{
	if (sk->sk_state == TCP_ESTABLISHED)
		EDU_INC_STATS(sock_net(sk), EDU_MIB_INERRS);
	EDU_INC_STATS(sock_net(sk), EDU_MIB_SYNCHALLENGE);
	edu_send_challenge_ack(sk);
}

/*
 * An RST at RCV.NXT - 1 after the peer's FIN resets, wherever the window
 * is (tcp_reset_check()): some stacks send the RST that follows their
 * FIN with the FIN's sequence number.
 */
static bool edu_reset_check(const struct sock *sk, const struct edu_skb_cb *cb)
{
	return cb->seq == edu_sk(sk)->rcv_nxt - 1 &&
	       ((1 << sk->sk_state) &
		(TCPF_CLOSE_WAIT | TCPF_LAST_ACK | TCPF_CLOSING));
}

/*
 * A segment for a synchronized connection (tcp_rcv_established() and
 * tcp_rcv_state_process(), reduced): the sequence number, RST, SYN (as
 * tcp_validate_incoming() checks them), then the ACK field, then payload
 * and FIN (send.c, stream.c and close.c).  Consumes @skb.
 */
static int edu_estab_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct edu_skb_cb *cb = EDU_SKB_CB(skb);
	struct edu_sock *es = edu_sk(sk);

	if (!(cb->flags & (TCPHDR_ACK | TCPHDR_RST | TCPHDR_SYN)))
		goto drop;
	if (!edu_segment_acceptable(sk, cb)) {
		/*
		 * Old or beyond the window: say where we are (a dup ACK),
		 * not too often; a SYN gets a challenge ACK; an RST is
		 * dropped unanswered (RFC 9293 3.10.7.4).
		 */
		if (cb->flags & TCPHDR_RST) {
			if (edu_reset_check(sk, cb))
				edu_reset(sk);
		} else if (cb->flags & TCPHDR_SYN) {
			edu_syn_challenge(sk);
		} else if (!edu_oow_rate_limited(sk, cb,
						 EDU_MIB_ACKSKIPPEDSEQ)) {
			edu_send_ack(sk);
		}
		goto drop;
	}
	if (cb->flags & TCPHDR_RST) {
		/*
		 * RFC 5961 3.2: only an RST at exactly RCV.NXT resets.  One
		 * elsewhere in the window may be a blind attacker's guess:
		 * it gets a challenge ACK, to which the true peer answers
		 * with an RST at RCV.NXT.  TIME_WAIT answers nothing
		 * (tcp_timewait_state_process()).
		 */
		if (cb->seq == es->rcv_nxt || edu_reset_check(sk, cb))
			edu_reset(sk);
		else if (sk->sk_state != TCP_TIME_WAIT)
			edu_send_challenge_ack(sk);
		goto drop;
	}
	if (cb->flags & TCPHDR_SYN) {
		edu_syn_challenge(sk);
		goto drop;
	}

	if (sk->sk_state == TCP_TIME_WAIT) {
		/* Only a retransmitted FIN comes now: ACK it again. */
		if (cb->end_seq != cb->seq)
			edu_send_ack(sk);
		goto drop;
	}

	/* The peer is alive: keepalive starts over (tcp_ack()). */
	es->rcv_tstamp = jiffies;
	es->ka_probes = 0;
	/* An ACK of what we never sent, or too old: drop it, payload too. */
	if (edu_ack_rcv(sk, skb) < 0)
		goto drop;
	if (sk->sk_state == TCP_CLOSE)
		goto drop;

	/*
	 * New data for a socket its process has closed (or shut for
	 * reading) while our FIN is out: nobody will read it, reset
	 * (tcp_rcv_state_process(), TCPAbortOnData).
	 */
	if (((1 << sk->sk_state) & (TCPF_FIN_WAIT1 | TCPF_FIN_WAIT2)) &&
	    (sk->sk_shutdown & RCV_SHUTDOWN) &&
	    after(cb->end_seq - !!(cb->flags & TCPHDR_FIN), es->rcv_nxt)) {
		EDU_INC_STATS(sock_net(sk), EDU_MIB_ABORTONDATA);
		edu_send_active_reset(sk);
		edu_done(sk);
		goto drop;
	}

	__skb_pull(skb, tcp_hdr(skb)->doff * 4);
	edu_data_rcv(sk, skb);
	return 0;

drop:
	kfree_skb(skb);
	return 0;
}

/*
 * Hand @skb to @sk, a connection a listener found it belongs to
 * (edu_listen_rcv()), the way edu_rcv() does: at once if no process owns
 * @sk, else through its backlog.  The listener's socket lock is held,
 * either its spinlock (softirq) or ownership (its backlog, run by
 * release_sock() with BHs on), so BHs are disabled here as every user of a
 * socket spinlock must, and the connection's spinlock nests at lockdep
 * subclass 0 inside the listener's, which edu_rcv() took at
 * SINGLE_DEPTH_NESTING: tcp_child_process() nests a child in
 * tcp_v4_rcv()'s listener the same way.  Consumes @skb.
 */
static void edu_deliver(struct sock *sk, struct sk_buff *skb)
{
	local_bh_disable();
	bh_lock_sock(sk);
	if (!sock_owned_by_user(sk)) {
		edu_do_rcv(sk, skb);
	} else if (sk_add_backlog(sk, skb, READ_ONCE(sk->sk_rcvbuf) +
					   READ_ONCE(sk->sk_sndbuf))) {
		atomic_inc(&sk->sk_drops);
		kfree_skb(skb);
	}
	bh_unlock_sock(sk);
	local_bh_enable();
}

/*
 * The options of a SYN or SYN-ACK @th that EDUTCP takes, as
 * tcp_parse_options() reads them; EDUTCP ignores every other kind.
 *
 * The MSS, lowered to @user_mss (TCP_MAXSEG) if that is smaller; 0 when
 * there is none, or its value is 0.  The window scale, only while the
 * namespace's net.ipv4.tcp_window_scaling is on: a shift above 14 is
 * taken as 14 (RFC 7323 2.3), and logged, as by TCP.
 *
 * edu_rcv() pulled the whole header, doff * 4 bytes, and the walk never
 * leaves it: an option list that ends with EOL, or has an option whose
 * length is below 2 or runs past the header, ends there; an option of
 * the wrong length is ignored.  A later option overrides an earlier one
 * of its kind, as in TCP.
 */
void edu_parse_syn_options(struct net *net, const struct tcphdr *th,
			   u16 user_mss, struct edu_syn_opts *opts)
{
	const u8 *ptr = (const u8 *)(th + 1);
	int length = th->doff * 4 - (int)sizeof(*th);

	memset(opts, 0, sizeof(*opts));
	while (length > 0) {
		int opcode = *ptr++;
		int opsize;

		if (opcode == TCPOPT_EOL)
			break;
		if (opcode == TCPOPT_NOP) {
			length--;
			continue;
		}
		if (length < 2)
			break;
		opsize = *ptr++;
		if (opsize < 2 || opsize > length)
			break;		/* "silly", or partial: stop */
		if (opcode == TCPOPT_MSS && opsize == TCPOLEN_MSS) {
			u16 in_mss = get_unaligned_be16(ptr);

			if (in_mss) {
				if (user_mss && user_mss < in_mss)
					in_mss = user_mss;
				opts->mss = in_mss;
			}
		} else if (opcode == TCPOPT_WINDOW &&
			   opsize == TCPOLEN_WINDOW &&
			   READ_ONCE(net->ipv4.sysctl_tcp_window_scaling)) {
			opts->wscale_ok = true;
			opts->wscale = *ptr;
			if (opts->wscale > TCP_MAX_WSCALE) {
				net_info_ratelimited("edutcp: window scale %u > %u received\n",
						     opts->wscale,
						     TCP_MAX_WSCALE);
				opts->wscale = TCP_MAX_WSCALE;
			}
		}
		ptr += opsize - 2;
		length -= opsize;
	}
}

/* Process one segment for @sk; the caller holds its lock. */
int edu_do_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct sock *child;

	switch (sk->sk_state) {
	case TCP_LISTEN:
		child = edu_listen_rcv(sk, skb);
		if (child) {
			edu_deliver(child, skb);
			sock_put(child);
		}
		return 0;
	case TCP_SYN_SENT:
		return edu_synsent_rcv(sk, skb);
	case TCP_CLOSE:
		/* Found before it closed: to the peer it is a dead port. */
		edu_send_reset(sock_net(sk), skb);
		kfree_skb(skb);
		return 0;
	default:
		return edu_estab_rcv(sk, skb);
	}
}

int edu_rcv(struct sk_buff *skb)
{
	struct net *net = dev_net(skb->dev);
	struct edu_skb_cb *cb;
	const struct iphdr *iph;
	struct tcphdr *th;
	struct sock *sk;
	unsigned int hdrlen;

	if (skb->pkt_type != PACKET_HOST)
		goto discard;
	EDU_INC_STATS(net, EDU_MIB_INSEGS);

	if (!pskb_may_pull(skb, sizeof(struct tcphdr)))
		goto bad_segment;
	th = tcp_hdr(skb);
	hdrlen = th->doff * 4;
	if (hdrlen < sizeof(struct tcphdr) || !pskb_may_pull(skb, hdrlen))
		goto bad_segment;
	/*
	 * The checksum, as tcp_v4_rcv() checks it: skb_checksum_init() takes
	 * a segment already verified at its word (skb_csum_unnecessary():
	 * CHECKSUM_UNNECESSARY from the device, or CHECKSUM_PARTIAL, sent on
	 * this machine through lo or veth with the sum left to a device that
	 * never computed it, see edu_set_csum()) and checks a
	 * CHECKSUM_COMPLETE sum against the pseudo-header; what is left
	 * (CHECKSUM_NONE: a device without receive offload, a raw socket's
	 * packet looped back) skb_checksum_complete() sums in software.
	 */
	if (skb_checksum_init(skb, edu_ipproto, inet_compute_pseudo) ||
	    skb_checksum_complete(skb))
		goto csum_error;

	th = tcp_hdr(skb);
	iph = ip_hdr(skb);
	cb = EDU_SKB_CB(skb);
	memset(cb, 0, sizeof(*cb));
	cb->seq = ntohl(th->seq);
	cb->ack_seq = ntohl(th->ack_seq);
	cb->flags = tcp_flag_byte(th);
	cb->end_seq = cb->seq + th->syn + th->fin + skb->len - hdrlen;
	trace_edutcp_segment(0, iph->saddr, iph->daddr, th, skb->len - hdrlen);

	sk = edu_lookup(net, iph->saddr, th->source, iph->daddr, th->dest);
	if (sk && sk->sk_state == TCP_TIME_WAIT && edu_tw_reopen(sk, cb)) {
		/* The TIME_WAIT is gone: the listener takes the SYN. */
		sock_put(sk);
		sk = edu_lookup(net, iph->saddr, th->source, iph->daddr,
				th->dest);
	}
	if (!sk) {
		/*
		 * Inbound IPsec policy first (no_policy: the protocol checks,
		 * as tcp_v4_rcv() does), and no RST for a segment sent to a
		 * broadcast or multicast address (tcp_v4_send_reset()).
		 */
		if (xfrm4_policy_check(NULL, XFRM_POLICY_IN, skb) &&
		    skb_rtable(skb)->rt_type == RTN_LOCAL)
			edu_send_reset(net, skb);
		goto discard;
	}
	if (!xfrm4_policy_check(sk->sk_state == TCP_TIME_WAIT ? NULL : sk,
				XFRM_POLICY_IN, skb)) {
		sock_put(sk);
		goto discard;
	}
	/*
	 * A segment may wait in the backlog or the socket's queues for as
	 * long as the reader likes: it holds no conntrack entry there
	 * (tcp_v4_rcv()'s nf_reset_ct()), which would pin the entry until it
	 * is read.  Its route stays for now: a listener reads it
	 * (edu_conn_request()); edu_data_rcv() drops it before queuing.
	 */
	nf_reset_ct(skb);

	bh_lock_sock_nested(sk);
	if (!sock_owned_by_user(sk)) {
		edu_do_rcv(sk, skb);
	} else if (sk_add_backlog(sk, skb, READ_ONCE(sk->sk_rcvbuf) +
					   READ_ONCE(sk->sk_sndbuf))) {
		bh_unlock_sock(sk);
		atomic_inc(&sk->sk_drops);
		sock_put(sk);
		goto discard;
	}
	bh_unlock_sock(sk);
	sock_put(sk);
	return 0;

csum_error:
	EDU_INC_STATS(net, EDU_MIB_INCSUMERRORS);
bad_segment:
	EDU_INC_STATS(net, EDU_MIB_INERRS);
discard:
	kfree_skb(skb);
	return 0;
}

/*
 * release_sock() runs this before it lets the socket go: the work an ICMP
 * error could not do while a process owned the socket (tcp_release_cb()).
 * Socket spinlock held, socket still owned.
 */
void edu_release_cb(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);
	u32 mtu = es->mtu_info;

	if (mtu) {
		es->mtu_info = 0;
		edu_mtu_reduced(sk, mtu);
	}
	edu_delack_deferred(sk);
}

/*
 * "Fragmentation needed" for a segment we sent with DF (RFC 1191): note
 * the path MTU in the route, as Linux's route cache keeps it for every
 * protocol, then cut the connection's segments to it now, or when the
 * process that owns the socket releases it (TCP_MTU_REDUCED_DEFERRED).
 * Socket spinlock held.
 */
static void edu_frag_needed(struct sock *sk, struct sk_buff *skb, u32 mtu)
{
	ipv4_update_pmtu(skb, sock_net(sk), mtu, sk->sk_bound_dev_if,
			 edu_ipproto);
	if (!sock_owned_by_user(sk))
		edu_mtu_reduced(sk, mtu);
	else
		edu_sk(sk)->mtu_info = mtu;
}

/*
 * An ICMP error quoting one of our segments (tcp_v4_err()): its IPv4
 * header and first 8 bytes, so our address and port are the quoted
 * source, and the quoted sequence number must be one we sent and is not
 * yet acknowledged.  A connection in SYN_SENT fails with the error; an
 * established one only remembers it (sk_err_soft, which SO_ERROR
 * reports): RFC 1122 4.2.3.9, and EDUTCP has no IP_RECVERR to ask for
 * more.  Redirects change nothing: TCP acts on one only
 * through a route cached in the socket, and EDUTCP caches none.  Source
 * quench is ignored, as everywhere since RFC 6633.  Softirq.
 */
int edu_err(struct sk_buff *skb, u32 info)
{
	const struct iphdr *iph = (const struct iphdr *)skb->data;
	const struct tcphdr *th = (const struct tcphdr *)(skb->data +
							  (iph->ihl << 2));
	const int type = icmp_hdr(skb)->type;
	const int code = icmp_hdr(skb)->code;
	struct net *net = dev_net(skb->dev);
	struct edu_sock *es;
	struct sock *sk;
	u32 seq;
	int err;

	sk = edu_lookup(net, iph->daddr, th->dest, iph->saddr, th->source);
	if (!sk) {
		__ICMP_INC_STATS(net, ICMP_MIB_INERRORS);
		return -ENOENT;
	}
	seq = ntohl(th->seq);
	es = edu_sk(sk);

	bh_lock_sock(sk);
	if (sk->sk_state == TCP_LISTEN) {
		/* About a SYN-ACK of a request: as tcp_req_err() decides. */
		if (!sock_owned_by_user(sk))
			edu_req_err(sk, iph->daddr, th->dest, iph->saddr,
				    th->source, seq,
				    type == ICMP_PARAMETERPROB ||
				    type == ICMP_TIME_EXCEEDED ||
				    (type == ICMP_DEST_UNREACH &&
				     (code == ICMP_NET_UNREACH ||
				      code == ICMP_HOST_UNREACH)));
		goto out;
	}
	if (sk->sk_state == TCP_CLOSE || sk->sk_state == TCP_TIME_WAIT)
		goto out;
	if (!between(seq, es->snd_una, es->snd_nxt))
		goto out;		/* not about anything in flight */

	switch (type) {
	case ICMP_PARAMETERPROB:
		err = EPROTO;
		break;
	case ICMP_DEST_UNREACH:
		if (code > NR_ICMP_UNREACH)
			goto out;
		if (code == ICMP_FRAG_NEEDED) {
			edu_frag_needed(sk, skb, info);
			goto out;
		}
		err = icmp_err_convert[code].errno;
		break;
	case ICMP_TIME_EXCEEDED:
		err = EHOSTUNREACH;
		break;
	default:
		goto out;	/* redirect, source quench, the rest */
	}

	if (sk->sk_state == TCP_SYN_SENT && !sock_owned_by_user(sk)) {
		WRITE_ONCE(sk->sk_err, err);
		sk_error_report(sk);
		edu_done(sk);
	} else {
		WRITE_ONCE(sk->sk_err_soft, err);
	}
out:
	bh_unlock_sock(sk);
	sock_put(sk);
	return 0;
}
