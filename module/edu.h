/* SPDX-License-Identifier: GPL-2.0 */
/*
 * edu.h - internal header of the EDUTCP module: what every file shares.
 */
#ifndef _EDU_H
#define _EDU_H

#include <linux/list.h>
#include <linux/percpu.h>
#include <linux/tcp.h>
#include <net/net_namespace.h>
#include <net/tcp.h>		/* the wire format and its helpers are TCP's */
#include <net/netns/generic.h>
#include <net/sock.h>
#include <linux/edu.h>

#define EDU_PROTO_NAME	"EDUTCP"

/* Module parameters, fixed once the module is loaded. */
extern int edu_family;
extern int edu_ipproto;

/*
 * Counters of /proc/net/edutcp_stats, in the order they are printed.  Names
 * are Linux's (include/uapi/linux/snmp.h) where Linux has one.
 */
enum edu_mib_field {
	EDU_MIB_ACTIVEOPENS,
	EDU_MIB_PASSIVEOPENS,
	EDU_MIB_ATTEMPTFAILS,
	EDU_MIB_ESTABRESETS,
	EDU_MIB_CURRESTAB,	/* a gauge: incremented and decremented */
	EDU_MIB_INSEGS,
	EDU_MIB_OUTSEGS,
	EDU_MIB_RETRANSSEGS,
	EDU_MIB_INERRS,
	EDU_MIB_INCSUMERRORS,
	EDU_MIB_OUTRSTS,
	EDU_MIB_LISTENOVERFLOWS,
	EDU_MIB_LISTENDROPS,
	EDU_MIB_SYNQUEUEDROPS,
	EDU_MIB_SYNACKRETRANS,
	EDU_MIB_ABORTONOVERFLOW,
	EDU_MIB_SYNCOOKIESSENT,
	EDU_MIB_SYNCOOKIESRECV,
	EDU_MIB_SYNCOOKIESFAILED,
	EDU_MIB_ABORTONDATA,
	EDU_MIB_ABORTONCLOSE,
	EDU_MIB_ABORTONMEMORY,
	EDU_MIB_ABORTONTIMEOUT,
	EDU_MIB_FASTRETRANS,
	EDU_MIB_TIMEOUTS,
	EDU_MIB_OFOQUEUE,
	EDU_MIB_WINPROBE,
	EDU_MIB_RCVQDROP,
	EDU_MIB_OFODROP,
	EDU_MIB_MEMORYPRESSURES,
	EDU_MIB_CHALLENGEACK,
	EDU_MIB_SYNCHALLENGE,
	EDU_MIB_ACKSKIPPEDSEQ,
	EDU_MIB_ACKSKIPPEDCHALLENGE,
	EDU_MIB_DELAYEDACKS,
	EDU_MIB_MAX
};

struct edu_mib {
	long	mibs[EDU_MIB_MAX];
};

/* Everything EDUTCP keeps per network namespace. */
struct edu_net {
	struct edu_mib __percpu	*mib;
	struct edu_tables	*tables;	/* bind.c: ports, listeners, 4-tuples */
	struct ctl_table_header	*sysctl_hdr;

	/* /proc/sys/net/edutcp/, see sysctl.c for meanings and defaults */
	int	sysctl_max_syn_backlog;
	int	sysctl_synack_retries;
	int	sysctl_syn_retries;
	int	sysctl_abort_on_overflow;
	int	sysctl_syncookies;
	int	sysctl_fin_timeout;
	int	sysctl_tw_timeout;
	int	sysctl_rto_min_ms;
	int	sysctl_retries2;
	int	sysctl_max_orphans;
	int	sysctl_orphan_retries;

	/* Orphans of this namespace, against its max_orphans (close.c). */
	atomic_t	orphans;
	int	sysctl_challenge_ack_limit;
	int	sysctl_invalid_ratelimit;	/* ms */
	int	sysctl_backlog_model;		/* EDU_BACKLOG_* (uapi) */

	/* RFC 5961 challenge ACKs left this second (input.c), lockless */
	u32	challenge_timestamp;		/* the second, jiffies / HZ */
	u32	challenge_count;
};

extern unsigned int edu_net_id;

