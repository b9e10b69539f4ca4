/* SPDX-License-Identifier: GPL-2.0 */
/*
 * edu.h - internal header of the EDUTCP module: what every file shares.
 */
#ifndef _EDU_H
#define _EDU_H

#include <linux/percpu.h>
#include <net/net_namespace.h>
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
	EDU_MIB_MAX
};

struct edu_mib {
	long	mibs[EDU_MIB_MAX];
};

/* Everything EDUTCP keeps per network namespace. */
struct edu_net {
	struct edu_mib __percpu	*mib;
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

/* input.c */
int edu_rcv(struct sk_buff *skb);
int edu_err(struct sk_buff *skb, u32 info);

#endif /* _EDU_H */
