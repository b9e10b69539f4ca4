// SPDX-License-Identifier: GPL-2.0
/*
 * proc.c - /proc/net/edutcp (one row per socket) and /proc/net/edutcp_stats
 * (counters in the two-line form of /proc/net/snmp), per network namespace.
 */
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include "edu.h"

/* The first twelve columns are /proc/net/tcp's (tcp4_seq_show()). */
#define EDU_PROC_HEADER \
	"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when " \
	"retrnsmt   uid  timeout inode synq synq_max acceptq acceptq_max drops"

/*
 * A read walks the reader's namespace only: its listen table (each
 * listener followed by the requests of its SYN queue), then its estab
 * table, one bucket at a time (walk.c, edu_table_seek()), as
 * tcp4_seq_start()/next()/stop() do.  A bucket stays locked, with BHs
 * off, only while its sockets are printed; when seq_file stops because the
 * reader's buffer is full, the next read() resumes at the socket where this
 * one stopped (tcp_seek_last_pos()) instead of walking from the start.
 *
 * One seq_file record is one socket: a listener's record holds its
 * requests' rows too, so they always follow it.  @num is the sl column of
 * the record's first row, @rows the rows its last show printed.
 */
struct edu_proc_iter {
	struct seq_net_private	p;		/* first: seq_file_net() */
	struct edu_table_pos	pos;
	loff_t			last_pos;
	int			num;
	int			rows;
};

#define EDU_ROW_FMT \
	"%4d: %08X:%04X %08X:%04X %02X %08X:%08X %02X:%08lX %08X %5u %8d %lu %u %u %u %u %u\n"

/* Called with the listener's bucket locked: its queue lock nests inside. */
static void edu_proc_requests(struct seq_file *seq, struct sock *sk, int *sl)
{
	struct edu_queues *q = &edu_sk(sk)->q;
	struct edu_request *req;

	spin_lock(&q->lock);
	list_for_each_entry(req, &q->syn_queue, node)
		seq_printf(seq, EDU_ROW_FMT, (*sl)++, req->laddr,
			   ntohs(req->lport), req->raddr, ntohs(req->rport),
			   TCP_SYN_RECV, 0, 0, 1,
			   jiffies_delta_to_clock_t(req->expires - jiffies),
			   req->num_timeout,
			   from_kuid_munged(seq_user_ns(seq), sk->sk_uid),
			   0, 0UL, 0, 0, 0, 0, 0);
	spin_unlock(&q->lock);
}

/* Called with the socket's bucket locked: no sleeping, no socket lock. */
static void edu_proc_row(struct seq_file *seq, struct sock *sk, int *sl)
{
	struct edu_sock *es = edu_sk(sk);
	int state = inet_sk_state_load(sk);
	u32 tx_queue = 0, rx_queue = 0, synq = 0, backlog = 0, drops = 0;
	u32 acceptq = 0;	/* the queue columns are a listener's only */
	unsigned long when = 0;
	kuid_t uid = sk->sk_uid;
	int timer = 0;

	/* Like /proc/net/tcp: listeners and connections, not bare binds. */
	if (state == TCP_CLOSE)
		return;

	if (state == TCP_LISTEN) {
		/* As in TCP, a listener's rx_queue is its accept queue. */
		rx_queue = READ_ONCE(sk->sk_ack_backlog);
		acceptq = rx_queue;
		synq = READ_ONCE(es->q.syn_len);
		/* The backlog, or the limit of the namespace's backlog_model */
		backlog = edu_queue_max(sk, edu_backlog_model(sk));
		drops = atomic_read(&sk->sk_drops);
	} else if (state == TCP_TIME_WAIT) {
		/* As TCP's TIME_WAIT rows: the timer, no owner, no queues. */
		if (timer_pending(&es->close_timer)) {
			timer = 3;
			when = jiffies_delta_to_clock_t(es->close_timer.expires -
							jiffies);
		}
		uid = GLOBAL_ROOT_UID;
	} else {
		/* TCP's queues: unacknowledged (a SYN too), unread. */
		tx_queue = edu_sndq(es);
		rx_queue = max_t(int, READ_ONCE(es->rcv_nxt) -
				 READ_ONCE(es->copied_seq), 0);
	}
	if (state != TCP_LISTEN && state != TCP_TIME_WAIT) {
		/* Linux's timer codes: 1 retransmit, 4 window probe, 2 other */
		if (timer_pending(&es->rtx_timer)) {
			timer = state != TCP_SYN_SENT &&
				READ_ONCE(es->snd_una) == READ_ONCE(es->snd_nxt) ?
				4 : 1;
			when = jiffies_delta_to_clock_t(es->rtx_timer.expires -
							jiffies);
		} else if (timer_pending(&es->close_timer)) {
			timer = 2;
			when = jiffies_delta_to_clock_t(es->close_timer.expires -
							jiffies);
		}
	}
	seq_printf(seq, EDU_ROW_FMT, (*sl)++, sk->sk_rcv_saddr, sk->sk_num,
		   sk->sk_daddr, ntohs(sk->sk_dport), state, tx_queue, rx_queue,
		   timer, when, READ_ONCE(es->retransmits),
		   from_kuid_munged(seq_user_ns(seq), uid), 0,
		   sock_i_ino(sk), synq, backlog, acceptq, backlog, drops);

	if (state == TCP_LISTEN)
		edu_proc_requests(seq, sk, sl);
}

