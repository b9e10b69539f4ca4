/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace.h - the edutcp:* tracepoints: every state change, every move in
 * and out of the two queues of a listener, every segment, every
 * retransmission.  Enable them under /sys/kernel/tracing/events/edutcp/
 * (or with trace-cmd/perf) and read trace_pipe to watch a connection live.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM edutcp

#if !defined(_EDU_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _EDU_TRACE_H

#include <linux/tracepoint.h>
#include <net/sock.h>
#include <net/tcp.h>

/*
 * Addresses are kept as four bytes in network order (__array), not as a
 * __u32 printed through &__entry->addr: libtraceevent, which perf and
 * trace-cmd use to print the events from their format files, cannot parse
 * a '&' in the arguments of a format ("bad op token &") and falls back to
 * raw fields.  Linux's sock:inet_sock_set_state keeps its addresses so.
 */

/*
 * The enum values the formats below print by name, exported so that
 * perf and trace-cmd, which read the format files, can name them too.
 */
TRACE_DEFINE_ENUM(EDU_TQ_ADD);
TRACE_DEFINE_ENUM(EDU_TQ_REMOVE);
TRACE_DEFINE_ENUM(EDU_TQ_DROP);
TRACE_DEFINE_ENUM(EDU_TQ_COOKIE);
TRACE_DEFINE_ENUM(EDU_TQ_EXPIRE);
TRACE_DEFINE_ENUM(EDU_TQ_ACKED);
TRACE_DEFINE_ENUM(EDU_TQ_RESET);
TRACE_DEFINE_ENUM(EDU_RTX_SYN);
TRACE_DEFINE_ENUM(EDU_RTX_SYNACK);
TRACE_DEFINE_ENUM(EDU_RTX_DATA);
TRACE_DEFINE_ENUM(TCP_ESTABLISHED);
TRACE_DEFINE_ENUM(TCP_SYN_SENT);
TRACE_DEFINE_ENUM(TCP_SYN_RECV);
TRACE_DEFINE_ENUM(TCP_FIN_WAIT1);
TRACE_DEFINE_ENUM(TCP_FIN_WAIT2);
TRACE_DEFINE_ENUM(TCP_TIME_WAIT);
TRACE_DEFINE_ENUM(TCP_CLOSE);
TRACE_DEFINE_ENUM(TCP_CLOSE_WAIT);
TRACE_DEFINE_ENUM(TCP_LAST_ACK);
TRACE_DEFINE_ENUM(TCP_LISTEN);
TRACE_DEFINE_ENUM(TCP_CLOSING);

#define edu_show_queue_event(e)				\
	__print_symbolic(e,				\
		{ EDU_TQ_ADD,		"add" },	\
		{ EDU_TQ_REMOVE,	"remove" },	\
		{ EDU_TQ_DROP,		"drop" },	\
		{ EDU_TQ_COOKIE,	"cookie" },	\
		{ EDU_TQ_EXPIRE,	"expire" },	\
		{ EDU_TQ_ACKED,		"acked" },	\
		{ EDU_TQ_RESET,		"reset" })

#define edu_show_state(s)				\
	__print_symbolic(s,				\
		{ TCP_ESTABLISHED,	"ESTABLISHED" },\
		{ TCP_SYN_SENT,		"SYN_SENT" },	\
		{ TCP_SYN_RECV,		"SYN_RECV" },	\
		{ TCP_FIN_WAIT1,	"FIN_WAIT1" },	\
		{ TCP_FIN_WAIT2,	"FIN_WAIT2" },	\
		{ TCP_TIME_WAIT,	"TIME_WAIT" },	\
		{ TCP_CLOSE,		"CLOSE" },	\
		{ TCP_CLOSE_WAIT,	"CLOSE_WAIT" },	\
		{ TCP_LAST_ACK,		"LAST_ACK" },	\
		{ TCP_LISTEN,		"LISTEN" },	\
		{ TCP_CLOSING,		"CLOSING" })

#define edu_show_flags(f)				\
	__print_flags(f, "|",				\
		{ TCPHDR_FIN, "FIN" },			\
		{ TCPHDR_SYN, "SYN" },			\
		{ TCPHDR_RST, "RST" },			\
		{ TCPHDR_PSH, "PSH" },			\
		{ TCPHDR_ACK, "ACK" })

TRACE_EVENT(edutcp_state,
	    TP_PROTO(const struct sock *sk, int oldstate, int newstate),
	    TP_ARGS(sk, oldstate, newstate),
	    TP_STRUCT__entry(__field(const void *, skaddr)
			     __array(__u8, saddr, 4)
			     __array(__u8, daddr, 4)
			     __field(__u16, sport)
			     __field(__u16, dport)
			     __field(int, oldstate)
			     __field(int, newstate)),
	    TP_fast_assign(__entry->skaddr = sk;
			   memcpy(__entry->saddr, &sk->sk_rcv_saddr, 4);
			   memcpy(__entry->daddr, &sk->sk_daddr, 4);
			   __entry->sport = sk->sk_num;
			   __entry->dport = ntohs(sk->sk_dport);
			   __entry->oldstate = oldstate;
			   __entry->newstate = newstate;),
	    TP_printk("sk=%p %pI4:%u -> %pI4:%u %s -> %s", __entry->skaddr,
		      __entry->saddr, __entry->sport, __entry->daddr,
		      __entry->dport, edu_show_state(__entry->oldstate),
		      edu_show_state(__entry->newstate))
);

