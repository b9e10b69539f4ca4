// SPDX-License-Identifier: GPL-2.0
/*
 * send.c - the sending half of the byte stream (stream.c has the other):
 * sendmsg() into the write queue, segments out as far as the peer's window
 * allows, the oldest sent again when it is lost, and the acknowledgments
 * that free the queue.  Linux has these in tcp.c (tcp_sendmsg_locked()),
 * tcp_output.c (tcp_write_xmit()) and tcp_input.c (tcp_ack()).
 *
 *   snd_una ... snd_nxt ... write_seq        sent and not yet acknowledged,
 *                                            then queued and not yet sent
 *                                            (tx_queue, SIOCOUTQ)
 *
 * There is no congestion control: the sender fills the peer's window, as
 * a TCP with an unlimited congestion window would.  A short segment waits
 * while an earlier short one is unacknowledged (Nagle's rule), unless
 * TCP_NODELAY; TCP_CORK and MSG_MORE hold it until it fills.
 */
#include <linux/ip.h>
#include <linux/sched/signal.h>
#include <net/route.h>
#include "edu.h"
#include "trace.h"

/* ---- sending ------------------------------------------------------------- */

/*
 * sk_write_space for EDUTCP: wake writers once a third of the send buffer
 * is free again, the sk_stream_is_writeable() rule poll() uses too.
 */
void edu_write_space(struct sock *sk)
{
	struct socket_wq *wq;

	if (!sk_stream_is_writeable(sk) || !sk->sk_socket)
		return;
	clear_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
	rcu_read_lock();
	wq = rcu_dereference(sk->sk_wq);
	if (skwq_has_sleeper(wq))
		wake_up_interruptible_poll(&wq->wait, EPOLLOUT | EPOLLWRNORM |
					   EPOLLWRBAND);
	if (wq && wq->fasync_list && !(sk->sk_shutdown & SEND_SHUTDOWN))
		sock_wake_async(wq, SOCK_WAKE_SPACE, POLL_OUT);
	rcu_read_unlock();
}

/*
 * An empty segment for the write queue, its memory scheduled for the
 * socket (tcp_stream_alloc_skb()): the payload goes into page fragments as
 * it is written.  NULL when there is no memory: EDUTCP is then under
 * pressure, and the send buffer shrinks to what is queued
 * (sk_stream_moderate_sndbuf()), so the writer waits for the queue to drain.
 */
static struct sk_buff *edu_stream_alloc_skb(struct sock *sk, gfp_t gfp)
{
	struct sk_buff *skb = alloc_skb_fclone(EDU_HDR_ROOM, gfp);

	if (skb) {
		if (sk_wmem_schedule(sk, skb->truesize)) {
			skb_reserve(skb, EDU_HDR_ROOM);
			/*
			 * The checksum is summed as the segment leaves
			 * (edu_set_csum()), so the copy from the user need
			 * not sum it: with CHECKSUM_NONE,
			 * skb_copy_to_page_nocache() would.
			 */
			skb->ip_summed = CHECKSUM_PARTIAL;
			return skb;
		}
		__kfree_skb(skb);
	}
	sk->sk_prot->enter_memory_pressure(sk);
	sk_stream_moderate_sndbuf(sk);
	return NULL;
}

/*
 * Memory for a segment that must be queued whatever the limits (a FIN, the
 * second half of a split), as sk_forced_mem_schedule() gives TCP.  That one
 * is not exported: when no pages can be scheduled, the charge runs ahead of
 * the forward allocation (below zero), and is paid by the next pages the
 * socket is given, or returned when the segment is freed.
 */
static void edu_mem_charge_forced(struct sock *sk, int size)
{
	sk_wmem_schedule(sk, size);
	sk_wmem_queued_add(sk, size);
	sk_mem_charge(sk, size);
}

/* Free a segment of the write queue and what it was charged. */
static void edu_wmem_free_skb(struct sock *sk, struct sk_buff *skb)
{
	sk_wmem_queued_add(sk, -skb->truesize);
	sk_mem_uncharge(sk, skb->truesize);
	__kfree_skb(skb);
}

