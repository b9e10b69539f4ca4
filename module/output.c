// SPDX-License-Identifier: GPL-2.0
/*
 * output.c - EDUTCP segments out: a TCP header (RFC 9293) in an IPv4
 * packet of protocol edu_ipproto.  A SYN and a SYN-ACK carry the MSS
 * option and, while net.ipv4.tcp_window_scaling is on, the window scale
 * (edu_fill_syn_header()); every other segment has none.
 *
 * Every segment goes through edu_xmit(), which routes it (a connection's
 * route is kept, edu_sk_route()), leaves its
 * checksum to the device (or computes it, for a device that cannot), fills
 * the IPv4 header itself, and hands it to ip_local_out() with no socket
 * attached: an skb in flight never holds
 * a reference to an EDUTCP socket, so nothing outside the module can keep
 * one alive (or call back into the module) after the socket is gone.
 */
#include <linux/ip.h>
#include <linux/skbuff.h>
#include <net/ip.h>
#include <net/route.h>
#include "edu.h"
#include "trace.h"

/*
 * The window we advertise, in bytes: half the free receive buffer, since
 * the buffer is charged with the memory segments take (sk_buff and
 * pages), not only their payload; Linux's tcp_adv_win_scale=1 makes the
 * same bet.  At most what 16 bits say once shifted by the window scale,
 * and a multiple of 1 << rcv_wscale, rounded up as __tcp_select_window()
 * rounds it: rounded down, a window smaller than one unit would go out
 * as 0, and the edge below could move back.
 *
 * While the buffer has room, never less than what is left of the window
 * offered last (tcp_select_window(): the right edge does not move back,
 * RFC 9293 3.8.6).  Segments held out of order take buffer space without
 * moving rcv_nxt: were the window to shrink with each of them, the
 * duplicate ACKs that tell of a hole would each carry another window, and
 * the sender, which counts only identical ones (RFC 5681 2), would not
 * retransmit until its timer fired.  Once the buffer is full the window
 * closes as it must: what came next would only be dropped, and EDUTCP
 * does not compact its queues as tcp_collapse() does to make room.
 *
 * The edge holds after the peer's FIN too: the ACK of a FIN, sent from
 * CLOSE_WAIT, CLOSING or TIME_WAIT, carries a window as any other, and a
 * smaller one would move the edge back while data waits unread.
 */
u32 edu_rcv_window(const struct sock *sk)
{
	int space = READ_ONCE(sk->sk_rcvbuf) - atomic_read(&sk->sk_rmem_alloc);
	const struct edu_sock *es = edu_sk(sk);
	u32 unit = 1U << es->rcv_wscale;
	s32 left = 0;

	/* rcv_wup and rcv_wnd hold once the handshake is over. */
	if (space > 0 && ((1 << sk->sk_state) & EDU_SYNCED_STATES))
		left = es->rcv_wup + es->rcv_wnd - es->rcv_nxt;
	left = max_t(s32, max_t(s32, space / 2, left), 0);
	return min_t(u32, ALIGN((u32)left, unit), U16_MAX << es->rcv_wscale);
}

/*
 * The window of a SYN or SYN-ACK, which is never scaled (RFC 7323 2.2):
 * at most 64 KiB - 1, as tcp_select_initial_window() offers.
 */
u16 edu_syn_window(const struct sock *sk)
{
	return min_t(u32, edu_rcv_window(sk), U16_MAX);
}

/*
 * The shift our SYN or SYN-ACK offers (tcp_select_initial_window()): as
 * large as the largest window this socket could ever offer needs, half a
 * receive buffer as large as net.ipv4.tcp_rmem[2] or SO_RCVBUF's limit
 * (net.core.rmem_max) allows, so that a buffer set larger after the
 * handshake still fits in 16 bits.  But a buffer SO_RCVBUF set before
 * the handshake is the most the window will be, and the shift is only
 * what that needs (the window clamp of tcp_connect_init() and
 * tcp_openreq_init_rwin()).  TCP's choice, and so the same value.
 */
u8 edu_rcv_wscale(const struct sock *sk)
{
	u32 full = READ_ONCE(sk->sk_rcvbuf) / 2, space = full;

	space = max_t(u32, space,
		      READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_rmem[2]));
	space = max_t(u32, space, READ_ONCE(sysctl_rmem_max));
	if (sk->sk_userlocks & SOCK_RCVBUF_LOCK)
		space = min(space, full);
	return clamp_t(int, ilog2(space) - 15, 0, TCP_MAX_WSCALE);
}

static struct sk_buff *edu_alloc_segment(gfp_t gfp)
{
	struct sk_buff *skb = alloc_skb(EDU_HDR_ROOM, gfp);

