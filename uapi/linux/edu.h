/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * edu.h - userspace ABI of the AF_EDU socket family and its EDUTCP protocol
 *
 * EDUTCP is a small TCP carried in IPv4 under an experimental protocol
 * number.  Addresses look exactly like AF_INET ones, socket states use the
 * TCP state numbers, and the socket options mirror TCP's, so a program
 * written for AF_INET/SOCK_STREAM needs only its family changed.
 */
#ifndef _UAPI_LINUX_EDU_H
#define _UAPI_LINUX_EDU_H

#include <linux/types.h>
#include <linux/in.h>

/*
 * Address family.  6.1 has no spare number below AF_MAX (46), so the module
 * reuses the slot of a family no 6.1 kernel registers (AF_ECONET, removed in
 * 3.5).  The module parameter "family=" overrides it; the number in use is
 * in /sys/module/af_edu/parameters/family.
 */
#define AF_EDU		19
#define PF_EDU		AF_EDU

/* IPv4 protocol number: RFC 3692 sets 253 and 254 aside for experiments. */
#define IPPROTO_EDUTCP	253

/* Socket option level, chosen like SOL_TCP == IPPROTO_TCP. */
#define SOL_EDUTCP	253

/*
 * setsockopt(fd, SOL_EDUTCP, EDU_REUSEPORT, &one, sizeof(one)): what
 * SO_REUSEPORT is for TCP, with TCP's rules.  Linux 6.1 accepts
 * SO_REUSEPORT itself only on AF_INET/AF_INET6 sockets; getsockopt of
 * SO_REUSEPORT reads the same flag.
 */
#define EDU_REUSEPORT	15

/*
 * getsockopt(fd, SOL_EDUTCP, EDU_INFO, &info, &len): a snapshot of the
 * socket, like TCP_INFO.  The kernel fills as much as @len holds and sets
 * @len to what it wrote, so a program built against an older, shorter
 * struct keeps working; fields are only ever added at the end, and
 * edui_version says which layout the kernel speaks.
 */
#define EDU_INFO	11

#define EDU_INFO_VERSION	2

struct edu_info {
	__u8	edui_version;		/* EDU_INFO_VERSION */
	__u8	edui_state;		/* EDU_ESTABLISHED ... EDU_CLOSING */
	__u8	edui_retransmits;	/* of the oldest segment (SYN or data) */
	__u8	edui_pad;
	__u32	edui_rto_ms;		/* current retransmission timeout */

	/* A listener's queues (zero for other sockets). */
	__u32	edui_synq_len;		/* half-open requests */
	__u32	edui_synq_max;		/* full above it: the backlog (linux) */
	__u32	edui_acceptq_len;	/* children waiting for accept() */
	__u32	edui_acceptq_max;	/* full above it: the backlog (linux) */
	__u32	edui_drops;		/* SYNs and ACKs it could not take */

	/* A connection's queues and windows, in bytes. */
	__u32	edui_sndq_bytes;	/* queued, not yet acknowledged */
	__u32	edui_rcvq_bytes;	/* received, not yet read */
	__u32	edui_snd_wnd;		/* the peer's advertised window */
	__u32	edui_rcv_wnd;		/* the window we advertise */

	/* Version 2: a listener's backlog model (zero for other sockets). */
	__u32	edui_backlog_model;	/* EDU_BACKLOG_LINUX, _BSD, _SUM */
	__u32	edui_queued_max;	/* requests + children together at
					 * most; 0: no such limit (linux)
					 */
};

/*
 * The rule that sizes a listener's queues from its backlog B, chosen per
 * network namespace by /proc/sys/net/edutcp/backlog_model (which reads and
 * takes the names): LINUX, Linux 6.1's, each queue full when it holds more
 * than B; BSD, 4.4BSD's sonewconn(), requests and children together at
 * most 3 * B / 2 + 1; SUM, together at most B (at least 1).
 */
enum {
	EDU_BACKLOG_LINUX,
	EDU_BACKLOG_BSD,
	EDU_BACKLOG_SUM,
};

/* An EDUTCP address has the size and layout of struct sockaddr_in. */
struct sockaddr_edu {
	__kernel_sa_family_t	sedu_family;	/* AF_EDU */
	__be16			sedu_port;	/* port, network order */
	struct in_addr		sedu_addr;	/* IPv4 address */
	unsigned char		sedu_zero[8];	/* must be zero */
};

/* Socket states: the numbers of include/net/tcp_states.h. */
enum {
	EDU_ESTABLISHED = 1,
	EDU_SYN_SENT,
	EDU_SYN_RECV,
	EDU_FIN_WAIT1,
	EDU_FIN_WAIT2,
	EDU_TIME_WAIT,
	EDU_CLOSE,
	EDU_CLOSE_WAIT,
	EDU_LAST_ACK,
	EDU_LISTEN,
	EDU_CLOSING,
};

#endif /* _UAPI_LINUX_EDU_H */