/* The rows a socket's record holds, for a walk that skips records. */
static int edu_proc_rows(struct sock *sk)
{
	int state = inet_sk_state_load(sk);

	if (state == TCP_CLOSE)
		return 0;
	return 1 + (state == TCP_LISTEN ? READ_ONCE(edu_sk(sk)->q.syn_len) : 0);
}

static void edu_proc_rewind(struct edu_proc_iter *it)
{
	edu_table_stop(&it->pos);
	it->pos.table = EDU_TABLE_LISTEN;
	it->pos.bucket = 0;
	it->pos.seq = U64_MAX;
	it->num = 0;
	it->rows = 0;
}

static void *edu_seq_start(struct seq_file *seq, loff_t *pos)
{
	struct edu_proc_iter *it = seq->private;
	struct net *net = seq_file_net(seq);
	struct sock *sk;
	loff_t skip;

	/* Where the last read stopped: that socket, or the next one. */
	if (*pos && *pos == it->last_pos)
		return edu_table_seek(net, &it->pos);

	edu_proc_rewind(it);
	it->last_pos = *pos;
	if (!*pos)
		return SEQ_START_TOKEN;
	/* Elsewhere (a seek): count records from the start. */
	sk = edu_table_seek(net, &it->pos);
	for (skip = *pos - 1; sk && skip; skip--) {
		it->num += edu_proc_rows(sk);
		sk = edu_table_next(net, &it->pos, sk);
	}
	return sk;
}

static void *edu_seq_next(struct seq_file *seq, void *v, loff_t *pos)
{
	struct edu_proc_iter *it = seq->private;
	struct net *net = seq_file_net(seq);
	struct sock *sk;

	if (v == SEQ_START_TOKEN) {
		sk = edu_table_seek(net, &it->pos);
	} else {
		it->num += it->rows;
		it->rows = 0;
		sk = edu_table_next(net, &it->pos, v);
	}
	it->last_pos = ++*pos;
	return sk;
}

static void edu_seq_stop(struct seq_file *seq, void *v)
{
	struct edu_proc_iter *it = seq->private;

	edu_table_stop(&it->pos);
}

static int edu_seq_show(struct seq_file *seq, void *v)
{
	struct edu_proc_iter *it = seq->private;
	int sl = it->num;

	if (v == SEQ_START_TOKEN) {
		seq_puts(seq, EDU_PROC_HEADER "\n");
		return 0;
	}
	edu_proc_row(seq, v, &sl);
	it->rows = sl - it->num;
	return 0;
}

static const struct seq_operations edu_seq_ops = {
	.start	= edu_seq_start,
	.next	= edu_seq_next,
	.stop	= edu_seq_stop,
	.show	= edu_seq_show,
};

