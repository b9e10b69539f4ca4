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

static int edu_seq_show(struct seq_file *seq, void *v)
{
	seq_puts(seq, EDU_PROC_HEADER "\n");
	return 0;
}

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
	[EDU_MIB_SYNCOOKIESFAILED]	= "SyncookiesFailed",
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
	if (!proc_create_net_single("edutcp", 0444, net->proc_net,
				    edu_seq_show, NULL))
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
