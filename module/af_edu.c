// SPDX-License-Identifier: GPL-2.0
/*
 * af_edu.c - the AF_EDU address family: socket creation, the proto_ops
 * table and module init/exit.
 *
 * Module init registers, in order: the protocol (its slab), the per-network
 * namespace state, the IPv4 protocol handler and last the socket family, so
 * that no socket can be created before the rest is ready.  Exit and every
 * error path unwind in exactly the reverse order.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/net.h>
#include <linux/socket.h>
#include <net/protocol.h>
#include <net/sock.h>

#include "edu.h"

int edu_family = AF_EDU;
module_param_named(family, edu_family, int, 0444);
MODULE_PARM_DESC(family, "address family number to register (default "
		 __stringify(AF_EDU) ")");

int edu_ipproto = IPPROTO_EDUTCP;
module_param_named(ipproto, edu_ipproto, int, 0444);
MODULE_PARM_DESC(ipproto, "IPv4 protocol number carrying EDUTCP (default "
		 __stringify(IPPROTO_EDUTCP) ")");

struct edu_sock {
	struct sock	sk;
};

static struct proto edu_proto = {
	.name		= EDU_PROTO_NAME,
	.owner		= THIS_MODULE,
	.obj_size	= sizeof(struct edu_sock),
};

static int edu_release(struct socket *sock)
{
	struct sock *sk = sock->sk;

	if (!sk)
		return 0;

	lock_sock(sk);
	sock_orphan(sk);
	release_sock(sk);
	sock->sk = NULL;
	sock_put(sk);
	return 0;
}

static const struct proto_ops edu_stream_ops = {
	.family		= PF_EDU,
	.owner		= THIS_MODULE,
	.release	= edu_release,
	.bind		= sock_no_bind,
	.connect	= sock_no_connect,
	.socketpair	= sock_no_socketpair,
	.accept		= sock_no_accept,
	.getname	= sock_no_getname,
	.poll		= datagram_poll,
	.ioctl		= sock_no_ioctl,
	.listen		= sock_no_listen,
	.shutdown	= sock_no_shutdown,
	.sendmsg	= sock_no_sendmsg,
	.recvmsg	= sock_no_recvmsg,
	.mmap		= sock_no_mmap,
	.sendpage	= sock_no_sendpage,
};

/*
 * socket(AF_EDU, type, protocol).  The checks and their errno follow
 * inet_create(): a type the family does not know is ESOCKTNOSUPPORT, a
 * protocol that does not fit the type is EPROTONOSUPPORT.
 */
static int edu_create(struct net *net, struct socket *sock, int protocol,
		      int kern)
{
	struct sock *sk;

	if (protocol < 0 || protocol >= IPPROTO_MAX)
		return -EINVAL;
	if (sock->type != SOCK_STREAM)
		return -ESOCKTNOSUPPORT;
	if (protocol && protocol != edu_ipproto)
		return -EPROTONOSUPPORT;

	sk = sk_alloc(net, edu_family, GFP_KERNEL, &edu_proto, kern);
	if (!sk)
		return -ENOBUFS;

	sock->state = SS_UNCONNECTED;
	sock->ops = &edu_stream_ops;
	sock_init_data(sock, sk);
	sk->sk_protocol = edu_ipproto;
	return 0;
}

static struct net_proto_family edu_family_ops = {
	.create	= edu_create,
	.owner	= THIS_MODULE,
};

static const struct net_protocol edu_net_protocol = {
	.handler	= edu_rcv,
	.err_handler	= edu_err,
	.no_policy	= 1,
};

static int __init edu_init(void)
{
	int err;

	if (edu_family <= AF_UNSPEC || edu_family >= NPROTO) {
		pr_err("family=%d is out of range (1..%d)\n", edu_family,
		       NPROTO - 1);
		return -EINVAL;
	}
	if (edu_ipproto <= 0 || edu_ipproto >= MAX_INET_PROTOS) {
		pr_err("ipproto=%d is out of range (1..%d)\n", edu_ipproto,
		       MAX_INET_PROTOS - 1);
		return -EINVAL;
	}

	err = proto_register(&edu_proto, 1);
	if (err)
		return err;

	err = edu_netns_init();
	if (err)
		goto err_unreg_proto;

	if (inet_add_protocol(&edu_net_protocol, edu_ipproto) < 0) {
		pr_err("IP protocol %d is already taken; choose another with ipproto=\n",
		       edu_ipproto);
		err = -EEXIST;
		goto err_unreg_netns;
	}

	edu_family_ops.family = edu_family;
	err = sock_register(&edu_family_ops);
	if (err) {
		if (err == -EEXIST)
			pr_err("address family %d is already registered; choose a free one with family=\n",
			       edu_family);
		goto err_del_protocol;
	}

	pr_info("EDUTCP loaded: family %d, IP protocol %d\n", edu_family,
		edu_ipproto);
	return 0;

err_del_protocol:
	inet_del_protocol(&edu_net_protocol, edu_ipproto);
	synchronize_net();
err_unreg_netns:
	edu_netns_exit();
err_unreg_proto:
	proto_unregister(&edu_proto);
	return err;
}

static void __exit edu_exit(void)
{
	sock_unregister(edu_family);
	/* No packet may still be inside edu_rcv() once we go on. */
	inet_del_protocol(&edu_net_protocol, edu_ipproto);
	synchronize_net();
	edu_netns_exit();
	proto_unregister(&edu_proto);
}

module_init(edu_init);
module_exit(edu_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("AF_EDU: EDUTCP, a teaching TCP with explicit SYN and accept queues");
MODULE_ALIAS_NETPROTO(AF_EDU);
