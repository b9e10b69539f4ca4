// SPDX-License-Identifier: GPL-2.0
/*
 * ack.c - when the receiver acknowledges: at once, a little later, or on
 * the back of data going the other way (RFC 1122 4.2.3.2, RFC 9293 3.8.6.3).
 *
 * An ACK costs a packet.  A receiver that answers every segment at once
 * sends as many ACKs as it gets segments; one that waits a little can
 * often put the ACK into its reply (a request answered within the delay
 * takes two packets, not four) or cover two segments with one ACK.  Linux
 * TCP's rules, which EDUTCP follows (tcp_input.c, __tcp_ack_snd_check()):
 *
 *   at once      more than one full segment is unacknowledged and the
 *                window can still move on; a segment came out of order,
 *                or was a duplicate, or filled a hole; in "quick ACK"
 *                mode: the first segments of a connection, so that the
 *                sender's first round trips are not slowed;
 *   delayed      otherwise: the delayed-ACK timer (@delack_timer) sends
 *                the ACK after EDU_ATO (40 ms, TCP_ATO_MIN), unless a
 *                segment we send first carries it (edu_ack_sent());
 *   after read   a read that empties the receive queue of a small pushed
 *                segment sends the ACK it owes (tcp_cleanup_rbuf()).
 *
 * "Ping-pong" mode marks an interactive connection: data sent within
 * EDU_ATO of data received (a reply).  Then no quick ACKs: the next
 * reply is expected to carry the ACK.  TCP_QUICKACK leaves that mode (1)
 * or enters it (0); the ACK timer firing leaves it, since the reply did
 * not come in time (tcp_delack_timer_handler()).
 *
 * Linux also adapts its delay to the gaps between arriving segments
 * (icsk_ack.ato, between 40 and 200 ms); EDUTCP keeps it at 40 ms.
 *
 * Locking: everything here runs with the socket lock held (owned, or
 * bh-locked in softirq), the timer included.
 */
#include "edu.h"

#define EDU_ATO		TCP_ATO_MIN		/* the delay: 40 ms */
#define EDU_MAX_QUICKACKS	TCP_MAX_QUICKACKS	/* 16 */

/* The connection's receive side starts over (edu_stream_init()). */
void edu_ack_init(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);

	es->ack_pending = false;
	es->ack_pushed = false;
	es->ack_started = false;
	es->ack_quick = 0;
	es->rcv_mss = min_t(u32, es->mss, TCP_MSS_DEFAULT);
}

/*
 * The connection is over, or waits out TIME_WAIT: nothing is owed any
 * more, no timer is needed (edu_set_state()).  The FIN that ends
 * FIN_WAIT2 is acknowledged after this, at once.
 */
void edu_ack_stop(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);

	es->ack_pending = false;
	sk_stop_timer(sk, &es->delack_timer);
}

/*
 * The states in which an ACK that is owed may still go out: every state
 * after the handshake, TIME_WAIT too, for the FIN that brought us there
 * (edu_data_rcv()).
 */
static bool edu_ack_state_ok(const struct sock *sk)
{
	return (1 << sk->sk_state) & EDU_SYNCED_STATES;
}

static bool edu_in_quickack_mode(const struct edu_sock *es)
{
	return es->ack_quick && !es->pingpong;
}

/*
 * ACK every segment for a while (tcp_incr_quickack()): one quick ACK for
 * every two segments the window holds, no more than 16.
 */
static void edu_incr_quickack(struct edu_sock *es)
{
	u32 quick = es->rcv_wnd / (2 * max_t(u32, es->rcv_mss, 1));

	quick = clamp_t(u32, quick, 2, EDU_MAX_QUICKACKS);
	if (quick > es->ack_quick)
		es->ack_quick = quick;
}

/*
 * Something is wrong (a duplicate, a segment outside the window): ACK at
 * once for a while, and stop assuming an interactive peer
 * (tcp_enter_quickack_mode()).
 */
void edu_enter_quickack(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);

	edu_incr_quickack(es);
	es->pingpong = false;
}

/*
 * In-order data (or a FIN) was taken: an ACK is owed (tcp_event_data_recv()).
 * @len is the payload.  The size of full segments is learnt from what
 * arrives, as tcp_measure_rcv_mss() does: a segment shorter than that is
 * the end of a write ("pushed"), which the reader's read may answer.  It
 * is never above the MSS we offered (tp->advmss).
 */