static inline struct edu_net *edu_pernet(const struct net *net)
{
	return net_generic(net, edu_net_id);
}

/* this_cpu ops are safe from process, softirq and timer context alike. */
#define EDU_INC_STATS(net, field) \
	this_cpu_inc(edu_pernet(net)->mib->mibs[field])
#define EDU_DEC_STATS(net, field) \
	this_cpu_dec(edu_pernet(net)->mib->mibs[field])

long edu_mib_read(const struct net *net, enum edu_mib_field field);

/*
 * A half-open connection: a SYN arrived, our SYN-ACK went out, the final
 * ACK has not been taken yet.  It is not a socket, only what the listener
 * must remember to build one: Linux's request_sock, reduced.
 */
struct edu_request {
	struct list_head	node;		/* in edu_queues.syn_queue */
	__be32			laddr, raddr;	/* local, remote address */
	__be16			lport, rport;	/* local, remote port */
	u32			rcv_isn;	/* the peer's initial sequence */
	u32			snt_isn;	/* ours, sent in the SYN-ACK */
	bool			wscale_ok;	/* the SYN had a window scale */
	u8			snd_wscale;	/* ...this one */
	u8			rcv_wscale;	/* ours, in the SYN-ACK */
	unsigned long		timeout;	/* current SYN-ACK timeout */
	unsigned long		expires;	/* jiffies of the next timeout */
	u16			window;		/* offered in our SYN-ACK */
	u16			mss;		/* the peer's, from its SYN */
	u16			adv_mss;	/* ours, in the SYN-ACK */
	u8			num_timeout;	/* SYN-ACKs retransmitted */
	bool			acked;		/* final ACK met a full accept queue */
};

/*
 * The two queues of a listener.  The accept queue's length and limit are
 * the socket's own sk_ack_backlog and sk_max_ack_backlog, as in Linux.
 *
 * Locking: changed with the listener's socket lock held (owned, or
 * bh-locked in softirq) *and* @lock; @lock alone lets /proc read them.
 * @lock is innermost: nothing else is taken while holding it.
 */
struct edu_queues {
	spinlock_t		lock;		/* see above */
	struct list_head	syn_queue;	/* struct edu_request */
	unsigned int		syn_len;	/* entries in syn_queue */
	unsigned int		syn_young;	/* ...never retransmitted */
	struct list_head	accept_queue;	/* struct edu_sock.accept_node */
	unsigned long		last_overflow;	/* jiffies: cookies sent */
	struct timer_list	synack_timer;	/* earliest request timeout */
};

/*
 * An EDUTCP socket.  Addresses and ports live in struct sock_common:
 * sk_rcv_saddr/sk_num are the local end (sk_num in host order), sk_daddr/
 * sk_dport the remote end.
 *
 * The byte stream (send.c, stream.c): sk_write_queue holds every segment from
 * snd_una to write_seq, sent or not, each skb one segment (payload in page
 * fragments, the header is added on each transmission); sk_receive_queue
 * holds in-order payload not yet read, from copied_seq to rcv_nxt;
 * @ooo_queue holds segments that arrived beyond rcv_nxt, sorted.  All of
 * it changes under the socket lock only.
 */
struct edu_sock {
	struct sock		sk;		/* must be first */

	struct hlist_node	bind_node;	/* edu_tables.bind, by port */
	struct hlist_node	estab_node;	/* edu_tables.estab, by 4-tuple */
	struct hlist_node	listen_node;	/* edu_tables.listen */
	bool			bind_hashed;
	bool			estab_hashed;
	bool			listen_hashed;
	bool			connect_bound;	/* port from connect()'s autobind */
	u64			hash_seq;	/* order joined listen or estab */

	/* Send sequence space, RFC 9293 names; write_seq: end of queued data */
	u32			iss, snd_una, snd_nxt, write_seq;
	u32			snd_wnd;	/* the peer's last window */
	u32			max_window;	/* the largest it offered */
	u32			snd_wl1, snd_wl2; /* seq and ack it came with */
	u32			mss;		/* largest payload we send */
	u16			mss_clamp;	/* the most the peer takes */
	/*
	 * Window scaling (RFC 7323): both SYNs carried the option.  A window
	 * field is shifted left by snd_wscale as it arrives, and ours right
	 * by rcv_wscale as it leaves; in SYN_SENT, wscale_ok says our SYN
	 * offered rcv_wscale.
	 */
	bool			wscale_ok;
	u8			snd_wscale, rcv_wscale;
	u32			mtu_info;	/* path MTU from ICMP, deferred */
	bool			fin_queued;	/* our FIN is at write_seq - 1 */