	if (skb)
		skb_reserve(skb, EDU_HDR_ROOM);
	return skb;
}

/* Put a header in front of @skb's payload (none, for a bare segment). */
static void edu_fill_header(struct sk_buff *skb, __be16 sport, __be16 dport,
			    u32 seq, u32 ack, u8 flags, u16 window)
{
	struct tcphdr *th;

	th = skb_push(skb, sizeof(*th));
	skb_reset_transport_header(skb);
	memset(th, 0, sizeof(*th));
	th->source = sport;
	th->dest = dport;
	th->seq = htonl(seq);
	th->ack_seq = htonl(ack);
	th->doff = sizeof(*th) / 4;
	tcp_flag_byte(th) = flags;
	th->window = htons(window);
}

/*
 * The header of a SYN or SYN-ACK, after the 20 bytes of edu_fill_header():
 * the MSS option, @mss the most we take in a segment, then, unless
 * @wscale is negative, a NOP and the window-scale option with @wscale,
 * the shift our later windows will carry.  As tcp_syn_options() and
 * tcp_synack_options() choose them and tcp_options_write() writes them
 * (kind 2, length 4; NOP, kind 3, length 3).  EDUTCP sends no other
 * option: no SACK, no timestamps.
 */
static void edu_fill_syn_header(struct sk_buff *skb, __be16 sport,
				__be16 dport, u32 seq, u32 ack, u8 flags,
				u16 window, u16 mss, int wscale)
{
	unsigned int optlen = TCPOLEN_MSS;
	__be32 *opt;

	if (wscale >= 0)
		optlen += TCPOLEN_WSCALE_ALIGNED;
	opt = skb_push(skb, optlen);
	*opt++ = htonl((TCPOPT_MSS << 24) | (TCPOLEN_MSS << 16) | mss);
	if (wscale >= 0)
		*opt = htonl((TCPOPT_NOP << 24) | (TCPOPT_WINDOW << 16) |
			     (TCPOLEN_WINDOW << 8) | wscale);
	edu_fill_header(skb, sport, dport, seq, ack, flags, window);
	tcp_hdr(skb)->doff = (sizeof(struct tcphdr) + optlen) / 4;
}

/*
 * The checksum of @skb, leaving through @dev.  As tcp_v4_send_check() does,
 * the device computes it: th->check holds the pseudo-header sum (protocol
 * edu_ipproto) and CHECKSUM_PARTIAL tells the device where to add the rest.
 * On lo and veth no one ever does (the receiver trusts a CHECKSUM_PARTIAL
 * skb, skb_csum_unnecessary()), and a device without offload gets it from
 * skb_checksum_help() in validate_xmit_skb().
 *
 * Only NETIF_F_HW_CSUM promises any protocol.  A NETIF_F_IP_CSUM device
 * checksums TCP and UDP only, and skb_csum_hwoffload_help() would not save
 * us from it: it looks at csum_offset alone, which is TCP's.  So, as
 * __ip_append_data() asks the route's device before it chooses
 * CHECKSUM_PARTIAL, anything but a NETIF_F_HW_CSUM device gets a segment
 * summed here in software.
 */
static void edu_set_csum(struct sk_buff *skb, const struct net_device *dev,
			 __be32 saddr, __be32 daddr)
{
	struct tcphdr *th = tcp_hdr(skb);
	unsigned int len = skb->len;

	if (dev->features & NETIF_F_HW_CSUM) {
		th->check = ~csum_tcpudp_magic(saddr, daddr, len, edu_ipproto,
					       0);
		skb->ip_summed = CHECKSUM_PARTIAL;
		skb->csum_start = skb_transport_header(skb) - skb->head;
		skb->csum_offset = offsetof(struct tcphdr, check);
		return;
	}
	th->check = 0;
	th->check = csum_tcpudp_magic(saddr, daddr, len, edu_ipproto,
				      skb_checksum(skb, 0, len, 0));
	skb->ip_summed = CHECKSUM_NONE;
}

/*
 * A connection's route, kept in sk_dst_cache as ip_queue_xmit() keeps
 * TCP's: looked up for the first segment, and again only when
 * __sk_dst_check() finds it obsolete (the routes changed, or a PMTU
 * exception was made for the destination).  Without it every segment of a
 * bulk transfer would pay a FIB lookup.  Caller holds the socket lock;
 * returns a reference for the segment.
 */