/*
 * Append @skb (one segment: its payload, or a FIN) to the queue.  Its
 * truesize is charged to the socket: the caller scheduled the memory.
 */
static void edu_queue_tail(struct sock *sk, struct sk_buff *skb, u8 flags)
{
	struct edu_skb_cb *cb = EDU_SKB_CB(skb);
	struct edu_sock *es = edu_sk(sk);

	memset(cb, 0, sizeof(*cb));
	cb->seq = es->write_seq;
	cb->end_seq = es->write_seq + skb->len + !!(flags & TCPHDR_FIN);
	cb->flags = flags;
	es->write_seq = cb->end_seq;
	/* Only its clones write headers (edu_xmit_skb()). */
	__skb_header_release(skb);
	sk_wmem_queued_add(sk, skb->truesize);
	sk_mem_charge(sk, skb->truesize);
	__skb_queue_tail(&sk->sk_write_queue, skb);
}

/*
 * The segment a write may add to: the last of the queue, not sent yet, no
 * FIN, shorter than an MSS and with a fragment slot free.  As
 * tcp_sendmsg_locked() fills its tail skb, small writes share a segment
 * (and a page) instead of taking one each.
 */
static struct sk_buff *edu_write_tail(struct sock *sk)
{
	struct sk_buff *skb = skb_peek_tail(&sk->sk_write_queue);
	const struct edu_sock *es = edu_sk(sk);

	if (!skb || before(EDU_SKB_CB(skb)->seq, es->snd_nxt) ||
	    (EDU_SKB_CB(skb)->flags & TCPHDR_FIN) || skb->len >= es->mss ||
	    skb_shinfo(skb)->nr_frags >= MAX_SKB_FRAGS)
		return NULL;
	return skb;
}

/* A tail segment a write queued and put nothing in (tcp_remove_empty_skb()). */
static void edu_remove_empty_tail(struct sock *sk)
{
	struct sk_buff *skb = edu_write_tail(sk);

	if (skb && !skb->len) {
		__skb_unlink(skb, &sk->sk_write_queue);
		edu_sk(sk)->write_seq = EDU_SKB_CB(skb)->seq;
		edu_wmem_free_skb(sk, skb);
	}
}

/*
 * Copy up to @len bytes of @msg to the end of @skb, in the socket's page
 * fragment (sk_page_frag(), as tcp_sendmsg_locked()): the bytes are charged
 * by their size, and consecutive writes continue the same fragment.
 * Returns the bytes copied, 0 when memory is short, or an error.
 */
static int edu_append(struct sock *sk, struct sk_buff *skb,
		      struct msghdr *msg, size_t len)
{
	struct page_frag *pfrag = sk_page_frag(sk);
	int i = skb_shinfo(skb)->nr_frags;
	bool merge;
	int copy;
	int err;

	if (!sk_page_frag_refill(sk, pfrag))
		return 0;
	merge = skb_can_coalesce(skb, i, pfrag->page, pfrag->offset);
	copy = min_t(size_t, len, pfrag->size - pfrag->offset);
	if (!sk_wmem_schedule(sk, copy))
		return 0;
	err = skb_copy_to_page_nocache(sk, &msg->msg_iter, skb, pfrag->page,
				       pfrag->offset, copy);
	if (err)
		return err;
	if (merge) {
		skb_frag_size_add(&skb_shinfo(skb)->frags[i - 1], copy);
	} else {
		skb_fill_page_desc(skb, i, pfrag->page, pfrag->offset, copy);
		page_ref_inc(pfrag->page);
	}
	pfrag->offset += copy;
	EDU_SKB_CB(skb)->end_seq += copy;
	edu_sk(sk)->write_seq += copy;
	return copy;
}

/* The FIN of close() or shutdown(SHUT_WR), queued after all data. */
void edu_send_fin(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);
	struct sk_buff *skb;

	if (es->fin_queued)
		return;
	/* A FIN needs no room in the buffer; it must not be lost to memory. */
	skb = alloc_skb_fclone(EDU_HDR_ROOM,
			       sk->sk_allocation | __GFP_NOFAIL);
	skb_reserve(skb, EDU_HDR_ROOM);
	es->fin_queued = true;
	sk_wmem_schedule(sk, skb->truesize);
	edu_queue_tail(sk, skb, TCPHDR_FIN);
	edu_push(sk);
}