	/* Receive sequence space; copied_seq: next byte for recvmsg() */
	u32			irs, rcv_nxt, copied_seq;
	u32			rcv_wup;	/* rcv_nxt when we last sent */
	u32			rcv_wnd;	/* the window we last advertised */
	struct sk_buff_head	ooo_queue;

	/*
	 * Retransmission (RFC 6298): the SYN of an active open, data and
	 * FIN, or zero-window probes (timer.c).  srtt8 is 8 x the smoothed
	 * RTT, rttvar4 4 x its variation, both in jiffies.
	 */
	struct timer_list	rtx_timer;
	unsigned long		rto;
	u32			srtt8, rttvar4;
	u32			rtt_seq;	/* timing the ACK of this seq... */
	unsigned long		rtt_start;	/* ...sent at this time */
	bool			rtt_timing;
	u8			retransmits;	/* of the oldest segment */
	u8			probes;		/* zero-window probes unanswered */
	u8			backoff;	/* RTO doublings since an RTT sample */
	u8			dupacks;
	bool			in_recovery;	/* fast retransmit until... */
	u32			recover;	/* ...this seq is acknowledged */

	/* jiffies of our last ACK to an invalid segment (input.c) */
	u32			last_oow_ack_time;

	/* FIN_WAIT2 of an orphan, and TIME_WAIT (close.c). */
	struct timer_list	close_timer;
	bool			orphan_counted;	/* in edu_net.orphans */

	/*
	 * TCP's options (sockopt.c).  Zero keepidle, keepintvl and keepcnt
	 * mean the namespace's net.ipv4.tcp_keepalive_* values.
	 */
	bool			nodelay, cork;
	u32			snd_sml;	/* end of the last short segment sent (Nagle) */

	/* When to acknowledge (ack.c): icsk_ack's fields, reduced. */
	struct timer_list	delack_timer;
	unsigned long		ack_lrcv;	/* jiffies: data last received */
	u32			rcv_mss;	/* full segment size, as received */
	u16			adv_mss;	/* the MSS our SYN or SYN-ACK offered */
	u8			ack_quick;	/* quick ACKs left */
	bool			ack_pending;	/* an ACK is owed */
	bool			ack_pushed;	/* ...for a short segment */
	bool			ack_started;	/* data ever received */
	bool			delack_deferred; /* timer fired while owned */
	bool			pingpong;	/* interactive; TCP_QUICKACK 0 */
	u16			user_mss;	/* TCP_MAXSEG, 0: the route's */
	u8			keepcnt;
	u8			ka_probes;	/* keepalive probes unanswered */
	u8			defer_accept;	/* in SYN-ACK retransmissions */
	u32			keepidle, keepintvl;	/* jiffies */
	u32			user_timeout;	/* ms, 0: retries2 decides */
	struct timer_list	ka_timer;
	unsigned long		rcv_tstamp;	/* jiffies: last segment taken */
	unsigned long		retrans_stamp;	/* the head unacked since */

	/* A listener's queues; a child's place in its listener's queue. */
	struct edu_queues	q;
	struct list_head	accept_node;
};

static inline struct edu_sock *edu_sk(const struct sock *sk)
{
	return (struct edu_sock *)sk;
}

/*
 * Bytes queued and not acknowledged (a SYN counts one): tx_queue, SIOCOUTQ
 * and EDU_INFO's sndq.  Read without the socket lock by /proc.
 */
static inline u32 edu_sndq(const struct edu_sock *es)
{
	return READ_ONCE(es->write_seq) - READ_ONCE(es->snd_una);
}

/* What input.c learns of a segment, kept in skb->cb. */
struct edu_skb_cb {
	u32	seq;		/* first sequence number */
	u32	end_seq;	/* seq + SYN + FIN + payload length */
	u32	ack_seq;
	u8	flags;		/* TCPHDR_* */
};

