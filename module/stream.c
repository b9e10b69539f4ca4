// SPDX-License-Identifier: GPL-2.0
/*
 * stream.c - the byte stream: segments in, in order to the receive queue
 * or held in the out-of-order queue, and recvmsg() out of it; the stream's
 * set-up and end.  The sending half, and the acknowledgments that free it,
 * are in send.c.
 *
 * Sequence numbers, as RFC 9293 names them (edu.h has the fields):
 *
 *   snd_una ... snd_nxt ... write_seq        our side: sent and not yet
 *   acknowledged, then queued and not yet sent (tx_queue, SIOCOUTQ);
 *   copied_seq ... rcv_nxt                   the peer's: received in order
 *   and not yet read (rx_queue, SIOCINQ).
 *
 * A segment that arrives out of order is acknowledged at once, so the
 * sender learns of holes by duplicate ACKs; in-order data is acknowledged
 * as ack.c decides (at once, delayed, or with our next data).
 */
#include <linux/ip.h>
#include <linux/sched/signal.h>
#include <linux/termios.h>
#include <linux/sockios.h>
#include <net/route.h>
#include "edu.h"
#include "trace.h"

/* The states in which the peer may still send us data: it sent no FIN. */
#define EDU_RCV_STATES	(TCPF_ESTABLISHED | TCPF_FIN_WAIT1 | TCPF_FIN_WAIT2)

/*
 * The largest payload that fits the route's MTU: IPv4 and our header off.
 * A window holds at most 64 KiB without the window-scale option (a cookie's
 * connection, or a peer without it) and about 100 KiB with the default
 * receive buffer, so on loopback (MTU 64 KiB) the MSS stops at 16 KiB:
 * four to six segments in flight rather than one, stop and wait.
 */
u32 edu_route_mss(struct net *net, __be32 daddr)
{
	struct rtable *rt;
	u32 mtu = 576;

	rt = ip_route_output(net, daddr, 0, 0, 0);
	if (!IS_ERR(rt)) {
		mtu = dst_mtu(&rt->dst);
		ip_rt_put(rt);
	}
	mtu = clamp_t(u32, mtu, 576, EDU_MSS_MAX + sizeof(struct iphdr) +
					  sizeof(struct tcphdr));
	return mtu - sizeof(struct iphdr) - sizeof(struct tcphdr);
}

/*
 * The MSS a SYN or SYN-ACK to @daddr advertises: what we can take in, the
 * route's MTU less the headers (tcp_dst_advmss(): the route's advmss,
 * at least TCP_MIN_MSS), lowered by TCP_MAXSEG's @user_mss
 * (tcp_mss_clamp()).  Not capped like edu_route_mss(): that cap is for
 * what we send.
 */
u16 edu_adv_mss(struct net *net, __be32 daddr, u16 user_mss)
{
	u32 mss = TCP_MSS_DEFAULT;
	struct rtable *rt;

	rt = ip_route_output(net, daddr, 0, 0, 0);
	if (!IS_ERR(rt)) {
		mss = tcp_dst_advmss(&rt->dst);
		ip_rt_put(rt);
	}
	if (user_mss && user_mss < mss)
		mss = user_mss;
	return min_t(u32, mss, U16_MAX);
}

/* A connection has just been established: set the stream up. */
void edu_stream_init(struct sock *sk, u32 mss)
{
	struct edu_sock *es = edu_sk(sk);

	es->write_seq = es->snd_nxt;
	es->copied_seq = es->rcv_nxt;
	es->rcv_wup = es->rcv_nxt;
	/*
	 * The route's @mss, cut to what the peer takes (tcp_sync_mss()):
	 * mss_clamp, its MSS option or 536 without one, lowered by
	 * TCP_MAXSEG as TCP lowers it; but never below tcp_min_snd_mss,
	 * whatever a peer asks for (CVE-2019-11479).
	 */
	es->mss = max_t(u32, min_t(u32, mss, es->mss_clamp),
			READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_min_snd_mss));
	es->max_window = es->snd_wnd;
	es->rto = EDU_TIMEOUT_INIT;
	es->srtt8 = 0;
	es->rttvar4 = 0;
	es->retransmits = 0;
	es->probes = 0;
	es->dupacks = 0;
	es->in_recovery = false;
	es->rtt_timing = false;
	es->fin_queued = false;
	es->snd_sml = es->snd_nxt;
	edu_ack_init(sk);
}