/*
 * Cut the segment @skb after @len bytes: the rest becomes a segment of its
 * own, next in the queue (tcp_fragment(), for a window smaller than the
 * segment, or a path MTU smaller than one sent).  Each part is charged to
 * the send buffer by its own size: the new one its sk_buff and, moved from
 * the first, the payload it takes.
 *
 * A segment sent before may still have a clone on its way (edu_xmit_skb()),
 * and a clone shares the fragment array that skb_split() rewrites: such a
 * segment first gets a head of its own (skb_unclone(), as tcp_fragment()
 * does), its truesize unchanged: the socket was charged that.
 */
static int edu_split(struct sock *sk, struct sk_buff *skb, u32 len)
{
	struct edu_skb_cb *cb = EDU_SKB_CB(skb), *cb1;
	u32 nlen = skb->len - len;
	struct sk_buff *skb1;

	if (skb_cloned(skb)) {
		unsigned int truesize = skb->truesize;

		/* skb_unclone_keeptruesize(), which modules cannot call */
		if (pskb_expand_head(skb, 0, 0, GFP_ATOMIC))
			return -ENOBUFS;
		skb->truesize = truesize;
	}
	skb1 = alloc_skb_fclone(EDU_HDR_ROOM, GFP_ATOMIC);
	if (!skb1)
		return -ENOBUFS;
	skb_reserve(skb1, EDU_HDR_ROOM);
	edu_mem_charge_forced(sk, skb1->truesize);
	skb_split(skb, skb1, len);
	__skb_header_release(skb);
	__skb_header_release(skb1);
	skb1->truesize += nlen;
	skb->truesize -= nlen;
	cb1 = EDU_SKB_CB(skb1);
	*cb1 = *cb;
	cb1->seq = cb->seq + len;
	cb->end_seq = cb1->seq;
	cb->flags &= ~TCPHDR_FIN;
	__skb_queue_after(&sk->sk_write_queue, skb, skb1);
	return 0;
}

/*
 * Hold back the last segment of the queue while it is short
 * (tcp_nagle_test()): with TCP_CORK or MSG_MORE until it fills; else, by
 * Nagle's rule (RFC 896) as Linux applies it, with Minshall's change
 * (tcp_minshall_check()), while a short segment sent before is not yet
 * acknowledged, unless TCP_NODELAY.  The ACK that comes back lets it go,
 * with whatever was written meanwhile.  A FIN is never held, nor a
 * segment with more behind it.
 */
static bool edu_nagle_hold(const struct sock *sk, const struct sk_buff *skb,
			   enum edu_push mode)
{
	const struct edu_sock *es = edu_sk(sk);

	if (mode == EDU_PUSH_NOW || skb->len >= es->mss ||
	    (EDU_SKB_CB(skb)->flags & TCPHDR_FIN) ||
	    !skb_queue_is_last(&sk->sk_write_queue, skb))
		return false;
	if (es->cork || mode == EDU_PUSH_MORE)
		return true;
	return !es->nodelay && after(es->snd_sml, es->snd_una) &&
	       !after(es->snd_sml, es->snd_nxt);
}

/*
 * Send what the peer's window allows.  Segments before snd_nxt were sent
 * already; a FIN alone is always let out (it takes no buffer space).  A
 * segment larger than the window is cut to fit, unless that would make a
 * tiny one: RFC 1122's sender-side silly window avoidance sends at least
 * an MSS or half the largest window the peer ever offered.  With data
 * waiting, a closed window (or a cork) and nothing in flight, the timer
 * probes (or sends what the cork holds).
 */
