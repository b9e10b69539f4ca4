// SPDX-License-Identifier: GPL-2.0
/*
 * input.c - EDUTCP segments arriving from IPv4.
 */
#include <linux/skbuff.h>
#include "edu.h"

int edu_rcv(struct sk_buff *skb)
{
	EDU_INC_STATS(dev_net(skb->dev), EDU_MIB_INSEGS);
	kfree_skb(skb);
	return 0;
}

int edu_err(struct sk_buff *skb, u32 info)
{
	return 0;
}