/* ---- receiving ----------------------------------------------------------- */

/*
 * Bytes received in order and not read (SIOCINQ): a FIN takes a sequence
 * number but is not a byte to read.  Lockless in poll(), hence READ_ONCE.
 */
static int edu_inq(const struct sock *sk)
{
	const struct edu_sock *es = edu_sk(sk);
	int answ = READ_ONCE(es->rcv_nxt) - READ_ONCE(es->copied_seq);

	if (answ > 0 && sock_flag(sk, SOCK_DONE))
		answ--;
	return answ;
}

/*
 * Readable for poll(): in-order bytes at least SO_RCVLOWAT of them (1 by
 * default), as tcp_stream_is_readable() decides.
 */
bool edu_stream_readable(const struct sock *sk)
{
	int avail = edu_inq(sk);

	return avail > 0 && avail >= max_t(int, READ_ONCE(sk->sk_rcvlowat), 1);
}

/* Cut @skb (payload only) to start at @seq; false if nothing is left. */
static bool edu_trim_front(struct sk_buff *skb, u32 seq)
{
	struct edu_skb_cb *cb = EDU_SKB_CB(skb);
	u32 n = seq - cb->seq;

	if (!after(seq, cb->seq))
		return true;
	if (n >= skb->len)
		return false;
	if (!pskb_pull(skb, n))
		return false;
	cb->seq = seq;
	return true;
}

/* In-order payload (and FIN) to the receive queue, past rcv_nxt. */
static void edu_queue_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct edu_sock *es = edu_sk(sk);
	struct edu_skb_cb *cb = EDU_SKB_CB(skb);
	bool fin = cb->flags & TCPHDR_FIN;

	if (skb->len) {
		skb_set_owner_r(skb, sk);
		__skb_queue_tail(&sk->sk_receive_queue, skb);
		WRITE_ONCE(es->rcv_nxt, cb->seq + skb->len);
	} else {
		kfree_skb(skb);
	}
	if (fin) {
		WRITE_ONCE(es->rcv_nxt, es->rcv_nxt + 1);
		edu_fin_rcv(sk);
	}
}

/* Segments of the out-of-order queue that now follow on: deliver them. */
static void edu_ooo_drain(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);
	struct sk_buff *skb;

	while ((skb = skb_peek(&es->ooo_queue)) &&
	       !after(EDU_SKB_CB(skb)->seq, es->rcv_nxt)) {
		__skb_unlink(skb, &es->ooo_queue);
		if (!after(EDU_SKB_CB(skb)->end_seq, es->rcv_nxt) ||
		    !edu_trim_front(skb, es->rcv_nxt)) {
			kfree_skb(skb);
			continue;
		}
		edu_queue_rcv(sk, skb);
	}
}

/* Keep a segment that arrived early, sorted by sequence, no duplicates. */
static void edu_ooo_insert(struct sock *sk, struct sk_buff *skb)
{
	struct sk_buff_head *q = &edu_sk(sk)->ooo_queue;
	const struct edu_skb_cb *cb = EDU_SKB_CB(skb);
	struct sk_buff *pos;

	EDU_INC_STATS(sock_net(sk), EDU_MIB_OFOQUEUE);
	skb_queue_walk(q, pos) {
		const struct edu_skb_cb *pcb = EDU_SKB_CB(pos);

		if (pcb->seq == cb->seq && !before(pcb->end_seq, cb->end_seq)) {
			kfree_skb(skb);		/* a duplicate */
			return;
		}
		if (after(pcb->seq, cb->seq)) {
			skb_set_owner_r(skb, sk);
			__skb_queue_before(q, pos, skb);
			return;
		}
	}
	skb_set_owner_r(skb, sk);
	__skb_queue_tail(q, skb);
}

/*
 * Memory for @skb in the receive or out-of-order queue
 * (tcp_try_rmem_schedule()): its truesize, scheduled for the socket.  If
 * EDUTCP's memory is short, what waits out of order goes first
 * (tcp_prune_ofo_queue(): the peer sends it again) and once more is
 * tried.  A FIN alone is not queued; in-order data for an empty receive
 * queue is always taken, as TCP takes it (sk_forced_mem_schedule()), or a
 * reader could wait for ever.
 */
