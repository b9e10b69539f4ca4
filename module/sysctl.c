// SPDX-License-Identifier: GPL-2.0
/*
 * sysctl.c - /proc/sys/net/edutcp/, one table per network namespace.
 *
 * Each knob mirrors a net.ipv4.tcp_* one and starts from Linux's default,
 * but backlog_model, which Linux lacks: it starts as Linux's own rule.
 * Values are range checked: a write outside the range fails with EINVAL
 * and the old value stays.
 */
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/swap.h>
#include <linux/sysctl.h>
#include <net/tcp.h>
#include "edu.h"

static int edu_one_day_secs = 24 * 3600;
static int edu_rto_max_ms = TCP_RTO_MAX * 1000 / HZ;
static int edu_max_retries = 255;
static int edu_one_day_ms = 24 * 3600 * 1000;

/* backlog_model's names, indexed by EDU_BACKLOG_* (listen.c). */
static const char * const edu_backlog_models[] = {
	[EDU_BACKLOG_LINUX]	= "linux",
	[EDU_BACKLOG_BSD]	= "bsd",
	[EDU_BACKLOG_SUM]	= "sum",
};

/*
 * backlog_model reads and takes a name, as net.ipv4.tcp_congestion_control
 * does (proc_tcp_congestion_control()): proc_dostring() on a buffer that
 * starts with the current name, then a lookup; a name not in the list
 * fails with EINVAL and the old model stays.
 */
static int edu_proc_backlog_model(struct ctl_table *table, int write,
				  void *buffer, size_t *lenp, loff_t *ppos)
{
	int *model = table->data;
	char name[16];
	struct ctl_table tbl = {
		.data	= name,
		.maxlen	= sizeof(name),
	};
	int ret, i;

	strscpy(name, edu_backlog_models[READ_ONCE(*model)], sizeof(name));
	ret = proc_dostring(&tbl, write, buffer, lenp, ppos);
	if (!write || ret)
		return ret;
	i = match_string(edu_backlog_models, ARRAY_SIZE(edu_backlog_models),
			 name);
	if (i < 0)
		return -EINVAL;
	WRITE_ONCE(*model, i);
	return 0;
}

/* .data is filled in per namespace by edu_sysctl_init_net(). */
static struct ctl_table edu_sysctl_template[] = {
	{
		.procname	= "max_syn_backlog",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= SYSCTL_ZERO,
		.extra2		= SYSCTL_INT_MAX,
	},
	{
		.procname	= "synack_retries",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= SYSCTL_ONE,
		.extra2		= &edu_max_retries,
	},
	{
		.procname	= "syn_retries",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= SYSCTL_ONE,
		.extra2		= &edu_max_retries,
	},
	{
		.procname	= "abort_on_overflow",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= SYSCTL_ZERO,
		.extra2		= SYSCTL_ONE,
	},
	{
		.procname	= "syncookies",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= SYSCTL_ZERO,
		.extra2		= SYSCTL_TWO,
	},
	{
		.procname	= "fin_timeout",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= SYSCTL_ONE,
		.extra2		= &edu_one_day_secs,
	},
	{
		.procname	= "tw_timeout",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= SYSCTL_ONE,
		.extra2		= &edu_one_day_secs,
	},
	{
		.procname	= "rto_min_ms",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= SYSCTL_ONE,
		.extra2		= &edu_rto_max_ms,
	},
	{
		.procname	= "retries2",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= SYSCTL_ONE,
		.extra2		= &edu_max_retries,
	},
	{
		.procname	= "max_orphans",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= SYSCTL_ZERO,
		.extra2		= SYSCTL_INT_MAX,
	},
	{
		.procname	= "orphan_retries",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= SYSCTL_ZERO,
		.extra2		= &edu_max_retries,
	},
	{
		.procname	= "challenge_ack_limit",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= SYSCTL_ZERO,
		.extra2		= SYSCTL_INT_MAX,
	},
	{
		.procname	= "invalid_ratelimit",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= SYSCTL_ZERO,
		.extra2		= &edu_one_day_ms,
	},
	{
		.procname	= "backlog_model",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= edu_proc_backlog_model,
	},
	{ }
};

/*
 * Defaults are Linux's: include/net/tcp.h for the retry counts and timers;
 * max_syn_backlog is copied from the namespace's own tcp_max_syn_backlog,
 * which Linux sizes from its established-hash table.  Linux sizes
 * tcp_max_orphans from memory; EDUTCP's max_orphans is a fixed 4096.
 * challenge_ack_limit is INT_MAX, no limit, as Linux 6.1 has it
 * (tcp_sk_init()); invalid_ratelimit is Linux's HZ / 2, in milliseconds;
 * backlog_model is linux, Linux's own rule.
 */
