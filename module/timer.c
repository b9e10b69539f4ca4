// SPDX-License-Identifier: GPL-2.0
/*
 * timer.c - the retransmission timer of a connection, and its RTO.
 *
 * One timer per socket (rtx_timer) does three jobs, by state:
 *
 *   SYN_SENT         the SYN goes again (connect.c, edu_connect_timeout());
 *   data in flight   the oldest unacknowledged segment goes again, the RTO
 *                    doubles, and after retries2 tries (orphan_retries
 *                    for an orphan) the connection fails with ETIMEDOUT;
 *   window closed    nothing in flight, data waiting: a zero-window probe,
 *                    with the same backoff, so a lost window update cannot
 *                    deadlock the connection;
 *   corked           nothing in flight, a short segment held by TCP_CORK
 *                    or MSG_MORE: it is sent, one RTO after it was held.
 *
 * An orphan (closed by its process) is not kept forever: its timer ends it
 * when its namespace holds too many orphans, and a zero-window orphan
 * whose peer answers every probe dies once the backoff has taken the RTO
 * to EDU_RTO_MAX, as tcp_probe_timer() does it.
 *
 * The RTO follows RFC 6298 with Linux's bounds: no less than rto_min_ms
 * (200 ms), no more than 120 s, 1 s before the first measurement.
 */
#include "edu.h"
#include "trace.h"

unsigned long edu_rto_min(const struct sock *sk)
{
	int ms = READ_ONCE(edu_pernet(sock_net(sk))->sysctl_rto_min_ms);

	return max_t(unsigned long, msecs_to_jiffies(ms), 1);
}

void edu_rtx_timer_arm(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);

	sk_reset_timer(sk, &es->rtx_timer, jiffies + es->rto);
}

/* Nothing answered in time: the next timeout is twice as long (Karn). */
void edu_rtx_timer_backoff(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);

	es->rto = min(es->rto << 1, (unsigned long)EDU_RTO_MAX);
	if (es->backoff < U8_MAX)
		es->backoff++;
	edu_rtx_timer_arm(sk);
}

/* A round-trip time measured, in jiffies: update SRTT, RTTVAR and RTO. */
void edu_rtt_sample(struct sock *sk, unsigned long rtt)
{
	struct edu_sock *es = edu_sk(sk);
	long delta;

	if (!es->srtt8) {
		es->srtt8 = rtt << 3;
		es->rttvar4 = rtt << 1;			/* RTTVAR = R / 2 */
	} else {
		delta = (long)rtt - (es->srtt8 >> 3);
		es->srtt8 += delta;			/* SRTT += (R - SRTT) / 8 */
		es->rttvar4 += abs(delta) - (es->rttvar4 >> 2);
	}
	/* RTO = SRTT + 4 * RTTVAR, within Linux's bounds */
	es->rto = clamp_t(unsigned long, (es->srtt8 >> 3) + es->rttvar4,
			  edu_rto_min(sk), EDU_RTO_MAX);
	/* RFC 6298: only a valid measurement resets the backoff. */
	es->backoff = 0;
}

static int edu_retries2(const struct sock *sk)
{
	return READ_ONCE(edu_pernet(sock_net(sk))->sysctl_retries2);
}

/*
 * The retries an orphan gets (tcp_orphan_retries()): orphan_retries, or
 * when that is 0 and the RTO is still short of EDU_RTO_MAX (@alive),
 * EDU_ORPHAN_RETRIES, more than 100 s at a 200 ms RTO.  (Linux gives up
 * at once after an ICMP error too; EDUTCP keeps no soft errors.)
 */
static int edu_orphan_retries(const struct sock *sk, bool alive)
{
	int retries = READ_ONCE(edu_pernet(sock_net(sk))->sysctl_orphan_retries);

	if (!retries && alive)
		retries = EDU_ORPHAN_RETRIES;
	return retries;
}

/*
 * Has unacknowledged data waited long enough to give up?  With
 * TCP_USER_TIMEOUT, when it has waited that long; else after retries2
 * retransmissions (tcp_write_timeout(), retransmits_timed_out()).
 */
static bool edu_write_timed_out(const struct sock *sk, int retries)
{
	const struct edu_sock *es = edu_sk(sk);

	if (es->user_timeout)
		return time_after_eq(jiffies, es->retrans_stamp +
				     msecs_to_jiffies(es->user_timeout));
	return es->retransmits >= retries;
}

/* Fire no later than TCP_USER_TIMEOUT says (tcp_clamp_rto_to_user_timeout()). */
static void edu_clamp_to_user_timeout(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);
	unsigned long end;

	if (!es->user_timeout)
		return;
	end = es->retrans_stamp + msecs_to_jiffies(es->user_timeout);
	if (time_before(end, es->rtx_timer.expires))
		sk_reset_timer(sk, &es->rtx_timer,
			       time_after(end, jiffies) ? end : jiffies + 1);
}

/* An orphan's RTO has not yet reached its ceiling. */
static bool edu_orphan_alive(const struct sock *sk)
{
	return edu_sk(sk)->rto < EDU_RTO_MAX;
}