#define EDU_SKB_CB(skb)	((struct edu_skb_cb *)&((skb)->cb[0]))

/* Linux's initial RTO for SYN and SYN-ACK, and its ceiling. */
#define EDU_TIMEOUT_INIT	TCP_TIMEOUT_INIT
#define EDU_RTO_MAX		TCP_RTO_MAX

/*
 * Room for the IPv4 and EDUTCP headers in front of a segment, with the
 * options a SYN or SYN-ACK carries: the MSS and the window scale.
 */
#define EDU_HDR_ROOM	(MAX_HEADER + sizeof(struct iphdr) + \
			 sizeof(struct tcphdr) + TCPOLEN_MSS + \
			 TCPOLEN_WSCALE_ALIGNED)

/*
 * An orphan's retries while its RTO is short of EDU_RTO_MAX, when the
 * orphan_retries knob is 0 (tcp_orphan_retries()).
 */
#define EDU_ORPHAN_RETRIES	8
#define EDU_MAX_ORPHANS_DEFAULT	4096

/* Every state after the handshake, TIME_WAIT included. */
#define EDU_SYNCED_STATES	(TCPF_ESTABLISHED | TCPF_FIN_WAIT1 | \
				 TCPF_FIN_WAIT2 | TCPF_CLOSE_WAIT | \
				 TCPF_CLOSING | TCPF_LAST_ACK | TCPF_TIME_WAIT)

/* The largest segment payload (stream.c, edu_route_mss()). */
#define EDU_MSS_MAX		16384

/* What edutcp_retransmit sent again. */
enum edu_trace_rtx_kind {
	EDU_RTX_SYN,
	EDU_RTX_SYNACK,
	EDU_RTX_DATA,
};

/* What happened in a listener's queue, for the edutcp_synq/acceptq trace. */
enum edu_trace_queue_event {
	EDU_TQ_ADD,		/* a request or child joined the queue */
	EDU_TQ_REMOVE,		/* it left normally (child made, accept()) */
	EDU_TQ_DROP,		/* a SYN or ACK refused: the queue was full */
	EDU_TQ_COOKIE,		/* SYN queue full: answered with a syncookie */
	EDU_TQ_EXPIRE,		/* a request ran out of SYN-ACK retries */
	EDU_TQ_ACKED,		/* final ACK ignored: accept queue full */
	EDU_TQ_RESET,		/* gone with an RST (peer's, or ours) */
};

/* sock.c: the socket core */
extern struct proto edu_proto;
extern atomic_t edu_socks_alive;
extern atomic_t edu_requests_alive;
void edu_set_state(struct sock *sk, int state);
void edu_done(struct sock *sk);
int edu_disconnect(struct sock *sk);
struct sock *edu_sock_alloc(struct net *net, struct socket *sock, gfp_t gfp,
			    int kern);
int edu_proto_register(void);
void edu_proto_unregister(void);
void edu_debugfs_init(void);
void edu_debugfs_exit(void);
void edu_memory_check(void);
void edu_wait_for_sockets(void);
void edu_memcg_accept(struct sock *child);

/* bind.c: the port, listener and connection tables; walk.c reads them */
void edu_tables_init(void);
int edu_tables_init_net(struct net *net);
void edu_tables_exit_net(struct net *net);
int edu_bind(struct socket *sock, struct sockaddr *uaddr, int addr_len);
int edu_get_port(struct sock *sk, unsigned short snum);
int edu_autobind_connect(struct sock *sk);
void edu_put_port(struct sock *sk);
void edu_inherit_port(struct sock *listener, struct sock *child);
void edu_hash_estab(struct sock *sk);
int edu_hash_connect(struct sock *sk);
void edu_unhash_estab(struct sock *sk);
void edu_hash_listen(struct sock *sk);
void edu_unhash_listen(struct sock *sk);
struct sock *edu_lookup(struct net *net, __be32 saddr, __be16 sport,
			__be32 daddr, __be16 dport);
struct sock *edu_lookup_estab(struct net *net, __be32 saddr, __be16 sport,
			      __be32 daddr, __be16 dport);