void edu_sysctl_defaults(struct net *net, struct edu_net *en)
{
	en->sysctl_max_syn_backlog = READ_ONCE(net->ipv4.sysctl_max_syn_backlog);
	en->sysctl_synack_retries = TCP_SYNACK_RETRIES;
	en->sysctl_syn_retries = TCP_SYN_RETRIES;
	en->sysctl_abort_on_overflow = 0;
	en->sysctl_syncookies = 1;
	en->sysctl_fin_timeout = TCP_FIN_TIMEOUT / HZ;
	en->sysctl_tw_timeout = TCP_TIMEWAIT_LEN / HZ;
	en->sysctl_rto_min_ms = TCP_RTO_MIN * 1000 / HZ;
	en->sysctl_retries2 = TCP_RETR2;
	en->sysctl_max_orphans = EDU_MAX_ORPHANS_DEFAULT;
	en->sysctl_orphan_retries = 0;	/* tcp_sk_init()'s */
	en->sysctl_challenge_ack_limit = INT_MAX;
	en->sysctl_invalid_ratelimit = jiffies_to_msecs(HZ / 2);
	en->sysctl_backlog_model = EDU_BACKLOG_LINUX;
}

/*
 * mem: three numbers of pages, min pressure max, EDUTCP's tcp_mem.  Like
 * tcp_mem it is one for the whole machine (all namespaces share one pool
 * of memory, edu_proto's memory_allocated) and so it lives in the initial
 * namespace's /proc/sys/net/edutcp/ only, as net.ipv4.tcp_mem does.
 */
long edu_sysctl_mem[3];
static struct ctl_table_header *edu_sysctl_global_hdr;

static struct ctl_table edu_sysctl_global[] = {
	{
		.procname	= "mem",
		.data		= &edu_sysctl_mem,
		.maxlen		= sizeof(edu_sysctl_mem),
		.mode		= 0644,
		.proc_handler	= proc_doulongvec_minmax,
	},
	{ }
};

/* tcp_init_mem(): 4.68%, 6.25% and 9.37% of the memory free for buffers. */
void edu_sysctl_mem_init(void)
{
	unsigned long limit = nr_free_buffer_pages() / 16;

	limit = max(limit, 128UL);
	edu_sysctl_mem[0] = limit / 4 * 3;
	edu_sysctl_mem[1] = limit;
	edu_sysctl_mem[2] = edu_sysctl_mem[0] * 2;
}

int edu_sysctl_global_init(void)
{
	edu_sysctl_global_hdr = register_net_sysctl(&init_net, "net/edutcp",
						    edu_sysctl_global);
	return edu_sysctl_global_hdr ? 0 : -ENOMEM;
}

void edu_sysctl_global_exit(void)
{
	unregister_net_sysctl_table(edu_sysctl_global_hdr);
}

int edu_sysctl_init_net(struct net *net, struct edu_net *en)
{
	int *fields[] = {
		&en->sysctl_max_syn_backlog,
		&en->sysctl_synack_retries,
		&en->sysctl_syn_retries,
		&en->sysctl_abort_on_overflow,
		&en->sysctl_syncookies,
		&en->sysctl_fin_timeout,
		&en->sysctl_tw_timeout,
		&en->sysctl_rto_min_ms,
		&en->sysctl_retries2,
		&en->sysctl_max_orphans,
		&en->sysctl_orphan_retries,
		&en->sysctl_challenge_ack_limit,
		&en->sysctl_invalid_ratelimit,
		&en->sysctl_backlog_model,
	};
	struct ctl_table *table;
	int i;

	BUILD_BUG_ON(ARRAY_SIZE(fields) != ARRAY_SIZE(edu_sysctl_template) - 1);

	table = kmemdup(edu_sysctl_template, sizeof(edu_sysctl_template),
			GFP_KERNEL);
	if (!table)
		return -ENOMEM;
	for (i = 0; i < ARRAY_SIZE(fields); i++)
		table[i].data = fields[i];

	en->sysctl_hdr = register_net_sysctl(net, "net/edutcp", table);
	if (!en->sysctl_hdr) {
		kfree(table);
		return -ENOMEM;
	}
	return 0;
}

void edu_sysctl_exit_net(struct edu_net *en)
{
	struct ctl_table *table = en->sysctl_hdr->ctl_table_arg;

	unregister_net_sysctl_table(en->sysctl_hdr);
	kfree(table);
}