/*
 * An orphan's timer when its namespace holds too many orphans (the count
 * doubled @shift times for one that has lost its chances): it ends with
 * an RST (tcp_out_of_resources()).  Linux also doubles the count for a
 * peer silent for 2 x TCP_RTO_MAX, and skips the RST after a minute
 * without sending; EDUTCP does not keep the time of the last send.
 */
static bool edu_out_of_resources(struct sock *sk, int shift)
{
	if (!edu_too_many_orphans(sk, shift))
		return false;
	EDU_INC_STATS(sock_net(sk), EDU_MIB_ABORTONMEMORY);
	edu_send_active_reset(sk);
	edu_done(sk);
	return true;
}

static void edu_timeout(struct sock *sk)
{
	EDU_INC_STATS(sock_net(sk), EDU_MIB_ABORTONTIMEOUT);
	WRITE_ONCE(sk->sk_err, ETIMEDOUT);
	sk_error_report(sk);
	edu_done(sk);
}

/* Data or FIN unacknowledged for an RTO. */
static void edu_retransmit_timeout(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);
	int retries = edu_retries2(sk);

	/* Linux counts every expiry, the last one too (TCPTimeouts). */
	EDU_INC_STATS(sock_net(sk), EDU_MIB_TIMEOUTS);
	/* The head has waited since it was sent, an RTO ago. */
	if (!es->retransmits)
		es->retrans_stamp = jiffies - es->rto;
	if (sock_flag(sk, SOCK_DEAD)) {
		/* tcp_write_timeout() for an orphan */
		bool alive = edu_orphan_alive(sk);

		retries = edu_orphan_retries(sk, alive);
		if (edu_out_of_resources(sk, !alive &&
					 es->retransmits >= retries))
			return;
	}
	if (edu_write_timed_out(sk, retries)) {
		edu_timeout(sk);
		return;
	}
	es->retransmits++;
	/* What was in flight is presumed lost: recover from the oldest. */
	es->in_recovery = true;
	es->recover = es->snd_nxt;
	es->dupacks = 0;
	edu_retransmit_head(sk);
	edu_rtx_timer_backoff(sk);
	edu_clamp_to_user_timeout(sk);
}

/*
 * Nothing in flight, data waiting for a window: probe for one
 * (tcp_probe_timer()).  Every ACK resets @probes, so that a sender waits
 * as long as the peer answers (RFC 1122, 4.2.2.17); an orphan is held to
 * its backoff instead, which answered probes do not reset: once the RTO
 * has reached EDU_RTO_MAX, orphan_retries backoffs are enough.
 */
static void edu_probe_timeout(struct sock *sk)
{
	struct edu_sock *es = edu_sk(sk);
	int max_probes = edu_retries2(sk);

	u32 nxt = es->snd_nxt;

	if (skb_queue_empty(&sk->sk_write_queue))
		return;
	/*
	 * The window is open and TCP_CORK or MSG_MORE held a short segment
	 * back: its time is up, it goes (tcp_write_wakeup()).
	 */
	edu_push_mode(sk, EDU_PUSH_NOW);
	if (es->snd_nxt != nxt)
		return;
	if (sock_flag(sk, SOCK_DEAD)) {
		bool alive = edu_orphan_alive(sk);

		max_probes = edu_orphan_retries(sk, alive);
		if (!alive && es->backoff >= max_probes) {
			edu_timeout(sk);
			return;
		}
		if (edu_out_of_resources(sk, 0))
			return;
	}
	if (es->probes >= max_probes) {
		edu_timeout(sk);
		return;
	}
	es->probes++;
	EDU_INC_STATS(sock_net(sk), EDU_MIB_WINPROBE);
	edu_send_probe(sk);
	/* tcp_send_probe0(): the backoff grows up to retries2, no further. */
	if (es->backoff < edu_retries2(sk))
		edu_rtx_timer_backoff(sk);
	else
		edu_rtx_timer_arm(sk);
}

/*
 * Softirq.  The socket lock is taken as edu_rcv() takes it; if a process
 * owns the socket we come back a little later rather than wait.
 */
void edu_rtx_timer(struct timer_list *t)
{
	struct edu_sock *es = from_timer(es, t, rtx_timer);
	struct sock *sk = &es->sk;

	bh_lock_sock(sk);
	if (sock_owned_by_user(sk)) {
		sk_reset_timer(sk, &es->rtx_timer, jiffies + HZ / 20);
		goto out;
	}
	switch (sk->sk_state) {
	case TCP_SYN_SENT:
		edu_connect_timeout(sk);
		break;
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
	case TCP_FIN_WAIT1:
	case TCP_CLOSING:
	case TCP_LAST_ACK:
		if (es->snd_una != es->snd_nxt)
			edu_retransmit_timeout(sk);
		else
			edu_probe_timeout(sk);
		break;
	}
out:
	bh_unlock_sock(sk);
	sock_put(sk);
}