void edu_push_mode(struct sock *sk, enum edu_push mode)
{
	struct edu_sock *es = edu_sk(sk);
	u32 wnd_end = es->snd_una + es->snd_wnd;
	bool blocked = false, idle;
	struct sk_buff *skb;

	if (!((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT |
				     TCPF_FIN_WAIT1 | TCPF_CLOSING |
				     TCPF_LAST_ACK)))
		return;

	skb_queue_walk(&sk->sk_write_queue, skb) {
		const struct edu_skb_cb *cb = EDU_SKB_CB(skb);

		if (before(cb->seq, es->snd_nxt))
			continue;
		if (edu_nagle_hold(sk, skb, mode)) {
			/* Corked, nothing in flight: the timer ends it. */
			blocked = true;
			break;
		}
		if (skb->len && after(cb->end_seq, wnd_end)) {
			u32 room = after(wnd_end, cb->seq) ? wnd_end - cb->seq : 0;

			if (!room || room < min(es->mss, es->max_window / 2) ||
			    edu_split(sk, skb, room)) {
				blocked = true;
				break;
			}
		}
		idle = es->snd_una == es->snd_nxt;
		if (edu_xmit_skb(sk, skb))
			break;		/* no memory: the timer tries again */
		es->snd_nxt = cb->end_seq;
		if (skb->len) {
			if (skb->len < es->mss)
				es->snd_sml = cb->end_seq;
			edu_ack_data_sent(sk);
		}
		if (!es->rtt_timing) {
			es->rtt_timing = true;
			es->rtt_seq = cb->end_seq;
			es->rtt_start = jiffies;
		}
		/*
		 * The first segment in flight gets a full RTO, even if the
		 * timer already runs for a probe or a cork (tcp_rearm_rto()
		 * from tcp_event_new_data_sent()).
		 */
		if (idle || !timer_pending(&es->rtx_timer))
			edu_rtx_timer_arm(sk);
	}
	if (blocked && es->snd_una == es->snd_nxt &&
	    !timer_pending(&es->rtx_timer))
		edu_rtx_timer_arm(sk);	/* a zero-window probe */
}

void edu_push(struct sock *sk)
{
	edu_push_mode(sk, EDU_PUSH_NAGLE);
}

/* Send the oldest unacknowledged segment again (timeout, fast retransmit). */
void edu_retransmit_head(struct sock *sk)
{
	struct sk_buff *skb = skb_peek(&sk->sk_write_queue);
	struct edu_sock *es = edu_sk(sk);

	if (!skb || !before(EDU_SKB_CB(skb)->seq, es->snd_nxt))
		return;
	/* Karn: an ACK after a retransmission says nothing of the RTT. */
	es->rtt_timing = false;
	if (!edu_xmit_skb(sk, skb)) {
		EDU_INC_STATS(sock_net(sk), EDU_MIB_RETRANSSEGS);
		trace_edutcp_retransmit(EDU_RTX_DATA, sk->sk_rcv_saddr, htons(sk->sk_num),
					sk->sk_daddr, sk->sk_dport,
					es->retransmits);
	}
}

/*
 * The path MTU fell to @mtu (an ICMP "fragmentation needed" for a segment
 * we sent with DF): tcp_v4_mtu_reduced() and tcp_simple_retransmit().
 * The MSS follows the route, which edu_err() updated; every queued segment
 * larger than it is cut, and what was in flight up to the last segment
 * that was too large is sent again at once: it was dropped on the way.
 * Socket locked.
 */
