// SPDX-License-Identifier: GPL-2.0
/*
 * cookie.c - syncookies: a connection the listener keeps nothing of until
 * its handshake ends, as Linux's net/ipv4/syncookies.c.
 *
 * With a full SYN queue and the syncookies sysctl set (or always, with
 * syncookies=2), the listener answers a SYN without making a request: the
 * ISN of its SYN-ACK is a cookie, a keyed hash of the 4-tuple, the peer's
 * ISN and a coarse clock, with the clock's low 8 bits in the top byte
 * (edu_cookie_make(), Linux's cookie_v4_init_sequence()).  The final ACK
 * acknowledges cookie + 1; if the hash checks out for a recent clock
 * value, the ACK is proof the peer got our SYN-ACK, and the connection is
 * made from the ACK alone (edu_cookie_ack(), Linux's cookie_v4_check()).
 * Linux also packs an MSS index; EDUTCP sends no options, so there is
 * nothing else to encode.
 *
 * An ACK is taken for a cookie only if the listener sent cookies lately
 * (tcp_synq_no_recent_overflow()); otherwise it is a stray ACK and meets
 * an RST.  The key is drawn once, when the module loads; the rest runs
 * under the listener's socket lock (listen.c).
 */
#include <linux/jiffies.h>
#include <linux/random.h>
#include <linux/siphash.h>
#include <net/ip.h>
#include "edu.h"

#define EDU_COOKIE_SHIFT	6			/* clock: 64 s steps */
#define EDU_COOKIE_AGE		2			/* steps accepted */
#define EDU_COOKIE_VALIDITY	(2 * 60 * HZ)		/* after the last sent */

static siphash_key_t edu_cookie_key __read_mostly;

void edu_cookie_init(void)
{
	get_random_bytes(&edu_cookie_key, sizeof(edu_cookie_key));
}

static u32 edu_cookie_clock(void)
{
	return (u32)(jiffies / HZ) >> EDU_COOKIE_SHIFT;
}

static u32 edu_cookie_hash(__be32 laddr, __be32 raddr, __be16 lport,
			   __be16 rport, u32 peer_isn, u32 clock)
{
	return siphash_4u32((__force u32)laddr, (__force u32)raddr,
			    ((__force u32)lport << 16) | (__force u32)rport,
			    peer_isn ^ clock, &edu_cookie_key);
}

/* The ISN of the SYN-ACK that answers @req (cookie_v4_init_sequence()). */
u32 edu_cookie_make(const struct edu_request *req)
{
	u32 clock = edu_cookie_clock();

	return (clock << 24) |
	       (edu_cookie_hash(req->laddr, req->raddr, req->lport,
				req->rport, req->rcv_isn, clock) & 0xffffff);
}

static bool edu_cookie_check(__be32 laddr, __be32 raddr, __be16 lport,
			     __be16 rport, u32 peer_isn, u32 cookie)
{
	u32 now = edu_cookie_clock();
	u32 age = (u8)((now & 0xff) - (cookie >> 24));
	u32 clock = now - age;

	if (age > EDU_COOKIE_AGE)
		return false;
	return (cookie & 0xffffff) ==
	       (edu_cookie_hash(laddr, raddr, lport, rport, peer_isn, clock) &
		0xffffff);
}

/*
 * An ACK with no request behind it: a syncookie, or nothing of ours
 * (cookie_v4_check()).  Caller holds the listener's lock and frees @skb.
 * Returns the new connection, or NULL.
 */
struct sock *edu_cookie_ack(struct sock *sk, struct sk_buff *skb)
{
	const struct edu_skb_cb *cb = EDU_SKB_CB(skb);
	const struct iphdr *iph = ip_hdr(skb);
	const struct tcphdr *th = tcp_hdr(skb);
	struct net *net = sock_net(sk);
	struct sock *child;
	int model;

	if (!READ_ONCE(edu_pernet(net)->sysctl_syncookies) ||
	    (cb->flags & (TCPHDR_SYN | TCPHDR_RST)) ||
	    time_after(jiffies, edu_sk(sk)->q.last_overflow + EDU_COOKIE_VALIDITY))
		goto reset;
	if (!edu_cookie_check(iph->daddr, iph->saddr, th->dest, th->source,
			      cb->seq - 1, cb->ack_seq - 1)) {
		EDU_INC_STATS(net, EDU_MIB_SYNCOOKIESFAILED);
		goto reset;
	}
	EDU_INC_STATS(net, EDU_MIB_SYNCOOKIESRECV);

	/* A cookie's child is one more under a shared limit. */
	model = edu_backlog_model(sk);
	if (edu_no_room_for_new(sk, model)) {
		EDU_INC_STATS(net, EDU_MIB_LISTENOVERFLOWS);
		edu_listen_drop(sk);
		edu_trace_acceptq(sk, iph->saddr, th->source, EDU_TQ_DROP);
		return NULL;
	}
	child = edu_make_child(sk, iph->daddr, th->dest, iph->saddr,
			       th->source, cb->ack_seq - 1, cb->seq - 1, skb,
			       edu_rcv_window(sk));
	if (!child) {
		edu_listen_drop(sk);
		return NULL;
	}
	edu_acceptq_add(sk, child);
	return child;

reset:
	edu_send_reset(net, skb);
	return NULL;
}