static bool edu_rmem_schedule(struct sock *sk, struct sk_buff *skb, bool ooo)
{
	struct edu_sock *es = edu_sk(sk);

	if (!skb->len)
		return true;
	if (sk_rmem_schedule(sk, skb, skb->truesize))
		return true;
	if (!ooo && skb_queue_empty(&sk->sk_receive_queue))
		return true;
	if (skb_queue_empty(&es->ooo_queue))
		return false;
	skb_queue_purge(&es->ooo_queue);
	return sk_rmem_schedule(sk, skb, skb->truesize);
}

/*
 * The payload and FIN of an acceptable segment (its header already pulled
 * off).  Consumes @skb.  Whatever occupies sequence space is acknowledged.
 */
void edu_data_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct edu_skb_cb *cb = EDU_SKB_CB(skb);
	struct edu_sock *es = edu_sk(sk);
	bool ooo, fin, hole;
	u32 len;

	if (cb->seq == cb->end_seq) {
		kfree_skb(skb);		/* a bare ACK */
		return;
	}
	/*
	 * Queued data may wait as long as the reader likes; its route would
	 * pin the device it came in on till then (tcp_data_queue() drops it
	 * too).
	 */
	skb_dst_drop(skb);
	/* After the peer's FIN nothing new can come: only acknowledge. */
	if (!((1 << sk->sk_state) & EDU_RCV_STATES))
		goto ack_drop;
	if (!after(cb->end_seq, es->rcv_nxt)) {
		/* A duplicate: our ACK was lost, or is late (tcp_data_queue()). */
		edu_enter_quickack(sk);
		goto ack_drop;
	}

	/*
	 * Hard limit: twice the buffer (the window keeps us far below); and
	 * the memory EDUTCP may take.  A drop is counted as TCP counts it.
	 */
	ooo = after(cb->seq, es->rcv_nxt);
	if (atomic_read(&sk->sk_rmem_alloc) > 2 * READ_ONCE(sk->sk_rcvbuf) ||
	    !edu_rmem_schedule(sk, skb, ooo)) {
		atomic_inc(&sk->sk_drops);
		EDU_INC_STATS(sock_net(sk), ooo ? EDU_MIB_OFODROP :
						  EDU_MIB_RCVQDROP);
		goto ack_drop;
	}

	if (ooo) {
		edu_ooo_insert(sk, skb);
		edu_send_ack(sk);	/* a duplicate ACK tells of the hole */
		return;
	}
	if (!edu_trim_front(skb, es->rcv_nxt) && !(cb->flags & TCPHDR_FIN))
		goto ack_drop;
	len = skb->len;
	fin = cb->flags & TCPHDR_FIN;
	hole = !skb_queue_empty(&es->ooo_queue);
	edu_queue_rcv(sk, skb);
	edu_ooo_drain(sk);
	edu_ack_data_rcv(sk, len);
	/*
	 * At once if it filled a hole (RFC 5681 4.2), or was a FIN that
	 * ended our FIN_WAIT (tcp_fin()); else as ack.c decides.
	 */
	edu_ack_snd_check(sk, hole || (fin && sk->sk_state != TCP_CLOSE_WAIT));
	if (!sock_flag(sk, SOCK_DEAD))
		sk->sk_data_ready(sk);
	return;

ack_drop:
	edu_send_ack(sk);
	kfree_skb(skb);
}

/*
 * After a read of @copied bytes (tcp_cleanup_rbuf()): the ACK owed may go
 * now (ack.c).  Else, if the window we could offer now is at least twice
 * what the peer last heard of, tell it, or a sender stopped by a small
 * window would wait for its next probe.
 */
static void edu_window_update(struct sock *sk, int copied)
{
	struct edu_sock *es = edu_sk(sk);
	s32 offered = es->rcv_wnd - (es->rcv_nxt - es->rcv_wup);
	u32 now;

	if (edu_ack_after_read(sk, copied))
		return;
	now = edu_rcv_window(sk);
	if (!((1 << sk->sk_state) & EDU_RCV_STATES))
		return;
	offered = max(offered, 0);
	/* tcp_cleanup_rbuf(): only while the window can still double */
	if (2 * (u32)offered <= (U16_MAX << es->rcv_wscale) && now &&
	    now >= 2 * (u32)offered)
		edu_send_ack(sk);
}