void edu_mtu_reduced(struct sock *sk, u32 mtu)
{
	struct edu_sock *es = edu_sk(sk);
	u32 lost_end = es->snd_una;
	struct sk_buff *skb;
	u32 mss;

	if ((1 << sk->sk_state) & (TCPF_LISTEN | TCPF_CLOSE | TCPF_SYN_SENT))
		return;	/* no stream yet: edu_stream_init() reads the route */
	mss = edu_route_mss(sock_net(sk), sk->sk_daddr);
	/* Something is about to go wrong: say so if it never recovers. */
	if (mtu < mss + sizeof(struct iphdr) + sizeof(struct tcphdr))
		WRITE_ONCE(sk->sk_err_soft, EMSGSIZE);
	if (mss > es->mss)
		return;
	es->mss = mss;

	/* The walk meets each remainder edu_split() queues next. */
	skb_queue_walk(&sk->sk_write_queue, skb) {
		const struct edu_skb_cb *cb = EDU_SKB_CB(skb);

		if (skb->len <= mss)
			continue;
		if (before(cb->seq, es->snd_nxt))
			lost_end = cb->end_seq;
		if (edu_split(sk, skb, mss))
			break;		/* no memory: the next ICMP tries again */
	}
	if (lost_end == es->snd_una)
		return;

	es->rtt_timing = false;		/* Karn: these say nothing of the RTT */
	skb_queue_walk(&sk->sk_write_queue, skb) {
		const struct edu_skb_cb *cb = EDU_SKB_CB(skb);

		if (!before(cb->seq, lost_end) || !before(cb->seq, es->snd_nxt))
			break;
		if (edu_xmit_skb(sk, skb))
			break;		/* the timer sends the rest */
		EDU_INC_STATS(sock_net(sk), EDU_MIB_RETRANSSEGS);
	}
	edu_rtx_timer_arm(sk);
}

/* Wait for the connection to be usable for sending; 0 when it is. */
static int edu_wait_established(struct sock *sk, long *timeo)
{
	if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV))
		return sk_stream_wait_connect(sk, timeo);
	return 0;
}

int edu_sendmsg(struct socket *sock, struct msghdr *msg, size_t size)
{
	struct sock *sk = sock->sk;
	struct edu_sock *es = edu_sk(sk);
	int flags = msg->msg_flags;
	/* MSG_MORE: more is coming, as with TCP_CORK for this write */
	enum edu_push mode = flags & MSG_MORE ? EDU_PUSH_MORE : EDU_PUSH_NAGLE;
	size_t copied = 0;
	long timeo;
	int err;

	/* Urgent data is not part of EDUTCP; other flags are hints. */
	if (flags & MSG_OOB)
		return -EOPNOTSUPP;

	lock_sock(sk);
	timeo = sock_sndtimeo(sk, flags & MSG_DONTWAIT);
	err = edu_wait_established(sk, &timeo);
	if (err)
		goto out_err;
	/* Only the states where we may still send; else as TCP: EPIPE. */
	err = -EPIPE;
	if (sk->sk_err || (sk->sk_shutdown & SEND_SHUTDOWN) ||
	    !((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT)))
		goto out_err;

	while (copied < size) {
		struct sk_buff *skb;
		int n;

		if (sk->sk_err || (sk->sk_shutdown & SEND_SHUTDOWN)) {
			err = -EPIPE;
			goto out_err;
		}
		skb = edu_write_tail(sk);
		if (!skb) {
			if (!sk_stream_memory_free(sk))
				goto wait;
			skb = edu_stream_alloc_skb(sk, sk->sk_allocation);
			if (!skb)
				goto wait;
			edu_queue_tail(sk, skb, 0);
		}
		n = edu_append(sk, skb, msg, min_t(size_t, size - copied,
						   es->mss - skb->len));
		if (n < 0) {
			err = n;
			goto out_err;
		}
		if (!n)
			goto wait;
		copied += n;
		continue;
wait:
		edu_remove_empty_tail(sk);
		set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
		/* Waiting for room: what is queued goes (TCP_NAGLE_PUSH). */
		edu_push_mode(sk, EDU_PUSH_NOW);
		err = sk_stream_wait_memory(sk, &timeo);
		if (err)
			goto out_err;
	}
	edu_push_mode(sk, mode);
	release_sock(sk);
	return copied;

out_err:
	edu_remove_empty_tail(sk);
	edu_push_mode(sk, mode);
	if (copied)
		err = copied;
	else
		err = sk_stream_error(sk, flags, err);
	release_sock(sk);
	return err;
}

/* ---- acknowledgments ----------------------------------------------------- */

/* Take the oldest segment off the write queue and free it. */
static void edu_free_head(struct sock *sk, struct sk_buff *skb)
{
	__skb_unlink(skb, &sk->sk_write_queue);
	edu_wmem_free_skb(sk, skb);
}