typedef void (*edu_sock_visitor)(struct sock *sk, void *arg);
void edu_tables_walk(struct net *net, edu_sock_visitor fn, void *arg);

/* A place in the listen, then the estab table, for /proc (walk.c). */
enum edu_table {
	EDU_TABLE_LISTEN,
	EDU_TABLE_ESTAB,
	EDU_TABLE_END,
};

struct edu_table_pos {
	enum edu_table	table;
	unsigned int	bucket;
	u64		seq;		/* the socket's hash_seq, or U64_MAX */
	spinlock_t	*locked;	/* the bucket lock held, or NULL */
};

struct sock *edu_table_seek(struct net *net, struct edu_table_pos *pos);
struct sock *edu_table_next(struct net *net, struct edu_table_pos *pos,
			    struct sock *sk);
void edu_table_stop(struct edu_table_pos *pos);

/* accept.c: listen() and accept() */
int edu_listen(struct socket *sock, int backlog);
int edu_accept(struct socket *sock, struct socket *newsock, int flags,
	       bool kern);

/* listen.c: the SYN queue and the accept queue */
void edu_queues_init(struct sock *sk);
void edu_listen_stop(struct sock *sk);
struct sock *edu_listen_rcv(struct sock *sk, struct sk_buff *skb);
void edu_req_err(struct sock *sk, __be32 raddr, __be16 rport, __be32 laddr,
		 __be16 lport, u32 seq, bool abort);
int edu_backlog_model(const struct sock *sk);
u32 edu_queued_max(const struct sock *sk, int model);
u32 edu_queue_max(const struct sock *sk, int model);
bool edu_no_room_for_new(const struct sock *sk, int model);
void edu_listen_drop(struct sock *sk);
void edu_trace_acceptq(struct sock *sk, __be32 raddr, __be16 rport, int event);
struct sock *edu_make_child(struct sock *sk, const struct edu_request *req,
			    const struct sk_buff *skb);
void edu_acceptq_add(struct sock *sk, struct sock *child);

/* cookie.c: syncookies, a SYN answered with nothing kept */
void edu_cookie_init(void);
u32 edu_cookie_make(struct edu_request *req);
struct sock *edu_cookie_ack(struct sock *sk, struct sk_buff *skb);

/* connect.c: the active open */
int edu_connect(struct socket *sock, struct sockaddr *uaddr, int addr_len,
		int flags);
int edu_synsent_rcv(struct sock *sk, struct sk_buff *skb);
u32 edu_isn(struct net *net, __be32 saddr, __be32 daddr, __be16 sport,
	    __be16 dport);
void edu_connect_timeout(struct sock *sk);

/* stream.c: the byte stream, receiving; its set-up and end */
void edu_stream_sock_init(struct sock *sk);
void edu_stream_init(struct sock *sk, u32 mss);
int edu_recvmsg(struct socket *sock, struct msghdr *msg, size_t len,
		int flags);
int edu_ioctl(struct socket *sock, unsigned int cmd, unsigned long arg);
bool edu_stream_readable(const struct sock *sk);
void edu_data_rcv(struct sock *sk, struct sk_buff *skb);
void edu_purge_queues(struct sock *sk);
u32 edu_route_mss(struct net *net, __be32 daddr);
u16 edu_adv_mss(struct net *net, __be32 daddr, u16 user_mss);

/* send.c: the byte stream, sending; acknowledgments */
/* How edu_push_mode() treats a short last segment (TCP's nonagle bits). */
enum edu_push {
	EDU_PUSH_NAGLE,		/* Nagle and TCP_CORK decide */
	EDU_PUSH_MORE,		/* MSG_MORE: held as TCP_CORK holds it */
	EDU_PUSH_NOW,		/* sent whatever they say */
};

int edu_sendmsg(struct socket *sock, struct msghdr *msg, size_t size);
void edu_write_space(struct sock *sk);
void edu_push_mode(struct sock *sk, enum edu_push mode);
void edu_push(struct sock *sk);
int edu_ack_rcv(struct sock *sk, struct sk_buff *skb);
void edu_retransmit_head(struct sock *sk);
void edu_mtu_reduced(struct sock *sk, u32 mtu);
void edu_write_queue_purge(struct sock *sk);
void edu_send_fin(struct sock *sk);