static struct rtable *edu_sk_route(struct sock *sk, __be16 sport,
				   __be16 dport)
{
	struct rtable *rt = (struct rtable *)__sk_dst_check(sk, 0);
	struct flowi4 fl4;

	if (rt) {
		dst_hold(&rt->dst);
		return rt;
	}
	rt = ip_route_output_ports(sock_net(sk), &fl4, NULL, sk->sk_daddr,
				   sk->sk_rcv_saddr, dport, sport,
				   edu_ipproto, 0, sk->sk_bound_dev_if);
	if (!IS_ERR(rt))
		sk_dst_set(sk, dst_clone(&rt->dst));
	return rt;
}

/*
 * Route @skb (a segment from @saddr:sport to @daddr:dport, @saddr already
 * chosen) and send it: on @sk's route when it is a connection's segment,
 * else (@sk NULL) on one looked up for it.  Consumes @skb.
 */
static int edu_xmit(struct net *net, struct sock *sk, struct sk_buff *skb,
		    __be32 saddr, __be32 daddr, int oif, bool resent)
{
	struct tcphdr *th = tcp_hdr(skb);
	unsigned int len = skb->len;
	struct flowi4 fl4;
	struct rtable *rt;
	struct iphdr *iph;
	int err;

	if (sk)
		rt = edu_sk_route(sk, th->source, th->dest);
	else
		rt = ip_route_output_ports(net, &fl4, NULL, daddr, saddr,
					   th->dest, th->source, edu_ipproto,
					   0, oif);
	if (IS_ERR(rt)) {
		kfree_skb(skb);
		return PTR_ERR(rt);
	}
	skb_dst_set(skb, &rt->dst);

	edu_set_csum(skb, rt->dst.dev, saddr, daddr);
	trace_edutcp_segment(1, saddr, daddr, th, len - th->doff * 4);

	skb_push(skb, sizeof(*iph));
	skb_reset_network_header(skb);
	iph = ip_hdr(skb);
	iph->version = 4;
	iph->ihl = sizeof(*iph) / 4;
	iph->tos = 0;
	iph->frag_off = htons(IP_DF);
	iph->ttl = ip4_dst_hoplimit(&rt->dst);
	iph->protocol = edu_ipproto;
	iph->saddr = saddr;
	iph->daddr = daddr;
	ip_select_ident(net, skb, NULL);
	skb->protocol = htons(ETH_P_IP);

	/*
	 * As Linux counts OutSegs: every segment but one that carries only
	 * sequence space sent before (a retransmission, which RetransSegs
	 * counts instead).
	 */
	if (!resent)
		EDU_INC_STATS(net, EDU_MIB_OUTSEGS);
	/*
	 * A qdisc that answers NET_XMIT_CN has taken the packet (and queued
	 * it, or dropped it or another): the segment counts as sent, the
	 * retransmission timer covers a loss (tcp_transmit_skb()'s
	 * net_xmit_eval()).  Only an error is a failure to send.
	 */
	err = ip_local_out(net, NULL, skb);
	return net_xmit_eval(err);
}

/*
 * Every segment of a connection carries our receive state: note it, and
 * return @window (bytes) as its header says it, scaled (tcp_select_window()).
 */
static u16 edu_note_ack_sent(struct sock *sk, u32 window)
{
	struct edu_sock *es = edu_sk(sk);

	es->rcv_wup = es->rcv_nxt;
	es->rcv_wnd = window;
	edu_ack_sent(sk);
	return window >> es->rcv_wscale;
}

static int edu_send_flags(struct sock *sk, u32 seq, u8 flags, bool resent)
{
	struct edu_sock *es = edu_sk(sk);
	struct sk_buff *skb = edu_alloc_segment(GFP_ATOMIC);
	u32 window;
	u16 field;

	if (!skb)
		return -ENOBUFS;
	if (flags & TCPHDR_SYN) {
		es->adv_mss = edu_adv_mss(sock_net(sk), sk->sk_daddr,
					  es->user_mss);
		edu_fill_syn_header(skb, htons(sk->sk_num), sk->sk_dport, seq,
				    0, flags, edu_syn_window(sk), es->adv_mss,
				    es->wscale_ok ? es->rcv_wscale : -1);
	} else {
		window = edu_rcv_window(sk);
		if (flags & TCPHDR_ACK)
			field = edu_note_ack_sent(sk, window);
		else
			field = window >> es->rcv_wscale;
		edu_fill_header(skb, htons(sk->sk_num), sk->sk_dport, seq,
				(flags & TCPHDR_ACK) ? es->rcv_nxt : 0, flags,
				field);
	}
	return edu_xmit(sock_net(sk), sk, skb, sk->sk_rcv_saddr, sk->sk_daddr,
			sk->sk_bound_dev_if, resent);
}

