// SPDX-License-Identifier: GPL-2.0
/*
 * netns.c - per network namespace state: counters, socket tables, sysctls,
 * proc files.
 *
 * Every namespace gets its own struct edu_net (net_generic()), so a listener
 * in one namespace is invisible from another and each namespace has its own
 * knobs, as TCP's do.
 */
#include <linux/cpumask.h>
#include "edu.h"

unsigned int edu_net_id __read_mostly;

long edu_mib_read(const struct net *net, enum edu_mib_field field)
{
	struct edu_net *en = edu_pernet(net);
	long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu_ptr(en->mib, cpu)->mibs[field];
	return sum;
}

static int __net_init edu_net_init(struct net *net)
{
	struct edu_net *en = edu_pernet(net);
	int err;

	en->mib = alloc_percpu(struct edu_mib);
	if (!en->mib)
		return -ENOMEM;

	err = edu_tables_init_net(net);
	if (err)
		goto err_free_mib;

	edu_sysctl_defaults(net, en);
	err = edu_sysctl_init_net(net, en);
	if (err)
		goto err_tables;

	err = edu_proc_init_net(net);
	if (err)
		goto err_sysctl;
	return 0;

err_sysctl:
	edu_sysctl_exit_net(en);
err_tables:
	edu_tables_exit_net(net);
err_free_mib:
	free_percpu(en->mib);
	return err;
}

static void __net_exit edu_net_exit(struct net *net)
{
	struct edu_net *en = edu_pernet(net);

	/* Orphans do not hold the namespace: end them while it exists. */
	edu_kill_orphans(net);
	edu_proc_exit_net(net);
	edu_sysctl_exit_net(en);
	edu_tables_exit_net(net);
	free_percpu(en->mib);
}

static struct pernet_operations edu_net_ops = {
	.init	= edu_net_init,
	.exit	= edu_net_exit,
	.id	= &edu_net_id,
	.size	= sizeof(struct edu_net),
};

int edu_netns_init(void)
{
	return register_pernet_subsys(&edu_net_ops);
}

void edu_netns_exit(void)
{
	unregister_pernet_subsys(&edu_net_ops);
}
