// SPDX-License-Identifier: GPL-2.0
/*
 * sockopt.c - EDUTCP's socket options: TCP's, at TCP's level, and the
 * keepalive timer they steer.
 *
 * On an AF_EDU socket, level SOL_EDUTCP and level IPPROTO_TCP (SOL_TCP)
 * take TCP's option names with TCP's meanings, checks and errno, so a TCP
 * program needs only its family changed.  Two numbers differ by level:
 * at SOL_EDUTCP, 11 is EDU_INFO (struct edu_info) and 15 is EDU_REUSEPORT
 * (SO_REUSEPORT, which the 6.1 socket core refuses for every family but
 * inet: sock_setsockopt(), sk_is_inet()); at IPPROTO_TCP, 11 is TCP_INFO
 * (struct tcp_info, what ss(8) reads) and 15 is no option, as on TCP.
 *
 * Keepalive (tcp_keepalive_timer()): with SO_KEEPALIVE, a connection idle
 * for TCP_KEEPIDLE seconds sends a probe, an ACK for a byte the peer has
 * already acknowledged, which a live peer must answer; after TCP_KEEPCNT
 * unanswered probes, TCP_KEEPINTVL apart, the connection fails with
 * ETIMEDOUT.  The defaults are the namespace's net.ipv4.tcp_keepalive_*
 * sysctls, as for TCP.  TCP_USER_TIMEOUT bounds in milliseconds how long
 * data may stay unacknowledged (timer.c) and replaces TCP_KEEPCNT.
 *
 * TCP_NODELAY turns Nagle's rule off, TCP_CORK holds short segments until
 * they fill (send.c, edu_push_mode()); TCP_QUICKACK leaves or enters
 * ping-pong mode (ack.c).
 */
#include <linux/tcp.h>
#include <net/tcp.h>
#include "edu.h"

/* TCP_DEFER_ACCEPT is kept as SYN-ACK retransmissions (secs_to_retrans()). */
static u8 edu_secs_to_retrans(int secs)
{
	int timeout = EDU_TIMEOUT_INIT / HZ, total;
	u8 n = 0;

	if (secs <= 0)
		return 0;
	for (n = 1, total = timeout; secs > total && n < 255; n++) {
		timeout = min(timeout * 2, EDU_RTO_MAX / HZ);
		total += timeout;
	}
	return n;
}

/* ...and read back as the seconds those retransmissions span. */
static int edu_retrans_to_secs(u8 n)
{
	int timeout = EDU_TIMEOUT_INIT / HZ, total = 0;

	while (n--) {
		total += timeout;
		timeout = min(timeout * 2, EDU_RTO_MAX / HZ);
	}
	return total;
}

static u32 edu_keepidle(const struct sock *sk)
{
	return edu_sk(sk)->keepidle ? :
	       READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_keepalive_time);
}

static u32 edu_keepintvl(const struct sock *sk)
{
	return edu_sk(sk)->keepintvl ? :
	       READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_keepalive_intvl);
}

static int edu_keepcnt(const struct sock *sk)
{
	return edu_sk(sk)->keepcnt ? :
	       READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_keepalive_probes);
}

/* ---- keepalive ------------------------------------------------------------ */

void edu_keepalive_arm(struct sock *sk, unsigned long delay)
{
	sk_reset_timer(sk, &edu_sk(sk)->ka_timer, jiffies + delay);
}

/* A connection just got established: keepalive starts counting. */
void edu_keepalive_start(struct sock *sk)
{
	edu_sk(sk)->rcv_tstamp = jiffies;
	if (sock_flag(sk, SOCK_KEEPOPEN))
		edu_keepalive_arm(sk, edu_keepidle(sk));
}

/*
 * SO_KEEPALIVE changed (struct proto's keepalive hook, called by
 * sock_setsockopt() with the socket locked), as tcp_set_keepalive().
 */
void edu_set_keepalive(struct sock *sk, int on)
{
	if ((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN))
		return;
	if (on && !sock_flag(sk, SOCK_KEEPOPEN))
		edu_keepalive_arm(sk, edu_keepidle(sk));
	else if (!on)
		sk_stop_timer(sk, &edu_sk(sk)->ka_timer);
}

/* Softirq; the socket lock as the other timers take it (timer.c). */
void edu_keepalive_timer(struct timer_list *t)
{
	struct edu_sock *es = from_timer(es, t, ka_timer);
	struct sock *sk = &es->sk;
	unsigned long idle, next;

	bh_lock_sock(sk);
	if (sock_owned_by_user(sk)) {
		edu_keepalive_arm(sk, HZ / 20);
		goto out;
	}
	if (!sock_flag(sk, SOCK_KEEPOPEN) ||
	    ((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_SYN_SENT | TCPF_LISTEN |
				    TCPF_TIME_WAIT)))
		goto out;

	/* Data in flight or waiting has its own timer: no probe needed. */
	next = edu_keepidle(sk);
	if (es->snd_una != es->snd_nxt ||
	    !skb_queue_empty(&sk->sk_write_queue))
		goto again;

	idle = jiffies - es->rcv_tstamp;
	if (idle < next) {
		next -= idle;
		goto again;
	}
	if ((es->user_timeout && es->ka_probes &&
	     idle >= msecs_to_jiffies(es->user_timeout)) ||
	    (!es->user_timeout && es->ka_probes >= edu_keepcnt(sk))) {
		edu_send_active_reset(sk);
		EDU_INC_STATS(sock_net(sk), EDU_MIB_ABORTONTIMEOUT);
		WRITE_ONCE(sk->sk_err, ETIMEDOUT);
		sk_error_report(sk);
		edu_done(sk);
		goto out;
	}
	edu_send_probe(sk);
	es->ka_probes++;
	next = edu_keepintvl(sk);
again:
	edu_keepalive_arm(sk, next);
out:
	bh_unlock_sock(sk);
	sock_put(sk);
}