/*
 * Send one segment of the write queue, first time or again.  The queued
 * skb keeps its payload for retransmission: what goes out is a clone,
 * sharing its head and pages, with the header written in the headroom
 * that the queued skb never uses (__skb_header_release() in send.c).
 * Its fast-clone companion makes that clone cost no allocation.
 *
 * As __tcp_transmit_skb() does, a segment whose clone from an earlier
 * transmission is still alive (in a qdisc, or queued at a receiver on
 * this host) is copied instead: two clones would write their headers in
 * the same place.
 */
int edu_xmit_skb(struct sock *sk, struct sk_buff *skb)
{
	const struct edu_skb_cb *cb = EDU_SKB_CB(skb);
	struct edu_sock *es = edu_sk(sk);
	struct sk_buff *nskb;
	u16 field;

	if (unlikely(skb_cloned(skb)))
		nskb = pskb_copy(skb, GFP_ATOMIC);
	else
		nskb = skb_clone(skb, GFP_ATOMIC);
	if (!nskb)
		return -ENOBUFS;
	field = edu_note_ack_sent(sk, edu_rcv_window(sk));
	/* Data is pushed to the reader at once (PSH); a FIN carries none. */
	edu_fill_header(nskb, htons(sk->sk_num), sk->sk_dport, cb->seq,
			es->rcv_nxt, cb->flags | TCPHDR_ACK |
			(cb->flags & TCPHDR_FIN ? 0 : TCPHDR_PSH), field);
	return edu_xmit(sock_net(sk), sk, nskb, sk->sk_rcv_saddr,
			sk->sk_daddr, sk->sk_bound_dev_if,
			before(cb->seq, es->snd_nxt));
}

/*
 * A zero-window probe: an ACK with an old sequence number, which the peer
 * must answer with an ACK that carries its current window.
 */
void edu_send_probe(struct sock *sk)
{
	edu_send_flags(sk, edu_sk(sk)->snd_una - 1, TCPHDR_ACK, false);
}

/* The SYN of an active open, first or retransmitted. */
int edu_send_syn(struct sock *sk, bool resent)
{
	return edu_send_flags(sk, edu_sk(sk)->iss, TCPHDR_SYN, resent);
}

void edu_send_ack(struct sock *sk)
{
	edu_send_flags(sk, edu_sk(sk)->snd_nxt, TCPHDR_ACK, false);
}

/* Abort a connection we own: RST at our next sequence number. */
void edu_send_active_reset(struct sock *sk)
{
	if (!edu_send_flags(sk, edu_sk(sk)->snd_nxt, TCPHDR_RST | TCPHDR_ACK,
			    false))
		EDU_INC_STATS(sock_net(sk), EDU_MIB_OUTRSTS);
}

/* A SYN-ACK for a request: the listener keeps no socket for it. */
int edu_send_synack(struct net *net, const struct edu_request *req)
{
	struct sk_buff *skb = edu_alloc_segment(GFP_ATOMIC);

	if (!skb)
		return -ENOBUFS;
	edu_fill_syn_header(skb, req->lport, req->rport, req->snt_isn,
			    req->rcv_isn + 1, TCPHDR_SYN | TCPHDR_ACK,
			    req->window, req->adv_mss,
			    req->wscale_ok ? req->rcv_wscale : -1);
	/* Linux counts every SYN-ACK in OutSegs (tcp_make_synack()). */
	return edu_xmit(net, NULL, skb, req->laddr, req->raddr, 0, false);
}

/*
 * Answer @skb, which no socket wants, with an RST (RFC 9293 3.10.7.1): one
 * that acknowledged something gets an RST at that sequence number, one
 * that did not gets an RST|ACK acknowledging all it occupied.  An RST is
 * never answered.
 */
void edu_send_reset(struct net *net, struct sk_buff *skb)
{
	const struct edu_skb_cb *cb = EDU_SKB_CB(skb);
	const struct iphdr *iph = ip_hdr(skb);
	const struct tcphdr *th = tcp_hdr(skb);
	struct sk_buff *rst;

	if (cb->flags & TCPHDR_RST)
		return;
	rst = edu_alloc_segment(GFP_ATOMIC);
	if (!rst)
		return;
	if (cb->flags & TCPHDR_ACK)
		edu_fill_header(rst, th->dest, th->source, cb->ack_seq, 0,
				TCPHDR_RST, 0);
	else
		edu_fill_header(rst, th->dest, th->source, 0, cb->end_seq,
				TCPHDR_RST | TCPHDR_ACK, 0);
	if (!edu_xmit(net, NULL, rst, iph->daddr, iph->saddr, 0, false))
		EDU_INC_STATS(net, EDU_MIB_OUTRSTS);
}