static const char * const edu_mib_names[EDU_MIB_MAX] = {
	[EDU_MIB_ACTIVEOPENS]		= "ActiveOpens",
	[EDU_MIB_PASSIVEOPENS]		= "PassiveOpens",
	[EDU_MIB_ATTEMPTFAILS]		= "AttemptFails",
	[EDU_MIB_ESTABRESETS]		= "EstabResets",
	[EDU_MIB_CURRESTAB]		= "CurrEstab",
	[EDU_MIB_INSEGS]		= "InSegs",
	[EDU_MIB_OUTSEGS]		= "OutSegs",
	[EDU_MIB_RETRANSSEGS]		= "RetransSegs",
	[EDU_MIB_INERRS]		= "InErrs",
	[EDU_MIB_INCSUMERRORS]		= "InCsumErrors",
	[EDU_MIB_OUTRSTS]		= "OutRsts",
	[EDU_MIB_LISTENOVERFLOWS]	= "ListenOverflows",
	[EDU_MIB_LISTENDROPS]		= "ListenDrops",
	[EDU_MIB_SYNQUEUEDROPS]		= "SynQueueDrops",
	[EDU_MIB_SYNACKRETRANS]		= "SynAckRetrans",
	[EDU_MIB_ABORTONOVERFLOW]	= "AbortOnOverflow",
	[EDU_MIB_SYNCOOKIESSENT]	= "SyncookiesSent",
	[EDU_MIB_SYNCOOKIESRECV]	= "SyncookiesRecv",
	[EDU_MIB_ABORTONDATA]		= "AbortOnData",
	[EDU_MIB_ABORTONCLOSE]		= "AbortOnClose",
	[EDU_MIB_ABORTONMEMORY]		= "AbortOnMemory",
	[EDU_MIB_ABORTONTIMEOUT]	= "AbortOnTimeout",
	[EDU_MIB_FASTRETRANS]		= "FastRetrans",
	[EDU_MIB_TIMEOUTS]		= "Timeouts",
	[EDU_MIB_OFOQUEUE]		= "OFOQueue",
	[EDU_MIB_WINPROBE]		= "WinProbe",
	[EDU_MIB_RCVQDROP]		= "RcvQDrop",
	[EDU_MIB_OFODROP]		= "OFODrop",
	[EDU_MIB_MEMORYPRESSURES]	= "MemoryPressures",
	[EDU_MIB_SYNCOOKIESFAILED]	= "SyncookiesFailed",
	[EDU_MIB_CHALLENGEACK]		= "ChallengeACK",
	[EDU_MIB_SYNCHALLENGE]		= "SYNChallenge",
	[EDU_MIB_ACKSKIPPEDSEQ]		= "ACKSkippedSeq",
	[EDU_MIB_ACKSKIPPEDCHALLENGE]	= "ACKSkippedChallenge",
	[EDU_MIB_DELAYEDACKS]		= "DelayedACKs",
};

static int edu_stats_show(struct seq_file *seq, void *v)
{
	struct net *net = seq_file_single_net(seq);
	int i;

	seq_puts(seq, "EduTcp:");
	for (i = 0; i < EDU_MIB_MAX; i++)
		seq_printf(seq, " %s", edu_mib_names[i]);
	seq_puts(seq, "\nEduTcp:");
	for (i = 0; i < EDU_MIB_MAX; i++)
		seq_printf(seq, " %ld", edu_mib_read(net, i));
	seq_putc(seq, '\n');
	return 0;
}

int edu_proc_init_net(struct net *net)
{
	if (!proc_create_net("edutcp", 0444, net->proc_net, &edu_seq_ops,
			     sizeof(struct edu_proc_iter)))
		return -ENOMEM;
	if (!proc_create_net_single("edutcp_stats", 0444, net->proc_net,
				    edu_stats_show, NULL)) {
		remove_proc_entry("edutcp", net->proc_net);
		return -ENOMEM;
	}
	return 0;
}

void edu_proc_exit_net(struct net *net)
{
	remove_proc_entry("edutcp_stats", net->proc_net);
	remove_proc_entry("edutcp", net->proc_net);
}