/* ack.c: acknowledge at once, delayed, or with data */
void edu_ack_init(struct sock *sk);
void edu_ack_stop(struct sock *sk);
void edu_enter_quickack(struct sock *sk);
void edu_ack_data_rcv(struct sock *sk, u32 len);
void edu_ack_data_sent(struct sock *sk);
void edu_ack_sent(struct sock *sk);
void edu_ack_snd_check(struct sock *sk, bool now);
bool edu_ack_after_read(struct sock *sk, int copied);
void edu_set_quickack(struct sock *sk, int val);
void edu_delack_timer(struct timer_list *t);
void edu_delack_deferred(struct sock *sk);

/* timer.c: retransmission, probes, RTT */
void edu_rtx_timer(struct timer_list *t);
void edu_rtx_timer_arm(struct sock *sk);
void edu_rtx_timer_backoff(struct sock *sk);
void edu_rtt_sample(struct sock *sk, unsigned long rtt);
unsigned long edu_rto_min(const struct sock *sk);

/* close.c: teardown, FIN states, TIME_WAIT, orphans */
int edu_release(struct socket *sock);
bool edu_too_many_orphans(const struct sock *sk, int shift);
void edu_fin_rcv(struct sock *sk);
void edu_fin_acked(struct sock *sk);
void edu_close_timer(struct timer_list *t);
bool edu_tw_reopen(struct sock *sk, const struct edu_skb_cb *cb);
void edu_shutdown_send(struct sock *sk);
void edu_orphan_destroy(struct sock *sk);
void edu_kill_orphans(struct net *net);

/* sockopt.c: TCP's options, keepalive */
int edu_setsockopt(struct socket *sock, int level, int optname,
		   sockptr_t optval, unsigned int optlen);
int edu_getsockopt(struct socket *sock, int level, int optname,
		   char __user *optval, int __user *optlen);
void edu_set_keepalive(struct sock *sk, int on);
void edu_keepalive_start(struct sock *sk);
void edu_keepalive_arm(struct sock *sk, unsigned long delay);
void edu_keepalive_timer(struct timer_list *t);

/* output.c: segments out */
int edu_send_syn(struct sock *sk, bool resent);
int edu_send_synack(struct net *net, const struct edu_request *req);
void edu_send_ack(struct sock *sk);
int edu_xmit_skb(struct sock *sk, struct sk_buff *skb);
void edu_send_probe(struct sock *sk);
void edu_send_active_reset(struct sock *sk);
void edu_send_reset(struct net *net, struct sk_buff *skb);
u32 edu_rcv_window(const struct sock *sk);
u16 edu_syn_window(const struct sock *sk);
u8 edu_rcv_wscale(const struct sock *sk);

/* netns.c */
int edu_netns_init(void);
void edu_netns_exit(void);

/* proc.c */
int edu_proc_init_net(struct net *net);
void edu_proc_exit_net(struct net *net);

/* sysctl.c */
void edu_sysctl_defaults(struct net *net, struct edu_net *en);
int edu_sysctl_init_net(struct net *net, struct edu_net *en);
void edu_sysctl_exit_net(struct edu_net *en);
extern long edu_sysctl_mem[3];
void edu_sysctl_mem_init(void);
int edu_sysctl_global_init(void);
void edu_sysctl_global_exit(void);

/* input.c: segments in */
int edu_rcv(struct sk_buff *skb);
int edu_err(struct sk_buff *skb, u32 info);
void edu_release_cb(struct sock *sk);
int edu_do_rcv(struct sock *sk, struct sk_buff *skb);
void edu_reset(struct sock *sk);
void edu_send_challenge_ack(struct sock *sk);

/* The options of a SYN or SYN-ACK that EDUTCP reads (edu_parse_syn_options()). */
struct edu_syn_opts {
	u16	mss;		/* 0: no MSS option */
	bool	wscale_ok;	/* a window-scale option came... */
	u8	wscale;		/* ...with this shift, at most TCP_MAX_WSCALE */
};

void edu_parse_syn_options(struct net *net, const struct tcphdr *th,
			   u16 user_mss, struct edu_syn_opts *opts);

#endif /* _EDU_H */