int edu_recvmsg(struct socket *sock, struct msghdr *msg, size_t len,
		int flags)
{
	struct sock *sk = sock->sk;
	struct edu_sock *es = edu_sk(sk);
	struct sk_buff *skb, *last;
	u32 peek_seq, *seq;
	int copied = 0;
	long timeo;
	int target;
	int err;

	/* As TCP answers with an empty error queue (inet_recv_error()). */
	if (flags & MSG_ERRQUEUE)
		return -EAGAIN;

	lock_sock(sk);
	err = -ENOTCONN;
	if (sk->sk_state == TCP_LISTEN)
		goto out;
	/*
	 * And with no urgent data (tcp_recv_urg()), after the listener check
	 * as in tcp_recvmsg_locked(): a listener says ENOTCONN.
	 */
	err = -EINVAL;
	if (flags & MSG_OOB)
		goto out;
	timeo = sock_rcvtimeo(sk, flags & MSG_DONTWAIT);
	target = sock_rcvlowat(sk, flags & MSG_WAITALL, len);
	seq = &es->copied_seq;
	if (flags & MSG_PEEK) {
		peek_seq = es->copied_seq;
		seq = &peek_seq;
	}

	do {
		u32 offset;
		size_t used;

		/* The segment holding *seq, if it is here. */
		last = skb_peek_tail(&sk->sk_receive_queue);
		skb_queue_walk(&sk->sk_receive_queue, skb) {
			offset = *seq - EDU_SKB_CB(skb)->seq;
			if (offset < skb->len)
				goto found;
		}

		if (copied >= target && !READ_ONCE(sk->sk_backlog.tail))
			break;
		if (copied) {
			if (sk->sk_err || sk->sk_state == TCP_CLOSE ||
			    (sk->sk_shutdown & RCV_SHUTDOWN) || !timeo ||
			    signal_pending(current))
				break;
		} else {
			if (sock_flag(sk, SOCK_DONE))
				break;
			if (sk->sk_err) {
				copied = sock_error(sk);
				break;
			}
			if (sk->sk_shutdown & RCV_SHUTDOWN)
				break;
			if (sk->sk_state == TCP_CLOSE) {
				/* Never connected, or reset and reported. */
				copied = -ENOTCONN;
				break;
			}
			if (!timeo) {
				copied = -EAGAIN;
				break;
			}
			if (signal_pending(current)) {
				copied = sock_intr_errno(timeo);
				break;
			}
		}
		edu_window_update(sk, copied);
		if (copied >= target) {
			/* Segments from the backlog first, then go on. */
			release_sock(sk);
			lock_sock(sk);
		} else {
			sk_wait_data(sk, &timeo, last);
		}
		continue;

found:
		used = min_t(size_t, skb->len - offset, len - copied);
		err = skb_copy_datagram_msg(skb, offset, msg, used);
		if (err) {
			if (!copied)
				copied = -EFAULT;
			break;
		}
		*seq += used;
		copied += used;
		if (!(flags & MSG_PEEK) && offset + used == skb->len) {
			__skb_unlink(skb, &sk->sk_receive_queue);
			kfree_skb(skb);
		}
	} while (copied < len);

	if (!(flags & MSG_PEEK))
		edu_window_update(sk, copied);
	err = copied;
out:
	release_sock(sk);
	return err;
}

int edu_ioctl(struct socket *sock, unsigned int cmd, unsigned long arg)
{
	struct sock *sk = sock->sk;
	struct edu_sock *es = edu_sk(sk);
	int answ = 0;

	if (cmd != SIOCINQ && cmd != SIOCOUTQ && cmd != SIOCOUTQNSD)
		return -ENOIOCTLCMD;
	/* tcp_ioctl()'s answers: EINVAL for a listener, 0 before the end of
	 * the handshake.
	 */
	if (sk->sk_state == TCP_LISTEN)
		return -EINVAL;
	lock_sock(sk);
	if (!((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV))) {
		if (cmd == SIOCINQ)
			answ = edu_inq(sk);
		else if (cmd == SIOCOUTQ)
			answ = edu_sndq(es);
		else
			answ = es->write_seq - es->snd_nxt;
	}
	release_sock(sk);
	return put_user(answ, (int __user *)arg);
}

/* Every queue of the stream emptied: the connection is gone. */
void edu_purge_queues(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);

	edu_write_queue_purge(sk);
	skb_queue_purge(&sk->sk_receive_queue);
	skb_queue_purge(&es->ooo_queue);
}

void edu_stream_sock_init(struct sock *sk)
{
	skb_queue_head_init(&edu_sk(sk)->ooo_queue);
	sk->sk_write_space = edu_write_space;
}