/* One class for both queues: the listener, the peer, the queue's fill. */
DECLARE_EVENT_CLASS(edutcp_queue,
		    TP_PROTO(const struct sock *sk, __be32 raddr, __be16 rport, int event,
			     unsigned int len, unsigned int max),
		    TP_ARGS(sk, raddr, rport, event, len, max),
		    TP_STRUCT__entry(__field(const void *, skaddr)
				     __array(__u8, laddr, 4)
				     __array(__u8, raddr, 4)
				     __field(__u16, lport)
				     __field(__u16, rport)
				     __field(int, event)
				     __field(unsigned int, len)
				     __field(unsigned int, max)),
		    TP_fast_assign(__entry->skaddr = sk;
				   memcpy(__entry->laddr, &sk->sk_rcv_saddr, 4);
				   memcpy(__entry->raddr, &raddr, 4);
				   __entry->lport = sk->sk_num;
				   __entry->rport = ntohs(rport);
				   __entry->event = event;
				   __entry->len = len;
				   __entry->max = max;),
		    TP_printk("listener=%p %pI4:%u peer %pI4:%u %s len=%u backlog=%u",
			      __entry->skaddr, __entry->laddr, __entry->lport,
			      __entry->raddr, __entry->rport,
			      edu_show_queue_event(__entry->event), __entry->len,
			      __entry->max)
);

DEFINE_EVENT(edutcp_queue, edutcp_synq,
	     TP_PROTO(const struct sock *sk, __be32 raddr, __be16 rport, int event,
		      unsigned int len, unsigned int max),
	     TP_ARGS(sk, raddr, rport, event, len, max)
);

DEFINE_EVENT(edutcp_queue, edutcp_acceptq,
	     TP_PROTO(const struct sock *sk, __be32 raddr, __be16 rport, int event,
		      unsigned int len, unsigned int max),
	     TP_ARGS(sk, raddr, rport, event, len, max)
);

/* A segment on the wire; @out is 1 for one we send. */
TRACE_EVENT(edutcp_segment,
	    TP_PROTO(int out, __be32 saddr, __be32 daddr, const struct tcphdr *th,
		     unsigned int len),
	    TP_ARGS(out, saddr, daddr, th, len),
	    TP_STRUCT__entry(__field(int, out)
			     __array(__u8, saddr, 4)
			     __array(__u8, daddr, 4)
			     __field(__u16, sport)
			     __field(__u16, dport)
			     __field(__u8, flags)
			     __field(__u32, seq)
			     __field(__u32, ack)
			     __field(__u16, window)
			     __field(unsigned int, len)),
	    TP_fast_assign(__entry->out = out;
			   memcpy(__entry->saddr, &saddr, 4);
			   memcpy(__entry->daddr, &daddr, 4);
			   __entry->sport = ntohs(th->source);
			   __entry->dport = ntohs(th->dest);
			   __entry->flags = tcp_flag_byte(th);
			   __entry->seq = ntohl(th->seq);
			   __entry->ack = ntohl(th->ack_seq);
			   __entry->window = ntohs(th->window);
			   __entry->len = len;),
	    TP_printk("%s %pI4:%u > %pI4:%u [%s] seq=%u ack=%u win=%u len=%u",
		      __entry->out ? "send" : "recv", __entry->saddr,
		      __entry->sport, __entry->daddr, __entry->dport,
		      edu_show_flags(__entry->flags), __entry->seq, __entry->ack,
		      __entry->window, __entry->len)
);

/*
 * A segment sent again, @kind EDU_RTX_SYN, _SYNACK or _DATA (data or FIN,
 * the oldest unacknowledged one); @count retransmissions of it so far.
 */
TRACE_EVENT(edutcp_retransmit,
	    TP_PROTO(int kind, __be32 saddr, __be16 sport, __be32 daddr,
		     __be16 dport, unsigned int count),
	    TP_ARGS(kind, saddr, sport, daddr, dport, count),
	    TP_STRUCT__entry(__field(int, kind)
			     __array(__u8, saddr, 4)
			     __array(__u8, daddr, 4)
			     __field(__u16, sport)
			     __field(__u16, dport)
			     __field(unsigned int, count)),
	    TP_fast_assign(__entry->kind = kind;
			   memcpy(__entry->saddr, &saddr, 4);
			   memcpy(__entry->daddr, &daddr, 4);
			   __entry->sport = ntohs(sport);
			   __entry->dport = ntohs(dport);
			   __entry->count = count;),
	    TP_printk("%s %pI4:%u > %pI4:%u retransmission %u",
		      __print_symbolic(__entry->kind,
				       { EDU_RTX_SYN, "SYN" },
				       { EDU_RTX_SYNACK, "SYN-ACK" },
				       { EDU_RTX_DATA, "data" }),
		      __entry->saddr,
		      __entry->sport, __entry->daddr, __entry->dport,
		      __entry->count)
);

#endif /* _EDU_TRACE_H */

/* This part must be outside the include guard. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
