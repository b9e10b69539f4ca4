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
 *
 * The peer's MSS must survive too, and the low 24 bits carry it as
 * Linux's do: the hash plus the index of an entry of edu_msstab[], the
 * largest not above the peer's MSS (536 when none is).  The check takes
 * the hash off again and accepts the remainder only if it is an index,
 * so 4 of 2^24 values pass where 1 did.  The child sends segments of that
 * entry's size: a cookie costs a peer with an MSS of 1400 the 100 bytes
 * above 1300, and one below 536 gets 536 anyway, as from Linux.  The
 * SYN-ACK carries our MSS option like any other, but no window scale:
 * Linux keeps that in a timestamp's low bits, and EDUTCP sends no
 * timestamps.  The connection's windows stay under 64 KiB.
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

/*
 * The MSS values a cookie can carry, those peers send most (Linux's
 * msstab in syncookies.c: 1460 for Ethernet, 1440 and 1452 behind PPPoE,
 * 1300-1349 behind tunnels).
 */
static const u16 edu_msstab[] = { 536, 1300, 1440, 1460 };

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

/*
 * The ISN of the SYN-ACK that answers @req (cookie_v4_init_sequence()).
 * @req->mss becomes the table's entry the cookie keeps.
 */
u32 edu_cookie_make(struct edu_request *req)
{
	u32 clock = edu_cookie_clock();
	u32 mssind;

	for (mssind = ARRAY_SIZE(edu_msstab) - 1; mssind; mssind--)
		if (req->mss >= edu_msstab[mssind])
			break;
	req->mss = edu_msstab[mssind];
	return (clock << 24) |
	       ((edu_cookie_hash(req->laddr, req->raddr, req->lport,
				 req->rport, req->rcv_isn, clock) + mssind) &
		0xffffff);
}

/* The MSS a valid @cookie keeps, 0 if it is not one (__cookie_v4_check()). */
static u16 edu_cookie_check(__be32 laddr, __be32 raddr, __be16 lport,
			    __be16 rport, u32 peer_isn, u32 cookie)
{
	u32 now = edu_cookie_clock();
	u32 age = (u8)((now & 0xff) - (cookie >> 24));
	u32 clock = now - age;
	u32 mssind;

	if (age > EDU_COOKIE_AGE)
		return 0;
	mssind = (cookie - edu_cookie_hash(laddr, raddr, lport, rport,
					   peer_isn, clock)) & 0xffffff;
	return mssind < ARRAY_SIZE(edu_msstab) ? edu_msstab[mssind] : 0;
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
	struct edu_request req;
	struct sock *child;
	int model;
	u16 mss;

	if (!READ_ONCE(edu_pernet(net)->sysctl_syncookies) ||
	    (cb->flags & (TCPHDR_SYN | TCPHDR_RST)) ||
	    time_after(jiffies, edu_sk(sk)->q.last_overflow + EDU_COOKIE_VALIDITY))
		goto reset;
	mss = edu_cookie_check(iph->daddr, iph->saddr, th->dest, th->source,
			       cb->seq - 1, cb->ack_seq - 1);
	if (!mss) {
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
	/*
	 * The request the cookie stands for (cookie_v4_check() rebuilds
	 * one too): no window scale, as its SYN-ACK offered none.
	 */
	req = (struct edu_request) {
		.laddr = iph->daddr, .raddr = iph->saddr,
		.lport = th->dest, .rport = th->source,
		.snt_isn = cb->ack_seq - 1, .rcv_isn = cb->seq - 1,
		.window = edu_syn_window(sk), .mss = mss,
		.adv_mss = edu_adv_mss(net, iph->saddr, edu_sk(sk)->user_mss),
	};
	child = edu_make_child(sk, &req, skb);
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