void edu_ack_data_rcv(struct sock *sk, u32 len)
{
	struct edu_sock *es = edu_sk(sk);
	unsigned long now = jiffies;

	es->ack_pending = true;
	if (len >= es->rcv_mss)
		es->rcv_mss = min_t(u32, len, es->adv_mss);
	else if (len)
		es->ack_pushed = true;

	if (!es->ack_started) {
		/* The first data of the connection: quick ACKs to start with. */
		es->ack_started = true;
		edu_incr_quickack(es);
	} else if (time_after(now, es->ack_lrcv + es->rto)) {
		/* A long silence: the sender starts over; help it along. */
		edu_incr_quickack(es);
	}
	es->ack_lrcv = now;
}

/* We sent new data: a reply within EDU_ATO makes the connection ping-pong. */
void edu_ack_data_sent(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);

	if (es->ack_started && time_before(jiffies, es->ack_lrcv + EDU_ATO))
		es->pingpong = true;
}

/*
 * A segment carrying our ACK went out (tcp_event_ack_sent()): nothing is
 * owed any more, and one quick ACK is used up.
 */
void edu_ack_sent(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);

	if (!es->ack_pending)
		return;
	if (es->ack_quick)
		es->ack_quick--;
	es->ack_pending = false;
	es->ack_pushed = false;
	sk_stop_timer(sk, &es->delack_timer);
}

/* Owe the ACK for EDU_ATO at most (tcp_send_delayed_ack()). */
static void edu_send_delayed_ack(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);

	/* A timer already running keeps its time: the oldest byte decides. */
	if (!timer_pending(&es->delack_timer))
		sk_reset_timer(sk, &es->delack_timer, jiffies + EDU_ATO);
}

/*
 * After in-order data: ACK now or later (__tcp_ack_snd_check()).  @now
 * asks for an ACK at once: a hole was filled, or a FIN must be answered.
 */
void edu_ack_snd_check(struct sock *sk, bool now)
{
	struct edu_sock *es = edu_sk(sk);

	if (!es->ack_pending || !edu_ack_state_ok(sk))
		return;
	if (now || edu_in_quickack_mode(es) ||
	    !skb_queue_empty(&es->ooo_queue) ||
	    (es->rcv_nxt - es->rcv_wup > es->rcv_mss &&
	     (es->rcv_nxt - es->copied_seq < READ_ONCE(sk->sk_rcvlowat) ||
	      edu_rcv_window(sk) >= es->rcv_wnd))) {
		edu_send_ack(sk);
		return;
	}
	edu_send_delayed_ack(sk);
}

/*
 * After a read (tcp_cleanup_rbuf()): the ACK still owed goes now if more
 * than a full segment waits for it, or if the read emptied the queue of
 * a pushed segment on a connection that is not ping-pong: the sender
 * may be waiting for it, and no reply is coming to carry it.
 */
bool edu_ack_after_read(struct sock *sk, int copied)
{
	struct edu_sock *es = edu_sk(sk);

	if (!es->ack_pending || !edu_ack_state_ok(sk))
		return false;
	if (es->rcv_nxt - es->rcv_wup > es->rcv_mss ||
	    (copied > 0 && es->ack_pushed && !es->pingpong &&
	     !atomic_read(&sk->sk_rmem_alloc))) {
		edu_send_ack(sk);
		return true;
	}
	return false;
}

/* TCP_QUICKACK (__tcp_sock_set_quickack()). */
void edu_set_quickack(struct sock *sk, int val)
{
	struct edu_sock *es = edu_sk(sk);

	if (!val) {
		es->pingpong = true;
		return;
	}
	es->pingpong = false;
	if (es->ack_pending && edu_ack_state_ok(sk))
		edu_send_ack(sk);
}

/* The delay ran out: send the ACK owed.  Socket bh-locked, not owned. */
static void edu_delack_fire(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);

	if (!es->ack_pending || !edu_ack_state_ok(sk))
		return;
	/* The reply did not come in time: not so interactive after all. */
	es->pingpong = false;
	edu_send_ack(sk);
	EDU_INC_STATS(sock_net(sk), EDU_MIB_DELAYEDACKS);
}

/*
 * Softirq.  If a process owns the socket, the ACK goes when it releases
 * it (edu_release_cb(), as TCP_DELACK_TIMER_DEFERRED).
 */
void edu_delack_timer(struct timer_list *t)
{
	struct edu_sock *es = from_timer(es, t, delack_timer);
	struct sock *sk = &es->sk;

	bh_lock_sock(sk);
	if (sock_owned_by_user(sk))
		es->delack_deferred = true;
	else
		edu_delack_fire(sk);
	bh_unlock_sock(sk);
	sock_put(sk);
}

/* From edu_release_cb(): a timer that fired while the socket was owned. */
void edu_delack_deferred(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);

	if (es->delack_deferred) {
		es->delack_deferred = false;
		edu_delack_fire(sk);
	}
}