/* Free what the peer acknowledged: whole segments up to snd_una. */
static void edu_clean_write_queue(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);
	struct sk_buff *skb;

	while ((skb = skb_peek(&sk->sk_write_queue)) &&
	       !after(EDU_SKB_CB(skb)->end_seq, es->snd_una))
		edu_free_head(sk, skb);
}

/*
 * The ACK field and window of a segment on a synchronized connection
 * (tcp_ack(), reduced): new data acknowledged frees the queue and times
 * the RTT; three duplicate ACKs retransmit at once (fast retransmit), and
 * while recovering each partial ACK retransmits the next hole.  Returns
 * 0, or -1 when the whole segment, payload too, must be dropped.
 */
int edu_ack_rcv(struct sock *sk, struct sk_buff *skb)
{
	const struct edu_skb_cb *cb = EDU_SKB_CB(skb);
	struct edu_sock *es = edu_sk(sk);
	u32 wnd = ntohs(tcp_hdr(skb)->window);
	u32 ack = cb->ack_seq;
	bool dup;

	/* Every window but a SYN's is scaled (tcp_ack_update_window()). */
	if (!(cb->flags & TCPHDR_SYN))
		wnd <<= es->snd_wscale;
	if (before(ack, es->snd_una)) {
		/*
		 * RFC 5961 5.2: an ACK older than the largest window the
		 * peer offered, or than all it ever acknowledged, is no late
		 * duplicate but a blind guess at our sequence numbers:
		 * challenge it and drop the segment.  A younger one is old
		 * news; its payload is taken.
		 */
		u32 acked = es->snd_una - es->iss - 1;

		if (before(ack, es->snd_una - min(es->max_window, acked))) {
			edu_send_challenge_ack(sk);
			return -1;
		}
		return 0;
	}
	if (after(ack, es->snd_nxt)) {
		/*
		 * It acknowledges what we never sent (RFC 9293 3.10.7.4):
		 * dropped, silently in ESTABLISHED (tcp_rcv_established()),
		 * with a challenge ACK in the other states
		 * (tcp_rcv_state_process()).
		 */
		if (sk->sk_state != TCP_ESTABLISHED)
			edu_send_challenge_ack(sk);
		return -1;
	}

	/* RFC 9293: take the window from the newest segment only. */
	dup = ack == es->snd_una && wnd == es->snd_wnd &&
	      cb->seq == cb->end_seq && es->snd_una != es->snd_nxt;
	if (after(cb->seq, es->snd_wl1) ||
	    (cb->seq == es->snd_wl1 && !before(ack, es->snd_wl2))) {
		es->snd_wnd = wnd;
		es->max_window = max(es->max_window, wnd);
		es->snd_wl1 = cb->seq;
		es->snd_wl2 = ack;
	}
	es->probes = 0;

	if (after(ack, es->snd_una)) {
		es->snd_una = ack;
		es->dupacks = 0;
		es->retransmits = 0;
		if (es->rtt_timing && !before(ack, es->rtt_seq)) {
			es->rtt_timing = false;
			edu_rtt_sample(sk, jiffies - es->rtt_start);
		}
		edu_clean_write_queue(sk);
		if (es->in_recovery) {
			if (before(ack, es->recover))
				edu_retransmit_head(sk);
			else
				es->in_recovery = false;
		}
		if (es->snd_una == es->snd_nxt)
			sk_stop_timer(sk, &es->rtx_timer);
		else
			edu_rtx_timer_arm(sk);
		if (es->fin_queued && es->snd_una == es->write_seq)
			edu_fin_acked(sk);
		sk->sk_write_space(sk);
	} else if (dup && ++es->dupacks == 3 && !es->in_recovery) {
		es->in_recovery = true;
		es->recover = es->snd_nxt;
		EDU_INC_STATS(sock_net(sk), EDU_MIB_FASTRETRANS);
		edu_retransmit_head(sk);
	}
	edu_push(sk);
	return 0;
}

/* Every segment of the write queue freed: the connection is gone. */
void edu_write_queue_purge(struct sock *sk)
{
	struct sk_buff *skb;

	while ((skb = skb_peek(&sk->sk_write_queue)))
		edu_free_head(sk, skb);
}