/* ---- setsockopt ----------------------------------------------------------- */

/* TCP's options (do_tcp_setsockopt()), for SOL_TCP and SOL_EDUTCP alike. */
static int edu_set_tcp_option(struct sock *sk, int optname, int val)
{
	struct edu_sock *es = edu_sk(sk);
	unsigned long idle;

	switch (optname) {
	case TCP_NODELAY:
		es->nodelay = !!val;
		/* What Nagle held goes now (tcp_push_pending_frames()). */
		if (val)
			edu_push(sk);
		return 0;
	case TCP_CORK:
		es->cork = !!val;
		if (!val)
			edu_push(sk);
		return 0;
	case TCP_MAXSEG:
		if (val && (val < TCP_MIN_MSS || val > MAX_TCP_WINDOW))
			return -EINVAL;
		es->user_mss = val;
		return 0;
	case TCP_KEEPIDLE:
		if (val < 1 || val > MAX_TCP_KEEPIDLE)
			return -EINVAL;
		es->keepidle = val * HZ;
		/* The timer follows at once (tcp_sock_set_keepidle_locked()). */
		if (sock_flag(sk, SOCK_KEEPOPEN) &&
		    !((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN))) {
			idle = jiffies - es->rcv_tstamp;
			edu_keepalive_arm(sk, es->keepidle > idle ?
					  es->keepidle - idle : 0);
		}
		return 0;
	case TCP_KEEPINTVL:
		if (val < 1 || val > MAX_TCP_KEEPINTVL)
			return -EINVAL;
		es->keepintvl = val * HZ;
		return 0;
	case TCP_KEEPCNT:
		if (val < 1 || val > MAX_TCP_KEEPCNT)
			return -EINVAL;
		es->keepcnt = val;
		return 0;
	case TCP_USER_TIMEOUT:
		if (val < 0)
			return -EINVAL;
		es->user_timeout = val;
		return 0;
	case TCP_DEFER_ACCEPT:
		es->defer_accept = edu_secs_to_retrans(val);
		return 0;
	case TCP_QUICKACK:
		edu_set_quickack(sk, val);
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

int edu_setsockopt(struct socket *sock, int level, int optname,
		   sockptr_t optval, unsigned int optlen)
{
	struct sock *sk = sock->sk;
	int val, err;

	if (level != SOL_EDUTCP && level != SOL_TCP)
		return -ENOPROTOOPT;
	if (optlen < sizeof(int))
		return -EINVAL;
	if (copy_from_sockptr(&val, optval, sizeof(val)))
		return -EFAULT;

	lock_sock(sk);
	if (level == SOL_EDUTCP && optname == EDU_REUSEPORT) {
		sk->sk_reuseport = !!val;
		err = 0;
	} else if (level == SOL_EDUTCP && optname == EDU_INFO) {
		err = -ENOPROTOOPT;
	} else {
		err = edu_set_tcp_option(sk, optname, val);
	}
	release_sock(sk);
	return err;
}

/* ---- getsockopt ----------------------------------------------------------- */

/* EDU_INFO: what /proc/net/edutcp shows of one socket, and more. */
static void edu_get_info(struct sock *sk, struct edu_info *info)
{
	struct edu_sock *es = edu_sk(sk);

	memset(info, 0, sizeof(*info));
	lock_sock(sk);
	info->edui_version = EDU_INFO_VERSION;
	info->edui_state = sk->sk_state;
	info->edui_retransmits = es->retransmits;
	info->edui_rto_ms = jiffies_to_msecs(es->rto);
	if (sk->sk_state == TCP_LISTEN) {
		int model = edu_backlog_model(sk);

		info->edui_synq_len = es->q.syn_len;
		info->edui_synq_max = edu_queue_max(sk, model);
		info->edui_acceptq_len = sk->sk_ack_backlog;
		info->edui_acceptq_max = info->edui_synq_max;
		info->edui_drops = atomic_read(&sk->sk_drops);
		info->edui_backlog_model = model;
		info->edui_queued_max = edu_queued_max(sk, model);
	} else {
		info->edui_sndq_bytes = edu_sndq(es);
		info->edui_rcvq_bytes = es->rcv_nxt - es->copied_seq;
		info->edui_snd_wnd = es->snd_wnd;
		info->edui_rcv_wnd = edu_rcv_window(sk);
	}
	release_sock(sk);
}

/*
 * TCP_INFO as tcp_get_info() fills it, from what EDUTCP keeps: for a
 * listener, tcpi_unacked is the accept queue and tcpi_sacked the backlog
 * (what `ss -lnt` prints as Recv-Q and Send-Q).  Of the options only the
 * window scale is ever negotiated; there is no congestion window, and no
 * SACK.
 */
static void edu_get_tcp_info(struct sock *sk, struct tcp_info *info)
{
	struct edu_sock *es = edu_sk(sk);

	memset(info, 0, sizeof(*info));
	lock_sock(sk);
	info->tcpi_state = sk->sk_state;
	if (sk->sk_state == TCP_LISTEN) {
		info->tcpi_unacked = sk->sk_ack_backlog;
		info->tcpi_sacked = sk->sk_max_ack_backlog;
		release_sock(sk);
		return;
	}
	info->tcpi_retransmits = es->retransmits;
	info->tcpi_probes = es->probes;
	if (es->wscale_ok && sk->sk_state != TCP_SYN_SENT) {
		info->tcpi_options |= TCPI_OPT_WSCALE;
		info->tcpi_snd_wscale = es->snd_wscale;
		info->tcpi_rcv_wscale = es->rcv_wscale;
	}
	info->tcpi_rto = jiffies_to_usecs(es->rto);
	info->tcpi_snd_mss = es->mss;
	info->tcpi_rcv_mss = es->rcv_mss;
	info->tcpi_advmss = es->adv_mss;
	info->tcpi_pmtu = es->mss + sizeof(struct iphdr) + sizeof(struct tcphdr);
	info->tcpi_rtt = jiffies_to_usecs(es->srtt8 >> 3);
	info->tcpi_rttvar = jiffies_to_usecs(es->rttvar4 >> 2);
	info->tcpi_snd_ssthresh = TCP_INFINITE_SSTHRESH;
	info->tcpi_rcv_ssthresh = es->rcv_wnd;
	info->tcpi_snd_wnd = es->snd_wnd;
	info->tcpi_notsent_bytes = es->write_seq - es->snd_nxt;
	info->tcpi_last_data_recv = jiffies_to_msecs(jiffies - es->rcv_tstamp);
	release_sock(sk);
}

/* TCP's options read back (do_tcp_getsockopt()); -ENOPROTOOPT if unknown. */
static int edu_get_tcp_option(struct sock *sk, int optname, int *val)
{
	struct edu_sock *es = edu_sk(sk);

	switch (optname) {
	case TCP_NODELAY:
		*val = es->nodelay;
		return 0;
	case TCP_CORK:
		*val = es->cork;
		return 0;
	case TCP_MAXSEG:
		/* Before the connection: what was asked, else TCP's default. */
		if ((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN))
			*val = es->user_mss ? : TCP_MSS_DEFAULT;
		else
			*val = es->mss;
		return 0;
	case TCP_KEEPIDLE:
		*val = edu_keepidle(sk) / HZ;
		return 0;
	case TCP_KEEPINTVL:
		*val = edu_keepintvl(sk) / HZ;
		return 0;
	case TCP_KEEPCNT:
		*val = edu_keepcnt(sk);
		return 0;
	case TCP_USER_TIMEOUT:
		*val = es->user_timeout;
		return 0;
	case TCP_DEFER_ACCEPT:
		*val = edu_retrans_to_secs(es->defer_accept);
		return 0;
	case TCP_QUICKACK:
		*val = !es->pingpong;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

int edu_getsockopt(struct socket *sock, int level, int optname,
		   char __user *optval, int __user *optlen)
{
	struct sock *sk = sock->sk;
	struct tcp_info tinfo;
	struct edu_info info;
	int len, val, err;
	void *blob = NULL;

	if (level != SOL_EDUTCP && level != SOL_TCP)
		return -ENOPROTOOPT;
	if (get_user(len, optlen))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;

	if (level == SOL_EDUTCP && optname == EDU_INFO) {
		edu_get_info(sk, &info);
		blob = &info;
		len = min_t(unsigned int, len, sizeof(info));
	} else if (level == SOL_TCP && optname == TCP_INFO) {
		edu_get_tcp_info(sk, &tinfo);
		blob = &tinfo;
		len = min_t(unsigned int, len, sizeof(tinfo));
	} else if (level == SOL_EDUTCP && optname == EDU_REUSEPORT) {
		val = sk->sk_reuseport;
	} else {
		lock_sock(sk);
		err = edu_get_tcp_option(sk, optname, &val);
		release_sock(sk);
		if (err)
			return err;
	}
	if (!blob) {
		/* As TCP: a short buffer gets the low bytes' worth. */
		len = min_t(unsigned int, len, sizeof(int));
		blob = &val;
	}
	/* As TCP_INFO: the prefix that fits, and its length. */
	if (put_user(len, optlen) || copy_to_user(optval, blob, len))
		return -EFAULT;
	return 0;
}
